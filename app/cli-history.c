/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "cli-common.h"

static const gchar *count_names[] = { "created", "updated", "deleted", "linked" };

/* one run as `history --json` shows it, with its counts from the report kept */
static JsonObject *
run_object (CsRunInfo *r, JsonObject *report)
{
	JsonObject *ro = json_object_new ();
	g_autofree gchar *started = cs_time_format_utc (r->started);
	g_autofree gchar *finished = r->finished > 0 ? cs_time_format_utc (r->finished) : NULL;
	json_object_set_int_member (ro, "id", r->id);
	json_object_set_string_member (ro, "started", started);
	if (finished != NULL)
		json_object_set_string_member (ro, "finished", finished);
	else
		json_object_set_null_member (ro, "finished");
	json_object_set_string_member (ro, "trigger", r->trigger);
	json_object_set_string_member (ro, "status", r->status);
	for (guint i = 0; i < G_N_ELEMENTS (count_names); i++) {
		JsonNode *c
			= report != NULL ? json_object_get_member (report, count_names[i]) : NULL;
		if (c != NULL && JSON_NODE_HOLDS_OBJECT (c)) {
			json_object_set_member (ro, count_names[i], json_node_copy (c));
		} else {
			JsonObject *e = json_object_new ();
			json_object_set_object_member (e, "crm", json_object_new ());
			json_object_set_object_member (e, "outlook", json_object_new ());
			json_object_set_object_member (ro, count_names[i], e);
		}
	}
	if (r->error != NULL)
		json_object_set_string_member (ro, "error", r->error);
	return ro;
}

static guint
total (JsonObject *ro, const gchar *what)
{
	JsonObject *o = json_object_get_object_member (ro, what);
	guint n = 0;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		JsonObject *per = json_object_get_object_member (o, cs_side_to_string ((CsSide)s));
		g_autoptr (GList) members = per != NULL ? json_object_get_members (per) : NULL;
		for (GList *l = members; l != NULL; l = l->next)
			n += (guint)json_object_get_int_member (per, l->data);
	}
	return n;
}

/* `history`: the runs, and with --run what one of them changed */
gint
cli_cmd_history (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	gint64 run_id = 0;
	gboolean json = FALSE;
	GOptionEntry entries[]
		= { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
		      N_ ("The sync profile"), N_ ("FILE") },
		    { "run", 0, 0, G_OPTION_ARG_INT64, &run_id, N_ ("Show what this run changed"),
		      N_ ("ID") },
		    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON"), NULL },
		    { NULL } };
	g_autoptr (GOptionContext) ctx = g_option_context_new (_ ("- show a profile's runs"));
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsFieldLabels) labels = NULL;
	g_autoptr (CsState) state = NULL;
	g_autoptr (GPtrArray) runs
		= g_ptr_array_new_with_free_func ((GDestroyNotify)cs_run_info_free);
	g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	JsonObject *o = json_object_new ();
	JsonArray *arr = json_array_new ();
	gint code = 0;

	json_object_set_array_member (o, "runs", arr);
	json_node_take_object (root, o);
	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, _ ("history needs --profile FILE"));
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	state = cli_open_state (profile, FALSE, json, &code);
	if (state == NULL && code != 0)
		return code;
	if (state == NULL && run_id != 0)
		return cli_fail (CS_EXIT_CONFIG, json,
				 _ ("the profile was never synced: it has no runs"));
	if (state != NULL && run_id != 0) {
		CsRunInfo *r = cs_state_get_run (state, run_id, &error);
		if (r == NULL)
			return cli_fail (CS_EXIT_CONFIG, json, error->message);
		g_ptr_array_add (runs, r);
	} else if (state != NULL) {
		g_autoptr (GPtrArray) all = cs_state_get_runs (state, 500, &error);
		if (all == NULL)
			return cli_fail (CS_EXIT_LOCAL, json, error->message);
		while (all->len > 0)
			g_ptr_array_add (runs, g_ptr_array_steal_index (all, 0));
	}
	for (guint i = 0; i < runs->len; i++) {
		CsRunInfo *r = g_ptr_array_index (runs, i);
		g_autoptr (JsonNode) rep = r->report != NULL ? cli_json_value (r->report) : NULL;
		JsonObject *ro = run_object (r, rep != NULL && JSON_NODE_HOLDS_OBJECT (rep)
							? json_node_get_object (rep)
							: NULL);
		gint64 undone = cs_state_get_undo_of (state, r->id);
		if (undone > 0)
			json_object_set_int_member (ro, "undone_by", undone);
		json_array_add_object_element (arr, ro);
		if (run_id != 0) {
			g_autoptr (GPtrArray) changes = cs_state_get_changes (state, r->id, &error);
			JsonArray *ca = json_array_new ();
			if (changes == NULL)
				return cli_fail (CS_EXIT_LOCAL, json, error->message);
			for (guint c = 0; c < changes->len; c++) {
				JsonNode *e = cli_json_value (
					((CsRunChange *)changes->pdata[c])->entry);
				JsonArray *list
					= JSON_NODE_HOLDS_OBJECT (e)
						  ? json_object_get_array_member (
							  json_node_get_object (e), "changes")
						  : NULL;
				/* the mapping rows are undo's business, not the contract's */
				for (guint k = 0; list != NULL && k < json_array_get_length (list);
				     k++)
					json_object_remove_member (
						json_array_get_object_element (list, k), "row");
				json_array_add_element (ca, e);
			}
			json_object_set_array_member (ro, "changes", ca);
		}
		if (!json) {
			/* TRANSLATORS: run id, start time, what started it, its status, then
			 * the numbers of records created, updated, deleted and linked */
			g_print (
				_ ("%" PRId64
				   "  %s  %s  %s  created %u, updated %u, deleted %u, linked %u\n"),
				r->id, json_object_get_string_member (ro, "started"),
				cli_run_trigger_label (r->trigger),
				cli_run_status_label (r->status), total (ro, "created"),
				total (ro, "updated"), total (ro, "deleted"), total (ro, "linked"));
			if (r->error != NULL)
				g_print ("    %s\n", r->error);
			if (run_id != 0) {
				g_autoptr (GString) text = g_string_new (NULL);
				if (labels == NULL)
					labels = cli_field_labels (profile);
				cs_plan_append_text_labelled (
					json_object_get_array_member (ro, "changes"), text,
					cs_field_labels_func, labels);
				g_print ("%s", text->str);
			}
		}
	}
	if (json)
		cli_print_json (root);
	else if (runs->len == 0)
		g_print (_ ("Never synced\n"));
	return 0;
}
