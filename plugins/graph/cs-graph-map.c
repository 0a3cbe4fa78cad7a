/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-graph-map.h"
#include "cs-json-doc.h"

/*
 * Conventions (data/schemas/README.md): times are UTC "…Z", dates
 * "YYYY-MM-DD", an all-day event holds dates (end exclusive), the event's zone
 * is an IANA name. Graph is asked for UTC (Prefer: outlook.timezone="UTC")
 * and text bodies; its Windows zone names are converted here.
 */

typedef struct {
	const gchar *field;  /* outlook.json */
	const gchar *graph;  /* Graph property */
} Pair;

static const Pair contact_strings[] = {
    {"givenName", "givenName"},
    {"middleName", "middleName"},
    {"surname", "surname"},
    {"generation", "generation"},
    {"title", "title"},
    {"nickName", "nickName"},
    {"displayName", "displayName"},
    {"fileAs", "fileAs"},
    {"companyName", "companyName"},
    {"department", "department"},
    {"jobTitle", "jobTitle"},
    {"profession", "profession"},
    {"officeLocation", "officeLocation"},
    {"manager", "manager"},
    {"assistantName", "assistantName"},
    {"spouseName", "spouseName"},
    {"businessHomePage", "businessHomePage"},
    {"mobilePhone", "mobilePhone"},
    {"notes", "personalNotes"},
};

/* outlook.json field prefix → Graph physicalAddress property */
static const Pair addresses[] = {
    {"business", "businessAddress"},
    {"home", "homeAddress"},
    {"other", "otherAddress"},
};
static const Pair address_parts[] = {
    {"Street", "street"},
    {"City", "city"},
    {"State", "state"},
    {"PostalCode", "postalCode"},
    {"Country", "countryOrRegion"},
};

/* MAPI properties Graph v1.0 has no property for, as extended properties
 * (spec 4.1): outlook.json field ↔ "{type} {tag}" */
static const Pair contact_extended[] = {
    {"primaryPhone", "String 0x3A1A"},
    {"businessFax", "String 0x3A24"},
    {"homeFax", "String 0x3A25"},
    {"gender", "Short 0x3A4D"},
};
static const gchar *const genders[] = {"unspecified", "female", "male"};

/* ------------------------------------------------------------ helpers */

/* Graph's items are read as CsJsonDoc values: a delta page of a thousand
 * contacts is a few allocations, where a json-glib tree was a hash table and
 * a list per object (cs_graph_map_to_record() takes a JsonObject still, for
 * the single items read with a GET). Every accessor answers NULL for a
 * value of another type, and takes NULL. */

static const CsJsonVal *
obj_member (const CsJsonVal *o, const gchar *name)
{
	return cs_json_val_object (o, name);
}

static const CsJsonVal *
arr_member (const CsJsonVal *o, const gchar *name)
{
	return cs_json_val_array (o, name);
}

static const gchar *
str_member (const CsJsonVal *o, const gchar *name)
{
	return cs_json_val_string (o, name);
}

/* a member that is there, null included */
static gboolean
has_member (const CsJsonVal *o, const gchar *name)
{
	return cs_json_val_member (o, name) != NULL;
}

static gboolean
bool_member (const CsJsonVal *o, const gchar *name, gboolean fallback)
{
	return cs_json_val_get_boolean (cs_json_val_member (o, name), fallback);
}

static guint
length_of (const CsJsonVal *a)
{
	return cs_json_val_get_length (a);
}

/* the date of a dateTime: its first 10 bytes, when they are text (cutting
 * through a multi-byte character would make invalid UTF-8) */
static gchar *
date_part (const gchar *dt)
{
	gchar *d = dt != NULL ? g_strndup (dt, 10) : NULL;
	if (d != NULL && !g_utf8_validate (d, -1, NULL))
		g_clear_pointer (&d, g_free);
	return d;
}

/* empty strings are no value: Outlook does not tell "" from unset */
static void
set_str (CsRecord *r, const gchar *field, const gchar *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	if (g_utf8_validate (value, -1, NULL)) {
		cs_record_set_string (r, field, value);
	} else {
		/* a damaged answer: keep the text, U+FFFD for the bad bytes */
		g_autofree gchar *valid = g_utf8_make_valid (value, -1);
		cs_record_set_string (r, field, valid);
	}
}

static void
set_bool_member (CsRecord *r, const gchar *field, const CsJsonVal *o, const gchar *name)
{
	const CsJsonVal *n = cs_json_val_member (o, name);
	if (cs_json_val_is (n, CS_JSON_BOOLEAN))
		cs_record_set_bool (r, field, cs_json_val_get_boolean (n, FALSE));
}

/* an element of a list of text: a string, or an emailAddress's address */
static const gchar *
element_string (const CsJsonVal *n)
{
	if (cs_json_val_is (n, CS_JSON_STRING))
		return cs_json_val_get_string (n);
	return str_member (n, "address");
}

