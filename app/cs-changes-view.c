/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-changes-view.h"

/*
 * What a run did or would do, record by record and field by field, grouped
 * by kind: History's selected run, the undo preview and a run a guard
 * stopped. The rows come from the engine's read model (cs-change-view.h).
 */

struct _CsChangesView {
	GtkScrolledWindow parent_instance;
	GtkTreeStore *store;
	GtkTreeView *view;
	GtkLabel *placeholder;
	GtkStack *stack;
};

G_DEFINE_TYPE (CsChangesView, cs_changes_view, GTK_TYPE_SCROLLED_WINDOW)

const gchar *
cs_changes_side_name (CsSide side)
{
	return side == CS_SIDE_CRM ? _ ("CRM") : _ ("Outlook");
}

/* what happens to the record on @side, in the words the Sync all preview uses */
const gchar *
cs_record_change_side_text (const CsRecordChange *c, CsSide side)
{
	const gchar *w = c->what[side];
	gboolean crm = side == CS_SIDE_CRM;
	if (w == NULL)
		return NULL;
	if (g_str_equal (w, "create"))
		return crm ? _ ("Create in the CRM") : _ ("Create in Outlook");
	if (g_str_equal (w, "delete"))
		return crm ? _ ("Delete from the CRM") : _ ("Delete from Outlook");
	return crm ? _ ("Update in the CRM") : _ ("Update in Outlook");
}

gchar *
cs_record_change_what_text (const CsRecordChange *c)
{
	GString *s = g_string_new (NULL);
	for (guint side = 0; side < CS_SIDE_LAST; side++) {
		const gchar *t = cs_record_change_side_text (c, (CsSide)side);
		if (t == NULL)
			continue;
		if (s->len > 0)
			g_string_append (s, ", ");
		g_string_append (s, t);
	}
	if (s->len == 0 && c->link)
		g_string_append (s, _ ("Link (already the same)"));
	return g_string_free (s, FALSE);
}

/**
 * cs_changes_view_set_changes:
 * @changes: (element-type CsRecordChange) (nullable)
 */
void
cs_changes_view_set_changes (CsChangesView *self, GPtrArray *changes)
{
	gtk_tree_store_clear (self->store);
	for (guint k = 0; changes != NULL && k < CS_KIND_LAST; k++) {
		GtkTreeIter kind_iter;
		guint n = 0;
		g_autofree gchar *heading = NULL;
		for (guint i = 0; i < changes->len; i++) {
			CsRecordChange *rc = g_ptr_array_index (changes, i);
			GtkTreeIter rec;
			g_autofree gchar *what = NULL;
			if (rc->kind != (CsKind)k)
				continue;
			if (n++ == 0)
				gtk_tree_store_insert_with_values (self->store, &kind_iter, NULL,
								   -1, CS_CHANGES_COL_HEADING, TRUE,
								   -1);
			what = cs_record_change_what_text (rc);
			gtk_tree_store_insert_with_values (self->store, &rec, &kind_iter, -1,
							   CS_CHANGES_COL_TEXT, rc->label,
							   CS_CHANGES_COL_WHERE, what, -1);
			if (rc->reason != NULL)
				gtk_tree_store_insert_with_values (self->store, NULL, &rec, -1,
								   CS_CHANGES_COL_TEXT, rc->reason,
								   -1);
			for (guint f = 0; f < rc->fields->len; f++) {
				CsFieldChange *fc = g_ptr_array_index (rc->fields, f);
				g_autofree gchar *text = cs_field_change_to_text (fc);
				gtk_tree_store_insert_with_values (
					self->store, NULL, &rec, -1, CS_CHANGES_COL_TEXT, text,
					CS_CHANGES_COL_WHERE, cs_changes_side_name (fc->side), -1);
			}
		}
		if (n == 0)
			continue;
		/* TRANSLATORS: a kind and how many changes the preview lists for it */
		heading = g_strdup_printf (_ ("%s (%u)"), cs_kind_get_label ((CsKind)k), n);
		gtk_tree_store_set (self->store, &kind_iter, CS_CHANGES_COL_TEXT, heading, -1);
	}
	gtk_tree_view_expand_all (self->view);
	gtk_stack_set_visible_child (
		self->stack, gtk_tree_model_iter_n_children (GTK_TREE_MODEL (self->store), NULL) > 0
				     ? GTK_WIDGET (self->view)
				     : GTK_WIDGET (self->placeholder));
}

void
cs_changes_view_set_placeholder (CsChangesView *self, const gchar *text)
{
	gtk_label_set_text (self->placeholder, text);
}

GtkTreeModel *
cs_changes_view_get_model (CsChangesView *self)
{
	return GTK_TREE_MODEL (self->store);
}

static void
cs_changes_view_class_init (CsChangesViewClass *klass)
{
}

static void
cs_changes_view_init (CsChangesView *self)
{
	GtkCellRenderer *cell;
	GtkTreeViewColumn *col;

	self->store = gtk_tree_store_new (CS_CHANGES_N_COLS, G_TYPE_STRING, G_TYPE_STRING,
					  G_TYPE_BOOLEAN);
	self->view = GTK_TREE_VIEW (gtk_tree_view_new_with_model (GTK_TREE_MODEL (self->store)));
	g_object_unref (self->store);
	cell = gtk_cell_renderer_text_new ();
	g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
	col = gtk_tree_view_column_new_with_attributes (_ ("Item"), cell, "text",
							CS_CHANGES_COL_TEXT, "weight-set",
							CS_CHANGES_COL_HEADING, NULL);
	g_object_set (cell, "weight", PANGO_WEIGHT_BOLD, NULL);
	gtk_tree_view_column_set_expand (col, TRUE);
	gtk_tree_view_append_column (self->view, col);
	cell = gtk_cell_renderer_text_new ();
	col = gtk_tree_view_column_new_with_attributes (_ ("Change"), cell, "text",
							CS_CHANGES_COL_WHERE, NULL);
	gtk_tree_view_append_column (self->view, col);
	gtk_tree_view_set_enable_search (self->view, FALSE);
	self->placeholder = GTK_LABEL (gtk_label_new (_ ("No changes kept for this run.")));
	gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->placeholder)),
				     "dim-label");
	self->stack = GTK_STACK (gtk_stack_new ());
	gtk_container_add (GTK_CONTAINER (self->stack), GTK_WIDGET (self->view));
	gtk_container_add (GTK_CONTAINER (self->stack), GTK_WIDGET (self->placeholder));
	gtk_widget_show_all (GTK_WIDGET (self->stack));
	gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->placeholder));
	gtk_container_add (GTK_CONTAINER (self), GTK_WIDGET (self->stack));
	gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (self), GTK_SHADOW_IN);
}

GtkWidget *
cs_changes_view_new (void)
{
	return g_object_new (CS_TYPE_CHANGES_VIEW, "hscrollbar-policy", GTK_POLICY_NEVER, NULL);
}
