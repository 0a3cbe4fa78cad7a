/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The planner against the reference documents' If/Then tables, row by row
 * (../shared/reference/orocrm-outlook-synchronization.rst), and the webCRM
 * guide's sync rules.
 */
#include "config.h"

#include <string.h>

#include "cs-label.h"
#include "cs-schema.h"
#include "cs-json-text.h"
#include "cs-planner.h"

typedef struct {
	CsProfile *profile;
	CsMapping *mapping;
	GPtrArray *records[CS_SIDE_LAST];
	GPtrArray *links;
	gboolean complete[CS_SIDE_LAST];
	CsConflictStrategy conflict;
	GHashTable *fields[CS_SIDE_LAST];
	GPtrArray *journal;
	CsSyncPlan *plan;
	const gchar *const *key;	/* NULL: first and last name */
	CsMatchMode match;
	GHashTable *held[CS_SIDE_LAST];
	GHashTable *alone[CS_SIDE_LAST];
	GHashTable *outside[CS_SIDE_LAST];
} Fixture;

/* "a=1;b=x" → fields */
static CsRecord *
rec (const gchar *id, const gchar *version, const gchar *fields)
{
	CsRecord *r = cs_record_new (CS_KIND_CONTACT, id);
	g_auto(GStrv) parts = g_strsplit (fields, ";", -1);
	cs_record_set_version (r, version);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit (parts[i], "=", 2);
		if (kv[0] == NULL || kv[0][0] == '\0' || kv[1] == NULL)
			continue;
		cs_record_set_string (r, kv[0], kv[1]);
	}
	return r;
}

static void
add (Fixture *f, CsSide side, CsRecord *r)
{
	g_ptr_array_add (f->records[side], r);
}

static void
link_ (Fixture *f, const gchar *crm_id, const gchar *crm_ver, const gchar *out_id,
       const gchar *out_ver, const gchar *snapshot_fields)
{
	CsLink *l = cs_link_new (CS_KIND_CONTACT);
	g_autoptr(CsRecord) snap = rec ("x", NULL, snapshot_fields);
	g_autoptr(GHashTable) v = cs_mapping_extract (f->mapping, CS_KIND_CONTACT, CS_SIDE_CRM, snap);
	l->crm_id = g_strdup (crm_id);
	l->crm_version = g_strdup (crm_ver);
	l->outlook_id = g_strdup (out_id);
	l->outlook_version = g_strdup (out_ver);
	l->snapshot = cs_mapping_values_to_string (v);
	g_ptr_array_add (f->links, l);
}

static void
setup_profile (Fixture *f, const gchar *direction, const gchar *extra)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\ncrm=folder\noutlook=folder\n"
						 "[contact]\ndirection=%s\nkey=firstName,lastName\n%s",
						 direction, extra != NULL ? extra : "");
	g_clear_object (&f->profile);
	f->profile = cs_profile_new_from_data (ini, NULL, &error);
	g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
	f->mapping = cs_mapping_new_identity ();
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		f->records[s] = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
		f->complete[s] = TRUE;
	}
	f->links = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_link_free);
	setup_profile (f, "both", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
	g_clear_object (&f->profile);
	g_clear_object (&f->mapping);
	g_clear_object (&f->plan);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_ptr_array_unref (f->records[s]);
		g_clear_pointer (&f->fields[s], g_hash_table_unref);
		g_clear_pointer (&f->held[s], g_hash_table_unref);
		g_clear_pointer (&f->alone[s], g_hash_table_unref);
		g_clear_pointer (&f->outside[s], g_hash_table_unref);
	}
	g_ptr_array_unref (f->links);
	g_clear_pointer (&f->journal, g_ptr_array_unref);
}

/* every entry the history keeps as text (cs_plan_item_to_text()) is the
 * text of the entry the CLI shows (cs_plan_item_to_json()), whatever the
 * planner made: creates, updates, deletions, conflicts, blocked items */
static void
entries_agree (Fixture *f, GPtrArray *items)
{
	const gchar *ids[CS_SIDE_LAST] = {"new-crm-id", NULL};
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		for (guint rows = 0; rows < 2; rows++) {
			for (guint with_ids = 0; with_ids < 2; with_ids++) {
				const gchar *const *n = with_ids ? ids : NULL;
				g_autoptr(JsonNode) node = cs_plan_item_to_json (it, f->mapping, n, rows);
				g_autofree gchar *want = cs_json_to_string (node, FALSE);
				g_autofree gchar *got = cs_plan_item_to_text (it, f->mapping, n, rows);
				g_assert_cmpstr (got, ==, want);
			}
		}
	}
}

static GPtrArray *
plan (Fixture *f)
{
	CsPlanInput in = {0};
	static const gchar *key[] = {"firstName", "lastName", NULL};
	in.kind = CS_KIND_CONTACT;
	in.config = cs_profile_get_kind_config (f->profile, CS_KIND_CONTACT);
	in.conflict = f->conflict;
	in.mapping = f->mapping;
	in.key = f->key != NULL ? f->key : key;
	in.match = f->match;
	in.links = f->links;
	in.journal = f->journal;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		in.records[s] = f->records[s];
		in.complete[s] = f->complete[s];
		in.writable[s] = TRUE;
		in.fields[s] = f->fields[s];
		in.held[s] = f->held[s];
		in.alone[s] = f->alone[s];
		in.outside[s] = f->outside[s];
	}
	g_clear_object (&f->plan);
	f->plan = cs_sync_plan_new ();
	cs_planner_plan (&in, f->plan);
	entries_agree (f, cs_sync_plan_get_items (f->plan));
	return cs_sync_plan_get_items (f->plan);
}

/* the fields a side's provider can hold, "a,b" */
static void
holds (Fixture *f, CsSide side, const gchar *names)
{
	g_auto(GStrv) v = g_strsplit (names, ",", -1);
	f->fields[side] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; v[i] != NULL; i++)
		g_hash_table_add (f->fields[side], g_strdup (v[i]));
}

