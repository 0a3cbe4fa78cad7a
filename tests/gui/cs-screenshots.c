/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "cs-app-window.h"
#include "cs-application.h"
#include "cs-changes-view.h"
#include "cs-mapping-window.h"
#include "cs-new-profile-assistant.h"
#include "cs-progress-window.h"
#include "cs-settings-dialog.h"
#include "cs-sign-in-dialog.h"
#include "cs-sync-all-assistant.h"
#include "cs-undo-dialog.h"

/*
 * Renders each window of the app to PNG files in docs/screenshots (run under Xvfb
 * by tests/gui/screenshots.sh). The data is a demo made here: folder sides
 * speaking the OroCRM and Outlook schemas, so the real preset and mapping
 * show.
 */

static const gchar *outdir;

static void
flush (void)
{
	/* let the windows map, size and draw */
	for (guint i = 0; i < 5; i++) {
		while (g_main_context_iteration (NULL, FALSE))
			;
		g_usleep (20000);
	}
}

static void
shoot (GtkWidget *window, const gchar *name)
{
	g_autofree gchar *path = g_build_filename (outdir, name, NULL);
	g_autoptr(GdkPixbuf) pixbuf = NULL;
	g_autoptr(GError) error = NULL;
	GdkWindow *gdk_window;

	gtk_widget_show (window);
	gtk_window_present (GTK_WINDOW (window));
	flush ();
	/* what the X server shows (tree view headers live in child windows that
	 * an offscreen gtk_widget_draw() leaves out) */
	gdk_window = gtk_widget_get_window (window);
	gdk_display_sync (gdk_window_get_display (gdk_window));
	pixbuf = gdk_pixbuf_get_from_window (gdk_window, 0, 0, gdk_window_get_width (gdk_window),
					     gdk_window_get_height (gdk_window));
	if (pixbuf == NULL || !gdk_pixbuf_save (pixbuf, path, "png", &error, NULL))
		g_error ("cannot write %s: %s", path, error != NULL ? error->message : "no pixels");
	g_print ("%s (%dx%d)\n", path, gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf));
}

/* the first menu button under @w (the window's primary menu) */
static GtkWidget *
find_menu_button (GtkWidget *w)
{
	g_autoptr(GList) children = NULL;
	if (GTK_IS_MENU_BUTTON (w))
		return w;
	if (!GTK_IS_CONTAINER (w))
		return NULL;
	children = gtk_container_get_children (GTK_CONTAINER (w));
	for (GList *l = children; l != NULL; l = l->next) {
		GtkWidget *found = find_menu_button (l->data);
		if (found != NULL)
			return found;
	}
	return NULL;
}

static void
write_file (const gchar *path, const gchar *text)
{
	g_autofree gchar *dir = g_path_get_dirname (path);
	g_mkdir_with_parents (dir, 0700);
	if (!g_file_set_contents (path, text, -1, NULL))
		g_error ("cannot write %s", path);
}

static const gchar *first[] = {"Ada", "Bo", "Cai", "Dana", "Emil", "Frida", "Gus", "Hanne", "Ib", "Jonna"};
static const gchar *last[] = {"Lovelace", "Berg", "Chen", "Dahl", "Eriksen", "Fog", "Grøn", "Holm", "Iversen", "Juhl"};

static gchar *
demo_profile (const gchar *root, const gchar *id, const gchar *name, guint n)
{
	g_autofree gchar *ini = g_strdup_printf (
	    "[profile]\nname=%s\ncrm=folder\noutlook=folder\npreset=orocrm\nsync-on-start=false\n"
	    "sync-on-exit=false\nconflict=manual\nenabled=%s\n[crm]\npath=%s/%s/crm\nschema=orocrm\n"
	    "[outlook]\npath=%s/%s/outlook\nschema=outlook\n[contact]\ncondition=all\n",
	    name, n > 0 ? "true" : "false", root, id, root, id);
	g_autofree gchar *file = g_strdup_printf ("%s/config/crmsync/profiles/%s.ini", root, id);
	write_file (file, ini);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *rec = g_strdup_printf ("%s/%s/crm/contact/%u.json", root, id, i + 1);
		/* the last one has no name: the CRM-side rules skip it, and the window says why */
		g_autofree gchar *json = i + 1 == n
					     ? g_strdup ("{\"emails\": [\"info@example.org\"]}")
					     : g_strdup_printf ("{\"firstName\": \"%s\", \"lastName\": \"%s\", "
								"\"emails\": [\"%s@example.org\"], \"jobTitle\": \"Sales\"}",
								first[i % 10], last[(i / 10 + i) % 10],
								first[i % 10]);
		write_file (rec, json);
	}
	for (guint i = 0; i < n / 2; i++) {
		g_autofree gchar *rec = g_strdup_printf ("%s/%s/outlook/contact/o%u.json", root, id, i + 1);
		g_autofree gchar *json = g_strdup_printf ("{\"givenName\": \"%s\", \"surname\": \"Outlook%u\", "
							  "\"email1\": \"o%u@example.org\"}",
							  first[(i + 3) % 10], i, i);
		write_file (rec, json);
	}
	return g_steal_pointer (&file);
}

