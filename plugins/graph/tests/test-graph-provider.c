/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "crmsync-plugin.h"
#include "cs-plugin-loader.h"
#include "emu-launch.h"

/*
 * The graph plugin, loaded as the engine loads it, against
 * `crmsync-emulator --api graph`: sign-in, delta reads, batched writes,
 * resync after an expired delta token, throttling, time zones across a DST
 * switch, recurrence, and that tokens stay out of logs and the profile.
 */

typedef struct {
	GSubprocess *proc;
	gchar *origin;
	gchar *dir;
	gchar *db;
	gchar *profile_text;
	CsSecrets *secrets;
	CsProvider *provider;
	guint device_codes;
} Fixture;

static GString *logs;

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
			g_string_append_printf (logs, "%s\n", (const gchar *) fields[i].value);
	}
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return g_log_writer_default (level, fields, n_fields, user_data);
	return G_LOG_WRITER_HANDLED;
}

static void
on_device_code (CsProvider *provider, const gchar *uri, const gchar *code, const gchar *message,
		Fixture *fx)
{
	g_assert_true (g_str_has_suffix (uri, "/devicelogin"));
	g_assert_cmpuint (strlen (code), >, 0);
	fx->device_codes++;
}

static CsProvider *
make_provider (Fixture *fx, const gchar *sign_in)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsPluginLoader) loader = cs_plugin_loader_new (g_getenv ("CRMSYNC_PLUGIN_DIR"));
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	CsProvider *provider;

	g_assert_true (cs_plugin_loader_load_all (loader, &error));
	g_assert_no_error (error);
	provider = cs_plugin_loader_create (loader, "graph", &error);
	g_assert_no_error (error);
	g_assert_true (g_key_file_load_from_data (kf, fx->profile_text, -1, 0, &error));
	g_assert_true (cs_provider_setup (provider, kf, "outlook", &error));
	g_assert_no_error (error);
	cs_provider_set_secrets (provider, fx->secrets, "test", CS_SIDE_OUTLOOK);
	g_object_set (provider, "sign-in", sign_in, NULL);
	g_signal_connect (provider, "device-code", G_CALLBACK (on_device_code), fx);
	return provider;
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
	/* data: "N" generated records per kind, or "N:FAULTS" */
	g_auto(GStrv) spec = g_strsplit (data != NULL ? data : "0", ":", 2);
	const gchar *generate = spec[0];
	g_autofree gchar *faults = g_strdup_printf ("--faults=%s", spec[1] != NULL ? spec[1] : "");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *db_arg = NULL;
	g_autofree gchar *gen_arg = g_strdup_printf ("--generate=%s", generate != NULL ? generate : "0");

	fx->dir = g_dir_make_tmp ("graph-test-XXXXXX", &error);
	g_assert_no_error (error);
	fx->db = g_build_filename (fx->dir, "emulator.db", NULL);
	db_arg = g_strdup_printf ("--db=%s", fx->db);
	{
		const gchar *args[] = {db_arg, gen_arg, faults, NULL};
		fx->proc = emu_launch_start ("graph", NULL, args, &fx->origin);
	}
	fx->profile_text = g_strdup_printf ("[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n",
					    fx->origin, fx->origin);
	{
		g_autofree gchar *sdir = g_build_filename (fx->dir, "secrets", NULL);
		fx->secrets = cs_secrets_new_for_dir (sdir);
	}
	fx->provider = make_provider (fx, "device-code");
	g_assert_true (cs_provider_open (fx->provider, NULL, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (fx->device_codes, ==, 1);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
	g_autofree gchar *secrets = g_build_filename (fx->dir, "secrets", NULL);
	g_autoptr(GDir) d = NULL;
	const gchar *name;
	cs_provider_close (fx->provider);
	g_clear_object (&fx->provider);
	g_clear_object (&fx->secrets);
	emu_launch_stop (&fx->proc);
	d = g_dir_open (secrets, 0, NULL);
	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *p = g_build_filename (secrets, name, NULL);
		g_unlink (p);
	}
	g_rmdir (secrets);
	g_unlink (fx->db);
	g_rmdir (fx->dir);
	g_free (fx->dir);
	g_free (fx->db);
	g_free (fx->origin);
	g_free (fx->profile_text);
}

