/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-graph-private.h"
#include "engine/cs-timezone.h"

/*
 * The resources: contacts (per folder), events (calendar), To Do tasks (per
 * list) and messages (read only: the token has Mail.Read). Writes are
 * validated as the service does: unknown properties, wrong types, bad enums,
 * an all-day event that does not start at midnight, a recurrence with a
 * property its type does not take — 400 with the error JSON.
 */

#define DEFAULT_PAGE 10
#define MAX_PAGE 1000

typedef gboolean (*PropCheck) (JsonNode *node, const gchar *name, gchar **why);

typedef struct {
	const gchar *name;
	PropCheck check;
	const gchar *const *choices;
} PropSpec;

static gboolean
chk_string (JsonNode *n, const gchar *name, gchar **why)
{
	if (JSON_NODE_HOLDS_NULL (n) ||
	    (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING))
		return TRUE;
	*why = g_strdup_printf ("Invalid value for property '%s': a string is expected.", name);
	return FALSE;
}

static gboolean
chk_bool (JsonNode *n, const gchar *name, gchar **why)
{
	if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN)
		return TRUE;
	*why = g_strdup_printf ("Invalid value for property '%s': a boolean is expected.", name);
	return FALSE;
}

static gboolean
chk_int (JsonNode *n, const gchar *name, gchar **why)
{
	if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64 &&
	    json_node_get_int (n) >= 0)
		return TRUE;
	*why = g_strdup_printf ("Invalid value for property '%s': a whole number is expected.",
				name);
	return FALSE;
}

