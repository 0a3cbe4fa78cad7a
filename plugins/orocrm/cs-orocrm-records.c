/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-orocrm-records.h"

static const gchar *contact_strings[] = {
    "namePrefix", "firstName", "middleName", "lastName", "nameSuffix", "gender", "birthday",
    "description", "jobTitle", "fax", "skype", "twitter", "facebook", "googlePlus", "linkedIn",
    NULL};
/* attributes Oro computes or that the record carries in another shape */
static const gchar *contact_other[] = {
    "emails", "phones", "primaryEmail", "primaryPhone", "createdAt", "updatedAt",
    "lastContactedDate", "lastContactedDateIn", "lastContactedDateOut", "timesContacted",
    "timesContactedIn", "timesContactedOut", "externalId", NULL};
static const gchar *task_strings[] = {"subject", "description", "dueDate", NULL};
static const gchar *task_other[] = {"createdAt", "updatedAt", NULL};

gboolean
cs_orocrm_is_builtin_attribute (CsKind kind, const gchar *name)
{
	if (kind == CS_KIND_CONTACT)
		return g_strv_contains (contact_strings, name) || g_strv_contains (contact_other, name);
	if (kind == CS_KIND_TASK)
		return g_strv_contains (task_strings, name) || g_strv_contains (task_other, name);
	return TRUE;
}

static const gchar *
string_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (n);
}

static JsonObject *
object_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
	return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/* a to-one relationship's id */
static const gchar *
val_to_one_id (const CsJsonVal *resource, const gchar *name)
{
	const CsJsonVal *rel = cs_json_val_object (cs_json_val_object (resource, "relationships"), name);
	return cs_json_val_string (cs_json_val_object (rel, "data"), "id");
}

static void
set_nonblank (CsRecord *r, const gchar *name, const gchar *value)
{
	if (value != NULL && value[0] != '\0')
		cs_record_set_string (r, name, value);
}

/* Oro passes a client's invalid UTF-8 through, which GVariant refuses with a
 * critical: keep what can be read, as cs_record_set_string() does */
static gchar *
valid_text (const gchar *s)
{
	return g_utf8_make_valid (s, -1);
}

/* emails/phones as `as`, the primary one first */
static void
set_list (CsRecord *r, const gchar *name, const CsJsonVal *attrs, const gchar *list,
	  const gchar *member, const gchar *primary)
{
	const CsJsonVal *a = cs_json_val_array (attrs, list);
	const gchar *first = cs_json_val_string (attrs, primary);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

	if (first != NULL && first[0] != '\0')
		g_ptr_array_add (out, valid_text (first));
	for (const CsJsonVal *e = cs_json_val_first (a); e != NULL; e = cs_json_val_next (a, e)) {
		const gchar *v = cs_json_val_string (e, member);
		if (v == NULL || v[0] == '\0' || g_strcmp0 (v, first) == 0)
			continue;
		g_ptr_array_add (out, valid_text (v));
	}
	if (out->len > 0)
		cs_record_set_field (r, name, g_variant_new_strv ((const gchar *const *) out->pdata,
								  (gssize) out->len));
}

static void
set_modified (CsRecord *r, const gchar *updated)
{
	gint64 usec;
	if (updated != NULL && cs_time_parse (updated, &usec))
		cs_record_set_modified (r, usec);
}

static void
set_custom (CsOrocrmContext *ctx, CsKind kind, CsRecord *r, const CsJsonVal *attrs)
{
	GPtrArray *names = ctx->custom[kind];
	for (guint i = 0; names != NULL && i < names->len; i++) {
		GVariant *v = cs_json_val_to_value (cs_json_val_member (attrs, names->pdata[i]));
		if (v != NULL)
			cs_record_set_field (r, names->pdata[i], v);
	}
}

/**
 * cs_orocrm_address_flatten:
 * @address: a contactaddresses resource
 *
 * Sets @prefix's Street, City, PostalCode, Region and Country fields of @r.
 */
