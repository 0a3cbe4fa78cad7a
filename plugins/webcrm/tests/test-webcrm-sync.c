/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * End to end: crmsync-cli sync with the webCRM presets, the webcrm plugin
 * against crmsync-emulator --api webcrm, and a folder side speaking the
 * Outlook schema as Outlook. Each test is one rule of the webCRM Outlook
 * guide as a user would see it.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>

#include "cli-fixture.h"
#include "emu-launch.h"

#define AUTH_CODE "0f9c1e2a-7b4d-4c1e-9a53-5e2f8d6b7a10"

typedef struct {
	CliFixture cli;
	GSubprocess *proc;
	gchar *origin;
	SoupSession *session;
	gchar *token;
} Fx;

static void
start_emulator (Fx *fx, const gchar *options, const gchar *generate, const gchar *faults)
{
	const gchar *args[] = {"--generate", generate != NULL ? generate : "0",
			       faults != NULL ? "--faults" : NULL, faults, NULL};

	fx->proc = emu_launch_start ("webcrm", options, args, &fx->origin);
}

/* the profile a user would write: preset, CRM URL and user, Outlook as a folder */
static void
write_profile (Fx *fx, const gchar *preset, const gchar *auth_code, const gchar *extra)
{
	g_autofree gchar *code = g_build_filename (fx->cli.dir, "authcode", NULL);
	g_autofree gchar *text = g_strdup_printf (
	    "[profile]\nname=webCRM test\ncrm=webcrm\noutlook=folder\npreset=%s\nstate=state.db\n"
	    "[crm]\nurl=%s\nsecret-file=authcode\nuser=ada@example.org\n"
	    "[outlook]\npath=outlook\nschema=outlook\n%s",
	    preset, fx->origin, extra != NULL ? extra : "");
	g_assert_true (g_file_set_contents (fx->cli.profile, text, -1, NULL));
	g_assert_true (g_file_set_contents_full (code, auth_code, -1, G_FILE_SET_CONTENTS_NONE,
						 0600, NULL));
}

static void
fx_setup (Fx *fx, gconstpointer data)
{
	cli_fixture_init (&fx->cli, NULL);
	fx->session = soup_session_new ();
}

static void
fx_teardown (Fx *fx, gconstpointer data)
{
	emu_launch_stop (&fx->proc);
	g_clear_object (&fx->session);
	g_free (fx->origin);
	g_free (fx->token);
	cli_fixture_clear (&fx->cli);
}

static gint
run_sync (Fx *fx)
{
	return cli_run (&fx->cli, NULL, "sync", "--profile", "@P", "--json", NULL);
}

/* webCRM as its web app shows it */
static JsonNode *
api (Fx *fx, const gchar *method, const gchar *path, const gchar *body)
{
	g_autofree gchar *url = g_strconcat (fx->origin, path, NULL);
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();

	if (fx->token == NULL && !g_str_has_prefix (path, "/_emulator")) {
		const gchar *form = "authCode=" AUTH_CODE;
		g_autofree gchar *login = g_strconcat (fx->origin, "/Auth/ApiLogin", NULL);
		g_autoptr(SoupMessage) lm = soup_message_new ("POST", login);
		g_autoptr(GBytes) lb = g_bytes_new (form, strlen (form));
		g_autoptr(GBytes) la = NULL;
		soup_message_set_request_body_from_bytes (lm, "application/x-www-form-urlencoded",
							  lb);
		la = soup_session_send_and_read (fx->session, lm, NULL, &error);
		if (la == NULL || soup_message_get_status (lm) != 200 ||
		    !json_parser_load_from_data (parser, g_bytes_get_data (la, NULL),
						 (gssize) g_bytes_get_size (la), NULL)) {
			/* --faults hit the test's own login too: ask again */
			g_usleep (50000);
			return api (fx, method, path, body);
		}
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
	if (answer == NULL || soup_message_get_status (msg) >= 500 ||
	    (soup_message_get_status (msg) == 200 && g_bytes_get_size (answer) > 0 &&
	     !json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
					  (gssize) g_bytes_get_size (answer), NULL))) {
		/* --faults hit the test's own look too: ask again */
		g_usleep (50000);
		return api (fx, method, path, body);
	}
	if (soup_message_get_status (msg) == 429) {
		const gchar *ra = soup_message_headers_get_one (
		    soup_message_get_response_headers (msg), "Retry-After");
		g_usleep ((gulong)g_ascii_strtoull (ra != NULL ? ra : "1", NULL, 10)
			  * G_USEC_PER_SEC);
		return api (fx, method, path, body);
	}
	if (g_bytes_get_size (answer) == 0)
		return json_node_new (JSON_NODE_NULL);
	g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
						   (gssize) g_bytes_get_size (answer), NULL));
	return json_node_ref (json_parser_get_root (parser));
}

static JsonArray *
api_query (Fx *fx, const gchar *script)
{
	g_autofree gchar *esc = g_uri_escape_string (script, NULL, FALSE);
	g_autofree gchar *path = g_strdup_printf ("/Queries?script=%s&Page=1&Size=1000", esc);
	g_autoptr(JsonNode) n = api (fx, "GET", path, NULL);
	g_assert_true (JSON_NODE_HOLDS_ARRAY (n));
	return json_array_ref (json_node_get_array (n));
}

static JsonObject *
outlook_find (Fx *fx, const gchar *kind, const gchar *field, const gchar *value)
{
	return cli_find (&fx->cli, "outlook", kind, field, value);
}

/* the skipped entry of the JSON report for @kind whose reason contains @needle */
static gboolean
skipped_with (Fx *fx, const gchar *kind, const gchar *needle)
{
	JsonArray *a;
	if (fx->cli.report == NULL)
		return FALSE;
	a = json_object_get_array_member (json_node_get_object (fx->cli.report), "skipped");
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		JsonObject *s = json_array_get_object_element (a, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (s, "kind", ""), kind)
			    == 0
		    && strstr (json_object_get_string_member_with_default (s, "reason", ""), needle)
			       != NULL)
			return TRUE;
	}
	return FALSE;
}

/* the excluded entry for @kind whose reason contains @needle, counted @count times */
static gboolean
excluded_with (Fx *fx, const gchar *kind, const gchar *needle, gint64 count)
{
	JsonArray *a;
	if (fx->cli.report == NULL)
		return FALSE;
	a = json_object_get_array_member (json_node_get_object (fx->cli.report), "excluded");
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		JsonObject *s = json_array_get_object_element (a, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (s, "kind", ""), kind) == 0 &&
		    strstr (json_object_get_string_member_with_default (s, "reason", ""), needle) != NULL &&
		    json_object_get_int_member_with_default (s, "count", 0) == count)
			return TRUE;
	}
	return FALSE;
}

/* ---------------------------------------------------------------------------------------- */

/* first sync: only what the Outlook user is responsible for; completed activities stay;
 * reminders 0:10 and 3:00 on what arrives in Outlook; a second run changes nothing */
