/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cs-connection-test.h"
#include "cs-duration.h"
#include "cs-plugin-loader.h"
#include "cs-profile-store.h"
#include "cs-settings-dialog.h"
#include "cs-settings-form.h"

/*
 * The profile's settings. What is written goes to the profile file, the
 * password or API key to the keyring (CsSecrets) and never to the file; the
 * app-wide choices (alerts, debug level) go to GSettings.
 */
struct _CsSettingsDialog {
	GtkDialog parent_instance;
	GtkEntry *name_entry;
	GtkComboBoxText *crm_combo;
	GtkBox *crm_form_box;
	GtkComboBoxText *outlook_combo;
	GtkBox *outlook_form_box;
	GtkLabel *graph_label;
	GtkButton *sign_in_button;
	GtkSpinner *sign_in_spinner;
	GtkSwitch *enabled_switch;
	GtkSpinButton *crm_interval_spin;
	GtkSpinButton *outlook_interval_spin;
	GtkWidget *crm_interval;     /* the spin with its unit (cs-duration) */
	GtkWidget *outlook_interval;
	GtkCheckButton *sync_on_start_check;
	GtkCheckButton *sync_on_exit_check;
	GtkCheckButton *show_alerts_check;
	GtkComboBoxText *debug_combo;
	GtkComboBoxText *conflict_combo;
	GtkButton *test_button;
	GtkSpinner *test_spinner;
	GtkInfoBar *test_infobar;
	GtkLabel *test_label;
	GtkButton *trust_button;
	GtkInfoBar *error_infobar;
	GtkLabel *error_label;
	/* each side's settings, as its plugin describes them (cs-settings-form) */
	CsSettingsForm *forms[CS_SIDE_LAST];
	GtkWidget *app_id_link;	  /* how to use an organisation's own application id */
	GtkSizeGroup *labels;	  /* (owned) the first column's labels, the forms' included */
	GHashTable *choice_plugin; /* (owned) a CRM choice's id → its plugin */
	GHashTable *choice_preset; /* (owned) a CRM choice's id → its preset (or absent) */

	CsSyncProfile *profile;	  /* (owned) (nullable) NULL: a new profile */
	GKeyFile *loaded;	  /* (owned) (nullable) what the fields held when loaded */
	CsSecrets *secrets;	  /* (owned) */
	gchar *profiles_dir;	  /* (owned) */
	gchar *path;		  /* (owned) (nullable) the file written */
	GSettings *settings;	  /* (owned) (nullable) without the schema installed */
	GCancellable *test_cancellable; /* (owned) (nullable) */
	gchar *seen_fingerprint;  /* (owned) (nullable) offered by the last test */
	GCancellable *sign_in_cancellable; /* (owned) (nullable) */
	gchar *new_path;	  /* (owned) (nullable) a new profile's file, fixed by a sign-in */
	GStrv locks;		  /* (owned) (nullable) keys the administrator locked */
	gchar *lock_reason;	  /* (owned) (nullable) */
};

static const gchar *const side_groups[CS_SIDE_LAST] = {"crm", "outlook"};

G_DEFINE_TYPE (CsSettingsDialog, cs_settings_dialog, GTK_TYPE_DIALOG)

static GSettings *
app_settings_new (void)
{
	GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
	g_autoptr(GSettingsSchema) schema = NULL;
	if (source == NULL)
		return NULL;
	schema = g_settings_schema_source_lookup (source, "org.crmsync.Crmsync", TRUE);
	return schema != NULL ? g_settings_new ("org.crmsync.Crmsync") : NULL;
}

/* the CRM choice stands for a plugin and the preset of its rules */
static void
crm_choice_split (CsSettingsDialog *self, const gchar *choice, const gchar **plugin,
		  const gchar **preset)
{
	*plugin = choice != NULL ? g_hash_table_lookup (self->choice_plugin, choice) : NULL;
	*preset = choice != NULL ? g_hash_table_lookup (self->choice_preset, choice) : NULL;
}

/* those serving one side first (the services), then by name */
static gint
compare_plugins (gconstpointer a, gconstpointer b)
{
	CsPluginLoader *loader = cs_plugin_loader_get_default ();
	const gchar *na = *(const gchar *const *) a, *nb = *(const gchar *const *) b;
	gboolean both_a = cs_plugin_loader_get_sides (loader, na)
			  == (CS_PROVIDER_SIDE_CRM | CS_PROVIDER_SIDE_OUTLOOK);
	gboolean both_b = cs_plugin_loader_get_sides (loader, nb)
			  == (CS_PROVIDER_SIDE_CRM | CS_PROVIDER_SIDE_OUTLOOK);
	if (both_a != both_b)
		return both_a ? 1 : -1;
	return g_utf8_collate (cs_plugin_loader_get_display_name (loader, na),
			       cs_plugin_loader_get_display_name (loader, nb));
}

/* the choices of each side, from the plugins there are: a CRM once per preset of its rules,
 * so that a new backend (and its presets) needs no change here */
