/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "cli-common.h"

/* `conflicts`: the fields both sides changed, waiting for the user's decision */
gint
cli_cmd_conflicts (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[]
		= { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
		      N_ ("The sync profile"), N_ ("FILE") },
		    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON"), NULL },
		    { NULL } };
	g_autoptr (GOptionContext) ctx
		= g_option_context_new (_ ("- list the conflicts waiting for a decision"));
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsState) state = NULL;
	g_autoptr (GPtrArray) conflicts = NULL;
	g_autoptr (CsFieldLabels) labels = NULL;
	g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	JsonObject *o = json_object_new ();
	JsonArray *arr = json_array_new ();
	gint code = 0;

	json_object_set_array_member (o, "conflicts", arr);
	json_node_take_object (root, o);
	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, _ ("conflicts needs --profile FILE"));
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	state = cli_open_state (profile, FALSE, json, &code);
	if (state == NULL && code != 0)
		return code;
	if (state != NULL) {
		conflicts = cs_state_get_conflicts (state, &error);
		if (conflicts == NULL)
			return cli_fail (CS_EXIT_LOCAL, json, error->message);
	}
	if (!json && conflicts != NULL && conflicts->len > 0)
		labels = cli_field_labels (profile);
	for (guint i = 0; conflicts != NULL && i < conflicts->len; i++) {
		CsConflict *c = g_ptr_array_index (conflicts, i);
		JsonObject *co = json_object_new ();
		g_autofree gchar *label
			= cs_state_get_link_label (state, c->kind, c->outlook_id, c->crm_id);
		json_object_set_int_member (co, "id", c->id);
		json_object_set_string_member (co, "kind", cs_kind_to_string (c->kind));
		json_object_set_string_member (co, "label", label);
		json_object_set_string_member (co, "crm_id", c->crm_id);
		json_object_set_string_member (co, "outlook_id", c->outlook_id);
		json_object_set_string_member (co, "field", c->field);
		json_object_set_member (co, "crm", cli_json_value (c->crm_value));
		json_object_set_member (co, "outlook", cli_json_value (c->outlook_value));
		json_object_set_member (co, "base", cli_json_value (c->base_value));
		json_array_add_object_element (arr, co);
		if (!json) {
			g_autofree gchar *crm = cli_value_text (c->crm_value);
			g_autofree gchar *outlook = cli_value_text (c->outlook_value);
			g_autofree gchar *base = cli_value_text (c->base_value);
			/* TRANSLATORS: id, kind, name, field; then each side's value and the
			 * value both had before */
			g_print (_ ("%" PRId64
				    ": %s %s, %s\n  CRM: %s\n  Outlook: %s\n  before: %s\n"),
				 c->id, cs_kind_get_label (c->kind), label,
				 cli_field_label (labels, c->kind, c->field), crm, outlook,
				 base);
		}
	}
	if (json)
		cli_print_json (root);
	else if (conflicts == NULL || conflicts->len == 0)
		g_print ("%s\n", _ ("No conflicts are waiting."));
	return 0;
}
