/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cli-common.h"

/* crmsync-cli link --profile P --kind K --crm ID --outlook ID [--dry-run] [--json]: joins
 * two records; the next run merges them by the profile's conflict rule. --dry-run shows
 * what that merge would write, and records nothing */
gint
cli_cmd_link (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	g_autofree gchar *kind_name = NULL;
	g_autofree gchar *crm_id = NULL;
	g_autofree gchar *outlook_id = NULL;
	gboolean json = FALSE, dry_run = FALSE;
	GOptionEntry entries[]
		= { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
		      N_ ("The sync profile"), N_ ("FILE") },
		    { "kind", 'k', 0, G_OPTION_ARG_STRING, &kind_name, N_ ("The kind of record"),
		      N_ ("KIND") },
		    { "crm", 0, 0, G_OPTION_ARG_STRING, &crm_id, N_ ("The CRM record's id"),
		      N_ ("ID") },
		    { "outlook", 0, 0, G_OPTION_ARG_STRING, &outlook_id,
		      N_ ("The Outlook record's id"), N_ ("ID") },
		    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		      N_ ("Show what would change; change nothing"), NULL },
		    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON"), NULL },
		    { NULL } };
	g_autoptr (GOptionContext) ctx = g_option_context_new (
		_ ("- join a CRM and an Outlook record (merged on the next sync)"));
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsEngine) engine = NULL;
	CsKind kind;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL || kind_name == NULL || crm_id == NULL || outlook_id == NULL)
		return cli_fail (CS_EXIT_CONFIG, json,
				 _ ("link needs --profile FILE --kind KIND --crm ID --outlook ID"));
	if (!cli_parse_kind (kind_name, &kind, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	engine = cs_engine_new (profile, NULL, &error);
	if (engine == NULL)
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	if (dry_run) {
		/* the merge the next sync would make, as a dry run of it shows it */
		CliProgress prog = { FALSE, -1, 0 };
		g_autoptr (CsRunReport) report
			= cs_engine_link_dry_run (engine, kind, crm_id, outlook_id, NULL, &error);
		return cli_finish_run (&prog, engine, report, error, json, TRUE);
	}
	if (!cs_engine_link (engine, kind, crm_id, outlook_id, NULL, &error))
		return cli_fail (cs_engine_exit_code_for_error (error), json, error->message);
	if (json) {
		g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
		JsonObject *o = json_object_new ();
		json_object_set_string_member (o, "status", "ok");
		json_object_set_string_member (o, "kind", cs_kind_to_string (kind));
		json_object_set_string_member (o, "crm_id", crm_id);
		json_object_set_string_member (o, "outlook_id", outlook_id);
		json_node_take_object (n, o);
		cli_print_json (n);
	} else {
		g_print (_ ("Linked; the next sync merges the two records.\n"));
	}
	return CS_EXIT_OK;
}
