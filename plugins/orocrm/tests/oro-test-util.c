/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "emu-launch.h"
#include "oro-test-util.h"

/**
 * oro_emu_start:
 * @args: (nullable): more emulator arguments (--seed, --generate, --faults…)
 */
OroEmu *
oro_emu_start (const gchar *const *args)
{
	OroEmu *emu = g_new0 (OroEmu, 1);
	g_autoptr(GError) error = NULL;

	emu->dir = g_dir_make_tmp ("oro-test-XXXXXX", &error);
	g_assert_no_error (error);
	emu->proc = emu_launch_start ("orocrm", NULL, args, &emu->url);
	emu->session = soup_session_new ();
	return emu;
}

void
oro_emu_stop (OroEmu *emu)
{
	if (emu == NULL)
		return;
	emu_launch_stop (&emu->proc);
	g_object_unref (emu->session);
	oro_test_rm_rf (emu->dir);
	g_free (emu->dir);
	g_free (emu->url);
	g_free (emu->bearer);
	g_free (emu);
}

static gchar *
get_bearer (OroEmu *emu)
{
	g_autofree gchar *url = g_strconcat (emu->url, "/oauth2-token", NULL);
	g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
	const gchar *body = "{\"grant_type\":\"client_credentials\",\"client_id\":\"admin\",\"client_secret\":\"" ORO_TEST_KEY "\"}";
	g_autoptr(GBytes) b = g_bytes_new_static (body, strlen (body));
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(GError) error = NULL;

	soup_message_set_request_body_from_bytes (msg, "application/json", b);
	/* the emulator may be told to fail now and then: ask again */
	for (guint i = 0; i < 20; i++) {
		g_clear_pointer (&answer, g_bytes_unref);
		g_clear_error (&error);
		answer = soup_session_send_and_read (emu->session, msg, NULL, &error);
		if (answer != NULL && soup_message_get_status (msg) == 200) {
			json = json_from_string (g_bytes_get_data (answer, NULL), NULL);
			if (json != NULL)
				break;
		}
		g_clear_object (&msg);
		msg = soup_message_new ("POST", url);
		soup_message_set_request_body_from_bytes (msg, "application/json", b);
	}
	g_assert_nonnull (json);
	return g_strdup (json_object_get_string_member (json_node_get_object (json), "access_token"));
}

JsonNode *
oro_emu_call (OroEmu *emu, const gchar *method, const gchar *path, const gchar *body, guint *status)
{
	g_autofree gchar *url = g_strconcat (emu->url, path, NULL);
	gboolean jsonapi = !g_str_has_prefix (path, "/api/rest/");
	const gchar *type = jsonapi ? "application/vnd.api+json" : "application/json";

	if (emu->bearer == NULL)
		emu->bearer = get_bearer (emu);
	for (guint attempt = 0; attempt < 20; attempt++) {
		g_autoptr(SoupMessage) msg = soup_message_new (method, url);
		g_autoptr(GBytes) answer = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree gchar *auth = g_strdup_printf ("Bearer %s", emu->bearer);
		JsonNode *json = NULL;
		guint st;

		soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
		soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", type);
		if (body != NULL) {
			g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
			soup_message_set_request_body_from_bytes (msg, type, b);
		}
		answer = soup_session_send_and_read (emu->session, msg, NULL, &error);
		st = answer != NULL ? soup_message_get_status (msg) : 0;
		if (answer != NULL && g_bytes_get_size (answer) > 0)
			json = json_from_string (g_bytes_get_data (answer, NULL), NULL);
		/* faults injected by the emulator: try again */
		if (answer == NULL || st >= 500 || st == 429 ||
		    (st < 300 && g_bytes_get_size (answer) > 0 && json == NULL)) {
			if (json != NULL)
				json_node_unref (json);
			continue;
		}
		if (status != NULL)
			*status = st;
		return json;
	}
	g_assert_not_reached ();
	return NULL;
}

