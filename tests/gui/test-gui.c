/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "cs-app-window.h"
#include "cs-application.h"
#include "cs-changes-view.h"
#include "cs-history-chart.h"
#include "cs-undo-dialog.h"
#include "cs-duration.h"
#include "cs-mapping-window.h"
#include "cs-new-profile-assistant.h"
#include "cs-progress-window.h"
#include "cs-settings-dialog.h"
#include "cs-sign-in-dialog.h"
#include "cs-sync-all-assistant.h"
#include "emu-launch.h"
#include "oro-test-util.h"

/*
 * The windows driven as a user would: entries filled, buttons clicked,
 * the assistant stepped, cells edited; the checks look at what the user
 * would notice afterwards (profile files, the keyring, records written).
 * No assertion waits on a clock: the main loop turns until the thing under
 * test says it is done, and meson's timeout catches a hang.
 */

static GtkWidget *
child (gpointer widget, GType type, const gchar *name)
{
	GObject *o = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
	g_assert_nonnull (o);
	return GTK_WIDGET (o);
}

static void
spin_until (gboolean (*done) (gpointer), gpointer data)
{
	while (!done (data))
		g_main_context_iteration (NULL, TRUE);
}

static void
flush (void)
{
	while (g_main_context_iteration (NULL, FALSE))
		;
}

static gchar *
test_dir (const gchar *name)
{
	gchar *dir = g_build_filename (g_get_user_data_dir (), name, NULL);
	g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
	return dir;
}

static void
write_file (const gchar *path, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_path_get_dirname (path);
	g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
	g_file_set_contents (path, text, -1, &error);
	g_assert_no_error (error);
}

/* not inlined: GCC 12 at -O3 takes the result for a pointer to the local it was read into */
static G_GNUC_NO_INLINE gchar *
read_file (const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;
	g_file_get_contents (path, &text, NULL, &error);
	g_assert_no_error (error);
	return text;
}

static guint
count_files (const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
	guint n = 0;
	while (d != NULL && g_dir_read_name (d) != NULL)
		n++;
	return n;
}

/* a folder ↔ folder profile with @n contacts on the CRM side */
static gchar *
folder_profile (const gchar *base, guint n, const gchar *extra)
{
	g_autofree gchar *dir = test_dir (base);
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=%s\ncrm=folder\noutlook=folder\n"
						 "state=state.db\nsync-on-start=false\nsync-on-exit=false\n"
						 "[crm]\npath=crm\n[outlook]\npath=outlook\n%s",
						 base, extra != NULL ? extra : "");
	gchar *path = g_build_filename (dir, "profile.ini", NULL);
	write_file (path, ini);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *name = g_strdup_printf ("c%04u.json", i);
		g_autofree gchar *file = g_build_filename (dir, "crm", "contact", name, NULL);
		g_autofree gchar *json = g_strdup_printf ("{\"firstName\": \"First%04u\", \"lastName\": \"Last%04u\"}", i, i);
		write_file (file, json);
	}
	return path;
}

static gchar *
side_dir (const gchar *profile_path, const gchar *side, const gchar *kind)
{
	g_autofree gchar *dir = g_path_get_dirname (profile_path);
	return g_build_filename (dir, side, kind, NULL);
}

static CsSyncProfile *
load_profile (const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsSecrets) secrets = cs_secrets_new ();
	CsSyncProfile *sp = cs_sync_profile_new (path, secrets, &error);
	g_assert_no_error (error);
	return sp;
}

/* a combo box's ids, in order, joined by spaces */
static gchar *
combo_ids (GtkComboBox *combo)
{
	GtkTreeModel *model = gtk_combo_box_get_model (combo);
	g_autoptr(GString) out = g_string_new (NULL);
	GtkTreeIter iter;
	gint column = gtk_combo_box_get_id_column (combo);
	for (gboolean ok = gtk_tree_model_get_iter_first (model, &iter); ok;
	     ok = gtk_tree_model_iter_next (model, &iter)) {
		g_autofree gchar *id = NULL;
		gtk_tree_model_get (model, &iter, column, &id, -1);
		g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", id);
	}
	return g_string_free (g_steal_pointer (&out), FALSE);
}

/* what the column titled @title shows for the row at @iter */
static gchar *
column_text (GtkTreeView *view, const gchar *title, GtkTreeIter *iter)
{
	for (guint i = 0; i < gtk_tree_view_get_n_columns (view); i++) {
		GtkTreeViewColumn *col = gtk_tree_view_get_column (view, (gint) i);
		g_autoptr(GList) cells = NULL;
		gchar *text = NULL;
		if (g_strcmp0 (gtk_tree_view_column_get_title (col), title) != 0)
			continue;
		gtk_tree_view_column_cell_set_cell_data (col, gtk_tree_view_get_model (view), iter, FALSE,
							 FALSE);
		cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (col));
		g_object_get (cells->data, "text", &text, NULL);
		return text;
	}
	g_assert_not_reached ();
}

/* ---- settings ---------------------------------------------------------- */

static void
test_settings_save (void)
{
	g_autofree gchar *dir = test_dir ("profiles");
	g_autoptr(CsSecrets) secrets = cs_secrets_new ();
	CsSettingsDialog *dlg = cs_settings_dialog_new (NULL, NULL, dir, secrets);
	GType t = CS_TYPE_SETTINGS_DIALOG;
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *secret = NULL;
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSettings) settings = g_settings_new ("org.crmsync.Crmsync");
	GtkWidget *save;

	g_object_ref_sink (dlg);
	gtk_widget_show (GTK_WIDGET (dlg));
	save = gtk_dialog_get_widget_for_response (GTK_DIALOG (dlg), GTK_RESPONSE_ACCEPT);

	/* the choices come from the plugins: a CRM once per preset of its rules, the folder
	 * (either side) last */
	{
		g_autofree gchar *crms = combo_ids (GTK_COMBO_BOX (child (dlg, t, "crm_combo")));
		g_autofree gchar *outlooks = combo_ids (GTK_COMBO_BOX (child (dlg, t, "outlook_combo")));
		g_assert_cmpstr (crms, ==, "orocrm webcrm-b2b webcrm-b2c folder");
		g_assert_cmpstr (outlooks, ==, "graph pst folder");
	}
	/* no name: an error the user sees, nothing written */
	gtk_button_clicked (GTK_BUTTON (save));
	flush ();
	g_assert_true (gtk_widget_get_visible (child (dlg, t, "error_infobar")));
	g_assert_cmpuint (count_files (dir), ==, 0);

	gtk_entry_set_text (GTK_ENTRY (child (dlg, t, "name_entry")), "Sales (Oro)");
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dlg, t, "crm_combo")), "orocrm");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "url")), "https://crm.example.org");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "user")), "ada");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "secret")), "s3cret-api-key");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "tls-fingerprint")),
			    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dlg, t, "outlook_combo")), "pst");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "outlook", "path")), "/home/ada/outlook.pst");
	/* intervals show in the user's units: the 120 s default as 2 minutes */
	{
		GtkWidget *crm_d = gtk_widget_get_parent (child (dlg, t, "crm_interval_spin"));
		GtkWidget *outlook_d = gtk_widget_get_parent (child (dlg, t, "outlook_interval_spin"));
		g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (child (dlg, t, "crm_interval_spin"))), ==, 2);
		g_assert_cmpstr (gtk_combo_box_get_active_id (cs_duration_get_unit_combo (crm_d)), ==, "minutes");
		g_assert_cmpint (cs_duration_get (outlook_d), ==, 30);
		/* in seconds, the spin buttons keep the allowed range: 0 becomes 1, too much 86399 */
		gtk_combo_box_set_active_id (cs_duration_get_unit_combo (crm_d), "seconds");
		gtk_combo_box_set_active_id (cs_duration_get_unit_combo (outlook_d), "seconds");
	}
	gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dlg, t, "crm_interval_spin")), 0);
	gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dlg, t, "outlook_interval_spin")), 100000);
	gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dlg, t, "sync_on_exit_check")), FALSE);
	gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dlg, t, "sync_on_start_check")), TRUE);
	gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dlg, t, "show_alerts_check")), FALSE);
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dlg, t, "debug_combo")), "debug");
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dlg, t, "conflict_combo")), "manual");
	gtk_switch_set_active (GTK_SWITCH (child (dlg, t, "enabled_switch")), FALSE);
	gtk_button_clicked (GTK_BUTTON (save));
	flush ();

	path = g_strdup (cs_settings_dialog_get_path (dlg));
	g_assert_nonnull (path);
	g_assert_true (gtk_widget_in_destruction (GTK_WIDGET (dlg)) || !gtk_widget_get_visible (GTK_WIDGET (dlg)));
	text = read_file (path);
	g_assert_nonnull (strstr (text, "crm=orocrm"));
	g_assert_nonnull (strstr (text, "preset=orocrm"));
	g_assert_nonnull (strstr (text, "outlook=pst"));
	g_assert_nonnull (strstr (text, "url=https://crm.example.org"));
	g_assert_nonnull (strstr (text, "user=ada"));
	g_assert_nonnull (strstr (text, "tls-fingerprint=AB:CD:EF"));
	g_assert_nonnull (strstr (text, "path=/home/ada/outlook.pst"));
	g_assert_nonnull (strstr (text, "conflict=manual"));
	g_assert_nonnull (strstr (text, "enabled=false"));
	/* the secret is never in the file */
	g_assert_null (strstr (text, "s3cret"));

	profile = cs_profile_load (path, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_profile_get_interval (profile, CS_SIDE_CRM), ==, 1);
	g_assert_cmpuint (cs_profile_get_interval (profile, CS_SIDE_OUTLOOK), ==, 86399);
	g_assert_false (cs_profile_get_sync_on_exit (profile));
	g_assert_true (cs_profile_get_sync_on_start (profile));
	g_assert_cmpint (cs_profile_get_conflict (profile), ==, CS_CONFLICT_MANUAL);
	g_assert_cmpstr (cs_profile_get_name (profile), ==, "Sales (Oro)");

	/* the keyring has it, under the profile's id (a real keyring when one runs) */
	if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL && HAVE_LIBSECRET)
		g_assert_true (cs_secrets_uses_keyring (secrets));
	{
		g_autoptr(CsSecrets) fresh = cs_secrets_new ();
		secret = cs_secrets_lookup (fresh, cs_profile_get_uid (profile), CS_SIDE_CRM, "secret", &error);
		g_assert_no_error (error);
		g_assert_cmpstr (secret, ==, "s3cret-api-key");
		cs_secrets_clear (fresh, cs_profile_get_uid (profile), CS_SIDE_CRM, "secret", NULL);
	}
	g_assert_false (g_settings_get_boolean (settings, "show-alerts"));
	{
		g_autofree gchar *level = g_settings_get_string (settings, "debug-level");
		g_assert_cmpstr (level, ==, "debug");
	}
	g_object_unref (dlg);
}

/* editing a saved profile keeps what the dialog does not show and the key */
static void
test_settings_edit (void)
{
	/* (the extra lines start inside [outlook]) */
	g_autofree gchar *path = folder_profile ("edit", 0, "read-only=true\n[contact]\ndirection=crm-to-outlook\n");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(CsSecrets) secrets = cs_secrets_new ();
	g_autofree gchar *dir = g_path_get_dirname (path);
	CsSettingsDialog *dlg = cs_settings_dialog_new (NULL, sp, dir, secrets);
	GType t = CS_TYPE_SETTINGS_DIALOG;
	g_autofree gchar *text = NULL;

	g_object_ref_sink (dlg);
	g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "path"))), ==, "crm");
	g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (child (dlg, t, "crm_combo"))), ==, "folder");
	gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dlg, t, "outlook_interval_spin")), 77);
	gtk_button_clicked (GTK_BUTTON (gtk_dialog_get_widget_for_response (GTK_DIALOG (dlg), GTK_RESPONSE_ACCEPT)));
	flush ();
	text = read_file (path);
	g_assert_nonnull (strstr (text, "outlook-interval=77"));
	g_assert_nonnull (strstr (text, "direction=crm-to-outlook"));
	g_assert_nonnull (strstr (text, "state=state.db"));
	/* a key the dialog does not show stays: the folder side is still read-only */
	g_assert_nonnull (strstr (text, "read-only=true"));
	/* the running profile sees the new value */
	g_assert_cmpuint (cs_profile_get_interval (cs_sync_profile_get_profile (sp), CS_SIDE_OUTLOOK), ==, 77);
	g_object_unref (dlg);
}

/* the keys whose values differ between two profiles, as "group/key" joined by spaces */
static gchar *
keyfile_diff (GKeyFile *a, GKeyFile *b)
{
	g_autoptr(GString) out = g_string_new (NULL);
	GKeyFile *files[2] = {a, b};
	for (guint f = 0; f < 2; f++) {
		g_auto(GStrv) groups = g_key_file_get_groups (files[f], NULL);
		for (guint g = 0; groups[g] != NULL; g++) {
			g_auto(GStrv) keys = g_key_file_get_keys (files[f], groups[g], NULL, NULL);
			for (guint k = 0; keys != NULL && keys[k] != NULL; k++) {
				g_autofree gchar *va = g_key_file_get_value (a, groups[g], keys[k], NULL);
				g_autofree gchar *vb = g_key_file_get_value (b, groups[g], keys[k], NULL);
				g_autofree gchar *name = g_strdup_printf ("%s/%s", groups[g], keys[k]);
				/* a key in both is seen twice: listed once */
				if (g_strcmp0 (va, vb) != 0 && (f == 0 || va == NULL))
					g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", name);
			}
		}
	}
	return g_string_free (g_steal_pointer (&out), FALSE);
}

static GKeyFile *
load_keyfile (const gchar *path)
{
	GKeyFile *kf = g_key_file_new ();
	g_autoptr(GError) error = NULL;
	g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error);
	g_assert_no_error (error);
	return kf;
}

/* opens the profile's settings, edits one field (or none) and saves */
static void
settings_round_trip (const gchar *path, const gchar *side, const gchar *key, const gchar *value)
{
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(CsSecrets) secrets = cs_secrets_new ();
	g_autofree gchar *dir = g_path_get_dirname (path);
	CsSettingsDialog *dlg = cs_settings_dialog_new (NULL, sp, dir, secrets);
	g_autoptr(GError) error = NULL;

	g_object_ref_sink (dlg);
	gtk_widget_show (GTK_WIDGET (dlg));
	flush ();
	if (key != NULL) {
		GtkWidget *w = cs_settings_dialog_get_field (dlg, side, key);
		g_assert_nonnull (w);
		if (GTK_IS_TOGGLE_BUTTON (w))
			gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (w), g_strcmp0 (value, "true") == 0);
		else if (GTK_IS_COMBO_BOX (w))
			gtk_combo_box_set_active_id (GTK_COMBO_BOX (w), value);
		else
			gtk_entry_set_text (GTK_ENTRY (w), value);
	}
	g_assert_true (cs_settings_dialog_save (dlg, &error));
	g_assert_no_error (error);
	gtk_widget_destroy (GTK_WIDGET (dlg));
	g_object_unref (dlg);
}

/* every key a profile can have survives the dialog: opened and saved without a change, the
 * profile is as it was; one field edited, exactly that key changes. Three pairs of sides,
 * each with the keys the dialog shows, keys written as their defaults, and keys it does not
 * show at all (a folder's read-only=, batch sizes, a kind's rules) */
