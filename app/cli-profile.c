/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cli-common.h"
#include "cs-profile-store.h"

/*
 * crmsync-cli profile export NAME -o FILE | import FILE [--name NAME] | list:
 * how an administrator hands one profile to many users. No secret leaves
 * with an export; an import never overwrites a profile.
 */

static gint
profile_export (gint argc, gchar **argv)
{
	g_autofree gchar *output = NULL;
	GOptionEntry entries[] = { { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
				     N_ ("Write the profile to this file"), N_ ("FILE") },
				   { NULL } };
	g_autoptr (GOptionContext) ctx
		= g_option_context_new (_ ("NAME - export a profile without its secrets"));
	g_autoptr (GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *text = NULL;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, FALSE, error->message);
	if (argc != 2 || output == NULL)
		return cli_fail (CS_EXIT_CONFIG, FALSE,
				 _ ("usage: crmsync-cli profile export NAME -o FILE"));
	path = cs_profile_store_resolve (argv[1], &error);
	if (path == NULL)
		return cli_fail (CS_EXIT_CONFIG, FALSE, error->message);
	text = cs_profile_store_export (path, &error);
	if (text == NULL)
		return cli_fail (CS_EXIT_CONFIG, FALSE, error->message);
	if (g_strcmp0 (output, "-") == 0) {
		g_print ("%s", text);
		return CS_EXIT_OK;
	}
	if (!g_file_set_contents (output, text, -1, &error)) {
		g_autofree gchar *msg
			= g_strdup_printf (_ ("cannot write %s: %s"), output, error->message);
		return cli_fail (CS_EXIT_LOCAL, FALSE, msg);
	}
	/* TRANSLATORS: %s are the profile and the file written */
	g_print (_ ("Exported %s to %s (without passwords, keys or tokens)\n"), argv[1], output);
	return CS_EXIT_OK;
}

static gint
profile_import (gint argc, gchar **argv)
{
	g_autofree gchar *name = NULL;
	GOptionEntry entries[] = { { "name", 0, 0, G_OPTION_ARG_STRING, &name,
				     N_ ("Import under this name"), N_ ("NAME") },
				   { NULL } };
	g_autoptr (GOptionContext) ctx
		= g_option_context_new (_ ("FILE - add an exported profile to your profiles"));
	g_autoptr (GError) error = NULL;
	g_autofree gchar *dest = NULL;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, FALSE, error->message);
	if (argc != 2)
		return cli_fail (CS_EXIT_CONFIG, FALSE,
				 _ ("usage: crmsync-cli profile import FILE [--name NAME]"));
	dest = cs_profile_store_import (argv[1], name, &error);
	if (dest == NULL)
		return cli_fail (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED)
					 ? CS_EXIT_LOCAL
					 : CS_EXIT_CONFIG,
				 FALSE, error->message);
	/* TRANSLATORS: %s is the new profile file */
	g_print (_ ("Imported as %s; sign in (or add secret-file=) before the first sync\n"), dest);
	return CS_EXIT_OK;
}

static gint
profile_list (gint argc, gchar **argv)
{
	g_autoptr (GPtrArray) list = cs_profile_store_list ();
	for (guint i = 0; i < list->len; i++) {
		CsProfileEntry *e = g_ptr_array_index (list, i);
		g_print ("%-20s %s%s\n", e->name, e->path, e->system ? _ (" (system)") : "");
	}
	return CS_EXIT_OK;
}

gint
cli_cmd_profile (gint argc, gchar **argv)
{
	if (argc >= 2 && g_str_equal (argv[1], "export"))
		return profile_export (argc - 1, argv + 1);
	if (argc >= 2 && g_str_equal (argv[1], "import"))
		return profile_import (argc - 1, argv + 1);
	if (argc >= 2 && g_str_equal (argv[1], "list"))
		return profile_list (argc - 1, argv + 1);
	if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))) {
		g_print ("%s\n", _ ("usage: crmsync-cli profile export NAME -o FILE | import FILE "
				     "[--name NAME] | list"));
		return CS_EXIT_OK;
	}
	return cli_fail (CS_EXIT_CONFIG, FALSE,
			 _ ("usage: crmsync-cli profile export NAME -o FILE | import FILE [--name "
			    "NAME] | list"));
}