static const gchar *
array_string (const CsJsonVal *a, guint i)
{
	return element_string (cs_json_val_index (a, i));
}

static void
set_list (CsRecord *r, const gchar *field, const CsJsonVal *a)
{
	GVariantBuilder b;
	g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
	for (const CsJsonVal *c = cs_json_val_first (a); c != NULL; c = cs_json_val_next (a, c)) {
		const gchar *s = element_string (c);
		if (s != NULL)
			g_variant_builder_add (&b, "s", s);
	}
	cs_record_set_field (r, field, g_variant_builder_end (&b));
}

/* an event's attendees as the Outlook schema holds them: their addresses
 * (what finds a CRM person), resources left out; nothing when there are none */
static void
set_attendees (CsRecord *r, const CsJsonVal *a)
{
	GVariantBuilder b;
	guint n = 0;
	g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
	for (const CsJsonVal *at = cs_json_val_first (a); at != NULL; at = cs_json_val_next (a, at)) {
		const gchar *addr = str_member (obj_member (at, "emailAddress"), "address");
		if (addr == NULL || addr[0] == '\0' ||
		    g_strcmp0 (str_member (at, "type"), "resource") == 0)
			continue;
		g_variant_builder_add (&b, "s", addr);
		n++;
	}
	if (n > 0)
		cs_record_set_field (r, "attendees", g_variant_builder_end (&b));
	else
		g_variant_builder_clear (&b);
}

static const gchar *
rec_str (const CsRecord *r, const gchar *field)
{
	const gchar *s = cs_record_get_string (r, field);
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static JsonArray *
list_to_json (const CsRecord *r, const gchar *field)
{
	GVariant *v = cs_record_get_field (r, field);
	JsonArray *a = json_array_new ();
	if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY)) {
		g_autofree const gchar **strv = g_variant_get_strv (v, NULL);
		for (guint i = 0; strv[i] != NULL; i++)
			json_array_add_string_element (a, strv[i]);
	}
	return a;
}

/* "2025-03-01T00:00:00.0000000" in zone → UTC "…Z" */
static gchar *
dtz_to_utc (const CsJsonVal *dtz)
{
	const gchar *dt = str_member (dtz, "dateTime");
	const gchar *tz = str_member (dtz, "timeZone");
	if (dt == NULL)
		return NULL;
	return cs_timezone_local_to_utc (tz != NULL ? tz : "UTC", dt);
}

static JsonObject *
dtz_new (const gchar *date_time, const gchar *zone)
{
	JsonObject *o = json_object_new ();
	json_object_set_string_member (o, "dateTime", date_time);
	json_object_set_string_member (o, "timeZone", zone);
	return o;
}

/* Graph takes IANA names as well as Windows ones (spec 3.1); the IANA name
 * keeps the city (Windows' "Romance Standard Time" is Copenhagen and Paris
 * alike), so the zone comes back as it was written */
static const gchar *
graph_zone (const gchar *iana)
{
	return iana;
}

static gchar *
body_text (const CsJsonVal *item)
{
	const CsJsonVal *body = obj_member (item, "body");
	const gchar *content = str_member (body, "content");
	const gchar *type = str_member (body, "contentType");
	if (content == NULL)
		return NULL;
	/* we ask for text; a server that sends HTML anyway gets its tags dropped */
	if (type != NULL && g_ascii_strcasecmp (type, "html") == 0) {
		GString *s = g_string_new (NULL);
		gboolean tag = FALSE;
		for (const gchar *p = content; *p != '\0'; p++) {
			if (*p == '<')
				tag = TRUE;
			else if (*p == '>')
				tag = FALSE;
			else if (!tag)
				g_string_append_c (s, *p);
		}
		return g_strstrip (g_string_free (s, FALSE));
	}
	return g_strdup (content);
}

static JsonObject *
text_body (const gchar *text)
{
	JsonObject *o = json_object_new ();
	json_object_set_string_member (o, "contentType", "text");
	json_object_set_string_member (o, "content", text != NULL ? text : "");
	return o;
}

static void
set_time (CsRecord *r, const gchar *field, const gchar *iso)
{
	g_autofree gchar *norm = cs_time_normalize (iso);
	if (norm != NULL)
		cs_record_set_string (r, field, norm);
}

/* ----------------------------------------------------------- contact */

/* birthdays are days: Outlook may keep them as local midnight in UTC
 * (the evening before), so half a day rounds to the nearer date */
static gchar *
birthday_date (const gchar *iso)
{
	gint64 usec;
	g_autoptr(GDateTime) dt = NULL;
	if (!cs_time_parse (iso, &usec))
		return NULL;
	dt = g_date_time_new_from_unix_utc ((usec / G_USEC_PER_SEC) + 12 * 3600);
	return g_date_time_format (dt, "%Y-%m-%d");
}

