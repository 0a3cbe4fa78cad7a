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
void
cs_engine_find_duplicates_async (CsEngine *self, GCancellable *cancellable,
				 GAsyncReadyCallback callback, gpointer user_data);
JsonNode *
cs_engine_find_duplicates_finish (CsEngine *self, GAsyncResult *result, GError **error);
void
cs_engine_link_async (CsEngine *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
		      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
void
cs_engine_unlink_async (CsEngine *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
			GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean
cs_engine_pair_finish (CsEngine *self, GAsyncResult *result, GError **error);
void
cs_engine_link_preview_async (CsEngine *self, CsKind kind, const gchar *crm_id,
			      const gchar *outlook_id, GCancellable *cancellable,
			      GAsyncReadyCallback callback, gpointer user_data);
CsPlanItem *
cs_engine_link_preview_finish (CsEngine *self, GAsyncResult *result, GError **error);

G_END_DECLS
