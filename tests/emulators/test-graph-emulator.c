/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <string.h>

#include "emu-launch.h"

/*
 * The Graph emulator against the spec's examples (api-specs.md section 3):
 * identity flows, CRUD with the service's validation, delta rounds with
 * @removed and 410, $batch rules, throttling, immutable ids.
 */

typedef struct {
	GSubprocess *proc;
	gchar *origin;
	SoupSession *session;
	gchar *token;
	gchar *refresh;
} Emu;

static void
emu_start (Emu *emu, const gchar *const *extra)
{
	emu->proc = emu_launch_start ("graph", NULL, extra, &emu->origin);
	emu->session = soup_session_new ();
}

static void
emu_stop (Emu *emu)
{
	emu_launch_stop (&emu->proc);
	g_clear_object (&emu->session);
	g_clear_pointer (&emu->origin, g_free);
	g_clear_pointer (&emu->token, g_free);
	g_clear_pointer (&emu->refresh, g_free);
}

/* one request; returns the parsed body (or NULL when empty) */
static JsonNode *
call_full (Emu *emu, const gchar *method, const gchar *path, const gchar *prefer,
	   const gchar *content_type, const gchar *body, guint *status, SoupMessageHeaders **hdrs)
{
	g_autofree gchar *url = g_str_has_prefix (path, "http") ? g_strdup (path)
								 : g_strconcat (emu->origin, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new (method, url);
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();

	g_assert_nonnull (msg);
	soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
	if (emu->token != NULL && strstr (url, "/v1.0/") != NULL) {
		g_autofree gchar *auth = g_strdup_printf ("Bearer %s", emu->token);
		soup_message_headers_replace (soup_message_get_request_headers (msg),
					      "Authorization", auth);
	}
	if (prefer != NULL)
		soup_message_headers_replace (soup_message_get_request_headers (msg), "Prefer",
					      prefer);
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
		soup_message_set_request_body_from_bytes (
		    msg, content_type != NULL ? content_type : "application/json", b);
	}
	answer = soup_session_send_and_read (emu->session, msg, NULL, &error);
	g_assert_no_error (error);
	*status = soup_message_get_status (msg);
	if (hdrs != NULL)
		*hdrs = soup_message_headers_ref (soup_message_get_response_headers (msg));
	if (g_bytes_get_size (answer) == 0)
		return NULL;
	if (!json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
					 (gssize) g_bytes_get_size (answer), NULL))
		return NULL;
	return json_node_ref (json_parser_get_root (parser));
}

static JsonNode *
call (Emu *emu, const gchar *method, const gchar *path, const gchar *body, guint *status)
{
	return call_full (emu, method, path, "IdType=\"ImmutableId\"", NULL, body, status, NULL);
}

static JsonNode *
form (Emu *emu, const gchar *tenant_path, const gchar *body, guint *status)
{
	g_autofree gchar *path = g_strdup_printf ("/common/oauth2/v2.0/%s", tenant_path);
	return call_full (emu, "POST", path, NULL, "application/x-www-form-urlencoded", body,
			  status, NULL);
}

static const gchar *
str (JsonNode *n, const gchar *member)
{
	return json_object_get_string_member_with_default (json_node_get_object (n), member, NULL);
}

static const gchar *
dtz_of (JsonObject *o, const gchar *member)
{
	return json_object_get_string_member (json_object_get_object_member (o, member), "dateTime");
}

static const gchar *
error_code (JsonNode *n)
{
	JsonObject *e = json_object_get_object_member (json_node_get_object (n), "error");
	return json_object_get_string_member (e, "code");
}

#define SCOPES "Contacts.ReadWrite+Calendars.ReadWrite+Tasks.ReadWrite+Mail.Read+offline_access"

