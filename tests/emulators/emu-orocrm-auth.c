/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-orocrm.h"

/*
 * Oro's two ways in: WSSE with the user's API key (Oro <= 6.0) and OAuth 2
 * bearer tokens from /oauth2-token (all versions, the only one in 6.1+).
 * The main user (id 1) is --user with the key/client secret --secret; seeded
 * users may carry their own API keys.
 */

gboolean
emu_oro_auth_setup (EmuServer *server, GError **error)
{
	return emu_db_exec (server,
			    "CREATE TABLE IF NOT EXISTS api_keys (user_id INTEGER, api_key TEXT UNIQUE,"
			    "  read_only INTEGER DEFAULT 0);"
			    "CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, seen INTEGER);"
			    "CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, kind TEXT,"
			    "  user_id INTEGER,"
			    "  expires INTEGER);",
			    error);
}

gboolean
emu_oro_add_api_key (EmuServer *server, gint64 user_id, const gchar *key, gboolean read_only,
		     GError **error)
{
	g_autoptr(sqlite3_stmt) st = emu_db_prepare (
	    server, "INSERT OR REPLACE INTO api_keys VALUES (?, ?, ?)", error);
	if (st == NULL)
		return FALSE;
	sqlite3_bind_int64 (st, 1, user_id);
	sqlite3_bind_text (st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int (st, 3, read_only);
	if (sqlite3_step (st) != SQLITE_DONE) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "api key: %s",
			     sqlite3_errmsg (emu_server_get_db (server)));
		return FALSE;
	}
	return TRUE;
}

/**
 * emu_oro_wsse_digest:
 *
 * base64 (sha1_raw (base64_decode (nonce) . created . key)), as Oro's
 * WsseAuthenticator computes it.
 */
gchar *
emu_oro_wsse_digest (const gchar *nonce_b64, const gchar *created, const gchar *key)
{
	g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
	gsize nonce_len = 0;
	g_autofree guchar *nonce = g_base64_decode (nonce_b64, &nonce_len);
	guint8 digest[20];
	gsize digest_len = sizeof (digest);

	g_checksum_update (sum, nonce, (gssize) nonce_len);
	g_checksum_update (sum, (const guchar *) created, -1);
	g_checksum_update (sum, (const guchar *) key, -1);
	g_checksum_get_digest (sum, digest, &digest_len);
	return g_base64_encode (digest, digest_len);
}

static gchar *
wsse_field (const gchar *header, const gchar *name)
{
	g_autofree gchar *pattern = g_strdup_printf ("%s=\"([^\"]+)\"", name);
	g_autoptr(GRegex) re = g_regex_new (pattern, 0, 0, NULL);
	g_autoptr(GMatchInfo) mi = NULL;

	if (!g_regex_match (re, header, 0, &mi))
		return NULL;
	return g_match_info_fetch (mi, 1);
}

static void
deny (SoupServerMessage *msg, gboolean jsonapi, const gchar *detail)
{
	soup_message_headers_replace (soup_server_message_get_response_headers (msg),
				      "WWW-Authenticate", "WSSE realm=\"Secured API\", profile=\"UsernameToken\"");
	if (jsonapi) {
		emu_oro_jsonapi_error (msg, 401, "authentication exception", detail);
	} else {
		g_autoptr(JsonBuilder) b = json_builder_new ();
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "code");
		json_builder_add_int_value (b, 401);
		json_builder_set_member_name (b, "message");
		json_builder_add_string_value (b, detail);
		json_builder_end_object (b);
		g_autoptr(JsonNode) root = json_builder_get_root (b);
		emu_reply_json (msg, 401, "application/json", root);
	}
}

static gint64
user_id_by_name (EmuServer *server, const gchar *username)
{
	g_autoptr(sqlite3_stmt) st = NULL;

	if (g_strcmp0 (username, emu_server_get_user (server)) == 0)
		return 1;
	st = emu_db_prepare (
	    server,
	    "SELECT n FROM res WHERE type = 'users' AND n != 1 AND json_extract (attrs, '$.username') = ?",
	    NULL);
	if (st == NULL)
		return 0;
	sqlite3_bind_text (st, 1, username, -1, SQLITE_TRANSIENT);
	return sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
}

