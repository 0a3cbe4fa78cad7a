/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-orocrm.h"

/*
 * Calendar events: Oro keeps them out of JSON:API, so clients use the old
 * FOSRest API under /api/rest/{latest|v1}/ with plain JSON bodies, a bare
 * array for lists, `page`/`limit` or `start`/`end`, and date filters written
 * with the operator in the key (`updatedAt>2014-03-04T20:00:00+0000`).
 */

static const gchar *event_fields[] = {
    "id", "uid", "calendar", "calendarAlias", "title", "description", "start", "end", "allDay",
    "backgroundColor", "reminders", "attendees", "notifyAttendees", "createdAt", "recurrence",
    "recurringEventId", "originalStart", "isCancelled", "updateExceptions", NULL};

gboolean
emu_oro_rest_setup (EmuServer *server, GError **error)
{
	return emu_db_exec (server,
			    "CREATE TABLE IF NOT EXISTS calendars (id INTEGER PRIMARY KEY, owner INTEGER,"
			    "  name TEXT);"
			    "INSERT OR IGNORE INTO calendars VALUES (1, 1, 'Default'), (2, 2, 'Default');"
			    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, calendar INTEGER,"
			    "  uid TEXT,"
			    "  doc TEXT NOT NULL, start TEXT, end_ TEXT, created TEXT, updated TEXT);"
			    "CREATE INDEX IF NOT EXISTS events_cal ON events (calendar, id);"
			    "CREATE INDEX IF NOT EXISTS events_updated ON events (calendar, updated);",
			    error);
}

gint64
emu_oro_calendar_of_user (EmuServer *server, gint64 user_id)
{
	g_autoptr(sqlite3_stmt) st =
	    emu_db_prepare (server, "SELECT id FROM calendars WHERE owner = ? ORDER BY id", NULL);
	sqlite3_bind_int64 (st, 1, user_id);
	return sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : 0;
}

static void
reply_code (SoupServerMessage *msg, guint status, const gchar *message)
{
	g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	JsonObject *o = json_object_new ();
	json_object_set_int_member (o, "code", status);
	json_object_set_string_member (o, "message", message);
	json_node_take_object (root, o);
	emu_reply_json (msg, status, "application/json", root);
}

/* RFC 3339 as Oro's REST API writes times: 2016-10-14T22:00:00+00:00 */
static gchar *
rest_time (const gchar *utc_z)
{
	g_autoptr(GDateTime) dt = utc_z != NULL ? emu_oro_time_parse (utc_z) : NULL;
	if (dt == NULL)
		return NULL;
	return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S+00:00");
}

static JsonObject *
render_event (EmuServer *server, sqlite3_stmt *st)
{
	g_autoptr(JsonNode) doc = json_from_string ((const gchar *) sqlite3_column_text (st, 3), NULL);
	JsonObject *in = json_node_get_object (doc);
	JsonObject *o = json_object_new ();
	g_autofree gchar *start = rest_time ((const gchar *) sqlite3_column_text (st, 4));
	g_autofree gchar *end = rest_time ((const gchar *) sqlite3_column_text (st, 5));
	g_autofree gchar *created = rest_time ((const gchar *) sqlite3_column_text (st, 6));
	g_autofree gchar *updated = rest_time ((const gchar *) sqlite3_column_text (st, 7));
	static const gchar *copy[] = {"title", "description", "allDay", "backgroundColor",
				      "reminders", "attendees", "recurrence", "recurringEventId",
				      "originalStart", "isCancelled", NULL};

	json_object_set_int_member (o, "id", sqlite3_column_int64 (st, 0));
	json_object_set_string_member (o, "uid", (const gchar *) sqlite3_column_text (st, 2));
	json_object_set_int_member (o, "calendar", sqlite3_column_int64 (st, 1));
	json_object_set_null_member (o, "parentEventId");
	for (guint i = 0; copy[i] != NULL; i++) {
		JsonNode *v = json_object_get_member (in, copy[i]);
		if (v != NULL)
			json_object_set_member (o, copy[i], json_node_copy (v));
		else if (g_str_equal (copy[i], "attendees") || g_str_equal (copy[i], "reminders"))
			json_object_set_array_member (o, copy[i], json_array_new ());
		else if (g_str_equal (copy[i], "allDay") || g_str_equal (copy[i], "isCancelled"))
			json_object_set_boolean_member (o, copy[i], FALSE);
		else
			json_object_set_null_member (o, copy[i]);
	}
	json_object_set_string_member (o, "start", start);
	json_object_set_string_member (o, "end", end);
	json_object_set_boolean_member (o, "editable", TRUE);
	json_object_set_boolean_member (o, "editableInvitationStatus", FALSE);
	json_object_set_boolean_member (o, "removable", TRUE);
	json_object_set_string_member (o, "invitationStatus", "none");
	json_object_set_string_member (o, "createdAt", created);
	json_object_set_string_member (o, "updatedAt", updated);
	json_object_set_boolean_member (o, "isOrganizer", TRUE);
	json_object_set_null_member (o, "organizerDisplayName");
	json_object_set_null_member (o, "organizerEmail");
	json_object_set_null_member (o, "organizerUserId");
	(void) server;
	return o;
}