static CsPlanItem *
only_item (Fixture *f)
{
	GPtrArray *items = plan (f);
	g_assert_cmpuint (items->len, ==, 1);
	return g_ptr_array_index (items, 0);
}

static const gchar *
merged (CsPlanItem *it, const gchar *row)
{
	GVariant *v = g_hash_table_lookup (it->values, row);
	return v != NULL ? g_variant_get_string (v, NULL) : NULL;
}

static gboolean
writes (CsPlanItem *it, CsSide side, const gchar *row)
{
	return it->rows[side] != NULL && g_strv_contains ((const gchar *const *) it->rows[side], row);
}

static gboolean
writes_any (CsPlanItem *it, CsSide side)
{
	return it->create[side] || it->delete[side] || (it->rows[side] != NULL && it->rows[side][0] != NULL);
}

/* ---- OroCRM → Outlook ---- */

static void
test_c2o_exists_in_outlook (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "crm-to-outlook", NULL);
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee;jobTitle=Boss"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_LINK);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_false (writes_any (it, CS_SIDE_CRM));
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CEO");
}

static void
test_c2o_not_in_outlook (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "crm-to-outlook", NULL);
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_CREATE);
	g_assert_true (it->create[CS_SIDE_OUTLOOK]);
	g_assert_false (it->create[CS_SIDE_CRM]);
}

static void
test_c2o_multiple_matches (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	guint links = 0, creates = 0;
	setup_profile (f, "crm-to-outlook", NULL);
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee;note=crm"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee"));
	add (f, CS_SIDE_OUTLOOK, rec ("o2", "1", "firstName=ann;lastName=LEE"));
	items = plan (f);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		links += it->action == CS_PLAN_LINK;
		creates += it->create[CS_SIDE_CRM] || it->create[CS_SIDE_OUTLOOK];
	}
	/* one of them is updated; the other is left alone (one-way: not sent to the CRM) */
	g_assert_cmpuint (links, ==, 1);
	g_assert_cmpuint (creates, ==, 0);
}

static void
test_c2o_updated_in_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "crm-to-outlook", NULL);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	it = only_item (f);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CTO");
}

static void
test_c2o_updated_in_outlook (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "crm-to-outlook", NULL);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "2", "firstName=Ann;lastName=Lee;jobTitle=Boss"));
	it = only_item (f);
	/* the update stays in Outlook, not sent to the CRM, not overwritten */
	g_assert_false (writes_any (it, CS_SIDE_CRM));
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
}

static void
test_c2o_deleted_in_outlook (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "crm-to-outlook", NULL);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_RESTORE);
	g_assert_true (it->create[CS_SIDE_OUTLOOK]);
	g_assert_false (writes_any (it, CS_SIDE_CRM));
}

static void
test_c2o_deleted_in_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "crm-to-outlook", NULL);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_false (it->delete[CS_SIDE_OUTLOOK]);
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
	g_assert_true (it->gone[CS_SIDE_CRM]);
}

/* ---- Outlook → OroCRM ---- */

static void
test_o2c_exists_in_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "outlook-to-crm", NULL);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "2", "firstName=Ann;lastName=Lee;jobTitle=Chair"));
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	it = only_item (f);
	g_assert_true (writes (it, CS_SIDE_CRM, "jobTitle"));
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "Chair");
}

static void
test_o2c_not_in_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "outlook-to-crm", NULL);
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_CREATE);
	g_assert_true (it->create[CS_SIDE_CRM]);
}

static void
test_o2c_updated_in_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "outlook-to-crm", NULL);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=Intern"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	it = only_item (f);
	/* Outlook's values replace the CRM's */
	g_assert_true (writes (it, CS_SIDE_CRM, "jobTitle"));
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CEO");
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
}

static void
test_o2c_updated_in_outlook (Fixture *f, gconstpointer d)
{
	test_o2c_exists_in_crm (f, d);
}

static void
test_o2c_deleted_in_outlook (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "outlook-to-crm", NULL);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_false (it->delete[CS_SIDE_CRM]);
	g_assert_false (writes_any (it, CS_SIDE_CRM));
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
}

static void
test_o2c_deleted_in_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	setup_profile (f, "outlook-to-crm", NULL);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_DELETE);
	g_assert_true (it->delete[CS_SIDE_OUTLOOK]);
}

/* ---- bidirectional ---- */

static void
test_both_exists_in_both (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee;jobTitle=Boss;phone=123"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_LINK);
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CEO");
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	/* what only Outlook has goes to the CRM: nothing is lost */
	g_assert_true (writes (it, CS_SIDE_CRM, "phone"));
}

static void
test_both_not_in_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_true (it->create[CS_SIDE_CRM]);
}

static void
test_both_not_in_outlook (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_true (it->create[CS_SIDE_OUTLOOK]);
}

static void
test_both_updated_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	it = only_item (f);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_false (writes_any (it, CS_SIDE_CRM));
}

static void
test_both_updated_outlook (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO"));
	it = only_item (f);
	g_assert_true (writes (it, CS_SIDE_CRM, "jobTitle"));
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
}

static CsPlanItem *
both_changed (Fixture *f, CsConflictStrategy strategy, gint64 crm_time, gint64 out_time)
{
	CsRecord *c = rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO;city=Aarhus");
	CsRecord *o = rec ("o1", "2", "firstName=Ann;lastName=Lee;jobTitle=CFO;phone=555");
	f->conflict = strategy;
	cs_record_set_modified (c, crm_time);
	cs_record_set_modified (o, out_time);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, c);
	add (f, CS_SIDE_OUTLOOK, o);
	return only_item (f);
}

/* a field Outlook cannot hold (a task's owner on Graph): the value the CRM
 * filled in after our create is kept, not sent again on every run; and an
 * Outlook record without it clears nothing in the CRM */
