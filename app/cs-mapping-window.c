/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cs-json.h"
#include "cs-duration.h"
#include "cs-label.h"
#include "cs-mapping-window.h"

/*
 * Directions, conditions and reminders are profile keys ([contact]
 * direction=…); the field table is the profile's mapping (JSON, the format
 * of data/mappings/README.md). An edited mapping is written beside the
 * profile as ID.mapping.json and named by `mapping=`, so the preset's file
 * is never changed and "Reset" only has to forget ours.
 */

enum { COL_CRM, COL_OUTLOOK, COL_FIXED, COL_EDITABLE, COL_INDEX, COL_NOTE, COL_ACTIVE, COL_CRM_LABEL,
       COL_OUTLOOK_LABEL, N_COLS };
enum { VCOL_FROM, VCOL_TO, N_VCOLS };

struct _CsMappingWindow {
	GtkWindow parent_instance;
	GtkGrid *kinds_grid;
	GtkComboBoxText *kind_combo;
	GtkTreeView *fields_view;
	GtkListStore *fields_store;
	GtkCellRendererText *outlook_renderer;
	GtkTreeView *values_view;
	GtkListStore *values_store;
	GtkCellRendererText *value_renderer;
	GtkLabel *values_label;
	GtkLabel *identity_label;
	GtkInfoBar *infobar;
	GtkLabel *info_label;
	GtkButton *save_button;
	GtkButton *reset_button;
	GtkComboBox *direction_combos[CS_KIND_LAST];
	GtkComboBox *condition_combos[CS_KIND_LAST];
	GtkWidget *reminder_entries[CS_KIND_LAST]; /* (cs-duration) minutes or hours before */

	CsSyncProfile *profile;	/* (owned) */
	JsonNode *root;		/* (owned) (nullable) the mapping being edited; NULL: identity */
	gint value_row;		/* the row whose value table is shown, -1: none */
	gboolean loading;
};

G_DEFINE_TYPE (CsMappingWindow, cs_mapping_window, GTK_TYPE_WINDOW)

static void
show_message (CsMappingWindow *self, GtkMessageType type, const gchar *text)
{
	gtk_info_bar_set_message_type (self->infobar, type);
	gtk_label_set_text (self->info_label, text);
	gtk_widget_show (GTK_WIDGET (self->infobar));
}

static JsonArray *
rows_of (CsMappingWindow *self, CsKind kind)
{
	JsonObject *kinds, *k;
	if (self->root == NULL || !JSON_NODE_HOLDS_OBJECT (self->root))
		return NULL;
	kinds = json_object_get_object_member (json_node_get_object (self->root), "kinds");
	if (kinds == NULL || !json_object_has_member (kinds, cs_kind_to_string (kind)))
		return NULL;
	k = json_object_get_object_member (kinds, cs_kind_to_string (kind));
	return k != NULL && json_object_has_member (k, "rows") ? json_object_get_array_member (k, "rows")
							       : NULL;
}

static CsKind
current_kind (CsMappingWindow *self)
{
	CsKind kind = CS_KIND_CONTACT;
	const gchar *id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->kind_combo));
	if (id != NULL)
		cs_kind_from_string (id, &kind);
	return kind;
}

static gchar *
outlook_text (JsonObject *row)
{
	JsonNode *n = json_object_get_member (row, "outlook");
	if (n == NULL)
		return g_strdup ("");
	if (JSON_NODE_HOLDS_ARRAY (n)) {
		JsonArray *a = json_node_get_array (n);
		GString *s = g_string_new (NULL);
		for (guint i = 0; i < json_array_get_length (a); i++) {
			if (i > 0)
				g_string_append (s, ", ");
			g_string_append (s, json_array_get_string_element (a, i));
		}
		return g_string_free (s, FALSE);
	}
	return g_strdup (json_node_get_string (n));
}

/* the schema a side of the mapping speaks (the engine's builtin schemas), or NULL */
static CsSchema *
side_schema (CsMappingWindow *self, const gchar *member, CsKind kind)
{
	const gchar *name;
	if (self->root == NULL)
		return NULL;
	name = json_object_get_string_member_with_default (json_node_get_object (self->root), member, NULL);
	return name != NULL ? cs_schema_load_builtin (name, kind, NULL) : NULL;
}

/* a field as the user knows it: the schema's label ("First name", translated), else its name;
 * the translations are kept for the process (a few hundred short strings at most) */
