/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cs-connection-test.h"
#include "cs-new-profile-assistant.h"
#include "cs-plugin-loader.h"
#include "cs-settings-form.h"

/*
 * A new profile, step by step: the CRM (its address and key, tested on the spot), Outlook
 * (Microsoft 365 or an Outlook data file, which is only read), what to sync and which way
 * (the preset's defaults), then the profile is saved. The window then shows the first
 * run's preview (Sync all) before anything is written to either side.
 *
 * The fields of each side come from the provider's own description of its settings, built
 * by the same form as the settings dialog's (cs-settings-form): a new backend needs no
 * change here.
 */

enum { PAGE_CRM, PAGE_OUTLOOK, PAGE_KINDS, PAGE_CONFIRM };

struct _CsNewProfileAssistant {
	GtkAssistant parent_instance;
	GtkWidget *pages[4];
	GtkEntry *name_entry;
	GtkComboBoxText *crm_combo;
	GtkComboBoxText *edition_combo; /* the CRM's presets, when it has several (webCRM B2B, B2C) */
	GtkWidget *edition_label;
	CsSettingsForm *forms[CS_SIDE_LAST];
	GtkButton *test_button;
	GtkSpinner *test_spinner;
	GtkLabel *test_label;
	GPtrArray *outlook_radios; /* (owned) one per Outlook plugin; its name in "plugin" */
	GtkWidget *app_id_link;
	GtkLabel *read_only_note; /* a plugin that only reads (an Outlook data file) */
	GtkLabel *sign_in_note;   /* a plugin that signs the user in (Microsoft 365) */
	GtkComboBoxText *direction_combos[CS_KIND_LAST];
	GtkLabel *summary_label;

	gchar *profiles_dir;		  /* (owned) */
	CsSecrets *secrets;		  /* (owned) */
	GCancellable *test_cancellable;	  /* (owned) (nullable) */
	gboolean tested;		  /* the CRM answered with these very fields */
	gchar *path;			  /* (owned) (nullable) the profile written */
};

G_DEFINE_TYPE (CsNewProfileAssistant, cs_new_profile_assistant, GTK_TYPE_ASSISTANT)

static const gchar *
crm_plugin (CsNewProfileAssistant *self)
{
	return gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->crm_combo));
}

static const gchar *
outlook_plugin (CsNewProfileAssistant *self)
{
	for (guint i = 0; i < self->outlook_radios->len; i++) {
		GtkToggleButton *r = g_ptr_array_index (self->outlook_radios, i);
		if (gtk_toggle_button_get_active (r))
			return g_object_get_data (G_OBJECT (r), "plugin");
	}
	return NULL;
}

/* the preset of rules the CRM offers (the edition chosen, when it offers several) */
static const gchar *
preset (CsNewProfileAssistant *self)
{
	const CsPreset *presets
		= cs_plugin_loader_get_presets (cs_plugin_loader_get_default (), crm_plugin (self));
	if (presets[0].id != NULL && presets[1].id != NULL)
		return gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->edition_combo));
	return presets[0].id;
}

static void
update_complete (CsNewProfileAssistant *self);

static void
crm_field_changed_cb (CsNewProfileAssistant *self)
{
	/* a changed CRM field needs a new test */
	self->tested = FALSE;
	gtk_label_set_text (self->test_label, "");
	update_complete (self);
}

/* the profile the pages describe so far; the secret stays out of it */
static GKeyFile *
build_keyfile (CsNewProfileAssistant *self)
{
	GKeyFile *kf = g_key_file_new ();
	const gchar *plugins[CS_SIDE_LAST] = { crm_plugin (self), outlook_plugin (self) };
	const gchar *groups[CS_SIDE_LAST] = { "crm", "outlook" };
	g_autofree gchar *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));

	g_key_file_set_string (kf, "profile", "name", name);
	g_key_file_set_string (kf, "profile", "crm", plugins[CS_SIDE_CRM]);
	g_key_file_set_string (kf, "profile", "outlook", plugins[CS_SIDE_OUTLOOK]);
	if (preset (self) != NULL)
		g_key_file_set_string (kf, "profile", "preset", preset (self));
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		cs_settings_form_write (self->forms[s], kf, groups[s]);
	return kf;
}

static const gchar *
crm_secret (CsNewProfileAssistant *self)
{
	return cs_settings_form_get_secret (self->forms[CS_SIDE_CRM], NULL);
}

