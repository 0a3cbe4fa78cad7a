/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>

#include <glib/gstdio.h>

#include "cs-app-window.h"
#include "cs-application.h"
#include "cs-profile-store.h"
#include "cs-sign-in-dialog.h"

/*
 * The app keeps running while syncs are scheduled, also with its window
 * closed (g_application_hold); "Quit" runs each profile's sync-on-exit
 * first. Alerts go out as GNotification when something needs the user.
 */
struct _CsApplication {
	GtkApplication parent_instance;
	GPtrArray *profiles;	 /* (owned) (element-type CsSyncProfile) */
	gchar *profiles_dir;	 /* (owned) */
	CsSecrets *secrets;	 /* (owned) */
	GSettings *settings;	 /* (owned) (nullable) schema not installed */
	GString *load_errors;	 /* (owned) */
	guint start_id;
	guint exits_pending;
	gboolean held;
	gboolean quitting;
};

G_DEFINE_TYPE (CsApplication, cs_application, GTK_TYPE_APPLICATION)

static GSettings *
settings_new (void)
{
	GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
	g_autoptr(GSettingsSchema) schema = NULL;
	if (source == NULL)
		return NULL;
	schema = g_settings_schema_source_lookup (source, "org.crmsync.Crmsync", TRUE);
	return schema != NULL ? g_settings_new ("org.crmsync.Crmsync") : NULL;
}

static gboolean
show_alerts (CsApplication *self)
{
	return self->settings == NULL || g_settings_get_boolean (self->settings, "show-alerts");
}

static void
notify (CsApplication *self, CsSyncProfile *sp, const gchar *what, const gchar *title,
	const gchar *body, GNotificationPriority priority)
{
	g_autoptr(GNotification) n = g_notification_new (title);
	g_autofree gchar *id = g_strdup_printf ("%s-%s", what, cs_sync_profile_get_path (sp));
	g_notification_set_body (n, body);
	g_notification_set_priority (n, priority);
	g_notification_set_default_action_and_target (n, "app.show-profile", "s",
						      cs_sync_profile_get_path (sp));
	g_application_send_notification (G_APPLICATION (self), id, n);
}

/* an alert only when the user has something to do */
static void
run_finished_cb (CsSyncProfile *sp, CsRunReport *report, GError *error, gpointer user_data)
{
	CsApplication *self = CS_APPLICATION (user_data);
	const gchar *name = cs_sync_profile_get_name (sp);
	g_autofree gchar *title = NULL;
	g_autofree gchar *body = NULL;

	if (!show_alerts (self))
		return;
	if (error != NULL) {
		if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return;
		/* another run of the profile (a cron job, the CLI) had it: the
		 * next tick syncs, nothing for the user to do */
		if (g_error_matches (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY))
			return;
		switch (cs_sync_profile_get_fix (sp)) {
		case CS_SYNC_FIX_SIGN_IN:
			/* TRANSLATORS: %s is a profile's name */
			title = g_strdup_printf (_("“%s”: sign in to Microsoft again"), name);
			break;
		case CS_SYNC_FIX_SETTINGS:
			/* TRANSLATORS: %s is a profile's name */
			title = g_strdup_printf (_("“%s”: check the profile's settings"), name);
			break;
		default:
			/* TRANSLATORS: %s is a profile's name */
			title = g_strdup_printf (_("“%s” could not sync"), name);
		}
		body = g_strdup (error->message);
		notify (self, sp, "error", title, body, G_NOTIFICATION_PRIORITY_HIGH);
		return;
	}
	{
		/* it works again: the alert about its failure is out of date */
		g_autofree gchar *id = g_strdup_printf ("error-%s", cs_sync_profile_get_path (sp));
		g_application_withdraw_notification (G_APPLICATION (self), id);
	}
	if (report == NULL)
		return;
	if (cs_run_report_get_status (report) == CS_RUN_STOPPED) {
		title = g_strdup_printf (_("“%s”: sync stopped to protect your data"), name);
		body = g_strdup (cs_run_report_get_guard (report));
		notify (self, sp, "guard", title, body, G_NOTIFICATION_PRIORITY_URGENT);
		return;
	}
	if (cs_run_report_get_n_conflicts (report) > 0) {
		guint n = cs_run_report_get_n_conflicts (report);
		title = g_strdup_printf (_("“%s”: changes to decide"), name);
		/* TRANSLATORS: %u is a number of fields changed on both sides */
		body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u field was changed on both sides.",
						     "%u fields were changed on both sides.", n), n);
		notify (self, sp, "conflicts", title, body, G_NOTIFICATION_PRIORITY_NORMAL);
	}
	if (cs_run_report_get_n_skipped (report) > 0) {
		guint n = cs_run_report_get_n_skipped (report);
		title = g_strdup_printf (_("“%s”: items skipped"), name);
		body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u item could not be synced; the window says why.",
						     "%u items could not be synced; the window says why.", n), n);
		notify (self, sp, "skipped", title, body, G_NOTIFICATION_PRIORITY_LOW);
	}
}

