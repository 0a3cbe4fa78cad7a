/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cs-profile.h"
#include "cs-pst-private.h"

#define READER_NAME	"crmsync-pst-reader"
#define DEFAULT_TIMEOUT 60 /* seconds without a line from the reader */

struct _CsPstProvider {
	CsProvider parent_instance;
	gchar *path;	     /* (owned) (nullable): the .pst/.ost, resolved */
	gchar *folders;	     /* (owned) (nullable): `;`-separated folder paths */
	gboolean attachments; /* attachment content, not only names and sizes */
	guint timeout;	     /* seconds */
	gchar *format;	     /* (owned) (nullable): set by open() */
	/* one pass of the reader serves every kind, valid while the file is
	 * unchanged (size and mtime) */
	GPtrArray *cached[CS_KIND_LAST]; /* (owned) (nullable) (element-type JsonObject) */
	gboolean listed;		 /* cached[] holds the whole file */
	gint64 cache_mtime;
	goffset cache_size;
	GPtrArray *damaged; /* (owned) (element-type utf8): items that crashed the reader */
	/* `[KIND] select=category:NAME`: only records carrying that Outlook
	 * category are read (the webCRM guide's "ticked" items) */
	gchar *select[CS_KIND_LAST]; /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (CsPstProvider, cs_pst_provider, CS_TYPE_PROVIDER)

enum { PROP_0, PROP_FORMAT, N_PROPS };
static GParamSpec *props[N_PROPS];

typedef gboolean (*LineFunc) (JsonObject *line, gpointer user_data, GError **error);

/* the helper parses in its own process (libpst keeps global state, may call
 * exit() and crashes on some damaged files); tests point at the build tree */
static gchar *
find_reader (void)
{
	const gchar *env = g_getenv ("CRMSYNC_PST_READER");
	g_autofree gchar *installed = g_build_filename (CS_PKGLIBEXECDIR, READER_NAME, NULL);
	g_autofree gchar *built = g_build_filename (CS_BUILD_PLUGIN_DIR, "pst", READER_NAME, NULL);

	if (env != NULL && env[0] != '\0')
		return g_strdup (env);
	if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
		return g_steal_pointer (&installed);
	if (g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
		return g_steal_pointer (&built);
	return g_steal_pointer (&installed);
}

static gboolean
handle_lines (GString *buf, LineFunc func, gpointer user_data, JsonObject **error_line,
	      GError **error)
{
	gchar *nl;
	while ((nl = memchr (buf->str, '\n', buf->len)) != NULL) {
		g_autoptr(JsonParser) parser = json_parser_new ();
		gsize len = (gsize) (nl - buf->str);
		JsonNode *root;
		JsonObject *obj;

		if (!json_parser_load_from_data (parser, buf->str, (gssize) len, NULL)) {
			g_string_erase (buf, 0, (gssize) len + 1);
			continue; /* not ours: a library's stray print */
		}
		g_string_erase (buf, 0, (gssize) len + 1);
		root = json_parser_get_root (parser);
		if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
			continue;
		obj = json_node_get_object (root);
		if (g_strcmp0 (cs_json_get_string_or (obj, "type", ""),
			       "error") == 0) {
			if (*error_line == NULL)
				*error_line = json_object_ref (obj);
			continue;
		}
		if (!func (obj, user_data, error))
			return FALSE;
	}
	return TRUE;
}

/* waits for the child to go, killing it when it does not within @seconds */
static void
reap (GSubprocess *proc, guint seconds)
{
	for (guint i = 0; i < seconds * 100 && g_subprocess_get_identifier (proc) != NULL; i++)
		g_usleep (10 * 1000);
	if (g_subprocess_get_identifier (proc) != NULL)
		g_subprocess_force_exit (proc);
	g_subprocess_wait (proc, NULL, NULL);
}

/* @crash_folder: (nullable): where the line handler keeps the folder the
 * reader named as it died */
static gboolean
run_reader (CsPstProvider *self, const gchar *const *args, LineFunc func, gpointer user_data,
	    gchar **crash_folder, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *reader = find_reader ();
	g_autoptr(GPtrArray) argv = g_ptr_array_new ();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GString) buf = g_string_new (NULL);
	g_autoptr(JsonObject) error_line = NULL;
	g_autoptr(GError) error_local = NULL;
	GInputStream *out;
	GPollFD fds[2];
	guint nfds = 1;
	gboolean cancel_fd = FALSE;
	const gchar *why = NULL;
	gchar chunk[65536];

	g_ptr_array_add (argv, reader);
	for (guint i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add (argv, (gpointer) args[i]);
	g_ptr_array_add (argv, (gpointer) "--");
	g_ptr_array_add (argv, self->path);
	g_ptr_array_add (argv, NULL);

	proc = g_subprocess_newv (
	    (const gchar *const *) argv->pdata,
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error_local);
	if (proc == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
			     _("cannot start the PST reader %s: %s"), reader, error_local->message);
		return FALSE;
	}
	out = g_subprocess_get_stdout_pipe (proc);
	fds[0].fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (out));
	fds[0].events = G_IO_IN | G_IO_HUP | G_IO_ERR;
	if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fds[1])) {
		nfds = 2;
		cancel_fd = TRUE;
	}

	for (;;) {
		gssize n;
		gint rc = g_poll (fds, nfds, (gint) self->timeout * 1000);
		if (rc < 0 && errno == EINTR)
			continue;
		if (g_cancellable_is_cancelled (cancellable)) {
			g_subprocess_force_exit (proc);
			g_subprocess_wait (proc, NULL, NULL);
			if (cancel_fd)
				g_cancellable_release_fd (cancellable);
			g_cancellable_set_error_if_cancelled (cancellable, error);
			return FALSE;
		}
		if (rc == 0) {
			g_subprocess_force_exit (proc);
			g_subprocess_wait (proc, NULL, NULL);
			if (cancel_fd)
				g_cancellable_release_fd (cancellable);
			g_set_error (
			    error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
			    _("cannot read %s: the reader gave no answer for %u s (stopped)"),
			    self->path, self->timeout);
			return FALSE;
		}
		n = read (fds[0].fd, chunk, sizeof chunk);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		g_string_append_len (buf, chunk, n);
		if (!handle_lines (buf, func, user_data, &error_line, error)) {
			g_subprocess_force_exit (proc);
			g_subprocess_wait (proc, NULL, NULL);
			if (cancel_fd)
				g_cancellable_release_fd (cancellable);
			return FALSE;
		}
	}
	if (cancel_fd)
		g_cancellable_release_fd (cancellable);
	reap (proc, self->timeout);

	if (error_line != NULL)
		why = cs_json_get_string_or (error_line, "message", NULL);
	if (why != NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
			     _("cannot read %s: %s"), self->path, why);
		return FALSE;
	}
	/* a crash or a stop is the file's damage (the reader survives any
	 * well-formed file): say so, where, and what repairs it */
	if (g_subprocess_get_if_signaled (proc) || g_subprocess_get_exit_status (proc) != 0) {
		const gchar *folder = crash_folder != NULL ? *crash_folder : NULL;
		g_debug ("%s: the reader %s %d", self->path,
			 g_subprocess_get_if_signaled (proc) ? "died of signal" : "ended with",
			 g_subprocess_get_if_signaled (proc) ? g_subprocess_get_term_sig (proc)
							     : g_subprocess_get_exit_status (proc));
		if (folder != NULL)
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
				     /* TRANSLATORS: %s are the file and an Outlook folder;
				      * scanpst.exe is Outlook's own repair tool */
				     _("cannot read %s: the file is damaged (in the folder “%s”); "
				       "repair it with Outlook's Inbox Repair Tool (scanpst.exe) "
				       "and try again"),
				     self->path, folder[0] != '\0' && g_strcmp0 (folder, "/") != 0
						     ? folder
						     : _("top of the file"));
		else
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
				     /* TRANSLATORS: scanpst.exe is Outlook's own repair tool */
				     _("cannot read %s: the file is damaged; repair it with "
				       "Outlook's Inbox Repair Tool (scanpst.exe) and try again"),
				     self->path);
		return FALSE;
	}
	return TRUE;
}