static void
fill_plugin_combos (CsSettingsDialog *self)
{
	CsPluginLoader *loader = cs_plugin_loader_get_default ();
	g_autoptr(GPtrArray) names = NULL;

	/* a plugin that fails to load is left out; the others are offered */
	cs_plugin_loader_load_all (loader, NULL);
	names = cs_plugin_loader_get_names (loader);
	if (names == NULL)
		return;
	g_ptr_array_sort (names, compare_plugins);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index (names, i);
		CsProviderSides sides = cs_plugin_loader_get_sides (loader, name);
		const gchar *display = cs_plugin_loader_get_display_name (loader, name);
		const CsPreset *presets = cs_plugin_loader_get_presets (loader, name);
		if (sides & CS_PROVIDER_SIDE_OUTLOOK)
			gtk_combo_box_text_append (self->outlook_combo, name, display);
		if (!(sides & CS_PROVIDER_SIDE_CRM))
			continue;
		if (presets[0].id == NULL) {
			g_hash_table_insert (self->choice_plugin, g_strdup (name), g_strdup (name));
			gtk_combo_box_text_append (self->crm_combo, name, display);
		}
		for (guint p = 0; presets[p].id != NULL; p++) {
			g_autofree gchar *label = NULL;
			if (presets[p].label != NULL)
				/* TRANSLATORS: a CRM ("webCRM") and one of its editions ("People (B2C)") */
				label = g_strdup_printf (C_("crm choice", "%s: %s"), display,
							 g_dgettext (GETTEXT_PACKAGE, presets[p].label));
			g_hash_table_insert (self->choice_plugin, g_strdup (presets[p].id), g_strdup (name));
			g_hash_table_insert (self->choice_preset, g_strdup (presets[p].id),
					     g_strdup (presets[p].id));
			gtk_combo_box_text_append (self->crm_combo, presets[p].id,
						   label != NULL ? label : display);
		}
	}
}

/* the choice for a profile's CRM: its preset's, else the plugin's first */
static const gchar *
crm_choice_for (CsSettingsDialog *self, const gchar *plugin, const gchar *preset)
{
	GHashTableIter iter;
	gpointer key, value;
	const CsPreset *presets = cs_plugin_loader_get_presets (cs_plugin_loader_get_default (), plugin);
	if (preset != NULL && g_strcmp0 (g_hash_table_lookup (self->choice_plugin, preset), plugin) == 0)
		return preset;
	if (presets[0].id != NULL)
		return presets[0].id;
	g_hash_table_iter_init (&iter, self->choice_plugin);
	while (g_hash_table_iter_next (&iter, &key, &value))
		if (g_strcmp0 (value, plugin) == 0)
			return key;
	return plugin;
}

/*
 * A system profile's locked keys (cs-profile-store.c) are shown, not
 * edited: their fields are insensitive, entries carry a lock icon, and the
 * administrator's reason is in their tooltip and in the bar at the top. App
 * settings an administrator fixed with a dconf lock are insensitive alike.
 */
static void
lock_widget (CsSettingsDialog *self, GtkWidget *widget, const gchar *group, const gchar *key)
{
	g_autofree gchar *tip = NULL;
	if (!cs_profile_store_is_locked ((const gchar *const *) self->locks, group, key))
		return;
	/* TRANSLATORS: tooltip of a setting the administrator fixed; %s is their reason */
	tip = g_strdup_printf (_("Set by your administrator: %s"),
			       self->lock_reason != NULL ? self->lock_reason : _("no reason given"));
	gtk_widget_set_sensitive (widget, FALSE);
	gtk_widget_set_tooltip_text (widget, tip);
	if (GTK_IS_ENTRY (widget) && !GTK_IS_SPIN_BUTTON (widget)) {
		gtk_entry_set_icon_from_icon_name (GTK_ENTRY (widget), GTK_ENTRY_ICON_SECONDARY,
						   "changes-prevent-symbolic");
		gtk_entry_set_icon_tooltip_text (GTK_ENTRY (widget), GTK_ENTRY_ICON_SECONDARY, tip);
	}
}

static void
apply_locks (CsSettingsDialog *self)
{
	if (self->settings != NULL) {
		gtk_widget_set_sensitive (GTK_WIDGET (self->show_alerts_check),
					  g_settings_is_writable (self->settings, "show-alerts"));
		gtk_widget_set_sensitive (GTK_WIDGET (self->debug_combo),
					  g_settings_is_writable (self->settings, "debug-level"));
	}
	if (self->locks == NULL)
		return;
	lock_widget (self, GTK_WIDGET (self->name_entry), "profile", "name");
	lock_widget (self, GTK_WIDGET (self->crm_combo), "profile", "crm");
	lock_widget (self, GTK_WIDGET (self->crm_combo), "profile", "preset");
	for (guint side = 0; side < CS_SIDE_LAST; side++) {
		const CsSetting *settings = cs_plugin_loader_get_settings (
		    cs_plugin_loader_get_default (), cs_settings_form_get_plugin (self->forms[side]));
		for (guint i = 0; settings[i].key != NULL; i++) {
			GtkWidget *w = cs_settings_form_get_field (self->forms[side], settings[i].key);
			GtkWidget *browse = w != NULL ? g_object_get_data (G_OBJECT (w), "browse-button") : NULL;
			if (w == NULL)
				continue;
			lock_widget (self, w, side_groups[side], settings[i].key);
			if (browse != NULL)
				lock_widget (self, browse, side_groups[side], settings[i].key);
		}
	}
	lock_widget (self, GTK_WIDGET (self->outlook_combo), "profile", "outlook");
	lock_widget (self, GTK_WIDGET (self->enabled_switch), "profile", "enabled");
	lock_widget (self, GTK_WIDGET (self->crm_interval_spin), "profile", "crm-interval");
	lock_widget (self, GTK_WIDGET (self->outlook_interval_spin), "profile", "outlook-interval");
	lock_widget (self, GTK_WIDGET (self->sync_on_start_check), "profile", "sync-on-start");
	lock_widget (self, GTK_WIDGET (self->sync_on_exit_check), "profile", "sync-on-exit");
	lock_widget (self, GTK_WIDGET (self->conflict_combo), "profile", "conflict");
}

