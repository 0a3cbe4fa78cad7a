/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/random.h>

#include "cs-graph-auth.h"

#define BROWSER_TIMEOUT_S 300

void
cs_graph_tokens_free (CsGraphTokens *tokens)
{
	if (tokens == NULL)
		return;
	/* tokens are secrets: do not leave them in freed memory */
	if (tokens->access_token != NULL)
		memset (tokens->access_token, 0, strlen (tokens->access_token));
	if (tokens->refresh_token != NULL)
		memset (tokens->refresh_token, 0, strlen (tokens->refresh_token));
	g_free (tokens->access_token);
	g_free (tokens->refresh_token);
	g_free (tokens);
}

static gchar *
b64url (const guint8 *data, gsize len)
{
	gchar *s = g_base64_encode (data, len);
	gsize n = strlen (s);
	while (n > 0 && s[n - 1] == '=')
		s[--n] = '\0';
	g_strdelimit (s, "+", '-');
	g_strdelimit (s, "/", '_');
	return s;
}

/**
 * cs_graph_auth_pkce_verifier:
 *
 * 32 bytes from the kernel's CSPRNG (getrandom), base64url: 43 characters,
 * as RFC 7636 asks. GRand is not used: it is predictable.
 */
gchar *
cs_graph_auth_pkce_verifier (GError **error)
{
	guint8 buf[32];
	gsize got = 0;
	while (got < sizeof buf) {
		gssize n = getrandom (buf + got, sizeof buf - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
				     _("no secure random numbers: %s"), g_strerror (errno));
			return NULL;
		}
		got += (gsize) n;
	}
	return b64url (buf, sizeof buf);
}

/* BASE64URL-no-padding(SHA256(verifier)) */
gchar *
cs_graph_auth_pkce_challenge (const gchar *verifier)
{
	guint8 digest[32];
	gsize len = sizeof digest;
	g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	g_checksum_update (sum, (const guchar *) verifier, (gssize) strlen (verifier));
	g_checksum_get_digest (sum, digest, &len);
	return b64url (digest, len);
}

static gchar *
form_encode (const gchar *first, ...)
{
	GString *s = g_string_new (NULL);
	va_list args;
	va_start (args, first);
	for (const gchar *k = first; k != NULL; k = va_arg (args, const gchar *)) {
		const gchar *v = va_arg (args, const gchar *);
		g_autofree gchar *ev = g_uri_escape_string (v != NULL ? v : "", NULL, FALSE);
		g_string_append_printf (s, "%s%s=%s", s->len > 0 ? "&" : "", k, ev);
	}
	va_end (args);
	return g_string_free (s, FALSE);
}

static JsonObject *
post_form (CsHttpClient *identity, const gchar *tenant, const gchar *endpoint, gchar *form,
	   guint *status, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *path = g_strdup_printf ("/%s/oauth2/v2.0/%s", tenant, endpoint);
	g_autoptr(GBytes) body = g_bytes_new_take (form, strlen (form));
	g_autoptr(CsHttpResponse) resp = NULL;
	g_autoptr(JsonNode) root = NULL;

	resp = cs_http_client_send (identity, "POST", path, NULL,
				    "application/x-www-form-urlencoded", body, cancellable, error);
	if (resp == NULL)
		return NULL;
	*status = resp->status;
	root = cs_http_response_parse_json (resp, error);
	if (root == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT (root)) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("the sign-in service answered something unexpected"));
		return NULL;
	}
	return json_object_ref (json_node_get_object (root));
}

static CsGraphTokens *
tokens_from (JsonObject *o, GError **error)
{
	CsGraphTokens *t;
	const gchar *access = cs_json_get_string_or (o, "access_token", NULL);
	if (access == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
				     _("the sign-in service gave no access token"));
		return NULL;
	}
	t = g_new0 (CsGraphTokens, 1);
	t->access_token = g_strdup (access);
	t->refresh_token =
	    g_strdup (cs_json_get_string_or (o, "refresh_token", NULL));
	t->expires = g_get_monotonic_time () +
		     cs_json_get_int (o, "expires_in", 3600) *
			 G_USEC_PER_SEC;
	return t;
}

/* the error JSON's description, without the trace ids */
static void
set_oauth_error (GError **error, JsonObject *o, const gchar *what)
{
	const gchar *code = cs_json_get_string_or (o, "error", "unknown");
	const gchar *desc = cs_json_get_string_or (o, "error_description", "");
	g_autofree gchar *line = g_strndup (desc, strcspn (desc, "\r\n"));
	g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH, "%s: %s (%s)", what, code,
		     line);
}

