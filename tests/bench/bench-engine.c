/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Planner + state at 10k and 100k linked records: the first sync (key
 * matching and linking every pair) and a no-change run with deltas on both
 * sides, whose cost should not grow with the number of records.
 *
 *   bench-engine [N…]            time both runs for each N (default 10000 100000)
 *   bench-engine --no-change N   only the no-change run (for valgrind --tool=callgrind)
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "cs-engine-private.h"

GType cs_provider_query_type (void);

static CsProvider *
bench_provider (guint n, const gchar *prefix)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) error = NULL;
	CsProvider *p = g_object_new (cs_provider_query_type (), NULL);
	g_key_file_set_uint64 (kf, "x", "count", n);
	g_key_file_set_string (kf, "x", "prefix", prefix);
	g_assert_true (cs_provider_setup (p, kf, "x", &error));
	return p;
}

int
main (int argc, char **argv)
{
	g_autoptr(GPtrArray) sizes = g_ptr_array_new ();
	gboolean no_change_only = FALSE;
	g_setenv ("CRMSYNC_SECRETS", "file", TRUE);

	for (gint i = 1; i < argc; i++) {
		if (g_strcmp0 (argv[i], "--no-change") == 0)
			no_change_only = TRUE;
		else
			g_ptr_array_add (sizes, GUINT_TO_POINTER ((guint) g_ascii_strtoull (argv[i], NULL, 10)));
	}
	if (sizes->len == 0) {
		g_ptr_array_add (sizes, GUINT_TO_POINTER (10000));
		g_ptr_array_add (sizes, GUINT_TO_POINTER (100000));
	}
	for (guint s = 0; s < sizes->len; s++) {
		guint n = GPOINTER_TO_UINT (sizes->pdata[s]);
		g_autofree gchar *dir = g_strdup_printf ("%s/crmsync-bench-%u", g_get_tmp_dir (), n);
		g_autofree gchar *db = g_build_filename (dir, "bench.db", NULL);
		g_autofree gchar *ini = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(CsProfile) profile = NULL;
		g_autoptr(CsEngine) engine = NULL;
		g_autoptr(CsRunReport) r1 = NULL;
		g_autoptr(CsRunReport) r2 = NULL;
		gint64 t0, t1, t2;

		g_mkdir_with_parents (dir, 0700);
		ini = g_build_filename (dir, "bench.ini", NULL);
		{
			g_autofree gchar *text = g_strdup_printf (
			    "[profile]\ncrm=folder\noutlook=folder\nstate=bench.db\n"
			    "[crm]\npath=crm\n[outlook]\npath=out\n[contact]\nkey=firstName,lastName\n");
			g_file_set_contents (ini, text, -1, NULL);
		}
		if (!no_change_only)
			g_unlink (db);
		/* the bench provider stands in for both sides */
		profile = cs_profile_load (ini, &error);
		g_assert_no_error (error);
		{
			g_autoptr(CsProvider) crm = bench_provider (n, "c");
			g_autoptr(CsProvider) out = bench_provider (n, "o");
			engine = cs_engine_new_with_providers (profile, NULL, crm, out, &error);
		}
		if (engine == NULL) {
			g_printerr ("bench: %s\n", error->message);
			return 1;
		}
		t0 = g_get_monotonic_time ();
		if (!no_change_only) {
			r1 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
			g_assert_no_error (error);
		}
		t1 = g_get_monotonic_time ();
		r2 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
		g_assert_no_error (error);
		t2 = g_get_monotonic_time ();
		if (!no_change_only)
			printf ("%7u records: first sync %.3f s (%u linked), no-change run %.4f s\n", n,
				(t1 - t0) / 1e6, cs_run_report_get_total (r1, CS_COUNT_LINKED) / 2,
				(t2 - t1) / 1e6);
		else
			printf ("%7u records: no-change run %.4f s\n", n, (t2 - t1) / 1e6);
	}
	return 0;
}
