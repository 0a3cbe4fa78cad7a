/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-country.h"
#include "cs-json.h"
#include "cs-mapping.h"
#include "cs-profile.h"
#include "cs-provider.h"

/*
 * A mapping turns a record of either side into "common values": one value
 * per mapping row, in the CRM's terms. The planner compares common values
 * of both sides with the snapshot of the last agreed values (three-way), and
 * apply() turns chosen common values back into fields of one side.
 */

#define MARK_OPEN "[/]"
#define MARK_CLOSE "[\\]"
/* the CRM's notes, read-only, inside the markers after the comment */
#define NOTES_HEAD "[notes]"

typedef struct {
	gboolean present;
	GPtrArray *rows;	/* (element-type CsMappingRow) */
	gchar **key;
	gchar *owner_field;
	GPtrArray *require;	/* (element-type GStrv) */
	gchar *require_reason;
	gchar *not_field;
	gchar **not_values;
	gchar *not_reason;
	gchar *reminder_type;
	gchar *reminder_field;
	gchar *reminder_relative;
	gchar *reminder_flag;
	gchar *link_direction, *link_outbound, *link_inbound, *link_find, *link_field;
	CsMappingCrmLink *crm_link;
	GPtrArray *optional;	/* (element-type CsMappingRow) rows a profile may switch on */
} KindMap;

struct _CsMapping {
	GObject parent_instance;
	gchar *name;
	gchar *crm_schema;
	gchar *outlook_schema;
	gboolean identity;
	gchar *json;		/* (owned) (nullable) the source, for export */
	KindMap kinds[CS_KIND_LAST];
};

G_DEFINE_TYPE (CsMapping, cs_mapping, G_TYPE_OBJECT)

static void
row_free (CsMappingRow *row)
{
	g_free (row->id);
	g_free (row->crm);
	g_strfreev (row->outlook);
	if (row->to_outlook != NULL)
		g_hash_table_unref (row->to_outlook);
	if (row->to_crm != NULL)
		g_hash_table_unref (row->to_crm);
	if (row->default_to_outlook != NULL)
		g_variant_unref (row->default_to_outlook);
	if (row->default_to_crm != NULL)
		g_variant_unref (row->default_to_crm);
	g_free (row->crm_other);
	g_free (row->outlook_other);
	g_free (row);
}

static void crm_link_free (CsMappingCrmLink *cl);

static void
kind_map_clear (KindMap *km)
{
	g_clear_pointer (&km->rows, g_ptr_array_unref);
	g_clear_pointer (&km->key, g_strfreev);
	g_clear_pointer (&km->owner_field, g_free);
	g_clear_pointer (&km->require, g_ptr_array_unref);
	g_clear_pointer (&km->require_reason, g_free);
	g_clear_pointer (&km->not_field, g_free);
	g_clear_pointer (&km->not_values, g_strfreev);
	g_clear_pointer (&km->not_reason, g_free);
	g_clear_pointer (&km->reminder_type, g_free);
	g_clear_pointer (&km->reminder_field, g_free);
	g_clear_pointer (&km->reminder_relative, g_free);
	g_clear_pointer (&km->reminder_flag, g_free);
	g_clear_pointer (&km->link_direction, g_free);
	g_clear_pointer (&km->link_outbound, g_free);
	g_clear_pointer (&km->link_inbound, g_free);
	g_clear_pointer (&km->link_find, g_free);
	g_clear_pointer (&km->link_field, g_free);
	g_clear_pointer (&km->crm_link, crm_link_free);
	g_clear_pointer (&km->optional, g_ptr_array_unref);
}

static void
cs_mapping_finalize (GObject *object)
{
	CsMapping *self = CS_MAPPING (object);
	g_free (self->name);
	g_free (self->crm_schema);
	g_free (self->outlook_schema);
	g_free (self->json);
	for (guint i = 0; i < CS_KIND_LAST; i++)
		kind_map_clear (&self->kinds[i]);
	G_OBJECT_CLASS (cs_mapping_parent_class)->finalize (object);
}

static void
cs_mapping_class_init (CsMappingClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_mapping_finalize;
}

static void
cs_mapping_init (CsMapping *self)
{
}

/**
 * cs_mapping_new_identity:
 *
 * Two sides of the same schema (two folders without schema=): every field
 * maps onto the field of the same name.
 */
CsMapping *
cs_mapping_new_identity (void)
{
	CsMapping *self = g_object_new (CS_TYPE_MAPPING, NULL);
	self->name = g_strdup ("identity");
	self->identity = TRUE;
	for (guint i = 0; i < CS_KIND_LAST; i++)
		self->kinds[i].present = TRUE;
	return self;
}

static gchar **
strv_from_array (JsonArray *arr)
{
	GPtrArray *v = g_ptr_array_new ();
	for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++) {
		JsonNode *n = json_array_get_element (arr, i);
		if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
			g_ptr_array_add (v, g_strdup (json_node_get_string (n)));
	}
	g_ptr_array_add (v, NULL);
	return (gchar **) g_ptr_array_free (v, FALSE);
}

static gchar *
value_text (GVariant *v)
{
	if (v == NULL)
		return NULL;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return g_strdup (g_variant_get_string (v, NULL));
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
		return g_strdup (g_variant_get_boolean (v) ? "true" : "false");
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
		return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (v));
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
		return g_strdup_printf ("%g", g_variant_get_double (v));
	return g_variant_print (v, FALSE);
}

/* a string member, or @fallback: also when @o is NULL or the member is no string */
static const gchar *
string_or (JsonObject *o, const gchar *name, const gchar *fallback)
{
	const gchar *s = cs_json_get_string (o, name);
	return s != NULL ? s : fallback;
}

static GHashTable *
table_from_object (JsonObject *obj)
{
	GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
					       (GDestroyNotify) g_variant_unref);
	g_autoptr(GList) members = obj != NULL ? json_object_get_members (obj) : NULL;
	for (GList *l = members; l != NULL; l = l->next) {
		GVariant *v = cs_json_to_value (json_object_get_member (obj, l->data));
		if (v != NULL)
			g_hash_table_insert (t, g_strdup (l->data), v);
	}
	return t;
}

