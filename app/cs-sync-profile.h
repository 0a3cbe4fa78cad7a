/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-engine.h"
#include "cs-scheduler.h"
#include "cs-secrets.h"

G_BEGIN_DECLS

#define CS_TYPE_SYNC_PROFILE (cs_sync_profile_get_type ())
G_DECLARE_FINAL_TYPE (CsSyncProfile, cs_sync_profile, CS, SYNC_PROFILE, GObject)

/* what the user can do about a failing profile; the window offers it as a button */
typedef enum {
	CS_SYNC_FIX_NONE,
	CS_SYNC_FIX_RETRY,	/* unreachable, busy: try again */
	CS_SYNC_FIX_SIGN_IN,	/* Microsoft sign-in lost or refused: sign in again */
	CS_SYNC_FIX_SETTINGS,	/* a key refused, a file missing, a wrong setting: edit them */
} CsSyncFix;

CsSyncProfile *cs_sync_profile_new (const gchar *path, CsSecrets *secrets, GError **error);
CsSyncProfile *cs_sync_profile_new_broken (const gchar *path, CsSecrets *secrets,
					   const GError *load_error);
const GError *cs_sync_profile_get_load_error (CsSyncProfile *self);
const gchar *cs_sync_profile_get_last_error (CsSyncProfile *self);
CsSyncFix cs_sync_profile_get_fix (CsSyncProfile *self);
gchar *cs_sync_profile_get_sides_label (CsSyncProfile *self);
void cs_sync_profile_cancel (CsSyncProfile *self);
void cs_sync_profile_set_sign_in_allowed (CsSyncProfile *self, gboolean allowed);
const gchar *cs_sync_profile_get_path (CsSyncProfile *self);
const gchar *cs_sync_profile_get_name (CsSyncProfile *self);
CsProfile *cs_sync_profile_get_profile (CsSyncProfile *self);
CsSecrets *cs_sync_profile_get_secrets (CsSyncProfile *self);
CsEngine *cs_sync_profile_get_engine (CsSyncProfile *self, GError **error);
CsScheduler *cs_sync_profile_get_scheduler (CsSyncProfile *self);
CsState *cs_sync_profile_get_state (CsSyncProfile *self, GError **error);
gboolean cs_sync_profile_start (CsSyncProfile *self, GError **error);
void cs_sync_profile_stop (CsSyncProfile *self);
gboolean cs_sync_profile_is_busy (CsSyncProfile *self);
void cs_sync_profile_hold_manual (CsSyncProfile *self);
void cs_sync_profile_release_manual (CsSyncProfile *self);
gboolean cs_sync_profile_reload (CsSyncProfile *self, GError **error);
void cs_sync_profile_changed (CsSyncProfile *self);

G_END_DECLS