static JsonObject *
emu (Fixture *fx, const gchar *method, const gchar *path)
{
	g_autoptr(SoupSession) s = soup_session_new ();
	g_autofree gchar *url = g_strconcat (fx->origin, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new (method, url);
	g_autoptr(GBytes) body = soup_session_send_and_read (s, msg, NULL, NULL);
	g_autoptr(JsonParser) p = json_parser_new ();
	if (g_bytes_get_size (body) == 0)
		return NULL;
	g_assert_true (json_parser_load_from_data (p, g_bytes_get_data (body, NULL),
						   (gssize) g_bytes_get_size (body), NULL));
	return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static gint64
stat_of (Fixture *fx, const gchar *name)
{
	g_autoptr(JsonObject) st = emu (fx, "GET", "/_emulator/stats");
	return json_object_get_int_member (st, name);
}

static CsReadSink *
read_kind (Fixture *fx, CsKind kind, const gchar *cursor)
{
	g_autoptr(GError) error = NULL;
	CsReadSink *sink = cs_read_sink_new (kind, FALSE);
	g_assert_true (cs_provider_read_changes (fx->provider, kind, cursor, sink, NULL, &error));
	g_assert_no_error (error);
	g_assert_nonnull (cs_read_sink_get_cursor (sink));
	return sink;
}

static CsRecord *
find_by (CsReadSink *sink, const gchar *field, const gchar *value)
{
	GPtrArray *recs = cs_read_sink_get_records (sink);
	for (guint i = 0; i < recs->len; i++) {
		CsRecord *r = g_ptr_array_index (recs, i);
		if (g_strcmp0 (cs_record_get_string (r, field), value) == 0)
			return r;
	}
	return NULL;
}

static void
write_ops (Fixture *fx, CsKind kind, GPtrArray *ops)
{
	g_autoptr(GError) error = NULL;
	g_assert_true (cs_provider_write (fx->provider, kind, ops, NULL, &error));
	g_assert_no_error (error);
}

/* ------------------------------------------------------------ sign-in */

static void
test_sign_in (Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProvider) again = NULL;
	g_autofree gchar *stored = NULL;
	g_autofree gchar *who = NULL;

	stored = cs_secrets_lookup (fx->secrets, "test", CS_SIDE_OUTLOOK, "refresh-token", &error);
	g_assert_no_error (error);
	g_assert_nonnull (stored);
	who = cs_provider_whoami (fx->provider, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (who, ==, "ada@contoso.example");

	/* the next run uses the stored sign-in: no device code, no user */
	again = make_provider (fx, "none");
	g_assert_true (cs_provider_open (again, NULL, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (fx->device_codes, ==, 1);
	cs_provider_close (again);
	g_clear_object (&again);

	/* a revoked sign-in in a background run is an AUTH error, not a hang */
	g_assert_true (cs_secrets_store (fx->secrets, "test", CS_SIDE_OUTLOOK, "refresh-token",
					 "revoked", &error));
	again = make_provider (fx, "none");
	g_assert_false (cs_provider_open (again, NULL, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH);
}

static gpointer
browser_thread (gpointer data)
{
	gchar *uri = data;
	g_autoptr(SoupSession) s = soup_session_new ();
	g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
	g_autoptr(GBytes) page = soup_session_send_and_read (s, msg, NULL, NULL);
	g_free (uri);
	return GUINT_TO_POINTER (soup_message_get_status (msg));
}

static GThread *browser;

/* the "system browser": it follows the emulator's redirect to our loopback */
static gboolean
on_open_uri (CsProvider *provider, const gchar *uri, gpointer data)
{
	g_assert_nonnull (strstr (uri, "code_challenge_method=S256"));
	g_assert_nonnull (strstr (uri, "redirect_uri=http%3A%2F%2Flocalhost%3A"));
	browser = g_thread_new ("browser", browser_thread, g_strdup (uri));
	return TRUE;
}

static void
test_sign_in_browser (Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProvider) app = NULL;
	g_autofree gchar *who = NULL;

	/* no stored sign-in: the app's flow runs */
	g_assert_true (cs_secrets_clear (fx->secrets, "test", CS_SIDE_OUTLOOK, "refresh-token",
					 &error));
	app = make_provider (fx, "browser");
	g_signal_connect (app, "open-uri", G_CALLBACK (on_open_uri), NULL);
	g_assert_true (cs_provider_open (app, NULL, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (browser)), ==, 200);
	who = cs_provider_whoami (app, NULL, &error);
	g_assert_cmpstr (who, ==, "ada@contoso.example");
	cs_provider_close (app);
}

/* ----------------------------------------------------------- contacts */

static CsWriteOp *
contact_create (guint i)
{
	g_autoptr(CsRecord) r = cs_record_new (CS_KIND_CONTACT, NULL);
	g_autofree gchar *last = g_strdup_printf ("Østergaard-%u", i);
	g_autofree gchar *mail = g_strdup_printf ("kunde%u@example.dk", i);
	cs_record_set_string (r, "givenName", "Søren");
	cs_record_set_string (r, "surname", last);
	cs_record_set_string (r, "companyName", "Grøn Energi A/S");
	cs_record_set_string (r, "email1", mail);
	cs_record_set_string (r, "businessPhone", "+45 70 10 20 30");
	cs_record_set_string (r, "businessCity", "Århus");
	cs_record_set_string (r, "birthday", "1980-02-29");
	/* MAPI-only fields, kept in extended properties */
	cs_record_set_string (r, "primaryPhone", "+45 33 12 34 56");
	cs_record_set_string (r, "gender", i % 2 ? "female" : "male");
	if (i == 7)
		cs_record_set_string (r, "businessFax", "+45 33 12 34 57");
	return cs_write_op_new (CS_WRITE_CREATE, r);
}

static void
test_contacts (Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(GPtrArray) ops2 = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(CsReadSink) full = NULL;
	g_autoptr(CsReadSink) echo = NULL;
	g_autoptr(CsReadSink) quiet = NULL;
	g_autoptr(CsReadSink) changes = NULL;
	g_autoptr(CsReadSink) resync = NULL;
	g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
	CsRecord *mine;
	GPtrArray *recs;
	guint tombstones = 0;

	full = read_kind (fx, CS_KIND_CONTACT, NULL);
	g_assert_true (cs_read_sink_get_complete (full));
	g_assert_cmpuint (cs_read_sink_get_records (full)->len, ==, 5);

	/* 25 creates: two $batch requests (20 + 5), none throttled thanks to the chains */
	emu (fx, "POST", "/_emulator/reset-stats");
	for (guint i = 0; i < 25; i++)
		g_ptr_array_add (ops, contact_create (i));
	write_ops (fx, CS_KIND_CONTACT, ops);
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_assert_no_error (op->error);
		g_assert_nonnull (op->id);
		g_assert_nonnull (op->version);
	}
	g_assert_cmpint (stat_of (fx, "batches"), ==, 2);
	g_assert_cmpint (stat_of (fx, "requests"), ==, 2);
	g_assert_cmpint (stat_of (fx, "throttled"), ==, 0);

	echo = read_kind (fx, CS_KIND_CONTACT, cs_read_sink_get_cursor (full));
	g_assert_false (cs_read_sink_get_complete (echo));
	g_assert_cmpuint (cs_read_sink_get_records (echo)->len, ==, 25);
	mine = find_by (echo, "surname", "Østergaard-7");
	g_assert_nonnull (mine);
	g_assert_cmpstr (cs_record_get_string (mine, "email1"), ==, "kunde7@example.dk");
	g_assert_cmpstr (cs_record_get_string (mine, "birthday"), ==, "1980-02-29");
	g_assert_cmpstr (cs_record_get_string (mine, "businessCity"), ==, "Århus");
	g_assert_cmpstr (cs_record_get_string (mine, "primaryPhone"), ==, "+45 33 12 34 56");
	g_assert_cmpstr (cs_record_get_string (mine, "businessFax"), ==, "+45 33 12 34 57");
	g_assert_cmpstr (cs_record_get_string (mine, "gender"), ==, "female");
	g_assert_false (cs_record_has_field (mine, "homeFax"));
	/* the version read is the one the write reported: the engine sees its echo */
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		if (g_strcmp0 (op->id, cs_record_get_id (mine)) == 0)
			g_assert_cmpstr (op->version, ==, cs_record_get_version (mine));
	}

	/* nothing changed: one delta request, nothing written */
	emu (fx, "POST", "/_emulator/reset-stats");
	quiet = read_kind (fx, CS_KIND_CONTACT, cs_read_sink_get_cursor (echo));
	g_assert_cmpuint (cs_read_sink_get_records (quiet)->len, ==, 0);
	g_assert_cmpint (stat_of (fx, "deltaRequests"), ==, 1);
	g_assert_cmpint (stat_of (fx, "requests"), ==, 1);
	g_assert_cmpint (stat_of (fx, "writes"), ==, 0);

	/* an update (only the changed field, on top of the current record) and a delete */
	{
		g_autoptr(CsRecord) change = cs_record_new (CS_KIND_CONTACT, cs_record_get_id (mine));
		g_autoptr(CsRecord) gone = cs_record_new (CS_KIND_CONTACT,
							  cs_record_get_id (g_ptr_array_index (
							      cs_read_sink_get_records (echo), 0)));
		CsWriteOp *up;
		cs_record_set_string (change, "jobTitle", "Indkøbschef");
		cs_record_set_field (change, "businessPhone", cs_value_null ());
		cs_record_set_field (change, "businessFax", cs_value_null ());
		cs_record_set_string (change, "primaryPhone", "+45 70 70 70 70");
		up = cs_write_op_new (CS_WRITE_UPDATE, change);
		up->current = cs_record_ref (mine);
		g_ptr_array_add (ops2, up);
		g_ptr_array_add (ops2, cs_write_op_new (CS_WRITE_DELETE, gone));
		write_ops (fx, CS_KIND_CONTACT, ops2);
		g_assert_no_error (up->error);
		g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops2, 1))->error);
	}
	changes = read_kind (fx, CS_KIND_CONTACT, cs_read_sink_get_cursor (quiet));
	recs = cs_read_sink_get_records (changes);
	g_assert_cmpuint (recs->len, ==, 2);
	for (guint i = 0; i < recs->len; i++) {
		CsRecord *r = g_ptr_array_index (recs, i);
		if (cs_record_is_deleted (r)) {
			tombstones++;
			continue;
		}
		g_assert_cmpstr (cs_record_get_string (r, "jobTitle"), ==, "Indkøbschef");
		g_assert_false (cs_record_has_field (r, "businessPhone"));
		g_assert_false (cs_record_has_field (r, "businessFax"));
		g_assert_cmpstr (cs_record_get_string (r, "primaryPhone"), ==, "+45 70 70 70 70");
		g_assert_cmpstr (cs_record_get_string (r, "gender"), ==, "female");
		/* untouched fields survive a partial update */
		g_assert_cmpstr (cs_record_get_string (r, "email1"), ==, "kunde7@example.dk");
	}
	g_assert_cmpuint (tombstones, ==, 1);

	/* Graph forgets the sync state: 410, a complete listing, the same ids */
	emu (fx, "POST", "/_emulator/expire-delta-tokens");
	resync = read_kind (fx, CS_KIND_CONTACT, cs_read_sink_get_cursor (changes));
	g_assert_true (cs_read_sink_get_complete (resync));
	recs = cs_read_sink_get_records (resync);
	g_assert_cmpuint (recs->len, ==, 29);
	for (guint i = 0; i < recs->len; i++) {
		CsRecord *r = g_ptr_array_index (recs, i);
		g_assert_false (cs_record_is_deleted (r));
		g_assert_false (g_hash_table_contains (ids, cs_record_get_id (r)));
		g_hash_table_add (ids, (gpointer) cs_record_get_id (r));
	}
	g_assert_true (g_hash_table_contains (ids, cs_record_get_id (mine)));
}

