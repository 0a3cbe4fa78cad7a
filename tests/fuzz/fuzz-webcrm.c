/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * webCRM's answers as the provider takes them: list pages of persons (joined
 * with organisations), organisations, activities; /Meetings pages and single
 * meetings; the users and organisations lookups; field metadata; an error's
 * message. The first byte chooses which: the body (bits 0-1), the kind (bits 2-6,
 * modulo 5) and the edition (bit 7, B2C); one provider
 * takes a sequence of bodies separated by a line "--".
 */
#include <string.h>

#include "../../plugins/webcrm/cs-webcrm-private.h"
#include "fuzz-common.h"

static void
take (CsWebcrmProvider *provider, guint8 what, const gchar *body, gsize len)
{
	g_autoptr(JsonNode) root = fuzz_json ((const guint8 *) body, len);
	static const CsKind kinds[] = {CS_KIND_CONTACT, CS_KIND_ORGANISATION, CS_KIND_TASK,
				       CS_KIND_EMAIL, CS_KIND_EVENT};
	CsKind kind = kinds[((what & 0x7f) >> 2) % G_N_ELEMENTS (kinds)];
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);

	if (root == NULL)
		return;
	(void) cs_webcrm_client_server_message (root);
	cs_webcrm_provider_take_body (provider, (CsWebcrmBody) (what % 4), kind, root, sink);
	for (guint i = 0; i < cs_read_sink_get_records (sink)->len; i++) {
		CsRecord *r = g_ptr_array_index (cs_read_sink_get_records (sink), i);
		g_assert (cs_record_get_id (r) != NULL);
		g_assert (cs_record_get_kind (r) == kind);
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(CsWebcrmProvider) provider = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) error = NULL;
	const gchar *p, *end;

	fuzz_init ();
	if (size < 1)
		return 0;
	provider = g_object_new (CS_TYPE_WEBCRM_PROVIDER, NULL);
	g_key_file_set_string (kf, "crm", "url", "http://127.0.0.1:9");
	g_key_file_set_string (kf, "crm", "edition", (data[0] & 0x80) ? "b2c" : "b2b");
	if (!cs_provider_setup (CS_PROVIDER (provider), kf, "crm", &error))
		g_error ("setup: %s", error->message);
	p = (const gchar *) data + 1;
	end = (const gchar *) data + size;
	/* "\n--" + one byte choosing the next body's kind */
	for (guint8 what = data[0]; p < end;) {
		const gchar *sep = g_strstr_len (p, end - p, "\n--");
		const gchar *stop = sep != NULL ? sep : end;
		take (provider, what, p, (gsize) (stop - p));
		if (sep == NULL || sep + 3 >= end)
			break;
		what = (guint8) sep[3];
		p = sep + 4;
	}
	return 0;
}
