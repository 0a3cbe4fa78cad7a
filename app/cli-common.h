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
CsProfile *cli_load_profile (const gchar *name_or_path, GError **error);
void cli_progress_cb (CsEngine *engine, gint phase, gdouble fraction, const gchar *message,
		      gpointer data);

/* the commands */
gint cli_cmd_sync (gint argc, gchar **argv);
gint cli_cmd_status (gint argc, gchar **argv);
gint cli_cmd_pst_list (gint argc, gchar **argv);
gint cli_cmd_plugins (gint argc, gchar **argv);
gint cli_cmd_watch (gint argc, gchar **argv);
gint cli_cmd_report (gint argc, gchar **argv);
gint cli_cmd_profile (gint argc, gchar **argv);

G_END_DECLS
