/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>

#include "emu-launch.h"

/*
 * End to end: `crmsync-cli sync` between a folder (CRM side, free schema, so
 * the identity mapping pairs same-named fields) and the Graph emulator, as a
 * user or a script runs it. Sign-in is the device-code flow the emulator
 * completes by itself; secrets go to the file store under XDG_DATA_HOME.
 */

typedef struct {
	GSubprocess *emu;
	gchar *origin;
	gchar *dir;
	gchar *emu_db;
	gchar *token;
	SoupSession *session;
	GString *cli_output; /* everything the CLI printed, all runs */
} Fx;

static void
die_with_parent (gpointer data)
{
	prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gchar *
path_in (Fx *fx, const gchar *name)
{
	return g_build_filename (fx->dir, name, NULL);
}

/* @extra: more [profile] lines; @contact: the contacts' direction */
static void
write_profile_with (Fx *fx, const gchar *name, const gchar *crm_dir, const gchar *state,
		    const gchar *extra, const gchar *contact)
{
	g_autofree gchar *text = g_strdup_printf (
	    "[profile]\nname=%s\ncrm=folder\noutlook=graph\nstate=%s\n%s"
	    "[crm]\npath=%s\n"
	    "[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n"
	    "[contact]\ndirection=%s\n[event]\ndirection=both\n[task]\ndirection=both\n"
	    "[email]\ndirection=none\n",
	    name, state, extra, crm_dir, fx->origin, fx->origin, contact);
	g_autofree gchar *file = g_strdup_printf ("%s/%s.ini", fx->dir, name);
	g_assert_true (g_file_set_contents (file, text, -1, NULL));
}

static void
write_profile (Fx *fx, const gchar *name, const gchar *crm_dir, const gchar *state)
{
	write_profile_with (fx, name, crm_dir, state, "", "both");
}

static void
fx_start (Fx *fx, const gchar *generate, const gchar *faults)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *db = NULL;
	g_autofree gchar *gen = g_strdup_printf ("--generate=%s", generate);
	g_autofree gchar *flt = g_strdup_printf ("--faults=%s", faults != NULL ? faults : "");

	fx->dir = g_dir_make_tmp ("graph-e2e-XXXXXX", &error);
	g_assert_no_error (error);
	fx->emu_db = path_in (fx, "emulator.db");
	db = g_strdup_printf ("--db=%s", fx->emu_db);
	{
		const gchar *args[] = {db, gen, flt, NULL};
		fx->emu = emu_launch_start ("graph", NULL, args, &fx->origin);
	}
	fx->session = soup_session_new ();
	fx->cli_output = g_string_new (NULL);
	write_profile (fx, "sales", "crm", "state.db");
}

static void
rm_tree (const gchar *path)
{
	g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *p = g_build_filename (path, name, NULL);
		if (g_file_test (p, G_FILE_TEST_IS_DIR))
			rm_tree (p);
		else
			g_unlink (p);
	}
	g_rmdir (path);
}

static void
fx_stop (Fx *fx)
{
	emu_launch_stop (&fx->emu);
	g_clear_object (&fx->session);
	rm_tree (fx->dir);
	g_free (fx->dir);
	g_free (fx->origin);
	g_free (fx->emu_db);
	g_free (fx->token);
	g_string_free (fx->cli_output, TRUE);
}

/* runs the CLI; returns its --json object */
static JsonObject *
sync_run (Fx *fx, const gchar *profile, gint *exit_code)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) p = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *xdg = path_in (fx, "xdg");
	g_autofree gchar *file = g_strdup_printf ("%s/%s.ini", fx->dir, profile);
	g_autoptr(JsonParser) parser = json_parser_new ();
	const gchar *json;

	g_subprocess_launcher_set_cwd (l, fx->dir);
	g_subprocess_launcher_setenv (l, "XDG_DATA_HOME", xdg, TRUE);
	g_subprocess_launcher_setenv (l, "CRMSYNC_SECRETS", "file", TRUE);
	g_subprocess_launcher_setenv (l, "G_MESSAGES_DEBUG", "all", TRUE);
	g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
	p = g_subprocess_launcher_spawn (l, &error, g_getenv ("CRMSYNC_CLI"), "sync", "--profile",
					 file, "--json", NULL);
	g_assert_no_error (error);
	g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
	g_assert_no_error (error);
	g_string_append (fx->cli_output, out);
	g_string_append (fx->cli_output, err);
	*exit_code = g_subprocess_get_exit_status (p);
	/* with G_MESSAGES_DEBUG GLib writes debug lines to stdout before the JSON */
	json = strstr (out, "{\n  \"status\"");
	if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL)) {
		g_printerr ("%s\n%s\n", out, err);
		g_assert_not_reached ();
	}
	return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gint64
count (JsonObject *result, const gchar *what, const gchar *side, const gchar *kind)
{
	JsonObject *o = json_object_get_object_member (
	    json_object_get_object_member (result, what), side);
	return json_object_get_int_member_with_default (o, kind, 0);
}

static gint64
total (JsonObject *result, const gchar *what)
{
	const gchar *sides[] = {"crm", "outlook"};
	gint64 n = 0;
	for (guint s = 0; s < 2; s++) {
		JsonObject *o = json_object_get_object_member (
		    json_object_get_object_member (result, what), sides[s]);
		g_autoptr(GList) members = json_object_get_members (o);
		for (GList *m = members; m != NULL; m = m->next)
			n += json_object_get_int_member (o, m->data);
	}
	return n;
}

static JsonNode *
http (Fx *fx, const gchar *method, const gchar *path, const gchar *ctype, const gchar *body,
      guint *status)
{
	g_autofree gchar *url = g_strconcat (fx->origin, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new (method, url);
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(JsonParser) p = json_parser_new ();
	if (fx->token != NULL && g_str_has_prefix (path, "/v1.0")) {
		g_autofree gchar *auth = g_strdup_printf ("Bearer %s", fx->token);
		soup_message_headers_replace (soup_message_get_request_headers (msg),
					      "Authorization", auth);
		soup_message_headers_replace (soup_message_get_request_headers (msg), "Prefer",
					      "IdType=\"ImmutableId\"");
	}
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
		soup_message_set_request_body_from_bytes (msg, ctype, b);
	}
	answer = soup_session_send_and_read (fx->session, msg, NULL, NULL);
	*status = soup_message_get_status (msg);
	if (answer == NULL || g_bytes_get_size (answer) == 0 ||
	    !json_parser_load_from_data (p, g_bytes_get_data (answer, NULL),
					 (gssize) g_bytes_get_size (answer), NULL))
		return NULL;
	return json_node_ref (json_parser_get_root (p));
}

/* the test's own Graph session: another app of the same user */
static void
graph_sign_in (Fx *fx)
{
	guint status;
	const gchar *form = "application/x-www-form-urlencoded";
	g_autoptr(JsonNode) dc = http (fx, "POST", "/common/oauth2/v2.0/devicecode", form,
				       "client_id=tester&scope=Contacts.ReadWrite+Tasks.ReadWrite+Calendars.ReadWrite",
				       &status);
	g_autofree gchar *poll = g_strdup_printf (
	    "grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=tester&device_code=%s",
	    json_object_get_string_member (json_node_get_object (dc), "device_code"));
	g_autoptr(JsonNode) pending = http (fx, "POST", "/common/oauth2/v2.0/token", form, poll,
					    &status);
	g_autoptr(JsonNode) tok = http (fx, "POST", "/common/oauth2/v2.0/token", form, poll, &status);
	g_assert_cmpuint (status, ==, 200);
	fx->token = g_strdup (json_object_get_string_member (json_node_get_object (tok),
							     "access_token"));
}

