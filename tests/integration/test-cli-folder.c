/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * End to end through crmsync-cli, with two folder sides: what a user (or a
 * script) sees after each run.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cli-fixture.h"

#define ANN "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CEO\"}"
#define BO "{\"firstName\": \"Bo\", \"lastName\": \"Bækgaard\", \"email\": \"bo@grøn.dk\"}"

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

static gint
run_sync (CliFixture *f)
{
	return cli_run (f, NULL, "sync", "--profile", "@P", "--json", NULL);
}

static const gchar *
str (JsonObject *o, const gchar *k)
{
	return json_object_get_string_member_with_default (o, k, NULL);
}

static void
test_create_both_ways (CliFixture *f, gconstpointer d)
{
	g_autoptr(JsonObject) ann = NULL;
	g_autoptr(JsonObject) bo = NULL;
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", BO));
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 1);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 1);
	ann = cli_find (f, "outlook", "contact", "firstName", "Ann");
	bo = cli_find (f, "crm", "contact", "firstName", "Bo");
	g_assert_nonnull (ann);
	g_assert_cmpstr (str (ann, "jobTitle"), ==, "CEO");
	g_assert_nonnull (bo);
	g_assert_cmpstr (str (bo, "email"), ==, "bo@grøn.dk");
	g_assert_cmpstr (str (bo, "lastName"), ==, "Bækgaard");

	/* a second run is a no-op */
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "outlook", "contact"), ==, 0);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 2);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);
}

static void
test_key_match (CliFixture *f, gconstpointer d)
{
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1",
		 "{\"firstName\": \"ann\", \"lastName\": \"LEE\", \"phone\": \"+45 1234\"}"));
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "linked", "crm", "contact"), ==, 1);
	/* no duplicates, and what each side had reaches the other */
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 1);
	{
		g_autoptr(JsonObject) c = cli_get (f, "crm", "contact", "c1");
		g_autoptr(JsonObject) o = cli_get (f, "outlook", "contact", "o1");
		g_assert_cmpstr (str (c, "phone"), ==, "+45 1234");
		g_assert_cmpstr (str (o, "jobTitle"), ==, "CEO");
		/* the CRM's spelling wins where both have a value */
		g_assert_cmpstr (str (o, "firstName"), ==, "Ann");
	}
}

static void
test_updates_and_merge (CliFixture *f, gconstpointer d)
{
	g_autoptr(JsonObject) c = NULL;
	g_autoptr(JsonObject) o = NULL;
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", ANN));
	g_assert_cmpint (run_sync (f), ==, 0);
	/* disjoint edits on both sides merge */
	g_free (cli_put (f, "crm", "contact", "c1",
		 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}"));
	g_free (cli_put (f, "outlook", "contact", "o1",
		 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CEO\", \"city\": \"Århus\"}"));
	g_assert_cmpint (run_sync (f), ==, 0);
	c = cli_get (f, "crm", "contact", "c1");
	o = cli_get (f, "outlook", "contact", "o1");
	g_assert_cmpstr (str (c, "jobTitle"), ==, "CTO");
	g_assert_cmpstr (str (c, "city"), ==, "Århus");
	g_assert_cmpstr (str (o, "jobTitle"), ==, "CTO");
	g_assert_cmpstr (str (o, "city"), ==, "Århus");
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "crm", "contact") +
			 cli_report_count (f, "updated", "outlook", "contact"), ==, 0);
}

static void
conflict_run (CliFixture *f, const gchar *strategy, const gchar *expect, gint expect_exit)
{
	g_autofree gchar *extra = g_strdup_printf ("conflict=%s\n", strategy);
	g_autoptr(JsonObject) c = NULL;
	g_autoptr(JsonObject) o = NULL;
	cli_write_profile (f, extra);
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", ANN));
	g_assert_cmpint (run_sync (f), ==, 0);
	g_free (cli_put (f, "crm", "contact", "c1", "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}"));
	g_free (cli_put (f, "outlook", "contact", "o1", "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CFO\"}"));
	/* the Outlook edit is the newer one */
	cli_touch (f, "crm", "contact", "c1", 1700000000);
	cli_touch (f, "outlook", "contact", "o1", 1800000000);
	g_assert_cmpint (run_sync (f), ==, expect_exit);
	c = cli_get (f, "crm", "contact", "c1");
	o = cli_get (f, "outlook", "contact", "o1");
	if (expect != NULL) {
		g_assert_cmpstr (str (c, "jobTitle"), ==, expect);
		g_assert_cmpstr (str (o, "jobTitle"), ==, expect);
	} else {
		/* manual: both keep their value and the conflict waits for the user */
		g_assert_cmpstr (str (c, "jobTitle"), ==, "CTO");
		g_assert_cmpstr (str (o, "jobTitle"), ==, "CFO");
		g_assert_cmpuint (cli_report_len (f, "conflicts"), ==, 1);
		g_assert_cmpint (cli_run (f, NULL, "status", "--profile", "@P", "--json", NULL), ==, 0);
		g_assert_nonnull (strstr (f->out, "\"field\" : \"jobTitle\""));
	}
}

