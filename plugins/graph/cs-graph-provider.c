/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-graph-auth.h"
#include "cs-graph-map.h"
#include "cs-graph-private.h"
#include "cs-json-doc.h"
#include "cs-profile.h"

/*
 * Outlook.com / Microsoft 365 through Microsoft Graph v1.0 (spec section 3).
 * Reads with delta queries (a cursor holds the deltaLinks), writes with
 * $batch, asks for immutable ids, UTC times and text bodies on every call.
 */

#define DEFAULT_URL "https://graph.microsoft.com"
#define DEFAULT_AUTHORITY "https://login.microsoftonline.com"
#define DEFAULT_TENANT "common"
/* the app's registration in Entra ID (a public client: no secret) */
#define DEFAULT_CLIENT_ID "6a1d5a9c-6d8e-4c55-9d0b-3c5e2a7f0c11"
#define SCOPE                                                                                      \
	"offline_access openid profile User.Read Contacts.ReadWrite Calendars.ReadWrite "          \
	"Tasks.ReadWrite Mail.Read"
#define PREFER                                                                                     \
	"IdType=\"ImmutableId\", outlook.timezone=\"UTC\", outlook.body-content-type=\"text\""
#define PAGE_SIZE 200
#define BATCH_MAX 20
#define BATCH_CHAINS 4 /* Outlook's 4 concurrent requests per mailbox */
#define WRITE_ROUNDS CS_GRAPH_WRITE_ROUNDS
#define WINDOW_PAST_DAYS 365
#define WINDOW_FUTURE_DAYS 730
#define WINDOW_RENEW_DAYS 30

struct _CsGraphProvider {
	CsProvider parent_instance;
	gchar *url;		  /* (owned) */
	gchar *authority;	  /* (owned) */
	gchar *tenant;		  /* (owned) */
	gchar *client_id;	  /* (owned) */
	gchar *sign_in;		  /* (owned) device-code | browser | none */
	CsHttpClient *graph;	  /* (owned) (nullable) until setup */
	CsHttpClient *identity;	  /* (owned) (nullable) */
	CsGraphTokens *tokens;	  /* (owned) (nullable) in memory only */
	gchar *todo_list;	  /* (owned) (nullable) the default To Do list */
	GHashTable *contact_folders; /* (owned) (nullable) ids of the folders being read */
	GPtrArray *new_folders;	  /* (owned) (nullable) found while reading: read them too */
	guint64 identity_requests;
	/* `[KIND] select=category:NAME`: only records carrying that Outlook
	 * category are read (the webCRM guide's "ticked" items) */
	gchar *select[CS_KIND_LAST]; /* (owned) (nullable) */
	gint64 window;		  /* unix time the calendar window was last set; 0: not yet */
	GHashTable *found_windows; /* (owned) (nullable) find's calendar windows → records */
	/* To Do: the tasks of the other lists, read once a run when asked for
	 * (find, get), and the list each of them is in (for writing to it) */
	GPtrArray *other_tasks;	  /* (owned) (nullable) */
	GHashTable *task_lists;	  /* (owned) (nullable) task id → list id */
	GThreadPool *json_pool;	  /* (owned) (nullable) a $batch's JSON work: send_batches() */
};

G_DEFINE_FINAL_TYPE (CsGraphProvider, cs_graph_provider, CS_TYPE_PROVIDER)

enum { PROP_0, PROP_SIGN_IN, PROP_LAST };
enum { SIGNAL_DEVICE_CODE, SIGNAL_OPEN_URI, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static const gchar *const keys[] = {"url", "authority", "tenant", "client-id", NULL};

/* a server's answer is read defensively: a missing or mistyped member is
 * NULL here, never a critical warning */
static JsonObject *
node_obj (JsonNode *n)
{
	return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonObject *
obj_member (JsonObject *o, const gchar *name)
{
	return node_obj (o != NULL ? json_object_get_member (o, name) : NULL);
}

static const gchar *
str_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (n);
}

static JsonObject *
arr_obj (JsonArray *a, guint i)
{
	return a != NULL && i < json_array_get_length (a) ? node_obj (json_array_get_element (a, i))
							  : NULL;
}

static JsonArray *
arr_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
	return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* Outlook compares category names without case */
static gboolean
has_category (CsRecord *r, const gchar *name)
{
	GVariant *v = cs_record_get_field (r, "categories");
	g_autofree gchar *want = g_utf8_casefold (name, -1);
	g_autofree const gchar **list = NULL;

	if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY))
		return FALSE;
	list = g_variant_get_strv (v, NULL);
	for (guint i = 0; list[i] != NULL; i++) {
		g_autofree gchar *have = g_utf8_casefold (list[i], -1);
		if (g_strcmp0 (have, want) == 0)
			return TRUE;
	}
	return FALSE;
}

/* -------------------------------------------------------------- setup */

static gboolean
cs_graph_provider_setup (CsProvider *provider, GKeyFile *profile, const gchar *group,
			 GError **error)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	g_autofree gchar *url = NULL;
	g_autofree gchar *authority = NULL;
	g_autofree gchar *tenant = NULL;
	g_autofree gchar *client = NULL;
	g_autofree gchar *graph_base = NULL;

	if (!cs_provider_check_keys (profile, group, keys, error))
		return FALSE;
	for (CsKind k = CS_KIND_CONTACT; k < CS_KIND_LAST; k++) {
		g_free (self->select[k]);
		self->select[k] =
		    k != CS_KIND_ORGANISATION ? cs_profile_keyfile_get_select (profile, k) : NULL;
	}
	url = g_key_file_get_string (profile, group, "url", NULL);
	authority = g_key_file_get_string (profile, group, "authority", NULL);
	tenant = g_key_file_get_string (profile, group, "tenant", NULL);
	client = g_key_file_get_string (profile, group, "client-id", NULL);
	g_free (self->url);
	self->url = g_strdup (url != NULL && url[0] != '\0' ? url : DEFAULT_URL);
	while (g_str_has_suffix (self->url, "/"))
		self->url[strlen (self->url) - 1] = '\0';
	g_free (self->authority);
	self->authority = g_strdup (authority != NULL && authority[0] != '\0' ? authority
									      : DEFAULT_AUTHORITY);
	g_free (self->tenant);
	self->tenant = g_strdup (tenant != NULL && tenant[0] != '\0' ? tenant : DEFAULT_TENANT);
	if (strpbrk (self->tenant, "/?#&") != NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] tenant “%s” is not a tenant name or id (common, organizations, "
			       "consumers, a domain or a GUID)"),
			     group, self->tenant);
		return FALSE;
	}
	g_free (self->client_id);
	self->client_id = g_strdup (client != NULL && client[0] != '\0' ? client
									 : DEFAULT_CLIENT_ID);
	graph_base = g_strdup_printf ("%s/v1.0", self->url);
	g_clear_object (&self->graph);
	g_clear_object (&self->identity);
	self->graph = cs_http_client_new (graph_base, error);
	if (self->graph == NULL) {
		g_prefix_error (error, "[%s] url: ", group);
		return FALSE;
	}
	self->identity = cs_http_client_new (self->authority, error);
	if (self->identity == NULL) {
		g_prefix_error (error, "[%s] authority: ", group);
		return FALSE;
	}
	return TRUE;
}

static CsCaps
cs_graph_provider_get_caps (CsProvider *provider, CsKind kind)
{
	switch (kind) {
	case CS_KIND_CONTACT:
	case CS_KIND_EVENT:
	case CS_KIND_TASK:
		return CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELETE | CS_CAP_DELTA | CS_CAP_BATCH;
	case CS_KIND_EMAIL:
		return CS_CAP_READ | CS_CAP_DELTA;
	default:
		return 0;
	}
}

/* outlook.json fields Graph v1.0 has no property for (MAPI-only; see README) */
static const gchar *const unsupported[] = {"percentComplete", "owner", "attachments", NULL};

static CsSchema *
cs_graph_provider_get_schema (CsProvider *provider, CsKind kind, GError **error)
{
	g_autoptr(CsSchema) shared = cs_schema_load_builtin ("outlook", kind, error);
	CsSchema *schema;
	GPtrArray *fields;
	if (shared == NULL)
		return NULL;
	schema = cs_schema_new ("outlook", kind);
	fields = cs_schema_get_fields (shared);
	for (guint i = 0; i < fields->len; i++) {
		const CsFieldSpec *spec = g_ptr_array_index (fields, i);
		if (!g_strv_contains (unsupported, spec->name))
			cs_schema_add_field (schema, cs_field_spec_copy (spec));
	}
	return schema;
}

/* ------------------------------------------------------------ sign-in */

static void
device_code_cb (gpointer user_data, const gchar *uri, const gchar *code, const gchar *message)
{
	g_signal_emit (user_data, signals[SIGNAL_DEVICE_CODE], 0, uri, code, message);
}

static gboolean
open_uri_cb (gpointer user_data, const gchar *uri)
{
	gboolean handled = FALSE;
	g_signal_emit (user_data, signals[SIGNAL_OPEN_URI], 0, uri, &handled);
	return handled;
}

static void
cs_graph_provider_device_code_default (CsGraphProvider *self, const gchar *uri,
				       const gchar *code, const gchar *message)
{
	g_message ("%s", message != NULL && message[0] != '\0' ? message : uri);
}

static gboolean
cs_graph_provider_open_uri_default (CsGraphProvider *self, const gchar *uri)
{
	g_autoptr(GError) error = NULL;
	if (!g_app_info_launch_default_for_uri (uri, NULL, &error)) {
		g_warning ("cannot open a browser: %s", error->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
take_tokens (CsGraphProvider *self, CsGraphTokens *tokens, GError **error)
{
	cs_graph_tokens_free (self->tokens);
	self->tokens = tokens;
	/* refresh tokens rotate: always keep the newest */
	if (tokens->refresh_token != NULL &&
	    !cs_provider_store_secret (CS_PROVIDER (self), "refresh-token", tokens->refresh_token,
				       error)) {
		g_prefix_error (error, _("cannot keep the Microsoft sign-in: "));
		return FALSE;
	}
	return TRUE;
}

static gboolean
refresh_tokens (CsGraphProvider *self, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *refresh = NULL;
	CsGraphTokens *tokens;

	if (self->tokens != NULL && self->tokens->refresh_token != NULL)
		refresh = g_strdup (self->tokens->refresh_token);
	else
		refresh = cs_provider_get_secret (CS_PROVIDER (self), "refresh-token", error);
	if (refresh == NULL)
		return FALSE;
	self->identity_requests++;
	tokens = cs_graph_auth_refresh (self->identity, self->tenant, self->client_id, SCOPE,
					refresh, cancellable, error);
	memset (refresh, 0, strlen (refresh));
	if (tokens == NULL)
		return FALSE;
	return take_tokens (self, tokens, error);
}

static gboolean
sign_in (CsGraphProvider *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(GError) error_refresh = NULL;
	CsGraphTokens *tokens = NULL;

	if (refresh_tokens (self, cancellable, &error_refresh))
		return TRUE;
	if (g_error_matches (error_refresh, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
	    g_error_matches (error_refresh, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK)) {
		g_propagate_error (error, g_steal_pointer (&error_refresh));
		return FALSE;
	}
	g_debug ("no usable stored sign-in: %s", error_refresh->message);
	if (g_strcmp0 (self->sign_in, "none") == 0) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
			     _("not signed in to Microsoft (%s); sign in from the app or run "
			       "crmsync-cli sync once in a terminal"),
			     error_refresh->message);
		return FALSE;
	}
	self->identity_requests++;
	if (g_strcmp0 (self->sign_in, "browser") == 0)
		tokens = cs_graph_auth_browser (self->identity, self->tenant, self->client_id,
						SCOPE, open_uri_cb, self, cancellable, error);
	else
		tokens = cs_graph_auth_device_code (self->identity, self->tenant, self->client_id,
						    SCOPE, device_code_cb, self, cancellable,
						    error);
	if (tokens == NULL)
		return FALSE;
	return take_tokens (self, tokens, error);
}

static gboolean
prepare_cb (CsHttpClient *client, SoupMessage *msg, gpointer user_data, GError **error)
{
	CsGraphProvider *self = user_data;
	g_autofree gchar *auth = NULL;
	/* an access token about to expire is renewed before it is refused */
	if (self->tokens == NULL ||
	    self->tokens->expires < g_get_monotonic_time () + 60 * G_USEC_PER_SEC) {
		if (!refresh_tokens (self, NULL, error))
			return FALSE;
	}
	auth = g_strdup_printf ("Bearer %s", self->tokens->access_token);
	soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
				      auth);
	memset (auth, 0, strlen (auth));
	return TRUE;
}

static gboolean
cs_graph_provider_open (CsProvider *provider, GCancellable *cancellable, GError **error)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	g_autoptr(GError) error_local = NULL;
	if (self->graph == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("the graph plugin was opened before its setup"));
		return FALSE;
	}
	cs_http_client_set_prepare_func (self->graph, prepare_cb, self);
	if (!sign_in (self, cancellable, &error_local)) {
		/* a server that cannot be reached is said so, not blamed on the sign-in */
		if (!g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK))
			g_prefix_error (&error_local, _("Microsoft sign-in: "));
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	return TRUE;
}

