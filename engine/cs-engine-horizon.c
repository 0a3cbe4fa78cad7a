/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cs-engine-private.h"

/*
 * Horizons: a full listing does not always hold every record of a kind (Graph
 * lists its calendar about a year back, a To Do listing is one list). What a
 * listing leaves out is not gone, and what another side sends may already be
 * there, just not listed. Before planning, the engine widens what was read:
 * a linked record missing from a complete listing is asked for by id (unless
 * its own dates put it outside the window: then it is simply not part of
 * this listing), and a record about to be created on such a side is first
 * looked for by key with the provider's find. The planner then links what
 * was found, and takes as deleted only what is really gone.
 */

/* @values (row → value) as @side's provider would hold them */
static CsRecord *
as_side (CsMapping *mapping, CsKind kind, CsSide side, GHashTable *values)
{
	CsRecord *rec = cs_record_new (kind, NULL);
	if (values != NULL)
		cs_mapping_apply (mapping, kind, side, values, NULL, NULL, rec);
	return rec;
}

static GHashTable *
ids_of (GPtrArray *records)
{
	GHashTable *ids = g_hash_table_new (g_str_hash, g_str_equal);
	for (guint i = 0; records != NULL && i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		if (cs_record_get_id (r) != NULL)
			g_hash_table_add (ids, (gpointer)cs_record_get_id (r));
	}
	return ids;
}

/**
 * cs_engine_horizon_find_creates:
 * @sinks: this kind's sinks, per side
 * @key: the kind's match key (CRM field names)
 *
 * For every record of one side that has no link and no key match among what
 * the other side listed, where that other side's horizon may hold it unlisted:
 * the other side's provider is asked for it by key (its find field), and what
 * it finds with a key one of them has joins that side's records, to be
 * matched by the planner like any other. Records found that are linked
 * already are left out (they belong to another pair).
 */