static const gchar *
field_label (CsSchema *schema, const gchar *name)
{
	const CsFieldSpec *spec = schema != NULL && name != NULL ? cs_schema_lookup (schema, name) : NULL;
	static GHashTable *translated = NULL;
	gchar *t;
	if (spec == NULL || spec->label == NULL)
		return name;
	if (translated == NULL)
		translated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	t = g_hash_table_lookup (translated, spec->label);
	if (t == NULL) {
		t = cs_label_translate_field (spec->label);
		g_hash_table_insert (translated, g_strdup (spec->label), t);
	}
	return t;
}

static gchar *
outlook_label (CsSchema *schema, JsonObject *row)
{
	JsonNode *n = json_object_get_member (row, "outlook");
	if (n == NULL)
		return g_strdup ("");
	if (JSON_NODE_HOLDS_ARRAY (n)) {
		JsonArray *a = json_node_get_array (n);
		GString *s = g_string_new (NULL);
		for (guint i = 0; i < json_array_get_length (a); i++) {
			if (i > 0)
				g_string_append (s, ", ");
			g_string_append (s, field_label (schema, json_array_get_string_element (a, i)));
		}
		return g_string_free (s, FALSE);
	}
	return g_strdup (field_label (schema, json_node_get_string (n)));
}

/* CRM fields of the preset's schema that no row maps: custom fields are among them */
static GPtrArray *
unmapped_fields (CsMappingWindow *self, CsKind kind, JsonArray *rows)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(CsSchema) schema = side_schema (self, "crm-schema", kind);
	g_autoptr(GHashTable) mapped = g_hash_table_new (g_str_hash, g_str_equal);
	GPtrArray *fields;

	if (schema == NULL)
		return out;
	fields = cs_schema_get_fields (schema);
	for (guint i = 0; rows != NULL && i < json_array_get_length (rows); i++) {
		JsonObject *r = json_array_get_object_element (rows, i);
		const gchar *crm = json_object_get_string_member_with_default (r, "crm", NULL);
		if (crm != NULL)
			g_hash_table_add (mapped, (gpointer) crm);
	}
	for (guint i = 0; fields != NULL && i < fields->len; i++) {
		const CsFieldSpec *f = g_ptr_array_index (fields, i);
		if (!g_hash_table_contains (mapped, f->name))
			g_ptr_array_add (out, g_strdup (f->name));
	}
	return out;
}

/* the Outlook fields to choose from, by label (the combo cell shows the labels) */
static void
fill_outlook_choices (CsMappingWindow *self, CsSchema *schema)
{
	GtkListStore *store = gtk_list_store_new (2, G_TYPE_STRING, G_TYPE_STRING);
	GPtrArray *fields = schema != NULL ? cs_schema_get_fields (schema) : NULL;
	/* TRANSLATORS: the choice that stops syncing a CRM field */
	gtk_list_store_insert_with_values (store, NULL, -1, 0, "", 1, _("(not synced)"), -1);
	for (guint i = 0; fields != NULL && i < fields->len; i++) {
		const CsFieldSpec *f = g_ptr_array_index (fields, i);
		gtk_list_store_insert_with_values (store, NULL, -1, 0, f->name, 1, field_label (schema, f->name), -1);
	}
	g_object_set (self->outlook_renderer, "model", store, "text-column", 1, "has-entry", FALSE, NULL);
	g_object_unref (store);
}

/* a choice of the combo cell (a label), or a field's own name, as the field's name */
static gchar *
outlook_name_of (CsMappingWindow *self, const gchar *text)
{
	GtkTreeModel *model = NULL;
	GtkTreeIter iter;
	g_object_get (self->outlook_renderer, "model", &model, NULL);
	if (model != NULL && gtk_tree_model_get_iter_first (model, &iter)) {
		do {
			g_autofree gchar *name = NULL;
			g_autofree gchar *label = NULL;
			gtk_tree_model_get (model, &iter, 0, &name, 1, &label, -1);
			if (g_strcmp0 (text, name) == 0 || g_strcmp0 (text, label) == 0) {
				g_object_unref (model);
				return g_steal_pointer (&name);
			}
		} while (gtk_tree_model_iter_next (model, &iter));
	}
	g_clear_object (&model);
	return g_strdup (text);
}

