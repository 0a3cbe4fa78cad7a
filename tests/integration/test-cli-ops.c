/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "cli-fixture.h"
#include "cs-profile.h"
#include "cs-secrets.h"
#include "cs-state.h"
#include "emu-launch.h"

/*
 * Running crmsync the way a company does: profiles by name from the user's
 * and the system's folders.
 */

typedef struct {
	CliFixture f;
	gchar *config; /* XDG_CONFIG_HOME */
	gchar *etc;    /* XDG_CONFIG_DIRS */
	gchar *env[3];
} Ops;

static void
ops_setup (Ops *o, gconstpointer data)
{
	cli_fixture_init (&o->f, NULL);
	o->config = g_build_filename (o->f.dir, "config", NULL);
	o->etc = g_build_filename (o->f.dir, "etc", NULL);
	o->env[0] = g_strconcat ("XDG_CONFIG_HOME=", o->config, NULL);
	o->env[1] = g_strconcat ("XDG_CONFIG_DIRS=", o->etc, NULL);
	o->env[2] = NULL;
}

static void
ops_teardown (Ops *o, gconstpointer data)
{
	cli_fixture_clear (&o->f);
	g_free (o->config);
	g_free (o->etc);
	g_free (o->env[0]);
	g_free (o->env[1]);
}

/* a folder ↔ folder profile named @name in @root/crmsync/profiles, its sides
 * and state in the fixture's folder */
static gchar *
put_profile (Ops *o, const gchar *root, const gchar *name, const gchar *extra)
{
	g_autofree gchar *dir = g_build_filename (root, "crmsync", "profiles", NULL);
	g_autofree gchar *file = g_strconcat (name, ".ini", NULL);
	gchar *path = g_build_filename (dir, file, NULL);
	g_autofree gchar *text = g_strdup_printf (
		"[profile]\nname=%s\ncrm=folder\noutlook=folder\nstate=%s/%s.db\n%s"
		"[crm]\npath=%s/crm\n[outlook]\npath=%s/outlook\n",
		name, o->f.dir, name, extra != NULL ? extra : "", o->f.dir, o->f.dir);
	g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
	return path;
}

/* issue 15: --profile takes a profile's name; the user's folder first, then the system's */
static void
test_profile_by_name (Ops *o, gconstpointer d)
{
	g_autofree gchar *user = put_profile (o, o->config, "sales", NULL);
	g_autofree gchar *sys = put_profile (o, o->etc, "shared", NULL);
	const gchar *const *env = (const gchar *const *)o->env;

	g_free (cli_put (&o->f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "sales", "--json", NULL), ==, 0);
	g_assert_cmpuint (cli_count (&o->f, "outlook", "contact"), ==, 1);
	g_assert_true (g_file_test (o->f.dir, G_FILE_TEST_IS_DIR));
	/* the same profile by its file: the same state, nothing new to do */
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", user, "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (&o->f, "created", "outlook", "contact"), ==, 0);
	/* a system profile by name */
	g_assert_cmpint (cli_run (&o->f, env, "status", "--profile", "shared", "--json", NULL), ==,
			 0);
	g_assert_nonnull (strstr (o->f.out, "shared"));
	/* the user's own file of that name comes first */
	g_free (put_profile (o, o->config, "shared", "enabled=false\n"));
	g_assert_cmpint (cli_run (&o->f, env, "status", "--profile", "shared", "--json", NULL), ==,
			 0);
	/* an unknown name: one line naming where it looked, exit 2 */
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "nosuch", NULL), ==, 2);
	g_assert_nonnull (strstr (o->f.err, "nosuch"));
	g_assert_nonnull (strstr (o->f.err, o->config));
	g_assert_nonnull (strstr (o->f.err, o->etc));
	g_assert_true (strchr (o->f.err, '\n') == o->f.err + strlen (o->f.err) - 1);
}

