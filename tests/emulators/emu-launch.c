/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "emu-launch.h"

#define LISTENING "listening on "

static void
die_with_parent (gpointer data)
{
	prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/**
 * emu_launch_start:
 * @api: orocrm, webcrm or graph
 * @webcrm_options: (nullable): CRMSYNC_EMU_WEBCRM for the emulator; %NULL:
 *   none, even when the test's own environment has one
 * @args: (nullable): more arguments; a %NULL ends them early, so optional
 *   pairs can be written as `x != NULL ? "--x" : NULL, x`
 * @origin: (out) (transfer full): http://127.0.0.1:PORT
 *
 * The binary is $CRMSYNC_EMULATOR, else the one this build makes. Failing to
 * start fails the test.
 *
 * Returns: (transfer full): the emulator's process
 */
GSubprocess *
emu_launch_start (const gchar *api, const gchar *webcrm_options, const gchar *const *args,
		  gchar **origin)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *api_arg = g_strconcat ("--api=", api, NULL);
	const gchar *bin = g_getenv ("CRMSYNC_EMULATOR");
	GSubprocess *proc;

	g_ptr_array_add (argv, (gpointer) (bin != NULL ? bin : EMU_LAUNCH_BINARY));
	g_ptr_array_add (argv, api_arg);
	g_ptr_array_add (argv, (gpointer) "--port=0");
	for (guint i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add (argv, (gpointer) args[i]);
	g_ptr_array_add (argv, NULL);
	g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
	if (webcrm_options != NULL)
		g_subprocess_launcher_setenv (launcher, "CRMSYNC_EMU_WEBCRM", webcrm_options, TRUE);
	else
		g_subprocess_launcher_unsetenv (launcher, "CRMSYNC_EMU_WEBCRM");
	proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
	g_assert_no_error (error);
	in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
	line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
	g_assert_no_error (error);
	g_assert_nonnull (line);
	g_assert_true (g_str_has_prefix (line, LISTENING "http://127.0.0.1:"));
	*origin = g_strdup (line + strlen (LISTENING));
	return proc;
}

/**
 * emu_launch_stop:
 * @proc: (inout) (nullable): the emulator; cleared
 *
 * SIGTERM, so that an emulator with --db closes its file, and waits for it.
 */
void
emu_launch_stop (GSubprocess **proc)
{
	if (*proc == NULL)
		return;
	g_subprocess_send_signal (*proc, SIGTERM);
	g_subprocess_wait (*proc, NULL, NULL);
	g_clear_object (proc);
}