static void
fill_values (CsMappingWindow *self)
{
	JsonArray *rows = rows_of (self, current_kind (self));
	JsonObject *row, *transform, *table;
	g_autoptr(GList) members = NULL;

	gtk_list_store_clear (self->values_store);
	gtk_widget_set_sensitive (GTK_WIDGET (self->values_view), FALSE);
	gtk_label_set_text (self->values_label, _("Select a row with a value table (such as a task's status) to edit it."));
	if (rows == NULL || self->value_row < 0 || (guint) self->value_row >= json_array_get_length (rows))
		return;
	row = json_array_get_object_element (rows, (guint) self->value_row);
	transform = json_object_has_member (row, "transform") ? json_object_get_object_member (row, "transform") : NULL;
	if (transform == NULL ||
	    g_strcmp0 (json_object_get_string_member_with_default (transform, "type", ""), "values") != 0 ||
	    !json_object_has_member (transform, "to-outlook"))
		return;
	table = json_object_get_object_member (transform, "to-outlook");
	{
		g_autofree gchar *text = g_strdup_printf (_("Values of “%s” in the CRM and what Outlook gets:"),
							  json_object_get_string_member_with_default (row, "crm", ""));
		gtk_label_set_text (self->values_label, text);
	}
	members = json_object_get_members (table);
	for (GList *l = members; l != NULL; l = l->next) {
		JsonNode *v = json_object_get_member (table, l->data);
		g_autofree gchar *vt = JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING
					   ? g_strdup (json_node_get_string (v))
					   : cs_json_to_string (v, FALSE);
		gtk_list_store_insert_with_values (self->values_store, NULL, -1, VCOL_FROM, l->data,
						   VCOL_TO, vt, -1);
	}
	gtk_widget_set_sensitive (GTK_WIDGET (self->values_view), TRUE);
}

static void
fill_fields (CsMappingWindow *self)
{
	CsKind kind = current_kind (self);
	JsonArray *rows = rows_of (self, kind);
	g_autoptr(GPtrArray) extra = NULL;
	g_autoptr(CsSchema) crm_schema = side_schema (self, "crm-schema", kind);
	g_autoptr(CsSchema) outlook_schema = side_schema (self, "outlook-schema", kind);

	gtk_list_store_clear (self->fields_store);
	gtk_widget_set_visible (GTK_WIDGET (self->identity_label), self->root == NULL);
	for (guint i = 0; rows != NULL && i < json_array_get_length (rows); i++) {
		JsonObject *r = json_array_get_object_element (rows, i);
		gboolean fixed = json_object_get_boolean_member_with_default (r, "fixed", FALSE);
		JsonNode *o = json_object_get_member (r, "outlook");
		gboolean list = o != NULL && JSON_NODE_HOLDS_ARRAY (o);
		g_autofree gchar *out = outlook_text (r);
		g_autofree gchar *out_label = outlook_label (outlook_schema, r);
		const gchar *crm = json_object_get_string_member_with_default (r, "crm", "—");
		const gchar *note = fixed ? _("fixed") : list ? _("list") : "";
		gtk_list_store_insert_with_values (
		    self->fields_store, NULL, -1, COL_CRM, crm, COL_OUTLOOK, out, COL_FIXED,
		    fixed, COL_EDITABLE, !fixed && !list, COL_INDEX, (gint) i, COL_NOTE, note, COL_ACTIVE, !fixed,
		    COL_CRM_LABEL, field_label (crm_schema, crm), COL_OUTLOOK_LABEL, out_label, -1);
	}
	extra = unmapped_fields (self, kind, rows);
	for (guint i = 0; i < extra->len; i++)
		/* TRANSLATORS: a CRM field no Outlook field is mapped to */
		gtk_list_store_insert_with_values (self->fields_store, NULL, -1, COL_CRM,
						   g_ptr_array_index (extra, i), COL_OUTLOOK, "",
						   COL_FIXED, FALSE, COL_EDITABLE, TRUE, COL_INDEX, -1,
						   COL_NOTE, _("not synced"), COL_ACTIVE, TRUE, COL_CRM_LABEL,
						   field_label (crm_schema, g_ptr_array_index (extra, i)),
						   COL_OUTLOOK_LABEL, "", -1);
	fill_outlook_choices (self, outlook_schema);
	self->value_row = -1;
	fill_values (self);
}

