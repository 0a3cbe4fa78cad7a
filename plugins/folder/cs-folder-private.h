/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "crmsync-plugin.h"

G_BEGIN_DECLS

/* for tests and fuzzing: one record file's bytes → a record (version = content hash) */
CsRecord *cs_folder_record_from_data (CsKind kind, const gchar *id, const gchar *data, gsize len,
				      GError **error);

G_END_DECLS
