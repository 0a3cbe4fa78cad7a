/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The webCRM emulator against the spec's examples (api-specs.md section 2):
 * it is run as a subprocess, as the plugin's tests and the demo use it.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "emu-launch.h"

#define AUTH_CODE "0f9c1e2a-7b4d-4c1e-9a53-5e2f8d6b7a10"

typedef struct {
	GSubprocess *proc;
	gchar *origin;
	SoupSession *session;
	gchar *token;
	gchar *refresh;
} Emu;


static Emu *emu_start_full (const gchar *options, const gchar *generate, const gchar *seed);

static Emu *
emu_start (const gchar *options, const gchar *generate)
{
	return emu_start_full (options, generate, NULL);
}

static Emu *
emu_start_full (const gchar *options, const gchar *generate, const gchar *seed)
{
	Emu *emu = g_new0 (Emu, 1);
	const gchar *args[] = {"--generate", generate != NULL ? generate : "0",
			       seed != NULL ? "--seed" : NULL, seed, NULL};

	emu->proc = emu_launch_start ("webcrm", options, args, &emu->origin);
	emu->session = soup_session_new ();
	return emu;
}

static void
emu_stop (Emu *emu)
{
	emu_launch_stop (&emu->proc);
	g_object_unref (emu->session);
	g_free (emu->origin);
	g_free (emu->token);
	g_free (emu->refresh);
	g_free (emu);
}

typedef struct {
	guint status;
	gchar *body;
	gchar *retry_after;
} Resp;

static void
resp_free (Resp *r)
{
	g_free (r->body);
	g_free (r->retry_after);
	g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Resp, resp_free)

static Resp *
req_full (Emu *emu, const gchar *method, const gchar *path, const gchar *content_type,
	  const gchar *body, const gchar *header, const gchar *header_value)
{
	g_autofree gchar *url = g_strconcat (emu->origin, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new (method, url);
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(GError) error = NULL;
	Resp *r = g_new0 (Resp, 1);

	g_assert_nonnull (msg);
	if (emu->token != NULL) {
		g_autofree gchar *auth = g_strconcat ("Bearer ", emu->token, NULL);
		soup_message_headers_replace (soup_message_get_request_headers (msg),
					      "Authorization", auth);
	}
	if (header != NULL)
		soup_message_headers_replace (soup_message_get_request_headers (msg), header,
					      header_value);
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
		soup_message_set_request_body_from_bytes (msg, content_type, b);
	}
	answer = soup_session_send_and_read (emu->session, msg, NULL, &error);
	g_assert_no_error (error);
	r->status = soup_message_get_status (msg);
	r->body = g_bytes_get_size (answer) > 0
		      ? g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer))
		      : g_strdup ("");
	r->retry_after = g_strdup (soup_message_headers_get_one (
	    soup_message_get_response_headers (msg), "Retry-After"));
	return r;
}

static Resp *
req (Emu *emu, const gchar *method, const gchar *path, const gchar *json)
{
	return req_full (emu, method, path, "application/json", json, NULL, NULL);
}

static JsonNode *
parse (const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autoptr(GError) error = NULL;
	json_parser_load_from_data (parser, text, -1, &error);
	g_assert_no_error (error);
	return json_node_ref (json_parser_get_root (parser));
}

static void
login (Emu *emu)
{
	g_autoptr(Resp) r = req_full (emu, "POST", "/Auth/ApiLogin",
				      "application/x-www-form-urlencoded", "authCode=" AUTH_CODE,
				      NULL, NULL);
	g_autoptr(JsonNode) n = NULL;
	g_assert_cmpuint (r->status, ==, 200);
	n = parse (r->body);
	g_free (emu->token);
	g_free (emu->refresh);
	emu->token = g_strdup (
		json_object_get_string_member (json_node_get_object (n), "AccessToken"));
	emu->refresh =
	    g_strdup (json_object_get_string_member (json_node_get_object (n), "RefreshToken"));
}

static gchar *
query_path (const gchar *script, guint page, guint size)
{
	g_autofree gchar *esc = g_uri_escape_string (script, NULL, FALSE);
	return g_strdup_printf ("/Queries?script=%s&Page=%u&Size=%u", esc, page, size);
}

/* ---------------------------------------------------------------------------------------- */