static void
update_complete (CsNewProfileAssistant *self)
{
	const gchar *name = gtk_entry_get_text (self->name_entry);
	gboolean crm_ok = name[0] != '\0' && cs_settings_form_is_complete (self->forms[CS_SIDE_CRM]);
	gboolean outlook_ok = cs_settings_form_is_complete (self->forms[CS_SIDE_OUTLOOK]);
	gtk_widget_set_sensitive (GTK_WIDGET (self->test_button),
				  crm_ok && self->test_cancellable == NULL);
	/* never a profile that cannot run: the CRM must have answered */
	gtk_assistant_set_page_complete (GTK_ASSISTANT (self), self->pages[PAGE_CRM],
					 crm_ok && self->tested);
	gtk_assistant_set_page_complete (GTK_ASSISTANT (self), self->pages[PAGE_OUTLOOK],
					 outlook_ok);
}

static void
test_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (CsNewProfileAssistant) self = CS_NEW_PROFILE_ASSISTANT (user_data);
	g_autoptr (GError) error = NULL;
	g_autofree gchar *who = cs_connection_test_finish (result, &error);
	g_autofree gchar *text = NULL;
	const gchar *service = cs_plugin_loader_get_display_name (cs_plugin_loader_get_default (),
								  crm_plugin (self));

	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	g_clear_object (&self->test_cancellable);
	gtk_spinner_stop (self->test_spinner);
	self->tested = error == NULL;
	if (error == NULL)
		/* TRANSLATORS: %s is a CRM's name */
		text = g_strdup_printf (_ ("✓ Connected to %s."), service);
	else
		/* TRANSLATORS: %s is what went wrong */
		text = g_strdup_printf (_ ("✗ %s"), error->message);
	gtk_label_set_text (self->test_label, text);
	update_complete (self);
}

static void
test_clicked_cb (CsNewProfileAssistant *self)
{
	g_autoptr (GKeyFile) kf = build_keyfile (self);
	self->test_cancellable = g_cancellable_new ();
	self->tested = FALSE;
	gtk_label_set_text (self->test_label, _ ("Connecting…"));
	gtk_spinner_start (self->test_spinner);
	update_complete (self);
	cs_connection_test_async (crm_plugin (self), kf, CS_SIDE_CRM, self->profiles_dir,
				  crm_secret (self), NULL, NULL, self->test_cancellable,
				  test_done_cb, g_object_ref (self));
}

static void
crm_changed_cb (CsNewProfileAssistant *self)
{
	const CsPreset *presets
		= cs_plugin_loader_get_presets (cs_plugin_loader_get_default (), crm_plugin (self));
	gboolean several = presets[0].id != NULL && presets[1].id != NULL;
	gtk_combo_box_text_remove_all (self->edition_combo);
	for (guint p = 0; several && presets[p].id != NULL; p++)
		gtk_combo_box_text_append (
			self->edition_combo, presets[p].id,
			presets[p].label != NULL ? g_dgettext (GETTEXT_PACKAGE, presets[p].label)
						 : presets[p].id);
	if (several)
		gtk_combo_box_set_active (GTK_COMBO_BOX (self->edition_combo), 0);
	gtk_widget_set_visible (GTK_WIDGET (self->edition_combo), several);
	gtk_widget_set_visible (self->edition_label, several);
	cs_settings_form_set_plugin (self->forms[CS_SIDE_CRM], crm_plugin (self), NULL, NULL);
	self->tested = FALSE;
	gtk_label_set_text (self->test_label, "");
	update_complete (self);
}

static void
outlook_changed_cb (CsNewProfileAssistant *self)
{
	CsPluginLoader *loader = cs_plugin_loader_get_default ();
	const gchar *plugin = outlook_plugin (self);
	gboolean read_only = plugin != NULL && cs_plugin_loader_is_read_only (loader, plugin);
	gboolean sign_in = plugin != NULL && cs_plugin_loader_can_sign_in (loader, plugin);
	cs_settings_form_set_plugin (self->forms[CS_SIDE_OUTLOOK], plugin, NULL, NULL);
	gtk_widget_set_visible (self->app_id_link, sign_in);
	gtk_widget_set_visible (GTK_WIDGET (self->sign_in_note), sign_in);
	if (read_only) {
		/* TRANSLATORS: %s is an Outlook source ("Outlook data file") */
		g_autofree gchar *text = g_strdup_printf (
			_ ("%s: only read. Its contacts, tasks, appointments and e-mails go to the "
			   "CRM, and nothing is ever written back. The directions are set so."),
			cs_plugin_loader_get_display_name (loader, plugin));
		gtk_label_set_text (self->read_only_note, text);
	}
	gtk_widget_set_visible (GTK_WIDGET (self->read_only_note), read_only);
	update_complete (self);
}

