/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user in control, end to end through crmsync-cli with two folder sides:
 * the plan with its values (dry run, guard), undo, conflicts and their
 * resolution, history, status and the error reports.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cli-fixture.h"

#define ANN "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CEO\"}"
#define BO  "{\"firstName\": \"Bo\", \"lastName\": \"Berg\", \"city\": \"Aarhus\"}"
#define CY  "{\"firstName\": \"Cy\", \"lastName\": \"Dahl\", \"phone\": \"+45 1111\"}"

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
run (CliFixture *f, const gchar *cmd, const gchar *extra)
{
	return cli_run (f, NULL, cmd, "--profile", "@P", "--json", extra, NULL);
}

static JsonObject *
root (CliFixture *f)
{
	g_assert_nonnull (f->report);
	return json_node_get_object (f->report);
}

/* the id of the record on @side whose @field is @value */
static gchar *
id_of (CliFixture *f, const gchar *side, const gchar *field, const gchar *value)
{
	g_autoptr (GPtrArray) ids = cli_list (f, side, "contact");
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr (JsonObject) o = cli_get (f, side, "contact", ids->pdata[i]);
		if (g_strcmp0 (json_object_get_string_member_with_default (o, field, NULL), value)
		    == 0)
			return g_strdup (ids->pdata[i]);
	}
	return NULL;
}

static void
put_by_name (CliFixture *f, const gchar *side, const gchar *first, const gchar *json)
{
	g_autofree gchar *id = id_of (f, side, "firstName", first);
	g_assert_nonnull (id);
	g_free (cli_put (f, side, "contact", id, json));
}

static const gchar *
str (JsonObject *o, const gchar *k)
{
	return json_object_get_string_member_with_default (o, k, NULL);
}

/* the plan entry for @label */
static JsonObject *
plan_entry (JsonArray *plan, const gchar *label)
{
	for (guint i = 0; plan != NULL && i < json_array_get_length (plan); i++) {
		JsonObject *e = json_array_get_object_element (plan, i);
		if (g_strcmp0 (str (e, "label"), label) == 0)
			return e;
	}
	return NULL;
}

/* the change of @field on @side in @entry */
static JsonObject *
change_of (JsonObject *entry, const gchar *side, const gchar *field)
{
	JsonArray *changes = json_object_get_array_member (entry, "changes");
	for (guint i = 0; changes != NULL && i < json_array_get_length (changes); i++) {
		JsonObject *c = json_array_get_object_element (changes, i);
		if (g_strcmp0 (str (c, "side"), side) == 0
		    && g_strcmp0 (str (c, "field"), field) == 0)
			return c;
	}
	return NULL;
}

static void
three_synced (CliFixture *f)
{
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "crm", "contact", "c2", BO));
	g_free (cli_put (f, "outlook", "contact", "o3", CY));
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 3);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 3);
}

/* a dry run shows each update as old → new under the record's name, in text
 * and JSON, writes nothing, and says "would" */
static void
test_dry_run_diff (CliFixture *f, gconstpointer d)
{
	JsonObject *e, *c;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	three_synced (f);
	put_by_name (f, "crm", "Ann",
		     "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}");
	before = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpint (run (f, "sync", "--dry-run"), ==, 0);
	e = plan_entry (json_object_get_array_member (root (f), "plan"), "Ann Lee");
	g_assert_nonnull (e);
	g_assert_cmpstr (str (e, "action"), ==, "update");
	g_assert_cmpstr (str (e, "crm_id"), ==, "c1");
	g_assert_nonnull (str (e, "outlook_id"));
	c = change_of (e, "outlook", "jobTitle");
	g_assert_nonnull (c);
	g_assert_cmpstr (str (c, "old"), ==, "CEO");
	g_assert_cmpstr (str (c, "new"), ==, "CTO");
	g_assert_null (change_of (e, "crm", "jobTitle"));
	after = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpstr (before, ==, after);

	/* the text: grouped under the kind, the record by name, the field old → new */
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--dry-run", NULL), ==, 0);
	g_assert_nonnull (strstr (f->out, "would update 1 contact"));
	g_assert_null (strstr (f->out, "updated 1 contact"));
	g_assert_nonnull (strstr (f->out, "Contacts\n  Ann Lee: update in Outlook\n"));
	/* the field by its label; the JSON above keeps its name */
	g_assert_nonnull (strstr (f->out, "Job title: CEO → CTO"));
	g_assert_null (strstr (f->out, "jobTitle"));
	g_assert_null (strstr (f->out, "c1"));
}

/* counts in the report are whole translated messages: singular and plural,
 * and a German report has no English word in them */
static void
test_counts_plural (CliFixture *f, gconstpointer d)
{
	const gchar *env[] = { "LANGUAGE=de", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", NULL };
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "crm", "contact", "c2", BO));
	g_free (cli_put (f, "outlook", "contact", "o3", CY));
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", "--dry-run", NULL), ==, 0);
	g_assert_nonnull (strstr (f->out, "would create 2 contacts"));
	g_assert_nonnull (strstr (f->out, "would create 1 contact\n"));
	cli_run (f, env, "sync", "--profile", "@P", "--dry-run", NULL);
	/* the build tree's catalogue (CRMSYNC_LOCALEDIR, set by meson): a German
	 * report must come out German, never be skipped */
	g_assert_nonnull (strstr (f->out, "würde"));
	g_assert_nonnull (strstr (f->out, "würde 2 Kontakte anlegen"));
	g_assert_null (strstr (f->out, "contact"));
}

