/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-changes-view.h"
#include "cs-progress-window.h"
#include "cs-engine-jobs.h"
#include "cs-sync-all-assistant.h"

/*
 * "Sync all": one direction, the kinds the profile syncs, the e-mail "since"
 * date, then a preview of the plan (full listings, relinking by key) with a
 * tick per item; only the ticked items are applied. Reading and writing run
 * in worker threads; the assistant holds the profile's timers meanwhile.
 */
enum { PAGE_DIRECTION, PAGE_KINDS, PAGE_PREVIEW, PAGE_APPLY, PAGE_SUMMARY };
/* TCOL_HAS_TICK: kinds, records, and the field rows (under a record) of an update; TCOL_ITEM is
 * set on records and their field rows, TCOL_ROW on field rows only (the mapping row) */
enum {
	TCOL_TICK,
	TCOL_INCONSISTENT,
	TCOL_TEXT,
	TCOL_ACTION,
	TCOL_ITEM,
	TCOL_KIND,
	TCOL_HAS_TICK,
	TCOL_SIDE,
	TCOL_ROW,
	N_TCOLS
};

struct _CsSyncAllAssistant {
	GtkAssistant parent_instance;
	GtkRadioButton *to_outlook_radio;
	GtkProgressBar *reading_bar;
	GtkLabel *reading_label;
	GtkRadioButton *to_crm_radio;
	GtkBox *kinds_box;
	GtkLabel *since_label;
	GtkEntry *since_entry;
	GtkStack *preview_stack;
	GtkLabel *preview_error_label;
	GtkLabel *preview_label;
	GtkTreeStore *plan_store;
	GtkTreeView *plan_view;
	GtkCellRendererToggle *tick_renderer;
	GtkProgressBar *apply_bar;
	GtkLabel *apply_label;
	GtkLabel *summary_label;
	GtkButton *confirm_button;
	GtkCheckButton *kind_checks[CS_KIND_LAST];

	CsSyncProfile *profile;	   /* (owned) */
	CsSyncPlan *plan;	   /* (owned) (nullable) */
	CsRunReport *report;	   /* (owned) (nullable) */
	GCancellable *cancellable; /* (owned) */
	CsProgressRelay *relay;	   /* (owned) (nullable) */
	gboolean busy;
	gboolean held;
	gint prepared_for;	   /* the direction the plan was made for, -1: none */
	CsRunFlags confirm;	   /* the guards the user confirmed (the summary's button) */
};

G_DEFINE_TYPE (CsSyncAllAssistant, cs_sync_all_assistant, GTK_TYPE_ASSISTANT)

static CsSide
target_side (CsSyncAllAssistant *self)
{
	return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->to_crm_radio)) ? CS_SIDE_CRM
										  : CS_SIDE_OUTLOOK;
}

static gboolean
writes_to (const CsPlanItem *it, CsSide side)
{
	return it->create[side] || it->delete[side] || (it->rows[side] != NULL && it->rows[side][0] != NULL);
}

static const gchar *
action_text (const CsPlanItem *it, CsSide target)
{
	gboolean crm = target == CS_SIDE_CRM;
	switch (it->action) {
	case CS_PLAN_CREATE:
	case CS_PLAN_RESTORE:
		return crm ? _("Create in the CRM") : _("Create in Outlook");
	case CS_PLAN_UPDATE:
		return crm ? _("Update in the CRM") : _("Update in Outlook");
	case CS_PLAN_DELETE:
		return crm ? _("Delete from the CRM") : _("Delete from Outlook");
	case CS_PLAN_LINK:
		return writes_to (it, target) ? (crm ? _("Link and update in the CRM") : _("Link and update in Outlook"))
					      : _("Link (already the same)");
	default:
		return cs_plan_action_to_string (it->action);
	}
}

/* what the preview shows and the user can tick: writes toward the chosen side only */
static gboolean
in_scope (const CsPlanItem *it, CsSide target)
{
	CsSide other = target == CS_SIDE_CRM ? CS_SIDE_OUTLOOK : CS_SIDE_CRM;
	if (writes_to (it, other))
		return FALSE;
	return writes_to (it, target) || it->action == CS_PLAN_LINK;
}

