/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "crmsync-plugin.h"
#include "cs-orocrm-private.h"

/*
 * OroCRM: contacts and tasks through the JSON:API (/api), calendar events
 * through the old REST API (/api/rest/latest), which is the only one Oro has
 * for them. Authentication by WSSE with the user's API key (Oro <= 6.0) or an
 * OAuth 2 client-credentials token (all versions). See api-specs.md §1.
 *
 * Deltas: Oro keeps no tombstones, so a delta read asks for what changed
 * since the cursor's updatedAt and then for the number of records; when that
 * is not the number the cursor expects, the read turns into a full listing
 * so that the engine sees the deletion (see read_jsonapi).
 */

#define JSONAPI "application/vnd.api+json"
#define PAGE_SIZE 1000
#define BATCH_SIZE 100 /* Oro's limit for the synchronous batch API */
#define EVENT_PAGE 500
#define CURSOR_VERSION "oro2"
#define SWEEP_INTERVAL (24 * 3600) /* default of [crm] sweep-interval= */

typedef enum {
	AUTH_WSSE,
	AUTH_OAUTH,
} AuthMode;

#define CS_TYPE_OROCRM_PROVIDER (cs_orocrm_provider_get_type ())
G_DECLARE_FINAL_TYPE (CsOrocrmProvider, cs_orocrm_provider, CS, OROCRM_PROVIDER, CsProvider)

struct _CsOrocrmProvider {
	CsProvider parent_instance;
	gchar *url;		 /* (owned) */
	gchar *user;		 /* (owned) */
	gchar *fingerprint;	 /* (owned) (nullable) */
	AuthMode auth;
	CsHttpClient *http;	 /* (owned) (nullable) while closed */
	gchar *secret;		 /* (owned) (nullable) the API key or client secret */
	gchar *token;		 /* (owned) (nullable) OAuth access token */
	gint64 calendar;	 /* the user's default calendar */
	gint64 sweep_interval;	 /* seconds between full listings; 0 = every run */
	/* the records of the kind counted by open()'s look at one of them;
	 * the first read takes it instead of asking again (-1: none) */
	gint64 open_count[CS_KIND_LAST];
	CsOrocrmContext ctx;
	/* the next page of a listing, asked for ahead (see prefetch_start()) */
	CsHttpClient *ahead_http;   /* (owned) (nullable) used in ahead_pool's thread only */
	GThreadPool *ahead_pool;    /* (owned) (nullable) one thread, kept */
	GAsyncQueue *ahead_done;    /* (owned) (nullable) finished OroPrefetch jobs */
};

G_DEFINE_TYPE (CsOrocrmProvider, cs_orocrm_provider, CS_TYPE_PROVIDER)

static void
wipe_string (gchar **s)
{
	if (*s != NULL) {
		memset (*s, 0, strlen (*s));
		g_clear_pointer (s, g_free);
	}
}

static void
clear_context (CsOrocrmContext *ctx)
{
	g_clear_pointer (&ctx->country_names, g_hash_table_unref);
	g_clear_pointer (&ctx->country_codes, g_hash_table_unref);
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_clear_pointer (&ctx->custom[k], g_ptr_array_unref);
	g_clear_pointer (&ctx->owner, g_free);
	g_clear_pointer (&ctx->account_names, g_hash_table_unref);
}

static void
cs_orocrm_provider_close (CsProvider *provider)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	/* the pages asked for ahead count too */
	if (self->http != NULL)
		g_debug ("%" G_GUINT64_FORMAT " requests to %s",
			 cs_http_client_get_request_count (self->http) +
			     (self->ahead_http != NULL ? cs_http_client_get_request_count (self->ahead_http) : 0),
			 self->url);
	g_clear_object (&self->http);
	/* read_pages() takes every job it starts: none is running here */
	if (self->ahead_pool != NULL)
		g_thread_pool_free (g_steal_pointer (&self->ahead_pool), FALSE, TRUE);
	g_clear_pointer (&self->ahead_done, g_async_queue_unref);
	g_clear_object (&self->ahead_http);
	wipe_string (&self->secret);
	wipe_string (&self->token);
	clear_context (&self->ctx);
	for (guint k = 0; k < CS_KIND_LAST; k++)
		self->open_count[k] = -1;
}

static void
cs_orocrm_provider_finalize (GObject *object)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (object);
	cs_orocrm_provider_close (CS_PROVIDER (self));
	g_free (self->url);
	g_free (self->user);
	g_free (self->fingerprint);
	G_OBJECT_CLASS (cs_orocrm_provider_parent_class)->finalize (object);
}

static gboolean
cs_orocrm_provider_setup (CsProvider *provider, GKeyFile *profile, const gchar *group,
			  GError **error)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	static const gchar *keys[] = {"url", "user", "auth", "tls-fingerprint", "sweep-interval", NULL};
	g_autofree gchar *auth = NULL;
	g_autofree gchar *sweep = NULL;
	g_autoptr(CsHttpClient) probe = NULL;

	if (!cs_provider_check_keys (profile, group, keys, error))
		return FALSE;
	g_free (self->url);
	self->url = g_key_file_get_string (profile, group, "url", NULL);
	if (self->url == NULL || self->url[0] == '\0') {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] url= is missing (the OroCRM address, e.g. https://crm.example.com)"),
			     group);
		return FALSE;
	}
	probe = cs_http_client_new (self->url, error);
	if (probe == NULL) {
		g_prefix_error (error, "[%s] url=: ", group);
		return FALSE;
	}
	g_free (self->user);
	self->user = g_key_file_get_string (profile, group, "user", NULL);
	if (self->user == NULL || self->user[0] == '\0') {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] user= is missing (the OroCRM user name, or the OAuth client id)"),
			     group);
		return FALSE;
	}
	auth = g_key_file_get_string (profile, group, "auth", NULL);
	if (auth == NULL || g_strcmp0 (auth, "wsse") == 0) {
		self->auth = AUTH_WSSE;
	} else if (g_strcmp0 (auth, "oauth") == 0) {
		self->auth = AUTH_OAUTH;
	} else {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] auth=%s is not known (allowed: wsse, oauth)"), group, auth);
		return FALSE;
	}
	g_free (self->fingerprint);
	self->fingerprint = g_key_file_get_string (profile, group, "tls-fingerprint", NULL);
	if (self->fingerprint != NULL &&
	    !cs_http_client_set_tls_fingerprint (probe, self->fingerprint, error)) {
		g_prefix_error (error, "[%s] ", group);
		return FALSE;
	}
	/* how often a run lists every record to find deletions a count cannot
	 * see (see read_jsonapi) */
	sweep = g_key_file_get_string (profile, group, "sweep-interval", NULL);
	self->sweep_interval = SWEEP_INTERVAL;
	if (sweep != NULL) {
		guint64 v = 0;
		if (!g_ascii_string_to_unsigned (g_strstrip (sweep), 10, 0, 30 * 86400, &v, NULL)) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("[%s] sweep-interval=%s is not a number of seconds from 0 to 2592000 (30 days)"),
				     group, sweep);
			return FALSE;
		}
		self->sweep_interval = (gint64) v;
	}
	return TRUE;
}

static CsCaps
cs_orocrm_provider_get_caps (CsProvider *provider, CsKind kind)
{
	switch (kind) {
	case CS_KIND_CONTACT:
	case CS_KIND_TASK:
		return CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELETE | CS_CAP_DELTA | CS_CAP_BATCH;
	case CS_KIND_EVENT:
		return CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELETE;
	case CS_KIND_ORGANISATION:
	case CS_KIND_EMAIL:
	case CS_KIND_LAST:
	default:
		return 0;
	}
}

/* authentication: a fresh WSSE header for every attempt, or the bearer token */
static void
set_auth_headers (CsOrocrmProvider *self, SoupMessageHeaders *h)
{
	if (self->auth == AUTH_OAUTH) {
		g_autofree gchar *value = NULL;
		if (self->token == NULL) /* the token request itself */
			return;
		value = g_strdup_printf ("Bearer %s", self->token);
		soup_message_headers_replace (h, "Authorization", value);
	} else {
		guint8 nonce[16];
		g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
		g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
		g_autofree gchar *created = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S+00:00");
		g_autofree gchar *nonce64 = NULL;
		g_autofree gchar *digest64 = NULL;
		g_autofree gchar *header = NULL;
		guint8 digest[20];
		gsize dlen = sizeof (digest);

		/* a nonce must never repeat within the hour; 128 random bits */
		for (guint i = 0; i < sizeof (nonce); i += 4) {
			guint32 r = g_random_int ();
			memcpy (nonce + i, &r, 4);
		}
		g_checksum_update (sum, nonce, sizeof (nonce));
		g_checksum_update (sum, (const guchar *) created, -1);
		g_checksum_update (sum, (const guchar *) self->secret, -1);
		g_checksum_get_digest (sum, digest, &dlen);
		nonce64 = g_base64_encode (nonce, sizeof (nonce));
		digest64 = g_base64_encode (digest, dlen);
		header = g_strdup_printf ("UsernameToken Username=\"%s\", PasswordDigest=\"%s\", "
					  "Nonce=\"%s\", Created=\"%s\"",
					  self->user, digest64, nonce64, created);
		soup_message_headers_replace (h, "Authorization", "WSSE profile=\"UsernameToken\"");
		soup_message_headers_replace (h, "X-WSSE", header);
	}
}

static gboolean
prepare_cb (CsHttpClient *client, SoupMessage *msg, gpointer user_data, GError **error)
{
	set_auth_headers (CS_OROCRM_PROVIDER (user_data), soup_message_get_request_headers (msg));
	return TRUE;
}