static void
cs_graph_provider_close (CsProvider *provider)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	g_clear_pointer (&self->tokens, cs_graph_tokens_free);
	g_clear_pointer (&self->todo_list, g_free);
}

/* -------------------------------------------------------------- calls */

static SoupMessageHeaders *
graph_headers (void)
{
	SoupMessageHeaders *h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
	g_autofree gchar *prefer = g_strdup_printf ("%s, odata.maxpagesize=%u", PREFER, PAGE_SIZE);
	soup_message_headers_replace (h, "Prefer", prefer);
	return h;
}

/* an error answer's code and message, as one line */
static void
set_error_text (GError **error, guint status, const gchar *code, const gchar *message)
{
	gint cs_code;

	switch (status) {
	case 403:
		cs_code = CS_PROVIDER_ERROR_AUTH;
		break;
	case 404:
		cs_code = CS_PROVIDER_ERROR_NOT_FOUND;
		break;
	case 409:
	case 412:
		cs_code = CS_PROVIDER_ERROR_CONFLICT;
		break;
	case 410:
		cs_code = CS_PROVIDER_ERROR_CURSOR_EXPIRED;
		break;
	case 429:
		cs_code = CS_PROVIDER_ERROR_THROTTLED;
		break;
	case 400:
	case 405:
	case 413:
	case 415:
	case 422:
		cs_code = CS_PROVIDER_ERROR_INVALID;
		break;
	default:
		cs_code = status >= 500 ? CS_PROVIDER_ERROR_NETWORK : CS_PROVIDER_ERROR_FAILED;
	}
	g_set_error (error, CS_PROVIDER_ERROR, cs_code, _("Outlook answered %u %s: %s"), status,
		     code != NULL ? code : "", message != NULL ? message : "");
}

/* the error JSON's code and message, as one line */
void
cs_graph_set_error (GError **error, guint status, JsonNode *root)
{
	/* an answer without an error object (a proxy's page, an OAuth-style
	 * {"error": "code"}) still gives the status */
	JsonObject *e = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
			    ? cs_json_get_object (json_node_get_object (root), "error")
			    : NULL;
	set_error_text (error, status, cs_json_get_string (e, "code"),
			cs_json_get_string (e, "message"));
}

/* likewise, from a document's value (one answer of a $batch) */
static void
set_error_val (GError **error, guint status, const CsJsonVal *root)
{
	const CsJsonVal *e = cs_json_val_object (root, "error");
	set_error_text (error, status, cs_json_val_string (e, "code"),
			cs_json_val_string (e, "message"));
}

/* @body as the text sent */
static GBytes *
json_bytes (JsonNode *body)
{
	/* our writer is several times json-glib's speed; a body it refuses
	 * (NaN) goes out as json-glib writes it */
	gchar *text = cs_json_to_data (body, FALSE, NULL);
	if (text == NULL)
		text = json_to_string (body, FALSE);
	return g_bytes_new_take (text, strlen (text));
}

/* one request; a refused token is renewed once */
static CsHttpResponse *
graph_send (CsGraphProvider *self, const gchar *method, const gchar *path, GBytes *body,
	    GCancellable *cancellable, GError **error)
{
	for (guint attempt = 0;; attempt++) {
		g_autoptr(SoupMessageHeaders) h = graph_headers ();
		g_autoptr(GError) error_local = NULL;
		CsHttpResponse *resp = cs_http_client_send (self->graph, method, path, h,
							    "application/json", body, cancellable,
							    &error_local);
		if (resp != NULL)
			return resp;
		if (attempt == 0 && g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH) &&
		    refresh_tokens (self, cancellable, NULL))
			continue;
		if (g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_THROTTLED))
			cs_provider_set_retry_after (CS_PROVIDER (self),
						     cs_http_client_get_retry_after (self->graph));
		g_propagate_error (error, g_steal_pointer (&error_local));
		return NULL;
	}
}

/* the JSON body of a 2xx answer (a JSON null for 204), else the error;
 * @root is @resp's body parsed (%NULL: @parse_error says why) */
static JsonNode *
graph_answer (CsHttpResponse *resp, JsonNode *root, GError *parse_error, GError **error)
{
	g_autoptr(JsonNode) owned = root;
	if (resp->status == 204)
		return json_node_new (JSON_NODE_NULL);
	if (resp->status < 200 || resp->status >= 300) {
		cs_graph_set_error (error, resp->status, owned);
		return NULL;
	}
	if (owned == NULL) {
		g_propagate_error (error, g_error_copy (parse_error));
		return NULL;
	}
	return g_steal_pointer (&owned);
}

/* one Graph call; a refused token is renewed once. Returns the JSON body
 * of a 2xx answer (a JSON null for 204) */
static JsonNode *
graph_call (CsGraphProvider *self, const gchar *method, const gchar *path, JsonNode *body,
	    GCancellable *cancellable, GError **error)
{
	g_autoptr(GBytes) bytes = body != NULL ? json_bytes (body) : NULL;
	guint garbled = 0;
	for (;;) {
		g_autoptr(CsHttpResponse) resp =
		    graph_send (self, method, path, bytes, cancellable, error);
		g_autoptr(GError) error_local = NULL;
		JsonNode *root;

		if (resp == NULL)
			return NULL;
		root = resp->status == 204 ? NULL : cs_http_response_parse_json (resp, &error_local);
		/* a read whose answer came garbled (proxy, cut connection) is asked
		 * again, as the OroCRM plugin does; a write is not: it may have been
		 * done, and the run's journal settles that */
		if (root == NULL && resp->status >= 200 && resp->status < 300 && resp->status != 204 &&
		    g_str_equal (method, "GET") && garbled++ < 3) {
			g_debug ("GET %s: %s; asking again", path, error_local->message);
			continue;
		}
		return graph_answer (resp, root, error_local, error);
	}
}

/* a GET whose answer is read by the thousand (a listing's pages): as
 * graph_call(), the body as a document; an answer without one is an empty
 * document's error ("a listing without items") */
static CsJsonDoc *
graph_get_doc (CsGraphProvider *self, const gchar *path, GCancellable *cancellable,
	       GError **error)
{
	guint garbled = 0;
	for (;;) {
		g_autoptr(CsHttpResponse) resp = graph_send (self, "GET", path, NULL, cancellable, error);
		g_autoptr(GError) error_local = NULL;
		CsJsonDoc *doc;

		if (resp == NULL)
			return NULL;
		if (resp->status < 200 || resp->status >= 300 || resp->status == 204) {
			JsonNode *root = resp->status == 204
					     ? NULL
					     : cs_http_response_parse_json (resp, &error_local);
			g_autoptr(JsonNode) answer = graph_answer (resp, root, error_local, error);
			if (answer != NULL)
				g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
						     _("Outlook answered a listing without items"));
			return NULL;
		}
		doc = cs_http_response_parse_doc (resp, &error_local);
		if (doc != NULL)
			return doc;
		/* garbled (proxy, cut connection): asked again, as graph_call() does */
		if (garbled++ < 3) {
			g_debug ("GET %s: %s; asking again", path, error_local->message);
			continue;
		}
		g_propagate_error (error, g_steal_pointer (&error_local));
		return NULL;
	}
}

/* ------------------------------------------------------------ series */

/* the UTC start of the occurrence of @master on @date: its wall-clock time
 * there, in its zone (DST moves the UTC time, not the local one) */
static gchar *
occurrence_start (CsRecord *master, const gchar *date)
{
	const gchar *start = cs_record_get_string (master, "start");
	const gchar *zone = cs_record_get_string (master, "timeZone");
	g_autofree gchar *local = NULL;
	g_autofree gchar *wall = NULL;
	if (cs_record_get_bool (master, "isAllDay", FALSE) || start == NULL || strlen (start) < 19)
		return g_strdup_printf ("%sT00:00:00Z", date);
	local = cs_timezone_utc_to_local (zone != NULL ? zone : "UTC", start);
	if (local == NULL)
		return NULL;
	wall = g_strdup_printf ("%sT%s", date, local + 11);
	return cs_timezone_local_to_utc (zone != NULL ? zone : "UTC", wall);
}

static gchar *
instances_url (const gchar *id, const gchar *from, const gchar *to)
{
	g_autofree gchar *esc = g_uri_escape_string (id, NULL, TRUE);
	return g_strdup_printf ("/me/events/%s/instances?startDateTime=%s&endDateTime=%s", esc, from,
				to);
}

static JsonArray *
value_array (JsonNode *root)
{
	JsonNode *v = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
			  ? json_object_get_member (json_node_get_object (root), "value")
			  : NULL;
	return v != NULL && JSON_NODE_HOLDS_ARRAY (v) ? json_node_get_array (v) : NULL;
}

static gint
exception_cmp (gconstpointer a, gconstpointer b)
{
	const gchar *sa = NULL, *sb = NULL;
	g_variant_lookup (*(GVariant **) a, "originalStart", "&s", &sa);
	g_variant_lookup (*(GVariant **) b, "originalStart", "&s", &sb);
	return g_strcmp0 (sa, sb);
}

static void
add_time (GVariantBuilder *b, const gchar *key, JsonObject *dtz, gboolean all_day)
{
	const gchar *dt = dtz != NULL ? cs_json_get_string_or (dtz, "dateTime", NULL)
				      : NULL;
	const gchar *tz = dtz != NULL ? cs_json_get_string_or (dtz, "timeZone", "UTC")
				      : NULL;
	g_autofree gchar *utc = NULL;
	if (dt == NULL)
		return;
	if (all_day) {
		g_autofree gchar *d = g_strndup (dt, 10);
		g_variant_builder_add (b, "{sv}", key, g_variant_new_string (d));
		return;
	}
	utc = cs_timezone_local_to_utc (tz, dt);
	if (utc != NULL)
		g_variant_builder_add (b, "{sv}", key, g_variant_new_string (utc));
}

/*
 * A series' exceptions, in the record's recurrence (data/schemas/README.md):
 * cancelled occurrences from the master's cancelledOccurrences, changed ones
 * from its instances of type "exception". Two calls, for changed series only.
 */
static gboolean
read_series_exceptions (CsGraphProvider *self, CsRecord *master, GCancellable *cancellable,
			GError **error)
{
	GVariant *rec = cs_record_get_field (master, "recurrence");
	g_autoptr(GVariant) range = NULL;
	g_autoptr(GPtrArray) excs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
	g_autofree gchar *esc = g_uri_escape_string (cs_record_get_id (master), NULL, TRUE);
	g_autofree gchar *mpath = g_strdup_printf ("/me/events/%s?$select=cancelledOccurrences", esc);
	g_autoptr(JsonNode) mnode = NULL;
	g_autoptr(JsonNode) inode = NULL;
	g_autofree gchar *from = NULL;
	g_autofree gchar *to = NULL;
	g_autofree gchar *ipath = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) far = g_date_time_add_days (now, WINDOW_FUTURE_DAYS);
	const gchar *start_date = NULL, *end_date = NULL;
	JsonArray *a;
	GVariantBuilder b, list;
	GVariantIter iter;
	const gchar *k;
	GVariant *v;

	if (rec == NULL || !g_variant_is_of_type (rec, G_VARIANT_TYPE_VARDICT))
		return TRUE;
	range = g_variant_lookup_value (rec, "range", G_VARIANT_TYPE_VARDICT);
	if (range == NULL || !g_variant_lookup (range, "startDate", "&s", &start_date))
		return TRUE;
	mnode = graph_call (self, "GET", mpath, NULL, cancellable, error);
	if (mnode == NULL)
		return FALSE;
	a = JSON_NODE_HOLDS_OBJECT (mnode)
		? arr_member (node_obj (mnode), "cancelledOccurrences")
		: NULL;
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		const gchar *oid = json_array_get_string_element (a, i);
		const gchar *dot = oid != NULL ? strrchr (oid, '.') : NULL;
		g_autofree gchar *orig = NULL;
		GVariantBuilder e;
		if (dot == NULL || strlen (dot + 1) != 10)
			continue;
		orig = occurrence_start (master, dot + 1);
		if (orig == NULL)
			continue;
		g_variant_builder_init (&e, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add (&e, "{sv}", "originalStart", g_variant_new_string (orig));
		g_variant_builder_add (&e, "{sv}", "deleted", g_variant_new_boolean (TRUE));
		g_ptr_array_add (excs, g_variant_ref_sink (g_variant_builder_end (&e)));
	}
	if (!g_variant_lookup (range, "endDate", "&s", &end_date))
		end_date = NULL;
	from = g_strdup_printf ("%sT00:00:00Z", start_date);
	if (end_date != NULL) {
		GDate d;
		gchar buf[16];
		g_date_clear (&d, 1);
		g_date_set_parse (&d, end_date);
		if (g_date_valid (&d))
			g_date_add_days (&d, 2);
		g_date_strftime (buf, sizeof buf, "%Y-%m-%d", &d);
		to = g_strdup_printf ("%sT00:00:00Z", buf);
	} else {
		to = g_date_time_format (far, "%Y-%m-%dT00:00:00Z");
	}
	ipath = instances_url (cs_record_get_id (master), from, to);
	inode = graph_call (self, "GET", ipath, NULL, cancellable, error);
	if (inode == NULL)
		return FALSE;
	a = value_array (inode);
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		JsonObject *inst = arr_obj (a, i);
		const gchar *type = cs_json_get_string_or (inst, "type", "");
		const gchar *orig = cs_json_get_string_or (inst, "originalStart", NULL);
		JsonObject *loc = obj_member (inst, "location");
		const gchar *where = loc != NULL ? cs_json_get_string_or (
						       loc, "displayName", NULL)
						 : NULL;
		const gchar *subject = cs_json_get_string_or (inst, "subject", NULL);
		gboolean all_day = cs_json_get_bool (inst, "isAllDay", FALSE);
		g_autofree gchar *norm = NULL;
		GVariantBuilder e;
		if (!g_str_equal (type, "exception") || orig == NULL)
			continue;
		norm = cs_time_normalize (orig);
		g_variant_builder_init (&e, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add (&e, "{sv}", "originalStart",
				       g_variant_new_string (norm != NULL ? norm : orig));
		if (subject != NULL && subject[0] != '\0')
			g_variant_builder_add (&e, "{sv}", "subject", g_variant_new_string (subject));
		add_time (&e, "start", obj_member (inst, "start"), all_day);
		add_time (&e, "end", obj_member (inst, "end"), all_day);
		if (where != NULL && where[0] != '\0')
			g_variant_builder_add (&e, "{sv}", "location", g_variant_new_string (where));
		g_ptr_array_add (excs, g_variant_ref_sink (g_variant_builder_end (&e)));
	}
	/* the recurrence again, with the exceptions in originalStart order */
	g_ptr_array_sort (excs, exception_cmp);
	g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
	g_variant_iter_init (&iter, rec);
	while (g_variant_iter_loop (&iter, "{&sv}", &k, &v)) {
		if (!g_str_equal (k, "exceptions"))
			g_variant_builder_add (&b, "{sv}", k, v);
	}
	if (excs->len > 0) {
		g_variant_builder_init (&list, G_VARIANT_TYPE ("av"));
		for (guint i = 0; i < excs->len; i++)
			g_variant_builder_add (&list, "v", g_ptr_array_index (excs, i));
		g_variant_builder_add (&b, "{sv}", "exceptions", g_variant_builder_end (&list));
	}
	cs_record_set_field (master, "recurrence", g_variant_builder_end (&b));
	return TRUE;
}

