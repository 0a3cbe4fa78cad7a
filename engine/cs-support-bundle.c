/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/utsname.h>

#include "cs-json.h"
#include "cs-profile.h"
#include "cs-state.h"
#include "cs-support-bundle.h"

/*
 * A support bundle: one .tar.gz a user can send to whoever helps them, with
 * what that person asks first (versions, the profile, the last runs, the
 * log) and no secret. Secrets never belong in a profile, but people put them
 * there anyway; so every key that names one is blanked, passwords in URLs
 * are cut out, and every secret the profile's sides hold (keyring or file
 * store, secret-file= contents) is searched for and removed from every file
 * of the bundle, wherever a message may have quoted it.
 *
 * The archive is a plain ustar written here and gzip'ed by GIO's zlib
 * converter: no new dependency for a dozen small files.
 */

#define REMOVED	  "(removed)"
#define LAST_RUNS 10

typedef struct {
	gchar *name;
	gchar *text;
} Entry;

static void
entry_free (Entry *e)
{
	g_free (e->name);
	g_free (e->text);
	g_free (e);
}

static void
add_entry (GPtrArray *entries, const gchar *name, gchar *text)
{
	Entry *e = g_new0 (Entry, 1);
	e->name = g_strdup (name);
	e->text = text;
	g_ptr_array_add (entries, e);
}

/* key names that hold a secret, in any spelling a person may use */
static gboolean
secret_key (const gchar *key)
{
	static const gchar *const words[]
		= { "secret", "password", "passwd",  "pwd",	   "token",   "authcode",
		    "apikey", "api-key",  "api_key", "credential", "private", NULL };
	g_autofree gchar *k = g_ascii_strdown (key, -1);
	if (g_str_equal (k, "secret-file"))
		return FALSE; /* a path; its contents are removed below */
	for (guint i = 0; words[i] != NULL; i++)
		if (strstr (k, words[i]) != NULL)
			return TRUE;
	return FALSE;
}

/* https://user:password@host/ → https://user@host/ */
static gchar *
strip_url_password (const gchar *value)
{
	g_autoptr (GUri) uri
		= g_uri_parse (value, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
	if (uri == NULL || g_uri_get_password (uri) == NULL)
		return g_strdup (value);
	return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), g_uri_get_user (uri),
			   g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri),
			   g_uri_get_query (uri), g_uri_get_fragment (uri));
}

static gchar *
profile_dir_path (const gchar *profile_path, const gchar *path)
{
	g_autofree gchar *dir = NULL;
	if (g_path_is_absolute (path))
		return g_strdup (path);
	dir = g_path_get_dirname (profile_path);
	return g_build_filename (dir, path, NULL);
}

/* every secret this profile's sides may hold, to search for */
static GPtrArray *
collect_secrets (const gchar *profile_path, GKeyFile *kf, CsSecrets *secrets)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	g_autofree gchar *base = g_path_get_basename (profile_path);
	g_autoptr (CsProfile) profile = cs_profile_load (profile_path, NULL);
	static const gchar *const keys[]
		= { "secret", "refresh-token", "access-token", "password", NULL };
	g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);

	if (g_str_has_suffix (base, ".ini"))
		base[strlen (base) - 4] = '\0';
	/* kept under the profile's id, or under its file name from before ids */
	const gchar *names[] = { profile != NULL ? cs_profile_get_uid (profile) : base,
				 profile != NULL ? cs_profile_get_id (profile) : NULL };
	for (guint s = 0; secrets != NULL && s < CS_SIDE_LAST; s++) {
		for (guint k = 0; keys[k] != NULL; k++) {
			for (guint n = 0; n < G_N_ELEMENTS (names); n++) {
				gchar *v = names[n] != NULL ? cs_secrets_lookup (secrets, names[n],
										  (CsSide)s, keys[k], NULL)
							    : NULL;
				if (v != NULL)
					g_ptr_array_add (out, v);
			}
		}
	}
	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto (GStrv) ks = g_key_file_get_keys (kf, groups[g], NULL, NULL);
		for (guint i = 0; ks != NULL && ks[i] != NULL; i++) {
			g_autofree gchar *v = g_key_file_get_value (kf, groups[g], ks[i], NULL);
			if (v == NULL)
				continue;
			if (secret_key (ks[i])) {
				g_ptr_array_add (out, g_strdup (v));
			} else if (g_str_equal (ks[i], "secret-file")) {
				/* read even when others can read it: it is removed all the same */
				g_autofree gchar *p = profile_dir_path (profile_path, v);
				g_autofree gchar *data = NULL;
				if (g_file_get_contents (p, &data, NULL, NULL)) {
					g_auto (GStrv) lines = g_strsplit (data, "\n", -1);
					g_ptr_array_add (out, g_strdup (g_strstrip (data)));
					for (guint l = 0; lines[l] != NULL; l++)
						g_ptr_array_add (out,
								 g_strdup (g_strstrip (lines[l])));
				}
			} else {
				g_autoptr (GUri) uri
					= g_uri_parse (v, G_URI_FLAGS_HAS_PASSWORD, NULL);
				if (uri != NULL && g_uri_get_password (uri) != NULL)
					g_ptr_array_add (out, g_strdup (g_uri_get_password (uri)));
			}
		}
	}
	return out;
}

