/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-engine.h"

G_BEGIN_DECLS

CsEngine *cs_engine_new_with_providers (CsProfile *profile, CsSecrets *secrets, CsProvider *crm,
					CsProvider *outlook, GError **error);
gboolean cs_engine_read_all (CsEngine *self, guint kinds, GCancellable *cancellable,
			     GError **error);
CsReadSink *cs_engine_get_sink (CsEngine *self, CsSide side, CsKind kind);
gint64 cs_engine_get_run_id (CsEngine *self);

/* cs-engine-horizon.c: what a listing leaves out */
gboolean cs_engine_horizon_find_creates (CsProvider **providers, CsReadSink **sinks, CsState *state,
					 CsMapping *mapping, const CsKindConfig *config, CsKind kind,
					 const gchar *const *key, GCancellable *cancellable,
					 GError **error);
gboolean cs_engine_horizon_absent (CsProvider **providers, CsReadSink **sinks, CsMapping *mapping,
				   CsKind kind, GPtrArray *links, GHashTable **outside,
				   GCancellable *cancellable, GError **error);
gboolean cs_engine_horizon_moved (CsProvider **providers, CsReadSink **sinks, CsState *state,
				  CsMapping *mapping, CsKind kind, const gchar *const *key,
				  GPtrArray *links, GHashTable **outside, gboolean write,
				  GCancellable *cancellable, GError **error);
gboolean cs_engine_review_prune (CsState *state, CsReadSink **sinks, CsKind kind, GHashTable **held,
				 gboolean write, GError **error);

G_END_DECLS