/* the side's fields for @plugin, filled from the profile when it has that plugin there */
static void
fill_form (CsSettingsDialog *self, CsSide side, const gchar *plugin)
{
	CsProfile *p = self->profile != NULL ? cs_sync_profile_get_profile (self->profile) : NULL;
	gboolean same = p != NULL && g_strcmp0 (cs_profile_get_plugin (p, side), plugin) == 0;
	CsSettingsForm *form = self->forms[side];

	if (plugin == NULL || g_strcmp0 (cs_settings_form_get_plugin (form), plugin) == 0)
		return;
	/* a saved profile's secret stays in the keyring unless one is typed */
	cs_settings_form_set_secrets_kept (form, same);
	cs_settings_form_set_plugin (form, plugin, same ? cs_profile_get_keyfile (p) : NULL,
				     side_groups[side]);
}

static void
update_sensitivity (CsSettingsDialog *self)
{
	const gchar *crm_plugin, *preset;
	const gchar *outlook = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->outlook_combo));
	gboolean sign_in = outlook != NULL
			   && cs_plugin_loader_can_sign_in (cs_plugin_loader_get_default (), outlook);

	if (self->labels == NULL)
		return;
	crm_choice_split (self, gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->crm_combo)),
			  &crm_plugin, &preset);
	fill_form (self, CS_SIDE_CRM, crm_plugin);
	fill_form (self, CS_SIDE_OUTLOOK, outlook);
	/* a CRM's connection is tested; a folder has none */
	gtk_widget_set_sensitive (GTK_WIDGET (self->test_button),
				  cs_settings_form_get_secret (self->forms[CS_SIDE_CRM], NULL) != NULL);
	gtk_widget_set_visible (GTK_WIDGET (self->graph_label), sign_in);
	gtk_widget_set_visible (GTK_WIDGET (self->sign_in_button), sign_in);
	gtk_widget_set_visible (GTK_WIDGET (self->sign_in_spinner), sign_in);
	gtk_widget_set_visible (self->app_id_link, sign_in);
	apply_locks (self);
}

static void
show_error (CsSettingsDialog *self, const gchar *message)
{
	gtk_label_set_text (self->error_label, message);
	gtk_widget_show (GTK_WIDGET (self->error_infobar));
}

static gchar *
slug_for (const gchar *name)
{
	g_autofree gchar *ascii = g_str_to_ascii (name, NULL);
	g_autofree gchar *lower = g_ascii_strdown (ascii, -1);
	g_strcanon (lower, "abcdefghijklmnopqrstuvwxyz0123456789-", '-');
	return g_strdup (lower[0] != '\0' ? lower : "profile");
}

static gchar *
new_profile_path (CsSettingsDialog *self)
{
	g_autofree gchar *slug = slug_for (gtk_entry_get_text (self->name_entry));
	for (guint n = 1;; n++) {
		g_autofree gchar *base = n == 1 ? g_strdup_printf ("%s.ini", slug)
						: g_strdup_printf ("%s-%u.ini", slug, n);
		g_autofree gchar *path = g_build_filename (self->profiles_dir, base, NULL);
		if (!g_file_test (path, G_FILE_TEST_EXISTS))
			return g_steal_pointer (&path);
	}
}

/* every key the fields stand for, as they are now: [profile] and both sides' groups */
static GKeyFile *
fields_keyfile (CsSettingsDialog *self)
{
	GKeyFile *kf = g_key_file_new ();
	const gchar *choice = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->crm_combo));
	const gchar *outlook = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->outlook_combo));
	const gchar *conflict = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->conflict_combo));
	const gchar *crm_plugin, *preset;

	crm_choice_split (self, choice, &crm_plugin, &preset);
	g_key_file_set_string (kf, "profile", "name", gtk_entry_get_text (self->name_entry));
	if (crm_plugin != NULL)
		g_key_file_set_string (kf, "profile", "crm", crm_plugin);
	if (outlook != NULL)
		g_key_file_set_string (kf, "profile", "outlook", outlook);
	if (preset != NULL)
		g_key_file_set_string (kf, "profile", "preset", preset);
	if (conflict != NULL)
		g_key_file_set_string (kf, "profile", "conflict", conflict);
	g_key_file_set_integer (kf, "profile", "crm-interval",
				(gint) cs_duration_get (self->crm_interval));
	g_key_file_set_integer (kf, "profile", "outlook-interval",
				(gint) cs_duration_get (self->outlook_interval));
	g_key_file_set_boolean (kf, "profile", "sync-on-start",
				gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->sync_on_start_check)));
	g_key_file_set_boolean (kf, "profile", "sync-on-exit",
				gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->sync_on_exit_check)));
	g_key_file_set_boolean (kf, "profile", "enabled", gtk_switch_get_active (self->enabled_switch));
	for (guint side = 0; side < CS_SIDE_LAST; side++)
		cs_settings_form_write (self->forms[side], kf, side_groups[side]);
	return kf;
}

