/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-sign-in-dialog.h"

/*
 * A run waits for the user to sign in to Microsoft with a device code: the
 * code and the page to enter it on, a button to copy the one and open the
 * other. It closes by itself when the run goes on (or fails); closing it
 * first cancels the run, which would otherwise wait for the code to expire.
 */
struct _CsSignInDialog {
	GtkDialog parent_instance;
	GtkLabel *intro_label;
	GtkLabel *code_label;
	GtkLinkButton *link_button;
	CsSyncProfile *profile; /* (owned) */
	gchar *code;		/* (owned) */
	gboolean done;		/* the run finished: closing cancels nothing */
};

G_DEFINE_TYPE (CsSignInDialog, cs_sign_in_dialog, GTK_TYPE_DIALOG)

static void
copy_clicked_cb (CsSignInDialog *self)
{
	GtkClipboard *clipboard
		= gtk_widget_get_clipboard (GTK_WIDGET (self), GDK_SELECTION_CLIPBOARD);
	gtk_clipboard_set_text (clipboard, self->code, -1);
}

static void
response_cb (CsSignInDialog *self, gint response)
{
	gtk_widget_destroy (GTK_WIDGET (self));
}

static void
run_finished_cb (CsSyncProfile *profile, CsRunReport *report, GError *error, gpointer user_data)
{
	CsSignInDialog *self = CS_SIGN_IN_DIALOG (user_data);
	self->done = TRUE;
	gtk_widget_destroy (GTK_WIDGET (self));
}

static void
cs_sign_in_dialog_dispose (GObject *object)
{
	CsSignInDialog *self = CS_SIGN_IN_DIALOG (object);
	/* closed before the sign-in (Cancel, the window closed, the app quitting): the run
	 * would otherwise wait for the code to expire */
	if (self->profile != NULL && !self->done) {
		self->done = TRUE;
		cs_sync_profile_cancel (self->profile);
	}
	if (self->profile != NULL)
		g_signal_handlers_disconnect_by_data (self->profile, self);
	g_clear_object (&self->profile);
	G_OBJECT_CLASS (cs_sign_in_dialog_parent_class)->dispose (object);
}

static void
cs_sign_in_dialog_finalize (GObject *object)
{
	CsSignInDialog *self = CS_SIGN_IN_DIALOG (object);
	g_free (self->code);
	G_OBJECT_CLASS (cs_sign_in_dialog_parent_class)->finalize (object);
}

static void
cs_sign_in_dialog_class_init (CsSignInDialogClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
	object_class->dispose = cs_sign_in_dialog_dispose;
	object_class->finalize = cs_sign_in_dialog_finalize;
	gtk_widget_class_set_template_from_resource (
		widget_class, "/org/crmsync/Crmsync/ui/cs-sign-in-dialog.ui");
	gtk_widget_class_bind_template_child (widget_class, CsSignInDialog, intro_label);
	gtk_widget_class_bind_template_child (widget_class, CsSignInDialog, code_label);
	gtk_widget_class_bind_template_child (widget_class, CsSignInDialog, link_button);
	gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
	gtk_widget_class_bind_template_callback (widget_class, response_cb);
}

static void
cs_sign_in_dialog_init (CsSignInDialog *self)
{
	gtk_widget_init_template (GTK_WIDGET (self));
}

CsSignInDialog *
cs_sign_in_dialog_new (GtkWindow *parent, CsSyncProfile *profile, const gchar *uri,
		       const gchar *code)
{
	CsSignInDialog *self = g_object_new (CS_TYPE_SIGN_IN_DIALOG, "transient-for", parent,
					     "use-header-bar", TRUE, NULL);
	g_autofree gchar *intro = NULL;
	self->profile = g_object_ref (profile);
	self->code = g_strdup (code);
	/* TRANSLATORS: %s is a profile's name */
	intro = g_strdup_printf (_ ("“%s” needs your Microsoft account. Open the Microsoft sign-in "
				    "page, enter this code and sign in; the sync then goes on by "
				    "itself."),
				 cs_sync_profile_get_name (profile));
	gtk_label_set_text (self->intro_label, intro);
	gtk_label_set_text (self->code_label, code);
	gtk_link_button_set_uri (self->link_button, uri);
	gtk_button_set_label (GTK_BUTTON (self->link_button), uri);
	g_signal_connect_object (profile, "run-finished", G_CALLBACK (run_finished_cb), self, 0);
	return self;
}

const gchar *
cs_sign_in_dialog_get_code (CsSignInDialog *self)
{
	return self->code;
}