static gboolean
fetch_token (CsOrocrmProvider *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) body = NULL;
	g_autoptr(CsHttpResponse) resp = NULL;
	g_autoptr(JsonNode) answer = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *token;

	wipe_string (&self->token);
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "grant_type");
	json_builder_add_string_value (b, "client_credentials");
	json_builder_set_member_name (b, "client_id");
	json_builder_add_string_value (b, self->user);
	json_builder_set_member_name (b, "client_secret");
	json_builder_add_string_value (b, self->secret);
	json_builder_end_object (b);
	body = json_builder_get_root (b);
	resp = cs_http_client_send_json (self->http, "POST", "/oauth2-token", NULL, "application/json",
					 body, cancellable, &error_local);
	if (resp == NULL) {
		if (g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH)) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
				     _("OroCRM at %s refused OAuth client “%s”; check the client id and secret"),
				     self->url, self->user);
			return FALSE;
		}
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	answer = cs_http_response_parse_json (resp, NULL);
	if (resp->status != 200) {
		g_autofree gchar *why = cs_orocrm_error_text (answer);
		g_set_error (error, CS_PROVIDER_ERROR,
			     resp->status == 400 || resp->status == 401 ? CS_PROVIDER_ERROR_AUTH
									: CS_PROVIDER_ERROR_INVALID,
			     _("OroCRM refused the OAuth client (%u: %s); check the client id and secret"),
			     resp->status, why);
		return FALSE;
	}
	token = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer)
		    ? cs_json_get_string_or (json_node_get_object (answer),
								  "access_token", NULL)
		    : NULL;
	if (token == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("%s/oauth2-token did not answer with an access token"), self->url);
		return FALSE;
	}
	self->token = g_strdup (token);
	return TRUE;
}

/**
 * oro_request:
 * @jsonapi: send and accept `application/vnd.api+json` (else plain JSON)
 * @json: (out) (optional) (nullable): the parsed answer
 *
 * One request with the client's retries; a bearer token that expired is
 * renewed once, and an answer that is cut off is asked for again (the
 * connection broke after the status line).
 *
 * Returns: (transfer full) (nullable): the response, any status
 */
static CsHttpResponse *
oro_send (CsOrocrmProvider *self, const gchar *method, const gchar *path, JsonNode *body,
	  gboolean jsonapi, GHashTable *extra_headers, JsonNode **json, CsJsonDoc **doc,
	  GCancellable *cancellable, GError **error)
{
	gboolean renewed = FALSE;

	for (guint attempt = 0;; attempt++) {
		g_autoptr(SoupMessageHeaders) h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
		g_autoptr(GError) error_local = NULL;
		g_autoptr(CsHttpResponse) resp = NULL;
		g_autoptr(JsonNode) parsed = NULL;
		g_autoptr(CsJsonDoc) parsed_doc = NULL;
		gconstpointer data;
		gboolean ok;
		gsize len = 0;

		soup_message_headers_replace (h, "Accept", jsonapi ? JSONAPI : "application/json");
		if (extra_headers != NULL) {
			GHashTableIter it;
			gpointer k, v;
			g_hash_table_iter_init (&it, extra_headers);
			while (g_hash_table_iter_next (&it, &k, &v))
				soup_message_headers_replace (h, k, v);
		}
		resp = cs_http_client_send_json (self->http, method, path, h,
						 jsonapi ? JSONAPI : "application/json", body,
						 cancellable, &error_local);
		if (resp == NULL) {
			if (self->auth == AUTH_OAUTH && !renewed &&
			    g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH) &&
			    self->token != NULL) {
				/* tokens live an hour; a long run outlives one */
				renewed = TRUE;
				if (!fetch_token (self, cancellable, error))
					return NULL;
				continue;
			}
			if (g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH))
				g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
					     self->auth == AUTH_WSSE
						 ? _("OroCRM at %s did not accept user “%s” with this API key; check the user and the API key")
						 : _("OroCRM at %s did not accept the OAuth token of client “%s”; check the client id and secret"),
					     self->url, self->user);
			else
				g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		data = g_bytes_get_data (resp->body, &len);
		/* a page of records as a document (see cs-json-doc.h); an answer
		 * that says why not stays a tree, for cs_orocrm_error_text() */
		if (len > 0 && resp->status < 300 && doc != NULL)
			ok = (parsed_doc = cs_json_doc_parse (data, (gssize) len, &error_local)) != NULL;
		else if (len > 0 && resp->status < 300)
			ok = (parsed = cs_http_response_parse_json (resp, &error_local)) != NULL;
		else if (len > 0)
			ok = (parsed = cs_http_response_parse_json (resp, NULL)) != NULL;
		else
			ok = TRUE;
		if (resp->status < 300 && !ok) {
			if (attempt < 3) {
				g_debug ("%s %s: %s; asking again", method, path, error_local->message);
				continue;
			}
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		if (json != NULL)
			*json = g_steal_pointer (&parsed);
		if (doc != NULL)
			*doc = g_steal_pointer (&parsed_doc);
		return g_steal_pointer (&resp);
	}
}

static CsHttpResponse *
oro_request (CsOrocrmProvider *self, const gchar *method, const gchar *path, JsonNode *body,
	     gboolean jsonapi, GHashTable *extra_headers, JsonNode **json,
	     GCancellable *cancellable, GError **error)
{
	return oro_send (self, method, path, body, jsonapi, extra_headers, json, NULL, cancellable,
			 error);
}

static gboolean
status_error (CsOrocrmProvider *self, CsHttpResponse *resp, JsonNode *json, const gchar *what,
	      GError **error)
{
	g_autofree gchar *why = cs_orocrm_error_text (json);
	gint code = resp->status == 404   ? CS_PROVIDER_ERROR_NOT_FOUND
		    : resp->status == 409 ? CS_PROVIDER_ERROR_CONFLICT
		    : resp->status == 403 ? CS_PROVIDER_ERROR_READ_ONLY
					  : CS_PROVIDER_ERROR_INVALID;
	g_set_error (error, CS_PROVIDER_ERROR, code, _("%s: OroCRM answered %u: %s"), what,
		     resp->status, why);
	return FALSE;
}

static void
discover_custom (CsOrocrmProvider *self, CsKind kind, JsonNode *page)
{
	JsonArray *data = JSON_NODE_HOLDS_OBJECT (page) ? cs_json_get_array (json_node_get_object (page), "data")
						      : NULL;
	JsonObject *first = data != NULL && json_array_get_length (data) > 0
				? cs_json_array_get_object (data, 0)
				: NULL;
	JsonObject *attrs = first != NULL ? cs_json_get_object (first, "attributes") : NULL;
	g_autoptr(GList) names = attrs != NULL ? json_object_get_members (attrs) : NULL;

	g_clear_pointer (&self->ctx.custom[kind], g_ptr_array_unref);
	self->ctx.custom[kind] = g_ptr_array_new_with_free_func (g_free);
	for (GList *l = names; l != NULL; l = l->next) {
		if (!cs_orocrm_is_builtin_attribute (kind, l->data))
			g_ptr_array_add (self->ctx.custom[kind], g_strdup (l->data));
	}
}

static gboolean
load_countries (CsOrocrmProvider *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(CsHttpResponse) resp = oro_request (self, "GET", "/api/countries?page%5Bsize%5D=-1",
						      NULL, TRUE, NULL, &json, cancellable, error);
	JsonArray *data;

	if (resp == NULL)
		return FALSE;
	if (resp->status != 200)
		return status_error (self, resp, json, _("reading the countries"), error);
	self->ctx.country_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	self->ctx.country_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	data = json != NULL && JSON_NODE_HOLDS_OBJECT (json)
		   ? cs_json_get_array (json_node_get_object (json), "data")
		   : NULL;
	for (guint i = 0; data != NULL && i < json_array_get_length (data); i++) {
		JsonObject *c = cs_json_array_get_object (data, i);
		const gchar *id = cs_json_get_string (c, "id");
		const gchar *name = cs_json_get_string (cs_json_get_object (c, "attributes"), "name");
		if (id == NULL)
			continue;
		if (name == NULL)
			name = id;
		g_hash_table_insert (self->ctx.country_names, g_strdup (id), g_strdup (name));
		g_hash_table_insert (self->ctx.country_codes, g_utf8_strdown (name, -1), g_strdup (id));
		g_hash_table_insert (self->ctx.country_codes, g_ascii_strdown (id, -1), g_strdup (id));
	}
	return TRUE;
}

static void op_fail_from_response (CsOrocrmProvider *self, CsWriteOp *op, CsHttpResponse *resp,
				   JsonNode *json);

/* the accounts' names, for a contact's company (the opt-in accountName row) */
static gboolean
load_accounts (CsOrocrmProvider *self, GCancellable *cancellable, GError **error)
{
	g_autoptr (JsonNode) json = NULL;
	g_autoptr(CsHttpResponse) resp = oro_request (self, "GET", "/api/accounts?page%5Bsize%5D=-1",
						      NULL, TRUE, NULL, &json, cancellable, error);
	JsonArray *data;

	if (resp == NULL)
		return FALSE;
	if (resp->status != 200)
		return status_error (self, resp, json, _("reading the accounts"), error);
	g_clear_pointer (&self->ctx.account_names, g_hash_table_unref);
	self->ctx.account_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	data = json != NULL && JSON_NODE_HOLDS_OBJECT (json)
		   ? cs_json_get_array (json_node_get_object (json), "data")
		   : NULL;
	for (guint i = 0; data != NULL && i < json_array_get_length (data); i++) {
		JsonObject *a = cs_json_array_get_object (data, i);
		const gchar *id = cs_json_get_string (a, "id");
		const gchar *name
			= cs_json_get_string (cs_json_get_object (a, "attributes"), "name");
		if (id != NULL && name != NULL)
			g_hash_table_insert (self->ctx.account_names, g_strdup (id), g_strdup (name));
	}
	return TRUE;
}