static void
test_settings_keeps_every_key (void)
{
	static const struct {
		const gchar *name;
		const gchar *ini;
		const gchar *side, *key, *value, *changed;
	} cases[] = {
		{"oro-graph",
		 "[profile]\nid=oro-graph-1\nname=Oro and Microsoft 365\ncrm=orocrm\noutlook=graph\n"
		 "preset=orocrm\nstate=state.db\ncrm-interval=600\noutlook-interval=45\n"
		 "sync-on-start=false\nconflict=manual\n"
		 "[crm]\nurl=https://crm.example.org\nuser=ada\nauth=oauth\n"
		 "tls-fingerprint=AB:CD\nsweep-interval=3600\n"
		 "[outlook]\ntenant=common\nclient-id=11111111-2222-3333-4444-555555555555\n"
		 "url=https://graph.microsoft.com/v1.0\n"
		 "[contact]\ndirection=both\n[task]\ndirection=none\n",
		 "crm", "user", "bob", "crm/user"},
		{"webcrm-folder",
		 "[profile]\nname=webCRM and a folder\ncrm=webcrm\noutlook=folder\npreset=webcrm-b2c\n"
		 "state=state.db\nenabled=false\nsync-on-exit=true\n"
		 "[crm]\nurl=https://api.webcrm.com\nuser=ada@example.org\nbatch-size=50\n"
		 "rate-limit=100\n"
		 "[outlook]\npath=outlook\nread-only=true\nschema=outlook\n"
		 "[email]\ndirection=outlook-to-crm\n",
		 "crm", "url", "https://eu.webcrm.example", "crm/url"},
		{"oro-pst",
		 "[profile]\nname=Oro and a PST\ncrm=orocrm\noutlook=pst\nstate=state.db\n"
		 "crm-interval=120\n"
		 "[crm]\nurl=https://crm.example.org\nuser=ada\n"
		 "[outlook]\npath=/home/ada/Outlook.pst\nfolders=Contacts\n"
		 "[contact]\ndirection=outlook-to-crm\n",
		 "outlook", "path", "/home/ada/Archive.pst", "outlook/path"},
	};
	for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
		g_autofree gchar *dir = test_dir (cases[c].name);
		g_autofree gchar *path = g_build_filename (dir, "profile.ini", NULL);
		g_autoptr(GKeyFile) before = NULL;
		g_autoptr(GKeyFile) after = NULL;
		g_autoptr(GKeyFile) edited = NULL;
		g_autofree gchar *diff = NULL;

		write_file (path, cases[c].ini);
		before = load_keyfile (path);
		if (c == 0) {
			/* a choice reads as words ("OAuth application…"), the file keeps its value */
			g_autoptr(CsSyncProfile) sp = load_profile (path);
			g_autoptr(CsSecrets) secrets = cs_secrets_new ();
			CsSettingsDialog *dlg = cs_settings_dialog_new (NULL, sp, dir, secrets);
			g_autofree gchar *shown = NULL;
			g_object_ref_sink (dlg);
			shown = gtk_combo_box_text_get_active_text (
				GTK_COMBO_BOX_TEXT (cs_settings_dialog_get_field (dlg, "crm", "auth")));
			g_assert_cmpstr (shown, ==, "OAuth application (client secret)");
			gtk_widget_destroy (GTK_WIDGET (dlg));
			g_object_unref (dlg);
		}
		settings_round_trip (path, NULL, NULL, NULL);
		after = load_keyfile (path);
		diff = keyfile_diff (before, after);
		g_test_message ("%s unchanged: [%s]", cases[c].name, diff);
		g_assert_cmpstr (diff, ==, "");

		settings_round_trip (path, cases[c].side, cases[c].key, cases[c].value);
		edited = load_keyfile (path);
		g_free (diff);
		diff = keyfile_diff (after, edited);
		g_assert_cmpstr (diff, ==, cases[c].changed);
		{
			g_autofree gchar *v = g_key_file_get_value (edited, cases[c].side, cases[c].key, NULL);
			g_assert_cmpstr (v, ==, cases[c].value);
		}
	}
}

/* Test connection against the OroCRM emulator: a wrong key, then the right one */
typedef struct {
	GSubprocess *proc;
	gchar *url;
} Emulator;

static void
emulator_start (Emulator *emu, const gchar *api, const gchar *user, const gchar *secret)
{
	const gchar *args[] = {"--generate", "2", "--user", user, "--secret", secret, NULL};
	emu->proc = emu_launch_start (api, NULL, args, &emu->url);
}

static void
emulator_stop (Emulator *emu)
{
	emu_launch_stop (&emu->proc);
	g_free (emu->url);
}

static gboolean
not_testing (gpointer dlg)
{
	return !cs_settings_dialog_is_testing (dlg);
}

static void
test_settings_test_connection (void)
{
	Emulator emu = {0};
	g_autofree gchar *dir = test_dir ("profiles");
	g_autoptr(CsSecrets) secrets = cs_secrets_new ();
	CsSettingsDialog *dlg = cs_settings_dialog_new (NULL, NULL, dir, secrets);
	GType t = CS_TYPE_SETTINGS_DIALOG;
	GtkWidget *test_button = child (dlg, t, "test_button");
	GtkInfoBar *bar = GTK_INFO_BAR (child (dlg, t, "test_infobar"));
	const gchar *text;

	g_object_ref_sink (dlg);
	emulator_start (&emu, "orocrm", "ada", "right-key");
	gtk_entry_set_text (GTK_ENTRY (child (dlg, t, "name_entry")), "Oro");
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dlg, t, "crm_combo")), "orocrm");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "url")), emu.url);
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "user")), "ada");
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "secret")), "wrong-key");

	gtk_button_clicked (GTK_BUTTON (test_button));
	g_assert_true (cs_settings_dialog_is_testing (dlg));
	spin_until (not_testing, dlg);
	g_assert_true (gtk_widget_get_visible (GTK_WIDGET (bar)));
	g_assert_cmpint (gtk_info_bar_get_message_type (bar), ==, GTK_MESSAGE_ERROR);
	text = gtk_label_get_text (GTK_LABEL (child (dlg, t, "test_label")));
	g_assert_nonnull (strstr (text, "did not accept"));

	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_field (dlg, "crm", "secret")), "right-key");
	gtk_button_clicked (GTK_BUTTON (test_button));
	spin_until (not_testing, dlg);
	g_assert_cmpint (gtk_info_bar_get_message_type (bar), ==, GTK_MESSAGE_INFO);
	text = gtk_label_get_text (GTK_LABEL (child (dlg, t, "test_label")));
	g_assert_true (g_str_has_prefix (text, "Connected"));
	/* testing saves nothing */
	g_assert_cmpuint (count_files (dir), ==, 0);
	emulator_stop (&emu);
	gtk_widget_destroy (GTK_WIDGET (dlg));
	g_object_unref (dlg);
}

static gboolean
not_signing_in (gpointer dlg)
{
	return !cs_settings_dialog_is_signing_in (dlg);
}

/* Microsoft account: the device code shown in the dialog, the token in the keyring */
static void
test_settings_graph_sign_in (void)
{
	Emulator emu = {0};
	g_autofree gchar *dir = test_dir ("graph");
	g_autofree gchar *path = g_build_filename (dir, "mail.ini", NULL);
	g_autofree gchar *ini = NULL;
	g_autofree gchar *token = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(CsSyncProfile) sp = NULL;
	g_autoptr(CsSecrets) secrets = cs_secrets_new ();
	g_autoptr(GError) error = NULL;
	CsSettingsDialog *dlg;
	GType t = CS_TYPE_SETTINGS_DIALOG;

	emulator_start (&emu, "graph", "ada@contoso.example", "emulator");
	ini = g_strdup_printf ("[profile]\nname=Mail\ncrm=folder\noutlook=graph\nstate=state.db\n"
			       "[crm]\npath=crm\n[outlook]\nurl=%s\nauthority=%s\n", emu.url, emu.url);
	write_file (path, ini);
	sp = load_profile (path);
	dlg = cs_settings_dialog_new (NULL, sp, dir, secrets);
	g_object_ref_sink (dlg);
	gtk_widget_show (GTK_WIDGET (dlg));
	g_assert_true (gtk_widget_get_visible (child (dlg, t, "sign_in_button")));
	g_assert_null (cs_settings_dialog_get_field (dlg, "outlook", "path"));
	gtk_button_clicked (GTK_BUTTON (child (dlg, t, "sign_in_button")));
	spin_until (not_signing_in, dlg);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (dlg, t, "graph_label"))), ==,
			 "Signed in as ada@contoso.example.");
	/* under the profile's id, not its file name */
	token = cs_secrets_lookup (secrets, cs_profile_get_uid (cs_sync_profile_get_profile (sp)),
				   CS_SIDE_OUTLOOK, "refresh-token", &error);
	g_assert_no_error (error);
	g_assert_nonnull (token);
	/* the organisation's own application id, from the plugin's description of its settings */
	g_assert_nonnull (cs_settings_dialog_get_outlook_field (dlg, "client-id"));
	g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (cs_settings_dialog_get_outlook_field (dlg, "authority"))), ==, emu.url);
	gtk_entry_set_text (GTK_ENTRY (cs_settings_dialog_get_outlook_field (dlg, "client-id")),
			    "11111111-2222-3333-4444-555555555555");
	/* saving keeps the Graph settings and never writes the token */
	gtk_button_clicked (GTK_BUTTON (gtk_dialog_get_widget_for_response (GTK_DIALOG (dlg), GTK_RESPONSE_ACCEPT)));
	flush ();
	text = read_file (path);
	g_assert_nonnull (strstr (text, "outlook=graph"));
	g_assert_nonnull (strstr (text, "authority="));
	g_assert_nonnull (strstr (text, "client-id=11111111-2222-3333-4444-555555555555"));
	g_assert_null (strstr (text, token));
	cs_secrets_clear (secrets, cs_profile_get_uid (cs_sync_profile_get_profile (sp)),
			  CS_SIDE_OUTLOOK, "refresh-token", NULL);
	emulator_stop (&emu);
	g_object_unref (dlg);
}

/* ---- new profile assistant --------------------------------------------- */

static gboolean
assistant_not_testing (gpointer a)
{
	return !cs_new_profile_assistant_is_testing (a);
}

static gboolean
sync_all_page_ready (gpointer data)
{
	GtkAssistant *a = data;
	GtkWidget *page = gtk_assistant_get_nth_page (a, gtk_assistant_get_current_page (a));
	return gtk_assistant_get_page_complete (a, page) && !cs_sync_all_assistant_is_busy (data);
}

static gboolean
sync_all_has_report (gpointer data)
{
	return cs_sync_all_assistant_get_report (data) != NULL;
}

/* a user's first profile: OroCRM and Microsoft 365 (both emulated), the key tested on the
 * spot, saved, its first run previewed, then applied: records reach both sides */
static void
test_assistant_first_sync (void)
{
	Emulator oro = {0}, graph = {0};
	g_autofree gchar *dir = test_dir ("assistant");
	g_autoptr(CsSecrets) secrets = cs_secrets_new ();
	g_autoptr(CsSyncProfile) sp = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *secret = NULL;
	g_autofree gchar *path = NULL;
	CsNewProfileAssistant *a;
	CsSyncAllAssistant *preview;
	GtkAssistant *ga;
	CsRunReport *report;

	emulator_start (&oro, "orocrm", "ada", "right-key");
	emulator_start (&graph, "graph", "ada@contoso.example", "emulator");
	a = cs_new_profile_assistant_new (NULL, dir, secrets);
	ga = GTK_ASSISTANT (a);
	g_object_ref_sink (a);
	gtk_widget_show (GTK_WIDGET (a));

	/* the CRM page asks for what the OroCRM provider describes */
	gtk_entry_set_text (cs_new_profile_assistant_get_name_entry (a), "Sales");
	gtk_combo_box_set_active_id (cs_new_profile_assistant_get_crm_combo (a), "orocrm");
	g_assert_nonnull (cs_new_profile_assistant_get_field (a, "crm", "url"));
	g_assert_nonnull (cs_new_profile_assistant_get_field (a, "crm", "user"));
	g_assert_nonnull (cs_new_profile_assistant_get_field (a, "crm", "secret"));
	gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "crm", "url")), oro.url);
	gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "crm", "user")), "ada");
	gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "crm", "secret")), "wrong-key");
	/* not tested: the assistant does not go on */
	g_assert_false (gtk_assistant_get_page_complete (ga, gtk_assistant_get_nth_page (ga, 0)));
	gtk_button_clicked (cs_new_profile_assistant_get_test_button (a));
	spin_until (assistant_not_testing, a);
	g_assert_false (gtk_assistant_get_page_complete (ga, gtk_assistant_get_nth_page (ga, 0)));
	g_assert_true (g_str_has_prefix (gtk_label_get_text (cs_new_profile_assistant_get_test_label (a)), "✗"));
	gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "crm", "secret")), "right-key");
	gtk_button_clicked (cs_new_profile_assistant_get_test_button (a));
	spin_until (assistant_not_testing, a);
	g_assert_cmpstr (gtk_label_get_text (cs_new_profile_assistant_get_test_label (a)), ==, "✓ Connected to OroCRM.");
	g_assert_true (gtk_assistant_get_page_complete (ga, gtk_assistant_get_nth_page (ga, 0)));
	gtk_assistant_next_page (ga);

	/* Outlook: Microsoft 365, here the emulator (advanced settings) */
	g_assert_true (gtk_toggle_button_get_active (cs_new_profile_assistant_get_outlook_radio (a, "graph")));
	gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "outlook", "url")), graph.url);
	gtk_entry_set_text (GTK_ENTRY (cs_new_profile_assistant_get_field (a, "outlook", "authority")), graph.url);
	g_assert_nonnull (cs_new_profile_assistant_get_field (a, "outlook", "client-id"));
	gtk_assistant_next_page (ga);
	/* the preset's directions: contacts both ways */
	g_assert_cmpstr (gtk_combo_box_get_active_id (cs_new_profile_assistant_get_direction_combo (a, CS_KIND_CONTACT)), ==, "both");
	gtk_assistant_next_page (ga);
	g_assert_null (cs_new_profile_assistant_get_path (a));
	g_signal_emit_by_name (a, "apply");
	path = g_strdup (cs_new_profile_assistant_get_path (a));
	g_assert_nonnull (path);
	text = read_file (path);
	g_assert_nonnull (strstr (text, "crm=orocrm"));
	g_assert_nonnull (strstr (text, "outlook=graph"));
	g_assert_nonnull (strstr (text, "preset=orocrm"));
	g_assert_null (strstr (text, "right-key"));
	sp = load_profile (path);
	secret = cs_secrets_lookup (secrets, cs_profile_get_uid (cs_sync_profile_get_profile (sp)), CS_SIDE_CRM, "secret", &error);
	g_assert_no_error (error);
	g_assert_cmpstr (secret, ==, "right-key");
	gtk_widget_destroy (GTK_WIDGET (a));
	g_object_unref (a);

	/* the first run's preview, then applied (the Microsoft sign-in completes by itself) */
	preview = cs_sync_all_assistant_new (NULL, sp, &error);
	g_assert_no_error (error);
	g_object_ref_sink (preview);
	gtk_widget_show (GTK_WIDGET (preview));
	gtk_assistant_next_page (GTK_ASSISTANT (preview));
	gtk_assistant_next_page (GTK_ASSISTANT (preview));
	spin_until (sync_all_page_ready, preview);
	g_assert_nonnull (cs_sync_all_assistant_get_plan (preview));
	gtk_assistant_next_page (GTK_ASSISTANT (preview));
	spin_until (sync_all_has_report, preview);
	report = cs_sync_all_assistant_get_report (preview);
	/* Sync all (CRM to Outlook by default): the CRM's tasks are now in Outlook; the
	 * generated people are on both sides already (Outlook's without a gender, so
	 * Oro's key does not match): held for review, never created twice */
	g_assert_cmpuint (cs_run_report_get_count (report, CS_COUNT_CREATED, CS_SIDE_OUTLOOK, CS_KIND_TASK), ==, 2);
	g_assert_cmpuint (cs_run_report_get_count (report, CS_COUNT_CREATED, CS_SIDE_OUTLOOK, CS_KIND_CONTACT), ==, 0);
	g_assert_cmpuint (cs_run_report_get_n_review (report), ==, 2);
	gtk_widget_destroy (GTK_WIDGET (preview));
	g_object_unref (preview);
	/* and a full run both ways brings Outlook's own tasks to the CRM (a plain run does
	 * not: the one-way Sync all moved Outlook's cursor past them, see the notes) */
	{
		g_autoptr(CsRunReport) next = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_ALL, NULL, &error);
		g_assert_no_error (error);
		g_assert_cmpuint (cs_run_report_get_count (next, CS_COUNT_CREATED, CS_SIDE_CRM, CS_KIND_TASK), ==, 2);
		g_assert_cmpint (cs_state_count_links (cs_sync_profile_get_state (sp, NULL), CS_KIND_TASK, CS_SIDE_CRM), ==, 4);
		g_assert_cmpint (cs_state_count_links (cs_sync_profile_get_state (sp, NULL), CS_KIND_CONTACT, CS_SIDE_CRM), ==, 0);
	}
	cs_secrets_clear (secrets, cs_profile_get_uid (cs_sync_profile_get_profile (sp)), CS_SIDE_CRM, "secret", NULL);
	emulator_stop (&oro);
	emulator_stop (&graph);
}

/* ---- Microsoft sign-in from a run ----------------------------------------- */

static gboolean progress_finished (gpointer data);

