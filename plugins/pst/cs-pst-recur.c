/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-pst-recur.h"

/* seconds from 1601-01-01 to 1970-01-01 */
#define EPOCH_1601 G_GINT64_CONSTANT (11644473600)

typedef struct {
	const guint8 *d;
	gsize len;
	gsize pos;
	gboolean bad;
} Cursor;

static guint32
take (Cursor *c, guint n)
{
	guint64 v = 0;
	if (c->bad || c->pos + n > c->len) {
		c->bad = TRUE;
		return 0;
	}
	/* wider fields are skipped over; only their low 32 bits are kept */
	for (guint i = 0; i < n && i < 8; i++)
		v |= (guint64) c->d[c->pos + i] << (8 * i);
	c->pos += n;
	return (guint32) v;
}

static const guint8 *
take_bytes (Cursor *c, gsize n)
{
	const guint8 *p;
	if (c->bad || n > c->len - MIN (c->pos, c->len)) {
		c->bad = TRUE;
		return NULL;
	}
	p = c->d + c->pos;
	c->pos += n;
	return p;
}

/* ---- time zones ------------------------------------------------------- */

gboolean
cs_pst_tz_parse (const guint8 *data, gsize len, CsPstTz *tz)
{
	Cursor c = {data, len, 0, FALSE};

	memset (tz, 0, sizeof *tz);
	tz->bias = (gint32) take (&c, 4);
	tz->standard_bias = (gint32) take (&c, 4);
	tz->daylight_bias = (gint32) take (&c, 4);
	take (&c, 2); /* wStandardYear */
	take (&c, 2); /* SYSTEMTIME: year */
	tz->std_month = (guint16) take (&c, 2);
	tz->std_dow = (guint16) take (&c, 2);
	tz->std_week = (guint16) take (&c, 2);
	tz->std_hour = (guint16) take (&c, 2);
	tz->std_minute = (guint16) take (&c, 2);
	take (&c, 4); /* seconds, milliseconds */
	take (&c, 2); /* wDaylightYear */
	take (&c, 2);
	tz->dst_month = (guint16) take (&c, 2);
	tz->dst_dow = (guint16) take (&c, 2);
	tz->dst_week = (guint16) take (&c, 2);
	tz->dst_hour = (guint16) take (&c, 2);
	tz->dst_minute = (guint16) take (&c, 2);
	return !c.bad && tz->bias > -24 * 60 && tz->bias < 24 * 60 && tz->std_month <= 12 &&
	       tz->dst_month <= 12;
}

/* the local time (seconds since 1970, as if UTC) at which a rule switches in
 * @year: the @week'th (5 = last) @dow of @month at @hour:@minute */
static gint64
transition (gint year, guint month, guint dow, guint week, guint hour, guint minute)
{
	g_autoptr(GDateTime) first = g_date_time_new_utc (year, (gint) month, 1, 0, 0, 0);
	gint days_in_month = g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year);
	gint first_dow, day;

	if (first == NULL)
		return 0;
	first_dow = g_date_time_get_day_of_week (first) % 7; /* 0 = Sunday */
	day = 1 + ((gint) dow - first_dow + 7) % 7 + 7 * ((gint) MIN (week, 5) - 1);
	while (day > days_in_month)
		day -= 7;
	return g_date_time_to_unix (first) + (gint64) (day - 1) * 86400 + hour * 3600 + minute * 60;
}

gint64
cs_pst_tz_local_to_utc (const CsPstTz *tz, gint64 local_sec)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (local_sec);
	gint64 start, end;
	gboolean dst;

	if (tz->dst_month == 0 || tz->std_month == 0 || dt == NULL)
		return local_sec + (gint64) (tz->bias + tz->standard_bias) * 60;
	start = transition (g_date_time_get_year (dt), tz->dst_month, tz->dst_dow, tz->dst_week,
			    tz->dst_hour, tz->dst_minute);
	end = transition (g_date_time_get_year (dt), tz->std_month, tz->std_dow, tz->std_week,
			  tz->std_hour, tz->std_minute);
	/* southern hemisphere: summer spans the new year */
	dst = start < end ? (local_sec >= start && local_sec < end)
			  : (local_sec >= start || local_sec < end);
	return local_sec + (gint64) (tz->bias + (dst ? tz->daylight_bias : tz->standard_bias)) * 60;
}

