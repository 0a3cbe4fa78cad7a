/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-graph-private.h"
#include "engine/cs-timezone.h"

/*
 * Microsoft Graph v1.0 (the Outlook part) and the identity platform's
 * endpoints, as documented in specs/api-specs.md section 3.
 *
 * State lives in SQLite: items keep their resource JSON as the client wrote
 * it (plus server-set properties); every change bumps a mailbox-wide change
 * sequence, and delta tokens remember the sequence they were issued at, so a
 * deltaLink returns exactly what changed since, deletions as `@removed`.
 *
 * Assumptions where the spec says "could not confirm" (section 6):
 * - the default contacts folder also answers to the name `contacts`;
 * - deleted To Do tasks appear in delta as `@removed`, like other items;
 * - To Do keeps only the date of dueDateTime (time set to 00:00);
 * - a throttled request gets {"error":{"code":"ApplicationThrottled"}};
 * - in `$batch`, independent items run together: more than 4 at once (with
 *   the mailbox's other requests in flight) get 429 + Retry-After, so a client
 *   chains items with dependsOn or sends at most 4 independent ones.
 * - calendarView/delta returns single events, series masters (with their
 *   recurrence, cancelledOccurrences and exceptions' ids) and exceptions, not
 *   every expanded occurrence; /events/{id}/instances expands.
 *
 * Test hooks (not Graph, under /_emulator): stats, reset-stats,
 * expire-delta-tokens, expire-access-tokens, throttle?count=N (the next N
 * requests get 429), hold?count=N&ms=M (the next N answers wait M ms, so that
 * N requests are in flight at once), move?kind=contact&id=ID&folder=F (the
 * user drags a contact to another folder in Outlook: Graph v1.0 has no call
 * for it).
 */

#define MAX_CONCURRENT 4
#define MAX_BATCH 20

static GraphState *
state (EmuServer *server)
{
	return emu_server_get_api_data (server);
}

/* ---------------------------------------------------------------- utils */

gchar *
graph_random_token (guint n_bytes)
{
	g_autofree guint8 *buf = g_malloc (n_bytes);
	GString *s = g_string_new (NULL);
	for (guint i = 0; i < n_bytes; i++)
		buf[i] = (guint8) g_random_int_range (0, 256);
	for (guint i = 0; i < n_bytes; i++)
		g_string_append_printf (s, "%02x", buf[i]);
	return g_string_free (s, FALSE);
}

/* an id: a fixed prefix as the service's ids have, then random hex */
gchar *
graph_random_id (const gchar *prefix, guint n_bytes)
{
	g_autofree gchar *token = graph_random_token (n_bytes);
	return g_strconcat (prefix, token, NULL);
}

/* members that may be missing or of another type: %NULL, not a warning */
JsonArray *
graph_obj_array (JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
	return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

JsonObject *
graph_obj_object (JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
	return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gint64
now_unix (void)
{
	return g_get_real_time () / G_USEC_PER_SEC;
}

JsonNode *
graph_error_node (const gchar *code, const gchar *message)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autofree gchar *now = emu_now_iso ();
	g_autofree gchar *rid = graph_random_token (8);
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "error");
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "code");
	json_builder_add_string_value (b, code);
	json_builder_set_member_name (b, "message");
	json_builder_add_string_value (b, message);
	json_builder_set_member_name (b, "innerError");
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "request-id");
	json_builder_add_string_value (b, rid);
	json_builder_set_member_name (b, "date");
	json_builder_add_string_value (b, now);
	json_builder_end_object (b);
	json_builder_end_object (b);
	json_builder_end_object (b);
	return json_builder_get_root (b);
}

void
graph_resp_error (GraphResp *resp, guint status, const gchar *code, const gchar *fmt, ...)
{
	va_list args;
	g_autofree gchar *message = NULL;
	va_start (args, fmt);
	message = g_strdup_vprintf (fmt, args);
	va_end (args);
	resp->status = status;
	g_clear_pointer (&resp->body, json_node_unref);
	resp->body = graph_error_node (code, message);
}

void
graph_resp_clear (GraphResp *resp)
{
	g_clear_pointer (&resp->body, json_node_unref);
	g_clear_pointer (&resp->location, g_free);
	g_clear_pointer (&resp->pref_applied, g_free);
}

gint64
graph_next_seq (EmuServer *server)
{
	GraphState *st = state (server);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	st->seq++;
	stmt = emu_db_prepare (server, "UPDATE meta SET v = ? WHERE k = 'seq'", NULL);
	sqlite3_bind_int64 (stmt, 1, st->seq);
	sqlite3_step (stmt);
	return st->seq;
}

