/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "oro-test-util.h"

/*
 * Benchmark (meson test --benchmark): N contacts (default 100000, or argv[1])
 * in a folder side, a first sync into an empty orocrm emulator, then reruns
 * without changes. Prints wall time, records/s and requests per run.
 */

static guint64
run (const gchar *profile, const gchar *dir, gdouble *seconds, gchar **summary)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
								      G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint64 t0 = g_get_monotonic_time ();
	const gchar *line;
	guint64 requests = 0;

	g_subprocess_launcher_setenv (l, "G_MESSAGES_DEBUG", "crmsync-orocrm", TRUE);
	g_subprocess_launcher_setenv (l, "CRMSYNC_SECRETS", "file", TRUE);
	g_subprocess_launcher_setenv (l, "XDG_DATA_HOME", dir, TRUE);
	p = g_subprocess_launcher_spawn (l, &error, g_getenv ("CRMSYNC_CLI"), "sync", "--profile", profile,
					 "--json", NULL);
	g_assert_no_error (error);
	g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error);
	g_assert_no_error (error);
	*seconds = (gdouble) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
	line = strstr (out, " requests to ");
	if (line != NULL) {
		const gchar *start = line;
		while (start > out && g_ascii_isdigit (start[-1]))
			start--;
		requests = g_ascii_strtoull (start, NULL, 10);
	}
	{
		const gchar *st = strstr (out, "\"status\" : ");
		*summary = st != NULL ? g_strndup (st, strcspn (st, ",")) : g_strdup (err);
	}
	return requests;
}

int
main (int argc, char **argv)
{
	guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
	g_autoptr(OroEmu) emu = oro_emu_start (NULL);
	g_autofree gchar *profile = oro_test_path (emu, "profile.ini");
	g_autofree gchar *outlook = oro_test_path (emu, "outlook/contact");
	g_autofree gchar *key = oro_test_path (emu, "key");
	g_autofree gchar *text = g_strdup_printf (
	    "[profile]\nname=Bench\ncrm=orocrm\noutlook=folder\npreset=orocrm\nstate=state.db\n\n"
	    "[crm]\nurl=%s\nuser=admin\nsecret-file=key\n\n[outlook]\npath=outlook\nschema=outlook\n\n"
	    "[contact]\ndirection=both\n[task]\ndirection=none\n[event]\ndirection=none\n",
	    emu->url);
	static const gchar *first[] = {"Søren", "Åse", "Jürgen", "Mette", "Björn", "Zoë", "Günther", "Ingrid"};
	static const gchar *last[] = {"Jørgensen", "Müller", "Østergaard", "Schröder", "Bækgaard", "Weiß"};

	g_file_set_contents (profile, text, -1, NULL);
	g_file_set_contents (key, ORO_TEST_KEY, -1, NULL);
	g_chmod (key, 0600);
	g_mkdir_with_parents (outlook, 0700);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *name = g_strdup_printf ("%s/c%06u.json", outlook, i);
		g_autofree gchar *json = g_strdup_printf (
		    "{\"givenName\":\"%s\",\"surname\":\"%s %u\",\"email1\":\"person%u@example.dk\","
		    "\"primaryPhone\":\"+45 %08u\",\"jobTitle\":\"Indkøber\",\"businessCity\":\"Århus\","
		    "\"businessCountry\":\"Denmark\",\"notes\":\"Kunde siden %u – ønsker tilbud på Überführung.\"}",
		    first[i % G_N_ELEMENTS (first)], last[i % G_N_ELEMENTS (last)], i, i, 20000000 + i, 1990 + i % 30);
		g_file_set_contents (name, json, -1, NULL);
	}
	for (guint r = 0; r < 3; r++) {
		gdouble secs;
		g_autofree gchar *summary = NULL;
		guint64 requests = run (profile, emu->dir, &secs, &summary);
		g_print ("run %u (%s): %u contacts, %.1f s, %.0f records/s, %" G_GUINT64_FORMAT " requests to OroCRM; %s\n",
			 r + 1, r == 0 ? "first sync, folder to emulator" : "no changes", n, secs, n / secs,
			 requests, summary);
	}
	{
		g_autoptr(GHashTable) all = oro_emu_list (emu, "contacts");
		g_print ("contacts in the emulator: %u\n", g_hash_table_size (all));
	}
	return 0;
}
