/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-profile.h"

G_BEGIN_DECLS

/*
 * Where profiles live: the user's folder ($XDG_CONFIG_HOME/crmsync/profiles)
 * and the system folders an administrator fills ($XDG_CONFIG_DIRS, each
 * /crmsync/profiles: /etc/xdg/crmsync/profiles by default). A profile is
 * named by its file name without ".ini"; the user's own file comes first.
 */
typedef struct {
	gchar *name;	 /* (owned) */
	gchar *path;	 /* (owned) */
	gboolean system; /* found in a system folder (and not shadowed by the user's) */
} CsProfileEntry;

void
cs_profile_entry_free (CsProfileEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsProfileEntry, cs_profile_entry_free)

gchar *
cs_profile_store_get_user_dir (void);
GStrv
cs_profile_store_get_system_dirs (void);
gchar *
cs_profile_store_find (const gchar *name, gboolean *system);
gchar *
cs_profile_store_resolve (const gchar *name_or_path, GError **error);
GPtrArray *
cs_profile_store_list (void);
CsProfile *
cs_profile_store_load (const gchar *name_or_path, GError **error);
GStrv
cs_profile_store_get_locks (const gchar *path, gchar **reason, gchar **system_path);
gboolean
cs_profile_store_is_locked (const gchar *const *locks, const gchar *group, const gchar *key);
gchar *
cs_profile_store_get_user_overlay (const gchar *path);
gchar *
cs_profile_store_export (const gchar *path, GError **error);
gchar *
cs_profile_store_import (const gchar *file, const gchar *name, GError **error);

G_END_DECLS