/* the words of the English report a German one must not show: each is in the catalogue */
static const gchar *const english_words[] = {
	"contact", "Contact", "conflict", "both sides", "changed", "overwritten", " was ", " now ",
	"Job title", "jobTitle", "would", "update", "create", NULL
};

static void
assert_no_english (const gchar *out)
{
	for (guint i = 0; english_words[i] != NULL; i++)
		if (strstr (out, english_words[i]) != NULL)
			g_error ("“%s” in the German report:\n%s", english_words[i], out);
}

/* a conflict line and an overwritten line name the field by its label, in the user's
 * language: "Position" in German, never the API's "jobTitle" nor an English word */
static void
test_report_field_labels_de (CliFixture *f, gconstpointer d)
{
	const gchar *env[] = { "LANGUAGE=de", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", NULL };
	g_autofree gchar *ann_out = NULL;

	/* a conflict, kept for the user */
	cli_write_profile (f, "conflict=manual\n");
	three_synced (f);
	ann_out = id_of (f, "outlook", "firstName", "Ann");
	g_free (cli_put (f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}"));
	g_free (cli_put (f, "outlook", "contact", ann_out,
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CFO\"}"));
	g_assert_cmpint (cli_run (f, env, "sync", "--profile", "@P", NULL), ==, 1);
	/* the build tree's catalogue (CRMSYNC_LOCALEDIR, set by meson): a German
	 * report must come out German, never be skipped */
	g_assert_nonnull (strstr (f->out, "Konflikt"));
	g_assert_nonnull (strstr (f->out, "Konflikt bei Kontakte Ann Lee: beide Seiten haben "
					  "Position geändert\n"));
	assert_no_english (f->out);
	/* the JSON keeps the field's id (the CLI contract) */
	g_assert_cmpint (run (f, "conflicts", NULL), ==, 0);
	{
		JsonArray *arr = json_object_get_array_member (root (f), "conflicts");
		g_assert_cmpstr (str (json_array_get_object_element (arr, 0), "field"), ==, "jobTitle");
	}
	g_assert_cmpint (cli_run (f, env, "conflicts", "--profile", "@P", NULL), ==, 0);
	g_assert_nonnull (strstr (f->out, "Ann Lee, Position\n"));

	/* the CRM wins: Outlook's value is overwritten, and the report says so by the label */
	cli_write_profile (f, "conflict=crm-wins\n");
	g_assert_cmpint (cli_run (f, NULL, "resolve", "--profile", "@P", "--all-keep", "crm", NULL),
			 ==, 0);
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_free (cli_put (f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"COO\"}"));
	g_free (cli_put (f, "outlook", "contact", ann_out,
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CIO\"}"));
	g_assert_cmpint (cli_run (f, env, "sync", "--profile", "@P", NULL), ==, 0);
	g_assert_nonnull (strstr (f->out, "in Outlook überschrieben: Kontakte Ann Lee, Position war "
					  "\"CIO\", jetzt \"COO\"\n"));
	assert_no_english (f->out);
}

/* a run a guard stops shows what it would have done */
static void
test_guard_shows_plan (CliFixture *f, gconstpointer d)
{
	g_autoptr (GPtrArray) ids = NULL;
	three_synced (f);
	ids = cli_list (f, "crm", "contact");
	for (guint i = 0; i < ids->len; i++)
		cli_remove (f, "crm", "contact", ids->pdata[i]);
	g_assert_cmpint (run (f, "sync", NULL), ==, 4);
	g_assert_cmpstr (str (root (f), "status"), ==, "stopped");
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root (f), "plan")),
			  ==, 3);
	{
		JsonObject *e
			= plan_entry (json_object_get_array_member (root (f), "plan"), "Ann Lee");
		g_assert_nonnull (e);
		g_assert_cmpstr (str (e, "action"), ==, "delete");
		g_assert_cmpstr (str (change_of (e, "outlook", "jobTitle"), "old"), ==, "CEO");
		g_assert_true (JSON_NODE_HOLDS_NULL (
			json_object_get_member (change_of (e, "outlook", "jobTitle"), "new")));
	}
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 3);
	g_assert_cmpint (cli_run (f, NULL, "sync", "--profile", "@P", NULL), ==, 4);
	g_assert_nonnull (strstr (f->out, "would delete 3 contacts"));
	g_assert_nonnull (strstr (f->out, "Ann Lee: delete in Outlook"));
}

/* undo of a run that created, updated and deleted on both sides puts both
 * sides back exactly as they were before it */