static void
contact_to_record (const CsJsonVal *item, CsRecord *r)
{
	const CsJsonVal *mails = arr_member (item, "emailAddresses");
	const CsJsonVal *biz = arr_member (item, "businessPhones");
	const CsJsonVal *home = arr_member (item, "homePhones");

	for (guint i = 0; i < G_N_ELEMENTS (contact_strings); i++)
		set_str (r, contact_strings[i].field, str_member (item, contact_strings[i].graph));
	set_str (r, "email1", array_string (mails, 0));
	set_str (r, "email2", array_string (mails, 1));
	set_str (r, "email3", array_string (mails, 2));
	set_str (r, "imAddress", array_string (arr_member (item, "imAddresses"), 0));
	set_str (r, "businessPhone", array_string (biz, 0));
	set_str (r, "businessPhone2", array_string (biz, 1));
	set_str (r, "homePhone", array_string (home, 0));
	set_str (r, "homePhone2", array_string (home, 1));
	for (guint a = 0; a < G_N_ELEMENTS (addresses); a++) {
		const CsJsonVal *addr = obj_member (item, addresses[a].graph);
		for (guint p = 0; addr != NULL && p < G_N_ELEMENTS (address_parts); p++) {
			g_autofree gchar *field = g_strconcat (addresses[a].field,
							       address_parts[p].field, NULL);
			set_str (r, field, str_member (addr, address_parts[p].graph));
		}
	}
	if (str_member (item, "birthday") != NULL) {
		g_autofree gchar *day = birthday_date (str_member (item, "birthday"));
		set_str (r, "birthday", day);
	}
	if (length_of (arr_member (item, "categories")) > 0)
		set_list (r, "categories", arr_member (item, "categories"));
}

static void
add_nonempty (JsonArray *a, const gchar *s)
{
	if (s != NULL)
		json_array_add_string_element (a, s);
}

/* the whole contact: updates send every mapped property, so that a field
 * emptied on the other side is emptied here too */
static JsonObject *
contact_from_record (const CsRecord *r)
{
	JsonObject *o = json_object_new ();
	JsonArray *mails = json_array_new ();
	JsonArray *biz = json_array_new ();
	JsonArray *home = json_array_new ();
	JsonArray *im = json_array_new ();
	const gchar *names[] = {"email1", "email2", "email3"};

	for (guint i = 0; i < G_N_ELEMENTS (contact_strings); i++) {
		const gchar *v = rec_str (r, contact_strings[i].field);
		if (v != NULL)
			json_object_set_string_member (o, contact_strings[i].graph, v);
		else
			json_object_set_null_member (o, contact_strings[i].graph);
	}
	/* Graph computes displayName when it is left out; null would clear it */
	if (rec_str (r, "displayName") == NULL)
		json_object_remove_member (o, "displayName");
	for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
		const gchar *v = rec_str (r, names[i]);
		if (v != NULL) {
			JsonObject *m = json_object_new ();
			json_object_set_string_member (m, "address", v);
			json_object_set_string_member (m, "name", v);
			json_array_add_object_element (mails, m);
		}
	}
	json_object_set_array_member (o, "emailAddresses", mails);
	add_nonempty (biz, rec_str (r, "businessPhone"));
	add_nonempty (biz, rec_str (r, "businessPhone2"));
	json_object_set_array_member (o, "businessPhones", biz);
	add_nonempty (home, rec_str (r, "homePhone"));
	add_nonempty (home, rec_str (r, "homePhone2"));
	json_object_set_array_member (o, "homePhones", home);
	add_nonempty (im, rec_str (r, "imAddress"));
	json_object_set_array_member (o, "imAddresses", im);
	for (guint a = 0; a < G_N_ELEMENTS (addresses); a++) {
		JsonObject *addr = json_object_new ();
		for (guint p = 0; p < G_N_ELEMENTS (address_parts); p++) {
			g_autofree gchar *field = g_strconcat (addresses[a].field,
							       address_parts[p].field, NULL);
			const gchar *v = rec_str (r, field);
			json_object_set_string_member (addr, address_parts[p].graph,
						       v != NULL ? v : "");
		}
		json_object_set_object_member (o, addresses[a].graph, addr);
	}
	if (rec_str (r, "birthday") != NULL) {
		g_autofree gchar *b = g_strdup_printf ("%.10sT00:00:00Z", rec_str (r, "birthday"));
		json_object_set_string_member (o, "birthday", b);
	} else {
		json_object_set_null_member (o, "birthday");
	}
	json_object_set_array_member (o, "categories", list_to_json (r, "categories"));
	{
		JsonArray *ext = json_array_new ();
		for (guint i = 0; i < G_N_ELEMENTS (contact_extended); i++) {
			JsonObject *e = json_object_new ();
			const gchar *v = rec_str (r, contact_extended[i].field);
			g_autofree gchar *num = NULL;
			if (g_str_equal (contact_extended[i].field, "gender")) {
				guint g = 0;
				for (guint k = 0; v != NULL && k < G_N_ELEMENTS (genders); k++) {
					if (g_str_equal (v, genders[k]))
						g = k;
				}
				v = num = g_strdup_printf ("%u", g);
			}
			json_object_set_string_member (e, "id", contact_extended[i].graph);
			json_object_set_string_member (e, "value", v != NULL ? v : "");
			json_array_add_object_element (ext, e);
		}
		json_object_set_array_member (o, "singleValueExtendedProperties", ext);
	}
	return o;
}

