/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-graph-private.h"

/*
 * --seed FILE: {"contacts": [contact…], "events": [event…], "tasks": [todoTask…],
 * "messages": [message… with an optional "folder": "inbox"|"sentitems"]} — the
 * resources as a client would POST them (messages as Graph returns them).
 * --generate N: N of each, with names in æøå/umlauts, all-day and time-zoned
 * events, weekly series, every task status, inbound and outbound mail.
 */

static gboolean
seed_array (EmuServer *server, JsonObject *root, const gchar *member, const gchar *kind,
	    const gchar *folder_kind, GError **error)
{
	JsonArray *arr = graph_obj_array (root, member);
	g_autofree gchar *folder = graph_folder_default (server, folder_kind);
	for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++) {
		JsonNode *n = json_array_get_element (arr, i);
		if (!JSON_NODE_HOLDS_OBJECT (n) ||
		    !graph_item_create (server, kind, folder, json_node_get_object (n), NULL,
					error)) {
			g_prefix_error (error, "%s[%u]: ", member, i);
			if (error != NULL && *error == NULL)
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s[%u] is not an object", member, i);
			return FALSE;
		}
	}
	return TRUE;
}

/* messages are not created through the API (Mail.Read): stored as given */
static void
add_message (EmuServer *server, const gchar *folder, JsonObject *msg)
{
	g_autofree gchar *id = graph_random_id ("AAkAL", 12);
	json_object_set_string_member (msg, "id", id);
	json_object_set_string_member (msg, "parentFolderId", folder);
	json_object_remove_member (msg, "folder");
	graph_item_save (server, "message", folder, msg, FALSE);
}

gboolean
graph_seed (EmuServer *server, JsonNode *root, GError **error)
{
	JsonObject *o;
	JsonArray *msgs;
	if (!JSON_NODE_HOLDS_OBJECT (root)) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "the seed must be a JSON object");
		return FALSE;
	}
	o = json_node_get_object (root);
	emu_db_exec (server, "BEGIN", NULL);
	if (!seed_array (server, o, "contacts", "contact", "contactFolder", error) ||
	    !seed_array (server, o, "events", "event", "calendar", error) ||
	    !seed_array (server, o, "tasks", "task", "todoList", error)) {
		emu_db_exec (server, "ROLLBACK", NULL);
		return FALSE;
	}
	msgs = graph_obj_array (o, "messages");
	for (guint i = 0; msgs != NULL && i < json_array_get_length (msgs); i++) {
		JsonObject *m = json_array_get_object_element (msgs, i);
		g_autofree gchar *folder = graph_folder_lookup (
		    server, "mailFolder", json_object_get_string_member_with_default (m, "folder", "inbox"));
		g_autoptr(JsonNode) copy = NULL;
		if (folder == NULL) {
			emu_db_exec (server, "ROLLBACK", NULL);
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "messages[%u]: unknown folder", i);
			return FALSE;
		}
		copy = json_node_copy (json_array_get_element (msgs, i));
		add_message (server, folder, json_node_get_object (copy));
	}
	return emu_db_exec (server, "COMMIT", error);
}

