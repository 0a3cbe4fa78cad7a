/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cs-json.h"
#include "cs-provider.h"

typedef struct {
	CsSecrets *secrets;	/* (owned) (nullable) */
	gchar *profile_id;	/* (owned) (nullable) */
	gchar *legacy_id;	/* (owned) (nullable): where secrets were kept before ids */
	CsSide side;
	gchar *secret_file;	/* (owned) (nullable) */
	gchar *profile_dir;	/* (owned) (nullable): relative paths in the profile start here */
	guint retry_after;
} CsProviderPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (CsProvider, cs_provider, G_TYPE_OBJECT)
G_DEFINE_QUARK (cs-provider-error-quark, cs_provider_error)

static void
cs_provider_finalize (GObject *object)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (CS_PROVIDER (object));
	g_clear_object (&priv->secrets);
	g_free (priv->profile_id);
	g_free (priv->legacy_id);
	g_free (priv->secret_file);
	g_free (priv->profile_dir);
	G_OBJECT_CLASS (cs_provider_parent_class)->finalize (object);
}

static void
cs_provider_class_init (CsProviderClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_provider_finalize;
}

static void
cs_provider_init (CsProvider *self)
{
}

const gchar *
cs_provider_get_name (CsProvider *self)
{
	return CS_PROVIDER_GET_CLASS (self)->name;
}

/**
 * cs_provider_get_display_name:
 *
 * Returns: the service's name for the user, translated; the plugin's name when it gives none
 */
const gchar *
cs_provider_get_display_name (CsProvider *self)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	if (klass->display_name == NULL)
		return klass->name;
	return g_dgettext (GETTEXT_PACKAGE, klass->display_name);
}

/**
 * cs_provider_get_settings:
 *
 * Returns: (transfer none): the settings of the provider's profile section, ended by one
 * whose key is %NULL (an empty list when it describes none)
 */
const CsSetting *
cs_provider_get_settings (CsProvider *self)
{
	static const CsSetting none[] = {{NULL}};
	const CsSetting *s = CS_PROVIDER_GET_CLASS (self)->settings;
	return s != NULL ? s : none;
}

CsProviderSides
cs_provider_get_sides (CsProvider *self)
{
	return CS_PROVIDER_GET_CLASS (self)->sides;
}

/**
 * cs_provider_setup:
 * @group: the profile group given to this provider (`crm` or `outlook`)
 *
 * `secret-file=` is read here for every provider.
 */
gboolean
cs_provider_setup (CsProvider *self, GKeyFile *profile, const gchar *group, GError **error)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);

	g_free (priv->secret_file);
	priv->secret_file = g_key_file_get_string (profile, group, "secret-file", NULL);
	if (priv->secret_file != NULL) {
		gchar *resolved = cs_provider_resolve_path (self, priv->secret_file);
		g_free (priv->secret_file);
		priv->secret_file = resolved;
	}
	if (klass->setup == NULL)
		return TRUE;
	return klass->setup (self, profile, group, error);
}

CsCaps
cs_provider_get_caps (CsProvider *self, CsKind kind)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	return klass->get_caps != NULL ? klass->get_caps (self, kind) : 0;
}

/**
 * cs_provider_get_schema:
 * Returns: (transfer full)
 */
CsSchema *
cs_provider_get_schema (CsProvider *self, CsKind kind, GError **error)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	if (klass->get_schema == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     "%s has no schema for %s", klass->name, cs_kind_to_string (kind));
		return NULL;
	}
	return klass->get_schema (self, kind, error);
}

gboolean
cs_provider_open (CsProvider *self, GCancellable *cancellable, GError **error)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	return klass->open == NULL || klass->open (self, cancellable, error);
}

void
cs_provider_close (CsProvider *self)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	if (klass->close != NULL)
		klass->close (self);
}

gchar *
cs_provider_whoami (CsProvider *self, GCancellable *cancellable, GError **error)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	if (klass->whoami == NULL)
		return g_strdup ("");
	return klass->whoami (self, cancellable, error);
}

gboolean
cs_provider_read_changes (CsProvider *self, CsKind kind, const gchar *cursor, CsReadSink *sink,
			  GCancellable *cancellable, GError **error)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	if (klass->read_changes == NULL || (cs_provider_get_caps (self, kind) & CS_CAP_READ) == 0) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     "%s cannot read %s records", klass->name, cs_kind_to_string (kind));
		return FALSE;
	}
	return klass->read_changes (self, kind, cursor, sink, cancellable, error);
}

