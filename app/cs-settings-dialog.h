/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-sync-profile.h"

G_BEGIN_DECLS

#define CS_TYPE_SETTINGS_DIALOG (cs_settings_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CsSettingsDialog, cs_settings_dialog, CS, SETTINGS_DIALOG, GtkDialog)

CsSettingsDialog *cs_settings_dialog_new (GtkWindow *parent, CsSyncProfile *profile,
					  const gchar *profiles_dir, CsSecrets *secrets);
gboolean cs_settings_dialog_save (CsSettingsDialog *self, GError **error);
const gchar *cs_settings_dialog_get_path (CsSettingsDialog *self);
gboolean cs_settings_dialog_is_testing (CsSettingsDialog *self);
GtkWidget *cs_settings_dialog_get_field (CsSettingsDialog *self, const gchar *side, const gchar *key);
GtkWidget *cs_settings_dialog_get_outlook_field (CsSettingsDialog *self, const gchar *key);
gboolean cs_settings_dialog_is_signing_in (CsSettingsDialog *self);
void cs_settings_dialog_set_app_settings (CsSettingsDialog *self, GSettings *settings);

G_END_DECLS
