/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "cs-app-window.h"
#include "cs-application.h"
#include "cs-profile-store.h"
#include "cs-settings-dialog.h"

/*
 * Admin-managed profiles in the app (issue 19): a system profile's locked
 * keys are shown read-only with a lock and the administrator's reason, the
 * user's changes go to their own file without the locked keys; an app
 * setting the administrator locked (dconf locks; here GLib's keyfile backend,
 * whose `locks` file works the same way) cannot be changed.
 */

static GtkWidget *
child (gpointer widget, const gchar *name)
{
	GObject *o = gtk_widget_get_template_child (GTK_WIDGET (widget), CS_TYPE_SETTINGS_DIALOG,
						    name);
	g_assert_nonnull (o);
	return GTK_WIDGET (o);
}

static void
flush (void)
{
	while (g_main_context_iteration (NULL, FALSE))
		;
}

static void
write_file (const gchar *path, const gchar *text)
{
	g_autofree gchar *dir = g_path_get_dirname (path);
	g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static gchar *
system_profile (void)
{
	g_autofree gchar *data = g_build_filename (g_get_user_data_dir (), "sides", NULL);
	g_autofree gchar *text = g_strdup_printf (
		"[profile]\nname=Sales\ncrm=folder\noutlook=folder\ncrm-interval=300\n"
		"[crm]\npath=%s/crm\n[outlook]\npath=%s/outlook\n"
		"[locked]\nkeys=crm/path;profile/crm-interval\nreason=set by IT, call 1234\n",
		data, data);
	gchar *path = g_build_filename (g_get_system_config_dirs ()[0], "crmsync", "profiles",
					"sales.ini", NULL);
	write_file (path, text);
	return path;
}

static void
test_locked_keys (void)
{
	g_autofree gchar *sys = system_profile ();
	g_autofree gchar *sys_before = NULL;
	g_autofree gchar *sys_after = NULL;
	g_autofree gchar *overlay = g_build_filename (g_get_user_config_dir (), "crmsync",
						      "profiles", "sales.ini", NULL);
	g_autofree gchar *own = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (CsSecrets) secrets = cs_secrets_new ();
	g_autoptr (CsSyncProfile) sp = cs_sync_profile_new (sys, secrets, &error);
	g_autofree gchar *dir = g_path_get_dirname (overlay);
	CsSettingsDialog *dlg;
	GtkWidget *url, *crm_interval, *outlook_interval, *bar_label;

	g_assert_no_error (error);
	g_assert_true (g_file_get_contents (sys, &sys_before, NULL, NULL));
	dlg = cs_settings_dialog_new (NULL, sp, dir, secrets);
	g_object_ref_sink (dlg);
	flush ();
	url = cs_settings_dialog_get_field (dlg, "crm", "path");
	crm_interval = child (dlg, "crm_interval_spin");
	outlook_interval = child (dlg, "outlook_interval_spin");
	bar_label = child (dlg, "error_label");
	/* locked: read-only, a lock, the reason */
	g_assert_false (gtk_widget_get_sensitive (url));
	g_assert_cmpstr (gtk_entry_get_icon_name (GTK_ENTRY (url), GTK_ENTRY_ICON_SECONDARY), ==,
			 "changes-prevent-symbolic");
	g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (url), "set by IT, call 1234"));
	g_assert_false (gtk_widget_get_sensitive (crm_interval));
	/* 300 s, shown in the unit the dialog picks: 5 minutes */
	g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (crm_interval)), ==,
			 5);
	g_assert_true (gtk_widget_get_visible (child (dlg, "error_infobar")));
	g_assert_nonnull (
		strstr (gtk_label_get_text (GTK_LABEL (bar_label)), "set by IT, call 1234"));
	/* not locked: the user's to change */
	g_assert_true (gtk_widget_get_sensitive (outlook_interval));
	g_assert_true (gtk_widget_get_sensitive (child (dlg, "name_entry")));
	/* a field changed re-evaluates sensitivity: the lock stays */
	gtk_toggle_button_set_active (
		GTK_TOGGLE_BUTTON (cs_settings_dialog_get_field (dlg, "crm", "read-only")), TRUE);
	gtk_toggle_button_set_active (
		GTK_TOGGLE_BUTTON (cs_settings_dialog_get_field (dlg, "crm", "read-only")), FALSE);
	flush ();
	g_assert_false (gtk_widget_get_sensitive (url));

	gtk_spin_button_set_value (GTK_SPIN_BUTTON (outlook_interval), 45);
	g_assert_true (cs_settings_dialog_save (dlg, &error));
	g_assert_no_error (error);
	/* the user's own file: what they changed, nothing locked, the system file untouched */
	g_assert_true (g_file_get_contents (overlay, &own, NULL, NULL));
	g_assert_nonnull (strstr (own, "outlook-interval=45"));
	g_assert_null (strstr (own, "crm-interval"));
	g_assert_null (strstr (own, "[locked]"));
	g_assert_null (strstr (own, "path="));
	g_assert_true (g_file_get_contents (sys, &sys_after, NULL, NULL));
	g_assert_cmpstr (sys_after, ==, sys_before);
	/* the profile as it runs: the system's, with the user's change on top */
	g_assert_cmpuint (
		cs_profile_get_interval (cs_sync_profile_get_profile (sp), CS_SIDE_OUTLOOK), ==,
		45);
	g_assert_cmpuint (cs_profile_get_interval (cs_sync_profile_get_profile (sp), CS_SIDE_CRM),
			  ==, 300);
	g_object_unref (dlg);
}

