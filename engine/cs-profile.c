/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <glib/gstdio.h>

#include "cs-profile.h"

struct _CsProfile {
	GObject parent_instance;
	gchar *path;		/* (owned) (nullable) */
	gchar *dir;		/* (owned) */
	gchar *id;		/* (owned) */
	gchar *real;		/* (owned) (nullable): the file, symlinks resolved */
	gchar *uid;		/* (owned) (nullable): names the state; see ensure_uid() */
	gboolean uid_checked;	/* the file's id= checked against its owner (claim_uid()) */
	gchar *copied_from;	/* (owned) (nullable): the id= a copied file came with */
	GKeyFile *kf;		/* (owned): the user's file, values cleaned */
	GKeyFile *preset;	/* (owned) (nullable) */
	GHashTable *lines;	/* "group\x1fkey" → line number */
	CsKindConfig kinds[CS_KIND_LAST];
};

G_DEFINE_TYPE (CsProfile, cs_profile, G_TYPE_OBJECT)
G_DEFINE_QUARK (cs-profile-error-quark, cs_profile_error)

static const gchar *directions[] = {"none", "crm-to-outlook", "outlook-to-crm", "both", NULL};
static const gchar *conflicts[] = {"crm-wins", "outlook-wins", "newest-wins", "manual", NULL};
static const gchar *policies[] = {"propagate", "ignore", "restore", NULL};
static const gchar *conditions[] = {"all", "owned", NULL};
static const gchar *crm_plugins[] = {"orocrm", "webcrm", "folder", NULL};
static const gchar *outlook_plugins[] = {"pst", "graph", "folder", NULL};
static const gchar *booleans[] = {"true", "false", NULL};
static const gchar *matches[] = {"review", "strict", NULL};

const gchar *
cs_direction_to_string (CsDirection direction)
{
	return directions[direction];
}

gboolean
cs_direction_allows (CsDirection direction, CsSide target)
{
	if (direction == CS_DIRECTION_BOTH)
		return TRUE;
	if (target == CS_SIDE_OUTLOOK)
		return direction == CS_DIRECTION_CRM_TO_OUTLOOK;
	return direction == CS_DIRECTION_OUTLOOK_TO_CRM;
}

const gchar *
cs_conflict_strategy_to_string (CsConflictStrategy strategy)
{
	return conflicts[strategy];
}

const gchar *
cs_delete_policy_to_string (CsDeletePolicy policy)
{
	return policies[policy];
}

static void
cs_profile_finalize (GObject *object)
{
	CsProfile *self = CS_PROFILE (object);
	g_free (self->path);
	g_free (self->dir);
	g_free (self->id);
	g_free (self->real);
	g_free (self->uid);
	g_free (self->copied_from);
	if (self->kf != NULL)
		g_key_file_unref (self->kf);
	if (self->preset != NULL)
		g_key_file_unref (self->preset);
	g_hash_table_unref (self->lines);
	for (guint i = 0; i < CS_KIND_LAST; i++) {
		g_strfreev (self->kinds[i].key);
		g_strfreev (self->kinds[i].optional_rows);
		g_free (self->kinds[i].since);
	}
	G_OBJECT_CLASS (cs_profile_parent_class)->finalize (object);
}

static void
cs_profile_class_init (CsProfileClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_profile_finalize;
}

static void
cs_profile_init (CsProfile *self)
{
	self->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}


/* @abs with every symlink resolved, or @abs itself if it cannot be (a file
 * that does not exist yet) */
static gchar *
real_path (const gchar *abs)
{
	g_autofree gchar *r = realpath (abs, NULL);
	return r != NULL ? g_strdup (r) : g_strdup (abs);
}

static gboolean
valid_uid (const gchar *uid)
{
	/* a file name (the state's) that an ini line holds as it is */
	if (uid[0] == '\0' || uid[0] == '.' || strlen (uid) > 200 || !g_utf8_validate (uid, -1, NULL) ||
	    g_ascii_isspace (uid[0]) || g_ascii_isspace (uid[strlen (uid) - 1]))
		return FALSE;
	for (const gchar *c = uid; *c != '\0'; c++) {
		if ((guchar) *c < 0x20 || *c == 0x7f || strchr ("/\\#[]=", *c) != NULL)
			return FALSE;
	}
	return TRUE;
}

static guint
line_of (CsProfile *self, const gchar *group, const gchar *key)
{
	g_autofree gchar *k = g_strdup_printf ("%s\x1f%s", group, key != NULL ? key : "");
	return GPOINTER_TO_UINT (g_hash_table_lookup (self->lines, k));
}

static gboolean
fail (CsProfile *self, GError **error, const gchar *group, const gchar *key, const gchar *value,
      const gchar *const *allowed, const gchar *what)
{
	g_autofree gchar *list = allowed != NULL ? g_strjoinv (", ", (gchar **) allowed) : NULL;
	g_autofree gchar *where = NULL;
	guint line = line_of (self, group, key);

	where = line > 0 ? g_strdup_printf ("%s:%u", self->path != NULL ? self->path : "profile", line)
			 : g_strdup (self->path != NULL ? self->path : "profile");
	if (key == NULL) {
		g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID,
			     _("%s: unknown group [%s] (allowed: %s)"), where, group, list);
	} else if (list != NULL) {
		g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID,
			     _("%s: [%s] %s=%s is not allowed (allowed: %s)"), where, group, key,
			     value != NULL ? value : "", list);
	} else {
		g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID,
			     _("%s: [%s] %s=%s: %s"), where, group, key, value != NULL ? value : "",
			     what);
	}
	return FALSE;
}