/**
 * cs_provider_write:
 * @ops: (element-type CsWriteOp)
 *
 * A provider that cannot write answers each op with READ_ONLY, so the
 * plan shows every item that would have needed a write.
 */
gboolean
cs_provider_write (CsProvider *self, CsKind kind, GPtrArray *ops, GCancellable *cancellable,
		   GError **error)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	CsCaps caps = cs_provider_get_caps (self, kind);

	if (klass->write == NULL || (caps & CS_CAP_WRITE) == 0) {
		for (guint i = 0; i < ops->len; i++) {
			CsWriteOp *op = g_ptr_array_index (ops, i);
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_READ_ONLY,
					       "%s is read-only", klass->name);
		}
		return TRUE;
	}
	return klass->write (self, kind, ops, cancellable, error);
}

/**
 * cs_provider_find:
 * Returns: (transfer container) (element-type CsRecord)
 */
GPtrArray *
cs_provider_find (CsProvider *self, CsKind kind, const gchar *field, GVariant *value,
		  GCancellable *cancellable, GError **error)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	if (klass->find == NULL)
		return g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	return klass->find (self, kind, field, value, cancellable, error);
}

gboolean
cs_provider_can_get (CsProvider *self)
{
	return CS_PROVIDER_GET_CLASS (self)->get != NULL;
}

/**
 * cs_provider_get:
 * @ids: (element-type utf8): the records' ids
 *
 * Returns: (transfer container) (element-type CsRecord): the records that
 *   exist, in no particular order; an empty array when the provider cannot
 *   fetch records by id (see cs_provider_can_get())
 */
GPtrArray *
cs_provider_get (CsProvider *self, CsKind kind, GPtrArray *ids, GCancellable *cancellable,
		 GError **error)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	if (klass->get == NULL || ids->len == 0)
		return g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	return klass->get (self, kind, ids, cancellable, error);
}

/**
 * cs_provider_cursor_after_write:
 * @cursor: the cursor the read of this run set
 * @ops: (element-type CsWriteOp): ops just written; those with an error did
 *   nothing
 *
 * Returns: (transfer full) (nullable): the cursor that also knows what @ops
 *   did, or %NULL when @cursor stays as it is
 */
gchar *
cs_provider_cursor_after_write (CsProvider *self, CsKind kind, const gchar *cursor, GPtrArray *ops)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	if (klass->cursor_after_write == NULL || cursor == NULL || ops->len == 0)
		return NULL;
	return klass->cursor_after_write (self, kind, cursor, ops);
}

/**
 * cs_provider_get_horizon:
 * @horizon: (out caller-allocates): filled in
 *
 * Returns: whether a full listing of @kind may leave out records that exist
 */
gboolean
cs_provider_get_horizon (CsProvider *self, CsKind kind, CsHorizon *horizon)
{
	CsProviderClass *klass = CS_PROVIDER_GET_CLASS (self);
	*horizon = (CsHorizon){FALSE, NULL, G_MININT64, G_MAXINT64, NULL};
	if (klass->get_horizon != NULL)
		klass->get_horizon (self, kind, horizon);
	return horizon->partial;
}

/**
 * cs_horizon_place:
 * @record: (nullable): in the horizon's provider's fields
 *
 * Returns: where @record falls, as far as its fields tell: a partial horizon
 *   without a window, or a record without a value in the windowed field, may
 *   hold it or not
 */
CsHorizonPlace
cs_horizon_place (const CsHorizon *horizon, const CsRecord *record)
{
	const gchar *text;
	gint64 t;
	if (!horizon->partial)
		return CS_HORIZON_INSIDE;
	if (horizon->range_field == NULL || record == NULL)
		return CS_HORIZON_UNKNOWN;
	text = cs_record_get_string (record, horizon->range_field);
	if (text == NULL || !cs_time_parse (text, &t))
		return CS_HORIZON_UNKNOWN;
	return t >= horizon->from && t < horizon->to ? CS_HORIZON_INSIDE : CS_HORIZON_OUTSIDE;
}

/**
 * cs_provider_check_keys:
 * @allowed: %NULL-terminated key names (`secret-file` is always allowed)
 *
 * A key nobody reads is most likely a typo the user wants to hear about.
 */
