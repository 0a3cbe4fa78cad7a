/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cs-timezone.h"

typedef struct {
	const gchar *windows;
	const gchar *iana;
} CsZonePair;

/* first row per Windows name = CLDR territory 001, the zone Windows → IANA
 * gives; further rows only map more IANA names back to that Windows zone */
static const CsZonePair zones[] = {
    {"Dateline Standard Time", "Etc/GMT+12"},
    {"UTC-11", "Etc/GMT+11"},
    {"Hawaiian Standard Time", "Pacific/Honolulu"},
    {"Alaskan Standard Time", "America/Anchorage"},
    {"Pacific Standard Time (Mexico)", "America/Tijuana"},
    {"Pacific Standard Time", "America/Los_Angeles"},
    {"Pacific Standard Time", "America/Vancouver"},
    {"US Mountain Standard Time", "America/Phoenix"},
    {"Mountain Standard Time (Mexico)", "America/Mazatlan"},
    {"Mountain Standard Time", "America/Denver"},
    {"Mountain Standard Time", "America/Edmonton"},
    {"Central America Standard Time", "America/Guatemala"},
    {"Central Standard Time (Mexico)", "America/Mexico_City"},
    {"Central Standard Time", "America/Chicago"},
    {"Central Standard Time", "America/Winnipeg"},
    {"Canada Central Standard Time", "America/Regina"},
    {"SA Pacific Standard Time", "America/Bogota"},
    {"SA Pacific Standard Time", "America/Lima"},
    {"Eastern Standard Time (Mexico)", "America/Cancun"},
    {"Eastern Standard Time", "America/New_York"},
    {"Eastern Standard Time", "America/Toronto"},
    {"US Eastern Standard Time", "America/Indiana/Indianapolis"},
    {"US Eastern Standard Time", "America/Indianapolis"},
    {"Cuba Standard Time", "America/Havana"},
    {"Venezuela Standard Time", "America/Caracas"},
    {"Paraguay Standard Time", "America/Asuncion"},
    {"Atlantic Standard Time", "America/Halifax"},
    {"Central Brazilian Standard Time", "America/Cuiaba"},
    {"SA Western Standard Time", "America/La_Paz"},
    {"Pacific SA Standard Time", "America/Santiago"},
    {"Newfoundland Standard Time", "America/St_Johns"},
    {"E. South America Standard Time", "America/Sao_Paulo"},
    {"Argentina Standard Time", "America/Argentina/Buenos_Aires"},
    {"Argentina Standard Time", "America/Buenos_Aires"},
    {"SA Eastern Standard Time", "America/Cayenne"},
    {"Greenland Standard Time", "America/Nuuk"},
    {"Greenland Standard Time", "America/Godthab"},
    {"Montevideo Standard Time", "America/Montevideo"},
    {"UTC-02", "Etc/GMT+2"},
    {"Azores Standard Time", "Atlantic/Azores"},
    {"Cape Verde Standard Time", "Atlantic/Cape_Verde"},
    {"UTC", "Etc/UTC"},
    {"UTC", "UTC"},
    {"UTC", "Etc/GMT"},
    {"GMT Standard Time", "Europe/London"},
    {"GMT Standard Time", "Europe/Dublin"},
    {"GMT Standard Time", "Europe/Lisbon"},
    {"GMT Standard Time", "Atlantic/Faroe"},
    {"Greenwich Standard Time", "Atlantic/Reykjavik"},
    {"Morocco Standard Time", "Africa/Casablanca"},
    {"W. Europe Standard Time", "Europe/Berlin"},
    {"W. Europe Standard Time", "Europe/Amsterdam"},
    {"W. Europe Standard Time", "Europe/Oslo"},
    {"W. Europe Standard Time", "Europe/Stockholm"},
    {"W. Europe Standard Time", "Europe/Rome"},
    {"W. Europe Standard Time", "Europe/Vienna"},
    {"W. Europe Standard Time", "Europe/Zurich"},
    {"W. Europe Standard Time", "Europe/Luxembourg"},
    {"Central Europe Standard Time", "Europe/Budapest"},
    {"Central Europe Standard Time", "Europe/Prague"},
    {"Central Europe Standard Time", "Europe/Belgrade"},
    {"Central Europe Standard Time", "Europe/Bratislava"},
    {"Central Europe Standard Time", "Europe/Ljubljana"},
    {"Romance Standard Time", "Europe/Paris"},
    {"Romance Standard Time", "Europe/Copenhagen"},
    {"Romance Standard Time", "Europe/Brussels"},
    {"Romance Standard Time", "Europe/Madrid"},
    {"Central European Standard Time", "Europe/Warsaw"},
    {"Central European Standard Time", "Europe/Zagreb"},
    {"Central European Standard Time", "Europe/Sarajevo"},
    {"Central European Standard Time", "Europe/Skopje"},
    {"W. Central Africa Standard Time", "Africa/Lagos"},
    {"Jordan Standard Time", "Asia/Amman"},
    {"GTB Standard Time", "Europe/Bucharest"},
    {"GTB Standard Time", "Europe/Athens"},
    {"Middle East Standard Time", "Asia/Beirut"},
    {"Egypt Standard Time", "Africa/Cairo"},
    {"E. Europe Standard Time", "Europe/Chisinau"},
    {"Syria Standard Time", "Asia/Damascus"},
    {"South Africa Standard Time", "Africa/Johannesburg"},
    {"FLE Standard Time", "Europe/Kyiv"},
    {"FLE Standard Time", "Europe/Kiev"},
    {"FLE Standard Time", "Europe/Helsinki"},
    {"FLE Standard Time", "Europe/Riga"},
    {"FLE Standard Time", "Europe/Sofia"},
    {"FLE Standard Time", "Europe/Tallinn"},
    {"FLE Standard Time", "Europe/Vilnius"},
    {"Israel Standard Time", "Asia/Jerusalem"},
    {"Kaliningrad Standard Time", "Europe/Kaliningrad"},
    {"Arabic Standard Time", "Asia/Baghdad"},
    {"Turkey Standard Time", "Europe/Istanbul"},
    {"Arab Standard Time", "Asia/Riyadh"},
    {"Belarus Standard Time", "Europe/Minsk"},
    {"Russian Standard Time", "Europe/Moscow"},
    {"E. Africa Standard Time", "Africa/Nairobi"},
    {"Iran Standard Time", "Asia/Tehran"},
    {"Arabian Standard Time", "Asia/Dubai"},
    {"Russia Time Zone 3", "Europe/Samara"},
    {"Azerbaijan Standard Time", "Asia/Baku"},
    {"Georgian Standard Time", "Asia/Tbilisi"},
    {"Afghanistan Standard Time", "Asia/Kabul"},
    {"Ekaterinburg Standard Time", "Asia/Yekaterinburg"},
    {"West Asia Standard Time", "Asia/Tashkent"},
    {"Pakistan Standard Time", "Asia/Karachi"},
    {"India Standard Time", "Asia/Kolkata"},
    {"India Standard Time", "Asia/Calcutta"},
    {"Sri Lanka Standard Time", "Asia/Colombo"},
    {"Nepal Standard Time", "Asia/Kathmandu"},
    {"Nepal Standard Time", "Asia/Katmandu"},
    {"Central Asia Standard Time", "Asia/Almaty"},
    {"Bangladesh Standard Time", "Asia/Dhaka"},
    {"N. Central Asia Standard Time", "Asia/Novosibirsk"},
    {"Myanmar Standard Time", "Asia/Yangon"},
    {"Myanmar Standard Time", "Asia/Rangoon"},
    {"SE Asia Standard Time", "Asia/Bangkok"},
    {"SE Asia Standard Time", "Asia/Jakarta"},
    {"North Asia Standard Time", "Asia/Krasnoyarsk"},
    {"China Standard Time", "Asia/Shanghai"},
    {"China Standard Time", "Asia/Hong_Kong"},
    {"North Asia East Standard Time", "Asia/Irkutsk"},
    {"Singapore Standard Time", "Asia/Singapore"},
    {"W. Australia Standard Time", "Australia/Perth"},
    {"Taipei Standard Time", "Asia/Taipei"},
    {"Tokyo Standard Time", "Asia/Tokyo"},
    {"Korea Standard Time", "Asia/Seoul"},
    {"Yakutsk Standard Time", "Asia/Yakutsk"},
    {"Cen. Australia Standard Time", "Australia/Adelaide"},
    {"AUS Central Standard Time", "Australia/Darwin"},
    {"E. Australia Standard Time", "Australia/Brisbane"},
    {"AUS Eastern Standard Time", "Australia/Sydney"},
    {"AUS Eastern Standard Time", "Australia/Melbourne"},
    {"West Pacific Standard Time", "Pacific/Port_Moresby"},
    {"Tasmania Standard Time", "Australia/Hobart"},
    {"Vladivostok Standard Time", "Asia/Vladivostok"},
    {"New Zealand Standard Time", "Pacific/Auckland"},
    {"Fiji Standard Time", "Pacific/Fiji"},
    {"Tonga Standard Time", "Pacific/Tongatapu"},
    {"Samoa Standard Time", "Pacific/Apia"},
    {"Line Islands Standard Time", "Pacific/Kiritimati"},
};

