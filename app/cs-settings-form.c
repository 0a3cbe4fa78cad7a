/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-plugin-loader.h"
#include "cs-settings-form.h"

/*
 * One side's settings (a profile's [crm] or [outlook] section), built from what its plugin
 * says about them (CsSetting): a row per setting, the advanced ones in an expander. The
 * new-profile assistant and the settings dialog both use it, so a new backend describes its
 * settings in its own folder and needs no change in the app.
 *
 * A secret's field is never written to the profile: the caller stores it in the keyring.
 */

struct _CsSettingsForm {
	GtkBox parent_instance;
	GtkGrid *grid;
	GtkExpander *expander; /* (nullable) without advanced settings */
	GtkGrid *advanced_grid;
	GHashTable *fields;   /* (owned) key → input (entry, combo or check) */
	gchar *plugin;	      /* (owned) (nullable) */
	GtkSizeGroup *labels; /* (owned) (nullable) the caller's labels, lined up with ours */
	gboolean secrets_kept;
};

G_DEFINE_TYPE (CsSettingsForm, cs_settings_form, GTK_TYPE_BOX)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const CsSetting *
settings_of (CsSettingsForm *self)
{
	return cs_plugin_loader_get_settings (cs_plugin_loader_get_default (), self->plugin);
}

static void
field_changed_cb (CsSettingsForm *self)
{
	g_signal_emit (self, signals[CHANGED], 0);
}

static void
browse_response_cb (GtkNativeDialog *chooser, gint response, gpointer user_data)
{
	GtkEntry *entry = GTK_ENTRY (user_data);
	if (response == GTK_RESPONSE_ACCEPT) {
		g_autofree gchar *file = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
		if (file != NULL)
			gtk_entry_set_text (entry, file);
	}
	g_object_unref (chooser);
}

static void
browse_clicked_cb (GtkButton *button, gpointer user_data)
{
	GtkEntry *entry = GTK_ENTRY (user_data);
	gboolean folder = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "folder"));
	GtkFileChooserNative *chooser = gtk_file_chooser_native_new (
		folder ? _ ("Choose a Folder") : _ ("Choose an Outlook Data File"),
		GTK_WINDOW (gtk_widget_get_toplevel (GTK_WIDGET (button))),
		folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER : GTK_FILE_CHOOSER_ACTION_OPEN, NULL,
		NULL);
	g_signal_connect (chooser, "response", G_CALLBACK (browse_response_cb), entry);
	gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
clear_grid (GtkGrid *grid)
{
	g_autoptr (GList) old = gtk_container_get_children (GTK_CONTAINER (grid));
	for (GList *l = old; l != NULL; l = l->next)
		gtk_widget_destroy (l->data);
}

