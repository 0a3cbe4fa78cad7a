/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-engine-private.h"
#include "cs-planner.h"

/*
 * The user in control of matching: the pairs the planner held for review and
 * the look-alikes nobody linked (`duplicates`), joining two records by hand
 * (`link`: merged by the profile's conflict rule on the next run) and parting
 * a pair (`unlink`: both records are left alone from then on, as the webCRM
 * guide's "un-synchronise" asks).
 */

static const gchar *
side_words (CsSide side)
{
	/* TRANSLATORS: a sync side, in "the CRM has no contact 12" */
	return side == CS_SIDE_CRM ? _ ("the CRM") : _ ("Outlook");
}

/* the record of @kind with @id on @side, asked by id, else from a listing */
static CsRecord *
fetch_record (CsEngine *self, CsSide side, CsKind kind, const gchar *id, GCancellable *cancellable,
	      GError **error)
{
	CsProvider *provider = cs_engine_get_provider (self, side);
	g_autoptr (GPtrArray) ids = g_ptr_array_new ();
	g_autoptr (GPtrArray) got = NULL;
	g_autoptr (CsReadSink) sink = NULL;
	GPtrArray *recs;

	g_ptr_array_add (ids, (gpointer)id);
	if (cs_provider_can_get (provider)) {
		got = cs_provider_get (provider, kind, ids, cancellable, error);
		if (got == NULL)
			return NULL;
		for (guint i = 0; i < got->len; i++) {
			CsRecord *r = g_ptr_array_index (got, i);
			if (g_strcmp0 (cs_record_get_id (r), id) == 0 && !cs_record_is_deleted (r))
				return cs_record_ref (r);
		}
	}
	/* not every provider fetches every kind by id: a full listing does */
	sink = cs_read_sink_new (kind, TRUE);
	if (!cs_provider_read_changes (provider, kind, NULL, sink, cancellable, error))
		return NULL;
	recs = cs_read_sink_get_records (sink);
	for (guint i = 0; i < recs->len; i++) {
		CsRecord *r = g_ptr_array_index (recs, i);
		if (g_strcmp0 (cs_record_get_id (r), id) == 0 && !cs_record_is_deleted (r))
			return cs_record_ref (r);
	}
	g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG,
		     _ ("%s has no %s with the id “%s”"), side_words (side),
		     cs_kind_to_string (kind), id);
	return NULL;
}

static gboolean
check_kind (CsEngine *self, CsKind kind, GError **error)
{
	if (!cs_engine_is_enabled (self, kind)) {
		g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG,
			     _ ("%s records are not synced by this profile"),
			     cs_kind_to_string (kind));
		return FALSE;
	}
	return TRUE;
}

/* %FALSE with @error when one of @ids is linked to another record (or the
 * state cannot be read); *@already when they are linked to each other */
static gboolean
check_linkable (CsState *state, CsKind kind, const gchar *const *ids, gboolean *already,
		GError **error)
{
	*already = FALSE;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_autoptr (GError) error_local = NULL;
		g_autoptr (CsLink) have
			= cs_state_get_link (state, kind, (CsSide)s, ids[s], &error_local);
		if (error_local != NULL) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		if (have == NULL)
			continue;
		if (g_strcmp0 (cs_link_get_id (have, cs_side_other ((CsSide)s)),
			       ids[cs_side_other ((CsSide)s)])
		    == 0) {
			*already = TRUE;
			continue;
		}
		g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG,
			     _ ("%s %s “%s” is linked to another record; unlink it first"),
			     side_words ((CsSide)s), cs_kind_to_string (kind), ids[s]);
		return FALSE;
	}
	return TRUE;
}

/**
 * cs_engine_link:
 *
 * Joins two records the key did not match. Nothing is written now: the next
 * run reads both (a full listing of the kind) and merges them by the profile's
 * conflict rule, on both sides.
 *
 * Returns: %FALSE with a CS_ENGINE_ERROR_CONFIG error for a wrong id (no such
 *   record, or one linked to another record already)
 */
