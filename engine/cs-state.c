/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "cs-json.h"
#include "cs-mapping.h"
#include "cs-state.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/*
 * One SQLite file per profile, in WAL mode so that the app can read the
 * history while a run writes. Every remote write's result is committed with
 * its id_map row in one transaction; creates are journalled before they are
 * sent, so a crash between the two is found and reconciled next time.
 */
struct _CsState {
	GObject parent_instance;
	sqlite3 *db;
	gchar *path;
	gint version;
	sqlite3_stmt *get_by_outlook;	/* cached: called once per changed record */
	sqlite3_stmt *get_by_crm;
	sqlite3_stmt *insert_link;
	sqlite3_stmt *update_link;
};

G_DEFINE_TYPE (CsState, cs_state, G_TYPE_OBJECT)
G_DEFINE_QUARK (cs-state-error-quark, cs_state_error)

static gboolean
set_sql_error (CsState *self, gint rc, GError **error)
{
	gint code = CS_STATE_ERROR_FAILED;
	if (rc == SQLITE_FULL || rc == SQLITE_IOERR)
		code = CS_STATE_ERROR_FULL;
	else if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		code = CS_STATE_ERROR_CORRUPT;
	if (code == CS_STATE_ERROR_FULL)
		g_set_error (error, CS_STATE_ERROR, code,
			     _("cannot write the sync state %s: %s (is the disk full?)"),
			     self->path, sqlite3_errmsg (self->db));
	else if (code == CS_STATE_ERROR_CORRUPT)
		/* what to do about it: without its state a sync links both sides
		 * again by their keys, so nothing is doubled or deleted */
		g_set_error (error, CS_STATE_ERROR, code,
			     _("the sync state %s is damaged (%s); move it away and sync again: "
			       "the records are linked again by their keys"),
			     self->path, sqlite3_errmsg (self->db));
	else
		g_set_error (error, CS_STATE_ERROR, code, _("sync state %s: %s"), self->path,
			     sqlite3_errmsg (self->db));
	return FALSE;
}

static gboolean
exec (CsState *self, const gchar *sql, GError **error)
{
	gint rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return set_sql_error (self, rc, error);
	return TRUE;
}

static sqlite3_stmt *
prepare (CsState *self, const gchar *sql, GError **error)
{
	sqlite3_stmt *stmt = NULL;
	gint rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		set_sql_error (self, rc, error);
		return NULL;
	}
	return stmt;
}

/* a statement that returns no rows, run to its end */
static gboolean
step_done (CsState *self, sqlite3_stmt *stmt, GError **error)
{
	gint rc = sqlite3_step (stmt);
	if (rc != SQLITE_DONE)
		return set_sql_error (self, rc, error);
	return TRUE;
}

static void
cs_state_finalize (GObject *object)
{
	CsState *self = CS_STATE (object);
	sqlite3_finalize (self->get_by_outlook);
	sqlite3_finalize (self->get_by_crm);
	sqlite3_finalize (self->insert_link);
	sqlite3_finalize (self->update_link);
	if (self->db != NULL)
		sqlite3_close (self->db);
	g_free (self->path);
	G_OBJECT_CLASS (cs_state_parent_class)->finalize (object);
}

static void
cs_state_class_init (CsStateClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_state_finalize;
}

static void
cs_state_init (CsState *self)
{
}

/* one function per schema step, never edited once released */
static gboolean
migrate_to_1 (CsState *self, GError **error)
{
	return exec (self,
		     "CREATE TABLE id_map ("
		     " id INTEGER PRIMARY KEY,"
		     " kind TEXT NOT NULL,"
		     " outlook_id TEXT, crm_id TEXT,"
		     " outlook_version TEXT, crm_version TEXT,"
		     " snapshot TEXT, folder TEXT,"
		     " crm_gone INTEGER NOT NULL DEFAULT 0, outlook_gone INTEGER NOT NULL DEFAULT 0,"
		     " synced_at INTEGER NOT NULL DEFAULT 0);"
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
		     " reason TEXT NOT NULL);",
		     error);
}

/* pairs held for the user's review (probable matches), records the user
 * unlinked (left alone from then on), and links made by hand whose two
 * records are merged on the next run */
