/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * End to end through `crmsync-cli sync`: a real PST as the Outlook side, the
 * folder plugin as the CRM side. The first run copies the PST's records, the
 * second finds nothing to do; a CRM-side edit that would need a PST write is
 * reported, not lost.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "cs-pst-test-common.h"

typedef struct {
	gchar *tmp;
	gchar *profile;
	gchar *crm_dir;
} Fixture;

static gchar *data_dir;

static void
fixture_setup (Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	fx->tmp = g_dir_make_tmp ("cs-pst-e2e-XXXXXX", &error);
	g_assert_no_error (error);
	fx->profile = g_build_filename (fx->tmp, "profile.ini", NULL);
	fx->crm_dir = g_build_filename (fx->tmp, "crm", NULL);
}

static void
remove_tree (const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
	const gchar *name;
	while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
		g_autofree gchar *p = g_build_filename (path, name, NULL);
		if (g_file_test (p, G_FILE_TEST_IS_DIR))
			remove_tree (p);
		else
			g_unlink (p);
	}
	g_rmdir (path);
}

static void
fixture_teardown (Fixture *fx, gconstpointer user_data)
{
	remove_tree (fx->tmp);
	g_free (fx->tmp);
	g_free (fx->profile);
	g_free (fx->crm_dir);
}

static void
write_profile (Fixture *fx, const gchar *pst, const gchar *direction, const gchar *head,
	       const gchar *crm_extra)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *state = g_build_filename (fx->tmp, "state.db", NULL);
	g_autofree gchar *text = g_strdup_printf ("[profile]\nname=e2e\ncrm=folder\noutlook=pst\n"
						  "state=%s\n%s"
						  "[crm]\npath=%s\n%s"
						  "[outlook]\npath=%s\n"
						  "[contact]\ndirection=%s\n"
						  "[task]\ndirection=%s\n"
						  "[event]\ndirection=%s\n"
						  "[email]\ndirection=none\n",
						  state, head, fx->crm_dir, crm_extra, pst,
						  direction, direction, direction);
	g_assert_true (g_file_set_contents (fx->profile, text, -1, &error));
	g_assert_no_error (error);
}

/* runs a sync; returns the exit status and the parsed --json report */
static gint
sync_run (Fixture *fx, JsonObject **report)
{
	const gchar *cli = g_getenv ("CRMSYNC_CLI");
	const gchar *argv[] = {cli, "sync", "--profile", fx->profile, "--json", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();
	gint status = 0;

	g_assert_nonnull (cli);
	g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
				     &out, &err, &status, &error));
	g_assert_no_error (error);
	g_test_message ("sync: %s%s", out, err);
	g_assert_true (WIFEXITED (status));
	g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
	g_assert_no_error (error);
	*report = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
	return WEXITSTATUS (status);
}

static gint64
count (JsonObject *report, const gchar *what, const gchar *side, const gchar *kind)
{
	JsonObject *o = json_object_get_object_member (report, what);
	o = o != NULL ? json_object_get_object_member (o, side) : NULL;
	return o != NULL ? json_object_get_int_member_with_default (o, kind, 0) : 0;
}

static guint
total (JsonObject *report, const gchar *what)
{
	JsonObject *o = json_object_get_object_member (report, what);
	guint n = 0;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		JsonObject *side = json_object_get_object_member (o, cs_side_to_string (s));
		g_autoptr(GList) kinds = side != NULL ? json_object_get_members (side) : NULL;
		for (GList *l = kinds; l != NULL; l = l->next)
			n += (guint) json_object_get_int_member (side, l->data);
	}
	return n;
}

static guint
files_in (const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
	guint n = 0;
	while (d != NULL && g_dir_read_name (d) != NULL)
		n++;
	return n;
}