static gint64
graph_stat (const gchar *origin, const gchar *name)
{
	g_autoptr (SoupSession) session = soup_session_new ();
	g_autofree gchar *url = g_strconcat (origin, "/_emulator/stats", NULL);
	g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
	g_autoptr (GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
	g_autoptr (JsonParser) p = json_parser_new ();
	g_assert_nonnull (body);
	g_assert_true (json_parser_load_from_data (p, g_bytes_get_data (body, NULL),
						   (gssize)g_bytes_get_size (body), NULL));
	return json_object_get_int_member (json_node_get_object (json_parser_get_root (p)), name);
}

static void
graph_hook (const gchar *origin, const gchar *hook)
{
	g_autoptr (SoupSession) session = soup_session_new ();
	g_autofree gchar *url = g_strconcat (origin, hook, NULL);
	g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
	g_autoptr (GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
	g_assert_cmpuint (soup_message_get_status (msg), ==, 204);
}

static gchar *
read_line (GDataInputStream *in)
{
	g_autoptr (GError) error = NULL;
	gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
	g_assert_no_error (error);
	g_assert_nonnull (line);
	if (g_test_verbose ())
		g_printerr ("# watch: %s\n", line);
	return line;
}

/*
 * `watch` runs the app's scheduler: against the Graph emulator it runs on its
 * 1 s interval (two runs, one line each), and SIGTERM in the middle of a run
 * (the emulator holds every answer back) ends it after the batch being
 * written: nothing half-applied, the stop in the history, and the next run
 * finishes the rest without a duplicate.
 */
static void
test_watch (Ops *o, gconstpointer d)
{
	g_autofree gchar *origin = NULL;
	g_autoptr (GSubprocess) emu = NULL;
	g_autoptr (GSubprocess) watch = NULL;
	g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr (GDataInputStream) in = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree gchar *xdg = g_build_filename (o->f.dir, "xdg", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *rest = NULL;
	g_autofree gchar *err = NULL;
	const gchar *args[] = { "--generate=0", NULL };
	guint runs = 0;
	gint64 before, after_stop;
	JsonArray *history;
	gboolean stop_recorded = FALSE;

	emu = emu_launch_start ("graph", NULL, args, &origin);
	text = g_strdup_printf (
		"[profile]\nname=Watched\ncrm=folder\noutlook=graph\nstate=state.db\n"
		"crm-interval=1\noutlook-interval=1\n"
		"[crm]\npath=crm\n"
		"[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n"
		"[contact]\ndirection=both\n[event]\ndirection=none\n"
		"[task]\ndirection=none\n[email]\ndirection=none\n",
		origin, origin);
	g_assert_true (g_file_set_contents (o->f.profile, text, -1, NULL));
	g_free (cli_put (&o->f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	g_free (cli_put (&o->f, "crm", "contact", "c2",
			 "{\"firstName\": \"Carl\", \"lastName\": \"Nielsen\"}"));

	g_subprocess_launcher_set_cwd (l, o->f.dir);
	g_subprocess_launcher_setenv (l, "XDG_DATA_HOME", xdg, TRUE);
	g_subprocess_launcher_setenv (l, "CRMSYNC_SECRETS", "file", TRUE);
	g_subprocess_launcher_setenv (l, "CRMSYNC_NO_NETWORK_MONITOR", "1", TRUE);
	watch = g_subprocess_launcher_spawn (l, &error, CRMSYNC_CLI, "watch", "--profile",
					     o->f.profile, NULL);
	g_assert_no_error (error);
	in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (watch));
	{
		g_autofree gchar *first = read_line (in);
		g_assert_true (g_str_has_prefix (first, "watching Watched"));
	}
	/* sync on start, then a run on the interval: one line each */
	while (runs < 2) {
		g_autofree gchar *line = read_line (in);
		g_assert_nonnull (strstr (line, "Watched: ok:"));
		runs++;
	}
	before = graph_stat (origin, "writes");
	g_assert_cmpint (before, ==, 2);

	/* 250 new contacts: three batches; every Graph answer waits 400 ms */
	graph_hook (origin, "/_emulator/hold?count=100000&ms=400");
	for (guint i = 0; i < 250; i++) {
		g_autofree gchar *id = g_strdup_printf ("n%03u", i);
		g_autofree gchar *json = g_strdup_printf (
			"{\"firstName\": \"Person%u\", \"lastName\": \"Watch\"}", i);
		g_free (cli_put (&o->f, "crm", "contact", id, json));
	}
	/* the run is writing: SIGTERM */
	while (graph_stat (origin, "writes") == before)
		g_usleep (20000);
	g_subprocess_send_signal (watch, SIGTERM);
	g_assert_true (g_subprocess_communicate_utf8 (watch, NULL, NULL, &rest, &err, &error));
	g_assert_no_error (error);
	if (g_test_verbose ())
		g_printerr ("# watch: %s\n# %s\n", rest, err);
	g_assert_true (g_subprocess_get_if_exited (watch));
	g_assert_cmpint (g_subprocess_get_exit_status (watch), ==, 0);
	g_assert_nonnull (strstr (err, "stopping after the batch"));
	g_assert_true (g_str_has_suffix (rest, "stopped\n"));
	after_stop = graph_stat (origin, "writes");
	/* stopped in the middle: some written, not all */
	g_assert_cmpint (after_stop, >, before);
	g_assert_cmpint (after_stop, <, before + 250);

	/* the stop is in the history */
	g_assert_cmpint (cli_run (&o->f, NULL, "status", "--profile", "@P", "--json", NULL), ==, 0);
	history = json_object_get_array_member (json_node_get_object (o->f.report), "runs");
	for (guint i = 0; i < json_array_get_length (history); i++) {
		JsonObject *r = json_array_get_object_element (history, i);
		if (strstr (json_object_get_string_member_with_default (r, "error", ""), "stopped")
		    != NULL)
			stop_recorded = TRUE;
	}
	g_assert_true (stop_recorded);

	/* nothing lost: the next run writes the rest once, then all is in step */
	graph_hook (origin, "/_emulator/hold?count=0&ms=0");
	g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", "@P", "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (&o->f, "created", "outlook", "contact"), ==, 0);
	g_assert_cmpint (cli_report_count (&o->f, "created", "crm", "contact"), ==, 0);
	g_assert_cmpint (graph_stat (origin, "writes"), ==, before + 250);
	g_assert_cmpuint (cli_count (&o->f, "crm", "contact"), ==, 252);
	emu_launch_stop (&emu);
}

static gchar *
read_tree (const gchar *dir, GString *all, guint *n_runs)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	const gchar *e;
	g_assert_nonnull (d);
	while ((e = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *p = g_build_filename (dir, e, NULL);
		g_autofree gchar *text = NULL;
		if (g_file_test (p, G_FILE_TEST_IS_DIR)) {
			g_free (read_tree (p, all, n_runs));
			continue;
		}
		g_assert_true (g_file_get_contents (p, &text, NULL, NULL));
		if (g_str_has_prefix (e, "run-"))
			(*n_runs)++;
		g_string_append_printf (all, "== %s\n%s\n", e, text);
	}
	return g_strdup (all->str);
}

/*
 * `report` writes one archive with the versions, the profile, the last 10
 * runs and the log, and no secret: not the API key and refresh token the
 * secret store holds, not a secret-file's contents, not a password, token
 * or authCode someone wrote into the profile, not one quoted in a run's error.
 */
static void
test_report_no_secret (Ops *o, gconstpointer d)
{
	const gchar *api_key = "ApiKey-0123456789abcdef";
	const gchar *refresh = "RefreshToken-zyxwvut987";
	const gchar *file_code = "AuthCode-5e2f8d6b-from-file";
	const gchar *password = "P4ssw0rd-in-profile";
	const gchar *auth_code = "AuthCode-in-profile-77";
	const gchar *token = "Token-in-profile-42";
	const gchar *url_password = "UrlPassw0rd99";
	const gchar *secrets_list[]
		= { api_key, refresh, file_code, password, auth_code, token, url_password, NULL };
	g_autofree gchar *secrets_dir
		= g_build_filename (o->f.dir, "xdg", "crmsync", "secrets", NULL);
	g_autoptr (CsSecrets) store = cs_secrets_new_for_dir (secrets_dir);
	g_autoptr (CsProfile) profile = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree gchar *key_file = g_build_filename (o->f.dir, "crm.key", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *bundle = g_build_filename (o->f.dir, "bundle.tar.gz", NULL);
	g_autofree gchar *ex = g_build_filename (o->f.dir, "ex", NULL);
	g_autofree gchar *root = g_build_filename (ex, "crmsync-report", NULL);
	g_autoptr (GString) all = g_string_new (NULL);
	g_autofree gchar *dummy = NULL;
	guint n_runs = 0;
	gint wait_status = 0;
	const gchar *env[] = { "CRMSYNC_BUNDLE_NO_JOURNAL=1", NULL };

	g_free (cli_put (&o->f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	for (guint i = 0; i < 12; i++)
		g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", "@P", NULL), ==, 0);
	{
		/* a run whose error quotes the key, as a careless message might */
		g_autofree gchar *state_path = g_build_filename (o->f.dir, "state.db", NULL);
		g_autoptr (CsState) state = cs_state_open (state_path, &error);
		g_autofree gchar *msg = g_strdup_printf ("login refused for key %s", api_key);
		gint64 id;
		g_assert_no_error (error);
		id = cs_state_run_begin (state, "sync", &error);
		g_assert_no_error (error);
		g_assert_true (cs_state_run_finish (state, id, "failed", NULL, msg, &error));
	}
	profile = cs_profile_load (o->f.profile, &error);
	g_assert_no_error (error);
	g_assert_true (cs_secrets_store (store, cs_profile_get_id (profile), CS_SIDE_CRM, "secret",
					 api_key, &error));
	g_assert_true (cs_secrets_store (store, cs_profile_get_id (profile), CS_SIDE_OUTLOOK,
					 "refresh-token", refresh, &error));
	g_assert_true (g_file_set_contents (key_file, file_code, -1, NULL));
	g_chmod (key_file, 0600);
	text = g_strdup_printf ("[profile]\nname=Test\ncrm=folder\noutlook=folder\nstate=state.db\n"
				"# the old key was %s\n"
				"[crm]\npath=crm\nsecret-file=crm.key\npassword=%s\nauthCode=%s\n"
				"url=https://jane:%s@crm.example.com/api\n"
				"[outlook]\npath=outlook\ntoken=%s\n",
				api_key, password, auth_code, url_password, token);
	g_assert_true (g_file_set_contents (o->f.profile, text, -1, NULL));

	g_assert_cmpint (cli_run (&o->f, env, "report", "--profile", "@P", "-o", bundle, NULL), ==,
			 0);
	g_assert_nonnull (strstr (o->f.out, "profile.ini"));
	g_assert_nonnull (strstr (o->f.out, "versions.txt"));
	g_assert_nonnull (strstr (o->f.out, "log.txt"));
	g_assert_nonnull (strstr (o->f.out, "runs/"));
	g_assert_cmpint (g_mkdir (ex, 0700), ==, 0);
	{
		const gchar *argv[] = { "tar", "-xzf", bundle, "-C", ex, NULL };
		g_assert_true (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
					     NULL, NULL, NULL, &wait_status, &error));
		g_assert_no_error (error);
		g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
	}
	dummy = read_tree (root, all, &n_runs);
	/* the last 10 of 13 runs */
	g_assert_cmpuint (n_runs, ==, 10);
	g_assert_nonnull (strstr (all->str, "== versions.txt\ncrmsync "));
	g_assert_nonnull (strstr (all->str, "path=crm"));
	g_assert_nonnull (strstr (all->str, "jane@crm.example.com"));
	g_assert_nonnull (strstr (all->str, "login refused for key (removed)"));
	for (guint i = 0; secrets_list[i] != NULL; i++) {
		if (strstr (all->str, secrets_list[i]) != NULL)
			g_error ("the bundle holds the secret %s:\n%s", secrets_list[i], all->str);
	}
}

/* export → import round trip: what another user gets is the same profile,
 * without the secret-file, the state path or a password; an import never
 * overwrites */
static void
test_export_import (Ops *o, gconstpointer d)
{
	g_autofree gchar *user
		= put_profile (o, o->config, "sales", "conflict=newest-wins\ncrm-interval=300\n");
	g_autofree gchar *exported = g_build_filename (o->f.dir, "sales-export.ini", NULL);
	g_autofree gchar *again = g_build_filename (o->f.dir, "sales-again.ini", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *text2 = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *original = NULL;
	g_autofree gchar *config2 = g_build_filename (o->f.dir, "config2", NULL);
	g_autofree gchar *env2_home = g_strconcat ("XDG_CONFIG_HOME=", config2, NULL);
	g_autofree gchar *imported
		= g_build_filename (config2, "crmsync", "profiles", "sales.ini", NULL);
	const gchar *env2[] = { env2_home, o->env[1], NULL };
	const gchar *const *env = (const gchar *const *)o->env;

	/* a secret-file and a password someone put in the file */
	g_assert_true (g_file_get_contents (user, &original, NULL, NULL));
	{
		g_autofree gchar *with = NULL;
		g_autoptr (GString) str = g_string_new (original);
		g_string_replace (str, "[crm]\n", "[crm]\nsecret-file=/home/admin/oro.key\n", 1);
		with = g_string_free (g_steal_pointer (&str), FALSE);
		g_assert_true (g_file_set_contents (user, with, -1, NULL));
	}
	g_assert_cmpint (cli_run (&o->f, env, "profile", "export", "sales", "-o", exported, NULL),
			 ==, 0);
	g_assert_true (g_file_get_contents (exported, &text, NULL, NULL));
	g_assert_null (strstr (text, "secret"));
	g_assert_null (strstr (text, "oro.key"));
	g_assert_null (strstr (text, "state="));
	g_assert_nonnull (strstr (text, "conflict=newest-wins"));
	g_assert_nonnull (strstr (text, "crm-interval=300"));

	/* another user imports it under its name */
	g_assert_cmpint (
		cli_run (&o->f, env2, "profile", "import", exported, "--name", "sales", NULL), ==,
		0);
	g_assert_true (g_file_test (imported, G_FILE_TEST_IS_REGULAR));
	g_assert_cmpint (cli_run (&o->f, env2, "profile", "export", "sales", "-o", again, NULL), ==,
			 0);
	g_assert_true (g_file_get_contents (again, &text2, NULL, NULL));
	g_assert_cmpstr (text2, ==, text);
	/* and syncs with it by name, with a state of their own */
	g_free (cli_put (&o->f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	g_assert_cmpint (cli_run (&o->f, env2, "sync", "--profile", "sales", "--json", NULL), ==,
			 0);
	g_assert_cmpint (cli_report_count (&o->f, "created", "outlook", "contact"), ==, 1);

	/* importing again: refused, one line, nothing changed */
	g_assert_true (g_file_get_contents (imported, &before, NULL, NULL));
	g_assert_cmpint (
		cli_run (&o->f, env2, "profile", "import", exported, "--name", "sales", NULL), ==,
		2);
	g_assert_nonnull (strstr (o->f.err, "exists already"));
	g_assert_true (strchr (o->f.err, '\n') == o->f.err + strlen (o->f.err) - 1);
	g_assert_true (g_file_get_contents (imported, &after, NULL, NULL));
	g_assert_cmpstr (after, ==, before);
	/* a file that is not a profile is not imported */
	g_assert_true (g_file_set_contents (again, "[profile]\ncrm=nosuch\n", -1, NULL));
	g_assert_cmpint (cli_run (&o->f, env2, "profile", "import", again, NULL), ==, 2);
	g_assert_false (g_file_test (o->f.dir, G_FILE_TEST_IS_REGULAR));
}

static void
append_file (const gchar *path, const gchar *more)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *all = NULL;
	g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
	all = g_strconcat (text, more, NULL);
	g_assert_true (g_file_set_contents (path, all, -1, NULL));
}

/*
 * Issue 19: a profile in the system folder is offered to every user; a user's
 * own file of that name adds to it (their settings on top), but a key the
 * administrator locked cannot be changed there: the CLI refuses with one
 * line naming the file, the line, the key and the reason (exit 2).
 */
static void
test_system_profile_locks (Ops *o, gconstpointer d)
{
	g_autofree gchar *sys = put_profile (o, o->etc, "sales", "conflict=crm-wins\n");
	g_autofree gchar *dir = g_build_filename (o->config, "crmsync", "profiles", NULL);
	g_autofree gchar *user = g_build_filename (dir, "sales.ini", NULL);
	const gchar *const *env = (const gchar *const *)o->env;

	append_file (sys, "[locked]\nkeys=profile/conflict;crm/*\n"
			  "reason=set by IT, ask helpdesk@example.com\n");
	g_free (cli_put (&o->f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	/* offered as it is */
	g_assert_cmpint (cli_run (&o->f, env, "profile", "list", NULL), ==, 0);
	g_assert_nonnull (strstr (o->f.out, "sales"));
	g_assert_nonnull (strstr (o->f.out, "(system)"));
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "sales", "--json", NULL), ==, 0);
	g_assert_cmpuint (cli_count (&o->f, "outlook", "contact"), ==, 1);

	/* the user's own settings on top: a file with only what they change */
	g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
	g_assert_true (g_file_set_contents (user,
					    "[profile]\noutlook-interval=60\nconflict=crm-wins\n"
					    "[contact]\ndirection=crm-to-outlook\n",
					    -1, NULL));
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "sales", "--json", NULL), ==, 0);
	g_assert_cmpint (cli_run (&o->f, env, "profile", "list", NULL), ==, 0);
	g_assert_null (strstr (o->f.out, "(system)"));
	/* the user's one-way rule holds: an Outlook-only contact stays out of the CRM */
	g_free (cli_put (&o->f, "outlook", "contact", "o1",
			 "{\"firstName\": \"Bo\", \"lastName\": \"Berg\"}"));
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "sales", "--json", NULL), ==, 0);
	g_assert_cmpuint (cli_count (&o->f, "crm", "contact"), ==, 1);

	/* a locked key changed: refused, one line, nothing synced */
	g_assert_true (g_file_set_contents (
		user, "[profile]\noutlook-interval=60\nconflict=outlook-wins\n", -1, NULL));
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "sales", NULL), ==, 2);
	g_assert_nonnull (strstr (o->f.err, user));
	g_assert_nonnull (strstr (o->f.err, "line 3"));
	g_assert_nonnull (strstr (o->f.err, "conflict=outlook-wins"));
	g_assert_nonnull (strstr (o->f.err, "locked"));
	g_assert_nonnull (strstr (o->f.err, "ask helpdesk@example.com"));
	g_assert_true (strchr (o->f.err, '\n') == o->f.err + strlen (o->f.err) - 1);
	/* named by the system file's path: the user's file is laid over it all the same */
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", sys, NULL), ==, 2);
	g_assert_nonnull (strstr (o->f.err, "conflict=outlook-wins"));
	/* a whole locked group: any key of it */
	g_assert_true (g_file_set_contents (user, "[crm]\npath=/tmp/elsewhere\n", -1, NULL));
	g_assert_cmpint (cli_run (&o->f, env, "status", "--profile", "sales", NULL), ==, 2);
	g_assert_nonnull (strstr (o->f.err, "[crm] path=/tmp/elsewhere"));
	/* and a user may not add locks of their own or lift the administrator's */
	g_assert_true (g_file_set_contents (
		user, "[locked]\nkeys=\n[profile]\nconflict=outlook-wins\n", -1, NULL));
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "sales", NULL), ==, 2);
}