void
cs_orocrm_address_flatten (CsOrocrmContext *ctx, CsRecord *r, const gchar *prefix,
			   const CsJsonVal *address)
{
	const CsJsonVal *attrs = cs_json_val_object (address, "attributes");
	const gchar *street = cs_json_val_string (attrs, "street");
	const gchar *street2 = cs_json_val_string (attrs, "street2");
	const gchar *region = cs_json_val_string (attrs, "customRegion");
	const gchar *country = val_to_one_id (address, "country");
	g_autofree gchar *full_street = NULL;
	g_autofree gchar *name = NULL;

	if (street2 != NULL && street2[0] != '\0')
		full_street = g_strdup_printf ("%s\n%s", street != NULL ? street : "", street2);
	else
		full_street = g_strdup (street);
	name = g_strconcat (prefix, "Street", NULL);
	set_nonblank (r, name, full_street);
	g_clear_pointer (&name, g_free);
	name = g_strconcat (prefix, "City", NULL);
	set_nonblank (r, name, cs_json_val_string (attrs, "city"));
	g_clear_pointer (&name, g_free);
	name = g_strconcat (prefix, "PostalCode", NULL);
	set_nonblank (r, name, cs_json_val_string (attrs, "postalCode"));
	g_clear_pointer (&name, g_free);
	if (region == NULL) {
		/* a region relationship: "US-MI" → "MI" */
		const gchar *rid = val_to_one_id (address, "region");
		region = rid != NULL && strchr (rid, '-') != NULL ? strchr (rid, '-') + 1 : rid;
	}
	name = g_strconcat (prefix, "Region", NULL);
	set_nonblank (r, name, region);
	g_clear_pointer (&name, g_free);
	if (country != NULL) {
		const gchar *cname = ctx->country_names != NULL
					 ? g_hash_table_lookup (ctx->country_names, country)
					 : NULL;
		name = g_strconcat (prefix, "Country", NULL);
		set_nonblank (r, name, cname != NULL ? cname : country);
	}
}

/**
 * cs_orocrm_contact_from_json:
 * @resource: a contacts resource of a page
 * @addresses: (nullable): contactaddresses id → resource (the `included` part)
 */
CsRecord *
cs_orocrm_contact_from_json (CsOrocrmContext *ctx, const CsJsonVal *resource, GHashTable *addresses)
{
	const CsJsonVal *attrs = cs_json_val_object (resource, "attributes");
	const CsJsonVal *rels = cs_json_val_object (resource, "relationships");
	CsRecord *r = cs_record_new (CS_KIND_CONTACT, cs_json_val_string (resource, "id"));
	const CsJsonVal *data = cs_json_val_array (cs_json_val_object (rels, "addresses"), "data");
	gboolean done[3] = {FALSE, FALSE, FALSE};
	g_autofree gchar *version = NULL;

	for (guint i = 0; contact_strings[i] != NULL; i++)
		set_nonblank (r, contact_strings[i], cs_json_val_string (attrs, contact_strings[i]));
	set_list (r, "emails", attrs, "emails", "email", "primaryEmail");
	set_list (r, "phones", attrs, "phones", "phone", "primaryPhone");
	set_nonblank (r, "owner", val_to_one_id (resource, "owner"));
	set_custom (ctx, CS_KIND_CONTACT, r, attrs);
	if (ctx->account_names != NULL) {
		/* the company: the (first) account the contact belongs to */
		const CsJsonVal *accounts = cs_json_val_array (cs_json_val_object (rels, "accounts"), "data");
		const gchar *aid = cs_json_val_string (cs_json_val_first (accounts), "id");
		set_nonblank (r, "accountName",
			      aid != NULL ? g_hash_table_lookup (ctx->account_names, aid) : NULL);
	}
	/* the primary address of a type wins over the others of that type */
	for (guint pass = 0; pass < 2 && data != NULL; pass++) {
		for (const CsJsonVal *e = cs_json_val_first (data); e != NULL; e = cs_json_val_next (data, e)) {
			const gchar *aid = cs_json_val_string (e, "id");
			const CsJsonVal *address = aid != NULL && addresses != NULL ? g_hash_table_lookup (addresses, aid) : NULL;
			const CsJsonVal *types = cs_json_val_array (
			    cs_json_val_object (cs_json_val_object (address, "relationships"), "types"), "data");
			gboolean primary = cs_json_val_get_boolean (
			    cs_json_val_member (cs_json_val_object (address, "attributes"), "primary"), FALSE);
			if (address == NULL || (pass == 0 && !primary))
				continue;
			if (cs_json_val_get_length (types) == 0) {
				if (!done[2])
					cs_orocrm_address_flatten (ctx, r, "other", address);
				done[2] = TRUE;
				continue;
			}
			for (const CsJsonVal *t = cs_json_val_first (types); t != NULL; t = cs_json_val_next (types, t)) {
				const gchar *type = cs_json_val_string (t, "id");
				guint idx = g_strcmp0 (type, "billing") == 0 ? 0 : g_strcmp0 (type, "shipping") == 0 ? 1 : 2;
				if (idx < 2 && !done[idx]) {
					cs_orocrm_address_flatten (ctx, r, idx == 0 ? "billing" : "shipping", address);
					done[idx] = TRUE;
				}
			}
		}
	}
	set_modified (r, cs_json_val_string (attrs, "updatedAt"));
	version = cs_record_hash_fields (r, NULL);
	cs_record_set_version (r, version);
	return r;
}