/*
 * The company rule for OroCRM (the opt-in accountName row): a contact joins
 * the account of that name (compared without case), created when there is
 * none, as webCRM's company rule does for organisations. The id goes into
 * the record for the contact's accounts relationship.
 */
static gboolean
resolve_account (CsOrocrmProvider *self, CsWriteOp *op, GCancellable *cancellable, GError **error)
{
	GVariant *v = cs_record_get_field (op->record, "accountName");
	g_autofree gchar *name = NULL;
	g_autofree gchar *folded = NULL;
	GHashTableIter iter;
	gpointer k, n;

	if (v == NULL)
		return TRUE;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		name = g_strstrip (g_strdup (g_variant_get_string (v, NULL)));
	if (name == NULL || name[0] == '\0') {
		cs_record_set_string (op->record, CS_OROCRM_ACCOUNT_ID_FIELD, "");
		return TRUE;
	}
	if (self->ctx.account_names == NULL && !load_accounts (self, cancellable, error))
		return FALSE;
	folded = g_utf8_casefold (name, -1);
	g_hash_table_iter_init (&iter, self->ctx.account_names);
	while (g_hash_table_iter_next (&iter, &k, &n)) {
		g_autofree gchar *f = g_utf8_casefold (n, -1);
		if (g_str_equal (f, folded)) {
			cs_record_set_string (op->record, CS_OROCRM_ACCOUNT_ID_FIELD, k);
			return TRUE;
		}
	}
	{
		g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
		g_autoptr(JsonNode) json = NULL;
		g_autoptr(CsHttpResponse) resp = NULL;
		JsonObject *doc = json_object_new ();
		JsonObject *data = json_object_new ();
		JsonObject *attrs = json_object_new ();
		const gchar *id;
		json_object_set_string_member (attrs, "name", name);
		json_object_set_string_member (data, "type", "accounts");
		json_object_set_object_member (data, "attributes", attrs);
		json_object_set_object_member (doc, "data", data);
		json_node_take_object (body, doc);
		resp = oro_request (self, "POST", "/api/accounts", body, TRUE, NULL, &json,
				    cancellable, error);
		if (resp == NULL)
			return FALSE;
		id = resp->status == 201 && json != NULL && JSON_NODE_HOLDS_OBJECT (json)
			 ? cs_json_get_string (cs_json_get_object (json_node_get_object (json), "data"),
					       "id")
			 : NULL;
		if (id == NULL) {
			op_fail_from_response (self, op, resp, json);
			return TRUE;
		}
		g_hash_table_insert (self->ctx.account_names, g_strdup (id), g_strdup (name));
		cs_record_set_string (op->record, CS_OROCRM_ACCOUNT_ID_FIELD, id);
	}
	return TRUE;
}

/**
 * cs_orocrm_provider_open:
 *
 * Authenticates and learns who the user is (the default calendar answers
 * with its owner), which custom fields contacts and tasks carry and the
 * country names.
 */
static gboolean
cs_orocrm_provider_open (CsProvider *provider, GCancellable *cancellable, GError **error)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(CsHttpResponse) resp = NULL;
	JsonObject *o;

	cs_orocrm_provider_close (provider);
	self->http = cs_http_client_new (self->url, error);
	if (self->http == NULL)
		return FALSE;
	if (!cs_http_client_set_tls_fingerprint (self->http, self->fingerprint, error))
		return FALSE;
	cs_http_client_set_prepare_func (self->http, prepare_cb, self);
	self->secret = cs_provider_get_secret (provider, "secret", error);
	if (self->secret == NULL)
		return FALSE;
	g_strstrip (self->secret);

	/* a wrong address should fail fast, not after minutes of back-off */
	cs_http_client_set_max_retries (self->http, 1);
	if (self->auth == AUTH_OAUTH && !fetch_token (self, cancellable, error)) {
		cs_orocrm_provider_close (provider);
		return FALSE;
	}
	resp = oro_request (self, "GET", "/api/rest/latest/calendars/default", NULL, FALSE, NULL,
			    &json, cancellable, error);
	cs_http_client_set_max_retries (self->http, 4);
	if (resp == NULL) {
		cs_orocrm_provider_close (provider);
		return FALSE;
	}
	o = json != NULL && JSON_NODE_HOLDS_OBJECT (json) ? json_node_get_object (json) : NULL;
	if (resp->status != 200 || o == NULL || !json_object_has_member (o, "owner")) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("%s does not answer like OroCRM (%u for /api/rest/latest/calendars/default); "
			       "check the URL (with OroCommerce it ends in /admin)"),
			     self->url, resp->status);
		cs_orocrm_provider_close (provider);
		return FALSE;
	}
	self->calendar = cs_json_get_int (o, "calendar", 0);
	self->ctx.owner = g_strdup_printf ("%" G_GINT64_FORMAT,
					   cs_json_get_int (o, "owner", 0));
	for (guint i = 0; i < 2; i++) {
		CsKind kind = i == 0 ? CS_KIND_CONTACT : CS_KIND_TASK;
		g_autoptr(JsonNode) page = NULL;
		g_autoptr(GHashTable) headers = g_hash_table_new (g_str_hash, g_str_equal);
		g_autoptr(CsHttpResponse) r = NULL;
		const gchar *count;

		/* counted too: the read's count of the kind (deletions) is this one */
		g_hash_table_insert (headers, (gpointer) "X-Include", (gpointer) "totalCount");
		r = oro_request (self, "GET",
				 kind == CS_KIND_CONTACT ? "/api/contacts?page%5Bsize%5D=1"
							 : "/api/tasks?page%5Bsize%5D=1",
				 NULL, TRUE, headers, &page, cancellable, error);
		if (r == NULL) {
			cs_orocrm_provider_close (provider);
			return FALSE;
		}
		if (r->status != 200 || page == NULL || !JSON_NODE_HOLDS_OBJECT (page)) {
			status_error (self, r, page, kind == CS_KIND_CONTACT ? _("reading contacts") : _("reading tasks"),
				      error);
			cs_orocrm_provider_close (provider);
			return FALSE;
		}
		discover_custom (self, kind, page);
		count = cs_http_response_get_header (r, "X-Include-Total-Count");
		self->open_count[kind] =
		    count != NULL && g_ascii_isdigit (count[0]) ? g_ascii_strtoll (count, NULL, 10) : -1;
	}
	if (!load_countries (self, cancellable, error)) {
		cs_orocrm_provider_close (provider);
		return FALSE;
	}
	return TRUE;
}

static gchar *
cs_orocrm_provider_whoami (CsProvider *provider, GCancellable *cancellable, GError **error)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	if (self->ctx.owner == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("the OroCRM connection is not open"));
		return NULL;
	}
	return g_strdup (self->ctx.owner);
}

static CsSchema *
cs_orocrm_provider_get_schema (CsProvider *provider, CsKind kind, GError **error)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	CsSchema *schema = cs_schema_load_builtin ("orocrm", kind, error);
	GPtrArray *custom = self->ctx.custom[kind];

	if (schema == NULL)
		return NULL;
	for (guint i = 0; custom != NULL && i < custom->len; i++) {
		CsFieldSpec *spec;
		if (cs_schema_lookup (schema, custom->pdata[i]) != NULL)
			continue;
		spec = cs_field_spec_new (custom->pdata[i], custom->pdata[i], CS_FIELD_STRING);
		spec->custom = TRUE;
		cs_schema_add_field (schema, spec);
	}
	return schema;
}

/* reading */

static const gchar *
kind_type (CsKind kind)
{
	return kind == CS_KIND_CONTACT ? "contacts" : "tasks";
}

typedef struct {
	gchar *watermark;	/* (owned) (nullable) max updatedAt seen */
	GHashTable *seen;	/* (owned) ids read in this call */
	gint64 total;		/* what Oro counted for the listing's first page; -1 = not told */
} ReadState;

static void
note_updated (ReadState *rs, const CsJsonVal *resource)
{
	const gchar *u = cs_json_val_string (cs_json_val_object (resource, "attributes"), "updatedAt");
	if (u != NULL && (rs->watermark == NULL || g_strcmp0 (u, rs->watermark) > 0)) {
		g_free (rs->watermark);
		rs->watermark = g_strdup (u);
	}
}

/* pages of a JSON:API listing, each record into the sink */
guint
cs_orocrm_read_page (CsOrocrmContext *ctx, CsKind kind, const CsJsonVal *root, CsReadSink *sink,
		     gchar **watermark, GHashTable *seen, const gchar **next)
{
	g_autoptr(GHashTable) addresses = g_hash_table_new (g_str_hash, g_str_equal);
	ReadState rs = {*watermark, seen, -1};
	const CsJsonVal *data = cs_json_val_array (root, "data");
	const CsJsonVal *included = cs_json_val_array (root, "included");
	guint done = 0;

	for (const CsJsonVal *inc = cs_json_val_first (included); inc != NULL;
	     inc = cs_json_val_next (included, inc)) {
		const gchar *id = cs_json_val_string (inc, "id");
		if (id != NULL && g_strcmp0 (cs_json_val_string (inc, "type"), "contactaddresses") == 0)
			g_hash_table_insert (addresses, (gpointer) id, (gpointer) inc);
	}
	for (const CsJsonVal *res = cs_json_val_first (data); res != NULL; res = cs_json_val_next (data, res)) {
		/* not an object: a record without an id */
		g_autoptr(CsRecord) r = kind == CS_KIND_CONTACT
					    ? cs_orocrm_contact_from_json (ctx, res, addresses)
					    : cs_orocrm_task_from_json (ctx, res);
		if (cs_record_get_id (r) == NULL) {
			cs_read_sink_skip (sink, NULL, _("a record without an id"));
			continue;
		}
		note_updated (&rs, res);
		if (rs.seen != NULL)
			g_hash_table_add (rs.seen, g_strdup (cs_record_get_id (r)));
		cs_read_sink_add (sink, r);
		done++;
	}
	*watermark = rs.watermark;
	*next = cs_json_val_string (cs_json_val_object (root, "links"), "next");
	return done;
}

