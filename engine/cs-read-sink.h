/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cs-record.h"

G_BEGIN_DECLS

/* a record the provider could not read, shown to the user with its reason */
typedef struct {
	CsKind kind;
	gchar *id;     /* (owned) (nullable) */
	gchar *reason; /* (owned) */
} CsSkip;

CsSkip *cs_skip_new (CsKind kind, const gchar *id, const gchar *reason);
void cs_skip_free (CsSkip *skip);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsSkip, cs_skip_free)

#define CS_TYPE_READ_SINK (cs_read_sink_get_type ())
G_DECLARE_FINAL_TYPE (CsReadSink, cs_read_sink, CS, READ_SINK, GObject)

CsReadSink *cs_read_sink_new (CsKind kind, gboolean complete);

/**
 * CsReadSinkVersionFunc:
 * @id: a record's id on the side read
 *
 * Returns: (transfer full) (nullable): the version the link stored for the
 *   record when it was last synced (written or read), %NULL if not linked
 */
typedef gchar *(*CsReadSinkVersionFunc) (const gchar *id, gpointer user_data);
void cs_read_sink_set_version_func (CsReadSink *self, CsReadSinkVersionFunc func,
				    gpointer user_data);
gboolean cs_read_sink_is_unchanged (CsReadSink *self, const gchar *id, const gchar *version);
gboolean cs_read_sink_is_as_linked (CsReadSink *self, const gchar *id, const gchar *version);
guint cs_read_sink_drop_unchanged (CsReadSink *self);

/**
 * CsReadSinkChunkFunc:
 * @records: (element-type CsRecord): the records added since the last call
 *
 * Returns: %FALSE with @error to stop the read
 */
typedef gboolean (*CsReadSinkChunkFunc) (CsReadSink *sink, GPtrArray *records, gpointer user_data,
					 GError **error);
void cs_read_sink_set_chunk_func (CsReadSink *self, guint size, CsReadSinkChunkFunc func,
				  gpointer user_data, GCancellable *cancel);
gboolean cs_read_sink_flush (CsReadSink *self, GError **error);
GError *cs_read_sink_take_chunk_error (CsReadSink *self);

/* called by providers */
void cs_read_sink_add (CsReadSink *self, CsRecord *record);
void cs_read_sink_skip (CsReadSink *self, const gchar *id, const gchar *reason);
void cs_read_sink_set_cursor (CsReadSink *self, const gchar *cursor);
void cs_read_sink_set_complete (CsReadSink *self, gboolean complete);
void cs_read_sink_clear (CsReadSink *self);
void cs_read_sink_progress (CsReadSink *self, guint done, guint total);

/* read by the engine */
CsKind cs_read_sink_get_kind (CsReadSink *self);
GPtrArray *cs_read_sink_get_records (CsReadSink *self);
GPtrArray *cs_read_sink_get_skips (CsReadSink *self);
const gchar *cs_read_sink_get_cursor (CsReadSink *self);
gboolean cs_read_sink_get_complete (CsReadSink *self);
void cs_read_sink_set_aside (CsReadSink *self, const gchar *id);
GPtrArray *cs_read_sink_get_set_aside (CsReadSink *self);

G_END_DECLS
