/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-graph-private.h"

/*
 * The Microsoft identity platform's v2 endpoints for a public client:
 * /{tenant}/oauth2/v2.0/devicecode, /token (device code, authorization code
 * with PKCE, refresh with rotation) and /authorize. The account is the
 * emulator's --user: it "signs in" without a browser — a device code is
 * approved after the first authorization_pending poll, and /authorize
 * redirects straight back with a code. /devicelogin also takes the user
 * code with --user/--secret, as a person at a browser would.
 */

#define ACCESS_LIFETIME 3599
#define CODE_LIFETIME 600
#define DEVICE_LIFETIME 900

static void
oauth_error (SoupServerMessage *msg, guint status, const gchar *error, const gchar *aadsts,
	     const gchar *description)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *now = emu_now_iso ();
	g_autofree gchar *desc = g_strdup_printf ("AADSTS%s: %s", aadsts, description);
	g_autofree gchar *trace = graph_random_token (8);
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "error");
	json_builder_add_string_value (b, error);
	json_builder_set_member_name (b, "error_description");
	json_builder_add_string_value (b, desc);
	json_builder_set_member_name (b, "error_codes");
	json_builder_begin_array (b);
	json_builder_add_int_value (b, g_ascii_strtoll (aadsts, NULL, 10));
	json_builder_end_array (b);
	json_builder_set_member_name (b, "timestamp");
	json_builder_add_string_value (b, now);
	json_builder_set_member_name (b, "trace_id");
	json_builder_add_string_value (b, trace);
	json_builder_set_member_name (b, "correlation_id");
	json_builder_add_string_value (b, trace);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	emu_reply_json (msg, status, NULL, root);
}

static gboolean
tenant_ok (const gchar *tenant)
{
	return g_str_equal (tenant, "common") || g_str_equal (tenant, "organizations") ||
	       g_str_equal (tenant, "consumers") || g_str_equal (tenant, "contoso.example") ||
	       g_uuid_string_is_valid (tenant);
}

static gboolean
store_token (EmuServer *server, const gchar *token, const gchar *type, const gchar *user,
	     const gchar *client, const gchar *scope, gint64 lifetime, const gchar *st,
	     const gchar *extra)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server, "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?)", NULL);
	sqlite3_bind_text (stmt, 1, token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 3, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 4, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 5, scope, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 6, g_get_real_time () / G_USEC_PER_SEC + lifetime);
	sqlite3_bind_text (stmt, 7, st, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 8, extra, -1, SQLITE_TRANSIENT);
	return sqlite3_step (stmt) == SQLITE_DONE;
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

/* an unsigned JWT-shaped id_token with the account's name */
static gchar *
make_id_token (const gchar *user, const gchar *client)
{
	g_autofree gchar *payload = g_strdup_printf (
	    "{\"aud\":\"%s\",\"preferred_username\":\"%s\",\"name\":\"%s\",\"oid\":\"%s\"}", client,
	    user, user, "00000000-0000-0000-0000-0000000000ad");
	const gchar *header = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	g_autofree gchar *h = b64url ((const guint8 *) header, strlen (header));
	g_autofree gchar *p = b64url ((const guint8 *) payload, strlen (payload));
	return g_strdup_printf ("%s.%s.", h, p);
}

static void
issue_tokens (EmuServer *server, SoupServerMessage *msg, const gchar *user, const gchar *client,
	      const gchar *scope)
{
	GraphState *st = emu_server_get_api_data (server);
	g_autofree gchar *access = graph_random_token (24);
	g_autofree gchar *refresh = graph_random_token (32);
	g_autofree gchar *id_token = make_id_token (user, client);
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;
	gboolean offline = scope != NULL && strstr (scope, "offline_access") != NULL;

	store_token (server, access, "access", user, client, scope, ACCESS_LIFETIME, NULL, NULL);
	if (offline)
		store_token (server, refresh, "refresh", user, client, scope, 90 * 86400, NULL,
			     NULL);
	st->stats_tokens++;
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "token_type");
	json_builder_add_string_value (b, "Bearer");
	json_builder_set_member_name (b, "scope");
	json_builder_add_string_value (b, scope != NULL ? scope : "");
	json_builder_set_member_name (b, "expires_in");
	json_builder_add_int_value (b, ACCESS_LIFETIME);
	json_builder_set_member_name (b, "access_token");
	json_builder_add_string_value (b, access);
	if (offline) {
		json_builder_set_member_name (b, "refresh_token");
		json_builder_add_string_value (b, refresh);
	}
	json_builder_set_member_name (b, "id_token");
	json_builder_add_string_value (b, id_token);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	emu_reply_json (msg, 200, NULL, root);
}

