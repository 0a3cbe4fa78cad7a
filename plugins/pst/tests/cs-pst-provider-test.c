/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pst provider without test data: profile keys, and that whatever the
 * reader process does (crash, exit, hang, garbage) the caller gets a clear
 * CORRUPT error and lives on.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cs-pst-test-common.h"

static gchar *tmpdir;

static gchar *
write_file (const gchar *name, const gchar *content, gboolean executable)
{
	g_autoptr(GError) error = NULL;
	gchar *path = g_build_filename (tmpdir, name, NULL);
	g_assert_true (g_file_set_contents (path, content, -1, &error));
	g_assert_no_error (error);
	if (executable)
		g_assert_cmpint (g_chmod (path, 0755), ==, 0);
	return path;
}

static gboolean
setup_keys (const gchar *const *kv, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(CsProvider) provider =
	    cs_plugin_loader_create (cs_plugin_loader_get_default (), "pst", NULL);
	g_assert_nonnull (provider);
	for (guint i = 0; kv[i] != NULL; i += 2)
		g_key_file_set_string (kf, "outlook", kv[i], kv[i + 1]);
	return cs_provider_setup (provider, kf, "outlook", error);
}

static void
test_setup (void)
{
	const gchar *const good[] = {"path", "x.pst", "folders", "Contacts;Inbox/Sub",
				     "attachments", "true", "timeout", "30", NULL};
	const gchar *const typo[] = {"path", "x.pst", "folder", "Contacts", NULL};
	const gchar *const no_path[] = {"folders", "Contacts", NULL};
	const gchar *const bad_timeout[] = {"path", "x.pst", "timeout", "soon", NULL};
	const gchar *const bad_bool[] = {"path", "x.pst", "attachments", "maybe", NULL};
	g_autoptr(GError) error = NULL;

	g_assert_true (setup_keys (good, &error));
	g_assert_no_error (error);
	g_assert_false (setup_keys (typo, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
	g_assert_nonnull (strstr (error->message, "folder"));
	g_clear_error (&error);
	g_assert_false (setup_keys (no_path, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
	g_assert_nonnull (strstr (error->message, "path="));
	g_clear_error (&error);
	g_assert_false (setup_keys (bad_timeout, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (setup_keys (bad_bool, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
}

static void
test_describe (void)
{
	g_autoptr(CsProvider) provider =
	    cs_plugin_loader_create (cs_plugin_loader_get_default (), "pst", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsSchema) schema = NULL;

	g_assert_nonnull (provider);
	g_assert_cmpstr (cs_provider_get_name (provider), ==, "pst");
	g_assert_cmpint (cs_provider_get_sides (provider), ==, CS_PROVIDER_SIDE_OUTLOOK);
	for (CsKind k = CS_KIND_CONTACT; k < CS_KIND_LAST; k++)
		g_assert_cmpint (cs_provider_get_caps (provider, k), ==,
				 k == CS_KIND_ORGANISATION ? 0 : CS_CAP_READ);
	schema = cs_provider_get_schema (provider, CS_KIND_TASK, &error);
	g_assert_no_error (error);
	g_assert_nonnull (cs_schema_lookup (schema, "dueDate"));
}

/* a file that is not there, not readable, or not a PST: CORRUPT, one line */
static void
test_bad_files (void)
{
	g_autofree gchar *missing = g_build_filename (tmpdir, "missing.pst", NULL);
	g_autofree gchar *text = write_file ("text.pst", "hello, not a pst\n", FALSE);
	g_autofree gchar *empty = write_file ("empty.pst", "", FALSE);
	const gchar *files[] = {missing, text, empty, tmpdir};

	for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
		g_autoptr(CsProvider) provider = cs_pst_test_provider (files[i], NULL);
		g_autoptr(GError) error = NULL;
		g_assert_false (cs_provider_open (provider, NULL, &error));
		g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT);
		g_test_message ("%s", error->message);
		g_assert_nonnull (strstr (error->message, files[i]));
		g_assert_null (strchr (error->message, '\n'));
	}
}

typedef struct {
	const gchar *name;
	const gchar *script;
	const gchar *expect; /* in the message */
} Misbehaviour;

static const Misbehaviour misbehaviours[] = {
    {"crash", "#!/bin/sh\necho '{\"type\":\"file\",\"format\":\"Unicode\"}'\nkill -SEGV $$\n",
     "scanpst.exe"},
    {"exit", "#!/bin/sh\nexit 1\n", "damaged"},
    /* answers, but too late: a reader that is not stopped would pass */
    {"hang", "#!/bin/sh\nsleep 5\necho '{\"type\":\"file\",\"format\":\"ANSI\"}'\n",
     "no answer"},
    {"garbage", "#!/bin/sh\necho 'Segmentation fault in pst_process'\nexit 0\n", "no answer"},
    {"error", "#!/bin/sh\necho '{\"type\":\"error\",\"message\":\"index damaged\"}'\nexit 2\n",
     "index damaged"},
};

static void
test_reader_misbehaves (gconstpointer data)
{
	const Misbehaviour *m = data;
	const gchar *const extra[] = {"timeout=1", NULL};
	g_autofree gchar *script = g_strdup_printf ("%s.sh", m->name);
	g_autofree gchar *reader = write_file (script, m->script, TRUE);
	g_autofree gchar *pst = write_file ("any.pst", "!BDN", FALSE);
	g_autofree gchar *old = g_strdup (g_getenv ("CRMSYNC_PST_READER"));
	g_autoptr(CsProvider) provider = cs_pst_test_provider (pst, extra);
	g_autoptr(GError) error = NULL;

	g_setenv ("CRMSYNC_PST_READER", reader, TRUE);
	g_assert_false (cs_provider_open (provider, NULL, &error));
	g_setenv ("CRMSYNC_PST_READER", old, TRUE);
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT);
	g_test_message ("%s: %s", m->name, error->message);
	g_assert_nonnull (strstr (error->message, pst));
	g_assert_nonnull (strstr (error->message, m->expect));
}

/* a listing that crashes half-way loses nothing silently: the file fails,
 * not one kind of it (one run of the reader lists every kind) */
static void
test_reader_dies_midway (void)
{
	const gchar *script =
	    "#!/bin/sh\n"
	    "echo '{\"type\":\"file\",\"format\":\"ANSI\"}'\n"
	    "echo '{\"type\":\"item\",\"kind\":\"contact\",\"id\":\"1\",\"fields\":{}}'\n"
	    "kill -SEGV $$\n";
	g_autofree gchar *reader = write_file ("midway.sh", script, TRUE);
	g_autofree gchar *pst = write_file ("midway.pst", "!BDN", FALSE);
	g_autofree gchar *old = g_strdup (g_getenv ("CRMSYNC_PST_READER"));
	g_autoptr(CsProvider) provider = cs_pst_test_provider (pst, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;

	g_setenv ("CRMSYNC_PST_READER", reader, TRUE);
	g_assert_false (cs_provider_open (provider, NULL, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT);
	g_assert_nonnull (strstr (error->message, "damaged"));
	g_clear_error (&error);
	sink = cs_pst_test_read (provider, CS_KIND_CONTACT, &error);
	g_setenv ("CRMSYNC_PST_READER", old, TRUE);
	g_assert_null (sink);
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT);
}

/* an item that crashes the reader is read around: the reader names it as it
 * dies and is run again with --skip; the rest is listed, that one skipped */
static void
test_reader_crashes_on_item (void)
{
	const gchar *script =
	    "#!/bin/sh\n"
	    "echo '{\"type\":\"file\",\"format\":\"Unicode\"}'\n"
	    "echo '{\"type\":\"item\",\"kind\":\"contact\",\"id\":\"1\",\"fields\":{}}'\n"
	    "case \"$*\" in *--skip=7*)\n"
	    "  printf '%s' '{\"type\":\"skip\",\"kind\":\"contact\",\"id\":\"7\",'\n"
	    "  echo '\"reason\":\"damaged\"}'\n"
	    "  echo '{\"type\":\"item\",\"kind\":\"contact\",\"id\":\"9\",\"fields\":{}}'\n"
	    "  echo '{\"type\":\"end\",\"items\":2}'; exit 0;;\n"
	    "esac\n"
	    "echo '{\"type\":\"crash\",\"id\":\"7\",\"kind\":\"contact\"}'\n"
	    "kill -SEGV $$\n";
	/* crashes on the same item whatever it is told */
	const gchar *stubborn =
	    "#!/bin/sh\n"
	    "echo '{\"type\":\"file\",\"format\":\"Unicode\"}'\n"
	    "echo '{\"type\":\"crash\",\"id\":\"7\",\"kind\":\"contact\",\"folder\":\"Kunden\"}'\n"
	    "kill -SEGV $$\n";
	g_autofree gchar *reader = write_file ("crashy.sh", script, TRUE);
	g_autofree gchar *reader2 = write_file ("stubborn.sh", stubborn, TRUE);
	g_autofree gchar *pst = write_file ("crashy.pst", "!BDN", FALSE);
	g_autofree gchar *old = g_strdup (g_getenv ("CRMSYNC_PST_READER"));
	g_autoptr(CsProvider) provider = cs_pst_test_provider (pst, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	GPtrArray *records, *skips;

	g_setenv ("CRMSYNC_PST_READER", reader, TRUE);
	g_assert_true (cs_provider_open (provider, NULL, &error));
	sink = cs_pst_test_read (provider, CS_KIND_CONTACT, &error);
	g_assert_no_error (error);
	records = cs_read_sink_get_records (sink);
	skips = cs_read_sink_get_skips (sink);
	g_assert_cmpuint (records->len, ==, 2);
	g_assert_cmpstr (cs_record_get_id (g_ptr_array_index (records, 0)), ==, "1");
	g_assert_cmpstr (cs_record_get_id (g_ptr_array_index (records, 1)), ==, "9");
	g_assert_cmpuint (skips->len, ==, 1);
	g_assert_cmpstr (((CsSkip *) g_ptr_array_index (skips, 0))->id, ==, "7");
	g_clear_object (&sink);
	g_clear_object (&provider);

	/* what the user reads: the file is damaged, which folder, what repairs
	 * it (issue 17: it said "the reader crashed with signal 11") */
	provider = cs_pst_test_provider (pst, NULL);
	g_setenv ("CRMSYNC_PST_READER", reader2, TRUE);
	g_assert_false (cs_provider_open (provider, NULL, &error));
	g_setenv ("CRMSYNC_PST_READER", old, TRUE);
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT);
	g_test_message ("%s", error->message);
	g_assert_nonnull (strstr (error->message, pst));
	g_assert_nonnull (strstr (error->message, "damaged"));
	g_assert_nonnull (strstr (error->message, "“Kunden”"));
	g_assert_nonnull (strstr (error->message, "scanpst.exe"));
	g_assert_null (strstr (error->message, "signal"));
	g_assert_null (strchr (error->message, '\n'));
}

static gpointer
cancel_later (gpointer data)
{
	g_usleep (200 * 1000);
	g_cancellable_cancel (data);
	return NULL;
}

/* the app cancels from its main thread while the worker waits on the reader */
static void
test_cancel (void)
{
	/* a reader left alone would answer after 3 s and open() would succeed */
	g_autofree gchar *reader = write_file (
	    "slow.sh", "#!/bin/sh\nsleep 3\necho '{\"type\":\"file\",\"format\":\"ANSI\"}'\n",
	    TRUE);
	g_autofree gchar *pst = write_file ("slow.pst", "!BDN", FALSE);
	g_autofree gchar *old = g_strdup (g_getenv ("CRMSYNC_PST_READER"));
	g_autoptr(CsProvider) provider = cs_pst_test_provider (pst, NULL);
	g_autoptr(GCancellable) cancellable = g_cancellable_new ();
	g_autoptr(GError) error = NULL;
	GThread *thread;

	g_setenv ("CRMSYNC_PST_READER", reader, TRUE);
	thread = g_thread_new ("cancel", cancel_later, cancellable);
	g_assert_false (cs_provider_open (provider, cancellable, &error));
	g_thread_join (thread);
	g_setenv ("CRMSYNC_PST_READER", old, TRUE);
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	g_test_init (&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp ("cs-pst-test-XXXXXX", &error);
	g_assert_no_error (error);
	g_test_add_func ("/pst/provider/setup", test_setup);
	g_test_add_func ("/pst/provider/describe", test_describe);
	g_test_add_func ("/pst/provider/bad-files", test_bad_files);
	for (guint i = 0; i < G_N_ELEMENTS (misbehaviours); i++) {
		g_autofree gchar *name =
		    g_strdup_printf ("/pst/provider/reader/%s", misbehaviours[i].name);
		g_test_add_data_func (name, &misbehaviours[i], test_reader_misbehaves);
	}
	g_test_add_func ("/pst/provider/reader/dies-midway", test_reader_dies_midway);
	g_test_add_func ("/pst/provider/reader/crashes-on-item", test_reader_crashes_on_item);
	g_test_add_func ("/pst/provider/cancel", test_cancel);
	rc = g_test_run ();
	{
		g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
		const gchar *name;
		while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
			g_autofree gchar *p = g_build_filename (tmpdir, name, NULL);
			g_unlink (p);
		}
		g_rmdir (tmpdir);
	}
	return rc;
}
