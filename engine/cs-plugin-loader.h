/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-provider.h"

G_BEGIN_DECLS

#define CS_TYPE_PLUGIN_LOADER (cs_plugin_loader_get_type ())
G_DECLARE_FINAL_TYPE (CsPluginLoader, cs_plugin_loader, CS, PLUGIN_LOADER, GObject)

CsPluginLoader *cs_plugin_loader_get_default (void);
CsPluginLoader *cs_plugin_loader_new (const gchar *dir);
const gchar *cs_plugin_loader_get_dir (CsPluginLoader *self);
gboolean cs_plugin_loader_load_all (CsPluginLoader *self, GError **error);
GPtrArray *cs_plugin_loader_get_names (CsPluginLoader *self);
GPtrArray *cs_plugin_loader_get_failures (CsPluginLoader *self);
const CsSetting *cs_plugin_loader_get_settings (CsPluginLoader *self, const gchar *name);
const CsPreset *cs_plugin_loader_get_presets (CsPluginLoader *self, const gchar *name);
gboolean cs_plugin_loader_is_read_only (CsPluginLoader *self, const gchar *name);
gboolean cs_plugin_loader_can_sign_in (CsPluginLoader *self, const gchar *name);
CsProviderSides cs_plugin_loader_get_sides (CsPluginLoader *self, const gchar *name);
const gchar *cs_plugin_loader_get_description (CsPluginLoader *self, const gchar *name);
const gchar *cs_plugin_loader_get_display_name (CsPluginLoader *self, const gchar *name);
CsProvider *cs_plugin_loader_create (CsPluginLoader *self, const gchar *name, GError **error);

G_END_DECLS
