/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-app-actions.h"
#include "cs-app-window.h"
#include "cs-change-view.h"
#include "cs-changes-view.h"
#include "cs-history-chart.h"
#include "cs-engine-jobs.h"
#include "cs-label.h"
#include "cs-run-counts.h"
#include "cs-mapping-window.h"
#include "cs-new-profile-assistant.h"
#include "cs-progress-window.h"
#include "cs-settings-dialog.h"
#include "cs-sync-all-assistant.h"
#include "cs-undo-dialog.h"

/*
 * The profiles on the left; on the right the selected one at a glance: its
 * state, last and next run, counts per kind and side, the history, the
 * conflicts waiting for the user and every skipped item with its reason.
 */
enum { CCOL_KIND, CCOL_LINKED, CCOL_CRM, CCOL_OUTLOOK, N_CCOLS };
enum { HCOL_STARTED, HCOL_TRIGGER, HCOL_STATUS, HCOL_DETAIL, HCOL_RUN_ID, N_HCOLS };
/* XCOL_FIELD: the mapping row (the CRM field's name); XCOL_FIELD_LABEL what the user sees */
enum { XCOL_KIND, XCOL_ITEM, XCOL_FIELD, XCOL_CRM, XCOL_OUTLOOK, XCOL_KIND_ID, XCOL_OUTLOOK_ID,
       XCOL_BASE, XCOL_ID, XCOL_FIELD_LABEL, N_XCOLS };
enum { SCOL_KIND, SCOL_SIDE, SCOL_ID, SCOL_REASON, N_SCOLS };

struct _CsAppWindow {
	GtkApplicationWindow parent_instance;
	GtkListBox *profiles_list;
	GtkStack *stack;
	GtkInfoBar *infobar;
	GtkLabel *info_label;
	GtkInfoBar *profile_bar;
	GtkLabel *profile_bar_label;
	GtkButton *profile_bar_button;
	GtkLabel *name_label;
	GtkLabel *sides_label;
	GtkLabel *status_label;
	GtkLabel *last_run_label;
	GtkLabel *next_run_label;
	GtkNotebook *notebook;
	GtkListStore *counts_store;
	GtkListStore *history_store;
	GtkListStore *conflicts_store;
	GtkTreeView *conflicts_view;
	GtkListStore *skips_store;
	GtkLabel *conflicts_tab_label;
	GtkLabel *skips_tab_label;
	GtkButton *sync_now_button;
	GtkButton *sync_all_button;
	GtkButton *settings_button;
	GtkButton *mapping_button;
	GtkButton *keep_crm_button;
	GtkButton *keep_outlook_button;
	GtkEntry *value_entry;
	GtkButton *use_value_button;
	GtkTreeView *history_view;
	CsHistoryChart *history_chart;
	CsChangesView *history_changes;
	GtkButton *undo_button;
	GtkListBox *duplicates_list;
	GtkWidget *duplicates_page;
	GtkLabel *duplicates_tab_label;
	GtkLabel *duplicates_placeholder;

	CsApplication *app;	   /* (unowned) */
	CsSyncProfile *selected;   /* (owned) (nullable) */
	GtkWindow *last_dialog;	   /* (unowned) (nullable) for tests and screenshots */
	GSettings *settings;	   /* (owned) (nullable) without the schema installed */
	guint tick_id;
	gint64 undoable_run;	   /* the newest run Undo takes back, 0: none */
	guint review_jobs;	   /* duplicate look-ups, links and partings under way */
	guint review_serial;	   /* only the newest look-up fills the Duplicates tab */
	gboolean disposed;
};

G_DEFINE_TYPE (CsAppWindow, cs_app_window, GTK_TYPE_APPLICATION_WINDOW)

static void
show_error (CsAppWindow *self, const gchar *text)
{
	gtk_info_bar_set_message_type (self->infobar, GTK_MESSAGE_ERROR);
	gtk_label_set_text (self->info_label, text);
	gtk_widget_show (GTK_WIDGET (self->infobar));
}

static const gchar *
side_label (CsSide side)
{
	return side == CS_SIDE_CRM ? _("CRM") : _("Outlook");
}

static gchar *
format_time (gint64 usec)
{
	g_autoptr(GDateTime) dt = NULL;
	if (usec <= 0)
		return g_strdup (_("never"));
	dt = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
	/* TRANSLATORS: a date and time, see g_date_time_format() */
	return g_date_time_format (dt, _("%Y-%m-%d %H:%M:%S"));
}

/* a run's result, as the history keeps it, in the user's words */
static const gchar *
run_status_label (const gchar *status)
{
	if (g_strcmp0 (status, "ok") == 0)
		/* TRANSLATORS: the result of a sync in the history */
		return C_("run", "Done");
	if (g_strcmp0 (status, "partial") == 0)
		/* TRANSLATORS: the result of a sync in the history: some items need the user */
		return C_("run", "Done, with items to check");
	if (g_strcmp0 (status, "failed") == 0)
		return C_("run", "Failed");
	if (g_strcmp0 (status, "stopped") == 0)
		/* TRANSLATORS: a guard stopped the sync until the user confirms */
		return C_("run", "Stopped to protect your data");
	if (g_strcmp0 (status, "dry-run") == 0)
		return C_("run", "Preview only");
	if (g_strcmp0 (status, "running") == 0)
		return C_("run", "Running");
	return status;
}

/* what started a run, in the user's words */
static const gchar *
run_trigger_label (const gchar *trigger)
{
	static const struct {
		const gchar *id;
		const gchar *label;
	} labels[] = {
	    {"manual", NC_("trigger", "Sync now")},  {"sync-all", NC_("trigger", "Sync all")},
	    {"timer", NC_("trigger", "On schedule")}, {"schedule", NC_("trigger", "On schedule")},
	    {"start", NC_("trigger", "At start")},    {"exit", NC_("trigger", "At exit")},
	    {"cli", NC_("trigger", "Command line")},  {"undo", NC_("trigger", "Undo")},
	    {"watch", NC_("trigger", "Watch")},
	    /* a run the engine started without a named trigger */
	    {"sync", NC_("trigger", "Sync")},
	};
	for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
		if (g_strcmp0 (trigger, labels[i].id) == 0)
			return g_dpgettext2 (NULL, "trigger", labels[i].label);
	return trigger;
}

static const gchar *
status_text (CsSyncProfile *sp)
{
	CsScheduler *s = cs_sync_profile_get_scheduler (sp);
	if (cs_sync_profile_get_load_error (sp) != NULL)
		return _("The profile's file has an error");
	if (cs_sync_profile_is_busy (sp))
		return _("Syncing…");
	if (cs_sync_profile_get_last_error (sp) != NULL)
		return _("The last sync failed");
	if (!cs_profile_get_enabled (cs_sync_profile_get_profile (sp)))
		return _("Paused (sync is off in the settings)");
	if (s == NULL)
		return _("Not started");
	switch (cs_scheduler_get_state (s)) {
	case CS_SCHEDULER_RUNNING:
		return _("Syncing…");
	case CS_SCHEDULER_PAUSED:
		return _("Paused");
	case CS_SCHEDULER_OFFLINE:
		return _("Offline: waiting for the network");
	case CS_SCHEDULER_IDLE:
	default:
		return _("Waiting for the next sync");
	}
}

