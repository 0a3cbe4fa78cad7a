/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "cs-profile-store.h"
#include "cs-plugin-loader.h"
#include "cs-sync-profile.h"

/*
 * One profile as the app sees it: the file, its engine and scheduler (made
 * on demand, so the window can show a profile before any plugin is loaded)
 * and a read-only state connection for the GTK thread. The engine's own
 * connection belongs to the worker thread that runs the sync.
 */
struct _CsSyncProfile {
	GObject parent_instance;
	gchar *path;		  /* (owned) */
	CsProfile *profile;	  /* (owned) */
	CsSecrets *secrets;	  /* (owned) */
	CsEngine *engine;	  /* (owned) (nullable) */
	CsScheduler *scheduler;	  /* (owned) (nullable) */
	CsState *state;		  /* (owned) (nullable) GTK thread only */
	guint manual;		  /* runs started by the user that hold the scheduler */
	gboolean started;
	GError *load_error;	  /* (owned) (nullable) the file cannot be read: no profile */
	gchar *last_error;	  /* (owned) (nullable) why the last run failed */
	CsSyncFix fix;
	gboolean history_read;	  /* last_error was looked up in the state's history */
	gboolean no_sign_in;	  /* quitting: a run that needs a sign-in stops instead */
};

G_DEFINE_TYPE (CsSyncProfile, cs_sync_profile, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_RUN_FINISHED, SIGNAL_SIGN_IN_CODE, SIGNAL_CANCEL_REQUESTED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static void
drop_engine (CsSyncProfile *self)
{
	if (self->scheduler != NULL) {
		g_signal_handlers_disconnect_by_data (self->scheduler, self);
		cs_scheduler_stop (self->scheduler);
	}
	g_clear_object (&self->scheduler);
	g_clear_object (&self->engine);
	g_clear_object (&self->state);
}

static void
cs_sync_profile_dispose (GObject *object)
{
	CsSyncProfile *self = CS_SYNC_PROFILE (object);
	drop_engine (self);
	G_OBJECT_CLASS (cs_sync_profile_parent_class)->dispose (object);
}

static void
cs_sync_profile_finalize (GObject *object)
{
	CsSyncProfile *self = CS_SYNC_PROFILE (object);
	g_free (self->path);
	g_clear_error (&self->load_error);
	g_free (self->last_error);
	g_clear_object (&self->profile);
	g_clear_object (&self->secrets);
	G_OBJECT_CLASS (cs_sync_profile_parent_class)->finalize (object);
}

static void
cs_sync_profile_class_init (CsSyncProfileClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	object_class->dispose = cs_sync_profile_dispose;
	object_class->finalize = cs_sync_profile_finalize;
	/* something the window shows changed: a run, the settings, the state */
	signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
						G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						G_TYPE_NONE, 0);
	/**
	 * CsSyncProfile::run-finished:
	 * @report: (nullable)
	 * @error: (nullable)
	 *
	 * A background or manual run ended (emitted in the GTK thread).
	 */
	signals[SIGNAL_RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass),
						     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						     G_TYPE_NONE, 2, CS_TYPE_RUN_REPORT,
						     G_TYPE_ERROR);
	/**
	 * CsSyncProfile::sign-in-code:
	 * @uri: where to sign in
	 * @code: the code to enter there
	 *
	 * A run waits for the user to sign in to Microsoft (emitted in the GTK thread);
	 * "run-finished" follows when it is done, whichever way.
	 */
	signals[SIGNAL_SIGN_IN_CODE] = g_signal_new ("sign-in-code", G_TYPE_FROM_CLASS (klass),
						     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						     G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
	/**
	 * CsSyncProfile::cancel-requested:
	 *
	 * The user stopped the run under way (closed its sign-in): a window running it cancels.
	 */
	signals[SIGNAL_CANCEL_REQUESTED] = g_signal_new ("cancel-requested", G_TYPE_FROM_CLASS (klass),
							 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
							 G_TYPE_NONE, 0);
}

