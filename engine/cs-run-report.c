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
	JsonArray *excluded;
	JsonArray *waiting;
	gchar *guard;
	JsonArray *overwritten;
	guint guard_confirm;
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
	json_array_unref (self->overwritten);
	json_array_unref (self->excluded);
	json_array_unref (self->review);
	json_array_unref (self->waiting);
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
	self->overwritten = json_array_new ();
	self->excluded = json_array_new ();
	self->review = json_array_new ();
	self->waiting = json_array_new ();
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

gboolean
cs_run_report_get_dry_run (CsRunReport *self)
{
	return self->dry_run;
}

/**
 * cs_run_report_add_excluded:
 *
 * A record the rules keep out by design (webCRM's completed activities, a
 * side that cannot be written): counted per kind, side and reason, never a
 * skip, and no reason for a partial run.
 */
void
cs_run_report_add_excluded (CsRunReport *self, CsKind kind, CsSide side, const gchar *reason)
{
	JsonObject *o;
	for (guint i = 0; i < json_array_get_length (self->excluded); i++) {
		o = json_array_get_object_element (self->excluded, i);
		if (g_strcmp0 (json_object_get_string_member (o, "kind"), cs_kind_to_string (kind)) == 0 &&
		    g_strcmp0 (json_object_get_string_member (o, "side"), cs_side_to_string (side)) == 0 &&
		    g_strcmp0 (json_object_get_string_member (o, "reason"), reason) == 0) {
			json_object_set_int_member (o, "count", json_object_get_int_member (o, "count") + 1);
			return;
		}
	}
	o = json_object_new ();
	json_object_set_string_member (o, "kind", cs_kind_to_string (kind));
	json_object_set_string_member (o, "side", cs_side_to_string (side));
	json_object_set_string_member (o, "reason", reason != NULL ? reason : "");
	json_object_set_int_member (o, "count", 1);
	json_array_add_object_element (self->excluded, o);
}

JsonArray *
cs_run_report_get_excluded (CsRunReport *self)
{
	return self->excluded;
}