#define EVENT_COLUMNS "id, calendar, uid, doc, start, end_, created, updated"

/* the request's parameters: JSON object or form, all as JSON nodes */
static JsonObject *
request_fields (SoupServerMessage *msg, gchar **problem)
{
	SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
	const gchar *ct = soup_message_headers_get_content_type (req, NULL);
	g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

	if (g_strcmp0 (ct, "application/x-www-form-urlencoded") == 0) {
		g_autofree gchar *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
		g_autoptr(GHashTable) form = soup_form_decode (text);
		JsonObject *o = json_object_new ();
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init (&it, form);
		while (g_hash_table_iter_next (&it, &k, &v)) {
			if (g_str_equal (k, "allDay") || g_str_equal (k, "isCancelled"))
				json_object_set_boolean_member (o, k, g_str_equal (v, "true") || g_str_equal (v, "1"));
			else
				json_object_set_string_member (o, k, v);
		}
		return o;
	} else {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) root = emu_request_json (msg, &error);
		if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
			*problem = g_strdup_printf ("Invalid json message received: %s",
						    error != NULL ? error->message : "not an object");
			return NULL;
		}
		return json_object_ref (json_node_get_object (root));
	}
}

static void
child_error (JsonObject *children, const gchar *field, const gchar *message)
{
	JsonObject *c;
	JsonArray *errs;
	if (!json_object_has_member (children, field)) {
		c = json_object_new ();
		json_object_set_array_member (c, "errors", json_array_new ());
		json_object_set_object_member (children, field, c);
	}
	c = json_object_get_object_member (children, field);
	errs = json_object_get_array_member (c, "errors");
	json_array_add_string_element (errs, message);
}

/*
 * An event's attendees as OroCalendarBundle's AttendeeType form takes them
 * (Entity/Attendee.php): a list of {displayName, email, status, type};
 * status none|accepted|declined|tentative (default none), type
 * organizer|optional|required; an e-mail must be one; anything else is an
 * extra field the form rejects. Returns the attendees as kept, or NULL with
 * @why.
 */