/* what the user can do about @error, by its kind */
static CsSyncFix
fix_for_error (CsSyncProfile *self, const GError *error)
{
	if (error->domain == CS_PROVIDER_ERROR) {
		switch (error->code) {
		case CS_PROVIDER_ERROR_AUTH: {
			/* the Microsoft side signs in again; a CRM's key is corrected in the settings */
			CsEngine *engine = self->engine;
			CsProvider *outlook = engine != NULL ? cs_engine_get_provider (engine, CS_SIDE_OUTLOOK) : NULL;
			if (outlook != NULL && g_signal_lookup ("device-code", G_OBJECT_TYPE (outlook)) != 0 &&
			    g_str_has_prefix (error->message, cs_provider_get_display_name (outlook)))
				return CS_SYNC_FIX_SIGN_IN;
			return CS_SYNC_FIX_SETTINGS;
		}
		case CS_PROVIDER_ERROR_INVALID:
		case CS_PROVIDER_ERROR_NOT_FOUND:
		case CS_PROVIDER_ERROR_CORRUPT:
			return CS_SYNC_FIX_SETTINGS;
		default:
			return CS_SYNC_FIX_RETRY;
		}
	}
	if (error->domain == CS_ENGINE_ERROR || error->domain == CS_PROFILE_ERROR ||
	    error->domain == G_FILE_ERROR || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
		return CS_SYNC_FIX_SETTINGS;
	return CS_SYNC_FIX_RETRY;
}

/* every run, from the timers or a window, ends here first: the profile remembers how */
static void
own_run_finished_cb (CsSyncProfile *self, CsRunReport *report, GError *error)
{
	self->history_read = TRUE;
	if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	g_clear_pointer (&self->last_error, g_free);
	self->fix = CS_SYNC_FIX_NONE;
	if (error != NULL) {
		self->last_error = g_strdup (error->message);
		self->fix = fix_for_error (self, error);
	}
}

static void
cs_sync_profile_init (CsSyncProfile *self)
{
	g_signal_connect (self, "run-finished", G_CALLBACK (own_run_finished_cb), NULL);
}

/**
 * cs_sync_profile_new_broken:
 * @load_error: why the file cannot be read
 *
 * A profile whose file has an error: listed with it, so that the user can edit or remove
 * it; it never runs.
 */
CsSyncProfile *
cs_sync_profile_new_broken (const gchar *path, CsSecrets *secrets, const GError *load_error)
{
	CsSyncProfile *self = g_object_new (CS_TYPE_SYNC_PROFILE, NULL);
	g_autofree gchar *dir = g_path_get_dirname (path);
	g_autofree gchar *prefix = g_strdup_printf ("%s/", dir);
	self->path = g_strdup (path);
	self->secrets = g_object_ref (secrets);
	self->load_error = g_error_copy (load_error);
	/* the user knows the profile by its name, not by the folder it is kept in */
	if (strstr (self->load_error->message, prefix) != NULL) {
		g_autoptr(GString) m = g_string_new (self->load_error->message);
		g_string_replace (m, prefix, "", 0);
		g_free (self->load_error->message);
		self->load_error->message = g_string_free (g_steal_pointer (&m), FALSE);
	}
	self->fix = CS_SYNC_FIX_SETTINGS;
	self->history_read = TRUE;
	return self;
}

const GError *
cs_sync_profile_get_load_error (CsSyncProfile *self)
{
	return self->load_error;
}

/**
 * cs_sync_profile_get_last_error:
 *
 * Returns: (nullable): why the profile cannot run or its last run failed, or %NULL when
 * its last run did not fail
 */
const gchar *
cs_sync_profile_get_last_error (CsSyncProfile *self)
{
	if (self->load_error != NULL)
		return self->load_error->message;
	if (!self->history_read) {
		g_autofree gchar *path = cs_profile_get_state_path (self->profile);
		/* a profile that never ran has no history (and gets no state file from a look) */
		CsState *state = g_file_test (path, G_FILE_TEST_EXISTS) ? cs_sync_profile_get_state (self, NULL) : NULL;
		g_autoptr(GPtrArray) runs = state != NULL ? cs_state_get_runs (state, 1, NULL) : NULL;
		self->history_read = TRUE;
		if (runs != NULL && runs->len > 0) {
			CsRunInfo *r = g_ptr_array_index (runs, 0);
			if (g_strcmp0 (r->status, "failed") == 0 && r->error != NULL) {
				self->last_error = g_strdup (r->error);
				self->fix = CS_SYNC_FIX_RETRY;
			}
		}
	}
	return self->last_error;
}

CsSyncFix
cs_sync_profile_get_fix (CsSyncProfile *self)
{
	return cs_sync_profile_get_last_error (self) != NULL ? self->fix : CS_SYNC_FIX_NONE;
}

/**
 * cs_sync_profile_get_sides_label:
 *
 * Returns: (transfer full): the two sides as the user knows them, "OroCRM ↔ Microsoft 365"
 */
gchar *
cs_sync_profile_get_sides_label (CsSyncProfile *self)
{
	CsPluginLoader *loader = cs_plugin_loader_get_default ();
	if (self->profile == NULL)
		return g_strdup ("");
	/* TRANSLATORS: the two sides of a profile, e.g. "OroCRM ↔ Microsoft 365" */
	return g_strdup_printf (_("%s ↔ %s"),
				cs_plugin_loader_get_display_name (loader, cs_profile_get_plugin (self->profile, CS_SIDE_CRM)),
				cs_plugin_loader_get_display_name (loader, cs_profile_get_plugin (self->profile, CS_SIDE_OUTLOOK)));
}

/**
 * cs_sync_profile_set_sign_in_allowed:
 * @allowed: %FALSE while the app quits: a run that would wait for a sign-in stops
 */
void
cs_sync_profile_set_sign_in_allowed (CsSyncProfile *self, gboolean allowed)
{
	self->no_sign_in = !allowed;
}

/**
 * cs_sync_profile_cancel:
 *
 * Stops the run under way (a background one too) at its next safe point.
 */
void
cs_sync_profile_cancel (CsSyncProfile *self)
{
	/* a run from a window (progress, Sync all) belongs to that window */
	g_signal_emit (self, signals[SIGNAL_CANCEL_REQUESTED], 0);
	if (self->scheduler != NULL)
		cs_scheduler_cancel_run (self->scheduler);
}

CsSyncProfile *
cs_sync_profile_new (const gchar *path, CsSecrets *secrets, GError **error)
{
	g_autoptr(CsSyncProfile) self = g_object_new (CS_TYPE_SYNC_PROFILE, NULL);
	self->path = g_strdup (path);
	self->secrets = g_object_ref (secrets);
	/* a system profile with the user's own settings laid over it */
	self->profile = cs_profile_store_load (path, error);
	if (self->profile == NULL)
		return NULL;
	return g_steal_pointer (&self);
}

const gchar *
cs_sync_profile_get_path (CsSyncProfile *self)
{
	return self->path;
}

const gchar *
cs_sync_profile_get_name (CsSyncProfile *self)
{
	if (self->profile == NULL) {
		/* a broken file: its name without the folder and .ini */
		if (g_object_get_data (G_OBJECT (self), "file-name") == NULL) {
			g_autofree gchar *base = g_path_get_basename (self->path);
			if (g_str_has_suffix (base, ".ini"))
				base[strlen (base) - 4] = '\0';
			g_object_set_data_full (G_OBJECT (self), "file-name", g_steal_pointer (&base), g_free);
		}
		return g_object_get_data (G_OBJECT (self), "file-name");
	}
	return cs_profile_get_name (self->profile);
}

CsProfile *
cs_sync_profile_get_profile (CsSyncProfile *self)
{
	return self->profile;
}

CsSecrets *
cs_sync_profile_get_secrets (CsSyncProfile *self)
{
	return self->secrets;
}

typedef struct {
	GWeakRef profile;
	gchar *uri;
	gchar *code;
} SignInCode;

static gboolean
sign_in_code_idle_cb (gpointer user_data)
{
	SignInCode *sc = user_data;
	g_autoptr(CsSyncProfile) self = g_weak_ref_get (&sc->profile);
	/* while the app quits nobody is there to sign in: the run stops, the app can go */
	if (self != NULL && self->no_sign_in)
		cs_sync_profile_cancel (self);
	else if (self != NULL)
		g_signal_emit (self, signals[SIGNAL_SIGN_IN_CODE], 0, sc->uri, sc->code);
	g_weak_ref_clear (&sc->profile);
	g_free (sc->uri);
	g_free (sc->code);
	g_free (sc);
	return G_SOURCE_REMOVE;
}

/* emitted in the engine's worker thread: the dialog belongs to the GTK thread */
static void
device_code_cb (GObject *provider, const gchar *uri, const gchar *code, const gchar *message,
		gpointer user_data)
{
	SignInCode *sc = g_new0 (SignInCode, 1);
	g_weak_ref_init (&sc->profile, user_data);
	sc->uri = g_strdup (uri);
	sc->code = g_strdup (code);
	/* the app shows it; the plugin's own log line is for the CLI */
	g_signal_stop_emission_by_name (provider, "device-code");
	g_idle_add (sign_in_code_idle_cb, sc);
}

/**
 * cs_sync_profile_get_engine:
 *
 * Returns: (transfer none): the engine, made on first use
 */
CsEngine *
cs_sync_profile_get_engine (CsSyncProfile *self, GError **error)
{
	if (self->load_error != NULL) {
		if (error != NULL)
			*error = g_error_copy (self->load_error);
		return NULL;
	}
	if (self->engine == NULL) {
		self->engine = cs_engine_new (self->profile, self->secrets, error);
		/* a provider that needs the user to sign in (Microsoft's device code) asks
		 * through the app: the window shows the code and the link */
		for (guint s = 0; self->engine != NULL && s < CS_SIDE_LAST; s++) {
			CsProvider *p = cs_engine_get_provider (self->engine, (CsSide) s);
			if (p != NULL && g_signal_lookup ("device-code", G_OBJECT_TYPE (p)) != 0)
				g_signal_connect_object (p, "device-code", G_CALLBACK (device_code_cb), self, 0);
		}
	}
	return self->engine;
}

CsScheduler *
cs_sync_profile_get_scheduler (CsSyncProfile *self)
{
	return self->scheduler;
}

/**
 * cs_sync_profile_get_state:
 *
 * Returns: (transfer none): a connection for reading history, conflicts and
 * skips in the GTK thread (SQLite in WAL mode lets it read while a run writes)
 */
CsState *
cs_sync_profile_get_state (CsSyncProfile *self, GError **error)
{
	if (self->load_error != NULL) {
		if (error != NULL)
			*error = g_error_copy (self->load_error);
		return NULL;
	}
	if (self->state == NULL) {
		g_autofree gchar *path = cs_profile_get_state_path (self->profile);
		g_autofree gchar *dir = g_path_get_dirname (path);
		if (g_mkdir_with_parents (dir, 0700) != 0) {
			g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
				     _("Cannot create the folder %s"), dir);
			return NULL;
		}
		self->state = cs_state_open (path, error);
	}
	return self->state;
}

