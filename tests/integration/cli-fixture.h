/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

/* a temporary folder with crm/ and outlook/ folder sides, a profile and a
 * way to run crmsync-cli on it */
typedef struct {
	gchar *dir;
	gchar *profile;
	gchar *out;	 /* stdout of the last run */
	gchar *err;	 /* stderr of the last run */
	gint status;	 /* exit code of the last run */
	JsonNode *report;/* parsed stdout if it was JSON */
} CliFixture;

void cli_fixture_init (CliFixture *f, const gchar *profile_extra);
void cli_fixture_copy (CliFixture *f, const CliFixture *from);
void cli_fixture_clear (CliFixture *f);
void cli_write_profile (CliFixture *f, const gchar *profile_extra);
gint cli_run (CliFixture *f, const gchar *const *env_extra, ...) G_GNUC_NULL_TERMINATED;
gchar *cli_put (CliFixture *f, const gchar *side, const gchar *kind, const gchar *id, const gchar *json);
JsonObject *cli_get (CliFixture *f, const gchar *side, const gchar *kind, const gchar *id);
GPtrArray *cli_list (CliFixture *f, const gchar *side, const gchar *kind);
JsonObject *cli_find (CliFixture *f, const gchar *side, const gchar *kind, const gchar *field, const gchar *value);
guint cli_count (CliFixture *f, const gchar *side, const gchar *kind);
void cli_remove (CliFixture *f, const gchar *side, const gchar *kind, const gchar *id);
gint64 cli_report_count (CliFixture *f, const gchar *what, const gchar *side, const gchar *kind);
guint cli_report_len (CliFixture *f, const gchar *list);
gchar *cli_side_digest (CliFixture *f, const gchar *side, const gchar *kind);
void cli_touch (CliFixture *f, const gchar *side, const gchar *kind, const gchar *id, gint64 mtime_sec);