static JsonObject *
parse (const gchar *json)
{
	g_autoptr(JsonParser) p = json_parser_new ();
	if (!json_parser_load_from_data (p, json, -1, NULL))
		g_error ("generator made bad JSON: %s", json);
	return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static gchar *
js (const gchar *s)
{
	/* a JSON string literal */
	g_autoptr(JsonNode) n = json_node_new (JSON_NODE_VALUE);
	json_node_set_string (n, s);
	return json_to_string (n, FALSE);
}

gboolean
graph_generate (EmuServer *server, guint n, GError **error)
{
	static const gchar *statuses[] = {"notStarted", "inProgress", "completed",
					  "waitingOnOthers", "deferred"};
	g_autofree gchar *contacts = graph_folder_default (server, "contactFolder");
	g_autofree gchar *calendar = graph_folder_default (server, "calendar");
	g_autofree gchar *tasks = graph_folder_default (server, "todoList");
	g_autofree gchar *inbox = graph_folder_lookup (server, "mailFolder", "inbox");
	g_autofree gchar *sent = graph_folder_lookup (server, "mailFolder", "sentitems");
	const gchar *me = emu_server_get_user (server);

	emu_db_exec (server, "BEGIN", NULL);
	for (guint i = 0; i < n; i++) {
		const gchar *first = emu_sample_first_name (i);
		const gchar *last = emu_sample_last_name (i);
		g_autofree gchar *note = emu_sample_note (i);
		g_autofree gchar *jf = js (first);
		g_autofree gchar *jl = js (last);
		g_autofree gchar *jc = js (emu_sample_company (i));
		g_autofree gchar *jcity = js (emu_sample_city (i));
		g_autofree gchar *jnote = js (note);
		g_autofree gchar *mail = g_strdup_printf ("person%u@example.org", i);
		g_autofree gchar *c = g_strdup_printf (
		    "{\"givenName\":%s,\"surname\":%s,\"companyName\":%s,\"jobTitle\":\"Indkøber\","
		    "\"emailAddresses\":[{\"address\":\"%s\",\"name\":\"%s %s\"}],"
		    "\"businessPhones\":[\"+45 70 %02u %02u %02u\"],\"mobilePhone\":\"+49 171 %07u\","
		    "\"businessAddress\":{\"street\":\"Vestergade %u\",\"city\":%s,"
		    "\"postalCode\":\"%04u\",\"countryOrRegion\":\"Danmark\"},"
		    "\"birthday\":\"19%02u-%02u-%02uT00:00:00Z\",\"personalNotes\":%s}",
		    jf, jl, jc, mail, first, last, i % 100, (i / 100) % 100, (i / 10000) % 100, i,
		    1 + i % 200, jcity, 1000 + i % 9000, 50 + i % 50, 1 + i % 12, 1 + i % 28, jnote);
		g_autoptr(JsonObject) co = parse (c);
		g_autoptr(JsonObject) eo = NULL;
		g_autoptr(JsonObject) to = NULL;
		g_autoptr(JsonObject) mo = NULL;
		g_autofree gchar *e = NULL;
		g_autofree gchar *t = NULL;
		g_autofree gchar *m = NULL;
		/* 27 days: an all-day event's end (day + 1) exists in every month */
		guint day = 1 + i % 27, month = 1 + (i / 27) % 12;

		if (!graph_item_create (server, "contact", contacts, co, NULL, error))
			goto fail;
		if (i % 5 == 0)
			e = g_strdup_printf (
			    "{\"subject\":\"Messe %u\",\"isAllDay\":true,"
			    "\"start\":{\"dateTime\":\"2026-%02u-%02uT00:00:00\",\"timeZone\":\"W. Europe Standard Time\"},"
			    "\"end\":{\"dateTime\":\"2026-%02u-%02uT00:00:00\",\"timeZone\":\"W. Europe Standard Time\"},"
			    "\"sensitivity\":\"private\",\"categories\":[\"CRM\"]}",
			    i, month, day, month, day + 1);
		else if (i % 7 == 0)
			e = g_strdup_printf (
			    "{\"subject\":\"Ugemøde %u\",\"start\":{\"dateTime\":\"2026-%02u-%02uT09:00:00\","
			    "\"timeZone\":\"Romance Standard Time\"},\"end\":{\"dateTime\":\"2026-%02u-%02uT09:30:00\","
			    "\"timeZone\":\"Romance Standard Time\"},\"recurrence\":{\"pattern\":{\"type\":\"weekly\","
			    "\"interval\":1,\"daysOfWeek\":[\"monday\"],\"firstDayOfWeek\":\"monday\"},"
			    "\"range\":{\"type\":\"numbered\",\"startDate\":\"2026-%02u-%02u\",\"numberOfOccurrences\":10}}}",
			    i, month, day, month, day, month, day);
		else
			e = g_strdup_printf (
			    "{\"subject\":\"Besøg hos %s\",\"location\":{\"displayName\":%s},"
			    "\"body\":{\"contentType\":\"text\",\"content\":%s},"
			    "\"start\":{\"dateTime\":\"2026-%02u-%02uT%02u:00:00\",\"timeZone\":\"Europe/Copenhagen\"},"
			    "\"end\":{\"dateTime\":\"2026-%02u-%02uT%02u:30:00\",\"timeZone\":\"Europe/Copenhagen\"},"
			    "\"isReminderOn\":true,\"reminderMinutesBeforeStart\":%u}",
			    first, jcity, jnote, month, day, 8 + i % 9, month, day, 8 + i % 9,
			    (i % 4) * 15);
		eo = parse (e);
		if (!graph_item_create (server, "event", calendar, eo, NULL, error))
			goto fail;
		t = g_strdup_printf (
		    "{\"title\":\"Ring til %s %s\",\"status\":\"%s\",\"importance\":\"%s\","
		    "\"body\":{\"contentType\":\"text\",\"content\":%s},"
		    "\"dueDateTime\":{\"dateTime\":\"2026-%02u-%02uT00:00:00\",\"timeZone\":\"UTC\"}}",
		    first, last, statuses[i % 5], i % 3 == 0 ? "high" : "normal", jnote, month, day);
		to = parse (t);
		if (!graph_item_create (server, "task", tasks, to, NULL, error))
			goto fail;
		m = g_strdup_printf (
		    "{\"internetMessageId\":\"<m%u@example.org>\",\"subject\":\"Tilbud %u\","
		    "\"from\":{\"emailAddress\":{\"name\":\"%s\",\"address\":\"%s\"}},"
		    "\"toRecipients\":[{\"emailAddress\":{\"name\":\"%s\",\"address\":\"%s\"}}],"
		    "\"ccRecipients\":[],\"sentDateTime\":\"2026-%02u-%02uT10:00:00Z\","
		    "\"receivedDateTime\":\"2026-%02u-%02uT10:00:05Z\",\"hasAttachments\":false,"
		    "\"importance\":\"normal\",\"isRead\":true,\"isDraft\":false,"
		    "\"body\":{\"contentType\":\"text\",\"content\":%s}}",
		    i, i, i % 2 ? me : first, i % 2 ? me : mail, i % 2 ? first : me,
		    i % 2 ? mail : me, month, day, month, day, jnote);
		mo = parse (m);
		add_message (server, i % 2 ? sent : inbox, mo);
	}
	return emu_db_exec (server, "COMMIT", error);
fail:
	emu_db_exec (server, "ROLLBACK", NULL);
	return FALSE;
}