static gboolean
sleep_cancellable (guint seconds, GCancellable *cancellable, GError **error)
{
	gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
	while (g_get_monotonic_time () < end) {
		if (g_cancellable_set_error_if_cancelled (cancellable, error))
			return FALSE;
		g_usleep (50000);
	}
	return TRUE;
}

/**
 * cs_graph_auth_device_code:
 * @func: shows the user where to go and which code to enter
 *
 * Polls at the interval the service asks for until the user has signed in,
 * declined, or the code expired.
 */
CsGraphTokens *
cs_graph_auth_device_code (CsHttpClient *identity, const gchar *tenant, const gchar *client_id,
			   const gchar *scope, CsGraphDeviceCodeFunc func, gpointer user_data,
			   GCancellable *cancellable, GError **error)
{
	guint status = 0;
	g_autoptr(JsonObject) dc = post_form (identity, tenant, "devicecode",
					      form_encode ("client_id", client_id, "scope", scope,
							   NULL),
					      &status, cancellable, error);
	const gchar *device_code;
	gint64 interval, deadline;

	if (dc == NULL) {
		if (error == NULL || *error == NULL ||
		    !g_error_matches (*error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK))
			g_prefix_error (error, _("cannot start the sign-in: "));
		return NULL;
	}
	if (status != 200) {
		set_oauth_error (error, dc, _("the sign-in was refused"));
		return NULL;
	}
	device_code = cs_json_get_string_or (dc, "device_code", NULL);
	if (device_code == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("the sign-in service gave no device code"));
		return NULL;
	}
	interval = MAX (1, cs_json_get_int (dc, "interval", 5));
	deadline = g_get_monotonic_time () +
		   cs_json_get_int (dc, "expires_in", 900) * G_USEC_PER_SEC;
	func (user_data, cs_json_get_string_or (dc, "verification_uri", ""),
	      cs_json_get_string_or (dc, "user_code", ""),
	      cs_json_get_string_or (dc, "message", ""));
	while (g_get_monotonic_time () < deadline) {
		g_autoptr(JsonObject) tok = NULL;
		const gchar *err;
		if (!sleep_cancellable ((guint) interval, cancellable, error))
			return NULL;
		tok = post_form (identity, tenant, "token",
				 form_encode ("grant_type",
					      "urn:ietf:params:oauth:grant-type:device_code",
					      "client_id", client_id, "device_code", device_code,
					      NULL),
				 &status, cancellable, error);
		if (tok == NULL)
			return NULL;
		if (status == 200)
			return tokens_from (tok, error);
		err = cs_json_get_string_or (tok, "error", "");
		if (g_str_equal (err, "authorization_pending"))
			continue;
		if (g_str_equal (err, "slow_down")) {
			interval += 5;
			continue;
		}
		if (g_str_equal (err, "authorization_declined")) {
			g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
					     _("the sign-in was declined"));
			return NULL;
		}
		if (g_str_equal (err, "expired_token"))
			break;
		set_oauth_error (error, tok, _("the sign-in failed"));
		return NULL;
	}
	g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
			     _("the sign-in code expired before it was used; sign in again"));
	return NULL;
}

typedef struct {
	gchar *code;
	gchar *error;
	const gchar *state;
	gboolean done;
} Redirect;

static void
redirect_cb (SoupServer *server, SoupServerMessage *msg, const gchar *path, GHashTable *query,
	     gpointer user_data)
{
	Redirect *r = user_data;
	const gchar *state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
	const gchar *code = query != NULL ? g_hash_table_lookup (query, "code") : NULL;
	const gchar *err = query != NULL ? g_hash_table_lookup (query, "error") : NULL;
	const gchar *page;

	if (g_strcmp0 (state, r->state) != 0 || (code == NULL && err == NULL)) {
		/* not our redirect (a stray request, a forged one): ignore it */
		soup_server_message_set_status (msg, 400, NULL);
		return;
	}
	g_free (r->code);
	g_free (r->error);
	r->code = g_strdup (code);
	r->error = g_strdup (err);
	r->done = TRUE;
	page = err == NULL ? "<html><body>crmsync is signed in. You can close this window.</body></html>"
			   : "<html><body>The sign-in did not complete. You can close this window.</body></html>";
	soup_server_message_set_status (msg, 200, NULL);
	soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_COPY, page, strlen (page));
}

/**
 * cs_graph_auth_browser:
 * @func: opens the authorization page in the system browser
 *
 * Listens on a loopback port for the redirect (RFC 8252), with PKCE so that
 * a code caught by another program on this machine is of no use to it.
 */