/* device-code sign-in: one authorization_pending, then tokens */
static void
sign_in (Emu *emu)
{
	guint status;
	g_autoptr(JsonNode) dc = form (emu, "devicecode", "client_id=test&scope=" SCOPES, &status);
	g_autofree gchar *poll = NULL;
	g_autoptr(JsonNode) pending = NULL;
	g_autoptr(JsonNode) tok = NULL;

	g_assert_cmpuint (status, ==, 200);
	g_assert_nonnull (str (dc, "user_code"));
	g_assert_nonnull (str (dc, "verification_uri"));
	g_assert_cmpint (json_object_get_int_member (json_node_get_object (dc), "expires_in"), ==,
			 900);
	g_assert_false (json_object_has_member (json_node_get_object (dc),
						"verification_uri_complete"));
	poll = g_strdup_printf (
	    "grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=test&device_code=%s",
	    str (dc, "device_code"));
	pending = form (emu, "token", poll, &status);
	g_assert_cmpuint (status, ==, 400);
	g_assert_cmpstr (str (pending, "error"), ==, "authorization_pending");
	g_assert_true (g_str_has_prefix (str (pending, "error_description"), "AADSTS"));
	g_assert_true (json_object_has_member (json_node_get_object (pending), "error_codes"));
	tok = form (emu, "token", poll, &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpstr (str (tok, "token_type"), ==, "Bearer");
	g_assert_nonnull (str (tok, "refresh_token"));
	g_assert_nonnull (str (tok, "id_token"));
	emu->token = g_strdup (str (tok, "access_token"));
	emu->refresh = g_strdup (str (tok, "refresh_token"));
}

static void
test_device_code (void)
{
	Emu emu = {0};
	guint status;
	g_autoptr(JsonNode) bad = NULL;
	g_autoptr(JsonNode) me = NULL;
	g_autoptr(JsonNode) r1 = NULL;
	g_autoptr(JsonNode) r2 = NULL;
	g_autoptr(JsonNode) unauth = NULL;
	g_autofree gchar *body = NULL;

	emu_start (&emu, NULL);
	bad = form (&emu, "devicecode", "scope=User.Read", &status);
	g_assert_cmpuint (status, ==, 400);
	g_assert_cmpstr (str (bad, "error"), ==, "invalid_request");

	unauth = call (&emu, "GET", "/v1.0/me", NULL, &status);
	g_assert_cmpuint (status, ==, 401);
	g_assert_cmpstr (error_code (unauth), ==, "InvalidAuthenticationToken");

	sign_in (&emu);
	me = call (&emu, "GET", "/v1.0/me", NULL, &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpstr (str (me, "userPrincipalName"), ==, "ada@contoso.example");

	/* refresh rotates: the new pair works, the old refresh token is spent */
	body = g_strdup_printf ("grant_type=refresh_token&client_id=test&scope=" SCOPES
				"&refresh_token=%s",
				emu.refresh);
	r1 = form (&emu, "token", body, &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpstr (str (r1, "refresh_token"), !=, emu.refresh);
	r2 = form (&emu, "token", body, &status);
	g_assert_cmpuint (status, ==, 400);
	g_assert_cmpstr (str (r2, "error"), ==, "invalid_grant");
	emu_stop (&emu);
}

static gchar *
authorize (Emu *emu, const gchar *challenge)
{
	guint status;
	g_autoptr(SoupMessageHeaders) hdrs = NULL;
	g_autofree gchar *path = g_strdup_printf (
	    "/common/oauth2/v2.0/authorize?client_id=test&response_type=code&redirect_uri="
	    "http%%3A%%2F%%2Flocalhost%%3A8400&response_mode=query&scope=" SCOPES
	    "&state=xyz&code_challenge=%s&code_challenge_method=S256",
	    challenge);
	g_autoptr(JsonNode) none = call_full (emu, "GET", path, NULL, NULL, NULL, &status, &hdrs);
	const gchar *loc = soup_message_headers_get_one (hdrs, "Location");
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GHashTable) q = NULL;

	g_assert_cmpuint (status, ==, 302);
	g_assert_true (g_str_has_prefix (loc, "http://localhost:8400"));
	uri = g_uri_parse (loc, G_URI_FLAGS_ENCODED_QUERY, NULL);
	q = soup_form_decode (g_uri_get_query (uri));
	g_assert_cmpstr (g_hash_table_lookup (q, "state"), ==, "xyz");
	return g_strdup (g_hash_table_lookup (q, "code"));
}

/* RFC 7636 appendix B: the verifier and challenge quoted in spec 3.2 */
static void
test_pkce (void)
{
	Emu emu = {0};
	guint status;
	const gchar *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	const gchar *challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
	g_autofree gchar *code = NULL;
	g_autofree gchar *code2 = NULL;
	g_autofree gchar *body = NULL;
	g_autofree gchar *body2 = NULL;
	g_autoptr(JsonNode) ok = NULL;
	g_autoptr(JsonNode) again = NULL;
	g_autoptr(JsonNode) wrong = NULL;

	emu_start (&emu, NULL);
	code = authorize (&emu, challenge);
	g_assert_nonnull (code);
	body = g_strdup_printf ("client_id=test&scope=" SCOPES "&code=%s&redirect_uri="
				"http%%3A%%2F%%2Flocalhost%%3A8400&grant_type=authorization_code"
				"&code_verifier=%s",
				code, verifier);
	ok = form (&emu, "token", body, &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_nonnull (str (ok, "access_token"));
	/* a code is good once */
	again = form (&emu, "token", body, &status);
	g_assert_cmpuint (status, ==, 400);
	g_assert_cmpstr (str (again, "error"), ==, "invalid_grant");
	/* a verifier that does not hash to the challenge */
	code2 = authorize (&emu, challenge);
	body2 = g_strdup_printf ("client_id=test&scope=" SCOPES "&code=%s&redirect_uri="
				 "http%%3A%%2F%%2Flocalhost%%3A8400&grant_type=authorization_code"
				 "&code_verifier=%s",
				 code2, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX");
	wrong = form (&emu, "token", body2, &status);
	g_assert_cmpuint (status, ==, 400);
	g_assert_cmpstr (str (wrong, "error"), ==, "invalid_grant");
	emu_stop (&emu);
}

static const gchar *contact_example =
    "{\"givenName\":\"Ada\",\"surname\":\"Lovelace\",\"companyName\":\"Analytical Engines\","
    "\"jobTitle\":\"Analyst\",\"emailAddresses\":[{\"address\":\"ada@example.org\",\"name\":"
    "\"Ada Lovelace\"}],\"businessPhones\":[\"+44 20 7946 0000\"],\"mobilePhone\":\"+44 7700 "
    "900000\",\"businessAddress\":{\"street\":\"1 Main St\",\"city\":\"London\",\"state\":\"\","
    "\"countryOrRegion\":\"United Kingdom\",\"postalCode\":\"N1 1AA\"},\"birthday\":\"1815-12-"
    "10T00:00:00Z\",\"personalNotes\":\"met at conference\",\"categories\":[\"CRM\"]}";

static void
test_contacts (void)
{
	Emu emu = {0};
	guint status;
	g_autoptr(JsonNode) created = NULL;
	g_autoptr(JsonNode) got = NULL;
	g_autoptr(JsonNode) bad = NULL;
	g_autoptr(JsonNode) patched = NULL;
	g_autoptr(JsonNode) stale = NULL;
	g_autoptr(JsonNode) expired = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *etag = NULL;
	JsonObject *o;

	emu_start (&emu, NULL);
	sign_in (&emu);
	created = call (&emu, "POST", "/v1.0/me/contacts", contact_example, &status);
	g_assert_cmpuint (status, ==, 201);
	o = json_node_get_object (created);
	g_assert_nonnull (str (created, "id"));
	g_assert_nonnull (str (created, "changeKey"));
	g_assert_true (g_str_has_prefix (str (created, "@odata.etag"), "W/\""));
	g_assert_nonnull (str (created, "createdDateTime"));
	g_assert_nonnull (str (created, "lastModifiedDateTime"));
	g_assert_nonnull (str (created, "parentFolderId"));
	g_assert_cmpstr (str (created, "birthday"), ==, "1815-12-10T00:00:00Z");
	g_assert_cmpstr (json_object_get_string_member (
			     json_object_get_object_member (o, "businessAddress"), "city"),
			 ==, "London");
	etag = g_strdup (str (created, "@odata.etag"));

	path = g_strdup_printf ("/v1.0/me/contacts/%s", str (created, "id"));
	got = call (&emu, "GET", path, NULL, &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpstr (str (got, "surname"), ==, "Lovelace");

	/* the service rejects what it does not know, with the error JSON */
	bad = call (&emu, "POST", "/v1.0/me/contacts", "{\"givenName\":\"X\",\"fax\":\"1\"}",
		    &status);
	g_assert_cmpuint (status, ==, 400);
	g_assert_nonnull (error_code (bad));
	g_assert_true (json_object_has_member (
	    json_object_get_object_member (json_node_get_object (bad), "error"), "innerError"));

	patched = call (&emu, "PATCH", path, "{\"jobTitle\":\"Countess\",\"mobilePhone\":null}",
			&status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpstr (str (patched, "jobTitle"), ==, "Countess");
	g_assert_false (json_object_has_member (json_node_get_object (patched), "mobilePhone"));
	g_assert_cmpstr (str (patched, "@odata.etag"), !=, etag);

	/* If-Match with the old etag: 412 */
	{
		g_autoptr(SoupMessage) msg = NULL;
		g_autofree gchar *url = g_strconcat (emu.origin, path, NULL);
		g_autofree gchar *auth = g_strdup_printf ("Bearer %s", emu.token);
		g_autoptr(GBytes) b = g_bytes_new_static ("{\"jobTitle\":\"x\"}", 16);
		g_autoptr(GBytes) ans = NULL;
		msg = soup_message_new ("PATCH", url);
		soup_message_headers_replace (soup_message_get_request_headers (msg),
					      "Authorization", auth);
		soup_message_headers_replace (soup_message_get_request_headers (msg), "If-Match",
					      etag);
		soup_message_set_request_body_from_bytes (msg, "application/json", b);
		ans = soup_session_send_and_read (emu.session, msg, NULL, NULL);
		g_assert_cmpuint (soup_message_get_status (msg), ==, 412);
	}

	g_assert_null (call (&emu, "DELETE", path, NULL, &status));
	g_assert_cmpuint (status, ==, 204);
	stale = call (&emu, "GET", path, NULL, &status);
	g_assert_cmpuint (status, ==, 404);
	g_assert_cmpstr (error_code (stale), ==, "ErrorItemNotFound");

	/* an expired access token: 401 InvalidAuthenticationToken */
	g_assert_null (call (&emu, "POST", "/_emulator/expire-access-tokens", "", &status));
	expired = call (&emu, "GET", "/v1.0/me/contacts", NULL, &status);
	g_assert_cmpuint (status, ==, 401);
	g_assert_cmpstr (error_code (expired), ==, "InvalidAuthenticationToken");
	emu_stop (&emu);
}

/* follows nextLinks; returns the deltaLink, counts items and @removed */
static gchar *
delta_round (Emu *emu, const gchar *start, guint *items, guint *removed, guint *pages)
{
	g_autofree gchar *url = g_strdup (start);
	*items = *removed = *pages = 0;
	for (;;) {
		guint status;
		g_autoptr(JsonNode) page = call_full (emu, "GET", url, "IdType=\"ImmutableId\", odata.maxpagesize=3",
						      NULL, NULL, &status, NULL);
		JsonObject *o;
		JsonArray *values;
		g_assert_cmpuint (status, ==, 200);
		o = json_node_get_object (page);
		values = json_object_get_array_member (o, "value");
		(*pages)++;
		g_assert_cmpuint (json_array_get_length (values), <=, 3);
		for (guint i = 0; i < json_array_get_length (values); i++) {
			JsonObject *v = json_array_get_object_element (values, i);
			if (json_object_has_member (v, "@removed")) {
				g_assert_cmpstr (json_object_get_string_member (
						     json_object_get_object_member (v, "@removed"),
						     "reason"),
						 ==, "deleted");
				(*removed)++;
			} else {
				(*items)++;
			}
		}
		/* a page never has both links */
		g_assert_false (json_object_has_member (o, "@odata.nextLink") &&
				json_object_has_member (o, "@odata.deltaLink"));
		if (json_object_has_member (o, "@odata.deltaLink"))
			return g_strdup (json_object_get_string_member (o, "@odata.deltaLink"));
		g_free (url);
		url = g_strdup (json_object_get_string_member (o, "@odata.nextLink"));
		g_assert_nonnull (url);
	}
}

static void
test_contacts_delta (void)
{
	const gchar *args[] = {"--generate=7", NULL};
	Emu emu = {0};
	guint status, items, removed, pages;
	g_autofree gchar *link = NULL;
	g_autofree gchar *link2 = NULL;
	g_autofree gchar *link3 = NULL;
	g_autoptr(JsonNode) folders = NULL;
	g_autoptr(JsonNode) first = NULL;
	g_autoptr(JsonNode) gone = NULL;
	g_autoptr(JsonNode) created = NULL;
	g_autofree gchar *start = NULL;
	g_autofree gchar *p = NULL;
	JsonArray *values;
	const gchar *fid;

	emu_start (&emu, args);
	sign_in (&emu);
	folders = call (&emu, "GET", "/v1.0/me/contactFolders", NULL, &status);
	g_assert_cmpuint (status, ==, 200);
	fid = json_object_get_string_member (
	    json_array_get_object_element (
		json_object_get_array_member (json_node_get_object (folders), "value"), 0),
	    "id");
	/* delta is per folder: not on /me/contacts */
	g_assert_null (NULL);
	{
		g_autoptr(JsonNode) no = call (&emu, "GET", "/v1.0/me/contacts/delta", NULL, &status);
		g_assert_cmpuint (status, ==, 400);
	}
	start = g_strdup_printf ("/v1.0/me/contactFolders/%s/contacts/delta", fid);
	link = delta_round (&emu, start, &items, &removed, &pages);
	g_assert_cmpuint (items, ==, 7);
	g_assert_cmpuint (removed, ==, 0);
	g_assert_cmpuint (pages, ==, 3);
	g_assert_nonnull (strstr (link, "$deltatoken="));

	/* nothing changed: an empty round */
	link2 = delta_round (&emu, link, &items, &removed, &pages);
	g_assert_cmpuint (items + removed, ==, 0);

	first = call (&emu, "GET", "/v1.0/me/contacts?$top=2", NULL, &status);
	values = json_object_get_array_member (json_node_get_object (first), "value");
	g_assert_cmpuint (json_array_get_length (values), ==, 2);
	g_assert_true (json_object_has_member (json_node_get_object (first), "@odata.nextLink"));
	p = g_strdup_printf ("/v1.0/me/contacts/%s",
			     json_object_get_string_member (json_array_get_object_element (values, 0),
							    "id"));
	gone = call (&emu, "DELETE", p, NULL, &status);
	g_assert_cmpuint (status, ==, 204);
	g_free (p);
	p = g_strdup_printf ("/v1.0/me/contacts/%s",
			     json_object_get_string_member (json_array_get_object_element (values, 1),
							    "id"));
	g_clear_pointer (&gone, json_node_unref);
	gone = call (&emu, "PATCH", p, "{\"nickName\":\"Bo\"}", &status);
	g_assert_cmpuint (status, ==, 200);
	created = call (&emu, "POST", "/v1.0/me/contacts", contact_example, &status);
	g_assert_cmpuint (status, ==, 201);

	link3 = delta_round (&emu, link2, &items, &removed, &pages);
	g_assert_cmpuint (items, ==, 2);
	g_assert_cmpuint (removed, ==, 1);

	/* the service forgot the token: 410, a full resync is needed */
	g_assert_null (call (&emu, "POST", "/_emulator/expire-delta-tokens", "", &status));
	{
		g_autoptr(JsonNode) e = call (&emu, "GET", link3, NULL, &status);
		g_assert_cmpuint (status, ==, 410);
		g_assert_cmpstr (error_code (e), ==, "syncStateNotFound");
	}
	emu_stop (&emu);
}

/* one delta round (a single page): the ids it lists and the ids it removes */
static gchar *
delta_ids (Emu *emu, const gchar *url, const gchar *prefer, GPtrArray *items, GPtrArray *removed)
{
	guint status;
	g_autoptr(JsonNode) page = call_full (emu, "GET", url, prefer, NULL, NULL, &status, NULL);
	JsonObject *o;
	JsonArray *values;

	g_assert_cmpuint (status, ==, 200);
	o = json_node_get_object (page);
	values = json_object_get_array_member (o, "value");
	for (guint i = 0; i < json_array_get_length (values); i++) {
		JsonObject *v = json_array_get_object_element (values, i);
		g_ptr_array_add (json_object_has_member (v, "@removed") ? removed : items,
				 g_strdup (json_object_get_string_member (v, "id")));
	}
	g_assert_true (json_object_has_member (o, "@odata.deltaLink"));
	return g_strdup (json_object_get_string_member (o, "@odata.deltaLink"));
}

static gboolean
has_id (GPtrArray *ids, const gchar *id)
{
	return g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL);
}

/* a contact dragged to another folder in Outlook (the /_emulator/move hook):
 * the old folder's delta removes it, the new one's lists it; an immutable id
 * stays, a folder-bound id changes and the old one finds nothing */
static void
test_contact_move (void)
{
	const gchar *imm = "IdType=\"ImmutableId\"";
	Emu emu = {0};
	guint status;
	g_autoptr(JsonNode) folder = NULL;
	g_autoptr(JsonNode) made = NULL;
	g_autoptr(JsonNode) moved = NULL;
	g_autoptr(JsonNode) back = NULL;
	g_autoptr(JsonNode) dup = NULL;
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
	g_autofree gchar *fid = NULL;
	g_autofree gchar *id = NULL;
	g_autofree gchar *bound = NULL;
	g_autofree gchar *hook = NULL;
	g_autofree gchar *d_def = NULL, *d_new = NULL, *d_def_b = NULL, *d_new_b = NULL;
	g_autofree gchar *l1 = NULL, *l2 = NULL, *l3 = NULL, *l4 = NULL, *l5 = NULL, *l6 = NULL;

	emu_start (&emu, NULL);
	sign_in (&emu);
	folder = call (&emu, "POST", "/v1.0/me/contactFolders", "{\"displayName\":\"Kunder\"}", &status);
	g_assert_cmpuint (status, ==, 201);
	fid = g_strdup (str (folder, "id"));
	dup = call (&emu, "POST", "/v1.0/me/contactFolders", "{\"displayName\":\"Kunder\"}", &status);
	g_assert_cmpuint (status, ==, 409);
	{
		g_autofree gchar *p = g_strdup_printf ("/v1.0/me/contactFolders/%s", fid);
		g_autoptr(JsonNode) f = call (&emu, "GET", p, NULL, &status);
		g_autoptr(JsonNode) none = NULL;
		g_assert_cmpuint (status, ==, 200);
		g_assert_cmpstr (str (f, "displayName"), ==, "Kunder");
		none = call (&emu, "GET", "/v1.0/me/contactFolders/AQMknosuchfolder", NULL, &status);
		g_assert_cmpuint (status, ==, 404);
	}
	made = call (&emu, "POST", "/v1.0/me/contacts", contact_example, &status);
	g_assert_cmpuint (status, ==, 201);
	id = g_strdup (str (made, "id"));

	/* both folders' deltas, immutable and folder-bound, up to now */
	d_def = g_strdup ("/v1.0/me/contactFolders/contacts/contacts/delta");
	d_new = g_strdup_printf ("/v1.0/me/contactFolders/%s/contacts/delta", fid);
	l1 = delta_ids (&emu, d_def, imm, items, removed);
	g_assert_true (has_id (items, id));
	l2 = delta_ids (&emu, d_new, imm, items, removed);
	l3 = delta_ids (&emu, d_def, NULL, items, removed);
	l4 = delta_ids (&emu, d_new, NULL, items, removed);
	g_ptr_array_set_size (items, 0);

	hook = g_strdup_printf ("/_emulator/move?kind=contact&id=%s&folder=%s", id, fid);
	moved = call_full (&emu, "POST", hook, imm, NULL, "", &status, NULL);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpstr (str (moved, "id"), ==, id);
	g_assert_cmpstr (str (moved, "parentFolderId"), ==, fid);
	/* moving it where it is already: refused */
	g_clear_pointer (&moved, json_node_unref);
	moved = call_full (&emu, "POST", hook, imm, NULL, "", &status, NULL);
	g_assert_cmpuint (status, ==, 409);

	/* immutable ids: removed from the old folder, listed in the new, same id */
	g_free (delta_ids (&emu, l1, imm, items, removed));
	g_assert_cmpuint (items->len, ==, 0);
	g_assert_cmpuint (removed->len, ==, 1);
	g_assert_cmpstr (g_ptr_array_index (removed, 0), ==, id);
	g_ptr_array_set_size (removed, 0);
	g_free (delta_ids (&emu, l2, imm, items, removed));
	g_assert_cmpuint (removed->len, ==, 0);
	g_assert_cmpuint (items->len, ==, 1);
	g_assert_cmpstr (g_ptr_array_index (items, 0), ==, id);
	g_ptr_array_set_size (items, 0);

	/* folder-bound ids: the old one removed, a new one listed */
	g_free (delta_ids (&emu, l3, NULL, items, removed));
	g_assert_cmpuint (removed->len, ==, 1);
	g_assert_cmpuint (items->len, ==, 0);
	bound = g_strdup (g_ptr_array_index (removed, 0));
	g_assert_cmpstr (bound, !=, id);
	g_ptr_array_set_size (removed, 0);
	g_free (delta_ids (&emu, l4, NULL, items, removed));
	g_assert_cmpuint (items->len, ==, 1);
	g_assert_cmpstr (g_ptr_array_index (items, 0), !=, bound);
	g_assert_cmpstr (g_ptr_array_index (items, 0), !=, id);
	{
		g_autofree gchar *old = g_strdup_printf ("/v1.0/me/contacts/%s", bound);
		g_autofree gchar *now = g_strdup_printf ("/v1.0/me/contacts/%s",
							 (gchar *) g_ptr_array_index (items, 0));
		g_autoptr(JsonNode) a = call_full (&emu, "GET", old, NULL, NULL, NULL, &status, NULL);
		g_autoptr(JsonNode) b = NULL;
		g_assert_cmpuint (status, ==, 404);
		b = call_full (&emu, "GET", now, NULL, NULL, NULL, &status, NULL);
		g_assert_cmpuint (status, ==, 200);
		g_assert_cmpstr (str (b, "parentFolderId"), ==, fid);
		g_assert_cmpstr (str (b, "surname"), ==, str (made, "surname"));
	}
	g_ptr_array_set_size (items, 0);

	/* a full listing of the old folder no longer has it; moved back, it returns */
	l5 = delta_ids (&emu, d_def, imm, items, removed);
	g_assert_false (has_id (items, id));
	g_free (hook);
	hook = g_strdup_printf ("/_emulator/move?kind=contact&id=%s&folder=contacts", id);
	back = call_full (&emu, "POST", hook, NULL, NULL, "", &status, NULL);
	g_assert_cmpuint (status, ==, 200);
	g_assert_true (g_str_has_prefix (str (back, "id"), "AAMk"));
	g_ptr_array_set_size (items, 0);
	l6 = delta_ids (&emu, l5, imm, items, removed);
	g_assert_true (has_id (items, id));
	g_assert_cmpuint (removed->len, ==, 0);
	emu_stop (&emu);
}

static const gchar *event_example =
    "{\"subject\":\"Fair\",\"isAllDay\":true,\"start\":{\"dateTime\":\"2025-03-03T00:00:00\","
    "\"timeZone\":\"W. Europe Standard Time\"},\"end\":{\"dateTime\":\"2025-03-04T00:00:00\","
    "\"timeZone\":\"W. Europe Standard Time\"},\"sensitivity\":\"private\",\"isReminderOn\":true,"
    "\"reminderMinutesBeforeStart\":1080,\"body\":{\"contentType\":\"html\",\"content\":\"<p>…</p>"
    "\"},\"categories\":[\"CRM\"]}";

static void
test_events (void)
{
	Emu emu = {0};
	guint status, items, removed, pages;
	g_autoptr(JsonNode) created = NULL;
	g_autoptr(JsonNode) timed = NULL;
	g_autoptr(JsonNode) bad = NULL;
	g_autoptr(JsonNode) nowin = NULL;
	g_autoptr(JsonNode) series = NULL;
	g_autoptr(JsonNode) badrec = NULL;
	g_autoptr(JsonNode) got = NULL;
	g_autofree gchar *link = NULL;
	g_autofree gchar *path = NULL;
	JsonObject *s;

	emu_start (&emu, NULL);
	sign_in (&emu);
	created = call (&emu, "POST", "/v1.0/me/events", event_example, &status);
	g_assert_cmpuint (status, ==, 201);
	g_assert_cmpstr (str (created, "sensitivity"), ==, "private");
	g_assert_cmpstr (str (created, "originalStartTimeZone"), ==, "W. Europe Standard Time");
	/* all-day stays midnight-to-midnight, whatever zone it is shown in */
	s = json_object_get_object_member (json_node_get_object (created), "start");
	g_assert_cmpstr (json_object_get_string_member (s, "dateTime"), ==,
			 "2025-03-03T00:00:00.0000000");
	g_assert_cmpstr (json_object_get_string_member (s, "timeZone"), ==, "UTC");

	/* a timed event in Copenhagen, summer time: UTC by default, local on Prefer */
	timed = call (&emu, "POST", "/v1.0/me/events",
		      "{\"subject\":\"Call\",\"start\":{\"dateTime\":\"2025-06-02T10:00:00\","
		      "\"timeZone\":\"Europe/Copenhagen\"},\"end\":{\"dateTime\":\"2025-06-02T11:00:00\","
		      "\"timeZone\":\"Europe/Copenhagen\"}}",
		      &status);
	g_assert_cmpuint (status, ==, 201);
	s = json_object_get_object_member (json_node_get_object (timed), "start");
	g_assert_cmpstr (json_object_get_string_member (s, "dateTime"), ==,
			 "2025-06-02T08:00:00.0000000");
	path = g_strdup_printf ("/v1.0/me/events/%s", str (timed, "id"));
	got = call_full (&emu, "GET", path, "outlook.timezone=\"Romance Standard Time\"", NULL,
			 NULL, &status, NULL);
	s = json_object_get_object_member (json_node_get_object (got), "start");
	g_assert_cmpstr (json_object_get_string_member (s, "dateTime"), ==,
			 "2025-06-02T10:00:00.0000000");

	bad = call (&emu, "POST", "/v1.0/me/events",
		    "{\"subject\":\"x\",\"isAllDay\":true,\"start\":{\"dateTime\":\"2025-03-03T09:00:00\","
		    "\"timeZone\":\"UTC\"},\"end\":{\"dateTime\":\"2025-03-04T00:00:00\",\"timeZone\":\"UTC\"}}",
		    &status);
	g_assert_cmpuint (status, ==, 400);
	g_clear_pointer (&bad, json_node_unref);
	bad = call (&emu, "POST", "/v1.0/me/events",
		    "{\"subject\":\"x\",\"start\":{\"dateTime\":\"2025-03-03T09:00:00\","
		    "\"timeZone\":\"Mars/Olympus\"},\"end\":{\"dateTime\":\"2025-03-04T00:00:00\",\"timeZone\":\"UTC\"}}",
		    &status);
	g_assert_cmpuint (status, ==, 400);

	/* recurrence: the old capitalised range type is accepted, emitted lower camel */
	series = call (&emu, "POST", "/v1.0/me/events",
		       "{\"subject\":\"Weekly\",\"start\":{\"dateTime\":\"2025-03-03T09:00:00\","
		       "\"timeZone\":\"Europe/Copenhagen\"},\"end\":{\"dateTime\":\"2025-03-03T09:30:00\","
		       "\"timeZone\":\"Europe/Copenhagen\"},\"recurrence\":{\"pattern\":{\"type\":\"weekly\","
		       "\"interval\":1,\"daysOfWeek\":[\"monday\"],\"firstDayOfWeek\":\"monday\"},"
		       "\"range\":{\"type\":\"EndDate\",\"startDate\":\"2025-03-03\",\"endDate\":\"2025-05-26\"}}}",
		       &status);
	g_assert_cmpuint (status, ==, 201);
	g_assert_cmpstr (str (series, "type"), ==, "seriesMaster");
	g_assert_cmpstr (json_object_get_string_member (
			     json_object_get_object_member (
				 json_object_get_object_member (json_node_get_object (series),
								"recurrence"),
				 "range"),
			     "type"),
			 ==, "endDate");
	/* the series' instances: Mondays at 09:00 Copenhagen, DST from March 30 */
	{
		g_autofree gchar *ipath = g_strdup_printf (
		    "/v1.0/me/events/%s/instances?startDateTime=2025-03-01T00:00:00Z"
		    "&endDateTime=2025-04-01T00:00:00Z",
		    str (series, "id"));
		g_autofree gchar *mpath = g_strdup_printf (
		    "/v1.0/me/events/%s?$select=subject,cancelledOccurrences", str (series, "id"));
		g_autofree gchar *oid = g_strdup_printf ("OID.%s.2025-03-10", str (series, "id"));
		g_autoptr(JsonNode) inst = call (&emu, "GET", ipath, NULL, &status);
		g_autoptr(JsonNode) inst2 = NULL;
		g_autoptr(JsonNode) moved = NULL;
		g_autoptr(JsonNode) master = NULL;
		g_autofree gchar *occ10 = NULL;
		g_autofree gchar *occ17 = NULL;
		JsonArray *v;
		g_assert_cmpuint (status, ==, 200);
		v = json_object_get_array_member (json_node_get_object (inst), "value");
		g_assert_cmpuint (json_array_get_length (v), ==, 5);
		g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (v, 0),
								"type"),
				 ==, "occurrence");
		g_assert_cmpstr (dtz_of (json_array_get_object_element (v, 0), "start"), ==,
				 "2025-03-03T08:00:00.0000000");
		g_assert_cmpstr (dtz_of (json_array_get_object_element (v, 4), "start"), ==,
				 "2025-03-31T07:00:00.0000000");
		occ10 = g_strdup_printf ("/v1.0/me/events/%s",
					 json_object_get_string_member (
					     json_array_get_object_element (v, 1), "id"));
		occ17 = g_strdup_printf ("/v1.0/me/events/%s",
					 json_object_get_string_member (
					     json_array_get_object_element (v, 2), "id"));
		g_assert_null (call (&emu, "DELETE", occ10, NULL, &status));
		g_assert_cmpuint (status, ==, 204);
		moved = call (&emu, "PATCH", occ17,
			      "{\"start\":{\"dateTime\":\"2025-03-17T11:00:00\",\"timeZone\":"
			      "\"Europe/Copenhagen\"},\"end\":{\"dateTime\":\"2025-03-17T11:30:00\","
			      "\"timeZone\":\"Europe/Copenhagen\"}}",
			      &status);
		g_assert_cmpuint (status, ==, 200);
		g_assert_cmpstr (str (moved, "type"), ==, "exception");
		inst2 = call (&emu, "GET", ipath, NULL, &status);
		v = json_object_get_array_member (json_node_get_object (inst2), "value");
		g_assert_cmpuint (json_array_get_length (v), ==, 4);
		g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (v, 1),
								"type"),
				 ==, "exception");
		g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (v, 1),
								"originalStart"),
				 ==, "2025-03-17T08:00:00Z");
		g_assert_cmpstr (dtz_of (json_array_get_object_element (v, 1), "start"), ==,
				 "2025-03-17T10:00:00.0000000");
		master = call (&emu, "GET", mpath, NULL, &status);
		g_assert_cmpuint (status, ==, 200);
		g_assert_cmpstr (json_array_get_string_element (
				     json_object_get_array_member (json_node_get_object (master),
								   "cancelledOccurrences"),
				     0),
				 ==, oid);
	}
	/* dayOfMonth is not a weekly pattern's property */
	badrec = call (&emu, "POST", "/v1.0/me/events",
		       "{\"subject\":\"W\",\"start\":{\"dateTime\":\"2025-03-03T09:00:00\","
		       "\"timeZone\":\"UTC\"},\"end\":{\"dateTime\":\"2025-03-03T09:30:00\","
		       "\"timeZone\":\"UTC\"},\"recurrence\":{\"pattern\":{\"type\":\"weekly\","
		       "\"interval\":1,\"daysOfWeek\":[\"monday\"],\"dayOfMonth\":3},"
		       "\"range\":{\"type\":\"noEnd\",\"startDate\":\"2025-03-03\"}}}",
		       &status);
	g_assert_cmpuint (status, ==, 400);

	nowin = call (&emu, "GET", "/v1.0/me/calendarView/delta", NULL, &status);
	g_assert_cmpuint (status, ==, 400);
	/* the window holds the fair, the series and its exception, not the June call */
	link = delta_round (&emu,
			    "/v1.0/me/calendarView/delta?startDateTime=2025-03-01T00:00:00Z"
			    "&endDateTime=2025-04-01T00:00:00Z",
			    &items, &removed, &pages);
	g_assert_cmpuint (items, ==, 3);
	emu_stop (&emu);
}