static void
test_outlook_to_folder (Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *pst = NULL;
	g_autofree gchar *contacts = NULL;
	g_autoptr(JsonObject) first = NULL;
	g_autoptr(JsonObject) second = NULL;

	g_free (data_dir);
	if ((data_dir = cs_pst_test_data_dir ()) == NULL)
		return;
	pst = g_build_filename (data_dir, "Aspose.Email-for-.NET/Chunks/Test_part1.pst", NULL);
	write_profile (fx, pst, "outlook-to-crm", "", "");

	g_assert_cmpint (sync_run (fx, &first), ==, 0);
	g_assert_cmpint (count (first, "created", "crm", "contact"), ==, 21);
	g_assert_cmpint (count (first, "created", "crm", "event"), ==, 9);
	g_assert_cmpint (count (first, "created", "crm", "task"), ==, 0);
	contacts = g_build_filename (fx->crm_dir, "contact", NULL);
	g_assert_cmpuint (files_in (contacts), ==, 21);

	/* nothing changed: nothing to do */
	g_assert_cmpint (sync_run (fx, &second), ==, 0);
	g_assert_cmpstr (json_object_get_string_member (second, "status"), ==, "ok");
	g_assert_cmpuint (total (second, "created"), ==, 0);
	g_assert_cmpuint (total (second, "updated"), ==, 0);
	g_assert_cmpuint (total (second, "deleted"), ==, 0);
	g_assert_cmpuint (files_in (contacts), ==, 21);
}

/* folders= reads some folders: records linked from a folder that is no longer
 * read (the user changed folders=, or moved the items to another folder of
 * the file) are still in the file and must not be deleted from the CRM */
static void
test_folders_narrowed (Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *pst = NULL;
	g_autofree gchar *only_contacts = NULL;
	g_autofree gchar *only_calendar = NULL;
	g_autofree gchar *contacts = NULL;
	g_autoptr(JsonObject) first = NULL;
	g_autoptr(JsonObject) second = NULL;
	g_autoptr(JsonObject) third = NULL;

	g_free (data_dir);
	if ((data_dir = cs_pst_test_data_dir ()) == NULL)
		return;
	pst = g_build_filename (data_dir, "Aspose.Email-for-.NET/Chunks/Test_part1.pst", NULL);
	only_contacts = g_strconcat (pst, "\nfolders=Contacts", NULL);
	only_calendar = g_strconcat (pst, "\nfolders=Calendar", NULL);
	write_profile (fx, only_contacts, "outlook-to-crm", "", "");
	g_assert_cmpint (sync_run (fx, &first), ==, 0);
	g_assert_cmpint (count (first, "created", "crm", "contact"), ==, 21);
	g_assert_cmpint (count (first, "created", "crm", "event"), ==, 0);
	contacts = g_build_filename (fx->crm_dir, "contact", NULL);
	g_assert_cmpuint (files_in (contacts), ==, 21);

	/* the Contacts folder is no longer read: its 21 people are still in the
	 * file, so nothing is deleted (before: 21 deletions planned) */
	write_profile (fx, only_calendar, "outlook-to-crm", "", "");
	g_assert_cmpint (sync_run (fx, &second), ==, 0);
	g_assert_cmpuint (total (second, "deleted"), ==, 0);
	g_assert_cmpint (count (second, "created", "crm", "event"), ==, 9);
	g_assert_cmpuint (files_in (contacts), ==, 21);

	/* and the run after that: still nothing to do for them */
	g_assert_cmpint (sync_run (fx, &third), ==, 0);
	g_assert_cmpuint (total (third, "deleted"), ==, 0);
	g_assert_cmpuint (total (third, "created"), ==, 0);
	g_assert_cmpuint (files_in (contacts), ==, 21);
}