/*
 * The profile the fields describe. A saved profile is changed only where a field was
 * changed: every key the dialog does not show (read-only=, batch-size=, a kind's rules, a
 * script's own settings) and every key written otherwise than the dialog would write it
 * (tenant=common, an interval the preset also has) stays as it is. A side whose plugin
 * changes starts from an empty group, because the plugins refuse keys they do not know.
 */
static GKeyFile *
build_keyfile (CsSettingsDialog *self, gchar **crm_plugin_out)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GKeyFile) now = fields_keyfile (self);
	g_auto(GStrv) groups = g_key_file_get_groups (now, NULL);

	if (self->profile != NULL) {
		CsProfile *p = cs_sync_profile_get_profile (self->profile);
		g_autofree gchar *data = g_key_file_to_data (cs_profile_get_keyfile (p), NULL, NULL);
		g_key_file_load_from_data (kf, data, (gsize) -1, G_KEY_FILE_KEEP_COMMENTS, NULL);
	}
	for (guint side = 0; side < CS_SIDE_LAST; side++) {
		g_autofree gchar *was = self->loaded != NULL
					    ? g_key_file_get_value (self->loaded, "profile",
								    side == CS_SIDE_CRM ? "crm" : "outlook", NULL)
					    : NULL;
		if (self->loaded != NULL && g_strcmp0 (was, cs_settings_form_get_plugin (self->forms[side])) != 0)
			g_key_file_remove_group (kf, side_groups[side], NULL);
	}
	/* what was cleared or emptied since the dialog opened */
	if (self->loaded != NULL) {
		g_auto(GStrv) old_groups = g_key_file_get_groups (self->loaded, NULL);
		for (guint g = 0; old_groups[g] != NULL; g++) {
			g_auto(GStrv) keys = g_key_file_get_keys (self->loaded, old_groups[g], NULL, NULL);
			for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
				if (!g_key_file_has_key (now, old_groups[g], keys[i], NULL))
					g_key_file_remove_key (kf, old_groups[g], keys[i], NULL);
		}
	}
	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto(GStrv) keys = g_key_file_get_keys (now, groups[g], NULL, NULL);
		gboolean fresh = !g_key_file_has_group (kf, groups[g]);
		for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
			g_autofree gchar *v = g_key_file_get_value (now, groups[g], keys[i], NULL);
			g_autofree gchar *was = self->loaded != NULL && !fresh
						    ? g_key_file_get_value (self->loaded, groups[g], keys[i], NULL)
						    : NULL;
			if (self->loaded != NULL && !fresh && g_strcmp0 (v, was) == 0)
				continue;
			g_key_file_set_value (kf, groups[g], keys[i], v);
		}
	}
	if (crm_plugin_out != NULL)
		*crm_plugin_out = g_strdup (cs_settings_form_get_plugin (self->forms[CS_SIDE_CRM]));
	return g_steal_pointer (&kf);
}

static gchar *
overlay_data (CsSettingsDialog *self, GKeyFile *kf, const gchar *system_path)
{
	g_autoptr(GKeyFile) sys = g_key_file_new ();
	g_autoptr(GKeyFile) own = g_key_file_new ();
	g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);
	g_key_file_load_from_file (sys, system_path, G_KEY_FILE_NONE, NULL);
	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto(GStrv) keys = NULL;
		if (g_str_equal (groups[g], "locked"))
			continue;
		keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
		for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
			g_autofree gchar *v = g_key_file_get_value (kf, groups[g], keys[i], NULL);
			g_autofree gchar *sv = g_key_file_get_value (sys, groups[g], keys[i], NULL);
			if (g_strcmp0 (v, sv) == 0 ||
			    cs_profile_store_is_locked ((const gchar *const *) self->locks, groups[g], keys[i]))
				continue;
			g_key_file_set_value (own, groups[g], keys[i], v);
		}
	}
	return g_key_file_to_data (own, NULL, NULL);
}

/**
 * cs_settings_dialog_save:
 *
 * Checks the profile the fields describe, writes it and stores the secret.
 * Nothing is written when the check fails.
 */
