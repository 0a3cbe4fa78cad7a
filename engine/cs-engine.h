/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cs-mapping.h"
#include "cs-profile.h"
#include "cs-provider.h"
#include "cs-run-report.h"
#include "cs-state.h"
#include "cs-sync-plan.h"

G_BEGIN_DECLS

#define CS_ENGINE_ERROR (cs_engine_error_quark ())
typedef enum {
	CS_ENGINE_ERROR_CONFIG,	 /* the profile or a plugin setting is wrong */
	CS_ENGINE_ERROR_BUSY,	 /* a run is already going */
} CsEngineError;
GQuark cs_engine_error_quark (void);

typedef enum {
	CS_RUN_FLAG_NONE = 0,
	CS_RUN_FLAG_DRY_RUN = 1 << 0,	   /* plan and report, write nothing */
	CS_RUN_FLAG_ALL = 1 << 1,	   /* "Sync all": full listings, relink by key */
	CS_RUN_FLAG_FORCE_DELETE = 1 << 2, /* the user confirmed the deletions a guard stopped */
	CS_RUN_FLAG_FORCE = 1 << 3,	   /* the user confirmed a mass update a guard stopped */
	/* the scheduler: that side is not due, it is not read this run (its
	 * records count as unchanged, as in a delta with nothing new); ignored
	 * with CS_RUN_FLAG_ALL */
	CS_RUN_FLAG_SKIP_CRM = 1 << 8,
	CS_RUN_FLAG_SKIP_OUTLOOK = 1 << 9,
} CsRunFlags;

typedef enum {
	CS_PHASE_READ_CRM,
	CS_PHASE_READ_OUTLOOK,
	CS_PHASE_PLAN,
	CS_PHASE_APPLY,
	CS_PHASE_LAST
} CsPhase;

#define CS_TYPE_ENGINE (cs_engine_get_type ())
G_DECLARE_FINAL_TYPE (CsEngine, cs_engine, CS, ENGINE, GObject)

CsEngine *cs_engine_new (CsProfile *profile, CsSecrets *secrets, GError **error);
CsProfile *cs_engine_get_profile (CsEngine *self);
CsState *cs_engine_get_state (CsEngine *self);
CsMapping *cs_engine_get_mapping (CsEngine *self);
CsProvider *cs_engine_get_provider (CsEngine *self, CsSide side);
gboolean cs_engine_is_enabled (CsEngine *self, CsKind kind);

CsSyncPlan *cs_engine_prepare (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
			       GError **error);
CsRunReport *cs_engine_apply (CsEngine *self, CsSyncPlan *plan, CsRunFlags flags,
			      GCancellable *cancellable, GError **error);
CsRunReport *cs_engine_run (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
			    GError **error);
CsRunReport *cs_engine_apply_run (CsEngine *self, CsSyncPlan *plan, CsRunFlags flags,
				  GCancellable *cancellable, GError **error);
CsRunReport *cs_engine_undo (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
			     GError **error);

void cs_engine_run_async (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data);
CsRunReport *cs_engine_run_finish (CsEngine *self, GAsyncResult *result, GError **error);
gboolean cs_engine_is_running (CsEngine *self);
void cs_engine_request_stop (CsEngine *self);

CsExitCode cs_engine_exit_code_for_error (const GError *error);

gboolean cs_engine_open (CsEngine *self, GCancellable *cancellable, GError **error);
GPtrArray *cs_engine_get_records (CsEngine *self, CsSide side, CsKind kind);

/* cs-engine-review.c: duplicates, link, unlink */
gboolean cs_engine_link (CsEngine *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
			 GCancellable *cancellable, GError **error);
CsPlanItem *cs_engine_link_preview (CsEngine *self, CsKind kind, const gchar *crm_id,
				    const gchar *outlook_id, GCancellable *cancellable,
				    GError **error);
CsRunReport *cs_engine_link_dry_run (CsEngine *self, CsKind kind, const gchar *crm_id,
				     const gchar *outlook_id, GCancellable *cancellable,
				     GError **error);
gboolean cs_engine_unlink (CsEngine *self, CsKind kind, CsSide side, const gchar *id,
			   GCancellable *cancellable, GError **error);
JsonNode *cs_engine_find_duplicates (CsEngine *self, GCancellable *cancellable, GError **error);

G_END_DECLS