CsGraphTokens *
cs_graph_auth_browser (CsHttpClient *identity, const gchar *tenant, const gchar *client_id,
		       const gchar *scope, CsGraphOpenUriFunc func, gpointer user_data,
		       GCancellable *cancellable, GError **error)
{
	g_autoptr(GMainContext) ctx = g_main_context_new ();
	g_autoptr(SoupServer) server = NULL;
	g_autofree gchar *verifier = cs_graph_auth_pkce_verifier (error);
	g_autofree gchar *challenge = NULL;
	g_autofree gchar *state = NULL;
	g_autofree gchar *redirect = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *e_client = NULL;
	g_autofree gchar *e_redirect = NULL;
	g_autofree gchar *e_scope = NULL;
	g_autoptr(GSList) uris = NULL;
	g_autoptr(JsonObject) tok = NULL;
	Redirect r = {0};
	gint64 deadline;
	guint status = 0;
	guint port;

	if (verifier == NULL)
		return NULL;
	challenge = cs_graph_auth_pkce_challenge (verifier);
	state = cs_graph_auth_pkce_verifier (error);
	if (state == NULL)
		return NULL;
	r.state = state;
	g_main_context_push_thread_default (ctx);
	server = soup_server_new (NULL, NULL);
	soup_server_add_handler (server, "/", redirect_cb, &r, NULL);
	if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error)) {
		g_main_context_pop_thread_default (ctx);
		g_prefix_error (error, _("cannot wait for the browser's answer: "));
		return NULL;
	}
	uris = soup_server_get_uris (server);
	port = (guint) g_uri_get_port (uris->data);
	g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
	redirect = g_strdup_printf ("http://localhost:%u", port);
	e_client = g_uri_escape_string (client_id, NULL, FALSE);
	e_redirect = g_uri_escape_string (redirect, NULL, FALSE);
	e_scope = g_uri_escape_string (scope, NULL, FALSE);
	url = g_strdup_printf ("%s/%s/oauth2/v2.0/authorize?client_id=%s&response_type=code"
			       "&redirect_uri=%s&response_mode=query&scope=%s&state=%s"
			       "&code_challenge=%s&code_challenge_method=S256",
			       cs_http_client_get_base_url (identity), tenant, e_client, e_redirect,
			       e_scope, state, challenge);
	if (!func (user_data, url)) {
		g_main_context_pop_thread_default (ctx);
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
				     _("cannot open the sign-in page in a browser"));
		return NULL;
	}
	deadline = g_get_monotonic_time () + BROWSER_TIMEOUT_S * G_USEC_PER_SEC;
	while (!r.done && g_get_monotonic_time () < deadline &&
	       !g_cancellable_is_cancelled (cancellable)) {
		if (!g_main_context_iteration (ctx, FALSE))
			g_usleep (20000);
	}
	/* let the browser have its page before the server goes */
	while (g_main_context_iteration (ctx, FALSE))
		;
	soup_server_disconnect (server);
	g_main_context_pop_thread_default (ctx);
	if (g_cancellable_set_error_if_cancelled (cancellable, error))
		goto out;
	if (!r.done) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
				     _("the sign-in in the browser was not finished in time"));
		goto out;
	}
	if (r.error != NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
			     _("the sign-in in the browser failed: %s"), r.error);
		goto out;
	}
	tok = post_form (identity, tenant, "token",
			 form_encode ("client_id", client_id, "scope", scope, "code", r.code,
				      "redirect_uri", redirect, "grant_type", "authorization_code",
				      "code_verifier", verifier, NULL),
			 &status, cancellable, error);
	if (tok != NULL && status != 200) {
		set_oauth_error (error, tok, _("the sign-in failed"));
		g_clear_pointer (&tok, json_object_unref);
	}
out:
	g_free (r.code);
	g_free (r.error);
	return tok != NULL ? tokens_from (tok, error) : NULL;
}

CsGraphTokens *
cs_graph_auth_refresh (CsHttpClient *identity, const gchar *tenant, const gchar *client_id,
		       const gchar *scope, const gchar *refresh_token, GCancellable *cancellable,
		       GError **error)
{
	guint status = 0;
	g_autoptr(JsonObject) tok = post_form (
	    identity, tenant, "token",
	    form_encode ("grant_type", "refresh_token", "client_id", client_id, "scope", scope,
			 "refresh_token", refresh_token, NULL),
	    &status, cancellable, error);
	if (tok == NULL)
		return NULL;
	if (status != 200) {
		set_oauth_error (error, tok, _("the stored sign-in is no longer valid; sign in again"));
		return NULL;
	}
	return tokens_from (tok, error);
}
