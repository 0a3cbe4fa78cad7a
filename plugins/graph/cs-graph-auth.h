/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "crmsync-plugin.h"

G_BEGIN_DECLS

/*
 * OAuth 2 for a public desktop client against the Microsoft identity
 * platform (spec 3.2): device code (CLI), authorization code + PKCE with a
 * loopback redirect (app, system browser), refresh. No secrets are kept here:
 * the caller stores the refresh token with cs_provider_store_secret().
 */

typedef struct {
	gchar *access_token;  /* (owned) */
	gchar *refresh_token; /* (owned) (nullable) */
	gint64 expires;	      /* monotonic µs */
} CsGraphTokens;

void cs_graph_tokens_free (CsGraphTokens *tokens);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsGraphTokens, cs_graph_tokens_free)

/* user_data, verification URI, user code, the service's message */
typedef void (*CsGraphDeviceCodeFunc) (gpointer user_data, const gchar *uri, const gchar *code,
				       const gchar *message);
/* asks for @uri to be opened in a browser; %FALSE if it could not be */
typedef gboolean (*CsGraphOpenUriFunc) (gpointer user_data, const gchar *uri);

gchar *cs_graph_auth_pkce_verifier (GError **error);
gchar *cs_graph_auth_pkce_challenge (const gchar *verifier);

CsGraphTokens *cs_graph_auth_device_code (CsHttpClient *identity, const gchar *tenant,
					  const gchar *client_id, const gchar *scope,
					  CsGraphDeviceCodeFunc func, gpointer user_data,
					  GCancellable *cancellable, GError **error);
CsGraphTokens *cs_graph_auth_browser (CsHttpClient *identity, const gchar *tenant,
				      const gchar *client_id, const gchar *scope,
				      CsGraphOpenUriFunc func, gpointer user_data,
				      GCancellable *cancellable, GError **error);
CsGraphTokens *cs_graph_auth_refresh (CsHttpClient *identity, const gchar *tenant,
				      const gchar *client_id, const gchar *scope,
				      const gchar *refresh_token, GCancellable *cancellable,
				      GError **error);

G_END_DECLS
