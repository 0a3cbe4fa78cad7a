/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-changes-view.h"
#include "cs-engine-jobs.h"
#include "cs-progress-window.h"

/*
 * The engine emits "progress" in its worker thread. The relay keeps only the
 * latest value under a lock and posts one idle at a time to the GTK thread,
 * so a fast run cannot flood the main loop with updates.
 */
struct _CsProgressRelay {
	CsEngine *engine;	/* (owned) */
	gulong handler;
	GWeakRef target;
	CsProgressFunc func;
	GMutex lock;
	gboolean posted;
	gint phase;
	gdouble fraction;
	gchar *message;		/* (owned) (nullable) */
	gint refs;		/* the relay and each posted idle */
};

static void
relay_unref (CsProgressRelay *relay)
{
	if (!g_atomic_int_dec_and_test (&relay->refs))
		return;
	g_weak_ref_clear (&relay->target);
	g_mutex_clear (&relay->lock);
	g_free (relay->message);
	g_free (relay);
}

static gboolean
relay_idle_cb (gpointer user_data)
{
	CsProgressRelay *relay = user_data;
	g_autoptr(GObject) target = g_weak_ref_get (&relay->target);
	g_autofree gchar *message = NULL;
	gint phase;
	gdouble fraction;

	g_mutex_lock (&relay->lock);
	relay->posted = FALSE;
	phase = relay->phase;
	fraction = relay->fraction;
	message = g_strdup (relay->message);
	g_mutex_unlock (&relay->lock);
	if (target != NULL && relay->func != NULL)
		relay->func (target, (CsPhase) phase, fraction, message);
	relay_unref (relay);
	return G_SOURCE_REMOVE;
}

static void
relay_progress_cb (CsEngine *engine, gint phase, gdouble fraction, const gchar *message,
		   gpointer user_data)
{
	CsProgressRelay *relay = user_data;
	gboolean post;

	g_mutex_lock (&relay->lock);
	relay->phase = phase;
	relay->fraction = fraction;
	/* a NULL message closes a phase; keep the last item shown until the next */
	if (message != NULL) {
		g_free (relay->message);
		relay->message = g_strdup (message);
	}
	post = !relay->posted;
	relay->posted = TRUE;
	g_mutex_unlock (&relay->lock);
	if (post) {
		g_atomic_int_inc (&relay->refs);
		g_idle_add_full (G_PRIORITY_DEFAULT, relay_idle_cb, relay, NULL);
	}
}

CsProgressRelay *
cs_progress_relay_new (CsEngine *engine, GObject *target, CsProgressFunc func)
{
	CsProgressRelay *relay = g_new0 (CsProgressRelay, 1);
	relay->refs = 1;
	relay->engine = g_object_ref (engine);
	relay->func = func;
	g_mutex_init (&relay->lock);
	g_weak_ref_init (&relay->target, target);
	relay->handler = g_signal_connect (engine, "progress", G_CALLBACK (relay_progress_cb), relay);
	return relay;
}

/* call once the worker has returned: no emission can be under way then */
void
cs_progress_relay_free (CsProgressRelay *relay)
{
	g_signal_handler_disconnect (relay->engine, relay->handler);
	g_clear_object (&relay->engine);
	g_weak_ref_set (&relay->target, NULL);
	relay_unref (relay);
}

struct _CsProgressWindow {
	GtkWindow parent_instance;
	GtkLabel *title_label;
	GtkLabel *phase_labels[CS_PHASE_LAST];
	GtkLabel *item_label;
	GtkProgressBar *progress_bar;
	GtkLabel *result_label;
	GtkButton *cancel_button;
	GtkButton *close_button;
	GtkButton *confirm_button;
	CsChangesView *plan_changes;
	CsSyncProfile *profile;	    /* (owned) */
	GCancellable *cancellable;  /* (owned) */
	CsProgressRelay *relay;	    /* (owned) (nullable) */
	CsRunReport *report;	    /* (owned) (nullable) */
	GError *error;		    /* (owned) (nullable) */
	gboolean running;
	gboolean finished;
	gdouble fraction;
	CsRunFlags flags;
	CsPhase phase;
	gboolean phase_seen;
	/* the phases begun: a run that streams reads Outlook before the CRM */
	gboolean begun[CS_PHASE_LAST];
	gboolean cancel_connected;
};

