/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "cs-history-chart.h"
#include "cs-run-counts.h"

/*
 * Records created, updated and deleted per run and per side over the last
 * 30 days: for each run that changed something two stacked bars, the CRM's
 * and Outlook's, oldest run on the left. Cairo in a drawing area is all it takes.
 */

#define N_WHAT 3 /* created, updated, deleted */
#define DAYS   30

typedef struct {
	gint64 started;
	guint n[N_WHAT][CS_SIDE_LAST];
} ChartRun;

struct _CsHistoryChart {
	GtkDrawingArea parent_instance;
	GArray *runs; /* (element-type ChartRun) oldest first */
};

G_DEFINE_TYPE (CsHistoryChart, cs_history_chart, GTK_TYPE_DRAWING_AREA)

static const gdouble colours[N_WHAT][3] = {
	{ 0.18, 0.76, 0.49 }, /* created: green */
	{ 0.21, 0.52, 0.89 }, /* updated: blue */
	{ 0.88, 0.11, 0.14 }, /* deleted: red */
};

static const gchar *
what_label (guint w)
{
	switch (w) {
	case 0:
		/* TRANSLATORS: the chart's legend: records created by a run */
		return C_ ("chart", "Created");
	case 1:
		return C_ ("chart", "Updated");
	default:
		return C_ ("chart", "Deleted");
	}
}

/**
 * cs_history_chart_set_runs:
 * @runs: (element-type CsRunInfo): newest first, as cs_state_get_runs() gives them
 * @now: the time in µs since the epoch; runs older than 30 days before it are left out
 */
