/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-run-report.h"
#include "cs-state.h"

G_BEGIN_DECLS

guint
cs_run_info_get_count (const CsRunInfo *run, CsCount what, CsSide side, CsKind kind);
void
cs_run_info_get_totals (const CsRunInfo *run, guint totals[CS_COUNT_LAST][CS_SIDE_LAST]);
GHashTable *
cs_run_info_get_skip_labels (const CsRunInfo *run);
gchar *
cs_run_skip_key (CsKind kind, CsSide side, const gchar *id);

G_END_DECLS
