/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-record.h"
#include "cs-schema.h"

G_BEGIN_DECLS

gchar *
cs_validate_value (const CsFieldSpec *spec, GVariant *value);
gchar *
cs_validate_record (CsSchema *schema, const CsRecord *record);

G_END_DECLS
