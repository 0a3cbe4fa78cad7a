/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-mapping.h"
#include "cs-schema.h"

static const gchar *oro_like =
    "{\"name\": \"t\", \"kinds\": {\"contact\": {\"key\": [\"firstName\", \"lastName\"], \"rows\": ["
    " {\"crm\": \"firstName\", \"outlook\": \"givenName\", \"fixed\": true,"
    "  \"transform\": {\"type\": \"name-fallback\", \"crm-other\": \"lastName\", \"outlook-other\": \"surname\"}},"
    " {\"crm\": \"lastName\", \"outlook\": \"surname\", \"fixed\": true,"
    "  \"transform\": {\"type\": \"name-fallback\", \"crm-other\": \"firstName\", \"outlook-other\": \"givenName\"}},"
    " {\"crm\": \"emails\", \"outlook\": [\"email1\", \"email2\", \"email3\"], \"transform\": {\"type\": \"list\"}},"
    " {\"crm\": \"phones\", \"outlook\": \"primaryPhone\", \"transform\": {\"type\": \"first-of-list\"}},"
    " {\"crm\": \"birthday\", \"outlook\": \"birthday\", \"transform\": {\"type\": \"date\"}}]},"
    " \"task\": {\"rows\": ["
    " {\"crm\": \"status\", \"outlook\": \"status\", \"transform\": {\"type\": \"values\","
    "  \"to-outlook\": {\"open\": \"notStarted\", \"in_progress\": \"inProgress\", \"closed\": \"completed\"},"
    "  \"to-crm\": {\"notStarted\": \"open\", \"inProgress\": \"in_progress\", \"completed\": \"closed\","
    "   \"waitingOnOthers\": \"in_progress\", \"deferred\": \"in_progress\"}}}],"
    " \"reminder\": {\"type\": \"datetime\", \"field\": \"reminderDateTime\", \"relative-to\": \"dueDate\", \"flag\": \"isReminderOn\"}},"
    " \"event\": {\"rows\": [{\"crm\": \"title\", \"outlook\": \"subject\"},"
    "  {\"crm\": \"recurrence\", \"outlook\": \"recurrence\", \"transform\": {\"type\": \"recurrence\"}}],"
    " \"reminder\": {\"type\": \"minutes\", \"field\": \"reminderMinutesBeforeStart\", \"flag\": \"isReminderOn\"}}}}";

static CsMapping *
load (void)
{
	g_autoptr(GError) error = NULL;
	CsMapping *m = cs_mapping_new_from_json (oro_like, -1, &error);
	g_assert_no_error (error);
	return m;
}

static const gchar *
sval (GHashTable *v, const gchar *k)
{
	GVariant *x = g_hash_table_lookup (v, k);
	return x != NULL ? g_variant_get_string (x, NULL) : NULL;
}

static void
test_name_fallback (void)
{
	g_autoptr(CsMapping) m = load ();
	g_autoptr(CsRecord) o = cs_record_new (CS_KIND_CONTACT, "o1");
	g_autoptr(GHashTable) v = NULL;
	g_autoptr(CsRecord) crm = cs_record_new (CS_KIND_CONTACT, NULL);
	/* no first name in Outlook: the last name is used for both in the CRM */
	cs_record_set_string (o, "surname", "Østergaard");
	v = cs_mapping_extract (m, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, o);
	g_assert_cmpstr (sval (v, "firstName"), ==, "Østergaard");
	g_assert_cmpstr (sval (v, "lastName"), ==, "Østergaard");
	cs_mapping_apply (m, CS_KIND_CONTACT, CS_SIDE_CRM, v, NULL, NULL, crm);
	g_assert_cmpstr (cs_record_get_string (crm, "firstName"), ==, "Østergaard");
}