gboolean
cs_engine_link (CsEngine *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
		GCancellable *cancellable, GError **error)
{
	CsState *state = cs_engine_get_state (self);
	const gchar *ids[CS_SIDE_LAST] = { crm_id, outlook_id };
	gboolean already = FALSE;
	g_autoptr (CsLink) link = NULL;

	if (!check_kind (self, kind, error) || !check_linkable (state, kind, ids, &already, error))
		return FALSE;
	if (already)
		return TRUE; /* linked to each other already */
	if (!cs_engine_open (self, cancellable, error))
		return FALSE;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_autoptr (CsRecord) r
			= fetch_record (self, (CsSide)s, kind, ids[s], cancellable, error);
		if (r == NULL)
			return FALSE;
	}
	link = cs_link_new (kind);
	cs_link_set_id (link, CS_SIDE_CRM, crm_id);
	cs_link_set_id (link, CS_SIDE_OUTLOOK, outlook_id);
	link->synced_at = g_get_real_time ();
	if (!cs_state_begin (state, error))
		return FALSE;
	if (!cs_state_put_link (state, link, error)
	    || !cs_state_mark_link_merge (state, kind, crm_id, outlook_id, error)
	    || !cs_state_drop_reviews (state, kind, CS_SIDE_CRM, crm_id, error)
	    || !cs_state_drop_reviews (state, kind, CS_SIDE_OUTLOOK, outlook_id, error)
	    || !cs_state_forget_left_alone (state, kind, CS_SIDE_CRM, crm_id, error)
	    || !cs_state_forget_left_alone (state, kind, CS_SIDE_OUTLOOK, outlook_id, error)
	    || !cs_state_commit (state, error)) {
		cs_state_rollback (state);
		return FALSE;
	}
	return TRUE;
}

/**
 * cs_engine_link_preview:
 *
 * What linking two records would write: both are read and planned as the
 * next run plans a pair linked by hand (merged from the two records as they
 * are, by the profile's conflict rule). Nothing is written, nothing recorded.
 *
 * Returns: (transfer full): the pair's plan item (its rows, values and any
 *   conflicts), or %NULL with @error (no such record, a record linked to another)
 */
CsPlanItem *
cs_engine_link_preview (CsEngine *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
			GCancellable *cancellable, GError **error)
{
	CsState *state = cs_engine_get_state (self);
	CsProfile *profile = cs_engine_get_profile (self);
	const gchar *ids[CS_SIDE_LAST] = { crm_id, outlook_id };
	gboolean already = FALSE;
	g_autoptr (GPtrArray) crm_recs = g_ptr_array_new_with_free_func ((GDestroyNotify)cs_record_unref);
	g_autoptr (GPtrArray) outlook_recs
		= g_ptr_array_new_with_free_func ((GDestroyNotify)cs_record_unref);
	GPtrArray *recs[CS_SIDE_LAST] = { crm_recs, outlook_recs };
	g_autoptr (GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify)cs_link_free);
	g_autoptr (CsSyncPlan) plan = cs_sync_plan_new ();
	GPtrArray *items;
	CsLink *link;
	CsPlanInput in = { 0 };

	if (!check_kind (self, kind, error) || !check_linkable (state, kind, ids, &already, error))
		return NULL;
	if (!cs_engine_open (self, cancellable, error))
		return NULL;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsRecord *r = fetch_record (self, (CsSide)s, kind, ids[s], cancellable, error);
		CsProvider *provider = cs_engine_get_provider (self, (CsSide)s);
		if (r == NULL)
			return NULL;
		g_ptr_array_add (recs[s], r);
		in.records[s] = recs[s];
		in.writable[s] = (cs_provider_get_caps (provider, kind) & CS_CAP_WRITE) != 0;
		in.side_name[s] = cs_provider_get_name (provider);
	}
	/* the link as cs_engine_link() makes it: no agreed values yet, so the two are merged */
	link = cs_link_new (kind);
	cs_link_set_id (link, CS_SIDE_CRM, crm_id);
	cs_link_set_id (link, CS_SIDE_OUTLOOK, outlook_id);
	g_ptr_array_add (links, link);
	in.kind = kind;
	in.config = cs_profile_get_kind_config (profile, kind);
	in.conflict = cs_profile_get_conflict (profile);
	in.mapping = cs_engine_get_mapping (self);
	in.links = links;
	in.match = cs_profile_get_match (profile);
	cs_planner_plan (&in, plan);
	items = cs_sync_plan_get_items (plan);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		if (it->link != NULL && g_strcmp0 (it->link->crm_id, crm_id) == 0
		    && g_strcmp0 (it->link->outlook_id, outlook_id) == 0)
			return g_ptr_array_steal_index (items, i);
	}
	/* nothing differs: an item that writes nothing */
	return cs_plan_item_new (kind, CS_PLAN_REFRESH);
}