static void
test_field_not_held (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	holds (f, CS_SIDE_OUTLOOK, "firstName,lastName,jobTitle");
	f->complete[CS_SIDE_CRM] = f->complete[CS_SIDE_OUTLOOK] = FALSE; /* deltas */
	link_ (f, "c1", NULL, "o1", "1", "firstName=Ann;lastName=Lee");
	add (f, CS_SIDE_CRM, rec ("c1", "2", "firstName=Ann;lastName=Lee;owner=Ada"));
	it = only_item (f);
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
	g_assert_false (writes_any (it, CS_SIDE_CRM));
	g_assert_cmpstr (merged (it, "owner"), ==, "Ada");

	g_ptr_array_set_size (f->records[CS_SIDE_CRM], 0);
	g_ptr_array_set_size (f->links, 0);
	link_ (f, "c1", "2", "o1", "1", "firstName=Ann;lastName=Lee;owner=Ada;jobTitle=CEO");
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO"));
	it = only_item (f);
	g_assert_true (writes (it, CS_SIDE_CRM, "jobTitle"));
	g_assert_false (writes (it, CS_SIDE_CRM, "owner"));
	g_assert_cmpstr (merged (it, "owner"), ==, "Ada");
}

static void
test_conflict_crm_wins (Fixture *f, gconstpointer d)
{
	CsPlanItem *it = both_changed (f, CS_CONFLICT_CRM_WINS, 1, 2);
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CTO");
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	/* different fields merge before any side wins */
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "city"));
	g_assert_true (writes (it, CS_SIDE_CRM, "phone"));
}

static void
test_conflict_outlook_wins (Fixture *f, gconstpointer d)
{
	CsPlanItem *it = both_changed (f, CS_CONFLICT_OUTLOOK_WINS, 2, 1);
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CFO");
	g_assert_true (writes (it, CS_SIDE_CRM, "jobTitle"));
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "city"));
}

static void
test_conflict_newest_wins (Fixture *f, gconstpointer d)
{
	CsPlanItem *it = both_changed (f, CS_CONFLICT_NEWEST_WINS, 100, 200);
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CFO");
	g_clear_object (&f->plan);
	g_ptr_array_set_size (f->records[0], 0);
	g_ptr_array_set_size (f->records[1], 0);
	g_ptr_array_set_size (f->links, 0);
	it = both_changed (f, CS_CONFLICT_NEWEST_WINS, 300, 200);
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CTO");
}

static void
test_conflict_manual (Fixture *f, gconstpointer d)
{
	CsPlanItem *it = both_changed (f, CS_CONFLICT_MANUAL, 1, 2);
	CsConflict *c;
	g_assert_nonnull (it->conflicts);
	g_assert_cmpuint (it->conflicts->len, ==, 1);
	c = g_ptr_array_index (it->conflicts, 0);
	g_assert_cmpstr (c->field, ==, "jobTitle");
	g_assert_cmpstr (c->crm_value, ==, "\"CTO\"");
	g_assert_cmpstr (c->outlook_value, ==, "\"CFO\"");
	/* the field is left alone on both sides, the base is kept */
	g_assert_false (writes (it, CS_SIDE_CRM, "jobTitle"));
	g_assert_false (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CEO");
	/* the rest merges */
	g_assert_true (writes (it, CS_SIDE_CRM, "phone"));
}

static void
test_both_deleted_in_outlook (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	/* stays in the CRM and is added to Outlook again */
	g_assert_cmpint (it->action, ==, CS_PLAN_RESTORE);
	g_assert_true (it->create[CS_SIDE_OUTLOOK]);
	g_assert_false (it->delete[CS_SIDE_CRM]);
}

static void
test_both_deleted_in_crm (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee"));
	it = only_item (f);
	g_assert_true (it->delete[CS_SIDE_OUTLOOK]);
}

static void
test_delete_vs_edit (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	/* deleted in the CRM while edited in Outlook: the edit is not lost */
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "2", "firstName=Ann;lastName=Lee;phone=1"));
	it = only_item (f);
	g_assert_false (it->delete[CS_SIDE_OUTLOOK]);
	g_assert_true (it->create[CS_SIDE_CRM]);
}

static void
test_echo_is_nothing (Fixture *f, gconstpointer d)
{
	/* our own write comes back with the version we stored: nothing to do */
	link_ (f, "c1", "7", "o1", "9", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, rec ("c1", "7", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "9", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	g_assert_cmpuint (plan (f)->len, ==, 0);
}

static void
test_echo_by_content (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	/* a new version with the same content: the versions move on, no write */
	f->complete[CS_SIDE_OUTLOOK] = FALSE;
	link_ (f, "c1", "7", "o1", "9", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, rec ("c1", "8", "firstName=Ann;lastName=Lee;jobTitle=CEO "));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_REFRESH);
	g_assert_false (writes_any (it, CS_SIDE_CRM));
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
}

static void
test_direction_none (Fixture *f, gconstpointer d)
{
	setup_profile (f, "none", NULL);
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee"));
	add (f, CS_SIDE_OUTLOOK, rec ("o2", "1", "firstName=Bo;lastName=Bay"));
	g_assert_cmpuint (plan (f)->len, ==, 0);
}

static void
test_deletions_never_propagate (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	/* the webCRM presets: deleting on either side deletes nothing on the other */
	setup_profile (f, "both", "on-crm-delete=ignore\non-outlook-delete=ignore\n");
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	link_ (f, "c2", "1", "o2", "1", "firstName=Bo;lastName=Bay");
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee"));
	add (f, CS_SIDE_CRM, rec ("c2", "1", "firstName=Bo;lastName=Bay"));
	items = plan (f);
	g_assert_cmpuint (items->len, ==, 2);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		g_assert_false (writes_any (it, CS_SIDE_CRM));
		g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
		g_assert_true (it->gone[CS_SIDE_CRM] || it->gone[CS_SIDE_OUTLOOK]);
	}
}

