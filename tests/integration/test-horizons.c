/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>

#include "emu-launch.h"
#include "oro-test-util.h"

/*
 * Horizons, end to end: crmsync-cli between the OroCRM emulator and the Graph
 * emulator with the orocrm preset. Graph lists its calendar only about a year
 * back, OroCRM filters by "owned by me": what a listing leaves out is neither
 * deleted nor created again, on `--all` and on a first sync over data that
 * is already on both sides (a new PC, a lost state file).
 */

#define ORO_KEY	 "dd1c18d06773cc377c9df6166c54c6e5fefa50fa"
#define N_MONTHS 36

typedef struct {
	OroEmu *oro;
	GSubprocess *graph;
	gchar *oro_url;
	gchar *graph_url;
	gchar *dir;
	gchar *oro_db;
	gchar *graph_db;
	gchar *profile;
	gchar *kinds; /* the profile's kind sections */
	gchar *extra; /* more [profile] keys */
	gchar *graph_seed; /* (nullable) the Graph emulator's --seed, JSON */
	gchar *out;
	gchar *err;
	gint status;
} Fx;

static void
die_with_parent (gpointer data)
{
	prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gchar *
iso_months_from_now (gint months, gint hour)
{
	g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr (GDateTime) day = g_date_time_new_utc (
		g_date_time_get_year (now), g_date_time_get_month (now), 10, hour, 0, 0);
	g_autoptr (GDateTime) when = g_date_time_add_months (day, months);
	return g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
}

/* one event a month over three years (30 months back, 5 ahead), all in the
 * signed-in user's calendar; contacts of the user and one of another user */
static gchar *
oro_seed (void)
{
	GString *s = g_string_new (
		"{\"users\":[{\"id\":\"2\",\"username\":\"mette.hansen\",\"firstName\":\"Mette\","
		"\"lastName\":\"Hansen\"}],\"calendarevents\":[");
	for (gint i = 0; i < N_MONTHS; i++) {
		g_autofree gchar *start = iso_months_from_now (i - 30, 9);
		g_autofree gchar *end = iso_months_from_now (i - 30, 10);
		g_string_append_printf (s,
					"%s{\"id\":%d,\"calendar\":1,\"title\":\"Kundemøde %d\","
					"\"start\":\"%s\",\"end\":\"%s\",\"allDay\":false}",
					i > 0 ? "," : "", 100 + i, i, start, end);
	}
	g_string_append (
		s, "],\"contacts\":["
		   "{\"type\":\"contacts\",\"id\":\"1\",\"attributes\":{\"firstName\":\"Ada\","
		   "\"lastName\":\"Lovelace\",\"gender\":\"female\",\"birthday\":\"1815-12-10\","
		   "\"emails\":[{\"email\":\"ada@example.org\"}]},\"relationships\":{\"owner\":{"
		   "\"data\":"
		   "{\"type\":\"users\",\"id\":\"1\"}}}},"
		   "{\"type\":\"contacts\",\"id\":\"2\",\"attributes\":{\"firstName\":\"Karen\","
		   "\"lastName\":\"Blixen\",\"gender\":\"female\",\"birthday\":\"1885-04-17\","
		   "\"emails\":[{\"email\":\"karen@example.dk\"}]},\"relationships\":{\"owner\":{"
		   "\"data\":"
		   "{\"type\":\"users\",\"id\":\"1\"}}}}"
		   "]}");
	return g_string_free (s, FALSE);
}

static void
write_profile (Fx *fx, const gchar *state)
{
	g_autofree gchar *text = g_strdup_printf (
		"[profile]\nname=Horizons\ncrm=orocrm\noutlook=graph\npreset=orocrm\nstate=%s\n%s"
		"[crm]\nurl=%s\nuser=admin\nsecret-file=key\n"
		"[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n%s",
		state, fx->extra != NULL ? fx->extra : "", fx->oro_url, fx->graph_url,
		fx->graph_url, fx->kinds);
	g_assert_true (g_file_set_contents (fx->profile, text, -1, NULL));
}

static void
fx_start_full (Fx *fx, const gchar *seed, const gchar *generate, const gchar *kinds);

static void
fx_start (Fx *fx, const gchar *seed)
{
	fx_start_full (fx, seed, NULL, NULL);
}

static void
fx_start_full (Fx *fx, const gchar *seed, const gchar *generate, const gchar *kinds)
{
	g_autoptr (GError) error = NULL;
	g_autofree gchar *seed_file = NULL;
	g_autofree gchar *seed_arg = NULL;
	g_autofree gchar *oro_db_arg = NULL;
	g_autofree gchar *graph_db_arg = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *gen_arg
		= generate != NULL ? g_strdup_printf ("--generate=%s", generate) : NULL;

	fx->kinds = g_strdup (kinds != NULL ? kinds : "[task]\ndirection=none\n");
	fx->dir = g_dir_make_tmp ("horizons-XXXXXX", &error);
	g_assert_no_error (error);
	seed_file = g_build_filename (fx->dir, "seed.json", NULL);
	g_assert_true (g_file_set_contents (seed_file, seed != NULL ? seed : "{}", -1, NULL));
	fx->oro_db = g_build_filename (fx->dir, "oro.db", NULL);
	fx->graph_db = g_build_filename (fx->dir, "graph.db", NULL);
	seed_arg = g_strdup_printf ("--seed=%s", seed_file);
	oro_db_arg = g_strdup_printf ("--db=%s", fx->oro_db);
	graph_db_arg = g_strdup_printf ("--db=%s", fx->graph_db);
	{
		const gchar *args[] = { oro_db_arg, gen_arg != NULL ? gen_arg : seed_arg, NULL };
		fx->oro = oro_emu_start (args);
		fx->oro_url = g_strdup (fx->oro->url);
	}
	{
		g_autofree gchar *gseed_file = g_build_filename (fx->dir, "graph-seed.json", NULL);
		g_autofree gchar *gseed_arg = g_strdup_printf ("--seed=%s", gseed_file);
		const gchar *args[] = { graph_db_arg, gen_arg != NULL ? gen_arg : NULL, NULL };
		if (gen_arg == NULL && fx->graph_seed != NULL) {
			g_assert_true (g_file_set_contents (gseed_file, fx->graph_seed, -1, NULL));
			args[1] = gseed_arg;
		}
		fx->graph = emu_launch_start ("graph", NULL, args, &fx->graph_url);
	}
	key = g_build_filename (fx->dir, "key", NULL);
	g_assert_true (g_file_set_contents (key, ORO_KEY, -1, NULL));
	g_chmod (key, 0600);
	fx->profile = g_build_filename (fx->dir, "horizons.ini", NULL);
	write_profile (fx, "state.db");
}

static void
rm_tree (const gchar *path)
{
	g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
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
	oro_emu_stop (fx->oro);
	emu_launch_stop (&fx->graph);
	rm_tree (fx->dir);
	g_free (fx->dir);
	g_free (fx->oro_url);
	g_free (fx->graph_url);
	g_free (fx->oro_db);
	g_free (fx->graph_db);
	g_free (fx->profile);
	g_free (fx->kinds);
	g_free (fx->extra);
	g_free (fx->graph_seed);
	g_free (fx->out);
	g_free (fx->err);
}

/* crmsync-cli CMD --profile P ARGS… --json; returns the parsed object */
static JsonObject *
cli (Fx *fx, const gchar *cmd, ...)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr (GSubprocess) p = NULL;
	g_autoptr (GPtrArray) argv = g_ptr_array_new ();
	g_autofree gchar *xdg = g_build_filename (fx->dir, "xdg", NULL);
	g_autoptr (JsonParser) parser = json_parser_new ();
	va_list ap;
	const gchar *a;

	g_ptr_array_add (argv, (gpointer)g_getenv ("CRMSYNC_CLI"));
	g_ptr_array_add (argv, (gpointer)cmd);
	g_ptr_array_add (argv, (gpointer) "--profile");
	g_ptr_array_add (argv, fx->profile);
	va_start (ap, cmd);
	while ((a = va_arg (ap, const gchar *)) != NULL)
		g_ptr_array_add (argv, (gpointer)a);
	va_end (ap);
	g_ptr_array_add (argv, (gpointer) "--json");
	g_ptr_array_add (argv, NULL);
	g_subprocess_launcher_set_cwd (l, fx->dir);
	g_subprocess_launcher_setenv (l, "XDG_DATA_HOME", xdg, TRUE);
	g_subprocess_launcher_setenv (l, "CRMSYNC_SECRETS", "file", TRUE);
	g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
	p = g_subprocess_launcher_spawnv (l, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error (error);
	g_clear_pointer (&fx->out, g_free);
	g_clear_pointer (&fx->err, g_free);
	g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &fx->out, &fx->err, &error));
	g_assert_no_error (error);
	fx->status = g_subprocess_get_exit_status (p);
	if (!json_parser_load_from_data (parser, fx->out, -1, NULL)
	    || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
		g_printerr ("exit %d\n%s\n%s\n", fx->status, fx->out, fx->err);
		g_assert_not_reached ();
	}
	return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gint64