/* ---- open ------------------------------------------------------------- */

static void
clear_cache (CsPstProvider *self)
{
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_clear_pointer (&self->cached[k], g_ptr_array_unref);
	self->listed = FALSE;
}

static void
cs_pst_provider_close (CsProvider *provider)
{
	clear_cache (CS_PST_PROVIDER (provider));
}

/* ---- read ------------------------------------------------------------- */

static gboolean
file_stamp (CsPstProvider *self, gint64 *mtime, goffset *size)
{
	GStatBuf st;
	if (g_stat (self->path, &st) != 0)
		return FALSE;
	*mtime = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
	*size = (goffset) st.st_size;
	return TRUE;
}

typedef struct {
	CsKind kind;
	CsReadSink *sink;
	guint n;
	const gchar *select; /* (nullable): the category a record must carry */
	guint n_unselected;
} Delivery;

/* Outlook compares category names without case */
static gboolean
has_category (JsonObject *fields, const gchar *name)
{
	JsonNode *node = fields != NULL ? json_object_get_member (fields, "categories") : NULL;
	g_autofree gchar *want = g_utf8_casefold (name, -1);
	JsonArray *list;

	if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
		return FALSE;
	list = json_node_get_array (node);
	for (guint i = 0; i < json_array_get_length (list); i++) {
		const gchar *c = json_array_get_string_element (list, i);
		g_autofree gchar *have = c != NULL ? g_utf8_casefold (c, -1) : NULL;
		if (g_strcmp0 (have, want) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
deliver (Delivery *d, JsonObject *line)
{
	const gchar *type = cs_json_get_string_or (line, "type", "");
	const gchar *id = cs_json_get_string_or (line, "id", NULL);

	if (g_strcmp0 (type, "skip") == 0) {
		cs_read_sink_skip (d->sink, id,
				   cs_json_get_string_or (line, "reason", ""));
		return;
	}
	if (g_strcmp0 (type, "item") == 0 && id != NULL) {
		g_autoptr(CsRecord) record = NULL;
		g_autofree gchar *version = NULL;
		JsonNode *fields = json_object_get_member (line, "fields");

		if (d->select != NULL &&
		    !has_category (fields != NULL && JSON_NODE_HOLDS_OBJECT (fields)
				       ? json_node_get_object (fields)
				       : NULL,
				   d->select)) {
			d->n_unselected++;
			return;
		}
		record = cs_record_new (d->kind, id);
		const gchar *zone =
		    cs_json_get_string_or (line, "timeZoneWindows", NULL);

		if (fields != NULL && JSON_NODE_HOLDS_OBJECT (fields))
			cs_json_to_fields (json_node_get_object (fields), record);
		/* the file names Windows zones; records hold IANA names */
		if (zone != NULL && d->kind == CS_KIND_EVENT) {
			g_autofree gchar *iana = cs_timezone_to_iana (zone);
			if (iana != NULL)
				cs_record_set_string (record, "timeZone", iana);
		}
		cs_record_set_folder (record, cs_json_get_string_or (
						  line, "folder", NULL));
		cs_record_set_modified (
		    record, cs_json_get_int (line, "modified", 0));
		/* every field is a mapped (schema) field: their hash is the version */
		version = cs_record_hash_fields (record, NULL);
		cs_record_set_version (record, version);
		cs_read_sink_add (d->sink, record);
		cs_read_sink_progress (d->sink, ++d->n, 0);
	}
}

typedef struct {
	GPtrArray *lines[CS_KIND_LAST]; /* (owned) (nullable) (element-type JsonObject) */
	gboolean ended;
	gchar *crashed_on; /* (owned) (nullable): the item the reader died on */
	gchar *format;	   /* (owned) (nullable): from the reader's "file" line */
	gchar *crash_folder; /* (owned) (nullable): the folder of that item */
} ReadData;

static void
read_data_clear (ReadData *d)
{
	for (guint k = 0; k < CS_KIND_LAST; k++)
		if (d->lines[k] != NULL)
			g_ptr_array_set_size (d->lines[k], 0);
	d->ended = FALSE;
	g_clear_pointer (&d->crashed_on, g_free);
	g_clear_pointer (&d->crash_folder, g_free);
}

static gboolean
read_line (JsonObject *line, gpointer user_data, GError **error)
{
	ReadData *d = user_data;
	const gchar *type = cs_json_get_string_or (line, "type", "");
	CsKind kind;

	if (g_strcmp0 (type, "end") == 0) {
		d->ended = TRUE;
		return TRUE;
	}
	if (g_strcmp0 (type, "file") == 0) {
		g_free (d->format);
		d->format = g_strdup (cs_json_get_string_or (line, "format", "unknown"));
		return TRUE;
	}
	if (g_strcmp0 (type, "crash") == 0) {
		g_free (d->crashed_on);
		d->crashed_on =
		    g_strdup (cs_json_get_string_or (line, "id", NULL));
		g_free (d->crash_folder);
		d->crash_folder = g_strdup (cs_json_get_string_or (line, "folder", NULL));
		return TRUE;
	}
	if (cs_kind_from_string (cs_json_get_string_or (line, "kind", ""),
				 &kind) &&
	    d->lines[kind] != NULL)
		g_ptr_array_add (d->lines[kind], json_object_ref (line));
	return TRUE;
}

gboolean
cs_pst_provider_decode_stream (CsPstProvider *self, CsKind kind, GString *buf, CsReadSink *sink,
			       gchar **error_message)
{
	ReadData d = {{NULL}, FALSE, NULL, NULL, NULL};
	Delivery delivery = {kind, sink, 0, NULL, 0};
	g_autoptr(JsonObject) error_line = NULL;
	gboolean ended;

	for (guint k = 0; k < CS_KIND_LAST; k++)
		d.lines[k] = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
	handle_lines (buf, read_line, &d, &error_line, NULL);
	for (guint i = 0; i < d.lines[kind]->len; i++)
		deliver (&delivery, g_ptr_array_index (d.lines[kind], i));
	if (error_line != NULL && error_message != NULL)
		*error_message = g_strdup (cs_json_get_string_or (error_line, "message", NULL));
	ended = d.ended;
	read_data_clear (&d);
	g_free (d.format);
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_ptr_array_unref (d.lines[k]);
	return ended;
}

/* an item that crashes libpst is read around: the reader names it as it
 * dies, and runs again without it (it is then reported as skipped) */
#define MAX_DAMAGED_ITEMS 50

/* the reader's options (NULL-terminated): the profile's folders= unless
 * @all_folders, attachments, and the items found to crash it (skipped) */
static void
reader_args (CsPstProvider *self, GPtrArray *args, gboolean all_folders)
{
	if (self->folders != NULL && !all_folders)
		g_ptr_array_add (args, g_strdup_printf ("--folders=%s", self->folders));
	if (self->attachments)
		g_ptr_array_add (args, g_strdup ("--attachments"));
	if (self->damaged->len > 0) {
		g_autofree gchar *ids = NULL;
		g_ptr_array_add (self->damaged, NULL);
		ids = g_strjoinv (",", (gchar **) self->damaged->pdata);
		g_ptr_array_remove_index (self->damaged, self->damaged->len - 1);
		g_ptr_array_add (args, g_strdup_printf ("--skip=%s", ids));
	}
	g_ptr_array_add (args, NULL);
}

/* ONE run of the reader lists every kind of the file (issue 18: starting it
 * per kind tripled the cost of a sync); each kind's lines wait until it is
 * read (then they are dropped: e-mail bodies are large), or the file changes,
 * or the provider is closed. @need: the kind about to be read, or
 * CS_KIND_LAST to list again whatever is kept */
static gboolean
list_file (CsPstProvider *self, CsKind need, GCancellable *cancellable, GError **error)
{
	ReadData d = {{NULL}, FALSE, NULL, NULL, NULL};
	gint64 mtime = 0;
	goffset size = 0;
	gboolean ok = FALSE;

	if (file_stamp (self, &mtime, &size) && need < CS_KIND_LAST && self->listed &&
	    self->cached[need] != NULL && mtime == self->cache_mtime && size == self->cache_size)
		return TRUE;
	clear_cache (self);
	g_ptr_array_set_size (self->damaged, 0);
	self->cache_mtime = mtime;
	self->cache_size = size;
	for (CsKind k = CS_KIND_CONTACT; k < CS_KIND_LAST; k++)
		d.lines[k] = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

	for (;;) {
		g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
		g_autoptr(GError) error_local = NULL;

		reader_args (self, args, FALSE);

		read_data_clear (&d);
		if (run_reader (self, (const gchar *const *) args->pdata, read_line, &d,
				&d.crash_folder, cancellable, &error_local) &&
		    d.ended) {
			ok = TRUE;
			break;
		}
		if (error_local == NULL && d.format == NULL)
			g_set_error (&error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
				     _("cannot read %s: the reader gave no answer"), self->path);
		else if (error_local == NULL)
			g_set_error (&error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
				     _("cannot read %s: the reader stopped before the end"),
				     self->path);
		if (d.crashed_on == NULL || self->damaged->len >= MAX_DAMAGED_ITEMS ||
		    !g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT) ||
		    g_ptr_array_find_with_equal_func (self->damaged, d.crashed_on, g_str_equal,
						      NULL)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			break;
		}
		g_debug ("%s: item %s stopped the reader (%s); reading again without it",
			 self->path, d.crashed_on, error_local->message);
		g_ptr_array_add (self->damaged, g_steal_pointer (&d.crashed_on));
	}

	if (ok) {
		for (CsKind k = CS_KIND_CONTACT; k < CS_KIND_LAST; k++)
			self->cached[k] = g_steal_pointer (&d.lines[k]);
		if (d.format != NULL) {
			g_free (self->format);
			self->format = g_steal_pointer (&d.format);
		}
		self->listed = TRUE;
	}
	read_data_clear (&d);
	g_free (d.format);
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_clear_pointer (&d.lines[k], g_ptr_array_unref);
	return ok;
}

static gboolean
cs_pst_provider_read_changes (CsProvider *provider, CsKind kind, const gchar *cursor,
			      CsReadSink *sink, GCancellable *cancellable, GError **error)
{
	CsPstProvider *self = CS_PST_PROVIDER (provider);
	Delivery delivery = {kind, sink, 0, self->select[kind], 0};
	g_autoptr(GPtrArray) lines = NULL;

	if (self->path == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("[outlook] path= is required (the .pst or .ost file)"));
		return FALSE;
	}
	/* a file has no change log: every read lists everything. Not when only
	 * ticked records are read: a record whose tick was taken away is left
	 * alone on the other side, never taken for deleted */
	cs_read_sink_set_complete (sink, self->select[kind] == NULL);
	if (!list_file (self, kind, cancellable, error))
		return FALSE;
	lines = g_steal_pointer (&self->cached[kind]);
	for (guint i = 0; lines != NULL && i < lines->len; i++)
		deliver (&delivery, g_ptr_array_index (lines, i));
	if (delivery.n_unselected > 0)
		g_debug ("%s: %u %s records without the category “%s” left out", self->path,
			 delivery.n_unselected, cs_kind_to_string (kind), self->select[kind]);
	return TRUE;
}

/* open() checks the file by listing it: the one run of the reader a sync
 * (or pst-list) makes */
static gboolean
cs_pst_provider_open (CsProvider *provider, GCancellable *cancellable, GError **error)
{
	CsPstProvider *self = CS_PST_PROVIDER (provider);

	if (self->path == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("[outlook] path= is required (the .pst or .ost file)"));
		return FALSE;
	}
	if (g_access (self->path, R_OK) != 0) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
			     _("cannot read %s: %s"), self->path, g_strerror (errno));
		return FALSE;
	}
	if (g_file_test (self->path, G_FILE_TEST_IS_DIR)) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
			     _("cannot read %s: it is a folder, not a .pst or .ost file"),
			     self->path);
		return FALSE;
	}
	self->listed = FALSE;
	if (!list_file (self, CS_KIND_LAST, cancellable, error))
		return FALSE;
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FORMAT]);
	return TRUE;
}

