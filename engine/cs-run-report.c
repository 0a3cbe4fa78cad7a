/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cs-run-report.h"

struct _CsRunReport {
	GObject parent_instance;
	CsRunStatus status;
	gboolean dry_run;
	guint counts[CS_COUNT_LAST][CS_SIDE_LAST][CS_KIND_LAST];
	JsonArray *skipped;
	JsonArray *conflicts;
	JsonArray *errors;
	JsonArray *plan;
	gchar *guard;
	JsonArray *review;
};

G_DEFINE_TYPE (CsRunReport, cs_run_report, G_TYPE_OBJECT)

static void
cs_run_report_finalize (GObject *object)
{
	CsRunReport *self = CS_RUN_REPORT (object);
	json_array_unref (self->skipped);
	json_array_unref (self->conflicts);
	json_array_unref (self->errors);
	json_array_unref (self->plan);
	json_array_unref (self->review);
	g_free (self->guard);
	G_OBJECT_CLASS (cs_run_report_parent_class)->finalize (object);
}

static void
cs_run_report_class_init (CsRunReportClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_run_report_finalize;
}

static void
cs_run_report_init (CsRunReport *self)
{
	self->skipped = json_array_new ();
	self->conflicts = json_array_new ();
	self->errors = json_array_new ();
	self->plan = json_array_new ();
	self->review = json_array_new ();
}

CsRunReport *
cs_run_report_new (void)
{
	return g_object_new (CS_TYPE_RUN_REPORT, NULL);
}

void
cs_run_report_set_status (CsRunReport *self, CsRunStatus status)
{
	self->status = status;
}

CsRunStatus
cs_run_report_get_status (CsRunReport *self)
{
	return self->status;
}

void
cs_run_report_set_dry_run (CsRunReport *self, gboolean dry_run)
{
	self->dry_run = dry_run;
}

void
cs_run_report_add_count (CsRunReport *self, CsCount what, CsSide side, CsKind kind, guint n)
{
	self->counts[what][side][kind] += n;
}

guint
cs_run_report_get_count (CsRunReport *self, CsCount what, CsSide side, CsKind kind)
{
	return self->counts[what][side][kind];
}

guint
cs_run_report_get_total (CsRunReport *self, CsCount what)
{
	guint n = 0;
	for (guint s = 0; s < CS_SIDE_LAST; s++)
		for (guint k = 0; k < CS_KIND_LAST; k++)
			n += self->counts[what][s][k];
	return n;
}

static JsonObject *
entry (CsKind kind, const gchar *side, const gchar *id, const gchar *label)
{
	JsonObject *o = json_object_new ();
	json_object_set_string_member (o, "kind", cs_kind_to_string (kind));
	if (side != NULL)
		json_object_set_string_member (o, "side", side);
	json_object_set_string_member (o, "id", id != NULL ? id : "");
	if (label != NULL)
		json_object_set_string_member (o, "label", label);
	return o;
}

void
cs_run_report_add_skip (CsRunReport *self, CsKind kind, CsSide side, const gchar *id,
			const gchar *label, const gchar *reason)
{
	JsonObject *o = entry (kind, cs_side_to_string (side), id, label);
	json_object_set_string_member (o, "reason", reason != NULL ? reason : "");
	json_array_add_object_element (self->skipped, o);
}

void
cs_run_report_add_conflict (CsRunReport *self, CsKind kind, const gchar *id, const gchar *label,
			    const gchar *field)
{
	JsonObject *o = entry (kind, "outlook", id, label);
	g_autofree gchar *reason = g_strdup_printf (_("both sides changed %s"), field);
	json_object_set_string_member (o, "field", field);
	json_object_set_string_member (o, "reason", reason);
	json_array_add_object_element (self->conflicts, o);
}

/* a probable match held for the user's review: not an error */
void
cs_run_report_add_review (CsRunReport *self, CsKind kind, const gchar *crm_id,
			  const gchar *outlook_id, const gchar *label, const gchar *reason)
{
	JsonObject *o = json_object_new ();
	json_object_set_string_member (o, "kind", cs_kind_to_string (kind));
	json_object_set_string_member (o, "crm_id", crm_id != NULL ? crm_id : "");
	json_object_set_string_member (o, "outlook_id", outlook_id != NULL ? outlook_id : "");
	json_object_set_string_member (o, "label", label != NULL ? label : "");
	json_object_set_string_member (o, "reason", reason != NULL ? reason : "");
	json_array_add_object_element (self->review, o);
}

guint
cs_run_report_get_n_review (CsRunReport *self)
{
	return json_array_get_length (self->review);
}

void
cs_run_report_add_error (CsRunReport *self, const gchar *message)
{
	json_array_add_string_element (self->errors, message);
}

void
cs_run_report_set_guard (CsRunReport *self, const gchar *message)
{
	g_free (self->guard);
	self->guard = g_strdup (message);
}

const gchar *
cs_run_report_get_guard (CsRunReport *self)
{
	return self->guard;
}

void
cs_run_report_add_plan_entry (CsRunReport *self, JsonNode *node)
{
	json_array_add_element (self->plan, node);
}

guint
cs_run_report_get_n_skipped (CsRunReport *self)
{
	return json_array_get_length (self->skipped);
}

guint
cs_run_report_get_n_conflicts (CsRunReport *self)
{
	return json_array_get_length (self->conflicts);
}

guint
cs_run_report_get_n_errors (CsRunReport *self)
{
	return json_array_get_length (self->errors);
}

JsonArray *
cs_run_report_get_skipped (CsRunReport *self)
{
	return self->skipped;
}