static gboolean
kind_wanted (CsSyncAllAssistant *self, CsKind kind)
{
	return self->kind_checks[kind] != NULL &&
	       gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->kind_checks[kind]));
}

/* a kind's tick: on when all its records are wholly ticked, in between when some are */
static void
update_parent (CsSyncAllAssistant *self, GtkTreeIter *parent)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->plan_store);
	GtkTreeIter child;
	guint on = 0, n = 0;
	gboolean part = FALSE;
	if (gtk_tree_model_iter_children (model, &child, parent)) {
		do {
			gboolean tick, inconsistent;
			gtk_tree_model_get (model, &child, TCOL_TICK, &tick, TCOL_INCONSISTENT,
					    &inconsistent, -1);
			on += tick && !inconsistent ? 1 : 0;
			part = part || (tick && inconsistent);
			n++;
		} while (gtk_tree_model_iter_next (model, &child));
	}
	gtk_tree_store_set (self->plan_store, parent, TCOL_TICK, n > 0 && on == n, TCOL_INCONSISTENT,
			    part || (on > 0 && on < n), -1);
}

/* a record's row and its field rows as the item's ticks say: the record in between when some
 * of its field changes are left out */
static void
show_item_ticks (CsSyncAllAssistant *self, GtkTreeIter *record)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->plan_store);
	GtkTreeIter field;
	CsPlanItem *it = NULL;
	gboolean some_off = FALSE;
	gtk_tree_model_get (model, record, TCOL_ITEM, &it, -1);
	if (gtk_tree_model_iter_children (model, &field, record)) {
		do {
			g_autofree gchar *row = NULL;
			gint side;
			gboolean on;
			gtk_tree_model_get (model, &field, TCOL_ROW, &row, TCOL_SIDE, &side, -1);
			if (row == NULL)
				continue;
			on = it->selected && cs_plan_item_is_field_ticked (it, (CsSide) side, row);
			some_off = some_off || !on;
			gtk_tree_store_set (self->plan_store, &field, TCOL_TICK, on, -1);
		} while (gtk_tree_model_iter_next (model, &field));
	}
	gtk_tree_store_set (self->plan_store, record, TCOL_TICK, it->selected, TCOL_INCONSISTENT,
			    it->selected && some_off, -1);
}

/* every field change of a record ticked or unticked with it */
static void
tick_all_fields (CsSyncAllAssistant *self, GtkTreeIter *record, gboolean tick)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->plan_store);
	GtkTreeIter field;
	CsPlanItem *it = NULL;
	gtk_tree_model_get (model, record, TCOL_ITEM, &it, -1);
	if (!gtk_tree_model_iter_children (model, &field, record))
		return;
	do {
		g_autofree gchar *row = NULL;
		gint side;
		gtk_tree_model_get (model, &field, TCOL_ROW, &row, TCOL_SIDE, &side, -1);
		if (row != NULL)
			cs_plan_item_set_field_ticked (it, (CsSide) side, row, tick);
	} while (gtk_tree_model_iter_next (model, &field));
}

static guint
count_selected (CsSyncAllAssistant *self)
{
	GPtrArray *items = cs_sync_plan_get_items (self->plan);
	guint n = 0;
	CsSide target = target_side (self);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		if (it->selected && in_scope (it, target))
			n++;
	}
	return n;
}

/* the field changes left out of the ticked records */
static guint
count_fields_left (CsSyncAllAssistant *self)
{
	GPtrArray *items = cs_sync_plan_get_items (self->plan);
	guint n = 0;
	CsSide target = target_side (self);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		if (!it->selected || !in_scope (it, target))
			continue;
		for (guint s = 0; s < CS_SIDE_LAST; s++)
			for (guint r = 0; it->rows[s] != NULL && it->rows[s][r] != NULL; r++)
				n += cs_plan_item_is_field_ticked (it, (CsSide) s, it->rows[s][r]) ? 0 : 1;
	}
	return n;
}

