/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "engine/cs-json-text.h"

G_BEGIN_DECLS

/*
 * The common part of crmsync-emulator: a SoupServer on loopback, a SQLite
 * state database, fault injection and JSON helpers. Each API (orocrm, webcrm,
 * graph) is an EmuApi that registers its handlers on the server.
 */

typedef struct _EmuServer EmuServer;

typedef struct {
	const gchar *name;
	const gchar *help; /* what --user/--secret mean for this API, printed by --help */
	const gchar *default_user;
	const gchar *default_secret;
	/* create tables, register handlers */
	gboolean (*setup) (EmuServer *server, GError **error);
	/* fill from a --seed JSON file (the API's own resource documents) */
	gboolean (*seed) (EmuServer *server, JsonNode *root, GError **error);
	/* fill with N realistic records per kind */
	gboolean (*generate) (EmuServer *server, guint n, GError **error);
} EmuApi;

typedef void (*EmuHandler) (EmuServer *server, SoupServerMessage *msg, const gchar *path,
			    GHashTable *query, gpointer user_data);

/* fault kinds for --faults, e.g. "500=0.05,429=0.05,slow=0.1,reset=0.02,garbage=0.02,seed=7" */
typedef enum {
	EMU_FAULT_NONE,
	EMU_FAULT_5XX,
	EMU_FAULT_429,
	EMU_FAULT_SLOW,
	EMU_FAULT_RESET,
	EMU_FAULT_GARBAGE,
} EmuFault;

EmuServer *emu_server_new (const EmuApi *api, const gchar *db_path, GError **error);
void emu_server_free (EmuServer *self);
gboolean emu_server_set_faults (EmuServer *self, const gchar *spec, GError **error);
gboolean emu_server_listen (EmuServer *self, guint port, GError **error);
guint emu_server_get_port (EmuServer *self);
gchar *emu_server_get_origin (EmuServer *self);
void emu_server_set_credentials (EmuServer *self, const gchar *user, const gchar *secret);
const gchar *emu_server_get_user (EmuServer *self);
const gchar *emu_server_get_secret (EmuServer *self);
sqlite3 *emu_server_get_db (EmuServer *self);
SoupServer *emu_server_get_soup (EmuServer *self);
const EmuApi *emu_server_get_api (EmuServer *self);
gpointer emu_server_get_api_data (EmuServer *self);
void emu_server_set_api_data (EmuServer *self, gpointer data, GDestroyNotify destroy);
void emu_server_set_retry_after (EmuServer *self, guint seconds);

/* path: a prefix as for soup_server_add_handler; faults are injected before
 * the handler runs (never on paths registered with _add_handler_no_faults) */
void emu_server_add_handler (EmuServer *self, const gchar *path, EmuHandler handler,
			     gpointer user_data);
void emu_server_add_handler_no_faults (EmuServer *self, const gchar *path, EmuHandler handler,
				       gpointer user_data);

/* database */
gboolean emu_db_exec (EmuServer *self, const gchar *sql, GError **error);
sqlite3_stmt *emu_db_prepare (EmuServer *self, const gchar *sql, GError **error);
gboolean emu_db_step (EmuServer *self, const gchar *sql);
/* puts a statement from emu_db_prepare back for the next one (or finalizes it) */
void emu_db_release (sqlite3_stmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, emu_db_release)

/* responses */
gchar *emu_json_text (JsonNode *node);
void emu_reply_json (SoupServerMessage *msg, guint status, const gchar *content_type,
		     JsonNode *node);
void emu_reply_text (SoupServerMessage *msg, guint status, const gchar *content_type,
		     const gchar *text);
JsonNode *emu_request_json (SoupServerMessage *msg, GError **error);
gchar *emu_now_iso (void);

/* realistic data for --generate: names with æøå, umlauts; long notes */
const gchar *emu_sample_first_name (guint i);
const gchar *emu_sample_last_name (guint i);
const gchar *emu_sample_company (guint i);
const gchar *emu_sample_city (guint i);
gchar *emu_sample_note (guint i);

G_END_DECLS
