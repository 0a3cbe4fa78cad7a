/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "cs-json-text.h"

/*
 * A JSON reader for the large answers (a page of 1,000 OroCRM contacts, a
 * Graph $batch of 20 created items): json-glib 1.6 tokenises through a
 * GScanner that copies every token before the tree copies it again, which
 * made parsing a fifth of a first sync's CPU. This one builds the same tree
 * (same node and value types, member order; sealed where asked, as an
 * immutable JsonParser's: a copied value node then stays apart from the
 * original) from strict RFC 8259 text in one pass; whatever it does not
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

static JsonNode *
fast_value (FastReader *r);

static inline void
fast_space (FastReader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static gint
hex4 (const gchar *p)
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

/**
 * cs_json_read_escape:
 * @p: (inout): just after a backslash; moved past the escape
 *
 * Returns: the character the escape stands for; 0 for a bad one and for
 *   those left to json-glib (\u0000, lone surrogates)
 */
gunichar
cs_json_read_escape (const gchar **p, const gchar *end)
{
	const gchar *q = *p;
	gint c, lo;

	if (q >= end)
		return 0;
	switch (*q++) {
	case '"':
		c = '"';
		break;
	case '\\':
		c = '\\';
		break;
	case '/':
		c = '/';
		break;
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	case 'u':
		if (end - q < 4 || (c = hex4 (q)) <= 0)
			return 0;
		q += 4;
		if (c >= 0xDC00 && c <= 0xDFFF)
			return 0;
		if (c >= 0xD800 && c <= 0xDBFF) {
			if (end - q < 6 || q[0] != '\\' || q[1] != 'u' || (lo = hex4 (q + 2)) < 0xDC00 ||
			    lo > 0xDFFF)
				return 0;
			q += 6;
			c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
		}
		break;
	default:
		return 0;
	}
	*p = q;
	return (gunichar)c;
}

/**
 * cs_json_read_number:
 * @p: (inout): at a number's first character; moved past it
 *
 * A number as RFC 8259 writes it, into @i (no fraction, no exponent) or
 * @d; %FALSE for what is not one and for what is left to json-glib
 * (integers of 19 digits and more).
 */
gboolean
cs_json_read_number (const gchar **p, const gchar *end, gboolean *integer, gint64 *i, gdouble *d)
{
	const gchar *q = *p, *start = *p;
	gchar text[64];

	*integer = TRUE;
	if (q < end && *q == '-')
		q++;
	if (q >= end || !g_ascii_isdigit (*q))
		return FALSE;
	if (*q == '0')
		q++;
	else
		while (q < end && g_ascii_isdigit (*q))
			q++;
	if (q < end && *q == '.') {
		*integer = FALSE;
		if (++q >= end || !g_ascii_isdigit (*q))
			return FALSE;
		while (q < end && g_ascii_isdigit (*q))
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		*integer = FALSE;
		if (++q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || !g_ascii_isdigit (*q))
			return FALSE;
		while (q < end && g_ascii_isdigit (*q))
			q++;
	}
	/* 19 digits always fit an int64; longer ones are json-glib's to judge */
	if ((gsize)(q - start) >= (*integer ? 19 : sizeof text))
		return FALSE;
	memcpy (text, start, (gsize)(q - start));
	text[q - start] = '\0';
	if (*integer)
		*i = g_ascii_strtoll (text, NULL, 10);
	else
		*d = g_ascii_strtod (text, NULL);
	*p = q;
	return TRUE;
}

/* reads a string (r->p at its opening quote) into r->buf */
static gboolean
fast_string (FastReader *r)
{
	const gchar *p = r->p + 1;
	gunichar c;

	g_string_truncate (r->buf, 0);
	for (;;) {
		const gchar *run = p;
		while (p < r->end && *p != '"' && *p != '\\' && (guchar)*p >= 0x20)
			p++;
		if (p >= r->end || (guchar)*p < 0x20)
			return FALSE;
		if (!g_utf8_validate_len (run, (gsize)(p - run), NULL))
			return FALSE;
		g_string_append_len (r->buf, run, p - run);
		if (*p == '"')
			break;
		/* an escape */
		p++;
		c = cs_json_read_escape (&p, r->end);
		if (c == 0)
			return FALSE;
		g_string_append_unichar (r->buf, c);
	}
	r->p = p + 1;
	return TRUE;
}

static JsonNode *
fast_number (FastReader *r)
{
	gboolean integer;
	gint64 i = 0;
	gdouble d = 0;
	JsonNode *node;

	if (!cs_json_read_number (&r->p, r->end, &integer, &i, &d))
		return NULL;
	node = json_node_alloc ();
	if (integer)
		json_node_init_int (node, i);
	else
		json_node_init_double (node, d);
	return node;
}

