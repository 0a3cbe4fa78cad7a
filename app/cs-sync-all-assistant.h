/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-sync-profile.h"

G_BEGIN_DECLS

#define CS_TYPE_SYNC_ALL_ASSISTANT (cs_sync_all_assistant_get_type ())
G_DECLARE_FINAL_TYPE (CsSyncAllAssistant, cs_sync_all_assistant, CS, SYNC_ALL_ASSISTANT, GtkAssistant)

CsSyncAllAssistant *cs_sync_all_assistant_new (GtkWindow *parent, CsSyncProfile *profile,
					       GError **error);
CsSyncPlan *cs_sync_all_assistant_get_plan (CsSyncAllAssistant *self);
CsRunReport *cs_sync_all_assistant_get_report (CsSyncAllAssistant *self);
gboolean cs_sync_all_assistant_is_busy (CsSyncAllAssistant *self);
GtkToggleButton *cs_sync_all_assistant_get_kind_check (CsSyncAllAssistant *self, CsKind kind);

G_END_DECLS
