/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Crash safety: a run of 200 creates and 50 updates, killed right after
 * each of its writes in turn (CRMSYNC_FAULT), then run again. Every time,
 * both sides end as a run without a crash leaves them: no duplicate, no
 * lost edit.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-fixture.h"
#include "cs-state.h"

#define N_LINKED 50
#define N_NEW 200

/* every run here confirms the 50 edits (a mass update the guard would stop):
 * the crash positions are what is tested */
static void
prepare (CliFixture *f)
{
	/* 50 contacts already synced … */
	for (guint i = 0; i < N_LINKED; i++) {
		g_autofree gchar *id = g_strdup_printf ("old%03u", i);
		g_autofree gchar *json = g_strdup_printf (
		    "{\"firstName\": \"Old%u\", \"lastName\": \"Ørsted\", \"jobTitle\": \"v1\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", NULL), ==, 0);
	/* … then edited in the CRM, and 200 new ones */
	for (guint i = 0; i < N_LINKED; i++) {
		g_autofree gchar *id = g_strdup_printf ("old%03u", i);
		g_autofree gchar *json = g_strdup_printf (
		    "{\"firstName\": \"Old%u\", \"lastName\": \"Ørsted\", \"jobTitle\": \"v2\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	for (guint i = 0; i < N_NEW; i++) {
		g_autofree gchar *id = g_strdup_printf ("new%03u", i);
		g_autofree gchar *json = g_strdup_printf (
		    "{\"firstName\": \"New%u\", \"lastName\": \"Müller\", \"email\": \"n%u@x.de\"}", i, i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
}

/* CRMSYNC_TEST_SMALL (set by the leak check, which runs this under
 * LeakSanitizer, many times slower) tries every 10th position only */
static guint
crash_stride (void)
{
	return g_getenv ("CRMSYNC_TEST_SMALL") != NULL ? 10 : 1;
}

/* the journal rows a settled run leaves: none. One left over (a batch
 * journalled, never sent, made again since) would take a later record with
 * its values for one a run made, and keeps every later run from streaming */
static guint
journal_left (CliFixture *f)
{
	g_autofree gchar *path = g_build_filename (f->dir, "state.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) state = cs_state_open_existing (path, &error);
	g_autoptr(GPtrArray) rows = NULL;
	g_assert_no_error (error);
	rows = cs_state_journal_pending (state, CS_KIND_CONTACT, &error);
	g_assert_no_error (error);
	return rows->len;
}

static void
test_crash_everywhere (void)
{
	CliFixture base, ref;
	g_autofree gchar *want_out = NULL;
	g_autofree gchar *want_crm = NULL;
	guint positions = N_LINKED + N_NEW;
	guint stride = crash_stride ();

	cli_fixture_init (&base, NULL);
	prepare (&base);

	/* the result without a crash */
	cli_fixture_copy (&ref, &base);
	g_assert_cmpint (cli_run (&ref, NULL, "sync", "--profile", "@P", "--force", NULL), ==, 0);
	want_out = cli_side_digest (&ref, "outlook", "contact");
	want_crm = cli_side_digest (&ref, "crm", "contact");
	g_assert_cmpuint (cli_count (&ref, "outlook", "contact"), ==, N_LINKED + N_NEW);
	cli_fixture_clear (&ref);

	for (guint n = 1; n <= positions; n += stride) {
		CliFixture f;
		g_autofree gchar *fault = g_strdup_printf ("CRMSYNC_FAULT=crash-after-write:%u", n);
		const gchar *env[] = {fault, NULL};
		g_autofree gchar *got_out = NULL;
		g_autofree gchar *got_crm = NULL;

		cli_fixture_copy (&f, &base);

		g_assert_cmpint (cli_run (&f, env, "sync", "--profile", "@P", "--force", NULL), ==, 99);
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", "--force", NULL), ==, 0);
		got_out = cli_side_digest (&f, "outlook", "contact");
		got_crm = cli_side_digest (&f, "crm", "contact");
		if (g_strcmp0 (got_out, want_out) != 0 || g_strcmp0 (got_crm, want_crm) != 0)
			g_error ("crash after write %u: the sides differ from a run without a crash "
				 "(outlook %u records, want %u)", n, cli_count (&f, "outlook", "contact"),
				 N_LINKED + N_NEW);
		/* and settled: the next run changes nothing */
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "created", "outlook", "contact"), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "updated", "outlook", "contact"), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "created", "crm", "contact"), ==, 0);
		if (journal_left (&f) != 0)
			g_error ("crash after write %u: %u journal rows left after the next run", n,
				 journal_left (&f));
		cli_fixture_clear (&f);
	}
	cli_fixture_clear (&base);
}

