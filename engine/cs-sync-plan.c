/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cs-json.h"
#include "cs-sync-plan.h"

struct _CsSyncPlan {
	GObject parent_instance;
	GPtrArray *items; /* (element-type CsPlanItem) */
};

G_DEFINE_TYPE (CsSyncPlan, cs_sync_plan, G_TYPE_OBJECT)

const gchar *
cs_plan_action_to_string (CsPlanAction action)
{
	static const gchar *names[] = {"create", "update",  "delete", "restore",  "link",
				       "forget", "refresh", "skip",   "conflict", "review"};
	return names[action];
}

CsPlanItem *
cs_plan_item_new (CsKind kind, CsPlanAction action)
{
	CsPlanItem *item = g_new0 (CsPlanItem, 1);
	item->kind = kind;
	item->action = action;
	item->selected = TRUE;
	return item;
}

void
cs_plan_item_free (CsPlanItem *item)
{
	if (item == NULL)
		return;
	g_clear_pointer (&item->crm, cs_record_unref);
	g_clear_pointer (&item->outlook, cs_record_unref);
	g_clear_pointer (&item->link, cs_link_free);
	g_clear_pointer (&item->values, g_hash_table_unref);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_strfreev (item->rows[s]);
		g_free (item->blocked[s]);
		g_clear_pointer (&item->side_values[s], g_hash_table_unref);
		g_clear_pointer (&item->unticked[s], g_hash_table_unref);
	}
	g_clear_pointer (&item->conflicts, g_ptr_array_unref);
	g_clear_pointer (&item->overwritten, g_ptr_array_unref);
	g_free (item->reason);
	g_free (item->label);
	g_free (item);
}

/**
 * cs_plan_item_release:
 *
 * Once the item is written and committed with its link: lets go of what only
 * the writing needed (the values, the records' fields — shared with what the
 * run read —, the old snapshot). What says what happened stays: the action,
 * the ids, the versions, the label.
 */
void
cs_plan_item_release (CsPlanItem *item)
{
	if (item->crm != NULL)
		cs_record_strip (item->crm);
	if (item->outlook != NULL)
		cs_record_strip (item->outlook);
	g_clear_pointer (&item->values, g_hash_table_unref);
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		g_clear_pointer (&item->side_values[s], g_hash_table_unref);
	g_clear_pointer (&item->overwritten, g_ptr_array_unref);
	if (item->link != NULL)
		g_clear_pointer (&item->link->snapshot, g_free);
}

/**
 * cs_plan_item_values_for:
 *
 * What is written to @side: @item's values, with the side's own where it has
 * them (CsPlanItem.side_values).
 *
 * Returns: (transfer full) (nullable): row → value
 */
GHashTable *
cs_plan_item_values_for (const CsPlanItem *item, CsSide side)
{
	GHashTable *out;
	GHashTableIter iter;
	gpointer k, v;
	if (item->side_values[side] == NULL)
		return item->values != NULL ? g_hash_table_ref (item->values) : NULL;
	out = cs_mapping_values_new ();
	if (item->values != NULL) {
		g_hash_table_iter_init (&iter, item->values);
		while (g_hash_table_iter_next (&iter, &k, &v))
			g_hash_table_replace (out, g_strdup (k), g_variant_ref (v));
	}
	g_hash_table_iter_init (&iter, item->side_values[side]);
	while (g_hash_table_iter_next (&iter, &k, &v)) {
		if (v != NULL)
			g_hash_table_replace (out, g_strdup (k), g_variant_ref (v));
		else
			g_hash_table_remove (out, k);
	}
	return out;
}

void
cs_overwrite_free (CsOverwrite *overwrite)
{
	if (overwrite == NULL)
		return;
	g_free (overwrite->field);
	g_free (overwrite->kept);
	g_free (overwrite->lost);
	g_free (overwrite);
}

