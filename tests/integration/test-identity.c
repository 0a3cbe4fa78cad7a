/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trust, end to end through crmsync-cli with two folder sides: a profile's
 * state does not depend on how its path is spelled, one run of a profile at
 * a time, every value a conflict strategy overwrites is reported, a mass
 * update stops until confirmed, and values that fail their type are never
 * written.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-fixture.h"
#include "cs-profile-lock.h"
#include "cs-state.h"

#define ANN "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CEO\"}"
#define BO  "{\"firstName\": \"Bo\", \"lastName\": \"Berg\", \"email\": \"bo@example.com\"}"

static void
fx_setup (CliFixture *f, gconstpointer data)
{
	cli_fixture_init (f, data);
}

static void
fx_teardown (CliFixture *f, gconstpointer data)
{
	cli_fixture_clear (f);
}

static const gchar *
str (JsonObject *o, const gchar *k)
{
	return json_object_get_string_member_with_default (o, k, NULL);
}

/* a profile that keeps its state where crmsync puts it by default (no state=) */
static void
write_plain_profile (CliFixture *f, const gchar *path)
{
	g_autofree gchar *crm = g_build_filename (f->dir, "crm", NULL);
	g_autofree gchar *outlook = g_build_filename (f->dir, "outlook", NULL);
	g_autofree gchar *text
		= g_strdup_printf ("# a comment that must stay\n[profile]\nname=Sales\n"
				   "crm=folder\noutlook=folder\n"
				   "[crm]\npath=%s\n[outlook]\npath=%s\n",
				   crm, outlook);
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static gint
sync_as (CliFixture *f, const gchar *spelling, gboolean dry_run)
{
	return cli_run (f, NULL, "sync", "--profile", spelling, "--json",
			dry_run ? "--dry-run" : NULL, NULL);
}

static gint64
creates (CliFixture *f)
{
	return cli_report_count (f, "created", "crm", "contact")
	       + cli_report_count (f, "created", "outlook", "contact");
}

static void
test_spellings_one_state (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *abs = g_build_filename (f->dir, "sales.ini", NULL);
	g_autofree gchar *sub = g_build_filename (f->dir, "elsewhere", NULL);
	g_autofree gchar *link = g_build_filename (sub, "link.ini", NULL);
	g_autofree gchar *moved = g_build_filename (f->dir, "renamed.ini", NULL);
	g_autofree gchar *text = NULL;
	const gchar *spellings[] = { "sales.ini", "./sales.ini", abs, link };

	write_plain_profile (f, abs);
	g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
	g_assert_cmpint (symlink ("../sales.ini", link), ==, 0);
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", BO));

	/* first sync through the absolute path */
	g_assert_cmpint (sync_as (f, abs, FALSE), ==, 0);
	g_assert_cmpint (creates (f), ==, 2);

	/* each other spelling (relative, ./, a symlink in another folder) is the
	 * same profile with the same state: nothing to create again */
	for (guint i = 0; i < G_N_ELEMENTS (spellings); i++) {
		g_assert_cmpint (sync_as (f, spellings[i], TRUE), ==, 0);
		g_assert_cmpint (creates (f), ==, 0);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
					  json_node_get_object (f->report), "plan")),
				  ==, 0);
	}
	/* the id is kept in the profile, the user's comment with it; the symlink
	 * is still a symlink */
	g_assert_true (g_file_get_contents (abs, &text, NULL, NULL));
	g_assert_nonnull (strstr (text, "# a comment that must stay\n[profile]\nid="));
	g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));

	/* an editor that drops the id line: the same state all the same */
	{
		g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
		g_autoptr (GString) without = g_string_new (NULL);
		for (guint i = 0; lines[i] != NULL; i++) {
			if (!g_str_has_prefix (lines[i], "id="))
				g_string_append_printf (without, "%s\n", lines[i]);
		}
		g_assert_true (g_file_set_contents (abs, without->str, -1, NULL));
		g_assert_cmpint (sync_as (f, "./sales.ini", TRUE), ==, 0);
		g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
					  json_node_get_object (f->report), "plan")),
				  ==, 0);
		g_clear_pointer (&text, g_free);
		g_assert_true (g_file_get_contents (abs, &text, NULL, NULL));
		g_assert_nonnull (strstr (text, "[profile]\nid="));
	}

	/* moved and renamed, it keeps its state */
	g_assert_cmpint (g_rename (abs, moved), ==, 0);
	g_assert_cmpint (sync_as (f, "renamed.ini", FALSE), ==, 0);
	g_assert_cmpint (creates (f), ==, 0);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 2);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);
}