static gboolean
parse_row (JsonObject *r, CsMappingRow **out, const gchar *kind, guint idx, GError **error)
{
	CsMappingRow *row = g_new0 (CsMappingRow, 1);
	JsonNode *outlook = json_object_get_member (r, "outlook");
	const gchar *crm = string_or (r, "crm", NULL);
	const gchar *dir = string_or (r, "direction", "both");

	row->crm = crm != NULL && crm[0] != '\0' ? g_strdup (crm) : NULL;
	if (outlook != NULL && JSON_NODE_HOLDS_ARRAY (outlook))
		row->outlook = strv_from_array (json_node_get_array (outlook));
	else if (outlook != NULL && JSON_NODE_HOLDS_VALUE (outlook) &&
		 json_node_get_value_type (outlook) == G_TYPE_STRING)
		row->outlook = g_strsplit (json_node_get_string (outlook), "\x1f", 1);
	else
		row->outlook = g_new0 (gchar *, 1);
	if (row->crm == NULL && row->outlook[0] == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     "mapping: %s row %u maps no field", kind, idx + 1);
		row_free (row);
		return FALSE;
	}
	row->id = row->crm != NULL ? g_strdup (row->crm) : g_strconcat ("outlook:", row->outlook[0], NULL);
	row->fixed = cs_json_get_bool (r, "fixed", FALSE);
	row->optional = cs_json_get_bool (r, "optional", FALSE);
	if (g_strcmp0 (dir, "to-outlook") == 0) {
		row->one_way = TRUE;
		row->only_to = CS_SIDE_OUTLOOK;
	} else if (g_strcmp0 (dir, "to-crm") == 0) {
		row->one_way = TRUE;
		row->only_to = CS_SIDE_CRM;
	} else if (g_strcmp0 (dir, "both") != 0) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     "mapping: %s row %u: direction “%s” (allowed: both, to-outlook, to-crm)",
			     kind, idx + 1, dir);
		row_free (row);
		return FALSE;
	}
	if (json_object_has_member (r, "transform")) {
		JsonObject *t = cs_json_get_object (r, "transform");
		const gchar *type = t != NULL ? string_or (t, "type", "") : "";
		if (g_str_equal (type, "values")) {
			row->transform = CS_TRANSFORM_VALUES;
			if (json_object_has_member (t, "to-outlook"))
				row->to_outlook = table_from_object (cs_json_get_object (t, "to-outlook"));
			if (json_object_has_member (t, "to-crm"))
				row->to_crm = table_from_object (cs_json_get_object (t, "to-crm"));
			row->default_to_outlook = cs_json_to_value (json_object_get_member (t, "default-to-outlook"));
			row->default_to_crm = cs_json_to_value (json_object_get_member (t, "default-to-crm"));
		} else if (g_str_equal (type, "name-fallback")) {
			row->transform = CS_TRANSFORM_NAME_FALLBACK;
			row->crm_other = g_strdup (string_or (t, "crm-other", NULL));
			row->outlook_other = g_strdup (string_or (t, "outlook-other", NULL));
		} else if (g_str_equal (type, "list")) {
			row->transform = CS_TRANSFORM_LIST;
		} else if (g_str_equal (type, "first-of-list")) {
			row->transform = CS_TRANSFORM_FIRST_OF_LIST;
		} else if (g_str_equal (type, "comment-markers")) {
			row->transform = CS_TRANSFORM_COMMENT_MARKERS;
		} else if (g_str_equal (type, "date")) {
			row->transform = CS_TRANSFORM_DATE;
		} else if (g_str_equal (type, "country")) {
			row->transform = CS_TRANSFORM_COUNTRY;
		} else if (g_str_equal (type, "recurrence")) {
			row->transform = CS_TRANSFORM_RECURRENCE;
		} else if (g_str_equal (type, "notes")) {
			row->transform = CS_TRANSFORM_NOTES;
		} else {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     "mapping: %s row %u: unknown transform “%s” (allowed: values, name-fallback, list, first-of-list, comment-markers, notes, date, country, recurrence)",
				     kind, idx + 1, type);
			row_free (row);
			return FALSE;
		}
	}
	*out = row;
	return TRUE;
}

CsMapping *
cs_mapping_new_from_json (const gchar *json, gssize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autoptr(CsMapping) self = g_object_new (CS_TYPE_MAPPING, NULL);
	JsonObject *root, *kinds;

	if (!json_parser_load_from_data (parser, json, len, error)) {
		g_prefix_error (error, "mapping: ");
		return NULL;
	}
	if (json_parser_get_root (parser) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     "mapping: not a JSON object");
		return NULL;
	}
	self->json = len < 0 ? g_strdup (json) : g_strndup (json, (gsize) len);
	root = json_node_get_object (json_parser_get_root (parser));
	self->name = g_strdup (string_or (root, "name", "custom"));
	self->crm_schema = g_strdup (string_or (root, "crm-schema", NULL));
	self->outlook_schema =
	    g_strdup (string_or (root, "outlook-schema", "outlook"));
	kinds = cs_json_get_object (root, "kinds");
	for (guint k = 0; kinds != NULL && k < CS_KIND_LAST; k++) {
		const gchar *kname = cs_kind_to_string ((CsKind) k);
		KindMap *km = &self->kinds[k];
		JsonObject *ko;
		JsonArray *rows;
		if (!json_object_has_member (kinds, kname))
			continue;
		ko = cs_json_get_object (kinds, kname);
		if (ko == NULL)
			continue;
		km->present = TRUE;
		km->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
		rows = json_object_has_member (ko, "rows") ? cs_json_get_array (ko, "rows") : NULL;
		for (guint i = 0; rows != NULL && i < json_array_get_length (rows); i++) {
			CsMappingRow *row = NULL;
			JsonObject *r = cs_json_array_get_object (rows, i);
			if (r == NULL) {
				g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					     "mapping: %s row %u is not a JSON object", kname, i + 1);
				return NULL;
			}
			if (!parse_row (r, &row, kname, i, error))
				return NULL;
			/* opt-in rows wait outside the mapping until a profile asks */
			if (row->optional) {
				if (km->optional == NULL)
					km->optional = g_ptr_array_new_with_free_func (
					    (GDestroyNotify) row_free);
				g_ptr_array_add (km->optional, row);
				continue;
			}
			g_ptr_array_add (km->rows, row);
		}
		if (json_object_has_member (ko, "key"))
			km->key = strv_from_array (cs_json_get_array (ko, "key"));
		km->owner_field = g_strdup (string_or (ko, "owner-field", NULL));
		if (json_object_has_member (ko, "require-to-crm")) {
			JsonObject *req = cs_json_get_object (ko, "require-to-crm");
			JsonArray *groups = req != NULL ? cs_json_get_array (req, "groups") : NULL;
			km->require = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
			for (guint i = 0; groups != NULL && i < json_array_get_length (groups); i++)
				g_ptr_array_add (km->require,
						 strv_from_array (cs_json_array_get_array (groups, i)));
			km->require_reason = g_strdup (string_or (
			    req, "reason", "a required field is empty"));
		}
		if (json_object_has_member (ko, "not-to-outlook")) {
			JsonObject *n = cs_json_get_object (ko, "not-to-outlook");
			km->not_field = g_strdup (string_or (n, "field", NULL));
			km->not_values = strv_from_array (cs_json_get_array (n, "values"));
			km->not_reason = g_strdup (string_or (
			    n, "reason", "not sent to Outlook"));
		}
		if (json_object_has_member (ko, "reminder")) {
			JsonObject *r = cs_json_get_object (ko, "reminder");
			km->reminder_type = g_strdup (string_or (r, "type", "minutes"));
			km->reminder_field = g_strdup (string_or (r, "field", NULL));
			km->reminder_relative = g_strdup (string_or (r, "relative-to", NULL));
			km->reminder_flag = g_strdup (string_or (r, "flag", NULL));
		}
		if (json_object_has_member (ko, "crm-link")) {
			JsonObject *l = cs_json_get_object (ko, "crm-link");
			CsMappingCrmLink *cl = g_new0 (CsMappingCrmLink, 1);
			km->crm_link = cl;
			cl->addresses = l != NULL && json_object_has_member (l, "addresses")
					    ? strv_from_array (cs_json_get_array (l, "addresses"))
					    : g_new0 (gchar *, 1);
			cl->names = l != NULL && json_object_has_member (l, "names")
					? strv_from_array (cs_json_get_array (l, "names"))
					: g_new0 (gchar *, 1);
			cl->person_find = g_strdup (string_or (l, "person-find-field", NULL));
			cl->person_value = g_strdup (string_or (l, "person-value-field", NULL));
			cl->org_find = g_strdup (string_or (l, "organisation-find-field", NULL));
			cl->org_value = g_strdup (string_or (l, "organisation-value-field", NULL));
			cl->crm_field = g_strdup (string_or (l, "crm-field", NULL));
			cl->label_field = g_strdup (string_or (l, "label-field", NULL));
			cl->unless_field = g_strdup (string_or (l, "unless-field", NULL));
			cl->unless_values
				= l != NULL && json_object_has_member (l, "unless-values")
					  ? strv_from_array (cs_json_get_array (l, "unless-values"))
					  : g_new0 (gchar *, 1);
			if (cl->crm_field == NULL) {
				g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					     "mapping: %s crm-link has no crm-field", kname);
				return NULL;
			}
		}
		if (json_object_has_member (ko, "link")) {
			JsonObject *l = cs_json_get_object (ko, "link");
			km->link_direction = g_strdup (string_or (l, "direction-field", NULL));
			km->link_outbound = g_strdup (string_or (l, "outbound", NULL));
			km->link_inbound = g_strdup (string_or (l, "inbound", NULL));
			km->link_find = g_strdup (string_or (l, "crm-find-field", "email"));
			km->link_field = g_strdup (string_or (l, "crm-field", NULL));
		}
	}
	return g_steal_pointer (&self);
}