/**
 * cs_engine_link_dry_run:
 *
 * cs_engine_link_preview() as a dry run's report (`link --dry-run`): the
 * pair's plan entry, its counts, the fields left to the user (conflicts) and
 * the edits the conflict rule would write over. Nothing is recorded.
 *
 * Returns: (transfer full): the report, or %NULL with @error
 */
CsRunReport *
cs_engine_link_dry_run (CsEngine *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
			GCancellable *cancellable, GError **error)
{
	CsPlanItem *it = cs_engine_link_preview (self, kind, crm_id, outlook_id, cancellable, error);
	CsRunReport *report;
	if (it == NULL)
		return NULL;
	report = cs_run_report_new ();
	cs_run_report_set_dry_run (report, TRUE);
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		if (it->rows[s] != NULL && it->rows[s][0] != NULL)
			cs_run_report_add_count (report, CS_COUNT_UPDATED, (CsSide)s, kind, 1);
	for (guint i = 0; it->conflicts != NULL && i < it->conflicts->len; i++) {
		CsConflict *c = g_ptr_array_index (it->conflicts, i);
		cs_run_report_add_conflict (report, kind, c->outlook_id, it->label, c->field);
	}
	for (guint i = 0; it->overwritten != NULL && i < it->overwritten->len; i++) {
		CsOverwrite *o = g_ptr_array_index (it->overwritten, i);
		cs_run_report_add_overwritten (report, kind, o->side, cs_plan_item_get_id (it, o->side),
					       it->label, o->field, o->kept, o->lost);
	}
	if (cs_plan_item_is_shown (it))
		cs_run_report_add_plan_entry (
			report, cs_plan_item_to_json (it, cs_engine_get_mapping (self), NULL, FALSE));
	cs_run_report_set_status (report, cs_run_report_get_n_conflicts (report) > 0 ? CS_RUN_PARTIAL
										      : CS_RUN_OK);
	cs_plan_item_free (it);
	return report;
}

/**
 * cs_engine_unlink:
 * @side: the side @id is on
 *
 * Parts a pair: both of its records are left alone from then on (never linked
 * by key again, never created on the other side). A record that is in no pair
 * is left alone as it is.
 */
gboolean
cs_engine_unlink (CsEngine *self, CsKind kind, CsSide side, const gchar *id,
		  GCancellable *cancellable, GError **error)
{
	CsState *state = cs_engine_get_state (self);
	g_autoptr (GError) error_local = NULL;
	g_autoptr (CsLink) link = NULL;

	if (!check_kind (self, kind, error))
		return FALSE;
	link = cs_state_get_link (state, kind, side, id, &error_local);
	if (error_local != NULL) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	if (link == NULL) {
		g_autoptr (CsRecord) r = NULL;
		if (!cs_engine_open (self, cancellable, error))
			return FALSE;
		r = fetch_record (self, side, kind, id, cancellable, error);
		if (r == NULL)
			return FALSE;
	}
	if (!cs_state_begin (state, error))
		return FALSE;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		const gchar *rid
			= link != NULL ? cs_link_get_id (link, (CsSide)s) : (s == side ? id : NULL);
		if (rid == NULL)
			continue;
		if (!cs_state_leave_alone (state, kind, (CsSide)s, rid, error)
		    || !cs_state_drop_reviews (state, kind, (CsSide)s, rid, error)) {
			cs_state_rollback (state);
			return FALSE;
		}
	}
	if ((link != NULL
	     && (!cs_state_remove_link (state, link, error)
		 || !cs_state_clear_link_merge (state, kind, link->crm_id, link->outlook_id,
						error)))
	    || !cs_state_commit (state, error)) {
		cs_state_rollback (state);
		return FALSE;
	}
	return TRUE;
}

static JsonObject *
record_entry (CsSide side, const gchar *id, const gchar *label)
{
	JsonObject *o = json_object_new ();
	json_object_set_string_member (o, "side", cs_side_to_string (side));
	json_object_set_string_member (o, "id", id != NULL ? id : "");
	json_object_set_string_member (o, "label", label != NULL ? label : "");
	return o;
}

static gchar *
folded (const gchar *s)
{
	g_autofree gchar *t = s != NULL ? g_strstrip (g_strdup (s)) : NULL;
	return t != NULL && t[0] != '\0' ? g_utf8_casefold (t, -1) : NULL;
}