/* a value as the user wrote it, else the preset's; inline "# comments" dropped */
static gchar *
get_value (CsProfile *self, const gchar *group, const gchar *key)
{
	gchar *v = g_key_file_get_value (self->kf, group, key, NULL);
	if (v == NULL && self->preset != NULL)
		v = g_key_file_get_value (self->preset, group, key, NULL);
	return v;
}

static gint
pick (const gchar *value, const gchar *const *allowed)
{
	for (guint i = 0; allowed[i] != NULL; i++) {
		if (g_strcmp0 (value, allowed[i]) == 0)
			return (gint) i;
	}
	return -1;
}

static gboolean
get_choice (CsProfile *self, const gchar *group, const gchar *key, const gchar *const *allowed,
	    gint fallback, gint *out, GError **error)
{
	g_autofree gchar *v = get_value (self, group, key);
	gint i;
	if (v == NULL) {
		*out = fallback;
		return TRUE;
	}
	i = pick (v, allowed);
	if (i < 0)
		return fail (self, error, group, key, v, allowed, NULL);
	*out = i;
	return TRUE;
}

static gboolean
get_uint (CsProfile *self, const gchar *group, const gchar *key, guint64 min, guint64 max,
	  guint64 fallback, guint64 *out, GError **error)
{
	g_autofree gchar *v = get_value (self, group, key);
	g_autofree gchar *what = NULL;
	if (v == NULL) {
		*out = fallback;
		return TRUE;
	}
	if (g_ascii_string_to_unsigned (v, 10, min, max, out, NULL))
		return TRUE;
	what = g_strdup_printf (_("must be a whole number from %" PRIu64
				  " to %" PRIu64),
				min, max);
	return fail (self, error, group, key, v, NULL, what);
}

static gboolean
parse_reminder (const gchar *v, gint *minutes)
{
	guint64 h, m;
	g_auto(GStrv) parts = NULL;
	if (g_strcmp0 (v, "none") == 0 || v[0] == '\0') {
		*minutes = -1;
		return TRUE;
	}
	parts = g_strsplit (v, ":", -1);
	if (g_strv_length (parts) != 2 || strlen (parts[1]) != 2 ||
	    !g_ascii_string_to_unsigned (parts[0], 10, 0, 999, &h, NULL) ||
	    !g_ascii_string_to_unsigned (parts[1], 10, 0, 59, &m, NULL))
		return FALSE;
	*minutes = (gint) (h * 60 + m);
	return TRUE;
}

