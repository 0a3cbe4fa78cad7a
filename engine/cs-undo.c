/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cs-engine-private.h"
#include "cs-json.h"
#include "cs-undo.h"

/*
 * Undo plans the reverse of what one run wrote, from the before-images the
 * run kept (cs_state_add_change()), and leaves the writing to the engine's
 * executor: the same journal, batches and commits as any sync, so a crash
 * during an undo is recovered like one during a sync.
 *
 * Both sides are read whole first, to see what each record holds now: a
 * field changed since the run is a conflict, never overwritten; a record
 * created by the run and changed since stays.
 */

typedef struct {
	CsEngine *engine;
	CsSyncPlan *plan;
	GHashTable *by_id[CS_SIDE_LAST][CS_KIND_LAST]; /* id → CsRecord (borrowed) */
} Undo;

typedef struct {
	gchar *row;
	GVariant *old; /* (nullable) */
	GVariant *new; /* (nullable) */
} Change;

static void
change_free (Change *c)
{
	g_free (c->row);
	g_clear_pointer (&c->old, g_variant_unref);
	g_clear_pointer (&c->new, g_variant_unref);
	g_free (c);
}

static GVariant *
value_of (JsonNode *n)
{
	g_autoptr (GVariant) raw = NULL;
	if (n == NULL || JSON_NODE_HOLDS_NULL (n))
		return NULL;
	raw = cs_json_to_value (n);
	return raw != NULL ? cs_value_normalize (raw) : NULL;
}

static gchar *
value_json (GVariant *v)
{
	g_autoptr (JsonNode) n
		= v != NULL ? cs_json_from_value (v) : json_node_new (JSON_NODE_NULL);
	return cs_json_to_string (n, FALSE);
}

