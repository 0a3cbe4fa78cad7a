/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "emu-graph-private.h"
#include "engine/cs-timezone.h"

/*
 * Recurring series: a seriesMaster carries the patternedRecurrence; its
 * occurrences are computed, never stored. An occurrence's id is the master's
 * id and its date (`{master}_YYYYMMDD`). PATCH on an occurrence stores an
 * exception (type "exception", seriesMasterId, originalStart); DELETE adds
 * its date to the master's cancelledOccurrences ("OID.{master}.YYYY-MM-DD",
 * returned when $select asks for it). Either change is a change of the
 * master too, so a delta reports the series again.
 */

#define MAX_DAYS (366 * 30)

static gint
weekday_index (const gchar *name)
{
	static const gchar *days[] = {"monday", "tuesday", "wednesday", "thursday",
				      "friday", "saturday", "sunday"};
	for (guint i = 0; i < G_N_ELEMENTS (days); i++) {
		if (g_strcmp0 (days[i], name) == 0)
			return (gint) i + 1; /* GDateWeekday */
	}
	return 0;
}

static gboolean
has_day (JsonArray *dows, GDateWeekday wd)
{
	for (guint i = 0; dows != NULL && i < json_array_get_length (dows); i++) {
		if (weekday_index (json_array_get_string_element (dows, i)) == (gint) wd)
			return TRUE;
	}
	return FALSE;
}

static gboolean
relative_match (const GDate *d, JsonArray *dows, const gchar *index)
{
	guint day = g_date_get_day (d);
	guint dim = g_date_get_days_in_month (g_date_get_month (d), g_date_get_year (d));
	if (!has_day (dows, g_date_get_weekday (d)))
		return FALSE;
	if (g_strcmp0 (index, "last") == 0)
		return day + 7 > dim;
	if (g_strcmp0 (index, "second") == 0)
		return (day - 1) / 7 == 1;
	if (g_strcmp0 (index, "third") == 0)
		return (day - 1) / 7 == 2;
	if (g_strcmp0 (index, "fourth") == 0)
		return (day - 1) / 7 == 3;
	return (day - 1) / 7 == 0;
}

static gboolean
pattern_match (JsonObject *p, const GDate *start, const GDate *d)
{
	const gchar *type = json_object_get_string_member_with_default (p, "type", "");
	gint64 interval = MAX (1, json_object_get_int_member_with_default (p, "interval", 1));
	JsonArray *dows = graph_obj_array (p, "daysOfWeek");
	gint months = (g_date_get_year (d) - g_date_get_year (start)) * 12 +
		      (gint) g_date_get_month (d) - (gint) g_date_get_month (start);
	gint years = g_date_get_year (d) - g_date_get_year (start);
	gint64 dom = json_object_get_int_member_with_default (p, "dayOfMonth", 0);
	gint64 month = json_object_get_int_member_with_default (p, "month", 0);
	const gchar *index = json_object_get_string_member_with_default (p, "index", "first");

	if (g_str_equal (type, "daily"))
		return g_date_days_between (start, d) % interval == 0;
	if (g_str_equal (type, "weekly")) {
		gint fdow = weekday_index (
		    json_object_get_string_member_with_default (p, "firstDayOfWeek", "sunday"));
		GDate ws = *start, wd = *d;
		g_date_subtract_days (&ws, (guint) (((gint) g_date_get_weekday (start) - fdow + 7) % 7));
		g_date_subtract_days (&wd, (guint) (((gint) g_date_get_weekday (d) - fdow + 7) % 7));
		return has_day (dows, g_date_get_weekday (d)) &&
		       (g_date_days_between (&ws, &wd) / 7) % interval == 0;
	}
	if (g_str_equal (type, "absoluteMonthly"))
		return (gint64) g_date_get_day (d) == dom && months % interval == 0;
	if (g_str_equal (type, "relativeMonthly"))
		return relative_match (d, dows, index) && months % interval == 0;
	if (g_str_equal (type, "absoluteYearly"))
		return (gint64) g_date_get_month (d) == month && (gint64) g_date_get_day (d) == dom &&
		       years % interval == 0;
	if (g_str_equal (type, "relativeYearly"))
		return (gint64) g_date_get_month (d) == month && relative_match (d, dows, index) &&
		       years % interval == 0;
	return FALSE;
}

static gboolean
parse_date (const gchar *s, GDate *d)
{
	gint y, m, day;
	if (s == NULL || sscanf (s, "%4d-%2d-%2d", &y, &m, &day) != 3 ||
	    !g_date_valid_dmy ((GDateDay) day, (GDateMonth) m, (GDateYear) y))
		return FALSE;
	g_date_clear (d, 1);
	g_date_set_dmy (d, (GDateDay) day, (GDateMonth) m, (GDateYear) y);
	return TRUE;
}