/* "+3 ~1 −0": what a run did to one kind on one side */
static gchar *
count_cell (const CsRunInfo *run, CsSide side, CsKind kind)
{
	/* TRANSLATORS: created, updated, deleted in the last run */
	return g_strdup_printf (_("+%u  ~%u  −%u"), cs_run_info_get_count (run, CS_COUNT_CREATED, side, kind),
				cs_run_info_get_count (run, CS_COUNT_UPDATED, side, kind),
				cs_run_info_get_count (run, CS_COUNT_DELETED, side, kind));
}

/* a name the user recognises for a linked pair, from its last agreed values (the engine
 * knows which fields name a record in each provider's schema) */
static gchar *
link_label (CsState *state, CsKind kind, const gchar *outlook_id, const gchar *fallback)
{
	g_autoptr(CsLink) link = outlook_id != NULL ? cs_state_get_link (state, kind, CS_SIDE_OUTLOOK, outlook_id, NULL) : NULL;
	gchar *label = link != NULL ? cs_label_from_snapshot (link->snapshot) : NULL;
	return label != NULL ? label : g_strdup (fallback);
}

static void update_actions (CsAppWindow *self);
static void update_profile_bar (CsAppWindow *self);

/* The Duplicates tab: the groups cs_engine_find_duplicates() gives, read in a
 * worker thread (it reads both sides), each with what the user can do */

static void load_duplicates (CsAppWindow *self, CsSyncProfile *sp);
static void refresh_details (CsAppWindow *self);

static void
clear_duplicates (CsAppWindow *self)
{
	g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->duplicates_list));
	for (GList *l = rows; l != NULL; l = l->next)
		gtk_widget_destroy (l->data);
	/* TRANSLATORS: the Duplicates tab's title before its groups are known */
	gtk_label_set_text (self->duplicates_tab_label, _("Duplicates"));
}

/* The look-ups and decisions run on an engine of their own: the profile's engine
 * may be syncing in its worker thread meanwhile, and an engine is used by one
 * thread at a time. Both share the profile, its sign-in and its state file. */
static CsEngine *
review_engine_new (CsSyncProfile *sp, GError **error)
{
	CsProfile *p = cs_sync_profile_get_profile (sp);
	if (p == NULL) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
				     _("The profile cannot be read; mend it first."));
		return NULL;
	}
	return cs_engine_new (p, cs_sync_profile_get_secrets (sp), error);
}

static void
pair_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsAppWindow) self = user_data;
	g_autoptr(GError) error = NULL;

	self->review_jobs--;
	if (!cs_engine_pair_finish (CS_ENGINE (source), result, &error) && !self->disposed)
		show_error (self, error->message);
	if (!self->disposed)
		refresh_details (self);
}

/* a pair's link, recorded once the user has seen what it writes */
typedef struct {
	CsAppWindow *self; /* (owned) */
	GtkWidget *row;	   /* (owned) */
	CsKind kind;
	gchar *crm_id;
	gchar *outlook_id;
} LinkAsk;

static void
link_ask_free (LinkAsk *ask)
{
	g_object_unref (ask->self);
	g_object_unref (ask->row);
	g_free (ask->crm_id);
	g_free (ask->outlook_id);
	g_free (ask);
}

static void
link_pair (LinkAsk *ask)
{
	CsAppWindow *self = ask->self;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsEngine) engine = self->selected != NULL ? review_engine_new (self->selected, &error)
							    : NULL;
	if (engine == NULL) {
		if (error != NULL)
			show_error (self, error->message);
		gtk_widget_set_sensitive (ask->row, TRUE);
		return;
	}
	self->review_jobs++;
	cs_engine_link_async (engine, ask->kind, ask->crm_id, ask->outlook_id, NULL, pair_done_cb,
			      g_object_ref (self));
}

static void
link_response_cb (GtkDialog *dialog, gint response, LinkAsk *ask)
{
	if (response == GTK_RESPONSE_ACCEPT && !ask->self->disposed)
		link_pair (ask);
	else
		gtk_widget_set_sensitive (ask->row, TRUE);
	gtk_widget_destroy (GTK_WIDGET (dialog));
}

/* what the merge of the pair would write, shown before it is linked: the next sync writes it
 * by the profile's conflict rule (the timer's run as well, with no other preview) */
static void
link_preview_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	LinkAsk *ask = user_data;
	CsAppWindow *self = ask->self;
	g_autoptr(GError) error = NULL;
	CsPlanItem *item = cs_engine_link_preview_finish (CS_ENGINE (source), result, &error);
	g_autoptr(CsFieldLabels) labels = NULL;
	g_autoptr(GPtrArray) changes = NULL;
	CsRecordChange *rc;
	GtkWidget *dialog, *area, *label, *view;
	guint n_conflicts;

	self->review_jobs--;
	if (item == NULL || self->disposed) {
		if (item == NULL && !self->disposed) {
			show_error (self, error->message);
			gtk_widget_set_sensitive (ask->row, TRUE);
		}
		link_ask_free (ask);
		return;
	}
	labels = cs_field_labels_new (CS_ENGINE (source));
	rc = cs_record_change_new_from_item (item, CS_ENGINE (source), labels);
	n_conflicts = item->conflicts != NULL ? item->conflicts->len : 0;
	cs_plan_item_free (item);
	if ((rc == NULL || rc->fields->len == 0) && n_conflicts == 0) {
		/* the two agree: linking writes nothing */
		cs_record_change_free (rc);
		link_pair (ask);
		link_ask_free (ask);
		return;
	}
	changes = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_change_free);
	if (rc != NULL && rc->fields->len > 0)
		g_ptr_array_add (changes, rc);
	else
		cs_record_change_free (rc);
	/* TRANSLATORS: the title of the dialog before two records are linked */
	dialog = gtk_dialog_new_with_buttons (_("Link these two records?"), GTK_WINDOW (self),
					      GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT |
						  GTK_DIALOG_USE_HEADER_BAR,
					      _("_Cancel"), GTK_RESPONSE_CANCEL,
					      /* TRANSLATORS: a button: link the two records shown */
					      C_("records", "_Link"), GTK_RESPONSE_ACCEPT, NULL);
	gtk_window_set_default_size (GTK_WINDOW (dialog), 560, 360);
	area = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
	gtk_box_set_spacing (GTK_BOX (area), 12);
	gtk_container_set_border_width (GTK_CONTAINER (area), 12);
	label = gtk_label_new (changes->len > 0
				   ? _("The next sync merges the two by the profile's conflict rule and "
				       "writes these changes. Nothing has been changed yet.")
				   : _("The next sync merges the two by the profile's conflict rule. "
				       "Nothing has been changed yet."));
	gtk_label_set_xalign (GTK_LABEL (label), 0);
	gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
	gtk_container_add (GTK_CONTAINER (area), label);
	if (changes->len > 0) {
		view = cs_changes_view_new ();
		cs_changes_view_set_changes (CS_CHANGES_VIEW (view), changes);
		gtk_widget_set_vexpand (view, TRUE);
		gtk_container_add (GTK_CONTAINER (area), view);
	}
	if (n_conflicts > 0) {
		g_autofree gchar *text = g_strdup_printf (
		    /* TRANSLATORS: before two records are linked (conflict=manual) */
		    ngettext ("%u field differs on both sides: it waits for your decision under "
			      "Conflicts, nothing is written over.",
			      "%u fields differ on both sides: they wait for your decision under "
			      "Conflicts, nothing is written over.",
			      n_conflicts),
		    n_conflicts);
		GtkWidget *note = gtk_label_new (text);
		gtk_label_set_xalign (GTK_LABEL (note), 0);
		gtk_label_set_line_wrap (GTK_LABEL (note), TRUE);
		gtk_container_add (GTK_CONTAINER (area), note);
	}
	gtk_widget_show_all (area);
	/* the answer has the focus, not the list (whose first row would look chosen) */
	gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
	gtk_widget_grab_focus (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT));
	g_signal_connect_data (dialog, "response", G_CALLBACK (link_response_cb), ask,
			       (GClosureNotify) (void (*) (void)) link_ask_free, 0);
	cs_app_window_remember_dialog (self, GTK_WINDOW (dialog));
	gtk_widget_show (dialog);
}