static gint64
stat_of (Fx *fx, const gchar *name)
{
	guint status;
	g_autoptr(JsonNode) st = http (fx, "GET", "/_emulator/stats", NULL, NULL, &status);
	return json_object_get_int_member (json_node_get_object (st), name);
}

static guint
n_files (Fx *fx, const gchar *crm, const gchar *kind)
{
	g_autofree gchar *d = g_build_filename (fx->dir, crm, kind, NULL);
	g_autoptr(GDir) dir = g_dir_open (d, 0, NULL);
	guint n = 0;
	while (dir != NULL && g_dir_read_name (dir) != NULL)
		n++;
	return n;
}

/* the CRM folder's record whose @field is @value */
static JsonObject *
crm_find (Fx *fx, const gchar *crm, const gchar *kind, const gchar *field, const gchar *value,
	  gchar **path_out)
{
	g_autofree gchar *d = g_build_filename (fx->dir, crm, kind, NULL);
	g_autoptr(GDir) dir = g_dir_open (d, 0, NULL);
	const gchar *name;
	while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
		g_autofree gchar *p = g_build_filename (d, name, NULL);
		g_autoptr(JsonParser) parser = json_parser_new ();
		JsonObject *o;
		if (!json_parser_load_from_file (parser, p, NULL))
			continue;
		o = json_node_get_object (json_parser_get_root (parser));
		if (g_strcmp0 (json_object_get_string_member_with_default (o, field, NULL), value) == 0) {
			if (path_out != NULL)
				*path_out = g_steal_pointer (&p);
			return json_object_ref (o);
		}
	}
	return NULL;
}

static void
crm_write (Fx *fx, const gchar *path, JsonObject *o)
{
	g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
	g_autofree gchar *text = NULL;
	json_node_set_object (n, o);
	text = json_to_string (n, TRUE);
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_both_directions (void)
{
	Fx fx = {0};
	gint rc;
	guint status;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autoptr(JsonObject) r3 = NULL;
	g_autoptr(JsonObject) r4 = NULL;
	g_autoptr(JsonObject) task = NULL;
	g_autoptr(JsonObject) contact = NULL;
	g_autoptr(JsonNode) list = NULL;
	g_autoptr(JsonNode) patched = NULL;
	g_autofree gchar *task_path = NULL;
	g_autofree gchar *new_path = NULL;
	g_autofree gchar *patch_url = NULL;
	JsonArray *values;
	gboolean found = FALSE;

	fx_start (&fx, "10", NULL);
	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpstr (json_object_get_string_member (r1, "status"), ==, "ok");
	g_assert_cmpint (count (r1, "created", "crm", "contact"), ==, 10);
	g_assert_cmpint (count (r1, "created", "crm", "event"), ==, 10);
	g_assert_cmpint (count (r1, "created", "crm", "task"), ==, 10);
	g_assert_cmpuint (n_files (&fx, "crm", "contact"), ==, 10);

	/* no change: one delta request per kind, nothing written anywhere */
	http (&fx, "POST", "/_emulator/reset-stats", "text/plain", "", &status);
	r2 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (total (r2, "created") + total (r2, "updated") + total (r2, "deleted"), ==,
			 0);
	g_assert_cmpint (stat_of (&fx, "deltaRequests"), ==, 3);
	g_assert_cmpint (stat_of (&fx, "requests"), ==, 3);
	g_assert_cmpint (stat_of (&fx, "writes"), ==, 0);

	/* CRM → Outlook: a new person, a task closed */
	{
		g_autoptr(JsonObject) ada = json_object_new ();
		json_object_set_string_member (ada, "givenName", "Ada");
		json_object_set_string_member (ada, "surname", "Lovelace");
		json_object_set_string_member (ada, "email1", "ada@example.org");
		json_object_set_string_member (ada, "companyName", "Analytical Engines");
		new_path = g_build_filename (fx.dir, "crm", "contact", "ada.json", NULL);
		crm_write (&fx, new_path, ada);
	}
	task = crm_find (&fx, "crm", "task", "status", "notStarted", &task_path);
	g_assert_nonnull (task);
	json_object_set_string_member (task, "status", "completed");
	json_object_set_string_member (task, "completedDate", "2026-02-02");
	crm_write (&fx, task_path, task);
	r3 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r3, "created", "outlook", "contact"), ==, 1);
	g_assert_cmpint (count (r3, "updated", "outlook", "task"), ==, 1);
	g_assert_cmpint (stat_of (&fx, "invitationsSent"), ==, 0);

	graph_sign_in (&fx);
	list = http (&fx, "GET", "/v1.0/me/contacts?$top=50", NULL, NULL, &status);
	values = json_object_get_array_member (json_node_get_object (list), "value");
	for (guint i = 0; i < json_array_get_length (values); i++) {
		JsonObject *c = json_array_get_object_element (values, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (c, "surname", ""),
			       "Lovelace") == 0) {
			found = TRUE;
			patch_url = g_strdup_printf ("/v1.0/me/contacts/%s",
						     json_object_get_string_member (c, "id"));
		}
	}
	g_assert_true (found);

	/* Outlook → CRM: the user edits Ada in Outlook */
	patched = http (&fx, "PATCH", patch_url, "application/json",
			"{\"jobTitle\":\"Countess of Lovelace\"}", &status);
	g_assert_cmpuint (status, ==, 200);
	r4 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r4, "updated", "crm", "contact"), ==, 1);
	contact = crm_find (&fx, "crm", "contact", "surname", "Lovelace", NULL);
	g_assert_nonnull (contact);
	g_assert_cmpstr (json_object_get_string_member (contact, "jobTitle"), ==,
			 "Countess of Lovelace");
	fx_stop (&fx);
}

/* the last item of the collection at @path whose @member is @value, and how
 * many there are */
static JsonObject *
graph_item_where (Fx *fx, const gchar *path, const gchar *member, const gchar *value, guint *n_out)
{
	guint status;
	g_autoptr(JsonNode) list = http (fx, "GET", path, NULL, NULL, &status);
	JsonArray *values = json_object_get_array_member (json_node_get_object (list), "value");
	JsonObject *found = NULL;
	*n_out = 0;
	for (guint i = 0; i < json_array_get_length (values); i++) {
		JsonObject *c = json_array_get_object_element (values, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (c, member, ""), value) == 0) {
			(*n_out)++;
			found = c;
		}
	}
	return found != NULL ? json_object_ref (found) : NULL;
}

/* the Outlook contact (as Graph gives it) whose surname is @surname */
static JsonObject *
outlook_contact (Fx *fx, const gchar *surname, guint *n_out)
{
	return graph_item_where (fx, "/v1.0/me/contacts?$top=100", "surname", surname, n_out);
}

/* an edit of one field in the CRM reaches an Outlook contact that did not
 * change itself (so the run did not read it): its other fields stay */