static void
test_todo (void)
{
	Emu emu = {0};
	guint status, items, removed, pages;
	g_autoptr(JsonNode) lists = NULL;
	g_autoptr(JsonNode) created = NULL;
	g_autoptr(JsonNode) bad = NULL;
	g_autoptr(JsonNode) done = NULL;
	g_autofree gchar *tasks = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *dpath = NULL;
	g_autofree gchar *link = NULL;
	g_autofree gchar *link2 = NULL;
	JsonObject *l0;

	emu_start (&emu, NULL);
	sign_in (&emu);
	lists = call (&emu, "GET", "/v1.0/me/todo/lists", NULL, &status);
	g_assert_cmpuint (status, ==, 200);
	l0 = json_array_get_object_element (
	    json_object_get_array_member (json_node_get_object (lists), "value"), 0);
	g_assert_cmpstr (json_object_get_string_member (l0, "wellknownListName"), ==, "defaultList");
	tasks = g_strdup_printf ("/v1.0/me/todo/lists/%s/tasks",
				 json_object_get_string_member (l0, "id"));
	dpath = g_strdup_printf ("%s/delta", tasks);
	link = delta_round (&emu, dpath, &items, &removed, &pages);
	g_assert_cmpuint (items, ==, 0);

	created = call (&emu, "POST", tasks,
			"{\"title\":\"Call Ada\",\"body\":{\"contentType\":\"text\",\"content\":"
			"\"about the offer\"},\"importance\":\"high\",\"status\":\"notStarted\","
			"\"dueDateTime\":{\"dateTime\":\"2025-03-01T15:00:00\",\"timeZone\":\"UTC\"},"
			"\"isReminderOn\":true,\"reminderDateTime\":{\"dateTime\":\"2025-02-28T09:00:00\","
			"\"timeZone\":\"UTC\"},\"categories\":[\"CRM\"]}",
			&status);
	g_assert_cmpuint (status, ==, 201);
	/* To Do keeps the due date only */
	g_assert_cmpstr (json_object_get_string_member (
			     json_object_get_object_member (json_node_get_object (created),
							    "dueDateTime"),
			     "dateTime"),
			 ==, "2025-03-01T00:00:00.0000000");
	bad = call (&emu, "POST", tasks, "{\"title\":\"x\",\"status\":\"Open\"}", &status);
	g_assert_cmpuint (status, ==, 400);

	path = g_strdup_printf ("%s/%s", tasks, str (created, "id"));
	done = call (&emu, "PATCH", path, "{\"status\":\"completed\"}", &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_true (json_object_has_member (json_node_get_object (done), "completedDateTime"));
	link2 = delta_round (&emu, link, &items, &removed, &pages);
	g_assert_cmpuint (items, ==, 1);
	g_assert_null (call (&emu, "DELETE", path, NULL, &status));
	g_assert_cmpuint (status, ==, 204);
	g_free (link);
	link = delta_round (&emu, link2, &items, &removed, &pages);
	g_assert_cmpuint (items, ==, 0);
	g_assert_cmpuint (removed, ==, 1);
	emu_stop (&emu);
}

static JsonArray *
responses (JsonNode *n)
{
	return json_object_get_array_member (json_node_get_object (n), "responses");
}

static JsonObject *
response_for (JsonNode *n, const gchar *id)
{
	JsonArray *a = responses (n);
	for (guint i = 0; i < json_array_get_length (a); i++) {
		JsonObject *o = json_array_get_object_element (a, i);
		if (g_str_equal (json_object_get_string_member (o, "id"), id))
			return o;
	}
	g_assert_not_reached ();
}

static void
test_batch (void)
{
	Emu emu = {0};
	guint status;
	g_autoptr(GString) big = g_string_new ("{\"requests\":[");
	g_autoptr(GString) six = g_string_new ("{\"requests\":[");
	g_autoptr(JsonNode) chain = NULL;
	g_autoptr(JsonNode) failed = NULL;
	g_autoptr(JsonNode) too_many = NULL;
	g_autoptr(JsonNode) dup = NULL;
	g_autoptr(JsonNode) noct = NULL;
	g_autoptr(JsonNode) wide = NULL;
	guint throttled = 0;

	emu_start (&emu, NULL);
	sign_in (&emu);
	/* the spec's example shape: a GET, then a POST that depends on it */
	chain = call (&emu, "POST", "/v1.0/$batch",
		      "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"/me/contacts?$top=5\"},"
		      "{\"id\":\"2\",\"method\":\"POST\",\"url\":\"/me/contacts\",\"headers\":"
		      "{\"Content-Type\":\"application/json\"},\"body\":{\"givenName\":\"Ada\"},"
		      "\"dependsOn\":[\"1\"]}]}",
		      &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpint (json_object_get_int_member (response_for (chain, "1"), "status"), ==, 200);
	g_assert_cmpint (json_object_get_int_member (response_for (chain, "2"), "status"), ==, 201);

	failed = call (&emu, "POST", "/v1.0/$batch",
		       "{\"requests\":[{\"id\":\"a\",\"method\":\"GET\",\"url\":\"/me/contacts/nope\"},"
		       "{\"id\":\"b\",\"method\":\"DELETE\",\"url\":\"/me/contacts/nope2\",\"dependsOn\":[\"a\"]}]}",
		       &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpint (json_object_get_int_member (response_for (failed, "a"), "status"), ==, 404);
	g_assert_cmpint (json_object_get_int_member (response_for (failed, "b"), "status"), ==, 424);

	for (guint i = 0; i < 21; i++)
		g_string_append_printf (big, "%s{\"id\":\"%u\",\"method\":\"GET\",\"url\":\"/me\"}",
					i > 0 ? "," : "", i);
	g_string_append (big, "]}");
	too_many = call (&emu, "POST", "/v1.0/$batch", big->str, &status);
	g_assert_cmpuint (status, ==, 400);

	dup = call (&emu, "POST", "/v1.0/$batch",
		    "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"/me\"},"
		    "{\"id\":\"1\",\"method\":\"GET\",\"url\":\"/me\"}]}",
		    &status);
	g_assert_cmpuint (status, ==, 400);
	noct = call (&emu, "POST", "/v1.0/$batch",
		     "{\"requests\":[{\"id\":\"1\",\"method\":\"POST\",\"url\":\"/me/contacts\","
		     "\"body\":{\"givenName\":\"A\"}}]}",
		     &status);
	g_assert_cmpuint (status, ==, 400);

	/* six independent items: the mailbox takes 4 at once */
	for (guint i = 0; i < 6; i++)
		g_string_append_printf (six, "%s{\"id\":\"%u\",\"method\":\"GET\",\"url\":\"/me/contacts\"}",
					i > 0 ? "," : "", i);
	g_string_append (six, "]}");
	wide = call (&emu, "POST", "/v1.0/$batch", six->str, &status);
	g_assert_cmpuint (status, ==, 200);
	for (guint i = 0; i < 6; i++) {
		JsonObject *r = json_array_get_object_element (responses (wide), i);
		if (json_object_get_int_member (r, "status") == 429) {
			JsonObject *h = json_object_get_object_member (r, "headers");
			g_assert_true (json_object_has_member (h, "Retry-After"));
			throttled++;
		}
	}
	g_assert_cmpuint (throttled, ==, 2);
	emu_stop (&emu);
}

typedef struct {
	guint done;
	guint ok;
	guint throttled;
	gboolean retry_after;
	GMainLoop *loop;
} Parallel;

static void
parallel_cb (GObject *source, GAsyncResult *res, gpointer data)
{
	Parallel *p = data;
	SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), res);
	g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, NULL);
	guint status = soup_message_get_status (msg);
	if (status == 200)
		p->ok++;
	if (status == 429) {
		p->throttled++;
		p->retry_after = soup_message_headers_get_one (soup_message_get_response_headers (msg),
							       "Retry-After") != NULL;
	}
	if (++p->done == 5)
		g_main_loop_quit (p->loop);
}

