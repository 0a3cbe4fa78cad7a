/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the fields that name a record, in every provider's schema: first a pair (first and last
 * name), then one field; one home for the planner's labels and the app's */
extern const gchar *const cs_label_name_pairs[][2];
extern const guint cs_label_n_name_pairs;
extern const gchar *const cs_label_fields[];

extern const gchar *const cs_label_schema_words[];

gchar *
cs_label_from_snapshot (const gchar *snapshot);
gchar *
cs_label_translate_field (const gchar *label);
gboolean
cs_label_field_known (const gchar *label);

G_END_DECLS