static gboolean
valid_date (const gchar *v)
{
	guint y, m, d;
	gchar tail;
	if (strlen (v) != 10 || sscanf (v, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
		return FALSE;
	return g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
}

/* `select=`: `all`, or `category:NAME` (the Outlook category that ticks a
 * record for the sync, as the webCRM guide's "Synchronise this"); the
 * Outlook-side plugins read it (cs_profile_keyfile_get_select()) */
static gboolean
parse_select (const gchar *value, gchar **category)
{
	g_autofree gchar *v = g_strstrip (g_strdup (value));
	g_autofree gchar *name = NULL;

	if (category != NULL)
		*category = NULL;
	if (g_str_equal (v, "all"))
		return TRUE;
	if (!g_str_has_prefix (v, "category:"))
		return FALSE;
	name = g_strstrip (g_strdup (v + strlen ("category:")));
	if (name[0] == '\0')
		return FALSE;
	if (category != NULL)
		*category = g_steal_pointer (&name);
	return TRUE;
}

static gboolean
load_kind (CsProfile *self, CsKind kind, GError **error)
{
	const gchar *group = cs_kind_to_string (kind);
	CsKindConfig *kc = &self->kinds[kind];
	CsDirection def_dir = kind == CS_KIND_EMAIL	     ? CS_DIRECTION_OUTLOOK_TO_CRM
			      : kind == CS_KIND_ORGANISATION ? CS_DIRECTION_NONE
							     : CS_DIRECTION_BOTH;
	gint v;
	g_autofree gchar *key = NULL;
	g_autofree gchar *reminder = NULL;
	g_autofree gchar *since = NULL;
	g_autofree gchar *attach = NULL;
	g_autofree gchar *select = NULL;

	if (!get_choice (self, group, "direction", directions, def_dir, &v, error))
		return FALSE;
	kc->direction = (CsDirection) v;
	if (kind == CS_KIND_EMAIL && kc->direction != CS_DIRECTION_NONE &&
	    kc->direction != CS_DIRECTION_OUTLOOK_TO_CRM) {
		static const gchar *email_dirs[] = {"outlook-to-crm", "none", NULL};
		g_autofree gchar *raw = get_value (self, group, "direction");
		return fail (self, error, group, "direction", raw, email_dirs, NULL);
	}
	if (!get_choice (self, group, "condition", conditions, CS_CONDITION_ALL, &v, error))
		return FALSE;
	kc->condition = (CsCondition) v;

	/* deletions follow the direction unless set (DESIGN.md, the Oro tables) */
	{
		CsDeletePolicy crm_del = CS_DELETE_PROPAGATE, out_del = CS_DELETE_RESTORE;
		if (kc->direction == CS_DIRECTION_CRM_TO_OUTLOOK)
			crm_del = CS_DELETE_IGNORE;
		else if (kc->direction == CS_DIRECTION_OUTLOOK_TO_CRM)
			out_del = CS_DELETE_IGNORE;
		if (!get_choice (self, group, "on-crm-delete", policies, (gint) crm_del, &v, error))
			return FALSE;
		kc->on_crm_delete = (CsDeletePolicy) v;
		if (!get_choice (self, group, "on-outlook-delete", policies, (gint) out_del, &v,
				 error))
			return FALSE;
		kc->on_outlook_delete = (CsDeletePolicy) v;
	}

	key = get_value (self, group, "key");
	if (key != NULL) {
		g_auto(GStrv) parts = g_strsplit (key, ",", -1);
		GPtrArray *keys = g_ptr_array_new ();
		for (guint i = 0; parts[i] != NULL; i++) {
			g_strstrip (parts[i]);
			if (parts[i][0] != '\0')
				g_ptr_array_add (keys, g_strdup (parts[i]));
		}
		g_ptr_array_add (keys, NULL);
		kc->key = (gchar **) g_ptr_array_free (keys, FALSE);
		if (kc->key[0] == NULL)
			return fail (self, error, group, "key", key, NULL,
				     _("needs at least one field name"));
	}

	kc->reminder_minutes = -1;
	reminder = get_value (self, group, "reminder");
	if (reminder != NULL && !parse_reminder (reminder, &kc->reminder_minutes))
		return fail (self, error, group, "reminder", reminder, NULL,
			     _("must be H:MM (like 0:10 or 3:00) or none"));

	since = get_value (self, group, "since");
	if (since != NULL && since[0] != '\0') {
		if (!valid_date (since))
			return fail (self, error, group, "since", since, NULL,
				     _("must be a date YYYY-MM-DD"));
		kc->since = g_steal_pointer (&since);
	}
	select = get_value (self, group, "select");
	if (select != NULL && !parse_select (select, NULL))
		return fail (self, error, group, "select", select, NULL,
			     /* TRANSLATORS: keep "all" and "category:" as they are */
			     _("must be all or category:NAME (an Outlook category)"));
	{
		/* opt-in mapping rows (the Oro preset's company → account) */
		g_autofree gchar *opt = get_value (self, group, "optional-rows");
		if (opt != NULL) {
			g_auto(GStrv) parts = g_strsplit (opt, ",", -1);
			GPtrArray *names = g_ptr_array_new ();
			for (guint i = 0; parts[i] != NULL; i++) {
				g_strstrip (parts[i]);
				if (parts[i][0] != '\0')
					g_ptr_array_add (names, g_strdup (parts[i]));
			}
			g_ptr_array_add (names, NULL);
			g_strfreev (kc->optional_rows);
			kc->optional_rows = (gchar **) g_ptr_array_free (names, FALSE);
		}
	}
	attach = get_value (self, group, "attachments");
	if (attach != NULL) {
		gint b = pick (attach, booleans);
		if (b < 0)
			return fail (self, error, group, "attachments", attach, booleans, NULL);
		kc->attachments = b == 0;
	}
	return TRUE;
}

static gboolean
get_bool (CsProfile *self, const gchar *key, gboolean fallback, GError **error)
{
	g_autofree gchar *v = get_value (self, "profile", key);
	gint b;
	if (v == NULL)
		return fallback;
	b = pick (v, booleans);
	if (b < 0) {
		fail (self, error, "profile", key, v, booleans, NULL);
		return fallback;
	}
	return b == 0;
}

/* line numbers for messages, and inline " # comments" stripped from values */
static gchar *
scan_lines (CsProfile *self, const gchar *data)
{
	g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
	g_autofree gchar *group = NULL;
	GString *out = g_string_new (NULL);

	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = lines[i];
		gchar *stripped = g_strstrip (g_strdup (line));
		if (stripped[0] == '[') {
			gchar *end = strchr (stripped, ']');
			g_free (group);
			group = g_strndup (stripped + 1, end != NULL ? (gsize) (end - stripped - 1) : 0);
			g_hash_table_insert (self->lines, g_strdup_printf ("%s\x1f", group),
					     GUINT_TO_POINTER (i + 1));
			/* "[contact]   # comment" */
			g_string_append_printf (out, "[%s]\n", group);
		} else if (stripped[0] != '#' && stripped[0] != '\0' && strchr (stripped, '=') != NULL) {
			gchar *eq = strchr (stripped, '=');
			g_autofree gchar *key = g_strstrip (g_strndup (stripped, (gsize) (eq - stripped)));
			g_autofree gchar *value = g_strdup (eq + 1);
			gchar *hash = value;
			/* " #" starts a comment; a '#' inside a value (a URL fragment) does not */
			while ((hash = strchr (hash, '#')) != NULL) {
				if (hash == value || g_ascii_isspace (hash[-1])) {
					*hash = '\0';
					break;
				}
				hash++;
			}
			g_strstrip (value);
			if (group != NULL)
				g_hash_table_insert (self->lines,
						     g_strdup_printf ("%s\x1f%s", group, key),
						     GUINT_TO_POINTER (i + 1));
			g_string_append_printf (out, "%s=%s\n", key, value);
		} else {
			g_string_append_printf (out, "%s\n", line);
		}
		g_free (stripped);
	}
	return g_string_free (out, FALSE);
}

static gboolean
validate_groups (CsProfile *self, GError **error)
{
	static const gchar *groups[] = {"profile", "crm", "outlook", "contact", "organisation",
					"task", "event", "email", "locked", NULL};
	/* a system profile's keys its users may not change (cs-profile-store.c) */
	static const gchar *locked_keys[] = {"keys", "reason", NULL};
	static const gchar *profile_keys[] = {"id", "name", "crm", "outlook", "preset", "mapping",
					      "conflict", "state", "crm-interval", "outlook-interval",
					      "sync-on-start", "sync-on-exit", "enabled", "keep-runs", "match", NULL};
	static const gchar *kind_keys[] = {"direction", "condition", "key", "on-crm-delete",
					   "on-outlook-delete", "reminder", "since", "attachments",
					   "select", "optional-rows", NULL};
	g_auto(GStrv) names = g_key_file_get_groups (self->kf, NULL);

	for (guint i = 0; names[i] != NULL; i++) {
		g_auto(GStrv) keys = NULL;
		const gchar *const *allowed = NULL;
		if (!g_strv_contains (groups, names[i]))
			return fail (self, error, names[i], NULL, NULL, groups, NULL);
		if (g_str_equal (names[i], "profile"))
			allowed = profile_keys;
		else if (g_str_equal (names[i], "locked"))
			allowed = locked_keys;
		else if (!g_str_equal (names[i], "crm") && !g_str_equal (names[i], "outlook"))
			allowed = kind_keys;
		if (allowed == NULL)
			continue; /* the plugins check their own groups */
		keys = g_key_file_get_keys (self->kf, names[i], NULL, NULL);
		for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
			if (!g_strv_contains (allowed, keys[j])) {
				g_autofree gchar *list = g_strjoinv (", ", (gchar **) allowed);
				g_autofree gchar *what =
				    g_strdup_printf (_("unknown key (allowed: %s)"), list);
				g_autofree gchar *v = g_key_file_get_value (self->kf, names[i], keys[j], NULL);
				return fail (self, error, names[i], keys[j], v, NULL, what);
			}
		}
	}
	return TRUE;
}

