/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A GTK 3 module for tests (GTK3_MODULES=…/libcs-snapshot.so): once the app shows a window,
 * it writes every text of every window's widgets to CS_SNAPSHOT_DIR/texts.txt (one per line,
 * "mapped<TAB>text" or "hidden<TAB>text") and each window as a PNG, then quits the app. It
 * lets a test look at the real program, started as a user starts it, in any locale.
 * CS_SNAPSHOT_LOCALEDIR, when set, is where the program's catalogues are (the build tree): also
 * LD_PRELOAD this module, so that the program's own bindtextdomain() goes there from the start
 * (GLib decides once, at the first g_dgettext(), whether GtkBuilder translates at all).
 */
#include <dlfcn.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <libintl.h>
#include <stdlib.h>
#include <string.h>

G_MODULE_EXPORT void gtk_module_init (gint *argc, gchar ***argv);

/* interposed when preloaded: the crmsync domain is bound to CS_SNAPSHOT_LOCALEDIR */
char *
bindtextdomain (const char *domain, const char *dir)
{
	static char *(*real) (const char *, const char *) = NULL;
	const char *over = getenv ("CS_SNAPSHOT_LOCALEDIR");
	if (real == NULL)
		real = (char *(*) (const char *, const char *)) dlsym (RTLD_NEXT, "bindtextdomain");
	if (over != NULL && domain != NULL && dir != NULL && strcmp (domain, "crmsync") == 0)
		dir = over;
	return real (domain, dir);
}

static guint ticks;
static guint settled;

static void
add_text (GString *out, GtkWidget *w, const gchar *text)
{
	g_auto(GStrv) lines = NULL;
	if (text == NULL || text[0] == '\0')
		return;
	/* one text per line: markup-free, newlines joined */
	lines = g_strsplit (text, "\n", -1);
	g_string_append_printf (out, "%s\t", gtk_widget_get_mapped (w) ? "mapped" : "hidden");
	for (guint i = 0; lines[i] != NULL; i++)
		g_string_append_printf (out, "%s%s", i > 0 ? "\\n" : "", lines[i]);
	g_string_append_c (out, '\n');
}

static void
collect (GtkWidget *w, gpointer data)
{
	GString *out = data;
	if (GTK_IS_LABEL (w))
		add_text (out, w, gtk_label_get_text (GTK_LABEL (w)));
	else if (GTK_IS_WINDOW (w))
		add_text (out, w, gtk_window_get_title (GTK_WINDOW (w)));
	if (GTK_IS_HEADER_BAR (w)) {
		add_text (out, w, gtk_header_bar_get_title (GTK_HEADER_BAR (w)));
		add_text (out, w, gtk_header_bar_get_subtitle (GTK_HEADER_BAR (w)));
	}
	if (GTK_IS_ENTRY (w))
		add_text (out, w, gtk_entry_get_placeholder_text (GTK_ENTRY (w)));
	{
		g_autofree gchar *tip = gtk_widget_get_tooltip_text (w);
		add_text (out, w, tip);
	}
	if (GTK_IS_CONTAINER (w))
		gtk_container_forall (GTK_CONTAINER (w), collect, out);
}

static gboolean
snapshot (GtkWidget *w, const gchar *file)
{
	gint width = gtk_widget_get_allocated_width (w);
	gint height = gtk_widget_get_allocated_height (w);
	cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
	cairo_t *cr = cairo_create (s);
	gboolean ok;
	gtk_widget_draw (w, cr);
	cairo_destroy (cr);
	ok = cairo_surface_write_to_png (s, file) == CAIRO_STATUS_SUCCESS;
	cairo_surface_destroy (s);
	return ok;
}

static gboolean
tick_cb (gpointer data)
{
	const gchar *dir = g_getenv ("CS_SNAPSHOT_DIR");
	g_autoptr(GList) windows = gtk_window_list_toplevels ();
	g_autoptr(GString) out = g_string_new (NULL);
	g_autofree gchar *texts = NULL;
	GApplication *app = g_application_get_default ();
	guint n = 0;
	gboolean shown = FALSE;

	ticks++;
	for (GList *l = windows; l != NULL; l = l->next)
		if (gtk_widget_get_mapped (l->data) && GTK_IS_WINDOW (l->data) &&
		    gtk_window_get_window_type (l->data) == GTK_WINDOW_TOPLEVEL &&
		    gtk_widget_get_allocated_width (l->data) > 100)
			shown = TRUE;
	if (!shown) {
		if (ticks > 150) { /* 30 s */
			g_printerr ("cs-snapshot: no window was shown\n");
			exit (3);
		}
		return G_SOURCE_CONTINUE;
	}
	/* let the window fill itself (profiles, state) before looking; CS_SNAPSHOT_SETTLE_MS more */
	if (++settled < 8 + (guint) g_ascii_strtoull (g_getenv ("CS_SNAPSHOT_SETTLE_MS") ?: "0", NULL, 10) / 200)
		return G_SOURCE_CONTINUE;
	for (GList *l = windows; l != NULL; l = l->next) {
		GtkWidget *w = l->data;
		if (!GTK_IS_WINDOW (w) || gtk_window_get_window_type (GTK_WINDOW (w)) != GTK_WINDOW_TOPLEVEL)
			continue;
		collect (w, out);
		if (gtk_widget_get_mapped (w)) {
			g_autofree gchar *name = g_strdup_printf ("window-%u.png", n++);
			g_autofree gchar *file = g_build_filename (dir, name, NULL);
			if (!snapshot (w, file)) {
				g_printerr ("cs-snapshot: cannot write %s\n", file);
				exit (3);
			}
		}
	}
	texts = g_build_filename (dir, "texts.txt", NULL);
	if (!g_file_set_contents (texts, out->str, -1, NULL))
		exit (3);
	if (app != NULL)
		g_application_quit (app);
	else
		exit (0);
	return G_SOURCE_REMOVE;
}

void
gtk_module_init (gint *argc, gchar ***argv)
{
	if (g_getenv ("CS_SNAPSHOT_DIR") == NULL)
		return;
	g_timeout_add (200, tick_cb, NULL);
}
