/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs-change-view.h"
#include "cs-engine-private.h"
#include "cs-held.h"
#include "cs-crm-link.h"
#include "cs-json.h"
#include "cs-planner.h"
#include "cs-plugin-loader.h"
#include "cs-profile-lock.h"
#include "cs-validate.h"
#include "cs-undo.h"

/*
 * One run: read changes from both sides → plan → guards → apply in batches,
 * committing each batch's results with their links → advance cursors.
 */
typedef struct _CsEngineStream CsEngineStream;

struct _CsEngine {
	GObject parent_instance;
	gchar *rows_signature; /* (owned) (nullable) the opt-in rows, when changed since last run */
	CsProfile *profile;
	CsSecrets *secrets;
	CsState *state;
	CsMapping *mapping;
	CsProvider *providers[CS_SIDE_LAST];
	gboolean opened[CS_SIDE_LAST];
	gchar *owner;
	CsReadSink *sinks[CS_SIDE_LAST][CS_KIND_LAST];
	gboolean running;
	guint64 writes;
	gint64 fault_after;
	guint batch_size;
	gint stop; /* (atomic) cs_engine_request_stop() */
	CsProfileLock *lock;	/* (nullable) held while a run reads, plans or writes */
	guint lock_depth;
	gint64 planned_after;	/* the newest run in the state when the plan was made */
	gint64 run_id;			       /* the history entry of the run going on; 0: none */
	gboolean keep_cursors;		       /* undo reads everything but moves no cursor */
	guint read_only_kinds;		       /* undo: a mask of the kinds to read; 0: all */
	GHashTable *decisions[CS_KIND_LAST]; /* Outlook id → GPtrArray of CsDecision */
	gboolean merges[CS_KIND_LAST]; /* pairs linked by hand wait to be merged */
	/* the run's own plan (not one the app shows): what a committed item no
	 * longer needs is let go batch by batch, not held to the run's end */
	gboolean release_done;
	/* streaming: cs_engine_run() may (stream_wanted); this run does
	 * (outlook_first) for the kinds with a stream */
	gboolean stream_wanted;
	gboolean outlook_first;
	gboolean in_chunk;
	CsEngineStream *streams[CS_KIND_LAST];
	CsRunReport *stream_report;	/* (nullable) what the chunks wrote */
	GPtrArray *stream_skips;	/* (nullable) (element-type CsStateSkip) */
	gboolean stream_failed[CS_KIND_LAST];
	guint stream_read[2];		/* records read, of how many: the listing being streamed */
	guint stream_written;		/* writes the chunks made */
	/* links before the chunks wrote (the guards weigh against them); -1: count now */
	gint64 known_before[CS_SIDE_LAST][CS_KIND_LAST];
	/* what a listing of changes asks: the version a link stored */
	struct KnownVersions {
		CsState *state;
		CsKind kind;
		CsSide side;
	} known[CS_SIDE_LAST][CS_KIND_LAST];
	/* the kind had journal rows when it was planned (a crashed or failed
	 * run's): only then can a link have rows other than this run's own */
	gboolean journal_before[CS_KIND_LAST];
	/* the thread beside the writes (run_batches()): one, kept */
	GThreadPool *beside_pool; /* (owned) (nullable) */
	GAsyncQueue *beside_done; /* (owned) (nullable) its finished work */
};

G_DEFINE_TYPE (CsEngine, cs_engine, G_TYPE_OBJECT)
G_DEFINE_QUARK (cs-engine-error-quark, cs_engine_error)

enum { SIGNAL_PROGRESS, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static const gdouble phase_weight[CS_PHASE_LAST] = {0.3, 0.3, 0.1, 0.3};

static void
clear_sinks (CsEngine *self)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		for (guint k = 0; k < CS_KIND_LAST; k++)
			g_clear_object (&self->sinks[s][k]);
}

static void
clear_decisions (CsEngine *self)
{
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_clear_pointer (&self->decisions[k], g_hash_table_unref);
}

static void clear_streams (CsEngine *self);

static void
cs_engine_finalize (GObject *object)
{
	CsEngine *self = CS_ENGINE (object);
	if (self->beside_pool != NULL)
		g_thread_pool_free (g_steal_pointer (&self->beside_pool), FALSE, TRUE);
	g_clear_pointer (&self->beside_done, g_async_queue_unref);
	clear_streams (self);
	clear_sinks (self);
	clear_decisions (self);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (self->providers[s] != NULL && self->opened[s])
			cs_provider_close (self->providers[s]);
		g_clear_object (&self->providers[s]);
	}
	g_clear_object (&self->profile);
	g_clear_object (&self->secrets);
	g_free (self->rows_signature);
	g_clear_object (&self->state);
	g_clear_object (&self->mapping);
	g_clear_object (&self->lock);
	g_free (self->owner);
	G_OBJECT_CLASS (cs_engine_parent_class)->finalize (object);
}

static void
cs_engine_class_init (CsEngineClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_engine_finalize;
	/**
	 * CsEngine::progress:
	 * @phase: a CsPhase
	 * @fraction: of the whole run, 0..1 (weighted by phase)
	 * @message: what is being done, for the progress window
	 *
	 * Emitted in the thread that runs the sync.
	 */
	signals[SIGNAL_PROGRESS] =
	    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			  NULL, G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_DOUBLE, G_TYPE_STRING);
}

static void
cs_engine_init (CsEngine *self)
{
	const gchar *fault = g_getenv ("CRMSYNC_FAULT");
	self->batch_size = 100;
	self->fault_after = -1;
	clear_streams (self);
	if (fault != NULL && g_str_has_prefix (fault, "crash-after-write:")) {
		self->fault_after = g_ascii_strtoll (fault + strlen ("crash-after-write:"), NULL, 10);
		/* one op per write, so a crash can fall between any two */
		self->batch_size = 1;
	}
}

static void
progress (CsEngine *self, CsPhase phase, gdouble within, const gchar *message)
{
	gdouble done = 0;
	/* a streamed run reads Outlook first */
	const CsPhase order[2][CS_PHASE_LAST] = {
	    {CS_PHASE_READ_CRM, CS_PHASE_READ_OUTLOOK, CS_PHASE_PLAN, CS_PHASE_APPLY},
	    {CS_PHASE_READ_OUTLOOK, CS_PHASE_READ_CRM, CS_PHASE_PLAN, CS_PHASE_APPLY}};
	for (guint p = 0; order[self->outlook_first ? 1 : 0][p] != phase; p++)
		done += phase_weight[order[self->outlook_first ? 1 : 0][p]];
	done += phase_weight[phase] * CLAMP (within, 0, 1);
	g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, (gint) phase, done, message);
}

static const gchar *default_keys_contact[] = {"firstName", "lastName", "gender", "birthday", NULL};
static const gchar *default_keys_event[] = {"subject", "start", "end", "isAllDay", NULL};
static const gchar *default_keys_task[] = {"subject", "priority", NULL};

/* where a plugin's complaint about its section points in the file: plugins
 * name the key as "[group] key=…" (or "unknown key “key”"), the profile
 * knows its line */
static gchar *
config_where (CsProfile *profile, const gchar *group, const gchar *message)
{
	const gchar *path = cs_profile_get_path (profile) != NULL ? cs_profile_get_path (profile) : "profile";
	g_autofree gchar *prefix = g_strdup_printf ("[%s] ", group);
	g_autofree gchar *key = NULL;
	const gchar *p = message;
	guint line;

	if (g_str_has_prefix (p, prefix)) {
		const gchar *q;
		p += strlen (prefix);
		if (g_str_has_prefix (p, "unknown key “") && (q = strstr (p, "”")) != NULL) {
			p += strlen ("unknown key “");
			key = g_strndup (p, (gsize) (q - p));
		} else {
			for (q = p; g_ascii_isalnum (*q) || *q == '-' || *q == '_'; q++)
				;
			if (*q == '=' && q > p)
				key = g_strndup (p, (gsize) (q - p));
		}
	}
	line = key != NULL ? cs_profile_get_line (profile, group, key) : 0;
	if (line == 0)
		line = cs_profile_get_line (profile, group, NULL);
	return line > 0 ? g_strdup_printf ("%s:%u", path, line) : g_strdup (path);
}

CsEngine *
cs_engine_new (CsProfile *profile, CsSecrets *secrets, GError **error)
{
	return cs_engine_new_with_providers (profile, secrets, NULL, NULL, error);
}

/**
 * cs_engine_new_with_providers:
 * @crm: (nullable): a provider already set up, instead of the profile's
 * @outlook: (nullable): likewise
 *
 * For tests and benchmarks.
 */
CsEngine *
cs_engine_new_with_providers (CsProfile *profile, CsSecrets *secrets, CsProvider *crm,
			      CsProvider *outlook, GError **error)
{
	CsProvider *given[CS_SIDE_LAST] = {crm, outlook};
	g_autoptr(CsEngine) self = g_object_new (CS_TYPE_ENGINE, NULL);
	CsPluginLoader *loader = cs_plugin_loader_get_default ();
	const gchar *mapping;
	g_autofree gchar *state_path = NULL;

	self->profile = g_object_ref (profile);
	self->secrets = secrets != NULL ? g_object_ref (secrets) : cs_secrets_new ();
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		const gchar *name = cs_profile_get_plugin (profile, (CsSide) s);
		const gchar *group = cs_profile_get_group ((CsSide) s);
		g_autoptr(GError) error_local = NULL;
		CsProviderSides need = s == CS_SIDE_CRM ? CS_PROVIDER_SIDE_CRM : CS_PROVIDER_SIDE_OUTLOOK;

		if (given[s] != NULL) {
			self->providers[s] = g_object_ref (given[s]);
			continue;
		}
		self->providers[s] = cs_plugin_loader_create (loader, name, &error_local);
		if (self->providers[s] == NULL) {
			g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG, "%s: %s",
				     cs_profile_get_path (profile) ? cs_profile_get_path (profile) : "profile",
				     error_local->message);
			return NULL;
		}
		if ((cs_provider_get_sides (self->providers[s]) & need) == 0) {
			g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG,
				     _("%s: the %s plugin cannot be the %s side"),
				     cs_profile_get_path (profile), name, cs_side_to_string ((CsSide) s));
			return NULL;
		}
		cs_provider_set_profile_dir (self->providers[s], cs_profile_get_dir (profile));
		{
			/* a copied file finds the original's secrets once, then
			 * keeps its own (cs_secrets_lookup_migrating()) */
			const gchar *uid = cs_profile_get_uid (profile);
			const gchar *from = cs_profile_get_copied_from (profile);
			cs_provider_set_secrets_full (self->providers[s], self->secrets, uid,
						      from != NULL ? from : cs_profile_get_id (profile),
						      (CsSide) s);
		}
		if (!cs_provider_setup (self->providers[s], cs_profile_get_keyfile (profile), group,
					&error_local)) {
			g_autofree gchar *where = config_where (profile, group, error_local->message);
			g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG, "%s: %s", where,
				     error_local->message);
			return NULL;
		}
	}
	mapping = cs_profile_get_mapping (profile);
	if (mapping != NULL && mapping[0] != '\0') {
		g_autoptr(GError) error_local = NULL;
		self->mapping = cs_mapping_load (mapping, cs_profile_get_dir (profile), &error_local);
		if (self->mapping == NULL) {
			/* where, which key and value, and what the user may write instead */
			g_auto(GStrv) names = g_resources_enumerate_children ("/org/crmsync/mappings/", 0, NULL);
			g_autoptr(GString) allowed = g_string_new (NULL);
			g_autofree gchar *where = NULL;
			guint line = cs_profile_get_line (profile, "profile", "mapping");
			for (guint i = 0; names != NULL && names[i] != NULL; i++) {
				if (!g_str_has_suffix (names[i], ".json"))
					continue;
				g_string_append_len (allowed, names[i], (gssize) strlen (names[i]) - 5);
				g_string_append (allowed, ", ");
			}
			where = line > 0 ? g_strdup_printf ("%s:%u", cs_profile_get_path (profile), line)
					 : g_strdup (cs_profile_get_path (profile));
			g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG,
				     _("%s: [profile] mapping=%s: %s (allowed: %sor a mapping file *.json)"), where,
				     mapping, error_local->message, allowed->str);
			return NULL;
		}
	} else {
		self->mapping = cs_mapping_new_identity ();
	}
	/* a profile's optional-rows= switches on the mapping's opt-in rows */
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		const CsKindConfig *kc = cs_profile_get_kind_config (profile, (CsKind) k);
		g_autoptr(GError) error_local = NULL;
		if (kc->optional_rows == NULL ||
		    cs_mapping_enable_rows (self->mapping, (CsKind) k,
					    (const gchar *const *) kc->optional_rows, &error_local))
			continue;
		g_set_error (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_CONFIG,
			     "%s:%u: [%s] optional-rows: %s", cs_profile_get_path (profile),
			     cs_profile_get_line (profile, cs_kind_to_string ((CsKind)k),
						  "optional-rows"),
			     cs_kind_to_string ((CsKind)k), error_local->message);
		return NULL;
	}
	state_path = cs_profile_get_state_path (profile);
	{
		/* the state is created and migrated under the profile's lock: two
		 * first runs at once could find it half made. A run that keeps the
		 * lock longer than an opening takes (the app starting while cron
		 * syncs) has made its state whole: open it beside that run */
		g_autoptr(GError) error_local = NULL;
		g_autoptr(CsProfileLock) lock = cs_profile_lock_acquire (
		    state_path, cs_profile_get_name (profile), CS_PROFILE_LOCK_WAIT_MS, &error_local);
		if (lock == NULL && g_error_matches (error_local, G_IO_ERROR, G_IO_ERROR_BUSY) &&
		    g_file_test (state_path, G_FILE_TEST_EXISTS))
			g_clear_error (&error_local);
		if (error_local != NULL) {
			g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
					     error_local->message);
			return NULL;
		}
		self->state = cs_state_open (state_path, error);
	}
	if (self->state == NULL)
		return NULL;
	cs_profile_record_owner (profile);
	return g_steal_pointer (&self);
}

CsProfile *
cs_engine_get_profile (CsEngine *self)
{
	return self->profile;
}

CsState *
cs_engine_get_state (CsEngine *self)
{
	return self->state;
}

CsMapping *
cs_engine_get_mapping (CsEngine *self)
{
	return self->mapping;
}

CsProvider *
cs_engine_get_provider (CsEngine *self, CsSide side)
{
	return self->providers[side];
}

gboolean
cs_engine_is_enabled (CsEngine *self, CsKind kind)
{
	const CsKindConfig *kc = cs_profile_get_kind_config (self->profile, kind);
	if (kc->direction == CS_DIRECTION_NONE || !cs_mapping_has_kind (self->mapping, kind))
		return FALSE;
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if ((cs_provider_get_caps (self->providers[s], kind) & CS_CAP_READ) == 0)
			return FALSE;
	}
	return TRUE;
}

static const gchar *const *
key_for (CsEngine *self, CsKind kind)
{
	const CsKindConfig *kc = cs_profile_get_kind_config (self->profile, kind);
	const gchar *const *key = (const gchar *const *) kc->key;
	if (key == NULL)
		key = cs_mapping_get_key (self->mapping, kind);
	if (key == NULL && cs_mapping_is_identity (self->mapping)) {
		if (kind == CS_KIND_CONTACT)
			key = default_keys_contact;
		else if (kind == CS_KIND_EVENT)
			key = default_keys_event;
		else if (kind == CS_KIND_TASK)
			key = default_keys_task;
	}
	return key;
}

/* one side connected (once), in the phase that reads it: a server that
 * cannot be reached or a sign-in that fails is shown where it happens (reading
 * Outlook, not the CRM), and the CRM is read while Outlook has not been asked */