static void
test_gone_side_stays_out (Fixture *f, gconstpointer d)
{
	CsLink *l;
	/* deleted from the CRM under "ignore": later Outlook edits do not bring it back */
	setup_profile (f, "both", "on-crm-delete=ignore\n");
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee");
	l = g_ptr_array_index (f->links, 0);
	l->crm_gone = TRUE;
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "2", "firstName=Ann;lastName=Lee;phone=9"));
	g_assert_cmpuint (plan (f)->len, ==, 0);
}

static void
test_read_only_target (Fixture *f, gconstpointer d)
{
	CsPlanInput in = {0};
	static const gchar *key[] = {"firstName", "lastName", NULL};
	CsPlanItem *it;
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO"));
	in.kind = CS_KIND_CONTACT;
	in.config = cs_profile_get_kind_config (f->profile, CS_KIND_CONTACT);
	in.mapping = f->mapping;
	in.key = f->key != NULL ? f->key : key;
	in.match = f->match;
	in.links = f->links;
	in.records[CS_SIDE_CRM] = f->records[CS_SIDE_CRM];
	in.writable[CS_SIDE_CRM] = TRUE;
	in.writable[CS_SIDE_OUTLOOK] = FALSE;
	in.side_name[CS_SIDE_OUTLOOK] = "pst";
	f->plan = cs_sync_plan_new ();
	cs_planner_plan (&in, f->plan);
	g_assert_cmpuint (cs_sync_plan_get_items (f->plan)->len, ==, 1);
	it = g_ptr_array_index (cs_sync_plan_get_items (f->plan), 0);
	/* the plan says so: never a silent failure */
	g_assert_nonnull (it->blocked[CS_SIDE_OUTLOOK]);
	g_assert_nonnull (strstr (it->blocked[CS_SIDE_OUTLOOK], "pst"));
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
}

static void
test_key_needs_values (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	/* records without any key value never match each other */
	add (f, CS_SIDE_CRM, rec ("c1", "1", "note=a"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "note=b"));
	items = plan (f);
	g_assert_cmpuint (items->len, ==, 2);
}

/* ---- webCRM rules, through a mapping like the presets' ---- */

static const gchar *webcrm_like =
    "{\"name\": \"t\", \"kinds\": {"
    " \"contact\": {\"key\": [\"first\", \"last\"], \"rows\": ["
    "  {\"crm\": \"first\", \"outlook\": \"givenName\"},"
    "  {\"crm\": \"last\", \"outlook\": \"surname\"},"
    "  {\"crm\": \"org\", \"outlook\": \"companyName\"},"
    "  {\"crm\": \"email\", \"outlook\": \"email1\"},"
    "  {\"crm\": \"comment\", \"outlook\": \"notes\", \"transform\": {\"type\": \"comment-markers\"}},"
    "  {\"crm\": \"status\", \"outlook\": \"status\"},"
    "  {\"crm\": \"private\", \"outlook\": \"sensitivity\", \"transform\": {\"type\": \"values\","
    "    \"to-outlook\": {\"*\": \"private\"}, \"to-crm\": {\"private\": \"*\"}, \"default-to-crm\": \"\"}}],"
    "  \"require-to-crm\": {\"groups\": [[\"givenName\", \"surname\"], [\"companyName\"]],"
    "    \"reason\": \"needs a name and a company\"},"
    "  \"not-to-outlook\": {\"field\": \"status\", \"values\": [\"Completed\"], \"reason\": \"completed\"}}}}";

static void
use_webcrm_mapping (Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_clear_object (&f->mapping);
	f->mapping = cs_mapping_new_from_json (webcrm_like, -1, &error);
	g_assert_no_error (error);
}

static CsRecord *
orec (const gchar *id, const gchar *fields)
{
	return rec (id, "1", fields);
}