static void
test_crm_edit_keeps_fields (void)
{
	Fx fx = {0};
	gint rc;
	guint n;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autoptr(JsonObject) crm = NULL;
	g_autoptr(JsonObject) before = NULL;
	g_autoptr(JsonObject) after = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *surname = NULL;

	fx_start (&fx, "3", NULL);
	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	crm = crm_find (&fx, "crm", "contact", "givenName", "Søren", &path);
	g_assert_nonnull (crm);
	surname = g_strdup (json_object_get_string_member (crm, "surname"));
	graph_sign_in (&fx);
	before = outlook_contact (&fx, surname, &n);
	g_assert_nonnull (before);
	g_assert_nonnull (json_object_get_string_member_with_default (before, "companyName", NULL));

	json_object_set_string_member (crm, "jobTitle", "Indkøbschef");
	crm_write (&fx, path, crm);
	r2 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r2, "updated", "outlook", "contact"), ==, 1);
	after = outlook_contact (&fx, surname, &n);
	g_assert_nonnull (after);
	g_assert_cmpuint (n, ==, 1);
	g_assert_cmpstr (json_object_get_string_member (after, "jobTitle"), ==, "Indkøbschef");
	g_assert_cmpstr (json_object_get_string_member (after, "givenName"), ==, "Søren");
	g_assert_cmpstr (json_object_get_string_member (after, "companyName"), ==,
			 json_object_get_string_member (before, "companyName"));
	g_assert_cmpstr (json_object_get_string_member (
			     json_array_get_object_element (
				 json_object_get_array_member (after, "emailAddresses"), 0),
			     "address"),
			 ==,
			 json_object_get_string_member (
			     json_array_get_object_element (
				 json_object_get_array_member (before, "emailAddresses"), 0),
			     "address"));
	fx_stop (&fx);
}

/* the default To Do list's id, and a task in it (by title) */
static gchar *
default_list (Fx *fx)
{
	guint status;
	g_autoptr(JsonNode) lists = http (fx, "GET", "/v1.0/me/todo/lists", NULL, NULL, &status);
	JsonArray *v = json_object_get_array_member (json_node_get_object (lists), "value");
	for (guint i = 0; i < json_array_get_length (v); i++) {
		JsonObject *l = json_array_get_object_element (v, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (l, "wellknownListName", ""),
			       "defaultList") == 0)
			return g_strdup (json_object_get_string_member (l, "id"));
	}
	g_assert_not_reached ();
}

static JsonObject *
list_task (Fx *fx, const gchar *list, const gchar *title, guint *n)
{
	g_autofree gchar *path = g_strdup_printf ("/v1.0/me/todo/lists/%s/tasks?$top=100", list);
	return graph_item_where (fx, path, "title", title, n);
}

/* To Do gives a task a new id when it is moved to another list: it is still
 * the same task. Nothing is deleted in the CRM, nothing created twice, a CRM
 * edit reaches it in its new list; and a CRM task whose twin is in another
 * list is linked to it, not created again in the default list. */
static void
test_moved_task (void)
{
	Fx fx = {0};
	gint rc;
	guint status, n;
	g_autoptr(JsonObject) r0 = NULL;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autoptr(JsonObject) r3 = NULL;
	g_autoptr(JsonObject) crm = NULL;
	g_autoptr(JsonObject) mine = NULL;
	g_autoptr(JsonObject) there = NULL;
	g_autoptr(JsonNode) moved = NULL;
	g_autoptr(JsonNode) twin = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *title = NULL;
	g_autofree gchar *deflist = NULL;
	g_autofree gchar *hook = NULL;
	g_autofree gchar *work = NULL;
	g_autofree gchar *new_id = NULL;
	g_autofree gchar *post = NULL;
	g_autofree gchar *twin_path = NULL;

	fx_start (&fx, "3", NULL);
	graph_sign_in (&fx);
	r0 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r0, "created", "crm", "task"), ==, 3);
	crm = crm_find (&fx, "crm", "task", "status", "notStarted", &path);
	g_assert_nonnull (crm);
	title = g_strdup (json_object_get_string_member (crm, "subject"));
	deflist = default_list (&fx);
	mine = list_task (&fx, deflist, title, &n);
	g_assert_cmpuint (n, ==, 1);

	/* moved to the list "Work": a new id there, @removed in the default list */
	hook = g_strdup_printf ("/_emulator/move?kind=task&id=%s&folder=Work",
				json_object_get_string_member (mine, "id"));
	moved = http (&fx, "POST", hook, "text/plain", "", &status);
	g_assert_cmpuint (status, ==, 200);
	new_id = g_strdup (json_object_get_string_member (json_node_get_object (moved), "id"));
	work = g_strdup (json_object_get_string_member (json_node_get_object (moved), "list"));
	g_assert_cmpstr (new_id, !=, json_object_get_string_member (mine, "id"));

	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (total (r1, "created") + total (r1, "deleted"), ==, 0);
	g_assert_cmpuint (n_files (&fx, "crm", "task"), ==, 3);

	/* closed in the CRM: the task in "Work" is closed */
	json_object_set_string_member (crm, "status", "completed");
	json_object_set_string_member (crm, "completedDate", "2026-02-02");
	crm_write (&fx, path, crm);
	r2 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r2, "updated", "outlook", "task"), ==, 1);
	g_assert_cmpint (total (r2, "created") + total (r2, "deleted"), ==, 0);
	there = list_task (&fx, work, title, &n);
	g_assert_cmpuint (n, ==, 1);
	g_assert_cmpstr (json_object_get_string_member (there, "status"), ==, "completed");
	g_clear_pointer (&mine, json_object_unref);
	mine = list_task (&fx, deflist, title, &n);
	g_assert_cmpuint (n, ==, 0);

	/* a new CRM task whose twin the user already keeps in "Work" */
	post = g_strdup_printf ("/v1.0/me/todo/lists/%s/tasks", work);
	twin = http (&fx, "POST", post, "application/json",
		     "{\"title\":\"Renew the contract\",\"status\":\"notStarted\"}", &status);
	g_assert_cmpuint (status, ==, 201);
	{
		g_autoptr(JsonObject) t = json_object_new ();
		json_object_set_string_member (t, "subject", "Renew the contract");
		json_object_set_string_member (t, "status", "notStarted");
		twin_path = g_build_filename (fx.dir, "crm", "task", "renew.json", NULL);
		crm_write (&fx, twin_path, t);
	}
	r3 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r3, "created", "outlook", "task"), ==, 0);
	g_clear_pointer (&mine, json_object_unref);
	mine = list_task (&fx, deflist, "Renew the contract", &n);
	g_assert_cmpuint (n, ==, 0);
	g_clear_pointer (&there, json_object_unref);
	there = list_task (&fx, work, "Renew the contract", &n);
	g_assert_cmpuint (n, ==, 1);
	g_assert_cmpuint (n_files (&fx, "crm", "task"), ==, 4);
	fx_stop (&fx);
}

/* a contact dragged to another folder in Outlook and back keeps its link:
 * nothing deleted, nothing restored or copied, and edits on either side still
 * reach the other */
