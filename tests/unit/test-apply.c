/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The executor's batches (cs-engine.c, run_batches()): while one batch is on
 * the wire, the batch before it is settled and the one after it journalled.
 * A run that ends between two batches — the service failed, the user
 * stopped it — must leave only what a crash may leave: the journal rows of a
 * batch that left, never those of one that did not, and the next run makes
 * every record exactly once.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cs-engine-private.h"
#include "cs-provider.h"
#include "cs-state.h"

#define N_CONTACTS 350 /* four batches of 100 and one of 50 */

/* a side held in memory that can fail or stop on a given write */
#define CS_TYPE_MEM_PROVIDER (cs_mem_provider_get_type ())
G_DECLARE_FINAL_TYPE (CsMemProvider, cs_mem_provider, CS, MEM_PROVIDER, CsProvider)

struct _CsMemProvider {
	CsProvider parent_instance;
	GHashTable *records; /* id → CsRecord */
	guint next_id;
	guint writes;	     /* write calls so far */
	guint fail_on;	     /* this write call makes half its batch, then fails; 0: never */
	guint cancel_after;  /* this write call cancels the run once done; 0: never */
	GCancellable *cancellable;
};

G_DEFINE_TYPE (CsMemProvider, cs_mem_provider, CS_TYPE_PROVIDER)

static CsCaps
mem_caps (CsProvider *p, CsKind kind)
{
	return kind == CS_KIND_CONTACT ? CS_CAP_READ | CS_CAP_WRITE : 0;
}

static gboolean
mem_read (CsProvider *p, CsKind kind, const gchar *cursor, CsReadSink *sink,
	  GCancellable *cancellable, GError **error)
{
	CsMemProvider *self = CS_MEM_PROVIDER (p);
	GHashTableIter iter;
	gpointer value;
	cs_read_sink_set_complete (sink, TRUE);
	g_hash_table_iter_init (&iter, self->records);
	/* copies, as a service sends: the engine lets go of what it wrote */
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		g_autoptr(CsRecord) r = cs_record_copy (value);
		cs_read_sink_add (sink, r);
	}
	return TRUE;
}

static gboolean
mem_write (CsProvider *p, CsKind kind, GPtrArray *ops, GCancellable *c, GError **error)
{
	CsMemProvider *self = CS_MEM_PROVIDER (p);
	guint n = ops->len;
	self->writes++;
	if (self->writes == self->fail_on)
		n /= 2;
	for (guint i = 0; i < n; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_autofree gchar *id = cs_record_get_id (op->record) != NULL
					   ? g_strdup (cs_record_get_id (op->record))
					   : g_strdup_printf ("m%u", ++self->next_id);
		g_autofree gchar *version = g_strdup_printf ("%u", self->writes);
		g_autoptr(CsRecord) r = cs_record_copy (op->record);
		cs_record_set_id (r, id);
		cs_record_set_version (r, version);
		g_hash_table_replace (self->records, g_strdup (id), g_steal_pointer (&r));
		cs_write_op_set_done (op, id, version);
	}
	if (self->writes == self->cancel_after)
		g_cancellable_cancel (self->cancellable);
	if (n < ops->len) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
				     "the connection was lost");
		return FALSE;
	}
	return TRUE;
}

static void
mem_finalize (GObject *o)
{
	g_hash_table_unref (CS_MEM_PROVIDER (o)->records);
	G_OBJECT_CLASS (cs_mem_provider_parent_class)->finalize (o);
}

static void
cs_mem_provider_class_init (CsMemProviderClass *klass)
{
	CsProviderClass *pc = CS_PROVIDER_CLASS (klass);
	G_OBJECT_CLASS (klass)->finalize = mem_finalize;
	pc->name = "mem";
	pc->description = "Records in memory";
	pc->sides = CS_PROVIDER_SIDE_CRM | CS_PROVIDER_SIDE_OUTLOOK;
	pc->get_caps = mem_caps;
	pc->read_changes = mem_read;
	pc->write = mem_write;
}

static void
cs_mem_provider_init (CsMemProvider *self)
{
	self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
					       (GDestroyNotify) cs_record_unref);
}

typedef struct {
	gchar *dir;
	CsProfile *profile;
	CsMemProvider *crm;
	CsMemProvider *outlook;
} Fx;