static void
test_webcrm_b2b_needs_company (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	use_webcrm_mapping (f);
	add (f, CS_SIDE_OUTLOOK, orec ("o1", "givenName=Ann;surname=Lee"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_SKIP);
	g_assert_cmpint (it->skip_side, ==, CS_SIDE_OUTLOOK);
	g_assert_cmpstr (it->reason, ==, "needs a name and a company");
	g_clear_object (&f->plan);
	g_ptr_array_set_size (f->records[CS_SIDE_OUTLOOK], 0);
	add (f, CS_SIDE_OUTLOOK, orec ("o1", "givenName=Ann;surname=Lee;companyName=Grøn A/S"));
	it = only_item (f);
	g_assert_true (it->create[CS_SIDE_CRM]);
}

static void
test_webcrm_completed_activity (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	use_webcrm_mapping (f);
	add (f, CS_SIDE_CRM, rec ("c1", "1", "first=Call;last=Ann;status=Completed"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_SKIP);
	g_assert_false (it->create[CS_SIDE_OUTLOOK]);
}

static void
test_webcrm_private_marker (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	g_autoptr(CsRecord) out = cs_record_new (CS_KIND_CONTACT, NULL);
	use_webcrm_mapping (f);
	add (f, CS_SIDE_CRM, rec ("c1", "1", "first=Lunch;last=X;private=*"));
	it = only_item (f);
	g_assert_true (it->create[CS_SIDE_OUTLOOK]);
	cs_mapping_apply (f->mapping, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, it->values, NULL, NULL, out);
	g_assert_cmpstr (cs_record_get_string (out, "sensitivity"), ==, "private");
}

static void
test_webcrm_comment_round_trip (Fixture *f, gconstpointer d)
{
	/* CRM text goes between the markers; what the Outlook user writes after
	 * [\] comes back once; ten round trips do not grow the text */
	g_autoptr(CsRecord) crm = rec ("c1", "1", "first=A;last=B;comment=Called about the offer");
	g_autoptr(GHashTable) v = NULL;
	g_autofree gchar *first_body = NULL;
	gsize len = 0;
	use_webcrm_mapping (f);
	v = cs_mapping_extract (f->mapping, CS_KIND_CONTACT, CS_SIDE_CRM, crm);
	for (guint round = 0; round < 10; round++) {
		g_autoptr(CsRecord) out = cs_record_new (CS_KIND_CONTACT, "o1");
		g_autoptr(GHashTable) back = NULL;
		g_autoptr(CsRecord) crm2 = cs_record_new (CS_KIND_CONTACT, "c1");
		const gchar *body;
		cs_mapping_apply (f->mapping, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, v, NULL, NULL, out);
		body = cs_record_get_string (out, "notes");
		g_assert_true (g_str_has_prefix (body, "[/]Called about the offer"));
		g_assert_true (g_str_has_suffix (body, "[\\]"));
		if (round == 0) {
			/* the user writes after the end marker, once */
			g_autofree gchar *edited = g_strconcat (body, " Ring back Monday", NULL);
			cs_record_set_string (out, "notes", edited);
			first_body = g_strdup (edited);
		}
		back = cs_mapping_extract (f->mapping, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, out);
		cs_mapping_apply (f->mapping, CS_KIND_CONTACT, CS_SIDE_CRM, back, NULL, NULL, crm2);
		g_assert_cmpstr (cs_record_get_string (crm2, "comment"), ==,
				 "Called about the offer\nRing back Monday");
		if (round == 1)
			len = strlen (body);
		else if (round > 1)
			g_assert_cmpuint (strlen (body), ==, len);
		g_hash_table_unref (v);
		v = cs_mapping_extract (f->mapping, CS_KIND_CONTACT, CS_SIDE_CRM, crm2);
	}
	g_assert_nonnull (first_body);
}

/* a run killed after a create: the record the target made holds what was
 * sent plus what the target fills itself (Outlook's display name); it is
 * the journalled create, linked, not created once more */
static void
test_journal_create_with_more (Fixture *f, gconstpointer d)
{
	CsJournalEntry *e = g_new0 (CsJournalEntry, 1);
	g_autoptr(CsRecord) sent = rec ("x", NULL, "firstName=Ada;lastName=Lovelace;jobTitle=Analyst");
	g_autoptr(GHashTable) v = cs_mapping_extract (f->mapping, CS_KIND_CONTACT, CS_SIDE_CRM, sent);
	GPtrArray *items;
	CsPlanItem *it;

	setup_profile (f, "both", NULL);
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ada;lastName=Lovelace;jobTitle=Analyst"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ada;lastName=Lovelace;jobTitle=Analyst;displayName=Ada Lovelace"));
	e->id = 7;
	e->kind = CS_KIND_CONTACT;
	e->target = CS_SIDE_OUTLOOK;
	e->source_id = g_strdup ("c1");
	e->values = cs_mapping_values_to_string (v);
	f->journal = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_journal_entry_free);
	g_ptr_array_add (f->journal, e);
	items = plan (f);
	g_assert_cmpuint (items->len, ==, 1);
	it = g_ptr_array_index (items, 0);
	g_assert_cmpint (it->action, ==, CS_PLAN_LINK);
	g_assert_cmpint (it->journal_id, ==, 7);
	g_assert_false (writes_any (it, CS_SIDE_CRM));
	g_assert_false (it->create[CS_SIDE_OUTLOOK]);
}

/* every value a strategy writes over is on the item: side, field, kept, lost */
static CsOverwrite *
only_overwrite (CsPlanItem *it)
{
	g_assert_nonnull (it->overwritten);
	g_assert_cmpuint (it->overwritten->len, ==, 1);
	return g_ptr_array_index (it->overwritten, 0);
}

static void
test_overwritten_newest_tie (Fixture *f, gconstpointer d)
{
	CsRecord *c = rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO");
	CsRecord *o = rec ("o1", "2", "firstName=Ann;lastName=Lee;jobTitle=CFO");
	CsOverwrite *ow;
	f->conflict = CS_CONFLICT_NEWEST_WINS;
	/* the same second on both: the CRM wins the tie, and it is said */
	cs_record_set_modified (c, G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC);
	cs_record_set_modified (o, G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC);
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	add (f, CS_SIDE_CRM, c);
	add (f, CS_SIDE_OUTLOOK, o);
	ow = only_overwrite (only_item (f));
	g_assert_cmpint (ow->side, ==, CS_SIDE_OUTLOOK);
	g_assert_cmpstr (ow->field, ==, "jobTitle");
	g_assert_cmpstr (ow->kept, ==, "\"CTO\"");
	g_assert_cmpstr (ow->lost, ==, "\"CFO\"");
}

/* a merge of different fields loses nothing; a one-way profile writing
 * Outlook's value over a CRM edit loses the CRM's */
static void
test_overwritten_merge_and_one_way (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	CsOverwrite *ow;
	link_ (f, "c1", "1", "o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO;city=Aarhus");
	add (f, CS_SIDE_CRM, rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO;city=Aarhus"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "2", "firstName=Ann;lastName=Lee;jobTitle=CEO;city=Odense"));
	it = only_item (f);
	g_assert_null (it->overwritten);

	g_ptr_array_set_size (f->records[CS_SIDE_CRM], 0);
	g_ptr_array_set_size (f->records[CS_SIDE_OUTLOOK], 0);
	setup_profile (f, "outlook-to-crm", NULL);
	add (f, CS_SIDE_CRM, rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO;city=Aarhus"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO;city=Aarhus"));
	it = only_item (f);
	ow = only_overwrite (it);
	g_assert_cmpint (ow->side, ==, CS_SIDE_CRM);
	g_assert_cmpstr (ow->lost, ==, "\"CTO\"");
	g_assert_cmpstr (ow->kept, ==, "\"CEO\"");
}

/* linked at first sight by key, both with a value: the loser's is reported;
 * a value on one side only fills the other, nothing lost */