count (JsonObject *report, const gchar *what, const gchar *side, const gchar *kind)
{
	JsonObject *o = json_object_get_object_member (report, what);
	o = o != NULL ? json_object_get_object_member (o, side) : NULL;
	return o != NULL ? json_object_get_int_member_with_default (o, kind, 0) : 0;
}

static gint64
total (JsonObject *report, const gchar *what)
{
	const gchar *sides[] = { "crm", "outlook" };
	gint64 n = 0;
	for (guint s = 0; s < G_N_ELEMENTS (sides); s++) {
		JsonObject *o = json_object_get_object_member (
			json_object_get_object_member (report, what), sides[s]);
		g_autoptr (GList) members = o != NULL ? json_object_get_members (o) : NULL;
		for (GList *m = members; m != NULL; m = m->next)
			n += json_object_get_int_member (o, m->data);
	}
	return n;
}

static gint64
db_count (const gchar *db_path, const gchar *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	gint64 n;
	g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout (db, 5000);
	g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
	n = sqlite3_column_int64 (st, 0);
	sqlite3_finalize (st);
	sqlite3_close (db);
	return n;
}

static gint64
outlook_events (Fx *fx)
{
	return db_count (fx->graph_db,
			 "SELECT count(*) FROM items WHERE kind = 'event' AND deleted = 0");
}

