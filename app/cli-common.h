/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cs-engine.h"
#include "cs-json.h"

G_BEGIN_DECLS

/* shared by the crmsync-cli commands: one file per command (cli-<command>.c) */

typedef struct {
	gboolean tty;
	gint last_percent;
	gint64 last_time;
} CliProgress;

void cli_print_json (JsonNode *node);
gint cli_fail (CsExitCode code, gboolean json, const gchar *message);
void cli_progress_cb (CsEngine *engine, gint phase, gdouble fraction, const gchar *message,
		      gpointer data);

/* a kind's name as the user typed it; the error names the allowed ones */
gboolean cli_parse_kind (const gchar *name, CsKind *kind, GError **error);

/* the commands */
gint cli_cmd_sync (gint argc, gchar **argv);
gint cli_cmd_status (gint argc, gchar **argv);
gint cli_cmd_pst_list (gint argc, gchar **argv);
gint cli_cmd_plugins (gint argc, gchar **argv);
gint cli_cmd_duplicates (gint argc, gchar **argv);
gint cli_cmd_link (gint argc, gchar **argv);
gint cli_cmd_unlink (gint argc, gchar **argv);

G_END_DECLS