/* a phone number as digits only: "+45 70 12" and "+457012" are one */
static gchar *
digits (const gchar *s)
{
	GString *d = g_string_new (NULL);
	for (const gchar *p = s; p != NULL && *p != '\0'; p++) {
		if (g_ascii_isdigit (*p))
			g_string_append_c (d, *p);
	}
	if (d->len < 5) {
		g_string_free (d, TRUE);
		return NULL;
	}
	return g_string_free (d, FALSE);
}

/* the texts of a mapped value: a string or a list of them */
static void
texts_of (GVariant *v, GPtrArray *out)
{
	if (v == NULL)
		return;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		g_ptr_array_add (out, g_variant_dup_string (v, NULL));
	else if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY)) {
		for (gsize i = 0; i < g_variant_n_children (v); i++) {
			gchar *s;
			g_variant_get_child (v, i, "s", &s);
			g_ptr_array_add (out, s);
		}
	}
}

typedef struct {
	CsSide side;
	CsRecord *record;
	gchar *label;
	gboolean linked;
} Look;

static void
look_free (Look *l)
{
	cs_record_unref (l->record);
	g_free (l->label);
	g_free (l);
}

/* groups of look-alikes: same name, same e-mail address or same phone */
static void
add_lookalikes (CsEngine *self, CsKind kind, GHashTable *in_review, JsonArray *groups,
		GError **error)
{
	CsState *state = cs_engine_get_state (self);
	CsMapping *mapping = cs_engine_get_mapping (self);
	g_autoptr (GPtrArray) looks = g_ptr_array_new_with_free_func ((GDestroyNotify)look_free);
	g_autoptr (GHashTable) used = g_hash_table_new (NULL, NULL);
	/* TRANSLATORS: why records are listed as look-alikes */
	const gchar *reasons[] = { N_ ("the same name"), N_ ("the same e-mail address"),
				   N_ ("the same phone number") };

	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		GPtrArray *recs = cs_engine_get_records (self, (CsSide)s, kind);
		/* the user said these are not the same (unlink): asked once, not again */
		g_autoptr (GHashTable) alone = cs_state_get_left_alone (state, kind, (CsSide)s, NULL);
		for (guint i = 0; recs != NULL && i < recs->len; i++) {
			CsRecord *r = g_ptr_array_index (recs, i);
			g_autoptr (CsLink) l = NULL;
			g_autofree gchar *key = NULL;
			Look *look;
			if (cs_record_is_deleted (r) || cs_record_get_id (r) == NULL)
				continue;
			if (alone != NULL && g_hash_table_contains (alone, cs_record_get_id (r)))
				continue;
			key = g_strdup_printf ("%u\x1f%s", s, cs_record_get_id (r));
			if (g_hash_table_contains (in_review, key))
				continue;
			l = cs_state_get_link (state, kind, (CsSide)s, cs_record_get_id (r), NULL);
			look = g_new0 (Look, 1);
			look->side = (CsSide)s;
			look->record = cs_record_ref (r);
			look->label = s == CS_SIDE_CRM ? cs_planner_label (r, NULL)
						       : cs_planner_label (NULL, r);
			look->linked = l != NULL;
			g_ptr_array_add (looks, look);
		}
	}
	for (guint what = 0; what < G_N_ELEMENTS (reasons); what++) {
		g_autoptr (GHashTable) by = g_hash_table_new_full (
			g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
		GHashTableIter iter;
		gpointer k, v;
		for (guint i = 0; i < looks->len; i++) {
			Look *look = g_ptr_array_index (looks, i);
			g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
			g_autoptr (GHashTable) seen
				= g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
			if (g_hash_table_contains (used, look))
				continue;
			if (what == 0) {
				g_ptr_array_add (texts, g_strdup (look->label));
			} else {
				g_autoptr (GHashTable) values = cs_mapping_extract (
					mapping, kind, look->side, look->record);
				GHashTableIter vi;
				gpointer name, value;
				g_hash_table_iter_init (&vi, values);
				while (g_hash_table_iter_next (&vi, &name, &value)) {
					g_autofree gchar *low = g_ascii_strdown (name, -1);
					if (strstr (low, what == 1 ? "mail" : "phone") != NULL)
						texts_of (value, texts);
				}
			}
			for (guint t = 0; t < texts->len; t++) {
				gchar *norm = what == 2 ? digits (texts->pdata[t])
							: folded (texts->pdata[t]);
				GPtrArray *members;
				/* once per record: the set takes the text either way */
				if (norm == NULL || !g_hash_table_add (seen, norm))
					continue;
				members = g_hash_table_lookup (by, norm);
				if (members == NULL) {
					members = g_ptr_array_new ();
					g_hash_table_insert (by, g_strdup (norm), members);
				}
				g_ptr_array_add (members, look);
			}
		}
		g_hash_table_iter_init (&iter, by);
		while (g_hash_table_iter_next (&iter, &k, &v)) {
			GPtrArray *members = v;
			gboolean any_unlinked = FALSE;
			JsonObject *g;
			JsonArray *recs;
			guint left = 0;
			for (guint i = 0; i < members->len; i++) {
				Look *look = g_ptr_array_index (members, i);
				if (!g_hash_table_contains (used, look)) {
					left++;
					any_unlinked |= !look->linked;
				}
			}
			if (left < 2 || !any_unlinked)
				continue;
			g = json_object_new ();
			recs = json_array_new ();
			json_object_set_string_member (g, "kind", cs_kind_to_string (kind));
			json_object_set_string_member (g, "reason", _ (reasons[what]));
			for (guint i = 0; i < members->len; i++) {
				Look *look = g_ptr_array_index (members, i);
				if (g_hash_table_contains (used, look))
					continue;
				g_hash_table_add (used, look);
				json_array_add_object_element (
					recs,
					record_entry (look->side, cs_record_get_id (look->record),
						      look->label));
			}
			json_object_set_array_member (g, "records", recs);
			json_array_add_object_element (groups, g);
		}
	}
}