static const gchar *
exc_str (GVariant *e, const gchar *key)
{
	const gchar *s = NULL;
	if (!g_variant_lookup (e, key, "&s", &s))
		return NULL;
	return s;
}

/* the occurrence (or exception) of series @id that was to start at @orig */
static JsonObject *
find_instance (CsGraphProvider *self, const gchar *id, const gchar *orig,
	       GCancellable *cancellable, GError **error)
{
	gint64 usec;
	g_autoptr(GDateTime) t = NULL;
	g_autoptr(GDateTime) a = NULL;
	g_autoptr(GDateTime) b = NULL;
	g_autofree gchar *from = NULL;
	g_autofree gchar *to = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonArray *arr;

	if (!cs_time_parse (orig, &usec))
		return NULL;
	t = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
	a = g_date_time_add_days (t, -1);
	b = g_date_time_add_days (t, 1);
	from = g_date_time_format (a, "%Y-%m-%dT%H:%M:%SZ");
	to = g_date_time_format (b, "%Y-%m-%dT%H:%M:%SZ");
	path = instances_url (id, from, to);
	root = graph_call (self, "GET", path, NULL, cancellable, error);
	if (root == NULL)
		return NULL;
	arr = value_array (root);
	for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++) {
		JsonObject *inst = arr_obj (arr, i);
		const gchar *o = cs_json_get_string_or (inst, "originalStart", NULL);
		g_autofree gchar *norm = o != NULL ? cs_time_normalize (o) : NULL;
		g_autofree gchar *want = cs_time_normalize (orig);
		if (g_strcmp0 (norm, want) == 0)
			return json_object_ref (inst);
	}
	return NULL;
}

static JsonObject *
dtz_local (const gchar *utc, const gchar *zone, gboolean all_day)
{
	JsonObject *o = json_object_new ();
	g_autofree gchar *local = all_day ? g_strdup_printf ("%.10sT00:00:00", utc)
					  : cs_timezone_utc_to_local (zone, utc);
	json_object_set_string_member (o, "dateTime", local != NULL ? local : utc);
	json_object_set_string_member (o, "timeZone", zone);
	return o;
}

/* makes the series' occurrences match the record's exceptions: cancels and
 * moves occurrences one by one (Graph has no call for a set of them) */
static gboolean
write_series_exceptions (CsGraphProvider *self, CsWriteOp *op, CsRecord *merged,
			 GCancellable *cancellable, GError **error)
{
	GVariant *rec = cs_record_get_field (merged, "recurrence");
	g_autoptr(GVariant) excs = NULL;
	const gchar *zone = cs_record_get_string (merged, "timeZone");
	gboolean all_day = cs_record_get_bool (merged, "isAllDay", FALSE);
	gboolean changed = FALSE;
	GVariantIter iter;
	GVariant *e;

	if (rec == NULL || !g_variant_is_of_type (rec, G_VARIANT_TYPE_VARDICT) || op->id == NULL)
		return TRUE;
	excs = g_variant_lookup_value (rec, "exceptions", NULL);
	if (excs == NULL || !g_variant_is_container (excs))
		return TRUE;
	if (zone == NULL)
		zone = "UTC";
	g_variant_iter_init (&iter, excs);
	while ((e = g_variant_iter_next_value (&iter)) != NULL) {
		g_autoptr(GVariant) ex = g_variant_is_of_type (e, G_VARIANT_TYPE_VARIANT)
					     ? g_variant_get_variant (e)
					     : g_variant_ref (e);
		const gchar *orig = exc_str (ex, "originalStart");
		gboolean deleted = FALSE;
		g_autoptr(JsonObject) inst = NULL;
		g_autofree gchar *esc = NULL;
		g_autofree gchar *path = NULL;
		g_autoptr(JsonNode) done = NULL;
		g_variant_unref (e);
		if (orig == NULL)
			continue;
		g_variant_lookup (ex, "deleted", "b", &deleted);
		inst = find_instance (self, op->id, orig, cancellable, error);
		if (inst == NULL) {
			if (error != NULL && *error != NULL)
				return FALSE;
			/* already cancelled, or outside the series: nothing to do */
			continue;
		}
		if (str_member (inst, "id") == NULL)
			continue;
		esc = g_uri_escape_string (str_member (inst, "id"), NULL, TRUE);
		path = g_strdup_printf ("/me/events/%s", esc);
		if (deleted) {
			done = graph_call (self, "DELETE", path, NULL, cancellable, error);
		} else {
			g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
			JsonObject *o = json_object_new ();
			const gchar *subject = exc_str (ex, "subject");
			const gchar *start = exc_str (ex, "start");
			const gchar *end = exc_str (ex, "end");
			const gchar *where = exc_str (ex, "location");
			if (subject != NULL)
				json_object_set_string_member (o, "subject", subject);
			if (start != NULL && end != NULL) {
				json_object_set_object_member (o, "start", dtz_local (start, zone, all_day));
				json_object_set_object_member (o, "end", dtz_local (end, zone, all_day));
			}
			if (where != NULL) {
				JsonObject *loc = json_object_new ();
				json_object_set_string_member (loc, "displayName", where);
				json_object_set_object_member (o, "location", loc);
			}
			json_node_take_object (body, o);
			done = graph_call (self, "PATCH", path, body, cancellable, error);
		}
		if (done == NULL)
			return FALSE;
		changed = TRUE;
	}
	if (changed) {
		/* the series' version after its occurrences changed */
		g_autofree gchar *esc = g_uri_escape_string (op->id, NULL, TRUE);
		g_autofree gchar *path = g_strdup_printf ("/me/events/%s", esc);
		g_autoptr(JsonNode) m = graph_call (self, "GET", path, NULL, cancellable, error);
		g_autoptr(CsRecord) r = NULL;
		if (m == NULL)
			return FALSE;
		r = node_obj (m) != NULL ? cs_graph_map_to_record (CS_KIND_EVENT, node_obj (m),
								    CS_GRAPH_MAIL_INBOUND, NULL)
					 : NULL;
		if (r != NULL) {
			g_free (op->version);
			op->version = g_strdup (cs_record_get_version (r));
		}
	}
	return TRUE;
}

/* ------------------------------------------------------------ reading */

typedef struct {
	gchar *key;	/* cursor key */
	gchar *start;	/* first URL of a full listing */
	CsGraphMailDirection direction;
} Source;

static void
source_free (Source *s)
{
	g_free (s->key);
	g_free (s->start);
	g_free (s);
}

static Source *
source_new (const gchar *key, const gchar *start, CsGraphMailDirection direction)
{
	Source *s = g_new0 (Source, 1);
	s->key = g_strdup (key);
	s->start = g_strdup (start);
	s->direction = direction;
	return s;
}

static gboolean
ensure_todo_list (CsGraphProvider *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(JsonNode) root = NULL;
	JsonArray *lists;
	if (self->todo_list != NULL)
		return TRUE;
	root = graph_call (self, "GET", "/me/todo/lists", NULL, cancellable, error);
	if (root == NULL)
		return FALSE;
	lists = JSON_NODE_HOLDS_OBJECT (root) ? cs_json_get_array (json_node_get_object (root), "value")
					      : NULL;
	for (guint i = 0; lists != NULL && i < json_array_get_length (lists); i++) {
		JsonObject *l = cs_json_array_get_object (lists, i);
		if (g_strcmp0 (cs_json_get_string (l, "wellknownListName"), "defaultList") == 0 &&
		    cs_json_get_string (l, "id") != NULL && self->todo_list == NULL)
			self->todo_list = g_strdup (cs_json_get_string (l, "id"));
	}
	if (self->todo_list == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NOT_FOUND,
				     _("the mailbox has no default To Do list"));
		return FALSE;
	}
	return TRUE;
}

/* contact folders: each has its own delta; the default folder is found as
 * the parent of any contact (spec 3.3) besides the listed folders */
static gboolean
contact_sources (CsGraphProvider *self, GPtrArray *sources, GCancellable *cancellable,
		 GError **error)
{
	g_autoptr(JsonNode) folders = graph_call (self, "GET", "/me/contactFolders", NULL,
						  cancellable, error);
	g_autoptr(JsonNode) one = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
	JsonArray *a;

	if (folders == NULL)
		return FALSE;
	one = graph_call (self, "GET", "/me/contacts?$top=1&$select=parentFolderId", NULL,
			  cancellable, error);
	if (one == NULL)
		return FALSE;
	a = JSON_NODE_HOLDS_OBJECT (one) ? cs_json_get_array (json_node_get_object (one), "value") : NULL;
	if (cs_json_get_string (cs_json_array_get_object (a, 0), "parentFolderId") != NULL)
		g_ptr_array_add (ids, g_strdup (cs_json_get_string (cs_json_array_get_object (a, 0),
								    "parentFolderId")));
	a = JSON_NODE_HOLDS_OBJECT (folders) ? cs_json_get_array (json_node_get_object (folders), "value")
					     : NULL;
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		const gchar *id = cs_json_get_string (cs_json_array_get_object (a, i), "id");
		if (id != NULL)
			g_ptr_array_add (ids, g_strdup (id));
	}
	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index (ids, i);
		g_autofree gchar *esc = NULL;
		g_autofree gchar *start = NULL;
		if (id == NULL || id[0] == '\0' || g_hash_table_contains (seen, id))
			continue;
		g_hash_table_add (seen, g_strdup (id));
		esc = g_uri_escape_string (id, NULL, TRUE);
		start = g_strdup_printf ("/me/contactFolders/%s/contacts/delta", esc);
		g_ptr_array_add (sources, source_new (id, start, CS_GRAPH_MAIL_INBOUND));
	}
	return TRUE;
}

static gchar *
window_start_url (gint64 *window_start)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) ws = g_date_time_add_days (now, -WINDOW_PAST_DAYS);
	g_autoptr(GDateTime) we = g_date_time_add_days (now, WINDOW_FUTURE_DAYS);
	g_autofree gchar *s = g_date_time_format (ws, "%Y-%m-%dT00:00:00Z");
	g_autofree gchar *e = g_date_time_format (we, "%Y-%m-%dT00:00:00Z");
	*window_start = g_date_time_to_unix (now);
	return g_strdup_printf ("/me/calendarView/delta?startDateTime=%s&endDateTime=%s", s, e);
}

