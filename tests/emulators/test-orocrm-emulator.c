/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "emu-launch.h"

/*
 * The orocrm emulator against api-specs.md section 1: the spec's example
 * requests, its status codes and error documents, WSSE and OAuth, paging and
 * the batch API. The emulator runs as the real binary (CRMSYNC_EMULATOR).
 */

#define KEY "dd1c18d06773cc377c9df6166c54c6e5fefa50fa"
#define KEY2 "5e2f8d6b7a100f9c1e2a7b4d4c1e9a535e2f8d6b"
#define JSONAPI "application/vnd.api+json"

typedef struct {
	GSubprocess *proc;
	gchar *url;
	SoupSession *session;
	gchar *token;
	gchar *dir;
} Emu;

static gchar *
start_emulator (Emu *emu, const gchar *const *extra)
{
	emu->proc = emu_launch_start ("orocrm", NULL, extra, &emu->url);
	emu->session = soup_session_new ();
	return emu->url;
}

static void
emu_setup (Emu *emu, gconstpointer data)
{
	const gchar *const *extra = data;
	emu->dir = g_dir_make_tmp ("oro-emu-XXXXXX", NULL);
	start_emulator (emu, extra);
}

static void
emu_teardown (Emu *emu, gconstpointer data)
{
	emu_launch_stop (&emu->proc);
	g_object_unref (emu->session);
	g_free (emu->url);
	g_free (emu->token);
	if (emu->dir != NULL) {
		g_autoptr(GDir) d = g_dir_open (emu->dir, 0, NULL);
		const gchar *name;
		while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
			g_autofree gchar *p = g_build_filename (emu->dir, name, NULL);
			g_remove (p);
		}
		g_rmdir (emu->dir);
		g_free (emu->dir);
	}
}

typedef struct {
	guint status;
	JsonNode *json; /* (nullable) */
	SoupMessageHeaders *headers;
	gchar *body;
} Resp;

static void
resp_free (Resp *r)
{
	if (r->json != NULL)
		json_node_unref (r->json);
	soup_message_headers_unref (r->headers);
	g_free (r->body);
	g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Resp, resp_free)

/* one request; headers as "Name: value" strings; auth: "bearer", "none", or a raw X-WSSE value */
static Resp *
request (Emu *emu, const gchar *method, const gchar *path, const gchar *body,
	 const gchar *const *headers)
{
	g_autofree gchar *url = g_strconcat (emu->url, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new (method, url);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) answer = NULL;
	SoupMessageHeaders *req = soup_message_get_request_headers (msg);
	Resp *r = g_new0 (Resp, 1);
	gsize len = 0;
	const gchar *data;

	g_assert_nonnull (msg);
	for (guint i = 0; headers != NULL && headers[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit (headers[i], ": ", 2);
		soup_message_headers_replace (req, kv[0], kv[1]);
	}
	if (body != NULL) {
		g_autofree gchar *ct = g_strdup (soup_message_headers_get_one (req, "Content-Type"));
		g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
		soup_message_set_request_body_from_bytes (msg, ct != NULL ? ct : JSONAPI, b);
	}
	answer = soup_session_send_and_read (emu->session, msg, NULL, &error);
	g_assert_no_error (error);
	r->status = soup_message_get_status (msg);
	r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
	data = g_bytes_get_data (answer, &len);
	r->body = g_strndup (data != NULL ? data : "", len);
	if (len > 0)
		r->json = json_from_string (r->body, NULL);
	return r;
}

static const gchar *
bearer (Emu *emu)
{
	if (emu->token == NULL) {
		g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token",
					     "{\"grant_type\":\"client_credentials\",\"client_id\":\"admin\","
					     "\"client_secret\":\"" KEY "\"}",
					     (const gchar *const[]){"Content-Type: application/json", NULL});
		g_assert_cmpuint (r->status, ==, 200);
		emu->token = g_strdup_printf ("Authorization: Bearer %s",
					      json_object_get_string_member (json_node_get_object (r->json),
									     "access_token"));
	}
	return emu->token;
}

/* a JSON:API request with a bearer token */
static Resp *
api (Emu *emu, const gchar *method, const gchar *path, const gchar *body)
{
	const gchar *h[] = {bearer (emu), "Accept: " JSONAPI, "Content-Type: " JSONAPI, NULL};
	if (body == NULL)
		h[2] = NULL;
	return request (emu, method, path, body, h);
}

static Resp *
rest (Emu *emu, const gchar *method, const gchar *path, const gchar *body)
{
	const gchar *h[] = {bearer (emu), "Content-Type: application/json", NULL};
	return request (emu, method, path, body, h);
}

static JsonObject *
obj (Resp *r)
{
	g_assert_nonnull (r->json);
	g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));
	return json_node_get_object (r->json);
}

static JsonObject *
first_error (Resp *r)
{
	JsonArray *errors = json_object_get_array_member (obj (r), "errors");
	g_assert_nonnull (errors);
	g_assert_cmpuint (json_array_get_length (errors), >=, 1);
	return json_array_get_object_element (errors, 0);
}

static const gchar *
attr (JsonObject *resource, const gchar *name)
{
	JsonObject *a = json_object_get_object_member (resource, "attributes");
	JsonNode *n = json_object_get_member (a, name);
	return n != NULL && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_string (n) : NULL;
}

static const gchar *
rel (JsonObject *resource, const gchar *name)
{
	JsonObject *r = json_object_get_object_member (resource, "relationships");
	JsonObject *o = json_object_get_object_member (r, name);
	JsonNode *d = json_object_get_member (o, "data");
	return JSON_NODE_HOLDS_OBJECT (d) ? json_object_get_string_member (json_node_get_object (d), "id")
					  : NULL;
}

