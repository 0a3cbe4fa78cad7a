/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
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
	GHashTable *cached;	/* SQL text → sqlite3_stmt, see prepare_cached() */
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

/*
 * The statements a run makes once per record (links, journal) are prepared
 * once per state and kept: preparing them again for every record was a third
 * of a run's instructions. A cached statement is handed out reset and
 * unbound; hold it as g_autoptr(CsCachedStmt), which resets it (and so ends
 * its read) when it goes out of scope instead of finalizing it. Statements
 * the app also makes from its own thread (history, counts) stay uncached.
 */
typedef sqlite3_stmt CsCachedStmt;

/* held while a cached statement is bound and stepped: the app's thread may
 * look up a link while a run's thread writes (recursive: a put holds two) */
static GRecMutex cached_lock;

static void
cached_stmt_release (CsCachedStmt *stmt)
{
	sqlite3_reset (stmt);
	sqlite3_clear_bindings (stmt);
	g_rec_mutex_unlock (&cached_lock);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsCachedStmt, cached_stmt_release)

static CsCachedStmt *
prepare_cached (CsState *self, const gchar *sql, GError **error)
{
	sqlite3_stmt *stmt;

	g_rec_mutex_lock (&cached_lock);
	stmt = g_hash_table_lookup (self->cached, sql);
	if (stmt == NULL) {
		stmt = prepare (self, sql, error);
		if (stmt != NULL)
			g_hash_table_insert (self->cached, g_strdup (sql), stmt);
	}
	if (stmt == NULL) {
		g_rec_mutex_unlock (&cached_lock);
		return NULL;
	}
	sqlite3_reset (stmt);
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
	/* every statement before the connection they belong to */
	g_clear_pointer (&self->cached, g_hash_table_unref);
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
	self->cached = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify) sqlite3_finalize);
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

/* the values a conflict strategy wrote over, per run, for undo */
static gboolean
migrate_identity (CsState *self, GError **error)
{
	return exec (self,
		     "CREATE TABLE overwritten (id INTEGER PRIMARY KEY, run_id INTEGER,"
		     " kind TEXT NOT NULL, side TEXT NOT NULL, rid TEXT NOT NULL, label TEXT,"
		     " field TEXT NOT NULL, kept TEXT, lost TEXT, at INTEGER NOT NULL);"
		     "CREATE INDEX overwritten_run ON overwritten(run_id);",
		     error);
}

/* what each run changed (history, before-images for undo), which runs were
 * undone, and the user's conflict decisions waiting for the next run */
static gboolean
migrate_history (CsState *self, GError **error)
{
	return exec (self,
		     "CREATE TABLE run_change (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,"
		     " kind TEXT NOT NULL, entry TEXT NOT NULL, undo TEXT);"
		     "CREATE INDEX run_change_run ON run_change(run_id);"
		     "CREATE TABLE run_undo (run_id INTEGER PRIMARY KEY, undo_run INTEGER NOT NULL);"
		     "CREATE TABLE decision (kind TEXT NOT NULL, outlook_id TEXT NOT NULL,"
		     " crm_id TEXT, field TEXT NOT NULL, winner INTEGER NOT NULL, value TEXT,"
		     " crm_value TEXT, outlook_value TEXT,"
		     " decided INTEGER NOT NULL, PRIMARY KEY(kind, outlook_id, field));",
		     error);
}

/* the journal is looked up by kind and by the record it belongs to (the
 * update entries of a link are cleared once per record written) */