static void
test_first_sync (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonNode) done = NULL;
	g_autoptr(JsonObject) soren = NULL;
	g_autoptr(JsonObject) task = NULL;
	g_autoptr(JsonObject) meeting = NULL;

	start_emulator (fx, NULL, "6", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	done = api (fx, "POST", "/Activities",
		    "{\"ActivityAssignedTo\":1,\"ActivityStatus\":\"Completed\","
		    "\"ActivityDescription\":\"Allerede ringet\",\"ActivityOrganisationId\":1001}");
	/* the completed activity is kept out by the rules: counted in excluded with
	 * the reason, not a skip the user must act on, so the run is not partial */
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_false (skipped_with (fx, "task", "completed"));
	g_assert_true (excluded_with (fx, "task", "completed", 1));
	/* ada owns organisations 1001 and 1004: their persons, her activities and meetings */
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "contact"), ==, 2);
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "task"), ==, 2);
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "event"), ==, 2);
	g_assert_null (outlook_find (fx, "task", "subject", "Allerede ringet"));
	soren = outlook_find (fx, "contact", "givenName", "Søren");
	g_assert_nonnull (soren);
	g_assert_cmpstr (json_object_get_string_member (soren, "companyName"), ==,
			 "Grøn Energi A/S");
	g_assert_cmpstr (json_object_get_string_member (soren, "email1"), ==,
			 "person1001@example.org");
	g_assert_cmpstr (json_object_get_string_member (soren, "businessPhone"), ==,
			 "+45 20000000");
	task = outlook_find (fx, "task", "subject", "Ring til Søren");
	g_assert_nonnull (task);
	g_assert_cmpstr (json_object_get_string_member (task, "status"), ==, "notStarted");
	g_assert_cmpstr (json_object_get_string_member (task, "owner"), ==, "Ada Admin");
	g_assert_true (json_object_get_boolean_member (task, "isReminderOn"));
	{
		/* 0:10 before the due date */
		g_autofree gchar *due = g_strconcat (
			json_object_get_string_member (task, "dueDate"), "T00:00:00Z", NULL);
		g_autoptr(GDateTime) d = g_date_time_new_from_iso8601 (due, NULL);
		g_autoptr(GDateTime) r = g_date_time_new_from_iso8601 (
		    json_object_get_string_member (task, "reminderDateTime"), NULL);
		g_assert_cmpint (g_date_time_difference (d, r), ==, 10 * G_TIME_SPAN_MINUTE);
	}
	meeting = outlook_find (fx, "event", "subject", "Møde med Grøn Energi A/S");
	g_assert_nonnull (meeting);
	g_assert_cmpint (json_object_get_int_member (meeting, "reminderMinutesBeforeStart"), ==,
			 180);
	g_assert_cmpstr (json_object_get_string_member (meeting, "body"), ==,
			 "[/]Dagsorden: tilbud, levering.[\\]");

	/* the completed activity is counted again only if it was read again (within the
	 * second of its stamp); either way nothing else happens */
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpuint (cli_report_len (&fx->cli, "skipped"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "outlook", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "outlook", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "crm", "task"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "outlook", "event"), ==, 0);
}

/* a new Outlook contact joins an existing company, or its company is created; without a
 * company it is skipped with the reason in the report */
static void
test_company_rule (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonArray) joined = NULL;
	g_autoptr(JsonArray) created = NULL;
	g_autoptr(JsonArray) orgs = NULL;
	g_autoptr(JsonArray) none = NULL;

	start_emulator (fx, NULL, "3", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	g_free (cli_put (
		&fx->cli, "outlook", "contact", "jr",
		"{\"givenName\":\"Jorgen\",\"surname\":\"Rode\",\"companyName\":\"Grøn "
		"Energi A/S\",\"jobTitle\":\"Director\",\"email1\":\"jorgen.rode@webcrm.com\"}"));
	g_free (cli_put (
		&fx->cli, "outlook", "contact", "nf",
		"{\"givenName\":\"Nina\",\"surname\":\"Ny\",\"companyName\":\"Nyt Firma ApS\"}"));
	g_free (cli_put (&fx->cli, "outlook", "contact", "nc",
			 "{\"givenName\":\"Uden\",\"surname\":\"Firma\",\"email1\":\"u@f.dk\"}"));
	g_assert_cmpint (run_sync (fx), ==, 1); /* partial: one skipped */
	g_assert_true (skipped_with (fx, "contact", "company"));
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "contact"), ==, 2);

	joined = api_query (fx, "SELECT * FROM Person WHERE PersonLastName = 'Rode'");
	g_assert_cmpuint (json_array_get_length (joined), ==, 1);
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (joined, 0),
						     "PersonOrganisationId"),
			 ==, 1001);
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (joined, 0),
							"PersonTitle"),
			 ==, "Director");
	created = api_query (fx, "SELECT * FROM Person WHERE PersonLastName = 'Ny'");
	orgs = api_query (fx,
			  "SELECT * FROM Organisation WHERE OrganisationName = 'Nyt Firma ApS'");
	g_assert_cmpuint (json_array_get_length (orgs), ==, 1);
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (created, 0),
						     "PersonOrganisationId"),
			 ==,
			 json_object_get_int_member (json_array_get_object_element (orgs, 0),
						     "OrganisationId"));
	none = api_query (fx, "SELECT * FROM Person WHERE PersonLastName = 'Firma'");
	g_assert_cmpuint (json_array_get_length (none), ==, 0);
}

static void
test_b2c_needs_email (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonArray) bo = NULL;
	g_autoptr(JsonArray) nomail = NULL;

	start_emulator (fx, NULL, "0", NULL);
	write_profile (fx, "webcrm-b2c", AUTH_CODE, NULL);
	g_free (cli_put (
		&fx->cli, "outlook", "contact", "bo",
		"{\"givenName\":\"Bo\",\"surname\":\"Privat\",\"email1\":\"bo@privat.dk\"}"));
	g_free (cli_put (&fx->cli, "outlook", "contact", "nm",
			 "{\"givenName\":\"Ingen\",\"surname\":\"Mail\",\"companyName\":\"X\"}"));
	g_assert_cmpint (run_sync (fx), ==, 1);
	g_assert_true (skipped_with (fx, "contact", "e-mail"));
	bo = api_query (fx, "SELECT * FROM Person WHERE PersonEmail = 'bo@privat.dk'");
	g_assert_cmpuint (json_array_get_length (bo), ==, 1);
	/* B2C persons have no organisation */
	g_assert_false (json_object_has_member (json_array_get_object_element (bo, 0),
						"PersonOrganisationId") &&
			json_object_get_int_member (json_array_get_object_element (bo, 0),
						    "PersonOrganisationId") != 0);
	nomail = api_query (fx, "SELECT * FROM Person WHERE PersonLastName = 'Mail'");
	g_assert_cmpuint (json_array_get_length (nomail), ==, 0);
}

/* comments travel between [/] and [\]; what the Outlook user adds after [\] reaches
 * webCRM once, and ten more runs do not grow either side */
static void
test_comment_markers (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonNode) made = NULL;
	g_autoptr(JsonObject) task = NULL;
	g_autofree gchar *crm_after = NULL;
	g_autofree gchar *outlook_after = NULL;
	GPtrArray *ids;
	const gchar *id = NULL;

	start_emulator (fx, NULL, "0", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	made = api (fx, "POST", "/Activities",
		    "{\"ActivityAssignedTo\":1,\"ActivityStatus\":\"Planned\","
		    "\"ActivityDescription\":\"Følg op på tilbud\",\"ActivityDateTime\":"
		    "\"2026-12-01T09:00:00Z\",\"ActivityComment\":\"Ring efter kl. 14\"}");
	g_assert_cmpint (run_sync (fx), ==, 0);
	task = outlook_find (fx, "task", "subject", "Følg op på tilbud");
	g_assert_nonnull (task);
	g_assert_cmpstr (json_object_get_string_member (task, "body"), ==,
			 "[/]Ring efter kl. 14[\\]");

	/* the Outlook user writes after the closing marker */
	ids = cli_list (&fx->cli, "outlook", "task");
	g_assert_cmpuint (ids->len, ==, 1);
	id = g_ptr_array_index (ids, 0);
	json_object_set_string_member (
		task, "body", "[/]Ring efter kl. 14[\\]\nKunden vil have tilbud på 40 stk.");
	{
		g_autoptr(JsonNode) n = json_node_init_object (json_node_alloc (), task);
		g_autofree gchar *text = json_to_string (n, TRUE);
		g_free (cli_put (&fx->cli, "outlook", "task", id, text));
	}
	for (guint round = 0; round < 11; round++) {
		g_autoptr(JsonArray) acts = NULL;
		g_autoptr(JsonObject) t = NULL;
		const gchar *comment;
		g_assert_cmpint (run_sync (fx), ==, 0);
		acts = api_query (fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Følg op "
				      "på tilbud'");
		g_assert_cmpuint (json_array_get_length (acts), ==, 1);
		comment = json_object_get_string_member (json_array_get_object_element (acts, 0),
							 "ActivityComment");
		t = cli_get (&fx->cli, "outlook", "task", id);
		g_assert_nonnull (strstr (comment, "Ring efter kl. 14"));
		g_assert_nonnull (strstr (comment, "40 stk."));
		/* once, never twice */
		g_assert_null (strstr (strstr (comment, "40 stk.") + 1, "40 stk."));
		if (round == 0) {
			crm_after = g_strdup (comment);
			outlook_after = g_strdup (json_object_get_string_member (t, "body"));
		} else {
			g_assert_cmpstr (comment, ==, crm_after);
			g_assert_cmpstr (json_object_get_string_member (t, "body"), ==,
					 outlook_after);
		}
	}
	g_ptr_array_unref (ids);
}