/* a profile file copied by hand (and edited to sync other folders) keeps the
 * original's id= line: it must get a state of its own, or the copy's first run
 * takes the original's linked records for deleted ones. A copy whose original
 * is gone was a move: it keeps the state. */
static void
test_copy_own_state (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *abs = g_build_filename (f->dir, "sales.ini", NULL);
	g_autofree gchar *east = g_build_filename (f->dir, "east.ini", NULL);
	g_autofree gchar *backup = g_build_filename (f->dir, "backup.ini", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *copy = NULL;
	g_autofree gchar *east_text = NULL;
	g_autofree gchar *crm2 = g_build_filename (f->dir, "crm2", NULL);
	g_autofree gchar *out2 = g_build_filename (f->dir, "outlook2", NULL);
	g_autofree gchar *id = NULL;
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GKeyFile) ekf = g_key_file_new ();
	g_autofree gchar *east_id = NULL;

	write_plain_profile (f, abs);
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", BO));
	g_assert_cmpint (sync_as (f, abs, FALSE), ==, 0);
	g_assert_cmpint (creates (f), ==, 2);
	g_assert_true (g_file_get_contents (abs, &text, NULL, NULL));
	g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL));
	id = g_key_file_get_value (kf, "profile", "id", NULL);
	g_assert_nonnull (id);

	/* cp sales.ini east.ini, then point it at two other (empty) folders */
	g_assert_cmpint (g_mkdir (crm2, 0700), ==, 0);
	g_assert_cmpint (g_mkdir (out2, 0700), ==, 0);
	{
		g_autofree gchar *c1 = g_build_filename (f->dir, "crm", NULL);
		g_autofree gchar *o1 = g_build_filename (f->dir, "outlook", NULL);
		g_auto (GStrv) a = g_strsplit (text, c1, -1);
		g_autofree gchar *t1 = g_strjoinv (crm2, a);
		g_auto (GStrv) b = g_strsplit (t1, o1, -1);
		copy = g_strjoinv (out2, b);
	}
	g_assert_nonnull (strstr (copy, id));
	g_assert_true (g_file_set_contents (east, copy, -1, NULL));

	/* its first run: a first sync of its own, nothing deleted, nothing
	 * created from the original's folders */
	g_assert_cmpint (sync_as (f, east, FALSE), ==, 0);
	g_assert_cmpint (cli_report_count (f, "deleted", "crm", "contact")
				 + cli_report_count (f, "deleted", "outlook", "contact"),
			 ==, 0);
	g_assert_cmpint (creates (f), ==, 0);
	g_assert_true (g_file_get_contents (east, &east_text, NULL, NULL));
	g_assert_true (g_key_file_load_from_data (ekf, east_text, -1, G_KEY_FILE_NONE, NULL));
	east_id = g_key_file_get_value (ekf, "profile", "id", NULL);
	g_assert_nonnull (east_id);
	g_assert_cmpstr (east_id, !=, id);

	/* the original's state is untouched: nothing to do, both records still linked */
	g_assert_cmpint (sync_as (f, abs, TRUE), ==, 0);
	g_assert_cmpuint (cli_report_len (f, "plan"), ==, 0);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 2);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);

	/* copied somewhere, the original removed: that was a move, the state stays */
	g_assert_true (g_file_set_contents (backup, text, -1, NULL));
	g_assert_cmpint (g_unlink (abs), ==, 0);
	g_assert_cmpint (sync_as (f, backup, TRUE), ==, 0);
	g_assert_cmpuint (cli_report_len (f, "plan"), ==, 0);
}

/* a state written before profiles had ids, under the name made from the path
 * as it was typed, is picked up: never a fresh "Never synced" state */
