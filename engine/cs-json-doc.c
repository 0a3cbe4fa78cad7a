/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-json-doc.h"
#include "cs-json-text.h"

/*
 * Values are kept in document order, each followed by its subtree, so that a
 * value's members or elements are the values after it and `size` (the
 * subtree's count, the value itself included) steps over one: no pointers
 * between values, nothing to free one by one. Strings are decoded in place in
 * the document's copy of the text (an escape is never shorter than what it
 * stands for), so a string costs no allocation at all.
 */

struct _CsJsonVal {
	const gchar *name; /* the member's name, in an object */
	union {
		const gchar *s;
		gint64 i;
		gdouble d;
		gboolean b;
	} u;
	guint32 size; /* values in this one's subtree, itself included */
	guint32 len;  /* elements or members */
	guint8 type;  /* CsJsonType */
};

struct _CsJsonDoc {
	CsJsonVal *vals;
	gchar *text;	       /* (owned) (nullable) the parsed text, strings decoded in it */
	GStringChunk *strings; /* (owned) (nullable) the strings of a document made from a tree */
};

/* as cs_json_parse()'s reader: deeper input is left to json-glib */
#define DOC_MAX_DEPTH 256

typedef struct {
	gchar *p, *end;
	CsJsonVal *vals;
	guint n, cap;
	guint depth;
} DocReader;

static gboolean
doc_value (DocReader *r, const gchar *name);

static inline guint
doc_push (DocReader *r, CsJsonType type, const gchar *name)
{
	CsJsonVal *v;
	if (r->n == r->cap) {
		r->cap *= 2;
		r->vals = g_renew (CsJsonVal, r->vals, r->cap);
	}
	v = &r->vals[r->n];
	v->name = name;
	v->u.i = 0;
	v->size = 1;
	v->len = 0;
	v->type = type;
	return r->n++;
}