/* the guide: "When Activities are synchronised into Outlook any notes from the
 * activity are also copied into the body of the task". They sit inside the
 * markers after the comment and never travel back into the comment; what the
 * Outlook user writes after the markers still does, once */
static void
test_activity_notes (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonNode) made = NULL;
	g_autoptr(JsonNode) n1 = NULL;
	g_autoptr(JsonNode) n2 = NULL;
	g_autoptr(JsonObject) task = NULL;
	g_autoptr(JsonObject) again = NULL;
	g_autoptr(JsonArray) acts = NULL;
	g_autofree gchar *notes_path = NULL;
	g_autofree gchar *body_before = NULL;
	const gchar *body;
	const gchar *comment;
	GPtrArray *ids;

	start_emulator (fx, NULL, "0", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	made = api (fx, "POST", "/Activities",
		    "{\"ActivityAssignedTo\":1,\"ActivityStatus\":\"Planned\","
		    "\"ActivityDescription\":\"Send kontrakt\",\"ActivityDateTime\":"
		    "\"2026-12-02T09:00:00Z\",\"ActivityComment\":\"Husk bilag\"}");
	notes_path = g_strdup_printf ("/Activities/%" G_GINT64_FORMAT "/Notes", json_node_get_int (made));
	n1 = api (fx, "POST", notes_path, "{\"Comment\":\"Kunden ringede tilbage\"}");
	n2 = api (fx, "POST", notes_path, "{\"Comment\":\"Pris aftalt: 12.000 kr.\"}");
	g_assert_cmpint (run_sync (fx), ==, 0);
	task = outlook_find (fx, "task", "subject", "Send kontrakt");
	g_assert_nonnull (task);
	body = json_object_get_string_member (task, "body");
	g_assert_true (g_str_has_prefix (body, "[/]Husk bilag"));
	g_assert_true (g_str_has_suffix (body, "[\\]"));
	g_assert_nonnull (strstr (body, "Kunden ringede tilbage"));
	g_assert_nonnull (strstr (body, "Pris aftalt: 12.000 kr."));
	g_assert_true (strstr (body, "Kunden ringede") < strstr (body, "Pris aftalt"));

	/* settled: the notes are not a change of the comment */
	g_assert_cmpint (run_sync (fx), ==, 0);
	acts = api_query (fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Send kontrakt'");
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (acts, 0),
							"ActivityComment"), ==, "Husk bilag");
	g_clear_pointer (&acts, json_array_unref);

	/* the Outlook user writes after the markers: it joins the comment, the
	 * notes stay out of it, and nothing grows on later runs */
	ids = cli_list (&fx->cli, "outlook", "task");
	g_assert_cmpuint (ids->len, ==, 1);
	{
		g_autofree gchar *edited = g_strconcat (body, "\nSendt med posten", NULL);
		g_autoptr(JsonNode) n = NULL;
		g_autofree gchar *text = NULL;
		json_object_set_string_member (task, "body", edited);
		n = json_node_init_object (json_node_alloc (), task);
		text = json_to_string (n, TRUE);
		g_free (cli_put (&fx->cli, "outlook", "task", g_ptr_array_index (ids, 0), text));
	}
	for (guint round = 0; round < 3; round++) {
		g_assert_cmpint (run_sync (fx), ==, 0);
		acts = api_query (fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Send kontrakt'");
		comment = json_object_get_string_member (json_array_get_object_element (acts, 0), "ActivityComment");
		g_assert_nonnull (strstr (comment, "Husk bilag"));
		g_assert_nonnull (strstr (comment, "Sendt med posten"));
		g_assert_null (strstr (comment, "Kunden ringede"));
		g_assert_null (strstr (comment, "[notes]"));
		g_clear_pointer (&acts, json_array_unref);
		again = cli_get (&fx->cli, "outlook", "task", g_ptr_array_index (ids, 0));
		body = json_object_get_string_member (again, "body");
		g_assert_nonnull (strstr (body, "Kunden ringede tilbage"));
		g_assert_null (strstr (strstr (body, "Sendt med posten") + 1, "Sendt med posten"));
		if (round == 0)
			body_before = g_strdup (body);
		else
			g_assert_cmpstr (body, ==, body_before);
		g_clear_pointer (&again, json_object_unref);
	}
	g_ptr_array_unref (ids);
}

/* an appointment over three days stays three days in webCRM (the old plug-in cut it) */
static void
test_multi_day (Fx *fx, gconstpointer data)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) d1 = g_date_time_add_days (now, 20);
	g_autoptr(GDateTime) d3 = g_date_time_add_days (now, 22);
	g_autofree gchar *start = g_date_time_format (d1, "%Y-%m-%dT08:00:00Z");
	g_autofree gchar *end = g_date_time_format (d3, "%Y-%m-%dT16:00:00Z");
	g_autofree gchar *ev
		= g_strdup_printf ("{\"subject\":\"Messe i Herning\",\"start\":\"%s\","
				   "\"end\":\"%s\",\"isAllDay\":false,\"body\":\"Stand 12\","
				   "\"categories\":[\"MCH Messecenter\"]}",
				   start, end);
	g_autoptr(JsonNode) list = NULL;
	g_autoptr(JsonObject) after = NULL;
	g_autofree gchar *path = NULL;
	JsonArray *meetings;
	JsonObject *fair = NULL;

	start_emulator (fx, NULL, "0", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	/* the organisation the category names: webCRM books meetings for one */
	list = api (fx, "POST", "/Organisations", "{\"OrganisationName\":\"MCH Messecenter\"}");
	g_clear_pointer (&list, json_node_unref);
	g_free (cli_put (&fx->cli, "outlook", "event", "fair", ev));
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "event"), ==, 1);
	path = g_strdup_printf ("/Meetings?from=%s&to=%s&userId=1", start, end);
	list = api (fx, "GET", path, NULL);
	meetings = json_object_get_array_member (json_node_get_object (list), "Meetings");
	for (guint i = 0; i < json_array_get_length (meetings); i++)
		if (g_strcmp0 (
			    json_object_get_string_member (
				    json_array_get_object_element (meetings, i), "MeetingSubject"),
			    "Messe i Herning")
		    == 0)
			fair = json_array_get_object_element (meetings, i);
	g_assert_nonnull (fair);
	g_assert_cmpstr (json_object_get_string_member (fair, "MeetingStart"), ==, start);
	g_assert_cmpstr (json_object_get_string_member (fair, "MeetingEnd"), ==, end);
	/* and the next run leaves the Outlook side as it was */
	g_assert_cmpint (run_sync (fx), ==, 0);
	after = cli_get (&fx->cli, "outlook", "event", "fair");
	g_assert_cmpstr (json_object_get_string_member (after, "end"), ==, end);
}

/* webCRM lists meetings from 60 days back: an older appointment that is in
 * both (a new PC, a lost state file) is found and linked, never created in
 * webCRM a second time, also on Sync all */
static void
test_old_meetings_new_pc (Fx *fx, gconstpointer data)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	const gint back[] = {200, 400, 10};

	start_emulator (fx, NULL, "0", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	/* the organisation the category names: webCRM books meetings for one */
	{
		g_autoptr(JsonNode) org = api (fx, "POST", "/Organisations", "{\"OrganisationName\":\"Nordlys ApS\"}");
	}
	for (guint i = 0; i < G_N_ELEMENTS (back); i++) {
		g_autoptr(GDateTime) d = g_date_time_add_days (now, -back[i]);
		g_autofree gchar *start = g_date_time_format (d, "%Y-%m-%dT09:00:00Z");
		g_autofree gchar *end = g_date_time_format (d, "%Y-%m-%dT10:00:00Z");
		g_autofree gchar *id = g_strdup_printf ("old%u", i);
		g_autofree gchar *ev = g_strdup_printf (
			"{\"subject\":\"Kundebesøg %u\",\"start\":\"%s\",\"end\":\"%s\","
			"\"isAllDay\":false,\"body\":\"Referat\",\"categories\":[\"Nordlys ApS\"]}",
			i, start, end);
		g_free (cli_put (&fx->cli, "outlook", "event", id, ev));
	}
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "event"), ==, 3);

	/* a new PC: no state, the same data on both sides */
	for (guint i = 0; i < 3; i++) {
		const gchar *names[] = {"state.db", "state.db-wal", "state.db-shm"};
		g_autofree gchar *f = g_build_filename (fx->cli.dir, names[i], NULL);
		g_unlink (f);
	}
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "event"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "outlook", "event"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "linked", "crm", "event"), ==, 3);
	g_assert_cmpint (cli_run (&fx->cli, NULL, "sync", "--profile", "@P", "--all", "--json", NULL),
			 ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "event"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "outlook", "event"), ==, 0);
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "event"), ==, 3);
}