static JsonArray *
attendees_validate (JsonNode *v, gchar **why)
{
	static const gchar *statuses[] = {"none", "accepted", "declined", "tentative", NULL};
	static const gchar *types[] = {"organizer", "optional", "required", NULL};
	static const gchar *known[] = {"displayName", "email", "status", "type", NULL};
	g_autoptr(JsonArray) out = json_array_new ();
	JsonArray *a;

	if (JSON_NODE_HOLDS_NULL (v))
		return g_steal_pointer (&out);
	if (!JSON_NODE_HOLDS_ARRAY (v)) {
		*why = g_strdup ("This value is not valid.");
		return NULL;
	}
	a = json_node_get_array (v);
	for (guint i = 0; i < json_array_get_length (a); i++) {
		JsonNode *e = json_array_get_element (a, i);
		JsonObject *in = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
		g_autoptr(GList) members = NULL;
		JsonObject *at;
		const gchar *email, *name, *status, *type;
		if (in == NULL) {
			*why = g_strdup ("This value is not valid.");
			return NULL;
		}
		members = json_object_get_members (in);
		for (GList *l = members; l != NULL; l = l->next) {
			JsonNode *m = json_object_get_member (in, l->data);
			if (!g_strv_contains (known, l->data)) {
				*why = g_strdup ("This form should not contain extra fields.");
				return NULL;
			}
			if (!JSON_NODE_HOLDS_NULL (m)
			    && (!JSON_NODE_HOLDS_VALUE (m)
				|| json_node_get_value_type (m) != G_TYPE_STRING)) {
				*why = g_strdup_printf ("%s: This value is not valid.", (gchar *) l->data);
				return NULL;
			}
		}
		email = json_object_get_string_member_with_default (in, "email", NULL);
		name = json_object_get_string_member_with_default (in, "displayName", NULL);
		status = json_object_get_string_member_with_default (in, "status", NULL);
		type = json_object_get_string_member_with_default (in, "type", NULL);
		if (email != NULL && email[0] != '\0' &&
		    (strchr (email, '@') == NULL || strchr (email, ' ') != NULL ||
		     strchr (email, '@') == email || strchr (email, '@')[1] == '\0')) {
			*why = g_strdup ("email: This value is not a valid email address.");
			return NULL;
		}
		if ((email == NULL || email[0] == '\0') && (name == NULL || name[0] == '\0')) {
			*why = g_strdup ("displayName: This value should not be blank.");
			return NULL;
		}
		if (status != NULL && !g_strv_contains (statuses, status)) {
			*why = g_strdup ("status: The value you selected is not a valid choice.");
			return NULL;
		}
		if (type != NULL && !g_strv_contains (types, type)) {
			*why = g_strdup ("type: The value you selected is not a valid choice.");
			return NULL;
		}
		at = json_object_new ();
		json_object_set_string_member (at, "displayName", name != NULL ? name : email);
		if (email != NULL && email[0] != '\0')
			json_object_set_string_member (at, "email", email);
		else
			json_object_set_null_member (at, "email");
		json_object_set_null_member (at, "userId");
		json_object_set_string_member (at, "status", status != NULL ? status : "none");
		if (type != NULL)
			json_object_set_string_member (at, "type", type);
		else
			json_object_set_null_member (at, "type");
		json_array_add_object_element (out, at);
	}
	return g_steal_pointer (&out);
}