/* ------------------------------------------------------------- events */

/* the last Sunday of March next year: Europe's spring DST switch */
static GDate *
next_dst_sunday (void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	GDate *d = g_date_new_dmy (31, G_DATE_MARCH, (GDateYear) (g_date_time_get_year (now) + 1));
	while (g_date_get_weekday (d) != G_DATE_SUNDAY)
		g_date_subtract_days (d, 1);
	return d;
}

static gchar *
day_str (const GDate *d, gint offset)
{
	GDate c = *d;
	gchar buf[16];
	if (offset > 0)
		g_date_add_days (&c, (guint) offset);
	else
		g_date_subtract_days (&c, (guint) -offset);
	g_date_strftime (buf, sizeof buf, "%Y-%m-%d", &c);
	return g_strdup (buf);
}

static CsRecord *
event (const gchar *subject, const gchar *start, const gchar *end, gboolean all_day)
{
	CsRecord *r = cs_record_new (CS_KIND_EVENT, NULL);
	cs_record_set_string (r, "subject", subject);
	cs_record_set_string (r, "start", start);
	cs_record_set_string (r, "end", end);
	cs_record_set_bool (r, "isAllDay", all_day);
	cs_record_set_string (r, "timeZone", "Europe/Copenhagen");
	cs_record_set_string (r, "sensitivity", "private");
	cs_record_set_bool (r, "isReminderOn", TRUE);
	cs_record_set_int (r, "reminderMinutesBeforeStart", 15);
	return r;
}