static void
test_overwritten_at_link (Fixture *f, gconstpointer d)
{
	CsOverwrite *ow;
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ann;lastName=Lee;jobTitle=CEO"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ann;lastName=Lee;jobTitle=Boss;city=Vejle"));
	ow = only_overwrite (only_item (f));
	g_assert_cmpint (ow->side, ==, CS_SIDE_OUTLOOK);
	g_assert_cmpstr (ow->field, ==, "jobTitle");
	g_assert_cmpstr (ow->lost, ==, "\"Boss\"");
}

/* a conflict the user decided, on sides that list only their changes: the
 * link is planned though neither record is listed, and the kept value goes to
 * each side that does not hold it (what each side holds is what it held when
 * the conflict was seen) */
static GPtrArray *
plan_with_decision (Fixture *f, gint winner, const gchar *value)
{
	CsPlanInput in = {0};
	static const gchar *key[] = {"firstName", "lastName", NULL};
	g_autoptr(GHashTable) decisions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
								 (GDestroyNotify) g_ptr_array_unref);
	GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_decision_free);
	CsDecision *d = g_new0 (CsDecision, 1);
	d->kind = CS_KIND_CONTACT;
	d->outlook_id = g_strdup ("o1");
	d->crm_id = g_strdup ("c1");
	d->field = g_strdup ("jobTitle");
	d->winner = winner;
	d->value = g_strdup (value);
	d->side_value[CS_SIDE_CRM] = g_strdup ("\"CTO\"");
	d->side_value[CS_SIDE_OUTLOOK] = g_strdup ("\"CFO\"");
	g_ptr_array_add (list, d);
	g_hash_table_insert (decisions, g_strdup ("o1"), list);
	in.kind = CS_KIND_CONTACT;
	in.config = cs_profile_get_kind_config (f->profile, CS_KIND_CONTACT);
	in.conflict = CS_CONFLICT_MANUAL;
	in.mapping = f->mapping;
	in.key = key;
	in.links = f->links;
	in.decisions = decisions;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		in.records[s] = f->records[s];
		in.complete[s] = FALSE;
		in.writable[s] = TRUE;
	}
	g_clear_object (&f->plan);
	f->plan = cs_sync_plan_new ();
	cs_planner_plan (&in, f->plan);
	entries_agree (f, cs_sync_plan_get_items (f->plan));
	return cs_sync_plan_get_items (f->plan);
}

static void
test_decision_keep_crm_unread (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	CsPlanItem *it;
	link_ (f, "c1", "2", "o1", "2", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	items = plan_with_decision (f, CS_SIDE_CRM, "\"CTO\"");
	g_assert_cmpuint (items->len, ==, 1);
	it = g_ptr_array_index (items, 0);
	g_assert_cmpint (it->action, ==, CS_PLAN_UPDATE);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_false (writes_any (it, CS_SIDE_CRM));
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CTO");
	g_assert_null (it->conflicts);
}

static void
test_decision_value_both (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	CsPlanItem *it;
	link_ (f, "c1", "2", "o1", "2", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	/* the CRM's record is read (its version unchanged): still weighed */
	add (f, CS_SIDE_CRM, rec ("c1", "2", "firstName=Ann;lastName=Lee;jobTitle=CTO"));
	items = plan_with_decision (f, -1, "\"Chair\"");
	g_assert_cmpuint (items->len, ==, 1);
	it = g_ptr_array_index (items, 0);
	g_assert_true (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_true (writes (it, CS_SIDE_CRM, "jobTitle"));
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "Chair");
}

static void
test_decision_keep_outlook_current (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	CsPlanItem *it;
	link_ (f, "c1", "2", "o1", "2", "firstName=Ann;lastName=Lee;jobTitle=CEO");
	/* Outlook's value changed once more since: its current value is kept */
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "3", "firstName=Ann;lastName=Lee;jobTitle=CFO and COO"));
	items = plan_with_decision (f, CS_SIDE_OUTLOOK, "\"CFO\"");
	it = g_ptr_array_index (items, 0);
	g_assert_true (writes (it, CS_SIDE_CRM, "jobTitle"));
	g_assert_false (writes (it, CS_SIDE_OUTLOOK, "jobTitle"));
	g_assert_cmpstr (merged (it, "jobTitle"), ==, "CFO and COO");
}

/* a linked pair is named from its snapshot in any provider's field names: webCRM's
 * PersonFirstName/PersonLastName too (the window showed their ids) */
static void
test_label_from_snapshot (void)
{
	static const struct {
		const gchar *snapshot;
		const gchar *label;
	} cases[] = {
	    {"{\"PersonFirstName\": \"Ada\", \"PersonLastName\": \"Lovelace\", \"PersonId\": 7}", "Ada Lovelace"},
	    {"{\"firstName\": \"Bo\", \"lastName\": \"Berg\"}", "Bo Berg"},
	    {"{\"givenName\": \"Cai\"}", "Cai"},
	    {"{\"ActivityDescription\": \"Call back\", \"ActivityId\": 3}", "Call back"},
	    {"{\"subject\": \"Review\"}", "Review"},
	    {"{\"PersonId\": 7}", NULL},
	    {"not json", NULL},
	    {NULL, NULL},
	};
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree gchar *label = cs_label_from_snapshot (cases[i].snapshot);
		g_assert_cmpstr (label, ==, cases[i].label);
	}
}

