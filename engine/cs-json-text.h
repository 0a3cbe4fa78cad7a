/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* JSON text in and out, on its own (json-glib only) so that the emulators
 * read requests and write answers with it too */

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode *
cs_json_parse (const gchar *data, gssize len, gboolean immutable, GError **error);
gchar *
cs_json_to_string (JsonNode *node, gboolean pretty);
gchar *
cs_json_to_data (JsonNode *node, gboolean pretty, GError **error);
void
cs_json_append (GString *out, JsonNode *node);
void
cs_json_append_string (GString *out, const gchar *s);

/* the pieces of cs_json_parse()'s reader that CsJsonDoc's shares */
gunichar
cs_json_read_escape (const gchar **p, const gchar *end);
gboolean
cs_json_read_number (const gchar **p, const gchar *end, gboolean *integer, gint64 *i, gdouble *d);

G_END_DECLS