static void
pair_clicked_cb (GtkButton *button, CsAppWindow *self)
{
	CsSyncProfile *sp = self->selected;
	GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);
	const gchar *crm = g_object_get_data (G_OBJECT (row), "crm-id");
	const gchar *outlook = g_object_get_data (G_OBJECT (row), "outlook-id");
	CsKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "kind"));
	g_autoptr(GError) error = NULL;
	g_autoptr(CsEngine) engine = sp != NULL ? review_engine_new (sp, &error) : NULL;

	if (engine == NULL) {
		if (error != NULL)
			show_error (self, error->message);
		return;
	}
	gtk_widget_set_sensitive (row, FALSE);
	self->review_jobs++;
	if (g_strcmp0 (gtk_widget_get_name (GTK_WIDGET (button)), "link") == 0) {
		LinkAsk *ask = g_new0 (LinkAsk, 1);
		ask->self = g_object_ref (self);
		ask->row = g_object_ref (row);
		ask->kind = kind;
		ask->crm_id = g_strdup (crm);
		ask->outlook_id = g_strdup (outlook);
		cs_engine_link_preview_async (engine, kind, crm, outlook, NULL, link_preview_cb, ask);
	} else {
		cs_engine_unlink_async (engine, kind, crm, outlook, NULL, pair_done_cb,
					g_object_ref (self));
	}
}

static GtkWidget *
explained_button (CsAppWindow *self, const gchar *name, const gchar *label, const gchar *why)
{
	GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
	GtkWidget *button = gtk_button_new_with_mnemonic (label);
	GtkWidget *note = gtk_label_new (why);

	gtk_widget_set_name (button, name);
	gtk_widget_set_halign (button, GTK_ALIGN_START);
	g_signal_connect (button, "clicked", G_CALLBACK (pair_clicked_cb), self);
	gtk_label_set_xalign (GTK_LABEL (note), 0);
	gtk_label_set_line_wrap (GTK_LABEL (note), TRUE);
	gtk_label_set_max_width_chars (GTK_LABEL (note), 40);
	gtk_style_context_add_class (gtk_widget_get_style_context (note), "dim-label");
	gtk_container_add (GTK_CONTAINER (box), button);
	gtk_container_add (GTK_CONTAINER (box), note);
	gtk_widget_set_hexpand (box, TRUE);
	return box;
}

static GtkWidget *
duplicate_row_new (CsAppWindow *self, JsonObject *group)
{
	GtkWidget *row = gtk_list_box_row_new ();
	GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
	JsonArray *recs = json_object_get_array_member (group, "records");
	const gchar *ids[CS_SIDE_LAST] = { NULL, NULL };
	guint n_side[CS_SIDE_LAST] = { 0, 0 };
	CsKind kind = CS_KIND_CONTACT;
	g_autofree gchar *title = NULL;
	GtkWidget *label;

	cs_kind_from_string (json_object_get_string_member (group, "kind"), &kind);
	/* TRANSLATORS: a group of probable duplicates: the kind of record, then why,
	 * e.g. "Contact: the same name" */
	title = g_markup_printf_escaped (_("<b>%s</b>: %s"), cs_kind_get_label (kind),
					 json_object_get_string_member (group, "reason"));
	label = gtk_label_new (NULL);
	gtk_label_set_markup (GTK_LABEL (label), title);
	gtk_label_set_xalign (GTK_LABEL (label), 0);
	gtk_container_add (GTK_CONTAINER (box), label);
	for (guint r = 0; r < json_array_get_length (recs); r++) {
		JsonObject *o = json_array_get_object_element (recs, r);
		CsSide side = g_strcmp0 (json_object_get_string_member (o, "side"), "crm") == 0
				      ? CS_SIDE_CRM
				      : CS_SIDE_OUTLOOK;
		const gchar *name = json_object_get_string_member (o, "label");
		/* TRANSLATORS: one record of a group of duplicates: where it is, its name */
		g_autofree gchar *text = g_strdup_printf (_("%s: %s"), side_label (side), name);
		ids[side] = json_object_get_string_member (o, "id");
		n_side[side]++;
		label = gtk_label_new (text);
		gtk_label_set_xalign (GTK_LABEL (label), 0);
		gtk_label_set_selectable (GTK_LABEL (label), TRUE);
		gtk_widget_set_margin_start (label, 12);
		gtk_container_add (GTK_CONTAINER (box), label);
	}
	if (n_side[CS_SIDE_CRM] == 1 && n_side[CS_SIDE_OUTLOOK] == 1) {
		GtkWidget *actions = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
		g_object_set_data_full (G_OBJECT (row), "crm-id", g_strdup (ids[CS_SIDE_CRM]),
					g_free);
		g_object_set_data_full (G_OBJECT (row), "outlook-id",
					g_strdup (ids[CS_SIDE_OUTLOOK]), g_free);
		g_object_set_data (G_OBJECT (row), "kind", GINT_TO_POINTER (kind));
		gtk_container_add (GTK_CONTAINER (actions),
				   explained_button (self, "link", _("Same person or record: _link"),
						     _("The next sync merges the two into one, by "
						       "the profile's conflict rule.")));
		gtk_container_add (GTK_CONTAINER (actions),
				   explained_button (self, "keep-apart",
						     _("Not the same: _keep apart"),
						     _("Both are left alone from now on: no sync "
						       "links, copies or changes them.")));
		gtk_container_add (GTK_CONTAINER (box), actions);
	} else {
		label = gtk_label_new (_("Not one CRM record with one Outlook record: merge or "
					 "delete the extra ones where they are, in the CRM or in "
					 "Outlook."));
		gtk_label_set_xalign (GTK_LABEL (label), 0);
		gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
		gtk_style_context_add_class (gtk_widget_get_style_context (label), "dim-label");
		gtk_container_add (GTK_CONTAINER (box), label);
	}
	g_object_set (box, "margin", 6, NULL);
	gtk_container_add (GTK_CONTAINER (row), box);
	gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
	gtk_widget_show_all (row);
	return row;
}

typedef struct {
	CsAppWindow *self; /* (owned) */
	guint serial;
} Lookup;

static void
duplicates_found_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autofree Lookup *lookup = user_data;
	g_autoptr(CsAppWindow) self = lookup->self;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) found =
	    cs_engine_find_duplicates_finish (CS_ENGINE (source), result, &error);
	guint serial = lookup->serial;
	g_autofree gchar *tab = NULL;
	JsonArray *groups;
	guint n;

	self->review_jobs--;
	/* a newer look-up (another profile, a later run) has the last word */
	if (self->disposed || serial != self->review_serial)
		return;
	clear_duplicates (self);
	if (found == NULL) {
		gtk_label_set_text (self->duplicates_placeholder, error->message);
		return;
	}
	groups = json_object_get_array_member (json_node_get_object (found), "groups");
	gtk_label_set_text (self->duplicates_placeholder,
			    _("Nothing to review: no records look like duplicates."));
	n = groups != NULL ? json_array_get_length (groups) : 0;
	for (guint i = 0; i < n; i++) {
		JsonObject *group = json_array_get_object_element (groups, i);
		gtk_container_add (GTK_CONTAINER (self->duplicates_list),
				   duplicate_row_new (self, group));
	}
	/* TRANSLATORS: a tab, with the number of groups of probable duplicates */
	tab = g_strdup_printf (_("Duplicates (%u)"), n);
	gtk_label_set_text (self->duplicates_tab_label, tab);
}