static void
update_preview_label (CsSyncAllAssistant *self)
{
	guint n = count_selected (self);
	guint left = count_fields_left (self);
	g_autofree gchar *text = NULL;
	/* TRANSLATORS: %u is a number of ticked items in the preview */
	text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u change ticked. Untick what should stay as it is.",
					     "%u changes ticked. Untick what should stay as it is.", n),
				n);
	if (left > 0) {
		/* TRANSLATORS: after "N changes ticked. …": single field changes the user unticked */
		g_autofree gchar *more = g_strdup_printf (
		    g_dngettext (GETTEXT_PACKAGE,
				 "%u field change left out: the next sync offers it again.",
				 "%u field changes left out: the next sync offers them again.", left),
		    left);
		g_autofree gchar *both = g_strconcat (text, " ", more, NULL);
		g_free (text);
		text = g_steal_pointer (&both);
	}
	gtk_label_set_text (self->preview_label, text);
}

/* under a record: each field it changes, "First name: Ada → Ann", and on which side; a field
 * change of an update has its own tick (the record's other changes still apply without it) */
static void
add_field_rows (CsSyncAllAssistant *self, GtkTreeIter *parent, CsPlanItem *it,
		CsFieldLabels *labels)
{
	CsEngine *engine = cs_sync_profile_get_engine (self->profile, NULL);
	g_autoptr(CsRecordChange) rc = NULL;
	gboolean tickable = cs_plan_item_can_untick_fields (it);
	if (engine == NULL)
		return;
	rc = cs_record_change_new_from_item (it, engine, labels);
	for (guint f = 0; rc != NULL && f < rc->fields->len; f++) {
		CsFieldChange *fc = g_ptr_array_index (rc->fields, f);
		g_autofree gchar *text = cs_field_change_to_text (fc);
		gboolean own = tickable && fc->row != NULL;
		gtk_tree_store_insert_with_values (
		    self->plan_store, NULL, parent, -1, TCOL_TEXT, text, TCOL_ACTION,
		    cs_changes_side_name (fc->side), TCOL_KIND, (gint) it->kind, TCOL_HAS_TICK, own,
		    TCOL_ITEM, own ? it : NULL, TCOL_SIDE, (gint) fc->side, TCOL_ROW,
		    own ? fc->row : NULL, TCOL_TICK,
		    own && it->selected && cs_plan_item_is_field_ticked (it, fc->side, fc->row), -1);
	}
}

static void
fill_preview (CsSyncAllAssistant *self)
{
	GPtrArray *items = cs_sync_plan_get_items (self->plan);
	CsEngine *engine = cs_sync_profile_get_engine (self->profile, NULL);
	g_autoptr(CsFieldLabels) labels = cs_field_labels_new (engine);
	CsSide target = target_side (self);
	GtkTreeIter parents[CS_KIND_LAST];
	gboolean have[CS_KIND_LAST] = {FALSE};
	guint counts[CS_KIND_LAST] = {0};

	gtk_tree_store_clear (self->plan_store);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		GtkTreeIter child;
		if (!in_scope (it, target) || !kind_wanted (self, it->kind)) {
			/* out of scope: never applied, whatever the planner suggested */
			if (writes_to (it, CS_SIDE_CRM) || writes_to (it, CS_SIDE_OUTLOOK) ||
			    it->action == CS_PLAN_LINK)
				it->selected = FALSE;
			continue;
		}
		if (!have[it->kind]) {
			gtk_tree_store_insert_with_values (self->plan_store, &parents[it->kind], NULL, -1,
							   TCOL_KIND, (gint) it->kind, TCOL_ITEM, NULL,
							   TCOL_HAS_TICK, TRUE, -1);
			have[it->kind] = TRUE;
		}
		counts[it->kind]++;
		gtk_tree_store_insert_with_values (self->plan_store, &child, &parents[it->kind], -1,
						   TCOL_TICK, it->selected, TCOL_TEXT,
						   it->label != NULL ? it->label : cs_plan_item_get_id (it, CS_SIDE_CRM),
						   TCOL_ACTION, action_text (it, target), TCOL_ITEM, it,
						   TCOL_KIND, (gint) it->kind, TCOL_HAS_TICK, TRUE, -1);
		add_field_rows (self, &child, it, labels);
		show_item_ticks (self, &child);
	}
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		g_autofree gchar *text = NULL;
		if (!have[k])
			continue;
		/* TRANSLATORS: a kind and how many changes the preview lists for it */
		text = g_strdup_printf (_("%s (%u)"), cs_kind_get_label ((CsKind) k), counts[k]);
		gtk_tree_store_set (self->plan_store, &parents[k], TCOL_TEXT, text, -1);
		update_parent (self, &parents[k]);
	}
	update_preview_label (self);
}

