/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include <gio/gio.h>

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
	g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
	for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		g_autofree gchar *d = g_build_filename (dirs[i], "crmsync", "profiles", NULL);
		g_strv_builder_add (b, d);
	}
	return g_strv_builder_end (b);
}

static gboolean
valid_name (const gchar *name)
{
	return name != NULL && name[0] != '\0' && name[0] != '.'
	       && strchr (name, G_DIR_SEPARATOR) == NULL && g_utf8_validate (name, -1, NULL);
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
	g_auto (GStrv) dirs = cs_profile_store_get_system_dirs ();
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
	g_auto (GStrv) dirs = NULL;
	g_autofree gchar *sys = NULL;

	if (g_file_test (name_or_path, G_FILE_TEST_EXISTS)
	    || strchr (name_or_path, G_DIR_SEPARATOR) != NULL
	    || g_str_has_suffix (name_or_path, ".ini") || g_str_has_suffix (name_or_path, ".conf"))
		return g_strdup (name_or_path);
	found = cs_profile_store_find (name_or_path, NULL);
	if (found != NULL)
		return g_steal_pointer (&found);
	user_dir = cs_profile_store_get_user_dir ();
	dirs = cs_profile_store_get_system_dirs ();
	sys = g_strjoinv (", ", dirs);
	g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_READ,
		     _ ("no profile file or profile named “%s” (looked in %s, %s)"), name_or_path,
		     user_dir, sys);
	return NULL;
}

static gint
entry_cmp (gconstpointer a, gconstpointer b)
{
	const CsProfileEntry *x = *(CsProfileEntry *const *)a;
	const CsProfileEntry *y = *(CsProfileEntry *const *)b;
	return g_utf8_collate (x->name, y->name);
}

static void
scan_dir (const gchar *dir, gboolean system, GHashTable *seen, GPtrArray *out)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
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
	GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)cs_profile_entry_free);
	g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *user_dir = cs_profile_store_get_user_dir ();
	g_auto (GStrv) dirs = cs_profile_store_get_system_dirs ();
	scan_dir (user_dir, FALSE, seen, out);
	for (guint i = 0; dirs[i] != NULL; i++)
		scan_dir (dirs[i], TRUE, seen, out);
	g_ptr_array_sort (out, entry_cmp);
	return out;
}

static gboolean
in_dir (const gchar *path, const gchar *dir)
{
	g_autofree gchar *abs = g_canonicalize_filename (path, NULL);
	g_autofree gchar *parent = g_path_get_dirname (abs);
	g_autofree gchar *cdir = g_canonicalize_filename (dir, NULL);
	return g_strcmp0 (parent, cdir) == 0;
}

/* the system profile @path's locks come from: itself when it is one, the
 * system profile of the same name when @path is in the user's folder */
static gchar *
system_profile_for (const gchar *path)
{
	g_autofree gchar *user_dir = cs_profile_store_get_user_dir ();
	g_auto (GStrv) dirs = cs_profile_store_get_system_dirs ();
	g_autofree gchar *base = g_path_get_basename (path);

	for (guint i = 0; dirs[i] != NULL; i++)
		if (in_dir (path, dirs[i]))
			return g_strdup (path);
	if (!in_dir (path, user_dir) || !g_str_has_suffix (base, ".ini"))
		return NULL;
	for (guint i = 0; dirs[i] != NULL; i++) {
		g_autofree gchar *p = g_build_filename (dirs[i], base, NULL);
		if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
			return g_steal_pointer (&p);
	}
	return NULL;
}

/**
 * cs_profile_store_get_locks:
 * @path: a profile file
 * @reason: (out) (optional) (nullable) (transfer full): why, as the administrator wrote it
 * @system_path: (out) (optional) (nullable) (transfer full): the system profile
 *
 * The keys of a system profile its users may not change: its `[locked]`
 * group's `keys=` (`group/key`, or `group/` then `*` for a whole group; `;` between).
 *
 * Returns: (transfer full) (nullable): the locked `group/key`s; %NULL: none
 */
GStrv
cs_profile_store_get_locks (const gchar *path, gchar **reason, gchar **system_path)
{
	g_autofree gchar *sys = system_profile_for (path);
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_auto (GStrv) keys = NULL;

	if (reason != NULL)
		*reason = NULL;
	if (system_path != NULL)
		*system_path = NULL;
	if (sys == NULL || !g_key_file_load_from_file (kf, sys, G_KEY_FILE_NONE, NULL))
		return NULL;
	keys = g_key_file_get_string_list (kf, "locked", "keys", NULL, NULL);
	if (keys == NULL || keys[0] == NULL)
		return NULL;
	for (guint i = 0; keys[i] != NULL; i++)
		g_strstrip (keys[i]);
	if (reason != NULL)
		*reason = g_key_file_get_string (kf, "locked", "reason", NULL);
	if (system_path != NULL)
		*system_path = g_steal_pointer (&sys);
	return g_steal_pointer (&keys);
}

/**
 * cs_profile_store_is_locked:
 * @locks: (nullable): from cs_profile_store_get_locks()
 */