static gchar *
wsse_header (const gchar *user, const gchar *key, const gchar *nonce_raw, const gchar *created)
{
	g_autofree gchar *nonce = g_base64_encode ((const guchar *) nonce_raw, strlen (nonce_raw));
	g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
	guint8 digest[20];
	gsize dlen = sizeof (digest);
	g_autofree gchar *d64 = NULL;

	g_checksum_update (sum, (const guchar *) nonce_raw, -1);
	g_checksum_update (sum, (const guchar *) created, -1);
	g_checksum_update (sum, (const guchar *) key, -1);
	g_checksum_get_digest (sum, digest, &dlen);
	d64 = g_base64_encode (digest, dlen);
	return g_strdup_printf (
	    "X-WSSE: UsernameToken Username=\"%s\", PasswordDigest=\"%s\", Nonce=\"%s\", Created=\"%s\"",
	    user, d64, nonce, created);
}

static gchar *
iso_now_offset (gint seconds)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) t = g_date_time_add_seconds (now, seconds);
	return g_date_time_format (t, "%Y-%m-%dT%H:%M:%S+00:00");
}

/* tests */

static void
test_wsse_vector (void)
{
	/* api-specs 1.2.1: the digest formula and its test vector */
	gsize len = 0;
	g_autofree guchar *nonce = g_base64_decode ("elRZL0lVOTl2T3lXeVBmUHRCL2ZrUnJoWUNZPQ==", &len);
	g_autofree gchar *nonce_s = g_strndup ((const gchar *) nonce, len);
	g_autofree gchar *h = wsse_header ("admin", KEY, nonce_s, "2016-09-20T10:00:00+03:00");
	g_assert_nonnull (strstr (h, "PasswordDigest=\"1W1xF6VjOoiFIDnjEKMBv9FiyI0=\""));
}

static void
test_wsse (Emu *emu, gconstpointer data)
{
	g_autofree gchar *now = iso_now_offset (-5);
	g_autofree gchar *old = iso_now_offset (-3700);
	g_autofree gchar *future = iso_now_offset (600);
	g_autofree gchar *good = wsse_header ("admin", KEY, "nonce-one-16byte", now);
	g_autofree gchar *wrong = wsse_header ("admin", "0000000000000000000000000000000000000000", "nonce-two", now);
	g_autofree gchar *expired = wsse_header ("admin", KEY, "nonce-three", old);
	g_autofree gchar *ahead = wsse_header ("admin", KEY, "nonce-four", future);
	g_autofree gchar *bad_created = wsse_header ("admin", KEY, "nonce-five", "yesterday");
	const gchar *auth = "Authorization: WSSE profile=\"UsernameToken\"";

	{
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts",
					     NULL, (const gchar *const[]){auth, good, "Accept: " JSONAPI, NULL});
		g_assert_cmpuint (r->status, ==, 200);
	}
	{
		/* the same nonce again */
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL,
					     (const gchar *const[]){auth, good, "Accept: " JSONAPI, NULL});
		g_assert_cmpuint (r->status, ==, 401);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "detail"), ==,
				 "Previously used nonce detected.");
	}
	{
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL,
					     (const gchar *const[]){auth, wrong, "Accept: " JSONAPI, NULL});
		g_assert_cmpuint (r->status, ==, 401);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "detail"), ==, "Wrong API key.");
	}
	{
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL,
					     (const gchar *const[]){auth, expired, "Accept: " JSONAPI, NULL});
		g_assert_cmpuint (r->status, ==, 401);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "detail"), ==, "Token has expired.");
	}
	{
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL,
					     (const gchar *const[]){auth, ahead, "Accept: " JSONAPI, NULL});
		g_assert_cmpuint (r->status, ==, 401);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "detail"), ==,
				 "Future token detected.");
	}
	{
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL,
					     (const gchar *const[]){auth, bad_created, "Accept: " JSONAPI, NULL});
		g_assert_cmpuint (r->status, ==, 401);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "detail"), ==,
				 "Incorrectly formatted \"created\" in token.");
	}
	{
		/* no credentials at all */
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL,
					     (const gchar *const[]){"Accept: " JSONAPI, NULL});
		g_assert_cmpuint (r->status, ==, 401);
	}
	{
		/* the old REST API takes WSSE too */
		g_autofree gchar *h = wsse_header ("admin", KEY, "nonce-six", now);
		g_autoptr(Resp) r = request (emu, "GET", "/api/rest/latest/calendars/default.json", NULL,
					     (const gchar *const[]){auth, h, NULL});
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpint (json_object_get_int_member (obj (r), "owner"), ==, 1);
	}
}

static void
test_oauth (Emu *emu, gconstpointer data)
{
	const gchar *json_ct[] = {"Content-Type: application/json", NULL};
	g_autofree gchar *refresh = NULL;
	{
		g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token",
					     "{\"grant_type\":\"client_credentials\",\"client_id\":\"admin\",\"client_secret\":\"" KEY "\"}",
					     json_ct);
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpstr (json_object_get_string_member (obj (r), "token_type"), ==, "Bearer");
		g_assert_cmpint (json_object_get_int_member (obj (r), "expires_in"), ==, 3600);
		g_assert_false (json_object_has_member (obj (r), "refresh_token"));
	}
	{
		g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token",
					     "{\"grant_type\":\"client_credentials\",\"client_id\":\"admin\",\"client_secret\":\"nope\"}",
					     json_ct);
		g_assert_cmpuint (r->status, ==, 401);
		g_assert_cmpstr (json_object_get_string_member (obj (r), "error"), ==, "invalid_client");
	}
	{
		g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token",
					     "{\"grant_type\":\"implicit\",\"client_id\":\"admin\"}", json_ct);
		g_assert_cmpuint (r->status, ==, 400);
		g_assert_cmpstr (json_object_get_string_member (obj (r), "error"), ==, "unsupported_grant_type");
	}
	{
		g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token",
					     "{\"grant_type\":\"password\",\"client_id\":\"admin\",\"client_secret\":\"" KEY "\","
					     "\"username\":\"admin\",\"password\":\"" KEY "\"}",
					     json_ct);
		g_assert_cmpuint (r->status, ==, 200);
		refresh = g_strdup (json_object_get_string_member (obj (r), "refresh_token"));
		g_assert_nonnull (refresh);
	}
	{
		g_autofree gchar *body = g_strdup_printf (
		    "{\"grant_type\":\"refresh_token\",\"client_id\":\"admin\",\"client_secret\":\"" KEY "\","
		    "\"refresh_token\":\"%s\"}", refresh);
		g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token", body, json_ct);
		g_autoptr(Resp) again = request (emu, "POST", "/oauth2-token", body, json_ct);
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_nonnull (json_object_get_string_member (obj (r), "access_token"));
		/* a refresh token is spent once used */
		g_assert_cmpuint (again->status, ==, 401);
	}
	{
		const gchar *h[] = {"Authorization: Bearer not-a-token", "Accept: " JSONAPI, NULL};
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL, h);
		g_assert_cmpuint (r->status, ==, 401);
	}
}