static void
sign_in_code_cb (CsSyncProfile *sp, const gchar *uri, const gchar *code, gpointer data)
{
	CsSignInDialog **dialog = data;
	*dialog = cs_sign_in_dialog_new (NULL, sp, uri, code);
	g_object_add_weak_pointer (G_OBJECT (*dialog), (gpointer *) dialog);
	gtk_widget_show (GTK_WIDGET (*dialog));
}

static gboolean
have_dialog (gpointer data)
{
	return *(CsSignInDialog **) data != NULL;
}

/* a run waits for the Microsoft sign-in with the code in a dialog; closing the dialog
 * stops the run (it would wait for the code to expire), and nothing is kept */
static void
test_sign_in_dialog_cancel (void)
{
	Emulator emu = {0};
	g_autofree gchar *dir = test_dir ("signin");
	g_autofree gchar *path = g_build_filename (dir, "mail.ini", NULL);
	g_autofree gchar *ini = NULL;
	g_autofree gchar *token = NULL;
	g_autoptr(CsSyncProfile) sp = NULL;
	g_autoptr(GError) error = NULL;
	CsSignInDialog *dialog = NULL;
	CsProgressWindow *win;

	emulator_start (&emu, "graph", "ada@contoso.example", "emulator");
	ini = g_strdup_printf ("[profile]\nname=Mail\ncrm=folder\noutlook=graph\nstate=state.db\n"
			       "[crm]\npath=crm\n[outlook]\nurl=%s\nauthority=%s\n", emu.url, emu.url);
	write_file (path, ini);
	sp = load_profile (path);
	g_signal_connect (sp, "sign-in-code", G_CALLBACK (sign_in_code_cb), &dialog);
	win = cs_progress_window_new (NULL, sp);
	g_object_ref_sink (win);
	gtk_widget_show (GTK_WIDGET (win));
	g_assert_true (cs_progress_window_start (win, CS_RUN_FLAG_NONE, &error));
	spin_until (have_dialog, &dialog);
	/* the code and the page, in the dialog */
	g_assert_cmpstr (cs_sign_in_dialog_get_code (dialog), !=, "");
	gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
	spin_until (progress_finished, win);
	g_assert_error ((GError *) cs_progress_window_get_error (win), G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_assert_null (dialog);
	token = cs_secrets_lookup (cs_sync_profile_get_secrets (sp), cs_profile_get_uid (cs_sync_profile_get_profile (sp)),
				   CS_SIDE_OUTLOOK, "refresh-token", NULL);
	g_assert_null (token);
	gtk_widget_destroy (GTK_WIDGET (win));
	g_object_unref (win);
	emulator_stop (&emu);
}

/* ---- mapping ----------------------------------------------------------- */

static gboolean
find_row (GtkTreeModel *model, const gchar *crm, GtkTreeIter *iter)
{
	if (!gtk_tree_model_get_iter_first (model, iter))
		return FALSE;
	do {
		g_autofree gchar *name = NULL;
		gtk_tree_model_get (model, iter, 0, &name, -1);
		if (g_strcmp0 (name, crm) == 0)
			return TRUE;
	} while (gtk_tree_model_iter_next (model, iter));
	return FALSE;
}

static void
edit_outlook_cell (CsMappingWindow *win, const gchar *crm, const gchar *value)
{
	GtkTreeModel *model = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_MAPPING_WINDOW, "fields_store"));
	GObject *renderer = gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_MAPPING_WINDOW, "outlook_renderer");
	GtkTreeIter iter;
	g_autofree gchar *path = NULL;
	gboolean editable;
	g_assert_true (find_row (model, crm, &iter));
	gtk_tree_model_get (model, &iter, 3, &editable, -1);
	g_assert_true (editable);
	path = gtk_tree_model_get_string_from_iter (model, &iter);
	g_signal_emit_by_name (renderer, "edited", path, value);
}

static void
test_mapping_edit (void)
{
	g_autofree gchar *path = folder_profile ("mapping", 0, NULL);
	g_autofree gchar *dir = g_path_get_dirname (path);
	g_autofree gchar *text = NULL;
	g_autofree gchar *map = NULL;
	g_autofree gchar *map_path = NULL;
	g_autoptr(CsSyncProfile) sp = NULL;
	CsMappingWindow *win;
	GtkTreeModel *fields;
	GtkTreeIter iter;
	gboolean fixed_editable = TRUE;
	GType t = CS_TYPE_MAPPING_WINDOW;

	/* the orocrm preset over folder sides that speak its schemas */
	write_file (path, "[profile]\nname=Mapping\ncrm=folder\noutlook=folder\npreset=orocrm\nstate=state.db\n"
			  "[crm]\npath=crm\nschema=orocrm\n[outlook]\npath=outlook\nschema=outlook\n");
	sp = load_profile (path);
	win = cs_mapping_window_new (NULL, sp);
	g_object_ref_sink (win);
	gtk_widget_show (GTK_WIDGET (win));

	/* the preset: contacts owned-by-me both ways */
	g_assert_cmpstr (gtk_combo_box_get_active_id (cs_mapping_window_get_direction_combo (win, CS_KIND_CONTACT)), ==, "both");
	gtk_combo_box_set_active_id (cs_mapping_window_get_direction_combo (win, CS_KIND_CONTACT), "crm-to-outlook");
	gtk_combo_box_set_active_id (cs_mapping_window_get_condition_combo (win, CS_KIND_TASK), "all");
	/* reminders in the user's units: the preset's 0:10 reads "10 minutes" */
	g_assert_cmpint (cs_duration_get (cs_mapping_window_get_reminder (win, CS_KIND_EVENT)), ==, 600);
	g_assert_cmpstr (gtk_combo_box_get_active_id (cs_duration_get_unit_combo (cs_mapping_window_get_reminder (win, CS_KIND_EVENT))), ==, "minutes");
	cs_duration_set (cs_mapping_window_get_reminder (win, CS_KIND_EVENT), 90 * 60);

	/* fixed rows cannot be edited; an ordinary row can */
	fields = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), t, "fields_store"));
	g_assert_true (find_row (fields, "firstName", &iter));
	gtk_tree_model_get (fields, &iter, 3, &fixed_editable, -1);
	g_assert_false (fixed_editable);
	{
		/* the user reads the schemas' labels, not the API names */
		g_autofree gchar *crm_label = NULL;
		g_autofree gchar *outlook_label = NULL;
		gtk_tree_model_get (fields, &iter, 7, &crm_label, 8, &outlook_label, -1);
		g_assert_cmpstr (crm_label, ==, "First name");
		g_assert_cmpstr (outlook_label, ==, "First name");
	}
	edit_outlook_cell (win, "middleName", "nickName");
	/* a choice in the cell is a label too */
	g_assert_true (find_row (fields, "middleName", &iter));
	{
		g_autofree gchar *outlook_label = NULL;
		gtk_tree_model_get (fields, &iter, 8, &outlook_label, -1);
		g_assert_cmpstr (outlook_label, ==, "Nickname");
	}
	/* a CRM field the preset leaves out appears and can be mapped */
	g_assert_true (find_row (fields, "namePrefix", &iter));
	edit_outlook_cell (win, "namePrefix", "title");

	gtk_button_clicked (GTK_BUTTON (child (win, t, "save_button")));
	flush ();
	g_assert_cmpint (gtk_info_bar_get_message_type (GTK_INFO_BAR (child (win, t, "infobar"))), ==, GTK_MESSAGE_INFO);
	text = read_file (path);
	g_assert_nonnull (strstr (text, "[contact]\ndirection=crm-to-outlook"));
	g_assert_nonnull (strstr (text, "[task]\ncondition=all"));
	g_assert_nonnull (strstr (text, "reminder=1:30"));
	g_assert_nonnull (strstr (text, "mapping=profile.mapping.json"));
	map_path = g_build_filename (dir, "profile.mapping.json", NULL);
	map = read_file (map_path);
	g_assert_nonnull (strstr (map, "\"nickName\""));
	g_assert_nonnull (strstr (map, "\"namePrefix\""));
	/* the engine reads it: the profile now loads the edited table */
	{
		g_autoptr(GError) error = NULL;
		CsEngine *engine = cs_sync_profile_get_engine (sp, &error);
		GPtrArray *rows;
		gboolean found = FALSE;
		g_assert_no_error (error);
		rows = cs_mapping_get_rows (cs_engine_get_mapping (engine), CS_KIND_CONTACT);
		for (guint i = 0; i < rows->len; i++) {
			CsMappingRow *r = g_ptr_array_index (rows, i);
			if (g_strcmp0 (r->crm, "middleName") == 0)
				found = g_strcmp0 (r->outlook[0], "nickName") == 0;
		}
		g_assert_true (found);
	}
	gtk_widget_destroy (GTK_WIDGET (win));
	g_object_unref (win);

	/* reset to the preset forgets both */
	win = cs_mapping_window_new (NULL, sp);
	g_object_ref_sink (win);
	g_assert_cmpstr (gtk_combo_box_get_active_id (cs_mapping_window_get_direction_combo (win, CS_KIND_CONTACT)), ==, "crm-to-outlook");
	{
		g_autofree gchar *export_path = g_build_filename (dir, "exported.json", NULL);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *exported = NULL;
		cs_mapping_window_export (win, export_path, &error);
		g_assert_no_error (error);
		exported = read_file (export_path);
		g_assert_nonnull (strstr (exported, "\"nickName\""));
	}
	g_clear_pointer (&text, g_free);
	gtk_button_clicked (GTK_BUTTON (child (win, t, "reset_button")));
	text = read_file (path);
	g_assert_null (strstr (text, "direction=crm-to-outlook"));
	g_assert_null (strstr (text, "mapping="));
	g_assert_false (g_file_test (map_path, G_FILE_TEST_EXISTS));
	g_assert_cmpstr (gtk_combo_box_get_active_id (cs_mapping_window_get_direction_combo (win, CS_KIND_CONTACT)), ==, "both");
	gtk_widget_destroy (GTK_WIDGET (win));
	g_object_unref (win);
}

/* ---- Sync all ---------------------------------------------------------- */

static gboolean
page_complete (gpointer data)
{
	GtkAssistant *a = data;
	GtkWidget *page = gtk_assistant_get_nth_page (a, gtk_assistant_get_current_page (a));
	return gtk_assistant_get_page_complete (a, page) && !cs_sync_all_assistant_is_busy (data);
}

static gboolean
has_report (gpointer data)
{
	return cs_sync_all_assistant_get_report (data) != NULL;
}

/* Sync all toward Outlook, its preview read: the preview's store and its tick */
static CsSyncAllAssistant *
sync_all_to_outlook (CsSyncProfile *sp, GtkTreeModel **model, GObject **tick)
{
	g_autoptr(GError) error = NULL;
	CsSyncAllAssistant *a = cs_sync_all_assistant_new (NULL, sp, &error);
	g_assert_no_error (error);
	g_object_ref_sink (a);
	gtk_widget_show (GTK_WIDGET (a));
	gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (a, CS_TYPE_SYNC_ALL_ASSISTANT, "to_outlook_radio")), TRUE);
	gtk_assistant_next_page (GTK_ASSISTANT (a));
	gtk_assistant_next_page (GTK_ASSISTANT (a));
	spin_until (page_complete, a);
	*model = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (a), CS_TYPE_SYNC_ALL_ASSISTANT, "plan_store"));
	*tick = gtk_widget_get_template_child (GTK_WIDGET (a), CS_TYPE_SYNC_ALL_ASSISTANT, "tick_renderer");
	return a;
}

static void
test_sync_all_ticked (void)
{
	g_autofree gchar *path = folder_profile ("syncall", 6, NULL);
	g_autofree gchar *out = side_dir (path, "outlook", "contact");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(GError) error = NULL;
	CsSyncAllAssistant *a = cs_sync_all_assistant_new (NULL, sp, &error);
	GtkTreeModel *model;
	GObject *tick;
	GtkTreeIter kind_iter, iter;
	g_autoptr(GHashTable) unticked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GDir) d = NULL;
	const gchar *name;
	guint n = 0;

	g_assert_no_error (error);
	g_object_ref_sink (a);
	gtk_widget_show (GTK_WIDGET (a));
	/* while the assistant is open the timers wait */
	g_assert_true (cs_sync_profile_is_busy (sp));
	g_assert_nonnull (cs_sync_all_assistant_get_kind_check (a, CS_KIND_CONTACT));
	gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (a, CS_TYPE_SYNC_ALL_ASSISTANT, "to_outlook_radio")), TRUE);
	gtk_assistant_next_page (GTK_ASSISTANT (a));	/* kinds */
	gtk_assistant_next_page (GTK_ASSISTANT (a));	/* preview: reads both sides */
	spin_until (page_complete, a);
	g_assert_nonnull (cs_sync_all_assistant_get_plan (a));
	/* while it read, the page said what and how far, not only a spinner */
	flush ();
	g_assert_cmpfloat (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (child (a, CS_TYPE_SYNC_ALL_ASSISTANT, "reading_bar"))), >, 0.0);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (a, CS_TYPE_SYNC_ALL_ASSISTANT, "reading_label"))), !=, "");

	/* untick the 2nd and 5th contact, as a user clicking their boxes */
	model = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (a), CS_TYPE_SYNC_ALL_ASSISTANT, "plan_store"));
	tick = gtk_widget_get_template_child (GTK_WIDGET (a), CS_TYPE_SYNC_ALL_ASSISTANT, "tick_renderer");
	g_assert_true (gtk_tree_model_get_iter_first (model, &kind_iter));
	g_assert_cmpint (gtk_tree_model_iter_n_children (model, &kind_iter), ==, 6);
	for (gint i = 0; i < 6; i++) {
		g_autofree gchar *label = NULL;
		gboolean on;
		g_assert_true (gtk_tree_model_iter_nth_child (model, &iter, &kind_iter, i));
		gtk_tree_model_get (model, &iter, 0, &on, 2, &label, -1);
		g_assert_true (on);
		if (i == 1 || i == 4) {
			g_autofree gchar *p = gtk_tree_model_get_string_from_iter (model, &iter);
			g_signal_emit_by_name (tick, "toggled", p);
			g_hash_table_add (unticked, g_steal_pointer (&label));
		}
	}
	{
		gboolean inconsistent;
		gtk_tree_model_get (model, &kind_iter, 1, &inconsistent, -1);
		g_assert_true (inconsistent);
	}
	gtk_assistant_next_page (GTK_ASSISTANT (a));	/* apply */
	spin_until (has_report, a);
	flush ();
	g_assert_cmpint (gtk_assistant_get_current_page (GTK_ASSISTANT (a)), ==, 4);

	/* exactly the ticked contacts reached Outlook */
	g_assert_cmpuint (count_files (out), ==, 4);
	d = g_dir_open (out, 0, &error);
	g_assert_no_error (error);
	while ((name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *file = g_build_filename (out, name, NULL);
		g_autofree gchar *json = read_file (file);
		GHashTableIter it;
		gpointer label;
		g_hash_table_iter_init (&it, unticked);
		while (g_hash_table_iter_next (&it, &label, NULL)) {
			g_autofree gchar *first = g_strndup (label, strlen ("First0000"));
			g_assert_null (strstr (json, first));
		}
		n++;
	}
	g_assert_cmpuint (n, ==, 4);
	/* and the run is in the history */
	{
		CsState *state = cs_sync_profile_get_state (sp, &error);
		g_autoptr(GPtrArray) runs = cs_state_get_runs (state, 5, NULL);
		g_assert_cmpuint (runs->len, ==, 1);
		g_assert_cmpstr (((CsRunInfo *) g_ptr_array_index (runs, 0))->trigger, ==, "sync-all");
		g_assert_cmpint (cs_state_count_links (state, CS_KIND_CONTACT, CS_SIDE_CRM), ==, 4);
	}
	gtk_widget_destroy (GTK_WIDGET (a));
	g_object_unref (a);
	flush ();
	g_assert_false (cs_sync_profile_is_busy (sp));
}

/* a folder ↔ folder profile with the OroCRM and Outlook schemas (their fields have labels) */
static gchar *
schema_profile (const gchar *base, const gchar *extra)
{
	g_autofree gchar *dir = test_dir (base);
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=%s\ncrm=folder\noutlook=folder\n"
						 "state=state.db\nsync-on-start=false\nsync-on-exit=false\n%s"
						 "[crm]\npath=crm\nschema=orocrm\n[outlook]\npath=outlook\nschema=outlook\n",
						 base, extra != NULL ? extra : "");
	gchar *path = g_build_filename (dir, "profile.ini", NULL);
	write_file (path, ini);
	return path;
}