static gboolean
load_preset (CsProfile *self, GError **error)
{
	g_autofree gchar *name = g_key_file_get_value (self->kf, "profile", "preset", NULL);
	g_autofree gchar *res = NULL;
	g_autoptr(GBytes) bytes = NULL;
	gsize len;
	const gchar *data;

	if (name == NULL || name[0] == '\0')
		return TRUE;
	res = g_strdup_printf ("/org/crmsync/profiles/%s.ini", name);
	bytes = g_resources_lookup_data (res, 0, NULL);
	if (bytes == NULL) {
		g_auto(GStrv) children =
		    g_resources_enumerate_children ("/org/crmsync/profiles/", 0, NULL);
		GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
		g_autoptr(GPtrArray) owned = names;
		for (guint i = 0; children != NULL && children[i] != NULL; i++) {
			if (g_str_has_suffix (children[i], ".ini"))
				g_ptr_array_add (names, g_strndup (children[i], strlen (children[i]) - 4));
		}
		g_ptr_array_add (names, NULL);
		return fail (self, error, "profile", "preset", name,
			     (const gchar *const *) names->pdata, NULL);
	}
	data = g_bytes_get_data (bytes, &len);
	self->preset = g_key_file_new ();
	if (!g_key_file_load_from_data (self->preset, data, len, G_KEY_FILE_NONE, error)) {
		g_prefix_error (error, "preset %s: ", name);
		return FALSE;
	}
	return TRUE;
}

/**
 * cs_profile_new_from_data:
 * @path: (nullable): where it came from, for messages and relative paths
 */
CsProfile *
cs_profile_new_from_data (const gchar *data, const gchar *path, GError **error)
{
	g_autoptr(CsProfile) self = g_object_new (CS_TYPE_PROFILE, NULL);
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *clean = NULL;
	g_autofree gchar *base = NULL;
	g_autofree gchar *abs = NULL;
	guint64 n;
	gint v;

	self->path = g_strdup (path);
	abs = path != NULL ? g_canonicalize_filename (path, NULL) : g_get_current_dir ();
	/* paths in the file are relative to where the file is, however it was
	 * reached (a symlink elsewhere, ./x, x): one profile, one set of paths */
	self->real = path != NULL ? real_path (abs) : NULL;
	self->dir = g_path_get_dirname (self->real != NULL ? self->real : abs);
	if (path == NULL) {
		g_free (self->dir);
		self->dir = g_strdup (abs);
	}
	base = path != NULL ? g_path_get_basename (path) : g_strdup ("profile");
	if (g_str_has_suffix (base, ".ini") || g_str_has_suffix (base, ".conf"))
		*strrchr (base, '.') = '\0';
	self->id = g_strdup (base);

	clean = scan_lines (self, data);
	self->kf = g_key_file_new ();
	if (!g_key_file_load_from_data (self->kf, clean, (gsize) -1, G_KEY_FILE_NONE, &error_local)) {
		g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID, "%s: %s",
			     path != NULL ? path : "profile", error_local->message);
		return NULL;
	}
	if (!g_key_file_has_group (self->kf, "profile")) {
		g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID,
			     _("%s: no [profile] group"), path != NULL ? path : "profile");
		return NULL;
	}
	if (!validate_groups (self, error) || !load_preset (self, error))
		return NULL;
	{
		g_autofree gchar *uid = g_key_file_get_value (self->kf, "profile", "id", NULL);
		if (uid != NULL && !valid_uid (uid)) {
			fail (self, error, "profile", "id", uid, NULL,
			      _("is not an id crmsync wrote (remove the line to get a new one)"));
			return NULL;
		}
		self->uid = g_steal_pointer (&uid);
	}

	{
		g_autofree gchar *crm = get_value (self, "profile", "crm");
		g_autofree gchar *outlook = get_value (self, "profile", "outlook");
		if (crm == NULL || pick (crm, crm_plugins) < 0) {
			fail (self, error, "profile", "crm", crm, crm_plugins, NULL);
			return NULL;
		}
		if (outlook == NULL || pick (outlook, outlook_plugins) < 0) {
			fail (self, error, "profile", "outlook", outlook, outlook_plugins, NULL);
			return NULL;
		}
	}
	if (!get_choice (self, "profile", "conflict", conflicts, CS_CONFLICT_CRM_WINS, &v, error))
		return NULL;
	if (!get_choice (self, "profile", "match", matches, CS_MATCH_REVIEW, &v, error))
		return NULL;
	if (!get_uint (self, "profile", "crm-interval", 1, 86399, 120, &n, error) ||
	    !get_uint (self, "profile", "outlook-interval", 1, 86399, 30, &n, error) ||
	    !get_uint (self, "profile", "keep-runs", 0, 1000, 10, &n, error))
		return NULL;
	get_bool (self, "sync-on-start", TRUE, &error_local);
	get_bool (self, "sync-on-exit", TRUE, &error_local);
	get_bool (self, "enabled", TRUE, &error_local);
	if (error_local != NULL) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return NULL;
	}
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		if (!load_kind (self, (CsKind) k, error))
			return NULL;
	}
	return g_steal_pointer (&self);
}

