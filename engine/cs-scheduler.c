/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cs-scheduler-private.h"

/*
 * Background sync: one timer per side at the profile's interval (CRM 120 s,
 * Outlook 30 s by default), never more. A side's timer starts a run that
 * reads only that side (the other is not read at all: its records count as
 * unchanged until its own timer), so a 30 s Outlook interval does not read
 * the CRM every 30 s. The first run reads both, and a side due soon is read
 * in the same run instead of a run of its own. Ticks that come while a run is
 * going are folded into one follow-up run (single flight). Failures back off
 * exponentially up to an hour; offline pauses everything and the network
 * coming back starts a run.
 */
#define MAX_BACKOFF_SECONDS 3600
#define SIDE_BIT(s) (1u << (s))
#define BOTH_SIDES (SIDE_BIT (CS_SIDE_CRM) | SIDE_BIT (CS_SIDE_OUTLOOK))

struct _CsScheduler {
	GObject parent_instance;
	CsEngine *engine;
	GNetworkMonitor *monitor;	/* (nullable) */
	gulong monitor_id;
	guint timers[CS_SIDE_LAST];
	guint delays[CS_SIDE_LAST];
	gint64 due[CS_SIDE_LAST];	/* clock time the side's timer fires */
	gboolean started;
	gboolean paused;
	gboolean online;
	gboolean running;
	gboolean pending;
	guint pending_sides;
	CsRunFlags pending_flags;
	guint running_sides;
	gboolean both_read;		/* a run read both sides since start */
	guint failures;
	guint runs;
	gint64 last_run;
	gint64 next_run;
	GCancellable *cancellable;
	GTask *exit_task;		/* (nullable) waiting for the last run */
	CsSchedulerClock clock;
};

G_DEFINE_TYPE (CsScheduler, cs_scheduler, G_TYPE_OBJECT)

enum { SIGNAL_RUN_STARTED, SIGNAL_RUN_FINISHED, SIGNAL_STATE_CHANGED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static void schedule (CsScheduler *self, gboolean reset);
static void start_run (CsScheduler *self, guint sides, CsRunFlags flags);

static gint64
real_now (gpointer data)
{
	return g_get_monotonic_time ();
}

static guint
real_add (guint seconds, GSourceFunc func, gpointer func_data, gpointer data)
{
	return g_timeout_add_seconds (seconds, func, func_data);
}

static void
real_remove (guint id, gpointer data)
{
	g_source_remove (id);
}

static void
cs_scheduler_dispose (GObject *object)
{
	CsScheduler *self = CS_SCHEDULER (object);
	cs_scheduler_stop (self);
	if (self->monitor != NULL && self->monitor_id != 0)
		g_signal_handler_disconnect (self->monitor, self->monitor_id);
	self->monitor_id = 0;
	g_clear_object (&self->engine);
	g_clear_object (&self->cancellable);
	G_OBJECT_CLASS (cs_scheduler_parent_class)->dispose (object);
}

static void
cs_scheduler_class_init (CsSchedulerClass *klass)
{
	G_OBJECT_CLASS (klass)->dispose = cs_scheduler_dispose;
	signals[SIGNAL_RUN_STARTED] = g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass),
						    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						    G_TYPE_NONE, 0);
	/**
	 * CsScheduler::run-finished:
	 * @report: (nullable): the report, or %NULL when the run failed
	 * @error: (nullable): why it failed
	 */
	signals[SIGNAL_RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass),
						     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						     G_TYPE_NONE, 2, CS_TYPE_RUN_REPORT, G_TYPE_ERROR);
	signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
						      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						      G_TYPE_NONE, 0);
}

static void
cs_scheduler_init (CsScheduler *self)
{
	self->online = TRUE;
	self->cancellable = g_cancellable_new ();
	self->clock = (CsSchedulerClock){real_now, real_add, real_remove, NULL};
}

static void
network_changed_cb (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
	cs_scheduler_set_network_available (CS_SCHEDULER (user_data), available);
}