/* ---- recurrence ------------------------------------------------------- */

typedef struct {
	const CsPstTz *tz;
	gint64 fixed_offset; /* UTC - local, seconds, when there is no tz */
} Clock;

static gint64
local_minutes_to_sec (guint32 minutes)
{
	return (gint64) minutes * 60 - EPOCH_1601;
}

static gint64
to_utc (const Clock *clock, gint64 local_sec)
{
	if (clock->tz != NULL)
		return cs_pst_tz_local_to_utc (clock->tz, local_sec);
	return local_sec + clock->fixed_offset;
}

static gchar *
format_utc (gint64 sec)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (sec);
	return dt != NULL ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static gchar *
format_date (gint64 local_sec)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (local_sec);
	return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : NULL;
}

static void
set_str (CsPstJson *b, const gchar *name, gchar *value /* (transfer full) */)
{
	g_autofree gchar *v = value;
	if (v == NULL)
		return;
	cs_pst_json_set_member_name (b, name);
	cs_pst_json_add_string_value (b, v);
}

static void
set_int (CsPstJson *b, const gchar *name, gint64 value)
{
	cs_pst_json_set_member_name (b, name);
	cs_pst_json_add_int_value (b, value);
}

static const gchar *weekdays[] = {"sunday",   "monday", "tuesday", "wednesday",
				  "thursday", "friday", "saturday"};
static const gchar *indexes[] = {"first", "second", "third", "fourth", "last"};

static void
set_days (CsPstJson *b, guint32 mask)
{
	cs_pst_json_set_member_name (b, "daysOfWeek");
	cs_pst_json_begin_array (b);
	for (guint i = 0; i < 7; i++)
		if (mask & (1u << i))
			cs_pst_json_add_string_value (b, weekdays[i]);
	cs_pst_json_end_array (b);
}

typedef struct {
	gint64 start, end, original; /* local seconds */
	gchar *subject;		     /* (owned) (nullable) */
	gchar *location;	     /* (owned) (nullable) */
	guint16 flags;
} Exception;

#define ARO_SUBJECT	0x0001
#define ARO_MEETINGTYPE 0x0002
#define ARO_REMINDERDELTA 0x0004
#define ARO_REMINDER	0x0008
#define ARO_LOCATION	0x0010
#define ARO_BUSYSTATUS	0x0020
#define ARO_ATTACHMENT	0x0040
#define ARO_SUBTYPE	0x0080
#define ARO_APPTCOLOR	0x0100

static gchar *
ansi_text (const guint8 *p, gsize n)
{
	/* the 8-bit copy is in the writer's code page; the wide copy, when the
	 * extended block has one, replaces it */
	if (p == NULL || n == 0)
		return NULL;
	return g_convert ((const gchar *) p, (gssize) n, "UTF-8", "WINDOWS-1252", NULL, NULL,
			  NULL);
}

static gchar *
wide_text (const guint8 *p, gsize chars)
{
	if (p == NULL || chars == 0)
		return NULL;
	return g_convert ((const gchar *) p, (gssize) chars * 2, "UTF-8", "UTF-16LE", NULL, NULL,
			  NULL);
}

static void
exception_clear (Exception *e)
{
	g_free (e->subject);
	g_free (e->location);
}