static gboolean
full_sources (CsGraphProvider *self, CsKind kind, GPtrArray *sources, gint64 *window,
	      GCancellable *cancellable, GError **error)
{
	switch (kind) {
	case CS_KIND_CONTACT:
		return contact_sources (self, sources, cancellable, error);
	case CS_KIND_EVENT: {
		g_autofree gchar *url = window_start_url (window);
		g_ptr_array_add (sources, source_new ("calendar", url, CS_GRAPH_MAIL_INBOUND));
		return TRUE;
	}
	case CS_KIND_TASK: {
		g_autofree gchar *esc = NULL;
		g_autofree gchar *url = NULL;
		if (!ensure_todo_list (self, cancellable, error))
			return FALSE;
		esc = g_uri_escape_string (self->todo_list, NULL, TRUE);
		url = g_strdup_printf ("/me/todo/lists/%s/tasks/delta", esc);
		g_ptr_array_add (sources, source_new (self->todo_list, url, CS_GRAPH_MAIL_INBOUND));
		return TRUE;
	}
	case CS_KIND_EMAIL:
		g_ptr_array_add (sources, source_new ("inbox", "/me/mailFolders/inbox/messages/delta",
						      CS_GRAPH_MAIL_INBOUND));
		g_ptr_array_add (sources,
				 source_new ("sentitems", "/me/mailFolders/sentitems/messages/delta",
					     CS_GRAPH_MAIL_OUTBOUND));
		return TRUE;
	default:
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("Outlook has no %s records"), cs_kind_to_string (kind));
		return FALSE;
	}
}

/* Deleted Items (where Outlook puts a deleted contact) is a mail folder */
static gboolean
is_contact_folder (CsGraphProvider *self, const gchar *id, gboolean *is_folder,
		   GCancellable *cancellable, GError **error)
{
	g_autofree gchar *esc = g_uri_escape_string (id, NULL, TRUE);
	g_autofree gchar *path = g_strdup_printf ("/me/contactFolders/%s?$select=id", esc);
	g_autoptr(GError) error_get = NULL;
	g_autoptr(JsonNode) folder = graph_call (self, "GET", path, NULL, cancellable, &error_get);

	/* an unreadable answer passes: asked once more */
	if (folder == NULL && g_error_matches (error_get, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_BAD_ANSWER)) {
		g_clear_error (&error_get);
		folder = graph_call (self, "GET", path, NULL, cancellable, &error_get);
	}
	*is_folder = folder != NULL;
	/* any refusal other than a passing one says "not a contact folder": a
	 * mail folder's id may be answered 400 rather than 404 */
	if (folder == NULL &&
	    (g_error_matches (error_get, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK) ||
	     g_error_matches (error_get, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_THROTTLED) ||
	     g_error_matches (error_get, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH) ||
	     g_error_matches (error_get, G_IO_ERROR, G_IO_ERROR_CANCELLED))) {
		g_propagate_error (error, g_steal_pointer (&error_get));
		return FALSE;
	}
	return TRUE;
}

/* walks one source's pages; records go to @out; returns the deltaLink */
gboolean
cs_graph_read_page (CsGraphProvider *self, CsKind kind, const CsJsonVal *page,
		    CsGraphMailDirection direction, GPtrArray *out, CsReadSink *sink,
		    const gchar **next, const gchar **delta, GCancellable *cancellable, GError **error)
{
	const CsJsonVal *values = cs_json_val_array (page, "value");

	if (values == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("Outlook answered a listing without items"));
		return FALSE;
	}
	for (const CsJsonVal *item = cs_json_val_first (values); item != NULL;
	     item = cs_json_val_next (values, item)) {
		const gchar *id = cs_json_val_string (item, "id");
		const gchar *type;
		g_autoptr(GError) error_item = NULL;
		CsRecord *r;
		if (id == NULL) {
			cs_read_sink_skip (sink, NULL, _("an item without an id"));
			continue;
		}
		if (cs_json_val_member (item, "@removed") != NULL) {
			/* a contact moved to another folder is "removed" from the one
			 * it left, whether or not the folder it went to is read in the
			 * same run: it keeps its (immutable) id and its link, so ask
			 * where it is before calling it deleted. Deleted Items is not
			 * one of ours: a contact there is deleted. */
			if (kind == CS_KIND_CONTACT && self != NULL && self->contact_folders != NULL) {
				g_autofree gchar *esc = g_uri_escape_string (id, NULL, TRUE);
				g_autofree gchar *path =
				    g_strdup_printf ("/me/contacts/%s?$select=id,parentFolderId", esc);
				g_autoptr(GError) error_get = NULL;
				g_autoptr(JsonNode) still =
				    graph_call (self, "GET", path, NULL, cancellable, &error_get);
				const gchar *now_in = str_member (node_obj (still), "parentFolderId");
				if (still == NULL &&
				    !g_error_matches (error_get, CS_PROVIDER_ERROR,
						      CS_PROVIDER_ERROR_NOT_FOUND)) {
					g_propagate_error (error, g_steal_pointer (&error_get));
					return FALSE;
				}
				if (now_in != NULL &&
				    g_hash_table_contains (self->contact_folders, now_in)) {
					g_debug ("contact %s moved to folder %s: not deleted", id, now_in);
					continue;
				}
				/* a contact folder made since the last complete listing: it
				 * is read in this run too, the contact with it */
				if (now_in != NULL) {
					gboolean is_folder = FALSE;
					if (!is_contact_folder (self, now_in, &is_folder, cancellable, error))
						return FALSE;
					if (is_folder) {
						g_debug ("contact %s moved to the new folder %s", id, now_in);
						g_hash_table_add (self->contact_folders, g_strdup (now_in));
						g_ptr_array_add (self->new_folders, g_strdup (now_in));
						continue;
					}
				}
			}
			/* calendarView delta also "removes" events that only left the
			 * date window: ask for the event before calling it deleted */
			if (kind == CS_KIND_EVENT && self != NULL) {
				g_autofree gchar *esc = g_uri_escape_string (id, NULL, TRUE);
				g_autofree gchar *path = g_strdup_printf ("/me/events/%s?$select=id", esc);
				g_autoptr(GError) error_get = NULL;
				g_autoptr(JsonNode) still =
				    graph_call (self, "GET", path, NULL, cancellable, &error_get);
				if (still != NULL)
					continue;
				if (!g_error_matches (error_get, CS_PROVIDER_ERROR,
						      CS_PROVIDER_ERROR_NOT_FOUND)) {
					g_propagate_error (error, g_steal_pointer (&error_get));
					return FALSE;
				}
			}
			g_ptr_array_add (out, cs_record_new_tombstone (kind, id));
			continue;
		}
		/* expanded occurrences belong to their series master */
		type = cs_json_val_string (item, "type");
		if (kind == CS_KIND_EVENT &&
		    (g_strcmp0 (type, "occurrence") == 0 || g_strcmp0 (type, "exception") == 0))
			continue;
		if (kind == CS_KIND_EMAIL &&
		    cs_json_val_get_boolean (cs_json_val_member (item, "isDraft"), FALSE))
			continue;
		/* as its link left it (the last run's own writes above all): its id
		 * and version are all the engine keeps of it, so only they are read */
		{
			const gchar *ck = cs_json_val_string (item, "changeKey");
			if (ck == NULL)
				ck = cs_json_val_string (item, "@odata.etag");
			if (cs_read_sink_is_as_linked (sink, id, ck)) {
				g_autoptr (CsRecord) seen = cs_record_new (kind, id);
				cs_record_set_version (seen, ck);
				g_ptr_array_add (out, cs_record_new_stub (seen));
				continue;
			}
		}
		r = cs_graph_map_val_to_record (kind, item, direction, &error_item);
		if (r == NULL) {
			cs_read_sink_skip (sink, id, error_item->message);
			continue;
		}
		g_ptr_array_add (out, r);
	}
	cs_read_sink_progress (sink, out->len, 0);
	*next = cs_json_val_string (page, "@odata.nextLink");
	*delta = cs_json_val_string (page, "@odata.deltaLink");
	return TRUE;
}

static gchar *
read_source (CsGraphProvider *self, CsKind kind, Source *src, const gchar *url_start,
	     GPtrArray *out, CsReadSink *sink, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *url = g_strdup (url_start);
	for (;;) {
		g_autoptr(CsJsonDoc) page = graph_get_doc (self, url, cancellable, error);
		const gchar *next = NULL, *delta = NULL;

		if (page == NULL)
			return NULL;
		if (!cs_graph_read_page (self, kind, cs_json_doc_get_root (page), src->direction, out,
					 sink, &next, &delta, cancellable, error))
			return NULL;
		if (delta != NULL)
			return g_strdup (delta);
		if (next == NULL) {
			g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					     _("Outlook ended a change listing without a delta link"));
			return NULL;
		}
		g_free (url);
		url = g_strdup (next);
	}
}

/* a batch item's Retry-After: header names in any case, the value as text
 * (seconds or an HTTP date) or as a JSON number */
static guint
batch_retry_after (JsonObject *headers)
{
	g_autoptr(GList) names = headers != NULL ? json_object_get_members (headers) : NULL;
	for (GList *l = names; l != NULL; l = l->next) {
		JsonNode *v;
		if (g_ascii_strcasecmp (l->data, "Retry-After") != 0)
			continue;
		v = json_object_get_member (headers, l->data);
		if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
			return cs_http_retry_after_seconds (json_node_get_string (v));
		if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_INT64)
			return (guint) CLAMP (json_node_get_int (v), 0, 86400);
		if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_DOUBLE)
			return (guint) CLAMP (json_node_get_double (v), 0.0, 86400.0);
	}
	return 0;
}

/* likewise, from a $batch answer read as a document */
static guint
batch_retry_after_val (const CsJsonVal *headers)
{
	for (const CsJsonVal *v = cs_json_val_first (headers); v != NULL;
	     v = cs_json_val_next (headers, v)) {
		g_autoptr(GVariant) d = NULL;
		if (g_ascii_strcasecmp (cs_json_val_get_name (v), "Retry-After") != 0)
			continue;
		if (cs_json_val_is (v, CS_JSON_STRING))
			return cs_http_retry_after_seconds (cs_json_val_get_string (v));
		if (cs_json_val_is (v, CS_JSON_INT))
			return (guint) CLAMP (cs_json_val_get_int (v, 0), 0, 86400);
		if (cs_json_val_is (v, CS_JSON_DOUBLE) && (d = cs_json_val_to_value (v)) != NULL &&
		    g_variant_is_of_type (d, G_VARIANT_TYPE_DOUBLE))
			return (guint) CLAMP (g_variant_get_double (d), 0.0, 86400.0);
		return 0;
	}
	return 0;
}

/*
 * Contact fields kept in MAPI extended properties: a delta query cannot
 * return them, so the changed contacts are read again, 20 to a $batch in
 * four dependsOn chains (Outlook's 4 concurrent requests per mailbox).
 */
static gboolean
read_contact_extended (CsGraphProvider *self, GPtrArray *records, GCancellable *cancellable,
		       GError **error)
{
	g_autoptr(GPtrArray) todo = g_ptr_array_new ();
	g_autofree gchar *expand = g_uri_escape_string (cs_graph_map_extended_expand (), NULL, FALSE);
	guint rounds = 0;

	for (guint i = 0; i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		/* a stub is as its link left it: nothing more to read */
		if (!cs_record_is_deleted (r) && !cs_record_is_stripped (r))
			g_ptr_array_add (todo, r);
	}
	while (todo->len > 0) {
		g_autoptr(GPtrArray) retry = g_ptr_array_new ();
		guint wait_s = 0;
		for (guint start = 0; start < todo->len; start += BATCH_MAX) {
			guint n = MIN (BATCH_MAX, todo->len - start);
			JsonArray *reqs = json_array_new ();
			JsonObject *root = json_object_new ();
			g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
			g_autoptr(JsonNode) answer = NULL;
			JsonArray *responses;
			for (guint i = 0; i < n; i++) {
				CsRecord *r = g_ptr_array_index (todo, start + i);
				JsonObject *q = json_object_new ();
				JsonObject *h = json_object_new ();
				g_autofree gchar *rid = g_strdup_printf ("%u", i);
				g_autofree gchar *esc = g_uri_escape_string (cs_record_get_id (r), NULL, TRUE);
				g_autofree gchar *url = g_strdup_printf (
				    "/me/contacts/%s?$select=id&$expand=%s", esc, expand);
				json_object_set_string_member (q, "id", rid);
				json_object_set_string_member (q, "method", "GET");
				json_object_set_string_member (q, "url", url);
				json_object_set_string_member (h, "Prefer", PREFER);
				json_object_set_object_member (q, "headers", h);
				if (i >= BATCH_CHAINS) {
					JsonArray *dep = json_array_new ();
					g_autofree gchar *d = g_strdup_printf ("%u", i - BATCH_CHAINS);
					json_array_add_string_element (dep, d);
					json_object_set_array_member (q, "dependsOn", dep);
				}
				json_array_add_object_element (reqs, q);
			}
			json_object_set_array_member (root, "requests", reqs);
			json_node_take_object (body, root);
			answer = graph_call (self, "POST", "/$batch", body, cancellable, error);
			if (answer == NULL)
				return FALSE;
			responses = arr_member (node_obj (answer), "responses");
			for (guint i = 0; i < n; i++) {
				CsRecord *r = g_ptr_array_index (todo, start + i);
				g_autofree gchar *rid = g_strdup_printf ("%u", i);
				JsonObject *resp = NULL;
				gint64 status;
				for (guint j = 0; responses != NULL && j < json_array_get_length (responses); j++) {
					JsonObject *o = arr_obj (responses, j);
					if (g_strcmp0 (str_member (o, "id"), rid) == 0)
						resp = o;
				}
				status = resp != NULL ? cs_json_get_int (resp, "status", 0)
						      : 0;
				if (status == 200) {
					JsonObject *b = obj_member (resp, "body");
					if (b != NULL)
						cs_graph_map_extended_to_record (b, r);
				} else if (status == 404) {
					/* deleted since the delta: the next delta says so */
				} else {
					wait_s = MAX (wait_s, batch_retry_after (obj_member (resp, "headers")));
					g_ptr_array_add (retry, r);
				}
			}
		}
		if (retry->len > 0 && ++rounds >= WRITE_ROUNDS) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_THROTTLED,
				     _("Outlook kept refusing to read %u contacts; try again later"),
				     retry->len);
			return FALSE;
		}
		if (retry->len > 0 && wait_s > 0) {
			gint64 end = g_get_monotonic_time () + (gint64) MIN (wait_s, 120) * G_USEC_PER_SEC;
			while (g_get_monotonic_time () < end) {
				if (g_cancellable_set_error_if_cancelled (cancellable, error))
					return FALSE;
				g_usleep (50000);
			}
		}
		g_ptr_array_set_size (todo, 0);
		for (guint i = 0; i < retry->len; i++)
			g_ptr_array_add (todo, g_ptr_array_index (retry, i));
	}
	return TRUE;
}