/**
 * cs_graph_map_extended_filter:
 *
 * Returns: the `$expand` value that reads the contact fields kept in
 *   extended properties (delta queries cannot return them)
 */
const gchar *
cs_graph_map_extended_expand (void)
{
	return "singleValueExtendedProperties($filter=id eq 'String 0x3A1A' or id eq "
	       "'String 0x3A24' or id eq 'String 0x3A25' or id eq 'Short 0x3A4D')";
}

/**
 * cs_graph_map_extended_to_record:
 * @item: a contact read with cs_graph_map_extended_expand()
 */
void
cs_graph_map_extended_to_record (JsonObject *item, CsRecord *r)
{
	g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), item);
	g_autoptr(CsJsonDoc) doc = cs_json_doc_new_from_node (node);
	const CsJsonVal *root = cs_json_doc_get_root (doc);
	const CsJsonVal *a = arr_member (root, "singleValueExtendedProperties");
	for (guint f = 0; f < G_N_ELEMENTS (contact_extended); f++)
		cs_record_remove_field (r, contact_extended[f].field);
	for (const CsJsonVal *e = cs_json_val_first (a); e != NULL; e = cs_json_val_next (a, e)) {
		const gchar *id = str_member (e, "id");
		const gchar *v = str_member (e, "value");
		for (guint f = 0; id != NULL && f < G_N_ELEMENTS (contact_extended); f++) {
			if (g_ascii_strcasecmp (id, contact_extended[f].graph) != 0)
				continue;
			if (g_str_equal (contact_extended[f].field, "gender")) {
				guint64 g = 0;
				if (v != NULL && g_ascii_string_to_unsigned (v, 10, 1, 2, &g, NULL))
					cs_record_set_string (r, "gender", genders[g]);
			} else {
				set_str (r, contact_extended[f].field, v);
			}
		}
	}
}

/* ------------------------------------------------------------- event */

static GVariant *
json_to_vardict_clean (const CsJsonVal *o, gboolean zones)
{
	GVariantBuilder b;
	g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
	for (const CsJsonVal *n = cs_json_val_first (o); n != NULL; n = cs_json_val_next (o, n)) {
		const gchar *m = cs_json_val_get_name (n);
		g_autoptr(GVariant) v = NULL;
		if (cs_json_val_is (n, CS_JSON_NULL) || g_str_has_prefix (m, "@odata"))
			continue;
		if (cs_json_val_is (n, CS_JSON_OBJECT)) {
			v = g_variant_ref_sink (json_to_vardict_clean (n, zones));
		} else if (zones && g_str_equal (m, "recurrenceTimeZone") &&
			   cs_json_val_get_string (n) != NULL) {
			g_autofree gchar *iana = cs_timezone_to_iana (cs_json_val_get_string (n));
			v = iana != NULL ? g_variant_ref_sink (g_variant_new_string (iana))
					 : cs_json_val_to_value (n);
		} else if (cs_json_val_is (n, CS_JSON_STRING) && cs_json_val_get_string (n)[0] == '\0') {
			continue;
		} else {
			v = cs_json_val_to_value (n);
		}
		if (v != NULL && g_utf8_validate (m, -1, NULL))
			g_variant_builder_add (&b, "{sv}", m, v);
	}
	return g_variant_builder_end (&b);
}

