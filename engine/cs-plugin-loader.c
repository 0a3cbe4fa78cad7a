/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <gmodule.h>

#include "cs-plugin-loader.h"

/*
 * Plugins are GModules named libcs_<name>.so in the plugin dir (the
 * install dir, or CRMSYNC_PLUGIN_DIR). Each exports cs_provider_query_type();
 * modules are made resident because their GTypes cannot be unregistered.
 */
struct _CsPluginLoader {
	GObject parent_instance;
	gchar *dir;		/* (owned) */
	gboolean loaded;
	GHashTable *types;	/* name → GType */
	GPtrArray *failures;	/* (element-type utf8): "file: reason" */
};

G_DEFINE_TYPE (CsPluginLoader, cs_plugin_loader, G_TYPE_OBJECT)

static void
cs_plugin_loader_finalize (GObject *object)
{
	CsPluginLoader *self = CS_PLUGIN_LOADER (object);
	g_free (self->dir);
	g_hash_table_unref (self->types);
	g_ptr_array_unref (self->failures);
	G_OBJECT_CLASS (cs_plugin_loader_parent_class)->finalize (object);
}

static void
cs_plugin_loader_class_init (CsPluginLoaderClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_plugin_loader_finalize;
}

static void
cs_plugin_loader_init (CsPluginLoader *self)
{
	self->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	self->failures = g_ptr_array_new_with_free_func (g_free);
}

CsPluginLoader *
cs_plugin_loader_new (const gchar *dir)
{
	CsPluginLoader *self = g_object_new (CS_TYPE_PLUGIN_LOADER, NULL);
	self->dir = g_strdup (dir);
	return self;
}

/**
 * cs_plugin_loader_get_default:
 * Returns: (transfer none): the process-wide loader for CRMSYNC_PLUGIN_DIR
 *   or the install dir
 */
CsPluginLoader *
cs_plugin_loader_get_default (void)
{
	static CsPluginLoader *loader;
	static GMutex mutex;
	g_mutex_lock (&mutex);
	if (loader == NULL) {
		const gchar *dir = g_getenv ("CRMSYNC_PLUGIN_DIR");
		loader = cs_plugin_loader_new (dir != NULL && dir[0] != '\0' ? dir : CS_PLUGIN_DIR);
	}
	g_mutex_unlock (&mutex);
	return loader;
}

const gchar *
cs_plugin_loader_get_dir (CsPluginLoader *self)
{
	return self->dir;
}

static void
load_module (CsPluginLoader *self, const gchar *path)
{
	g_autofree gchar *base = g_path_get_basename (path);
	GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);
	CsProviderQueryTypeFunc query = NULL;
	GType type;
	g_autoptr(GTypeClass) klass = NULL;
	const gchar *name;

	if (module == NULL) {
		g_ptr_array_add (self->failures, g_strdup_printf ("%s: %s", base, g_module_error ()));
		return;
	}
	if (!g_module_symbol (module, CS_PROVIDER_QUERY_TYPE_SYMBOL, (gpointer *) &query) ||
	    query == NULL) {
		g_ptr_array_add (self->failures,
				 g_strdup_printf ("%s: no %s()", base, CS_PROVIDER_QUERY_TYPE_SYMBOL));
		g_module_close (module);
		return;
	}
	type = query ();
	if (!g_type_is_a (type, CS_TYPE_PROVIDER) || G_TYPE_IS_ABSTRACT (type)) {
		g_ptr_array_add (self->failures,
				 g_strdup_printf ("%s: not a CsProvider", base));
		g_module_close (module);
		return;
	}
	g_module_make_resident (module);
	klass = g_type_class_ref (type);
	name = ((CsProviderClass *) klass)->name;
	if (name == NULL) {
		g_ptr_array_add (self->failures, g_strdup_printf ("%s: provider has no name", base));
		return;
	}
	g_hash_table_replace (self->types, g_strdup (name), GSIZE_TO_POINTER (type));
}

