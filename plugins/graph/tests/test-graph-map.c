/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-graph-auth.h"
#include "cs-graph-map.h"
#include "cs-graph-private.h"

/* Graph JSON ↔ outlook.json records, time zones and PKCE, without a server */

static JsonObject *
parse (const gchar *json)
{
	g_autoptr(JsonParser) p = json_parser_new ();
	g_autoptr(GError) error = NULL;
	json_parser_load_from_data (p, json, -1, &error);
	g_assert_no_error (error);
	return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static const gchar *
dtz (JsonObject *o, const gchar *member, const gchar *part)
{
	return json_object_get_string_member (json_object_get_object_member (o, member), part);
}

static void
test_timezone_names (void)
{
	g_autofree gchar *a = cs_timezone_to_iana ("W. Europe Standard Time");
	g_autofree gchar *b = cs_timezone_to_iana ("Europe/Copenhagen");
	g_autofree gchar *c = cs_timezone_to_iana ("Mars/Olympus");
	g_autofree gchar *d = cs_timezone_to_iana ("Not A Zone");

	g_assert_cmpstr (cs_timezone_windows_to_iana ("Romance Standard Time"), ==, "Europe/Paris");
	g_assert_cmpstr (cs_timezone_windows_to_iana ("pacific standard time"), ==,
			 "America/Los_Angeles");
	g_assert_cmpstr (cs_timezone_iana_to_windows ("Europe/Copenhagen"), ==,
			 "Romance Standard Time");
	g_assert_cmpstr (cs_timezone_iana_to_windows ("Europe/Berlin"), ==,
			 "W. Europe Standard Time");
	g_assert_cmpstr (cs_timezone_iana_to_windows ("Asia/Kolkata"), ==, "India Standard Time");
	g_assert_null (cs_timezone_iana_to_windows ("Antarctica/Troll"));
	g_assert_cmpstr (a, ==, "Europe/Berlin");
	g_assert_cmpstr (b, ==, "Europe/Copenhagen");
	g_assert_null (c);
	g_assert_null (d);
	/* the names seen most in Outlook resolve in this system's zone database */
	{
		const gchar *names[] = {"UTC", "GMT Standard Time", "Eastern Standard Time",
					"India Standard Time", "AUS Eastern Standard Time",
					"FLE Standard Time", "Tokyo Standard Time", NULL};
		for (guint i = 0; names[i] != NULL; i++) {
			g_autofree gchar *utc = cs_timezone_local_to_utc (names[i],
									  "2025-07-01T12:00:00");
			g_assert_nonnull (utc);
		}
	}
}

/* Copenhagen switched to summer time on 2025-03-30 at 02:00 */
static void
test_timezone_dst (void)
{
	g_autofree gchar *winter = cs_timezone_local_to_utc ("Europe/Copenhagen",
							     "2025-03-29T10:00:00.0000000");
	g_autofree gchar *summer = cs_timezone_local_to_utc ("Romance Standard Time",
							     "2025-03-31T10:00:00");
	g_autofree gchar *back_w = cs_timezone_utc_to_local ("Europe/Copenhagen",
							     "2025-03-29T09:00:00Z");
	g_autofree gchar *back_s = cs_timezone_utc_to_local ("Romance Standard Time",
							     "2025-03-31T08:00:00Z");
	g_autofree gchar *bad = cs_timezone_local_to_utc ("Europe/Copenhagen", "yesterday");

	g_assert_cmpstr (winter, ==, "2025-03-29T09:00:00Z");
	g_assert_cmpstr (summer, ==, "2025-03-31T08:00:00Z");
	g_assert_cmpstr (back_w, ==, "2025-03-29T10:00:00");
	g_assert_cmpstr (back_s, ==, "2025-03-31T10:00:00");
	g_assert_null (bad);
}

static void
test_contact (void)
{
	g_autoptr(JsonObject) item = parse (
	    "{\"id\":\"AAk1\",\"changeKey\":\"ck1\",\"lastModifiedDateTime\":\"2025-01-02T03:04:05Z\","
	    "\"givenName\":\"Ada\",\"surname\":\"Lovelace\",\"companyName\":\"Analytical Engines\","
	    "\"emailAddresses\":[{\"address\":\"ada@example.org\",\"name\":\"Ada\"},{\"address\":"
	    "\"ada@home.example\"}],\"businessPhones\":[\"+44 1\",\"+44 2\"],\"homePhones\":[],"
	    "\"businessAddress\":{\"street\":\"1 Main St\",\"city\":\"London\",\"state\":\"\","
	    "\"countryOrRegion\":\"United Kingdom\",\"postalCode\":\"N1 1AA\"},"
	    "\"birthday\":\"1815-12-09T23:00:00Z\",\"personalNotes\":\"met\",\"categories\":[\"CRM\"]}");
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRecord) r = cs_graph_map_to_record (CS_KIND_CONTACT, item, 0, &error);
	g_autoptr(JsonObject) back = NULL;
	JsonArray *mails;

	g_assert_no_error (error);
	g_assert_cmpstr (cs_record_get_id (r), ==, "AAk1");
	g_assert_cmpstr (cs_record_get_version (r), ==, "ck1");
	g_assert_cmpstr (cs_record_get_string (r, "email1"), ==, "ada@example.org");
	g_assert_cmpstr (cs_record_get_string (r, "email2"), ==, "ada@home.example");
	g_assert_false (cs_record_has_field (r, "email3"));
	g_assert_cmpstr (cs_record_get_string (r, "businessPhone2"), ==, "+44 2");
	g_assert_cmpstr (cs_record_get_string (r, "businessCity"), ==, "London");
	g_assert_false (cs_record_has_field (r, "businessState"));
	/* local midnight kept as the evening before in UTC is still the 10th */
	g_assert_cmpstr (cs_record_get_string (r, "birthday"), ==, "1815-12-10");
	g_assert_cmpstr (cs_record_get_string (r, "notes"), ==, "met");

	cs_record_remove_field (r, "email1");
	back = cs_graph_map_from_record (CS_KIND_CONTACT, r, &error);
	g_assert_no_error (error);
	mails = json_object_get_array_member (back, "emailAddresses");
	g_assert_cmpuint (json_array_get_length (mails), ==, 1);
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (mails, 0),
							"address"),
			 ==, "ada@home.example");
	g_assert_cmpstr (json_object_get_string_member (back, "birthday"), ==,
			 "1815-12-10T00:00:00Z");
	g_assert_cmpstr (json_object_get_string_member (back, "personalNotes"), ==, "met");
	/* a field the record lacks is cleared on the server, not left behind */
	g_assert_true (json_object_has_member (back, "jobTitle"));
	g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (back, "jobTitle")));
}

