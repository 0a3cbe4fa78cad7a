/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-profile-store.h"

void
cs_profile_entry_free (CsProfileEntry *entry)
{
	if (entry == NULL)
		return;
	g_free (entry->name);
	g_free (entry->path);
	g_free (entry);
}

/**
 * cs_profile_store_get_user_dir:
 *
 * Returns: (transfer full): $XDG_CONFIG_HOME/crmsync/profiles
 */
gchar *
cs_profile_store_get_user_dir (void)
{
	return g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", NULL);
}

/**
 * cs_profile_store_get_system_dirs:
 *
 * Returns: (transfer full): each of $XDG_CONFIG_DIRS + /crmsync/profiles, in
 *   order of precedence
 */
GStrv
cs_profile_store_get_system_dirs (void)
{
	const gchar *const *dirs = g_get_system_config_dirs ();
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		g_autofree gchar *d = g_build_filename (dirs[i], "crmsync", "profiles", NULL);
		g_strv_builder_add (b, d);
	}
	return g_strv_builder_end (b);
}

static gboolean
valid_name (const gchar *name)
{
	return name != NULL && name[0] != '\0' && name[0] != '.' &&
	       strchr (name, G_DIR_SEPARATOR) == NULL && g_utf8_validate (name, -1, NULL);
}

/**
 * cs_profile_store_find:
 * @name: a profile's name (its file name without ".ini")
 * @system: (out) (optional): whether it was found in a system folder
 *
 * Returns: (transfer full) (nullable): the user's NAME.ini, else the first
 *   system folder's
 */
gchar *
cs_profile_store_find (const gchar *name, gboolean *system)
{
	g_autofree gchar *file = NULL;
	g_autofree gchar *user_dir = cs_profile_store_get_user_dir ();
	g_auto(GStrv) dirs = cs_profile_store_get_system_dirs ();
	g_autofree gchar *user_path = NULL;

	if (!valid_name (name))
		return NULL;
	file = g_strconcat (name, ".ini", NULL);
	user_path = g_build_filename (user_dir, file, NULL);
	if (g_file_test (user_path, G_FILE_TEST_IS_REGULAR)) {
		if (system != NULL)
			*system = FALSE;
		return g_steal_pointer (&user_path);
	}
	for (guint i = 0; dirs[i] != NULL; i++) {
		g_autofree gchar *p = g_build_filename (dirs[i], file, NULL);
		if (g_file_test (p, G_FILE_TEST_IS_REGULAR)) {
			if (system != NULL)
				*system = TRUE;
			return g_steal_pointer (&p);
		}
	}
	return NULL;
}

/**
 * cs_profile_store_resolve:
 * @name_or_path: what `--profile` was given: a file, or a profile's name
 *
 * A file that exists, or anything that looks like a path, is taken as it is
 * (its own error says what is wrong with it); else the name is looked up in
 * the user's profiles folder, then the system ones.
 *
 * Returns: (transfer full): the profile file's path, or %NULL with @error
 */
gchar *
cs_profile_store_resolve (const gchar *name_or_path, GError **error)
{
	g_autofree gchar *found = NULL;
	g_autofree gchar *user_dir = NULL;
	g_auto(GStrv) dirs = NULL;
	g_autofree gchar *sys = NULL;

	if (g_file_test (name_or_path, G_FILE_TEST_EXISTS) ||
	    strchr (name_or_path, G_DIR_SEPARATOR) != NULL ||
	    g_str_has_suffix (name_or_path, ".ini") || g_str_has_suffix (name_or_path, ".conf"))
		return g_strdup (name_or_path);
	found = cs_profile_store_find (name_or_path, NULL);
	if (found != NULL)
		return g_steal_pointer (&found);
	user_dir = cs_profile_store_get_user_dir ();
	dirs = cs_profile_store_get_system_dirs ();
	sys = g_strjoinv (", ", dirs);
	g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_READ,
		     _("no profile file or profile named “%s” (looked in %s, %s)"), name_or_path,
		     user_dir, sys);
	return NULL;
}

static gint
entry_cmp (gconstpointer a, gconstpointer b)
{
	const CsProfileEntry *x = *(CsProfileEntry *const *) a;
	const CsProfileEntry *y = *(CsProfileEntry *const *) b;
	return g_utf8_collate (x->name, y->name);
}

static void
scan_dir (const gchar *dir, gboolean system, GHashTable *seen, GPtrArray *out)
{
	g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
	const gchar *e;
	while (d != NULL && (e = g_dir_read_name (d)) != NULL) {
		CsProfileEntry *entry;
		g_autofree gchar *path = NULL;
		if (!g_str_has_suffix (e, ".ini") || e[0] == '.')
			continue;
		path = g_build_filename (dir, e, NULL);
		if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
			continue;
		entry = g_new0 (CsProfileEntry, 1);
		entry->name = g_strndup (e, strlen (e) - strlen (".ini"));
		if (g_hash_table_contains (seen, entry->name)) {
			cs_profile_entry_free (entry);
			continue;
		}
		entry->path = g_steal_pointer (&path);
		entry->system = system;
		g_hash_table_add (seen, g_strdup (entry->name));
		g_ptr_array_add (out, entry);
	}
}

/**
 * cs_profile_store_list:
 *
 * Every profile the user can pick: theirs, and the system ones they have
 * no file of their own for.
 *
 * Returns: (transfer full) (element-type CsProfileEntry): sorted by name
 */
GPtrArray *
cs_profile_store_list (void)
{
	GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_profile_entry_free);
	g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *user_dir = cs_profile_store_get_user_dir ();
	g_auto(GStrv) dirs = cs_profile_store_get_system_dirs ();
	scan_dir (user_dir, FALSE, seen, out);
	for (guint i = 0; dirs[i] != NULL; i++)
		scan_dir (dirs[i], TRUE, seen, out);
	g_ptr_array_sort (out, entry_cmp);
	return out;
}

/**
 * cs_profile_store_load:
 * @name_or_path: a profile file or a profile's name
 *
 * Returns: (transfer full): the profile, or %NULL with @error
 */
CsProfile *
cs_profile_store_load (const gchar *name_or_path, GError **error)
{
	g_autofree gchar *path = cs_profile_store_resolve (name_or_path, error);
	if (path == NULL)
		return NULL;
	return cs_profile_load (path, error);
}