static void
test_list_and_first (void)
{
	g_autoptr(CsMapping) m = load ();
	g_autoptr(CsRecord) crm = cs_record_new (CS_KIND_CONTACT, "c1");
	g_autoptr(CsRecord) out = cs_record_new (CS_KIND_CONTACT, NULL);
	g_autoptr(CsRecord) back = cs_record_new (CS_KIND_CONTACT, "c1");
	g_autoptr(GHashTable) v = NULL;
	g_autoptr(GHashTable) ov = NULL;
	const gchar *emails[] = {"a@x.dk", "b@x.dk", NULL};
	const gchar *phones[] = {"+45 1", "+45 2", NULL};
	const gchar *s;

	cs_record_set_field (crm, "emails", g_variant_new_strv (emails, -1));
	cs_record_set_field (crm, "phones", g_variant_new_strv (phones, -1));
	v = cs_mapping_extract (m, CS_KIND_CONTACT, CS_SIDE_CRM, crm);
	cs_mapping_apply (m, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, v, NULL, NULL, out);
	g_assert_cmpstr (cs_record_get_string (out, "email1"), ==, "a@x.dk");
	g_assert_cmpstr (cs_record_get_string (out, "email2"), ==, "b@x.dk");
	g_assert_false (cs_record_has_field (out, "email3"));
	/* only the first phone is mapped */
	g_assert_cmpstr (cs_record_get_string (out, "primaryPhone"), ==, "+45 1");

	/* Outlook changes the primary phone: the CRM keeps its second phone */
	cs_record_set_string (out, "primaryPhone", "+45 9");
	ov = cs_mapping_extract (m, CS_KIND_CONTACT, CS_SIDE_OUTLOOK, out);
	{
		const gchar *rows[] = {"phones", NULL};
		cs_mapping_apply (m, CS_KIND_CONTACT, CS_SIDE_CRM, ov, rows, crm, back);
	}
	g_variant_get_child (cs_record_get_field (back, "phones"), 0, "&s", &s);
	g_assert_cmpstr (s, ==, "+45 9");
	g_variant_get_child (cs_record_get_field (back, "phones"), 1, "&s", &s);
	g_assert_cmpstr (s, ==, "+45 2");
}

static void
test_status_tables (void)
{
	g_autoptr(CsMapping) m = load ();
	const gchar *pairs[][2] = {{"notStarted", "open"}, {"completed", "closed"},
				   {"waitingOnOthers", "in_progress"}, {"deferred", "in_progress"},
				   {"inProgress", "in_progress"}};
	for (guint i = 0; i < G_N_ELEMENTS (pairs); i++) {
		g_autoptr(CsRecord) o = cs_record_new (CS_KIND_TASK, "o");
		g_autoptr(GHashTable) v = NULL;
		cs_record_set_string (o, "status", pairs[i][0]);
		v = cs_mapping_extract (m, CS_KIND_TASK, CS_SIDE_OUTLOOK, o);
		g_assert_cmpstr (sval (v, "status"), ==, pairs[i][1]);
	}
	{
		g_autoptr(CsRecord) c = cs_record_new (CS_KIND_TASK, "c");
		g_autoptr(CsRecord) o = cs_record_new (CS_KIND_TASK, NULL);
		g_autoptr(GHashTable) v = NULL;
		cs_record_set_string (c, "status", "closed");
		v = cs_mapping_extract (m, CS_KIND_TASK, CS_SIDE_CRM, c);
		cs_mapping_apply (m, CS_KIND_TASK, CS_SIDE_OUTLOOK, v, NULL, NULL, o);
		g_assert_cmpstr (cs_record_get_string (o, "status"), ==, "completed");
	}
}

static void
test_reminders (void)
{
	g_autoptr(CsMapping) m = load ();
	g_autoptr(CsRecord) task = cs_record_new (CS_KIND_TASK, NULL);
	g_autoptr(CsRecord) ev = cs_record_new (CS_KIND_EVENT, NULL);
	cs_record_set_string (task, "dueDate", "2026-03-10");
	cs_mapping_apply_reminder (m, CS_KIND_TASK, 10, task);
	g_assert_cmpstr (cs_record_get_string (task, "reminderDateTime"), ==, "2026-03-09T23:50:00Z");
	g_assert_true (cs_record_get_bool (task, "isReminderOn", FALSE));
	cs_mapping_apply_reminder (m, CS_KIND_EVENT, 180, ev);
	g_assert_cmpint (cs_record_get_int (ev, "reminderMinutesBeforeStart", 0), ==, 180);
}