/* UTC start of the occurrence on @date: the master's wall-clock time there */
gint64
graph_series_occurrence_start (JsonObject *master, const gchar *date)
{
	JsonObject *s = graph_obj_object (master, "start");
	const gchar *dt = json_object_get_string_member_with_default (s, "dateTime", "");
	g_autofree gchar *local = NULL;
	g_autofree gchar *utc = NULL;
	g_autoptr(GTimeZone) z = g_time_zone_new_utc ();
	g_autoptr(GDateTime) t = NULL;
	if (strlen (dt) < 19)
		return G_MININT64;
	local = json_object_has_member (master, "_sd") ? g_strdup_printf ("%sT00:00:00", date)
						       : g_strdup_printf ("%sT%.8s", date, dt + 11);
	utc = json_object_has_member (master, "_sd")
		  ? g_strdup_printf ("%sT00:00:00Z", date)
		  : cs_timezone_local_to_utc (json_object_get_string_member (s, "timeZone"), local);
	t = utc != NULL ? g_date_time_new_from_iso8601 (utc, z) : NULL;
	return t != NULL ? g_date_time_to_unix (t) : G_MININT64;
}

/**
 * graph_series_expand:
 * Returns: (transfer full) (element-type utf8): the dates (YYYY-MM-DD) of
 *   the occurrences starting in [@ws, @we), cancelled ones included
 */
GPtrArray *
graph_series_expand (JsonObject *master, gint64 ws, gint64 we)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	JsonObject *rec = graph_obj_object (master, "recurrence");
	JsonObject *p = graph_obj_object (rec, "pattern");
	JsonObject *r = graph_obj_object (rec, "range");
	const gchar *rtype = json_object_get_string_member_with_default (r, "type", "noEnd");
	gint64 count = json_object_get_int_member_with_default (r, "numberOfOccurrences", 0);
	GDate start, end, d;
	gboolean has_end;
	gint64 n = 0;

	if (p == NULL || !parse_date (json_object_get_string_member_with_default (r, "startDate", NULL),
				      &start))
		return out;
	has_end = g_str_equal (rtype, "endDate") &&
		  parse_date (json_object_get_string_member_with_default (r, "endDate", NULL), &end);
	d = start;
	for (guint i = 0; i < MAX_DAYS; i++, g_date_add_days (&d, 1)) {
		gchar buf[16];
		gint64 t;
		if (has_end && g_date_compare (&d, &end) > 0)
			break;
		if (!pattern_match (p, &start, &d))
			continue;
		if (g_str_equal (rtype, "numbered") && ++n > count)
			break;
		g_date_strftime (buf, sizeof buf, "%Y-%m-%d", &d);
		t = graph_series_occurrence_start (master, buf);
		if (t >= we)
			break;
		if (t >= ws)
			g_ptr_array_add (out, g_strdup (buf));
	}
	return out;
}

/* "AAkAL…_20270315" → master id and "2027-03-15" */
gboolean
graph_series_split_id (const gchar *id, gchar **master, gchar **date)
{
	const gchar *us = strrchr (id, '_');
	if (us == NULL || strlen (us + 1) != 8 || strspn (us + 1, "0123456789") != 8)
		return FALSE;
	*master = g_strndup (id, (gsize) (us - id));
	*date = g_strdup_printf ("%.4s-%.2s-%.2s", us + 1, us + 5, us + 7);
	return TRUE;
}

gchar *
graph_series_occurrence_id (const gchar *master, const gchar *date)
{
	return g_strdup_printf ("%s_%.4s%.2s%.2s", master, date, date + 5, date + 8);
}

gboolean
graph_series_is_cancelled (JsonObject *master, const gchar *date)
{
	JsonArray *c = graph_obj_array (master, "_cancelled");
	for (guint i = 0; c != NULL && i < json_array_get_length (c); i++) {
		if (g_strcmp0 (json_array_get_string_element (c, i), date) == 0)
			return TRUE;
	}
	return FALSE;
}

void
graph_series_cancel (JsonObject *master, const gchar *date)
{
	JsonArray *c = graph_obj_array (master, "_cancelled");
	if (graph_series_is_cancelled (master, date))
		return;
	if (c == NULL) {
		c = json_array_new ();
		json_object_set_array_member (master, "_cancelled", c);
	}
	json_array_add_string_element (c, date);
}