/* the input of one setting; *row is what goes into the grid (an entry with its button) */
static GtkWidget *
make_input (CsSettingsForm *self, const CsSetting *s, const gchar *value, GtkWidget **row)
{
	GtkWidget *input;
	const gchar *v = value != NULL ? value : s->default_value;

	switch (s->type) {
	case CS_SETTING_CHOICE:
		input = gtk_combo_box_text_new ();
		/* the value is the id; the user reads the provider's word for it */
		for (guint c = 0; s->choices != NULL && s->choices[c] != NULL; c++)
			gtk_combo_box_text_append (
				GTK_COMBO_BOX_TEXT (input), s->choices[c],
				s->choice_labels != NULL
					? g_dgettext (GETTEXT_PACKAGE, s->choice_labels[c])
					: s->choices[c]);
		if (v != NULL)
			gtk_combo_box_set_active_id (GTK_COMBO_BOX (input), v);
		g_signal_connect_swapped (input, "changed", G_CALLBACK (field_changed_cb), self);
		*row = input;
		return input;
	case CS_SETTING_BOOLEAN:
		input = gtk_check_button_new ();
		gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (input),
					      g_strcmp0 (v, "true") == 0);
		g_signal_connect_swapped (input, "toggled", G_CALLBACK (field_changed_cb), self);
		*row = input;
		return input;
	case CS_SETTING_FILE:
	case CS_SETTING_FOLDER: {
		GtkWidget *button = gtk_button_new_with_mnemonic (_ ("_Choose…"));
		input = gtk_entry_new ();
		gtk_widget_set_hexpand (input, TRUE);
		gtk_entry_set_activates_default (GTK_ENTRY (input), TRUE);
		*row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
		gtk_container_add (GTK_CONTAINER (*row), input);
		gtk_container_add (GTK_CONTAINER (*row), button);
		g_object_set_data (G_OBJECT (button), "folder",
				   GINT_TO_POINTER (s->type == CS_SETTING_FOLDER));
		g_object_set_data (G_OBJECT (input), "browse-button", button);
		g_signal_connect (button, "clicked", G_CALLBACK (browse_clicked_cb), input);
		break;
	}
	default:
		*row = input = gtk_entry_new ();
		gtk_widget_set_hexpand (input, TRUE);
		gtk_entry_set_activates_default (GTK_ENTRY (input), TRUE);
		if (s->type == CS_SETTING_SECRET) {
			gtk_entry_set_visibility (GTK_ENTRY (input), FALSE);
			gtk_entry_set_input_purpose (GTK_ENTRY (input), GTK_INPUT_PURPOSE_PASSWORD);
			if (self->secrets_kept)
				/* TRANSLATORS: placeholder of the password field of a saved profile
				 */
				gtk_entry_set_placeholder_text (
					GTK_ENTRY (input), _ ("Unchanged (kept in the keyring)"));
		} else if (s->type == CS_SETTING_URL) {
			gtk_entry_set_input_purpose (GTK_ENTRY (input), GTK_INPUT_PURPOSE_URL);
		}
	}
	if (s->type != CS_SETTING_SECRET)
		gtk_entry_set_text (GTK_ENTRY (input), value != NULL ? value : "");
	if (s->default_value != NULL && s->type != CS_SETTING_SECRET)
		gtk_entry_set_placeholder_text (GTK_ENTRY (input), s->default_value);
	g_signal_connect_swapped (input, "changed", G_CALLBACK (field_changed_cb), self);
	return input;
}

/**
 * cs_settings_form_set_plugin:
 * @plugin: the plugin whose settings are shown
 * @profile: (nullable): the profile whose values fill the fields
 * @group: (nullable): its section ("crm", "outlook")
 *
 * Builds a row for each setting the plugin describes (again when the plugin changes).
 */
void
cs_settings_form_set_plugin (CsSettingsForm *self, const gchar *plugin, GKeyFile *profile,
			     const gchar *group)
{
	const CsSetting *settings;
	gint rows[2] = { 0, 0 };

	g_free (self->plugin);
	self->plugin = g_strdup (plugin);
	settings = settings_of (self);
	clear_grid (self->grid);
	clear_grid (self->advanced_grid);
	g_hash_table_remove_all (self->fields);
	for (guint i = 0; settings[i].key != NULL; i++) {
		const CsSetting *s = &settings[i];
		gboolean adv = s->advanced;
		GtkGrid *grid = adv ? self->advanced_grid : self->grid;
		g_autofree gchar *value = NULL;
		GtkWidget *label, *row = NULL, *input;

		/* a first-run form asks only what every user must answer */
		if (adv && self->expander == NULL)
			continue;
		if (profile != NULL && group != NULL && s->type != CS_SETTING_SECRET)
			value = g_key_file_get_string (profile, group, s->key, NULL);
		label = gtk_label_new (g_dgettext (GETTEXT_PACKAGE, s->label));
		gtk_label_set_xalign (GTK_LABEL (label), 1);
		input = make_input (self, s, value, &row);
		gtk_label_set_mnemonic_widget (GTK_LABEL (label), input);
		if (self->labels != NULL && !adv)
			gtk_size_group_add_widget (self->labels, label);
		g_object_set_data (G_OBJECT (input), "label", label);
		g_hash_table_insert (self->fields, g_strdup (s->key), input);
		gtk_grid_attach (grid, label, 0, rows[adv], 1, 1);
		gtk_grid_attach (grid, row, 1, rows[adv], 1, 1);
		rows[adv]++;
	}
	gtk_widget_show_all (GTK_WIDGET (self->grid));
	gtk_widget_show_all (GTK_WIDGET (self->advanced_grid));
	if (self->expander != NULL)
		gtk_widget_set_visible (GTK_WIDGET (self->expander), rows[1] > 0);
	g_signal_emit (self, signals[CHANGED], 0);
}