/* the record's id on @side: as read, else as linked */
const gchar *
cs_plan_item_get_id (const CsPlanItem *item, CsSide side)
{
	const CsRecord *r = side == CS_SIDE_CRM ? item->crm : item->outlook;
	if (r != NULL && cs_record_get_id (r) != NULL)
		return cs_record_get_id (r);
	if (item->link != NULL)
		return cs_link_get_id (item->link, side);
	return NULL;
}

/* the actions a plan shows (DESIGN.md: create | update | delete | restore | link);
 * skips and conflicts have their own lists, the rest writes nothing */
gboolean
cs_plan_item_is_shown (const CsPlanItem *item)
{
	switch (item->action) {
	case CS_PLAN_CREATE:
	case CS_PLAN_UPDATE:
	case CS_PLAN_DELETE:
	case CS_PLAN_RESTORE:
	case CS_PLAN_LINK:
		break;
	default:
		return FALSE;
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (item->create[s] || item->delete[s] ||
		    (item->rows[s] != NULL && item->rows[s][0] != NULL))
			return TRUE;
		/* a write that cannot be done and is not by design: the plan says so */
		if (item->blocked[s] != NULL && !item->excluded)
			return TRUE;
	}
	return item->action == CS_PLAN_LINK;
}

/* the side's own name of a row's field; %NULL: the side has none */
static const gchar *
row_field (CsMapping *mapping, CsKind kind, CsSide side, const gchar *row)
{
	GPtrArray *rows = mapping != NULL ? cs_mapping_get_rows (mapping, kind) : NULL;
	if (mapping == NULL || cs_mapping_is_identity (mapping) || rows == NULL)
		return row;
	for (guint i = 0; i < rows->len; i++) {
		CsMappingRow *r = g_ptr_array_index (rows, i);
		if (g_strcmp0 (r->id, row) != 0)
			continue;
		if (side == CS_SIDE_CRM)
			return r->crm;
		return r->outlook != NULL ? r->outlook[0] : NULL;
	}
	/* not a row of the mapping: an internal value, not a field */
	return NULL;
}

static JsonNode *
value_node (GVariant *v)
{
	if (v == NULL || cs_value_is_null (v))
		return json_node_new (JSON_NODE_NULL);
	return cs_json_from_value (v);
}

/*
 * A plan entry goes out as a JsonNode (the CLI's reports, the preview) or
 * straight as text (the history keeps one per record written: a first sync
 * of 100k made and dropped 100k trees). One walk, two ends, so that the
 * two cannot differ.
 */
typedef struct {
	JsonBuilder *b; /* (nullable) */
	GString *s;	/* (nullable) */
} Out;

/* the separator and @name before a member (or, @name %NULL, an element) */
static void
out_key (Out *o, const gchar *name)
{
	if (o->b != NULL) {
		if (name != NULL)
			json_builder_set_member_name (o->b, name);
		return;
	}
	if (o->s->len > 0 && o->s->str[o->s->len - 1] != '{' && o->s->str[o->s->len - 1] != '[')
		g_string_append_c (o->s, ',');
	if (name != NULL) {
		cs_json_append_string (o->s, name);
		g_string_append_c (o->s, ':');
	}
}

static void
out_begin (Out *o, const gchar *name, gboolean array)
{
	out_key (o, name);
	if (o->b != NULL && array)
		json_builder_begin_array (o->b);
	else if (o->b != NULL)
		json_builder_begin_object (o->b);
	else
		g_string_append_c (o->s, array ? '[' : '{');
}

static void
out_end (Out *o, gboolean array)
{
	if (o->b != NULL && array)
		json_builder_end_array (o->b);
	else if (o->b != NULL)
		json_builder_end_object (o->b);
	else
		g_string_append_c (o->s, array ? ']' : '}');
}

/* @value %NULL: null */
static void
out_string (Out *o, const gchar *name, const gchar *value)
{
	out_key (o, name);
	if (o->b != NULL && value != NULL)
		json_builder_add_string_value (o->b, value);
	else if (o->b != NULL)
		json_builder_add_null_value (o->b);
	else
		cs_json_append_string (o->s, value);
}