static inline void
doc_space (DocReader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

/* decodes the string at r->p (its opening quote) in place; NULL for what is
 * left to json-glib (as cs_json_parse(): \u0000, lone surrogates, bad UTF-8) */
static const gchar *
doc_string (DocReader *r)
{
	gchar *start = r->p + 1, *p = start, *w = start;
	gunichar c;

	for (;;) {
		gchar *run = p;
		while (p < r->end && *p != '"' && *p != '\\' && (guchar)*p >= 0x20)
			p++;
		if (p >= r->end || (guchar)*p < 0x20)
			return NULL;
		if (!g_utf8_validate_len (run, (gsize)(p - run), NULL))
			return NULL;
		if (w != run)
			memmove (w, run, (gsize)(p - run));
		w += p - run;
		if (*p == '"')
			break;
		p++;
		c = cs_json_read_escape ((const gchar **)&p, r->end);
		if (c == 0)
			return NULL;
		/* 2 to 12 bytes read, at most as many written: w stays behind p */
		w += g_unichar_to_utf8 (c, w);
	}
	*w = '\0'; /* at most where the closing quote was */
	r->p = p + 1;
	return start;
}

static gboolean
doc_number (DocReader *r, const gchar *name)
{
	const gchar *p = r->p;
	gboolean integer;
	gint64 v = 0;
	gdouble d = 0;
	guint i;

	if (!cs_json_read_number (&p, r->end, &integer, &v, &d))
		return FALSE;
	i = doc_push (r, integer ? CS_JSON_INT : CS_JSON_DOUBLE, name);
	if (integer)
		r->vals[i].u.i = v;
	else
		r->vals[i].u.d = d;
	r->p = (gchar *)p;
	return TRUE;
}

static gboolean
doc_word (DocReader *r, const gchar *word, gsize len)
{
	if ((gsize)(r->end - r->p) < len || memcmp (r->p, word, len) != 0)
		return FALSE;
	r->p += len;
	return TRUE;
}

/* a name twice in one object is json-glib's to judge, as in cs_json_parse() */
static gboolean
has_duplicate (const CsJsonVal *object)
{
	const CsJsonVal *end = object + object->size;
	for (const CsJsonVal *c = object + 1; c < end; c += c->size) {
		for (const CsJsonVal *d = object + 1; d < c; d += d->size) {
			if (d->name[0] == c->name[0] && strcmp (d->name, c->name) == 0)
				return TRUE;
		}
	}
	return FALSE;
}

static gboolean
doc_container (DocReader *r, const gchar *name)
{
	gboolean object = *r->p == '{';
	gchar close = object ? '}' : ']';
	guint i = doc_push (r, object ? CS_JSON_OBJECT : CS_JSON_ARRAY, name);
	guint len = 0;

	if (r->depth >= DOC_MAX_DEPTH)
		return FALSE;
	r->depth++;
	r->p++;
	doc_space (r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		goto done;
	}
	for (;;) {
		const gchar *member = NULL;
		if (object) {
			doc_space (r);
			if (r->p >= r->end || *r->p != '"' || (member = doc_string (r)) == NULL)
				return FALSE;
			doc_space (r);
			if (r->p >= r->end || *r->p != ':')
				return FALSE;
			r->p++;
		}
		if (!doc_value (r, member))
			return FALSE;
		len++;
		doc_space (r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			break;
		}
		return FALSE;
	}
done:
	r->depth--;
	r->vals[i].size = r->n - i;
	r->vals[i].len = len;
	return !object || !has_duplicate (&r->vals[i]);
}

static gboolean
doc_value (DocReader *r, const gchar *name)
{
	doc_space (r);
	if (r->p >= r->end)
		return FALSE;
	switch (*r->p) {
	case '{':
	case '[':
		return doc_container (r, name);
	case '"': {
		const gchar *s = doc_string (r);
		guint i;
		if (s == NULL)
			return FALSE;
		/* apart: doc_push() may move r->vals */
		i = doc_push (r, CS_JSON_STRING, name);
		r->vals[i].u.s = s;
		return TRUE;
	}
	case 't': {
		guint i;
		if (!doc_word (r, "true", 4))
			return FALSE;
		i = doc_push (r, CS_JSON_BOOLEAN, name);
		r->vals[i].u.b = TRUE;
		return TRUE;
	}
	case 'f':
		if (!doc_word (r, "false", 5))
			return FALSE;
		doc_push (r, CS_JSON_BOOLEAN, name);
		return TRUE;
	case 'n':
		if (!doc_word (r, "null", 4))
			return FALSE;
		doc_push (r, CS_JSON_NULL, name);
		return TRUE;
	default:
		return doc_number (r, name);
	}
}

static void
from_node (DocReader *r, GStringChunk *strings, JsonNode *node, const gchar *name)
{
	guint i;

	switch (json_node_get_node_type (node)) {
	case JSON_NODE_OBJECT: {
		JsonObject *object = json_node_get_object (node);
		g_autoptr (GList) members = json_object_get_members (object);
		i = doc_push (r, CS_JSON_OBJECT, name);
		for (GList *l = members; l != NULL; l = l->next) {
			from_node (r, strings, json_object_get_member (object, l->data),
				   g_string_chunk_insert_const (strings, l->data));
			r->vals[i].len++;
		}
		r->vals[i].size = r->n - i;
		return;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *array = json_node_get_array (node);
		i = doc_push (r, CS_JSON_ARRAY, name);
		for (guint k = 0; k < json_array_get_length (array); k++) {
			from_node (r, strings, json_array_get_element (array, k), NULL);
			r->vals[i].len++;
		}
		r->vals[i].size = r->n - i;
		return;
	}
	case JSON_NODE_NULL:
		doc_push (r, CS_JSON_NULL, name);
		return;
	case JSON_NODE_VALUE:
	default:
		break;
	}
	switch (json_node_get_value_type (node)) {
	case G_TYPE_STRING:
		i = doc_push (r, CS_JSON_STRING, name);
		r->vals[i].u.s = g_string_chunk_insert (strings, json_node_get_string (node));
		break;
	case G_TYPE_BOOLEAN:
		i = doc_push (r, CS_JSON_BOOLEAN, name);
		r->vals[i].u.b = json_node_get_boolean (node);
		break;
	case G_TYPE_INT64:
		i = doc_push (r, CS_JSON_INT, name);
		r->vals[i].u.i = json_node_get_int (node);
		break;
	case G_TYPE_DOUBLE:
		i = doc_push (r, CS_JSON_DOUBLE, name);
		r->vals[i].u.d = json_node_get_double (node);
		break;
	default:
		doc_push (r, CS_JSON_NULL, name);
		break;
	}
}

/**
 * cs_json_doc_new_from_node:
 * @node: a json-glib tree
 *
 * The same document as a copy of @node (for the few places that hold a tree
 * already and share code with those that read a #CsJsonDoc).
 *
 * Returns: (transfer full):
 */
CsJsonDoc *
cs_json_doc_new_from_node (JsonNode *node)
{
	CsJsonDoc *doc = g_new0 (CsJsonDoc, 1);
	DocReader r = { NULL, NULL, g_new (CsJsonVal, 16), 0, 16, 0 };

	doc->strings = g_string_chunk_new (256);
	if (node != NULL)
		from_node (&r, doc->strings, node, NULL);
	else
		doc_push (&r, CS_JSON_NULL, NULL);
	doc->vals = r.vals;
	return doc;
}

/**
 * cs_json_doc_parse:
 * @data: (array length=len): JSON text, not necessarily NUL-terminated
 * @len: its length, or -1 where it is NUL-terminated
 *
 * Returns: (transfer full) (nullable): the document, or %NULL with @error
 *   set (json-glib's error, as cs_json_parse() sets it)
 */
CsJsonDoc *
cs_json_doc_parse (const gchar *data, gssize len, GError **error)
{
	gsize size = data == NULL ? 0 : len < 0 ? strlen (data) : (gsize)len;
	/* about one value per 24 bytes in Oro's pages: one or two reallocations */
	guint cap = (guint)MIN (size / 24 + 16, G_MAXUINT32 / 2);
	g_autoptr (JsonNode) node = NULL;
	CsJsonDoc *doc;
	DocReader r;

	if (data != NULL && size > 0) {
		gchar *text = g_malloc (size + 1);
		memcpy (text, data, size);
		text[size] = '\0';
		r = (DocReader){ text, text + size, g_new (CsJsonVal, cap), 0, cap, 0 };
		if (doc_value (&r, NULL)) {
			doc_space (&r);
			if (r.p == r.end) {
				doc = g_new0 (CsJsonDoc, 1);
				doc->text = text;
				doc->vals = r.vals;
				return doc;
			}
		}
		g_free (r.vals);
		g_free (text);
	}
	/* not plain JSON: json-glib decides (and makes the error) */
	node = cs_json_parse (data, (gssize)size, FALSE, error);
	if (node == NULL)
		return NULL;
	return cs_json_doc_new_from_node (node);
}

void
cs_json_doc_free (CsJsonDoc *doc)
{
	if (doc == NULL)
		return;
	g_free (doc->vals);
	g_free (doc->text);
	if (doc->strings != NULL)
		g_string_chunk_free (doc->strings);
	g_free (doc);
}

const CsJsonVal *
cs_json_doc_get_root (CsJsonDoc *doc)
{
	return doc != NULL ? doc->vals : NULL;
}

gboolean
cs_json_val_is (const CsJsonVal *val, CsJsonType type)
{
	return val != NULL && val->type == type;
}

/* the member's name; NULL for an element or the root */
const gchar *
cs_json_val_get_name (const CsJsonVal *val)
{
	return val != NULL ? val->name : NULL;
}

const gchar *
cs_json_val_get_string (const CsJsonVal *val)
{
	return val != NULL && val->type == CS_JSON_STRING ? val->u.s : NULL;
}

/* as cs_json_get_int(): numbers and booleans count */
gint64
cs_json_val_get_int (const CsJsonVal *val, gint64 fallback)
{
	if (val == NULL)
		return fallback;
	switch (val->type) {
	case CS_JSON_INT:
		return val->u.i;
	case CS_JSON_DOUBLE:
		return (gint64)val->u.d;
	case CS_JSON_BOOLEAN:
		return val->u.b ? 1 : 0;
	default:
		return fallback;
	}
}

gboolean
cs_json_val_get_boolean (const CsJsonVal *val, gboolean fallback)
{
	return val != NULL && val->type == CS_JSON_BOOLEAN ? val->u.b : fallback;
}

/* elements of an array, members of an object, else 0 */
guint
cs_json_val_get_length (const CsJsonVal *val)
{
	return val != NULL && (val->type == CS_JSON_ARRAY || val->type == CS_JSON_OBJECT) ? val->len
											  : 0;
}

/**
 * cs_json_val_first:
 *
 * The first element or member; with cs_json_val_next() a walk over all:
 * `for (c = cs_json_val_first (v); c != NULL; c = cs_json_val_next (v, c))`
 */
const CsJsonVal *
cs_json_val_first (const CsJsonVal *val)
{
	return cs_json_val_get_length (val) > 0 ? val + 1 : NULL;
}

const CsJsonVal *
cs_json_val_next (const CsJsonVal *parent, const CsJsonVal *child)
{
	const CsJsonVal *next;
	if (parent == NULL || child == NULL)
		return NULL;
	next = child + child->size;
	return next < parent + parent->size ? next : NULL;
}

const CsJsonVal *
cs_json_val_index (const CsJsonVal *array, guint index)
{
	const CsJsonVal *c;
	guint i = 0;
	if (!cs_json_val_is (array, CS_JSON_ARRAY) || index >= array->len)
		return NULL;
	for (c = array + 1; i < index; i++)
		c += c->size;
	return c;
}

/* names are unique in an object (see has_duplicate()) */
const CsJsonVal *
cs_json_val_member (const CsJsonVal *object, const gchar *name)
{
	const CsJsonVal *end;
	if (!cs_json_val_is (object, CS_JSON_OBJECT))
		return NULL;
	end = object + object->size;
	for (const CsJsonVal *c = object + 1; c < end; c += c->size) {
		if (c->name[0] == name[0] && strcmp (c->name, name) == 0)
			return c;
	}
	return NULL;
}

const CsJsonVal *
cs_json_val_object (const CsJsonVal *object, const gchar *name)
{
	const CsJsonVal *m = cs_json_val_member (object, name);
	return cs_json_val_is (m, CS_JSON_OBJECT) ? m : NULL;
}

const CsJsonVal *
cs_json_val_array (const CsJsonVal *object, const gchar *name)
{
	const CsJsonVal *m = cs_json_val_member (object, name);
	return cs_json_val_is (m, CS_JSON_ARRAY) ? m : NULL;
}

const gchar *
cs_json_val_string (const CsJsonVal *object, const gchar *name)
{
	return cs_json_val_get_string (cs_json_val_member (object, name));
}

static gchar *
valid_utf8 (const gchar *s)
{
	return g_utf8_validate (s, -1, NULL) ? g_strdup (s) : g_utf8_make_valid (s, -1);
}

/**
 * cs_json_val_to_value:
 *
 * As cs_json_to_value(): s, x, d, b, as for an array of strings only, av
 * for other arrays, a{sv} for an object.
 *
 * Returns: (transfer full) (nullable): %NULL for JSON null
 */
GVariant *
cs_json_val_to_value (const CsJsonVal *val)
{
	GVariantBuilder b;

	if (val == NULL)
		return NULL;
	switch ((CsJsonType)val->type) {
	case CS_JSON_STRING:
		return g_variant_ref_sink (g_variant_new_take_string (valid_utf8 (val->u.s)));
	case CS_JSON_BOOLEAN:
		return g_variant_ref_sink (g_variant_new_boolean (val->u.b));
	case CS_JSON_INT:
		return g_variant_ref_sink (g_variant_new_int64 (val->u.i));
	case CS_JSON_DOUBLE:
		return g_variant_ref_sink (g_variant_new_double (val->u.d));
	case CS_JSON_OBJECT:
		g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
		for (const CsJsonVal *c = cs_json_val_first (val); c != NULL;
		     c = cs_json_val_next (val, c)) {
			g_autoptr (GVariant) v = cs_json_val_to_value (c);
			g_autofree gchar *key = valid_utf8 (c->name);
			if (v != NULL)
				g_variant_builder_add (&b, "{sv}", key, v);
		}
		return g_variant_ref_sink (g_variant_builder_end (&b));
	case CS_JSON_ARRAY: {
		gboolean all_strings = TRUE;
		for (const CsJsonVal *c = cs_json_val_first (val); c != NULL;
		     c = cs_json_val_next (val, c))
			all_strings = all_strings && c->type == CS_JSON_STRING;
		if (all_strings) {
			g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
			for (const CsJsonVal *c = cs_json_val_first (val); c != NULL;
			     c = cs_json_val_next (val, c)) {
				g_autofree gchar *e = valid_utf8 (c->u.s);
				g_variant_builder_add (&b, "s", e);
			}
		} else {
			g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
			for (const CsJsonVal *c = cs_json_val_first (val); c != NULL;
			     c = cs_json_val_next (val, c)) {
				g_autoptr (GVariant) v = cs_json_val_to_value (c);
				if (v != NULL)
					g_variant_builder_add (&b, "v", v);
			}
		}
		return g_variant_ref_sink (g_variant_builder_end (&b));
	}
	case CS_JSON_NULL:
	default:
		return NULL;
	}
}