/* record "a" synced from @src as @v1, edited there to @v2, and a run killed
 * right after it wrote that update: the state never recorded it */
static void
synced_then_update_killed (CliFixture *f, const gchar *src, const gchar *v1, const gchar *v2)
{
	const gchar *env[] = {"CRMSYNC_FAULT=crash-after-write:1", NULL};

	g_free (cli_put (f, src, "contact", "a", v1));
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", NULL), ==, 0);
	g_free (cli_put (f, src, "contact", "a", v2));
	g_assert_cmpint (cli_run (f, env, "sync", "--profile", "@P", NULL), ==, 99);
}

/* found by the soak test: an update written, the run killed before the state
 * recorded it, then the source edited again; the next run took the written
 * value for an edit on the target and, the CRM winning conflicts, lost the
 * newer edit. The update journal makes the written value the base. */
static void
test_crash_then_edit (void)
{
	const gchar *directions[] = {"outlook", "crm"};

	for (guint d = 0; d < G_N_ELEMENTS (directions); d++) {
		const gchar *src = directions[d];
		const gchar *dst = directions[1 - d];
		CliFixture f;
		g_autoptr(GPtrArray) ids = NULL;
		g_autoptr(JsonObject) got = NULL;

		cli_fixture_init (&f, NULL);
		synced_then_update_killed (&f, src,
					   "{\"firstName\": \"v1\", \"lastName\": \"Dvořák\", \"jobTitle\": \"j1\"}",
					   "{\"firstName\": \"v2\", \"lastName\": \"Dvořák\", \"jobTitle\": \"j1\"}");
		ids = cli_list (&f, dst, "contact");
		g_assert_cmpuint (ids->len, ==, 1);
		got = cli_get (&f, dst, "contact", g_ptr_array_index (ids, 0));
		g_assert_cmpstr (json_object_get_string_member (got, "firstName"), ==, "v2");
		g_clear_pointer (&got, json_object_unref);
		/* edited again before the next run */
		g_free (cli_put (&f, src, "contact", "a", "{\"firstName\": \"v3\", \"lastName\": \"Dvořák\", \"jobTitle\": \"j1\"}"));
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", NULL), ==, 0);
		got = cli_get (&f, dst, "contact", g_ptr_array_index (ids, 0));
		g_assert_cmpstr (json_object_get_string_member (got, "firstName"), ==, "v3");
		g_clear_pointer (&got, json_object_unref);
		got = cli_get (&f, src, "contact", "a");
		g_assert_cmpstr (json_object_get_string_member (got, "firstName"), ==, "v3");
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "updated", "crm", "contact"), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "updated", "outlook", "contact"), ==, 0);
		cli_fixture_clear (&f);
	}
}

/* also found by the soak test: an update written, the run killed before the
 * state recorded it, then the record deleted on the side it came from. The
 * written value looked like an edit on the other side, and an edit is never
 * lost to a deletion, so the record came back instead of being deleted on both
 * sides as the policy says. */
