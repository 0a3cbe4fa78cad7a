/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-json.h"
#include "cs-label.h"
#include "cs-planner.h"

/*
 * The planner is a pure function: changes + links + rules → plan. It reads
 * nothing and writes nothing, so every rule is tested with tables.
 */

typedef struct {
	const CsPlanInput *in;
	CsSyncPlan *plan;
	GHashTable *by_id[CS_SIDE_LAST];	/* id → CsRecord (borrowed) */
	GHashTable *handled[CS_SIDE_LAST];	/* ids dealt with */
} Planner;

gboolean
cs_planner_values_equal (GVariant *a, GVariant *b)
{
	return cs_value_equal (a, b);
}

#define label_fields cs_label_fields
#define name_pairs cs_label_name_pairs

static gchar *
make_label (const CsRecord *crm, const CsRecord *outlook, GHashTable *values)
{
	const CsRecord *recs[] = {outlook, crm};
	for (guint r = 0; r < G_N_ELEMENTS (recs); r++) {
		const CsRecord *rec = recs[r];
		if (rec == NULL || cs_record_is_deleted (rec))
			continue;
		for (guint i = 0; i < cs_label_n_name_pairs; i++) {
			const gchar *a = cs_record_get_string (rec, name_pairs[i][0]);
			const gchar *b = cs_record_get_string (rec, name_pairs[i][1]);
			if (a != NULL || b != NULL)
				return g_strstrip (g_strdup_printf ("%s %s", a ? a : "", b ? b : ""));
		}
		for (guint i = 0; label_fields[i] != NULL; i++) {
			const gchar *s = cs_record_get_string (rec, label_fields[i]);
			if (s != NULL && s[0] != '\0')
				return g_strdup (s);
		}
	}
	if (values != NULL) {
		for (guint i = 0; i < cs_label_n_name_pairs; i++) {
			GVariant *a = g_hash_table_lookup (values, name_pairs[i][0]);
			GVariant *b = g_hash_table_lookup (values, name_pairs[i][1]);
			const gchar *sa = a != NULL && g_variant_is_of_type (a, G_VARIANT_TYPE_STRING)
					      ? g_variant_get_string (a, NULL) : NULL;
			const gchar *sb = b != NULL && g_variant_is_of_type (b, G_VARIANT_TYPE_STRING)
					      ? g_variant_get_string (b, NULL) : NULL;
			if (sa != NULL || sb != NULL)
				return g_strstrip (g_strdup_printf ("%s %s", sa ? sa : "", sb ? sb : ""));
		}
		for (guint i = 0; label_fields[i] != NULL; i++) {
			GVariant *v = g_hash_table_lookup (values, label_fields[i]);
			if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
				return g_strdup (g_variant_get_string (v, NULL));
		}
	}
	if (outlook != NULL && cs_record_get_id (outlook) != NULL)
		return g_strdup (cs_record_get_id (outlook));
	if (crm != NULL && cs_record_get_id (crm) != NULL)
		return g_strdup (cs_record_get_id (crm));
	return g_strdup ("");
}

/**
 * cs_planner_label:
 *
 * Returns: (transfer full): what the user sees for a record: a name, a
 *   subject, else its id
 */
gchar *
cs_planner_label (const CsRecord *crm, const CsRecord *outlook)
{
	return make_label (crm, outlook, NULL);
}

static CsPlanItem *
item_new (Planner *p, CsPlanAction action, CsRecord *crm, CsRecord *outlook, const CsLink *link)
{
	CsPlanItem *it = cs_plan_item_new (p->in->kind, action);
	it->crm = crm != NULL ? cs_record_ref (crm) : NULL;
	it->outlook = outlook != NULL ? cs_record_ref (outlook) : NULL;
	it->link = link != NULL ? cs_link_copy (link) : NULL;
	return it;
}

static void
finish_item (Planner *p, CsPlanItem *it)
{
	if (it->label == NULL)
		it->label = make_label (it->crm, it->outlook, it->values);
	cs_sync_plan_add (p->plan, it);
}

static CsPlanItem *
skip_item (Planner *p, CsSide side, CsRecord *rec, const CsLink *link, const gchar *reason)
{
	CsPlanItem *it = item_new (p, CS_PLAN_SKIP, side == CS_SIDE_CRM ? rec : NULL,
				   side == CS_SIDE_OUTLOOK ? rec : NULL, link);
	it->skip_side = side;
	it->reason = g_strdup (reason);
	return it;
}

static GHashTable *
values_copy (GHashTable *src)
{
	GHashTable *dst = cs_mapping_values_new ();
	GHashTableIter iter;
	gpointer k, v;
	g_hash_table_iter_init (&iter, src);
	while (g_hash_table_iter_next (&iter, &k, &v))
		g_hash_table_insert (dst, g_strdup (k), g_variant_ref (v));
	return dst;
}

static void
values_set (GHashTable *values, const gchar *row, GVariant *v)
{
	if (v == NULL)
		g_hash_table_remove (values, row);
	else
		g_hash_table_replace (values, g_strdup (row), g_variant_ref (v));
}

/* every row id that any of the value sets knows, in a stable order */
static GPtrArray *
row_union (Planner *p, GHashTable *a, GHashTable *b, GHashTable *c)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
	GHashTable *sets[] = {a, b, c};
	GPtrArray *mrows = cs_mapping_get_rows (p->in->mapping, p->in->kind);

	for (guint i = 0; mrows != NULL && i < mrows->len; i++) {
		CsMappingRow *row = g_ptr_array_index (mrows, i);
		if (g_hash_table_add (seen, row->id))
			g_ptr_array_add (rows, g_strdup (row->id));
	}
	for (guint s = 0; s < G_N_ELEMENTS (sets); s++) {
		GHashTableIter iter;
		gpointer k;
		if (sets[s] == NULL)
			continue;
		g_hash_table_iter_init (&iter, sets[s]);
		while (g_hash_table_iter_next (&iter, &k, NULL)) {
			if (g_hash_table_add (seen, k))
				g_ptr_array_add (rows, g_strdup (k));
		}
	}
	g_ptr_array_sort (rows, cs_str_ptr_cmp);
	return rows;
}

/* a row whose field the side's provider cannot hold (Graph's To Do tasks
 * have no owner): that side is never sent it, and lacking it is no edit */
static gboolean
row_held (Planner *p, const gchar *row_id, CsSide side)
{
	GHashTable *fields = p->in->fields[side];
	GPtrArray *mrows;
	if (fields == NULL)
		return TRUE;
	mrows = cs_mapping_get_rows (p->in->mapping, p->in->kind);
	for (guint i = 0; mrows != NULL && i < mrows->len; i++) {
		CsMappingRow *row = g_ptr_array_index (mrows, i);
		const gchar *field = side == CS_SIDE_CRM ? row->crm : row->outlook[0];
		if (g_strcmp0 (row->id, row_id) == 0)
			return field == NULL || g_hash_table_contains (fields, field);
	}
	/* the identity mapping has no rows: a row is the field */
	return g_hash_table_contains (fields, row_id);
}

