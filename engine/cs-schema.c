/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <json-glib/json-glib.h>

#include "cs-provider.h"
#include "cs-schema.h"

struct _CsSchema {
	GObject parent_instance;
	gchar *name;		/* (owned) */
	CsKind kind;
	gboolean free_schema;	/* takes any field (a folder side without schema=) */
	GPtrArray *fields;	/* (owned) (element-type CsFieldSpec) */
	GHashTable *by_name;	/* name → CsFieldSpec (borrowed from fields) */
};

G_DEFINE_TYPE (CsSchema, cs_schema, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (CsFieldSpec, cs_field_spec, cs_field_spec_copy, cs_field_spec_free)

static const gchar *type_names[] = {"string", "text",	  "int",  "bool",   "double",
				    "date",   "datetime", "pick", "list", "object"};
G_STATIC_ASSERT (G_N_ELEMENTS (type_names) == CS_FIELD_LAST);

const gchar *
cs_field_type_to_string (CsFieldType type)
{
	g_return_val_if_fail (type < CS_FIELD_LAST, NULL);
	return type_names[type];
}

gboolean
cs_field_type_from_string (const gchar *str, CsFieldType *type)
{
	for (guint i = 0; str != NULL && i < CS_FIELD_LAST; i++) {
		if (g_strcmp0 (str, type_names[i]) == 0) {
			*type = (CsFieldType) i;
			return TRUE;
		}
	}
	return FALSE;
}

CsFieldSpec *
cs_field_spec_new (const gchar *name, const gchar *label, CsFieldType type)
{
	CsFieldSpec *spec = g_new0 (CsFieldSpec, 1);
	spec->name = g_strdup (name);
	spec->label = g_strdup (label);
	spec->type = type;
	return spec;
}

CsFieldSpec *
cs_field_spec_copy (const CsFieldSpec *spec)
{
	CsFieldSpec *copy = cs_field_spec_new (spec->name, spec->label, spec->type);
	copy->read_only = spec->read_only;
	copy->custom = spec->custom;
	copy->choices = g_strdupv (spec->choices);
	copy->format = g_strdup (spec->format);
	return copy;
}

void
cs_field_spec_free (CsFieldSpec *spec)
{
	if (spec == NULL)
		return;
	g_free (spec->name);
	g_free (spec->label);
	g_strfreev (spec->choices);
	g_free (spec->format);
	g_free (spec);
}

static void
cs_schema_finalize (GObject *object)
{
	CsSchema *self = CS_SCHEMA (object);
	g_free (self->name);
	g_hash_table_unref (self->by_name);
	g_ptr_array_unref (self->fields);
	G_OBJECT_CLASS (cs_schema_parent_class)->finalize (object);
}

static void
cs_schema_class_init (CsSchemaClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_schema_finalize;
}

static void
cs_schema_init (CsSchema *self)
{
	self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_field_spec_free);
	self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
}

CsSchema *
cs_schema_new (const gchar *name, CsKind kind)
{
	CsSchema *self = g_object_new (CS_TYPE_SCHEMA, NULL);
	self->name = g_strdup (name);
	self->kind = kind;
	return self;
}

/**
 * cs_schema_new_from_json:
 *
 * Reads `{"name": "...", "kinds": {"contact": [{"name", "label", "type",
 * "read-only", "choices"}...]}}` and keeps the fields of @kind.
 */
CsSchema *
cs_schema_new_from_json (const gchar *json, gssize len, CsKind kind, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autoptr(CsSchema) self = NULL;
	JsonObject *root, *kinds;
	JsonArray *fields;

	if (!json_parser_load_from_data (parser, json, len, error))
		return NULL;
	if (json_parser_get_root (parser) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("schema is not a JSON object"));
		return NULL;
	}
	root = json_node_get_object (json_parser_get_root (parser));
	self = cs_schema_new (json_object_get_string_member_with_default (root, "name", "unnamed"),
			      kind);
	kinds = json_object_get_object_member (root, "kinds");
	if (kinds == NULL || !json_object_has_member (kinds, cs_kind_to_string (kind)))
		return g_steal_pointer (&self);
	fields = json_object_get_array_member (kinds, cs_kind_to_string (kind));
	for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++) {
		JsonObject *f = json_array_get_object_element (fields, i);
		CsFieldType type = CS_FIELD_STRING;
		CsFieldSpec *spec;
		const gchar *name = f != NULL ? json_object_get_string_member_with_default (f, "name", NULL) : NULL;
		if (name == NULL ||
		    !cs_field_type_from_string (
			json_object_get_string_member_with_default (f, "type", "string"), &type)) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("schema %s: field %u of %s has no name or an unknown type"),
				     self->name, i, cs_kind_to_string (kind));
			return NULL;
		}
		spec = cs_field_spec_new (name, json_object_get_string_member_with_default (f, "label", NULL),
					  type);
		spec->read_only = json_object_get_boolean_member_with_default (f, "read-only", FALSE);
		spec->format = g_strdup (json_object_get_string_member_with_default (f, "format", NULL));
		if (json_object_has_member (f, "choices")) {
			JsonArray *c = json_object_get_array_member (f, "choices");
			GPtrArray *v = g_ptr_array_new ();
			for (guint j = 0; c != NULL && j < json_array_get_length (c); j++)
				g_ptr_array_add (v, g_strdup (json_array_get_string_element (c, j)));
			g_ptr_array_add (v, NULL);
			spec->choices = (gchar **) g_ptr_array_free (v, FALSE);
		}
		cs_schema_add_field (self, spec);
	}
	return g_steal_pointer (&self);
}

/**
 * cs_schema_load_builtin:
 * @name: `outlook`, `orocrm`, `webcrm`…: a schema shipped in the engine's resources
 */
CsSchema *
cs_schema_load_builtin (const gchar *name, CsKind kind, GError **error)
{
	g_autofree gchar *path = g_strdup_printf ("/org/crmsync/schemas/%s.json", name);
	g_autoptr(GBytes) bytes = g_resources_lookup_data (path, 0, NULL);
	gsize len;
	const gchar *data;

	if (bytes == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("unknown schema “%s”"), name);
		return NULL;
	}
	data = g_bytes_get_data (bytes, &len);
	return cs_schema_new_from_json (data, (gssize) len, kind, error);
}

const gchar *
cs_schema_get_name (CsSchema *self)
{
	return self->name;
}

CsKind
cs_schema_get_kind (CsSchema *self)
{
	return self->kind;
}

/**
 * cs_schema_add_field:
 * @spec: (transfer full)
 */
void
cs_schema_add_field (CsSchema *self, CsFieldSpec *spec)
{
	CsFieldSpec *old = g_hash_table_lookup (self->by_name, spec->name);
	/* the table's key is the old spec's name: out of the table before the
	 * spec is freed */
	if (old != NULL) {
		g_hash_table_remove (self->by_name, spec->name);
		g_ptr_array_remove (self->fields, old);
	}
	g_ptr_array_add (self->fields, spec);
	g_hash_table_insert (self->by_name, spec->name, spec);
}

const CsFieldSpec *
cs_schema_lookup (CsSchema *self, const gchar *name)
{
	return g_hash_table_lookup (self->by_name, name);
}

/**
 * cs_schema_get_fields:
 * Returns: (transfer none) (element-type CsFieldSpec)
 */
GPtrArray *
cs_schema_get_fields (CsSchema *self)
{
	return self->fields;
}

gboolean
cs_schema_is_free (CsSchema *self)
{
	return self->free_schema;
}

void
cs_schema_set_free (CsSchema *self, gboolean free_schema)
{
	self->free_schema = free_schema;
}
