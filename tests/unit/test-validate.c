/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Values are checked against their field's spec before any write: what a
 * damaged file or a typo leaves never reaches a side.
 */
#include "config.h"

#include <string.h>

#include "cs-validate.h"

static gchar *
check (CsFieldType type, const gchar *format, const gchar *text)
{
	g_autoptr (CsFieldSpec) spec = cs_field_spec_new ("f", "Field", type);
	g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_new_string (text));
	spec->format = g_strdup (format);
	return cs_validate_value (spec, v);
}

static void
assert_ok (CsFieldType type, const gchar *format, const gchar *text)
{
	g_autofree gchar *why = check (type, format, text);
	if (why != NULL)
		g_error ("“%s” refused: %s", text, why);
}

static void
assert_bad (CsFieldType type, const gchar *format, const gchar *text, const gchar *says)
{
	g_autofree gchar *why = check (type, format, text);
	if (why == NULL)
		g_error ("“%s” accepted", text);
	if (strstr (why, says) == NULL)
		g_error ("“%s”: %s (wanted %s)", text, why, says);
}

static void
test_email (void)
{
	const gchar *good[] = { "ada@example.org", "bo@grøn.dk", "a.b+c@sub.example.co.uk",
				"x_y@xn--grn-1na.dk", "" };
	const gchar *bad[] = { "ada",
			       "ada@",
			       "@example.org",
			       "ada@@example.org",
			       "ada@example",
			       "ada lovelace@example.org",
			       "ada@exa mple.org",
			       "ada@example..org",
			       "ada@example.org.",
			       "Ada <ada@example.org>",
			       "ada@ex_ample.org" };
	for (guint i = 0; i < G_N_ELEMENTS (good); i++)
		assert_ok (CS_FIELD_STRING, "email", good[i]);
	for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
		assert_bad (CS_FIELD_STRING, "email", bad[i], "is not an e-mail address");
}

static void
test_phone (void)
{
	const gchar *good[] = { "+45 12 34 56 78", "(555) 123-4567",	 "030/1234.56",
				"+45 1234 x12",	   "+1 555 0100 ext. 7", "12345" };
	const gchar *bad[] = { "+45 12 AB 56",
			       "call me",
			       "+45 1234 x",
			       "+45 1234 ext 7a",
			       "---",
			       "+45 ١٢٣٤",
			       "12 34 56 78 12 34 56 78 (work)" };
	for (guint i = 0; i < G_N_ELEMENTS (good); i++)
		assert_ok (CS_FIELD_STRING, "phone", good[i]);
	for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
		assert_bad (CS_FIELD_STRING, "phone", bad[i], "is not a phone number");
}

static void
test_text (void)
{
	assert_ok (CS_FIELD_STRING, NULL, "Bækgaard\tÅrhus");
	assert_ok (CS_FIELD_TEXT, NULL, "line one\r\nline two");
	assert_bad (CS_FIELD_STRING, NULL, "two\nlines", "control character (U+000A)");
	assert_bad (CS_FIELD_STRING, NULL, "Ada\x01Lovelace", "control character (U+0001)");
	assert_bad (CS_FIELD_TEXT, NULL, "bell\x07", "control character");
	assert_bad (CS_FIELD_STRING, NULL, "C1 \xc2\x85 here", "control character (U+0085)");
	assert_bad (CS_FIELD_STRING, NULL, "Ada Lov\xef\xbf\xbdlace", "could not be read");
	assert_bad (CS_FIELD_TEXT, NULL, "\xef\xbf\xbd", "could not be read");
	/* the e-mail checks include the text checks */
	assert_bad (CS_FIELD_STRING, "email", "ada@exam\xef\xbf\xbdple.org", "could not be read");
}

