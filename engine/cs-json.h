/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cs-json-doc.h"
#include "cs-json-text.h"
#include "cs-record.h"

G_BEGIN_DECLS

/* field values ↔ JSON: s ↔ string, x ↔ integer, d ↔ number, b ↔ boolean,
 * as ↔ array of strings, av ↔ other arrays, a{sv} ↔ object, null ↔ no value */
JsonNode *cs_json_from_value (GVariant *value);
GVariant *cs_json_to_value (JsonNode *node);
JsonNode *cs_json_from_fields (const CsRecord *record);
void cs_json_to_fields (JsonObject *object, CsRecord *record);
JsonNode *cs_json_from_record (const CsRecord *record);

/* reading outside input: each gives NULL for a NULL @object/@array, a missing
 * member or element, a JSON null or a value of another type (no criticals) */
JsonObject *cs_json_get_object (JsonObject *object, const gchar *name);
JsonArray *cs_json_get_array (JsonObject *object, const gchar *name);
const gchar *cs_json_get_string (JsonObject *object, const gchar *name);
JsonObject *cs_json_array_get_object (JsonArray *array, guint index);
JsonArray *cs_json_array_get_array (JsonArray *array, guint index);
/* like json_object_get_*_member_with_default(), which emit criticals for an
 * object or array in the member's place: @fallback for anything but a value of
 * a fitting type (numbers and booleans count as integers) */
const gchar *cs_json_get_string_or (JsonObject *object, const gchar *name, const gchar *fallback);
gint64 cs_json_get_int (JsonObject *object, const gchar *name, gint64 fallback);
gboolean cs_json_get_bool (JsonObject *object, const gchar *name, gboolean fallback);

/* times: fields hold UTC as "YYYY-MM-DDTHH:MM:SSZ" and dates as "YYYY-MM-DD" */
gchar *cs_time_format_utc (gint64 usec);
gboolean cs_time_parse (const gchar *text, gint64 *usec);
gchar *cs_time_normalize (const gchar *text);

G_END_DECLS
