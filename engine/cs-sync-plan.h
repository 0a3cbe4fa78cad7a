/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include <json-glib/json-glib.h>

#include "cs-mapping.h"
#include "cs-record.h"
#include "cs-state.h"

G_BEGIN_DECLS

typedef enum {
	CS_PLAN_CREATE,	 /* a new record on the target side */
	CS_PLAN_UPDATE,	 /* changes to one or both sides */
	CS_PLAN_DELETE,	 /* a deletion carried over */
	CS_PLAN_RESTORE, /* a deleted record created again from the other side */
	CS_PLAN_LINK,	 /* two existing records found to be the same (key match) */
	CS_PLAN_FORGET,	 /* gone on both sides, or kept out of one: the link changes, nothing is written */
	CS_PLAN_REFRESH, /* nothing to write; the stored versions move on */
	CS_PLAN_SKIP,	 /* cannot or must not be synced; reason says why */
	CS_PLAN_CONFLICT,/* both sides changed the same field; kept for the user (manual) */
	CS_PLAN_REVIEW,	 /* a probable match: held for the user's review, nothing written */
} CsPlanAction;

const gchar *cs_plan_action_to_string (CsPlanAction action);

/**
 * CsOverwrite:
 *
 * A value a conflict strategy (or a one-way direction) writes over: on
 * @side, @field held @lost and gets @kept. Values are JSON texts.
 */
typedef struct {
	CsSide side;
	gchar *field;	/* (owned) the mapping row */
	gchar *kept;	/* (owned) JSON */
	gchar *lost;	/* (owned) JSON */
} CsOverwrite;
void cs_overwrite_free (CsOverwrite *overwrite);

/**
 * CsPlanItem:
 *
 * What happens to one pair of records. An item may write to both sides (a
 * merge). @values is what both sides hold afterwards (the new snapshot).
 */
typedef struct {
	CsKind kind;
	CsPlanAction action;
	CsRecord *crm;		/* (owned) (nullable) as read, or NULL if unchanged/absent */
	CsRecord *outlook;	/* (owned) (nullable) */
	CsLink *link;		/* (owned) (nullable) the link before the run */
	GHashTable *values;	/* (owned) (nullable) row → value after the run */
	gchar **rows[CS_SIDE_LAST];	/* (owned) (nullable) rows to write, per target side */
	gboolean create[CS_SIDE_LAST];
	gboolean delete[CS_SIDE_LAST];
	gboolean gone[CS_SIDE_LAST];	/* mark the link: kept out of that side */
	gboolean forget;		/* drop the link */
	gchar *blocked[CS_SIDE_LAST];	/* (owned) (nullable) why a needed write cannot happen */
	GPtrArray *conflicts;	/* (owned) (nullable) (element-type CsConflict) */
	gchar *reason;		/* (owned) (nullable) skip reason */
	CsSide skip_side;	/* whose record was skipped */
	gchar *label;		/* (owned) what the user sees: name or subject */
	gboolean selected;	/* the Sync all preview's tick */
	gint64 journal_id;	/* a create sent before a crash, found again (0: none) */
	gpointer engine_data;
	GPtrArray *overwritten;	/* (owned) (nullable) (element-type CsOverwrite) */
	gboolean excluded;	/* a skip the rules make by design (not the user's to fix) */
	gboolean waiting;	/* a skip tried again on later runs (an e-mail's person) */
	/* (owned) (nullable) row → value written to that side instead of @values' (undo:
	 * the two sides held different values before the run it takes back) */
	GHashTable *side_values[CS_SIDE_LAST];
	/* (owned) (nullable) per side written to, the rows of an update the user left out
	 * (the preview's unticked field changes; a set of row ids) */
	GHashTable *unticked[CS_SIDE_LAST];
	/* that side's record holds a change left out: the link keeps the version it had, so
	 * the next run reads the record as changed and offers the change again */
	gboolean keep_version[CS_SIDE_LAST];
} CsPlanItem;

CsPlanItem *cs_plan_item_new (CsKind kind, CsPlanAction action);
void cs_plan_item_free (CsPlanItem *item);
void cs_plan_item_release (CsPlanItem *item);
const gchar *cs_plan_item_get_id (const CsPlanItem *item, CsSide side);
GHashTable *cs_plan_item_values_for (const CsPlanItem *item, CsSide side);
gboolean cs_plan_item_is_shown (const CsPlanItem *item);
gboolean cs_plan_item_can_untick_fields (const CsPlanItem *item);
void cs_plan_item_set_field_ticked (CsPlanItem *item, CsSide side, const gchar *row,
				    gboolean ticked);
gboolean cs_plan_item_is_field_ticked (const CsPlanItem *item, CsSide side, const gchar *row);
const gchar *cs_plan_item_find_row (const CsPlanItem *item, CsMapping *mapping, CsSide side,
				    const gchar *field);
void cs_plan_item_leave_unticked (CsPlanItem *item, CsMapping *mapping);
JsonNode *cs_plan_item_to_json (const CsPlanItem *item, CsMapping *mapping,
				const gchar *const *new_ids, gboolean with_rows);
gchar *cs_plan_item_to_text (const CsPlanItem *item, CsMapping *mapping,
			     const gchar *const *new_ids, gboolean with_rows);

#define CS_TYPE_SYNC_PLAN (cs_sync_plan_get_type ())
G_DECLARE_FINAL_TYPE (CsSyncPlan, cs_sync_plan, CS, SYNC_PLAN, GObject)

CsSyncPlan *cs_sync_plan_new (void);
void cs_sync_plan_add (CsSyncPlan *self, CsPlanItem *item);
GPtrArray *cs_sync_plan_get_items (CsSyncPlan *self);
guint cs_sync_plan_count (CsSyncPlan *self, CsKind kind, CsSide side, CsPlanAction action);
guint cs_sync_plan_count_writes (CsSyncPlan *self);

G_END_DECLS
