/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared by the pst plugin's tests: data location, provider set-up, reads */
#pragma once

#include "crmsync-plugin.h"
#include "cs-plugin-loader.h"

G_BEGIN_DECLS

/* the PST folder of the shared test data, or NULL (then the test was
 * skipped, or failed when CI=true: CI always has the data) */
gchar *cs_pst_test_data_dir (void);

/* a pst provider set up with `path=` and the extra `key=value` pairs */
CsProvider *cs_pst_test_provider (const gchar *path, const gchar *const *extra);

/* open() then read one kind; NULL with @error on failure */
CsReadSink *cs_pst_test_read (CsProvider *provider, CsKind kind, GError **error);

CsRecord *cs_pst_test_find (CsReadSink *sink, const gchar *field, const gchar *value);

G_END_DECLS
