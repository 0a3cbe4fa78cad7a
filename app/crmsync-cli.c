/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "cli-common.h"

/* one line per command; each lives in app/cli-<command>.c */
static const struct {
	const gchar *name;
	gint (*run) (gint argc, gchar **argv);
} commands[] = {
    {"sync", cli_cmd_sync},
    {"status", cli_cmd_status},
    {"conflicts", cli_cmd_conflicts},
    {"resolve", cli_cmd_resolve},
    {"undo", cli_cmd_undo},
    {"history", cli_cmd_history},
    {"pst-list", cli_cmd_pst_list},
    {"plugins", cli_cmd_plugins},
    {"watch", cli_cmd_watch},
    {"report", cli_cmd_report},
    {"profile", cli_cmd_profile},
    {"duplicates", cli_cmd_duplicates},
    {"link", cli_cmd_link},
    {"unlink", cli_cmd_unlink},
};

static void
usage (void)
{
	/* the commands and options are what a person types: not translated */
	static const gchar synopsis[] =
	    "  crmsync-cli sync       --profile P [--dry-run] [--all] [--force-delete] [--force] [--json]\n"
	    "  crmsync-cli status     --profile P [--json]\n"
	    "  crmsync-cli conflicts  --profile P [--json]\n"
	    "  crmsync-cli resolve    --profile P (ID --keep crm|outlook | ID --value TEXT |\n"
	    "                         --all-keep crm|outlook) [--dry-run] [--json]\n"
	    "  crmsync-cli undo       --profile P [--dry-run] [--force-delete] [--force] [--json]\n"
	    "  crmsync-cli history    --profile P [--run ID] [--json]\n"
	    "  crmsync-cli duplicates --profile P [--json]\n"
	    "  crmsync-cli link       --profile P --kind K --crm ID --outlook ID [--dry-run] [--json]\n"
	    "  crmsync-cli unlink     --profile P --kind K (--crm ID | --outlook ID) [--json]\n"
	    "  crmsync-cli watch      --profile P\n"
	    "  crmsync-cli report     --profile P [-o FILE]\n"
	    "  crmsync-cli profile    export NAME -o FILE | import FILE [--name NAME] | list\n"
	    "  crmsync-cli pst-list   FILE [--kind K] [--json]\n"
	    "  crmsync-cli plugins    [--json]\n";

	g_print ("%s\n%s\n", _("Usage:"), synopsis);
	g_print ("%s",
		 _("P is a profile file or a profile's name (looked up in ~/.config/crmsync/profiles,\n"
		   "then /etc/xdg/crmsync/profiles).\n"
		   "Exit codes: 0 success, 1 partial (items skipped or failed, listed), 2 usage or\n"
		   "configuration error, 3 cannot reach or authenticate, 4 stopped by a guard,\n"
		   "5 cannot write locally (disk full, sync state unwritable).\n"));
}

int
main (int argc, char **argv)
{
	const gchar *cmd;
	/* a build tree's catalogues (po/), for the tests of the reports in other languages */
	const gchar *localedir = g_getenv ("CRMSYNC_LOCALEDIR");

	setlocale (LC_ALL, "");
	/* stdout is for results (--json); messages and debug output go to stderr */
	g_log_writer_default_set_use_stderr (TRUE);
	bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	textdomain (GETTEXT_PACKAGE);

	if (argc < 2) {
		usage ();
		return CS_EXIT_CONFIG;
	}
	cmd = argv[1];
	if (g_strcmp0 (cmd, "--help") == 0 || g_strcmp0 (cmd, "-h") == 0 || g_strcmp0 (cmd, "help") == 0) {
		usage ();
		return 0;
	}
	if (g_strcmp0 (cmd, "--version") == 0) {
		g_print ("crmsync-cli %s\n", PACKAGE_VERSION);
		return 0;
	}
	argv[1] = argv[0];
	for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
		if (g_strcmp0 (cmd, commands[i].name) == 0)
			return commands[i].run (argc - 1, argv + 1);
	}
	g_printerr (_("crmsync-cli: unknown command “%s”\n"), cmd);
	usage ();
	return CS_EXIT_CONFIG;
}
