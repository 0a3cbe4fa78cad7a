/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cs-record.h"

G_BEGIN_DECLS

#define CS_TYPE_SECRETS (cs_secrets_get_type ())
G_DECLARE_FINAL_TYPE (CsSecrets, cs_secrets, CS, SECRETS, GObject)

CsSecrets *cs_secrets_new (void);
CsSecrets *cs_secrets_new_for_dir (const gchar *dir);
gboolean cs_secrets_uses_keyring (CsSecrets *self);
gchar *cs_secrets_lookup (CsSecrets *self, const gchar *profile, CsSide side, const gchar *key,
			  GError **error);
gboolean cs_secrets_store (CsSecrets *self, const gchar *profile, CsSide side, const gchar *key,
			   const gchar *value, GError **error);
gboolean cs_secrets_clear (CsSecrets *self, const gchar *profile, CsSide side, const gchar *key,
			   GError **error);
gchar *cs_secrets_read_file (const gchar *path, GError **error);
gchar *cs_secrets_lookup_migrating (CsSecrets *self, const gchar *profile, const gchar *legacy,
				    CsSide side, const gchar *key, GError **error);

G_END_DECLS