static void
fx_setup (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;

	fx->dir = g_dir_make_tmp ("crmsync-apply-XXXXXX", NULL);
	path = g_build_filename (fx->dir, "p.ini", NULL);
	g_assert_true (g_file_set_contents (
	    path,
	    "[profile]\ncrm=folder\noutlook=folder\nstate=s.db\n[crm]\npath=c\n[outlook]\npath=o\n",
	    -1, NULL));
	fx->profile = cs_profile_load (path, &error);
	g_assert_no_error (error);
	fx->crm = g_object_new (CS_TYPE_MEM_PROVIDER, NULL);
	fx->outlook = g_object_new (CS_TYPE_MEM_PROVIDER, NULL);
	for (guint i = 0; i < N_CONTACTS; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%03u", i);
		g_autofree gchar *first = g_strdup_printf ("Person%03u", i);
		g_autoptr(CsRecord) r = cs_record_new (CS_KIND_CONTACT, id);
		cs_record_set_string (r, "firstName", first);
		cs_record_set_string (r, "lastName", "Ørsted");
		cs_record_set_version (r, "1");
		g_hash_table_insert (fx->crm->records, g_strdup (id), g_steal_pointer (&r));
	}
}

static void
fx_teardown (Fx *fx, gconstpointer data)
{
	g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", fx->dir);
	g_clear_object (&fx->crm);
	g_clear_object (&fx->outlook);
	g_clear_object (&fx->profile);
	g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
	g_free (fx->dir);
}

static CsRunReport *
run (Fx *fx, GCancellable *cancellable, GError **error)
{
	g_autoptr(CsEngine) engine = cs_engine_new_with_providers (
	    fx->profile, NULL, CS_PROVIDER (fx->crm), CS_PROVIDER (fx->outlook), error);
	g_assert_nonnull (engine);
	return cs_engine_run (engine, CS_RUN_FLAG_NONE, cancellable, error);
}

static guint
journal_rows (Fx *fx)
{
	g_autofree gchar *path = g_build_filename (fx->dir, "s.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) state = cs_state_open_existing (path, &error);
	g_autoptr(GPtrArray) rows = NULL;
	g_assert_no_error (error);
	rows = cs_state_journal_pending (state, CS_KIND_CONTACT, &error);
	g_assert_no_error (error);
	return rows->len;
}

/* every CRM contact once in Outlook, nothing more */
static void
assert_each_once (Fx *fx)
{
	g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
	GHashTableIter iter;
	gpointer value;
	g_hash_table_iter_init (&iter, fx->outlook->records);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		const gchar *first = cs_record_get_string (value, "firstName");
		g_assert_nonnull (first);
		if (!g_hash_table_add (seen, (gpointer) first))
			g_error ("%s is in Outlook twice", first);
	}
	g_assert_cmpuint (g_hash_table_size (seen), ==, N_CONTACTS);
}

/* the service fails in the middle of the second batch, half of it made */
static void
test_write_fails (Fx *fx, gconstpointer d)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) report = NULL;

	fx->outlook->fail_on = 2;
	report = run (fx, NULL, &error);
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
	g_assert_null (report);
	g_assert_cmpuint (g_hash_table_size (fx->outlook->records), ==, 150);
	/* the failed batch's rows stay (half of it was made); the third batch,
	 * journalled while the second was on the wire, never left */
	g_assert_cmpuint (journal_rows (fx), ==, 100);

	fx->outlook->fail_on = 0;
	g_clear_error (&error);
	report = run (fx, NULL, &error);
	g_assert_no_error (error);
	g_assert_nonnull (report);
	assert_each_once (fx);
	g_assert_cmpuint (journal_rows (fx), ==, 0);
}

/* the run is stopped while its first batch is on the wire */
static void
test_cancelled_between_batches (Fx *fx, gconstpointer d)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new ();
	g_autoptr(CsRunReport) report = NULL;

	fx->outlook->cancel_after = 1;
	fx->outlook->cancellable = cancellable;
	report = run (fx, cancellable, &error);
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	/* the first batch was made and is linked: nothing of it in the journal,
	 * nor of the second, which never left */
	g_assert_cmpuint (g_hash_table_size (fx->outlook->records), ==, 100);
	g_assert_cmpuint (journal_rows (fx), ==, 0);

	g_clear_error (&error);
	fx->outlook->cancel_after = 0;
	g_clear_object (&report);
	report = run (fx, NULL, &error);
	g_assert_no_error (error);
	assert_each_once (fx);
	g_assert_cmpuint (journal_rows (fx), ==, 0);
	/* and settled */
	g_clear_object (&report);
	report = run (fx, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_run_report_get_count (report, CS_COUNT_CREATED, CS_SIDE_OUTLOOK,
						  CS_KIND_CONTACT), ==, 0);
	g_assert_cmpuint (g_hash_table_size (fx->outlook->records), ==, N_CONTACTS);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add ("/engine/apply/write-fails-between-batches", Fx, NULL, fx_setup, test_write_fails,
		    fx_teardown);
	g_test_add ("/engine/apply/cancelled-between-batches", Fx, NULL, fx_setup,
		    test_cancelled_between_batches, fx_teardown);
	return g_test_run ();
}