static void
test_media_types (Emu *emu, gconstpointer data)
{
	const gchar *body = "{\"data\":{\"type\":\"contacts\",\"attributes\":{\"firstName\":\"X\"}}}";
	{
		const gchar *h[] = {bearer (emu), "Accept: " JSONAPI,
				    "Content-Type: application/vnd.api+json; charset=utf-8", NULL};
		g_autoptr(Resp) r = request (emu, "POST", "/api/contacts", body, h);
		g_assert_cmpuint (r->status, ==, 415);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "detail"), ==,
				 "The \"Content-Type\" request header should contain JSON:API media type without any parameters.");
	}
	{
		const gchar *h[] = {bearer (emu), "Accept: application/vnd.api+json; ext=bulk", NULL};
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL, h);
		g_assert_cmpuint (r->status, ==, 406);
	}
	{
		const gchar *h[] = {bearer (emu), "Accept: text/html", "Content-Type: " JSONAPI, NULL};
		g_autoptr(Resp) r = request (emu, "POST", "/api/contacts", body, h);
		g_assert_cmpuint (r->status, ==, 406);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "detail"), ==,
				 "The \"Accept\" request header does not accept JSON:API content type.");
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts", NULL);
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, JSONAPI);
	}
}

#define ADA "{\"data\":{\"type\":\"contacts\"," \
	"\"attributes\":{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"jobTitle\":\"Analyst\",\"birthday\":\"1815-12-10\"," \
	"\"gender\":\"female\",\"emails\":[{\"email\":\"ada@example.org\"}],\"primaryEmail\":\"ada@example.org\"," \
	"\"phones\":[{\"phone\":\"+44 20 7946 0000\"}],\"primaryPhone\":\"+44 20 7946 0000\"}," \
	"\"relationships\":{\"owner\":{\"data\":{\"type\":\"users\",\"id\":\"1\"}}," \
	"\"organization\":{\"data\":{\"type\":\"organizations\",\"id\":\"1\"}}}}}"

static void
test_contacts (Emu *emu, gconstpointer data)
{
	g_autofree gchar *id = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *updated = NULL;
	{
		/* the spec's create example */
		g_autoptr(Resp) r = api (emu, "POST", "/api/contacts", ADA);
		JsonObject *d;
		g_assert_cmpuint (r->status, ==, 201);
		d = json_object_get_object_member (obj (r), "data");
		id = g_strdup (json_object_get_string_member (d, "id"));
		g_assert_cmpstr (attr (d, "firstName"), ==, "Ada");
		g_assert_cmpstr (attr (d, "birthday"), ==, "1815-12-10");
		g_assert_cmpstr (attr (d, "primaryEmail"), ==, "ada@example.org");
		g_assert_cmpstr (rel (d, "owner"), ==, "1");
		g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$",
						     attr (d, "updatedAt"), 0, 0));
		updated = g_strdup (attr (d, "updatedAt"));
	}
	path = g_strdup_printf ("/api/contacts/%s", id);
	{
		g_autoptr(Resp) r = api (emu, "GET", path, NULL);
		JsonObject *d = json_object_get_object_member (obj (r), "data");
		JsonArray *emails = json_object_get_array_member (json_object_get_object_member (d, "attributes"), "emails");
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpstr (attr (d, "lastName"), ==, "Lovelace");
		g_assert_cmpuint (json_array_get_length (emails), ==, 1);
	}
	{
		/* unknown id: the spec's error document */
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts/999999", NULL);
		JsonObject *e;
		g_assert_cmpuint (r->status, ==, 404);
		e = first_error (r);
		g_assert_cmpstr (json_object_get_string_member (e, "status"), ==, "404");
		g_assert_cmpstr (json_object_get_string_member (e, "title"), ==, "not found http exception");
		g_assert_cmpstr (json_object_get_string_member (e, "detail"), ==,
				 "An entity with the requested identifier does not exist.");
	}
	{
		/* PATCH with the wrong id in the body */
		g_autoptr(Resp) r = api (emu, "PATCH", path,
					 "{\"data\":{\"type\":\"contacts\",\"id\":\"12345\",\"attributes\":{\"firstName\":\"A\"}}}");
		g_assert_cmpuint (r->status, ==, 409);
	}
	{
		/* a contact needs a name, an e-mail or a phone */
		g_autoptr(Resp) r = api (emu, "POST", "/api/contacts",
					 "{\"data\":{\"type\":\"contacts\",\"attributes\":{\"jobTitle\":\"Nobody\"}}}");
		g_assert_cmpuint (r->status, ==, 400);
	}
	{
		g_autoptr(Resp) r = api (emu, "POST", "/api/contacts",
					 "{\"data\":{\"type\":\"contacts\",\"attributes\":{\"firstName\":\"X\",\"gender\":\"other\",\"shoeSize\":\"44\"}}}");
		JsonArray *errors = json_object_get_array_member (obj (r), "errors");
		g_assert_cmpuint (r->status, ==, 400);
		/* one error per violation, each with its pointer */
		g_assert_cmpuint (json_array_get_length (errors), ==, 2);
		for (guint i = 0; i < 2; i++) {
			JsonObject *src = json_object_get_object_member (json_array_get_object_element (errors, i), "source");
			g_assert_true (g_str_has_prefix (json_object_get_string_member (src, "pointer"),
							 "/data/attributes/"));
		}
	}
	g_usleep (1100 * 1000); /* updatedAt has one-second resolution */
	{
		g_autofree gchar *body = g_strdup_printf (
		    "{\"data\":{\"type\":\"contacts\",\"id\":\"%s\",\"attributes\":{\"jobTitle\":\"Countess\"}}}", id);
		g_autoptr(Resp) r = api (emu, "PATCH", path, body);
		JsonObject *d = json_object_get_object_member (obj (r), "data");
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpstr (attr (d, "jobTitle"), ==, "Countess");
		g_assert_cmpstr (attr (d, "firstName"), ==, "Ada");
		g_assert_cmpstr (attr (d, "updatedAt"), >, updated);
	}
	{
		/* updatedAt filter: the change is found, the seeded past is not */
		g_autofree gchar *q = g_strdup_printf ("/api/contacts?filter%%5BupdatedAt%%5D%%5Bgt%%5D=%s", updated);
		g_autoptr(Resp) r = api (emu, "GET", q, NULL);
		JsonArray *d = json_object_get_array_member (obj (r), "data");
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpuint (json_array_get_length (d), ==, 1);
		g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (d, 0), "id"), ==, id);
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts?filter%5Bemails%5D=ada@example.org", NULL);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (r), "data")), ==, 1);
	}
	{
		g_autoptr(Resp) r = api (emu, "DELETE", path, NULL);
		g_autoptr(Resp) gone = api (emu, "GET", path, NULL);
		g_assert_cmpuint (r->status, ==, 204);
		g_assert_cmpuint (gone->status, ==, 404);
	}
}

