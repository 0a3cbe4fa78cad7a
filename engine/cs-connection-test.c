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

/*
 * Sign-in: a provider that signs the user in interactively (a Microsoft account's device
 * code) is opened in a worker thread with the profile's secrets, so that what it obtains (a
 * refresh token) is kept under the profile's id. The code to enter reaches the caller on
 * its own main context; the job ends once the user signed in (or it failed).
 */

typedef struct {
	gchar *plugin;
	GKeyFile *profile;
	CsSide side;
	gchar *profile_dir;
	CsSecrets *secrets;
	gchar *profile_id;
	gchar *legacy_id; /* (nullable) the file name secrets were kept under before ids */
	CsSignInCodeFunc code_func;
	gpointer code_data;
} SignInData;

static void
sign_in_data_free (SignInData *sd)
{
	g_free (sd->plugin);
	g_key_file_unref (sd->profile);
	g_free (sd->profile_dir);
	g_clear_object (&sd->secrets);
	g_free (sd->profile_id);
	g_free (sd->legacy_id);
	g_free (sd);
}

typedef struct {
	GTask *task; /* (owned) keeps the code's receiver alive until the job ends */
	gchar *uri;
	gchar *code;
} CodeMessage;

static gboolean
code_dispatch_cb (gpointer user_data)
{
	CodeMessage *m = user_data;
	SignInData *sd = g_task_get_task_data (m->task);
	/* a code that arrives after the end (the job was cancelled) is not shown */
	if (!g_task_get_completed (m->task) && !g_cancellable_is_cancelled (g_task_get_cancellable (m->task))
	    && sd->code_func != NULL)
		sd->code_func (m->uri, m->code, sd->code_data);
	return G_SOURCE_REMOVE;
}

static void
code_message_free (CodeMessage *m)
{
	g_object_unref (m->task);
	g_free (m->uri);
	g_free (m->code);
	g_free (m);
}

static void
device_code_cb (GObject *provider, const gchar *uri, const gchar *code, const gchar *message,
		gpointer user_data)
{
	GTask *task = G_TASK (user_data);
	CodeMessage *m = g_new0 (CodeMessage, 1);
	m->task = g_object_ref (task);
	m->uri = g_strdup (uri);
	m->code = g_strdup (code);
	/* emitted in the worker thread: the caller's widgets belong to its own thread */
	g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT, code_dispatch_cb,
				    m, (GDestroyNotify)code_message_free);
}

static void
sign_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	SignInData *sd = task_data;
	GError *error = NULL;
	g_autoptr (CsProvider) provider = NULL;
	g_autofree gchar *who = NULL;
	const gchar *group = sd->side == CS_SIDE_CRM ? "crm" : "outlook";

	provider = cs_plugin_loader_create (cs_plugin_loader_get_default (), sd->plugin, &error);
	if (provider == NULL) {
		g_task_return_error (task, error);
		return;
	}
	if (sd->profile_dir != NULL)
		cs_provider_set_profile_dir (provider, sd->profile_dir);
	cs_provider_set_secrets_full (provider, sd->secrets, sd->profile_id, sd->legacy_id,
				      sd->side);
	if (g_object_class_find_property (G_OBJECT_GET_CLASS (provider), "sign-in") != NULL) {
		g_object_set (provider, "sign-in", "device-code", NULL);
		g_signal_connect (provider, "device-code", G_CALLBACK (device_code_cb), task);
	}
	if (!cs_provider_setup (provider, sd->profile, group, &error)
	    || !cs_provider_open (provider, cancellable, &error)) {
		g_signal_handlers_disconnect_by_data (provider, task);
		g_task_return_error (task, error);
		return;
	}
	g_signal_handlers_disconnect_by_data (provider, task);
	who = cs_provider_whoami (provider, cancellable, NULL);
	cs_provider_close (provider);
	g_task_return_pointer (task, g_strdup (who != NULL ? who : ""), g_free);
}

/**
 * cs_sign_in_async:
 * @plugin: the provider's name (`graph`); see cs_plugin_loader_can_sign_in()
 * @profile: a profile holding the side's group, saved or not
 * @secrets: where the sign-in is kept, under @profile_id
 * @legacy_id: (nullable): the name a sign-in was kept under before profile ids
 * @code_func: (nullable): shows the user the code to enter, on the caller's main context
 *
 * Signs the user in as a run would, and keeps the sign-in for the profile's runs. Reads and
 * writes no record. The result is who the service says the user is (may be empty).
 */
void
cs_sign_in_async (const gchar *plugin, GKeyFile *profile, CsSide side, const gchar *profile_dir,
		  CsSecrets *secrets, const gchar *profile_id, const gchar *legacy_id,
		  CsSignInCodeFunc code_func, gpointer code_data, GCancellable *cancellable,
		  GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
	SignInData *sd = g_new0 (SignInData, 1);
	sd->plugin = g_strdup (plugin);
	sd->profile = g_key_file_ref (profile);
	sd->side = side;
	sd->profile_dir = g_strdup (profile_dir);
	sd->secrets = g_object_ref (secrets);
	sd->profile_id = g_strdup (profile_id);
	sd->legacy_id = g_strdup (legacy_id);
	sd->code_func = code_func;
	sd->code_data = code_data;
	g_task_set_source_tag (task, cs_sign_in_async);
	g_task_set_task_data (task, sd, (GDestroyNotify)sign_in_data_free);
	g_task_run_in_thread (task, sign_in_thread);
}

/**
 * cs_sign_in_finish:
 *
 * Returns: (transfer full): who the service says the user is (may be empty), or %NULL with
 *   @error
 */
gchar *
cs_sign_in_finish (GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer (G_TASK (result), error);
}