gboolean
cs_engine_horizon_find_creates (CsProvider **providers, CsReadSink **sinks, CsState *state,
				CsMapping *mapping, const CsKindConfig *config, CsKind kind,
				const gchar *const *key, GCancellable *cancellable, GError **error)
{
	for (guint t = 0; t < CS_SIDE_LAST; t++) {
		CsSide target = (CsSide)t, from = cs_side_other (target);
		CsHorizon h;
		GPtrArray *have, *src;
		g_autoptr (GHashTable) keys = NULL;
		g_autoptr (GHashTable) have_ids = NULL;
		g_autoptr (GHashTable) asked = NULL;
		g_autoptr (GHashTable) wanted = NULL;
		g_autoptr (GPtrArray) values = NULL;
		guint found_n = 0;

		if (sinks[target] == NULL || sinks[from] == NULL
		    || !cs_direction_allows (config->direction, target)
		    || !cs_provider_get_horizon (providers[target], kind, &h)
		    || h.find_field == NULL)
			continue;
		have = cs_read_sink_get_records (sinks[target]);
		src = cs_read_sink_get_records (sinks[from]);
		have_ids = ids_of (have);
		keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
		asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
		wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
		values = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
		for (guint i = 0; i < have->len; i++) {
			CsRecord *r = g_ptr_array_index (have, i);
			g_autoptr (GHashTable) v = NULL;
			gchar *k;
			if (cs_record_is_deleted (r))
				continue;
			v = cs_mapping_extract (mapping, kind, target, r);
			k = cs_mapping_key_of (mapping, kind, key, v);
			if (k != NULL)
				g_hash_table_add (keys, k);
		}
		/* what is looked for: the keys wanted there, and the values to ask by */
		for (guint i = 0; i < src->len; i++) {
			CsRecord *r = g_ptr_array_index (src, i);
			g_autoptr (GHashTable) v = NULL;
			g_autoptr (CsRecord) want = NULL;
			g_autoptr (CsLink) link = NULL;
			g_autofree gchar *k = NULL;
			g_autoptr (GError) error_local = NULL;
			GVariant *value;

			if (cs_record_is_deleted (r) || cs_record_get_id (r) == NULL)
				continue;
			v = cs_mapping_extract (mapping, kind, from, r);
			k = cs_mapping_key_of (mapping, kind, key, v);
			if (k == NULL || g_hash_table_contains (keys, k))
				continue;
			want = as_side (mapping, kind, target, v);
			if (cs_horizon_place (&h, want) == CS_HORIZON_INSIDE)
				continue; /* a full listing shows it: it is not there */
			link = cs_state_get_link (state, kind, from, cs_record_get_id (r),
						  &error_local);
			if (error_local != NULL) {
				g_propagate_error (error, g_steal_pointer (&error_local));
				return FALSE;
			}
			if (link != NULL)
				continue;
			value = cs_record_get_field (want, h.find_field);
			if (value == NULL)
				continue;
			g_hash_table_add (wanted, g_steal_pointer (&k));
			if (g_hash_table_add (asked, g_variant_print (value, FALSE)))
				g_ptr_array_add (values, g_variant_ref (value));
		}
		for (guint i = 0; i < values->len; i++) {
			g_autoptr (GPtrArray) found = NULL;
			found = cs_provider_find (providers[target], kind, h.find_field,
						  g_ptr_array_index (values, i), cancellable, error);
			if (found == NULL) {
				g_prefix_error (error, _ ("looking for %s in %s: "),
						cs_kind_to_string (kind),
						cs_provider_get_name (providers[target]));
				return FALSE;
			}
			for (guint j = 0; j < found->len; j++) {
				CsRecord *f = g_ptr_array_index (found, j);
				g_autoptr (CsLink) fl = NULL;
				g_autoptr (GHashTable) fv = NULL;
				g_autoptr (GError) error_local = NULL;
				g_autofree gchar *fk = NULL;
				const gchar *fid = cs_record_get_id (f);
				if (fid == NULL || cs_record_is_deleted (f)
				    || g_hash_table_contains (have_ids, fid))
					continue;
				/* only a record one of those is looking for: a find
				 * may answer with more (a calendar's whole month), which
				 * lies outside what this side syncs */
				fv = cs_mapping_extract (mapping, kind, target, f);
				fk = cs_mapping_key_of (mapping, kind, key, fv);
				if (fk == NULL || !g_hash_table_contains (wanted, fk))
					continue;
				fl = cs_state_get_link (state, kind, target, fid, &error_local);
				if (error_local != NULL) {
					g_propagate_error (error, g_steal_pointer (&error_local));
					return FALSE;
				}
				if (fl != NULL)
					continue;
				cs_read_sink_add (sinks[target], f);
				/* the array may have moved: index the id from the sink's copy */
				g_hash_table_add (have_ids, (gpointer)cs_record_get_id (f));
				g_hash_table_add (keys, g_steal_pointer (&fk));
				found_n++;
			}
		}
		if (found_n > 0)
			g_debug ("%s: found %u %s records outside its listing",
				 cs_provider_get_name (providers[target]), found_n,
				 cs_kind_to_string (kind));
	}
	return TRUE;
}

/**
 * cs_engine_horizon_absent:
 * @links: (element-type CsLink): the kind's links given to the planner
 * @outside: (out): per side, a set of ids (owned by @links) of linked records
 *   that a complete listing left out but that are not gone: outside the
 *   horizon, or found by id (those join the side's records)
 *
 * Returns: %FALSE with @error when asking a provider failed
 */
