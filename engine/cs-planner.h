/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-mapping.h"
#include "cs-profile.h"
#include "cs-state.h"
#include "cs-sync-plan.h"

G_BEGIN_DECLS

/* the field the engine sets on an Outlook e-mail it could not match to a CRM
 * person (the value is the reason), and the field with the person's id */
#define CS_PLANNER_SKIP_FIELD "crmsync:skip"
#define CS_PLANNER_LINK_FIELD "crmsync:link"
/* set by the engine on an Outlook record that waits for something in the CRM
 * (an e-mail's person): a skip tried again on later runs, the reason its value */
#define CS_PLANNER_WAIT_FIELD "crmsync:wait"
/* set by the engine on an Outlook record the rules keep out (counted under
 * "excluded", the reason its value): an e-mail whose wait ended */
#define CS_PLANNER_EXCLUDE_FIELD "crmsync:exclude"

/**
 * CsPlanInput:
 * @records: per side, the changes read (upserts and tombstones)
 * @complete: per side, whether @records lists every record (a record not
 *   listed is gone)
 * @links: (element-type CsLink): every link whose id appears in @records,
 *   and, for a complete side, every link of the kind
 * @journal: (nullable) (element-type CsJournalEntry): creates sent but not
 *   confirmed (a crash): matched to the new records by content
 * @owner: (nullable): the CRM user id for condition=owned
 * @writable: per side, whether the provider can write this kind
 * @fields: (nullable): per side, the fields its provider can hold (names
 *   from its schema); %NULL: every field
 * @decisions: (nullable): conflicts the user decided (`resolve`, the app)
 * @outside: (nullable): per side, ids of linked records a complete listing
 *   left out that are not gone (outside the side's horizon)
 * @match: whether probable matches are held for review
 * @held: (nullable): per side, ids held for review: never created
 * @alone: (nullable): per side, ids the user unlinked: never matched nor created
 */
typedef struct {
	CsKind kind;
	const CsKindConfig *config;
	CsConflictStrategy conflict;
	CsMapping *mapping;
	const gchar *const *key;
	GPtrArray *records[CS_SIDE_LAST];
	gboolean complete[CS_SIDE_LAST];
	gboolean writable[CS_SIDE_LAST];
	const gchar *side_name[CS_SIDE_LAST];
	GHashTable *fields[CS_SIDE_LAST];
	GPtrArray *links;
	GPtrArray *journal;
	const gchar *owner;
	GHashTable *decisions;	/* (nullable) Outlook id → GPtrArray of CsDecision: the
				 * user's conflict decisions, written to whichever side lacks them */
	GHashTable *outside[CS_SIDE_LAST];
	CsMatchMode match;
	GHashTable *held[CS_SIDE_LAST];
	GHashTable *alone[CS_SIDE_LAST];
} CsPlanInput;

void cs_planner_plan (const CsPlanInput *input, CsSyncPlan *plan);

typedef struct _CsPlannerStream CsPlannerStream;
CsPlannerStream *cs_planner_stream_new (const CsPlanInput *input);
void cs_planner_stream_feed (CsPlannerStream *self, GPtrArray *records, CsSyncPlan *plan);
void cs_planner_stream_finish (CsPlannerStream *self, GHashTable *listed, CsSyncPlan *plan);
void cs_planner_stream_free (CsPlannerStream *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPlannerStream, cs_planner_stream_free)
gboolean cs_planner_values_equal (GVariant *a, GVariant *b);
gchar *cs_planner_label (const CsRecord *crm, const CsRecord *outlook);

G_END_DECLS
