/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The webcrm plugin through its provider interface against crmsync-emulator
 * --api webcrm: what a user of the sync would notice (records, the company
 * rule, e-mail matching, meetings, auth, server faults, the rate limit).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "crmsync-plugin.h"
#include "cs-plugin-loader.h"
#include "emu-launch.h"

#define AUTH_CODE "0f9c1e2a-7b4d-4c1e-9a53-5e2f8d6b7a10"

typedef struct {
	GSubprocess *proc;
	gchar *origin;
	gchar *dir;
	CsProvider *provider;
	CsSecrets *secrets;
	SoupSession *session;
	gchar *token;
} Fx;

static void
fx_start_emulator (Fx *fx, const gchar *options, const gchar *generate, const gchar *faults)
{
	const gchar *args[5] = {NULL};
	guint n = 0;

	if (generate != NULL) {
		args[n++] = "--generate";
		args[n++] = generate;
	}
	if (faults != NULL) {
		args[n++] = "--faults";
		args[n++] = faults;
	}
	fx->proc = emu_launch_start ("webcrm", options, args, &fx->origin);
}

/* @extra: more [crm] lines, e.g. "edition=b2c\n" */
static CsProvider *
fx_provider (Fx *fx, const gchar *extra, const gchar *auth_code, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autofree gchar *secret_path = g_build_filename (fx->dir, "authcode", NULL);
	g_autofree gchar *ini
		= g_strdup_printf ("[crm]\nurl=%s\nsecret-file=%s\nuser=ada@example.org\n%s",
				   fx->origin, secret_path, extra != NULL ? extra : "");
	CsPluginLoader *loader = cs_plugin_loader_get_default ();
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(GError) error_local = NULL;

	g_assert_true (g_file_set_contents_full (secret_path, auth_code, -1,
						 G_FILE_SET_CONTENTS_NONE, 0600, NULL));
	g_assert_true (cs_plugin_loader_load_all (loader, NULL));
	provider = cs_plugin_loader_create (loader, "webcrm", &error_local);
	g_assert_no_error (error_local);
	g_assert_true (g_key_file_load_from_data (kf, ini, -1, G_KEY_FILE_NONE, NULL));
	cs_provider_set_secrets (provider, fx->secrets, "test", CS_SIDE_CRM);
	g_assert_true (cs_provider_setup (provider, kf, "crm", &error_local));
	g_assert_no_error (error_local);
	if (!cs_provider_open (provider, NULL, error))
		return NULL;
	return g_steal_pointer (&provider);
}

static void
fx_setup (Fx *fx, gconstpointer data)
{
	fx->dir = g_dir_make_tmp ("webcrm-test-XXXXXX", NULL);
	fx->secrets = cs_secrets_new_for_dir (fx->dir);
	fx->session = soup_session_new ();
}

static void
rm_rf (const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *p = g_build_filename (dir, name, NULL);
		g_unlink (p);
	}
	g_rmdir (dir);
}

static void
fx_teardown (Fx *fx, gconstpointer data)
{
	if (fx->provider != NULL)
		cs_provider_close (fx->provider);
	g_clear_object (&fx->provider);
	emu_launch_stop (&fx->proc);
	g_clear_object (&fx->secrets);
	g_clear_object (&fx->session);
	rm_rf (fx->dir);
	g_free (fx->dir);
	g_free (fx->origin);
	g_free (fx->token);
}

/* ---------------------------------------------------------------------------------------- */
/* looking at the emulator directly, as a webCRM user would in the web app */

static JsonNode *
api (Fx *fx, const gchar *method, const gchar *path, const gchar *body)
{
	g_autofree gchar *url = g_strconcat (fx->origin, path, NULL);
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();

	if (fx->token == NULL && !g_str_has_prefix (path, "/_emulator")) {
		g_autoptr(JsonNode) t = NULL;
		const gchar *form = "authCode=" AUTH_CODE;
		g_autofree gchar *login = g_strconcat (fx->origin, "/Auth/ApiLogin", NULL);
		g_autoptr(SoupMessage) lm = soup_message_new ("POST", login);
		g_autoptr(GBytes) lb = g_bytes_new (form, strlen (form));
		g_autoptr(GBytes) la = NULL;
		soup_message_set_request_body_from_bytes (lm, "application/x-www-form-urlencoded",
							  lb);
		la = soup_session_send_and_read (fx->session, lm, NULL, &error);
		g_assert_no_error (error);
		g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (la, NULL),
							   (gssize) g_bytes_get_size (la), NULL));
		fx->token = g_strdup (json_object_get_string_member (
		    json_node_get_object (json_parser_get_root (parser)), "AccessToken"));
	}
	msg = soup_message_new (method, url);
	if (fx->token != NULL) {
		g_autofree gchar *auth = g_strconcat ("Bearer ", fx->token, NULL);
		soup_message_headers_replace (soup_message_get_request_headers (msg),
					      "Authorization", auth);
	}
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
		soup_message_set_request_body_from_bytes (msg, "application/json", b);
	}
	answer = soup_session_send_and_read (fx->session, msg, NULL, &error);
	g_assert_no_error (error);
	if (soup_message_get_status (msg) == 429) {
		/* the test shares the token's quota with the plugin: wait as told */
		const gchar *ra = soup_message_headers_get_one (
		    soup_message_get_response_headers (msg), "Retry-After");
		g_assert_nonnull (ra);
		g_usleep ((gulong) g_ascii_strtoull (ra, NULL, 10) * G_USEC_PER_SEC);
		return api (fx, method, path, body);
	}
	if (g_bytes_get_size (answer) == 0)
		return json_node_new (JSON_NODE_NULL);
	g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
						   (gssize) g_bytes_get_size (answer), NULL));
	return json_node_ref (json_parser_get_root (parser));
}

static JsonObject *
api_get_object (Fx *fx, const gchar *path)
{
	g_autoptr(JsonNode) n = api (fx, "GET", path, NULL);
	g_assert_true (JSON_NODE_HOLDS_OBJECT (n));
	return json_object_ref (json_node_get_object (n));
}