static void
test_old_state_picked_up (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *abs = g_build_filename (f->dir, "sales.ini", NULL);
	g_autofree gchar *hash
		= g_compute_checksum_for_string (G_CHECKSUM_SHA256, "./sales.ini", -1);
	g_autofree gchar *old = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *with_state = NULL;
	g_autofree gchar *expect_id = NULL;

	hash[8] = '\0';
	old = g_strdup_printf ("%s/xdg/crmsync/sales-%s.db", f->dir, hash);
	expect_id = g_strdup_printf ("id=sales-%s\n", hash);
	/* the old name, written as an explicit state= to make the old state */
	write_plain_profile (f, abs);
	g_assert_true (g_file_get_contents (abs, &text, NULL, NULL));
	{
		g_autofree gchar *line = g_strdup_printf ("[profile]\nstate=%s\n", old);
		g_auto (GStrv) parts = g_strsplit (text, "[profile]\n", 2);
		with_state = g_strjoin (line, parts[0], parts[1], NULL);
	}
	g_assert_true (g_file_set_contents (abs, with_state, -1, NULL));
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", BO));
	g_assert_cmpint (sync_as (f, abs, FALSE), ==, 0);
	g_assert_cmpint (creates (f), ==, 2);
	g_assert_true (g_file_test (old, G_FILE_TEST_EXISTS));

	/* the profile as it was (no state=, no id), typed relative: same state */
	g_assert_true (g_file_set_contents (abs, text, -1, NULL));
	g_assert_cmpint (sync_as (f, "sales.ini", TRUE), ==, 0);
	g_assert_cmpint (creates (f), ==, 0);
	g_clear_pointer (&text, g_free);
	g_assert_true (g_file_get_contents (abs, &text, NULL, NULL));
	g_assert_nonnull (strstr (text, expect_id));
	/* and through the absolute path now too */
	g_assert_cmpint (sync_as (f, abs, TRUE), ==, 0);
	g_assert_cmpint (creates (f), ==, 0);
}

/* a profile crmsync cannot write (a system profile): one state all the same */
static void
test_read_only_profile (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *abs = g_build_filename (f->dir, "sales.ini", NULL);
	g_autofree gchar *text = NULL;

	if (getuid () == 0) {
		g_test_skip ("root writes read-only files");
		return;
	}
	write_plain_profile (f, abs);
	g_assert_cmpint (g_chmod (abs, 0444), ==, 0);
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_assert_cmpint (sync_as (f, "./sales.ini", FALSE), ==, 0);
	g_assert_cmpint (creates (f), ==, 1);
	g_assert_cmpint (sync_as (f, abs, TRUE), ==, 0);
	g_assert_cmpint (creates (f), ==, 0);
	g_assert_cmpint (sync_as (f, "sales.ini", TRUE), ==, 0);
	g_assert_cmpint (creates (f), ==, 0);
	g_assert_true (g_file_get_contents (abs, &text, NULL, NULL));
	g_assert_null (strstr (text, "id="));
}

/* a second run of a profile never runs beside the first */
static void
test_lock_held (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *state = g_build_filename (f->dir, "state.db", NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfileLock) lock = NULL;

	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	/* a run of this profile holds it (as the app's timer would) */
	lock = cs_profile_lock_acquire (state, "Test", 0, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", NULL), ==, 5);
	g_assert_nonnull (strstr (f->err, "another sync of the profile Test is running"));
	g_assert_null (strchr (strchr (f->err, '\n') + 1, '\n')); /* one line */
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 0);
	/* the JSON report says the same */
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 5);
	g_clear_object (&lock);
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 1);
}

static GSubprocess *
spawn_sync (CliFixture *f, GError **error)
{
	g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autofree gchar *xdg = g_build_filename (f->dir, "xdg", NULL);
	g_subprocess_launcher_set_cwd (l, f->dir);
	g_subprocess_launcher_setenv (l, "XDG_DATA_HOME", xdg, TRUE);
	g_subprocess_launcher_setenv (l, "CRMSYNC_SECRETS", "file", TRUE);
	g_subprocess_launcher_unsetenv (l, "CRMSYNC_FAULT");
	return g_subprocess_launcher_spawn (l, error, CRMSYNC_CLI, "sync", "--profile", f->profile,
					    "--json", NULL);
}

static void
test_two_concurrent_syncs (CliFixture *f, gconstpointer d)
{
	GSubprocess *p[2];
	guint ok = 0;

	for (guint i = 0; i < 40; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%u", i);
		g_autofree gchar *json
			= g_strdup_printf ("{\"firstName\": \"P%u\", \"lastName\": \"Q\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	for (guint i = 0; i < 2; i++) {
		g_autoptr (GError) error = NULL;
		p[i] = spawn_sync (f, &error);
		g_assert_no_error (error);
	}
	for (guint i = 0; i < 2; i++) {
		g_autoptr (GError) error = NULL;
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		gint status;
		g_assert_true (
			g_subprocess_communicate_utf8 (p[i], NULL, NULL, &out, &err, &error));
		g_assert_no_error (error);
		status = g_subprocess_get_exit_status (p[i]);
		/* the second waits for the first, or stops saying why */
		if (status == 5)
			g_assert_nonnull (strstr (err, "another sync of the profile")
						  ? err
						  : (g_printerr ("%s", err), NULL));
		else
			g_assert_cmpint (status, ==, 0);
		ok += status == 0;
		g_object_unref (p[i]);
	}
	g_assert_cmpuint (ok, >=, 1);
	/* never both creating: each contact once in Outlook, and nothing left */
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 40);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 40);
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpint (creates (f), ==, 0);
}