static GHashTable *
form_body (SoupServerMessage *msg)
{
	SoupMessageBody *body = soup_server_message_get_request_body (msg);
	g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
	g_autofree gchar *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
	return soup_form_decode (text);
}

static void
devicecode (EmuServer *server, SoupServerMessage *msg, GHashTable *form)
{
	const gchar *client = g_hash_table_lookup (form, "client_id");
	const gchar *scope = g_hash_table_lookup (form, "scope");
	g_autofree gchar *device = graph_random_token (32);
	g_autofree gchar *user_code = g_strdup_printf ("%08X", g_random_int ());
	g_autofree gchar *origin = emu_server_get_origin (server);
	g_autofree gchar *uri = g_strdup_printf ("%s/devicelogin", origin);
	g_autofree gchar *text = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;

	if (client == NULL || client[0] == '\0') {
		oauth_error (msg, 400, "invalid_request", "900144",
			     "The request body must contain the following parameter: 'client_id'.");
		return;
	}
	if (scope == NULL || scope[0] == '\0') {
		oauth_error (msg, 400, "invalid_request", "900144",
			     "The request body must contain the following parameter: 'scope'.");
		return;
	}
	store_token (server, device, "device", NULL, client, scope, DEVICE_LIFETIME, "new",
		     user_code);
	text = g_strdup_printf ("To sign in, use a web browser to open the page %s and enter the "
				"code %s to authenticate.",
				uri, user_code);
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "user_code");
	json_builder_add_string_value (b, user_code);
	json_builder_set_member_name (b, "device_code");
	json_builder_add_string_value (b, device);
	json_builder_set_member_name (b, "verification_uri");
	json_builder_add_string_value (b, uri);
	json_builder_set_member_name (b, "expires_in");
	json_builder_add_int_value (b, DEVICE_LIFETIME);
	/* Entra says 5; clients must honour what they get, and 1 keeps tests short */
	json_builder_set_member_name (b, "interval");
	json_builder_add_int_value (b, 1);
	json_builder_set_member_name (b, "message");
	json_builder_add_string_value (b, text);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	emu_reply_json (msg, 200, NULL, root);
}

static void
token_device (EmuServer *server, SoupServerMessage *msg, GHashTable *form)
{
	const gchar *code = g_hash_table_lookup (form, "device_code");
	const gchar *client = g_hash_table_lookup (form, "client_id");
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "SELECT client, scope, expires, state, user FROM tokens WHERE token = ? AND type = 'device'",
	    NULL);
	g_autofree gchar *scope = NULL;
	g_autofree gchar *user = NULL;
	const gchar *st;

	sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
	if (code == NULL || sqlite3_step (stmt) != SQLITE_ROW ||
	    g_strcmp0 ((const gchar *) sqlite3_column_text (stmt, 0), client) != 0) {
		oauth_error (msg, 400, "bad_verification_code", "70019",
			     "The device code is not known.");
		return;
	}
	if (sqlite3_column_int64 (stmt, 2) <= g_get_real_time () / G_USEC_PER_SEC) {
		oauth_error (msg, 400, "expired_token", "70020",
			     "The provided value for the input parameter 'device_code' is not valid. "
			     "This device code has expired.");
		return;
	}
	scope = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
	st = (const gchar *) sqlite3_column_text (stmt, 3);
	user = g_strdup ((const gchar *) sqlite3_column_text (stmt, 4));
	if (g_strcmp0 (st, "declined") == 0) {
		oauth_error (msg, 400, "authorization_declined", "70000",
			     "The end user denied the authorization request.");
		return;
	}
	if (g_strcmp0 (st, "approved") != 0) {
		g_autoptr(sqlite3_stmt) up = emu_db_prepare (
		    server, "UPDATE tokens SET state = 'approved', user = ? WHERE token = ?", NULL);
		/* nobody at a browser here: the account signs in by itself, after
		 * the client has seen one pending answer, unless /devicelogin did */
		if (g_strcmp0 (st, "new") == 0) {
			sqlite3_bind_text (up, 1, emu_server_get_user (server), -1,
					   SQLITE_TRANSIENT);
			sqlite3_bind_text (up, 2, code, -1, SQLITE_TRANSIENT);
			sqlite3_step (up);
		}
		oauth_error (msg, 400, "authorization_pending", "70016",
			     "OAuth 2.0 device flow error. Authorization is pending. Continue "
			     "polling.");
		return;
	}
	g_clear_pointer (&stmt, sqlite3_finalize);
	stmt = emu_db_prepare (server, "DELETE FROM tokens WHERE token = ?", NULL);
	sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_step (stmt);
	issue_tokens (server, msg, user, client, scope);
}

