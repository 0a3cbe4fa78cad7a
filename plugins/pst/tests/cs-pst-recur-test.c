/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PidLidAppointmentRecur and PidLidTimeZoneStruct, built byte by byte as
 * MS-OXOCAL describes them */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "cs-pst-recur.h"

static void
put (GByteArray *a, guint32 v, guint n)
{
	for (guint i = 0; i < n; i++) {
		guint8 byte = (guint8) (v >> (8 * i));
		g_byte_array_append (a, &byte, 1);
	}
}

/* minutes since 1601-01-01 of a local date and time */
static guint32
minutes (gint y, gint m, gint d, gint hh, gint mm)
{
	g_autoptr(GDateTime) dt = g_date_time_new_utc (y, m, d, hh, mm, 0);
	return (guint32) ((g_date_time_to_unix (dt) + G_GINT64_CONSTANT (11644473600)) / 60);
}

/* Central European time: UTC+1, summer from the last Sunday of March 02:00
 * to the last Sunday of October 03:00 */
static GByteArray *
cet_struct (void)
{
	GByteArray *a = g_byte_array_new ();
	put (a, (guint32) -60, 4);
	put (a, 0, 4);
	put (a, (guint32) -60, 4);
	put (a, 0, 2);
	put (a, 0, 2), put (a, 10, 2), put (a, 0, 2), put (a, 5, 2), put (a, 3, 2), put (a, 0, 2);
	put (a, 0, 4);
	put (a, 0, 2);
	put (a, 0, 2), put (a, 3, 2), put (a, 0, 2), put (a, 5, 2), put (a, 2, 2), put (a, 0, 2);
	put (a, 0, 4);
	return a;
}

static void
test_tz (void)
{
	g_autoptr(GByteArray) a = cet_struct ();
	g_autoptr(GDateTime) summer = g_date_time_new_utc (2026, 7, 1, 10, 0, 0);
	g_autoptr(GDateTime) winter = g_date_time_new_utc (2026, 1, 15, 10, 0, 0);
	g_autoptr(GDateTime) before = g_date_time_new_utc (2026, 3, 29, 1, 30, 0);
	g_autoptr(GDateTime) after = g_date_time_new_utc (2026, 3, 29, 3, 30, 0);
	CsPstTz tz;

	g_assert_true (cs_pst_tz_parse (a->data, a->len, &tz));
	g_assert_cmpint (cs_pst_tz_local_to_utc (&tz, g_date_time_to_unix (summer)), ==,
			 g_date_time_to_unix (summer) - 2 * 3600);
	g_assert_cmpint (cs_pst_tz_local_to_utc (&tz, g_date_time_to_unix (winter)), ==,
			 g_date_time_to_unix (winter) - 3600);
	/* 2026-03-29 is the last Sunday of March */
	g_assert_cmpint (cs_pst_tz_local_to_utc (&tz, g_date_time_to_unix (before)), ==,
			 g_date_time_to_unix (before) - 3600);
	g_assert_cmpint (cs_pst_tz_local_to_utc (&tz, g_date_time_to_unix (after)), ==,
			 g_date_time_to_unix (after) - 2 * 3600);
	g_assert_false (cs_pst_tz_parse (a->data, 10, &tz));
}

/* the second Thursday of every month, 10 times, from 2026-01-08 at 09:30
 * local; March's moved to 14:00 with a new subject, May's cancelled */
