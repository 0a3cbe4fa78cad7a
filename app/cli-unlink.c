/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cli-common.h"

/* crmsync-cli unlink --profile P --kind K (--crm ID | --outlook ID) [--json]:
 * parts a pair; its records are left alone from then on */
gint
cli_cmd_unlink (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	g_autofree gchar *kind_name = NULL;
	g_autofree gchar *crm_id = NULL;
	g_autofree gchar *outlook_id = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[]
		= { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
		      N_ ("The sync profile"), N_ ("FILE") },
		    { "kind", 'k', 0, G_OPTION_ARG_STRING, &kind_name, N_ ("The kind of record"),
		      N_ ("KIND") },
		    { "crm", 0, 0, G_OPTION_ARG_STRING, &crm_id, N_ ("The CRM record's id"),
		      N_ ("ID") },
		    { "outlook", 0, 0, G_OPTION_ARG_STRING, &outlook_id,
		      N_ ("The Outlook record's id"), N_ ("ID") },
		    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON"), NULL },
		    { NULL } };
	g_autoptr (GOptionContext) ctx = g_option_context_new (
		_ ("- part a pair and leave its records alone from then on"));
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsEngine) engine = NULL;
	CsKind kind;
	CsSide side = crm_id != NULL ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL || kind_name == NULL || (crm_id == NULL) == (outlook_id == NULL))
		return cli_fail (CS_EXIT_CONFIG, json,
				 _ ("unlink needs --profile FILE --kind KIND and one of --crm ID "
				    "or --outlook ID"));
	side = crm_id != NULL ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;
	if (!cli_parse_kind (kind_name, &kind, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	engine = cs_engine_new (profile, NULL, &error);
	if (engine == NULL)
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	if (!cs_engine_unlink (engine, kind, side, side == CS_SIDE_CRM ? crm_id : outlook_id, NULL,
			       &error))
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	if (json) {
		g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
		JsonObject *o = json_object_new ();
		json_object_set_string_member (o, "status", "ok");
		json_object_set_string_member (o, "kind", cs_kind_to_string (kind));
		json_object_set_string_member (o, "side", cs_side_to_string (side));
		json_object_set_string_member (o, "id", side == CS_SIDE_CRM ? crm_id : outlook_id);
		json_node_take_object (n, o);
		cli_print_json (n);
	} else {
		g_print (_ ("Unlinked; the records are left alone from now on.\n"));
	}
	return CS_EXIT_OK;
}