gboolean
cs_settings_dialog_save (CsSettingsDialog *self, GError **error)
{
	g_autofree gchar *crm_plugin = NULL;
	g_autoptr(GKeyFile) kf = build_keyfile (self, &crm_plugin);
	g_autofree gchar *data = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(CsProfile) check = NULL;
	g_autofree gchar *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));

	if (name[0] == '\0') {
		g_set_error_literal (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID,
				     _("Give the profile a name."));
		return FALSE;
	}
	path = self->profile != NULL ? g_strdup (cs_sync_profile_get_path (self->profile))
	       : self->new_path != NULL ? g_strdup (self->new_path)
					: new_profile_path (self);
	data = g_key_file_to_data (kf, NULL, NULL);
	check = cs_profile_new_from_data (data, path, error);
	if (check == NULL)
		return FALSE;
	if (self->profile == NULL && !g_key_file_has_key (kf, "profile", "id", NULL)) {
		/* a new profile is written with the id its secret is stored under, so
		 * that the two cannot part however its path is later resolved */
		g_key_file_set_string (kf, "profile", "id", cs_profile_get_uid (check));
		g_free (data);
		data = g_key_file_to_data (kf, NULL, NULL);
	}
	if (g_mkdir_with_parents (self->profiles_dir, 0700) != 0 && self->profile == NULL) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot create the folder %s"),
			     self->profiles_dir);
		return FALSE;
	}
	/* the secrets first (a profile without its key would fail its first run), into the
	 * keyring under the names the plugins give them, never into the file */
	for (guint side = 0; side < CS_SIDE_LAST; side++) {
		const gchar *key = NULL;
		const gchar *secret = cs_settings_form_get_secret (self->forms[side], &key);
		if (secret != NULL && secret[0] != '\0' &&
		    !cs_secrets_store (self->secrets, cs_profile_get_uid (check), (CsSide) side, key,
				       secret, error))
			return FALSE;
	}
	if (self->profile != NULL) {
		/* a system profile: the user's changes go to their own file of that name,
		 * only what differs and nothing the administrator locked */
		g_autofree gchar *overlay = cs_profile_store_get_user_overlay (path);
		if (overlay != NULL) {
			g_autofree gchar *own = overlay_data (self, kf, path);
			g_free (path);
			path = g_steal_pointer (&overlay);
			g_free (data);
			data = g_steal_pointer (&own);
		}
	}
	if (!g_file_set_contents_full (path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
		return FALSE;
	if (self->settings != NULL && g_settings_is_writable (self->settings, "show-alerts"))
		g_settings_set_boolean (self->settings, "show-alerts",
					gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->show_alerts_check)));
	if (self->settings != NULL && g_settings_is_writable (self->settings, "debug-level"))
		g_settings_set_string (self->settings, "debug-level",
				       gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->debug_combo)));
	g_free (self->path);
	self->path = g_steal_pointer (&path);
	if (self->profile != NULL && !cs_sync_profile_reload (self->profile, error))
		return FALSE;
	return TRUE;
}

const gchar *
cs_settings_dialog_get_path (CsSettingsDialog *self)
{
	return self->path;
}

static void
response_cb (CsSettingsDialog *self, gint response)
{
	g_autoptr(GError) error = NULL;
	if (response != GTK_RESPONSE_ACCEPT) {
		gtk_widget_destroy (GTK_WIDGET (self));
		return;
	}
	if (!cs_settings_dialog_save (self, &error)) {
		show_error (self, error->message);
		g_signal_stop_emission_by_name (self, "response");
		return;
	}
	gtk_widget_destroy (GTK_WIDGET (self));
}

/* Test connection: the engine opens a provider made from the fields, in its worker thread */
static gchar *
fingerprint_in (const gchar *message)
{
	const gchar *at = message != NULL ? strstr (message, "tls-fingerprint=") : NULL;
	g_autofree gchar *fp = NULL;
	if (at == NULL)
		return NULL;
	fp = g_strdup (at + strlen ("tls-fingerprint="));
	g_strstrip (fp);
	return fp[0] != '\0' ? g_steal_pointer (&fp) : NULL;
}

static void
test_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsSettingsDialog) self = CS_SETTINGS_DIALOG (user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *who = cs_connection_test_finish (result, &error);
	g_autofree gchar *text = NULL;

	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	g_clear_object (&self->test_cancellable);
	gtk_spinner_stop (self->test_spinner);
	gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), TRUE);
	g_clear_pointer (&self->seen_fingerprint, g_free);
	gtk_widget_hide (GTK_WIDGET (self->trust_button));
	if (error == NULL) {
		const gchar *plugin = NULL, *preset = NULL;
		const gchar *user = cs_settings_form_get_value (self->forms[CS_SIDE_CRM], "user");
		const gchar *service;
		crm_choice_split (self, gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->crm_combo)),
				  &plugin, &preset);
		service = cs_plugin_loader_get_display_name (cs_plugin_loader_get_default (), plugin);
		gtk_info_bar_set_message_type (self->test_infobar, GTK_MESSAGE_INFO);
		/* the user's own name for the account, not the CRM's internal id (whoami) */
		if (user != NULL && user[0] != '\0')
			/* TRANSLATORS: a CRM's name ("OroCRM"), then the user name entered */
			text = g_strdup_printf (_("Connected to %s as %s."), service, user);
		else
			/* TRANSLATORS: %s is a CRM's name ("webCRM") */
			text = g_strdup_printf (_("Connected to %s."), service);
	} else {
		gtk_info_bar_set_message_type (self->test_infobar, GTK_MESSAGE_ERROR);
		self->seen_fingerprint = fingerprint_in (error->message);
		if (self->seen_fingerprint != NULL) {
			/* TRANSLATORS: %s is a SHA-256 fingerprint */
			text = g_strdup_printf (_("The server's certificate is not signed by an authority "
						  "this computer trusts. Its fingerprint is\n%s\nTrust it only "
						  "if it is the one your administrator gave you."),
						self->seen_fingerprint);
			gtk_widget_show (GTK_WIDGET (self->trust_button));
		} else if (error->domain == CS_PROVIDER_ERROR && error->code == CS_PROVIDER_ERROR_AUTH) {
			/* TRANSLATORS: %s is the server's explanation */
			text = g_strdup_printf (_("The CRM did not accept the user or key: %s"), error->message);
		} else {
			/* TRANSLATORS: %s is the explanation */
			text = g_strdup_printf (_("Cannot connect: %s"), error->message);
		}
	}
	gtk_label_set_text (self->test_label, text);
	gtk_widget_show (GTK_WIDGET (self->test_infobar));
}

