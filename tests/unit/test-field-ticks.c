/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One field change of an update left out (the preview's unticked field): the
 * record's other changes are written, the unticked one is not, and the next
 * run still offers it — neither taken for in step nor written back over.
 * And a link's merge, seen before the link is made. Folder ↔ folder with the
 * fields' own names.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cs-engine.h"
#include "cs-sync-plan.h"

typedef struct {
	gchar *dir;
	gchar *crm;
	gchar *outlook;
	CsEngine *engine;
} Fx;

static void
write_json (const gchar *dir, const gchar *id, const gchar *json)
{
	g_autofree gchar *name = g_strdup_printf ("%s.json", id);
	g_autofree gchar *path = g_build_filename (dir, name, NULL);
	g_assert_true (g_file_set_contents (path, json, -1, NULL));
}

static JsonObject *
read_json (const gchar *dir, const gchar *id)
{
	g_autofree gchar *name = g_strdup_printf ("%s.json", id);
	g_autofree gchar *path = g_build_filename (dir, name, NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonParser) p = json_parser_new ();
	g_assert_true (json_parser_load_from_file (p, path, &error));
	g_assert_no_error (error);
	return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static const gchar *
str (JsonObject *o, const gchar *field)
{
	return json_object_get_string_member_with_default (o, field, NULL);
}

static void
fx_setup (Fx *fx, gconstpointer data)
{
	const gchar *conflict = data;
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsRunReport) first = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *text = NULL;

	fx->dir = g_dir_make_tmp ("crmsync-ticks-XXXXXX", NULL);
	fx->crm = g_build_filename (fx->dir, "crm", "contact", NULL);
	fx->outlook = g_build_filename (fx->dir, "outlook", "contact", NULL);
	g_assert_cmpint (g_mkdir_with_parents (fx->crm, 0700), ==, 0);
	path = g_build_filename (fx->dir, "p.ini", NULL);
	text = g_strdup_printf ("[profile]\ncrm=folder\noutlook=folder\nstate=s.db\nconflict=%s\n"
				"[crm]\npath=crm\n[outlook]\npath=outlook\n",
				conflict != NULL ? conflict : "manual");
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
	write_json (
		fx->crm, "ada",
		"{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Analyst\", "
		"\"phone\": \"+44 1\"}");
	profile = cs_profile_load (path, &error);
	g_assert_no_error (error);
	fx->engine = cs_engine_new (profile, NULL, &error);
	g_assert_no_error (error);
	first = cs_engine_run (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_run_report_get_status (first), ==, CS_RUN_OK);
}

static void
rm_rf (const gchar *path)
{
	g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *child = g_build_filename (path, name, NULL);
		if (g_file_test (child, G_FILE_TEST_IS_DIR))
			rm_rf (child);
		else
			g_unlink (child);
	}
	g_rmdir (path);
}

static void
fx_teardown (Fx *fx, gconstpointer data)
{
	g_clear_object (&fx->engine);
	rm_rf (fx->dir);
	g_free (fx->dir);
	g_free (fx->crm);
	g_free (fx->outlook);
}

/* the id of Ada's copy in Outlook */
static gchar *
outlook_id (Fx *fx)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CsLink) link = cs_state_get_link (cs_engine_get_state (fx->engine),
						     CS_KIND_CONTACT, CS_SIDE_CRM, "ada", &error);
	g_assert_no_error (error);
	g_assert_nonnull (link);
	return g_strdup (link->outlook_id);
}

/* the plan's one update (of Ada) */
static CsPlanItem *
the_update (CsSyncPlan *plan)
{
	GPtrArray *items = cs_sync_plan_get_items (plan);
	CsPlanItem *found = NULL;
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		if (it->action == CS_PLAN_UPDATE) {
			g_assert_null (found);
			found = it;
		}
	}
	g_assert_nonnull (found);
	return found;
}

static gboolean
writes (const CsPlanItem *it, CsSide side, const gchar *row)
{
	return it->rows[side] != NULL
	       && g_strv_contains ((const gchar *const *)it->rows[side], row);
}

