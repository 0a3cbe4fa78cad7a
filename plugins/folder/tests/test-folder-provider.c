/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The folder provider's files: what it writes it reads back as the same
 * values, numbers at the ends of the double range included (each test has its
 * own cache folder, which GLib removes).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "crmsync-plugin.h"

GType cs_provider_query_type (void);

static CsProvider *
folder_new (const gchar *path)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) error = NULL;
	CsProvider *p = g_object_new (cs_provider_query_type (), NULL);
	g_key_file_set_string (kf, "crm", "path", path);
	g_assert_true (cs_provider_setup (p, kf, "crm", &error));
	g_assert_no_error (error);
	g_assert_true (cs_provider_open (p, NULL, &error));
	g_assert_no_error (error);
	return p;
}

static void
test_numbers_read_back (void)
{
	g_autofree gchar *dir = g_build_filename (g_get_user_cache_dir (), "numbers", NULL);
	g_autoptr(CsProvider) p = folder_new (dir);
	g_autoptr(CsRecord) rec = cs_record_new (CS_KIND_CONTACT, NULL);
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(CsReadSink) sink = cs_read_sink_new (CS_KIND_CONTACT, TRUE);
	g_autoptr(GError) error = NULL;
	/* json-glib 1.6 wrote the first four as "1e+110.0" and the like */
	const struct {
		const gchar *name;
		gdouble value;
	} numbers[] = {
	    {"Huge", 1e110},	 {"Negative", -1.5e300}, {"Big", 1e21},	  {"Max", G_MAXDOUBLE},
	    {"Tiny", 5e-324},	 {"Fraction", 0.1},	 {"Whole", 3.0}, {"MinusZero", -0.0},
	};
	CsWriteOp *op;
	CsRecord *back;

	for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
		cs_record_set_field (rec, numbers[i].name, g_variant_new_double (numbers[i].value));
	cs_record_set_field (rec, "Count", g_variant_new_int64 (G_MAXINT64));
	op = cs_write_op_new (CS_WRITE_CREATE, rec);
	g_ptr_array_add (ops, op);
	g_assert_true (cs_provider_write (p, CS_KIND_CONTACT, ops, NULL, &error));
	g_assert_no_error (error);
	g_assert_no_error (op->error);
	g_assert_nonnull (op->id);

	g_assert_true (cs_provider_read_changes (p, CS_KIND_CONTACT, NULL, sink, NULL, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 1);
	back = g_ptr_array_index (cs_read_sink_get_records (sink), 0);
	g_assert_cmpstr (cs_record_get_id (back), ==, op->id);
	for (guint i = 0; i < G_N_ELEMENTS (numbers); i++) {
		GVariant *v = cs_record_get_field (back, numbers[i].name);
		g_assert_nonnull (v);
		g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE));
		g_assert_true (memcmp (&numbers[i].value, &(gdouble){g_variant_get_double (v)},
				       sizeof (gdouble)) == 0);
	}
	g_assert_cmpint (g_variant_get_int64 (cs_record_get_field (back, "Count")), ==, G_MAXINT64);
}

/* JSON has no infinity: the write fails for that record, the file is not written */
static void
test_infinity_refused (void)
{
	g_autofree gchar *dir = g_build_filename (g_get_user_cache_dir (), "infinity", NULL);
	g_autoptr(CsProvider) p = folder_new (dir);
	g_autoptr(CsRecord) rec = cs_record_new (CS_KIND_CONTACT, NULL);
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(CsReadSink) sink = cs_read_sink_new (CS_KIND_CONTACT, TRUE);
	g_autoptr(GError) error = NULL;
	CsWriteOp *op;

	cs_record_set_field (rec, "Ratio", g_variant_new_double (INFINITY));
	op = cs_write_op_new (CS_WRITE_CREATE, rec);
	g_ptr_array_add (ops, op);
	g_assert_true (cs_provider_write (p, CS_KIND_CONTACT, ops, NULL, &error));
	g_assert_no_error (error);
	g_assert_nonnull (op->error);
	g_assert_nonnull (strstr (op->error->message, "JSON"));
	g_assert_null (op->id);
	g_assert_true (cs_provider_read_changes (p, CS_KIND_CONTACT, NULL, sink, NULL, &error));
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 0);
	g_assert_cmpuint (cs_read_sink_get_skips (sink)->len, ==, 0);
}