static void
test_list (Emu *emu, gconstpointer data)
{
	/* started with --generate 25 */
	const gchar *next = NULL;
	g_autofree gchar *next_path = NULL;
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts", NULL);
		JsonObject *links = json_object_get_object_member (obj (r), "links");
		/* default page size 10, a next link, no first/prev on page 1 */
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (r), "data")), ==, 10);
		g_assert_nonnull (links);
		g_assert_false (json_object_has_member (links, "prev"));
		next = json_object_get_string_member (links, "next");
		g_assert_true (g_str_has_suffix (next, "/api/contacts?page%5Bnumber%5D=2"));
		next_path = g_strdup (strstr (next, "/api/"));
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts?page%5Bsize%5D=10&page%5Bnumber%5D=3", NULL);
		JsonObject *links = json_object_get_object_member (obj (r), "links");
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (r), "data")), ==, 5);
		g_assert_false (json_object_has_member (links, "next"));
		g_assert_true (json_object_has_member (links, "first"));
		g_assert_true (json_object_has_member (links, "prev"));
	}
	{
		const gchar *h[] = {bearer (emu), "Accept: " JSONAPI, "X-Include: totalCount", NULL};
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts?page%5Bsize%5D=-1&sort=-id", NULL, h);
		JsonArray *d = json_object_get_array_member (obj (r), "data");
		g_assert_cmpuint (json_array_get_length (d), ==, 25);
		g_assert_cmpstr (soup_message_headers_get_one (r->headers, "X-Include-Total-Count"), ==, "25");
		g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (d, 0), "id"), ==, "25");
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts?filter%5Bid%5D=aaa", NULL);
		JsonObject *e = first_error (r);
		g_assert_cmpuint (r->status, ==, 400);
		g_assert_cmpstr (json_object_get_string_member (e, "title"), ==, "unexpected value exception");
		g_assert_cmpstr (json_object_get_string_member (e, "detail"), ==, "Expected integer value. Given \"aaa\".");
		g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (e, "source"), "parameter"),
				 ==, "filter[id]");
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts?filter%5Bunknown%5D=1", NULL);
		g_assert_cmpuint (r->status, ==, 400);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "title"), ==, "filter constraint");
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "detail"), ==,
				 "Filter \"filter[unknown]\" is not supported.");
	}
	{
		/* both operator syntaxes, ranges and lists */
		g_autoptr(Resp) a = api (emu, "GET", "/api/contacts?filter%5Bid%5D%5Bgt%5D=20", NULL);
		g_autoptr(Resp) b = api (emu, "GET", "/api/contacts?filter%5Bid%5D%3E20", NULL);
		g_autoptr(Resp) c = api (emu, "GET", "/api/contacts?filter%5Bid%5D=3..5", NULL);
		g_autoptr(Resp) d = api (emu, "GET", "/api/contacts?filter%5Bid%5D=3,7", NULL);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (a), "data")), ==, 5);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (b), "data")), ==, 5);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (c), "data")), ==, 3);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (d), "data")), ==, 2);
	}
	{
		/* "owned by me": one in five belongs to user 2 */
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts?page%5Bsize%5D=-1&filter%5Bowner%5D=2", NULL);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (r), "data")), ==, 5);
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", next_path, NULL);
		JsonArray *d = json_object_get_array_member (obj (r), "data");
		g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (d, 0), "id"), ==, "11");
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts?sort=shoeSize", NULL);
		g_assert_cmpuint (r->status, ==, 400);
		g_assert_cmpstr (json_object_get_string_member (first_error (r), "title"), ==, "sort constraint");
	}
	{
		/* include and sparse fieldsets */
		g_autoptr(Resp) r = api (emu, "GET",
					 "/api/contacts/1?include=addresses&fields%5Bcontacts%5D=firstName,addresses", NULL);
		JsonObject *d = json_object_get_object_member (obj (r), "data");
		JsonArray *inc = json_object_get_array_member (obj (r), "included");
		g_assert_cmpuint (json_object_get_size (json_object_get_object_member (d, "attributes")), ==, 1);
		g_assert_cmpuint (json_array_get_length (inc), ==, 1);
		g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (inc, 0), "type"), ==,
				 "contactaddresses");
	}
	{
		g_autoptr(Resp) r = api (emu, "DELETE", "/api/contacts", NULL);
		g_assert_cmpuint (r->status, ==, 400);
	}
	{
		g_autoptr(Resp) r = api (emu, "DELETE", "/api/contacts?filter%5Bid%5D=24,25", NULL);
		g_autoptr(Resp) after = api (emu, "GET", "/api/contacts?page%5Bsize%5D=-1", NULL);
		g_assert_cmpuint (r->status, ==, 204);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (after), "data")), ==, 23);
	}
	{
		/* pages in id order stay offsets into what is there now, and the total
		 * count is today's: a deletion between pages 2 and 3 moves the later
		 * pages up by one (the emulator remembers where a page ended) */
		static const gchar *path = "/api/contacts?sort=id&page%5Bsize%5D=5&page%5Bnumber%5D=";
		static const struct {
			guint number;
			const gchar *first, *count;
		} pages[] = {{1, "1", "23"}, {2, "6", "23"}, {3, "12", "22"}, {4, "17", "22"},
			     {5, "22", "22"}, {2, "7", "22"}};
		const gchar *h[] = {bearer (emu), "Accept: " JSONAPI, "X-Include: totalCount", NULL};
		for (guint i = 0; i < G_N_ELEMENTS (pages); i++) {
			g_autofree gchar *page = g_strdup_printf ("%s%u", path, pages[i].number);
			g_autoptr(Resp) r = NULL;
			JsonArray *d;
			if (pages[i].number == 3) {
				g_autoptr(Resp) del = api (emu, "DELETE", "/api/contacts/3", NULL);
				g_assert_cmpuint (del->status, ==, 204);
			}
			r = request (emu, "GET", page, NULL, h);
			d = json_object_get_array_member (obj (r), "data");
			g_assert_cmpuint (json_array_get_length (d), ==, pages[i].number == 5 ? 2 : 5);
			g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (d, 0), "id"),
					 ==, pages[i].first);
			g_assert_cmpstr (soup_message_headers_get_one (r->headers, "X-Include-Total-Count"), ==,
					 pages[i].count);
		}
	}
}

