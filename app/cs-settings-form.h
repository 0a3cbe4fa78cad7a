/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-provider.h"

G_BEGIN_DECLS

#define CS_TYPE_SETTINGS_FORM (cs_settings_form_get_type ())
G_DECLARE_FINAL_TYPE (CsSettingsForm, cs_settings_form, CS, SETTINGS_FORM, GtkBox)

CsSettingsForm *
cs_settings_form_new (gboolean with_advanced);
void
cs_settings_form_set_plugin (CsSettingsForm *self, const gchar *plugin, GKeyFile *profile,
			     const gchar *group);
const gchar *
cs_settings_form_get_plugin (CsSettingsForm *self);
GtkWidget *
cs_settings_form_get_field (CsSettingsForm *self, const gchar *key);
const gchar *
cs_settings_form_get_value (CsSettingsForm *self, const gchar *key);
void
cs_settings_form_set_value (CsSettingsForm *self, const gchar *key, const gchar *value);
void
cs_settings_form_write (CsSettingsForm *self, GKeyFile *profile, const gchar *group);
gboolean
cs_settings_form_is_complete (CsSettingsForm *self);
const gchar *
cs_settings_form_get_secret (CsSettingsForm *self, const gchar **key);
void
cs_settings_form_set_secrets_kept (CsSettingsForm *self, gboolean kept);
void
cs_settings_form_set_label_group (CsSettingsForm *self, GtkSizeGroup *labels);
GtkExpander *
cs_settings_form_get_advanced (CsSettingsForm *self);

G_END_DECLS