/*
 * The cursor: {"window": unix time the calendar window was set, "links":
 * {source: deltaLink}}. Records are gathered before they reach the sink, so
 * that an expired token (410) anywhere turns the whole read into one clean
 * full listing.
 */
static gboolean
cs_graph_provider_read_changes (CsProvider *provider, CsKind kind, const gchar *cursor,
				CsReadSink *sink, GCancellable *cancellable, GError **error)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	g_autoptr(JsonParser) parser = json_parser_new ();
	JsonObject *old_links = NULL;
	gint64 window = 0;
	gboolean full = cursor == NULL;

	if (cursor != NULL) {
		JsonObject *c;
		if (!json_parser_load_from_data (parser, cursor, -1, NULL) ||
		    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
			g_debug ("unreadable cursor, listing everything");
			full = TRUE;
		} else {
			c = json_node_get_object (json_parser_get_root (parser));
			old_links = obj_member (c, "links");
			/* a cursor is ours, but a damaged one must not be trusted */
			if (old_links != NULL) {
				g_autoptr(GList) names = json_object_get_members (old_links);
				for (GList *l = names; l != NULL; l = l->next) {
					if (str_member (old_links, l->data) == NULL)
						old_links = NULL;
				}
			}
			window = cs_json_get_int (c, "window", 0);
			/* the calendar window moves with time: renew it now and then */
			if (kind == CS_KIND_EVENT &&
			    g_get_real_time () / G_USEC_PER_SEC - window > WINDOW_RENEW_DAYS * 86400)
				full = TRUE;
			if (old_links == NULL)
				full = TRUE;
		}
	}
	/* what find() looked up last run may have changed since */
	g_clear_pointer (&self->found_windows, g_hash_table_unref);
	g_clear_pointer (&self->other_tasks, g_ptr_array_unref);
	for (guint pass = 0; pass < 2; pass++) {
		g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
		g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
		g_autoptr(JsonBuilder) b = json_builder_new ();
		g_autoptr(JsonNode) root = NULL;
		g_autoptr(GError) error_local = NULL;
		g_autofree gchar *text = NULL;
		gboolean expired = FALSE;

		if (full) {
			if (!full_sources (self, kind, sources, &window, cancellable, error))
				return FALSE;
		} else {
			g_autoptr(GList) names = json_object_get_members (old_links);
			for (GList *l = names; l != NULL; l = l->next)
				g_ptr_array_add (sources,
						 source_new (l->data,
							     str_member (old_links,
											    l->data),
							     g_str_equal (l->data, "sentitems")
								 ? CS_GRAPH_MAIL_OUTBOUND
								 : CS_GRAPH_MAIL_INBOUND));
		}
		if (kind == CS_KIND_EVENT)
			self->window = window;
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "window");
		json_builder_add_int_value (b, window);
		json_builder_set_member_name (b, "links");
		json_builder_begin_object (b);
		/* a contact source's key is its folder's id */
		g_clear_pointer (&self->contact_folders, g_hash_table_unref);
		g_clear_pointer (&self->new_folders, g_ptr_array_unref);
		if (kind == CS_KIND_CONTACT) {
			self->new_folders = g_ptr_array_new_with_free_func (g_free);
			self->contact_folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
			for (guint i = 0; i < sources->len; i++)
				g_hash_table_add (self->contact_folders,
						  g_strdup (((Source *) g_ptr_array_index (sources, i))->key));
		}
		for (guint i = 0; i < sources->len; i++) {
			Source *src = g_ptr_array_index (sources, i);
			g_autofree gchar *link = read_source (self, kind, src, src->start, records,
							      sink, cancellable, &error_local);
			if (link == NULL) {
				if (!full && g_error_matches (error_local, CS_PROVIDER_ERROR,
							      CS_PROVIDER_ERROR_CURSOR_EXPIRED)) {
					expired = TRUE;
					break;
				}
				g_propagate_prefixed_error (error, g_steal_pointer (&error_local),
							    _("reading Outlook %s: "),
							    cs_kind_to_string (kind));
				return FALSE;
			}
			json_builder_set_member_name (b, src->key);
			json_builder_add_string_value (b, link);
			/* folders found on the way are read in this same loop */
			for (guint j = 0; self->new_folders != NULL && j < self->new_folders->len; j++) {
				const gchar *fid = g_ptr_array_index (self->new_folders, j);
				g_autofree gchar *esc = g_uri_escape_string (fid, NULL, TRUE);
				g_autofree gchar *start =
				    g_strdup_printf ("/me/contactFolders/%s/contacts/delta", esc);
				g_ptr_array_add (sources, source_new (fid, start, CS_GRAPH_MAIL_INBOUND));
			}
			if (self->new_folders != NULL)
				g_ptr_array_set_size (self->new_folders, 0);
		}
		if (expired) {
			g_info ("Outlook no longer knows the %s sync state: listing everything",
				cs_kind_to_string (kind));
			full = TRUE;
			continue;
		}
		json_builder_end_object (b);
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		text = json_to_string (root, FALSE);
		/* what did not change since its link was stored (above all the
		 * contacts the last run created) is neither read again nor passed on */
		if (!full) {
			g_autoptr (GPtrArray) changed
				= g_ptr_array_new_with_free_func ((GDestroyNotify)cs_record_unref);
			for (guint i = 0; i < records->len; i++) {
				CsRecord *r = g_ptr_array_index (records, i);
				/* a stub is one cs_graph_read_page() found as its link
				 * left it: asking the state again was half of the run
				 * after a first sync */
				if (cs_record_is_deleted (r)
				    || (!cs_record_is_stripped (r)
					&& !cs_read_sink_is_unchanged (sink, cs_record_get_id (r),
								       cs_record_get_version (r))))
					g_ptr_array_add (changed, cs_record_ref (r));
			}
			g_ptr_array_unref (records);
			records = g_steal_pointer (&changed);
		}
		if (kind == CS_KIND_CONTACT && !read_contact_extended (self, records, cancellable, error)) {
			g_prefix_error (error, _("reading Outlook %s: "), cs_kind_to_string (kind));
			return FALSE;
		}
		for (guint i = 0; kind == CS_KIND_EVENT && i < records->len; i++) {
			CsRecord *r = g_ptr_array_index (records, i);
			if (cs_record_is_deleted (r) || !cs_record_has_field (r, "recurrence"))
				continue;
			if (!read_series_exceptions (self, r, cancellable, error)) {
				g_prefix_error (error, _("reading Outlook %s: "), cs_kind_to_string (kind));
				return FALSE;
			}
		}
		for (guint i = 0; i < records->len; i++) {
			CsRecord *r = g_ptr_array_index (records, i);
			/* not ticked: left out (a deletion still counts) */
			if (self->select[kind] != NULL && !cs_record_is_deleted (r) &&
			    !has_category (r, self->select[kind]))
				continue;
			cs_read_sink_add (sink, r);
		}
		/* with a selection, a record whose tick was taken away is absent:
		 * it is left alone on the other side, never taken for deleted */
		if (full && self->select[kind] == NULL)
			cs_read_sink_set_complete (sink, TRUE);
		cs_read_sink_set_cursor (sink, text);
		return TRUE;
	}
	g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CURSOR_EXPIRED,
			     _("Outlook keeps refusing its own sync state"));
	return FALSE;
}

/* ------------------------------------------------------------ writing */

static gboolean read_other_lists (CsGraphProvider *self, GCancellable *cancellable,
				  GError **error);

static gchar *
collection_path (CsGraphProvider *self, CsKind kind)
{
	g_autofree gchar *esc = NULL;
	switch (kind) {
	case CS_KIND_CONTACT:
		return g_strdup ("/me/contacts");
	case CS_KIND_EVENT:
		return g_strdup ("/me/events");
	case CS_KIND_TASK:
		esc = g_uri_escape_string (self->todo_list, NULL, TRUE);
		return g_strdup_printf ("/me/todo/lists/%s/tasks", esc);
	default:
		return NULL;
	}
}

/* "@base/@id", or the path in the To Do list a task was found in when that
 * is not the default one (a task moved there keeps syncing) */
static gchar *
item_path (CsGraphProvider *self, CsKind kind, const gchar *base, const gchar *id)
{
	g_autofree gchar *esc = g_uri_escape_string (id, NULL, TRUE);
	const gchar *list = kind == CS_KIND_TASK && self->task_lists != NULL
				    ? g_hash_table_lookup (self->task_lists, id)
				    : NULL;
	if (list != NULL) {
		g_autofree gchar *lesc = g_uri_escape_string (list, NULL, TRUE);
		return g_strdup_printf ("/me/todo/lists/%s/tasks/%s", lesc, esc);
	}
	return g_strdup_printf ("%s/%s", base, esc);
}

/* the fields after the update: the current record with the changes on top */
static CsRecord *
merged_record (CsWriteOp *op)
{
	CsRecord *m = op->current != NULL ? cs_record_copy (op->current)
					  : cs_record_copy (op->record);
	g_autoptr(GPtrArray) names = cs_record_get_field_names (op->record);
	for (guint i = 0; op->current != NULL && i < names->len; i++) {
		const gchar *name = g_ptr_array_index (names, i);
		GVariant *v = cs_record_get_field (op->record, name);
		if (cs_value_is_null (v))
			cs_record_remove_field (m, name);
		else
			cs_record_set_field (m, name, v);
	}
	return m;
}

static void
strip_nulls (JsonObject *o)
{
	g_autoptr(GList) names = json_object_get_members (o);
	for (GList *l = names; l != NULL; l = l->next) {
		if (JSON_NODE_HOLDS_NULL (json_object_get_member (o, l->data)))
			json_object_remove_member (o, l->data);
	}
}

typedef CsGraphPending Pending;

static void
pending_free (Pending *p)
{
	g_free (p->method);
	g_free (p->url);
	if (p->body != NULL)
		json_object_unref (p->body);
	if (p->merged != NULL)
		cs_record_unref (p->merged);
	g_free (p);
}

/* a write Outlook answered with the item as it stored it: its id, and its
 * version (the changeKey; To Do has none, its etag is) */
static void
op_done_from_body (Pending *p, const CsJsonVal *body)
{
	const gchar *id = cs_json_val_string (body, "id");
	const gchar *version = cs_json_val_string (body, "changeKey");
	if (id == NULL || id[0] == '\0') {
		cs_write_op_set_error (p->op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				       _("Outlook saved the item but did not say its id"));
		return;
	}
	if (version == NULL)
		version = cs_json_val_string (body, "@odata.etag");
	cs_write_op_set_done (p->op, id, version);
}

static JsonNode *
batch_body (GPtrArray *chunk)
{
	JsonArray *reqs = json_array_new ();
	JsonObject *root = json_object_new ();
	JsonNode *node = json_node_new (JSON_NODE_OBJECT);
	for (guint i = 0; i < chunk->len; i++) {
		Pending *p = g_ptr_array_index (chunk, i);
		JsonObject *r = json_object_new ();
		JsonObject *h = json_object_new ();
		g_autofree gchar *id = g_strdup_printf ("%u", i);
		json_object_set_string_member (r, "id", id);
		json_object_set_string_member (r, "method", p->method);
		json_object_set_string_member (r, "url", p->url);
		json_object_set_string_member (h, "Prefer", PREFER);
		if (p->body != NULL) {
			json_object_set_string_member (h, "Content-Type", "application/json");
			json_object_set_object_member (r, "body", json_object_ref (p->body));
		}
		json_object_set_object_member (r, "headers", h);
		/* four chains: never more than four at once against the mailbox */
		if (i >= BATCH_CHAINS) {
			JsonArray *dep = json_array_new ();
			g_autofree gchar *d = g_strdup_printf ("%u", i - BATCH_CHAINS);
			json_array_add_string_element (dep, d);
			json_object_set_array_member (r, "dependsOn", dep);
		}
		json_array_add_object_element (reqs, r);
	}
	json_object_set_array_member (root, "requests", reqs);
	json_node_take_object (node, root);
	return node;
}