/* ---- find: a file has no index, so it is a filtered listing ------------ */

/* text compares without case (e-mail addresses); a list matches when one
 * of its elements does */
static gboolean
value_matches (GVariant *have, GVariant *want)
{
	g_autofree gchar *w = NULL;

	if (!g_variant_is_of_type (want, G_VARIANT_TYPE_STRING))
		return cs_value_equal (have, want);
	w = g_utf8_casefold (g_variant_get_string (want, NULL), -1);
	if (g_variant_is_of_type (have, G_VARIANT_TYPE_STRING)) {
		g_autofree gchar *h = g_utf8_casefold (g_variant_get_string (have, NULL), -1);
		return g_strcmp0 (h, w) == 0;
	}
	if (g_variant_is_of_type (have, G_VARIANT_TYPE_STRING_ARRAY)) {
		g_autofree const gchar **list = g_variant_get_strv (have, NULL);
		for (guint i = 0; list[i] != NULL; i++) {
			g_autofree gchar *h = g_utf8_casefold (list[i], -1);
			if (g_strcmp0 (h, w) == 0)
				return TRUE;
		}
	}
	return FALSE;
}

static GPtrArray *
cs_pst_provider_find (CsProvider *provider, CsKind kind, const gchar *field, GVariant *value,
		      GCancellable *cancellable, GError **error)
{
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, TRUE);
	g_autoptr(GPtrArray) found =
	    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	GPtrArray *records;

	if (!cs_pst_provider_read_changes (provider, kind, NULL, sink, cancellable, error))
		return NULL;
	records = cs_read_sink_get_records (sink);
	for (guint i = 0; i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		GVariant *v = cs_record_get_field (r, field);
		if (v != NULL && value_matches (v, value))
			g_ptr_array_add (found, cs_record_ref (r));
	}
	return g_steal_pointer (&found);
}

