/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-sync-profile.h"

G_BEGIN_DECLS

#define CS_TYPE_PROGRESS_WINDOW (cs_progress_window_get_type ())
G_DECLARE_FINAL_TYPE (CsProgressWindow, cs_progress_window, CS, PROGRESS_WINDOW, GtkWindow)

CsProgressWindow *cs_progress_window_new (GtkWindow *parent, CsSyncProfile *profile);
gboolean cs_progress_window_start (CsProgressWindow *self, CsRunFlags flags, GError **error);
gboolean cs_progress_window_is_finished (CsProgressWindow *self);
CsRunReport *cs_progress_window_get_report (CsProgressWindow *self);
const GError *cs_progress_window_get_error (CsProgressWindow *self);
gdouble cs_progress_window_get_fraction (CsProgressWindow *self);
GCancellable *cs_progress_window_get_cancellable (CsProgressWindow *self);

/* shared with the Sync all assistant: engine progress, marshalled to the GTK thread */
typedef void (*CsProgressFunc) (gpointer target, CsPhase phase, gdouble fraction,
				const gchar *message);
typedef struct _CsProgressRelay CsProgressRelay;
CsProgressRelay *cs_progress_relay_new (CsEngine *engine, GObject *target, CsProgressFunc func);
void cs_progress_relay_free (CsProgressRelay *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsProgressRelay, cs_progress_relay_free)

G_END_DECLS
