/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cs-app-actions.h"
#include "cs-application.h"
#include "cs-profile-store.h"
#include "cs-support-bundle.h"

/*
 * The main menu's entries for support and administration: a support bundle
 * of the selected profile, a profile exported for other users, an exported
 * profile imported. The work is the engine's (the same as crmsync-cli
 * report / profile export / profile import); here only the file choosers
 * and what the user is told.
 */

static void
tell (CsAppWindow *window, GtkMessageType type, const gchar *primary, const gchar *secondary)
{
	GtkWidget *d = gtk_message_dialog_new (GTK_WINDOW (window), GTK_DIALOG_DESTROY_WITH_PARENT,
					       type, GTK_BUTTONS_CLOSE, "%s", primary);
	if (secondary != NULL)
		gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (d), "%s", secondary);
	g_signal_connect (d, "response", G_CALLBACK (gtk_widget_destroy), NULL);
	gtk_window_present (GTK_WINDOW (d));
}

static gchar *
choose (CsAppWindow *window, GtkFileChooserAction action, const gchar *title,
	const gchar *suggested)
{
	g_autoptr (GtkFileChooserNative) chooser
		= gtk_file_chooser_native_new (title, GTK_WINDOW (window), action, NULL, NULL);
	if (suggested != NULL) {
		gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
		gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (chooser), TRUE);
	}
	if (gtk_native_dialog_run (GTK_NATIVE_DIALOG (chooser)) != GTK_RESPONSE_ACCEPT)
		return NULL;
	return gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
}

static void
support_bundle_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	CsAppWindow *window = CS_APP_WINDOW (user_data);
	CsSyncProfile *sp = cs_app_window_get_selected (window);
	CsApplication *app = CS_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));
	g_autoptr (GDateTime) now = g_date_time_new_now_local ();
	g_autofree gchar *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
	g_autofree gchar *base = NULL;
	g_autofree gchar *suggested = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr (GPtrArray) contents = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) list = g_string_new (NULL);

	if (sp == NULL)
		return;
	base = g_path_get_basename (cs_sync_profile_get_path (sp));
	if (g_str_has_suffix (base, ".ini"))
		base[strlen (base) - 4] = '\0';
	suggested = g_strdup_printf ("crmsync-report-%s-%s.tar.gz", base, stamp);
	out = choose (window, GTK_FILE_CHOOSER_ACTION_SAVE, _ ("Save the support bundle"),
		      suggested);
	if (out == NULL)
		return;
	if (!cs_support_bundle_write (cs_sync_profile_get_path (sp),
				      cs_application_get_secrets (app), out, &contents, &error)) {
		tell (window, GTK_MESSAGE_ERROR, _ ("The support bundle could not be written"),
		      error->message);
		return;
	}
	for (guint i = 0; i < contents->len; i++)
		g_string_append_printf (list, "%s\n",
					(const gchar *)g_ptr_array_index (contents, i));
	tell (window, GTK_MESSAGE_INFO,
	      _ ("The support bundle holds the versions, the profile, the last runs and the log; "
		 "no password, API key or token."),
	      list->str);
}

static void
export_profile_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	CsAppWindow *window = CS_APP_WINDOW (user_data);
	CsSyncProfile *sp = cs_app_window_get_selected (window);
	g_autofree gchar *base = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr (GError) error = NULL;

	if (sp == NULL)
		return;
	base = g_path_get_basename (cs_sync_profile_get_path (sp));
	out = choose (window, GTK_FILE_CHOOSER_ACTION_SAVE, _ ("Export the profile"), base);
	if (out == NULL)
		return;
	text = cs_profile_store_export (cs_sync_profile_get_path (sp), &error);
	if (text == NULL || !g_file_set_contents (out, text, -1, &error)) {
		tell (window, GTK_MESSAGE_ERROR, _ ("The profile could not be exported"),
		      error->message);
		return;
	}
	tell (window, GTK_MESSAGE_INFO, _ ("Exported without passwords, keys or tokens"), out);
}

static void
import_profile_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	CsAppWindow *window = CS_APP_WINDOW (user_data);
	CsApplication *app = CS_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));
	g_autofree gchar *in = NULL;
	g_autofree gchar *dest = NULL;
	g_autoptr (GError) error = NULL;
	CsSyncProfile *sp;

	in = choose (window, GTK_FILE_CHOOSER_ACTION_OPEN, _ ("Import a profile"), NULL);
	if (in == NULL)
		return;
	dest = cs_profile_store_import (in, NULL, &error);
	if (dest == NULL) {
		tell (window, GTK_MESSAGE_ERROR, _ ("The profile was not imported"),
		      error->message);
		return;
	}
	sp = cs_application_add_profile (app, dest, &error);
	if (sp == NULL) {
		tell (window, GTK_MESSAGE_ERROR, _ ("The profile was not imported"),
		      error->message);
		return;
	}
	cs_app_window_select (window, sp);
	tell (window, GTK_MESSAGE_INFO, _ ("Profile imported"),
	      _ ("Open its settings to sign in before the first sync."));
}

/**
 * cs_app_actions_install:
 *
 * win.support-bundle, win.export-profile and win.import-profile, for the
 * main menu.
 */
void
cs_app_actions_install (CsAppWindow *window)
{
	static const GActionEntry actions[] = {
		{ "support-bundle", support_bundle_cb, NULL, NULL, NULL, { 0 } },
		{ "export-profile", export_profile_cb, NULL, NULL, NULL, { 0 } },
		{ "import-profile", import_profile_cb, NULL, NULL, NULL, { 0 } },
	};
	g_action_map_add_action_entries (G_ACTION_MAP (window), actions, G_N_ELEMENTS (actions),
					 window);
}