static void
assert_same_event (CsRecord *want, CsRecord *got)
{
	const gchar *fields[] = {"subject", "start", "end", "timeZone", "sensitivity"};
	g_assert_nonnull (got);
	for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
		g_assert_cmpstr (cs_record_get_string (want, fields[i]), ==,
				 cs_record_get_string (got, fields[i]));
	g_assert_cmpint (cs_record_get_bool (want, "isAllDay", FALSE), ==,
			 cs_record_get_bool (got, "isAllDay", FALSE));
	g_assert_cmpint (cs_record_get_int (want, "reminderMinutesBeforeStart", -1), ==,
			 cs_record_get_int (got, "reminderMinutesBeforeStart", -2));
}

/* an update for a contact the run did not read (only the CRM side changed):
 * the changed field is written and every other field stays as it was */
static void
test_contact_update_unread (Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(GPtrArray) ops2 = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(CsRecord) change = NULL;
	g_autoptr(CsRecord) gone = cs_record_new (CS_KIND_CONTACT, "AAkALnosuchcontact");
	g_autoptr(CsReadSink) after = NULL;
	CsRecord *r;

	g_ptr_array_add (ops, contact_create (7));
	write_ops (fx, CS_KIND_CONTACT, ops);
	g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops, 0))->error);
	change = cs_record_new (CS_KIND_CONTACT, ((CsWriteOp *) g_ptr_array_index (ops, 0))->id);
	cs_record_set_string (change, "jobTitle", "Indkøbschef");
	cs_record_set_string (change, "businessCountry", "Danmark");
	cs_record_set_string (gone, "jobTitle", "x");
	g_ptr_array_add (ops2, cs_write_op_new (CS_WRITE_UPDATE, change));
	g_ptr_array_add (ops2, cs_write_op_new (CS_WRITE_UPDATE, gone));
	write_ops (fx, CS_KIND_CONTACT, ops2);
	g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops2, 0))->error);
	g_assert_error (((CsWriteOp *) g_ptr_array_index (ops2, 1))->error, CS_PROVIDER_ERROR,
			CS_PROVIDER_ERROR_NOT_FOUND);

	after = read_kind (fx, CS_KIND_CONTACT, NULL);
	r = find_by (after, "surname", "Østergaard-7");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "jobTitle"), ==, "Indkøbschef");
	g_assert_cmpstr (cs_record_get_string (r, "businessCountry"), ==, "Danmark");
	g_assert_cmpstr (cs_record_get_string (r, "givenName"), ==, "Søren");
	g_assert_cmpstr (cs_record_get_string (r, "companyName"), ==, "Grøn Energi A/S");
	g_assert_cmpstr (cs_record_get_string (r, "email1"), ==, "kunde7@example.dk");
	g_assert_cmpstr (cs_record_get_string (r, "businessPhone"), ==, "+45 70 10 20 30");
	g_assert_cmpstr (cs_record_get_string (r, "businessCity"), ==, "Århus");
	g_assert_cmpstr (cs_record_get_string (r, "birthday"), ==, "1980-02-29");
	g_assert_cmpstr (cs_record_get_string (r, "primaryPhone"), ==, "+45 33 12 34 56");
	g_assert_cmpstr (cs_record_get_string (r, "businessFax"), ==, "+45 33 12 34 57");
	g_assert_cmpstr (cs_record_get_string (r, "gender"), ==, "female");
}

