/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"

gint
cli_cmd_status (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
	    {"profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path, N_("The sync profile"), N_("FILE")},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new (_("- show a profile's sync state"));
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(CsFieldLabels) labels = NULL;
	g_autoptr(CsState) state = NULL;
	g_autoptr(GPtrArray) runs = NULL;
	g_autoptr(GPtrArray) conflicts = NULL;
	g_autoptr(JsonNode) last_report = NULL;
	JsonArray *skips = NULL;
	JsonArray *excluded = NULL;
	gint code = 0;
	g_autofree gchar *state_path = NULL;
	JsonObject *o, *links;
	JsonArray *arr;
	g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, _("status needs --profile FILE"));
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	state_path = cs_profile_get_state_path (profile);
	/* read only: a profile never synced gets no state file from a look at it */
	state = cli_open_state (profile, FALSE, json, &code);
	if (state == NULL && code != 0)
		return code;
	if (state != NULL) {
		runs = cs_state_get_runs (state, 10, &error);
		conflicts = runs != NULL ? cs_state_get_conflicts (state, &error) : NULL;
		if (runs == NULL || conflicts == NULL)
			return cli_fail (CS_EXIT_LOCAL, json, error->message);
	}
	/* the skips and exclusions shown are the last run's, from its own report */
	if (runs != NULL && runs->len > 0) {
		CsRunInfo *r = g_ptr_array_index (runs, 0);
		last_report = r->report != NULL ? cli_json_value (r->report) : NULL;
		if (last_report != NULL && JSON_NODE_HOLDS_OBJECT (last_report)) {
			skips = json_object_get_array_member (json_node_get_object (last_report), "skipped");
			excluded = json_object_get_array_member (json_node_get_object (last_report), "excluded");
		}
	}

	o = json_object_new ();
	json_object_set_string_member (o, "profile", cs_profile_get_name (profile));
	json_object_set_string_member (o, "state", state_path);
	json_object_set_boolean_member (o, "synced", runs != NULL && runs->len > 0);
	links = json_object_new ();
	for (guint k = 0; state != NULL && k < CS_KIND_LAST; k++) {
		gint64 n = cs_state_count_links (state, (CsKind) k, CS_SIDE_CRM);
		if (n > 0)
			json_object_set_int_member (links, cs_kind_to_string ((CsKind) k), n);
	}
	json_object_set_object_member (o, "linked", links);
	arr = json_array_new ();
	for (guint i = 0; runs != NULL && i < runs->len; i++) {
		CsRunInfo *r = g_ptr_array_index (runs, i);
		JsonObject *ro = json_object_new ();
		g_autofree gchar *started = cs_time_format_utc (r->started);
		json_object_set_int_member (ro, "id", r->id);
		json_object_set_string_member (ro, "started", started);
		json_object_set_string_member (ro, "trigger", r->trigger);
		json_object_set_string_member (ro, "status", r->status);
		if (r->error != NULL)
			json_object_set_string_member (ro, "error", r->error);
		json_array_add_object_element (arr, ro);
	}
	json_object_set_array_member (o, "runs", arr);
	arr = json_array_new ();
	for (guint i = 0; conflicts != NULL && i < conflicts->len; i++) {
		CsConflict *c = g_ptr_array_index (conflicts, i);
		JsonObject *co = json_object_new ();
		g_autofree gchar *label = cs_state_get_link_label (state, c->kind, c->outlook_id, c->crm_id);
		json_object_set_int_member (co, "id", c->id);
		json_object_set_string_member (co, "kind", cs_kind_to_string (c->kind));
		json_object_set_string_member (co, "label", label);
		json_object_set_string_member (co, "outlook_id", c->outlook_id);
		json_object_set_string_member (co, "crm_id", c->crm_id);
		json_object_set_string_member (co, "field", c->field);
		json_object_set_member (co, "crm", cli_json_value (c->crm_value));
		json_object_set_member (co, "outlook", cli_json_value (c->outlook_value));
		json_object_set_member (co, "base", cli_json_value (c->base_value));
		json_array_add_object_element (arr, co);
	}
	json_object_set_array_member (o, "conflicts", arr);
	json_object_set_array_member (o, "skipped", skips != NULL ? json_array_ref (skips) : json_array_new ());
	json_object_set_array_member (o, "excluded", excluded != NULL ? json_array_ref (excluded) : json_array_new ());
	json_node_take_object (root, o);
	if (json) {
		cli_print_json (root);
		return 0;
	}
	g_print (_("Profile: %s\nState: %s\n"), cs_profile_get_name (profile), state_path);
	for (guint k = 0; state != NULL && k < CS_KIND_LAST; k++) {
		gint64 n = cs_state_count_links (state, (CsKind) k, CS_SIDE_CRM);
		if (n > 0)
			g_print (_("Linked %s: %" PRId64 "\n"), cs_kind_get_label ((CsKind) k), n);
	}
	if (runs != NULL && runs->len > 0) {
		CsRunInfo *r = g_ptr_array_index (runs, 0);
		g_autofree gchar *started = cs_time_format_utc (r->started);
		g_print (_("Last run: %s, %s%s%s\n"), started, cli_run_status_label (r->status), r->error ? ": " : "",
			 r->error ? r->error : "");
	} else {
		g_print (_("Never synced\n"));
	}
	g_print (g_dngettext (GETTEXT_PACKAGE, "%u conflict waiting\n", "%u conflicts waiting\n",
			      conflicts != NULL ? conflicts->len : 0),
		 conflicts != NULL ? conflicts->len : 0);
	for (guint i = 0; conflicts != NULL && i < conflicts->len; i++) {
		CsConflict *c = g_ptr_array_index (conflicts, i);
		g_autofree gchar *label = cs_state_get_link_label (state, c->kind, c->outlook_id, c->crm_id);
		/* TRANSLATORS: conflict id, kind, record name, field */
		if (labels == NULL)
			labels = cli_field_labels (profile);
		g_print (_("  %" PRId64 ": %s %s, %s\n"), c->id, cs_kind_get_label (c->kind), label,
			 cli_field_label (labels, c->kind, c->field));
	}
	if (skips != NULL && json_array_get_length (skips) > 0) {
		guint n = json_array_get_length (skips);
		g_print (g_dngettext (GETTEXT_PACKAGE, "Skipped in the last run: %u record\n",
				      "Skipped in the last run: %u records\n", n),
			 n);
		for (guint i = 0; i < n; i++) {
			JsonObject *so = json_array_get_object_element (skips, i);
			const gchar *label = json_object_get_string_member_with_default (so, "label", NULL);
			g_print ("  %s: %s\n",
				 label != NULL && label[0] != '\0' ? label
								   : json_object_get_string_member_with_default (so, "id", ""),
				 json_object_get_string_member_with_default (so, "reason", ""));
		}
	}
	return 0;
}