/* a private appointment stays private both ways; a task from Outlook is the user's */
static void
test_private_and_outlook_task (Fx *fx, gconstpointer data)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) d = g_date_time_add_days (now, 5);
	g_autofree gchar *start = g_date_time_format (d, "%Y-%m-%dT07:00:00Z");
	g_autofree gchar *end = g_date_time_format (d, "%Y-%m-%dT08:00:00Z");
	g_autofree gchar *ev = g_strdup_printf ("{\"subject\":\"Tandlæge\",\"start\":\"%s\","
						"\"end\":\"%s\",\"isAllDay\":false,"
						"\"sensitivity\":\"private\"}",
						start, end);
	g_autofree gchar *crm_private = g_strdup_printf (
	    "{\"MeetingUserId\":\"1\",\"MeetingSubject\":\"Lægebesøg\",\"MeetingDescription\":"
	    "\"Privat\",\"MeetingStart\":\"%s\",\"MeetingEnd\":\"%s\",\"MeetingIsPrivate\":true}",
	    start, end);
	g_autoptr(JsonNode) made = NULL;
	g_autoptr(JsonNode) list = NULL;
	g_autoptr(JsonObject) back = NULL;
	g_autoptr(JsonArray) tasks = NULL;
	g_autofree gchar *path = NULL;
	JsonArray *meetings;
	gboolean found = FALSE;

	start_emulator (fx, NULL, "0", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	g_free (cli_put (&fx->cli, "outlook", "event", "dentist", ev));
	g_free (cli_put (&fx->cli, "outlook", "task", "t1",
			 "{\"subject\":\"Venter på svar\",\"status\":\"waitingOnOthers\","
			 "\"dueDate\":\"2026-12-24\",\"body\":\"Husk at ringe\","
			 "\"companies\":[\"Tandklinikken\"]}"));
	made = api (fx, "POST", "/Meetings", crm_private);
	/* the organisation the task's company names: webCRM creates activities for one */
	g_clear_pointer (&made, json_node_unref);
	made = api (fx, "POST", "/Organisations", "{\"OrganisationName\":\"Tandklinikken\"}");
	g_assert_cmpint (run_sync (fx), ==, 0);

	path = g_strdup_printf ("/Meetings?from=%s&to=%s&userId=1", start, end);
	list = api (fx, "GET", path, NULL);
	meetings = json_object_get_array_member (json_node_get_object (list), "Meetings");
	for (guint i = 0; i < json_array_get_length (meetings); i++) {
		JsonObject *m = json_array_get_object_element (meetings, i);
		if (g_strcmp0 (json_object_get_string_member (m, "MeetingSubject"), "Tandlæge")
		    != 0)
			continue;
		found = TRUE;
		g_assert_true (json_object_get_boolean_member (m, "MeetingIsPrivate"));
	}
	g_assert_true (found);
	back = outlook_find (fx, "event", "subject", "Lægebesøg");
	g_assert_nonnull (back);
	g_assert_cmpstr (json_object_get_string_member (back, "sensitivity"), ==, "private");

	tasks = api_query (fx,
			   "SELECT * FROM Activity WHERE ActivityDescription = 'Venter på svar'");
	g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
	{
		JsonObject *t = json_array_get_object_element (tasks, 0);
		/* waiting on others is "in progress": Active */
		g_assert_cmpstr (json_object_get_string_member (t, "ActivityStatus"), ==, "Active");
		g_assert_cmpint (json_object_get_int_member (t, "ActivityAssignedTo"), ==, 1);
		g_assert_cmpstr (json_object_get_string_member (t, "ActivityComment"), ==,
				 "Husk at ringe");
		/* the pick-list field not synchronised got its first value */
		g_assert_cmpstr (json_object_get_string_member (t, "ActivityType"), ==,
				 "Follow-up");
	}
	/* the next run brings webCRM's view back (owner, the comment between markers);
	 * after that nothing changes */
	g_assert_cmpint (run_sync (fx), ==, 0);
	{
		g_autoptr(JsonObject) t = cli_get (&fx->cli, "outlook", "task", "t1");
		g_assert_cmpstr (json_object_get_string_member (t, "owner"), ==, "Ada Admin");
		g_assert_cmpstr (json_object_get_string_member (t, "status"), ==,
				 "waitingOnOthers");
	}
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "crm", "task"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "outlook", "task"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "crm", "event"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "outlook", "event"), ==, 0);
}

/* e-mails: outbound by the first To, inbound by From; nobody → skipped; two → the first */
static void
test_email (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonNode) twin = NULL;
	g_autoptr(JsonArray) mails = NULL;
	g_autoptr(JsonArray) in_mail = NULL;

	start_emulator (fx, NULL, "4", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	/* a later person with the same address */
	twin = api (fx, "POST", "/Persons",
		    "{\"PersonOrganisationId\":1004,\"PersonLastName\":\"Tvilling\","
		    "\"PersonEmail\":\"person1002@example.org\"}");
	g_free (cli_put (&fx->cli, "outlook", "email", "out1",
			 "{\"messageId\":\"<m1@example.org>\",\"subject\":\"Tilbud\",\"direction\":"
			 "\"outbound\",\"fromAddress\":\"ada@example.org\",\"toAddresses\":"
			 "[\"person1003@example.org\",\"person1002@example.org\"],\"sentDateTime\":"
			 "\"2026-02-03T10:15:00Z\",\"body\":\"Hej, hermed tilbuddet.\"}"));
	g_free (cli_put (
		&fx->cli, "outlook", "email", "in1",
		"{\"messageId\":\"<m2@example.org>\",\"subject\":\"Spørgsmål\",\"direction\":"
		"\"inbound\",\"fromAddress\":\"person1002@example.org\",\"toAddresses\":"
		"[\"ada@example.org\"],\"sentDateTime\":\"2026-02-04T08:00:00Z\",\"body\":"
		"\"Hvornår kan I levere?\"}"));
	g_free (cli_put (
		&fx->cli, "outlook", "email", "nobody",
		"{\"messageId\":\"<m3@example.org>\",\"subject\":\"Nyhedsbrev\",\"direction\":"
		"\"outbound\",\"fromAddress\":\"ada@example.org\",\"toAddresses\":"
		"[\"ukendt@example.org\"],\"sentDateTime\":\"2026-02-05T08:00:00Z\"}"));
	/* nobody has the third one's address: it waits for its person (issue 17) */
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "email"), ==, 2);
	g_assert_cmpuint (cli_report_len (&fx->cli, "waiting"), ==, 1);
	mails = api_query (fx, "SELECT * FROM Activity WHERE ActivityType = 'E-mail' AND "
			       "ActivityDescription = 'Tilbud'");
	g_assert_cmpuint (json_array_get_length (mails), ==, 1);
	/* the first To, not the second */
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (mails, 0),
						     "ActivityPersonId"),
			 ==, 1003);
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (mails, 0),
							"ActivityStatus"),
			 ==, "Completed");
	in_mail = api_query (fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Spørgsmål'");
	g_assert_cmpuint (json_array_get_length (in_mail), ==, 1);
	/* two persons have that address: the first */
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (in_mail, 0),
						     "ActivityPersonId"),
			 ==, 1002);
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (in_mail, 0),
							"ActivityAction"),
			 ==, "Inbound e-mail");
	{
		g_autoptr(JsonArray) none = api_query (
		    fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Nyhedsbrev'");
		g_assert_cmpuint (json_array_get_length (none), ==, 0);
	}
	/* e-mails never come back to Outlook; a second run makes no second copy */
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "email"), ==, 0);
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "email"), ==, 3);
}