gboolean
cs_profile_store_is_locked (const gchar *const *locks, const gchar *group, const gchar *key)
{
	for (guint i = 0; locks != NULL && locks[i] != NULL; i++) {
		const gchar *slash = strchr (locks[i], '/');
		if (slash == NULL || strncmp (locks[i], group, (gsize)(slash - locks[i])) != 0
		    || group[slash - locks[i]] != '\0')
			continue;
		if (g_str_equal (slash + 1, "*") || g_str_equal (slash + 1, key))
			return TRUE;
	}
	return FALSE;
}

static guint
line_of_key (const gchar *text, const gchar *group, const gchar *key)
{
	g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
	g_autofree gchar *cur = NULL;
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *l = g_strstrip (g_strdup (lines[i]));
		gchar *eq;
		if (l[0] == '[') {
			gchar *end = strchr (l, ']');
			g_free (cur);
			cur = g_strndup (l + 1, end != NULL ? (gsize)(end - l - 1) : 0);
		} else if (l[0] != '#' && (eq = strchr (l, '=')) != NULL) {
			*eq = '\0';
			if (g_strcmp0 (cur, group) == 0 && g_str_equal (g_strstrip (l), key))
				return i + 1;
		}
	}
	return 0;
}

/*
 * A user's profile of the same name as a system one adds to it: the system
 * file's keys, then the user's (their sign-in, their Outlook file) on top,
 * except where the administrator locked a key; a user file that sets a
 * locked key to another value is refused, naming the line.
 */
static CsProfile *
load_layered (const gchar *path, const gchar *sys, GError **error)
{
	g_autoptr (GKeyFile) merged = g_key_file_new ();
	g_autoptr (GKeyFile) user = g_key_file_new ();
	g_autoptr (GError) error_local = NULL;
	g_autofree gchar *user_text = NULL;
	g_autofree gchar *reason = NULL;
	g_autofree gchar *data = NULL;
	g_auto (GStrv) locks = cs_profile_store_get_locks (path, &reason, NULL);
	g_auto (GStrv) groups = NULL;

	if (!g_file_get_contents (path, &user_text, NULL, &error_local)
	    || !g_key_file_load_from_data (user, user_text, (gsize)-1, G_KEY_FILE_NONE,
					   &error_local)
	    || !g_key_file_load_from_file (merged, sys, G_KEY_FILE_NONE, &error_local)) {
		g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_READ, "%s",
			     error_local->message);
		return NULL;
	}
	groups = g_key_file_get_groups (user, NULL);
	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto (GStrv) keys = NULL;
		if (g_str_equal (groups[g], "locked"))
			continue; /* only the administrator locks */
		keys = g_key_file_get_keys (user, groups[g], NULL, NULL);
		for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
			g_autofree gchar *uv
				= g_key_file_get_value (user, groups[g], keys[i], NULL);
			g_autofree gchar *sv
				= g_key_file_get_value (merged, groups[g], keys[i], NULL);
			if (cs_profile_store_is_locked ((const gchar *const *)locks, groups[g],
							keys[i])
			    && g_strcmp0 (g_strstrip (uv), sv != NULL ? g_strstrip (sv) : NULL)
				       != 0) {
				g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID,
					     _ ("%s line %u: [%s] %s=%s: locked by your "
						"administrator in %s "
						"(%s); remove the line"),
					     path, line_of_key (user_text, groups[g], keys[i]),
					     groups[g], keys[i], uv, sys,
					     reason != NULL ? reason : _ ("no reason given"));
				return NULL;
			}
			g_key_file_set_value (merged, groups[g], keys[i], uv);
		}
	}
	data = g_key_file_to_data (merged, NULL, error);
	if (data == NULL)
		return NULL;
	return cs_profile_new_from_data (data, path, error);
}

/**
 * cs_profile_store_load:
 * @name_or_path: a profile file or a profile's name
 *
 * A profile in the user's folder with the name of a system profile is laid
 * over it (see load_layered()).
 *
 * Returns: (transfer full): the profile, or %NULL with @error
 */
CsProfile *
cs_profile_store_load (const gchar *name_or_path, GError **error)
{
	g_autofree gchar *path = cs_profile_store_resolve (name_or_path, error);
	g_autofree gchar *sys = NULL;
	if (path == NULL)
		return NULL;
	sys = system_profile_for (path);
	if (sys == NULL)
		return cs_profile_load (path, error);
	if (g_strcmp0 (sys, path) == 0) {
		/* the system profile itself: with the user's file of that name, if any */
		g_autofree gchar *user = cs_profile_store_get_user_overlay (path);
		if (user == NULL || !g_file_test (user, G_FILE_TEST_IS_REGULAR))
			return cs_profile_load (path, error);
		return load_layered (user, sys, error);
	}
	return load_layered (path, sys, error);
}

/**
 * cs_profile_store_get_user_overlay:
 * @path: a profile file
 *
 * Returns: (transfer full) (nullable): where a user's own settings for the
 *   system profile @path go (their profiles folder, the same file name);
 *   %NULL when @path is not a system profile
 */
