/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "crmsync-plugin.h"

G_BEGIN_DECLS

#define CS_TYPE_PST_PROVIDER (cs_pst_provider_get_type ())
G_DECLARE_FINAL_TYPE (CsPstProvider, cs_pst_provider, CS, PST_PROVIDER, CsProvider)

const gchar *cs_pst_provider_get_format (CsPstProvider *self);

G_END_DECLS
