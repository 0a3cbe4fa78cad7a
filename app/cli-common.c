/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "cs-profile-store.h"

/* the contract scripts and tests rely on: DESIGN.md "CLI contract" */

void
cli_print_json (JsonNode *node)
{
	g_autofree gchar *text = cs_json_to_string (node, TRUE);
	g_print ("%s\n", text);
}

/* an error in --json is still a whole report: every field a script reads is
 * there (empty), with the error and the exit code */
gint
cli_fail (CsExitCode code, gboolean json, const gchar *message)
{
	if (json) {
		g_autoptr(CsRunReport) report = cs_run_report_new ();
		g_autoptr(JsonNode) n = NULL;
		cs_run_report_set_status (report, CS_RUN_FAILED);
		cs_run_report_add_error (report, message);
		n = cs_run_report_to_json (report);
		if (!json_object_has_member (json_node_get_object (n), "plan"))
			json_object_set_array_member (json_node_get_object (n), "plan", json_array_new ());
		json_object_set_int_member (json_node_get_object (n), "exit", code);
		cli_print_json (n);
	}
	g_printerr ("crmsync-cli: %s\n", message);
	return code;
}

/* a value kept as JSON text, as a JSON value (not a string holding JSON) */
JsonNode *
cli_json_value (const gchar *text)
{
	g_autoptr(JsonParser) p = json_parser_new ();
	if (text == NULL || !json_parser_load_from_data (p, text, -1, NULL) ||
	    json_parser_get_root (p) == NULL)
		return json_node_new (JSON_NODE_NULL);
	return json_node_copy (json_parser_get_root (p));
}

/* a run's status and what started it, in the reader's language (the JSON
 * keeps the contract's words) */
const gchar *
cli_run_status_label (const gchar *status)
{
	if (g_strcmp0 (status, "ok") == 0)
		return C_("run status", "ok");
	if (g_strcmp0 (status, "partial") == 0)
		return C_("run status", "partial");
	if (g_strcmp0 (status, "failed") == 0)
		return C_("run status", "failed");
	if (g_strcmp0 (status, "stopped") == 0)
		return C_("run status", "stopped");
	if (g_strcmp0 (status, "running") == 0)
		return C_("run status", "running");
	return status;
}

const gchar *
cli_run_trigger_label (const gchar *trigger)
{
	if (g_strcmp0 (trigger, "sync") == 0)
		return C_("run trigger", "sync");
	if (g_strcmp0 (trigger, "sync-all") == 0)
		return C_("run trigger", "sync all");
	if (g_strcmp0 (trigger, "undo") == 0)
		return C_("run trigger", "undo");
	return trigger;
}

/* the value as a person reads it */
gchar *
cli_value_text (const gchar *json_text)
{
	g_autoptr(JsonNode) n = cli_json_value (json_text);
	if (JSON_NODE_HOLDS_NULL (n))
		return g_strdup (_("(empty)"));
	if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
		return g_strdup (json_node_get_string (n));
	return json_to_string (n, FALSE);
}

/**
 * cli_open_state:
 * @writable: %FALSE: read an existing state only, creating nothing
 *
 * Returns: (transfer full) (nullable): %NULL and *@exit_code 0 when the
 *   profile was never synced (read-only), else %NULL with the exit code set
 *   after the message was printed
 */
CsState *
cli_open_state (CsProfile *profile, gboolean writable, gboolean json, gint *exit_code)
{
	g_autofree gchar *path = cs_profile_get_state_path (profile);
	g_autoptr(GError) error = NULL;
	CsState *state;

	*exit_code = 0;
	state = writable ? cs_state_open (path, &error) : cs_state_open_existing (path, &error);
	if (state != NULL)
		return state;
	if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
		return NULL;
	/* a state that cannot be read is a local problem, not the network's */
	*exit_code = cli_fail (error->domain == CS_STATE_ERROR && error->code == CS_STATE_ERROR_TOO_NEW
				   ? CS_EXIT_CONFIG
				   : CS_EXIT_LOCAL,
			       json, error->message);
	return NULL;
}

void
cli_progress_cb (CsEngine *engine, gint phase, gdouble fraction, const gchar *message, gpointer data)
{
	CliProgress *p = data;
	gint percent = (gint) (fraction * 100);
	gint64 now = g_get_monotonic_time ();
	if (!p->tty || (percent == p->last_percent && now - p->last_time < 200000))
		return;
	p->last_percent = percent;
	p->last_time = now;
	g_printerr ("\r\033[K%3d%% %s", percent, message != NULL ? message : "");
}

/**
 * cli_load_profile:
 * @name_or_path: what --profile was given: a profile file, or a profile's name
 *   (looked up in the user's profiles folder, then the system ones)
 *
 * Every command loads its profile here, so each takes a name alike.
 *
 * Returns: (transfer full): the profile, or %NULL with @error (exit 2)
 */