static void
test_clicked_cb (CsSettingsDialog *self)
{
	g_autofree gchar *plugin = NULL;
	g_autoptr(GKeyFile) kf = build_keyfile (self, &plugin);
	const gchar *secret = cs_settings_form_get_secret (self->forms[CS_SIDE_CRM], NULL);
	CsProfile *p = self->profile != NULL ? cs_sync_profile_get_profile (self->profile) : NULL;

	g_clear_object (&self->test_cancellable);
	self->test_cancellable = g_cancellable_new ();
	gtk_widget_hide (GTK_WIDGET (self->test_infobar));
	gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), FALSE);
	gtk_spinner_start (self->test_spinner);
	/* a typed key is tried without being saved; else the saved one, under the
	 * profile's id (one kept under its file name before ids is moved there first) */
	if (secret == NULL)
		secret = "";
	if (p != NULL && secret[0] == '\0') {
		g_autofree gchar *saved = cs_secrets_lookup_migrating (
			self->secrets, cs_profile_get_uid (p), cs_profile_get_id (p), CS_SIDE_CRM,
			"secret", NULL);
	}
	cs_connection_test_async (plugin, kf, CS_SIDE_CRM,
				  p != NULL ? cs_profile_get_dir (p) : self->profiles_dir, secret,
				  p != NULL ? self->secrets : NULL, p != NULL ? cs_profile_get_uid (p) : NULL,
				  self->test_cancellable, test_done_cb, g_object_ref (self));
}

/* Microsoft account sign-in: the engine's sign-in job (the plugin's device-code flow); the
 * code to enter is shown here, the refresh token goes to the keyring under the profile's id */
static void
show_code_cb (const gchar *uri, const gchar *code, gpointer user_data)
{
	CsSettingsDialog *self = CS_SETTINGS_DIALOG (user_data);
	g_autofree gchar *esc_uri = g_markup_escape_text (uri, -1);
	g_autofree gchar *esc_code = g_markup_escape_text (code, -1);
	g_autofree gchar *text = NULL;
	/* TRANSLATORS: the first %s is a web address (a link), the second a short code */
	text = g_strdup_printf (_("Open <a href=\"%s\">%s</a> and enter the code <b>%s</b>. This "
				  "window follows when you are done."),
				esc_uri, esc_uri, esc_code);
	gtk_label_set_markup (self->graph_label, text);
}

static void
sign_in_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsSettingsDialog) self = CS_SETTINGS_DIALOG (user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *who = cs_sign_in_finish (result, &error);
	g_autofree gchar *text = NULL;
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	g_clear_object (&self->sign_in_cancellable);
	gtk_spinner_stop (self->sign_in_spinner);
	gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), TRUE);
	if (error != NULL)
		/* TRANSLATORS: %s is the explanation */
		text = g_strdup_printf (_("Sign-in failed: %s"), error->message);
	else if (who[0] != '\0')
		/* TRANSLATORS: %s is the Microsoft account */
		text = g_strdup_printf (_("Signed in as %s."), who);
	else
		text = g_strdup (_("Signed in."));
	gtk_label_set_text (self->graph_label, text);
}

static void
sign_in_clicked_cb (CsSettingsDialog *self)
{
	g_autoptr(GKeyFile) kf = build_keyfile (self, NULL);
	const gchar *plugin = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->outlook_combo));
	g_autofree gchar *profile_dir = NULL;
	g_autofree gchar *profile_id = NULL;
	g_autofree gchar *legacy_id = NULL;

	if (self->profile != NULL) {
		CsProfile *p = cs_sync_profile_get_profile (self->profile);
		profile_dir = g_strdup (cs_profile_get_dir (p));
		profile_id = g_strdup (cs_profile_get_uid (p));
		legacy_id = g_strdup (cs_profile_get_id (p));
	} else {
		/* the token is kept under the id of the file the profile will be saved as:
		 * the id a profile gets is made from where its file is (see
		 * cs_profile_get_uid()), so a profile of that path not yet written has it */
		g_autoptr(CsProfile) future = NULL;
		if (self->new_path == NULL)
			self->new_path = new_profile_path (self);
		profile_dir = g_strdup (self->profiles_dir);
		future = cs_profile_new_from_data ("[profile]\ncrm=folder\noutlook=folder\n",
						   self->new_path, NULL);
		if (future != NULL) {
			profile_id = g_strdup (cs_profile_get_uid (future));
		} else {
			profile_id = g_path_get_basename (self->new_path);
			*strrchr (profile_id, '.') = '\0';
		}
	}
	g_clear_object (&self->sign_in_cancellable);
	self->sign_in_cancellable = g_cancellable_new ();
	gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), FALSE);
	gtk_spinner_start (self->sign_in_spinner);
	gtk_label_set_text (self->graph_label, _("Asking Microsoft for a sign-in code…"));
	/* the dialog lives until the job ends: the code's receiver is kept with it */
	cs_sign_in_async (plugin, kf, CS_SIDE_OUTLOOK, profile_dir, self->secrets, profile_id,
			  legacy_id, show_code_cb, self, self->sign_in_cancellable, sign_in_done_cb,
			  g_object_ref (self));
}

gboolean
cs_settings_dialog_is_signing_in (CsSettingsDialog *self)
{
	return self->sign_in_cancellable != NULL;
}

gboolean
cs_settings_dialog_is_testing (CsSettingsDialog *self)
{
	return self->test_cancellable != NULL;
}

