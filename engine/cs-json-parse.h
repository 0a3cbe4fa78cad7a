/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* the fast JSON reader, on its own so that the emulators read requests with it too */

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode *cs_json_parse (const gchar *data, gssize len, gboolean immutable, GError **error);

G_END_DECLS