static void
test_events_dst (Fixture *fx, gconstpointer data)
{
	g_autoptr(GDate) sunday = next_dst_sunday ();
	g_autofree gchar *sat = day_str (sunday, -1);
	g_autofree gchar *sun = day_str (sunday, 0);
	g_autofree gchar *mon = day_str (sunday, 1);
	g_autofree gchar *series_start = day_str (sunday, -13);
	/* 10:00 in Copenhagen: 09:00Z in winter, 08:00Z in summer */
	g_autofree gchar *w_s = g_strdup_printf ("%sT09:00:00Z", sat);
	g_autofree gchar *w_e = g_strdup_printf ("%sT10:30:00Z", sat);
	g_autofree gchar *s_s = g_strdup_printf ("%sT08:00:00Z", mon);
	g_autofree gchar *s_e = g_strdup_printf ("%sT09:30:00Z", mon);
	g_autofree gchar *r_s = g_strdup_printf ("%sT07:00:00Z", series_start);
	g_autofree gchar *r_e = g_strdup_printf ("%sT07:30:00Z", series_start);
	g_autofree gchar *second = day_str (sunday, -6);
	g_autofree gchar *third = day_str (sunday, 1);
	/* Mondays 08:00 Copenhagen: 07:00Z before the switch, 06:00Z after; the
	 * second is cancelled, the third (after the switch) moved to 11:00 */
	g_autofree gchar *rec_json = g_strdup_printf (
	    "{\"pattern\":{\"type\":\"weekly\",\"interval\":1,\"daysOfWeek\":[\"monday\"],"
	    "\"firstDayOfWeek\":\"monday\"},\"range\":{\"type\":\"numbered\",\"startDate\":\"%s\","
	    "\"numberOfOccurrences\":4,\"recurrenceTimeZone\":\"Europe/Copenhagen\"},"
	    "\"exceptions\":[{\"originalStart\":\"%sT07:00:00Z\",\"deleted\":true},"
	    "{\"originalStart\":\"%sT06:00:00Z\",\"subject\":\"Flyttet ugemøde\","
	    "\"start\":\"%sT09:00:00Z\",\"end\":\"%sT09:30:00Z\",\"location\":\"Lokale 2\"}]}",
	    series_start, second, third, third, third);
	g_autoptr(JsonParser) p = json_parser_new ();
	g_autoptr(CsRecord) winter = event ("Vintermøde", w_s, w_e, FALSE);
	g_autoptr(CsRecord) summer = event ("Sommermøde", s_s, s_e, FALSE);
	g_autoptr(CsRecord) allday = event ("Messe", sun, mon, TRUE);
	g_autoptr(CsRecord) series = event ("Ugemøde", r_s, r_e, FALSE);
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(CsReadSink) sink = NULL;
	CsRecord *got;
	GVariant *rec;
	g_autoptr(GVariant) pattern = NULL;
	g_autoptr(GVariant) range = NULL;
	const gchar *s;

	g_assert_true (json_parser_load_from_data (p, rec_json, -1, NULL));
	cs_record_set_field (series, "recurrence", cs_json_to_value (json_parser_get_root (p)));
	g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, winter));
	g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, summer));
	g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, allday));
	g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, series));
	write_ops (fx, CS_KIND_EVENT, ops);
	for (guint i = 0; i < ops->len; i++)
		g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops, i))->error);
	/* creating appointments never invites anybody */
	g_assert_cmpint (stat_of (fx, "invitationsSent"), ==, 0);

	sink = read_kind (fx, CS_KIND_EVENT, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 4);
	assert_same_event (winter, find_by (sink, "subject", "Vintermøde"));
	assert_same_event (summer, find_by (sink, "subject", "Sommermøde"));
	assert_same_event (allday, find_by (sink, "subject", "Messe"));
	got = find_by (sink, "subject", "Ugemøde");
	assert_same_event (series, got);
	rec = cs_record_get_field (got, "recurrence");
	g_assert_nonnull (rec);
	pattern = g_variant_lookup_value (rec, "pattern", G_VARIANT_TYPE_VARDICT);
	range = g_variant_lookup_value (rec, "range", G_VARIANT_TYPE_VARDICT);
	g_assert_true (g_variant_lookup (pattern, "type", "&s", &s));
	g_assert_cmpstr (s, ==, "weekly");
	g_assert_true (g_variant_lookup (range, "startDate", "&s", &s));
	g_assert_cmpstr (s, ==, series_start);
	g_assert_true (g_variant_lookup (range, "recurrenceTimeZone", "&s", &s));
	g_assert_cmpstr (s, ==, "Europe/Copenhagen");
	{
		g_autoptr(GVariant) n = g_variant_lookup_value (range, "numberOfOccurrences", NULL);
		g_assert_cmpint (g_variant_get_int64 (n), ==, 4);
	}
	/* the whole recurrence, exceptions included, as it was written */
	if (!cs_value_equal (cs_record_get_field (series, "recurrence"), rec)) {
		g_autofree gchar *w = g_variant_print (cs_record_get_field (series, "recurrence"), FALSE);
		g_autofree gchar *g = g_variant_print (rec, FALSE);
		g_printerr ("want %s\ngot  %s\n", w, g);
		g_assert_not_reached ();
	}
	/* and Outlook shows three meetings, the moved one at its new time */
	{
		CsWriteOp *op = g_ptr_array_index (ops, 3);
		g_assert_cmpstr (op->version, ==, cs_record_get_version (got));
	}
}

