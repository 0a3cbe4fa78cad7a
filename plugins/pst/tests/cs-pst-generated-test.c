/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reader against a PST built at test time by make-test-pst.py, holding
 * what the shared real files do not (issue 17): special-folder entry ids
 * copied from another store, a contact photo, categories on every kind, a
 * store that names neither Sent Items nor the Outbox (the IPM subtree does,
 * the Outbox in Exchange form), unsent mail in the Outbox and in Drafts.
 * Everything goes through `crmsync-cli pst-list --json`, as a user sees it.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "cs-profile.h"
#include "cs-pst-test-common.h"

static gchar *tmpdir;
static gchar *pst_path;

static JsonNode *
pst_list (const gchar *reader, gint *exit_status)
{
	const gchar *cli = g_getenv ("CRMSYNC_CLI");
	const gchar *argv[] = { cli, "pst-list", "--json", pst_path, NULL };
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_auto (GStrv) envp = g_get_environ ();
	gint status = 0;

	g_assert_nonnull (cli);
	if (reader != NULL)
		envp = g_environ_setenv (envp, "CRMSYNC_PST_READER", reader, TRUE);
	g_assert_true (g_spawn_sync (NULL, (gchar **)argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out,
				     &err, &status, &error));
	g_assert_no_error (error);
	g_assert_true (WIFEXITED (status));
	*exit_status = WEXITSTATUS (status);
	if (*exit_status != 0)
		g_test_message ("pst-list: %s", err);
	g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
	g_assert_no_error (error);
	return json_node_ref (json_parser_get_root (parser));
}

/* the listed item of @kind whose @field is @value, or NULL */
static JsonObject *
find (JsonNode *root, const gchar *kind, const gchar *field, const gchar *value)
{
	JsonArray *items = json_object_get_array_member (json_node_get_object (root), "items");
	for (guint i = 0; i < json_array_get_length (items); i++) {
		JsonObject *it = json_array_get_object_element (items, i);
		JsonObject *fields = json_object_get_object_member (it, "fields");
		if (g_strcmp0 (json_object_get_string_member (it, "kind"), kind) == 0
		    && g_strcmp0 (json_object_get_string_member_with_default (fields, field, NULL),
				  value)
			       == 0)
			return it;
	}
	return NULL;
}

static const gchar *
field (JsonObject *item, const gchar *name)
{
	return json_object_get_string_member_with_default (
		json_object_get_object_member (item, "fields"), name, NULL);
}

static gchar *
categories (JsonObject *item)
{
	JsonObject *fields = json_object_get_object_member (item, "fields");
	JsonArray *list;
	GString *s = g_string_new (NULL);

	if (!json_object_has_member (fields, "categories"))
		return g_string_free (s, FALSE);
	list = json_object_get_array_member (fields, "categories");
	for (guint i = 0; i < json_array_get_length (list); i++)
		g_string_append_printf (s, "%s%s", i > 0 ? "," : "",
					json_array_get_string_element (list, i));
	return g_string_free (s, FALSE);
}

/* 1: an entry id counts only when its store is this file's: Tasks was
 * excluded as "junk e-mail" and Feeds taken for Drafts through ids copied
 * from another store; this store's own Conflicts entry still counts */
static void
test_foreign_entry_ids (void)
{
	gint status;
	g_autoptr (JsonNode) root = pst_list (NULL, &status);
	JsonObject *task = find (root, "task", "subject", "Call Ada");
	JsonObject *feed = find (root, "email", "subject", "Feed digest");

	g_assert_cmpint (status, ==, 0);
	g_assert_nonnull (task);
	g_assert_cmpstr (json_object_get_string_member (task, "folder"), ==, "Tasks");
	g_assert_nonnull (feed);
	g_assert_cmpstr (json_object_get_string_member (feed, "folder"), ==, "Feeds");
	g_assert_null (find (root, "email", "subject", "Conflict copy"));
	g_assert_null (find (root, "email", "subject", "Old news"));
}

/* 2: the photo attachment's name and times are the attachment's, not the
 * contact's */
static void
test_contact_photo (void)
{
	gint status;
	g_autoptr (JsonNode) root = pst_list (NULL, &status);
	JsonObject *ada = find (root, "contact", "surname", "Lovelace");

	g_assert_nonnull (ada);
	g_assert_cmpstr (field (ada, "displayName"), ==, "Ada Lovelace");
	g_assert_cmpstr (field (ada, "givenName"), ==, "Ada");
	g_assert_null (find (root, "contact", "displayName", "ContactPicture.jpg"));
}