static void
test_conflict_crm_wins (CliFixture *f, gconstpointer d)
{
	conflict_run (f, "crm-wins", "CTO", 0);
}

static void
test_conflict_outlook_wins (CliFixture *f, gconstpointer d)
{
	conflict_run (f, "outlook-wins", "CFO", 0);
}

static void
test_conflict_newest_wins (CliFixture *f, gconstpointer d)
{
	conflict_run (f, "newest-wins", "CFO", 0);
}

static void
test_conflict_manual (CliFixture *f, gconstpointer d)
{
	conflict_run (f, "manual", NULL, 1);
}

static void
linked_pair (CliFixture *f, const gchar *extra)
{
	cli_write_profile (f, extra);
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", ANN));
	/* a second pair, so that one deletion is not "the side lists nothing" */
	g_free (cli_put (f, "crm", "contact", "c2", BO));
	g_assert_cmpint (run_sync (f), ==, 0);
}

static void
test_delete_propagate (CliFixture *f, gconstpointer d)
{
	linked_pair (f, "[contact]\non-crm-delete=propagate\n");
	cli_remove (f, "crm", "contact", "c1");
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "deleted", "outlook", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 1);
	g_assert_null (cli_find (f, "outlook", "contact", "firstName", "Ann"));
}

static void
test_delete_restore (CliFixture *f, gconstpointer d)
{
	linked_pair (f, "[contact]\non-outlook-delete=restore\n");
	cli_remove (f, "outlook", "contact", "o1");
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 2);
	/* and it stays restored */
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);
}

static void
test_delete_ignore (CliFixture *f, gconstpointer d)
{
	linked_pair (f, "[contact]\non-crm-delete=ignore\non-outlook-delete=ignore\n");
	cli_remove (f, "crm", "contact", "c1");
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	/* an Outlook edit later does not bring it back into the CRM */
	g_free (cli_put (f, "outlook", "contact", "o1", "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"X\"}"));
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
}

static void
test_one_way_and_none (CliFixture *f, gconstpointer d)
{
	cli_write_profile (f, "[contact]\ndirection=crm-to-outlook\n[task]\ndirection=none\n");
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "outlook", "contact", "o1", BO));
	g_free (cli_put (f, "crm", "task", "t1", "{\"subject\": \"Call Ann\"}"));
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);
	/* Outlook's own contact is not sent to the CRM, and tasks are not synced */
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "outlook", "task"), ==, 0);
}

static void
test_dry_run (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	before = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--dry-run", "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 1);
	g_assert_cmpuint (cli_report_len (f, "plan"), ==, 1);
	after = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpstr (before, ==, after);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 0);
	/* the real run still has everything to do */
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 1);
}

static void
test_mass_delete_guard (CliFixture *f, gconstpointer d)
{
	for (guint i = 0; i < 20; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%u", i);
		g_autofree gchar *json = g_strdup_printf ("{\"firstName\": \"P%u\", \"lastName\": \"Q\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 20);
	for (guint i = 0; i < 8; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%u", i);
		cli_remove (f, "crm", "contact", id);
	}
	g_assert_cmpint (run_sync (f), ==, 4);
	g_assert_nonnull (strstr (f->out, "\"guard\""));
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 20);
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--json", "--force-delete", NULL), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 12);
}

static void
test_empty_side_guard (CliFixture *f, gconstpointer d)
{
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "crm", "contact", "c2", BO));
	g_assert_cmpint (run_sync (f), ==, 0);
	cli_remove (f, "crm", "contact", "c1");
	cli_remove (f, "crm", "contact", "c2");
	/* a side that suddenly lists nothing is not believed */
	g_assert_cmpint (run_sync (f), ==, 4);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);
}