/* a JSON report list's entries for @kind */
static guint
report_list_len (Fx *fx, const gchar *list, const gchar *kind)
{
	JsonArray *a;
	guint n = 0;
	if (fx->cli.report == NULL)
		return 0;
	a = json_object_get_array_member (json_node_get_object (fx->cli.report), list);
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		JsonObject *o = json_array_get_object_element (a, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (o, "kind", ""), kind)
		    == 0)
			n++;
	}
	return n;
}

/* issue 17: an e-mail archived before its person existed in webCRM waits
 * (listed under "waiting", the run is not partial for it) and reaches
 * webCRM on the run after the person is created — with Outlook on Graph,
 * whose delta lists the mail once only */
static void
test_email_waits_for_person (Fx *fx, gconstpointer data)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autofree gchar *when = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
	g_autofree gchar *seed = g_build_filename (fx->cli.dir, "graph-seed.json", NULL);
	g_autofree gchar *seed_arg = g_strdup_printf ("--seed=%s", seed);
	g_autofree gchar *graph_db = g_build_filename (fx->cli.dir, "graph.db", NULL);
	g_autofree gchar *db_arg = g_strdup_printf ("--db=%s", graph_db);
	g_autofree gchar *text = g_strdup_printf (
	    "{\"messages\":[{\"subject\":\"Forespørgsel om levering\",\"categories\":[\"webCRM\"],"
	    "\"receivedDateTime\":\"%s\",\"sentDateTime\":\"%s\",\"from\":{\"emailAddress\":"
	    "{\"address\":\"senere@kunde.dk\",\"name\":\"Lene Senere\"}},\"toRecipients\":"
	    "[{\"emailAddress\":{\"address\":\"ada@example.org\"}}],"
	    "\"body\":{\"contentType\":\"text\",\"content\":\"Hvornår kan I levere?\"}}]}",
	    when, when);
	const gchar *args[] = {db_arg, seed_arg, NULL};
	g_autofree gchar *graph_origin = NULL;
	g_autofree gchar *extra = NULL;
	g_autofree gchar *profile = NULL;
	g_autofree gchar *code = g_build_filename (fx->cli.dir, "authcode", NULL);
	GSubprocess *graph;
	g_autoptr(JsonNode) person = NULL;
	g_autoptr(JsonArray) mails = NULL;
	const gchar *query = "SELECT * FROM Activity WHERE ActivityDescription = "
			     "'Forespørgsel om levering'";

	g_assert_true (g_file_set_contents (seed, text, -1, NULL));
	start_emulator (fx, NULL, "4", NULL);
	graph = emu_launch_start ("graph", NULL, args, &graph_origin);
	profile = g_strdup_printf (
	    "[profile]\nname=webCRM test\ncrm=webcrm\noutlook=graph\npreset=webcrm-b2b\n"
	    "state=state.db\n"
	    "[crm]\nurl=%s\nsecret-file=authcode\nuser=ada@example.org\n"
	    "[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n"
	    "[contact]\ndirection=none\n[task]\ndirection=none\n[event]\ndirection=none\n",
	    fx->origin, graph_origin, graph_origin);
	g_assert_true (g_file_set_contents (fx->cli.profile, profile, -1, NULL));
	g_assert_true (g_file_set_contents_full (code, AUTH_CODE, -1, G_FILE_SET_CONTENTS_NONE,
						 0600, NULL));

	/* no person yet: it waits, and says until when; nothing to fix, not partial */
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpuint (report_list_len (fx, "waiting", "email"), ==, 1);
	g_assert_cmpuint (report_list_len (fx, "skipped", "email"), ==, 0);
	mails = api_query (fx, query);
	g_assert_cmpuint (json_array_get_length (mails), ==, 0);
	g_clear_pointer (&mails, json_array_unref);
	/* a run with nobody new: still waiting, still nothing in webCRM */
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpuint (report_list_len (fx, "waiting", "email"), ==, 1);

	person = api (fx, "POST", "/Persons",
		      "{\"PersonOrganisationId\":1004,\"PersonFirstName\":\"Lene\","
		      "\"PersonLastName\":\"Senere\",\"PersonEmail\":\"senere@kunde.dk\"}");
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "email"), ==, 1);
	g_assert_cmpuint (report_list_len (fx, "waiting", "email"), ==, 0);
	mails = api_query (fx, query);
	g_assert_cmpuint (json_array_get_length (mails), ==, 1);
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (mails, 0),
						     "ActivityPersonId"),
			 ==, json_node_get_int (person));
	g_clear_pointer (&mails, json_array_unref);
	/* and once only */
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "email"), ==, 0);
	g_assert_cmpuint (report_list_len (fx, "waiting", "email"), ==, 0);
	mails = api_query (fx, query);
	g_assert_cmpuint (json_array_get_length (mails), ==, 1);
	emu_launch_stop (&graph);
}

/* the id of the organisation named @name, as webCRM's web app would show it */
static gint64
org_id (Fx *fx, const gchar *name)
{
	g_autofree gchar *script =
	    g_strdup_printf ("SELECT * FROM Organisation WHERE OrganisationName = '%s'", name);
	g_autoptr(JsonArray) rows = api_query (fx, script);
	g_assert_cmpuint (json_array_get_length (rows), ==, 1);
	return json_object_get_int_member (json_array_get_object_element (rows, 0),
					   "OrganisationId");
}

/* the meeting with @subject in the user's webCRM calendar around @from, or NULL */
static JsonObject *
meeting_with (Fx *fx, const gchar *subject, const gchar *from, const gchar *to)
{
	g_autofree gchar *path = g_strdup_printf ("/Meetings?from=%s&to=%s&userId=1", from, to);
	g_autoptr(JsonNode) list = api (fx, "GET", path, NULL);
	JsonArray *meetings = json_object_get_array_member (json_node_get_object (list), "Meetings");
	for (guint i = 0; i < json_array_get_length (meetings); i++) {
		JsonObject *m = json_array_get_object_element (meetings, i);
		if (g_strcmp0 (json_object_get_string_member (m, "MeetingSubject"), subject) == 0)
			return json_object_ref (m);
	}
	return NULL;
}

/* issue 17: an e-mail waits 30 days for its person, then the rule keeps it
 * out (counted under "excluded"): later runs are not partial because of it,
 * and a person made after that does not bring it back */
static void
test_email_wait_ends (Fx *fx, gconstpointer data)
{
	g_autofree gchar *state = g_build_filename (fx->cli.dir, "state.db", NULL);
	sqlite3 *db = NULL;
	g_autoptr(JsonNode) person = NULL;
	g_autoptr(JsonArray) mails = NULL;

	start_emulator (fx, NULL, "4", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, "[email]\nselect=all\n");
	g_free (cli_put (&fx->cli, "outlook", "email", "late",
			 "{\"messageId\":\"<late@example.org>\",\"subject\":\"Sent i sommer\","
			 "\"direction\":\"outbound\",\"fromAddress\":\"ada@example.org\","
			 "\"toAddresses\":[\"glemt@example.org\"],\"sentDateTime\":"
			 "\"2026-02-05T08:00:00Z\"}"));
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpuint (report_list_len (fx, "waiting", "email"), ==, 1);

	/* 31 days later (the state's clock of when it was first seen, moved back) */
	g_assert_cmpint (sqlite3_open (state, &db), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_exec (db,
				       "UPDATE waiting SET first_seen = first_seen - "
				       "31 * 86400 * 1000000",
				       NULL, NULL, NULL),
			 ==, SQLITE_OK);
	sqlite3_close (db);
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpuint (report_list_len (fx, "waiting", "email"), ==, 0);
	g_assert_cmpuint (report_list_len (fx, "skipped", "email"), ==, 0);
	g_assert_true (excluded_with (fx, "email", "within 30 days", 1));
	/* the person arrives too late: the e-mail stays out, the run is not partial */
	person = api (fx, "POST", "/Persons",
		      "{\"PersonOrganisationId\":1004,\"PersonLastName\":\"Glemt\","
		      "\"PersonEmail\":\"glemt@example.org\"}");
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "email"), ==, 0);
	mails = api_query (fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Sent i sommer'");
	g_assert_cmpuint (json_array_get_length (mails), ==, 0);
}