G_DEFINE_TYPE (CsProgressWindow, cs_progress_window, GTK_TYPE_WINDOW)

static const gchar *
phase_name (CsPhase phase)
{
	switch (phase) {
	case CS_PHASE_READ_CRM:
		return _("Read the CRM");
	case CS_PHASE_READ_OUTLOOK:
		return _("Read Outlook");
	case CS_PHASE_PLAN:
		return _("Plan the changes");
	case CS_PHASE_APPLY:
	default:
		return _("Write the changes");
	}
}

static void
set_phase (CsProgressWindow *self, CsPhase current, gboolean all_done)
{
	for (guint p = 0; p < CS_PHASE_LAST; p++) {
		g_autofree gchar *text = NULL;
		/* TRANSLATORS: a phase of a sync: done (✓), going (▸) or to come (·) */
		if (all_done || (self->begun[p] && p != current))
			text = g_strdup_printf (_("✓ %s"), phase_name ((CsPhase) p));
		else if (p == current)
			text = g_strdup_printf (_("▸ %s"), phase_name ((CsPhase) p));
		else
			text = g_strdup_printf (_("· %s"), phase_name ((CsPhase) p));
		gtk_label_set_text (self->phase_labels[p], text);
		gtk_widget_set_sensitive (GTK_WIDGET (self->phase_labels[p]),
					  all_done || self->begun[p] || p == current);
	}
}

static void
progress_cb (gpointer target, CsPhase phase, gdouble fraction, const gchar *message)
{
	CsProgressWindow *self = CS_PROGRESS_WINDOW (target);
	if (self->finished)
		return;
	self->fraction = fraction;
	self->phase = phase;
	self->phase_seen = TRUE;
	self->begun[phase] = TRUE;
	/* what must have begun before (the relay keeps only the newest step):
	 * the CRM is connected before Outlook is read, whichever is read
	 * first; both are read before planning */
	if (phase >= CS_PHASE_READ_OUTLOOK)
		self->begun[CS_PHASE_READ_CRM] = TRUE;
	if (phase >= CS_PHASE_PLAN)
		self->begun[CS_PHASE_READ_OUTLOOK] = TRUE;
	gtk_progress_bar_set_fraction (self->progress_bar, fraction);
	set_phase (self, phase, FALSE);
	if (message != NULL)
		gtk_label_set_text (self->item_label, message);
}

static void
cs_progress_window_dispose (GObject *object)
{
	CsProgressWindow *self = CS_PROGRESS_WINDOW (object);
	if (self->cancellable != NULL)
		g_cancellable_cancel (self->cancellable);
	G_OBJECT_CLASS (cs_progress_window_parent_class)->dispose (object);
}

static void
cs_progress_window_finalize (GObject *object)
{
	CsProgressWindow *self = CS_PROGRESS_WINDOW (object);
	g_clear_pointer (&self->relay, cs_progress_relay_free);
	g_clear_object (&self->profile);
	g_clear_object (&self->cancellable);
	g_clear_object (&self->report);
	g_clear_error (&self->error);
	G_OBJECT_CLASS (cs_progress_window_parent_class)->finalize (object);
}

static void
cancel_clicked_cb (CsProgressWindow *self)
{
	g_cancellable_cancel (self->cancellable);
	gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), FALSE);
	/* TRANSLATORS: shown while the engine stops at a safe point */
	gtk_label_set_text (self->item_label, _("Stopping after the current step…"));
}

static void
cancel_requested_cb (CsProgressWindow *self)
{
	if (self->running)
		cancel_clicked_cb (self);
}

static gboolean start_selected (CsProgressWindow *self, CsRunFlags flags, GError **error);