static void
test_dates (void)
{
	assert_ok (CS_FIELD_DATE, NULL, "1815-12-10");
	assert_ok (CS_FIELD_DATETIME, NULL, "2025-03-03T08:00:00Z");
	assert_ok (CS_FIELD_DATETIME, NULL, "2025-06-23");
	assert_bad (CS_FIELD_DATE, NULL, "2025-02-30", "is not a date");
	assert_bad (CS_FIELD_DATE, NULL, "10.12.1815", "is not a date");
	assert_bad (CS_FIELD_DATE, NULL, "2025-03-03T08:00:00Z", "is not a date");
	assert_bad (CS_FIELD_DATETIME, NULL, "2025-13-03T08:00:00Z", "is not a date");
	/* Outlook's "no date" and what damage makes of a year */
	assert_bad (CS_FIELD_DATE, NULL, "4501-01-01", "out of range");
	assert_bad (CS_FIELD_DATETIME, NULL, "0001-01-01T00:00:00Z", "out of range");
	assert_bad (CS_FIELD_DATE, NULL, "9999-12-31", "out of range");
}

static void
test_lists_and_null (void)
{
	g_autoptr (CsFieldSpec) spec = cs_field_spec_new ("emails", "E-mails", CS_FIELD_LIST);
	const gchar *good[] = { "a@example.org", "b@example.org", NULL };
	const gchar *bad[] = { "a@example.org", "b@@example.org", NULL };
	g_autoptr (GVariant) vg = g_variant_ref_sink (g_variant_new_strv (good, -1));
	g_autoptr (GVariant) vb = g_variant_ref_sink (g_variant_new_strv (bad, -1));
	g_autoptr (GVariant) null = g_variant_ref_sink (cs_value_null ());
	g_autofree gchar *why = NULL;
	spec->format = g_strdup ("email");
	g_assert_null (cs_validate_value (spec, vg));
	why = cs_validate_value (spec, vb);
	g_assert_nonnull (strstr (why, "“b@@example.org” is not an e-mail address"));
	/* a cleared value is always allowed */
	g_assert_null (cs_validate_value (spec, null));
}

static void
test_record (void)
{
	g_autoptr (CsSchema) schema = cs_schema_new ("test", CS_KIND_CONTACT);
	g_autoptr (CsRecord) ok = cs_record_new (CS_KIND_CONTACT, NULL);
	g_autoptr (CsRecord) bad = cs_record_new (CS_KIND_CONTACT, NULL);
	g_autofree gchar *why = NULL;
	CsFieldSpec *email = cs_field_spec_new ("email1", "E-mail", CS_FIELD_STRING);
	email->format = g_strdup ("email");
	cs_schema_add_field (schema, email);
	cs_schema_add_field (schema, cs_field_spec_new ("surname", "Last name", CS_FIELD_STRING));

	cs_record_set_string (ok, "surname", "Lovelace");
	cs_record_set_string (ok, "email1", "ada@example.org");
	g_assert_null (cs_validate_record (schema, ok));
	cs_record_set_string (bad, "surname", "Lovelace");
	cs_record_set_string (bad, "email1", "ada@example.org中");
	g_assert_null (cs_validate_record (schema, bad)); /* a letter is a letter */
	cs_record_set_string (bad, "email1", "ada at example.org");
	why = cs_validate_record (schema, bad);
	/* named by the field's label */
	g_assert_cmpstr (why, ==, "E-mail: “ada at example.org” is not an e-mail address");
	/* no schema (a free folder side): the text checks still apply */
	g_clear_pointer (&why, g_free);
	cs_record_set_string (bad, "email1", "ada@example.org");
	cs_record_set_string (bad, "note", "x\x02y");
	why = cs_validate_record (NULL, bad);
	g_assert_nonnull (strstr (why, "note: "));
}

int
main (int argc, char **argv)
{
	g_setenv ("LANGUAGE", "C", TRUE);
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/engine/validate/email", test_email);
	g_test_add_func ("/engine/validate/phone", test_phone);
	g_test_add_func ("/engine/validate/text", test_text);
	g_test_add_func ("/engine/validate/dates", test_dates);
	g_test_add_func ("/engine/validate/lists-and-null", test_lists_and_null);
	g_test_add_func ("/engine/validate/record", test_record);
	return g_test_run ();
}
