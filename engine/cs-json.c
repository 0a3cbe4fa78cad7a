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

/*
 * Our own writer rather than JsonGenerator: json-glib 1.6 appends ".0" to
 * every double without a '.', so 1e110 comes out as "1e+110.0" and infinity
 * as "inf.0", neither of which any parser (json-glib's included) reads back.
 * The layout is JsonGenerator's, so the files and the CLI's output keep their
 * look.
 */
typedef struct {
	GString *out;
	gboolean pretty;
	gboolean finite_only; /* refuse NaN and infinities instead of writing null */
	GError **error;
} Writer;

static void
write_string (GString *out, const gchar *s)
{
	g_string_append_c (out, '"');
	for (const guchar *p = (const guchar *) s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			g_string_append (out, "\\\"");
			break;
		case '\\':
			g_string_append (out, "\\\\");
			break;
		case '\b':
			g_string_append (out, "\\b");
			break;
		case '\f':
			g_string_append (out, "\\f");
			break;
		case '\n':
			g_string_append (out, "\\n");
			break;
		case '\r':
			g_string_append (out, "\\r");
			break;
		case '\t':
			g_string_append (out, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				g_string_append_printf (out, "\\u%04x", *p);
			else
				g_string_append_c (out, (gchar) *p);
		}
	}
	g_string_append_c (out, '"');
}

static gboolean
write_double (Writer *w, gdouble d)
{
	gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (!isfinite (d)) {
		if (w->finite_only) {
			g_set_error (w->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "the number %g has no JSON form", d);
			return FALSE;
		}
		/* what JSON.stringify() does with them */
		g_string_append (w->out, "null");
		return TRUE;
	}
	/* 17 digits give the same double back */
	g_ascii_dtostr (buf, sizeof (buf), d);
	g_string_append (w->out, buf);
	/* without a '.' or an exponent it would read back as an integer */
	if (strpbrk (buf, ".eE") == NULL)
		g_string_append (w->out, ".0");
	return TRUE;
}

static void
write_indent (Writer *w, guint level)
{
	if (w->pretty)
		g_string_append_printf (w->out, "\n%*s", (gint) (level * 2), "");
}

static gboolean
write_node (Writer *w, JsonNode *node, guint level)
{
	switch (json_node_get_node_type (node)) {
	case JSON_NODE_OBJECT: {
		JsonObject *o = json_node_get_object (node);
		g_autoptr(GList) names = json_object_get_members (o);
		g_string_append_c (w->out, '{');
		for (GList *l = names; l != NULL; l = l->next) {
			write_indent (w, level + 1);
			write_string (w->out, l->data);
			g_string_append (w->out, w->pretty ? " : " : ":");
			if (!write_node (w, json_object_get_member (o, l->data), level + 1))
				return FALSE;
			if (l->next != NULL)
				g_string_append_c (w->out, ',');
		}
		if (names != NULL)
			write_indent (w, level);
		g_string_append_c (w->out, '}');
		return TRUE;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *a = json_node_get_array (node);
		guint n = json_array_get_length (a);
		g_string_append_c (w->out, '[');
		for (guint i = 0; i < n; i++) {
			write_indent (w, level + 1);
			if (!write_node (w, json_array_get_element (a, i), level + 1))
				return FALSE;
			if (i + 1 < n)
				g_string_append_c (w->out, ',');
		}
		if (n > 0)
			write_indent (w, level);
		g_string_append_c (w->out, ']');
		return TRUE;
	}
	case JSON_NODE_VALUE:
		switch (json_node_get_value_type (node)) {
		case G_TYPE_STRING:
			write_string (w->out, json_node_get_string (node));
			return TRUE;
		case G_TYPE_BOOLEAN:
			g_string_append (w->out, json_node_get_boolean (node) ? "true" : "false");
			return TRUE;
		case G_TYPE_INT64:
			g_string_append_printf (w->out, "%" G_GINT64_FORMAT, json_node_get_int (node));
			return TRUE;
		case G_TYPE_DOUBLE:
			return write_double (w, json_node_get_double (node));
		default:
			break;
		}
		g_string_append (w->out, "null");
		return TRUE;
	case JSON_NODE_NULL:
	default:
		g_string_append (w->out, "null");
		return TRUE;
	}
}

/**
 * cs_json_to_data:
 * @node: (nullable)
 *
 * JSON text that reads back to the same values; a number JSON has no form
 * for (NaN, an infinity) is refused.
 *
 * Returns: (transfer full) (nullable): the text, or %NULL with @error
 */