static void
event_to_record (const CsJsonVal *item, CsRecord *r)
{
	const CsJsonVal *s = obj_member (item, "start");
	const CsJsonVal *e = obj_member (item, "end");
	gboolean all_day = bool_member (item, "isAllDay", FALSE);
	const gchar *zone = str_member (item, "originalStartTimeZone");
	g_autofree gchar *iana = zone != NULL ? cs_timezone_to_iana (zone) : NULL;
	g_autofree gchar *body = body_text (item);
	const CsJsonVal *rec = obj_member (item, "recurrence");

	set_str (r, "subject", str_member (item, "subject"));
	cs_record_set_bool (r, "isAllDay", all_day);
	if (all_day) {
		/* floating days: the date as Graph shows it, in whatever zone */
		g_autofree gchar *sd = date_part (str_member (s, "dateTime"));
		g_autofree gchar *ed = date_part (str_member (e, "dateTime"));
		set_str (r, "start", sd);
		set_str (r, "end", ed);
	} else {
		g_autofree gchar *su = dtz_to_utc (s);
		g_autofree gchar *eu = dtz_to_utc (e);
		set_str (r, "start", su);
		set_str (r, "end", eu);
	}
	set_str (r, "timeZone", iana);
	set_str (r, "location", str_member (obj_member (item, "location"), "displayName"));
	set_str (r, "body", body);
	set_bool_member (r, "isReminderOn", item, "isReminderOn");
	if (has_member (item, "reminderMinutesBeforeStart"))
		cs_record_set_int (
		    r, "reminderMinutesBeforeStart",
		    cs_json_val_get_int (cs_json_val_member (item, "reminderMinutesBeforeStart"), 0));
	set_str (r, "sensitivity", str_member (item, "sensitivity"));
	set_str (r, "showAs", str_member (item, "showAs"));
	set_str (r, "importance", str_member (item, "importance"));
	set_str (r, "organizer",
		 str_member (obj_member (obj_member (item, "organizer"), "emailAddress"), "address"));
	if (rec != NULL)
		cs_record_set_field (r, "recurrence", json_to_vardict_clean (rec, TRUE));
	if (length_of (arr_member (item, "categories")) > 0)
		set_list (r, "categories", arr_member (item, "categories"));
	set_attendees (r, arr_member (item, "attendees"));
	/* an invitation received: changing the user's copy notifies nobody */
	if (has_member (item, "isOrganizer") && !bool_member (item, "isOrganizer", TRUE))
		cs_record_set_bool (r, "isOrganizer", FALSE);
}

static const gchar *
vardict_str (GVariant *d, const gchar *key)
{
	const gchar *s = NULL;
	if (d != NULL && g_variant_lookup (d, key, "&s", &s) && s[0] != '\0')
		return s;
	return NULL;
}

static gint64
vardict_int (GVariant *d, const gchar *key)
{
	g_autoptr(GVariant) v = d != NULL ? g_variant_lookup_value (d, key, NULL) : NULL;
	if (v == NULL)
		return 0;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
		return g_variant_get_int64 (v);
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
		return g_variant_get_int32 (v);
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
		return (gint64) g_variant_get_double (v);
	return 0;
}

/* patternedRecurrence with only the members its type takes: Graph rejects
 * "any property without a supported value" */
static JsonObject *
recurrence_to_json (GVariant *rec, const gchar *zone, GError **error)
{
	g_autoptr(GVariant) pattern = g_variant_lookup_value (rec, "pattern", G_VARIANT_TYPE_VARDICT);
	g_autoptr(GVariant) range = g_variant_lookup_value (rec, "range", G_VARIANT_TYPE_VARDICT);
	g_autoptr(GVariant) dows = NULL;
	JsonObject *o, *p, *rg;
	const gchar *type = vardict_str (pattern, "type");
	const gchar *rtype = vardict_str (range, "type");
	gboolean weekly, relative, absolute, yearly;

	if (type == NULL || rtype == NULL || vardict_str (range, "startDate") == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("the recurrence has no pattern type, range type or start date"));
		return NULL;
	}
	weekly = g_str_equal (type, "weekly");
	relative = g_str_has_prefix (type, "relative");
	absolute = g_str_has_prefix (type, "absolute");
	yearly = g_str_has_suffix (type, "Yearly");
	p = json_object_new ();
	json_object_set_string_member (p, "type", type);
	json_object_set_int_member (p, "interval", MAX (1, vardict_int (pattern, "interval")));
	dows = g_variant_lookup_value (pattern, "daysOfWeek", NULL);
	if ((weekly || relative) && dows != NULL) {
		JsonArray *a = json_array_new ();
		GVariantIter iter;
		GVariant *child;
		g_variant_iter_init (&iter, dows);
		while ((child = g_variant_iter_next_value (&iter)) != NULL) {
			g_autoptr(GVariant) inner = g_variant_is_of_type (child, G_VARIANT_TYPE_VARIANT)
							? g_variant_get_variant (child)
							: g_variant_ref (child);
			if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
				json_array_add_string_element (a, g_variant_get_string (inner, NULL));
			g_variant_unref (child);
		}
		json_object_set_array_member (p, "daysOfWeek", a);
	}
	if (weekly)
		json_object_set_string_member (p, "firstDayOfWeek",
					       vardict_str (pattern, "firstDayOfWeek") != NULL
						   ? vardict_str (pattern, "firstDayOfWeek")
						   : "sunday");
	if (absolute)
		json_object_set_int_member (p, "dayOfMonth", vardict_int (pattern, "dayOfMonth"));
	if (yearly)
		json_object_set_int_member (p, "month", vardict_int (pattern, "month"));
	if (relative)
		json_object_set_string_member (p, "index", vardict_str (pattern, "index") != NULL
							       ? vardict_str (pattern, "index")
							       : "first");
	rg = json_object_new ();
	json_object_set_string_member (rg, "type", rtype);
	json_object_set_string_member (rg, "startDate", vardict_str (range, "startDate"));
	if (g_ascii_strcasecmp (rtype, "endDate") == 0 && vardict_str (range, "endDate") != NULL)
		json_object_set_string_member (rg, "endDate", vardict_str (range, "endDate"));
	if (g_ascii_strcasecmp (rtype, "numbered") == 0)
		json_object_set_int_member (rg, "numberOfOccurrences",
					    vardict_int (range, "numberOfOccurrences"));
	{
		const gchar *rz = vardict_str (range, "recurrenceTimeZone");
		json_object_set_string_member (rg, "recurrenceTimeZone",
					       graph_zone (rz != NULL ? rz : zone));
	}
	o = json_object_new ();
	json_object_set_object_member (o, "pattern", p);
	json_object_set_object_member (o, "range", rg);
	return o;
}