static gboolean
migrate_review (CsState *self, GError **error)
{
	return exec (self,
		     "CREATE TABLE review (kind TEXT NOT NULL, crm_id TEXT NOT NULL,"
		     " outlook_id TEXT NOT NULL, reason TEXT NOT NULL, crm_label TEXT,"
		     " outlook_label TEXT, detected INTEGER NOT NULL,"
		     " PRIMARY KEY(kind, crm_id, outlook_id));"
		     "CREATE TABLE left_alone (kind TEXT NOT NULL, side TEXT NOT NULL, rid TEXT NOT NULL,"
		     " PRIMARY KEY(kind, side, rid));"
		     "CREATE TABLE link_merge (kind TEXT NOT NULL, crm_id TEXT NOT NULL,"
		     " outlook_id TEXT NOT NULL, PRIMARY KEY(kind, crm_id, outlook_id));",
		     error);
}

typedef gboolean (*MigrateFunc) (CsState *self, GError **error);
static const MigrateFunc migrations[] = {migrate_to_1, migrate_review};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CS_STATE_SCHEMA_VERSION);

static gboolean
migrate (CsState *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint version = 0;

	if (!exec (self, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
		   error))
		return FALSE;
	stmt = prepare (self, "SELECT version FROM schema_version", error);
	if (stmt == NULL)
		return FALSE;
	if (sqlite3_step (stmt) == SQLITE_ROW)
		version = sqlite3_column_int (stmt, 0);
	if (version > CS_STATE_SCHEMA_VERSION) {
		g_set_error (error, CS_STATE_ERROR, CS_STATE_ERROR_TOO_NEW,
			     _("sync state %s was written by a newer crmsync (schema %d, this one knows %d)"),
			     self->path, version, CS_STATE_SCHEMA_VERSION);
		return FALSE;
	}
	for (gint v = version; v < CS_STATE_SCHEMA_VERSION; v++) {
		g_autofree gchar *sql = NULL;
		if (!exec (self, "BEGIN IMMEDIATE", error))
			return FALSE;
		if (!migrations[v](self, error)) {
			g_prefix_error (error, "migrating to schema %d: ", v + 1);
			exec (self, "ROLLBACK", NULL);
			return FALSE;
		}
		sql = g_strdup_printf ("DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)",
				       v + 1);
		if (!exec (self, sql, error) || !exec (self, "COMMIT", error)) {
			exec (self, "ROLLBACK", NULL);
			return FALSE;
		}
	}
	self->version = CS_STATE_SCHEMA_VERSION;
	return TRUE;
}

CsState *
cs_state_open (const gchar *path, GError **error)
{
	g_autoptr(CsState) self = g_object_new (CS_TYPE_STATE, NULL);
	g_autofree gchar *dir = g_path_get_dirname (path);
	gint rc;

	self->path = g_strdup (path);
	if (g_mkdir_with_parents (dir, 0700) != 0) {
		g_set_error (error, CS_STATE_ERROR, CS_STATE_ERROR_FAILED,
			     _("cannot create %s: %s"), dir, g_strerror (errno));
		return NULL;
	}
	rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		set_sql_error (self, rc, error);
		return NULL;
	}
	sqlite3_busy_timeout (self->db, 10000);
	if (!exec (self, "PRAGMA journal_mode=WAL", error) ||
	    !exec (self, "PRAGMA synchronous=NORMAL", error) ||
	    !exec (self, "PRAGMA foreign_keys=ON", error) || !migrate (self, error))
		return NULL;
	return g_steal_pointer (&self);
}

const gchar *
cs_state_get_path (CsState *self)
{
	return self->path;
}

gint
cs_state_get_schema_version (CsState *self)
{
	return self->version;
}

