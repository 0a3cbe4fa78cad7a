/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-engine.h"

G_BEGIN_DECLS

typedef enum {
	CS_SCHEDULER_IDLE,
	CS_SCHEDULER_RUNNING,
	CS_SCHEDULER_PAUSED,	/* disabled by the user */
	CS_SCHEDULER_OFFLINE,	/* no network: waits, then syncs when it is back */
} CsSchedulerState;

#define CS_TYPE_SCHEDULER (cs_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (CsScheduler, cs_scheduler, CS, SCHEDULER, GObject)

CsScheduler *cs_scheduler_new (CsEngine *engine);
CsEngine *cs_scheduler_get_engine (CsScheduler *self);
void cs_scheduler_start (CsScheduler *self);
void cs_scheduler_stop (CsScheduler *self);
void cs_scheduler_trigger (CsScheduler *self, CsRunFlags flags);
void cs_scheduler_set_paused (CsScheduler *self, gboolean paused);
void cs_scheduler_cancel_run (CsScheduler *self);
void cs_scheduler_set_network_available (CsScheduler *self, gboolean available);
CsSchedulerState cs_scheduler_get_state (CsScheduler *self);
guint cs_scheduler_get_failures (CsScheduler *self);
guint cs_scheduler_get_delay (CsScheduler *self, CsSide side);
gint64 cs_scheduler_get_next_run (CsScheduler *self);
gint64 cs_scheduler_get_last_run (CsScheduler *self);
guint cs_scheduler_get_run_count (CsScheduler *self);
void cs_scheduler_sync_on_exit_async (CsScheduler *self, GCancellable *cancellable,
				      GAsyncReadyCallback callback, gpointer user_data);
gboolean cs_scheduler_sync_on_exit_finish (CsScheduler *self, GAsyncResult *result,
					   GError **error);

G_END_DECLS