/* the id a client sees: immutable when it asked for it with Prefer, else a
 * folder-bound id that would change on a move, as Outlook's entry ids do */
gchar *
graph_id_out (const GraphReq *req, const gchar *folder, const gchar *id)
{
	if (req->immutable || folder == NULL)
		return g_strdup (id);
	return g_strdup_printf ("AAMk%s.%s", folder, id);
}

const gchar *
graph_id_in (const gchar *id)
{
	const gchar *dot;
	if (g_str_has_prefix (id, "AAMk") && (dot = strrchr (id, '.')) != NULL)
		return dot + 1;
	return id;
}

/* --------------------------------------------------------------- storage */

static const gchar *schema_sql =
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER);"
    "INSERT OR IGNORE INTO meta VALUES ('seq', 0);"
    "CREATE TABLE IF NOT EXISTS folders (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    "  name TEXT NOT NULL, wellknown TEXT);"
    "CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    "  folder TEXT NOT NULL, json TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0, s INTEGER, e INTEGER);"
    "CREATE INDEX IF NOT EXISTS items_seq ON items (kind, folder, seq);"
    /* where an item was before a move: that folder's delta reports it removed */
    "CREATE TABLE IF NOT EXISTS moved (id TEXT NOT NULL, kind TEXT NOT NULL,"
    "  folder TEXT NOT NULL, seq INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS delta (token TEXT PRIMARY KEY, kind TEXT, folder TEXT,"
    "  since INTEGER, upto INTEGER, pos INTEGER, initial INTEGER, ws TEXT, we TEXT);"
    "CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, type TEXT NOT NULL,"
    "  user TEXT, client TEXT, scope TEXT, expires INTEGER, state TEXT, extra TEXT);";

static gboolean
ensure_folder (EmuServer *server, const gchar *kind, const gchar *name, const gchar *wellknown,
	       GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *id = NULL;
	stmt = emu_db_prepare (server, "SELECT id FROM folders WHERE kind = ? AND wellknown = ?",
			       error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, wellknown, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) == SQLITE_ROW)
		return TRUE;
	g_clear_pointer (&stmt, sqlite3_finalize);
	id = graph_random_id ("AQMk", 10);
	stmt = emu_db_prepare (server, "INSERT INTO folders VALUES (?, ?, ?, ?)", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 3, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 4, wellknown, -1, SQLITE_TRANSIENT);
	return sqlite3_step (stmt) == SQLITE_DONE;
}

gchar *
graph_folder_lookup (EmuServer *server, const gchar *kind, const gchar *id_or_name)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "SELECT id FROM folders WHERE kind = ?1 AND (id = ?2 OR lower(wellknown) = lower(?2)"
	    " OR (?1 = 'contactFolder' AND lower(?2) = 'contacts' AND wellknown = 'contacts'))",
	    NULL);
	sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, graph_id_in (id_or_name), -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return NULL;
	return g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
}

gchar *
graph_folder_default (EmuServer *server, const gchar *kind)
{
	const gchar *wk = g_str_equal (kind, "contactFolder") ? "contacts"
			  : g_str_equal (kind, "todoList")    ? "defaultList"
			  : g_str_equal (kind, "calendar")    ? "calendar"
							      : "inbox";
	return graph_folder_lookup (server, kind, wk);
}

JsonObject *
graph_item_load (EmuServer *server, const gchar *kind, const gchar *id, gchar **folder,
		 gboolean *deleted)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server, "SELECT json, folder, deleted FROM items WHERE id = ? AND kind = ?", NULL);
	g_autoptr(JsonNode) root = NULL;
	sqlite3_bind_text (stmt, 1, graph_id_in (id), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return NULL;
	if (deleted != NULL)
		*deleted = sqlite3_column_int (stmt, 2) != 0;
	else if (sqlite3_column_int (stmt, 2) != 0)
		return NULL;
	root = cs_json_parse ((const gchar *) sqlite3_column_text (stmt, 0), -1, FALSE, NULL);
	if (root == NULL)
		return NULL;
	if (folder != NULL)
		*folder = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
	return json_object_ref (json_node_get_object (root));
}

/* saves @obj (a new change: new changeKey, etag, seq); s/e are the UTC
 * bounds of events, for calendarView windows */