typedef struct {
	GMutex lock;
	GCond cond;
	gboolean reached;
	gboolean release;
} Gate;

static void
gate_cb (CsEngine *engine, gint phase, gdouble fraction, const gchar *message, gpointer data)
{
	Gate *g = data;
	/* midway through the writes, in any language */
	if (phase != CS_PHASE_APPLY || message == NULL || fraction < 0.8)
		return;
	g_mutex_lock (&g->lock);
	g->reached = TRUE;
	g_main_context_wakeup (NULL);
	while (!g->release)
		g_cond_wait (&g->cond, &g->lock);
	g_mutex_unlock (&g->lock);
}

/* the user leaves one field change of an update out, as a click on its tick does */
static void
untick_field (CsSyncAllAssistant *a, const gchar *row_id)
{
	GtkTreeModel *model = GTK_TREE_MODEL (
	    gtk_widget_get_template_child (GTK_WIDGET (a), CS_TYPE_SYNC_ALL_ASSISTANT, "plan_store"));
	GObject *tick = gtk_widget_get_template_child (GTK_WIDGET (a), CS_TYPE_SYNC_ALL_ASSISTANT,
						       "tick_renderer");
	GtkTreeIter kind, rec, field;
	for (gboolean k = gtk_tree_model_get_iter_first (model, &kind); k;
	     k = gtk_tree_model_iter_next (model, &kind)) {
		for (gboolean r = gtk_tree_model_iter_children (model, &rec, &kind); r;
		     r = gtk_tree_model_iter_next (model, &rec)) {
			for (gboolean f = gtk_tree_model_iter_children (model, &field, &rec); f;
			     f = gtk_tree_model_iter_next (model, &field)) {
				g_autofree gchar *row = NULL;
				g_autofree gchar *path = NULL;
				/* the store's column of a field row's mapping row */
				gtk_tree_model_get (model, &field, 8, &row, -1);
				if (g_strcmp0 (row, row_id) != 0)
					continue;
				path = gtk_tree_model_get_string_from_iter (model, &field);
				g_signal_emit_by_name (tick, "toggled", path);
				return;
			}
		}
	}
	g_warning ("no field change of %s in the preview", row_id);
}

/* the widget named @name under @w (a row's button) */
static GtkWidget *
find_named (GtkWidget *w, const gchar *name)
{
	g_autoptr(GList) kids = NULL;
	if (g_strcmp0 (gtk_widget_get_name (w), name) == 0)
		return w;
	if (!GTK_IS_CONTAINER (w))
		return NULL;
	kids = gtk_container_get_children (GTK_CONTAINER (w));
	for (GList *l = kids; l != NULL; l = l->next) {
		GtkWidget *found = find_named (l->data, name);
		if (found != NULL)
			return found;
	}
	return NULL;
}

static gboolean
progress_done (CsProgressWindow *w)
{
	return cs_progress_window_is_finished (w);
}