static guint
api_count (Fx *fx, const gchar *script)
{
	g_autofree gchar *esc = g_uri_escape_string (script, NULL, FALSE);
	g_autofree gchar *path = g_strdup_printf ("/Queries?script=%s&Page=1&Size=1000", esc);
	g_autoptr(JsonNode) n = api (fx, "GET", path, NULL);
	g_assert_true (JSON_NODE_HOLDS_ARRAY (n));
	return json_array_get_length (json_node_get_array (n));
}

typedef struct {
	guint requests;	 /* counted ones: with a token */
	guint throttled; /* 429 answers */
	guint max_in_window;
	guint refreshes;
	guint logins;
} LogStats;

/* the emulator's request log, read the way a reviewer would check the rate */
static LogStats
log_stats (Fx *fx, gdouble window_s, const gchar *path_prefix)
{
	g_autoptr(JsonNode) n = api (fx, "GET", "/_emulator/log", NULL);
	JsonArray *a = json_node_get_array (n);
	g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
	LogStats st = {0};
	guint lo = 0;

	for (guint i = 0; i < json_array_get_length (a); i++) {
		JsonObject *e = json_array_get_object_element (a, i);
		const gchar *path = json_object_get_string_member (e, "path");
		gint64 status = json_object_get_int_member (e, "status");
		if (g_str_equal (path, "/Auth/ApiRefresh") && status == 200)
			st.refreshes++;
		if (g_str_equal (path, "/Auth/ApiLogin") && status == 200)
			st.logins++;
		if (g_str_equal (json_object_get_string_member (e, "app"), ""))
			continue;
		if (path_prefix != NULL && !g_str_has_prefix (path, path_prefix))
			continue;
		if (status == 429) {
			st.throttled++;
			continue;
		}
		st.requests++;
		{
			gint64 at = json_object_get_int_member (e, "at");
			g_array_append_val (times, at);
		}
	}
	for (guint hi = 0; hi < times->len; hi++) {
		while (g_array_index (times, gint64, hi) - g_array_index (times, gint64, lo) >=
		       (gint64) (window_s * G_USEC_PER_SEC))
			lo++;
		st.max_in_window = MAX (st.max_in_window, hi - lo + 1);
	}
	return st;
}

static CsReadSink *
read_all (CsProvider *p, CsKind kind, const gchar *cursor)
{
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, cursor == NULL);
	g_autoptr(GError) error = NULL;
	g_assert_true (cs_provider_read_changes (p, kind, cursor, sink, NULL, &error));
	g_assert_no_error (error);
	return g_steal_pointer (&sink);
}

static CsRecord *
by_id (CsReadSink *sink, const gchar *id)
{
	GPtrArray *r = cs_read_sink_get_records (sink);
	for (guint i = 0; i < r->len; i++)
		if (g_strcmp0 (cs_record_get_id (g_ptr_array_index (r, i)), id) == 0)
			return g_ptr_array_index (r, i);
	return NULL;
}

static CsWriteOp *
op_new (CsWriteAction action, CsKind kind, const gchar *id, ...) G_GNUC_NULL_TERMINATED;

/* name/value pairs of strings, NULL-terminated */
static CsWriteOp *
op_new (CsWriteAction action, CsKind kind, const gchar *id, ...)
{
	g_autoptr(CsRecord) rec = cs_record_new (kind, id);
	const gchar *name;
	va_list args;
	va_start (args, id);
	while ((name = va_arg (args, const gchar *)) != NULL)
		cs_record_set_string (rec, name, va_arg (args, const gchar *));
	va_end (args);
	return cs_write_op_new (action, rec);
}

static GPtrArray *
ops_new (void)
{
	return g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
}

static void
write_ok (CsProvider *p, CsKind kind, GPtrArray *ops)
{
	g_autoptr(GError) error = NULL;
	g_assert_true (cs_provider_write (p, kind, ops, NULL, &error));
	g_assert_no_error (error);
}

/* ---------------------------------------------------------------------------------------- */

/* every kind by id, as a full read gives it; an id webCRM does not have
 * (or that cannot be one of its ids) is left out, never an error */
static void
test_get_by_id (Fx *fx, gconstpointer data)
{
	const CsKind kinds[] = {CS_KIND_CONTACT, CS_KIND_ORGANISATION, CS_KIND_TASK,
				CS_KIND_EMAIL, CS_KIND_EVENT};
	g_autoptr(GError) error = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) d1 = g_date_time_add_days (now, 3);
	g_autofree gchar *start = g_date_time_format (d1, "%Y-%m-%dT08:00:00Z");
	g_autofree gchar *end = g_date_time_format (d1, "%Y-%m-%dT09:00:00Z");
	g_autoptr(GPtrArray) ops = ops_new ();

	fx_start_emulator (fx, NULL, "6", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	g_assert_true (cs_provider_can_get (fx->provider));
	g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_EVENT, NULL, "MeetingSubject",
				      "Kundemøde", "MeetingStart", start, "MeetingEnd", end,
				      "MeetingDescription", "Aftale", NULL));
	write_ok (fx->provider, CS_KIND_EVENT, ops);
	for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
		g_autoptr(CsReadSink) sink = read_all (fx->provider, kinds[k], NULL);
		GPtrArray *listed = cs_read_sink_get_records (sink);
		g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
		g_autoptr(GPtrArray) got = NULL;
		guint live = 0;

		for (guint i = 0; i < listed->len; i++) {
			CsRecord *r = g_ptr_array_index (listed, i);
			if (cs_record_is_deleted (r))
				continue;
			live++;
			g_ptr_array_add (ids, g_strdup (cs_record_get_id (r)));
		}
		if (kinds[k] != CS_KIND_EMAIL)
			g_assert_cmpuint (live, >=, 1);
		g_ptr_array_add (ids, g_strdup ("987654"));
		g_ptr_array_add (ids, g_strdup ("not-a-webcrm-id"));
		got = cs_provider_get (fx->provider, kinds[k], ids, NULL, &error);
		g_assert_no_error (error);
		g_assert_nonnull (got);
		g_assert_cmpuint (got->len, ==, live);
		for (guint i = 0; i < got->len; i++) {
			CsRecord *r = g_ptr_array_index (got, i);
			CsRecord *same = by_id (sink, cs_record_get_id (r));
			g_autoptr(GVariant) a = NULL;
			g_autoptr(GVariant) b = NULL;
			g_autofree gchar *ta = NULL;
			g_autofree gchar *tb = NULL;
			g_assert_nonnull (same);
			/* the same fields and values as the read gave */
			a = cs_record_dup_fields (r);
			b = cs_record_dup_fields (same);
			ta = g_variant_print (a, FALSE);
			tb = g_variant_print (b, FALSE);
			g_assert_cmpstr (ta, ==, tb);
		}
	}
}