static void
load_duplicates (CsAppWindow *self, CsSyncProfile *sp)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsEngine) engine = NULL;
	Lookup *lookup;

	/* reading both sides whole is not cheap: only for the tab in view, and not
	 * while a sync runs (its end refreshes the window again) */
	if (gtk_notebook_get_current_page (self->notebook)
		    != gtk_notebook_page_num (self->notebook, self->duplicates_page)
	    || cs_sync_profile_is_busy (sp)) {
		gtk_label_set_text (self->duplicates_placeholder, "");
		return;
	}
	engine = review_engine_new (sp, &error);
	if (engine == NULL) {
		gtk_label_set_text (self->duplicates_placeholder, error->message);
		return;
	}
	gtk_label_set_text (self->duplicates_placeholder, _("Looking for duplicates…"));
	self->review_jobs++;
	lookup = g_new0 (Lookup, 1);
	lookup->self = g_object_ref (self);
	lookup->serial = self->review_serial;
	cs_engine_find_duplicates_async (engine, NULL, duplicates_found_cb, lookup);
}

static void
page_switched_cb (CsAppWindow *self, GtkWidget *page, guint num)
{
	if (page != self->duplicates_page || self->selected == NULL
	    || cs_sync_profile_get_profile (self->selected) == NULL)
		return;
	clear_duplicates (self);
	self->review_serial++;
	load_duplicates (self, self->selected);
}

/**
 * cs_app_window_is_reviewing:
 *
 * Returns: whether a look-up for duplicates, a link or a parting is under way
 *   (for tests: the Duplicates tab is up to date when this is %FALSE)
 */
gboolean
cs_app_window_is_reviewing (CsAppWindow *self)
{
	return self->review_jobs > 0;
}

static void
refresh_details (CsAppWindow *self)
{
	CsSyncProfile *sp = self->selected;
	CsProfile *p;
	CsState *state;
	CsScheduler *sched;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) runs = NULL;
	g_autoptr(GPtrArray) conflicts = NULL;
	g_autoptr(GPtrArray) skips = NULL;
	const CsRunInfo *last_report = NULL;
	g_autofree gchar *sides = NULL;
	g_autofree gchar *last = NULL;
	g_autofree gchar *next = NULL;
	g_autofree gchar *tab = NULL;

	gtk_list_store_clear (self->counts_store);
	gtk_list_store_clear (self->history_store);
	gtk_list_store_clear (self->conflicts_store);
	gtk_list_store_clear (self->skips_store);
	clear_duplicates (self);
	self->review_serial++;
	cs_changes_view_set_placeholder (self->history_changes, _("Select a run to see what it changed."));
	cs_changes_view_set_changes (self->history_changes, NULL);
	cs_history_chart_set_runs (self->history_chart, NULL, 0);
	self->undoable_run = 0;
	gtk_widget_set_sensitive (GTK_WIDGET (self->undo_button), FALSE);
	gtk_stack_set_visible_child_name (self->stack, sp != NULL ? "profile" : "empty");
	update_actions (self);
	update_profile_bar (self);
	if (sp == NULL)
		return;
	gtk_label_set_text (self->name_label, cs_sync_profile_get_name (sp));
	gtk_label_set_text (self->status_label, status_text (sp));
	p = cs_sync_profile_get_profile (sp);
	if (p == NULL) {
		/* a file with an error: its banner says what and how to mend it */
		gtk_label_set_text (self->sides_label, "");
		gtk_label_set_text (self->last_run_label, "");
		gtk_label_set_text (self->next_run_label, "");
		return;
	}
	sides = cs_sync_profile_get_sides_label (sp);
	gtk_label_set_text (self->sides_label, sides);

	state = cs_sync_profile_get_state (sp, &error);
	if (state == NULL) {
		show_error (self, error->message);
		return;
	}
	runs = cs_state_get_runs (state, 50, NULL);
	conflicts = cs_state_get_conflicts (state, NULL);
	skips = cs_state_get_skips (state, NULL);
	for (guint i = 0; runs != NULL && i < runs->len; i++) {
		CsRunInfo *r = g_ptr_array_index (runs, i);
		g_autofree gchar *started = format_time (r->started);
		g_autofree gchar *detail = NULL;
		/* the counts are those of the newest run that has a report */
		if (r->report != NULL && last_report == NULL)
			last_report = r;
		if (r->error != NULL)
			detail = g_strdup (r->error);
		else if (cs_state_get_undo_of (state, r->id) > 0)
			/* TRANSLATORS: History's details of a run a later Undo took back */
			detail = g_strdup (_("Undone"));
		gtk_list_store_insert_with_values (self->history_store, NULL, -1, HCOL_STARTED, started,
						   HCOL_TRIGGER, run_trigger_label (r->trigger), HCOL_STATUS,
						   run_status_label (r->status),
						   HCOL_DETAIL, detail != NULL ? detail : "", HCOL_RUN_ID,
						   r->id, -1);
	}
	self->undoable_run = cs_state_get_undoable_run (state, NULL);
	gtk_widget_set_sensitive (GTK_WIDGET (self->undo_button), self->undoable_run > 0);
	{
		/* the chart covers 30 days, more runs than the list shows */
		g_autoptr(GPtrArray) month = cs_state_get_runs (state, 1000, NULL);
		cs_history_chart_set_runs (self->history_chart, month, g_get_real_time ());
	}
	if (runs != NULL && runs->len > 0) {
		CsRunInfo *r = g_ptr_array_index (runs, 0);
		g_autofree gchar *t = format_time (r->started);
		/* TRANSLATORS: time and status of the last run */
		last = g_strdup_printf (_("%s (%s)"), t, run_status_label (r->status));
	} else {
		last = g_strdup (_("never"));
	}
	gtk_label_set_text (self->last_run_label, last);
	sched = cs_sync_profile_get_scheduler (sp);
	next = sched != NULL && cs_scheduler_get_next_run (sched) > 0 && cs_profile_get_enabled (p)
		   ? format_time (cs_scheduler_get_next_run (sched))
		   : g_strdup (_("not planned"));
	gtk_label_set_text (self->next_run_label, next);

	for (guint k = 0; k < CS_KIND_LAST; k++) {
		const CsKindConfig *c = cs_profile_get_kind_config (p, (CsKind) k);
		g_autofree gchar *crm = NULL;
		g_autofree gchar *outlook = NULL;
		if (c->direction == CS_DIRECTION_NONE)
			continue;
		crm = count_cell (last_report, CS_SIDE_CRM, (CsKind) k);
		outlook = count_cell (last_report, CS_SIDE_OUTLOOK, (CsKind) k);
		gtk_list_store_insert_with_values (self->counts_store, NULL, -1, CCOL_KIND,
						   cs_kind_get_label ((CsKind) k), CCOL_LINKED,
						   (gint) cs_state_count_links (state, (CsKind) k, CS_SIDE_CRM),
						   CCOL_CRM, crm, CCOL_OUTLOOK, outlook, -1);
	}
	{
		CsEngine *engine = cs_sync_profile_get_engine (sp, NULL);
		g_autoptr(CsFieldLabels) labels = cs_field_labels_new (engine);
		for (guint i = 0; conflicts != NULL && i < conflicts->len; i++) {
			CsConflict *c = g_ptr_array_index (conflicts, i);
			g_autofree gchar *label = link_label (state, c->kind, c->outlook_id,
							      c->crm_id != NULL ? c->crm_id : c->outlook_id);
			g_autofree gchar *field = cs_conflict_get_field_label (c, labels);
			g_autofree gchar *crm = cs_value_json_to_text (c->crm_value);
			g_autofree gchar *outlook = cs_value_json_to_text (c->outlook_value);
			g_autofree gchar *base = cs_value_json_to_text (c->base_value);
			/* the values side by side as text, the base (last agreed) beside them */
			gtk_list_store_insert_with_values (
			    self->conflicts_store, NULL, -1, XCOL_KIND, cs_kind_get_label (c->kind),
			    XCOL_ITEM, label, XCOL_FIELD, c->field, XCOL_CRM, crm, XCOL_OUTLOOK, outlook,
			    XCOL_KIND_ID, (gint) c->kind, XCOL_OUTLOOK_ID, c->outlook_id, XCOL_BASE, base,
			    XCOL_ID, c->id, XCOL_FIELD_LABEL, field, -1);
		}
	}
	{
		/* skipped records by their names, as the last run's report gives them */
		g_autoptr(GHashTable) labels = cs_run_info_get_skip_labels (last_report);
		for (guint i = 0; skips != NULL && i < skips->len; i++) {
			CsStateSkip *s = g_ptr_array_index (skips, i);
			g_autofree gchar *key = cs_run_skip_key (s->kind, s->side, s->id);
			const gchar *label = g_hash_table_lookup (labels, key);
			gtk_list_store_insert_with_values (self->skips_store, NULL, -1, SCOL_KIND,
							   cs_kind_get_label (s->kind), SCOL_SIDE,
							   side_label (s->side), SCOL_ID,
							   label != NULL ? label : s->id != NULL ? s->id : "",
							   SCOL_REASON, s->reason, -1);
		}
	}
	/* TRANSLATORS: a tab, with the number of conflicts waiting */
	tab = g_strdup_printf (_("Conflicts (%u)"), conflicts != NULL ? conflicts->len : 0);
	gtk_label_set_text (self->conflicts_tab_label, tab);
	g_free (tab);
	/* TRANSLATORS: a tab, with the number of skipped items */
	tab = g_strdup_printf (_("Skipped (%u)"), skips != NULL ? skips->len : 0);
	gtk_label_set_text (self->skips_tab_label, tab);
	load_duplicates (self, sp);
}