CsProfile *
cs_profile_load (const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error_local = NULL;
	if (!g_file_get_contents (path, &data, NULL, &error_local)) {
		g_set_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_READ, "%s",
			     error_local->message);
		return NULL;
	}
	return cs_profile_new_from_data (data, path, error);
}

gboolean
cs_profile_save (CsProfile *self, const gchar *path, GError **error)
{
	g_autofree gchar *abs = g_canonicalize_filename (path, NULL);
	g_autofree gchar *target = real_path (abs);
	/* the id names the state: saved over the file itself, it stays (a run may
	 * have written it since this was loaded); saved as another file, that is
	 * another profile and gets its own on first use */
	if (self->real != NULL && g_str_equal (target, self->real)) {
		if (self->uid == NULL) {
			g_autoptr(CsProfile) now = cs_profile_load (path, NULL);
			if (now != NULL && now->uid != NULL)
				self->uid = g_strdup (now->uid);
		}
		if (self->uid != NULL && g_key_file_has_key (self->kf, "profile", "id", NULL) == FALSE &&
		    g_strcmp0 (self->uid, self->id) != 0)
			g_key_file_set_value (self->kf, "profile", "id", self->uid);
	} else {
		g_key_file_remove_key (self->kf, "profile", "id", NULL);
	}
	return g_key_file_save_to_file (self->kf, path, error);
}

const gchar *
cs_profile_get_path (CsProfile *self)
{
	return self->path;
}

const gchar *
cs_profile_get_dir (CsProfile *self)
{
	return self->dir;
}

const gchar *
cs_profile_get_id (CsProfile *self)
{
	return self->id;
}

const gchar *
cs_profile_get_name (CsProfile *self)
{
	g_autofree gchar *name = get_value (self, "profile", "name");
	if (name == NULL)
		return self->id;
	/* keep the string alive with the object */
	g_object_set_data_full (G_OBJECT (self), "name", g_steal_pointer (&name), g_free);
	return g_object_get_data (G_OBJECT (self), "name");
}

static const gchar *
cached_value (CsProfile *self, const gchar *group, const gchar *key)
{
	g_autofree gchar *tag = g_strdup_printf ("%s/%s", group, key);
	gchar *v = get_value (self, group, key);
	g_object_set_data_full (G_OBJECT (self), tag, v, g_free);
	return v;
}

const gchar *
cs_profile_get_plugin (CsProfile *self, CsSide side)
{
	return cached_value (self, "profile", side == CS_SIDE_CRM ? "crm" : "outlook");
}

const gchar *
cs_profile_get_preset (CsProfile *self)
{
	return cached_value (self, "profile", "preset");
}

const gchar *
cs_profile_get_mapping (CsProfile *self)
{
	return cached_value (self, "profile", "mapping");
}

CsConflictStrategy
cs_profile_get_conflict (CsProfile *self)
{
	gint v = CS_CONFLICT_CRM_WINS;
	get_choice (self, "profile", "conflict", conflicts, CS_CONFLICT_CRM_WINS, &v, NULL);
	return (CsConflictStrategy) v;
}

/*
 * Identity. A profile's state is named by an id kept in the profile itself
 * ([profile] id=, written on first use), so that the spelling of its path
 * (sales.ini, ./sales.ini, /home/me/sales.ini, a symlink) never matters and a
 * file moved or renamed keeps its state. Before ids, a state was named
 * "<file name>-<8 hex of SHA-256 of the path as typed>.db": on first use a
 * state found under any of those old names for this file becomes the id
 * (the newest if several: the app and a cron job may have had one each), so
 * no existing profile starts again from "Never synced". A file crmsync cannot
 * write (a system profile) gets the old name of its canonical path: still one
 * state for every spelling.
 */

static const gchar *ensure_uid (CsProfile *self);

static gchar *
old_state_name (const gchar *base, const gchar *spelling)
{
	g_autofree gchar *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, spelling, -1);
	hash[8] = '\0';
	return g_strdup_printf ("%s-%s", base, hash);
}

static gchar *
state_file_of (const gchar *uid)
{
	g_autofree gchar *name = g_strconcat (uid, ".db", NULL);
	return g_build_filename (g_get_user_data_dir (), "crmsync", name, NULL);
}