/* Outlook's MailboxConcurrency: four requests in flight, the fifth is refused */
static void
test_concurrency (void)
{
	Emu emu = {0};
	guint status;
	Parallel p = {0};
	g_autoptr(SoupSession) s = soup_session_new_with_options ("max-conns-per-host", 8, NULL);
	g_autofree gchar *url = NULL;
	g_autofree gchar *auth = NULL;
	g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func (g_object_unref);

	emu_start (&emu, NULL);
	sign_in (&emu);
	g_assert_null (call (&emu, "POST", "/_emulator/hold?count=4&ms=1500", "", &status));
	url = g_strconcat (emu.origin, "/v1.0/me", NULL);
	auth = g_strdup_printf ("Bearer %s", emu.token);
	p.loop = g_main_loop_new (NULL, FALSE);
	for (guint i = 0; i < 5; i++) {
		SoupMessage *msg = soup_message_new ("GET", url);
		soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
					      auth);
		g_ptr_array_add (msgs, msg);
		soup_session_send_and_read_async (s, msg, G_PRIORITY_DEFAULT, NULL, parallel_cb, &p);
	}
	g_main_loop_run (p.loop);
	g_main_loop_unref (p.loop);
	g_assert_cmpuint (p.ok, ==, 4);
	g_assert_cmpuint (p.throttled, ==, 1);
	g_assert_true (p.retry_after);
	emu_stop (&emu);
}

