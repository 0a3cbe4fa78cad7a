/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Microsoft Graph's answers as the provider takes them: list and delta pages
 * of contacts, tasks, events and messages, a $batch answer to creates,
 * updates and deletes, and an error document. The first byte chooses which:
 * the kind (bits 0-1), the answer (bits 2-6, modulo 3) and for mail the
 * direction (bit 7); a $batch answer has a second byte, the writes sent.
 */
#include <string.h>

#include "../../plugins/graph/cs-graph-private.h"
#include "fuzz-common.h"

/*
 * A $batch answer to writes, as the write loop takes it: the writes it leaves
 * for another round are sent again (with new request ids, as the provider
 * numbers each batch afresh) and get the same answer, until none is left.
 * @ops: bits 0-4 the number of writes (modulo 20, + 1), bits 5-6 their
 * actions (create, update, delete, mixed), bit 7 all in their last round.
 */
static void
take_batch (CsKind kind, guint8 ops, const guint8 *text, gsize len)
{
	/* read as the provider reads it: a document (it accepts what json-glib does) */
	g_autoptr(CsJsonDoc) doc = cs_json_doc_parse ((const gchar *) text, (gssize) len, NULL);
	g_autoptr(GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GPtrArray) queue = g_ptr_array_new ();
	guint n = (ops & 0x1f) % 20 + 1;
	guint rounds = 0;

	if (doc == NULL)
		return; /* test-json holds it to json-glib's verdict */
	for (guint i = 0; i < n; i++) {
		guint mix = (ops >> 5) & 3;
		CsWriteAction action = mix == 3 ? (CsWriteAction) (i % 3) : (CsWriteAction) mix;
		g_autofree gchar *id = g_strdup_printf ("AAMkAD%u=", i);
		g_autoptr(CsRecord) rec = cs_record_new (kind, action == CS_WRITE_CREATE ? NULL : id);
		CsGraphPending *p = g_new0 (CsGraphPending, 1);
		p->op = cs_write_op_new (action, rec);
		p->tries = (ops & 0x80) ? CS_GRAPH_WRITE_ROUNDS - 1 : 0;
		g_ptr_array_add (writes, p->op);
		g_ptr_array_add (pending, p);
		g_ptr_array_add (queue, p);
	}
	while (queue->len > 0) {
		g_autoptr(GPtrArray) retry = g_ptr_array_new ();
		g_autoptr(GError) error = NULL;
		guint wait_s = 0;
		for (guint i = 0; i < queue->len; i++) {
			CsGraphPending *p = g_ptr_array_index (queue, i);
			if (p->op->id != NULL || p->op->error != NULL)
				g_error ("a write settled before is sent again");
		}
		if (!cs_graph_take_batch (kind, queue, cs_json_doc_get_root (doc), retry, &wait_s,
					  &error)) {
			g_assert (error != NULL && error->message != NULL);
			/* the provider gives up the kind: no op counts as written */
			for (guint i = 0; i < queue->len; i++) {
				CsGraphPending *p = g_ptr_array_index (queue, i);
				g_assert (p->op->id == NULL && p->op->error == NULL);
			}
			return;
		}
		if (++rounds > CS_GRAPH_WRITE_ROUNDS)
			g_error ("writes are sent again and again: %u left after %u rounds",
				 retry->len, rounds);
		g_ptr_array_set_size (queue, 0);
		for (guint i = 0; i < retry->len; i++)
			g_ptr_array_add (queue, g_ptr_array_index (retry, i));
	}
	/* a result per write: an id, or an error that says why */
	for (guint i = 0; i < writes->len; i++) {
		CsWriteOp *op = g_ptr_array_index (writes, i);
		if ((op->id != NULL) == (op->error != NULL))
			g_error ("write %u: %s", i, op->id != NULL ? "both an id and an error"
								   : "no result");
		if (op->error != NULL && (op->error->message == NULL || op->error->message[0] == '\0'))
			g_error ("write %u: an error without a message", i);
		if (op->id != NULL && op->id[0] == '\0')
			g_error ("write %u: done with an empty id", i);
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static const CsKind kinds[] = {CS_KIND_CONTACT, CS_KIND_TASK, CS_KIND_EVENT, CS_KIND_EMAIL};
	g_autoptr(JsonNode) root = NULL;
	CsKind kind;
	guint what;
	guint8 ops = 0;

	fuzz_init ();
	if (size < 1)
		return 0;
	kind = kinds[data[0] % G_N_ELEMENTS (kinds)];
	what = ((data[0] & 0x7f) >> 2) % 3;
	if (what == 1) {
		/* one more byte: the writes that were sent */
		if (size < 2)
			return 0;
		ops = data[1];
		data++;
		size--;
	}
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
		g_autoptr(CsJsonDoc) doc =
		    cs_json_doc_parse ((const gchar *) data + 1, (gssize) size - 1, NULL);
		if (doc == NULL)
			return 0; /* test-json holds it to json-glib's verdict */
		if (!cs_graph_read_page (NULL, kind, cs_json_doc_get_root (doc), dir, out, sink,
					 &next, &delta, NULL, &error)) {
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
	} else if (what == 1) {
		take_batch (kind == CS_KIND_EMAIL ? CS_KIND_CONTACT : kind, ops, data + 1, size - 1);
	} else {
		g_autoptr(GError) error = NULL;
		cs_graph_set_error (&error, 400 + data[0] % 200, root);
		g_assert (error != NULL && error->message != NULL);
	}
	return 0;
}