gboolean
graph_item_save (EmuServer *server, const gchar *kind, const gchar *folder, JsonObject *obj,
		 gboolean deleted)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
	g_autofree gchar *text = NULL;
	g_autofree gchar *ck = graph_random_token (6);
	g_autofree gchar *etag = g_strdup_printf ("W/\"%s\"", ck);
	g_autofree gchar *now = emu_now_iso ();
	gint64 seq = graph_next_seq (server);

	if (!deleted) {
		json_object_set_string_member (obj, "changeKey", ck);
		json_object_set_string_member (obj, "@odata.etag", etag);
		json_object_set_string_member (obj, "lastModifiedDateTime", now);
		if (!json_object_has_member (obj, "createdDateTime"))
			json_object_set_string_member (obj, "createdDateTime", now);
	}
	json_node_set_object (node, obj);
	text = emu_json_text (node);
	stmt = emu_db_prepare (server,
			       "INSERT OR REPLACE INTO items (id, kind, folder, json, seq, deleted, s, e)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       NULL);
	sqlite3_bind_text (stmt, 1, json_object_get_string_member (obj, "id"), -1,
			   SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 3, folder, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 4, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 5, seq);
	sqlite3_bind_int (stmt, 6, deleted ? 1 : 0);
	if (json_object_has_member (obj, "_s")) {
		sqlite3_bind_int64 (stmt, 7, json_object_get_int_member (obj, "_s"));
		sqlite3_bind_int64 (stmt, 8, json_object_get_int_member (obj, "_e"));
	}
	return sqlite3_step (stmt) == SQLITE_DONE;
}

/* ------------------------------------------------------------ handlers */

static void
reply_resp (SoupServerMessage *msg, GraphResp *resp)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_response_headers (msg);
	if (resp->retry_after > 0) {
		g_autofree gchar *ra = g_strdup_printf ("%u", resp->retry_after);
		soup_message_headers_replace (hdrs, "Retry-After", ra);
	}
	if (resp->location != NULL)
		soup_message_headers_replace (hdrs, "Location", resp->location);
	if (resp->pref_applied != NULL)
		soup_message_headers_replace (hdrs, "Preference-Applied", resp->pref_applied);
	if (resp->status == 401)
		soup_message_headers_replace (hdrs, "WWW-Authenticate",
					      "Bearer realm=\"\", error=\"invalid_token\"");
	if (resp->body != NULL)
		emu_reply_json (msg, resp->status, "application/json", resp->body);
	else
		emu_reply_text (msg, resp->status, "application/json", NULL);
}

/* Prefer: a comma-separated list of preferences, possibly in several headers */
void
graph_req_parse_prefer (GraphReq *req, const gchar *prefer)
{
	g_auto(GStrv) parts = NULL;
	if (prefer == NULL)
		return;
	parts = g_strsplit (prefer, ",", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		gchar *p = g_strstrip (parts[i]);
		if (g_ascii_strncasecmp (p, "IdType=", 7) == 0)
			req->immutable = g_ascii_strcasecmp (p + 7, "\"ImmutableId\"") == 0 ||
					 g_ascii_strcasecmp (p + 7, "ImmutableId") == 0;
		else if (g_ascii_strncasecmp (p, "odata.maxpagesize=", 18) == 0)
			req->maxpagesize = (guint) g_ascii_strtoull (p + 18, NULL, 10);
		else if (g_ascii_strncasecmp (p, "outlook.timezone=", 17) == 0) {
			g_free (req->timezone);
			req->timezone = g_strdup (p + 17);
			g_strdelimit (req->timezone, "\"", ' ');
			g_strstrip (req->timezone);
		}
	}
}

void
graph_req_clear (GraphReq *req)
{
	g_clear_pointer (&req->path, g_free);
	g_clear_pointer (&req->query, g_hash_table_unref);
	g_clear_pointer (&req->body, json_node_unref);
	g_clear_pointer (&req->timezone, g_free);
	g_clear_pointer (&req->if_match, g_free);
	g_clear_pointer (&req->scope, g_free);
}