CsRecord *
cs_orocrm_task_from_json (CsOrocrmContext *ctx, const CsJsonVal *resource)
{
	const CsJsonVal *attrs = cs_json_val_object (resource, "attributes");
	CsRecord *r = cs_record_new (CS_KIND_TASK, cs_json_val_string (resource, "id"));
	g_autofree gchar *version = NULL;
	const gchar *due = cs_json_val_string (attrs, "dueDate");

	set_nonblank (r, "subject", cs_json_val_string (attrs, "subject"));
	set_nonblank (r, "description", cs_json_val_string (attrs, "description"));
	if (due != NULL) {
		g_autofree gchar *norm = cs_time_normalize (due);
		set_nonblank (r, "dueDate", norm != NULL ? norm : due);
	}
	set_nonblank (r, "taskPriority", val_to_one_id (resource, "taskPriority"));
	set_nonblank (r, "status", val_to_one_id (resource, "status"));
	set_nonblank (r, "owner", val_to_one_id (resource, "owner"));
	set_custom (ctx, CS_KIND_TASK, r, attrs);
	set_modified (r, cs_json_val_string (attrs, "updatedAt"));
	version = cs_record_hash_fields (r, NULL);
	cs_record_set_version (r, version);
	return r;
}

/* an all-day event keeps dates: the start day and the day after the end
 * (end exclusive), whatever time of day Oro stored */
static gchar *
all_day_date (const gchar *text, gboolean is_end)
{
	g_autoptr(GDateTime) dt = NULL;
	gint64 usec;
	if (text == NULL || !cs_time_parse (text, &usec))
		return NULL;
	dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
	if (is_end && (g_date_time_get_hour (dt) != 0 || g_date_time_get_minute (dt) != 0 ||
		       g_date_time_get_second (dt) != 0)) {
		g_autoptr(GDateTime) next = g_date_time_add_days (dt, 1);
		return g_date_time_format (next, "%Y-%m-%d");
	}
	return g_date_time_format (dt, "%Y-%m-%d");
}

static const struct {
	const gchar *oro;
	const gchar *outlook;
} recurrence_types[] = {{"daily", "daily"},		{"weekly", "weekly"},
			{"monthly", "absoluteMonthly"}, {"monthnth", "relativeMonthly"},
			{"yearly", "absoluteYearly"},	{"yearnth", "relativeYearly"}};
static const gchar *instances[] = {"first", "second", "third", "fourth", "last"};

static gchar *
date_part (const gchar *text)
{
	gint64 usec;
	g_autoptr(GDateTime) dt = NULL;
	if (text == NULL || !cs_time_parse (text, &usec))
		return NULL;
	dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
	return g_date_time_format (dt, "%Y-%m-%d");
}