static GtkWidget *
profile_row_new (CsSyncProfile *sp)
{
	GtkWidget *row = gtk_list_box_row_new ();
	GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
	GtkWidget *name = gtk_label_new (cs_sync_profile_get_name (sp));
	GtkWidget *status = gtk_label_new (status_text (sp));
	gtk_label_set_xalign (GTK_LABEL (name), 0);
	gtk_label_set_xalign (GTK_LABEL (status), 0);
	/* the whole state on up to three lines: a cut "The last sync fail…" hides what matters */
	gtk_label_set_line_wrap (GTK_LABEL (status), TRUE);
	gtk_label_set_max_width_chars (GTK_LABEL (status), 24);
	gtk_label_set_lines (GTK_LABEL (status), 3);
	gtk_label_set_ellipsize (GTK_LABEL (status), PANGO_ELLIPSIZE_END);
	gtk_style_context_add_class (gtk_widget_get_style_context (status), "dim-label");
	gtk_widget_set_margin_start (outer, 12);
	gtk_widget_set_margin_end (outer, 12);
	gtk_widget_set_margin_top (outer, 8);
	gtk_widget_set_margin_bottom (outer, 8);
	gtk_widget_set_hexpand (box, TRUE);
	gtk_container_add (GTK_CONTAINER (box), name);
	gtk_container_add (GTK_CONTAINER (box), status);
	gtk_container_add (GTK_CONTAINER (outer), box);
	if (cs_sync_profile_get_last_error (sp) != NULL && !cs_sync_profile_is_busy (sp)) {
		GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-error-symbolic", GTK_ICON_SIZE_BUTTON);
		gtk_widget_set_tooltip_text (icon, cs_sync_profile_get_last_error (sp));
		gtk_style_context_add_class (gtk_widget_get_style_context (icon), "error");
		g_object_set_data (G_OBJECT (row), "error-icon", icon);
		gtk_container_add (GTK_CONTAINER (outer), icon);
	}
	gtk_container_add (GTK_CONTAINER (row), outer);
	g_object_set_data_full (G_OBJECT (row), "profile", g_object_ref (sp), g_object_unref);
	gtk_widget_show_all (row);
	return row;
}

static void
profile_changed_cb (CsSyncProfile *sp, gpointer user_data)
{
	cs_app_window_refresh (CS_APP_WINDOW (user_data));
}

static void
fill_profiles (CsAppWindow *self)
{
	GPtrArray *profiles = cs_application_get_profiles (self->app);
	g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (self->profiles_list));
	for (GList *l = children; l != NULL; l = l->next)
		gtk_widget_destroy (l->data);
	for (guint i = 0; i < profiles->len; i++) {
		CsSyncProfile *sp = g_ptr_array_index (profiles, i);
		GtkWidget *row = profile_row_new (sp);
		gtk_container_add (GTK_CONTAINER (self->profiles_list), row);
		g_signal_handlers_disconnect_by_func (sp, profile_changed_cb, self);
		g_signal_connect_object (sp, "changed", G_CALLBACK (profile_changed_cb), self, 0);
		if (sp == self->selected)
			gtk_list_box_select_row (self->profiles_list, GTK_LIST_BOX_ROW (row));
	}
}

/**
 * cs_app_window_refresh:
 *
 * Shows the profiles and the selected one as they are now.
 */
void
cs_app_window_refresh (CsAppWindow *self)
{
	g_autoptr(CsSyncProfile) keep = self->selected != NULL ? g_object_ref (self->selected) : NULL;
	fill_profiles (self);
	g_set_object (&self->selected, keep);
	refresh_details (self);
}

static void
row_selected_cb (CsAppWindow *self, GtkListBoxRow *row)
{
	CsSyncProfile *sp = row != NULL ? g_object_get_data (G_OBJECT (row), "profile") : NULL;
	if (sp == self->selected || sp == NULL)
		return;
	g_set_object (&self->selected, sp);
	if (self->settings != NULL)
		g_settings_set_string (self->settings, "active-profile", cs_sync_profile_get_path (sp));
	if (cs_sync_profile_get_load_error (sp) != NULL && cs_sync_profile_reload (sp, NULL))
		cs_sync_profile_start (sp, NULL);
	refresh_details (self);
}

void
cs_app_window_select (CsAppWindow *self, CsSyncProfile *profile)
{
	g_set_object (&self->selected, profile);
	cs_app_window_refresh (self);
}

CsSyncProfile *
cs_app_window_get_selected (CsAppWindow *self)
{
	return self->selected;
}

GtkWindow *
cs_app_window_get_last_dialog (CsAppWindow *self)
{
	return self->last_dialog;
}