const gchar *
cs_settings_form_get_plugin (CsSettingsForm *self)
{
	return self->plugin;
}

/**
 * cs_settings_form_get_field:
 *
 * Returns: (transfer none) (nullable): the input of a setting (an entry, a combo box or a
 *   check button)
 */
GtkWidget *
cs_settings_form_get_field (CsSettingsForm *self, const gchar *key)
{
	return g_hash_table_lookup (self->fields, key);
}

/**
 * cs_settings_form_get_value:
 *
 * Returns: (nullable): what the field of @key holds ("true"/"false" for a check)
 */
const gchar *
cs_settings_form_get_value (CsSettingsForm *self, const gchar *key)
{
	GtkWidget *w = g_hash_table_lookup (self->fields, key);
	if (w == NULL)
		return NULL;
	if (GTK_IS_ENTRY (w))
		return gtk_entry_get_text (GTK_ENTRY (w));
	if (GTK_IS_COMBO_BOX (w))
		return gtk_combo_box_get_active_id (GTK_COMBO_BOX (w));
	if (GTK_IS_TOGGLE_BUTTON (w))
		return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (w)) ? "true" : "false";
	return NULL;
}

void
cs_settings_form_set_value (CsSettingsForm *self, const gchar *key, const gchar *value)
{
	GtkWidget *w = g_hash_table_lookup (self->fields, key);
	if (w == NULL)
		return;
	if (GTK_IS_ENTRY (w))
		gtk_entry_set_text (GTK_ENTRY (w), value != NULL ? value : "");
	else if (GTK_IS_COMBO_BOX (w))
		gtk_combo_box_set_active_id (GTK_COMBO_BOX (w), value);
	else if (GTK_IS_TOGGLE_BUTTON (w))
		gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (w),
					      g_strcmp0 (value, "true") == 0);
	/* an advanced setting changed for the user (a certificate trusted) is shown */
	if (self->expander != NULL && gtk_widget_is_ancestor (w, GTK_WIDGET (self->expander)))
		gtk_expander_set_expanded (self->expander, TRUE);
}

/**
 * cs_settings_form_write:
 *
 * Sets in @group each setting that is filled in and differs from what an unset key means;
 * secrets are left out (they go to the keyring). Other keys of @group are not touched.
 */
void
cs_settings_form_write (CsSettingsForm *self, GKeyFile *profile, const gchar *group)
{
	const CsSetting *settings = settings_of (self);
	for (guint i = 0; settings[i].key != NULL; i++) {
		const gchar *v = cs_settings_form_get_value (self, settings[i].key);
		if (settings[i].type == CS_SETTING_SECRET || v == NULL || v[0] == '\0'
		    || g_strcmp0 (v, settings[i].default_value) == 0)
			continue;
		g_key_file_set_string (profile, group, settings[i].key, v);
	}
}

/**
 * cs_settings_form_is_complete:
 *
 * Returns: whether every required setting is filled in (a secret kept in the keyring
 *   counts as filled)
 */
