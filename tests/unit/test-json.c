/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cs_json_parse builds the very tree json-glib's immutable parser builds, and
 * takes or refuses the same texts */
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

	if (!theirs_ok) {
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

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/json/parse/documents", test_documents);
	g_test_add_func ("/json/parse/deep", test_deep);
	g_test_add_func ("/json/parse/corpus", test_corpus);
	return g_test_run ();
}