static const gchar *
str_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member (o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
	    || json_node_get_value_type (n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (n);
}

static CsRecord *
current (Undo *u, CsSide side, CsKind kind, const gchar *id)
{
	CsRecord *r;
	if (id == NULL || u->by_id[side][kind] == NULL)
		return NULL;
	r = g_hash_table_lookup (u->by_id[side][kind], id);
	return r != NULL && !cs_record_is_deleted (r) ? r : NULL;
}

static gboolean
can (Undo *u, CsSide side, CsKind kind, CsCaps cap)
{
	return (cs_provider_get_caps (cs_engine_get_provider (u->engine, side), kind) & cap) != 0;
}

static gchar *
cannot (Undo *u, CsSide side, CsKind kind, gboolean delete)
{
	const gchar *name = cs_provider_get_name (cs_engine_get_provider (u->engine, side));
	/* TRANSLATORS: a service's name and a kind of record ("Contacts") */
	return delete ? g_strdup_printf (
		       _ ("%s cannot delete %s through its API: left as it is, delete it by hand"),
		       name, cs_kind_get_label (kind))
		      : g_strdup_printf (_ ("%s cannot write %s: left as it is"), name,
					 cs_kind_get_label (kind));
}

static CsPlanItem *
item_new (CsKind kind, CsPlanAction action, const gchar *label)
{
	CsPlanItem *it = cs_plan_item_new (kind, action);
	it->label = g_strdup (label);
	return it;
}

static void
set_record (CsPlanItem *it, CsSide side, CsRecord *r)
{
	CsRecord **p = side == CS_SIDE_CRM ? &it->crm : &it->outlook;
	g_clear_pointer (p, cs_record_unref);
	*p = r != NULL ? cs_record_ref (r) : NULL;
}

static void
skip (Undo *u, CsKind kind, CsSide side, const gchar *id, const gchar *label, const gchar *reason)
{
	CsPlanItem *it = item_new (kind, CS_PLAN_SKIP, label);
	g_autoptr (CsRecord) stub = cs_record_new (kind, id);
	set_record (it, side, stub);
	it->skip_side = side;
	it->reason = g_strdup (reason);
	cs_sync_plan_add (u->plan, it);
}

/* a record the run deleted: made again from its before-image, and linked to
 * its partner. A partner gone too (the deletion the run carried over) stays
 * gone, as before the run: the record made again is unlinked, and the next
 * sync brings it to the other side as a new record */
static void
undo_delete (Undo *u, CsKind kind, CsSide side, JsonObject *e, GPtrArray *changes)
{
	CsSide other = cs_side_other (side);
	const gchar *label = str_member (e, "label");
	const gchar *partner_id = str_member (e, other == CS_SIDE_CRM ? "crm_id" : "outlook_id");
	CsRecord *partner = current (u, other, kind, partner_id);
	g_autoptr (CsLink) linked = NULL;
	CsPlanItem *it;

	if (partner != NULL) {
		linked = cs_state_get_link (cs_engine_get_state (u->engine), kind, other,
					    partner_id, NULL);
		if (linked != NULL) {
			skip (u, kind, side,
			      str_member (e, side == CS_SIDE_CRM ? "crm_id" : "outlook_id"), label,
			      _ ("its partner was linked again since that run: left as it is"));
			return;
		}
	}
	it = item_new (kind, CS_PLAN_RESTORE, label);
	it->values = cs_mapping_values_new ();
	for (guint i = 0; i < changes->len; i++) {
		Change *c = g_ptr_array_index (changes, i);
		if (c->old != NULL)
			g_hash_table_replace (it->values, g_strdup (c->row),
					      g_variant_ref (c->old));
	}
	it->create[side] = TRUE;
	if (partner != NULL) {
		it->link = cs_link_new (kind);
		cs_link_set_id (it->link, other, partner_id);
		set_record (it, other, partner);
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (it->create[s] && !can (u, (CsSide)s, kind, CS_CAP_WRITE)) {
			it->blocked[s] = cannot (u, (CsSide)s, kind, FALSE);
			it->create[s] = FALSE;
		}
	}
	cs_sync_plan_add (u->plan, it);
}

/* a record the run created: deleted, unless it was changed since */
static void
undo_create (Undo *u, CsKind kind, CsSide side, JsonObject *e, GPtrArray *changes)
{
	const gchar *label = str_member (e, "label");
	const gchar *id = str_member (e, side == CS_SIDE_CRM ? "crm_id" : "outlook_id");
	CsRecord *rec = current (u, side, kind, id);
	g_autoptr (GHashTable) now = NULL;
	g_autoptr (CsLink) link = NULL;
	CsPlanItem *it;

	if (rec == NULL)
		return; /* gone already: nothing to take back */
	now = cs_mapping_extract (cs_engine_get_mapping (u->engine), kind, side, rec);
	for (guint i = 0; i < changes->len; i++) {
		Change *c = g_ptr_array_index (changes, i);
		if (!cs_value_equal (g_hash_table_lookup (now, c->row), c->new)) {
			skip (u, kind, side, id, label,
			      _ ("changed since that run: left as it is, delete it by hand if it "
				 "should go"));
			return;
		}
	}
	link = cs_state_get_link (cs_engine_get_state (u->engine), kind, side, id, NULL);
	it = item_new (kind, CS_PLAN_DELETE, label);
	set_record (it, side, rec);
	it->link = link != NULL ? cs_link_copy (link) : NULL;
	it->values = g_steal_pointer (&now);
	if (!can (u, side, kind, CS_CAP_DELETE)) {
		/* webCRM deletes no persons, organisations or activities */
		it->blocked[side] = cannot (u, side, kind, TRUE);
	} else {
		it->delete[side] = TRUE;
		it->forget = TRUE;
	}
	cs_sync_plan_add (u->plan, it);
}

static void
cs_variant_unref_nullable (gpointer v)
{
	if (v != NULL)
		g_variant_unref (v);
}

/* fields the run changed: each written back where it still holds what the
 * run wrote; a field changed since is a conflict */
static void
undo_update (Undo *u, CsKind kind, JsonObject *e, GPtrArray **changes, const gboolean *updated)
{
	const gchar *label = str_member (e, "label");
	const gchar *ids[CS_SIDE_LAST] = { str_member (e, "crm_id"), str_member (e, "outlook_id") };
	CsState *state = cs_engine_get_state (u->engine);
	CsMapping *mapping = cs_engine_get_mapping (u->engine);
	g_autoptr (CsLink) link = NULL;
	GHashTable *now[CS_SIDE_LAST] = { NULL, NULL };
	CsRecord *rec[CS_SIDE_LAST] = { NULL, NULL };
	GPtrArray *rows[CS_SIDE_LAST] = { NULL, NULL };
	CsPlanItem *it;

	link = ids[CS_SIDE_OUTLOOK] != NULL ? cs_state_get_link (state, kind, CS_SIDE_OUTLOOK,
								 ids[CS_SIDE_OUTLOOK], NULL)
					    : NULL;
	if (link == NULL && ids[CS_SIDE_CRM] != NULL)
		link = cs_state_get_link (state, kind, CS_SIDE_CRM, ids[CS_SIDE_CRM], NULL);
	if (link == NULL) {
		CsSide s = updated[CS_SIDE_CRM] ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;
		skip (u, kind, s, ids[s], label, _ ("no longer linked: left as it is"));
		return;
	}
	it = item_new (kind, CS_PLAN_UPDATE, label);
	it->link = cs_link_copy (link);
	it->values = cs_mapping_values_from_string (link->snapshot);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		rec[s] = current (u, (CsSide)s, kind, cs_link_get_id (link, (CsSide)s));
		now[s] = rec[s] != NULL ? cs_mapping_extract (mapping, kind, (CsSide)s, rec[s])
					: NULL;
		rows[s] = g_ptr_array_new_with_free_func (g_free);
		set_record (it, (CsSide)s, rec[s]);
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (!updated[s])
			continue;
		if (now[s] == NULL) {
			/* deleted since the run: nothing to write back to */
			skip (u, kind, (CsSide)s, cs_link_get_id (link, (CsSide)s), label,
			      _ ("no longer there: its changes cannot be taken back"));
			continue;
		}
		for (guint i = 0; i < changes[s]->len; i++) {
			Change *c = g_ptr_array_index (changes[s], i);
			GVariant *held
				= now[s] != NULL ? g_hash_table_lookup (now[s], c->row) : NULL;
			if (now[s] == NULL)
				break;
			if (cs_value_equal (held, c->old))
				continue; /* as before the run already */
			if (cs_value_equal (held, c->new)) {
				g_ptr_array_add (rows[s], g_strdup (c->row));
				if (c->old != NULL)
					g_hash_table_replace (it->values, g_strdup (c->row),
							      g_variant_ref (c->old));
				else
					g_hash_table_remove (it->values, c->row);
				continue;
			}
			/* changed again since the run: the user decides */
			{
				CsConflict *con = g_new0 (CsConflict, 1);
				GVariant *crm
					= now[CS_SIDE_CRM] != NULL
						  ? g_hash_table_lookup (now[CS_SIDE_CRM], c->row)
						  : NULL;
				GVariant *out = now[CS_SIDE_OUTLOOK] != NULL ? g_hash_table_lookup (
							now[CS_SIDE_OUTLOOK], c->row)
									     : NULL;
				con->kind = kind;
				con->outlook_id = g_strdup (link->outlook_id);
				con->crm_id = g_strdup (link->crm_id);
				con->field = g_strdup (c->row);
				con->crm_value = value_json (crm);
				con->outlook_value = value_json (out);
				con->base_value = value_json (c->old);
				if (it->conflicts == NULL)
					it->conflicts = g_ptr_array_new_with_free_func (
						(GDestroyNotify)cs_conflict_free);
				g_ptr_array_add (it->conflicts, con);
			}
		}
	}
	/* the run wrote one value over two that differed (a conflict it decided, a
	 * merge): each side gets its own back, and the agreed value stays what the
	 * run left, so that the next run meets the two as the conflict they were */
	for (guint i = 0; i < rows[CS_SIDE_CRM]->len; i++) {
		const gchar *row = g_ptr_array_index (rows[CS_SIDE_CRM], i);
		GVariant *old[CS_SIDE_LAST] = { NULL, NULL };
		gboolean both = FALSE;
		for (guint j = 0; j < rows[CS_SIDE_OUTLOOK]->len && !both; j++)
			both = g_strcmp0 (g_ptr_array_index (rows[CS_SIDE_OUTLOOK], j), row) == 0;
		if (!both)
			continue;
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			for (guint c = 0; c < changes[s]->len; c++) {
				Change *ch = g_ptr_array_index (changes[s], c);
				if (g_strcmp0 (ch->row, row) == 0)
					old[s] = ch->old;
			}
		}
		if (cs_value_equal (old[CS_SIDE_CRM], old[CS_SIDE_OUTLOOK]))
			continue;
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			if (it->side_values[s] == NULL)
				it->side_values[s] = g_hash_table_new_full (
					g_str_hash, g_str_equal, g_free,
					(GDestroyNotify)cs_variant_unref_nullable);
			g_hash_table_replace (it->side_values[s], g_strdup (row),
					      old[s] != NULL ? g_variant_ref (old[s]) : NULL);
		}
		{
			/* the writes come back as our own, so the next run would not see
			 * the difference: the conflict is open again, for the user */
			g_autoptr (GHashTable) agreed = cs_mapping_values_from_string (link->snapshot);
			GVariant *v = g_hash_table_lookup (agreed, row);
			CsConflict *con = g_new0 (CsConflict, 1);
			if (v != NULL)
				g_hash_table_replace (it->values, g_strdup (row), g_variant_ref (v));
			else
				g_hash_table_remove (it->values, row);
			con->kind = kind;
			con->outlook_id = g_strdup (link->outlook_id);
			con->crm_id = g_strdup (link->crm_id);
			con->field = g_strdup (row);
			con->crm_value = value_json (old[CS_SIDE_CRM]);
			con->outlook_value = value_json (old[CS_SIDE_OUTLOOK]);
			con->base_value = value_json (v);
			if (it->conflicts == NULL)
				it->conflicts = g_ptr_array_new_with_free_func (
					(GDestroyNotify)cs_conflict_free);
			g_ptr_array_add (it->conflicts, con);
		}
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (rows[s]->len > 0 && !can (u, (CsSide)s, kind, CS_CAP_WRITE)) {
			it->blocked[s] = cannot (u, (CsSide)s, kind, FALSE);
			g_ptr_array_set_size (rows[s], 0);
		}
		if (rows[s]->len > 0) {
			g_ptr_array_add (rows[s], NULL);
			it->rows[s] = g_strdupv ((gchar **)rows[s]->pdata);
		}
		g_ptr_array_unref (rows[s]);
		g_clear_pointer (&now[s], g_hash_table_unref);
	}
	if (it->rows[CS_SIDE_CRM] == NULL && it->rows[CS_SIDE_OUTLOOK] == NULL
	    && it->blocked[CS_SIDE_CRM] == NULL && it->blocked[CS_SIDE_OUTLOOK] == NULL) {
		if (it->conflicts == NULL) {
			cs_plan_item_free (it);
			return;
		}
		it->action = CS_PLAN_CONFLICT;
	}
	cs_sync_plan_add (u->plan, it);
}

