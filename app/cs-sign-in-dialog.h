/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cs-sync-profile.h"

G_BEGIN_DECLS

#define CS_TYPE_SIGN_IN_DIALOG (cs_sign_in_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CsSignInDialog, cs_sign_in_dialog, CS, SIGN_IN_DIALOG, GtkDialog)

CsSignInDialog *
cs_sign_in_dialog_new (GtkWindow *parent, CsSyncProfile *profile, const gchar *uri,
		       const gchar *code);
const gchar *
cs_sign_in_dialog_get_code (CsSignInDialog *self);

G_END_DECLS