gchar *
cs_json_to_data (JsonNode *node, gboolean pretty, GError **error)
{
	g_autoptr(GString) out = g_string_new (NULL);
	Writer w = {out, pretty, TRUE, error};

	if (node != NULL && !write_node (&w, node, 0))
		return NULL;
	return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * cs_json_to_string:
 * @node: (nullable)
 *
 * Like cs_json_to_data(), for logs and displays: NaN and infinities become null.
 *
 * Returns: (transfer full)
 */
gchar *
cs_json_to_string (JsonNode *node, gboolean pretty)
{
	g_autoptr(GString) out = g_string_new (NULL);
	Writer w = {out, pretty, FALSE, NULL};

	if (node != NULL)
		write_node (&w, node, 0);
	return g_string_free (g_steal_pointer (&out), FALSE);
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

/*
 * A JSON reader for the large answers (a page of 1,000 OroCRM contacts, a
 * Graph $batch of 20 created items): json-glib 1.6 tokenises through a
 * GScanner that copies every token before the tree copies it again, which
 * made parsing a fifth of a first sync's CPU. This one builds the same tree
 * (same node and value types, member order, sealed like an immutable
 * JsonParser's: a copied value node then stays apart from the original) from
 * strict RFC 8259 text in one pass; whatever it does not
 * take (not JSON, or JSON it leaves to json-glib: lone surrogates, \u0000,
 * duplicate names, integers beyond 64 bits, deep nesting) goes to json-glib,
 * so what is accepted and how it fails stay json-glib's.
 */

#define FAST_MAX_DEPTH 256

typedef struct {
	const gchar *p, *end;
	GString *buf; /* the string being read, NUL-terminated for json-glib */
	guint depth;
} FastReader;

static JsonNode *fast_value (FastReader *r);

static inline void
fast_space (FastReader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static gint
fast_hex4 (const gchar *p)
{
	gint v = 0;
	for (guint i = 0; i < 4; i++) {
		gint d = g_ascii_xdigit_value (p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* reads a string (r->p at its opening quote) into r->buf */
static gboolean
fast_string (FastReader *r)
{
	const gchar *p = r->p + 1;

	g_string_truncate (r->buf, 0);
	for (;;) {
		const gchar *run = p;
		while (p < r->end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
			p++;
		if (p >= r->end || (guchar) *p < 0x20)
			return FALSE;
		if (!g_utf8_validate_len (run, (gsize) (p - run), NULL))
			return FALSE;
		g_string_append_len (r->buf, run, p - run);
		if (*p == '"')
			break;
		/* an escape */
		if (++p >= r->end)
			return FALSE;
		switch (*p++) {
		case '"':
			g_string_append_c (r->buf, '"');
			break;
		case '\\':
			g_string_append_c (r->buf, '\\');
			break;
		case '/':
			g_string_append_c (r->buf, '/');
			break;
		case 'b':
			g_string_append_c (r->buf, '\b');
			break;
		case 'f':
			g_string_append_c (r->buf, '\f');
			break;
		case 'n':
			g_string_append_c (r->buf, '\n');
			break;
		case 'r':
			g_string_append_c (r->buf, '\r');
			break;
		case 't':
			g_string_append_c (r->buf, '\t');
			break;
		case 'u': {
			gint c;
			if (r->end - p < 4 || (c = fast_hex4 (p)) <= 0)
				return FALSE;
			p += 4;
			if (c >= 0xDC00 && c <= 0xDFFF)
				return FALSE;
			if (c >= 0xD800 && c <= 0xDBFF) {
				gint lo;
				if (r->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    (lo = fast_hex4 (p + 2)) < 0xDC00 || lo > 0xDFFF)
					return FALSE;
				p += 6;
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			}
			g_string_append_unichar (r->buf, (gunichar) c);
			break;
		}
		default:
			return FALSE;
		}
	}
	r->p = p + 1;
	return TRUE;
}

static JsonNode *
fast_number (FastReader *r)
{
	const gchar *p = r->p, *start = r->p;
	gboolean integer = TRUE;
	gchar text[64];
	JsonNode *node;

	if (*p == '-')
		p++;
	if (p >= r->end || !g_ascii_isdigit (*p))
		return NULL;
	if (*p == '0')
		p++;
	else
		while (p < r->end && g_ascii_isdigit (*p))
			p++;
	if (p < r->end && *p == '.') {
		integer = FALSE;
		if (++p >= r->end || !g_ascii_isdigit (*p))
			return NULL;
		while (p < r->end && g_ascii_isdigit (*p))
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		integer = FALSE;
		if (++p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || !g_ascii_isdigit (*p))
			return NULL;
		while (p < r->end && g_ascii_isdigit (*p))
			p++;
	}
	/* 19 digits always fit an int64; longer ones are json-glib's to judge */
	if ((gsize) (p - start) >= (integer ? 19 : sizeof text))
		return NULL;
	memcpy (text, start, (gsize) (p - start));
	text[p - start] = '\0';
	node = json_node_alloc ();
	if (integer)
		json_node_init_int (node, g_ascii_strtoll (text, NULL, 10));
	else
		json_node_init_double (node, g_ascii_strtod (text, NULL));
	r->p = p;
	return node;
}

static gboolean
fast_word (FastReader *r, const gchar *word, gsize len)
{
	if ((gsize) (r->end - r->p) < len || memcmp (r->p, word, len) != 0)
		return FALSE;
	r->p += len;
	return TRUE;
}

static JsonNode *
fast_object (FastReader *r)
{
	JsonObject *object = json_object_new ();
	JsonNode *node;

	r->p++;
	fast_space (r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		goto done;
	}
	for (;;) {
		JsonNode *member;
		gchar *name;
		fast_space (r);
		if (r->p >= r->end || *r->p != '"' || !fast_string (r))
			goto fail;
		name = r->buf->str;
		if (json_object_has_member (object, name))
			goto fail;
		name = g_strdup (name);
		fast_space (r);
		if (r->p >= r->end || *r->p != ':') {
			g_free (name);
			goto fail;
		}
		r->p++;
		member = fast_value (r);
		if (member == NULL) {
			g_free (name);
			goto fail;
		}
		json_object_set_member (object, name, member);
		g_free (name);
		fast_space (r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			break;
		}
		goto fail;
	}
done:
	node = json_node_alloc ();
	json_node_init_object (node, object);
	json_object_unref (object);
	return node;
fail:
	json_object_unref (object);
	return NULL;
}

static JsonNode *
fast_array (FastReader *r)
{
	JsonArray *array = json_array_new ();
	JsonNode *node;

	r->p++;
	fast_space (r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		goto done;
	}
	for (;;) {
		JsonNode *element = fast_value (r);
		if (element == NULL)
			goto fail;
		json_array_add_element (array, element);
		fast_space (r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			break;
		}
		goto fail;
	}
done:
	node = json_node_alloc ();
	json_node_init_array (node, array);
	json_array_unref (array);
	return node;
fail:
	json_array_unref (array);
	return NULL;
}

static JsonNode *
fast_value (FastReader *r)
{
	JsonNode *node = NULL;

	fast_space (r);
	if (r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '{':
	case '[':
		if (r->depth >= FAST_MAX_DEPTH)
			return NULL;
		r->depth++;
		node = *r->p == '{' ? fast_object (r) : fast_array (r);
		r->depth--;
		return node;
	case '"':
		if (!fast_string (r))
			return NULL;
		return json_node_init_string (json_node_alloc (), r->buf->str);
	case 't':
		return fast_word (r, "true", 4) ? json_node_init_boolean (json_node_alloc (), TRUE) : NULL;
	case 'f':
		return fast_word (r, "false", 5) ? json_node_init_boolean (json_node_alloc (), FALSE)
						 : NULL;
	case 'n':
		return fast_word (r, "null", 4) ? json_node_init_null (json_node_alloc ()) : NULL;
	default:
		return fast_number (r);
	}
}

/**
 * cs_json_parse:
 * @data: (array length=len): JSON text, not necessarily NUL-terminated
 *
 * The tree an immutable #JsonParser builds from @data, built faster where
 * @data is plain JSON (see above).
 *
 * Returns: (transfer full) (nullable): the root (sealed), or %NULL with @error
 *   set (json-glib's error)
 */
JsonNode *
cs_json_parse (const gchar *data, gsize len, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GString) buf = g_string_sized_new (256);
	FastReader r = {data, data + len, buf, 0};
	JsonNode *root;

	if (data != NULL && (root = fast_value (&r)) != NULL) {
		fast_space (&r);
		if (r.p == r.end) {
			json_node_seal (root);
			return root;
		}
		json_node_unref (root);
	}
	parser = json_parser_new_immutable ();
	if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize) len, error))
		return NULL;
	root = json_parser_get_root (parser);
	if (root == NULL) {
		g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "no JSON value");
		return NULL;
	}
	return json_node_ref (root);
}