int
main (int argc, char **argv)
{
	g_autofree gchar *root = NULL;
	g_autoptr(CsApplication) app = NULL;
	g_autoptr(GError) error = NULL;
	CsAppWindow *win;
	GPtrArray *profiles;
	CsSyncProfile *sales, *support;

	if (argc != 2) {
		g_printerr ("usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	root = g_dir_make_tmp ("crmsync-shots-XXXXXX", &error);
	g_assert_no_error (error);
	{
		g_autofree gchar *cfg = g_build_filename (root, "config", NULL);
		g_autofree gchar *data = g_build_filename (root, "data", NULL);
		g_setenv ("XDG_CONFIG_HOME", cfg, TRUE);
		g_setenv ("XDG_DATA_HOME", data, TRUE);
	}
	g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
	g_setenv ("CRMSYNC_SECRETS", "file", TRUE);
	g_setenv ("CRMSYNC_NO_SCHEDULER", "1", TRUE);
	g_setenv ("CRMSYNC_NO_NETWORK_MONITOR", "1", TRUE);
	g_free (demo_profile (root, "sales", "Sales team (OroCRM)", 24));
	g_free (demo_profile (root, "support", "Support desk", 300));
	g_free (demo_profile (root, "archive", "Archive", 0));

	/* German (or Danish) shots: CS_SHOTS_LOCALEDIR names the build tree's catalogues */
	if (g_getenv ("CS_SHOTS_LOCALEDIR") != NULL)
		bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CS_SHOTS_LOCALEDIR"));
	else
		bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	textdomain (GETTEXT_PACKAGE);
	gtk_init (&argc, &argv);
	/* the app's icon (About, the window), not installed in the build tree */
	gtk_icon_theme_append_search_path (gtk_icon_theme_get_default (), SRCDIR "/data/icons");
	g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
	app = cs_application_new ();
	g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
	g_application_register (G_APPLICATION (app), NULL, &error);
	g_assert_no_error (error);
	profiles = cs_application_get_profiles (app);
	g_assert_cmpuint (profiles->len, ==, 3);
	sales = g_ptr_array_index (profiles, 1);
	support = g_ptr_array_index (profiles, 2);

	/* a first run, so the window has a history, counts and a skipped item */
	{
		CsEngine *engine = cs_sync_profile_get_engine (sales, &error);
		g_autoptr(CsRunReport) report = NULL;
		g_assert_no_error (error);
		report = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
		g_assert_no_error (error);
		/* both sides change Ada's job title: a conflict for the user (manual strategy) */
		{
			g_autoptr(CsLink) link = cs_state_get_link (cs_engine_get_state (engine), CS_KIND_CONTACT,
								    CS_SIDE_CRM, "1", &error);
			g_autofree gchar *crm_file = g_build_filename (root, "sales", "crm", "contact", "1.json", NULL);
			g_autofree gchar *out_name = NULL;
			g_autofree gchar *out_file = NULL;
			g_autofree gchar *text = NULL;
			g_autoptr(GString) edited = NULL;
			g_assert_nonnull (link);
			out_name = g_strdup_printf ("%s.json", link->outlook_id);
			out_file = g_build_filename (root, "sales", "outlook", "contact", out_name, NULL);
			write_file (crm_file, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", "
					      "\"emails\": [\"Ada@example.org\"], \"jobTitle\": \"Head of sales\"}");
			g_file_get_contents (out_file, &text, NULL, &error);
			g_assert_no_error (error);
			edited = g_string_new (text);
			g_string_replace (edited, "\"Sales\"", "\"Sales director\"", 1);
			write_file (out_file, edited->str);
		}
		{
			/* Bo's new title: an update in Outlook that History and Undo show field by field */
			g_autofree gchar *bo = g_build_filename (root, "sales", "crm", "contact", "2.json", NULL);
			write_file (bo, "{\"firstName\": \"Bo\", \"lastName\": \"Berg\", "
					"\"emails\": [\"Bo@example.org\"], \"jobTitle\": \"Key account manager\"}");
		}
		{
			/* a contact without a name: the CRM refuses it, the window says why */
			g_autofree gchar *rec = g_build_filename (root, "sales", "outlook", "contact", "nameless.json", NULL);
			write_file (rec, "{\"companyName\": \"Nordisk A/S\", \"jobTitle\": \"Reception\"}");
		}
		{
			/* the same person on both sides, the CRM's with a gender: held for review */
			g_autofree gchar *crm = g_build_filename (root, "sales", "crm", "contact", "karin.json", NULL);
			g_autofree gchar *out = g_build_filename (root, "sales", "outlook", "contact", "karin.json", NULL);
			write_file (crm, "{\"firstName\": \"Karin\", \"lastName\": \"Holm\", \"gender\": \"female\"}");
			write_file (out, "{\"givenName\": \"Karin\", \"surname\": \"Holm\"}");
		}
		g_clear_object (&report);
		report = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
		g_assert_no_error (error);
	}
	cs_sync_profile_start (sales, NULL);

	win = cs_app_window_new (app);
	gtk_window_set_default_size (GTK_WINDOW (win), 980, 560);
	cs_app_window_select (win, sales);
	shoot (GTK_WIDGET (win), "main-window.png");
	gtk_notebook_set_current_page (GTK_NOTEBOOK (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "notebook")), 2);
	{
		/* the conflict selected, a third value typed */
		GtkTreeView *cv = GTK_TREE_VIEW (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "conflicts_view"));
		GtkTreeIter iter;
		if (gtk_tree_model_get_iter_first (gtk_tree_view_get_model (cv), &iter))
			gtk_tree_selection_select_iter (gtk_tree_view_get_selection (cv), &iter);
		gtk_entry_set_text (GTK_ENTRY (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "value_entry")),
				    "Head of sales, Nordics");
	}
	shoot (GTK_WIDGET (win), "main-window-conflicts.png");
	gtk_entry_set_text (GTK_ENTRY (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "value_entry")), "");
	gtk_notebook_set_current_page (GTK_NOTEBOOK (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "notebook")), 3);
	shoot (GTK_WIDGET (win), "main-window-skipped.png");
	/* the duplicate review: looked up in a worker thread when the tab opens */
	gtk_notebook_set_current_page (GTK_NOTEBOOK (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "notebook")), 4);
	while (cs_app_window_is_reviewing (win))
		g_main_context_iteration (NULL, TRUE);
	shoot (GTK_WIDGET (win), "main-window-duplicates.png");
	{
		/* "link": what the merge would write, before anything is recorded */
		GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "duplicates_list"));
		GtkWidget *link = find_named (list, "link");
		GtkWindow *ask;
		if (link == NULL)
			g_error ("no pair to link in the Duplicates tab");
		gtk_button_clicked (GTK_BUTTON (link));
		while (cs_app_window_is_reviewing (win))
			g_main_context_iteration (NULL, TRUE);
		ask = cs_app_window_get_last_dialog (win);
		if (ask == NULL || !GTK_IS_DIALOG (ask))
			g_error ("no link preview");
		shoot (GTK_WIDGET (ask), "duplicates-link.png");
		gtk_dialog_response (GTK_DIALOG (ask), GTK_RESPONSE_CANCEL);
		flush ();
	}
	{
		/* History: the chart, the newest run selected with its changes */
		GtkTreeView *runs = GTK_TREE_VIEW (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "history_view"));
		GtkTreeIter iter;
		gtk_notebook_set_current_page (GTK_NOTEBOOK (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "notebook")), 1);
		gtk_window_resize (GTK_WINDOW (win), 980, 720);
		if (gtk_tree_model_get_iter_first (gtk_tree_view_get_model (runs), &iter))
			gtk_tree_selection_select_iter (gtk_tree_view_get_selection (runs), &iter);
		shoot (GTK_WIDGET (win), "main-window-history.png");
		gtk_window_resize (GTK_WINDOW (win), 980, 560);
		gtk_notebook_set_current_page (GTK_NOTEBOOK (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "notebook")), 0);
	}

	{
		/* a new OroCRM profile being filled in */
		CsSettingsDialog *d = cs_settings_dialog_new (GTK_WINDOW (win), NULL, root,
							      cs_application_get_secrets (app));
		GType t = CS_TYPE_SETTINGS_DIALOG;
#define W(name) gtk_widget_get_template_child (GTK_WIDGET (d), t, name)
		gtk_entry_set_text (GTK_ENTRY (W ("name_entry")), "Sales team");
		gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (d, "crm", "url")), "https://crm.example.org");
		gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (d, "crm", "user")), "ada");
		gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (d, "crm", "secret")), "not-a-real-key");
		gtk_combo_box_set_active_id (GTK_COMBO_BOX (W ("outlook_combo")), "pst");
		gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (d, "outlook", "path")), "/home/ada/Documents/Outlook.pst");
