/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

#include "cs-record.h"

G_BEGIN_DECLS

#define CS_PROFILE_ERROR (cs_profile_error_quark ())
typedef enum {
	CS_PROFILE_ERROR_INVALID, /* a wrong key or value */
	CS_PROFILE_ERROR_READ,	  /* cannot read the file */
} CsProfileError;
GQuark cs_profile_error_quark (void);

typedef enum {
	CS_DIRECTION_NONE,
	CS_DIRECTION_CRM_TO_OUTLOOK,
	CS_DIRECTION_OUTLOOK_TO_CRM,
	CS_DIRECTION_BOTH,
} CsDirection;

typedef enum {
	CS_CONFLICT_CRM_WINS,
	CS_CONFLICT_OUTLOOK_WINS,
	CS_CONFLICT_NEWEST_WINS,
	CS_CONFLICT_MANUAL,
} CsConflictStrategy;

typedef enum {
	CS_DELETE_PROPAGATE,
	CS_DELETE_IGNORE,
	CS_DELETE_RESTORE,
} CsDeletePolicy;

typedef enum {
	CS_CONDITION_ALL,
	CS_CONDITION_OWNED,
} CsCondition;

typedef enum {
	CS_MATCH_REVIEW, /* probable matches are held for the user's review */
	CS_MATCH_STRICT, /* the key alone decides */
} CsMatchMode;

typedef struct {
	CsDirection direction;
	CsCondition condition;
	gchar **key;			/* (owned) CRM field names */
	CsDeletePolicy on_crm_delete;	/* what a CRM deletion does to Outlook */
	CsDeletePolicy on_outlook_delete;
	gint reminder_minutes;		/* -1: none */
	gchar *since;			/* (owned) (nullable) e-mail: YYYY-MM-DD */
	gboolean attachments;
	gchar **optional_rows; /* (owned) (nullable) opt-in mapping rows switched on */
} CsKindConfig;

const gchar *cs_direction_to_string (CsDirection direction);
gboolean cs_direction_allows (CsDirection direction, CsSide target);
const gchar *cs_conflict_strategy_to_string (CsConflictStrategy strategy);
const gchar *cs_delete_policy_to_string (CsDeletePolicy policy);

#define CS_TYPE_PROFILE (cs_profile_get_type ())
G_DECLARE_FINAL_TYPE (CsProfile, cs_profile, CS, PROFILE, GObject)

CsProfile *cs_profile_load (const gchar *path, GError **error);
CsProfile *cs_profile_new_from_data (const gchar *data, const gchar *path, GError **error);
gboolean cs_profile_save (CsProfile *self, const gchar *path, GError **error);

const gchar *cs_profile_get_path (CsProfile *self);
const gchar *cs_profile_get_dir (CsProfile *self);
const gchar *cs_profile_get_id (CsProfile *self);
const gchar *cs_profile_get_uid (CsProfile *self);
void cs_profile_record_owner (CsProfile *self);
const gchar *cs_profile_get_copied_from (CsProfile *self);
const gchar *cs_profile_get_name (CsProfile *self);
const gchar *cs_profile_get_plugin (CsProfile *self, CsSide side);
const gchar *cs_profile_get_preset (CsProfile *self);
const gchar *cs_profile_get_mapping (CsProfile *self);
CsConflictStrategy cs_profile_get_conflict (CsProfile *self);
CsMatchMode cs_profile_get_match (CsProfile *self);
gchar *cs_profile_get_state_path (CsProfile *self);
guint cs_profile_get_interval (CsProfile *self, CsSide side);
guint cs_profile_get_keep_runs (CsProfile *self);
guint cs_profile_get_line (CsProfile *self, const gchar *group, const gchar *key);
gboolean cs_profile_get_sync_on_start (CsProfile *self);
gboolean cs_profile_get_sync_on_exit (CsProfile *self);
gboolean cs_profile_get_enabled (CsProfile *self);
const CsKindConfig *cs_profile_get_kind_config (CsProfile *self, CsKind kind);
GKeyFile *cs_profile_get_keyfile (CsProfile *self);
const gchar *cs_profile_get_group (CsSide side);
gchar *cs_profile_keyfile_get_select (GKeyFile *kf, CsKind kind);

G_END_DECLS