/* issue 17: an Outlook-made meeting or task reaches webCRM only linked to the one
 * organisation Outlook's data names — an attendee who is a webCRM person, a
 * task's company, a category naming the organisation; none or two: skipped with
 * the guide's reason, nothing created */
static void
test_outlook_items_find_organisation (Fx *fx, gconstpointer data)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) d = g_date_time_add_days (now, 3);
	g_autoptr(GDateTime) d2 = g_date_time_add_days (now, 4);
	g_autofree gchar *start = g_date_time_format (d, "%Y-%m-%dT09:00:00Z");
	g_autofree gchar *end = g_date_time_format (d, "%Y-%m-%dT10:00:00Z");
	g_autofree gchar *after = g_date_time_format (d2, "%Y-%m-%dT00:00:00Z");
	g_autofree gchar *ev1 = g_strdup_printf (
	    "{\"subject\":\"Statusmøde\",\"start\":\"%s\",\"end\":\"%s\",\"isAllDay\":false,"
	    "\"attendees\":[\"Mette@Nordlys.dk\",\"ukendt@andetsteds.dk\"]}",
	    start, end);
	g_autofree gchar *ev2 = g_strdup_printf (
	    "{\"subject\":\"Fællesmøde\",\"start\":\"%s\",\"end\":\"%s\",\"isAllDay\":false,"
	    "\"attendees\":[\"mette@nordlys.dk\",\"per@sydvind.dk\"]}",
	    start, end);
	g_autoptr(JsonNode) p1 = NULL;
	g_autoptr(JsonNode) p2 = NULL;
	g_autoptr(JsonObject) m1 = NULL;
	g_autoptr(JsonObject) m2 = NULL;
	g_autoptr(JsonArray) t1 = NULL;
	g_autoptr(JsonArray) t2 = NULL;
	gint64 nordlys, sydvind;

	start_emulator (fx, NULL, "0", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, "[contact]\ndirection=none\n");
	p1 = api (fx, "POST", "/Organisations", "{\"OrganisationName\":\"Nordlys ApS\"}");
	p2 = api (fx, "POST", "/Organisations", "{\"OrganisationName\":\"Sydvind A/S\"}");
	nordlys = org_id (fx, "Nordlys ApS");
	sydvind = org_id (fx, "Sydvind A/S");
	{
		g_autofree gchar *a = g_strdup_printf (
		    "{\"PersonOrganisationId\":%" G_GINT64_FORMAT ",\"PersonFirstName\":\"Mette\","
		    "\"PersonLastName\":\"Lys\",\"PersonEmail\":\"mette@nordlys.dk\"}",
		    nordlys);
		g_autofree gchar *b = g_strdup_printf (
		    "{\"PersonOrganisationId\":%" G_GINT64_FORMAT ",\"PersonFirstName\":\"Per\","
		    "\"PersonLastName\":\"Vind\",\"PersonEmail\":\"per@sydvind.dk\"}",
		    sydvind);
		g_autoptr(JsonNode) ra = api (fx, "POST", "/Persons", a);
		g_autoptr(JsonNode) rb = api (fx, "POST", "/Persons", b);
	}
	g_free (cli_put (&fx->cli, "outlook", "event", "e1", ev1));
	g_free (cli_put (&fx->cli, "outlook", "event", "e2", ev2));
	g_free (cli_put (&fx->cli, "outlook", "task", "t1",
			 "{\"subject\":\"Send tilbud\",\"status\":\"notStarted\",\"dueDate\":"
			 "\"2026-12-20\",\"companies\":[\"Sydvind A/S\"]}"));
	g_free (cli_put (&fx->cli, "outlook", "task", "t2",
			 "{\"subject\":\"Ring tilbage\",\"status\":\"notStarted\",\"dueDate\":"
			 "\"2026-12-21\",\"categories\":[\"Nordlys ApS\"]}"));
	g_free (cli_put (&fx->cli, "outlook", "task", "t3",
			 "{\"subject\":\"Rydde op\",\"status\":\"notStarted\",\"dueDate\":"
			 "\"2026-12-22\"}"));

	/* skipped items make the run partial: the user can fix them in Outlook */
	g_assert_cmpint (run_sync (fx), ==, 1);
	m1 = meeting_with (fx, "Statusmøde", start, after);
	g_assert_nonnull (m1);
	{
		JsonArray *orgs = json_object_get_array_member (m1, "MeetingOrganisations");
		g_assert_nonnull (orgs);
		g_assert_cmpuint (json_array_get_length (orgs), ==, 1);
		g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (orgs, 0),
							     "OrganisationId"),
				 ==, nordlys);
	}
	{
		/* the attendees are the participants: the webCRM person where one has
		 * the address (any case), a plain address otherwise; nobody invited */
		g_autofree gchar *path = g_strdup_printf (
			"/Meetings/%s", json_object_get_string_member (m1, "MeetingId"));
		g_autoptr(JsonNode) full = api (fx, "GET", path, NULL);
		JsonArray *att = json_object_get_array_member (json_node_get_object (full),
							       "MeetingAttendees");
		gboolean person = FALSE, plain = FALSE;
		g_assert_nonnull (att);
		g_assert_cmpuint (json_array_get_length (att), ==, 2);
		for (guint i = 0; i < json_array_get_length (att); i++) {
			JsonObject *a = json_array_get_object_element (att, i);
			const gchar *email = json_object_get_string_member (a, "Email");
			if (g_ascii_strcasecmp (email, "mette@nordlys.dk") == 0) {
				person = TRUE;
				g_assert_cmpstr (json_object_get_string_member (a, "PersonName"), ==,
						 "Mette Lys");
				g_assert_cmpint (json_object_get_int_member (a, "OrganizationId"), ==,
						 nordlys);
			} else {
				plain = TRUE;
				g_assert_cmpstr (email, ==, "ukendt@andetsteds.dk");
				g_assert_false (json_object_has_member (a, "PersonId"));
			}
		}
		g_assert_true (person && plain);
	}
	m2 = meeting_with (fx, "Fællesmøde", start, after);
	g_assert_null (m2);
	g_assert_true (skipped_with (fx, "event", "not unique (Nordlys ApS, Sydvind A/S)"));

	t1 = api_query (fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Send tilbud'");
	g_assert_cmpuint (json_array_get_length (t1), ==, 1);
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (t1, 0),
						     "ActivityOrganisationId"),
			 ==, sydvind);
	t2 = api_query (fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Ring tilbage'");
	g_assert_cmpuint (json_array_get_length (t2), ==, 1);
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (t2, 0),
						     "ActivityOrganisationId"),
			 ==, nordlys);
	{
		g_autoptr(JsonArray) none =
		    api_query (fx, "SELECT * FROM Activity WHERE ActivityDescription = 'Rydde op'");
		g_assert_cmpuint (json_array_get_length (none), ==, 0);
	}
	g_assert_true (skipped_with (fx, "task", "Outlook has no reference to the organisation"));
	/* settled: the participants do not come back to Outlook, nothing changes */
	g_assert_cmpint (run_sync (fx), ==, 1);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "crm", "event"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "outlook", "event"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "event"), ==, 0);
}

/* deleting in either place deletes nothing in the other */
static void
test_no_deletions (Fx *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(JsonArray) still = NULL;
	g_autoptr(JsonNode) del = NULL;
	guint events;

	start_emulator (fx, NULL, "6", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	g_assert_cmpint (run_sync (fx), ==, 0);
	ids = cli_list (&fx->cli, "outlook", "contact");
	g_assert_cmpuint (ids->len, ==, 2);
	cli_remove (&fx->cli, "outlook", "contact", g_ptr_array_index (ids, 0));
	events = cli_count (&fx->cli, "outlook", "event");
	del = api (fx, "DELETE", "/Meetings/1001", NULL);
	g_assert_cmpint (run_sync (fx), ==, 0);
	still = api_query (fx, "SELECT * FROM Person WHERE PersonId = 1001 OR PersonId = 1004");
	g_assert_cmpuint (json_array_get_length (still), ==, 2);
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "event"), ==, events);
	g_assert_cmpint (cli_report_count (&fx->cli, "deleted", "outlook", "event"), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "deleted", "crm", "contact"), ==, 0);
}