static const gchar *direction_ids[] = { "none", "crm-to-outlook", "outlook-to-crm", "both" };

/* the preset's kinds and directions; a data file is only read, so only towards the CRM */
static void
fill_kinds (CsNewProfileAssistant *self)
{
	g_autoptr (GKeyFile) kf = build_keyfile (self);
	g_autofree gchar *data = g_key_file_to_data (kf, NULL, NULL);
	g_autofree gchar *path = g_build_filename (self->profiles_dir, "new.ini", NULL);
	g_autoptr (CsProfile) p = cs_profile_new_from_data (data, path, NULL);
	const gchar *outlook = outlook_plugin (self);
	gboolean pst = outlook != NULL
		       && cs_plugin_loader_is_read_only (cs_plugin_loader_get_default (), outlook);
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		CsDirection d = p != NULL ? cs_profile_get_kind_config (p, (CsKind)k)->direction
					  : CS_DIRECTION_BOTH;
		if (pst && d != CS_DIRECTION_NONE)
			d = CS_DIRECTION_OUTLOOK_TO_CRM;
		gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->direction_combos[k]),
					     direction_ids[d]);
		/* towards Outlook is not possible with a data file */
		gtk_widget_set_sensitive (GTK_WIDGET (self->direction_combos[k]), !pst);
	}
}

static void
fill_summary (CsNewProfileAssistant *self)
{
	g_autofree gchar *text = NULL;
	const gchar *crm = cs_plugin_loader_get_display_name (cs_plugin_loader_get_default (),
							      crm_plugin (self));
	const gchar *outlook = cs_plugin_loader_get_display_name (cs_plugin_loader_get_default (),
								  outlook_plugin (self));
	/* TRANSLATORS: %s: the profile's name, the CRM, the Outlook side */
	text = g_strdup_printf (
		_ ("The profile “%s” keeps %s and %s in step. Saving it writes "
		   "nothing to either side: the next window shows what the first sync "
		   "would do, and you choose what to apply."),
		gtk_entry_get_text (self->name_entry), crm, outlook);
	gtk_label_set_text (self->summary_label, text);
}

static void
prepare_cb (CsNewProfileAssistant *self, GtkWidget *page)
{
	if (page == self->pages[PAGE_KINDS])
		fill_kinds (self);
	else if (page == self->pages[PAGE_CONFIRM])
		fill_summary (self);
}

static gchar *
new_path (CsNewProfileAssistant *self)
{
	g_autofree gchar *slug = g_ascii_strdown (gtk_entry_get_text (self->name_entry), -1);
	g_strcanon (slug, "abcdefghijklmnopqrstuvwxyz0123456789-", '-');
	for (guint n = 1;; n++) {
		g_autofree gchar *file = n == 1 ? g_strdup_printf ("%s.ini", slug)
						: g_strdup_printf ("%s-%u.ini", slug, n);
		gchar *path = g_build_filename (self->profiles_dir, file, NULL);
		if (!g_file_test (path, G_FILE_TEST_EXISTS))
			return path;
		g_free (path);
	}
}