static void
confirm_clicked_cb (CsProgressWindow *self)
{
	g_autoptr(GError) error = NULL;
	gboolean some_unticked = gtk_widget_get_visible (GTK_WIDGET (self->plan_changes)) &&
				 cs_changes_view_count_unticked (self->plan_changes) > 0;
	/* the user saw what the guard stopped and wants it: run again with that
	 * guard confirmed (deletions, or a mass update), the others still on */
	CsRunFlags confirm = self->report != NULL ? cs_run_report_get_guard_confirm (self->report)
						  : CS_RUN_FLAG_FORCE_DELETE;
	g_clear_object (&self->report);
	g_clear_error (&self->error);
	self->finished = FALSE;
	self->fraction = 0;
	gtk_progress_bar_set_fraction (self->progress_bar, 0);
	gtk_widget_hide (GTK_WIDGET (self->confirm_button));
	gtk_widget_hide (GTK_WIDGET (self->close_button));
	gtk_widget_hide (GTK_WIDGET (self->result_label));
	gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), TRUE);
	gtk_widget_show (GTK_WIDGET (self->cancel_button));
	/* the ticks stay readable for the plan made again; the list goes */
	gtk_widget_hide (GTK_WIDGET (self->plan_changes));
	if (some_unticked ? !start_selected (self, self->flags | confirm, &error)
			  : !cs_progress_window_start (self, self->flags | confirm, &error)) {
		self->finished = TRUE;
		gtk_label_set_text (self->result_label, error->message);
		gtk_widget_show (GTK_WIDGET (self->result_label));
		gtk_widget_show (GTK_WIDGET (self->close_button));
		gtk_widget_hide (GTK_WIDGET (self->cancel_button));
	}
}

static gboolean
delete_event_cb (CsProgressWindow *self)
{
	/* closing a running sync means cancelling it, not leaving it unseen */
	if (self->running) {
		cancel_clicked_cb (self);
		return TRUE;
	}
	return FALSE;
}

static void
cs_progress_window_class_init (CsProgressWindowClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
	object_class->dispose = cs_progress_window_dispose;
	object_class->finalize = cs_progress_window_finalize;
	g_type_ensure (CS_TYPE_CHANGES_VIEW);
	gtk_widget_class_set_template_from_resource (widget_class,
						     "/org/crmsync/Crmsync/ui/cs-progress-window.ui");
	gtk_widget_class_bind_template_child (widget_class, CsProgressWindow, title_label);
	gtk_widget_class_bind_template_child_full (widget_class, "phase_read_crm", FALSE,
						   G_STRUCT_OFFSET (CsProgressWindow, phase_labels[CS_PHASE_READ_CRM]));
	gtk_widget_class_bind_template_child_full (widget_class, "phase_read_outlook", FALSE,
						   G_STRUCT_OFFSET (CsProgressWindow, phase_labels[CS_PHASE_READ_OUTLOOK]));
	gtk_widget_class_bind_template_child_full (widget_class, "phase_plan", FALSE,
						   G_STRUCT_OFFSET (CsProgressWindow, phase_labels[CS_PHASE_PLAN]));
	gtk_widget_class_bind_template_child_full (widget_class, "phase_apply", FALSE,
						   G_STRUCT_OFFSET (CsProgressWindow, phase_labels[CS_PHASE_APPLY]));
	gtk_widget_class_bind_template_child (widget_class, CsProgressWindow, item_label);
	gtk_widget_class_bind_template_child (widget_class, CsProgressWindow, progress_bar);
	gtk_widget_class_bind_template_child (widget_class, CsProgressWindow, result_label);
	gtk_widget_class_bind_template_child (widget_class, CsProgressWindow, cancel_button);
	gtk_widget_class_bind_template_child (widget_class, CsProgressWindow, close_button);
	gtk_widget_class_bind_template_child (widget_class, CsProgressWindow, confirm_button);
	gtk_widget_class_bind_template_child (widget_class, CsProgressWindow, plan_changes);
	gtk_widget_class_bind_template_callback (widget_class, confirm_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, delete_event_cb);
}