/* persons come with "Organisation: Name - Division" and the organisation's owner */
static void
test_read_contacts (Fx *fx, gconstpointer data)
{
	g_autoptr(CsReadSink) full = NULL;
	g_autoptr(CsReadSink) delta = NULL;
	g_autoptr(CsReadSink) none = NULL;
	g_autoptr(CsReadSink) empty = NULL;
	g_autoptr(JsonNode) put = NULL;
	g_autoptr(JsonNode) rename = NULL;
	g_autoptr(GError) error = NULL;
	CsRecord *r;
	GPtrArray *records;

	fx_start_emulator (fx, NULL, "30", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	full = read_all (fx->provider, CS_KIND_CONTACT, NULL);
	records = cs_read_sink_get_records (full);
	g_assert_cmpuint (records->len, ==, 30);
	g_assert_true (cs_read_sink_get_complete (full));
	g_assert_nonnull (cs_read_sink_get_cursor (full));
	r = by_id (full, "1001");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "PersonFirstName"), ==, "Søren");
	g_assert_cmpstr (cs_record_get_string (r, "OrganisationNameDivision"), ==,
			 "Grøn Energi A/S");
	g_assert_cmpint (cs_record_get_int (r, "OrganisationOwner", 0), ==, 1);
	g_assert_nonnull (cs_record_get_version (r));
	/* a repeated company name is told apart by its division */
	r = by_id (full, "1009");
	g_assert_cmpstr (cs_record_get_string (r, "OrganisationNameDivision"), ==,
			 "Grøn Energi A/S - Afd. 2");

	/* nothing changed: while the second of the last stamps was not over, that second is
	 * read again (same versions); after it, the delta is empty */
	g_usleep (1100 * 1000);
	none = read_all (fx->provider, CS_KIND_CONTACT, cs_read_sink_get_cursor (full));
	for (guint i = 0; i < cs_read_sink_get_records (none)->len; i++) {
		CsRecord *again = g_ptr_array_index (cs_read_sink_get_records (none), i);
		g_assert_cmpstr (cs_record_get_version (again), ==,
				 cs_record_get_version (by_id (full, cs_record_get_id (again))));
	}
	empty = read_all (fx->provider, CS_KIND_CONTACT, cs_read_sink_get_cursor (none));
	g_assert_cmpuint (cs_read_sink_get_records (empty)->len, ==, 0);

	/* one person edited in webCRM, one organisation renamed */
	put = api (fx, "PUT", "/Persons/1005",
		   "{\"PersonOrganisationId\":1005,\"PersonFirstName\":\"Ændret\","
		   "\"PersonLastName\":\"Person\"}");
	rename = api (fx, "PATCH", "/Organisations",
		      "[{\"OrganisationId\":1002,\"OrganisationName\":\"Müller & Enkel GmbH\"}]");
	delta = read_all (fx->provider, CS_KIND_CONTACT, cs_read_sink_get_cursor (empty));
	g_assert_false (cs_read_sink_get_complete (delta));
	r = by_id (delta, "1005");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "PersonFirstName"), ==, "Ændret");
	/* persons 1002, 1032… of the renamed organisation: 30 persons over 30 orgs → 1002 */
	r = by_id (delta, "1002");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "OrganisationNameDivision"), ==,
			 "Müller & Enkel GmbH");
	g_assert_cmpuint (cs_read_sink_get_records (delta)->len, ==, 2);
}

/* the reference's rule: an existing company is joined, a new one is created once */
static void
test_company_join (Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ops = ops_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) joined = NULL;
	g_autoptr(JsonObject) new1 = NULL;
	g_autoptr(JsonObject) new2 = NULL;
	g_autoptr(JsonObject) org = NULL;
	g_autofree gchar *org_path = NULL;
	CsWriteOp *op;

	fx_start_emulator (fx, NULL, "8", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL, "PersonFirstName",
				      "Jørgen", "PersonLastName", "Rode",
				      "OrganisationNameDivision", "  grøn energi a/s ",
				      "PersonEmail", "jorgen.rode@webcrm.com", NULL));
	g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL, "PersonFirstName",
				      "Ida", "PersonLastName", "Ny", "OrganisationNameDivision",
				      "Nyt Firma ApS", NULL));
	g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL, "PersonFirstName",
				      "Ole", "PersonLastName", "Også", "OrganisationNameDivision",
				      "Nyt Firma ApS", NULL));
	g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL, "PersonFirstName",
				      "Uden", "PersonLastName", "Firma", NULL));
	write_ok (fx->provider, CS_KIND_CONTACT, ops);

	op = g_ptr_array_index (ops, 0);
	g_assert_no_error (op->error);
	g_assert_nonnull (op->id);
	{
		g_autofree gchar *path = g_strconcat ("/Persons/", op->id, NULL);
		joined = api_get_object (fx, path);
	}
	g_assert_cmpint (json_object_get_int_member (joined, "PersonOrganisationId"), ==, 1001);

	op = g_ptr_array_index (ops, 1);
	g_assert_no_error (op->error);
	{
		g_autofree gchar *path = g_strconcat ("/Persons/", op->id, NULL);
		new1 = api_get_object (fx, path);
	}
	op = g_ptr_array_index (ops, 2);
	g_assert_no_error (op->error);
	{
		g_autofree gchar *path = g_strconcat ("/Persons/", op->id, NULL);
		new2 = api_get_object (fx, path);
	}
	g_assert_cmpint (json_object_get_int_member (new1, "PersonOrganisationId"), ==,
			 json_object_get_int_member (new2, "PersonOrganisationId"));
	org_path = g_strdup_printf ("/Organisations/%" G_GINT64_FORMAT,
				    json_object_get_int_member (new1, "PersonOrganisationId"));
	org = api_get_object (fx, org_path);
	g_assert_cmpstr (json_object_get_string_member (org, "OrganisationName"), ==,
			 "Nyt Firma ApS");
	/* the new organisation belongs to the Outlook user (ada = 1) */
	g_assert_cmpint (json_object_get_int_member (org, "OrganisationOwner"), ==, 1);
	g_assert_cmpuint (api_count (fx, "SELECT * FROM Organisation WHERE OrganisationName = "
					 "'Nyt Firma ApS'"),
			  ==, 1);

	/* B2B: no company, no person — with a reason */
	op = g_ptr_array_index (ops, 3);
	g_assert_error (op->error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
	g_assert_nonnull (strstr (op->error->message, "company"));
	g_assert_cmpuint (api_count (fx, "SELECT * FROM Person WHERE PersonLastName = 'Firma'"), ==,
			  0);
}