static gboolean
check_wsse (EmuServer *server, SoupServerMessage *msg, const gchar *header, gboolean jsonapi,
	    EmuOroUser *user)
{
	g_autofree gchar *username = wsse_field (header, "Username");
	g_autofree gchar *digest = wsse_field (header, "PasswordDigest");
	g_autofree gchar *nonce = wsse_field (header, "Nonce");
	g_autofree gchar *created = wsse_field (header, "Created");
	g_autoptr(GRegex) iso = g_regex_new (
	    "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:?\\d{2})$", 0, 0, NULL);
	g_autoptr(GDateTime) when = NULL;
	gint64 now = g_get_real_time () / G_USEC_PER_SEC;
	gint64 user_id;
	gboolean found = FALSE;

	if (username == NULL || digest == NULL || nonce == NULL || created == NULL) {
		deny (msg, jsonapi, "The X-WSSE header is incomplete.");
		return FALSE;
	}
	when = g_regex_match (iso, created, 0, NULL) ? g_date_time_new_from_iso8601 (created, NULL)
						      : NULL;
	if (when == NULL) {
		deny (msg, jsonapi, "Incorrectly formatted \"created\" in token.");
		return FALSE;
	}
	if (g_date_time_to_unix (when) > now) {
		deny (msg, jsonapi, "Future token detected.");
		return FALSE;
	}
	if (now - g_date_time_to_unix (when) > EMU_ORO_WSSE_LIFETIME) {
		deny (msg, jsonapi, "Token has expired.");
		return FALSE;
	}
	{
		g_autoptr(sqlite3_stmt) del = emu_db_prepare (server, "DELETE FROM nonces WHERE seen < ?", NULL);
		g_autoptr(sqlite3_stmt) st = emu_db_prepare (server, "SELECT 1 FROM nonces WHERE nonce = ?", NULL);
		sqlite3_bind_int64 (del, 1, now - EMU_ORO_WSSE_LIFETIME);
		sqlite3_step (del);
		sqlite3_bind_text (st, 1, nonce, -1, SQLITE_TRANSIENT);
		if (sqlite3_step (st) == SQLITE_ROW) {
			deny (msg, jsonapi, "Previously used nonce detected.");
			return FALSE;
		}
	}
	user_id = user_id_by_name (server, username);
	if (user_id == 0) {
		deny (msg, jsonapi, "Username could not be found.");
		return FALSE;
	}
	/* each of the user's keys is tried, as Oro does; the main user's is --secret */
	if (user_id == 1) {
		g_autofree gchar *expected =
		    emu_oro_wsse_digest (nonce, created, emu_server_get_secret (server));
		found = g_strcmp0 (expected, digest) == 0;
	}
	if (!found) {
		g_autoptr(sqlite3_stmt) st = emu_db_prepare (
		    server, "SELECT api_key, read_only FROM api_keys WHERE user_id = ?", NULL);
		sqlite3_bind_int64 (st, 1, user_id);
		while (sqlite3_step (st) == SQLITE_ROW) {
			g_autofree gchar *expected = emu_oro_wsse_digest (
			    nonce, created, (const gchar *) sqlite3_column_text (st, 0));
			if (g_strcmp0 (expected, digest) == 0) {
				found = TRUE;
				user->read_only = sqlite3_column_int (st, 1) != 0;
				break;
			}
		}
	}
	if (!found) {
		deny (msg, jsonapi, "Wrong API key.");
		return FALSE;
	}
	{
		g_autoptr(sqlite3_stmt) st =
		    emu_db_prepare (server, "INSERT INTO nonces VALUES (?, ?)", NULL);
		sqlite3_bind_text (st, 1, nonce, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64 (st, 2, now);
		sqlite3_step (st);
	}
	user->id = user_id;
	return TRUE;
}

/**
 * emu_oro_authenticate:
 * @jsonapi: answer failures as a JSON:API error document (else old REST)
 *
 * Returns: %TRUE with @user filled, or %FALSE after answering 401
 */
gboolean
emu_oro_authenticate (EmuServer *server, SoupServerMessage *msg, gboolean jsonapi,
		      EmuOroUser *user)
{
	SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
	const gchar *wsse = soup_message_headers_get_one (req, "X-WSSE");
	const gchar *authz = soup_message_headers_get_one (req, "Authorization");

	memset (user, 0, sizeof (*user));
	if (authz != NULL && g_ascii_strncasecmp (authz, "Bearer ", 7) == 0) {
		g_autoptr(sqlite3_stmt) st = emu_db_prepare (
		    server, "SELECT user_id, expires FROM tokens WHERE token = ? AND kind = 'access'",
		    NULL);
		sqlite3_bind_text (st, 1, authz + 7, -1, SQLITE_TRANSIENT);
		if (sqlite3_step (st) != SQLITE_ROW) {
			deny (msg, jsonapi, "The resource owner or authorization server denied the request.");
			return FALSE;
		}
		if (sqlite3_column_int64 (st, 1) < g_get_real_time () / G_USEC_PER_SEC) {
			deny (msg, jsonapi, "The access token has expired.");
			return FALSE;
		}
		user->id = sqlite3_column_int64 (st, 0);
		return TRUE;
	}
	/* Oro's WSSE authenticator only acts when X-WSSE is present */
	if (wsse != NULL)
		return check_wsse (server, msg, wsse, jsonapi, user);
	deny (msg, jsonapi, "Full authentication is required to access this resource.");
	return FALSE;
}

static void
oauth_error (SoupServerMessage *msg, guint status, const gchar *code, const gchar *description,
	     const gchar *hint)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "error");
	json_builder_add_string_value (b, code);
	json_builder_set_member_name (b, "error_description");
	json_builder_add_string_value (b, description);
	json_builder_set_member_name (b, "hint");
	json_builder_add_string_value (b, hint != NULL ? hint : "");
	json_builder_set_member_name (b, "message");
	json_builder_add_string_value (b, description);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	emu_reply_json (msg, status, "application/json", root);
}