/**
 * cs_mapping_load:
 * @name_or_path: a built-in mapping's name, or a JSON file (relative to @base_dir)
 */
CsMapping *
cs_mapping_load (const gchar *name_or_path, const gchar *base_dir, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (g_str_has_suffix (name_or_path, ".json") || strchr (name_or_path, '/') != NULL) {
		g_autofree gchar *path = g_path_is_absolute (name_or_path) || base_dir == NULL
					     ? g_strdup (name_or_path)
					     : g_build_filename (base_dir, name_or_path, NULL);
		if (!g_file_get_contents (path, &data, &len, error))
			return NULL;
	} else {
		g_autofree gchar *res = g_strdup_printf ("/org/crmsync/mappings/%s.json", name_or_path);
		g_autoptr(GBytes) bytes = g_resources_lookup_data (res, 0, NULL);
		if (bytes == NULL) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("no mapping “%s”"), name_or_path);
			return NULL;
		}
		data = g_strndup (g_bytes_get_data (bytes, &len), g_bytes_get_size (bytes));
	}
	return cs_mapping_new_from_json (data, (gssize) len, error);
}

gchar *
cs_mapping_to_json (CsMapping *self)
{
	return g_strdup (self->json != NULL ? self->json : "{\"name\": \"identity\"}");
}

const gchar *
cs_mapping_get_name (CsMapping *self)
{
	return self->name;
}

const gchar *
cs_mapping_get_schema_name (CsMapping *self, CsSide side)
{
	return side == CS_SIDE_CRM ? self->crm_schema : self->outlook_schema;
}

gboolean
cs_mapping_is_identity (CsMapping *self)
{
	return self->identity;
}

gboolean
cs_mapping_has_kind (CsMapping *self, CsKind kind)
{
	return self->kinds[kind].present;
}

/**
 * cs_mapping_get_rows:
 * Returns: (transfer none) (nullable) (element-type CsMappingRow)
 */
GPtrArray *
cs_mapping_get_rows (CsMapping *self, CsKind kind)
{
	return self->kinds[kind].rows;
}

const gchar *const *
cs_mapping_get_key (CsMapping *self, CsKind kind)
{
	return (const gchar *const *) self->kinds[kind].key;
}

const gchar *
cs_mapping_get_owner_field (CsMapping *self, CsKind kind)
{
	return self->kinds[kind].owner_field;
}

GHashTable *
cs_mapping_values_new (void)
{
	return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
				      (GDestroyNotify) g_variant_unref);
}

/* normalised, and date-times in one form so that "…+02:00" equals "…Z" */
static GVariant *
norm (GVariant *v)
{
	GVariant *n = cs_value_normalize (v);
	if (n != NULL && g_variant_is_of_type (n, G_VARIANT_TYPE_STRING)) {
		const gchar *s = g_variant_get_string (n, NULL);
		gsize len = strlen (s);
		if (len >= 19 && len <= 35 && s[4] == '-' && s[7] == '-' && s[10] == 'T') {
			g_autofree gchar *t = cs_time_normalize (s);
			if (t != NULL && g_strcmp0 (t, s) != 0) {
				g_variant_unref (n);
				return g_variant_ref_sink (g_variant_new_string (t));
			}
		}
	}
	return n;
}

static void
put (GHashTable *values, const gchar *id, GVariant *v /* (transfer full) (nullable) */)
{
	if (v == NULL)
		return;
	g_hash_table_replace (values, g_strdup (id), v);
}

