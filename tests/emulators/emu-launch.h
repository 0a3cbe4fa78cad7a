/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * crmsync-emulator as a test's child process: started on a free loopback
 * port, its origin read from its first line, stopped at the end. It dies with
 * the test, so a failed assertion never leaves one running.
 */
GSubprocess *emu_launch_start (const gchar *api, const gchar *webcrm_options,
			       const gchar *const *args, gchar **origin);
void emu_launch_stop (GSubprocess **proc);

G_END_DECLS