GHashTable *
oro_emu_list (OroEmu *emu, const gchar *type)
{
	g_autofree gchar *path = g_strdup_printf ("/api/%s?page%%5Bsize%%5D=-1", type);
	g_autoptr(JsonNode) json = oro_emu_call (emu, "GET", path, NULL, NULL);
	GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
						 (GDestroyNotify) json_object_unref);
	JsonArray *data = json_object_get_array_member (json_node_get_object (json), "data");
	for (guint i = 0; i < json_array_get_length (data); i++) {
		JsonObject *r = json_array_get_object_element (data, i);
		g_hash_table_insert (out, g_strdup (json_object_get_string_member (r, "id")), json_object_ref (r));
	}
	return out;
}

const gchar *
oro_attr (JsonObject *resource, const gchar *name)
{
	JsonObject *a = json_object_get_object_member (resource, "attributes");
	JsonNode *n = a != NULL ? json_object_get_member (a, name) : NULL;
	return n != NULL && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_string (n) : NULL;
}

gchar *
oro_test_path (OroEmu *emu, const gchar *name)
{
	return g_build_filename (emu->dir, name, NULL);
}

void
oro_test_rm_rf (const gchar *path)
{
	g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
	const gchar *name;
	if (d == NULL) {
		g_remove (path);
		return;
	}
	while ((name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *p = g_build_filename (path, name, NULL);
		if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
			oro_test_rm_rf (p);
		else
			g_remove (p);
	}
	g_rmdir (path);
}

gchar *
oro_test_read_file (const gchar *path)
{
	gchar *text = NULL;
	gsize len = 0;
	if (!g_file_get_contents (path, &text, &len, NULL))
		return g_strdup ("");
	return text;
}

/* a byte search: a secret must not appear even inside binary SQLite pages */
gboolean
oro_test_contains (const gchar *path, const gchar *needle)
{
	gchar *text = NULL;
	gsize len = 0;
	gboolean found;
	if (!g_file_get_contents (path, &text, &len, NULL))
		return FALSE;
	found = memmem (text, len, needle, strlen (needle)) != NULL;
	g_free (text);
	return found;
}

/**
 * oro_folder_list:
 * Returns: (element-type JsonObject): the records of a folder side
 */
GPtrArray *
oro_folder_list (const gchar *dir, const gchar *kind)
{
	g_autofree gchar *sub = g_build_filename (dir, kind, NULL);
	g_autoptr(GDir) d = g_dir_open (sub, 0, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *p = g_build_filename (sub, name, NULL);
		g_autofree gchar *text = oro_test_read_file (p);
		g_autoptr(JsonNode) n = NULL;
		if (!g_str_has_suffix (name, ".json"))
			continue;
		n = json_from_string (text, NULL);
		if (n != NULL && JSON_NODE_HOLDS_OBJECT (n))
			g_ptr_array_add (out, json_object_ref (json_node_get_object (n)));
	}
	return out;
}

JsonObject *
oro_folder_find (const gchar *dir, const gchar *kind, const gchar *field, const gchar *value,
		 gchar **path_out)
{
	g_autofree gchar *sub = g_build_filename (dir, kind, NULL);
	g_autoptr(GDir) d = g_dir_open (sub, 0, NULL);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *p = g_build_filename (sub, name, NULL);
		g_autofree gchar *text = oro_test_read_file (p);
		g_autoptr(JsonNode) n = json_from_string (text, NULL);
		JsonObject *o;
		if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
			continue;
		o = json_node_get_object (n);
		if (g_strcmp0 (json_object_get_string_member_with_default (o, field, NULL), value) == 0) {
			if (path_out != NULL)
				*path_out = g_steal_pointer (&p);
			return json_object_ref (o);
		}
	}
	return NULL;
}

void
oro_folder_write (const gchar *dir, const gchar *kind, const gchar *id, const gchar *json)
{
	g_autofree gchar *sub = g_build_filename (dir, kind, NULL);
	g_autofree gchar *name = g_strdup_printf ("%s.json", id);
	g_autofree gchar *p = g_build_filename (sub, name, NULL);
	g_autoptr(GError) error = NULL;
	g_mkdir_with_parents (sub, 0700);
	g_file_set_contents (p, json, -1, &error);
	g_assert_no_error (error);
}