/**
 * cs_graph_take_batch:
 * @chunk: (element-type CsGraphPending): the writes as sent, request id = index
 * @answer: the $batch answer's body
 * @retry: (element-type CsGraphPending): gets the writes to send again
 * @wait_s: (inout): the longest Retry-After seen, in seconds
 *
 * Returns: %FALSE for an answer without responses (no write settled)
 */
gboolean
cs_graph_take_batch (CsKind kind, GPtrArray *chunk, const CsJsonVal *answer, GPtrArray *retry,
		     guint *wait_s, GError **error)
{
	const CsJsonVal *responses = cs_json_val_array (answer, "responses");

	if (responses == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("Outlook answered a batch without responses"));
		return FALSE;
	}
	for (guint i = 0; i < chunk->len; i++) {
		Pending *p = g_ptr_array_index (chunk, i);
		const CsJsonVal *resp = NULL;
		const CsJsonVal *rbody;
		gint64 status;
		g_autofree gchar *want = g_strdup_printf ("%u", i);
		for (const CsJsonVal *r = cs_json_val_first (responses); r != NULL;
		     r = cs_json_val_next (responses, r)) {
			gint64 rs;
			if (!cs_json_val_is (r, CS_JSON_OBJECT) ||
			    g_strcmp0 (cs_json_val_string (r, "id"), want) != 0)
				continue;
			/* the same id twice (the service should not): a success is
			 * what happened, else a create that worked would be made again */
			rs = cs_json_val_get_int (cs_json_val_member (r, "status"), 0);
			if (resp == NULL || (rs >= 200 && rs < 300))
				resp = r;
		}
		if (resp == NULL) {
			/* counted like a throttled answer: a server that never answers for
			 * it must not keep the write loop going forever */
			if (p->tries + 1 < WRITE_ROUNDS) {
				p->tries++;
				g_ptr_array_add (retry, p);
			} else {
				cs_write_op_set_error (p->op, CS_PROVIDER_ERROR,
						       CS_PROVIDER_ERROR_NETWORK,
						       _("Outlook's batch answer left this item out"));
			}
			continue;
		}
		status = cs_json_val_get_int (cs_json_val_member (resp, "status"), 0);
		rbody = cs_json_val_member (resp, "body");
		if (status == 429 || status == 424 || status == 503 || status == 504) {
			*wait_s = MAX (*wait_s, batch_retry_after_val (cs_json_val_object (resp, "headers")));
			if (p->tries + 1 < WRITE_ROUNDS) {
				p->tries++;
				g_ptr_array_add (retry, p);
				continue;
			}
		}
		if (status >= 200 && status < 300) {
			if (cs_json_val_is (rbody, CS_JSON_OBJECT))
				op_done_from_body (p, rbody);
			else if (p->op->action == CS_WRITE_CREATE)
				/* a create is only done with the new item's id */
				cs_write_op_set_error (p->op, CS_PROVIDER_ERROR,
						       CS_PROVIDER_ERROR_INVALID,
						       _("Outlook saved the item but did not say its id"));
			else
				cs_write_op_set_done (p->op, cs_record_get_id (p->op->record), NULL);
		} else if (status == 404 && p->op->action == CS_WRITE_DELETE) {
			/* already gone is what a delete wants */
			cs_write_op_set_done (p->op, cs_record_get_id (p->op->record), NULL);
		} else {
			GError *e = NULL;
			set_error_val (&e, (guint) status, rbody);
			cs_write_op_take_error (p->op, e);
		}
	}
	return TRUE;
}

/*
 * The engine gives an update the item as it read it in this run; an item
 * that did not change in Outlook was not in the delta, so there is none. A
 * PATCH built from the changed fields alone would clear every other one (the
 * body names each mapped property, null when unset): read the item first.
 */
static gboolean
fetch_current (CsGraphProvider *self, CsKind kind, const gchar *base, GPtrArray *ops,
	       GCancellable *cancellable, GError **error)
{
	g_autoptr(GPtrArray) contacts = g_ptr_array_new ();

	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_autofree gchar *esc = NULL;
		g_autofree gchar *path = NULL;
		g_autoptr(GError) error_get = NULL;
		g_autoptr(JsonNode) item = NULL;
		CsRecord *r;

		if (op->action != CS_WRITE_UPDATE || op->current != NULL)
			continue;
		path = item_path (self, kind, base, cs_record_get_id (op->record));
		item = graph_call (self, "GET", path, NULL, cancellable, &error_get);
		/* not in the default list: moved to another list since it was linked? */
		if (item == NULL && kind == CS_KIND_TASK && self->other_tasks == NULL &&
		    g_error_matches (error_get, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NOT_FOUND)) {
			if (!read_other_lists (self, cancellable, error))
				return FALSE;
			g_clear_error (&error_get);
			g_free (path);
			path = item_path (self, kind, base, cs_record_get_id (op->record));
			item = graph_call (self, "GET", path, NULL, cancellable, &error_get);
		}
		if (item == NULL) {
			if (!g_error_matches (error_get, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NOT_FOUND)) {
				g_propagate_error (error, g_steal_pointer (&error_get));
				return FALSE;
			}
			cs_write_op_take_error (op, g_steal_pointer (&error_get));
			continue;
		}
		r = node_obj (item) != NULL ? cs_graph_map_to_record (kind, node_obj (item),
								       CS_GRAPH_MAIL_INBOUND, &error_get)
					    : NULL;
		if (r == NULL) {
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					       _("Outlook answered %s with something unreadable"), path);
			continue;
		}
		op->current = r;
		if (kind == CS_KIND_CONTACT)
			g_ptr_array_add (contacts, r);
	}
	return contacts->len == 0 || read_contact_extended (self, contacts, cancellable, error);
}

/*
 * Saving or deleting a meeting the user organises sends its attendees an
 * update or a cancellation, and Graph has no way to say "do not send"
 * (creating or moving an event never sends invitations: DESIGN.md). Such a
 * write is refused here; the user's copy of an invitation received is
 * changed freely.
 */
static gboolean
sends_meeting_update (CsWriteOp *op)
{
	GVariant *att;
	if (op->action == CS_WRITE_CREATE || op->current == NULL)
		return FALSE;
	if (!cs_record_get_bool (op->current, "isOrganizer", TRUE))
		return FALSE;
	att = cs_record_get_field (op->current, "attendees");
	return att != NULL && g_variant_is_of_type (att, G_VARIANT_TYPE_STRING_ARRAY) &&
	       g_variant_n_children (att) > 0;
}

/* a create's or update's body; FALSE (the op's error set) where the record
 * cannot be written to Outlook */
static gboolean
pending_make_body (CsKind kind, Pending *p)
{
	g_autoptr(CsRecord) merged = NULL;
	g_autoptr(GError) error = NULL;

	if (p->op->action == CS_WRITE_DELETE || p->body != NULL)
		return TRUE;
	merged = merged_record (p->op);
	p->body = cs_graph_map_from_record (kind, merged, &error);
	if (p->body == NULL) {
		cs_write_op_take_error (p->op, g_steal_pointer (&error));
		return FALSE;
	}
	if (p->op->action == CS_WRITE_CREATE)
		strip_nulls (p->body);
	if (p->merged == NULL)
		p->merged = g_steal_pointer (&merged);
	return TRUE;
}

/* settles one $batch's writes from its answer. Twenty items as Outlook
 * stored them come back in each: read as a document, not as a tree (their id
 * and version is all a write takes from them) */
static void
settle (CsKind kind, GPtrArray *chunk, CsHttpResponse *resp, GPtrArray *retry, guint *wait_s,
	GError **error)
{
	g_autoptr(CsJsonDoc) doc = NULL;
	if (resp->status < 200 || resp->status >= 300 || resp->status == 204) {
		/* the batch itself refused (or no answer to take): its error */
		g_autoptr(GError) parse_error = NULL;
		JsonNode *root = resp->status != 204 ? cs_http_response_parse_json (resp, &parse_error) : NULL;
		g_autoptr(JsonNode) answer = graph_answer (resp, root, parse_error, error);
		if (answer != NULL)
			g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					     _("Outlook answered a batch without responses"));
		return;
	}
	doc = cs_http_response_parse_doc (resp, error);
	if (doc != NULL)
		cs_graph_take_batch (kind, chunk, cs_json_doc_get_root (doc), retry, wait_s, error);
}

/*
 * The work of a $batch done beside the engine's thread while the one before
 * it is on the wire: the next batch's bodies made (each write's record mapped
 * to Outlook's JSON) and written as text, the answer of the batch before it
 * parsed and its writes settled. The requests stay on the engine's thread,
 * one at a time (as Outlook wants: four chains in a batch are its four
 * concurrent requests per mailbox); the server's time and ours overlap. While
 * a job runs the engine's thread touches none of its writes.
 */
typedef struct {
	GMutex lock;
	GCond cond;
	gboolean done;
	CsKind kind;
	GPtrArray *build;	/* (nullable) (element-type Pending) the next batch */
	GPtrArray *built;	/* (owned) (nullable) @build less the writes that cannot be made */
	GBytes *written;	/* (owned) (nullable) @built's $batch as text; NULL for none */
	GPtrArray *to_settle;	/* (nullable) (element-type Pending) the batch before */
	CsHttpResponse *answer; /* (nullable) its answer, freed by the engine's thread after */
	GPtrArray *retry;	/* (owned) what the answer says to send again */
	guint wait_s;
	GError *error;		/* (owned) (nullable) the answer's, as settle() gives it */
} BatchJob;

static void
batch_job_free (BatchJob *job)
{
	g_mutex_clear (&job->lock);
	g_cond_clear (&job->cond);
	g_clear_pointer (&job->built, g_ptr_array_unref);
	g_clear_pointer (&job->written, g_bytes_unref);
	g_ptr_array_unref (job->retry);
	g_clear_error (&job->error);
	g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BatchJob, batch_job_free)

static void
batch_job_run (gpointer data, gpointer user_data)
{
	BatchJob *job = data;

	if (job->build != NULL) {
		GPtrArray *built = g_ptr_array_new ();
		for (guint i = 0; i < job->build->len; i++) {
			Pending *p = g_ptr_array_index (job->build, i);
			if (pending_make_body (job->kind, p))
				g_ptr_array_add (built, p);
		}
		if (built->len > 0) {
			g_autoptr(JsonNode) node = batch_body (built);
			job->written = json_bytes (node);
		}
		/* made again if the write is sent again; freed here, where it
		 * was made (a free in another thread costs more) */
		for (guint i = 0; i < built->len; i++) {
			Pending *p = g_ptr_array_index (built, i);
			g_clear_pointer (&p->body, json_object_unref);
		}
		job->built = built;
	}
	if (job->answer != NULL)
		settle (job->kind, job->to_settle, job->answer, job->retry, &job->wait_s, &job->error);
	g_mutex_lock (&job->lock);
	job->done = TRUE;
	g_cond_signal (&job->cond);
	g_mutex_unlock (&job->lock);
}

static BatchJob *
batch_job_start (CsGraphProvider *self, CsKind kind, GPtrArray *build, GPtrArray *to_settle,
		 CsHttpResponse *answer)
{
	BatchJob *job = g_new0 (BatchJob, 1);
	g_mutex_init (&job->lock);
	g_cond_init (&job->cond);
	job->kind = kind;
	job->build = build;
	job->to_settle = to_settle;
	job->answer = answer;
	job->retry = g_ptr_array_new ();
	if (self->json_pool == NULL)
		self->json_pool = g_thread_pool_new (batch_job_run, NULL, 1, FALSE, NULL);
	if (self->json_pool == NULL || !g_thread_pool_push (self->json_pool, job, NULL))
		batch_job_run (job, NULL); /* no thread: done here, in turn */
	return job;
}

/* waits for @job and takes what it settled */
static void
batch_job_finish (BatchJob *job, GPtrArray *retry, guint *wait_s, GError **error)
{
	g_mutex_lock (&job->lock);
	while (!job->done)
		g_cond_wait (&job->cond, &job->lock);
	g_mutex_unlock (&job->lock);
	for (guint i = 0; i < job->retry->len; i++)
		g_ptr_array_add (retry, g_ptr_array_index (job->retry, i));
	*wait_s = MAX (*wait_s, job->wait_s);
	if (job->error != NULL && error != NULL && *error == NULL)
		g_propagate_error (error, g_steal_pointer (&job->error));
}

/* sends @queue's writes in batches of BATCH_MAX, one request at a time; what
 * must be tried again goes into @retry. Every batch sent is settled, also
 * when one before it failed: its writes happened. */
