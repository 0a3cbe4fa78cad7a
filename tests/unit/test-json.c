/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cs_json_parse builds the very tree json-glib's immutable parser builds, and
 * takes or refuses the same texts; a CsJsonDoc holds the same values */
#include "config.h"

#include <string.h>

#include "cs-json.h"

static gboolean
same_node (JsonNode *a, JsonNode *b, GString *where)
{
	if (json_node_get_node_type (a) != json_node_get_node_type (b)
	    || json_node_is_immutable (a) != json_node_is_immutable (b)) {
		g_string_append (where, ": node type or sealing differs");
		return FALSE;
	}
	switch (json_node_get_node_type (a)) {
	case JSON_NODE_OBJECT: {
		JsonObject *oa = json_node_get_object (a), *ob = json_node_get_object (b);
		g_autoptr (GList) ma = json_object_get_members (oa);
		g_autoptr (GList) mb = json_object_get_members (ob);
		GList *la = ma, *lb = mb;
		for (; la != NULL && lb != NULL; la = la->next, lb = lb->next) {
			gsize len = where->len;
			if (g_strcmp0 (la->data, lb->data) != 0) {
				g_string_append_printf (where, ": member %s vs %s",
							(gchar *)la->data, (gchar *)lb->data);
				return FALSE;
			}
			g_string_append_printf (where, ".%s", (gchar *)la->data);
			if (!same_node (json_object_get_member (oa, la->data),
					json_object_get_member (ob, lb->data), where))
				return FALSE;
			g_string_truncate (where, len);
		}
		if (la != NULL || lb != NULL) {
			g_string_append (where, ": member count differs");
			return FALSE;
		}
		return TRUE;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *aa = json_node_get_array (a), *ab = json_node_get_array (b);
		if (json_array_get_length (aa) != json_array_get_length (ab)) {
			g_string_append (where, ": length differs");
			return FALSE;
		}
		for (guint i = 0; i < json_array_get_length (aa); i++) {
			gsize len = where->len;
			g_string_append_printf (where, "[%u]", i);
			if (!same_node (json_array_get_element (aa, i),
					json_array_get_element (ab, i), where))
				return FALSE;
			g_string_truncate (where, len);
		}
		return TRUE;
	}
	case JSON_NODE_VALUE: {
		GType t = json_node_get_value_type (a);
		gboolean same = t == json_node_get_value_type (b);
		if (same && t == G_TYPE_INT64)
			same = json_node_get_int (a) == json_node_get_int (b);
		else if (same && t == G_TYPE_DOUBLE) {
			gdouble da = json_node_get_double (a), db = json_node_get_double (b);
			same = memcmp (&da, &db, sizeof da) == 0;
		} else if (same && t == G_TYPE_BOOLEAN)
			same = json_node_get_boolean (a) == json_node_get_boolean (b);
		else if (same && t == G_TYPE_STRING)
			same = g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
		if (!same)
			g_string_append_printf (where, ": value differs (%s)", g_type_name (t));
		return same;
	}
	case JSON_NODE_NULL:
		return TRUE;
	}
	return FALSE;
}