/* a run waits for a Microsoft sign-in: the code and the link go in a dialog over the
 * window, or in a notification while the window is closed */
static void
sign_in_code_cb (CsSyncProfile *sp, const gchar *uri, const gchar *code, gpointer user_data)
{
	CsApplication *self = CS_APPLICATION (user_data);
	GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
	g_autofree gchar *title = NULL;
	g_autofree gchar *body = NULL;
	CsSignInDialog *dialog;

	if (window != NULL && gtk_widget_get_visible (GTK_WIDGET (window))) {
		dialog = cs_sign_in_dialog_new (window, sp, uri, code);
		if (CS_IS_APP_WINDOW (window))
			cs_app_window_remember_dialog (CS_APP_WINDOW (window), GTK_WINDOW (dialog));
		gtk_window_present (GTK_WINDOW (dialog));
		return;
	}
	/* TRANSLATORS: %s is a profile's name */
	title = g_strdup_printf (_("“%s”: sign in to Microsoft"), cs_sync_profile_get_name (sp));
	/* TRANSLATORS: %s is a web address, %s a code such as ABCD-1234 */
	body = g_strdup_printf (_("Open %s and enter the code %s."), uri, code);
	notify (self, sp, "sign-in", title, body, G_NOTIFICATION_PRIORITY_HIGH);
}

static void
watch_profile (CsApplication *self, CsSyncProfile *sp)
{
	g_signal_connect_object (sp, "run-finished", G_CALLBACK (run_finished_cb), self, 0);
	g_signal_connect_object (sp, "sign-in-code", G_CALLBACK (sign_in_code_cb), self, 0);
	g_ptr_array_add (self->profiles, sp);
}

CsSyncProfile *
cs_application_add_profile (CsApplication *self, const gchar *path, GError **error)
{
	CsSyncProfile *sp = cs_sync_profile_new (path, self->secrets, error);
	if (sp == NULL)
		return NULL;
	watch_profile (self, sp);
	return sp;
}

/**
 * cs_application_load_profile:
 *
 * Adds the profile in @path. A file with an error is listed with it, so that the user can
 * mend or remove it; the other profiles still run.
 *
 * Returns: (transfer none): the profile
 */
CsSyncProfile *
cs_application_load_profile (CsApplication *self, const gchar *path)
{
	g_autoptr(GError) error = NULL;
	CsSyncProfile *sp = cs_application_add_profile (self, path, &error);
	if (sp != NULL)
		return sp;
	sp = cs_sync_profile_new_broken (path, self->secrets, error);
	watch_profile (self, sp);
	return sp;
}

/**
 * cs_application_remove_profile:
 *
 * Stops the profile, deletes its file and its secrets. Its sync state stays (a profile
 * made again with the same name finds its links), and nothing on either side changes.
 */
