/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "crmsync-plugin.h"

G_BEGIN_DECLS

#define CS_TYPE_WEBCRM_CLIENT (cs_webcrm_client_get_type ())
G_DECLARE_FINAL_TYPE (CsWebcrmClient, cs_webcrm_client, CS, WEBCRM_CLIENT, GObject)

/* called for each page of a listing; return FALSE (with @error) to stop */
typedef gboolean (*CsWebcrmPageFunc) (JsonArray *page, gpointer user_data, GError **error);

CsWebcrmClient *cs_webcrm_client_new (const gchar *url, GError **error);
CsHttpClient *cs_webcrm_client_get_http (CsWebcrmClient *self);
void cs_webcrm_client_set_rate (CsWebcrmClient *self, guint limit, guint window_seconds);
void cs_webcrm_client_set_auth_code (CsWebcrmClient *self, const gchar *auth_code);
void cs_webcrm_client_set_refresh_token (CsWebcrmClient *self, const gchar *refresh_token);
const gchar *cs_webcrm_client_get_refresh_token (CsWebcrmClient *self);
gboolean cs_webcrm_client_login (CsWebcrmClient *self, GCancellable *cancellable, GError **error);
JsonNode *cs_webcrm_client_call (CsWebcrmClient *self, const gchar *method, const gchar *path,
				 JsonNode *body, GCancellable *cancellable, GError **error);
gboolean cs_webcrm_client_list (CsWebcrmClient *self, const gchar *path, CsWebcrmPageFunc func,
				gpointer user_data, GCancellable *cancellable, GError **error);
gboolean cs_webcrm_client_query (CsWebcrmClient *self, const gchar *script,
				 CsWebcrmPageFunc func, gpointer user_data,
				 GCancellable *cancellable, GError **error);
gchar *cs_webcrm_quote (const gchar *text);
const gchar *cs_webcrm_client_get_server_time (CsWebcrmClient *self);
guint64 cs_webcrm_client_get_request_count (CsWebcrmClient *self);
guint cs_webcrm_client_get_paced (CsWebcrmClient *self);

G_END_DECLS
