/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-pst-provider.h"

G_BEGIN_DECLS

/*
 * For tests and fuzzing: the provider's side of the reader's stream. @buf holds
 * bytes as they came from the pipe; whole lines are consumed and records of
 * @kind go to @sink. The reader's error line, if any, goes to @error_message.
 * Returns: whether an "end" line was seen.
 */
gboolean cs_pst_provider_decode_stream (CsPstProvider *self, CsKind kind, GString *buf,
					CsReadSink *sink, gchar **error_message);

G_END_DECLS