gboolean
cs_pst_recur_to_json (const guint8 *data, gsize len, const CsPstTz *tz, gint64 start_utc,
		      CsPstJson *b)
{
	Cursor c = {data, len, 0, FALSE};
	guint16 frequency, pattern_type;
	guint32 period, day_mask = 0, nth = 0, day_of_month = 0, end_type, occurrences, first_dow;
	guint32 n_deleted, n_modified, start_date, end_date, writer2, start_offset;
	guint16 n_exceptions;
	g_autofree guint32 *deleted = NULL;
	g_autoptr(GArray) exceptions = g_array_new (FALSE, TRUE, sizeof (Exception));
	Clock clock = {tz, 0};
	const gchar *type = NULL;
	gint64 interval = 1;
	g_autoptr(GDateTime) series_start = NULL;

	g_array_set_clear_func (exceptions, (GDestroyNotify) exception_clear);
	take (&c, 4); /* reader and writer version */
	frequency = (guint16) take (&c, 2);
	pattern_type = (guint16) take (&c, 2);
	if (take (&c, 2) != 0) /* calendar type: only the Gregorian calendar */
		return FALSE;
	take (&c, 4); /* first date time */
	period = take (&c, 4);
	take (&c, 4); /* sliding flag (tasks) */
	switch (pattern_type) {
	case 0x0000: /* day */
		break;
	case 0x0001: /* week */
		day_mask = take (&c, 4);
		break;
	case 0x0002: /* month */
	case 0x0003: /* month end */
		day_of_month = take (&c, 4);
		break;
	case 0x0004: /* month nth */
		day_mask = take (&c, 4);
		nth = take (&c, 4);
		break;
	default:
		return FALSE; /* Hijri calendars */
	}
	end_type = take (&c, 4);
	occurrences = take (&c, 4);
	first_dow = take (&c, 4);
	n_deleted = take (&c, 4);
	if (c.bad || n_deleted > 10000)
		return FALSE;
	deleted = g_new0 (guint32, n_deleted + 1);
	for (guint i = 0; i < n_deleted; i++)
		deleted[i] = take (&c, 4);
	n_modified = take (&c, 4);
	if (c.bad || n_modified > 10000)
		return FALSE;
	for (guint i = 0; i < n_modified; i++)
		take (&c, 4);
	start_date = take (&c, 4);
	end_date = take (&c, 4);
	if (c.bad)
		return FALSE;

	/* the appointment part: times of day and the exceptions */
	take (&c, 4); /* reader version 2 */
	writer2 = take (&c, 4);
	start_offset = take (&c, 4);
	take (&c, 4); /* end offset */
	n_exceptions = (guint16) take (&c, 2);
	if (c.bad)
		return FALSE;
	for (guint i = 0; i < n_exceptions && !c.bad; i++) {
		Exception e = {0};
		guint16 n;
		e.start = local_minutes_to_sec (take (&c, 4));
		e.end = local_minutes_to_sec (take (&c, 4));
		e.original = local_minutes_to_sec (take (&c, 4));
		e.flags = (guint16) take (&c, 2);
		if (e.flags & ARO_SUBJECT) {
			take (&c, 2);
			n = (guint16) take (&c, 2);
			e.subject = ansi_text (take_bytes (&c, n), n);
		}
		if (e.flags & ARO_MEETINGTYPE)
			take (&c, 4);
		if (e.flags & ARO_REMINDERDELTA)
			take (&c, 4);
		if (e.flags & ARO_REMINDER)
			take (&c, 4);
		if (e.flags & ARO_LOCATION) {
			take (&c, 2);
			n = (guint16) take (&c, 2);
			e.location = ansi_text (take_bytes (&c, n), n);
		}
		if (e.flags & ARO_BUSYSTATUS)
			take (&c, 4);
		if (e.flags & ARO_ATTACHMENT)
			take (&c, 4);
		if (e.flags & ARO_SUBTYPE)
			take (&c, 4);
		if (e.flags & ARO_APPTCOLOR)
			take (&c, 4);
		g_array_append_val (exceptions, e);
	}
	take_bytes (&c, take (&c, 4)); /* reserved block 1 */
	if (c.bad)
		return FALSE;
	/* the extended exceptions carry the wide (Unicode) subject and location;
	 * a writer that left them out still gave us the 8-bit ones */
	for (guint i = 0; i < exceptions->len; i++) {
		Cursor save = c;
		Exception *e = &g_array_index (exceptions, Exception, i);
		if (writer2 >= 0x3009) {
			guint32 size = take (&c, 4);
			take_bytes (&c, size);
		}
		take_bytes (&c, take (&c, 4)); /* reserved EE1 */
		if (e->flags & (ARO_SUBJECT | ARO_LOCATION)) {
			take_bytes (&c, 12); /* start, end, original start: already read */
			if (e->flags & ARO_SUBJECT) {
				guint16 n = (guint16) take (&c, 2);
				gchar *s = wide_text (take_bytes (&c, (gsize) n * 2), n);
				if (s != NULL) {
					g_free (e->subject);
					e->subject = s;
				}
			}
			if (e->flags & ARO_LOCATION) {
				guint16 n = (guint16) take (&c, 2);
				gchar *s = wide_text (take_bytes (&c, (gsize) n * 2), n);
				if (s != NULL) {
					g_free (e->location);
					e->location = s;
				}
			}
			take_bytes (&c, take (&c, 4)); /* reserved EE2 */
		}
		if (c.bad) {
			c = save;
			break;
		}
	}

	/* without a zone rule: the offset of the first occurrence throughout */
	clock.fixed_offset =
	    start_utc - (local_minutes_to_sec (start_date) + (gint64) start_offset * 60);
	if (ABS (clock.fixed_offset) > 14 * 3600)
		clock.fixed_offset = 0;

	switch (frequency) {
	case 0x200A: /* daily: every N days, or every weekday */
		if (pattern_type == 0x0001) {
			type = "weekly";
			interval = MAX (period, 1);
		} else {
			type = "daily";
			interval = MAX (period / 1440, 1);
		}
		break;
	case 0x200B:
		type = "weekly";
		interval = MAX (period, 1);
		break;
	case 0x200C:
		type = pattern_type == 0x0004 ? "relativeMonthly" : "absoluteMonthly";
		interval = MAX (period, 1);
		break;
	case 0x200D:
		type = pattern_type == 0x0004 ? "relativeYearly" : "absoluteYearly";
		interval = MAX (period / 12, 1);
		break;
	default:
		return FALSE;
	}
	series_start = g_date_time_new_from_unix_utc (local_minutes_to_sec (start_date));
	if (series_start == NULL)
		return FALSE;

	cs_pst_json_set_member_name (b, "pattern");
	cs_pst_json_begin_object (b);
	set_str (b, "type", g_strdup (type));
	set_int (b, "interval", interval);
	if (day_mask != 0)
		set_days (b, day_mask);
	if (pattern_type == 0x0002)
		set_int (b, "dayOfMonth", day_of_month);
	else if (pattern_type == 0x0003)
		set_int (b, "dayOfMonth", 31); /* the last day, whatever the month */
	if (frequency == 0x200D)
		set_int (b, "month", g_date_time_get_month (series_start));
	if (pattern_type == 0x0004 && nth >= 1 && nth <= 5)
		set_str (b, "index", g_strdup (indexes[nth - 1]));
	set_str (b, "firstDayOfWeek", g_strdup (weekdays[first_dow % 7]));
	cs_pst_json_end_object (b);

	cs_pst_json_set_member_name (b, "range");
	cs_pst_json_begin_object (b);
	set_str (b, "startDate", format_date (local_minutes_to_sec (start_date)));
	if (end_type == 0x2021) {
		set_str (b, "type", g_strdup ("endDate"));
		set_str (b, "endDate", format_date (local_minutes_to_sec (end_date)));
	} else if (end_type == 0x2022) {
		set_str (b, "type", g_strdup ("numbered"));
		set_int (b, "numberOfOccurrences", occurrences);
	} else {
		set_str (b, "type", g_strdup ("noEnd"));
	}
	cs_pst_json_end_object (b);

	cs_pst_json_set_member_name (b, "exceptions");
	cs_pst_json_begin_array (b);
	/* a deleted date that no exception moved elsewhere is a cancelled one */
	for (guint i = 0; i < n_deleted; i++) {
		gint64 day = local_minutes_to_sec (deleted[i]);
		gboolean modified = FALSE;
		for (guint k = 0; k < exceptions->len && !modified; k++) {
			Exception *e = &g_array_index (exceptions, Exception, k);
			modified = e->original - (e->original % 86400) == day;
		}
		if (modified)
			continue;
		cs_pst_json_begin_object (b);
		set_str (b, "originalStart", format_utc (to_utc (&clock, day + start_offset * 60)));
		cs_pst_json_set_member_name (b, "deleted");
		cs_pst_json_add_boolean_value (b, TRUE);
		cs_pst_json_end_object (b);
	}
	for (guint k = 0; k < exceptions->len; k++) {
		Exception *e = &g_array_index (exceptions, Exception, k);
		cs_pst_json_begin_object (b);
		set_str (b, "originalStart", format_utc (to_utc (&clock, e->original)));
		set_str (b, "start", format_utc (to_utc (&clock, e->start)));
		set_str (b, "end", format_utc (to_utc (&clock, e->end)));
		if (e->subject != NULL)
			set_str (b, "subject", g_strdup (e->subject));
		if (e->location != NULL)
			set_str (b, "location", g_strdup (e->location));
		cs_pst_json_end_object (b);
	}
	cs_pst_json_end_array (b);
	return TRUE;
}