gboolean
cs_state_begin (CsState *self, GError **error)
{
	return exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
cs_state_commit (CsState *self, GError **error)
{
	if (!exec (self, "COMMIT", error)) {
		cs_state_rollback (self);
		return FALSE;
	}
	return TRUE;
}

void
cs_state_rollback (CsState *self)
{
	if (!sqlite3_get_autocommit (self->db))
		sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- links ---- */

CsLink *
cs_link_new (CsKind kind)
{
	CsLink *link = g_new0 (CsLink, 1);
	link->kind = kind;
	return link;
}

CsLink *
cs_link_copy (const CsLink *link)
{
	CsLink *c = cs_link_new (link->kind);
	c->outlook_id = g_strdup (link->outlook_id);
	c->crm_id = g_strdup (link->crm_id);
	c->outlook_version = g_strdup (link->outlook_version);
	c->crm_version = g_strdup (link->crm_version);
	c->snapshot = g_strdup (link->snapshot);
	c->folder = g_strdup (link->folder);
	c->crm_gone = link->crm_gone;
	c->outlook_gone = link->outlook_gone;
	c->synced_at = link->synced_at;
	return c;
}

void
cs_link_free (CsLink *link)
{
	if (link == NULL)
		return;
	g_free (link->outlook_id);
	g_free (link->crm_id);
	g_free (link->outlook_version);
	g_free (link->crm_version);
	g_free (link->snapshot);
	g_free (link->folder);
	g_free (link);
}

const gchar *
cs_link_get_id (const CsLink *link, CsSide side)
{
	return side == CS_SIDE_CRM ? link->crm_id : link->outlook_id;
}

void
cs_link_set_id (CsLink *link, CsSide side, const gchar *id)
{
	gchar **p = side == CS_SIDE_CRM ? &link->crm_id : &link->outlook_id;
	if (*p == id)
		return;
	g_free (*p);
	*p = g_strdup (id);
}

const gchar *
cs_link_get_version (const CsLink *link, CsSide side)
{
	return side == CS_SIDE_CRM ? link->crm_version : link->outlook_version;
}

void
cs_link_set_version (CsLink *link, CsSide side, const gchar *version)
{
	gchar **p = side == CS_SIDE_CRM ? &link->crm_version : &link->outlook_version;
	if (*p == version)
		return;
	g_free (*p);
	*p = g_strdup (version);
}

#define LINK_COLUMNS \
	"kind, outlook_id, crm_id, outlook_version, crm_version, snapshot, folder, crm_gone, outlook_gone, synced_at"

static const gchar *
col_text (sqlite3_stmt *stmt, gint i)
{
	return (const gchar *) sqlite3_column_text (stmt, i);
}

static CsLink *
link_from_row (sqlite3_stmt *stmt)
{
	CsKind kind = CS_KIND_CONTACT;
	CsLink *link;
	cs_kind_from_string (col_text (stmt, 0), &kind);
	link = cs_link_new (kind);
	link->outlook_id = g_strdup (col_text (stmt, 1));
	link->crm_id = g_strdup (col_text (stmt, 2));
	link->outlook_version = g_strdup (col_text (stmt, 3));
	link->crm_version = g_strdup (col_text (stmt, 4));
	link->snapshot = g_strdup (col_text (stmt, 5));
	link->folder = g_strdup (col_text (stmt, 6));
	link->crm_gone = sqlite3_column_int (stmt, 7) != 0;
	link->outlook_gone = sqlite3_column_int (stmt, 8) != 0;
	link->synced_at = sqlite3_column_int64 (stmt, 9);
	return link;
}

/**
 * cs_state_get_link:
 * Returns: (transfer full) (nullable): %NULL if not linked (and no error)
 */
CsLink *
cs_state_get_link (CsState *self, CsKind kind, CsSide side, const gchar *id, GError **error)
{
	sqlite3_stmt **cache = side == CS_SIDE_CRM ? &self->get_by_crm : &self->get_by_outlook;
	gint rc;
	CsLink *link = NULL;

	if (*cache == NULL) {
		*cache = prepare (self,
				  side == CS_SIDE_CRM
				      ? "SELECT " LINK_COLUMNS " FROM id_map WHERE kind=?1 AND crm_id=?2"
				      : "SELECT " LINK_COLUMNS " FROM id_map WHERE kind=?1 AND outlook_id=?2",
				  error);
		if (*cache == NULL)
			return NULL;
	}
	sqlite3_reset (*cache);
	sqlite3_bind_text (*cache, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (*cache, 2, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step (*cache);
	if (rc == SQLITE_ROW)
		link = link_from_row (*cache);
	else if (rc != SQLITE_DONE)
		set_sql_error (self, rc, error);
	sqlite3_reset (*cache);
	return link;
}

/**
 * cs_state_get_links:
 * Returns: (transfer container) (element-type CsLink)
 */
GPtrArray *
cs_state_get_links (CsState *self, CsKind kind, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare (self, "SELECT " LINK_COLUMNS " FROM id_map WHERE kind=?1 ORDER BY id", error);
	g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_link_free);
	gint rc;

	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
		g_ptr_array_add (links, link_from_row (stmt));
	if (rc != SQLITE_DONE) {
		set_sql_error (self, rc, error);
		return NULL;
	}
	return g_steal_pointer (&links);
}

gint64
cs_state_count_links (CsState *self, CsKind kind, CsSide side)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    side == CS_SIDE_CRM
		? "SELECT COUNT(*) FROM id_map WHERE kind=?1 AND crm_id IS NOT NULL AND crm_gone=0"
		: "SELECT COUNT(*) FROM id_map WHERE kind=?1 AND outlook_id IS NOT NULL AND outlook_gone=0",
	    NULL);
	if (stmt == NULL)
		return 0;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return 0;
	return sqlite3_column_int64 (stmt, 0);
}

static void
bind_link (sqlite3_stmt *stmt, const CsLink *link)
{
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (link->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, link->outlook_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 3, link->crm_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 4, link->outlook_version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 5, link->crm_version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 6, link->snapshot, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 7, link->folder, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int (stmt, 8, link->crm_gone ? 1 : 0);
	sqlite3_bind_int (stmt, 9, link->outlook_gone ? 1 : 0);
	sqlite3_bind_int64 (stmt, 10, link->synced_at != 0 ? link->synced_at : g_get_real_time ());
}

/**
 * cs_state_put_link:
 *
 * Stores @link, replacing any row that has either of its ids: an id is
 * linked to one record on the other side at most.
 */
gboolean
cs_state_put_link (CsState *self, const CsLink *link, GError **error)
{
	g_autoptr(sqlite3_stmt) del = prepare (
	    self, "DELETE FROM id_map WHERE kind=?1 AND (outlook_id=?2 OR crm_id=?3)", error);
	gint rc;

	if (del == NULL)
		return FALSE;
	sqlite3_bind_text (del, 1, cs_kind_to_string (link->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (del, 2, link->outlook_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (del, 3, link->crm_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step (del);
	if (rc != SQLITE_DONE)
		return set_sql_error (self, rc, error);
	if (self->insert_link == NULL) {
		self->insert_link = prepare (self,
					     "INSERT INTO id_map (" LINK_COLUMNS
					     ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
					     error);
		if (self->insert_link == NULL)
			return FALSE;
	}
	sqlite3_reset (self->insert_link);
	bind_link (self->insert_link, link);
	rc = sqlite3_step (self->insert_link);
	sqlite3_reset (self->insert_link);
	if (rc != SQLITE_DONE)
		return set_sql_error (self, rc, error);
	return TRUE;
}

gboolean
cs_state_remove_link (CsState *self, const CsLink *link, GError **error)
{
	g_autoptr(sqlite3_stmt) del = prepare (
	    self, "DELETE FROM id_map WHERE kind=?1 AND (outlook_id=?2 OR crm_id=?3)", error);
	if (del == NULL)
		return FALSE;
	sqlite3_bind_text (del, 1, cs_kind_to_string (link->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (del, 2, link->outlook_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (del, 3, link->crm_id, -1, SQLITE_TRANSIENT);
	return step_done (self, del, error);
}

/* ---- cursors ---- */

gchar *
cs_state_get_cursor (CsState *self, CsSide side, CsKind kind)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare (self, "SELECT token FROM cursor WHERE side=?1 AND kind=?2", NULL);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return NULL;
	return g_strdup (col_text (stmt, 0));
}

gboolean
cs_state_set_cursor (CsState *self, CsSide side, CsKind kind, const gchar *token, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "INSERT OR REPLACE INTO cursor (side, kind, token) VALUES (?1, ?2, ?3)", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, token, -1, SQLITE_TRANSIENT);
	return step_done (self, stmt, error);
}

gboolean
cs_state_clear_cursors (CsState *self, GError **error)
{
	return exec (self, "DELETE FROM cursor", error);
}

/* ---- journal ---- */

void
cs_journal_entry_free (CsJournalEntry *entry)
{
	if (entry == NULL)
		return;
	g_free (entry->source_id);
	g_free (entry->values);
	g_free (entry);
}

gint64
cs_state_journal_add (CsState *self, CsKind kind, CsSide target, const gchar *source_id,
		      const gchar *values, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "INSERT INTO journal (kind, target, source_id, vals, created) VALUES (?1,?2,?3,?4,?5)",
	    error);
	gint rc;
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_side_to_string (target), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, source_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 4, values, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
	rc = sqlite3_step (stmt);
	if (rc != SQLITE_DONE) {
		set_sql_error (self, rc, error);
		return -1;
	}
	return sqlite3_last_insert_rowid (self->db);
}

gboolean
cs_state_journal_remove (CsState *self, gint64 id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (self, "DELETE FROM journal WHERE id=?1", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, id);
	return step_done (self, stmt, error);
}

/* the update entries of one link, once its new snapshot is stored */
gboolean
cs_state_journal_remove_updates (CsState *self, CsKind kind, const gchar *crm_id,
				 const gchar *outlook_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    "DELETE FROM journal WHERE kind=?1 AND ((target='crm' AND source_id=?2) OR "
	    "(target='outlook' AND source_id=?3))",
	    error);
	g_autofree gchar *c = g_strconcat (CS_JOURNAL_UPDATE_PREFIX, crm_id != NULL ? crm_id : "", NULL);
	g_autofree gchar *o = g_strconcat (CS_JOURNAL_UPDATE_PREFIX, outlook_id != NULL ? outlook_id : "", NULL);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, c, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, o, -1, SQLITE_STATIC);
	return step_done (self, stmt, error);
}

/**
 * cs_state_journal_pending:
 * Returns: (transfer container) (element-type CsJournalEntry)
 */
GPtrArray *
cs_state_journal_pending (CsState *self, CsKind kind, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "SELECT id, target, source_id, vals FROM journal WHERE kind=?1 ORDER BY id", error);
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_journal_entry_free);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		CsJournalEntry *e = g_new0 (CsJournalEntry, 1);
		e->id = sqlite3_column_int64 (stmt, 0);
		e->kind = kind;
		e->target = g_strcmp0 (col_text (stmt, 1), "crm") == 0 ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;
		e->source_id = g_strdup (col_text (stmt, 2));
		e->values = g_strdup (col_text (stmt, 3));
		g_ptr_array_add (out, e);
	}
	return g_steal_pointer (&out);
}

/* ---- runs ---- */

void
cs_run_info_free (CsRunInfo *run)
{
	if (run == NULL)
		return;
	g_free (run->trigger);
	g_free (run->status);
	g_free (run->report);
	g_free (run->error);
	g_free (run);
}

gint64
cs_state_run_begin (CsState *self, const gchar *trigger, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "INSERT INTO run (started, trigger_name, status) VALUES (?1, ?2, 'running')", error);
	gint rc;
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
	sqlite3_bind_text (stmt, 2, trigger, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step (stmt);
	if (rc != SQLITE_DONE) {
		set_sql_error (self, rc, error);
		return -1;
	}
	return sqlite3_last_insert_rowid (self->db);
}

gboolean
cs_state_run_finish (CsState *self, gint64 id, const gchar *status, const gchar *report,
		     const gchar *error_text, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "UPDATE run SET finished=?1, status=?2, report=?3, error=?4 WHERE id=?5", error);
	gint rc;
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
	sqlite3_bind_text (stmt, 2, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 3, report, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 4, error_text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 5, id);
	rc = sqlite3_step (stmt);
	if (rc != SQLITE_DONE)
		return set_sql_error (self, rc, error);
	/* keep the history short */
	exec (self, "DELETE FROM run WHERE id <= (SELECT MAX(id) - 500 FROM run)", NULL);
	return TRUE;
}