static void
test_tasks (Emu *emu, gconstpointer data)
{
	{
		/* the spec's example, linked to a generated contact */
		g_autoptr(Resp) r = api (emu, "POST", "/api/tasks",
					 "{\"data\":{\"type\":\"tasks\",\"attributes\":{\"subject\":\"Call Ada\",\"description\":\"…\","
					 "\"dueDate\":\"2025-02-16T22:36:37Z\"},\"relationships\":{\"taskPriority\":{\"data\":"
					 "{\"type\":\"taskpriorities\",\"id\":\"normal\"}},\"status\":{\"data\":{\"type\":\"taskstatuses\","
					 "\"id\":\"open\"}},\"activityTargets\":{\"data\":[{\"type\":\"contacts\",\"id\":\"1\"}]}}}}");
		JsonObject *d;
		g_assert_cmpuint (r->status, ==, 201);
		d = json_object_get_object_member (obj (r), "data");
		g_assert_cmpstr (attr (d, "dueDate"), ==, "2025-02-16T22:36:37Z");
		g_assert_cmpstr (rel (d, "taskPriority"), ==, "normal");
		g_assert_cmpstr (rel (d, "owner"), ==, "1");
	}
	{
		/* taskPriority is required, subject must not be blank */
		g_autoptr(Resp) r = api (emu, "POST", "/api/tasks",
					 "{\"data\":{\"type\":\"tasks\",\"attributes\":{\"subject\":\"  \"}}}");
		JsonArray *errors = json_object_get_array_member (obj (r), "errors");
		g_autoptr(GString) pointers = g_string_new (NULL);
		g_assert_cmpuint (r->status, ==, 400);
		for (guint i = 0; i < json_array_get_length (errors); i++)
			g_string_append_printf (pointers, "%s ",
						json_object_get_string_member (json_object_get_object_member (
						    json_array_get_object_element (errors, i), "source"), "pointer"));
		g_assert_nonnull (strstr (pointers->str, "/data/attributes/subject"));
		g_assert_nonnull (strstr (pointers->str, "/data/relationships/taskPriority/data"));
	}
	{
		g_autoptr(Resp) r = api (emu, "POST", "/api/tasks",
					 "{\"data\":{\"type\":\"tasks\",\"attributes\":{\"subject\":\"x\"},\"relationships\":"
					 "{\"taskPriority\":{\"data\":{\"type\":\"taskpriorities\",\"id\":\"urgent\"}}}}}");
		g_assert_cmpuint (r->status, ==, 400);
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/taskstatuses", NULL);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (r), "data")), ==, 3);
	}
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/tasks?filter%5BownerUsername%5D=mette.hansen&page%5Bsize%5D=-1", NULL);
		/* one in five generated tasks is hers */
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (r), "data")), ==, 1);
	}
	{
		g_autoptr(Resp) r = api (emu, "POST", "/api/taskstatuses",
					 "{\"data\":{\"type\":\"taskstatuses\",\"attributes\":{\"name\":\"x\"}}}");
		g_assert_cmpuint (r->status, ==, 405);
	}
}

