/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "cs-mapping.h"
#include "cs-state.h"

static gchar *
tmp_db (void)
{
	g_mkdir_with_parents (g_get_user_data_dir (), 0700);
	return g_build_filename (g_get_user_data_dir (), "state-test.db", NULL);
}

static void
test_links (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = cs_state_open (path, &error);
	g_autoptr(CsLink) l = cs_link_new (CS_KIND_CONTACT);
	g_autoptr(CsLink) got = NULL;
	g_autoptr(CsLink) l2 = NULL;
	g_assert_no_error (error);
	g_assert_cmpint (cs_state_get_schema_version (st), ==, CS_STATE_SCHEMA_VERSION);
	l->crm_id = g_strdup ("c1");
	l->outlook_id = g_strdup ("o1");
	l->snapshot = g_strdup ("{\"a\":\"b\"}");
	g_assert_true (cs_state_put_link (st, l, &error));
	got = cs_state_get_link (st, CS_KIND_CONTACT, CS_SIDE_CRM, "c1", &error);
	g_assert_nonnull (got);
	g_assert_cmpstr (got->outlook_id, ==, "o1");
	g_assert_null (cs_state_get_link (st, CS_KIND_TASK, CS_SIDE_CRM, "c1", &error));
	/* relinking c1 to another Outlook record replaces the old pair */
	l2 = cs_link_new (CS_KIND_CONTACT);
	l2->crm_id = g_strdup ("c1");
	l2->outlook_id = g_strdup ("o2");
	g_assert_true (cs_state_put_link (st, l2, &error));
	g_assert_null (cs_state_get_link (st, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, "o1", &error));
	g_assert_cmpint (cs_state_count_links (st, CS_KIND_CONTACT, CS_SIDE_CRM), ==, 1);
}

static void
test_cursor_journal_runs (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	g_autoptr(GPtrArray) pending = NULL;
	g_autoptr(GPtrArray) runs = NULL;
	g_autofree gchar *cursor = NULL;
	gint64 id, run;
	g_unlink (path);
	st = cs_state_open (path, &error);
	g_assert_no_error (error);
	g_assert_true (cs_state_set_cursor (st, CS_SIDE_CRM, CS_KIND_TASK, "2026-01-01T00:00:00Z", &error));
	cursor = cs_state_get_cursor (st, CS_SIDE_CRM, CS_KIND_TASK);
	g_assert_cmpstr (cursor, ==, "2026-01-01T00:00:00Z");
	id = cs_state_journal_add (st, CS_KIND_TASK, CS_SIDE_OUTLOOK, "c9", "{}", &error);
	g_assert_cmpint (id, >, 0);
	pending = cs_state_journal_pending (st, CS_KIND_TASK, &error);
	g_assert_cmpuint (pending->len, ==, 1);
	g_assert_true (cs_state_journal_remove (st, id, &error));
	run = cs_state_run_begin (st, "sync", &error);
	g_assert_true (cs_state_run_finish (st, run, "ok", "{}", NULL, &error));
	runs = cs_state_get_runs (st, 5, &error);
	g_assert_cmpuint (runs->len, ==, 1);
	g_assert_cmpstr (((CsRunInfo *) runs->pdata[0])->status, ==, "ok");
}

/* the changes of the newest keep-runs runs that changed something stay (what
 * undo needs), the older ones go; runs without changes do not count */
static void
test_prune_changes (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr (GError) error = NULL;
	g_autoptr (CsState) st = NULL;
	gint64 runs[5];

	g_unlink (path);
	st = cs_state_open (path, &error);
	g_assert_no_error (error);
	for (guint i = 0; i < G_N_ELEMENTS (runs); i++) {
		runs[i] = cs_state_run_begin (st, "sync", &error);
		g_assert_no_error (error);
		/* runs 1 and 3 change nothing */
		for (guint c = 0; i != 1 && i != 3 && c < 3; c++)
			g_assert_true (cs_state_add_change (st, runs[i], CS_KIND_CONTACT, "{}",
							    NULL, &error));
	}
	/* more to keep than there are: nothing goes */
	g_assert_true (cs_state_prune_changes (st, 5, &error));
	g_assert_no_error (error);
	for (guint i = 0; i < G_N_ELEMENTS (runs); i++) {
		g_autoptr (GPtrArray) ch = cs_state_get_changes (st, runs[i], &error);
		g_assert_cmpuint (ch->len, ==, i != 1 && i != 3 ? 3 : 0);
	}
	/* two kept: runs 2 and 4; run 0 goes */
	g_assert_true (cs_state_prune_changes (st, 2, &error));
	g_assert_no_error (error);
	for (guint i = 0; i < G_N_ELEMENTS (runs); i++) {
		g_autoptr (GPtrArray) ch = cs_state_get_changes (st, runs[i], &error);
		g_assert_cmpuint (ch->len, ==, i == 2 || i == 4 ? 3 : 0);
	}
	g_assert_true (cs_state_prune_changes (st, 0, &error));
	for (guint i = 0; i < G_N_ELEMENTS (runs); i++) {
		g_autoptr (GPtrArray) ch = cs_state_get_changes (st, runs[i], &error);
		g_assert_cmpuint (ch->len, ==, 0);
	}
}

