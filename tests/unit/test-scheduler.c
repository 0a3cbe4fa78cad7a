/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "cs-scheduler.h"

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
	return g_test_run ();
}