static gchar *
new_token (void)
{
	guint8 raw[24];
	for (guint i = 0; i < sizeof (raw); i++)
		raw[i] = (guint8) g_random_int_range (0, 256);
	return g_compute_checksum_for_data (G_CHECKSUM_SHA256, raw, sizeof (raw));
}

static void
store_token (EmuServer *server, const gchar *token, const gchar *kind, gint64 user_id,
	     gint64 lifetime)
{
	g_autoptr(sqlite3_stmt) st =
	    emu_db_prepare (server, "INSERT INTO tokens VALUES (?, ?, ?, ?)", NULL);
	sqlite3_bind_text (st, 1, token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64 (st, 3, user_id);
	sqlite3_bind_int64 (st, 4, g_get_real_time () / G_USEC_PER_SEC + lifetime);
	sqlite3_step (st);
}

/* the body as a string → string table: JSON (as Oro documents) or a form */
static GHashTable *
token_request_params (SoupServerMessage *msg)
{
	SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
	const gchar *ct = soup_message_headers_get_content_type (req, NULL);
	g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
	GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

	if (g_strcmp0 (ct, "application/x-www-form-urlencoded") == 0) {
		g_autofree gchar *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
		g_autoptr(GHashTable) form = soup_form_decode (text);
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init (&it, form);
		while (g_hash_table_iter_next (&it, &k, &v))
			g_hash_table_insert (params, g_strdup (k), g_strdup (v));
	} else {
		g_autoptr(JsonNode) root = emu_request_json (msg, NULL);
		if (root != NULL && JSON_NODE_HOLDS_OBJECT (root)) {
			JsonObject *o = json_node_get_object (root);
			g_autoptr(GList) members = json_object_get_members (o);
			for (GList *l = members; l != NULL; l = l->next) {
				JsonNode *n = json_object_get_member (o, l->data);
				if (JSON_NODE_HOLDS_VALUE (n) &&
				    json_node_get_value_type (n) == G_TYPE_STRING)
					g_hash_table_insert (params, g_strdup (l->data),
							     g_strdup (json_node_get_string (n)));
			}
		} else {
			g_hash_table_unref (params);
			return NULL;
		}
	}
	return params;
}

/**
 * emu_oro_token_handler:
 *
 * POST /oauth2-token: client_credentials, password and refresh_token grants.
 * The client id is --user and the client secret --secret; the password grant
 * takes the same user name and the secret as the password.
 */
void
emu_oro_token_handler (EmuServer *server, SoupServerMessage *msg, const gchar *path,
		       GHashTable *query, gpointer user_data)
{
	g_autoptr(GHashTable) p = NULL;
	const gchar *grant, *client_id, *client_secret;
	g_autofree gchar *access = NULL;
	g_autofree gchar *refresh = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;
	gint64 user_id = 1;

	if (g_strcmp0 (path, "/oauth2-token") != 0) {
		oauth_error (msg, 404, "not_found", "No route found.", NULL);
		return;
	}
	if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0) {
		soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
		oauth_error (msg, 405, "invalid_request", "The token endpoint accepts POST only.", NULL);
		return;
	}
	p = token_request_params (msg);
	if (p == NULL) {
		oauth_error (msg, 400, "invalid_request",
			     "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.",
			     "The body is not a JSON object");
		return;
	}
	grant = g_hash_table_lookup (p, "grant_type");
	client_id = g_hash_table_lookup (p, "client_id");
	client_secret = g_hash_table_lookup (p, "client_secret");
	if (grant == NULL) {
		oauth_error (msg, 400, "invalid_request",
			     "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.",
			     "Check the `grant_type` parameter");
		return;
	}
	if (g_strcmp0 (grant, "client_credentials") != 0 && g_strcmp0 (grant, "password") != 0 &&
	    g_strcmp0 (grant, "refresh_token") != 0) {
		oauth_error (msg, 400, "unsupported_grant_type",
			     "The authorization grant type is not supported by the authorization server.",
			     "Check that all required parameters have been provided");
		return;
	}
	if (g_strcmp0 (client_id, emu_server_get_user (server)) != 0 ||
	    g_strcmp0 (client_secret, emu_server_get_secret (server)) != 0) {
		oauth_error (msg, 401, "invalid_client", "Client authentication failed", NULL);
		return;
	}
	if (g_strcmp0 (grant, "password") == 0) {
		const gchar *username = g_hash_table_lookup (p, "username");
		const gchar *password = g_hash_table_lookup (p, "password");
		if (username == NULL || password == NULL) {
			oauth_error (msg, 400, "invalid_request",
				     "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.",
				     "Check the `username` and `password` parameters");
			return;
		}
		user_id = user_id_by_name (server, username);
		if (user_id == 0 || g_strcmp0 (password, emu_server_get_secret (server)) != 0) {
			oauth_error (msg, 400, "invalid_grant",
				     "The user credentials were incorrect.", NULL);
			return;
		}
	} else if (g_strcmp0 (grant, "refresh_token") == 0) {
		const gchar *old = g_hash_table_lookup (p, "refresh_token");
		g_autoptr(sqlite3_stmt) st = emu_db_prepare (
		    server,
		    "SELECT user_id FROM tokens WHERE token = ? AND kind = 'refresh' AND expires >= ?",
		    NULL);
		g_autoptr(sqlite3_stmt) del = emu_db_prepare (server, "DELETE FROM tokens WHERE token = ?", NULL);
		sqlite3_bind_text (st, 1, old != NULL ? old : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64 (st, 2, g_get_real_time () / G_USEC_PER_SEC);
		if (sqlite3_step (st) != SQLITE_ROW) {
			oauth_error (msg, 401, "invalid_request", "The refresh token is invalid.",
				     "Token has been revoked");
			return;
		}
		user_id = sqlite3_column_int64 (st, 0);
		/* a refresh token is good for one use */
		sqlite3_bind_text (del, 1, old, -1, SQLITE_TRANSIENT);
		sqlite3_step (del);
	}

	access = new_token ();
	store_token (server, access, "access", user_id, EMU_ORO_TOKEN_LIFETIME);
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "token_type");
	json_builder_add_string_value (b, "Bearer");
	json_builder_set_member_name (b, "expires_in");
	json_builder_add_int_value (b, EMU_ORO_TOKEN_LIFETIME);
	json_builder_set_member_name (b, "access_token");
	json_builder_add_string_value (b, access);
	if (g_strcmp0 (grant, "client_credentials") != 0) {
		refresh = new_token ();
		store_token (server, refresh, "refresh", user_id, 2592000);
		json_builder_set_member_name (b, "refresh_token");
		json_builder_add_string_value (b, refresh);
	}
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	emu_reply_json (msg, 200, "application/json", root);
}