gboolean
cs_provider_check_keys (GKeyFile *profile, const gchar *group, const gchar *const *allowed,
			GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys (profile, group, NULL, NULL);
	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		g_autofree gchar *list = NULL;
		if (g_strcmp0 (keys[i], "secret-file") == 0 ||
		    g_strv_contains (allowed, keys[i]))
			continue;
		g_autofree gchar *value = g_key_file_get_value (profile, group, keys[i], NULL);
		list = g_strjoinv (", ", (gchar **) allowed);
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] %s=%s: unknown key (allowed: %s, secret-file)"), group, keys[i],
			     value != NULL ? value : "", list);
		return FALSE;
	}
	return TRUE;
}

void
cs_provider_set_secrets (CsProvider *self, CsSecrets *secrets, const gchar *profile_id,
			 CsSide side)
{
	cs_provider_set_secrets_full (self, secrets, profile_id, NULL, side);
}

/**
 * cs_provider_set_secrets_full:
 * @profile_id: the profile's id (cs_profile_get_uid()): secrets are kept under it
 * @legacy_id: (nullable): the name they were kept under before profiles had
 *   ids (cs_profile_get_id()): a secret found there is moved to @profile_id
 */
void
cs_provider_set_secrets_full (CsProvider *self, CsSecrets *secrets, const gchar *profile_id,
			      const gchar *legacy_id, CsSide side)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);
	g_set_object (&priv->secrets, secrets);
	g_free (priv->profile_id);
	priv->profile_id = g_strdup (profile_id);
	g_free (priv->legacy_id);
	priv->legacy_id = g_strdup (legacy_id);
	priv->side = side;
}

/**
 * cs_provider_get_secret:
 * @key: `secret` (password, API key, authCode) or a token name
 *
 * `secret` comes from `secret-file=` when the profile names one, else from
 * the keyring. A missing secret is an AUTH error.
 */
gchar *
cs_provider_get_secret (CsProvider *self, const gchar *key, GError **error)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);
	g_autoptr(GError) error_local = NULL;
	gchar *value = NULL;

	if (g_strcmp0 (key, "secret") == 0 && priv->secret_file != NULL)
		return cs_secrets_read_file (priv->secret_file, error);
	if (priv->secrets != NULL)
		value = cs_secrets_lookup_migrating (priv->secrets, priv->profile_id, priv->legacy_id,
						     priv->side, key, &error_local);
	if (error_local != NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
			     _("cannot read the %s from the keyring: %s"), key, error_local->message);
		return NULL;
	}
	if (value == NULL) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
			     _("no %s stored for profile “%s”; enter it in Settings or set secret-file="),
			     key,
			     priv->legacy_id != NULL	 ? priv->legacy_id
			     : priv->profile_id != NULL ? priv->profile_id
							 : "");
		return NULL;
	}
	return value;
}

gboolean
cs_provider_store_secret (CsProvider *self, const gchar *key, const gchar *value, GError **error)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);
	if (priv->secrets == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH,
				     _("no secret store available"));
		return FALSE;
	}
	return cs_secrets_store (priv->secrets, priv->profile_id, priv->side, key, value, error);
}

void
cs_provider_set_retry_after (CsProvider *self, guint seconds)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);
	priv->retry_after = seconds;
}

guint
cs_provider_get_retry_after (CsProvider *self)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);
	return priv->retry_after;
}

const gchar *
cs_provider_get_profile_dir (CsProvider *self)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);
	return priv->profile_dir;
}

void
cs_provider_set_profile_dir (CsProvider *self, const gchar *dir)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);
	g_free (priv->profile_dir);
	priv->profile_dir = g_strdup (dir);
}

/**
 * cs_provider_resolve_path:
 *
 * Paths in a profile are relative to the profile's folder; `~/` is home.
 */
gchar *
cs_provider_resolve_path (CsProvider *self, const gchar *path)
{
	CsProviderPrivate *priv = cs_provider_get_instance_private (self);
	if (g_str_has_prefix (path, "~/"))
		return g_build_filename (g_get_home_dir (), path + 2, NULL);
	if (g_path_is_absolute (path) || priv->profile_dir == NULL)
		return g_strdup (path);
	return g_build_filename (priv->profile_dir, path, NULL);
}
