/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-webcrm-client.h"
#include "cs-webcrm-private.h"

/*
 * The webCRM REST API's session: ApiLogin with the application token
 * (authCode), bearer tokens refreshed on 401, and a client-side sliding window
 * that keeps every request under webCRM's 250 per minute per token, so a
 * 429 is the exception (another program on the same token), not the rule.
 */
struct _CsWebcrmClient {
	GObject parent_instance;
	CsHttpClient *http;	/* (owned) */
	gchar *auth_code;	/* (owned) (nullable) */
	gchar *access_token;	/* (owned) (nullable) */
	gchar *refresh_token;	/* (owned) (nullable) */
	guint rate_limit;	/* requests per window; 0 = no pacing */
	gint64 rate_window;	/* µs */
	GQueue sent;		/* (element-type gint64) monotonic µs of recent requests */
	guint paced;		/* how often we waited for the window */
	GCancellable *cancellable; /* (unowned) (nullable) of the call in progress */
	gchar *server_time;	/* (owned) (nullable) Date of the last answer, as a webCRM stamp */
};

G_DEFINE_TYPE (CsWebcrmClient, cs_webcrm_client, G_TYPE_OBJECT)

/* requests leave our clock before they reach webCRM's: a second of margin keeps a
 * fast request after a slow one from landing inside the server's window */
#define WINDOW_MARGIN_USEC (G_USEC_PER_SEC)

static void
cs_webcrm_client_finalize (GObject *object)
{
	CsWebcrmClient *self = CS_WEBCRM_CLIENT (object);
	g_clear_object (&self->http);
	g_free (self->auth_code);
	g_free (self->access_token);
	g_free (self->refresh_token);
	g_free (self->server_time);
	g_queue_clear_full (&self->sent, g_free);
	G_OBJECT_CLASS (cs_webcrm_client_parent_class)->finalize (object);
}

static void
cs_webcrm_client_class_init (CsWebcrmClientClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_webcrm_client_finalize;
}

static void
cs_webcrm_client_init (CsWebcrmClient *self)
{
	self->rate_limit = 250;
	self->rate_window = 60 * G_USEC_PER_SEC;
	g_queue_init (&self->sent);
}

/* wait until one more request fits into the window, then count it */
static gboolean
pace (CsWebcrmClient *self, GError **error)
{
	gint64 now = g_get_monotonic_time ();
	gint64 *t;

	if (self->rate_limit == 0)
		return TRUE;
	while (!g_queue_is_empty (&self->sent) &&
	       *(gint64 *) g_queue_peek_head (&self->sent) + self->rate_window +
		       WINDOW_MARGIN_USEC <=
		   now)
		g_free (g_queue_pop_head (&self->sent));
	if (g_queue_get_length (&self->sent) >= self->rate_limit) {
		gint64 until = *(gint64 *) g_queue_peek_head (&self->sent) + self->rate_window +
			       WINDOW_MARGIN_USEC;
		self->paced++;
		g_debug ("pacing: %u requests in the window, waiting %.1f s",
			 g_queue_get_length (&self->sent), (gdouble)(until - now) / G_USEC_PER_SEC);
		while ((now = g_get_monotonic_time ()) < until) {
			if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
				return FALSE;
			g_usleep ((gulong) MIN (100000, until - now));
		}
		g_free (g_queue_pop_head (&self->sent));
	}
	t = g_new (gint64, 1);
	*t = g_get_monotonic_time ();
	g_queue_push_tail (&self->sent, t);
	return TRUE;
}

static gboolean
prepare_cb (CsHttpClient *client, SoupMessage *msg, gpointer user_data, GError **error)
{
	CsWebcrmClient *self = CS_WEBCRM_CLIENT (user_data);
	const gchar *path = g_uri_get_path (soup_message_get_uri (msg));

	if (!pace (self, error))
		return FALSE;
	soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
				      "application/json");
	if (!g_str_has_prefix (path, "/Auth/") && self->access_token != NULL) {
		g_autofree gchar *auth = g_strconcat ("Bearer ", self->access_token, NULL);
		soup_message_headers_replace (soup_message_get_request_headers (msg),
					      "Authorization", auth);
	}
	return TRUE;
}