/*
 * Reading ahead. A first sync plans and writes each page's records (to
 * Outlook) before it asks for the next page, so the server and we took
 * turns. Now the next page is asked for as soon as this one is parsed, and
 * OroCRM prepares it while we work: one request, on a connection of its
 * own, from one thread kept for it, its authentication made here before it
 * goes. Whatever is not a clean page (no answer, a status but 200, text that
 * is not JSON) is dropped and the page asked for again the usual way, with
 * retries, token renewal and the error a person reads; so a page is never
 * lost and a failure never reported twice. The thread also parses the page,
 * which takes that work off this one.
 */
typedef struct {
	gchar *path;
	SoupMessageHeaders *headers;
	GCancellable *cancellable; /* (nullable) */
	CsHttpResponse *resp;	   /* (nullable) */
	CsJsonDoc *doc;		   /* (nullable) */
} OroPrefetch;

static void
prefetch_free (OroPrefetch *pf)
{
	g_free (pf->path);
	soup_message_headers_unref (pf->headers);
	g_clear_object (&pf->cancellable);
	g_clear_pointer (&pf->resp, cs_http_response_free);
	g_clear_pointer (&pf->doc, cs_json_doc_free);
	g_free (pf);
}

static void
prefetch_run (gpointer data, gpointer user_data)
{
	OroPrefetch *pf = data;
	CsOrocrmProvider *self = user_data;

	pf->resp = cs_http_client_send (self->ahead_http, "GET", pf->path, pf->headers, JSONAPI,
					NULL, pf->cancellable, NULL);
	if (pf->resp != NULL && pf->resp->status == 200) {
		gsize len = 0;
		const gchar *text = g_bytes_get_data (pf->resp->body, &len);
		pf->doc = cs_json_doc_parse (text, (gssize) len, NULL);
	}
	g_async_queue_push (self->ahead_done, pf);
}

/* asks for @path in the reading thread; NULL where that cannot be set up
 * (the page is then asked for when it is due) */
static OroPrefetch *
prefetch_start (CsOrocrmProvider *self, const gchar *path, GHashTable *extra_headers,
		GCancellable *cancellable)
{
	OroPrefetch *pf;
	GHashTableIter it;
	gpointer k, v;

	if (self->ahead_pool == NULL) {
		g_autoptr(CsHttpClient) http = cs_http_client_new (self->url, NULL);
		if (http == NULL || !cs_http_client_set_tls_fingerprint (http, self->fingerprint, NULL))
			return NULL;
		/* one attempt: the usual path does the retrying */
		cs_http_client_set_max_retries (http, 0);
		self->ahead_pool = g_thread_pool_new (prefetch_run, self, 1, TRUE, NULL);
		if (self->ahead_pool == NULL)
			return NULL;
		self->ahead_http = g_steal_pointer (&http);
		self->ahead_done = g_async_queue_new ();
	}
	pf = g_new0 (OroPrefetch, 1);
	pf->path = g_strdup (path);
	pf->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
	pf->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
	soup_message_headers_replace (pf->headers, "Accept", JSONAPI);
	g_hash_table_iter_init (&it, extra_headers);
	while (g_hash_table_iter_next (&it, &k, &v))
		soup_message_headers_replace (pf->headers, k, v);
	set_auth_headers (self, pf->headers);
	if (!g_thread_pool_push (self->ahead_pool, pf, NULL)) {
		prefetch_free (pf);
		return NULL;
	}
	return pf;
}

/* waits for @pf; a clean page goes to @resp and @doc, anything else away */
static void
prefetch_take (CsOrocrmProvider *self, OroPrefetch *pf, CsHttpResponse **resp, CsJsonDoc **doc)
{
	OroPrefetch *done = g_async_queue_pop (self->ahead_done);

	g_assert (done == pf);
	if (pf->doc != NULL && cs_json_val_is (cs_json_doc_get_root (pf->doc), CS_JSON_OBJECT)) {
		*resp = g_steal_pointer (&pf->resp);
		*doc = g_steal_pointer (&pf->doc);
	} else if (pf->resp != NULL) {
		g_debug ("GET %s ahead: answered %u; asking again", pf->path, pf->resp->status);
	}
	prefetch_free (pf);
}

static gboolean
read_pages (CsOrocrmProvider *self, CsKind kind, const gchar *query, CsReadSink *sink,
	    ReadState *rs, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *path = g_strdup_printf ("/api/%s?%s%spage%%5Bsize%%5D=%u%s", kind_type (kind),
						  query != NULL ? query : "", query != NULL ? "&" : "",
						  PAGE_SIZE, kind == CS_KIND_CONTACT ? "&include=addresses" : "");
	g_autoptr(GHashTable) headers = g_hash_table_new (g_str_hash, g_str_equal);
	guint done = 0, total = 0;
	/* taken at the top of the next round; no return comes between */
	OroPrefetch *ahead = NULL;

	g_hash_table_insert (headers, (gpointer) "X-Include", (gpointer) "totalCount");
	while (path != NULL) {
		g_autoptr(JsonNode) json = NULL;
		g_autoptr(CsJsonDoc) doc = NULL;
		g_autoptr(CsHttpResponse) resp = NULL;
		const gchar *count, *next = NULL;

		if (ahead != NULL)
			prefetch_take (self, g_steal_pointer (&ahead), &resp, &doc);
		if (resp == NULL)
			resp = oro_send (self, "GET", path, NULL, TRUE, headers, &json, &doc, cancellable,
					 error);
		if (resp == NULL)
			return FALSE;
		if (resp->status != 200 || !cs_json_val_is (cs_json_doc_get_root (doc), CS_JSON_OBJECT))
			return status_error (self, resp, json, path, error);
		/* asked for before this page's records go to the sink (and are
		 * planned and written there) */
		next = cs_json_val_string (cs_json_val_object (cs_json_doc_get_root (doc), "links"), "next");
		if (next != NULL)
			ahead = prefetch_start (self, next, headers, cancellable);
		count = cs_http_response_get_header (resp, "X-Include-Total-Count");
		if (count != NULL) {
			total = (guint) g_ascii_strtoull (count, NULL, 10);
			if (rs->total < 0)
				rs->total = (gint64) total;
		}
		done += cs_orocrm_read_page (&self->ctx, kind, cs_json_doc_get_root (doc), sink,
					     &rs->watermark, rs->seen, &next);
		cs_read_sink_progress (sink, done, MAX (done, total));
		g_clear_pointer (&path, g_free);
		path = g_strdup (next);
	}
	return TRUE;
}

/*
 * Deletions without listing every id on every run. The cursor is
 * `oro2;WATERMARK;COUNT;MAXID;SWEPT`: the newest updatedAt seen, how many
 * records of the kind existed after the run (the run's own creates and
 * deletes included, see cursor_after_write), the highest id then known and
 * when the last full listing was made (unix seconds).
 *
 * Oro's ids are auto-increment integers, so a record read by the delta with
 * an id above MAXID is new, and one at or below it was counted already. Then
 * COUNT + new ones must equal what Oro counts now; any difference (a deletion,
 * with or without a creation beside it) turns the read into a full listing,
 * where the engine sees what is gone. What a count cannot see — a record
 * deleted while another one, known to Oro but not to us, came into view — the
 * full listing every sweep-interval seconds (the profile's [crm]
 * sweep-interval=, default a day) finds.
 */

static gint64
oro_id (const gchar *id)
{
	gchar *end = NULL;
	gint64 v;
	if (id == NULL || !g_ascii_isdigit (id[0]))
		return -1;
	v = g_ascii_strtoll (id, &end, 10);
	return end != NULL && *end == '\0' ? v : -1;
}

typedef struct {
	gchar *watermark;
	gint64 count;
	gint64 max_id;
	gint64 swept;
} OroCursor;

static gboolean
cursor_parse (const gchar *text, OroCursor *c)
{
	g_auto(GStrv) parts = text != NULL ? g_strsplit (text, ";", 6) : NULL;
	if (parts == NULL || g_strv_length (parts) != 5 || g_strcmp0 (parts[0], CURSOR_VERSION) != 0 ||
	    parts[1][0] == '\0')
		return FALSE;
	c->count = g_ascii_strtoll (parts[2], NULL, 10);
	c->max_id = g_ascii_strtoll (parts[3], NULL, 10);
	c->swept = g_ascii_strtoll (parts[4], NULL, 10);
	if (c->count < 0 || c->max_id < 0)
		return FALSE;
	c->watermark = g_strdup (parts[1]);
	return TRUE;
}

static gchar *
cursor_format (const OroCursor *c)
{
	return g_strdup_printf (CURSOR_VERSION ";%s;%" G_GINT64_FORMAT ";%" G_GINT64_FORMAT
				";%" G_GINT64_FORMAT,
				c->watermark != NULL ? c->watermark : "1970-01-01T00:00:00Z", c->count,
				c->max_id, c->swept);
}

/* how many records of the kind Oro has now: one request, one record */
static gboolean
count_records (CsOrocrmProvider *self, CsKind kind, gint64 *count, GCancellable *cancellable,
	       GError **error)
{
	g_autofree gchar *path = g_strdup_printf ("/api/%s?fields%%5B%s%%5D=id&page%%5Bsize%%5D=1",
						  kind_type (kind), kind_type (kind));
	g_autoptr(GHashTable) headers = g_hash_table_new (g_str_hash, g_str_equal);
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(CsHttpResponse) resp = NULL;
	const gchar *text;

	g_hash_table_insert (headers, (gpointer) "X-Include", (gpointer) "totalCount;noHateoas");
	resp = oro_request (self, "GET", path, NULL, TRUE, headers, &json, cancellable, error);
	if (resp == NULL)
		return FALSE;
	if (resp->status != 200 || json == NULL || !JSON_NODE_HOLDS_OBJECT (json))
		return status_error (self, resp, json, path, error);
	text = cs_http_response_get_header (resp, "X-Include-Total-Count");
	/* no count (a proxy that drops the header): only a full listing can tell */
	*count = text != NULL && g_ascii_isdigit (text[0]) ? g_ascii_strtoll (text, NULL, 10) : -1;
	return TRUE;
}