static void
test_moved_contact (void)
{
	Fx fx = {0};
	gint rc;
	guint status, n;
	g_autoptr(JsonObject) r0 = NULL;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autoptr(JsonObject) r3 = NULL;
	g_autoptr(JsonObject) r4 = NULL;
	g_autoptr(JsonObject) r5 = NULL;
	g_autoptr(JsonObject) crm = NULL;
	g_autoptr(JsonObject) mine = NULL;
	g_autoptr(JsonObject) seen = NULL;
	g_autoptr(JsonNode) folder = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *surname = NULL;
	g_autofree gchar *id = NULL;
	g_autofree gchar *hook = NULL;
	g_autofree gchar *back = NULL;
	g_autofree gchar *patch = NULL;
	const gchar *fid;

	fx_start (&fx, "3", NULL);
	graph_sign_in (&fx);
	folder = http (&fx, "POST", "/v1.0/me/contactFolders", "application/json",
		       "{\"displayName\":\"Kunder\"}", &status);
	g_assert_cmpuint (status, ==, 201);
	fid = json_object_get_string_member (json_node_get_object (folder), "id");
	r0 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r0, "created", "crm", "contact"), ==, 3);
	crm = crm_find (&fx, "crm", "contact", "givenName", "Søren", &path);
	surname = g_strdup (json_object_get_string_member (crm, "surname"));
	mine = outlook_contact (&fx, surname, &n);
	id = g_strdup (json_object_get_string_member (mine, "id"));

	/* into the new folder (read after the default one) */
	hook = g_strdup_printf ("/_emulator/move?kind=contact&id=%s&folder=%s", id, fid);
	g_clear_pointer (&folder, json_node_unref);
	folder = http (&fx, "POST", hook, "text/plain", "", &status);
	g_assert_cmpuint (status, ==, 200);
	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (total (r1, "created") + total (r1, "deleted"), ==, 0);
	g_assert_cmpuint (n_files (&fx, "crm", "contact"), ==, 3);
	g_clear_pointer (&seen, json_object_unref);
	seen = outlook_contact (&fx, surname, &n);
	g_assert_cmpuint (n, ==, 1);

	/* edited in Outlook where it is now: the CRM gets it */
	patch = g_strdup_printf ("/v1.0/me/contacts/%s", id);
	g_clear_pointer (&folder, json_node_unref);
	folder = http (&fx, "PATCH", patch, "application/json", "{\"jobTitle\":\"Flyttet\"}", &status);
	g_assert_cmpuint (status, ==, 200);
	r2 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (count (r2, "updated", "crm", "contact"), ==, 1);
	g_clear_pointer (&crm, json_object_unref);
	crm = crm_find (&fx, "crm", "contact", "surname", surname, NULL);
	g_assert_cmpstr (json_object_get_string_member (crm, "jobTitle"), ==, "Flyttet");

	/* and back (the folder it leaves is read after the one it enters) */
	back = g_strdup_printf ("/_emulator/move?kind=contact&id=%s&folder=contacts", id);
	g_clear_pointer (&folder, json_node_unref);
	folder = http (&fx, "POST", back, "text/plain", "", &status);
	g_assert_cmpuint (status, ==, 200);
	r3 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (total (r3, "created") + total (r3, "deleted"), ==, 0);
	g_assert_cmpuint (n_files (&fx, "crm", "contact"), ==, 3);
	g_clear_pointer (&seen, json_object_unref);
	seen = outlook_contact (&fx, surname, &n);
	g_assert_cmpuint (n, ==, 1);

	/* edited in the CRM: the moved contact gets it */
	json_object_set_string_member (crm, "jobTitle", "Tilbage");
	g_clear_pointer (&path, g_free);
	g_clear_pointer (&seen, json_object_unref);
	seen = crm_find (&fx, "crm", "contact", "surname", surname, &path);
	crm_write (&fx, path, crm);
	r4 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (count (r4, "updated", "outlook", "contact"), ==, 1);
	g_clear_pointer (&seen, json_object_unref);
	seen = outlook_contact (&fx, surname, &n);
	g_assert_cmpuint (n, ==, 1);
	g_assert_cmpstr (json_object_get_string_member (seen, "id"), ==, id);
	g_assert_cmpstr (json_object_get_string_member (seen, "jobTitle"), ==, "Tilbage");

	/* into a folder made after the first sync: read from then on */
	{
		g_autoptr(JsonNode) f = http (&fx, "POST", "/v1.0/me/contactFolders", "application/json",
					      "{\"displayName\":\"Nye kunder\"}", &status);
		g_autofree gchar *to = NULL;
		g_autoptr(JsonNode) moved = NULL;
		g_autoptr(JsonNode) edited = NULL;
		g_autoptr(JsonObject) r6 = NULL;
		g_autoptr(JsonObject) r7 = NULL;
		g_autoptr(JsonObject) now = NULL;
		g_assert_cmpuint (status, ==, 201);
		to = g_strdup_printf ("/_emulator/move?kind=contact&id=%s&folder=%s", id,
				      json_object_get_string_member (json_node_get_object (f), "id"));
		moved = http (&fx, "POST", to, "text/plain", "", &status);
		g_assert_cmpuint (status, ==, 200);
		r6 = sync_run (&fx, "sales", &rc);
		g_assert_cmpint (rc, ==, 0);
		g_assert_cmpint (total (r6, "created") + total (r6, "deleted"), ==, 0);
		g_assert_cmpuint (n_files (&fx, "crm", "contact"), ==, 3);
		edited = http (&fx, "PATCH", patch, "application/json", "{\"jobTitle\":\"Ny mappe\"}",
			       &status);
		g_assert_cmpuint (status, ==, 200);
		r7 = sync_run (&fx, "sales", &rc);
		g_assert_cmpint (count (r7, "updated", "crm", "contact"), ==, 1);
		now = crm_find (&fx, "crm", "contact", "surname", surname, NULL);
		g_assert_cmpstr (json_object_get_string_member (now, "jobTitle"), ==, "Ny mappe");
	}

	/* a real deletion is still one */
	g_clear_pointer (&folder, json_node_unref);
	folder = http (&fx, "DELETE", patch, NULL, NULL, &status);
	g_assert_cmpuint (status, ==, 204);
	r5 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (total (r5, "deleted") + total (r5, "created"), ==, 1);
	fx_stop (&fx);
}

static void
test_expired_delta (void)
{
	Fx fx = {0};
	gint rc;
	guint status;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;

	fx_start (&fx, "8", NULL);
	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	http (&fx, "POST", "/_emulator/expire-delta-tokens", "text/plain", "", &status);
	r2 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpstr (json_object_get_string_member (r2, "status"), ==, "ok");
	/* a full listing relinks what is known: no copy on either side */
	g_assert_cmpint (total (r2, "created"), ==, 0);
	g_assert_cmpint (total (r2, "deleted"), ==, 0);
	g_assert_cmpuint (n_files (&fx, "crm", "contact"), ==, 8);
	g_assert_cmpuint (n_files (&fx, "crm", "event"), ==, 8);
	g_assert_cmpint (stat_of (&fx, "writes"), ==, 0);
	fx_stop (&fx);
}

static void
test_throttled (void)
{
	Fx fx = {0};
	gint rc;
	g_autoptr(JsonObject) r1 = NULL;

	fx_start (&fx, "6", "429=0.3,seed=4,retry-after=1");
	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpstr (json_object_get_string_member (r1, "status"), ==, "ok");
	g_assert_cmpint (count (r1, "created", "crm", "contact"), ==, 6);
	g_assert_cmpint (count (r1, "created", "crm", "task"), ==, 6);
	fx_stop (&fx);
}

/* the last Sunday of March next year: Europe's spring DST switch */
static gchar *
dst_day (gint offset)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDate) d = g_date_new_dmy (31, G_DATE_MARCH,
					     (GDateYear) (g_date_time_get_year (now) + 1));
	gchar buf[16];
	while (g_date_get_weekday (d) != G_DATE_SUNDAY)
		g_date_subtract_days (d, 1);
	if (offset >= 0)
		g_date_add_days (d, (guint) offset);
	else
		g_date_subtract_days (d, (guint) -offset);
	g_date_strftime (buf, sizeof buf, "%Y-%m-%d", d);
	return g_strdup (buf);
}