static JsonObject *
event_from_record (const CsRecord *r, GError **error)
{
	JsonObject *o = json_object_new ();
	const gchar *start = rec_str (r, "start");
	const gchar *end = rec_str (r, "end");
	const gchar *zone = rec_str (r, "timeZone") != NULL ? rec_str (r, "timeZone") : "UTC";
	gboolean all_day = cs_record_get_bool (r, "isAllDay", FALSE);
	g_autofree gchar *iana = cs_timezone_to_iana (zone);
	GVariant *rec = cs_record_get_field (r, "recurrence");

	if (start == NULL || end == NULL) {
		json_object_unref (o);
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("an appointment needs a start and an end"));
		return NULL;
	}
	if (iana == NULL) {
		json_object_unref (o);
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("unknown time zone “%s”"), zone);
		return NULL;
	}
	json_object_set_string_member (o, "subject", rec_str (r, "subject") != NULL
							 ? rec_str (r, "subject")
							 : "");
	json_object_set_boolean_member (o, "isAllDay", all_day);
	if (all_day) {
		g_autofree gchar *sd = g_strdup_printf ("%.10sT00:00:00", start);
		g_autofree gchar *ed = NULL;
		/* a one-day event written as start = end gets its exclusive end */
		if (strncmp (start, end, 10) >= 0) {
			GDate d;
			g_autofree gchar *date = g_strndup (start, 10);
			gchar buf[16];
			g_date_clear (&d, 1);
			g_date_set_parse (&d, date);
			if (!g_date_valid (&d)) {
				json_object_unref (o);
				g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					     _("the all-day appointment's start “%s” is not a date"),
					     start);
				return NULL;
			}
			g_date_add_days (&d, 1);
			g_date_strftime (buf, sizeof buf, "%Y-%m-%d", &d);
			ed = g_strdup_printf ("%sT00:00:00", buf);
		} else {
			ed = g_strdup_printf ("%.10sT00:00:00", end);
		}
		json_object_set_object_member (o, "start", dtz_new (sd, graph_zone (iana)));
		json_object_set_object_member (o, "end", dtz_new (ed, graph_zone (iana)));
	} else {
		g_autofree gchar *sl = cs_timezone_utc_to_local (iana, start);
		g_autofree gchar *el = cs_timezone_utc_to_local (iana, end);
		if (sl == NULL || el == NULL) {
			json_object_unref (o);
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("the appointment's start “%s” or end “%s” is not a time"),
				     start, end);
			return NULL;
		}
		json_object_set_object_member (o, "start", dtz_new (sl, graph_zone (iana)));
		json_object_set_object_member (o, "end", dtz_new (el, graph_zone (iana)));
	}
	if (rec_str (r, "location") != NULL) {
		JsonObject *loc = json_object_new ();
		json_object_set_string_member (loc, "displayName", rec_str (r, "location"));
		json_object_set_object_member (o, "location", loc);
	} else {
		json_object_set_null_member (o, "location");
	}
	json_object_set_object_member (o, "body", text_body (rec_str (r, "body")));
	if (cs_record_has_field (r, "isReminderOn"))
		json_object_set_boolean_member (o, "isReminderOn",
						cs_record_get_bool (r, "isReminderOn", FALSE));
	if (cs_record_has_field (r, "reminderMinutesBeforeStart"))
		json_object_set_int_member (o, "reminderMinutesBeforeStart",
					    cs_record_get_int (r, "reminderMinutesBeforeStart", 15));
	json_object_set_string_member (o, "sensitivity", rec_str (r, "sensitivity") != NULL
							     ? rec_str (r, "sensitivity")
							     : "normal");
	if (rec_str (r, "showAs") != NULL)
		json_object_set_string_member (o, "showAs", rec_str (r, "showAs"));
	if (rec_str (r, "importance") != NULL)
		json_object_set_string_member (o, "importance", rec_str (r, "importance"));
	if (rec != NULL && g_variant_is_of_type (rec, G_VARIANT_TYPE_VARDICT) &&
	    g_variant_n_children (rec) > 0) {
		JsonObject *ro = recurrence_to_json (rec, iana, error);
		if (ro == NULL) {
			json_object_unref (o);
			return NULL;
		}
		json_object_set_object_member (o, "recurrence", ro);
	} else {
		json_object_set_null_member (o, "recurrence");
	}
	json_object_set_array_member (o, "categories", list_to_json (r, "categories"));
	/* never attendees: saving an event with attendees sends invitations */
	return o;
}