static void
test_batch (Emu *emu, gconstpointer data)
{
	const gchar *sync_h[] = {NULL, "Accept: " JSONAPI, "Content-Type: " JSONAPI, "X-Mode: sync", NULL};
	sync_h[0] = bearer (emu);
	{
		g_autoptr(Resp) r = request (emu, "PATCH", "/api/contacts",
					     "{\"data\":[{\"type\":\"contacts\",\"id\":\"new1\",\"attributes\":{\"firstName\":\"Søren\"}},"
					     "{\"type\":\"contacts\",\"id\":\"new2\",\"attributes\":{\"lastName\":\"Müller\"}},"
					     "{\"meta\":{\"update\":true},\"type\":\"contacts\",\"id\":\"1\",\"attributes\":{\"jobTitle\":\"Boss\"}}]}",
					     sync_h);
		JsonArray *d;
		g_assert_cmpuint (r->status, ==, 200);
		d = json_object_get_array_member (obj (r), "data");
		g_assert_cmpuint (json_array_get_length (d), ==, 3);
		/* in request order, with the request's ids as dataId */
		g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
				     json_array_get_object_element (d, 0), "meta"), "dataId"), ==, "new1");
		g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (d, 0), "id"), ==, "6");
		g_assert_cmpstr (attr (json_array_get_object_element (d, 2), "jobTitle"), ==, "Boss");
	}
	{
		/* atomic: one bad item and nothing is stored */
		g_autoptr(Resp) r = request (emu, "PATCH", "/api/contacts",
					     "{\"data\":[{\"type\":\"contacts\",\"id\":\"a\",\"attributes\":{\"firstName\":\"Kept?\"}},"
					     "{\"type\":\"contacts\",\"id\":\"b\",\"attributes\":{\"gender\":\"x\",\"firstName\":\"Y\"}}]}",
					     sync_h);
		g_autoptr(Resp) all = api (emu, "GET", "/api/contacts?page%5Bsize%5D=-1", NULL);
		g_assert_cmpuint (r->status, ==, 400);
		g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first_error (r), "source"),
								"pointer"), ==, "/data/1/attributes/gender");
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (all), "data")), ==, 7);
	}
	{
		g_autoptr(GString) body = g_string_new ("{\"data\":[");
		for (guint i = 0; i < 101; i++)
			g_string_append_printf (body, "%s{\"type\":\"contacts\",\"attributes\":{\"firstName\":\"N%u\"}}",
						i > 0 ? "," : "", i);
		g_string_append (body, "]}");
		{
			g_autoptr(Resp) r = request (emu, "PATCH", "/api/contacts", body->str, sync_h);
			g_assert_cmpuint (r->status, ==, 400);
		}
	}
	{
		/* asynchronous: an asyncoperation to poll, errors listed */
		g_autoptr(Resp) r = api (emu, "PATCH", "/api/tasks",
					 "{\"data\":[{\"type\":\"tasks\",\"attributes\":{\"subject\":\"ok\"},\"relationships\":"
					 "{\"taskPriority\":{\"data\":{\"type\":\"taskpriorities\",\"id\":\"low\"}}}},"
					 "{\"type\":\"tasks\",\"attributes\":{\"subject\":\"no priority\"}}]}");
		JsonObject *d;
		g_autofree gchar *path = NULL;
		g_assert_cmpuint (r->status, ==, 202);
		d = json_object_get_object_member (obj (r), "data");
		g_assert_cmpstr (json_object_get_string_member (d, "type"), ==, "asyncoperations");
		path = g_strdup_printf ("/api/asyncoperations/%s/errors", json_object_get_string_member (d, "id"));
		{
			g_autoptr(Resp) e = api (emu, "GET", path, NULL);
			JsonArray *errs = json_object_get_array_member (obj (e), "data");
			g_assert_cmpuint (json_array_get_length (errs), ==, 1);
		}
	}
}

static void
test_calendar (Emu *emu, gconstpointer data)
{
	gint64 id;
	g_autofree gchar *path = NULL;
	{
		g_autoptr(Resp) r = rest (emu, "GET", "/api/rest/latest/calendars/default", NULL);
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpint (json_object_get_int_member (obj (r), "calendar"), ==, 1);
	}
	{
		g_autoptr(Resp) r = rest (emu, "POST", "/api/rest/latest/calendarevents",
					  "{\"calendar\":1,\"title\":\"Kundemøde i Århus\",\"start\":\"2025-03-03T09:00:00+01:00\","
					  "\"end\":\"2025-03-03T10:00:00+01:00\",\"allDay\":false}");
		g_assert_cmpuint (r->status, ==, 201);
		id = json_object_get_int_member (obj (r), "id");
		g_assert_cmpstr (json_object_get_string_member (obj (r), "invitationStatus"), ==, "none");
		g_assert_nonnull (json_object_get_string_member (obj (r), "uid"));
	}
	path = g_strdup_printf ("/api/rest/latest/calendarevents/%" G_GINT64_FORMAT, id);
	{
		g_autoptr(Resp) r = rest (emu, "GET", path, NULL);
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpstr (json_object_get_string_member (obj (r), "start"), ==, "2025-03-03T08:00:00+00:00");
		g_assert_cmpstr (json_object_get_string_member (obj (r), "title"), ==, "Kundemøde i Århus");
	}
	{
		g_autoptr(Resp) r = rest (emu, "GET", "/api/rest/latest/calendarevents?calendar=1", NULL);
		g_assert_cmpuint (r->status, ==, 400);
		g_assert_cmpstr (json_object_get_string_member (obj (r), "message"), ==,
				 "Time interval (\"start\" and \"end\") or paging (\"page\" and \"limit\") parameters should be specified.");
	}
	{
		g_autoptr(Resp) r = rest (emu, "POST", "/api/rest/latest/calendarevents",
					  "{\"title\":\"\",\"start\":\"2025-03-03T09:00:00Z\",\"end\":\"2025-03-03T08:00:00Z\"}");
		JsonObject *children;
		g_assert_cmpuint (r->status, ==, 400);
		children = json_object_get_object_member (json_object_get_object_member (obj (r), "errors"), "children");
		g_assert_true (json_object_has_member (children, "title"));
		g_assert_true (json_object_has_member (children, "end"));
	}
	{
		/* the operator-in-key date filter, start/end interval and paging */
		g_autoptr(Resp) upd = rest (emu, "GET",
					    "/api/rest/latest/calendarevents?calendar=1&page=1&limit=100&updatedAt%3E2026-01-01T00%3A00%3A00%2B0000",
					    NULL);
		g_autoptr(Resp) span = rest (emu, "GET",
					     "/api/rest/latest/calendarevents?calendar=1&start=2025-03-03T00:00:00Z&end=2025-03-04T00:00:00Z",
					     NULL);
		g_autoptr(Resp) page = rest (emu, "GET", "/api/rest/latest/calendarevents?calendar=1&page=2&limit=3", NULL);
		g_assert_cmpuint (json_array_get_length (json_node_get_array (upd->json)), ==, 1);
		g_assert_cmpuint (json_array_get_length (json_node_get_array (span->json)), ==, 1);
		/* calendar 1: four generated events and the new one */
		g_assert_cmpuint (json_array_get_length (json_node_get_array (page->json)), ==, 2);
	}
	{
		/* another user's calendar */
		g_autoptr(Resp) r = rest (emu, "GET", "/api/rest/latest/calendarevents?calendar=2&page=1&limit=10", NULL);
		g_assert_cmpuint (r->status, ==, 403);
	}
	{
		g_autoptr(Resp) r = rest (emu, "PUT", path, "{\"title\":\"Flyttet møde\",\"allDay\":true}");
		g_autoptr(Resp) after = rest (emu, "GET", path, NULL);
		g_assert_cmpuint (r->status, ==, 204);
		g_assert_cmpstr (json_object_get_string_member (obj (after), "title"), ==, "Flyttet møde");
		g_assert_true (json_object_get_boolean_member (obj (after), "allDay"));
	}
	{
		/* the spec's recurrence shape; a wrong type is refused */
		g_autoptr(Resp) r = rest (emu, "POST", "/api/rest/latest/calendarevents",
					  "{\"title\":\"Ugemøde\",\"start\":\"2025-03-03T09:00:00Z\",\"end\":\"2025-03-03T10:00:00Z\","
					  "\"recurrence\":{\"timeZone\":\"UTC\",\"recurrenceType\":\"weekly\",\"interval\":1,"
					  "\"startTime\":\"2025-03-03T09:00:00Z\",\"occurrences\":4,\"dayOfWeek\":[\"monday\"]}}");
		g_autoptr(Resp) bad = rest (emu, "POST", "/api/rest/latest/calendarevents",
					    "{\"title\":\"x\",\"start\":\"2025-03-03T09:00:00Z\",\"end\":\"2025-03-03T10:00:00Z\","
					    "\"recurrence\":{\"recurrenceType\":\"hourly\",\"interval\":1,\"startTime\":\"2025-03-03T09:00:00Z\"}}");
		g_autofree gchar *p2 = NULL;
		g_assert_cmpuint (r->status, ==, 201);
		g_assert_cmpuint (bad->status, ==, 400);
		p2 = g_strdup_printf ("/api/rest/latest/calendarevents/%" G_GINT64_FORMAT,
				      json_object_get_int_member (obj (r), "id"));
		{
			g_autoptr(Resp) got = rest (emu, "GET", p2, NULL);
			JsonObject *rec = json_object_get_object_member (obj (got), "recurrence");
			g_assert_cmpstr (json_object_get_string_member (rec, "recurrenceType"), ==, "weekly");
			g_assert_cmpint (json_object_get_int_member (rec, "occurrences"), ==, 4);
		}
	}
	{
		g_autoptr(Resp) r = rest (emu, "DELETE", path, NULL);
		g_autoptr(Resp) gone = rest (emu, "GET", path, NULL);
		g_assert_cmpuint (r->status, ==, 204);
		g_assert_cmpuint (gone->status, ==, 404);
	}
}