/* a forward HTTP proxy on loopback, in its own thread (the CLI runs while the
 * test waits): it serves the made-up domain example.test by passing each
 * request to 127.0.0.1 on the same port, so a sync can only reach the
 * emulator through it */
typedef struct {
	GThread *thread;
	GMainContext *context;
	GMainLoop *loop;
	SoupSession *session;
	guint port;
	gint requests;	/* (atomic) */
	gint strangers; /* (atomic) requests for any other host */
	GMutex lock;
	GCond cond;
	gboolean ready;
} Proxy;

static gboolean
hop_by_hop (const gchar *name)
{
	static const gchar *const hop[]
		= { "Connection",	 "Keep-Alive", "Proxy-Authorization",
		    "Proxy-Connection",	 "TE",	       "Trailer",
		    "Transfer-Encoding", "Upgrade",    "Host",
		    "Content-Length",	 NULL };
	for (guint i = 0; hop[i] != NULL; i++)
		if (g_ascii_strcasecmp (hop[i], name) == 0)
			return TRUE;
	return FALSE;
}

static void
proxy_handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
	       gpointer data)
{
	Proxy *p = data;
	GUri *in = soup_server_message_get_uri (msg);
	g_autoptr (GUri) target = NULL;
	g_autoptr (SoupMessage) out = NULL;
	g_autoptr (GBytes) body = NULL;
	g_autoptr (GBytes) answer = NULL;
	g_autoptr (GError) error = NULL;
	SoupMessageHeadersIter it;
	const gchar *name, *value;
	SoupMessageBody *req_body = soup_server_message_get_request_body (msg);

	if (!g_str_has_suffix (g_uri_get_host (in), ".example.test")) {
		g_atomic_int_inc (&p->strangers);
		soup_server_message_set_status (msg, 502, NULL);
		return;
	}
	g_atomic_int_inc (&p->requests);
	target = g_uri_build (G_URI_FLAGS_ENCODED, "http", NULL, "127.0.0.1", g_uri_get_port (in),
			      g_uri_get_path (in), g_uri_get_query (in), NULL);
	out = soup_message_new_from_uri (soup_server_message_get_method (msg), target);
	soup_message_headers_iter_init (&it, soup_server_message_get_request_headers (msg));
	while (soup_message_headers_iter_next (&it, &name, &value))
		if (!hop_by_hop (name))
			soup_message_headers_append (soup_message_get_request_headers (out), name,
						     value);
	if (req_body->length > 0) {
		body = soup_message_body_flatten (req_body);
		soup_message_set_request_body_from_bytes (
			out,
			soup_message_headers_get_content_type (
				soup_server_message_get_request_headers (msg), NULL),
			body);
	}
	answer = soup_session_send_and_read (p->session, out, NULL, &error);
	if (answer == NULL) {
		soup_server_message_set_status (msg, 502, NULL);
		return;
	}
	soup_server_message_set_status (msg, soup_message_get_status (out), NULL);
	soup_message_headers_iter_init (&it, soup_message_get_response_headers (out));
	while (soup_message_headers_iter_next (&it, &name, &value))
		if (!hop_by_hop (name) && g_ascii_strcasecmp (name, "Content-Type") != 0)
			soup_message_headers_append (soup_server_message_get_response_headers (msg),
						     name, value);
	soup_server_message_set_response (msg,
					  soup_message_headers_get_content_type (
						  soup_message_get_response_headers (out), NULL),
					  SOUP_MEMORY_COPY, g_bytes_get_data (answer, NULL),
					  g_bytes_get_size (answer));
}