/* CRM → Outlook → a second CRM folder: the appointments arrive unchanged */
static void
test_dst_round_trip (void)
{
	Fx fx = {0};
	gint rc;
	g_autofree gchar *sat = dst_day (-1);
	g_autofree gchar *sun = dst_day (0);
	g_autofree gchar *mon = dst_day (1);
	g_autofree gchar *ev_dir = NULL;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autoptr(JsonObject) r3 = NULL;
	struct {
		const gchar *subject;
		gchar *start, *end;
		gboolean all_day;
	} evs[] = {
	    {"Før skiftet", g_strdup_printf ("%sT09:00:00Z", sat), g_strdup_printf ("%sT10:00:00Z", sat), FALSE},
	    {"Efter skiftet", g_strdup_printf ("%sT08:00:00Z", mon), g_strdup_printf ("%sT09:00:00Z", mon), FALSE},
	    {"Over natten", g_strdup_printf ("%sT20:00:00Z", sat), g_strdup_printf ("%sT07:00:00Z", sun), FALSE},
	    {"Messe", g_strdup (sun), g_strdup (mon), TRUE},
	};

	g_autofree gchar *m1 = dst_day (-13);
	g_autofree gchar *m2 = dst_day (-6);
	g_autofree gchar *m3 = dst_day (1);
	/* Mondays 08:00 in Copenhagen across the switch; the second cancelled,
	 * the third (after the switch) moved to 11:00 */
	g_autofree gchar *series_json = g_strdup_printf (
	    "{\"subject\":\"Ugemøde\",\"start\":\"%sT07:00:00Z\",\"end\":\"%sT07:30:00Z\","
	    "\"isAllDay\":false,\"timeZone\":\"Europe/Copenhagen\",\"sensitivity\":\"normal\","
	    "\"recurrence\":{\"pattern\":{\"type\":\"weekly\",\"interval\":1,\"daysOfWeek\":"
	    "[\"monday\"],\"firstDayOfWeek\":\"monday\"},\"range\":{\"type\":\"numbered\","
	    "\"startDate\":\"%s\",\"numberOfOccurrences\":5,\"recurrenceTimeZone\":"
	    "\"Europe/Copenhagen\"},\"exceptions\":[{\"originalStart\":\"%sT07:00:00Z\","
	    "\"deleted\":true},{\"originalStart\":\"%sT06:00:00Z\",\"subject\":\"Ugemøde (flyttet)\","
	    "\"start\":\"%sT09:00:00Z\",\"end\":\"%sT09:30:00Z\"}]}}",
	    m1, m1, m1, m2, m3, m3, m3);
	g_autoptr(JsonParser) sp = json_parser_new ();

	fx_start (&fx, "0", NULL);
	ev_dir = g_build_filename (fx.dir, "crm", "event", NULL);
	g_assert_cmpint (g_mkdir_with_parents (ev_dir, 0700), ==, 0);
	{
		g_autofree gchar *name = g_strdup_printf ("%s/series.json", ev_dir);
		g_assert_true (g_file_set_contents (name, series_json, -1, NULL));
		g_assert_true (json_parser_load_from_data (sp, series_json, -1, NULL));
	}
	for (guint i = 0; i < G_N_ELEMENTS (evs); i++) {
		g_autoptr(JsonObject) o = json_object_new ();
		g_autofree gchar *name = g_strdup_printf ("%s/ev%u.json", ev_dir, i);
		json_object_set_string_member (o, "subject", evs[i].subject);
		json_object_set_string_member (o, "start", evs[i].start);
		json_object_set_string_member (o, "end", evs[i].end);
		json_object_set_boolean_member (o, "isAllDay", evs[i].all_day);
		json_object_set_string_member (o, "timeZone", "Europe/Copenhagen");
		json_object_set_string_member (o, "sensitivity", "private");
		crm_write (&fx, name, o);
	}
	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r1, "created", "outlook", "event"), ==, 5);
	g_assert_cmpint (stat_of (&fx, "invitationsSent"), ==, 0);
	/* what Outlook gives back is what was sent: no update in either direction */
	r2 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (total (r2, "updated") + total (r2, "created"), ==, 0);

	write_profile (&fx, "other", "crm2", "state2.db");
	r3 = sync_run (&fx, "other", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r3, "created", "crm", "event"), ==, 5);
	{
		g_autoptr(JsonObject) got = crm_find (&fx, "crm2", "event", "subject", "Ugemøde", NULL);
		JsonObject *want = json_node_get_object (json_parser_get_root (sp));
		g_assert_nonnull (got);
		if (!json_node_equal (json_object_get_member (want, "recurrence"),
				      json_object_get_member (got, "recurrence"))) {
			g_autofree gchar *w = json_to_string (json_object_get_member (want, "recurrence"), FALSE);
			g_autofree gchar *g = json_to_string (json_object_get_member (got, "recurrence"), FALSE);
			g_printerr ("want %s\ngot  %s\n", w, g);
			g_assert_not_reached ();
		}
		g_assert_cmpstr (json_object_get_string_member (got, "start"), ==,
				 json_object_get_string_member (want, "start"));
	}
	for (guint i = 0; i < G_N_ELEMENTS (evs); i++) {
		g_autoptr(JsonObject) got = crm_find (&fx, "crm2", "event", "subject", evs[i].subject,
						      NULL);
		g_assert_nonnull (got);
		g_assert_cmpstr (json_object_get_string_member (got, "start"), ==, evs[i].start);
		g_assert_cmpstr (json_object_get_string_member (got, "end"), ==, evs[i].end);
		g_assert_cmpstr (json_object_get_string_member (got, "timeZone"), ==,
				 "Europe/Copenhagen");
		g_assert_cmpint (json_object_get_boolean_member (got, "isAllDay"), ==, evs[i].all_day);
		g_assert_cmpstr (json_object_get_string_member (got, "sensitivity"), ==, "private");
		g_free (evs[i].start);
		g_free (evs[i].end);
	}
	fx_stop (&fx);
}

/* a message as Graph returns it: subject, categories, received, sent */
#define TICK_MAIL                                                                    \
	"{\"subject\":\"%s\",\"categories\":%s,\"receivedDateTime\":\"%s\","          \
	"\"sentDateTime\":\"%s\",\"from\":{\"emailAddress\":{\"address\":"             \
	"\"ada@example.org\",\"name\":\"Ada\"}},\"toRecipients\":[],"                 \
	"\"body\":{\"contentType\":\"text\",\"content\":\"hi\"}}"

/* issue 17, the "tick": `[email] select=category:webCRM` archives the mail
 * carrying that Outlook category (Graph's `categories`, compared without
 * case), not the other; since= leaves out an older ticked one */
