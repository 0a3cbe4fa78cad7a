/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>

#include "cs-label.h"

const gchar *const cs_label_name_pairs[][2] = {
    {"givenName", "surname"},
    {"firstName", "lastName"},
    {"PersonFirstName", "PersonLastName"},
};
const guint cs_label_n_name_pairs = G_N_ELEMENTS (cs_label_name_pairs);

const gchar *const cs_label_fields[] = {
    "displayName", "subject", "title", "name", "Subject", "MeetingSubject", "ActivityDescription",
    NULL};

static const gchar *
string_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member (o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (n);
}

/**
 * cs_label_from_snapshot:
 * @snapshot: (nullable): a link's last agreed values, as the state keeps them (JSON)
 *
 * Returns: (transfer full) (nullable): the name a user knows the record by ("Ada Lovelace",
 * a subject), or %NULL when the values hold none
 */
gchar *
cs_label_from_snapshot (const gchar *snapshot)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	JsonObject *o;
	if (snapshot == NULL || !json_parser_load_from_data (parser, snapshot, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
		return NULL;
	o = json_node_get_object (json_parser_get_root (parser));
	for (guint i = 0; i < cs_label_n_name_pairs; i++) {
		const gchar *a = string_member (o, cs_label_name_pairs[i][0]);
		const gchar *b = string_member (o, cs_label_name_pairs[i][1]);
		if (a != NULL || b != NULL)
			return g_strstrip (g_strdup_printf ("%s %s", a != NULL ? a : "", b != NULL ? b : ""));
	}
	for (guint i = 0; cs_label_fields[i] != NULL; i++) {
		const gchar *s = string_member (o, cs_label_fields[i]);
		if (s != NULL && s[0] != '\0')
			return g_strdup (s);
	}
	return NULL;
}
