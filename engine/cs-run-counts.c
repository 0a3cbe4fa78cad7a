/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>

#include "cs-run-counts.h"

/*
 * What a past run did, read from the report the history keeps (the CLI contract's
 * {"created": {"crm": {kind: n}}}), so that the window never parses it itself.
 */

static const gchar *const count_members[CS_COUNT_LAST] = {"created", "updated", "deleted", "linked"};

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
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *o;
	JsonNode *n;
	g_return_val_if_fail (what < CS_COUNT_LAST, 0);
	if (run == NULL || run->report == NULL)
		return 0;
	parser = json_parser_new ();
	if (!json_parser_load_from_data (parser, run->report, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
		return 0;
	o = json_node_get_object (json_parser_get_root (parser));
	o = object_member (object_member (o, count_members[what]), cs_side_to_string (side));
	n = o != NULL ? json_object_get_member (o, cs_kind_to_string (kind)) : NULL;
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
		return 0;
	return (guint) MAX (0, json_node_get_int (n));
}
