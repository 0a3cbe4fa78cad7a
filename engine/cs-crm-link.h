/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cs-mapping.h"
#include "cs-provider.h"
#include "cs-state.h"

G_BEGIN_DECLS

gboolean
cs_crm_link_resolve (CsProvider *crm, CsState *state, const CsMappingCrmLink *link, CsKind kind,
		     GPtrArray *records, GCancellable *cancellable, GError **error);

G_END_DECLS