static void
cs_progress_window_init (CsProgressWindow *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
	self->cancellable = g_cancellable_new ();
	set_phase (self, CS_PHASE_READ_CRM, FALSE);
}

CsProgressWindow *
cs_progress_window_new (GtkWindow *parent, CsSyncProfile *profile)
{
	CsProgressWindow *self = g_object_new (CS_TYPE_PROGRESS_WINDOW, "transient-for", parent, NULL);
	g_autofree gchar *title = NULL;
	g_autofree gchar *sides = NULL;
	g_autofree gchar *connecting = NULL;
	self->profile = g_object_ref (profile);
	/* TRANSLATORS: %s is the profile's name */
	title = g_strdup_printf (_("Syncing “%s”"), cs_sync_profile_get_name (profile));
	gtk_label_set_text (self->title_label, title);
	gtk_window_set_title (GTK_WINDOW (self), title);
	/* before the first phase the run connects and signs in: say so */
	sides = cs_sync_profile_get_sides_label (profile);
	/* TRANSLATORS: %s is the two sides, e.g. "OroCRM ↔ Microsoft 365" */
	connecting = g_strdup_printf (_("Connecting to %s…"), sides);
	gtk_label_set_text (self->item_label, connecting);
	return self;
}

static gchar *
summary_text (CsRunReport *report)
{
	guint created = cs_run_report_get_total (report, CS_COUNT_CREATED);
	guint updated = cs_run_report_get_total (report, CS_COUNT_UPDATED);
	guint deleted = cs_run_report_get_total (report, CS_COUNT_DELETED);
	guint skipped = cs_run_report_get_n_skipped (report);
	guint conflicts = cs_run_report_get_n_conflicts (report);
	if (cs_run_report_get_status (report) == CS_RUN_STOPPED)
		/* TRANSLATORS: %s says what the guard saw, e.g. a mass deletion */
		return g_strdup_printf (_("Stopped to protect your data: %s. Nothing was changed. "
					  "If these changes are what you want, confirm them."),
					cs_run_report_get_guard (report));
	{
		/* each count in its own plural form, only those that are not zero */
		g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
		g_autofree gchar *list = NULL;
		if (created > 0)
			/* TRANSLATORS: part of "Done: 3 created, 1 updated." */
			g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u created", "%u created", created), created));
		if (updated > 0)
			g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u updated", "%u updated", updated), updated));
		if (deleted > 0)
			g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u deleted", "%u deleted", deleted), deleted));
		if (skipped > 0)
			g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u skipped", "%u skipped", skipped), skipped));
		if (conflicts > 0)
			g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u conflict waiting for you",
									   "%u conflicts waiting for you", conflicts),
								 conflicts));
		if (parts->len == 0)
			return g_strdup (_("Done: nothing needed changing."));
		g_ptr_array_add (parts, NULL);
		/* TRANSLATORS: the separator of the counts in "Done: 3 created, 1 updated." */
		list = g_strjoinv (_(", "), (gchar **) parts->pdata);
		/* TRANSLATORS: %s is the counts, e.g. "3 created, 1 updated" */
		return g_strdup_printf (_("Done: %s."), list);
	}
}