/**
 * cs_state_get_runs:
 * Returns: (transfer container) (element-type CsRunInfo): newest first
 */
GPtrArray *
cs_state_get_runs (CsState *self, guint limit, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    "SELECT id, started, finished, trigger_name, status, report, error FROM run ORDER BY id DESC LIMIT ?1",
	    error);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_run_info_free);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_int (stmt, 1, (gint) limit);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		CsRunInfo *r = g_new0 (CsRunInfo, 1);
		r->id = sqlite3_column_int64 (stmt, 0);
		r->started = sqlite3_column_int64 (stmt, 1);
		r->finished = sqlite3_column_int64 (stmt, 2);
		r->trigger = g_strdup (col_text (stmt, 3));
		r->status = g_strdup (col_text (stmt, 4));
		r->report = g_strdup (col_text (stmt, 5));
		r->error = g_strdup (col_text (stmt, 6));
		g_ptr_array_add (out, r);
	}
	return g_steal_pointer (&out);
}

/* ---- conflicts ---- */

void
cs_conflict_free (CsConflict *c)
{
	if (c == NULL)
		return;
	g_free (c->outlook_id);
	g_free (c->crm_id);
	g_free (c->field);
	g_free (c->crm_value);
	g_free (c->outlook_value);
	g_free (c->base_value);
	g_free (c);
}

