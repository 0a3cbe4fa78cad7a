/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Microsoft Graph's answers as the provider takes them: list and delta pages
 * of contacts, tasks, events and messages, a $batch answer's bodies, and an
 * error document. The first byte chooses which: the kind (bits 0-1), the
 * answer (bits 2-6, modulo 3) and for mail the direction (bit 7).
 */
#include <string.h>

#include "../../plugins/graph/cs-graph-private.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static const CsKind kinds[] = {CS_KIND_CONTACT, CS_KIND_TASK, CS_KIND_EVENT, CS_KIND_EMAIL};
	g_autoptr(JsonNode) root = NULL;
	CsKind kind;
	guint what;

	fuzz_init ();
	if (size < 1)
		return 0;
	kind = kinds[data[0] % G_N_ELEMENTS (kinds)];
	what = ((data[0] & 0x7f) >> 2) % 3;
	root = fuzz_json (data + 1, size - 1);
	if (root == NULL)
		return 0;
	if (what == 0) {
		g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
		g_autoptr(GPtrArray) out =
		    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
		g_autoptr(GError) error = NULL;
		const gchar *next = NULL, *delta = NULL;
		CsGraphMailDirection dir = (data[0] & 0x80) ? CS_GRAPH_MAIL_OUTBOUND
							    : CS_GRAPH_MAIL_INBOUND;
		if (!cs_graph_read_page (NULL, kind, root, dir, out, sink, &next, &delta, NULL,
					 &error)) {
			g_assert (error != NULL);
			return 0;
		}
		for (guint i = 0; i < out->len; i++) {
			CsRecord *r = g_ptr_array_index (out, i);
			g_autoptr(GError) error_back = NULL;
			g_autoptr(JsonObject) back = NULL;
			g_assert (cs_record_get_id (r) != NULL);
			if (cs_record_is_deleted (r))
				continue;
			/* what we read we can write */
			back = cs_graph_map_from_record (kind, r, &error_back);
			g_assert (back != NULL || error_back != NULL);
		}
	} else if (what == 1 && JSON_NODE_HOLDS_OBJECT (root)) {
		/* a $batch answer: each response's body as a saved item */
		JsonNode *responses = json_object_get_member (json_node_get_object (root), "responses");
		JsonArray *a = responses != NULL && JSON_NODE_HOLDS_ARRAY (responses)
				   ? json_node_get_array (responses)
				   : NULL;
		for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
			JsonNode *n = json_array_get_element (a, i);
			JsonNode *body = JSON_NODE_HOLDS_OBJECT (n)
					     ? json_object_get_member (json_node_get_object (n), "body")
					     : NULL;
			g_autoptr(GError) error = NULL;
			g_autoptr(CsRecord) r = NULL;
			if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
				continue;
			r = cs_graph_map_to_record (kind, json_node_get_object (body),
						    CS_GRAPH_MAIL_INBOUND, &error);
			g_assert (r != NULL || error != NULL);
		}
	} else {
		g_autoptr(GError) error = NULL;
		cs_graph_set_error (&error, 400 + data[0] % 200, root);
		g_assert (error != NULL && error->message != NULL);
	}
	return 0;
}