static void
trust_clicked_cb (CsSettingsDialog *self)
{
	if (self->seen_fingerprint == NULL)
		return;
	cs_settings_form_set_value (self->forms[CS_SIDE_CRM], "tls-fingerprint",
				    self->seen_fingerprint);
	gtk_widget_hide (GTK_WIDGET (self->trust_button));
	gtk_label_set_text (self->test_label,
			    _("The certificate will be trusted once you save. Test again to check."));
	gtk_info_bar_set_message_type (self->test_infobar, GTK_MESSAGE_INFO);
}

static void
cs_settings_dialog_dispose (GObject *object)
{
	CsSettingsDialog *self = CS_SETTINGS_DIALOG (object);
	if (self->test_cancellable != NULL)
		g_cancellable_cancel (self->test_cancellable);
	g_clear_object (&self->test_cancellable);
	if (self->sign_in_cancellable != NULL)
		g_cancellable_cancel (self->sign_in_cancellable);
	g_clear_object (&self->sign_in_cancellable);
	G_OBJECT_CLASS (cs_settings_dialog_parent_class)->dispose (object);
}

static void
cs_settings_dialog_finalize (GObject *object)
{
	CsSettingsDialog *self = CS_SETTINGS_DIALOG (object);
	g_clear_object (&self->labels);
	g_clear_pointer (&self->loaded, g_key_file_unref);
	g_clear_pointer (&self->choice_plugin, g_hash_table_unref);
	g_clear_pointer (&self->choice_preset, g_hash_table_unref);
	g_clear_object (&self->profile);
	g_clear_object (&self->secrets);
	g_clear_object (&self->settings);
	g_free (self->profiles_dir);
	g_free (self->path);
	g_free (self->seen_fingerprint);
	g_free (self->new_path);
	g_strfreev (self->locks);
	g_free (self->lock_reason);
	G_OBJECT_CLASS (cs_settings_dialog_parent_class)->finalize (object);
}

static void
cs_settings_dialog_class_init (CsSettingsDialogClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
	object_class->dispose = cs_settings_dialog_dispose;
	object_class->finalize = cs_settings_dialog_finalize;
	gtk_widget_class_set_template_from_resource (widget_class,
						     "/org/crmsync/Crmsync/ui/cs-settings-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CsSettingsDialog, name)
	BIND (name_entry);
	BIND (crm_combo);
	BIND (crm_form_box);
	BIND (outlook_combo);
	BIND (outlook_form_box);
	BIND (graph_label);
	BIND (sign_in_button);
	BIND (sign_in_spinner);
	BIND (enabled_switch);
	BIND (crm_interval_spin);
	BIND (outlook_interval_spin);
	BIND (sync_on_start_check);
	BIND (sync_on_exit_check);
	BIND (show_alerts_check);
	BIND (debug_combo);
	BIND (conflict_combo);
	BIND (test_button);
	BIND (test_spinner);
	BIND (test_infobar);
	BIND (test_label);
	BIND (trust_button);
	BIND (error_infobar);
	BIND (error_label);
#undef BIND
	gtk_widget_class_bind_template_callback (widget_class, update_sensitivity);
	gtk_widget_class_bind_template_callback (widget_class, response_cb);
	gtk_widget_class_bind_template_callback (widget_class, test_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, trust_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, gtk_widget_hide);
}

static void
cs_settings_dialog_init (CsSettingsDialog *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->settings = app_settings_new ();
	/* intervals in seconds, minutes or hours, as the user thinks of them (1 s … 23:59:59) */
	self->crm_interval = cs_duration_wrap (self->crm_interval_spin, CS_DURATION_SECONDS | CS_DURATION_MINUTES | CS_DURATION_HOURS, 86399);
	self->outlook_interval = cs_duration_wrap (self->outlook_interval_spin, CS_DURATION_SECONDS | CS_DURATION_MINUTES | CS_DURATION_HOURS, 86399);
	/* each side's fields, as its plugin describes them; their labels line up with the
	 * dialog's own */
	self->labels = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
	self->choice_plugin = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	self->choice_preset = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	fill_plugin_combos (self);
	{
		GtkWidget *grid = gtk_widget_get_parent (GTK_WIDGET (self->crm_form_box));
		g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (grid));
		for (GList *l = children; l != NULL; l = l->next) {
			gint left = -1, width = 0;
			gtk_container_child_get (GTK_CONTAINER (grid), l->data, "left-attach", &left,
						 "width", &width, NULL);
			if (GTK_IS_LABEL (l->data) && left == 0 && width == 1)
				gtk_size_group_add_widget (self->labels, l->data);
		}
	}
	for (guint side = 0; side < CS_SIDE_LAST; side++) {
		self->forms[side] = cs_settings_form_new (TRUE);
		cs_settings_form_set_label_group (self->forms[side], self->labels);
		g_signal_connect_swapped (self->forms[side], "changed", G_CALLBACK (apply_locks), self);
		gtk_widget_show (GTK_WIDGET (self->forms[side]));
	}
	gtk_container_add (GTK_CONTAINER (self->crm_form_box), GTK_WIDGET (self->forms[CS_SIDE_CRM]));
	gtk_container_add (GTK_CONTAINER (self->outlook_form_box),
			   GTK_WIDGET (self->forms[CS_SIDE_OUTLOOK]));
	/* an organisation that allows only its own registered applications */
	self->app_id_link = gtk_link_button_new_with_label (
	    "help:crmsync/microsoft-365", _("How to use your organisation's own application id"));
	gtk_widget_set_halign (self->app_id_link, GTK_ALIGN_START);
	gtk_widget_set_no_show_all (self->app_id_link, TRUE);
	gtk_container_add (GTK_CONTAINER (self->outlook_form_box), self->app_id_link);
}

