/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-server.h"

typedef struct {
	EmuServer *server;
	EmuHandler handler;
	gpointer user_data;
	gboolean faults;
} EmuRoute;

struct _EmuServer {
	const EmuApi *api;
	SoupServer *soup;
	sqlite3 *db;
	guint port;
	gchar *user;
	gchar *secret;
	gpointer api_data;
	GDestroyNotify api_data_destroy;
	GPtrArray *routes;
	/* faults: probabilities per kind */
	gdouble p_5xx, p_429, p_slow, p_reset, p_garbage;
	guint slow_ms;
	guint retry_after;
	GRand *rand;
	/* SQL text → GPtrArray of idle prepared statements, see emu_db_prepare */
	GHashTable *stmts;
};

/* sqlite3 * → EmuServer *, so that a statement released by its autoptr finds its cache */
G_LOCK_DEFINE_STATIC (stmt_cache);
static GHashTable *servers_by_db;

/* Texts built per request (a page's LIMIT/OFFSET) would fill the cache; past
 * this many texts it is emptied and refills with what is in use. */
#define STMT_CACHE_TEXTS 128
#define STMT_CACHE_IDLE 4

EmuServer *
emu_server_new (const EmuApi *api, const gchar *db_path, GError **error)
{
	EmuServer *self = g_new0 (EmuServer, 1);
	self->api = api;
	self->routes = g_ptr_array_new_with_free_func (g_free);
	self->rand = g_rand_new_with_seed (1);
	self->slow_ms = 3000;
	self->retry_after = 1;
	self->user = g_strdup (api->default_user);
	self->secret = g_strdup (api->default_secret);
	if (sqlite3_open (db_path != NULL ? db_path : ":memory:", &self->db) != SQLITE_OK) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open %s: %s",
			     db_path, sqlite3_errmsg (self->db));
		emu_server_free (self);
		return NULL;
	}
	sqlite3_busy_timeout (self->db, 5000);
	self->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify) g_ptr_array_unref);
	G_LOCK (stmt_cache);
	if (servers_by_db == NULL)
		servers_by_db = g_hash_table_new (g_direct_hash, g_direct_equal);
	g_hash_table_insert (servers_by_db, self->db, self);
	G_UNLOCK (stmt_cache);
	self->soup = soup_server_new ("server-header", "crmsync-emulator", NULL);
	if (api->setup != NULL && !api->setup (self, error)) {
		emu_server_free (self);
		return NULL;
	}
	return self;
}

void
emu_server_free (EmuServer *self)
{
	if (self == NULL)
		return;
	if (self->api_data_destroy != NULL)
		self->api_data_destroy (self->api_data);
	g_clear_object (&self->soup);
	G_LOCK (stmt_cache);
	if (servers_by_db != NULL)
		g_hash_table_remove (servers_by_db, self->db);
	G_UNLOCK (stmt_cache);
	g_clear_pointer (&self->stmts, g_hash_table_unref);
	sqlite3_close (self->db);
	g_ptr_array_unref (self->routes);
	g_rand_free (self->rand);
	g_free (self->user);
	g_free (self->secret);
	g_free (self);
}

/**
 * emu_server_set_faults:
 * @spec: comma-separated `kind=probability` with kinds 500 (any 5xx), 429,
 *   slow, reset, garbage; plus `seed=N`, `slow-ms=N`, `retry-after=N`
 */
gboolean
emu_server_set_faults (EmuServer *self, const gchar *spec, GError **error)
{
	g_auto(GStrv) parts = g_strsplit (spec, ",", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit (g_strstrip (parts[i]), "=", 2);
		gdouble p;
		gchar *end = NULL;
		if (kv[0] == NULL || kv[0][0] == '\0')
			continue;
		if (kv[1] == NULL) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "--faults: “%s” needs =VALUE", kv[0]);
			return FALSE;
		}
		p = g_ascii_strtod (kv[1], &end);
		if (end == kv[1] || *end != '\0' || p < 0) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "--faults: “%s” is not a number", kv[1]);
			return FALSE;
		}
		if (g_str_equal (kv[0], "500") || g_str_equal (kv[0], "5xx"))
			self->p_5xx = p;
		else if (g_str_equal (kv[0], "429"))
			self->p_429 = p;
		else if (g_str_equal (kv[0], "slow"))
			self->p_slow = p;
		else if (g_str_equal (kv[0], "reset"))
			self->p_reset = p;
		else if (g_str_equal (kv[0], "garbage"))
			self->p_garbage = p;
		else if (g_str_equal (kv[0], "seed"))
			g_rand_set_seed (self->rand, (guint32) p);
		else if (g_str_equal (kv[0], "slow-ms"))
			self->slow_ms = (guint) p;
		else if (g_str_equal (kv[0], "retry-after"))
			self->retry_after = (guint) p;
		else {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "--faults: unknown fault “%s” (500, 429, slow, reset, garbage, seed, slow-ms, retry-after)",
				     kv[0]);
			return FALSE;
		}
	}
	return TRUE;
}

