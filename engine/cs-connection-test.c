/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cs-connection-test.h"
#include "cs-plugin-loader.h"

/*
 * "Test connection": a provider made from settings not yet saved, set up and opened in a
 * worker thread, then closed. A typed secret is tried without being kept: it goes to a
 * private store that is removed afterwards.
 */

typedef struct {
	gchar *plugin;
	GKeyFile *profile;
	CsSide side;
	gchar *profile_dir; /* (nullable) */
	gchar *secret;	    /* (nullable) wiped when freed */
	CsSecrets *secrets; /* (nullable) the saved secret, when none is typed */
	gchar *profile_id;  /* (nullable) */
} TestData;

static void
test_data_free (TestData *td)
{
	g_free (td->plugin);
	g_key_file_unref (td->profile);
	g_free (td->profile_dir);
	if (td->secret != NULL)
		memset (td->secret, 0, strlen (td->secret));
	g_free (td->secret);
	g_clear_object (&td->secrets);
	g_free (td->profile_id);
	g_free (td);
}

static void
test_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	TestData *td = task_data;
	GError *error = NULL;
	g_autoptr (CsProvider) provider = NULL;
	g_autoptr (CsSecrets) temp = NULL;
	g_autofree gchar *temp_dir = NULL;
	g_autofree gchar *who = NULL;
	const gchar *group = td->side == CS_SIDE_CRM ? "crm" : "outlook";

	provider = cs_plugin_loader_create (cs_plugin_loader_get_default (), td->plugin, &error);
	if (provider == NULL) {
		g_task_return_error (task, error);
		return;
	}
	if (td->profile_dir != NULL)
		cs_provider_set_profile_dir (provider, td->profile_dir);
	if (td->secret != NULL) {
		temp_dir = g_dir_make_tmp ("crmsync-test-XXXXXX", &error);
		if (temp_dir == NULL) {
			g_task_return_error (task, error);
			return;
		}
		temp = cs_secrets_new_for_dir (temp_dir);
		cs_secrets_store (temp, "connection-test", td->side, "secret", td->secret, NULL);
		cs_provider_set_secrets (provider, temp, "connection-test", td->side);
	} else if (td->secrets != NULL && td->profile_id != NULL) {
		cs_provider_set_secrets (provider, td->secrets, td->profile_id, td->side);
	}
	if (cs_provider_setup (provider, td->profile, group, &error)
	    && cs_provider_open (provider, cancellable, &error)) {
		who = cs_provider_whoami (provider, cancellable, NULL);
		cs_provider_close (provider);
	}
	if (temp != NULL) {
		cs_secrets_clear (temp, "connection-test", td->side, "secret", NULL);
		g_rmdir (temp_dir);
	}
	if (error != NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, g_strdup (who != NULL ? who : ""), g_free);
}

/**
 * cs_connection_test_async:
 * @plugin: the provider's name (`orocrm`)
 * @profile: a profile holding the side's group (`[crm]` or `[outlook]`), not yet saved
 * @secret: (nullable): a secret typed but not saved; else the one @secrets keeps for
 *   @profile_id
 *
 * Connects and signs in as a run would, without reading or writing any record.
 */
void
cs_connection_test_async (const gchar *plugin, GKeyFile *profile, CsSide side,
			  const gchar *profile_dir, const gchar *secret, CsSecrets *secrets,
			  const gchar *profile_id, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
	TestData *td = g_new0 (TestData, 1);
	td->plugin = g_strdup (plugin);
	td->profile = g_key_file_ref (profile);
	td->side = side;
	td->profile_dir = g_strdup (profile_dir);
	td->secret = secret != NULL && secret[0] != '\0' ? g_strdup (secret) : NULL;
	td->secrets = secrets != NULL ? g_object_ref (secrets) : NULL;
	td->profile_id = g_strdup (profile_id);
	g_task_set_source_tag (task, cs_connection_test_async);
	g_task_set_task_data (task, td, (GDestroyNotify)test_data_free);
	g_task_run_in_thread (task, test_thread);
}

/**
 * cs_connection_test_finish:
 *
 * Returns: (transfer full): who the service says the user is (may be empty), or %NULL
 * with @error
 */
gchar *
cs_connection_test_finish (GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer (G_TASK (result), error);
}