static gboolean
send_batches (CsGraphProvider *self, CsKind kind, GPtrArray *queue, GPtrArray *retry,
	      guint *wait_s, GCancellable *cancellable, GError **error)
{
	g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(CsHttpResponse) prev = NULL;
	g_autoptr(GError) failed = NULL;
	GPtrArray *prev_chunk = NULL;

	for (guint i = 0; i < queue->len; i += BATCH_MAX) {
		GPtrArray *chunk = g_ptr_array_new ();
		for (guint j = i; j < queue->len && j < i + BATCH_MAX; j++)
			g_ptr_array_add (chunk, g_ptr_array_index (queue, j));
		g_ptr_array_add (chunks, chunk);
	}
	/* the first batch: nothing on the wire to overlap with */
	if (chunks->len > 0) {
		g_autoptr(BatchJob) job = batch_job_start (self, kind, chunks->pdata[0], NULL, NULL);
		batch_job_finish (job, retry, wait_s, NULL);
		g_ptr_array_unref (chunks->pdata[0]);
		chunks->pdata[0] = g_steal_pointer (&job->built);
		body = g_steal_pointer (&job->written);
	}
	for (guint k = 0; k < chunks->len && failed == NULL; k++) {
		GPtrArray *next = k + 1 < chunks->len ? chunks->pdata[k + 1] : NULL;
		g_autoptr(BatchJob) job = batch_job_start (self, kind, next, prev_chunk, prev);
		/* a batch whose every write failed to be made is not sent */
		g_autoptr(CsHttpResponse) resp =
		    body != NULL ? graph_send (self, "POST", "/$batch", body, cancellable, &failed) : NULL;

		batch_job_finish (job, retry, wait_s, &failed);
		if (next != NULL) {
			g_ptr_array_unref (next);
			chunks->pdata[k + 1] = g_steal_pointer (&job->built);
		}
		g_clear_pointer (&prev, cs_http_response_free);
		prev = g_steal_pointer (&resp);
		prev_chunk = chunks->pdata[k];
		/* a batch refused as a whole stops here, before the next is sent */
		if (prev != NULL && (prev->status < 200 || prev->status >= 300) && failed == NULL) {
			settle (kind, prev_chunk, prev, retry, wait_s, &failed);
			g_clear_pointer (&prev, cs_http_response_free);
		}
		g_clear_pointer (&body, g_bytes_unref);
		body = g_steal_pointer (&job->written);
	}
	if (prev != NULL)
		settle (kind, prev_chunk, prev, retry, wait_s, failed == NULL ? &failed : NULL);
	if (failed != NULL) {
		g_propagate_error (error, g_steal_pointer (&failed));
		return FALSE;
	}
	return TRUE;
}

static gboolean
cs_graph_provider_write (CsProvider *provider, CsKind kind, GPtrArray *ops,
			 GCancellable *cancellable, GError **error)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	/* `all` owns the pending writes; the queues only point at them */
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
	g_autoptr(GPtrArray) queue = g_ptr_array_new ();
	g_autofree gchar *base = NULL;

	if (kind == CS_KIND_TASK && !ensure_todo_list (self, cancellable, error))
		return FALSE;
	base = collection_path (self, kind);
	if (base == NULL) {
		for (guint i = 0; i < ops->len; i++)
			cs_write_op_set_error (g_ptr_array_index (ops, i), CS_PROVIDER_ERROR,
					       CS_PROVIDER_ERROR_READ_ONLY,
					       _("Outlook %s records are read-only"),
					       cs_kind_to_string (kind));
		return TRUE;
	}
	/* a task deleted in another list than the default one is deleted there */
	for (guint i = 0; kind == CS_KIND_TASK && i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		if (op->action == CS_WRITE_DELETE && op->error == NULL) {
			if (!read_other_lists (self, cancellable, error)) {
				g_prefix_error (error, _("writing Outlook %s: "),
						cs_kind_to_string (kind));
				return FALSE;
			}
			break;
		}
	}
	if (!fetch_current (self, kind, base, ops, cancellable, error)) {
		g_prefix_error (error, _("writing Outlook %s: "), cs_kind_to_string (kind));
		return FALSE;
	}
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		Pending *p;
		if (op->error != NULL)
			continue;
		if (kind == CS_KIND_EVENT && sends_meeting_update (op)) {
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_READ_ONLY,
					       op->action == CS_WRITE_DELETE
						       ? _ ("the appointment is a meeting with "
							    "attendees: deleting it in Outlook "
							    "would send them a cancellation; "
							    "delete it in Outlook yourself")
						       : _ ("the appointment is a meeting with "
							    "attendees: changing it in Outlook "
							    "would send them an update; change it "
							    "in Outlook yourself"));
			continue;
		}
		/* its body is made with its batch (see BatchJob) */
		p = g_new0 (Pending, 1);
		p->op = op;
		if (op->action == CS_WRITE_CREATE) {
			p->method = g_strdup ("POST");
			p->url = g_strdup (base);
		} else {
			p->method = g_strdup (op->action == CS_WRITE_DELETE ? "DELETE" : "PATCH");
			p->url = item_path (self, kind, base, cs_record_get_id (op->record));
		}
		g_ptr_array_add (all, p);
		g_ptr_array_add (queue, p);
	}
	while (queue->len > 0) {
		g_autoptr(GPtrArray) retry = g_ptr_array_new ();
		guint wait_s = 0;
		gboolean sent = send_batches (self, kind, queue, retry, &wait_s, cancellable, error);
		g_ptr_array_set_size (queue, 0);
		if (!sent) {
			g_prefix_error (error, _("writing Outlook %s: "), cs_kind_to_string (kind));
			return FALSE;
		}
		if (retry->len > 0 && wait_s > 0) {
			gint64 end = g_get_monotonic_time () + (gint64) MIN (wait_s, 120) * G_USEC_PER_SEC;
			while (g_get_monotonic_time () < end) {
				if (g_cancellable_set_error_if_cancelled (cancellable, error))
					return FALSE;
				g_usleep (50000);
			}
		}
		while (retry->len > 0)
			g_ptr_array_add (queue, g_ptr_array_steal_index (retry, 0));
	}
	/* a series' exceptions go after the series exists */
	for (guint i = 0; kind == CS_KIND_EVENT && i < all->len; i++) {
		Pending *p = g_ptr_array_index (all, i);
		g_autoptr(GError) error_exc = NULL;
		if (p->merged == NULL || p->op->error != NULL)
			continue;
		if (!write_series_exceptions (self, p->op, p->merged, cancellable, &error_exc)) {
			if (g_error_matches (error_exc, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH) ||
			    g_error_matches (error_exc, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK) ||
			    g_error_matches (error_exc, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
				g_propagate_prefixed_error (error, g_steal_pointer (&error_exc),
							    _("writing Outlook %s: "),
							    cs_kind_to_string (kind));
				return FALSE;
			}
			g_prefix_error (&error_exc, _("the series was saved, its exceptions not: "));
			cs_write_op_take_error (p->op, g_steal_pointer (&error_exc));
		}
	}
	return TRUE;
}

/* ------------------------------------------------------------ horizons */

/* the calendar window of a listing made at @set (unix time): whole days */
static void
window_bounds (gint64 set, gint64 *from, gint64 *to)
{
	g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (set);
	g_autoptr(GDateTime) ws = g_date_time_add_days (at, -WINDOW_PAST_DAYS);
	g_autoptr(GDateTime) we = g_date_time_add_days (at, WINDOW_FUTURE_DAYS);
	g_autoptr(GDateTime) wsd = g_date_time_new_utc (g_date_time_get_year (ws), g_date_time_get_month (ws),
							g_date_time_get_day_of_month (ws), 0, 0, 0);
	g_autoptr(GDateTime) wed = g_date_time_new_utc (g_date_time_get_year (we), g_date_time_get_month (we),
							g_date_time_get_day_of_month (we), 0, 0, 0);
	*from = g_date_time_to_unix (wsd) * G_USEC_PER_SEC;
	*to = g_date_time_to_unix (wed) * G_USEC_PER_SEC;
}

/* the calendar is listed in a window (a year back, two ahead); To Do is one
 * list of several. Contact folders are all read; mail is its two folders,
 * which is all that is synced of it. */
static void
cs_graph_provider_get_horizon (CsProvider *provider, CsKind kind, CsHorizon *horizon)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	if (kind == CS_KIND_EVENT) {
		horizon->partial = TRUE;
		horizon->range_field = "start";
		window_bounds (self->window != 0 ? self->window : g_get_real_time () / G_USEC_PER_SEC,
			       &horizon->from, &horizon->to);
		horizon->find_field = "start";
	} else if (kind == CS_KIND_TASK) {
		/* a task in another list is not read, and gets a new id when moved:
		 * asked for by id, then by its title in the other lists, before it
		 * is called deleted; a task is looked for there before it is created */
		horizon->partial = TRUE;
		horizon->find_field = "subject";
	}
}

/*
 * The tasks of every To Do list but the default one (and the list Outlook
 * fills with flagged e-mails, which are not tasks of the user's making).
 * Read once a run, only when a task is looked for outside the default list.
 */
static gboolean
read_other_lists (CsGraphProvider *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GPtrArray) tasks = NULL;
	JsonArray *lists;

	if (self->other_tasks != NULL)
		return TRUE;
	if (!ensure_todo_list (self, cancellable, error))
		return FALSE;
	root = graph_call (self, "GET", "/me/todo/lists", NULL, cancellable, error);
	if (root == NULL)
		return FALSE;
	tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	if (self->task_lists == NULL)
		self->task_lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	lists = JSON_NODE_HOLDS_OBJECT (root) ? cs_json_get_array (json_node_get_object (root), "value")
					      : NULL;
	for (guint i = 0; lists != NULL && i < json_array_get_length (lists); i++) {
		JsonObject *l = cs_json_array_get_object (lists, i);
		const gchar *id = cs_json_get_string (l, "id");
		g_autofree gchar *esc = NULL;
		g_autofree gchar *url = NULL;
		g_autofree gchar *delta = NULL;
		g_autoptr(GPtrArray) recs = NULL;
		g_autoptr(CsReadSink) sink = NULL;
		Source *src;

		if (id == NULL || g_strcmp0 (id, self->todo_list) == 0 ||
		    g_strcmp0 (cs_json_get_string (l, "wellknownListName"), "flaggedEmails") == 0)
			continue;
		esc = g_uri_escape_string (id, NULL, TRUE);
		url = g_strdup_printf ("/me/todo/lists/%s/tasks/delta", esc);
		recs = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
		sink = cs_read_sink_new (CS_KIND_TASK, FALSE);
		src = source_new (id, url, CS_GRAPH_MAIL_INBOUND);
		delta = read_source (self, CS_KIND_TASK, src, url, recs, sink, cancellable, error);
		source_free (src);
		if (delta == NULL)
			return FALSE;
		for (guint j = 0; j < recs->len; j++) {
			CsRecord *r = g_ptr_array_index (recs, j);
			if (cs_record_is_deleted (r) || cs_record_get_id (r) == NULL)
				continue;
			g_hash_table_replace (self->task_lists, g_strdup (cs_record_get_id (r)),
					      g_strdup (id));
			g_ptr_array_add (tasks, cs_record_ref (r));
		}
	}
	self->other_tasks = g_steal_pointer (&tasks);
	return TRUE;
}

/* find: tasks of the other To Do lists with this title (the engine then
 * matches the whole key) */