static gchar *
parse_comment (const gchar *body)
{
	const gchar *open = strstr (body, MARK_OPEN);
	const gchar *close = open != NULL ? strstr (open, MARK_CLOSE) : NULL;
	g_autofree gchar *inner = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	GString *out;

	if (open == NULL || close == NULL)
		return g_strstrip (g_strdup (body));
	before = g_strstrip (g_strndup (body, (gsize) (open - body)));
	inner = g_strndup (open + strlen (MARK_OPEN), (gsize) (close - open - strlen (MARK_OPEN)));
	/* the CRM's notes are not part of the comment */
	if (strstr (inner, NOTES_HEAD) != NULL)
		*strstr (inner, NOTES_HEAD) = '\0';
	g_strstrip (inner);
	after = g_strstrip (g_strdup (close + strlen (MARK_CLOSE)));
	/* text written around the markers joins the CRM's text once; the next
	 * render puts it inside the markers, so it is never sent twice */
	out = g_string_new (before);
	if (inner[0] != '\0') {
		if (out->len > 0)
			g_string_append_c (out, '\n');
		g_string_append (out, inner);
	}
	if (after[0] != '\0') {
		if (out->len > 0)
			g_string_append_c (out, '\n');
		g_string_append (out, after);
	}
	return g_string_free (out, FALSE);
}

/* the notes block of a body rendered with comment markers, %NULL if none */
static gchar *
notes_of_body (const gchar *body)
{
	const gchar *open = body != NULL ? strstr (body, MARK_OPEN) : NULL;
	const gchar *close = open != NULL ? strstr (open, MARK_CLOSE) : NULL;
	const gchar *head;
	g_autofree gchar *inner = NULL;

	if (close == NULL)
		return NULL;
	inner = g_strndup (open, (gsize) (close - open));
	head = strstr (inner, NOTES_HEAD);
	if (head == NULL)
		return NULL;
	return g_strstrip (g_strdup (head + strlen (NOTES_HEAD)));
}

/* @body with its notes block (inside the markers, after the comment)
 * replaced by @notes, or left out when @notes is %NULL */
static gchar *
body_with_notes (const gchar *body, const gchar *notes)
{
	const gchar *open = body != NULL ? strstr (body, MARK_OPEN) : NULL;
	const gchar *close = open != NULL ? strstr (open, MARK_CLOSE) : NULL;
	g_autofree gchar *inner = NULL;
	GString *out;

	if (close == NULL) {
		/* no markers yet: all of @body is the person's own text */
		if (notes == NULL)
			return g_strdup (body);
		out = g_string_new (MARK_OPEN "\n\n" NOTES_HEAD "\n");
		g_string_append (out, notes);
		g_string_append (out, "\n" MARK_CLOSE);
		if (body != NULL && body[0] != '\0')
			g_string_append_printf (out, "\n%s", body);
		return g_string_free (out, FALSE);
	}
	inner = g_strndup (open + strlen (MARK_OPEN), (gsize) (close - open - strlen (MARK_OPEN)));
	if (strstr (inner, NOTES_HEAD) != NULL)
		*strstr (inner, NOTES_HEAD) = '\0';
	g_strchomp (inner);
	out = g_string_new_len (body, open - body);
	g_string_append (out, MARK_OPEN);
	g_string_append (out, inner);
	if (notes != NULL)
		g_string_append_printf (out, "\n\n" NOTES_HEAD "\n%s\n", notes);
	g_string_append (out, close);
	return g_string_free (out, FALSE);
}

static const gchar *
body_text (const CsRecord *r, const gchar *field)
{
	GVariant *v = r != NULL && field != NULL ? cs_record_get_field (r, field) : NULL;
	return v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ? g_variant_get_string (v, NULL)
									     : NULL;
}

static GVariant *
first_of (GVariant *v)
{
	if (v == NULL)
		return NULL;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY) ||
	    g_variant_is_of_type (v, G_VARIANT_TYPE ("av"))) {
		g_autoptr(GVariant) child = NULL;
		if (g_variant_n_children (v) == 0)
			return NULL;
		child = g_variant_get_child_value (v, 0);
		if (g_variant_is_of_type (child, G_VARIANT_TYPE_VARIANT)) {
			GVariant *inner = g_variant_get_variant (child);
			return inner;
		}
		return g_steal_pointer (&child);
	}
	return g_variant_ref (v);
}

static GVariant *
as_list (GVariant *v)
{
	if (v == NULL)
		return NULL;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
		const gchar *one[] = {g_variant_get_string (v, NULL), NULL};
		return g_variant_ref_sink (g_variant_new_strv (one, 1));
	}
	return g_variant_ref (v);
}

static GVariant *
date_part (GVariant *v)
{
	if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
		const gchar *s = g_variant_get_string (v, NULL);
		if (strlen (s) >= 10)
			return g_variant_ref_sink (g_variant_new_take_string (g_strndup (s, 10)));
	}
	return v != NULL ? g_variant_ref (v) : NULL;
}

static GVariant *
lookup_table (GHashTable *table, GVariant *fallback_default, GVariant *v)
{
	g_autofree gchar *text = value_text (v);
	GVariant *hit;
	if (v == NULL)
		return NULL;
	hit = table != NULL ? g_hash_table_lookup (table, text) : NULL;
	if (hit != NULL)
		return g_variant_ref (hit);
	if (fallback_default != NULL)
		return g_variant_ref (fallback_default);
	return g_variant_ref (v);
}

/* a country however a side spells it ("Danmark", "DK", "denmark") is one
 * value: else the name a CRM shows for the code it keeps differs from what
 * the Outlook user typed, and every run would see an edit */
static GVariant *
country_of (GVariant *v)
{
	g_autofree gchar *name = NULL;
	if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return v != NULL ? g_variant_ref (v) : NULL;
	name = cs_country_normalize (g_variant_get_string (v, NULL));
	return g_variant_ref_sink (g_variant_new_string (name));
}

static gint64
dict_int (GVariant *dict, const gchar *key, gint64 fallback)
{
	g_autoptr(GVariant) v = g_variant_lookup_value (dict, key, NULL);
	g_autoptr(GVariant) n = cs_value_normalize (v);
	if (n == NULL)
		return fallback;
	if (g_variant_is_of_type (n, G_VARIANT_TYPE_INT64))
		return g_variant_get_int64 (n);
	if (g_variant_is_of_type (n, G_VARIANT_TYPE_DOUBLE))
		return (gint64) g_variant_get_double (n);
	if (g_variant_is_of_type (n, G_VARIANT_TYPE_STRING))
		return g_ascii_strtoll (g_variant_get_string (n, NULL), NULL, 10);
	return fallback;
}

static gchar *
dict_lower (GVariant *dict, const gchar *key)
{
	g_autoptr(GVariant) v = g_variant_lookup_value (dict, key, NULL);
	g_autoptr(GVariant) n = cs_value_normalize (v);
	if (n == NULL || !g_variant_is_of_type (n, G_VARIANT_TYPE_STRING))
		return NULL;
	return g_ascii_strdown (g_variant_get_string (n, NULL), -1);
}