/* the bearer token: 401 InvalidAuthenticationToken when missing or expired */
static gboolean
check_bearer (EmuServer *server, SoupServerMessage *msg, GraphReq *req, GraphResp *resp)
{
	const gchar *auth = soup_message_headers_get_one (
	    soup_server_message_get_request_headers (msg), "Authorization");
	g_autoptr(sqlite3_stmt) stmt = NULL;
	if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0) {
		graph_resp_error (resp, 401, "InvalidAuthenticationToken",
				  "Access token is empty.");
		return FALSE;
	}
	stmt = emu_db_prepare (server,
			       "SELECT expires, scope FROM tokens WHERE token = ? AND type = 'access'",
			       NULL);
	sqlite3_bind_text (stmt, 1, auth + 7, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_ROW) {
		graph_resp_error (resp, 401, "InvalidAuthenticationToken",
				  "IDX14100: JWT is not well formed.");
		return FALSE;
	}
	if (sqlite3_column_int64 (stmt, 0) <= now_unix ()) {
		graph_resp_error (resp, 401, "InvalidAuthenticationToken",
				  "Access token has expired or is not yet valid.");
		return FALSE;
	}
	req->scope = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
	return TRUE;
}

static void
inflight_done_cb (SoupServerMessage *msg, gpointer user_data)
{
	GraphState *st = user_data;
	if (st->inflight > 0)
		st->inflight--;
}

static gboolean
hold_done_cb (gpointer data)
{
	soup_server_message_unpause (data);
	return G_SOURCE_REMOVE;
}

static void
graph_handler (EmuServer *server, SoupServerMessage *msg, const gchar *path, GHashTable *query,
	       gpointer user_data)
{
	GraphState *st = state (server);
	SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
	GraphReq req = {0};
	GraphResp resp = {0};
	const gchar *method = soup_server_message_get_method (msg);

	st->stats_requests++;
	req.method = method;
	req.path = g_strdup (path + strlen ("/v1.0"));
	req.query = query != NULL ? g_hash_table_ref (query)
				  : g_hash_table_new (g_str_hash, g_str_equal);
	req.origin = emu_server_get_origin (server);
	req.if_match = g_strdup (soup_message_headers_get_one (in, "If-Match"));
	graph_req_parse_prefer (&req, soup_message_headers_get_list (in, "Prefer"));

	if (!check_bearer (server, msg, &req, &resp))
		goto out;
	/* Outlook's MailboxConcurrency: a 5th request while 4 are in flight */
	if (st->inflight >= MAX_CONCURRENT) {
		st->stats_throttled++;
		resp.retry_after = 1;
		graph_resp_error (&resp, 429, "ApplicationThrottled",
				  "Application is over its MailboxConcurrency limit.");
		goto out;
	}
	st->inflight++;
	g_signal_connect (msg, "finished", G_CALLBACK (inflight_done_cb), st);
	if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "DELETE") != 0) {
		g_autoptr(GError) error = NULL;
		SoupMessageBody *b = soup_server_message_get_request_body (msg);
		if (b->length > 0) {
			req.body = emu_request_json (msg, &error);
			if (req.body == NULL) {
				graph_resp_error (&resp, 400, "BadRequest",
						  "Unable to read JSON request payload: %s",
						  error->message);
				goto out;
			}
		}
	}
	if (g_strcmp0 (req.path, "/$batch") == 0)
		graph_batch (server, &req, &resp);
	else
		graph_dispatch (server, &req, &resp);
out:
	reply_resp (msg, &resp);
	graph_resp_clear (&resp);
	g_free (req.origin);
	graph_req_clear (&req);
	/* test hook: the answer is held back, the request stays in flight */
	if (st->hold_count > 0 && resp.status < 400) {
		st->hold_count--;
		soup_server_message_pause (msg);
		g_timeout_add_full (G_PRIORITY_DEFAULT, st->hold_ms, hold_done_cb, g_object_ref (msg),
				    g_object_unref);
	}
}

/* a To Do task moved to another list (made with that name if there is none
 * yet), as To Do moves it: the task gets a new id in every case (spec 3.5),
 * the old list's delta reports the old id removed */