/* Oro's recurrence → the Outlook side's patternedRecurrence shape */
static GVariant *
recurrence_from_json (JsonObject *rec)
{
	const gchar *type = string_member (rec, "recurrenceType");
	const gchar *pattern_type = NULL;
	GVariantBuilder pattern, range, all;
	JsonNode *days = json_object_get_member (rec, "dayOfWeek");
	gint64 instance = cs_json_get_int (rec, "instance", 0);
	gint64 occurrences = cs_json_get_int (rec, "occurrences", 0);
	g_autofree gchar *start = date_part (string_member (rec, "startTime"));
	g_autofree gchar *end = date_part (string_member (rec, "endTime"));

	for (guint i = 0; i < G_N_ELEMENTS (recurrence_types); i++) {
		if (g_strcmp0 (type, recurrence_types[i].oro) == 0)
			pattern_type = recurrence_types[i].outlook;
	}
	if (pattern_type == NULL)
		return NULL;
	g_variant_builder_init (&pattern, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add (&pattern, "{sv}", "type", g_variant_new_string (pattern_type));
	g_variant_builder_add (&pattern, "{sv}", "interval",
			       g_variant_new_int64 (cs_json_get_int (rec, "interval", 1)));
	if (days != NULL && JSON_NODE_HOLDS_ARRAY (days) && json_array_get_length (json_node_get_array (days)) > 0) {
		JsonArray *a = json_node_get_array (days);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
		/* only day names: a number or an object in the list is no day */
		for (guint i = 0; i < json_array_get_length (a); i++) {
			JsonNode *e = json_array_get_element (a, i);
			if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
				g_ptr_array_add (names, valid_text (json_node_get_string (e)));
		}
		g_variant_builder_add (&pattern, "{sv}", "daysOfWeek",
				       g_variant_new_strv ((const gchar *const *) names->pdata, (gssize) names->len));
	}
	if (cs_json_get_int (rec, "dayOfMonth", 0) > 0)
		g_variant_builder_add (&pattern, "{sv}", "dayOfMonth",
				       g_variant_new_int64 (cs_json_get_int (rec, "dayOfMonth", 0)));
	if (cs_json_get_int (rec, "monthOfYear", 0) > 0)
		g_variant_builder_add (&pattern, "{sv}", "month",
				       g_variant_new_int64 (cs_json_get_int (rec, "monthOfYear", 0)));
	if (instance >= 1 && instance <= 5)
		g_variant_builder_add (&pattern, "{sv}", "index", g_variant_new_string (instances[instance - 1]));
	g_variant_builder_init (&range, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add (&range, "{sv}", "type",
			       g_variant_new_string (occurrences > 0 ? "numbered" : end != NULL ? "endDate" : "noEnd"));
	if (start != NULL)
		g_variant_builder_add (&range, "{sv}", "startDate", g_variant_new_string (start));
	if (occurrences > 0)
		g_variant_builder_add (&range, "{sv}", "numberOfOccurrences", g_variant_new_int64 (occurrences));
	else if (end != NULL)
		g_variant_builder_add (&range, "{sv}", "endDate", g_variant_new_string (end));
	if (string_member (rec, "timeZone") != NULL) {
		g_autofree gchar *zone = valid_text (string_member (rec, "timeZone"));
		g_variant_builder_add (&range, "{sv}", "recurrenceTimeZone", g_variant_new_string (zone));
	}
	g_variant_builder_init (&all, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add (&all, "{sv}", "pattern", g_variant_builder_end (&pattern));
	g_variant_builder_add (&all, "{sv}", "range", g_variant_builder_end (&range));
	return g_variant_builder_end (&all);
}

/* the people an event is with, by address (what Outlook's attendees are and
 * what finds a contact): the organizer is the calendar's owner, not one of
 * them; nothing when there are none */
static void
set_attendees (CsRecord *r, JsonObject *event)
{
	JsonNode *n = json_object_get_member (event, "attendees");
	JsonArray *a = n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
	GVariantBuilder b;
	guint count = 0;

	g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		JsonNode *e = json_array_get_element (a, i);
		JsonObject *at = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
		const gchar *email = at != NULL ? string_member (at, "email") : NULL;
		if (email == NULL || email[0] == '\0' ||
		    g_strcmp0 (string_member (at, "type"), "organizer") == 0)
			continue;
		g_variant_builder_add (&b, "s", email);
		count++;
	}
	if (count > 0)
		cs_record_set_field (r, "attendees", g_variant_builder_end (&b));
	else
		g_variant_builder_clear (&b);
}

CsRecord *
cs_orocrm_event_from_json (CsOrocrmContext *ctx, JsonObject *event)
{
	g_autofree gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT,
						cs_json_get_int (event, "id", 0));
	CsRecord *r = cs_record_new (CS_KIND_EVENT, id);
	gboolean all_day = cs_json_get_bool (event, "allDay", FALSE);
	const gchar *start = string_member (event, "start");
	const gchar *end = string_member (event, "end");
	g_autofree gchar *s = NULL;
	g_autofree gchar *e = NULL;
	g_autofree gchar *version = NULL;

	set_nonblank (r, "title", string_member (event, "title"));
	set_nonblank (r, "description", string_member (event, "description"));
	cs_record_set_bool (r, "allDay", all_day);
	s = all_day ? all_day_date (start, FALSE) : cs_time_normalize (start);
	e = all_day ? all_day_date (end, TRUE) : cs_time_normalize (end);
	set_nonblank (r, "start", s);
	set_nonblank (r, "end", e);
	set_nonblank (r, "uid", string_member (event, "uid"));
	set_nonblank (r, "owner", ctx->owner);
	set_attendees (r, event);
	if (object_member (event, "recurrence") != NULL) {
		GVariant *rec = recurrence_from_json (object_member (event, "recurrence"));
		if (rec != NULL)
			cs_record_set_field (r, "recurrence", rec);
	}
	set_modified (r, string_member (event, "updatedAt"));
	version = cs_record_hash_fields (r, NULL);
	cs_record_set_version (r, version);
	return r;
}

/* a field's text, NULL for no value (absent, null or blank) */
static const gchar *
text_or_null (const CsRecord *r, const gchar *name, gboolean *present)
{
	GVariant *v = cs_record_get_field (r, name);
	const gchar *s;
	*present = v != NULL;
	if (v == NULL || cs_value_is_null (v) || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return NULL;
	for (s = g_variant_get_string (v, NULL); *s != '\0'; s++) {
		if (!g_ascii_isspace (*s))
			return g_variant_get_string (v, NULL);
	}
	return NULL;
}

static void
set_text (JsonObject *o, const gchar *name, const gchar *value)
{
	if (value != NULL)
		json_object_set_string_member (o, name, value);
	else
		json_object_set_null_member (o, name);
}

static void
put_list (JsonObject *attrs, const CsRecord *r, const gchar *name, const gchar *member,
	  const gchar *primary)
{
	GVariant *v = cs_record_get_field (r, name);
	JsonArray *a;
	const gchar *first = NULL;

	if (v == NULL)
		return;
	a = json_array_new ();
	if (!cs_value_is_null (v) && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY)) {
		g_autofree const gchar **items = g_variant_get_strv (v, NULL);
		for (guint i = 0; items[i] != NULL; i++) {
			JsonObject *e;
			g_autofree gchar *t = g_strstrip (g_strdup (items[i]));
			if (t[0] == '\0')
				continue;
			e = json_object_new ();
			json_object_set_string_member (e, member, t);
			json_array_add_object_element (a, e);
			if (first == NULL)
				first = items[i];
		}
	} else if (!cs_value_is_null (v) && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) &&
		   g_variant_get_string (v, NULL)[0] != '\0') {
		JsonObject *e = json_object_new ();
		json_object_set_string_member (e, member, g_variant_get_string (v, NULL));
		json_array_add_object_element (a, e);
		first = g_variant_get_string (v, NULL);
	}
	json_object_set_array_member (attrs, name, a);
	if (first != NULL) {
		g_autofree gchar *t = g_strstrip (g_strdup (first));
		json_object_set_string_member (attrs, primary, t);
	} else {
		json_object_set_null_member (attrs, primary);
	}
}

