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
	g_autoptr(CsState) state = NULL;
	g_autoptr(GPtrArray) runs = NULL;
	g_autoptr(GPtrArray) conflicts = NULL;
	g_autoptr(GPtrArray) skips = NULL;
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
	state = cs_state_open (state_path, &error);
	if (state == NULL)
		return cli_fail (CS_EXIT_UNREACHABLE, json, error->message);
	runs = cs_state_get_runs (state, 10, NULL);
	conflicts = cs_state_get_conflicts (state, NULL);
	skips = cs_state_get_skips (state, NULL);

	o = json_object_new ();
	json_object_set_string_member (o, "profile", cs_profile_get_name (profile));
	json_object_set_string_member (o, "state", state_path);
	links = json_object_new ();
	for (guint k = 0; k < CS_KIND_LAST; k++) {
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
		json_object_set_string_member (co, "kind", cs_kind_to_string (c->kind));
		json_object_set_string_member (co, "outlook_id", c->outlook_id);
		json_object_set_string_member (co, "crm_id", c->crm_id);
		json_object_set_string_member (co, "field", c->field);
		json_object_set_string_member (co, "crm", c->crm_value);
		json_object_set_string_member (co, "outlook", c->outlook_value);
		json_array_add_object_element (arr, co);
	}
	json_object_set_array_member (o, "conflicts", arr);
	arr = json_array_new ();
	for (guint i = 0; skips != NULL && i < skips->len; i++) {
		CsStateSkip *s = g_ptr_array_index (skips, i);
		JsonObject *so = json_object_new ();
		json_object_set_string_member (so, "kind", cs_kind_to_string (s->kind));
		json_object_set_string_member (so, "side", cs_side_to_string (s->side));
		json_object_set_string_member (so, "id", s->id ? s->id : "");
		json_object_set_string_member (so, "reason", s->reason);
		json_array_add_object_element (arr, so);
	}
	json_object_set_array_member (o, "skipped", arr);
	json_node_take_object (root, o);
	if (json) {
		cli_print_json (root);
		return 0;
	}
	g_print (_("Profile: %s\nState: %s\n"), cs_profile_get_name (profile), state_path);
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		gint64 n = cs_state_count_links (state, (CsKind) k, CS_SIDE_CRM);
		if (n > 0)
			g_print (_("Linked %s: %" PRId64 "\n"), cs_kind_to_string ((CsKind) k), n);
	}
	if (runs != NULL && runs->len > 0) {
		CsRunInfo *r = g_ptr_array_index (runs, 0);
		g_autofree gchar *started = cs_time_format_utc (r->started);
		g_print (_("Last run: %s, %s%s%s\n"), started, r->status, r->error ? ": " : "",
			 r->error ? r->error : "");
	} else {
		g_print (_("Never synced\n"));
	}
	g_print (_("Conflicts waiting: %u\nSkipped in the last run: %u\n"),
		 conflicts != NULL ? conflicts->len : 0, skips != NULL ? skips->len : 0);
	return 0;
}