gboolean
cs_engine_horizon_absent (CsProvider **providers, CsReadSink **sinks, CsMapping *mapping,
			  CsKind kind, GPtrArray *links, GHashTable **outside,
			  GCancellable *cancellable, GError **error)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsSide side = (CsSide)s, other = cs_side_other (side);
		CsHorizon h;
		g_autoptr (GHashTable) listed = NULL;
		g_autoptr (GHashTable) other_read = NULL;
		g_autoptr (GPtrArray) ask = NULL;
		g_autoptr (GPtrArray) got = NULL;

		outside[s] = g_hash_table_new (g_str_hash, g_str_equal);
		if (sinks[s] == NULL || !cs_read_sink_get_complete (sinks[s])
		    || !cs_provider_get_horizon (providers[s], kind, &h))
			continue;
		listed = ids_of (cs_read_sink_get_records (sinks[s]));
		other_read = g_hash_table_new (g_str_hash, g_str_equal);
		if (sinks[other] != NULL) {
			GPtrArray *recs = cs_read_sink_get_records (sinks[other]);
			for (guint i = 0; i < recs->len; i++) {
				CsRecord *r = g_ptr_array_index (recs, i);
				/* a stub (unchanged since the link) places nothing: its
				 * snapshot does */
				if (cs_record_get_id (r) != NULL && !cs_record_is_deleted (r)
				    && !cs_record_is_stripped (r))
					g_hash_table_insert (other_read,
							     (gpointer)cs_record_get_id (r), r);
			}
		}
		ask = g_ptr_array_new ();
		for (guint i = 0; links != NULL && i < links->len; i++) {
			CsLink *l = g_ptr_array_index (links, i);
			const gchar *id = cs_link_get_id (l, side);
			const gchar *oid = cs_link_get_id (l, other);
			gboolean gone = side == CS_SIDE_CRM ? l->crm_gone : l->outlook_gone;
			g_autoptr (GHashTable) base = NULL;
			g_autoptr (CsRecord) was = NULL;
			CsRecord *now = oid != NULL ? g_hash_table_lookup (other_read, oid) : NULL;
			CsHorizonPlace place;

			if (id == NULL || gone || g_hash_table_contains (listed, id))
				continue;
			/* where the record was when last synced, and where the other
			 * side's copy puts it now: outside either, it is simply not
			 * part of this listing */
			base = cs_mapping_values_from_string (l->snapshot);
			was = as_side (mapping, kind, side, base);
			place = cs_horizon_place (&h, was);
			if (place != CS_HORIZON_OUTSIDE && now != NULL) {
				g_autoptr (GHashTable) nv
					= cs_mapping_extract (mapping, kind, other, now);
				g_autoptr (CsRecord) moved = as_side (mapping, kind, side, nv);
				if (cs_horizon_place (&h, moved) == CS_HORIZON_OUTSIDE)
					place = CS_HORIZON_OUTSIDE;
			}
			if (place == CS_HORIZON_OUTSIDE)
				g_hash_table_add (outside[s], (gpointer)id);
			else
				g_ptr_array_add (ask, (gpointer)id);
		}
		if (ask->len == 0)
			continue;
		if (!cs_provider_can_get (providers[s])) {
			/* cannot ask: absence from a partial listing is never a deletion */
			for (guint i = 0; i < ask->len; i++)
				g_hash_table_add (outside[s], g_ptr_array_index (ask, i));
			continue;
		}
		got = cs_provider_get (providers[s], kind, ask, cancellable, error);
		if (got == NULL) {
			g_prefix_error (error, _ ("reading %s from %s: "), cs_kind_to_string (kind),
					cs_provider_get_name (providers[s]));
			return FALSE;
		}
		for (guint i = 0; i < got->len; i++) {
			CsRecord *r = g_ptr_array_index (got, i);
			if (cs_record_get_id (r) == NULL || cs_record_is_deleted (r))
				continue;
			/* still there, only not listed: read like any other */
			cs_read_sink_add (sinks[s], r);
		}
		g_debug ("%s: %u linked %s records not listed, %u of them still there",
			 cs_provider_get_name (providers[s]), ask->len, cs_kind_to_string (kind),
			 got->len);
	}
	return TRUE;
}