void
emu_server_set_retry_after (EmuServer *self, guint seconds)
{
	self->retry_after = seconds;
}

static EmuFault
roll_fault (EmuServer *self)
{
	gdouble r = g_rand_double (self->rand);
	gdouble acc = 0;
	if (r < (acc += self->p_5xx))
		return EMU_FAULT_5XX;
	if (r < (acc += self->p_429))
		return EMU_FAULT_429;
	if (r < (acc += self->p_slow))
		return EMU_FAULT_SLOW;
	if (r < (acc += self->p_reset))
		return EMU_FAULT_RESET;
	if (r < (acc += self->p_garbage))
		return EMU_FAULT_GARBAGE;
	return EMU_FAULT_NONE;
}

typedef struct {
	EmuRoute *route;
	SoupServerMessage *msg;
	gchar *path;
	GHashTable *query;
} SlowCall;

static gboolean
slow_call_cb (gpointer data)
{
	SlowCall *call = data;
	call->route->handler (call->route->server, call->msg, call->path, call->query,
			      call->route->user_data);
	soup_server_message_unpause (call->msg);
	g_object_unref (call->msg);
	g_free (call->path);
	if (call->query != NULL)
		g_hash_table_unref (call->query);
	g_free (call);
	return G_SOURCE_REMOVE;
}

static void
route_cb (SoupServer *soup, SoupServerMessage *msg, const gchar *path, GHashTable *query,
	  gpointer user_data)
{
	EmuRoute *route = user_data;
	EmuServer *self = route->server;
	EmuFault fault = route->faults ? roll_fault (self) : EMU_FAULT_NONE;

	g_debug ("%s %s", soup_server_message_get_method (msg), path);
	switch (fault) {
	case EMU_FAULT_5XX:
		emu_reply_text (msg, g_rand_boolean (self->rand) ? 500 : 503, "text/html",
				"<html><body><h1>Internal Server Error</h1></body></html>");
		return;
	case EMU_FAULT_429: {
		g_autofree gchar *ra = g_strdup_printf ("%u", self->retry_after);
		soup_message_headers_replace (soup_server_message_get_response_headers (msg),
					      "Retry-After", ra);
		emu_reply_text (msg, 429, "application/json",
				"{\"error\":\"Too many requests\"}");
		return;
	}
	case EMU_FAULT_RESET: {
		GIOStream *stream = soup_server_message_steal_connection (msg);
		g_io_stream_close (stream, NULL, NULL);
		g_object_unref (stream);
		return;
	}
	case EMU_FAULT_GARBAGE:
		emu_reply_text (msg, 200, "application/json", "{\"data\": [{\"id\": \"1\", \"att");
		return;
	case EMU_FAULT_SLOW: {
		SlowCall *call = g_new0 (SlowCall, 1);
		call->route = route;
		call->msg = g_object_ref (msg);
		call->path = g_strdup (path);
		call->query = query != NULL ? g_hash_table_ref (query) : NULL;
		soup_server_message_pause (msg);
		g_timeout_add (self->slow_ms, slow_call_cb, call);
		return;
	}
	case EMU_FAULT_NONE:
	default:
		route->handler (self, msg, path, query, route->user_data);
	}
}

static void
add_route (EmuServer *self, const gchar *path, EmuHandler handler, gpointer user_data,
	   gboolean faults)
{
	EmuRoute *route = g_new0 (EmuRoute, 1);
	route->server = self;
	route->handler = handler;
	route->user_data = user_data;
	route->faults = faults;
	g_ptr_array_add (self->routes, route);
	soup_server_add_handler (self->soup, path, route_cb, route, NULL);
}

void
emu_server_add_handler (EmuServer *self, const gchar *path, EmuHandler handler,
			gpointer user_data)
{
	add_route (self, path, handler, user_data, TRUE);
}