static void
kind_changed_cb (CsMappingWindow *self)
{
	fill_fields (self);
}

static void
selection_changed_cb (CsMappingWindow *self, GtkTreeSelection *selection)
{
	GtkTreeIter iter;
	GtkTreeModel *model;
	self->value_row = -1;
	if (gtk_tree_selection_get_selected (selection, &model, &iter))
		gtk_tree_model_get (model, &iter, COL_INDEX, &self->value_row, -1);
	fill_values (self);
}

static void
outlook_edited_cb (CsMappingWindow *self, const gchar *path, const gchar *text)
{
	GtkTreeIter iter;
	gint index = -1;
	g_autofree gchar *crm = NULL;
	g_autofree gchar *stripped = g_strstrip (g_strdup (text));
	g_autofree gchar *value = outlook_name_of (self, stripped);
	JsonArray *rows = rows_of (self, current_kind (self));

	if (rows == NULL ||
	    !gtk_tree_model_get_iter_from_string (GTK_TREE_MODEL (self->fields_store), &iter, path))
		return;
	gtk_tree_model_get (GTK_TREE_MODEL (self->fields_store), &iter, COL_INDEX, &index, COL_CRM, &crm, -1);
	if (index >= 0) {
		JsonObject *r = json_array_get_object_element (rows, (guint) index);
		if (json_object_get_boolean_member_with_default (r, "fixed", FALSE))
			return;
		if (value[0] == '\0') {
			/* an emptied row stops syncing that field */
			json_array_remove_element (rows, (guint) index);
			fill_fields (self);
			return;
		}
		json_object_set_string_member (r, "outlook", value);
	} else if (value[0] != '\0') {
		JsonObject *r = json_object_new ();
		json_object_set_string_member (r, "crm", crm);
		json_object_set_string_member (r, "outlook", value);
		json_array_add_object_element (rows, r);
		fill_fields (self);
		return;
	}
	fill_fields (self);
}

static void
value_edited_cb (CsMappingWindow *self, const gchar *path, const gchar *text)
{
	GtkTreeIter iter;
	g_autofree gchar *from = NULL;
	JsonArray *rows = rows_of (self, current_kind (self));
	JsonObject *transform, *table;

	if (rows == NULL || self->value_row < 0 ||
	    !gtk_tree_model_get_iter_from_string (GTK_TREE_MODEL (self->values_store), &iter, path))
		return;
	gtk_tree_model_get (GTK_TREE_MODEL (self->values_store), &iter, VCOL_FROM, &from, -1);
	transform = json_object_get_object_member (json_array_get_object_element (rows, (guint) self->value_row),
						   "transform");
	table = json_object_get_object_member (transform, "to-outlook");
	json_object_set_string_member (table, from, text);
	gtk_list_store_set (self->values_store, &iter, VCOL_TO, text, -1);
}

static gboolean
load_mapping (CsMappingWindow *self, GError **error)
{
	CsProfile *p = cs_sync_profile_get_profile (self->profile);
	const gchar *name = cs_profile_get_mapping (p);
	g_autoptr(CsMapping) mapping = NULL;
	g_autofree gchar *json = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();

	g_clear_pointer (&self->root, json_node_unref);
	if (name == NULL || name[0] == '\0')
		return TRUE;
	mapping = cs_mapping_load (name, cs_profile_get_dir (p), error);
	if (mapping == NULL)
		return FALSE;
	json = cs_mapping_to_json (mapping);
	if (!json_parser_load_from_data (parser, json, -1, error))
		return FALSE;
	self->root = json_node_copy (json_parser_get_root (parser));
	return TRUE;
}

static const gchar *direction_ids[] = {"none", "crm-to-outlook", "outlook-to-crm", "both"};

static void
load_profile (CsMappingWindow *self)
{
	CsProfile *p = cs_sync_profile_get_profile (self->profile);
	self->loading = TRUE;
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		const CsKindConfig *c = cs_profile_get_kind_config (p, (CsKind) k);
		gtk_combo_box_set_active_id (self->direction_combos[k], direction_ids[c->direction]);
		gtk_combo_box_set_active_id (self->condition_combos[k],
					     c->condition == CS_CONDITION_OWNED ? "owned" : "all");
		if (self->reminder_entries[k] != NULL)
			cs_duration_set (self->reminder_entries[k],
					 c->reminder_minutes < 0 ? -1 : (gint64) c->reminder_minutes * 60);
	}
	self->loading = FALSE;
}

