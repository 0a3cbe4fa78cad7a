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
	GtkTreeViewColumn *tick_column;
	GPtrArray *changes; /* (owned) (nullable) (element-type CsRecordChange) as last set */
	GArray *ticks;	    /* (element-type gboolean) one per change */
	GHashTable *unticked_fields; /* "change/field" of the field changes left out */
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
	g_clear_pointer (&self->changes, g_ptr_array_unref);
	self->changes = changes != NULL ? g_ptr_array_ref (changes) : NULL;
	g_array_set_size (self->ticks, 0);
	g_hash_table_remove_all (self->unticked_fields);
	if (changes != NULL) {
		gboolean on = TRUE;
		for (guint i = 0; i < changes->len; i++)
			g_array_append_val (self->ticks, on);
	}
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
			gtk_tree_store_insert_with_values (
				self->store, &rec, &kind_iter, -1, CS_CHANGES_COL_TEXT, rc->label,
				CS_CHANGES_COL_WHERE, what, CS_CHANGES_COL_TICK, TRUE,
				CS_CHANGES_COL_HAS_TICK, TRUE, CS_CHANGES_COL_INDEX, (gint)i,
				CS_CHANGES_COL_FIELD, -1, -1);
			if (rc->reason != NULL)
				gtk_tree_store_insert_with_values (self->store, NULL, &rec, -1,
								   CS_CHANGES_COL_TEXT, rc->reason,
								   -1);
			for (guint f = 0; f < rc->fields->len; f++) {
				CsFieldChange *fc = g_ptr_array_index (rc->fields, f);
				g_autofree gchar *text = cs_field_change_to_text (fc);
				/* a field change of an update can be left out on its own */
				gboolean own = !rc->link
					       && g_strcmp0 (rc->what[fc->side], "update") == 0;
				gtk_tree_store_insert_with_values (
					self->store, NULL, &rec, -1, CS_CHANGES_COL_TEXT, text,
					CS_CHANGES_COL_WHERE, cs_changes_side_name (fc->side),
					CS_CHANGES_COL_HAS_TICK, own, CS_CHANGES_COL_TICK, own,
					CS_CHANGES_COL_INDEX, (gint)i, CS_CHANGES_COL_FIELD, (gint)f,
					-1);
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

GtkTreeView *
cs_changes_view_get_tree_view (CsChangesView *self)
{
	return self->view;
}

GtkTreeModel *
cs_changes_view_get_model (CsChangesView *self)
{
	return GTK_TREE_MODEL (self->store);
}

/**
 * cs_changes_view_get_changes:
 *
 * Returns: (transfer none) (nullable) (element-type CsRecordChange): as last set
 */
GPtrArray *
cs_changes_view_get_changes (CsChangesView *self)
{
	return self->changes;
}

/* a record shown with a tick: left as it is when the user unticks it */
void
cs_changes_view_set_tickable (CsChangesView *self, gboolean tickable)
{
	gtk_tree_view_column_set_visible (self->tick_column, tickable);
}

gboolean
cs_changes_view_is_ticked (CsChangesView *self, guint index)
{
	return index < self->ticks->len && g_array_index (self->ticks, gboolean, index);
}

static gchar *
field_key (guint index, guint field)
{
	return g_strdup_printf ("%u/%u", index, field);
}

/* whether field change @field of record @index is taken: its record is, and it is not left out */
gboolean
cs_changes_view_is_field_ticked (CsChangesView *self, guint index, guint field)
{
	g_autofree gchar *key = field_key (index, field);
	return cs_changes_view_is_ticked (self, index)
	       && !g_hash_table_contains (self->unticked_fields, key);
}

/* the records and the field changes (of records still ticked) the user left out */
guint
cs_changes_view_count_unticked (CsChangesView *self)
{
	guint n = 0;
	GHashTableIter iter;
	gpointer key;
	for (guint i = 0; i < self->ticks->len; i++)
		n += g_array_index (self->ticks, gboolean, i) ? 0 : 1;
	g_hash_table_iter_init (&iter, self->unticked_fields);
	while (g_hash_table_iter_next (&iter, &key, NULL))
		n += cs_changes_view_is_ticked (self, (guint)g_ascii_strtoull (key, NULL, 10)) ? 1 : 0;
	return n;
}

/* a record's row and its field rows as the ticks say */
static void
show_record_ticks (CsChangesView *self, GtkTreeIter *rec, guint index)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->store);
	GtkTreeIter f;
	gboolean on = cs_changes_view_is_ticked (self, index), some_off = FALSE;
	if (gtk_tree_model_iter_children (model, &f, rec)) {
		do {
			gint field;
			gboolean has_tick, field_on;
			gtk_tree_model_get (model, &f, CS_CHANGES_COL_FIELD, &field,
					    CS_CHANGES_COL_HAS_TICK, &has_tick, -1);
			if (!has_tick || field < 0)
				continue;
			field_on = cs_changes_view_is_field_ticked (self, index, (guint)field);
			some_off = some_off || !field_on;
			gtk_tree_store_set (self->store, &f, CS_CHANGES_COL_TICK, field_on, -1);
		} while (gtk_tree_model_iter_next (model, &f));
	}
	gtk_tree_store_set (self->store, rec, CS_CHANGES_COL_TICK, on, CS_CHANGES_COL_PARTIAL,
			    on && some_off, -1);
}

