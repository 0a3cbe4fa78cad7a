/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#if HAVE_LIBSECRET
#include <libsecret/secret.h>
#endif

#include "cs-provider.h"
#include "cs-secrets.h"

/*
 * Secrets live in the keyring (libsecret) on a desktop. A headless machine
 * has no keyring; there they go into files readable only by their owner under
 * $XDG_DATA_HOME/crmsync/secrets, never into a profile or a log.
 */
struct _CsSecrets {
	GObject parent_instance;
	gboolean keyring;
	gchar *dir; /* (owned) (nullable): the file store */
};

G_DEFINE_TYPE (CsSecrets, cs_secrets, G_TYPE_OBJECT)

#if HAVE_LIBSECRET
static const SecretSchema *
cs_secrets_get_schema (void)
{
	static const SecretSchema schema = {
	    "org.crmsync.Secret",
	    SECRET_SCHEMA_NONE,
	    {
		{"profile", SECRET_SCHEMA_ATTRIBUTE_STRING},
		{"side", SECRET_SCHEMA_ATTRIBUTE_STRING},
		{"key", SECRET_SCHEMA_ATTRIBUTE_STRING},
		{"NULL", 0},
	    }};
	return &schema;
}
#endif

static void
cs_secrets_finalize (GObject *object)
{
	CsSecrets *self = CS_SECRETS (object);
	g_free (self->dir);
	G_OBJECT_CLASS (cs_secrets_parent_class)->finalize (object);
}

static void
cs_secrets_class_init (CsSecretsClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_secrets_finalize;
}

static void
cs_secrets_init (CsSecrets *self)
{
}

/**
 * cs_secrets_new:
 *
 * The keyring when one answers on the session bus (and `CRMSYNC_SECRETS` is
 * not `file`), else the private file store.
 */
CsSecrets *
cs_secrets_new (void)
{
	CsSecrets *self = g_object_new (CS_TYPE_SECRETS, NULL);
	self->dir = g_build_filename (g_get_user_data_dir (), "crmsync", "secrets", NULL);
#if HAVE_LIBSECRET
	if (g_strcmp0 (g_getenv ("CRMSYNC_SECRETS"), "file") != 0 &&
	    g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL) {
		g_autoptr(GError) error = NULL;
		g_autoptr(SecretService) service =
		    secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
		self->keyring = service != NULL;
		if (error != NULL)
			g_debug ("no keyring, using the file store: %s", error->message);
	}
#endif
	return self;
}

CsSecrets *
cs_secrets_new_for_dir (const gchar *dir)
{
	CsSecrets *self = g_object_new (CS_TYPE_SECRETS, NULL);
	self->dir = g_strdup (dir);
	return self;
}

gboolean
cs_secrets_uses_keyring (CsSecrets *self)
{
	return self->keyring;
}

static gchar *
cs_secrets_file_path (CsSecrets *self, const gchar *profile, CsSide side, const gchar *key)
{
	g_autofree gchar *name = g_strdup_printf ("%s.%s.%s", profile, cs_side_to_string (side), key);
	g_strdelimit (name, "/\\", '_');
	return g_build_filename (self->dir, name, NULL);
}

/**
 * cs_secrets_read_file:
 *
 * Reads a secret file given in a profile (`secret-file=`). It must be a
 * regular file that only its owner can read: a secret others can read is
 * no longer a secret, so we refuse it rather than use it.
 */
gchar *
cs_secrets_read_file (const gchar *path, GError **error)
{
	GStatBuf st;
	g_autofree gchar *data = NULL;

	if (g_stat (path, &st) != 0) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
			     _("cannot read secret file %s: %s"), path, g_strerror (errno));
		return NULL;
	}
#ifndef G_OS_WIN32
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
			     _("secret file %s can be read by others; run: chmod 600 %s"), path, path);
		return NULL;
	}
#endif
	if (!g_file_get_contents (path, &data, NULL, error)) {
		g_prefix_error (error, "cannot read secret file: ");
		return NULL;
	}
	g_strchomp (data);
	return g_steal_pointer (&data);
}

