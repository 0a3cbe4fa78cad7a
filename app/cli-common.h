/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cs-change-view.h"
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
JsonNode *cli_json_value (const gchar *text);
const gchar *cli_run_status_label (const gchar *status);
const gchar *cli_run_trigger_label (const gchar *trigger);
gchar *cli_value_text (const gchar *json_text);
CsState *cli_open_state (CsProfile *profile, gboolean writable, gboolean json, gint *exit_code);
void cli_progress_cb (CsEngine *engine, gint phase, gdouble fraction, const gchar *message,
		      gpointer data);

void cli_connect_sign_in (CsEngine *engine);
gint cli_finish_run (CliProgress *prog, CsEngine *engine, CsRunReport *report,
		     const GError *error, gboolean json, gboolean dry_run);
CsFieldLabels *cli_field_labels (CsProfile *profile);
const gchar *cli_field_label (CsFieldLabels *labels, CsKind kind, const gchar *field);
/* a kind's name as the user typed it; the error names the allowed ones */
gboolean cli_parse_kind (const gchar *name, CsKind *kind, GError **error);

/* the commands */
gint cli_cmd_sync (gint argc, gchar **argv);
gint cli_cmd_status (gint argc, gchar **argv);
gint cli_cmd_pst_list (gint argc, gchar **argv);
gint cli_cmd_plugins (gint argc, gchar **argv);
gint cli_cmd_watch (gint argc, gchar **argv);
gint cli_cmd_report (gint argc, gchar **argv);
gint cli_cmd_profile (gint argc, gchar **argv);
gint cli_cmd_conflicts (gint argc, gchar **argv);
gint cli_cmd_resolve (gint argc, gchar **argv);
gint cli_cmd_history (gint argc, gchar **argv);
gint cli_cmd_undo (gint argc, gchar **argv);
gint cli_cmd_duplicates (gint argc, gchar **argv);
gint cli_cmd_link (gint argc, gchar **argv);
gint cli_cmd_unlink (gint argc, gchar **argv);

G_END_DECLS
