/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cli-common.h"
#include "cs-profile-store.h"
#include "cs-support-bundle.h"

/* crmsync-cli report: a support bundle (cs-support-bundle.c) and what it holds */

static const gchar *
describe (const gchar *name)
{
	if (g_str_equal (name, "versions.txt"))
		return _ ("crmsync, library and system versions");
	if (g_str_equal (name, "profile.ini"))
		return _ ("the profile, every secret removed");
	if (g_str_equal (name, "log.txt"))
		return _ ("the log: the last runs and the background service's journal");
	if (g_str_has_prefix (name, "runs/"))
		return _ ("a run's report");
	return "";
}

gint
cli_cmd_report (gint argc, gchar **argv)
{
	g_autofree gchar *profile_arg = NULL;
	g_autofree gchar *output = NULL;
	GOptionEntry entries[] = { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_arg,
				     N_ ("The sync profile"), N_ ("FILE") },
				   { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
				     N_ ("Write the bundle to this file"), N_ ("FILE") },
				   { NULL } };
	g_autoptr (GOptionContext) ctx = g_option_context_new (
		_ ("- write a support bundle for a profile, without secrets"));
	g_autoptr (GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr (CsSecrets) secrets = NULL;
	g_autoptr (GPtrArray) contents = NULL;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, FALSE, error->message);
	if (profile_arg == NULL)
		return cli_fail (CS_EXIT_CONFIG, FALSE, _ ("report needs --profile FILE"));
	/* resolved, not loaded: a profile that does not load is when help is needed */
	path = cs_profile_store_resolve (profile_arg, &error);
	if (path == NULL)
		return cli_fail (CS_EXIT_CONFIG, FALSE, error->message);
	if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
		g_autofree gchar *msg = g_strdup_printf (_ ("%s: no such profile file"), path);
		return cli_fail (CS_EXIT_CONFIG, FALSE, msg);
	}
	if (output == NULL) {
		g_autoptr (GDateTime) now = g_date_time_new_now_local ();
		g_autofree gchar *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
		g_autofree gchar *base = g_path_get_basename (path);
		if (g_str_has_suffix (base, ".ini"))
			base[strlen (base) - 4] = '\0';
		output = g_strdup_printf ("crmsync-report-%s-%s.tar.gz", base, stamp);
	}
	secrets = cs_secrets_new ();
	if (!cs_support_bundle_write (path, secrets, output, &contents, &error)) {
		g_autofree gchar *msg = g_strdup_printf (
			_ ("cannot write the support bundle %s: %s"), output, error->message);
		return cli_fail (CS_EXIT_LOCAL, FALSE, msg);
	}
	/* TRANSLATORS: followed by the list of files in the bundle */
	g_print (_ ("Wrote %s, a support bundle without passwords, API keys or tokens:\n"), output);
	for (guint i = 0; i < contents->len; i++) {
		const gchar *name = g_ptr_array_index (contents, i);
		g_print ("  %-22s %s\n", name, describe (name));
	}
	return CS_EXIT_OK;
}