static gchar *
mapping_file_name (CsMappingWindow *self)
{
	return g_strdup_printf ("%s.mapping.json", cs_profile_get_id (cs_sync_profile_get_profile (self->profile)));
}

/**
 * cs_mapping_window_save:
 *
 * Writes the directions to the profile and the field table to the profile's
 * own mapping file, after checking both as the engine will read them.
 */
gboolean
cs_mapping_window_save (CsMappingWindow *self, GError **error)
{
	CsProfile *p = cs_sync_profile_get_profile (self->profile);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autofree gchar *data = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *file = mapping_file_name (self);
	g_autofree gchar *map_path = g_build_filename (cs_profile_get_dir (p), file, NULL);
	g_autoptr(CsProfile) check = NULL;
	g_autofree gchar *orig = g_key_file_to_data (cs_profile_get_keyfile (p), NULL, NULL);

	g_key_file_load_from_data (kf, orig, (gsize) -1, G_KEY_FILE_KEEP_COMMENTS, NULL);
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		const gchar *group = cs_kind_to_string ((CsKind) k);
		const gchar *dir = gtk_combo_box_get_active_id (self->direction_combos[k]);
		const gchar *cond = gtk_combo_box_get_active_id (self->condition_combos[k]);
		const CsKindConfig *c = cs_profile_get_kind_config (p, (CsKind) k);
		/* only what the user changed is written: the rest follows the preset */
		if (dir != NULL && g_strcmp0 (dir, direction_ids[c->direction]) != 0)
			g_key_file_set_string (kf, group, "direction", dir);
		if (cond != NULL && g_strcmp0 (cond, c->condition == CS_CONDITION_OWNED ? "owned" : "all") != 0)
			g_key_file_set_string (kf, group, "condition", cond);
		if (self->reminder_entries[k] != NULL) {
			gint64 seconds = cs_duration_get (self->reminder_entries[k]);
			gint minutes = seconds < 0 ? -1 : (gint) (seconds / 60);
			g_autofree gchar *rem = minutes < 0 ? g_strdup ("none")
							    : g_strdup_printf ("%d:%02d", minutes / 60, minutes % 60);
			if (minutes != c->reminder_minutes)
				g_key_file_set_string (kf, group, "reminder", rem);
		}
	}
	if (self->root != NULL) {
		g_autoptr(CsMapping) mcheck = NULL;
		json = cs_json_to_string (self->root, TRUE);
		mcheck = cs_mapping_new_from_json (json, -1, error);
		if (mcheck == NULL) {
			g_prefix_error (error, _("The field table is not valid: "));
			return FALSE;
		}
		g_key_file_set_string (kf, "profile", "mapping", file);
	}
	data = g_key_file_to_data (kf, NULL, NULL);
	check = cs_profile_new_from_data (data, cs_sync_profile_get_path (self->profile), error);
	if (check == NULL)
		return FALSE;
	if (json != NULL && !g_file_set_contents_full (map_path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
		return FALSE;
	if (!g_file_set_contents_full (cs_sync_profile_get_path (self->profile), data, -1,
				       G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
		return FALSE;
	return cs_sync_profile_reload (self->profile, error);
}

static void
save_clicked_cb (CsMappingWindow *self)
{
	g_autoptr(GError) error = NULL;
	if (!cs_mapping_window_save (self, &error)) {
		show_message (self, GTK_MESSAGE_ERROR, error->message);
		return;
	}
	show_message (self, GTK_MESSAGE_INFO, _("Saved. The next sync uses these settings."));
}

static void
reset_clicked_cb (CsMappingWindow *self)
{
	CsProfile *p = cs_sync_profile_get_profile (self->profile);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autofree gchar *orig = g_key_file_to_data (cs_profile_get_keyfile (p), NULL, NULL);
	g_autofree gchar *data = NULL;
	g_autofree gchar *file = mapping_file_name (self);
	g_autoptr(GError) error = NULL;
	const gchar *mapping = cs_profile_get_mapping (p);

	g_key_file_load_from_data (kf, orig, (gsize) -1, G_KEY_FILE_KEEP_COMMENTS, NULL);
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		const gchar *group = cs_kind_to_string ((CsKind) k);
		g_key_file_remove_key (kf, group, "direction", NULL);
		g_key_file_remove_key (kf, group, "condition", NULL);
		g_key_file_remove_key (kf, group, "reminder", NULL);
	}
	/* forget our own mapping file only; a mapping a script named stays */
	if (g_strcmp0 (mapping, file) == 0) {
		g_autofree gchar *path = g_build_filename (cs_profile_get_dir (p), file, NULL);
		g_key_file_remove_key (kf, "profile", "mapping", NULL);
		g_unlink (path);
	}
	data = g_key_file_to_data (kf, NULL, NULL);
	if (!g_file_set_contents_full (cs_sync_profile_get_path (self->profile), data, -1,
				       G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error) ||
	    !cs_sync_profile_reload (self->profile, &error) || !load_mapping (self, &error)) {
		show_message (self, GTK_MESSAGE_ERROR, error->message);
		return;
	}
	load_profile (self);
	fill_fields (self);
	show_message (self, GTK_MESSAGE_INFO, _("Back to the preset's settings."));
}

gboolean
cs_mapping_window_import (CsMappingWindow *self, const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(CsMapping) check = NULL;
	g_autoptr(JsonParser) parser = json_parser_new ();
	if (!g_file_get_contents (path, &data, NULL, error))
		return FALSE;
	check = cs_mapping_new_from_json (data, -1, error);
	if (check == NULL || !json_parser_load_from_data (parser, data, -1, error))
		return FALSE;
	g_clear_pointer (&self->root, json_node_unref);
	self->root = json_node_copy (json_parser_get_root (parser));
	fill_fields (self);
	return TRUE;
}

gboolean
cs_mapping_window_export (CsMappingWindow *self, const gchar *path, GError **error)
{
	g_autofree gchar *json = NULL;
	if (self->root == NULL) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
				     _("This profile maps fields of the same name; there is no table to export."));
		return FALSE;
	}
	json = cs_json_to_string (self->root, TRUE);
	return g_file_set_contents (path, json, -1, error);
}

