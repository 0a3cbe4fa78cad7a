/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-engine.h"

G_BEGIN_DECLS

CsSyncPlan *
cs_undo_prepare (CsEngine *engine, gint64 *undo_of, GCancellable *cancellable, GError **error);

G_END_DECLS