/* a short plan opens to its fields; a long one to its records, each opening to its fields on
 * a click (tens of thousands of field rows open at once would make the page slow) */
static void
expand_preview (CsSyncAllAssistant *self)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->plan_store);
	GtkTreeIter kind;
	guint records = 0;
	gboolean ok;
	for (ok = gtk_tree_model_get_iter_first (model, &kind); ok; ok = gtk_tree_model_iter_next (model, &kind))
		records += (guint) gtk_tree_model_iter_n_children (model, &kind);
	if (records <= 200) {
		gtk_tree_view_expand_all (self->plan_view);
		return;
	}
	for (ok = gtk_tree_model_get_iter_first (model, &kind); ok; ok = gtk_tree_model_iter_next (model, &kind)) {
		g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &kind);
		gtk_tree_view_expand_row (self->plan_view, path, FALSE);
	}
}

/* a field change of an update: the record's other changes apply without it */
static void
field_toggled (CsSyncAllAssistant *self, GtkTreeIter *field, GtkTreeIter *record)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->plan_store);
	GtkTreeIter f;
	g_autofree gchar *row = NULL;
	CsPlanItem *it = NULL;
	gboolean tick, any = FALSE;
	gint side;

	gtk_tree_model_get (model, field, TCOL_TICK, &tick, TCOL_ITEM, &it, TCOL_SIDE, &side,
			    TCOL_ROW, &row, -1);
	tick = !tick;
	if (tick && !it->selected) {
		/* a record left out, one of its changes taken: only that one */
		tick_all_fields (self, record, FALSE);
		it->selected = TRUE;
	}
	cs_plan_item_set_field_ticked (it, (CsSide) side, row, tick);
	if (gtk_tree_model_iter_children (model, &f, record)) {
		do {
			g_autofree gchar *r = NULL;
			gint s;
			gtk_tree_model_get (model, &f, TCOL_ROW, &r, TCOL_SIDE, &s, -1);
			any = any || (r != NULL && cs_plan_item_is_field_ticked (it, (CsSide) s, r));
		} while (gtk_tree_model_iter_next (model, &f));
	}
	if (!any) {
		/* nothing of it left: the record is left as it is, and ticked again whole */
		it->selected = FALSE;
		tick_all_fields (self, record, TRUE);
	}
	show_item_ticks (self, record);
}

static void
tick_toggled_cb (CsSyncAllAssistant *self, const gchar *path)
{
	GtkTreeModel *model = GTK_TREE_MODEL (self->plan_store);
	GtkTreeIter iter, parent, child, kind;
	gboolean tick, has_tick;
	g_autofree gchar *row = NULL;
	CsPlanItem *it = NULL;

	if (!gtk_tree_model_get_iter_from_string (model, &iter, path))
		return;
	gtk_tree_model_get (model, &iter, TCOL_TICK, &tick, TCOL_ITEM, &it, TCOL_HAS_TICK, &has_tick,
			    TCOL_ROW, &row, -1);
	if (!has_tick)
		return;
	tick = !tick;
	if (row != NULL) {
		if (!gtk_tree_model_iter_parent (model, &parent, &iter))
			return;
		field_toggled (self, &iter, &parent);
		if (gtk_tree_model_iter_parent (model, &kind, &parent))
			update_parent (self, &kind);
	} else if (it != NULL) {
		/* a record's tick takes or leaves all its changes */
		it->selected = tick;
		tick_all_fields (self, &iter, TRUE);
		show_item_ticks (self, &iter);
		if (gtk_tree_model_iter_parent (model, &parent, &iter))
			update_parent (self, &parent);
	} else if (gtk_tree_model_iter_children (model, &child, &iter)) {
		/* a kind's tick sets all its items */
		do {
			CsPlanItem *ci = NULL;
			gtk_tree_model_get (model, &child, TCOL_ITEM, &ci, -1);
			ci->selected = tick;
			tick_all_fields (self, &child, TRUE);
			show_item_ticks (self, &child);
		} while (gtk_tree_model_iter_next (model, &child));
		update_parent (self, &iter);
	}
	update_preview_label (self);
}