static void
test_b2c (Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ops = ops_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	CsWriteOp *ok, *no_mail;

	fx_start_emulator (fx, NULL, "0", NULL);
	fx->provider = fx_provider (fx, "edition=b2c\n", AUTH_CODE, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_provider_get_caps (fx->provider, CS_KIND_ORGANISATION), ==, 0);
	g_ptr_array_add (ops,
			 op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL, "PersonFirstName", "Bo",
				 "PersonLastName", "Privat", "PersonEmail", "bo@privat.dk", NULL));
	g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL, "PersonFirstName",
				      "Uden", "PersonLastName", "Mail", "OrganisationNameDivision",
				      "Firma", NULL));
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	ok = g_ptr_array_index (ops, 0);
	no_mail = g_ptr_array_index (ops, 1);
	g_assert_no_error (ok->error);
	g_assert_error (no_mail->error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
	g_assert_nonnull (strstr (no_mail->error->message, "e-mail"));
	sink = read_all (fx->provider, CS_KIND_CONTACT, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 1);
	g_assert_false (cs_record_has_field (g_ptr_array_index (cs_read_sink_get_records (sink), 0),
					     "OrganisationNameDivision"));
}

/* an update keeps what it does not touch; a cleared field is cleared */
static void
test_update_keeps_fields (Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ops = ops_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	g_autoptr(JsonObject) after = NULL;
	CsWriteOp *op;

	fx_start_emulator (fx, NULL, "5", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	sink = read_all (fx->provider, CS_KIND_CONTACT, NULL);
	op = op_new (CS_WRITE_UPDATE, CS_KIND_CONTACT, "1003", "PersonTitle", "Direktør", NULL);
	cs_record_set_field (op->record, "PersonDirectPhone", cs_value_null ());
	g_ptr_array_add (ops, op);
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	{
		/* a session that has read nothing yet fetches the person, then writes it whole */
		g_autoptr(CsProvider) fresh = fx_provider (fx, NULL, AUTH_CODE, &error);
		g_autoptr(GPtrArray) ops2 = ops_new ();
		g_assert_no_error (error);
		g_ptr_array_add (ops2, op_new (CS_WRITE_UPDATE, CS_KIND_CONTACT, "1004",
					       "PersonMobilePhone", "+45 11 22 33 44", NULL));
		write_ok (fresh, CS_KIND_CONTACT, ops2);
		g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops2, 0))->error);
		cs_provider_close (fresh);
	}
	g_assert_no_error (op->error);
	g_assert_cmpstr (op->id, ==, "1003");
	after = api_get_object (fx, "/Persons/1003");
	g_assert_cmpstr (json_object_get_string_member (after, "PersonTitle"), ==, "Direktør");
	g_assert_cmpstr (json_object_get_string_member (after, "PersonEmail"), ==,
			 "person1003@example.org");
	g_assert_nonnull (
		strstr (json_object_get_string_member (after, "PersonComment"), "Møde 1"));
	g_assert_false (json_object_has_member (after, "PersonDirectPhone"));
	{
		g_autoptr(JsonObject) other = api_get_object (fx, "/Persons/1004");
		g_assert_cmpstr (json_object_get_string_member (other, "PersonMobilePhone"), ==,
				 "+45 11 22 33 44");
		g_assert_cmpstr (json_object_get_string_member (other, "PersonEmail"), ==,
				 "person1004@example.org");
	}
	{
		/* deletions never reach webCRM */
		g_autoptr(GPtrArray) del = ops_new ();
		CsWriteOp *d = op_new (CS_WRITE_DELETE, CS_KIND_CONTACT, "1002", NULL);
		g_ptr_array_add (del, d);
		write_ok (fx->provider, CS_KIND_CONTACT, del);
		g_assert_error (d->error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_READ_ONLY);
		g_assert_cmpuint (api_count (fx, "SELECT * FROM Person WHERE PersonId = 1002"), ==,
				  1);
	}
}

