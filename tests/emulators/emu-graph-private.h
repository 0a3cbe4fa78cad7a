/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "emu-server.h"

G_BEGIN_DECLS

typedef struct {
	gint64 seq;		/* mailbox-wide change counter */
	guint inflight;		/* Graph requests being answered now */
	guint throttle_next;	/* test hook: answer this many requests 429 */
	guint hold_count, hold_ms; /* test hook: hold answers back */
	guint64 stats_requests, stats_delta, stats_batches, stats_writes;
	guint64 stats_throttled, stats_invitations, stats_tokens;
} GraphState;

/* one Graph call, top-level or inside $batch */
typedef struct {
	const gchar *method;
	gchar *path;		/* (owned) below /v1.0, e.g. /me/contacts */
	GHashTable *query;	/* (owned) */
	JsonNode *body;		/* (owned) (nullable) */
	gboolean immutable;	/* Prefer: IdType="ImmutableId" */
	guint maxpagesize;	/* Prefer: odata.maxpagesize */
	gchar *timezone;	/* (owned) (nullable) Prefer: outlook.timezone */
	gchar *if_match;	/* (owned) (nullable) */
	gchar *scope;		/* (owned) (nullable) the token's scopes */
	gchar *origin;		/* (owned) http://127.0.0.1:PORT */
} GraphReq;

typedef struct {
	guint status;
	JsonNode *body;		/* (owned) (nullable) */
	guint retry_after;
	gchar *location;	/* (owned) (nullable) */
	gchar *pref_applied;	/* (owned) (nullable) */
} GraphResp;

gchar *graph_random_token (guint n_bytes);
gchar *graph_random_id (const gchar *prefix, guint n_bytes);
JsonArray *graph_obj_array (JsonObject *o, const gchar *name);
JsonObject *graph_obj_object (JsonObject *o, const gchar *name);
JsonNode *graph_error_node (const gchar *code, const gchar *message);
void graph_resp_error (GraphResp *resp, guint status, const gchar *code, const gchar *fmt, ...)
    G_GNUC_PRINTF (4, 5);
void graph_resp_clear (GraphResp *resp);
void graph_req_clear (GraphReq *req);
void graph_req_parse_prefer (GraphReq *req, const gchar *prefer);
gint64 graph_next_seq (EmuServer *server);
gchar *graph_id_out (const GraphReq *req, const gchar *folder, const gchar *id);
const gchar *graph_id_in (const gchar *id);
gchar *graph_folder_lookup (EmuServer *server, const gchar *kind, const gchar *id_or_name);
gchar *graph_folder_default (EmuServer *server, const gchar *kind);
JsonObject *graph_item_load (EmuServer *server, const gchar *kind, const gchar *id,
			     gchar **folder, gboolean *deleted);
gboolean graph_item_save (EmuServer *server, const gchar *kind, const gchar *folder,
			  JsonObject *obj, gboolean deleted);

/* emu-graph-items.c */
void graph_dispatch (EmuServer *server, GraphReq *req, GraphResp *resp);
gboolean graph_item_create (EmuServer *server, const gchar *kind, const gchar *folder,
			    JsonObject *in, JsonObject **out, GError **error);
gboolean graph_item_move (EmuServer *server, const gchar *kind, const gchar *id,
			  const gchar *folder, GError **error);
gboolean graph_seed (EmuServer *server, JsonNode *root, GError **error);
gboolean graph_generate (EmuServer *server, guint n, GError **error);

/* emu-graph-series.c */
gint64 graph_series_occurrence_start (JsonObject *master, const gchar *date);
GPtrArray *graph_series_expand (JsonObject *master, gint64 ws, gint64 we);
gboolean graph_series_split_id (const gchar *id, gchar **master, gchar **date);
gchar *graph_series_occurrence_id (const gchar *master, const gchar *date);
gboolean graph_series_is_cancelled (JsonObject *master, const gchar *date);
void graph_series_cancel (JsonObject *master, const gchar *date);

/* emu-graph-batch.c */
void graph_batch (EmuServer *server, GraphReq *req, GraphResp *resp);

/* emu-graph-identity.c */
void graph_identity_register (EmuServer *server);

G_END_DECLS