/* the same class: the photo's times are not the contact's. The record's
 * modification time (what the engine compares) is the contact's
 * PR_LAST_MODIFICATION_TIME, 2024-12-30T02:40:01Z, not the photo's */
static void
test_contact_photo_times (void)
{
	g_autoptr (CsProvider) provider = cs_pst_test_provider (pst_path, NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (CsReadSink) sink = NULL;
	CsRecord *ada;

	g_assert_true (cs_provider_open (provider, NULL, &error));
	g_assert_no_error (error);
	sink = cs_pst_test_read (provider, CS_KIND_CONTACT, &error);
	g_assert_no_error (error);
	ada = cs_pst_test_find (sink, "surname", "Lovelace");
	g_assert_nonnull (ada);
	g_assert_cmpint (cs_record_get_modified (ada), ==, G_GINT64_CONSTANT (1735526401000000));
}

/* 3: categories on every kind */
static void
test_categories (void)
{
	gint status;
	g_autoptr (JsonNode) root = pst_list (NULL, &status);
	struct {
		const gchar *kind, *field, *value, *want;
	} cases[] = {
		{ "email", "subject", "Hello inbound", "Green category,webCRM" },
		{ "task", "subject", "Call Ada", "webCRM" },
		{ "event", "subject", "Fair", "Yellow category" },
		{ "contact", "surname", "Lovelace", "webCRM,VIP" },
		{ "email", "subject", "Sent offer", "" },
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		JsonObject *it = find (root, cases[i].kind, cases[i].field, cases[i].value);
		g_autofree gchar *have = NULL;
		g_assert_nonnull (it);
		have = categories (it);
		g_test_message ("%s %s: [%s]", cases[i].kind, cases[i].value, have);
		g_assert_cmpstr (have, ==, cases[i].want);
	}
}

/* a list field of an item, joined with commas ("" when absent) */
static gchar *
list_field (JsonObject *item, const gchar *name)
{
	JsonObject *fields = json_object_get_object_member (item, "fields");
	JsonArray *list = json_object_has_member (fields, name)
				  ? json_object_get_array_member (fields, name)
				  : NULL;
	GString *s = g_string_new (NULL);
	for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
		g_string_append_printf (s, "%s%s", i > 0 ? "," : "",
					json_array_get_string_element (list, i));
	return g_string_free (s, FALSE);
}

/* issue 17: what ties an Outlook-made item to a CRM record: a task's
 * companies and contacts (PidLidCompanies, PidLidContacts), a meeting's
 * attendees (its recipients, the organizer's own row left out) */
static void
test_crm_link_fields (void)
{
	gint status;
	g_autoptr (JsonNode) root = pst_list (NULL, &status);
	JsonObject *task = find (root, "task", "subject", "Call Ada");
	JsonObject *fair = find (root, "event", "subject", "Fair");
	g_autofree gchar *companies = NULL;
	g_autofree gchar *contacts = NULL;
	g_autofree gchar *attendees = NULL;

	g_assert_cmpint (status, ==, 0);
	g_assert_nonnull (task);
	g_assert_nonnull (fair);
	companies = list_field (task, "companies");
	contacts = list_field (task, "contacts");
	attendees = list_field (fair, "attendees");
	g_assert_cmpstr (companies, ==, "Analytical Engines");
	g_assert_cmpstr (contacts, ==, "Ada Lovelace");
	g_assert_cmpstr (attendees, ==, "mette@nordlys.dk,bo@andetsteds.dk");
}

/* 4: Sent Items and the Outbox named by the IPM subtree (the Outbox in
 * Exchange form), and unsent mail (Outbox, Drafts) never listed */
static void
test_sent_and_outbox (void)
{
	gint status;
	g_autoptr (JsonNode) root = pst_list (NULL, &status);
	JsonObject *sent = find (root, "email", "subject", "Sent offer");
	JsonObject *in = find (root, "email", "subject", "Hello inbound");

	g_assert_nonnull (sent);
	g_assert_cmpstr (field (sent, "direction"), ==, "outbound");
	g_assert_nonnull (in);
	g_assert_cmpstr (field (in, "direction"), ==, "inbound");
	g_assert_null (find (root, "email", "subject", "Waiting to go"));
	g_assert_null (find (root, "email", "subject", "Unfinished"));
	/* flagged unsent by an importer, but received: the user's mail */
	g_assert_nonnull (find (root, "email", "subject", "Imported"));
}

/* issue 18: one run of the reader per file for pst-list (it was three) */
static void
test_one_reader_run (void)
{
	g_autofree gchar *log = g_build_filename (tmpdir, "runs.log", NULL);
	g_autofree gchar *wrapper = g_build_filename (tmpdir, "reader.sh", NULL);
	g_autofree gchar *script
		= g_strdup_printf ("#!/bin/sh\necho run >> '%s'\nexec '%s' \"$@\"\n", log,
				   g_getenv ("CRMSYNC_PST_READER"));
	g_autofree gchar *runs = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonNode) root = NULL;
	gint status;

	g_assert_true (g_file_set_contents (wrapper, script, -1, &error));
	g_assert_no_error (error);
	g_chmod (wrapper, 0755);
	root = pst_list (wrapper, &status);
	g_assert_cmpint (status, ==, 0);
	g_assert_nonnull (find (root, "contact", "surname", "Lovelace"));
	g_assert_nonnull (find (root, "email", "subject", "Hello inbound"));
	g_assert_true (g_file_get_contents (log, &runs, NULL, &error));
	g_assert_cmpstr (runs, ==, "run\n");
}

