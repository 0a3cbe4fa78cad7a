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
cli_cmd_pst_list (gint argc, gchar **argv)
{
	g_autofree gchar *kind_name = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
	    {"kind", 'k', 0, G_OPTION_ARG_STRING, &kind_name, N_("Only this kind (contact, task, event, email)"), N_("KIND")},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new (_("FILE - list what a sync would read from a PST/OST file"));
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProvider) pst = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	g_autofree gchar *format = NULL;
	g_autofree gchar *abs = NULL;
	JsonObject *o;
	JsonArray *items;
	JsonArray *skipped;
	g_autofree gchar *first_skip = NULL;
	guint n_skipped = 0;
	CsKind only = CS_KIND_LAST;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	if (argc != 2)
		return cli_fail (CS_EXIT_CONFIG, json, _("pst-list needs one FILE"));
	if (kind_name != NULL && !cs_kind_from_string (kind_name, &only))
		return cli_fail (CS_EXIT_CONFIG, json, _("--kind must be contact, task, event or email"));
	if (!g_file_test (argv[1], G_FILE_TEST_IS_REGULAR)) {
		g_autofree gchar *msg = g_strdup_printf (_("%s: no such file"), argv[1]);
		return cli_fail (CS_EXIT_CONFIG, json, msg);
	}
	pst = cs_plugin_loader_create (cs_plugin_loader_get_default (), "pst", &error);
	if (pst == NULL)
		return cli_fail (CS_EXIT_CONFIG, json, error->message);
	abs = g_canonicalize_filename (argv[1], NULL);
	g_key_file_set_string (kf, "outlook", "path", abs);
	if (!cs_provider_setup (pst, kf, "outlook", &error) || !cs_provider_open (pst, NULL, &error)) {
		/* the plugin's message usually names the file already */
		g_autofree gchar *msg = NULL;
		if (strstr (error->message, abs) != NULL) {
			/* name the file as the user gave it */
			GString *m = g_string_new (error->message);
			g_string_replace (m, abs, argv[1], 0);
			msg = g_string_free (m, FALSE);
		} else {
			msg = g_strdup_printf ("%s: %s", argv[1], error->message);
		}
		return cli_fail (CS_EXIT_CONFIG, json, msg);
	}
	if (g_object_class_find_property (G_OBJECT_GET_CLASS (pst), "format") != NULL)
		g_object_get (pst, "format", &format, NULL);
	o = json_object_new ();
	json_object_set_string_member (o, "file", argv[1]);
	json_object_set_string_member (o, "format", format != NULL ? format : "");
	items = json_array_new ();
	skipped = json_array_new ();
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		g_autoptr(CsReadSink) sink = NULL;
		GPtrArray *recs;
		if ((only != CS_KIND_LAST && only != (CsKind) k) ||
		    (cs_provider_get_caps (pst, (CsKind) k) & CS_CAP_READ) == 0)
			continue;
		sink = cs_read_sink_new ((CsKind) k, TRUE);
		if (!cs_provider_read_changes (pst, (CsKind) k, NULL, sink, NULL, &error)) {
			g_autofree gchar *msg = g_strdup_printf ("%s: %s", argv[1], error->message);
			cs_provider_close (pst);
			json_object_unref (o);
			json_array_unref (items);
			json_array_unref (skipped);
			return cli_fail (CS_EXIT_CONFIG, json, msg);
		}
		/* items the file holds but that cannot be read right (damaged) are
		 * shown, never listed from garbage: the run is partial */
		for (guint i = 0; i < cs_read_sink_get_skips (sink)->len; i++) {
			CsSkip *skip = g_ptr_array_index (cs_read_sink_get_skips (sink), i);
			JsonObject *so = json_object_new ();
			json_object_set_string_member (so, "kind", cs_kind_to_string (skip->kind));
			json_object_set_string_member (so, "id", skip->id != NULL ? skip->id : "");
			json_object_set_string_member (so, "reason", skip->reason);
			json_array_add_object_element (skipped, so);
			if (first_skip == NULL)
				first_skip = g_strdup (skip->reason);
			if (!json)
				g_printerr ("%s\n", skip->reason);
			n_skipped++;
		}
		recs = cs_read_sink_get_records (sink);
		for (guint i = 0; i < recs->len; i++) {
			CsRecord *r = g_ptr_array_index (recs, i);
			if (json) {
				json_array_add_element (items, cs_json_from_record (r));
			} else {
				const gchar *label = cs_record_get_string (r, "subject");
				if (label == NULL)
					label = cs_record_get_string (r, "displayName");
				if (label == NULL)
					label = cs_record_get_string (r, "surname");
				g_print ("%-8s %-10s %-30s %s\n", cs_kind_to_string ((CsKind) k),
					 cs_record_get_id (r),
					 cs_record_get_folder (r) ? cs_record_get_folder (r) : "",
					 label ? label : "");
			}
		}
	}
	cs_provider_close (pst);
	json_object_set_array_member (o, "items", items);
	json_object_set_array_member (o, "skipped", skipped);
	json_node_take_object (root, o);
	if (json)
		cli_print_json (root);
	if (n_skipped > 0) {
		/* one line on stderr, as every partial run says why */
		if (json)
			g_printerr (ngettext ("%s: %u item skipped: %s\n",
					      "%s: %u items skipped, the first: %s\n", n_skipped),
				    argv[1], n_skipped, first_skip);
		return CS_EXIT_PARTIAL;
	}
	return 0;
}