static void
run_finished (CsProgressWindow *self)
{
	g_autofree gchar *text = NULL;

	gtk_widget_hide (GTK_WIDGET (self->plan_changes));
	g_clear_pointer (&self->relay, cs_progress_relay_free);
	self->running = FALSE;
	self->finished = TRUE;
	cs_sync_profile_release_manual (self->profile);
	gtk_widget_hide (GTK_WIDGET (self->cancel_button));
	gtk_widget_show (GTK_WIDGET (self->close_button));
	gtk_widget_grab_default (GTK_WIDGET (self->close_button));
	if (self->report != NULL && cs_run_report_get_status (self->report) == CS_RUN_STOPPED) {
		/* read and planned; nothing written: the last phase waits for the user */
		g_autofree gchar *waits = g_strdup_printf (_("· %s"), phase_name (CS_PHASE_APPLY));
		self->fraction = 0.7;
		gtk_progress_bar_set_fraction (self->progress_bar, self->fraction);
		set_phase (self, CS_PHASE_APPLY, FALSE);
		gtk_label_set_text (self->phase_labels[CS_PHASE_APPLY], waits);
		gtk_widget_set_sensitive (GTK_WIDGET (self->phase_labels[CS_PHASE_APPLY]), FALSE);
	} else if (self->report != NULL) {
		self->fraction = 1.0;
		gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
		set_phase (self, CS_PHASE_LAST, TRUE);
	}
	if (self->report != NULL) {
		gtk_label_set_text (self->item_label, "");
		text = summary_text (self->report);
		gtk_widget_set_visible (GTK_WIDGET (self->confirm_button),
					cs_run_report_get_status (self->report) == CS_RUN_STOPPED);
		/* the button says what confirming does: a mass update is not a deletion */
		gtk_button_set_label (self->confirm_button,
				      cs_run_report_get_guard_confirm (self->report) == CS_RUN_FLAG_FORCE
					      ? _("_Apply these changes")
					      : _("_Delete them"));
		if (cs_run_report_get_status (self->report) == CS_RUN_STOPPED) {
			/* what the guard stopped, record by record and field by field; what the
			 * user unticks is left as it is when they confirm */
			CsEngine *engine = cs_sync_profile_get_engine (self->profile, NULL);
			g_autoptr(GPtrArray) changes =
				cs_record_changes_from_plan (cs_run_report_get_plan (self->report), engine);
			cs_changes_view_set_changes (self->plan_changes, changes);
			cs_changes_view_set_tickable (self->plan_changes, TRUE);
			gtk_widget_set_visible (GTK_WIDGET (self->plan_changes), changes->len > 0);
		}
	} else if (g_error_matches (self->error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		text = g_strdup (_("Cancelled. Everything written so far is recorded; the next sync "
				   "carries on from there."));
	} else {
		/* the phase it stopped in is marked, the bar says it, nothing reads "Starting…" */
		g_autofree gchar *failed = NULL;
		CsPhase at = self->phase_seen ? self->phase : CS_PHASE_READ_CRM;
		/* TRANSLATORS: a phase of a sync that failed (✗) */
		failed = g_strdup_printf (_("✗ %s"), phase_name (at));
		gtk_label_set_text (self->phase_labels[at], failed);
		gtk_label_set_text (self->item_label, "");
		gtk_progress_bar_set_text (self->progress_bar, _("Failed"));
		/* TRANSLATORS: %s is the engine's explanation */
		text = g_strdup_printf (_("The sync failed: %s"), self->error->message);
	}
	gtk_label_set_text (self->result_label, text);
	gtk_widget_show (GTK_WIDGET (self->result_label));
	g_signal_emit_by_name (self->profile, "run-finished", self->report, self->error);
	cs_sync_profile_changed (self->profile);
}

static void
run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsProgressWindow) self = CS_PROGRESS_WINDOW (user_data);
	self->report = cs_engine_run_finish (CS_ENGINE (source), result, &self->error);
	run_finished (self);
}

static void
apply_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsProgressWindow) self = CS_PROGRESS_WINDOW (user_data);
	self->report = cs_engine_apply_finish (CS_ENGINE (source), result, &self->error);
	run_finished (self);
}

/* the plan made again: the records and field changes the user unticked in the guard's list
 * are left out */