static void
file_done_cb (GtkNativeDialog *chooser, gint response, gpointer user_data)
{
	CsMappingWindow *self = CS_MAPPING_WINDOW (user_data);
	gboolean import = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)) == GTK_FILE_CHOOSER_ACTION_OPEN;
	if (response == GTK_RESPONSE_ACCEPT) {
		g_autofree gchar *file = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
		g_autoptr(GError) error = NULL;
		gboolean ok = import ? cs_mapping_window_import (self, file, &error)
				     : cs_mapping_window_export (self, file, &error);
		if (!ok)
			show_message (self, GTK_MESSAGE_ERROR, error->message);
		else
			show_message (self, GTK_MESSAGE_INFO,
				      import ? _("Imported. Save to use it.") : _("Exported."));
	}
	g_object_unref (chooser);
}

static void
choose_file (CsMappingWindow *self, gboolean import)
{
	GtkFileChooserNative *chooser = gtk_file_chooser_native_new (
	    import ? _("Import a field mapping") : _("Export the field mapping"), GTK_WINDOW (self),
	    import ? GTK_FILE_CHOOSER_ACTION_OPEN : GTK_FILE_CHOOSER_ACTION_SAVE, NULL, NULL);
	GtkFileFilter *filter = gtk_file_filter_new ();
	gtk_file_filter_set_name (filter, _("JSON files"));
	gtk_file_filter_add_pattern (filter, "*.json");
	gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
	if (!import) {
		gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (chooser), TRUE);
		gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "mapping.json");
	}
	g_signal_connect (chooser, "response", G_CALLBACK (file_done_cb), self);
	gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
import_clicked_cb (CsMappingWindow *self)
{
	choose_file (self, TRUE);
}

static void
export_clicked_cb (CsMappingWindow *self)
{
	choose_file (self, FALSE);
}

static void
cs_mapping_window_finalize (GObject *object)
{
	CsMappingWindow *self = CS_MAPPING_WINDOW (object);
	g_clear_object (&self->profile);
	g_clear_pointer (&self->root, json_node_unref);
	G_OBJECT_CLASS (cs_mapping_window_parent_class)->finalize (object);
}

