/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cs-json-doc.h"

G_BEGIN_DECLS

typedef struct {
	guint status;
	gchar *url;			/* (owned) the URL asked */
	SoupMessageHeaders *headers;	/* (owned) response headers */
	GBytes *body;			/* (owned) never NULL */
} CsHttpResponse;

void cs_http_response_free (CsHttpResponse *resp);
JsonNode *cs_http_response_parse_json (CsHttpResponse *resp, GError **error);
CsJsonDoc *cs_http_response_parse_doc (CsHttpResponse *resp, GError **error);
const gchar *cs_http_response_get_header (CsHttpResponse *resp, const gchar *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsHttpResponse, cs_http_response_free)

#define CS_TYPE_HTTP_CLIENT (cs_http_client_get_type ())
G_DECLARE_FINAL_TYPE (CsHttpClient, cs_http_client, CS, HTTP_CLIENT, GObject)

/* called before every attempt (WSSE needs a fresh header each time, a
 * bearer token may have been refreshed) */
typedef gboolean (*CsHttpPrepareFunc) (CsHttpClient *client, SoupMessage *msg,
				       gpointer user_data, GError **error);

CsHttpClient *cs_http_client_new (const gchar *base_url, GError **error);
const gchar *cs_http_client_get_base_url (CsHttpClient *self);
gboolean cs_http_client_set_tls_fingerprint (CsHttpClient *self, const gchar *fingerprint,
					     GError **error);
void cs_http_client_set_prepare_func (CsHttpClient *self, CsHttpPrepareFunc func,
				      gpointer user_data);
void cs_http_client_set_max_retries (CsHttpClient *self, guint max_retries);
void cs_http_client_set_max_retry_after (CsHttpClient *self, guint seconds);
void cs_http_client_set_timeout (CsHttpClient *self, guint seconds);
guint cs_http_client_get_retry_after (CsHttpClient *self);
guint cs_http_retry_after_seconds (const gchar *value);
guint64 cs_http_client_get_request_count (CsHttpClient *self);
gchar *cs_http_client_resolve (CsHttpClient *self, const gchar *path);

CsHttpResponse *cs_http_client_send (CsHttpClient *self, const gchar *method, const gchar *path,
				     SoupMessageHeaders *headers, const gchar *content_type,
				     GBytes *body, GCancellable *cancellable, GError **error);
CsHttpResponse *cs_http_client_send_json (CsHttpClient *self, const gchar *method,
					  const gchar *path, SoupMessageHeaders *headers,
					  const gchar *content_type, JsonNode *body,
					  GCancellable *cancellable, GError **error);
gchar *cs_http_fingerprint_from_pem (const gchar *pem, GError **error);
gchar *cs_http_fingerprint_from_certificate (GTlsCertificate *cert);

GProxyResolver *cs_http_proxy_resolver_new (void);

G_END_DECLS
