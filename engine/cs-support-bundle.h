/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cs-secrets.h"

G_BEGIN_DECLS

gboolean
cs_support_bundle_write (const gchar *profile_path, CsSecrets *secrets, const gchar *out_path,
			 GPtrArray **contents, GError **error);
gchar *
cs_support_bundle_redact_profile (const gchar *profile_path, GError **error);

G_END_DECLS