/* both sides edit one field: the strategy's winner is written over the
 * loser's value, and that value is reported and kept */
static void
overwrite_run (CliFixture *f, const gchar *strategy, const gchar *lost_side, const gchar *kept,
	       const gchar *lost)
{
	g_autofree gchar *extra = g_strdup_printf ("conflict=%s\n", strategy);
	g_autofree gchar *state_path = g_build_filename (f->dir, "state.db", NULL);
	g_autoptr (CsState) state = NULL;
	g_autoptr (GPtrArray) runs = NULL;
	g_autoptr (GPtrArray) kept_rows = NULL;
	g_autoptr (GError) error = NULL;
	JsonArray *ow;
	JsonObject *e;
	CsStateOverwrite *so;

	cli_write_profile (f, extra);
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", ANN));
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpuint (cli_report_len (f, "overwritten"), ==, 0);
	g_free (cli_put (f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}"));
	g_free (cli_put (f, "outlook", "contact", "o1",
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CFO\"}"));
	cli_touch (f, "crm", "contact", "c1", 1700000000);
	cli_touch (f, "outlook", "contact", "o1", 1800000000);

	/* the dry run shows it before it happens */
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", "--dry-run", NULL),
			 ==, 0);
	g_assert_cmpuint (cli_report_len (f, "overwritten"), ==, 1);

	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	ow = json_object_get_array_member (json_node_get_object (f->report), "overwritten");
	g_assert_cmpuint (json_array_get_length (ow), ==, 1);
	e = json_array_get_object_element (ow, 0);
	g_assert_cmpstr (str (e, "kind"), ==, "contact");
	g_assert_cmpstr (str (e, "side"), ==, lost_side);
	g_assert_cmpstr (str (e, "id"), ==, g_str_equal (lost_side, "crm") ? "c1" : "o1");
	g_assert_cmpstr (str (e, "label"), ==, "Ann Lee");
	g_assert_cmpstr (str (e, "field"), ==, "jobTitle");
	g_assert_cmpstr (str (e, "kept"), ==, kept);
	g_assert_cmpstr (str (e, "lost"), ==, lost);
	/* kept in the state, with the run, for undo */
	state = cs_state_open (state_path, &error);
	g_assert_no_error (error);
	runs = cs_state_get_runs (state, 1, &error);
	g_assert_no_error (error);
	kept_rows = cs_state_get_overwritten (state, ((CsRunInfo *)runs->pdata[0])->id, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (kept_rows->len, ==, 1);
	so = kept_rows->pdata[0];
	g_assert_cmpstr (so->field, ==, "jobTitle");
	g_assert_cmpstr (so->id, ==, g_str_equal (lost_side, "crm") ? "c1" : "o1");
	g_assert_true (g_str_equal (so->lost, lost) || strstr (so->lost, lost) != NULL);
	g_assert_nonnull (strstr (so->kept, kept));
}

static void
test_overwritten_crm_wins (CliFixture *f, gconstpointer d)
{
	g_autoptr (JsonObject) o = NULL;
	overwrite_run (f, "crm-wins", "outlook", "CTO", "CFO");
	o = cli_get (f, "outlook", "contact", "o1");
	g_assert_cmpstr (str (o, "jobTitle"), ==, "CTO");
}

static void
test_overwritten_outlook_wins (CliFixture *f, gconstpointer d)
{
	overwrite_run (f, "outlook-wins", "crm", "CFO", "CTO");
}

static void
test_overwritten_newest_wins (CliFixture *f, gconstpointer d)
{
	overwrite_run (f, "newest-wins", "crm", "CFO", "CTO");
}

/* the text report says it in a line of its own */
static void
test_overwritten_text (CliFixture *f, gconstpointer d)
{
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", ANN));
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", NULL), ==, 0);
	g_free (cli_put (f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}"));
	g_free (cli_put (f, "outlook", "contact", "o1",
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CFO\"}"));
	g_assert_cmpint (cli_run (f, (const gchar *[]){ "LANGUAGE=C", "LC_ALL=C.UTF-8", NULL },
				  "sync", "--profile", "@P", NULL),
			 ==, 0);
	g_assert_nonnull (strstr (
		f->out,
		"overwritten in Outlook: Contacts Ann Lee, Job title was \"CFO\", now \"CTO\"\n"));
}

/* first sight: two records linked by key with different values in a field:
 * the loser's value is written over, and reported */
static void
test_overwritten_at_link (CliFixture *f, gconstpointer d)
{
	JsonObject *e;
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (
		f, "outlook", "contact", "o1",
		"{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"Chief\"}"));
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "linked", "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_report_len (f, "overwritten"), ==, 1);
	e = json_array_get_object_element (
		json_object_get_array_member (json_node_get_object (f->report), "overwritten"), 0);
	g_assert_cmpstr (str (e, "side"), ==, "outlook");
	g_assert_cmpstr (str (e, "lost"), ==, "Chief");
	g_assert_cmpstr (str (e, "kept"), ==, "CEO");
}

/* 30 linked contacts; then one side changes jobTitle on @n of them */
static void
bulk_edit (CliFixture *f, guint n)
{
	for (guint i = 0; i < 30; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%02u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"P%u\", \"lastName\": \"Q\", \"jobTitle\": \"Clerk\"}",
			i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 30);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%02u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"P%u\", \"lastName\": \"Q\", \"jobTitle\": \"Boss\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
}

static guint
outlook_with_title (CliFixture *f, const gchar *title)
{
	g_autoptr (GPtrArray) ids = cli_list (f, "outlook", "contact");
	guint n = 0;
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr (JsonObject) o = cli_get (f, "outlook", "contact", ids->pdata[i]);
		n += g_strcmp0 (str (o, "jobTitle"), title) == 0;
	}
	return n;
}

