/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cs-engine-private.h"
#include "cs-provider.h"
#include "cs-scheduler-private.h"

/* a provider that counts its reads: what a side's server would be asked */
#define CS_TYPE_COUNT_PROVIDER (cs_count_provider_get_type ())
G_DECLARE_FINAL_TYPE (CsCountProvider, cs_count_provider, CS, COUNT_PROVIDER, CsProvider)

struct _CsCountProvider {
	CsProvider parent_instance;
	guint reads; /* read_changes calls, one per kind and run */
	gchar *prefix;
};

G_DEFINE_TYPE (CsCountProvider, cs_count_provider, CS_TYPE_PROVIDER)

static CsCaps
count_caps (CsProvider *p, CsKind kind)
{
	return kind == CS_KIND_CONTACT ? CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELTA : 0;
}

static gboolean
count_read (CsProvider *p, CsKind kind, const gchar *cursor, CsReadSink *sink,
	    GCancellable *cancellable, GError **error)
{
	CsCountProvider *self = CS_COUNT_PROVIDER (p);
	self->reads++;
	cs_read_sink_set_cursor (sink, "1");
	if (cursor != NULL)
		return TRUE; /* nothing new since */
	cs_read_sink_set_complete (sink, TRUE);
	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *id = g_strdup_printf ("%s%u", self->prefix, i);
		g_autofree gchar *name = g_strdup_printf ("%s-person-%u", self->prefix, i);
		g_autoptr(CsRecord) r = cs_record_new (CS_KIND_CONTACT, id);
		cs_record_set_string (r, "firstName", name);
		cs_record_set_version (r, "1");
		cs_read_sink_add (sink, r);
	}
	return TRUE;
}

static gboolean
count_write (CsProvider *p, CsKind kind, GPtrArray *ops, GCancellable *c, GError **error)
{
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_autofree gchar *id = g_strdup_printf ("w%u", i);
		cs_write_op_set_done (op, cs_record_get_id (op->record) ? cs_record_get_id (op->record) : id, "2");
	}
	return TRUE;
}

static void
count_finalize (GObject *o)
{
	g_free (CS_COUNT_PROVIDER (o)->prefix);
	G_OBJECT_CLASS (cs_count_provider_parent_class)->finalize (o);
}

static void
cs_count_provider_class_init (CsCountProviderClass *klass)
{
	CsProviderClass *pc = CS_PROVIDER_CLASS (klass);
	G_OBJECT_CLASS (klass)->finalize = count_finalize;
	pc->name = "count";
	pc->description = "Counts its reads";
	pc->sides = CS_PROVIDER_SIDE_CRM | CS_PROVIDER_SIDE_OUTLOOK;
	pc->get_caps = count_caps;
	pc->read_changes = count_read;
	pc->write = count_write;
}

static void
cs_count_provider_init (CsCountProvider *self)
{
}

/* a fake clock: the test moves time from one timer to the next */
typedef struct {
	guint id;
	gint64 due;
	GSourceFunc func;
	gpointer data;
} FakeTimer;

typedef struct {
	gint64 now;
	guint next_id;
	GPtrArray *timers; /* FakeTimer, owned */
	guint most_live;
} FakeClock;

static gint64
fake_now (gpointer data)
{
	return ((FakeClock *) data)->now;
}

static guint
fake_add (guint seconds, GSourceFunc func, gpointer func_data, gpointer data)
{
	FakeClock *fc = data;
	FakeTimer *t = g_new0 (FakeTimer, 1);
	t->id = ++fc->next_id;
	t->due = fc->now + (gint64) seconds * G_USEC_PER_SEC;
	t->func = func;
	t->data = func_data;
	g_ptr_array_add (fc->timers, t);
	fc->most_live = MAX (fc->most_live, fc->timers->len);
	/* one timer per side: never two with the same callback */
	for (guint i = 0; i + 1 < fc->timers->len; i++)
		g_assert_true (((FakeTimer *) g_ptr_array_index (fc->timers, i))->func != func);
	return t->id;
}

