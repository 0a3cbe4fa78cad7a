/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "emu-server.h"

/* scaffold: the graph API is implemented in its own issue */
static gboolean
emu_graph_setup (EmuServer *server, GError **error)
{
	g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			     "the graph emulator is not built yet");
	return FALSE;
}

const EmuApi emu_graph_api = {
    .name = "graph",
    .help = "not built yet",
    .default_user = "",
    .default_secret = "",
    .setup = emu_graph_setup,
};