static gchar *
s256 (const gchar *verifier)
{
	guint8 digest[32];
	gsize len = sizeof (digest);
	g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	g_checksum_update (sum, (const guchar *) verifier, (gssize) strlen (verifier));
	g_checksum_get_digest (sum, digest, &len);
	return b64url (digest, len);
}

static void
token_code (EmuServer *server, SoupServerMessage *msg, GHashTable *form)
{
	const gchar *code = g_hash_table_lookup (form, "code");
	const gchar *client = g_hash_table_lookup (form, "client_id");
	const gchar *redirect = g_hash_table_lookup (form, "redirect_uri");
	const gchar *verifier = g_hash_table_lookup (form, "code_verifier");
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "SELECT client, scope, expires, state, user, extra FROM tokens WHERE token = ? AND type = 'code'",
	    NULL);
	g_autoptr(sqlite3_stmt) del = emu_db_prepare (server, "DELETE FROM tokens WHERE token = ?",
						      NULL);
	g_autofree gchar *scope = NULL;
	g_autofree gchar *user = NULL;
	g_auto(GStrv) extra = NULL;

	sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
	if (code == NULL || sqlite3_step (stmt) != SQLITE_ROW ||
	    sqlite3_column_int64 (stmt, 2) <= g_get_real_time () / G_USEC_PER_SEC) {
		oauth_error (msg, 400, "invalid_grant", "70008",
			     "The provided authorization code or refresh token has expired or was "
			     "already used.");
		return;
	}
	scope = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
	user = g_strdup ((const gchar *) sqlite3_column_text (stmt, 4));
	/* extra = challenge \n redirect_uri */
	extra = g_strsplit ((const gchar *) sqlite3_column_text (stmt, 5), "\n", 2);
	if (g_strcmp0 ((const gchar *) sqlite3_column_text (stmt, 0), client) != 0) {
		oauth_error (msg, 400, "invalid_client", "700016",
			     "The code was issued to another application.");
		return;
	}
	if (g_strcmp0 (extra[1], redirect) != 0) {
		oauth_error (msg, 400, "invalid_grant", "50148",
			     "The redirect_uri does not match the one of the authorization request.");
		return;
	}
	/* a code is used once, whether the verifier is right or not */
	sqlite3_bind_text (del, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_step (del);
	if (extra[0][0] != '\0') {
		g_autofree gchar *expect = verifier != NULL ? s256 (verifier) : NULL;
		if (verifier == NULL) {
			oauth_error (msg, 400, "invalid_request", "50148",
				     "The code_verifier is missing.");
			return;
		}
		if (strlen (verifier) < 43 || strlen (verifier) > 128 ||
		    g_strcmp0 (expect, extra[0]) != 0) {
			oauth_error (msg, 400, "invalid_grant", "501481",
				     "The Code_Verifier does not match the code_challenge supplied "
				     "in the authorization request.");
			return;
		}
	}
	issue_tokens (server, msg, user, client, scope);
}