static void
fake_remove (guint id, gpointer data)
{
	FakeClock *fc = data;
	for (guint i = 0; i < fc->timers->len; i++) {
		if (((FakeTimer *) g_ptr_array_index (fc->timers, i))->id == id) {
			g_ptr_array_remove_index (fc->timers, i);
			return;
		}
	}
	g_assert_not_reached (); /* removing a timer that is gone */
}

typedef struct {
	gchar *dir;
	CsScheduler *sched;
	GMainLoop *loop;
	guint started;
	guint finished;
	guint failed;
	gboolean overlap;
	gboolean in_run;
} Fx;

static void
started_cb (CsScheduler *s, Fx *fx)
{
	if (fx->in_run)
		fx->overlap = TRUE;
	fx->in_run = TRUE;
	fx->started++;
}

static void
finished_cb (CsScheduler *s, CsRunReport *report, GError *error, Fx *fx)
{
	fx->in_run = FALSE;
	fx->finished++;
	if (report == NULL)
		fx->failed++;
}

static void
count_run_cb (guint *runs)
{
	(*runs)++;
}

static void
count_failed_cb (CsScheduler *s, CsRunReport *report, GError *error, guint *failed)
{
	if (report == NULL) {
		g_test_message ("run failed: %s", error != NULL ? error->message : "?");
		(*failed)++;
	}
}

static void
fx_setup (Fx *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(CsEngine) engine = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *text = NULL;
	const gchar *crm_path = data != NULL ? data : "crm";

	fx->dir = g_dir_make_tmp ("crmsync-sched-XXXXXX", NULL);
	path = g_build_filename (fx->dir, "p.ini", NULL);
	text = g_strdup_printf ("[profile]\ncrm=folder\noutlook=folder\nstate=s.db\ncrm-interval=1\n"
				"outlook-interval=1\n[crm]\npath=%s\n[outlook]\npath=out\n", crm_path);
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
	profile = cs_profile_load (path, &error);
	g_assert_no_error (error);
	engine = cs_engine_new (profile, NULL, &error);
	g_assert_no_error (error);
	fx->sched = cs_scheduler_new (engine);
	fx->loop = g_main_loop_new (NULL, FALSE);
	g_signal_connect (fx->sched, "run-started", G_CALLBACK (started_cb), fx);
	g_signal_connect (fx->sched, "run-finished", G_CALLBACK (finished_cb), fx);
}

static void
fx_teardown (Fx *fx, gconstpointer data)
{
	g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", fx->dir);
	g_clear_object (&fx->sched);
	g_main_loop_unref (fx->loop);
	g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
	g_free (fx->dir);
}

static gboolean
quit_cb (gpointer loop)
{
	g_main_loop_quit (loop);
	return G_SOURCE_REMOVE;
}

static void
spin (Fx *fx, guint ms)
{
	g_timeout_add (ms, quit_cb, fx->loop);
	g_main_loop_run (fx->loop);
}

static void
test_timers_single_flight (Fx *fx, gconstpointer d)
{
	cs_scheduler_start (fx->sched);
	/* sync on start, then the 1 s timers */
	g_assert_cmpint (cs_scheduler_get_state (fx->sched), ==, CS_SCHEDULER_RUNNING);
	cs_scheduler_trigger (fx->sched, CS_RUN_FLAG_NONE);
	cs_scheduler_trigger (fx->sched, CS_RUN_FLAG_NONE);
	spin (fx, 3500);
	g_assert_false (fx->overlap);
	/* start + one folded follow-up + at least one timer run */
	g_assert_cmpuint (fx->finished, >=, 3);
	g_assert_cmpuint (fx->failed, ==, 0);
}