/* writes the profile (the secret into the keyring first): on Apply of the last page */
static gboolean
save (CsNewProfileAssistant *self, GError **error)
{
	g_autoptr (GKeyFile) kf = build_keyfile (self);
	g_autofree gchar *path = new_path (self);
	g_autofree gchar *data = NULL;
	g_autoptr (CsProfile) check = NULL;
	const gchar *secret = crm_secret (self);

	for (guint k = 0; k < CS_KIND_LAST; k++) {
		const gchar *d
			= gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->direction_combos[k]));
		g_autofree gchar *data_now = g_key_file_to_data (kf, NULL, NULL);
		g_autoptr (CsProfile) p = cs_profile_new_from_data (data_now, path, NULL);
		/* only what differs from the preset is written */
		if (d != NULL && p != NULL
		    && g_strcmp0 (
			       d,
			       direction_ids[cs_profile_get_kind_config (p, (CsKind)k)->direction])
			       != 0)
			g_key_file_set_string (kf, cs_kind_to_string ((CsKind)k), "direction", d);
	}
	data = g_key_file_to_data (kf, NULL, NULL);
	check = cs_profile_new_from_data (data, path, error);
	if (check == NULL)
		return FALSE;
	if (!g_key_file_has_key (kf, "profile", "id", NULL)) {
		/* written with the id its secret is stored under (cs_profile_get_uid()) */
		g_key_file_set_string (kf, "profile", "id", cs_profile_get_uid (check));
		g_free (data);
		data = g_key_file_to_data (kf, NULL, NULL);
	}
	if (g_mkdir_with_parents (self->profiles_dir, 0700) != 0) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
			     _ ("Cannot create the folder %s"), self->profiles_dir);
		return FALSE;
	}
	if (secret != NULL && secret[0] != '\0'
	    && !cs_secrets_store (self->secrets, cs_profile_get_uid (check), CS_SIDE_CRM, "secret",
				  secret, error))
		return FALSE;
	if (!g_file_set_contents_full (path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
		return FALSE;
	g_free (self->path);
	self->path = g_steal_pointer (&path);
	return TRUE;
}

static void
apply_cb (CsNewProfileAssistant *self)
{
	g_autoptr (GError) error = NULL;
	if (!save (self, &error)) {
		GtkWidget *d = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL,
						       GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s",
						       _ ("The profile could not be saved"));
		gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (d), "%s",
							  error->message);
		g_signal_connect (d, "response", G_CALLBACK (gtk_widget_destroy), NULL);
		gtk_widget_show (d);
	}
}

static void
close_cb (CsNewProfileAssistant *self)
{
	gtk_widget_destroy (GTK_WIDGET (self));
}

static gint
compare_display_names (gconstpointer a, gconstpointer b)
{
	CsPluginLoader *loader = cs_plugin_loader_get_default ();
	return g_utf8_collate (cs_plugin_loader_get_display_name (loader, *(const gchar *const *)a),
			       cs_plugin_loader_get_display_name (loader, *(const gchar *const *)b));
}

static GtkWidget *
page_box (void)
{
	GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
	gtk_container_set_border_width (GTK_CONTAINER (box), 18);
	return box;
}

static GtkWidget *
wrapped_label (const gchar *text)
{
	GtkWidget *l = gtk_label_new (text);
	gtk_label_set_line_wrap (GTK_LABEL (l), TRUE);
	gtk_label_set_max_width_chars (GTK_LABEL (l), 60);
	gtk_label_set_xalign (GTK_LABEL (l), 0);
	return l;
}

static GtkGrid *
field_grid (void)
{
	GtkWidget *g = gtk_grid_new ();
	gtk_grid_set_row_spacing (GTK_GRID (g), 6);
	gtk_grid_set_column_spacing (GTK_GRID (g), 12);
	return GTK_GRID (g);
}