static gboolean
ensure_open_side (CsEngine *self, CsSide side, GCancellable *cancellable, GError **error)
{
	gboolean need_owner = FALSE;
	g_autofree gchar *what = NULL;

	if (self->opened[side])
		return TRUE;
	/* TRANSLATORS: progress: %s is a service ("OroCRM", "Microsoft 365") */
	what = g_strdup_printf (_("Connecting to %s"),
				cs_provider_get_display_name (self->providers[side]));
	progress (self, side == CS_SIDE_CRM ? CS_PHASE_READ_CRM : CS_PHASE_READ_OUTLOOK, 0, what);
	if (!cs_provider_open (self->providers[side], cancellable, error)) {
		g_prefix_error (error, "%s: ", cs_provider_get_display_name (self->providers[side]));
		return FALSE;
	}
	self->opened[side] = TRUE;
	if (side != CS_SIDE_CRM)
		return TRUE;
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		if (cs_engine_is_enabled (self, (CsKind) k) &&
		    cs_profile_get_kind_config (self->profile, (CsKind) k)->condition == CS_CONDITION_OWNED)
			need_owner = TRUE;
	}
	if (need_owner && self->owner == NULL) {
		self->owner = cs_provider_whoami (self->providers[CS_SIDE_CRM], cancellable, error);
		if (self->owner == NULL)
			return FALSE;
	}
	return TRUE;
}

static gboolean
ensure_open (CsEngine *self, GCancellable *cancellable, GError **error)
{
	return ensure_open_side (self, CS_SIDE_CRM, cancellable, error) &&
	       ensure_open_side (self, CS_SIDE_OUTLOOK, cancellable, error);
}

/**
 * cs_engine_open:
 *
 * Connects both providers (once): for commands that ask them directly.
 */
gboolean
cs_engine_open (CsEngine *self, GCancellable *cancellable, GError **error)
{
	return ensure_open (self, cancellable, error);
}

/**
 * cs_engine_get_records:
 *
 * Returns: (transfer none) (nullable) (element-type CsRecord): what the last
 *   cs_engine_prepare() read of @kind on @side
 */
GPtrArray *
cs_engine_get_records (CsEngine *self, CsSide side, CsKind kind)
{
	return self->sinks[side][kind] != NULL ? cs_read_sink_get_records (self->sinks[side][kind]) : NULL;
}

typedef struct {
	CsEngine *engine;
	CsPhase phase;
	gdouble base;
	gdouble span;
	const gchar *what;
} ReadProgress;

static void
sink_progress_cb (CsReadSink *sink, guint done, guint total, gpointer user_data)
{
	ReadProgress *rp = user_data;
	/* a streamed read writes as it goes: its writes say how far it is */
	rp->engine->stream_read[0] = done;
	rp->engine->stream_read[1] = total;
	g_autofree gchar *msg = g_strdup_printf (_("Reading %s: %u of %u"), rp->what, done, total);
	progress (rp->engine, rp->phase, rp->base + (total > 0 ? rp->span * done / total : 0), msg);
}

/* held records due again are asked for by id up to this many; more are
 * read by listing the kind in full (a page holds hundreds, a get one) */
#define HELD_GET_MAX 200

/* e-mails go to the CRM attached to a person: one held for want of a person
 * is worth reading again when this run read CRM persons that changed (the
 * CRM is read first) */
static gboolean
persons_changed (CsEngine *self, CsSide side, CsKind kind)
{
	CsReadSink *people = self->sinks[CS_SIDE_CRM][CS_KIND_CONTACT];
	GPtrArray *recs = people != NULL ? cs_read_sink_get_records (people) : NULL;
	if (side != CS_SIDE_OUTLOOK || kind != CS_KIND_EMAIL || recs == NULL)
		return FALSE;
	for (guint i = 0; i < recs->len; i++)
		if (!cs_record_is_deleted (g_ptr_array_index (recs, i)))
			return TRUE;
	return FALSE;
}

/* the held records of @ids that the delta listing did not bring, by id */
static gboolean
read_held (CsEngine *self, CsSide side, CsKind kind, GPtrArray *ids, GCancellable *cancellable,
	   GError **error)
{
	GPtrArray *recs = cs_read_sink_get_records (self->sinks[side][kind]);
	g_autoptr(GHashTable) read = g_hash_table_new (g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) ask = g_ptr_array_new ();
	g_autoptr(GPtrArray) got = NULL;

	for (guint i = 0; i < recs->len; i++)
		g_hash_table_add (read, (gpointer) cs_record_get_id (g_ptr_array_index (recs, i)));
	for (guint i = 0; i < ids->len; i++)
		if (!g_hash_table_contains (read, ids->pdata[i]))
			g_ptr_array_add (ask, ids->pdata[i]);
	if (ask->len == 0)
		return TRUE;
	got = cs_provider_get (self->providers[side], kind, ask, cancellable, error);
	if (got == NULL)
		return FALSE;
	for (guint i = 0; i < got->len; i++)
		g_ptr_array_add (recs, cs_record_ref (g_ptr_array_index (got, i)));
	return TRUE;
}

static gchar *
known_version (const gchar *id, gpointer user_data)
{
	struct KnownVersions *kv = user_data;
	return cs_state_get_link_version (kv->state, kv->kind, kv->side, id);
}

static gboolean
has_decisions (CsEngine *self, CsKind kind)
{
	g_autoptr (GPtrArray) all = cs_state_get_decisions (self->state, kind, NULL);
	/* unreadable: as if there were some (records read whole) */
	return all == NULL || all->len > 0;
}

static gboolean stream_read (CsEngine *self, CsKind kind, const gchar *cursor, GPtrArray *held,
			     GCancellable *cancellable, GError **error);

static void
chain_cancel_cb (GCancellable *outer, gpointer user_data)
{
	g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
read_side (CsEngine *self, CsSide side, CsRunFlags flags, GCancellable *cancellable,
	   GError **error)
{
	guint n_kinds = 0, done = 0;
	CsPhase phase = side == CS_SIDE_CRM ? CS_PHASE_READ_CRM : CS_PHASE_READ_OUTLOOK;
	CsRunFlags skip = side == CS_SIDE_CRM ? CS_RUN_FLAG_SKIP_CRM : CS_RUN_FLAG_SKIP_OUTLOOK;

	/* not due (the scheduler's other side's timer): no request at all; an
	 * empty, incomplete listing plans like a delta with nothing new, and its
	 * cursors stay where they are */
	if ((flags & skip) != 0 && (flags & CS_RUN_FLAG_ALL) == 0) {
		for (guint k = 0; k < CS_KIND_LAST; k++)
			if (cs_engine_is_enabled (self, (CsKind) k))
				self->sinks[side][k] = cs_read_sink_new ((CsKind) k, FALSE);
		progress (self, phase, 1.0, NULL);
		return TRUE;
	}
	for (guint k = 0; k < CS_KIND_LAST; k++)
		n_kinds += cs_engine_is_enabled (self, (CsKind) k) ? 1 : 0;
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		g_autoptr(GPtrArray) held = NULL;
		CsKind kind = (CsKind) k;
		g_autofree gchar *cursor = NULL;
		if (self->read_only_kinds != 0 && (self->read_only_kinds & (1u << k)) == 0)
			continue;
		CsCaps caps;
		gboolean complete;
		g_autofree gchar *what = NULL;
		ReadProgress rp;
		gulong id;
		gboolean ok;

		if (!cs_engine_is_enabled (self, kind))
			continue;
		caps = cs_provider_get_caps (self->providers[side], kind);
		/* a pair linked by hand is merged from both records as they are:
		 * a delta would leave out what did not change */
		self->merges[kind] = cs_state_count_link_merges (self->state, kind) > 0;
		if ((flags & CS_RUN_FLAG_ALL) == 0 && !self->merges[kind] && self->rows_signature == NULL)
			cursor = cs_state_get_cursor (self->state, side, kind);
		g_clear_pointer (&held, g_ptr_array_unref);
		if (cursor != NULL && (caps & CS_CAP_DELTA) != 0) {
			/* records an earlier run read but left alone, due again */
			held = cs_held_due (self->state, side, kind,
					    cs_profile_get_kind_config (self->profile, kind),
					    persons_changed (self, side, kind), error);
			if (held == NULL)
				return FALSE;
			/* cannot ask by id, or so many that a listing asks less: list all */
			if (held->len > 0 && (!cs_provider_can_get (self->providers[side]) ||
					      held->len > HELD_GET_MAX))
				g_clear_pointer (&cursor, g_free);
		}
		complete = cursor == NULL || (caps & CS_CAP_DELTA) == 0;
		self->sinks[side][kind] = cs_read_sink_new (kind, complete);
		/* a record as its link left it (our own writes of the last run
		 * coming back above all) is nothing new to the planner: kept as a
		 * stub, left out of a listing of changes as early as the provider
		 * can. Not when the run wants records whole: --all and the reads
		 * of undo and the duplicates list, pairs to merge, opt-in rows
		 * changed (every link planned again), conflicts the user decided
		 * (planned from both records), e-mails (read for their person).
		 * An update written over what the target holds (fetch_current)
		 * asks a provider that can get by id for it: one that cannot keeps
		 * its records whole */
		if ((flags & CS_RUN_FLAG_ALL) == 0 && kind != CS_KIND_EMAIL && !self->merges[kind]
		    && self->rows_signature == NULL && cs_provider_can_get (self->providers[side])
		    && !has_decisions (self, kind)) {
			self->known[side][kind] = (struct KnownVersions){ self->state, kind, side };
			cs_read_sink_set_version_func (self->sinks[side][kind], known_version,
						       &self->known[side][kind]);
		}
		/* TRANSLATORS: progress: a kind ("Contacts"), then a service ("OroCRM") */
		what = g_strdup_printf (C_("progress", "%s in %s"), cs_kind_get_label (kind),
					cs_provider_get_display_name (self->providers[side]));
		rp = (ReadProgress){self, phase, (gdouble) done / MAX (n_kinds, 1),
				    1.0 / MAX (n_kinds, 1), what};
		id = g_signal_connect (self->sinks[side][kind], "progress",
				       G_CALLBACK (sink_progress_cb), &rp);
		progress (self, phase, rp.base, what);
		if (side == CS_SIDE_CRM && self->streams[k] != NULL) {
			ok = stream_read (self, kind, (caps & CS_CAP_DELTA) ? cursor : NULL,
					  !complete ? held : NULL, cancellable, error);
			g_clear_pointer (&held, g_ptr_array_unref);
		} else {
			ok = cs_provider_read_changes (self->providers[side], kind,
						       (caps & CS_CAP_DELTA) ? cursor : NULL,
						       self->sinks[side][kind], cancellable, error);
		}
		g_signal_handler_disconnect (self->sinks[side][kind], id);
		if (ok) {
			guint dropped = cs_read_sink_drop_unchanged (self->sinks[side][kind]);
			if (dropped > 0)
				g_debug ("%s: %u records as the last sync left them", what,
					 dropped);
		}
		if (ok && !complete && held != NULL && held->len > 0)
			ok = read_held (self, side, kind, held, cancellable, error);
		if (!ok) {
			g_prefix_error (error, _("reading %s from %s: "), cs_kind_to_string (kind),
					cs_provider_get_display_name (self->providers[side]));
			return FALSE;
		}
		done++;
	}
	progress (self, phase, 1.0, NULL);
	return TRUE;
}

static const gchar *
first_address (CsRecord *r, const gchar *field)
{
	GVariant *v = field != NULL ? cs_record_get_field (r, field) : NULL;
	if (v == NULL)
		return NULL;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return g_variant_get_string (v, NULL);
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY) && g_variant_n_children (v) > 0) {
		const gchar *s;
		g_variant_get_child (v, 0, "&s", &s);
		return s;
	}
	return NULL;
}

/* how long an e-mail waits for its CRM person (issue 17) */
#define CS_EMAIL_WAIT_USEC (30 * G_TIME_SPAN_DAY)

/*
 * E-mails that found no CRM person wait: a side that lists only its changes
 * (Graph's delta) would never show them again, so the ones kept in the state
 * are offered again here, as read, unless this run read them anew. A full
 * listing that no longer holds one means it is gone (deleted, no longer
 * ticked): it waits no more. A tombstone ends the wait too.
 *
 * Returns: (transfer full): outlook id → CsStateWaiting, for the first-seen
 *   times, or %NULL on a state error
 */
static GHashTable *
offer_waiting_emails (CsEngine *self, CsReadSink *sink, GError **error)
{
	GPtrArray *records = cs_read_sink_get_records (sink);
	g_autoptr(GPtrArray) rows = cs_state_get_waiting (self->state, CS_KIND_EMAIL, error);
	g_autoptr(GHashTable) read = g_hash_table_new (g_str_hash, g_str_equal);
	g_autoptr(GHashTable) out = NULL;

	if (rows == NULL)
		return NULL;
	out = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
				     (GDestroyNotify) cs_state_waiting_free);
	for (guint i = 0; i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		g_hash_table_insert (read, (gpointer) cs_record_get_id (r), r);
	}
	for (guint i = 0; i < rows->len; i++) {
		CsStateWaiting *w = g_ptr_array_steal_index (rows, i--);
		const gchar *id = cs_record_get_id (w->record);
		CsRecord *fresh = g_hash_table_lookup (read, id);
		if ((fresh != NULL && cs_record_is_deleted (fresh))
		    || (fresh == NULL && cs_read_sink_get_complete (sink))) {
			gboolean ok = cs_state_remove_waiting (self->state, CS_KIND_EMAIL, id, error);
			cs_state_waiting_free (w);
			if (!ok)
				return NULL;
			continue;
		}
		if (fresh == NULL)
			g_ptr_array_add (records, cs_record_ref (w->record));
		g_hash_table_insert (out, (gpointer) id, w);
	}
	return g_steal_pointer (&out);
}

/* the e-mail as read, for later runs: without the engine's own marks */
static gboolean
keep_waiting_email (CsEngine *self, CsRecord *record, GError **error)
{
	g_autoptr(CsRecord) copy = cs_record_copy (record);
	cs_record_remove_field (copy, CS_PLANNER_WAIT_FIELD);
	cs_record_remove_field (copy, CS_PLANNER_SKIP_FIELD);
	cs_record_remove_field (copy, CS_PLANNER_EXCLUDE_FIELD);
	cs_record_remove_field (copy, CS_PLANNER_LINK_FIELD);
	return cs_state_put_waiting (self->state, copy, g_get_real_time (), error);
}

/*
 * E-mails reach the CRM attached to a person: outbound by the first To
 * address, inbound by From. No person → skipped with the reason shown.
 */