static void
token_refresh (EmuServer *server, SoupServerMessage *msg, GHashTable *form)
{
	const gchar *refresh = g_hash_table_lookup (form, "refresh_token");
	const gchar *client = g_hash_table_lookup (form, "client_id");
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "SELECT client, scope, expires, user FROM tokens WHERE token = ? AND type = 'refresh'",
	    NULL);
	g_autoptr(sqlite3_stmt) del = emu_db_prepare (server, "DELETE FROM tokens WHERE token = ?",
						      NULL);
	g_autofree gchar *scope = NULL;
	g_autofree gchar *user = NULL;

	sqlite3_bind_text (stmt, 1, refresh, -1, SQLITE_TRANSIENT);
	if (refresh == NULL || sqlite3_step (stmt) != SQLITE_ROW ||
	    sqlite3_column_int64 (stmt, 2) <= g_get_real_time () / G_USEC_PER_SEC ||
	    g_strcmp0 ((const gchar *) sqlite3_column_text (stmt, 0), client) != 0) {
		oauth_error (msg, 400, "invalid_grant", "70000",
			     "The provided value for the 'refresh_token' is not valid.");
		return;
	}
	scope = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
	user = g_strdup ((const gchar *) sqlite3_column_text (stmt, 3));
	/* rotation: the old refresh token is spent */
	sqlite3_bind_text (del, 1, refresh, -1, SQLITE_TRANSIENT);
	sqlite3_step (del);
	issue_tokens (server, msg, user, client, scope);
}

static void
authorize (EmuServer *server, SoupServerMessage *msg, GHashTable *query)
{
	const gchar *client = query != NULL ? g_hash_table_lookup (query, "client_id") : NULL;
	const gchar *rtype = query != NULL ? g_hash_table_lookup (query, "response_type") : NULL;
	const gchar *redirect = query != NULL ? g_hash_table_lookup (query, "redirect_uri") : NULL;
	const gchar *scope = query != NULL ? g_hash_table_lookup (query, "scope") : NULL;
	const gchar *state_ = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
	const gchar *challenge = query != NULL ? g_hash_table_lookup (query, "code_challenge") : NULL;
	const gchar *method = query != NULL ? g_hash_table_lookup (query, "code_challenge_method")
					    : NULL;
	const gchar *hint = query != NULL ? g_hash_table_lookup (query, "login_hint") : NULL;
	g_autoptr(GString) loc = NULL;
	g_autofree gchar *code = NULL;
	g_autofree gchar *extra = NULL;

	/* errors before a trusted redirect_uri is known are shown, not redirected */
	if (client == NULL || redirect == NULL ||
	    !(g_str_has_prefix (redirect, "http://localhost") ||
	      g_str_has_prefix (redirect, "http://127.0.0.1"))) {
		emu_reply_text (msg, 400, "text/html",
				"<html><body>AADSTS50011: The redirect URI specified in the request "
				"does not match the redirect URIs configured for the "
				"application.</body></html>");
		return;
	}
	loc = g_string_new (redirect);
	g_string_append_c (loc, strchr (redirect, '?') != NULL ? '&' : '?');
	if (g_strcmp0 (rtype, "code") != 0 || scope == NULL ||
	    (challenge != NULL && g_strcmp0 (method, "S256") != 0 && g_strcmp0 (method, "plain") != 0)) {
		g_string_append (loc, "error=invalid_request&error_description=AADSTS900144");
	} else if (hint != NULL && g_strcmp0 (hint, emu_server_get_user (server)) != 0) {
		g_string_append (loc, "error=access_denied&error_description=AADSTS50126");
	} else {
		g_autofree gchar *esc = NULL;
		code = graph_random_token (24);
		extra = g_strdup_printf ("%s\n%s", challenge != NULL ? challenge : "", redirect);
		store_token (server, code, "code", emu_server_get_user (server), client, scope,
			     CODE_LIFETIME, NULL, extra);
		g_string_append_printf (loc, "code=%s", code);
	}
	if (state_ != NULL) {
		g_autofree gchar *esc = g_uri_escape_string (state_, NULL, TRUE);
		g_string_append_printf (loc, "&state=%s", esc);
	}
	soup_server_message_set_redirect (msg, 302, loc->str);
}