JsonArray *
cs_run_report_get_plan (CsRunReport *self)
{
	return self->plan;
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

/**
 * cs_run_report_add_waiting:
 *
 * A record that is tried again on later runs (an e-mail waiting for its CRM
 * person): listed by name with why it waits, yet not a skip, so a run with
 * only these is not partial — the user has nothing to fix in crmsync.
 */
void
cs_run_report_add_waiting (CsRunReport *self, CsKind kind, CsSide side, const gchar *id,
			   const gchar *label, const gchar *reason)
{
	JsonObject *o = entry (kind, cs_side_to_string (side), id, label);
	json_object_set_string_member (o, "reason", reason != NULL ? reason : "");
	json_array_add_object_element (self->waiting, o);
}

JsonArray *
cs_run_report_get_waiting (CsRunReport *self)
{
	return self->waiting;
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

static JsonNode *
json_value_of (const gchar *text)
{
	g_autoptr(JsonParser) p = json_parser_new ();
	if (text != NULL && json_parser_load_from_data (p, text, -1, NULL) &&
	    json_parser_get_root (p) != NULL)
		return json_node_copy (json_parser_get_root (p));
	return json_node_init_null (json_node_alloc ());
}

/**
 * cs_run_report_add_overwritten:
 * @side: where @lost was written over
 * @kept: (nullable): the value written, JSON
 * @lost: (nullable): the value it replaced, JSON
 *
 * A value lost to crm-wins / outlook-wins / newest-wins (or to a one-way
 * direction): `overwritten` in the report (DESIGN.md, CLI contract).
 */
void
cs_run_report_add_overwritten (CsRunReport *self, CsKind kind, CsSide side, const gchar *id,
			       const gchar *label, const gchar *field, const gchar *kept,
			       const gchar *lost)
{
	JsonObject *o = entry (kind, cs_side_to_string (side), id, label != NULL ? label : "");
	json_object_set_string_member (o, "field", field);
	json_object_set_member (o, "kept", json_value_of (kept));
	json_object_set_member (o, "lost", json_value_of (lost));
	json_array_add_object_element (self->overwritten, o);
}

JsonArray *
cs_run_report_get_overwritten (CsRunReport *self)
{
	return self->overwritten;
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

/**
 * cs_run_report_set_guard_confirm:
 * @flags: the CsRunFlags that confirm what the guard stopped
 */
void
cs_run_report_set_guard_confirm (CsRunReport *self, guint flags)
{
	self->guard_confirm = flags;
}

guint
cs_run_report_get_guard_confirm (CsRunReport *self)
{
	return self->guard_confirm;
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
	json_object_set_array_member (o, "overwritten", json_array_ref (self->overwritten));
	json_object_set_array_member (o, "excluded", json_array_ref (self->excluded));
	json_object_set_array_member (o, "waiting", json_array_ref (self->waiting));
	json_object_set_array_member (o, "errors", json_array_ref (self->errors));
	json_object_set_array_member (o, "review", json_array_ref (self->review));
	if (self->guard != NULL)
		json_object_set_string_member (o, "guard", self->guard);
	/* what would have been done: a dry run, or a run a guard stopped */
	if (self->dry_run || self->status == CS_RUN_STOPPED)
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

/* "created 12 contacts": one whole message per count, verb and kind, so that
 * every language words and inflects it its own way */
static gchar *
count_phrase (CsCount what, CsKind kind, guint n, gboolean would)
{
	switch (what * 2 * CS_KIND_LAST + (would ? CS_KIND_LAST : 0) + kind) {
	case 0:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "created %u contact", "created %u contacts", n), n);
	case 1:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "created %u organisation", "created %u organisations", n), n);
	case 2:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "created %u task", "created %u tasks", n), n);
	case 3:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "created %u appointment", "created %u appointments", n), n);
	case 4:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "created %u e-mail", "created %u e-mails", n), n);
	case 5:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would create %u contact", "would create %u contacts", n), n);
	case 6:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would create %u organisation", "would create %u organisations", n), n);
	case 7:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would create %u task", "would create %u tasks", n), n);
	case 8:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would create %u appointment", "would create %u appointments", n), n);
	case 9:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would create %u e-mail", "would create %u e-mails", n), n);
	case 10:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "updated %u contact", "updated %u contacts", n), n);
	case 11:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "updated %u organisation", "updated %u organisations", n), n);
	case 12:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "updated %u task", "updated %u tasks", n), n);
	case 13:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "updated %u appointment", "updated %u appointments", n), n);
	case 14:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "updated %u e-mail", "updated %u e-mails", n), n);
	case 15:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would update %u contact", "would update %u contacts", n), n);
	case 16:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would update %u organisation", "would update %u organisations", n), n);
	case 17:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would update %u task", "would update %u tasks", n), n);
	case 18:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would update %u appointment", "would update %u appointments", n), n);
	case 19:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would update %u e-mail", "would update %u e-mails", n), n);
	case 20:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "deleted %u contact", "deleted %u contacts", n), n);
	case 21:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "deleted %u organisation", "deleted %u organisations", n), n);
	case 22:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "deleted %u task", "deleted %u tasks", n), n);
	case 23:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "deleted %u appointment", "deleted %u appointments", n), n);
	case 24:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "deleted %u e-mail", "deleted %u e-mails", n), n);
	case 25:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would delete %u contact", "would delete %u contacts", n), n);
	case 26:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would delete %u organisation", "would delete %u organisations", n), n);
	case 27:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would delete %u task", "would delete %u tasks", n), n);
	case 28:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would delete %u appointment", "would delete %u appointments", n), n);
	case 29:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would delete %u e-mail", "would delete %u e-mails", n), n);
	case 30:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "linked %u contact", "linked %u contacts", n), n);
	case 31:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "linked %u organisation", "linked %u organisations", n), n);
	case 32:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "linked %u task", "linked %u tasks", n), n);
	case 33:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "linked %u appointment", "linked %u appointments", n), n);
	case 34:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "linked %u e-mail", "linked %u e-mails", n), n);
	case 35:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would link %u contact", "would link %u contacts", n), n);
	case 36:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would link %u organisation", "would link %u organisations", n), n);
	case 37:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would link %u task", "would link %u tasks", n), n);
	case 38:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would link %u appointment", "would link %u appointments", n), n);
	case 39:
		return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "would link %u e-mail", "would link %u e-mails", n), n);
	default:
		return g_strdup_printf ("%u", n);
	}
}

