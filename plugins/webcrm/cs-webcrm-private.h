/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-webcrm-provider.h"

G_BEGIN_DECLS

/*
 * For tests and fuzzing: what the provider does with one answer's body.
 * @root as parsed from the body: a list page of @kind (for events, the
 * /Meetings object or one meeting), users or organisations for the lookups,
 * field metadata; records go to @sink.
 */
typedef enum {
	CS_WEBCRM_BODY_ROWS,
	CS_WEBCRM_BODY_USERS,
	CS_WEBCRM_BODY_ORGS,
	CS_WEBCRM_BODY_METADATA,
} CsWebcrmBody;

void cs_webcrm_provider_take_body (CsWebcrmProvider *self, CsWebcrmBody what, CsKind kind,
				   JsonNode *root, CsReadSink *sink);
const gchar *cs_webcrm_client_server_message (JsonNode *root);

G_END_DECLS