/* -------------------------------------------------------------- task */

static void
set_dtz_date (CsRecord *r, const gchar *field, const CsJsonVal *dtz)
{
	const gchar *dt = str_member (dtz, "dateTime");
	if (dt != NULL && strlen (dt) >= 10) {
		g_autofree gchar *d = date_part (dt);
		if (d != NULL)
			cs_record_set_string (r, field, d);
	}
}

static void
task_to_record (const CsJsonVal *item, CsRecord *r)
{
	g_autofree gchar *body = body_text (item);
	g_autofree gchar *reminder = dtz_to_utc (obj_member (item, "reminderDateTime"));

	set_str (r, "subject", str_member (item, "title"));
	set_str (r, "status", str_member (item, "status"));
	set_str (r, "importance", str_member (item, "importance"));
	set_bool_member (r, "isReminderOn", item, "isReminderOn");
	set_str (r, "reminderDateTime", reminder);
	/* To Do keeps due dates as dates (spec 3.5) */
	set_dtz_date (r, "dueDate", obj_member (item, "dueDateTime"));
	set_dtz_date (r, "startDate", obj_member (item, "startDateTime"));
	set_dtz_date (r, "completedDate", obj_member (item, "completedDateTime"));
	set_str (r, "body", body);
	if (length_of (arr_member (item, "categories")) > 0)
		set_list (r, "categories", arr_member (item, "categories"));
}

static void
set_date_dtz (JsonObject *o, const gchar *member, const gchar *date)
{
	if (date != NULL) {
		g_autofree gchar *dt = g_strdup_printf ("%.10sT00:00:00", date);
		json_object_set_object_member (o, member, dtz_new (dt, "UTC"));
	} else {
		json_object_set_null_member (o, member);
	}
}

static JsonObject *
task_from_record (const CsRecord *r)
{
	static const gchar *const statuses[] = {"notStarted", "inProgress", "completed",
						"waitingOnOthers", "deferred", NULL};
	JsonObject *o = json_object_new ();
	const gchar *status = rec_str (r, "status");
	const gchar *reminder = rec_str (r, "reminderDateTime");

	json_object_set_string_member (o, "title", rec_str (r, "subject") != NULL
						       ? rec_str (r, "subject")
						       : "");
	json_object_set_string_member (o, "status",
				       status != NULL && g_strv_contains (statuses, status)
					   ? status
					   : "notStarted");
	json_object_set_string_member (o, "importance", rec_str (r, "importance") != NULL
							    ? rec_str (r, "importance")
							    : "normal");
	json_object_set_object_member (o, "body", text_body (rec_str (r, "body")));
	set_date_dtz (o, "dueDateTime", rec_str (r, "dueDate"));
	set_date_dtz (o, "startDateTime", rec_str (r, "startDate"));
	if (g_strcmp0 (status, "completed") == 0)
		set_date_dtz (o, "completedDateTime", rec_str (r, "completedDate"));
	if (g_strcmp0 (status, "completed") == 0 && rec_str (r, "completedDate") == NULL)
		json_object_remove_member (o, "completedDateTime");
	json_object_set_boolean_member (o, "isReminderOn",
					cs_record_get_bool (r, "isReminderOn", reminder != NULL));
	if (reminder != NULL) {
		g_autofree gchar *norm = cs_time_normalize (reminder);
		g_autofree gchar *local = norm != NULL ? g_strndup (norm, 19) : NULL;
		if (local != NULL)
			json_object_set_object_member (o, "reminderDateTime", dtz_new (local, "UTC"));
	} else {
		json_object_set_null_member (o, "reminderDateTime");
	}
	json_object_set_array_member (o, "categories", list_to_json (r, "categories"));
	return o;
}

/* ------------------------------------------------------------- email */

static void
set_recipients (CsRecord *r, const gchar *addr_field, const gchar *name_field,
		const CsJsonVal *a)
{
	GVariantBuilder addrs, names;
	g_variant_builder_init (&addrs, G_VARIANT_TYPE_STRING_ARRAY);
	g_variant_builder_init (&names, G_VARIANT_TYPE_STRING_ARRAY);
	for (const CsJsonVal *n = cs_json_val_first (a); n != NULL; n = cs_json_val_next (a, n)) {
		const CsJsonVal *ea = obj_member (n, "emailAddress");
		const gchar *addr = str_member (ea, "address");
		const gchar *name = str_member (ea, "name");
		if (addr == NULL)
			continue;
		g_variant_builder_add (&addrs, "s", addr);
		g_variant_builder_add (&names, "s", name != NULL ? name : "");
	}
	cs_record_set_field (r, addr_field, g_variant_builder_end (&addrs));
	cs_record_set_field (r, name_field, g_variant_builder_end (&names));
}

