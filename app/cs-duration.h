/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* a length of time as the user says it: a number and its unit ("2 minutes", "3 hours"),
 * kept in seconds; a spin button with a unit combo beside it */
typedef enum {
	CS_DURATION_SECONDS = 1 << 0,
	CS_DURATION_MINUTES = 1 << 1,
	CS_DURATION_HOURS = 1 << 2,
	CS_DURATION_NONE = 1 << 3, /* "No reminder": cs_duration_get() gives -1 */
} CsDurationUnits;

GtkWidget *
cs_duration_new (CsDurationUnits units, gint64 max_seconds);
GtkWidget *
cs_duration_wrap (GtkSpinButton *spin, CsDurationUnits units, gint64 max_seconds);
void
cs_duration_set (GtkWidget *duration, gint64 seconds);
gint64
cs_duration_get (GtkWidget *duration);
GtkSpinButton *
cs_duration_get_spin (GtkWidget *duration);
GtkComboBox *
cs_duration_get_unit_combo (GtkWidget *duration);

G_END_DECLS