static void
run_finished_cb (CsScheduler *scheduler, CsRunReport *report, GError *error, gpointer user_data)
{
	CsSyncProfile *self = CS_SYNC_PROFILE (user_data);
	g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, report, error);
	g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
state_changed_cb (CsScheduler *scheduler, gpointer user_data)
{
	g_signal_emit (user_data, signals[SIGNAL_CHANGED], 0);
}

/**
 * cs_sync_profile_start:
 *
 * Starts the background timers (the scheduler also syncs on start when the
 * profile says so). A disabled profile gets a paused scheduler.
 */
gboolean
cs_sync_profile_start (CsSyncProfile *self, GError **error)
{
	CsEngine *engine;
	self->started = TRUE;
	if (self->scheduler != NULL || self->load_error != NULL)
		return TRUE;
	engine = cs_sync_profile_get_engine (self, error);
	if (engine == NULL)
		return FALSE;
	self->scheduler = cs_scheduler_new (engine);
	g_signal_connect (self->scheduler, "run-finished", G_CALLBACK (run_finished_cb), self);
	g_signal_connect (self->scheduler, "state-changed", G_CALLBACK (state_changed_cb), self);
	cs_scheduler_set_paused (self->scheduler,
				 !cs_profile_get_enabled (self->profile) || self->manual > 0);
	cs_scheduler_start (self->scheduler);
	return TRUE;
}

