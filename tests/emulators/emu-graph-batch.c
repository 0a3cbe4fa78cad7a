/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-graph-private.h"

/*
 * JSON batching (spec 3.8): at most 20 requests, unique ids, relative URLs,
 * headers with Content-Type when there is a body, dependsOn naming ids of the
 * same batch. Items run in rounds: an item runs once what it depends on has
 * run; a failed dependency answers 424. Each round's items run together
 * against the mailbox, so beyond its 4 concurrent requests (counting the
 * mailbox's other requests in flight) an item gets 429 + Retry-After.
 */

#define MAX_BATCH 20
#define MAX_CONCURRENT 4

typedef struct {
	const gchar *id;
	JsonObject *req;      /* (unowned) */
	JsonArray *depends;   /* (unowned) (nullable) */
	gboolean done;
	guint status;
	JsonNode *response;   /* (owned) */
} BatchItem;

static JsonNode *
item_response (const gchar *id, GraphResp *r)
{
	JsonObject *o = json_object_new ();
	JsonObject *h = json_object_new ();
	JsonNode *node = json_node_new (JSON_NODE_OBJECT);
	json_object_set_string_member (o, "id", id);
	json_object_set_int_member (o, "status", r->status);
	json_object_set_string_member (h, "Content-Type", "application/json");
	if (r->retry_after > 0) {
		g_autofree gchar *ra = g_strdup_printf ("%u", r->retry_after);
		json_object_set_string_member (h, "Retry-After", ra);
	}
	if (r->location != NULL)
		json_object_set_string_member (h, "Location", r->location);
	json_object_set_object_member (o, "headers", h);
	if (r->body != NULL)
		json_object_set_member (o, "body", json_node_ref (r->body));
	json_node_take_object (node, o);
	return node;
}

static void
run_item (EmuServer *server, GraphReq *outer, BatchItem *item, GraphResp *r)
{
	GraphReq req = {0};
	const gchar *url = json_object_get_string_member (item->req, "url");
	JsonObject *headers = graph_obj_object (item->req, "headers");
	g_autofree gchar *path = NULL;
	const gchar *q;
	g_autoptr(GUri) uri = NULL;
	g_autofree gchar *full = NULL;

	req.method = json_object_get_string_member (item->req, "method");
	req.scope = g_strdup (outer->scope);
	req.origin = g_strdup (outer->origin);
	/* a relative URL, with or without the leading slash */
	full = g_strdup_printf ("http://x/%s", url[0] == '/' ? url + 1 : url);
	uri = g_uri_parse (full, G_URI_FLAGS_ENCODED_QUERY, NULL);
	path = g_uri_unescape_string (g_uri_get_path (uri), NULL);
	req.path = g_steal_pointer (&path);
	q = g_uri_get_query (uri);
	req.query = q != NULL ? soup_form_decode (q) : g_hash_table_new (g_str_hash, g_str_equal);
	if (headers != NULL) {
		g_autoptr(GList) names = json_object_get_members (headers);
		for (GList *l = names; l != NULL; l = l->next) {
			const gchar *v = json_object_get_string_member (headers, l->data);
			if (g_ascii_strcasecmp (l->data, "Prefer") == 0)
				graph_req_parse_prefer (&req, v);
			else if (g_ascii_strcasecmp (l->data, "If-Match") == 0)
				req.if_match = g_strdup (v);
		}
	}
	if (json_object_has_member (item->req, "body"))
		req.body = json_node_copy (json_object_get_member (item->req, "body"));
	graph_dispatch (server, &req, r);
	graph_req_clear (&req);
	g_free (req.origin);
}

static gboolean
validate (JsonNode *body, GPtrArray *items, gchar **why)
{
	JsonArray *reqs;
	g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

	if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body) ||
	    (reqs = graph_obj_array (json_node_get_object (body), "requests")) ==
		NULL) {
		*why = g_strdup ("Invalid batch payload format.");
		return FALSE;
	}
	if (json_array_get_length (reqs) == 0 || json_array_get_length (reqs) > MAX_BATCH) {
		*why = g_strdup_printf ("Number of batch request steps exceeds the maximum value "
					"of %u.",
					MAX_BATCH);
		return FALSE;
	}
	for (guint i = 0; i < json_array_get_length (reqs); i++) {
		JsonNode *n = json_array_get_element (reqs, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
		BatchItem *item;
		const gchar *id, *url, *method;
		JsonObject *headers;
		if (o == NULL) {
			*why = g_strdup ("Invalid batch payload format.");
			return FALSE;
		}
		id = json_object_get_string_member_with_default (o, "id", NULL);
		url = json_object_get_string_member_with_default (o, "url", NULL);
		method = json_object_get_string_member_with_default (o, "method", NULL);
		if (id == NULL || url == NULL || method == NULL) {
			*why = g_strdup ("Each batch request needs id, method and url.");
			return FALSE;
		}
		if (g_hash_table_contains (ids, id)) {
			*why = g_strdup_printf ("Batch request id '%s' is not unique.", id);
			return FALSE;
		}
		if (strstr (url, "://") != NULL) {
			*why = g_strdup ("Batch request urls must be relative.");
			return FALSE;
		}
		headers = graph_obj_object (o, "headers");
		if (json_object_has_member (o, "body")) {
			gboolean ct = FALSE;
			g_autoptr(GList) names =
			    headers != NULL ? json_object_get_members (headers) : NULL;
			for (GList *l = names; l != NULL; l = l->next)
				ct |= g_ascii_strcasecmp (l->data, "Content-Type") == 0;
			if (!ct) {
				*why = g_strdup_printf ("Batch request '%s' has a body without a "
							"Content-Type header.",
							id);
				return FALSE;
			}
		}
		g_hash_table_add (ids, (gpointer) id);
		item = g_new0 (BatchItem, 1);
		item->id = id;
		item->req = o;
		item->depends = graph_obj_array (o, "dependsOn");
		g_ptr_array_add (items, item);
	}
	for (guint i = 0; i < items->len; i++) {
		BatchItem *item = g_ptr_array_index (items, i);
		for (guint j = 0; item->depends != NULL && j < json_array_get_length (item->depends);
		     j++) {
			const gchar *dep = json_array_get_string_element (item->depends, j);
			if (dep == NULL || !g_hash_table_contains (ids, dep) ||
			    g_str_equal (dep, item->id)) {
				*why = g_strdup_printf ("Batch request '%s' depends on an unknown "
							"request.",
							item->id);
				return FALSE;
			}
		}
	}
	return TRUE;
}