/* issue 14 item 7 on webCRM: a meeting created from Outlook and deleted in
 * webCRM before the next run is seen gone by a plain sync (the meetings'
 * cursor keeps the ids it knows, so it must learn the ones the run made) */
static void
test_created_then_deleted (Fx *fx, gconstpointer data)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) d1 = g_date_time_add_days (now, 10);
	g_autofree gchar *start = g_date_time_format (d1, "%Y-%m-%dT08:00:00Z");
	g_autofree gchar *end = g_date_time_format (d1, "%Y-%m-%dT09:00:00Z");
	g_autofree gchar *ev = g_strdup_printf (
	    "{\"subject\":\"Kaffe med Bo\",\"start\":\"%s\",\"end\":\"%s\",\"isAllDay\":false,"
	    "\"categories\":[\"Kaffebaren\"]}",
	    start, end);
	g_autofree gchar *path = g_strdup_printf ("/Meetings?from=%s&to=%s&userId=1", start, end);
	g_autoptr(JsonNode) list = NULL;
	g_autoptr(JsonNode) del = NULL;
	g_autofree gchar *del_path = NULL;
	JsonArray *meetings;
	g_autofree gchar *id = NULL;

	start_emulator (fx, NULL, "0", NULL);
	/* the presets never propagate a deletion: this user wants them */
	write_profile (fx, "webcrm-b2b", AUTH_CODE, "[event]\non-crm-delete=propagate\n");
	/* the organisation the category names: webCRM books meetings for one */
	list = api (fx, "POST", "/Organisations", "{\"OrganisationName\":\"Kaffebaren\"}");
	g_clear_pointer (&list, json_node_unref);
	g_free (cli_put (&fx->cli, "outlook", "event", "coffee", ev));
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "event"), ==, 1);
	list = api (fx, "GET", path, NULL);
	meetings = json_object_get_array_member (json_node_get_object (list), "Meetings");
	for (guint i = 0; i < json_array_get_length (meetings); i++) {
		JsonObject *m = json_array_get_object_element (meetings, i);
		JsonNode *n = json_object_get_member (m, "MeetingId");
		if (g_strcmp0 (json_object_get_string_member (m, "MeetingSubject"), "Kaffe med Bo") == 0)
			id = json_node_get_value_type (n) == G_TYPE_STRING
				 ? g_strdup (json_node_get_string (n))
				 : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
	}
	g_assert_nonnull (id);
	del_path = g_strdup_printf ("/Meetings/%s", id);
	del = api (fx, "DELETE", del_path, NULL);
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "deleted", "outlook", "event"), ==, 1);
	g_assert_null (outlook_find (fx, "event", "subject", "Kaffe med Bo"));
}

static void
test_wrong_code (Fx *fx, gconstpointer data)
{
	start_emulator (fx, NULL, "2", NULL);
	write_profile (fx, "webcrm-b2b", "not-the-code", NULL);
	g_assert_cmpint (run_sync (fx), ==, 3);
	g_assert_nonnull (strstr (fx->cli.err, "API token"));
	g_assert_null (strstr (fx->cli.err, "not-the-code"));
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "contact"), ==, 0);
}

/* a flaky server: the run still completes, nothing twice, nothing lost */
static void
test_flaky_server (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonArray) mine = NULL;

	start_emulator (fx, NULL, "9", "500=0.2,reset=0.05,seed=11");
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	for (guint i = 0; i < 6; i++) {
		g_autofree gchar *id = g_strdup_printf ("f%u", i);
		g_autofree gchar *c
			= g_strdup_printf ("{\"givenName\":\"Flaky\",\"surname\":\"N%u\","
					   "\"companyName\":\"Ærø Shipping\"}",
					   i);
		g_free (cli_put (&fx->cli, "outlook", "contact", id, c));
	}
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (run_sync (fx), ==, 0);
	mine = api_query (fx, "SELECT * FROM Person WHERE PersonFirstName = 'Flaky'");
	g_assert_cmpuint (json_array_get_length (mine), ==, 6);
	/* ada's three persons and the six */
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "contact"), ==, 9);
}

/* CRMSYNC_TEST_SMALL (the leak check, under LeakSanitizer) makes the
 * 5,000-record figure 500: the same code paths, a tenth of the time */
static guint
big_count (void)
{
	return g_getenv ("CRMSYNC_TEST_SMALL") != NULL ? 500 : 5000;
}

/* a first sync of 5,000 persons at the real 250 requests per minute: no 429 */
static void
test_throttle_5000 (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonNode) log = NULL;
	JsonArray *a;
	g_autoptr(GArray) t = g_array_new (FALSE, FALSE, sizeof (gint64));
	guint throttled = 0, max = 0, lo = 0;
	guint n = big_count ();
	g_autofree gchar *n_text = g_strdup_printf ("%u", n);

	start_emulator (fx, NULL, n_text, NULL);
	write_profile (
		fx, "webcrm-b2b", AUTH_CODE,
		"[contact]\ncondition=all\n[task]\ndirection=none\n[event]\ndirection=none\n");
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpuint (cli_count (&fx->cli, "outlook", "contact"), ==, n);
	log = api (fx, "GET", "/_emulator/log", NULL);
	a = json_node_get_array (log);
	for (guint i = 0; i < json_array_get_length (a); i++) {
		JsonObject *e = json_array_get_object_element (a, i);
		gint64 at = json_object_get_int_member (e, "at");
		if (json_object_get_int_member (e, "status") == 429)
			throttled++;
		else if (!g_str_equal (json_object_get_string_member (e, "app"), ""))
			g_array_append_val (t, at);
	}
	for (guint hi = 0; hi < t->len; hi++) {
		while (g_array_index (t, gint64, hi) - g_array_index (t, gint64, lo) >=
		       60 * G_USEC_PER_SEC)
			lo++;
		max = MAX (max, hi - lo + 1);
	}
	g_test_message ("first sync of %u persons: %u requests, max %u in 60 s, %u throttled",
			n, t->len, max, throttled);
	g_assert_cmpuint (throttled, ==, 0);
	g_assert_cmpuint (max, <=, 250);
}

/* undo of a run that created a webCRM person and changed another: the change is
 * written back; the person stays, as webCRM's API deletes no persons, and the
 * plan and the report say so for that record */
