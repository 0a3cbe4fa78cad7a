/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-change-view.h"

G_BEGIN_DECLS

#define CS_TYPE_CHANGES_VIEW (cs_changes_view_get_type ())
G_DECLARE_FINAL_TYPE (CsChangesView, cs_changes_view, CS, CHANGES_VIEW, GtkScrolledWindow)

/* the columns of cs_changes_view_get_model(): what a row says, and on which side */
enum {
	CS_CHANGES_COL_TEXT,
	CS_CHANGES_COL_WHERE,
	CS_CHANGES_COL_HEADING,
	CS_CHANGES_COL_TICK,	 /* a record's tick (cs_changes_view_set_tickable()) */
	CS_CHANGES_COL_HAS_TICK, /* records and the field changes of an update have one */
	CS_CHANGES_COL_INDEX,	 /* the record's index in the changes given */
	CS_CHANGES_COL_FIELD,	 /* a field row's index in its record's fields; -1 on others */
	CS_CHANGES_COL_PARTIAL,	 /* a record ticked with some of its field changes left out */
	CS_CHANGES_N_COLS
};

GtkWidget *
cs_changes_view_new (void);
void
cs_changes_view_set_changes (CsChangesView *self, GPtrArray *changes);
void
cs_changes_view_set_tickable (CsChangesView *self, gboolean tickable);
GPtrArray *
cs_changes_view_get_changes (CsChangesView *self);
gboolean
cs_changes_view_is_ticked (CsChangesView *self, guint index);
gboolean
cs_changes_view_is_field_ticked (CsChangesView *self, guint index, guint field);
guint
cs_changes_view_count_unticked (CsChangesView *self);
void
cs_changes_view_set_placeholder (CsChangesView *self, const gchar *text);
GtkTreeView *
cs_changes_view_get_tree_view (CsChangesView *self);
GtkTreeModel *
cs_changes_view_get_model (CsChangesView *self);
const gchar *
cs_record_change_side_text (const CsRecordChange *change, CsSide side);
gchar *
cs_record_change_what_text (const CsRecordChange *change);
const gchar *
cs_changes_side_name (CsSide side);

G_END_DECLS