void
cs_history_chart_set_runs (CsHistoryChart *self, GPtrArray *runs, gint64 now)
{
	gint64 since = now - (gint64)DAYS * 24 * 3600 * G_USEC_PER_SEC;
	g_array_set_size (self->runs, 0);
	for (guint i = runs != NULL ? runs->len : 0; i > 0; i--) {
		const CsRunInfo *r = g_ptr_array_index (runs, i - 1);
		ChartRun cr = { r->started, { { 0 } } };
		guint totals[CS_COUNT_LAST][CS_SIDE_LAST];
		/* a preview wrote nothing */
		if (r->started < since || r->report == NULL
		    || g_strcmp0 (r->status, "dry-run") == 0)
			continue;
		cs_run_info_get_totals (r, totals);
		for (guint w = 0; w < N_WHAT; w++)
			for (guint s = 0; s < CS_SIDE_LAST; s++)
				cr.n[w][s] = totals[w][s];
		/* a run that changed nothing (most timer runs) would only crowd the bars */
		if (totals[0][0] + totals[0][1] + totals[1][0] + totals[1][1] + totals[2][0]
			    + totals[2][1]
		    == 0)
			continue;
		g_array_append_val (self->runs, cr);
	}
	gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
cs_history_chart_get_n_runs (CsHistoryChart *self)
{
	return self->runs->len;
}

guint
cs_history_chart_get_total (CsHistoryChart *self, CsCount what, CsSide side)
{
	guint n = 0;
	g_return_val_if_fail (what < N_WHAT, 0);
	for (guint i = 0; i < self->runs->len; i++)
		n += g_array_index (self->runs, ChartRun, i).n[what][side];
	return n;
}

static void
text_at (GtkWidget *widget, cairo_t *cr, gdouble x, gdouble y, const gchar *text, gboolean right)
{
	g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
	gint w, h;
	pango_layout_get_pixel_size (layout, &w, &h);
	cairo_move_to (cr, right ? x - w : x, y - h / 2.0);
	pango_cairo_show_layout (cr, layout);
}

static gboolean
cs_history_chart_draw (GtkWidget *widget, cairo_t *cr)
{
	CsHistoryChart *self = CS_HISTORY_CHART (widget);
	GtkStyleContext *style = gtk_widget_get_style_context (widget);
	gdouble width = gtk_widget_get_allocated_width (widget);
	gdouble height = gtk_widget_get_allocated_height (widget);
	gdouble left = 40, top = 28, bottom = 22, right = 8;
	gdouble plot_w = width - left - right, plot_h = height - top - bottom;
	guint max = 1;
	GdkRGBA fg;
	gdouble x;

	gtk_render_background (style, cr, 0, 0, width, height);
	gtk_style_context_get_color (style, gtk_style_context_get_state (style), &fg);
	gdk_cairo_set_source_rgba (cr, &fg);

	/* the legend: three colours, then what the two bars of a run are */
	x = left;
	for (guint w = 0; w < N_WHAT; w++) {
		g_autoptr (PangoLayout) layout
			= gtk_widget_create_pango_layout (widget, what_label (w));
		gint tw, th;
		pango_layout_get_pixel_size (layout, &tw, &th);
		cairo_set_source_rgb (cr, colours[w][0], colours[w][1], colours[w][2]);
		cairo_rectangle (cr, x, 8, 10, 10);
		cairo_fill (cr);
		gdk_cairo_set_source_rgba (cr, &fg);
		cairo_move_to (cr, x + 14, 13 - th / 2.0);
		pango_cairo_show_layout (cr, layout);
		x += 14 + tw + 16;
	}
	/* TRANSLATORS: the chart's legend: each run has two bars, the CRM's then Outlook's */
	text_at (widget, cr, x, 13, _ ("Per run: CRM | Outlook"), FALSE);

	if (self->runs->len == 0) {
		text_at (widget, cr, left, top + plot_h / 2, _ ("No runs in the last 30 days."),
			 FALSE);
		return FALSE;
	}
	for (guint i = 0; i < self->runs->len; i++) {
		ChartRun *r = &g_array_index (self->runs, ChartRun, i);
		for (guint s = 0; s < CS_SIDE_LAST; s++)
			max = MAX (max, r->n[0][s] + r->n[1][s] + r->n[2][s]);
	}
	/* the scale: 0 and the highest bar */
	{
		g_autofree gchar *top_text = g_strdup_printf ("%u", max);
		text_at (widget, cr, left - 6, top, top_text, TRUE);
		text_at (widget, cr, left - 6, top + plot_h, "0", TRUE);
	}
	cairo_set_line_width (cr, 1);
	cairo_move_to (cr, left + 0.5, top);
	cairo_line_to (cr, left + 0.5, top + plot_h + 0.5);
	cairo_line_to (cr, left + plot_w, top + plot_h + 0.5);
	cairo_stroke (cr);
	{
		gdouble slot = plot_w / self->runs->len;
		gdouble bar = MIN (24, MAX (1, (slot - 4) / 2));
		for (guint i = 0; i < self->runs->len; i++) {
			ChartRun *r = &g_array_index (self->runs, ChartRun, i);
			for (guint s = 0; s < CS_SIDE_LAST; s++) {
				gdouble bx = left + i * slot + (slot - 2 * bar) / 2 + s * bar;
				gdouble y = top + plot_h;
				for (guint w = 0; w < N_WHAT; w++) {
					gdouble h = plot_h * r->n[w][s] / max;
					if (h <= 0)
						continue;
					cairo_set_source_rgb (cr, colours[w][0], colours[w][1],
							      colours[w][2]);
					cairo_rectangle (cr, bx, y - h, MAX (1, bar - 1), h);
					cairo_fill (cr);
					y -= h;
				}
			}
		}
		/* the oldest and the newest run's day under the axis; their times when
		 * both are on one day (else the two ends read the same) */
		gdk_cairo_set_source_rgba (cr, &fg);
		for (guint end = 0; end < 2; end++) {
			guint i = end == 0 ? 0 : self->runs->len - 1;
			g_autoptr (GDateTime) dt = g_date_time_new_from_unix_local (
				g_array_index (self->runs, ChartRun, i).started / G_USEC_PER_SEC);
			g_autoptr (GDateTime) first = g_date_time_new_from_unix_local (
				g_array_index (self->runs, ChartRun, 0).started / G_USEC_PER_SEC);
			gboolean one_day = g_date_time_get_year (first) == g_date_time_get_year (dt) &&
					   g_date_time_get_day_of_year (first) ==
						   g_date_time_get_day_of_year (dt);
			/* TRANSLATORS: a day under the history chart, see g_date_time_format();
			 * the second: a time of day, when every run shown was on one day */
			g_autofree gchar *day = g_date_time_format (
				dt, one_day && self->runs->len > 1 ? _ ("%H:%M") : _ ("%d %b"));
			if (end == 1 && self->runs->len == 1)
				break;
			text_at (widget, cr, end == 0 ? left : left + plot_w,
				 top + plot_h + bottom / 2 + 2, day, end == 1);
		}
	}
	return FALSE;
}

static void
cs_history_chart_finalize (GObject *object)
{
	CsHistoryChart *self = CS_HISTORY_CHART (object);
	g_array_unref (self->runs);
	G_OBJECT_CLASS (cs_history_chart_parent_class)->finalize (object);
}

static void
cs_history_chart_class_init (CsHistoryChartClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_history_chart_finalize;
	GTK_WIDGET_CLASS (klass)->draw = cs_history_chart_draw;
}

static void
cs_history_chart_init (CsHistoryChart *self)
{
	self->runs = g_array_new (FALSE, TRUE, sizeof (ChartRun));
	gtk_widget_set_size_request (GTK_WIDGET (self), -1, 140);
}

GtkWidget *
cs_history_chart_new (void)
{
	return g_object_new (CS_TYPE_HISTORY_CHART, NULL);
}