static gboolean
fast_word (FastReader *r, const gchar *word, gsize len)
{
	if ((gsize)(r->end - r->p) < len || memcmp (r->p, word, len) != 0)
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
		gchar small[64]; /* most names: no allocation for the copy */
		g_autofree gchar *large = NULL;
		const gchar *name;
		guint size;
		fast_space (r);
		if (r->p >= r->end || *r->p != '"' || !fast_string (r))
			goto fail;
		/* r->buf is reused by the value: keep the name apart */
		if (r->buf->len < sizeof small) {
			memcpy (small, r->buf->str, r->buf->len + 1);
			name = small;
		} else {
			name = large = g_strndup (r->buf->str, r->buf->len);
		}
		fast_space (r);
		if (r->p >= r->end || *r->p != ':')
			goto fail;
		r->p++;
		member = fast_value (r);
		if (member == NULL)
			goto fail;
		/* a name seen before replaces the member without adding one: json-glib
		 * is left to decide what a duplicate means */
		size = json_object_get_size (object);
		json_object_set_member (object, name, member);
		if (json_object_get_size (object) == size)
			goto fail;
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
		return fast_word (r, "true", 4) ? json_node_init_boolean (json_node_alloc (), TRUE)
						: NULL;
	case 'f':
		return fast_word (r, "false", 5)
			       ? json_node_init_boolean (json_node_alloc (), FALSE)
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
 * @len: its length, or -1 where it is NUL-terminated
 * @immutable: seal the tree, as json_parser_new_immutable() does
 *
 * The tree a #JsonParser builds from @data, built faster where @data is plain
 * JSON (see above).
 *
 * Returns: (transfer full) (nullable): the root, or %NULL with @error set
 *   (json-glib's error)
 */
JsonNode *
cs_json_parse (const gchar *data, gssize len, gboolean immutable, GError **error)
{
	g_autoptr (JsonParser) parser = NULL;
	g_autoptr (GString) buf = g_string_sized_new (256);
	gsize size = data == NULL ? 0 : len < 0 ? strlen (data) : (gsize)len;
	FastReader r = { data, data + size, buf, 0 };
	JsonNode *root;

	if (data != NULL && (root = fast_value (&r)) != NULL) {
		fast_space (&r);
		if (r.p == r.end) {
			if (immutable)
				json_node_seal (root);
			return root;
		}
		json_node_unref (root);
	}
	parser = immutable ? json_parser_new_immutable () : json_parser_new ();
	if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize)size, error))
		return NULL;
	root = json_parser_get_root (parser);
	if (root == NULL) {
		g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
				     "no JSON value");
		return NULL;
	}
	return json_node_ref (root);
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
	const guchar *p = (const guchar *)s;

	g_string_append_c (out, '"');
	for (;;) {
		/* runs of characters that stand for themselves go in at once: the
		 * request bodies of a first sync are mostly such text */
		const guchar *run = p;
		while (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f)
			p++;
		if (p > run)
			g_string_append_len (out, (const gchar *)run, p - run);
		switch (*p) {
		case '\0':
			g_string_append_c (out, '"');
			return;
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
			g_string_append_printf (out, "\\u%04x", *p);
		}
		p++;
	}
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
		g_string_append_printf (w->out, "\n%*s", (gint)(level * 2), "");
}

static gboolean
write_node (Writer *w, JsonNode *node, guint level)
{
	switch (json_node_get_node_type (node)) {
	case JSON_NODE_OBJECT: {
		JsonObjectIter iter;
		const gchar *name;
		JsonNode *member;
		gboolean first = TRUE;
		/* in insertion order, without copying the names into a list */
		json_object_iter_init_ordered (&iter, json_node_get_object (node));
		g_string_append_c (w->out, '{');
		while (json_object_iter_next_ordered (&iter, &name, &member)) {
			if (!first)
				g_string_append_c (w->out, ',');
			first = FALSE;
			write_indent (w, level + 1);
			write_string (w->out, name);
			g_string_append (w->out, w->pretty ? " : " : ":");
			if (!write_node (w, member, level + 1))
				return FALSE;
		}
		if (!first)
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
			g_string_append_printf (w->out, "%" G_GINT64_FORMAT,
						json_node_get_int (node));
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
	g_autoptr (GString) out = g_string_new (NULL);
	Writer w = { out, pretty, TRUE, error };

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
	g_autoptr (GString) out = g_string_new (NULL);
	Writer w = { out, pretty, FALSE, NULL };

	if (node != NULL)
		write_node (&w, node, 0);
	return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * cs_json_append:
 * @out: where the text goes
 * @node: (nullable): %NULL for null
 *
 * Appends @node as compact JSON text, as cs_json_to_string() writes it (NaN
 * and infinities as null): for answers written piece by piece.
 */
void
cs_json_append (GString *out, JsonNode *node)
{
	Writer w = {out, FALSE, FALSE, NULL};
	if (node == NULL)
		g_string_append (out, "null");
	else
		write_node (&w, node, 0);
}

/**
 * cs_json_append_string:
 * @s: (nullable): %NULL for null
 *
 * Appends @s as a JSON string (quoted and escaped).
 */
void
cs_json_append_string (GString *out, const gchar *s)
{
	if (s == NULL)
		g_string_append (out, "null");
	else
		write_string (out, s);
}
