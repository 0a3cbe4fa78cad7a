/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PidLidAppointmentRecur (MS-OXOCAL 2.2.1.44) → the schema's recurrence object */
#pragma once

#include <glib.h>
#include "cs-pst-json.h"

G_BEGIN_DECLS

/* a Windows time zone rule (PidLidTimeZoneStruct): UTC = local + bias */
typedef struct {
	gint32 bias, standard_bias, daylight_bias; /* minutes */
	guint16 std_month, std_dow, std_week, std_hour, std_minute;
	guint16 dst_month, dst_dow, dst_week, dst_hour, dst_minute;
} CsPstTz;

gboolean cs_pst_tz_parse (const guint8 *data, gsize len, CsPstTz *tz);
gint64 cs_pst_tz_local_to_utc (const CsPstTz *tz, gint64 local_sec);

/*
 * @start_utc: the series' first start (seconds since 1970, UTC); with @tz
 *   %NULL the offset between it and the blob's local start is used throughout
 * Adds `pattern`, `range` and `exceptions` members to the open object in @b.
 * Returns %FALSE (and adds nothing) when the blob does not parse.
 */
gboolean cs_pst_recur_to_json (const guint8 *data, gsize len, const CsPstTz *tz,
			       gint64 start_utc, CsPstJson *b);

G_END_DECLS