static void
batch_item_free (gpointer data)
{
	BatchItem *item = data;
	if (item->response != NULL)
		json_node_unref (item->response);
	g_free (item);
}

static BatchItem *
find (GPtrArray *items, const gchar *id)
{
	for (guint i = 0; i < items->len; i++) {
		BatchItem *item = g_ptr_array_index (items, i);
		if (g_str_equal (item->id, id))
			return item;
	}
	return NULL;
}

static gboolean
dep_done (GPtrArray *items, const gchar *id)
{
	BatchItem *dep = find (items, id);
	return dep == NULL || dep->done;
}

static gboolean
dep_failed (GPtrArray *items, const gchar *id)
{
	BatchItem *dep = find (items, id);
	return dep == NULL || dep->status >= 400;
}

void
graph_batch (EmuServer *server, GraphReq *req, GraphResp *resp)
{
	GraphState *st = emu_server_get_api_data (server);
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (batch_item_free);
	g_autofree gchar *why = NULL;
	JsonArray *responses;
	JsonObject *o;
	guint left;
	gboolean own_transaction;

	st->stats_batches++;
	if (!g_str_equal (req->method, "POST")) {
		graph_resp_error (resp, 405, "ErrorInvalidRequest", "$batch takes POST.");
		return;
	}
	if (!validate (req->body, items, &why)) {
		graph_resp_error (resp, 400, "BadRequest", "%s", why);
		return;
	}
	left = items->len;
	/* The items run one after another with nothing in between, so one
	 * transaction for all of them is invisible from outside, and spares each
	 * insert its own commit (a sixth of the emulator's CPU was SQLite's). A
	 * failed statement still undoes only itself; nothing is rolled back. */
	own_transaction = sqlite3_get_autocommit (emu_server_get_db (server)) &&
			  emu_db_step (server, "BEGIN");
	while (left > 0) {
		g_autoptr(GPtrArray) round = g_ptr_array_new ();
		/* the batch's own request is not a mailbox request; others are */
		guint slots = st->inflight > 0 ? MAX_CONCURRENT - MIN (MAX_CONCURRENT, st->inflight - 1)
					       : MAX_CONCURRENT;
		for (guint i = 0; i < items->len; i++) {
			BatchItem *item = g_ptr_array_index (items, i);
			gboolean ready = !item->done;
			for (guint j = 0; ready && item->depends != NULL &&
					  j < json_array_get_length (item->depends);
			     j++)
				ready = dep_done (items,
						  json_array_get_string_element (item->depends, j));
			if (ready)
				g_ptr_array_add (round, item);
		}
		if (round->len == 0) {
			/* a dependency cycle: what is left cannot run */
			for (guint i = 0; i < items->len; i++) {
				BatchItem *item = g_ptr_array_index (items, i);
				GraphResp r = {0};
				if (item->done)
					continue;
				graph_resp_error (&r, 424, "FailedDependency",
						  "The request depends on a request that cannot run.");
				item->response = item_response (item->id, &r);
				item->done = TRUE;
				graph_resp_clear (&r);
			}
			break;
		}
		guint running = 0;
		for (guint i = 0; i < round->len; i++) {
			BatchItem *item = g_ptr_array_index (round, i);
			GraphResp r = {0};
			gboolean failed_dep = FALSE;
			for (guint j = 0; item->depends != NULL &&
					  j < json_array_get_length (item->depends);
			     j++)
				failed_dep |= dep_failed (
				    items, json_array_get_string_element (item->depends, j));
			if (failed_dep) {
				graph_resp_error (&r, 424, "FailedDependency",
						  "The request depends on a request that failed.");
			} else if (running >= slots) {
				st->stats_throttled++;
				r.retry_after = 1;
				graph_resp_error (&r, 429, "ApplicationThrottled",
						  "Application is over its MailboxConcurrency "
						  "limit.");
			} else {
				running++;
				run_item (server, req, item, &r);
			}
			item->status = r.status;
			item->response = item_response (item->id, &r);
			graph_resp_clear (&r);
		}
		for (guint i = 0; i < round->len; i++) {
			BatchItem *item = g_ptr_array_index (round, i);
			item->done = TRUE;
			left--;
		}
	}
	if (own_transaction && !emu_db_step (server, "COMMIT"))
		g_warning ("$batch: cannot commit: %s", sqlite3_errmsg (emu_server_get_db (server)));
	responses = json_array_new ();
	for (guint i = 0; i < items->len; i++) {
		BatchItem *item = g_ptr_array_index (items, i);
		json_array_add_element (responses, json_node_ref (item->response));
	}
	o = json_object_new ();
	json_object_set_array_member (o, "responses", responses);
	resp->status = 200;
	resp->body = json_node_new (JSON_NODE_OBJECT);
	json_node_take_object (resp->body, o);
}