/* records asked for by id: those with a file come back as a listing reads
 * them (same fields and version); an id without a file, or one that is no
 * file name, is left out */
static void
test_get_by_id (void)
{
	g_autofree gchar *dir = g_build_filename (g_get_user_cache_dir (), "get", NULL);
	g_autoptr (CsProvider) p = folder_new (dir);
	g_autoptr (CsRecord) rec = cs_record_new (CS_KIND_CONTACT, NULL);
	g_autoptr (GPtrArray) ops
		= g_ptr_array_new_with_free_func ((GDestroyNotify)cs_write_op_free);
	g_autoptr (CsReadSink) sink = cs_read_sink_new (CS_KIND_CONTACT, TRUE);
	g_autoptr (GPtrArray) ids = g_ptr_array_new ();
	g_autoptr (GPtrArray) got = NULL;
	g_autoptr (GError) error = NULL;
	CsWriteOp *op;
	CsRecord *listed, *back;

	g_assert_true (cs_provider_can_get (p));
	cs_record_set_string (rec, "givenName", "Karen");
	cs_record_set_string (rec, "surname", "Blixen");
	op = cs_write_op_new (CS_WRITE_CREATE, rec);
	g_ptr_array_add (ops, op);
	g_assert_true (cs_provider_write (p, CS_KIND_CONTACT, ops, NULL, &error));
	g_assert_no_error (error);
	g_assert_nonnull (op->id);
	g_assert_true (cs_provider_read_changes (p, CS_KIND_CONTACT, NULL, sink, NULL, &error));
	listed = g_ptr_array_index (cs_read_sink_get_records (sink), 0);

	g_ptr_array_add (ids, (gpointer) "missing");
	g_ptr_array_add (ids, op->id);
	g_ptr_array_add (ids, (gpointer) "../get/x");
	got = cs_provider_get (p, CS_KIND_CONTACT, ids, NULL, &error);
	g_assert_no_error (error);
	g_assert_nonnull (got);
	g_assert_cmpuint (got->len, ==, 1);
	back = g_ptr_array_index (got, 0);
	g_assert_cmpstr (cs_record_get_id (back), ==, op->id);
	g_assert_cmpstr (cs_record_get_string (back, "surname"), ==, "Blixen");
	g_assert_cmpstr (cs_record_get_version (back), ==, cs_record_get_version (listed));
}

/* logs and the CLI show what they can: null, as JSON.stringify() does */
static void
test_to_string (void)
{
	g_autoptr(JsonNode) n = json_node_new (JSON_NODE_ARRAY);
	g_autofree gchar *text = NULL;
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error = NULL;
	JsonArray *a = json_array_new ();

	json_array_add_double_element (a, 1e110);
	json_array_add_double_element (a, NAN);
	json_array_add_string_element (a, "\"\\\n\x01é");
	json_array_add_object_element (a, json_object_new ());
	json_node_take_array (n, a);
	text = cs_json_to_string (n, FALSE);
	g_assert_cmpstr (text, ==, "[1e+110,null,\"\\\"\\\\\\n\\u0001é\",{}]");
	data = cs_json_to_data (n, FALSE, &error);
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	g_assert_null (data);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func ("/plugins/folder/numbers-read-back", test_numbers_read_back);
	g_test_add_func ("/plugins/folder/infinity-refused", test_infinity_refused);
	g_test_add_func ("/plugins/folder/get-by-id", test_get_by_id);
	g_test_add_func ("/engine/json/to-string", test_to_string);
	return g_test_run ();
}