static gint64
outlook_contacts (Fx *fx)
{
	return db_count (fx->graph_db,
			 "SELECT count(*) FROM items WHERE kind = 'contact' AND deleted = 0");
}

static gint64
crm_events (Fx *fx)
{
	return db_count (fx->oro_db, "SELECT count(*) FROM events");
}

static gint64
crm_contacts (Fx *fx)
{
	return db_count (fx->oro_db, "SELECT count(*) FROM res WHERE type = 'contacts'");
}

static void
assert_nothing_written (Fx *fx, JsonObject *r)
{
	if (total (r, "created") + total (r, "deleted") != 0 || fx->status != 0)
		g_printerr ("exit %d\n%s\n%s\n", fx->status, fx->out, fx->err);
	g_assert_cmpint (fx->status, ==, 0);
	g_assert_cmpint (total (r, "created"), ==, 0);
	g_assert_cmpint (total (r, "deleted"), ==, 0);
}

/* after a clean sync, `sync --all` creates in Outlook no CRM event older than
 * Outlook's calendar window, and deletes none */
static void
test_all_creates_nothing (void)
{
	Fx fx = { 0 };
	g_autofree gchar *seed = oro_seed ();
	g_autoptr (JsonObject) r1 = NULL;
	g_autoptr (JsonObject) r2 = NULL;
	g_autoptr (JsonObject) r3 = NULL;
	g_autoptr (JsonObject) r4 = NULL;

	fx_start (&fx, seed);
	r1 = cli (&fx, "sync", NULL);
	g_assert_cmpint (fx.status, ==, 0);
	g_assert_cmpint (count (r1, "created", "outlook", "event"), ==, N_MONTHS);
	g_assert_cmpint (outlook_events (&fx), ==, N_MONTHS);

	r2 = cli (&fx, "sync", NULL);
	assert_nothing_written (&fx, r2);

	/* the plan of a Sync all proposes nothing to create either */
	r3 = cli (&fx, "sync", "--all", "--dry-run", NULL);
	assert_nothing_written (&fx, r3);
	r4 = cli (&fx, "sync", "--all", NULL);
	assert_nothing_written (&fx, r4);
	g_clear_pointer (&r4, json_object_unref);
	r4 = cli (&fx, "sync", "--all", NULL);
	assert_nothing_written (&fx, r4);
	g_assert_cmpint (outlook_events (&fx), ==, N_MONTHS);
	g_assert_cmpint (crm_events (&fx), ==, N_MONTHS);
	g_assert_cmpint (outlook_contacts (&fx), ==, 2);
	g_assert_cmpint (crm_contacts (&fx), ==, 2);
	fx_stop (&fx);
}

/* the state file is lost (a new PC): the next sync finds every record on both
 * sides and links it, creating nothing */