static gpointer
proxy_thread (gpointer data)
{
	Proxy *p = data;
	g_autoptr (SoupServer) server = NULL;
	g_autoptr (GError) error = NULL;
	GSList *uris;

	g_main_context_push_thread_default (p->context);
	p->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
	server = soup_server_new (NULL, NULL);
	soup_server_add_handler (server, NULL, proxy_handler, p, NULL);
	g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	g_assert_no_error (error);
	uris = soup_server_get_uris (server);
	g_mutex_lock (&p->lock);
	p->port = (guint)g_uri_get_port (uris->data);
	p->ready = TRUE;
	g_cond_signal (&p->cond);
	g_mutex_unlock (&p->lock);
	g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
	g_main_loop_run (p->loop);
	soup_server_disconnect (server);
	g_clear_object (&p->session);
	g_main_context_pop_thread_default (p->context);
	return NULL;
}

static void
proxy_start (Proxy *p)
{
	g_mutex_init (&p->lock);
	g_cond_init (&p->cond);
	p->context = g_main_context_new ();
	p->loop = g_main_loop_new (p->context, FALSE);
	p->thread = g_thread_new ("proxy", proxy_thread, p);
	g_mutex_lock (&p->lock);
	while (!p->ready)
		g_cond_wait (&p->cond, &p->lock);
	g_mutex_unlock (&p->lock);
}