static void
test_crash_then_delete (void)
{
	const gchar *directions[] = {"outlook", "crm"};

	for (guint d = 0; d < G_N_ELEMENTS (directions); d++) {
		const gchar *src = directions[d];
		const gchar *dst = directions[1 - d];
		CliFixture f;

		cli_fixture_init (&f, "[contact]\non-crm-delete=propagate\non-outlook-delete=propagate\n");
		g_free (cli_put (&f, src, "contact", "b", "{\"firstName\": \"w1\", \"lastName\": \"Łukasz\"}"));
		synced_then_update_killed (&f, src, "{\"firstName\": \"v1\", \"lastName\": \"Ñandú\"}",
					   "{\"firstName\": \"v2\", \"lastName\": \"Ñandú\"}");
		g_assert_cmpuint (cli_count (&f, dst, "contact"), ==, 2);
		/* deleted where it was edited, before the next run */
		cli_remove (&f, src, "contact", "a");
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "deleted", dst, "contact"), ==, 1);
		g_assert_cmpuint (cli_count (&f, src, "contact"), ==, 1);
		g_assert_cmpuint (cli_count (&f, dst, "contact"), ==, 1);
		/* settled, and the journal holds nothing that brings it back */
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "created", "crm", "contact"), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "created", "outlook", "contact"), ==, 0);
		g_assert_cmpuint (cli_count (&f, src, "contact"), ==, 1);
		cli_fixture_clear (&f);
	}
}

/* found by the soak test too: an update written, the run killed before the
 * state recorded it, then the record edited where it was written (the person
 * saw our value and changed it). That edit is the newest; it was taken for a
 * conflict with the source's older edit, and the CRM winning conflicts lost it */
static void
test_crash_then_edit_target (void)
{
	const gchar *directions[] = {"crm", "outlook"};

	for (guint d = 0; d < G_N_ELEMENTS (directions); d++) {
		const gchar *src = directions[d];
		const gchar *dst = directions[1 - d];
		CliFixture f;
		g_autoptr(GPtrArray) ids = NULL;
		g_autoptr(JsonObject) got = NULL;
		g_autofree gchar *edited = NULL;

		cli_fixture_init (&f, NULL);
		synced_then_update_killed (&f, src,
					   "{\"firstName\": \"v1\", \"lastName\": \"Ärger\", \"jobTitle\": \"j1\"}",
					   "{\"firstName\": \"v2\", \"lastName\": \"Ärger\"}");
		ids = cli_list (&f, dst, "contact");
		g_assert_cmpuint (ids->len, ==, 1);
		got = cli_get (&f, dst, "contact", g_ptr_array_index (ids, 0));
		g_assert_cmpstr (json_object_get_string_member (got, "firstName"), ==, "v2");
		g_clear_pointer (&got, json_object_unref);
		/* edited where our write landed, before the next run */
		/* v2 cleared the job title; the new edit gives it one again */
		edited = cli_put (&f, dst, "contact", g_ptr_array_index (ids, 0),
				  "{\"firstName\": \"v3\", \"lastName\": \"Ärger\", \"jobTitle\": \"j3\"}");
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", NULL), ==, 0);
		got = cli_get (&f, src, "contact", "a");
		g_assert_cmpstr (json_object_get_string_member (got, "firstName"), ==, "v3");
		g_assert_cmpstr (json_object_get_string_member_with_default (got, "jobTitle", NULL), ==, "j3");
		g_clear_pointer (&got, json_object_unref);
		got = cli_get (&f, dst, "contact", g_ptr_array_index (ids, 0));
		g_assert_cmpstr (json_object_get_string_member (got, "firstName"), ==, "v3");
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "updated", "crm", "contact"), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "updated", "outlook", "contact"), ==, 0);
		cli_fixture_clear (&f);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	/* hundreds of small files written and copied: in memory when we can */
	if (g_getenv ("TMPDIR") == NULL && g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) &&
	    g_access ("/dev/shm", W_OK) == 0)
		g_setenv ("TMPDIR", "/dev/shm", TRUE);
	g_test_add_func ("/cli/crash/every-write-position", test_crash_everywhere);
	g_test_add_func ("/cli/crash/update-then-edit", test_crash_then_edit);
	g_test_add_func ("/cli/crash/update-then-delete", test_crash_then_delete);
	g_test_add_func ("/cli/crash/update-then-edit-target", test_crash_then_edit_target);
	return g_test_run ();
}
