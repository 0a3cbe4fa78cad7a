/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-read-sink.h"

struct _CsReadSink {
	GObject parent_instance;
	CsKind kind;
	gboolean complete;	/* records not listed are gone */
	gchar *cursor;		/* (owned) (nullable) */
	GPtrArray *records;	/* (owned) (element-type CsRecord) */
	GPtrArray *skips;	/* (owned) (element-type CsSkip) */
	GPtrArray *set_aside;	/* (owned) (element-type utf8) read, kept out by the engine */
	CsReadSinkVersionFunc version_func; /* (nullable) */
	gpointer version_data;
	/* streaming (cs_read_sink_set_chunk_func()) */
	CsReadSinkChunkFunc chunk_func; /* (nullable) */
	gpointer chunk_data;
	guint chunk_size;
	guint streamed;		/* records[0, streamed) are stubs of records handed on */
	GHashTable *streamed_ids; /* (nullable) ids handed on (borrowed from the stubs) */
	GError *chunk_error;	/* (nullable) (owned) */
	GCancellable *cancel;	/* (nullable) (owned) cancelled when a chunk fails */
};

G_DEFINE_TYPE (CsReadSink, cs_read_sink, G_TYPE_OBJECT)

enum { SIGNAL_PROGRESS, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

CsSkip *
cs_skip_new (CsKind kind, const gchar *id, const gchar *reason)
{
	CsSkip *skip = g_new0 (CsSkip, 1);
	skip->kind = kind;
	skip->id = g_strdup (id);
	skip->reason = g_strdup (reason);
	return skip;
}

void
cs_skip_free (CsSkip *skip)
{
	if (skip == NULL)
		return;
	g_free (skip->id);
	g_free (skip->reason);
	g_free (skip);
}

static void
cs_read_sink_finalize (GObject *object)
{
	CsReadSink *self = CS_READ_SINK (object);
	g_free (self->cursor);
	g_clear_pointer (&self->streamed_ids, g_hash_table_unref);
	g_clear_error (&self->chunk_error);
	g_clear_object (&self->cancel);
	g_ptr_array_unref (self->records);
	g_ptr_array_unref (self->skips);
	g_ptr_array_unref (self->set_aside);
	G_OBJECT_CLASS (cs_read_sink_parent_class)->finalize (object);
}

static void
cs_read_sink_class_init (CsReadSinkClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_read_sink_finalize;
	/* emitted in the reading thread */
	signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
						 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						 G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
cs_read_sink_init (CsReadSink *self)
{
	self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	self->skips = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_skip_free);
	self->set_aside = g_ptr_array_new_with_free_func (g_free);
}

/**
 * cs_read_sink_new:
 * @complete: whether the read lists everything (no cursor, or no delta support)
 */
CsReadSink *
cs_read_sink_new (CsKind kind, gboolean complete)
{
	CsReadSink *self = g_object_new (CS_TYPE_READ_SINK, NULL);
	self->kind = kind;
	self->complete = complete;
	return self;
}

/**
 * cs_read_sink_add:
 * @record: (transfer none): an upsert, or a tombstone (cs_record_new_tombstone())
 */
static gboolean
as_link_stored (CsReadSink *self, const gchar *id, const gchar *version)
{
	g_autofree gchar *known = NULL;

	if (self->version_func == NULL || id == NULL || version == NULL)
		return FALSE;
	known = self->version_func (id, self->version_data);
	return known != NULL && strcmp (known, version) == 0;
}

/* the records added since the last chunk go to the engine, which plans and
 * may write them; the sink keeps their stubs (id and version: what the
 * listing held, for the guards, the held rows and the links' check) */
static void
hand_on (CsReadSink *self)
{
	g_autoptr(GPtrArray) chunk = NULL;
	guint n = self->records->len;

	if (self->chunk_error != NULL || n == self->streamed)
		return;
	chunk = g_ptr_array_new_full (n - self->streamed, (GDestroyNotify) cs_record_unref);
	for (guint i = self->streamed; i < n; i++)
		g_ptr_array_add (chunk, cs_record_ref (g_ptr_array_index (self->records, i)));
	if (!self->chunk_func (self, chunk, self->chunk_data, &self->chunk_error)) {
		g_assert (self->chunk_error != NULL);
		/* the provider's next request fails: the read ends with the chunk's error */
		if (self->cancel != NULL)
			g_cancellable_cancel (self->cancel);
		return;
	}
	if (self->streamed_ids == NULL)
		self->streamed_ids = g_hash_table_new (g_str_hash, g_str_equal);
	for (guint i = self->streamed; i < n; i++) {
		CsRecord *r = g_ptr_array_index (self->records, i);
		if (!cs_record_is_stripped (r)) {
			/* the id is all that is asked of it later (its version
			 * went to the link) */
			CsRecord *stub = cs_record_is_deleted (r)
					     ? cs_record_new_stub (r)
					     : cs_record_new (cs_record_get_kind (r), cs_record_get_id (r));
			cs_record_strip (stub);
			self->records->pdata[i] = stub;
			cs_record_unref (r);
		}
		g_hash_table_add (self->streamed_ids,
				  (gpointer) cs_record_get_id (g_ptr_array_index (self->records, i)));
	}
	self->streamed = n;
}

/**
 * cs_read_sink_set_chunk_func:
 * @size: records per chunk
 * @cancel: (nullable): cancelled when @func fails, so that the provider stops
 *   reading; the read's cancellable should be it or follow it
 *
 * Streams a complete listing: every @size records, and once more at
 * cs_read_sink_flush(), @func gets the records added since the last call.
 * They are then kept as stubs. While the sink lists only changes, records
 * wait for the flush (a provider may clear a delta and list all).
 */
void
cs_read_sink_set_chunk_func (CsReadSink *self, guint size, CsReadSinkChunkFunc func,
			     gpointer user_data, GCancellable *cancel)
{
	self->chunk_func = func;
	self->chunk_data = user_data;
	self->chunk_size = MAX (size, 1);
	g_set_object (&self->cancel, cancel);
}

/**
 * cs_read_sink_flush:
 *
 * After the read: hands on what is left, and tells whether a chunk failed
 * (the read itself then failed as cancelled: this is the error to show).
 */
gboolean
cs_read_sink_flush (CsReadSink *self, GError **error)
{
	if (self->chunk_func != NULL)
		hand_on (self);
	if (self->chunk_error != NULL) {
		g_propagate_error (error, g_steal_pointer (&self->chunk_error));
		return FALSE;
	}
	return TRUE;
}

/**
 * cs_read_sink_take_chunk_error:
 *
 * Returns: (transfer full) (nullable): why a chunk failed during the read
 */
GError *
cs_read_sink_take_chunk_error (CsReadSink *self)
{
	return g_steal_pointer (&self->chunk_error);
}

/**
 * cs_read_sink_add:
 * @record: (transfer none): an upsert, or a tombstone (cs_record_new_tombstone())
 *
 * A record that holds the version its link stored (nothing new: the planner
 * leaves it out) is kept as a stub, its id and version without its fields:
 * a complete listing of 100,000 records that did not change holds little.
 */
void
cs_read_sink_add (CsReadSink *self, CsRecord *record)
{
	g_return_if_fail (cs_record_get_id (record) != NULL);
	if (self->chunk_error != NULL)
		return; /* the read is being stopped */
	/* handed on already: listed twice (pages that shifted), or the
	 * provider started over */
	if (self->streamed_ids != NULL && g_hash_table_contains (self->streamed_ids, cs_record_get_id (record)))
		return;
	if (self->chunk_func != NULL && self->complete &&
	    self->records->len - self->streamed >= self->chunk_size)
		hand_on (self);
	if (!cs_record_is_deleted (record) && !cs_record_is_stripped (record)
	    && as_link_stored (self, cs_record_get_id (record), cs_record_get_version (record))) {
		g_ptr_array_add (self->records, cs_record_new_stub (record));
		return;
	}
	g_ptr_array_add (self->records, cs_record_ref (record));
}

/**
 * cs_read_sink_set_version_func:
 *
 * Tells which records still hold the version their link stored (our own
 * writes coming back above all: the run after a first sync gets every
 * record it created back from a delta listing). Such a record is kept as a
 * stub (cs_read_sink_add()); a listing of changes leaves it out altogether
 * (cs_read_sink_is_unchanged(), cs_read_sink_drop_unchanged()). Not for a
 * read whose records are wanted whole whatever their version (undo, the
 * duplicates list).
 */
void
cs_read_sink_set_version_func (CsReadSink *self, CsReadSinkVersionFunc func, gpointer user_data)
{
	self->version_func = func;
	self->version_data = user_data;
}

/**
 * cs_read_sink_is_unchanged:
 * @version: (nullable): the record's version as read
 *
 * Whether a record read by a listing of changes holds the version its link
 * stored: nothing new, so a provider need not read more of it (Outlook's
 * contact properties a delta leaves out) nor add it. Only while the sink
 * is a listing of changes; a provider that turns its read into a complete
 * listing adds every record.
 */
/**
 * cs_read_sink_is_as_linked:
 * @version: (nullable): the record's version as read
 *
 * Whether the record holds the version its link stored, in any listing: a
 * provider may then add a stub (cs_record_new_stub()) instead of building
 * the whole record, as cs_read_sink_add() would keep only that.
 */
gboolean
cs_read_sink_is_as_linked (CsReadSink *self, const gchar *id, const gchar *version)
{
	return as_link_stored (self, id, version);
}

gboolean
cs_read_sink_is_unchanged (CsReadSink *self, const gchar *id, const gchar *version)
{
	/* in a complete listing, a record left out would count as gone */
	return !self->complete && as_link_stored (self, id, version);
}

/**
 * cs_read_sink_drop_unchanged:
 *
 * Once the read is over and still a listing of changes: lets go of the
 * records that hold the version their link stored (the planner would leave
 * them out as nothing new), so that they are neither kept nor normalised.
 *
 * Returns: how many were dropped
 */
guint
cs_read_sink_drop_unchanged (CsReadSink *self)
{
	GPtrArray *kept;
	guint n = self->records->len;

	if (self->version_func == NULL || self->complete || self->streamed > 0)
		return 0;
	kept = g_ptr_array_new_full (n, (GDestroyNotify)cs_record_unref);
	for (guint i = 0; i < n; i++) {
		CsRecord *r = g_ptr_array_index (self->records, i);
		/* the stubs are those cs_read_sink_add() found unchanged */
		if (!cs_record_is_stripped (r))
			g_ptr_array_add (kept, cs_record_ref (r));
	}
	n -= kept->len;
	g_ptr_array_unref (self->records);
	self->records = kept;
	return n;
}

void
cs_read_sink_skip (CsReadSink *self, const gchar *id, const gchar *reason)
{
	g_ptr_array_add (self->skips, cs_skip_new (self->kind, id, reason));
}

void
cs_read_sink_set_cursor (CsReadSink *self, const gchar *cursor)
{
	g_free (self->cursor);
	self->cursor = g_strdup (cursor);
}

/**
 * cs_read_sink_clear:
 *
 * Forgets what was added: for a provider whose delta read finds it must
 * list everything after all (the records would otherwise come twice).
 */
void
cs_read_sink_clear (CsReadSink *self)
{
	/* what was handed on is planned (and maybe written) already: kept, and
	 * not taken a second time */
	if (self->streamed > 0) {
		g_ptr_array_set_size (self->records, self->streamed);
		g_ptr_array_set_size (self->skips, 0);
		g_ptr_array_set_size (self->set_aside, 0);
		return;
	}
	g_ptr_array_set_size (self->records, 0);
	g_ptr_array_set_size (self->skips, 0);
	g_ptr_array_set_size (self->set_aside, 0);
}

void
cs_read_sink_set_complete (CsReadSink *self, gboolean complete)
{
	self->complete = complete;
}

void
cs_read_sink_progress (CsReadSink *self, guint done, guint total)
{
	g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, done, total);
}