static gint64
state_mtime (const gchar *uid)
{
	g_autofree gchar *db = state_file_of (uid);
	g_autofree gchar *wal = g_strconcat (db, "-wal", NULL);
	GStatBuf st;
	gint64 t = -1;
	if (g_stat (db, &st) != 0)
		return -1;
	t = (gint64) st.st_mtime;
	if (g_stat (wal, &st) == 0)
		t = MAX (t, (gint64) st.st_mtime);
	return t;
}

/* the state of this file under a path-derived name, the newest if several */
static gchar *
find_old_state (CsProfile *self)
{
	g_autoptr(GPtrArray) spellings = g_ptr_array_new_with_free_func (g_free);
	g_autofree gchar *cwd = g_get_current_dir ();
	g_autofree gchar *abs = g_canonicalize_filename (self->path, NULL);
	g_autofree gchar *best = NULL;
	gint64 best_t = -1;
	const gchar *dirs[2] = {NULL, NULL};
	g_autofree gchar *abs_dir = g_path_get_dirname (abs);

	g_ptr_array_add (spellings, g_strdup (self->path));
	g_ptr_array_add (spellings, g_strdup (abs));
	g_ptr_array_add (spellings, g_strdup (self->real));
	/* typed relative to the folder it is in */
	dirs[0] = abs_dir;
	dirs[1] = self->dir;
	for (guint d = 0; d < G_N_ELEMENTS (dirs); d++) {
		g_autofree gchar *name = g_path_get_basename (d == 0 ? abs : self->real);
		if (g_strcmp0 (dirs[d], cwd) != 0)
			continue;
		g_ptr_array_add (spellings, g_strdup (name));
		g_ptr_array_add (spellings, g_strconcat ("./", name, NULL));
	}
	for (guint i = 0; i < spellings->len; i++) {
		g_autofree gchar *uid = old_state_name (self->id, spellings->pdata[i]);
		gint64 t = state_mtime (uid);
		if (t > best_t) {
			best_t = t;
			g_free (best);
			best = g_steal_pointer (&uid);
		}
	}
	return g_steal_pointer (&best);
}

/* "[profile]" as a line of @text, comments and blanks allowed around it */
static const gchar *
find_profile_header (const gchar *text)
{
	const gchar *line = text;
	while (line != NULL && *line != '\0') {
		const gchar *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (g_str_has_prefix (p, "[profile]"))
			return line;
		line = strchr (line, '\n');
		if (line != NULL)
			line++;
	}
	return NULL;
}

/* the id= the file holds now (another run may have written it), else @uid
 * written into its [profile] group as a line of its own, the rest of the file
 * (comments, order, mode) as it was. Under an flock() on the file, so that two
 * first runs agree on one id. %FALSE if the file cannot be written. */
/* @text without the [profile] group's line "id=@old" */
static gchar *
drop_uid_line (const gchar *text, const gchar *old)
{
	g_autoptr(GString) out = g_string_new (NULL);
	g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
	gboolean in_profile = FALSE;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *l = g_strstrip (g_strdup (lines[i]));
		if (l[0] == '[')
			in_profile = g_str_has_prefix (l, "[profile]");
		if (in_profile && g_str_has_prefix (l, "id") && strchr (l, '=') != NULL) {
			g_autofree gchar *key = g_strstrip (g_strndup (l, strchr (l, '=') - l));
			g_autofree gchar *val = g_strstrip (g_strdup (strchr (l, '=') + 1));
			if (g_str_equal (key, "id") && g_str_equal (val, old))
				continue;
		}
		g_string_append (out, lines[i]);
		if (lines[i + 1] != NULL)
			g_string_append_c (out, '\n');
	}
	return g_string_free (g_steal_pointer (&out), FALSE);
}

/* @replacing: (nullable): an id= the file holds that is to give way to @uid */
static gboolean
store_uid (CsProfile *self, const gchar *uid, const gchar *replacing, gchar **stored)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GString) out = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autofree gchar *clean = NULL;
	g_autofree gchar *have = NULL;
	const gchar *header, *eol;
	GStatBuf st;
	gint fd;
	gboolean ok = FALSE;

	fd = g_open (self->real, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return FALSE;
	while (flock (fd, LOCK_EX) != 0 && errno == EINTR)
		;
	if (!g_file_get_contents (self->real, &text, NULL, NULL) || g_stat (self->real, &st) != 0)
		goto out;
	if (replacing != NULL) {
		gchar *dropped = drop_uid_line (text, replacing);
		g_free (text);
		text = dropped;
	}
	{
		g_autoptr(CsProfile) tmp = g_object_new (CS_TYPE_PROFILE, NULL);
		clean = scan_lines (tmp, text);
	}
	if (g_key_file_load_from_data (kf, clean, (gsize) -1, G_KEY_FILE_NONE, NULL))
		have = g_key_file_get_value (kf, "profile", "id", NULL);
	if (have != NULL && valid_uid (have)) {
		*stored = g_steal_pointer (&have);
		ok = TRUE;
		goto out;
	}
	header = find_profile_header (text);
	if (header == NULL || access (self->real, W_OK) != 0)
		goto out;
	eol = strchr (header, '\n');
	out = g_string_new_len (text, eol != NULL ? eol - text + 1 : (gssize) strlen (text));
	if (eol == NULL)
		g_string_append_c (out, '\n');
	g_string_append_printf (out, "id=%s\n", uid);
	if (eol != NULL)
		g_string_append (out, eol + 1);
	/* written in place of the file itself, never over a symlink to it */
	if (!g_file_set_contents_full (self->real, out->str, (gssize) out->len,
				       G_FILE_SET_CONTENTS_CONSISTENT, st.st_mode & 07777, NULL))
		goto out;
	*stored = g_strdup (uid);
	ok = TRUE;
out:
	close (fd);
	return ok;
}