gchar *
cs_profile_store_get_user_overlay (const gchar *path)
{
	g_autofree gchar *sys = system_profile_for (path);
	g_autofree gchar *dir = NULL;
	g_autofree gchar *base = NULL;
	if (sys == NULL || g_strcmp0 (sys, path) != 0)
		return NULL;
	dir = cs_profile_store_get_user_dir ();
	base = g_path_get_basename (path);
	return g_build_filename (dir, base, NULL);
}

/* keys an exported profile never carries: secrets (which should not be in a
 * profile at all) and what belongs to one user on one machine */
static gboolean
personal_key (const gchar *key)
{
	static const gchar *const words[]
		= { "secret", "password", "passwd",  "token",	   "authcode",
		    "apikey", "api-key",  "api_key", "credential", NULL };
	g_autofree gchar *k = g_ascii_strdown (key, -1);
	for (guint i = 0; words[i] != NULL; i++)
		if (strstr (k, words[i]) != NULL)
			return TRUE; /* also secret-file=: a path on this machine */
	return FALSE;
}

static gchar *
clean_keyfile (GKeyFile *kf, GError **error)
{
	g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
		for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
			g_autofree gchar *v = g_key_file_get_value (kf, groups[g], keys[i], NULL);
			g_autoptr (GUri) uri = NULL;
			/* id=: the profile's identity (its state, its secrets); a
			 * copy made from the export is another profile */
			if (personal_key (keys[i])
			    || (g_str_equal (groups[g], "profile")
				&& (g_str_equal (keys[i], "state") || g_str_equal (keys[i], "id")))) {
				g_key_file_remove_key (kf, groups[g], keys[i], NULL);
				continue;
			}
			uri = v != NULL ? g_uri_parse (
				      v, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL)
					: NULL;
			if (uri != NULL && g_uri_get_password (uri) != NULL) {
				g_autofree gchar *clean = g_uri_join (
					G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri),
					g_uri_get_user (uri), g_uri_get_host (uri),
					g_uri_get_port (uri), g_uri_get_path (uri),
					g_uri_get_query (uri), g_uri_get_fragment (uri));
				g_key_file_set_value (kf, groups[g], keys[i], clean);
			}
		}
	}
	return g_key_file_to_data (kf, NULL, error);
}

/**
 * cs_profile_store_export:
 * @path: a profile file
 *
 * The profile as an administrator hands it to other users: no secret, no
 * secret-file=, no state= (each user's state is their own); comments are
 * dropped, since people write passwords there too.
 *
 * Returns: (transfer full): key-file text, or %NULL with @error
 */
gchar *
cs_profile_store_export (const gchar *path, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (CsProfile) check = cs_profile_load (path, error);
	if (check == NULL)
		return NULL;
	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
		return NULL;
	return clean_keyfile (kf, error);
}

/**
 * cs_profile_store_import:
 * @file: an exported profile
 * @name: (nullable): the name to give it; %NULL: the file's name
 *
 * Copies a profile into the user's profiles folder, checked first (a
 * profile that would not load is not imported) and without secrets. An
 * existing profile of that name is never overwritten.
 *
 * Returns: (transfer full): the new profile's path, or %NULL with @error
 *   (G_IO_ERROR_EXISTS when the name is taken)
 */
gchar *
cs_profile_store_import (const gchar *file, const gchar *name, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (CsProfile) check = NULL;
	g_autoptr (GError) error_local = NULL;
	g_autofree gchar *base = NULL;
	g_autofree gchar *dir = cs_profile_store_get_user_dir ();
	g_autofree gchar *dest = NULL;
	g_autofree gchar *fname = NULL;
	g_autofree gchar *text = NULL;

	check = cs_profile_load (file, error);
	if (check == NULL)
		return NULL;
	if (name == NULL) {
		base = g_path_get_basename (file);
		if (g_str_has_suffix (base, ".ini") || g_str_has_suffix (base, ".conf"))
			*strrchr (base, '.') = '\0';
		name = base;
	}
	if (!valid_name (name)) {
		g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID,
			     _ ("“%s” cannot be a profile's name (no “/”, not starting with “.”)"),
			     name);
		return NULL;
	}
	fname = g_strconcat (name, ".ini", NULL);
	dest = g_build_filename (dir, fname, NULL);
	if (g_file_test (dest, G_FILE_TEST_EXISTS)) {
		g_set_error (
			error, G_IO_ERROR, G_IO_ERROR_EXISTS,
			_ ("a profile named “%s” exists already (%s); nothing was changed: remove "
			   "it first, or import under another name with --name"),
			name, dest);
		return NULL;
	}
	if (!g_key_file_load_from_file (kf, file, G_KEY_FILE_NONE, error))
		return NULL;
	text = clean_keyfile (kf, error);
	if (text == NULL)
		return NULL;
	if (g_mkdir_with_parents (dir, 0700) != 0) {
		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
			     _ ("cannot create %s: %s"), dir, g_strerror (errno));
		return NULL;
	}
	if (!g_file_set_contents_full (dest, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
				       &error_local)) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("cannot write %s: %s"), dest,
			     error_local->message);
		return NULL;
	}
	return g_steal_pointer (&dest);
}
