/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cs-read-sink.h"
#include "cs-record.h"
#include "cs-schema.h"
#include "cs-secrets.h"
#include "cs-write-op.h"

G_BEGIN_DECLS

#define CS_PROVIDER_ERROR (cs_provider_error_quark ())
typedef enum {
	CS_PROVIDER_ERROR_FAILED,
	CS_PROVIDER_ERROR_AUTH,	     /* wrong or missing credentials: ask the user */
	CS_PROVIDER_ERROR_NETWORK,   /* cannot reach the service: try later */
	CS_PROVIDER_ERROR_THROTTLED, /* see cs_provider_get_retry_after() */
	CS_PROVIDER_ERROR_NOT_FOUND,
	CS_PROVIDER_ERROR_CONFLICT,
	CS_PROVIDER_ERROR_INVALID,   /* bad configuration, bad data, or an answer we cannot parse */
	CS_PROVIDER_ERROR_READ_ONLY,
	CS_PROVIDER_ERROR_CORRUPT,   /* a source file that cannot be read */
	CS_PROVIDER_ERROR_CURSOR_EXPIRED, /* a delta token the service no longer knows: list all */
	CS_PROVIDER_ERROR_NO_SPACE,  /* a local disk is full: stop, nothing more can be kept */
	CS_PROVIDER_ERROR_BAD_ANSWER, /* the service answered what cannot be read (a proxy's
				       * page, a cut connection): try later, like NETWORK */
} CsProviderError;
GQuark cs_provider_error_quark (void);

/* what a provider can do with one kind; 0 = kind not handled */
typedef enum {
	CS_CAP_READ = 1 << 0,
	CS_CAP_WRITE = 1 << 1,	/* create and update */
	CS_CAP_DELETE = 1 << 2,
	CS_CAP_DELTA = 1 << 3,	/* read_changes() with a cursor returns only changes */
	CS_CAP_BATCH = 1 << 4,	/* write() sends many ops in few requests */
} CsCaps;

typedef enum {
	CS_PROVIDER_SIDE_CRM = 1 << 0,
	CS_PROVIDER_SIDE_OUTLOOK = 1 << 1,
} CsProviderSides;

/* one setting of a provider's profile section, as the assistant and the settings dialog
 * show it: the provider describes itself, so a new backend needs no app change */
typedef enum {
	CS_SETTING_TEXT,
	CS_SETTING_URL,
	CS_SETTING_SECRET, /* kept in the keyring under @key, never in the file */
	CS_SETTING_FILE,
	CS_SETTING_FOLDER,
	CS_SETTING_CHOICE,
	CS_SETTING_BOOLEAN,
} CsSettingType;

typedef struct {
	const gchar *key;		/* the profile key (a secret's name for SECRET) */
	const gchar *label;		/* N_(): translated by the app */
	CsSettingType type;
	const gchar *const *choices;	/* (nullable) CHOICE: the allowed values */
	const gchar *default_value;	/* (nullable) what an unset key means */
	gboolean required;
	gboolean advanced;		/* left out of the first-run assistant */
	const gchar *const *choice_labels; /* (nullable) CHOICE: N_() words for @choices, in order */
} CsSetting;
/* a preset of the rules (data/profiles/ID.ini) a user picks with the CRM: the
 * settings dialog and the assistant offer a CRM once per preset */
typedef struct {
	const gchar *id;    /* `preset=` of a profile */
	const gchar *label; /* (nullable) N_(): tells a CRM's presets apart ("People (B2C)") */
} CsPreset;

/**
 * CsHorizon:
 * @partial: a full listing of the kind may leave out records that exist (a
 *   calendar window, one list of several): a record missing from it is not
 *   taken as deleted without asking for it by id, and a record is not created
 *   there without first looking for it (`find`)
 * @range_field: (nullable): the field the listing is windowed on (a date or
 *   a date-time); a record whose value lies outside [@from, @to) is not listed
 * @from: UTC µs, the window's start (with @range_field)
 * @to: UTC µs, the window's end (with @range_field)
 * @find_field: (nullable): the field `find` looks a record up by, when it may
 *   exist outside the listing; %NULL: the provider cannot look it up
 *
 * What a full listing of one kind covers (describe: the horizon). Strings are
 * the provider's own and live as long as it.
 */
typedef struct {
	gboolean partial;
	const gchar *range_field;
	gint64 from;
	gint64 to;
	const gchar *find_field;
} CsHorizon;

#define CS_TYPE_PROVIDER (cs_provider_get_type ())
G_DECLARE_DERIVABLE_TYPE (CsProvider, cs_provider, CS, PROVIDER, GObject)

/**
 * CsProviderClass:
 * @name: the plugin's name as used in profiles (`crm=orocrm`)
 * @sides: which side(s) of a profile it can serve
 * @setup: read the profile section (no I/O): check keys, remember values
 * @get_caps: capabilities per kind (may depend on the setup, e.g. a read-only file)
 * @get_schema: field specs for a kind; after open() it may include custom fields
 * @open: connect and authenticate; secrets come from cs_provider_get_secret()
 * @whoami: the signed-in user's id on that service, for "owned by me"
 * @read_changes: stream upserts and tombstones of one kind since @cursor
 *   (%NULL = full listing) into @sink; set the new cursor on the sink
 * @write: perform @ops (element-type CsWriteOp); per-op failures go into each
 *   op, a %FALSE return means the whole batch failed (auth, network…)
 * @find: records whose @field equals @value (key and e-mail matching)
 * @settings: its profile section's settings, ended by one with a %NULL key (optional)
 * @display_name: the service as its users name it ("OroCRM", "Microsoft 365"), marked
 *   with N_() in the plugin; translated by cs_provider_get_display_name()
 * @get: the current records with these ids (those that no longer exist are left
 *   out); optional. The engine asks for a record it must update but did not read
 *   this run (a delta listing leaves out what did not change) when the update
 *   depends on what the record holds, such as the rest of a list of phones.
 * @cursor_after_write: the cursor this run read with, made to know what @ops
 *   (the ones without an error) created or deleted; %NULL = unchanged.
 *   Optional: for a cursor that remembers which records existed (ids, a
 *   count), so that a record the run created and somebody deletes before the
 *   next run is seen as deleted, and one the run deleted is not taken for
 *   somebody else's deletion.
 * @get_horizon: what a full listing of a kind covers; optional (default:
 *   every record of the kind)
 * @presets: the presets of rules made for this CRM, ended by one with a %NULL id (optional)
 *
 * All vfuncs are synchronous and called from the engine's worker thread.
 */