void
cs_sync_profile_stop (CsSyncProfile *self)
{
	self->started = FALSE;
	if (self->scheduler != NULL)
		cs_scheduler_stop (self->scheduler);
}

gboolean
cs_sync_profile_is_busy (CsSyncProfile *self)
{
	if (self->manual > 0)
		return TRUE;
	if (self->engine != NULL && cs_engine_is_running (self->engine))
		return TRUE;
	return self->scheduler != NULL &&
	       cs_scheduler_get_state (self->scheduler) == CS_SCHEDULER_RUNNING;
}

/* a run the user started owns the engine: the timers wait for it */
void
cs_sync_profile_hold_manual (CsSyncProfile *self)
{
	self->manual++;
	if (self->scheduler != NULL)
		cs_scheduler_set_paused (self->scheduler, TRUE);
}

void
cs_sync_profile_release_manual (CsSyncProfile *self)
{
	g_return_if_fail (self->manual > 0);
	self->manual--;
	if (self->manual == 0 && self->scheduler != NULL && self->profile != NULL)
		cs_scheduler_set_paused (self->scheduler, !cs_profile_get_enabled (self->profile));
	g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/**
 * cs_sync_profile_reload:
 *
 * Reads the file again after the settings or mapping changed it; the engine
 * and scheduler are made anew so they see the new values.
 */
gboolean
cs_sync_profile_reload (CsSyncProfile *self, GError **error)
{
	g_autoptr(CsProfile) profile = NULL;
	gboolean was_started = self->started;

	if (cs_sync_profile_is_busy (self)) {
		g_set_error_literal (error, CS_ENGINE_ERROR, CS_ENGINE_ERROR_BUSY,
				     _("A sync is running for this profile; try again when it has finished."));
		return FALSE;
	}
	profile = cs_profile_store_load (self->path, error);
	if (profile == NULL)
		return FALSE;
	drop_engine (self);
	g_set_object (&self->profile, profile);
	if (self->load_error != NULL) {
		/* the file is mended: the profile can run now */
		g_clear_error (&self->load_error);
		self->fix = CS_SYNC_FIX_NONE;
		self->history_read = FALSE;
	}
	if (was_started && !cs_sync_profile_start (self, error))
		return FALSE;
	g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
	return TRUE;
}

void
cs_sync_profile_changed (CsSyncProfile *self)
{
	g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}