static gboolean
resolve_emails (CsEngine *self, GCancellable *cancellable, GError **error)
{
	CsReadSink *sink = self->sinks[CS_SIDE_OUTLOOK][CS_KIND_EMAIL];
	const CsKindConfig *kc = cs_profile_get_kind_config (self->profile, CS_KIND_EMAIL);
	const gchar *dir_field, *outbound, *inbound, *find_field, *crm_field;
	g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) waiting = NULL;
	GPtrArray *records;
	gint64 since = G_MININT64;
	gint64 now = g_get_real_time ();

	if (sink == NULL)
		return TRUE;
	records = cs_read_sink_get_records (sink);
	if (kc->since != NULL)
		cs_time_parse (kc->since, &since);
	/* older than "since": not part of the sync at all */
	for (guint i = records->len; i > 0; i--) {
		CsRecord *r = g_ptr_array_index (records, i - 1);
		const gchar *when = cs_record_get_string (r, "sentDateTime");
		gint64 t;
		if (when == NULL)
			when = cs_record_get_string (r, "receivedDateTime");
		if (kc->since != NULL && !cs_record_is_deleted (r) && when != NULL &&
		    cs_time_parse (when, &t) && t < since) {
			/* held: an earlier "since" later brings it in */
			cs_read_sink_set_aside (sink, cs_record_get_id (r));
			g_ptr_array_remove_index (records, i - 1);
		}
	}
	if (!cs_mapping_get_email_link (self->mapping, &dir_field, &outbound, &inbound, &find_field,
					&crm_field))
		return TRUE;
	waiting = offer_waiting_emails (self, sink, error);
	if (waiting == NULL)
		return FALSE;
	for (guint i = 0; i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		const gchar *dir = dir_field != NULL ? cs_record_get_string (r, dir_field) : NULL;
		gboolean out = g_strcmp0 (dir, "outbound") == 0;
		const gchar *addr = first_address (r, out ? outbound : inbound);
		g_autofree gchar *folded = NULL;
		g_autoptr(CsLink) known = NULL;
		const gchar *hit;

		if (cs_record_is_deleted (r))
			continue;
		known = cs_state_get_link (self->state, CS_KIND_EMAIL, CS_SIDE_OUTLOOK, cs_record_get_id (r), NULL);
		if (known != NULL) {
			/* reached the CRM on an earlier run: it waits no more */
			if (g_hash_table_contains (waiting, cs_record_get_id (r))
			    && !cs_state_remove_waiting (self->state, CS_KIND_EMAIL,
							 cs_record_get_id (r), error))
				return FALSE;
			continue;
		}
		if (addr == NULL) {
			cs_record_set_string (r, CS_PLANNER_SKIP_FIELD,
					      out ? _("the e-mail has no To address")
						  : _("the e-mail has no From address"));
			continue;
		}
		{
			/* its 30 days are over: no longer tried, even if the person came since */
			CsStateWaiting *w = g_hash_table_lookup (waiting, cs_record_get_id (r));
			if (w != NULL && now - w->first_seen >= CS_EMAIL_WAIT_USEC) {
				cs_record_set_string (r, CS_PLANNER_EXCLUDE_FIELD,
						      _("no CRM person had the e-mail's address "
							"within 30 days; it is no longer tried"));
				continue;
			}
		}
		folded = g_utf8_casefold (addr, -1);
		if (!g_hash_table_contains (cache, folded)) {
			g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new_string (addr));
			g_autoptr(GPtrArray) found = cs_provider_find (
			    self->providers[CS_SIDE_CRM], CS_KIND_CONTACT, find_field, v, cancellable, error);
			if (found == NULL)
				return FALSE;
			/* several persons share the address: the first one, as webCRM does */
			g_hash_table_insert (cache, g_strdup (folded),
					     found->len > 0 ? g_strdup (cs_record_get_id (g_ptr_array_index (found, 0)))
							    : NULL);
		}
		hit = g_hash_table_lookup (cache, folded);
		if (hit == NULL) {
			CsStateWaiting *w = g_hash_table_lookup (waiting, cs_record_get_id (r));
			gint64 first = w != NULL ? w->first_seen : now;
			g_autoptr (GDateTime) until = g_date_time_new_from_unix_utc (
				(first + CS_EMAIL_WAIT_USEC) / G_USEC_PER_SEC);
			g_autofree gchar *day = g_date_time_format (until, "%Y-%m-%d");
			g_autofree gchar *reason = NULL;
			/* TRANSLATORS: the address, then the last day (YYYY-MM-DD) it is
			 * tried again */
			reason = g_strdup_printf (_("no CRM person has the address %s yet; "
						    "tried again on every run until %s"),
						  addr, day);
			cs_record_set_string (r, CS_PLANNER_WAIT_FIELD, reason);
		} else {
			cs_record_set_string (r, CS_PLANNER_LINK_FIELD, hit);
		}
	}
	return TRUE;
}

/* the fields a provider can hold, from its schema; %NULL: any field (no
 * schema, or a free one) */
static GHashTable *
held_fields (CsProvider *provider, CsKind kind)
{
	g_autoptr(CsSchema) schema = cs_provider_get_schema (provider, kind, NULL);
	GPtrArray *specs = schema != NULL ? cs_schema_get_fields (schema) : NULL;
	GHashTable *fields;
	if (specs == NULL || specs->len == 0 || cs_schema_is_free (schema))
		return NULL;
	fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < specs->len; i++)
		g_hash_table_add (fields, g_strdup (((CsFieldSpec *) g_ptr_array_index (specs, i))->name));
	return fields;
}

/* bad data stays out (DESIGN.md, Trust): what an item would write to each
 * side is checked against that side's field specs, once here for every
 * backend; an item with a value that fails becomes a skip naming the field,
 * so nothing of it is written and the dry run shows it too */
static void
validate_items (CsEngine *self, CsKind kind, GPtrArray *items, guint from)
{
	CsSchema *schemas[CS_SIDE_LAST] = {NULL, NULL};
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		schemas[s] = cs_provider_get_schema (self->providers[s], kind, NULL);
	for (guint i = from; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			g_autoptr(CsRecord) rec = NULL;
			g_autoptr(CsRecord) empty = NULL;
			g_autofree gchar *why = NULL;
			g_autoptr(GHashTable) values = NULL;
			gboolean update = !it->create[s] && it->rows[s] != NULL && it->rows[s][0] != NULL;
			if ((!it->create[s] && !update) || it->values == NULL)
				continue;
			values = cs_plan_item_values_for (it, (CsSide) s);
			rec = cs_record_new (kind, NULL);
			empty = cs_record_new (kind, NULL);
			cs_mapping_apply (self->mapping, kind, (CsSide) s, values,
					  update ? (const gchar *const *) it->rows[s] : NULL,
					  update ? empty : NULL, rec);
			why = cs_validate_record (schemas[s], rec);
			if (why == NULL)
				continue;
			g_free (it->reason);
			/* TRANSLATORS: %s is the field and why its value cannot be written */
			it->reason = g_strdup_printf (s == CS_SIDE_CRM ? _("%s; nothing was written to the CRM")
								       : _("%s; nothing was written to Outlook"),
						      why);
			it->action = CS_PLAN_SKIP;
			it->skip_side = cs_side_other ((CsSide) s);
			for (guint t = 0; t < CS_SIDE_LAST; t++) {
				it->create[t] = FALSE;
				it->delete[t] = FALSE;
				g_clear_pointer (&it->rows[t], g_strfreev);
				g_clear_pointer (&it->blocked[t], g_free);
			}
			g_clear_pointer (&it->overwritten, g_ptr_array_unref);
			break;
		}
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		g_clear_object (&schemas[s]);
}

/* id → record (borrowed), a later one of an id over an earlier */
static GHashTable *
records_by_id (GPtrArray *records)
{
	GHashTable *by_id = g_hash_table_new (g_str_hash, g_str_equal);
	for (guint i = 0; records != NULL && i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		g_hash_table_insert (by_id, (gpointer) cs_record_get_id (r), r);
	}
	return by_id;
}

/* the snapshots the planner reads: of links whose record changed on a side,
 * or is missing where that side's listing is complete (as links_light) */
static gboolean
load_snapshots (CsEngine *self, GPtrArray *links, GHashTable *crm_by_id, gboolean crm_complete,
		GHashTable *outlook_by_id, gboolean outlook_complete, GError **error)
{
	GHashTable *by_id[CS_SIDE_LAST] = {crm_by_id, outlook_by_id};
	gboolean complete[CS_SIDE_LAST] = {crm_complete, outlook_complete};
	for (guint i = 0; i < links->len; i++) {
		CsLink *l = g_ptr_array_index (links, i);
		gboolean need = FALSE;
		if (l->snapshot != NULL)
			continue;
		for (guint s = 0; s < CS_SIDE_LAST && !need; s++) {
			const gchar *id = cs_link_get_id (l, (CsSide) s);
			CsRecord *r = id != NULL ? g_hash_table_lookup (by_id[s], id) : NULL;
			if (id != NULL)
				need = r != NULL ? !cs_record_is_stripped (r) : complete[s];
		}
		if (need && !cs_state_load_snapshot (self->state, l, error))
			return FALSE;
	}
	return TRUE;
}

/* for a complete listing: every link, but the snapshot only where the
 * planner or the horizon check reads it — a record that changed or went
 * (not listed where the listing is complete). A link whose records are as
 * it left them (stubs, or not read by a delta) plans nothing: at 100,000
 * links the snapshots were most of a run's memory. */
static GPtrArray *
links_light (CsEngine *self, CsKind kind, GError **error)
{
	g_autoptr (GPtrArray) links = cs_state_get_links_light (self->state, kind, error);
	g_autoptr (GHashTable) crm = NULL;
	g_autoptr (GHashTable) outlook = NULL;

	if (links == NULL)
		return NULL;
	crm = records_by_id (cs_read_sink_get_records (self->sinks[CS_SIDE_CRM][kind]));
	outlook = records_by_id (cs_read_sink_get_records (self->sinks[CS_SIDE_OUTLOOK][kind]));
	if (!load_snapshots (self, links, crm, cs_read_sink_get_complete (self->sinks[CS_SIDE_CRM][kind]),
			     outlook, cs_read_sink_get_complete (self->sinks[CS_SIDE_OUTLOOK][kind]),
			     error))
		return NULL;
	return g_steal_pointer (&links);
}

static GPtrArray *
links_for (CsEngine *self, CsKind kind, GError **error)
{
	gboolean complete = FALSE;
	g_autoptr(GPtrArray) links = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

	for (guint s = 0; s < CS_SIDE_LAST; s++)
		complete |= cs_read_sink_get_complete (self->sinks[s][kind]);
	if (complete && self->rows_signature == NULL && !self->merges[kind]
	    && self->decisions[kind] == NULL)
		return links_light (self, kind, error);
	if (complete) {
		GPtrArray *all = cs_state_get_links (self->state, kind, error);
		/* opt-in rows changed: every link is planned again (note_optional_rows) */
		for (guint i = 0; all != NULL && self->rows_signature != NULL && i < all->len;
		     i++) {
			CsLink *l = g_ptr_array_index (all, i);
			g_clear_pointer (&l->crm_version, g_free);
			g_clear_pointer (&l->outlook_version, g_free);
		}
		return all;
	}
	/* deltas on both sides: only the links of what changed, so a run with
	 * nothing new costs the same at 100 or 100,000 records */
	links = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_link_free);
	/* a conflict the user decided: planned whether or not its records changed */
	if (self->decisions[kind] != NULL) {
		GHashTableIter iter;
		gpointer id;
		g_hash_table_iter_init (&iter, self->decisions[kind]);
		while (g_hash_table_iter_next (&iter, &id, NULL)) {
			CsLink *l = cs_state_get_link (self->state, kind, CS_SIDE_OUTLOOK, id, NULL);
			if (l == NULL)
				continue;
			g_hash_table_add (seen, g_strdup_printf ("%s\x1f%s", l->outlook_id ? l->outlook_id : "",
								l->crm_id ? l->crm_id : ""));
			g_ptr_array_add (links, l);
		}
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		GPtrArray *recs = cs_read_sink_get_records (self->sinks[s][kind]);
		for (guint i = 0; i < recs->len; i++) {
			CsRecord *r = g_ptr_array_index (recs, i);
			g_autoptr(GError) error_local = NULL;
			CsLink *l = cs_state_get_link (self->state, kind, (CsSide) s, cs_record_get_id (r),
						       &error_local);
			if (error_local != NULL) {
				g_propagate_error (error, g_steal_pointer (&error_local));
				return NULL;
			}
			if (l == NULL)
				continue;
			if (!g_hash_table_add (seen, g_strdup_printf ("%s\x1f%s", l->outlook_id ? l->outlook_id : "",
								      l->crm_id ? l->crm_id : ""))) {
				cs_link_free (l);
				continue;
			}
			g_ptr_array_add (links, l);
		}
	}
	return g_steal_pointer (&links);
}

/* one run of a profile at a time, across processes (DESIGN.md, Trust): taken
 * by prepare, apply and run, so every caller (the app's timer and Sync all,
 * the CLI, watch) waits for another run or stops with a clear message */
static gboolean
engine_lock (CsEngine *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	if (self->lock_depth++ > 0)
		return TRUE;
	self->lock = cs_profile_lock_acquire (cs_state_get_path (self->state),
					      cs_profile_get_name (self->profile),
					      CS_PROFILE_LOCK_WAIT_MS, &error_local);
	if (self->lock != NULL)
		return TRUE;
	self->lock_depth--;
	g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY, error_local->message);
	return FALSE;
}

static void
engine_unlock (CsEngine *self)
{
	g_return_if_fail (self->lock_depth > 0);
	if (--self->lock_depth == 0)
		g_clear_object (&self->lock);
}

/* the newest run that has finished: one begun and not finished is the
 * caller's own (Sync all records its run before it applies) or a crashed one */
static gint64
newest_run (CsEngine *self)
{
	g_autoptr(GPtrArray) runs = cs_state_get_runs (self->state, 20, NULL);
	for (guint i = 0; runs != NULL && i < runs->len; i++) {
		CsRunInfo *r = g_ptr_array_index (runs, i);
		if (r->finished > 0)
			return r->id;
	}
	return 0;
}

static CsSyncPlan *prepare_locked (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
				   GError **error);
static CsRunReport *apply_locked (CsEngine *self, CsSyncPlan *plan, CsRunFlags flags,
				  GCancellable *cancellable, GError **error);

/* the user's decisions on conflicts, by Outlook id; and the records they
 * concern read by id from a side that listed only its changes, so that the
 * decision is weighed against what each side holds now */
static gboolean
load_decisions (CsEngine *self, CsKind kind, GCancellable *cancellable, GError **error)
{
	g_autoptr(GPtrArray) all = cs_state_get_decisions (self->state, kind, error);
	if (all == NULL)
		return FALSE;
	g_clear_pointer (&self->decisions[kind], g_hash_table_unref);
	if (all->len == 0)
		return TRUE;
	self->decisions[kind] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
						       (GDestroyNotify) g_ptr_array_unref);
	for (guint i = 0; i < all->len; i++) {
		CsDecision *d = g_ptr_array_index (all, i);
		GPtrArray *list = g_hash_table_lookup (self->decisions[kind], d->outlook_id);
		if (list == NULL) {
			list = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_decision_free);
			g_hash_table_insert (self->decisions[kind], g_strdup (d->outlook_id), list);
		}
		g_ptr_array_add (list, g_ptr_array_steal_index (all, i));
		i--;
	}
	{
		/* a pair gone since the decision: nothing left to apply it to */
		GHashTableIter iter;
		gpointer id;
		g_hash_table_iter_init (&iter, self->decisions[kind]);
		while (g_hash_table_iter_next (&iter, &id, NULL)) {
			g_autoptr(CsLink) l = cs_state_get_link (self->state, kind, CS_SIDE_OUTLOOK, id, NULL);
			if (l != NULL)
				continue;
			if (!cs_state_remove_decisions (self->state, kind, id, error))
				return FALSE;
			g_hash_table_iter_remove (&iter);
		}
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsReadSink *sink = self->sinks[s][kind];
		GPtrArray *recs = sink != NULL ? cs_read_sink_get_records (sink) : NULL;
		g_autoptr(GHashTable) read = g_hash_table_new (g_str_hash, g_str_equal);
		g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
		g_autoptr(GPtrArray) got = NULL;
		GHashTableIter iter;
		gpointer id;

		if (recs == NULL || cs_read_sink_get_complete (sink) ||
		    !cs_provider_can_get (self->providers[s]))
			continue;
		for (guint i = 0; i < recs->len; i++)
			g_hash_table_add (read, (gpointer) cs_record_get_id (g_ptr_array_index (recs, i)));
		g_hash_table_iter_init (&iter, self->decisions[kind]);
		while (g_hash_table_iter_next (&iter, &id, NULL)) {
			g_autoptr(CsLink) l = cs_state_get_link (self->state, kind, CS_SIDE_OUTLOOK, id, NULL);
			const gchar *sid = l != NULL ? cs_link_get_id (l, (CsSide) s) : NULL;
			if (sid != NULL && !g_hash_table_contains (read, sid))
				g_ptr_array_add (ids, g_strdup (sid));
		}
		if (ids->len == 0)
			continue;
		got = cs_provider_get (self->providers[s], kind, ids, cancellable, error);
		if (got == NULL) {
			g_prefix_error (error, _("reading %s from %s: "), cs_kind_to_string (kind),
					cs_provider_get_name (self->providers[s]));
			return FALSE;
		}
		for (guint i = 0; i < got->len; i++)
			g_ptr_array_add (recs, cs_record_ref (g_ptr_array_index (got, i)));
	}
	return TRUE;
}

