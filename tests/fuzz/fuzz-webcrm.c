/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * webCRM's answers as the provider takes them. Reads: list pages of persons
 * (joined with organisations), organisations, activities; /Meetings pages and
 * single meetings; the users and organisations lookups; field metadata; an
 * error's message; /Queries pages of "updated since" reads and of the changed
 * organisations. Writes: a PATCH's string[] for creates or updates, the bare
 * id a POST answers.
 *
 * The first byte chooses: bits 2-6 (k) the kind (k modulo 5) and what the body
 * is (k / 5 modulo 5: a read body, a /Queries page, a PATCH answer to creates,
 * one to updates, a POST answer), bits 0-1 the variant (which read body, which
 * stamp the query reads since, how many records the PATCH held), bit 7 the
 * edition (B2C). One provider takes a sequence of bodies separated by a line
 * "--" and the next body's selector byte.
 */
#include <string.h>

#include "../../plugins/webcrm/cs-webcrm-private.h"
#include "fuzz-common.h"

static const CsKind kinds[] = {CS_KIND_CONTACT, CS_KIND_ORGANISATION, CS_KIND_TASK, CS_KIND_EMAIL,
			       CS_KIND_EVENT};
#define SINCE "2024-05-01T00:00:00"

static void
check_records (CsReadSink *sink, CsKind kind)
{
	for (guint i = 0; i < cs_read_sink_get_records (sink)->len; i++) {
		CsRecord *r = g_ptr_array_index (cs_read_sink_get_records (sink), i);
		g_assert (cs_record_get_id (r) != NULL);
		g_assert (cs_record_get_kind (r) == kind);
	}
}

/* a stamp a cursor may hold: one we started from, or a time webCRM sent */
static void
check_stamp (const gchar *stamp, const gchar *since)
{
	const gchar *bare = stamp[0] == '>' ? stamp + 1 : stamp;
	gint64 usec;
	if (since != NULL && g_str_equal (bare, since[0] == '>' ? since + 1 : since))
		return;
	if (!cs_time_parse (bare, &usec))
		g_error ("the next read would start from “%s”", stamp);
}

/* each op has its result: an id (never an empty one), or an error that says why */
static void
check_ops (GPtrArray *ops)
{
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_autofree gchar *id = g_strstrip (g_strdup (op->id != NULL ? op->id : ""));
		if ((op->id != NULL) == (op->error != NULL))
			g_error ("op %u: %s", i, op->id != NULL ? "an id and an error" : "no result");
		if (op->error != NULL && (op->error->message == NULL || op->error->message[0] == '\0'))
			g_error ("op %u: an error without a message", i);
		if (op->id == NULL)
			continue;
		if (id[0] == '\0')
			g_error ("op %u: done without an id", i);
		if (op->action == CS_WRITE_UPDATE && g_strcmp0 (op->id, cs_record_get_id (op->record)) != 0)
			g_error ("op %u: an update changed the id to %s", i, op->id);
	}
}

static void
take_query (CsWebcrmProvider *provider, guint variant, CsKind kind, JsonNode *root)
{
	static const gchar *const since[] = {NULL, SINCE, ">" SINCE};
	g_autoptr(GError) error = NULL;

	if (variant == 3) {
		g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
		g_autofree gchar *max = NULL;
		if (!cs_webcrm_provider_take_org_stamps (root, ids, &max, &error)) {
			g_assert (error != NULL && error->message != NULL);
			return;
		}
		/* the ids go into a script as they are */
		for (guint i = 0; i < ids->len; i++) {
			guint64 id;
			if (!g_ascii_string_to_unsigned (g_ptr_array_index (ids, i), 10, 1, G_MAXINT64,
							 &id, NULL))
				g_error ("an organisation id “%s”", (gchar *) g_ptr_array_index (ids, i));
		}
		if (max != NULL)
			check_stamp (max, NULL);
	} else {
		g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
		g_autofree gchar *next = NULL;
		if (!cs_webcrm_provider_take_query (provider, kind, since[variant], root, sink, &next,
						    &error)) {
			g_assert (error != NULL && error->message != NULL);
			g_assert (next == NULL);
			return;
		}
		g_assert (next != NULL);
		check_stamp (next, since[variant] != NULL ? since[variant] : "2000-01-01T00:00:00");
		check_records (sink, kind);
	}
}

static void
take_write (guint mode, guint variant, CsKind kind, JsonNode *root)
{
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	gboolean creates = mode != 3;
	guint n = mode == 4 ? 1 : variant + 1;

	for (guint i = 0; i < n; i++) {
		g_autofree gchar *id = g_strdup_printf ("%u", 4711 + i);
		g_autoptr(CsRecord) rec = cs_record_new (kind, creates ? NULL : id);
		g_ptr_array_add (ops, cs_write_op_new (creates ? CS_WRITE_CREATE : CS_WRITE_UPDATE, rec));
	}
	if (mode == 4) {
		g_autoptr(GError) error = NULL;
		CsWriteOp *op = g_ptr_array_index (ops, 0);
		if (!cs_webcrm_settle_post (op, root, &error)) {
			/* write_one_meeting's caller gives the error to the op */
			g_assert (error != NULL && op->id == NULL && op->error == NULL);
			cs_write_op_take_error (op, g_steal_pointer (&error));
		}
	} else {
		cs_webcrm_settle_patch (ops, root, creates);
	}
	check_ops (ops);
}

static void
take (CsWebcrmProvider *provider, guint8 what, const gchar *body, gsize len)
{
	g_autoptr(JsonNode) root = fuzz_json ((const guint8 *) body, len);
	guint k = (what & 0x7f) >> 2;
	guint mode = (k / 5) % 5;
	CsKind kind = kinds[k % G_N_ELEMENTS (kinds)];

	/* an empty answer is a JSON null to the provider */
	if (root == NULL && len == 0 && mode >= 2)
		root = json_node_new (JSON_NODE_NULL);
	if (root == NULL)
		return;
	(void) cs_webcrm_client_server_message (root);
	if (mode == 0) {
		g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
		cs_webcrm_provider_take_body (provider, (CsWebcrmBody) (what % 4), kind, root, sink);
		check_records (sink, kind);
	} else if (mode == 1) {
		take_query (provider, what % 4, kind, root);
	} else {
		take_write (mode, what % 4, kind, root);
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
