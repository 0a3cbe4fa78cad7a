/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "cs-http-client.h"
#include "cs-json-doc.h"
#include "cs-json.h"
#include "cs-provider.h"

/*
 * One HTTP client for every backend, so that retries, back-off, Retry-After,
 * TLS pinning and error wording are the same everywhere. Synchronous: the
 * engine calls providers from its worker thread. The session is made on first
 * use, in the thread that then uses it.
 */
struct _CsHttpClient {
	GObject parent_instance;
	SoupSession *session;		/* (owned) (nullable) until the first request */
	GUri *base;			/* (owned) */
	gchar *base_url;		/* (owned) */
	gchar *fingerprint;		/* (owned) (nullable): "AB:CD:…" sha256 of the DER */
	CsHttpPrepareFunc prepare;
	gpointer prepare_data;
	guint max_retries;
	guint max_retry_after;
	guint timeout;
	guint retry_after;		/* of the last THROTTLED failure */
	guint64 requests;
	gchar *pin_seen;		/* (owned) (nullable): fingerprint of an untrusted cert */
};

G_DEFINE_TYPE (CsHttpClient, cs_http_client, G_TYPE_OBJECT)

void
cs_http_response_free (CsHttpResponse *resp)
{
	if (resp == NULL)
		return;
	g_free (resp->url);
	g_clear_pointer (&resp->headers, soup_message_headers_unref);
	g_clear_pointer (&resp->body, g_bytes_unref);
	g_free (resp);
}

const gchar *
cs_http_response_get_header (CsHttpResponse *resp, const gchar *name)
{
	return soup_message_headers_get_one (resp->headers, name);
}

/**
 * cs_http_response_parse_json:
 *
 * A body that is not JSON is a BAD_ANSWER error that quotes the start of
 * what came, so a proxy's HTML page is recognisable in the message.
 *
 * The tree is not sealed: sealing walks it once more and hashes every object
 * (a twentieth of a first sync's CPU), and the plugins never change a node
 * they read (json_node_set_* is only used on nodes they create), where
 * sealing would make a difference.
 */
/* a body that is not JSON, in one line the user can place */
static void
set_not_json (CsHttpResponse *resp, const gchar *data, gsize len, GError **error)
{
	g_autofree gchar *start = g_strndup (data != NULL ? data : "", MIN (len, 60));
	g_strdelimit (start, "\r\n\t", ' ');
	g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_BAD_ANSWER,
		     _("the server answered %u with something that is not JSON: “%s”"),
		     resp->status, start);
}

JsonNode *
cs_http_response_parse_json (CsHttpResponse *resp, GError **error)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data (resp->body, &len);
	JsonNode *root = NULL;

	if (len == 0 || (root = cs_json_parse (data, (gssize) len, FALSE, NULL)) == NULL) {
		set_not_json (resp, data, len, error);
		return NULL;
	}
	return root;
}

/**
 * cs_http_response_parse_doc:
 *
 * As cs_http_response_parse_json(), as a #CsJsonDoc: for answers read by
 * the thousand and only read.
 */
CsJsonDoc *
cs_http_response_parse_doc (CsHttpResponse *resp, GError **error)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data (resp->body, &len);
	CsJsonDoc *doc = NULL;

	if (len == 0 || (doc = cs_json_doc_parse (data, (gssize) len, NULL)) == NULL) {
		set_not_json (resp, data, len, error);
		return NULL;
	}
	return doc;
}

static void
cs_http_client_finalize (GObject *object)
{
	CsHttpClient *self = CS_HTTP_CLIENT (object);
	g_clear_object (&self->session);
	g_uri_unref (self->base);
	g_free (self->base_url);
	g_free (self->fingerprint);
	g_free (self->pin_seen);
	G_OBJECT_CLASS (cs_http_client_parent_class)->finalize (object);
}

static void
cs_http_client_class_init (CsHttpClientClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_http_client_finalize;
}

static void
cs_http_client_init (CsHttpClient *self)
{
	self->max_retries = 4;
	self->max_retry_after = 120;
	/* seconds without a byte from the server (soup's I/O timeout), not the whole request */
	self->timeout = 30;
}