/* -------------------------------------------------------------- tasks */

static void
test_tasks (Fixture *fx, gconstpointer data)
{
	const gchar *statuses[] = {"notStarted", "inProgress", "completed", "waitingOnOthers",
				   "deferred"};
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(CsReadSink) sink = NULL;

	for (guint i = 0; i < G_N_ELEMENTS (statuses); i++) {
		g_autoptr(CsRecord) r = cs_record_new (CS_KIND_TASK, NULL);
		g_autofree gchar *subject = g_strdup_printf ("Ring til kunde %u", i);
		cs_record_set_string (r, "subject", subject);
		cs_record_set_string (r, "status", statuses[i]);
		cs_record_set_string (r, "importance", i % 2 ? "high" : "low");
		cs_record_set_string (r, "dueDate", "2027-03-01");
		cs_record_set_bool (r, "isReminderOn", TRUE);
		cs_record_set_string (r, "reminderDateTime", "2027-02-28T08:00:00Z");
		if (g_str_equal (statuses[i], "completed"))
			cs_record_set_string (r, "completedDate", "2027-02-27");
		g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, r));
	}
	write_ops (fx, CS_KIND_TASK, ops);
	sink = read_kind (fx, CS_KIND_TASK, NULL);
	for (guint i = 0; i < G_N_ELEMENTS (statuses); i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_autofree gchar *subject = g_strdup_printf ("Ring til kunde %u", i);
		CsRecord *got = find_by (sink, "subject", subject);
		g_assert_no_error (op->error);
		g_assert_nonnull (got);
		g_assert_cmpstr (cs_record_get_string (got, "status"), ==, statuses[i]);
		g_assert_cmpstr (cs_record_get_string (got, "importance"), ==,
				 i % 2 ? "high" : "low");
		g_assert_cmpstr (cs_record_get_string (got, "dueDate"), ==, "2027-03-01");
		g_assert_cmpstr (cs_record_get_string (got, "reminderDateTime"), ==,
				 "2027-02-28T08:00:00Z");
		if (g_str_equal (statuses[i], "completed"))
			g_assert_cmpstr (cs_record_get_string (got, "completedDate"), ==, "2027-02-27");
	}
}

/* ------------------------------------------------------------- e-mail */

static void
test_email (Fixture *fx, gconstpointer data)
{
	g_autoptr(CsReadSink) sink = read_kind (fx, CS_KIND_EMAIL, NULL);
	g_autoptr(CsReadSink) again = NULL;
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	GPtrArray *recs = cs_read_sink_get_records (sink);
	guint in = 0, out = 0;

	g_assert_cmpuint (recs->len, ==, 4);
	for (guint i = 0; i < recs->len; i++) {
		CsRecord *r = g_ptr_array_index (recs, i);
		const gchar *dir = cs_record_get_string (r, "direction");
		g_assert_nonnull (cs_record_get_string (r, "messageId"));
		if (g_strcmp0 (dir, "inbound") == 0) {
			in++;
			g_assert_cmpstr (cs_record_get_string (r, "fromAddress"), !=,
					 "ada@contoso.example");
		} else {
			out++;
			g_assert_cmpstr (cs_record_get_string (r, "fromAddress"), ==,
					 "ada@contoso.example");
		}
	}
	g_assert_cmpuint (in, ==, 2);
	g_assert_cmpuint (out, ==, 2);
	emu (fx, "POST", "/_emulator/reset-stats");
	again = read_kind (fx, CS_KIND_EMAIL, cs_read_sink_get_cursor (sink));
	g_assert_cmpuint (cs_read_sink_get_records (again)->len, ==, 0);
	/* one delta per mail folder read (Inbox, Sent Items) */
	g_assert_cmpint (stat_of (fx, "deltaRequests"), ==, 2);
	g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, g_ptr_array_index (recs, 0)));
	write_ops (fx, CS_KIND_EMAIL, ops);
	g_assert_error (((CsWriteOp *) g_ptr_array_index (ops, 0))->error, CS_PROVIDER_ERROR,
			CS_PROVIDER_ERROR_READ_ONLY);
}

/* ------------------------------------------------------- get by id */

/* every kind by id, as a full listing gives it; a deleted or unknown id is
 * left out (gone), never an error */