/* removes every occurrence of every secret (the longest first, so that a
 * secret inside another one leaves no tail) */
static gchar *
scrub (gchar *text, GPtrArray *secrets)
{
	for (guint i = 0; i < secrets->len; i++) {
		const gchar *s = g_ptr_array_index (secrets, i);
		g_autoptr (GString) str = NULL;
		/* a very short "secret" would blank ordinary words */
		if (s == NULL || strlen (s) < 4 || strstr (text, s) == NULL)
			continue;
		str = g_string_new (text);
		g_free (text);
		g_string_replace (str, s, REMOVED, 0);
		text = g_string_free (g_steal_pointer (&str), FALSE);
	}
	return text;
}

static gint
longest_first (gconstpointer a, gconstpointer b)
{
	gsize la = strlen (*(const gchar *const *)a), lb = strlen (*(const gchar *const *)b);
	return la < lb ? 1 : la > lb ? -1 : 0;
}

/**
 * cs_support_bundle_redact_profile:
 *
 * The profile as a support person may see it: comments dropped (people
 * write passwords there too), secret keys blanked, URL passwords cut out.
 *
 * Returns: (transfer full): key-file text, or %NULL with @error
 */
gchar *
cs_support_bundle_redact_profile (const gchar *profile_path, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_auto (GStrv) groups = NULL;
	if (!g_key_file_load_from_file (kf, profile_path, G_KEY_FILE_NONE, error))
		return NULL;
	groups = g_key_file_get_groups (kf, NULL);
	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
		for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
			g_autofree gchar *v = g_key_file_get_value (kf, groups[g], keys[i], NULL);
			if (secret_key (keys[i])) {
				g_key_file_set_value (kf, groups[g], keys[i], REMOVED);
			} else if (v != NULL) {
				g_autofree gchar *clean = strip_url_password (v);
				g_key_file_set_value (kf, groups[g], keys[i], clean);
			}
		}
	}
	return g_key_file_to_data (kf, NULL, error);
}

static gchar *
versions_text (void)
{
	GString *s = g_string_new (NULL);
	struct utsname u;
	g_autofree gchar *os = NULL;
	g_autofree gchar *release = NULL;

	g_string_append_printf (s, "crmsync %s\n", PACKAGE_VERSION);
	g_string_append_printf (s, "GLib %u.%u.%u\n", glib_major_version, glib_minor_version,
				glib_micro_version);
	g_string_append_printf (s, "libsoup %u.%u.%u\n", soup_get_major_version (),
				soup_get_minor_version (), soup_get_micro_version ());
	g_string_append_printf (s, "json-glib %s\n", JSON_VERSION_S);
	g_string_append_printf (s, "SQLite %s\n", sqlite3_libversion ());
	if (g_file_get_contents ("/etc/os-release", &release, NULL, NULL)) {
		g_auto (GStrv) lines = g_strsplit (release, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++)
			if (g_str_has_prefix (lines[i], "PRETTY_NAME="))
				os = g_strdup (lines[i] + strlen ("PRETTY_NAME="));
	}
	if (os != NULL)
		g_string_append_printf (s, "OS %s\n", os);
	if (uname (&u) == 0)
		g_string_append_printf (s, "kernel %s %s %s\n", u.sysname, u.release, u.machine);
	return g_string_free (s, FALSE);
}

