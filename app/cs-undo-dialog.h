/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-changes-view.h"
#include "cs-sync-profile.h"

G_BEGIN_DECLS

#define CS_TYPE_UNDO_DIALOG (cs_undo_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CsUndoDialog, cs_undo_dialog, CS, UNDO_DIALOG, GtkDialog)

CsUndoDialog *
cs_undo_dialog_new (GtkWindow *parent, CsSyncProfile *profile, GError **error);
gboolean
cs_undo_dialog_is_busy (CsUndoDialog *self);
gboolean
cs_undo_dialog_is_done (CsUndoDialog *self);
CsRunReport *
cs_undo_dialog_get_preview (CsUndoDialog *self);
CsRunReport *
cs_undo_dialog_get_report (CsUndoDialog *self);
CsChangesView *
cs_undo_dialog_get_changes_view (CsUndoDialog *self);
GtkWidget *
cs_undo_dialog_get_undo_button (CsUndoDialog *self);

G_END_DECLS