static gboolean
read_jsonapi (CsOrocrmProvider *self, CsKind kind, const gchar *cursor, CsReadSink *sink,
	      GCancellable *cancellable, GError **error)
{
	OroCursor c = {0};
	ReadState rs = {NULL, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), -1};
	gint64 now = g_get_real_time () / G_USEC_PER_SEC;
	gboolean full = !cursor_parse (cursor, &c);
	gboolean ok = FALSE;
	g_autofree gchar *new_cursor = NULL;
	/* good for the first read after open() only */
	gint64 opened = self->open_count[kind];

	self->open_count[kind] = -1;

	if (!full && self->sweep_interval >= 0 && now - c.swept >= self->sweep_interval) {
		g_debug ("%s: the last full listing is %" G_GINT64_FORMAT " s old; listing all",
			 kind_type (kind), now - c.swept);
		full = TRUE;
	}
	if (!full) {
		g_autofree gchar *since = g_uri_escape_string (c.watermark, NULL, TRUE);
		g_autofree gchar *q = g_strdup_printf ("filter%%5BupdatedAt%%5D%%5Bgte%%5D=%s&sort=id", since);
		gint64 listed = -1, fresh = 0, max_id = c.max_id;
		GHashTableIter it;
		gpointer k;

		rs.watermark = g_strdup (c.watermark);
		if (!read_pages (self, kind, q, sink, &rs, cancellable, error))
			goto out;
		/* an address has its own updatedAt: re-read the contacts whose
		 * addresses changed */
		if (kind == CS_KIND_CONTACT) {
			g_autofree gchar *aq = g_strdup_printf (
			    "/api/contactaddresses?filter%%5BupdatedAt%%5D%%5Bgte%%5D=%s"
			    "&fields%%5Bcontactaddresses%%5D=owner&page%%5Bsize%%5D=-1", since);
			g_autoptr(JsonNode) json = NULL;
			g_autoptr(CsHttpResponse) resp = oro_request (self, "GET", aq, NULL, TRUE, NULL, &json,
								      cancellable, error);
			JsonArray *data;
			g_autoptr(GPtrArray) owners = g_ptr_array_new_with_free_func (g_free);
			if (resp == NULL)
				goto out;
			if (resp->status != 200 || json == NULL || !JSON_NODE_HOLDS_OBJECT (json)) {
				status_error (self, resp, json, aq, error);
				goto out;
			}
			data = cs_json_get_array (json_node_get_object (json), "data");
			for (guint i = 0; data != NULL && i < json_array_get_length (data); i++) {
				JsonObject *a = cs_json_array_get_object (data, i);
				JsonObject *rel = cs_json_get_object (
				    cs_json_get_object (a, "relationships"), "owner");
				JsonObject *d = rel != NULL && JSON_NODE_HOLDS_OBJECT (json_object_get_member (rel, "data"))
						    ? cs_json_get_object (rel, "data")
						    : NULL;
				const gchar *cid = d != NULL ? cs_json_get_string (d, "id") : NULL;
				if (cid != NULL && !g_hash_table_contains (rs.seen, cid)) {
					g_hash_table_add (rs.seen, g_strdup (cid));
					g_ptr_array_add (owners, g_strdup (cid));
				}
			}
			for (guint i = 0; i < owners->len; i += BATCH_SIZE) {
				g_autoptr(GString) q2 = g_string_new ("filter%5Bid%5D=");
				for (guint j = i; j < owners->len && j < i + BATCH_SIZE; j++)
					g_string_append_printf (q2, "%s%s", j > i ? "," : "", (gchar *) owners->pdata[j]);
				if (!read_pages (self, kind, q2->str, sink, &rs, cancellable, error))
					goto out;
			}
		}
		/* counted when the connection opened (open() looks at one
		 * record of the kind anyway), else now, after the delta. Before
		 * or after, no deletion is hidden: a record made between count and
		 * delta makes the counts differ (a full listing); one deleted
		 * between them is still counted here, and the next run's count
		 * is one short of it */
		if (opened >= 0)
			listed = opened;
		else if (!count_records (self, kind, &listed, cancellable, error))
			goto out;
		g_hash_table_iter_init (&it, rs.seen);
		while (g_hash_table_iter_next (&it, &k, NULL)) {
			gint64 id = oro_id (k);
			if (id < 0) {
				fresh = -1; /* not Oro's ids: only a full listing can tell */
				break;
			}
			if (id > c.max_id)
				fresh++;
			max_id = MAX (max_id, id);
		}
		if (fresh < 0 || listed < 0 || listed != c.count + fresh) {
			g_debug ("%s: %" G_GINT64_FORMAT " listed, %" G_GINT64_FORMAT
				 " known and %" G_GINT64_FORMAT " new; listing all",
				 kind_type (kind), listed, c.count, fresh);
			/* what the delta put in the sink is read again below */
			cs_read_sink_clear (sink);
			g_hash_table_remove_all (rs.seen);
			g_clear_pointer (&rs.watermark, g_free);
			rs.total = -1;
			full = TRUE;
		} else {
			c.count = listed;
			c.max_id = max_id;
		}
	}
	if (full) {
		GHashTableIter it;
		gpointer k;
		cs_read_sink_set_complete (sink, TRUE);
		if (!read_pages (self, kind, "sort=id", sink, &rs, cancellable, error))
			goto out;
		/* counted as the count request counts (a record without an id
		 * is listed as a skip, but Oro counts it) */
		c.count = rs.total >= 0 ? rs.total : g_hash_table_size (rs.seen);
		c.max_id = 0;
		c.swept = now;
		g_hash_table_iter_init (&it, rs.seen);
		while (g_hash_table_iter_next (&it, &k, NULL))
			c.max_id = MAX (c.max_id, oro_id (k));
	}
	g_free (c.watermark);
	c.watermark = g_strdup (rs.watermark != NULL ? rs.watermark : "1970-01-01T00:00:00Z");
	new_cursor = cursor_format (&c);
	cs_read_sink_set_cursor (sink, new_cursor);
	ok = TRUE;
out:
	g_free (c.watermark);
	g_free (rs.watermark);
	g_hash_table_unref (rs.seen);
	return ok;
}

/* the run's own creates and deletes, so that the next count agrees with
 * them: a record made here and deleted in Oro before the next run then makes
 * the counts differ */
static gchar *
cs_orocrm_provider_cursor_after_write (CsProvider *provider, CsKind kind, const gchar *cursor,
				       GPtrArray *ops)
{
	OroCursor c = {0};
	gchar *next;
	if (kind == CS_KIND_EVENT || !cursor_parse (cursor, &c))
		return NULL;
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		if (op->error != NULL)
			continue;
		if (op->action == CS_WRITE_CREATE) {
			c.count++;
			c.max_id = MAX (c.max_id, oro_id (op->id));
		} else if (op->action == CS_WRITE_DELETE && c.count > 0) {
			c.count--;
		}
	}
	next = cursor_format (&c);
	g_free (c.watermark);
	return next;
}

guint
cs_orocrm_read_event_page (CsOrocrmContext *ctx, JsonArray *events, CsReadSink *sink)
{
	guint done = 0;
	for (guint i = 0; i < json_array_get_length (events); i++) {
		JsonObject *e = cs_json_array_get_object (events, i);
		g_autoptr(CsRecord) r = NULL;
		if (e == NULL || !json_object_has_member (e, "id")) {
			cs_read_sink_skip (sink, NULL, _("an event without an id"));
			continue;
		}
		/* exceptions of a recurring series are part of their series */
		if (json_object_has_member (e, "recurringEventId") &&
		    !JSON_NODE_HOLDS_NULL (json_object_get_member (e, "recurringEventId")))
			continue;
		r = cs_orocrm_event_from_json (ctx, e);
		cs_read_sink_add (sink, r);
		done++;
	}
	return done;
}

static gboolean
read_events (CsOrocrmProvider *self, CsReadSink *sink, GCancellable *cancellable, GError **error)
{
	guint done = 0;
	cs_read_sink_set_complete (sink, TRUE);
	for (guint page = 1;; page++) {
		g_autofree gchar *path = g_strdup_printf (
		    "/api/rest/latest/calendarevents?calendar=%" G_GINT64_FORMAT "&page=%u&limit=%u",
		    self->calendar, page, EVENT_PAGE);
		g_autoptr(JsonNode) json = NULL;
		g_autoptr(CsHttpResponse) resp = oro_request (self, "GET", path, NULL, FALSE, NULL, &json,
							      cancellable, error);
		JsonArray *events;
		if (resp == NULL)
			return FALSE;
		if (resp->status != 200 || json == NULL || !JSON_NODE_HOLDS_ARRAY (json))
			return status_error (self, resp, json, path, error);
		events = json_node_get_array (json);
		done += cs_orocrm_read_event_page (&self->ctx, events, sink);
		cs_read_sink_progress (sink, done, done);
		if (json_array_get_length (events) < EVENT_PAGE)
			break;
	}
	return TRUE;
}

