/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-engine.h"
#include "cs-secrets.h"

G_BEGIN_DECLS

#define CS_TYPE_NEW_PROFILE_ASSISTANT (cs_new_profile_assistant_get_type ())
G_DECLARE_FINAL_TYPE (CsNewProfileAssistant, cs_new_profile_assistant, CS, NEW_PROFILE_ASSISTANT,
		      GtkAssistant)

CsNewProfileAssistant *
cs_new_profile_assistant_new (GtkWindow *parent, const gchar *profiles_dir, CsSecrets *secrets);
const gchar *
cs_new_profile_assistant_get_path (CsNewProfileAssistant *self);
gboolean
cs_new_profile_assistant_is_testing (CsNewProfileAssistant *self);
GtkWidget *
cs_new_profile_assistant_get_field (CsNewProfileAssistant *self, const gchar *side,
				    const gchar *key);
GtkComboBox *
cs_new_profile_assistant_get_crm_combo (CsNewProfileAssistant *self);
GtkEntry *
cs_new_profile_assistant_get_name_entry (CsNewProfileAssistant *self);
GtkButton *
cs_new_profile_assistant_get_test_button (CsNewProfileAssistant *self);
GtkLabel *
cs_new_profile_assistant_get_test_label (CsNewProfileAssistant *self);
GtkToggleButton *
cs_new_profile_assistant_get_outlook_radio (CsNewProfileAssistant *self, const gchar *plugin);
GtkComboBox *
cs_new_profile_assistant_get_direction_combo (CsNewProfileAssistant *self, CsKind kind);

G_END_DECLS