static void
test_auth_login_forms (void)
{
	Emu *emu = emu_start (NULL, NULL);
	g_autoptr(Resp) multipart = NULL;
	g_autoptr(Resp) urlenc = NULL;
	g_autoptr(Resp) header = NULL;
	g_autoptr(Resp) wrong = NULL;
	g_autoptr(JsonNode) n = NULL;
	JsonObject *o;
	const gchar *mp_body
		= "--XyZ\r\nContent-Disposition: form-data; name=\"authCode\"\r\n\r\n" AUTH_CODE
		  "\r\n--XyZ--\r\n";

	/* the swagger's multipart form, the urlencoded form of clients in the wild, a header */
	multipart = req_full (emu, "POST", "/Auth/ApiLogin", "multipart/form-data; boundary=XyZ",
			      mp_body, NULL, NULL);
	g_assert_cmpuint (multipart->status, ==, 200);
	n = parse (multipart->body);
	o = json_node_get_object (n);
	g_assert_cmpuint (strlen (json_object_get_string_member (o, "AccessToken")), >, 10);
	g_assert_cmpuint (strlen (json_object_get_string_member (o, "RefreshToken")), >, 10);
	g_assert_false (json_object_get_boolean_member (o, "IsError"));
	g_assert_cmpint (json_object_get_int_member (o, "ExpiresIn"), ==, 3600);
	g_assert_cmpstr (json_object_get_string_member (o, "TokenType"), ==, "Bearer");
	g_assert_true (json_object_get_null_member (o, "Error"));

	urlenc = req_full (emu, "POST", "/Auth/ApiLogin", "application/x-www-form-urlencoded",
			   "authCode=" AUTH_CODE, NULL, NULL);
	g_assert_cmpuint (urlenc->status, ==, 200);
	header = req_full (emu, "POST", "/Auth/ApiLogin", NULL, NULL, "authCode", AUTH_CODE);
	g_assert_cmpuint (header->status, ==, 200);

	wrong = req_full (emu, "POST", "/Auth/ApiLogin", "application/x-www-form-urlencoded",
			  "authCode=not-the-code", NULL, NULL);
	g_assert_cmpuint (wrong->status, ==, 400);
	g_clear_pointer (&n, json_node_unref);
	n = parse (wrong->body);
	g_assert_true (json_object_get_boolean_member (json_node_get_object (n), "IsError"));
	g_assert_true (json_object_get_null_member (json_node_get_object (n), "AccessToken"));
	emu_stop (emu);
}

static void
test_auth_bearer_refresh (void)
{
	Emu *emu = emu_start (NULL, "2");
	g_autoptr(Resp) none = NULL;
	g_autoptr(Resp) ok = NULL;
	g_autoptr(Resp) expired = NULL;
	g_autoptr(Resp) refreshed = NULL;
	g_autoptr(Resp) reused = NULL;
	g_autoptr(Resp) again = NULL;
	g_autoptr(Resp) ctl = NULL;
	g_autoptr(JsonNode) n = NULL;
	g_autofree gchar *old_refresh = NULL;
	g_autofree gchar *mp = NULL;

	none = req (emu, "GET", "/Persons", NULL);
	g_assert_cmpuint (none->status, ==, 401);
	login (emu);
	ok = req (emu, "GET", "/Persons", NULL);
	g_assert_cmpuint (ok->status, ==, 200);

	ctl = req (emu, "POST", "/_emulator/expire-tokens", NULL);
	g_assert_cmpuint (ctl->status, ==, 204);
	expired = req (emu, "GET", "/Persons", NULL);
	g_assert_cmpuint (expired->status, ==, 401);

	/* refreshToken in a header (swagger 2019, the 2018 SDK) */
	old_refresh = g_strdup (emu->refresh);
	refreshed = req_full (emu, "POST", "/Auth/ApiRefresh", NULL, NULL, "refreshToken",
			      old_refresh);
	g_assert_cmpuint (refreshed->status, ==, 200);
	n = parse (refreshed->body);
	g_free (emu->token);
	emu->token = g_strdup (
		json_object_get_string_member (json_node_get_object (n), "AccessToken"));
	g_free (emu->refresh);
	emu->refresh =
	    g_strdup (json_object_get_string_member (json_node_get_object (n), "RefreshToken"));
	again = req (emu, "GET", "/Persons", NULL);
	g_assert_cmpuint (again->status, ==, 200);

	/* a used refresh token is spent; the new one works as a multipart field (tap-webcrm) */
	reused = req_full (emu, "POST", "/Auth/ApiRefresh", NULL, NULL, "refreshToken",
			   old_refresh);
	g_assert_cmpuint (reused->status, ==, 400);
	mp = g_strdup_printf (
		"--b\r\nContent-Disposition: form-data; name=\"refreshToken\"\r\n\r\n%s"
		"\r\n--b--\r\n",
		emu->refresh);
	{
		g_autoptr(Resp) form = req_full (emu, "POST", "/Auth/ApiRefresh",
						 "multipart/form-data; boundary=b", mp, NULL, NULL);
		g_assert_cmpuint (form->status, ==, 200);
	}
	emu_stop (emu);
}

