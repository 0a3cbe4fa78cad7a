/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Country names as people type them into Outlook's free-text field (in
 * English, in their own language, or as a code) ↔ ISO 3166 alpha-2 codes,
 * which CRMs keep.
 */
const gchar *cs_country_code (const gchar *name);
const gchar *cs_country_name (const gchar *code);
gchar *cs_country_normalize (const gchar *name);

G_END_DECLS
