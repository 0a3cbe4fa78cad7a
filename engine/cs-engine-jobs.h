/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-engine.h"

G_BEGIN_DECLS

void
cs_engine_prepare_async (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
			 GAsyncReadyCallback callback, gpointer user_data);
CsSyncPlan *
cs_engine_prepare_finish (CsEngine *self, GAsyncResult *result, GError **error);
void
cs_engine_apply_async (CsEngine *self, CsSyncPlan *plan, CsRunFlags flags, const gchar *trigger,
		       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
CsRunReport *
cs_engine_apply_finish (CsEngine *self, GAsyncResult *result, GError **error);
void
cs_engine_undo_async (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
		      GAsyncReadyCallback callback, gpointer user_data);
CsRunReport *
cs_engine_undo_finish (CsEngine *self, GAsyncResult *result, GError **error);

G_END_DECLS