static void
preview_progress_cb (gpointer target, CsPhase phase, gdouble fraction, const gchar *message)
{
	CsSyncAllAssistant *self = CS_SYNC_ALL_ASSISTANT (target);
	if (message != NULL && phase < CS_PHASE_APPLY)
		gtk_label_set_text (self->apply_label, message);
	/* while the preview reads: what it reads now, and how far (reading and planning are
	 * the first 70 % of a run's weighted progress) */
	if (phase < CS_PHASE_APPLY) {
		gtk_progress_bar_set_fraction (self->reading_bar, CLAMP (fraction / 0.7, 0, 1));
		if (message != NULL)
			gtk_label_set_text (self->reading_label, message);
	}
	/* the apply phase is the last 30 % of a run's weighted progress */
	if (phase == CS_PHASE_APPLY)
		gtk_progress_bar_set_fraction (self->apply_bar, CLAMP ((fraction - 0.7) / 0.3, 0, 1));
	if (phase == CS_PHASE_APPLY && message != NULL)
		gtk_label_set_text (self->apply_label, message);
}

static void
prepare_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsSyncAllAssistant) self = CS_SYNC_ALL_ASSISTANT (user_data);
	g_autoptr(GError) error = NULL;
	CsSyncPlan *plan = cs_engine_prepare_finish (CS_ENGINE (source), result, &error);
	GtkWidget *page = gtk_assistant_get_nth_page (GTK_ASSISTANT (self), PAGE_PREVIEW);

	g_clear_pointer (&self->relay, cs_progress_relay_free);
	self->busy = FALSE;
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (plan == NULL) {
		/* TRANSLATORS: %s is the engine's explanation */
		g_autofree gchar *text = g_strdup_printf (_("The preview could not be made: %s"), error->message);
		gtk_label_set_text (self->preview_error_label, text);
		gtk_stack_set_visible_child_name (self->preview_stack, "error");
		return;
	}
	g_clear_object (&self->plan);
	self->plan = plan;
	self->prepared_for = (gint) target_side (self);
	fill_preview (self);
	expand_preview (self);
	gtk_stack_set_visible_child_name (self->preview_stack, "plan");
	gtk_assistant_set_page_complete (GTK_ASSISTANT (self), page, TRUE);
}

