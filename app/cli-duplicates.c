/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cli-common.h"

/* crmsync-cli duplicates --profile P [--json]: the pairs held for review and
 * the look-alikes nobody linked (DESIGN.md, CLI contract) */
gint
cli_cmd_duplicates (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[]
		= { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
		      N_ ("The sync profile"), N_ ("FILE") },
		    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON"), NULL },
		    { NULL } };
	g_autoptr (GOptionContext) ctx = g_option_context_new (
		_ ("- list probable duplicates: held for review, or look-alikes"));
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsEngine) engine = NULL;
	g_autoptr (JsonNode) result = NULL;
	JsonArray *groups;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, _ ("duplicates needs --profile FILE"));
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	engine = cs_engine_new (profile, NULL, &error);
	if (engine == NULL)
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	result = cs_engine_find_duplicates (engine, NULL, &error);
	if (result == NULL)
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	if (json) {
		cli_print_json (result);
		return CS_EXIT_OK;
	}
	groups = json_object_get_array_member (json_node_get_object (result), "groups");
	if (json_array_get_length (groups) == 0)
		g_print ("%s\n", _ ("No probable duplicates."));
	for (guint i = 0; i < json_array_get_length (groups); i++) {
		JsonObject *g = json_array_get_object_element (groups, i);
		JsonArray *recs = json_object_get_array_member (g, "records");
		/* TRANSLATORS: a group of probable duplicates: kind, then why */
		g_print (_ ("%s: %s\n"), json_object_get_string_member (g, "kind"),
			 json_object_get_string_member (g, "reason"));
		for (guint r = 0; r < json_array_get_length (recs); r++) {
			JsonObject *o = json_array_get_object_element (recs, r);
			gboolean crm
				= g_strcmp0 (json_object_get_string_member (o, "side"), "crm") == 0;
			g_print ("  %-8s %s (%s)\n", crm ? _ ("CRM") : _ ("Outlook"),
				 json_object_get_string_member (o, "label"),
				 json_object_get_string_member (o, "id"));
		}
	}
	return CS_EXIT_OK;
}