static void
build_pages (CsNewProfileAssistant *self)
{
	GtkAssistant *a = GTK_ASSISTANT (self);
	GtkWidget *box, *row, *grid;
	g_autoptr (GtkSizeGroup) labels = NULL;
	g_autoptr (GPtrArray) names = NULL;

	/* a plugin that fails to load is left out; the others are offered */
	cs_plugin_loader_load_all (cs_plugin_loader_get_default (), NULL);
	names = cs_plugin_loader_get_names (cs_plugin_loader_get_default ());
	if (names != NULL)
		g_ptr_array_sort (names, compare_display_names);

	/* 1: the CRM */
	box = page_box ();
	gtk_container_add (GTK_CONTAINER (box),
			   wrapped_label (_ ("Which CRM do you work in? Enter its address and your "
					     "key, then test the connection.")));
	grid = GTK_WIDGET (field_grid ());
	self->name_entry = GTK_ENTRY (gtk_entry_new ());
	gtk_entry_set_placeholder_text (self->name_entry, _ ("For example: Sales"));
	gtk_widget_set_hexpand (GTK_WIDGET (self->name_entry), TRUE);
	gtk_grid_attach (GTK_GRID (grid), gtk_label_new_with_mnemonic (_ ("Profile _name")), 0, 0,
			 1, 1);
	gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->name_entry), 1, 0, 1, 1);
	self->crm_combo = GTK_COMBO_BOX_TEXT (gtk_combo_box_text_new ());
	for (guint i = 0; names != NULL && i < names->len; i++) {
		const gchar *n = g_ptr_array_index (names, i);
		/* the CRMs a user picks: a store that serves either side (a folder) is for
		 * scripts and tests */
		if (cs_plugin_loader_get_sides (cs_plugin_loader_get_default (), n)
		    == CS_PROVIDER_SIDE_CRM)
			gtk_combo_box_text_append (self->crm_combo, n,
						   cs_plugin_loader_get_display_name (
							   cs_plugin_loader_get_default (), n));
	}
	gtk_grid_attach (GTK_GRID (grid), gtk_label_new_with_mnemonic (_ ("_CRM")), 0, 1, 1, 1);
	gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->crm_combo), 1, 1, 1, 1);
	self->edition_combo = GTK_COMBO_BOX_TEXT (gtk_combo_box_text_new ());
	self->edition_label = gtk_label_new (_ ("Edition"));
	gtk_grid_attach (GTK_GRID (grid), self->edition_label, 0, 2, 1, 1);
	gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->edition_combo), 1, 2, 1, 1);
	/* these labels and the CRM's fields' (cs-settings-form) line up */
	labels = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
	for (gint r = 0; r < 3; r++) {
		GtkWidget *l = gtk_grid_get_child_at (GTK_GRID (grid), 0, r);
		gtk_label_set_xalign (GTK_LABEL (l), 1);
		gtk_size_group_add_widget (labels, l);
	}
	gtk_container_add (GTK_CONTAINER (box), grid);
	/* the first-run form: what every user must answer, the advanced settings left out */
	self->forms[CS_SIDE_CRM] = cs_settings_form_new (FALSE);
	cs_settings_form_set_label_group (self->forms[CS_SIDE_CRM], labels);
	g_signal_connect_swapped (self->forms[CS_SIDE_CRM], "changed",
				  G_CALLBACK (crm_field_changed_cb), self);
	gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (self->forms[CS_SIDE_CRM]));
	row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
	self->test_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_ ("_Test the Connection")));
	self->test_spinner = GTK_SPINNER (gtk_spinner_new ());
	self->test_label = GTK_LABEL (wrapped_label (""));
	gtk_label_set_selectable (self->test_label, TRUE);
	gtk_container_add (GTK_CONTAINER (row), GTK_WIDGET (self->test_button));
	gtk_container_add (GTK_CONTAINER (row), GTK_WIDGET (self->test_spinner));
	gtk_container_add (GTK_CONTAINER (row), GTK_WIDGET (self->test_label));
	gtk_container_add (GTK_CONTAINER (box), row);
	g_signal_connect_swapped (self->test_button, "clicked", G_CALLBACK (test_clicked_cb), self);
	g_signal_connect_swapped (self->name_entry, "changed", G_CALLBACK (update_complete), self);
	self->pages[PAGE_CRM] = box;
	gtk_assistant_append_page (a, box);
	gtk_assistant_set_page_title (a, box, _ ("Your CRM"));

	/* 2: Outlook */
	box = page_box ();
	gtk_container_add (GTK_CONTAINER (box), wrapped_label (_ ("Where is your Outlook data?")));
	/* the Outlook sources a user picks (a store that serves either side is for scripts),
	 * each as its plugin describes itself */
	for (guint i = 0; names != NULL && i < names->len; i++) {
		const gchar *n = g_ptr_array_index (names, i);
		GtkWidget *radio;
		const gchar *description;
		if (cs_plugin_loader_get_sides (cs_plugin_loader_get_default (), n)
		    != CS_PROVIDER_SIDE_OUTLOOK)
			continue;
		description = cs_plugin_loader_get_description (cs_plugin_loader_get_default (), n);
		radio = gtk_radio_button_new_with_label_from_widget (
			self->outlook_radios->len > 0 ? g_ptr_array_index (self->outlook_radios, 0)
						      : NULL,
			description);
		g_object_set_data_full (G_OBJECT (radio), "plugin", g_strdup (n), g_free);
		g_ptr_array_add (self->outlook_radios, radio);
		gtk_container_add (GTK_CONTAINER (box), radio);
	}
	self->sign_in_note = GTK_LABEL (
		wrapped_label (_ ("You sign in with your account at the first sync; the app keeps "
				  "the sign-in in the keyring.")));
	gtk_widget_set_no_show_all (GTK_WIDGET (self->sign_in_note), TRUE);
	gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (self->sign_in_note));
	self->read_only_note = GTK_LABEL (wrapped_label (""));
	gtk_widget_set_no_show_all (GTK_WIDGET (self->read_only_note), TRUE);
	gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (self->read_only_note));
	self->forms[CS_SIDE_OUTLOOK] = cs_settings_form_new (TRUE);
	g_signal_connect_swapped (self->forms[CS_SIDE_OUTLOOK], "changed",
				  G_CALLBACK (update_complete), self);
	gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (self->forms[CS_SIDE_OUTLOOK]));
	/* an organisation that allows only its own registered applications */
	self->app_id_link = gtk_link_button_new_with_label (
		"help:crmsync/microsoft-365", _ ("How to use your organisation's own application id"));
	gtk_widget_set_halign (self->app_id_link, GTK_ALIGN_START);
	gtk_widget_set_no_show_all (self->app_id_link, TRUE);
	gtk_container_add (GTK_CONTAINER (box), self->app_id_link);
	for (guint i = 0; i < self->outlook_radios->len; i++)
		g_signal_connect_swapped (g_ptr_array_index (self->outlook_radios, i), "toggled",
					  G_CALLBACK (outlook_changed_cb), self);
	self->pages[PAGE_OUTLOOK] = box;
	gtk_assistant_append_page (a, box);
	gtk_assistant_set_page_title (a, box, _ ("Outlook"));

	/* 3: what and which way */
	box = page_box ();
	gtk_container_add (GTK_CONTAINER (box),
			   wrapped_label (_ ("What should be kept in step, and which way? The "
					     "suggestions are the usual ones for your CRM.")));
	grid = GTK_WIDGET (field_grid ());
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		GtkWidget *label = gtk_label_new (cs_kind_get_label ((CsKind)k));
		GtkComboBoxText *c = GTK_COMBO_BOX_TEXT (gtk_combo_box_text_new ());
		gtk_label_set_xalign (GTK_LABEL (label), 1);
		gtk_combo_box_text_append (c, "none", _ ("✕  Not synced"));
		if (k != CS_KIND_EMAIL) {
			gtk_combo_box_text_append (c, "crm-to-outlook", _ ("→  CRM to Outlook"));
			gtk_combo_box_text_append (c, "both", _ ("↔  Both ways"));
		}
		gtk_combo_box_text_append (c, "outlook-to-crm", _ ("←  Outlook to CRM"));
		self->direction_combos[k] = c;
		gtk_grid_attach (GTK_GRID (grid), label, 0, (gint)k, 1, 1);
		gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (c), 1, (gint)k, 1, 1);
	}
	gtk_container_add (GTK_CONTAINER (box), grid);
	self->pages[PAGE_KINDS] = box;
	gtk_assistant_append_page (a, box);
	gtk_assistant_set_page_title (a, box, _ ("What to Sync"));
	gtk_assistant_set_page_complete (a, box, TRUE);

	/* 4: save, then the preview */
	box = page_box ();
	self->summary_label = GTK_LABEL (wrapped_label (""));
	gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (self->summary_label));
	self->pages[PAGE_CONFIRM] = box;
	gtk_assistant_append_page (a, box);
	gtk_assistant_set_page_type (a, box, GTK_ASSISTANT_PAGE_CONFIRM);
	gtk_assistant_set_page_title (a, box, _ ("Save and Preview"));
	gtk_assistant_set_page_complete (a, box, TRUE);

	g_signal_connect_swapped (self->crm_combo, "changed", G_CALLBACK (crm_changed_cb), self);
	g_signal_connect_swapped (self->edition_combo, "changed", G_CALLBACK (update_complete),
				  self);
	gtk_widget_show_all (GTK_WIDGET (self));
}