static void
remember_dialog (CsAppWindow *self, GtkWindow *dialog)
{
	if (self->last_dialog != NULL)
		g_object_remove_weak_pointer (G_OBJECT (self->last_dialog), (gpointer *) &self->last_dialog);
	self->last_dialog = dialog;
	g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->last_dialog);
}

void
cs_app_window_remember_dialog (CsAppWindow *self, GtkWindow *dialog)
{
	remember_dialog (self, dialog);
}

static void
sync_now_clicked_cb (CsAppWindow *self)
{
	CsProgressWindow *progress;
	g_autoptr(GError) error = NULL;
	if (self->selected == NULL)
		return;
	progress = cs_progress_window_new (GTK_WINDOW (self), self->selected);
	remember_dialog (self, GTK_WINDOW (progress));
	if (!cs_progress_window_start (progress, CS_RUN_FLAG_NONE, &error)) {
		gtk_widget_destroy (GTK_WIDGET (progress));
		show_error (self, error->message);
		return;
	}
	gtk_window_present (GTK_WINDOW (progress));
	refresh_details (self);
}

static void
sync_all_clicked_cb (CsAppWindow *self)
{
	CsSyncAllAssistant *assistant;
	g_autoptr(GError) error = NULL;
	if (self->selected == NULL)
		return;
	assistant = cs_sync_all_assistant_new (GTK_WINDOW (self), self->selected, &error);
	if (assistant == NULL) {
		show_error (self, error->message);
		return;
	}
	remember_dialog (self, GTK_WINDOW (assistant));
	gtk_window_present (GTK_WINDOW (assistant));
}

static void
settings_destroyed_cb (CsSettingsDialog *dialog, gpointer user_data)
{
	CsAppWindow *self = CS_APP_WINDOW (user_data);
	const gchar *path = cs_settings_dialog_get_path (dialog);
	GPtrArray *profiles = cs_application_get_profiles (self->app);
	g_autoptr(GError) error = NULL;
	CsSyncProfile *sp;

	if (path == NULL)
		return;
	for (guint i = 0; i < profiles->len; i++)
		if (g_strcmp0 (cs_sync_profile_get_path (g_ptr_array_index (profiles, i)), path) == 0) {
			cs_app_window_refresh (self);
			return;
		}
	sp = cs_application_add_profile (self->app, path, &error);
	if (sp == NULL) {
		show_error (self, error->message);
		return;
	}
	if (!cs_sync_profile_start (sp, &error))
		show_error (self, error->message);
	cs_app_window_select (self, sp);
}

static void
open_settings (CsAppWindow *self, CsSyncProfile *sp)
{
	CsSettingsDialog *dialog = cs_settings_dialog_new (GTK_WINDOW (self), sp,
							   cs_application_get_profiles_dir (self->app),
							   cs_application_get_secrets (self->app));
	g_signal_connect_object (dialog, "destroy", G_CALLBACK (settings_destroyed_cb), self, 0);
	cs_app_window_remember_dialog (self, GTK_WINDOW (dialog));
	gtk_window_present (GTK_WINDOW (dialog));
}

static void
settings_clicked_cb (CsAppWindow *self)
{
	if (self->selected != NULL)
		open_settings (self, self->selected);
}

static void
preview_destroyed_cb (GtkWidget *preview, gpointer user_data)
{
	cs_sync_profile_start (CS_SYNC_PROFILE (user_data), NULL);
}

/* a new profile is saved: it is listed, and its first run is previewed (Sync all) before
 * anything is written to either side */
static void
assistant_destroyed_cb (CsNewProfileAssistant *assistant, gpointer user_data)
{
	CsAppWindow *self = CS_APP_WINDOW (user_data);
	const gchar *path = cs_new_profile_assistant_get_path (assistant);
	g_autoptr(GError) error = NULL;
	CsSyncProfile *sp;
	CsSyncAllAssistant *preview;
	if (path == NULL)
		return;
	sp = cs_application_load_profile (self->app, path);
	cs_app_window_select (self, sp);
	preview = cs_sync_all_assistant_new (GTK_WINDOW (self), sp, &error);
	if (preview == NULL) {
		show_error (self, error->message);
		cs_sync_profile_start (sp, NULL);
		return;
	}
	/* the timers (and a sync on start) begin once the preview is closed: nothing is
	 * written before the user has seen the plan */
	g_signal_connect_object (preview, "destroy", G_CALLBACK (preview_destroyed_cb), sp, 0);
	remember_dialog (self, GTK_WINDOW (preview));
	gtk_window_present (GTK_WINDOW (preview));
}

static void
new_profile_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	CsAppWindow *self = CS_APP_WINDOW (user_data);
	CsNewProfileAssistant *assistant = cs_new_profile_assistant_new (
	    GTK_WINDOW (self), cs_application_get_profiles_dir (self->app),
	    cs_application_get_secrets (self->app));
	g_signal_connect_object (assistant, "destroy", G_CALLBACK (assistant_destroyed_cb), self, 0);
	remember_dialog (self, GTK_WINDOW (assistant));
	gtk_window_present (GTK_WINDOW (assistant));
}

static void
sync_now_action_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	sync_now_clicked_cb (CS_APP_WINDOW (user_data));
}

static void
settings_action_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	settings_clicked_cb (CS_APP_WINDOW (user_data));
}

static void
remove_response_cb (GtkDialog *dialog, gint response, gpointer user_data)
{
	CsAppWindow *self = CS_APP_WINDOW (user_data);
	CsSyncProfile *sp = g_object_get_data (G_OBJECT (dialog), "profile");
	g_autoptr(GError) error = NULL;
	if (response == GTK_RESPONSE_ACCEPT && sp != NULL) {
		if (!cs_application_remove_profile (self->app, sp, &error)) {
			show_error (self, error->message);
		} else {
			GPtrArray *profiles = cs_application_get_profiles (self->app);
			g_clear_object (&self->selected);
			if (profiles->len > 0)
				self->selected = g_object_ref (g_ptr_array_index (profiles, 0));
			cs_app_window_refresh (self);
		}
	}
	gtk_widget_destroy (GTK_WIDGET (dialog));
}

/* removing asks first: the profile's settings and its sign-ins go; the records stay */
static void
remove_profile_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
	CsAppWindow *self = CS_APP_WINDOW (user_data);
	GtkWidget *dialog;
	GtkWidget *button;
	if (self->selected == NULL)
		return;
	dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
					 GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
					 /* TRANSLATORS: %s is a profile's name */
					 _("Remove the profile “%s”?"), cs_sync_profile_get_name (self->selected));
	gtk_message_dialog_format_secondary_text (
	    GTK_MESSAGE_DIALOG (dialog),
	    _("Its settings and saved sign-ins are removed and it stops syncing. No contact, task, "
	      "appointment or e-mail is deleted, in the CRM or in Outlook."));
	gtk_window_set_title (GTK_WINDOW (dialog), _("Remove Profile"));
	gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
	button = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Remove"), GTK_RESPONSE_ACCEPT);
	gtk_style_context_add_class (gtk_widget_get_style_context (button), "destructive-action");
	gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
	g_object_set_data_full (G_OBJECT (dialog), "profile", g_object_ref (self->selected), g_object_unref);
	g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
	cs_app_window_remember_dialog (self, GTK_WINDOW (dialog));
	gtk_widget_show (dialog);
}