static gboolean
quit_idle (gpointer loop)
{
	g_main_loop_quit (loop);
	return G_SOURCE_REMOVE;
}

static void
proxy_stop (Proxy *p)
{
	g_main_context_invoke (p->context, quit_idle, p->loop);
	g_thread_join (p->thread);
	g_main_loop_unref (p->loop);
	g_main_context_unref (p->context);
	g_mutex_clear (&p->lock);
	g_cond_clear (&p->cond);
}

/*
 * The HTTP client honours http_proxy (and the desktop's settings through
 * GIO's default resolver when no variable is set): a sync to a Graph
 * server whose name only the proxy knows goes through, every request by
 * the proxy; without the proxy it cannot reach it (exit 3).
 */
static void
test_proxy (Ops *o, gconstpointer d)
{
	Proxy proxy = { 0 };
	g_autofree gchar *origin = NULL;
	g_autoptr (GSubprocess) emu = NULL;
	g_autoptr (GUri) uri = NULL;
	g_autofree gchar *via = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *env_proxy = NULL;
	const gchar *args[] = { "--generate=0", NULL };

	emu = emu_launch_start ("graph", NULL, args, &origin);
	uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
	via = g_strdup_printf ("http://graph.example.test:%d", g_uri_get_port (uri));
	text = g_strdup_printf (
		"[profile]\nname=Proxied\ncrm=folder\noutlook=graph\nstate=state.db\n"
		"[crm]\npath=crm\n"
		"[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n"
		"[contact]\ndirection=both\n[event]\ndirection=none\n"
		"[task]\ndirection=none\n[email]\ndirection=none\n",
		via, via);
	g_assert_true (g_file_set_contents (o->f.profile, text, -1, NULL));
	g_free (cli_put (&o->f, "crm", "contact", "c1",
			 "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	proxy_start (&proxy);
	env_proxy = g_strdup_printf ("http_proxy=http://127.0.0.1:%u", proxy.port);
	{
		/* the desktop's resolver out of the way: only the variable can route it */
		const gchar *env[]
			= { env_proxy, "GIO_USE_PROXY_RESOLVER=dummy", "no_proxy=", NULL };
		g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "@P", "--json", NULL),
				 ==, 0);
	}
	g_assert_cmpint (cli_report_count (&o->f, "created", "outlook", "contact"), ==, 1);
	g_assert_cmpint (graph_stat (origin, "writes"), ==, 1);
	g_assert_cmpint (g_atomic_int_get (&proxy.requests), >, 0);
	g_assert_cmpint (g_atomic_int_get (&proxy.strangers), ==, 0);
	{
		/* no proxy: graph.example.test is nowhere */
		const gchar *env[]
			= { "http_proxy=", "HTTP_PROXY=", "GIO_USE_PROXY_RESOLVER=dummy", NULL };
		gint before = g_atomic_int_get (&proxy.requests);
		g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "@P", "--json", NULL),
				 ==, 3);
		g_assert_cmpint (g_atomic_int_get (&proxy.requests), ==, before);
	}
	proxy_stop (&proxy);
	emu_launch_stop (&emu);
}