/**
 * cs_engine_horizon_moved:
 * @links: (element-type CsLink): the kind's links; a moved record's link
 *   takes its new id here (and in the state when @write)
 * @outside: per side, ids already known to be out of the listing, not gone
 * @write: store the new ids (not on a dry run)
 *
 * Some services give a record a new id when it moves (a To Do task moved to
 * another list; an Outlook item without an immutable id moved to another
 * folder). Before a linked record reported removed, or missing from a
 * complete listing of its side, is taken for deleted,
 * its side is searched by key (the provider's find field, then the key of
 * what was last synced): exactly one unlinked record with that key is the
 * same record, moved. Its link follows it; nothing is deleted on the other
 * side and nothing is created twice.
 */
gboolean
cs_engine_horizon_moved (CsProvider **providers, CsReadSink **sinks, CsState *state,
			 CsMapping *mapping, CsKind kind, const gchar *const *key, GPtrArray *links,
			 GHashTable **outside, gboolean write, GCancellable *cancellable,
			 GError **error)
{
	for (guint s = 0; s < CS_SIDE_LAST && links != NULL; s++) {
		CsSide side = (CsSide)s;
		CsHorizon h;
		g_autoptr (GHashTable) listed = NULL;
		g_autoptr (GHashTable) removed = NULL;
		g_autoptr (GHashTable) linked = NULL;
		gboolean complete;
		guint moved = 0;

		if (sinks[s] == NULL || !cs_provider_get_horizon (providers[s], kind, &h)
		    || h.find_field == NULL)
			continue;
		complete = cs_read_sink_get_complete (sinks[s]);
		listed = g_hash_table_new (g_str_hash, g_str_equal);
		removed = g_hash_table_new (g_str_hash, g_str_equal);
		{
			GPtrArray *recs = cs_read_sink_get_records (sinks[s]);
			for (guint i = 0; i < recs->len; i++) {
				CsRecord *r = g_ptr_array_index (recs, i);
				if (cs_record_get_id (r) != NULL)
					g_hash_table_add (cs_record_is_deleted (r) ? removed : listed,
							  (gpointer)cs_record_get_id (r));
			}
		}
		linked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
		for (guint i = 0; i < links->len; i++) {
			const gchar *id = cs_link_get_id (g_ptr_array_index (links, i), side);
			if (id != NULL)
				g_hash_table_add (linked, g_strdup (id));
		}
		for (guint i = 0; i < links->len; i++) {
			CsLink *l = g_ptr_array_index (links, i);
			const gchar *id = cs_link_get_id (l, side);
			gboolean gone = side == CS_SIDE_CRM ? l->crm_gone : l->outlook_gone;
			g_autoptr (GHashTable) base = NULL;
			g_autoptr (CsRecord) was = NULL;
			g_autoptr (GPtrArray) found = NULL;
			g_autofree gchar *k = NULL;
			CsRecord *same = NULL;
			guint n_same = 0;
			GVariant *value;

			/* reported removed (a delta's tombstone: deleted, or moved
			 * away), or missing from a complete listing and not known
			 * to be outside it */
			if (id == NULL || gone || g_hash_table_contains (listed, id)
			    || (!g_hash_table_contains (removed, id)
				&& (!complete
				    || (outside[s] != NULL
					&& g_hash_table_contains (outside[s], id)))))
				continue;
			base = cs_mapping_values_from_string (l->snapshot);
			k = base != NULL ? cs_mapping_key_of (mapping, kind, key, base) : NULL;
			if (k == NULL)
				continue;
			was = as_side (mapping, kind, side, base);
			value = cs_record_get_field (was, h.find_field);
			if (value == NULL)
				continue;
			found = cs_provider_find (providers[s], kind, h.find_field, value, cancellable,
						  error);
			if (found == NULL) {
				g_prefix_error (error, _ ("looking for %s in %s: "),
						cs_kind_to_string (kind),
						cs_provider_get_name (providers[s]));
				return FALSE;
			}
			for (guint j = 0; j < found->len; j++) {
				CsRecord *f = g_ptr_array_index (found, j);
				g_autoptr (GHashTable) fv = NULL;
				g_autofree gchar *fk = NULL;
				if (cs_record_get_id (f) == NULL || cs_record_is_deleted (f)
				    || g_hash_table_contains (linked, cs_record_get_id (f)))
					continue;
				fv = cs_mapping_extract (mapping, kind, side, f);
				fk = cs_mapping_key_of (mapping, kind, key, fv);
				if (g_strcmp0 (fk, k) == 0) {
					same = f;
					n_same++;
				}
			}
			/* two look-alikes: which one it became is the user's to say */
			if (n_same != 1)
				continue;
			g_debug ("%s %s %s moved: now %s", cs_provider_get_name (providers[s]),
				 cs_kind_to_string (kind), id, cs_record_get_id (same));
			g_hash_table_add (linked, g_strdup (cs_record_get_id (same)));
			if (side == CS_SIDE_CRM) {
				g_free (l->crm_id);
				l->crm_id = g_strdup (cs_record_get_id (same));
				g_clear_pointer (&l->crm_version, g_free);
			} else {
				g_free (l->outlook_id);
				l->outlook_id = g_strdup (cs_record_get_id (same));
				g_clear_pointer (&l->outlook_version, g_free);
			}
			if (write && !cs_state_put_link (state, l, error))
				return FALSE;
			if (!g_hash_table_contains (listed, cs_record_get_id (same)))
				cs_read_sink_add (sinks[s], same);
			moved++;
		}
		if (moved > 0)
			g_debug ("%s: %u linked %s records found moved",
				 cs_provider_get_name (providers[s]), moved, cs_kind_to_string (kind));
	}
	return TRUE;
}