static void
test_undo_exact (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *crm_before = NULL;
	g_autofree gchar *out_before = NULL;
	g_autofree gchar *crm_after = NULL;
	g_autofree gchar *out_after = NULL;
	g_autofree gchar *bo = NULL;

	three_synced (f);
	/* edits on both sides: an update each way, a create each way, a deletion */
	put_by_name (f, "crm", "Ann",
		     "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}");
	put_by_name (f, "outlook", "Cy",
		     "{\"firstName\": \"Cy\", \"lastName\": \"Dahl\", \"phone\": \"+45 2222\"}");
	g_free (cli_put (f, "crm", "contact", "c9",
			 "{\"firstName\": \"Di\", \"lastName\": \"Eng\"}"));
	g_free (cli_put (f, "outlook", "contact", "o9",
			 "{\"firstName\": \"Ed\", \"lastName\": \"Falk\"}"));
	bo = id_of (f, "crm", "firstName", "Bo");
	cli_remove (f, "crm", "contact", bo);
	crm_before = cli_side_digest (f, "crm", "contact");
	out_before = cli_side_digest (f, "outlook", "contact");

	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 1);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 1);
	g_assert_cmpint (cli_report_count (f, "updated", "crm", "contact"), ==, 1);
	g_assert_cmpint (cli_report_count (f, "updated", "outlook", "contact"), ==, 1);
	g_assert_cmpint (cli_report_count (f, "deleted", "outlook", "contact"), ==, 1);

	/* the dry run of the undo lists it and changes nothing */
	g_assert_cmpint (run (f, "undo", "--dry-run"), ==, 0);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root (f), "plan")),
			  ==, 5);
	{
		JsonObject *e
			= plan_entry (json_object_get_array_member (root (f), "plan"), "Ann Lee");
		g_assert_cmpstr (str (change_of (e, "outlook", "jobTitle"), "old"), ==, "CTO");
		g_assert_cmpstr (str (change_of (e, "outlook", "jobTitle"), "new"), ==, "CEO");
		e = plan_entry (json_object_get_array_member (root (f), "plan"), "Bo Berg");
		g_assert_cmpstr (str (e, "action"), ==, "restore");
	}
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 4);

	g_assert_cmpint (run (f, "undo", NULL), ==, 0);
	crm_after = cli_side_digest (f, "crm", "contact");
	out_after = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpstr (crm_after, ==, crm_before);
	g_assert_cmpstr (out_after, ==, out_before);

	/* the undo is a run in the history, and can itself be undone */
	g_assert_cmpint (run (f, "history", NULL), ==, 0);
	{
		JsonArray *runs = json_object_get_array_member (root (f), "runs");
		JsonObject *newest = json_array_get_object_element (runs, 0);
		g_assert_cmpstr (str (newest, "trigger"), ==, "undo");
		g_assert_cmpint (json_object_get_int_member (
					 json_array_get_object_element (runs, 1), "undone_by"),
				 ==, json_object_get_int_member (newest, "id"));
	}
	g_assert_cmpint (run (f, "undo", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "outlook", "contact"), ==, 1);
	{
		g_autoptr (JsonObject) ann = cli_find (f, "outlook", "contact", "firstName", "Ann");
		g_assert_cmpstr (str (ann, "jobTitle"), ==, "CTO");
	}
}

/* an undo killed halfway: the next undo finishes taking the same run back */
static void
test_undo_crash (CliFixture *f, gconstpointer d)
{
	const gchar *crash[] = { "CRMSYNC_FAULT=crash-after-write:2", NULL };
	g_autofree gchar *crm_before = NULL;
	g_autofree gchar *out_before = NULL;
	g_autofree gchar *crm_after = NULL;
	g_autofree gchar *out_after = NULL;
	three_synced (f);
	put_by_name (f, "crm", "Ann",
		     "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}");
	put_by_name (f, "crm", "Bo",
		     "{\"firstName\": \"Bo\", \"lastName\": \"Berg\", \"city\": \"Odense\"}");
	put_by_name (f, "outlook", "Cy",
		     "{\"firstName\": \"Cy\", \"lastName\": \"Dahl\", \"phone\": \"+45 3333\"}");
	g_free (cli_put (f, "crm", "contact", "c9",
			 "{\"firstName\": \"Di\", \"lastName\": \"Eng\"}"));
	crm_before = cli_side_digest (f, "crm", "contact");
	out_before = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_assert_cmpint (cli_run (f, crash, "undo", "--profile", "@P", "--json", NULL), ==, 99);
	g_assert_cmpint (run (f, "undo", NULL), ==, 0);
	crm_after = cli_side_digest (f, "crm", "contact");
	out_after = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpstr (crm_after, ==, crm_before);
	g_assert_cmpstr (out_after, ==, out_before);
	/* the run is undone once; the killed undo is not offered to be undone */
	g_assert_cmpint (run (f, "history", NULL), ==, 0);
	{
		JsonArray *runs = json_object_get_array_member (root (f), "runs");
		JsonObject *sync = json_array_get_object_element (runs, 2);
		g_assert_cmpstr (str (sync, "trigger"), ==, "sync");
		g_assert_cmpint (
			json_object_get_int_member (sync, "undone_by"), ==,
			json_object_get_int_member (json_array_get_object_element (runs, 0), "id"));
		g_assert_cmpstr (str (json_array_get_object_element (runs, 1), "status"), ==,
				 "running");
	}
}

/* undo is a run with guards: taking back many creates is a mass deletion,
 * stopped with its plan until confirmed */
static void
test_undo_guard (CliFixture *f, gconstpointer d)
{
	three_synced (f);
	for (guint i = 0; i < 8; i++) {
		g_autofree gchar *id = g_strdup_printf ("n%u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"New%u\", \"lastName\": \"Person\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 11);
	g_assert_cmpint (run (f, "undo", NULL), ==, 4);
	g_assert_cmpstr (str (root (f), "status"), ==, "stopped");
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root (f), "plan")),
			  ==, 8);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 11);
	g_assert_cmpint (run (f, "undo", "--force-delete"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "deleted", "outlook", "contact"), ==, 8);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 3);
}

/* an undo can hit the mass-update guard as a sync can, and both guards at once: each is
 * confirmed with the flag `sync` takes for it (--force, --force-delete), and only with it */