/* a value as a person reads it: text as it is, nothing as "(empty)" */
static gchar *
value_text (JsonNode *n)
{
	if (n == NULL || JSON_NODE_HOLDS_NULL (n))
		return g_strdup (_("(empty)"));
	if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
		return g_strdup (json_node_get_string (n));
	return json_to_string (n, FALSE);
}

static const gchar *
side_action_text (const gchar *side, const gchar *what)
{
	gboolean crm = g_strcmp0 (side, "crm") == 0;
	if (g_strcmp0 (what, "create") == 0)
		return crm ? _("create in the CRM") : _("create in Outlook");
	if (g_strcmp0 (what, "delete") == 0)
		return crm ? _("delete in the CRM") : _("delete in Outlook");
	return crm ? _("update in the CRM") : _("update in Outlook");
}

/* a field as the user reads it: its label where the caller knows one, else its name */
static const gchar *
field_text (CsFieldLabelFunc func, gpointer data, CsKind kind, CsSide side, const gchar *field)
{
	const gchar *label = func != NULL && field != NULL ? func (kind, side, field, data) : NULL;
	return label != NULL ? label : field;
}

/**
 * cs_plan_append_text:
 * @plan: (element-type JsonObject): plan entries (cs_plan_item_to_json())
 *
 * A plan as a person reads it: grouped by kind, each record by its name
 * with what happens on which side, and each field as `old → new`.
 */
void
cs_plan_append_text (JsonArray *plan, GString *s)
{
	cs_plan_append_text_labelled (plan, s, NULL, NULL);
}

/**
 * cs_plan_append_text_labelled:
 * @func: (nullable): names each field by its label (cs_field_labels_func())
 *
 * cs_plan_append_text(), with the fields' labels instead of their names.
 */
void
cs_plan_append_text_labelled (JsonArray *plan, GString *s, CsFieldLabelFunc func,
			      gpointer user_data)
{
	for (guint k = 0; k < CS_KIND_LAST; k++) {
		gboolean heading = FALSE;
		for (guint i = 0; i < json_array_get_length (plan); i++) {
			JsonObject *e = json_array_get_object_element (plan, i);
			JsonArray *changes = json_object_get_array_member (e, "changes");
			const gchar *label = json_object_get_string_member_with_default (e, "label", "");
			const gchar *action = json_object_get_string_member_with_default (e, "action", "");
			GString *what = g_string_new (NULL);
			if (g_strcmp0 (json_object_get_string_member_with_default (e, "kind", ""),
				       cs_kind_to_string ((CsKind) k)) != 0)
				continue;
			if (!heading) {
				g_string_append_printf (s, "%s\n", cs_kind_get_label ((CsKind) k));
				heading = TRUE;
			}
			if (g_strcmp0 (action, "link") == 0)
				g_string_append (what, _("link"));
			for (guint side = 0; side < CS_SIDE_LAST; side++) {
				const gchar *name = cs_side_to_string ((CsSide) side);
				const gchar *w = json_object_get_string_member_with_default (e, name, NULL);
				if (w == NULL)
					continue;
				if (what->len > 0)
					g_string_append (what, ", ");
				g_string_append (what, side_action_text (name, w));
			}
			if (label[0] == '\0')
				label = json_object_get_string_member_with_default (e, "crm_id", "");
			/* TRANSLATORS: a record's name and what the run does to it */
			g_string_append_printf (s, _("  %s: %s\n"), label, what->str);
			g_string_free (what, TRUE);
			if (json_object_has_member (e, "reason"))
				g_string_append_printf (s, "    (%s)\n",
							json_object_get_string_member (e, "reason"));
			for (guint c = 0; changes != NULL && c < json_array_get_length (changes); c++) {
				JsonObject *ch = json_array_get_object_element (changes, c);
				const gchar *side = json_object_get_string_member_with_default (ch, "side", "");
				const gchar *w = json_object_get_string_member_with_default (e, side, "update");
				g_autofree gchar *old = value_text (json_object_get_member (ch, "old"));
				g_autofree gchar *new = value_text (json_object_get_member (ch, "new"));
				const gchar *field = field_text (
				    func, user_data, (CsKind) k,
				    g_strcmp0 (side, "outlook") == 0 ? CS_SIDE_OUTLOOK : CS_SIDE_CRM,
				    json_object_get_string_member_with_default (ch, "field", ""));
				const gchar *where = g_strcmp0 (side, "crm") == 0 ? _("CRM") : _("Outlook");
				if (g_strcmp0 (w, "create") == 0)
					g_string_append_printf (s, "    %s %s: %s\n", where, field, new);
				else if (g_strcmp0 (w, "delete") == 0)
					g_string_append_printf (s, "    %s %s: %s\n", where, field, old);
				else
					g_string_append_printf (s, "    %s %s: %s → %s\n", where, field, old, new);
			}
		}
	}
}