static gchar *
outlook_file_for (CsSyncProfile *sp, const gchar *profile_path, const gchar *crm_id)
{
	g_autoptr(GError) error = NULL;
	CsState *state = cs_sync_profile_get_state (sp, &error);
	g_autoptr(CsLink) link = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *dir = side_dir (profile_path, "outlook", "contact");
	g_assert_no_error (error);
	link = cs_state_get_link (state, CS_KIND_CONTACT, CS_SIDE_CRM, crm_id, &error);
	g_assert_no_error (error);
	g_assert_nonnull (link);
	name = g_strdup_printf ("%s.json", link->outlook_id);
	return g_build_filename (dir, name, NULL);
}

/* the preview lists each record's field changes by the fields' labels; an unticked one is
 * not written */
static void
test_sync_all_field_changes (void)
{
	g_autofree gchar *path = schema_profile ("syncfields", "[contact]\ndirection=crm-to-outlook\n");
	g_autofree gchar *crm = side_dir (path, "crm", "contact");
	g_autoptr(CsSyncProfile) sp = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) first = NULL;
	g_autofree gchar *ada_out = NULL;
	g_autofree gchar *bob_out = NULL;
	g_autofree gchar *ada_text = NULL;
	g_autofree gchar *bob_text = NULL;
	CsSyncAllAssistant *a;
	GtkTreeModel *model;
	GObject *tick;
	GtkTreeIter kind_iter, iter, field;
	gboolean seen_ada = FALSE;

	write_file (g_build_filename (crm, "ada.json", NULL),
		    "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Analyst\"}");
	write_file (g_build_filename (crm, "bob.json", NULL),
		    "{\"firstName\": \"Bob\", \"lastName\": \"Babbage\", \"jobTitle\": \"Engineer\"}");
	sp = load_profile (path);
	first = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	ada_out = outlook_file_for (sp, path, "ada");
	bob_out = outlook_file_for (sp, path, "bob");
	write_file (g_build_filename (crm, "ada.json", NULL),
		    "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Head of analysis\"}");
	write_file (g_build_filename (crm, "bob.json", NULL),
		    "{\"firstName\": \"Bob\", \"lastName\": \"Babbage\", \"jobTitle\": \"Chief engineer\"}");

	a = sync_all_to_outlook (sp, &model, &tick);
	g_assert_true (gtk_tree_model_get_iter_first (model, &kind_iter));
	g_assert_cmpint (gtk_tree_model_iter_n_children (model, &kind_iter), ==, 2);
	for (gint i = 0; i < 2; i++) {
		g_autofree gchar *label = NULL;
		g_autofree gchar *text = NULL;
		g_autofree gchar *where = NULL;
		gboolean has_tick;
		g_assert_true (gtk_tree_model_iter_nth_child (model, &iter, &kind_iter, i));
		gtk_tree_model_get (model, &iter, 2, &label, -1);
		/* one field row: the job title, by its label, old → new, in Outlook */
		g_assert_cmpint (gtk_tree_model_iter_n_children (model, &iter), ==, 1);
		g_assert_true (gtk_tree_model_iter_children (model, &field, &iter));
		gtk_tree_model_get (model, &field, 2, &text, 3, &where, 6, &has_tick, -1);
		/* an update's field change has its own tick */
		g_assert_true (has_tick);
		g_assert_cmpstr (where, ==, "Outlook");
		if (g_str_has_prefix (label, "Ada")) {
			g_autofree gchar *p = gtk_tree_model_get_string_from_iter (model, &iter);
			g_assert_cmpstr (text, ==, "Job title: Analyst → Head of analysis");
			/* the user leaves Ada as she is */
			g_signal_emit_by_name (tick, "toggled", p);
			seen_ada = TRUE;
		} else {
			g_assert_cmpstr (text, ==, "Job title: Engineer → Chief engineer");
		}
	}
	g_assert_true (seen_ada);
	gtk_assistant_next_page (GTK_ASSISTANT (a));
	spin_until (has_report, a);
	flush ();
	ada_text = read_file (ada_out);
	bob_text = read_file (bob_out);
	g_assert_nonnull (strstr (ada_text, "\"Analyst\""));
	g_assert_null (strstr (ada_text, "Head of analysis"));
	g_assert_nonnull (strstr (bob_text, "Chief engineer"));
	gtk_widget_destroy (GTK_WIDGET (a));
	g_object_unref (a);
	flush ();
}


/* Sync all whose ticked updates a guard stops: the summary says so and confirms in place (no
 * command line needed); the same plan is applied then, with what the user left unticked */
static void
test_sync_all_guard_confirm (void)
{
	g_autofree gchar *path = folder_profile ("syncall-guard", 20, NULL);
	g_autofree gchar *crm = side_dir (path, "crm", "contact");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) first = NULL;
	CsSyncAllAssistant *a;
	GtkButton *confirm;
	GtkTreeModel *model;
	GObject *tick;
	GtkTreeIter kind_iter, rec;
	g_autofree gchar *left_label = NULL;
	guint clerks = 0;

	first = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	for (guint i = 0; i < 13; i++) {
		g_autofree gchar *name = g_strdup_printf ("c%04u.json", i);
		g_autofree gchar *file = g_build_filename (crm, name, NULL);
		g_autofree gchar *json = g_strdup_printf (
		    "{\"firstName\": \"First%04u\", \"lastName\": \"Last%04u\", \"jobTitle\": \"Clerk\"}", i, i);
		write_file (file, json);
	}
	a = sync_all_to_outlook (sp, &model, &tick);
	g_assert_true (gtk_tree_model_get_iter_first (model, &kind_iter));
	g_assert_cmpint (gtk_tree_model_iter_n_children (model, &kind_iter), ==, 13);
	/* one record left out: twelve of twenty still trip the guard */
	g_assert_true (gtk_tree_model_iter_nth_child (model, &rec, &kind_iter, 0));
	gtk_tree_model_get (model, &rec, 2, &left_label, -1);
	{
		g_autofree gchar *p = gtk_tree_model_get_string_from_iter (model, &rec);
		g_signal_emit_by_name (tick, "toggled", p);
	}
	gtk_assistant_next_page (GTK_ASSISTANT (a));
	spin_until (has_report, a);
	flush ();
	g_assert_cmpint (cs_run_report_get_status (cs_sync_all_assistant_get_report (a)), ==, CS_RUN_STOPPED);
	confirm = GTK_BUTTON (child (a, CS_TYPE_SYNC_ALL_ASSISTANT, "confirm_button"));
	g_assert_true (gtk_widget_get_visible (GTK_WIDGET (confirm)));
	g_assert_cmpstr (gtk_button_get_label (confirm), ==, "_Apply these changes");
	g_assert_null (strstr (gtk_label_get_text (GTK_LABEL (child (a, CS_TYPE_SYNC_ALL_ASSISTANT, "summary_label"))), "crmsync-cli"));
	gtk_button_clicked (confirm);
	spin_until (has_report, a);
	flush ();
	g_assert_cmpint (cs_run_report_get_status (cs_sync_all_assistant_get_report (a)), ==, CS_RUN_OK);
	g_assert_cmpint (gtk_assistant_get_current_page (GTK_ASSISTANT (a)), ==, 4);
	g_assert_false (gtk_widget_get_visible (GTK_WIDGET (confirm)));
	for (guint i = 0; i < 13; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%04u", i);
		g_autofree gchar *file = outlook_file_for (sp, path, id);
		g_autofree gchar *text = read_file (file);
		g_autofree gchar *first_name = g_strdup_printf ("First%04u", i);
		if (strstr (text, "Clerk") != NULL)
			clerks++;
		else
			g_assert_true (g_str_has_prefix (left_label, first_name));
	}
	g_assert_cmpuint (clerks, ==, 12);
	gtk_widget_destroy (GTK_WIDGET (a));
	g_object_unref (a);
	flush ();
}

/* ---- Sync all against the emulators: one field change left out ----------- */

typedef struct {
	OroEmu *oro;
	GSubprocess *graph;
	gchar *graph_url;
	gchar *token;
	SoupSession *session;
	gchar *profile;
} Emus;

static void
emus_start (Emus *e, const gchar *name)
{
	g_autofree gchar *dir = test_dir (name);
	g_autofree gchar *seed = g_build_filename (dir, "seed.json", NULL);
	g_autofree gchar *seed_arg = g_strdup_printf ("--seed=%s", seed);
	g_autofree gchar *key = g_build_filename (dir, "key", NULL);
	g_autofree gchar *ini = NULL;
	const gchar *oro_args[] = {seed_arg, NULL};
	const gchar *graph_args[] = {"--generate=0", NULL};

	write_file (seed, "{\"contacts\":[{\"type\":\"contacts\",\"id\":\"1\",\"attributes\":{"
			  "\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"gender\":\"female\","
			  "\"birthday\":\"1815-12-10\",\"jobTitle\":\"Analyst\"}},"
			  "{\"type\":\"contacts\",\"id\":\"2\",\"attributes\":{"
			  "\"firstName\":\"Karen\",\"lastName\":\"Blixen\",\"gender\":\"female\","
			  "\"birthday\":\"1885-04-17\",\"jobTitle\":\"Writer\"}}]}");
	e->oro = oro_emu_start (oro_args);
	e->graph = emu_launch_start ("graph", NULL, graph_args, &e->graph_url);
	e->session = soup_session_new ();
	write_file (key, ORO_TEST_KEY);
	g_chmod (key, 0600);
	e->profile = g_build_filename (dir, "profile.ini", NULL);
	ini = g_strdup_printf ("[profile]\nname=Sales\ncrm=orocrm\noutlook=graph\npreset=orocrm\n"
			       "conflict=manual\nstate=state.db\nsync-on-start=false\nsync-on-exit=false\n"
			       "[crm]\nurl=%s\nuser=admin\nsecret-file=key\n"
			       "[outlook]\nurl=%s\nauthority=%s\nclient-id=crmsync-test\n"
			       "[contact]\ndirection=both\ncondition=all\n[task]\ndirection=none\n"
			       "[event]\ndirection=none\n[email]\ndirection=none\n",
			       e->oro->url, e->graph_url, e->graph_url);
	write_file (e->profile, ini);
}

static void
emus_stop (Emus *e)
{
	emu_launch_stop (&e->graph);
	oro_emu_stop (e->oro);
	g_clear_object (&e->session);
	g_free (e->graph_url);
	g_free (e->token);
	g_free (e->profile);
}

static JsonNode *
graph_http (Emus *e, const gchar *method, const gchar *path, const gchar *body, guint *status)
{
	g_autofree gchar *url = g_strconcat (e->graph_url, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new (method, url);
	g_autoptr(GBytes) answer = NULL;
	if (e->token != NULL) {
		g_autofree gchar *auth = g_strdup_printf ("Bearer %s", e->token);
		soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
	}
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
		soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", b);
	}
	answer = soup_session_send_and_read (e->session, msg, NULL, NULL);
	*status = soup_message_get_status (msg);
	if (answer == NULL || g_bytes_get_size (answer) == 0)
		return NULL;
	return json_from_string (g_bytes_get_data (answer, NULL), NULL);
}

/* the Graph contact with this surname, as another app of the mailbox reads it */
static JsonObject *
graph_contact (Emus *e, const gchar *surname)
{
	g_autoptr(JsonNode) list = NULL;
	JsonArray *values;
	JsonObject *found = NULL;
	guint status;
	if (e->token == NULL) {
		g_autoptr(JsonNode) dc = graph_http (e, "POST", "/common/oauth2/v2.0/devicecode",
						     "client_id=tester&scope=Contacts.ReadWrite", &status);
		g_autofree gchar *poll = g_strdup_printf (
		    "grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=tester&device_code=%s",
		    json_object_get_string_member (json_node_get_object (dc), "device_code"));
		g_autoptr(JsonNode) pending = graph_http (e, "POST", "/common/oauth2/v2.0/token", poll, &status);
		g_autoptr(JsonNode) tok = graph_http (e, "POST", "/common/oauth2/v2.0/token", poll, &status);
		g_assert_cmpuint (status, ==, 200);
		e->token = g_strdup (json_object_get_string_member (json_node_get_object (tok), "access_token"));
	}
	list = graph_http (e, "GET", "/v1.0/me/contacts?$top=100", NULL, &status);
	g_assert_cmpuint (status, ==, 200);
	values = json_object_get_array_member (json_node_get_object (list), "value");
	for (guint i = 0; i < json_array_get_length (values); i++) {
		JsonObject *c = json_array_get_object_element (values, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (c, "surname", NULL), surname) == 0) {
			g_assert_null (found);
			found = json_object_ref (c);
		}
	}
	g_assert_nonnull (found);
	return found;
}

static void
oro_patch (Emus *e, const gchar *id, const gchar *attrs)
{
	g_autofree gchar *path = g_strdup_printf ("/api/contacts/%s", id);
	g_autofree gchar *body = g_strdup_printf (
	    "{\"data\":{\"type\":\"contacts\",\"id\":\"%s\",\"attributes\":%s}}", id, attrs);
	guint status = 0;
	g_autoptr(JsonNode) r = oro_emu_call (e->oro, "PATCH", path, body, &status);
	g_assert_cmpuint (status, ==, 200);
}

static JsonObject *
oro_contact (Emus *e, const gchar *id)
{
	g_autoptr(GHashTable) all = oro_emu_list (e->oro, "contacts");
	JsonObject *c = g_hash_table_lookup (all, id);
	g_assert_nonnull (c);
	return json_object_ref (c);
}

/* a field of a plan entry written to @side with the value @new_value */
static gboolean
plan_has_change (JsonArray *plan, const gchar *side, const gchar *field, const gchar *new_value)
{
	for (guint i = 0; plan != NULL && i < json_array_get_length (plan); i++) {
		JsonArray *changes = json_object_get_array_member (json_array_get_object_element (plan, i), "changes");
		for (guint c = 0; changes != NULL && c < json_array_get_length (changes); c++) {
			JsonObject *ch = json_array_get_object_element (changes, c);
			JsonNode *n = json_object_get_member (ch, "new");
			if (g_strcmp0 (json_object_get_string_member (ch, "side"), side) == 0 &&
			    g_strcmp0 (json_object_get_string_member (ch, "field"), field) == 0 &&
			    n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
			    g_strcmp0 (json_node_get_string (n), new_value) == 0)
				return TRUE;
		}
	}
	return FALSE;
}

/* OroCRM ↔ Microsoft 365 (emulated): the CRM changes two fields of Ada; Sync all to Outlook,
 * the user unticks one of them. The other reaches Outlook, the unticked one does not, the CRM
 * keeps both; and the next dry run (a plain one, reading only changes) offers the unticked
 * change again. Karen is changed a second later than Ada: the next run's OroCRM listing
 * starts after Ada's change and leaves her out, so it is the engine that must read her again */
