/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "cs-record.h"

G_BEGIN_DECLS

typedef enum {
	CS_WRITE_CREATE,
	CS_WRITE_UPDATE,
	CS_WRITE_DELETE,
} CsWriteAction;

const gchar *cs_write_action_to_string (CsWriteAction action);

/**
 * CsWriteOp:
 * @record: create: the fields (no id); update: the id and the fields to
 *   change (a cs_value_null() value clears a field); delete: the id
 * @current: (nullable): update only: the whole record as last read, for APIs
 *   that replace a record on update
 * @id: result: the record's id (new for a create)
 * @version: (nullable): result: the version after the write, if the API tells
 * @result: (nullable): result: the record as stored, if the API returns it
 * @error: (nullable): result: why this op failed; the other ops go on
 */
typedef struct {
	CsWriteAction action;
	CsRecord *record;
	CsRecord *current;
	gchar *id;
	gchar *version;
	CsRecord *result;
	GError *error;
	gpointer engine_data; /* the engine's own bookkeeping; providers leave it alone */
} CsWriteOp;

CsWriteOp *cs_write_op_new (CsWriteAction action, CsRecord *record);
void cs_write_op_free (CsWriteOp *op);
void cs_write_op_set_done (CsWriteOp *op, const gchar *id, const gchar *version);
void cs_write_op_take_error (CsWriteOp *op, GError *error);
void cs_write_op_set_error (CsWriteOp *op, GQuark domain, gint code, const gchar *format, ...)
    G_GNUC_PRINTF (4, 5);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsWriteOp, cs_write_op_free)

G_END_DECLS