static void
test_seed (Emu *emu, gconstpointer data)
{
	/* started with the seed below: custom field, second user with own key, read-only */
	{
		g_autoptr(Resp) r = api (emu, "GET", "/api/contacts/7", NULL);
		JsonObject *d = json_object_get_object_member (obj (r), "data");
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpstr (attr (d, "customerNumber"), ==, "K-1001");
		g_assert_cmpstr (attr (d, "updatedAt"), ==, "2024-05-01T12:00:00Z");
		g_assert_cmpstr (attr (d, "firstName"), ==, "Åse");
	}
	{
		g_autoptr(Resp) r = api (emu, "POST", "/api/contacts",
					 "{\"data\":{\"type\":\"contacts\",\"attributes\":{\"firstName\":\"Z\",\"customerNumber\":\"K-2\"}}}");
		g_assert_cmpuint (r->status, ==, 201);
	}
	{
		/* a read-only user can read and gets 403 on writes */
		g_autofree gchar *now = iso_now_offset (-1);
		g_autofree gchar *h1 = wsse_header ("viewer", "1111111111111111111111111111111111111111", "n-1", now);
		g_autofree gchar *h2 = wsse_header ("viewer", "1111111111111111111111111111111111111111", "n-2", now);
		g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL,
					     (const gchar *const[]){h1, "Accept: " JSONAPI, NULL});
		g_autoptr(Resp) w = request (emu, "POST", "/api/contacts",
					     "{\"data\":{\"type\":\"contacts\",\"attributes\":{\"firstName\":\"Z\"}}}",
					     (const gchar *const[]){h2, "Accept: " JSONAPI, "Content-Type: " JSONAPI, NULL});
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_cmpuint (w->status, ==, 403);
		g_assert_cmpstr (json_object_get_string_member (first_error (w), "title"), ==, "access denied exception");
	}
	{
		g_autoptr(Resp) r = rest (emu, "GET", "/api/rest/latest/calendarevents/41", NULL);
		g_assert_cmpuint (r->status, ==, 200);
		g_assert_true (json_object_get_boolean_member (obj (r), "allDay"));
	}
}

static void
test_faults (Emu *emu, gconstpointer data)
{
	/* started with --faults 500=1: every request fails, as configured */
	const gchar *h[] = {"Accept: " JSONAPI, NULL};
	g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL, h);
	g_assert_cmpuint (r->status / 100, ==, 5);
}

static void
test_garbage (Emu *emu, gconstpointer data)
{
	const gchar *h[] = {"Accept: " JSONAPI, NULL};
	g_autoptr(Resp) r = request (emu, "GET", "/api/contacts", NULL, h);
	g_assert_cmpuint (r->status, ==, 200);
	g_assert_null (r->json); /* cut-off JSON */
}

static void
test_bad_seed (void)
{
	/* a seed the API would reject is refused with a one-line reason */
	g_autofree gchar *dir = g_dir_make_tmp ("oro-seed-XXXXXX", NULL);
	g_autofree gchar *seed = g_build_filename (dir, "seed.json", NULL);
	g_autoptr(GSubprocess) p = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	g_file_set_contents (seed, "{\"contacts\":[{\"type\":\"contacts\",\"attributes\":{\"gender\":\"x\",\"firstName\":\"A\"}}]}",
			     -1, NULL);
	p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
			      g_getenv ("CRMSYNC_EMULATOR"), "--api=orocrm", "--seed", seed, NULL);
	g_assert_no_error (error);
	g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error);
	g_assert_no_error (error);
	g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 2);
	g_assert_nonnull (strstr (err, "not a valid choice"));
	g_remove (seed);
	g_rmdir (dir);
}

