/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cs-pst-test-common.h"

gchar *
cs_pst_test_data_dir (void)
{
	const gchar *env = g_getenv ("CRMSYNC_TEST_DATA");
	g_autofree gchar *root =
	    env != NULL && env[0] != '\0'
		? g_strdup (env)
		: g_build_filename (CS_SOURCE_ROOT, "..", "shared", "data", NULL);
	g_autofree gchar *dir = g_build_filename (root, "pst", NULL);

	if (g_file_test (dir, G_FILE_TEST_IS_DIR))
		return g_steal_pointer (&dir);
	if (g_strcmp0 (g_getenv ("CI"), "true") == 0) {
		g_test_message ("test data missing in CI: %s", dir);
		g_test_fail ();
		return NULL;
	}
	{
		g_autofree gchar *msg =
		    g_strdup_printf ("no test data at %s (set CRMSYNC_TEST_DATA)", dir);
		g_test_skip (msg);
	}
	return NULL;
}

CsProvider *
cs_pst_test_provider (const gchar *path, const gchar *const *extra)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	CsProvider *provider;

	provider = cs_plugin_loader_create (cs_plugin_loader_get_default (), "pst", &error);
	g_assert_no_error (error);
	g_assert_nonnull (provider);
	g_key_file_set_string (kf, "outlook", "path", path);
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit (extra[i], "=", 2);
		g_key_file_set_string (kf, "outlook", kv[0], kv[1] != NULL ? kv[1] : "");
	}
	g_assert_true (cs_provider_setup (provider, kf, "outlook", &error));
	g_assert_no_error (error);
	return provider;
}

CsReadSink *
cs_pst_test_read (CsProvider *provider, CsKind kind, GError **error)
{
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
	if (!cs_provider_read_changes (provider, kind, NULL, sink, NULL, error))
		return NULL;
	return g_steal_pointer (&sink);
}

CsRecord *
cs_pst_test_find (CsReadSink *sink, const gchar *field, const gchar *value)
{
	GPtrArray *records = cs_read_sink_get_records (sink);
	for (guint i = 0; i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		if (g_strcmp0 (cs_record_get_string (r, field), value) == 0)
			return r;
	}
	return NULL;
}