/* an OroCRM profile named sales.ini in @folder (under the fixture), its
 * Outlook side a folder beside it, talking to @url */
static gchar *
put_oro_profile (Ops *o, const gchar *folder, const gchar *url)
{
	g_autofree gchar *dir = g_build_filename (o->f.dir, folder, NULL);
	gchar *path = g_build_filename (dir, "sales.ini", NULL);
	g_autofree gchar *text = g_strdup_printf (
		"[profile]\nname=Sales %s\ncrm=orocrm\noutlook=folder\npreset=orocrm\n"
		"[crm]\nurl=%s\nuser=admin\n[outlook]\npath=%s/outlook\nschema=outlook\n"
		"[task]\ndirection=none\n[event]\ndirection=none\n[email]\ndirection=none\n",
		folder, url, dir);
	g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
	return path;
}

static gchar *
profile_uid (const gchar *path)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) p = cs_profile_load (path, &error);
	g_assert_no_error (error);
	return g_strdup (cs_profile_get_uid (p));
}

/* secrets belong to the profile's id, not to its file name: two sales.ini in
 * two folders keep two keys, a renamed profile keeps its key, and a key kept
 * under the file name before ids is found (and moved) without signing in again */
static void
test_secrets_by_profile_id (Ops *o, gconstpointer d)
{
	const gchar *args_a[] = { "--generate=2", "--user=admin", "--secret=key-of-a", NULL };
	const gchar *args_b[] = { "--generate=2", "--user=admin", "--secret=key-of-b", NULL };
	g_autofree gchar *url_a = NULL;
	g_autofree gchar *url_b = NULL;
	g_autoptr (GSubprocess) emu_a = emu_launch_start ("orocrm", NULL, args_a, &url_a);
	g_autoptr (GSubprocess) emu_b = emu_launch_start ("orocrm", NULL, args_b, &url_b);
	g_autofree gchar *store_dir = g_build_filename (o->f.dir, "xdg", "crmsync", "secrets", NULL);
	g_autoptr (CsSecrets) store = cs_secrets_new_for_dir (store_dir);
	g_autoptr (GError) error = NULL;
	g_autofree gchar *a = put_oro_profile (o, "north", url_a);
	g_autofree gchar *b = put_oro_profile (o, "south", url_b);
	g_autofree gchar *legacy = put_oro_profile (o, "west", url_a);
	g_autofree gchar *uid_a = profile_uid (a);
	g_autofree gchar *uid_b = profile_uid (b);
	g_autofree gchar *uid_legacy = profile_uid (legacy);
	g_autofree gchar *renamed = NULL;
	g_autofree gchar *moved = NULL;

	g_assert_cmpstr (uid_a, !=, uid_b);
	/* each saved as the app saves it, the second after the first */
	g_assert_true (cs_secrets_store (store, uid_a, CS_SIDE_CRM, "secret", "key-of-a", &error));
	g_assert_true (cs_secrets_store (store, uid_b, CS_SIDE_CRM, "secret", "key-of-b", &error));
	g_assert_no_error (error);
	g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", a, "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (&o->f, "created", "outlook", "contact"), ==, 2);
	g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", b, "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (&o->f, "created", "outlook", "contact"), ==, 2);

	/* renamed (and moved to another folder), it still signs in */
	renamed = g_build_filename (o->f.dir, "north", "sales-2027.ini", NULL);
	g_assert_cmpint (g_rename (a, renamed), ==, 0);
	g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", renamed, NULL), ==, 0);
	moved = g_build_filename (o->f.dir, "elsewhere.ini", NULL);
	g_assert_cmpint (g_rename (renamed, moved), ==, 0);
	g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", moved, NULL), ==, 0);

	/* a key saved before profiles had ids: under the file's base name */
	g_assert_true (cs_secrets_store (store, "sales", CS_SIDE_CRM, "secret", "key-of-a", &error));
	g_assert_no_error (error);
	g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", legacy, "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (&o->f, "created", "outlook", "contact"), ==, 2);
	{
		g_autofree gchar *moved_key =
			cs_secrets_lookup (store, uid_legacy, CS_SIDE_CRM, "secret", &error);
		g_assert_no_error (error);
		g_assert_cmpstr (moved_key, ==, "key-of-a");
	}
	/* and the profile keeps it when renamed after the upgrade */
	{
		g_autofree gchar *legacy2 = g_build_filename (o->f.dir, "west", "renamed.ini", NULL);
		g_assert_cmpint (g_rename (legacy, legacy2), ==, 0);
		g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", legacy2, NULL), ==, 0);
	}
	/* the other sales.ini still has its own key */
	g_assert_cmpint (cli_run (&o->f, NULL, "sync", "--profile", b, NULL), ==, 0);
	emu_launch_stop (&emu_a);
	emu_launch_stop (&emu_b);
}