static void
test_event_timed (void)
{
	g_autoptr(CsRecord) r = cs_record_new (CS_KIND_EVENT, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) out = NULL;
	g_autoptr(JsonObject) served = NULL;
	g_autoptr(CsRecord) back = NULL;

	cs_record_set_string (r, "subject", "Møde");
	cs_record_set_string (r, "start", "2025-03-29T09:00:00Z");
	cs_record_set_string (r, "end", "2025-03-29T10:00:00Z");
	cs_record_set_string (r, "timeZone", "Europe/Copenhagen");
	cs_record_set_string (r, "sensitivity", "private");
	cs_record_set_bool (r, "isReminderOn", TRUE);
	cs_record_set_int (r, "reminderMinutesBeforeStart", 10);
	out = cs_graph_map_from_record (CS_KIND_EVENT, r, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (dtz (out, "start", "dateTime"), ==, "2025-03-29T10:00:00");
	g_assert_cmpstr (dtz (out, "start", "timeZone"), ==, "Europe/Copenhagen");
	g_assert_cmpstr (json_object_get_string_member (out, "sensitivity"), ==, "private");
	g_assert_false (json_object_has_member (out, "attendees"));

	/* as Graph serves it back with Prefer: outlook.timezone="UTC" */
	served = parse ("{\"id\":\"e1\",\"changeKey\":\"k\",\"subject\":\"Møde\",\"isAllDay\":false,"
			"\"start\":{\"dateTime\":\"2025-03-29T09:00:00.0000000\",\"timeZone\":\"UTC\"},"
			"\"end\":{\"dateTime\":\"2025-03-29T10:00:00.0000000\",\"timeZone\":\"UTC\"},"
			"\"originalStartTimeZone\":\"Romance Standard Time\",\"sensitivity\":\"private\","
			"\"isReminderOn\":true,\"reminderMinutesBeforeStart\":10,"
			"\"organizer\":{\"emailAddress\":{\"address\":\"ada@contoso.example\"}}}");
	back = cs_graph_map_to_record (CS_KIND_EVENT, served, 0, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (cs_record_get_string (back, "start"), ==, "2025-03-29T09:00:00Z");
	g_assert_cmpstr (cs_record_get_string (back, "end"), ==, "2025-03-29T10:00:00Z");
	/* a Windows zone written by Outlook comes as its IANA name */
	g_assert_cmpstr (cs_record_get_string (back, "timeZone"), ==, "Europe/Paris");
	g_assert_cmpint (cs_record_get_int (back, "reminderMinutesBeforeStart", 0), ==, 10);
	g_assert_cmpstr (cs_record_get_string (back, "organizer"), ==, "ada@contoso.example");
}

static void
test_event_all_day (void)
{
	g_autoptr(CsRecord) r = cs_record_new (CS_KIND_EVENT, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) out = NULL;
	g_autoptr(JsonObject) served = NULL;
	g_autoptr(CsRecord) back = NULL;

	cs_record_set_string (r, "subject", "Fair");
	cs_record_set_bool (r, "isAllDay", TRUE);
	cs_record_set_string (r, "start", "2025-03-30");
	cs_record_set_string (r, "end", "2025-03-31");
	cs_record_set_string (r, "timeZone", "Europe/Copenhagen");
	out = cs_graph_map_from_record (CS_KIND_EVENT, r, &error);
	g_assert_no_error (error);
	g_assert_true (json_object_get_boolean_member (out, "isAllDay"));
	g_assert_cmpstr (dtz (out, "start", "dateTime"), ==, "2025-03-30T00:00:00");
	g_assert_cmpstr (dtz (out, "end", "dateTime"), ==, "2025-03-31T00:00:00");
	g_assert_cmpstr (dtz (out, "start", "timeZone"), ==, dtz (out, "end", "timeZone"));

	/* a one-day event given as start = end gets its exclusive end */
	cs_record_set_string (r, "end", "2025-03-30");
	g_clear_pointer (&out, json_object_unref);
	out = cs_graph_map_from_record (CS_KIND_EVENT, r, &error);
	g_assert_cmpstr (dtz (out, "end", "dateTime"), ==, "2025-03-31T00:00:00");

	served = parse ("{\"id\":\"e2\",\"subject\":\"Fair\",\"isAllDay\":true,"
			"\"start\":{\"dateTime\":\"2025-03-30T00:00:00.0000000\",\"timeZone\":\"UTC\"},"
			"\"end\":{\"dateTime\":\"2025-03-31T00:00:00.0000000\",\"timeZone\":\"UTC\"}}");
	back = cs_graph_map_to_record (CS_KIND_EVENT, served, 0, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (cs_record_get_string (back, "start"), ==, "2025-03-30");
	g_assert_cmpstr (cs_record_get_string (back, "end"), ==, "2025-03-31");
	g_assert_true (cs_record_get_bool (back, "isAllDay", FALSE));
}

static void
test_event_recurrence (void)
{
	g_autoptr(CsRecord) r = cs_record_new (CS_KIND_EVENT, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) out = NULL;
	g_autoptr(JsonObject) rec_in = parse (
	    "{\"pattern\":{\"type\":\"weekly\",\"interval\":2,\"daysOfWeek\":[\"monday\",\"thursday\"],"
	    "\"dayOfMonth\":0,\"month\":0,\"index\":\"first\",\"firstDayOfWeek\":\"monday\"},"
	    "\"range\":{\"type\":\"endDate\",\"startDate\":\"2025-03-03\",\"endDate\":\"2025-06-30\","
	    "\"numberOfOccurrences\":0,\"recurrenceTimeZone\":\"Europe/Copenhagen\"},"
	    "\"exceptions\":[{\"originalStart\":\"2025-03-10T08:00:00Z\",\"deleted\":true}]}");
	g_autoptr(JsonNode) rec_node = json_node_new (JSON_NODE_OBJECT);
	JsonObject *p, *rg;
	g_autofree gchar *text = NULL;

	json_node_set_object (rec_node, rec_in);
	cs_record_set_string (r, "subject", "Jour fixe");
	cs_record_set_string (r, "start", "2025-03-03T08:00:00Z");
	cs_record_set_string (r, "end", "2025-03-03T08:30:00Z");
	cs_record_set_string (r, "timeZone", "Europe/Copenhagen");
	cs_record_set_field (r, "recurrence", cs_json_to_value (rec_node));
	out = cs_graph_map_from_record (CS_KIND_EVENT, r, &error);
	g_assert_no_error (error);
	p = json_object_get_object_member (json_object_get_object_member (out, "recurrence"),
					   "pattern");
	rg = json_object_get_object_member (json_object_get_object_member (out, "recurrence"),
					    "range");
	/* only what a weekly pattern takes, else Graph answers 400 */
	g_assert_false (json_object_has_member (p, "dayOfMonth"));
	g_assert_false (json_object_has_member (p, "month"));
	g_assert_false (json_object_has_member (p, "index"));
	g_assert_cmpint (json_object_get_int_member (p, "interval"), ==, 2);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (p, "daysOfWeek")), ==,
			  2);
	g_assert_false (json_object_has_member (rg, "numberOfOccurrences"));
	g_assert_cmpstr (json_object_get_string_member (rg, "recurrenceTimeZone"), ==,
			 "Europe/Copenhagen");
	text = json_to_string (json_object_get_member (out, "recurrence"), FALSE);
	g_assert_null (strstr (text, "exceptions"));
}

static void
test_task (void)
{
	g_autoptr(JsonObject) item = parse (
	    "{\"id\":\"t1\",\"@odata.etag\":\"W/\\\"e1\\\"\",\"title\":\"Call Ada\",\"status\":"
	    "\"waitingOnOthers\",\"importance\":\"high\",\"body\":{\"contentType\":\"html\","
	    "\"content\":\"<p>about the <b>offer</b></p>\"},\"dueDateTime\":{\"dateTime\":"
	    "\"2025-03-01T00:00:00.0000000\",\"timeZone\":\"UTC\"},\"isReminderOn\":true,"
	    "\"reminderDateTime\":{\"dateTime\":\"2025-02-28T09:00:00.0000000\",\"timeZone\":"
	    "\"W. Europe Standard Time\"}}");
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRecord) r = cs_graph_map_to_record (CS_KIND_TASK, item, 0, &error);
	g_autoptr(JsonObject) out = NULL;

	g_assert_no_error (error);
	g_assert_cmpstr (cs_record_get_version (r), ==, "W/\"e1\"");
	g_assert_cmpstr (cs_record_get_string (r, "subject"), ==, "Call Ada");
	g_assert_cmpstr (cs_record_get_string (r, "status"), ==, "waitingOnOthers");
	g_assert_cmpstr (cs_record_get_string (r, "dueDate"), ==, "2025-03-01");
	g_assert_cmpstr (cs_record_get_string (r, "reminderDateTime"), ==, "2025-02-28T08:00:00Z");
	g_assert_cmpstr (cs_record_get_string (r, "body"), ==, "about the offer");

	cs_record_set_string (r, "status", "completed");
	cs_record_set_string (r, "completedDate", "2025-03-02");
	out = cs_graph_map_from_record (CS_KIND_TASK, r, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (json_object_get_string_member (out, "status"), ==, "completed");
	g_assert_cmpstr (dtz (out, "dueDateTime", "dateTime"), ==, "2025-03-01T00:00:00");
	g_assert_cmpstr (dtz (out, "completedDateTime", "dateTime"), ==, "2025-03-02T00:00:00");
	g_assert_cmpstr (dtz (out, "reminderDateTime", "dateTime"), ==, "2025-02-28T08:00:00");
	g_assert_cmpstr (dtz (out, "reminderDateTime", "timeZone"), ==, "UTC");

	/* a status To Do does not have never reaches it */
	cs_record_set_string (r, "status", "Open");
	g_clear_pointer (&out, json_object_unref);
	out = cs_graph_map_from_record (CS_KIND_TASK, r, &error);
	g_assert_cmpstr (json_object_get_string_member (out, "status"), ==, "notStarted");
}

static void
test_email (void)
{
	g_autoptr(JsonObject) item = parse (
	    "{\"id\":\"m1\",\"changeKey\":\"c\",\"internetMessageId\":\"<m1@example.org>\","
	    "\"subject\":\"Tilbud\",\"from\":{\"emailAddress\":{\"name\":\"Ada\",\"address\":"
	    "\"ada@contoso.example\"}},\"toRecipients\":[{\"emailAddress\":{\"name\":\"Bo\","
	    "\"address\":\"bo@example.org\"}},{\"emailAddress\":{\"address\":\"cy@example.org\"}}],"
	    "\"ccRecipients\":[],\"sentDateTime\":\"2026-01-02T10:00:00.123Z\",\"hasAttachments\":true,"
	    "\"body\":{\"contentType\":\"text\",\"content\":\"Hej\"}}");
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRecord) r = cs_graph_map_to_record (CS_KIND_EMAIL, item, CS_GRAPH_MAIL_OUTBOUND,
							&error);
	g_autofree const gchar **to = NULL;
	g_autoptr(JsonObject) none = NULL;

	g_assert_no_error (error);
	g_assert_cmpstr (cs_record_get_string (r, "messageId"), ==, "<m1@example.org>");
	g_assert_cmpstr (cs_record_get_string (r, "direction"), ==, "outbound");
	g_assert_cmpstr (cs_record_get_string (r, "fromAddress"), ==, "ada@contoso.example");
	to = g_variant_get_strv (cs_record_get_field (r, "toAddresses"), NULL);
	g_assert_cmpstr (to[0], ==, "bo@example.org");
	g_assert_cmpstr (to[1], ==, "cy@example.org");
	g_assert_cmpstr (cs_record_get_string (r, "sentDateTime"), ==, "2026-01-02T10:00:00Z");
	g_assert_true (cs_record_get_bool (r, "hasAttachments", FALSE));
	none = cs_graph_map_from_record (CS_KIND_EMAIL, r, &error);
	g_assert_null (none);
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_READ_ONLY);
}