/**
 * cs_run_report_to_text:
 *
 * A few lines a person reads after a run; a dry run (or a run a guard
 * stopped) says what would be done, with its plan.
 */
gchar *
cs_run_report_to_text (CsRunReport *self)
{
	return cs_run_report_to_text_labelled (self, NULL, NULL);
}

/**
 * cs_run_report_to_text_labelled:
 * @func: (nullable): names each field by its label (cs_field_labels_func())
 *
 * cs_run_report_to_text(), with the fields' labels instead of their names: the JSON
 * report keeps the names (the CLI contract), the text speaks the user's words.
 */
gchar *
cs_run_report_to_text_labelled (CsRunReport *self, CsFieldLabelFunc func, gpointer user_data)
{
	GString *s = g_string_new (NULL);
	gboolean would = self->dry_run || self->status == CS_RUN_STOPPED;
	guint stopped[CS_COUNT_LAST][CS_SIDE_LAST][CS_KIND_LAST] = {{{0}}};

	/* a run a guard stopped counts nothing done: its counts are the plan's */
	if (self->status == CS_RUN_STOPPED && !self->dry_run) {
		for (guint i = 0; i < json_array_get_length (self->plan); i++) {
			JsonObject *e = json_array_get_object_element (self->plan, i);
			CsKind kind = CS_KIND_CONTACT;
			if (!cs_kind_from_string (json_object_get_string_member_with_default (e, "kind", ""), &kind))
				continue;
			for (guint side = 0; side < CS_SIDE_LAST; side++) {
				const gchar *w = json_object_get_string_member_with_default (
				    e, cs_side_to_string ((CsSide) side), "");
				if (g_strcmp0 (w, "create") == 0)
					stopped[CS_COUNT_CREATED][side][kind]++;
				else if (g_strcmp0 (w, "update") == 0)
					stopped[CS_COUNT_UPDATED][side][kind]++;
				else if (g_strcmp0 (w, "delete") == 0)
					stopped[CS_COUNT_DELETED][side][kind]++;
				if (g_strcmp0 (json_object_get_string_member_with_default (e, "action", ""), "link") == 0)
					stopped[CS_COUNT_LINKED][side][kind]++;
			}
		}
	}

	for (guint side = 0; side < CS_SIDE_LAST; side++) {
		gboolean any = FALSE;
		g_string_append_printf (s, "%s:", side == CS_SIDE_CRM ? _("CRM") : _("Outlook"));
		for (guint w = 0; w < CS_COUNT_LAST; w++) {
			for (guint k = 0; k < CS_KIND_LAST; k++) {
				guint n = self->status == CS_RUN_STOPPED && !self->dry_run ? stopped[w][side][k]
											    : self->counts[w][side][k];
				g_autofree gchar *phrase = NULL;
				if (n == 0)
					continue;
				phrase = count_phrase ((CsCount) w, (CsKind) k, n, would);
				g_string_append_printf (s, " %s,", phrase);
				any = TRUE;
			}
		}
		if (any)
			g_string_truncate (s, s->len - 1);
		else
			g_string_append_printf (s, " %s", _("no changes"));
		g_string_append_c (s, '\n');
	}
	if (would)
		cs_plan_append_text_labelled (self->plan, s, func, user_data);
	for (guint i = 0; i < json_array_get_length (self->skipped); i++) {
		JsonObject *o = json_array_get_object_element (self->skipped, i);
		CsKind kind = CS_KIND_CONTACT;
		const gchar *label = json_object_get_string_member_with_default (o, "label", "");
		const gchar *id = json_object_get_string_member (o, "id");
		cs_kind_from_string (json_object_get_string_member (o, "kind"), &kind);
		/* the name, and the id only where it says more */
		if (label[0] == '\0' || g_strcmp0 (label, id) == 0)
			g_string_append_printf (s, _("skipped %s %s: %s\n"), cs_kind_get_label (kind), id,
						json_object_get_string_member (o, "reason"));
		else
			g_string_append_printf (s, _("skipped %s %s (%s): %s\n"), cs_kind_get_label (kind),
						label, id, json_object_get_string_member (o, "reason"));
	}
	for (guint i = 0; i < json_array_get_length (self->waiting); i++) {
		JsonObject *o = json_array_get_object_element (self->waiting, i);
		CsKind kind = CS_KIND_CONTACT;
		cs_kind_from_string (json_object_get_string_member (o, "kind"), &kind);
		/* TRANSLATORS: kind, the record's name, why it waits */
		g_string_append_printf (s, _("waiting: %s %s: %s\n"), cs_kind_get_label (kind),
					json_object_get_string_member_with_default (o, "label", ""),
					json_object_get_string_member (o, "reason"));
	}
	for (guint i = 0; i < json_array_get_length (self->excluded); i++) {
		JsonObject *o = json_array_get_object_element (self->excluded, i);
		CsKind kind = CS_KIND_CONTACT;
		guint n = (guint) json_object_get_int_member (o, "count");
		cs_kind_from_string (json_object_get_string_member (o, "kind"), &kind);
		g_string_append_printf (s,
					g_dngettext (GETTEXT_PACKAGE, "%s: %u record kept out by the rules: %s\n",
						     "%s: %u records kept out by the rules: %s\n", n),
					cs_kind_get_label (kind), n, json_object_get_string_member (o, "reason"));
	}
	for (guint i = 0; i < json_array_get_length (self->conflicts); i++) {
		JsonObject *o = json_array_get_object_element (self->conflicts, i);
		CsKind kind = CS_KIND_CONTACT;
		const gchar *field = json_object_get_string_member_with_default (o, "field", NULL);
		g_autofree gchar *reason = NULL;
		cs_kind_from_string (json_object_get_string_member (o, "kind"), &kind);
		/* the reason again, with the field's label (the JSON keeps its name) */
		if (field != NULL)
			reason = g_strdup_printf (_("both sides changed %s"),
						  field_text (func, user_data, kind, CS_SIDE_CRM, field));
		else
			reason = g_strdup (json_object_get_string_member (o, "reason"));
		g_string_append_printf (s, _("conflict on %s %s: %s\n"), cs_kind_get_label (kind),
					json_object_get_string_member_with_default (o, "label", ""),
					reason);
	}
	for (guint i = 0; i < json_array_get_length (self->overwritten); i++) {
		JsonObject *o = json_array_get_object_element (self->overwritten, i);
		g_autofree gchar *kept = json_to_string (json_object_get_member (o, "kept"), FALSE);
		g_autofree gchar *lost = json_to_string (json_object_get_member (o, "lost"), FALSE);
		gboolean crm = g_strcmp0 (json_object_get_string_member (o, "side"), "crm") == 0;
		CsKind kind = CS_KIND_CONTACT;
		cs_kind_from_string (json_object_get_string_member (o, "kind"), &kind);
		/* TRANSLATORS: kind, record name, field, the value lost, the value kept */
		g_string_append_printf (s, crm ? _("overwritten in the CRM: %s %s, %s was %s, now %s\n")
					       : _("overwritten in Outlook: %s %s, %s was %s, now %s\n"),
					cs_kind_get_label (kind),
					json_object_get_string_member_with_default (o, "label", ""),
					field_text (func, user_data, kind, CS_SIDE_CRM,
						    json_object_get_string_member (o, "field")),
					lost, kept);
	}
	for (guint i = 0; i < json_array_get_length (self->review); i++) {
		JsonObject *o = json_array_get_object_element (self->review, i);
		/* TRANSLATORS: a probable duplicate; "crmsync-cli duplicates" lists them */
		CsKind kind = CS_KIND_CONTACT;
		cs_kind_from_string (json_object_get_string_member (o, "kind"), &kind);
		g_string_append_printf (s, _("held for review: %s %s (%s)\n"), cs_kind_get_label (kind),
					json_object_get_string_member (o, "label"),
					json_object_get_string_member (o, "reason"));
	}
	for (guint i = 0; i < json_array_get_length (self->errors); i++)
		g_string_append_printf (s, _("error: %s\n"), json_array_get_string_element (self->errors, i));
	if (self->guard != NULL)
		g_string_append_printf (s, _("stopped: %s\n"), self->guard);
	return g_string_free (s, FALSE);
}