/* a spelling of the service's camel-case enum, whatever the case it came in */
static const gchar *
enum_of (const gchar *lower, const gchar *const *names)
{
	for (guint i = 0; lower != NULL && names[i] != NULL; i++) {
		if (g_ascii_strcasecmp (lower, names[i]) == 0)
			return names[i];
	}
	return NULL;
}

/* the part of a recurrence rule that both sides can hold: OroCRM keeps no
 * first day of the week, range time zone or exceptions, so comparing whole
 * rules would see an edit on every run and rewrite every series. Members in
 * a fixed form (lower-case days in week order, the index only where the type
 * has one, the range's end only as its type says) */
static GVariant *
recurrence_core (GVariant *v)
{
	static const gchar *const types[] = {"daily", "weekly", "absoluteMonthly", "relativeMonthly",
					     "absoluteYearly", "relativeYearly", NULL};
	static const gchar *const ranges[] = {"endDate", "noEnd", "numbered", NULL};
	static const gchar *const week[] = {"sunday", "monday", "tuesday", "wednesday",
					    "thursday", "friday", "saturday", NULL};
	g_autoptr(GVariant) pattern = NULL;
	g_autoptr(GVariant) range = NULL;
	g_autoptr(GVariant) days = NULL;
	g_autofree gchar *type_l = NULL;
	g_autofree gchar *range_l = NULL;
	const gchar *type, *range_type;
	GVariantBuilder p, r, all;

	if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT))
		return v != NULL ? g_variant_ref (v) : NULL;
	pattern = g_variant_lookup_value (v, "pattern", G_VARIANT_TYPE_VARDICT);
	range = g_variant_lookup_value (v, "range", G_VARIANT_TYPE_VARDICT);
	type_l = pattern != NULL ? dict_lower (pattern, "type") : NULL;
	range_l = range != NULL ? dict_lower (range, "type") : NULL;
	type = enum_of (type_l, types);
	range_type = enum_of (range_l, ranges);
	if (type == NULL || range_type == NULL)
		return g_variant_ref (v); /* not a rule we know: compared as it is */

	g_variant_builder_init (&p, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add (&p, "{sv}", "type", g_variant_new_string (type));
	g_variant_builder_add (&p, "{sv}", "interval", g_variant_new_int64 (MAX (1, dict_int (pattern, "interval", 1))));
	days = g_variant_lookup_value (pattern, "daysOfWeek", NULL);
	if (days != NULL && (g_variant_is_of_type (days, G_VARIANT_TYPE_STRING_ARRAY) ||
			     g_variant_is_of_type (days, G_VARIANT_TYPE ("av")))) {
		g_autoptr(GPtrArray) out = g_ptr_array_new ();
		for (guint d = 0; week[d] != NULL; d++) {
			for (gsize i = 0; i < g_variant_n_children (days); i++) {
				g_autoptr(GVariant) e = g_variant_get_child_value (days, i);
				g_autoptr(GVariant) n = cs_value_normalize (e);
				if (n != NULL && g_variant_is_of_type (n, G_VARIANT_TYPE_STRING) &&
				    g_ascii_strcasecmp (g_variant_get_string (n, NULL), week[d]) == 0) {
					g_ptr_array_add (out, (gpointer) week[d]);
					break;
				}
			}
		}
		if (out->len > 0)
			g_variant_builder_add (&p, "{sv}", "daysOfWeek",
					       g_variant_new_strv ((const gchar *const *) out->pdata, (gssize) out->len));
	}
	if (dict_int (pattern, "dayOfMonth", 0) > 0)
		g_variant_builder_add (&p, "{sv}", "dayOfMonth", g_variant_new_int64 (dict_int (pattern, "dayOfMonth", 0)));
	if (dict_int (pattern, "month", 0) > 0)
		g_variant_builder_add (&p, "{sv}", "month", g_variant_new_int64 (dict_int (pattern, "month", 0)));
	if (g_str_has_prefix (type, "relative")) {
		g_autofree gchar *index = dict_lower (pattern, "index");
		g_variant_builder_add (&p, "{sv}", "index", g_variant_new_string (index != NULL ? index : "first"));
	}

	g_variant_builder_init (&r, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add (&r, "{sv}", "type", g_variant_new_string (range_type));
	{
		g_autoptr(GVariant) start = g_variant_lookup_value (range, "startDate", G_VARIANT_TYPE_STRING);
		g_autoptr(GVariant) end = g_variant_lookup_value (range, "endDate", G_VARIANT_TYPE_STRING);
		g_autoptr(GVariant) start_day = date_part (start);
		g_autoptr(GVariant) end_day = date_part (end);
		if (start_day != NULL)
			g_variant_builder_add (&r, "{sv}", "startDate", start_day);
		if (g_str_equal (range_type, "endDate") && end_day != NULL)
			g_variant_builder_add (&r, "{sv}", "endDate", end_day);
		if (g_str_equal (range_type, "numbered"))
			g_variant_builder_add (&r, "{sv}", "numberOfOccurrences",
					       g_variant_new_int64 (dict_int (range, "numberOfOccurrences", 0)));
	}
	g_variant_builder_init (&all, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add (&all, "{sv}", "pattern", g_variant_builder_end (&p));
	g_variant_builder_add (&all, "{sv}", "range", g_variant_builder_end (&r));
	return g_variant_ref_sink (g_variant_builder_end (&all));
}

/* a rule written over one a side holds keeps what that side has beyond the
 * common part (Outlook's first day of the week, the range's time zone) */
static GVariant *
recurrence_over (GVariant *core, GVariant *current)
{
	GVariantBuilder all;
	const gchar *parts[] = {"pattern", "range"};

	if (core == NULL || current == NULL || !g_variant_is_of_type (core, G_VARIANT_TYPE_VARDICT) ||
	    !g_variant_is_of_type (current, G_VARIANT_TYPE_VARDICT))
		return core != NULL ? g_variant_ref (core) : NULL;
	g_variant_builder_init (&all, G_VARIANT_TYPE_VARDICT);
	for (guint i = 0; i < G_N_ELEMENTS (parts); i++) {
		g_autoptr(GVariant) mine = g_variant_lookup_value (core, parts[i], G_VARIANT_TYPE_VARDICT);
		g_autoptr(GVariant) theirs = g_variant_lookup_value (current, parts[i], G_VARIANT_TYPE_VARDICT);
		GVariantBuilder b;
		GVariantIter iter;
		const gchar *k;
		GVariant *x;
		if (mine == NULL)
			continue;
		g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
		g_variant_iter_init (&iter, mine);
		while (g_variant_iter_loop (&iter, "{&sv}", &k, &x))
			g_variant_builder_add (&b, "{sv}", k, x);
		if (theirs != NULL) {
			static const gchar *const kept[] = {"firstDayOfWeek", "recurrenceTimeZone", NULL};
			for (guint j = 0; kept[j] != NULL; j++) {
				g_autoptr(GVariant) keep = g_variant_lookup_value (theirs, kept[j], NULL);
				g_autoptr(GVariant) have = g_variant_lookup_value (mine, kept[j], NULL);
				if (keep != NULL && have == NULL)
					g_variant_builder_add (&b, "{sv}", kept[j], keep);
			}
		}
		g_variant_builder_add (&all, "{sv}", parts[i], g_variant_builder_end (&b));
	}
	return g_variant_ref_sink (g_variant_builder_end (&all));
}

/**
 * cs_mapping_extract:
 * Returns: (transfer full): row id → value, in the CRM's terms
 */
GHashTable *
cs_mapping_extract (CsMapping *self, CsKind kind, CsSide side, const CsRecord *record)
{
	GHashTable *values = cs_mapping_values_new ();
	GPtrArray *rows = self->kinds[kind].rows;

	if (self->identity) {
		g_autoptr(GPtrArray) names = cs_record_get_field_names (record);
		for (guint i = 0; i < names->len; i++) {
			const gchar *name = g_ptr_array_index (names, i);
			put (values, name, norm (cs_record_get_field (record, name)));
		}
		return values;
	}
	for (guint i = 0; rows != NULL && i < rows->len; i++) {
		CsMappingRow *row = g_ptr_array_index (rows, i);
		g_autoptr(GVariant) raw = NULL;
		GVariant *v = NULL;

		if (side == CS_SIDE_CRM) {
			if (row->crm == NULL)
				continue;
			raw = norm (cs_record_get_field (record, row->crm));
			switch (row->transform) {
			case CS_TRANSFORM_FIRST_OF_LIST: {
				g_autoptr(GVariant) f = first_of (raw);
				v = norm (f);
				break;
			}
			case CS_TRANSFORM_LIST:
				v = as_list (raw);
				break;
			case CS_TRANSFORM_DATE:
				v = date_part (raw);
				break;
			case CS_TRANSFORM_COUNTRY:
				v = country_of (raw);
				break;
			case CS_TRANSFORM_RECURRENCE:
				v = recurrence_core (raw);
				break;
			default:
				v = raw != NULL ? g_variant_ref (raw) : NULL;
			}
		} else {
			if (row->outlook[0] == NULL)
				continue;
			switch (row->transform) {
			case CS_TRANSFORM_LIST: {
				GVariantBuilder b;
				guint n = 0;
				g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
				for (guint j = 0; row->outlook[j] != NULL; j++) {
					g_autoptr(GVariant) e = norm (cs_record_get_field (record, row->outlook[j]));
					if (e != NULL && g_variant_is_of_type (e, G_VARIANT_TYPE_STRING)) {
						g_variant_builder_add (&b, "s", g_variant_get_string (e, NULL));
						n++;
					}
				}
				if (n > 0)
					v = g_variant_ref_sink (g_variant_builder_end (&b));
				else
					g_variant_builder_clear (&b);
				break;
			}
			case CS_TRANSFORM_NAME_FALLBACK:
				raw = norm (cs_record_get_field (record, row->outlook[0]));
				if (raw == NULL && row->outlook_other != NULL)
					raw = norm (cs_record_get_field (record, row->outlook_other));
				v = raw != NULL ? g_variant_ref (raw) : NULL;
				break;
			case CS_TRANSFORM_VALUES:
				raw = norm (cs_record_get_field (record, row->outlook[0]));
				v = lookup_table (row->to_crm, row->default_to_crm, raw);
				break;
			case CS_TRANSFORM_COMMENT_MARKERS: {
				const gchar *body = NULL;
				raw = norm (cs_record_get_field (record, row->outlook[0]));
				if (raw != NULL && g_variant_is_of_type (raw, G_VARIANT_TYPE_STRING))
					body = g_variant_get_string (raw, NULL);
				if (body != NULL) {
					g_autofree gchar *text = parse_comment (body);
					GVariant *t = g_variant_ref_sink (g_variant_new_string (text));
					v = norm (t);
					g_variant_unref (t);
				}
				break;
			}
			case CS_TRANSFORM_DATE:
				raw = norm (cs_record_get_field (record, row->outlook[0]));
				v = date_part (raw);
				break;
			case CS_TRANSFORM_COUNTRY:
				raw = norm (cs_record_get_field (record, row->outlook[0]));
				v = country_of (raw);
				break;
			case CS_TRANSFORM_RECURRENCE:
				raw = norm (cs_record_get_field (record, row->outlook[0]));
				v = recurrence_core (raw);
				break;
			case CS_TRANSFORM_NOTES: {
				g_autofree gchar *notes = notes_of_body (body_text (record, row->outlook[0]));
				if (notes != NULL) {
					GVariant *t = g_variant_ref_sink (g_variant_new_string (notes));
					v = norm (t);
					g_variant_unref (t);
				}
				break;
			}
			default:
				raw = norm (cs_record_get_field (record, row->outlook[0]));
				v = raw != NULL ? g_variant_ref (raw) : NULL;
			}
		}
		put (values, row->id, v);
	}
	return values;
}

static void
set_or_clear (CsRecord *out, const gchar *field, GVariant *v, gboolean clear)
{
	if (v != NULL)
		cs_record_set_field (out, field, v);
	else if (clear)
		cs_record_set_field (out, field, cs_value_null ());
}

static void
apply_row (CsMappingRow *row, CsSide target, GVariant *v, const CsRecord *current, CsRecord *out)
{
	gboolean clear = current != NULL;

	if (row->transform == CS_TRANSFORM_RECURRENCE) {
		const gchar *field = target == CS_SIDE_CRM ? row->crm : row->outlook[0];
		g_autoptr(GVariant) rule = NULL;
		if (field == NULL)
			return;
		rule = recurrence_over (v, current != NULL ? cs_record_get_field (current, field) : NULL);
		set_or_clear (out, field, rule, clear);
		return;
	}
	if (target == CS_SIDE_CRM) {
		if (row->crm == NULL)
			return;
		if (row->transform == CS_TRANSFORM_FIRST_OF_LIST) {
			GVariant *cur = current != NULL ? cs_record_get_field (current, row->crm) : NULL;
			GVariantBuilder b;
			gboolean first = TRUE;
			if (cur != NULL && !g_variant_is_of_type (cur, G_VARIANT_TYPE_STRING_ARRAY))
				cur = NULL;
			g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
			if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
				g_variant_builder_add (&b, "s", g_variant_get_string (v, NULL));
			for (gsize i = 0; cur != NULL && i < g_variant_n_children (cur); i++) {
				const gchar *s;
				g_variant_get_child (cur, i, "&s", &s);
				if (first) { /* replaced */
					first = FALSE;
					continue;
				}
				g_variant_builder_add (&b, "s", s);
			}
			cs_record_set_field (out, row->crm, g_variant_builder_end (&b));
			return;
		}
		set_or_clear (out, row->crm, v, clear);
		return;
	}

	if (row->outlook[0] == NULL)
		return;
	switch (row->transform) {
	case CS_TRANSFORM_LIST:
		for (guint j = 0; row->outlook[j] != NULL; j++) {
			g_autoptr(GVariant) e = NULL;
			if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY) &&
			    j < g_variant_n_children (v))
				e = g_variant_get_child_value (v, j);
			set_or_clear (out, row->outlook[j], e, clear);
		}
		return;
	case CS_TRANSFORM_VALUES: {
		g_autoptr(GVariant) t = lookup_table (row->to_outlook, row->default_to_outlook, v);
		set_or_clear (out, row->outlook[0], t, clear);
		return;
	}
	case CS_TRANSFORM_COMMENT_MARKERS: {
		g_autofree gchar *body = NULL;
		/* notes this write already put in (a notes row before this one), else
		 * those the body shows now */
		g_autofree gchar *notes = notes_of_body (body_text (out, row->outlook[0]) != NULL
							     ? body_text (out, row->outlook[0])
							     : body_text (current, row->outlook[0]));
		if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
			body = g_strconcat (MARK_OPEN, g_variant_get_string (v, NULL), MARK_CLOSE, NULL);
		/* the CRM's notes the body shows stay */
		if (notes != NULL) {
			g_autofree gchar *with = body_with_notes (body != NULL ? body : MARK_OPEN MARK_CLOSE, notes);
			g_free (body);
			body = g_steal_pointer (&with);
		}
		set_or_clear (out, row->outlook[0],
			      body != NULL ? g_variant_new_string (body) : NULL, clear);
		return;
	}
	case CS_TRANSFORM_NOTES: {
		/* over the comment this write renders, else the body as it is */
		const gchar *base = body_text (out, row->outlook[0]);
		g_autofree gchar *body = NULL;
		const gchar *notes = v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)
					 ? g_variant_get_string (v, NULL) : NULL;
		if (base == NULL)
			base = body_text (current, row->outlook[0]);
		body = body_with_notes (base, notes);
		set_or_clear (out, row->outlook[0], body != NULL && body[0] != '\0' ? g_variant_new_string (body) : NULL,
			      clear);
		return;
	}
	default:
		set_or_clear (out, row->outlook[0], v, clear);
	}
}