/* validates @in and merges it into @doc; returns the errors object or NULL */
static JsonObject *
apply_event (EmuServer *server, JsonObject *in, JsonObject *doc, gint64 user_id, gboolean create,
	     gint64 *calendar, gchar **start, gchar **end, gchar **uid)
{
	JsonObject *errors = json_object_new ();
	JsonObject *children = json_object_new ();
	g_autoptr(GList) names = json_object_get_members (in);
	gboolean extra = FALSE;

	for (GList *l = names; l != NULL; l = l->next) {
		const gchar *name = l->data;
		JsonNode *v = json_object_get_member (in, name);
		if (!g_strv_contains (event_fields, name)) {
			extra = TRUE;
			continue;
		}
		if (g_str_equal (name, "start") || g_str_equal (name, "end")) {
			g_autoptr(GDateTime) dt = JSON_NODE_HOLDS_VALUE (v) &&
							  json_node_get_value_type (v) == G_TYPE_STRING
						      ? emu_oro_time_parse (json_node_get_string (v))
						      : NULL;
			if (dt == NULL) {
				child_error (children, name, "This value is not valid.");
				continue;
			}
			g_free (g_str_equal (name, "start") ? *start : *end);
			if (g_str_equal (name, "start"))
				*start = emu_oro_time_format (dt);
			else
				*end = emu_oro_time_format (dt);
		} else if (g_str_equal (name, "calendar")) {
			gint64 c = JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_INT64
				       ? json_node_get_int (v)
				       : g_ascii_strtoll (JSON_NODE_HOLDS_VALUE (v) ? json_node_get_string (v) ?: "" : "", NULL, 10);
			if (c != emu_oro_calendar_of_user (server, user_id))
				child_error (children, name, "This value is not valid.");
			else
				*calendar = c;
		} else if (g_str_equal (name, "uid")) {
			if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING) {
				g_free (*uid);
				*uid = g_strdup (json_node_get_string (v));
			}
		} else if (g_str_equal (name, "allDay") || g_str_equal (name, "isCancelled")) {
			if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_BOOLEAN)
				child_error (children, name, "This value is not valid.");
			else
				json_object_set_member (doc, name, json_node_copy (v));
		} else if (g_str_equal (name, "title") || g_str_equal (name, "description") ||
			   g_str_equal (name, "backgroundColor")) {
			if (!JSON_NODE_HOLDS_NULL (v) &&
			    (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING))
				child_error (children, name, "This value is not valid.");
			else if (g_str_equal (name, "title") && !JSON_NODE_HOLDS_NULL (v) &&
				 g_utf8_strlen (json_node_get_string (v), -1) > 255)
				child_error (children, name,
					     "This value is too long. It should have 255 characters or less.");
			else
				json_object_set_member (doc, name, json_node_copy (v));
		} else if (g_str_equal (name, "attendees")) {
			g_autofree gchar *why = NULL;
			JsonArray *kept = attendees_validate (v, &why);
			if (kept == NULL)
				child_error (children, name, why);
			else
				json_object_set_array_member (doc, name, kept);
		} else if (g_str_equal (name, "recurrence")) {
			/* Oro's RecurrenceFormType: a known type, an interval and a start */
			static const gchar *rtypes[] = {"daily", "weekly", "monthly", "monthnth",
							"yearly", "yearnth", NULL};
			JsonObject *rec = JSON_NODE_HOLDS_OBJECT (v) ? json_node_get_object (v) : NULL;
			const gchar *rt = rec != NULL ? json_object_get_string_member_with_default (rec, "recurrenceType", NULL) : NULL;
			JsonNode *iv = rec != NULL ? json_object_get_member (rec, "interval") : NULL;
			const gchar *st = rec != NULL ? json_object_get_string_member_with_default (rec, "startTime", NULL) : NULL;
			g_autoptr(GDateTime) sdt = st != NULL ? emu_oro_time_parse (st) : NULL;
			if (JSON_NODE_HOLDS_NULL (v))
				json_object_remove_member (doc, name);
			else if (rt == NULL || !g_strv_contains (rtypes, rt))
				child_error (children, "recurrence", "recurrenceType: The value you selected is not a valid choice.");
			else if (iv == NULL || !JSON_NODE_HOLDS_VALUE (iv) ||
				 json_node_get_value_type (iv) != G_TYPE_INT64 || json_node_get_int (iv) < 1)
				child_error (children, "recurrence", "interval: This value should be 1 or more.");
			else if (sdt == NULL)
				child_error (children, "recurrence", "startTime: This value should not be blank.");
			else
				json_object_set_member (doc, name, json_node_copy (v));
		} else if (g_str_equal (name, "id") || g_str_equal (name, "createdAt") ||
			   g_str_equal (name, "notifyAttendees") || g_str_equal (name, "calendarAlias") ||
			   g_str_equal (name, "updateExceptions")) {
			/* accepted by the form, not kept as event data */
		} else {
			json_object_set_member (doc, name, json_node_copy (v));
		}
	}
	{
		JsonNode *t = json_object_get_member (doc, "title");
		if (t == NULL || JSON_NODE_HOLDS_NULL (t) || json_node_get_string (t)[0] == '\0')
			child_error (children, "title", "This value should not be blank.");
	}
	if (*start == NULL)
		child_error (children, "start", "This value should not be blank.");
	if (*end == NULL)
		child_error (children, "end", "This value should not be blank.");
	if (*start != NULL && *end != NULL && g_strcmp0 (*end, *start) < 0)
		child_error (children, "end", "End date should be greater than start date");
	if (create && *calendar == 0)
		*calendar = emu_oro_calendar_of_user (server, user_id);
	if (extra) {
		JsonArray *top = json_array_new ();
		json_array_add_string_element (top, "This form should not contain extra fields.");
		json_object_set_array_member (errors, "errors", top);
	}
	if (json_object_get_size (children) == 0 && !extra) {
		json_object_unref (children);
		json_object_unref (errors);
		return NULL;
	}
	json_object_set_object_member (errors, "children", children);
	return errors;
}

static void
reply_validation (SoupServerMessage *msg, JsonObject *errors)
{
	g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	JsonObject *o = json_object_new ();
	json_object_set_int_member (o, "code", 400);
	json_object_set_string_member (o, "message", "Validation Failed");
	json_object_set_object_member (o, "errors", errors);
	json_node_take_object (root, o);
	emu_reply_json (msg, 400, "application/json", root);
}

static gchar *
new_uid (void)
{
	return g_uuid_string_random ();
}

