/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cs-provider.h"
#include "cs-secrets.h"

G_BEGIN_DECLS

void
cs_connection_test_async (const gchar *plugin, GKeyFile *profile, CsSide side,
			  const gchar *profile_dir, const gchar *secret, CsSecrets *secrets,
			  const gchar *profile_id, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data);
gchar *
cs_connection_test_finish (GAsyncResult *result, GError **error);

/**
 * CsSignInCodeFunc:
 * @uri: the page where the user enters @code
 * @code: the code to enter
 *
 * The sign-in needs the user: called on the caller's main context.
 */
typedef void (*CsSignInCodeFunc) (const gchar *uri, const gchar *code, gpointer user_data);

void
cs_sign_in_async (const gchar *plugin, GKeyFile *profile, CsSide side, const gchar *profile_dir,
		  CsSecrets *secrets, const gchar *profile_id, const gchar *legacy_id,
		  CsSignInCodeFunc code_func, gpointer code_data, GCancellable *cancellable,
		  GAsyncReadyCallback callback, gpointer user_data);
gchar *
cs_sign_in_finish (GAsyncResult *result, GError **error);

G_END_DECLS