static void
test_normalise (void)
{
	g_autoptr(CsMapping) id = cs_mapping_new_identity ();
	g_autoptr(CsRecord) a = cs_record_new (CS_KIND_EVENT, "a");
	g_autoptr(CsRecord) b = cs_record_new (CS_KIND_EVENT, "b");
	g_autoptr(GHashTable) va = NULL;
	g_autoptr(GHashTable) vb = NULL;
	cs_record_set_string (a, "start", "2026-03-29T03:00:00+02:00");
	cs_record_set_string (a, "note", "  x\r\ny  ");
	cs_record_set_string (a, "empty", "   ");
	cs_record_set_string (b, "start", "2026-03-29T01:00:00Z");
	cs_record_set_string (b, "note", "x\ny");
	va = cs_mapping_extract (id, CS_KIND_EVENT, CS_SIDE_CRM, a);
	vb = cs_mapping_extract (id, CS_KIND_EVENT, CS_SIDE_OUTLOOK, b);
	g_assert_cmpstr (sval (va, "start"), ==, sval (vb, "start"));
	g_assert_cmpstr (sval (va, "note"), ==, "x\ny");
	g_assert_false (g_hash_table_contains (va, "empty"));
}

static void
test_snapshot_round_trip (void)
{
	g_autoptr(GHashTable) v = cs_mapping_values_new ();
	g_autoptr(GHashTable) back = NULL;
	g_autofree gchar *text = NULL;
	const gchar *list[] = {"a", "b", NULL};
	g_hash_table_insert (v, g_strdup ("s"), g_variant_ref_sink (g_variant_new_string ("Ærø")));
	g_hash_table_insert (v, g_strdup ("n"), g_variant_ref_sink (g_variant_new_int64 (42)));
	g_hash_table_insert (v, g_strdup ("b"), g_variant_ref_sink (g_variant_new_boolean (TRUE)));
	g_hash_table_insert (v, g_strdup ("l"), g_variant_ref_sink (g_variant_new_strv (list, -1)));
	text = cs_mapping_values_to_string (v);
	back = cs_mapping_values_from_string (text);
	g_assert_cmpuint (g_hash_table_size (back), ==, 4);
	g_assert_true (cs_value_equal (g_hash_table_lookup (v, "l"), g_hash_table_lookup (back, "l")));
	g_assert_true (cs_value_equal (g_hash_table_lookup (v, "n"), g_hash_table_lookup (back, "n")));
	g_assert_cmpstr (sval (back, "s"), ==, "Ærø");
}

static void
test_bad_mapping (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsMapping) m = cs_mapping_new_from_json (
	    "{\"kinds\": {\"task\": {\"rows\": [{\"crm\": \"a\", \"outlook\": \"b\", \"transform\": {\"type\": \"magic\"}}]}}}",
	    -1, &error);
	g_assert_null (m);
	g_assert_nonnull (strstr (error->message, "unknown transform"));
}

static GVariant *
rule_from_text (const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GVariant *v = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);
	g_assert_no_error (error);
	return g_variant_ref_sink (v);
}

/* a weekly series as Outlook holds it and as OroCRM gives it back (no first
 * day of the week, no range time zone, days in another order, int32 vs
 * int64): the same rule, so no run rewrites the series; a real change is one */