static void
out_value (Out *o, const gchar *name, GVariant *value)
{
	JsonNode *node;

	/* text and lists of it (nearly every value) written as they are; the
	 * planner tests check the text against the tree for every entry */
	if (o->b == NULL && value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
		out_key (o, name);
		cs_json_append_string (o->s, g_variant_get_string (value, NULL));
		return;
	}
	if (o->b == NULL && value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
		gsize n = g_variant_n_children (value);
		out_key (o, name);
		g_string_append_c (o->s, '[');
		for (gsize i = 0; i < n; i++) {
			const gchar *e = NULL;
			g_variant_get_child (value, i, "&s", &e);
			if (i > 0)
				g_string_append_c (o->s, ',');
			cs_json_append_string (o->s, e);
		}
		g_string_append_c (o->s, ']');
		return;
	}
	node = value_node (value);
	out_key (o, name);
	if (o->b != NULL) {
		json_builder_add_value (o->b, node);
		return;
	}
	cs_json_append (o->s, node);
	json_node_unref (node);
}

static void
add_change (Out *o, CsSide side, const gchar *field, const gchar *row, GVariant *old,
	    GVariant *new, gboolean with_rows)
{
	out_begin (o, NULL, FALSE);
	out_string (o, "side", cs_side_to_string (side));
	out_string (o, "field", field);
	out_value (o, "old", old);
	out_value (o, "new", new);
	if (with_rows)
		out_string (o, "row", row);
	out_end (o, FALSE);
}

/* what @side holds before the run: its record as read, else the last agreed values */
static GHashTable *
values_before (const CsPlanItem *it, CsMapping *mapping, CsSide side)
{
	const CsRecord *r = side == CS_SIDE_CRM ? it->crm : it->outlook;
	if (r != NULL && !cs_record_is_deleted (r) && mapping != NULL && cs_record_get_n_fields (r) > 0)
		return cs_mapping_extract (mapping, it->kind, side, r);
	if (it->link != NULL && it->link->snapshot != NULL)
		return cs_mapping_values_from_string (it->link->snapshot);
	return cs_mapping_values_new ();
}

static GPtrArray *
sorted_keys (GHashTable *values)
{
	GPtrArray *keys = g_ptr_array_new ();
	GHashTableIter iter;
	gpointer k;
	if (values != NULL) {
		g_hash_table_iter_init (&iter, values);
		while (g_hash_table_iter_next (&iter, &k, NULL))
			g_ptr_array_add (keys, k);
	}
	g_ptr_array_sort (keys, cs_str_ptr_cmp);
	return keys;
}