static void
test_throttle_and_ids (void)
{
	const gchar *args[] = {"--generate=3", NULL};
	Emu emu = {0};
	guint status;
	g_autoptr(SoupMessageHeaders) hdrs = NULL;
	g_autoptr(JsonNode) t = NULL;
	g_autoptr(JsonNode) imm = NULL;
	g_autoptr(JsonNode) reg = NULL;
	g_autoptr(JsonNode) by_reg = NULL;
	g_autoptr(JsonNode) msgs = NULL;
	g_autoptr(JsonNode) post = NULL;
	g_autofree gchar *p = NULL;
	const gchar *imm_id, *reg_id;

	emu_start (&emu, args);
	sign_in (&emu);
	g_assert_null (call (&emu, "POST", "/_emulator/throttle?count=1", "", &status));
	t = call_full (&emu, "GET", "/v1.0/me/contacts", NULL, NULL, NULL, &status, &hdrs);
	g_assert_cmpuint (status, ==, 429);
	g_assert_cmpstr (soup_message_headers_get_one (hdrs, "Retry-After"), ==, "1");
	g_assert_cmpstr (error_code (t), ==, "ApplicationThrottled");

	imm = call (&emu, "GET", "/v1.0/me/contacts?$top=1", NULL, &status);
	g_assert_cmpuint (status, ==, 200);
	reg = call_full (&emu, "GET", "/v1.0/me/contacts?$top=1", NULL, NULL, NULL, &status, NULL);
	imm_id = json_object_get_string_member (
	    json_array_get_object_element (
		json_object_get_array_member (json_node_get_object (imm), "value"), 0),
	    "id");
	reg_id = json_object_get_string_member (
	    json_array_get_object_element (
		json_object_get_array_member (json_node_get_object (reg), "value"), 0),
	    "id");
	g_assert_cmpstr (imm_id, !=, reg_id);
	p = g_strdup_printf ("/v1.0/me/contacts/%s", reg_id);
	by_reg = call (&emu, "GET", p, NULL, &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpstr (str (by_reg, "id"), ==, imm_id);

	msgs = call (&emu, "GET", "/v1.0/me/mailFolders/sentitems/messages/delta", NULL, &status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
			      json_node_get_object (msgs), "value")),
			  ==, 1);
	post = call (&emu, "POST", "/v1.0/me/messages", "{\"subject\":\"x\"}", &status);
	g_assert_cmpuint (status, ==, 403);
	emu_stop (&emu);
}