static void
test_corrupt_record (CliFixture *f, gconstpointer d)
{
	JsonObject *o;
	JsonArray *skipped;
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "crm", "contact", "broken", "{\"firstName\": \"Tr"));
	g_assert_cmpint (run_sync (f), ==, 1);
	o = json_node_get_object (f->report);
	g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "partial");
	skipped = json_object_get_array_member (o, "skipped");
	g_assert_cmpuint (json_array_get_length (skipped), ==, 1);
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (skipped, 0), "id"), ==, "broken");
	g_assert_nonnull (strstr (json_object_get_string_member (json_array_get_object_element (skipped, 0), "reason"), "JSON"));
	/* the rest synced */
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 1);
}

static void
test_wrong_profile_value (CliFixture *f, gconstpointer d)
{
	cli_write_profile (f, "conflict=crm-always\n");
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", NULL), ==, 2);
	g_assert_nonnull (strstr (f->err, "profile.ini:6"));
	g_assert_nonnull (strstr (f->err, "conflict=crm-always"));
	g_assert_nonnull (strstr (f->err, "crm-wins"));
	/* one line */
	g_assert_true (g_str_has_suffix (f->err, "\n"));
	g_assert_true (strchr (f->err, '\n') == f->err + strlen (f->err) - 1);
	g_assert_cmpint (cli_run (f, NULL, "sync", NULL), ==, 2);
	g_assert_cmpint (cli_run (f, NULL, "frobnicate", NULL), ==, 2);
}

/* a damaged state file: one line that says what to do, exit 5, nothing
 * touched; moved away, the next run links both sides again by key */
static void
test_damaged_state (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *state = g_build_filename (f->dir, "state.db", NULL);
	g_autofree gchar *moved = g_build_filename (f->dir, "state.db.damaged", NULL);
	g_autofree gchar *crm_before = NULL;
	g_autofree gchar *outlook_before = NULL;
	g_autofree gchar *crm_after = NULL;
	g_autofree gchar *outlook_after = NULL;

	g_free (cli_put (f, "crm", "contact", "ada", "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	g_free (cli_put (f, "outlook", "contact", "hca", "{\"firstName\": \"Hans\", \"lastName\": \"Andersen\"}"));
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", NULL), ==, 0);
	crm_before = cli_side_digest (f, "crm", "contact");
	outlook_before = cli_side_digest (f, "outlook", "contact");
	g_assert_true (g_file_set_contents (state, "this is not a database, it was cut short by a crash", -1, NULL));
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", NULL), ==, 5);
	g_assert_nonnull (strstr (f->err, "is damaged"));
	g_assert_nonnull (strstr (f->err, "move it away"));
	g_assert_true (strchr (f->err, '\n') == f->err + strlen (f->err) - 1);
	crm_after = cli_side_digest (f, "crm", "contact");
	outlook_after = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpstr (crm_after, ==, crm_before);
	g_assert_cmpstr (outlook_after, ==, outlook_before);
	g_assert_cmpint (g_rename (state, moved), ==, 0);
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "linked", "crm", "contact"), ==, 2);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 0);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 2);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 2);
}

static void
test_plugins_listed (CliFixture *f, gconstpointer d)
{
	g_assert_cmpint (cli_run (f, NULL, "plugins", "--json", NULL), ==, 0);
	g_assert_nonnull (strstr (f->out, "\"name\" : \"folder\""));
	/* what a full listing covers: the folder lists everything */
	g_assert_nonnull (strstr (f->out, "\"horizons\" : {}"));
}

static JsonObject *
group_with (JsonArray *groups, const gchar *reason)
{
	for (guint i = 0; i < json_array_get_length (groups); i++) {
		JsonObject *g = json_array_get_object_element (groups, i);
		if (g_strcmp0 (str (g, "reason"), reason) == 0)
			return g;
	}
	return NULL;
}

static gboolean
group_has (JsonObject *g, const gchar *side, const gchar *id)
{
	JsonArray *recs = json_object_get_array_member (g, "records");
	for (guint i = 0; i < json_array_get_length (recs); i++) {
		JsonObject *r = json_array_get_object_element (recs, i);
		if (g_strcmp0 (str (r, "side"), side) == 0 && g_strcmp0 (str (r, "id"), id) == 0)
			return TRUE;
	}
	return FALSE;
}

