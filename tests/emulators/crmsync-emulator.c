/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "emu-server.h"

extern const EmuApi emu_orocrm_api;
extern const EmuApi emu_webcrm_api;
extern const EmuApi emu_graph_api;

static const EmuApi *apis[] = {&emu_orocrm_api, &emu_webcrm_api, &emu_graph_api};

static gboolean
quit_cb (gpointer data)
{
	g_main_loop_quit (data);
	return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
	g_autofree gchar *api_name = NULL;
	g_autofree gchar *seed = NULL;
	g_autofree gchar *faults = NULL;
	g_autofree gchar *user = NULL;
	g_autofree gchar *secret = NULL;
	g_autofree gchar *db = NULL;
	gint port = 0;
	gint generate = -1;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autoptr(GString) desc = g_string_new ("APIs and their credentials:\n");
	g_autofree gchar *origin = NULL;
	const EmuApi *api = NULL;
	EmuServer *server;
	GOptionEntry entries[] = {
	    {"api", 0, 0, G_OPTION_ARG_STRING, &api_name, "API to speak: orocrm, webcrm or graph", "API"},
	    {"port", 0, 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (default 0: a free port)", "N"},
	    {"seed", 0, 0, G_OPTION_ARG_FILENAME, &seed, "Fill the state from a JSON file", "FILE"},
	    {"generate", 0, 0, G_OPTION_ARG_INT, &generate, "Fill the state with N generated records per kind", "N"},
	    {"faults", 0, 0, G_OPTION_ARG_STRING, &faults,
	     "Inject faults, e.g. 500=0.05,429=0.05,slow=0.1,reset=0.02,garbage=0.02,seed=7,slow-ms=3000,retry-after=1",
	     "SPEC"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &user, "The user (or client id) to accept", "NAME"},
	    {"secret", 0, 0, G_OPTION_ARG_STRING, &secret, "The key/secret/authCode to accept", "KEY"},
	    {"db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Keep state in this SQLite file (default: in memory)", "FILE"},
	    {NULL}};

	setlocale (LC_ALL, "");
	for (guint i = 0; i < G_N_ELEMENTS (apis); i++)
		g_string_append_printf (desc, "  %s: %s (defaults: --user %s --secret %s)\n",
					apis[i]->name, apis[i]->help, apis[i]->default_user,
					apis[i]->default_secret);
	ctx = g_option_context_new ("- local servers that speak the CRM and Graph APIs");
	g_option_context_add_main_entries (ctx, entries, NULL);
	g_option_context_set_description (ctx, desc->str);
	if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
		g_printerr ("crmsync-emulator: %s\n", error->message);
		return 2;
	}
	for (guint i = 0; api_name != NULL && i < G_N_ELEMENTS (apis); i++) {
		if (g_strcmp0 (apis[i]->name, api_name) == 0)
			api = apis[i];
	}
	if (api == NULL) {
		g_printerr ("crmsync-emulator: --api must be orocrm, webcrm or graph\n");
		return 2;
	}
	if (port < 0 || port > 65535) {
		g_printerr ("crmsync-emulator: --port must be 0..65535\n");
		return 2;
	}
	server = emu_server_new (api, db, &error);
	if (server == NULL) {
		g_printerr ("crmsync-emulator: %s\n", error->message);
		return 1;
	}
	emu_server_set_credentials (server, user, secret);
	if (faults != NULL && !emu_server_set_faults (server, faults, &error)) {
		g_printerr ("crmsync-emulator: %s\n", error->message);
		emu_server_free (server);
		return 2;
	}
	if (seed != NULL) {
		g_autoptr(JsonParser) parser = json_parser_new ();
		if (!json_parser_load_from_file (parser, seed, &error) || api->seed == NULL ||
		    !api->seed (server, json_parser_get_root (parser), &error)) {
			g_printerr ("crmsync-emulator: --seed %s: %s\n", seed,
				    error != NULL ? error->message : "not supported");
			emu_server_free (server);
			return 2;
		}
	}
	if (generate >= 0 && (api->generate == NULL || !api->generate (server, (guint) generate, &error))) {
		g_printerr ("crmsync-emulator: --generate: %s\n",
			    error != NULL ? error->message : "not supported");
		emu_server_free (server);
		return 2;
	}
	if (!emu_server_listen (server, (guint) port, &error)) {
		g_printerr ("crmsync-emulator: cannot listen on port %d: %s\n", port, error->message);
		emu_server_free (server);
		return 1;
	}
	origin = emu_server_get_origin (server);
	g_print ("listening on %s\n", origin);
	fflush (stdout);

	loop = g_main_loop_new (NULL, FALSE);
	g_unix_signal_add (SIGINT, quit_cb, loop);
	g_unix_signal_add (SIGTERM, quit_cb, loop);
	g_main_loop_run (loop);
	emu_server_free (server);
	return 0;
}