static void
test_sync_all_field_unticked_emulators (void)
{
	Emus e = {0};
	g_autoptr(CsSyncProfile) sp = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) first = NULL;
	g_autoptr(CsRunReport) dry = NULL;
	g_autoptr(JsonObject) graph = NULL;
	g_autoptr(JsonObject) oro = NULL;
	CsSyncAllAssistant *a;
	GtkTreeModel *model;
	GObject *tick;
	GtkTreeIter kind_iter, rec, field;
	gboolean found = FALSE;

	emus_start (&e, "emu-ticks");
	sp = load_profile (e.profile);
	first = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_count (first, CS_COUNT_CREATED, CS_SIDE_OUTLOOK, CS_KIND_CONTACT), ==, 2);
	oro_patch (&e, "1", "{\"jobTitle\":\"Head of analysis\",\"middleName\":\"Augusta\"}");
	{
		/* OroCRM stamps changes by the second: Karen's comes in the next one */
		gint64 ada_second = g_get_real_time () / G_USEC_PER_SEC;
		while (g_get_real_time () / G_USEC_PER_SEC <= ada_second)
			g_usleep (20000);
	}
	oro_patch (&e, "2", "{\"jobTitle\":\"Baroness\"}");

	a = sync_all_to_outlook (sp, &model, &tick);
	g_assert_true (gtk_tree_model_get_iter_first (model, &kind_iter));
	g_assert_cmpint (gtk_tree_model_iter_n_children (model, &kind_iter), ==, 2);
	g_assert_true (gtk_tree_model_iter_children (model, &rec, &kind_iter));
	for (;;) {
		g_autofree gchar *label = NULL;
		gtk_tree_model_get (model, &rec, 2, &label, -1);
		if (g_strcmp0 (label, "Ada Lovelace") == 0)
			break;
		g_assert_true (gtk_tree_model_iter_next (model, &rec));
	}
	/* two field rows, each with a tick; the user unticks the middle name as a click would */
	g_assert_cmpint (gtk_tree_model_iter_n_children (model, &rec), ==, 2);
	g_assert_true (gtk_tree_model_iter_children (model, &field, &rec));
	do {
		g_autofree gchar *text = NULL;
		g_autofree gchar *where = NULL;
		gboolean has_tick, on;
		gtk_tree_model_get (model, &field, 0, &on, 2, &text, 3, &where, 6, &has_tick, -1);
		g_assert_true (has_tick);
		g_assert_true (on);
		g_assert_cmpstr (where, ==, "Outlook");
		if (g_str_has_prefix (text, "Middle name")) {
			g_autofree gchar *p = gtk_tree_model_get_string_from_iter (model, &field);
			g_assert_cmpstr (text, ==, "Middle name: (empty) → Augusta");
			g_signal_emit_by_name (tick, "toggled", p);
			gtk_tree_model_get (model, &field, 0, &on, -1);
			g_assert_false (on);
			found = TRUE;
		} else {
			g_assert_cmpstr (text, ==, "Job title: Analyst → Head of analysis");
		}
	} while (gtk_tree_model_iter_next (model, &field));
	g_assert_true (found);
	{
		/* the record stays ticked, in between: part of it is taken */
		gboolean on, partial;
		gtk_tree_model_get (model, &rec, 0, &on, 1, &partial, -1);
		g_assert_true (on);
		g_assert_true (partial);
		gtk_tree_model_get (model, &kind_iter, 1, &partial, -1);
		g_assert_true (partial);
		g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (child (a, CS_TYPE_SYNC_ALL_ASSISTANT, "preview_label"))),
					  "1 field change left out"));
	}
	gtk_assistant_next_page (GTK_ASSISTANT (a));
	spin_until (has_report, a);
	flush ();
	g_assert_cmpint (cs_run_report_get_status (cs_sync_all_assistant_get_report (a)), ==, CS_RUN_OK);
	gtk_widget_destroy (GTK_WIDGET (a));
	g_object_unref (a);
	flush ();

	/* both sides: Outlook has the new job title and no middle name; the CRM keeps both */
	graph = graph_contact (&e, "Lovelace");
	g_assert_cmpstr (json_object_get_string_member_with_default (graph, "jobTitle", NULL), ==, "Head of analysis");
	g_assert_null (json_object_get_string_member_with_default (graph, "middleName", NULL));
	oro = oro_contact (&e, "1");
	g_assert_cmpstr (oro_attr (oro, "jobTitle"), ==, "Head of analysis");
	g_assert_cmpstr (oro_attr (oro, "middleName"), ==, "Augusta");
	g_clear_pointer (&graph, json_object_unref);
	graph = graph_contact (&e, "Blixen");
	g_assert_cmpstr (json_object_get_string_member_with_default (graph, "jobTitle", NULL), ==, "Baroness");

	/* the next plain dry run still offers the middle name, and only it */
	dry = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_DRY_RUN, NULL, &error);
	g_assert_no_error (error);
	g_assert_true (plan_has_change (cs_run_report_get_plan (dry), "outlook", "middleName", "Augusta"));
	g_assert_false (plan_has_change (cs_run_report_get_plan (dry), "outlook", "jobTitle", "Head of analysis"));
	g_clear_object (&sp);
	emus_stop (&e);
}

/* ---- progress ---------------------------------------------------------- */

static gboolean
progress_finished (gpointer data)
{
	return cs_progress_window_is_finished (data);
}

static void
test_progress_complete (void)
{
	g_autofree gchar *path = folder_profile ("progress", 40, NULL);
	g_autofree gchar *out = side_dir (path, "outlook", "contact");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(GError) error = NULL;
	CsProgressWindow *win = cs_progress_window_new (NULL, sp);
	GType t = CS_TYPE_PROGRESS_WINDOW;

	g_object_ref_sink (win);
	gtk_widget_show (GTK_WIDGET (win));
	g_assert_true (cs_progress_window_start (win, CS_RUN_FLAG_NONE, &error));
	g_assert_no_error (error);
	/* the GTK thread is free while the engine works */
	g_assert_true (cs_sync_profile_is_busy (sp));
	spin_until (progress_finished, win);
	g_assert_nonnull (cs_progress_window_get_report (win));
	g_assert_null (cs_progress_window_get_error (win));
	g_assert_cmpfloat (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (child (win, t, "progress_bar"))), ==, 1.0);
	g_assert_true (gtk_widget_get_visible (child (win, t, "close_button")));
	g_assert_false (gtk_widget_get_visible (child (win, t, "cancel_button")));
	g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (child (win, t, "result_label"))), "Done: 40 created"));
	g_assert_cmpuint (count_files (out), ==, 40);
	g_assert_false (cs_sync_profile_is_busy (sp));
	gtk_widget_destroy (GTK_WIDGET (win));
	g_object_unref (win);
}

/* a mass deletion stops; the user sees it and confirms in the same window */
static void
test_progress_guard (void)
{
	g_autofree gchar *path = folder_profile ("guard", 20, NULL);
	g_autofree gchar *crm = side_dir (path, "crm", "contact");
	g_autofree gchar *out = side_dir (path, "outlook", "contact");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) first = NULL;
	CsProgressWindow *win;
	GType t = CS_TYPE_PROGRESS_WINDOW;

	first = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (count_files (out), ==, 20);
	for (guint i = 0; i < 10; i++) {
		g_autofree gchar *name = g_strdup_printf ("c%04u.json", i);
		g_autofree gchar *file = g_build_filename (crm, name, NULL);
		g_assert_cmpint (g_unlink (file), ==, 0);
	}
	win = cs_progress_window_new (NULL, sp);
	g_object_ref_sink (win);
	gtk_widget_show (GTK_WIDGET (win));
	g_assert_true (cs_progress_window_start (win, CS_RUN_FLAG_NONE, &error));
	spin_until (progress_finished, win);
	g_assert_cmpint (cs_run_report_get_status (cs_progress_window_get_report (win)), ==, CS_RUN_STOPPED);
	g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (child (win, t, "result_label"))), "Stopped"));
	g_assert_cmpuint (count_files (out), ==, 20);
	g_assert_true (gtk_widget_get_visible (child (win, t, "confirm_button")));

	gtk_button_clicked (GTK_BUTTON (child (win, t, "confirm_button")));
	g_assert_false (cs_progress_window_is_finished (win));
	spin_until (progress_finished, win);
	g_assert_cmpint (cs_run_report_get_status (cs_progress_window_get_report (win)), ==, CS_RUN_OK);
	g_assert_cmpuint (count_files (out), ==, 10);
	g_assert_false (gtk_widget_get_visible (child (win, t, "confirm_button")));
	gtk_widget_destroy (GTK_WIDGET (win));
	g_object_unref (win);
}

/* the guard's list shows what it stopped, record by record; what the user unticks stays */
static void
test_progress_guard_unticked (void)
{
	g_autofree gchar *path = folder_profile ("guard-ticks", 20, NULL);
	g_autofree gchar *crm = side_dir (path, "crm", "contact");
	g_autofree gchar *out = side_dir (path, "outlook", "contact");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) first = NULL;
	CsProgressWindow *win;
	GType t = CS_TYPE_PROGRESS_WINDOW;
	CsChangesView *list;
	GtkTreeModel *model;
	GtkTreeIter kind_iter, rec;
	GtkTreeViewColumn *tick_col;
	GList *cells;
	guint unticked = 0;

	first = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	for (guint i = 0; i < 10; i++) {
		g_autofree gchar *name = g_strdup_printf ("c%04u.json", i);
		g_autofree gchar *file = g_build_filename (crm, name, NULL);
		g_assert_cmpint (g_unlink (file), ==, 0);
	}
	win = cs_progress_window_new (NULL, sp);
	g_object_ref_sink (win);
	gtk_widget_show (GTK_WIDGET (win));
	g_assert_true (cs_progress_window_start (win, CS_RUN_FLAG_NONE, &error));
	spin_until (progress_finished, win);
	g_assert_cmpint (cs_run_report_get_status (cs_progress_window_get_report (win)), ==, CS_RUN_STOPPED);
	list = CS_CHANGES_VIEW (child (win, t, "plan_changes"));
	g_assert_true (gtk_widget_get_visible (GTK_WIDGET (list)));
	model = cs_changes_view_get_model (list);
	g_assert_true (gtk_tree_model_get_iter_first (model, &kind_iter));
	g_assert_cmpint (gtk_tree_model_iter_n_children (model, &kind_iter), ==, 10);
	tick_col = gtk_tree_view_get_column (cs_changes_view_get_tree_view (list), 0);
	cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (tick_col));
	/* untick the first two deletions, as a user clicking their boxes */
	for (gint i = 0; i < 2; i++) {
		g_autofree gchar *p = NULL;
		g_autofree gchar *where = NULL;
		g_assert_true (gtk_tree_model_iter_nth_child (model, &rec, &kind_iter, i));
		gtk_tree_model_get (model, &rec, CS_CHANGES_COL_WHERE, &where, -1);
		g_assert_cmpstr (where, ==, "Delete from Outlook");
		p = gtk_tree_model_get_string_from_iter (model, &rec);
		g_signal_emit_by_name (cells->data, "toggled", p);
		unticked++;
	}
	g_list_free (cells);
	g_assert_cmpuint (cs_changes_view_count_unticked (list), ==, unticked);
	gtk_button_clicked (GTK_BUTTON (child (win, t, "confirm_button")));
	spin_until (progress_finished, win);
	g_assert_no_error ((GError *) cs_progress_window_get_error (win));
	g_assert_cmpint (cs_run_report_get_status (cs_progress_window_get_report (win)), ==, CS_RUN_OK);
	/* eight deleted, the two unticked still in Outlook */
	g_assert_cmpuint (count_files (out), ==, 12);
	gtk_widget_destroy (GTK_WIDGET (win));
	g_object_unref (win);
}

/* a mass update stopped by its guard: in its list the user unticks one field change of one
 * record, confirms, and that record gets its other change only */
static void
test_progress_guard_field_unticked (void)
{
	g_autofree gchar *path = folder_profile ("guard-fields", 20, NULL);
	g_autofree gchar *crm = side_dir (path, "crm", "contact");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) first = NULL;
	g_autofree gchar *left_file = NULL;
	g_autofree gchar *left_crm = NULL;
	g_autofree gchar *left_label = NULL;
	g_autofree gchar *other_file = NULL;
	g_autofree gchar *text = NULL;
	CsProgressWindow *win;
	GType t = CS_TYPE_PROGRESS_WINDOW;
	CsChangesView *list;
	GtkTreeModel *model;
	GtkTreeIter kind_iter, rec, field;
	GList *cells;
	gboolean done = FALSE;

	first = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	/* twelve of twenty get a job title and a phone: over the guard's 20 % */
	for (guint i = 0; i < 12; i++) {
		g_autofree gchar *name = g_strdup_printf ("c%04u.json", i);
		g_autofree gchar *file = g_build_filename (crm, name, NULL);
		g_autofree gchar *json = g_strdup_printf (
		    "{\"firstName\": \"First%04u\", \"lastName\": \"Last%04u\", \"jobTitle\": \"Clerk\", "
		    "\"phone\": \"+45 %u\"}", i, i, i);
		write_file (file, json);
	}
	win = cs_progress_window_new (NULL, sp);
	g_object_ref_sink (win);
	gtk_widget_show (GTK_WIDGET (win));
	g_assert_true (cs_progress_window_start (win, CS_RUN_FLAG_NONE, &error));
	spin_until (progress_finished, win);
	g_assert_cmpint (cs_run_report_get_status (cs_progress_window_get_report (win)), ==, CS_RUN_STOPPED);
	g_assert_cmpint (cs_run_report_get_guard_confirm (cs_progress_window_get_report (win)), ==, CS_RUN_FLAG_FORCE);
	list = CS_CHANGES_VIEW (child (win, t, "plan_changes"));
	model = cs_changes_view_get_model (list);
	g_assert_true (gtk_tree_model_get_iter_first (model, &kind_iter));
	g_assert_cmpint (gtk_tree_model_iter_n_children (model, &kind_iter), ==, 12);
	g_assert_true (gtk_tree_model_iter_nth_child (model, &rec, &kind_iter, 0));
	gtk_tree_model_get (model, &rec, CS_CHANGES_COL_TEXT, &left_label, -1);
	cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (gtk_tree_view_get_column (cs_changes_view_get_tree_view (list), 0)));
	/* the first record's phone, unticked as a click would */
	g_assert_true (gtk_tree_model_iter_children (model, &field, &rec));
	do {
		g_autofree gchar *ftext = NULL;
		gboolean has_tick;
		gtk_tree_model_get (model, &field, CS_CHANGES_COL_TEXT, &ftext, CS_CHANGES_COL_HAS_TICK, &has_tick, -1);
		g_assert_true (has_tick);
		if (g_str_has_prefix (ftext, "phone:")) {
			g_autofree gchar *p = gtk_tree_model_get_string_from_iter (model, &field);
			g_signal_emit_by_name (cells->data, "toggled", p);
			done = TRUE;
		}
	} while (gtk_tree_model_iter_next (model, &field));
	g_list_free (cells);
	g_assert_true (done);
	{
		gboolean on, partial;
		gtk_tree_model_get (model, &rec, CS_CHANGES_COL_TICK, &on, CS_CHANGES_COL_PARTIAL, &partial, -1);
		g_assert_true (on);
		g_assert_true (partial);
	}
	g_assert_cmpuint (cs_changes_view_count_unticked (list), ==, 1);
	/* a mass update, not a deletion: the button says so */
	g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (child (win, t, "confirm_button"))), ==, "_Apply these changes");
	gtk_button_clicked (GTK_BUTTON (child (win, t, "confirm_button")));
	spin_until (progress_finished, win);
	g_assert_no_error ((GError *) cs_progress_window_get_error (win));
	g_assert_cmpint (cs_run_report_get_status (cs_progress_window_get_report (win)), ==, CS_RUN_OK);

	/* the record unticked in part: its job title in Outlook, not its phone */
	g_assert_true (g_str_has_prefix (left_label, "First"));
	left_crm = g_strdup_printf ("c%.4s", left_label + strlen ("First"));
	left_file = outlook_file_for (sp, path, left_crm);
	text = read_file (left_file);
	g_assert_nonnull (strstr (text, "Clerk"));
	g_assert_null (strstr (text, "+45"));
	g_clear_pointer (&text, g_free);
	other_file = outlook_file_for (sp, path, g_str_equal (left_crm, "c0001") ? "c0002" : "c0001");
	text = read_file (other_file);
	g_assert_nonnull (strstr (text, "Clerk"));
	g_assert_nonnull (strstr (text, "+45"));
	gtk_widget_destroy (GTK_WIDGET (win));
	g_object_unref (win);
}

/* the worker stops on its first write until the test has pressed Cancel */
typedef struct {
	GMutex lock;
	GCond cond;
	gboolean reached;
	gboolean clicked;
} CancelGate;

static void
gate_progress_cb (CsEngine *engine, gint phase, gdouble fraction, const gchar *message, gpointer data)
{
	CancelGate *g = data;
	if (phase != CS_PHASE_APPLY || fraction < 0.7 || message == NULL || !g_str_has_prefix (message, "Writing"))
		return;
	g_mutex_lock (&g->lock);
	g->reached = TRUE;
	g_main_context_wakeup (NULL);
	while (!g->clicked)
		g_cond_wait (&g->cond, &g->lock);
	g_mutex_unlock (&g->lock);
}

static gboolean
gate_reached (gpointer data)
{
	CancelGate *g = data;
	gboolean r;
	g_mutex_lock (&g->lock);
	r = g->reached;
	g_mutex_unlock (&g->lock);
	return r;
}