static void
test_select_category (void)
{
	Fx fx = {0};
	gint rc;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *seed = NULL;
	g_autofree gchar *db = NULL;
	g_autofree gchar *seed_arg = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *file = NULL;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) ticked = NULL;
	g_autoptr(JsonObject) plain = NULL;
	g_autoptr(JsonObject) old = NULL;
	g_autofree gchar *m1 = g_strdup_printf (TICK_MAIL, "Offer accepted", "[\"webCRM\"]",
						"2026-02-02T10:00:00Z", "2026-02-02T09:59:00Z");
	g_autofree gchar *m2 = g_strdup_printf (TICK_MAIL, "Lunch?", "[\"Personal\"]",
						"2026-02-02T11:00:00Z", "2026-02-02T10:59:00Z");
	g_autofree gchar *m3 = g_strdup_printf (TICK_MAIL, "Old offer", "[\"webcrm\"]",
						"2024-02-02T11:00:00Z", "2024-02-02T10:59:00Z");

	fx.dir = g_dir_make_tmp ("graph-e2e-XXXXXX", &error);
	g_assert_no_error (error);
	fx.emu_db = path_in (&fx, "emulator.db");
	seed = path_in (&fx, "seed.json");
	text = g_strdup_printf ("{\"messages\":[%s,%s,%s]}", m1, m2, m3);
	g_assert_true (g_file_set_contents (seed, text, -1, NULL));
	db = g_strdup_printf ("--db=%s", fx.emu_db);
	seed_arg = g_strdup_printf ("--seed=%s", seed);
	{
		const gchar *args[] = {db, seed_arg, NULL};
		fx.emu = emu_launch_start ("graph", NULL, args, &fx.origin);
	}
	fx.session = soup_session_new ();
	fx.cli_output = g_string_new (NULL);
	g_free (text);
	text = g_strdup_printf (
	    "[profile]\nname=tick\ncrm=folder\noutlook=graph\nstate=tick.db\n"
	    "[crm]\npath=crm\n"
	    "[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n"
	    "[contact]\ndirection=none\n[event]\ndirection=none\n[task]\ndirection=none\n"
	    "[email]\ndirection=outlook-to-crm\nselect=category:webCRM\nsince=2026-01-01\n",
	    fx.origin, fx.origin);
	file = path_in (&fx, "tick.ini");
	g_assert_true (g_file_set_contents (file, text, -1, NULL));

	r1 = sync_run (&fx, "tick", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r1, "created", "crm", "email"), ==, 1);
	ticked = crm_find (&fx, "crm", "email", "subject", "Offer accepted", NULL);
	g_assert_nonnull (ticked);
	plain = crm_find (&fx, "crm", "email", "subject", "Lunch?", NULL);
	g_assert_null (plain);
	old = crm_find (&fx, "crm", "email", "subject", "Old offer", NULL);
	g_assert_null (old);

	/* Outlook's delta moved past the older mail; with since= set earlier, a
	 * plain run brings it (held while "since" kept it out) */
	g_free (text);
	text = g_strdup_printf (
	    "[profile]\nname=tick\ncrm=folder\noutlook=graph\nstate=tick.db\n"
	    "[crm]\npath=crm\n"
	    "[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n"
	    "[contact]\ndirection=none\n[event]\ndirection=none\n[task]\ndirection=none\n"
	    "[email]\ndirection=outlook-to-crm\nselect=category:webCRM\nsince=2024-01-01\n",
	    fx.origin, fx.origin);
	g_assert_true (g_file_set_contents (file, text, -1, NULL));
	g_clear_pointer (&r1, json_object_unref);
	r1 = sync_run (&fx, "tick", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r1, "created", "crm", "email"), ==, 1);
	g_clear_pointer (&old, json_object_unref);
	old = crm_find (&fx, "crm", "email", "subject", "Old offer", NULL);
	g_assert_nonnull (old);
	g_clear_pointer (&plain, json_object_unref);
	plain = crm_find (&fx, "crm", "email", "subject", "Lunch?", NULL);
	g_assert_null (plain);
	fx_stop (&fx);
}

/* the OroCRM preset's mapping and rules between an Oro-shaped folder and Graph */
static void
test_orocrm_preset (void)
{
	Fx fx = {0};
	gint rc;
	guint status;
	g_autofree gchar *file = NULL;
	g_autofree gchar *cdir = NULL;
	g_autofree gchar *tdir = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autoptr(JsonObject) r3 = NULL;
	g_autoptr(JsonObject) oro = NULL;
	g_autoptr(JsonNode) list = NULL;
	g_autoptr(JsonNode) tasks = NULL;
	g_autoptr(JsonNode) lists = NULL;
	g_autofree gchar *tpath = NULL;
	JsonArray *v;
	gboolean seen_contact = FALSE, seen_task = FALSE;

	fx_start (&fx, "6", NULL);
	text = g_strdup_printf (
	    "[profile]\nname=oro\npreset=orocrm\ncrm=folder\noutlook=graph\nstate=oro.db\n"
	    "[crm]\npath=oro\nschema=orocrm\n"
	    "[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n"
	    "[contact]\ncondition=all\n[task]\ncondition=all\n[event]\ncondition=all\n",
	    fx.origin, fx.origin);
	file = path_in (&fx, "oro.ini");
	g_assert_true (g_file_set_contents (file, text, -1, NULL));

	/* Outlook → Oro: contacts under Oro's names, task statuses through the table */
	r1 = sync_run (&fx, "oro", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r1, "created", "crm", "contact"), ==, 6);
	g_assert_cmpint (count (r1, "created", "crm", "event"), ==, 6);
	oro = crm_find (&fx, "oro", "contact", "firstName", "Søren", NULL);
	g_assert_nonnull (oro);
	g_assert_cmpstr (json_object_get_string_member (oro, "lastName"), ==, "Jørgensen");
	g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (oro, "emails"), 0),
			 ==, "person0@example.org");
	g_clear_pointer (&oro, json_object_unref);
	/* generated statuses: notStarted, inProgress, completed, waitingOnOthers, deferred */
	oro = crm_find (&fx, "oro", "task", "status", "in_progress", NULL);
	g_assert_nonnull (oro);
	g_assert_null (crm_find (&fx, "oro", "task", "status", "inProgress", NULL));
	g_clear_pointer (&oro, json_object_unref);

	/* no change: nothing to do, one delta per kind */
	http (&fx, "POST", "/_emulator/reset-stats", "text/plain", "", &status);
	r2 = sync_run (&fx, "oro", &rc);
	g_assert_cmpint (total (r2, "created") + total (r2, "updated"), ==, 0);
	g_assert_cmpint (stat_of (&fx, "deltaRequests"), ==, 3);

	/* Oro → Outlook: a new contact and a new open task */
	cdir = g_build_filename (fx.dir, "oro", "contact", NULL);
	tdir = g_build_filename (fx.dir, "oro", "task", NULL);
	{
		g_autofree gchar *cp = g_build_filename (cdir, "oro-1.json", NULL);
		g_autofree gchar *tp = g_build_filename (tdir, "oro-t1.json", NULL);
		g_assert_true (g_file_set_contents (
		    cp, "{\"firstName\":\"Grace\",\"lastName\":\"Hopper\",\"jobTitle\":\"Admiral\","
			"\"emails\":[\"grace@navy.example\",\"grace@home.example\"],\"birthday\":\"1906-12-09\","
			"\"phones\":[\"+1 555 0100\",\"+1 555 0101\"],\"gender\":\"female\"}",
		    -1, NULL));
		g_assert_true (g_file_set_contents (
		    tp, "{\"subject\":\"Send the offer\",\"status\":\"in_progress\",\"taskPriority\":\"high\","
			"\"dueDate\":\"2027-05-01T00:00:00Z\"}",
		    -1, NULL));
	}
	r3 = sync_run (&fx, "oro", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r3, "created", "outlook", "contact"), ==, 1);
	g_assert_cmpint (count (r3, "created", "outlook", "task"), ==, 1);

	graph_sign_in (&fx);
	list = http (&fx, "GET", "/v1.0/me/contacts?$top=50", NULL, NULL, &status);
	v = json_object_get_array_member (json_node_get_object (list), "value");
	for (guint i = 0; i < json_array_get_length (v); i++) {
		JsonObject *c = json_array_get_object_element (v, i);
		JsonArray *mails;
		if (g_strcmp0 (json_object_get_string_member_with_default (c, "surname", ""), "Hopper") != 0)
			continue;
		seen_contact = TRUE;
		g_assert_cmpstr (json_object_get_string_member (c, "givenName"), ==, "Grace");
		g_assert_cmpstr (json_object_get_string_member (c, "jobTitle"), ==, "Admiral");
		g_assert_cmpstr (json_object_get_string_member (c, "birthday"), ==, "1906-12-09T00:00:00Z");
		mails = json_object_get_array_member (c, "emailAddresses");
		g_assert_cmpuint (json_array_get_length (mails), ==, 2);
		/* Oro's first phone is Outlook's primary phone, a MAPI property */
		{
			g_autofree gchar *xp = g_strdup_printf (
			    "/v1.0/me/contacts/%s?$expand=singleValueExtendedProperties($filter=id%%20eq%%20"
			    "'String%%200x3A1A'%%20or%%20id%%20eq%%20'Short%%200x3A4D')",
			    json_object_get_string_member (c, "id"));
			g_autoptr(JsonNode) x = http (&fx, "GET", xp, NULL, NULL, &status);
			JsonArray *ext = json_object_get_array_member (json_node_get_object (x),
								       "singleValueExtendedProperties");
			g_autofree gchar *all = json_to_string (json_object_get_member (
								    json_node_get_object (x),
								    "singleValueExtendedProperties"),
								FALSE);
			g_assert_cmpuint (status, ==, 200);
			g_assert_cmpuint (json_array_get_length (ext), ==, 2);
			g_assert_nonnull (strstr (all, "+1 555 0100"));
		}
	}
	g_assert_true (seen_contact);
	lists = http (&fx, "GET", "/v1.0/me/todo/lists", NULL, NULL, &status);
	tpath = g_strdup_printf ("/v1.0/me/todo/lists/%s/tasks?$top=50",
				 json_object_get_string_member (
				     json_array_get_object_element (
					 json_object_get_array_member (json_node_get_object (lists), "value"), 0),
				     "id"));
	tasks = http (&fx, "GET", tpath, NULL, NULL, &status);
	v = json_object_get_array_member (json_node_get_object (tasks), "value");
	for (guint i = 0; i < json_array_get_length (v); i++) {
		JsonObject *t = json_array_get_object_element (v, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (t, "title", ""),
			       "Send the offer") != 0)
			continue;
		seen_task = TRUE;
		g_assert_cmpstr (json_object_get_string_member (t, "status"), ==, "inProgress");
		g_assert_cmpstr (json_object_get_string_member (t, "importance"), ==, "high");
		/* the preset's task reminder (0:10) set on a task created in Outlook */
		g_assert_true (json_object_get_boolean_member (t, "isReminderOn"));
	}
	g_assert_true (seen_task);
	fx_stop (&fx);
}