/**
 * cs_engine_prepare:
 *
 * Reads both sides and plans, writing nothing: what `--dry-run` shows and
 * the Sync all assistant previews.
 *
 * Returns: (transfer full)
 */
CsSyncPlan *
cs_engine_prepare (CsEngine *self, CsRunFlags flags, GCancellable *cancellable, GError **error)
{
	CsSyncPlan *plan;
	if (!engine_lock (self, error))
		return NULL;
	plan = prepare_locked (self, flags, cancellable, error);
	if (plan != NULL)
		self->planned_after = newest_run (self);
	engine_unlock (self);
	return plan;
}

/*
 * Opt-in mapping rows switched on (or off) since the last run concern every
 * linked record, not only the ones that changed: that run reads full
 * listings and plans each link as if both sides were new to it (the values
 * still merge against the snapshot, so nothing is written twice), and the
 * new set is kept once the run is committed.
 */
static void
note_optional_rows (CsEngine *self)
{
	g_autoptr(GString) sig = g_string_new (NULL);
	g_autofree gchar *known = NULL;
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		const CsKindConfig *kc = cs_profile_get_kind_config (self->profile, (CsKind) k);
		for (guint i = 0; kc->optional_rows != NULL && kc->optional_rows[i] != NULL; i++)
			g_string_append_printf (sig, "%s=%s;", cs_kind_to_string ((CsKind) k),
						kc->optional_rows[i]);
	}
	known = cs_state_get_setting (self->state, "optional-rows");
	g_clear_pointer (&self->rows_signature, g_free);
	if (g_strcmp0 (known != NULL ? known : "", sig->str) != 0)
		self->rows_signature = g_string_free (g_steal_pointer (&sig), FALSE);
}

/* what the planner is given for one kind, and what it borrows */
typedef struct {
	CsPlanInput in;
	GPtrArray *links;
	GPtrArray *journal;
	GHashTable *fields[CS_SIDE_LAST];
	GHashTable *outside[CS_SIDE_LAST];
	GHashTable *held[CS_SIDE_LAST];
	GHashTable *alone[CS_SIDE_LAST];
} KindPlan;

static void
kind_plan_clear (KindPlan *kp)
{
	g_clear_pointer (&kp->links, g_ptr_array_unref);
	g_clear_pointer (&kp->journal, g_ptr_array_unref);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_clear_pointer (&kp->fields[s], g_hash_table_unref);
		g_clear_pointer (&kp->outside[s], g_hash_table_unref);
		g_clear_pointer (&kp->held[s], g_hash_table_unref);
		g_clear_pointer (&kp->alone[s], g_hash_table_unref);
	}
}

/* the input every kind's plan has, from the state and the sides' descriptions */
static gboolean
kind_plan_fill (CsEngine *self, CsKind kind, KindPlan *kp, GError **error)
{
	CsPlanInput *in = &kp->in;
	kp->journal = cs_state_journal_pending (self->state, kind, error);
	if (kp->journal == NULL)
		return FALSE;
	self->journal_before[kind] = kp->journal->len > 0;
	in->kind = kind;
	in->config = cs_profile_get_kind_config (self->profile, kind);
	in->conflict = cs_profile_get_conflict (self->profile);
	in->mapping = self->mapping;
	in->key = key_for (self, kind);
	in->links = kp->links;
	in->journal = kp->journal;
	in->owner = self->owner;
	in->decisions = self->decisions[kind];
	in->match = cs_profile_get_match (self->profile);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsCaps caps = cs_provider_get_caps (self->providers[s], kind);
		kp->held[s] = cs_state_get_held_ids (self->state, kind, (CsSide) s, error);
		if (kp->held[s] == NULL)
			return FALSE;
		kp->alone[s] = cs_state_get_left_alone (self->state, kind, (CsSide) s, error);
		if (kp->alone[s] == NULL)
			return FALSE;
		if (kp->outside[s] == NULL)
			kp->outside[s] = g_hash_table_new (g_str_hash, g_str_equal);
		kp->fields[s] = held_fields (self->providers[s], kind);
		in->held[s] = kp->held[s];
		in->alone[s] = kp->alone[s];
		in->outside[s] = kp->outside[s];
		in->fields[s] = kp->fields[s];
		in->records[s] = cs_read_sink_get_records (self->sinks[s][kind]);
		in->complete[s] = cs_read_sink_get_complete (self->sinks[s][kind]);
		in->writable[s] = (caps & CS_CAP_WRITE) != 0;
		in->side_name[s] = cs_provider_get_name (self->providers[s]);
	}
	return TRUE;
}

/* one kind planned from both sides read whole */
static gboolean
plan_kind (CsEngine *self, CsKind kind, CsRunFlags flags, CsSyncPlan *plan,
	   GCancellable *cancellable, GError **error)
{
	KindPlan kp = {0};
	CsReadSink *ks[CS_SIDE_LAST] = {self->sinks[CS_SIDE_CRM][kind], self->sinks[CS_SIDE_OUTLOOK][kind]};
	gboolean ok = FALSE;
	guint before;

	if (!load_decisions (self, kind, cancellable, error))
		return FALSE;
	/* what a listing leaves out (horizons): looked for before planning */
	if (!cs_engine_horizon_find_creates (self->providers, ks, self->state, self->mapping,
					     cs_profile_get_kind_config (self->profile, kind), kind,
					     key_for (self, kind), cancellable, error))
		return FALSE;
	kp.links = links_for (self, kind, error);
	if (kp.links == NULL)
		return FALSE;
	if (!cs_engine_horizon_absent (self->providers, ks, self->mapping, kind, kp.links, kp.outside,
				       cancellable, error) ||
	    !cs_engine_horizon_moved (self->providers, ks, self->state, self->mapping, kind,
				      key_for (self, kind), kp.links, kp.outside,
				      (flags & CS_RUN_FLAG_DRY_RUN) == 0, cancellable, error) ||
	    !kind_plan_fill (self, kind, &kp, error) ||
	    !cs_engine_review_prune (self->state, ks, kind, kp.held, (flags & CS_RUN_FLAG_DRY_RUN) == 0,
				     error))
		goto out;
	before = cs_sync_plan_get_items (plan)->len;
	cs_planner_plan (&kp.in, plan);
	validate_items (self, kind, cs_sync_plan_get_items (plan), before);
	ok = TRUE;
out:
	kind_plan_clear (&kp);
	return ok;
}

/*
 * Streaming (DESIGN.md, Performance): a complete listing of the CRM is
 * planned and written chunk by chunk while it is read, against the whole of
 * Outlook (read first), so that a first sync of 100,000 records never holds
 * them all. Written at once: what no guard weighs — records no link holds
 * (created, linked, held for review, skipped). Kept for the end, planned and
 * guarded with the rest: any change to a linked pair.
 */
struct _CsEngineStream {
	CsEngine *engine;
	CsKind kind;
	KindPlan kp;
	CsPlannerStream *planner;
	CsSyncPlan *plan;		/* (unowned) the run's plan: the changes kept for the end */
	GHashTable *outlook_by_id;	/* id → CsRecord (borrowed from the Outlook sink) */
	GCancellable *cancellable;	/* (nullable) */
};

static void
engine_stream_free (CsEngineStream *st)
{
	if (st == NULL)
		return;
	g_clear_pointer (&st->planner, cs_planner_stream_free);
	kind_plan_clear (&st->kp);
	g_clear_pointer (&st->outlook_by_id, g_hash_table_unref);
	g_free (st);
}

static void
clear_streams (CsEngine *self)
{
	for (guint k = 0; k < CS_KIND_LAST; k++)
		g_clear_pointer (&self->streams[k], engine_stream_free);
	g_clear_object (&self->stream_report);
	g_clear_pointer (&self->stream_skips, g_ptr_array_unref);
	memset (self->stream_failed, 0, sizeof (self->stream_failed));
	self->stream_read[0] = self->stream_read[1] = 0;
	self->stream_written = 0;
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		for (guint k = 0; k < CS_KIND_LAST; k++)
			self->known_before[s][k] = -1;
}

/* how many pairs the state held before this run wrote */
static gint64
known_links (CsEngine *self, CsKind kind, CsSide side)
{
	if (self->known_before[side][kind] >= 0)
		return self->known_before[side][kind];
	return cs_state_count_links (self->state, kind, side);
}

/* records per chunk: a page of OroCRM's, 50 Graph batches; small next to a listing.
 * CRMSYNC_STREAM_CHUNK sets it for tests and benchmarks; 0 plans whole */
static guint
stream_chunk_size (void)
{
	const gchar *env = g_getenv ("CRMSYNC_STREAM_CHUNK");
	if (env == NULL || env[0] == '\0')
		return 1000;
	return (guint) MIN (g_ascii_strtoull (env, NULL, 10), G_MAXUINT);
}

/* whether the whole run may stream: it applies what it plans at once (no
 * preview, no dry run, not undo) and reads both sides */
static gboolean
may_stream (CsEngine *self, CsRunFlags flags)
{
	if (!self->stream_wanted || (flags & (CS_RUN_FLAG_DRY_RUN | CS_RUN_FLAG_SKIP_CRM |
					      CS_RUN_FLAG_SKIP_OUTLOOK)) != 0 ||
	    self->read_only_kinds != 0 || self->rows_signature != NULL)
		return FALSE;
	return TRUE;
}

/* a kind streams on its first sync (no pair linked yet: no guard can stop
 * the run, nothing is updated or deleted) when the CRM lists it whole and
 * nothing needs the whole listing before planning: no horizon on either
 * side (finds and "absent" checks), no crashed run's journal. Later runs
 * keep unchanged records as stubs (CsReadSink) and need no chunks. */
static gboolean
kind_streams (CsEngine *self, CsKind kind, CsRunFlags flags)
{
	CsHorizon h;
	CsCaps caps = cs_provider_get_caps (self->providers[CS_SIDE_CRM], kind);
	g_autofree gchar *cursor = NULL;
	g_autoptr(GPtrArray) journal = NULL;

	/* e-mails are read after the CRM's people, whom they are matched to */
	if (kind == CS_KIND_EMAIL || !cs_engine_is_enabled (self, kind) ||
	    cs_profile_get_kind_config (self->profile, kind)->direction == CS_DIRECTION_NONE ||
	    cs_provider_get_horizon (self->providers[CS_SIDE_CRM], kind, &h) ||
	    cs_provider_get_horizon (self->providers[CS_SIDE_OUTLOOK], kind, &h) ||
	    stream_chunk_size () == 0)
		return FALSE;
	if ((flags & CS_RUN_FLAG_ALL) == 0 && (caps & CS_CAP_DELTA) != 0) {
		cursor = cs_state_get_cursor (self->state, CS_SIDE_CRM, kind);
		if (cursor != NULL)
			return FALSE; /* a listing of changes: small */
	}
	if (cs_state_has_links (self->state, kind, NULL))
		return FALSE;
	journal = cs_state_journal_pending (self->state, kind, NULL);
	if (journal == NULL || journal->len > 0)
		return FALSE;
	self->journal_before[kind] = FALSE;
	return TRUE;
}

static gboolean apply_items (CsEngine *self, GPtrArray *items, CsRunReport *report,
			     GPtrArray *state_skips, gboolean *kind_failed, GCancellable *cancellable,
			     GError **error);

/* an item that changes a linked pair: weighed by the guards with the rest.
 * A first sync has none; kept so that a stream never writes past a guard */
static gboolean
item_for_the_end (CsPlanItem *it)
{
	if (it->link == NULL)
		return FALSE;
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		if (it->create[s] || it->delete[s] || (it->rows[s] != NULL && it->rows[s][0] != NULL))
			return TRUE;
	return it->forget;
}

static gboolean
stream_chunk_cb (CsReadSink *sink, GPtrArray *records, gpointer user_data, GError **error)
{
	CsEngineStream *st = user_data;
	CsEngine *self = st->engine;
	g_autoptr(CsSyncPlan) chunk = cs_sync_plan_new ();
	g_autoptr(GHashTable) crm_by_id = records_by_id (records);
	g_autoptr(GPtrArray) links = g_ptr_array_new ();
	GPtrArray *items;
	g_autoptr(GPtrArray) now = g_ptr_array_new ();
	gboolean ok;

	for (guint i = 0; i < st->kp.links->len; i++) {
		CsLink *l = g_ptr_array_index (st->kp.links, i);
		if (l->crm_id != NULL && g_hash_table_contains (crm_by_id, l->crm_id))
			g_ptr_array_add (links, l);
	}
	if (!load_snapshots (self, links, crm_by_id, FALSE, st->outlook_by_id,
			     cs_read_sink_get_complete (self->sinks[CS_SIDE_OUTLOOK][st->kind]), error))
		return FALSE;
	cs_planner_stream_feed (st->planner, records, chunk);
	items = cs_sync_plan_get_items (chunk);
	g_debug ("%s: a chunk of %u records read, %u planned", cs_kind_to_string (st->kind),
		 records->len, items->len);
	validate_items (self, st->kind, items, 0);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		if (item_for_the_end (it)) {
			cs_sync_plan_add (st->plan, g_ptr_array_steal_index (items, i));
			i--;
		} else {
			g_ptr_array_add (now, it);
		}
	}
	self->in_chunk = TRUE;
	ok = apply_items (self, now, self->stream_report, self->stream_skips,
			  &self->stream_failed[st->kind], st->cancellable, error);
	self->in_chunk = FALSE;
	return ok;
}

/* reads a kind of the CRM whose chunks are planned and written as they come */
static gboolean
stream_read (CsEngine *self, CsKind kind, const gchar *cursor, GPtrArray *held,
	     GCancellable *cancellable, GError **error)
{
	CsReadSink *sink = self->sinks[CS_SIDE_CRM][kind];
	CsEngineStream *st = self->streams[kind];
	/* a failed chunk stops the read: its next request is cancelled */
	g_autoptr(GCancellable) stop = g_cancellable_new ();
	gulong chained = cancellable != NULL
			     ? g_cancellable_connect (cancellable, G_CALLBACK (chain_cancel_cb),
						      g_object_ref (stop), g_object_unref)
			     : 0;
	g_autoptr(GError) read_error = NULL;
	gboolean ok;

	st->cancellable = stop;
	cs_read_sink_set_chunk_func (sink, stream_chunk_size (), stream_chunk_cb, st, stop);
	ok = cs_provider_read_changes (self->providers[CS_SIDE_CRM], kind, cursor, sink, stop,
				       &read_error);
	if (ok && held != NULL && held->len > 0)
		ok = read_held (self, CS_SIDE_CRM, kind, held, stop, &read_error);
	/* the chunk's error, not the cancelled request's */
	if (!cs_read_sink_flush (sink, error))
		ok = FALSE;
	else if (!ok)
		g_propagate_error (error, g_steal_pointer (&read_error));
	g_cancellable_disconnect (cancellable, chained);
	st->cancellable = cancellable;
	cs_read_sink_set_chunk_func (sink, 1, NULL, NULL, NULL);
	return ok;
}

