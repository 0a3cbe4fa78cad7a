/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cs-engine.h"
#include "cs-json.h"
#include "cs-plugin-loader.h"

/* the contract scripts and tests rely on: DESIGN.md "CLI contract" */

static void
print_json (JsonNode *node)
{
	g_autofree gchar *text = cs_json_to_string (node, TRUE);
	g_print ("%s\n", text);
}

static gint
fail (CsExitCode code, gboolean json, const gchar *message)
{
	if (json) {
		JsonObject *o = json_object_new ();
		JsonArray *errors = json_array_new ();
		g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
		json_array_add_string_element (errors, message);
		json_object_set_string_member (o, "status", "failed");
		json_object_set_array_member (o, "errors", errors);
		json_object_set_int_member (o, "exit", code);
		json_node_take_object (n, o);
		print_json (n);
	}
	g_printerr ("crmsync-cli: %s\n", message);
	return code;
}

typedef struct {
	gboolean tty;
	gint last_percent;
	gint64 last_time;
} Progress;

static void
progress_cb (CsEngine *engine, gint phase, gdouble fraction, const gchar *message, gpointer data)
{
	Progress *p = data;
	gint percent = (gint) (fraction * 100);
	gint64 now = g_get_monotonic_time ();
	if (!p->tty || (percent == p->last_percent && now - p->last_time < 200000))
		return;
	p->last_percent = percent;
	p->last_time = now;
	g_printerr ("\r\033[K%3d%% %s", percent, message != NULL ? message : "");
}

static gint
cmd_sync (gint argc, gchar **argv)
{
	g_autofree gchar *profile_path = NULL;
	gboolean dry_run = FALSE, all = FALSE, force = FALSE, json = FALSE;
	GOptionEntry entries[] = {
	    {"profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path, N_("The sync profile"), N_("FILE")},
	    {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Show what would change; change nothing"), NULL},
	    {"all", 'a', 0, G_OPTION_ARG_NONE, &all, N_("Sync all: read everything, relink by key"), NULL},
	    {"force-delete", 0, 0, G_OPTION_ARG_NONE, &force, N_("Confirm deletions a guard stopped"), NULL},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print a JSON report"), NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new (_("- sync a profile's CRM and Outlook"));
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(CsEngine) engine = NULL;
	g_autoptr(CsRunReport) report = NULL;
	CsRunFlags flags = CS_RUN_FLAG_NONE;
	Progress prog = {isatty (STDERR_FILENO) && !json, -1, 0};

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return fail (CS_EXIT_CONFIG, json, _("sync needs --profile FILE"));
	profile = cs_profile_load (profile_path, &error);
	if (profile == NULL)
		return fail (CS_EXIT_CONFIG, json, error->message);
	engine = cs_engine_new (profile, NULL, &error);
	if (engine == NULL)
		return fail (cs_engine_exit_code_for_error (error), json, error->message);
	if (dry_run)
		flags |= CS_RUN_FLAG_DRY_RUN;
	if (all)
		flags |= CS_RUN_FLAG_ALL;
	if (force)
		flags |= CS_RUN_FLAG_FORCE_DELETE;
	g_signal_connect (engine, "progress", G_CALLBACK (progress_cb), &prog);
	report = cs_engine_run (engine, flags, NULL, &error);
	if (prog.tty && prog.last_percent >= 0)
		g_printerr ("\r\033[K");
	if (report == NULL)
		return fail (cs_engine_exit_code_for_error (error), json, error->message);
	if (json) {
		g_autoptr(JsonNode) n = cs_run_report_to_json (report);
		print_json (n);
	} else {
		g_autofree gchar *text = cs_run_report_to_text (report);
		g_print ("%s%s", dry_run ? _("Dry run, nothing was changed.\n") : "", text);
	}
	return cs_run_report_get_exit_code (report);
}

static gint
cmd_status (gint argc, gchar **argv)
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
		return fail (CS_EXIT_CONFIG, json, error->message);
	if (profile_path == NULL)
		return fail (CS_EXIT_CONFIG, json, _("status needs --profile FILE"));
	profile = cs_profile_load (profile_path, &error);
	if (profile == NULL)
		return fail (CS_EXIT_CONFIG, json, error->message);
	state_path = cs_profile_get_state_path (profile);
	state = cs_state_open (state_path, &error);
	if (state == NULL)
		return fail (CS_EXIT_UNREACHABLE, json, error->message);
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
		print_json (root);
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

static gint
cmd_pst_list (gint argc, gchar **argv)
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
	CsKind only = CS_KIND_LAST;

	g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return fail (CS_EXIT_CONFIG, json, error->message);
	if (argc != 2)
		return fail (CS_EXIT_CONFIG, json, _("pst-list needs one FILE"));
	if (kind_name != NULL && !cs_kind_from_string (kind_name, &only))
		return fail (CS_EXIT_CONFIG, json, _("--kind must be contact, task, event or email"));
	if (!g_file_test (argv[1], G_FILE_TEST_IS_REGULAR)) {
		g_autofree gchar *msg = g_strdup_printf (_("%s: no such file"), argv[1]);
		return fail (CS_EXIT_CONFIG, json, msg);
	}
	pst = cs_plugin_loader_create (cs_plugin_loader_get_default (), "pst", &error);
	if (pst == NULL)
		return fail (CS_EXIT_CONFIG, json, error->message);
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
		return fail (CS_EXIT_CONFIG, json, msg);
	}
	if (g_object_class_find_property (G_OBJECT_GET_CLASS (pst), "format") != NULL)
		g_object_get (pst, "format", &format, NULL);
	o = json_object_new ();
	json_object_set_string_member (o, "file", argv[1]);
	json_object_set_string_member (o, "format", format != NULL ? format : "");
	items = json_array_new ();
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
			return fail (CS_EXIT_CONFIG, json, msg);
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
	json_node_take_object (root, o);
	if (json)
		print_json (root);
	return 0;
}

static gint
cmd_plugins (gint argc, gchar **argv)
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
		return fail (CS_EXIT_CONFIG, json, error->message);
	}
	names = cs_plugin_loader_get_names (loader);
	for (guint i = 0; i < names->len; i++) {
		g_autoptr(CsProvider) p = cs_plugin_loader_create (loader, names->pdata[i], NULL);
		JsonObject *po = json_object_new ();
		JsonObject *kinds = json_object_new ();
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
			g_string_append_printf (line, " %s%s", cs_kind_to_string ((CsKind) k),
						(caps & CS_CAP_WRITE) ? "" : "(read-only)");
		}
		json_object_set_object_member (po, "kinds", kinds);
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
		print_json (root);
	return 0;
}