/* every conflict statement names its rows by kind (?1), Outlook id (?2) and,
 * for one field, the field (?3) */
static sqlite3_stmt *
prepare_conflict (CsState *self, const gchar *sql, CsKind kind, const gchar *outlook_id,
		  const gchar *field, GError **error)
{
	sqlite3_stmt *stmt = prepare (self, sql, error);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, outlook_id, -1, SQLITE_TRANSIENT);
	if (field != NULL)
		sqlite3_bind_text (stmt, 3, field, -1, SQLITE_TRANSIENT);
	return stmt;
}

static gboolean
delete_conflicts (CsState *self, CsKind kind, const gchar *outlook_id, const gchar *field,
		  GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare_conflict (
	    self,
	    field != NULL ? "DELETE FROM conflict WHERE kind=?1 AND outlook_id=?2 AND field=?3"
			  : "DELETE FROM conflict WHERE kind=?1 AND outlook_id=?2",
	    kind, outlook_id, field, error);
	return stmt != NULL && step_done (self, stmt, error);
}

gboolean
cs_state_add_conflict (CsState *self, const CsConflict *c, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare_conflict (
	    self,
	    "INSERT OR REPLACE INTO conflict (kind, outlook_id, field, crm_id, crm_value, outlook_value, base_value, detected) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
	    c->kind, c->outlook_id, c->field, error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 4, c->crm_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 5, c->crm_value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 6, c->outlook_value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 7, c->base_value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 8, c->detected != 0 ? c->detected : g_get_real_time ());
	return step_done (self, stmt, error);
}