static gboolean
is_plugin_file (const gchar *name)
{
	return g_str_has_prefix (name, "libcs_") && g_str_has_suffix (name, "." G_MODULE_SUFFIX);
}

static void
load_dir (CsPluginLoader *self, const gchar *dirname)
{
	g_autoptr(GDir) dir = g_dir_open (dirname, 0, NULL);
	const gchar *entry;
	while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL) {
		g_autofree gchar *path = g_build_filename (dirname, entry, NULL);
		/* a build tree keeps each plugin in its own folder */
		if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
			g_autoptr(GDir) sub = g_dir_open (path, 0, NULL);
			const gchar *sub_entry;
			while (sub != NULL && (sub_entry = g_dir_read_name (sub)) != NULL) {
				g_autofree gchar *sub_path = NULL;
				if (!is_plugin_file (sub_entry))
					continue;
				sub_path = g_build_filename (path, sub_entry, NULL);
				load_module (self, sub_path);
			}
			continue;
		}
		if (is_plugin_file (entry))
			load_module (self, path);
	}
}

/**
 * cs_plugin_loader_load_all:
 *
 * The plugin dir may be a search path (folders separated by ':').
 */
gboolean
cs_plugin_loader_load_all (CsPluginLoader *self, GError **error)
{
	g_auto(GStrv) dirs = NULL;
	guint found = 0;

	if (self->loaded)
		return TRUE;
	if (!g_module_supported ()) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
				     _("this system cannot load plugins"));
		return FALSE;
	}
	dirs = g_strsplit (self->dir, G_SEARCHPATH_SEPARATOR_S, -1);
	for (guint i = 0; dirs[i] != NULL; i++) {
		if (dirs[i][0] == '\0' || !g_file_test (dirs[i], G_FILE_TEST_IS_DIR))
			continue;
		found++;
		load_dir (self, dirs[i]);
	}
	if (found == 0) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			     _("cannot read the plugin folder %s"), self->dir);
		return FALSE;
	}
	self->loaded = TRUE;
	return TRUE;
}

/**
 * cs_plugin_loader_get_names:
 * Returns: (transfer container) (element-type utf8): sorted plugin names
 */
GPtrArray *
cs_plugin_loader_get_names (CsPluginLoader *self)
{
	GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init (&iter, self->types);
	while (g_hash_table_iter_next (&iter, &key, NULL))
		g_ptr_array_add (names, g_strdup (key));
	g_ptr_array_sort (names, cs_str_ptr_cmp);
	return names;
}

/**
 * cs_plugin_loader_get_failures:
 * Returns: (transfer none) (element-type utf8)
 */
GPtrArray *
cs_plugin_loader_get_failures (CsPluginLoader *self)
{
	return self->failures;
}

/**
 * cs_plugin_loader_create:
 * Returns: (transfer full): a new, not yet set up provider
 */
CsProvider *
cs_plugin_loader_create (CsPluginLoader *self, const gchar *name, GError **error)
{
	gpointer type;
	if (!cs_plugin_loader_load_all (self, error))
		return NULL;
	type = g_hash_table_lookup (self->types, name);
	if (type == NULL) {
		g_autoptr(GPtrArray) names = cs_plugin_loader_get_names (self);
		g_autofree gchar *list = NULL;
		g_ptr_array_add (names, NULL);
		list = g_strjoinv (", ", (gchar **) names->pdata);
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			     _("no plugin “%s” (found: %s in %s)"), name, list[0] ? list : "none",
			     self->dir);
		return NULL;
	}
	return g_object_new ((GType) GPOINTER_TO_SIZE (type), NULL);
}

/**
 * cs_plugin_loader_get_display_name:
 * @name: a plugin's name, as in a profile (`crm=orocrm`)
 *
 * Returns: the service's name for the user ("OroCRM", "Microsoft 365"), translated; @name
 * itself when no such plugin is loaded
 */