CsKind
cs_read_sink_get_kind (CsReadSink *self)
{
	return self->kind;
}

/**
 * cs_read_sink_get_records:
 * Returns: (transfer none) (element-type CsRecord)
 */
GPtrArray *
cs_read_sink_get_records (CsReadSink *self)
{
	return self->records;
}

/**
 * cs_read_sink_get_skips:
 * Returns: (transfer none) (element-type CsSkip)
 */
GPtrArray *
cs_read_sink_get_skips (CsReadSink *self)
{
	return self->skips;
}

const gchar *
cs_read_sink_get_cursor (CsReadSink *self)
{
	return self->cursor;
}

gboolean
cs_read_sink_get_complete (CsReadSink *self)
{
	return self->complete;
}

/**
 * cs_read_sink_set_aside:
 *
 * A record read but taken out before planning by a rule of the profile (an
 * e-mail older than "since"): the engine holds it, so that it is read again
 * once that rule changes (see cs-held.c).
 */
void
cs_read_sink_set_aside (CsReadSink *self, const gchar *id)
{
	g_ptr_array_add (self->set_aside, g_strdup (id));
}

/**
 * cs_read_sink_get_set_aside:
 * Returns: (transfer none) (element-type utf8)
 */
GPtrArray *
cs_read_sink_get_set_aside (CsReadSink *self)
{
	return self->set_aside;
}