static void
test_undo_cannot_delete (Fx *fx, gconstpointer data)
{
	g_autoptr(JsonArray) rode = NULL;
	g_autoptr(JsonArray) soren = NULL;
	g_autofree gchar *soren_id = NULL;
	JsonArray *plan;
	gboolean said = FALSE;
	gboolean restored = FALSE;

	start_emulator (fx, NULL, "3", NULL);
	write_profile (fx, "webcrm-b2b", AUTH_CODE, NULL);
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_free (cli_put (&fx->cli, "outlook", "contact", "jr",
			 "{\"givenName\":\"Jorgen\",\"surname\":\"Rode\",\"companyName\":\"Grøn "
			 "Energi A/S\",\"email1\":\"jorgen.rode@webcrm.com\"}"));
	{
		g_autoptr(GPtrArray) ids = cli_list (&fx->cli, "outlook", "contact");
		for (guint i = 0; i < ids->len && soren_id == NULL; i++) {
			g_autoptr(JsonObject) o = cli_get (&fx->cli, "outlook", "contact", ids->pdata[i]);
			if (g_strcmp0 (json_object_get_string_member_with_default (o, "givenName", ""), "Søren") == 0) {
				g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
				g_autofree gchar *text = NULL;
				json_object_set_string_member (o, "businessPhone", "+45 99999999");
				json_node_set_object (n, o);
				text = json_to_string (n, FALSE);
				soren_id = g_strdup (ids->pdata[i]);
				g_free (cli_put (&fx->cli, "outlook", "contact", soren_id, text));
			}
		}
	}
	g_assert_nonnull (soren_id);
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_assert_cmpint (cli_report_count (&fx->cli, "created", "crm", "contact"), ==, 1);
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "crm", "contact"), ==, 1);
	soren = api_query (fx, "SELECT * FROM Person WHERE PersonFirstName = 'Søren'");
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (soren, 0), "PersonDirectPhone"), ==,
			 "+45 99999999");
	g_clear_pointer (&soren, json_array_unref);

	g_assert_cmpint (cli_run (&fx->cli, NULL, "undo", "--profile", "@P", "--dry-run", "--json", NULL), ==, 1);
	plan = json_object_get_array_member (json_node_get_object (fx->cli.report), "plan");
	for (guint i = 0; i < json_array_get_length (plan); i++) {
		JsonObject *e = json_array_get_object_element (plan, i);
		JsonArray *changes = json_object_get_array_member (e, "changes");
		if (g_strcmp0 (json_object_get_string_member (e, "label"), "Jorgen Rode") == 0)
			said = strstr (json_object_get_string_member_with_default (e, "reason", ""), "cannot delete") != NULL;
		/* each side's own field names: webCRM's phone field, written back */
		for (guint c = 0; changes != NULL && c < json_array_get_length (changes); c++) {
			JsonObject *ch = json_array_get_object_element (changes, c);
			if (g_strcmp0 (json_object_get_string_member (ch, "field"), "PersonDirectPhone") != 0)
				continue;
			g_assert_cmpstr (json_object_get_string_member (ch, "side"), ==, "crm");
			g_assert_cmpstr (json_object_get_string_member (ch, "old"), ==, "+45 99999999");
			g_assert_cmpstr (json_object_get_string_member (ch, "new"), ==, "+45 20000000");
			restored = TRUE;
		}
	}
	g_assert_true (said);
	g_assert_true (restored);

	g_assert_cmpint (cli_run (&fx->cli, NULL, "undo", "--profile", "@P", "--json", NULL), ==, 1);
	g_assert_true (skipped_with (fx, "contact", "cannot delete"));
	g_assert_cmpint (cli_report_count (&fx->cli, "updated", "crm", "contact"), ==, 1);
	rode = api_query (fx, "SELECT * FROM Person WHERE PersonLastName = 'Rode'");
	g_assert_cmpuint (json_array_get_length (rode), ==, 1);
	soren = api_query (fx, "SELECT * FROM Person WHERE PersonFirstName = 'Søren'");
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (soren, 0), "PersonDirectPhone"), ==,
			 "+45 20000000");
}

/* a conflict (conflict=manual) resolved with `resolve --value` reaches webCRM and
 * Outlook on the next plain sync, though webCRM lists only its changes */
static void
test_resolve_next_run (Fx *fx, gconstpointer data)
{
	g_autofree gchar *code = g_build_filename (fx->cli.dir, "authcode", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *soren_out = NULL;
	g_autoptr(JsonArray) found = NULL;
	g_autoptr(JsonObject) out = NULL;
	gint64 person, id;

	start_emulator (fx, NULL, "3", NULL);
	text = g_strdup_printf ("[profile]\nname=webCRM test\ncrm=webcrm\noutlook=folder\npreset=webcrm-b2b\n"
				"conflict=manual\nstate=state.db\n"
				"[crm]\nurl=%s\nsecret-file=authcode\nuser=ada@example.org\n"
				"[outlook]\npath=outlook\nschema=outlook\n"
				"[task]\ndirection=none\n[event]\ndirection=none\n[email]\ndirection=none\n",
				fx->origin);
	g_assert_true (g_file_set_contents (fx->cli.profile, text, -1, NULL));
	g_assert_true (g_file_set_contents_full (code, AUTH_CODE, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
	g_assert_cmpint (run_sync (fx), ==, 0);

	/* both sides change Søren's phone */
	found = api_query (fx, "SELECT * FROM Person WHERE PersonFirstName = 'Søren'");
	person = json_object_get_int_member (json_array_get_object_element (found, 0), "PersonId");
	{
		g_autofree gchar *path = g_strdup_printf ("/Persons/%" G_GINT64_FORMAT, person);
		g_autoptr(JsonNode) p = api (fx, "GET", path, NULL);
		g_autoptr(JsonNode) put = NULL;
		g_autofree gchar *body = NULL;
		json_object_set_string_member (json_node_get_object (p), "PersonDirectPhone", "+45 22222222");
		body = json_to_string (p, FALSE);
		put = api (fx, "PUT", path, body);
	}
	{
		g_autoptr(GPtrArray) ids = cli_list (&fx->cli, "outlook", "contact");
		for (guint i = 0; i < ids->len && soren_out == NULL; i++) {
			g_autoptr(JsonObject) o = cli_get (&fx->cli, "outlook", "contact", ids->pdata[i]);
			if (g_strcmp0 (json_object_get_string_member_with_default (o, "givenName", ""), "Søren") == 0) {
				g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
				g_autofree gchar *t = NULL;
				json_object_set_string_member (o, "businessPhone", "+45 11111111");
				json_node_set_object (n, o);
				t = json_to_string (n, FALSE);
				soren_out = g_strdup (ids->pdata[i]);
				g_free (cli_put (&fx->cli, "outlook", "contact", soren_out, t));
			}
		}
	}
	g_assert_cmpint (run_sync (fx), ==, 1);
	g_assert_cmpuint (cli_report_len (&fx->cli, "conflicts"), ==, 1);
	/* decided a little later: past the second webCRM's change filter counts in */
	g_usleep (2 * G_USEC_PER_SEC);
	g_assert_cmpint (cli_run (&fx->cli, NULL, "conflicts", "--profile", "@P", "--json", NULL), ==, 0);
	{
		JsonArray *arr = json_object_get_array_member (json_node_get_object (fx->cli.report), "conflicts");
		JsonObject *c = json_array_get_object_element (arr, 0);
		g_assert_cmpuint (json_array_get_length (arr), ==, 1);
		g_assert_cmpstr (json_object_get_string_member (c, "crm"), ==, "+45 22222222");
		g_assert_cmpstr (json_object_get_string_member (c, "outlook"), ==, "+45 11111111");
		id = json_object_get_int_member (c, "id");
	}
	{
		g_autofree gchar *ids = g_strdup_printf ("%" G_GINT64_FORMAT, id);
		g_assert_cmpint (cli_run (&fx->cli, NULL, "resolve", "--profile", "@P", ids, "--value", "+45 33333333",
					  "--json", NULL),
				 ==, 0);
	}
	g_assert_cmpint (run_sync (fx), ==, 0);
	g_clear_pointer (&found, json_array_unref);
	found = api_query (fx, "SELECT * FROM Person WHERE PersonFirstName = 'Søren'");
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (found, 0), "PersonDirectPhone"), ==,
			 "+45 33333333");
	out = cli_get (&fx->cli, "outlook", "contact", soren_out);
	g_assert_cmpstr (json_object_get_string_member (out, "businessPhone"), ==, "+45 33333333");
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/webcrm/sync/" path, Fx, NULL, fx_setup, fn, fx_teardown)
	ADD ("first-sync-owned", test_first_sync);
	ADD ("contact/company-rule", test_company_rule);
	ADD ("contact/b2c-needs-email", test_b2c_needs_email);
	ADD ("task/comment-markers-10x", test_comment_markers);
	ADD ("task/activity-notes", test_activity_notes);
	ADD ("event/multi-day", test_multi_day);
	ADD ("event/old-meetings-new-pc", test_old_meetings_new_pc);
	ADD ("event/private-and-task-from-outlook", test_private_and_outlook_task);
	ADD ("email/matching", test_email);
	ADD ("email/waits-for-person", test_email_waits_for_person);
	ADD ("email/wait-ends-after-30-days", test_email_wait_ends);
	ADD ("outlook-items/find-organisation", test_outlook_items_find_organisation);
	ADD ("deletions-never-propagate", test_no_deletions);
	ADD ("event/created-then-deleted", test_created_then_deleted);
	ADD ("auth/wrong-code", test_wrong_code);
	ADD ("faults/flaky-server", test_flaky_server);
	ADD ("throttle/first-sync-5000", test_throttle_5000);
	ADD ("undo/cannot-delete", test_undo_cannot_delete);
	ADD ("conflict/resolve-next-run", test_resolve_next_run);
#undef ADD
	return g_test_run ();
}