/* both ways: a CRM-side edit would need a PST write; the run says so */
static void
test_read_only_reported (Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *pst = NULL;
	g_autofree gchar *contacts = NULL;
	g_autoptr(JsonObject) first = NULL;
	g_autoptr(JsonObject) second = NULL;
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *name;
	gboolean edited = FALSE;
	JsonArray *skipped;

	g_free (data_dir);
	if ((data_dir = cs_pst_test_data_dir ()) == NULL)
		return;
	pst = g_build_filename (data_dir, "PstReader/hughbe_Outlook.pst", NULL);
	write_profile (fx, pst, "both", "", "");
	g_assert_cmpint (sync_run (fx, &first), ==, 0);
	g_assert_cmpint (count (first, "created", "crm", "task"), ==, 1);

	contacts = g_build_filename (fx->crm_dir, "contact", NULL);
	dir = g_dir_open (contacts, 0, &error);
	g_assert_no_error (error);
	while ((name = g_dir_read_name (dir)) != NULL && !edited) {
		g_autofree gchar *path = g_build_filename (contacts, name, NULL);
		g_autofree gchar *text = NULL;
		g_autoptr(JsonParser) parser = json_parser_new ();
		g_autoptr(JsonGenerator) gen = json_generator_new ();
		g_autofree gchar *out = NULL;
		JsonObject *o;

		g_assert_true (g_file_get_contents (path, &text, NULL, &error));
		g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
		o = json_node_get_object (json_parser_get_root (parser));
		g_assert_cmpstr (json_object_get_string_member (o, "surname"), ==, "Member");
		json_object_set_string_member (o, "jobTitle", "Buyer");
		json_generator_set_root (gen, json_parser_get_root (parser));
		out = json_generator_to_data (gen, NULL);
		g_assert_true (g_file_set_contents (path, out, -1, &error));
		edited = TRUE;
	}
	g_assert_true (edited);

	/* a PST cannot be written by design: the edit is counted in "excluded" with
	 * the reason, not a skip the user must act on, and the run is not partial */
	g_assert_cmpint (sync_run (fx, &second), ==, 0);
	g_assert_cmpstr (json_object_get_string_member (second, "status"), ==, "ok");
	g_assert_cmpuint (json_array_get_length (json_object_get_array_member (second, "skipped")), ==, 0);
	skipped = json_object_get_array_member (second, "excluded");
	g_assert_cmpuint (json_array_get_length (skipped), ==, 1);
	g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (skipped, 0),
							"kind"),
			 ==, "contact");
	g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (skipped, 0), "count"), ==, 1);
	g_assert_nonnull (strstr (json_object_get_string_member (
				      json_array_get_object_element (skipped, 0), "reason"),
				  "read-only"));
}

/* the OroCRM preset and schema come with the orocrm plugin; until they are
 * compiled in, this says so and skips */
static void
test_orocrm_preset (Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GBytes) preset =
	    g_resources_lookup_data ("/org/crmsync/profiles/orocrm.ini", 0, NULL);
	g_autoptr(GBytes) schema =
	    g_resources_lookup_data ("/org/crmsync/schemas/orocrm.json", 0, NULL);
	g_autofree gchar *pst = NULL;
	g_autoptr(JsonObject) first = NULL;
	g_autoptr(JsonObject) second = NULL;
	JsonArray *skipped;
	guint n_skipped = 0;
	gint rc;

	if (preset == NULL || schema == NULL) {
		g_test_skip ("the orocrm preset/schema are not in the engine's resources yet");
		return;
	}
	g_free (data_dir);
	if ((data_dir = cs_pst_test_data_dir ()) == NULL)
		return;
	pst = g_build_filename (data_dir, "Aspose.Email-for-.NET/Chunks/Test_part1.pst", NULL);
	write_profile (fx, pst, "outlook-to-crm", "preset=orocrm\n", "schema=orocrm\n");
	rc = sync_run (fx, &first);
	g_assert_true (rc == 0 || rc == 1);
	/* every contact of the file reaches the CRM or is listed with its reason
	 * (Oro needs a name, an e-mail or a phone; some of these have only a
	 * company and a display name) */
	skipped = json_object_get_array_member (first, "skipped");
	for (guint i = 0; i < json_array_get_length (skipped); i++) {
		JsonObject *sk = json_array_get_object_element (skipped, i);
		if (g_strcmp0 (json_object_get_string_member (sk, "kind"), "contact") == 0)
			n_skipped++;
		g_assert_cmpstr (json_object_get_string_member (sk, "reason"), !=, "");
	}
	g_assert_cmpint (count (first, "created", "crm", "contact"), >, 0);
	g_assert_cmpint (count (first, "created", "crm", "contact") + n_skipped, ==, 21);
	g_assert_cmpint (count (first, "created", "crm", "event"), ==, 9);
	rc = sync_run (fx, &second);
	g_assert_true (rc == 0 || rc == 1);
	g_assert_cmpuint (total (second, "created"), ==, 0);
	g_assert_cmpuint (total (second, "updated"), ==, 0);
	g_assert_cmpuint (total (second, "deleted"), ==, 0);
}