static void
test_undo_force_update (CliFixture *f, gconstpointer d)
{
	for (guint i = 0; i < 20; i++) {
		g_autofree gchar *id = g_strdup_printf ("p%02u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"Per%02u\", \"lastName\": \"Son\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	/* twelve of twenty get a job title, and eight new people come */
	for (guint i = 0; i < 12; i++) {
		g_autofree gchar *id = g_strdup_printf ("p%02u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"Per%02u\", \"lastName\": \"Son\", \"jobTitle\": \"Clerk\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	for (guint i = 0; i < 8; i++) {
		g_autofree gchar *id = g_strdup_printf ("n%u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"New%u\", \"lastName\": \"Person\"}", i);
		g_free (cli_put (f, "crm", "contact", id, json));
	}
	g_assert_cmpint (run (f, "sync", NULL), ==, 4);
	g_assert_cmpint (run (f, "sync", "--force"), ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 28);
	g_assert_nonnull (cli_find (f, "outlook", "contact", "jobTitle", "Clerk"));

	/* the undo deletes eight and takes twelve job titles back: stopped, whichever one
	 * guard alone is confirmed; nothing changed */
	g_assert_cmpint (run (f, "undo", NULL), ==, 4);
	g_assert_cmpstr (str (root (f), "status"), ==, "stopped");
	g_assert_cmpint (run (f, "undo", "--force-delete"), ==, 4);
	g_assert_cmpint (run (f, "undo", "--force"), ==, 4);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 28);
	g_assert_nonnull (cli_find (f, "outlook", "contact", "jobTitle", "Clerk"));
	/* the text says which flag confirms what stopped it */
	g_assert_cmpint (cli_run (f, NULL, "undo", "--profile", "@P", "--force-delete", NULL), ==, 4);
	g_assert_nonnull (strstr (f->out, "--force"));
	g_assert_cmpint (cli_run (f, NULL, "undo", "--profile", "@P", "--dry-run", "--force-delete",
				  "--force", "--json", NULL),
			 ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 28);
	g_assert_cmpint (cli_run (f, NULL, "undo", "--profile", "@P", "--force-delete", "--force",
				  "--json", NULL),
			 ==, 0);
	g_assert_cmpint (cli_report_count (f, "deleted", "outlook", "contact"), ==, 8);
	g_assert_cmpint (cli_report_count (f, "updated", "outlook", "contact"), ==, 12);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 20);
	g_assert_null (cli_find (f, "outlook", "contact", "jobTitle", "Clerk"));
}

/* a field changed again after the run is a conflict for the user, not
 * overwritten by the undo */
static void
test_undo_after_edit (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *ann_out = NULL;
	g_autoptr (JsonObject) ann = NULL;
	three_synced (f);
	put_by_name (f, "crm", "Ann",
		     "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}");
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	ann_out = id_of (f, "outlook", "firstName", "Ann");
	g_free (cli_put (f, "outlook", "contact", ann_out,
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CFO\"}"));
	g_assert_cmpint (run (f, "undo", NULL), ==, 1);
	g_assert_cmpuint (cli_report_len (f, "conflicts"), ==, 1);
	ann = cli_get (f, "outlook", "contact", ann_out);
	g_assert_cmpstr (str (ann, "jobTitle"), ==, "CFO");
	/* and the user sees it waiting, with both values */
	g_assert_cmpint (run (f, "conflicts", NULL), ==, 0);
	{
		JsonArray *arr = json_object_get_array_member (root (f), "conflicts");
		JsonObject *c;
		g_assert_cmpuint (json_array_get_length (arr), ==, 1);
		c = json_array_get_object_element (arr, 0);
		g_assert_cmpstr (str (c, "label"), ==, "Ann Lee");
		g_assert_cmpstr (str (c, "crm"), ==, "CTO");
		g_assert_cmpstr (str (c, "outlook"), ==, "CFO");
	}
}

/* a side that listed nothing, confirmed with --force-delete: undo makes the
 * deleted records again and links them to their partners, so that the next
 * sync has nothing to do */
static void
test_undo_force_delete (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *out_before = NULL;
	g_autofree gchar *out_after = NULL;
	g_autofree gchar *crm_dir = NULL;
	g_autofree gchar *away = NULL;
	three_synced (f);
	out_before = cli_side_digest (f, "outlook", "contact");
	crm_dir = g_build_filename (f->dir, "crm", "contact", NULL);
	away = g_build_filename (f->dir, "crm-away", NULL);
	/* the CRM folder is not there for a moment (an unmounted share) */
	g_assert_cmpint (g_rename (crm_dir, away), ==, 0);
	g_assert_cmpint (run (f, "sync", NULL), ==, 4);
	g_assert_cmpint (run (f, "sync", "--force-delete"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "deleted", "outlook", "contact"), ==, 3);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 0);
	g_assert_cmpint (g_rename (away, crm_dir), ==, 0);

	g_assert_cmpint (run (f, "undo", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 3);
	out_after = cli_side_digest (f, "outlook", "contact");
	g_assert_cmpstr (out_after, ==, out_before);
	g_assert_cmpint (run (f, "status", NULL), ==, 0);
	g_assert_cmpint (json_object_get_int_member (
				 json_object_get_object_member (root (f), "linked"), "contact"),
			 ==, 3);
	/* linked again: nothing left to do, no duplicate */
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact")
				 + cli_report_count (f, "created", "outlook", "contact")
				 + cli_report_count (f, "updated", "crm", "contact")
				 + cli_report_count (f, "updated", "outlook", "contact"),
			 ==, 0);
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 3);
	g_assert_cmpuint (cli_count (f, "crm", "contact"), ==, 3);
}