/**
 * cs_engine_find_duplicates:
 *
 * Reads both sides in full (nothing is written) and lists the pairs held for
 * review, then the look-alikes among the contacts and organisations that are
 * not all linked: the same name, e-mail address or phone number, within a
 * side or across both.
 *
 * Returns: (transfer full): `{"groups": [{kind, reason, records: [{side, id, label}]}]}`
 */
JsonNode *
cs_engine_find_duplicates (CsEngine *self, GCancellable *cancellable, GError **error)
{
	CsState *state = cs_engine_get_state (self);
	g_autoptr (GPtrArray) reviews = cs_state_get_reviews (state, error);
	g_autoptr (CsSyncPlan) plan = NULL;
	g_autoptr (GHashTable) in_review
		= g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	JsonObject *root = json_object_new ();
	JsonArray *groups = json_array_new ();
	JsonNode *node = json_node_new (JSON_NODE_OBJECT);

	json_object_set_array_member (root, "groups", groups);
	json_node_take_object (node, root);
	if (reviews == NULL) {
		json_node_unref (node);
		return NULL;
	}
	for (guint i = 0; i < reviews->len; i++) {
		CsReview *r = g_ptr_array_index (reviews, i);
		JsonObject *g = json_object_new ();
		JsonArray *recs = json_array_new ();
		json_object_set_string_member (g, "kind", cs_kind_to_string (r->kind));
		json_object_set_string_member (g, "reason", r->reason);
		json_array_add_object_element (recs,
					       record_entry (CS_SIDE_CRM, r->crm_id, r->crm_label));
		json_array_add_object_element (
			recs, record_entry (CS_SIDE_OUTLOOK, r->outlook_id, r->outlook_label));
		json_object_set_array_member (g, "records", recs);
		json_array_add_object_element (groups, g);
		g_hash_table_add (in_review, g_strdup_printf ("%u\x1f%s", CS_SIDE_CRM, r->crm_id));
		g_hash_table_add (in_review,
				  g_strdup_printf ("%u\x1f%s", CS_SIDE_OUTLOOK, r->outlook_id));
	}
	plan = cs_engine_prepare (self, CS_RUN_FLAG_ALL | CS_RUN_FLAG_DRY_RUN, cancellable, error);
	if (plan == NULL) {
		json_node_unref (node);
		return NULL;
	}
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		if ((k == CS_KIND_CONTACT || k == CS_KIND_ORGANISATION)
		    && cs_engine_is_enabled (self, (CsKind)k))
			add_lookalikes (self, (CsKind)k, in_review, groups, error);
	}
	return node;
}