static void
put_custom (CsOrocrmContext *ctx, CsKind kind, JsonObject *attrs, const CsRecord *r)
{
	GPtrArray *names = ctx->custom[kind];
	for (guint i = 0; names != NULL && i < names->len; i++) {
		GVariant *v = cs_record_get_field (r, names->pdata[i]);
		if (v == NULL)
			continue;
		if (cs_value_is_null (v))
			json_object_set_null_member (attrs, names->pdata[i]);
		else
			json_object_set_member (attrs, names->pdata[i], cs_json_from_value (v));
	}
}

/**
 * cs_orocrm_contact_to_json:
 *
 * The attributes of a contact for a create or update: only the fields the
 * record carries (an update carries what changed).
 */
JsonObject *
cs_orocrm_contact_to_json (CsOrocrmContext *ctx, const CsRecord *r)
{
	JsonObject *attrs = json_object_new ();
	for (guint i = 0; contact_strings[i] != NULL; i++) {
		gboolean present;
		const gchar *v = text_or_null (r, contact_strings[i], &present);
		if (!present)
			continue;
		if (g_str_equal (contact_strings[i], "gender") && v != NULL &&
		    !g_str_equal (v, "male") && !g_str_equal (v, "female"))
			v = NULL; /* Outlook's "unspecified" */
		set_text (attrs, contact_strings[i], v);
	}
	put_list (attrs, r, "emails", "email", "primaryEmail");
	put_list (attrs, r, "phones", "phone", "primaryPhone");
	put_custom (ctx, CS_KIND_CONTACT, attrs, r);
	return attrs;
}

/**
 * cs_orocrm_task_to_json:
 *
 * A JSON:API resource object without id: attributes plus the priority and
 * status relationships; a create gets Oro's defaults for what is missing.
 */
JsonObject *
cs_orocrm_task_to_json (CsOrocrmContext *ctx, const CsRecord *r, gboolean create)
{
	JsonObject *res = json_object_new ();
	JsonObject *attrs = json_object_new ();
	JsonObject *rels = json_object_new ();
	static const struct {
		const gchar *field;
		const gchar *type;
		const gchar *fallback;
	} links[] = {{"taskPriority", "taskpriorities", "normal"}, {"status", "taskstatuses", "open"}};

	json_object_set_string_member (res, "type", "tasks");
	for (guint i = 0; task_strings[i] != NULL; i++) {
		gboolean present;
		const gchar *v = text_or_null (r, task_strings[i], &present);
		if (!present)
			continue;
		if (g_str_equal (task_strings[i], "dueDate") && v != NULL) {
			g_autofree gchar *norm = cs_time_normalize (v);
			set_text (attrs, "dueDate", norm != NULL ? norm : v);
			continue;
		}
		set_text (attrs, task_strings[i], v);
	}
	put_custom (ctx, CS_KIND_TASK, attrs, r);
	for (guint i = 0; i < G_N_ELEMENTS (links); i++) {
		gboolean present;
		const gchar *v = text_or_null (r, links[i].field, &present);
		JsonObject *rel, *d;
		if (!present && !create)
			continue;
		if (v == NULL)
			v = links[i].fallback;
		rel = json_object_new ();
		d = json_object_new ();
		json_object_set_string_member (d, "type", links[i].type);
		json_object_set_string_member (d, "id", v);
		json_object_set_object_member (rel, "data", d);
		json_object_set_object_member (rels, links[i].field, rel);
	}
	json_object_set_object_member (res, "attributes", attrs);
	if (json_object_get_size (rels) > 0)
		json_object_set_object_member (res, "relationships", rels);
	else
		json_object_unref (rels);
	return res;
}