/* the spec's POST /Persons example, then GET, PUT (replace), no DELETE */
static void
test_persons_crud (void)
{
	Emu *emu = emu_start (NULL, "20");
	g_autoptr(Resp) post = NULL;
	g_autoptr(Resp) get = NULL;
	g_autoptr(Resp) put = NULL;
	g_autoptr(Resp) get2 = NULL;
	g_autoptr(Resp) del = NULL;
	g_autoptr(Resp) bad_status = NULL;
	g_autoptr(Resp) no_org = NULL;
	g_autoptr(Resp) missing = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(JsonNode) person = NULL;
	g_autoptr(JsonNode) person2 = NULL;
	g_autofree gchar *path = NULL;
	JsonObject *p;

	login (emu);
	post = req (
		emu, "POST", "/Persons",
		"{\"PersonId\":0,\"PersonOrganisationId\":1017,\"PersonFirstName\":\"Ada\","
		"\"PersonLastName\":\"Lovelace\",\"PersonTitle\":\"Analyst\",\"PersonEmail\":"
		"\"ada@example.org\",\"PersonMobilePhone\":\"+45 12 34 56 78\",\"PersonStatus\":"
		"\"Active\"}");
	g_assert_cmpuint (post->status, ==, 200);
	/* a bare integer */
	id = parse (post->body);
	g_assert_true (JSON_NODE_HOLDS_VALUE (id));
	g_assert_cmpint (json_node_get_value_type (id), ==, G_TYPE_INT64);
	path = g_strdup_printf ("/Persons/%" G_GINT64_FORMAT, json_node_get_int (id));

	get = req (emu, "GET", path, NULL);
	g_assert_cmpuint (get->status, ==, 200);
	person = parse (get->body);
	p = json_node_get_object (person);
	g_assert_cmpint (json_object_get_int_member (p, "PersonId"), ==, json_node_get_int (id));
	g_assert_cmpstr (json_object_get_string_member (p, "PersonFirstName"), ==, "Ada");
	g_assert_cmpstr (json_object_get_string_member (p, "PersonName"), ==, "Ada Lovelace");
	g_assert_cmpint (json_object_get_int_member (p, "PersonOrganisationId"), ==, 1017);
	g_assert_nonnull (json_object_get_string_member (p, "PersonUpdatedAt"));
	/* pick-list fields not sent get the first value (the reference's rule) */
	g_assert_cmpstr (json_object_get_string_member (p, "PersonCustom1"), ==, "Prospect");

	/* PUT replaces: what is left out is gone */
	put = req (emu, "PUT", path,
		   "{\"PersonOrganisationId\":1017,\"PersonFirstName\":\"Augusta\","
		   "\"PersonLastName\":\"King\"}");
	g_assert_cmpuint (put->status, ==, 200);
	g_assert_cmpstr (put->body, ==, "");
	get2 = req (emu, "GET", path, NULL);
	person2 = parse (get2->body);
	p = json_node_get_object (person2);
	g_assert_cmpstr (json_object_get_string_member (p, "PersonFirstName"), ==, "Augusta");
	g_assert_false (json_object_has_member (p, "PersonEmail"));
	g_assert_nonnull (json_object_get_string_member (p, "PersonCreatedAt"));

	del = req (emu, "DELETE", path, NULL);
	g_assert_cmpuint (del->status, ==, 405);
	bad_status = req (emu, "POST", "/Persons",
			  "{\"PersonOrganisationId\":1001,\"PersonStatus\":\"Retired\"}");
	g_assert_cmpuint (bad_status->status, ==, 400);
	g_assert_nonnull (strstr (bad_status->body, "PersonStatus"));
	no_org = req (emu, "POST", "/Persons", "{\"PersonFirstName\":\"No\"}");
	g_assert_cmpuint (no_org->status, ==, 400);
	missing = req (emu, "PUT", "/Persons/999999", "{\"PersonOrganisationId\":1001}");
	g_assert_cmpuint (missing->status, ==, 404);
	{
		/* B2C persons need no organisation */
		g_autoptr (Resp) b2c
			= req (emu, "POST", "/PersonsB2C",
			       "{\"PersonFirstName\":\"Bo\",\"PersonEmail\":\"bo@x.dk\"}");
		g_assert_cmpuint (b2c->status, ==, 200);
	}
	emu_stop (emu);
}

static void
test_paging (void)
{
	Emu *emu = emu_start (NULL, "25");
	guint total = 0;
	g_autoptr(Resp) too_big = NULL;
	g_autoptr(Resp) zero = NULL;
	g_autoptr(Resp) dflt = NULL;
	g_autoptr(JsonNode) d = NULL;

	login (emu);
	for (guint page = 1;; page++) {
		g_autofree gchar *path = g_strdup_printf ("/Persons?page=%u&size=10", page);
		g_autoptr(Resp) r = req (emu, "GET", path, NULL);
		g_autoptr(JsonNode) n = NULL;
		guint len;
		g_assert_cmpuint (r->status, ==, 200);
		n = parse (r->body);
		g_assert_true (JSON_NODE_HOLDS_ARRAY (n));
		len = json_array_get_length (json_node_get_array (n));
		if (len == 0)
			break;
		g_assert_cmpuint (len, <=, 10);
		total += len;
		g_assert_cmpuint (page, <, 10);
	}
	g_assert_cmpuint (total, ==, 25);
	too_big = req (emu, "GET", "/Persons?Page=1&Size=1001", NULL);
	g_assert_cmpuint (too_big->status, ==, 400);
	zero = req (emu, "GET", "/Persons?Page=0&Size=10", NULL);
	g_assert_cmpuint (zero->status, ==, 400);
	/* ⚠ default page size (50 unless told otherwise) */
	dflt = req (emu, "GET", "/Activities", NULL);
	d = parse (dflt->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (d)), ==, 25);
	emu_stop (emu);
}