static void
test_lost_state_links_all (void)
{
	Fx fx = { 0 };
	g_autofree gchar *seed = oro_seed ();
	g_autoptr (JsonObject) r1 = NULL;
	g_autoptr (JsonObject) r2 = NULL;
	g_autoptr (JsonObject) r3 = NULL;

	fx_start (&fx, seed);
	r1 = cli (&fx, "sync", NULL);
	g_assert_cmpint (fx.status, ==, 0);
	g_assert_cmpint (outlook_events (&fx), ==, N_MONTHS);

	/* a new PC: a new state file, the same data on both sides */
	write_profile (&fx, "other-pc.db");
	r2 = cli (&fx, "sync", NULL);
	assert_nothing_written (&fx, r2);
	g_assert_cmpint (count (r2, "linked", "outlook", "event"), ==, N_MONTHS);
	g_assert_cmpint (count (r2, "linked", "outlook", "contact"), ==, 2);
	r3 = cli (&fx, "sync", "--all", NULL);
	assert_nothing_written (&fx, r3);
	g_assert_cmpint (outlook_events (&fx), ==, N_MONTHS);
	g_assert_cmpint (crm_events (&fx), ==, N_MONTHS);
	g_assert_cmpint (outlook_contacts (&fx), ==, 2);
	g_assert_cmpint (crm_contacts (&fx), ==, 2);
	fx_stop (&fx);
}

/* an old CRM meeting is looked for in Outlook around its date (outside the
 * calendar window): what that finds besides its twin, another old Outlook
 * appointment of that month, stays out of the sync like every appointment
 * outside the window, never created in the CRM because a CRM meeting
 * happened to be near it */
static void
test_find_takes_only_twins (void)
{
	Fx fx = { 0 };
	g_autofree gchar *seed = oro_seed ();
	g_autofree gchar *start = iso_months_from_now (-30, 14);
	g_autofree gchar *end = iso_months_from_now (-30, 15);
	g_autoptr (JsonObject) r1 = NULL;
	g_autoptr (JsonObject) r2 = NULL;

	start[strlen (start) - 1] = '\0'; /* Graph's dateTime has no zone letter */
	end[strlen (end) - 1] = '\0';
	fx.graph_seed = g_strdup_printf (
		"{\"events\":[{\"subject\":\"Tandlæge\",\"start\":{\"dateTime\":\"%s\","
		"\"timeZone\":\"UTC\"},\"end\":{\"dateTime\":\"%s\",\"timeZone\":\"UTC\"}}]}",
		start, end);
	fx_start (&fx, seed);
	r1 = cli (&fx, "sync", NULL);
	g_assert_cmpint (fx.status, ==, 0);
	g_assert_cmpint (count (r1, "created", "crm", "event"), ==, 0);
	g_assert_cmpint (crm_events (&fx), ==, N_MONTHS);
	g_assert_cmpint (outlook_events (&fx), ==, N_MONTHS + 1);
	r2 = cli (&fx, "sync", "--all", NULL);
	assert_nothing_written (&fx, r2);
	g_assert_cmpint (crm_events (&fx), ==, N_MONTHS);
	fx_stop (&fx);
}

/* a contact that OroCRM gives to another user leaves the user's horizon
 * ("owned by me"): it is not deleted from Outlook, and on a new PC the Outlook
 * copy is linked to it, never created in OroCRM a second time */
static void
test_owned_by_other (void)
{
	Fx fx = { 0 };
	g_autofree gchar *seed = oro_seed ();
	g_autoptr (JsonObject) r = NULL;
	g_autoptr (JsonNode) patched = NULL;
	guint status = 0;

	fx_start (&fx, seed);
	r = cli (&fx, "sync", NULL);
	g_assert_cmpint (fx.status, ==, 0);
	g_assert_cmpint (outlook_contacts (&fx), ==, 2);

	patched = oro_emu_call (fx.oro, "PATCH", "/api/contacts/2",
				"{\"data\":{\"type\":\"contacts\",\"id\":\"2\",\"relationships\":"
				"{\"owner\":{\"data\":{\"type\":\"users\",\"id\":\"2\"}}}}}",
				&status);
	g_assert_cmpuint (status, ==, 200);
	g_assert_cmpint (
		db_count (fx.oro_db,
			  "SELECT count(*) FROM res WHERE type = 'contacts' AND owner = 2"),
		==, 1);
	for (guint i = 0; i < 2; i++) {
		g_clear_pointer (&r, json_object_unref);
		r = i == 0 ? cli (&fx, "sync", NULL) : cli (&fx, "sync", "--all", NULL);
		assert_nothing_written (&fx, r);
		g_assert_cmpint (outlook_contacts (&fx), ==, 2);
	}

	/* a new PC: Karen is in Outlook and in OroCRM, but not the user's */
	write_profile (&fx, "other-pc.db");
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "sync", NULL);
	assert_nothing_written (&fx, r);
	g_assert_cmpint (count (r, "linked", "crm", "contact"), ==, 2);
	g_assert_cmpint (crm_contacts (&fx), ==, 2);
	g_assert_cmpint (outlook_contacts (&fx), ==, 2);
	fx_stop (&fx);
}