/* the runs, newest first, and the log lines the history gives */
static void
add_runs (GPtrArray *entries, const gchar *profile_path, GString *log)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = cs_profile_load (profile_path, &error);
	g_autofree gchar *state_path = NULL;
	g_autoptr (CsState) state = NULL;
	g_autoptr (GPtrArray) runs = NULL;

	if (profile == NULL) {
		g_string_append_printf (log, "profile: %s\n", error->message);
		return;
	}
	state_path = cs_profile_get_state_path (profile);
	/* a support bundle never creates a state */
	if (!g_file_test (state_path, G_FILE_TEST_EXISTS)) {
		g_string_append_printf (log, "state %s: never synced\n", state_path);
		return;
	}
	state = cs_state_open (state_path, &error);
	if (state == NULL) {
		g_string_append_printf (log, "state %s: %s\n", state_path, error->message);
		return;
	}
	runs = cs_state_get_runs (state, LAST_RUNS, &error);
	if (runs == NULL) {
		g_string_append_printf (log, "state %s: %s\n", state_path, error->message);
		return;
	}
	g_string_append_printf (log, "state %s: schema %d\n", state_path,
				cs_state_get_schema_version (state));
	for (guint i = 0; i < runs->len; i++) {
		CsRunInfo *r = g_ptr_array_index (runs, i);
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) n = NULL;
		g_autofree gchar *started = cs_time_format_utc (r->started);
		g_autofree gchar *finished
			= r->finished > 0 ? cs_time_format_utc (r->finished) : NULL;
		g_autofree gchar *name
			= g_strdup_printf ("runs/run-%" G_GINT64_FORMAT ".json", r->id);

		json_builder_begin_object (b);
		json_builder_set_member_name (b, "id");
		json_builder_add_int_value (b, r->id);
		json_builder_set_member_name (b, "started");
		json_builder_add_string_value (b, started);
		json_builder_set_member_name (b, "finished");
		json_builder_add_string_value (b, finished);
		json_builder_set_member_name (b, "trigger");
		json_builder_add_string_value (b, r->trigger);
		json_builder_set_member_name (b, "status");
		json_builder_add_string_value (b, r->status);
		json_builder_set_member_name (b, "error");
		json_builder_add_string_value (b, r->error);
		json_builder_set_member_name (b, "report");
		if (r->report != NULL) {
			JsonNode *rep = json_from_string (r->report, NULL);
			if (rep != NULL)
				json_builder_add_value (b, rep);
			else
				json_builder_add_string_value (b, r->report);
		} else {
			json_builder_add_null_value (b);
		}
		json_builder_end_object (b);
		n = json_builder_get_root (b);
		add_entry (entries, name, cs_json_to_string (n, TRUE));
		g_string_append_printf (log, "%s run %" G_GINT64_FORMAT " (%s): %s%s%s\n", started,
					r->id, r->trigger, r->status, r->error != NULL ? ": " : "",
					r->error != NULL ? r->error : "");
	}
}

/* what `crmsync-cli watch` wrote to the journal, when it runs as the user service */
static void
add_journal (GString *log, const gchar *profile_path)
{
	g_autofree gchar *journalctl = g_find_program_in_path ("journalctl");
	g_autofree gchar *base = g_path_get_basename (profile_path);
	g_autofree gchar *unit = NULL;
	g_autofree gchar *out = NULL;
	gint status = 0;

	if (journalctl == NULL || g_getenv ("CRMSYNC_BUNDLE_NO_JOURNAL") != NULL)
		return;
	if (g_str_has_suffix (base, ".ini"))
		base[strlen (base) - 4] = '\0';
	unit = g_strdup_printf ("crmsync-watch@%s.service", base);
	{
		const gchar *argv[]
			= { journalctl,	  "--user",   "--unit",	   unit,      "--lines", "500",
			    "--no-pager", "--output", "short-iso", "--quiet", NULL };
		if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
				   NULL, &out, NULL, &status, NULL)
		    || out == NULL || out[0] == '\0')
			return;
	}
	g_string_append_printf (log, "\njournal of %s:\n%s", unit, out);
}

static void
put_octal (gchar *field, gsize len, guint64 value)
{
	g_snprintf (field, len, "%0*" G_GINT64_MODIFIER "o", (gint)len - 1, value);
}