static gboolean
row_allows (Planner *p, const gchar *row_id, CsSide target)
{
	GPtrArray *mrows = cs_mapping_get_rows (p->in->mapping, p->in->kind);
	for (guint i = 0; mrows != NULL && i < mrows->len; i++) {
		CsMappingRow *row = g_ptr_array_index (mrows, i);
		if (g_strcmp0 (row->id, row_id) != 0)
			continue;
		if (row->one_way && row->only_to != target)
			return FALSE;
		if (target == CS_SIDE_CRM && row->crm == NULL)
			return FALSE;
		if (target == CS_SIDE_OUTLOOK && row->outlook[0] == NULL)
			return FALSE;
	}
	return row_held (p, row_id, target);
}

/* whether @side's values differ from @base in a row that side holds */
static gboolean
side_changed (Planner *p, CsSide side, GHashTable *values, GHashTable *base)
{
	g_autoptr(GPtrArray) rows = row_union (p, values, base, NULL);
	for (guint i = 0; i < rows->len; i++) {
		const gchar *r = g_ptr_array_index (rows, i);
		if (row_held (p, r, side) &&
		    !cs_value_equal (g_hash_table_lookup (values, r), g_hash_table_lookup (base, r)))
			return TRUE;
	}
	return FALSE;
}

static gchar **
rows_to_strv (GPtrArray *rows)
{
	if (rows->len == 0)
		return NULL;
	g_ptr_array_add (rows, NULL);
	return g_strdupv ((gchar **) rows->pdata);
}

static gboolean
allows (Planner *p, CsSide target)
{
	return cs_direction_allows (p->in->config->direction, target);
}

/* the winner of a field both sides changed */
static gint
winner_of (Planner *p, const CsRecord *crm, const CsRecord *outlook)
{
	CsDirection dir = p->in->config->direction;
	if (dir == CS_DIRECTION_CRM_TO_OUTLOOK)
		return CS_SIDE_CRM;
	if (dir == CS_DIRECTION_OUTLOOK_TO_CRM)
		return CS_SIDE_OUTLOOK;
	switch (p->in->conflict) {
	case CS_CONFLICT_OUTLOOK_WINS:
		return CS_SIDE_OUTLOOK;
	case CS_CONFLICT_NEWEST_WINS:
		if (crm != NULL && outlook != NULL &&
		    cs_record_get_modified (outlook) > cs_record_get_modified (crm))
			return CS_SIDE_OUTLOOK;
		return CS_SIDE_CRM;
	case CS_CONFLICT_MANUAL:
		return -1;
	case CS_CONFLICT_CRM_WINS:
	default:
		return CS_SIDE_CRM;
	}
}

static gchar *
value_json (GVariant *v)
{
	g_autoptr(JsonNode) n = cs_json_from_value (v);
	return cs_json_to_string (n, FALSE);
}

/* @lost, held on @side, is written over with @kept: reported and kept in
 * the state (DESIGN.md, Trust), never a silent overwrite */
static void
add_overwrite (CsPlanItem *it, CsSide side, const gchar *row, GVariant *kept, GVariant *lost)
{
	CsOverwrite *o;
	if (lost == NULL || cs_value_equal (kept, lost))
		return; /* nothing was there to lose */
	o = g_new0 (CsOverwrite, 1);
	o->side = side;
	o->field = g_strdup (row);
	o->kept = value_json (kept);
	o->lost = value_json (lost);
	if (it->overwritten == NULL)
		it->overwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_overwrite_free);
	g_ptr_array_add (it->overwritten, o);
}

/* a needed write to a side that cannot take it: say so, never fail silently */
static void
check_writable (Planner *p, CsPlanItem *it)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		gboolean needs = it->create[s] || it->delete[s] ||
				 (it->rows[s] != NULL && it->rows[s][0] != NULL);
		if (!needs || p->in->writable[s])
			continue;
		it->blocked[s] = g_strdup_printf (_("%s cannot be written (read-only): the change stays on the other side"),
						  p->in->side_name[s] != NULL ? p->in->side_name[s]
									      : cs_side_to_string ((CsSide) s));
		it->excluded = TRUE; /* a side that cannot be written is kept out by design */
		it->create[s] = FALSE;
		it->delete[s] = FALSE;
		g_clear_pointer (&it->rows[s], g_strfreev);
	}
}

/* a journalled create to @target whose values are all in @values, for a
 * record the target created with more than it was sent */
static CsJournalEntry *
journal_sent_within (GHashTable *journal_by_values, CsSide target, GHashTable *values)
{
	GHashTableIter iter;
	gpointer k, v;

	g_hash_table_iter_init (&iter, journal_by_values);
	while (g_hash_table_iter_next (&iter, &k, &v)) {
		CsJournalEntry *e = v;
		g_autoptr(GHashTable) sent = NULL;
		GHashTableIter fields;
		gpointer name, value;
		gboolean all = TRUE;
		if (e->target != target)
			continue;
		sent = cs_mapping_values_from_string (e->values);
		if (g_hash_table_size (sent) == 0)
			continue;
		g_hash_table_iter_init (&fields, sent);
		while (all && g_hash_table_iter_next (&fields, &name, &value))
			all = cs_value_equal (g_hash_table_lookup (values, name), value);
		if (all)
			return e;
	}
	return NULL;
}

static void
value_unref0 (gpointer v)
{
	if (v != NULL)
		g_variant_unref (v);
}

/* the rows a journalled update sent, a cleared row as %NULL (the values'
 * own reader leaves those out, and a clear is an edit like any other) */
static GHashTable *
journal_sent (const gchar *text)
{
	GHashTable *sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
						  value_unref0);
	g_autoptr(JsonParser) parser = json_parser_new ();
	JsonObject *obj;
	g_autoptr(GList) members = NULL;

	if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL) ||
	    json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
		return sent;
	obj = json_node_get_object (json_parser_get_root (parser));
	members = json_object_get_members (obj);
	for (GList *l = members; l != NULL; l = l->next) {
		g_autoptr(GVariant) raw = cs_json_to_value (json_object_get_member (obj, l->data));
		g_hash_table_insert (sent, g_strdup (l->data), cs_value_normalize (raw));
	}
	return sent;
}

/* the rows where a crashed run's journalled update to @target shows: they
 * become the base, so that the write is neither taken for a person's edit
 * nor lost to one. A row of @values (the extracted fields of @target_rec)
 * that holds what was sent is our own write. A row the target has changed
 * since, while the source (@source_values) still holds what was sent, was
 * edited after our write landed (or, had it not, concurrently and later):
 * the target's edit is the newer one, not a conflict the source wins. A
 * target that still holds the old value never got the write: nothing to take */