static gboolean
cs_orocrm_provider_read_changes (CsProvider *provider, CsKind kind, const gchar *cursor,
				 CsReadSink *sink, GCancellable *cancellable, GError **error)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	if (self->http == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("the OroCRM connection is not open"));
		return FALSE;
	}
	if (kind == CS_KIND_EVENT)
		return read_events (self, sink, cancellable, error);
	/* a contact's company is the name of its account */
	if (kind == CS_KIND_CONTACT && !load_accounts (self, cancellable, error))
		return FALSE;
	return read_jsonapi (self, kind, cursor, sink, cancellable, error);
}

/* writing */

static void
op_fail_from_response (CsOrocrmProvider *self, CsWriteOp *op, CsHttpResponse *resp, JsonNode *json)
{
	g_autoptr(GError) e = NULL;
	status_error (self, resp, json, cs_write_action_to_string (op->action), &e);
	cs_write_op_take_error (op, g_steal_pointer (&e));
}

static JsonObject *
resource_for_op (CsOrocrmProvider *self, CsKind kind, CsWriteOp *op, const gchar *temp_id)
{
	JsonObject *res;
	if (kind == CS_KIND_CONTACT) {
		res = json_object_new ();
		json_object_set_string_member (res, "type", "contacts");
		json_object_set_object_member (res, "attributes",
					       cs_orocrm_contact_to_json (&self->ctx, op->record));
		if (cs_record_get_string (op->record, CS_OROCRM_ACCOUNT_ID_FIELD) != NULL) {
			const gchar *aid
				= cs_record_get_string (op->record, CS_OROCRM_ACCOUNT_ID_FIELD);
			JsonObject *rels = json_object_new ();
			JsonObject *rel = json_object_new ();
			JsonArray *a = json_array_new ();
			if (aid[0] != '\0') {
				JsonObject *l = json_object_new ();
				json_object_set_string_member (l, "type", "accounts");
				json_object_set_string_member (l, "id", aid);
				json_array_add_object_element (a, l);
			}
			json_object_set_array_member (rel, "data", a);
			json_object_set_object_member (rels, "accounts", rel);
			json_object_set_object_member (res, "relationships", rels);
		}
	} else {
		res = cs_orocrm_task_to_json (&self->ctx, op->record, op->action == CS_WRITE_CREATE);
	}
	if (op->action == CS_WRITE_UPDATE) {
		JsonObject *meta = json_object_new ();
		json_object_set_boolean_member (meta, "update", TRUE);
		json_object_set_object_member (res, "meta", meta);
		json_object_set_string_member (res, "id", cs_record_get_id (op->record));
	} else if (temp_id != NULL) {
		json_object_set_string_member (res, "id", temp_id);
	}
	return res;
}

/* one op alone: finds which op of a refused batch is wrong */
/* a stored record without its id would be created again by the next sync */
static void
done_with_id (CsWriteOp *op, const gchar *id)
{
	if (id == NULL && op->action == CS_WRITE_UPDATE)
		id = cs_record_get_id (op->record);
	if (id == NULL || id[0] == '\0') {
		cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				       _("OroCRM stored the record but did not say its id"));
		return;
	}
	cs_write_op_set_done (op, id, NULL);
}

static gboolean
write_one (CsOrocrmProvider *self, CsKind kind, CsWriteOp *op, GCancellable *cancellable,
	   GError **error)
{
	g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
	JsonObject *doc = json_object_new ();
	JsonObject *res = resource_for_op (self, kind, op, NULL);
	g_autofree gchar *path = NULL;
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(CsHttpResponse) resp = NULL;

	json_object_remove_member (res, "meta");
	json_object_set_object_member (doc, "data", res);
	json_node_take_object (body, doc);
	if (op->action == CS_WRITE_UPDATE)
		path = g_strdup_printf ("/api/%s/%s", kind_type (kind), cs_record_get_id (op->record));
	else
		path = g_strdup_printf ("/api/%s", kind_type (kind));
	resp = oro_request (self, op->action == CS_WRITE_UPDATE ? "PATCH" : "POST", path, body, TRUE,
			    NULL, &json, cancellable, error);
	if (resp == NULL)
		return FALSE;
	if (resp->status != 200 && resp->status != 201) {
		op_fail_from_response (self, op, resp, json);
		return TRUE;
	}
	done_with_id (op, json != NULL && JSON_NODE_HOLDS_OBJECT (json)
				  ? cs_json_get_string (cs_json_get_object (json_node_get_object (json), "data"), "id")
				  : NULL);
	return TRUE;
}

/* creates and updates of up to BATCH_SIZE ops in one synchronous batch */
static gboolean
write_batch (CsOrocrmProvider *self, CsKind kind, GPtrArray *ops, GCancellable *cancellable,
	     GError **error)
{
	g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
	JsonObject *doc = json_object_new ();
	JsonArray *data = json_array_new ();
	g_autoptr(GHashTable) headers = g_hash_table_new (g_str_hash, g_str_equal);
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(CsHttpResponse) resp = NULL;
	g_autofree gchar *path = g_strdup_printf ("/api/%s", kind_type (kind));
	JsonArray *answer;

	for (guint i = 0; i < ops->len; i++) {
		g_autofree gchar *temp = g_strdup_printf ("new%u", i);
		json_array_add_object_element (data, resource_for_op (self, kind, ops->pdata[i], temp));
	}
	json_object_set_array_member (doc, "data", data);
	json_node_take_object (body, doc);
	g_hash_table_insert (headers, (gpointer) "X-Mode", (gpointer) "sync");
	resp = oro_request (self, "PATCH", path, body, TRUE, headers, &json, cancellable, error);
	if (resp == NULL)
		return FALSE;
	if (resp->status == 400 || resp->status == 404 || resp->status == 409 || resp->status == 403) {
		/* all or nothing: nothing was stored; one by one tells whose fault */
		for (guint i = 0; i < ops->len; i++) {
			if (!write_one (self, kind, ops->pdata[i], cancellable, error))
				return FALSE;
		}
		return TRUE;
	}
	if (resp->status != 200 || json == NULL || !JSON_NODE_HOLDS_OBJECT (json))
		return status_error (self, resp, json, path, error);
	answer = cs_json_get_array (json_node_get_object (json), "data");
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = ops->pdata[i];
		JsonObject *res = answer != NULL && i < json_array_get_length (answer)
				      ? cs_json_array_get_object (answer, i)
				      : NULL;
		if (res == NULL) {
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					       _("OroCRM's batch answer lacks item %u"), i);
			continue;
		}
		done_with_id (op, cs_json_get_string (res, "id"));
	}
	return TRUE;
}

static gboolean
delete_ids (CsOrocrmProvider *self, const gchar *type, GPtrArray *ids, GCancellable *cancellable,
	    GError **error)
{
	for (guint i = 0; i < ids->len; i += BATCH_SIZE) {
		g_autoptr(GString) path = g_string_new (NULL);
		g_autoptr(JsonNode) json = NULL;
		g_autoptr(CsHttpResponse) resp = NULL;
		g_string_printf (path, "/api/%s?filter%%5Bid%%5D=", type);
		for (guint j = i; j < ids->len && j < i + BATCH_SIZE; j++)
			g_string_append_printf (path, "%s%s", j > i ? "," : "", (gchar *) ids->pdata[j]);
		resp = oro_request (self, "DELETE", path->str, NULL, TRUE, NULL, &json, cancellable, error);
		if (resp == NULL)
			return FALSE;
		if (resp->status != 204 && resp->status != 200)
			return status_error (self, resp, json, path->str, error);
	}
	return TRUE;
}

/* the full wanted state of a contact: what was read, with the changes. A
 * contact this run did not read (only Outlook changed) starts from its
 * addresses as Oro has them (@have: prefix → resource), else changing one
 * part of an address would empty the others */
static CsRecord *
merged_record (CsOrocrmProvider *self, CsWriteOp *op, GHashTable *have)
{
	CsRecord *m = op->current != NULL ? cs_record_copy (op->current) : cs_record_new (CS_KIND_CONTACT, NULL);
	g_autoptr(GPtrArray) names = cs_record_get_field_names (op->record);
	GHashTableIter iter;
	gpointer prefix, address;
	if (op->current == NULL && have != NULL) {
		g_hash_table_iter_init (&iter, have);
		while (g_hash_table_iter_next (&iter, &prefix, &address)) {
			g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), address);
			g_autoptr(CsJsonDoc) doc = cs_json_doc_new_from_node (node);
			cs_orocrm_address_flatten (&self->ctx, m, prefix, cs_json_doc_get_root (doc));
		}
	}
	for (guint i = 0; i < names->len; i++)
		cs_record_set_field (m, names->pdata[i],
				     g_variant_ref (cs_record_get_field (op->record, names->pdata[i])));
	return m;
}