/* look-alikes nobody linked: within a side (one address twice in Outlook)
 * and across (one phone number written two ways) */
static void
test_duplicates_lookalikes (CliFixture *f, gconstpointer d)
{
	JsonArray *groups;
	JsonObject *g;

	g_free (cli_put (f, "outlook", "contact", "a",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"email\": \"ada@example.org\"}"));
	g_free (cli_put (f, "outlook", "contact", "b",
			 "{\"firstName\": \"Augusta\", \"lastName\": \"King\", \"email\": \"ADA@example.org\"}"));
	g_free (cli_put (f, "crm", "contact", "c",
			 "{\"firstName\": \"Charles\", \"lastName\": \"Babbage\", \"phone\": \"+44 20 7946 0000\"}"));
	g_free (cli_put (f, "outlook", "contact", "d",
			 "{\"firstName\": \"Charlie\", \"lastName\": \"Babbage\", \"phone\": \"+44 (20) 7946-0000\"}"));
	g_assert_cmpint (cli_run (f, NULL, "duplicates", "--profile", "@P", "--json", NULL), ==, 0);
	groups = json_object_get_array_member (json_node_get_object (f->report), "groups");
	g = group_with (groups, "the same e-mail address");
	g_assert_nonnull (g);
	g_assert_cmpstr (str (g, "kind"), ==, "contact");
	g_assert_true (group_has (g, "outlook", "a") && group_has (g, "outlook", "b"));
	g = group_with (groups, "the same phone number");
	g_assert_nonnull (g);
	g_assert_true (group_has (g, "crm", "c") && group_has (g, "outlook", "d"));
	/* listing changes nothing */
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 3);
	g_assert_cmpint (cli_run (f, NULL, "duplicates", "--profile", "@P", NULL), ==, 0);
	g_assert_nonnull (strstr (f->out, "Babbage"));
}

/* link two records the key cannot match: the next sync merges them (crm-wins)
 * and creates neither; unlink: both are left alone from then on */
static void
test_link_unlink (CliFixture *f, gconstpointer d)
{
	g_autoptr(JsonObject) e = NULL;
	g_autoptr(JsonObject) e2 = NULL;
	g_autofree gchar *fpath = NULL;

	g_free (cli_put (f, "outlook", "contact", "e",
			 "{\"firstName\": \"Eve\", \"lastName\": \"Smith\", \"jobTitle\": \"CFO\"}"));
	fpath = cli_put (f, "crm", "contact", "f", "{\"firstName\": \"Eve\", \"lastName\": \"Smyth\"}");
	g_assert_cmpint (cli_run (f, NULL, "link", "--profile", "@P", "--kind", "contact", "--crm", "f",
				  "--outlook", "e", "--json", NULL),
			 ==, 0);
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 0);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 1);
	e = cli_get (f, "outlook", "contact", "e");
	g_assert_cmpstr (str (e, "lastName"), ==, "Smyth");
	g_assert_cmpstr (str (cli_get (f, "crm", "contact", "f"), "jobTitle"), ==, "CFO");
	/* merged: the next run has nothing to do */
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "crm", "contact") +
			     cli_report_count (f, "updated", "outlook", "contact"),
			 ==, 0);

	/* a wrong id: exit 2, one line */
	g_assert_cmpint (cli_run (f, NULL, "link", "--profile", "@P", "--kind", "contact", "--crm", "nope",
				  "--outlook", "e", NULL),
			 ==, 2);
	g_assert_nonnull (strstr (f->err, "linked to another record"));
	g_assert_cmpint (cli_run (f, NULL, "link", "--profile", "@P", "--kind", "contact", "--crm", "nope",
				  "--outlook", "nope2", NULL),
			 ==, 2);
	g_assert_nonnull (strstr (f->err, "nope"));
	g_assert_null (strchr (strchr (f->err, '\n') + 1, '\n'));
	g_assert_cmpint (cli_run (f, NULL, "unlink", "--profile", "@P", "--kind", "task", "--crm", "f", NULL),
			 ==, 2);

	g_assert_cmpint (cli_run (f, NULL, "unlink", "--profile", "@P", "--kind", "contact", "--crm", "f",
				  "--json", NULL),
			 ==, 0);
	g_assert_true (g_file_set_contents (fpath,
					    "{\"firstName\": \"Eve\", \"lastName\": \"Smyth\", \"jobTitle\": \"CEO\"}",
					    -1, NULL));
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--all", "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "linked", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "outlook", "contact"), ==, 0);
	e2 = cli_get (f, "outlook", "contact", "e");
	g_assert_cmpstr (str (e2, "jobTitle"), ==, "CFO");
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 1);
}