static void
test_offline (Fx *fx, gconstpointer d)
{
	guint before;
	cs_scheduler_start (fx->sched);
	spin (fx, 500);
	cs_scheduler_set_network_available (fx->sched, FALSE);
	spin (fx, 300);
	g_assert_cmpint (cs_scheduler_get_state (fx->sched), ==, CS_SCHEDULER_OFFLINE);
	before = fx->started;
	spin (fx, 2200);
	g_assert_cmpuint (fx->started, ==, before);
	/* back online: it catches up at once */
	cs_scheduler_set_network_available (fx->sched, TRUE);
	g_assert_cmpuint (fx->started, ==, before + 1);
	spin (fx, 500);
}

static void
test_backoff (Fx *fx, gconstpointer d)
{
	cs_scheduler_start (fx->sched);
	spin (fx, 3500);
	g_assert_cmpuint (fx->failed, >=, 1);
	g_assert_cmpuint (cs_scheduler_get_failures (fx->sched), ==, fx->failed);
	/* each failure doubles the wait */
	g_assert_cmpuint (cs_scheduler_get_delay (fx->sched, CS_SIDE_CRM), ==,
			  1u << cs_scheduler_get_failures (fx->sched));
	/* failures back off: far fewer runs than ticks */
	g_assert_cmpuint (fx->started, <=, 3);
}

static void
test_paused (Fx *fx, gconstpointer d)
{
	cs_scheduler_set_paused (fx->sched, TRUE);
	g_assert_cmpint (cs_scheduler_get_state (fx->sched), ==, CS_SCHEDULER_PAUSED);
	cs_scheduler_start (fx->sched);
	spin (fx, 500);
	cs_scheduler_stop (fx->sched);
	spin (fx, 1500);
	g_assert_cmpuint (fx->started, <=, 1);
}

static void
wait_idle (CsScheduler *sched)
{
	while (cs_scheduler_get_state (sched) == CS_SCHEDULER_RUNNING)
		g_main_context_iteration (NULL, TRUE);
}

typedef struct {
	guint runs;
	guint reads[CS_SIDE_LAST];
	guint most_live;
} HourCount;

/* an hour of a scheduler at the given intervals on a fake clock */
static void
count_hour (const gchar *dir, guint crm_interval, guint outlook_interval, HourCount *out)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename (dir, "hour.ini", NULL);
	g_autofree gchar *text = g_strdup_printf (
	    "[profile]\ncrm=folder\noutlook=folder\nstate=hour-%u-%u.db\ncrm-interval=%u\n"
	    "outlook-interval=%u\n[crm]\npath=c\n[outlook]\npath=o\n",
	    crm_interval, outlook_interval, crm_interval, outlook_interval);
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(CsEngine) engine = NULL;
	g_autoptr(CsScheduler) sched = NULL;
	g_autoptr(CsCountProvider) crm = g_object_new (CS_TYPE_COUNT_PROVIDER, NULL);
	g_autoptr(CsCountProvider) outlook = g_object_new (CS_TYPE_COUNT_PROVIDER, NULL);
	FakeClock fc = {0, 0, g_ptr_array_new_with_free_func (g_free), 0};
	CsSchedulerClock clock = {fake_now, fake_add, fake_remove, &fc};
	guint failed = 0;

	crm->prefix = g_strdup ("c");
	outlook->prefix = g_strdup ("o");
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
	profile = cs_profile_load (path, &error);
	g_assert_no_error (error);
	engine = cs_engine_new_with_providers (profile, NULL, CS_PROVIDER (crm),
					       CS_PROVIDER (outlook), &error);
	g_assert_no_error (error);
	sched = cs_scheduler_new (engine);
	cs_scheduler_set_clock (sched, &clock);
	memset (out, 0, sizeof (*out));
	g_signal_connect_swapped (sched, "run-started", G_CALLBACK (count_run_cb), &out->runs);
	g_signal_connect (sched, "run-finished", G_CALLBACK (count_failed_cb), &failed);
	cs_scheduler_start (sched); /* sync on start */
	wait_idle (sched);
	for (;;) {
		FakeTimer *next = NULL;
		for (guint i = 0; i < fc.timers->len; i++) {
			FakeTimer *t = g_ptr_array_index (fc.timers, i);
			if (next == NULL || t->due < next->due)
				next = t;
		}
		if (next == NULL || next->due >= (gint64) 3600 * G_USEC_PER_SEC)
			break;
		fc.now = next->due;
		{
			FakeTimer fired = *next;
			g_ptr_array_remove (fc.timers, next);
			fired.func (fired.data); /* one-shot: the scheduler sets a new one */
		}
		wait_idle (sched);
	}
	cs_scheduler_stop (sched);
	g_assert_cmpuint (failed, ==, 0);
	g_assert_cmpuint (fc.timers->len, ==, 0);
	out->reads[CS_SIDE_CRM] = crm->reads;
	out->reads[CS_SIDE_OUTLOOK] = outlook->reads;
	out->most_live = fc.most_live;
	g_ptr_array_unref (fc.timers);
}