/**
 * cs_secrets_lookup:
 * Returns: (transfer full) (nullable): the secret, or %NULL without an error
 *   when none is stored
 */
gchar *
cs_secrets_lookup (CsSecrets *self, const gchar *profile, CsSide side, const gchar *key,
		   GError **error)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *data = NULL;

#if HAVE_LIBSECRET
	if (self->keyring) {
		gchar *pw = secret_password_lookup_sync (cs_secrets_get_schema (), NULL, error,
							 "profile", profile, "side",
							 cs_side_to_string (side), "key", key, NULL);
		if (pw != NULL) {
			gchar *copy = g_strdup (pw);
			secret_password_free (pw);
			return copy;
		}
		return NULL;
	}
#endif
	path = cs_secrets_file_path (self, profile, side, key);
	if (!g_file_test (path, G_FILE_TEST_EXISTS))
		return NULL;
	return cs_secrets_read_file (path, error);
}

gboolean
cs_secrets_store (CsSecrets *self, const gchar *profile, CsSide side, const gchar *key,
		  const gchar *value, GError **error)
{
	g_autofree gchar *path = NULL;

#if HAVE_LIBSECRET
	if (self->keyring) {
		g_autofree gchar *label =
		    g_strdup_printf ("crmsync %s (%s %s)", key, profile, cs_side_to_string (side));
		return secret_password_store_sync (cs_secrets_get_schema (), SECRET_COLLECTION_DEFAULT,
						   label, value, NULL, error, "profile", profile,
						   "side", cs_side_to_string (side), "key", key, NULL);
	}
#endif
	if (g_mkdir_with_parents (self->dir, 0700) != 0) {
		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
			     _("cannot create %s: %s"), self->dir, g_strerror (errno));
		return FALSE;
	}
	path = cs_secrets_file_path (self, profile, side, key);
	/* g_file_set_contents_full creates the file with the mode asked for */
	return g_file_set_contents_full (path, value, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
					 error);
}

gboolean
cs_secrets_clear (CsSecrets *self, const gchar *profile, CsSide side, const gchar *key,
		  GError **error)
{
	g_autofree gchar *path = NULL;
#if HAVE_LIBSECRET
	if (self->keyring) {
		secret_password_clear_sync (cs_secrets_get_schema (), NULL, error, "profile",
					    profile, "side", cs_side_to_string (side), "key", key,
					    NULL);
		return error == NULL || *error == NULL;
	}
#endif
	path = cs_secrets_file_path (self, profile, side, key);
	if (g_unlink (path) != 0 && errno != ENOENT) {
		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), _("cannot remove %s: %s"),
			     path, g_strerror (errno));
		return FALSE;
	}
	return TRUE;
}

/**
 * cs_secrets_lookup_migrating:
 * @profile: the profile's id (cs_profile_get_uid())
 * @legacy: (nullable): the name secrets were kept under before profiles had
 *   ids: the profile file's base name (cs_profile_get_id())
 *
 * The secret kept under @profile; else one kept under @legacy, copied to
 * @profile on the way so that nobody signs in again after the upgrade and the
 * profile keeps it when its file is renamed. The old entry stays: two files of
 * one name in two folders shared it, and the other one still needs it until
 * it has run once too.
 *
 * Returns: (transfer full) (nullable): as cs_secrets_lookup()
 */
gchar *
cs_secrets_lookup_migrating (CsSecrets *self, const gchar *profile, const gchar *legacy,
			     CsSide side, const gchar *key, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gchar *value = cs_secrets_lookup (self, profile, side, key, error);

	if (value != NULL || (error != NULL && *error != NULL) || legacy == NULL ||
	    g_strcmp0 (legacy, profile) == 0)
		return value;
	value = cs_secrets_lookup (self, legacy, side, key, error);
	if (value != NULL && !cs_secrets_store (self, profile, side, key, value, &error_local))
		/* still usable this time; the copy is tried again next time */
		g_debug ("cannot copy the %s to the profile's id: %s", key, error_local->message);
	return value;
}