/* a CsJsonDoc's value against json-glib's node */
static gboolean
same_val (JsonNode *a, const CsJsonVal *v, GString *where)
{
	switch (json_node_get_node_type (a)) {
	case JSON_NODE_OBJECT: {
		JsonObject *oa = json_node_get_object (a);
		g_autoptr (GList) ma = json_object_get_members (oa);
		const CsJsonVal *c = cs_json_val_first (v);
		if (!cs_json_val_is (v, CS_JSON_OBJECT)
		    || cs_json_val_get_length (v) != json_object_get_size (oa)) {
			g_string_append (where, ": not an object of as many members");
			return FALSE;
		}
		for (GList *la = ma; la != NULL; la = la->next, c = cs_json_val_next (v, c)) {
			gsize len = where->len;
			if (g_strcmp0 (la->data, cs_json_val_get_name (c)) != 0
			    || cs_json_val_member (v, la->data) != c) {
				g_string_append_printf (where, ": member %s vs %s", (gchar *)la->data,
							cs_json_val_get_name (c));
				return FALSE;
			}
			g_string_append_printf (where, ".%s", (gchar *)la->data);
			if (!same_val (json_object_get_member (oa, la->data), c, where))
				return FALSE;
			g_string_truncate (where, len);
		}
		g_assert_null (c);
		return TRUE;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *aa = json_node_get_array (a);
		const CsJsonVal *c = cs_json_val_first (v);
		if (!cs_json_val_is (v, CS_JSON_ARRAY)
		    || cs_json_val_get_length (v) != json_array_get_length (aa)) {
			g_string_append (where, ": not an array of that length");
			return FALSE;
		}
		for (guint i = 0; i < json_array_get_length (aa); i++, c = cs_json_val_next (v, c)) {
			gsize len = where->len;
			g_string_append_printf (where, "[%u]", i);
			g_assert_true (cs_json_val_index (v, i) == c);
			if (!same_val (json_array_get_element (aa, i), c, where))
				return FALSE;
			g_string_truncate (where, len);
		}
		g_assert_null (c);
		g_assert_null (cs_json_val_index (v, json_array_get_length (aa)));
		return TRUE;
	}
	case JSON_NODE_VALUE: {
		GType t = json_node_get_value_type (a);
		gboolean same = FALSE;
		if (t == G_TYPE_INT64)
			same = cs_json_val_is (v, CS_JSON_INT)
			       && cs_json_val_get_int (v, 0) == json_node_get_int (a);
		else if (t == G_TYPE_DOUBLE) {
			g_autoptr (GVariant) dv = cs_json_val_to_value (v);
			gdouble da = json_node_get_double (a);
			gdouble db = dv != NULL ? g_variant_get_double (dv) : -1;
			same = cs_json_val_is (v, CS_JSON_DOUBLE) && memcmp (&da, &db, sizeof da) == 0;
		} else if (t == G_TYPE_BOOLEAN)
			same = cs_json_val_is (v, CS_JSON_BOOLEAN)
			       && cs_json_val_get_boolean (v, !json_node_get_boolean (a))
					  == json_node_get_boolean (a);
		else if (t == G_TYPE_STRING)
			same = g_strcmp0 (json_node_get_string (a), cs_json_val_get_string (v)) == 0;
		if (!same)
			g_string_append_printf (where, ": value differs (%s)", g_type_name (t));
		return same;
	}
	case JSON_NODE_NULL:
		if (!cs_json_val_is (v, CS_JSON_NULL))
			g_string_append (where, ": not null");
		return cs_json_val_is (v, CS_JSON_NULL);
	}
	return FALSE;
}

/* json-glib's verdict and tree against ours, on @len bytes of @text; TRUE
 * where both took it */
static gboolean
check_same (const gchar *text, gsize len)
{
	g_autoptr (JsonParser) parser = json_parser_new_immutable ();
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonNode) ours = cs_json_parse (text, (gssize)len, TRUE, &error);
	gboolean theirs_ok = json_parser_load_from_data (parser, text, (gssize)len, NULL)
			     && json_parser_get_root (parser) != NULL;
	g_autofree gchar *shown = g_strndup (text, MIN (len, 80));

	g_autoptr (GError) doc_error = NULL;
	g_autoptr (CsJsonDoc) doc = cs_json_doc_parse (text, (gssize)len, &doc_error);

	if (!theirs_ok) {
		g_assert_null (doc);
		g_assert_nonnull (doc_error);
		if (ours != NULL)
			g_test_message ("taken, json-glib refuses: %s", shown);
		g_assert_null (ours);
		g_assert_nonnull (error);
		return FALSE;
	}
	if (ours == NULL)
		g_test_message ("refused, json-glib takes: %s (%s)", shown, error->message);
	g_assert_nonnull (ours);
	{
		g_autoptr (GString) where = g_string_new ("$");
		if (!same_node (json_parser_get_root (parser), ours, where))
			g_error ("trees differ at %s in %s", where->str, shown);
	}
	{
		/* the document: the same values, and the same field values */
		g_autoptr (GString) where = g_string_new ("$");
		g_autoptr (GVariant) va = cs_json_to_value (ours);
		g_autoptr (GVariant) vb = NULL;
		g_assert_nonnull (doc);
		if (!same_val (ours, cs_json_doc_get_root (doc), where))
			g_error ("the document differs at %s in %s", where->str, shown);
		vb = cs_json_val_to_value (cs_json_doc_get_root (doc));
		g_assert_true ((va == NULL) == (vb == NULL));
		g_assert_true (va == NULL || g_variant_equal (va, vb));
	}
	{
		/* what cs_json_to_data writes reads back as what json-glib writes */
		g_autofree gchar *mine = cs_json_to_data (ours, FALSE, NULL);
		g_autofree gchar *glib = json_to_string (ours, FALSE);
		g_autoptr (JsonParser) pa = json_parser_new_immutable ();
		g_autoptr (JsonParser) pb = json_parser_new_immutable ();
		g_autoptr (GString) where = g_string_new ("$");
		g_assert_nonnull (mine);
		/* json-glib turns a lone \ud83d into bytes that are not UTF-8, and
		 * then reads neither its text nor ours back */
		if (json_parser_load_from_data (pb, glib, -1, NULL)) {
			g_assert_true (json_parser_load_from_data (pa, mine, -1, NULL));
			if (!same_node (json_parser_get_root (pa), json_parser_get_root (pb),
					where))
				g_error ("written texts differ at %s: %s / %s", where->str, mine,
					 glib);
			if (strcmp (mine, glib) != 0)
				g_test_message ("same values, other text: %s / %s", mine, glib);
		}
	}
	{
		/* and unsealed, as json_parser_new() leaves it (the emulators change
		 * what they read) */
		g_autoptr (JsonParser) mutable_parser = json_parser_new ();
		g_autoptr (JsonNode) loose = cs_json_parse (text, (gssize)len, FALSE, NULL);
		g_autoptr (GString) where = g_string_new ("$");
		g_assert_true (
			json_parser_load_from_data (mutable_parser, text, (gssize)len, NULL));
		g_assert_nonnull (loose);
		if (!same_node (json_parser_get_root (mutable_parser), loose, where))
			g_error ("unsealed trees differ at %s in %s", where->str, shown);
	}
	return TRUE;
}