CsHttpClient *
cs_http_client_new (const gchar *base_url, GError **error)
{
	g_autoptr(CsHttpClient) self = g_object_new (CS_TYPE_HTTP_CLIENT, NULL);
	g_autoptr(GError) error_local = NULL;
	const gchar *scheme;

	self->base = g_uri_parse (base_url, SOUP_HTTP_URI_FLAGS, &error_local);
	scheme = self->base != NULL ? g_uri_get_scheme (self->base) : NULL;
	if (self->base == NULL || g_uri_get_host (self->base) == NULL ||
	    (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0)) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("“%s” is not a web address (expected https://host/…)"), base_url);
		return NULL;
	}
	self->base_url = g_strdup (base_url);
	while (g_str_has_suffix (self->base_url, "/") && strlen (self->base_url) > 8)
		self->base_url[strlen (self->base_url) - 1] = '\0';
	return g_steal_pointer (&self);
}

const gchar *
cs_http_client_get_base_url (CsHttpClient *self)
{
	return self->base_url;
}

static gchar *
normalize_fingerprint (const gchar *in)
{
	GString *out = g_string_new (NULL);
	const gchar *p = in;

	if (g_ascii_strncasecmp (p, "sha256:", 7) == 0)
		p += 7;
	for (; *p != '\0'; p++) {
		if (g_ascii_isxdigit (*p)) {
			if (out->len > 0 && out->len % 3 == 2)
				g_string_append_c (out, ':');
			g_string_append_c (out, g_ascii_toupper (*p));
		} else if (*p != ':' && *p != ' ') {
			g_string_free (out, TRUE);
			return NULL;
		}
	}
	if (out->len != 95) { /* 32 bytes: 64 hex digits and 31 colons */
		g_string_free (out, TRUE);
		return NULL;
	}
	return g_string_free (out, FALSE);
}

/**
 * cs_http_client_set_tls_fingerprint:
 * @fingerprint: (nullable): SHA-256 of the server certificate, hex with or
 *   without colons, optionally prefixed `sha256:`
 *
 * A pinned certificate is accepted even when no CA signed it: the safe
 * replacement for "ignore self-signed certificates".
 */
gboolean
cs_http_client_set_tls_fingerprint (CsHttpClient *self, const gchar *fingerprint, GError **error)
{
	g_clear_pointer (&self->fingerprint, g_free);
	if (fingerprint == NULL || fingerprint[0] == '\0')
		return TRUE;
	self->fingerprint = normalize_fingerprint (fingerprint);
	if (self->fingerprint == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("tls-fingerprint “%s” is not a SHA-256 fingerprint (64 hex digits)"),
			     fingerprint);
		return FALSE;
	}
	return TRUE;
}

void
cs_http_client_set_prepare_func (CsHttpClient *self, CsHttpPrepareFunc func, gpointer user_data)
{
	self->prepare = func;
	self->prepare_data = user_data;
}

void
cs_http_client_set_max_retries (CsHttpClient *self, guint max_retries)
{
	self->max_retries = max_retries;
}

void
cs_http_client_set_max_retry_after (CsHttpClient *self, guint seconds)
{
	self->max_retry_after = seconds;
}

void
cs_http_client_set_timeout (CsHttpClient *self, guint seconds)
{
	self->timeout = seconds;
	if (self->session != NULL)
		soup_session_set_timeout (self->session, seconds);
}

guint
cs_http_client_get_retry_after (CsHttpClient *self)
{
	return self->retry_after;
}

guint64
cs_http_client_get_request_count (CsHttpClient *self)
{
	return self->requests;
}

/**
 * cs_http_client_resolve:
 * @path: an absolute URL, or a path appended to the base URL
 */
gchar *
cs_http_client_resolve (CsHttpClient *self, const gchar *path)
{
	if (g_str_has_prefix (path, "http://") || g_str_has_prefix (path, "https://"))
		return g_strdup (path);
	return g_strconcat (self->base_url, path[0] == '/' ? "" : "/", path, NULL);
}

gchar *
cs_http_fingerprint_from_certificate (GTlsCertificate *cert)
{
	g_autoptr(GByteArray) der = NULL;
	g_autofree gchar *hex = NULL;

	g_object_get (cert, "certificate", &der, NULL);
	if (der == NULL)
		return NULL;
	hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
	return normalize_fingerprint (hex);
}