void
emu_server_add_handler_no_faults (EmuServer *self, const gchar *path, EmuHandler handler,
				  gpointer user_data)
{
	add_route (self, path, handler, user_data, FALSE);
}

gboolean
emu_server_listen (EmuServer *self, guint port, GError **error)
{
	g_autoptr(GSList) uris = NULL;
	if (!soup_server_listen_local (self->soup, port, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
		return FALSE;
	uris = soup_server_get_uris (self->soup);
	self->port = uris != NULL ? (guint) g_uri_get_port (uris->data) : port;
	g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
	return TRUE;
}

guint
emu_server_get_port (EmuServer *self)
{
	return self->port;
}

gchar *
emu_server_get_origin (EmuServer *self)
{
	return g_strdup_printf ("http://127.0.0.1:%u", self->port);
}

void
emu_server_set_credentials (EmuServer *self, const gchar *user, const gchar *secret)
{
	if (user != NULL) {
		g_free (self->user);
		self->user = g_strdup (user);
	}
	if (secret != NULL) {
		g_free (self->secret);
		self->secret = g_strdup (secret);
	}
}

const gchar *
emu_server_get_user (EmuServer *self)
{
	return self->user;
}

const gchar *
emu_server_get_secret (EmuServer *self)
{
	return self->secret;
}

sqlite3 *
emu_server_get_db (EmuServer *self)
{
	return self->db;
}

SoupServer *
emu_server_get_soup (EmuServer *self)
{
	return self->soup;
}

const EmuApi *
emu_server_get_api (EmuServer *self)
{
	return self->api;
}

gpointer
emu_server_get_api_data (EmuServer *self)
{
	return self->api_data;
}

void
emu_server_set_api_data (EmuServer *self, gpointer data, GDestroyNotify destroy)
{
	if (self->api_data_destroy != NULL)
		self->api_data_destroy (self->api_data);
	self->api_data = data;
	self->api_data_destroy = destroy;
}

gboolean
emu_db_exec (EmuServer *self, const gchar *sql, GError **error)
{
	gchar *msg = NULL;
	if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "sql: %s", msg);
		sqlite3_free (msg);
		return FALSE;
	}
	return TRUE;
}

/* Preparing a statement costs more than running it for the one-row lookups
 * the emulators make per record (a contact's addresses, an item's folder), so
 * statements are kept per SQL text: emu_db_release (the autoptr cleanup)
 * resets one and puts it back, emu_db_prepare hands it out again. */
sqlite3_stmt *
emu_db_prepare (EmuServer *self, const gchar *sql, GError **error)
{
	sqlite3_stmt *stmt = NULL;
	GPtrArray *idle;

	G_LOCK (stmt_cache);
	idle = self->stmts != NULL ? g_hash_table_lookup (self->stmts, sql) : NULL;
	if (idle != NULL && idle->len > 0)
		stmt = g_ptr_array_steal_index_fast (idle, idle->len - 1);
	G_UNLOCK (stmt_cache);
	if (stmt != NULL)
		return stmt;
	if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "sql: %s: %s",
			     sqlite3_errmsg (self->db), sql);
		return NULL;
	}
	return stmt;
}

/* runs one statement without rows (BEGIN, COMMIT), prepared once */
gboolean
emu_db_step (EmuServer *self, const gchar *sql)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (self, sql, NULL);
	return stmt != NULL && sqlite3_step (stmt) == SQLITE_DONE;
}

static void
stmt_finalize (gpointer stmt)
{
	sqlite3_finalize (stmt);
}

void
emu_db_release (sqlite3_stmt *stmt)
{
	EmuServer *server;
	const gchar *sql;
	GPtrArray *idle;

	if (stmt == NULL)
		return;
	sqlite3_reset (stmt);
	sqlite3_clear_bindings (stmt);
	sql = sqlite3_sql (stmt);
	G_LOCK (stmt_cache);
	server = servers_by_db != NULL ? g_hash_table_lookup (servers_by_db, sqlite3_db_handle (stmt))
				       : NULL;
	if (server == NULL || sql == NULL) {
		G_UNLOCK (stmt_cache);
		sqlite3_finalize (stmt);
		return;
	}
	idle = g_hash_table_lookup (server->stmts, sql);
	if (idle == NULL) {
		if (g_hash_table_size (server->stmts) >= STMT_CACHE_TEXTS)
			g_hash_table_remove_all (server->stmts);
		idle = g_ptr_array_new_with_free_func (stmt_finalize);
		g_hash_table_insert (server->stmts, g_strdup (sql), idle);
	}
	if (idle->len < STMT_CACHE_IDLE) {
		g_ptr_array_add (idle, stmt);
		stmt = NULL;
	}
	G_UNLOCK (stmt_cache);
	if (stmt != NULL)
		sqlite3_finalize (stmt);
}