static gboolean
chk_strings (JsonNode *n, const gchar *name, gchar **why)
{
	if (JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (JSON_NODE_HOLDS_ARRAY (n)) {
		JsonArray *a = json_node_get_array (n);
		for (guint i = 0; i < json_array_get_length (a); i++) {
			JsonNode *e = json_array_get_element (a, i);
			if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
				goto bad;
		}
		return TRUE;
	}
bad:
	*why = g_strdup_printf ("Invalid value for property '%s': a list of strings is expected.",
				name);
	return FALSE;
}

static gboolean
chk_object (JsonNode *n, const gchar *name, gchar **why)
{
	if (JSON_NODE_HOLDS_NULL (n) || JSON_NODE_HOLDS_OBJECT (n))
		return TRUE;
	*why = g_strdup_printf ("Invalid value for property '%s': an object is expected.", name);
	return FALSE;
}

static gboolean
chk_array (JsonNode *n, const gchar *name, gchar **why)
{
	if (JSON_NODE_HOLDS_NULL (n) || JSON_NODE_HOLDS_ARRAY (n))
		return TRUE;
	*why = g_strdup_printf ("Invalid value for property '%s': an array is expected.", name);
	return FALSE;
}

static gboolean
chk_dto (JsonNode *n, const gchar *name, gchar **why)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
	g_autoptr(GDateTime) dt = NULL;
	if (JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
		dt = g_date_time_new_from_iso8601 (json_node_get_string (n), utc);
	if (dt != NULL)
		return TRUE;
	*why = g_strdup_printf ("Cannot convert the literal '%s' to the expected type "
				"'Edm.DateTimeOffset'.",
				JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
				    ? json_node_get_string (n)
				    : name);
	return FALSE;
}

static gchar *
dtz_to_utc (JsonObject *o)
{
	const gchar *dt = json_object_get_string_member_with_default (o, "dateTime", NULL);
	const gchar *tz = json_object_get_string_member_with_default (o, "timeZone", NULL);
	return cs_timezone_local_to_utc (tz, dt);
}

/* dateTimeTimeZone: both members, a known zone, a parseable time */
static gboolean
chk_dtz (JsonNode *n, const gchar *name, gchar **why)
{
	JsonObject *o;
	g_autofree gchar *utc = NULL;
	if (JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT (n)) {
		*why = g_strdup_printf ("Invalid value for property '%s': a dateTimeTimeZone is "
					"expected.",
					name);
		return FALSE;
	}
	o = json_node_get_object (n);
	if (!json_object_has_member (o, "dateTime") || !json_object_has_member (o, "timeZone")) {
		*why = g_strdup_printf ("'%s' needs dateTime and timeZone.", name);
		return FALSE;
	}
	utc = dtz_to_utc (o);
	if (utc == NULL) {
		g_autofree gchar *iana = cs_timezone_to_iana (
		    json_object_get_string_member_with_default (o, "timeZone", ""));
		if (iana == NULL)
			*why = g_strdup_printf (
			    "A valid TimeZone value must be specified. The following TimeZone value "
			    "is not supported: '%s'.",
			    json_object_get_string_member_with_default (o, "timeZone", ""));
		else
			*why = g_strdup_printf ("'%s' has an invalid dateTime.", name);
		return FALSE;
	}
	return TRUE;
}

static gboolean
chk_email_addresses (JsonNode *n, const gchar *name, gchar **why)
{
	JsonArray *a;
	if (JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY (n))
		goto bad;
	a = json_node_get_array (n);
	for (guint i = 0; i < json_array_get_length (a); i++) {
		JsonNode *e = json_array_get_element (a, i);
		if (!JSON_NODE_HOLDS_OBJECT (e) ||
		    !json_object_has_member (json_node_get_object (e), "address"))
			goto bad;
	}
	return TRUE;
bad:
	*why = g_strdup_printf ("Invalid value for property '%s': a list of emailAddress "
				"objects with 'address' is expected.",
				name);
	return FALSE;
}

static gboolean
chk_address (JsonNode *n, const gchar *name, gchar **why)
{
	static const gchar *keys[] = {"street", "city", "state", "countryOrRegion", "postalCode"};
	g_autoptr(GList) members = NULL;
	if (JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT (n))
		goto bad;
	members = json_object_get_members (json_node_get_object (n));
	for (GList *l = members; l != NULL; l = l->next) {
		gboolean ok = FALSE;
		for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
			ok |= g_str_equal (l->data, keys[i]);
		if (!ok)
			goto bad;
	}
	return TRUE;
bad:
	*why = g_strdup_printf ("Invalid value for property '%s': a physicalAddress is expected.",
				name);
	return FALSE;
}

static gboolean
chk_body (JsonNode *n, const gchar *name, gchar **why)
{
	JsonObject *o;
	const gchar *ct;
	if (JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT (n))
		goto bad;
	o = json_node_get_object (n);
	ct = json_object_get_string_member_with_default (o, "contentType", "text");
	if (g_ascii_strcasecmp (ct, "text") != 0 && g_ascii_strcasecmp (ct, "html") != 0)
		goto bad;
	return TRUE;
bad:
	*why = g_strdup_printf ("Invalid value for property '%s': an itemBody is expected.", name);
	return FALSE;
}

static gboolean
str_in (const gchar *s, const gchar *const *choices, gboolean ci)
{
	for (guint i = 0; choices[i] != NULL; i++) {
		if (ci ? g_ascii_strcasecmp (s, choices[i]) == 0 : g_strcmp0 (s, choices[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static const gchar *const days[] = {"sunday",   "monday", "tuesday", "wednesday",
				    "thursday", "friday", "saturday", NULL};

/* recurrencePattern: "any property without a supported value results in an
 * error": each type takes only its own members */
static gboolean
chk_recurrence (JsonNode *n, const gchar *name, gchar **why)
{
	static const gchar *const ptypes[] = {"daily",	       "weekly",	 "absoluteMonthly",
					      "relativeMonthly", "absoluteYearly", "relativeYearly",
					      NULL};
	static const gchar *const rtypes[] = {"endDate", "noEnd", "numbered", NULL};
	static const gchar *const indexes[] = {"first", "second", "third", "fourth", "last", NULL};
	JsonObject *o, *p, *r;
	const gchar *ptype, *rtype;
	gboolean weekly, relative, absolute, yearly;
	g_autoptr(GList) members = NULL;

	if (JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT (n))
		goto bad;
	o = json_node_get_object (n);
	p = graph_obj_object (o, "pattern");
	r = graph_obj_object (o, "range");
	if (p == NULL || r == NULL)
		goto bad;
	ptype = json_object_get_string_member_with_default (p, "type", "");
	if (!str_in (ptype, ptypes, FALSE) ||
	    json_object_get_int_member_with_default (p, "interval", 0) < 1) {
		*why = g_strdup ("The recurrence pattern needs a valid type and an interval of 1 or "
				 "more.");
		return FALSE;
	}
	weekly = g_str_equal (ptype, "weekly");
	relative = g_str_has_prefix (ptype, "relative");
	absolute = g_str_has_prefix (ptype, "absolute");
	yearly = g_str_has_suffix (ptype, "Yearly");
	members = json_object_get_members (p);
	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *m = l->data;
		JsonNode *v = json_object_get_member (p, m);
		gboolean ok;
		if (g_str_equal (m, "type") || g_str_equal (m, "interval"))
			continue;
		if (JSON_NODE_HOLDS_NULL (v))
			continue;
		if (g_str_equal (m, "daysOfWeek")) {
			JsonArray *a = JSON_NODE_HOLDS_ARRAY (v) ? json_node_get_array (v) : NULL;
			ok = (weekly || relative) && a != NULL && json_array_get_length (a) > 0;
			for (guint i = 0; ok && i < json_array_get_length (a); i++)
				ok = str_in (json_array_get_string_element (a, i), days, FALSE);
		} else if (g_str_equal (m, "firstDayOfWeek")) {
			ok = weekly && str_in (json_node_get_string (v), days, FALSE);
		} else if (g_str_equal (m, "dayOfMonth")) {
			ok = absolute && json_node_get_int (v) >= 1 && json_node_get_int (v) <= 31;
		} else if (g_str_equal (m, "month")) {
			ok = yearly && json_node_get_int (v) >= 1 && json_node_get_int (v) <= 12;
		} else if (g_str_equal (m, "index")) {
			ok = relative && str_in (json_node_get_string (v), indexes, FALSE);
		} else {
			ok = FALSE;
		}
		if (!ok) {
			*why = g_strdup_printf ("The recurrence pattern of type '%s' does not take "
						"'%s' with that value.",
						ptype, m);
			return FALSE;
		}
	}
	if ((weekly || relative) && !json_object_has_member (p, "daysOfWeek")) {
		*why = g_strdup_printf ("A '%s' recurrence needs daysOfWeek.", ptype);
		return FALSE;
	}
	if (absolute && !json_object_has_member (p, "dayOfMonth")) {
		*why = g_strdup_printf ("A '%s' recurrence needs dayOfMonth.", ptype);
		return FALSE;
	}
	if (yearly && !json_object_has_member (p, "month")) {
		*why = g_strdup_printf ("A '%s' recurrence needs month.", ptype);
		return FALSE;
	}
	rtype = json_object_get_string_member_with_default (r, "type", "");
	if (!str_in (rtype, rtypes, TRUE) || !json_object_has_member (r, "startDate")) {
		*why = g_strdup ("The recurrence range needs a type and a startDate.");
		return FALSE;
	}
	if (g_ascii_strcasecmp (rtype, "endDate") == 0 && !json_object_has_member (r, "endDate")) {
		*why = g_strdup ("An endDate range needs endDate.");
		return FALSE;
	}
	if (g_ascii_strcasecmp (rtype, "numbered") == 0 &&
	    json_object_get_int_member_with_default (r, "numberOfOccurrences", 0) < 1) {
		*why = g_strdup ("A numbered range needs numberOfOccurrences.");
		return FALSE;
	}
	/* the old docs wrote EndDate/NoEnd/Numbered: accept, store lower camel */
	for (guint i = 0; rtypes[i] != NULL; i++) {
		if (g_ascii_strcasecmp (rtype, rtypes[i]) == 0)
			json_object_set_string_member (r, "type", rtypes[i]);
	}
	return TRUE;
bad:
	*why = g_strdup_printf ("Invalid value for property '%s': a patternedRecurrence is "
				"expected.",
				name);
	return FALSE;
}

/* singleValueExtendedProperties: [{"id": "String 0x3A1A", "value": "…"}]; the
 * id names a type and a MAPI tag or a named property (spec 4) */
static gboolean
ext_id_valid (const gchar *id)
{
	static const gchar *types[] = {"String ", "Short ", "Integer ", "Boolean ", "SystemTime ",
				       "Double ", "Long "};
	for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
		gsize n = strlen (types[i]);
		if (g_ascii_strncasecmp (id, types[i], n) != 0)
			continue;
		if (g_ascii_strncasecmp (id + n, "0x", 2) == 0)
			return strlen (id + n + 2) == 4 && strspn (id + n + 2, "0123456789abcdefABCDEF") == 4;
		return id[n] == '{' && strstr (id + n, "} Id 0x") != NULL;
	}
	return FALSE;
}

static gboolean
chk_extended (JsonNode *n, const gchar *name, gchar **why)
{
	JsonArray *a;
	if (JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY (n))
		goto bad;
	a = json_node_get_array (n);
	for (guint i = 0; i < json_array_get_length (a); i++) {
		JsonObject *o;
		JsonNode *e = json_array_get_element (a, i);
		const gchar *id;
		JsonNode *v;
		o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
		id = o != NULL ? json_object_get_string_member_with_default (o, "id", NULL) : NULL;
		v = o != NULL ? json_object_get_member (o, "value") : NULL;
		if (id == NULL || !ext_id_valid (id) || v == NULL ||
		    (!JSON_NODE_HOLDS_NULL (v) && json_node_get_value_type (v) != G_TYPE_STRING)) {
			*why = g_strdup_printf ("Invalid extended property id or value: '%s'.",
						id != NULL ? id : "");
			return FALSE;
		}
	}
	return TRUE;
bad:
	*why = g_strdup_printf ("Invalid value for property '%s'.", name);
	return FALSE;
}

static const gchar *const importance[] = {"low", "normal", "high", NULL};
static const gchar *const sensitivity[] = {"normal", "personal", "private", "confidential", NULL};
static const gchar *const show_as[] = {"free", "tentative", "busy", "oof", "workingElsewhere",
				       "unknown", NULL};
static const gchar *const task_status[] = {"notStarted", "inProgress", "completed",
					   "waitingOnOthers", "deferred", NULL};

static const PropSpec contact_props[] = {
    {"displayName", chk_string},      {"givenName", chk_string},
    {"middleName", chk_string},	      {"surname", chk_string},
    {"initials", chk_string},	      {"nickName", chk_string},
    {"title", chk_string},	      {"generation", chk_string},
    {"fileAs", chk_string},	      {"jobTitle", chk_string},
    {"companyName", chk_string},      {"department", chk_string},
    {"officeLocation", chk_string},   {"profession", chk_string},
    {"manager", chk_string},	      {"assistantName", chk_string},
    {"spouseName", chk_string},	      {"children", chk_strings},
    {"birthday", chk_dto},	      {"personalNotes", chk_string},
    {"businessHomePage", chk_string}, {"emailAddresses", chk_email_addresses},
    {"imAddresses", chk_strings},     {"businessPhones", chk_strings},
    {"homePhones", chk_strings},      {"mobilePhone", chk_string},
    {"businessAddress", chk_address}, {"homeAddress", chk_address},
    {"otherAddress", chk_address},    {"yomiGivenName", chk_string},
    {"yomiSurname", chk_string},      {"yomiCompanyName", chk_string},
    {"categories", chk_strings},      {"singleValueExtendedProperties", chk_extended},
    {NULL},
};

static const PropSpec event_props[] = {
    {"subject", chk_string},
    {"body", chk_body},
    {"start", chk_dtz},
    {"end", chk_dtz},
    {"isAllDay", chk_bool},
    {"location", chk_object},
    {"locations", chk_array},
    {"categories", chk_strings},
    {"importance", chk_string, importance},
    {"sensitivity", chk_string, sensitivity},
    {"showAs", chk_string, show_as},
    {"isReminderOn", chk_bool},
    {"reminderMinutesBeforeStart", chk_int},
    {"recurrence", chk_recurrence},
    {"attendees", chk_array},
    {"responseRequested", chk_bool},
    {"allowNewTimeProposals", chk_bool},
    {"isOnlineMeeting", chk_bool},
    {"hideAttendees", chk_bool},
    {"transactionId", chk_string},
    {"singleValueExtendedProperties", chk_extended},
    {NULL},
};

static const PropSpec task_props[] = {
    {"title", chk_string},
    {"body", chk_body},
    {"categories", chk_strings},
    {"status", chk_string, task_status},
    {"importance", chk_string, importance},
    {"isReminderOn", chk_bool},
    {"reminderDateTime", chk_dtz},
    {"dueDateTime", chk_dtz},
    {"startDateTime", chk_dtz},
    {"completedDateTime", chk_dtz},
    {"recurrence", chk_recurrence},
    {"linkedResources", chk_array},
    {NULL},
};

static const PropSpec *
props_for (const gchar *kind)
{
	if (g_str_equal (kind, "contact"))
		return contact_props;
	if (g_str_equal (kind, "event"))
		return event_props;
	if (g_str_equal (kind, "task"))
		return task_props;
	return NULL;
}

/* @in: what the client sent; merged into @obj (null = clear) */
static gboolean
validate_merge (const gchar *kind, JsonObject *in, JsonObject *obj, gchar **why)
{
	const PropSpec *props = props_for (kind);
	g_autoptr(GList) members = json_object_get_members (in);

	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *m = l->data;
		JsonNode *v = json_object_get_member (in, m);
		const PropSpec *spec = NULL;
		if (g_str_has_prefix (m, "@odata."))
			continue;
		for (guint i = 0; props[i].name != NULL; i++) {
			if (g_str_equal (props[i].name, m))
				spec = &props[i];
		}
		if (spec == NULL) {
			*why = g_strdup_printf ("Property '%s' does not exist on type "
						"'microsoft.graph.%s' or is read-only.",
						m, g_str_equal (kind, "task") ? "todoTask" : kind);
			return FALSE;
		}
		if (!spec->check (v, m, why))
			return FALSE;
		if (spec->choices != NULL && JSON_NODE_HOLDS_VALUE (v) &&
		    !str_in (json_node_get_string (v), spec->choices, FALSE)) {
			*why = g_strdup_printf ("Requested value '%s' was not found for '%s'.",
						json_node_get_string (v), m);
			return FALSE;
		}
		if (g_str_equal (m, "singleValueExtendedProperties")) {
			/* kept by id (case-insensitive), merged property by property */
			JsonArray *a = JSON_NODE_HOLDS_ARRAY (v) ? json_node_get_array (v) : NULL;
			JsonObject *ext = graph_obj_object (obj, "_ext");
			if (ext == NULL) {
				ext = json_object_new ();
				json_object_set_object_member (obj, "_ext", ext);
			}
			for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
				JsonObject *e = json_array_get_object_element (a, i);
				g_autofree gchar *key = g_ascii_strdown (
				    json_object_get_string_member (e, "id"), -1);
				JsonNode *val = json_object_get_member (e, "value");
				if (JSON_NODE_HOLDS_NULL (val))
					json_object_remove_member (ext, key);
				else
					json_object_set_string_member (ext, key, json_node_get_string (val));
			}
			continue;
		}
		if (JSON_NODE_HOLDS_NULL (v))
			json_object_remove_member (obj, m);
		else
			json_object_set_member (obj, m, json_node_copy (v));
	}
	return TRUE;
}

static gboolean
is_midnight (const gchar *dt)
{
	return dt != NULL && strlen (dt) >= 19 && strncmp (dt + 10, "T00:00:00", 9) == 0 &&
	       (dt[19] == '\0' || strspn (dt + 20, "0") == strlen (dt + 20));
}

/* the rules that span properties, after the merge; sets the UTC bounds */
static gboolean
finish_event (JsonObject *obj, gchar **why)
{
	JsonObject *s = graph_obj_object (obj, "start");
	JsonObject *e = graph_obj_object (obj, "end");
	g_autofree gchar *su = NULL;
	g_autofree gchar *eu = NULL;
	gint64 s_unix, e_unix;
	g_autoptr(GDateTime) sdt = NULL;
	g_autoptr(GDateTime) edt = NULL;
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
	const gchar *sensitivity_ = json_object_get_string_member_with_default (obj, "sensitivity",
									       "normal");

	if (s == NULL || e == NULL) {
		*why = g_strdup ("An event needs start and end.");
		return FALSE;
	}
	su = dtz_to_utc (s);
	eu = dtz_to_utc (e);
	sdt = g_date_time_new_from_iso8601 (su, utc);
	edt = g_date_time_new_from_iso8601 (eu, utc);
	s_unix = g_date_time_to_unix (sdt);
	e_unix = g_date_time_to_unix (edt);
	if (e_unix < s_unix) {
		*why = g_strdup ("The end of the event is before its start.");
		return FALSE;
	}
	if (json_object_get_boolean_member_with_default (obj, "isAllDay", FALSE)) {
		const gchar *sd = json_object_get_string_member (s, "dateTime");
		const gchar *ed = json_object_get_string_member (e, "dateTime");
		if (!is_midnight (sd) || !is_midnight (ed) ||
		    g_strcmp0 (json_object_get_string_member (s, "timeZone"),
			       json_object_get_string_member (e, "timeZone")) != 0 ||
		    strncmp (sd, ed, 10) >= 0) {
			*why = g_strdup ("Your request can't be completed. If isAllDay is true, the "
					 "start and end must be at midnight in the same time zone, "
					 "at least one day apart.");
			return FALSE;
		}
		g_autofree gchar *sdate = g_strndup (sd, 10);
		g_autofree gchar *edate = g_strndup (ed, 10);
		json_object_set_string_member (obj, "_sd", sdate);
		json_object_set_string_member (obj, "_ed", edate);
		/* floating days: the window test uses the dates at UTC */
		{
			g_autofree gchar *a = g_strdup_printf ("%.10sT00:00:00Z", sd);
			g_autofree gchar *b = g_strdup_printf ("%.10sT00:00:00Z", ed);
			g_autoptr(GDateTime) ad = g_date_time_new_from_iso8601 (a, utc);
			g_autoptr(GDateTime) bd = g_date_time_new_from_iso8601 (b, utc);
			s_unix = g_date_time_to_unix (ad);
			e_unix = g_date_time_to_unix (bd);
		}
	} else {
		json_object_remove_member (obj, "_sd");
		json_object_remove_member (obj, "_ed");
	}
	json_object_set_int_member (obj, "_s", s_unix);
	json_object_set_int_member (obj, "_e", e_unix);
	json_object_set_string_member (obj, "originalStartTimeZone",
				       json_object_get_string_member (s, "timeZone"));
	json_object_set_string_member (obj, "originalEndTimeZone",
				       json_object_get_string_member (e, "timeZone"));
	if (json_object_has_member (obj, "recurrence")) {
		JsonObject *r = graph_obj_object (
		    graph_obj_object (obj, "recurrence"), "range");
		if (r != NULL && !json_object_has_member (r, "recurrenceTimeZone"))
			json_object_set_string_member (r, "recurrenceTimeZone",
						       json_object_get_string_member (s, "timeZone"));
		json_object_set_string_member (obj, "type", "seriesMaster");
	} else if (!json_object_has_member (obj, "seriesMasterId")) {
		json_object_set_string_member (obj, "type", "singleInstance");
	}
	if (!json_object_has_member (obj, "sensitivity"))
		json_object_set_string_member (obj, "sensitivity", sensitivity_);
	if (!json_object_has_member (obj, "isReminderOn"))
		json_object_set_boolean_member (obj, "isReminderOn", TRUE);
	if (!json_object_has_member (obj, "reminderMinutesBeforeStart"))
		json_object_set_int_member (obj, "reminderMinutesBeforeStart", 15);
	return TRUE;
}

static void
finish_task (JsonObject *obj)
{
	JsonObject *due = graph_obj_object (obj, "dueDateTime");
	const gchar *status = json_object_get_string_member_with_default (obj, "status", NULL);
	/* To Do keeps the date of a due time only (spec 3.5, observed) */
	if (due != NULL) {
		const gchar *dt = json_object_get_string_member (due, "dateTime");
		g_autofree gchar *day = g_strdup_printf ("%.10sT00:00:00.0000000", dt);
		json_object_set_string_member (due, "dateTime", day);
	}
	if (status == NULL)
		json_object_set_string_member (obj, "status", "notStarted");
	if (!json_object_has_member (obj, "importance"))
		json_object_set_string_member (obj, "importance", "normal");
	if (!json_object_has_member (obj, "isReminderOn"))
		json_object_set_boolean_member (obj, "isReminderOn", FALSE);
	if (g_strcmp0 (status, "completed") == 0 &&
	    !json_object_has_member (obj, "completedDateTime")) {
		g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
		g_autofree gchar *text = g_date_time_format (now, "%Y-%m-%dT00:00:00.0000000");
		JsonObject *c = json_object_new ();
		json_object_set_string_member (c, "dateTime", text);
		json_object_set_string_member (c, "timeZone", "UTC");
		json_object_set_object_member (obj, "completedDateTime", c);
	} else if (status != NULL && !g_str_equal (status, "completed")) {
		json_object_remove_member (obj, "completedDateTime");
	}
}

static gboolean
finish_item (EmuServer *server, const gchar *kind, JsonObject *obj, gchar **why)
{
	GraphState *st = emu_server_get_api_data (server);
	if (g_str_equal (kind, "event")) {
		JsonArray *att = graph_obj_array (obj, "attendees");
		if (!finish_event (obj, why))
			return FALSE;
		/* Outlook sends a meeting request to attendees when an event with
		 * attendees is saved: counted, so tests can prove we never do */
		if (att != NULL && json_array_get_length (att) > 0 &&
		    json_object_get_boolean_member_with_default (obj, "isOrganizer", TRUE))
			st->stats_invitations += json_array_get_length (att);
	} else if (g_str_equal (kind, "task")) {
		finish_task (obj);
	} else if (g_str_equal (kind, "contact")) {
		JsonArray *mails = graph_obj_array (obj, "emailAddresses");
		/* Outlook has Email1..3 only (spec 3.3, assumed) */
		while (mails != NULL && json_array_get_length (mails) > 3)
			json_array_remove_element (mails, 3);
		if (!json_object_has_member (obj, "displayName")) {
			g_autofree gchar *dn = g_strstrip (g_strdup_printf (
			    "%s %s", json_object_get_string_member_with_default (obj, "givenName", ""),
			    json_object_get_string_member_with_default (obj, "surname", "")));
			json_object_set_string_member (obj, "displayName", dn);
		}
	}
	return TRUE;
}

gboolean
graph_item_create (EmuServer *server, const gchar *kind, const gchar *folder, JsonObject *in,
		   JsonObject **out, GError **error)
{
	g_autoptr(JsonObject) obj = json_object_new ();
	g_autofree gchar *why = NULL;
	g_autofree gchar *id = graph_random_id ("AAkAL", 12);

	if (!validate_merge (kind, in, obj, &why) || !finish_item (server, kind, obj, &why)) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, why);
		return FALSE;
	}
	json_object_set_string_member (obj, "id", id);
	if (!g_str_equal (kind, "task"))
		json_object_set_string_member (obj, "parentFolderId", folder);
	graph_item_save (server, kind, folder, obj, FALSE);
	if (out != NULL)
		*out = json_object_ref (obj);
	return TRUE;
}

