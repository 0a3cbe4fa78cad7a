/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-engine.h"

G_BEGIN_DECLS

CsEngine *cs_engine_new_with_providers (CsProfile *profile, CsSecrets *secrets, CsProvider *crm,
					CsProvider *outlook, GError **error);

G_END_DECLS
