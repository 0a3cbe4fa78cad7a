/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cs-write-op.h"

const gchar *
cs_write_action_to_string (CsWriteAction action)
{
	switch (action) {
	case CS_WRITE_CREATE:
		return "create";
	case CS_WRITE_UPDATE:
		return "update";
	case CS_WRITE_DELETE:
		return "delete";
	default:
		return "unknown";
	}
}

/**
 * cs_write_op_new:
 * @record: (transfer none)
 */
CsWriteOp *
cs_write_op_new (CsWriteAction action, CsRecord *record)
{
	CsWriteOp *op = g_new0 (CsWriteOp, 1);
	op->action = action;
	op->record = cs_record_ref (record);
	return op;
}

void
cs_write_op_free (CsWriteOp *op)
{
	if (op == NULL)
		return;
	g_clear_pointer (&op->record, cs_record_unref);
	g_clear_pointer (&op->current, cs_record_unref);
	g_clear_pointer (&op->result, cs_record_unref);
	g_free (op->id);
	g_free (op->version);
	g_clear_error (&op->error);
	g_free (op);
}

void
cs_write_op_set_done (CsWriteOp *op, const gchar *id, const gchar *version)
{
	g_free (op->id);
	op->id = g_strdup (id);
	g_free (op->version);
	op->version = g_strdup (version);
}

/**
 * cs_write_op_take_error:
 * @error: (transfer full)
 */
void
cs_write_op_take_error (CsWriteOp *op, GError *error)
{
	g_clear_error (&op->error);
	op->error = error;
}

void
cs_write_op_set_error (CsWriteOp *op, GQuark domain, gint code, const gchar *format, ...)
{
	va_list args;
	va_start (args, format);
	cs_write_op_take_error (op, g_error_new_valist (domain, code, format, args));
	va_end (args);
}