static void
test_documents (void)
{
	static const gchar *texts[] = {
		"{}",
		"[]",
		"0",
		"-0",
		"12",
		"-12",
		"1.5",
		"-0.25",
		"1e3",
		"1E-3",
		"2.5e+10",
		"123456789012345678",
		"-12345678901234567",
		"1234567890123456789",
		"99999999999999999999",
		"3.141592653589793238462643",
		"true",
		"false",
		"null",
		"\"\"",
		"\"plain\"",
		"\"tab\\tnew\\nline\\r\\b\\f\\/\\\\\\\"\"",
		"\"\\u00e6\\u00F8\"",
		"\"\\ud83d\\ude00 smile\"",
		"\"æøå ü € 😀\"",
		"\"\\u0001\\u001f\\u007f\\u0080 \\\\ \\\" x\"",
		"  {  \"a\" : [ 1 , 2 , { } ] }  ",
		"{\"a\":1,\"b\":{\"c\":[true,false,null,\"x\",-1.0e-2]},\"d\":[]}",
		"{\"z\":1,\"a\":2,\"m\":3}",
		"{\"a name longer than sixty-four bytes, which is copied another way\":{\"b\":1}}",
		"[[[[[[[[[[1]]]]]]]]]]",
		"{\"data\":[{\"type\":\"contacts\",\"id\":\"1\",\"attributes\":{\"firstName\":"
		"\"Ann\",\"emails\":[{\"email\":\"a@b.c\"}],\"birthday\":null}}],\"links\":{}}",
		/* left to json-glib: whatever it says, we say */
		"{\"a\":1,\"a\":2}",
		"\"\\u0000\"",
		"\"\\ud83d alone\"",
		"\"\\ude00\"",
		/* not JSON */
		"{",
		"}",
		"[1,]",
		"{\"a\":1,}",
		"[1 2]",
		"{\"a\" 1}",
		"{a:1}",
		"01",
		"1.",
		".5",
		"-",
		"1e",
		"+1",
		"tru",
		"nul",
		"\"open",
		"\"bad \\x escape\"",
		"\"\\u12\"",
		"\"ctl \x01 char\"",
		"\"bad utf8 \xc3\x28\"",
		"[1] x",
		"<html>",
		"'single'",
		"{}{}",
		"NaN",
		"Infinity",
	};
	for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
		check_same (texts[i], strlen (texts[i]));
	/* not NUL-terminated: only @len bytes count */
	check_same ("[1,2]trailing", 5);
	check_same ("{\"a\":\"b\"}\0junk", 9);
}

static void
test_deep (void)
{
	g_autoptr (GString) deep = g_string_new (NULL);
	for (guint i = 0; i < 600; i++)
		g_string_append_c (deep, '[');
	for (guint i = 0; i < 600; i++)
		g_string_append_c (deep, ']');
	check_same (deep->str, deep->len);
}