static void
test_resolve_conflict (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	g_autoptr(CsLink) l = cs_link_new (CS_KIND_CONTACT);
	g_autoptr(CsLink) after = NULL;
	g_autoptr(GHashTable) snap = NULL;
	g_autoptr(GPtrArray) decisions = NULL;
	CsDecision *d;
	CsConflict c = {CS_KIND_CONTACT, (gchar *) "o1", (gchar *) "c1", (gchar *) "jobTitle",
			(gchar *) "\"CTO\"", (gchar *) "\"CFO\"", (gchar *) "\"CEO\"", 0};
	g_unlink (path);
	st = cs_state_open (path, &error);
	l->crm_id = g_strdup ("c1");
	l->outlook_id = g_strdup ("o1");
	l->crm_version = g_strdup ("2");
	l->snapshot = g_strdup ("{\"jobTitle\":\"CEO\"}");
	g_assert_true (cs_state_put_link (st, l, &error));
	g_assert_true (cs_state_add_conflict (st, &c, &error));
	/* the user picks Outlook's value: a decision the next run applies on both
	 * sides, reading both records by id; the link's last agreed values stay */
	g_assert_true (cs_state_resolve_conflict (st, CS_KIND_CONTACT, "o1", "jobTitle", CS_SIDE_OUTLOOK, &error));
	g_assert_no_error (error);
	after = cs_state_get_link (st, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, "o1", &error);
	snap = cs_mapping_values_from_string (after->snapshot);
	g_assert_cmpstr (g_variant_get_string (g_hash_table_lookup (snap, "jobTitle"), NULL), ==, "CEO");
	decisions = cs_state_get_decisions (st, CS_KIND_CONTACT, &error);
	g_assert_cmpuint (decisions->len, ==, 1);
	d = g_ptr_array_index (decisions, 0);
	g_assert_cmpstr (d->outlook_id, ==, "o1");
	g_assert_cmpstr (d->field, ==, "jobTitle");
	g_assert_cmpint (d->winner, ==, CS_SIDE_OUTLOOK);
	g_assert_cmpstr (d->value, ==, "\"CFO\"");
	g_assert_cmpstr (d->side_value[CS_SIDE_CRM], ==, "\"CTO\"");
	g_assert_cmpuint (cs_state_get_conflicts (st, NULL)->len, ==, 0);
}

static void
test_too_new (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	sqlite3 *db;
	g_unlink (path);
	g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
	sqlite3_exec (db, "CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (99)", NULL, NULL, NULL);
	sqlite3_close (db);
	st = cs_state_open (path, &error);
	g_assert_null (st);
	g_assert_error (error, CS_STATE_ERROR, CS_STATE_ERROR_TOO_NEW);
}

static void
test_not_a_database (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	g_assert_true (g_file_set_contents (path, "this is not sqlite, just garbage text that is long enough", -1, NULL));
	st = cs_state_open (path, &error);
	g_assert_null (st);
	g_assert_error (error, CS_STATE_ERROR, CS_STATE_ERROR_CORRUPT);
}

/* a state written by schema 1 (before the overwritten table) opens, keeps
 * its links and runs, and takes the values lost to a conflict strategy */