struct _CsProviderClass {
	GObjectClass parent_class;

	const gchar *name;
	const gchar *description;
	CsProviderSides sides;

	gboolean (*setup) (CsProvider *self, GKeyFile *profile, const gchar *group, GError **error);
	CsCaps (*get_caps) (CsProvider *self, CsKind kind);
	CsSchema *(*get_schema) (CsProvider *self, CsKind kind, GError **error);
	gboolean (*open) (CsProvider *self, GCancellable *cancellable, GError **error);
	void (*close) (CsProvider *self);
	gchar *(*whoami) (CsProvider *self, GCancellable *cancellable, GError **error);
	gboolean (*read_changes) (CsProvider *self, CsKind kind, const gchar *cursor,
				  CsReadSink *sink, GCancellable *cancellable, GError **error);
	gboolean (*write) (CsProvider *self, CsKind kind, GPtrArray *ops,
			   GCancellable *cancellable, GError **error);
	GPtrArray *(*find) (CsProvider *self, CsKind kind, const gchar *field, GVariant *value,
			    GCancellable *cancellable, GError **error);
	GPtrArray *(*get) (CsProvider *self, CsKind kind, GPtrArray *ids, GCancellable *cancellable,
			   GError **error);
	const gchar *display_name;
	const CsSetting *settings;
	gchar *(*cursor_after_write) (CsProvider *self, CsKind kind, const gchar *cursor,
				      GPtrArray *ops);
	void (*get_horizon) (CsProvider *self, CsKind kind, CsHorizon *horizon);
	const CsPreset *presets;

	gpointer padding[2];
};

const gchar *cs_provider_get_name (CsProvider *self);
CsProviderSides cs_provider_get_sides (CsProvider *self);
const gchar *cs_provider_get_display_name (CsProvider *self);
const CsSetting *cs_provider_get_settings (CsProvider *self);
gboolean cs_provider_setup (CsProvider *self, GKeyFile *profile, const gchar *group,
			    GError **error);
CsCaps cs_provider_get_caps (CsProvider *self, CsKind kind);
CsSchema *cs_provider_get_schema (CsProvider *self, CsKind kind, GError **error);
gboolean cs_provider_open (CsProvider *self, GCancellable *cancellable, GError **error);
void cs_provider_close (CsProvider *self);
gchar *cs_provider_whoami (CsProvider *self, GCancellable *cancellable, GError **error);
gboolean cs_provider_read_changes (CsProvider *self, CsKind kind, const gchar *cursor,
				   CsReadSink *sink, GCancellable *cancellable, GError **error);
gboolean cs_provider_write (CsProvider *self, CsKind kind, GPtrArray *ops,
			    GCancellable *cancellable, GError **error);
GPtrArray *cs_provider_find (CsProvider *self, CsKind kind, const gchar *field, GVariant *value,
			     GCancellable *cancellable, GError **error);
gboolean cs_provider_can_get (CsProvider *self);
GPtrArray *cs_provider_get (CsProvider *self, CsKind kind, GPtrArray *ids, GCancellable *cancellable,
			    GError **error);
gchar *cs_provider_cursor_after_write (CsProvider *self, CsKind kind, const gchar *cursor,
				       GPtrArray *ops);
gboolean cs_provider_get_horizon (CsProvider *self, CsKind kind, CsHorizon *horizon);
typedef enum {
	CS_HORIZON_INSIDE,  /* a full listing shows it */
	CS_HORIZON_OUTSIDE, /* a full listing leaves it out */
	CS_HORIZON_UNKNOWN, /* it may be listed or not */
} CsHorizonPlace;
CsHorizonPlace cs_horizon_place (const CsHorizon *horizon, const CsRecord *record);

/* helpers for subclasses */
gboolean cs_provider_check_keys (GKeyFile *profile, const gchar *group,
				 const gchar *const *allowed, GError **error);
void cs_provider_set_secrets (CsProvider *self, CsSecrets *secrets, const gchar *profile_id,
			      CsSide side);
void cs_provider_set_secrets_full (CsProvider *self, CsSecrets *secrets, const gchar *profile_id,
				   const gchar *legacy_id, CsSide side);
gchar *cs_provider_get_secret (CsProvider *self, const gchar *key, GError **error);
gboolean cs_provider_store_secret (CsProvider *self, const gchar *key, const gchar *value,
				   GError **error);
void cs_provider_set_retry_after (CsProvider *self, guint seconds);
guint cs_provider_get_retry_after (CsProvider *self);
const gchar *cs_provider_get_profile_dir (CsProvider *self);
void cs_provider_set_profile_dir (CsProvider *self, const gchar *dir);
gchar *cs_provider_resolve_path (CsProvider *self, const gchar *path);

/* a plugin module exports this symbol */
typedef GType (*CsProviderQueryTypeFunc) (void);
#define CS_PROVIDER_QUERY_TYPE_SYMBOL "cs_provider_query_type"

G_END_DECLS
