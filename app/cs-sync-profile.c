/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "cs-profile-store.h"
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
};

G_DEFINE_TYPE (CsSyncProfile, cs_sync_profile, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_RUN_FINISHED, SIGNAL_LAST };
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
}

static void
cs_sync_profile_init (CsSyncProfile *self)
{
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

/**
 * cs_sync_profile_get_engine:
 *
 * Returns: (transfer none): the engine, made on first use
 */
CsEngine *
cs_sync_profile_get_engine (CsSyncProfile *self, GError **error)
{
	if (self->engine == NULL) {
		self->engine = cs_engine_new (self->profile, self->secrets, error);
		/* a background run must never wait for a person to sign in: without a
		 * stored sign-in it fails at once (an alert), and the settings sign in */
		for (guint s = 0; self->engine != NULL && s < CS_SIDE_LAST; s++) {
			CsProvider *p = cs_engine_get_provider (self->engine, (CsSide) s);
			if (p != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (p), "sign-in") != NULL)
				g_object_set (p, "sign-in", "none", NULL);
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
	if (self->scheduler != NULL)
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
	if (self->manual == 0 && self->scheduler != NULL)
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
