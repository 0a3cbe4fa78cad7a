/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "crmsync-plugin.h"
#include "cs-json-doc.h"

G_BEGIN_DECLS

/*
 * Graph resources (contact, event, todoTask, message) ↔ records with the
 * field names of data/schemas/outlook.json. Pure functions: no I/O.
 */

/* how an e-mail was filed: Inbox mail is inbound, Sent Items outbound */
typedef enum {
	CS_GRAPH_MAIL_INBOUND,
	CS_GRAPH_MAIL_OUTBOUND,
} CsGraphMailDirection;

CsRecord *cs_graph_map_to_record (CsKind kind, JsonObject *item, CsGraphMailDirection direction,
				  GError **error);
CsRecord *cs_graph_map_val_to_record (CsKind kind, const CsJsonVal *item,
				      CsGraphMailDirection direction, GError **error);
JsonObject *cs_graph_map_from_record (CsKind kind, const CsRecord *record, GError **error);
const gchar *cs_graph_map_extended_expand (void);
void cs_graph_map_extended_to_record (JsonObject *item, CsRecord *record);

G_END_DECLS