static const gchar *
group_id (JsonObject *group, const gchar *side)
{
	JsonArray *recs = json_object_get_array_member (group, "records");
	for (guint i = 0; i < json_array_get_length (recs); i++) {
		JsonObject *r = json_array_get_object_element (recs, i);
		if (g_strcmp0 (json_object_get_string_member (r, "side"), side) == 0)
			return json_object_get_string_member (r, "id");
	}
	return NULL;
}

static gint64
linked_contacts (Fx *fx)
{
	g_autoptr (JsonObject) st = cli (fx, "status", NULL);
	return json_object_get_int_member_with_default (
		json_object_get_object_member (st, "linked"), "contact", 0);
}

/*
 * The demo's data: the same people in OroCRM and in Outlook, Outlook's
 * without a gender, so the Oro key (first and last name, gender, birthday)
 * never matches. Before, the first sync put every OroCRM person into Outlook
 * a second time. Now each pair is held for review (the report lists it, not
 * as an error) and `duplicates`, `link` and `unlink` settle it.
 */
static void
test_review_demo_data (void)
{
	Fx fx = { 0 };
	g_autoptr (JsonObject) r = NULL;
	g_autoptr (JsonObject) dups = NULL;
	JsonArray *groups, *review;
	JsonObject *pair = NULL;
	g_autofree gchar *crm_id = NULL;
	g_autofree gchar *outlook_id = NULL;

	fx_start_full (&fx, NULL, "12", "[task]\ndirection=none\n[event]\ndirection=none\n");
	g_assert_cmpint (outlook_contacts (&fx), ==, 12);
	g_assert_cmpint (crm_contacts (&fx), ==, 12);
	r = cli (&fx, "sync", NULL);
	assert_nothing_written (&fx, r);
	g_assert_cmpstr (json_object_get_string_member (r, "status"), ==, "ok");
	review = json_object_get_array_member (r, "review");
	g_assert_cmpuint (json_array_get_length (review), ==, 12);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "skipped")), ==,
			  0);
	g_assert_cmpint (outlook_contacts (&fx), ==, 12);
	g_assert_cmpint (crm_contacts (&fx), ==, 12);

	/* held pairs stay held: never created on a later run, nor on Sync all */
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "sync", NULL);
	assert_nothing_written (&fx, r);
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "sync", "--all", NULL);
	assert_nothing_written (&fx, r);
	g_assert_cmpint (outlook_contacts (&fx), ==, 12);

	dups = cli (&fx, "duplicates", NULL);
	g_assert_cmpint (fx.status, ==, 0);
	groups = json_object_get_array_member (dups, "groups");
	g_assert_cmpuint (json_array_get_length (groups), >=, 12);
	for (guint i = 0; i < json_array_get_length (groups); i++) {
		JsonObject *g = json_array_get_object_element (groups, i);
		g_assert_cmpstr (json_object_get_string_member (g, "kind"), ==, "contact");
		g_assert_nonnull (json_object_get_string_member (g, "reason"));
		if (g_strcmp0 (group_id (g, "crm"), "3") == 0)
			pair = g;
	}
	/* OroCRM contact 3 is a Sales Manager; Outlook says "Indkøber" */
	g_assert_nonnull (pair);
	g_assert_nonnull (group_id (pair, "outlook"));
	crm_id = g_strdup (group_id (pair, "crm"));
	outlook_id = g_strdup (group_id (pair, "outlook"));
	g_assert_cmpint (db_count (fx.graph_db, "SELECT count(*) FROM items WHERE kind = 'contact' "
						"AND deleted = 0 AND json LIKE '%Sales Manager%'"),
			 ==, 0);

	/* link: the next plain sync merges the pair by crm-wins, on both sides */
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "link", "--kind", "contact", "--crm", crm_id, "--outlook", outlook_id, NULL);
	g_assert_cmpint (fx.status, ==, 0);
	g_assert_cmpint (linked_contacts (&fx), ==, 1);
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "sync", NULL);
	g_assert_cmpint (fx.status, ==, 0);
	g_assert_cmpint (total (r, "created"), ==, 0);
	g_assert_cmpint (count (r, "updated", "outlook", "contact"), ==, 1);
	g_assert_cmpint (db_count (fx.graph_db, "SELECT count(*) FROM items WHERE kind = 'contact' "
						"AND deleted = 0 AND json LIKE '%Sales Manager%'"),
			 ==, 1);
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "sync", NULL);
	assert_nothing_written (&fx, r);
	g_assert_cmpint (total (r, "updated"), ==, 0);
	g_clear_pointer (&dups, json_object_unref);
	dups = cli (&fx, "duplicates", NULL);
	for (guint i = 0; i < json_array_get_length (json_object_get_array_member (dups, "groups"));
	     i++) {
		JsonObject *g = json_array_get_object_element (
			json_object_get_array_member (dups, "groups"), i);
		g_assert_cmpstr (group_id (g, "crm"), !=, crm_id);
	}

	/* unlink: the pair is parted and both records left alone, even by Sync all */
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "unlink", "--kind", "contact", "--outlook", outlook_id, NULL);
	g_assert_cmpint (fx.status, ==, 0);
	g_assert_cmpint (linked_contacts (&fx), ==, 0);
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "sync", "--all", NULL);
	assert_nothing_written (&fx, r);
	g_assert_cmpint (count (r, "linked", "crm", "contact"), ==, 0);
	g_assert_cmpint (linked_contacts (&fx), ==, 0);
	g_assert_cmpint (outlook_contacts (&fx), ==, 12);
	g_assert_cmpint (crm_contacts (&fx), ==, 12);

	/* wrong ids and kinds: exit 2 with one line */
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "link", "--kind", "contact", "--crm", "99999", "--outlook", outlook_id, NULL);
	g_assert_cmpint (fx.status, ==, 2);
	g_assert_nonnull (strstr (fx.err, "99999"));
	g_assert_null (strchr (fx.err, '\n') != NULL && strchr (fx.err, '\n')[1] != '\0' ? fx.err
											 : NULL);
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "link", "--kind", "people", "--crm", "1", "--outlook", outlook_id, NULL);
	g_assert_cmpint (fx.status, ==, 2);
	g_assert_nonnull (strstr (fx.err, "contact"));
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "unlink", "--kind", "contact", "--crm", "99999", NULL);
	g_assert_cmpint (fx.status, ==, 2);
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "unlink", "--kind", "contact", NULL);
	g_assert_cmpint (fx.status, ==, 2);
	fx_stop (&fx);
}

