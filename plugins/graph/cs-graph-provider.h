/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "crmsync-plugin.h"

G_BEGIN_DECLS

#define CS_TYPE_GRAPH_PROVIDER (cs_graph_provider_get_type ())
G_DECLARE_FINAL_TYPE (CsGraphProvider, cs_graph_provider, CS, GRAPH_PROVIDER, CsProvider)

/*
 * Sign-in API (used generically, by name, so that the app never links this
 * plugin; see README.md):
 * - property "sign-in" (string): "device-code" (default; CLI), "browser"
 *   (app: authorization code + PKCE in the system browser) or "none" (a
 *   background run: no stored sign-in is an AUTH error, nothing blocks).
 * - signal "device-code" (uri, user_code, message): show the user where to
 *   sign in; the default handler prints the message with g_message().
 * - signal "open-uri" (uri) → gboolean: open @uri in a browser; the default
 *   handler uses g_app_info_launch_default_for_uri(). Return %TRUE when done.
 * Both are emitted from open(), on the thread that calls it.
 */

G_END_DECLS