/* ------------------------------------------------------------- output */

static JsonNode *
render_dtz (const gchar *date_time, const gchar *zone)
{
	JsonObject *o = json_object_new ();
	JsonNode *n = json_node_new (JSON_NODE_OBJECT);
	json_object_set_string_member (o, "dateTime", date_time);
	json_object_set_string_member (o, "timeZone", zone);
	json_node_take_object (n, o);
	return n;
}

static JsonNode *
render (const GraphReq *req, const gchar *kind, const gchar *folder, JsonObject *stored)
{
	JsonObject *o = json_object_new ();
	JsonNode *node = json_node_new (JSON_NODE_OBJECT);
	g_autoptr(GList) members = json_object_get_members (stored);
	const gchar *select = g_hash_table_lookup (req->query, "$select");
	g_auto(GStrv) sel = select != NULL ? g_strsplit (select, ",", -1) : NULL;
	const gchar *zone = req->timezone != NULL ? req->timezone : "UTC";
	g_autofree gchar *id = graph_id_out (req, folder,
					     json_object_get_string_member (stored, "id"));

	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *m = l->data;
		if (m[0] == '_')
			continue;
		if (sel != NULL && !g_strv_contains ((const gchar *const *) sel, m) &&
		    !g_str_has_prefix (m, "@odata."))
			continue;
		json_object_set_member (o, m, json_node_copy (json_object_get_member (stored, m)));
	}
	json_object_set_string_member (o, "id", id);
	/* extended properties only on $expand, those its $filter names */
	{
		const gchar *expand = g_hash_table_lookup (req->query, "$expand");
		JsonObject *ext = graph_obj_object (stored, "_ext");
		if (expand != NULL && g_str_has_prefix (expand, "singleValueExtendedProperties")) {
			JsonArray *out = json_array_new ();
			g_autofree gchar *lower = g_ascii_strdown (expand, -1);
			g_autoptr(GList) keys = ext != NULL ? json_object_get_members (ext) : NULL;
			for (GList *l = keys; l != NULL; l = l->next) {
				g_autofree gchar *quoted = g_strdup_printf ("'%s'", (const gchar *) l->data);
				JsonObject *e;
				if (strstr (lower, "$filter") != NULL && strstr (lower, quoted) == NULL)
					continue;
				e = json_object_new ();
				json_object_set_string_member (e, "id", l->data);
				json_object_set_string_member (e, "value",
							       json_object_get_string_member (ext, l->data));
				json_array_add_object_element (out, e);
			}
			json_object_set_array_member (o, "singleValueExtendedProperties", out);
		}
	}
	/* returned only when $select names it, as Graph does */
	if (sel != NULL && g_strv_contains ((const gchar *const *) sel, "cancelledOccurrences") &&
	    json_object_has_member (stored, "recurrence")) {
		JsonArray *c = graph_obj_array (stored, "_cancelled");
		JsonArray *out = json_array_new ();
		for (guint i = 0; c != NULL && i < json_array_get_length (c); i++) {
			g_autofree gchar *oid = g_strdup_printf (
			    "OID.%s.%s", id, json_array_get_string_element (c, i));
			json_array_add_string_element (out, oid);
		}
		json_object_set_array_member (o, "cancelledOccurrences", out);
	}
	if (json_object_has_member (o, "parentFolderId"))
		json_object_set_string_member (o, "parentFolderId", folder);
	if (g_str_equal (kind, "event") && json_object_has_member (stored, "_s")) {
		/* times come in UTC unless Prefer: outlook.timezone asks for a zone;
		 * all-day events are floating dates, midnight in whatever zone */
		if (json_object_has_member (stored, "_sd")) {
			g_autofree gchar *s = g_strdup_printf (
			    "%sT00:00:00.0000000", json_object_get_string_member (stored, "_sd"));
			g_autofree gchar *e = g_strdup_printf (
			    "%sT00:00:00.0000000", json_object_get_string_member (stored, "_ed"));
			if (sel == NULL || g_strv_contains ((const gchar *const *) sel, "start"))
				json_object_set_member (o, "start", render_dtz (s, zone));
			if (sel == NULL || g_strv_contains ((const gchar *const *) sel, "end"))
				json_object_set_member (o, "end", render_dtz (e, zone));
		} else {
			const gchar *names[] = {"start", "end"};
			const gchar *keys[] = {"_s", "_e"};
			for (guint i = 0; i < 2; i++) {
				gint64 t = json_object_get_int_member (stored, keys[i]);
				g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);
				g_autofree gchar *u = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
				g_autofree gchar *local = cs_timezone_utc_to_local (zone, u);
				g_autofree gchar *full = NULL;
				if (local == NULL)
					local = cs_timezone_utc_to_local ("UTC", u);
				full = g_strdup_printf ("%s.0000000", local);
				if (sel == NULL ||
				    g_strv_contains ((const gchar *const *) sel, names[i]))
					json_object_set_member (o, names[i],
								render_dtz (full, zone));
			}
		}
	}
	json_node_take_object (node, o);
	return node;
}