/**
 * cs_state_get_conflicts:
 * Returns: (transfer container) (element-type CsConflict)
 */
GPtrArray *
cs_state_get_conflicts (CsState *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    "SELECT kind, outlook_id, crm_id, field, crm_value, outlook_value, base_value, detected FROM conflict ORDER BY detected",
	    error);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_conflict_free);
	if (stmt == NULL)
		return NULL;
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		CsConflict *c = g_new0 (CsConflict, 1);
		cs_kind_from_string (col_text (stmt, 0), &c->kind);
		c->outlook_id = g_strdup (col_text (stmt, 1));
		c->crm_id = g_strdup (col_text (stmt, 2));
		c->field = g_strdup (col_text (stmt, 3));
		c->crm_value = g_strdup (col_text (stmt, 4));
		c->outlook_value = g_strdup (col_text (stmt, 5));
		c->base_value = g_strdup (col_text (stmt, 6));
		c->detected = sqlite3_column_int64 (stmt, 7);
		g_ptr_array_add (out, c);
	}
	return g_steal_pointer (&out);
}

gboolean
cs_state_clear_conflicts (CsState *self, CsKind kind, const gchar *outlook_id, GError **error)
{
	return delete_conflicts (self, kind, outlook_id, NULL, error);
}

/**
 * cs_state_resolve_conflict:
 * @winner: the side whose value the user chose
 *
 * Sets the snapshot's value of @field to the losing side's value: the next
 * run then sees only the winner as changed and copies its value over.
 */
