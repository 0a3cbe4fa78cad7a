/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "cs-record.h"

G_BEGIN_DECLS

typedef enum {
	CS_FIELD_STRING,   /* one line of text */
	CS_FIELD_TEXT,     /* multi-line text (notes, bodies) */
	CS_FIELD_INT,
	CS_FIELD_BOOL,
	CS_FIELD_DOUBLE,
	CS_FIELD_DATE,     /* "YYYY-MM-DD" */
	CS_FIELD_DATETIME, /* "YYYY-MM-DDTHH:MM:SSZ" (UTC); a date alone for all-day values */
	CS_FIELD_PICK,     /* a string from choices; the first is the default */
	CS_FIELD_LIST,     /* as: list of strings */
	CS_FIELD_OBJECT,   /* a{sv}: structured values (addresses, recurrence) */
	CS_FIELD_LAST
} CsFieldType;

const gchar *cs_field_type_to_string (CsFieldType type);
gboolean cs_field_type_from_string (const gchar *str, CsFieldType *type);

#define CS_TYPE_FIELD_SPEC (cs_field_spec_get_type ())
typedef struct {
	gchar *name;	  /* (owned) the provider's own field name */
	gchar *label;	  /* (owned) (nullable) what the user sees */
	CsFieldType type;
	gboolean read_only;
	gboolean custom;  /* a CRM custom field found at run time */
	gchar **choices;  /* (owned) (nullable) pick-list values, first = default */
	gchar *format;	  /* (owned) (nullable) what the text must look like: "email" | "phone" */
} CsFieldSpec;

GType cs_field_spec_get_type (void);
CsFieldSpec *cs_field_spec_new (const gchar *name, const gchar *label, CsFieldType type);
CsFieldSpec *cs_field_spec_copy (const CsFieldSpec *spec);
void cs_field_spec_free (CsFieldSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsFieldSpec, cs_field_spec_free)

#define CS_TYPE_SCHEMA (cs_schema_get_type ())
G_DECLARE_FINAL_TYPE (CsSchema, cs_schema, CS, SCHEMA, GObject)

CsSchema *cs_schema_new (const gchar *name, CsKind kind);
CsSchema *cs_schema_load_builtin (const gchar *name, CsKind kind, GError **error);
CsSchema *cs_schema_new_from_json (const gchar *json, gssize len, CsKind kind, GError **error);
const gchar *cs_schema_get_name (CsSchema *self);
CsKind cs_schema_get_kind (CsSchema *self);
void cs_schema_add_field (CsSchema *self, CsFieldSpec *spec);
const CsFieldSpec *cs_schema_lookup (CsSchema *self, const gchar *name);
GPtrArray *cs_schema_get_fields (CsSchema *self);
gboolean cs_schema_is_free (CsSchema *self);
void cs_schema_set_free (CsSchema *self, gboolean free_schema);

G_END_DECLS
