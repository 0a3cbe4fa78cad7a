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

G_END_DECLS
