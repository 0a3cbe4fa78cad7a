/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "cs-plugin-loader.h"

gint
cli_cmd_plugins (gint argc, gchar **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {{"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL},
				  {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new (_("- list the plugins found"));
	g_autoptr(GError) error = NULL;
	CsPluginLoader *loader = cs_plugin_loader_get_default ();
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	JsonObject *o = json_object_new ();
	JsonArray *arr = json_array_new ();
	JsonArray *fails = json_array_new ();
	GPtrArray *failures;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error) ||
	    !cs_plugin_loader_load_all (loader, &error)) {
		json_object_unref (o);
		json_array_unref (arr);
		json_array_unref (fails);
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	}
	names = cs_plugin_loader_get_names (loader);
	for (guint i = 0; i < names->len; i++) {
		g_autoptr(CsProvider) p = cs_plugin_loader_create (loader, names->pdata[i], NULL);
		JsonObject *po = json_object_new ();
		JsonObject *kinds = json_object_new ();
		JsonObject *horizons = json_object_new ();
		JsonArray *sides = json_array_new ();
		GString *line = g_string_new (NULL);
		CsProviderSides ps = cs_provider_get_sides (p);
		json_object_set_string_member (po, "name", names->pdata[i]);
		json_object_set_string_member (po, "description", CS_PROVIDER_GET_CLASS (p)->description);
		if (ps & CS_PROVIDER_SIDE_CRM)
			json_array_add_string_element (sides, "crm");
		if (ps & CS_PROVIDER_SIDE_OUTLOOK)
			json_array_add_string_element (sides, "outlook");
		json_object_set_array_member (po, "sides", sides);
		g_string_append_printf (line, "%-8s %s%s", (const gchar *) names->pdata[i],
					(ps & CS_PROVIDER_SIDE_CRM) ? "crm " : "",
					(ps & CS_PROVIDER_SIDE_OUTLOOK) ? "outlook " : "");
		for (guint k = 0; k < CS_KIND_LAST; k++) {
			CsCaps caps = cs_provider_get_caps (p, (CsKind) k);
			JsonArray *c;
			if (caps == 0)
				continue;
			c = json_array_new ();
			if (caps & CS_CAP_READ)
				json_array_add_string_element (c, "read");
			if (caps & CS_CAP_WRITE)
				json_array_add_string_element (c, "write");
			if (caps & CS_CAP_DELETE)
				json_array_add_string_element (c, "delete");
			if (caps & CS_CAP_DELTA)
				json_array_add_string_element (c, "delta");
			if (caps & CS_CAP_BATCH)
				json_array_add_string_element (c, "batch");
			json_object_set_array_member (kinds, cs_kind_to_string ((CsKind) k), c);
			/* what a full listing of the kind leaves out (describe: the horizon) */
			{
				CsHorizon h;
				if (cs_provider_get_horizon (p, (CsKind) k, &h)) {
					JsonObject *ho = json_object_new ();
					json_object_set_boolean_member (ho, "partial", TRUE);
					if (h.range_field != NULL)
						json_object_set_string_member (ho, "window", h.range_field);
					if (h.find_field != NULL)
						json_object_set_string_member (ho, "find", h.find_field);
					json_object_set_object_member (horizons, cs_kind_to_string ((CsKind) k), ho);
				}
			}
			g_string_append_printf (line, " %s%s", cs_kind_to_string ((CsKind) k),
						(caps & CS_CAP_WRITE) ? "" : "(read-only)");
		}
		json_object_set_object_member (po, "kinds", kinds);
		json_object_set_object_member (po, "horizons", horizons);
		json_array_add_object_element (arr, po);
		if (!json)
			g_print ("%s\n", line->str);
		g_string_free (line, TRUE);
	}
	failures = cs_plugin_loader_get_failures (loader);
	for (guint i = 0; i < failures->len; i++) {
		json_array_add_string_element (fails, failures->pdata[i]);
		if (!json)
			g_printerr (_("not loaded: %s\n"), (const gchar *) failures->pdata[i]);
	}
	json_object_set_string_member (o, "dir", cs_plugin_loader_get_dir (loader));
	json_object_set_array_member (o, "plugins", arr);
	json_object_set_array_member (o, "failures", fails);
	json_node_take_object (root, o);
	if (json)
		cli_print_json (root);
	return 0;
}