static void
undo_entry (Undo *u, CsKind kind, JsonObject *e)
{
	JsonArray *arr = json_object_get_array_member (e, "changes");
	GPtrArray *changes[CS_SIDE_LAST];
	gboolean updated[CS_SIDE_LAST] = { FALSE, FALSE };

	for (guint s = 0; s < CS_SIDE_LAST; s++)
		changes[s] = g_ptr_array_new_with_free_func ((GDestroyNotify)change_free);
	for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++) {
		JsonObject *c = json_array_get_object_element (arr, i);
		Change *ch = g_new0 (Change, 1);
		CsSide side = g_strcmp0 (str_member (c, "side"), "crm") == 0 ? CS_SIDE_CRM
									     : CS_SIDE_OUTLOOK;
		ch->row = g_strdup (str_member (c, "row"));
		ch->old = value_of (json_object_get_member (c, "old"));
		ch->new = value_of (json_object_get_member (c, "new"));
		if (ch->row == NULL) {
			change_free (ch);
			continue;
		}
		g_ptr_array_add (changes[side], ch);
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		const gchar *what = str_member (e, cs_side_to_string ((CsSide)s));
		if (g_strcmp0 (what, "delete") == 0)
			undo_delete (u, kind, (CsSide)s, e, changes[s]);
		else if (g_strcmp0 (what, "create") == 0)
			undo_create (u, kind, (CsSide)s, e, changes[s]);
		else if (g_strcmp0 (what, "update") == 0)
			updated[s] = TRUE;
	}
	if (updated[CS_SIDE_CRM] || updated[CS_SIDE_OUTLOOK])
		undo_update (u, kind, e, changes, updated);
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		g_ptr_array_unref (changes[s]);
}

