/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "cs-record.h"

G_BEGIN_DECLS

typedef enum {
	CS_TRANSFORM_NONE,
	CS_TRANSFORM_VALUES,
	CS_TRANSFORM_NAME_FALLBACK,
	CS_TRANSFORM_LIST,
	CS_TRANSFORM_FIRST_OF_LIST,
	CS_TRANSFORM_COMMENT_MARKERS,
	CS_TRANSFORM_DATE,
	CS_TRANSFORM_COUNTRY,
	CS_TRANSFORM_RECURRENCE,
	CS_TRANSFORM_NOTES,
} CsTransformType;

typedef struct {
	gchar *id;		/* (owned) unique per kind: the CRM field, or "outlook:NAME" */
	gchar *crm;		/* (owned) (nullable) */
	gchar **outlook;	/* (owned) one name, several for CS_TRANSFORM_LIST */
	gboolean fixed;
	CsSide only_to;		/* with one_way */
	gboolean one_way;
	CsTransformType transform;
	GHashTable *to_outlook; /* (owned) (nullable) text → GVariant */
	GHashTable *to_crm;	/* (owned) (nullable) */
	GVariant *default_to_outlook;
	GVariant *default_to_crm;
	gchar *crm_other;	/* (owned) (nullable) name-fallback */
	gchar *outlook_other;	/* (owned) (nullable) */
	gboolean optional;	/* off unless a profile switches it on (optional-rows=) */
} CsMappingRow;

#define CS_TYPE_MAPPING (cs_mapping_get_type ())
G_DECLARE_FINAL_TYPE (CsMapping, cs_mapping, CS, MAPPING, GObject)

CsMapping *cs_mapping_new_identity (void);
CsMapping *cs_mapping_new_from_json (const gchar *json, gssize len, GError **error);
CsMapping *cs_mapping_load (const gchar *name_or_path, const gchar *base_dir, GError **error);
gchar *cs_mapping_to_json (CsMapping *self);

const gchar *cs_mapping_get_name (CsMapping *self);
const gchar *cs_mapping_get_schema_name (CsMapping *self, CsSide side);
gboolean cs_mapping_is_identity (CsMapping *self);
gboolean cs_mapping_has_kind (CsMapping *self, CsKind kind);
GPtrArray *cs_mapping_get_rows (CsMapping *self, CsKind kind);
const gchar *const *cs_mapping_get_key (CsMapping *self, CsKind kind);
const gchar *cs_mapping_get_owner_field (CsMapping *self, CsKind kind);

/* common values: row id → normalised GVariant (absent = no value) */
GHashTable *cs_mapping_extract (CsMapping *self, CsKind kind, CsSide side, const CsRecord *record);
gboolean cs_mapping_needs_current (CsMapping *self, CsKind kind, CsSide target,
				   const gchar *const *row_ids);
void cs_mapping_apply (CsMapping *self, CsKind kind, CsSide target, GHashTable *values,
		       const gchar *const *row_ids, const CsRecord *current, CsRecord *out);
gchar *cs_mapping_key_of (CsMapping *self, CsKind kind, const gchar *const *key,
			  GHashTable *values);
gboolean cs_mapping_check_to_crm (CsMapping *self, CsKind kind, const CsRecord *outlook,
				  gchar **reason);
gboolean cs_mapping_allows_to_outlook (CsMapping *self, CsKind kind, const CsRecord *crm,
				       gchar **reason);
void cs_mapping_apply_reminder (CsMapping *self, CsKind kind, gint minutes, CsRecord *outlook);
/* how an Outlook-made record finds the CRM record it belongs to (issue 17):
 * the organisations its e-mail addresses' persons belong to and the
 * organisations its name fields name; exactly one, or it is skipped */
typedef struct {
	gchar **addresses;	/* Outlook fields holding e-mail addresses */
	gchar **names;		/* Outlook fields holding organisation names */
	gchar *person_find;	/* CRM contact field an address is found by */
	gchar *person_value; /* (nullable) the found person's field that names the link; NULL: its
				id */
	gchar *org_find;	/* (nullable) CRM organisation field a name is found by */
	gchar *org_value;	/* (nullable) the found organisation's field; NULL: its id */
	gchar *crm_field;	/* the created CRM record's field that gets the link */
	gchar *label_field;	/* (nullable) a found record's field the user knows it by */
	gchar *unless_field;	/* (nullable) an Outlook field whose values … */
	gchar **unless_values;	/* … mean no link is needed (a private appointment) */
} CsMappingCrmLink;
const CsMappingCrmLink *cs_mapping_get_crm_link (CsMapping *self, CsKind kind);
GPtrArray *cs_mapping_get_optional_rows (CsMapping *self, CsKind kind);
gboolean cs_mapping_enable_rows (CsMapping *self, CsKind kind, const gchar *const *row_ids,
				 GError **error);
gboolean cs_mapping_get_email_link (CsMapping *self, const gchar **direction_field,
				    const gchar **outbound, const gchar **inbound,
				    const gchar **crm_find_field, const gchar **crm_field);

/* values → JSON text and back, for snapshots */
gchar *cs_mapping_values_to_string (GHashTable *values);
GHashTable *cs_mapping_values_from_string (const gchar *text);
GHashTable *cs_mapping_values_new (void);

G_END_DECLS