static void
cs_new_profile_assistant_dispose (GObject *object)
{
	CsNewProfileAssistant *self = CS_NEW_PROFILE_ASSISTANT (object);
	if (self->test_cancellable != NULL)
		g_cancellable_cancel (self->test_cancellable);
	g_clear_object (&self->test_cancellable);
	G_OBJECT_CLASS (cs_new_profile_assistant_parent_class)->dispose (object);
}

static void
cs_new_profile_assistant_finalize (GObject *object)
{
	CsNewProfileAssistant *self = CS_NEW_PROFILE_ASSISTANT (object);
	g_free (self->profiles_dir);
	g_ptr_array_unref (self->outlook_radios);
	g_clear_object (&self->secrets);
	g_free (self->path);
	G_OBJECT_CLASS (cs_new_profile_assistant_parent_class)->finalize (object);
}

static void
cs_new_profile_assistant_class_init (CsNewProfileAssistantClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	object_class->dispose = cs_new_profile_assistant_dispose;
	object_class->finalize = cs_new_profile_assistant_finalize;
}

static void
cs_new_profile_assistant_init (CsNewProfileAssistant *self)
{
	self->outlook_radios = g_ptr_array_new ();
	gtk_window_set_title (GTK_WINDOW (self), _ ("New Profile"));
	gtk_window_set_default_size (GTK_WINDOW (self), 760, 480);
	gtk_window_set_modal (GTK_WINDOW (self), TRUE);
	build_pages (self);
	g_signal_connect (self, "prepare", G_CALLBACK (prepare_cb), NULL);
	g_signal_connect (self, "apply", G_CALLBACK (apply_cb), NULL);
	g_signal_connect (self, "close", G_CALLBACK (close_cb), NULL);
	g_signal_connect (self, "cancel", G_CALLBACK (close_cb), NULL);
}