static gboolean
read_missing (Undo *u, GPtrArray *changes, GCancellable *cancellable, GError **error)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsProvider *provider = cs_engine_get_provider (u->engine, (CsSide)s);
		if (!cs_provider_can_get (provider))
			continue;
		for (guint k = 0; k < CS_KIND_LAST; k++) {
			g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
			g_autoptr (GPtrArray) got = NULL;
			if (u->by_id[s][k] == NULL)
				continue;
			for (guint i = 0; i < changes->len; i++) {
				CsRunChange *c = g_ptr_array_index (changes, i);
				g_autoptr (JsonParser) parser = json_parser_new ();
				const gchar *text = c->undo != NULL ? c->undo : c->entry;
				const gchar *id;
				if (c->kind != (CsKind)k || text == NULL
				    || !json_parser_load_from_data (parser, text, -1, NULL)
				    || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
					continue;
				id = str_member (
					json_node_get_object (json_parser_get_root (parser)),
					s == CS_SIDE_CRM ? "crm_id" : "outlook_id");
				if (id != NULL && !g_hash_table_contains (u->by_id[s][k], id))
					g_ptr_array_add (ids, g_strdup (id));
			}
			if (ids->len == 0)
				continue;
			got = cs_provider_get (provider, (CsKind)k, ids, cancellable, error);
			if (got == NULL)
				return FALSE;
			for (guint i = 0; i < got->len; i++) {
				CsRecord *r = g_ptr_array_index (got, i);
				/* kept alive by the sink, which holds what undo read */
				g_ptr_array_add (cs_read_sink_get_records (cs_engine_get_sink (
							 u->engine, (CsSide)s, (CsKind)k)),
						 cs_record_ref (r));
				if (cs_record_get_id (r) != NULL)
					g_hash_table_replace (u->by_id[s][k],
							      (gpointer)cs_record_get_id (r), r);
			}
		}
	}
	return TRUE;
}