/* Oro's all-day events are midnight to midnight */
static gchar *
event_time (const gchar *v)
{
	if (v == NULL)
		return NULL;
	if (strlen (v) == 10)
		return g_strdup_printf ("%sT00:00:00Z", v);
	return cs_time_normalize (v);
}

static const gchar *
dict_string (GVariant *dict, const gchar *key)
{
	const gchar *v = NULL;
	if (dict != NULL && g_variant_lookup (dict, key, "&s", &v))
		return v;
	return NULL;
}

static gint64
dict_int (GVariant *dict, const gchar *key)
{
	g_autoptr(GVariant) v = dict != NULL ? g_variant_lookup_value (dict, key, NULL) : NULL;
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

/* the Outlook side's recurrence → Oro's; NULL if it has no pattern Oro knows */
static JsonObject *
recurrence_to_json (GVariant *value, const gchar *event_start)
{
	g_autoptr(GVariant) pattern = g_variant_lookup_value (value, "pattern", G_VARIANT_TYPE_VARDICT);
	g_autoptr(GVariant) range = g_variant_lookup_value (value, "range", G_VARIANT_TYPE_VARDICT);
	g_autoptr(GVariant) days = pattern != NULL ? g_variant_lookup_value (pattern, "daysOfWeek", NULL) : NULL;
	const gchar *type = dict_string (pattern, "type");
	const gchar *index = dict_string (pattern, "index");
	const gchar *range_type = dict_string (range, "type");
	const gchar *oro_type = NULL;
	JsonObject *o;

	for (guint i = 0; i < G_N_ELEMENTS (recurrence_types); i++) {
		if (g_strcmp0 (type, recurrence_types[i].outlook) == 0)
			oro_type = recurrence_types[i].oro;
	}
	if (oro_type == NULL)
		return NULL;
	o = json_object_new ();
	json_object_set_string_member (o, "recurrenceType", oro_type);
	json_object_set_int_member (o, "interval", MAX (dict_int (pattern, "interval"), 1));
	if (days != NULL && g_variant_is_of_type (days, G_VARIANT_TYPE_STRING_ARRAY)) {
		JsonArray *a = json_array_new ();
		g_autofree const gchar **names = g_variant_get_strv (days, NULL);
		for (guint i = 0; names[i] != NULL; i++)
			json_array_add_string_element (a, names[i]);
		json_object_set_array_member (o, "dayOfWeek", a);
	}
	if (dict_int (pattern, "dayOfMonth") > 0)
		json_object_set_int_member (o, "dayOfMonth", dict_int (pattern, "dayOfMonth"));
	if (dict_int (pattern, "month") > 0)
		json_object_set_int_member (o, "monthOfYear", dict_int (pattern, "month"));
	for (guint i = 0; index != NULL && i < G_N_ELEMENTS (instances); i++) {
		if (g_str_equal (index, instances[i]))
			json_object_set_int_member (o, "instance", i + 1);
	}
	/* the series starts with the event itself */
	if (event_start != NULL) {
		g_autofree gchar *t = strlen (event_start) == 10 ? g_strdup_printf ("%sT00:00:00Z", event_start)
								   : cs_time_normalize (event_start);
		json_object_set_string_member (o, "startTime", t);
	} else if (dict_string (range, "startDate") != NULL) {
		g_autofree gchar *t = g_strdup_printf ("%sT00:00:00Z", dict_string (range, "startDate"));
		json_object_set_string_member (o, "startTime", t);
	}
	if (g_strcmp0 (range_type, "numbered") == 0 && dict_int (range, "numberOfOccurrences") > 0) {
		json_object_set_int_member (o, "occurrences", dict_int (range, "numberOfOccurrences"));
		json_object_set_null_member (o, "endTime");
	} else if (g_strcmp0 (range_type, "endDate") == 0 && dict_string (range, "endDate") != NULL) {
		g_autofree gchar *t = g_strdup_printf ("%sT23:59:59Z", dict_string (range, "endDate"));
		json_object_set_string_member (o, "endTime", t);
	} else {
		json_object_set_null_member (o, "endTime");
	}
	json_object_set_string_member (o, "timeZone", dict_string (range, "recurrenceTimeZone") != NULL
							  ? dict_string (range, "recurrenceTimeZone")
							  : "UTC");
	return o;
}

JsonObject *
cs_orocrm_event_to_json (const CsRecord *r)
{
	JsonObject *o = json_object_new ();
	static const gchar *texts[] = {"title", "description", NULL};
	for (guint i = 0; texts[i] != NULL; i++) {
		gboolean present;
		const gchar *v = text_or_null (r, texts[i], &present);
		if (present)
			set_text (o, texts[i], v);
	}
	if (cs_record_has_field (r, "allDay"))
		json_object_set_boolean_member (o, "allDay", cs_record_get_bool (r, "allDay", FALSE));
	for (guint i = 0; i < 2; i++) {
		const gchar *name = i == 0 ? "start" : "end";
		gboolean present;
		const gchar *v = text_or_null (r, name, &present);
		g_autofree gchar *t = event_time (v);
		if (t != NULL)
			json_object_set_string_member (o, name, t);
	}
	if (cs_record_has_field (r, "recurrence")) {
		GVariant *v = cs_record_get_field (r, "recurrence");
		JsonObject *rec = NULL;
		if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT)) {
			g_autoptr(GVariant) inner = g_variant_get_variant (v);
			if (g_variant_is_of_type (inner, G_VARIANT_TYPE_VARDICT))
				rec = recurrence_to_json (inner, cs_record_get_string (r, "start"));
		} else if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT)) {
			rec = recurrence_to_json (v, cs_record_get_string (r, "start"));
		}
		if (rec != NULL)
			json_object_set_object_member (o, "recurrence", rec);
		else if (cs_value_is_null (v))
			json_object_set_null_member (o, "recurrence");
	}
	if (cs_record_has_field (r, "attendees")) {
		/* plain addresses: OroCRM links one to its user itself; the event
		 * is written with notifyAttendees=none, so nobody is invited */
		GVariant *v = cs_record_get_field (r, "attendees");
		JsonArray *a = json_array_new ();
		for (gsize i = 0; g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY) &&
				  i < g_variant_n_children (v);
		     i++) {
			const gchar *email;
			JsonObject *at = json_object_new ();
			g_variant_get_child (v, i, "&s", &email);
			json_object_set_string_member (at, "displayName", email);
			json_object_set_string_member (at, "email", email);
			json_object_set_string_member (at, "type", "required");
			json_array_add_object_element (a, at);
		}
		json_object_set_array_member (o, "attendees", a);
	}
	return o;
}

