/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

/* the app icon renders at the sizes GNOME shows it, the symbolic one at 16 px in one colour */

static const gchar *icons_dir;

static void
check_renders (const gchar *rel, const gint *sizes)
{
	g_autofree gchar *path = g_build_filename (icons_dir, rel, NULL);
	for (guint i = 0; sizes[i] != 0; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file_at_size (path, sizes[i], sizes[i], &error);
		const guchar *px;
		gint opaque = 0, n, stride;
		g_assert_no_error (error);
		g_assert_cmpint (gdk_pixbuf_get_width (pb), ==, sizes[i]);
		g_assert_cmpint (gdk_pixbuf_get_height (pb), ==, sizes[i]);
		g_assert_true (gdk_pixbuf_get_has_alpha (pb));
		/* something is drawn, and not a full square */
		px = gdk_pixbuf_read_pixels (pb);
		n = gdk_pixbuf_get_n_channels (pb);
		stride = gdk_pixbuf_get_rowstride (pb);
		for (gint y = 0; y < sizes[i]; y++)
			for (gint x = 0; x < sizes[i]; x++)
				opaque += px[y * stride + x * n + 3] > 128;
		g_assert_cmpint (opaque, >, sizes[i] * sizes[i] / 5);
		g_assert_cmpint (opaque, <, sizes[i] * sizes[i]);
	}
}

static void
test_app_icon (void)
{
	static const gint sizes[] = {16, 32, 48, 64, 128, 256, 512, 0};
	check_renders ("scalable/apps/org.crmsync.Crmsync.svg", sizes);
}

static void
test_symbolic_icon (void)
{
	static const gint sizes[] = {16, 32, 0};
	g_autofree gchar *path = g_build_filename (icons_dir, "symbolic/apps/org.crmsync.Crmsync-symbolic.svg", NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GRegex) colours = g_regex_new ("#[0-9a-fA-F]{3,6}\\b", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;
	check_renders ("symbolic/apps/org.crmsync.Crmsync-symbolic.svg", sizes);
	g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
	g_assert_nonnull (strstr (text, "width=\"16\""));
	g_assert_nonnull (strstr (text, "height=\"16\""));
	/* GTK recolours symbolic icons: one foreground colour only */
	g_regex_match (colours, text, 0, &m);
	while (g_match_info_matches (m)) {
		g_autofree gchar *c = g_match_info_fetch (m, 0);
		g_assert_cmpstr (c, ==, "#2e3436");
		g_match_info_next (m, NULL);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	icons_dir = g_getenv ("CRMSYNC_ICONS_DIR");
	g_assert_nonnull (icons_dir);
	g_test_add_func ("/data/icons/app", test_app_icon);
	g_test_add_func ("/data/icons/symbolic", test_symbolic_icon);
	return g_test_run ();
}