CsProfile *
cli_load_profile (const gchar *name_or_path, GError **error)
{
	return cs_profile_store_load (name_or_path, error);
}

/* a provider that needs the user to sign in (Microsoft's device code): one plain
 * line on stderr, in the user's language, instead of the plugin's log line */
static void
device_code_cb (CsProvider *provider, const gchar *uri, const gchar *code, const gchar *message,
		gpointer user_data)
{
	/* TRANSLATORS: %1$s is a service ("Microsoft 365"), %2$s a web address, %3$s a code */
	g_printerr (_("To sign in to %1$s, open %2$s in a web browser and enter the code %3$s\n"),
		    cs_provider_get_display_name (provider), uri, code);
	g_signal_stop_emission_by_name (provider, "device-code");
}

/**
 * cli_connect_sign_in:
 *
 * Shows the sign-in instructions of the engine's providers to the person at the terminal.
 */
void
cli_connect_sign_in (CsEngine *engine)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsProvider *p = cs_engine_get_provider (engine, (CsSide) s);
		if (p != NULL && g_signal_lookup ("device-code", G_OBJECT_TYPE (p)) != 0)
			g_signal_connect (p, "device-code", G_CALLBACK (device_code_cb), NULL);
	}
}

gboolean
cli_parse_kind (const gchar *name, CsKind *kind, GError **error)
{
	g_autoptr(GString) allowed = g_string_new (NULL);
	if (cs_kind_from_string (name, kind))
		return TRUE;
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_string_append_printf (allowed, "%s%s", k > 0 ? ", " : "", cs_kind_to_string ((CsKind) k));
	g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		     _("unknown kind “%s” (allowed: %s)"), name, allowed->str);
	return FALSE;
}

/**
 * cli_finish_run:
 * @engine: (nullable): the run's engine: its schemas name the fields in the text
 * @report: (nullable): the run's report, %NULL when it failed as a whole (@error)
 *
 * What `sync` and `undo` print at the end of a run: the report as JSON or text,
 * or the error; returns the exit code of the CLI contract.
 */
gint
cli_finish_run (CliProgress *prog, CsEngine *engine, CsRunReport *report, const GError *error,
		gboolean json, gboolean dry_run)
{
	gboolean stopped;
	const gchar *flag;

	if (prog->tty && prog->last_percent >= 0)
		g_printerr ("\r\033[K");
	if (report == NULL)
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	/* how to confirm what a guard stopped: the same command with its flag (the engine's
	 * message says what the guard saw, in the words the app shows too) */
	stopped = cs_run_report_get_status (report) == CS_RUN_STOPPED;
	flag = cs_run_report_get_guard_confirm (report) == CS_RUN_FLAG_FORCE ? "--force"
									      : "--force-delete";
	if (json) {
		g_autoptr(JsonNode) n = cs_run_report_to_json (report);
		if (stopped && cs_run_report_get_guard (report) != NULL) {
			/* TRANSLATORS: a guard's message, then the option that confirms it */
			g_autofree gchar *guard = g_strdup_printf (
			    _("%s (run the command again with %s to confirm)"),
			    cs_run_report_get_guard (report), flag);
			json_object_set_string_member (json_node_get_object (n), "guard", guard);
		}
		cli_print_json (n);
	} else {
		/* the fields by their labels ("Job title"); the JSON keeps their names */
		g_autoptr(CsFieldLabels) labels = cs_field_labels_new (engine);
		g_autofree gchar *text = cs_run_report_to_text_labelled (report, cs_field_labels_func,
									 labels);
		g_print ("%s%s", dry_run ? _("Dry run, nothing was changed.\n") : "", text);
		if (stopped)
			/* TRANSLATORS: %s is the option that confirms, --force or --force-delete */
			g_print (_("Nothing was changed. If this is right, run the command again with "
				   "%s.\n"),
				 flag);
	}
	return cs_run_report_get_exit_code (report);
}

/**
 * cli_field_labels:
 *
 * Returns: (transfer full): the labels of the profile's fields, for text output; without
 *   its plugins (a profile that cannot run), fields are shown by their names
 */
CsFieldLabels *
cli_field_labels (CsProfile *profile)
{
	g_autoptr(CsEngine) engine = cs_engine_new (profile, NULL, NULL);
	return cs_field_labels_new (engine);
}

/* a conflict's field (a mapping row: the CRM's field name) as the user reads it */
const gchar *
cli_field_label (CsFieldLabels *labels, CsKind kind, const gchar *field)
{
	return cs_field_labels_func (kind, CS_SIDE_CRM, field, labels);
}