static void
test_tasks (Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ops = ops_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	g_autoptr(CsReadSink) delta = NULL;
	g_autoptr(JsonObject) act = NULL;
	g_autoptr(JsonNode) mail = NULL;
	CsRecord *r;
	CsWriteOp *op;
	g_autofree gchar *path = NULL;

	fx_start_emulator (fx, NULL, "6", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	/* an e-mail kept as an activity is not a task */
	mail = api (fx, "POST", "/Activities",
		    "{\"ActivityType\":\"E-mail\",\"ActivityStatus\":\"Completed\","
		    "\"ActivityDescription\":\"Re: tilbud\"}");
	sink = read_all (fx->provider, CS_KIND_TASK, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 6);
	r = by_id (sink, "1002");
	g_assert_cmpstr (cs_record_get_string (r, "ActivityDescription"), ==, "Ring til Åse");
	g_assert_cmpstr (cs_record_get_string (r, "ActivityResponsibleName"), ==, "Bo Sales");
	g_assert_cmpstr (cs_record_get_string (r, "ActivityStatus"), ==, "Active");
	g_assert_true (
		g_str_has_suffix (cs_record_get_string (r, "ActivityDateTime"), "T09:00:00Z"));

	/* a task made in Outlook: the Outlook user is responsible; pick-lists default */
	op = op_new (CS_WRITE_CREATE, CS_KIND_TASK, NULL, "ActivityDescription", "Send katalog",
		     "ActivityStatus", "Planned", "ActivityDateTime", "2026-12-01T10:00:00Z",
		     "ActivityComment", "Husk prisliste", NULL);
	g_ptr_array_add (ops, op);
	write_ok (fx->provider, CS_KIND_TASK, ops);
	g_assert_no_error (op->error);
	path = g_strconcat ("/Activities/", op->id, NULL);
	act = api_get_object (fx, path);
	g_assert_cmpint (json_object_get_int_member (act, "ActivityAssignedTo"), ==, 1);
	g_assert_cmpstr (json_object_get_string_member (act, "ActivityType"), ==, "Follow-up");
	g_assert_cmpstr (json_object_get_string_member (act, "ActivityComment"), ==,
			 "Husk prisliste");
	delta = read_all (fx->provider, CS_KIND_TASK, cs_read_sink_get_cursor (sink));
	g_assert_nonnull (by_id (delta, op->id));
}

static void
test_meetings (Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ops = ops_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	g_autoptr(CsReadSink) delta = NULL;
	g_autoptr(JsonObject) fair = NULL;
	g_autoptr(JsonObject) priv = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) d1 = g_date_time_add_days (now, 10);
	g_autoptr(GDateTime) d3 = g_date_time_add_days (now, 12);
	g_autofree gchar *start = g_date_time_format (d1, "%Y-%m-%dT08:00:00Z");
	g_autofree gchar *end = g_date_time_format (d3, "%Y-%m-%dT16:00:00Z");
	g_autofree gchar *day = g_date_time_format (d1, "%Y-%m-%d");
	g_autofree gchar *next_day = g_date_time_format (d3, "%Y-%m-%d");
	g_autofree gchar *path = NULL;
	CsWriteOp *multi, *star, *allday;
	CsRecord *r;
	LogStats before, after;

	fx_start_emulator (fx, NULL, "6", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	multi = op_new (CS_WRITE_CREATE, CS_KIND_EVENT, NULL, "MeetingSubject", "Messe i Herning",
			"MeetingStart", start, "MeetingEnd", end, "MeetingDescription", "Stand 12",
			"MeetingOrganisationNameDivision", "Fjord Logistik ApS", NULL);
	star = op_new (CS_WRITE_CREATE, CS_KIND_EVENT, NULL, "MeetingSubject", "Tandlæge",
		       "MeetingStart", start, "MeetingEnd", start,
		       "MeetingOrganisationNameDivision", "*", NULL);
	allday = op_new (CS_WRITE_CREATE, CS_KIND_EVENT, NULL, "MeetingSubject", "Ferie",
			 "MeetingStart", day, "MeetingEnd", next_day, NULL);
	cs_record_set_bool (allday->record, "MeetingIsAllDayMeeting", TRUE);
	g_ptr_array_add (ops, multi);
	g_ptr_array_add (ops, star);
	g_ptr_array_add (ops, allday);
	write_ok (fx->provider, CS_KIND_EVENT, ops);
	g_assert_no_error (multi->error);
	g_assert_no_error (star->error);
	g_assert_no_error (allday->error);
	path = g_strconcat ("/Meetings/", multi->id, NULL);
	fair = api_get_object (fx, path);
	/* multi-day stays multi-day (the old plug-in cut it to one day) */
	g_assert_cmpstr (json_object_get_string_member (fair, "MeetingEnd"), ==, end);
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
			     json_object_get_array_member (fair, "MeetingOrganisations"), 0),
						     "OrganisationId"),
			 ==, 1003);
	g_free (path);
	path = g_strconcat ("/Meetings/", star->id, NULL);
	priv = api_get_object (fx, path);
	g_assert_true (json_object_get_boolean_member (priv, "MeetingIsPrivate"));

	g_usleep (1100 * 1000); /* webCRM's stamps have whole seconds */
	sink = read_all (fx->provider, CS_KIND_EVENT, NULL);
	/* a date window is never all meetings: absence must not read as a deletion */
	g_assert_false (cs_read_sink_get_complete (sink));
	/* ada (1) has generated meetings 1001 and 1004 plus our three */
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 5);
	r = by_id (sink, multi->id);
	g_assert_cmpstr (cs_record_get_string (r, "MeetingStart"), ==, start);
	g_assert_cmpstr (cs_record_get_string (r, "MeetingEnd"), ==, end);
	g_assert_cmpstr (cs_record_get_string (r, "MeetingDescription"), ==, "Stand 12");
	g_assert_cmpstr (cs_record_get_string (r, "MeetingOrganisationNameDivision"), ==,
			 "Fjord Logistik ApS");
	r = by_id (sink, star->id);
	g_assert_cmpstr (cs_record_get_string (r, "MeetingOrganisationNameDivision"), ==, "*");
	/* the description we had to send for an empty one does not come back */
	g_assert_cmpstr (cs_record_get_string (r, "MeetingDescription"), ==, "");
	r = by_id (sink, allday->id);
	g_assert_cmpstr (cs_record_get_string (r, "MeetingStart"), ==, day);
	g_assert_cmpstr (cs_record_get_string (r, "MeetingEnd"), ==, next_day);

	/* the next read fetches only what changed, and notices a deletion */
	{
		g_autoptr(JsonNode) put = NULL;
		g_autoptr(JsonNode) del = NULL;
		g_autofree gchar *body = g_strdup_printf (
		    "{\"MeetingSubject\":\"Messe (flyttet)\",\"MeetingStart\":\"%s\","
		    "\"MeetingEnd\":\"%s\",\"MeetingDescription\":\"Stand 14\"}",
		    start, end);
		g_autofree gchar *mpath = g_strconcat ("/Meetings/", multi->id, NULL);
		g_autofree gchar *spath = g_strconcat ("/Meetings/", star->id, NULL);
		put = api (fx, "PUT", mpath, body);
		del = api (fx, "DELETE", spath, NULL);
	}
	before = log_stats (fx, 60, "/Meetings/");
	delta = read_all (fx->provider, CS_KIND_EVENT, cs_read_sink_get_cursor (sink));
	after = log_stats (fx, 60, "/Meetings/");
	g_assert_cmpuint (cs_read_sink_get_records (delta)->len, ==, 2);
	r = by_id (delta, multi->id);
	g_assert_cmpstr (cs_record_get_string (r, "MeetingSubject"), ==, "Messe (flyttet)");
	g_assert_cmpstr (cs_record_get_string (r, "MeetingDescription"), ==, "Stand 14");
	g_assert_true (cs_record_is_deleted (by_id (delta, star->id)));
	/* one GET for the changed meeting, one to confirm the deletion */
	g_assert_cmpuint (after.requests - before.requests, ==, 2);
}