static void
test_progress_cancel (void)
{
	g_autofree gchar *path = folder_profile ("cancel", 350, NULL);
	g_autofree gchar *out = side_dir (path, "outlook", "contact");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(GError) error = NULL;
	CsProgressWindow *win = cs_progress_window_new (NULL, sp);
	CsEngine *engine = cs_sync_profile_get_engine (sp, &error);
	CancelGate gate = {0};
	gulong id;
	guint written;
	CsState *state;
	g_autoptr(CsRunReport) report = NULL;

	g_assert_no_error (error);
	g_mutex_init (&gate.lock);
	g_cond_init (&gate.cond);
	id = g_signal_connect (engine, "progress", G_CALLBACK (gate_progress_cb), &gate);
	g_object_ref_sink (win);
	gtk_widget_show (GTK_WIDGET (win));
	g_assert_true (cs_progress_window_start (win, CS_RUN_FLAG_NONE, &error));
	spin_until (gate_reached, &gate);
	/* midway: one batch written, more to come */
	gtk_button_clicked (GTK_BUTTON (child (win, CS_TYPE_PROGRESS_WINDOW, "cancel_button")));
	g_assert_true (g_cancellable_is_cancelled (cs_progress_window_get_cancellable (win)));
	g_mutex_lock (&gate.lock);
	gate.clicked = TRUE;
	g_cond_signal (&gate.cond);
	g_mutex_unlock (&gate.lock);
	spin_until (progress_finished, win);
	g_signal_handler_disconnect (engine, id);

	g_assert_error ((GError *) cs_progress_window_get_error (win), G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (child (win, CS_TYPE_PROGRESS_WINDOW, "result_label"))), "Cancelled"));
	/* consistent: what was written is exactly what the state links */
	written = count_files (out);
	g_assert_cmpuint (written, >, 0);
	g_assert_cmpuint (written, <, 350);
	state = cs_sync_profile_get_state (sp, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_state_count_links (state, CS_KIND_CONTACT, CS_SIDE_OUTLOOK), ==, written);
	/* and the next run finishes the job without duplicates */
	report = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_total (report, CS_COUNT_CREATED), ==, 350 - written);
	g_assert_cmpuint (count_files (out), ==, 350);
	g_assert_cmpint (cs_state_count_links (state, CS_KIND_CONTACT, CS_SIDE_OUTLOOK), ==, 350);
	gtk_widget_destroy (GTK_WIDGET (win));
	g_object_unref (win);
	g_mutex_clear (&gate.lock);
	g_cond_clear (&gate.cond);
}

/* one registered app for the window tests: a GApplication stays exported on the bus */
static CsApplication *shared_app;

/* ---- main window ------------------------------------------------------- */

static gboolean
dialog_finished (gpointer data)
{
	CsAppWindow *win = data;
	GtkWindow *d = cs_app_window_get_last_dialog (win);
	return d != NULL && CS_IS_PROGRESS_WINDOW (d) && cs_progress_window_is_finished (CS_PROGRESS_WINDOW (d));
}

static void
test_window_state (void)
{
	g_autofree gchar *profiles = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", NULL);
	g_autofree gchar *path = g_build_filename (profiles, "a.ini", NULL);
	g_autofree gchar *crm = g_build_filename (g_get_user_data_dir (), "win", "crm", "contact", NULL);
	CsApplication *app;
	g_autoptr(GError) error = NULL;
	CsAppWindow *win;
	GtkTreeModel *history, *counts, *skips;
	GtkTreeIter iter;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=Window test\ncrm=folder\noutlook=folder\n"
						 "sync-on-start=false\nsync-on-exit=false\n[crm]\npath=%s/win/crm\n"
						 "schema=orocrm\n[outlook]\npath=%s/win/outlook\nschema=outlook\n"
						 "[contact]\ndirection=crm-to-outlook\n",
						 g_get_user_data_dir (), g_get_user_data_dir ());

	write_file (path, ini);
	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *name = g_strdup_printf ("c%u.json", i);
		g_autofree gchar *file = g_build_filename (crm, name, NULL);
		write_file (file, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}");
	}
	app = shared_app = cs_application_new ();
	g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
	g_application_register (G_APPLICATION (app), NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_application_get_profiles (app)->len, ==, 1);
	win = cs_app_window_new (app);
	gtk_widget_show (GTK_WIDGET (win));
	g_assert_nonnull (cs_app_window_get_selected (win));
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, CS_TYPE_APP_WINDOW, "name_label"))), ==, "Window test");
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, CS_TYPE_APP_WINDOW, "last_run_label"))), ==, "never");

	gtk_button_clicked (GTK_BUTTON (child (win, CS_TYPE_APP_WINDOW, "sync_now_button")));
	spin_until (dialog_finished, win);
	flush ();
	history = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "history_store"));
	counts = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "counts_store"));
	skips = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "skips_store"));
	g_assert_cmpint (gtk_tree_model_iter_n_children (history, NULL), ==, 1);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, CS_TYPE_APP_WINDOW, "last_run_label"))), !=, "never");
	/* contacts: 3 linked, 3 created in Outlook by the last run */
	g_assert_true (gtk_tree_model_get_iter_first (counts, &iter));
	{
		g_autofree gchar *kind = NULL;
		g_autofree gchar *outlook = NULL;
		gint linked;
		gtk_tree_model_get (counts, &iter, 0, &kind, 1, &linked, 3, &outlook, -1);
		g_assert_cmpstr (kind, ==, "Contacts");
		g_assert_cmpint (linked, ==, 3);
		g_assert_true (g_str_has_prefix (outlook, "+3"));
	}
	g_assert_cmpint (gtk_tree_model_iter_n_children (skips, NULL), ==, 0);
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

/* manual strategy: a field changed on both sides waits in the window; the user keeps one */
static void
test_window_conflict (void)
{
	g_autofree gchar *profiles = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", NULL);
	g_autofree gchar *path = g_build_filename (profiles, "c.ini", NULL);
	g_autofree gchar *root = g_build_filename (g_get_user_data_dir (), "conflict", NULL);
	g_autofree gchar *crm_file = g_build_filename (root, "crm", "contact", "ada.json", NULL);
	CsApplication *app = shared_app;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) r1 = NULL;
	g_autoptr(CsRunReport) r2 = NULL;
	g_autoptr(CsRunReport) r3 = NULL;
	g_autoptr(GPtrArray) links = NULL;
	g_autofree gchar *out_file = NULL;
	g_autofree gchar *crm_text = NULL;
	CsSyncProfile *sp;
	CsEngine *engine;
	CsAppWindow *win;
	GtkTreeModel *conflicts;
	GtkTreeView *view;
	GtkTreeIter iter;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=Conflicts\ncrm=folder\noutlook=folder\nconflict=manual\n"
						 "sync-on-start=false\nsync-on-exit=false\n[crm]\npath=%s/crm\n"
						 "[outlook]\npath=%s/outlook\n", root, root);

	write_file (path, ini);
	write_file (crm_file, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Analyst\"}");
	g_assert_nonnull (app);
	sp = cs_application_add_profile (app, path, &error);
	g_assert_no_error (error);
	engine = cs_sync_profile_get_engine (sp, &error);
	g_assert_no_error (error);
	r1 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	links = cs_state_get_links (cs_engine_get_state (engine), CS_KIND_CONTACT, &error);
	g_assert_cmpuint (links->len, ==, 1);
	{
		g_autofree gchar *name = g_strdup_printf ("%s.json", ((CsLink *) g_ptr_array_index (links, 0))->outlook_id);
		out_file = g_build_filename (root, "outlook", "contact", name, NULL);
	}
	write_file (crm_file, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Head of analysis\"}");
	write_file (out_file, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Countess\"}");
	r2 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_n_conflicts (r2), ==, 1);

	win = cs_app_window_new (app);
	cs_app_window_select (win, sp);
	gtk_widget_show (GTK_WIDGET (win));
	conflicts = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "conflicts_store"));
	view = GTK_TREE_VIEW (child (win, CS_TYPE_APP_WINDOW, "conflicts_view"));
	g_assert_cmpint (gtk_tree_model_iter_n_children (conflicts, NULL), ==, 1);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, CS_TYPE_APP_WINDOW, "conflicts_tab_label"))), ==, "Conflicts (1)");
	g_assert_true (gtk_tree_model_get_iter_first (conflicts, &iter));
	{
		g_autofree gchar *item = NULL;
		g_autofree gchar *field = NULL;
		gtk_tree_model_get (conflicts, &iter, 1, &item, 2, &field, -1);
		g_assert_cmpstr (item, ==, "Ada Lovelace");
		g_assert_cmpstr (field, ==, "jobTitle");
	}
	{
		/* the "Field" column shows the schema's label, not the API name */
		g_autofree gchar *shown = column_text (view, "Field", &iter);
		g_assert_cmpstr (shown, ==, "Job title");
	}
	g_assert_false (gtk_widget_get_sensitive (child (win, CS_TYPE_APP_WINDOW, "keep_outlook_button")));
	gtk_tree_selection_select_iter (gtk_tree_view_get_selection (view), &iter);
	g_assert_true (gtk_widget_get_sensitive (child (win, CS_TYPE_APP_WINDOW, "keep_outlook_button")));
	gtk_button_clicked (GTK_BUTTON (child (win, CS_TYPE_APP_WINDOW, "keep_outlook_button")));
	g_assert_cmpint (gtk_tree_model_iter_n_children (conflicts, NULL), ==, 0);

	/* the next run carries the kept value to the CRM */
	r3 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	crm_text = read_file (crm_file);
	g_assert_nonnull (strstr (crm_text, "Countess"));
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

/* manual strategy: the user types a third value; the next run writes it on both sides */
static void
test_window_conflict_value (void)
{
	g_autofree gchar *path = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", "v.ini", NULL);
	g_autofree gchar *root = g_build_filename (g_get_user_data_dir (), "conflict-value", NULL);
	g_autofree gchar *crm_file = g_build_filename (root, "crm", "contact", "ada.json", NULL);
	g_autofree gchar *out_file = NULL;
	g_autofree gchar *crm_text = NULL;
	g_autofree gchar *out_text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) r1 = NULL;
	g_autoptr(CsRunReport) r2 = NULL;
	g_autoptr(CsRunReport) r3 = NULL;
	g_autoptr(GPtrArray) links = NULL;
	CsSyncProfile *sp;
	CsEngine *engine;
	CsAppWindow *win;
	GtkTreeModel *conflicts;
	GtkTreeIter iter;
	GType t = CS_TYPE_APP_WINDOW;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=Typed value\ncrm=folder\noutlook=folder\n"
						 "conflict=manual\nsync-on-start=false\nsync-on-exit=false\n"
						 "[crm]\npath=%s/crm\nschema=orocrm\n[outlook]\npath=%s/outlook\n"
						 "schema=outlook\n", root, root);

	write_file (path, ini);
	write_file (crm_file, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Analyst\"}");
	sp = cs_application_add_profile (shared_app, path, &error);
	g_assert_no_error (error);
	engine = cs_sync_profile_get_engine (sp, &error);
	r1 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	links = cs_state_get_links (cs_engine_get_state (engine), CS_KIND_CONTACT, &error);
	{
		g_autofree gchar *name = g_strdup_printf ("%s.json", ((CsLink *) g_ptr_array_index (links, 0))->outlook_id);
		g_autofree gchar *text = NULL;
		out_file = g_build_filename (root, "outlook", "contact", name, NULL);
		text = read_file (out_file);
		/* Outlook's own field name: the same title in another field */
		g_assert_nonnull (strstr (text, "Analyst"));
		write_file (out_file, "{\"givenName\": \"Ada\", \"surname\": \"Lovelace\", \"jobTitle\": \"Countess\"}");
	}
	write_file (crm_file, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Head of analysis\"}");
	r2 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_n_conflicts (r2), ==, 1);

	win = cs_app_window_new (shared_app);
	cs_app_window_select (win, sp);
	gtk_widget_show (GTK_WIDGET (win));
	conflicts = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), t, "conflicts_store"));
	g_assert_true (gtk_tree_model_get_iter_first (conflicts, &iter));
	{
		g_autofree gchar *crm = NULL;
		g_autofree gchar *outlook = NULL;
		g_autofree gchar *base = NULL;
		g_autofree gchar *label = NULL;
		gtk_tree_model_get (conflicts, &iter, 3, &crm, 4, &outlook, 7, &base, 9, &label, -1);
		/* both values side by side, as text, the last agreed one beside them */
		g_assert_cmpstr (crm, ==, "Head of analysis");
		g_assert_cmpstr (outlook, ==, "Countess");
		g_assert_cmpstr (base, ==, "Analyst");
		g_assert_cmpstr (label, ==, "Job title");
	}
	g_assert_false (gtk_widget_get_sensitive (child (win, t, "use_value_button")));
	gtk_tree_selection_select_iter (gtk_tree_view_get_selection (GTK_TREE_VIEW (child (win, t, "conflicts_view"))), &iter);
	gtk_entry_set_text (GTK_ENTRY (child (win, t, "value_entry")), "Countess and analyst");
	gtk_button_clicked (GTK_BUTTON (child (win, t, "use_value_button")));
	g_assert_cmpint (gtk_tree_model_iter_n_children (conflicts, NULL), ==, 0);

	r3 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	crm_text = read_file (crm_file);
	out_text = read_file (out_file);
	g_assert_nonnull (strstr (crm_text, "Countess and analyst"));
	g_assert_nonnull (strstr (out_text, "Countess and analyst"));
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

static gboolean
review_settled (gpointer win)
{
	return !cs_app_window_is_reviewing (win);
}

/* the text of every label under @w, one string */
static void
collect_text (GtkWidget *w, GString *out)
{
	if (GTK_IS_LABEL (w))
		g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (w)));
	if (GTK_IS_CONTAINER (w)) {
		g_autoptr(GList) kids = gtk_container_get_children (GTK_CONTAINER (w));
		for (GList *l = kids; l != NULL; l = l->next)
			collect_text (l->data, out);
	}
}

static GtkWidget *
find_named (GtkWidget *w, const gchar *name)
{
	if (g_strcmp0 (gtk_widget_get_name (w), name) == 0)
		return w;
	if (GTK_IS_CONTAINER (w)) {
		g_autoptr(GList) kids = gtk_container_get_children (GTK_CONTAINER (w));
		for (GList *l = kids; l != NULL; l = l->next) {
			GtkWidget *hit = find_named (l->data, name);
			if (hit != NULL)
				return hit;
		}
	}
	return NULL;
}

/* the Duplicates tab's row naming @who, %NULL when none does */
static GtkWidget *
duplicate_row (CsAppWindow *win, const gchar *who, guint *n_rows)
{
	g_autoptr(GList) rows = gtk_container_get_children (
		GTK_CONTAINER (child (win, CS_TYPE_APP_WINDOW, "duplicates_list")));
	GtkWidget *hit = NULL;
	*n_rows = g_list_length (rows);
	for (GList *l = rows; l != NULL; l = l->next) {
		g_autoptr(GString) text = g_string_new (NULL);
		collect_text (l->data, text);
		if (strstr (text->str, who) != NULL)
			hit = l->data;
	}
	return hit;
}

/* The duplicate review: two pairs the matching held (the CRM knows a gender
 * Outlook does not); "link" makes one of them a pair the next sync merges,
 * "keep apart" leaves the other alone; neither is created twice */