CsWebcrmClient *
cs_webcrm_client_new (const gchar *url, GError **error)
{
	g_autoptr(CsWebcrmClient) self = g_object_new (CS_TYPE_WEBCRM_CLIENT, NULL);
	self->http = cs_http_client_new (url, error);
	if (self->http == NULL)
		return NULL;
	cs_http_client_set_prepare_func (self->http, prepare_cb, self);
	return g_steal_pointer (&self);
}

CsHttpClient *
cs_webcrm_client_get_http (CsWebcrmClient *self)
{
	return self->http;
}

/**
 * cs_webcrm_client_set_rate:
 * @limit: requests per window, 0 to send as fast as the server lets us
 */
void
cs_webcrm_client_set_rate (CsWebcrmClient *self, guint limit, guint window_seconds)
{
	self->rate_limit = limit;
	self->rate_window = (gint64) MAX (window_seconds, 1) * G_USEC_PER_SEC;
}

void
cs_webcrm_client_set_auth_code (CsWebcrmClient *self, const gchar *auth_code)
{
	g_free (self->auth_code);
	self->auth_code = g_strdup (auth_code);
}

void
cs_webcrm_client_set_refresh_token (CsWebcrmClient *self, const gchar *refresh_token)
{
	g_free (self->refresh_token);
	self->refresh_token = g_strdup (refresh_token);
}

const gchar *
cs_webcrm_client_get_refresh_token (CsWebcrmClient *self)
{
	return self->refresh_token;
}

guint64
cs_webcrm_client_get_request_count (CsWebcrmClient *self)
{
	return cs_http_client_get_request_count (self->http);
}

guint
cs_webcrm_client_get_paced (CsWebcrmClient *self)
{
	return self->paced;
}

/* TokenResponseDto → our tokens; IsError or no token is an AUTH error */
static gboolean
take_tokens (CsWebcrmClient *self, CsHttpResponse *resp, const gchar *what, GError **error)
{
	g_autoptr(JsonNode) root = NULL;
	JsonObject *o;
	const gchar *access;

	root = cs_http_response_parse_json (resp, NULL);
	o = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
	if (o == NULL && resp->status >= 500) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK,
			     _("webCRM answered %u to %s"), resp->status, what);
		return FALSE;
	}
	/* a success that cannot be read is a broken answer (proxy, cut
	 * connection), not a refusal: telling the user to check the token would
	 * send them after the wrong thing */
	if (o == NULL && resp->status == 200) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK,
			     _("webCRM’s answer to the login with the %s could not be read"), what);
		return FALSE;
	}
	access = o != NULL ? cs_json_get_string_or (o, "AccessToken", NULL)
			   : NULL;
	if (resp->status != 200 || access == NULL || access[0] == '\0' ||
	    (o != NULL && cs_json_get_bool (o, "IsError", FALSE))) {
		const gchar *desc =
		    o != NULL ? cs_json_get_string_or (o, "ErrorDescription",
									    NULL)
			      : NULL;
		g_set_error (
			error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
			_ ("webCRM did not accept the %s (%s); check the API token in Settings"),
			what, desc != NULL ? desc : _ ("no token in the answer"));
		return FALSE;
	}
	g_free (self->access_token);
	self->access_token = g_strdup (access);
	g_free (self->refresh_token);
	self->refresh_token =
	    g_strdup (cs_json_get_string_or (o, "RefreshToken", NULL));
	return TRUE;
}

