/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"

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