/* no token in the profile, the state DB, the secrets' neighbours or any output */
static void
test_tokens_private (void)
{
	Fx fx = {0};
	gint rc;
	guint status;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autofree gchar *profile = NULL;
	g_autofree gchar *state = NULL;
	g_autofree gchar *ppath = path_in (&fx, "x");
	gsize state_len = 0;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	guint n = 0;

	fx_start (&fx, "3", NULL);
	g_free (ppath);
	ppath = path_in (&fx, "sales.ini");
	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	/* an expired access token mid-way: renewed, rotated refresh token stored */
	http (&fx, "POST", "/_emulator/expire-access-tokens", "text/plain", "", &status);
	r2 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_true (g_file_get_contents (ppath, &profile, NULL, NULL));
	{
		g_autofree gchar *sp = path_in (&fx, "state.db");
		g_assert_true (g_file_get_contents (sp, &state, &state_len, NULL));
	}
	g_assert_cmpint (sqlite3_open_v2 (fx.emu_db, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT token FROM tokens WHERE type IN ('access','refresh')",
					     -1, &stmt, NULL),
			 ==, SQLITE_OK);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		const gchar *t = (const gchar *) sqlite3_column_text (stmt, 0);
		g_assert_null (strstr (profile, t));
		g_assert_null (g_strstr_len (state, (gssize) state_len, t));
		g_assert_null (strstr (fx.cli_output->str, t));
		n++;
	}
	sqlite3_finalize (stmt);
	sqlite3_close (db);
	/* two runs, one renewal: at least the live access and refresh tokens */
	g_assert_cmpuint (n, >=, 2);
	g_assert_nonnull (strstr (fx.cli_output->str, "DEBUG")); /* the logs were on */
	fx_stop (&fx);
}

/* issue 14 item 7 on the Graph side: a contact this run created in Outlook
 * and deleted there before the next run is seen by a plain sync (the delta
 * token is the server's and knows the run's own writes); the default both-ways
 * rule brings it back, once */
static void
test_created_then_deleted (void)
{
	Fx fx = {0};
	gint rc;
	guint status, n;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autoptr(JsonObject) r3 = NULL;
	g_autoptr(JsonObject) mine = NULL;
	g_autoptr(JsonNode) gone = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *file = NULL;
	g_autofree gchar *path = NULL;

	fx_start (&fx, "0", NULL);
	graph_sign_in (&fx);
	dir = path_in (&fx, "crm/contact");
	g_mkdir_with_parents (dir, 0700);
	file = g_build_filename (dir, "tove.json", NULL);
	g_assert_true (g_file_set_contents (file, "{\"givenName\":\"Tove\",\"surname\":\"Ditlevsen\"}",
					    -1, NULL));
	r1 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r1, "created", "outlook", "contact"), ==, 1);
	mine = outlook_contact (&fx, "Ditlevsen", &n);
	g_assert_cmpuint (n, ==, 1);
	path = g_strdup_printf ("/v1.0/me/contacts/%s", json_object_get_string_member (mine, "id"));
	gone = http (&fx, "DELETE", path, NULL, NULL, &status);
	g_assert_cmpuint (status, ==, 204);
	r2 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r2, "created", "outlook", "contact"), ==, 1);
	g_clear_pointer (&mine, json_object_unref);
	mine = outlook_contact (&fx, "Ditlevsen", &n);
	g_assert_cmpuint (n, ==, 1);
	r3 = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (total (r3, "created") + total (r3, "deleted"), ==, 0);
	fx_stop (&fx);
}

/* crmsync-cli @command --profile sales … --json; returns stdout's JSON */
static JsonObject *
cli_json (Fx *fx, gint *exit_code, const gchar *command, ...)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *xdg = path_in (fx, "xdg");
	g_autoptr(JsonParser) parser = json_parser_new ();
	const gchar *a;
	va_list ap;

	g_ptr_array_add (argv, g_strdup (g_getenv ("CRMSYNC_CLI")));
	g_ptr_array_add (argv, g_strdup (command));
	g_ptr_array_add (argv, g_strdup ("--profile"));
	g_ptr_array_add (argv, g_strdup_printf ("%s/sales.ini", fx->dir));
	va_start (ap, command);
	while ((a = va_arg (ap, const gchar *)) != NULL)
		g_ptr_array_add (argv, g_strdup (a));
	va_end (ap);
	g_ptr_array_add (argv, g_strdup ("--json"));
	g_ptr_array_add (argv, NULL);
	g_subprocess_launcher_set_cwd (l, fx->dir);
	g_subprocess_launcher_setenv (l, "XDG_DATA_HOME", xdg, TRUE);
	g_subprocess_launcher_setenv (l, "CRMSYNC_SECRETS", "file", TRUE);
	g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
	p = g_subprocess_launcher_spawnv (l, (const gchar *const *) argv->pdata, &error);
	g_assert_no_error (error);
	g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
	g_assert_no_error (error);
	*exit_code = g_subprocess_get_exit_status (p);
	if (!json_parser_load_from_data (parser, out, -1, NULL)) {
		g_printerr ("%s\n%s\n", out, err);
		g_assert_not_reached ();
	}
	return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