/* every label of the builtin schemas reaches the translators (cs-schema-labels.c) */
static void
test_label_schema_words (void)
{
	static const gchar *const schemas[] = {"outlook", "orocrm", "webcrm"};
	for (guint i = 0; i < G_N_ELEMENTS (schemas); i++) {
		for (guint k = 0; k < CS_KIND_LAST; k++) {
			g_autoptr(CsSchema) schema = cs_schema_load_builtin (schemas[i], (CsKind) k, NULL);
			GPtrArray *fields = schema != NULL ? cs_schema_get_fields (schema) : NULL;
			for (guint f = 0; fields != NULL && f < fields->len; f++) {
				const CsFieldSpec *spec = g_ptr_array_index (fields, f);
				if (spec->label == NULL)
					continue;
				if (!cs_label_field_known (spec->label))
					g_error ("%s: the label “%s” is not in engine/cs-schema-labels.c", schemas[i], spec->label);
			}
		}
	}
	/* untranslated (no catalogue here) a label stays as it is */
	{
		g_autofree gchar *t = cs_label_translate_field ("Person: Custom 7");
		g_assert_cmpstr (t, ==, "Person: Custom 7");
	}
}

/* ---- matching better than the strict key ---- */

static const gchar *oro_key[] = {"firstName", "lastName", "gender", "birthday", NULL};

static GHashTable *
id_set (const gchar *id)
{
	GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add (set, g_strdup (id));
	return set;
}

static guint
count_action (GPtrArray *items, CsPlanAction action)
{
	guint n = 0;
	for (guint i = 0; i < items->len; i++)
		n += ((CsPlanItem *) g_ptr_array_index (items, i))->action == action ? 1 : 0;
	return n;
}

/* Outlook has no gender: names equal, birthday equal, gender blank on one
 * side → held for review, nothing created */
static void
test_probable_blank_key_field (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	f->key = oro_key;
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ada;lastName=Lovelace;gender=female;birthday=1815-12-10"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=ada;lastName=Lovelace;birthday=1815-12-10"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_REVIEW);
	g_assert_cmpstr (cs_plan_item_get_id (it, CS_SIDE_CRM), ==, "c1");
	g_assert_cmpstr (cs_plan_item_get_id (it, CS_SIDE_OUTLOOK), ==, "o1");
	g_assert_nonnull (it->reason);
	g_assert_false (writes_any (it, CS_SIDE_CRM));
	g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
}

/* a key field that contradicts (two different birthdays) is two people */
static void
test_probable_conflicting_key_field (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	f->key = oro_key;
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ada;lastName=Lovelace;birthday=1815-12-10"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ada;lastName=Lovelace;birthday=1816-01-01"));
	items = plan (f);
	g_assert_cmpuint (count_action (items, CS_PLAN_REVIEW), ==, 0);
	g_assert_cmpuint (count_action (items, CS_PLAN_CREATE), ==, 2);
}

static void
test_probable_same_email (Fixture *f, gconstpointer d)
{
	CsPlanItem *it;
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ada;lastName=King;email=ada@example.org"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Augusta;lastName=Lovelace;email=ADA@example.org"));
	it = only_item (f);
	g_assert_cmpint (it->action, ==, CS_PLAN_REVIEW);
}

/* match=strict: the guides' key alone, as before */
static void
test_probable_strict (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	f->key = oro_key;
	f->match = CS_MATCH_STRICT;
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ada;lastName=Lovelace;gender=female"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ada;lastName=Lovelace"));
	items = plan (f);
	g_assert_cmpuint (count_action (items, CS_PLAN_REVIEW), ==, 0);
	g_assert_cmpuint (count_action (items, CS_PLAN_CREATE), ==, 2);
}

/* a record held for review is not created while it waits, even when its
 * partner was not read this run (a delta) */
static void
test_held_not_created (Fixture *f, gconstpointer d)
{
	f->held[CS_SIDE_OUTLOOK] = id_set ("o1");
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ada;lastName=Lovelace"));
	g_assert_cmpuint (plan (f)->len, ==, 0);
}

/* a record the user unlinked is left alone: not linked by key, not created */
static void
test_alone_left_alone (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	f->alone[CS_SIDE_OUTLOOK] = id_set ("o1");
	f->alone[CS_SIDE_CRM] = id_set ("c1");
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ada;lastName=Lovelace"));
	add (f, CS_SIDE_OUTLOOK, rec ("o1", "1", "firstName=Ada;lastName=Lovelace"));
	items = plan (f);
	g_assert_cmpuint (items->len, ==, 0);
}

/* a linked record a complete listing left out, outside the side's horizon:
 * not deleted, not restored */
static void
test_outside_horizon_not_deleted (Fixture *f, gconstpointer d)
{
	GPtrArray *items;
	link_ (f, "c1", "1", "o1", "1", "firstName=Ada;lastName=Lovelace");
	add (f, CS_SIDE_CRM, rec ("c1", "1", "firstName=Ada;lastName=Lovelace"));
	f->outside[CS_SIDE_OUTLOOK] = id_set ("o1");
	items = plan (f);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		g_assert_false (writes_any (it, CS_SIDE_CRM));
		g_assert_false (writes_any (it, CS_SIDE_OUTLOOK));
		g_assert_false (it->forget);
	}
	/* without the horizon, the same listing is a deletion in Outlook */
	g_clear_pointer (&f->outside[CS_SIDE_OUTLOOK], g_hash_table_unref);
	items = plan (f);
	g_assert_cmpuint (items->len, ==, 1);
	g_assert_true (writes_any (g_ptr_array_index (items, 0), CS_SIDE_CRM) ||
		       writes_any (g_ptr_array_index (items, 0), CS_SIDE_OUTLOOK));
}

/* values of every shape in the entries' text: lists (e-mails, phones),
 * quotes, control characters, numbers, an update from one list to another */
