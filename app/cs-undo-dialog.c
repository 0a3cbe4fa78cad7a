/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-engine-jobs.h"
#include "cs-undo-dialog.h"

/*
 * Undo from History: first the undo plan (a dry run of the undo: nothing is
 * written), record by record and field by field; the user confirms, then the
 * engine takes the run back on both sides. Both steps run in worker threads.
 * A guard that stops the undo (many deletions) is shown and can be confirmed.
 */

struct _CsUndoDialog {
	GtkDialog parent_instance;
	GtkLabel *message;
	CsChangesView *changes;
	GtkWidget *undo_button;
	GtkWidget *cancel_button;

	CsSyncProfile *profile;	   /* (owned) */
	GCancellable *cancellable; /* (owned) */
	CsRunReport *preview;	   /* (owned) (nullable) the dry run */
	CsRunReport *report;	   /* (owned) (nullable) the undo run */
	CsRunFlags confirm;	   /* a guard the user confirms with the next click */
	gboolean busy;
	gboolean held;
	gboolean done;
};

G_DEFINE_TYPE (CsUndoDialog, cs_undo_dialog, GTK_TYPE_DIALOG)

static void
show_plan (CsUndoDialog *self, CsRunReport *report)
{
	CsEngine *engine = cs_sync_profile_get_engine (self->profile, NULL);
	g_autoptr (GPtrArray) changes
		= cs_record_changes_from_plan (cs_run_report_get_plan (report), engine);
	cs_changes_view_set_changes (self->changes, changes);
}

static void
release (CsUndoDialog *self)
{
	if (self->held) {
		self->held = FALSE;
		cs_sync_profile_release_manual (self->profile);
	}
}

static void
preview_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (CsUndoDialog) self = CS_UNDO_DIALOG (user_data);
	g_autoptr (GError) error = NULL;
	CsRunReport *report = cs_engine_undo_finish (CS_ENGINE (source), result, &error);

	self->busy = FALSE;
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (report == NULL) {
		/* TRANSLATORS: %s is the engine's explanation */
		g_autofree gchar *text = g_strdup_printf (_ ("The undo could not be prepared: %s"),
							  error->message);
		gtk_label_set_text (self->message, text);
		return;
	}
	self->preview = report;
	show_plan (self, report);
	if (json_array_get_length (cs_run_report_get_plan (report)) == 0) {
		gtk_label_set_text (self->message,
				    _ ("Nothing to undo: this run's changes are already gone "
				       "or were changed again since."));
		return;
	}
	if (cs_run_report_get_status (report) == CS_RUN_STOPPED) {
		/* a guard would stop this undo: said before the user clicks, and that click
		 * confirms it (as --force-delete / --force do on the command line) */
		g_autofree gchar *text = NULL;
		self->confirm |= cs_run_report_get_guard_confirm (report);
		/* TRANSLATORS: %s says what the guard saw, e.g. a mass deletion */
		text = g_strdup_printf (_ ("Undo writes these changes on both sides. Nothing has been "
					   "changed yet, and a safety check asks you to confirm: %s."),
					cs_run_report_get_guard (report));
		gtk_label_set_text (self->message, text);
		gtk_button_set_label (GTK_BUTTON (self->undo_button), _ ("_Confirm and undo"));
	} else {
		gtk_label_set_text (self->message,
				    _ ("Undo writes these changes on both sides. Nothing has been "
				       "changed yet."));
	}
	gtk_widget_set_sensitive (self->undo_button, TRUE);
}

