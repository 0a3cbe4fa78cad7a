/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fuzz target without libFuzzer: runs every file of the directories (or
 * files) given, once each, as TAP. The corpus and the regressions (inputs
 * that once crashed) are replayed by every CI run this way.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gint
cmp_names (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

static void
collect (const gchar *path, GPtrArray *files)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = NULL;
	const gchar *name;

	if (!g_file_test (path, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add (files, g_strdup (path));
		return;
	}
	dir = g_dir_open (path, 0, NULL);
	if (dir == NULL)
		return;
	names = g_ptr_array_new_with_free_func (g_free);
	while ((name = g_dir_read_name (dir)) != NULL) {
		if (name[0] != '.')
			g_ptr_array_add (names, g_strdup (name));
	}
	g_ptr_array_sort (names, cmp_names);
	for (guint i = 0; i < names->len; i++) {
		g_autofree gchar *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);
		collect (child, files);
	}
}

int
main (int argc, char **argv)
{
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
	guint n = 0;

	for (int i = 1; i < argc; i++) {
		if (g_str_has_prefix (argv[i], "--"))
			continue; /* --tap: we always speak TAP */
		collect (argv[i], files);
	}
	if (files->len == 0) {
		printf ("1..0 # SKIP no inputs\n");
		return 0;
	}
	printf ("1..%u\n", files->len);
	for (guint i = 0; i < files->len; i++) {
		g_autofree gchar *data = NULL;
		gsize len = 0;
		const gchar *file = g_ptr_array_index (files, i);
		if (!g_file_get_contents (file, &data, &len, NULL)) {
			printf ("not ok %u %s # cannot read\n", i + 1, file);
			return 1;
		}
		/* a crash or a critical ends the process: meson reports the test failed */
		fflush (stdout);
		LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
		printf ("ok %u %s\n", i + 1, file);
		n++;
	}
	return n == files->len ? 0 : 1;
}
