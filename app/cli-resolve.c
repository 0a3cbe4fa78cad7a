/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "cli-common.h"
#include "cs-change-view.h"

static gboolean
side_from (const gchar *text, gint *side)
{
	if (g_strcmp0 (text, "crm") == 0)
		*side = CS_SIDE_CRM;
	else if (g_strcmp0 (text, "outlook") == 0)
		*side = CS_SIDE_OUTLOOK;
	else
		return FALSE;
	return TRUE;
}

/* `resolve`: the user's decision, applied on both sides by the next plain sync */
gint
cli_cmd_resolve (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	g_autofree gchar *keep = NULL;
	g_autofree gchar *value = NULL;
	g_autofree gchar *all_keep = NULL;
	gboolean json = FALSE, dry_run = FALSE;
	GOptionEntry entries[]
		= { { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
		      N_ ("The sync profile"), N_ ("FILE") },
		    { "keep", 0, 0, G_OPTION_ARG_STRING, &keep, N_ ("Keep this side's value"),
		      "crm|outlook" },
		    { "value", 0, 0, G_OPTION_ARG_STRING, &value,
		      N_ ("Write this value on both sides"), N_ ("TEXT") },
		    { "all-keep", 0, 0, G_OPTION_ARG_STRING, &all_keep,
		      N_ ("Decide every conflict for this side"), "crm|outlook" },
		    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		      N_ ("Show what would change; change nothing"), NULL },
		    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print JSON"), NULL },
		    { NULL } };
	g_autoptr (GOptionContext) ctx = g_option_context_new (_ ("[ID] - decide a conflict"));
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (CsFieldLabels) labels = NULL;
	g_autoptr (CsState) state = NULL;
	g_autoptr (GPtrArray) targets
		= g_ptr_array_new_with_free_func ((GDestroyNotify)cs_conflict_free);
	g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	JsonObject *o = json_object_new ();
	JsonArray *arr = json_array_new ();
	gint side = -1;
	gint code = 0;
	guint64 id = 0;

	json_object_set_array_member (o, "resolved", arr);
	json_node_take_object (root, o);
	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, _ ("resolve needs --profile FILE"));
	if ((keep != NULL) + (value != NULL) + (all_keep != NULL) != 1)
		return cli_fail (CS_EXIT_CONFIG, json,
				 _ ("resolve needs one of: ID --keep crm|outlook, ID --value TEXT, "
				    "--all-keep crm|outlook"));
	if ((keep != NULL && !side_from (keep, &side))
	    || (all_keep != NULL && !side_from (all_keep, &side)))
		return cli_fail (CS_EXIT_CONFIG, json,
				 _ ("--keep and --all-keep take crm or outlook"));
	if (all_keep == NULL
	    && (argc != 2 || !g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXINT64, &id, NULL)))
		return cli_fail (
			CS_EXIT_CONFIG, json,
			_ ("resolve needs the conflict's ID (crmsync-cli conflicts lists them)"));
	if (all_keep != NULL && argc != 1)
		return cli_fail (CS_EXIT_CONFIG, json,
				 _ ("--all-keep decides every conflict: give no ID"));
	profile = cli_load_profile (profile_path, &error);
	if (profile == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	/* a profile never synced has no conflicts, and gets no state file from this */
	state = cli_open_state (profile, FALSE, json, &code);
	if (state == NULL && code != 0)
		return code;
	if (state == NULL && all_keep != NULL) {
		if (json)
			cli_print_json (root);
		return 0;
	}
	if (state == NULL)
		return cli_fail (CS_EXIT_CONFIG, json,
				 _ ("no conflicts are waiting: the profile was never synced"));
	g_clear_object (&state);
	state = cli_open_state (profile, TRUE, json, &code);
	if (state == NULL)
		return code != 0 ? code : CS_EXIT_LOCAL;
	if (all_keep != NULL) {
		g_autoptr (GPtrArray) all = cs_state_get_conflicts (state, &error);
		if (all == NULL)
			return cli_fail (CS_EXIT_LOCAL, json, error->message);
		while (all->len > 0)
			g_ptr_array_add (targets, g_ptr_array_steal_index (all, 0));
	} else {
		CsConflict *c = cs_state_get_conflict (state, (gint64)id, &error);
		if (c == NULL)
			return cli_fail (error->domain == CS_STATE_ERROR
							 && error->code == CS_STATE_ERROR_FAILED
						 ? CS_EXIT_CONFIG
						 : CS_EXIT_LOCAL,
					 json, error->message);
		g_ptr_array_add (targets, c);
	}
	if (dry_run) {
		/* the decisions as they would be recorded; none is */
		json_object_set_boolean_member (o, "dry_run", TRUE);
		if (!json)
			g_print ("%s", _ ("Dry run, nothing was changed.\n"));
	}
	if (!dry_run && !cs_state_begin (state, &error))
		return cli_fail (CS_EXIT_LOCAL, json, error->message);
	for (guint i = 0; i < targets->len; i++) {
		CsConflict *c = g_ptr_array_index (targets, i);
		g_autofree gchar *typed = value != NULL ? cs_conflict_typed_value (c, value) : NULL;
		g_autofree gchar *label
			= cs_state_get_link_label (state, c->kind, c->outlook_id, c->crm_id);
		const gchar *kept = side == CS_SIDE_CRM	      ? c->crm_value
				    : side == CS_SIDE_OUTLOOK ? c->outlook_value
							      : typed;
		JsonObject *ro = json_object_new ();
		if (!dry_run
		    && !cs_state_decide_conflict (state, c->id, value != NULL ? -1 : side, typed,
						  &error)) {
			cs_state_rollback (state);
			return cli_fail (CS_EXIT_LOCAL, json, error->message);
		}
		json_object_set_int_member (ro, "id", c->id);
		json_object_set_string_member (ro, "kind", cs_kind_to_string (c->kind));
		json_object_set_string_member (ro, "label", label);
		json_object_set_string_member (ro, "field", c->field);
		json_object_set_member (ro, "value", cli_json_value (kept));
		json_array_add_object_element (arr, ro);
		if (!json && dry_run) {
			g_autofree gchar *text = cli_value_text (kept);
			/* TRANSLATORS: resolve --dry-run: a record's name, a field and the value */
			g_print (_ ("%s, %s: would keep %s (the next sync would write it on both "
				    "sides)\n"),
				 label, c->field, text);
		} else if (!json) {
			g_autofree gchar *text = cli_value_text (kept);
			/* TRANSLATORS: a record's name, a field and the value kept */
			if (labels == NULL)
				labels = cli_field_labels (profile);
			g_print (_ ("%s, %s: keeps %s (written on both sides by the next sync)\n"),
				 label, cli_field_label (labels, c->kind, c->field), text);
		}
	}
	if (!dry_run && !cs_state_commit (state, &error))
		return cli_fail (CS_EXIT_LOCAL, json, error->message);
	if (json)
		cli_print_json (root);
	return 0;
}