/* history keeps each run's changes, field by field */
static void
test_history_changes (CliFixture *f, gconstpointer d)
{
	gint64 id;
	JsonObject *e;
	three_synced (f);
	put_by_name (f, "crm", "Ann",
		     "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}");
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_assert_cmpint (run (f, "history", NULL), ==, 0);
	{
		JsonArray *runs = json_object_get_array_member (root (f), "runs");
		JsonObject *r = json_array_get_object_element (runs, 0);
		g_assert_cmpuint (json_array_get_length (runs), ==, 2);
		id = json_object_get_int_member (r, "id");
		g_assert_cmpstr (str (r, "trigger"), ==, "sync");
		g_assert_cmpstr (str (r, "status"), ==, "ok");
		g_assert_nonnull (str (r, "started"));
		g_assert_nonnull (str (r, "finished"));
		g_assert_cmpint (
			json_object_get_int_member (
				json_object_get_object_member (
					json_object_get_object_member (r, "updated"), "outlook"),
				"contact"),
			==, 1);
		g_assert_true (json_object_has_member (r, "linked"));
	}
	{
		g_autofree gchar *arg = g_strdup_printf ("--run=%" G_GINT64_FORMAT, id);
		g_assert_cmpint (run (f, "history", arg), ==, 0);
	}
	e = plan_entry (json_object_get_array_member (
				json_array_get_object_element (
					json_object_get_array_member (root (f), "runs"), 0),
				"changes"),
			"Ann Lee");
	g_assert_nonnull (e);
	g_assert_cmpstr (str (change_of (e, "outlook", "jobTitle"), "old"), ==, "CEO");
	g_assert_cmpstr (str (change_of (e, "outlook", "jobTitle"), "new"), ==, "CTO");
	/* the contract's members only: {side, field, old, new} */
	g_assert_cmpuint (json_object_get_size (change_of (e, "outlook", "jobTitle")), ==, 4);
}

/* link --dry-run: the merge the next sync would make, and nothing recorded; linked, the
 * sync writes what it said */
static void
test_link_dry_run (CliFixture *f, gconstpointer d)
{
	JsonObject *e;
	g_autoptr (JsonObject) c = NULL;
	g_autoptr (JsonObject) o = NULL;
	three_synced (f);
	g_free (cli_put (f, "crm", "contact", "c4",
			 "{\"firstName\": \"Dag\", \"lastName\": \"Holm\", \"jobTitle\": \"Buyer\"}"));
	g_free (cli_put (f, "outlook", "contact", "o4",
			 "{\"firstName\": \"Dag\", \"lastName\": \"Holm-Berg\", \"phone\": \"+45 2\"}"));
	g_assert_cmpint (cli_run (f, NULL, "link", "--profile", "@P", "--kind", "contact", "--crm",
				  "c4", "--outlook", "o4", "--dry-run", "--json", NULL),
			 ==, 0);
	g_assert_true (json_object_get_boolean_member (root (f), "dry_run"));
	g_assert_cmpuint (cli_report_len (f, "plan"), ==, 1);
	e = json_array_get_object_element (json_object_get_array_member (root (f), "plan"), 0);
	g_assert_cmpstr (str (e, "crm_id"), ==, "c4");
	g_assert_cmpstr (str (e, "outlook_id"), ==, "o4");
	g_assert_cmpstr (str (change_of (e, "outlook", "jobTitle"), "new"), ==, "Buyer");
	g_assert_cmpstr (str (change_of (e, "crm", "phone"), "new"), ==, "+45 2");
	g_assert_nonnull (change_of (e, "outlook", "lastName"));
	g_assert_cmpint (cli_run (f, NULL, "link", "--profile", "@P", "--kind", "contact", "--crm",
				  "c4", "--outlook", "o4", "--dry-run", NULL),
			 ==, 0);
	g_assert_nonnull (strstr (f->out, "Dry run, nothing was changed."));
	g_assert_nonnull (strstr (f->out, "Buyer"));
	/* nothing recorded: a plain sync would still create each on the other side */
	g_assert_cmpint (run (f, "sync", "--dry-run"), ==, 0);
	g_assert_cmpint (cli_report_count (f, "created", "outlook", "contact"), ==, 1);
	g_assert_cmpint (cli_report_count (f, "created", "crm", "contact"), ==, 1);
	/* a wrong id: the usual one-line error */
	g_assert_cmpint (cli_run (f, NULL, "link", "--profile", "@P", "--kind", "contact", "--crm",
				  "nobody", "--outlook", "o4", "--dry-run", NULL),
			 ==, 2);

	g_assert_cmpint (run (f, "link", NULL), ==, 2); /* needs its ids */
	g_assert_cmpint (cli_run (f, NULL, "link", "--profile", "@P", "--kind", "contact", "--crm",
				  "c4", "--outlook", "o4", NULL),
			 ==, 0);
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	c = cli_get (f, "crm", "contact", "c4");
	o = cli_get (f, "outlook", "contact", "o4");
	g_assert_cmpstr (str (o, "jobTitle"), ==, "Buyer");
	g_assert_cmpstr (str (c, "phone"), ==, "+45 2");
	g_assert_cmpstr (str (c, "lastName"), ==, str (o, "lastName"));
	g_assert_cmpuint (cli_count (f, "outlook", "contact"), ==, 4);
}