gboolean
cs_state_resolve_conflict (CsState *self, CsKind kind, const gchar *outlook_id,
			   const gchar *field, CsSide winner, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare_conflict (
	    self,
	    "SELECT crm_value, outlook_value FROM conflict WHERE kind=?1 AND outlook_id=?2 AND field=?3",
	    kind, outlook_id, field, error);
	g_autoptr(CsLink) link = NULL;
	g_autoptr(GHashTable) snap = NULL;
	g_autofree gchar *loser = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();

	if (stmt == NULL)
		return FALSE;
	if (sqlite3_step (stmt) != SQLITE_ROW) {
		g_set_error (error, CS_STATE_ERROR, CS_STATE_ERROR_FAILED,
			     _("no conflict on %s of %s"), field, outlook_id);
		return FALSE;
	}
	loser = g_strdup (col_text (stmt, winner == CS_SIDE_CRM ? 1 : 0));
	link = cs_state_get_link (self, kind, CS_SIDE_OUTLOOK, outlook_id, error);
	if (link == NULL) {
		if (error != NULL && *error == NULL)
			g_set_error (error, CS_STATE_ERROR, CS_STATE_ERROR_FAILED,
				     _("%s is no longer linked"), outlook_id);
		return FALSE;
	}
	snap = cs_mapping_values_from_string (link->snapshot);
	if (loser != NULL && json_parser_load_from_data (parser, loser, -1, NULL)) {
		GVariant *v = cs_json_to_value (json_parser_get_root (parser));
		if (v != NULL)
			g_hash_table_replace (snap, g_strdup (field), v);
		else
			g_hash_table_remove (snap, field);
	} else {
		g_hash_table_remove (snap, field);
	}
	g_free (link->snapshot);
	link->snapshot = cs_mapping_values_to_string (snap);
	/* the versions no longer match: both records are looked at again */
	g_clear_pointer (&link->crm_version, g_free);
	g_clear_pointer (&link->outlook_version, g_free);
	if (!cs_state_put_link (self, link, error))
		return FALSE;
	return delete_conflicts (self, kind, outlook_id, field, error);
}

/* ---- skips ---- */

void
cs_state_skip_free (CsStateSkip *skip)
{
	if (skip == NULL)
		return;
	g_free (skip->id);
	g_free (skip->reason);
	g_free (skip);
}

/**
 * cs_state_set_skips:
 * @skips: (element-type CsStateSkip): what the last run skipped, replacing
 *   the list before
 */
gboolean
cs_state_set_skips (CsState *self, GPtrArray *skips, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	if (!exec (self, "DELETE FROM skip", error))
		return FALSE;
	stmt = prepare (self, "INSERT INTO skip (kind, side, rid, reason) VALUES (?1,?2,?3,?4)", error);
	if (stmt == NULL)
		return FALSE;
	for (guint i = 0; i < skips->len; i++) {
		CsStateSkip *s = g_ptr_array_index (skips, i);
		sqlite3_reset (stmt);
		sqlite3_bind_text (stmt, 1, cs_kind_to_string (s->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text (stmt, 2, cs_side_to_string (s->side), -1, SQLITE_STATIC);
		sqlite3_bind_text (stmt, 3, s->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text (stmt, 4, s->reason, -1, SQLITE_TRANSIENT);
		if (sqlite3_step (stmt) != SQLITE_DONE)
			return set_sql_error (self, sqlite3_errcode (self->db), error);
	}
	return TRUE;
}

/**
 * cs_state_get_skips:
 * Returns: (transfer container) (element-type CsStateSkip)
 */
GPtrArray *
cs_state_get_skips (CsState *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare (self, "SELECT kind, side, rid, reason FROM skip ORDER BY rowid", error);
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_state_skip_free);
	if (stmt == NULL)
		return NULL;
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		CsStateSkip *s = g_new0 (CsStateSkip, 1);
		cs_kind_from_string (col_text (stmt, 0), &s->kind);
		s->side = g_strcmp0 (col_text (stmt, 1), "crm") == 0 ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;
		s->id = g_strdup (col_text (stmt, 2));
		s->reason = g_strdup (col_text (stmt, 3));
		g_ptr_array_add (out, s);
	}
	return g_steal_pointer (&out);
}

/* ------------------------------------------------------------ review */

void
cs_review_free (CsReview *review)
{
	if (review == NULL)
		return;
	g_free (review->crm_id);
	g_free (review->outlook_id);
	g_free (review->reason);
	g_free (review->crm_label);
	g_free (review->outlook_label);
	g_free (review);
}

/**
 * cs_state_hold_review:
 *
 * A probable match kept for the user: neither record is created on the
 * other side while the pair waits.
 */
gboolean
cs_state_hold_review (CsState *self, const CsReview *review, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    "INSERT OR REPLACE INTO review (kind, crm_id, outlook_id, reason, crm_label, outlook_label,"
	    " detected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (review->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, review->crm_id, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, review->outlook_id, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 4, review->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 5, review->crm_label, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 6, review->outlook_label, -1, SQLITE_STATIC);
	sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
	return step_done (self, stmt, error);
}

/**
 * cs_state_get_reviews:
 *
 * Returns: (transfer container) (element-type CsReview): every held pair
 */
GPtrArray *
cs_state_get_reviews (CsState *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    "SELECT kind, crm_id, outlook_id, reason, crm_label, outlook_label FROM review"
	    " ORDER BY kind, detected, crm_id",
	    error);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_review_free);
	if (stmt == NULL)
		return NULL;
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		CsReview *r = g_new0 (CsReview, 1);
		cs_kind_from_string (col_text (stmt, 0), &r->kind);
		r->crm_id = g_strdup (col_text (stmt, 1));
		r->outlook_id = g_strdup (col_text (stmt, 2));
		r->reason = g_strdup (col_text (stmt, 3));
		r->crm_label = g_strdup (col_text (stmt, 4));
		r->outlook_label = g_strdup (col_text (stmt, 5));
		g_ptr_array_add (out, r);
	}
	return g_steal_pointer (&out);
}

