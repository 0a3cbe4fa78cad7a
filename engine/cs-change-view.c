/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cs-change-view.h"
#include "cs-label.h"
#include "cs-schema.h"

/*
 * A read model of changes for the app: the plan entries the engine keeps
 * (cs_plan_item_to_json(), the history's changes) turned into records and
 * fields with the schemas' labels, so that no window parses JSON or shows a
 * field's API name.
 */

void
cs_field_change_free (CsFieldChange *change)
{
	if (change == NULL)
		return;
	g_free (change->field);
	g_free (change->label);
	g_free (change->old_text);
	g_free (change->new_text);
	g_free (change->row);
	g_free (change);
}

/* "First name: Ada → Ann"; a created record's field shows its value, a deleted one's the old */
gchar *
cs_field_change_to_text (const CsFieldChange *c)
{
	if (c->old_text == NULL)
		return g_strdup_printf ("%s: %s", c->label, c->new_text);
	if (c->new_text == NULL)
		return g_strdup_printf ("%s: %s", c->label, c->old_text);
	/* TRANSLATORS: a field's label, its old value and its new value */
	return g_strdup_printf (_ ("%s: %s → %s"), c->label, c->old_text, c->new_text);
}

void
cs_record_change_free (CsRecordChange *change)
{
	if (change == NULL)
		return;
	g_free (change->label);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_free (change->what[s]);
		g_free (change->id[s]);
	}
	g_free (change->reason);
	g_ptr_array_unref (change->fields);
	g_free (change);
}

struct _CsFieldLabels {
	CsEngine *engine;			       /* (owned) (nullable) */
	CsSchema *schemas[CS_SIDE_LAST][CS_KIND_LAST]; /* (owned) (nullable) loaded on demand */
	gboolean tried[CS_SIDE_LAST][CS_KIND_LAST];
	/* a folder's own field names (no schema) are the services' names: their labels */
	CsSchema *builtin[3][CS_KIND_LAST]; /* (owned) (nullable) loaded on demand */
	gboolean builtin_tried[CS_KIND_LAST];
	GHashTable *translated; /* label → translated label */
};

static const gchar *const builtin_schemas[3] = {"outlook", "orocrm", "webcrm"};

/**
 * cs_field_labels_new:
 * @engine: (nullable): the profile's engine: its mapping's schemas (else its
 *   providers') name the fields; without one, fields are shown by their names
 */
CsFieldLabels *
cs_field_labels_new (CsEngine *engine)
{
	CsFieldLabels *self = g_new0 (CsFieldLabels, 1);
	self->engine = engine != NULL ? g_object_ref (engine) : NULL;
	self->translated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	return self;
}

void
cs_field_labels_free (CsFieldLabels *self)
{
	if (self == NULL)
		return;
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		for (guint k = 0; k < CS_KIND_LAST; k++)
			g_clear_object (&self->schemas[s][k]);
	for (guint b = 0; b < G_N_ELEMENTS (builtin_schemas); b++)
		for (guint k = 0; k < CS_KIND_LAST; k++)
			g_clear_object (&self->builtin[b][k]);
	g_clear_object (&self->engine);
	g_hash_table_unref (self->translated);
	g_free (self);
}

/* the schema's label of @field, translated; the field's own name when no schema knows it */
const gchar *
cs_field_labels_lookup (CsFieldLabels *self, CsKind kind, CsSide side, const gchar *field)
{
	const CsFieldSpec *spec;
	const gchar *t;
	if (!self->tried[side][kind]) {
		CsMapping *mapping
			= self->engine != NULL ? cs_engine_get_mapping (self->engine) : NULL;
		const gchar *name
			= mapping != NULL ? cs_mapping_get_schema_name (mapping, side) : NULL;
		self->tried[side][kind] = TRUE;
		if (name != NULL)
			self->schemas[side][kind] = cs_schema_load_builtin (name, kind, NULL);
		else if (self->engine != NULL)
			/* a mapping of the same fields on both sides (folder ↔ folder) names
			 * no schema: the side's own provider knows its fields */
			self->schemas[side][kind] = cs_provider_get_schema (
				cs_engine_get_provider (self->engine, side), kind, NULL);
	}
	spec = self->schemas[side][kind] != NULL
		       ? cs_schema_lookup (self->schemas[side][kind], field)
		       : NULL;
	if (spec == NULL || spec->label == NULL) {
		/* a side without a schema of its own (a folder) names its fields as one of
		 * the services does (firstName, jobTitle): that service's label */
		if (!self->builtin_tried[kind]) {
			self->builtin_tried[kind] = TRUE;
			for (guint b = 0; b < G_N_ELEMENTS (builtin_schemas); b++)
				self->builtin[b][kind] = cs_schema_load_builtin (builtin_schemas[b], kind,
										 NULL);
		}
		spec = NULL;
		for (guint b = 0; spec == NULL && b < G_N_ELEMENTS (builtin_schemas); b++) {
			const CsFieldSpec *f = self->builtin[b][kind] != NULL
						       ? cs_schema_lookup (self->builtin[b][kind], field)
						       : NULL;
			if (f != NULL && f->label != NULL)
				spec = f;
		}
	}
	if (spec == NULL || spec->label == NULL)
		return field;
	t = g_hash_table_lookup (self->translated, spec->label);
	if (t == NULL) {
		gchar *tr = cs_label_translate_field (spec->label);
		g_hash_table_insert (self->translated, g_strdup (spec->label), tr);
		t = tr;
	}
	return t;
}