gchar *
cs_http_fingerprint_from_pem (const gchar *pem, GError **error)
{
	g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_pem (pem, -1, error);
	if (cert == NULL)
		return NULL;
	return cs_http_fingerprint_from_certificate (cert);
}

static gboolean
accept_certificate_cb (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
		       gpointer user_data)
{
	CsHttpClient *self = CS_HTTP_CLIENT (user_data);
	g_autofree gchar *seen = cs_http_fingerprint_from_certificate (cert);

	g_free (self->pin_seen);
	self->pin_seen = g_strdup (seen);
	return self->fingerprint != NULL && g_strcmp0 (seen, self->fingerprint) == 0;
}

static const gchar *
env_either (const gchar *lower, const gchar *upper)
{
	const gchar *v = g_getenv (lower);
	if (v == NULL || v[0] == '\0')
		v = g_getenv (upper);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* "proxy:3128" as people write it in http_proxy: a proxy URI needs a scheme */
static gchar *
proxy_uri (const gchar *value)
{
	if (value == NULL)
		return NULL;
	if (strstr (value, "://") != NULL)
		return g_strdup (value);
	return g_strconcat ("http://", value, NULL);
}

/**
 * cs_http_proxy_resolver_new:
 *
 * Which proxy the backends' requests go through. `http_proxy`,
 * `https_proxy`, `all_proxy` and `no_proxy` (either case) when they are
 * set, as curl and most tools read them, whatever GIO proxy module the
 * system has (GLib's own default ignores them; libproxy reads them, the
 * GNOME and portal resolvers do not). Else the desktop's proxy settings:
 * libsoup's default, g_proxy_resolver_get_default() (GNOME settings,
 * libproxy, the Flatpak portal). Loopback is never proxied.
 *
 * Returns: (transfer full): the resolver for a SoupSession
 */
GProxyResolver *
cs_http_proxy_resolver_new (void)
{
	const gchar *http = env_either ("http_proxy", "HTTP_PROXY");
	const gchar *https = env_either ("https_proxy", "HTTPS_PROXY");
	const gchar *all = env_either ("all_proxy", "ALL_PROXY");
	const gchar *no = env_either ("no_proxy", "NO_PROXY");
	g_autoptr(GPtrArray) ignore = g_ptr_array_new_with_free_func (g_free);
	g_autofree gchar *http_uri = proxy_uri (http);
	g_autofree gchar *https_uri = proxy_uri (https);
	g_autofree gchar *all_uri = proxy_uri (all);
	GProxyResolver *resolver;

	if (http == NULL && https == NULL && all == NULL)
		return g_object_ref (g_proxy_resolver_get_default ());
	g_ptr_array_add (ignore, g_strdup ("localhost"));
	g_ptr_array_add (ignore, g_strdup ("127.0.0.0/8"));
	g_ptr_array_add (ignore, g_strdup ("::1"));
	if (no != NULL) {
		g_auto(GStrv) parts = g_strsplit (no, ",", -1);
		for (guint i = 0; parts[i] != NULL; i++) {
			gchar *h = g_strstrip (parts[i]);
			if (g_str_equal (h, "*")) {
				/* no_proxy=* : nothing is proxied */
				return g_simple_proxy_resolver_new ("direct://", NULL);
			}
			/* GSimpleProxyResolver reads "example.com" and ".example.com" alike:
			 * the domain and below */
			if (h[0] != '\0')
				g_ptr_array_add (ignore, g_strdup (h));
		}
	}
	g_ptr_array_add (ignore, NULL);
	resolver = g_simple_proxy_resolver_new (all_uri != NULL ? all_uri : "direct://",
						(gchar **) ignore->pdata);
	if (http_uri != NULL)
		g_simple_proxy_resolver_set_uri_proxy (G_SIMPLE_PROXY_RESOLVER (resolver), "http",
						       http_uri);
	if (https_uri != NULL)
		g_simple_proxy_resolver_set_uri_proxy (G_SIMPLE_PROXY_RESOLVER (resolver), "https",
						       https_uri);
	return resolver;
}

static void
ensure_session (CsHttpClient *self)
{
	g_autofree gchar *ua = NULL;
	g_autoptr(GProxyResolver) proxy = NULL;
	if (self->session != NULL)
		return;
	ua = g_strdup_printf ("crmsync/%s", PACKAGE_VERSION);
	/* the desktop's proxy resolver reads GSettings, whose dconf thread then
	 * registers GIO's socket types while this thread may be registering them
	 * for the session: GLib 2.74 can deadlock on that (seen: a CLI run hung in
	 * g_inet_socket_address_get_type). Registered here first, no race is left. */
	g_type_ensure (SOUP_TYPE_SESSION);
	g_type_ensure (G_TYPE_INET_SOCKET_ADDRESS);
	g_type_ensure (G_TYPE_PROXY_ADDRESS);
	g_type_ensure (G_TYPE_NETWORK_ADDRESS);
	g_type_ensure (G_TYPE_SOCKET_CLIENT);
	proxy = cs_http_proxy_resolver_new ();
	self->session = soup_session_new_with_options ("timeout", self->timeout, "user-agent", ua,
						       "max-conns-per-host", 4, "proxy-resolver",
						       proxy, NULL);
}

static gboolean
sleep_cancellable (guint ms, GCancellable *cancellable, GError **error)
{
	gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
	while (g_get_monotonic_time () < end) {
		if (g_cancellable_set_error_if_cancelled (cancellable, error))
			return FALSE;
		g_usleep (MIN (50000, (gulong) MAX (0, end - g_get_monotonic_time ())));
	}
	return TRUE;
}

/**
 * cs_http_retry_after_seconds:
 * @value: (nullable): a Retry-After value: seconds, or an HTTP date
 *
 * Returns: how many seconds to wait; 0 when @value says nothing usable
 */
guint
cs_http_retry_after_seconds (const gchar *value)
{
	guint64 secs;
	g_autoptr(GDateTime) when = NULL;

	if (value == NULL)
		return 0;
	if (g_ascii_string_to_unsigned (value, 10, 0, 86400, &secs, NULL))
		return (guint) secs;
	/* an HTTP date */
	when = soup_date_time_new_from_http_string (value);
	if (when != NULL) {
		g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
		GTimeSpan diff = g_date_time_difference (when, now);
		return diff > 0 ? (guint) MIN (86400, diff / G_TIME_SPAN_SECOND + 1) : 1;
	}
	return 0;
}

static guint
parse_retry_after (SoupMessageHeaders *headers)
{
	return cs_http_retry_after_seconds (soup_message_headers_get_one (headers, "Retry-After"));
}

static gboolean
is_retryable_status (guint status)
{
	return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/**
 * cs_http_client_send:
 * @path: absolute URL or path below the base URL (with query string)
 * @headers: (nullable): extra request headers
 * @body: (nullable)
 *
 * Network errors, 5xx and 429 are retried with exponential back-off (or
 * the server's Retry-After); what still fails becomes a NETWORK or
 * THROTTLED error. Any other status is returned for the caller to read;
 * 401 is turned into an AUTH error here since every backend means the same.
 *
 * Returns: (transfer full)
 */
CsHttpResponse *
cs_http_client_send (CsHttpClient *self, const gchar *method, const gchar *path,
		     SoupMessageHeaders *headers, const gchar *content_type, GBytes *body,
		     GCancellable *cancellable, GError **error)
{
	g_autofree gchar *url = cs_http_client_resolve (self, path);
	guint backoff_ms = 500;

	ensure_session (self);
	for (guint attempt = 0;; attempt++) {
		g_autoptr(SoupMessage) msg = soup_message_new (method, url);
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GBytes) answer = NULL;
		guint status, wait_ms;

		if (msg == NULL) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("cannot make a request for “%s”"), url);
			return NULL;
		}
		g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb),
				  self);
		if (headers != NULL) {
			SoupMessageHeadersIter iter;
			const gchar *name, *value;
			soup_message_headers_iter_init (&iter, headers);
			while (soup_message_headers_iter_next (&iter, &name, &value))
				soup_message_headers_replace (soup_message_get_request_headers (msg),
							      name, value);
		}
		if (body != NULL)
			soup_message_set_request_body_from_bytes (
			    msg, content_type != NULL ? content_type : "application/json", body);
		if (self->prepare != NULL && !self->prepare (self, msg, self->prepare_data, error))
			return NULL;

		g_debug ("%s %s (attempt %u)", method, url, attempt + 1);
		self->requests++;
		answer = soup_session_send_and_read (self->session, msg, cancellable, &error_local);
		if (answer == NULL) {
			if (g_error_matches (error_local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
				g_propagate_error (error, g_steal_pointer (&error_local));
				return NULL;
			}
			if (error_local->domain == G_TLS_ERROR ||
			    soup_message_get_tls_peer_certificate_errors (msg) != 0) {
				g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK,
					     _("the certificate of %s is not trusted (%s)%s%s"),
					     g_uri_get_host (soup_message_get_uri (msg)),
					     error_local->message,
					     self->pin_seen != NULL
						 ? "; if you trust this server, set tls-fingerprint="
						 : "",
					     self->pin_seen != NULL ? self->pin_seen : "");
				return NULL;
			}
			/* a server that hangs is asked once more, not max_retries times: the user
			 * waits at most two timeouts before hearing that it does not answer */
			if (g_error_matches (error_local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) && attempt >= 1) {
				g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK,
					     _("%s did not answer within %u seconds; it may be down or "
					       "overloaded, try again later"),
					     g_uri_get_host (soup_message_get_uri (msg)), self->timeout);
				return NULL;
			}
			if (attempt >= self->max_retries) {
				g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK,
					     _("cannot reach %s: %s"),
					     g_uri_get_host (soup_message_get_uri (msg)),
					     error_local->message);
				return NULL;
			}
			wait_ms = backoff_ms;
		} else {
			CsHttpResponse *resp;
			status = soup_message_get_status (msg);
			if (is_retryable_status (status)) {
				guint retry_after = parse_retry_after (
				    soup_message_get_response_headers (msg));
				if (attempt >= self->max_retries ||
				    retry_after > self->max_retry_after) {
					if (status == 429) {
						self->retry_after = MAX (retry_after, 1);
						g_set_error (error, CS_PROVIDER_ERROR,
							     CS_PROVIDER_ERROR_THROTTLED,
							     "%s asks us to slow down; try again in %u s",
							     g_uri_get_host (soup_message_get_uri (msg)),
							     self->retry_after);
					} else {
						g_set_error (error, CS_PROVIDER_ERROR,
							     CS_PROVIDER_ERROR_NETWORK,
							     "%s answered %u %s",
							     g_uri_get_host (soup_message_get_uri (msg)),
							     status,
							     soup_message_get_reason_phrase (msg));
					}
					return NULL;
				}
				wait_ms = retry_after > 0 ? retry_after * 1000 : backoff_ms;
			} else {
				if (status == 401) {
					g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
						     "%s did not accept the credentials (401); check the user and the key",
						     g_uri_get_host (soup_message_get_uri (msg)));
					return NULL;
				}
				resp = g_new0 (CsHttpResponse, 1);
				resp->status = status;
				resp->url = g_strdup (url);
				resp->headers = soup_message_headers_ref (
				    soup_message_get_response_headers (msg));
				resp->body = g_steal_pointer (&answer);
				return resp;
			}
		}
		/* jitter keeps many clients from retrying in step */
		wait_ms += (guint) g_random_int_range (0, (gint32) (wait_ms / 4 + 1));
		g_debug ("retrying %s in %u ms", url, wait_ms);
		if (!sleep_cancellable (wait_ms, cancellable, error))
			return NULL;
		backoff_ms = MIN (backoff_ms * 2, 16000);
	}
}

/**
 * cs_http_client_send_json:
 * @content_type: (nullable): default `application/json`
 * @body: (nullable)
 *
 * Returns: (transfer full)
 */
CsHttpResponse *
cs_http_client_send_json (CsHttpClient *self, const gchar *method, const gchar *path,
			  SoupMessageHeaders *headers, const gchar *content_type, JsonNode *body,
			  GCancellable *cancellable, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	if (body != NULL) {
		/* our writer is several times json-glib's speed (a first sync sends
		 * 100k contacts); a body it refuses (NaN) goes out as before */
		gchar *text = cs_json_to_data (body, FALSE, NULL);
		if (text == NULL)
			text = json_to_string (body, FALSE);
		bytes = g_bytes_new_take (text, strlen (text));
	}
	return cs_http_client_send (self, method, path, headers,
				    content_type != NULL ? content_type : "application/json", bytes,
				    cancellable, error);
}
