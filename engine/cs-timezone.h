/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Windows time-zone names (Graph, PST) ↔ IANA names (what records hold),
 * after CLDR's windowsZones table (territory "001" for Windows → IANA).
 */
const gchar *cs_timezone_windows_to_iana (const gchar *windows);
const gchar *cs_timezone_iana_to_windows (const gchar *iana);
gchar *cs_timezone_to_iana (const gchar *name);
gchar *cs_timezone_local_to_utc (const gchar *zone, const gchar *local);
gchar *cs_timezone_utc_to_local (const gchar *zone, const gchar *utc);

G_END_DECLS