/* a changed "since" date is a profile setting; the engine reads it anew */
static gboolean
save_since (CsSyncAllAssistant *self, GError **error)
{
	CsProfile *p = cs_sync_profile_get_profile (self->profile);
	const CsKindConfig *c = cs_profile_get_kind_config (p, CS_KIND_EMAIL);
	const gchar *since = gtk_entry_get_text (self->since_entry);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autofree gchar *orig = NULL;
	g_autofree gchar *data = NULL;
	g_autoptr(CsProfile) check = NULL;

	if (!gtk_widget_get_visible (GTK_WIDGET (self->since_entry)) || g_strcmp0 (since, c->since != NULL ? c->since : "") == 0)
		return TRUE;
	orig = g_key_file_to_data (cs_profile_get_keyfile (p), NULL, NULL);
	g_key_file_load_from_data (kf, orig, (gsize) -1, G_KEY_FILE_KEEP_COMMENTS, NULL);
	if (since[0] != '\0')
		g_key_file_set_string (kf, "email", "since", since);
	else
		g_key_file_remove_key (kf, "email", "since", NULL);
	data = g_key_file_to_data (kf, NULL, NULL);
	check = cs_profile_new_from_data (data, cs_sync_profile_get_path (self->profile), error);
	if (check == NULL)
		return FALSE;
	if (!g_file_set_contents_full (cs_sync_profile_get_path (self->profile), data, -1,
				       G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
		return FALSE;
	/* the assistant holds the profile; let go for the reload */
	cs_sync_profile_release_manual (self->profile);
	self->held = FALSE;
	if (!cs_sync_profile_reload (self->profile, error))
		return FALSE;
	cs_sync_profile_hold_manual (self->profile);
	self->held = TRUE;
	return TRUE;
}

static void
start_prepare (CsSyncAllAssistant *self)
{
	g_autoptr(GError) error = NULL;
	CsEngine *engine;
	GtkWidget *page = gtk_assistant_get_nth_page (GTK_ASSISTANT (self), PAGE_PREVIEW);

	gtk_assistant_set_page_complete (GTK_ASSISTANT (self), page, FALSE);
	gtk_stack_set_visible_child_name (self->preview_stack, "reading");
	if (!save_since (self, &error) || (engine = cs_sync_profile_get_engine (self->profile, &error)) == NULL) {
		gtk_label_set_text (self->preview_error_label, error->message);
		gtk_stack_set_visible_child_name (self->preview_stack, "error");
		return;
	}
	self->busy = TRUE;
	self->relay = cs_progress_relay_new (engine, G_OBJECT (self), preview_progress_cb);
	cs_engine_prepare_async (engine, CS_RUN_FLAG_ALL, self->cancellable, prepare_done_cb,
				 g_object_ref (self));
}

static void
apply_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsSyncAllAssistant) self = CS_SYNC_ALL_ASSISTANT (user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	GtkWidget *page = gtk_assistant_get_nth_page (GTK_ASSISTANT (self), PAGE_APPLY);

	g_clear_pointer (&self->relay, cs_progress_relay_free);
	self->busy = FALSE;
	self->report = cs_engine_apply_finish (CS_ENGINE (source), result, &error);
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && gtk_widget_in_destruction (GTK_WIDGET (self)))
		return;
	if (self->report == NULL) {
		text = g_strdup_printf (_("Sync all failed: %s\nWhat was written before the failure is recorded; "
					  "the next sync carries on from there."),
					error->message);
	} else if (cs_run_report_get_status (self->report) == CS_RUN_STOPPED) {
		/* the preview showed what it would do: confirmed here, as the progress window does */
		gboolean update = cs_run_report_get_guard_confirm (self->report) == CS_RUN_FLAG_FORCE;
		/* TRANSLATORS: %s says what the guard saw, e.g. a mass deletion */
		text = g_strdup_printf (_("Nothing was changed.\n%s.\nIf these changes are what you want, "
					  "confirm them."),
					cs_run_report_get_guard (self->report));
		gtk_button_set_label (self->confirm_button,
				      update ? _("_Apply these changes") : _("_Delete them"));
		gtk_widget_show (GTK_WIDGET (self->confirm_button));
	} else {
		/* fields by their labels ("Job title"), as the CLI's report shows them */
		g_autoptr (CsFieldLabels) labels
			= cs_field_labels_new (cs_sync_profile_get_engine (self->profile, NULL));
		g_autofree gchar *details
			= cs_run_report_to_text_labelled (self->report, cs_field_labels_func, labels);
		text = g_strdup_printf (_("Sync all is done.\n\n%s"), details);
	}
	gtk_label_set_text (self->summary_label, text);
	gtk_progress_bar_set_fraction (self->apply_bar, 1.0);
	gtk_assistant_set_page_complete (GTK_ASSISTANT (self), page, TRUE);
	gtk_assistant_next_page (GTK_ASSISTANT (self));
	g_signal_emit_by_name (self->profile, "run-finished", self->report, error);
	cs_sync_profile_changed (self->profile);
}

static void
start_apply (CsSyncAllAssistant *self)
{
	CsEngine *engine = cs_sync_profile_get_engine (self->profile, NULL);
	self->busy = TRUE;
	gtk_label_set_text (self->apply_label, _("Writing the ticked changes…"));
	self->relay = cs_progress_relay_new (engine, G_OBJECT (self), preview_progress_cb);
	/* recorded in the history like any run */
	cs_engine_apply_async (engine, self->plan, CS_RUN_FLAG_ALL | self->confirm, "sync-all",
			       self->cancellable, apply_done_cb, g_object_ref (self));
}

/* the guard that stopped the plan, confirmed: the same plan applied again with it (and with
 * any confirmed before: two guards would take turns else) */