gboolean
cs_orocrm_record_touches_address (const CsRecord *r, const gchar *prefix)
{
	for (guint i = 0; CS_OROCRM_ADDRESS_PARTS[i] != NULL; i++) {
		g_autofree gchar *name = g_strconcat (prefix, CS_OROCRM_ADDRESS_PARTS[i], NULL);
		if (cs_record_has_field (r, name))
			return TRUE;
	}
	return FALSE;
}

/**
 * cs_orocrm_country_id:
 * @text: a country as a person typed it
 *
 * Returns: (nullable): OroCRM's id of that country (ISO2), %NULL when OroCRM
 *   knows no such country (or its list was not loaded)
 */
const gchar *
cs_orocrm_country_id (CsOrocrmContext *ctx, const gchar *text)
{
	g_autofree gchar *key = NULL;
	const gchar *code;

	if (ctx->country_codes == NULL || text == NULL)
		return NULL;
	key = g_utf8_strdown (text, -1);
	code = g_hash_table_lookup (ctx->country_codes, key);
	/* the CRM names its countries in its own language; Outlook users type
	 * them in theirs */
	if (code == NULL && cs_country_code (text) != NULL) {
		g_autofree gchar *iso = g_ascii_strdown (cs_country_code (text), -1);
		code = g_hash_table_lookup (ctx->country_codes, iso);
	}
	return code;
}

/**
 * cs_orocrm_unknown_country:
 * @record: a contact to write
 *
 * Returns: (nullable): the first country of @record's addresses that OroCRM
 *   does not know, and in @prefix which address it is in
 */
const gchar *
cs_orocrm_unknown_country (CsOrocrmContext *ctx, const CsRecord *record, const gchar **prefix)
{
	if (ctx->country_codes == NULL)
		return NULL;
	for (guint p = 0; CS_OROCRM_ADDRESS_PREFIXES[p] != NULL; p++) {
		g_autofree gchar *name = g_strconcat (CS_OROCRM_ADDRESS_PREFIXES[p], "Country", NULL);
		gboolean present;
		const gchar *v = text_or_null (record, name, &present);
		if (v != NULL && cs_orocrm_country_id (ctx, v) == NULL) {
			*prefix = CS_OROCRM_ADDRESS_PREFIXES[p];
			return v;
		}
	}
	return NULL;
}