static void
plan_item_out (const CsPlanItem *it, CsMapping *mapping, const gchar *const *new_ids,
	       gboolean with_rows, Out *o)
{
	const gchar *reason = NULL;

	out_begin (o, NULL, FALSE);
	out_string (o, "kind", cs_kind_to_string (it->kind));
	out_string (o, "action", cs_plan_action_to_string (it->action));
	out_string (o, "label", it->label != NULL ? it->label : "");
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		const gchar *id = new_ids != NULL && new_ids[s] != NULL ? new_ids[s]
								       : cs_plan_item_get_id (it, (CsSide) s);
		out_string (o, s == CS_SIDE_CRM ? "crm_id" : "outlook_id", id);
	}
	out_begin (o, "changes", TRUE);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsSide side = (CsSide) s;
		g_autoptr(GHashTable) before = NULL;
		g_autoptr(GHashTable) written = NULL;
		if (it->create[s]) {
			g_autoptr(GPtrArray) keys = sorted_keys (it->values);
			for (guint i = 0; i < keys->len; i++) {
				const gchar *row = keys->pdata[i];
				const gchar *field = row_field (mapping, it->kind, side, row);
				if (field != NULL)
					add_change (o, side, field, row, NULL,
						    g_hash_table_lookup (it->values, row), with_rows);
			}
			continue;
		}
		if (it->delete[s]) {
			g_autoptr(GPtrArray) keys = NULL;
			const CsRecord *r = side == CS_SIDE_CRM ? it->crm : it->outlook;
			before = r != NULL && !cs_record_is_deleted (r) ? values_before (it, mapping, side)
								       : NULL;
			if (before == NULL && it->values != NULL)
				before = g_hash_table_ref (it->values);
			keys = sorted_keys (before);
			for (guint i = 0; i < keys->len; i++) {
				const gchar *row = keys->pdata[i];
				const gchar *field = row_field (mapping, it->kind, side, row);
				if (field != NULL)
					add_change (o, side, field, row,
						    g_hash_table_lookup (before, row), NULL, with_rows);
			}
			continue;
		}
		if (it->rows[s] == NULL)
			continue;
		before = values_before (it, mapping, side);
		written = cs_plan_item_values_for (it, side);
		for (guint i = 0; it->rows[s][i] != NULL; i++) {
			const gchar *row = it->rows[s][i];
			const gchar *field = row_field (mapping, it->kind, side, row);
			GVariant *old = g_hash_table_lookup (before, row);
			GVariant *new = written != NULL ? g_hash_table_lookup (written, row) : NULL;
			if (field == NULL || cs_value_equal (old, new))
				continue;
			add_change (o, side, field, row, old, new, with_rows);
		}
	}
	out_end (o, TRUE);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		const gchar *what = it->create[s]   ? "create"
				    : it->delete[s] ? "delete"
				    : it->rows[s] != NULL && it->rows[s][0] != NULL ? "update"
										    : NULL;
		if (what != NULL)
			out_string (o, cs_side_to_string ((CsSide) s), what);
	}
	/* the item's own reason over a side's that blocked it */
	for (guint s = 0; s < CS_SIDE_LAST && reason == NULL; s++)
		reason = it->blocked[s];
	if (it->reason != NULL)
		reason = it->reason;
	if (reason != NULL)
		out_string (o, "reason", reason);
	out_end (o, FALSE);
}

/**
 * cs_plan_item_to_json:
 * @mapping: (nullable): names the fields per side and reads the records' values
 * @new_ids: (nullable): per side, the id a create got (after the run)
 * @with_rows: add each change's mapping row (what undo writes back)
 *
 * One entry of a plan as the CLI contract shows it: `{kind, action, label,
 * crm_id, outlook_id, changes: [{side, field, old, new}]}` where `side` is
 * where the value is written; a create lists the values it writes, a
 * deletion the values the record held.
 *
 * Returns: (transfer full)
 */
JsonNode *
cs_plan_item_to_json (const CsPlanItem *it, CsMapping *mapping, const gchar *const *new_ids,
		      gboolean with_rows)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	Out o = {b, NULL};
	plan_item_out (it, mapping, new_ids, with_rows, &o);
	return json_builder_get_root (b);
}

/**
 * cs_plan_item_to_text:
 *
 * cs_plan_item_to_json() as compact JSON text (as cs_json_to_string() writes
 * it), made without the tree.
 *
 * Returns: (transfer full)
 */
gchar *
cs_plan_item_to_text (const CsPlanItem *it, CsMapping *mapping, const gchar *const *new_ids,
		      gboolean with_rows)
{
	GString *s = g_string_sized_new (512);
	Out o = {NULL, s};
	plan_item_out (it, mapping, new_ids, with_rows, &o);
	return g_string_free (s, FALSE);
}

/* whether @row is in @rows */
static gboolean
strv_has (gchar **rows, const gchar *row)
{
	return rows != NULL && g_strv_contains ((const gchar *const *) rows, row);
}

/**
 * cs_plan_item_can_untick_fields:
 *
 * Whether the user may leave out single field changes of @item: an update of
 * a linked pair (what a record held when last in step is known, so a change
 * left out is offered again). A create, a deletion or a first link is taken
 * or left as a whole.
 */