/* every tickable field change of record @rec (its rows) left out (or not) */
static void
set_record_fields (CsChangesView *self, GtkTreeIter *rec, guint index, gboolean left_out)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->store);
	GtkTreeIter f;
	if (!gtk_tree_model_iter_children (model, &f, rec))
		return;
	do {
		gint field;
		gboolean has_tick;
		gtk_tree_model_get (model, &f, CS_CHANGES_COL_FIELD, &field, CS_CHANGES_COL_HAS_TICK,
				    &has_tick, -1);
		if (!has_tick || field < 0)
			continue;
		if (left_out)
			g_hash_table_add (self->unticked_fields, field_key (index, (guint)field));
		else {
			g_autofree gchar *key = field_key (index, (guint)field);
			g_hash_table_remove (self->unticked_fields, key);
		}
	} while (gtk_tree_model_iter_next (model, &f));
}

static void
tick_toggled_cb (CsChangesView *self, const gchar *path)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->store);
	GtkTreeIter iter, rec, f;
	gboolean tick, has_tick, any = FALSE;
	gint index, field;
	g_autofree gchar *key = NULL;
	if (!gtk_tree_model_get_iter_from_string (model, &iter, path))
		return;
	gtk_tree_model_get (model, &iter, CS_CHANGES_COL_TICK, &tick, CS_CHANGES_COL_HAS_TICK,
			    &has_tick, CS_CHANGES_COL_INDEX, &index, CS_CHANGES_COL_FIELD, &field, -1);
	if (!has_tick || index < 0 || (guint)index >= self->ticks->len)
		return;
	tick = !tick;
	if (field < 0) {
		/* a record's tick takes or leaves all of it */
		g_array_index (self->ticks, gboolean, index) = tick;
		set_record_fields (self, &iter, (guint)index, FALSE);
		show_record_ticks (self, &iter, (guint)index);
		return;
	}
	if (!gtk_tree_model_iter_parent (model, &rec, &iter))
		return;
	if (tick && !cs_changes_view_is_ticked (self, (guint)index)) {
		/* a record left out, one of its changes taken: only that one */
		set_record_fields (self, &rec, (guint)index, TRUE);
		g_array_index (self->ticks, gboolean, index) = TRUE;
	}
	key = field_key ((guint)index, (guint)field);
	if (tick)
		g_hash_table_remove (self->unticked_fields, key);
	else
		g_hash_table_add (self->unticked_fields, g_steal_pointer (&key));
	if (gtk_tree_model_iter_children (model, &f, &rec)) {
		do {
			gint ff;
			gboolean ht;
			gtk_tree_model_get (model, &f, CS_CHANGES_COL_FIELD, &ff, CS_CHANGES_COL_HAS_TICK,
					    &ht, -1);
			any = any || (ht && ff >= 0
				      && cs_changes_view_is_field_ticked (self, (guint)index, (guint)ff));
		} while (gtk_tree_model_iter_next (model, &f));
	}
	if (!any) {
		/* nothing of it left: the record is left as it is, and ticked again whole */
		g_array_index (self->ticks, gboolean, index) = FALSE;
		set_record_fields (self, &rec, (guint)index, FALSE);
	}
	show_record_ticks (self, &rec, (guint)index);
}