static void
update_actions (CsAppWindow *self)
{
	CsSyncProfile *sp = self->selected;
	gboolean loaded = sp != NULL && cs_sync_profile_get_load_error (sp) == NULL;
	gboolean busy = sp != NULL && cs_sync_profile_is_busy (sp);
	GAction *a;
	gtk_widget_set_sensitive (GTK_WIDGET (self->settings_button), loaded);
	gtk_widget_set_sensitive (GTK_WIDGET (self->mapping_button), loaded);
	gtk_widget_set_sensitive (GTK_WIDGET (self->sync_now_button), loaded && !busy);
	gtk_widget_set_sensitive (GTK_WIDGET (self->sync_all_button), loaded && !busy);
	a = g_action_map_lookup_action (G_ACTION_MAP (self), "remove-profile");
	g_simple_action_set_enabled (G_SIMPLE_ACTION (a), sp != NULL && !busy);
	a = g_action_map_lookup_action (G_ACTION_MAP (self), "sync-now");
	g_simple_action_set_enabled (G_SIMPLE_ACTION (a), loaded && !busy);
	a = g_action_map_lookup_action (G_ACTION_MAP (self), "settings");
	g_simple_action_set_enabled (G_SIMPLE_ACTION (a), loaded);
}

/* a failing profile says so at the top, with the one thing that mends it */
static void
update_profile_bar (CsAppWindow *self)
{
	CsSyncProfile *sp = self->selected;
	const gchar *message = sp != NULL && !cs_sync_profile_is_busy (sp)
				   ? cs_sync_profile_get_last_error (sp)
				   : NULL;
	g_autofree gchar *text = NULL;
	const gchar *action = NULL;
	if (message == NULL) {
		gtk_widget_hide (GTK_WIDGET (self->profile_bar));
		return;
	}
	if (cs_sync_profile_get_load_error (sp) != NULL) {
		/* TRANSLATORS: %s is a profile's name, then what is wrong with its file */
		text = g_strdup_printf (_("The profile “%s” cannot be read: %s"),
					cs_sync_profile_get_name (sp), message);
		action = _("_Edit the File…");
	} else {
		/* TRANSLATORS: %s is a profile's name, then why its sync failed */
		text = g_strdup_printf (_("“%s” could not sync: %s"), cs_sync_profile_get_name (sp), message);
		switch (cs_sync_profile_get_fix (sp)) {
		case CS_SYNC_FIX_SIGN_IN:
			action = _("_Sign In Again");
			break;
		case CS_SYNC_FIX_SETTINGS:
			action = _("_Open the Settings");
			break;
		default:
			action = _("_Try Again");
		}
	}
	gtk_label_set_text (self->profile_bar_label, text);
	gtk_button_set_label (self->profile_bar_button, action);
	gtk_widget_show (GTK_WIDGET (self->profile_bar));
}

static void
profile_bar_response_cb (CsAppWindow *self, gint response)
{
	CsSyncProfile *sp = self->selected;
	if (sp == NULL || response != 1)
		return;
	if (cs_sync_profile_get_load_error (sp) != NULL) {
		g_autofree gchar *uri = g_filename_to_uri (cs_sync_profile_get_path (sp), NULL, NULL);
		g_autoptr(GError) error = NULL;
		/* a text editor mends the file; selecting the profile again reads it */
		if (uri == NULL || !gtk_show_uri_on_window (GTK_WINDOW (self), uri, GDK_CURRENT_TIME, &error))
			show_error (self, error != NULL ? error->message : cs_sync_profile_get_path (sp));
		return;
	}
	switch (cs_sync_profile_get_fix (sp)) {
	case CS_SYNC_FIX_SETTINGS:
		open_settings (self, sp);
		break;
	case CS_SYNC_FIX_SIGN_IN:
	default:
		/* a new run signs in again (its sign-in dialog shows the code) */
		sync_now_clicked_cb (self);
	}
}

static void
mapping_clicked_cb (CsAppWindow *self)
{
	CsMappingWindow *window;
	if (self->selected == NULL)
		return;
	window = cs_mapping_window_new (GTK_WINDOW (self), self->selected);
	remember_dialog (self, GTK_WINDOW (window));
	gtk_window_present (GTK_WINDOW (window));
}

/* @winner: a CsSide, or -1 with @typed: the value the user typed for both sides */
static void
resolve (CsAppWindow *self, gint winner, const gchar *typed)
{
	GtkTreeSelection *sel = gtk_tree_view_get_selection (self->conflicts_view);
	GtkTreeModel *model;
	GtkTreeIter iter;
	gint64 id = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(CsConflict) c = NULL;
	g_autofree gchar *value = NULL;
	CsState *state;

	if (self->selected == NULL || !gtk_tree_selection_get_selected (sel, &model, &iter))
		return;
	gtk_tree_model_get (model, &iter, XCOL_ID, &id, -1);
	state = cs_sync_profile_get_state (self->selected, &error);
	if (state != NULL)
		c = cs_state_get_conflict (state, id, &error);
	if (c != NULL && winner < 0)
		value = cs_conflict_typed_value (c, typed);
	/* the decision is recorded; the next run writes the kept value on both sides */
	if (c == NULL || !cs_state_decide_conflict (state, id, winner, value, &error)) {
		show_error (self, error->message);
		return;
	}
	gtk_entry_set_text (self->value_entry, "");
	refresh_details (self);
}

static void
use_value_clicked_cb (CsAppWindow *self)
{
	resolve (self, -1, gtk_entry_get_text (self->value_entry));
}

static void
keep_crm_clicked_cb (CsAppWindow *self)
{
	resolve (self, CS_SIDE_CRM, NULL);
}

static void
keep_outlook_clicked_cb (CsAppWindow *self)
{
	resolve (self, CS_SIDE_OUTLOOK, NULL);
}

static void
conflict_selected_cb (CsAppWindow *self, GtkTreeSelection *sel)
{
	gboolean any = gtk_tree_selection_get_selected (sel, NULL, NULL);
	gtk_widget_set_sensitive (GTK_WIDGET (self->keep_crm_button), any);
	gtk_widget_set_sensitive (GTK_WIDGET (self->keep_outlook_button), any);
	gtk_widget_set_sensitive (GTK_WIDGET (self->value_entry), any);
	gtk_widget_set_sensitive (GTK_WIDGET (self->use_value_button), any);
}

/* a run selected in History: what it changed, record by record and field by field */
static void
history_selected_cb (CsAppWindow *self, GtkTreeSelection *sel)
{
	GtkTreeModel *model;
	GtkTreeIter iter;
	gint64 run_id = 0;
	CsState *state;
	CsEngine *engine;
	g_autoptr(GPtrArray) changes = NULL;

	if (self->selected == NULL || !gtk_tree_selection_get_selected (sel, &model, &iter)) {
		cs_changes_view_set_placeholder (self->history_changes,
						 _("Select a run to see what it changed."));
		cs_changes_view_set_changes (self->history_changes, NULL);
		return;
	}
	/* the history keeps the changes of the last runs only (keep-runs=) */
	cs_changes_view_set_placeholder (self->history_changes, _("No changes kept for this run."));
	gtk_tree_model_get (model, &iter, HCOL_RUN_ID, &run_id, -1);
	state = cs_sync_profile_get_state (self->selected, NULL);
	engine = cs_sync_profile_get_engine (self->selected, NULL);
	if (state != NULL)
		changes = cs_record_changes_for_run (state, engine, run_id, NULL);
	cs_changes_view_set_changes (self->history_changes, changes);
}

