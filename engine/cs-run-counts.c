/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "cs-run-counts.h"

/*
 * What a past run did, read from the report the history keeps (the CLI contract's
 * {"created": {"crm": {kind: n}}}), so that the window never parses it itself.
 */

static const gchar *const count_members[CS_COUNT_LAST]
	= { "created", "updated", "deleted", "linked" };

static JsonObject *
object_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
	return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/**
 * cs_run_info_get_count:
 *
 * Returns: how many records of @kind the run created (updated, deleted, linked) on @side;
 * 0 when its report does not say (a failed run, an old history row)
 */
guint
cs_run_info_get_count (const CsRunInfo *run, CsCount what, CsSide side, CsKind kind)
{
	g_autoptr (JsonParser) parser = NULL;
	JsonObject *o;
	JsonNode *n;
	g_return_val_if_fail (what < CS_COUNT_LAST, 0);
	if (run == NULL || run->report == NULL)
		return 0;
	parser = json_parser_new ();
	if (!json_parser_load_from_data (parser, run->report, -1, NULL)
	    || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
		return 0;
	o = json_node_get_object (json_parser_get_root (parser));
	o = object_member (object_member (o, count_members[what]), cs_side_to_string (side));
	n = o != NULL ? json_object_get_member (o, cs_kind_to_string (kind)) : NULL;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
		return 0;
	return (guint)MAX (0, json_node_get_int (n));
}

/**
 * cs_run_skip_key:
 *
 * Returns: (transfer full): the key of a skipped record in cs_run_info_get_skip_labels()
 */
gchar *
cs_run_skip_key (CsKind kind, CsSide side, const gchar *id)
{
	return g_strdup_printf ("%s/%s/%s", cs_kind_to_string (kind), cs_side_to_string (side),
				id != NULL ? id : "");
}

/**
 * cs_run_info_get_skip_labels:
 *
 * The names of the records a run skipped, as its report gives them, so that a window lists
 * "Ada Lovelace" rather than a CRM id.
 *
 * Returns: (transfer full): cs_run_skip_key() → label
 */
GHashTable *
cs_run_info_get_skip_labels (const CsRunInfo *run)
{
	GHashTable *labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr (JsonParser) parser = NULL;
	JsonNode *n;
	JsonArray *a;
	if (run == NULL || run->report == NULL)
		return labels;
	parser = json_parser_new ();
	if (!json_parser_load_from_data (parser, run->report, -1, NULL)
	    || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
		return labels;
	n = json_object_get_member (json_node_get_object (json_parser_get_root (parser)),
				    "skipped");
	a = n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		JsonNode *e = json_array_get_element (a, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
		const gchar *kind_s
			= o != NULL ? json_object_get_string_member_with_default (o, "kind", NULL)
				    : NULL;
		const gchar *side_s
			= o != NULL ? json_object_get_string_member_with_default (o, "side", NULL)
				    : NULL;
		const gchar *id
			= o != NULL ? json_object_get_string_member_with_default (o, "id", NULL)
				    : NULL;
		const gchar *label
			= o != NULL ? json_object_get_string_member_with_default (o, "label", NULL)
				    : NULL;
		CsKind kind;
		if (label == NULL || label[0] == '\0' || kind_s == NULL
		    || !cs_kind_from_string (kind_s, &kind))
			continue;
		g_hash_table_insert (
			labels,
			cs_run_skip_key (
				kind,
				g_strcmp0 (side_s, "crm") == 0 ? CS_SIDE_CRM : CS_SIDE_OUTLOOK, id),
			g_strdup (label));
	}
	return labels;
}

/**
 * cs_run_info_get_totals:
 * @totals: (out caller-allocates): per count and side, all kinds summed
 *
 * The run's counts with its report read once (the History chart reads a
 * month of runs on the GTK thread).
 */
void
cs_run_info_get_totals (const CsRunInfo *run, guint totals[CS_COUNT_LAST][CS_SIDE_LAST])
{
	g_autoptr (JsonParser) parser = NULL;
	JsonObject *root;
	memset (totals, 0, sizeof (guint) * CS_COUNT_LAST * CS_SIDE_LAST);
	if (run == NULL || run->report == NULL)
		return;
	parser = json_parser_new ();
	if (!json_parser_load_from_data (parser, run->report, -1, NULL)
	    || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
		return;
	root = json_node_get_object (json_parser_get_root (parser));
	for (guint w = 0; w < CS_COUNT_LAST; w++) {
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			JsonObject *o = object_member (object_member (root, count_members[w]),
						       cs_side_to_string ((CsSide)s));
			for (guint k = 0; o != NULL && k < CS_KIND_LAST; k++) {
				JsonNode *n = json_object_get_member (o, cs_kind_to_string ((CsKind)k));
				if (n != NULL && JSON_NODE_HOLDS_VALUE (n)
				    && json_node_get_value_type (n) == G_TYPE_INT64)
					totals[w][s] += (guint)MAX (0, json_node_get_int (n));
			}
		}
	}
}
