/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A first sync streamed in chunks (CRMSYNC_STREAM_CHUNK): the CRM's listing
 * is planned and written a few records at a time against the whole of
 * Outlook. It must end exactly as the same sync planned whole
 * (CRMSYNC_STREAM_CHUNK=0): twins in any chunk linked, never created twice;
 * probable pairs held; Outlook's own records created in the CRM; a crash
 * after any write, then a plain run, ends the same too.
 */
#include "config.h"

#include <string.h>

#include "cli-fixture.h"

#define N_CRM 60

/* CRM contacts c00…c59; Outlook: exact twins of four of them spread over
 * the chunks, two probable twins (no gender in Outlook), four of its own */
static void
fill (CliFixture *f)
{
	static const guint twins[] = { 5, 23, 41, 58 };
	static const guint probable[] = { 11, 47 };

	for (guint i = 0; i < N_CRM; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%02u", i);
		g_autofree gchar *json
			= g_strdup_printf ("{\"firstName\": \"Person%u\", \"lastName\": "
					   "\"Stream\", \"gender\": \"female\", "
					   "\"jobTitle\": \"job %u\"}",
					   i, i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	for (guint i = 0; i < G_N_ELEMENTS (twins); i++) {
		g_autofree gchar *id = g_strdup_printf ("twin%u", i);
		g_autofree gchar *json
			= g_strdup_printf ("{\"firstName\": \"Person%u\", \"lastName\": "
					   "\"Stream\", \"gender\": \"female\", "
					   "\"email\": \"p%u@example.com\"}",
					   twins[i], twins[i]);
		g_free (cli_put (f, "outlook", "contact", id, json));
	}
	for (guint i = 0; i < G_N_ELEMENTS (probable); i++) {
		g_autofree gchar *id = g_strdup_printf ("maybe%u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"Person%u\", \"lastName\": \"Stream\"}", probable[i]);
		g_free (cli_put (f, "outlook", "contact", id, json));
	}
	for (guint i = 0; i < 4; i++) {
		g_autofree gchar *id = g_strdup_printf ("own%u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"Own%u\", \"lastName\": \"Outlook\"}", i);
		g_free (cli_put (f, "outlook", "contact", id, json));
	}
}

static void
test_first_sync_in_chunks (void)
{
	CliFixture base, whole, chunked;
	const gchar *env_whole[] = { "CRMSYNC_STREAM_CHUNK=0", NULL };
	const gchar *env_chunks[] = { "CRMSYNC_STREAM_CHUNK=7", NULL };
	g_autofree gchar *want_out = NULL;
	g_autofree gchar *want_crm = NULL;
	g_autofree gchar *got_out = NULL;
	g_autofree gchar *got_crm = NULL;

	cli_fixture_init (&base, NULL);
	fill (&base);
	cli_fixture_copy (&whole, &base);
	cli_fixture_copy (&chunked, &base);

	g_assert_cmpint (cli_run (&whole, env_whole, "sync", "--profile", "@P", "--json", NULL), ==,
			 0);
	g_assert_cmpint (cli_run (&chunked, env_chunks, "sync", "--profile", "@P", "--json", NULL),
			 ==, 0);
	/* what a user sees: each twin linked once, the probable ones held, the
	 * rest created on the side that lacked it */
	g_assert_cmpint (cli_report_count (&chunked, "created", "outlook", "contact"), ==,
			 N_CRM - 6);
	g_assert_cmpint (cli_report_count (&chunked, "created", "crm", "contact"), ==, 4);
	g_assert_cmpuint (cli_report_len (&chunked, "review"), ==, 2);
	g_assert_cmpuint (cli_count (&chunked, "crm", "contact"), ==, N_CRM + 4);
	g_assert_cmpuint (cli_count (&chunked, "outlook", "contact"), ==, N_CRM + 4);
	g_assert_nonnull (cli_find (&chunked, "outlook", "contact", "email", "p41@example.com"));
	g_assert_nonnull (cli_find (&chunked, "crm", "contact", "lastName", "Outlook"));

	/* the same records on both sides as the sync planned whole */
	want_out = cli_side_digest (&whole, "outlook", "contact");
	want_crm = cli_side_digest (&whole, "crm", "contact");
	got_out = cli_side_digest (&chunked, "outlook", "contact");
	got_crm = cli_side_digest (&chunked, "crm", "contact");
	g_assert_cmpstr (got_out, ==, want_out);
	g_assert_cmpstr (got_crm, ==, want_crm);

	/* and in step: nothing more to do, the held pairs still held */
	g_assert_cmpint (cli_run (&chunked, env_chunks, "sync", "--profile", "@P", "--json", NULL),
			 ==, 0);
	g_assert_cmpint (cli_report_count (&chunked, "created", "outlook", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (&chunked, "created", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (&chunked, "updated", "outlook", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (&chunked, "updated", "crm", "contact"), ==, 0);

	cli_fixture_clear (&whole);
	cli_fixture_clear (&chunked);
	cli_fixture_clear (&base);
}

/* killed after any write of a streamed first sync, then run again (plainly):
 * both sides as a run without a crash leaves them, nothing twice */
static void
test_crash_every_write (void)
{
	CliFixture base, ref;
	const gchar *env_chunks[] = { "CRMSYNC_STREAM_CHUNK=7", NULL };
	g_autofree gchar *want_out = NULL;
	g_autofree gchar *want_crm = NULL;
	guint positions;
	guint stride = g_getenv ("CRMSYNC_TEST_SMALL") != NULL ? 10 : 1;

	cli_fixture_init (&base, NULL);
	fill (&base);
	cli_fixture_copy (&ref, &base);
	g_assert_cmpint (cli_run (&ref, env_chunks, "sync", "--profile", "@P", "--json", NULL), ==,
			 0);
	want_out = cli_side_digest (&ref, "outlook", "contact");
	want_crm = cli_side_digest (&ref, "crm", "contact");
	positions = (guint)(cli_report_count (&ref, "created", "outlook", "contact")
			    + cli_report_count (&ref, "created", "crm", "contact"));
	g_assert_cmpuint (positions, ==, N_CRM - 6 + 4);
	cli_fixture_clear (&ref);

	for (guint n = 1; n <= positions; n += stride) {
		CliFixture f;
		g_autofree gchar *fault = g_strdup_printf ("CRMSYNC_FAULT=crash-after-write:%u", n);
		const gchar *env[] = { fault, env_chunks[0], NULL };
		g_autofree gchar *got_out = NULL;
		g_autofree gchar *got_crm = NULL;

		cli_fixture_copy (&f, &base);
		g_assert_cmpint (cli_run (&f, env, "sync", "--profile", "@P", NULL), ==, 99);
		g_assert_cmpint (cli_run (&f, env_chunks, "sync", "--profile", "@P", NULL), ==, 0);
		got_out = cli_side_digest (&f, "outlook", "contact");
		got_crm = cli_side_digest (&f, "crm", "contact");
		if (g_strcmp0 (got_out, want_out) != 0 || g_strcmp0 (got_crm, want_crm) != 0)
			g_error ("crash after write %u of a streamed first sync: the sides differ "
				 "from a "
				 "run without a crash (outlook %u records, crm %u)",
				 n, cli_count (&f, "outlook", "contact"),
				 cli_count (&f, "crm", "contact"));
		g_assert_cmpint (cli_run (&f, NULL, "sync", "--profile", "@P", "--json", NULL), ==,
				 0);
		g_assert_cmpint (cli_report_count (&f, "created", "outlook", "contact"), ==, 0);
		g_assert_cmpint (cli_report_count (&f, "created", "crm", "contact"), ==, 0);
		cli_fixture_clear (&f);
	}
	cli_fixture_clear (&base);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/cli/stream/first-sync-in-chunks", test_first_sync_in_chunks);
	g_test_add_func ("/cli/stream/crash-every-write", test_crash_every_write);
	return g_test_run ();
}
