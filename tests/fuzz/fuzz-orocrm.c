/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OroCRM's answers as the provider takes them: a JSON:API list page of
 * contacts (with included addresses) or tasks, a REST page of calendar
 * events, and an error document. The first byte chooses which.
 */
#include <string.h>

#include "../../plugins/orocrm/cs-orocrm-private.h"
#include "fuzz-common.h"

static void
context_init (CsOrocrmContext *ctx)
{
	memset (ctx, 0, sizeof *ctx);
	ctx->country_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	ctx->country_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert (ctx->country_names, g_strdup ("DE"), g_strdup ("Germany"));
	g_hash_table_insert (ctx->country_codes, g_strdup ("germany"), g_strdup ("DE"));
	g_hash_table_insert (ctx->country_codes, g_strdup ("de"), g_strdup ("DE"));
	ctx->owner = g_strdup ("1");
}

static void
context_clear (CsOrocrmContext *ctx)
{
	g_hash_table_unref (ctx->country_names);
	g_hash_table_unref (ctx->country_codes);
	for (guint i = 0; i < CS_KIND_LAST; i++)
		g_clear_pointer (&ctx->custom[i], g_ptr_array_unref);
	g_free (ctx->owner);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(JsonNode) root = NULL;
	CsOrocrmContext ctx;
	guint what;

	fuzz_init ();
	if (size < 1)
		return 0;
	what = data[0] % 4;
	root = fuzz_json (data + 1, size - 1);
	if (root == NULL)
		return 0;
	context_init (&ctx);
	if (what <= 1 && JSON_NODE_HOLDS_OBJECT (root)) {
		CsKind kind = what == 0 ? CS_KIND_CONTACT : CS_KIND_TASK;
		g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
		g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
		g_autofree gchar *watermark = NULL;
		const gchar *next = NULL;
		g_autoptr(CsJsonDoc) doc = cs_json_doc_new_from_node (root);
		guint n = cs_orocrm_read_page (&ctx, kind, cs_json_doc_get_root (doc), sink,
					       &watermark, seen, &next);
		g_assert (n == cs_read_sink_get_records (sink)->len);
		for (guint i = 0; i < n; i++) {
			CsRecord *r = g_ptr_array_index (cs_read_sink_get_records (sink), i);
			g_autoptr(JsonObject) back = kind == CS_KIND_CONTACT
							 ? cs_orocrm_contact_to_json (&ctx, r)
							 : cs_orocrm_task_to_json (&ctx, r, FALSE);
			g_assert (cs_record_get_id (r) != NULL);
		}
	} else if (what == 2 && JSON_NODE_HOLDS_ARRAY (root)) {
		g_autoptr(CsReadSink) sink = cs_read_sink_new (CS_KIND_EVENT, TRUE);
		guint n = cs_orocrm_read_event_page (&ctx, json_node_get_array (root), sink);
		for (guint i = 0; i < n; i++) {
			CsRecord *r = g_ptr_array_index (cs_read_sink_get_records (sink), i);
			g_autoptr(JsonObject) back = cs_orocrm_event_to_json (r);
		}
	} else {
		g_autofree gchar *text = cs_orocrm_error_text (root);
		g_assert (text != NULL);
	}
	context_clear (&ctx);
	return 0;
}