static void
test_from_schema_1 (void)
{
	g_autofree gchar *path = g_build_filename (g_get_user_data_dir (), "schema-1.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	g_autoptr(CsLink) got = NULL;
	g_autoptr(GPtrArray) lost = NULL;
	CsStateOverwrite o = {7, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, (gchar *) "o1", (gchar *) "Ann Lee",
			      (gchar *) "jobTitle", (gchar *) "\"CTO\"", (gchar *) "\"CFO\""};
	sqlite3 *db = NULL;

	g_mkdir_with_parents (g_get_user_data_dir (), 0700);
	g_unlink (path);
	g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
	/* schema 1 as released */
	g_assert_cmpint (sqlite3_exec (db,
		"PRAGMA journal_mode=WAL;"
		"CREATE TABLE schema_version (version INTEGER NOT NULL);"
		"INSERT INTO schema_version VALUES (1);"
		"CREATE TABLE id_map (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
		" outlook_id TEXT, crm_id TEXT, outlook_version TEXT, crm_version TEXT,"
		" snapshot TEXT, folder TEXT, crm_gone INTEGER NOT NULL DEFAULT 0,"
		" outlook_gone INTEGER NOT NULL DEFAULT 0, synced_at INTEGER NOT NULL DEFAULT 0);"
		"CREATE UNIQUE INDEX id_map_outlook ON id_map(kind, outlook_id);"
		"CREATE UNIQUE INDEX id_map_crm ON id_map(kind, crm_id);"
		"CREATE TABLE cursor (side TEXT NOT NULL, kind TEXT NOT NULL, token TEXT,"
		" PRIMARY KEY(side, kind));"
		"CREATE TABLE journal (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
		" target TEXT NOT NULL, source_id TEXT NOT NULL, vals TEXT, created INTEGER NOT NULL);"
		"CREATE TABLE run (id INTEGER PRIMARY KEY, started INTEGER NOT NULL,"
		" finished INTEGER, trigger_name TEXT, status TEXT, report TEXT, error TEXT);"
		"CREATE TABLE conflict (kind TEXT NOT NULL, outlook_id TEXT NOT NULL,"
		" crm_id TEXT, field TEXT NOT NULL, crm_value TEXT, outlook_value TEXT,"
		" base_value TEXT, detected INTEGER NOT NULL, PRIMARY KEY(kind, outlook_id, field));"
		"CREATE TABLE skip (kind TEXT NOT NULL, side TEXT NOT NULL, rid TEXT,"
		" reason TEXT NOT NULL);"
		"INSERT INTO id_map (kind, outlook_id, crm_id, snapshot) VALUES"
		" ('contact', 'o1', 'c1', '{\"jobTitle\":\"CEO\"}');"
		"INSERT INTO run (id, started, finished, trigger_name, status) VALUES"
		" (7, 1, 2, 'sync', 'ok');",
		NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close (db);

	st = cs_state_open (path, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_state_get_schema_version (st), ==, CS_STATE_SCHEMA_VERSION);
	got = cs_state_get_link (st, CS_KIND_CONTACT, CS_SIDE_CRM, "c1", &error);
	g_assert_nonnull (got);
	g_assert_cmpstr (got->outlook_id, ==, "o1");
	g_assert_cmpstr (got->snapshot, ==, "{\"jobTitle\":\"CEO\"}");
	g_assert_true (cs_state_add_overwritten (st, &o, &error));
	g_assert_no_error (error);
	lost = cs_state_get_overwritten (st, 7, &error);
	g_assert_cmpuint (lost->len, ==, 1);
	g_assert_cmpstr (((CsStateOverwrite *) lost->pdata[0])->lost, ==, "\"CFO\"");
	g_assert_cmpstr (((CsStateOverwrite *) lost->pdata[0])->label, ==, "Ann Lee");
}

/* a state written by schema 1 opens, keeps its links and journal, and its
 * journal lookups use an index (found with a plan a user would otherwise
 * feel as a slow run at 100,000 records) */
static void
test_migrate_indexes (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	g_autoptr(CsLink) got = NULL;
	g_autoptr(GPtrArray) pending = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *plan = NULL;
	gboolean indexed = FALSE;

	g_unlink (path);
	g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_exec (db,
		"CREATE TABLE schema_version (version INTEGER NOT NULL);"
		"INSERT INTO schema_version VALUES (1);"
		"CREATE TABLE id_map (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
		" outlook_id TEXT, crm_id TEXT, outlook_version TEXT, crm_version TEXT,"
		" snapshot TEXT, folder TEXT, crm_gone INTEGER NOT NULL DEFAULT 0,"
		" outlook_gone INTEGER NOT NULL DEFAULT 0, synced_at INTEGER NOT NULL DEFAULT 0);"
		"CREATE UNIQUE INDEX id_map_outlook ON id_map(kind, outlook_id);"
		"CREATE UNIQUE INDEX id_map_crm ON id_map(kind, crm_id);"
		"CREATE TABLE cursor (side TEXT NOT NULL, kind TEXT NOT NULL, token TEXT,"
		" PRIMARY KEY(side, kind));"
		"CREATE TABLE journal (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
		" target TEXT NOT NULL, source_id TEXT NOT NULL, vals TEXT, created INTEGER NOT NULL);"
		"CREATE TABLE run (id INTEGER PRIMARY KEY, started INTEGER NOT NULL,"
		" finished INTEGER, trigger_name TEXT, status TEXT, report TEXT, error TEXT);"
		"CREATE TABLE conflict (kind TEXT NOT NULL, outlook_id TEXT NOT NULL,"
		" crm_id TEXT, field TEXT NOT NULL, crm_value TEXT, outlook_value TEXT,"
		" base_value TEXT, detected INTEGER NOT NULL, PRIMARY KEY(kind, outlook_id, field));"
		"CREATE TABLE skip (kind TEXT NOT NULL, side TEXT NOT NULL, rid TEXT, reason TEXT NOT NULL);"
		"INSERT INTO id_map (kind, outlook_id, crm_id) VALUES ('contact', 'o1', 'c1');"
		"INSERT INTO journal (kind, target, source_id, vals, created) VALUES ('contact', 'crm', 'o2', '{}', 1);",
		NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close (db);

	st = cs_state_open (path, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_state_get_schema_version (st), ==, CS_STATE_SCHEMA_VERSION);
	got = cs_state_get_link (st, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, "o1", &error);
	g_assert_nonnull (got);
	g_assert_cmpstr (got->crm_id, ==, "c1");
	pending = cs_state_journal_pending (st, CS_KIND_CONTACT, &error);
	g_assert_cmpuint (pending->len, ==, 1);
	g_clear_object (&st);

	g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_prepare_v2 (db,
		"EXPLAIN QUERY PLAN DELETE FROM journal WHERE kind='contact' AND "
		"((target='crm' AND source_id='u:1') OR (target='outlook' AND source_id='u:2'))",
		-1, &plan, NULL), ==, SQLITE_OK);
	while (sqlite3_step (plan) == SQLITE_ROW)
		indexed |= strstr ((const gchar *) sqlite3_column_text (plan, 3), "journal_source") != NULL;
	sqlite3_finalize (plan);
	sqlite3_close (db);
	g_assert_true (indexed);
}

/* a state written before the review tables (schema 1) takes them on open,
 * keeps its links, and holds, lists and drops review pairs */
static void
test_review_migration (void)
{
	g_autofree gchar *path = g_build_filename (g_get_user_data_dir (), "state-v1.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	g_autoptr(CsLink) got = NULL;
	g_autoptr(GPtrArray) reviews = NULL;
	g_autoptr(GHashTable) held = NULL;
	g_autoptr(GHashTable) alone = NULL;
	CsReview r = {CS_KIND_CONTACT, (gchar *) "c1", (gchar *) "o1", (gchar *) "the same e-mail address",
		      (gchar *) "Ada Lovelace", (gchar *) "Ada Lovelace"};
	sqlite3 *db = NULL;

	g_mkdir_with_parents (g_get_user_data_dir (), 0700);
	g_unlink (path);
	g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_exec (db,
				       "CREATE TABLE schema_version (version INTEGER NOT NULL);"
				       "INSERT INTO schema_version VALUES (1);"
				       "CREATE TABLE id_map (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
				       " outlook_id TEXT, crm_id TEXT, outlook_version TEXT, crm_version TEXT,"
				       " snapshot TEXT, folder TEXT, crm_gone INTEGER NOT NULL DEFAULT 0,"
				       " outlook_gone INTEGER NOT NULL DEFAULT 0, synced_at INTEGER NOT NULL DEFAULT 0);"
				       "CREATE UNIQUE INDEX id_map_outlook ON id_map(kind, outlook_id);"
				       "CREATE UNIQUE INDEX id_map_crm ON id_map(kind, crm_id);"
				       "CREATE TABLE cursor (side TEXT NOT NULL, kind TEXT NOT NULL, token TEXT,"
				       " PRIMARY KEY(side, kind));"
				       "CREATE TABLE journal (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
				       " target TEXT NOT NULL, source_id TEXT NOT NULL, vals TEXT,"
				       " created INTEGER NOT NULL);"
				       "CREATE TABLE run (id INTEGER PRIMARY KEY, started INTEGER NOT NULL,"
				       " finished INTEGER, trigger_name TEXT, status TEXT, report TEXT, error TEXT);"
				       "CREATE TABLE conflict (kind TEXT NOT NULL, outlook_id TEXT NOT NULL,"
				       " crm_id TEXT, field TEXT NOT NULL, crm_value TEXT, outlook_value TEXT,"
				       " base_value TEXT, detected INTEGER NOT NULL,"
				       " PRIMARY KEY(kind, outlook_id, field));"
				       "CREATE TABLE skip (kind TEXT NOT NULL, side TEXT NOT NULL, rid TEXT,"
				       " reason TEXT NOT NULL);"
				       "INSERT INTO id_map (kind, outlook_id, crm_id) VALUES ('contact', 'o9', 'c9');",
				       NULL, NULL, NULL),
			 ==, SQLITE_OK);
	sqlite3_close (db);
	st = cs_state_open (path, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_state_get_schema_version (st), ==, CS_STATE_SCHEMA_VERSION);
	got = cs_state_get_link (st, CS_KIND_CONTACT, CS_SIDE_CRM, "c9", &error);
	g_assert_nonnull (got);
	g_assert_true (cs_state_hold_review (st, &r, &error));
	g_assert_true (cs_state_hold_review (st, &r, &error)); /* held again: still one pair */
	reviews = cs_state_get_reviews (st, &error);
	g_assert_cmpuint (reviews->len, ==, 1);
	g_assert_cmpstr (((CsReview *) g_ptr_array_index (reviews, 0))->reason, ==, "the same e-mail address");
	held = cs_state_get_held_ids (st, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, &error);
	g_assert_true (g_hash_table_contains (held, "o1"));
	g_assert_true (cs_state_leave_alone (st, CS_KIND_CONTACT, CS_SIDE_CRM, "c1", &error));
	alone = cs_state_get_left_alone (st, CS_KIND_CONTACT, CS_SIDE_CRM, &error);
	g_assert_true (g_hash_table_contains (alone, "c1"));
	g_assert_true (cs_state_drop_reviews (st, CS_KIND_CONTACT, CS_SIDE_CRM, "c1", &error));
	g_clear_pointer (&reviews, g_ptr_array_unref);
	reviews = cs_state_get_reviews (st, &error);
	g_assert_cmpuint (reviews->len, ==, 0);
	g_assert_no_error (error);
}

/* a state of the schema before history: read as it is without being changed
 * (status), and migrated when opened to sync */
static void
test_open_existing_old_schema (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	g_autoptr(CsState) ro = NULL;
	g_autoptr(GPtrArray) decisions = NULL;
	g_autoptr(GPtrArray) changes = NULL;
	sqlite3 *db;
	g_unlink (path);
	ro = cs_state_open_existing (path, &error);
	g_assert_null (ro);
	g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
	g_clear_error (&error);
	st = cs_state_open (path, &error);
	g_assert_no_error (error);
	g_clear_object (&st);
	g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_exec (db, "DROP TABLE decision; DROP TABLE run_change; DROP TABLE run_undo; DROP TABLE overwritten;"
					   "DROP INDEX journal_source; DROP TABLE review; DROP TABLE left_alone;"
					   "DROP TABLE link_merge; DROP TABLE waiting; DROP TABLE setting;"
					   "UPDATE schema_version SET version=1",
				       NULL, NULL, NULL),
			 ==, SQLITE_OK);
	sqlite3_close (db);
	ro = cs_state_open_existing (path, &error);
	g_assert_no_error (error);
	decisions = cs_state_get_decisions (ro, CS_KIND_CONTACT, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (decisions->len, ==, 0);
	changes = cs_state_get_changes (ro, 1, &error);
	g_assert_cmpuint (changes->len, ==, 0);
	g_assert_cmpint (cs_state_get_undoable_run (ro, &error), ==, 0);
	g_assert_cmpint (cs_state_get_schema_version (ro), ==, 1);
	g_clear_object (&ro);
	st = cs_state_open (path, &error);
	g_assert_no_error (error);
	g_assert_true (cs_state_add_change (st, 1, CS_KIND_CONTACT, "{}", NULL, &error));
	g_assert_cmpint (cs_state_get_undoable_run (st, &error), ==, 1);
}

/* an e-mail waiting for its CRM person comes back as it was read; the time it
 * was first seen stays when it is kept again (that is where its wait ends) */
static void
test_waiting (void)
{
	g_autofree gchar *path = tmp_db ();
	g_autoptr(GError) error = NULL;
	g_autoptr(CsState) st = NULL;
	g_autoptr(CsRecord) r = cs_record_new (CS_KIND_EMAIL, "m1");
	g_autoptr(GPtrArray) got = NULL;
	CsStateWaiting *w;
	const gchar *to[] = {"a@example.org", "b@example.org", NULL};

	g_unlink (path);
	st = cs_state_open (path, &error);
	g_assert_no_error (error);
	cs_record_set_string (r, "subject", "Tilbud – æøå");
	cs_record_set_field (r, "toAddresses", g_variant_new_strv (to, -1));
	cs_record_set_version (r, "v1");
	cs_record_set_folder (r, "Inbox/Kunder");
	cs_record_set_modified (r, 1700000000000000);
	g_assert_true (cs_state_put_waiting (st, r, 1000, &error));
	cs_record_set_string (r, "subject", "Tilbud 2");
	g_assert_true (cs_state_put_waiting (st, r, 5000, &error));
	g_assert_no_error (error);
	got = cs_state_get_waiting (st, CS_KIND_EMAIL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (got->len, ==, 1);
	w = g_ptr_array_index (got, 0);
	g_assert_cmpint (w->first_seen, ==, 1000);
	g_assert_cmpstr (cs_record_get_id (w->record), ==, "m1");
	g_assert_cmpstr (cs_record_get_string (w->record, "subject"), ==, "Tilbud 2");
	g_assert_cmpstr (cs_record_get_version (w->record), ==, "v1");
	g_assert_cmpstr (cs_record_get_folder (w->record), ==, "Inbox/Kunder");
	g_assert_cmpint (cs_record_get_modified (w->record), ==, 1700000000000000);
	g_assert_true (cs_value_equal (cs_record_get_field (w->record, "toAddresses"),
				       cs_record_get_field (r, "toAddresses")));
	g_clear_pointer (&got, g_ptr_array_unref);
	got = cs_state_get_waiting (st, CS_KIND_CONTACT, &error);
	g_assert_cmpuint (got->len, ==, 0);
	g_clear_pointer (&got, g_ptr_array_unref);
	g_assert_true (cs_state_remove_waiting (st, CS_KIND_EMAIL, "m1", &error));
	got = cs_state_get_waiting (st, CS_KIND_EMAIL, &error);
	g_assert_cmpuint (got->len, ==, 0);
	/* settings */
	g_assert_null (cs_state_get_setting (st, "optional-rows"));
	g_assert_true (cs_state_set_setting (st, "optional-rows", "contact=accountName;", &error));
	{
		g_autofree gchar *v = cs_state_get_setting (st, "optional-rows");
		g_assert_cmpstr (v, ==, "contact=accountName;");
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func ("/engine/state/links", test_links);
	g_test_add_func ("/engine/state/waiting", test_waiting);
	g_test_add_func ("/engine/state/from-schema-1", test_from_schema_1);
	g_test_add_func ("/engine/state/migrate-indexes", test_migrate_indexes);
	g_test_add_func ("/engine/state/cursor-journal-runs", test_cursor_journal_runs);
	g_test_add_func ("/engine/state/resolve-conflict", test_resolve_conflict);
	g_test_add_func ("/engine/state/prune-changes", test_prune_changes);
	g_test_add_func ("/engine/state/too-new", test_too_new);
	g_test_add_func ("/engine/state/not-a-database", test_not_a_database);
	g_test_add_func ("/engine/state/open-existing-old-schema", test_open_existing_old_schema);
	g_test_add_func ("/engine/state/review-migration", test_review_migration);
	return g_test_run ();
}