static void
test_window_duplicates (void)
{
	g_autofree gchar *path = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", "dup.ini", NULL);
	g_autofree gchar *root = g_build_filename (g_get_user_data_dir (), "duplicates", NULL);
	g_autofree gchar *crm_dir = g_build_filename (root, "crm", "contact", NULL);
	g_autofree gchar *out_dir = g_build_filename (root, "outlook", "contact", NULL);
	g_autofree gchar *crm_ada = g_build_filename (crm_dir, "ada.json", NULL);
	g_autofree gchar *crm_bob = g_build_filename (crm_dir, "bob.json", NULL);
	g_autofree gchar *out_ada = g_build_filename (out_dir, "ada.json", NULL);
	g_autofree gchar *out_bob = g_build_filename (out_dir, "bob.json", NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) r1 = NULL;
	g_autoptr(CsRunReport) r2 = NULL;
	g_autoptr(CsRunReport) r3 = NULL;
	g_autoptr(GPtrArray) links = NULL;
	CsSyncProfile *sp;
	CsEngine *engine;
	CsAppWindow *win;
	GtkWidget *row;
	guint n_rows = 0;
	GType t = CS_TYPE_APP_WINDOW;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=Duplicates\ncrm=folder\noutlook=folder\n"
						 "conflict=crm-wins\nsync-on-start=false\nsync-on-exit=false\n"
						 "[crm]\npath=%s/crm\nschema=orocrm\n[outlook]\npath=%s/outlook\n"
						 "schema=outlook\n", root, root);

	write_file (path, ini);
	write_file (crm_ada, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"gender\": \"female\", "
			     "\"jobTitle\": \"Analyst\"}");
	write_file (out_ada, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}");
	write_file (crm_bob, "{\"firstName\": \"Bob\", \"lastName\": \"Builder\", \"gender\": \"male\"}");
	write_file (out_bob, "{\"firstName\": \"Bob\", \"lastName\": \"Builder\"}");
	sp = cs_application_add_profile (shared_app, path, &error);
	g_assert_no_error (error);
	engine = cs_sync_profile_get_engine (sp, &error);
	g_assert_no_error (error);
	r1 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	/* both pairs held: nothing created, nothing linked */
	g_assert_cmpuint (cs_run_report_get_n_review (r1), ==, 2);
	g_assert_cmpuint (count_files (crm_dir), ==, 2);
	g_assert_cmpuint (count_files (out_dir), ==, 2);

	win = cs_app_window_new (shared_app);
	cs_app_window_select (win, sp);
	gtk_widget_show (GTK_WIDGET (win));
	/* looked up when the tab is opened */
	{
		GtkNotebook *nb = GTK_NOTEBOOK (child (win, t, "notebook"));
		gtk_notebook_set_current_page (nb, gtk_notebook_page_num (nb, child (win, t, "duplicates_page")));
	}
	spin_until (review_settled, win);
	row = duplicate_row (win, "Ada Lovelace", &n_rows);
	g_assert_cmpuint (n_rows, ==, 2);
	g_assert_nonnull (row);
	{
		g_autoptr(GString) shown = g_string_new (NULL);
		collect_text (row, shown);
		/* the kind, both records by side and name, the reason and what each action does */
		g_assert_nonnull (strstr (shown->str, "Contact"));
		g_assert_nonnull (strstr (shown->str, "CRM: Ada Lovelace"));
		g_assert_nonnull (strstr (shown->str, "Outlook: Ada Lovelace"));
		g_assert_nonnull (strstr (shown->str, "merges"));
	}
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, t, "duplicates_tab_label"))), ==,
			 "Duplicates (2)");

	gtk_button_clicked (GTK_BUTTON (find_named (row, "link")));
	spin_until (review_settled, win);
	{
		/* before it is linked, what the merge writes (crm-wins: the CRM's gender and job
		 * title to Outlook); nothing recorded yet */
		GtkWindow *ask = cs_app_window_get_last_dialog (win);
		g_autoptr(GString) shown = g_string_new (NULL);
		g_autoptr(GPtrArray) none = NULL;
		g_assert_true (GTK_IS_DIALOG (ask));
		g_assert_cmpstr (gtk_window_get_title (ask), ==, "Link these two records?");
		collect_text (GTK_WIDGET (ask), shown);
		g_assert_nonnull (strstr (shown->str, "Nothing has been changed yet"));
		{
			CsChangesView *view = NULL;
			GtkTreeModel *model;
			GtkTreeIter kind_iter, rec, f;
			gboolean job = FALSE;
			g_autoptr(GList) kids = gtk_container_get_children (GTK_CONTAINER (gtk_dialog_get_content_area (GTK_DIALOG (ask))));
			for (GList *l = kids; l != NULL; l = l->next)
				if (CS_IS_CHANGES_VIEW (l->data))
					view = l->data;
			g_assert_nonnull (view);
			model = cs_changes_view_get_model (view);
			g_assert_true (gtk_tree_model_get_iter_first (model, &kind_iter));
			g_assert_true (gtk_tree_model_iter_children (model, &rec, &kind_iter));
			g_assert_true (gtk_tree_model_iter_children (model, &f, &rec));
			do {
				g_autofree gchar *ftext = NULL;
				g_autofree gchar *where = NULL;
				gtk_tree_model_get (model, &f, CS_CHANGES_COL_TEXT, &ftext, CS_CHANGES_COL_WHERE, &where, -1);
				if (g_strcmp0 (ftext, "Job title: (empty) → Analyst") == 0) {
					g_assert_cmpstr (where, ==, "Outlook");
					job = TRUE;
				}
			} while (gtk_tree_model_iter_next (model, &f));
			g_assert_true (job);
		}
		none = cs_state_get_links (cs_engine_get_state (engine), CS_KIND_CONTACT, &error);
		g_assert_no_error (error);
		g_assert_cmpuint (none->len, ==, 0);
		g_assert_nonnull (duplicate_row (win, "Ada Lovelace", &n_rows));
		gtk_dialog_response (GTK_DIALOG (ask), GTK_RESPONSE_ACCEPT);
	}
	spin_until (review_settled, win);
	g_assert_null (duplicate_row (win, "Ada Lovelace", &n_rows));
	g_assert_cmpuint (n_rows, ==, 1);
	row = duplicate_row (win, "Bob Builder", &n_rows);
	g_assert_nonnull (row);
	gtk_button_clicked (GTK_BUTTON (find_named (row, "keep-apart")));
	spin_until (review_settled, win);
	/* the empty state */
	g_assert_null (duplicate_row (win, "Bob Builder", &n_rows));
	g_assert_cmpuint (n_rows, ==, 0);
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, t, "duplicates_tab_label"))), ==,
			 "Duplicates (0)");

	r2 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	/* one record per side for each: the linked pair merged, the parted one left alone */
	g_assert_cmpuint (cs_run_report_get_total (r2, CS_COUNT_CREATED), ==, 0);
	g_assert_cmpuint (cs_run_report_get_n_review (r2), ==, 0);
	g_assert_cmpuint (count_files (crm_dir), ==, 2);
	g_assert_cmpuint (count_files (out_dir), ==, 2);
	links = cs_state_get_links (cs_engine_get_state (engine), CS_KIND_CONTACT, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (links->len, ==, 1);
	g_assert_cmpstr (((CsLink *) g_ptr_array_index (links, 0))->crm_id, ==, "ada");
	g_assert_cmpstr (((CsLink *) g_ptr_array_index (links, 0))->outlook_id, ==, "ada");
	text = read_file (out_ada);
	g_assert_nonnull (strstr (text, "Analyst"));
	g_free (text);
	text = read_file (out_bob);
	/* kept apart: untouched, though the CRM's Bob has a gender this one lacks */
	g_assert_cmpstr (text, ==, "{\"firstName\": \"Bob\", \"lastName\": \"Builder\"}");
	/* and it stays so */
	r3 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_total (r3, CS_COUNT_CREATED), ==, 0);
	g_assert_cmpuint (count_files (crm_dir), ==, 2);
	g_assert_cmpuint (count_files (out_dir), ==, 2);
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

static gboolean
undo_settled (gpointer data)
{
	return !cs_undo_dialog_is_busy (data);
}

/* an undo that both guards stop (eight deletions, twelve job titles taken back): its preview
 * says so and the click confirms; the second guard asks once more, and the two confirmed
 * together take the run back (they do not take turns) */
static void
test_undo_dialog_two_guards (void)
{
	g_autofree gchar *path = folder_profile ("undo-guards", 20, NULL);
	g_autofree gchar *crm = side_dir (path, "crm", "contact");
	g_autofree gchar *out = side_dir (path, "outlook", "contact");
	g_autoptr(CsSyncProfile) sp = load_profile (path);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) first = NULL;
	g_autoptr(CsRunReport) second = NULL;
	CsUndoDialog *dialog;
	GtkButton *button;
	guint clicks = 0;

	first = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	for (guint i = 0; i < 20; i++) {
		g_autofree gchar *name = g_strdup_printf (i < 12 ? "c%04u.json" : "n%04u.json", i);
		g_autofree gchar *file = g_build_filename (crm, name, NULL);
		g_autofree gchar *json = g_strdup_printf (
		    i < 12 ? "{\"firstName\": \"First%04u\", \"lastName\": \"Last%04u\", \"jobTitle\": \"Clerk\"}"
			   : "{\"firstName\": \"New%04u\", \"lastName\": \"Person%04u\"}", i, i);
		write_file (file, json);
	}
	second = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_FORCE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_run_report_get_status (second), ==, CS_RUN_OK);
	g_assert_cmpuint (count_files (out), ==, 28);

	dialog = cs_undo_dialog_new (NULL, sp, &error);
	g_assert_no_error (error);
	g_object_ref_sink (dialog);
	gtk_widget_show (GTK_WIDGET (dialog));
	spin_until (undo_settled, dialog);
	g_assert_cmpint (cs_run_report_get_status (cs_undo_dialog_get_preview (dialog)), ==, CS_RUN_STOPPED);
	button = GTK_BUTTON (cs_undo_dialog_get_undo_button (dialog));
	g_assert_cmpstr (gtk_button_get_label (button), ==, "_Confirm and undo");
	g_assert_cmpuint (count_files (out), ==, 28);
	while (!cs_undo_dialog_is_done (dialog)) {
		g_assert_cmpuint (clicks, <, 2);
		g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button)));
		gtk_button_clicked (button);
		clicks++;
		spin_until (undo_settled, dialog);
		g_assert_nonnull (cs_undo_dialog_get_report (dialog));
	}
	g_assert_cmpint (cs_run_report_get_status (cs_undo_dialog_get_report (dialog)), ==, CS_RUN_OK);
	g_assert_cmpuint (count_files (out), ==, 20);
	for (guint i = 0; i < 12; i++) {
		g_autofree gchar *id = g_strdup_printf ("c%04u", i);
		g_autofree gchar *file = outlook_file_for (sp, path, id);
		g_autofree gchar *text = read_file (file);
		g_assert_null (strstr (text, "Clerk"));
	}
	gtk_widget_destroy (GTK_WIDGET (dialog));
	g_object_unref (dialog);
	flush ();
}

/* History: a run's changes when selected, the chart, and Undo with its preview restoring
 * both sides */
static void
test_window_history_undo (void)
{
	g_autofree gchar *path = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", "u.ini", NULL);
	g_autofree gchar *root = g_build_filename (g_get_user_data_dir (), "undo", NULL);
	g_autofree gchar *crm_dir = g_build_filename (root, "crm", "contact", NULL);
	g_autofree gchar *out_dir = g_build_filename (root, "outlook", "contact", NULL);
	g_autofree gchar *ada = g_build_filename (crm_dir, "ada.json", NULL);
	g_autofree gchar *ada_out = NULL;
	g_autofree gchar *ada_out_before = NULL;
	g_autofree gchar *ada_out_after = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) r1 = NULL;
	g_autoptr(CsRunReport) r2 = NULL;
	g_autoptr(GPtrArray) links = NULL;
	CsSyncProfile *sp;
	CsEngine *engine;
	CsAppWindow *win;
	CsUndoDialog *dialog;
	GtkTreeModel *history, *changes;
	GtkTreeIter iter, kind_iter, rec;
	CsHistoryChart *chart;
	GType t = CS_TYPE_APP_WINDOW;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=Undo\ncrm=folder\noutlook=folder\n"
						 "sync-on-start=false\nsync-on-exit=false\n"
						 "[crm]\npath=%s/crm\nschema=orocrm\n[outlook]\npath=%s/outlook\n"
						 "schema=outlook\n", root, root);

	write_file (path, ini);
	write_file (ada, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Analyst\"}");
	sp = cs_application_add_profile (shared_app, path, &error);
	g_assert_no_error (error);
	engine = cs_sync_profile_get_engine (sp, &error);
	r1 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	links = cs_state_get_links (cs_engine_get_state (engine), CS_KIND_CONTACT, &error);
	{
		g_autofree gchar *name = g_strdup_printf ("%s.json", ((CsLink *) g_ptr_array_index (links, 0))->outlook_id);
		ada_out = g_build_filename (out_dir, name, NULL);
	}
	ada_out_before = read_file (ada_out);
	/* the run to take back: an update to Outlook and a create in the CRM */
	write_file (ada, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"jobTitle\": \"Head of analysis\"}");
	write_file (g_build_filename (out_dir, "grace.json", NULL),
		    "{\"givenName\": \"Grace\", \"surname\": \"Hopper\"}");
	r2 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (count_files (crm_dir), ==, 2);

	win = cs_app_window_new (shared_app);
	cs_app_window_select (win, sp);
	gtk_widget_show (GTK_WIDGET (win));
	chart = CS_HISTORY_CHART (child (win, t, "history_chart"));
	g_assert_cmpuint (cs_history_chart_get_n_runs (chart), ==, 2);
	g_assert_cmpuint (cs_history_chart_get_total (chart, CS_COUNT_CREATED, CS_SIDE_CRM), ==, 1);
	g_assert_cmpuint (cs_history_chart_get_total (chart, CS_COUNT_CREATED, CS_SIDE_OUTLOOK), ==, 1);
	g_assert_cmpuint (cs_history_chart_get_total (chart, CS_COUNT_UPDATED, CS_SIDE_OUTLOOK), ==, 1);

	/* the newest run selected: Ada's job title in Outlook, Grace created in the CRM */
	history = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), t, "history_store"));
	g_assert_true (gtk_tree_model_get_iter_first (history, &iter));
	gtk_tree_selection_select_iter (gtk_tree_view_get_selection (GTK_TREE_VIEW (child (win, t, "history_view"))), &iter);
	changes = cs_changes_view_get_model (CS_CHANGES_VIEW (child (win, t, "history_changes")));
	g_assert_true (gtk_tree_model_get_iter_first (changes, &kind_iter));
	g_assert_cmpint (gtk_tree_model_iter_n_children (changes, &kind_iter), ==, 2);
	{
		gboolean found = FALSE;
		for (gint i = 0; i < 2; i++) {
			g_autofree gchar *label = NULL;
			g_assert_true (gtk_tree_model_iter_nth_child (changes, &rec, &kind_iter, i));
			gtk_tree_model_get (changes, &rec, CS_CHANGES_COL_TEXT, &label, -1);
			if (g_strcmp0 (label, "Ada Lovelace") == 0) {
				g_autofree gchar *text = NULL;
				g_autofree gchar *where = NULL;
				GtkTreeIter f;
				g_assert_true (gtk_tree_model_iter_children (changes, &f, &rec));
				gtk_tree_model_get (changes, &f, CS_CHANGES_COL_TEXT, &text, CS_CHANGES_COL_WHERE, &where, -1);
				g_assert_cmpstr (text, ==, "Job title: Analyst → Head of analysis");
				g_assert_cmpstr (where, ==, "Outlook");
				found = TRUE;
			}
		}
		g_assert_true (found);
	}

	/* Undo: the preview first, nothing written yet */
	g_assert_true (gtk_widget_get_sensitive (child (win, t, "undo_button")));
	gtk_button_clicked (GTK_BUTTON (child (win, t, "undo_button")));
	dialog = CS_UNDO_DIALOG (cs_app_window_get_last_dialog (win));
	g_assert_nonnull (dialog);
	spin_until (undo_settled, dialog);
	g_assert_nonnull (cs_undo_dialog_get_preview (dialog));
	/* while the user reads the plan, no timer changes what it shows */
	g_assert_true (cs_sync_profile_is_busy (sp));
	g_assert_cmpint (gtk_tree_model_iter_n_children (cs_changes_view_get_model (cs_undo_dialog_get_changes_view (dialog)), NULL), >, 0);
	g_assert_cmpuint (count_files (crm_dir), ==, 2);
	g_assert_true (gtk_widget_get_sensitive (cs_undo_dialog_get_undo_button (dialog)));
	gtk_button_clicked (GTK_BUTTON (cs_undo_dialog_get_undo_button (dialog)));
	g_assert_true (cs_undo_dialog_is_busy (dialog));
	spin_until (undo_settled, dialog);
	g_assert_true (cs_undo_dialog_is_done (dialog));
	g_assert_cmpint (cs_run_report_get_status (cs_undo_dialog_get_report (dialog)), ==, CS_RUN_OK);
	/* both sides as before the run: Grace gone from the CRM, Ada's title back in Outlook */
	g_assert_cmpuint (count_files (crm_dir), ==, 1);
	ada_out_after = read_file (ada_out);
	g_assert_nonnull (strstr (ada_out_after, "Analyst"));
	g_assert_null (strstr (ada_out_after, "Head of analysis"));
	gtk_widget_destroy (GTK_WIDGET (dialog));
	flush ();
	/* the timers go on once the dialog is gone */
	g_assert_false (cs_sync_profile_is_busy (sp));
	/* the undo is a run in the history too */
	g_assert_cmpint (gtk_tree_model_iter_n_children (history, NULL), ==, 3);
	{
		/* the run taken back says so */
		g_autofree gchar *detail = NULL;
		g_assert_true (gtk_tree_model_iter_nth_child (history, &iter, NULL, 1));
		gtk_tree_model_get (history, &iter, 3, &detail, -1);
		g_assert_cmpstr (detail, ==, "Undone");
	}
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

/* ---- honest state, removal, GNOME basics ------------------------------- */

static gboolean
run_failed (gpointer data)
{
	return cs_sync_profile_get_last_error (data) != NULL && !cs_sync_profile_is_busy (data);
}

