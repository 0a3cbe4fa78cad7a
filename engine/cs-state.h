/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "cs-read-sink.h"
#include "cs-record.h"

G_BEGIN_DECLS

#define CS_STATE_ERROR (cs_state_error_quark ())
typedef enum {
	CS_STATE_ERROR_FAILED,
	CS_STATE_ERROR_FULL,	/* the disk is full */
	CS_STATE_ERROR_CORRUPT,
	CS_STATE_ERROR_TOO_NEW,	/* written by a newer crmsync */
} CsStateError;
GQuark cs_state_error_quark (void);

/* a pair of records known to be the same item on both sides */
typedef struct {
	CsKind kind;
	gchar *outlook_id;	/* (owned) (nullable) */
	gchar *crm_id;		/* (owned) (nullable) */
	gchar *outlook_version;	/* (owned) (nullable) */
	gchar *crm_version;	/* (owned) (nullable) */
	gchar *snapshot;	/* (owned) (nullable): the last agreed common values, JSON */
	gchar *folder;		/* (owned) (nullable): Outlook folder, to see moves */
	gboolean crm_gone;	/* deleted in the CRM and kept out of it (policy ignore) */
	gboolean outlook_gone;
	gint64 synced_at;
} CsLink;

CsLink *cs_link_new (CsKind kind);
CsLink *cs_link_copy (const CsLink *link);
void cs_link_free (CsLink *link);
const gchar *cs_link_get_id (const CsLink *link, CsSide side);
void cs_link_set_id (CsLink *link, CsSide side, const gchar *id);
const gchar *cs_link_get_version (const CsLink *link, CsSide side);
void cs_link_set_version (CsLink *link, CsSide side, const gchar *version);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsLink, cs_link_free)

typedef struct {
	gint64 id;
	CsKind kind;
	CsSide target;
	gchar *source_id;	/* (owned) the record on the other side */
	gchar *values;		/* (owned) the common values written, JSON */
} CsJournalEntry;
void cs_journal_entry_free (CsJournalEntry *entry);

typedef struct {
	gint64 id;
	gint64 started;
	gint64 finished;
	gchar *trigger;	/* (owned) */
	gchar *status;	/* (owned) ok | partial | failed | stopped | dry-run */
	gchar *report;	/* (owned) (nullable) JSON */
	gchar *error;	/* (owned) (nullable) */
} CsRunInfo;
void cs_run_info_free (CsRunInfo *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsRunInfo, cs_run_info_free)

typedef struct {
	CsKind kind;
	gchar *outlook_id;
	gchar *crm_id;
	gchar *field;
	gchar *crm_value;	/* JSON */
	gchar *outlook_value;
	gchar *base_value;
	gint64 detected;
	gint64 id;		/* what `crmsync-cli conflicts` shows and `resolve` takes */
} CsConflict;
void cs_conflict_free (CsConflict *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsConflict, cs_conflict_free)

typedef struct {
	CsKind kind;
	CsSide side;
	gchar *id;
	gchar *reason;
} CsStateSkip;
void cs_state_skip_free (CsStateSkip *skip);

/* an Outlook record kept for later runs (an e-mail waiting for its CRM person) */
typedef struct {
	CsRecord *record;	/* (owned) as read */
	gint64 first_seen;	/* UTC µs */
} CsStateWaiting;
void cs_state_waiting_free (CsStateWaiting *waiting);

/* a value a conflict strategy wrote over, kept for undo */
typedef struct {
	gint64 run_id;	/* -1: not in a recorded run */
	CsKind kind;
	CsSide side;	/* where it was lost */
	gchar *id;	/* the record on that side */
	gchar *label;
	gchar *field;
	gchar *kept;	/* JSON */
	gchar *lost;	/* JSON */
} CsStateOverwrite;
void cs_state_overwrite_free (CsStateOverwrite *overwrite);
/* a probable match held for the user's review */
typedef struct {
	CsKind kind;
	gchar *crm_id;		/* (owned) */
	gchar *outlook_id;	/* (owned) */
	gchar *reason;		/* (owned) */
	gchar *crm_label;	/* (owned) (nullable) */
	gchar *outlook_label;	/* (owned) (nullable) */
} CsReview;
void cs_review_free (CsReview *review);