static JsonNode *
removed_node (const GraphReq *req, const gchar *kind, const gchar *folder, const gchar *id)
{
	JsonObject *o = json_object_new ();
	JsonObject *r = json_object_new ();
	JsonNode *node = json_node_new (JSON_NODE_OBJECT);
	g_autofree gchar *out = graph_id_out (req, folder, id);
	g_autofree gchar *type = g_strdup_printf (
	    "#microsoft.graph.%s", g_str_equal (kind, "task") ? "todoTask" : kind);
	json_object_set_string_member (o, "@odata.type", type);
	json_object_set_string_member (o, "id", out);
	json_object_set_string_member (r, "reason", "deleted");
	json_object_set_object_member (o, "@removed", r);
	json_node_take_object (node, o);
	return node;
}

static JsonNode *
collection (const gchar *context, JsonArray *values, const gchar *next, const gchar *delta)
{
	JsonObject *o = json_object_new ();
	JsonNode *node = json_node_new (JSON_NODE_OBJECT);
	json_object_set_string_member (o, "@odata.context", context);
	json_object_set_array_member (o, "value", values);
	if (next != NULL)
		json_object_set_string_member (o, "@odata.nextLink", next);
	if (delta != NULL)
		json_object_set_string_member (o, "@odata.deltaLink", delta);
	json_node_take_object (node, o);
	return node;
}

static guint
page_size (const GraphReq *req, GraphResp *resp)
{
	const gchar *top = g_hash_table_lookup (req->query, "$top");
	if (req->maxpagesize > 0) {
		g_free (resp->pref_applied);
		resp->pref_applied = g_strdup_printf ("odata.maxpagesize=%u",
						      MIN (req->maxpagesize, MAX_PAGE));
		return MIN (req->maxpagesize, MAX_PAGE);
	}
	if (top != NULL)
		return CLAMP ((guint) g_ascii_strtoull (top, NULL, 10), 1, MAX_PAGE);
	return DEFAULT_PAGE;
}

static gchar *
context_for (const GraphReq *req)
{
	return g_strdup_printf ("%s/v1.0/$metadata#%s", req->origin, req->path);
}