/* Outlook's server cannot be reached: the profile says so (not "waiting"), in the list
 * and in a banner whose button tries again; a file with an error is listed too */
static void
test_window_failing (void)
{
	g_autofree gchar *profiles = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", NULL);
	g_autofree gchar *path = g_build_filename (profiles, "f.ini", NULL);
	g_autofree gchar *broken = g_build_filename (profiles, "zz-broken.ini", NULL);
	CsApplication *app = shared_app;
	g_autoptr(GError) error = NULL;
	CsSyncProfile *sp, *bad = NULL;
	CsAppWindow *win;
	GtkWidget *bar;
	const gchar *text;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=Unreachable\ncrm=folder\noutlook=graph\n"
						 "sync-on-start=false\nsync-on-exit=false\n[crm]\npath=%s/f/crm\n"
						 "[outlook]\nurl=http://127.0.0.1:1\nauthority=http://127.0.0.1:1\n",
						 g_get_user_data_dir ());

	write_file (path, ini);
	write_file (broken, "[profile]\nname=Broken\ncrm=folder\noutlook=folder\nconflict=sometimes\n");
	g_assert_nonnull (app);
	sp = cs_application_add_profile (app, path, &error);
	g_assert_no_error (error);
	win = cs_app_window_new (app);
	cs_app_window_select (win, sp);
	gtk_widget_show (GTK_WIDGET (win));
	bar = child (win, CS_TYPE_APP_WINDOW, "profile_bar");
	g_assert_false (gtk_widget_get_visible (bar));

	gtk_button_clicked (GTK_BUTTON (child (win, CS_TYPE_APP_WINDOW, "sync_now_button")));
	spin_until (run_failed, sp);
	flush ();
	/* the banner: what failed, in the user's words, and the button that helps */
	g_assert_true (gtk_widget_get_visible (bar));
	text = gtk_label_get_text (GTK_LABEL (child (win, CS_TYPE_APP_WINDOW, "profile_bar_label")));
	g_assert_nonnull (strstr (text, "Unreachable"));
	g_assert_nonnull (strstr (text, "Microsoft 365"));
	/* an unreachable server is not a sign-in problem */
	g_assert_cmpint (cs_sync_profile_get_fix (sp), ==, CS_SYNC_FIX_RETRY);
	g_assert_null (strstr (text, "sign-in"));
	g_assert_nonnull (strstr (text, "cannot reach"));
	g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (child (win, CS_TYPE_APP_WINDOW, "profile_bar_button"))), ==, "_Try Again");
	g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, CS_TYPE_APP_WINDOW, "status_label"))), ==, "The last sync failed");
	{
		/* the progress window says it failed, not "Starting…" */
		GtkWindow *d = cs_app_window_get_last_dialog (win);
		g_assert_true (CS_IS_PROGRESS_WINDOW (d));
		g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (child (d, CS_TYPE_PROGRESS_WINDOW, "result_label"))), "The sync failed"));
		g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (d, CS_TYPE_PROGRESS_WINDOW, "item_label"))), !=, "Starting…");
		/* where it failed: the CRM was read, Outlook could not be */
		g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (child (d, CS_TYPE_PROGRESS_WINDOW, "phase_read_crm"))), "✓"));
		g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (child (d, CS_TYPE_PROGRESS_WINDOW, "phase_read_outlook"))), "✗"));
		gtk_widget_destroy (GTK_WIDGET (d));
	}

	/* a file with an error: a profile of its own, with its error and without the folder */
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
	bad = cs_application_load_profile (app, broken);
	g_assert_nonnull (cs_sync_profile_get_load_error (bad));
	g_assert_cmpstr (cs_sync_profile_get_name (bad), ==, "zz-broken");
	g_assert_null (strstr (cs_sync_profile_get_last_error (bad), profiles));
	g_assert_nonnull (strstr (cs_sync_profile_get_last_error (bad), "sometimes"));
	win = cs_app_window_new (app);
	cs_app_window_select (win, bad);
	gtk_widget_show (GTK_WIDGET (win));
	bar = child (win, CS_TYPE_APP_WINDOW, "profile_bar");
	g_assert_true (gtk_widget_get_visible (bar));
	text = gtk_label_get_text (GTK_LABEL (child (win, CS_TYPE_APP_WINDOW, "profile_bar_label")));
	g_assert_nonnull (strstr (text, "cannot be read"));
	g_assert_false (gtk_widget_get_sensitive (child (win, CS_TYPE_APP_WINDOW, "sync_now_button")));
	/* it can be removed */
	g_action_group_activate_action (G_ACTION_GROUP (win), "remove-profile", NULL);
	g_assert_true (GTK_IS_MESSAGE_DIALOG (cs_app_window_get_last_dialog (win)));
	gtk_dialog_response (GTK_DIALOG (cs_app_window_get_last_dialog (win)), GTK_RESPONSE_ACCEPT);
	flush ();
	g_assert_false (g_file_test (broken, G_FILE_TEST_EXISTS));
	for (guint i = 0; i < cs_application_get_profiles (app)->len; i++)
		g_assert_null (cs_sync_profile_get_load_error (g_ptr_array_index (cs_application_get_profiles (app), i)));
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

/* a record the CRM cannot take is listed by its name, not its id */
static void
test_window_skipped_names (void)
{
	g_autofree gchar *profiles = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", NULL);
	g_autofree gchar *path = g_build_filename (profiles, "s.ini", NULL);
	g_autofree gchar *out = g_build_filename (g_get_user_data_dir (), "skips", "outlook", "contact", "x1.json", NULL);
	CsApplication *app = shared_app;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) report = NULL;
	GtkTreeModel *skips;
	GtkTreeIter iter;
	CsSyncProfile *sp;
	CsAppWindow *win;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=Skips\ncrm=folder\noutlook=folder\npreset=orocrm\n"
						 "sync-on-start=false\nsync-on-exit=false\n[crm]\npath=%s/skips/crm\n"
						 "schema=orocrm\n[outlook]\npath=%s/skips/outlook\nschema=outlook\n"
						 "[contact]\ncondition=all\n",
						 g_get_user_data_dir (), g_get_user_data_dir ());
	write_file (path, ini);
	/* no first or last name: the CRM cannot take it (the window names it by what it has) */
	write_file (out, "{\"displayName\": \"Reception desk\", \"companyName\": \"Nordisk A/S\"}");
	sp = cs_application_add_profile (app, path, &error);
	g_assert_no_error (error);
	report = cs_engine_run (cs_sync_profile_get_engine (sp, &error), CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_run_report_get_n_skipped (report), >=, 1);
	win = cs_app_window_new (app);
	cs_app_window_select (win, sp);
	gtk_widget_show (GTK_WIDGET (win));
	skips = GTK_TREE_MODEL (gtk_widget_get_template_child (GTK_WIDGET (win), CS_TYPE_APP_WINDOW, "skips_store"));
	g_assert_true (gtk_tree_model_get_iter_first (skips, &iter));
	{
		g_autofree gchar *item = NULL;
		gtk_tree_model_get (skips, &iter, 2, &item, -1);
		g_assert_cmpstr (item, ==, "Reception desk");
	}
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

/* Remove: asks first; Cancel keeps it, Remove takes the file and the list row, not the records */
static void
test_window_remove (void)
{
	g_autofree gchar *profiles = g_build_filename (g_get_user_config_dir (), "crmsync", "profiles", NULL);
	g_autofree gchar *path = g_build_filename (profiles, "r.ini", NULL);
	g_autofree gchar *crm = g_build_filename (g_get_user_data_dir (), "remove", "crm", "contact", "a.json", NULL);
	CsApplication *app = shared_app;
	g_autoptr(GError) error = NULL;
	CsSyncProfile *sp;
	CsAppWindow *win;
	guint before;
	g_autofree gchar *ini = g_strdup_printf ("[profile]\nname=To remove\ncrm=folder\noutlook=folder\n"
						 "sync-on-start=false\nsync-on-exit=false\n[crm]\npath=%s/remove/crm\n"
						 "[outlook]\npath=%s/remove/outlook\n",
						 g_get_user_data_dir (), g_get_user_data_dir ());
	write_file (path, ini);
	write_file (crm, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}");
	sp = cs_application_add_profile (app, path, &error);
	g_assert_no_error (error);
	before = cs_application_get_profiles (app)->len;
	win = cs_app_window_new (app);
	cs_app_window_select (win, sp);
	gtk_widget_show (GTK_WIDGET (win));

	g_action_group_activate_action (G_ACTION_GROUP (win), "remove-profile", NULL);
	gtk_dialog_response (GTK_DIALOG (cs_app_window_get_last_dialog (win)), GTK_RESPONSE_CANCEL);
	flush ();
	g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
	g_assert_cmpuint (cs_application_get_profiles (app)->len, ==, before);

	g_action_group_activate_action (G_ACTION_GROUP (win), "remove-profile", NULL);
	gtk_dialog_response (GTK_DIALOG (cs_app_window_get_last_dialog (win)), GTK_RESPONSE_ACCEPT);
	flush ();
	g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
	g_assert_cmpuint (cs_application_get_profiles (app)->len, ==, before - 1);
	g_assert_true (cs_app_window_get_selected (win) != sp);
	/* the records stay */
	g_assert_true (g_file_test (crm, G_FILE_TEST_EXISTS));
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

static GtkWindow *
find_toplevel (GType type)
{
	g_autoptr(GList) all = gtk_window_list_toplevels ();
	for (GList *l = all; l != NULL; l = l->next)
		if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
			return l->data;
	return NULL;
}

/* About, Help (F1) and the shortcuts window (Ctrl+?) are there */
static void
test_window_basics (void)
{
	CsApplication *app = shared_app;
	CsAppWindow *win = cs_app_window_new (app);
	g_auto(GStrv) help = NULL;
	g_auto(GStrv) shortcuts = NULL;
	GtkWindow *w;
	g_autofree gchar *index = g_build_filename (SRCDIR, "help", "C", "index.page", NULL);

	gtk_widget_show (GTK_WIDGET (win));
	gtk_window_present (GTK_WINDOW (win));
	flush ();
	g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
	flush ();
	w = find_toplevel (GTK_TYPE_ABOUT_DIALOG);
	g_assert_nonnull (w);
	g_assert_cmpstr (gtk_about_dialog_get_program_name (GTK_ABOUT_DIALOG (w)), ==, "crmsync");
	gtk_widget_destroy (GTK_WIDGET (w));

	g_action_group_activate_action (G_ACTION_GROUP (win), "show-help-overlay", NULL);
	flush ();
	w = find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
	g_assert_nonnull (w);
	gtk_widget_hide (GTK_WIDGET (w));
	shortcuts = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay");
	g_assert_true (g_strv_contains ((const gchar *const *) shortcuts, "<Primary>question"));

	/* "New profile" (Ctrl+N, the empty state's button) is the assistant */
	g_action_group_activate_action (G_ACTION_GROUP (win), "new-profile", NULL);
	g_assert_true (CS_IS_NEW_PROFILE_ASSISTANT (cs_app_window_get_last_dialog (win)));
	gtk_widget_destroy (GTK_WIDGET (cs_app_window_get_last_dialog (win)));

	/* F1 opens the guide, which is in the tree to be installed */
	help = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.help");
	g_assert_true (g_strv_contains ((const gchar *const *) help, "F1"));
	g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "help"));
	g_assert_true (g_file_test (index, G_FILE_TEST_EXISTS));
	gtk_widget_destroy (GTK_WIDGET (win));
	flush ();
}

/* the page's <title> */
static gchar *
page_title (const gchar *path)
{
	g_autofree gchar *text = read_file (path);
	const gchar *start = strstr (text, "<title>");
	const gchar *end = start != NULL ? strstr (start, "</title>") : NULL;
	g_assert_nonnull (end);
	return g_strndup (start + 7, (gsize) (end - start - 7));
}

/* F1 in a German session: the guide in German, every page of it translated */
static void
test_help_german (void)
{
	g_autofree gchar *help_dir = g_build_filename (SRCDIR, "help", NULL);
	g_autofree gchar *c_dir = g_build_filename (help_dir, "C", NULL);
	g_autofree gchar *old = g_strdup (g_getenv ("LANGUAGE"));
	g_autofree gchar *page = NULL;
	g_autofree gchar *title = NULL;
	g_autoptr(GDir) dir = g_dir_open (c_dir, 0, NULL);
	const gchar *name;

	g_setenv ("LANGUAGE", "de", TRUE);
	page = cs_application_get_help_page (help_dir);
	title = page_title (page);
	g_assert_cmpstr (title, ==, "crmsync-Hilfe");
	g_setenv ("LANGUAGE", "en", TRUE);
	g_free (page);
	page = cs_application_get_help_page (help_dir);
	g_free (title);
	title = page_title (page);
	g_assert_cmpstr (title, ==, "crmsync Help");
	if (old != NULL)
		g_setenv ("LANGUAGE", old, TRUE);
	else
		g_unsetenv ("LANGUAGE");
	/* each English page has its German one, with a title of its own */
	g_assert_nonnull (dir);
	while ((name = g_dir_read_name (dir)) != NULL) {
		g_autofree gchar *en = g_build_filename (c_dir, name, NULL);
		g_autofree gchar *de = g_build_filename (help_dir, "de", name, NULL);
		g_autofree gchar *en_title = page_title (en);
		g_autofree gchar *de_title = page_title (de);
		g_assert_cmpstr (en_title, !=, de_title);
	}
}

int
main (int argc, char **argv)
{
	g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
	g_setenv ("CRMSYNC_NO_NETWORK_MONITOR", "1", TRUE);
	/* the theme's SVG assets need the MIME database, which isolated XDG dirs hide:
	 * load it once before they are isolated */
	g_free (g_content_type_guess ("asset.svg", NULL, 0, NULL));
	g_assert_nonnull (g_settings_schema_source_get_default ());
	gtk_init (&argc, &argv);
	/* likewise the icon theme keeps the search path it starts with */
	g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_default (), "process-working-symbolic"));
	g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func ("/gui/settings/save", test_settings_save);
	g_test_add_func ("/gui/settings/edit", test_settings_edit);
	g_test_add_func ("/gui/settings/keeps-every-key", test_settings_keeps_every_key);
	g_test_add_func ("/gui/settings/test-connection", test_settings_test_connection);
	g_test_add_func ("/gui/settings/graph-sign-in", test_settings_graph_sign_in);
	g_test_add_func ("/gui/assistant/first-sync", test_assistant_first_sync);
	g_test_add_func ("/gui/sign-in/cancel-stops-the-run", test_sign_in_dialog_cancel);
	g_test_add_func ("/gui/mapping/edit-and-reset", test_mapping_edit);
	g_test_add_func ("/gui/sync-all/ticked-only", test_sync_all_ticked);
	g_test_add_func ("/gui/sync-all/field-changes-unticked", test_sync_all_field_changes);
	g_test_add_func ("/gui/sync-all/guard-confirm", test_sync_all_guard_confirm);
	g_test_add_func ("/gui/sync-all/field-unticked-emulators",
			 test_sync_all_field_unticked_emulators);
	g_test_add_func ("/gui/progress/complete", test_progress_complete);
	g_test_add_func ("/gui/progress/cancel", test_progress_cancel);
	g_test_add_func ("/gui/progress/guard-confirm", test_progress_guard);
	g_test_add_func ("/gui/progress/guard-unticked", test_progress_guard_unticked);
	g_test_add_func ("/gui/progress/guard-field-unticked", test_progress_guard_field_unticked);
	g_test_add_func ("/gui/window/sync-now", test_window_state);
	g_test_add_func ("/gui/window/conflict-keep-outlook", test_window_conflict);
	g_test_add_func ("/gui/window/conflict-typed-value", test_window_conflict_value);
	g_test_add_func ("/gui/window/duplicates", test_window_duplicates);
	g_test_add_func ("/gui/window/history-undo", test_window_history_undo);
	g_test_add_func ("/gui/undo/two-guards", test_undo_dialog_two_guards);
	g_test_add_func ("/gui/window/failing-profile-banner", test_window_failing);
	g_test_add_func ("/gui/window/skipped-by-name", test_window_skipped_names);
	g_test_add_func ("/gui/window/remove-profile", test_window_remove);
	g_test_add_func ("/gui/window/about-help-shortcuts", test_window_basics);
	g_test_add_func ("/gui/help/german", test_help_german);
	{
		gint rc = g_test_run ();
		g_clear_object (&shared_app);
		return rc;
	}
}