/* every seed of the fuzzers that read JSON answers: real answers' shapes */
static void
test_corpus (void)
{
	static const gchar *dirs[]
		= { "graph", "orocrm", "webcrm", "folder", "mapping", "profile" };
	guint n = 0, taken = 0;
	for (guint d = 0; d < G_N_ELEMENTS (dirs); d++) {
		g_autofree gchar *path
			= g_build_filename (SRCDIR, "..", "fuzz", "corpus", dirs[d], NULL);
		g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
		const gchar *name;
		while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
			g_autofree gchar *file = g_build_filename (path, name, NULL);
			g_autofree gchar *text = NULL;
			gsize len = 0;
			if (!g_file_get_contents (file, &text, &len, NULL))
				continue;
			/* the graph and orocrm seeds start with a byte or two that pick an answer
			 */
			gsize skip = strcspn (text, "{[");
			if (skip >= len)
				continue;
			check_same (text, len);
			taken += check_same (text + skip, len - skip);
			/* and cut short, the way a dropped connection leaves it */
			check_same (text + skip, (len - skip) / 2);
			n++;
		}
	}
	g_assert_cmpuint (n, >, 10);
	g_assert_cmpuint (taken, >, 5);
	g_test_message ("%u seeds, %u of them JSON throughout", n, taken);
}

/* lookups into input of another shape answer NULL or the fallback, and the
 * caller's text is left as it was (strings are decoded in the document's copy) */
static void
test_doc_accessors (void)
{
	const gchar *text = "{\"data\":[{\"id\":\"7\",\"n\":\"a\\\"b\\u00e6\",\"x\":1.5,"
			    "\"t\":true,\"k\":3}],\"links\":null}";
	g_autofree gchar *copy = g_strdup (text);
	g_autoptr (CsJsonDoc) doc = cs_json_doc_parse (copy, -1, NULL);
	const CsJsonVal *root = cs_json_doc_get_root (doc);
	const CsJsonVal *item = cs_json_val_index (cs_json_val_array (root, "data"), 0);

	g_assert_cmpstr (copy, ==, text);
	g_assert_cmpstr (cs_json_val_string (item, "id"), ==, "7");
	g_assert_cmpstr (cs_json_val_string (item, "n"), ==, "a\"b\u00e6");
	g_assert_cmpstr (cs_json_val_get_name (cs_json_val_member (item, "x")), ==, "x");
	g_assert_cmpint (cs_json_val_get_int (cs_json_val_member (item, "x"), -1), ==, 1);
	g_assert_cmpint (cs_json_val_get_int (cs_json_val_member (item, "t"), -1), ==, 1);
	g_assert_cmpint (cs_json_val_get_int (cs_json_val_member (item, "n"), -1), ==, -1);
	g_assert_true (cs_json_val_get_boolean (cs_json_val_member (item, "t"), FALSE));
	g_assert_false (cs_json_val_get_boolean (cs_json_val_member (item, "k"), FALSE));
	/* the wrong type, a missing member, NULL all the way down */
	g_assert_null (cs_json_val_string (item, "k"));
	g_assert_null (cs_json_val_object (root, "data"));
	g_assert_null (cs_json_val_array (root, "links"));
	g_assert_true (cs_json_val_is (cs_json_val_member (root, "links"), CS_JSON_NULL));
	g_assert_null (cs_json_val_member (root, "missing"));
	g_assert_null (cs_json_val_string (cs_json_val_object (root, "missing"), "id"));
	g_assert_null (cs_json_val_index (cs_json_val_member (item, "id"), 0));
	g_assert_null (cs_json_val_first (NULL));
	g_assert_null (cs_json_val_next (NULL, NULL));
	g_assert_cmpuint (cs_json_val_get_length (cs_json_val_member (item, "id")), ==, 0);
	g_assert_null (cs_json_val_to_value (cs_json_val_member (root, "links")));
	g_assert_null (cs_json_doc_get_root (NULL));
	/* an empty object and array have nothing to walk */
	{
		g_autoptr (CsJsonDoc) empty = cs_json_doc_parse ("{\"o\":{},\"a\":[]}", -1, NULL);
		const CsJsonVal *e = cs_json_doc_get_root (empty);
		g_assert_null (cs_json_val_first (cs_json_val_object (e, "o")));
		g_assert_null (cs_json_val_first (cs_json_val_array (e, "a")));
		g_assert_null (cs_json_val_next (e, cs_json_val_member (e, "a")));
	}
	/* a document made from a tree is the same document */
	{
		g_autoptr (JsonNode) node = cs_json_parse (text, -1, FALSE, NULL);
		g_autoptr (CsJsonDoc) again = cs_json_doc_new_from_node (node);
		g_autoptr (GString) where = g_string_new ("$");
		g_assert_true (same_val (node, cs_json_doc_get_root (again), where));
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/json/parse/documents", test_documents);
	g_test_add_func ("/json/parse/deep", test_deep);
	g_test_add_func ("/json/parse/corpus", test_corpus);
	g_test_add_func ("/json/doc/accessors", test_doc_accessors);
	return g_test_run ();
}