static void
usage (void)
{
	g_print ("%s",
		 _("Usage:\n"
		   "  crmsync-cli sync    --profile FILE [--dry-run] [--all] [--force-delete] [--json]\n"
		   "  crmsync-cli status  --profile FILE [--json]\n"
		   "  crmsync-cli pst-list FILE [--kind K] [--json]\n"
		   "  crmsync-cli plugins [--json]\n"
		   "\n"
		   "Exit codes: 0 success, 1 partial (items skipped or failed, listed), 2 usage or\n"
		   "configuration error, 3 cannot reach or authenticate, 4 stopped by a guard,\n"
		   "5 cannot write locally (disk full, sync state unwritable).\n"));
}

int
main (int argc, char **argv)
{
	const gchar *cmd;

	setlocale (LC_ALL, "");
	/* stdout is for results (--json); messages and debug output go to stderr */
	g_log_writer_default_set_use_stderr (TRUE);
	bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	textdomain (GETTEXT_PACKAGE);

	if (argc < 2) {
		usage ();
		return CS_EXIT_CONFIG;
	}
	cmd = argv[1];
	if (g_strcmp0 (cmd, "--help") == 0 || g_strcmp0 (cmd, "-h") == 0 || g_strcmp0 (cmd, "help") == 0) {
		usage ();
		return 0;
	}
	if (g_strcmp0 (cmd, "--version") == 0) {
		g_print ("crmsync-cli %s\n", PACKAGE_VERSION);
		return 0;
	}
	argv[1] = argv[0];
	if (g_strcmp0 (cmd, "sync") == 0)
		return cmd_sync (argc - 1, argv + 1);
	if (g_strcmp0 (cmd, "status") == 0)
		return cmd_status (argc - 1, argv + 1);
	if (g_strcmp0 (cmd, "pst-list") == 0)
		return cmd_pst_list (argc - 1, argv + 1);
	if (g_strcmp0 (cmd, "plugins") == 0)
		return cmd_plugins (argc - 1, argv + 1);
	g_printerr (_("crmsync-cli: unknown command “%s”\n"), cmd);
	usage ();
	return CS_EXIT_CONFIG;
}