static void
confirm_clicked_cb (CsSyncAllAssistant *self)
{
	GtkWidget *page = gtk_assistant_get_nth_page (GTK_ASSISTANT (self), PAGE_APPLY);
	if (self->busy || self->report == NULL)
		return;
	self->confirm |= cs_run_report_get_guard_confirm (self->report);
	g_clear_object (&self->report);
	gtk_widget_hide (GTK_WIDGET (self->confirm_button));
	gtk_label_set_text (self->summary_label, "");
	gtk_progress_bar_set_fraction (self->apply_bar, 0);
	gtk_assistant_set_page_complete (GTK_ASSISTANT (self), page, FALSE);
	/* the apply page starts the run when it is shown */
	gtk_assistant_set_current_page (GTK_ASSISTANT (self), PAGE_APPLY);
}

static void
prepare_page_cb (CsSyncAllAssistant *self, GtkWidget *page)
{
	gint n = gtk_assistant_get_current_page (GTK_ASSISTANT (self));
	if (n == PAGE_PREVIEW && !self->busy)
		start_prepare (self);
	else if (n == PAGE_APPLY && !self->busy)
		start_apply (self);
}

static void
direction_toggled_cb (CsSyncAllAssistant *self)
{
	gboolean to_crm = target_side (self) == CS_SIDE_CRM;
	/* e-mails only ever go from Outlook to the CRM */
	if (self->kind_checks[CS_KIND_EMAIL] != NULL)
		gtk_widget_set_sensitive (GTK_WIDGET (self->kind_checks[CS_KIND_EMAIL]), to_crm);
	gtk_widget_set_visible (GTK_WIDGET (self->since_label), self->kind_checks[CS_KIND_EMAIL] != NULL && to_crm);
	gtk_widget_set_visible (GTK_WIDGET (self->since_entry), self->kind_checks[CS_KIND_EMAIL] != NULL && to_crm);
}

static void
close_cb (CsSyncAllAssistant *self)
{
	gtk_widget_destroy (GTK_WIDGET (self));
}

static void
cancel_cb (CsSyncAllAssistant *self)
{
	/* the engine stops at a consistent point; what was committed stays recorded */
	g_cancellable_cancel (self->cancellable);
	gtk_widget_destroy (GTK_WIDGET (self));
}

/* the user closed the sign-in this preview waits for: nothing to preview, the assistant goes */
static void
cancel_requested_cb (CsSyncAllAssistant *self)
{
	if (self->busy)
		cancel_cb (self);
}

static void
cs_sync_all_assistant_dispose (GObject *object)
{
	CsSyncAllAssistant *self = CS_SYNC_ALL_ASSISTANT (object);
	if (self->cancellable != NULL)
		g_cancellable_cancel (self->cancellable);
	if (self->held && !self->busy) {
		self->held = FALSE;
		cs_sync_profile_release_manual (self->profile);
	}
	G_OBJECT_CLASS (cs_sync_all_assistant_parent_class)->dispose (object);
}

static void
cs_sync_all_assistant_finalize (GObject *object)
{
	CsSyncAllAssistant *self = CS_SYNC_ALL_ASSISTANT (object);
	g_clear_pointer (&self->relay, cs_progress_relay_free);
	/* a worker still running holds a ref, so by now it has finished */
	if (self->held)
		cs_sync_profile_release_manual (self->profile);
	g_clear_object (&self->profile);
	g_clear_object (&self->plan);
	g_clear_object (&self->report);
	g_clear_object (&self->cancellable);
	G_OBJECT_CLASS (cs_sync_all_assistant_parent_class)->finalize (object);
}

