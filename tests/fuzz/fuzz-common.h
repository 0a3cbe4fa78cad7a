/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the fuzz targets: each defines LLVMFuzzerTestOneInput() over one
 * parser. Built with libFuzzer (-Dfuzzing=true, clang) they fuzz; built with
 * replay.c they run every file of their corpus and regression directories once,
 * as a unit test. A GLib critical (a broken precondition) counts as a crash.
 */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GLogWriterOutput
fuzz_quiet_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
		   gpointer user_data)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
		g_log_writer_standard_streams (level, fields, n_fields, user_data);
		abort (); /* SIGABRT, which libFuzzer catches and keeps the input of */
	}
	return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_init (void)
{
	static gboolean done;
	if (done)
		return;
	done = TRUE;
	g_log_set_writer_func (fuzz_quiet_writer, NULL, NULL);
	g_setenv ("CRMSYNC_SECRETS", "file", TRUE);
}

/* the input as a NUL-terminated string (inputs may hold NULs of their own) */
static inline gchar *
fuzz_string (const uint8_t *data, size_t size)
{
	gchar *s = g_malloc (size + 1);
	if (size > 0)
		memcpy (s, data, size);
	s[size] = '\0';
	return s;
}

/* a JSON document from the input, or NULL */
static inline JsonNode *
fuzz_json (const uint8_t *data, size_t size)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	JsonNode *root;
	if (!json_parser_load_from_data (parser, (const gchar *) data, (gssize) size, NULL))
		return NULL;
	root = json_parser_get_root (parser);
	return root != NULL ? json_node_copy (root) : NULL;
}
