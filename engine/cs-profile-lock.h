/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* how long a second run of a profile waits for the first before it gives up */
#define CS_PROFILE_LOCK_WAIT_MS 3000

#define CS_TYPE_PROFILE_LOCK (cs_profile_lock_get_type ())
G_DECLARE_FINAL_TYPE (CsProfileLock, cs_profile_lock, CS, PROFILE_LOCK, GObject)

CsProfileLock *
cs_profile_lock_acquire (const gchar *state_path, const gchar *profile_name, guint wait_ms,
			 GError **error);
const gchar *
cs_profile_lock_get_path (CsProfileLock *self);

G_END_DECLS