/* plain listing with $top/$skip (not delta) */
static void
list_items (EmuServer *server, GraphReq *req, GraphResp *resp, const gchar *kind,
	    const gchar *folder)
{
	guint top = page_size (req, resp);
	const gchar *skip_s = g_hash_table_lookup (req->query, "$skip");
	guint skip = skip_s != NULL ? (guint) g_ascii_strtoull (skip_s, NULL, 10) : 0;
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "SELECT json, folder FROM items WHERE kind = ?1 AND deleted = 0 AND (?2 IS NULL OR "
	    "folder = ?2) ORDER BY rowid LIMIT ?3 OFFSET ?4",
	    NULL);
	JsonArray *values = json_array_new ();
	g_autofree gchar *next = NULL;
	g_autofree gchar *ctx = context_for (req);
	guint n = 0;

	sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, folder, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int (stmt, 3, (gint) top + 1);
	sqlite3_bind_int (stmt, 4, (gint) skip);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		g_autoptr(JsonNode) root = NULL;
		if (++n > top)
			break;
		root = cs_json_parse ((const gchar *) sqlite3_column_text (stmt, 0), -1, FALSE, NULL);
		if (root == NULL)
			continue;
		json_array_add_element (values,
					render (req, kind, (const gchar *) sqlite3_column_text (stmt, 1),
						json_node_get_object (root)));
	}
	if (n > top)
		next = g_strdup_printf ("%s/v1.0%s?$top=%u&$skip=%u", req->origin, req->path, top,
					skip + top);
	resp->status = 200;
	resp->body = collection (ctx, values, next, NULL);
}

/* ------------------------------------------------------------- delta */

typedef struct {
	gchar *kind, *folder, *ws, *we;
	gint64 since, upto, pos;
	gboolean initial;
} DeltaState;

static void
delta_state_clear (DeltaState *d)
{
	g_free (d->kind);
	g_free (d->folder);
	g_free (d->ws);
	g_free (d->we);
}

static gchar *
delta_save (EmuServer *server, const DeltaState *d)
{
	gchar *token = graph_random_token (16);
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server, "INSERT INTO delta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", NULL);
	sqlite3_bind_text (stmt, 1, token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, d->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 3, d->folder, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 4, d->since);
	sqlite3_bind_int64 (stmt, 5, d->upto);
	sqlite3_bind_int64 (stmt, 6, d->pos);
	sqlite3_bind_int (stmt, 7, d->initial);
	sqlite3_bind_text (stmt, 8, d->ws, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 9, d->we, -1, SQLITE_TRANSIENT);
	sqlite3_step (stmt);
	return token;
}

static gboolean
delta_load (EmuServer *server, const gchar *token, DeltaState *d)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "SELECT kind, folder, since, upto, pos, initial, ws, we FROM delta WHERE token = ?",
	    NULL);
	sqlite3_bind_text (stmt, 1, token, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return FALSE;
	d->kind = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
	d->folder = g_strdup ((const gchar *) sqlite3_column_text (stmt, 1));
	d->since = sqlite3_column_int64 (stmt, 2);
	d->upto = sqlite3_column_int64 (stmt, 3);
	d->pos = sqlite3_column_int64 (stmt, 4);
	d->initial = sqlite3_column_int (stmt, 5);
	d->ws = g_strdup ((const gchar *) sqlite3_column_text (stmt, 6));
	d->we = g_strdup ((const gchar *) sqlite3_column_text (stmt, 7));
	return TRUE;
}

static gint64
parse_unix (const gchar *iso)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
	g_autoptr(GDateTime) dt = iso != NULL ? g_date_time_new_from_iso8601 (iso, utc) : NULL;
	return dt != NULL ? g_date_time_to_unix (dt) : G_MININT64;
}

/* does a stored event touch the window (a series: its range does) */
static gboolean
in_window (JsonObject *ev, gint64 ws, gint64 we)
{
	JsonObject *rec = graph_obj_object (ev, "recurrence");
	if (rec != NULL) {
		JsonObject *r = graph_obj_object (rec, "range");
		g_autofree gchar *sd = g_strdup_printf (
		    "%sT00:00:00Z", json_object_get_string_member_with_default (r, "startDate", ""));
		const gchar *type = json_object_get_string_member_with_default (r, "type", "");
		if (parse_unix (sd) >= we)
			return FALSE;
		if (g_str_equal (type, "endDate")) {
			g_autofree gchar *ed = g_strdup_printf (
			    "%sT23:59:59Z",
			    json_object_get_string_member_with_default (r, "endDate", ""));
			return parse_unix (ed) >= ws;
		}
		return TRUE;
	}
	return json_object_get_int_member (ev, "_s") < we && json_object_get_int_member (ev, "_e") > ws;
}

/*
 * One delta page. The first request of a round has no token (or a
 * $deltatoken): it fixes the upper bound `upto` of the change sequence;
 * $skiptoken pages walk up to it; the last page's deltaLink starts the next
 * round at `upto`. An initial round lists only live items; later rounds
 * include deletions as @removed.
 */
static void
delta (EmuServer *server, GraphReq *req, GraphResp *resp, const gchar *kind, const gchar *folder)
{
	GraphState *st = emu_server_get_api_data (server);
	const gchar *skip = g_hash_table_lookup (req->query, "$skiptoken");
	const gchar *dtok = g_hash_table_lookup (req->query, "$deltatoken");
	DeltaState d = {0};
	guint top = page_size (req, resp);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	JsonArray *values;
	g_autofree gchar *ctx = context_for (req);
	g_autofree gchar *link = NULL;
	gint64 last = 0, ws = 0, we = 0;
	guint n = 0;
	gboolean more = FALSE;

	st->stats_delta++;
	if (skip != NULL || dtok != NULL) {
		if (!delta_load (server, skip != NULL ? skip : dtok, &d) ||
		    g_strcmp0 (d.kind, kind) != 0 || g_strcmp0 (d.folder, folder) != 0) {
			delta_state_clear (&d);
			graph_resp_error (resp, 410, "syncStateNotFound",
					  "The sync state generation is not found. Resync "
					  "required.");
			return;
		}
		if (dtok != NULL) {
			d.since = d.upto;
			d.pos = d.upto;
			d.upto = st->seq;
			d.initial = FALSE;
		}
	} else {
		d.kind = g_strdup (kind);
		d.folder = g_strdup (folder);
		d.upto = st->seq;
		d.initial = TRUE;
		if (g_str_equal (kind, "event")) {
			d.ws = g_strdup (g_hash_table_lookup (req->query, "startDateTime"));
			d.we = g_strdup (g_hash_table_lookup (req->query, "endDateTime"));
			if (parse_unix (d.ws) == G_MININT64 || parse_unix (d.we) == G_MININT64 ||
			    parse_unix (d.we) <= parse_unix (d.ws)) {
				delta_state_clear (&d);
				graph_resp_error (resp, 400, "ErrorInvalidParameter",
						  "calendarView/delta needs startDateTime and "
						  "endDateTime, start before end.");
				return;
			}
		}
	}
	if (d.ws != NULL) {
		ws = parse_unix (d.ws);
		we = parse_unix (d.we);
	}
	stmt = emu_db_prepare (server,
			       "SELECT id, json, folder, deleted, seq FROM items WHERE kind = ?1 AND"
			       " folder = ?2 AND seq > ?3 AND seq <= ?4"
			       " UNION ALL SELECT id, NULL, folder, 1, seq FROM moved WHERE kind = ?1"
			       " AND folder = ?2 AND seq > ?3 AND seq <= ?4 ORDER BY 5",
			       NULL);
	sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, folder, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 3, MAX (d.since, d.pos));
	sqlite3_bind_int64 (stmt, 4, d.upto);
	values = json_array_new ();
	last = MAX (d.since, d.pos);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		const gchar *id = (const gchar *) sqlite3_column_text (stmt, 0);
		gboolean deleted = sqlite3_column_int (stmt, 3) != 0;
		g_autoptr(JsonNode) root = NULL;
		JsonObject *obj;
		if (n >= top) {
			more = TRUE;
			break;
		}
		last = sqlite3_column_int64 (stmt, 4);
		if (deleted) {
			if (!d.initial) {
				json_array_add_element (values, removed_node (req, kind, folder, id));
				n++;
			}
			continue;
		}
		root = cs_json_parse ((const gchar *) sqlite3_column_text (stmt, 1), -1, FALSE, NULL);
		if (root == NULL)
			continue;
		obj = json_node_get_object (root);
		if (g_str_equal (kind, "event") && !in_window (obj, ws, we)) {
			/* moved out of the window: the client must forget it */
			if (!d.initial) {
				json_array_add_element (values, removed_node (req, kind, folder, id));
				n++;
			}
			continue;
		}
		json_array_add_element (values, render (req, kind, folder, obj));
		n++;
	}
	d.pos = last;
	if (more) {
		g_autofree gchar *tok = delta_save (server, &d);
		link = g_strdup_printf ("%s/v1.0%s?$skiptoken=%s", req->origin, req->path, tok);
		resp->body = collection (ctx, values, link, NULL);
	} else {
		g_autofree gchar *tok = NULL;
		d.pos = d.upto;
		tok = delta_save (server, &d);
		link = g_strdup_printf ("%s/v1.0%s?$deltatoken=%s", req->origin, req->path, tok);
		resp->body = collection (ctx, values, NULL, link);
	}
	resp->status = 200;
	delta_state_clear (&d);
}

/* ------------------------------------------------------------- CRUD */