static void
prepared_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsProgressWindow) self = CS_PROGRESS_WINDOW (user_data);
	g_autoptr(CsSyncPlan) plan = cs_engine_prepare_finish (CS_ENGINE (source), result, &self->error);
	GPtrArray *changes = cs_changes_view_get_changes (self->plan_changes);
	GPtrArray *items;

	if (plan == NULL) {
		run_finished (self);
		return;
	}
	items = cs_sync_plan_get_items (plan);
	for (guint c = 0; changes != NULL && c < changes->len; c++) {
		CsRecordChange *rc = g_ptr_array_index (changes, c);
		gboolean whole = cs_changes_view_is_ticked (self->plan_changes, c);
		for (guint i = 0; i < items->len; i++) {
			CsPlanItem *it = g_ptr_array_index (items, i);
			if (!cs_record_change_matches (rc, it))
				continue;
			if (!whole) {
				it->selected = FALSE;
				continue;
			}
			/* a field change left out: the record's others still apply */
			for (guint f = 0; f < rc->fields->len; f++) {
				CsFieldChange *fc = g_ptr_array_index (rc->fields, f);
				const gchar *row = cs_plan_item_find_row (
					it, cs_engine_get_mapping (CS_ENGINE (source)), fc->side, fc->field);
				/* ticked, or not written by the plan made again */
				if (row == NULL
				    || cs_changes_view_is_field_ticked (self->plan_changes, c, f))
					continue;
				/* a change that cannot be left out alone (a pair linked by hand, merged
				 * now): the record waits whole rather than have it written */
				if (!cs_plan_item_can_untick_fields (it))
					it->selected = FALSE;
				else
					cs_plan_item_set_field_ticked (it, fc->side, row, FALSE);
			}
		}
	}
	cs_engine_apply_async (CS_ENGINE (source), plan, self->flags, "sync", self->cancellable,
			       apply_done_cb, g_object_ref (self));
}

static gboolean
start_selected (CsProgressWindow *self, CsRunFlags flags, GError **error)
{
	CsEngine *engine;
	if (cs_sync_profile_is_busy (self->profile)) {
		g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
				     _("A sync is already running for this profile."));
		return FALSE;
	}
	engine = cs_sync_profile_get_engine (self->profile, error);
	if (engine == NULL)
		return FALSE;
	cs_sync_profile_hold_manual (self->profile);
	self->running = TRUE;
	self->flags = flags;
	self->relay = cs_progress_relay_new (engine, G_OBJECT (self), progress_cb);
	cs_engine_prepare_async (engine, flags, self->cancellable, prepared_cb, g_object_ref (self));
	return TRUE;
}

/**
 * cs_progress_window_start:
 *
 * Runs the profile in the engine's worker thread and follows it.
 */
gboolean
cs_progress_window_start (CsProgressWindow *self, CsRunFlags flags, GError **error)
{
	CsEngine *engine;
	g_return_val_if_fail (!self->running, FALSE);
	if (cs_sync_profile_is_busy (self->profile)) {
		g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
				     _("A sync is already running for this profile."));
		return FALSE;
	}
	engine = cs_sync_profile_get_engine (self->profile, error);
	if (engine == NULL)
		return FALSE;
	cs_sync_profile_hold_manual (self->profile);
	if (!self->cancel_connected) {
		/* closing its sign-in dialog stops this run too */
		g_signal_connect_object (self->profile, "cancel-requested", G_CALLBACK (cancel_requested_cb),
					 self, G_CONNECT_SWAPPED);
		self->cancel_connected = TRUE;
	}
	self->running = TRUE;
	self->flags = flags;
	self->relay = cs_progress_relay_new (engine, G_OBJECT (self), progress_cb);
	cs_engine_run_async (engine, flags, self->cancellable, run_done_cb, g_object_ref (self));
	return TRUE;
}

gboolean
cs_progress_window_is_finished (CsProgressWindow *self)
{
	return self->finished;
}

CsRunReport *
cs_progress_window_get_report (CsProgressWindow *self)
{
	return self->report;
}

const GError *
cs_progress_window_get_error (CsProgressWindow *self)
{
	return self->error;
}

gdouble
cs_progress_window_get_fraction (CsProgressWindow *self)
{
	return self->fraction;
}

GCancellable *
cs_progress_window_get_cancellable (CsProgressWindow *self)
{
	return self->cancellable;
}