#define CS_TYPE_STATE (cs_state_get_type ())
G_DECLARE_FINAL_TYPE (CsState, cs_state, CS, STATE, GObject)

#define CS_STATE_SCHEMA_VERSION 8

CsState *cs_state_open (const gchar *path, GError **error);
const gchar *cs_state_get_path (CsState *self);
gint cs_state_get_schema_version (CsState *self);

gboolean cs_state_begin (CsState *self, GError **error);
gboolean cs_state_commit (CsState *self, GError **error);
void cs_state_rollback (CsState *self);

CsLink *cs_state_get_link (CsState *self, CsKind kind, CsSide side, const gchar *id,
			   GError **error);
gchar *cs_state_get_link_version (CsState *self, CsKind kind, CsSide side, const gchar *id);
GPtrArray *cs_state_get_links_light (CsState *self, CsKind kind, GError **error);
gchar *cs_state_get_held_why (CsState *self, CsSide side, CsKind kind, const gchar *id,
			      GError **error);
GPtrArray *cs_state_get_held_due (CsState *self, CsSide side, CsKind kind, const gchar *unselected,
				  const gchar *unmatched, const gchar *rules, gboolean persons_changed,
				  GError **error);
gboolean cs_state_load_snapshot (CsState *self, CsLink *link, GError **error);
GPtrArray *cs_state_get_links (CsState *self, CsKind kind, GError **error);
gboolean cs_state_has_links (CsState *self, CsKind kind, GError **error);
gint64 cs_state_count_links (CsState *self, CsKind kind, CsSide side);
GHashTable *cs_state_get_linked_ids (CsState *self, CsKind kind, CsSide side, GError **error);
gint64 cs_state_count_held (CsState *self, CsSide side, CsKind kind, GError **error);
gboolean cs_state_put_link (CsState *self, const CsLink *link, GError **error);
gboolean cs_state_remove_link (CsState *self, const CsLink *link, GError **error);

gchar *cs_state_get_cursor (CsState *self, CsSide side, CsKind kind);
gboolean cs_state_set_cursor (CsState *self, CsSide side, CsKind kind, const gchar *token,
			      GError **error);
gboolean cs_state_clear_cursors (CsState *self, GError **error);

gint64 cs_state_journal_add (CsState *self, CsKind kind, CsSide target, const gchar *source_id,
			     const gchar *values, GError **error);
gboolean cs_state_journal_remove (CsState *self, gint64 id, GError **error);
GPtrArray *cs_state_journal_pending (CsState *self, CsKind kind, GError **error);
/* updates are journalled with source_id "=" + the target's own id */
#define CS_JOURNAL_UPDATE_PREFIX "="
gboolean cs_state_journal_remove_for_link (CsState *self, CsKind kind, const gchar *crm_id,
					  const gchar *outlook_id, GError **error);

gint64 cs_state_run_begin (CsState *self, const gchar *trigger, GError **error);
gboolean cs_state_run_finish (CsState *self, gint64 id, const gchar *status,
			      const gchar *report, const gchar *error_text, GError **error);
GPtrArray *cs_state_get_runs (CsState *self, guint limit, GError **error);

gboolean cs_state_add_conflict (CsState *self, const CsConflict *conflict, GError **error);
GPtrArray *cs_state_get_conflicts (CsState *self, GError **error);
gboolean cs_state_clear_conflicts (CsState *self, CsKind kind, const gchar *outlook_id,
				   GError **error);
gboolean cs_state_resolve_conflict (CsState *self, CsKind kind, const gchar *outlook_id,
				    const gchar *field, CsSide winner, GError **error);

/* a user's decision on a conflict (`resolve`, the app): applied by the next run on
 * both sides, reading both records by id */
typedef struct {
	CsKind kind;
	gchar *outlook_id;
	gchar *crm_id;
	gchar *field;
	gint winner;	/* a CsSide, or -1: @value typed by the user */
	gchar *value;	/* JSON: the value to keep (the winner's when the conflict was seen) */
	gchar *side_value[CS_SIDE_LAST]; /* JSON: what each side held when the conflict was seen */
} CsDecision;
void cs_decision_free (CsDecision *decision);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsDecision, cs_decision_free)