static void
base_take_journal (Planner *p, const CsLink *link, CsSide target, CsRecord *target_rec,
		   GHashTable *values, GHashTable *source_values, GHashTable *base)
{
	const gchar *tid = cs_link_get_id (link, target);

	if (target_rec == NULL || tid == NULL || values == NULL)
		return;
	for (guint j = 0; p->in->journal != NULL && j < p->in->journal->len; j++) {
		CsJournalEntry *e = g_ptr_array_index (p->in->journal, j);
		g_autoptr(GHashTable) sent = NULL;
		GHashTableIter iter;
		gpointer k, v;
		if (e->target != target || !g_str_has_prefix (e->source_id, CS_JOURNAL_UPDATE_PREFIX) ||
		    g_strcmp0 (e->source_id + strlen (CS_JOURNAL_UPDATE_PREFIX), tid) != 0)
			continue;
		sent = journal_sent (e->values);
		g_hash_table_iter_init (&iter, sent);
		while (g_hash_table_iter_next (&iter, &k, &v)) {
			GVariant *now = g_hash_table_lookup (values, k);
			if (cs_value_equal (now, v) ||
			    (source_values != NULL && cs_value_equal (g_hash_table_lookup (source_values, k), v) &&
			     !cs_value_equal (now, g_hash_table_lookup (base, k))))
				values_set (base, k, v);
		}
	}
}

static void
plan_deleted (Planner *p, const CsLink *link, CsSide gone_side, CsRecord *gone_rec,
	      CsRecord *other_rec, GHashTable *base)
{
	CsSide other = cs_side_other (gone_side);
	CsDeletePolicy policy = gone_side == CS_SIDE_CRM ? p->in->config->on_crm_delete
							 : p->in->config->on_outlook_delete;
	g_autoptr(GHashTable) ov = NULL;
	gboolean other_changed;
	CsPlanItem *it;
	CsRecord *crm = gone_side == CS_SIDE_CRM ? gone_rec : other_rec;
	CsRecord *outlook = gone_side == CS_SIDE_OUTLOOK ? gone_rec : other_rec;

	ov = other_rec != NULL ? cs_mapping_extract (p->in->mapping, p->in->kind, other, other_rec)
			       : values_copy (base);
	other_changed = other_rec != NULL && side_changed (p, other, ov, base);

	if (policy == CS_DELETE_PROPAGATE && !other_changed) {
		it = item_new (p, CS_PLAN_DELETE, crm, outlook, link);
		it->delete[other] = TRUE;
		it->forget = TRUE;
		it->values = g_steal_pointer (&ov);
	} else if (policy == CS_DELETE_IGNORE) {
		/* kept out of that side for good: later edits do not bring it back */
		it = item_new (p, CS_PLAN_FORGET, crm, outlook, link);
		it->gone[gone_side] = TRUE;
		it->values = values_copy (base);
	} else {
		/* restore; also a propagate whose other side was edited meanwhile: an
		 * edit is never lost to a deletion */
		it = item_new (p, CS_PLAN_RESTORE, crm, outlook, link);
		it->create[gone_side] = TRUE;
		it->values = g_steal_pointer (&ov);
	}
	check_writable (p, it);
	finish_item (p, it);
}

static GVariant *
decision_value (const gchar *json)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autoptr(GVariant) raw = NULL;
	if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
	    json_parser_get_root (parser) == NULL || JSON_NODE_HOLDS_NULL (json_parser_get_root (parser)))
		return NULL;
	raw = cs_json_to_value (json_parser_get_root (parser));
	return raw != NULL ? cs_value_normalize (raw) : NULL;
}

/* a row the user decided (`resolve`): the value kept goes to each side that
 * does not hold it. A side not read this run (a delta listing leaves out
 * what did not change) still holds what it held when the conflict was seen */
static gboolean
plan_decided (Planner *p, GPtrArray *decided, const gchar *r, CsRecord **rec, GHashTable **cur,
	      GHashTable *merged, GPtrArray **write_rows)
{
	CsDecision *d = NULL;
	GVariant *held[CS_SIDE_LAST] = {NULL, NULL};
	g_autoptr(GVariant) typed = NULL;
	GVariant *keep;

	for (guint i = 0; i < decided->len && d == NULL; i++) {
		CsDecision *c = g_ptr_array_index (decided, i);
		if (g_strcmp0 (c->field, r) == 0)
			d = c;
	}
	if (d == NULL)
		return FALSE;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		GVariant *v = rec[s] != NULL ? g_hash_table_lookup (cur[s], r) : NULL;
		held[s] = rec[s] != NULL ? (v != NULL ? g_variant_ref (v) : NULL)
					 : decision_value (d->side_value[s]);
	}
	if (d->winner == CS_SIDE_CRM || d->winner == CS_SIDE_OUTLOOK) {
		keep = held[d->winner];
	} else {
		typed = decision_value (d->value);
		keep = typed;
	}
	values_set (merged, r, keep);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (!cs_value_equal (held[s], keep) && row_allows (p, r, (CsSide) s))
			g_ptr_array_add (write_rows[s], g_strdup (r));
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		g_clear_pointer (&held[s], g_variant_unref);
	return TRUE;
}

