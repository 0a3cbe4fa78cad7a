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

gint
cli_fail (CsExitCode code, gboolean json, const gchar *message)
{
	if (json) {
		JsonObject *o = json_object_new ();
		JsonArray *errors = json_array_new ();
		g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
		json_array_add_string_element (errors, message);
		json_object_set_string_member (o, "status", "failed");
		json_object_set_array_member (o, "errors", errors);
		json_object_set_int_member (o, "exit", code);
		json_node_take_object (n, o);
		cli_print_json (n);
	}
	g_printerr ("crmsync-cli: %s\n", message);
	return code;
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
