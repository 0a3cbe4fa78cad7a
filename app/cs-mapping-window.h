/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-sync-profile.h"

G_BEGIN_DECLS

#define CS_TYPE_MAPPING_WINDOW (cs_mapping_window_get_type ())
G_DECLARE_FINAL_TYPE (CsMappingWindow, cs_mapping_window, CS, MAPPING_WINDOW, GtkWindow)

CsMappingWindow *cs_mapping_window_new (GtkWindow *parent, CsSyncProfile *profile);
GtkComboBox *cs_mapping_window_get_direction_combo (CsMappingWindow *self, CsKind kind);
GtkComboBox *cs_mapping_window_get_condition_combo (CsMappingWindow *self, CsKind kind);
GtkWidget *cs_mapping_window_get_reminder (CsMappingWindow *self, CsKind kind);
gboolean cs_mapping_window_save (CsMappingWindow *self, GError **error);
gboolean cs_mapping_window_import (CsMappingWindow *self, const gchar *path, GError **error);
gboolean cs_mapping_window_export (CsMappingWindow *self, const gchar *path, GError **error);

G_END_DECLS