static gboolean
need_scope (GraphReq *req, GraphResp *resp, const gchar *read, const gchar *write,
	    gboolean writing)
{
	g_auto(GStrv) have = g_strsplit (req->scope != NULL ? req->scope : "", " ", -1);
	for (guint i = 0; have[i] != NULL; i++) {
		if (g_strcmp0 (have[i], write) == 0 || (!writing && g_strcmp0 (have[i], read) == 0))
			return TRUE;
	}
	graph_resp_error (resp, 403, "ErrorAccessDenied",
			  "Access is denied. Check credentials and try again (needs %s).",
			  writing ? write : read);
	return FALSE;
}

static void
create_item (EmuServer *server, GraphReq *req, GraphResp *resp, const gchar *kind,
	     const gchar *folder)
{
	GraphState *st = emu_server_get_api_data (server);
	g_autoptr(JsonObject) out = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *id = NULL;

	if (req->body == NULL || !JSON_NODE_HOLDS_OBJECT (req->body)) {
		graph_resp_error (resp, 400, "BadRequest", "Empty Payload. JSON content expected.");
		return;
	}
	if (!graph_item_create (server, kind, folder, json_node_get_object (req->body), &out,
				&error)) {
		graph_resp_error (resp, 400, "ErrorInvalidRequest", "%s", error->message);
		return;
	}
	st->stats_writes++;
	id = graph_id_out (req, folder, json_object_get_string_member (out, "id"));
	resp->status = 201;
	resp->location = g_strdup_printf ("%s/v1.0%s/%s", req->origin, req->path, id);
	resp->body = render (req, kind, folder, out);
}

/* a computed occurrence of @master on @date, as a stored event would look */
static JsonObject *
synthesize_occurrence (JsonObject *master, const gchar *master_id, const gchar *date)
{
	JsonObject *o = json_object_new ();
	g_autoptr(GList) members = json_object_get_members (master);
	g_autofree gchar *id = graph_series_occurrence_id (master_id, date);
	gint64 start = graph_series_occurrence_start (master, date);
	gint64 len = json_object_get_int_member (master, "_e") - json_object_get_int_member (master, "_s");
	g_autoptr(GDateTime) st = g_date_time_new_from_unix_utc (start);
	g_autofree gchar *orig = g_date_time_format (st, "%Y-%m-%dT%H:%M:%SZ");

	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *m = l->data;
		if (g_str_equal (m, "recurrence") || g_str_equal (m, "_cancelled"))
			continue;
		json_object_set_member (o, m, json_node_copy (json_object_get_member (master, m)));
	}
	json_object_set_string_member (o, "id", id);
	json_object_set_string_member (o, "type", "occurrence");
	json_object_set_string_member (o, "seriesMasterId", master_id);
	json_object_set_string_member (o, "originalStart", orig);
	json_object_set_int_member (o, "_s", start);
	json_object_set_int_member (o, "_e", start + len);
	if (json_object_has_member (master, "_sd")) {
		g_autoptr(GDateTime) en = g_date_time_new_from_unix_utc (start + len);
		g_autofree gchar *ed = g_date_time_format (en, "%Y-%m-%d");
		json_object_set_string_member (o, "_sd", date);
		json_object_set_string_member (o, "_ed", ed);
	}
	/* start/end as the client would send them, for a later PATCH's checks */
	{
		g_autoptr(GDateTime) en = g_date_time_new_from_unix_utc (start + len);
		g_autofree gchar *s_utc = g_date_time_format (st, "%Y-%m-%dT%H:%M:%S");
		g_autofree gchar *e_utc = g_date_time_format (en, "%Y-%m-%dT%H:%M:%S");
		JsonObject *so = json_object_new ();
		JsonObject *eo = json_object_new ();
		json_object_set_string_member (so, "dateTime", s_utc);
		json_object_set_string_member (so, "timeZone", "UTC");
		json_object_set_string_member (eo, "dateTime", e_utc);
		json_object_set_string_member (eo, "timeZone", "UTC");
		json_object_set_object_member (o, "start", so);
		json_object_set_object_member (o, "end", eo);
	}
	return o;
}

/* is @date an occurrence of @master (not counting cancellation) */
static gboolean
is_occurrence (JsonObject *master, const gchar *date)
{
	gint64 t = graph_series_occurrence_start (master, date);
	g_autoptr(GPtrArray) dates = NULL;
	if (t == G_MININT64)
		return FALSE;
	dates = graph_series_expand (master, t, t + 1);
	return dates->len == 1;
}

/* a change to one occurrence is a change to the series */
static void
touch_master (EmuServer *server, const gchar *master_id, const gchar *cancel_date)
{
	g_autofree gchar *folder = NULL;
	g_autoptr(JsonObject) master = graph_item_load (server, "event", master_id, &folder, NULL);
	if (master == NULL)
		return;
	if (cancel_date != NULL)
		graph_series_cancel (master, cancel_date);
	graph_item_save (server, "event", folder, master, FALSE);
}

static gboolean
occurrence_op (EmuServer *server, GraphReq *req, GraphResp *resp, const gchar *id)
{
	GraphState *st = emu_server_get_api_data (server);
	g_autofree gchar *master_id = NULL;
	g_autofree gchar *date = NULL;
	g_autofree gchar *folder = NULL;
	g_autoptr(JsonObject) master = NULL;
	g_autoptr(JsonObject) occ = NULL;

	if (!graph_series_split_id (graph_id_in (id), &master_id, &date))
		return FALSE;
	master = graph_item_load (server, "event", master_id, &folder, NULL);
	if (master == NULL || !json_object_has_member (master, "recurrence") ||
	    !is_occurrence (master, date) || graph_series_is_cancelled (master, date))
		return FALSE;
	occ = synthesize_occurrence (master, master_id, date);
	if (g_str_equal (req->method, "GET")) {
		resp->status = 200;
		resp->body = render (req, "event", folder, occ);
	} else if (g_str_equal (req->method, "DELETE")) {
		st->stats_writes++;
		touch_master (server, master_id, date);
		resp->status = 204;
	} else if (g_str_equal (req->method, "PATCH")) {
		g_autofree gchar *why = NULL;
		if (req->body == NULL || !JSON_NODE_HOLDS_OBJECT (req->body) ||
		    json_object_has_member (json_node_get_object (req->body), "recurrence")) {
			graph_resp_error (resp, 400, "ErrorInvalidRequest",
					  "An occurrence takes its own times and details, not a "
					  "recurrence.");
			return TRUE;
		}
		if (!validate_merge ("event", json_node_get_object (req->body), occ, &why) ||
		    !finish_item (server, "event", occ, &why)) {
			graph_resp_error (resp, 400, "ErrorInvalidRequest", "%s", why);
			return TRUE;
		}
		json_object_set_string_member (occ, "type", "exception");
		st->stats_writes++;
		graph_item_save (server, "event", folder, occ, FALSE);
		touch_master (server, master_id, NULL);
		resp->status = 200;
		resp->body = render (req, "event", folder, occ);
	} else {
		graph_resp_error (resp, 405, "ErrorInvalidRequest",
				  "The OData request is not supported.");
	}
	return TRUE;
}

static void
instances (EmuServer *server, GraphReq *req, GraphResp *resp, const gchar *id)
{
	g_autofree gchar *folder = NULL;
	g_autoptr(JsonObject) master = graph_item_load (server, "event", id, &folder, NULL);
	const gchar *ws_s = g_hash_table_lookup (req->query, "startDateTime");
	const gchar *we_s = g_hash_table_lookup (req->query, "endDateTime");
	g_autoptr(GPtrArray) dates = NULL;
	g_autofree gchar *ctx = context_for (req);
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
	g_autoptr(GDateTime) ws = ws_s != NULL ? g_date_time_new_from_iso8601 (ws_s, utc) : NULL;
	g_autoptr(GDateTime) we = we_s != NULL ? g_date_time_new_from_iso8601 (we_s, utc) : NULL;
	JsonArray *values;

	if (master == NULL) {
		graph_resp_error (resp, 404, "ErrorItemNotFound",
				  "The specified object was not found in the store.");
		return;
	}
	if (ws == NULL || we == NULL) {
		graph_resp_error (resp, 400, "ErrorInvalidParameter",
				  "instances needs startDateTime and endDateTime.");
		return;
	}
	values = json_array_new ();
	if (!json_object_has_member (master, "recurrence")) {
		resp->status = 200;
		resp->body = collection (ctx, values, NULL, NULL);
		return;
	}
	dates = graph_series_expand (master, g_date_time_to_unix (ws), g_date_time_to_unix (we));
	for (guint i = 0; i < dates->len; i++) {
		const gchar *date = g_ptr_array_index (dates, i);
		g_autofree gchar *occ_id = NULL;
		g_autoptr(JsonObject) exc = NULL;
		g_autoptr(JsonObject) occ = NULL;
		if (graph_series_is_cancelled (master, date))
			continue;
		occ_id = graph_series_occurrence_id (json_object_get_string_member (master, "id"), date);
		exc = graph_item_load (server, "event", occ_id, NULL, NULL);
		if (exc != NULL) {
			json_array_add_element (values, render (req, "event", folder, exc));
			continue;
		}
		occ = synthesize_occurrence (master, json_object_get_string_member (master, "id"),
					     date);
		json_array_add_element (values, render (req, "event", folder, occ));
	}
	resp->status = 200;
	resp->body = collection (ctx, values, NULL, NULL);
}