outlook_patch (Fx *fx, const gchar *id, const gchar *json)
{
	guint status;
	g_autofree gchar *path = g_strdup_printf ("/v1.0/me/contacts/%s", id);
	g_autoptr(JsonNode) answer = http (fx, "PATCH", path, "application/json", json, &status);
	g_assert_cmpuint (status, ==, 200);
}

/* a conflict resolved by keeping Outlook's value, after Outlook changed the
 * field again (read by a run while the conflict waited): the next plain run
 * writes what Outlook holds now, read by id, not the value recorded when the
 * conflict was found */
static void
test_resolve_applies_current_value (void)
{
	Fx fx = {0};
	gint rc;
	guint n;
	g_autoptr(JsonObject) r = NULL;
	g_autoptr(JsonObject) listed = NULL;
	g_autoptr(JsonObject) tove = NULL;
	g_autoptr(JsonObject) crm = NULL;
	g_autoptr(JsonObject) mine = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *file = NULL;
	g_autofree gchar *crm_path = NULL;
	g_autofree gchar *id = NULL;
	JsonArray *conflicts;

	fx_start (&fx, "0", NULL);
	graph_sign_in (&fx);
	write_profile_with (&fx, "sales", "crm", "state.db", "conflict=manual\n", "both");
	dir = path_in (&fx, "crm/contact");
	g_mkdir_with_parents (dir, 0700);
	file = g_build_filename (dir, "tove.json", NULL);
	g_assert_true (g_file_set_contents (
	    file, "{\"givenName\":\"Tove\",\"surname\":\"Ditlevsen\",\"jobTitle\":\"Writer\"}", -1,
	    NULL));
	r = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	tove = outlook_contact (&fx, "Ditlevsen", &n);
	g_assert_cmpuint (n, ==, 1);
	id = g_strdup (json_object_get_string_member (tove, "id"));

	/* both change the job title: a conflict for the user */
	crm = crm_find (&fx, "crm", "contact", "surname", "Ditlevsen", &crm_path);
	json_object_set_string_member (crm, "jobTitle", "Poet");
	crm_write (&fx, crm_path, crm);
	outlook_patch (&fx, id, "{\"jobTitle\":\"Novelist\"}");
	g_clear_pointer (&r, json_object_unref);
	r = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 1);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "conflicts")), ==, 1);

	/* Outlook changes it again; a run reads that while the conflict waits */
	outlook_patch (&fx, id, "{\"jobTitle\":\"Author\"}");
	g_clear_pointer (&r, json_object_unref);
	r = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 1);

	listed = cli_json (&fx, &rc, "conflicts", NULL);
	g_assert_cmpint (rc, ==, 0);
	conflicts = json_object_get_array_member (listed, "conflicts");
	g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
	{
		JsonObject *c = json_array_get_object_element (conflicts, 0);
		g_autofree gchar *cid = g_strdup_printf (
		    "%" G_GINT64_FORMAT, json_object_get_int_member (c, "id"));
		g_autoptr(JsonObject) resolved = NULL;
		g_assert_cmpstr (json_object_get_string_member (c, "field"), ==, "jobTitle");
		resolved = cli_json (&fx, &rc, "resolve", cid, "--keep", "outlook", NULL);
		g_assert_cmpint (rc, ==, 0);
	}

	g_clear_pointer (&r, json_object_unref);
	r = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_clear_pointer (&crm, json_object_unref);
	crm = crm_find (&fx, "crm", "contact", "surname", "Ditlevsen", NULL);
	g_assert_cmpstr (json_object_get_string_member (crm, "jobTitle"), ==, "Author");
	mine = outlook_contact (&fx, "Ditlevsen", &n);
	g_assert_cmpstr (json_object_get_string_member (mine, "jobTitle"), ==, "Author");
	fx_stop (&fx);
}

/* a one-way run (CRM → Outlook) read Outlook's contacts and left an
 * Outlook-only one alone while Outlook's delta moved past it: once the
 * direction allows it, a plain run sends it to the CRM */
static void
test_held_by_direction (void)
{
	Fx fx = {0};
	gint rc;
	guint status;
	g_autoptr(JsonObject) r = NULL;
	g_autoptr(JsonObject) crm = NULL;
	g_autoptr(JsonNode) made = NULL;

	fx_start (&fx, "0", NULL);
	graph_sign_in (&fx);
	write_profile_with (&fx, "sales", "crm", "state.db", "", "crm-to-outlook");
	made = http (&fx, "POST", "/v1.0/me/contacts", "application/json",
		     "{\"givenName\":\"Inger\",\"surname\":\"Christensen\"}", &status);
	g_assert_cmpuint (status, ==, 201);
	r = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (total (r, "created"), ==, 0);
	g_clear_pointer (&r, json_object_unref);
	r = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_null (crm_find (&fx, "crm", "contact", "surname", "Christensen", NULL));

	write_profile_with (&fx, "sales", "crm", "state.db", "", "both");
	g_clear_pointer (&r, json_object_unref);
	r = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (rc, ==, 0);
	g_assert_cmpint (count (r, "created", "crm", "contact"), ==, 1);
	crm = crm_find (&fx, "crm", "contact", "surname", "Christensen", NULL);
	g_assert_nonnull (crm);
	g_assert_cmpstr (json_object_get_string_member (crm, "givenName"), ==, "Inger");
	/* settled: nothing more */
	g_clear_pointer (&r, json_object_unref);
	r = sync_run (&fx, "sales", &rc);
	g_assert_cmpint (total (r, "created"), ==, 0);
	fx_stop (&fx);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/graph/e2e/both-directions", test_both_directions);
	g_test_add_func ("/graph/e2e/expired-delta-relinks", test_expired_delta);
	g_test_add_func ("/graph/e2e/crm-edit-keeps-outlook-fields", test_crm_edit_keeps_fields);
	g_test_add_func ("/graph/e2e/moved-contact-keeps-link", test_moved_contact);
	g_test_add_func ("/graph/e2e/moved-task-keeps-link", test_moved_task);
	g_test_add_func ("/graph/e2e/throttled-run-finishes", test_throttled);
	g_test_add_func ("/graph/e2e/dst-all-day-and-series-round-trip", test_dst_round_trip);
	g_test_add_func ("/graph/e2e/tokens-stay-private", test_tokens_private);
	g_test_add_func ("/graph/e2e/orocrm-preset", test_orocrm_preset);
	g_test_add_func ("/graph/e2e/select-category", test_select_category);
	g_test_add_func ("/graph/e2e/created-then-deleted", test_created_then_deleted);
	g_test_add_func ("/graph/e2e/resolve-applies-current-value",
			 test_resolve_applies_current_value);
	g_test_add_func ("/graph/e2e/held-by-direction", test_held_by_direction);
	return g_test_run ();
}
