/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"

gint
cli_cmd_sync (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	gboolean dry_run = FALSE, all = FALSE, force_delete = FALSE, force = FALSE, json = FALSE;
	GOptionEntry entries[] = {
	    {"profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path, N_("The sync profile"), N_("FILE")},
	    {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Show what would change; change nothing"), NULL},
	    {"all", 'a', 0, G_OPTION_ARG_NONE, &all, N_("Sync all: read everything, relink by key"), NULL},
	    {"force-delete", 0, 0, G_OPTION_ARG_NONE, &force_delete, N_("Confirm deletions a guard stopped"), NULL},
	    {"force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Confirm a mass update a guard stopped"), NULL},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print a JSON report"), NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new (_("- sync a profile's CRM and Outlook"));
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(CsEngine) engine = NULL;
	g_autoptr(CsRunReport) report = NULL;
	CsRunFlags flags = CS_RUN_FLAG_NONE;
	CliProgress prog = {isatty (STDERR_FILENO) && !json, -1, 0};

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, _("sync needs --profile FILE"));
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	engine = cs_engine_new (profile, NULL, &error);
	if (engine == NULL)
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	cli_connect_sign_in (engine);
	if (dry_run)
		flags |= CS_RUN_FLAG_DRY_RUN;
	if (all)
		flags |= CS_RUN_FLAG_ALL;
	if (force_delete)
		flags |= CS_RUN_FLAG_FORCE_DELETE;
	if (force)
		flags |= CS_RUN_FLAG_FORCE;
	g_signal_connect (engine, "progress", G_CALLBACK (cli_progress_cb), &prog);
	report = cs_engine_run (engine, flags, NULL, &error);
	return cli_finish_run (&prog, engine, report, error, json, dry_run);
}