/**
 * cs_undo_prepare:
 * @undo_of: (out): the run this plan takes back (0: none left)
 *
 * Returns: (transfer full): the plan, empty when there is nothing to undo
 */
CsSyncPlan *
cs_undo_prepare (CsEngine *engine, gint64 *undo_of, GCancellable *cancellable, GError **error)
{
	CsState *state = cs_engine_get_state (engine);
	g_autoptr (CsSyncPlan) plan = cs_sync_plan_new ();
	g_autoptr (GPtrArray) changes = NULL;
	Undo u = { engine, plan, { { NULL } } };
	guint kinds = 0;
	gint64 run;

	*undo_of = 0;
	run = cs_state_get_undoable_run (state, error);
	if (run < 0)
		return NULL;
	if (run == 0)
		return g_steal_pointer (&plan);
	changes = cs_state_get_changes (state, run, error);
	if (changes == NULL)
		return NULL;
	/* only the kinds the run changed are read */
	for (guint i = 0; i < changes->len; i++)
		kinds |= 1u << ((CsRunChange *)g_ptr_array_index (changes, i))->kind;
	if (!cs_engine_read_all (engine, kinds, cancellable, error))
		return NULL;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		for (guint k = 0; k < CS_KIND_LAST; k++) {
			CsReadSink *sink = cs_engine_get_sink (engine, (CsSide)s, (CsKind)k);
			GPtrArray *recs = sink != NULL ? cs_read_sink_get_records (sink) : NULL;
			if (recs == NULL)
				continue;
			u.by_id[s][k] = g_hash_table_new (g_str_hash, g_str_equal);
			for (guint i = 0; i < recs->len; i++) {
				CsRecord *r = g_ptr_array_index (recs, i);
				if (cs_record_get_id (r) != NULL)
					g_hash_table_replace (u.by_id[s][k],
							      (gpointer)cs_record_get_id (r), r);
			}
		}
	}
	/* a record outside what a full listing covers (a calendar window) is read
	 * by its id, where the provider can */
	if (!read_missing (&u, changes, cancellable, error))
		return NULL;
	/* newest first: a record created and then updated in one run is taken
	 * back in the reverse order */
	for (guint i = changes->len; i > 0; i--) {
		CsRunChange *c = g_ptr_array_index (changes, i - 1);
		g_autoptr (JsonParser) parser = json_parser_new ();
		const gchar *text = c->undo != NULL ? c->undo : c->entry;
		if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL)
		    || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
			continue;
		if (!cs_engine_is_enabled (engine, c->kind))
			continue;
		undo_entry (&u, c->kind, json_node_get_object (json_parser_get_root (parser)));
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		for (guint k = 0; k < CS_KIND_LAST; k++)
			g_clear_pointer (&u.by_id[s][k], g_hash_table_unref);
	*undo_of = run;
	return g_steal_pointer (&plan);
}