/* the spec's "updated since" query and its paging to [] */
static void
test_queries (void)
{
	Emu *emu = emu_start (NULL, "30");
	g_autofree gchar *p1 = NULL;
	g_autofree gchar *p2 = NULL;
	g_autofree gchar *future = NULL;
	g_autofree gchar *join = NULL;
	g_autofree gchar *inj = NULL;
	g_autofree gchar *quote = NULL;
	g_autoptr(Resp) r1 = NULL;
	g_autoptr(Resp) r2 = NULL;
	g_autoptr(Resp) rf = NULL;
	g_autoptr(Resp) rj = NULL;
	g_autoptr(Resp) ri = NULL;
	g_autoptr(Resp) rq = NULL;
	g_autoptr(Resp) post = NULL;
	g_autoptr(JsonNode) n1 = NULL;
	g_autoptr(JsonNode) n2 = NULL;
	g_autoptr(JsonNode) nf = NULL;
	g_autoptr(JsonNode) nj = NULL;
	g_autoptr(JsonNode) nq = NULL;
	JsonObject *row;

	login (emu);
	p1 = query_path ("SELECT * FROM Person WHERE PersonUpdatedAt >= '2024-05-01T00:00:00Z' "
			 "ORDER BY PersonUpdatedAt ASC",
			 1, 500);
	r1 = req (emu, "GET", p1, NULL);
	g_assert_cmpuint (r1->status, ==, 200);
	n1 = parse (r1->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (n1)), ==, 30);
	row = json_array_get_object_element (json_node_get_array (n1), 0);
	/* rows use the DTO's property names */
	g_assert_true (json_object_has_member (row, "PersonId"));
	g_assert_true (json_object_has_member (row, "PersonFirstName"));
	g_assert_true (json_object_has_member (row, "PersonUpdatedAt"));
	p2 = query_path ("SELECT * FROM Person WHERE PersonUpdatedAt >= '2024-05-01T00:00:00Z' "
			 "ORDER BY PersonUpdatedAt ASC",
			 2, 500);
	r2 = req (emu, "GET", p2, NULL);
	n2 = parse (r2->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (n2)), ==, 0);

	/* the official code's 7-digit fraction form; nothing is newer than the future */
	future = query_path ("SELECT * FROM Person WHERE PersonUpdatedAt >= "
			     "'2099-10-05T12:00:00.0000000Z'",
			     1, 1000);
	rf = req (emu, "GET", future, NULL);
	g_assert_cmpuint (rf->status, ==, 200);
	nf = parse (rf->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (nf)), ==, 0);

	join = query_path ("SELECT * FROM Person JOIN Organisation ON (Person.PersonOrganisationId "
			   "= Organisation.OrganisationId) WHERE PersonId = 1003",
			   1, 10);
	rj = req (emu, "GET", join, NULL);
	g_assert_cmpuint (rj->status, ==, 200);
	nj = parse (rj->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (nj)), ==, 1);
	row = json_array_get_object_element (json_node_get_array (nj), 0);
	g_assert_cmpint (json_object_get_int_member (row, "OrganisationId"), ==,
			 json_object_get_int_member (row, "PersonOrganisationId"));
	g_assert_nonnull (json_object_get_string_member (row, "OrganisationName"));

	/* a literal with a quote in it finds the row; SQL in the script is rejected */
	post = req (emu, "POST", "/Persons",
		    "{\"PersonOrganisationId\":1001,\"PersonLastName\":\"O'Brien\","
		    "\"PersonEmail\":\"ob@example.org\"}");
	g_assert_cmpuint (post->status, ==, 200);
	quote = query_path ("SELECT * FROM Person WHERE PersonLastName = 'O''Brien' OR "
			    "PersonEmail2 = 'ob@example.org'",
			    1, 10);
	rq = req (emu, "GET", quote, NULL);
	g_assert_cmpuint (rq->status, ==, 200);
	nq = parse (rq->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (nq)), ==, 1);
	inj = query_path ("SELECT * FROM Person; DROP TABLE entity", 1, 10);
	ri = req (emu, "GET", inj, NULL);
	g_assert_cmpuint (ri->status, ==, 400);
	emu_stop (emu);
}