static void
load_fields (CsSettingsDialog *self)
{
	CsProfile *p;
	const gchar *crm, *preset;

	if (self->settings != NULL) {
		g_autofree gchar *level = g_settings_get_string (self->settings, "debug-level");
		gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->show_alerts_check),
					      g_settings_get_boolean (self->settings, "show-alerts"));
		gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->debug_combo), level);
	} else {
		gtk_widget_set_sensitive (GTK_WIDGET (self->show_alerts_check), FALSE);
		gtk_widget_set_sensitive (GTK_WIDGET (self->debug_combo), FALSE);
	}
	if (self->profile == NULL) {
		gtk_window_set_title (GTK_WINDOW (self), _("New profile"));
		/* the first of each side's choices: a service, not a folder */
		gtk_combo_box_set_active (GTK_COMBO_BOX (self->crm_combo), 0);
		gtk_combo_box_set_active (GTK_COMBO_BOX (self->outlook_combo), 0);
		gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->conflict_combo), "crm-wins");
		cs_duration_set (self->crm_interval, 120);
		cs_duration_set (self->outlook_interval, 30);
		/* the profile defaults of DESIGN.md */
		gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->sync_on_start_check), TRUE);
		gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->sync_on_exit_check), TRUE);
		update_sensitivity (self);
		return;
	}
	g_clear_pointer (&self->locks, g_strfreev);
	g_clear_pointer (&self->lock_reason, g_free);
	self->locks = cs_profile_store_get_locks (cs_sync_profile_get_path (self->profile),
						  &self->lock_reason, NULL);
	if (self->locks != NULL) {
		g_autofree gchar *text = g_strdup_printf (
		    _("Some settings are set by your administrator and cannot be changed here: %s"),
		    self->lock_reason != NULL ? self->lock_reason : _("no reason given"));
		gtk_info_bar_set_message_type (self->error_infobar, GTK_MESSAGE_INFO);
		show_error (self, text);
	}
	p = cs_sync_profile_get_profile (self->profile);
	gtk_entry_set_text (self->name_entry, cs_profile_get_name (p));
	crm = cs_profile_get_plugin (p, CS_SIDE_CRM);
	preset = cs_profile_get_preset (p);
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->crm_combo), crm_choice_for (self, crm, preset));
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->outlook_combo),
				     cs_profile_get_plugin (p, CS_SIDE_OUTLOOK));
	gtk_switch_set_active (self->enabled_switch, cs_profile_get_enabled (p));
	cs_duration_set (self->crm_interval, cs_profile_get_interval (p, CS_SIDE_CRM));
	cs_duration_set (self->outlook_interval, cs_profile_get_interval (p, CS_SIDE_OUTLOOK));
	gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->sync_on_start_check),
				      cs_profile_get_sync_on_start (p));
	gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->sync_on_exit_check),
				      cs_profile_get_sync_on_exit (p));
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->conflict_combo),
				     cs_conflict_strategy_to_string (cs_profile_get_conflict (p)));
	update_sensitivity (self);
	/* what the fields say now is what the file says: only a field changed from here on
	 * is written (build_keyfile) */
	g_clear_pointer (&self->loaded, g_key_file_unref);
	self->loaded = fields_keyfile (self);
}

/**
 * cs_settings_dialog_set_app_settings:
 * @settings: the app's settings on a given backend (a test's keyfile
 *   backend with locks, as dconf has them)
 */
void
cs_settings_dialog_set_app_settings (CsSettingsDialog *self, GSettings *settings)
{
	g_set_object (&self->settings, settings);
	load_fields (self);
}

/**
 * cs_settings_dialog_new:
 * @profile: (nullable): the profile to edit, or %NULL for a new one
 * @profiles_dir: where a new profile is written
 */
CsSettingsDialog *
cs_settings_dialog_new (GtkWindow *parent, CsSyncProfile *profile, const gchar *profiles_dir,
			CsSecrets *secrets)
{
	CsSettingsDialog *self = g_object_new (CS_TYPE_SETTINGS_DIALOG, "transient-for", parent,
					       "use-header-bar", TRUE, NULL);
	self->profile = profile != NULL ? g_object_ref (profile) : NULL;
	self->secrets = g_object_ref (secrets);
	self->profiles_dir = g_strdup (profiles_dir);
	load_fields (self);
	return self;
}

/**
 * cs_settings_dialog_get_field:
 * @side: "crm" or "outlook"
 * @key: a setting's key, as the side's plugin describes it (`url`, `client-id`)
 *
 * Returns: (transfer none) (nullable): the input of that setting
 */
GtkWidget *
cs_settings_dialog_get_field (CsSettingsDialog *self, const gchar *side, const gchar *key)
{
	return cs_settings_form_get_field (
	    self->forms[g_strcmp0 (side, "crm") == 0 ? CS_SIDE_CRM : CS_SIDE_OUTLOOK], key);
}

/* the Outlook side's field of @key (see cs_settings_dialog_get_field()) */
GtkWidget *
cs_settings_dialog_get_outlook_field (CsSettingsDialog *self, const gchar *key)
{
	return cs_settings_dialog_get_field (self, "outlook", key);
}
