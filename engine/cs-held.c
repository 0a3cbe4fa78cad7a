/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cs-held.h"
#include "cs-sync-plan.h"

/*
 * Records a run read but left alone. A side that lists by delta moves its
 * cursor past everything the run read; a record the run did not act on would
 * then not be seen again until it changes. That is right for what the run
 * settled (written, linked, found equal, skipped for a reason the user fixes
 * by editing the record), and wrong for what it held back:
 *  - an item the user unticked in the preview (or a one-way "Sync all" left
 *    out), or a record holding a field change the user unticked: held as
 *    "unselected", read again by id on the next run;
 *  - an unlinked record the kind's rules kept out (direction, condition, an
 *    e-mail older than "since"): held with the rules of that run, read
 *    again once the rules differ;
 *  - an e-mail skipped because no CRM person has its address: read again
 *    in a run that reads changed CRM persons.
 * The engine reads the due ones by id (CsProviderClass.get) or, where a
 * provider cannot, lists the kind in full.
 */

#define WHY_UNSELECTED "unselected"
#define WHY_UNMATCHED  "unmatched"

static gchar *
rules_of (const CsKindConfig *config)
{
	return g_strdup_printf ("rules:%s/%s/%s", cs_direction_to_string (config->direction),
				config->condition == CS_CONDITION_OWNED ? "owned" : "all",
				config->since != NULL ? config->since : "");
}

/* @rules: rules_of() the kind's config now (made once: every run asks for
 * each held record); @persons_changed: the CRM's persons changed in this run
 * (an e-mail skipped for want of a person with its address may find one now) */
static gboolean
is_due (const gchar *why, const gchar *rules, gboolean persons_changed)
{
	if (g_strcmp0 (why, WHY_UNSELECTED) == 0)
		return TRUE;
	if (g_strcmp0 (why, WHY_UNMATCHED) == 0)
		return persons_changed;
	return g_strcmp0 (why, rules) != 0;
}

/**
 * cs_held_due:
 *
 * Returns: (transfer full) (element-type utf8): the ids held on @side that
 *   this run must read again
 */
GPtrArray *
cs_held_due (CsState *state, CsSide side, CsKind kind, const CsKindConfig *config,
	     gboolean persons_changed, GError **error)
{
	g_autofree gchar *rules = rules_of (config);

	/* the state picks them: the records held under the rules of now (a
	 * fifth of a large CRM may be) are neither copied nor compared here */
	return cs_state_get_held_due (state, side, kind, WHY_UNSELECTED, WHY_UNMATCHED, rules,
				      persons_changed, error);
}

static gboolean
add_held_row (CsState *state, CsSide side, CsKind kind, GHashTable *rows, const gchar *rid,
	      GError **error)
{
	g_autoptr (GError) error_local = NULL;
	gchar *why;

	if (rid == NULL || g_hash_table_contains (rows, rid))
		return TRUE;
	why = cs_state_get_held_why (state, side, kind, rid, &error_local);
	if (error_local != NULL) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	if (why != NULL)
		g_hash_table_insert (rows, g_strdup (rid), why);
	return TRUE;
}

/* records to look up in the state from which one listing may be cheaper
 * than a query each (one query costs about what listing a few rows does);
 * CRMSYNC_HELD_MANY sets it for tests, so that both ways are tried */
static guint
many (void)
{
	const gchar *env = g_getenv ("CRMSYNC_HELD_MANY");
	if (env == NULL || env[0] == '\0')
		return 1000;
	return (guint) MIN (g_ascii_strtoull (env, NULL, 10), G_MAXUINT);
}

static void
want_add (GHashTable *want, const gchar *rid)
{
	if (rid != NULL)
		g_hash_table_add (want, (gpointer) rid);
}

/* the held rows a run can change: the due ones, and those of the records
 * it read, set aside or planned. Asked for one by one where they are few
 * next to what is held, else taken from one listing of all held rows (a
 * first sync of 100k asked 100k times for rows that did not exist) */