static void
identity_handler (EmuServer *server, SoupServerMessage *msg, const gchar *path, GHashTable *query,
		  gpointer user_data)
{
	g_auto(GStrv) parts = g_strsplit (path, "/", -1);
	const gchar *method = soup_server_message_get_method (msg);
	g_autoptr(GHashTable) form = NULL;

	/* "", tenant, "oauth2", "v2.0", endpoint */
	if (g_strv_length (parts) != 5 || !g_str_equal (parts[2], "oauth2") ||
	    !g_str_equal (parts[3], "v2.0")) {
		emu_reply_text (msg, 404, "text/plain", "not found");
		return;
	}
	if (!tenant_ok (parts[1])) {
		oauth_error (msg, 400, "invalid_request", "90002",
			     "Tenant not found. Check to make sure you have the correct tenant ID.");
		return;
	}
	if (g_str_equal (parts[4], "authorize") && g_str_equal (method, "GET")) {
		authorize (server, msg, query);
		return;
	}
	if (!g_str_equal (method, "POST")) {
		emu_reply_text (msg, 405, "text/plain", "POST only");
		return;
	}
	form = form_body (msg);
	if (g_str_equal (parts[4], "devicecode")) {
		devicecode (server, msg, form);
	} else if (g_str_equal (parts[4], "token")) {
		const gchar *grant = g_hash_table_lookup (form, "grant_type");
		if (g_strcmp0 (grant, "urn:ietf:params:oauth:grant-type:device_code") == 0)
			token_device (server, msg, form);
		else if (g_strcmp0 (grant, "authorization_code") == 0)
			token_code (server, msg, form);
		else if (g_strcmp0 (grant, "refresh_token") == 0)
			token_refresh (server, msg, form);
		else
			oauth_error (msg, 400, "unsupported_grant_type", "70003",
				     "The app requested an unsupported grant type.");
	} else {
		emu_reply_text (msg, 404, "text/plain", "not found");
	}
}

/* what a person does in the browser: enter the user code, sign in */
static void
devicelogin_handler (EmuServer *server, SoupServerMessage *msg, const gchar *path,
		     GHashTable *query, gpointer user_data)
{
	g_autoptr(GHashTable) form = NULL;
	g_autoptr(sqlite3_stmt) stmt = NULL;
	const gchar *code, *login, *password;
	gboolean ok;

	if (g_str_equal (soup_server_message_get_method (msg), "GET")) {
		emu_reply_text (msg, 200, "text/html",
				"<html><body><form method=post>Code <input name=user_code> "
				"Account <input name=login> Password <input type=password "
				"name=password> <input type=submit></form></body></html>");
		return;
	}
	form = form_body (msg);
	code = g_hash_table_lookup (form, "user_code");
	login = g_hash_table_lookup (form, "login");
	password = g_hash_table_lookup (form, "password");
	ok = g_strcmp0 (login, emu_server_get_user (server)) == 0 &&
	     g_strcmp0 (password, emu_server_get_secret (server)) == 0;
	stmt = emu_db_prepare (server,
			       "UPDATE tokens SET state = ?, user = ? WHERE type = 'device' AND extra = ?"
			       " AND state = 'new'",
			       NULL);
	sqlite3_bind_text (stmt, 1, ok ? "approved" : "declined", -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, login, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 3, code, -1, SQLITE_TRANSIENT);
	sqlite3_step (stmt);
	if (sqlite3_changes (emu_server_get_db (server)) == 0) {
		emu_reply_text (msg, 400, "text/html", "<html><body>Unknown code</body></html>");
		return;
	}
	emu_reply_text (msg, ok ? 200 : 403, "text/html",
			ok ? "<html><body>You have signed in.</body></html>"
			   : "<html><body>Wrong account or password.</body></html>");
}

void
graph_identity_register (EmuServer *server)
{
	emu_server_add_handler_no_faults (server, "/devicelogin", devicelogin_handler, NULL);
	emu_server_add_handler_no_faults (server, "/", identity_handler, NULL);
}