static gboolean
post_form (CsWebcrmClient *self, const gchar *path, const gchar *field, const gchar *value,
	   const gchar *what, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *esc = g_uri_escape_string (value, NULL, FALSE);
	g_autofree gchar *text = g_strdup_printf ("%s=%s", field, esc);
	g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

	/* a login is safe to repeat: an unreadable answer gets a few more tries */
	for (guint attempt = 0;; attempt++) {
		g_autoptr(CsHttpResponse) resp = NULL;
		g_autoptr(GError) error_local = NULL;

		self->cancellable = cancellable;
		resp = cs_http_client_send (self->http, "POST", path, NULL,
					    "application/x-www-form-urlencoded", body, cancellable,
					    &error_local);
		self->cancellable = NULL;
		if (resp == NULL) {
			if (g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH))
				g_set_error (
					error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
					_ ("webCRM did not accept the %s; check the API token in Settings"),
					what);
			else
				g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		if (take_tokens (self, resp, what, &error_local))
			return TRUE;
		if (attempt >= 3 || !g_error_matches (error_local, CS_PROVIDER_ERROR,
						      CS_PROVIDER_ERROR_NETWORK)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		g_debug ("%s: %s, trying again", path, error_local->message);
	}
}

/**
 * cs_webcrm_client_login:
 *
 * POST /Auth/ApiLogin with the application token (the authCode).
 */
gboolean
cs_webcrm_client_login (CsWebcrmClient *self, GCancellable *cancellable, GError **error)
{
	if (self->auth_code == NULL || self->auth_code[0] == '\0') {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
				     _("no webCRM API token: enter it in Settings"));
		return FALSE;
	}
	return post_form (self, "/Auth/ApiLogin", "authCode", self->auth_code, _("API token"),
			  cancellable, error);
}

/* a new access token: the refresh token first, the authCode when that fails */
static gboolean
renew (CsWebcrmClient *self, GCancellable *cancellable, GError **error)
{
	g_clear_pointer (&self->access_token, g_free);
	if (self->refresh_token != NULL) {
		g_autoptr(GError) error_local = NULL;
		g_autofree gchar *refresh = g_strdup (self->refresh_token);
		if (post_form (self, "/Auth/ApiRefresh", "refreshToken", refresh,
			       _("refresh token"), cancellable, &error_local))
			return TRUE;
		if (!g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		g_debug ("refresh failed (%s), logging in again", error_local->message);
	}
	return cs_webcrm_client_login (self, cancellable, error);
}

/* the server's clock, to know when a second of UpdatedAt stamps is over */
static void
note_server_time (CsWebcrmClient *self, CsHttpResponse *resp)
{
	const gchar *date = cs_http_response_get_header (resp, "Date");
	g_autoptr(GDateTime) dt = date != NULL ? soup_date_time_new_from_http_string (date) : NULL;
	g_autoptr(GDateTime) utc = dt != NULL ? g_date_time_to_utc (dt) : NULL;
	if (utc == NULL)
		return;
	g_free (self->server_time);
	self->server_time = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
}

/**
 * cs_webcrm_client_get_server_time:
 * Returns: (nullable): the Date of the last successful answer, "YYYY-MM-DDTHH:MM:SS" UTC
 */
const gchar *
cs_webcrm_client_get_server_time (CsWebcrmClient *self)
{
	return self->server_time;
}

const gchar *
cs_webcrm_client_server_message (JsonNode *root)
{
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
		return NULL;
	return cs_json_get_string_or (json_node_get_object (root), "Message",
							   NULL);
}

/**
 * cs_webcrm_client_call:
 * @body: (nullable)
 *
 * One API call. An expired token is renewed and the call repeated once;
 * Retry-After and 5xx retries are CsHttpClient's.
 *
 * Returns: (transfer full): the answer (a JSON null node for an empty body)
 */
JsonNode *
cs_webcrm_client_call (CsWebcrmClient *self, const gchar *method, const gchar *path,
		       JsonNode *body, GCancellable *cancellable, GError **error)
{
	guint garbled = 0;

	for (guint attempt = 0;; attempt++) {
		g_autoptr(CsHttpResponse) resp = NULL;
		g_autoptr(GError) error_local = NULL;
		g_autoptr(JsonNode) root = NULL;
		const gchar *msg;

		if (self->access_token == NULL && !renew (self, cancellable, error))
			return NULL;
		self->cancellable = cancellable;
		resp = cs_http_client_send_json (self->http, method, path, NULL, NULL, body,
						 cancellable, &error_local);
		self->cancellable = NULL;
		if (resp == NULL) {
			if (attempt == 0
			    && g_error_matches (error_local, CS_PROVIDER_ERROR,
						CS_PROVIDER_ERROR_AUTH)) {
				/* the token expired (1 h) or was revoked */
				g_debug ("%s %s: 401, renewing the token", method, path);
				if (!renew (self, cancellable, error))
					return NULL;
				continue;
			}
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
		if (resp->status >= 200 && resp->status < 300) {
			note_server_time (self, resp);
			if (g_bytes_get_size (resp->body) == 0)
				return json_node_new (JSON_NODE_NULL);
			root = cs_http_response_parse_json (resp, &error_local);
			/* a read whose answer came garbled (proxy, cut connection) is
			 * asked again; a write may have been done, so it is not */
			if (root == NULL && g_str_equal (method, "GET") && garbled++ < 3) {
				g_debug ("GET %s: %s; asking again", path, error_local->message);
				continue;
			}
			if (root == NULL)
				g_propagate_error (error, g_steal_pointer (&error_local));
			return g_steal_pointer (&root);
		}
		root = cs_http_response_parse_json (resp, NULL);
		msg = cs_webcrm_client_server_message (root);
		if (resp->status == 404) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NOT_FOUND,
				     _("webCRM: %s %s not found%s%s"), method, path,
				     msg != NULL ? ": " : "", msg != NULL ? msg : "");
		} else if (resp->status == 400 || resp->status == 422) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("webCRM rejected %s %s: %s"), method, path,
				     msg != NULL ? msg : _("bad request"));
		} else if (resp->status == 403) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
				     _("the webCRM API token may not %s %s (403); check its access "
				       "rights"),
				     method, path);
		} else {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
				     _ ("webCRM answered %u to %s %s%s%s"), resp->status, method,
				     path, msg != NULL ? ": " : "", msg != NULL ? msg : "");
		}
		return NULL;
	}
}