CsScheduler *
cs_scheduler_new (CsEngine *engine)
{
	CsScheduler *self = g_object_new (CS_TYPE_SCHEDULER, NULL);
	self->engine = g_object_ref (engine);
	/* tests and headless runs have no network daemon to ask */
	if (g_getenv ("CRMSYNC_NO_NETWORK_MONITOR") == NULL) {
		self->monitor = g_network_monitor_get_default ();
		self->online = g_network_monitor_get_network_available (self->monitor);
		self->monitor_id = g_signal_connect (self->monitor, "network-changed",
						     G_CALLBACK (network_changed_cb), self);
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		self->delays[s] = cs_profile_get_interval (cs_engine_get_profile (engine), (CsSide) s);
	return self;
}

void
cs_scheduler_set_clock (CsScheduler *self, const CsSchedulerClock *clock)
{
	g_return_if_fail (!self->started);
	self->clock = *clock;
}

CsEngine *
cs_scheduler_get_engine (CsScheduler *self)
{
	return self->engine;
}

CsSchedulerState
cs_scheduler_get_state (CsScheduler *self)
{
	if (self->running)
		return CS_SCHEDULER_RUNNING;
	if (self->paused)
		return CS_SCHEDULER_PAUSED;
	if (!self->online)
		return CS_SCHEDULER_OFFLINE;
	return CS_SCHEDULER_IDLE;
}

static void
state_changed (CsScheduler *self)
{
	g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
}

static void
clear_timer (CsScheduler *self, CsSide side)
{
	if (self->timers[side] != 0)
		self->clock.remove (self->timers[side], self->clock.data);
	self->timers[side] = 0;
}

static void
clear_timers (CsScheduler *self)
{
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		clear_timer (self, (CsSide) s);
}

/* a run for what is due, or a follow-up of the run going (single flight) */
static void
request_run (CsScheduler *self, guint sides, CsRunFlags flags)
{
	if (self->running || !self->online) {
		self->pending = TRUE;
		self->pending_sides |= sides;
		self->pending_flags |= flags;
		if (!self->online)
			state_changed (self); /* it runs when the network is back */
		return;
	}
	start_run (self, sides, flags);
}

static void
side_tick (CsScheduler *self, CsSide side)
{
	CsSide other = cs_side_other (side);
	guint sides = SIDE_BIT (side);
	/* the source is gone once this returns: only the id is forgotten */
	self->timers[side] = 0;
	/* the other side due soon: read it now, one run instead of two */
	if (self->timers[other] != 0) {
		gint64 window = (gint64) MIN (self->delays[side], self->delays[other]) * G_USEC_PER_SEC / 2;
		if (self->due[other] - self->clock.now (self->clock.data) <= window) {
			clear_timer (self, other);
			sides |= SIDE_BIT (other);
		}
	}
	request_run (self, sides, CS_RUN_FLAG_NONE);
}

static gboolean
tick_crm_cb (gpointer user_data)
{
	side_tick (CS_SCHEDULER (user_data), CS_SIDE_CRM);
	return G_SOURCE_REMOVE;
}

static gboolean
tick_outlook_cb (gpointer user_data)
{
	side_tick (CS_SCHEDULER (user_data), CS_SIDE_OUTLOOK);
	return G_SOURCE_REMOVE;
}

static guint
backoff (CsScheduler *self, guint interval)
{
	guint64 d = interval;
	for (guint i = 0; i < self->failures && d < MAX_BACKOFF_SECONDS; i++)
		d *= 2;
	return (guint) MIN (d, (guint64) MAX (interval, MAX_BACKOFF_SECONDS));
}

/* @reset: every side's timer anew (after a failure, a pause); else only the
 * sides that have none (the ones the last run read) */
static void
schedule (CsScheduler *self, gboolean reset)
{
	CsProfile *profile = cs_engine_get_profile (self->engine);
	gint64 now = self->clock.now (self->clock.data);
	gint64 soonest = G_MAXINT64;
	if (!self->started || self->paused || !self->online || !cs_profile_get_enabled (profile)) {
		clear_timers (self);
		return;
	}
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		if (reset)
			clear_timer (self, (CsSide) s);
		if (self->timers[s] == 0) {
			self->delays[s] = backoff (self, cs_profile_get_interval (profile, (CsSide) s));
			self->timers[s] =
			    self->clock.add (self->delays[s], s == CS_SIDE_CRM ? tick_crm_cb : tick_outlook_cb,
					     self, self->clock.data);
			self->due[s] = now + (gint64) self->delays[s] * G_USEC_PER_SEC;
		}
		soonest = MIN (soonest, self->due[s] - now);
	}
	self->next_run = g_get_real_time () + soonest;
}

static void
run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CsScheduler) self = CS_SCHEDULER (user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRunReport) report = cs_engine_run_finish (CS_ENGINE (source), result, &error);

	self->running = FALSE;
	self->runs++;
	self->last_run = g_get_real_time ();
	if (report == NULL) {
		self->failures++;
	} else {
		self->failures = 0;
		if (self->running_sides == BOTH_SIDES)
			self->both_read = TRUE;
	}
	g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, report, error);
	if (self->exit_task != NULL) {
		g_autoptr(GTask) task = g_steal_pointer (&self->exit_task);
		if (error != NULL)
			g_task_return_error (task, g_steal_pointer (&error));
		else
			g_task_return_boolean (task, TRUE);
		state_changed (self);
		return;
	}
	if (self->pending && self->online && !self->paused) {
		guint sides = self->pending_sides;
		CsRunFlags flags = self->pending_flags;
		self->pending = FALSE;
		self->pending_sides = 0;
		self->pending_flags = 0;
		start_run (self, sides, flags);
		return;
	}
	/* a failure backs off every side; a success re-arms the sides it read */
	schedule (self, report == NULL);
	state_changed (self);
}