static void
plan_linked (Planner *p, const CsLink *link)
{
	CsRecord *rec[CS_SIDE_LAST] = {NULL, NULL};
	gboolean del[CS_SIDE_LAST] = {FALSE, FALSE};
	g_autoptr (GHashTable) base = NULL;
	GHashTable *cur[CS_SIDE_LAST] = {NULL, NULL};
	g_autoptr(GHashTable) merged = NULL;
	g_autoptr(GPtrArray) all_rows = NULL;
	GPtrArray *write_rows[CS_SIDE_LAST] = {NULL, NULL};
	CsPlanItem *it;
	gboolean gone[CS_SIDE_LAST] = {link->crm_gone, link->outlook_gone};
	GPtrArray *decided = p->in->decisions != NULL && link->outlook_id != NULL
				 ? g_hash_table_lookup (p->in->decisions, link->outlook_id)
				 : NULL;

	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		const gchar *id = cs_link_get_id (link, (CsSide) s);
		if (id == NULL)
			continue;
		g_hash_table_add (p->handled[s], (gpointer) id);
		rec[s] = g_hash_table_lookup (p->by_id[s], id);
		if (rec[s] == NULL && p->in->complete[s] && !gone[s] &&
		    !(p->in->outside[s] != NULL && g_hash_table_contains (p->in->outside[s], id)))
			del[s] = TRUE; /* not listed in a complete listing: gone */
		else if (rec[s] != NULL && cs_record_is_deleted (rec[s]))
			del[s] = TRUE;
		/* our own write coming back, or nothing new */
		if (rec[s] != NULL && !del[s] && decided == NULL && cs_record_get_version (rec[s]) != NULL &&
		    g_strcmp0 (cs_record_get_version (rec[s]), cs_link_get_version (link, (CsSide) s)) == 0)
			rec[s] = NULL;
	}

	/* a side kept out (policy ignore) takes no part any more */
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsSide o = cs_side_other ((CsSide) s);
		if (!gone[s])
			continue;
		if (del[o] || gone[o]) {
			it = item_new (p, CS_PLAN_FORGET, rec[CS_SIDE_CRM], rec[CS_SIDE_OUTLOOK], link);
			it->forget = TRUE;
			finish_item (p, it);
		}
		return;
	}

	if (del[CS_SIDE_CRM] && del[CS_SIDE_OUTLOOK]) {
		it = item_new (p, CS_PLAN_FORGET, rec[CS_SIDE_CRM], rec[CS_SIDE_OUTLOOK], link);
		it->forget = TRUE;
		finish_item (p, it);
		return;
	}
	if (!del[CS_SIDE_CRM] && !del[CS_SIDE_OUTLOOK] && rec[CS_SIDE_CRM] == NULL
	    && rec[CS_SIDE_OUTLOOK] == NULL && decided == NULL)
		return; /* as the link left it: its snapshot is not even read */
	base = cs_mapping_values_from_string (link->snapshot);
	if (del[CS_SIDE_CRM] || del[CS_SIDE_OUTLOOK]) {
		CsSide g = del[CS_SIDE_CRM] ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;
		CsSide o = cs_side_other (g);
		CsRecord *gone_rec = rec[g];
		g_autoptr(CsRecord) tomb = NULL;
		if (gone_rec == NULL) {
			tomb = cs_record_new_tombstone (p->in->kind, cs_link_get_id (link, g));
			gone_rec = tomb;
		}
		/* a crashed run's update to the side that is left is not an edit
		 * that should keep the record alive (the soak found deletions
		 * restored this way) */
		if (rec[o] != NULL) {
			g_autoptr(GHashTable) ov =
			    cs_mapping_extract (p->in->mapping, p->in->kind, o, rec[o]);
			base_take_journal (p, link, o, rec[o], ov, NULL, base);
		}
		plan_deleted (p, link, g, gone_rec, rec[o], base);
		return;
	}
	if (rec[CS_SIDE_CRM] == NULL && rec[CS_SIDE_OUTLOOK] == NULL && decided == NULL)
		return;

	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		cur[s] = rec[s] != NULL ? cs_mapping_extract (p->in->mapping, p->in->kind, (CsSide) s, rec[s])
					: values_copy (base);
		write_rows[s] = g_ptr_array_new_with_free_func (g_free);
	}
	/* an update a crashed run wrote: the rows that hold what it sent are ours,
	 * the new base (else an edit made since on the other side would lose
	 * against our own write) */
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		base_take_journal (p, link, (CsSide) s, rec[s], cur[s], cur[cs_side_other ((CsSide) s)],
				   base);
	merged = values_copy (base);
	all_rows = row_union (p, base, cur[CS_SIDE_CRM], cur[CS_SIDE_OUTLOOK]);
	it = item_new (p, CS_PLAN_UPDATE, rec[CS_SIDE_CRM], rec[CS_SIDE_OUTLOOK], link);

	for (guint i = 0; i < all_rows->len; i++) {
		const gchar *r = g_ptr_array_index (all_rows, i);
		GVariant *b = g_hash_table_lookup (base, r);
		GVariant *x = g_hash_table_lookup (cur[CS_SIDE_CRM], r);
		GVariant *y = g_hash_table_lookup (cur[CS_SIDE_OUTLOOK], r);
		gboolean ch[CS_SIDE_LAST];
		ch[CS_SIDE_CRM] = rec[CS_SIDE_CRM] != NULL && !cs_value_equal (x, b) &&
				  row_held (p, r, CS_SIDE_CRM);
		ch[CS_SIDE_OUTLOOK] = rec[CS_SIDE_OUTLOOK] != NULL && !cs_value_equal (y, b) &&
				      row_held (p, r, CS_SIDE_OUTLOOK);

		if (decided != NULL && plan_decided (p, decided, r, rec, cur, merged, write_rows))
			continue;
		if (!ch[CS_SIDE_CRM] && !ch[CS_SIDE_OUTLOOK])
			continue;
		if (ch[CS_SIDE_CRM] && ch[CS_SIDE_OUTLOOK] && cs_value_equal (x, y)) {
			values_set (merged, r, x); /* both made the same change */
			continue;
		}
		if (ch[CS_SIDE_CRM] != ch[CS_SIDE_OUTLOOK]) {
			CsSide from = ch[CS_SIDE_CRM] ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;
			CsSide to = cs_side_other (from);
			GVariant *v = from == CS_SIDE_CRM ? x : y;
			if (allows (p, to)) {
				if (row_allows (p, r, to)) {
					values_set (merged, r, v);
					g_ptr_array_add (write_rows[to], g_strdup (r));
				} else {
					values_set (merged, r, v);
				}
			} else if (to == CS_SIDE_OUTLOOK) {
				/* one way to the CRM: a CRM edit is overwritten by Outlook's value */
				if (row_allows (p, r, CS_SIDE_CRM)) {
					g_ptr_array_add (write_rows[CS_SIDE_CRM], g_strdup (r));
					add_overwrite (it, CS_SIDE_CRM, r, g_hash_table_lookup (merged, r), x);
				}
			} else {
				/* one way to Outlook: an Outlook edit stays there, not sent */
			}
			continue;
		}
		/* both changed, differently */
		{
			gint w = winner_of (p, rec[CS_SIDE_CRM], rec[CS_SIDE_OUTLOOK]);
			if (w < 0) {
				CsConflict *c = g_new0 (CsConflict, 1);
				c->kind = p->in->kind;
				c->outlook_id = g_strdup (link->outlook_id);
				c->crm_id = g_strdup (link->crm_id);
				c->field = g_strdup (r);
				c->crm_value = value_json (x);
				c->outlook_value = value_json (y);
				c->base_value = value_json (b);
				if (it->conflicts == NULL)
					it->conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_conflict_free);
				g_ptr_array_add (it->conflicts, c);
				continue; /* the snapshot keeps the base: seen again until resolved */
			}
			values_set (merged, r, w == CS_SIDE_CRM ? x : y);
			if (row_allows (p, r, cs_side_other ((CsSide) w))) {
				g_ptr_array_add (write_rows[cs_side_other ((CsSide) w)], g_strdup (r));
				add_overwrite (it, cs_side_other ((CsSide) w), r, w == CS_SIDE_CRM ? x : y,
					       w == CS_SIDE_CRM ? y : x);
			}
		}
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		it->rows[s] = rows_to_strv (write_rows[s]);
		g_ptr_array_unref (write_rows[s]);
		g_hash_table_unref (cur[s]);
	}
	it->values = g_steal_pointer (&merged);
	if (it->conflicts != NULL && it->rows[CS_SIDE_CRM] == NULL && it->rows[CS_SIDE_OUTLOOK] == NULL)
		it->action = CS_PLAN_CONFLICT;
	else if (it->rows[CS_SIDE_CRM] == NULL && it->rows[CS_SIDE_OUTLOOK] == NULL)
		it->action = CS_PLAN_REFRESH;
	check_writable (p, it);
	finish_item (p, it);
}

static gboolean
owned_by_me (Planner *p, CsRecord *crm)
{
	const gchar *field;
	GVariant *v;
	g_autofree gchar *text = NULL;
	if (p->in->config->condition != CS_CONDITION_OWNED || p->in->owner == NULL)
		return TRUE;
	field = cs_mapping_get_owner_field (p->in->mapping, p->in->kind);
	if (field == NULL)
		field = "owner";
	v = cs_record_get_field (crm, field);
	if (v == NULL)
		return FALSE;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return g_strcmp0 (g_variant_get_string (v, NULL), p->in->owner) == 0;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64)) {
		text = g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (v));
		return g_strcmp0 (text, p->in->owner) == 0;
	}
	return FALSE;
}

