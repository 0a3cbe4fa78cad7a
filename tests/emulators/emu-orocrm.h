/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "emu-server.h"

G_BEGIN_DECLS

/* the orocrm emulator's parts: JSON:API (emu-orocrm.c), authentication
 * (emu-orocrm-auth.c) and the old REST API for calendar events
 * (emu-orocrm-rest.c) */

#define EMU_ORO_JSONAPI "application/vnd.api+json"
#define EMU_ORO_WSSE_LIFETIME 3600
#define EMU_ORO_TOKEN_LIFETIME 3600

typedef struct {
	gint64 id;	    /* the users row; 0 = not authenticated */
	gboolean read_only; /* may read, any write is 403 */
} EmuOroUser;

/* emu-orocrm-auth.c */
gboolean emu_oro_auth_setup (EmuServer *server, GError **error);
gboolean emu_oro_authenticate (EmuServer *server, SoupServerMessage *msg, gboolean jsonapi,
			       EmuOroUser *user);
void emu_oro_token_handler (EmuServer *server, SoupServerMessage *msg, const gchar *path,
			    GHashTable *query, gpointer user_data);
gchar *emu_oro_wsse_digest (const gchar *nonce_b64, const gchar *created, const gchar *key);
gboolean emu_oro_add_api_key (EmuServer *server, gint64 user_id, const gchar *key,
			      gboolean read_only, GError **error);

/* emu-orocrm-rest.c */
gboolean emu_oro_rest_setup (EmuServer *server, GError **error);
void emu_oro_rest_handle (EmuServer *server, SoupServerMessage *msg, const gchar *path);
gboolean emu_oro_rest_seed (EmuServer *server, JsonArray *events, GError **error);
gboolean emu_oro_rest_generate (EmuServer *server, guint n, GError **error);
gint64 emu_oro_calendar_of_user (EmuServer *server, gint64 user_id);

/* emu-orocrm.c */
void emu_oro_jsonapi_error (SoupServerMessage *msg, guint status, const gchar *title,
			    const gchar *detail);
gchar *emu_oro_time_format (GDateTime *dt);
GDateTime *emu_oro_time_parse (const gchar *text);

G_END_DECLS