gboolean
cs_plan_item_can_untick_fields (const CsPlanItem *item)
{
	if (item->action != CS_PLAN_UPDATE || item->link == NULL || item->link->snapshot == NULL)
		return FALSE;
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		if (item->create[s] || item->delete[s])
			return FALSE;
	return TRUE;
}

/**
 * cs_plan_item_set_field_ticked:
 * @side: where the value is written
 * @row: the mapping row (cs_plan_item_to_json() with rows names it)
 *
 * Ticks or unticks one field change of an update. An unticked change is not
 * written when the plan is applied (cs_plan_item_leave_unticked()), and is
 * offered again by the next run.
 */
void
cs_plan_item_set_field_ticked (CsPlanItem *item, CsSide side, const gchar *row, gboolean ticked)
{
	if (!ticked && !cs_plan_item_can_untick_fields (item))
		return;
	if (ticked) {
		if (item->unticked[side] != NULL)
			g_hash_table_remove (item->unticked[side], row);
		return;
	}
	if (item->unticked[side] == NULL)
		item->unticked[side] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add (item->unticked[side], g_strdup (row));
}

gboolean
cs_plan_item_is_field_ticked (const CsPlanItem *item, CsSide side, const gchar *row)
{
	return item->unticked[side] == NULL || !g_hash_table_contains (item->unticked[side], row);
}

/**
 * cs_plan_item_find_row:
 * @field: the side's own name of a field @item writes to @side
 *
 * Returns: (nullable): the mapping row that writes @field to @side
 */
const gchar *
cs_plan_item_find_row (const CsPlanItem *item, CsMapping *mapping, CsSide side,
		       const gchar *field)
{
	for (guint i = 0; item->rows[side] != NULL && item->rows[side][i] != NULL; i++)
		if (g_strcmp0 (row_field (mapping, item->kind, side, item->rows[side][i]), field)
		    == 0)
			return item->rows[side][i];
	return NULL;
}

static void
drop_overwrite (CsPlanItem *it, CsSide side, const gchar *row)
{
	for (guint i = 0; it->overwritten != NULL && i < it->overwritten->len;) {
		CsOverwrite *o = g_ptr_array_index (it->overwritten, i);
		if (o->side == side && g_strcmp0 (o->field, row) == 0)
			g_ptr_array_remove_index (it->overwritten, i);
		else
			i++;
	}
}

/**
 * cs_plan_item_leave_unticked:
 *
 * Takes the unticked field changes out of @item before it is applied: their
 * rows are not written, and the values the link keeps for them stay those of
 * the last run in step (the base), so that the next run still sees the
 * difference and offers the change again — never takes it for in step, and
 * never writes the other side's value back over it. A side whose record
 * holds such a difference keeps the link's old version (CsPlanItem.keep_version):
 * else the next run would take the record for unchanged and not look at it.
 * Applying twice changes nothing more.
 */