static void
move_task (EmuServer *server, SoupServerMessage *msg, const gchar *id, const gchar *list_name)
{
	g_autofree gchar *from = NULL;
	g_autofree gchar *list = NULL;
	g_autofree gchar *new_id = graph_random_id ("AAkAL", 12);
	g_autoptr(JsonObject) obj = graph_item_load (server, "task", id, &from, NULL);
	g_autoptr(JsonObject) gone = NULL;
	g_autoptr(sqlite3_stmt) find = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;

	if (obj == NULL) {
		emu_reply_text (msg, 404, "text/plain", "no such task");
		return;
	}
	find = emu_db_prepare (server, "SELECT id FROM folders WHERE kind = 'todoList' AND name = ?",
			       NULL);
	sqlite3_bind_text (find, 1, list_name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (find) == SQLITE_ROW)
		list = g_strdup ((const gchar *) sqlite3_column_text (find, 0));
	if (list == NULL) {
		g_autoptr(sqlite3_stmt) ins = emu_db_prepare (
			server, "INSERT INTO folders VALUES (?, 'todoList', ?, NULL)", NULL);
		list = graph_random_id ("AQMk", 10);
		sqlite3_bind_text (ins, 1, list, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text (ins, 2, list_name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step (ins) != SQLITE_DONE) {
			emu_reply_text (msg, 500, "text/plain", "database error");
			return;
		}
	}
	if (g_str_equal (from, list)) {
		emu_reply_text (msg, 409, "text/plain", "already in that list");
		return;
	}
	gone = json_object_new ();
	json_object_set_string_member (gone, "id", json_object_get_string_member (obj, "id"));
	if (!graph_item_save (server, "task", from, gone, TRUE)) {
		emu_reply_text (msg, 500, "text/plain", "database error");
		return;
	}
	json_object_set_string_member (obj, "id", new_id);
	if (!graph_item_save (server, "task", list, obj, FALSE)) {
		emu_reply_text (msg, 500, "text/plain", "database error");
		return;
	}
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "id");
	json_builder_add_string_value (b, new_id);
	json_builder_set_member_name (b, "list");
	json_builder_add_string_value (b, list);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	emu_reply_json (msg, 200, NULL, root);
}

/* an item moved as Outlook moves it: an immutable id stays, a folder-bound
 * one changes with the folder; the answer carries the id as the request's
 * Prefer asks */
static void
move_hook (EmuServer *server, SoupServerMessage *msg, GHashTable *query)
{
	const gchar *kind = query != NULL ? g_hash_table_lookup (query, "kind") : NULL;
	const gchar *id = query != NULL ? g_hash_table_lookup (query, "id") : NULL;
	const gchar *to = query != NULL ? g_hash_table_lookup (query, "folder") : NULL;
	g_autofree gchar *folder = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *out = NULL;
	GraphReq req = {0};

	if (g_strcmp0 (kind, "task") == 0 && id != NULL && to != NULL) {
		move_task (server, msg, id, to);
		return;
	}
	if (g_strcmp0 (kind, "contact") != 0 || id == NULL || to == NULL) {
		emu_reply_text (msg, 400, "text/plain", "needs kind=contact or task, id and folder");
		return;
	}
	folder = graph_folder_lookup (server, "contactFolder", to);
	if (folder == NULL) {
		emu_reply_text (msg, 404, "text/plain", "no such folder");
		return;
	}
	if (!graph_item_move (server, kind, id, folder, &error)) {
		emu_reply_text (msg, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? 404 : 409,
				"text/plain", error->message);
		return;
	}
	graph_req_parse_prefer (&req, soup_message_headers_get_list (
					  soup_server_message_get_request_headers (msg), "Prefer"));
	out = graph_id_out (&req, folder, graph_id_in (id));
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "id");
	json_builder_add_string_value (b, out);
	json_builder_set_member_name (b, "parentFolderId");
	json_builder_add_string_value (b, folder);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	graph_req_clear (&req);
	emu_reply_json (msg, 200, NULL, root);
}

