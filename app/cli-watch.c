/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>

#include "cli-common.h"
#include "cs-scheduler.h"

/*
 * crmsync-cli watch: the app's scheduler without the app (a systemd user
 * service runs it): per-side intervals, sync on start, back-off, offline
 * pause, single flight; one line per run on stdout. SIGTERM or SIGINT stops
 * it: a run going finishes the batch it is writing and stops before the next
 * (what was written is kept, the run's end is in the history), then it exits.
 */

typedef struct {
	CsProfile *profile;
	CsEngine *engine;
	CsScheduler *scheduler;
	GMainLoop *loop;
	gboolean stopping;
} Watch;

static void
run_finished_cb (CsScheduler *scheduler, CsRunReport *report, GError *error, Watch *w)
{
	g_autoptr (GDateTime) now = g_date_time_new_now_local ();
	g_autofree gchar *when = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
	const gchar *name = cs_profile_get_name (w->profile);

	if (report == NULL) {
		/* TRANSLATORS: one line per background run: time, profile, why it failed */
		g_print (_ ("%s %s: failed: %s\n"), when, name,
			 error != NULL ? error->message : _ ("unknown error"));
	} else {
		const gchar *status;
		switch (cs_run_report_get_status (report)) {
		case CS_RUN_OK:
			status = _ ("ok");
			break;
		case CS_RUN_PARTIAL:
			status = _ ("partial");
			break;
		case CS_RUN_STOPPED:
			status = _ ("stopped by a guard");
			break;
		case CS_RUN_FAILED:
		default:
			status = _ ("failed");
			break;
		}
		/* TRANSLATORS: one line per background run: time, profile, status, counts */
		g_print (_ ("%s %s: %s: %u created, %u updated, %u deleted, %u linked, %u skipped, "
			    "%u conflicts, %u errors\n"),
			 when, name, status, cs_run_report_get_total (report, CS_COUNT_CREATED),
			 cs_run_report_get_total (report, CS_COUNT_UPDATED),
			 cs_run_report_get_total (report, CS_COUNT_DELETED),
			 cs_run_report_get_total (report, CS_COUNT_LINKED),
			 cs_run_report_get_n_skipped (report),
			 cs_run_report_get_n_conflicts (report),
			 cs_run_report_get_n_errors (report));
	}
	fflush (stdout);
	if (w->stopping)
		g_main_loop_quit (w->loop);
}

static gboolean
stop_cb (gpointer data)
{
	Watch *w = data;
	if (w->stopping)
		return G_SOURCE_CONTINUE;
	w->stopping = TRUE;
	cs_scheduler_stop (w->scheduler);
	if (cs_scheduler_get_state (w->scheduler) == CS_SCHEDULER_RUNNING) {
		/* the run ends at its next batch; run_finished_cb quits */
		g_printerr ("%s\n", _ ("crmsync-cli: stopping after the batch being written"));
		cs_engine_request_stop (w->engine);
	} else {
		g_main_loop_quit (w->loop);
	}
	return G_SOURCE_CONTINUE;
}

gint
cli_cmd_watch (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	GOptionEntry entries[] = { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
				     N_ ("The sync profile"), N_ ("FILE") },
				   { NULL } };
	g_autoptr (GOptionContext) ctx
		= g_option_context_new (_ ("- sync a profile on its schedule until stopped"));
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsEngine) engine = NULL;
	g_autoptr (CsScheduler) scheduler = NULL;
	g_autoptr (GMainLoop) loop = NULL;
	Watch w = { 0 };
	guint sig_term, sig_int;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, FALSE, error->message);
	if (profile_path == NULL)
		return cli_fail (CS_EXIT_CONFIG, FALSE, _ ("watch needs --profile FILE"));
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, FALSE, error->message);
	if (!cs_profile_get_enabled (profile))
		return cli_fail (CS_EXIT_CONFIG, FALSE,
				 _ ("the profile is disabled (enabled=false): nothing to watch"));
	engine = cs_engine_new (profile, NULL, &error);
	if (engine == NULL)
		return cli_fail (cs_engine_exit_code_for_error (error), FALSE, error->message);
	cli_connect_sign_in (engine);
	scheduler = cs_scheduler_new (engine);
	loop = g_main_loop_new (NULL, FALSE);
	w = (Watch){ profile, engine, scheduler, loop, FALSE };
	g_signal_connect (scheduler, "run-finished", G_CALLBACK (run_finished_cb), &w);
	sig_term = g_unix_signal_add (SIGTERM, stop_cb, &w);
	sig_int = g_unix_signal_add (SIGINT, stop_cb, &w);
	/* TRANSLATORS: the first line of crmsync-cli watch; %u are seconds */
	g_print (_ ("watching %s: CRM every %u s, Outlook every %u s\n"),
		 cs_profile_get_name (profile), cs_profile_get_interval (profile, CS_SIDE_CRM),
		 cs_profile_get_interval (profile, CS_SIDE_OUTLOOK));
	fflush (stdout);
	cs_scheduler_start (scheduler);
	g_main_loop_run (loop);
	g_source_remove (sig_term);
	g_source_remove (sig_int);
	g_signal_handlers_disconnect_by_data (scheduler, &w);
	g_print ("%s\n", _ ("stopped"));
	return CS_EXIT_OK;
}