/* before the CRM is read: a planner for each kind that streams */
static gboolean
streams_begin (CsEngine *self, CsRunFlags flags, CsSyncPlan *plan, GCancellable *cancellable,
	       GError **error)
{
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		CsKind kind = (CsKind) k;
		CsEngineStream *st;
		GPtrArray *recs;

		if (!kind_streams (self, kind, flags))
			continue;
		recs = cs_read_sink_get_records (self->sinks[CS_SIDE_OUTLOOK][k]);
		st = g_new0 (CsEngineStream, 1);
		self->streams[k] = st;
		st->engine = self;
		st->kind = kind;
		st->plan = plan;
		st->cancellable = cancellable;
		st->kp.links = cs_state_get_links_light (self->state, kind, error);
		if (st->kp.links == NULL)
			return FALSE;
		/* the CRM's sink comes with the read: none of its records yet */
		self->sinks[CS_SIDE_CRM][k] = cs_read_sink_new (kind, TRUE);
		if (!kind_plan_fill (self, kind, &st->kp, error))
			return FALSE;
		g_clear_object (&self->sinks[CS_SIDE_CRM][k]);
		st->kp.in.records[CS_SIDE_CRM] = NULL;
		st->outlook_by_id = records_by_id (recs);
		st->planner = cs_planner_stream_new (&st->kp.in);
		for (guint s = 0; s < CS_SIDE_LAST; s++)
			self->known_before[s][k] = cs_state_count_links (self->state, kind, (CsSide) s);
	}
	if (self->stream_report == NULL)
		self->stream_report = cs_run_report_new ();
	if (self->stream_skips == NULL)
		self->stream_skips = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_state_skip_free);
	return TRUE;
}

/* after the CRM was read: what no chunk planned */
static gboolean
stream_finish (CsEngine *self, CsEngineStream *st, CsRunFlags flags, CsSyncPlan *plan,
	       GError **error)
{
	CsKind kind = st->kind;
	CsReadSink *ks[CS_SIDE_LAST] = {self->sinks[CS_SIDE_CRM][kind], self->sinks[CS_SIDE_OUTLOOK][kind]};
	g_autoptr(GHashTable) crm_by_id = records_by_id (cs_read_sink_get_records (ks[CS_SIDE_CRM]));
	guint before = cs_sync_plan_get_items (plan)->len;

	st->kp.in.complete[CS_SIDE_CRM] = cs_read_sink_get_complete (ks[CS_SIDE_CRM]);
	if (!load_snapshots (self, st->kp.links, crm_by_id, st->kp.in.complete[CS_SIDE_CRM],
			     st->outlook_by_id, st->kp.in.complete[CS_SIDE_OUTLOOK], error) ||
	    !cs_engine_review_prune (self->state, ks, kind, st->kp.held,
				     (flags & CS_RUN_FLAG_DRY_RUN) == 0, error))
		return FALSE;
	cs_planner_stream_finish (st->planner, crm_by_id, plan);
	validate_items (self, kind, cs_sync_plan_get_items (plan), before);
	return TRUE;
}

static CsSyncPlan *
prepare_sides (CsEngine *self, CsRunFlags flags, GCancellable *cancellable, GError **error)
{
	g_autoptr(CsSyncPlan) plan = cs_sync_plan_new ();
	gboolean stream = may_stream (self, flags);

	clear_sinks (self);
	clear_streams (self);
	note_optional_rows (self);
	self->outlook_first = FALSE;
	for (guint k = 0; k < CS_KIND_LAST; k++)
		self->journal_before[k] = TRUE; /* until the kind's plan looks */
	if (stream) {
		/* Outlook first, whole; the CRM then streams against it */
		for (guint k = 0; k < CS_KIND_LAST && !self->outlook_first; k++)
			self->outlook_first = kind_streams (self, (CsKind) k, flags);
	}
	if (self->outlook_first) {
		gboolean ok;
		/* e-mails after the CRM's people (a held one is read again when
		 * they changed) */
		self->read_only_kinds = ((1u << CS_KIND_LAST) - 1) & ~(1u << CS_KIND_EMAIL);
		ok = ensure_open_side (self, CS_SIDE_CRM, cancellable, error) &&
		     ensure_open_side (self, CS_SIDE_OUTLOOK, cancellable, error) &&
		     read_side (self, CS_SIDE_OUTLOOK, flags, cancellable, error);
		self->read_only_kinds = 0;
		if (!ok)
			return NULL;
	} else if (!ensure_open_side (self, CS_SIDE_CRM, cancellable, error) ||
		   !read_side (self, CS_SIDE_CRM, flags, cancellable, error) ||
		   !ensure_open_side (self, CS_SIDE_OUTLOOK, cancellable, error) ||
		   !read_side (self, CS_SIDE_OUTLOOK, flags, cancellable, error)) {
		return NULL;
	}
	if (!self->outlook_first && cs_engine_is_enabled (self, CS_KIND_EMAIL) &&
	    !resolve_emails (self, cancellable, error))
		return NULL;
	/* Outlook-made tasks and appointments: the CRM record they belong to */
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		const CsMappingCrmLink *cl = cs_mapping_get_crm_link (self->mapping, (CsKind) k);
		CsReadSink *sink = self->sinks[CS_SIDE_OUTLOOK][k];
		CsDirection dir = cs_profile_get_kind_config (self->profile, (CsKind) k)->direction;
		/* it matters only to what Outlook creates in the CRM */
		if (cl == NULL || sink == NULL || !cs_engine_is_enabled (self, (CsKind) k) ||
		    (dir != CS_DIRECTION_BOTH && dir != CS_DIRECTION_OUTLOOK_TO_CRM))
			continue;
		if (!cs_crm_link_resolve (self->providers[CS_SIDE_CRM], self->state, cl, (CsKind) k,
					  cs_read_sink_get_records (sink), cancellable, error))
			return NULL;
	}
	if (self->outlook_first) {
		gboolean ok = streams_begin (self, flags, plan, cancellable, error) &&
			      read_side (self, CS_SIDE_CRM, flags, cancellable, error);
		if (ok && cs_engine_is_enabled (self, CS_KIND_EMAIL)) {
			self->read_only_kinds = 1u << CS_KIND_EMAIL;
			ok = read_side (self, CS_SIDE_OUTLOOK, flags, cancellable, error);
			self->read_only_kinds = 0;
		}
		if (ok && cs_engine_is_enabled (self, CS_KIND_EMAIL))
			ok = resolve_emails (self, cancellable, error);
		if (!ok)
			return NULL;
	}

	progress (self, CS_PHASE_PLAN, 0, _("Planning"));
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		if (!cs_engine_is_enabled (self, (CsKind) k))
			continue;
		if (self->streams[k] != NULL ? !stream_finish (self, self->streams[k], flags, plan, error)
					     : !plan_kind (self, (CsKind) k, flags, plan, cancellable, error))
			return NULL;
	}
	progress (self, CS_PHASE_PLAN, 1.0, NULL);
	return g_steal_pointer (&plan);
}

static CsSyncPlan *
prepare_locked (CsEngine *self, CsRunFlags flags, GCancellable *cancellable, GError **error)
{
	const CsRunFlags skip = CS_RUN_FLAG_SKIP_CRM | CS_RUN_FLAG_SKIP_OUTLOOK;
	g_autoptr(CsSyncPlan) plan = prepare_sides (self, flags, cancellable, error);

	/* a side left out because it was not due (the scheduler) is read after
	 * all when the other side's changes would reach it: an edit made there
	 * since its last read then meets them as a conflict, never overwritten
	 * unseen. A run with nothing to do costs nothing there. */
	if (plan != NULL && (flags & skip) != 0 && (flags & CS_RUN_FLAG_ALL) == 0 &&
	    cs_sync_plan_get_items (plan)->len > 0) {
		g_clear_object (&plan);
		plan = prepare_sides (self, flags & ~skip, cancellable, error);
	}
	return g_steal_pointer (&plan);
}

/**
 * cs_engine_request_stop:
 *
 * Thread-safe (a signal handler's main loop calls it while a worker thread
 * runs): the run going stops before its next batch, so the batch being
 * written is finished and committed, never cut in half; what was written is
 * kept and the next run goes on from there. Later runs stop too: it is for
 * a process that is about to exit (`crmsync-cli watch` on SIGTERM).
 */
void
cs_engine_request_stop (CsEngine *self)
{
	g_atomic_int_set (&self->stop, 1);
}

static gboolean
stop_requested (CsEngine *self, GError **error)
{
	if (!g_atomic_int_get (&self->stop))
		return FALSE;
	g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
			     _("stopped on request before the next batch; what was written is kept"));
	return TRUE;
}

/* a side as the user knows it, in the guards' messages ("in Outlook") */
static const gchar *
guard_side (CsSide side)
{
	/* TRANSLATORS: a sync side, in "the CRM has no contact 12" */
	return side == CS_SIDE_CRM ? _("the CRM") : _("Outlook");
}

/* the anchors' users lost data without these; the messages name the kind, the side and the
 * field as the user knows them (the CLI and the app add how to confirm) */
static gboolean
check_guards (CsEngine *self, CsSyncPlan *plan, CsRunReport *report)
{
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		if (!cs_engine_is_enabled (self, (CsKind) k))
			continue;
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			CsReadSink *sink = self->sinks[s][k];
			gint64 known;
			guint deletes = cs_sync_plan_count (plan, (CsKind) k, (CsSide) s, CS_PLAN_DELETE);
			guint listed = 0;
			GPtrArray *recs = sink != NULL ? cs_read_sink_get_records (sink) : NULL;
			for (guint i = 0; recs != NULL && i < recs->len; i++)
				listed += cs_record_is_deleted (g_ptr_array_index (recs, i)) ? 0 : 1;
			/* counting costs a scan: only when a guard could apply */
			if (deletes <= 5 && !(sink != NULL && cs_read_sink_get_complete (sink) && listed == 0))
				continue;
			known = known_links (self, (CsKind) k, (CsSide) s);
			if (sink != NULL && cs_read_sink_get_complete (sink) && listed == 0 && known > 0) {
				g_autofree gchar *msg = g_strdup_printf (
				    /* TRANSLATORS: "Contacts: Outlook lists none, but 300 were synced before" */
				    _("%s: %s lists none, but %" PRId64 " were synced before"),
				    cs_kind_get_label ((CsKind) k), guard_side ((CsSide) s), known);
				cs_run_report_set_guard (report, msg);
				return FALSE;
			}
			if (deletes > 5 && (gint64) deletes * 10 > known) {
				g_autofree gchar *msg = g_strdup_printf (
				    /* TRANSLATORS: "Contacts: the sync would delete 12 of 300 in Outlook" */
				    _("%s: the sync would delete %u of %" PRId64 " in %s"),
				    cs_kind_get_label ((CsKind) k), deletes, known, guard_side ((CsSide) s));
				cs_run_report_set_guard (report, msg);
				return FALSE;
			}
		}
	}
	return TRUE;
}

/* a plan that changes one field on more than 20 % (and over 10) of a kind's
 * linked records on one side: a mapping gone wrong or a bulk edit on one
 * side, confirmed before it reaches the other (DESIGN.md, Guards) */
static gboolean
check_update_guard (CsEngine *self, CsSyncPlan *plan, CsRunReport *report)
{
	GPtrArray *items = cs_sync_plan_get_items (plan);
	g_autoptr(CsFieldLabels) labels = NULL;
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			g_autoptr(GHashTable) per_field = g_hash_table_new (g_str_hash, g_str_equal);
			GHashTableIter iter;
			gpointer field, n;
			gint64 known = -1;
			for (guint i = 0; i < items->len; i++) {
				CsPlanItem *it = g_ptr_array_index (items, i);
				if (it->kind != (CsKind) k || !it->selected || it->link == NULL ||
				    it->create[s] || it->rows[s] == NULL)
					continue;
				for (guint r = 0; it->rows[s][r] != NULL; r++) {
					guint c = GPOINTER_TO_UINT (g_hash_table_lookup (per_field, it->rows[s][r]));
					g_hash_table_insert (per_field, it->rows[s][r], GUINT_TO_POINTER (c + 1));
				}
			}
			g_hash_table_iter_init (&iter, per_field);
			while (g_hash_table_iter_next (&iter, &field, &n)) {
				guint count = GPOINTER_TO_UINT (n);
				g_autofree gchar *msg = NULL;
				if (count <= 10)
					continue;
				if (known < 0)
					known = known_links (self, (CsKind) k, (CsSide) s);
				if ((gint64) count * 5 <= known)
					continue;
				if (labels == NULL)
					labels = cs_field_labels_new (self);
				msg = g_strdup_printf (
				    /* TRANSLATORS: "Contacts: the sync would change “Job title” on 120 of 450
				     * in Outlook" */
				    _("%s: the sync would change “%s” on %u of %" PRId64 " in %s"),
				    cs_kind_get_label ((CsKind) k),
				    /* a row is named by the CRM's field */
				    cs_field_labels_lookup (labels, (CsKind) k, CS_SIDE_CRM, field), count,
				    known, guard_side ((CsSide) s));
				cs_run_report_set_guard (report, msg);
				return FALSE;
			}
		}
	}
	return TRUE;
}

typedef struct {
	CsPlanItem *item;
	guint pending;
	gboolean failed;
	gchar *new_id[CS_SIDE_LAST];
	gchar *new_version[CS_SIDE_LAST];
	gboolean wrote[CS_SIDE_LAST];
	gint64 update_journal[CS_SIDE_LAST]; /* the row this run journalled its update to a side in */
	gchar *values_text; /* item->values as the journal and the snapshot keep them */
} ItemState;

static void
item_state_free (ItemState *st)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_free (st->new_id[s]);
		g_free (st->new_version[s]);
	}
	g_free (st->values_text);
	g_free (st);
}

/* the values are fixed once planned: the create's journal entry and the
 * link's snapshot are the same text, made once */
static const gchar *
item_values_text (ItemState *st)
{
	if (st->values_text == NULL)
		st->values_text = cs_mapping_values_to_string (st->item->values);
	return st->values_text;
}

static CsRecord *
item_record (CsPlanItem *it, CsSide side)
{
	return side == CS_SIDE_CRM ? it->crm : it->outlook;
}

static void
report_item_skips (CsRunReport *report, CsPlanItem *it, GPtrArray *state_skips)
{
	/* kept out by design (a side that cannot be written, webCRM's completed
	 * activities): counted, never a skip the user must act on */
	if (it->action == CS_PLAN_SKIP && it->excluded) {
		cs_run_report_add_excluded (report, it->kind, it->skip_side, it->reason);
		return;
	}
	/* tried again on later runs: listed, not a skip that makes every run
	 * partial while the CRM has yet to get the person */
	if (it->action == CS_PLAN_SKIP && it->waiting) {
		cs_run_report_add_waiting (report, it->kind, it->skip_side,
					   cs_plan_item_get_id (it, it->skip_side), it->label,
					   it->reason);
		return;
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsSide src = cs_side_other ((CsSide) s);
		const gchar *id = cs_plan_item_get_id (it, (CsSide) s);
		if (it->blocked[s] == NULL)
			continue;
		if (it->excluded) {
			cs_run_report_add_excluded (report, it->kind, src, it->blocked[s]);
			continue;
		}
		/* a write the user must see to (undo: a service that deletes nothing) */
		cs_run_report_add_skip (report, it->kind, (CsSide) s, id, it->label, it->blocked[s]);
		if (state_skips != NULL) {
			CsStateSkip *sk = g_new0 (CsStateSkip, 1);
			sk->kind = it->kind;
			sk->side = (CsSide) s;
			sk->id = g_strdup (id);
			sk->reason = g_strdup (it->blocked[s]);
			g_ptr_array_add (state_skips, sk);
		}
	}
	if (it->action == CS_PLAN_SKIP) {
		const gchar *id = cs_plan_item_get_id (it, it->skip_side);
		cs_run_report_add_skip (report, it->kind, it->skip_side, id, it->label, it->reason);
		if (state_skips != NULL) {
			CsStateSkip *sk = g_new0 (CsStateSkip, 1);
			sk->kind = it->kind;
			sk->side = it->skip_side;
			sk->id = g_strdup (id);
			sk->reason = g_strdup (it->reason);
			g_ptr_array_add (state_skips, sk);
		}
	}
}