static gint
run_cli (const gchar *const *argv, gchar **out, gchar **err)
{
	g_autoptr(GError) error = NULL;
	gint status = 0;
	g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out,
				     err, &status, &error));
	g_assert_no_error (error);
	g_assert_true (WIFEXITED (status));
	return WEXITSTATUS (status);
}

/* `crmsync-cli pst-list` on files that cannot be read: exit 2, one line
 * naming the file and saying why */
static void
test_cli_unreadable (void)
{
	const gchar *files[] = {
	    "Aspose.Email-for-.NET/AddingBulkMessagesWithImprovedPerformance.pst",
	    "pstreader-jmcleodfoss/truncated-in-header.bin",
	};
	const gchar *why[] = {"damaged", "truncated"};

	g_free (data_dir);
	if ((data_dir = cs_pst_test_data_dir ()) == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
		g_autofree gchar *path = g_build_filename (data_dir, files[i], NULL);
		const gchar *argv[] = {g_getenv ("CRMSYNC_CLI"), "pst-list", path, NULL};
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;

		g_assert_cmpint (run_cli (argv, &out, &err), ==, 2);
		g_strchomp (err);
		g_test_message ("%s", err);
		g_assert_nonnull (strstr (err, path));
		g_assert_nonnull (strstr (err, why[i]));
		g_assert_null (strchr (err, '\n'));
	}
}

/* the DESIGN.md shape: {"file", "format", "items": [{"kind", "id", "folder", "fields"}]} */
static void
test_cli_list (void)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autoptr(GError) error = NULL;
	JsonObject *o;
	JsonArray *items;
	guint tasks = 0;

	g_free (data_dir);
	if ((data_dir = cs_pst_test_data_dir ()) == NULL)
		return;
	path = g_build_filename (data_dir, "go-pst/32-bit.pst", NULL);
	{
		const gchar *argv[] = {g_getenv ("CRMSYNC_CLI"), "pst-list", path, "--json", NULL};
		g_assert_cmpint (run_cli (argv, &out, &err), ==, 0);
	}
	g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
	o = json_node_get_object (json_parser_get_root (parser));
	g_assert_cmpstr (json_object_get_string_member (o, "format"), ==, "ANSI");
	items = json_object_get_array_member (o, "items");
	g_assert_cmpuint (json_array_get_length (items), ==, 1);
	o = json_array_get_object_element (items, 0);
	g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "event");
	g_assert_cmpstr (json_object_get_string_member (o, "folder"), ==, "Calendar");
	g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "fields"),
							"start"),
			 ==, "2004-08-19T18:30:00Z");

	/* --kind */
	g_clear_pointer (&out, g_free);
	g_clear_pointer (&err, g_free);
	g_free (path);
	path = g_build_filename (data_dir, "PstReader/hughbe_Outlook.pst", NULL);
	{
		const gchar *argv[] = {g_getenv ("CRMSYNC_CLI"), "pst-list", path, "--kind", "task",
				       "--json", NULL};
		g_assert_cmpint (run_cli (argv, &out, &err), ==, 0);
	}
	g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
	items = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
					      "items");
	for (guint i = 0; i < json_array_get_length (items); i++) {
		JsonObject *item = json_array_get_object_element (items, i);
		if (g_strcmp0 (json_object_get_string_member (item, "kind"), "task") == 0)
			tasks++;
	}
	g_assert_cmpuint (tasks, ==, 1);
	g_assert_cmpuint (json_array_get_length (items), ==, 1);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add ("/pst/e2e/outlook-to-folder", Fixture, NULL, fixture_setup,
		    test_outlook_to_folder, fixture_teardown);
	g_test_add ("/pst/e2e/folders-narrowed", Fixture, NULL, fixture_setup,
		    test_folders_narrowed, fixture_teardown);
	g_test_add ("/pst/e2e/read-only-reported", Fixture, NULL, fixture_setup,
		    test_read_only_reported, fixture_teardown);
	g_test_add ("/pst/e2e/orocrm-preset", Fixture, NULL, fixture_setup, test_orocrm_preset,
		    fixture_teardown);
	g_test_add_func ("/pst/cli/unreadable", test_cli_unreadable);
	g_test_add_func ("/pst/cli/list", test_cli_list);
	return g_test_run ();
}