static void
item_op (EmuServer *server, GraphReq *req, GraphResp *resp, const gchar *kind,
	 const gchar *folder, const gchar *id)
{
	GraphState *st = emu_server_get_api_data (server);
	g_autofree gchar *stored_folder = NULL;
	g_autoptr(JsonObject) obj = graph_item_load (server, kind, id, &stored_folder, NULL);
	const gchar *series = NULL;

	if (obj == NULL && g_str_equal (kind, "event") && occurrence_op (server, req, resp, id))
		return;
	if (obj != NULL)
		series = json_object_get_string_member_with_default (obj, "seriesMasterId", NULL);
	/* a folder-bound id names the folder the item was in when the id was given:
	 * after a move it finds nothing, as in Outlook */
	if (obj == NULL || (folder != NULL && g_strcmp0 (folder, stored_folder) != 0) ||
	    (g_str_has_prefix (id, "AAMk") && strchr (id, '.') != NULL &&
	     strncmp (id + 4, stored_folder, strlen (stored_folder)) != 0)) {
		graph_resp_error (resp, 404, "ErrorItemNotFound",
				  "The specified object was not found in the store.");
		return;
	}
	if (g_str_equal (req->method, "GET")) {
		resp->status = 200;
		resp->body = render (req, kind, stored_folder, obj);
		return;
	}
	if (req->if_match != NULL && g_strcmp0 (req->if_match, "*") != 0 &&
	    g_strcmp0 (req->if_match,
		       json_object_get_string_member_with_default (obj, "@odata.etag", "")) != 0) {
		graph_resp_error (resp, 412, "resourceModified",
				  "The item has been changed since the given etag.");
		return;
	}
	if (g_str_equal (req->method, "DELETE")) {
		g_autofree gchar *master_id = NULL;
		g_autofree gchar *date = NULL;
		JsonArray *att
			= g_str_equal (kind, "event") ? graph_obj_array (obj, "attendees") : NULL;
		st->stats_writes++;
		/* deleting a meeting one organises cancels it for its attendees */
		if (att != NULL && json_array_get_length (att) > 0 &&
		    json_object_get_boolean_member_with_default (obj, "isOrganizer", TRUE))
			st->stats_invitations += json_array_get_length (att);
		graph_item_save (server, kind, stored_folder, obj, TRUE);
		/* a deleted exception is a cancelled occurrence */
		if (series != NULL && graph_series_split_id (json_object_get_string_member (obj, "id"),
							     &master_id, &date))
			touch_master (server, series, date);
		/* a deleted series takes its exceptions along */
		if (json_object_has_member (obj, "recurrence")) {
			g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
			    server, "SELECT id FROM items WHERE kind = 'event' AND deleted = 0 AND id LIKE ? ESCAPE '\\'",
			    NULL);
			g_autofree gchar *like = g_strdup_printf (
			    "%s\\_%%", json_object_get_string_member (obj, "id"));
			g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
			sqlite3_bind_text (stmt, 1, like, -1, SQLITE_TRANSIENT);
			while (sqlite3_step (stmt) == SQLITE_ROW)
				g_ptr_array_add (ids, g_strdup ((const gchar *) sqlite3_column_text (stmt, 0)));
			for (guint i = 0; i < ids->len; i++) {
				g_autoptr(JsonObject) e = graph_item_load (server, "event",
									   g_ptr_array_index (ids, i),
									   NULL, NULL);
				if (e != NULL)
					graph_item_save (server, "event", stored_folder, e, TRUE);
			}
		}
		resp->status = 204;
		return;
	}
	if (g_str_equal (req->method, "PATCH")) {
		g_autofree gchar *why = NULL;
		if (req->body == NULL || !JSON_NODE_HOLDS_OBJECT (req->body)) {
			graph_resp_error (resp, 400, "BadRequest",
					  "Empty Payload. JSON content expected.");
			return;
		}
		if (!validate_merge (kind, json_node_get_object (req->body), obj, &why) ||
		    !finish_item (server, kind, obj, &why)) {
			graph_resp_error (resp, 400, "ErrorInvalidRequest", "%s", why);
			return;
		}
		st->stats_writes++;
		if (series != NULL)
			json_object_set_string_member (obj, "type", "exception");
		graph_item_save (server, kind, stored_folder, obj, FALSE);
		if (series != NULL)
			touch_master (server, series, NULL);
		resp->status = 200;
		resp->body = render (req, kind, stored_folder, obj);
		return;
	}
	graph_resp_error (resp, 405, "ErrorInvalidRequest",
			  "The OData request is not supported.");
}

static void
list_folders (EmuServer *server, GraphReq *req, GraphResp *resp, const gchar *kind)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server, "SELECT id, name, wellknown FROM folders WHERE kind = ? ORDER BY rowid", NULL);
	JsonArray *values = json_array_new ();
	g_autofree gchar *ctx = context_for (req);
	sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		JsonObject *o = json_object_new ();
		const gchar *wk = (const gchar *) sqlite3_column_text (stmt, 2);
		json_object_set_string_member (o, "id", (const gchar *) sqlite3_column_text (stmt, 0));
		json_object_set_string_member (o, "displayName",
					       (const gchar *) sqlite3_column_text (stmt, 1));
		if (g_str_equal (kind, "todoList")) {
			json_object_set_boolean_member (o, "isOwner", TRUE);
			json_object_set_boolean_member (o, "isShared", FALSE);
			json_object_set_string_member (o, "wellknownListName",
						       wk != NULL ? wk : "none");
		}
		if (g_str_equal (kind, "contactFolder"))
			json_object_set_string_member (o, "parentFolderId", "AQMkroot");
		json_array_add_object_element (values, o);
	}
	resp->status = 200;
	resp->body = collection (ctx, values, NULL, NULL);
}

static void
get_contact_folder (EmuServer *server, GraphReq *req, GraphResp *resp, const gchar *id)
{
	g_autofree gchar *found = graph_folder_lookup (server, "contactFolder", id);
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server, "SELECT id, name FROM folders WHERE kind = 'contactFolder' AND id = ?", NULL);
	JsonObject *o;

	sqlite3_bind_text (stmt, 1, found, -1, SQLITE_TRANSIENT);
	if (found == NULL || sqlite3_step (stmt) != SQLITE_ROW) {
		graph_resp_error (resp, 404, "ErrorItemNotFound",
				  "The specified folder was not found in the store.");
		return;
	}
	o = json_object_new ();
	json_object_set_string_member (o, "id", (const gchar *) sqlite3_column_text (stmt, 0));
	json_object_set_string_member (o, "displayName", (const gchar *) sqlite3_column_text (stmt, 1));
	json_object_set_string_member (o, "parentFolderId", "AQMkroot");
	resp->status = 200;
	resp->body = json_node_new (JSON_NODE_OBJECT);
	json_node_take_object (resp->body, o);
}

/* POST /me/contactFolders {"displayName"}: a folder below the default one */
static void
create_contact_folder (EmuServer *server, GraphReq *req, GraphResp *resp)
{
	JsonObject *in = req->body != NULL && JSON_NODE_HOLDS_OBJECT (req->body)
			     ? json_node_get_object (req->body)
			     : NULL;
	const gchar *name = in != NULL ? json_object_get_string_member_with_default (in, "displayName", NULL)
				       : NULL;
	g_autofree gchar *token = graph_random_token (10);
	g_autofree gchar *id = g_strdup_printf ("AQMk%s", token);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	JsonObject *o;

	if (name == NULL || name[0] == '\0') {
		graph_resp_error (resp, 400, "ErrorInvalidRequest", "displayName is required.");
		return;
	}
	stmt = emu_db_prepare (server, "SELECT 1 FROM folders WHERE kind = 'contactFolder' AND name = ?",
			       NULL);
	sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) == SQLITE_ROW) {
		graph_resp_error (resp, 409, "ErrorFolderExists",
				  "A folder with the specified name already exists.");
		return;
	}
	g_clear_pointer (&stmt, sqlite3_finalize);
	stmt = emu_db_prepare (server, "INSERT INTO folders VALUES (?, 'contactFolder', ?, NULL)", NULL);
	sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_step (stmt);
	o = json_object_new ();
	json_object_set_string_member (o, "id", id);
	json_object_set_string_member (o, "displayName", name);
	json_object_set_string_member (o, "parentFolderId", "AQMkroot");
	resp->status = 201;
	resp->body = json_node_new (JSON_NODE_OBJECT);
	json_node_take_object (resp->body, o);
}

