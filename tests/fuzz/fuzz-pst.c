/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pst provider's side of the reader's stream: JSON lines as they come
 * through the pipe, in chunks of a size taken from the first byte.
 */
#include <string.h>

#include "../../plugins/pst/cs-pst-private.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(CsPstProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	g_autoptr(GString) buf = g_string_new (NULL);
	g_autofree gchar *message = NULL;
	CsKind kind;
	gsize chunk;

	fuzz_init ();
	if (size < 1)
		return 0;
	kind = (CsKind) (data[0] % CS_KIND_LAST);
	chunk = (data[0] >> 3) + 1;
	data++;
	size--;
	provider = g_object_new (CS_TYPE_PST_PROVIDER, NULL);
	sink = cs_read_sink_new (kind, TRUE);
	for (gsize off = 0; off < size; off += chunk) {
		gchar *m = NULL;
		g_string_append_len (buf, (const gchar *) data + off, (gssize) MIN (chunk, size - off));
		cs_pst_provider_decode_stream (provider, kind, buf, sink, &m);
		if (message == NULL)
			message = m;
		else
			g_free (m);
	}
	/* every record given to the engine has an id and a version */
	{
		GPtrArray *records = cs_read_sink_get_records (sink);
		for (guint i = 0; i < records->len; i++) {
			CsRecord *r = g_ptr_array_index (records, i);
			g_assert (cs_record_get_id (r) != NULL);
			g_assert (cs_record_get_kind (r) == kind);
			g_assert (cs_record_get_version (r) != NULL);
		}
	}
	return 0;
}
