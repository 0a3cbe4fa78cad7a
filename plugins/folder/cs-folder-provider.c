/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#else
#include <io.h>
#endif
#ifndef O_BINARY
#define O_BINARY 0
#endif

#include "crmsync-plugin.h"
#include "cs-folder-private.h"

/*
 * Records as files: <path>/<kind>/<id>.json, one JSON object of fields.
 * Version = content hash, a missing file = a deletion. Without schema= the
 * folder takes any field; with schema=NAME it speaks that provider's
 * schema, so the real default mappings apply to it.
 */

#define CS_TYPE_FOLDER_PROVIDER (cs_folder_provider_get_type ())
G_DECLARE_FINAL_TYPE (CsFolderProvider, cs_folder_provider, CS, FOLDER_PROVIDER, CsProvider)

struct _CsFolderProvider {
	CsProvider parent_instance;
	gchar *path;   /* (owned) */
	gchar *schema; /* (owned) (nullable) */
	gboolean read_only;
};

G_DEFINE_TYPE (CsFolderProvider, cs_folder_provider, CS_TYPE_PROVIDER)

static gboolean
cs_folder_provider_setup (CsProvider *provider, GKeyFile *profile, const gchar *group,
			  GError **error)
{
	CsFolderProvider *self = CS_FOLDER_PROVIDER (provider);
	static const gchar *keys[] = {"path", "schema", "read-only", NULL};
	g_autofree gchar *path = NULL;
	g_autofree gchar *ro = NULL;

	if (!cs_provider_check_keys (profile, group, keys, error))
		return FALSE;
	path = g_key_file_get_string (profile, group, "path", NULL);
	if (path == NULL || path[0] == '\0') {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] path= is missing (the folder that holds the records)"), group);
		return FALSE;
	}
	g_free (self->path);
	self->path = cs_provider_resolve_path (provider, path);
	g_free (self->schema);
	self->schema = g_key_file_get_string (profile, group, "schema", NULL);
	if (self->schema != NULL && self->schema[0] == '\0')
		g_clear_pointer (&self->schema, g_free);
	if (self->schema != NULL) {
		g_autoptr(CsSchema) s = cs_schema_load_builtin (self->schema, CS_KIND_CONTACT, NULL);
		if (s == NULL) {
			g_auto(GStrv) names = g_resources_enumerate_children ("/org/crmsync/schemas/", 0, NULL);
			g_autoptr(GString) allowed = g_string_new (NULL);
			for (guint i = 0; names != NULL && names[i] != NULL; i++) {
				if (!g_str_has_suffix (names[i], ".json"))
					continue;
				if (allowed->len > 0)
					g_string_append (allowed, ", ");
				g_string_append_len (allowed, names[i], (gssize) strlen (names[i]) - 5);
			}
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("[%s] schema=%s is not allowed (allowed: %s, or no schema= for any field)"),
				     group, self->schema, allowed->str);
			return FALSE;
		}
	}
	ro = g_key_file_get_string (profile, group, "read-only", NULL);
	self->read_only = g_strcmp0 (ro, "true") == 0;
	return TRUE;
}

static CsCaps
cs_folder_provider_get_caps (CsProvider *provider, CsKind kind)
{
	CsFolderProvider *self = CS_FOLDER_PROVIDER (provider);
	if (self->read_only)
		return CS_CAP_READ;
	return CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELETE;
}

static CsSchema *
cs_folder_provider_get_schema (CsProvider *provider, CsKind kind, GError **error)
{
	CsFolderProvider *self = CS_FOLDER_PROVIDER (provider);
	CsSchema *schema;
	if (self->schema != NULL)
		return cs_schema_load_builtin (self->schema, kind, error);
	schema = cs_schema_new ("folder", kind);
	cs_schema_set_free (schema, TRUE);
	return schema;
}

static gboolean
cs_folder_provider_open (CsProvider *provider, GCancellable *cancellable, GError **error)
{
	CsFolderProvider *self = CS_FOLDER_PROVIDER (provider);
	if (!g_file_test (self->path, G_FILE_TEST_IS_DIR)) {
		if (g_mkdir_with_parents (self->path, 0700) != 0) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("cannot create the folder %s: %s"), self->path, g_strerror (errno));
			return FALSE;
		}
	}
	return TRUE;
}

static gchar *
kind_dir (CsFolderProvider *self, CsKind kind)
{
	return g_build_filename (self->path, cs_kind_to_string (kind), NULL);
}