const gchar *
cs_plugin_loader_get_display_name (CsPluginLoader *self, const gchar *name)
{
	gpointer type;
	CsProviderClass *klass;
	const gchar *display;
	if (name == NULL || !cs_plugin_loader_load_all (self, NULL))
		return name;
	type = g_hash_table_lookup (self->types, name);
	if (type == NULL)
		return name;
	klass = g_type_class_ref ((GType) GPOINTER_TO_SIZE (type));
	display = klass->display_name != NULL ? g_dgettext (GETTEXT_PACKAGE, klass->display_name)
					      : name;
	/* the modules stay resident, so the class (and its strings) outlive this ref */
	g_type_class_unref (klass);
	return display;
}

static CsProviderClass *
peek_class (CsPluginLoader *self, const gchar *name)
{
	gpointer type;
	CsProviderClass *klass;
	if (name == NULL || !cs_plugin_loader_load_all (self, NULL))
		return NULL;
	type = g_hash_table_lookup (self->types, name);
	if (type == NULL)
		return NULL;
	/* the modules stay resident: the class outlives this reference */
	klass = g_type_class_ref ((GType) GPOINTER_TO_SIZE (type));
	g_type_class_unref (klass);
	return klass;
}

/**
 * cs_plugin_loader_get_settings:
 *
 * Returns: (transfer none): the settings the plugin describes for its profile section,
 * ended by one whose key is %NULL
 */
const CsSetting *
cs_plugin_loader_get_settings (CsPluginLoader *self, const gchar *name)
{
	static const CsSetting none[] = {{NULL}};
	CsProviderClass *klass = peek_class (self, name);
	return klass != NULL && klass->settings != NULL ? klass->settings : none;
}

/**
 * cs_plugin_loader_get_description:
 *
 * Returns: what the plugin serves, in a line ("Outlook data file (.pst/.ost), read-only"),
 *   translated; its display name when it gives none
 */
const gchar *
cs_plugin_loader_get_description (CsPluginLoader *self, const gchar *name)
{
	CsProviderClass *klass = peek_class (self, name);
	if (klass == NULL || klass->description == NULL)
		return cs_plugin_loader_get_display_name (self, name);
	return g_dgettext (GETTEXT_PACKAGE, klass->description);
}

/**
 * cs_plugin_loader_get_presets:
 *
 * Returns: (transfer none): the presets the plugin offers, ended by one whose id is %NULL
 */
const CsPreset *
cs_plugin_loader_get_presets (CsPluginLoader *self, const gchar *name)
{
	static const CsPreset none[] = {{NULL}};
	CsProviderClass *klass = peek_class (self, name);
	return klass != NULL && klass->presets != NULL ? klass->presets : none;
}

/**
 * cs_plugin_loader_is_read_only:
 *
 * Returns: whether the plugin only reads (an Outlook data file): it can write no kind it
 *   reads, whatever its settings
 */
gboolean
cs_plugin_loader_is_read_only (CsPluginLoader *self, const gchar *name)
{
	g_autoptr(CsProvider) provider = cs_plugin_loader_create (self, name, NULL);
	if (provider == NULL)
		return FALSE;
	for (CsKind k = 0; k < CS_KIND_LAST; k++)
		if (cs_provider_get_caps (provider, k) & CS_CAP_WRITE)
			return FALSE;
	return TRUE;
}

/**
 * cs_plugin_loader_can_sign_in:
 *
 * Returns: whether the plugin signs the user in interactively (a Microsoft account's
 *   device code: cs_sign_in_async()), rather than with a key the user types
 */
gboolean
cs_plugin_loader_can_sign_in (CsPluginLoader *self, const gchar *name)
{
	CsProviderClass *klass = peek_class (self, name);
	return klass != NULL && g_object_class_find_property (G_OBJECT_CLASS (klass), "sign-in") != NULL;
}

/**
 * cs_plugin_loader_get_sides:
 *
 * Returns: the sides of a profile the plugin can serve; 0 when there is no such plugin
 */
CsProviderSides
cs_plugin_loader_get_sides (CsPluginLoader *self, const gchar *name)
{
	CsProviderClass *klass = peek_class (self, name);
	return klass != NULL ? klass->sides : 0;
}
