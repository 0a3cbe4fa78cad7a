/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "crmsync-plugin.h"
#include "cs-webcrm-client.h"

G_BEGIN_DECLS

#define CS_TYPE_WEBCRM_PROVIDER (cs_webcrm_provider_get_type ())
G_DECLARE_FINAL_TYPE (CsWebcrmProvider, cs_webcrm_provider, CS, WEBCRM_PROVIDER, CsProvider)

/* for tests and benchmarks: the session, to read its request count */
CsWebcrmClient *cs_webcrm_provider_get_client (CsWebcrmProvider *self);

G_END_DECLS