/**
 * cs_orocrm_address_to_json:
 * @merged: the contact's full wanted state (current values with the changes)
 *
 * Returns: (nullable): the address attributes plus "country" (an ISO2 id,
 *   as a string member to be moved into relationships), or %NULL when the
 *   wanted address of that type is empty
 */
JsonObject *
cs_orocrm_address_to_json (CsOrocrmContext *ctx, const gchar *prefix, const CsRecord *merged)
{
	JsonObject *o = json_object_new ();
	gboolean any = FALSE;

	for (guint i = 0; CS_OROCRM_ADDRESS_PARTS[i] != NULL; i++) {
		g_autofree gchar *name = g_strconcat (prefix, CS_OROCRM_ADDRESS_PARTS[i], NULL);
		gboolean present;
		const gchar *v = text_or_null (merged, name, &present);
		const gchar *part = CS_OROCRM_ADDRESS_PARTS[i];
		if (v != NULL)
			any = TRUE;
		if (g_str_equal (part, "Street")) {
			g_auto(GStrv) lines = g_strsplit (v != NULL ? v : "", "\n", 2);
			set_text (o, "street", v != NULL ? lines[0] : NULL);
			set_text (o, "street2", v != NULL && lines[0] != NULL ? lines[1] : NULL);
		} else if (g_str_equal (part, "City")) {
			set_text (o, "city", v);
		} else if (g_str_equal (part, "PostalCode")) {
			set_text (o, "postalCode", v);
		} else if (g_str_equal (part, "Region")) {
			set_text (o, "customRegion", v);
		} else if (g_str_equal (part, "Country") && v != NULL) {
			const gchar *code = cs_orocrm_country_id (ctx, v);
			if (code != NULL)
				json_object_set_string_member (o, "country", code);
		}
	}
	if (!any) {
		json_object_unref (o);
		return NULL;
	}
	return o;
}

/**
 * cs_orocrm_error_text:
 *
 * One line from an Oro error document: JSON:API `errors[]`, old REST
 * `{code, message, errors}` or an OAuth error.
 */
gchar *
cs_orocrm_error_text (JsonNode *doc)
{
	JsonObject *o = doc != NULL && JSON_NODE_HOLDS_OBJECT (doc) ? json_node_get_object (doc) : NULL;
	JsonNode *errors = o != NULL ? json_object_get_member (o, "errors") : NULL;
	GString *s = g_string_new (NULL);

	if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors)) {
		JsonArray *a = json_node_get_array (errors);
		for (guint i = 0; i < json_array_get_length (a) && i < 3; i++) {
			JsonObject *e = cs_json_array_get_object (a, i);
			JsonObject *src = object_member (e, "source");
			const gchar *where = string_member (src, "pointer");
			if (where == NULL)
				where = string_member (src, "parameter");
			g_string_append_printf (s, "%s%s", s->len > 0 ? "; " : "",
						string_member (e, "detail") != NULL ? string_member (e, "detail")
										    : string_member (e, "title"));
			if (where != NULL)
				g_string_append_printf (s, " (%s)", where);
		}
	} else if (o != NULL && string_member (o, "message") != NULL) {
		g_string_append (s, string_member (o, "message"));
		if (errors != NULL && JSON_NODE_HOLDS_OBJECT (errors)) {
			JsonObject *children = object_member (json_node_get_object (errors), "children");
			g_autoptr(GList) names = children != NULL ? json_object_get_members (children) : NULL;
			for (GList *l = names; l != NULL; l = l->next) {
				JsonObject *c = object_member (children, l->data);
				JsonNode *en = c != NULL ? json_object_get_member (c, "errors") : NULL;
				JsonNode *first = en != NULL && JSON_NODE_HOLDS_ARRAY (en) &&
							  json_array_get_length (json_node_get_array (en)) > 0
						      ? json_array_get_element (json_node_get_array (en), 0)
						      : NULL;
				if (first != NULL && JSON_NODE_HOLDS_VALUE (first) &&
				    json_node_get_value_type (first) == G_TYPE_STRING)
					g_string_append_printf (s, "; %s: %s", (gchar *) l->data,
								json_node_get_string (first));
			}
		}
	} else if (o != NULL && string_member (o, "error") != NULL) {
		g_string_append (s, string_member (o, "error_description") != NULL
					? string_member (o, "error_description")
					: string_member (o, "error"));
	}
	if (s->len == 0)
		g_string_append (s, "no details given");
	return g_string_free (s, FALSE);
}