static void
test_entry_text_values (Fixture *f, gconstpointer data)
{
	const gchar *mails[] = {"a@example.com", "\"quoted\" <b@example.com>", "tab\tnew\nline", NULL};
	const gchar *other[] = {"c@example.com", NULL};
	CsRecord *crm = rec ("c1", "v1", "firstName=Zoë;lastName=O'Brien \\ \"x\"");
	CsRecord *out = rec ("o1", "w2", "firstName=Ann;lastName=Lee");
	CsRecord *out2 = rec ("o2", "w3", "firstName=Bo;lastName=Ek");
	GPtrArray *items;

	cs_record_set_field (crm, "emails", g_variant_new_strv (mails, -1));
	cs_record_set_field (crm, "count", g_variant_new_int64 (7));
	cs_record_set_field (crm, "vip", g_variant_new_boolean (TRUE));
	cs_record_set_field (out, "emails", g_variant_new_strv (other, -1));
	cs_record_set_field (out2, "emails", g_variant_new_strv (mails, 2));
	add (f, CS_SIDE_CRM, crm);
	add (f, CS_SIDE_OUTLOOK, out);
	add (f, CS_SIDE_OUTLOOK, out2);
	/* o2 linked and changed on Outlook's side: an update, list to list */
	link_ (f, "c2", "v0", "o2", "w0", "firstName=Bo;lastName=Ek");
	add (f, CS_SIDE_CRM, rec ("c2", "v0", "firstName=Bo;lastName=Ek"));
	items = plan (f); /* plan() checks every entry's text against its tree */
	g_assert_cmpuint (items->len, >=, 2);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/engine/label/schema-words", test_label_schema_words);
	g_test_add_func ("/engine/label/from-snapshot", test_label_from_snapshot);
#define T(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	T ("/engine/planner/entry-text-values", test_entry_text_values);
	T ("/engine/planner/crm-to-outlook/exists-in-outlook", test_c2o_exists_in_outlook);
	T ("/engine/planner/crm-to-outlook/not-in-outlook", test_c2o_not_in_outlook);
	T ("/engine/planner/crm-to-outlook/multiple-matches", test_c2o_multiple_matches);
	T ("/engine/planner/crm-to-outlook/updated-in-crm", test_c2o_updated_in_crm);
	T ("/engine/planner/crm-to-outlook/updated-in-outlook", test_c2o_updated_in_outlook);
	T ("/engine/planner/crm-to-outlook/deleted-in-outlook", test_c2o_deleted_in_outlook);
	T ("/engine/planner/crm-to-outlook/deleted-in-crm", test_c2o_deleted_in_crm);
	T ("/engine/planner/outlook-to-crm/exists-in-crm", test_o2c_exists_in_crm);
	T ("/engine/planner/outlook-to-crm/not-in-crm", test_o2c_not_in_crm);
	T ("/engine/planner/outlook-to-crm/updated-in-crm", test_o2c_updated_in_crm);
	T ("/engine/planner/outlook-to-crm/updated-in-outlook", test_o2c_updated_in_outlook);
	T ("/engine/planner/outlook-to-crm/deleted-in-outlook", test_o2c_deleted_in_outlook);
	T ("/engine/planner/outlook-to-crm/deleted-in-crm", test_o2c_deleted_in_crm);
	T ("/engine/planner/both/exists-in-both", test_both_exists_in_both);
	T ("/engine/planner/both/not-in-crm", test_both_not_in_crm);
	T ("/engine/planner/both/not-in-outlook", test_both_not_in_outlook);
	T ("/engine/planner/both/updated-in-crm", test_both_updated_crm);
	T ("/engine/planner/both/updated-in-outlook", test_both_updated_outlook);
	T ("/engine/planner/both/field-one-side-cannot-hold", test_field_not_held);
	T ("/engine/planner/both/deleted-in-outlook", test_both_deleted_in_outlook);
	T ("/engine/planner/both/deleted-in-crm", test_both_deleted_in_crm);
	T ("/engine/planner/conflict/crm-wins", test_conflict_crm_wins);
	T ("/engine/planner/conflict/outlook-wins", test_conflict_outlook_wins);
	T ("/engine/planner/conflict/newest-wins", test_conflict_newest_wins);
	T ("/engine/planner/conflict/manual", test_conflict_manual);
	T ("/engine/planner/overwritten/newest-wins-tie", test_overwritten_newest_tie);
	T ("/engine/planner/overwritten/merge-and-one-way", test_overwritten_merge_and_one_way);
	T ("/engine/planner/overwritten/at-link", test_overwritten_at_link);
	T ("/engine/planner/decision/keep-crm-unread", test_decision_keep_crm_unread);
	T ("/engine/planner/decision/value-both", test_decision_value_both);
	T ("/engine/planner/decision/keep-outlook-current", test_decision_keep_outlook_current);
	T ("/engine/planner/delete-vs-edit", test_delete_vs_edit);
	T ("/engine/planner/echo/version", test_echo_is_nothing);
	T ("/engine/planner/echo/content", test_echo_by_content);
	T ("/engine/planner/direction-none", test_direction_none);
	T ("/engine/planner/read-only-target", test_read_only_target);
	T ("/engine/planner/key-needs-values", test_key_needs_values);
	T ("/engine/planner/webcrm/deletions-never-propagate", test_deletions_never_propagate);
	T ("/engine/planner/webcrm/gone-side-stays-out", test_gone_side_stays_out);
	T ("/engine/planner/webcrm/b2b-needs-company", test_webcrm_b2b_needs_company);
	T ("/engine/planner/webcrm/completed-activity", test_webcrm_completed_activity);
	T ("/engine/planner/webcrm/private-marker", test_webcrm_private_marker);
	T ("/engine/planner/webcrm/comment-round-trip", test_webcrm_comment_round_trip);
	T ("/engine/planner/journal/create-with-more", test_journal_create_with_more);
	T ("/engine/planner/review/blank-key-field", test_probable_blank_key_field);
	T ("/engine/planner/review/conflicting-key-field", test_probable_conflicting_key_field);
	T ("/engine/planner/review/same-email", test_probable_same_email);
	T ("/engine/planner/review/strict", test_probable_strict);
	T ("/engine/planner/review/held-not-created", test_held_not_created);
	T ("/engine/planner/review/alone", test_alone_left_alone);
	T ("/engine/planner/horizon/outside-not-deleted", test_outside_horizon_not_deleted);
	return g_test_run ();
}