static void
undo_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (CsUndoDialog) self = CS_UNDO_DIALOG (user_data);
	g_autoptr (GError) error = NULL;
	CsRunReport *report = cs_engine_undo_finish (CS_ENGINE (source), result, &error);
	g_autofree gchar *text = NULL;

	self->busy = FALSE;
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
	    && gtk_widget_in_destruction (GTK_WIDGET (self)))
		return;
	g_clear_object (&self->report);
	self->report = report;
	if (report == NULL) {
		/* TRANSLATORS: %s is the engine's explanation */
		text = g_strdup_printf (_ ("Undo failed: %s"), error->message);
	} else if (cs_run_report_get_status (report) == CS_RUN_STOPPED) {
		/* the plan the guard stopped, and a second click confirms it; a guard
		 * confirmed before stays confirmed (two guards would take turns else) */
		self->confirm |= cs_run_report_get_guard_confirm (report);
		show_plan (self, report);
		/* TRANSLATORS: %s says what the guard saw, e.g. a mass deletion */
		text = g_strdup_printf (
			_ ("Nothing was changed.\n%s.\nIf these changes are what you want, "
			   "confirm them."),
			cs_run_report_get_guard (report));
		gtk_button_set_label (GTK_BUTTON (self->undo_button), _ ("_Confirm and undo"));
		gtk_widget_set_sensitive (self->undo_button, TRUE);
	} else {
		/* fields by their labels ("Job title"), as the CLI's report shows them */
		g_autoptr (CsFieldLabels) labels
			= cs_field_labels_new (cs_sync_profile_get_engine (self->profile, NULL));
		g_autofree gchar *details
			= cs_run_report_to_text_labelled (report, cs_field_labels_func, labels);
		text = g_strdup_printf (_ ("The run was undone.\n\n%s"), details);
		self->done = TRUE;
		gtk_widget_hide (self->undo_button);
		gtk_button_set_label (GTK_BUTTON (self->cancel_button), _ ("_Close"));
	}
	gtk_label_set_text (self->message, text);
	gtk_widget_set_sensitive (self->cancel_button, TRUE);
	if (self->done || report == NULL)
		release (self);
	g_signal_emit_by_name (self->profile, "run-finished", report, error);
	cs_sync_profile_changed (self->profile);
}

static void
response_cb (CsUndoDialog *self, gint response)
{
	CsEngine *engine;
	if (response != GTK_RESPONSE_ACCEPT) {
		g_cancellable_cancel (self->cancellable);
		gtk_widget_destroy (GTK_WIDGET (self));
		return;
	}
	engine = cs_sync_profile_get_engine (self->profile, NULL);
	if (self->busy || engine == NULL)
		return;
	if (!self->held) {
		cs_sync_profile_hold_manual (self->profile);
		self->held = TRUE;
	}
	self->busy = TRUE;
	gtk_widget_set_sensitive (self->undo_button, FALSE);
	gtk_widget_set_sensitive (self->cancel_button, FALSE);
	gtk_label_set_text (self->message, _ ("Undoing the run…"));
	cs_engine_undo_async (engine, self->confirm, self->cancellable, undo_done_cb,
			      g_object_ref (self));
}

static void
cs_undo_dialog_dispose (GObject *object)
{
	CsUndoDialog *self = CS_UNDO_DIALOG (object);
	if (self->cancellable != NULL)
		g_cancellable_cancel (self->cancellable);
	/* a worker still running keeps the hold until it has finished (finalize) */
	if (!self->busy)
		release (self);
	G_OBJECT_CLASS (cs_undo_dialog_parent_class)->dispose (object);
}

static void
cs_undo_dialog_finalize (GObject *object)
{
	CsUndoDialog *self = CS_UNDO_DIALOG (object);
	/* a worker still running holds a ref, so by now it has finished */
	release (self);
	g_clear_object (&self->profile);
	g_clear_object (&self->cancellable);
	g_clear_object (&self->preview);
	g_clear_object (&self->report);
	G_OBJECT_CLASS (cs_undo_dialog_parent_class)->finalize (object);
}

static void
cs_undo_dialog_class_init (CsUndoDialogClass *klass)
{
	G_OBJECT_CLASS (klass)->dispose = cs_undo_dialog_dispose;
	G_OBJECT_CLASS (klass)->finalize = cs_undo_dialog_finalize;
}