static void
cs_sync_all_assistant_class_init (CsSyncAllAssistantClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
	object_class->dispose = cs_sync_all_assistant_dispose;
	object_class->finalize = cs_sync_all_assistant_finalize;
	gtk_widget_class_set_template_from_resource (widget_class,
						     "/org/crmsync/Crmsync/ui/cs-sync-all-assistant.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CsSyncAllAssistant, name)
	BIND (to_outlook_radio);
	BIND (reading_bar);
	BIND (reading_label);
	BIND (to_crm_radio);
	BIND (kinds_box);
	BIND (since_label);
	BIND (since_entry);
	BIND (preview_stack);
	BIND (preview_error_label);
	BIND (preview_label);
	BIND (plan_store);
	BIND (plan_view);
	BIND (tick_renderer);
	BIND (apply_bar);
	BIND (apply_label);
	BIND (summary_label);
	BIND (confirm_button);
#undef BIND
	gtk_widget_class_bind_template_callback (widget_class, tick_toggled_cb);
	gtk_widget_class_bind_template_callback (widget_class, prepare_page_cb);
	gtk_widget_class_bind_template_callback (widget_class, direction_toggled_cb);
	gtk_widget_class_bind_template_callback (widget_class, close_cb);
	gtk_widget_class_bind_template_callback (widget_class, cancel_cb);
	gtk_widget_class_bind_template_callback (widget_class, confirm_clicked_cb);
}

static void
cs_sync_all_assistant_init (CsSyncAllAssistant *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->cancellable = g_cancellable_new ();
	self->prepared_for = -1;
}

static void
kind_cell_cb (GtkTreeViewColumn *column, GtkCellRenderer *cell, GtkTreeModel *model,
	      GtkTreeIter *iter, gpointer user_data)
{
	gpointer item = NULL;
	gboolean has_tick, field_row = gtk_tree_store_iter_depth (GTK_TREE_STORE (model), iter) > 1;
	gtk_tree_model_get (model, iter, TCOL_ITEM, &item, TCOL_HAS_TICK, &has_tick, -1);
	g_object_set (cell, "weight",
		      item == NULL && has_tick && !field_row ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL,
		      NULL);
}

CsSyncAllAssistant *
cs_sync_all_assistant_new (GtkWindow *parent, CsSyncProfile *profile, GError **error)
{
	CsSyncAllAssistant *self;
	CsEngine *engine;
	CsProfile *p;
	const CsKindConfig *email;
	g_autoptr(GList) cells = NULL;

	if (cs_sync_profile_is_busy (profile)) {
		g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
				     _("A sync is running for this profile; try again when it has finished."));
		return NULL;
	}
	engine = cs_sync_profile_get_engine (profile, error);
	if (engine == NULL)
		return NULL;
	self = g_object_new (CS_TYPE_SYNC_ALL_ASSISTANT, "transient-for", parent, "use-header-bar", TRUE, NULL);
	self->profile = g_object_ref (profile);
	cs_sync_profile_hold_manual (profile);
	self->held = TRUE;
	g_signal_connect_object (profile, "cancel-requested", G_CALLBACK (cancel_requested_cb), self,
				 G_CONNECT_SWAPPED);
	p = cs_sync_profile_get_profile (profile);
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		GtkWidget *check;
		if (!cs_engine_is_enabled (engine, (CsKind) k))
			continue;
		check = gtk_check_button_new_with_label (cs_kind_get_label ((CsKind) k));
		gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (check), TRUE);
		gtk_widget_show (check);
		gtk_container_add (GTK_CONTAINER (self->kinds_box), check);
		self->kind_checks[k] = GTK_CHECK_BUTTON (check);
	}
	email = cs_profile_get_kind_config (p, CS_KIND_EMAIL);
	gtk_entry_set_text (self->since_entry, email->since != NULL ? email->since : "");
	cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (gtk_tree_view_get_column (self->plan_view, 1)));
	gtk_tree_view_column_set_cell_data_func (gtk_tree_view_get_column (self->plan_view, 1),
						 cells->data, kind_cell_cb, NULL, NULL);
	direction_toggled_cb (self);
	return self;
}

CsSyncPlan *
cs_sync_all_assistant_get_plan (CsSyncAllAssistant *self)
{
	return self->plan;
}

CsRunReport *
cs_sync_all_assistant_get_report (CsSyncAllAssistant *self)
{
	return self->report;
}

gboolean
cs_sync_all_assistant_is_busy (CsSyncAllAssistant *self)
{
	return self->busy;
}

GtkToggleButton *
cs_sync_all_assistant_get_kind_check (CsSyncAllAssistant *self, CsKind kind)
{
	return self->kind_checks[kind] != NULL ? GTK_TOGGLE_BUTTON (self->kind_checks[kind]) : NULL;
}