/* each way of deciding a conflict reaches both sides on the next plain sync */
static void
resolve_with (CliFixture *f, const gchar *how, const gchar *arg, const gchar *expect)
{
	g_autofree gchar *ann_out = NULL;
	g_autofree gchar *idarg = NULL;
	g_autoptr (JsonObject) c = NULL;
	g_autoptr (JsonObject) o = NULL;
	gint64 id;

	cli_write_profile (f, "conflict=manual\n");
	three_synced (f);
	ann_out = id_of (f, "outlook", "firstName", "Ann");
	g_free (cli_put (f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}"));
	g_free (cli_put (f, "outlook", "contact", ann_out,
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CFO\"}"));
	g_assert_cmpint (run (f, "sync", NULL), ==, 1);
	g_assert_cmpint (run (f, "conflicts", NULL), ==, 0);
	{
		JsonArray *arr = json_object_get_array_member (root (f), "conflicts");
		JsonObject *co = json_array_get_object_element (arr, 0);
		g_assert_cmpuint (json_array_get_length (arr), ==, 1);
		g_assert_cmpstr (str (co, "field"), ==, "jobTitle");
		g_assert_cmpstr (str (co, "base"), ==, "CEO");
		id = json_object_get_int_member (co, "id");
	}
	idarg = g_strdup_printf ("%" G_GINT64_FORMAT, id);
	/* a dry run says what would be kept and records nothing */
	if (g_strcmp0 (how, "--all-keep") == 0)
		g_assert_cmpint (cli_run (f, NULL, "resolve", "--profile", "@P", how, arg, "--dry-run",
					  "--json", NULL),
				 ==, 0);
	else
		g_assert_cmpint (cli_run (f, NULL, "resolve", "--profile", "@P", idarg, how, arg,
					  "--dry-run", "--json", NULL),
				 ==, 0);
	g_assert_true (json_object_get_boolean_member (root (f), "dry_run"));
	{
		JsonArray *arr = json_object_get_array_member (root (f), "resolved");
		g_assert_cmpuint (json_array_get_length (arr), ==, 1);
		g_assert_cmpstr (str (json_array_get_object_element (arr, 0), "value"), ==, expect);
	}
	g_assert_cmpint (cli_run (f, NULL, "resolve", "--profile", "@P", "--all-keep", "crm",
				  "--dry-run", NULL),
			 ==, 0);
	g_assert_nonnull (strstr (f->out, "Dry run, nothing was changed."));
	g_assert_nonnull (strstr (f->out, "Ann Lee, jobTitle: would keep CTO"));
	g_assert_cmpint (run (f, "conflicts", NULL), ==, 0);
	g_assert_cmpuint (
		json_array_get_length (json_object_get_array_member (root (f), "conflicts")), ==,
		1);
	if (g_strcmp0 (how, "--all-keep") == 0)
		g_assert_cmpint (
			cli_run (f, NULL, "resolve", "--profile", "@P", how, arg, "--json", NULL),
			==, 0);
	else
		g_assert_cmpint (cli_run (f, NULL, "resolve", "--profile", "@P", idarg, how, arg,
					  "--json", NULL),
				 ==, 0);
	g_assert_cmpint (run (f, "conflicts", NULL), ==, 0);
	g_assert_cmpuint (
		json_array_get_length (json_object_get_array_member (root (f), "conflicts")), ==,
		0);
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	c = cli_get (f, "crm", "contact", "c1");
	o = cli_get (f, "outlook", "contact", ann_out);
	g_assert_cmpstr (str (c, "jobTitle"), ==, expect);
	g_assert_cmpstr (str (o, "jobTitle"), ==, expect);
	/* settled: the next run has nothing to do */
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (f, "updated", "crm", "contact")
				 + cli_report_count (f, "updated", "outlook", "contact"),
			 ==, 0);
}

/* undo of the run that wrote a decision: each side gets its own value back
 * (they differed), and the conflict is open again, never one value on both */
static void
test_undo_resolved (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *ann_out = NULL;
	g_autoptr (JsonObject) c = NULL;
	g_autoptr (JsonObject) o = NULL;
	resolve_with (f, "--value", "Chair", "Chair");
	ann_out = id_of (f, "outlook", "firstName", "Ann");
	g_assert_cmpint (run (f, "undo", NULL), ==, 1);
	c = cli_get (f, "crm", "contact", "c1");
	o = cli_get (f, "outlook", "contact", ann_out);
	g_assert_cmpstr (str (c, "jobTitle"), ==, "CTO");
	g_assert_cmpstr (str (o, "jobTitle"), ==, "CFO");
	g_assert_cmpint (run (f, "conflicts", NULL), ==, 0);
	{
		JsonArray *arr = json_object_get_array_member (root (f), "conflicts");
		JsonObject *co;
		g_assert_cmpuint (json_array_get_length (arr), ==, 1);
		co = json_array_get_object_element (arr, 0);
		g_assert_cmpstr (str (co, "crm"), ==, "CTO");
		g_assert_cmpstr (str (co, "outlook"), ==, "CFO");
	}
	/* a plain run leaves both as they are while the user decides */
	g_assert_cmpint (run (f, "sync", NULL), ==, 1);
	g_clear_pointer (&c, json_object_unref);
	g_clear_pointer (&o, json_object_unref);
	c = cli_get (f, "crm", "contact", "c1");
	o = cli_get (f, "outlook", "contact", ann_out);
	g_assert_cmpstr (str (c, "jobTitle"), ==, "CTO");
	g_assert_cmpstr (str (o, "jobTitle"), ==, "CFO");
}

