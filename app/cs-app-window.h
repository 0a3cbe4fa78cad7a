/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-application.h"
#include "cs-sync-profile.h"

G_BEGIN_DECLS

#define CS_TYPE_APP_WINDOW (cs_app_window_get_type ())
G_DECLARE_FINAL_TYPE (CsAppWindow, cs_app_window, CS, APP_WINDOW, GtkApplicationWindow)

CsAppWindow *cs_app_window_new (CsApplication *app);
void cs_app_window_select (CsAppWindow *self, CsSyncProfile *profile);
CsSyncProfile *cs_app_window_get_selected (CsAppWindow *self);
void cs_app_window_refresh (CsAppWindow *self);
GtkWindow *cs_app_window_get_last_dialog (CsAppWindow *self);
gboolean cs_app_window_is_reviewing (CsAppWindow *self);
void cs_app_window_remember_dialog (CsAppWindow *self, GtkWindow *dialog);

G_END_DECLS