static gboolean
migrate_indexes (CsState *self, GError **error)
{
	return exec (self, "CREATE INDEX journal_source ON journal(kind, target, source_id);", error);
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

/* records a run read but left alone (a direction, an untick): read again by
 * id once they may go, since the side's cursor has moved past them */
static gboolean
migrate_held (CsState *self, GError **error)
{
	return exec (self,
		     "CREATE TABLE IF NOT EXISTS held (side TEXT NOT NULL, kind TEXT NOT NULL,"
		     " rid TEXT NOT NULL, why TEXT NOT NULL, PRIMARY KEY(side, kind, rid));",
		     error);
}

/* e-mails waiting for their CRM person (issue 17): the record as read, so a
 * side that lists only its changes can offer it again on later runs; and
 * settings a run compares with the last (the opt-in mapping rows switched on) */
static gboolean
migrate_waiting (CsState *self, GError **error)
{
	return exec (self,
		     "CREATE TABLE waiting (kind TEXT NOT NULL, outlook_id TEXT NOT NULL,"
		     " first_seen INTEGER NOT NULL, record TEXT NOT NULL,"
		     " PRIMARY KEY(kind, outlook_id));"
		     "CREATE TABLE setting (name TEXT PRIMARY KEY, value TEXT);",
		     error);
}

/* the held records due on a run are picked by their reason: most are held
 * under the rules of now (a fifth of a large CRM may be) and never looked at,
 * so a no-change run costs what changed, not what is held (issue 18) */
static gboolean
migrate_held_why (CsState *self, GError **error)
{
	return exec (self, "CREATE INDEX IF NOT EXISTS held_why ON held (side, kind, why);", error);
}

typedef gboolean (*MigrateFunc) (CsState *self, GError **error);
static const MigrateFunc migrations[] = {migrate_to_1, migrate_identity, migrate_history,
						migrate_indexes, migrate_review, migrate_held,
						migrate_waiting, migrate_held_why};
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

/**
 * cs_state_open_existing:
 *
 * Opens a state file to read it, creating nothing: `status` of a profile
 * never synced leaves no file behind. An older schema is read as it is
 * (what it lacks reads as empty).
 *
 * Returns: (transfer full) (nullable): %NULL with G_FILE_ERROR_NOENT when
 *   there is no state yet
 */
CsState *
cs_state_open_existing (const gchar *path, GError **error)
{
	g_autoptr(CsState) self = g_object_new (CS_TYPE_STATE, NULL);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint rc;

	self->path = g_strdup (path);
	if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
		g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s does not exist"), path);
		return NULL;
	}
	rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		set_sql_error (self, rc, error);
		return NULL;
	}
	sqlite3_busy_timeout (self->db, 10000);
	stmt = prepare (self, "SELECT version FROM schema_version", error);
	if (stmt == NULL)
		return NULL;
	rc = sqlite3_step (stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		set_sql_error (self, rc, error);
		return NULL;
	}
	self->version = rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : 0;
	if (self->version > CS_STATE_SCHEMA_VERSION) {
		g_set_error (error, CS_STATE_ERROR, CS_STATE_ERROR_TOO_NEW,
			     _("sync state %s was written by a newer crmsync (schema %d, this one knows %d)"),
			     self->path, self->version, CS_STATE_SCHEMA_VERSION);
		return NULL;
	}
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
	g_autoptr(CsCachedStmt) stmt = prepare_cached (
	    self,
	    side == CS_SIDE_CRM ? "SELECT " LINK_COLUMNS " FROM id_map WHERE kind=?1 AND crm_id=?2"
				: "SELECT " LINK_COLUMNS " FROM id_map WHERE kind=?1 AND outlook_id=?2",
	    error);
	gint rc;
	CsLink *link = NULL;

	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step (stmt);
	if (rc == SQLITE_ROW)
		link = link_from_row (stmt);
	else if (rc != SQLITE_DONE)
		set_sql_error (self, rc, error);
	return link;
}

/**
 * cs_state_get_link_version:
 *
 * The version the link of @id on @side stored, read alone (no snapshot):
 * asked for every record a listing of changes returns.
 *
 * Returns: (transfer full) (nullable): %NULL when not linked, no version
 *   or the state cannot be read (then the record is simply planned)
 */