static gboolean
valid_id (const gchar *id)
{
	if (id == NULL || id[0] == '\0' || id[0] == '.')
		return FALSE;
	return strpbrk (id, "/\\") == NULL;
}

CsRecord *
cs_folder_record_from_data (CsKind kind, const gchar *id, const gchar *data, gsize len,
			    GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autoptr(CsRecord) rec = NULL;
	g_autofree gchar *hash = NULL;

	if (!json_parser_load_from_data (parser, data, (gssize) len, error)) {
		g_prefix_error (error, _("not valid JSON: "));
		return NULL;
	}
	/* an empty file parses, without a root */
	if (json_parser_get_root (parser) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
				     _("not a JSON object of fields"));
		return NULL;
	}
	rec = cs_record_new (kind, id);
	cs_json_to_fields (json_node_get_object (json_parser_get_root (parser)), rec);
	hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
	hash[16] = '\0';
	cs_record_set_version (rec, hash);
	return g_steal_pointer (&rec);
}

static CsRecord *
read_record (CsFolderProvider *self, CsKind kind, const gchar *file, const gchar *id,
	     GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	CsRecord *rec;
	GStatBuf st;

	if (!g_file_get_contents (file, &data, &len, error))
		return NULL;
	rec = cs_folder_record_from_data (kind, id, data, len, error);
	if (rec != NULL && g_stat (file, &st) == 0)
		cs_record_set_modified (rec, (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC +
						 st.st_mtim.tv_nsec / 1000);
	return rec;
}

static gboolean
cs_folder_provider_read_changes (CsProvider *provider, CsKind kind, const gchar *cursor,
				 CsReadSink *sink, GCancellable *cancellable, GError **error)
{
	CsFolderProvider *self = CS_FOLDER_PROVIDER (provider);
	g_autofree gchar *dir = kind_dir (self, kind);
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GError) error_local = NULL;
	const gchar *entry;

	cs_read_sink_set_complete (sink, TRUE);
	if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	d = g_dir_open (dir, 0, &error_local);
	if (d == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED, "%s",
			     error_local->message);
		return FALSE;
	}
	while ((entry = g_dir_read_name (d)) != NULL) {
		if (g_str_has_suffix (entry, ".json") && entry[0] != '.')
			g_ptr_array_add (names, g_strdup (entry));
	}
	g_ptr_array_sort (names, cs_str_ptr_cmp);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index (names, i);
		g_autofree gchar *id = g_strndup (name, strlen (name) - 5);
		g_autofree gchar *file = g_build_filename (dir, name, NULL);
		g_autoptr(GError) err = NULL;
		g_autoptr(CsRecord) rec = NULL;

		if (g_cancellable_set_error_if_cancelled (cancellable, error))
			return FALSE;
		rec = read_record (self, kind, file, id, &err);
		if (rec == NULL) {
			g_autofree gchar *reason = g_strdup_printf (_("%s: %s"), file, err->message);
			cs_read_sink_skip (sink, id, reason);
			continue;
		}
		cs_read_sink_add (sink, rec);
		if (i % 1000 == 999)
			cs_read_sink_progress (sink, i + 1, names->len);
	}
	cs_read_sink_progress (sink, names->len, names->len);
	return TRUE;
}

/*
 * A batch is written in three steps, so that its files cost one flush of the
 * disk, not two per file: each record into a hidden temporary file beside its
 * own (".ID.json.tmp", which a read ignores), then all of them flushed at
 * once, then each renamed over its record and the folder flushed once. The
 * engine commits a record's id to the state only after write() returns, and
 * write() returns only after that last flush: so a record is on the disk
 * before its id is committed. A crash before then leaves at most a record
 * whose id the state does not have (its create is in the journal and is found
 * again by key) or the old content of one whose update is journalled, never a
 * half-written file under a record's name (a rename is all or nothing).
 */
typedef struct {
	CsWriteOp *op;
	gchar *id;
	gchar *tmp;
	gchar *file;
	gchar *version;
} Staged;

static void
staged_free (Staged *st)
{
	if (st->tmp != NULL)
		g_unlink (st->tmp);
	g_free (st->id);
	g_free (st->tmp);
	g_free (st->file);
	g_free (st->version);
	g_free (st);
}

