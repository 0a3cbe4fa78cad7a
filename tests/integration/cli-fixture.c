/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <utime.h>

#include "cli-fixture.h"
#include "cs-record.h"

static void
rm_rf (const gchar *path)
{
	g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
	const gchar *e;
	while (d != NULL && (e = g_dir_read_name (d)) != NULL) {
		g_autofree gchar *p = g_build_filename (path, e, NULL);
		if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
			rm_rf (p);
		else
			g_unlink (p);
	}
	g_rmdir (path);
}

void
cli_write_profile (CliFixture *f, const gchar *extra)
{
	g_autofree gchar *text = g_strdup_printf ("[profile]\nname=Test\ncrm=folder\noutlook=folder\n"
						  "state=state.db\n%s%s",
						  extra != NULL ? extra : "",
						  (extra != NULL && strstr (extra, "[crm]") != NULL) ? "" :
						  "[crm]\npath=crm\n[outlook]\npath=outlook\n");
	g_assert_true (g_file_set_contents (f->profile, text, -1, NULL));
}

void
cli_fixture_init (CliFixture *f, const gchar *extra)
{
	memset (f, 0, sizeof (*f));
	f->dir = g_dir_make_tmp ("crmsync-test-XXXXXX", NULL);
	g_assert_nonnull (f->dir);
	f->profile = g_build_filename (f->dir, "profile.ini", NULL);
	cli_write_profile (f, extra);
}

/* a fixture whose folder starts as a copy of @from's (sides, profile, state) */
void
cli_fixture_copy (CliFixture *f, const CliFixture *from)
{
	g_autofree gchar *cmd = NULL;
	gint status = 0;

	memset (f, 0, sizeof (*f));
	f->dir = g_dir_make_tmp ("crmsync-test-XXXXXX", NULL);
	g_assert_nonnull (f->dir);
	cmd = g_strdup_printf ("cp -a '%s/.' '%s/'", from->dir, f->dir);
	g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
	g_assert_cmpint (status, ==, 0);
	f->profile = g_build_filename (f->dir, "profile.ini", NULL);
}

void
cli_fixture_clear (CliFixture *f)
{
	if (f->dir != NULL && g_getenv ("CRMSYNC_KEEP_TEST_DIRS") == NULL)
		rm_rf (f->dir);
	g_free (f->dir);
	g_free (f->profile);
	g_free (f->out);
	g_free (f->err);
	if (f->report != NULL)
		json_node_unref (f->report);
	memset (f, 0, sizeof (*f));
}

/**
 * cli_run:
 * @env_extra: (nullable): NULL-terminated "NAME=VALUE" to add
 * @...: crmsync-cli arguments, NULL-terminated; "@P" is replaced by the profile
 */