gboolean
cs_application_remove_profile (CsApplication *self, CsSyncProfile *profile, GError **error)
{
	g_autoptr(CsSyncProfile) sp = g_object_ref (profile);
	CsProfile *p = cs_sync_profile_get_profile (sp);
	if (cs_sync_profile_is_busy (sp)) {
		g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
				     _("A sync is running for this profile; try again when it has finished."));
		return FALSE;
	}
	if (g_unlink (cs_sync_profile_get_path (sp)) != 0 && errno != ENOENT) {
		int saved = errno;
		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
			     /* TRANSLATORS: %s is a profile's name, then the system's reason */
			     _("Cannot remove the profile “%s”: %s"), cs_sync_profile_get_name (sp),
			     g_strerror (saved));
		return FALSE;
	}
	cs_sync_profile_stop (sp);
	if (p != NULL) {
		/* under its id, and under its file name where a secret from before ids
		 * may still be, so that a profile made again at this path finds none */
		const gchar *names[] = {cs_profile_get_uid (p), cs_profile_get_id (p)};
		for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
			cs_secrets_clear (self->secrets, names[i], CS_SIDE_CRM, "secret", NULL);
			cs_secrets_clear (self->secrets, names[i], CS_SIDE_OUTLOOK,
					  "refresh-token", NULL);
		}
	}
	g_signal_handlers_disconnect_by_data (sp, self);
	g_ptr_array_remove (self->profiles, sp);
	return TRUE;
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* the administrator's profiles ($XDG_CONFIG_DIRS/crmsync/profiles), each
 * offered once, unless the user has a file of that name: then that one,
 * laid over the system's, is in the list already */
static void
load_system_profiles (CsApplication *self, GPtrArray *user_names)
{
	g_autoptr(GPtrArray) all = cs_profile_store_list ();
	for (guint i = 0; i < all->len; i++) {
		CsProfileEntry *e = g_ptr_array_index (all, i);
		g_autofree gchar *file = g_strconcat (e->name, ".ini", NULL);
		g_autoptr(GError) error = NULL;
		if (!e->system || g_ptr_array_find_with_equal_func (user_names, file, g_str_equal, NULL))
			continue;
		if (cs_application_add_profile (self, e->path, &error) == NULL)
			g_string_append_printf (self->load_errors, "%s\n", error->message);
	}
}

static void
load_profiles (CsApplication *self)
{
	g_autoptr(GDir) dir = g_dir_open (self->profiles_dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
	const gchar *name;
	while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
		if (g_str_has_suffix (name, ".ini"))
			g_ptr_array_add (names, g_strdup (name));
	g_ptr_array_sort (names, cmp_str);
	for (guint i = 0; i < names->len; i++) {
		g_autofree gchar *path = g_build_filename (self->profiles_dir, g_ptr_array_index (names, i), NULL);
		g_autoptr(GError) error = NULL;
		cs_application_load_profile (self, path);
	}
	load_system_profiles (self, names);
}

/* timers start once the window is up: it should appear before any plugin loads */
static gboolean
start_schedulers_cb (gpointer user_data)
{
	CsApplication *self = CS_APPLICATION (user_data);
	self->start_id = 0;
	if (g_getenv ("CRMSYNC_NO_SCHEDULER") != NULL)
		return G_SOURCE_REMOVE;
	for (guint i = 0; i < self->profiles->len; i++) {
		CsSyncProfile *sp = g_ptr_array_index (self->profiles, i);
		g_autoptr(GError) error = NULL;
		if (!cs_sync_profile_start (sp, &error))
			g_warning ("%s: %s", cs_sync_profile_get_path (sp), error->message);
	}
	return G_SOURCE_REMOVE;
}

static void
cs_application_activate (GApplication *app)
{
	CsApplication *self = CS_APPLICATION (app);
	GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
	if (window == NULL)
		window = GTK_WINDOW (cs_app_window_new (self));
	gtk_window_present (window);
	if (self->start_id == 0)
		self->start_id = g_idle_add_full (G_PRIORITY_LOW, start_schedulers_cb, self, NULL);
}

static void
show_profile_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	CsApplication *self = CS_APPLICATION (user_data);
	const gchar *path = g_variant_get_string (param, NULL);
	GtkWindow *window;
	g_application_activate (G_APPLICATION (self));
	window = gtk_application_get_active_window (GTK_APPLICATION (self));
	for (guint i = 0; window != NULL && i < self->profiles->len; i++) {
		CsSyncProfile *sp = g_ptr_array_index (self->profiles, i);
		if (g_strcmp0 (cs_sync_profile_get_path (sp), path) == 0)
			cs_app_window_select (CS_APP_WINDOW (window), sp);
	}
}