/*
 * A copy. A file copied by hand (cp sales.ini east.ini, then edited to sync
 * another CRM) carries the original's id=, and so would share its state:
 * its links, cursors and history, with the other file's records behind
 * them — the next run would take records missing from the new CRM for
 * deleted ones. The file that last ran a state is written beside it
 * (cs_profile_record_owner()); another file holding the same id while that
 * one is still there, with that id, is a copy and gets an id of its own
 * (and a first sync that matches by key). A file whose owner is gone or
 * holds another id now was moved or renamed: it keeps the state.
 */
static gchar *
owner_file_of (const gchar *uid)
{
	g_autofree gchar *db = state_file_of (uid);
	return g_strconcat (db, ".owner", NULL);
}

/* the id= of the profile file at @path, %NULL if none or unreadable */
static gchar *
uid_of_file (const gchar *path)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *clean = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(CsProfile) tmp = g_object_new (CS_TYPE_PROFILE, NULL);
	if (!g_file_get_contents (path, &text, NULL, NULL))
		return NULL;
	clean = scan_lines (tmp, text);
	if (!g_key_file_load_from_data (kf, clean, (gsize) -1, G_KEY_FILE_NONE, NULL))
		return NULL;
	return g_key_file_get_value (kf, "profile", "id", NULL);
}

static gboolean
explicit_state (CsProfile *self)
{
	g_autofree gchar *state = get_value (self, "profile", "state");
	return state != NULL && state[0] != '\0';
}