/*
 * folders= lists some folders of the file: a linked record missing from them
 * may have been moved to another folder of the file (Outlook keeps its id),
 * not deleted. The engine asks for such records by id (get) before it calls
 * them deleted; get reads the whole file once to answer.
 */
static void
cs_pst_provider_get_horizon (CsProvider *provider, CsKind kind, CsHorizon *horizon)
{
	CsPstProvider *self = CS_PST_PROVIDER (provider);
	horizon->partial = self->folders != NULL;
}

static GPtrArray *
cs_pst_provider_get (CsProvider *provider, CsKind kind, GPtrArray *ids, GCancellable *cancellable,
		     GError **error)
{
	CsPstProvider *self = CS_PST_PROVIDER (provider);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, TRUE);
	g_autoptr(GHashTable) want = g_hash_table_new (g_str_hash, g_str_equal);
	ReadData d = {{NULL}, FALSE, NULL, NULL, NULL};
	Delivery delivery = {kind, sink, 0, self->select[kind], 0};
	GPtrArray *records;
	gboolean ok;

	if (self->path == NULL || ids->len == 0)
		return g_steal_pointer (&out);
	for (guint i = 0; i < ids->len; i++)
		g_hash_table_add (want, g_ptr_array_index (ids, i));
	/* every folder; items the listing found damaged stay skipped */
	reader_args (self, args, TRUE);
	d.lines[kind] = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
	ok = run_reader (self, (const gchar *const *) args->pdata, read_line, &d, &d.crash_folder,
			 cancellable, error);
	if (ok && !d.ended) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT,
			     _("cannot read %s: the reader stopped before the end"), self->path);
		ok = FALSE;
	}
	for (guint i = 0; ok && i < d.lines[kind]->len; i++) {
		JsonObject *line = g_ptr_array_index (d.lines[kind], i);
		if (g_hash_table_contains (want, cs_json_get_string_or (line, "id", "")))
			deliver (&delivery, line);
	}
	read_data_clear (&d);
	g_free (d.format);
	g_ptr_array_unref (d.lines[kind]);
	if (!ok)
		return NULL;
	records = cs_read_sink_get_records (sink);
	for (guint i = 0; i < records->len; i++)
		g_ptr_array_add (out, cs_record_ref (g_ptr_array_index (records, i)));
	return g_steal_pointer (&out);
}