static GByteArray *
monthly_blob (void)
{
	GByteArray *a = g_byte_array_new ();
	const gchar *subject = "Moved";
	put (a, 0x3004, 2), put (a, 0x3004, 2);
	put (a, 0x200C, 2); /* monthly */
	put (a, 0x0004, 2); /* month nth */
	put (a, 0, 2);
	put (a, 0, 4);
	put (a, 1, 4); /* every month */
	put (a, 0, 4);
	put (a, 1u << 4, 4); /* Thursday */
	put (a, 2, 4);	     /* second */
	put (a, 0x2022, 4);  /* after N occurrences */
	put (a, 10, 4);
	put (a, 1, 4); /* weeks start on Monday */
	put (a, 2, 4); /* deleted: March 12 and May 14 */
	put (a, minutes (2026, 3, 12, 0, 0), 4);
	put (a, minutes (2026, 5, 14, 0, 0), 4);
	put (a, 1, 4); /* modified: March 12 */
	put (a, minutes (2026, 3, 12, 0, 0), 4);
	put (a, minutes (2026, 1, 8, 0, 0), 4);
	put (a, minutes (2026, 10, 8, 0, 0), 4);
	put (a, 0x3006, 4), put (a, 0x3009, 4);
	put (a, 9 * 60 + 30, 4), put (a, 10 * 60 + 30, 4);
	put (a, 1, 2); /* one exception */
	put (a, minutes (2026, 3, 12, 14, 0), 4);
	put (a, minutes (2026, 3, 12, 15, 0), 4);
	put (a, minutes (2026, 3, 12, 9, 30), 4);
	put (a, 0x0001, 2); /* subject */
	put (a, (guint32) strlen (subject) + 1, 2), put (a, (guint32) strlen (subject), 2);
	g_byte_array_append (a, (const guint8 *) subject, (guint) strlen (subject));
	put (a, 0, 4); /* reserved 1 */
	put (a, 4, 4), put (a, 0, 4); /* change highlight */
	put (a, 0, 4);		       /* reserved EE1 */
	put (a, minutes (2026, 3, 12, 14, 0), 4);
	put (a, minutes (2026, 3, 12, 15, 0), 4);
	put (a, minutes (2026, 3, 12, 9, 30), 4);
	put (a, 6, 2); /* the wide subject wins */
	for (const gchar *p = "Moved!"; *p != '\0'; p++)
		put (a, (guint32) *p, 2);
	put (a, 0, 4); /* reserved EE2 */
	put (a, 0, 4); /* reserved 2 */
	return a;
}

static JsonObject *
parse (GByteArray *blob, const CsPstTz *tz, gint64 start_utc)
{
	g_autoptr(CsPstJson) b = cs_pst_json_new ();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;
	cs_pst_json_begin_object (b);
	if (!cs_pst_recur_to_json (blob->data, blob->len, tz, start_utc, b))
		return NULL;
	cs_pst_json_end_object (b);
	/* the reader's own writer, read back by json-glib: its text must parse */
	root = json_from_string (cs_pst_json_get_text (b, NULL), &error);
	g_assert_no_error (error);
	return json_object_ref (json_node_get_object (root));
}

static void
test_monthly (void)
{
	g_autoptr(GByteArray) blob = monthly_blob ();
	g_autoptr(GByteArray) tzs = cet_struct ();
	g_autoptr(GDateTime) first = g_date_time_new_utc (2026, 1, 8, 8, 30, 0);
	g_autoptr(JsonObject) o = NULL;
	JsonObject *pattern, *range, *e;
	JsonArray *exceptions;
	CsPstTz tz;

	g_assert_true (cs_pst_tz_parse (tzs->data, tzs->len, &tz));
	o = parse (blob, &tz, g_date_time_to_unix (first));
	g_assert_nonnull (o);
	pattern = json_object_get_object_member (o, "pattern");
	g_assert_cmpstr (json_object_get_string_member (pattern, "type"), ==, "relativeMonthly");
	g_assert_cmpint (json_object_get_int_member (pattern, "interval"), ==, 1);
	g_assert_cmpstr (json_object_get_string_member (pattern, "index"), ==, "second");
	g_assert_cmpstr (json_array_get_string_element (
			     json_object_get_array_member (pattern, "daysOfWeek"), 0),
			 ==, "thursday");
	g_assert_cmpstr (json_object_get_string_member (pattern, "firstDayOfWeek"), ==, "monday");
	range = json_object_get_object_member (o, "range");
	g_assert_cmpstr (json_object_get_string_member (range, "type"), ==, "numbered");
	g_assert_cmpint (json_object_get_int_member (range, "numberOfOccurrences"), ==, 10);
	g_assert_cmpstr (json_object_get_string_member (range, "startDate"), ==, "2026-01-08");

	exceptions = json_object_get_array_member (o, "exceptions");
	g_assert_cmpuint (json_array_get_length (exceptions), ==, 2);
	/* May is in summer time: 09:30 local is 07:30 UTC */
	e = json_array_get_object_element (exceptions, 0);
	g_assert_cmpstr (json_object_get_string_member (e, "originalStart"), ==,
			 "2026-05-14T07:30:00Z");
	g_assert_true (json_object_get_boolean_member (e, "deleted"));
	/* March 12 is still winter time */
	e = json_array_get_object_element (exceptions, 1);
	g_assert_cmpstr (json_object_get_string_member (e, "originalStart"), ==,
			 "2026-03-12T08:30:00Z");
	g_assert_cmpstr (json_object_get_string_member (e, "start"), ==, "2026-03-12T13:00:00Z");
	g_assert_cmpstr (json_object_get_string_member (e, "end"), ==, "2026-03-12T14:00:00Z");
	g_assert_cmpstr (json_object_get_string_member (e, "subject"), ==, "Moved!");

	/* no zone rule: the first occurrence's offset (UTC+1) throughout */
	g_clear_pointer (&o, json_object_unref);
	o = parse (blob, NULL, g_date_time_to_unix (first));
	e = json_array_get_object_element (json_object_get_array_member (o, "exceptions"), 0);
	g_assert_cmpstr (json_object_get_string_member (e, "originalStart"), ==,
			 "2026-05-14T08:30:00Z");
}