gchar *
cs_state_get_link_version (CsState *self, CsKind kind, CsSide side, const gchar *id)
{
	g_autoptr (CsCachedStmt) stmt = prepare_cached (
		self,
		side == CS_SIDE_CRM
			? "SELECT crm_version FROM id_map WHERE kind=?1 AND crm_id=?2"
			: "SELECT outlook_version FROM id_map WHERE kind=?1 AND outlook_id=?2",
		NULL);

	if (stmt == NULL || id == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return NULL;
	return g_strdup ((const gchar *)sqlite3_column_text (stmt, 0));
}

/* the links of @kind that @sql (columns as LINK_COLUMNS, ?1 the kind) selects */
static GPtrArray *
links_of_kind (CsState *self, CsKind kind, const gchar *sql, GError **error)
{
	g_autoptr (sqlite3_stmt) stmt = prepare (self, sql, error);
	g_autoptr (GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify)cs_link_free);
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

/**
 * cs_state_get_links_light:
 *
 * Every link of @kind without its snapshot (the largest part of a link):
 * for a complete listing, where only the links of records that changed or
 * went need it (cs_state_load_snapshot()).
 *
 * Returns: (transfer container) (element-type CsLink)
 */
GPtrArray *
cs_state_get_links_light (CsState *self, CsKind kind, GError **error)
{
	return links_of_kind (self, kind,
			      "SELECT kind, outlook_id, crm_id, outlook_version, crm_version, NULL,"
			      " folder, crm_gone, outlook_gone, synced_at"
			      " FROM id_map WHERE kind=?1 ORDER BY id",
			      error);
}

/* the snapshot a light link left out (cs_state_get_links_light()) */
gboolean
cs_state_load_snapshot (CsState *self, CsLink *link, GError **error)
{
	gboolean by_crm = link->outlook_id == NULL;
	g_autoptr (CsCachedStmt) stmt = prepare_cached (
		self,
		by_crm ? "SELECT snapshot FROM id_map WHERE kind=?1 AND crm_id=?2"
		       : "SELECT snapshot FROM id_map WHERE kind=?1 AND outlook_id=?2",
		error);
	gint rc;

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (link->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, by_crm ? link->crm_id : link->outlook_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step (stmt);
	if (rc == SQLITE_ROW) {
		g_free (link->snapshot);
		link->snapshot = g_strdup ((const gchar *)sqlite3_column_text (stmt, 0));
		return TRUE;
	}
	if (rc != SQLITE_DONE)
		return set_sql_error (self, rc, error);
	return TRUE;
}

/**
 * cs_state_get_links:
 * Returns: (transfer container) (element-type CsLink)
 */
GPtrArray *
cs_state_get_links (CsState *self, CsKind kind, GError **error)
{
	return links_of_kind (self, kind,
			      "SELECT " LINK_COLUMNS " FROM id_map WHERE kind=?1 ORDER BY id", error);
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

/**
 * cs_state_get_linked_ids:
 *
 * The ids of @kind on @side that have a link, gone ones included (as
 * cs_state_get_link() finds them): one listing for a caller that would
 * otherwise ask for many one at a time.
 *
 * Returns: (transfer full) (element-type utf8) (nullable): a set, %NULL
 *   with @error
 */
GHashTable *
cs_state_get_linked_ids (CsState *self, CsKind kind, CsSide side, GError **error)
{
	g_autoptr(GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(CsCachedStmt) stmt = prepare_cached (
	    self,
	    side == CS_SIDE_CRM ? "SELECT crm_id FROM id_map WHERE kind=?1 AND crm_id IS NOT NULL"
				: "SELECT outlook_id FROM id_map WHERE kind=?1 AND outlook_id IS NOT NULL",
	    error);
	gint rc;

	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
		g_hash_table_add (out, g_strdup (col_text (stmt, 0)));
	if (rc != SQLITE_DONE) {
		set_sql_error (self, rc, error);
		return NULL;
	}
	return g_steal_pointer (&out);
}

/**
 * cs_state_has_links:
 *
 * Whether any pair of @kind is linked, gone sides included: one row looked
 * at, where counting reads them all.
 */
gboolean
cs_state_has_links (CsState *self, CsKind kind, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (self, "SELECT 1 FROM id_map WHERE kind=?1 LIMIT 1", error);
	gint rc;
	if (stmt == NULL)
		return TRUE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	rc = sqlite3_step (stmt);
	return rc != SQLITE_DONE;
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
	g_autoptr(CsCachedStmt) del = prepare_cached (
	    self, "DELETE FROM id_map WHERE kind=?1 AND (outlook_id=?2 OR crm_id=?3)", error);
	g_autoptr(CsCachedStmt) ins = NULL;
	gint rc;

	if (del == NULL)
		return FALSE;
	sqlite3_bind_text (del, 1, cs_kind_to_string (link->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (del, 2, link->outlook_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (del, 3, link->crm_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step (del);
	if (rc != SQLITE_DONE)
		return set_sql_error (self, rc, error);
	ins = prepare_cached (self,
			      "INSERT INTO id_map (" LINK_COLUMNS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
			      error);
	if (ins == NULL)
		return FALSE;
	bind_link (ins, link);
	rc = sqlite3_step (ins);
	if (rc != SQLITE_DONE)
		return set_sql_error (self, rc, error);
	return TRUE;
}

gboolean
cs_state_remove_link (CsState *self, const CsLink *link, GError **error)
{
	g_autoptr(CsCachedStmt) del = prepare_cached (
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
	g_autoptr(CsCachedStmt) stmt =
	    prepare_cached (self, "SELECT token FROM cursor WHERE side=?1 AND kind=?2", NULL);
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
	g_autoptr(CsCachedStmt) stmt = prepare_cached (
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
	g_autoptr(CsCachedStmt) stmt = prepare_cached (
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
	g_autoptr(CsCachedStmt) stmt = prepare_cached (self, "DELETE FROM journal WHERE id=?1", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, id);
	return step_done (self, stmt, error);
}

/* the entries of one link, once its new snapshot is stored: the updates
 * to either record, and creates made from either (a batch journalled before
 * a crash, never sent and since made again, would otherwise stay, and take a
 * later record with its values for one we made) */
gboolean
cs_state_journal_remove_for_link (CsState *self, CsKind kind, const gchar *crm_id,
				  const gchar *outlook_id, GError **error)
{
	const gchar *ids[CS_SIDE_LAST] = {crm_id, outlook_id};
	/* one lookup per side on journal_source: with OR between the sides
	 * SQLite read every journal row of the kind, once per linked record */
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_autoptr(CsCachedStmt) stmt = prepare_cached (
		    self, "DELETE FROM journal WHERE kind=?1 AND target=?2 AND source_id IN (?3, ?4)",
		    error);
		const gchar *from = ids[cs_side_other ((CsSide) s)];
		g_autofree gchar *src =
		    g_strconcat (CS_JOURNAL_UPDATE_PREFIX, ids[s] != NULL ? ids[s] : "", NULL);
		if (stmt == NULL)
			return FALSE;
		sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
		sqlite3_bind_text (stmt, 2, cs_side_to_string ((CsSide) s), -1, SQLITE_STATIC);
		sqlite3_bind_text (stmt, 3, src, -1, SQLITE_STATIC);
		if (from != NULL && *from != '\0')
			sqlite3_bind_text (stmt, 4, from, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null (stmt, 4);
		if (!step_done (self, stmt, error))
			return FALSE;
	}
	return TRUE;
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
	    "INSERT INTO conflict (kind, outlook_id, field, crm_id, crm_value, outlook_value, base_value, detected) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
	    " ON CONFLICT(kind, outlook_id, field) DO UPDATE SET crm_id=?4, crm_value=?5,"
	    " outlook_value=?6, base_value=?7",
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
	    "SELECT kind, outlook_id, crm_id, field, crm_value, outlook_value, base_value, detected, rowid FROM conflict ORDER BY rowid",
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
		c->id = sqlite3_column_int64 (stmt, 8);
		g_ptr_array_add (out, c);
	}
	return g_steal_pointer (&out);
}

gboolean
cs_state_clear_conflicts (CsState *self, CsKind kind, const gchar *outlook_id, GError **error)
{
	return delete_conflicts (self, kind, outlook_id, NULL, error);
}

/* whether a table of a later schema step is there: a state opened only to be
 * read (cs_state_open_existing()) keeps the schema it has, whatever its number */
static gboolean
has_table (CsState *self, const gchar *name)
{
	/* asked once per record read by some callers (cs_state_get_held_why()) */
	g_autoptr(CsCachedStmt) stmt =
	    prepare_cached (self, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1", NULL);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
	return sqlite3_step (stmt) == SQLITE_ROW;
}

/**
 * cs_state_resolve_conflict:
 * @winner: the side whose value the user chose
 *
 * The app's "Keep CRM" / "Keep Outlook": the same decision as
 * `crmsync-cli resolve ID --keep`, see cs_state_decide_conflict().
 */
gboolean
cs_state_resolve_conflict (CsState *self, CsKind kind, const gchar *outlook_id,
			   const gchar *field, CsSide winner, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare_conflict (
	    self, "SELECT rowid FROM conflict WHERE kind=?1 AND outlook_id=?2 AND field=?3", kind,
	    outlook_id, field, error);
	if (stmt == NULL)
		return FALSE;
	if (sqlite3_step (stmt) != SQLITE_ROW) {
		g_set_error (error, CS_STATE_ERROR, CS_STATE_ERROR_FAILED,
			     _("no conflict on %s of %s"), field, outlook_id);
		return FALSE;
	}
	return cs_state_decide_conflict (self, sqlite3_column_int64 (stmt, 0), winner, NULL, error);
}

/**
 * cs_state_get_conflict:
 * Returns: (transfer full) (nullable): the conflict with this id
 */
CsConflict *
cs_state_get_conflict (CsState *self, gint64 id, GError **error)
{
	g_autoptr(GPtrArray) all = cs_state_get_conflicts (self, error);
	for (guint i = 0; all != NULL && i < all->len; i++) {
		CsConflict *c = g_ptr_array_index (all, i);
		if (c->id == id)
			return g_ptr_array_steal_index (all, i);
	}
	if (all != NULL)
		g_set_error (error, CS_STATE_ERROR, CS_STATE_ERROR_FAILED,
			     _("no conflict has the id %" PRId64 " (crmsync-cli conflicts lists them)"),
			     id);
	return NULL;
}

void
cs_decision_free (CsDecision *d)
{
	if (d == NULL)
		return;
	g_free (d->outlook_id);
	g_free (d->crm_id);
	g_free (d->field);
	g_free (d->value);
	g_free (d->side_value[CS_SIDE_CRM]);
	g_free (d->side_value[CS_SIDE_OUTLOOK]);
	g_free (d);
}

/**
 * cs_state_decide_conflict:
 * @winner: a #CsSide whose value is kept, or -1 for @value
 * @value: (nullable): with -1: the value to keep, JSON
 *
 * Records the user's decision and drops the conflict. The link is marked
 * by the decision itself: the next run reads both records by id, even from
 * a side that lists only changes, and writes the kept value wherever it is
 * not yet held (cs_engine_prepare()).
 */
gboolean
cs_state_decide_conflict (CsState *self, gint64 id, gint winner, const gchar *value,
			  GError **error)
{
	g_autoptr(CsConflict) c = cs_state_get_conflict (self, id, error);
	g_autoptr(sqlite3_stmt) ins = NULL;
	g_autoptr(sqlite3_stmt) del = NULL;
	const gchar *keep;

	if (c == NULL)
		return FALSE;
	keep = winner == CS_SIDE_CRM ? c->crm_value : winner == CS_SIDE_OUTLOOK ? c->outlook_value : value;
	ins = prepare (self,
		       "INSERT OR REPLACE INTO decision (kind, outlook_id, crm_id, field, winner, value,"
		       " decided, crm_value, outlook_value) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
		       error);
	if (ins == NULL)
		return FALSE;
	sqlite3_bind_text (ins, 1, cs_kind_to_string (c->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (ins, 2, c->outlook_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (ins, 3, c->crm_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (ins, 4, c->field, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int (ins, 5, winner);
	sqlite3_bind_text (ins, 6, keep != NULL ? keep : "null", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (ins, 7, g_get_real_time ());
	sqlite3_bind_text (ins, 8, c->crm_value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (ins, 9, c->outlook_value, -1, SQLITE_TRANSIENT);
	if (!step_done (self, ins, error))
		return FALSE;
	del = prepare (self, "DELETE FROM conflict WHERE rowid=?1", error);
	if (del == NULL)
		return FALSE;
	sqlite3_bind_int64 (del, 1, id);
	return step_done (self, del, error);
}

/**
 * cs_state_get_decisions:
 * Returns: (transfer container) (element-type CsDecision)
 */
GPtrArray *
cs_state_get_decisions (CsState *self, CsKind kind, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_decision_free);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	if (!has_table (self, "decision"))
		return g_steal_pointer (&out);
	stmt = prepare (self,
			"SELECT outlook_id, crm_id, field, winner, value, crm_value, outlook_value FROM decision"
			" WHERE kind=?1 ORDER BY rowid",
			error);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		CsDecision *d = g_new0 (CsDecision, 1);
		d->kind = kind;
		d->outlook_id = g_strdup (col_text (stmt, 0));
		d->crm_id = g_strdup (col_text (stmt, 1));
		d->field = g_strdup (col_text (stmt, 2));
		d->winner = sqlite3_column_int (stmt, 3);
		d->value = g_strdup (col_text (stmt, 4));
		d->side_value[CS_SIDE_CRM] = g_strdup (col_text (stmt, 5));
		d->side_value[CS_SIDE_OUTLOOK] = g_strdup (col_text (stmt, 6));
		g_ptr_array_add (out, d);
	}
	return g_steal_pointer (&out);
}

gboolean
cs_state_remove_decisions (CsState *self, CsKind kind, const gchar *outlook_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare_conflict (self, "DELETE FROM decision WHERE kind=?1 AND outlook_id=?2", kind,
			      outlook_id, NULL, error);
	return stmt != NULL && step_done (self, stmt, error);
}

/**
 * cs_state_get_link_label:
 *
 * Returns: (transfer full): what the user calls the linked record (its name
 *   or subject, from the last agreed values), else an id
 */
gchar *
cs_state_get_link_label (CsState *self, CsKind kind, const gchar *outlook_id, const gchar *crm_id)
{
	g_autoptr(CsLink) link = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();
	static const gchar *names[][2] = {{"firstName", "lastName"},
					  {"PersonFirstName", "PersonLastName"},
					  {"Person.FirstName", "Person.LastName"},
					  {"givenName", "surname"},
					  {"displayName", NULL},
					  {"subject", NULL},
					  {"Subject", NULL},
					  {"MeetingSubject", NULL},
					  {"ActivityDescription", NULL},
					  {"name", NULL},
					  {"title", NULL}};
	JsonObject *o;

	if (outlook_id != NULL)
		link = cs_state_get_link (self, kind, CS_SIDE_OUTLOOK, outlook_id, NULL);
	if (link == NULL && crm_id != NULL)
		link = cs_state_get_link (self, kind, CS_SIDE_CRM, crm_id, NULL);
	if (link == NULL || link->snapshot == NULL ||
	    !json_parser_load_from_data (parser, link->snapshot, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
		return g_strdup (crm_id != NULL ? crm_id : outlook_id != NULL ? outlook_id : "");
	o = json_node_get_object (json_parser_get_root (parser));
	for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
		JsonNode *a = json_object_get_member (o, names[i][0]);
		JsonNode *b = names[i][1] != NULL ? json_object_get_member (o, names[i][1]) : NULL;
		const gchar *sa = a != NULL && JSON_NODE_HOLDS_VALUE (a) && json_node_get_value_type (a) == G_TYPE_STRING
				      ? json_node_get_string (a) : NULL;
		const gchar *sb = b != NULL && JSON_NODE_HOLDS_VALUE (b) && json_node_get_value_type (b) == G_TYPE_STRING
				      ? json_node_get_string (b) : NULL;
		if (sa != NULL || sb != NULL)
			return g_strstrip (g_strdup_printf ("%s %s", sa != NULL ? sa : "", sb != NULL ? sb : ""));
	}
	return g_strdup (crm_id != NULL ? crm_id : outlook_id != NULL ? outlook_id : "");
}

/* ---- run changes (history, undo) ---- */

void
cs_run_change_free (CsRunChange *change)
{
	if (change == NULL)
		return;
	g_free (change->entry);
	g_free (change->undo);
	g_free (change);
}

gboolean
cs_state_add_change (CsState *self, gint64 run_id, CsKind kind, const gchar *entry,
		     const gchar *undo, GError **error)
{
	g_autoptr(CsCachedStmt) stmt = prepare_cached (
	    self, "INSERT INTO run_change (run_id, kind, entry, undo) VALUES (?1,?2,?3,?4)", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, run_id);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, entry, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 4, undo, -1, SQLITE_TRANSIENT);
	return step_done (self, stmt, error);
}

/**
 * cs_state_get_changes:
 * Returns: (transfer container) (element-type CsRunChange): in the order written
 */
GPtrArray *
cs_state_get_changes (CsState *self, gint64 run_id, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_run_change_free);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	if (!has_table (self, "run_change"))
		return g_steal_pointer (&out);
	stmt = prepare (self, "SELECT id, kind, entry, undo FROM run_change WHERE run_id=?1 ORDER BY id",
			error);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_int64 (stmt, 1, run_id);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		CsRunChange *c = g_new0 (CsRunChange, 1);
		c->id = sqlite3_column_int64 (stmt, 0);
		c->run_id = run_id;
		cs_kind_from_string (col_text (stmt, 1), &c->kind);
		c->entry = g_strdup (col_text (stmt, 2));
		c->undo = g_strdup (col_text (stmt, 3));
		g_ptr_array_add (out, c);
	}
	return g_steal_pointer (&out);
}

/* the changes of all but the newest @keep runs that changed something go:
 * they are what undo would need, and the history keeps its counts */
gboolean
cs_state_prune_changes (CsState *self, guint keep, GError **error)
{
	g_autoptr (sqlite3_stmt) stmt = NULL;
	gint64 cut = G_MAXINT64;

	/* the oldest run kept, found run by run down the index: every run ends
	 * here, and a query over all the changes (100,000 of a first sync) made
	 * a run that changed nothing cost in proportion to them */
	for (guint i = 0; i < keep; i++) {
		g_autoptr (CsCachedStmt) newer = prepare_cached (
			self, "SELECT MAX(run_id) FROM run_change WHERE run_id < ?1", error);
		if (newer == NULL)
			return FALSE;
		sqlite3_bind_int64 (newer, 1, cut);
		if (sqlite3_step (newer) != SQLITE_ROW
		    || sqlite3_column_type (newer, 0) == SQLITE_NULL)
			return TRUE; /* not more than @keep runs: nothing goes */
		cut = sqlite3_column_int64 (newer, 0);
	}
	stmt = prepare (self, "DELETE FROM run_change WHERE run_id < ?1", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, cut);
	return step_done (self, stmt, error);
}

/**
 * cs_state_get_run:
 * Returns: (transfer full) (nullable)
 */
CsRunInfo *
cs_state_get_run (CsState *self, gint64 id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    "SELECT id, started, finished, trigger_name, status, report, error FROM run WHERE id=?1",
	    error);
	CsRunInfo *r;
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_int64 (stmt, 1, id);
	if (sqlite3_step (stmt) != SQLITE_ROW) {
		g_set_error (error, CS_STATE_ERROR, CS_STATE_ERROR_FAILED,
			     _("no run has the id %" PRId64 " (crmsync-cli history lists them)"), id);
		return NULL;
	}
	r = g_new0 (CsRunInfo, 1);
	r->id = sqlite3_column_int64 (stmt, 0);
	r->started = sqlite3_column_int64 (stmt, 1);
	r->finished = sqlite3_column_int64 (stmt, 2);
	r->trigger = g_strdup (col_text (stmt, 3));
	r->status = g_strdup (col_text (stmt, 4));
	r->report = g_strdup (col_text (stmt, 5));
	r->error = g_strdup (col_text (stmt, 6));
	return r;
}

/* the newest run with kept changes not yet undone; 0: none. An undo that did
 * not finish (a crash, the network) is not one: undoing its run again
 * finishes it, as what it already wrote back is found as before the run */
gint64
cs_state_get_undoable_run (CsState *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	if (!has_table (self, "run_undo"))
		return 0;
	stmt = prepare (
	    self,
	    "SELECT MAX(run_id) FROM run_change WHERE run_id NOT IN (SELECT run_id FROM run_undo)"
	    " AND run_id NOT IN (SELECT id FROM run WHERE trigger_name='undo'"
	    " AND (status IS NULL OR status NOT IN ('ok', 'partial')))",
	    error);
	if (stmt == NULL)
		return -1;
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return 0;
	return sqlite3_column_int64 (stmt, 0);
}

gboolean
cs_state_mark_undone (CsState *self, gint64 run_id, gint64 undo_run, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "INSERT OR REPLACE INTO run_undo (run_id, undo_run) VALUES (?1, ?2)", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64 (stmt, 1, run_id);
	sqlite3_bind_int64 (stmt, 2, undo_run);
	return step_done (self, stmt, error);
}

/* the run that undid @run_id; 0: not undone */
gint64
cs_state_get_undo_of (CsState *self, gint64 run_id)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	if (!has_table (self, "run_undo"))
		return 0;
	stmt = prepare (self, "SELECT undo_run FROM run_undo WHERE run_id=?1", NULL);
	if (stmt == NULL)
		return 0;
	sqlite3_bind_int64 (stmt, 1, run_id);
	return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
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

/* ---- records waiting for something on the other side ---- */

void
cs_state_waiting_free (CsStateWaiting *w)
{
	if (w == NULL)
		return;
	g_clear_pointer (&w->record, cs_record_unref);
	g_free (w);
}

/**
 * cs_state_put_waiting:
 * @record: an Outlook record that waits (an e-mail for its CRM person)
 * @now: when it was seen; kept from the first time it was put
 *
 * Stores @record as read, so it can be tried again when its side lists only
 * changes. The first time it was seen stays: that is where the wait ends.
 */
gboolean
cs_state_put_waiting (CsState *self, CsRecord *record, gint64 now, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GVariant) fields = cs_record_dup_fields (record);
	/* version, folder, modified and the fields, as GVariant text */
	g_autoptr(GVariant) whole = g_variant_ref_sink (g_variant_new (
	    "(ssx@a{sv})", cs_record_get_version (record) ? cs_record_get_version (record) : "",
	    cs_record_get_folder (record) ? cs_record_get_folder (record) : "",
	    cs_record_get_modified (record), fields));
	g_autofree gchar *text = g_variant_print (whole, TRUE);

	stmt = prepare (self,
			"INSERT INTO waiting (kind, outlook_id, first_seen, record) VALUES (?1,?2,?3,?4)"
			" ON CONFLICT(kind, outlook_id) DO UPDATE SET record = excluded.record",
			error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (cs_record_get_kind (record)), -1,
			   SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_record_get_id (record), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 3, now);
	sqlite3_bind_text (stmt, 4, text, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_DONE)
		return set_sql_error (self, sqlite3_errcode (self->db), error);
	return TRUE;
}

gboolean
cs_state_remove_waiting (CsState *self, CsKind kind, const gchar *outlook_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
	    prepare (self, "DELETE FROM waiting WHERE kind = ?1 AND outlook_id = ?2", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, outlook_id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_DONE)
		return set_sql_error (self, sqlite3_errcode (self->db), error);
	return TRUE;
}

/**
 * cs_state_get_waiting:
 * Returns: (transfer container) (element-type CsStateWaiting): the @kind
 *   records waiting, oldest first; a row that no longer parses is left out
 */
GPtrArray *
cs_state_get_waiting (CsState *self, CsKind kind, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "SELECT outlook_id, first_seen, record FROM waiting WHERE kind = ?1"
		  " ORDER BY first_seen, outlook_id",
	    error);
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_state_waiting_free);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		g_autoptr(GVariant) whole = g_variant_parse (G_VARIANT_TYPE ("(ssxa{sv})"),
							     col_text (stmt, 2), NULL, NULL, NULL);
		g_autoptr(GVariant) fields = NULL;
		const gchar *version, *folder;
		gint64 modified;
		CsStateWaiting *w;
		if (whole == NULL)
			continue;
		g_variant_get (whole, "(&s&sx@a{sv})", &version, &folder, &modified, &fields);
		w = g_new0 (CsStateWaiting, 1);
		w->record = cs_record_new_from_variant (kind, col_text (stmt, 0), fields);
		if (*version != '\0')
			cs_record_set_version (w->record, version);
		if (*folder != '\0')
			cs_record_set_folder (w->record, folder);
		cs_record_set_modified (w->record, modified);
		w->first_seen = sqlite3_column_int64 (stmt, 1);
		g_ptr_array_add (out, w);
	}
	return g_steal_pointer (&out);
}

/* ---- what the last run was made with ---- */

/**
 * cs_state_get_setting:
 * Returns: (nullable): the value stored under @name
 */
gchar *
cs_state_get_setting (CsState *self, const gchar *name)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (self, "SELECT value FROM setting WHERE name = ?1", NULL);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
	return sqlite3_step (stmt) == SQLITE_ROW ? g_strdup (col_text (stmt, 0)) : NULL;
}

gboolean
cs_state_set_setting (CsState *self, const gchar *name, const gchar *value, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self, "INSERT OR REPLACE INTO setting (name, value) VALUES (?1, ?2)", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_DONE)
		return set_sql_error (self, sqlite3_errcode (self->db), error);
	return TRUE;
}

/* ---- values lost to a conflict strategy ---- */

void
cs_state_overwrite_free (CsStateOverwrite *o)
{
	if (o == NULL)
		return;
	g_free (o->id);
	g_free (o->label);
	g_free (o->field);
	g_free (o->kept);
	g_free (o->lost);
	g_free (o);
}

/**
 * cs_state_add_overwritten:
 * @o: a value written over (run_id < 0: outside a recorded run)
 *
 * Kept so that `undo` can bring the lost value back.
 */
gboolean
cs_state_add_overwritten (CsState *self, const CsStateOverwrite *o, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    "INSERT INTO overwritten (run_id, kind, side, rid, label, field, kept, lost, at)"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
	    error);
	if (stmt == NULL)
		return FALSE;
	if (o->run_id >= 0)
		sqlite3_bind_int64 (stmt, 1, o->run_id);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (o->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, cs_side_to_string (o->side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 4, o->id != NULL ? o->id : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 5, o->label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 6, o->field, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 7, o->kept, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 8, o->lost, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 9, g_get_real_time ());
	return step_done (self, stmt, error);
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
 * cs_state_get_overwritten:
 * @run_id: a run's id
 * Returns: (transfer container) (element-type CsStateOverwrite): in the
 *   order they were written
 */
GPtrArray *
cs_state_get_overwritten (CsState *self, gint64 run_id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = prepare (
	    self,
	    "SELECT run_id, kind, side, rid, label, field, kept, lost FROM overwritten"
	    " WHERE run_id = ?1 ORDER BY id",
	    error);
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_state_overwrite_free);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_int64 (stmt, 1, run_id);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		CsStateOverwrite *o = g_new0 (CsStateOverwrite, 1);
		o->run_id = sqlite3_column_int64 (stmt, 0);
		cs_kind_from_string (col_text (stmt, 1), &o->kind);
		o->side = g_strcmp0 (col_text (stmt, 2), "crm") == 0 ? CS_SIDE_CRM : CS_SIDE_OUTLOOK;
		o->id = g_strdup (col_text (stmt, 3));
		o->label = g_strdup (col_text (stmt, 4));
		o->field = g_strdup (col_text (stmt, 5));
		o->kept = g_strdup (col_text (stmt, 6));
		o->lost = g_strdup (col_text (stmt, 7));
		g_ptr_array_add (out, o);
	}
	return g_steal_pointer (&out);
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

/* ---- held: records read but left alone ---- */

/**
 * cs_state_get_held:
 *
 * Returns: (transfer full) (element-type utf8 utf8): record id → why it was
 *   held (see cs-held.c); empty in a state from before the table
 */
GHashTable *
cs_state_get_held (CsState *self, CsSide side, CsKind kind, GError **error)
{
	g_autoptr(GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(CsCachedStmt) stmt = NULL;
	gint rc;

	if (!has_table (self, "held"))
		return g_steal_pointer (&out);
	stmt = prepare_cached (self, "SELECT rid, why FROM held WHERE side=?1 AND kind=?2", error);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
		g_hash_table_replace (out, g_strdup (col_text (stmt, 0)),
				      g_strdup (col_text (stmt, 1)));
	if (rc != SQLITE_DONE) {
		set_sql_error (self, rc, error);
		return NULL;
	}
	return g_steal_pointer (&out);
}

/* how many records are held on @side; -1 with @error */
gint64
cs_state_count_held (CsState *self, CsSide side, CsKind kind, GError **error)
{
	g_autoptr(CsCachedStmt) stmt = NULL;

	if (!has_table (self, "held"))
		return 0;
	stmt = prepare_cached (self, "SELECT COUNT(*) FROM held WHERE side=?1 AND kind=?2", error);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text (stmt, 1, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	if (sqlite3_step (stmt) != SQLITE_ROW) {
		set_sql_error (self, sqlite3_errcode (self->db), error);
		return -1;
	}
	return sqlite3_column_int64 (stmt, 0);
}

/**
 * cs_state_get_held_why:
 *
 * Returns: (transfer full) (nullable): why @id is held on @side, %NULL if
 *   it is not (or with @error)
 */
gchar *
cs_state_get_held_why (CsState *self, CsSide side, CsKind kind, const gchar *id, GError **error)
{
	g_autoptr (CsCachedStmt) stmt = NULL;
	gint rc;

	if (!has_table (self, "held"))
		return NULL;
	stmt = prepare_cached (self, "SELECT why FROM held WHERE side=?1 AND kind=?2 AND rid=?3",
			       error);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step (stmt);
	if (rc == SQLITE_ROW)
		return g_strdup (col_text (stmt, 0) != NULL ? col_text (stmt, 0) : "");
	if (rc != SQLITE_DONE)
		set_sql_error (self, rc, error);
	return NULL;
}

/**
 * cs_state_get_held_due:
 * @unselected: the reason that is always due
 * @unmatched: the reason due when @persons_changed
 * @rules: the reason of a record held by the rules of now (not due); any
 *   other reason is (the rules changed since)
 *
 * Returns: (transfer full) (element-type utf8) (nullable): the ids held on
 *   @side that a run must read again (cs_held_due())
 */
GPtrArray *
cs_state_get_held_due (CsState *self, CsSide side, CsKind kind, const gchar *unselected,
		       const gchar *unmatched, const gchar *rules, gboolean persons_changed,
		       GError **error)
{
	g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (CsCachedStmt) stmt = NULL;
	gint rc;

	if (!has_table (self, "held"))
		return g_steal_pointer (&out);
	stmt = prepare_cached (
		self,
		/* four lookups on the (side, kind, why) index, none over the rows
		 * held under the rules of now */
		"SELECT rid FROM held WHERE side=?1 AND kind=?2 AND why=?3"
		" UNION ALL SELECT rid FROM held WHERE side=?1 AND kind=?2 AND why=?4 AND ?6"
		" UNION ALL SELECT rid FROM held WHERE side=?1 AND kind=?2 AND why<?5"
		" AND why<>?3 AND why<>?4"
		" UNION ALL SELECT rid FROM held WHERE side=?1 AND kind=?2 AND why>?5"
		" AND why<>?3 AND why<>?4",
		error);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, unselected, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 4, unmatched, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 5, rules, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int (stmt, 6, persons_changed ? 1 : 0);
	while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
		g_ptr_array_add (out, g_strdup (col_text (stmt, 0)));
	if (rc != SQLITE_DONE) {
		set_sql_error (self, rc, error);
		return NULL;
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

/**
 * cs_state_put_held:
 * @why: (nullable): %NULL: no longer held
 */
gboolean
cs_state_put_held (CsState *self, CsSide side, CsKind kind, const gchar *id, const gchar *why,
		   GError **error)
{
	g_autoptr(CsCachedStmt) stmt = prepare_cached (
	    self,
	    why != NULL ? "INSERT OR REPLACE INTO held (side, kind, rid, why) VALUES (?1, ?2, ?3, ?4)"
			: "DELETE FROM held WHERE side=?1 AND kind=?2 AND rid=?3",
	    error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text (stmt, 1, cs_side_to_string (side), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, cs_kind_to_string (kind), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, id, -1, SQLITE_TRANSIENT);
	if (why != NULL)
		sqlite3_bind_text (stmt, 4, why, -1, SQLITE_TRANSIENT);
	return step_done (self, stmt, error);
}