static void
undo_clicked_cb (CsAppWindow *self)
{
	g_autoptr(GError) error = NULL;
	CsUndoDialog *dialog;
	if (self->selected == NULL)
		return;
	dialog = cs_undo_dialog_new (GTK_WINDOW (self), self->selected, &error);
	if (dialog == NULL) {
		show_error (self, error->message);
		return;
	}
	cs_app_window_remember_dialog (self, GTK_WINDOW (dialog));
	gtk_window_present (GTK_WINDOW (dialog));
}

/* next-run times and states move with the clock; a coarse tick is enough */
static gboolean
tick_cb (gpointer user_data)
{
	CsAppWindow *self = CS_APP_WINDOW (user_data);
	if (self->selected != NULL) {
		g_autofree gchar *next = NULL;
		CsScheduler *s = cs_sync_profile_get_scheduler (self->selected);
		gtk_label_set_text (self->status_label, status_text (self->selected));
		if (s != NULL && cs_scheduler_get_next_run (s) > 0 &&
		    cs_profile_get_enabled (cs_sync_profile_get_profile (self->selected))) {
			next = format_time (cs_scheduler_get_next_run (s));
			gtk_label_set_text (self->next_run_label, next);
		}
	}
	return G_SOURCE_CONTINUE;
}

/* the size the user left the window at, for the next start */
static void
save_geometry (CsAppWindow *self)
{
	gint w, h;
	if (self->settings == NULL || !gtk_widget_get_realized (GTK_WIDGET (self)))
		return;
	g_settings_set_boolean (self->settings, "window-maximized",
				gtk_window_is_maximized (GTK_WINDOW (self)));
	if (gtk_window_is_maximized (GTK_WINDOW (self)))
		return;
	gtk_window_get_size (GTK_WINDOW (self), &w, &h);
	g_settings_set_int (self->settings, "window-width", MAX (w, 360));
	g_settings_set_int (self->settings, "window-height", MAX (h, 294));
}

static gboolean
delete_event_cb (CsAppWindow *self)
{
	GApplication *app = G_APPLICATION (self->app);
	save_geometry (self);
	/* without background sync, closing the window is quitting (after sync-on-exit) */
	if (self->settings != NULL && !g_settings_get_boolean (self->settings, "run-in-background")) {
		g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
		return TRUE;
	}
	return FALSE;
}

static void
cs_app_window_dispose (GObject *object)
{
	CsAppWindow *self = CS_APP_WINDOW (object);
	self->disposed = TRUE;
	g_clear_object (&self->settings);
	if (self->tick_id != 0)
		g_source_remove (self->tick_id);
	self->tick_id = 0;
	g_clear_object (&self->selected);
	G_OBJECT_CLASS (cs_app_window_parent_class)->dispose (object);
}

static void
cs_app_window_class_init (CsAppWindowClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
	G_OBJECT_CLASS (klass)->dispose = cs_app_window_dispose;
	g_type_ensure (CS_TYPE_HISTORY_CHART);
	g_type_ensure (CS_TYPE_CHANGES_VIEW);
	gtk_widget_class_set_template_from_resource (widget_class, "/org/crmsync/Crmsync/ui/cs-app-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CsAppWindow, name)
	BIND (profiles_list);
	BIND (stack);
	BIND (infobar);
	BIND (info_label);
	BIND (profile_bar);
	BIND (profile_bar_label);
	BIND (profile_bar_button);
	BIND (name_label);
	BIND (sides_label);
	BIND (status_label);
	BIND (last_run_label);
	BIND (next_run_label);
	BIND (notebook);
	BIND (counts_store);
	BIND (history_store);
	BIND (conflicts_store);
	BIND (conflicts_view);
	BIND (value_entry);
	BIND (use_value_button);
	BIND (history_view);
	BIND (history_chart);
	BIND (history_changes);
	BIND (undo_button);
	BIND (duplicates_list);
	BIND (duplicates_page);
	BIND (duplicates_tab_label);
	BIND (skips_store);
	BIND (conflicts_tab_label);
	BIND (skips_tab_label);
	BIND (sync_now_button);
	BIND (sync_all_button);
	BIND (settings_button);
	BIND (mapping_button);
	BIND (keep_crm_button);
	BIND (keep_outlook_button);
#undef BIND
	gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
	gtk_widget_class_bind_template_callback (widget_class, sync_now_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, sync_all_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, settings_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, profile_bar_response_cb);
	gtk_widget_class_bind_template_callback (widget_class, mapping_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, keep_crm_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, keep_outlook_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, conflict_selected_cb);
	gtk_widget_class_bind_template_callback (widget_class, use_value_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, history_selected_cb);
	gtk_widget_class_bind_template_callback (widget_class, undo_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, page_switched_cb);
	gtk_widget_class_bind_template_callback (widget_class, delete_event_cb);
	gtk_widget_class_bind_template_callback (widget_class, gtk_widget_hide);
}

static void
cs_app_window_init (CsAppWindow *self)
{
	static const GActionEntry actions[] = {
	    {"new-profile", new_profile_cb, NULL, NULL, NULL, {0}},
	    {"sync-now", sync_now_action_cb, NULL, NULL, NULL, {0}},
	    {"settings", settings_action_cb, NULL, NULL, NULL, {0}},
	    {"remove-profile", remove_profile_cb, NULL, NULL, NULL, {0}},
	};
	gtk_widget_init_template (GTK_WIDGET (self));
	/* the Duplicates tab's empty state (or what keeps it from being known) */
	self->duplicates_placeholder = GTK_LABEL (gtk_label_new (NULL));
	gtk_label_set_line_wrap (self->duplicates_placeholder, TRUE);
	g_object_set (self->duplicates_placeholder, "margin", 12, NULL);
	gtk_widget_show (GTK_WIDGET (self->duplicates_placeholder));
	gtk_list_box_set_placeholder (self->duplicates_list,
				      GTK_WIDGET (self->duplicates_placeholder));
	g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
	self->tick_id = g_timeout_add_seconds (5, tick_cb, self);
}

CsAppWindow *
cs_app_window_new (CsApplication *app)
{
	CsAppWindow *self = g_object_new (CS_TYPE_APP_WINDOW, "application", app, NULL);
	GPtrArray *profiles = cs_application_get_profiles (app);
	static const struct {
		const gchar *action;
		const gchar *accel;
	} accels[] = {{"win.new-profile", "<Primary>n"},
		      {"win.sync-now", "<Primary>r"},
		      {"win.settings", "<Primary>comma"},
		      {"win.remove-profile", "<Primary>Delete"}};
	for (guint i = 0; i < G_N_ELEMENTS (accels); i++) {
		const gchar *list[] = {accels[i].accel, NULL};
		gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, list);
	}
	self->app = app;
	cs_app_actions_install (self);
	self->settings = cs_application_get_settings (app) != NULL ? g_object_ref (cs_application_get_settings (app)) : NULL;
	if (profiles->len > 0)
		self->selected = g_object_ref (g_ptr_array_index (profiles, 0));
	if (self->settings != NULL) {
		g_autofree gchar *active = g_settings_get_string (self->settings, "active-profile");
		for (guint i = 0; i < profiles->len; i++)
			if (g_strcmp0 (cs_sync_profile_get_path (g_ptr_array_index (profiles, i)), active) == 0)
				g_set_object (&self->selected, g_ptr_array_index (profiles, i));
		gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
					     g_settings_get_int (self->settings, "window-height"));
		if (g_settings_get_boolean (self->settings, "window-maximized"))
			gtk_window_maximize (GTK_WINDOW (self));
	}
	cs_app_window_refresh (self);
	return self;
}