/* test hooks */
static void
control_handler (EmuServer *server, SoupServerMessage *msg, const gchar *path, GHashTable *query,
		 gpointer user_data)
{
	GraphState *st = state (server);
	if (g_str_equal (path, "/_emulator/stats")) {
		g_autoptr(JsonBuilder) b = json_builder_new ();
		g_autoptr(JsonNode) root = NULL;
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "requests");
		json_builder_add_int_value (b, (gint64) st->stats_requests);
		json_builder_set_member_name (b, "deltaRequests");
		json_builder_add_int_value (b, (gint64) st->stats_delta);
		json_builder_set_member_name (b, "batches");
		json_builder_add_int_value (b, (gint64) st->stats_batches);
		json_builder_set_member_name (b, "writes");
		json_builder_add_int_value (b, (gint64) st->stats_writes);
		json_builder_set_member_name (b, "throttled");
		json_builder_add_int_value (b, (gint64) st->stats_throttled);
		json_builder_set_member_name (b, "invitationsSent");
		json_builder_add_int_value (b, (gint64) st->stats_invitations);
		json_builder_set_member_name (b, "tokensIssued");
		json_builder_add_int_value (b, (gint64) st->stats_tokens);
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		emu_reply_json (msg, 200, NULL, root);
		return;
	}
	if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0) {
		emu_reply_text (msg, 405, "text/plain", "POST only");
		return;
	}
	if (g_str_equal (path, "/_emulator/reset-stats")) {
		st->stats_requests = st->stats_delta = st->stats_batches = 0;
		st->stats_writes = st->stats_throttled = st->stats_invitations = 0;
		st->stats_tokens = 0;
	} else if (g_str_equal (path, "/_emulator/expire-delta-tokens")) {
		emu_db_exec (server, "DELETE FROM delta", NULL);
	} else if (g_str_equal (path, "/_emulator/expire-access-tokens")) {
		emu_db_exec (server, "UPDATE tokens SET expires = 0 WHERE type = 'access'", NULL);
	} else if (g_str_equal (path, "/_emulator/hold")) {
		/* the next N answers are held back MS milliseconds: N requests in
		 * flight at once, to show the mailbox's concurrency limit */
		const gchar *n = query != NULL ? g_hash_table_lookup (query, "count") : NULL;
		const gchar *ms = query != NULL ? g_hash_table_lookup (query, "ms") : NULL;
		st->hold_count = n != NULL ? (guint) g_ascii_strtoull (n, NULL, 10) : 1;
		st->hold_ms = ms != NULL ? (guint) g_ascii_strtoull (ms, NULL, 10) : 500;
	} else if (g_str_equal (path, "/_emulator/move")) {
		move_hook (server, msg, query);
		return;
	} else if (g_str_equal (path, "/_emulator/throttle")) {
		/* the next N Graph requests are answered 429 as if the mailbox were busy */
		const gchar *n = query != NULL ? g_hash_table_lookup (query, "count") : NULL;
		st->throttle_next = n != NULL ? (guint) g_ascii_strtoull (n, NULL, 10) : 1;
	} else {
		emu_reply_text (msg, 404, "text/plain", "unknown test hook");
		return;
	}
	emu_reply_text (msg, 204, "text/plain", NULL);
}

static void
graph_entry_handler (EmuServer *server, SoupServerMessage *msg, const gchar *path,
		     GHashTable *query, gpointer user_data)
{
	GraphState *st = state (server);
	if (st->throttle_next > 0) {
		st->throttle_next--;
		st->stats_throttled++;
		soup_message_headers_replace (soup_server_message_get_response_headers (msg),
					      "Retry-After", "1");
		{
			g_autoptr(JsonNode) err = graph_error_node (
			    "ApplicationThrottled",
			    "Application is over its MailboxConcurrency limit.");
			emu_reply_json (msg, 429, NULL, err);
		}
		return;
	}
	graph_handler (server, msg, path, query, user_data);
}

/* ------------------------------------------------------------- the API */

static void
graph_state_free (gpointer data)
{
	g_free (data);
}

static gboolean
emu_graph_setup (EmuServer *server, GError **error)
{
	GraphState *st = g_new0 (GraphState, 1);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	emu_server_set_api_data (server, st, graph_state_free);
	if (!emu_db_exec (server, schema_sql, error))
		return FALSE;
	stmt = emu_db_prepare (server, "SELECT v FROM meta WHERE k = 'seq'", error);
	if (stmt == NULL)
		return FALSE;
	if (sqlite3_step (stmt) == SQLITE_ROW)
		st->seq = sqlite3_column_int64 (stmt, 0);
	if (!ensure_folder (server, "contactFolder", "Contacts", "contacts", error) ||
	    !ensure_folder (server, "calendar", "Calendar", "calendar", error) ||
	    !ensure_folder (server, "todoList", "Tasks", "defaultList", error) ||
	    !ensure_folder (server, "mailFolder", "Inbox", "inbox", error) ||
	    !ensure_folder (server, "mailFolder", "Sent Items", "sentitems", error))
		return FALSE;
	emu_server_add_handler (server, "/v1.0", graph_entry_handler, NULL);
	emu_server_add_handler_no_faults (server, "/_emulator", control_handler, NULL);
	graph_identity_register (server);
	return TRUE;
}

const EmuApi emu_graph_api = {
    .name = "graph",
    .help = "--user is the mailbox account that signs in (device code and authorization code "
	    "with PKCE complete without a browser), --secret its password on /devicelogin",
    .default_user = "ada@contoso.example",
    .default_secret = "emulator",
    .setup = emu_graph_setup,
    .seed = graph_seed,
    .generate = graph_generate,
};