static void
test_get_by_id (Fixture *fx, gconstpointer data)
{
	const CsKind kinds[] = {CS_KIND_CONTACT, CS_KIND_EVENT, CS_KIND_TASK, CS_KIND_EMAIL};

	for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
		g_autoptr(CsReadSink) sink = read_kind (fx, kinds[k], NULL);
		GPtrArray *listed = cs_read_sink_get_records (sink);
		g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
		g_autoptr(GPtrArray) got = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree gchar *deleted = NULL;

		g_assert_cmpuint (listed->len, >=, 2);
		for (guint i = 0; i < listed->len; i++)
			g_ptr_array_add (ids, g_strdup (cs_record_get_id (g_ptr_array_index (listed, i))));
		g_ptr_array_add (ids, g_strdup ("AAMkAGIxNoSuchItem"));
		if (kinds[k] != CS_KIND_EMAIL) {
			g_autoptr(GPtrArray) ops =
			    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
			CsRecord *victim = g_ptr_array_index (listed, 0);
			deleted = g_strdup (cs_record_get_id (victim));
			g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_DELETE, victim));
			write_ops (fx, kinds[k], ops);
		}
		g_assert_true (cs_provider_can_get (fx->provider));
		got = cs_provider_get (fx->provider, kinds[k], ids, NULL, &error);
		g_assert_no_error (error);
		g_assert_nonnull (got);
		g_assert_cmpuint (got->len, ==, listed->len - (deleted != NULL ? 1 : 0));
		for (guint i = 0; i < got->len; i++) {
			CsRecord *r = g_ptr_array_index (got, i);
			CsRecord *same = NULL;
			g_assert_cmpstr (cs_record_get_id (r), !=, deleted);
			for (guint j = 0; j < listed->len; j++)
				if (g_strcmp0 (cs_record_get_id (g_ptr_array_index (listed, j)),
					       cs_record_get_id (r)) == 0)
					same = g_ptr_array_index (listed, j);
			g_assert_nonnull (same);
			/* the same fields and values as the listing read */
			{
				g_autoptr(GVariant) a = cs_record_dup_fields (r);
				g_autoptr(GVariant) b = cs_record_dup_fields (same);
				g_autofree gchar *ta = g_variant_print (a, FALSE);
				g_autofree gchar *tb = g_variant_print (b, FALSE);
				g_assert_cmpstr (ta, ==, tb);
			}
		}
	}
}

/* ------------------------------------------------- faults and secrets */

static void
test_throttled_and_expired (Fixture *fx, gconstpointer data)
{
	g_autoptr(CsReadSink) sink = NULL;
	g_autoptr(CsReadSink) after = NULL;
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);

	/* the mailbox is busy for two requests: the run waits and finishes */
	g_assert_null (emu (fx, "POST", "/_emulator/throttle?count=2"));
	sink = read_kind (fx, CS_KIND_CONTACT, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 3);
	g_assert_cmpint (stat_of (fx, "throttled"), ==, 2);

	/* the access token expires mid-session: renewed with the refresh token */
	emu (fx, "POST", "/_emulator/expire-access-tokens");
	after = read_kind (fx, CS_KIND_CONTACT, cs_read_sink_get_cursor (sink));
	g_assert_cmpuint (cs_read_sink_get_records (after)->len, ==, 0);

	/* per-op failures: a bad zone and a vanished record fail alone */
	{
		g_autoptr(CsRecord) bad = event ("x", "2027-01-01T10:00:00Z", "2027-01-01T11:00:00Z",
						 FALSE);
		g_autoptr(CsRecord) good = event ("y", "2027-01-01T10:00:00Z",
						  "2027-01-01T11:00:00Z", FALSE);
		g_autoptr(CsRecord) gone = cs_record_new (CS_KIND_EVENT, "AAkALdoesnotexist");
		cs_record_set_string (bad, "timeZone", "Mars/Olympus");
		cs_record_set_string (gone, "subject", "z");
		g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, bad));
		g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_UPDATE, gone));
		g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, good));
		write_ops (fx, CS_KIND_EVENT, ops);
		g_assert_error (((CsWriteOp *) g_ptr_array_index (ops, 0))->error, CS_PROVIDER_ERROR,
				CS_PROVIDER_ERROR_INVALID);
		g_assert_nonnull (((CsWriteOp *) g_ptr_array_index (ops, 1))->error);
		g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops, 2))->error);
	}
}

/* a broken answer: one clear line, no cursor, nothing half-read */
static void
test_garbage (Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = cs_read_sink_new (CS_KIND_CONTACT, FALSE);
	g_assert_false (cs_provider_read_changes (fx->provider, CS_KIND_CONTACT, NULL, sink, NULL,
						  &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_BAD_ANSWER);
	g_assert_null (strchr (error->message, '\n'));
	g_assert_nonnull (strstr (error->message, "not JSON"));
	g_assert_null (cs_read_sink_get_cursor (sink));
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 0);
}

/* some answers garbled: each read is asked again, the whole listing arrives */
static void
test_garbled_reads (Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = cs_read_sink_new (CS_KIND_CONTACT, TRUE);
	g_assert_true (cs_provider_read_changes (fx->provider, CS_KIND_CONTACT, NULL, sink, NULL,
						 &error));
	g_assert_no_error (error);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 12);
	g_assert_nonnull (cs_read_sink_get_cursor (sink));
}

