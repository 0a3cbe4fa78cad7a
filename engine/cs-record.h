/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
	CS_KIND_CONTACT,
	CS_KIND_ORGANISATION,
	CS_KIND_TASK,
	CS_KIND_EVENT,
	CS_KIND_EMAIL,
	CS_KIND_LAST
} CsKind;

typedef enum {
	CS_SIDE_CRM,
	CS_SIDE_OUTLOOK,
	CS_SIDE_LAST
} CsSide;

const gchar *cs_kind_to_string (CsKind kind);
const gchar *cs_kind_get_label (CsKind kind);
gboolean cs_kind_from_string (const gchar *str, CsKind *kind);
const gchar *cs_side_to_string (CsSide side);
CsSide cs_side_other (CsSide side);

#define CS_TYPE_RECORD (cs_record_get_type ())
typedef struct _CsRecord CsRecord;

GType cs_record_get_type (void);
CsRecord *cs_record_new (CsKind kind, const gchar *id);
CsRecord *cs_record_new_tombstone (CsKind kind, const gchar *id);
CsRecord *cs_record_new_from_variant (CsKind kind, const gchar *id, GVariant *fields);
CsRecord *cs_record_copy (const CsRecord *self);
CsRecord *cs_record_new_stub (const CsRecord *self);
CsRecord *cs_record_ref (CsRecord *self);
void cs_record_unref (CsRecord *self);

CsKind cs_record_get_kind (const CsRecord *self);
const gchar *cs_record_get_id (const CsRecord *self);
void cs_record_set_id (CsRecord *self, const gchar *id);
const gchar *cs_record_get_version (const CsRecord *self);
void cs_record_set_version (CsRecord *self, const gchar *version);
gint64 cs_record_get_modified (const CsRecord *self);
void cs_record_set_modified (CsRecord *self, gint64 modified_usec);
gboolean cs_record_is_deleted (const CsRecord *self);
void cs_record_strip (CsRecord *self);
gboolean cs_record_is_stripped (const CsRecord *self);
const gchar *cs_record_get_folder (const CsRecord *self);
void cs_record_set_folder (CsRecord *self, const gchar *folder);

void cs_record_set_field (CsRecord *self, const gchar *name, GVariant *value);
GVariant *cs_record_get_field (const CsRecord *self, const gchar *name);
gboolean cs_record_has_field (const CsRecord *self, const gchar *name);
void cs_record_remove_field (CsRecord *self, const gchar *name);
guint cs_record_get_n_fields (const CsRecord *self);
GPtrArray *cs_record_get_field_names (const CsRecord *self);

void cs_record_set_string (CsRecord *self, const gchar *name, const gchar *value);
const gchar *cs_record_get_string (const CsRecord *self, const gchar *name);
void cs_record_set_int (CsRecord *self, const gchar *name, gint64 value);
gint64 cs_record_get_int (const CsRecord *self, const gchar *name, gint64 fallback);
void cs_record_set_bool (CsRecord *self, const gchar *name, gboolean value);
gboolean cs_record_get_bool (const CsRecord *self, const gchar *name, gboolean fallback);

GVariant *cs_record_dup_fields (const CsRecord *self);
gchar *cs_record_hash_fields (const CsRecord *self, const gchar *const *names);

/* field values */
GVariant *cs_value_null (void);
gboolean cs_value_is_null (GVariant *value);
GVariant *cs_value_normalize (GVariant *value);
gboolean cs_value_equal (GVariant *a, GVariant *b);
gchar *cs_value_hash (GVariant *value);

/* for g_ptr_array_sort() of strings */
gint cs_str_ptr_cmp (gconstpointer a, gconstpointer b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsRecord, cs_record_unref)

G_END_DECLS