static void
test_patch_upsert (void)
{
	Emu *emu = emu_start (NULL, "3");
	g_autoptr(Resp) r = NULL;
	g_autoptr(Resp) get = NULL;
	g_autoptr(JsonNode) n = NULL;
	g_autoptr(JsonNode) org = NULL;
	g_autofree gchar *long_name = NULL;
	g_autofree gchar *body = NULL;
	JsonArray *a;

	login (emu);
	/* 201 characters: longer than the 200 the swagger allows */
	long_name = g_strnfill (201, 'x');
	body = g_strdup_printf ("[{\"OrganisationId\":0,\"OrganisationName\":\"Ny Kunde ApS\"},"
				"{\"OrganisationId\":1002,\"OrganisationName\":\"Omdøbt A/S\"},"
				"{\"OrganisationId\":4242,\"OrganisationName\":\"Ghost\"},"
				"{\"OrganisationName\":\"%s\"}]",
				long_name);
	r = req (emu, "PATCH", "/Organisations", body);
	g_assert_cmpuint (r->status, ==, 200);
	n = parse (r->body);
	a = json_node_get_array (n);
	g_assert_cmpuint (json_array_get_length (a), ==, 4);
	g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "1004");
	g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "1002");
	g_assert_true (g_str_has_prefix (json_array_get_string_element (a, 2), "Error: "));
	g_assert_true (g_str_has_prefix (json_array_get_string_element (a, 3), "Error: "));
	get = req (emu, "GET", "/Organisations/1002", NULL);
	org = parse (get->body);
	g_assert_cmpstr (json_object_get_string_member (json_node_get_object (org),
							"OrganisationName"),
			 ==, "Omdøbt A/S");
	{
		/* Organisations POST answers without a body (spec 2.5) */
		g_autoptr(Resp) post = req (emu, "POST", "/Organisations",
					    "{\"OrganisationName\":\"Via POST\"}");
		g_assert_cmpuint (post->status, ==, 200);
		g_assert_cmpstr (post->body, ==, "");
	}
	emu_stop (emu);
}

static void
test_activities_notes (void)
{
	Emu *emu = emu_start (NULL, "3");
	g_autoptr(Resp) post = NULL;
	g_autoptr(Resp) get = NULL;
	g_autoptr(Resp) note = NULL;
	g_autoptr(Resp) notes = NULL;
	g_autoptr(Resp) del = NULL;
	g_autoptr(Resp) notes2 = NULL;
	g_autoptr(Resp) by_status = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(JsonNode) act = NULL;
	g_autoptr(JsonNode) nn = NULL;
	g_autoptr(JsonNode) nn2 = NULL;
	g_autoptr(JsonNode) bs = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *notes_path = NULL;
	g_autofree gchar *newest = NULL;

	login (emu);
	post = req (emu, "POST", "/Activities",
		    "{\"ActivityOrganisationId\":1001,\"ActivityAssignedTo\":2,"
		    "\"ActivityDescription\":\"Ring tilbage\",\"ActivityDateTime\":"
		    "\"2026-03-01T10:00:00Z\"}");
	g_assert_cmpuint (post->status, ==, 200);
	id = parse (post->body);
	path = g_strdup_printf ("/Activities/%" G_GINT64_FORMAT, json_node_get_int (id));
	get = req (emu, "GET", path, NULL);
	act = parse (get->body);
	/* defaults: the first enum value and the first pick-list value */
	g_assert_cmpstr (json_object_get_string_member (json_node_get_object (act),
							"ActivityStatus"),
			 ==, "Planned");
	g_assert_cmpstr (json_object_get_string_member (json_node_get_object (act), "ActivityType"),
			 ==, "Follow-up");
	g_assert_cmpstr (json_object_get_string_member (json_node_get_object (act),
							"ActivityCustom4"),
			 ==, "C");

	notes_path = g_strconcat (path, "/Notes", NULL);
	note = req (emu, "POST", notes_path, "{\"Comment\":\"Kunden ringer igen\"}");
	g_assert_cmpuint (note->status, ==, 200);
	notes = req (emu, "GET", notes_path, NULL);
	nn = parse (notes->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (nn)), ==, 1);
	g_assert_cmpstr (
		json_object_get_string_member (
			json_array_get_object_element (json_node_get_array (nn), 0), "Comment"),
		==, "Kunden ringer igen");
	newest = g_strconcat (path, "/NewestNote", NULL);
	del = req (emu, "DELETE", newest, NULL);
	g_assert_cmpuint (del->status, ==, 204);
	notes2 = req (emu, "GET", notes_path, NULL);
	nn2 = parse (notes2->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (nn2)), ==, 0);

	by_status = req (emu, "GET", "/Activities/ByStatus/Completed?Page=1&Size=100", NULL);
	bs = parse (by_status->body);
	for (guint i = 0; i < json_array_get_length (json_node_get_array (bs)); i++)
		g_assert_cmpstr (json_object_get_string_member (
				     json_array_get_object_element (json_node_get_array (bs), i),
				     "ActivityStatus"),
				 ==, "Completed");
	{
		g_autoptr(Resp) unknown_user = req (emu, "POST", "/Activities",
						    "{\"ActivityAssignedTo\":77}");
		g_assert_cmpuint (unknown_user->status, ==, 400);
	}
	emu_stop (emu);
}

