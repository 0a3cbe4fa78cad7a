/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-orocrm-records.h"

G_BEGIN_DECLS

/*
 * For tests and fuzzing: one JSON:API list page (contacts with their included
 * addresses, or tasks) and one page of the REST calendar events, as the provider
 * takes them. Records go to @sink; @watermark keeps the newest updatedAt,
 * @seen (nullable) the ids read. Returns the number of records given to @sink;
 * @next points into @root.
 */
guint cs_orocrm_read_page (CsOrocrmContext *ctx, CsKind kind, const CsJsonVal *root, CsReadSink *sink,
			   gchar **watermark, GHashTable *seen, const gchar **next);
guint cs_orocrm_read_event_page (CsOrocrmContext *ctx, JsonArray *events, CsReadSink *sink);

G_END_DECLS
