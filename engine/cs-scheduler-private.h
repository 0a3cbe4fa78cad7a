/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-scheduler.h"

G_BEGIN_DECLS

/*
 * The scheduler's clock: GLib's timers by default; a test gives its own to
 * count an hour of runs without waiting an hour.
 */
typedef struct {
	gint64 (*now) (gpointer data); /* µs, monotonic */
	guint (*add) (guint seconds, GSourceFunc func, gpointer func_data, gpointer data);
	void (*remove) (guint id, gpointer data);
	gpointer data;
} CsSchedulerClock;

void
cs_scheduler_set_clock (CsScheduler *self, const CsSchedulerClock *clock);

G_END_DECLS