static void
test_meetings (void)
{
	Emu *emu = emu_start (NULL, NULL);
	g_autoptr(Resp) no_desc = NULL;
	g_autoptr(Resp) post = NULL;
	g_autoptr(Resp) list = NULL;
	g_autoptr(Resp) get = NULL;
	g_autoptr(Resp) year = NULL;
	g_autoptr(Resp) put = NULL;
	g_autoptr(Resp) del = NULL;
	g_autoptr(Resp) gone = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(JsonNode) l = NULL;
	g_autoptr(JsonNode) m = NULL;
	g_autofree gchar *path = NULL;
	JsonObject *first;

	login (emu);
	/* MeetingDescription is required on create */
	no_desc = req (emu, "POST", "/Meetings",
		       "{\"MeetingUserId\":\"1\",\"MeetingSubject\":\"Messe\",\"MeetingStart\":"
		       "\"2026-06-01T08:00:00Z\",\"MeetingEnd\":\"2026-06-03T16:00:00Z\"}");
	g_assert_cmpuint (no_desc->status, ==, 400);
	/* a three-day fair stays three days */
	post = req (emu, "POST", "/Meetings",
		    "{\"MeetingUserId\":\"1\",\"MeetingSubject\":\"Messe\",\"MeetingDescription\":"
		    "\"Stand 12\",\"MeetingStart\":\"2026-06-01T08:00:00Z\",\"MeetingEnd\":"
		    "\"2026-06-03T16:00:00Z\",\"MeetingSendInvitations\":false}");
	g_assert_cmpuint (post->status, ==, 200);
	id = parse (post->body);
	g_assert_cmpint (json_node_get_value_type (id), ==, G_TYPE_STRING);
	list = req (emu, "GET",
		    "/Meetings?from=2026-05-01T00:00:00Z&to=2026-07-01T00:00:00Z&userId=1", NULL);
	g_assert_cmpuint (list->status, ==, 200);
	l = parse (list->body);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
			      json_node_get_object (l), "Meetings")),
			  ==, 1);
	first = json_array_get_object_element (
	    json_object_get_array_member (json_node_get_object (l), "Meetings"), 0);
	g_assert_false (json_object_has_member (first, "MeetingDescription"));
	g_assert_cmpstr (json_object_get_string_member (first, "MeetingEnd"), ==,
			 "2026-06-03T16:00:00Z");
	path = g_strconcat ("/Meetings/", json_node_get_string (id), NULL);
	get = req (emu, "GET", path, NULL);
	m = parse (get->body);
	g_assert_cmpstr (json_object_get_string_member (json_node_get_object (m),
							"MeetingDescription"),
			 ==, "Stand 12");
	year = req (emu, "GET", "/Meetings?from=2026-01-01&to=2027-01-02&userId=1", NULL);
	g_assert_cmpuint (year->status, ==, 400);
	put = req (
		emu, "PUT", path,
		"{\"MeetingSubject\":\"Messe (flyttet)\",\"MeetingStart\":\"2026-06-02T08:00:00Z\","
		"\"MeetingEnd\":\"2026-06-04T16:00:00Z\",\"MeetingDescription\":\"Stand 14\"}");
	g_assert_cmpuint (put->status, ==, 200);
	del = req (emu, "DELETE", path, NULL);
	g_assert_cmpuint (del->status, ==, 204);
	gone = req (emu, "GET", path, NULL);
	g_assert_cmpuint (gone->status, ==, 404);
	emu_stop (emu);
}

static void
test_metadata_users (void)
{
	Emu *emu = emu_start (NULL, NULL);
	g_autoptr(Resp) all = NULL;
	g_autoptr(Resp) act = NULL;
	g_autoptr(Resp) users = NULL;
	g_autoptr(JsonNode) a = NULL;
	g_autoptr(JsonNode) u = NULL;
	gboolean found = FALSE;

	login (emu);
	all = req (emu, "GET", "/FieldsMetadata", NULL);
	g_assert_cmpuint (all->status, ==, 200);
	act = req (emu, "GET", "/FieldsMetadata/Activity", NULL);
	a = parse (act->body);
	for (guint i = 0; i < json_array_get_length (json_node_get_array (a)); i++) {
		JsonObject *f = json_array_get_object_element (json_node_get_array (a), i);
		if (g_strcmp0 (json_object_get_string_member (f, "FieldMetadataLabel"),
			       "Lead Grade") == 0) {
			g_assert_cmpstr (
				json_object_get_string_member (f, "FieldMetadataDbFieldName"), ==,
				"ActivityCustom4");
			g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
					      f, "FieldMetadataDropdownListData")),
					  ==, 3);
			found = TRUE;
		}
	}
	g_assert_true (found);
	users = req (emu, "GET", "/Users", NULL);
	u = parse (users->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (u)), ==, 3);
	emu_stop (emu);
}

/* --seed takes the API's own DTOs, ids kept; the old calendar (Events) and the one
 * "updated between" endpoint */
