/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A provider for benchmarks only: N generated contacts in memory, with
 * deltas (a cursor after the first listing returns nothing new), so that a
 * run's cost can be measured without any I/O of a backend.
 */
#include "config.h"

#include "crmsync-plugin.h"

#define CS_TYPE_BENCH_PROVIDER (cs_bench_provider_get_type ())
G_DECLARE_FINAL_TYPE (CsBenchProvider, cs_bench_provider, CS, BENCH_PROVIDER, CsProvider)

struct _CsBenchProvider {
	CsProvider parent_instance;
	guint count;
	gchar *prefix;
};

G_DEFINE_TYPE (CsBenchProvider, cs_bench_provider, CS_TYPE_PROVIDER)

static gboolean
bench_setup (CsProvider *p, GKeyFile *kf, const gchar *group, GError **error)
{
	CsBenchProvider *self = CS_BENCH_PROVIDER (p);
	static const gchar *keys[] = {"count", "prefix", NULL};
	if (!cs_provider_check_keys (kf, group, keys, error))
		return FALSE;
	self->count = (guint) g_key_file_get_uint64 (kf, group, "count", NULL);
	self->prefix = g_key_file_get_string (kf, group, "prefix", NULL);
	return TRUE;
}

static CsCaps
bench_caps (CsProvider *p, CsKind kind)
{
	return kind == CS_KIND_CONTACT ? CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELTA | CS_CAP_BATCH : 0;
}

static gboolean
bench_read (CsProvider *p, CsKind kind, const gchar *cursor, CsReadSink *sink,
	    GCancellable *cancellable, GError **error)
{
	CsBenchProvider *self = CS_BENCH_PROVIDER (p);
	cs_read_sink_set_cursor (sink, "1");
	if (cursor != NULL)
		return TRUE; /* nothing changed since */
	cs_read_sink_set_complete (sink, TRUE);
	for (guint i = 0; i < self->count; i++) {
		g_autofree gchar *id = g_strdup_printf ("%s%u", self->prefix ? self->prefix : "r", i);
		g_autofree gchar *first = g_strdup_printf ("Person%u", i);
		g_autoptr(CsRecord) r = cs_record_new (CS_KIND_CONTACT, id);
		cs_record_set_string (r, "firstName", first);
		cs_record_set_string (r, "lastName", "Jørgensen");
		cs_record_set_string (r, "email", "p@example.org");
		cs_record_set_version (r, "1");
		cs_read_sink_add (sink, r);
	}
	return TRUE;
}

static gboolean
bench_write (CsProvider *p, CsKind kind, GPtrArray *ops, GCancellable *c, GError **error)
{
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_autofree gchar *id = g_strdup_printf ("w%p", (void *) op);
		cs_write_op_set_done (op, cs_record_get_id (op->record) ? cs_record_get_id (op->record) : id, "2");
	}
	return TRUE;
}

static void
bench_finalize (GObject *o)
{
	g_free (CS_BENCH_PROVIDER (o)->prefix);
	G_OBJECT_CLASS (cs_bench_provider_parent_class)->finalize (o);
}

static void
cs_bench_provider_class_init (CsBenchProviderClass *klass)
{
	CsProviderClass *pc = CS_PROVIDER_CLASS (klass);
	G_OBJECT_CLASS (klass)->finalize = bench_finalize;
	pc->name = "bench";
	pc->description = "Generated contacts for benchmarks";
	pc->sides = CS_PROVIDER_SIDE_CRM | CS_PROVIDER_SIDE_OUTLOOK;
	pc->setup = bench_setup;
	pc->get_caps = bench_caps;
	pc->read_changes = bench_read;
	pc->write = bench_write;
}

static void
cs_bench_provider_init (CsBenchProvider *self)
{
}

G_MODULE_EXPORT GType cs_provider_query_type (void);

G_MODULE_EXPORT GType
cs_provider_query_type (void)
{
	return CS_TYPE_BENCH_PROVIDER;
}
