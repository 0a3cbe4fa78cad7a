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
JsonArray *cs_webcrm_client_take_page (JsonNode *root, const gchar *path, GError **error);

/* a /Queries page of an "updated since" read; @next: the stamp that follows @since */
gboolean cs_webcrm_provider_take_query (CsWebcrmProvider *self, CsKind kind, const gchar *since,
					JsonNode *root, CsReadSink *sink, gchar **next,
					GError **error);
/* a /Queries page of organisations changed since a stamp: their ids, the newest stamp */
gboolean cs_webcrm_provider_take_org_stamps (JsonNode *root, GPtrArray *ids, gchar **max,
					     GError **error);
/* write answers: a PATCH's string[] for its ops, a POST's bare id for its op */
void cs_webcrm_settle_patch (GPtrArray *ops, JsonNode *answer, gboolean creates);
gboolean cs_webcrm_settle_post (CsWriteOp *op, JsonNode *answer, GError **error);

G_END_DECLS