/* a garbled answer in the middle of a long write: the write fails with one
 * line, and every batch Outlook carried out is settled, so that nothing
 * exists in the mailbox that the engine does not know it made (a duplicate
 * on the next run) */
static void
test_garbled_batch (Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(GError) error = NULL;
	guint done = 0, failed = 0;

	emu (fx, "POST", "/_emulator/reset-stats");
	for (guint i = 0; i < 200; i++)
		g_ptr_array_add (ops, contact_create (i));
	g_assert_false (cs_provider_write (fx->provider, CS_KIND_CONTACT, ops, NULL, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_BAD_ANSWER);
	g_assert_null (strchr (error->message, '\n'));
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		if (op->id != NULL)
			done++;
		else
			failed++;
	}
	/* the seed garbles a batch after the first and before the last */
	g_assert_cmpuint (done, >=, 20);
	g_assert_cmpuint (failed, >=, 20);
	g_assert_cmpint (stat_of (fx, "writes"), ==, done);
}

/* every access and refresh token the emulator ever issued */
static GPtrArray *
issued_tokens (Fixture *fx)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	g_assert_cmpint (sqlite3_open_v2 (fx->db, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_prepare_v2 (db,
					     "SELECT token FROM tokens WHERE type IN ('access', 'refresh')",
					     -1, &stmt, NULL),
			 ==, SQLITE_OK);
	while (sqlite3_step (stmt) == SQLITE_ROW)
		g_ptr_array_add (out, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)));
	sqlite3_finalize (stmt);
	sqlite3_close (db);
	return out;
}

static void
test_tokens_private (Fixture *fx, gconstpointer data)
{
	g_autoptr(CsReadSink) a = NULL;
	g_autoptr(CsReadSink) b = NULL;
	g_autoptr(GPtrArray) tokens = NULL;
	g_autofree gchar *secret_file = NULL;
	GStatBuf st;

	/* work that makes requests and renews the token, all logged at debug level */
	a = read_kind (fx, CS_KIND_CONTACT, NULL);
	emu (fx, "POST", "/_emulator/expire-access-tokens");
	b = read_kind (fx, CS_KIND_TASK, NULL);
	tokens = issued_tokens (fx);
	g_assert_cmpuint (tokens->len, >=, 3);
	g_assert_cmpuint (logs->len, >, 0);
	for (guint i = 0; i < tokens->len; i++) {
		const gchar *t = g_ptr_array_index (tokens, i);
		g_assert_null (strstr (logs->str, t));
		g_assert_null (strstr (fx->profile_text, t));
		g_assert_null (strstr (cs_read_sink_get_cursor (a), t));
		g_assert_null (strstr (cs_read_sink_get_cursor (b), t));
	}
	/* the refresh token sits in the secret store, readable by its owner only */
	secret_file = g_build_filename (fx->dir, "secrets", "test.outlook.refresh-token", NULL);
	g_assert_cmpint (g_stat (secret_file, &st), ==, 0);
	g_assert_cmpint (st.st_mode & 077, ==, 0);
}

int
main (int argc, char **argv)
{
	g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
	g_setenv ("GIO_USE_VFS", "local", TRUE);
	g_test_init (&argc, &argv, NULL);
	logs = g_string_new (NULL);
	g_log_set_writer_func (log_writer, NULL, NULL);
	g_test_add ("/graph/provider/sign-in/device-code", Fixture, NULL, fixture_setup,
		    test_sign_in, fixture_teardown);
	g_test_add ("/graph/provider/sign-in/browser", Fixture, NULL, fixture_setup,
		    test_sign_in_browser, fixture_teardown);
	g_test_add ("/graph/provider/contacts", Fixture, "5", fixture_setup, test_contacts,
		    fixture_teardown);
	g_test_add ("/graph/provider/contacts/update-unread", Fixture, "0", fixture_setup,
		    test_contact_update_unread, fixture_teardown);
	g_test_add ("/graph/provider/events/dst-and-recurrence", Fixture, NULL, fixture_setup,
		    test_events_dst, fixture_teardown);
	g_test_add ("/graph/provider/tasks", Fixture, NULL, fixture_setup, test_tasks,
		    fixture_teardown);
	g_test_add ("/graph/provider/get-by-id", Fixture, "4", fixture_setup, test_get_by_id,
		    fixture_teardown);
	g_test_add ("/graph/provider/email", Fixture, "4", fixture_setup, test_email,
		    fixture_teardown);
	g_test_add ("/graph/provider/throttled-and-expired", Fixture, "3", fixture_setup,
		    test_throttled_and_expired, fixture_teardown);
	g_test_add ("/graph/provider/garbage-answer", Fixture, "3:garbage=1", fixture_setup,
		    test_garbage, fixture_teardown);
	g_test_add ("/graph/provider/garbled-batch-settled", Fixture, "0:garbage=0.2,seed=3",
		    fixture_setup, test_garbled_batch, fixture_teardown);
	g_test_add ("/graph/provider/garbled-reads-asked-again", Fixture, "12:garbage=0.4,seed=5",
		    fixture_setup, test_garbled_reads, fixture_teardown);
	g_test_add ("/graph/provider/tokens-stay-private", Fixture, "3", fixture_setup,
		    test_tokens_private, fixture_teardown);
	return g_test_run ();
}