static void
cs_undo_dialog_init (CsUndoDialog *self)
{
	GtkWidget *area = gtk_dialog_get_content_area (GTK_DIALOG (self));
	self->cancellable = g_cancellable_new ();
	self->message = GTK_LABEL (
		gtk_label_new (_ ("Reading both sides to see what Undo would change…")));
	gtk_label_set_xalign (self->message, 0);
	gtk_label_set_line_wrap (self->message, TRUE);
	self->changes = CS_CHANGES_VIEW (cs_changes_view_new ());
	cs_changes_view_set_placeholder (self->changes, "");
	gtk_widget_set_vexpand (GTK_WIDGET (self->changes), TRUE);
	gtk_box_set_spacing (GTK_BOX (area), 12);
	gtk_container_set_border_width (GTK_CONTAINER (area), 12);
	gtk_container_add (GTK_CONTAINER (area), GTK_WIDGET (self->message));
	gtk_container_add (GTK_CONTAINER (area), GTK_WIDGET (self->changes));
	gtk_widget_show_all (area);
	self->cancel_button
		= gtk_dialog_add_button (GTK_DIALOG (self), _ ("_Cancel"), GTK_RESPONSE_CANCEL);
	/* TRANSLATORS: the button that takes a run back */
	self->undo_button
		= gtk_dialog_add_button (GTK_DIALOG (self), _ ("_Undo"), GTK_RESPONSE_ACCEPT);
	gtk_style_context_add_class (gtk_widget_get_style_context (self->undo_button),
				     "destructive-action");
	gtk_widget_set_sensitive (self->undo_button, FALSE);
	gtk_window_set_default_size (GTK_WINDOW (self), 620, 460);
	g_signal_connect (self, "response", G_CALLBACK (response_cb), NULL);
}

/**
 * cs_undo_dialog_new:
 *
 * Opens the undo preview of @profile's newest run not yet undone and starts
 * reading for it.
 */
CsUndoDialog *
cs_undo_dialog_new (GtkWindow *parent, CsSyncProfile *profile, GError **error)
{
	CsUndoDialog *self;
	CsEngine *engine;
	if (cs_sync_profile_is_busy (profile)) {
		g_set_error_literal (
			error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
			_ ("A sync is running for this profile; try again when it has finished."));
		return NULL;
	}
	engine = cs_sync_profile_get_engine (profile, error);
	if (engine == NULL)
		return NULL;
	self = g_object_new (CS_TYPE_UNDO_DIALOG, "transient-for", parent, "use-header-bar", TRUE,
			     "modal", TRUE, "destroy-with-parent", TRUE,
			     /* TRANSLATORS: the undo preview's window title */
			     "title", _ ("Undo the last run"), NULL);
	self->profile = g_object_ref (profile);
	/* the timers wait while the user looks at the plan, so that it stays what Undo does */
	cs_sync_profile_hold_manual (profile);
	self->held = TRUE;
	self->busy = TRUE;
	cs_engine_undo_async (engine, CS_RUN_FLAG_DRY_RUN, self->cancellable, preview_done_cb,
			      g_object_ref (self));
	return self;
}

gboolean
cs_undo_dialog_is_busy (CsUndoDialog *self)
{
	return self->busy;
}

gboolean
cs_undo_dialog_is_done (CsUndoDialog *self)
{
	return self->done;
}

CsRunReport *
cs_undo_dialog_get_preview (CsUndoDialog *self)
{
	return self->preview;
}

CsRunReport *
cs_undo_dialog_get_report (CsUndoDialog *self)
{
	return self->report;
}

CsChangesView *
cs_undo_dialog_get_changes_view (CsUndoDialog *self)
{
	return self->changes;
}

GtkWidget *
cs_undo_dialog_get_undo_button (CsUndoDialog *self)
{
	return self->undo_button;
}