/* a kind's heading in bold (a "weight-set" attribute would unset the weight on the next row) */
static void
heading_cell_cb (GtkTreeViewColumn *column, GtkCellRenderer *cell, GtkTreeModel *model,
		 GtkTreeIter *iter, gpointer user_data)
{
	gboolean heading;
	gtk_tree_model_get (model, iter, CS_CHANGES_COL_HEADING, &heading, -1);
	g_object_set (cell, "weight", heading ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL, NULL);
}

static void
cs_changes_view_finalize (GObject *object)
{
	CsChangesView *self = CS_CHANGES_VIEW (object);
	g_clear_pointer (&self->changes, g_ptr_array_unref);
	g_array_unref (self->ticks);
	g_hash_table_unref (self->unticked_fields);
	G_OBJECT_CLASS (cs_changes_view_parent_class)->finalize (object);
}

static void
cs_changes_view_class_init (CsChangesViewClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_changes_view_finalize;
}

static void
cs_changes_view_init (CsChangesView *self)
{
	GtkCellRenderer *cell;
	GtkTreeViewColumn *col;

	self->ticks = g_array_new (FALSE, TRUE, sizeof (gboolean));
	self->unticked_fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	self->store = gtk_tree_store_new (CS_CHANGES_N_COLS, G_TYPE_STRING, G_TYPE_STRING,
					  G_TYPE_BOOLEAN, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN,
					  G_TYPE_INT, G_TYPE_INT, G_TYPE_BOOLEAN);
	self->view = GTK_TREE_VIEW (gtk_tree_view_new_with_model (GTK_TREE_MODEL (self->store)));
	g_object_unref (self->store);
	cell = gtk_cell_renderer_toggle_new ();
	g_signal_connect_swapped (cell, "toggled", G_CALLBACK (tick_toggled_cb), self);
	self->tick_column = gtk_tree_view_column_new_with_attributes (
		"", cell, "active", CS_CHANGES_COL_TICK, "visible", CS_CHANGES_COL_HAS_TICK,
		"inconsistent", CS_CHANGES_COL_PARTIAL, NULL);
	gtk_tree_view_column_set_visible (self->tick_column, FALSE);
	gtk_tree_view_append_column (self->view, self->tick_column);
	cell = gtk_cell_renderer_text_new ();
	g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
	col = gtk_tree_view_column_new_with_attributes (_ ("Item"), cell, "text",
							CS_CHANGES_COL_TEXT, NULL);
	gtk_tree_view_column_set_cell_data_func (col, cell, heading_cell_cb, NULL, NULL);
	gtk_tree_view_column_set_expand (col, TRUE);
	gtk_tree_view_append_column (self->view, col);
	cell = gtk_cell_renderer_text_new ();
	col = gtk_tree_view_column_new_with_attributes (_ ("Change"), cell, "text",
							CS_CHANGES_COL_WHERE, NULL);
	gtk_tree_view_append_column (self->view, col);
	gtk_tree_view_set_enable_search (self->view, FALSE);
	/* a list to read and tick: a selected row would look chosen for something */
	gtk_tree_selection_set_mode (gtk_tree_view_get_selection (self->view), GTK_SELECTION_NONE);
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