/* a contact's addresses by flattened prefix (billing, shipping, other) */
static GHashTable *
existing_addresses (CsOrocrmProvider *self, GPtrArray *contact_ids, GCancellable *cancellable,
		    GError **error)
{
	/* contact id → GHashTable prefix → contactaddresses resource */
	g_autoptr(GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
							   (GDestroyNotify) g_hash_table_unref);
	for (guint i = 0; i < contact_ids->len; i += BATCH_SIZE) {
		g_autoptr(GString) path = g_string_new ("/api/contactaddresses?page%5Bsize%5D=-1&filter%5Bowner%5D=");
		g_autoptr(JsonNode) json = NULL;
		g_autoptr(CsHttpResponse) resp = NULL;
		JsonArray *data;
		for (guint j = i; j < contact_ids->len && j < i + BATCH_SIZE; j++)
			g_string_append_printf (path, "%s%s", j > i ? "," : "", (gchar *) contact_ids->pdata[j]);
		resp = oro_request (self, "GET", path->str, NULL, TRUE, NULL, &json, cancellable, error);
		if (resp == NULL)
			return NULL;
		if (resp->status != 200 || json == NULL || !JSON_NODE_HOLDS_OBJECT (json)) {
			status_error (self, resp, json, path->str, error);
			return NULL;
		}
		data = cs_json_get_array (json_node_get_object (json), "data");
		for (guint k = 0; data != NULL && k < json_array_get_length (data); k++) {
			JsonObject *a = cs_json_array_get_object (data, k);
			JsonObject *rels = cs_json_get_object (a, "relationships");
			JsonObject *owner = cs_json_get_object (cs_json_get_object (rels, "owner"), "data");
			JsonArray *types = cs_json_get_array (cs_json_get_object (rels, "types"), "data");
			const gchar *cid = cs_json_get_string (owner, "id");
			GHashTable *by_prefix;
			if (cid == NULL || cs_json_get_string (a, "id") == NULL)
				continue;
			by_prefix = g_hash_table_lookup (out, cid);
			if (by_prefix == NULL) {
				by_prefix = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
								   (GDestroyNotify) json_object_unref);
				g_hash_table_insert (out, g_strdup (cid), by_prefix);
			}
			if (types == NULL || json_array_get_length (types) == 0) {
				if (!g_hash_table_contains (by_prefix, "other"))
					g_hash_table_insert (by_prefix, g_strdup ("other"),
							     json_object_ref (a));
				continue;
			}
			for (guint t = 0; t < json_array_get_length (types); t++) {
				const gchar *type = cs_json_get_string (cs_json_array_get_object (types, t), "id");
				if (type != NULL && !g_hash_table_contains (by_prefix, type))
					g_hash_table_insert (by_prefix, g_strdup (type),
							     json_object_ref (a));
			}
		}
	}
	return g_steal_pointer (&out);
}

/**
 * write_addresses:
 *
 * Addresses are their own resource in Oro: after the contacts are stored,
 * the flattened billing/shipping/other fields become creates, updates and
 * deletes of contactaddresses, batched like the contacts.
 */
static gboolean
write_addresses (CsOrocrmProvider *self, GPtrArray *ops, GCancellable *cancellable, GError **error)
{
	g_autoptr(GPtrArray) updated_ids = g_ptr_array_new ();
	g_autoptr(GHashTable) existing = NULL;
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
	g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_free);

	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = ops->pdata[i];
		if (op->error != NULL || op->action == CS_WRITE_DELETE)
			continue;
		for (guint p = 0; CS_OROCRM_ADDRESS_PREFIXES[p] != NULL; p++) {
			if (op->action == CS_WRITE_UPDATE &&
			    cs_orocrm_record_touches_address (op->record, CS_OROCRM_ADDRESS_PREFIXES[p])) {
				g_ptr_array_add (updated_ids, (gpointer) op->id);
				break;
			}
		}
	}
	if (updated_ids->len > 0) {
		existing = existing_addresses (self, updated_ids, cancellable, error);
		if (existing == NULL)
			return FALSE;
	}
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = ops->pdata[i];
		g_autoptr(CsRecord) merged = NULL;
		GHashTable *have;
		if (op->error != NULL || op->action == CS_WRITE_DELETE)
			continue;
		have = existing != NULL ? g_hash_table_lookup (existing, op->id) : NULL;
		for (guint p = 0; CS_OROCRM_ADDRESS_PREFIXES[p] != NULL; p++) {
			const gchar *prefix = CS_OROCRM_ADDRESS_PREFIXES[p];
			JsonObject *address = have != NULL ? g_hash_table_lookup (have, prefix) : NULL;
			const gchar *address_id = address != NULL ? cs_json_get_string (address, "id") : NULL;
			JsonObject *attrs, *item, *rels;
			const gchar *country;
			if (!cs_orocrm_record_touches_address (op->record, prefix))
				continue;
			if (merged == NULL)
				merged = merged_record (self, op, have);
			attrs = cs_orocrm_address_to_json (&self->ctx, prefix, merged);
			if (attrs == NULL) {
				if (address_id != NULL)
					g_ptr_array_add (doomed, g_strdup (address_id));
				continue;
			}
			item = json_object_new ();
			rels = json_object_new ();
			json_object_set_string_member (item, "type", "contactaddresses");
			country = cs_json_get_string_or (attrs, "country", NULL);
			if (country != NULL) {
				JsonObject *c = json_object_new ();
				JsonObject *d = json_object_new ();
				json_object_set_string_member (d, "type", "countries");
				json_object_set_string_member (d, "id", country);
				json_object_set_object_member (c, "data", d);
				json_object_set_object_member (rels, "country", c);
				json_object_remove_member (attrs, "country");
			}
			if (address_id != NULL) {
				JsonObject *meta = json_object_new ();
				json_object_set_boolean_member (meta, "update", TRUE);
				json_object_set_object_member (item, "meta", meta);
				json_object_set_string_member (item, "id", address_id);
			} else {
				JsonObject *owner = json_object_new ();
				JsonObject *od = json_object_new ();
				JsonObject *types = json_object_new ();
				JsonArray *ta = json_array_new ();
				json_object_set_string_member (od, "type", "contacts");
				json_object_set_string_member (od, "id", op->id);
				json_object_set_object_member (owner, "data", od);
				json_object_set_object_member (rels, "owner", owner);
				if (!g_str_equal (prefix, "other")) {
					JsonObject *t = json_object_new ();
					json_object_set_string_member (t, "type", "addresstypes");
					json_object_set_string_member (t, "id", prefix);
					json_array_add_object_element (ta, t);
				}
				json_object_set_array_member (types, "data", ta);
				json_object_set_object_member (rels, "types", types);
				json_object_set_boolean_member (attrs, "primary", g_str_equal (prefix, "billing"));
			}
			json_object_set_object_member (item, "attributes", attrs);
			if (json_object_get_size (rels) > 0)
				json_object_set_object_member (item, "relationships", rels);
			else
				json_object_unref (rels);
			g_ptr_array_add (items, item);
		}
	}
	for (guint i = 0; i < items->len; i += BATCH_SIZE) {
		g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
		JsonObject *doc = json_object_new ();
		JsonArray *data = json_array_new ();
		g_autoptr(GHashTable) headers = g_hash_table_new (g_str_hash, g_str_equal);
		g_autoptr(JsonNode) json = NULL;
		g_autoptr(CsHttpResponse) resp = NULL;
		for (guint j = i; j < items->len && j < i + BATCH_SIZE; j++)
			json_array_add_object_element (data, json_object_ref (items->pdata[j]));
		json_object_set_array_member (doc, "data", data);
		json_node_take_object (body, doc);
		g_hash_table_insert (headers, (gpointer) "X-Mode", (gpointer) "sync");
		resp = oro_request (self, "PATCH", "/api/contactaddresses", body, TRUE, headers, &json,
				    cancellable, error);
		if (resp == NULL)
			return FALSE;
		if (resp->status != 200)
			return status_error (self, resp, json, _("writing contact addresses"), error);
	}
	return delete_ids (self, "contactaddresses", doomed, cancellable, error);
}

static gboolean
write_events (CsOrocrmProvider *self, GPtrArray *ops, GCancellable *cancellable, GError **error)
{
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = ops->pdata[i];
		g_autoptr(JsonNode) json = NULL;
		g_autoptr(CsHttpResponse) resp = NULL;
		g_autofree gchar *path = NULL;

		if (g_cancellable_set_error_if_cancelled (cancellable, error))
			return FALSE;
		if (op->action == CS_WRITE_DELETE) {
			path = g_strdup_printf ("/api/rest/latest/calendarevents/%s",
						cs_record_get_id (op->record));
			resp = oro_request (self, "DELETE", path, NULL, FALSE, NULL, &json, cancellable, error);
			if (resp == NULL)
				return FALSE;
			if (resp->status == 204 || resp->status == 404)
				cs_write_op_set_done (op, cs_record_get_id (op->record), NULL);
			else
				op_fail_from_response (self, op, resp, json);
			continue;
		} else {
			g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
			JsonObject *o = cs_orocrm_event_to_json (op->record);
			if (op->action == CS_WRITE_CREATE) {
				json_object_set_int_member (o, "calendar", self->calendar);
				/* creating an event never sends invitations */
				json_object_set_string_member (o, "notifyAttendees", "none");
				path = g_strdup ("/api/rest/latest/calendarevents");
			} else {
				path = g_strdup_printf ("/api/rest/latest/calendarevents/%s",
							cs_record_get_id (op->record));
				json_object_set_string_member (o, "notifyAttendees", "none");
			}
			json_node_take_object (body, o);
			resp = oro_request (self, op->action == CS_WRITE_CREATE ? "POST" : "PUT", path, body,
					    FALSE, NULL, &json, cancellable, error);
			if (resp == NULL)
				return FALSE;
			if (op->action == CS_WRITE_CREATE && resp->status == 201 && json != NULL &&
			    JSON_NODE_HOLDS_OBJECT (json)) {
				gint64 n = cs_json_get_int (json_node_get_object (json), "id", 0);
				g_autofree gchar *id = n > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, n) : NULL;
				done_with_id (op, id);
			} else if (op->action == CS_WRITE_UPDATE && (resp->status == 204 || resp->status == 200)) {
				cs_write_op_set_done (op, cs_record_get_id (op->record), NULL);
			} else {
				op_fail_from_response (self, op, resp, json);
			}
		}
	}
	return TRUE;
}

static gboolean
touches_contact (const CsRecord *r)
{
	g_autoptr(GPtrArray) names = cs_record_get_field_names (r);
	for (guint i = 0; i < names->len; i++) {
		gboolean address = FALSE;
		for (guint p = 0; CS_OROCRM_ADDRESS_PREFIXES[p] != NULL && !address; p++)
			address = g_str_has_prefix (names->pdata[i], CS_OROCRM_ADDRESS_PREFIXES[p]);
		if (!address)
			return TRUE;
	}
	return FALSE;
}