/**
 * cs_mapping_apply:
 * @values: common values (row id → value)
 * @row_ids: (nullable): the rows to write; %NULL: all rows
 * @current: (nullable): the target record as it is (%NULL for a create:
 *   then empty values are left out rather than cleared)
 * @out: receives the target's fields
 */
void
cs_mapping_apply (CsMapping *self, CsKind kind, CsSide target, GHashTable *values,
		  const gchar *const *row_ids, const CsRecord *current, CsRecord *out)
{
	GPtrArray *rows = self->kinds[kind].rows;

	if (self->identity) {
		if (row_ids != NULL) {
			for (guint i = 0; row_ids[i] != NULL; i++)
				set_or_clear (out, row_ids[i], g_hash_table_lookup (values, row_ids[i]),
					      current != NULL);
		} else {
			GHashTableIter iter;
			gpointer k, v;
			g_hash_table_iter_init (&iter, values);
			while (g_hash_table_iter_next (&iter, &k, &v))
				cs_record_set_field (out, k, v);
		}
		return;
	}
	for (guint i = 0; rows != NULL && i < rows->len; i++) {
		CsMappingRow *row = g_ptr_array_index (rows, i);
		if (row_ids != NULL && !g_strv_contains (row_ids, row->id))
			continue;
		if (row->one_way && row->only_to != target)
			continue;
		apply_row (row, target, g_hash_table_lookup (values, row->id), current, out);
	}
}

