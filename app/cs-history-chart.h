/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-run-report.h"
#include "cs-state.h"

G_BEGIN_DECLS

#define CS_TYPE_HISTORY_CHART (cs_history_chart_get_type ())
G_DECLARE_FINAL_TYPE (CsHistoryChart, cs_history_chart, CS, HISTORY_CHART, GtkDrawingArea)

GtkWidget *
cs_history_chart_new (void);
void
cs_history_chart_set_runs (CsHistoryChart *self, GPtrArray *runs, gint64 now);
guint
cs_history_chart_get_n_runs (CsHistoryChart *self);
guint
cs_history_chart_get_total (CsHistoryChart *self, CsCount what, CsSide side);

G_END_DECLS