static gchar *
read_text (const gchar *path)
{
	gchar *text = NULL;
	g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
	return text;
}

static gint
cmp_strings (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the subjects of the e-mails the folder side holds, sorted, joined by "," */
static gchar *
folder_subjects (const gchar *dir)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	g_autoptr (GPtrArray) subjects = g_ptr_array_new_with_free_func (g_free);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *path = g_build_filename (dir, name, NULL);
		g_autofree gchar *text = read_text (path);
		g_autoptr (JsonParser) parser = json_parser_new ();
		JsonObject *o;
		g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
		o = json_node_get_object (json_parser_get_root (parser));
		if (json_object_has_member (o, "fields"))
			o = json_object_get_object_member (o, "fields");
		g_ptr_array_add (subjects, g_strdup (json_object_get_string_member_with_default (
						   o, "subject", "?")));
	}
	g_ptr_array_sort (subjects, cmp_strings);
	g_ptr_array_add (subjects, NULL);
	return g_strjoinv (",", (gchar **)subjects->pdata);
}

/* issue 17, the "tick": `[email] select=category:NAME` archives the ticked
 * e-mails only (Outlook compares category names without case), since=
 * leaves older ones out; select=all takes every e-mail */
static void
sync_emails (const gchar *select, gchar **subjects, gint *created)
{
	g_autofree gchar *dir = g_dir_make_tmp ("cs-pst-select-XXXXXX", NULL);
	g_autofree gchar *profile = g_build_filename (dir, "p.ini", NULL);
	g_autofree gchar *crm = g_build_filename (dir, "crm", NULL);
	g_autofree gchar *emails = g_build_filename (crm, "email", NULL);
	g_autofree gchar *text = g_strdup_printf (
		"[profile]\nname=select\ncrm=folder\noutlook=pst\nstate=%s/state.db\n"
		"[crm]\npath=%s\n[outlook]\npath=%s\n"
		"[contact]\ndirection=none\n[task]\ndirection=none\n[event]\ndirection=none\n"
		"[email]\ndirection=outlook-to-crm\nselect=%s\nsince=2024-01-01\n",
		dir, crm, pst_path, select);
	const gchar *argv[]
		= { g_getenv ("CRMSYNC_CLI"), "sync", "--profile", profile, "--json", NULL };
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr (JsonParser) parser = json_parser_new ();
	g_autoptr (GError) error = NULL;
	gint status = 0;
	JsonObject *c;

	g_assert_true (g_file_set_contents (profile, text, -1, &error));
	g_assert_true (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
				     &err, &status, &error));
	g_assert_no_error (error);
	g_test_message ("sync: %s %s", out, err);
	g_assert_true (WIFEXITED (status));
	g_assert_cmpint (WEXITSTATUS (status), ==, 0);
	g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
	c = json_object_get_object_member (
		json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
					       "created"),
		"crm");
	*created = (gint)json_object_get_int_member_with_default (c, "email", 0);
	*subjects = folder_subjects (emails);
	{
		g_autofree gchar *rm = g_strdup_printf ("rm -rf '%s'", dir);
		g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
	}
}

static void
test_select_category (void)
{
	g_autofree gchar *subjects = NULL;
	gint created = 0;

	sync_emails ("category:WEBCRM", &subjects, &created);
	g_assert_cmpint (created, ==, 1);
	g_assert_cmpstr (subjects, ==, "Hello inbound");
}

