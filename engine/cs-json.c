/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "cs-json.h"

/**
 * cs_json_from_value:
 * @value: (nullable)
 * Returns: (transfer full)
 */
JsonNode *
cs_json_from_value (GVariant *value)
{
	JsonNode *node;

	if (cs_value_is_null (value))
		return json_node_new (JSON_NODE_NULL);
	if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT)) {
		g_autoptr(GVariant) inner = g_variant_get_variant (value);
		return cs_json_from_value (inner);
	}
	node = json_node_new (JSON_NODE_VALUE);
	switch (g_variant_classify (value)) {
	case G_VARIANT_CLASS_STRING:
		json_node_set_string (node, g_variant_get_string (value, NULL));
		return node;
	case G_VARIANT_CLASS_BOOLEAN:
		json_node_set_boolean (node, g_variant_get_boolean (value));
		return node;
	case G_VARIANT_CLASS_INT64:
		json_node_set_int (node, g_variant_get_int64 (value));
		return node;
	case G_VARIANT_CLASS_INT32:
		json_node_set_int (node, g_variant_get_int32 (value));
		return node;
	case G_VARIANT_CLASS_UINT32:
		json_node_set_int (node, g_variant_get_uint32 (value));
		return node;
	case G_VARIANT_CLASS_INT16:
		json_node_set_int (node, g_variant_get_int16 (value));
		return node;
	case G_VARIANT_CLASS_UINT64:
		json_node_set_int (node, (gint64) g_variant_get_uint64 (value));
		return node;
	case G_VARIANT_CLASS_DOUBLE:
		json_node_set_double (node, g_variant_get_double (value));
		return node;
	default:
		break;
	}
	json_node_free (node);
	if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT)) {
		JsonObject *obj = json_object_new ();
		GVariantIter iter;
		const gchar *k;
		GVariant *v;
		g_variant_iter_init (&iter, value);
		while (g_variant_iter_loop (&iter, "{&sv}", &k, &v))
			json_object_set_member (obj, k, cs_json_from_value (v));
		node = json_node_new (JSON_NODE_OBJECT);
		json_node_take_object (node, obj);
		return node;
	}
	if (g_variant_is_container (value)) {
		JsonArray *arr = json_array_new ();
		GVariantIter iter;
		GVariant *child;
		g_variant_iter_init (&iter, value);
		while ((child = g_variant_iter_next_value (&iter)) != NULL) {
			json_array_add_element (arr, cs_json_from_value (child));
			g_variant_unref (child);
		}
		node = json_node_new (JSON_NODE_ARRAY);
		json_node_take_array (node, arr);
		return node;
	}
	{
		g_autofree gchar *text = g_variant_print (value, FALSE);
		node = json_node_new (JSON_NODE_VALUE);
		json_node_set_string (node, text);
	}
	return node;
}

/* JSON from outside may hold invalid UTF-8 (json-glib passes it through), which
 * GVariant refuses: keep the text, with U+FFFD for the invalid bytes */
static gchar *
valid_utf8 (const gchar *s)
{
	return g_utf8_validate (s, -1, NULL) ? g_strdup (s) : g_utf8_make_valid (s, -1);
}

/**
 * cs_json_to_value:
 * Returns: (transfer full) (nullable): %NULL for JSON null
 */
GVariant *
cs_json_to_value (JsonNode *node)
{
	if (node == NULL || JSON_NODE_HOLDS_NULL (node))
		return NULL;
	if (JSON_NODE_HOLDS_VALUE (node)) {
		switch (json_node_get_value_type (node)) {
		case G_TYPE_STRING:
			return g_variant_ref_sink (
			    g_variant_new_take_string (valid_utf8 (json_node_get_string (node))));
		case G_TYPE_BOOLEAN:
			return g_variant_ref_sink (g_variant_new_boolean (json_node_get_boolean (node)));
		case G_TYPE_INT64:
			return g_variant_ref_sink (g_variant_new_int64 (json_node_get_int (node)));
		case G_TYPE_DOUBLE:
			return g_variant_ref_sink (g_variant_new_double (json_node_get_double (node)));
		default:
			return NULL;
		}
	}
	if (JSON_NODE_HOLDS_OBJECT (node)) {
		JsonObject *obj = json_node_get_object (node);
		g_autoptr(GList) members = json_object_get_members (obj);
		GVariantBuilder b;
		g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
		for (GList *l = members; l != NULL; l = l->next) {
			g_autoptr(GVariant) v = cs_json_to_value (json_object_get_member (obj, l->data));
			g_autofree gchar *key = valid_utf8 (l->data);
			if (v != NULL)
				g_variant_builder_add (&b, "{sv}", key, v);
		}
		return g_variant_ref_sink (g_variant_builder_end (&b));
	}
	if (JSON_NODE_HOLDS_ARRAY (node)) {
		JsonArray *arr = json_node_get_array (node);
		guint n = json_array_get_length (arr);
		gboolean all_strings = TRUE;
		GVariantBuilder b;
		for (guint i = 0; i < n; i++) {
			JsonNode *e = json_array_get_element (arr, i);
			if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
				all_strings = FALSE;
		}
		if (all_strings) {
			g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
			for (guint i = 0; i < n; i++) {
				g_autofree gchar *e = valid_utf8 (json_array_get_string_element (arr, i));
				g_variant_builder_add (&b, "s", e);
			}
		} else {
			g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
			for (guint i = 0; i < n; i++) {
				g_autoptr(GVariant) v = cs_json_to_value (json_array_get_element (arr, i));
				if (v != NULL)
					g_variant_builder_add (&b, "v", v);
			}
		}
		return g_variant_ref_sink (g_variant_builder_end (&b));
	}
	return NULL;
}