static gboolean
cs_orocrm_provider_write (CsProvider *provider, CsKind kind, GPtrArray *ops,
			  GCancellable *cancellable, GError **error)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	g_autoptr(GPtrArray) upserts = g_ptr_array_new ();
	g_autoptr(GPtrArray) deletes = g_ptr_array_new ();
	g_autoptr(GPtrArray) delete_ids_list = g_ptr_array_new ();

	if (self->http == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("the OroCRM connection is not open"));
		return FALSE;
	}
	if (kind == CS_KIND_EVENT)
		return write_events (self, ops, cancellable, error);
	if (kind != CS_KIND_CONTACT && kind != CS_KIND_TASK) {
		for (guint i = 0; i < ops->len; i++)
			cs_write_op_set_error (ops->pdata[i], CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_READ_ONLY,
					       _("OroCRM does not sync %s records"), cs_kind_to_string (kind));
		return TRUE;
	}
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = ops->pdata[i];
		const gchar *prefix = NULL, *country = NULL;
		if (op->action == CS_WRITE_DELETE) {
			g_ptr_array_add (deletes, op);
			g_ptr_array_add (delete_ids_list, (gpointer) cs_record_get_id (op->record));
			continue;
		}
		/* a country OroCRM does not know would be left out of the address,
		 * and the next run would take that for a deletion and clear it in
		 * Outlook too: nothing of the contact is written until it is fixed
		 * (checked before anything is sent, so a create cannot half-land) */
		if (kind == CS_KIND_CONTACT) {
			country = cs_orocrm_unknown_country (&self->ctx, op->record, &prefix);
			if (country == NULL && !resolve_account (self, op, cancellable, error))
				return FALSE;
			if (op->error != NULL)
				continue;
		}
		if (country != NULL) {
			/* named as Outlook names the address (Oro's billing = business,
			 * shipping = home) */
			if (g_str_equal (prefix, "billing"))
				cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
						       _("OroCRM knows no country “%s” (business address): correct it in Outlook"),
						       country);
			else if (g_str_equal (prefix, "shipping"))
				cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
						       _("OroCRM knows no country “%s” (home address): correct it in Outlook"),
						       country);
			else
				cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
						       _("OroCRM knows no country “%s” (other address): correct it in Outlook"),
						       country);
			continue;
		}
		g_ptr_array_add (upserts, op);
	}
	for (guint i = 0; i < upserts->len; i += BATCH_SIZE) {
		g_autoptr(GPtrArray) chunk = g_ptr_array_new ();
		g_autoptr(GPtrArray) send = g_ptr_array_new ();
		for (guint j = i; j < upserts->len && j < i + BATCH_SIZE; j++) {
			CsWriteOp *op = upserts->pdata[j];
			g_ptr_array_add (chunk, op);
			/* an update of address fields alone leaves the contact as it is */
			if (op->action == CS_WRITE_UPDATE && kind == CS_KIND_CONTACT &&
			    !touches_contact (op->record)) {
				cs_write_op_set_done (op, cs_record_get_id (op->record), NULL);
				continue;
			}
			g_ptr_array_add (send, op);
		}
		if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
		    (send->len > 0 && !write_batch (self, kind, send, cancellable, error)))
			return FALSE;
		if (kind == CS_KIND_CONTACT && !write_addresses (self, chunk, cancellable, error))
			return FALSE;
	}
	/* deleting what is already gone is done */
	if (!delete_ids (self, kind_type (kind), delete_ids_list, cancellable, error))
		return FALSE;
	for (guint i = 0; i < deletes->len; i++) {
		CsWriteOp *op = deletes->pdata[i];
		cs_write_op_set_done (op, cs_record_get_id (op->record), NULL);
	}
	return TRUE;
}

/* every record a filter query lists, added to @out */
static gboolean
read_query (CsOrocrmProvider *self, CsKind kind, const gchar *query, GPtrArray *out,
	    GCancellable *cancellable, GError **error)
{
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
	ReadState rs = {NULL, NULL, -1};
	GPtrArray *found;

	if (!read_pages (self, kind, query, sink, &rs, cancellable, error))
		return FALSE;
	g_free (rs.watermark);
	found = cs_read_sink_get_records (sink);
	for (guint i = 0; i < found->len; i++)
		g_ptr_array_add (out, cs_record_ref (found->pdata[i]));
	return TRUE;
}

/* find: key and e-mail matching on demand */
static GPtrArray *
cs_orocrm_provider_find (CsProvider *provider, CsKind kind, const gchar *field, GVariant *value,
			 GCancellable *cancellable, GError **error)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	g_autofree gchar *escaped = NULL;
	g_autofree gchar *q = NULL;
	const gchar *text = NULL;
	const gchar *filter = field;

	if (self->http == NULL || (kind != CS_KIND_CONTACT && kind != CS_KIND_TASK) || value == NULL)
		return g_steal_pointer (&out);
	if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
		text = g_variant_get_string (value, NULL);
	else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY) && g_variant_n_children (value) > 0)
		g_variant_get_child (value, 0, "&s", &text);
	if (g_strcmp0 (field, "email") == 0)
		filter = "emails";
	if (text == NULL ||
	    !(g_strv_contains ((const gchar *const[]){"emails", "phones", "firstName", "primaryEmail", "primaryPhone", NULL}, filter) &&
	      kind == CS_KIND_CONTACT))
		return g_steal_pointer (&out);
	escaped = g_uri_escape_string (text, NULL, TRUE);
	q = g_strdup_printf ("filter%%5B%s%%5D=%s", filter, escaped);
	if (!read_query (self, kind, q, out, cancellable, error))
		return NULL;
	return g_steal_pointer (&out);
}

/* records by id, 100 ids a request (Oro ORs the values of filter[id]=1,2,3);
 * ids that no longer exist are simply not in the answer */
static GPtrArray *
cs_orocrm_provider_get (CsProvider *provider, CsKind kind, GPtrArray *ids, GCancellable *cancellable,
			GError **error)
{
	CsOrocrmProvider *self = CS_OROCRM_PROVIDER (provider);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);

	if (self->http == NULL || (kind != CS_KIND_CONTACT && kind != CS_KIND_TASK))
		return g_steal_pointer (&out);
	for (guint i = 0; i < ids->len; i += 100) {
		g_autoptr(GString) q = g_string_new ("filter%5Bid%5D=");
		for (guint j = i; j < ids->len && j < i + 100; j++) {
			const gchar *id = g_ptr_array_index (ids, j);
			/* Oro's ids are integers: anything else cannot be one of its records */
			if (id == NULL || *id == '\0' || strspn (id, "0123456789") != strlen (id))
				continue;
			g_string_append_printf (q, "%s%s", j > i && q->str[q->len - 1] != '=' ? "," : "", id);
		}
		if (q->str[q->len - 1] == '=')
			continue;
		if (!read_query (self, kind, q->str, out, cancellable, error))
			return NULL;
	}
	return g_steal_pointer (&out);
}

/* what the assistant and the settings dialog ask for (the key goes to the keyring) */
static const gchar *const oro_auth_choices[] = {"wsse", "oauth", NULL};
static const gchar *const oro_auth_labels[] = {
    /* TRANSLATORS: OroCRM's sign-in methods */
    N_("API key of the user (WSSE)"), N_("OAuth application (client secret)"), NULL};
static const CsSetting oro_settings[] = {
    {"url", N_("Address"), CS_SETTING_URL, NULL, NULL, TRUE, FALSE},
    {"user", N_("User name"), CS_SETTING_TEXT, NULL, NULL, TRUE, FALSE},
    {"secret", N_("API key"), CS_SETTING_SECRET, NULL, NULL, TRUE, FALSE},
    {"auth", N_("Sign-in method"), CS_SETTING_CHOICE, oro_auth_choices, "wsse", FALSE, TRUE,
     oro_auth_labels},
    {"tls-fingerprint", N_("Trusted certificate (SHA-256)"), CS_SETTING_TEXT, NULL, NULL, FALSE, TRUE},
    {NULL}};

/* the rules of the OroCRM Outlook synchronisation guide */
static const CsPreset oro_presets[] = {{"orocrm", NULL}, {NULL}};

static void
cs_orocrm_provider_class_init (CsOrocrmProviderClass *klass)
{
	CsProviderClass *provider_class = CS_PROVIDER_CLASS (klass);
	G_OBJECT_CLASS (klass)->finalize = cs_orocrm_provider_finalize;
	provider_class->name = "orocrm";
	provider_class->description = "OroCRM (JSON:API and calendar REST API)";
	provider_class->display_name = N_("OroCRM");
	provider_class->presets = oro_presets;
	provider_class->settings = oro_settings;
	provider_class->sides = CS_PROVIDER_SIDE_CRM;
	provider_class->setup = cs_orocrm_provider_setup;
	provider_class->get_caps = cs_orocrm_provider_get_caps;
	provider_class->get_schema = cs_orocrm_provider_get_schema;
	provider_class->open = cs_orocrm_provider_open;
	provider_class->close = cs_orocrm_provider_close;
	provider_class->whoami = cs_orocrm_provider_whoami;
	provider_class->read_changes = cs_orocrm_provider_read_changes;
	provider_class->write = cs_orocrm_provider_write;
	provider_class->find = cs_orocrm_provider_find;
	provider_class->get = cs_orocrm_provider_get;
	provider_class->cursor_after_write = cs_orocrm_provider_cursor_after_write;
}

static void
cs_orocrm_provider_init (CsOrocrmProvider *self)
{
	self->sweep_interval = SWEEP_INTERVAL;
	for (guint k = 0; k < CS_KIND_LAST; k++)
		self->open_count[k] = -1;
}

G_MODULE_EXPORT GType cs_provider_query_type (void);

G_MODULE_EXPORT GType
cs_provider_query_type (void)
{
	return CS_TYPE_OROCRM_PROVIDER;
}
