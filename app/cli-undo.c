/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"

gint
cli_cmd_undo (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	gboolean dry_run = FALSE, force_delete = FALSE, force = FALSE, json = FALSE;
	GOptionEntry entries[]
		= { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
		      N_ ("The sync profile"), N_ ("FILE") },
		    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		      N_ ("Show what would change; change nothing"), NULL },
		    /* an undo is a run with the guards of any sync, confirmed the same way */
		    { "force-delete", 0, 0, G_OPTION_ARG_NONE, &force_delete,
		      N_ ("Confirm deletions a guard stopped"), NULL },
		    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
		      N_ ("Confirm a mass update a guard stopped"), NULL },
		    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print a JSON report"), NULL },
		    { NULL } };
	g_autoptr (GOptionContext) ctx = g_option_context_new (
		_ ("- take back the newest run not yet undone, on both sides"));
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsEngine) engine = NULL;
	g_autoptr (CsRunReport) report = NULL;
	CsRunFlags flags = CS_RUN_FLAG_NONE;
	CliProgress prog = { isatty (STDERR_FILENO) && !json, -1, 0 };

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, _ ("undo needs --profile FILE"));
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	/* nothing kept to take back: say so, and leave no run (nor a state file) behind */
	{
		gint code = 0;
		g_autoptr (CsState) state = cli_open_state (profile, FALSE, json, &code);
		gint64 run = state != NULL ? cs_state_get_undoable_run (state, NULL) : 0;
		if (state == NULL && code != 0)
			return code;
		if (run == 0) {
			g_autoptr (CsRunReport) empty = cs_run_report_new ();
			cs_run_report_set_dry_run (empty, dry_run);
			if (json) {
				g_autoptr (JsonNode) n = cs_run_report_to_json (empty);
				cli_print_json (n);
			} else {
				g_print ("%s",
					 _ ("Nothing to undo: no run kept what it changed.\n"));
			}
			return 0;
		}
	}
	engine = cs_engine_new (profile, NULL, &error);
	if (engine == NULL)
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	cli_connect_sign_in (engine);
	if (dry_run)
		flags |= CS_RUN_FLAG_DRY_RUN;
	if (force_delete)
		flags |= CS_RUN_FLAG_FORCE_DELETE;
	if (force)
		flags |= CS_RUN_FLAG_FORCE;
	g_signal_connect (engine, "progress", G_CALLBACK (cli_progress_cb), &prog);
	report = cs_engine_undo (engine, flags, NULL, &error);
	return cli_finish_run (&prog, engine, report, error, json, dry_run);
}