/* two records never seen together: the same item on both sides */
static void
plan_link (Planner *p, CsRecord *crm, CsRecord *outlook, GHashTable *cv, GHashTable *ov)
{
	g_autoptr(GHashTable) merged = cs_mapping_values_new ();
	g_autoptr(GPtrArray) all_rows = row_union (p, NULL, cv, ov);
	GPtrArray *write_rows[CS_SIDE_LAST] = {g_ptr_array_new_with_free_func (g_free),
					       g_ptr_array_new_with_free_func (g_free)};
	CsPlanItem *it = item_new (p, CS_PLAN_LINK, crm, outlook, NULL);
	gint w = winner_of (p, crm, outlook);

	/* no common past to merge against: the CRM's values win where both
	 * have one (the Oro tables), unless the profile says Outlook wins */
	if (w < 0)
		w = CS_SIDE_CRM;
	for (guint i = 0; i < all_rows->len; i++) {
		const gchar *r = g_ptr_array_index (all_rows, i);
		GVariant *x = g_hash_table_lookup (cv, r);
		GVariant *y = g_hash_table_lookup (ov, r);
		CsSide from;
		if (cs_value_equal (x, y)) {
			values_set (merged, r, x);
			continue;
		}
		if (x == NULL)
			from = CS_SIDE_OUTLOOK;
		else if (y == NULL)
			from = CS_SIDE_CRM;
		else
			from = (CsSide) w;
		if (!allows (p, cs_side_other (from))) {
			/* a one-way profile only writes the other way */
			from = cs_side_other (from);
		}
		values_set (merged, r, from == CS_SIDE_CRM ? x : y);
		if (allows (p, cs_side_other (from)) && row_allows (p, r, cs_side_other (from))) {
			g_ptr_array_add (write_rows[cs_side_other (from)], g_strdup (r));
			/* linked at first sight, a value on both sides: one is written over */
			add_overwrite (it, cs_side_other (from), r, from == CS_SIDE_CRM ? x : y,
				       from == CS_SIDE_CRM ? y : x);
		}
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		it->rows[s] = rows_to_strv (write_rows[s]);
		g_ptr_array_unref (write_rows[s]);
	}
	it->values = g_steal_pointer (&merged);
	check_writable (p, it);
	finish_item (p, it);
}

static void
plan_create (Planner *p, CsSide target, CsRecord *src, GHashTable *values)
{
	CsSide from = cs_side_other (target);
	CsPlanItem *it = item_new (p, CS_PLAN_CREATE, from == CS_SIDE_CRM ? src : NULL,
				   from == CS_SIDE_OUTLOOK ? src : NULL, NULL);
	it->create[target] = TRUE;
	/* shared, not copied: the planner reads @values no more once it is planned */
	it->values = g_hash_table_ref (values);
	check_writable (p, it);
	if (it->blocked[target] != NULL) {
		it->excluded = TRUE; /* a side that cannot be written (a PST) */
		it->action = CS_PLAN_SKIP;
		it->skip_side = from;
		it->reason = g_strdup (it->blocked[target]);
	}
	finish_item (p, it);
}

static gboolean
in_set (GHashTable *set, const gchar *id)
{
	return set != NULL && id != NULL && g_hash_table_contains (set, id);
}

static gchar *
folded_text (GVariant *v)
{
	g_autoptr(GVariant) n = cs_value_normalize (v);
	if (n == NULL)
		return NULL;
	if (g_variant_is_of_type (n, G_VARIANT_TYPE_STRING))
		return g_utf8_casefold (g_variant_get_string (n, NULL), -1);
	{
		g_autofree gchar *t = g_variant_print (n, FALSE);
		return g_utf8_casefold (t, -1);
	}
}

/* the key rows that name a record (a contact's first and last name; else the
 * key's first row: a subject, a title) */
static GPtrArray *
name_rows (const gchar *const *key)
{
	GPtrArray *rows = g_ptr_array_new ();
	for (guint i = 0; key != NULL && key[i] != NULL; i++) {
		g_autofree gchar *f = g_ascii_strdown (key[i], -1);
		if (strstr (f, "name") != NULL)
			g_ptr_array_add (rows, (gpointer) key[i]);
	}
	if (rows->len == 0 && key != NULL && key[0] != NULL)
		g_ptr_array_add (rows, (gpointer) key[0]);
	return rows;
}

/* the names, case-folded, or %NULL when one is blank */
static gchar *
names_of (GPtrArray *names, GHashTable *values)
{
	GString *s = g_string_new (NULL);
	for (guint i = 0; i < names->len; i++) {
		g_autofree gchar *t = folded_text (g_hash_table_lookup (values, names->pdata[i]));
		if (t == NULL) {
			g_string_free (s, TRUE);
			return NULL;
		}
		g_string_append (s, t);
		g_string_append_c (s, '\x1f');
	}
	return g_string_free (s, FALSE);
}

/* every other key row equal, or blank on one side: nothing contradicts */
static gboolean
no_key_conflict (const gchar *const *key, GHashTable *a, GHashTable *b)
{
	for (guint i = 0; key != NULL && key[i] != NULL; i++) {
		g_autofree gchar *x = folded_text (g_hash_table_lookup (a, key[i]));
		g_autofree gchar *y = folded_text (g_hash_table_lookup (b, key[i]));
		if (x != NULL && y != NULL && g_strcmp0 (x, y) != 0)
			return FALSE;
	}
	return TRUE;
}

/* a contact's e-mail addresses, case-folded (rows whose name says mail) */
static GPtrArray *
addresses_of (Planner *p, GHashTable *values)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	GHashTableIter iter;
	gpointer k, v;
	if (p->in->kind != CS_KIND_CONTACT)
		return out;
	g_hash_table_iter_init (&iter, values);
	while (g_hash_table_iter_next (&iter, &k, &v)) {
		g_autofree gchar *row = g_ascii_strdown (k, -1);
		if (strstr (row, "mail") == NULL)
			continue;
		if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY)) {
			for (gsize i = 0; i < g_variant_n_children (v); i++) {
				const gchar *s;
				g_variant_get_child (v, i, "&s", &s);
				g_autofree gchar *t = g_strstrip (g_strdup (s));
				if (t[0] != '\0')
					g_ptr_array_add (out, g_utf8_casefold (t, -1));
			}
		} else if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) &&
			   g_variant_get_string (v, NULL)[0] != '\0') {
			g_ptr_array_add (out, g_utf8_casefold (g_variant_get_string (v, NULL), -1));
		}
	}
	return out;
}

static void
queue_free0 (gpointer q)
{
	g_queue_free (q);
}

static void
index_add (GHashTable *index, gchar *key, guint idx)
{
	GQueue *q = g_hash_table_lookup (index, key);
	if (q == NULL) {
		q = g_queue_new ();
		g_hash_table_insert (index, key, q);
	} else {
		g_free (key);
	}
	g_queue_push_tail (q, GUINT_TO_POINTER (idx + 1));
}