/**
 * cs_field_labels_func:
 * @labels: a #CsFieldLabels
 *
 * cs_field_labels_lookup() as a #CsFieldLabelFunc (the report's text); a field no schema of
 * @side knows is looked up on the other side (a mapping row names the CRM's field)
 */
const gchar *
cs_field_labels_func (CsKind kind, CsSide side, const gchar *field, gpointer labels)
{
	const gchar *label = cs_field_labels_lookup (labels, kind, side, field);
	if (label == field)
		label = cs_field_labels_lookup (labels, kind, side == CS_SIDE_CRM ? CS_SIDE_OUTLOOK
										 : CS_SIDE_CRM, field);
	return label;
}

static gchar *
value_text (JsonNode *n)
{
	if (n == NULL || JSON_NODE_HOLDS_NULL (n))
		return g_strdup (_ ("(empty)"));
	if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
		return g_strdup (json_node_get_string (n));
	return json_to_string (n, FALSE);
}

/**
 * cs_record_change_new_from_entry:
 * @entry: a plan entry, as cs_plan_item_to_json() makes it and the history keeps it
 *
 * Returns: (transfer full) (nullable): the record's changes, %NULL for an entry of no kind
 */
CsRecordChange *
cs_record_change_new_from_entry (JsonObject *entry, CsFieldLabels *labels)
{
	CsRecordChange *rc;
	CsKind kind;
	JsonArray *changes = json_object_get_array_member (entry, "changes");
	const gchar *label = json_object_get_string_member_with_default (entry, "label", "");

	if (!cs_kind_from_string (json_object_get_string_member_with_default (entry, "kind", ""),
				  &kind))
		return NULL;
	rc = g_new0 (CsRecordChange, 1);
	rc->kind = kind;
	rc->fields = g_ptr_array_new_with_free_func ((GDestroyNotify)cs_field_change_free);
	/* a record without a name falls back to its id, as the CLI does */
	if (label[0] == '\0')
		label = json_object_get_string_member_with_default (entry, "crm_id", NULL);
	if (label == NULL)
		label = json_object_get_string_member_with_default (entry, "outlook_id", "");
	rc->label = g_strdup (label);
	rc->link = g_strcmp0 (json_object_get_string_member_with_default (entry, "action", ""),
			      "link")
		   == 0;
	rc->reason = g_strdup (json_object_get_string_member_with_default (entry, "reason", NULL));
	rc->id[CS_SIDE_CRM]
		= g_strdup (json_object_get_string_member_with_default (entry, "crm_id", NULL));
	rc->id[CS_SIDE_OUTLOOK]
		= g_strdup (json_object_get_string_member_with_default (entry, "outlook_id", NULL));
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		rc->what[s] = g_strdup (json_object_get_string_member_with_default (
			entry, cs_side_to_string ((CsSide)s), NULL));
	for (guint i = 0; changes != NULL && i < json_array_get_length (changes); i++) {
		JsonObject *ch = json_array_get_object_element (changes, i);
		CsFieldChange *fc = g_new0 (CsFieldChange, 1);
		const gchar *side = json_object_get_string_member_with_default (ch, "side", "");
		const gchar *what;
		fc->side = g_strcmp0 (side, "crm") == 0 ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;
		what = rc->what[fc->side];
		fc->field = g_strdup (json_object_get_string_member_with_default (ch, "field", ""));
		fc->row = g_strdup (json_object_get_string_member_with_default (ch, "row", NULL));
		fc->label = g_strdup (
			labels != NULL ? cs_field_labels_lookup (labels, kind, fc->side, fc->field)
				       : fc->field);
		if (g_strcmp0 (what, "create") != 0)
			fc->old_text = value_text (json_object_get_member (ch, "old"));
		if (g_strcmp0 (what, "delete") != 0)
			fc->new_text = value_text (json_object_get_member (ch, "new"));
		g_ptr_array_add (rc->fields, fc);
	}
	return rc;
}

/**
 * cs_record_change_new_from_item:
 *
 * Returns: (transfer full) (nullable): what a plan item would change, each
 *   field with its mapping row (CsFieldChange.row: what cs_plan_item_set_field_ticked() takes)
 */
CsRecordChange *
cs_record_change_new_from_item (const CsPlanItem *item, CsEngine *engine, CsFieldLabels *labels)
{
	g_autoptr (JsonNode) n
		= cs_plan_item_to_json (item, cs_engine_get_mapping (engine), NULL, TRUE);
	return cs_record_change_new_from_entry (json_node_get_object (n), labels);
}