static gboolean
write_all (gint fd, const gchar *data, gsize len, const gchar *file, GError **error)
{
	while (len > 0) {
		gssize n = write (fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gint saved = errno;
			g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
				     _("cannot write %s: %s"), file, g_strerror (saved));
			return FALSE;
		}
		data += n;
		len -= (gsize) n;
	}
	return TRUE;
}

/* the record as JSON into @tmp, not yet flushed; returns its version */
static gchar *
write_fields (CsFolderProvider *self, const gchar *tmp, CsRecord *rec, GError **error)
{
	g_autoptr(JsonNode) node = cs_json_from_fields (rec);
	g_autofree gchar *text = NULL;
	gchar *hash;
	g_autofree gchar *with_nl = NULL;
	g_autoptr(GError) error_json = NULL;
	gint fd;
	gboolean ok;

	/* a file we could not read back is worse than no file */
	text = cs_json_to_data (node, TRUE, &error_json);
	if (text == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("cannot store the record as JSON: %s"), error_json->message);
		return NULL;
	}
	with_nl = g_strconcat (text, "\n", NULL);
	fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_BINARY, 0600);
	if (fd < 0) {
		gint saved = errno;
		g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
			     _("cannot write %s: %s"), tmp, g_strerror (saved));
		return NULL;
	}
	ok = write_all (fd, with_nl, strlen (with_nl), tmp, error);
	if (close (fd) != 0 && ok) {
		gint saved = errno;
		g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
			     _("cannot write %s: %s"), tmp, g_strerror (saved));
		ok = FALSE;
	}
	if (!ok)
		return NULL;
	hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) with_nl, strlen (with_nl));
	hash[16] = '\0';
	return hash;
}

/* flushes @staged's files (all at once where the system can) */
static gboolean
flush_files (const gchar *dir, GPtrArray *staged, GError **error)
{
#ifdef __linux__
	/* one flush of the file system instead of one per file */
	gint fd = g_open (dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0) {
		gint rc = syncfs (fd);
		gint saved = errno;
		close (fd);
		if (rc == 0)
			return TRUE;
		g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
			     _("cannot write %s: %s"), dir, g_strerror (saved));
		return FALSE;
	}
#endif
	for (guint i = 0; i < staged->len; i++) {
		Staged *st = g_ptr_array_index (staged, i);
		gint ffd = g_open (st->tmp, O_RDWR | O_BINARY, 0);
		gint rc = ffd >= 0 ? g_fsync (ffd) : -1;
		gint saved = errno;
		if (ffd >= 0)
			close (ffd);
		if (rc != 0) {
			g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
				     _("cannot write %s: %s"), st->tmp, g_strerror (saved));
			return FALSE;
		}
	}
	return TRUE;
}

/* makes the renames and deletions in @dir durable */
static gboolean
flush_dir (const gchar *dir, GError **error)
{
#ifdef G_OS_UNIX
	gint fd = g_open (dir, O_RDONLY, 0);
	gint rc = fd >= 0 ? g_fsync (fd) : -1;
	gint saved = errno;
	if (fd >= 0)
		close (fd);
	if (rc != 0) {
		g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
			     _("cannot write %s: %s"), dir, g_strerror (saved));
		return FALSE;
	}
#endif
	return TRUE;
}

/* a full disk is not one record's problem: the whole batch stops */
static gboolean
batch_failed (const gchar *file, GError *err, GError **error)
{
	if (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOSPC))
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NO_SPACE,
			     _("cannot write %s: the disk is full"), file);
	else
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED, "%s", err->message);
	return FALSE;
}