/* the values this item writes over (a conflict strategy): in the report, and
 * with @state also kept there for undo */
static gboolean
report_item_overwrites (CsEngine *self, CsRunReport *report, CsPlanItem *it, CsState *state,
			GError **error)
{
	for (guint i = 0; it->overwritten != NULL && i < it->overwritten->len; i++) {
		CsOverwrite *o = g_ptr_array_index (it->overwritten, i);
		const gchar *id = cs_plan_item_get_id (it, o->side);
		CsStateOverwrite so = {self->run_id, it->kind, o->side, (gchar *) id, it->label,
				       o->field, o->kept, o->lost};
		if (it->blocked[o->side] != NULL)
			continue; /* not written after all: nothing lost */
		cs_run_report_add_overwritten (report, it->kind, o->side, id, it->label, o->field,
					       o->kept, o->lost);
		if (state != NULL && !cs_state_add_overwritten (state, &so, error))
			return FALSE;
	}
	return TRUE;
}

static void
count_item (CsRunReport *report, CsPlanItem *it)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (it->create[s])
			cs_run_report_add_count (report, CS_COUNT_CREATED, (CsSide) s, it->kind, 1);
		else if (it->rows[s] != NULL && it->rows[s][0] != NULL)
			cs_run_report_add_count (report, CS_COUNT_UPDATED, (CsSide) s, it->kind, 1);
		if (it->delete[s])
			cs_run_report_add_count (report, CS_COUNT_DELETED, (CsSide) s, it->kind, 1);
		if (it->action == CS_PLAN_LINK)
			cs_run_report_add_count (report, CS_COUNT_LINKED, (CsSide) s, it->kind, 1);
	}
}

static JsonNode *
plan_entry (CsEngine *self, CsPlanItem *it)
{
	return cs_plan_item_to_json (it, self->mapping, NULL, FALSE);
}

static CsWriteOp *
make_op (CsEngine *self, CsPlanItem *it, CsSide side, CsWriteAction action)
{
	g_autoptr(CsRecord) rec = NULL;
	CsWriteOp *op;
	CsRecord *cur = item_record (it, side);
	if (action == CS_WRITE_DELETE) {
		rec = cs_record_new_tombstone (it->kind, cs_plan_item_get_id (it, side));
	} else if (action == CS_WRITE_CREATE) {
		const CsKindConfig *kc = cs_profile_get_kind_config (self->profile, it->kind);
		CsRecord *src = item_record (it, cs_side_other (side));
		rec = cs_record_new (it->kind, NULL);
		cs_mapping_apply (self->mapping, it->kind, side, it->values, NULL, NULL, rec);
		if (side == CS_SIDE_OUTLOOK)
			cs_mapping_apply_reminder (self->mapping, it->kind, kc->reminder_minutes, rec);
		if (side == CS_SIDE_CRM && it->kind != CS_KIND_EMAIL && src != NULL &&
		    cs_mapping_get_crm_link (self->mapping, it->kind) != NULL &&
		    cs_record_get_string (src, CS_PLANNER_LINK_FIELD) != NULL)
			cs_record_set_string (
				rec, cs_mapping_get_crm_link (self->mapping, it->kind)->crm_field,
				cs_record_get_string (src, CS_PLANNER_LINK_FIELD));
		if (side == CS_SIDE_CRM && it->kind == CS_KIND_EMAIL && src != NULL) {
			const gchar *d, *ob, *ib, *ff, *crm_field;
			const gchar *person = cs_record_get_string (src, CS_PLANNER_LINK_FIELD);
			if (person != NULL &&
			    cs_mapping_get_email_link (self->mapping, &d, &ob, &ib, &ff, &crm_field))
				cs_record_set_string (rec, crm_field, person);
		}
		if (side == CS_SIDE_OUTLOOK && src != NULL && cs_record_get_folder (src) != NULL)
			cs_record_set_folder (rec, cs_record_get_folder (src));
	} else {
		g_autoptr(CsRecord) empty = cs_record_new (it->kind, NULL);
		g_autoptr(GHashTable) values = cs_plan_item_values_for (it, side);
		rec = cs_record_new (it->kind, cs_plan_item_get_id (it, side));
		cs_mapping_apply (self->mapping, it->kind, side, values,
				  (const gchar *const *) it->rows[side], cur != NULL ? cur : empty, rec);
	}
	op = cs_write_op_new (action, rec);
	if (action == CS_WRITE_UPDATE && cur != NULL)
		op->current = cs_record_ref (cur);
	return op;
}

/* a probable match: kept with both ids and the reason, listed in the
 * report (not as an error) and by `crmsync-cli duplicates` */
static gboolean
hold_review (CsEngine *self, CsPlanItem *it, CsRunReport *report, GError **error)
{
	g_autofree gchar *crm_label = NULL;
	CsReview r = {it->kind, (gchar *) cs_plan_item_get_id (it, CS_SIDE_CRM),
		      (gchar *) cs_plan_item_get_id (it, CS_SIDE_OUTLOOK), it->reason, NULL, it->label};
	cs_run_report_add_review (report, it->kind, r.crm_id, r.outlook_id, it->label, it->reason);
	if (r.crm_id == NULL || r.outlook_id == NULL)
		return TRUE;
	crm_label = cs_planner_label (it->crm, NULL);
	r.crm_label = crm_label;
	return cs_state_hold_review (self->state, &r, error);
}

/* the journal rows of a link whose new state is stored: this run's own
 * (known by id), and where the kind had rows before the run, any a crashed
 * or failed run left for either record. A first sync has none of the latter
 * and looks for none: that lookup was a fifth of the bookkeeping per item. */
static gboolean
drop_journal (CsEngine *self, ItemState *st, const gchar *crm_id, const gchar *outlook_id,
	      GError **error)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (st->update_journal[s] > 0 &&
		    !cs_state_journal_remove (self->state, st->update_journal[s], error))
			return FALSE;
		st->update_journal[s] = 0;
	}
	if (!self->journal_before[st->item->kind])
		return TRUE;
	return cs_state_journal_remove_for_link (self->state, st->item->kind, crm_id, outlook_id,
						 error);
}

static gboolean
finish_item (CsEngine *self, ItemState *st, CsRunReport *report, GPtrArray *state_skips,
	     GError **error)
{
	CsPlanItem *it = st->item;
	g_autoptr(CsLink) link = NULL;

	if (st->failed)
		return TRUE; /* the link stays as it was: the change is seen again next run */
	if (it->journal_id > 0 && !cs_state_journal_remove (self->state, it->journal_id, error))
		return FALSE;
	if (it->link != NULL && it->link->outlook_id != NULL && self->decisions[it->kind] != NULL &&
	    g_hash_table_contains (self->decisions[it->kind], it->link->outlook_id) &&
	    !cs_state_remove_decisions (self->state, it->kind, it->link->outlook_id, error))
		return FALSE;
	/* what was written, with its before-images: history and undo, committed
	 * with the link in the same transaction */
	if (self->run_id > 0 && cs_plan_item_is_shown (it)) {
		const gchar *ids[CS_SIDE_LAST] = {st->new_id[CS_SIDE_CRM], st->new_id[CS_SIDE_OUTLOOK]};
		/* one entry serves both: history shows it without the rows */
		g_autofree gchar *full_text = cs_plan_item_to_text (it, self->mapping, ids, TRUE);
		if (!cs_state_add_change (self->state, self->run_id, it->kind, full_text, NULL, error))
			return FALSE;
	}
	for (guint i = 0; it->conflicts != NULL && i < it->conflicts->len; i++) {
		CsConflict *c = g_ptr_array_index (it->conflicts, i);
		if (!cs_state_add_conflict (self->state, c, error))
			return FALSE;
		cs_run_report_add_conflict (report, it->kind, c->outlook_id, it->label, c->field);
	}
	count_item (report, it);
	report_item_skips (report, it, state_skips);
	if (it->waiting && it->outlook != NULL && !keep_waiting_email (self, it->outlook, error))
		return FALSE;
	if (!report_item_overwrites (self, report, it, self->state, error))
		return FALSE;
	if (it->action == CS_PLAN_SKIP)
		return TRUE;
	if (it->action == CS_PLAN_REVIEW)
		return hold_review (self, it, report, error);
	if (it->forget || it->delete[CS_SIDE_CRM] || it->delete[CS_SIDE_OUTLOOK]) {
		if (it->link == NULL)
			return TRUE;
		/* a crashed run's update to a record now gone is of no use any more */
		if (!drop_journal (self, st, cs_link_get_id (it->link, CS_SIDE_CRM),
				   cs_link_get_id (it->link, CS_SIDE_OUTLOOK), error))
			return FALSE;
		return cs_state_remove_link (self->state, it->link, error);
	}
	link = it->link != NULL ? cs_link_copy (it->link) : cs_link_new (it->kind);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		CsRecord *r = item_record (it, (CsSide) s);
		if (st->new_id[s] != NULL)
			cs_link_set_id (link, (CsSide) s, st->new_id[s]);
		else if (cs_link_get_id (link, (CsSide) s) == NULL && r != NULL)
			cs_link_set_id (link, (CsSide) s, cs_record_get_id (r));
		if (it->keep_version[s])
			; /* holds a change the user left out: seen as changed, offered again */
		else if (st->wrote[s])
			cs_link_set_version (link, (CsSide) s, st->new_version[s]);
		else if (r != NULL && it->blocked[cs_side_other ((CsSide) s)] == NULL)
			cs_link_set_version (link, (CsSide) s, cs_record_get_version (r));
		if (it->gone[s])
			(s == CS_SIDE_CRM ? (link->crm_gone = TRUE) : (link->outlook_gone = TRUE));
		if (it->create[s])
			(s == CS_SIDE_CRM ? (link->crm_gone = FALSE) : (link->outlook_gone = FALSE));
	}
	if (it->outlook != NULL && cs_record_get_folder (it->outlook) != NULL) {
		g_free (link->folder);
		link->folder = g_strdup (cs_record_get_folder (it->outlook));
	}
	if (it->values != NULL) {
		g_free (link->snapshot);
		link->snapshot = g_strdup (item_values_text (st));
	}
	link->synced_at = g_get_real_time ();
	if (cs_link_get_id (link, CS_SIDE_CRM) == NULL || cs_link_get_id (link, CS_SIDE_OUTLOOK) == NULL)
		return TRUE;
	if (!drop_journal (self, st, cs_link_get_id (link, CS_SIDE_CRM),
			   cs_link_get_id (link, CS_SIDE_OUTLOOK), error))
		return FALSE;
	if (self->merges[it->kind] &&
	    !cs_state_clear_link_merge (self->state, it->kind, cs_link_get_id (link, CS_SIDE_CRM),
					cs_link_get_id (link, CS_SIDE_OUTLOOK), error))
		return FALSE;
	return cs_state_put_link (self->state, link, error);
}

static gboolean
maybe_crash (CsEngine *self)
{
	if (self->fault_after >= 0 && (gint64) self->writes >= self->fault_after) {
		g_printerr ("crmsync: CRMSYNC_FAULT: exiting after write %" G_GUINT64_FORMAT "\n",
			    self->writes);
		_exit (99);
	}
	return FALSE;
}

/* an update built without the target's record (the planner leaves out the
 * side of an item that did not change), now written over @cur */
static void
rebuild_over (CsEngine *self, CsWriteOp *op, CsSide side, CsKind kind, CsRecord *cur)
{
	CsPlanItem *it = ((ItemState *) op->engine_data)->item;
	g_autoptr(CsRecord) rec = cs_record_new (kind, cs_plan_item_get_id (it, side));
	g_autoptr(GHashTable) values = cs_plan_item_values_for (it, side);
	cs_mapping_apply (self->mapping, kind, side, values, (const gchar *const *) it->rows[side], cur,
			  rec);
	g_clear_pointer (&op->record, cs_record_unref);
	op->record = g_steal_pointer (&rec);
	op->current = cs_record_ref (cur);
}

/* updates whose write depends on what the target holds now — the rest of a
 * list of phones behind the first one, the parts of a recurrence rule the
 * other side cannot hold — are written over the target's record: the one
 * this run read, else the provider fetches it (a delta listing leaves out
 * what did not change); without it the write would drop what only the
 * target knows */
static gboolean
fetch_current (CsEngine *self, GPtrArray *ops, CsSide side, CsKind kind,
	       GCancellable *cancellable, GError **error)
{
	CsProvider *provider = self->providers[side];
	g_autoptr(GPtrArray) need = g_ptr_array_new ();
	g_autoptr(GPtrArray) ids = g_ptr_array_new ();
	g_autoptr(GPtrArray) got = NULL;
	g_autoptr(GHashTable) read = NULL;
	GPtrArray *recs;

	for (guint j = 0; j < ops->len; j++) {
		CsWriteOp *op = g_ptr_array_index (ops, j);
		CsPlanItem *it = ((ItemState *) op->engine_data)->item;
		if (op->current == NULL && cs_plan_item_get_id (it, side) != NULL &&
		    cs_mapping_needs_current (self->mapping, kind, side, (const gchar *const *) it->rows[side]))
			g_ptr_array_add (need, op);
	}
	if (need->len == 0)
		return TRUE;
	read = g_hash_table_new (g_str_hash, g_str_equal);
	recs = self->sinks[side][kind] != NULL ? cs_read_sink_get_records (self->sinks[side][kind]) : NULL;
	for (guint j = 0; recs != NULL && j < recs->len; j++) {
		CsRecord *r = g_ptr_array_index (recs, j);
		/* a record whose fields were let go is no current content */
		if (cs_record_get_id (r) != NULL && !cs_record_is_deleted (r)
		    && !cs_record_is_stripped (r))
			g_hash_table_insert (read, (gpointer) cs_record_get_id (r), r);
	}
	for (guint j = 0; j < need->len; j++) {
		CsWriteOp *op = g_ptr_array_index (need, j);
		const gchar *id = cs_plan_item_get_id (((ItemState *) op->engine_data)->item, side);
		CsRecord *cur = g_hash_table_lookup (read, id);
		if (cur != NULL)
			rebuild_over (self, op, side, kind, cur);
		else
			g_ptr_array_add (ids, (gpointer) id);
	}
	if (ids->len == 0 || !cs_provider_can_get (provider))
		return TRUE;
	got = cs_provider_get (provider, kind, ids, cancellable, error);
	if (got == NULL) {
		g_prefix_error (error, _("reading %s from %s: "), cs_kind_to_string (kind),
				cs_provider_get_display_name (provider));
		return FALSE;
	}
	g_hash_table_remove_all (read);
	for (guint j = 0; j < got->len; j++) {
		CsRecord *r = g_ptr_array_index (got, j);
		if (cs_record_get_id (r) != NULL)
			g_hash_table_insert (read, (gpointer) cs_record_get_id (r), r);
	}
	for (guint j = 0; j < need->len; j++) {
		CsWriteOp *op = g_ptr_array_index (need, j);
		const gchar *id = cs_plan_item_get_id (((ItemState *) op->engine_data)->item, side);
		CsRecord *cur = op->current == NULL ? g_hash_table_lookup (read, id) : NULL;
		if (cur != NULL)
			rebuild_over (self, op, side, kind, cur);
	}
	return TRUE;
}

/* one batch of writes to one side: its ops, and the journal rows made for
 * them (removed again when the batch never left) */
typedef struct {
	GPtrArray *ops; /* (element-type CsWriteOp) */
	GArray *journal; /* (element-type gint64) */
} Batch;

static Batch *
batch_new (void)
{
	Batch *b = g_new0 (Batch, 1);
	b->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	b->journal = g_array_new (FALSE, FALSE, sizeof (gint64));
	return b;
}