static void
test_recurrence_common_part (void)
{
	g_autoptr(CsMapping) m = load ();
	g_autoptr(CsRecord) o = cs_record_new (CS_KIND_EVENT, "o1");
	g_autoptr(CsRecord) c = cs_record_new (CS_KIND_EVENT, "c1");
	g_autoptr(CsRecord) written = cs_record_new (CS_KIND_EVENT, "o1");
	g_autoptr(GHashTable) vo = NULL;
	g_autoptr(GHashTable) vc = NULL;
	g_autoptr(GVariant) pattern = NULL;
	const gchar *first_day = NULL;
	const gchar *zone = NULL;
	g_autoptr(GVariant) range = NULL;
	gint64 interval = 0;

	cs_record_set_field (o, "recurrence", rule_from_text (
	    "{'pattern': <{'type': <'weekly'>, 'interval': <int32 1>, 'daysOfWeek': <['Friday', 'monday']>,"
	    " 'firstDayOfWeek': <'monday'>, 'index': <'first'>}>,"
	    " 'range': <{'type': <'EndDate'>, 'startDate': <'2025-03-03'>, 'endDate': <'2025-06-27'>,"
	    " 'recurrenceTimeZone': <'Europe/Copenhagen'>}>}"));
	cs_record_set_field (c, "recurrence", rule_from_text (
	    "{'pattern': <{'type': <'weekly'>, 'interval': <int64 1>, 'daysOfWeek': <['monday', 'friday']>}>,"
	    " 'range': <{'type': <'endDate'>, 'startDate': <'2025-03-03T00:00:00Z'>, 'endDate': <'2025-06-27'>,"
	    " 'numberOfOccurrences': <int64 0>}>}"));
	vo = cs_mapping_extract (m, CS_KIND_EVENT, CS_SIDE_OUTLOOK, o);
	vc = cs_mapping_extract (m, CS_KIND_EVENT, CS_SIDE_CRM, c);
	g_assert_true (cs_value_equal (g_hash_table_lookup (vo, "recurrence"), g_hash_table_lookup (vc, "recurrence")));

	/* every second week in the CRM: a change, written over Outlook's rule
	 * without losing its first day of the week and zone */
	g_hash_table_unref (vc);
	cs_record_set_field (c, "recurrence", rule_from_text (
	    "{'pattern': <{'type': <'weekly'>, 'interval': <int64 2>, 'daysOfWeek': <['monday', 'friday']>}>,"
	    " 'range': <{'type': <'endDate'>, 'startDate': <'2025-03-03'>, 'endDate': <'2025-06-27'>}>}"));
	vc = cs_mapping_extract (m, CS_KIND_EVENT, CS_SIDE_CRM, c);
	g_assert_false (cs_value_equal (g_hash_table_lookup (vo, "recurrence"), g_hash_table_lookup (vc, "recurrence")));
	cs_mapping_apply (m, CS_KIND_EVENT, CS_SIDE_OUTLOOK, vc, (const gchar *const[]){"recurrence", NULL}, o, written);
	pattern = g_variant_lookup_value (cs_record_get_field (written, "recurrence"), "pattern", G_VARIANT_TYPE_VARDICT);
	range = g_variant_lookup_value (cs_record_get_field (written, "recurrence"), "range", G_VARIANT_TYPE_VARDICT);
	g_assert_true (g_variant_lookup (pattern, "interval", "x", &interval));
	g_assert_cmpint (interval, ==, 2);
	g_assert_true (g_variant_lookup (pattern, "firstDayOfWeek", "&s", &first_day));
	g_assert_cmpstr (first_day, ==, "monday");
	g_assert_true (g_variant_lookup (range, "recurrenceTimeZone", "&s", &zone));
	g_assert_cmpstr (zone, ==, "Europe/Copenhagen");
}

/* a plugin refines a built-in field (webCRM's custom fields get their
 * labels and choices from the server): the new spec replaces the old one,
 * once, and the old one is gone for good (it was read after being freed) */
static void
test_schema_replace_field (void)
{
	g_autoptr(CsSchema) schema = cs_schema_new ("test", CS_KIND_CONTACT);
	const CsFieldSpec *got;

	cs_schema_add_field (schema, cs_field_spec_new ("Custom1", "Custom 1", CS_FIELD_STRING));
	cs_schema_add_field (schema, cs_field_spec_new ("email", "E-mail", CS_FIELD_STRING));
	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *label = g_strdup_printf ("Branche %u", i);
		cs_schema_add_field (schema, cs_field_spec_new ("Custom1", label, CS_FIELD_PICK));
		got = cs_schema_lookup (schema, "Custom1");
		g_assert_nonnull (got);
		g_assert_cmpstr (got->label, ==, label);
		g_assert_cmpint (got->type, ==, CS_FIELD_PICK);
	}
	g_assert_cmpuint (cs_schema_get_fields (schema)->len, ==, 2);
	g_assert_cmpstr (cs_schema_lookup (schema, "email")->label, ==, "E-mail");
}

/* the Oro preset's company → account row is opt-in: off as shipped, on when a
 * profile names it; a name that is no opt-in row is an error naming them */
static void
test_optional_rows (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsMapping) m = cs_mapping_load ("orocrm", NULL, &error);
	const gchar *on[] = {"accountName", NULL};
	const gchar *bad[] = {"nickName", NULL};
	gboolean found = FALSE;
	GPtrArray *rows;

	g_assert_no_error (error);
	rows = cs_mapping_get_rows (m, CS_KIND_CONTACT);
	for (guint i = 0; i < rows->len; i++)
		g_assert_cmpstr (((CsMappingRow *) g_ptr_array_index (rows, i))->id, !=, "accountName");
	g_assert_cmpuint (cs_mapping_get_optional_rows (m, CS_KIND_CONTACT)->len, ==, 1);
	g_assert_false (cs_mapping_enable_rows (m, CS_KIND_CONTACT, bad, &error));
	g_assert_nonnull (strstr (error->message, "accountName"));
	g_clear_error (&error);
	g_assert_true (cs_mapping_enable_rows (m, CS_KIND_CONTACT, on, &error));
	g_assert_no_error (error);
	rows = cs_mapping_get_rows (m, CS_KIND_CONTACT);
	for (guint i = 0; i < rows->len; i++) {
		CsMappingRow *row = g_ptr_array_index (rows, i);
		if (g_strcmp0 (row->id, "accountName") == 0) {
			found = TRUE;
			g_assert_cmpstr (row->outlook[0], ==, "companyName");
		}
	}
	g_assert_true (found);
}