static GHashTable *
held_touched (CsState *state, CsSide side, CsKind kind, const gchar *rules,
	      gboolean persons_changed, CsReadSink *sink, GPtrArray *items, GError **error)
{
	g_autoptr (GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr (GHashTable) want = g_hash_table_new (g_str_hash, g_str_equal);
	g_autoptr (GPtrArray) due = cs_state_get_held_due (state, side, kind, WHY_UNSELECTED,
							   WHY_UNMATCHED, rules, persons_changed,
							   error);
	GPtrArray *records = cs_read_sink_get_records (sink);
	GPtrArray *aside = cs_read_sink_get_set_aside (sink);
	GHashTableIter iter;
	gpointer rid, why;
	gint64 n_held;

	if (due == NULL)
		return NULL;
	for (guint i = 0; i < due->len; i++)
		want_add (want, g_ptr_array_index (due, i));
	for (guint i = 0; records != NULL && i < records->len; i++)
		want_add (want, cs_record_get_id (g_ptr_array_index (records, i)));
	for (guint i = 0; i < aside->len; i++)
		want_add (want, g_ptr_array_index (aside, i));
	for (guint i = 0; items != NULL && i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		CsRecord *r = side == CS_SIDE_CRM ? it->crm : it->outlook;
		if (it->kind == kind && r != NULL)
			want_add (want, cs_record_get_id (r));
	}
	/* a count reads every held row too: only where many are asked for
	 * (a run that changed nothing stays O(changes)) */
	n_held = g_hash_table_size (want) >= many () ? cs_state_count_held (state, side, kind, error)
						  : G_MAXINT64;
	if (n_held < 0)
		return NULL;
	if ((guint64) n_held <= g_hash_table_size (want)) {
		g_autoptr (GHashTable) all = cs_state_get_held (state, side, kind, error);
		if (all == NULL)
			return NULL;
		g_hash_table_iter_init (&iter, all);
		while (g_hash_table_iter_next (&iter, &rid, &why))
			if (g_hash_table_contains (want, rid))
				g_hash_table_insert (rows, g_strdup (rid), g_strdup (why));
		return g_steal_pointer (&rows);
	}
	g_hash_table_iter_init (&iter, want);
	while (g_hash_table_iter_next (&iter, &rid, NULL))
		if (!add_held_row (state, side, kind, rows, rid, error))
			return NULL;
	return g_steal_pointer (&rows);
}

/**
 * cs_held_update:
 * @sink: what the run read of @kind on @side (the due held records included)
 * @items: (element-type CsPlanItem): the run's plan, as applied
 *
 * Called where the run moves the cursor of @side and @kind, in the same
 * transaction: what the run read is settled or held anew; what it did not
 * read stays held (it was not due).
 */
gboolean
cs_held_update (CsState *state, CsSide side, CsKind kind, const CsKindConfig *config,
		CsReadSink *sink, GPtrArray *items, gboolean delta, gboolean persons_changed,
		GError **error)
{
	g_autoptr (GHashTable) before = NULL;
	g_autoptr (GHashTable) held = NULL;
	g_autoptr (GHashTable) with_item = g_hash_table_new (g_str_hash, g_str_equal);
	g_autoptr (GHashTable) linked = NULL;
	g_autofree gchar *rules = rules_of (config);
	GPtrArray *records = cs_read_sink_get_records (sink);
	GHashTableIter iter;
	gpointer id, why;

	/* by delta, only the rows this run can change are read: the due ones and
	 * those of the records it read or planned; the rest stays as it is (a
	 * fifth of a large CRM may be held by the rules: a run that changed
	 * nothing read them all) */
	before = delta ? held_touched (state, side, kind, rules, persons_changed, sink, items, error)
		       : cs_state_get_held (state, side, kind, error);
	if (before == NULL)
		return FALSE;
	held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	/* a side listed in full every run shows every record again anyway */
	if (!delta)
		goto write;
	/* held and not due stays; due ones were asked for: read now, or gone */
	g_hash_table_iter_init (&iter, before);
	while (g_hash_table_iter_next (&iter, &id, &why))
		if (!is_due (why, rules, persons_changed))
			g_hash_table_replace (held, g_strdup (id), g_strdup (why));
	for (guint i = 0; records != NULL && i < records->len; i++)
		g_hash_table_remove (held, cs_record_get_id (g_ptr_array_index (records, i)));
	/* read, and taken out before planning by a rule (an e-mail before "since") */
	for (guint i = 0; i < cs_read_sink_get_set_aside (sink)->len; i++)
		g_hash_table_replace (
			held, g_strdup (g_ptr_array_index (cs_read_sink_get_set_aside (sink), i)),
			g_strdup (rules));

	for (guint i = 0; items != NULL && i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		CsRecord *r = side == CS_SIDE_CRM ? it->crm : it->outlook;
		if (it->kind != kind || r == NULL)
			continue;
		g_hash_table_add (with_item, (gpointer)cs_record_get_id (r));
		/* unticked, or holding a field change the user left out */
		if ((!it->selected || it->keep_version[side]) && !cs_record_is_deleted (r))
			g_hash_table_replace (held, g_strdup (cs_record_get_id (r)),
					      g_strdup (WHY_UNSELECTED));
		/* an e-mail whose person is not in the CRM yet */
		else if (kind == CS_KIND_EMAIL && it->action == CS_PLAN_SKIP && !it->excluded
			 && side == it->skip_side && !cs_record_is_deleted (r))
			g_hash_table_replace (held, g_strdup (cs_record_get_id (r)),
					      g_strdup (WHY_UNMATCHED));
	}
	/* an unlinked record without any item: the rules kept it out. Many to
	 * look at (a first sync's records, planned chunk by chunk, have no
	 * item here): the linked ids are listed once */
	if (records != NULL && records->len >= many () &&
	    (gint64) records->len >= cs_state_count_links (state, kind, side)) {
		linked = cs_state_get_linked_ids (state, kind, side, error);
		if (linked == NULL)
			return FALSE;
	}
	for (guint i = 0; records != NULL && i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		const gchar *rid = cs_record_get_id (r);
		gboolean is_linked;
		if (cs_record_is_deleted (r) || g_hash_table_contains (with_item, rid))
			continue;
		if (linked != NULL) {
			is_linked = g_hash_table_contains (linked, rid);
		} else {
			g_autoptr (CsLink) link = cs_state_get_link (state, kind, side, rid, NULL);
			is_linked = link != NULL;
		}
		if (!is_linked)
			g_hash_table_replace (held, g_strdup (rid), g_strdup (rules));
	}
write:
	/* only what differs is written: a one-way kind may hold many */
	g_hash_table_iter_init (&iter, before);
	while (g_hash_table_iter_next (&iter, &id, &why))
		if (!g_hash_table_contains (held, id)
		    && !cs_state_put_held (state, side, kind, id, NULL, error))
			return FALSE;
	g_hash_table_iter_init (&iter, held);
	while (g_hash_table_iter_next (&iter, &id, &why))
		if (g_strcmp0 (g_hash_table_lookup (before, id), why) != 0
		    && !cs_state_put_held (state, side, kind, id, why, error))
			return FALSE;
	return TRUE;
}