/* the first Outlook record in @q that is still free and passes @check */
static gint
take_free (GQueue *q, GHashTable *taken, GPtrArray *outs, const gchar *const *key,
	   GHashTable *cv, GPtrArray *out_values, gboolean check)
{
	for (GList *l = q != NULL ? q->head : NULL; l != NULL; l = l->next) {
		guint idx = GPOINTER_TO_UINT (l->data) - 1;
		if (g_hash_table_contains (taken, g_ptr_array_index (outs, idx)))
			continue;
		if (check && !no_key_conflict (key, cv, g_ptr_array_index (out_values, idx)))
			continue;
		return (gint) idx;
	}
	return -1;
}

/*
 * Matching that does better than the strict key: the names equal and no
 * other key field contradicting (blank on one side: an Outlook contact rarely
 * has a gender), or an equal e-mail address. Such a pair is probably one
 * person, but a wrong link would merge two people and a conflict rule would
 * overwrite one with the other: it is held for the user (`duplicates`,
 * `link`, `unlink`), and neither record is created on the other side.
 */
static void
hold_probable (Planner *p, GPtrArray *crms, GPtrArray *cvs, GPtrArray *outs, GPtrArray *out_values,
	       GHashTable *taken, GHashTable *held_crm)
{
	const gchar *const *key = p->in->key;
	g_autoptr(GPtrArray) names = name_rows (key);
	g_autoptr(GHashTable) by_name =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, queue_free0);
	g_autoptr(GHashTable) by_mail =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, queue_free0);

	for (guint i = 0; i < outs->len; i++) {
		CsRecord *o = g_ptr_array_index (outs, i);
		GHashTable *ov = g_ptr_array_index (out_values, i);
		g_autoptr(GPtrArray) mails = NULL;
		gchar *n;
		if (g_hash_table_contains (taken, o) ||
		    g_hash_table_contains (p->handled[CS_SIDE_OUTLOOK], cs_record_get_id (o)))
			continue;
		n = names->len > 0 ? names_of (names, ov) : NULL;
		if (n != NULL)
			index_add (by_name, n, i);
		mails = addresses_of (p, ov);
		for (guint m = 0; m < mails->len; m++)
			index_add (by_mail, g_strdup (mails->pdata[m]), i);
	}
	for (guint i = 0; i < crms->len; i++) {
		CsRecord *c = g_ptr_array_index (crms, i);
		GHashTable *cv = g_ptr_array_index (cvs, i);
		g_autofree gchar *n = names->len > 0 ? names_of (names, cv) : NULL;
		g_autoptr(GPtrArray) mails = addresses_of (p, cv);
		const gchar *reason = NULL;
		gint idx = -1;
		CsRecord *o;
		CsPlanItem *it;

		if (n != NULL) {
			idx = take_free (g_hash_table_lookup (by_name, n), taken, outs, key, cv, out_values,
					 TRUE);
			/* TRANSLATORS: why two records are held for review */
			reason = N_("the same name, other key fields blank on one side");
		}
		for (guint m = 0; idx < 0 && m < mails->len; m++) {
			idx = take_free (g_hash_table_lookup (by_mail, mails->pdata[m]), taken, outs, key, cv,
					 out_values, FALSE);
			reason = N_("the same e-mail address");
		}
		if (idx < 0)
			continue;
		o = g_ptr_array_index (outs, idx);
		g_hash_table_add (taken, o);
		g_hash_table_add (held_crm, c);
		it = item_new (p, CS_PLAN_REVIEW, c, o, NULL);
		it->reason = g_strdup (_(reason));
		finish_item (p, it);
	}
}

/* the records of one side that no link holds and nothing handled yet */
static void
collect_unlinked (Planner *p, CsSide s, GPtrArray *records, GHashTable *linked, GPtrArray *out)
{
	for (guint i = 0; records != NULL && i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		const gchar *id = cs_record_get_id (r);
		if (cs_record_is_deleted (r) || g_hash_table_contains (linked, id) ||
		    g_hash_table_contains (p->handled[s], id) || in_set (p->in->alone[s], id))
			continue;
		/* later duplicates of an id replace earlier ones */
		if (g_hash_table_lookup (p->by_id[s], id) != r)
			continue;
		g_ptr_array_add (out, r);
	}
}

/* the unlinked Outlook records by key, each with its values */
static GHashTable *
index_outlook (Planner *p, GPtrArray *unlinked_out, GPtrArray *out_values)
{
	const CsPlanInput *in = p->in;
	GHashTable *key_index =
	    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_queue_free);
	for (guint i = 0; i < unlinked_out->len; i++) {
		CsRecord *o = g_ptr_array_index (unlinked_out, i);
		GHashTable *ov = cs_mapping_extract (in->mapping, in->kind, CS_SIDE_OUTLOOK, o);
		gchar *key = NULL;
		g_ptr_array_add (out_values, ov);
		if (g_hash_table_contains (p->handled[CS_SIDE_OUTLOOK], cs_record_get_id (o)))
			continue;
		key = cs_mapping_key_of (in->mapping, in->kind, in->key, ov);
		if (key != NULL)
			index_add (key_index, key, i);
	}
	return key_index;
}

/* 3. key matching of unlinked CRM records against the unlinked Outlook
 * records (@matched_out: those taken, by this call or an earlier one), 4.
 * probable matches held for review, then what is left is created in Outlook */
static void
plan_unlinked_crm (Planner *p, GPtrArray *unlinked_crm, GPtrArray *unlinked_out,
		   GPtrArray *out_values, GHashTable *key_index, GHashTable *matched_out)
{
	const CsPlanInput *in = p->in;
	g_autoptr(GPtrArray) unmatched_crm = g_ptr_array_new ();
	g_autoptr(GPtrArray) unmatched_cv = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
	g_autoptr(GHashTable) held_crm = g_hash_table_new (NULL, NULL);

	for (guint i = 0; i < unlinked_crm->len; i++) {
		CsRecord *c = g_ptr_array_index (unlinked_crm, i);
		g_autoptr(GHashTable) cv = NULL;
		g_autofree gchar *key = NULL;
		GQueue *q;

		if (g_hash_table_contains (p->handled[CS_SIDE_CRM], cs_record_get_id (c)))
			continue;
		cv = cs_mapping_extract (in->mapping, in->kind, CS_SIDE_CRM, c);
		key = cs_mapping_key_of (in->mapping, in->kind, in->key, cv);
		q = key != NULL ? g_hash_table_lookup (key_index, key) : NULL;
		/* another user's record (outside an "owned by me" horizon) that
		 * Outlook holds too is the same record: linked, never created in
		 * the CRM a second time */
		if (q != NULL && !g_queue_is_empty (q)) {
			guint idx = GPOINTER_TO_UINT (g_queue_pop_head (q)) - 1;
			CsRecord *o = g_ptr_array_index (unlinked_out, idx);
			g_hash_table_add (matched_out, o);
			plan_link (p, c, o, cv, g_ptr_array_index (out_values, idx));
			continue;
		}
		g_ptr_array_add (unmatched_crm, c);
		g_ptr_array_add (unmatched_cv, g_steal_pointer (&cv));
	}
	/* 4. probable matches: held for the user's review, never created twice */
	if (in->match == CS_MATCH_REVIEW && unmatched_crm->len > 0)
		hold_probable (p, unmatched_crm, unmatched_cv, unlinked_out, out_values, matched_out,
			       held_crm);
	for (guint i = 0; i < unmatched_crm->len; i++) {
		CsRecord *c = g_ptr_array_index (unmatched_crm, i);
		GHashTable *cv = g_ptr_array_index (unmatched_cv, i);
		g_autofree gchar *reason = NULL;

		if (g_hash_table_contains (held_crm, c) || in_set (in->held[CS_SIDE_CRM], cs_record_get_id (c)))
			continue; /* waits for the user's review */
		if (!owned_by_me (p, c))
			continue; /* not this user's: not sent to Outlook (condition=owned) */
		if (!allows (p, CS_SIDE_OUTLOOK))
			continue;
		if (!cs_mapping_allows_to_outlook (in->mapping, in->kind, c, &reason)) {
			CsPlanItem *skip = skip_item (p, CS_SIDE_CRM, c, NULL, reason);
			skip->excluded = TRUE; /* by design (completed activities), not to fix */
			finish_item (p, skip);
			continue;
		}
		plan_create (p, CS_SIDE_OUTLOOK, c, cv);
	}
}