/* ---- setup ------------------------------------------------------------ */

static gboolean
cs_pst_provider_setup (CsProvider *provider, GKeyFile *profile, const gchar *group,
		       GError **error)
{
	CsPstProvider *self = CS_PST_PROVIDER (provider);
	static const gchar *allowed[] = {"path", "folders", "attachments", "timeout", NULL};
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!cs_provider_check_keys (profile, group, allowed, error))
		return FALSE;
	path = g_key_file_get_string (profile, group, "path", NULL);
	if (path == NULL || path[0] == '\0') {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] path= is required (the .pst or .ost file)"), group);
		return FALSE;
	}
	g_free (self->path);
	self->path = cs_provider_resolve_path (provider, g_strstrip (path));

	g_clear_pointer (&self->folders, g_free);
	self->folders = g_key_file_get_string (profile, group, "folders", NULL);
	if (self->folders != NULL && g_strstrip (self->folders)[0] == '\0')
		g_clear_pointer (&self->folders, g_free);

	self->attachments = FALSE;
	if (g_key_file_has_key (profile, group, "attachments", NULL)) {
		self->attachments = g_key_file_get_boolean (profile, group, "attachments",
							    &error_local);
		if (error_local != NULL) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("[%s] attachments= must be true or false"), group);
			return FALSE;
		}
	}
	for (CsKind k = CS_KIND_CONTACT; k < CS_KIND_LAST; k++) {
		g_free (self->select[k]);
		self->select[k] =
		    k != CS_KIND_ORGANISATION ? cs_profile_keyfile_get_select (profile, k) : NULL;
	}
	self->timeout = DEFAULT_TIMEOUT;
	if (g_key_file_has_key (profile, group, "timeout", NULL)) {
		g_autofree gchar *text = g_key_file_get_string (profile, group, "timeout", NULL);
		guint64 v = 0;
		if (text == NULL ||
		    !g_ascii_string_to_unsigned (g_strstrip (text), 10, 1, 3600, &v, NULL)) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("[%s] timeout= must be a number of seconds, 1..3600"),
				     group);
			return FALSE;
		}
		self->timeout = (guint) v;
	}
	return TRUE;
}