/**
 * cs_json_from_fields:
 * Returns: (transfer full): an object of the record's fields, sorted
 */
JsonNode *
cs_json_from_fields (const CsRecord *record)
{
	g_autoptr(GPtrArray) names = cs_record_get_field_names (record);
	JsonObject *obj = json_object_new ();
	JsonNode *node = json_node_new (JSON_NODE_OBJECT);

	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index (names, i);
		json_object_set_member (obj, name,
					cs_json_from_value (cs_record_get_field (record, name)));
	}
	json_node_take_object (node, obj);
	return node;
}

void
cs_json_to_fields (JsonObject *object, CsRecord *record)
{
	g_autoptr(GList) members = json_object_get_members (object);
	for (GList *l = members; l != NULL; l = l->next) {
		g_autoptr(GVariant) v = cs_json_to_value (json_object_get_member (object, l->data));
		g_autofree gchar *name = valid_utf8 (l->data);
		if (v != NULL)
			cs_record_set_field (record, name, v);
	}
}

/**
 * cs_json_from_record:
 * Returns: (transfer full): `{"kind", "id", "folder"?, "fields"}`
 */
JsonNode *
cs_json_from_record (const CsRecord *record)
{
	JsonObject *obj = json_object_new ();
	JsonNode *node = json_node_new (JSON_NODE_OBJECT);
	json_object_set_string_member (obj, "kind", cs_kind_to_string (cs_record_get_kind (record)));
	json_object_set_string_member (obj, "id", cs_record_get_id (record));
	if (cs_record_get_folder (record) != NULL)
		json_object_set_string_member (obj, "folder", cs_record_get_folder (record));
	json_object_set_member (obj, "fields", cs_json_from_fields (record));
	json_node_take_object (node, obj);
	return node;
}

gchar *
cs_time_format_utc (gint64 usec)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
	if (dt == NULL)
		return NULL;
	return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * cs_time_parse:
 *
 * ISO 8601 with a zone or Z (a time without a zone is taken as UTC), or a
 * date alone (midnight UTC).
 */
gboolean
cs_time_parse (const gchar *text, gint64 *usec)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

	if (text == NULL)
		return FALSE;
	if (strlen (text) == 10) {
		g_autofree gchar *full = g_strconcat (text, "T00:00:00Z", NULL);
		dt = g_date_time_new_from_iso8601 (full, utc);
	} else {
		dt = g_date_time_new_from_iso8601 (text, utc);
	}
	if (dt == NULL)
		return FALSE;
	*usec = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
	return TRUE;
}

/**
 * cs_time_normalize:
 *
 * Returns: (transfer full) (nullable): a date stays a date; a date-time
 *   becomes UTC with seconds precision; %NULL if @text is neither
 */
gchar *
cs_time_normalize (const gchar *text)
{
	gint64 usec;
	if (text == NULL)
		return NULL;
	if (strlen (text) == 10) {
		GDate d;
		g_date_clear (&d, 1);
		if (text[4] != '-' || text[7] != '-')
			return NULL;
		g_date_set_parse (&d, text);
		if (!g_date_valid (&d))
			return NULL;
		return g_strdup (text);
	}
	if (!cs_time_parse (text, &usec))
		return NULL;
	return cs_time_format_utc (usec);
}

static JsonNode *
member_node (JsonObject *object, const gchar *name)
{
	return object != NULL && name != NULL ? json_object_get_member (object, name) : NULL;
}

static JsonNode *
element_node (JsonArray *array, guint index)
{
	return array != NULL && index < json_array_get_length (array)
		   ? json_array_get_element (array, index)
		   : NULL;
}

JsonObject *
cs_json_get_object (JsonObject *object, const gchar *name)
{
	JsonNode *n = member_node (object, name);
	return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
cs_json_get_array (JsonObject *object, const gchar *name)
{
	JsonNode *n = member_node (object, name);
	return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

const gchar *
cs_json_get_string (JsonObject *object, const gchar *name)
{
	JsonNode *n = member_node (object, name);
	return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
		   ? json_node_get_string (n)
		   : NULL;
}

JsonObject *
cs_json_array_get_object (JsonArray *array, guint index)
{
	JsonNode *n = element_node (array, index);
	return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
cs_json_array_get_array (JsonArray *array, guint index)
{
	JsonNode *n = element_node (array, index);
	return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

const gchar *
cs_json_get_string_or (JsonObject *object, const gchar *name, const gchar *fallback)
{
	const gchar *s = cs_json_get_string (object, name);
	return s != NULL ? s : fallback;
}

gint64
cs_json_get_int (JsonObject *object, const gchar *name, gint64 fallback)
{
	JsonNode *n = member_node (object, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
		return fallback;
	switch (json_node_get_value_type (n)) {
	case G_TYPE_INT64:
	case G_TYPE_DOUBLE:
	case G_TYPE_BOOLEAN:
		return json_node_get_int (n);
	default:
		return fallback;
	}
}

gboolean
cs_json_get_bool (JsonObject *object, const gchar *name, gboolean fallback)
{
	JsonNode *n = member_node (object, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
		return fallback;
	return json_node_get_boolean (n);
}