static void
email_to_record (const CsJsonVal *item, CsRecord *r, CsGraphMailDirection direction)
{
	const CsJsonVal *from = obj_member (obj_member (item, "from"), "emailAddress");
	g_autofree gchar *body = body_text (item);

	set_str (r, "messageId", str_member (item, "internetMessageId"));
	set_str (r, "subject", str_member (item, "subject"));
	cs_record_set_string (r, "direction",
			      direction == CS_GRAPH_MAIL_OUTBOUND ? "outbound" : "inbound");
	set_str (r, "fromAddress", str_member (from, "address"));
	set_str (r, "fromName", str_member (from, "name"));
	set_recipients (r, "toAddresses", "toNames", arr_member (item, "toRecipients"));
	set_recipients (r, "ccAddresses", "ccNames", arr_member (item, "ccRecipients"));
	set_time (r, "sentDateTime", str_member (item, "sentDateTime"));
	set_time (r, "receivedDateTime", str_member (item, "receivedDateTime"));
	set_str (r, "body", body);
	set_bool_member (r, "hasAttachments", item, "hasAttachments");
	if (length_of (arr_member (item, "categories")) > 0)
		set_list (r, "categories", arr_member (item, "categories"));
}

/* ---------------------------------------------------------------- API */

/**
 * cs_graph_map_val_to_record:
 * @item: a Graph resource, not a tombstone (a value of a page read as a
 *   CsJsonDoc)
 *
 * Returns: (transfer full): the record, id = the Graph id, version = the
 *   changeKey, modified = lastModifiedDateTime
 */
CsRecord *
cs_graph_map_val_to_record (CsKind kind, const CsJsonVal *item, CsGraphMailDirection direction,
			    GError **error)
{
	const gchar *id = str_member (item, "id");
	const gchar *ck = str_member (item, "changeKey");
	const gchar *modified = str_member (item, "lastModifiedDateTime");
	g_autoptr(CsRecord) r = NULL;
	gint64 usec;

	if (id == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("an item without an id"));
		return NULL;
	}
	r = cs_record_new (kind, id);
	switch (kind) {
	case CS_KIND_CONTACT:
		contact_to_record (item, r);
		break;
	case CS_KIND_EVENT:
		if (obj_member (item, "start") == NULL || obj_member (item, "end") == NULL) {
			g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					     _("an appointment without start or end"));
			return NULL;
		}
		event_to_record (item, r);
		break;
	case CS_KIND_TASK:
		task_to_record (item, r);
		break;
	case CS_KIND_EMAIL:
		email_to_record (item, r, direction);
		break;
	default:
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("Outlook has no %s records"), cs_kind_to_string (kind));
		return NULL;
	}
	/* a changeKey is Outlook's version; To Do has none: use the etag */
	if (ck == NULL)
		ck = str_member (item, "@odata.etag");
	if (ck != NULL)
		cs_record_set_version (r, ck);
	if (modified != NULL && cs_time_parse (modified, &usec))
		cs_record_set_modified (r, usec);
	return g_steal_pointer (&r);
}

/**
 * cs_graph_map_to_record:
 * @item: a Graph resource, not a tombstone
 *
 * As cs_graph_map_val_to_record(), for an item read as a json-glib tree.
 *
 * Returns: (transfer full): the record
 */
CsRecord *
cs_graph_map_to_record (CsKind kind, JsonObject *item, CsGraphMailDirection direction,
			GError **error)
{
	g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), item);
	g_autoptr(CsJsonDoc) doc = cs_json_doc_new_from_node (node);
	return cs_graph_map_val_to_record (kind, cs_json_doc_get_root (doc), direction, error);
}

/**
 * cs_graph_map_from_record:
 * @record: every field of the record (for an update: the current record
 *   with the changes applied), since Graph lists and addresses are written whole
 *
 * Returns: (transfer full): the body of a POST or PATCH
 */
JsonObject *
cs_graph_map_from_record (CsKind kind, const CsRecord *record, GError **error)
{
	switch (kind) {
	case CS_KIND_CONTACT:
		return contact_from_record (record);
	case CS_KIND_EVENT:
		return event_from_record (record, error);
	case CS_KIND_TASK:
		return task_from_record (record);
	default:
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_READ_ONLY,
			     _("%s records cannot be written to Outlook"), cs_kind_to_string (kind));
		return NULL;
	}
}
