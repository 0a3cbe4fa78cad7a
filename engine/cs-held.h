/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cs-profile.h"
#include "cs-read-sink.h"
#include "cs-state.h"

G_BEGIN_DECLS

GPtrArray *
cs_held_due (CsState *state, CsSide side, CsKind kind, const CsKindConfig *config,
	     gboolean persons_changed, GError **error);
gboolean
cs_held_update (CsState *state, CsSide side, CsKind kind, const CsKindConfig *config,
		CsReadSink *sink, GPtrArray *items, gboolean delta, gboolean persons_changed,
		GError **error);

G_END_DECLS