/**
 * cs_mapping_needs_current:
 * @row_ids: the rows an update writes
 *
 * Whether writing these rows to @target keeps data only when the target's
 * current record is known: a first-of-list row replaces the first element of
 * the CRM's list and keeps the rest, a recurrence row keeps what the target's
 * rule has beyond the part both sides hold; only the current record has it.
 */
gboolean
cs_mapping_needs_current (CsMapping *self, CsKind kind, CsSide target, const gchar *const *row_ids)
{
	GPtrArray *rows = self->kinds[kind].rows;

	if (self->identity || row_ids == NULL)
		return FALSE;
	for (guint i = 0; rows != NULL && i < rows->len; i++) {
		CsMappingRow *row = g_ptr_array_index (rows, i);
		if (!g_strv_contains (row_ids, row->id))
			continue;
		if (row->transform == CS_TRANSFORM_FIRST_OF_LIST && target == CS_SIDE_CRM && row->crm != NULL)
			return TRUE;
		if (row->transform == CS_TRANSFORM_RECURRENCE)
			return TRUE;
		/* the comment and the CRM's notes share the Outlook body */
		if ((row->transform == CS_TRANSFORM_COMMENT_MARKERS || row->transform == CS_TRANSFORM_NOTES) &&
		    target == CS_SIDE_OUTLOOK)
			return TRUE;
	}
	return FALSE;
}

/**
 * cs_mapping_key_of:
 * @key: (nullable): key row ids (CRM field names); %NULL: the mapping's default
 *
 * Returns: (transfer full) (nullable): a case-folded key, %NULL when every
 *   key field is empty (such a record matches nothing)
 */
gchar *
cs_mapping_key_of (CsMapping *self, CsKind kind, const gchar *const *key, GHashTable *values)
{
	GString *s = g_string_new (NULL);
	gboolean any = FALSE;

	if (key == NULL)
		key = (const gchar *const *) self->kinds[kind].key;
	if (key == NULL || key[0] == NULL) {
		g_string_free (s, TRUE);
		return NULL;
	}
	for (guint i = 0; key[i] != NULL; i++) {
		GVariant *v = g_hash_table_lookup (values, key[i]);
		g_autofree gchar *t = value_text (v);
		if (t != NULL) {
			g_autofree gchar *f = g_utf8_casefold (t, -1);
			g_string_append (s, f);
			any = TRUE;
		}
		g_string_append_c (s, '\x1f');
	}
	if (!any) {
		g_string_free (s, TRUE);
		return NULL;
	}
	return g_string_free (s, FALSE);
}

static gboolean
has_value (const CsRecord *r, const gchar *field)
{
	g_autoptr(GVariant) v = cs_value_normalize (cs_record_get_field (r, field));
	return v != NULL;
}