/*
 * Issue 18: the tick zeroed both timer ids before clearing them, so the other
 * side's timer fired later too (an extra run), and every run read both
 * sides: 181 runs in 2 minutes where ~56 were due. Over an hour at the
 * default intervals (CRM 120 s, Outlook 30 s) the scheduler now starts one
 * run per Outlook tick (the CRM's ticks fall together with one of them), and
 * the CRM is read only when its own interval is due.
 */
static void
test_hour_default_intervals (Fx *fx, gconstpointer d)
{
	HourCount c;
	count_hour (fx->dir, 120, 30, &c);
	g_test_message ("one hour at CRM 120 s / Outlook 30 s: %u runs, CRM read %u times, "
			"Outlook read %u times",
			c.runs, c.reads[CS_SIDE_CRM], c.reads[CS_SIDE_OUTLOOK]);
	/* the start, then every 30 s up to 3570 s */
	g_assert_cmpuint (c.runs, ==, 120);
	g_assert_cmpuint (c.reads[CS_SIDE_OUTLOOK], ==, 120);
	/* the start, then every 120 s up to 3480 s */
	g_assert_cmpuint (c.reads[CS_SIDE_CRM], ==, 30);
	g_assert_cmpuint (c.most_live, <=, 2);
}

/* intervals that do not divide each other: each side still read at its own pace */
static void
test_hour_odd_intervals (Fx *fx, gconstpointer d)
{
	HourCount c;
	count_hour (fx->dir, 70, 45, &c);
	g_test_message ("one hour at CRM 70 s / Outlook 45 s: %u runs, CRM read %u times, "
			"Outlook read %u times",
			c.runs, c.reads[CS_SIDE_CRM], c.reads[CS_SIDE_OUTLOOK]);
	/* a side is read early when the other's tick comes within half an
	 * interval, never more often than that */
	g_assert_cmpuint (c.reads[CS_SIDE_CRM], <=, 3600 / (70 - 45 / 2) + 1);
	g_assert_cmpuint (c.reads[CS_SIDE_CRM], >=, 3600 / 70);
	g_assert_cmpuint (c.reads[CS_SIDE_OUTLOOK], <=, 3600 / (45 - 45 / 2) + 1);
	g_assert_cmpuint (c.reads[CS_SIDE_OUTLOOK], >=, 3600 / 45);
	g_assert_cmpuint (c.runs, <=, c.reads[CS_SIDE_CRM] + c.reads[CS_SIDE_OUTLOOK]);
	g_assert_cmpuint (c.most_live, <=, 2);
}

static gchar *
only_file (const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
	const gchar *e = d != NULL ? g_dir_read_name (d) : NULL;
	g_assert_nonnull (e);
	return g_build_filename (dir, e, NULL);
}

static gchar *
first_name_in (const gchar *file)
{
	g_autoptr(JsonParser) p = json_parser_new ();
	g_assert_true (json_parser_load_from_file (p, file, NULL));
	return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (p)),
							"firstName"));
}