JsonArray *
cs_run_report_get_conflicts (CsRunReport *self)
{
	return self->conflicts;
}

JsonArray *
cs_run_report_get_errors (CsRunReport *self)
{
	return self->errors;
}

static JsonNode *
counts_node (CsRunReport *self, CsCount what)
{
	JsonObject *o = json_object_new ();
	JsonNode *n = json_node_new (JSON_NODE_OBJECT);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		JsonObject *per = json_object_new ();
		for (guint k = 0; k < CS_KIND_LAST; k++) {
			if (self->counts[what][s][k] > 0)
				json_object_set_int_member (per, cs_kind_to_string ((CsKind) k),
							    self->counts[what][s][k]);
		}
		json_object_set_object_member (o, cs_side_to_string ((CsSide) s), per);
	}
	json_node_take_object (n, o);
	return n;
}

static const gchar *
status_string (CsRunStatus status)
{
	static const gchar *names[] = {"ok", "partial", "failed", "stopped"};
	return names[status];
}

/**
 * cs_run_report_to_json:
 * Returns: (transfer full): the CLI's `--json` report (DESIGN.md)
 */
JsonNode *
cs_run_report_to_json (CsRunReport *self)
{
	JsonObject *o = json_object_new ();
	JsonNode *n = json_node_new (JSON_NODE_OBJECT);
	json_object_set_string_member (o, "status", status_string (self->status));
	if (self->dry_run)
		json_object_set_boolean_member (o, "dry_run", TRUE);
	json_object_set_member (o, "created", counts_node (self, CS_COUNT_CREATED));
	json_object_set_member (o, "updated", counts_node (self, CS_COUNT_UPDATED));
	json_object_set_member (o, "deleted", counts_node (self, CS_COUNT_DELETED));
	json_object_set_member (o, "linked", counts_node (self, CS_COUNT_LINKED));
	json_object_set_array_member (o, "skipped", json_array_ref (self->skipped));
	json_object_set_array_member (o, "conflicts", json_array_ref (self->conflicts));
	json_object_set_array_member (o, "errors", json_array_ref (self->errors));
	json_object_set_array_member (o, "review", json_array_ref (self->review));
	if (self->guard != NULL)
		json_object_set_string_member (o, "guard", self->guard);
	if (self->dry_run)
		json_object_set_array_member (o, "plan", json_array_ref (self->plan));
	json_node_take_object (n, o);
	return n;
}

CsExitCode
cs_run_report_get_exit_code (CsRunReport *self)
{
	switch (self->status) {
	case CS_RUN_OK:
		return CS_EXIT_OK;
	case CS_RUN_PARTIAL:
		return CS_EXIT_PARTIAL;
	case CS_RUN_STOPPED:
		return CS_EXIT_GUARD;
	case CS_RUN_FAILED:
	default:
		return CS_EXIT_UNREACHABLE;
	}
}

/**
 * cs_run_report_to_text:
 *
 * A few lines a person reads after a run.
 */
gchar *
cs_run_report_to_text (CsRunReport *self)
{
	GString *s = g_string_new (NULL);
	const gchar *what[] = {N_("created"), N_("updated"), N_("deleted"), N_("linked")};

	for (guint side = 0; side < CS_SIDE_LAST; side++) {
		gboolean any = FALSE;
		g_string_append_printf (s, "%s:", side == CS_SIDE_CRM ? _("CRM") : _("Outlook"));
		for (guint w = 0; w < CS_COUNT_LAST; w++) {
			for (guint k = 0; k < CS_KIND_LAST; k++) {
				guint n = self->counts[w][side][k];
				if (n == 0)
					continue;
				g_string_append_printf (s, " %s %u %s,", _(what[w]), n,
							cs_kind_to_string ((CsKind) k));
				any = TRUE;
			}
		}
		if (any)
			g_string_truncate (s, s->len - 1);
		else
			g_string_append_printf (s, " %s", _("no changes"));
		g_string_append_c (s, '\n');
	}
	for (guint i = 0; i < json_array_get_length (self->skipped); i++) {
		JsonObject *o = json_array_get_object_element (self->skipped, i);
		g_string_append_printf (s, _("skipped %s %s (%s): %s\n"),
					json_object_get_string_member (o, "kind"),
					json_object_get_string_member_with_default (o, "label", ""),
					json_object_get_string_member (o, "id"),
					json_object_get_string_member (o, "reason"));
	}
	for (guint i = 0; i < json_array_get_length (self->conflicts); i++) {
		JsonObject *o = json_array_get_object_element (self->conflicts, i);
		g_string_append_printf (s, _("conflict on %s %s: %s\n"),
					json_object_get_string_member (o, "kind"),
					json_object_get_string_member_with_default (o, "label", ""),
					json_object_get_string_member (o, "reason"));
	}
	for (guint i = 0; i < json_array_get_length (self->review); i++) {
		JsonObject *o = json_array_get_object_element (self->review, i);
		/* TRANSLATORS: a probable duplicate; "crmsync-cli duplicates" lists them */
		g_string_append_printf (s, _("held for review: %s %s (%s)\n"),
					json_object_get_string_member (o, "kind"),
					json_object_get_string_member (o, "label"),
					json_object_get_string_member (o, "reason"));
	}
	for (guint i = 0; i < json_array_get_length (self->errors); i++)
		g_string_append_printf (s, _("error: %s\n"), json_array_get_string_element (self->errors, i));
	if (self->guard != NULL)
		g_string_append_printf (s, _("stopped: %s\n"), self->guard);
	return g_string_free (s, FALSE);
}
