/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-sync-profile.h"

G_BEGIN_DECLS

#define CS_TYPE_APPLICATION (cs_application_get_type ())
G_DECLARE_FINAL_TYPE (CsApplication, cs_application, CS, APPLICATION, GtkApplication)

CsApplication *cs_application_new (void);
GPtrArray *cs_application_get_profiles (CsApplication *self);
const gchar *cs_application_get_profiles_dir (CsApplication *self);
CsSecrets *cs_application_get_secrets (CsApplication *self);
const gchar *cs_application_get_load_errors (CsApplication *self);
CsSyncProfile *cs_application_add_profile (CsApplication *self, const gchar *path, GError **error);
GSettings *cs_application_get_settings (CsApplication *self);
CsSyncProfile *cs_application_load_profile (CsApplication *self, const gchar *path);
gboolean cs_application_remove_profile (CsApplication *self, CsSyncProfile *profile,
					GError **error);

gchar *cs_application_get_help_page (const gchar *help_dir);

G_END_DECLS