static void
exit_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	CsApplication *self = CS_APPLICATION (user_data);
	g_autoptr(GError) error = NULL;
	if (!cs_scheduler_sync_on_exit_finish (CS_SCHEDULER (source), result, &error))
		g_warning ("sync on exit: %s", error->message);
	if (--self->exits_pending == 0)
		g_application_quit (G_APPLICATION (self));
	g_object_unref (self);
}

static void
quit_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	CsApplication *self = CS_APPLICATION (user_data);
	g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
	if (self->quitting)
		return;
	self->quitting = TRUE;
	/* the windows go at once; the last syncs finish in the background */
	for (GList *l = windows; l != NULL; l = l->next)
		gtk_widget_destroy (GTK_WIDGET (l->data));
	self->exits_pending = 1;
	for (guint i = 0; i < self->profiles->len; i++) {
		CsScheduler *s = cs_sync_profile_get_scheduler (g_ptr_array_index (self->profiles, i));
		/* the windows are gone: a sync on exit that needs a sign-in must not hold the app */
		cs_sync_profile_set_sign_in_allowed (g_ptr_array_index (self->profiles, i), FALSE);
		if (s == NULL)
			continue;
		self->exits_pending++;
		cs_scheduler_sync_on_exit_async (s, NULL, exit_done_cb, g_object_ref (self));
	}
	if (--self->exits_pending == 0)
		g_application_quit (G_APPLICATION (self));
}

static void
about_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
	const gchar *authors[] = {"The crmsync authors", NULL};
	gtk_show_about_dialog (window, "program-name", "crmsync", "logo-icon-name",
			       "org.crmsync.Crmsync", "version", PACKAGE_VERSION, "comments",
			       _("Keeps your Outlook contacts, tasks, appointments and e-mails in "
				 "step with your CRM."),
			       "license-type", GTK_LICENSE_GPL_2_0, "authors", authors,
			       /* TRANSLATORS: your name(s), one per line */
			       "translator-credits", _("translator-credits"), "title",
			       _("About crmsync"), NULL);
}

/**
 * cs_application_get_help_page:
 * @help_dir: where the guide's languages are (`share/help`, or the source tree's `help`)
 *
 * Returns: (transfer full): the guide's first page in the user's language (help/de in a
 *   German session), else in English
 */
gchar *
cs_application_get_help_page (const gchar *help_dir)
{
	const gchar *const *langs = g_get_language_names ();
	for (guint i = 0; langs[i] != NULL; i++) {
		/* installed: LANG/crmsync/; the source tree: LANG/ */
		g_autofree gchar *installed
		    = g_build_filename (help_dir, langs[i], "crmsync", "index.page", NULL);
		g_autofree gchar *source = g_build_filename (help_dir, langs[i], "index.page", NULL);
		if (g_file_test (installed, G_FILE_TEST_EXISTS))
			return g_steal_pointer (&installed);
		if (g_file_test (source, G_FILE_TEST_EXISTS))
			return g_steal_pointer (&source);
	}
	return g_build_filename (help_dir, "C", "crmsync", "index.page", NULL);
}

/* the user guide: the installed Mallard pages through the help viewer (which picks the
 * user's language itself), else the same pages as files in a browser */