CsConflict *cs_state_get_conflict (CsState *self, gint64 id, GError **error);
gboolean cs_state_decide_conflict (CsState *self, gint64 id, gint winner, const gchar *value,
				   GError **error);
GPtrArray *cs_state_get_decisions (CsState *self, CsKind kind, GError **error);
gboolean cs_state_remove_decisions (CsState *self, CsKind kind, const gchar *outlook_id,
				    GError **error);
gchar *cs_state_get_link_label (CsState *self, CsKind kind, const gchar *outlook_id,
				const gchar *crm_id);

/* what each run changed, per record (the plan entries of what was written, with
 * the before-images `undo` needs); kept for the last @keep runs that changed something */
typedef struct {
	gint64 id;
	gint64 run_id;
	CsKind kind;
	gchar *entry;	/* (owned) JSON: the plan entry (`history --run`), each change
			 * with its mapping row: the before-images undo writes back */
	gchar *undo;	/* (owned) (nullable) JSON: more for undo, where needed */
} CsRunChange;
void cs_run_change_free (CsRunChange *change);

gboolean cs_state_add_change (CsState *self, gint64 run_id, CsKind kind, const gchar *entry,
			      const gchar *undo, GError **error);
GPtrArray *cs_state_get_changes (CsState *self, gint64 run_id, GError **error);
gboolean cs_state_prune_changes (CsState *self, guint keep, GError **error);
CsRunInfo *cs_state_get_run (CsState *self, gint64 id, GError **error);
gint64 cs_state_get_undoable_run (CsState *self, GError **error);
gboolean cs_state_mark_undone (CsState *self, gint64 run_id, gint64 undo_run, GError **error);
gint64 cs_state_get_undo_of (CsState *self, gint64 run_id);

CsState *cs_state_open_existing (const gchar *path, GError **error);

gboolean cs_state_set_skips (CsState *self, GPtrArray *skips, GError **error);
GPtrArray *cs_state_get_skips (CsState *self, GError **error);
gboolean cs_state_put_waiting (CsState *self, CsRecord *record, gint64 now, GError **error);
gboolean cs_state_remove_waiting (CsState *self, CsKind kind, const gchar *outlook_id,
				  GError **error);
GPtrArray *cs_state_get_waiting (CsState *self, CsKind kind, GError **error);
gchar *cs_state_get_setting (CsState *self, const gchar *name);
gboolean cs_state_set_setting (CsState *self, const gchar *name, const gchar *value,
			       GError **error);

gboolean cs_state_add_overwritten (CsState *self, const CsStateOverwrite *overwrite, GError **error);
GPtrArray *cs_state_get_overwritten (CsState *self, gint64 run_id, GError **error);
gboolean cs_state_hold_review (CsState *self, const CsReview *review, GError **error);
GPtrArray *cs_state_get_reviews (CsState *self, GError **error);
gboolean cs_state_drop_reviews (CsState *self, CsKind kind, CsSide side, const gchar *id,
				GError **error);
GHashTable *cs_state_get_held_ids (CsState *self, CsKind kind, CsSide side, GError **error);
gboolean cs_state_leave_alone (CsState *self, CsKind kind, CsSide side, const gchar *id,
			       GError **error);
GHashTable *cs_state_get_left_alone (CsState *self, CsKind kind, CsSide side, GError **error);
gboolean cs_state_forget_left_alone (CsState *self, CsKind kind, CsSide side, const gchar *id,
				     GError **error);
gboolean cs_state_mark_link_merge (CsState *self, CsKind kind, const gchar *crm_id,
				   const gchar *outlook_id, GError **error);
gint64 cs_state_count_link_merges (CsState *self, CsKind kind);
gboolean cs_state_clear_link_merge (CsState *self, CsKind kind, const gchar *crm_id,
				    const gchar *outlook_id, GError **error);

GHashTable *cs_state_get_held (CsState *self, CsSide side, CsKind kind, GError **error);
gboolean cs_state_put_held (CsState *self, CsSide side, CsKind kind, const gchar *id,
			    const gchar *why, GError **error);

G_END_DECLS