/*
 * A run started by the Outlook timer does not read the CRM; but when
 * Outlook's changes would reach the CRM, it reads it after all, so a CRM
 * edit of the same field since the CRM's last read is a conflict (crm-wins
 * here), not overwritten unseen.
 */
static void
test_skipped_side_edit_not_lost (Fx *fx, gconstpointer d)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename (fx->dir, "edit.ini", NULL);
	g_autofree gchar *text = g_strdup_printf (
	    "[profile]\ncrm=folder\noutlook=folder\nstate=edit.db\n[crm]\npath=%s/ec\n"
	    "[outlook]\npath=%s/eo\n",
	    fx->dir, fx->dir);
	g_autofree gchar *crm_dir = g_build_filename (fx->dir, "ec", "contact", NULL);
	g_autofree gchar *out_dir = g_build_filename (fx->dir, "eo", "contact", NULL);
	g_autofree gchar *crm_file = g_build_filename (crm_dir, "c1.json", NULL);
	g_autofree gchar *out_file = NULL;
	g_autofree gchar *crm_name = NULL;
	g_autofree gchar *out_name = NULL;
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(CsEngine) engine = NULL;
	g_autoptr(CsRunReport) r1 = NULL;
	g_autoptr(CsRunReport) r2 = NULL;

	g_assert_true (g_file_set_contents (path, text, -1, NULL));
	g_assert_cmpint (g_mkdir_with_parents (crm_dir, 0700), ==, 0);
	g_assert_true (g_file_set_contents (crm_file, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}", -1, NULL));
	profile = cs_profile_load (path, &error);
	g_assert_no_error (error);
	engine = cs_engine_new (profile, NULL, &error);
	g_assert_no_error (error);
	r1 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	out_file = only_file (out_dir);
	/* the same field edited on both sides */
	g_assert_true (g_file_set_contents (crm_file, "{\"firstName\": \"Adelaide\", \"lastName\": \"Lovelace\"}", -1, NULL));
	g_assert_true (g_file_set_contents (out_file, "{\"firstName\": \"Augusta\", \"lastName\": \"Lovelace\"}", -1, NULL));
	r2 = cs_engine_run (engine, CS_RUN_FLAG_SKIP_CRM, NULL, &error);
	g_assert_no_error (error);
	crm_name = first_name_in (crm_file);
	out_name = first_name_in (out_file);
	/* crm-wins: the CRM's edit kept and sent to Outlook, never lost */
	g_assert_cmpstr (crm_name, ==, "Adelaide");
	g_assert_cmpstr (out_name, ==, "Adelaide");
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_setenv ("CRMSYNC_NO_NETWORK_MONITOR", "1", TRUE);
	g_test_add ("/engine/scheduler/timers-single-flight", Fx, NULL, fx_setup, test_timers_single_flight, fx_teardown);
	g_test_add ("/engine/scheduler/offline", Fx, NULL, fx_setup, test_offline, fx_teardown);
	/* a CRM folder that cannot be created: every run fails */
	g_test_add ("/engine/scheduler/backoff", Fx, "/proc/crmsync-cannot-exist/crm", fx_setup, test_backoff, fx_teardown);
	g_test_add ("/engine/scheduler/paused", Fx, NULL, fx_setup, test_paused, fx_teardown);
	g_test_add ("/engine/scheduler/hour-default-intervals", Fx, NULL, fx_setup,
		    test_hour_default_intervals, fx_teardown);
	g_test_add ("/engine/scheduler/hour-odd-intervals", Fx, NULL, fx_setup,
		    test_hour_odd_intervals, fx_teardown);
	g_test_add ("/engine/scheduler/skipped-side-edit-not-lost", Fx, NULL, fx_setup,
		    test_skipped_side_edit_not_lost, fx_teardown);
	return g_test_run ();
}