static void
test_pkce (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *v1 = cs_graph_auth_pkce_verifier (&error);
	g_autofree gchar *v2 = cs_graph_auth_pkce_verifier (&error);
	g_autofree gchar *rfc = cs_graph_auth_pkce_challenge (
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

	g_assert_no_error (error);
	g_assert_cmpuint (strlen (v1), ==, 43);
	g_assert_cmpuint (strspn (v1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
			  ==, 43);
	g_assert_cmpstr (v1, !=, v2);
	/* RFC 7636 appendix B */
	g_assert_cmpstr (rfc, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

/* a $batch answer to one create and one update: the create's id answered
 * twice (201, then 500) is the create that happened, not an error (it would
 * be made again next run); a 429 with its Retry-After as a number under a
 * lower-case name sends the update again after that long */
static void
test_batch_answer (void)
{
	g_autoptr(GPtrArray) chunk = g_ptr_array_new ();
	g_autoptr(GPtrArray) retry = g_ptr_array_new ();
	g_autoptr(CsRecord) made = cs_record_new (CS_KIND_CONTACT, NULL);
	g_autoptr(CsRecord) changed = cs_record_new (CS_KIND_CONTACT, "AAkALold");
	CsWriteOp *create = cs_write_op_new (CS_WRITE_CREATE, made);
	CsWriteOp *update = cs_write_op_new (CS_WRITE_UPDATE, changed);
	CsGraphPending p0 = {create, NULL, NULL, NULL, NULL, 0};
	CsGraphPending p1 = {update, NULL, NULL, NULL, NULL, 0};
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = json_from_string (
	    "{\"responses\":["
	    "{\"id\":\"1\",\"status\":429,\"headers\":{\"retry-after\":7},\"body\":{}},"
	    "{\"id\":\"0\",\"status\":201,\"body\":{\"id\":\"AAkALnew\",\"givenName\":\"Ada\"}},"
	    "{\"id\":\"0\",\"status\":500,\"body\":{\"error\":{\"code\":\"generalException\",\"message\":\"x\"}}}]}",
	    &error);
	guint wait_s = 0;

	g_assert_no_error (error);
	g_ptr_array_add (chunk, &p0);
	g_ptr_array_add (chunk, &p1);
	g_autoptr(CsJsonDoc) doc = NULL;

	g_assert_no_error (error);
	doc = cs_json_doc_new_from_node (answer);
	g_assert_true (cs_graph_take_batch (CS_KIND_CONTACT, chunk, cs_json_doc_get_root (doc), retry,
					    &wait_s, &error));
	g_assert_no_error (error);
	g_assert_no_error (create->error);
	g_assert_cmpstr (create->id, ==, "AAkALnew");
	g_assert_cmpuint (retry->len, ==, 1);
	g_assert_true (g_ptr_array_index (retry, 0) == &p1);
	g_assert_cmpuint (wait_s, ==, 7);
	g_assert_cmpuint (cs_http_retry_after_seconds ("120"), ==, 120);
	g_assert_cmpuint (cs_http_retry_after_seconds ("soon"), ==, 0);
	cs_write_op_free (create);
	cs_write_op_free (update);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/graph/timezone/names", test_timezone_names);
	g_test_add_func ("/graph/timezone/dst", test_timezone_dst);
	g_test_add_func ("/graph/map/contact", test_contact);
	g_test_add_func ("/graph/map/event/timed", test_event_timed);
	g_test_add_func ("/graph/map/event/all-day", test_event_all_day);
	g_test_add_func ("/graph/map/event/recurrence", test_event_recurrence);
	g_test_add_func ("/graph/map/task", test_task);
	g_test_add_func ("/graph/map/email", test_email);
	g_test_add_func ("/graph/auth/pkce", test_pkce);
	g_test_add_func ("/graph/batch/answer", test_batch_answer);
	return g_test_run ();
}
