/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-graph-map.h"
#include "cs-graph-provider.h"

#include "cs-json-doc.h"

G_BEGIN_DECLS

/*
 * For tests and fuzzing: one listing page (a list or a delta page) as the
 * provider takes it. Records and tombstones go to @out, unreadable items to
 * @sink as skips; @next and @delta point into @page. With @self (nullable), an
 * event the delta "removes" is looked up before it counts as deleted.
 */
gboolean cs_graph_read_page (CsGraphProvider *self, CsKind kind, const CsJsonVal *page,
			     CsGraphMailDirection direction, GPtrArray *out, CsReadSink *sink,
			     const gchar **next, const gchar **delta, GCancellable *cancellable,
			     GError **error);
/* an error answer's body as the GError the provider reports */
void cs_graph_set_error (GError **error, guint status, JsonNode *root);


/* how often a write is sent before its last answer counts */
#define CS_GRAPH_WRITE_ROUNDS 6

/* one write of a $batch */
typedef struct {
	CsWriteOp *op;		/* (unowned) */
	gchar *method;		/* (owned) */
	gchar *url;		/* (owned) */
	JsonObject *body;	/* (owned) (nullable) */
	CsRecord *merged;	/* (owned) (nullable) the fields written */
	guint tries;		/* sends so far that were answered "again later" */
} CsGraphPending;

/*
 * For tests and fuzzing: a $batch answer to writes as the provider takes it.
 * Each write's op gets its result (done, or an error) or goes to @retry.
 */
gboolean cs_graph_take_batch (CsKind kind, GPtrArray *chunk, const CsJsonVal *answer, GPtrArray *retry,
			      guint *wait_s, GError **error);

G_END_DECLS