gint
cli_run (CliFixture *f, const gchar *const *env_extra, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
	g_auto(GStrv) env = g_get_environ ();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *xdg = g_build_filename (f->dir, "xdg", NULL);
	va_list ap;
	const gchar *a;
	gint wait_status = 0;

	g_ptr_array_add (argv, g_strdup (CRMSYNC_CLI));
	va_start (ap, env_extra);
	while ((a = va_arg (ap, const gchar *)) != NULL)
		g_ptr_array_add (argv, g_strdup (g_strcmp0 (a, "@P") == 0 ? f->profile : a));
	va_end (ap);
	g_ptr_array_add (argv, NULL);
	env = g_environ_setenv (env, "XDG_DATA_HOME", xdg, TRUE);
	env = g_environ_setenv (env, "CRMSYNC_SECRETS", "file", TRUE);
	env = g_environ_unsetenv (env, "CRMSYNC_FAULT");
	for (guint i = 0; env_extra != NULL && env_extra[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit (env_extra[i], "=", 2);
		env = g_environ_setenv (env, kv[0], kv[1], TRUE);
	}
	g_clear_pointer (&f->out, g_free);
	g_clear_pointer (&f->err, g_free);
	g_clear_pointer (&f->report, json_node_unref);
	if (!g_spawn_sync (f->dir, (gchar **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &f->out,
			   &f->err, &wait_status, &error))
		g_error ("cannot run crmsync-cli: %s", error->message);
	f->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
	if (f->out != NULL && f->out[0] == '{') {
		g_autoptr(JsonParser) p = json_parser_new ();
		if (json_parser_load_from_data (p, f->out, -1, NULL))
			f->report = json_node_ref (json_parser_get_root (p));
	}
	if (g_test_verbose ())
		g_printerr ("# crmsync-cli exit %d\n# %s\n# %s\n", f->status, f->out, f->err);
	return f->status;
}

gchar *
cli_put (CliFixture *f, const gchar *side, const gchar *kind, const gchar *id, const gchar *json)
{
	g_autofree gchar *dir = g_build_filename (f->dir, side, kind, NULL);
	g_autofree gchar *name = g_strconcat (id, ".json", NULL);
	gchar *path = g_build_filename (dir, name, NULL);
	g_mkdir_with_parents (dir, 0700);
	g_assert_true (g_file_set_contents (path, json, -1, NULL));
	return path;
}

JsonObject *
cli_get (CliFixture *f, const gchar *side, const gchar *kind, const gchar *id)
{
	g_autofree gchar *name = g_strconcat (id, ".json", NULL);
	g_autofree gchar *path = g_build_filename (f->dir, side, kind, name, NULL);
	g_autoptr(JsonParser) p = json_parser_new ();
	if (!json_parser_load_from_file (p, path, NULL))
		return NULL;
	return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

/* ids, sorted */
GPtrArray *
cli_list (CliFixture *f, const gchar *side, const gchar *kind)
{
	g_autofree gchar *dir = g_build_filename (f->dir, side, kind, NULL);
	g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
	GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
	const gchar *e;
	while (d != NULL && (e = g_dir_read_name (d)) != NULL) {
		if (g_str_has_suffix (e, ".json"))
			g_ptr_array_add (ids, g_strndup (e, strlen (e) - 5));
	}
	g_ptr_array_sort (ids, cs_str_ptr_cmp);
	return ids;
}

JsonObject *
cli_find (CliFixture *f, const gchar *side, const gchar *kind, const gchar *field, const gchar *value)
{
	g_autoptr(GPtrArray) ids = cli_list (f, side, kind);
	for (guint i = 0; i < ids->len; i++) {
		JsonObject *o = cli_get (f, side, kind, ids->pdata[i]);
		if (o != NULL && g_strcmp0 (json_object_get_string_member_with_default (o, field, NULL), value) == 0)
			return o;
		if (o != NULL)
			json_object_unref (o);
	}
	return NULL;
}

guint
cli_count (CliFixture *f, const gchar *side, const gchar *kind)
{
	g_autoptr(GPtrArray) ids = cli_list (f, side, kind);
	return ids->len;
}

void
cli_remove (CliFixture *f, const gchar *side, const gchar *kind, const gchar *id)
{
	g_autofree gchar *name = g_strconcat (id, ".json", NULL);
	g_autofree gchar *path = g_build_filename (f->dir, side, kind, name, NULL);
	g_assert_cmpint (g_unlink (path), ==, 0);
}

void
cli_touch (CliFixture *f, const gchar *side, const gchar *kind, const gchar *id, gint64 mtime_sec)
{
	g_autofree gchar *name = g_strconcat (id, ".json", NULL);
	g_autofree gchar *path = g_build_filename (f->dir, side, kind, name, NULL);
	struct utimbuf t = {(time_t) mtime_sec, (time_t) mtime_sec};
	g_assert_cmpint (utime (path, &t), ==, 0);
}

gint64
cli_report_count (CliFixture *f, const gchar *what, const gchar *side, const gchar *kind)
{
	JsonObject *o, *w, *s;
	g_assert_nonnull (f->report);
	o = json_node_get_object (f->report);
	w = json_object_get_object_member (o, what);
	s = w != NULL ? json_object_get_object_member (w, side) : NULL;
	return s != NULL ? json_object_get_int_member_with_default (s, kind, 0) : 0;
}

guint
cli_report_len (CliFixture *f, const gchar *list)
{
	JsonObject *o;
	g_assert_nonnull (f->report);
	o = json_node_get_object (f->report);
	return json_array_get_length (json_object_get_array_member (o, list));
}

/* the records' contents without their ids, sorted: equal sides compare equal */
gchar *
cli_side_digest (CliFixture *f, const gchar *side, const gchar *kind)
{
	g_autoptr(GPtrArray) ids = cli_list (f, side, kind);
	g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
	GString *all = g_string_new (NULL);
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(JsonObject) o = cli_get (f, side, kind, ids->pdata[i]);
		g_autoptr(JsonNode) n = json_node_new (JSON_NODE_OBJECT);
		g_autoptr(JsonGenerator) g = json_generator_new ();
		g_autoptr(GList) members = NULL;
		JsonObject *sorted = json_object_new ();
		members = g_list_sort (json_object_get_members (o), (GCompareFunc) g_strcmp0);
		for (GList *l = members; l != NULL; l = l->next)
			json_object_set_member (sorted, l->data, json_node_copy (json_object_get_member (o, l->data)));
		json_node_take_object (n, sorted);
		json_generator_set_root (g, n);
		g_ptr_array_add (texts, json_generator_to_data (g, NULL));
	}
	g_ptr_array_sort (texts, cs_str_ptr_cmp);
	for (guint i = 0; i < texts->len; i++)
		g_string_append_printf (all, "%s\n", (const gchar *) texts->pdata[i]);
	return g_string_free (all, FALSE);
}