/**
 * cs_engine_review_prune:
 * @held: per side, the ids held for review (from the state); pruned in place
 * @write: drop the stale pairs from the state too (not on a dry run)
 *
 * A pair held for review whose record on a side is gone (not in a complete
 * listing of that side) holds nothing any more: its other record is free to
 * be synced again, else it would wait for a partner that no longer exists.
 */
gboolean
cs_engine_review_prune (CsState *state, CsReadSink **sinks, CsKind kind, GHashTable **held,
			gboolean write, GError **error)
{
	g_autoptr(GPtrArray) reviews = NULL;
	g_autoptr(GHashTable) listed_crm = NULL;
	g_autoptr(GHashTable) listed_outlook = NULL;
	GHashTable *listed[CS_SIDE_LAST] = {NULL, NULL};

	if (g_hash_table_size (held[CS_SIDE_CRM]) == 0 && g_hash_table_size (held[CS_SIDE_OUTLOOK]) == 0)
		return TRUE;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (sinks[s] != NULL && cs_read_sink_get_complete (sinks[s]))
			listed[s] = ids_of (cs_read_sink_get_records (sinks[s]));
	}
	listed_crm = listed[CS_SIDE_CRM];
	listed_outlook = listed[CS_SIDE_OUTLOOK];
	if (listed_crm == NULL && listed_outlook == NULL)
		return TRUE;
	reviews = cs_state_get_reviews (state, error);
	if (reviews == NULL)
		return FALSE;
	for (guint i = 0; i < reviews->len; i++) {
		CsReview *r = g_ptr_array_index (reviews, i);
		const gchar *ids[CS_SIDE_LAST] = {r->crm_id, r->outlook_id};
		gboolean stale = FALSE;
		if (r->kind != kind)
			continue;
		for (guint s = 0; s < CS_SIDE_LAST; s++)
			stale |= listed[s] != NULL && !g_hash_table_contains (listed[s], ids[s]);
		if (!stale)
			continue;
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			g_hash_table_remove (held[s], ids[s]);
			if (write && !cs_state_drop_reviews (state, kind, (CsSide) s, ids[s], error))
				return FALSE;
		}
	}
	return TRUE;
}