void
cs_plan_item_leave_unticked (CsPlanItem *it, CsMapping *mapping)
{
	g_autoptr(GHashTable) base = NULL;
	GHashTable *before[CS_SIDE_LAST] = {NULL, NULL};
	gboolean any = FALSE;

	if (!cs_plan_item_can_untick_fields (it) || it->values == NULL)
		return;
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		for (guint i = 0; it->unticked[s] != NULL && it->rows[s] != NULL && it->rows[s][i] != NULL; i++)
			any = any || g_hash_table_contains (it->unticked[s], it->rows[s][i]);
	if (!any)
		return;
	base = cs_mapping_values_from_string (it->link->snapshot);
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		before[s] = values_before (it, mapping, (CsSide) s);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsSide side = (CsSide) s, other = cs_side_other (side);
		g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);
		if (it->rows[s] == NULL || it->unticked[s] == NULL)
			continue;
		for (guint i = 0; it->rows[s][i] != NULL; i++) {
			const gchar *row = it->rows[s][i];
			GVariant *was = g_hash_table_lookup (base, row);
			if (!g_hash_table_contains (it->unticked[s], row)) {
				g_ptr_array_add (kept, g_strdup (row));
				continue;
			}
			/* a value still written to the other side goes there as planned */
			if (strv_has (it->rows[other], row) &&
			    cs_plan_item_is_field_ticked (it, other, row) &&
			    g_hash_table_lookup (it->values, row) != NULL) {
				if (it->side_values[other] == NULL)
					it->side_values[other] = cs_mapping_values_new ();
				if (!g_hash_table_contains (it->side_values[other], row))
					g_hash_table_replace (
					    it->side_values[other], g_strdup (row),
					    g_variant_ref (g_hash_table_lookup (it->values, row)));
			}
			if (was != NULL)
				g_hash_table_replace (it->values, g_strdup (row), g_variant_ref (was));
			else
				g_hash_table_remove (it->values, row);
			for (guint t = 0; t < CS_SIDE_LAST; t++)
				if (!cs_value_equal (g_hash_table_lookup (before[t], row), was))
					it->keep_version[t] = TRUE;
			drop_overwrite (it, side, row);
		}
		g_strfreev (it->rows[s]);
		it->rows[s] = NULL;
		if (kept->len > 0) {
			g_ptr_array_add (kept, NULL);
			it->rows[s] = (gchar **) g_ptr_array_steal (kept, NULL);
		}
	}
	if (it->rows[CS_SIDE_CRM] == NULL && it->rows[CS_SIDE_OUTLOOK] == NULL)
		it->action = it->conflicts != NULL ? CS_PLAN_CONFLICT : CS_PLAN_REFRESH;
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		g_hash_table_unref (before[s]);
}

static void
cs_sync_plan_finalize (GObject *object)
{
	CsSyncPlan *self = CS_SYNC_PLAN (object);
	g_ptr_array_unref (self->items);
	G_OBJECT_CLASS (cs_sync_plan_parent_class)->finalize (object);
}

static void
cs_sync_plan_class_init (CsSyncPlanClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_sync_plan_finalize;
}

static void
cs_sync_plan_init (CsSyncPlan *self)
{
	self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_plan_item_free);
}

CsSyncPlan *
cs_sync_plan_new (void)
{
	return g_object_new (CS_TYPE_SYNC_PLAN, NULL);
}

/**
 * cs_sync_plan_add:
 * @item: (transfer full)
 */
void
cs_sync_plan_add (CsSyncPlan *self, CsPlanItem *item)
{
	g_ptr_array_add (self->items, item);
}

/**
 * cs_sync_plan_get_items:
 * Returns: (transfer none) (element-type CsPlanItem)
 */
GPtrArray *
cs_sync_plan_get_items (CsSyncPlan *self)
{
	return self->items;
}

/* how many items would write @action to @side (skips count by the skipped side) */
guint
cs_sync_plan_count (CsSyncPlan *self, CsKind kind, CsSide side, CsPlanAction action)
{
	guint n = 0;
	for (guint i = 0; i < self->items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (self->items, i);
		if (it->kind != kind)
			continue;
		switch (action) {
		case CS_PLAN_CREATE:
		case CS_PLAN_RESTORE:
			n += it->action == action && it->create[side] ? 1 : 0;
			break;
		case CS_PLAN_DELETE:
			n += it->delete[side] ? 1 : 0;
			break;
		case CS_PLAN_UPDATE:
			n += !it->create[side] && it->rows[side] != NULL && it->rows[side][0] != NULL ? 1 : 0;
			break;
		case CS_PLAN_SKIP:
			n += it->action == CS_PLAN_SKIP && it->skip_side == side ? 1 : 0;
			break;
		default:
			n += it->action == action ? 1 : 0;
		}
	}
	return n;
}

guint
cs_sync_plan_count_writes (CsSyncPlan *self)
{
	guint n = 0;
	for (guint i = 0; i < self->items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (self->items, i);
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			if (it->create[s] || it->delete[s] ||
			    (it->rows[s] != NULL && it->rows[s][0] != NULL))
				n++;
		}
	}
	return n;
}
