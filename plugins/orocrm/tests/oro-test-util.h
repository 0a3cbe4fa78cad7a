/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define ORO_TEST_KEY "dd1c18d06773cc377c9df6166c54c6e5fefa50fa"

/* the emulator as a child process, and a scratch folder for one test */
typedef struct {
	GSubprocess *proc;
	gchar *url;
	gchar *dir;
	SoupSession *session;
	gchar *bearer;
} OroEmu;

OroEmu *oro_emu_start (const gchar *const *args);
void oro_emu_stop (OroEmu *emu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OroEmu, oro_emu_stop)

/* JSON:API or REST request to the emulator with a bearer token; answers parsed */
JsonNode *oro_emu_call (OroEmu *emu, const gchar *method, const gchar *path, const gchar *body,
			guint *status);
/* all contacts (or tasks) by id → resource */
GHashTable *oro_emu_list (OroEmu *emu, const gchar *type);
const gchar *oro_attr (JsonObject *resource, const gchar *name);

gchar *oro_test_path (OroEmu *emu, const gchar *name);
void oro_test_rm_rf (const gchar *path);
gchar *oro_test_read_file (const gchar *path);
gboolean oro_test_contains (const gchar *path, const gchar *needle);

/* a folder side: one JSON file per record under kind/ */
GPtrArray *oro_folder_list (const gchar *dir, const gchar *kind);
JsonObject *oro_folder_find (const gchar *dir, const gchar *kind, const gchar *field,
			     const gchar *value, gchar **path_out);
void oro_folder_write (const gchar *dir, const gchar *kind, const gchar *id, const gchar *json);

G_END_DECLS