static void
test_mass_update_guard (CliFixture *f, gconstpointer d)
{
	JsonObject *r;
	bulk_edit (f, 12);
	/* 12 of 30 (40 %, over 10): stopped, with its plan, nothing written */
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 4);
	r = json_node_get_object (f->report);
	g_assert_cmpstr (str (r, "status"), ==, "stopped");
	/* in the user's words: the kind, the field, the side */
	g_assert_nonnull (strstr (str (r, "guard"), "Contacts: the sync would change “Job title” on 12 of 30 in Outlook"));
	g_assert_nonnull (strstr (str (r, "guard"), "--force"));
	g_assert_cmpuint (cli_report_len (f, "plan"), ==, 12);
	g_assert_cmpuint (outlook_with_title (f, "Boss"), ==, 0);
	/* --force-delete confirms deletions only */
	g_assert_cmpint (
		cli_run (f, NULL, "sync", "--profile", "@P", "--json", "--force-delete", NULL), ==,
		4);
	g_assert_cmpuint (outlook_with_title (f, "Boss"), ==, 0);
	/* confirmed */
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", "--force", NULL),
			 ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "outlook", "contact"), ==, 12);
	g_assert_cmpuint (outlook_with_title (f, "Boss"), ==, 12);
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "outlook", "contact"), ==, 0);
}

/* 6 of 30 (20 %) is an ordinary run */
static void
test_mass_update_below (CliFixture *f, gconstpointer d)
{
	bulk_edit (f, 6);
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpuint (outlook_with_title (f, "Boss"), ==, 6);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
#define T(path, fn, extra) g_test_add (path, CliFixture, extra, fx_setup, fn, fx_teardown)
	T ("/cli/identity/spellings-one-state", test_spellings_one_state, NULL);
	T ("/cli/identity/old-state-picked-up", test_old_state_picked_up, NULL);
	T ("/cli/identity/copy-own-state", test_copy_own_state, NULL);
	T ("/cli/identity/read-only-profile", test_read_only_profile, NULL);
	T ("/cli/lock/held", test_lock_held, NULL);
	T ("/cli/lock/two-concurrent-syncs", test_two_concurrent_syncs, NULL);
	T ("/cli/overwritten/crm-wins", test_overwritten_crm_wins, NULL);
	T ("/cli/overwritten/outlook-wins", test_overwritten_outlook_wins, NULL);
	T ("/cli/overwritten/newest-wins", test_overwritten_newest_wins, NULL);
	T ("/cli/overwritten/text", test_overwritten_text, NULL);
	T ("/cli/overwritten/at-link", test_overwritten_at_link, NULL);
	T ("/cli/guard/mass-update", test_mass_update_guard, NULL);
	T ("/cli/guard/mass-update-below", test_mass_update_below, NULL);
	return g_test_run ();
}