/* e-mails: matched by address (first person when several), stored as activities */
static void
test_email (Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) found = NULL;
	g_autoptr(GPtrArray) nobody = NULL;
	g_autoptr(GPtrArray) ops = ops_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) twin = NULL;
	g_autoptr(JsonObject) act = NULL;
	g_autoptr(CsReadSink) mails = NULL;
	g_autoptr(CsReadSink) tasks = NULL;
	g_autofree gchar *path = NULL;
	CsWriteOp *op, *orphan;

	fx_start_emulator (fx, NULL, "4", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	/* a second person with the same address, as the second e-mail */
	twin = api (fx, "POST", "/Persons",
		    "{\"PersonOrganisationId\":1002,\"PersonLastName\":\"Tvilling\","
		    "\"PersonEmail2\":\"PERSON1003@example.org\"}");
	found = cs_provider_find (fx->provider, CS_KIND_CONTACT, "PersonEmail",
				  g_variant_new_string ("person1003@example.org "), NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (found->len, ==, 2);
	g_assert_cmpstr (cs_record_get_id (g_ptr_array_index (found, 0)), ==, "1003");
	nobody = cs_provider_find (fx->provider, CS_KIND_CONTACT, "PersonEmail",
				   g_variant_new_string ("ukendt@example.org"), NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (nobody->len, ==, 0);

	op = op_new (CS_WRITE_CREATE, CS_KIND_EMAIL, NULL, "EmailSubject", "Tilbud 2026",
		     "EmailBody", "Hej Søren,\nhermed tilbuddet.", "EmailDirection", "Outbound",
		     "EmailDateTime", "2026-02-03T10:15:00Z", "EmailFrom", "ada@example.org",
		     "EmailTo", "person1003@example.org", "EmailMessageId", "<abc@example.org>",
		     NULL);
	cs_record_set_int (op->record, "EmailPersonId", 1003);
	orphan = op_new (CS_WRITE_CREATE, CS_KIND_EMAIL, NULL, "EmailSubject", "Til ingen", NULL);
	g_ptr_array_add (ops, op);
	g_ptr_array_add (ops, orphan);
	write_ok (fx->provider, CS_KIND_EMAIL, ops);
	g_assert_no_error (op->error);
	g_assert_error (orphan->error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
	path = g_strconcat ("/Activities/", op->id, NULL);
	act = api_get_object (fx, path);
	g_assert_cmpstr (json_object_get_string_member (act, "ActivityType"), ==, "E-mail");
	g_assert_cmpstr (json_object_get_string_member (act, "ActivityStatus"), ==, "Completed");
	g_assert_cmpint (json_object_get_int_member (act, "ActivityPersonId"), ==, 1003);
	g_assert_cmpint (json_object_get_int_member (act, "ActivityOrganisationId"), ==, 1003);
	g_assert_cmpstr (json_object_get_string_member (act, "ActivityAction"), ==,
			 "Outbound e-mail");

	mails = read_all (fx->provider, CS_KIND_EMAIL, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (mails)->len, ==, 1);
	{
		CsRecord *m = g_ptr_array_index (cs_read_sink_get_records (mails), 0);
		g_assert_cmpstr (cs_record_get_string (m, "EmailBody"), ==,
				 "Hej Søren,\nhermed tilbuddet.");
		g_assert_cmpstr (cs_record_get_string (m, "EmailMessageId"), ==,
				 "<abc@example.org>");
		g_assert_cmpstr (cs_record_get_string (m, "EmailDirection"), ==, "Outbound");
	}
	tasks = read_all (fx->provider, CS_KIND_TASK, NULL);
	g_assert_null (by_id (tasks, op->id));
}

/* ⚠ if PATCH answers only the ids of inserted records, updates and creates still settle */
static void
test_patch_inserted_only (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ops = ops_new ();
	g_autoptr(JsonObject) upd = NULL;
	CsWriteOp *u, *c;

	fx_start_emulator (fx, "patch-inserted-only=true", "3", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	u = op_new (CS_WRITE_UPDATE, CS_KIND_CONTACT, "1002", "PersonTitle", "Ny titel", NULL);
	c = op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL, "PersonFirstName", "Ny",
		    "PersonLastName", "Person", "OrganisationNameDivision", "Grøn Energi A/S", NULL);
	g_ptr_array_add (ops, u);
	g_ptr_array_add (ops, c);
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	g_assert_no_error (u->error);
	g_assert_cmpstr (u->id, ==, "1002");
	g_assert_no_error (c->error);
	g_assert_cmpstr (c->id, ==, "1004");
	upd = api_get_object (fx, "/Persons/1002");
	g_assert_cmpstr (json_object_get_string_member (upd, "PersonTitle"), ==, "Ny titel");
}

/* an API token is no user: "owned" needs user=, and says so */
static void
test_whoami (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *me = NULL;
	g_autofree gchar *nobody = NULL;
	g_autoptr(CsProvider) anonymous = NULL;

	fx_start_emulator (fx, NULL, "1", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	me = cs_provider_whoami (fx->provider, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (me, ==, "1");
	/* the later of two keys wins in a key file: user= left empty */
	anonymous = fx_provider (fx, "user=\n", AUTH_CODE, &error);
	g_assert_no_error (error);
	nobody = cs_provider_whoami (anonymous, NULL, &error);
	g_assert_null (nobody);
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
	g_assert_nonnull (strstr (error->message, "user="));
	cs_provider_close (anonymous);
}

static void
test_auth_wrong_code (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProvider) p = NULL;

	fx_start_emulator (fx, NULL, "1", NULL);
	p = fx_provider (fx, NULL, "wrong-code", &error);
	g_assert_null (p);
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH);
	g_assert_nonnull (strstr (error->message, "API token"));
	g_assert_null (strstr (error->message, "wrong-code"));
	g_assert_null (strchr (error->message, '\n'));
}

/* the token expires mid-session: renewed with the refresh token, nothing lost */
static void
test_auth_expired (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) a = NULL;
	g_autoptr(CsReadSink) b = NULL;
	g_autoptr(JsonNode) ctl = NULL;
	g_autoptr(GPtrArray) ops = ops_new ();
	LogStats st;
	CsWriteOp *op;

	fx_start_emulator (fx, NULL, "10", NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	a = read_all (fx->provider, CS_KIND_CONTACT, NULL);
	ctl = api (fx, "POST", "/_emulator/expire-tokens", NULL);
	b = read_all (fx->provider, CS_KIND_CONTACT, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (b)->len, ==, 10);
	g_clear_pointer (&ctl, json_node_unref);
	ctl = api (fx, "POST", "/_emulator/expire-tokens", NULL);
	op = op_new (CS_WRITE_UPDATE, CS_KIND_CONTACT, "1001", "PersonTitle", "Chef", NULL);
	g_ptr_array_add (ops, op);
	g_clear_pointer (&fx->token, g_free);
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	g_assert_no_error (op->error);
	st = log_stats (fx, 60, NULL);
	/* one login at open (and ours), then two refreshes — no second login with the code */
	g_assert_cmpuint (st.refreshes, ==, 2);
	{
		g_autoptr(JsonObject) p = api_get_object (fx, "/Persons/1001");
		g_assert_cmpstr (json_object_get_string_member (p, "PersonTitle"), ==, "Chef");
	}
}

/* 5xx and dropped connections are retried; every record arrives exactly once */
static void
test_server_errors (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	g_autoptr(GPtrArray) ops = ops_new ();

	fx_start_emulator (fx, NULL, "40", "500=0.25,seed=3");
	fx->provider = fx_provider (fx, "batch-size=5\n", AUTH_CODE, &error);
	g_assert_no_error (error);
	sink = read_all (fx->provider, CS_KIND_CONTACT, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 40);
	for (guint i = 0; i < 20; i++) {
		g_autofree gchar *last = g_strdup_printf ("Fejl%u", i);
		g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL,
					      "PersonFirstName", "Retry", "PersonLastName", last,
					      "OrganisationNameDivision", "Ærø Shipping", NULL));
	}
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	for (guint i = 0; i < ops->len; i++)
		g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops, i))->error);
	g_assert_cmpuint (api_count (fx, "SELECT * FROM Person WHERE PersonFirstName = 'Retry'"),
			  ==, 20);
}