/**
 * cs_timezone_windows_to_iana:
 * Returns: (nullable): the IANA name, %NULL for a name Windows does not have
 */
const gchar *
cs_timezone_windows_to_iana (const gchar *windows)
{
	if (windows == NULL)
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS (zones); i++) {
		if (g_ascii_strcasecmp (zones[i].windows, windows) == 0)
			return zones[i].iana;
	}
	return NULL;
}

/**
 * cs_timezone_iana_to_windows:
 * Returns: (nullable): the Windows name, %NULL when the table has none
 */
const gchar *
cs_timezone_iana_to_windows (const gchar *iana)
{
	if (iana == NULL)
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS (zones); i++) {
		if (g_strcmp0 (zones[i].iana, iana) == 0)
			return zones[i].windows;
	}
	return NULL;
}

/**
 * cs_timezone_to_iana:
 * @name: a Windows or an IANA name
 *
 * Returns: (transfer full) (nullable): the IANA name, %NULL if the system's
 *   time-zone database knows neither
 */
gchar *
cs_timezone_to_iana (const gchar *name)
{
	const gchar *iana;
	g_autoptr(GTimeZone) tz = NULL;

	if (name == NULL || name[0] == '\0')
		return NULL;
	iana = cs_timezone_windows_to_iana (name);
	if (iana != NULL)
		return g_strdup (iana);
	/* an IANA name needs a slash or is UTC: GLib would take "Foo" as UTC */
	if (strchr (name, '/') == NULL && g_strcmp0 (name, "UTC") != 0)
		return NULL;
	tz = g_time_zone_new_identifier (name);
	return tz != NULL ? g_strdup (name) : NULL;
}