#undef W
		shoot (GTK_WIDGET (d), "settings.png");
		gtk_widget_destroy (GTK_WIDGET (d));
	}
	{
		CsMappingWindow *m = cs_mapping_window_new (GTK_WINDOW (win), sales);
		GtkComboBoxText *kinds = GTK_COMBO_BOX_TEXT (gtk_widget_get_template_child (GTK_WIDGET (m), CS_TYPE_MAPPING_WINDOW, "kind_combo"));
		GtkTreeView *view = GTK_TREE_VIEW (gtk_widget_get_template_child (GTK_WIDGET (m), CS_TYPE_MAPPING_WINDOW, "fields_view"));
		gtk_window_set_default_size (GTK_WINDOW (m), 880, 720);
		/* tasks: the status value table is the interesting part */
		gtk_combo_box_set_active_id (GTK_COMBO_BOX (kinds), "task");
		{
			GtkTreeModel *model = gtk_tree_view_get_model (view);
			GtkTreeIter iter;
			gboolean ok = gtk_tree_model_get_iter_first (model, &iter);
			while (ok) {
				g_autofree gchar *crm = NULL;
				gtk_tree_model_get (model, &iter, 0, &crm, -1);
				if (g_strcmp0 (crm, "status") == 0) {
					gtk_tree_selection_select_iter (gtk_tree_view_get_selection (view), &iter);
					break;
				}
				ok = gtk_tree_model_iter_next (model, &iter);
			}
		}
		shoot (GTK_WIDGET (m), "mapping.png");
		gtk_widget_destroy (GTK_WIDGET (m));
	}
	{
		/* the progress window caught midway through writing */
		CsProgressWindow *p = cs_progress_window_new (GTK_WINDOW (win), support);
		CsEngine *engine = cs_sync_profile_get_engine (support, &error);
		Gate gate = {0};
		gulong id;
		g_mutex_init (&gate.lock);
		g_cond_init (&gate.cond);
		cs_progress_window_start (p, CS_RUN_FLAG_NONE, &error);
		g_assert_no_error (error);
		/* after the window's own handler, so the values it posts are shown */
		id = g_signal_connect (engine, "progress", G_CALLBACK (gate_cb), &gate);
		while (TRUE) {
			gboolean reached;
			g_mutex_lock (&gate.lock);
			reached = gate.reached;
			g_mutex_unlock (&gate.lock);
			if (reached)
				break;
			g_main_context_iteration (NULL, TRUE);
		}
		g_signal_handler_disconnect (engine, id);
		shoot (GTK_WIDGET (p), "progress.png");
		g_mutex_lock (&gate.lock);
		gate.release = TRUE;
		g_cond_signal (&gate.cond);
		g_mutex_unlock (&gate.lock);
		while (!progress_done (p))
			g_main_context_iteration (NULL, TRUE);
		shoot (GTK_WIDGET (p), "progress-done.png");
		gtk_widget_destroy (GTK_WIDGET (p));
	}
	{
		/* a mass update stopped by its guard: the plan listed, one field change unticked */
		CsProgressWindow *p = cs_progress_window_new (GTK_WINDOW (win), support);
		GtkWidget *list = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (p), CS_TYPE_PROGRESS_WINDOW, "plan_changes"));
		for (guint i = 1; i <= 120; i++) {
			g_autofree gchar *name = g_strdup_printf ("%u.json", i);
			g_autofree gchar *file = g_build_filename (root, "support", "crm", "contact", name, NULL);
			g_autofree gchar *text = NULL;
			g_autoptr(GString) edited = NULL;
			g_file_get_contents (file, &text, NULL, &error);
			g_assert_no_error (error);
			edited = g_string_new (text);
			g_string_replace (edited, "\"jobTitle\": \"Sales\"",
					  "\"jobTitle\": \"Account manager\", \"middleName\": \"Marie\"", 1);
			write_file (file, edited->str);
		}
		cs_progress_window_start (p, CS_RUN_FLAG_NONE, &error);
		g_assert_no_error (error);
		while (!progress_done (p))
			g_main_context_iteration (NULL, TRUE);
		gtk_window_resize (GTK_WINDOW (p), 560, 520);
		{
			GtkTreeView *view = cs_changes_view_get_tree_view (CS_CHANGES_VIEW (list));
			GtkTreeModel *model = cs_changes_view_get_model (CS_CHANGES_VIEW (list));
			g_autoptr(GList) cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (gtk_tree_view_get_column (view, 0)));
			GtkTreeIter kind, rec, field;
			/* the first record's middle name: its job title still goes */
			if (cells != NULL && gtk_tree_model_get_iter_first (model, &kind) &&
			    gtk_tree_model_iter_children (model, &rec, &kind) &&
			    gtk_tree_model_iter_nth_child (model, &field, &rec, 1)) {
				g_autofree gchar *path = gtk_tree_model_get_string_from_iter (model, &field);
				g_signal_emit_by_name (cells->data, "toggled", path);
			} else {
				g_warning ("no guard list");
			}
		}
		shoot (GTK_WIDGET (p), "progress-guard.png");
		gtk_widget_destroy (GTK_WIDGET (p));
	}
	{
		/* Sync all on a fresh copy of the sales data: the preview with ticks */
		CsSyncAllAssistant *a;
		g_autofree gchar *more = g_build_filename (root, "sales", "crm", "contact", "new.json", NULL);
		g_autofree gchar *cai = g_build_filename (root, "sales", "crm", "contact", "3.json", NULL);
		write_file (more, "{\"firstName\": \"Karen\", \"lastName\": \"Blixen\"}");
		/* an update, shown field by field under its tick, each field with its own */
		write_file (cai, "{\"firstName\": \"Cai\", \"middleName\": \"Wei\", \"lastName\": "
				 "\"Chen\", \"emails\": [\"Cai@example.org\"], \"jobTitle\": \"Team lead\"}");
		a = cs_sync_all_assistant_new (GTK_WINDOW (win), sales, &error);
		g_assert_no_error (error);
		gtk_window_set_default_size (GTK_WINDOW (a), 760, 520);
		gtk_widget_show (GTK_WIDGET (a));
		gtk_assistant_next_page (GTK_ASSISTANT (a));
		shoot (GTK_WIDGET (a), "sync-all-kinds.png");
		gtk_assistant_next_page (GTK_ASSISTANT (a));
		flush ();
		while (cs_sync_all_assistant_is_busy (a))
			g_main_context_iteration (NULL, TRUE);
		if (cs_sync_all_assistant_get_plan (a) == NULL)
			g_warning ("no preview (the page says why)");
		else
			untick_field (a, "middleName");
		shoot (GTK_WIDGET (a), "sync-all-preview.png");
		gtk_widget_destroy (GTK_WIDGET (a));
	}
	{
		/* Undo from History: the undo plan before anything is written */
		CsUndoDialog *u = cs_undo_dialog_new (GTK_WINDOW (win), sales, &error);
		g_assert_no_error (error);
		gtk_widget_show (GTK_WIDGET (u));
		while (cs_undo_dialog_is_busy (u))
			g_main_context_iteration (NULL, TRUE);
		shoot (GTK_WIDGET (u), "undo-preview.png");
		gtk_widget_destroy (GTK_WIDGET (u));
	}
	{
		/* the first-run assistant: the CRM, Outlook (a PST: read only), what to sync */
		CsNewProfileAssistant *a = cs_new_profile_assistant_new (GTK_WINDOW (win), root,
									 cs_application_get_secrets (app));
		gtk_window_set_default_size (GTK_WINDOW (a), 900, 480);
		gtk_window_resize (GTK_WINDOW (a), 900, 480);
		gtk_entry_set_text (cs_new_profile_assistant_get_name_entry (a), "Sales team");
		gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "crm", "url")), "https://crm.example.org");
		gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "crm", "user")), "ada");
		gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "crm", "secret")), "not-a-real-key");
		shoot (GTK_WIDGET (a), "assistant-crm.png");
		gtk_assistant_set_current_page (GTK_ASSISTANT (a), 1);
		gtk_toggle_button_set_active (cs_new_profile_assistant_get_outlook_radio (a, "pst"), TRUE);
		gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "outlook", "path")), "/home/ada/Documents/Outlook.pst");
		shoot (GTK_WIDGET (a), "assistant-outlook.png");
		gtk_assistant_set_current_page (GTK_ASSISTANT (a), 2);
		shoot (GTK_WIDGET (a), "assistant-kinds.png");
		gtk_assistant_set_current_page (GTK_ASSISTANT (a), 3);
		shoot (GTK_WIDGET (a), "assistant-confirm.png");
		gtk_widget_destroy (GTK_WIDGET (a));
	}
	{
		/* a profile whose Outlook server cannot be reached: the icon, the banner, the
		 * progress window's failure */
		g_autofree gchar *path = g_build_filename (root, "config", "crmsync", "profiles", "mail.ini", NULL);
		CsSyncProfile *mail;
		CsProgressWindow *p;
		write_file (path, "[profile]\nname=Mailbox (Microsoft 365)\ncrm=folder\noutlook=graph\n"
				  "sync-on-start=false\nsync-on-exit=false\n[crm]\npath=mailcrm\n"
				  "[outlook]\nurl=http://127.0.0.1:1\nauthority=http://127.0.0.1:1\n");
		mail = cs_application_add_profile (app, path, &error);
		g_assert_no_error (error);
		p = cs_progress_window_new (GTK_WINDOW (win), mail);
		cs_progress_window_start (p, CS_RUN_FLAG_NONE, &error);
		g_assert_no_error (error);
		while (!progress_done (p))
			g_main_context_iteration (NULL, TRUE);
		shoot (GTK_WIDGET (p), "progress-failed.png");
		gtk_widget_destroy (GTK_WIDGET (p));
		cs_app_window_select (win, mail);
		shoot (GTK_WIDGET (win), "main-window-failing.png");
		{
			/* its settings: the Microsoft sign-in and the advanced part (own client id) */
			CsSettingsDialog *d = cs_settings_dialog_new (GTK_WINDOW (win), mail, root,
								      cs_application_get_secrets (app));
			GtkWidget *ex = gtk_widget_get_ancestor (cs_settings_dialog_get_outlook_field (d, "client-id"),
								 GTK_TYPE_EXPANDER);
			gtk_expander_set_expanded (GTK_EXPANDER (ex), TRUE);
			shoot (GTK_WIDGET (d), "settings-microsoft-365.png");
			gtk_widget_destroy (GTK_WIDGET (d));
		}
	}
	{
		CsSignInDialog *d = cs_sign_in_dialog_new (GTK_WINDOW (win), sales,
							   "https://microsoft.com/devicelogin", "F7K2-M9QX");
		shoot (GTK_WIDGET (d), "sign-in.png");
		gtk_widget_destroy (GTK_WIDGET (d));
	}
	{
		GtkWindow *d;
		cs_app_window_select (win, sales);
		g_action_group_activate_action (G_ACTION_GROUP (win), "remove-profile", NULL);
		d = cs_app_window_get_last_dialog (win);
		shoot (GTK_WIDGET (d), "remove-profile.png");
		gtk_widget_destroy (GTK_WIDGET (d));
	}
	{
		/* Help (F1), the shortcuts and About, in the window's primary menu */
		GtkWidget *menu = find_menu_button (gtk_window_get_titlebar (GTK_WINDOW (win)));
		if (menu != NULL) {
			gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (menu), TRUE);
			shoot (GTK_WIDGET (win), "help-menu.png");
			gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (menu), FALSE);
			flush ();
		}
	}
	{
		g_autoptr(GList) all = NULL;
		g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
		flush ();
		all = gtk_window_list_toplevels ();
		for (GList *l = all; l != NULL; l = l->next)
			if (GTK_IS_ABOUT_DIALOG (l->data)) {
				shoot (GTK_WIDGET (l->data), "about.png");
				gtk_widget_destroy (GTK_WIDGET (l->data));
			}
	}
	{
		g_autoptr(GList) all = NULL;
		g_action_group_activate_action (G_ACTION_GROUP (win), "show-help-overlay", NULL);
		flush ();
		all = gtk_window_list_toplevels ();
		for (GList *l = all; l != NULL; l = l->next)
			if (GTK_IS_SHORTCUTS_WINDOW (l->data) && gtk_widget_get_visible (l->data)) {
				shoot (GTK_WIDGET (l->data), "shortcuts.png");
				gtk_widget_hide (GTK_WIDGET (l->data));
			}
	}
	{
		/* no profile left: the empty state and its call to action */
		while (profiles->len > 0)
			if (!cs_application_remove_profile (app, g_ptr_array_index (profiles, 0), &error))
				g_error ("%s", error->message);
		cs_app_window_select (win, NULL);
		shoot (GTK_WIDGET (win), "main-window-empty.png");
	}
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
	return 0;
}