static void
test_resolve_keep_crm (CliFixture *f, gconstpointer d)
{
	resolve_with (f, "--keep", "crm", "CTO");
}

static void
test_resolve_keep_outlook (CliFixture *f, gconstpointer d)
{
	resolve_with (f, "--keep", "outlook", "CFO");
}

static void
test_resolve_value (CliFixture *f, gconstpointer d)
{
	resolve_with (f, "--value", "Chair", "Chair");
}

static void
test_resolve_all_keep (CliFixture *f, gconstpointer d)
{
	resolve_with (f, "--all-keep", "outlook", "CFO");
}

/* status of a profile never synced: says so and leaves nothing on disk */
static void
test_status_creates_nothing (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *state = g_build_filename (f->dir, "state.db", NULL);
	g_autofree gchar *xdg = g_build_filename (f->dir, "xdg", NULL);
	g_assert_cmpint (cli_run (f, NULL, "status", "--profile", "@P", NULL), ==, 0);
	g_assert_nonnull (strstr (f->out, "Never synced"));
	g_assert_cmpint (run (f, "status", NULL), ==, 0);
	g_assert_false (json_object_get_boolean_member (root (f), "synced"));
	g_assert_cmpint (run (f, "history", NULL), ==, 0);
	g_assert_cmpint (run (f, "conflicts", NULL), ==, 0);
	g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
	g_assert_false (g_file_test (xdg, G_FILE_TEST_EXISTS));
	/* a state that cannot be read: exit 5, not 3 */
	g_assert_true (g_file_set_contents (state, "not a database, only some text long enough", -1,
					    NULL));
	g_assert_cmpint (run (f, "status", NULL), ==, 5);
}

/* status names the conflicts waiting; the last run's skips only */
static void
test_status_conflicts_named (CliFixture *f, gconstpointer d)
{
	g_autofree gchar *ann_out = NULL;
	cli_write_profile (f, "conflict=manual\n");
	three_synced (f);
	ann_out = id_of (f, "outlook", "firstName", "Ann");
	g_free (cli_put (f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CTO\"}"));
	g_free (cli_put (f, "outlook", "contact", ann_out,
			 "{\"firstName\": \"Ann\", \"lastName\": \"Lee\", \"jobTitle\": \"CFO\"}"));
	g_assert_cmpint (run (f, "sync", NULL), ==, 1);
	g_assert_cmpint (cli_run (f, NULL, "status", "--profile", "@P", NULL), ==, 0);
	g_assert_nonnull (strstr (f->out, "1 conflict waiting"));
	g_assert_nonnull (strstr (f->out, "Ann Lee, Job title"));
}

/* the skips status shows are the last run's: none after a run that failed */
static void
test_status_last_run_skips (CliFixture *f, gconstpointer d)
{
	cli_write_profile (
		f, "preset=orocrm\n[crm]\npath=crm\nschema=orocrm\n[outlook]\npath=outlook\nschema="
		   "outlook\n"
		   "[contact]\ncondition=all\n[task]\ndirection=none\n[event]\ndirection=none\n");
	g_free (cli_put (f, "outlook", "contact", "o1", "{\"companyName\": \"Acme\"}"));
	g_assert_cmpint (run (f, "sync", NULL), ==, 1);
	g_assert_cmpint (run (f, "status", NULL), ==, 0);
	g_assert_cmpuint (
		json_array_get_length (json_object_get_array_member (root (f), "skipped")), ==, 1);
	/* the next run cannot reach Outlook at all */
	g_assert_true (g_file_set_contents (
		f->profile,
		"[profile]\nname=Test\ncrm=folder\noutlook=graph\nstate=state.db\npreset=orocrm\n"
		"[crm]\npath=crm\nschema=orocrm\n[outlook]\nurl=http://127.0.0.1:1\n"
		"authority=http://127.0.0.1:1\n[contact]\ncondition=all\n[task]\ndirection=none\n"
		"[event]\ndirection=none\n",
		-1, NULL));
	g_assert_cmpint (run (f, "sync", NULL), ==, 3);
	g_assert_cmpint (run (f, "status", NULL), ==, 0);
	g_assert_cmpuint (
		json_array_get_length (json_object_get_array_member (root (f), "skipped")), ==, 0);
	g_assert_cmpint (cli_run (f, NULL, "status", "--profile", "@P", NULL), ==, 0);
	g_assert_null (strstr (f->out, "Acme"));
	g_assert_null (strstr (f->out, "Skipped"));
}

/* a side the rules cannot write: kept out, counted, and no partial run */
static void
test_excluded_not_partial (CliFixture *f, gconstpointer d)
{
	JsonObject *x;
	cli_write_profile (f, "[crm]\npath=crm\n[outlook]\npath=outlook\nread-only=true\n");
	g_free (cli_put (f, "crm", "contact", "c1", ANN));
	g_free (cli_put (f, "crm", "contact", "c2", BO));
	g_assert_cmpint (run (f, "sync", NULL), ==, 0);
	g_assert_cmpstr (str (root (f), "status"), ==, "ok");
	g_assert_cmpuint (cli_report_len (f, "skipped"), ==, 0);
	g_assert_cmpuint (cli_report_len (f, "excluded"), ==, 1);
	x = json_array_get_object_element (json_object_get_array_member (root (f), "excluded"), 0);
	g_assert_cmpstr (str (x, "kind"), ==, "contact");
	g_assert_cmpstr (str (x, "side"), ==, "crm");
	g_assert_cmpint (json_object_get_int_member (x, "count"), ==, 2);
}