/* the item leaves its folder (whose delta then reports it removed) and
 * enters @folder as a change there */
gboolean
graph_item_move (EmuServer *server, const gchar *kind, const gchar *id, const gchar *folder,
		 GError **error)
{
	g_autofree gchar *from = NULL;
	g_autoptr(JsonObject) obj = graph_item_load (server, kind, id, &from, NULL);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	if (obj == NULL) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s %s", kind, id);
		return FALSE;
	}
	if (g_str_equal (from, folder)) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "already in that folder");
		return FALSE;
	}
	stmt = emu_db_prepare (server, "INSERT INTO moved VALUES (?, ?, ?, ?)", NULL);
	sqlite3_bind_text (stmt, 1, json_object_get_string_member (obj, "id"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (stmt, 3, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64 (stmt, 4, graph_next_seq (server));
	if (sqlite3_step (stmt) != SQLITE_DONE) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "database error");
		return FALSE;
	}
	json_object_set_string_member (obj, "parentFolderId", folder);
	return graph_item_save (server, kind, folder, obj, FALSE);
}

static void
me (EmuServer *server, GraphReq *req, GraphResp *resp)
{
	JsonObject *o = json_object_new ();
	const gchar *user = emu_server_get_user (server);
	resp->status = 200;
	resp->body = json_node_new (JSON_NODE_OBJECT);
	json_object_set_string_member (o, "id", "00000000-0000-0000-0000-0000000000ad");
	json_object_set_string_member (o, "userPrincipalName", user);
	json_object_set_string_member (o, "mail", user);
	json_object_set_string_member (o, "displayName", user);
	json_node_take_object (resp->body, o);
}

static void
not_found (GraphResp *resp, const gchar *path)
{
	graph_resp_error (resp, 400, "BadRequest",
			  "Resource not found for the segment '%s'.", path);
}

static gboolean
method_is (GraphReq *req, GraphResp *resp, const gchar *a, const gchar *b)
{
	if (g_strcmp0 (req->method, a) == 0 || g_strcmp0 (req->method, b) == 0)
		return TRUE;
	graph_resp_error (resp, 405, "ErrorInvalidRequest", "The OData request is not supported.");
	return FALSE;
}

void
graph_dispatch (EmuServer *server, GraphReq *req, GraphResp *resp)
{
	g_auto(GStrv) seg = g_strsplit (req->path[0] == '/' ? req->path + 1 : req->path, "/", -1);
	guint n = g_strv_length (seg);
	gboolean writing = !g_str_equal (req->method, "GET");
	g_autofree gchar *folder = NULL;

	if (n == 0 || !g_str_equal (seg[0], "me")) {
		not_found (resp, n > 0 ? seg[0] : "");
		return;
	}
	if (n == 1) {
		if (method_is (req, resp, "GET", NULL))
			me (server, req, resp);
		return;
	}
	/* contacts */
	if (g_str_equal (seg[1], "contactFolders") || g_str_equal (seg[1], "contacts")) {
		gboolean in_folder = g_str_equal (seg[1], "contactFolders");
		guint base = in_folder ? 3 : 1; /* index of "contacts" */
		if (!need_scope (req, resp, "Contacts.Read", "Contacts.ReadWrite", writing))
			return;
		if (in_folder && n == 2) {
			if (!method_is (req, resp, "GET", "POST"))
				return;
			if (g_str_equal (req->method, "GET"))
				list_folders (server, req, resp, "contactFolder");
			else
				create_contact_folder (server, req, resp);
			return;
		}
		if (in_folder && n == 3) {
			if (method_is (req, resp, "GET", NULL))
				get_contact_folder (server, req, resp, seg[2]);
			return;
		}
		if (in_folder) {
			folder = graph_folder_lookup (server, "contactFolder", seg[2]);
			if (folder == NULL || n < 4 || !g_str_equal (seg[3], "contacts")) {
				graph_resp_error (resp, 404, "ErrorItemNotFound",
						  "The specified folder was not found in the store.");
				return;
			}
		}
		if (n == base + 1) {
			if (!method_is (req, resp, "GET", "POST"))
				return;
			if (g_str_equal (req->method, "GET"))
				list_items (server, req, resp, "contact", folder);
			else {
				g_autofree gchar *def = graph_folder_default (server, "contactFolder");
				create_item (server, req, resp, "contact",
					     folder != NULL ? folder : def);
			}
			return;
		}
		if (n == base + 2 && g_str_equal (seg[base + 1], "delta")) {
			if (folder == NULL) {
				/* delta is per folder only */
				graph_resp_error (resp, 400, "ErrorInvalidRequest",
						  "Change tracking is not supported against "
						  "'microsoft.graph.contact'.");
				return;
			}
			if (method_is (req, resp, "GET", NULL))
				delta (server, req, resp, "contact", folder);
			return;
		}
		if (n == base + 2) {
			item_op (server, req, resp, "contact", folder, seg[base + 1]);
			return;
		}
	}
	/* events */
	if (g_str_equal (seg[1], "calendarView") || g_str_equal (seg[1], "events")) {
		if (!need_scope (req, resp, "Calendars.Read", "Calendars.ReadWrite", writing))
			return;
		folder = graph_folder_default (server, "calendar");
		if (g_str_equal (seg[1], "calendarView")) {
			if (n == 3 && g_str_equal (seg[2], "delta")) {
				if (method_is (req, resp, "GET", NULL))
					delta (server, req, resp, "event", folder);
				return;
			}
			not_found (resp, seg[n - 1]);
			return;
		}
		if (n == 2) {
			if (!method_is (req, resp, "GET", "POST"))
				return;
			if (g_str_equal (req->method, "GET"))
				list_items (server, req, resp, "event", folder);
			else
				create_item (server, req, resp, "event", folder);
			return;
		}
		if (n == 3) {
			item_op (server, req, resp, "event", NULL, seg[2]);
			return;
		}
		if (n == 4 && g_str_equal (seg[3], "instances")) {
			if (method_is (req, resp, "GET", NULL))
				instances (server, req, resp, seg[2]);
			return;
		}
	}
	/* To Do */
	if (g_str_equal (seg[1], "todo") && n >= 3 && g_str_equal (seg[2], "lists")) {
		if (!need_scope (req, resp, "Tasks.Read", "Tasks.ReadWrite", writing))
			return;
		if (n == 3) {
			if (method_is (req, resp, "GET", NULL))
				list_folders (server, req, resp, "todoList");
			return;
		}
		folder = graph_folder_lookup (server, "todoList", seg[3]);
		if (folder == NULL || n < 5 || !g_str_equal (seg[4], "tasks")) {
			graph_resp_error (resp, 404, "ErrorItemNotFound",
					  "The specified list was not found.");
			return;
		}
		if (n == 5) {
			if (!method_is (req, resp, "GET", "POST"))
				return;
			if (g_str_equal (req->method, "GET"))
				list_items (server, req, resp, "task", folder);
			else
				create_item (server, req, resp, "task", folder);
			return;
		}
		if (n == 6 && g_str_equal (seg[5], "delta")) {
			if (method_is (req, resp, "GET", NULL))
				delta (server, req, resp, "task", folder);
			return;
		}
		if (n == 6) {
			item_op (server, req, resp, "task", folder, seg[5]);
			return;
		}
	}
	/* messages: read only */
	if (g_str_equal (seg[1], "messages") || g_str_equal (seg[1], "mailFolders")) {
		gboolean in_folder = g_str_equal (seg[1], "mailFolders");
		guint base = in_folder ? 3 : 1;
		if (!need_scope (req, resp, "Mail.Read", "Mail.ReadWrite", writing))
			return;
		if (in_folder && n == 2) {
			if (method_is (req, resp, "GET", NULL))
				list_folders (server, req, resp, "mailFolder");
			return;
		}
		if (in_folder) {
			folder = graph_folder_lookup (server, "mailFolder", seg[2]);
			if (folder == NULL || n < 4 || !g_str_equal (seg[3], "messages")) {
				graph_resp_error (resp, 404, "ErrorItemNotFound",
						  "The specified folder was not found in the store.");
				return;
			}
		}
		if (!method_is (req, resp, "GET", NULL))
			return;
		if (n == base + 1) {
			list_items (server, req, resp, "message", folder);
			return;
		}
		if (n == base + 2 && g_str_equal (seg[base + 1], "delta") && folder != NULL) {
			delta (server, req, resp, "message", folder);
			return;
		}
		if (n == base + 2) {
			item_op (server, req, resp, "message", folder, seg[base + 1]);
			return;
		}
	}
	not_found (resp, seg[n - 1]);
}