CsNewProfileAssistant *
cs_new_profile_assistant_new (GtkWindow *parent, const gchar *profiles_dir, CsSecrets *secrets)
{
	CsNewProfileAssistant *self = g_object_new (CS_TYPE_NEW_PROFILE_ASSISTANT, "transient-for",
						    parent, "use-header-bar", TRUE, NULL);
	self->profiles_dir = g_strdup (profiles_dir);
	self->secrets = g_object_ref (secrets);
	/* the first CRM there is (by name) */
	gtk_combo_box_set_active (GTK_COMBO_BOX (self->crm_combo), 0);
	if (self->outlook_radios->len > 0)
		gtk_toggle_button_set_active (g_ptr_array_index (self->outlook_radios, 0), TRUE);
	outlook_changed_cb (self);
	return self;
}

/**
 * cs_new_profile_assistant_get_path:
 *
 * Returns: (nullable): the profile written, once the user saved it
 */
const gchar *
cs_new_profile_assistant_get_path (CsNewProfileAssistant *self)
{
	return self->path;
}

gboolean
cs_new_profile_assistant_is_testing (CsNewProfileAssistant *self)
{
	return self->test_cancellable != NULL;
}

/**
 * cs_new_profile_assistant_get_field:
 * @side: "crm" or "outlook"
 * @key: a setting's key
 *
 * Returns: (transfer none) (nullable): the input of that setting
 */
GtkWidget *
cs_new_profile_assistant_get_field (CsNewProfileAssistant *self, const gchar *side,
				    const gchar *key)
{
	return cs_settings_form_get_field (
		self->forms[g_strcmp0 (side, "crm") == 0 ? CS_SIDE_CRM : CS_SIDE_OUTLOOK], key);
}

GtkComboBox *
cs_new_profile_assistant_get_crm_combo (CsNewProfileAssistant *self)
{
	return GTK_COMBO_BOX (self->crm_combo);
}

GtkEntry *
cs_new_profile_assistant_get_name_entry (CsNewProfileAssistant *self)
{
	return self->name_entry;
}

GtkButton *
cs_new_profile_assistant_get_test_button (CsNewProfileAssistant *self)
{
	return self->test_button;
}

GtkLabel *
cs_new_profile_assistant_get_test_label (CsNewProfileAssistant *self)
{
	return self->test_label;
}

GtkToggleButton *
cs_new_profile_assistant_get_outlook_radio (CsNewProfileAssistant *self, const gchar *plugin)
{
	for (guint i = 0; i < self->outlook_radios->len; i++) {
		GtkToggleButton *r = g_ptr_array_index (self->outlook_radios, i);
		if (g_strcmp0 (g_object_get_data (G_OBJECT (r), "plugin"), plugin) == 0)
			return r;
	}
	return NULL;
}

GtkComboBox *
cs_new_profile_assistant_get_direction_combo (CsNewProfileAssistant *self, CsKind kind)
{
	return GTK_COMBO_BOX (self->direction_combos[kind]);
}