/* a server that keeps failing: a clear one-line error, each op told, nothing half-done */
static void
test_fault_garbage (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProvider) p = NULL;

	fx_start_emulator (fx, NULL, "3", "garbage=1");
	/* the login is answered with garbage too: a broken answer, not a refused
	 * token (the app would ask the user to check the token) */
	p = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_null (p);
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK);
	g_assert_null (strstr (error->message, "check the API token"));
	g_assert_null (strchr (error->message, '\n'));
	g_assert_null (strstr (error->message, AUTH_CODE));
}

/* some answers garbled: the login and each read are asked again, every person arrives */
static void
test_fault_garbled_reads (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;

	fx_start_emulator (fx, NULL, "40", "garbage=0.4,seed=5");
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	sink = read_all (fx->provider, CS_KIND_CONTACT, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 40);
}

static void
test_fault_always_500 (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fx_start_emulator (fx, NULL, "3", "500=1,retry-after=0");
	fx->provider = NULL;
	{
		/* 500 on everything, the login included: NETWORK, after the retries */
		g_autoptr(CsProvider) p = fx_provider (fx, NULL, AUTH_CODE, &error);
		g_assert_null (p);
		g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK);
		g_assert_nonnull (strstr (error->message, "500"));
	}
}

/* pacing against a lowered window (the real 250/min in /webcrm/provider/throttle/5000):
 * many small batches, never a 429, never more than the limit in any window */
static void
test_throttle_pacing (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ops = ops_new ();
	LogStats st;

	fx_start_emulator (fx, "rate-limit=20,rate-window=2", "2", NULL);
	fx->provider = fx_provider (fx, "rate-limit=20\nrate-window=2\nbatch-size=4\n", AUTH_CODE,
				    &error);
	g_assert_no_error (error);
	for (guint i = 0; i < 120; i++) {
		g_autofree gchar *last = g_strdup_printf ("Tempo%u", i);
		g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL,
					      "PersonFirstName", "Pace", "PersonLastName", last,
					      "OrganisationNameDivision", "Grøn Energi A/S", NULL));
	}
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	for (guint i = 0; i < ops->len; i++)
		g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops, i))->error);
	st = log_stats (fx, 2, NULL);
	g_assert_cmpuint (st.requests, >=, 30);
	g_assert_cmpuint (st.throttled, ==, 0);
	g_assert_cmpuint (st.max_in_window, <=, 20);
	g_assert_cmpuint (api_count (fx, "SELECT * FROM Person WHERE PersonFirstName = 'Pace'"), ==,
			  120);
}