/* the unlinked Outlook records nothing took: created in the CRM */
static void
plan_unlinked_outlook (Planner *p, GPtrArray *unlinked_out, GPtrArray *out_values,
		       GHashTable *matched_out)
{
	const CsPlanInput *in = p->in;
	for (guint i = 0; i < unlinked_out->len; i++) {
		CsRecord *o = g_ptr_array_index (unlinked_out, i);
		g_autofree gchar *reason = NULL;
		const gchar *skip;
		if (g_hash_table_contains (matched_out, o) ||
		    g_hash_table_contains (p->handled[CS_SIDE_OUTLOOK], cs_record_get_id (o)) ||
		    in_set (in->held[CS_SIDE_OUTLOOK], cs_record_get_id (o)))
			continue;
		if (!allows (p, CS_SIDE_CRM))
			continue;
		skip = cs_record_get_string (o, CS_PLANNER_EXCLUDE_FIELD);
		if (skip != NULL) {
			CsPlanItem *out = skip_item (p, CS_SIDE_OUTLOOK, o, NULL, skip);
			out->excluded = TRUE;
			finish_item (p, out);
			continue;
		}
		skip = cs_record_get_string (o, CS_PLANNER_WAIT_FIELD);
		if (skip != NULL) {
			CsPlanItem *wait = skip_item (p, CS_SIDE_OUTLOOK, o, NULL, skip);
			wait->waiting = TRUE;
			finish_item (p, wait);
			continue;
		}
		skip = cs_record_get_string (o, CS_PLANNER_SKIP_FIELD);
		if (skip != NULL) {
			finish_item (p, skip_item (p, CS_SIDE_OUTLOOK, o, NULL, skip));
			continue;
		}
		if (!cs_mapping_check_to_crm (in->mapping, in->kind, o, &reason)) {
			finish_item (p, skip_item (p, CS_SIDE_OUTLOOK, o, NULL, reason));
			continue;
		}
		plan_create (p, CS_SIDE_CRM, o, g_ptr_array_index (out_values, i));
	}
}

/* 1. a link not planned yet, unless another link took one of its records */
static void
plan_link_once (Planner *p, CsLink *l)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		const gchar *id = cs_link_get_id (l, (CsSide) s);
		if (id != NULL && g_hash_table_contains (p->handled[s], id))
			return;
	}
	plan_linked (p, l);
}

static void
planner_init (Planner *p, const CsPlanInput *in, CsSyncPlan *plan, GHashTable **linked)
{
	*p = (Planner){in, plan, {NULL, NULL}, {NULL, NULL}};
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		p->by_id[s] = g_hash_table_new (g_str_hash, g_str_equal);
		p->handled[s] = g_hash_table_new (g_str_hash, g_str_equal);
		linked[s] = g_hash_table_new (g_str_hash, g_str_equal);
		for (guint i = 0; in->records[s] != NULL && i < in->records[s]->len; i++) {
			CsRecord *r = g_ptr_array_index (in->records[s], i);
			g_hash_table_replace (p->by_id[s], (gpointer) cs_record_get_id (r), r);
		}
		for (guint i = 0; in->links != NULL && i < in->links->len; i++) {
			const gchar *id = cs_link_get_id (g_ptr_array_index (in->links, i), (CsSide) s);
			if (id != NULL)
				g_hash_table_add (linked[s], (gpointer) id);
		}
	}
}

static void
planner_clear (Planner *p, GHashTable **linked)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_clear_pointer (&p->by_id[s], g_hash_table_unref);
		g_clear_pointer (&p->handled[s], g_hash_table_unref);
		g_clear_pointer (&linked[s], g_hash_table_unref);
	}
}

void
cs_planner_plan (const CsPlanInput *in, CsSyncPlan *plan)
{
	Planner p;
	GHashTable *linked[CS_SIDE_LAST] = {NULL, NULL};
	g_autoptr(GHashTable) journal_by_values = NULL;
	g_autoptr(GHashTable) key_index = NULL;
	g_autoptr(GPtrArray) unlinked_crm = g_ptr_array_new ();
	g_autoptr(GPtrArray) unlinked_out = g_ptr_array_new ();
	g_autoptr(GPtrArray) out_values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
	g_autoptr(GHashTable) matched_out = g_hash_table_new (NULL, NULL);

	if (in->config->direction == CS_DIRECTION_NONE)
		return;
	planner_init (&p, in, plan, linked);

	/* 1. records already linked */
	for (guint i = 0; in->links != NULL && i < in->links->len; i++)
		plan_link_once (&p, g_ptr_array_index (in->links, i));

	/* 2. creates sent before a crash: find them by content on their target */
	if (in->journal != NULL && in->journal->len > 0) {
		journal_by_values = g_hash_table_new (g_str_hash, g_str_equal);
		for (guint i = 0; i < in->journal->len; i++) {
			CsJournalEntry *e = g_ptr_array_index (in->journal, i);
			if (e->values != NULL && !g_str_has_prefix (e->source_id, CS_JOURNAL_UPDATE_PREFIX))
				g_hash_table_insert (journal_by_values, e->values, e);
		}
	}

	collect_unlinked (&p, CS_SIDE_CRM, in->records[CS_SIDE_CRM], linked[CS_SIDE_CRM], unlinked_crm);
	collect_unlinked (&p, CS_SIDE_OUTLOOK, in->records[CS_SIDE_OUTLOOK], linked[CS_SIDE_OUTLOOK],
			  unlinked_out);

	/* journal reconciliation: a new record equal to what we sent is ours */
	if (journal_by_values != NULL) {
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			GPtrArray *list = s == CS_SIDE_CRM ? unlinked_crm : unlinked_out;
			for (guint i = 0; i < list->len; i++) {
				CsRecord *r = g_ptr_array_index (list, i);
				g_autoptr(GHashTable) v = cs_mapping_extract (in->mapping, in->kind, (CsSide) s, r);
				g_autofree gchar *text = cs_mapping_values_to_string (v);
				CsJournalEntry *e = g_hash_table_lookup (journal_by_values, text);
				CsRecord *src;
				CsPlanItem *it;
				if (e == NULL || e->target != (CsSide) s) {
					/* the target may add what it fills itself (a display
					 * name, defaults): ours if it holds all we sent */
					e = journal_sent_within (journal_by_values, (CsSide) s, v);
					if (e == NULL)
						continue;
					g_free (text);
					text = g_strdup (e->values);
				}
				src = g_hash_table_lookup (p.by_id[cs_side_other ((CsSide) s)], e->source_id);
				it = item_new (&p, CS_PLAN_LINK, s == CS_SIDE_CRM ? r : src,
					       s == CS_SIDE_OUTLOOK ? r : src, NULL);
				if (src == NULL) {
					/* the source did not change: link by id alone */
					g_autoptr(CsRecord) stub = cs_record_new (in->kind, e->source_id);
					if (s == CS_SIDE_CRM)
						it->outlook = cs_record_ref (stub);
					else
						it->crm = cs_record_ref (stub);
				}
				it->values = values_copy (v);
				it->journal_id = e->id;
				g_hash_table_add (p.handled[s], (gpointer) cs_record_get_id (r));
				g_hash_table_add (p.handled[cs_side_other ((CsSide) s)], e->source_id);
				g_hash_table_remove (journal_by_values, text);
				finish_item (&p, it);
			}
		}
	}

	key_index = index_outlook (&p, unlinked_out, out_values);
	plan_unlinked_crm (&p, unlinked_crm, unlinked_out, out_values, key_index, matched_out);
	plan_unlinked_outlook (&p, unlinked_out, out_values, matched_out);
	planner_clear (&p, linked);
}