static GPtrArray *
find_task (CsGraphProvider *self, const gchar *field, GVariant *value, GCancellable *cancellable,
	   GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	g_autofree gchar *want = NULL;

	if (g_strcmp0 (field, "subject") != 0 || value == NULL ||
	    !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
		return g_steal_pointer (&out);
	if (!read_other_lists (self, cancellable, error))
		return NULL;
	want = g_utf8_casefold (g_variant_get_string (value, NULL), -1);
	for (guint i = 0; i < self->other_tasks->len; i++) {
		CsRecord *r = g_ptr_array_index (self->other_tasks, i);
		const gchar *title = cs_record_get_string (r, "subject");
		g_autofree gchar *have = title != NULL ? g_utf8_casefold (title, -1) : NULL;
		if (g_strcmp0 (have, want) != 0)
			continue;
		if (self->select[CS_KIND_TASK] != NULL && !has_category (r, self->select[CS_KIND_TASK]))
			continue;
		g_ptr_array_add (out, cs_record_ref (r));
	}
	return g_steal_pointer (&out);
}

/*
 * find: events around a start time, for an event that may be in the calendar
 * outside the listed window. A calendarView window covers the month around
 * it, so that finding a few hundred old events costs a few dozen requests;
 * the engine matches the key.
 */
static GPtrArray *
cs_graph_provider_find (CsProvider *provider, CsKind kind, const gchar *field, GVariant *value,
			GCancellable *cancellable, GError **error)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	g_autoptr(GDateTime) at = NULL;
	g_autoptr(GDateTime) month = NULL;
	g_autoptr(GDateTime) ws = NULL;
	g_autoptr(GDateTime) we = NULL;
	g_autofree gchar *s = NULL;
	g_autofree gchar *e = NULL;
	g_autofree gchar *url = NULL;
	GPtrArray *cached;
	gint64 t;

	if (kind == CS_KIND_TASK)
		return find_task (self, field, value, cancellable, error);
	if (kind != CS_KIND_EVENT || g_strcmp0 (field, "start") != 0 || value == NULL ||
	    !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
	    !cs_time_parse (g_variant_get_string (value, NULL), &t))
		return g_steal_pointer (&out);
	at = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);
	month = g_date_time_new_utc (g_date_time_get_year (at), g_date_time_get_month (at), 1, 0, 0, 0);
	ws = g_date_time_add_days (month, -1);
	we = g_date_time_add_months (month, 1);
	g_clear_pointer (&month, g_date_time_unref);
	month = g_date_time_add_days (we, 1);
	s = g_date_time_format (ws, "%Y-%m-%dT00:00:00Z");
	e = g_date_time_format (month, "%Y-%m-%dT00:00:00Z");
	url = g_strdup_printf ("/me/calendarView/delta?startDateTime=%s&endDateTime=%s", s, e);
	if (self->found_windows == NULL)
		self->found_windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
							     (GDestroyNotify) g_ptr_array_unref);
	cached = g_hash_table_lookup (self->found_windows, url);
	if (cached == NULL) {
		g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
		Source *src = source_new ("find", url, CS_GRAPH_MAIL_INBOUND);
		g_autofree gchar *delta = NULL;
		cached = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
		delta = read_source (self, kind, src, url, cached, sink, cancellable, error);
		source_free (src);
		if (delta == NULL) {
			g_ptr_array_unref (cached);
			return NULL;
		}
		g_hash_table_insert (self->found_windows, g_strdup (url), cached);
	}
	for (guint i = 0; i < cached->len; i++) {
		CsRecord *r = g_ptr_array_index (cached, i);
		if (!cs_record_is_deleted (r))
			g_ptr_array_add (out, cs_record_ref (r));
	}
	return g_steal_pointer (&out);
}

static gchar *
cs_graph_provider_whoami (CsProvider *provider, GCancellable *cancellable, GError **error)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	g_autoptr(JsonNode) me = graph_call (self, "GET", "/me", NULL, cancellable, error);
	const gchar *upn;
	if (me == NULL)
		return NULL;
	upn = JSON_NODE_HOLDS_OBJECT (me) ? cs_json_get_string_or (
						json_node_get_object (me), "userPrincipalName", NULL)
					  : NULL;
	if (upn == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("Outlook did not say who is signed in"));
		return NULL;
	}
	return g_strdup (upn);
}

/* ------------------------------------------------------------ GObject */

static void
cs_graph_provider_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (object);
	switch (prop_id) {
	case PROP_SIGN_IN:
		g_value_set_string (value, self->sign_in);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
	}
}

static void
cs_graph_provider_set_property (GObject *object, guint prop_id, const GValue *value,
				GParamSpec *pspec)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (object);
	switch (prop_id) {
	case PROP_SIGN_IN: {
		const gchar *v = g_value_get_string (value);
		g_free (self->sign_in);
		self->sign_in = g_strdup (v != NULL ? v : "device-code");
		break;
	}
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
	}
}

static void
cs_graph_provider_finalize (GObject *object)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (object);
	g_free (self->url);
	g_free (self->authority);
	g_free (self->tenant);
	g_free (self->client_id);
	g_free (self->sign_in);
	g_free (self->todo_list);
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_free (self->select[k]);
	g_clear_pointer (&self->contact_folders, g_hash_table_unref);
	g_clear_pointer (&self->new_folders, g_ptr_array_unref);
	g_clear_pointer (&self->found_windows, g_hash_table_unref);
	g_clear_pointer (&self->other_tasks, g_ptr_array_unref);
	g_clear_pointer (&self->task_lists, g_hash_table_unref);
	g_clear_object (&self->graph);
	g_clear_object (&self->identity);
	cs_graph_tokens_free (self->tokens);
	if (self->json_pool != NULL)
		g_thread_pool_free (self->json_pool, FALSE, TRUE);
	G_OBJECT_CLASS (cs_graph_provider_parent_class)->finalize (object);
}

/* one item by id under @collection; %NULL without an error when Outlook has
 * no such item there (404: gone, not a failure) */
static JsonNode *
get_item (CsGraphProvider *self, const gchar *collection, const gchar *id,
	  GCancellable *cancellable, GError **error)
{
	g_autofree gchar *esc = g_uri_escape_string (id, NULL, TRUE);
	g_autofree gchar *path = g_strconcat (collection, "/", esc, NULL);
	g_autoptr(GError) error_local = NULL;
	JsonNode *node = graph_call (self, "GET", path, NULL, cancellable, &error_local);
	if (node == NULL &&
	    !g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NOT_FOUND))
		g_propagate_error (error, g_steal_pointer (&error_local));
	return node;
}

/* tasks of @ids not in the default list (@out so far): in another list? */
static gboolean
get_other_tasks (CsGraphProvider *self, GPtrArray *ids, GPtrArray *out, GCancellable *cancellable,
		 GError **error)
{
	g_autoptr(GHashTable) missing = g_hash_table_new (g_str_hash, g_str_equal);
	for (guint i = 0; i < ids->len; i++)
		g_hash_table_add (missing, g_ptr_array_index (ids, i));
	for (guint i = 0; i < out->len; i++)
		g_hash_table_remove (missing, cs_record_get_id (g_ptr_array_index (out, i)));
	if (g_hash_table_size (missing) == 0)
		return TRUE;
	if (!read_other_lists (self, cancellable, error))
		return FALSE;
	for (guint i = 0; i < self->other_tasks->len; i++) {
		CsRecord *r = g_ptr_array_index (self->other_tasks, i);
		if (!g_hash_table_contains (missing, cs_record_get_id (r)))
			continue;
		if (self->select[CS_KIND_TASK] != NULL && !has_category (r, self->select[CS_KIND_TASK]))
			continue;
		g_ptr_array_add (out, cs_record_ref (r));
	}
	return TRUE;
}

/*
 * Records by id, as a listing would give them: what the engine asks for when
 * a delta listing leaves out a record it must look at (a resolved conflict,
 * a record held back by an earlier run). One GET per id; an id Outlook no
 * longer has is left out. An e-mail is read where a listing reads it (Inbox,
 * Sent Items), which also gives its direction.
 */
static GPtrArray *
cs_graph_provider_get (CsProvider *provider, CsKind kind, GPtrArray *ids,
		       GCancellable *cancellable, GError **error)
{
	CsGraphProvider *self = CS_GRAPH_PROVIDER (provider);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	g_autofree gchar *tasks_path = NULL;

	if (kind == CS_KIND_TASK) {
		g_autofree gchar *esc = NULL;
		if (!ensure_todo_list (self, cancellable, error))
			return NULL;
		esc = g_uri_escape_string (self->todo_list, NULL, TRUE);
		tasks_path = g_strdup_printf ("/me/todo/lists/%s/tasks", esc);
	}
	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index (ids, i);
		CsGraphMailDirection direction = CS_GRAPH_MAIL_INBOUND;
		g_autoptr(GError) error_item = NULL;
		g_autoptr(JsonNode) node = NULL;
		g_autoptr(GError) error_local = NULL;
		JsonObject *item;
		const gchar *type;
		CsRecord *r;

		switch (kind) {
		case CS_KIND_CONTACT:
			node = get_item (self, "/me/contacts", id, cancellable, &error_local);
			break;
		case CS_KIND_EVENT:
			node = get_item (self, "/me/events", id, cancellable, &error_local);
			break;
		case CS_KIND_TASK:
			node = get_item (self, tasks_path, id, cancellable, &error_local);
			break;
		case CS_KIND_EMAIL:
			node = get_item (self, "/me/mailFolders/sentitems/messages", id,
					 cancellable, &error_local);
			direction = CS_GRAPH_MAIL_OUTBOUND;
			if (node == NULL && error_local == NULL) {
				node = get_item (self, "/me/mailFolders/inbox/messages", id,
						 cancellable, &error_local);
				direction = CS_GRAPH_MAIL_INBOUND;
			}
			break;
		default:
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("Outlook has no %s records"), cs_kind_to_string (kind));
			return NULL;
		}
		if (error_local != NULL) {
			g_propagate_prefixed_error (error, g_steal_pointer (&error_local),
						    _("reading Outlook %s: "), cs_kind_to_string (kind));
			return NULL;
		}
		item = node_obj (node);
		if (item == NULL)
			continue; /* gone */
		type = cs_json_get_string_or (item, "type", NULL);
		if ((kind == CS_KIND_EVENT &&
		     (g_strcmp0 (type, "occurrence") == 0 || g_strcmp0 (type, "exception") == 0)) ||
		    (kind == CS_KIND_EMAIL && cs_json_get_bool (item, "isDraft", FALSE)))
			continue; /* what a listing leaves out */
		r = cs_graph_map_to_record (kind, item, direction, &error_item);
		if (r == NULL) {
			g_debug ("Outlook %s %s cannot be read: %s", cs_kind_to_string (kind), id,
				 error_item->message);
			continue;
		}
		/* not ticked: left out, as a listing leaves it */
		if (self->select[kind] != NULL && !has_category (r, self->select[kind])) {
			cs_record_unref (r);
			continue;
		}
		g_ptr_array_add (out, r);
	}
	if (kind == CS_KIND_TASK && out->len < ids->len &&
	    !get_other_tasks (self, ids, out, cancellable, error)) {
		g_prefix_error (error, _("reading Outlook %s: "), cs_kind_to_string (kind));
		return NULL;
	}
	if (kind == CS_KIND_CONTACT && !read_contact_extended (self, out, cancellable, error)) {
		g_prefix_error (error, _("reading Outlook %s: "), cs_kind_to_string (kind));
		return NULL;
	}
	for (guint i = 0; kind == CS_KIND_EVENT && i < out->len; i++) {
		CsRecord *r = g_ptr_array_index (out, i);
		if (cs_record_has_field (r, "recurrence") &&
		    !read_series_exceptions (self, r, cancellable, error)) {
			g_prefix_error (error, _("reading Outlook %s: "), cs_kind_to_string (kind));
			return NULL;
		}
	}
	return g_steal_pointer (&out);
}

/* what the assistant and the settings dialog ask for: nothing at first (the sign-in asks);
 * an organisation that allows only its own registered applications gives its client id */
static const CsSetting graph_settings[] = {
    {"client-id", N_("Application (client) id"), CS_SETTING_TEXT, NULL, NULL, FALSE, TRUE},
    {"tenant", N_("Tenant"), CS_SETTING_TEXT, NULL, "common", FALSE, TRUE},
    {"url", N_("Microsoft Graph address"), CS_SETTING_URL, NULL, DEFAULT_URL, FALSE, TRUE},
    {"authority", N_("Sign-in address"), CS_SETTING_URL, NULL, DEFAULT_AUTHORITY, FALSE, TRUE},
    {NULL}};

static void
cs_graph_provider_class_init (CsGraphProviderClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	CsProviderClass *provider_class = CS_PROVIDER_CLASS (klass);

	object_class->finalize = cs_graph_provider_finalize;
	object_class->get_property = cs_graph_provider_get_property;
	object_class->set_property = cs_graph_provider_set_property;
	provider_class->name = "graph";
	provider_class->description = N_("Outlook.com and Microsoft 365 (Microsoft Graph)");
	provider_class->display_name = N_("Microsoft 365");
	provider_class->settings = graph_settings;
	provider_class->sides = CS_PROVIDER_SIDE_OUTLOOK;
	provider_class->setup = cs_graph_provider_setup;
	provider_class->get_caps = cs_graph_provider_get_caps;
	provider_class->get_schema = cs_graph_provider_get_schema;
	provider_class->open = cs_graph_provider_open;
	provider_class->close = cs_graph_provider_close;
	provider_class->whoami = cs_graph_provider_whoami;
	provider_class->read_changes = cs_graph_provider_read_changes;
	provider_class->write = cs_graph_provider_write;
	provider_class->find = cs_graph_provider_find;
	provider_class->get = cs_graph_provider_get;
	provider_class->get_horizon = cs_graph_provider_get_horizon;

	g_object_class_install_property (
	    object_class, PROP_SIGN_IN,
	    g_param_spec_string ("sign-in", NULL, NULL, "device-code",
				 G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
	signals[SIGNAL_DEVICE_CODE] = g_signal_new_class_handler (
	    "device-code", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
	    G_CALLBACK (cs_graph_provider_device_code_default), NULL, NULL, NULL, G_TYPE_NONE, 3,
	    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
	signals[SIGNAL_OPEN_URI] = g_signal_new_class_handler (
	    "open-uri", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
	    G_CALLBACK (cs_graph_provider_open_uri_default), g_signal_accumulator_true_handled,
	    NULL, NULL, G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
}

static void
cs_graph_provider_init (CsGraphProvider *self)
{
	self->sign_in = g_strdup ("device-code");
}

G_MODULE_EXPORT GType cs_provider_query_type (void);

G_MODULE_EXPORT GType
cs_provider_query_type (void)
{
	return CS_TYPE_GRAPH_PROVIDER;
}
