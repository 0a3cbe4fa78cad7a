/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cs-engine.h"
#include "cs-mapping.h"
#include "cs-state.h"
#include "cs-sync-plan.h"

G_BEGIN_DECLS

/**
 * CsFieldChange:
 *
 * One field of one record on one side, as a person reads it: the schema's
 * label (translated) and the values as text.
 */
typedef struct {
	CsSide side;
	gchar *field;	 /* (owned) the side's own field name */
	gchar *label;	 /* (owned) what the user sees ("First name") */
	gchar *old_text; /* (owned) (nullable) NULL: the record is created */
	gchar *new_text; /* (owned) (nullable) NULL: the record is deleted */
	gchar *row;	 /* (owned) (nullable) the mapping row, where the entry names it */
} CsFieldChange;
void
cs_field_change_free (CsFieldChange *change);
gchar *
cs_field_change_to_text (const CsFieldChange *change);

/**
 * CsRecordChange:
 *
 * What a plan (or a run, from its history) does to one record: its name,
 * per side "create", "update" or "delete" (NULL: nothing), and the fields.
 */
typedef struct {
	CsKind kind;
	gchar *label;		   /* (owned) the record's name */
	gchar *what[CS_SIDE_LAST]; /* (owned) (nullable) */
	gboolean link;		   /* two records found to be the same */
	gchar *reason;		   /* (owned) (nullable) why a write is left */
	gchar *id[CS_SIDE_LAST];   /* (owned) (nullable) the record on each side, before the run */
	GPtrArray *fields;	   /* (owned) (element-type CsFieldChange) */
} CsRecordChange;
void
cs_record_change_free (CsRecordChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsRecordChange, cs_record_change_free)

typedef struct _CsFieldLabels CsFieldLabels;
CsFieldLabels *
cs_field_labels_new (CsEngine *engine);
const gchar *
cs_field_labels_lookup (CsFieldLabels *self, CsKind kind, CsSide side, const gchar *field);
const gchar *
cs_field_labels_func (CsKind kind, CsSide side, const gchar *field, gpointer labels);
void
cs_field_labels_free (CsFieldLabels *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsFieldLabels, cs_field_labels_free)

CsRecordChange *
cs_record_change_new_from_entry (JsonObject *entry, CsFieldLabels *labels);
CsRecordChange *
cs_record_change_new_from_item (const CsPlanItem *item, CsEngine *engine, CsFieldLabels *labels);
GPtrArray *
cs_record_changes_from_plan (JsonArray *plan, CsEngine *engine);
GPtrArray *
cs_record_changes_for_run (CsState *state, CsEngine *engine, gint64 run_id, GError **error);

gboolean
cs_record_change_matches (const CsRecordChange *change, const CsPlanItem *item);
gchar *
cs_value_json_to_text (const gchar *json);
gchar *
cs_conflict_typed_value (const CsConflict *conflict, const gchar *text);
gchar *
cs_conflict_get_field_label (const CsConflict *conflict, CsFieldLabels *labels);

G_END_DECLS