/* cut anywhere, the blob is refused or read; never read past its end */
static void
test_truncated (void)
{
	g_autoptr(GByteArray) blob = monthly_blob ();
	for (guint n = 0; n < blob->len; n++) {
		g_autoptr(GByteArray) cut = g_byte_array_new ();
		g_autoptr(JsonObject) o = NULL;
		g_byte_array_append (cut, blob->data, n);
		o = parse (cut, NULL, 0);
		/* everything up to the exception list is needed */
		if (n < 100)
			g_assert_null (o);
	}
}

/* the reader's lines were json-glib's text; the provider and the tests compare
 * them, so every byte value (and nesting) must come out as json-glib wrote it */
static void
test_json_as_json_glib (void)
{
	g_autoptr(CsPstJson) ours = cs_pst_json_new ();
	g_autoptr(JsonBuilder) theirs = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *expected = NULL;
	gchar all[256];

	for (guint i = 1; i < 256; i++)
		all[i - 1] = (gchar) i;
	all[255] = '\0';
	cs_pst_json_begin_object (ours);
	json_builder_begin_object (theirs);
	cs_pst_json_set_member_name (ours, all);
	json_builder_set_member_name (theirs, all);
	cs_pst_json_add_string_value (ours, all);
	json_builder_add_string_value (theirs, all);
	cs_pst_json_set_member_name (ours, "list");
	json_builder_set_member_name (theirs, "list");
	cs_pst_json_begin_array (ours);
	json_builder_begin_array (theirs);
	cs_pst_json_add_int_value (ours, G_MININT64);
	json_builder_add_int_value (theirs, G_MININT64);
	cs_pst_json_add_boolean_value (ours, FALSE);
	json_builder_add_boolean_value (theirs, FALSE);
	cs_pst_json_begin_object (ours);
	json_builder_begin_object (theirs);
	cs_pst_json_end_object (ours);
	json_builder_end_object (theirs);
	cs_pst_json_begin_array (ours);
	json_builder_begin_array (theirs);
	cs_pst_json_add_string_value (ours, "");
	json_builder_add_string_value (theirs, "");
	cs_pst_json_end_array (ours);
	json_builder_end_array (theirs);
	cs_pst_json_end_array (ours);
	json_builder_end_array (theirs);
	cs_pst_json_set_member_name (ours, "yes");
	json_builder_set_member_name (theirs, "yes");
	cs_pst_json_add_boolean_value (ours, TRUE);
	json_builder_add_boolean_value (theirs, TRUE);
	cs_pst_json_end_object (ours);
	json_builder_end_object (theirs);
	root = json_builder_get_root (theirs);
	expected = json_to_string (root, FALSE);
	g_assert_cmpstr (cs_pst_json_get_text (ours, NULL), ==, expected);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/pst/recur/tz", test_tz);
	g_test_add_func ("/pst/recur/monthly-nth", test_monthly);
	g_test_add_func ("/pst/recur/truncated", test_truncated);
	g_test_add_func ("/pst/recur/json-as-json-glib", test_json_as_json_glib);
	return g_test_run ();
}