/* a probable match is held, not created twice; once one of the pair is gone,
 * the other is free to sync again */
static void
test_review_partner_gone (CliFixture *f, gconstpointer d)
{
	JsonArray *review;

	g_free (cli_put (f, "crm", "contact", "c",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"gender\": \"female\"}"));
	g_free (cli_put (f, "outlook", "contact", "o", "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	g_assert_cmpint (run_sync (f), ==, 0);
	review = json_object_get_array_member (json_node_get_object (f->report), "review");
	g_assert_cmpuint (json_array_get_length (review), ==, 1);
	g_assert_cmpstr (str (json_array_get_object_element (review, 0), "crm_id"), ==, "c");
	g_assert_cmpstr (str (json_array_get_object_element (review, 0), "outlook_id"), ==, "o");
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 1);
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 0);

	cli_remove (f, "crm", "contact", "c");
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	g_assert_cmpint (cli_run (f, NULL, "duplicates", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
			      json_node_get_object (f->report), "groups")),
			  ==, 0);
}

/* a held pair the user kept apart (unlink of both) is asked about once: no
 * longer listed, and no sync creates either on the other side */
static void
test_duplicates_kept_apart (CliFixture *f, gconstpointer d)
{
	g_free (cli_put (f, "crm", "contact", "c",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"gender\": \"female\"}"));
	g_free (cli_put (f, "outlook", "contact", "o", "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_run (f, NULL, "duplicates", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
			      json_node_get_object (f->report), "groups")),
			  ==, 1);
	g_assert_cmpint (cli_run (f, NULL, "unlink", "--profile", "@P", "--kind", "contact", "--crm", "c", NULL),
			 ==, 0);
	g_assert_cmpint (cli_run (f, NULL, "unlink", "--profile", "@P", "--kind", "contact", "--outlook", "o",
				  NULL),
			 ==, 0);
	g_assert_cmpint (cli_run (f, NULL, "duplicates", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
			      json_node_get_object (f->report), "groups")),
			  ==, 0);
	g_assert_cmpint (run_sync (f), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 0);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 1);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 1);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
#define T(path, fn, extra) g_test_add (path, CliFixture, extra, fx_setup, fn, fx_teardown)
	T ("/cli/folder/create-both-ways", test_create_both_ways, NULL);
	T ("/cli/folder/key-match", test_key_match, NULL);
	T ("/cli/folder/updates-and-merge", test_updates_and_merge, NULL);
	T ("/cli/folder/conflict/crm-wins", test_conflict_crm_wins, NULL);
	T ("/cli/folder/conflict/outlook-wins", test_conflict_outlook_wins, NULL);
	T ("/cli/folder/conflict/newest-wins", test_conflict_newest_wins, NULL);
	T ("/cli/folder/conflict/manual", test_conflict_manual, NULL);
	T ("/cli/folder/delete/propagate", test_delete_propagate, NULL);
	T ("/cli/folder/delete/restore", test_delete_restore, NULL);
	T ("/cli/folder/delete/ignore", test_delete_ignore, NULL);
	T ("/cli/folder/one-way-and-none", test_one_way_and_none, NULL);
	T ("/cli/folder/dry-run", test_dry_run, NULL);
	T ("/cli/folder/guard/mass-delete", test_mass_delete_guard, NULL);
	T ("/cli/folder/guard/empty-side", test_empty_side_guard, NULL);
	T ("/cli/folder/corrupt-record", test_corrupt_record, NULL);
	T ("/cli/folder/wrong-profile-value", test_wrong_profile_value, NULL);
	T ("/cli/folder/damaged-state", test_damaged_state, NULL);
	T ("/cli/plugins", test_plugins_listed, NULL);
	T ("/cli/folder/duplicates/lookalikes", test_duplicates_lookalikes, NULL);
	T ("/cli/folder/link-unlink", test_link_unlink, NULL);
	T ("/cli/folder/duplicates/kept-apart", test_duplicates_kept_apart, NULL);
	T ("/cli/folder/review/partner-gone", test_review_partner_gone, NULL);
	return g_test_run ();
}
