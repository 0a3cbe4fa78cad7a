/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-duration.h"

/*
 * A GtkBox holding the spin button and the unit combo; the state lives on the box as
 * object data, so that the windows treat it as one widget. The unit names follow the
 * number (ngettext): "1 minute", "2 minutes".
 */

typedef struct {
	GtkSpinButton *spin;
	GtkComboBoxText *unit;
	CsDurationUnits units;
	gint64 max_seconds;
	gboolean updating;
} Duration;

static Duration *
get (GtkWidget *duration)
{
	return g_object_get_data (G_OBJECT (duration), "cs-duration");
}

static gint64
factor (const gchar *id)
{
	if (g_strcmp0 (id, "hours") == 0)
		return 3600;
	if (g_strcmp0 (id, "minutes") == 0)
		return 60;
	return 1;
}

/* the unit names agree with the number shown */
static void
relabel (Duration *d)
{
	g_autofree gchar *active = g_strdup (gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->unit)));
	gulong n = (gulong)gtk_spin_button_get_value_as_int (d->spin);
	d->updating = TRUE;
	gtk_combo_box_text_remove_all (d->unit);
	if (d->units & CS_DURATION_SECONDS)
		/* TRANSLATORS: a unit after a number in a spin button */
		gtk_combo_box_text_append (d->unit, "seconds",
					   g_dngettext (GETTEXT_PACKAGE, "second", "seconds", n));
	if (d->units & CS_DURATION_MINUTES)
		gtk_combo_box_text_append (d->unit, "minutes",
					   g_dngettext (GETTEXT_PACKAGE, "minute", "minutes", n));
	if (d->units & CS_DURATION_HOURS)
		gtk_combo_box_text_append (d->unit, "hours",
					   g_dngettext (GETTEXT_PACKAGE, "hour", "hours", n));
	if (d->units & CS_DURATION_NONE)
		/* TRANSLATORS: instead of a time before an appointment */
		gtk_combo_box_text_append (d->unit, "none", _ ("no reminder"));
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (d->unit), active);
	d->updating = FALSE;
}

static void
set_range (Duration *d)
{
	const gchar *id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->unit));
	gboolean none = g_strcmp0 (id, "none") == 0;
	gint64 upper = MAX (1, d->max_seconds / factor (id));
	gtk_spin_button_set_range (d->spin, d->units & CS_DURATION_NONE ? 0 : 1, (gdouble)upper);
	gtk_widget_set_sensitive (GTK_WIDGET (d->spin), !none);
}

static void
value_changed_cb (GtkSpinButton *spin, Duration *d)
{
	if (!d->updating)
		relabel (d);
}

static void
unit_changed_cb (GtkComboBox *combo, Duration *d)
{
	if (d->updating)
		return;
	/* the number stays, in the new unit, within the allowed range */
	set_range (d);
}

static GtkWidget *
duration_new (GtkSpinButton *spin, CsDurationUnits units, gint64 max_seconds)
{
	GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
	Duration *d = g_new0 (Duration, 1);
	d->units = units;
	d->max_seconds = max_seconds;
	d->spin = spin;
	gtk_spin_button_set_numeric (d->spin, TRUE);
	gtk_entry_set_width_chars (GTK_ENTRY (d->spin), 5);
	d->unit = GTK_COMBO_BOX_TEXT (gtk_combo_box_text_new ());
	g_object_set_data_full (G_OBJECT (box), "cs-duration", d, g_free);
	gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (d->spin));
	gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (d->unit));
	relabel (d);
	g_signal_connect (d->spin, "value-changed", G_CALLBACK (value_changed_cb), d);
	g_signal_connect (d->unit, "changed", G_CALLBACK (unit_changed_cb), d);
	gtk_widget_show_all (box);
	return box;
}

GtkWidget *
cs_duration_new (CsDurationUnits units, gint64 max_seconds)
{
	return duration_new (
		GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, (gdouble)max_seconds, 1)),
		units, max_seconds);
}

/**
 * cs_duration_wrap:
 * @spin: a spin button in a #GtkGrid (from a template)
 *
 * Puts a unit combo beside @spin, in the grid cell @spin had; @spin then shows the
 * number in that unit.
 *
 * Returns: (transfer none): the duration widget
 */
GtkWidget *
cs_duration_wrap (GtkSpinButton *spin, CsDurationUnits units, gint64 max_seconds)
{
	GtkWidget *grid = gtk_widget_get_parent (GTK_WIDGET (spin));
	gint left = 0, top = 0, width = 1, height = 1;
	GtkWidget *box;
	g_return_val_if_fail (GTK_IS_GRID (grid), NULL);
	gtk_container_child_get (GTK_CONTAINER (grid), GTK_WIDGET (spin), "left-attach", &left,
				 "top-attach", &top, "width", &width, "height", &height, NULL);
	g_object_ref (spin);
	gtk_container_remove (GTK_CONTAINER (grid), GTK_WIDGET (spin));
	gtk_spin_button_set_adjustment (spin,
					gtk_adjustment_new (1, 1, (gdouble)max_seconds, 1, 10, 0));
	box = duration_new (spin, units, max_seconds);
	g_object_unref (spin);
	gtk_grid_attach (GTK_GRID (grid), box, left, top, MAX (width, 2), height);
	return box;
}

/**
 * cs_duration_set:
 * @seconds: the length, or -1 for none (with %CS_DURATION_NONE)
 *
 * Shows @seconds in the largest unit that holds it whole: 120 as "2 minutes".
 */
void
cs_duration_set (GtkWidget *duration, gint64 seconds)
{
	Duration *d = get (duration);
	const gchar *id = "seconds";
	if (seconds < 0 && (d->units & CS_DURATION_NONE)) {
		id = "none";
		seconds = 0;
	} else if ((d->units & CS_DURATION_HOURS) && seconds > 0 && seconds % 3600 == 0) {
		id = "hours";
	} else if ((d->units & CS_DURATION_MINUTES)
		   && (seconds % 60 == 0 || !(d->units & CS_DURATION_SECONDS))) {
		id = "minutes";
	}
	d->updating = TRUE;
	gtk_combo_box_set_active_id (GTK_COMBO_BOX (d->unit), id);
	d->updating = FALSE;
	set_range (d);
	gtk_spin_button_set_value (d->spin, (gdouble)(seconds / factor (id)));
	relabel (d);
}

/**
 * cs_duration_get:
 *
 * Returns: the length in seconds, at most the maximum given; -1 for none
 */
gint64
cs_duration_get (GtkWidget *duration)
{
	Duration *d = get (duration);
	const gchar *id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->unit));
	gtk_spin_button_update (d->spin);
	if (g_strcmp0 (id, "none") == 0)
		return -1;
	return MIN (d->max_seconds, gtk_spin_button_get_value_as_int (d->spin) * factor (id));
}

GtkSpinButton *
cs_duration_get_spin (GtkWidget *duration)
{
	return get (duration)->spin;
}

GtkComboBox *
cs_duration_get_unit_combo (GtkWidget *duration)
{
	return GTK_COMBO_BOX (get (duration)->unit);
}