/* someone else spends the quota: 429 + Retry-After is honoured, nothing lost or doubled */
static void
test_throttle_retry_after (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ops = ops_new ();
	LogStats st;

	fx_start_emulator (fx, "rate-limit=10,rate-window=2", "2", NULL);
	/* no pacing of our own: as if another program shared the token */
	fx->provider = fx_provider (fx, "rate-limit=0\nbatch-size=2\n", AUTH_CODE, &error);
	g_assert_no_error (error);
	for (guint i = 0; i < 30; i++) {
		g_autofree gchar *last = g_strdup_printf ("Kø%u", i);
		g_ptr_array_add (ops,
				 op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL, "PersonFirstName",
					 "Throttled", "PersonLastName", last,
					 "OrganisationNameDivision", "Grøn Energi A/S", NULL));
	}
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	for (guint i = 0; i < ops->len; i++)
		g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops, i))->error);
	st = log_stats (fx, 2, NULL);
	g_assert_cmpuint (st.throttled, >, 0);
	g_assert_cmpuint (
		api_count (fx, "SELECT * FROM Person WHERE PersonFirstName = 'Throttled'"), ==, 30);
}

/* CRMSYNC_TEST_SMALL (the leak check, under LeakSanitizer) makes the
 * 5,000-record figures 500: the same code paths, a tenth of the time */
static guint
big_count (void)
{
	return g_getenv ("CRMSYNC_TEST_SMALL") != NULL ? 500 : 5000;
}

/* the figure: a first sync of 5,000 persons at webCRM's real 250/min */
static void
test_throttle_5000 (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	g_autoptr(GPtrArray) ops = ops_new ();
	LogStats st;
	gint64 t0, t1;
	guint n = big_count ();
	g_autofree gchar *n_text = g_strdup_printf ("%u", n);

	fx_start_emulator (fx, NULL, n_text, NULL);
	fx->provider = fx_provider (fx, NULL, AUTH_CODE, &error);
	g_assert_no_error (error);
	t0 = g_get_monotonic_time ();
	sink = read_all (fx->provider, CS_KIND_CONTACT, NULL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, n);
	/* and 5,000 Outlook contacts the other way */
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *last = g_strdup_printf ("Outlook%04u", i);
		g_autofree gchar *company = g_strdup_printf ("Outlook Firma %u", i % 50);
		g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL,
					      "PersonFirstName", "Fem", "PersonLastName", last,
					      "OrganisationNameDivision", company, NULL));
	}
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	t1 = g_get_monotonic_time ();
	for (guint i = 0; i < ops->len; i++)
		g_assert_no_error (((CsWriteOp *) g_ptr_array_index (ops, i))->error);
	st = log_stats (fx, 60, NULL);
	g_test_message ("%u read + %u written: %u requests, max %u in 60 s, %u throttled, "
			"%.1f s",
			n, n, st.requests, st.max_in_window, st.throttled,
			(gdouble) (t1 - t0) / G_USEC_PER_SEC);
	g_assert_cmpuint (st.throttled, ==, 0);
	g_assert_cmpuint (st.max_in_window, <=, 250);
}

/* soak: one person per request, so the real limit is what sets the pace (minutes) */
static void
test_throttle_soak (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ops = ops_new ();
	LogStats st;
	gint64 t0 = g_get_monotonic_time ();
	guint n = 600;

	fx_start_emulator (fx, NULL, "2", NULL);
	fx->provider = fx_provider (fx, "batch-size=1\n", AUTH_CODE, &error);
	g_assert_no_error (error);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *last = g_strdup_printf ("Soak%u", i);
		g_ptr_array_add (ops, op_new (CS_WRITE_CREATE, CS_KIND_CONTACT, NULL,
					      "PersonFirstName", "Soak", "PersonLastName", last,
					      "OrganisationNameDivision", "Grøn Energi A/S", NULL));
	}
	write_ok (fx->provider, CS_KIND_CONTACT, ops);
	st = log_stats (fx, 60, NULL);
	g_test_message ("%u single writes: %u requests, max %u in any 60 s, %u throttled, %.0f s",
			n, st.requests, st.max_in_window, st.throttled,
			(gdouble) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
	g_assert_cmpuint (st.throttled, ==, 0);
	g_assert_cmpuint (st.max_in_window, <=, 250);
	g_assert_cmpuint (st.requests, >=, n);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/webcrm/provider/" path, Fx, NULL, fx_setup, fn, fx_teardown)
	ADD ("get-by-id", test_get_by_id);
	if (g_getenv ("WEBCRM_SOAK") != NULL) {
		ADD ("throttle/soak-250", test_throttle_soak);
		return g_test_run ();
	}
	ADD ("read/contacts-b2b", test_read_contacts);
	ADD ("write/company-join", test_company_join);
	ADD ("write/b2c", test_b2c);
	ADD ("write/update-keeps-fields", test_update_keeps_fields);
	ADD ("write/patch-inserted-only", test_patch_inserted_only);
	ADD ("tasks", test_tasks);
	ADD ("meetings", test_meetings);
	ADD ("email", test_email);
	ADD ("auth/whoami", test_whoami);
	ADD ("auth/wrong-code", test_auth_wrong_code);
	ADD ("auth/expired-token", test_auth_expired);
	ADD ("faults/server-errors", test_server_errors);
	ADD ("faults/garbage", test_fault_garbage);
	ADD ("faults/garbled-reads-asked-again", test_fault_garbled_reads);
	ADD ("faults/always-500", test_fault_always_500);
	ADD ("throttle/pacing", test_throttle_pacing);
	ADD ("throttle/retry-after", test_throttle_retry_after);
	ADD ("throttle/5000", test_throttle_5000);
#undef ADD
	return g_test_run ();
}