static gboolean
store_event (EmuServer *server, gint64 id, gint64 calendar, const gchar *uid, JsonObject *doc,
	     const gchar *start, const gchar *end, const gchar *created, const gchar *updated,
	     gint64 *id_out)
{
	g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
	g_autofree gchar *text = NULL;
	g_autoptr(sqlite3_stmt) st = emu_db_prepare (
	    server,
	    "INSERT OR REPLACE INTO events (id, calendar, uid, doc, start, end_, created, updated) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    NULL);

	json_node_set_object (n, doc);
	text = json_to_string (n, FALSE);
	if (id > 0)
		sqlite3_bind_int64 (st, 1, id);
	sqlite3_bind_int64 (st, 2, calendar);
	sqlite3_bind_text (st, 3, uid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 4, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 5, start, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 6, end, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 7, created, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 8, updated, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (st) != SQLITE_DONE)
		return FALSE;
	if (id_out != NULL)
		*id_out = id > 0 ? id : sqlite3_last_insert_rowid (emu_server_get_db (server));
	return TRUE;
}

static void
handle_list (EmuServer *server, SoupServerMessage *msg, gint64 user_id)
{
	const gchar *raw = g_uri_get_query (soup_server_message_get_uri (msg));
	g_auto(GStrv) parts = g_strsplit (raw != NULL ? raw : "", "&", -1);
	g_autoptr(GString) where = g_string_new ("calendar = ?1");
	g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func (g_free);
	g_autofree gchar *start = NULL;
	g_autofree gchar *end = NULL;
	g_autofree gchar *sql = NULL;
	gint64 calendar = -1, page = 0, limit = 0;
	g_autoptr(sqlite3_stmt) st = NULL;
	g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
	JsonArray *out;

	for (guint i = 0; parts[i] != NULL; i++) {
		g_autofree gchar *d = g_uri_unescape_string (parts[i], NULL);
		static const gchar *ops[] = {">=", "<=", "<>", "!=", ">", "<", "=", NULL};
		gchar *at = NULL;
		const gchar *op = NULL;
		g_autofree gchar *key = NULL;
		const gchar *value;
		if (d == NULL || d[0] == '\0')
			continue;
		for (guint k = 0; ops[k] != NULL && at == NULL; k++) {
			gchar *p = strstr (d, ops[k]);
			if (p != NULL) {
				/* the first operator in the text wins */
				for (guint m = 0; ops[m] != NULL; m++) {
					gchar *q = strstr (d, ops[m]);
					if (q != NULL && q < p)
						p = NULL;
				}
				if (p != NULL) {
					at = p;
					op = ops[k];
				}
			}
		}
		if (at == NULL)
			continue;
		key = g_strndup (d, (gsize) (at - d));
		value = at + strlen (op);
		if (g_str_equal (key, "calendar")) {
			calendar = g_ascii_strtoll (value, NULL, 10);
		} else if (g_str_equal (key, "start") || g_str_equal (key, "end")) {
			g_autoptr(GDateTime) dt = emu_oro_time_parse (value);
			if (dt == NULL) {
				g_autofree gchar *m = g_strdup_printf ("Invalid \"%s\" value: %s", key, value);
				reply_code (msg, 400, m);
				return;
			}
			if (g_str_equal (key, "start"))
				start = emu_oro_time_format (dt);
			else
				end = emu_oro_time_format (dt);
		} else if (g_str_equal (key, "page")) {
			page = g_ascii_strtoll (value, NULL, 10);
		} else if (g_str_equal (key, "limit")) {
			limit = g_ascii_strtoll (value, NULL, 10);
		} else if (g_str_equal (key, "createdAt") || g_str_equal (key, "updatedAt")) {
			g_autoptr(GDateTime) dt = emu_oro_time_parse (value);
			if (dt == NULL) {
				g_autofree gchar *m = g_strdup_printf ("Invalid \"%s\" value: %s", key, value);
				reply_code (msg, 400, m);
				return;
			}
			g_string_append_printf (where, " AND %s %s ?",
						g_str_equal (key, "createdAt") ? "created" : "updated",
						g_str_equal (op, "<>") ? "!=" : op);
			g_ptr_array_add (binds, emu_oro_time_format (dt));
		} else if (g_str_equal (key, "uid")) {
			g_string_append (where, " AND uid = ?");
			g_ptr_array_add (binds, g_strdup (value));
		} else if (g_str_equal (key, "recurringEventId")) {
			g_string_append (where, " AND json_extract (doc, '$.recurringEventId') = ?");
			g_ptr_array_add (binds, g_strdup (value));
		}
	}
	if (calendar < 0) {
		reply_code (msg, 400, "The \"calendar\" parameter is required.");
		return;
	}
	if (calendar != emu_oro_calendar_of_user (server, user_id)) {
		reply_code (msg, 403, "You do not have access to this calendar.");
		return;
	}
	if ((start == NULL || end == NULL) && (page <= 0 || limit <= 0)) {
		reply_code (msg, 400,
			    "Time interval (\"start\" and \"end\") or paging (\"page\" and \"limit\") parameters should be specified.");
		return;
	}
	if (start != NULL && end != NULL) {
		g_string_append (where, " AND start < ? AND end_ > ?");
		g_ptr_array_add (binds, g_strdup (end));
		g_ptr_array_add (binds, g_strdup (start));
		sql = g_strdup_printf ("SELECT " EVENT_COLUMNS " FROM events WHERE %s ORDER BY start, id",
				       where->str);
	} else {
		sql = g_strdup_printf ("SELECT " EVENT_COLUMNS " FROM events WHERE %s ORDER BY id "
				       "LIMIT %" G_GINT64_FORMAT " OFFSET %" G_GINT64_FORMAT,
				       where->str, limit, (page - 1) * limit);
	}
	st = emu_db_prepare (server, sql, NULL);
	sqlite3_bind_int64 (st, 1, calendar);
	for (guint i = 0; i < binds->len; i++)
		sqlite3_bind_text (st, (gint) i + 2, binds->pdata[i], -1, SQLITE_TRANSIENT);
	out = json_array_new ();
	while (sqlite3_step (st) == SQLITE_ROW)
		json_array_add_object_element (out, render_event (server, st));
	json_node_take_array (root, out);
	emu_reply_json (msg, 200, "application/json", root);
}

static sqlite3_stmt *
load_event (EmuServer *server, gint64 id)
{
	sqlite3_stmt *st =
	    emu_db_prepare (server, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?", NULL);
	sqlite3_bind_int64 (st, 1, id);
	if (sqlite3_step (st) != SQLITE_ROW) {
		sqlite3_finalize (st);
		return NULL;
	}
	return st;
}

static void
handle_write (EmuServer *server, SoupServerMessage *msg, EmuOroUser *user, gint64 id)
{
	g_autofree gchar *problem = NULL;
	g_autoptr(JsonObject) in = request_fields (msg, &problem);
	g_autoptr(JsonObject) doc = NULL;
	g_autoptr(sqlite3_stmt) old = NULL;
	g_autofree gchar *start = NULL;
	g_autofree gchar *end = NULL;
	g_autofree gchar *uid = NULL;
	g_autofree gchar *created = NULL;
	g_autofree gchar *updated = NULL;
	g_autofree gchar *before = NULL;
	gint64 calendar = 0, new_id = 0;
	JsonObject *errors;

	if (in == NULL) {
		reply_code (msg, 400, problem);
		return;
	}
	if (user->read_only) {
		reply_code (msg, 403, "You do not have permission to perform this action.");
		return;
	}
	if (id > 0) {
		old = load_event (server, id);
		if (old == NULL || sqlite3_column_int64 (old, 1) != emu_oro_calendar_of_user (server, user->id)) {
			reply_code (msg, old == NULL ? 404 : 403, old == NULL ? "Not Found" : "Access denied.");
			return;
		}
		doc = json_object_ref (json_node_get_object (
		    json_from_string ((const gchar *) sqlite3_column_text (old, 3), NULL)));
		before = g_strdup ((const gchar *) sqlite3_column_text (old, 3));
		calendar = sqlite3_column_int64 (old, 1);
		uid = g_strdup ((const gchar *) sqlite3_column_text (old, 2));
		start = g_strdup ((const gchar *) sqlite3_column_text (old, 4));
		end = g_strdup ((const gchar *) sqlite3_column_text (old, 5));
		created = g_strdup ((const gchar *) sqlite3_column_text (old, 6));
		updated = g_strdup ((const gchar *) sqlite3_column_text (old, 7));
	} else {
		doc = json_object_new ();
	}
	errors = apply_event (server, in, doc, user->id, id == 0, &calendar, &start, &end, &uid);
	if (errors != NULL) {
		reply_validation (msg, errors);
		return;
	}
	if (uid == NULL)
		uid = new_uid ();
	{
		g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
		g_autofree gchar *after = NULL;
		json_node_set_object (n, doc);
		after = json_to_string (n, FALSE);
		if (id == 0 || g_strcmp0 (before, after) != 0 ||
		    g_strcmp0 (start, (const gchar *) sqlite3_column_text (old, 4)) != 0 ||
		    g_strcmp0 (end, (const gchar *) sqlite3_column_text (old, 5)) != 0) {
			g_free (updated);
			updated = emu_now_iso ();
		}
	}
	if (created == NULL)
		created = g_strdup (updated);
	if (!store_event (server, id, calendar, uid, doc, start, end, created, updated, &new_id)) {
		reply_code (msg, 500, "Internal Server Error");
		return;
	}
	if (id > 0) {
		soup_server_message_set_status (msg, 204, NULL);
	} else {
		g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
		JsonObject *o = json_object_new ();
		json_object_set_int_member (o, "id", new_id);
		json_object_set_string_member (o, "uid", uid);
		json_object_set_string_member (o, "invitationStatus", "none");
		json_object_set_boolean_member (o, "editableInvitationStatus", FALSE);
		json_node_take_object (root, o);
		emu_reply_json (msg, 201, "application/json", root);
	}
}

/**
 * emu_oro_rest_handle:
 * @path: starts with /api/rest/
 */
void
emu_oro_rest_handle (EmuServer *server, SoupServerMessage *msg, const gchar *path)
{
	const gchar *method = soup_server_message_get_method (msg);
	g_autofree gchar *rest = g_strdup (path + strlen ("/api/rest/"));
	g_auto(GStrv) seg = NULL;
	guint n;
	EmuOroUser user;

	if (g_str_has_suffix (rest, ".json"))
		rest[strlen (rest) - 5] = '\0';
	seg = g_strsplit (rest, "/", -1);
	n = g_strv_length (seg);
	if (n < 2 || (!g_str_equal (seg[0], "latest") && !g_str_equal (seg[0], "v1"))) {
		reply_code (msg, 404, "No route found");
		return;
	}
	if (!emu_oro_authenticate (server, msg, FALSE, &user))
		return;
	if (g_str_equal (seg[1], "calendars") && n == 3 && g_str_equal (seg[2], "default")) {
		g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
		JsonObject *o = json_object_new ();
		json_object_set_int_member (o, "calendar", emu_oro_calendar_of_user (server, user.id));
		json_object_set_int_member (o, "owner", user.id);
		json_object_set_string_member (o, "calendarName", "Default");
		json_node_take_object (root, o);
		emu_reply_json (msg, 200, "application/json", root);
		return;
	}
	if (g_str_equal (seg[1], "calendars") && n == 5 && g_str_equal (seg[3], "events")) {
		/* /calendars/{calendar}/events/{event} is the same event, checked against the calendar */
		g_autoptr(sqlite3_stmt) st = load_event (server, g_ascii_strtoll (seg[4], NULL, 10));
		g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
		if (st == NULL || sqlite3_column_int64 (st, 1) != g_ascii_strtoll (seg[2], NULL, 10)) {
			reply_code (msg, 404, "Not Found");
			return;
		}
		json_node_take_object (root, render_event (server, st));
		emu_reply_json (msg, 200, "application/json", root);
		return;
	}
	if (!g_str_equal (seg[1], "calendarevents") || n > 3) {
		reply_code (msg, 404, "No route found");
		return;
	}
	if (n == 2) {
		if (g_str_equal (method, "GET"))
			handle_list (server, msg, user.id);
		else if (g_str_equal (method, "POST"))
			handle_write (server, msg, &user, 0);
		else
			reply_code (msg, 405, "Method Not Allowed");
		return;
	}
	{
		gint64 id;
		g_autoptr(sqlite3_stmt) st = NULL;
		if (!g_ascii_string_to_signed (seg[2], 10, 1, G_MAXINT64, &id, NULL)) {
			reply_code (msg, 404, "No route found");
			return;
		}
		if (g_str_equal (method, "PUT")) {
			handle_write (server, msg, &user, id);
			return;
		}
		st = load_event (server, id);
		if (st == NULL) {
			reply_code (msg, 404, "Not Found");
			return;
		}
		if (sqlite3_column_int64 (st, 1) != emu_oro_calendar_of_user (server, user.id)) {
			reply_code (msg, 403, "Access denied.");
			return;
		}
		if (g_str_equal (method, "GET")) {
			g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
			json_node_take_object (root, render_event (server, st));
			emu_reply_json (msg, 200, "application/json", root);
		} else if (g_str_equal (method, "DELETE")) {
			g_autoptr(sqlite3_stmt) del =
			    emu_db_prepare (server, "DELETE FROM events WHERE id = ?", NULL);
			if (user.read_only) {
				reply_code (msg, 403, "You do not have permission to perform this action.");
				return;
			}
			sqlite3_bind_int64 (del, 1, id);
			sqlite3_step (del);
			soup_server_message_set_status (msg, 204, NULL);
		} else {
			reply_code (msg, 405, "Method Not Allowed");
		}
	}
}

gboolean
emu_oro_rest_seed (EmuServer *server, JsonArray *events, GError **error)
{
	for (guint i = 0; events != NULL && i < json_array_get_length (events); i++) {
		JsonObject *in = json_array_get_object_element (events, i);
		g_autoptr(JsonObject) doc = json_object_new ();
		g_autofree gchar *start = NULL;
		g_autofree gchar *end = NULL;
		g_autofree gchar *uid = NULL;
		g_autofree gchar *created = NULL;
		g_autofree gchar *updated = NULL;
		gint64 calendar = 0, id = 0, owner = 1;
		JsonObject *errors;

		if (in == NULL) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "calendarevents[%u] is not an object", i);
			return FALSE;
		}
		if (json_object_has_member (in, "calendar"))
			owner = json_object_get_int_member (in, "calendar") == 2 ? 2 : 1;
		errors = apply_event (server, in, doc, owner, TRUE, &calendar, &start, &end, &uid);
		if (errors != NULL) {
			g_autofree gchar *text = NULL;
			g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
			json_node_take_object (n, errors);
			text = json_to_string (n, FALSE);
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "calendarevents[%u]: %s", i, text);
			return FALSE;
		}
		if (json_object_has_member (in, "id"))
			id = json_object_get_int_member (in, "id");
		if (json_object_has_member (in, "createdAt")) {
			g_autoptr(GDateTime) dt = emu_oro_time_parse (json_object_get_string_member (in, "createdAt"));
			created = dt != NULL ? emu_oro_time_format (dt) : NULL;
		}
		if (json_object_has_member (in, "updatedAt")) {
			g_autoptr(GDateTime) dt = emu_oro_time_parse (json_object_get_string_member (in, "updatedAt"));
			updated = dt != NULL ? emu_oro_time_format (dt) : NULL;
		}
		if (updated == NULL)
			updated = emu_now_iso ();
		if (created == NULL)
			created = g_strdup (updated);
		if (uid == NULL)
			uid = new_uid ();
		if (!store_event (server, id, calendar, uid, doc, start, end, created, updated, NULL)) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "calendarevents[%u]: %s", i,
				     sqlite3_errmsg (emu_server_get_db (server)));
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
emu_oro_rest_generate (EmuServer *server, guint n, GError **error)
{
	static const gchar *titles[] = {"Møde med", "Besprechung mit", "Frokost:",
					"Tilbudsgennemgang", "Messe in Köln:"};
	g_autoptr(GDateTime) base = g_date_time_new_utc (2025, 1, 6, 8, 0, 0);

	for (guint i = 0; i < n; i++) {
		g_autoptr(JsonObject) doc = json_object_new ();
		g_autoptr(GDateTime) start = g_date_time_add_hours (base, (gint) (i * 5));
		g_autoptr(GDateTime) end = NULL;
		g_autofree gchar *title = g_strdup_printf ("%s %s", titles[i % G_N_ELEMENTS (titles)],
							   emu_sample_last_name (i));
		g_autofree gchar *s = NULL;
		g_autofree gchar *e = NULL;
		g_autofree gchar *uid = new_uid ();
		g_autofree gchar *created = NULL;
		gboolean all_day = i % 7 == 6;

		json_object_set_string_member (doc, "title", title);
		if (i % 3 == 0) {
			g_autofree gchar *note = emu_sample_note (i);
			json_object_set_string_member (doc, "description", note);
		}
		json_object_set_boolean_member (doc, "allDay", all_day);
		if (all_day) {
			/* all-day: midnight to midnight of the next day, UTC */
			g_autoptr(GDateTime) day = g_date_time_new_utc (g_date_time_get_year (start),
									 g_date_time_get_month (start),
									 g_date_time_get_day_of_month (start), 0, 0, 0);
			g_clear_pointer (&start, g_date_time_unref);
			start = g_date_time_ref (day);
			end = g_date_time_add_days (day, 1 + (i % 14 == 13 ? 2 : 0));
		} else {
			end = g_date_time_add_minutes (start, 30 + 30 * (gint) (i % 4));
		}
		s = emu_oro_time_format (start);
		e = emu_oro_time_format (end);
		created = emu_oro_time_format (base);
		if (!store_event (server, 0, i % 5 == 4 ? 2 : 1, uid, doc, s, e, created, created, NULL)) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "events: %s",
				     sqlite3_errmsg (emu_server_get_db (server)));
			return FALSE;
		}
	}
	return TRUE;
}