/* --seed takes the resources as a client would POST them, and refuses what
 * the service would refuse */
static void
test_seed (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp ("graph-seed-XXXXXX", &error);
	g_autofree gchar *good = g_build_filename (dir, "good.json", NULL);
	g_autofree gchar *bad = g_build_filename (dir, "bad.json", NULL);
	g_autofree gchar *good_text = g_strdup_printf (
	    "{\"contacts\":[%s],\"events\":[%s],\"messages\":[{\"subject\":\"Hej\","
	    "\"internetMessageId\":\"<1@x>\",\"folder\":\"sentitems\"}]}",
	    contact_example, event_example);
	g_autofree gchar *seed_arg = g_strdup_printf ("--seed=%s", good);
	g_autofree gchar *bad_arg = g_strdup_printf ("--seed=%s", bad);
	const gchar *args[] = {seed_arg, NULL};
	g_autoptr(GSubprocess) fail = NULL;
	g_autofree gchar *err = NULL;
	Emu emu = {0};
	guint status;
	g_autoptr(JsonNode) contacts = NULL;
	g_autoptr(JsonNode) sent = NULL;

	g_assert_true (g_file_set_contents (good, good_text, -1, NULL));
	g_assert_true (g_file_set_contents (bad, "{\"events\":[{\"subject\":\"no times\"}]}", -1,
					    NULL));
	emu_start (&emu, args);
	sign_in (&emu);
	contacts = call (&emu, "GET", "/v1.0/me/contacts", NULL, &status);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
			      json_node_get_object (contacts), "value")),
			  ==, 1);
	sent = call (&emu, "GET", "/v1.0/me/mailFolders/sentitems/messages", NULL, &status);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
			      json_node_get_object (sent), "value")),
			  ==, 1);
	emu_stop (&emu);

	fail = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
				 &error, g_getenv ("CRMSYNC_EMULATOR"), "--api=graph", bad_arg, NULL);
	g_assert_no_error (error);
	g_assert_true (g_subprocess_communicate_utf8 (fail, NULL, NULL, NULL, &err, &error));
	g_assert_cmpint (g_subprocess_get_exit_status (fail), ==, 2);
	g_assert_nonnull (strstr (err, "events[0]"));
	g_unlink (good);
	g_unlink (bad);
	g_rmdir (dir);
}