static const gchar *seed_json =
    "{\"customFields\":{\"contacts\":{\"customerNumber\":\"string\"}},"
    "\"users\":[{\"id\":\"3\",\"username\":\"viewer\",\"apiKey\":\"1111111111111111111111111111111111111111\",\"readOnly\":true}],"
    "\"contacts\":[{\"type\":\"contacts\",\"id\":\"7\",\"attributes\":{\"firstName\":\"Åse\",\"lastName\":\"Østergaard\","
    "\"customerNumber\":\"K-1001\",\"createdAt\":\"2024-05-01T12:00:00Z\",\"updatedAt\":\"2024-05-01T12:00:00Z\"}}],"
    "\"calendarevents\":[{\"id\":41,\"title\":\"Sankt Hans\",\"start\":\"2025-06-23T00:00:00Z\",\"end\":\"2025-06-24T00:00:00Z\",\"allDay\":true}]}";

static gchar *
oauth_body (const gchar *client, const gchar *secret)
{
	return g_strdup_printf ("{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\","
				"\"client_secret\":\"%s\"}",
				client, secret);
}

/* a demo's server: restarted on its --db it serves what it held (it failed with
 * "table res already exists"), and it takes the credentials it is given */
static void
test_restart_db (Emu *emu, gconstpointer data)
{
	const gchar *json_ct[] = {"Content-Type: application/json", NULL};
	g_autofree gchar *db = g_build_filename (emu->dir, "oro.db", NULL);
	g_autofree gchar *db_arg = g_strconcat ("--db=", db, NULL);
	const gchar *args[] = {db_arg, "--user=carl", "--secret=" KEY2, NULL};
	g_autofree gchar *id = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *good = oauth_body ("carl", KEY2);
	g_autofree gchar *wrong_key = oauth_body ("carl", KEY);
	g_autofree gchar *wrong_user = oauth_body ("admin", KEY2);

	for (guint round = 0; round < 3; round++) {
		emu_launch_stop (&emu->proc);
		g_clear_object (&emu->session);
		g_clear_pointer (&emu->url, g_free);
		g_clear_pointer (&emu->token, g_free);
		start_emulator (emu, args);
		{
			g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token", wrong_key, json_ct);
			g_assert_cmpuint (r->status, ==, 401);
		}
		{
			g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token", wrong_user, json_ct);
			g_assert_cmpuint (r->status, ==, 401);
		}
		{
			g_autoptr(Resp) r = request (emu, "POST", "/oauth2-token", good, json_ct);
			g_assert_cmpuint (r->status, ==, 200);
			emu->token = g_strdup_printf (
			    "Authorization: Bearer %s",
			    json_object_get_string_member (obj (r), "access_token"));
		}
		if (id == NULL) {
			g_autoptr(Resp) r = api (emu, "POST", "/api/contacts", ADA);
			g_assert_cmpuint (r->status, ==, 201);
			id = g_strdup (json_object_get_string_member (
			    json_object_get_object_member (obj (r), "data"), "id"));
			path = g_strdup_printf ("/api/contacts/%s", id);
			continue;
		}
		{
			g_autoptr(Resp) r = api (emu, "GET", path, NULL);
			g_assert_cmpuint (r->status, ==, 200);
			g_assert_cmpstr (attr (json_object_get_object_member (obj (r), "data"), "lastName"),
					 ==, "Lovelace");
		}
	}
}

int
main (int argc, char **argv)
{
	static const gchar *gen5[] = {"--generate=5", NULL};
	static const gchar *gen25[] = {"--generate=25", NULL};
	static const gchar *faults[] = {"--faults=500=1", NULL};
	static const gchar *garbage[] = {"--faults=garbage=1", NULL};
	static gchar *seed_args[3];
	g_autofree gchar *seed_dir = g_dir_make_tmp ("oro-seed-XXXXXX", NULL);
	g_autofree gchar *seed_file = g_build_filename (seed_dir, "seed.json", NULL);
	int ret;

	g_test_init (&argc, &argv, NULL);
	g_file_set_contents (seed_file, seed_json, -1, NULL);
	seed_args[0] = g_strdup_printf ("--seed=%s", seed_file);

	g_test_add_func ("/emulator/orocrm/wsse/vector", test_wsse_vector);
	g_test_add ("/emulator/orocrm/wsse/verify", Emu, NULL, emu_setup, test_wsse, emu_teardown);
	g_test_add ("/emulator/orocrm/oauth", Emu, NULL, emu_setup, test_oauth, emu_teardown);
	g_test_add ("/emulator/orocrm/media-types", Emu, NULL, emu_setup, test_media_types, emu_teardown);
	g_test_add ("/emulator/orocrm/contacts", Emu, NULL, emu_setup, test_contacts, emu_teardown);
	g_test_add ("/emulator/orocrm/restart-db", Emu, NULL, emu_setup, test_restart_db, emu_teardown);
	g_test_add ("/emulator/orocrm/list", Emu, gen25, emu_setup, test_list, emu_teardown);
	g_test_add ("/emulator/orocrm/tasks", Emu, gen5, emu_setup, test_tasks, emu_teardown);
	g_test_add ("/emulator/orocrm/batch", Emu, gen5, emu_setup, test_batch, emu_teardown);
	g_test_add ("/emulator/orocrm/calendar", Emu, gen5, emu_setup, test_calendar, emu_teardown);
	g_test_add ("/emulator/orocrm/seed", Emu, seed_args, emu_setup, test_seed, emu_teardown);
	g_test_add_func ("/emulator/orocrm/seed/invalid", test_bad_seed);
	g_test_add ("/emulator/orocrm/faults/5xx", Emu, faults, emu_setup, test_faults, emu_teardown);
	g_test_add ("/emulator/orocrm/faults/garbage", Emu, garbage, emu_setup, test_garbage, emu_teardown);
	ret = g_test_run ();
	g_remove (seed_file);
	g_rmdir (seed_dir);
	g_free (seed_args[0]);
	return ret;
}
