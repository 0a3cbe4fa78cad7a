/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cs-change-view.h"

/*
 * The read model the app shows plans and history with: records and fields
 * from plan entries, fields by their schema labels, values as text, and a
 * typed conflict value of the field's type.
 */

static JsonObject *
parse_object (const gchar *json, JsonNode **keep)
{
	g_autoptr (GError) error = NULL;
	*keep = json_from_string (json, &error);
	g_assert_no_error (error);
	return json_node_get_object (*keep);
}

/* an update, a create and a delete: old → new, the new value alone, the old value alone */
static void
test_entry_texts (void)
{
	g_autoptr (JsonNode) n1 = NULL;
	g_autoptr (JsonNode) n2 = NULL;
	g_autoptr (CsRecordChange) upd = cs_record_change_new_from_entry (
		parse_object ("{\"kind\": \"contact\", \"action\": \"update\", \"label\": \"Ada "
			      "Lovelace\","
			      " \"crm_id\": \"7\", \"outlook_id\": \"o7\", \"outlook\": \"update\","
			      " \"changes\": [{\"side\": \"outlook\", \"field\": \"jobTitle\","
			      " \"old\": \"Analyst\", \"new\": \"Head\"}, {\"side\": \"outlook\","
			      " \"field\": \"birthday\", \"old\": null, \"new\": \"1815-12-10\"}]}",
			      &n1),
		NULL);
	g_autoptr (CsRecordChange) del = cs_record_change_new_from_entry (
		parse_object ("{\"kind\": \"task\", \"action\": \"delete\", \"label\": \"\", "
			      "\"crm_id\": \"9\","
			      " \"outlook_id\": null, \"crm\": \"delete\", \"changes\": "
			      "[{\"side\": \"crm\","
			      " \"field\": \"subject\", \"old\": \"Call\", \"new\": null}]}",
			      &n2),
		NULL);
	g_autofree gchar *t0 = NULL;
	g_autofree gchar *t1 = NULL;
	g_autofree gchar *t2 = NULL;

	g_assert_nonnull (upd);
	g_assert_cmpint (upd->kind, ==, CS_KIND_CONTACT);
	g_assert_cmpstr (upd->label, ==, "Ada Lovelace");
	g_assert_cmpstr (upd->what[CS_SIDE_OUTLOOK], ==, "update");
	g_assert_null (upd->what[CS_SIDE_CRM]);
	g_assert_cmpstr (upd->id[CS_SIDE_CRM], ==, "7");
	g_assert_cmpuint (upd->fields->len, ==, 2);
	t0 = cs_field_change_to_text (g_ptr_array_index (upd->fields, 0));
	t1 = cs_field_change_to_text (g_ptr_array_index (upd->fields, 1));
	g_assert_cmpstr (t0, ==, "jobTitle: Analyst → Head");
	g_assert_cmpstr (t1, ==, "birthday: (empty) → 1815-12-10");

	/* no name: the record's id stands in; a deletion shows what is gone */
	g_assert_cmpstr (del->label, ==, "9");
	g_assert_cmpint (del->kind, ==, CS_KIND_TASK);
	t2 = cs_field_change_to_text (g_ptr_array_index (del->fields, 0));
	g_assert_cmpstr (t2, ==, "subject: Call");
	g_assert_null (((CsFieldChange *)g_ptr_array_index (del->fields, 0))->new_text);
}

/* a number typed for a number field stays a number; text stays text; anything else is text */
static void
test_typed_value (void)
{
	CsConflict num = { .crm_value = (gchar *)"3", .outlook_value = (gchar *)"5" };
	CsConflict str = { .crm_value = (gchar *)"\"a\"", .outlook_value = (gchar *)"null" };
	g_autofree gchar *n = cs_conflict_typed_value (&num, "4");
	g_autofree gchar *t = cs_conflict_typed_value (&num, "four");
	g_autofree gchar *s = cs_conflict_typed_value (&str, "42");
	g_autofree gchar *q = cs_conflict_typed_value (&str, "say \"hi\"");
	g_autofree gchar *v1 = cs_value_json_to_text ("\"Ada\"");
	g_autofree gchar *v2 = cs_value_json_to_text (NULL);
	g_assert_cmpstr (n, ==, "4");
	g_assert_cmpstr (t, ==, "\"four\"");
	g_assert_cmpstr (s, ==, "\"42\"");
	g_assert_cmpstr (q, ==, "\"say \\\"hi\\\"\"");
	g_assert_cmpstr (v1, ==, "Ada");
	g_assert_cmpstr (v2, ==, "(empty)");
}

int
main (int argc, char **argv)
{
	g_setenv ("LANGUAGE", "C", TRUE);
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/change-view/entry-texts", test_entry_texts);
	g_test_add_func ("/change-view/typed-value", test_typed_value);
	return g_test_run ();
}
