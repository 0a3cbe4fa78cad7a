/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cs-record.h"

G_BEGIN_DECLS

typedef enum {
	CS_RUN_OK,
	CS_RUN_PARTIAL,	/* some items skipped or failed, listed */
	CS_RUN_FAILED,
	CS_RUN_STOPPED,	/* a guard stopped it until the user confirms */
} CsRunStatus;

/* exit codes of crmsync-cli (DESIGN.md) */
typedef enum {
	CS_EXIT_OK = 0,
	CS_EXIT_PARTIAL = 1,
	CS_EXIT_CONFIG = 2,
	CS_EXIT_UNREACHABLE = 3,
	CS_EXIT_GUARD = 4,
	/* not in DESIGN.md's list: a full disk or a sync state that cannot be written
	 * is neither the network nor the configuration, and scripts and people act on
	 * it differently (free space, then run again) */
	CS_EXIT_LOCAL = 5,
} CsExitCode;

typedef enum {
	CS_COUNT_CREATED,
	CS_COUNT_UPDATED,
	CS_COUNT_DELETED,
	CS_COUNT_LINKED,
	CS_COUNT_LAST
} CsCount;

#define CS_TYPE_RUN_REPORT (cs_run_report_get_type ())
G_DECLARE_FINAL_TYPE (CsRunReport, cs_run_report, CS, RUN_REPORT, GObject)

CsRunReport *cs_run_report_new (void);
void cs_run_report_set_status (CsRunReport *self, CsRunStatus status);
CsRunStatus cs_run_report_get_status (CsRunReport *self);
void cs_run_report_set_dry_run (CsRunReport *self, gboolean dry_run);
void cs_run_report_add_count (CsRunReport *self, CsCount what, CsSide side, CsKind kind, guint n);
guint cs_run_report_get_count (CsRunReport *self, CsCount what, CsSide side, CsKind kind);
guint cs_run_report_get_total (CsRunReport *self, CsCount what);
void cs_run_report_add_waiting (CsRunReport *self, CsKind kind, CsSide side, const gchar *id,
				const gchar *label, const gchar *reason);
JsonArray *cs_run_report_get_waiting (CsRunReport *self);
void cs_run_report_add_skip (CsRunReport *self, CsKind kind, CsSide side, const gchar *id,
			     const gchar *label, const gchar *reason);
void cs_run_report_add_conflict (CsRunReport *self, CsKind kind, const gchar *id,
				 const gchar *label, const gchar *field);
void cs_run_report_add_overwritten (CsRunReport *self, CsKind kind, CsSide side, const gchar *id,
				    const gchar *label, const gchar *field, const gchar *kept,
				    const gchar *lost);
JsonArray *cs_run_report_get_overwritten (CsRunReport *self);
void cs_run_report_add_error (CsRunReport *self, const gchar *message);
void cs_run_report_set_guard (CsRunReport *self, const gchar *message);
const gchar *cs_run_report_get_guard (CsRunReport *self);
void cs_run_report_set_guard_confirm (CsRunReport *self, guint flags);
guint cs_run_report_get_guard_confirm (CsRunReport *self);
void cs_run_report_add_plan_entry (CsRunReport *self, JsonNode *entry);
JsonArray *cs_run_report_get_plan (CsRunReport *self);
void cs_run_report_add_excluded (CsRunReport *self, CsKind kind, CsSide side, const gchar *reason);
JsonArray *cs_run_report_get_excluded (CsRunReport *self);
gboolean cs_run_report_get_dry_run (CsRunReport *self);
guint cs_run_report_get_n_skipped (CsRunReport *self);
guint cs_run_report_get_n_conflicts (CsRunReport *self);
void cs_run_report_add_review (CsRunReport *self, CsKind kind, const gchar *crm_id,
			       const gchar *outlook_id, const gchar *label, const gchar *reason);
guint cs_run_report_get_n_review (CsRunReport *self);
guint cs_run_report_get_n_errors (CsRunReport *self);
JsonArray *cs_run_report_get_skipped (CsRunReport *self);
JsonArray *cs_run_report_get_conflicts (CsRunReport *self);
JsonArray *cs_run_report_get_errors (CsRunReport *self);
JsonNode *cs_run_report_to_json (CsRunReport *self);
CsExitCode cs_run_report_get_exit_code (CsRunReport *self);
gchar *cs_run_report_to_text (CsRunReport *self);
void cs_plan_append_text (JsonArray *plan, GString *out);
/**
 * CsFieldLabelFunc:
 * @side: the side whose field @field is (a conflict's or an overwrite's mapping row is the
 *   CRM's field)
 *
 * Returns: (nullable): the field's label as the user reads it ("Job title"), or %NULL
 */
typedef const gchar *(*CsFieldLabelFunc) (CsKind kind, CsSide side, const gchar *field,
					  gpointer user_data);
gchar *cs_run_report_to_text_labelled (CsRunReport *self, CsFieldLabelFunc func,
				       gpointer user_data);
void cs_plan_append_text_labelled (JsonArray *plan, GString *out, CsFieldLabelFunc func,
				   gpointer user_data);

G_END_DECLS