/* a dry run's plan lists @field written to @side, and what it becomes */
static gboolean
dry_run_offers (Fx *fx, const gchar *side, const gchar *field, const gchar *new_value)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CsRunReport) r = cs_engine_run (fx->engine, CS_RUN_FLAG_DRY_RUN, NULL, &error);
	JsonArray *plan;
	g_assert_no_error (error);
	plan = cs_run_report_get_plan (r);
	for (guint i = 0; plan != NULL && i < json_array_get_length (plan); i++) {
		JsonArray *changes = json_object_get_array_member (
			json_array_get_object_element (plan, i), "changes");
		for (guint c = 0; c < json_array_get_length (changes); c++) {
			JsonObject *ch = json_array_get_object_element (changes, c);
			if (g_strcmp0 (str (ch, "side"), side) == 0
			    && g_strcmp0 (str (ch, "field"), field) == 0
			    && g_strcmp0 (str (ch, "new"), new_value) == 0)
				return TRUE;
		}
	}
	return FALSE;
}

/* the CRM changes two fields; the user takes one to Outlook and leaves the other */
static void
test_one_side (Fx *fx, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autofree gchar *oid = outlook_id (fx);
	g_autoptr (CsSyncPlan) plan = NULL;
	g_autoptr (CsSyncPlan) again = NULL;
	g_autoptr (CsRunReport) report = NULL;
	g_autoptr (CsRunReport) last = NULL;
	g_autoptr (JsonObject) crm = NULL;
	g_autoptr (JsonObject) out = NULL;
	CsPlanItem *it;

	write_json (fx->crm, "ada",
		    "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Head of "
		    "analysis\", \"phone\": \"+44 2\"}");
	plan = cs_engine_prepare (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	it = the_update (plan);
	g_assert_true (cs_plan_item_can_untick_fields (it));
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "phone"));
	g_assert_cmpstr (cs_plan_item_find_row (it, cs_engine_get_mapping (fx->engine),
						CS_SIDE_OUTLOOK, "phone"),
			 ==, "phone");
	cs_plan_item_set_field_ticked (it, CS_SIDE_OUTLOOK, "phone", FALSE);
	g_assert_false (cs_plan_item_is_field_ticked (it, CS_SIDE_OUTLOOK, "phone"));
	report = cs_engine_apply_run (fx->engine, plan, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_run_report_get_status (report), ==, CS_RUN_OK);
	g_assert_cmpuint (cs_run_report_get_count (report, CS_COUNT_UPDATED, CS_SIDE_OUTLOOK,
						   CS_KIND_CONTACT),
			  ==, 1);

	/* both sides: the ticked change reached Outlook, the unticked one did not, the CRM is as
	 * the user left it */
	out = read_json (fx->outlook, oid);
	g_assert_cmpstr (str (out, "jobTitle"), ==, "Head of analysis");
	g_assert_cmpstr (str (out, "phone"), ==, "+44 1");
	crm = read_json (fx->crm, "ada");
	g_assert_cmpstr (str (crm, "jobTitle"), ==, "Head of analysis");
	g_assert_cmpstr (str (crm, "phone"), ==, "+44 2");

	/* the next run offers the unticked change again, and only it */
	g_assert_true (dry_run_offers (fx, "outlook", "phone", "+44 2"));
	g_assert_false (dry_run_offers (fx, "outlook", "jobTitle", "Head of analysis"));
	again = cs_engine_prepare (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	it = the_update (again);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "phone"));
	g_assert_false (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_null (it->rows[CS_SIDE_CRM]);
	g_clear_object (&again);

	/* taken this time: both sides in step, nothing more to do */
	last = cs_engine_run (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_clear_pointer (&out, json_object_unref);
	out = read_json (fx->outlook, oid);
	g_assert_cmpstr (str (out, "phone"), ==, "+44 2");
	g_clear_object (&last);
	last = cs_engine_run (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_total (last, CS_COUNT_UPDATED), ==, 0);
}

/* both sides changed a field each; the CRM's change is left out of Outlook, Outlook's reaches
 * the CRM: the CRM record was written, yet its own change is still offered next time */
static void
test_merge (Fx *fx, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autofree gchar *oid = outlook_id (fx);
	g_autoptr (CsSyncPlan) plan = NULL;
	g_autoptr (CsSyncPlan) again = NULL;
	g_autoptr (CsRunReport) report = NULL;
	g_autoptr (JsonObject) crm = NULL;
	g_autoptr (JsonObject) out = NULL;
	CsPlanItem *it;

	write_json (fx->crm, "ada",
		    "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Head of "
		    "analysis\", \"phone\": \"+44 1\"}");
	out = read_json (fx->outlook, oid);
	json_object_set_string_member (out, "phone", "+44 9");
	{
		g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
		g_autofree gchar *text = NULL;
		json_node_set_object (n, out);
		text = json_to_string (n, FALSE);
		write_json (fx->outlook, oid, text);
	}
	g_clear_pointer (&out, json_object_unref);
	plan = cs_engine_prepare (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	it = the_update (plan);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_true (writes (it, CS_SIDE_CRM, "phone"));
	cs_plan_item_set_field_ticked (it, CS_SIDE_OUTLOOK, "jobTitle", FALSE);
	report = cs_engine_apply_run (fx->engine, plan, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);

	crm = read_json (fx->crm, "ada");
	g_assert_cmpstr (str (crm, "phone"), ==, "+44 9");
	g_assert_cmpstr (str (crm, "jobTitle"), ==, "Head of analysis");
	out = read_json (fx->outlook, oid);
	g_assert_cmpstr (str (out, "phone"), ==, "+44 9");
	g_assert_cmpstr (str (out, "jobTitle"), ==, "Analyst");

	again = cs_engine_prepare (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	it = the_update (again);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	/* Outlook's phone is in step now: not sent again, not taken back */
	g_assert_null (it->rows[CS_SIDE_CRM]);
	g_assert_false (writes (it, CS_SIDE_OUTLOOK, "phone"));
}

/* crm-wins: both changed the job title; the user keeps Outlook's this time. Nothing is
 * written, no edit is reported lost, and the conflict's outcome is offered again */
static void
test_winner_unticked (Fx *fx, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autofree gchar *oid = outlook_id (fx);
	g_autoptr (CsSyncPlan) plan = NULL;
	g_autoptr (CsSyncPlan) again = NULL;
	g_autoptr (CsRunReport) report = NULL;
	g_autoptr (JsonObject) out = NULL;
	g_autoptr (JsonObject) crm = NULL;
	CsPlanItem *it;

	write_json (fx->crm, "ada",
		    "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Head of "
		    "analysis\", \"phone\": \"+44 1\"}");
	out = read_json (fx->outlook, oid);
	json_object_set_string_member (out, "jobTitle", "Countess");
	{
		g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
		g_autofree gchar *text = NULL;
		json_node_set_object (n, out);
		text = json_to_string (n, FALSE);
		write_json (fx->outlook, oid, text);
	}
	g_clear_pointer (&out, json_object_unref);
	plan = cs_engine_prepare (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	it = the_update (plan);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_nonnull (it->overwritten);
	cs_plan_item_set_field_ticked (it, CS_SIDE_OUTLOOK, "jobTitle", FALSE);
	report = cs_engine_apply_run (fx->engine, plan, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_total (report, CS_COUNT_UPDATED), ==, 0);
	g_assert_cmpuint (json_array_get_length (cs_run_report_get_overwritten (report)), ==, 0);
	out = read_json (fx->outlook, oid);
	g_assert_cmpstr (str (out, "jobTitle"), ==, "Countess");
	crm = read_json (fx->crm, "ada");
	g_assert_cmpstr (str (crm, "jobTitle"), ==, "Head of analysis");

	again = cs_engine_prepare (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	it = the_update (again);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_nonnull (it->overwritten);
}

/* a create is taken or left whole: its fields cannot be unticked */
static void
test_create_whole (Fx *fx, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CsSyncPlan) plan = NULL;
	GPtrArray *items;
	guint creates = 0;

	write_json (fx->crm, "bob", "{\"firstName\": \"Bob\", \"lastName\": \"Babbage\"}");
	plan = cs_engine_prepare (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	items = cs_sync_plan_get_items (plan);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		if (it->action != CS_PLAN_CREATE)
			continue;
		creates++;
		g_assert_false (cs_plan_item_can_untick_fields (it));
		cs_plan_item_set_field_ticked (it, CS_SIDE_OUTLOOK, "lastName", FALSE);
		g_assert_true (cs_plan_item_is_field_ticked (it, CS_SIDE_OUTLOOK, "lastName"));
	}
	g_assert_cmpuint (creates, ==, 1);
}

/* the merge a link would make, shown before anything is recorded or written, is what the
 * next run then does */
static void
test_link_preview (Fx *fx, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CsRunReport) report = NULL;
	g_autoptr (JsonObject) crm = NULL;
	g_autoptr (JsonObject) out = NULL;
	g_autoptr (CsLink) none = NULL;
	CsPlanItem *it;

	write_json (fx->crm, "cy",
		    "{\"firstName\": \"Cy\", \"lastName\": \"Dahl\", \"jobTitle\": \"CEO\"}");
	write_json (fx->outlook, "x",
		    "{\"firstName\": \"Cyrus\", \"lastName\": \"Dahl\", \"phone\": \"+45 1\"}");
	it = cs_engine_link_preview (fx->engine, CS_KIND_CONTACT, "cy", "x", NULL, &error);
	g_assert_no_error (error);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_true (writes (it, CS_SIDE_CRM, "phone"));
	g_assert_false (writes (it, CS_SIDE_OUTLOOK, "firstName"));
	g_assert_nonnull (it->conflicts);
	g_assert_cmpuint (it->conflicts->len, ==, 1);
	/* a preview: not linked, nothing written */
	none = cs_state_get_link (cs_engine_get_state (fx->engine), CS_KIND_CONTACT, CS_SIDE_CRM,
				  "cy", &error);
	g_assert_no_error (error);
	g_assert_null (none);
	out = read_json (fx->outlook, "x");
	g_assert_null (str (out, "jobTitle"));
	g_clear_pointer (&out, json_object_unref);
	cs_plan_item_free (it);

	/* a record linked to another cannot be previewed for a link either */
	it = cs_engine_link_preview (fx->engine, CS_KIND_CONTACT, "ada", "x", NULL, &error);
	g_assert_null (it);
	g_assert_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG);
	g_clear_error (&error);

	/* linked and synced: what the preview said */
	g_assert_true (cs_engine_link (fx->engine, CS_KIND_CONTACT, "cy", "x", NULL, &error));
	g_assert_no_error (error);
	report = cs_engine_run (fx->engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_n_conflicts (report), ==, 1);
	out = read_json (fx->outlook, "x");
	g_assert_cmpstr (str (out, "jobTitle"), ==, "CEO");
	g_assert_cmpstr (str (out, "firstName"), ==, "Cyrus");
	crm = read_json (fx->crm, "cy");
	g_assert_cmpstr (str (crm, "phone"), ==, "+45 1");
	g_assert_cmpstr (str (crm, "firstName"), ==, "Cy");
}

gint
main (gint argc, gchar **argv)
{
	g_test_init (&argc, &argv, NULL);
#define T(path, data, fn) g_test_add (path, Fx, data, fx_setup, fn, fx_teardown)
	T ("/engine/field-ticks/one-side", NULL, test_one_side);
	T ("/engine/field-ticks/merge", NULL, test_merge);
	T ("/engine/field-ticks/winner-unticked", "crm-wins", test_winner_unticked);
	T ("/engine/field-ticks/create-whole", NULL, test_create_whole);
	T ("/engine/link-preview/merge", NULL, test_link_preview);
#undef T
	return g_test_run ();
}
