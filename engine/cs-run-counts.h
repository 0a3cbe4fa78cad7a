/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-run-report.h"
#include "cs-state.h"

G_BEGIN_DECLS

guint cs_run_info_get_count (const CsRunInfo *run, CsCount what, CsSide side, CsKind kind);

G_END_DECLS