static void
claim_uid (CsProfile *self)
{
	g_autofree gchar *owner_file = NULL;
	g_autofree gchar *owner = NULL;
	g_autofree gchar *theirs = NULL;
	g_autofree gchar *fresh = NULL;
	g_autofree gchar *stored = NULL;
	GStatBuf a, b;

	self->uid_checked = TRUE;
	/* state= names the state itself: sharing it is the user's choice */
	if (self->path == NULL || self->real == NULL || explicit_state (self))
		return;
	owner_file = owner_file_of (self->uid);
	if (!g_file_get_contents (owner_file, &owner, NULL, NULL))
		return;
	g_strstrip (owner);
	if (g_str_equal (owner, self->real) || g_stat (owner, &a) != 0 ||
	    g_stat (self->real, &b) != 0 || (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
		return;
	theirs = uid_of_file (owner);
	if (g_strcmp0 (theirs, self->uid) != 0)
		return;
	fresh = old_state_name (self->id, self->real);
	g_debug ("%s is a copy of %s: a state of its own (%s)", self->real, owner, fresh);
	self->copied_from = g_steal_pointer (&self->uid);
	/* a copy that cannot be written gets the same path-derived id each time */
	if (valid_uid (fresh) && store_uid (self, fresh, self->copied_from, &stored))
		self->uid = g_steal_pointer (&stored);
	else
		self->uid = g_steal_pointer (&fresh);
	g_key_file_set_value (self->kf, "profile", "id", self->uid);
}

/**
 * cs_profile_record_owner:
 *
 * Writes beside the profile's state which file runs it, so that a copy of
 * that file is told apart from the file moved (see claim_uid()). Called once
 * the state exists; a failure costs only that check.
 */
void
cs_profile_record_owner (CsProfile *self)
{
	g_autofree gchar *owner_file = NULL;
	g_autofree gchar *have = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_if_fail (CS_IS_PROFILE (self));
	if (self->path == NULL || self->real == NULL || explicit_state (self))
		return;
	owner_file = owner_file_of (ensure_uid (self));
	if (g_file_get_contents (owner_file, &have, NULL, NULL) &&
	    g_str_equal (g_strstrip (have), self->real))
		return;
	if (!g_file_set_contents_full (owner_file, self->real, -1, G_FILE_SET_CONTENTS_CONSISTENT,
				       0600, &error_local))
		g_debug ("cannot record the profile's file: %s", error_local->message);
}

/**
 * cs_profile_get_copied_from:
 *
 * Returns: (nullable): the id the file held when it turned out to be a copy
 *   of another profile (its secrets are looked up there first time)
 */
const gchar *
cs_profile_get_copied_from (CsProfile *self)
{
	ensure_uid (self);
	return self->copied_from;
}

/* the id naming this profile's state, found, adopted or made once */
static const gchar *
ensure_uid (CsProfile *self)
{
	g_autofree gchar *old = NULL;
	g_autofree gchar *fresh = NULL;
	g_autofree gchar *stored = NULL;

	if (self->uid != NULL) {
		if (!self->uid_checked)
			claim_uid (self);
		return self->uid;
	}
	self->uid_checked = TRUE;
	if (self->path == NULL) {
		self->uid = g_strdup (self->id);
		return self->uid;
	}
	old = find_old_state (self);
	if (old != NULL) {
		fresh = g_strdup (old);
	} else {
		/* made from where the file is now, not at random: should the line be
		 * lost (an editor that drops it, a copy of the file from before its
		 * first run put back), the same state is found again by that name as
		 * long as the file has not moved meanwhile */
		fresh = old_state_name (self->id, self->real);
	}
	if (valid_uid (fresh) && store_uid (self, fresh, NULL, &stored)) {
		self->uid = g_steal_pointer (&stored);
	} else {
		/* cannot be written: one name for every spelling of this file */
		g_autofree gchar *canonical = old_state_name (self->id, self->real);
		self->uid = state_mtime (canonical) >= 0 || old == NULL ? g_steal_pointer (&canonical)
									  : g_steal_pointer (&old);
		return self->uid;
	}
	g_key_file_set_value (self->kf, "profile", "id", self->uid);
	return self->uid;
}

/**
 * cs_profile_get_uid:
 *
 * The id that names the profile's state and lock: the same for every
 * spelling of the profile's path, kept when the file is moved or renamed.
 * The first call may write `id=` into the profile file (see ensure_uid()).
 */
const gchar *
cs_profile_get_uid (CsProfile *self)
{
	return ensure_uid (self);
}

/**
 * cs_profile_get_match:
 *
 * `match=review` (the default): a probable match (names equal and the other
 * key fields blank on one side, or an equal e-mail address) is held for the
 * user's review instead of being created twice; `match=strict`: only the
 * key decides, as the guides say
 */
CsMatchMode
cs_profile_get_match (CsProfile *self)
{
	gint v = CS_MATCH_REVIEW;
	get_choice (self, "profile", "match", matches, CS_MATCH_REVIEW, &v, NULL);
	return (CsMatchMode) v;
}

/**
 * cs_profile_get_state_path:
 *
 * `state=` if set (relative to the profile file, symlinks resolved), else
 * one file per profile under $XDG_DATA_HOME/crmsync named by the profile's
 * id (cs_profile_get_uid()).
 */
gchar *
cs_profile_get_state_path (CsProfile *self)
{
	g_autofree gchar *state = get_value (self, "profile", "state");
	if (state != NULL && state[0] != '\0') {
		if (g_path_is_absolute (state))
			return g_steal_pointer (&state);
		return g_build_filename (self->dir, state, NULL);
	}
	return state_file_of (ensure_uid (self));
}

guint
cs_profile_get_interval (CsProfile *self, CsSide side)
{
	guint64 n = side == CS_SIDE_CRM ? 120 : 30;
	get_uint (self, "profile", side == CS_SIDE_CRM ? "crm-interval" : "outlook-interval", 1,
		  86399, n, &n, NULL);
	return (guint) n;
}

/**
 * cs_profile_get_line:
 * @key: (nullable): %NULL: the group's own line
 *
 * Returns: the line of @key in @group as the file has it, 0 if not there
 */
guint
cs_profile_get_line (CsProfile *self, const gchar *group, const gchar *key)
{
	return line_of (self, group, key);
}

/* how many runs keep what they changed (history details, undo) */
guint
cs_profile_get_keep_runs (CsProfile *self)
{
	guint64 n = 10;
	get_uint (self, "profile", "keep-runs", 0, 1000, n, &n, NULL);
	return (guint) n;
}

gboolean
cs_profile_get_sync_on_start (CsProfile *self)
{
	return get_bool (self, "sync-on-start", TRUE, NULL);
}

gboolean
cs_profile_get_sync_on_exit (CsProfile *self)
{
	return get_bool (self, "sync-on-exit", TRUE, NULL);
}

gboolean
cs_profile_get_enabled (CsProfile *self)
{
	return get_bool (self, "enabled", TRUE, NULL);
}

const CsKindConfig *
cs_profile_get_kind_config (CsProfile *self, CsKind kind)
{
	return &self->kinds[kind];
}

/**
 * cs_profile_get_keyfile:
 * Returns: (transfer none): the profile as written (the app edits it)
 */
GKeyFile *
cs_profile_get_keyfile (CsProfile *self)
{
	return self->kf;
}

const gchar *
cs_profile_get_group (CsSide side)
{
	return side == CS_SIDE_CRM ? "crm" : "outlook";
}

/**
 * cs_profile_keyfile_get_select:
 * @kf: a profile's key file, as a plugin gets it in setup()
 * @kind: the kind whose `select=` is wanted
 *
 * The category a record of @kind must carry to be synced: `select=` of the
 * kind's group, else of the profile's preset (plugins get the key file as
 * the user wrote it, without the preset's values).
 *
 * Returns: (transfer full) (nullable): the category; %NULL for all records
 *   (or a value the profile's own validation refuses)
 */
gchar *
cs_profile_keyfile_get_select (GKeyFile *kf, CsKind kind)
{
	const gchar *group = cs_kind_to_string (kind);
	g_autofree gchar *value = g_key_file_get_value (kf, group, "select", NULL);
	gchar *category = NULL;

	if (value == NULL) {
		g_autofree gchar *preset = g_key_file_get_value (kf, "profile", "preset", NULL);
		g_autofree gchar *res = NULL;
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(GKeyFile) pk = NULL;

		if (preset == NULL || preset[0] == '\0')
			return NULL;
		res = g_strdup_printf ("/org/crmsync/profiles/%s.ini", g_strstrip (preset));
		bytes = g_resources_lookup_data (res, 0, NULL);
		pk = g_key_file_new ();
		if (bytes == NULL ||
		    !g_key_file_load_from_data (pk, g_bytes_get_data (bytes, NULL),
						g_bytes_get_size (bytes), G_KEY_FILE_NONE, NULL))
			return NULL;
		value = g_key_file_get_value (pk, group, "select", NULL);
	}
	if (value == NULL || !parse_select (value, &category))
		return NULL;
	return category;
}