/**
 * cs_webcrm_client_take_page:
 * @path: what was asked for, for the message
 *
 * Returns: (transfer none) (nullable): the page of a list answer, or %NULL with @error
 */
JsonArray *
cs_webcrm_client_take_page (JsonNode *root, const gchar *path, GError **error)
{
	if (!JSON_NODE_HOLDS_ARRAY (root)) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("webCRM answered %s with something that is not a list"), path);
		return NULL;
	}
	return json_node_get_array (root);
}

/**
 * cs_webcrm_client_list:
 * @path: a list endpoint, with or without a query string
 *
 * Pages of 1000 (the most webCRM gives) until an empty page.
 */
gboolean
cs_webcrm_client_list (CsWebcrmClient *self, const gchar *path, CsWebcrmPageFunc func,
		       gpointer user_data, GCancellable *cancellable, GError **error)
{
	for (guint page = 1;; page++) {
		g_autofree gchar *url = g_strdup_printf ("%s%sPage=%u&Size=1000", path,
							 strchr (path, '?') != NULL ? "&" : "?",
							 page);
		g_autoptr(JsonNode) root = cs_webcrm_client_call (self, "GET", url, NULL,
								  cancellable, error);
		JsonArray *arr;
		if (root == NULL)
			return FALSE;
		arr = cs_webcrm_client_take_page (root, path, error);
		if (arr == NULL)
			return FALSE;
		if (json_array_get_length (arr) == 0)
			return TRUE;
		if (!func (arr, user_data, error))
			return FALSE;
	}
}

/* a text literal for a /Queries script */
gchar *
cs_webcrm_quote (const gchar *text)
{
	GString *s = g_string_new ("'");
	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p == '\'')
			g_string_append_c (s, '\'');
		g_string_append_c (s, *p);
	}
	g_string_append_c (s, '\'');
	return g_string_free (s, FALSE);
}

gboolean
cs_webcrm_client_query (CsWebcrmClient *self, const gchar *script, CsWebcrmPageFunc func,
			gpointer user_data, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *esc = g_uri_escape_string (script, NULL, FALSE);
	g_autofree gchar *path = g_strdup_printf ("/Queries?script=%s", esc);
	return cs_webcrm_client_list (self, path, func, user_data, cancellable, error);
}