gboolean
cs_mapping_check_to_crm (CsMapping *self, CsKind kind, const CsRecord *outlook, gchar **reason)
{
	KindMap *km = &self->kinds[kind];
	for (guint i = 0; km->require != NULL && i < km->require->len; i++) {
		gchar **group = g_ptr_array_index (km->require, i);
		gboolean ok = FALSE;
		for (guint j = 0; group[j] != NULL && !ok; j++)
			ok = has_value (outlook, group[j]);
		if (!ok) {
			if (reason != NULL)
				*reason = g_strdup (km->require_reason);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
cs_mapping_allows_to_outlook (CsMapping *self, CsKind kind, const CsRecord *crm, gchar **reason)
{
	KindMap *km = &self->kinds[kind];
	g_autofree gchar *text = NULL;
	if (km->not_field == NULL)
		return TRUE;
	text = value_text (cs_record_get_field (crm, km->not_field));
	if (text != NULL && km->not_values != NULL && g_strv_contains ((const gchar *const *) km->not_values, text)) {
		if (reason != NULL)
			*reason = g_strdup (km->not_reason);
		return FALSE;
	}
	return TRUE;
}

/**
 * cs_mapping_apply_reminder:
 *
 * The profile's reminder for records created in Outlook: minutes before an
 * event's start, or a time before a task's due date.
 */
void
cs_mapping_apply_reminder (CsMapping *self, CsKind kind, gint minutes, CsRecord *outlook)
{
	KindMap *km = &self->kinds[kind];
	if (minutes < 0 || km->reminder_field == NULL)
		return;
	if (g_strcmp0 (km->reminder_type, "datetime") == 0) {
		const gchar *rel = km->reminder_relative != NULL
				       ? cs_record_get_string (outlook, km->reminder_relative)
				       : NULL;
		gint64 usec;
		g_autofree gchar *when = NULL;
		if (rel == NULL || !cs_time_parse (rel, &usec))
			return;
		when = cs_time_format_utc (usec - (gint64) minutes * 60 * G_USEC_PER_SEC);
		cs_record_set_string (outlook, km->reminder_field, when);
	} else {
		cs_record_set_int (outlook, km->reminder_field, minutes);
	}
	if (km->reminder_flag != NULL)
		cs_record_set_bool (outlook, km->reminder_flag, TRUE);
}

static void
crm_link_free (CsMappingCrmLink *cl)
{
	if (cl == NULL)
		return;
	g_strfreev (cl->addresses);
	g_strfreev (cl->names);
	g_free (cl->person_find);
	g_free (cl->person_value);
	g_free (cl->org_find);
	g_free (cl->org_value);
	g_free (cl->crm_field);
	g_free (cl->label_field);
	g_free (cl->unless_field);
	g_strfreev (cl->unless_values);
	g_free (cl);
}

/**
 * cs_mapping_get_crm_link:
 *
 * Returns: (nullable) (transfer none): how an Outlook-made @kind record
 *   finds the CRM organisation or person it must belong to (webCRM's tasks
 *   and meetings), or %NULL when the CRM needs none
 */
const CsMappingCrmLink *
cs_mapping_get_crm_link (CsMapping *self, CsKind kind)
{
	return self->kinds[kind].crm_link;
}

/**
 * cs_mapping_get_optional_rows:
 *
 * Returns: (transfer none) (nullable) (element-type CsMappingRow): the
 *   opt-in rows of @kind not switched on (shown unticked by the app)
 */
GPtrArray *
cs_mapping_get_optional_rows (CsMapping *self, CsKind kind)
{
	return self->kinds[kind].optional;
}

/**
 * cs_mapping_enable_rows:
 * @row_ids: the opt-in rows to switch on, by id (their CRM field)
 *
 * A profile's `optional-rows=`: each named row joins the mapping. A name
 * that is no opt-in row of @kind is an error naming the ones there are.
 */
gboolean
cs_mapping_enable_rows (CsMapping *self, CsKind kind, const gchar *const *row_ids,
			GError **error)
{
	KindMap *km = &self->kinds[kind];
	for (guint i = 0; row_ids != NULL && row_ids[i] != NULL; i++) {
		gboolean found = FALSE;
		for (guint j = 0; km->optional != NULL && j < km->optional->len; j++) {
			CsMappingRow *row = g_ptr_array_index (km->optional, j);
			if (g_strcmp0 (row->id, row_ids[i]) != 0)
				continue;
			g_ptr_array_add (km->rows, g_ptr_array_steal_index (km->optional, j));
			found = TRUE;
			break;
		}
		if (!found) {
			g_autoptr(GString) names = g_string_new (NULL);
			for (guint j = 0; km->optional != NULL && j < km->optional->len; j++)
				g_string_append_printf (
					names, "%s%s", j > 0 ? ", " : "",
					((CsMappingRow *)g_ptr_array_index (km->optional, j))->id);
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     /* TRANSLATORS: a row name, then the ones there are (or "none") */
				     _("“%s” is no opt-in row of this mapping (there are: %s)"), row_ids[i],
				     names->len > 0 ? names->str : _("none"));
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
cs_mapping_get_email_link (CsMapping *self, const gchar **direction_field, const gchar **outbound,
			   const gchar **inbound, const gchar **crm_find_field,
			   const gchar **crm_field)
{
	KindMap *km = &self->kinds[CS_KIND_EMAIL];
	if (km->link_field == NULL)
		return FALSE;
	*direction_field = km->link_direction;
	*outbound = km->link_outbound;
	*inbound = km->link_inbound;
	*crm_find_field = km->link_find;
	*crm_field = km->link_field;
	return TRUE;
}

gchar *
cs_mapping_values_to_string (GHashTable *values)
{
	g_autoptr(GList) keys = g_hash_table_get_keys (values);
	JsonObject *obj = json_object_new ();
	g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
	keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
	for (GList *l = keys; l != NULL; l = l->next)
		json_object_set_member (obj, l->data,
					cs_json_from_value (g_hash_table_lookup (values, l->data)));
	json_node_take_object (node, obj);
	return cs_json_to_string (node, FALSE);
}

GHashTable *
cs_mapping_values_from_string (const gchar *text)
{
	GHashTable *values = cs_mapping_values_new ();
	g_autoptr(JsonParser) parser = json_parser_new ();
	JsonObject *obj;
	g_autoptr(GList) members = NULL;

	if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL) ||
	    (json_parser_get_root (parser) == NULL ||
	     !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))))
		return values;
	obj = json_node_get_object (json_parser_get_root (parser));
	members = json_object_get_members (obj);
	for (GList *l = members; l != NULL; l = l->next) {
		g_autoptr(GVariant) raw = cs_json_to_value (json_object_get_member (obj, l->data));
		put (values, l->data, cs_value_normalize (raw));
	}
	return values;
}