/* an error report in --json still has every field; configuration errors
 * name the file, the line, the key, the value and what is allowed */
static void
test_error_reports (CliFixture *f, gconstpointer d)
{
	static const gchar *fields[] = { "status",  "created",	 "updated",  "deleted", "linked",
					 "skipped", "conflicts", "excluded", "errors",	"plan" };
	g_autofree gchar *state = g_build_filename (f->dir, "state.db", NULL);
	g_autofree gchar *where = NULL;
	cli_write_profile (f, "[crm]\npath=crm\n[outlook]\npath=outlook\nschema=outlok\n");
	g_assert_cmpint (run (f, "sync", NULL), ==, 2);
	for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
		g_assert_true (json_object_has_member (root (f), fields[i]));
	g_assert_cmpint (json_object_get_int_member (root (f), "exit"), ==, 2);
	where = g_strdup_printf ("%s:10: [outlook] schema=outlok", f->profile);
	g_assert_nonnull (strstr (f->err, where));
	g_assert_nonnull (strstr (f->err, "outlook, orocrm, webcrm"));
	g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
	/* a key a plugin does not know, and a mapping that does not exist */
	cli_write_profile (f, "[crm]\npath=crm\ncolour=blue\n[outlook]\npath=outlook\n");
	g_assert_cmpint (run (f, "sync", NULL), ==, 2);
	g_clear_pointer (&where, g_free);
	where = g_strdup_printf ("%s:8: [crm] colour=blue: unknown key (allowed: path, schema",
				 f->profile);
	g_assert_nonnull (strstr (f->err, where));
	cli_write_profile (f, "mapping=nope\n");
	g_assert_cmpint (run (f, "sync", NULL), ==, 2);
	g_clear_pointer (&where, g_free);
	where = g_strdup_printf ("%s:6: [profile] mapping=nope", f->profile);
	g_assert_nonnull (strstr (f->err, where));
	g_assert_nonnull (strstr (f->err, "orocrm"));
	g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
	/* keep-runs is checked like every other key */
	cli_write_profile (f, "keep-runs=many\n");
	g_assert_cmpint (run (f, "sync", NULL), ==, 2);
	g_assert_nonnull (strstr (f->err, "keep-runs=many"));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add ("/cli/control/dry-run-diff", CliFixture, NULL, fx_setup, test_dry_run_diff,
		    fx_teardown);
	g_test_add ("/cli/control/counts-plural", CliFixture, NULL, fx_setup, test_counts_plural,
		    fx_teardown);
	g_test_add ("/cli/control/guard-shows-plan", CliFixture, NULL, fx_setup,
		    test_guard_shows_plan, fx_teardown);
	g_test_add ("/cli/control/undo-exact", CliFixture, NULL, fx_setup, test_undo_exact,
		    fx_teardown);
	g_test_add ("/cli/control/undo-guard", CliFixture, NULL, fx_setup, test_undo_guard,
		    fx_teardown);
	g_test_add ("/cli/control/undo-force-update", CliFixture, NULL, fx_setup,
		    test_undo_force_update, fx_teardown);
	g_test_add ("/cli/control/undo-crash", CliFixture, NULL, fx_setup, test_undo_crash,
		    fx_teardown);
	g_test_add ("/cli/control/undo-resolved", CliFixture, NULL, fx_setup, test_undo_resolved,
		    fx_teardown);
	g_test_add ("/cli/control/undo-after-edit", CliFixture, NULL, fx_setup,
		    test_undo_after_edit, fx_teardown);
	g_test_add ("/cli/control/undo-force-delete", CliFixture, NULL, fx_setup,
		    test_undo_force_delete, fx_teardown);
	g_test_add ("/cli/control/history-changes", CliFixture, NULL, fx_setup,
		    test_history_changes, fx_teardown);
	g_test_add ("/cli/control/link-dry-run", CliFixture, NULL, fx_setup, test_link_dry_run,
		    fx_teardown);
	g_test_add ("/cli/control/resolve-keep-crm", CliFixture, NULL, fx_setup,
		    test_resolve_keep_crm, fx_teardown);
	g_test_add ("/cli/control/resolve-keep-outlook", CliFixture, NULL, fx_setup,
		    test_resolve_keep_outlook, fx_teardown);
	g_test_add ("/cli/control/resolve-value", CliFixture, NULL, fx_setup, test_resolve_value,
		    fx_teardown);
	g_test_add ("/cli/control/resolve-all-keep", CliFixture, NULL, fx_setup,
		    test_resolve_all_keep, fx_teardown);
	g_test_add ("/cli/control/status-creates-nothing", CliFixture, NULL, fx_setup,
		    test_status_creates_nothing, fx_teardown);
	g_test_add ("/cli/control/report-field-labels-de", CliFixture, NULL, fx_setup,
		    test_report_field_labels_de, fx_teardown);
	g_test_add ("/cli/control/status-conflicts-named", CliFixture, NULL, fx_setup,
		    test_status_conflicts_named, fx_teardown);
	g_test_add ("/cli/control/status-last-run-skips", CliFixture, NULL, fx_setup,
		    test_status_last_run_skips, fx_teardown);
	g_test_add ("/cli/control/excluded-not-partial", CliFixture, NULL, fx_setup,
		    test_excluded_not_partial, fx_teardown);
	g_test_add ("/cli/control/error-reports", CliFixture, NULL, fx_setup, test_error_reports,
		    fx_teardown);
	return g_test_run ();
}