static void
start_run (CsScheduler *self, guint sides, CsRunFlags flags)
{
	/* until both sides were read once, a side left out could miss a match
	 * (and a record would be created twice) */
	if (!self->both_read || sides == 0 || (flags & CS_RUN_FLAG_ALL) != 0)
		sides = BOTH_SIDES;
	if ((sides & SIDE_BIT (CS_SIDE_CRM)) == 0)
		flags |= CS_RUN_FLAG_SKIP_CRM;
	if ((sides & SIDE_BIT (CS_SIDE_OUTLOOK)) == 0)
		flags |= CS_RUN_FLAG_SKIP_OUTLOOK;
	self->running = TRUE;
	self->running_sides = sides;
	/* the sides read now are timed again from the run's end; the other keeps
	 * its timer, whose tick during the run becomes the follow-up run */
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		if (sides & SIDE_BIT (s))
			clear_timer (self, (CsSide) s);
	g_signal_emit (self, signals[SIGNAL_RUN_STARTED], 0);
	state_changed (self);
	cs_engine_run_async (self->engine, flags, self->cancellable, run_done_cb,
			     g_object_ref (self));
}

/**
 * cs_scheduler_trigger:
 *
 * "Sync now". While a run is going, the request is kept and one run
 * follows (single flight).
 */
void
cs_scheduler_trigger (CsScheduler *self, CsRunFlags flags)
{
	request_run (self, BOTH_SIDES, flags);
}

void
cs_scheduler_start (CsScheduler *self)
{
	CsProfile *profile = cs_engine_get_profile (self->engine);
	if (self->started)
		return;
	self->started = TRUE;
	if (cs_profile_get_enabled (profile) && cs_profile_get_sync_on_start (profile) && !self->paused)
		cs_scheduler_trigger (self, CS_RUN_FLAG_NONE);
	else
		schedule (self, TRUE);
}

void
cs_scheduler_stop (CsScheduler *self)
{
	self->started = FALSE;
	/* no follow-up either: a stopped scheduler starts nothing */
	self->pending = FALSE;
	self->pending_sides = 0;
	self->pending_flags = 0;
	clear_timers (self);
}

/**
 * cs_scheduler_cancel_run:
 *
 * Stops the run under way at its next safe point (the user closed a sign-in it waits for);
 * later runs go on as planned.
 */
void
cs_scheduler_cancel_run (CsScheduler *self)
{
	if (!self->running)
		return;
	g_cancellable_cancel (self->cancellable);
	/* the run holds its own reference to the cancelled one */
	g_clear_object (&self->cancellable);
	self->cancellable = g_cancellable_new ();
}

void
cs_scheduler_set_paused (CsScheduler *self, gboolean paused)
{
	if (self->paused == paused)
		return;
	self->paused = paused;
	schedule (self, TRUE);
	state_changed (self);
}

void
cs_scheduler_set_network_available (CsScheduler *self, gboolean available)
{
	if (self->online == available)
		return;
	self->online = available;
	if (!available) {
		clear_timers (self);
	} else if (self->started && !self->paused && !self->running) {
		/* back online: catch up at once, both sides */
		CsRunFlags flags = self->pending_flags;
		self->pending = FALSE;
		self->pending_sides = 0;
		self->pending_flags = 0;
		start_run (self, BOTH_SIDES, flags);
		return;
	}
	state_changed (self);
}

guint
cs_scheduler_get_failures (CsScheduler *self)
{
	return self->failures;
}

guint
cs_scheduler_get_delay (CsScheduler *self, CsSide side)
{
	return backoff (self, cs_profile_get_interval (cs_engine_get_profile (self->engine), side));
}

gint64
cs_scheduler_get_next_run (CsScheduler *self)
{
	return self->timers[CS_SIDE_CRM] != 0 || self->timers[CS_SIDE_OUTLOOK] != 0 ? self->next_run : 0;
}

gint64
cs_scheduler_get_last_run (CsScheduler *self)
{
	return self->last_run;
}

guint
cs_scheduler_get_run_count (CsScheduler *self)
{
	return self->runs;
}

/**
 * cs_scheduler_sync_on_exit_async:
 *
 * The app calls this when it quits: a last run if the profile asks for one
 * (sync-on-exit), after any run still going.
 */
void
cs_scheduler_sync_on_exit_async (CsScheduler *self, GCancellable *cancellable,
				 GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
	CsProfile *profile = cs_engine_get_profile (self->engine);
	cs_scheduler_stop (self);
	if (!cs_profile_get_sync_on_exit (profile) || !cs_profile_get_enabled (profile) ||
	    !self->online) {
		g_task_return_boolean (task, TRUE);
		return;
	}
	self->exit_task = g_steal_pointer (&task);
	if (!self->running)
		start_run (self, BOTH_SIDES, CS_RUN_FLAG_NONE);
}

gboolean
cs_scheduler_sync_on_exit_finish (CsScheduler *self, GAsyncResult *result, GError **error)
{
	return g_task_propagate_boolean (G_TASK (result), error);
}
