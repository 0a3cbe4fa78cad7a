/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "cs-application.h"

/*
 * How long from launch until the main window is drawn, with 3 profiles of
 * 10 000 linked records each (the goal: 0.3 s). The driver builds the data
 * once, then starts itself N times and reports each launch: from main() to
 * the first frame, and the whole process as the driver saw it.
 */

static gint64 t_main;

static gboolean
quit_cb (gpointer app)
{
	g_application_quit (G_APPLICATION (app));
	return G_SOURCE_REMOVE;
}

static gboolean
drawn_cb (GtkWidget *window, cairo_t *cr, gpointer app)
{
	static gboolean done;
	if (!done) {
		done = TRUE;
		g_print ("%.1f\n", (g_get_monotonic_time () - t_main) / 1000.0);
		g_idle_add (quit_cb, app);
	}
	return FALSE;
}

static void
window_added_cb (GtkApplication *app, GtkWindow *window, gpointer data)
{
	g_signal_connect_after (window, "draw", G_CALLBACK (drawn_cb), app);
}

static gint
measure (gint argc, gchar **argv)
{
	g_autoptr(CsApplication) app = cs_application_new ();
	g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
	g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
	return g_application_run (G_APPLICATION (app), 1, argv);
}

static void
setup (const gchar *root, guint profiles, guint links)
{
	g_autoptr(GError) error = NULL;
	for (guint p = 0; p < profiles; p++) {
		g_autofree gchar *ini_path = g_strdup_printf ("%s/config/crmsync/profiles/p%u.ini", root, p);
		g_autofree gchar *state_path = g_strdup_printf ("%s/state-%u.db", root, p);
		g_autofree gchar *ini = g_strdup_printf (
		    "[profile]\nname=Profile %u\ncrm=folder\noutlook=folder\npreset=orocrm\nstate=%s\n"
		    "sync-on-start=false\nsync-on-exit=false\n[crm]\npath=%s/crm-%u\nschema=orocrm\n"
		    "[outlook]\npath=%s/outlook-%u\nschema=outlook\n",
		    p, state_path, root, p, root, p);
		g_autoptr(CsState) state = NULL;
		g_autofree gchar *dir = g_path_get_dirname (ini_path);
		g_mkdir_with_parents (dir, 0700);
		g_file_set_contents (ini_path, ini, -1, &error);
		g_assert_no_error (error);
		state = cs_state_open (state_path, &error);
		g_assert_no_error (error);
		cs_state_begin (state, &error);
		g_assert_no_error (error);
		for (guint i = 0; i < links; i++) {
			g_autoptr(CsLink) link = cs_link_new (CS_KIND_CONTACT);
			g_autofree gchar *crm = g_strdup_printf ("crm-%u", i);
			g_autofree gchar *out = g_strdup_printf ("out-%u", i);
			link->snapshot = g_strdup_printf ("{\"firstName\":\"First%u\",\"lastName\":\"Last%u\","
							  "\"emails\":[\"p%u@example.org\"],\"jobTitle\":\"Sales\"}",
							  i, i, i);
			cs_link_set_id (link, CS_SIDE_CRM, crm);
			cs_link_set_id (link, CS_SIDE_OUTLOOK, out);
			cs_link_set_version (link, CS_SIDE_CRM, "v1");
			cs_link_set_version (link, CS_SIDE_OUTLOOK, "v1");
			link->synced_at = g_get_real_time ();
			cs_state_put_link (state, link, &error);
			g_assert_no_error (error);
		}
		cs_state_commit (state, &error);
		g_assert_no_error (error);
		for (guint r = 0; r < 20; r++) {
			gint64 id = cs_state_run_begin (state, "timer", NULL);
			cs_state_run_finish (state, id, "ok", "{\"status\":\"ok\"}", NULL, NULL);
		}
	}
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
	return x < y ? -1 : x > y;
}

static gdouble
launch (const gchar *self_path, const gchar *root, gdouble *total)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *cfg = g_build_filename (root, "config", NULL);
	g_autofree gchar *data = g_build_filename (root, "data", NULL);
	g_auto(GStrv) env = g_get_environ ();
	const gchar *child_argv[] = {self_path, "--measure", NULL};
	gint64 t0;

	env = g_environ_setenv (env, "XDG_CONFIG_HOME", cfg, TRUE);
	env = g_environ_setenv (env, "XDG_DATA_HOME", data, TRUE);
	env = g_environ_setenv (env, "CRMSYNC_SECRETS", "file", TRUE);
	env = g_environ_setenv (env, "CRMSYNC_NO_SCHEDULER", "1", TRUE);
	t0 = g_get_monotonic_time ();
	g_spawn_sync (NULL, (gchar **) child_argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, NULL, &error);
	g_assert_no_error (error);
	*total = (g_get_monotonic_time () - t0) / 1000.0;
	return g_ascii_strtod (out, NULL);
}

static gdouble
median (GArray *a)
{
	g_array_sort (a, cmp_double);
	return g_array_index (a, gdouble, a->len / 2);
}

int
main (int argc, char **argv)
{
	g_autofree gchar *root = NULL;
	g_autofree gchar *empty = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) frame = g_array_new (FALSE, FALSE, sizeof (gdouble));
	g_autoptr(GArray) whole = g_array_new (FALSE, FALSE, sizeof (gdouble));
	g_autoptr(GArray) base = g_array_new (FALSE, FALSE, sizeof (gdouble));
	guint runs = 7;

	t_main = g_get_monotonic_time ();
	if (argc > 1 && g_str_equal (argv[1], "--measure"))
		return measure (argc, argv);

	root = g_dir_make_tmp ("crmsync-bench-XXXXXX", &error);
	g_assert_no_error (error);
	empty = g_dir_make_tmp ("crmsync-bench-empty-XXXXXX", &error);
	g_assert_no_error (error);
	setup (root, 3, 10000);
	g_print ("3 profiles x 10000 linked contacts in %s\n", root);
	/* interleaved with launches without any profile: on a shared machine the
	 * difference is what the profiles cost */
	for (guint i = 0; i < runs; i++) {
		gdouble total, t_empty, ms, ms_empty;
		ms_empty = launch (argv[0], empty, &t_empty);
		ms = launch (argv[0], root, &total);
		g_array_append_val (frame, ms);
		g_array_append_val (whole, total);
		g_array_append_val (base, ms_empty);
		g_print ("launch %u: first frame %.1f ms after main() (no profiles: %.1f ms); "
			 "process start to exit %.1f ms\n", i + 1, ms, ms_empty, total);
	}
	g_print ("median of %u: first frame %.1f ms after main() with 3 x 10k links, %.1f ms with no "
		 "profile; process start to exit %.1f ms\n",
		 runs, median (frame), median (base), median (whole));
	return 0;
}