/* a demo's server: restarted on its --db it serves its data, the mailbox it
 * was started for, and a token it issued before the restart */
static void
test_restart_db (void)
{
	g_autofree gchar *dir = g_dir_make_tmp ("graph-emu-XXXXXX", NULL);
	g_autofree gchar *db = g_build_filename (dir, "graph.db", NULL);
	const gchar *args[] = {"--db", db, "--user", "carl@contoso.example", NULL};
	Emu emu = {0};
	guint status;
	g_autofree gchar *id = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *token = NULL;

	emu_start (&emu, args);
	sign_in (&emu);
	{
		g_autoptr(JsonNode) created = call (&emu, "POST", "/v1.0/me/contacts",
						    "{\"givenName\":\"Carl\",\"surname\":\"Nielsen\"}",
						    &status);
		g_assert_cmpuint (status, ==, 201);
		id = g_strdup (str (created, "id"));
	}
	token = g_strdup (emu.token);
	emu_stop (&emu);

	emu_start (&emu, args);
	emu.token = g_strdup (token);
	path = g_strdup_printf ("/v1.0/me/contacts/%s", id);
	{
		g_autoptr(JsonNode) c = call (&emu, "GET", path, NULL, &status);
		g_assert_cmpuint (status, ==, 200);
		g_assert_cmpstr (str (c, "surname"), ==, "Nielsen");
	}
	{
		g_autoptr(JsonNode) me = call (&emu, "GET", "/v1.0/me", NULL, &status);
		g_assert_cmpuint (status, ==, 200);
		g_assert_cmpstr (str (me, "userPrincipalName"), ==, "carl@contoso.example");
	}
	{
		/* a token it never issued is refused */
		g_autoptr(JsonNode) bad = NULL;
		g_free (emu.token);
		emu.token = g_strdup ("not-a-token");
		bad = call (&emu, "GET", "/v1.0/me", NULL, &status);
		g_assert_cmpuint (status, ==, 401);
	}
	emu_stop (&emu);
	g_remove (db);
	g_rmdir (dir);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/graph-emulator/auth/device-code", test_device_code);
	g_test_add_func ("/graph-emulator/auth/pkce", test_pkce);
	g_test_add_func ("/graph-emulator/restart-db", test_restart_db);
	g_test_add_func ("/graph-emulator/contacts/crud", test_contacts);
	g_test_add_func ("/graph-emulator/contacts/delta", test_contacts_delta);
	g_test_add_func ("/graph-emulator/contacts/move", test_contact_move);
	g_test_add_func ("/graph-emulator/events", test_events);
	g_test_add_func ("/graph-emulator/todo", test_todo);
	g_test_add_func ("/graph-emulator/batch", test_batch);
	g_test_add_func ("/graph-emulator/throttle-and-ids", test_throttle_and_ids);
	g_test_add_func ("/graph-emulator/mailbox-concurrency", test_concurrency);
	g_test_add_func ("/graph-emulator/seed", test_seed);
	return g_test_run ();
}