static GTimeZone *
zone_new (const gchar *zone)
{
	g_autofree gchar *iana = cs_timezone_to_iana (zone);
	return iana != NULL ? g_time_zone_new_identifier (iana) : NULL;
}

/**
 * cs_timezone_local_to_utc:
 * @zone: Windows or IANA name
 * @local: wall-clock time `YYYY-MM-DDTHH:MM:SS[.fffffff]` in @zone
 *
 * A wall time inside a spring-forward gap is moved past the gap (GLib's
 * choice, the same as Outlook's).
 *
 * Returns: (transfer full) (nullable): `YYYY-MM-DDTHH:MM:SSZ`, %NULL for an
 *   unknown zone or a malformed time
 */
gchar *
cs_timezone_local_to_utc (const gchar *zone, const gchar *local)
{
	g_autoptr(GTimeZone) tz = zone_new (zone);
	g_autoptr(GDateTime) dt = NULL;
	g_autoptr(GDateTime) as_utc = NULL;
	gint y, mo, d, h = 0, mi = 0;
	gdouble s = 0;

	if (tz == NULL || local == NULL ||
	    sscanf (local, "%4d-%2d-%2dT%2d:%2d:%lf", &y, &mo, &d, &h, &mi, &s) < 3)
		return NULL;
	dt = g_date_time_new (tz, y, mo, d, h, mi, (gdouble) (gint) s);
	if (dt == NULL)
		return NULL;
	as_utc = g_date_time_to_utc (dt);
	return g_date_time_format (as_utc, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * cs_timezone_utc_to_local:
 * @utc: any ISO 8601 time with a zone (no zone = UTC)
 *
 * Returns: (transfer full) (nullable): wall-clock `YYYY-MM-DDTHH:MM:SS` in @zone,
 *   %NULL for an unknown zone or a malformed time
 */
gchar *
cs_timezone_utc_to_local (const gchar *zone, const gchar *utc)
{
	g_autoptr(GTimeZone) tz = zone_new (zone);
	g_autoptr(GTimeZone) z = g_time_zone_new_utc ();
	g_autoptr(GDateTime) dt = NULL;
	g_autoptr(GDateTime) local = NULL;

	if (tz == NULL || utc == NULL)
		return NULL;
	dt = g_date_time_new_from_iso8601 (utc, z);
	if (dt == NULL)
		return NULL;
	local = g_date_time_to_timezone (dt, tz);
	return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
}