/* every held pair that names this record */
gboolean
cs_state_drop_reviews (CsState *self, CsKind kind, CsSide side, const gchar *id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    side == CS_SIDE_CRM ? "DELETE FROM review WHERE kind = ?1 AND crm_id = ?2"
				: "DELETE FROM review WHERE kind = ?1 AND outlook_id = ?2",
	    error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
	return step_done (self, stmt, error);
}

/**
 * cs_state_get_held_ids:
 *
 * Returns: (transfer full): the ids on @side (of @kind) held for review, as a set
 */
GHashTable *
cs_state_get_held_ids (CsState *self, CsKind kind, CsSide side, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    side == CS_SIDE_CRM ? "SELECT crm_id FROM review WHERE kind = ?1"
				: "SELECT outlook_id FROM review WHERE kind = ?1",
	    error);
	GHashTable *out;
	if (stmt == NULL)
		return NULL;
	out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	while (sqlite3_step (stmt) == SQLITE_ROW)
		g_hash_table_add (out, g_strdup (col_text (stmt, 0)));
	return out;
}

/**
 * cs_state_leave_alone:
 *
 * The user parted this record from its pair ("un-synchronise"): it is never
 * linked by key again nor created on the other side.
 */
gboolean
cs_state_leave_alone (CsState *self, CsKind kind, CsSide side, const gchar *id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare (self, "INSERT OR IGNORE INTO left_alone (kind, side, rid) VALUES (?1, ?2, ?3)",
		     error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
	return step_done (self, stmt, error);
}

/**
 * cs_state_get_left_alone:
 *
 * Returns: (transfer full): the ids on @side (of @kind) left alone, as a set
 */
GHashTable *
cs_state_get_left_alone (CsState *self, CsKind kind, CsSide side, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare (self, "SELECT rid FROM left_alone WHERE kind = ?1 AND side = ?2", error);
	GHashTable *out;
	if (stmt == NULL)
		return NULL;
	out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_side_to_string (side), -1, SQLITE_STATIC);
	while (sqlite3_step (stmt) == SQLITE_ROW)
		g_hash_table_add (out, g_strdup (col_text (stmt, 0)));
	return out;
}

/* a record linked by hand is synced again: no longer left alone */
gboolean
cs_state_forget_left_alone (CsState *self, CsKind kind, CsSide side, const gchar *id,
			    GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare (self, "DELETE FROM left_alone WHERE kind = ?1 AND side = ?2 AND rid = ?3", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
	return step_done (self, stmt, error);
}

/**
 * cs_state_mark_link_merge:
 *
 * A pair joined by hand: the next run reads both records by id (a full
 * listing of the kind) and merges them by the profile's conflict rule.
 */
gboolean
cs_state_mark_link_merge (CsState *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
			  GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "INSERT OR IGNORE INTO link_merge (kind, crm_id, outlook_id) VALUES (?1, ?2, ?3)",
	    error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, crm_id, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, outlook_id, -1, SQLITE_STATIC);
	return step_done (self, stmt, error);
}

gint64
cs_state_count_link_merges (CsState *self, CsKind kind)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare (self, "SELECT count(*) FROM link_merge WHERE kind = ?1", NULL);
	if (stmt == NULL)
		return 0;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
}

gboolean
cs_state_clear_link_merge (CsState *self, CsKind kind, const gchar *crm_id,
			   const gchar *outlook_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "DELETE FROM link_merge WHERE kind = ?1 AND (crm_id = ?2 OR outlook_id = ?3)", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, crm_id != NULL ? crm_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, outlook_id != NULL ? outlook_id : "", -1, SQLITE_STATIC);
	return step_done (self, stmt, error);
}