static void
test_seed_events (void)
{
	g_autofree gchar *dir = g_dir_make_tmp ("webcrm-seed-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename (dir, "seed.json", NULL);
	const gchar *seed
		= "{\"Organisations\":[{\"OrganisationId\":7,\"OrganisationName\":\"Seedet A/S\","
		  "\"OrganisationUpdatedAt\":\"2024-05-02T09:13:11\"}],"
		  "\"Persons\":[{\"PersonId\":4711,\"PersonOrganisationId\":7,\"PersonFirstName\":"
		  "\"Ada\",\"PersonLastName\":\"Lovelace\",\"PersonUpdatedAt\":\"2024-05-02T09:13:"
		  "11\"}]}";
	Emu *emu;
	g_autoptr(Resp) person = NULL;
	g_autoptr(Resp) between = NULL;
	g_autoptr(Resp) outside = NULL;
	g_autoptr(Resp) event = NULL;
	g_autoptr(Resp) events = NULL;
	g_autoptr(Resp) bad_type = NULL;
	g_autoptr(JsonNode) p = NULL;
	g_autoptr(JsonNode) b = NULL;
	g_autoptr(JsonNode) o = NULL;
	g_autoptr(JsonNode) e = NULL;

	g_assert_true (g_file_set_contents (path, seed, -1, NULL));
	emu = emu_start_full (NULL, NULL, path);
	login (emu);
	person = req (emu, "GET", "/Persons/4711", NULL);
	g_assert_cmpuint (person->status, ==, 200);
	p = parse (person->body);
	g_assert_cmpstr (json_object_get_string_member (json_node_get_object (p), "PersonName"), ==,
			 "Ada Lovelace");
	/* start <= updateDate < end */
	between = req (emu, "GET",
		       "/Organisations/FindByUpdateDates/2024-05-02T09:13:11/2024-05-03T00:00:00",
		       NULL);
	b = parse (between->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (b)), ==, 1);
	outside = req (emu, "GET",
		       "/Organisations/FindByUpdateDates/2024-05-01T00:00:00/2024-05-02T09:13:11",
		       NULL);
	o = parse (outside->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (o)), ==, 0);

	/* Events POST answers without a body; enums are checked */
	event = req (emu, "POST", "/Events",
		     "{\"EventDateTime\":\"2026-04-01T09:00:00Z\",\"EventDescription\":\"Messe\","
		     "\"EventType\":\"Meeting\",\"EventStatus\":\"Confirmed\","
		     "\"EventOrganisationId\":7,\"EventParticipantIds\":[1,2]}");
	g_assert_cmpuint (event->status, ==, 200);
	g_assert_cmpstr (event->body, ==, "");
	events = req (emu, "GET", "/Events?Page=1&Size=10", NULL);
	e = parse (events->body);
	g_assert_cmpuint (json_array_get_length (json_node_get_array (e)), ==, 1);
	bad_type = req (emu, "POST", "/Events", "{\"EventType\":\"Party\"}");
	g_assert_cmpuint (bad_type->status, ==, 400);
	emu_stop (emu);
	g_unlink (path);
	g_rmdir (dir);
}

/* the real limit: the 251st request within a minute is throttled as documented */
static void
test_rate_limit_250 (void)
{
	Emu *emu = emu_start (NULL, NULL);
	g_autoptr(Resp) last = NULL;
	g_autoptr(JsonNode) n = NULL;
	JsonObject *o;
	guint64 ra;

	login (emu);
	for (guint i = 0; i < 250; i++) {
		g_autoptr(Resp) r = req (emu, "GET", "/Users", NULL);
		g_assert_cmpuint (r->status, ==, 200);
	}
	last = req (emu, "GET", "/Users", NULL);
	g_assert_cmpuint (last->status, ==, 429);
	n = parse (last->body);
	o = json_node_get_object (n);
	g_assert_cmpstr (
		json_object_get_string_member (o, "Message"), ==,
		"The request was throttled. The limit of 250 requests per minute is reached");
	g_assert_cmpstr (json_object_get_string_member (o, "Type"), ==, "TooManyRequestsException");
	g_assert_nonnull (last->retry_after);
	g_assert_true (g_ascii_string_to_unsigned (last->retry_after, 10, 1, 60, &ra, NULL));
	g_assert_cmpint (json_object_get_int_member (o, "RetryAfterSeconds"), ==, (gint64) ra);
	emu_stop (emu);
}

/* the window slides: once the oldest requests age out, requests pass again */
static void
test_rate_limit_window_slides (void)
{
	Emu *emu = emu_start ("rate-limit=5,rate-window=1", NULL);
	g_autoptr(Resp) throttled = NULL;
	g_autoptr(Resp) log = NULL;
	g_autoptr(JsonNode) l = NULL;
	guint n429 = 0;

	login (emu);
	for (guint i = 0; i < 5; i++) {
		g_autoptr(Resp) r = req (emu, "GET", "/Users", NULL);
		g_assert_cmpuint (r->status, ==, 200);
	}
	throttled = req (emu, "GET", "/Users", NULL);
	g_assert_cmpuint (throttled->status, ==, 429);
	g_assert_cmpstr (throttled->retry_after, ==, "1");
	g_usleep (1100 * 1000);
	{
		g_autoptr(Resp) r = req (emu, "GET", "/Users", NULL);
		g_assert_cmpuint (r->status, ==, 200);
	}
	/* the log shows what happened */
	log = req (emu, "GET", "/_emulator/log", NULL);
	l = parse (log->body);
	for (guint i = 0; i < json_array_get_length (json_node_get_array (l)); i++)
		if (json_object_get_int_member (
			    json_array_get_object_element (json_node_get_array (l), i), "status")
		    == 429)
			n429++;
	g_assert_cmpuint (n429, ==, 1);
	emu_stop (emu);
}