static void
test_select_all (void)
{
	g_autofree gchar *subjects = NULL;
	gint created = 0;

	sync_emails ("all", &subjects, &created);
	g_assert_cmpint (created, ==, 4);
	g_assert_cmpstr (subjects, ==, "Feed digest,Hello inbound,Imported,Sent offer");
}

/* the presets: webCRM archives the ticked e-mails (category webCRM), Oro all;
 * a value that is neither is refused with the allowed forms */
static void
test_select_presets (void)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GError) error = NULL;
	g_autoptr (CsProfile) bad = NULL;
	g_autofree gchar *webcrm = NULL;
	g_autofree gchar *b2c = NULL;
	g_autofree gchar *oro = NULL;
	g_autofree gchar *own = NULL;
	g_autofree gchar *contact = NULL;

	g_key_file_set_string (kf, "profile", "preset", "webcrm-b2b");
	webcrm = cs_profile_keyfile_get_select (kf, CS_KIND_EMAIL);
	contact = cs_profile_keyfile_get_select (kf, CS_KIND_CONTACT);
	g_key_file_set_string (kf, "profile", "preset", "webcrm-b2c");
	b2c = cs_profile_keyfile_get_select (kf, CS_KIND_EMAIL);
	g_key_file_set_string (kf, "profile", "preset", "orocrm");
	oro = cs_profile_keyfile_get_select (kf, CS_KIND_EMAIL);
	g_key_file_set_string (kf, "email", "select", "category:Kunden");
	own = cs_profile_keyfile_get_select (kf, CS_KIND_EMAIL);
	g_assert_cmpstr (webcrm, ==, "webCRM");
	g_assert_cmpstr (b2c, ==, "webCRM");
	g_assert_null (contact);
	g_assert_null (oro);
	g_assert_cmpstr (own, ==, "Kunden");

	bad = cs_profile_new_from_data ("[profile]\nname=x\ncrm=folder\noutlook=pst\n"
					"[email]\nselect=ticked\n",
					"/tmp/x.ini", &error);
	g_assert_null (bad);
	g_assert_nonnull (error);
	g_test_message ("%s", error->message);
	g_assert_nonnull (strstr (error->message, "category:"));
}

int
main (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autofree gchar *out = NULL;
	const gchar *python = g_getenv ("PYTHON");
	const gchar *maker = g_getenv ("MAKE_TEST_PST");
	gint status = 0;
	int rc;

	g_test_init (&argc, &argv, NULL);
	g_assert_nonnull (python);
	g_assert_nonnull (maker);
	tmpdir = g_dir_make_tmp ("cs-pst-gen-XXXXXX", &error);
	g_assert_no_error (error);
	pst_path = g_build_filename (tmpdir, "made.pst", NULL);
	{
		const gchar *gen[] = { python, maker, pst_path, NULL };
		g_assert_true (g_spawn_sync (NULL, (gchar **)gen, NULL, G_SPAWN_SEARCH_PATH, NULL,
					     NULL, NULL, &out, &status, &error));
		g_assert_no_error (error);
		if (!g_spawn_check_wait_status (status, NULL))
			g_error ("make-test-pst.py failed: %s", out);
	}
	g_test_add_func ("/pst/generated/foreign-entry-ids", test_foreign_entry_ids);
	g_test_add_func ("/pst/generated/contact-photo", test_contact_photo);
	g_test_add_func ("/pst/generated/contact-photo-times", test_contact_photo_times);
	g_test_add_func ("/pst/generated/categories", test_categories);
	g_test_add_func ("/pst/generated/crm-link-fields", test_crm_link_fields);
	g_test_add_func ("/pst/generated/sent-and-outbox", test_sent_and_outbox);
	g_test_add_func ("/pst/generated/one-reader-run", test_one_reader_run);
	g_test_add_func ("/pst/generated/select-category", test_select_category);
	g_test_add_func ("/pst/generated/select-all", test_select_all);
	g_test_add_func ("/pst/generated/select-presets", test_select_presets);
	rc = g_test_run ();
	g_unlink (pst_path);
	{
		g_autofree gchar *log = g_build_filename (tmpdir, "runs.log", NULL);
		g_autofree gchar *wrapper = g_build_filename (tmpdir, "reader.sh", NULL);
		g_unlink (log);
		g_unlink (wrapper);
	}
	g_rmdir (tmpdir);
	g_free (pst_path);
	g_free (tmpdir);
	return rc;
}