gboolean
cs_settings_form_is_complete (CsSettingsForm *self)
{
	const CsSetting *settings = settings_of (self);
	for (guint i = 0; settings[i].key != NULL; i++) {
		const gchar *v = cs_settings_form_get_value (self, settings[i].key);
		if (!settings[i].required
		    || (settings[i].type == CS_SETTING_SECRET && self->secrets_kept))
			continue;
		if (v == NULL || v[0] == '\0')
			return FALSE;
	}
	return TRUE;
}

/**
 * cs_settings_form_get_secret:
 * @key: (out) (optional): the secret's name
 *
 * Returns: (nullable): the secret typed in (empty: unchanged), %NULL when the plugin has none
 */
const gchar *
cs_settings_form_get_secret (CsSettingsForm *self, const gchar **key)
{
	const CsSetting *settings = settings_of (self);
	for (guint i = 0; settings[i].key != NULL; i++) {
		if (settings[i].type != CS_SETTING_SECRET)
			continue;
		if (key != NULL)
			*key = settings[i].key;
		return cs_settings_form_get_value (self, settings[i].key);
	}
	return NULL;
}

/* a saved profile: an empty secret field means "keep the one in the keyring" */
void
cs_settings_form_set_secrets_kept (CsSettingsForm *self, gboolean kept)
{
	self->secrets_kept = kept;
}

/**
 * cs_settings_form_set_label_group:
 * @labels: the caller's own labels' size group: the form's labels take the same width, so
 *   that its fields line up with the caller's
 */
void
cs_settings_form_set_label_group (CsSettingsForm *self, GtkSizeGroup *labels)
{
	g_set_object (&self->labels, labels);
}

/**
 * cs_settings_form_get_advanced:
 *
 * Returns: (transfer none) (nullable): the expander of the advanced settings
 */
GtkExpander *
cs_settings_form_get_advanced (CsSettingsForm *self)
{
	return self->expander;
}

static void
cs_settings_form_finalize (GObject *object)
{
	CsSettingsForm *self = CS_SETTINGS_FORM (object);
	g_hash_table_unref (self->fields);
	g_object_unref (self->advanced_grid);
	g_clear_object (&self->labels);
	g_free (self->plugin);
	G_OBJECT_CLASS (cs_settings_form_parent_class)->finalize (object);
}

static void
cs_settings_form_class_init (CsSettingsFormClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_settings_form_finalize;
	/* a field was edited, or the rows were rebuilt */
	signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
					 NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static GtkGrid *
new_grid (void)
{
	GtkWidget *g = gtk_grid_new ();
	gtk_grid_set_row_spacing (GTK_GRID (g), 6);
	gtk_grid_set_column_spacing (GTK_GRID (g), 12);
	return GTK_GRID (g);
}

static void
cs_settings_form_init (CsSettingsForm *self)
{
	self->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
	gtk_box_set_spacing (GTK_BOX (self), 6);
	self->grid = new_grid ();
	/* owned by the expander, when there is one */
	self->advanced_grid = g_object_ref_sink (new_grid ());
	gtk_container_add (GTK_CONTAINER (self), GTK_WIDGET (self->grid));
}

/**
 * cs_settings_form_new:
 * @with_advanced: show the advanced settings (in an expander); else they are left out
 */
CsSettingsForm *
cs_settings_form_new (gboolean with_advanced)
{
	CsSettingsForm *self = g_object_new (CS_TYPE_SETTINGS_FORM, NULL);
	if (with_advanced) {
		self->expander = GTK_EXPANDER (gtk_expander_new_with_mnemonic (_ ("_Advanced")));
		gtk_container_add (GTK_CONTAINER (self->expander),
				   GTK_WIDGET (self->advanced_grid));
		gtk_widget_set_no_show_all (GTK_WIDGET (self->expander), TRUE);
		gtk_container_add (GTK_CONTAINER (self), GTK_WIDGET (self->expander));
	}
	gtk_widget_show (GTK_WIDGET (self->grid));
	return self;
}