static void
batch_free (Batch *b)
{
	g_ptr_array_unref (b->ops);
	g_array_unref (b->journal);
	g_free (b);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Batch, batch_free)

/* one pass of run_batches(): the writes of one action to one kind on one side */
typedef struct {
	CsEngine *self;
	GPtrArray *states;
	CsSide side;
	CsKind kind;
	CsWriteAction action;
	CsRunReport *report;
	GPtrArray *state_skips;
	gboolean kind_failed;
	guint next; /* the first state not looked at yet */
} Pass;

/* the ops of the next batch, up to the engine's batch size */
static Batch *
batch_collect (Pass *p)
{
	CsEngine *self = p->self;
	Batch *b = batch_new ();
	while (p->next < p->states->len && b->ops->len < self->batch_size) {
		ItemState *st = g_ptr_array_index (p->states, p->next++);
		CsPlanItem *it = st->item;
		gboolean wants = FALSE;
		CsWriteOp *op;
		/* pending 0: written and committed (maybe released) already */
		if (it->kind != p->kind || st->failed || st->pending == 0)
			continue;
		if (p->action == CS_WRITE_DELETE)
			wants = it->delete[p->side];
		else if (p->action == CS_WRITE_CREATE)
			wants = it->create[p->side];
		else
			wants = !it->create[p->side] && it->rows[p->side] != NULL &&
				it->rows[p->side][0] != NULL;
		if (!wants)
			continue;
		op = make_op (self, it, p->side, p->action);
		op->engine_data = st;
		g_ptr_array_add (b->ops, op);
	}
	return b;
}

/* journals @b before it leaves: a create's values, so that after a crash the
 * next run finds what it made; an update's rows, so that the next run takes
 * them for ours, not for an edit on that side */
static gboolean
batch_journal (Pass *p, Batch *b, GError **error)
{
	CsState *state = p->self->state;
	if (p->action == CS_WRITE_DELETE || b->ops->len == 0)
		return TRUE;
	if (!cs_state_begin (state, error))
		return FALSE;
	for (guint j = 0; j < b->ops->len; j++) {
		CsWriteOp *op = g_ptr_array_index (b->ops, j);
		ItemState *ost = op->engine_data;
		CsPlanItem *item = ost->item;
		gint64 jid;
		if (p->action == CS_WRITE_CREATE) {
			const gchar *src = cs_plan_item_get_id (item, cs_side_other (p->side));
			jid = cs_state_journal_add (state, p->kind, p->side, src ? src : "",
						    item_values_text (ost), error);
			item->journal_id = jid;
		} else {
			const gchar *target = cs_plan_item_get_id (item, p->side);
			g_autoptr(GHashTable) written = g_hash_table_new (g_str_hash, g_str_equal);
			g_autofree gchar *vals = NULL;
			g_autofree gchar *src = NULL;
			/* a row cleared is written as null: it is a value sent too */
			g_autoptr(GVariant) cleared = g_variant_ref_sink (cs_value_null ());
			for (guint r = 0; item->values != NULL && item->rows[p->side] != NULL &&
					  item->rows[p->side][r] != NULL; r++) {
				GVariant *v = g_hash_table_lookup (item->values, item->rows[p->side][r]);
				g_hash_table_insert (written, item->rows[p->side][r],
						     v != NULL ? v : cleared);
			}
			if (target == NULL || g_hash_table_size (written) == 0)
				continue;
			vals = cs_mapping_values_to_string (written);
			src = g_strconcat (CS_JOURNAL_UPDATE_PREFIX, target, NULL);
			jid = cs_state_journal_add (state, p->kind, p->side, src, vals, error);
			ost->update_journal[p->side] = jid;
		}
		if (jid < 0) {
			cs_state_rollback (state);
			return FALSE;
		}
		g_array_append_val (b->journal, jid);
	}
	return cs_state_commit (state, error);
}

/* a batch journalled that never left: its rows would take a later record
 * with the same values for one this run made */
static void
batch_unjournal (Pass *p, Batch *b)
{
	for (guint j = 0; j < b->journal->len; j++)
		cs_state_journal_remove (p->self->state, g_array_index (b->journal, gint64, j), NULL);
	for (guint j = 0; j < b->ops->len; j++) {
		ItemState *ost = ((CsWriteOp *) g_ptr_array_index (b->ops, j))->engine_data;
		if (p->action == CS_WRITE_CREATE)
			ost->item->journal_id = 0;
		else
			ost->update_journal[p->side] = 0;
	}
	g_array_set_size (b->journal, 0);
}

/* what @b's write did, committed in one transaction: ids, versions, links,
 * history; a write that failed is a skip and its journal row goes */
static gboolean
batch_settle (Pass *p, Batch *b, GError **error)
{
	CsEngine *self = p->self;
	if (!cs_state_begin (self->state, error))
		return FALSE;
	for (guint j = 0; j < b->ops->len; j++) {
		CsWriteOp *op = g_ptr_array_index (b->ops, j);
		ItemState *ost = op->engine_data;
		if (op->error != NULL) {
			const gchar *id = cs_plan_item_get_id (ost->item, cs_side_other (p->side));
			g_autofree gchar *reason = g_strdup_printf (
			    _("%s %s: %s"), cs_provider_get_name (self->providers[p->side]),
			    cs_write_action_to_string (p->action), op->error->message);
			ost->failed = TRUE;
			p->kind_failed = TRUE;
			cs_run_report_add_skip (
			    p->report, p->kind,
			    p->action == CS_WRITE_CREATE ? cs_side_other (p->side) : p->side,
			    p->action == CS_WRITE_CREATE ? id : cs_plan_item_get_id (ost->item, p->side),
			    ost->item->label, reason);
			if (ost->item->journal_id > 0 && p->action == CS_WRITE_CREATE)
				cs_state_journal_remove (self->state, ost->item->journal_id, NULL);
			continue;
		}
		ost->wrote[p->side] = p->action != CS_WRITE_DELETE;
		if (p->action == CS_WRITE_CREATE) {
			g_free (ost->new_id[p->side]);
			ost->new_id[p->side] = g_strdup (op->id);
		}
		g_free (ost->new_version[p->side]);
		ost->new_version[p->side] = g_strdup (op->version);
		if (--ost->pending == 0 &&
		    !finish_item (self, ost, p->report, p->state_skips, error)) {
			cs_state_rollback (self->state);
			return FALSE;
		}
	}
	if (!cs_state_commit (self->state, error))
		return FALSE;
	for (guint j = 0; self->release_done && j < b->ops->len; j++) {
		ItemState *ost = ((CsWriteOp *) g_ptr_array_index (b->ops, j))->engine_data;
		if (!ost->failed && ost->pending == 0)
			cs_plan_item_release (ost->item);
	}
	return TRUE;
}

/* the work beside a batch on the wire: settle the one before, make and
 * journal the one after. It touches the state, the mapping, the plan and the
 * report; the engine's thread meanwhile only waits for the provider. */
typedef struct {
	Pass *pass;
	Batch *settle; /* (nullable) written, to settle */
	Batch *made;   /* (out) the next batch, journalled */
	GError *error;
} Beside;

static gboolean
beside_run (Beside *w)
{
	if (w->settle != NULL && !batch_settle (w->pass, w->settle, &w->error))
		return FALSE;
	w->made = batch_collect (w->pass);
	if (!batch_journal (w->pass, w->made, &w->error)) {
		g_clear_pointer (&w->made, batch_free);
		return FALSE;
	}
	return TRUE;
}

static void
beside_thread (gpointer data, gpointer user_data)
{
	Beside *w = data;
	GAsyncQueue *done = user_data;
	beside_run (w);
	g_async_queue_push (done, w);
}

/* the thread beside the writes, kept for the engine's life */
static gboolean
beside_start (CsEngine *self, Beside *w)
{
	if (self->beside_done == NULL) {
		self->beside_done = g_async_queue_new ();
		self->beside_pool =
		    g_thread_pool_new (beside_thread, self->beside_done, 1, TRUE, NULL);
	}
	/* no thread to be had: the same work, in turn */
	if (self->beside_pool == NULL || !g_thread_pool_push (self->beside_pool, w, NULL)) {
		beside_run (w);
		return FALSE;
	}
	return TRUE;
}

static void
pass_progress (CsEngine *self, Pass *p, guint written, guint *done_ops, guint total_ops)
{
	g_autofree gchar *msg = NULL;
	*done_ops += written;
	if (self->in_chunk) {
		/* as far as the listing is read: the chunks' totals are not known */
		guint read = self->stream_read[0], listed = self->stream_read[1];
		self->stream_written += written;
		msg = g_strdup_printf (_("Writing %s to %s: %u of %u"), cs_kind_get_label (p->kind),
				       cs_provider_get_display_name (self->providers[p->side]),
				       self->stream_written, MAX (self->stream_written, listed));
		progress (self, CS_PHASE_APPLY, listed > 0 ? (gdouble) read / listed : 0, msg);
		return;
	}
	msg = g_strdup_printf (_("Writing %s to %s: %u of %u"), cs_kind_get_label (p->kind),
			       cs_provider_get_display_name (self->providers[p->side]), *done_ops,
			       total_ops);
	progress (self, CS_PHASE_APPLY, total_ops > 0 ? (gdouble) *done_ops / total_ops : 1, msg);
}

/*
 * Writes one action to one kind on one side, in batches. While a batch is on
 * the wire, a thread beside settles the batch before it (links, history)
 * and makes and journals the batch after it, so the service never waits for
 * our own bookkeeping. What a crash may leave is what it could leave before:
 * every batch is journalled before it leaves, its links are committed after
 * it came back, the cursors move after the run. A batch that never left is
 * taken out of the journal again.
 */
static gboolean
run_batches (CsEngine *self, GPtrArray *states, CsSide side, CsKind kind, CsWriteAction action,
	     CsRunReport *report, GPtrArray *state_skips, gboolean *kind_failed, guint *done_ops,
	     guint total_ops, GCancellable *cancellable, GError **error)
{
	Pass p = {self, states, side, kind, action, report, state_skips, FALSE, 0};
	g_autoptr(Batch) cur = batch_collect (&p);
	g_autoptr(Batch) prev = NULL;
	gboolean failed = FALSE;

	if (!batch_journal (&p, cur, error)) {
		g_clear_pointer (&cur, batch_free);
		failed = TRUE;
	}
	while (!failed && cur->ops->len > 0) {
		Beside w = {&p, NULL, NULL, NULL};
		g_autoptr(GError) write_error = NULL;
		gboolean threaded, wrote;
		if (action == CS_WRITE_UPDATE &&
		    !fetch_current (self, cur->ops, side, kind, cancellable, error)) {
			p.kind_failed = TRUE;
			failed = TRUE;
			break;
		}
		if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
		    stop_requested (self, error)) {
			failed = TRUE;
			break;
		}
		w.settle = g_steal_pointer (&prev);
		threaded = beside_start (self, &w);
		wrote = cs_provider_write (self->providers[side], kind, cur->ops, cancellable,
					   &write_error);
		if (threaded)
			g_async_queue_pop (self->beside_done);
		g_clear_pointer (&w.settle, batch_free);
		if (!wrote) {
			g_propagate_prefixed_error (error, g_steal_pointer (&write_error),
						    _("writing %s to %s: "), cs_kind_to_string (kind),
						    cs_provider_get_display_name (self->providers[side]));
			p.kind_failed = TRUE;
			failed = TRUE;
			/* the one made beside never left; this one may have, in part:
			 * its journal rows stay for the next run to find */
			if (w.made != NULL)
				batch_unjournal (&p, w.made);
			g_clear_pointer (&w.made, batch_free);
			g_clear_error (&w.error);
			g_clear_pointer (&cur, batch_free);
			break;
		}
		for (guint j = 0; j < cur->ops->len; j++) {
			CsWriteOp *op = g_ptr_array_index (cur->ops, j);
			if (op->error == NULL) {
				self->writes++;
				maybe_crash (self);
			}
		}
		/* a cursor that remembers which records exist must know the ones
		 * this run made or removed, else a record created here and deleted
		 * there before the next run is never seen gone */
		if (action != CS_WRITE_UPDATE && self->sinks[side][kind] != NULL) {
			CsReadSink *sink = self->sinks[side][kind];
			g_autofree gchar *next = cs_provider_cursor_after_write (
			    self->providers[side], kind, cs_read_sink_get_cursor (sink), cur->ops);
			if (next != NULL)
				cs_read_sink_set_cursor (sink, next);
		}
		pass_progress (self, &p, cur->ops->len, done_ops, total_ops);
		prev = g_steal_pointer (&cur);
		if (w.error != NULL) {
			/* the state failed beside: what left is in the journal for
			 * the next run, as after a crash */
			g_propagate_error (error, w.error);
			g_clear_pointer (&prev, batch_free);
			failed = TRUE;
			break;
		}
		cur = w.made;
	}
	/* a batch journalled that did not leave (a stop, a failed read) */
	if (cur != NULL && failed)
		batch_unjournal (&p, cur);
	/* the last batch written, or the one before a stop or a failed write */
	if (prev != NULL && !batch_settle (&p, prev, failed ? NULL : error))
		failed = TRUE;
	if (p.kind_failed)
		*kind_failed = TRUE;
	return !failed;
}

static gboolean
report_waiting_conflicts (CsEngine *self, CsRunReport *report, GError **error)
{
	g_autoptr(GPtrArray) waiting = cs_state_get_conflicts (self->state, error);
	JsonArray *seen = cs_run_report_get_conflicts (report);
	if (waiting == NULL)
		return FALSE;
	for (guint i = 0; i < waiting->len; i++) {
		CsConflict *c = g_ptr_array_index (waiting, i);
		gboolean known = FALSE;
		g_autofree gchar *label = NULL;
		if (!cs_engine_is_enabled (self, c->kind))
			continue;
		for (guint j = 0; j < json_array_get_length (seen) && !known; j++) {
			JsonObject *o = json_array_get_object_element (seen, j);
			known = g_strcmp0 (json_object_get_string_member (o, "kind"), cs_kind_to_string (c->kind)) == 0 &&
				g_strcmp0 (json_object_get_string_member (o, "id"), c->outlook_id) == 0 &&
				g_strcmp0 (json_object_get_string_member (o, "field"), c->field) == 0;
		}
		if (known)
			continue;
		label = cs_state_get_link_label (self->state, c->kind, c->outlook_id, c->crm_id);
		cs_run_report_add_conflict (report, c->kind, c->outlook_id, label, c->field);
	}
	return TRUE;
}

/**
 * cs_engine_apply:
 * @plan: from cs_engine_prepare(); unticked items are left out
 *
 * Returns: (transfer full): the report; %NULL with @error when the run
 *   could not go on (network, auth, disk)
 */
CsRunReport *
cs_engine_apply (CsEngine *self, CsSyncPlan *plan, CsRunFlags flags, GCancellable *cancellable,
		 GError **error)
{
	CsRunReport *report;
	gboolean outer = self->lock_depth == 0;
	if (!engine_lock (self, error))
		return NULL;
	/* a plan shown for review (Sync all) while another run synced is stale:
	 * applied, it could create again what that run created */
	if (outer && newest_run (self) != self->planned_after) {
		g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
				     _("another sync of this profile ran since this plan was made; nothing was changed, look at the changes again"));
		engine_unlock (self);
		return NULL;
	}
	report = apply_locked (self, plan, flags, cancellable, error);
	engine_unlock (self);
	return report;
}

/* writes @items (selected ones) in batches: deletions, updates, creates,
 * each batch journalled and committed with its links; items with nothing
 * to write are settled first */