static CsCaps
cs_pst_provider_get_caps (CsProvider *provider, CsKind kind)
{
	switch (kind) {
	case CS_KIND_CONTACT:
	case CS_KIND_TASK:
	case CS_KIND_EVENT:
	case CS_KIND_EMAIL:
		return CS_CAP_READ;
	case CS_KIND_ORGANISATION:
	case CS_KIND_LAST:
	default:
		return 0;
	}
}

static CsSchema *
cs_pst_provider_get_schema (CsProvider *provider, CsKind kind, GError **error)
{
	return cs_schema_load_builtin ("outlook", kind, error);
}

/* ---- GObject ---------------------------------------------------------- */

/**
 * cs_pst_provider_get_format:
 * Returns: (nullable): "ANSI", "Unicode", "Unicode OST"…; %NULL before open()
 */
const gchar *
cs_pst_provider_get_format (CsPstProvider *self)
{
	g_return_val_if_fail (CS_IS_PST_PROVIDER (self), NULL);
	return self->format;
}

static void
cs_pst_provider_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CsPstProvider *self = CS_PST_PROVIDER (object);
	switch (prop_id) {
	case PROP_FORMAT:
		g_value_set_string (value, self->format);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
		break;
	}
}

static void
cs_pst_provider_finalize (GObject *object)
{
	CsPstProvider *self = CS_PST_PROVIDER (object);
	g_free (self->path);
	g_free (self->folders);
	g_free (self->format);
	clear_cache (self);
	g_ptr_array_unref (self->damaged);
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_free (self->select[k]);
	G_OBJECT_CLASS (cs_pst_provider_parent_class)->finalize (object);
}