/**
 * emu_json_text:
 * Returns: (transfer full): @node as compact JSON text
 *
 * cs_json_to_data writes several times faster than json-glib, whose generator
 * was a sixth of the OroCRM emulator's CPU in a first sync; the same values,
 * json-glib's text only for what it refuses (NaN, infinities).
 */
gchar *
emu_json_text (JsonNode *node)
{
	gchar *text = cs_json_to_data (node, FALSE, NULL);
	return text != NULL ? text : json_to_string (node, FALSE);
}

void
emu_reply_json (SoupServerMessage *msg, guint status, const gchar *content_type, JsonNode *node)
{
	gchar *text = emu_json_text (node);

	soup_server_message_set_status (msg, status, NULL);
	soup_server_message_set_response (msg, content_type != NULL ? content_type : "application/json",
					  SOUP_MEMORY_TAKE, text, strlen (text));
}

void
emu_reply_text (SoupServerMessage *msg, guint status, const gchar *content_type,
		const gchar *text)
{
	soup_server_message_set_status (msg, status, NULL);
	if (text != NULL)
		soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, text,
						  strlen (text));
}

/**
 * emu_request_json:
 * Returns: (transfer full): the request body parsed
 */
JsonNode *
emu_request_json (SoupServerMessage *msg, GError **error)
{
	SoupMessageBody *body = soup_server_message_get_request_body (msg);
	g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
	gsize len = 0;
	const gchar *data = g_bytes_get_data (bytes, &len);

	if (len == 0) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "the request body is empty");
		return NULL;
	}
	/* json-glib's parser was a quarter of the Graph emulator's CPU in a
	 * first sync's $batch requests */
	return cs_json_parse (data, (gssize) len, FALSE, error);
}

gchar *
emu_now_iso (void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

static const gchar *first_names[] = {
    "Søren", "Åse", "Jürgen", "Mette", "Björn", "Zoë", "Ærøskøbing", "Günther", "Ingrid",
    "Ole", "Frédéric", "Maja", "Łukasz", "Hannah", "Niels", "Käthe", "Jens", "Siobhán",
    "Bo", "Anneliese",
};
static const gchar *last_names[] = {
    "Jørgensen", "Müller", "Østergaard", "Schröder", "Bækgaard", "Åkesson", "Weiß",
    "Nørgaard", "Fischer", "Lindqvist", "Hansen", "Krüger", "Dupont", "Kowalski",
    "Brønnum", "O'Neill", "Jensen", "Straße-Lang", "Møller", "Zimmermann",
};
static const gchar *companies[] = {
    "Grøn Energi A/S", "Müller & Söhne GmbH", "Fjord Logistik ApS", "Bäckerei Weiß KG",
    "Nordlys Consulting", "Ærø Shipping", "Köln Software AG", "Smørrebrød & Co",
};
static const gchar *cities[] = {
    "København", "Århus", "München", "Köln", "Odense", "Düsseldorf", "Aalborg", "Zürich",
};

const gchar *
emu_sample_first_name (guint i)
{
	return first_names[i % G_N_ELEMENTS (first_names)];
}

const gchar *
emu_sample_last_name (guint i)
{
	return last_names[(i / G_N_ELEMENTS (first_names) + i * 7) % G_N_ELEMENTS (last_names)];
}

const gchar *
emu_sample_company (guint i)
{
	return companies[i % G_N_ELEMENTS (companies)];
}

const gchar *
emu_sample_city (guint i)
{
	return cities[i % G_N_ELEMENTS (cities)];
}

gchar *
emu_sample_note (guint i)
{
	GString *s = g_string_new (NULL);
	guint lines = 1 + i % 12;
	for (guint l = 0; l < lines; l++)
		g_string_append_printf (s,
					"Møde %u: talte om tilbud og levering – Ärger über Lieferzeit, "
					"neue Preise für Q%u.\n",
					l + 1, 1 + (i + l) % 4);
	return g_string_free (s, FALSE);
}