/* the version hash as it was made before its fast path (every value through
 * g_variant_print): stored versions must not change, or every record would
 * look changed on the next run */
static gchar *
hash_as_printed (const CsRecord *r)
{
	g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	g_autoptr(GPtrArray) names = cs_record_get_field_names (r);
	for (guint i = 0; i < names->len; i++) {
		g_autoptr(GVariant) norm = cs_value_normalize (cs_record_get_field (r, names->pdata[i]));
		g_autofree gchar *text = NULL;
		if (norm == NULL)
			continue;
		text = g_variant_print (norm, TRUE);
		g_checksum_update (sum, (const guchar *) names->pdata[i], -1);
		g_checksum_update (sum, (const guchar *) "\x1f", 1);
		g_checksum_update (sum, (const guchar *) text, -1);
		g_checksum_update (sum, (const guchar *) "\x1e", 1);
	}
	return g_strndup (g_checksum_get_string (sum), 16);
}

static void
test_hash_fields_as_printed (void)
{
	static const gchar *strings[] = {
		"Ann", "ann@example.com", "+45 12 34 56 78", "O'Brien", "say \"hi\"", "both ' and \"",
		"back\\slash", "tab\there", "line\nbreak", "bell\a", "\x7f del", "æøå Åse", "😀",
		"zero-width\u200b", " padded ", "~!@#$%^&*()_+{}|:<>?`-=[];,./", "", "\u00a0nbsp",
		"Zoë Ünal-Ørsted", "日本語", "\u2028line sep", "soft\u00adhyphen", "\ufeffbom", "\xc2\x85nel",
		"combining e\u0301", "private \ue000", "Ā ǅ ﬁ",
	};
	for (guint i = 0; i < G_N_ELEMENTS (strings); i++) {
		g_autoptr(CsRecord) r = cs_record_new (CS_KIND_CONTACT, "1");
		g_autofree gchar *ours = NULL;
		g_autofree gchar *printed = NULL;
		const gchar *list[] = {"plain", strings[i], NULL};
		const gchar *plain[] = {"a", "b c", NULL};
		cs_record_set_string (r, "s", strings[i]);
		cs_record_set_field (r, "as", g_variant_new_strv (list, -1));
		cs_record_set_field (r, "plain", g_variant_new_strv (plain, -1));
		cs_record_set_field (r, "one", g_variant_new_strv (list + 1, 1));
		cs_record_set_field (r, "n", g_variant_new_int64 (-42));
		cs_record_set_field (r, "b", g_variant_new_boolean (TRUE));
		cs_record_set_field (r, "d", g_variant_new_double (2.5));
		ours = cs_record_hash_fields (r, NULL);
		printed = hash_as_printed (r);
		g_assert_cmpstr (ours, ==, printed);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/engine/mapping/name-fallback", test_name_fallback);
	g_test_add_func ("/engine/mapping/optional-rows", test_optional_rows);
	g_test_add_func ("/engine/mapping/list-and-first-of-list", test_list_and_first);
	g_test_add_func ("/engine/mapping/status-tables", test_status_tables);
	g_test_add_func ("/engine/mapping/reminders", test_reminders);
	g_test_add_func ("/engine/mapping/normalise", test_normalise);
	g_test_add_func ("/engine/mapping/snapshot-round-trip", test_snapshot_round_trip);
	g_test_add_func ("/engine/mapping/bad-mapping", test_bad_mapping);
	g_test_add_func ("/engine/schema/replace-field", test_schema_replace_field);
	g_test_add_func ("/engine/mapping/recurrence-common-part", test_recurrence_common_part);
	g_test_add_func ("/engine/record/hash-fields-as-printed", test_hash_fields_as_printed);
	return g_test_run ();
}