/* what the assistant and the settings dialog ask for */
static const CsSetting pst_settings[] = {
    {"path", N_("Outlook data file (.pst, .ost)"), CS_SETTING_FILE, NULL, NULL, TRUE, FALSE},
    {NULL}};

static void
cs_pst_provider_class_init (CsPstProviderClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	CsProviderClass *provider_class = CS_PROVIDER_CLASS (klass);

	object_class->get_property = cs_pst_provider_get_property;
	object_class->finalize = cs_pst_provider_finalize;

	provider_class->name = "pst";
	provider_class->description = N_("Outlook data file (.pst/.ost), read-only");
	/* TRANSLATORS: an Outlook data file as a profile side */
	provider_class->display_name = N_("Outlook data file");
	provider_class->settings = pst_settings;
	provider_class->sides = CS_PROVIDER_SIDE_OUTLOOK;
	provider_class->setup = cs_pst_provider_setup;
	provider_class->get_caps = cs_pst_provider_get_caps;
	provider_class->get_schema = cs_pst_provider_get_schema;
	provider_class->open = cs_pst_provider_open;
	provider_class->close = cs_pst_provider_close;
	provider_class->read_changes = cs_pst_provider_read_changes;
	provider_class->find = cs_pst_provider_find;
	provider_class->get = cs_pst_provider_get;
	provider_class->get_horizon = cs_pst_provider_get_horizon;

	props[PROP_FORMAT] =
	    g_param_spec_string ("format", NULL, "The file's format, known after open()", NULL,
				 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cs_pst_provider_init (CsPstProvider *self)
{
	self->timeout = DEFAULT_TIMEOUT;
	self->damaged = g_ptr_array_new_with_free_func (g_free);
}

G_MODULE_EXPORT GType cs_provider_query_type (void);

G_MODULE_EXPORT GType
cs_provider_query_type (void)
{
	return CS_TYPE_PST_PROVIDER;
}
