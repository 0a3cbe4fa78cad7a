/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * A read-only JSON document for the answers a first sync reads by the
 * thousand (a page of 1,000 OroCRM contacts is some 40,000 values): all its
 * values sit in one array and its strings in one buffer, so it is built with
 * a handful of allocations and freed with two, where a json-glib tree takes a
 * hash table and a list per object. What it accepts, and how it refuses, are
 * json-glib's (see cs_json_parse()).
 *
 * A CsJsonVal lives as long as its document. Every accessor takes %NULL and
 * answers %NULL (or the fallback) for a value of another type, so a chain of
 * lookups into input of an unexpected shape needs no checks on the way.
 */

typedef struct _CsJsonDoc CsJsonDoc;
typedef struct _CsJsonVal CsJsonVal;

typedef enum {
	CS_JSON_NULL,
	CS_JSON_BOOLEAN,
	CS_JSON_INT,
	CS_JSON_DOUBLE,
	CS_JSON_STRING,
	CS_JSON_ARRAY,
	CS_JSON_OBJECT,
} CsJsonType;

CsJsonDoc *
cs_json_doc_parse (const gchar *data, gssize len, GError **error);
CsJsonDoc *
cs_json_doc_new_from_node (JsonNode *node);
void
cs_json_doc_free (CsJsonDoc *doc);
const CsJsonVal *
cs_json_doc_get_root (CsJsonDoc *doc);

gboolean
cs_json_val_is (const CsJsonVal *val, CsJsonType type);
const gchar *
cs_json_val_get_name (const CsJsonVal *val);
const gchar *
cs_json_val_get_string (const CsJsonVal *val);
gint64
cs_json_val_get_int (const CsJsonVal *val, gint64 fallback);
gboolean
cs_json_val_get_boolean (const CsJsonVal *val, gboolean fallback);
guint
cs_json_val_get_length (const CsJsonVal *val);
const CsJsonVal *
cs_json_val_first (const CsJsonVal *val);
const CsJsonVal *
cs_json_val_next (const CsJsonVal *parent, const CsJsonVal *child);
const CsJsonVal *
cs_json_val_index (const CsJsonVal *array, guint index);
const CsJsonVal *
cs_json_val_member (const CsJsonVal *object, const gchar *name);
const CsJsonVal *
cs_json_val_object (const CsJsonVal *object, const gchar *name);
const CsJsonVal *
cs_json_val_array (const CsJsonVal *object, const gchar *name);
const gchar *
cs_json_val_string (const CsJsonVal *object, const gchar *name);
GVariant *
cs_json_val_to_value (const CsJsonVal *val);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsJsonDoc, cs_json_doc_free)

G_END_DECLS