/* match=strict: the guides' rule, the key alone; and a wrong match= value
 * names the allowed ones */
static void
test_match_strict (void)
{
	Fx fx = { 0 };
	g_autoptr (JsonObject) r = NULL;

	fx_start_full (&fx, NULL, "12", "[task]\ndirection=none\n[event]\ndirection=none\n");
	fx.extra = g_strdup ("match=loose\n");
	write_profile (&fx, "state.db");
	r = cli (&fx, "sync", NULL);
	g_assert_cmpint (fx.status, ==, 2);
	g_assert_nonnull (strstr (fx.err, "review"));
	g_assert_nonnull (strstr (fx.err, "strict"));
	g_free (fx.extra);
	fx.extra = g_strdup ("match=strict\n");
	write_profile (&fx, "state.db");
	g_clear_pointer (&r, json_object_unref);
	r = cli (&fx, "sync", NULL);
	g_assert_cmpint (fx.status, ==, 0);
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "review")), ==,
			  0);
	/* the ten people OroCRM gives this user reach Outlook a second time */
	g_assert_cmpint (count (r, "created", "outlook", "contact"), ==, 10);
	fx_stop (&fx);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/horizons/all-creates-nothing", test_all_creates_nothing);
	g_test_add_func ("/horizons/lost-state-links-all", test_lost_state_links_all);
	g_test_add_func ("/horizons/owned-by-other", test_owned_by_other);
	g_test_add_func ("/horizons/find-takes-only-twins", test_find_takes_only_twins);
	g_test_add_func ("/review/demo-data", test_review_demo_data);
	g_test_add_func ("/review/match-strict", test_match_strict);
	return g_test_run ();
}