/**
 * cs_record_changes_from_plan:
 * @plan: (element-type JsonObject): a report's plan (cs_run_report_get_plan())
 *
 * Returns: (transfer full) (element-type CsRecordChange)
 */
GPtrArray *
cs_record_changes_from_plan (JsonArray *plan, CsEngine *engine)
{
	g_autoptr (CsFieldLabels) labels = cs_field_labels_new (engine);
	GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)cs_record_change_free);
	for (guint i = 0; plan != NULL && i < json_array_get_length (plan); i++) {
		CsRecordChange *rc = cs_record_change_new_from_entry (
			json_array_get_object_element (plan, i), labels);
		if (rc != NULL)
			g_ptr_array_add (out, rc);
	}
	return out;
}

/**
 * cs_record_changes_for_run:
 *
 * What run @run_id changed, record by record (the history keeps it for the
 * last runs only: an older run has none).
 *
 * Returns: (transfer full) (element-type CsRecordChange): the changes, or %NULL with @error
 */
GPtrArray *
cs_record_changes_for_run (CsState *state, CsEngine *engine, gint64 run_id, GError **error)
{
	g_autoptr (GPtrArray) kept = cs_state_get_changes (state, run_id, error);
	g_autoptr (CsFieldLabels) labels = NULL;
	GPtrArray *out;
	if (kept == NULL)
		return NULL;
	labels = cs_field_labels_new (engine);
	out = g_ptr_array_new_with_free_func ((GDestroyNotify)cs_record_change_free);
	for (guint i = 0; i < kept->len; i++) {
		CsRunChange *c = g_ptr_array_index (kept, i);
		g_autoptr (JsonNode) n = json_from_string (c->entry, NULL);
		CsRecordChange *rc;
		if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
			continue;
		rc = cs_record_change_new_from_entry (json_node_get_object (n), labels);
		if (rc != NULL)
			g_ptr_array_add (out, rc);
	}
	return out;
}

static JsonNode *
parse_value (const gchar *text)
{
	g_autoptr (JsonParser) p = json_parser_new ();
	if (text == NULL || !json_parser_load_from_data (p, text, -1, NULL)
	    || json_parser_get_root (p) == NULL)
		return json_node_new (JSON_NODE_NULL);
	return json_node_copy (json_parser_get_root (p));
}

/**
 * cs_value_json_to_text:
 * @json: (nullable): a value as the state keeps it (JSON)
 *
 * Returns: (transfer full): the value as a person reads it ("(empty)" for none)
 */
gchar *
cs_value_json_to_text (const gchar *json)
{
	g_autoptr (JsonNode) n = parse_value (json);
	return value_text (n);
}

/**
 * cs_conflict_typed_value:
 * @text: what the user typed as the value to keep
 *
 * The typed text as a value of the field's type: the type the two sides'
 * values have (a number stays a number when the text is one); text otherwise.
 *
 * Returns: (transfer full): JSON for cs_state_decide_conflict()
 */
gchar *
cs_conflict_typed_value (const CsConflict *c, const gchar *text)
{
	g_autoptr (JsonNode) crm = parse_value (c->crm_value);
	g_autoptr (JsonNode) outlook = parse_value (c->outlook_value);
	g_autoptr (JsonNode) str = json_node_new (JSON_NODE_VALUE);
	JsonNode *sample = !JSON_NODE_HOLDS_NULL (crm) ? crm : outlook;
	if (!JSON_NODE_HOLDS_NULL (sample)
	    && !(JSON_NODE_HOLDS_VALUE (sample)
		 && json_node_get_value_type (sample) == G_TYPE_STRING)) {
		g_autoptr (JsonParser) p = json_parser_new ();
		if (json_parser_load_from_data (p, text, -1, NULL)
		    && json_parser_get_root (p) != NULL
		    && JSON_NODE_TYPE (json_parser_get_root (p)) == JSON_NODE_TYPE (sample))
			return json_to_string (json_parser_get_root (p), FALSE);
	}
	json_node_set_string (str, text);
	return json_to_string (str, FALSE);
}

/**
 * cs_conflict_get_field_label:
 *
 * The conflict's field as the user knows it. A conflict names the mapping's
 * row, which is the CRM side's field name.
 *
 * Returns: (transfer full)
 */
gchar *
cs_conflict_get_field_label (const CsConflict *c, CsFieldLabels *labels)
{
	return g_strdup (cs_field_labels_lookup (labels, c->kind, CS_SIDE_CRM, c->field));
}

/**
 * cs_record_change_matches:
 *
 * Whether @item (of a plan made again) is the record @change shows: the same
 * kind and the same records on both sides.
 */
gboolean
cs_record_change_matches (const CsRecordChange *change, const CsPlanItem *item)
{
	return change->kind == item->kind
	       && g_strcmp0 (change->id[CS_SIDE_CRM], cs_plan_item_get_id (item, CS_SIDE_CRM)) == 0
	       && g_strcmp0 (change->id[CS_SIDE_OUTLOOK],
			     cs_plan_item_get_id (item, CS_SIDE_OUTLOOK))
			  == 0;
}
