/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cli-fixture.h"

/*
 * Running crmsync the way a company does: profiles by name from the user's
 * and the system's folders.
 */

typedef struct {
	CliFixture f;
	gchar *config; /* XDG_CONFIG_HOME */
	gchar *etc;    /* XDG_CONFIG_DIRS */
	gchar *env[3];
} Ops;

static void
ops_setup (Ops *o, gconstpointer data)
{
	cli_fixture_init (&o->f, NULL);
	o->config = g_build_filename (o->f.dir, "config", NULL);
	o->etc = g_build_filename (o->f.dir, "etc", NULL);
	o->env[0] = g_strconcat ("XDG_CONFIG_HOME=", o->config, NULL);
	o->env[1] = g_strconcat ("XDG_CONFIG_DIRS=", o->etc, NULL);
	o->env[2] = NULL;
}

static void
ops_teardown (Ops *o, gconstpointer data)
{
	cli_fixture_clear (&o->f);
	g_free (o->config);
	g_free (o->etc);
	g_free (o->env[0]);
	g_free (o->env[1]);
}

/* a folder ↔ folder profile named @name in @root/crmsync/profiles, its sides
 * and state in the fixture's folder */
static gchar *
put_profile (Ops *o, const gchar *root, const gchar *name, const gchar *extra)
{
	g_autofree gchar *dir = g_build_filename (root, "crmsync", "profiles", NULL);
	g_autofree gchar *file = g_strconcat (name, ".ini", NULL);
	gchar *path = g_build_filename (dir, file, NULL);
	g_autofree gchar *text = g_strdup_printf (
	    "[profile]\nname=%s\ncrm=folder\noutlook=folder\nstate=%s/%s.db\n%s"
	    "[crm]\npath=%s/crm\n[outlook]\npath=%s/outlook\n",
	    name, o->f.dir, name, extra != NULL ? extra : "", o->f.dir, o->f.dir);
	g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
	g_assert_true (g_file_set_contents (path, text, -1, NULL));
	return path;
}

/* issue 15: --profile takes a profile's name; the user's folder first, then the system's */
static void
test_profile_by_name (Ops *o, gconstpointer d)
{
	g_autofree gchar *user = put_profile (o, o->config, "sales", NULL);
	g_autofree gchar *sys = put_profile (o, o->etc, "shared", NULL);
	const gchar *const *env = (const gchar *const *) o->env;

	g_free (cli_put (&o->f, "crm", "contact", "c1", "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}"));
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "sales", "--json", NULL), ==, 0);
	g_assert_cmpuint (cli_count (&o->f, "outlook", "contact"), ==, 1);
	g_assert_true (g_file_test (o->f.dir, G_FILE_TEST_IS_DIR));
	/* the same profile by its file: the same state, nothing new to do */
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", user, "--json", NULL), ==, 0);
	g_assert_cmpint (cli_report_count (&o->f, "created", "outlook", "contact"), ==, 0);
	/* a system profile by name */
	g_assert_cmpint (cli_run (&o->f, env, "status", "--profile", "shared", "--json", NULL), ==, 0);
	g_assert_nonnull (strstr (o->f.out, "shared"));
	/* the user's own file of that name comes first */
	g_free (put_profile (o, o->config, "shared", "enabled=false\n"));
	g_assert_cmpint (cli_run (&o->f, env, "status", "--profile", "shared", "--json", NULL), ==, 0);
	/* an unknown name: one line naming where it looked, exit 2 */
	g_assert_cmpint (cli_run (&o->f, env, "sync", "--profile", "nosuch", NULL), ==, 2);
	g_assert_nonnull (strstr (o->f.err, "nosuch"));
	g_assert_nonnull (strstr (o->f.err, o->config));
	g_assert_nonnull (strstr (o->f.err, o->etc));
	g_assert_true (strchr (o->f.err, '\n') == o->f.err + strlen (o->f.err) - 1);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
#define T(path, fn) g_test_add (path, Ops, NULL, ops_setup, fn, ops_teardown)
	T ("/cli/ops/profile-by-name", test_profile_by_name);
	return g_test_run ();
}