static GSettingsBackend *
keyfile_backend_with_locks (const gchar *locks)
{
	g_autofree gchar *dir = g_build_filename (g_get_user_data_dir (), "glib-settings", NULL);
	g_autofree gchar *locks_file = g_build_filename (dir, "locks", NULL);
	g_autofree gchar *defaults = g_build_filename (dir, "defaults", NULL);
	g_autofree gchar *file = g_build_filename (g_get_user_config_dir (), "keyfile", NULL);
	GIOExtensionPoint *ep;
	GIOExtension *ext;

	write_file (locks_file, locks);
	/* the administrator's value for the locked key */
	write_file (defaults, "[org/crmsync/Crmsync]\nshow-alerts=false\n");
	g_settings_backend_get_default (); /* registers the backends */
	ep = g_io_extension_point_lookup (G_SETTINGS_BACKEND_EXTENSION_POINT_NAME);
	ext = g_io_extension_point_get_extension_by_name (ep, "keyfile");
	g_assert_nonnull (ext);
	return g_object_new (g_io_extension_get_type (ext), "filename", file, "root-path", "/",
			     "defaults-dir", dir, NULL);
}

static void
test_settings_lock (void)
{
	g_autoptr (GSettingsBackend) backend
		= keyfile_backend_with_locks ("/org/crmsync/Crmsync/show-alerts\n");
	g_autoptr (GSettings) settings
		= g_settings_new_with_backend ("org.crmsync.Crmsync", backend);
	g_autoptr (CsSecrets) secrets = cs_secrets_new ();
	g_autofree gchar *dir
		= g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", NULL);
	CsSettingsDialog *dlg = cs_settings_dialog_new (NULL, NULL, dir, secrets);
	g_autoptr (GError) error = NULL;

	g_object_ref_sink (dlg);
	g_assert_false (g_settings_is_writable (settings, "show-alerts"));
	g_assert_true (g_settings_is_writable (settings, "debug-level"));
	cs_settings_dialog_set_app_settings (dlg, settings);
	flush ();
	g_assert_false (gtk_widget_get_sensitive (child (dlg, "show_alerts_check")));
	g_assert_false (gtk_toggle_button_get_active (
		GTK_TOGGLE_BUTTON (child (dlg, "show_alerts_check"))));
	g_assert_true (gtk_widget_get_sensitive (child (dlg, "debug_combo")));
	/* saving keeps the administrator's value */
	gtk_entry_set_text (GTK_ENTRY (child (dlg, "name_entry")), "Mine");
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dlg, "crm_combo")), "folder");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "path")), "crm");
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dlg, "outlook_combo")), "folder");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "outlook", "path")), "outlook");
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dlg, "debug_combo")), "debug");
	g_assert_true (cs_settings_dialog_save (dlg, &error));
	g_assert_no_error (error);
	g_assert_false (g_settings_get_boolean (settings, "show-alerts"));
	g_assert_cmpstr (g_settings_get_string (settings, "debug-level"), ==, "debug");
	g_object_unref (dlg);
}

/* the app offers the administrator's profiles beside the user's, and its
 * menu has the support bundle and the profile export and import */
static void
test_app_lists_system_profiles (void)
{
	g_autofree gchar *sys = system_profile ();
	g_autofree gchar *mine = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles",
						   "mine.ini", NULL);
	g_autoptr (CsApplication) app = NULL;
	g_autoptr (GError) error = NULL;
	GPtrArray *profiles;
	CsAppWindow *win;
	gboolean seen_sys = FALSE;

	write_file (mine, "[profile]\nname=Mine\ncrm=folder\noutlook=folder\nsync-on-start=false\n"
			  "[crm]\npath=crm\n[outlook]\npath=outlook\n");
	app = cs_application_new ();
	g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
	g_application_register (G_APPLICATION (app), NULL, &error);
	g_assert_no_error (error);
	profiles = cs_application_get_profiles (app);
	g_assert_cmpuint (profiles->len, ==, 2);
	for (guint i = 0; i < profiles->len; i++)
		seen_sys |= g_strcmp0 (cs_sync_profile_get_path (g_ptr_array_index (profiles, i)),
				       sys)
			    == 0;
	g_assert_true (seen_sys);
	win = cs_app_window_new (app);
	g_assert_true (g_action_group_has_action (G_ACTION_GROUP (win), "support-bundle"));
	g_assert_true (g_action_group_has_action (G_ACTION_GROUP (win), "export-profile"));
	g_assert_true (g_action_group_has_action (G_ACTION_GROUP (win), "import-profile"));
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
	g_application_release (G_APPLICATION (app));
}

int
main (int argc, char **argv)
{
	g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
	g_setenv ("CRMSYNC_NO_NETWORK_MONITOR", "1", TRUE);
	g_setenv ("CRMSYNC_SECRETS", "file", TRUE);
	g_free (g_content_type_guess ("asset.svg", NULL, 0, NULL));
	g_assert_nonnull (g_settings_schema_source_get_default ());
	gtk_init (&argc, &argv);
	g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func ("/gui/admin/locked-keys", test_locked_keys);
	g_test_add_func ("/gui/admin/gsettings-lock", test_settings_lock);
	g_test_add_func ("/gui/admin/app-lists-system-profiles", test_app_lists_system_profiles);
	return g_test_run ();
}