static gboolean
cs_folder_provider_write (CsProvider *provider, CsKind kind, GPtrArray *ops,
			  GCancellable *cancellable, GError **error)
{
	CsFolderProvider *self = CS_FOLDER_PROVIDER (provider);
	g_autofree gchar *dir = kind_dir (self, kind);
	g_autoptr(GPtrArray) staged = g_ptr_array_new_with_free_func ((GDestroyNotify) staged_free);
	g_autoptr(GPtrArray) deleted = g_ptr_array_new ();
	g_autoptr(GError) err = NULL;

	if (g_mkdir_with_parents (dir, 0700) != 0) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
			     _("cannot create %s: %s"), dir, g_strerror (errno));
		return FALSE;
	}
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		const gchar *id = cs_record_get_id (op->record);
		g_autofree gchar *new_id = NULL;
		g_autofree gchar *file = NULL;
		g_autoptr(GError) op_err = NULL;
		Staged *st;

		if (op->action == CS_WRITE_CREATE) {
			new_id = g_uuid_string_random ();
			id = new_id;
		} else if (!valid_id (id)) {
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					       _("“%s” is not a record id"), id ? id : "");
			continue;
		}
		file = g_strdup_printf ("%s/%s.json", dir, id);
		if (op->action == CS_WRITE_DELETE) {
			if (g_unlink (file) != 0 && errno != ENOENT) {
				cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
						       _("cannot delete %s: %s"), file, g_strerror (errno));
				continue;
			}
			g_ptr_array_add (deleted, op);
			continue;
		}
		st = g_new0 (Staged, 1);
		st->op = op;
		st->id = g_strdup (id);
		st->tmp = g_strdup_printf ("%s/.%s.json.tmp", dir, id);
		st->file = g_steal_pointer (&file);
		if (op->action == CS_WRITE_UPDATE) {
			g_autoptr(CsRecord) cur = read_record (self, kind, st->file, id, &op_err);
			g_autoptr(GPtrArray) names = NULL;
			if (cur == NULL) {
				cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NOT_FOUND,
						       _("%s is gone: %s"), st->file, op_err->message);
				g_clear_pointer (&st->tmp, g_free);
				staged_free (st);
				continue;
			}
			names = cs_record_get_field_names (op->record);
			for (guint j = 0; j < names->len; j++) {
				const gchar *n = g_ptr_array_index (names, j);
				GVariant *v = cs_record_get_field (op->record, n);
				if (cs_value_is_null (v))
					cs_record_remove_field (cur, n);
				else
					cs_record_set_field (cur, n, v);
			}
			st->version = write_fields (self, st->tmp, cur, &op_err);
		} else {
			g_autoptr(CsRecord) clean = cs_record_copy (op->record);
			g_autoptr(GPtrArray) names = cs_record_get_field_names (op->record);
			for (guint j = 0; j < names->len; j++) {
				const gchar *n = g_ptr_array_index (names, j);
				if (cs_value_is_null (cs_record_get_field (op->record, n)))
					cs_record_remove_field (clean, n);
			}
			st->version = write_fields (self, st->tmp, clean, &op_err);
		}
		g_ptr_array_add (staged, st);
		if (st->version == NULL) {
			if (g_error_matches (op_err, G_FILE_ERROR, G_FILE_ERROR_NOSPC))
				return batch_failed (st->file, op_err, error);
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED, "%s",
					       op_err->message);
			g_ptr_array_remove_index (staged, staged->len - 1);
		}
	}
	if (staged->len > 0 && !flush_files (dir, staged, &err))
		return batch_failed (dir, err, error);
	for (guint i = 0; i < staged->len; i++) {
		Staged *st = g_ptr_array_index (staged, i);
		if (g_rename (st->tmp, st->file) != 0) {
			cs_write_op_set_error (st->op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
					       _("cannot write %s: %s"), st->file, g_strerror (errno));
			continue;
		}
		g_clear_pointer (&st->tmp, g_free);
	}
	if ((staged->len > 0 || deleted->len > 0) && !flush_dir (dir, &err))
		return batch_failed (dir, err, error);
	/* only now, with the files and the folder on the disk */
	for (guint i = 0; i < staged->len; i++) {
		Staged *st = g_ptr_array_index (staged, i);
		if (st->tmp == NULL)
			cs_write_op_set_done (st->op, st->id, st->version);
	}
	for (guint i = 0; i < deleted->len; i++) {
		CsWriteOp *op = g_ptr_array_index (deleted, i);
		cs_write_op_set_done (op, cs_record_get_id (op->record), NULL);
	}
	return TRUE;
}

/* records by id, one file each; an id without a file is left out (gone).
 * With it, the engine keeps the records of a listing that did not change
 * as stubs and reads the few a write needs again by id. */
static GPtrArray *
cs_folder_provider_get (CsProvider *provider, CsKind kind, GPtrArray *ids,
			GCancellable *cancellable, GError **error)
{
	CsFolderProvider *self = CS_FOLDER_PROVIDER (provider);
	g_autofree gchar *dir = kind_dir (self, kind);
	g_autoptr (GPtrArray) found
		= g_ptr_array_new_with_free_func ((GDestroyNotify)cs_record_unref);

	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index (ids, i);
		g_autofree gchar *name = NULL;
		g_autofree gchar *file = NULL;
		g_autoptr (GError) err = NULL;
		CsRecord *rec;

		if (g_cancellable_set_error_if_cancelled (cancellable, error))
			return NULL;
		if (!valid_id (id))
			continue;
		name = g_strconcat (id, ".json", NULL);
		file = g_build_filename (dir, name, NULL);
		rec = read_record (self, kind, file, id, &err);
		if (rec != NULL)
			g_ptr_array_add (found, rec);
		else if (!g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_debug ("%s: %s", file, err->message); /* unreadable now: as if gone */
	}
	return g_steal_pointer (&found);
}