static void
cs_mapping_window_class_init (CsMappingWindowClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
	G_OBJECT_CLASS (klass)->finalize = cs_mapping_window_finalize;
	gtk_widget_class_set_template_from_resource (widget_class,
						     "/org/crmsync/Crmsync/ui/cs-mapping-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CsMappingWindow, name)
	BIND (kinds_grid);
	BIND (kind_combo);
	BIND (fields_view);
	BIND (fields_store);
	BIND (outlook_renderer);
	BIND (values_view);
	BIND (values_store);
	BIND (value_renderer);
	BIND (values_label);
	BIND (identity_label);
	BIND (infobar);
	BIND (info_label);
	BIND (save_button);
	BIND (reset_button);
#undef BIND
	gtk_widget_class_bind_template_callback (widget_class, kind_changed_cb);
	gtk_widget_class_bind_template_callback (widget_class, selection_changed_cb);
	gtk_widget_class_bind_template_callback (widget_class, outlook_edited_cb);
	gtk_widget_class_bind_template_callback (widget_class, value_edited_cb);
	gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, reset_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, import_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, gtk_widget_hide);
}

static void
cs_mapping_window_init (CsMappingWindow *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->value_row = -1;
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		GtkWidget *label = gtk_label_new (cs_kind_get_label ((CsKind) k));
		GtkWidget *dir = gtk_combo_box_text_new ();
		GtkWidget *cond = gtk_combo_box_text_new ();
		g_autofree gchar *name = g_strdup_printf ("direction-%s", cs_kind_to_string ((CsKind) k));
		gtk_label_set_xalign (GTK_LABEL (label), 0);
		/* TRANSLATORS: the four arrows of a kind's direction */
		gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (dir), "none", _("✕  Not synced"));
		if (k != CS_KIND_EMAIL) {
			gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (dir), "crm-to-outlook", _("→  CRM to Outlook"));
		}
		gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (dir), "outlook-to-crm", _("←  Outlook to CRM"));
		if (k != CS_KIND_EMAIL)
			gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (dir), "both", _("↔  Both ways"));
		gtk_widget_set_name (dir, name);
		gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (cond), "owned", _("Owned by me"));
		gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (cond), "all", _("All"));
		gtk_grid_attach (self->kinds_grid, label, 0, (gint) k + 1, 1, 1);
		gtk_grid_attach (self->kinds_grid, dir, 1, (gint) k + 1, 1, 1);
		gtk_grid_attach (self->kinds_grid, cond, 2, (gint) k + 1, 1, 1);
		self->direction_combos[k] = GTK_COMBO_BOX (dir);
		self->condition_combos[k] = GTK_COMBO_BOX (cond);
		if (k == CS_KIND_TASK || k == CS_KIND_EVENT) {
			/* "10 minutes", "3 hours" (before the start), or none; the profile says 0:10 */
			GtkWidget *rem = cs_duration_new (CS_DURATION_MINUTES | CS_DURATION_HOURS | CS_DURATION_NONE,
							  999 * 3600 + 59 * 60);
			gtk_grid_attach (self->kinds_grid, rem, 3, (gint) k + 1, 1, 1);
			self->reminder_entries[k] = rem;
		}
		gtk_combo_box_text_append (self->kind_combo, cs_kind_to_string ((CsKind) k), cs_kind_get_label ((CsKind) k));
	}
	gtk_widget_show_all (GTK_WIDGET (self->kinds_grid));
}

CsMappingWindow *
cs_mapping_window_new (GtkWindow *parent, CsSyncProfile *profile)
{
	CsMappingWindow *self = g_object_new (CS_TYPE_MAPPING_WINDOW, "transient-for", parent, NULL);
	g_autoptr(GError) error = NULL;
	self->profile = g_object_ref (profile);
	if (!load_mapping (self, &error))
		show_message (self, GTK_MESSAGE_ERROR, error->message);
	load_profile (self);
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->kind_combo), "contact");
	fill_fields (self);
	return self;
}

GtkComboBox *
cs_mapping_window_get_direction_combo (CsMappingWindow *self, CsKind kind)
{
	return self->direction_combos[kind];
}

GtkComboBox *
cs_mapping_window_get_condition_combo (CsMappingWindow *self, CsKind kind)
{
	return self->condition_combos[kind];
}

/**
 * cs_mapping_window_get_reminder:
 *
 * Returns: (transfer none) (nullable): the kind's reminder (a cs-duration widget)
 */
GtkWidget *
cs_mapping_window_get_reminder (CsMappingWindow *self, CsKind kind)
{
	return self->reminder_entries[kind];
}