/* an exported profile carries no id=: imported beside the original (or by
 * another user), it is another profile, with its own state and secrets */
static void
test_export_import_new_id (Ops *o, gconstpointer d)
{
	g_autofree gchar *user = put_profile (o, o->config, "sales", "id=sales-0badcafe\n");
	g_autofree gchar *exported = g_build_filename (o->f.dir, "sales-export.ini", NULL);
	g_autofree gchar *copy = g_build_filename (o->config, "crmsync", "profiles", "copy.ini", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *uid_user = profile_uid (user);
	g_autofree gchar *uid_copy = NULL;
	const gchar *const *env = (const gchar *const *)o->env;

	g_assert_cmpstr (uid_user, ==, "sales-0badcafe");
	g_assert_cmpint (cli_run (&o->f, env, "profile", "export", "sales", "-o", exported, NULL),
			 ==, 0);
	g_assert_true (g_file_get_contents (exported, &text, NULL, NULL));
	g_assert_null (strstr (text, "sales-0badcafe"));
	g_assert_cmpint (
		cli_run (&o->f, env, "profile", "import", exported, "--name", "copy", NULL), ==, 0);
	uid_copy = profile_uid (copy);
	g_assert_cmpstr (uid_copy, !=, uid_user);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
#define T(path, fn) g_test_add (path, Ops, NULL, ops_setup, fn, ops_teardown)
	T ("/cli/ops/profile-by-name", test_profile_by_name);
	T ("/cli/ops/watch", test_watch);
	T ("/cli/ops/report-no-secret", test_report_no_secret);
	T ("/cli/ops/export-import", test_export_import);
	T ("/cli/ops/system-profile-locks", test_system_profile_locks);
	T ("/cli/ops/proxy", test_proxy);
	T ("/cli/ops/secrets-by-profile-id", test_secrets_by_profile_id);
	T ("/cli/ops/export-import-new-id", test_export_import_new_id);
	return g_test_run ();
}