static GPtrArray *
cs_folder_provider_find (CsProvider *provider, CsKind kind, const gchar *field, GVariant *value,
			 GCancellable *cancellable, GError **error)
{
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, TRUE);
	GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	GPtrArray *recs;
	g_autofree gchar *want = NULL;

	if (!cs_folder_provider_read_changes (provider, kind, NULL, sink, cancellable, error)) {
		g_ptr_array_unref (found);
		return NULL;
	}
	if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
		want = g_utf8_casefold (g_variant_get_string (value, NULL), -1);
	recs = cs_read_sink_get_records (sink);
	for (guint i = 0; i < recs->len; i++) {
		CsRecord *r = g_ptr_array_index (recs, i);
		GVariant *v = cs_record_get_field (r, field);
		gboolean hit = FALSE;
		if (v == NULL)
			continue;
		if (want != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
			g_autofree gchar *f = g_utf8_casefold (g_variant_get_string (v, NULL), -1);
			hit = g_strcmp0 (f, want) == 0;
		} else if (want != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY)) {
			for (gsize j = 0; j < g_variant_n_children (v) && !hit; j++) {
				const gchar *s;
				g_autofree gchar *f = NULL;
				g_variant_get_child (v, j, "&s", &s);
				f = g_utf8_casefold (s, -1);
				hit = g_strcmp0 (f, want) == 0;
			}
		} else {
			hit = cs_value_equal (v, value);
		}
		if (hit)
			g_ptr_array_add (found, cs_record_ref (r));
	}
	return found;
}

static void
cs_folder_provider_finalize (GObject *object)
{
	CsFolderProvider *self = CS_FOLDER_PROVIDER (object);
	g_free (self->path);
	g_free (self->schema);
	G_OBJECT_CLASS (cs_folder_provider_parent_class)->finalize (object);
}

/* what the assistant and the settings dialog ask for */
static const gchar *const folder_schema_choices[] = {"outlook", "orocrm", "webcrm", NULL};
static const gchar *const folder_schema_labels[] = {N_("Outlook"), N_("OroCRM"), N_("webCRM"), NULL};
static const CsSetting folder_settings[] = {
    {"path", N_("Folder"), CS_SETTING_FOLDER, NULL, NULL, TRUE, FALSE},
    {"schema", N_("Field names of"), CS_SETTING_CHOICE, folder_schema_choices, NULL, FALSE, TRUE,
     folder_schema_labels},
    {"read-only", N_("Read only"), CS_SETTING_BOOLEAN, NULL, "false", FALSE, TRUE},
    {NULL}};

static void
cs_folder_provider_class_init (CsFolderProviderClass *klass)
{
	CsProviderClass *pc = CS_PROVIDER_CLASS (klass);
	G_OBJECT_CLASS (klass)->finalize = cs_folder_provider_finalize;
	pc->name = "folder";
	pc->description = "Records as JSON files in a folder";
	/* TRANSLATORS: a profile side kept as files in a folder */
	pc->display_name = N_("Folder");
	pc->settings = folder_settings;
	pc->sides = CS_PROVIDER_SIDE_CRM | CS_PROVIDER_SIDE_OUTLOOK;
	pc->setup = cs_folder_provider_setup;
	pc->get_caps = cs_folder_provider_get_caps;
	pc->get_schema = cs_folder_provider_get_schema;
	pc->open = cs_folder_provider_open;
	pc->read_changes = cs_folder_provider_read_changes;
	pc->write = cs_folder_provider_write;
	pc->find = cs_folder_provider_find;
	pc->get = cs_folder_provider_get;
}

static void
cs_folder_provider_init (CsFolderProvider *self)
{
}

G_MODULE_EXPORT GType cs_provider_query_type (void);

G_MODULE_EXPORT GType
cs_provider_query_type (void)
{
	return CS_TYPE_FOLDER_PROVIDER;
}