static guint
login_with (Emu *emu, const gchar *code)
{
	g_autofree gchar *form = g_strconcat ("authCode=", code, NULL);
	g_autoptr(Resp) r = req_full (emu, "POST", "/Auth/ApiLogin",
				      "application/x-www-form-urlencoded", form, NULL, NULL);
	if (r->status == 200) {
		g_autoptr(JsonNode) n = parse (r->body);
		g_free (emu->token);
		emu->token = g_strdup (
		    json_object_get_string_member (json_node_get_object (n), "AccessToken"));
	}
	return r->status;
}

/* GET path → the bare array's length; the e-mail of user 1 in *user1 for /Users */
static guint
list_length (Emu *emu, const gchar *path, gchar **user1)
{
	g_autoptr(Resp) r = req (emu, "GET", path, NULL);
	g_autoptr(JsonNode) n = NULL;
	JsonArray *a;
	g_assert_cmpuint (r->status, ==, 200);
	n = parse (r->body);
	a = json_node_get_array (n);
	for (guint i = 0; user1 != NULL && i < json_array_get_length (a); i++) {
		JsonObject *u = json_array_get_object_element (a, i);
		if (json_object_get_int_member (u, "UserId") == 1)
			*user1 = g_strdup (json_object_get_string_member (u, "UserEmail"));
	}
	return json_array_get_length (a);
}

/* a demo's server: restarted on its --db it serves what it held, and it takes
 * the credentials it is given: --secret as the authCode, --user as the login
 * of user 1 (it was ignored) */
static void
test_restart_db_credentials (void)
{
	g_autofree gchar *dir = g_dir_make_tmp ("webcrm-emu-XXXXXX", NULL);
	g_autofree gchar *db = g_build_filename (dir, "webcrm.db", NULL);
	const gchar *code = "7b4d4c1e-0f9c-1e2a-9a53-5e2f8d6b7a11";
	guint persons = 0;

	for (guint round = 0; round < 2; round++) {
		const gchar *args[] = {"--db",	 db,   "--user", "carl@example.org", "--secret", code,
				       round == 0 ? "--generate" : NULL, "4", NULL};
		Emu *emu = g_new0 (Emu, 1);
		g_autofree gchar *user1 = NULL;

		emu->proc = emu_launch_start ("webcrm", NULL, args, &emu->origin);
		emu->session = soup_session_new ();
		/* the default authCode is not this server's */
		g_assert_cmpuint (login_with (emu, AUTH_CODE), ==, 400);
		g_assert_null (emu->token);
		g_assert_cmpuint (login_with (emu, code), ==, 200);
		g_assert_cmpuint (list_length (emu, "/Users", &user1), ==, 3);
		g_assert_cmpstr (user1, ==, "carl@example.org");
		if (round == 0) {
			persons = list_length (emu, "/Persons?Page=1&Size=1000", NULL);
			g_assert_cmpuint (persons, >=, 4);
		} else {
			g_assert_cmpuint (list_length (emu, "/Persons?Page=1&Size=1000", NULL), ==,
					  persons);
		}
		emu_stop (emu);
	}
	g_remove (db);
	{
		g_autofree gchar *wal = g_strconcat (db, "-wal", NULL);
		g_autofree gchar *shm = g_strconcat (db, "-shm", NULL);
		g_remove (wal);
		g_remove (shm);
	}
	g_rmdir (dir);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/emulator/webcrm/auth/login-forms", test_auth_login_forms);
	g_test_add_func ("/emulator/webcrm/auth/bearer-refresh", test_auth_bearer_refresh);
	g_test_add_func ("/emulator/webcrm/restart-db-credentials", test_restart_db_credentials);
	g_test_add_func ("/emulator/webcrm/persons/crud", test_persons_crud);
	g_test_add_func ("/emulator/webcrm/paging", test_paging);
	g_test_add_func ("/emulator/webcrm/queries", test_queries);
	g_test_add_func ("/emulator/webcrm/patch-upsert", test_patch_upsert);
	g_test_add_func ("/emulator/webcrm/activities-notes", test_activities_notes);
	g_test_add_func ("/emulator/webcrm/meetings", test_meetings);
	g_test_add_func ("/emulator/webcrm/metadata-users", test_metadata_users);
	g_test_add_func ("/emulator/webcrm/seed-events", test_seed_events);
	g_test_add_func ("/emulator/webcrm/rate-limit/250", test_rate_limit_250);
	g_test_add_func ("/emulator/webcrm/rate-limit/window-slides",
			 test_rate_limit_window_slides);
	return g_test_run ();
}