/* one ustar member: header block and the data padded to 512 */
static gboolean
tar_add (GOutputStream *out, const gchar *name, const gchar *data, gsize size, gint64 mtime,
	 GError **error)
{
	guint8 h[512] = { 0 };
	guint sum = 0;
	static const guint8 zeros[512] = { 0 };

	if (strlen (name) >= 100) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, "name too long: %s",
			     name);
		return FALSE;
	}
	memcpy (h, name, strlen (name));
	put_octal ((gchar *)h + 100, 8, 0600);
	put_octal ((gchar *)h + 108, 8, 0);
	put_octal ((gchar *)h + 116, 8, 0);
	put_octal ((gchar *)h + 124, 12, size);
	put_octal ((gchar *)h + 136, 12, (guint64)mtime);
	memset (h + 148, ' ', 8);
	h[156] = '0';
	memcpy (h + 257, "ustar", 6);
	memcpy (h + 263, "00", 2);
	memcpy (h + 265, "crmsync", 7);
	memcpy (h + 297, "crmsync", 7);
	for (guint i = 0; i < sizeof (h); i++)
		sum += h[i];
	g_snprintf ((gchar *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	if (!g_output_stream_write_all (out, h, sizeof (h), NULL, NULL, error)
	    || !g_output_stream_write_all (out, data, size, NULL, NULL, error))
		return FALSE;
	return size % 512 == 0
	       || g_output_stream_write_all (out, zeros, 512 - size % 512, NULL, NULL, error);
}

/**
 * cs_support_bundle_write:
 * @profile_path: the profile file (it need not load: a broken profile is
 *   when help is needed most)
 * @secrets: (nullable): where the profile's secrets are kept, to remove them
 * @out_path: the .tar.gz to write
 * @contents: (out) (optional) (transfer full) (element-type utf8): the
 *   names of the files in it
 *
 * Returns: %FALSE with @error when the archive could not be written
 */
gboolean
cs_support_bundle_write (const gchar *profile_path, CsSecrets *secrets, const gchar *out_path,
			 GPtrArray **contents, GError **error)
{
	g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GPtrArray) found = NULL;
	g_autoptr (GString) log = g_string_new (NULL);
	g_autoptr (GError) error_local = NULL;
	g_autoptr (GFile) file = NULL;
	g_autoptr (GFileOutputStream) fout = NULL;
	g_autoptr (GZlibCompressor) gz = NULL;
	g_autoptr (GOutputStream) out = NULL;
	gchar *profile_text;
	gint64 now = g_get_real_time () / G_USEC_PER_SEC;
	static const guint8 zeros[1024] = { 0 };

	if (!g_key_file_load_from_file (kf, profile_path, G_KEY_FILE_NONE, &error_local)) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", profile_path,
			     error_local->message);
		return FALSE;
	}
	found = collect_secrets (profile_path, kf, secrets);
	g_ptr_array_sort (found, longest_first);

	add_entry (entries, "versions.txt", versions_text ());
	profile_text = cs_support_bundle_redact_profile (profile_path, error);
	if (profile_text == NULL)
		return FALSE;
	add_entry (entries, "profile.ini", profile_text);
	add_runs (entries, profile_path, log);
	add_journal (log, profile_path);
	add_entry (entries, "log.txt", g_string_free (g_steal_pointer (&log), FALSE));

	file = g_file_new_for_path (out_path);
	fout = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, error);
	if (fout == NULL)
		return FALSE;
	gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
	out = g_converter_output_stream_new (G_OUTPUT_STREAM (fout), G_CONVERTER (gz));
	for (guint i = 0; i < entries->len; i++) {
		Entry *e = g_ptr_array_index (entries, i);
		g_autofree gchar *path = g_strconcat ("crmsync-report/", e->name, NULL);
		e->text = scrub (e->text, found);
		if (!tar_add (out, path, e->text, strlen (e->text), now, error))
			return FALSE;
	}
	if (!g_output_stream_write_all (out, zeros, sizeof (zeros), NULL, NULL, error)
	    || !g_output_stream_close (out, NULL, error))
		return FALSE;
	if (contents != NULL) {
		*contents = g_ptr_array_new_with_free_func (g_free);
		for (guint i = 0; i < entries->len; i++)
			g_ptr_array_add (
				*contents,
				g_strdup (((Entry *)g_ptr_array_index (entries, i))->name));
	}
	return TRUE;
}