static gboolean
apply_items (CsEngine *self, GPtrArray *items, CsRunReport *report, GPtrArray *state_skips,
	     gboolean *kind_failed, GCancellable *cancellable, GError **error)
{
	g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func ((GDestroyNotify) item_state_free);
	guint total_ops = 0, done_ops = 0;
	static const CsWriteAction order[] = {CS_WRITE_DELETE, CS_WRITE_UPDATE, CS_WRITE_CREATE};
	g_autoptr(GError) error_local = NULL;
	g_autoptr (GPtrArray) settled = NULL;

	/* items with nothing to write are settled first, in one transaction */
	if (!cs_state_begin (self->state, error))
		return FALSE;
	settled = g_ptr_array_new ();
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		ItemState *st;
		if (!it->selected)
			continue;
		st = g_new0 (ItemState, 1);
		st->item = it;
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			if (it->create[s] || it->delete[s] || (it->rows[s] != NULL && it->rows[s][0] != NULL))
				st->pending++;
		}
		total_ops += st->pending;
		if (st->pending == 0) {
			if (!finish_item (self, st, report, state_skips, error)) {
				cs_state_rollback (self->state);
				item_state_free (st);
				return FALSE;
			}
			item_state_free (st);
			g_ptr_array_add (settled, it);
			continue;
		}
		g_ptr_array_add (states, st);
	}
	if (!cs_state_commit (self->state, error))
		return FALSE;
	for (guint i = 0; self->release_done && i < settled->len; i++)
		cs_plan_item_release (g_ptr_array_index (settled, i));

	for (guint a = 0; a < G_N_ELEMENTS (order); a++) {
		for (guint k = 0; k < CS_KIND_LAST; k++) {
			for (guint s = 0; s < CS_SIDE_LAST; s++) {
				if (!run_batches (self, states, (CsSide) s, (CsKind) k, order[a], report,
						  state_skips, &kind_failed[k], &done_ops, total_ops,
						  cancellable, &error_local)) {
					/* what was committed stays; cursors do not move */
					g_propagate_error (error, g_steal_pointer (&error_local));
					return FALSE;
				}
			}
		}
	}
	return TRUE;
}

static CsRunReport *
apply_locked (CsEngine *self, CsSyncPlan *plan, CsRunFlags flags, GCancellable *cancellable,
	      GError **error)
{
	/* a streamed run's chunks wrote already: their counts and skips go on */
	g_autoptr(CsRunReport) report =
	    self->stream_report != NULL ? g_steal_pointer (&self->stream_report) : cs_run_report_new ();
	g_autoptr(GPtrArray) state_skips =
	    self->stream_skips != NULL
		? g_steal_pointer (&self->stream_skips)
		: g_ptr_array_new_with_free_func ((GDestroyNotify) cs_state_skip_free);
	GPtrArray *items = cs_sync_plan_get_items (plan);
	gboolean kind_failed[CS_KIND_LAST] = {FALSE};

	/* the field changes the user unticked are left out before anything counts them */
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		if (it->selected)
			cs_plan_item_leave_unticked (it, self->mapping);
	}
	if ((flags & CS_RUN_FLAG_FORCE_DELETE) == 0 && !check_guards (self, plan, report))
		cs_run_report_set_guard_confirm (report, CS_RUN_FLAG_FORCE_DELETE);
	else if ((flags & CS_RUN_FLAG_FORCE) == 0 && !check_update_guard (self, plan, report))
		cs_run_report_set_guard_confirm (report, CS_RUN_FLAG_FORCE);
	if (cs_run_report_get_guard_confirm (report) != 0) {
		/* stopped: the user sees what it would have done before confirming */
		for (guint i = 0; i < items->len; i++) {
			CsPlanItem *it = g_ptr_array_index (items, i);
			if (it->selected && cs_plan_item_is_shown (it))
				cs_run_report_add_plan_entry (report, plan_entry (self, it));
		}
		cs_run_report_set_status (report, CS_RUN_STOPPED);
		return g_steal_pointer (&report);
	}
	if (flags & CS_RUN_FLAG_DRY_RUN) {
		cs_run_report_set_dry_run (report, TRUE);
		for (guint i = 0; i < items->len; i++) {
			CsPlanItem *it = g_ptr_array_index (items, i);
			count_item (report, it);
			report_item_skips (report, it, NULL);
			report_item_overwrites (self, report, it, NULL, NULL);
			for (guint c = 0; it->conflicts != NULL && c < it->conflicts->len; c++) {
				CsConflict *con = g_ptr_array_index (it->conflicts, c);
				cs_run_report_add_conflict (report, it->kind, con->outlook_id, it->label, con->field);
			}
			if (it->action == CS_PLAN_REVIEW)
				cs_run_report_add_review (report, it->kind, cs_plan_item_get_id (it, CS_SIDE_CRM),
							  cs_plan_item_get_id (it, CS_SIDE_OUTLOOK), it->label,
							  it->reason);
			if (cs_plan_item_is_shown (it))
				cs_run_report_add_plan_entry (report, plan_entry (self, it));
		}
		if (!report_waiting_conflicts (self, report, error))
			return NULL;
		cs_run_report_set_status (report, cs_run_report_get_n_skipped (report) > 0 ||
							  cs_run_report_get_n_conflicts (report) > 0
						      ? CS_RUN_PARTIAL
						      : CS_RUN_OK);
		return g_steal_pointer (&report);
	}

	memcpy (kind_failed, self->stream_failed, sizeof (kind_failed));
	if (!apply_items (self, items, report, state_skips, kind_failed, cancellable, error))
		return NULL;

	/* cursors move only past what is committed */
	if (!cs_state_begin (self->state, error))
		return NULL;
	for (guint k = 0; k < CS_KIND_LAST && !self->keep_cursors; k++) {
		if (!cs_engine_is_enabled (self, (CsKind) k) || kind_failed[k])
			continue;
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			CsReadSink *sink = self->sinks[s][k];
			if (sink == NULL || cs_read_sink_get_cursor (sink) == NULL)
				continue;
			if (!cs_state_set_cursor (self->state, (CsSide) s, (CsKind) k,
						  cs_read_sink_get_cursor (sink), error) ||
			    /* past what it read and left alone too: held, to be read again */
			    !cs_held_update (self->state, (CsSide) s, (CsKind) k,
					     cs_profile_get_kind_config (self->profile, (CsKind) k),
					     sink, items,
					     (cs_provider_get_caps (self->providers[s], (CsKind) k) &
					      CS_CAP_DELTA) != 0,
					     persons_changed (self, (CsSide) s, (CsKind) k), error)) {
				cs_state_rollback (self->state);
				return NULL;
			}
		}
	}
	if (self->rows_signature != NULL && !self->keep_cursors) {
		if (!cs_state_set_setting (self->state, "optional-rows", self->rows_signature,
					   error)) {
			cs_state_rollback (self->state);
			return NULL;
		}
		g_clear_pointer (&self->rows_signature, g_free);
	}
	/* conflicts found before and still waiting for the user: a side that lists
	 * only its changes does not show them again, yet the run is not done */
	if (!report_waiting_conflicts (self, report, error)) {
		cs_state_rollback (self->state);
		return NULL;
	}
	/* records a provider could not read */
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		for (guint k = 0; k < CS_KIND_LAST; k++) {
			GPtrArray *skips = self->sinks[s][k] != NULL ? cs_read_sink_get_skips (self->sinks[s][k]) : NULL;
			for (guint i = 0; skips != NULL && i < skips->len; i++) {
				CsSkip *sk = g_ptr_array_index (skips, i);
				CsStateSkip *ss = g_new0 (CsStateSkip, 1);
				cs_run_report_add_skip (report, sk->kind, (CsSide) s, sk->id, NULL, sk->reason);
				ss->kind = sk->kind;
				ss->side = (CsSide) s;
				ss->id = g_strdup (sk->id);
				ss->reason = g_strdup (sk->reason);
				g_ptr_array_add (state_skips, ss);
			}
		}
	}
	if (!cs_state_set_skips (self->state, state_skips, error) || !cs_state_commit (self->state, error)) {
		cs_state_rollback (self->state);
		return NULL;
	}
	progress (self, CS_PHASE_APPLY, 1.0, _("Done"));
	cs_run_report_set_status (report, cs_run_report_get_n_skipped (report) > 0 ||
						  cs_run_report_get_n_conflicts (report) > 0
					      ? CS_RUN_PARTIAL
					      : CS_RUN_OK);
	return g_steal_pointer (&report);
}

CsExitCode
cs_engine_exit_code_for_error (const GError *error)
{
	if (error == NULL)
		return CS_EXIT_OK;
	/* another run holds the profile: nothing is wrong with the profile (not 2),
	 * the local state cannot be written now (5); run again later */
	if (g_error_matches (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY))
		return CS_EXIT_LOCAL;
	if (error->domain == CS_ENGINE_ERROR || error->domain == CS_PROFILE_ERROR)
		return CS_EXIT_CONFIG;
	if (error->domain == CS_PROVIDER_ERROR) {
		switch (error->code) {
		case CS_PROVIDER_ERROR_INVALID:
		case CS_PROVIDER_ERROR_CORRUPT:
			return CS_EXIT_CONFIG;
		case CS_PROVIDER_ERROR_NO_SPACE:
			return CS_EXIT_LOCAL;
		default:
			return CS_EXIT_UNREACHABLE;
		}
	}
	if (error->domain == CS_STATE_ERROR)
		return error->code == CS_STATE_ERROR_TOO_NEW ? CS_EXIT_CONFIG : CS_EXIT_LOCAL;
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ||
	    g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC))
		return CS_EXIT_LOCAL;
	return CS_EXIT_UNREACHABLE;
}

/* a run: planned by @undo (take back a run), given (@given: the Sync all
 * preview's, with what the user unticked left out) or by reading both sides,
 * applied, and recorded in the history whatever its outcome */
static CsRunReport *
run_common (CsEngine *self, CsRunFlags flags, gboolean undo, CsSyncPlan *given,
	    GCancellable *cancellable, GError **error)
{
	g_autoptr(CsSyncPlan) plan = NULL;
	g_autoptr(CsRunReport) report = NULL;
	g_autoptr(GError) error_local = NULL;
	gint64 run_id = -1;
	gint64 undo_of = 0;
	const gchar *trigger = undo ? "undo" : (flags & CS_RUN_FLAG_ALL) ? "sync-all" : "sync";

	if (self->running) {
		g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
				     _("a sync is already running for this profile"));
		return NULL;
	}
	if (!engine_lock (self, error))
		return NULL;
	self->running = TRUE;
	self->writes = 0;
	if ((flags & CS_RUN_FLAG_DRY_RUN) == 0)
		run_id = cs_state_run_begin (self->state, trigger, NULL);
	self->run_id = run_id > 0 ? run_id : 0;
	self->keep_cursors = undo;
	self->release_done = given == NULL;
	/* a plan applied as it is made: nobody looks at it first */
	self->stream_wanted = given == NULL && !undo;
	if (given != NULL)
		plan = g_object_ref (given);
	else if (undo) {
		for (guint k = 0; k < CS_KIND_LAST; k++)
			self->journal_before[k] = TRUE;
		plan = cs_undo_prepare (self, &undo_of, cancellable, &error_local);
	}
	else
		plan = cs_engine_prepare (self, flags, cancellable, &error_local);
	if (plan != NULL)
		report = cs_engine_apply (self, plan, flags, cancellable, &error_local);
	if (run_id >= 0) {
		g_autofree gchar *text = NULL;
		g_autofree gchar *status = g_strdup ("failed");
		if (report != NULL) {
			g_autoptr(JsonNode) n = cs_run_report_to_json (report);
			text = cs_json_to_string (n, FALSE);
			g_free (status);
			status = g_strdup (json_object_get_string_member (json_node_get_object (n), "status"));
		}
		cs_state_run_finish (self->state, run_id, status, text,
				     error_local != NULL ? error_local->message : NULL, NULL);
		if (undo && undo_of > 0 && report != NULL &&
		    cs_run_report_get_status (report) != CS_RUN_STOPPED)
			cs_state_mark_undone (self->state, undo_of, run_id, NULL);
		cs_state_prune_changes (self->state, cs_profile_get_keep_runs (self->profile), NULL);
	}
	self->run_id = 0;
	self->keep_cursors = FALSE;
	self->release_done = FALSE;
	self->stream_wanted = FALSE;
	self->outlook_first = FALSE;
	clear_streams (self);
	if (given == NULL) {
		clear_sinks (self);
		clear_decisions (self);
	}
	self->running = FALSE;
	engine_unlock (self);
	if (report == NULL) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return NULL;
	}
	return g_steal_pointer (&report);
}

/**
 * cs_engine_run:
 *
 * A whole run, recorded in the state's history whatever its outcome.
 *
 * Returns: (transfer full): %NULL with @error when the run failed as a whole
 */
CsRunReport *
cs_engine_run (CsEngine *self, CsRunFlags flags, GCancellable *cancellable, GError **error)
{
	return run_common (self, flags, FALSE, NULL, cancellable, error);
}

/**
 * cs_engine_apply_run:
 * @plan: from cs_engine_prepare(), with the user's ticks
 *
 * Applies a plan prepared earlier (the Sync all preview) as a whole run:
 * recorded in the history, with what it changed kept for `undo`.
 *
 * Returns: (transfer full): %NULL with @error when the run failed as a whole
 */
CsRunReport *
cs_engine_apply_run (CsEngine *self, CsSyncPlan *plan, CsRunFlags flags, GCancellable *cancellable,
		     GError **error)
{
	return run_common (self, flags, FALSE, plan, cancellable, error);
}

/**
 * cs_engine_undo:
 *
 * Takes back the newest run not yet undone, on both sides: updates restored
 * field by field (a field changed since is a conflict, not overwritten),
 * creates deleted when unchanged since, deletions recreated and relinked.
 * It is a run like any other: guards, report, history, and undone in turn.
 *
 * Returns: (transfer full): %NULL with @error when the run failed as a whole
 */
CsRunReport *
cs_engine_undo (CsEngine *self, CsRunFlags flags, GCancellable *cancellable, GError **error)
{
	return run_common (self, flags, TRUE, NULL, cancellable, error);
}

/* for cs-undo.c: read these kinds (a mask of 1 << CsKind) on both sides, whole */
gboolean
cs_engine_read_all (CsEngine *self, guint kinds, GCancellable *cancellable, GError **error)
{
	gboolean ok;
	clear_sinks (self);
	self->read_only_kinds = kinds;
	ok = ensure_open_side (self, CS_SIDE_CRM, cancellable, error) &&
	     read_side (self, CS_SIDE_CRM, CS_RUN_FLAG_ALL, cancellable, error) &&
	     ensure_open_side (self, CS_SIDE_OUTLOOK, cancellable, error) &&
	     read_side (self, CS_SIDE_OUTLOOK, CS_RUN_FLAG_ALL, cancellable, error);
	self->read_only_kinds = 0;
	return ok;
}

CsReadSink *
cs_engine_get_sink (CsEngine *self, CsSide side, CsKind kind)
{
	return self->sinks[side][kind];
}

gint64
cs_engine_get_run_id (CsEngine *self)
{
	return self->run_id;
}

static void
run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	CsEngine *self = CS_ENGINE (source);
	GError *error = NULL;
	CsRunReport *report = cs_engine_run (self, (CsRunFlags) GPOINTER_TO_UINT (task_data), cancellable, &error);
	if (report == NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, report, g_object_unref);
}

/**
 * cs_engine_run_async:
 *
 * Runs in a worker thread: the GTK thread only draws. Progress signals are
 * emitted in that worker thread.
 */
void
cs_engine_run_async (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
		     GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
	g_task_set_task_data (task, GUINT_TO_POINTER (flags), NULL);
	g_task_run_in_thread (task, run_thread);
}

CsRunReport *
cs_engine_run_finish (CsEngine *self, GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
cs_engine_is_running (CsEngine *self)
{
	return self->running;
}