static void
help_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *page = cs_application_get_help_page (CS_HELP_DIR);
	g_autofree gchar *uri = NULL;
	if (gtk_show_uri_on_window (window, "help:crmsync", GDK_CURRENT_TIME, NULL))
		return;
	uri = g_filename_to_uri (page, NULL, NULL);
	if (uri == NULL || !gtk_show_uri_on_window (window, uri, GDK_CURRENT_TIME, &error)) {
		GtkWidget *d = gtk_message_dialog_new (window, GTK_DIALOG_MODAL, GTK_MESSAGE_ERROR,
						       GTK_BUTTONS_CLOSE, "%s",
						       _("The user guide cannot be shown"));
		gtk_message_dialog_format_secondary_text (
		    GTK_MESSAGE_DIALOG (d),
		    /* TRANSLATORS: %s is the system's reason */
		    _("Install a help viewer such as Yelp (%s)."),
		    error != NULL ? error->message : "help:crmsync");
		g_signal_connect (d, "response", G_CALLBACK (gtk_widget_destroy), NULL);
		gtk_widget_show (d);
	}
}

static void
cs_application_startup (GApplication *app)
{
	CsApplication *self = CS_APPLICATION (app);
	static const GActionEntry actions[] = {
	    {"quit", quit_cb, NULL, NULL, NULL, {0}},
	    {"show-profile", show_profile_cb, "s", NULL, NULL, {0}},
	    {"about", about_cb, NULL, NULL, NULL, {0}},
	    {"help", help_cb, NULL, NULL, NULL, {0}},
	};
	const gchar *quit_accels[] = {"<Primary>q", NULL};
	const gchar *help_accels[] = {"F1", NULL};

	G_APPLICATION_CLASS (cs_application_parent_class)->startup (app);
	g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
	gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
	gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.help", help_accels);
	self->settings = settings_new ();
	if (self->settings != NULL) {
		g_autofree gchar *level = g_settings_get_string (self->settings, "debug-level");
		if (g_strcmp0 (level, "debug") == 0)
			g_setenv ("G_MESSAGES_DEBUG", "all", FALSE);
		else if (g_strcmp0 (level, "info") == 0)
			g_setenv ("G_MESSAGES_DEBUG", "crmsync", FALSE);
	}
	self->secrets = cs_secrets_new ();
	load_profiles (self);
	/* background sync: the app lives on with its window closed */
	g_application_hold (app);
	self->held = TRUE;
}

static void
cs_application_shutdown (GApplication *app)
{
	CsApplication *self = CS_APPLICATION (app);
	for (guint i = 0; i < self->profiles->len; i++)
		cs_sync_profile_stop (g_ptr_array_index (self->profiles, i));
	G_APPLICATION_CLASS (cs_application_parent_class)->shutdown (app);
}

static void
cs_application_finalize (GObject *object)
{
	CsApplication *self = CS_APPLICATION (object);
	if (self->start_id != 0)
		g_source_remove (self->start_id);
	g_ptr_array_unref (self->profiles);
	g_free (self->profiles_dir);
	g_clear_object (&self->secrets);
	g_clear_object (&self->settings);
	g_string_free (self->load_errors, TRUE);
	G_OBJECT_CLASS (cs_application_parent_class)->finalize (object);
}

static void
cs_application_class_init (CsApplicationClass *klass)
{
	GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
	G_OBJECT_CLASS (klass)->finalize = cs_application_finalize;
	app_class->startup = cs_application_startup;
	app_class->activate = cs_application_activate;
	app_class->shutdown = cs_application_shutdown;
}

static void
cs_application_init (CsApplication *self)
{
	self->profiles = g_ptr_array_new_with_free_func (g_object_unref);
	self->profiles_dir = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", NULL);
	self->load_errors = g_string_new (NULL);
}

CsApplication *
cs_application_new (void)
{
	return g_object_new (CS_TYPE_APPLICATION, "application-id", "org.crmsync.Crmsync",
			     "flags", G_APPLICATION_DEFAULT_FLAGS, NULL);
}

GPtrArray *
cs_application_get_profiles (CsApplication *self)
{
	return self->profiles;
}

const gchar *
cs_application_get_profiles_dir (CsApplication *self)
{
	return self->profiles_dir;
}

CsSecrets *
cs_application_get_secrets (CsApplication *self)
{
	return self->secrets;
}

const gchar *
cs_application_get_load_errors (CsApplication *self)
{
	return self->load_errors->str;
}

GSettings *
cs_application_get_settings (CsApplication *self)
{
	return self->settings;
}