/*
 * A plan made in parts, for a listing too large to hold (DESIGN.md,
 * Performance): the Outlook side is read whole first, then the CRM's records
 * come in chunks. Each chunk is planned against all of Outlook and the links
 * (its linked records, then key, probable and create) and may be applied
 * before the next is read; cs_planner_stream_finish() plans what no chunk
 * held: links whose CRM record was not listed, and Outlook's new records.
 * What no-one else planned in a chunk is planned the same as by
 * cs_planner_plan(); the journal of a crashed run is not looked at (the
 * engine plans such a kind whole).
 */
struct _CsPlannerStream {
	Planner p;
	GHashTable *linked[CS_SIDE_LAST];
	GHashTable *link_of_crm;	/* CRM id → CsLink (borrowed from the input) */
	GPtrArray *unlinked_out;
	GPtrArray *out_values;
	GHashTable *key_index;
	GHashTable *matched_out;
	gboolean none;
};

/**
 * cs_planner_stream_new:
 * @in: as for cs_planner_plan(), without the CRM's records; kept by the stream
 *   (its tables and links must outlive it, @in->complete may change until
 *   cs_planner_stream_finish())
 */
CsPlannerStream *
cs_planner_stream_new (const CsPlanInput *in)
{
	CsPlannerStream *self = g_new0 (CsPlannerStream, 1);
	self->none = in->config->direction == CS_DIRECTION_NONE;
	planner_init (&self->p, in, NULL, self->linked);
	g_hash_table_remove_all (self->p.by_id[CS_SIDE_CRM]);
	self->link_of_crm = g_hash_table_new (g_str_hash, g_str_equal);
	for (guint i = 0; in->links != NULL && i < in->links->len; i++) {
		CsLink *l = g_ptr_array_index (in->links, i);
		if (l->crm_id != NULL)
			g_hash_table_insert (self->link_of_crm, l->crm_id, l);
	}
	self->unlinked_out = g_ptr_array_new ();
	self->out_values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
	self->matched_out = g_hash_table_new (NULL, NULL);
	collect_unlinked (&self->p, CS_SIDE_OUTLOOK, in->records[CS_SIDE_OUTLOOK],
			  self->linked[CS_SIDE_OUTLOOK], self->unlinked_out);
	self->key_index = index_outlook (&self->p, self->unlinked_out, self->out_values);
	return self;
}

/**
 * cs_planner_stream_feed:
 * @records: (element-type CsRecord): the next CRM records listed, none of them
 *   in an earlier chunk (CsReadSink sees to that)
 * @plan: where this chunk's items go
 *
 * The records must stay alive as long as @plan's items.
 */
void
cs_planner_stream_feed (CsPlannerStream *self, GPtrArray *records, CsSyncPlan *plan)
{
	Planner *p = &self->p;
	g_autoptr(GPtrArray) chunk = g_ptr_array_new ();
	g_autoptr(GPtrArray) unlinked_crm = g_ptr_array_new ();

	if (self->none)
		return;
	p->plan = plan;
	g_hash_table_remove_all (p->by_id[CS_SIDE_CRM]);
	for (guint i = 0; i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		g_hash_table_replace (p->by_id[CS_SIDE_CRM], (gpointer) cs_record_get_id (r), r);
		g_ptr_array_add (chunk, r);
	}
	/* 1. the chunk's linked records */
	for (guint i = 0; i < chunk->len; i++) {
		CsRecord *r = g_ptr_array_index (chunk, i);
		CsLink *l = g_hash_table_lookup (self->link_of_crm, cs_record_get_id (r));
		if (l != NULL && g_hash_table_lookup (p->by_id[CS_SIDE_CRM], cs_record_get_id (r)) == r)
			plan_link_once (p, l);
	}
	collect_unlinked (p, CS_SIDE_CRM, chunk, self->linked[CS_SIDE_CRM], unlinked_crm);
	plan_unlinked_crm (p, unlinked_crm, self->unlinked_out, self->out_values, self->key_index,
			   self->matched_out);
	g_hash_table_remove_all (p->by_id[CS_SIDE_CRM]);
	p->plan = NULL;
}

/**
 * cs_planner_stream_finish:
 * @listed: the CRM ids the chunks held
 *
 * Plans the links whose CRM record no chunk held (gone from a complete
 * listing, or unchanged in a delta) and Outlook's records nothing took.
 */
void
cs_planner_stream_finish (CsPlannerStream *self, GHashTable *listed, CsSyncPlan *plan)
{
	Planner *p = &self->p;
	const CsPlanInput *in = p->in;

	if (self->none)
		return;
	p->plan = plan;
	for (guint i = 0; in->links != NULL && i < in->links->len; i++) {
		CsLink *l = g_ptr_array_index (in->links, i);
		if (l->crm_id != NULL && g_hash_table_contains (listed, l->crm_id))
			continue;
		plan_link_once (p, l);
	}
	plan_unlinked_outlook (p, self->unlinked_out, self->out_values, self->matched_out);
	p->plan = NULL;
}

void
cs_planner_stream_free (CsPlannerStream *self)
{
	if (self == NULL)
		return;
	planner_clear (&self->p, self->linked);
	g_hash_table_unref (self->link_of_crm);
	g_ptr_array_unref (self->unlinked_out);
	g_ptr_array_unref (self->out_values);
	g_hash_table_unref (self->key_index);
	g_hash_table_unref (self->matched_out);
	g_free (self);
}
