/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "emu-orocrm.h"

/*
 * Oro's JSON:API (/api/…) as documented in api-specs.md section 1: contacts,
 * contactaddresses, tasks and the lists they point to, with Oro's filters,
 * sorting, paging, sparse fields, includes, error documents and the batch
 * API. Every resource is one row of `res`; attributes and relationships are
 * JSON so that filters run in SQL.
 */

typedef enum {
	T_STRING, T_TEXT, T_DATE, T_DATETIME, T_BOOL, T_INT, T_EMAILS, T_PHONES, T_GENDER,
	T_LAST_UNSET,
} AttrType;

enum {
	F_RO = 1 << 0,	   /* computed by the server, ignored in requests */
	F_REQ = 1 << 1,	   /* required on create, never blank */
	F_FILTER = 1 << 2, /* indexed: filter[name] works */
	F_SORT = 1 << 3,
};

typedef struct {
	const gchar *name;
	AttrType type;
	guint flags;
} AttrDef;

typedef struct {
	const gchar *name;
	const gchar *target; /* NULL: any activity target */
	gboolean many;
	guint flags;
} RelDef;

typedef struct {
	const gchar *type;
	gboolean numeric; /* ids are generated integers */
	gboolean writable;
	gboolean batch;
	const AttrDef *attrs;
	const RelDef *rels;
} TypeDef;

static const AttrDef contact_attrs[] = {
    {"namePrefix", T_STRING, 0}, {"firstName", T_STRING, F_FILTER | F_SORT},
    {"middleName", T_STRING, 0}, {"lastName", T_STRING, F_SORT}, {"nameSuffix", T_STRING, 0},
    {"gender", T_GENDER, 0}, {"birthday", T_DATE, 0}, {"description", T_TEXT, 0},
    {"jobTitle", T_STRING, 0}, {"fax", T_STRING, 0}, {"skype", T_STRING, 0},
    {"twitter", T_STRING, 0}, {"facebook", T_STRING, 0}, {"googlePlus", T_STRING, 0},
    {"linkedIn", T_STRING, 0}, {"emails", T_EMAILS, F_FILTER | F_SORT},
    {"phones", T_PHONES, F_FILTER | F_SORT}, {"primaryEmail", T_STRING, F_FILTER},
    {"primaryPhone", T_STRING, F_FILTER}, {"createdAt", T_DATETIME, F_RO},
    {"updatedAt", T_DATETIME, F_RO | F_FILTER | F_SORT}, {"timesContacted", T_INT, F_RO},
    {NULL}};
static const RelDef contact_rels[] = {
    {"owner", "users", FALSE, F_FILTER}, {"assignedTo", "users", FALSE, F_FILTER},
    {"reportsTo", "contacts", FALSE, F_FILTER}, {"organization", "organizations", FALSE, F_FILTER},
    {"addresses", "contactaddresses", TRUE, F_RO}, {"accounts", "accounts", TRUE, 0},
    {NULL}};

/* accounts (OroAccountBundle): a name the form requires, Oro's ownership */
static const AttrDef account_attrs[] = {
    {"name", T_STRING, F_REQ | F_SORT}, {"createdAt", T_DATETIME, F_RO},
    {"updatedAt", T_DATETIME, F_RO | F_FILTER | F_SORT}, {NULL}};
static const RelDef account_rels[] = {
    {"owner", "users", FALSE, F_FILTER}, {"organization", "organizations", FALSE, F_FILTER},
    {"defaultContact", "contacts", FALSE, 0}, {NULL}};

static const AttrDef address_attrs[] = {
    {"primary", T_BOOL, 0}, {"label", T_STRING, 0}, {"street", T_STRING, 0},
    {"street2", T_STRING, 0}, {"city", T_STRING, 0}, {"postalCode", T_STRING, 0},
    {"organization", T_STRING, 0}, {"namePrefix", T_STRING, 0}, {"firstName", T_STRING, 0},
    {"middleName", T_STRING, 0}, {"lastName", T_STRING, 0}, {"nameSuffix", T_STRING, 0},
    {"customRegion", T_STRING, 0}, {"createdAt", T_DATETIME, F_RO},
    {"updatedAt", T_DATETIME, F_RO | F_FILTER | F_SORT}, {NULL}};
static const RelDef address_rels[] = {
    {"owner", "contacts", FALSE, F_REQ | F_FILTER}, {"types", "addresstypes", TRUE, 0},
    {"country", "countries", FALSE, 0}, {"region", "regions", FALSE, 0}, {NULL}};

static const AttrDef task_attrs[] = {
    {"subject", T_STRING, F_REQ | F_SORT}, {"description", T_TEXT, 0},
    {"dueDate", T_DATETIME, F_FILTER | F_SORT}, {"createdAt", T_DATETIME, F_RO},
    {"updatedAt", T_DATETIME, F_RO | F_FILTER | F_SORT}, {NULL}};
static const RelDef task_rels[] = {
    {"taskPriority", "taskpriorities", FALSE, F_REQ | F_FILTER},
    {"status", "taskstatuses", FALSE, F_REQ | F_FILTER}, {"owner", "users", FALSE, F_FILTER},
    {"organization", "organizations", FALSE, F_FILTER}, {"createdBy", "users", FALSE, F_RO},
    {"activityTargets", NULL, TRUE, 0}, {NULL}};

static const AttrDef user_attrs[] = {
    {"username", T_STRING, F_FILTER | F_SORT}, {"email", T_STRING, F_FILTER},
    {"firstName", T_STRING, 0}, {"lastName", T_STRING, 0}, {"enabled", T_BOOL, 0},
    {"createdAt", T_DATETIME, F_RO}, {"updatedAt", T_DATETIME, F_RO | F_FILTER}, {NULL}};
static const AttrDef name_attrs[] = {{"name", T_STRING, 0}, {NULL}};
static const AttrDef label_attrs[] = {{"label", T_STRING, 0}, {"order", T_INT, F_FILTER | F_SORT}, {NULL}};
static const AttrDef status_attrs[] = {{"name", T_STRING, 0}, {"priority", T_INT, F_SORT},
				       {"default", T_BOOL, 0}, {NULL}};
static const AttrDef country_attrs[] = {{"name", T_STRING, 0}, {"iso3Code", T_STRING, 0}, {NULL}};
static const RelDef no_rels[] = {{NULL}};
static const RelDef user_rels[] = {{"organization", "organizations", FALSE, 0}, {NULL}};

static const TypeDef types[] = {
    {"contacts", TRUE, TRUE, TRUE, contact_attrs, contact_rels},
    {"contactaddresses", TRUE, TRUE, TRUE, address_attrs, address_rels},
    {"tasks", TRUE, TRUE, TRUE, task_attrs, task_rels},
    {"users", TRUE, FALSE, FALSE, user_attrs, user_rels},
    {"organizations", TRUE, FALSE, FALSE, name_attrs, no_rels},
    {"accounts", TRUE, TRUE, FALSE, account_attrs, account_rels},
    {"taskpriorities", FALSE, FALSE, FALSE, label_attrs, no_rels},
    {"taskstatuses", FALSE, FALSE, FALSE, status_attrs, no_rels},
    {"addresstypes", FALSE, FALSE, FALSE, label_attrs, no_rels},
    {"countries", FALSE, FALSE, FALSE, country_attrs, no_rels},
};

typedef struct {
	GHashTable *custom; /* type → GPtrArray of AttrDef (custom fields, owned) */
	gchar *main_user;   /* the --user last written into users row 1 */
	sqlite3 *db;
	guint64 res_changes; /* rows of res written so far (the update hook counts) */
	GHashTable *lists;   /* list query → ListMemo, see handle_list */
} EmuOro;

/* What a list query found last time, valid while res is unchanged: a page
 * request counts its rows (X-Include: totalCount) and skips its OFFSET again,
 * both linear in the collection, which made reading 100k contacts page by page
 * quadratic. */
typedef struct {
	guint64 res_changes;
	gint64 data_version; /* another connection's commits (PRAGMA data_version) */
	gint64 count;	     /* -1: not counted yet */
	gint64 next_number;  /* the page that starts after … */
	gint64 last_n;	     /* … the row with this n */
} ListMemo;

#define LIST_MEMOS 64

static void
attr_def_free (gpointer p)
{
	AttrDef *a = p;
	g_free ((gchar *) a->name);
	g_free (a);
}

static void
emu_oro_free (gpointer p)
{
	EmuOro *oro = p;
	if (oro->db != NULL)
		sqlite3_update_hook (oro->db, NULL, NULL);
	g_hash_table_unref (oro->lists);
	g_hash_table_unref (oro->custom);
	g_free (oro->main_user);
	g_free (oro);
}

static EmuOro *
get_oro (EmuServer *server)
{
	return emu_server_get_api_data (server);
}

static const TypeDef *
lookup_type (const gchar *name)
{
	for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
		if (g_strcmp0 (types[i].type, name) == 0)
			return &types[i];
	}
	return NULL;
}

static const AttrDef *
lookup_attr (EmuServer *server, const TypeDef *td, const gchar *name)
{
	GPtrArray *custom = g_hash_table_lookup (get_oro (server)->custom, td->type);
	for (guint i = 0; td->attrs[i].name != NULL; i++) {
		if (g_strcmp0 (td->attrs[i].name, name) == 0)
			return &td->attrs[i];
	}
	for (guint i = 0; custom != NULL && i < custom->len; i++) {
		const AttrDef *a = g_ptr_array_index (custom, i);
		if (g_strcmp0 (a->name, name) == 0)
			return a;
	}
	return NULL;
}

static const RelDef *
lookup_rel (const TypeDef *td, const gchar *name)
{
	for (guint i = 0; td->rels[i].name != NULL; i++) {
		if (g_strcmp0 (td->rels[i].name, name) == 0)
			return &td->rels[i];
	}
	return NULL;
}

/* times */

gchar *
emu_oro_time_format (GDateTime *dt)
{
	g_autoptr(GDateTime) utc = g_date_time_to_utc (dt);
	return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * emu_oro_time_parse:
 *
 * Oro's datetime value: year, month, day, hour, minute precision allowed
 * (missing parts filled), two fraction digits, `Z` or `±HH[:MM]`; a space
 * stands for a `+` that the client did not encode.
 */
GDateTime *
emu_oro_time_parse (const gchar *text)
{
	g_autoptr(GRegex) re = g_regex_new (
	    "^(\\d{4})(?:-(\\d{2})(?:-(\\d{2})(?:T(\\d{2})(?::(\\d{2}))?(?::(\\d{2}))?(?:\\.(\\d{1,6}))?"
	    "(Z|[-+ ]\\d{2}(?::?\\d{2})?)?)?)?)?$",
	    0, 0, NULL);
	g_autoptr(GMatchInfo) mi = NULL;
	g_autofree gchar *fixed = g_strdup (text);
	g_autofree gchar *iso = NULL;
	gchar *parts[9] = {NULL};
	GDateTime *dt;

	g_strdelimit (fixed, " ", '+');
	if (!g_regex_match (re, text, 0, &mi))
		return NULL;
	for (guint i = 1; i <= 8; i++) {
		parts[i] = g_match_info_fetch (mi, (gint) i);
		if (parts[i] != NULL && parts[i][0] == '\0')
			g_clear_pointer (&parts[i], g_free);
	}
	if (parts[8] != NULL)
		g_strdelimit (parts[8], " ", '+');
	iso = g_strdup_printf ("%s-%s-%sT%s:%s:%s%s", parts[1], parts[2] ? parts[2] : "01",
			       parts[3] ? parts[3] : "01", parts[4] ? parts[4] : "00",
			       parts[5] ? parts[5] : "00", parts[6] ? parts[6] : "00",
			       parts[8] ? parts[8] : "Z");
	dt = g_date_time_new_from_iso8601 (iso, NULL);
	for (guint i = 1; i <= 8; i++)
		g_free (parts[i]);
	return dt;
}

static gchar *
now_string (void)
{
	return emu_now_iso ();
}

static gboolean
valid_date (const gchar *s)
{
	gint y, m, d;
	gchar tail;
	if (strlen (s) != 10 || sscanf (s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return FALSE;
	return g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
}

/* errors */

static JsonObject *
error_object (guint status, const gchar *title, const gchar *detail)
{
	JsonObject *e = json_object_new ();
	g_autofree gchar *st = g_strdup_printf ("%u", status);
	json_object_set_string_member (e, "status", st);
	json_object_set_string_member (e, "title", title);
	json_object_set_string_member (e, "detail", detail);
	return e;
}

static void
add_error (JsonArray *errors, guint status, const gchar *title, const gchar *detail,
	   const gchar *source_kind, const gchar *source)
{
	JsonObject *e = error_object (status, title, detail);
	if (source != NULL) {
		JsonObject *src = json_object_new ();
		json_object_set_string_member (src, source_kind, source);
		json_object_set_object_member (e, "source", src);
	}
	json_array_add_object_element (errors, e);
}

static void
reply_errors (SoupServerMessage *msg, JsonArray *errors)
{
	JsonObject *first = json_array_get_object_element (errors, 0);
	guint status = (guint) g_ascii_strtoull (json_object_get_string_member (first, "status"), NULL, 10);
	g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	JsonObject *o = json_object_new ();

	/* one status for the response: the first error's, 400 when they differ */
	for (guint i = 1; i < json_array_get_length (errors); i++) {
		JsonObject *e = json_array_get_object_element (errors, i);
		if (g_strcmp0 (json_object_get_string_member (e, "status"),
			       json_object_get_string_member (first, "status")) != 0)
			status = 400;
	}
	json_object_set_array_member (o, "errors", json_array_ref (errors));
	json_node_take_object (root, o);
	emu_reply_json (msg, status, EMU_ORO_JSONAPI, root);
}

void
emu_oro_jsonapi_error (SoupServerMessage *msg, guint status, const gchar *title,
		       const gchar *detail)
{
	g_autoptr(JsonArray) errors = json_array_new ();
	json_array_add_object_element (errors, error_object (status, title, detail));
	reply_errors (msg, errors);
}

static void
error_param (SoupServerMessage *msg, guint status, const gchar *title, const gchar *detail,
	     const gchar *parameter)
{
	g_autoptr(JsonArray) errors = json_array_new ();
	add_error (errors, status, title, detail, "parameter", parameter);
	reply_errors (msg, errors);
}

/* database helpers */

static JsonObject *
parse_object (const gchar *text)
{
	g_autoptr(JsonNode) node = cs_json_parse (text != NULL ? text : "{}", -1, FALSE, NULL);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
		return json_object_new ();
	return json_object_ref (json_node_get_object (node));
}

static gchar *
object_to_string (JsonObject *o)
{
	g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
	json_node_set_object (node, o);
	return emu_json_text (node);
}

typedef struct {
	gchar *id;
	JsonObject *attrs;
	JsonObject *rels;
	gchar *created;
	gchar *updated;
} Row;

static void
row_free (Row *row)
{
	if (row == NULL)
		return;
	g_free (row->id);
	if (row->attrs != NULL)
		json_object_unref (row->attrs);
	if (row->rels != NULL)
		json_object_unref (row->rels);
	g_free (row->created);
	g_free (row->updated);
	g_free (row);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Row, row_free)

#define ROW_COLUMNS "id, attrs, rels, created, updated"

static Row *
row_from_stmt (sqlite3_stmt *st)
{
	Row *row = g_new0 (Row, 1);
	row->id = g_strdup ((const gchar *) sqlite3_column_text (st, 0));
	row->attrs = parse_object ((const gchar *) sqlite3_column_text (st, 1));
	row->rels = parse_object ((const gchar *) sqlite3_column_text (st, 2));
	row->created = g_strdup ((const gchar *) sqlite3_column_text (st, 3));
	row->updated = g_strdup ((const gchar *) sqlite3_column_text (st, 4));
	return row;
}

static Row *
load_row (EmuServer *server, const gchar *type, const gchar *id)
{
	g_autoptr(sqlite3_stmt) st = emu_db_prepare (
	    server, "SELECT " ROW_COLUMNS " FROM res WHERE type = ? AND id = ?", NULL);
	sqlite3_bind_text (st, 1, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 2, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (st) != SQLITE_ROW)
		return NULL;
	return row_from_stmt (st);
}

static gboolean
row_exists (EmuServer *server, const gchar *type, const gchar *id)
{
	g_autoptr(sqlite3_stmt) st =
	    emu_db_prepare (server, "SELECT 1 FROM res WHERE type = ? AND id = ?", NULL);
	sqlite3_bind_text (st, 1, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 2, id, -1, SQLITE_TRANSIENT);
	return sqlite3_step (st) == SQLITE_ROW;
}

static gint64
next_id (EmuServer *server, const gchar *type)
{
	/* written so that the (type, n) index answers it: MAX() inside an
	 * expression made SQLite scan every row of the type */
	g_autoptr(sqlite3_stmt) st = emu_db_prepare (
	    server, "SELECT n FROM res WHERE type = ? AND n IS NOT NULL ORDER BY n DESC LIMIT 1", NULL);
	sqlite3_bind_text (st, 1, type, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (st) != SQLITE_ROW)
		return 1;
	return sqlite3_column_int64 (st, 0) + 1;
}

static const gchar *
rel_id (JsonObject *rels, const gchar *name)
{
	JsonNode *n = json_object_get_member (rels, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
		return NULL;
	return json_node_get_string (n);
}

static gboolean
store_row (EmuServer *server, const gchar *type, Row *row, gboolean insert)
{
	g_autofree gchar *attrs = object_to_string (row->attrs);
	g_autofree gchar *rels = object_to_string (row->rels);
	g_autoptr(sqlite3_stmt) st = emu_db_prepare (
	    server,
	    insert ? "INSERT INTO res (type, id, n, attrs, rels, owner, parent, created, updated) "
		     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		   : "UPDATE res SET attrs = ?4, rels = ?5, owner = ?6, parent = ?7, created = ?8, "
		     "updated = ?9 WHERE type = ?1 AND id = ?2",
	    NULL);
	const gchar *owner = rel_id (row->rels, "owner");

	sqlite3_bind_text (st, 1, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 2, row->id, -1, SQLITE_TRANSIENT);
	const TypeDef *td = lookup_type (type);

	if (td != NULL && td->numeric)
		sqlite3_bind_int64 (st, 3, g_ascii_strtoll (row->id, NULL, 10));
	sqlite3_bind_text (st, 4, attrs, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 5, rels, -1, SQLITE_TRANSIENT);
	/* owner is a user for contacts and tasks, the contact for an address */
	if (owner != NULL && g_strcmp0 (type, "contactaddresses") != 0)
		sqlite3_bind_int64 (st, 6, g_ascii_strtoll (owner, NULL, 10));
	if (owner != NULL && g_strcmp0 (type, "contactaddresses") == 0)
		sqlite3_bind_text (st, 7, owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 8, row->created, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 9, row->updated, -1, SQLITE_TRANSIENT);
	return sqlite3_step (st) == SQLITE_DONE;
}

/* rendering */

typedef struct {
	EmuServer *server;
	gchar *origin;		/* scheme://host:port of the request */
	GHashTable *fields;	/* type → GHashTable of names (sparse fieldsets) */
	gboolean links;
} RenderCtx;

static gboolean
field_wanted (RenderCtx *ctx, const gchar *type, const gchar *name)
{
	GHashTable *set = ctx->fields != NULL ? g_hash_table_lookup (ctx->fields, type) : NULL;
	return set == NULL || g_hash_table_contains (set, name);
}

/* a linkage object, {"type":…,"id":…} (a NULL id as null) */
static void
append_linkage (GString *out, const gchar *type, const gchar *id)
{
	g_string_append (out, "{\"type\":");
	cs_json_append_string (out, type);
	g_string_append (out, ",\"id\":");
	cs_json_append_string (out, id);
	g_string_append_c (out, '}');
}

static void
append_address_ids (GString *out, EmuServer *server, const gchar *contact_id)
{
	g_autoptr(sqlite3_stmt) st = emu_db_prepare (
	    server, "SELECT id FROM res WHERE type = 'contactaddresses' AND parent = ? ORDER BY n",
	    NULL);
	gboolean first = TRUE;
	sqlite3_bind_text (st, 1, contact_id, -1, SQLITE_TRANSIENT);
	g_string_append_c (out, '[');
	while (sqlite3_step (st) == SQLITE_ROW) {
		if (!first)
			g_string_append_c (out, ',');
		first = FALSE;
		append_linkage (out, "contactaddresses", (const gchar *) sqlite3_column_text (st, 0));
	}
	g_string_append_c (out, ']');
}

/* A resource object, written as text: building a JsonObject per row, writing
 * it and freeing it was over half of the emulator's CPU when a first sync
 * reads 1,000 contacts a page. render() reads this text back for the answers
 * that are built as trees, so both say the same. */
static void
render_text (RenderCtx *ctx, const TypeDef *td, Row *row, GString *out)
{
	GPtrArray *custom = g_hash_table_lookup (get_oro (ctx->server)->custom, td->type);
	gboolean first = TRUE, any_rel = FALSE;
	guint n_attrs = 0;

	g_string_append (out, "{\"type\":");
	cs_json_append_string (out, td->type);
	g_string_append (out, ",\"id\":");
	cs_json_append_string (out, row->id);
	if (ctx->links) {
		g_autofree gchar *self = g_strdup_printf ("%s/api/%s/%s", ctx->origin, td->type, row->id);
		g_string_append (out, ",\"links\":{\"self\":");
		cs_json_append_string (out, self);
		g_string_append_c (out, '}');
	}
	g_string_append (out, ",\"attributes\":{");
	for (n_attrs = 0; td->attrs[n_attrs].name != NULL; n_attrs++)
		;
	for (guint i = 0; i < n_attrs + (custom != NULL ? custom->len : 0); i++) {
		const AttrDef *a = i < n_attrs ? &td->attrs[i] : g_ptr_array_index (custom, i - n_attrs);
		JsonNode *v;
		if (!field_wanted (ctx, td->type, a->name))
			continue;
		if (!first)
			g_string_append_c (out, ',');
		first = FALSE;
		cs_json_append_string (out, a->name);
		g_string_append_c (out, ':');
		if (g_strcmp0 (a->name, "createdAt") == 0)
			cs_json_append_string (out, row->created);
		else if (g_strcmp0 (a->name, "updatedAt") == 0)
			cs_json_append_string (out, row->updated);
		else if ((v = json_object_get_member (row->attrs, a->name)) != NULL)
			cs_json_append (out, v);
		else if (a->type == T_EMAILS || a->type == T_PHONES)
			g_string_append (out, "[]");
		else if (a->type == T_INT && (a->flags & F_RO))
			g_string_append_c (out, '0');
		else
			g_string_append (out, "null");
	}
	g_string_append_c (out, '}');
	for (guint i = 0; td->rels[i].name != NULL; i++) {
		const RelDef *r = &td->rels[i];
		JsonNode *stored;
		if (!field_wanted (ctx, td->type, r->name))
			continue;
		g_string_append (out, any_rel ? "," : ",\"relationships\":{");
		any_rel = TRUE;
		cs_json_append_string (out, r->name);
		g_string_append (out, ":{\"data\":");
		stored = json_object_get_member (row->rels, r->name);
		if (g_strcmp0 (td->type, "contacts") == 0 && g_strcmp0 (r->name, "addresses") == 0) {
			append_address_ids (out, ctx->server, row->id);
		} else if (r->many) {
			JsonArray *in = stored != NULL && JSON_NODE_HOLDS_ARRAY (stored)
					    ? json_node_get_array (stored)
					    : NULL;
			g_string_append_c (out, '[');
			for (guint j = 0; in != NULL && j < json_array_get_length (in); j++) {
				JsonNode *e = json_array_get_element (in, j);
				if (j > 0)
					g_string_append_c (out, ',');
				if (JSON_NODE_HOLDS_OBJECT (e))
					cs_json_append (out, e);
				else
					append_linkage (out, r->target, json_node_get_string (e));
			}
			g_string_append_c (out, ']');
		} else if (stored != NULL && JSON_NODE_HOLDS_VALUE (stored)) {
			append_linkage (out, r->target, json_node_get_string (stored));
		} else {
			g_string_append (out, "null");
		}
		g_string_append_c (out, '}');
	}
	if (any_rel)
		g_string_append_c (out, '}');
	g_string_append_c (out, '}');
}

static JsonObject *
render (RenderCtx *ctx, const TypeDef *td, Row *row)
{
	g_autoptr(GString) text = g_string_new (NULL);
	g_autoptr(JsonNode) node = NULL;
	render_text (ctx, td, row, text);
	node = cs_json_parse (text->str, (gssize) text->len, FALSE, NULL);
	g_assert (node != NULL && JSON_NODE_HOLDS_OBJECT (node));
	return json_object_ref (json_node_get_object (node));
}

/* a document built as text, see render_text */
static void
reply_text (SoupServerMessage *msg, guint status, GString *text)
{
	gsize len = text->len;
	soup_server_message_set_status (msg, status, NULL);
	soup_server_message_set_response (msg, EMU_ORO_JSONAPI, SOUP_MEMORY_TAKE,
					  g_string_free (text, FALSE), len);
}

static void
reply_document (SoupServerMessage *msg, guint status, JsonObject *doc)
{
	g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
	json_node_set_object (root, doc);
	emu_reply_json (msg, status, EMU_ORO_JSONAPI, root);
}

/* query strings: Oro takes `filter[x][op]=v` and `filter[x]>v` alike, which
 * a form decoder cannot split, so the raw query is parsed here */

typedef struct {
	gchar *key; /* filter[updatedAt], page[size], sort … */
	gchar *op;  /* eq, neq, lt, lte, gt, gte, exists, neq_or_null, … */
	gchar *value;
} QParam;

static void
qparam_free (QParam *q)
{
	g_free (q->key);
	g_free (q->op);
	g_free (q->value);
	g_free (q);
}

static const struct {
	const gchar *sym;
	const gchar *name;
} op_symbols[] = {{"!=", "neq"}, {"<>", "neq"}, {"<=", "lte"}, {">=", "gte"}, {"!*", "neq_or_null"},
		  {"!~", "not_contains"}, {"!^", "not_starts_with"}, {"!$", "not_ends_with"},
		  {"=", "eq"}, {"<", "lt"}, {">", "gt"}, {"*", "exists"}, {"~", "contains"},
		  {"^", "starts_with"}, {"$", "ends_with"}};

static GPtrArray *
parse_query (const gchar *raw)
{
	GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) qparam_free);
	g_auto(GStrv) parts = g_strsplit (raw != NULL ? raw : "", "&", -1);

	for (guint i = 0; parts[i] != NULL; i++) {
		g_autofree gchar *decoded = g_uri_unescape_string (parts[i], NULL);
		QParam *q;
		const gchar *p;
		gsize klen = 0;
		if (decoded == NULL || decoded[0] == '\0')
			continue;
		/* key: name[...][...] */
		p = decoded;
		while (*p != '\0' && (g_ascii_isalnum (*p) || *p == '_' || *p == '-' || *p == '.'))
			p++;
		while (*p == '[') {
			const gchar *close = strchr (p, ']');
			if (close == NULL)
				break;
			p = close + 1;
		}
		klen = (gsize) (p - decoded);
		q = g_new0 (QParam, 1);
		q->key = g_strndup (decoded, klen);
		for (guint j = 0; j < G_N_ELEMENTS (op_symbols); j++) {
			if (g_str_has_prefix (p, op_symbols[j].sym)) {
				q->op = g_strdup (op_symbols[j].name);
				p += strlen (op_symbols[j].sym);
				/* `filter[x]>=5` came as key, "=" … only for the bare symbols */
				if (!g_str_equal (q->op, "eq") && *p == '=' &&
				    strlen (op_symbols[j].sym) == 1 &&
				    (g_str_equal (q->op, "lt") || g_str_equal (q->op, "gt"))) {
					g_free (q->op);
					q->op = g_strdup (g_str_equal (op_symbols[j].sym, "<") ? "lte" : "gte");
					p++;
				} else if (!g_str_equal (q->op, "eq") && *p == '=') {
					p++;
				}
				break;
			}
		}
		if (q->op == NULL)
			q->op = g_strdup ("eq");
		q->value = g_strdup (p);
		/* filter[x][gt]=v: the operator in brackets */
		if (g_str_has_prefix (q->key, "filter[")) {
			gchar *second = strstr (q->key + 7, "][");
			if (second != NULL) {
				g_free (q->op);
				q->op = g_strndup (second + 2, strlen (second + 2) - 1);
				second[1] = '\0';
			}
		}
		g_ptr_array_add (out, q);
	}
	return out;
}

static const gchar *
qparam_get (GPtrArray *params, const gchar *key)
{
	for (guint i = 0; i < params->len; i++) {
		QParam *q = g_ptr_array_index (params, i);
		if (g_strcmp0 (q->key, key) == 0)
			return q->value;
	}
	return NULL;
}

/* listing */

typedef struct {
	GString *where;
	GPtrArray *binds; /* strings */
} Sql;

static gboolean
attr_is_ordered (AttrType t)
{
	return t == T_DATETIME || t == T_DATE || t == T_INT;
}

/* the SQL expression of a filterable or sortable field, NULL if it is not */
static gchar *
field_expr (EmuServer *server, const TypeDef *td, const gchar *name, guint flag,
	    gboolean *ordered, gboolean *list_attr)
{
	const AttrDef *a;
	const RelDef *r;

	*ordered = FALSE;
	*list_attr = FALSE;
	if (g_strcmp0 (name, "id") == 0) {
		*ordered = td->numeric;
		return g_strdup (td->numeric ? "n" : "id");
	}
	if ((a = lookup_attr (server, td, name)) != NULL && (a->flags & flag)) {
		*ordered = attr_is_ordered (a->type);
		if (g_strcmp0 (name, "updatedAt") == 0)
			return g_strdup ("updated");
		if (g_strcmp0 (name, "createdAt") == 0)
			return g_strdup ("created");
		if (a->type == T_EMAILS || a->type == T_PHONES) {
			*list_attr = TRUE;
			return g_strdup (a->type == T_EMAILS ? "email" : "phone");
		}
		return g_strdup_printf ("json_extract (attrs, '$.%s')", name);
	}
	if (flag == F_FILTER && (r = lookup_rel (td, name)) != NULL && (r->flags & F_FILTER)) {
		if (g_strcmp0 (name, "owner") == 0 && g_strcmp0 (td->type, "contactaddresses") == 0)
			return g_strdup ("parent");
		if (g_strcmp0 (name, "owner") == 0) {
			*ordered = TRUE;
			return g_strdup ("owner");
		}
		return g_strdup_printf ("json_extract (rels, '$.%s')", name);
	}
	return NULL;
}

static gboolean
normalize_filter_value (const TypeDef *td, const gchar *field, gboolean ordered, gchar **value,
			SoupServerMessage *msg, const gchar *param)
{
	if (g_strcmp0 (field, "id") == 0 && td->numeric) {
		gint64 v;
		if (!g_ascii_string_to_signed (*value, 10, G_MININT64, G_MAXINT64, &v, NULL)) {
			g_autofree gchar *detail =
			    g_strdup_printf ("Expected integer value. Given \"%s\".", *value);
			error_param (msg, 400, "unexpected value exception", detail, param);
			return FALSE;
		}
		return TRUE;
	}
	if (g_strcmp0 (field, "updatedAt") == 0 || g_strcmp0 (field, "createdAt") == 0 ||
	    g_strcmp0 (field, "dueDate") == 0) {
		g_autoptr(GDateTime) dt = emu_oro_time_parse (*value);
		if (dt == NULL) {
			g_autofree gchar *detail = g_strdup_printf (
			    "Expected datetime value. Given \"%s\".", *value);
			error_param (msg, 400, "unexpected value exception", detail, param);
			return FALSE;
		}
		g_free (*value);
		*value = emu_oro_time_format (dt);
	}
	return TRUE;
}

static gboolean
add_filter (EmuServer *server, const TypeDef *td, QParam *q, Sql *sql, SoupServerMessage *msg)
{
	g_autofree gchar *field = g_strndup (q->key + 7, strlen (q->key + 7) - 1);
	g_autofree gchar *expr = NULL;
	g_autofree gchar *param = g_strdup (q->key);
	gboolean ordered, list_attr;
	const gchar *op = q->op;
	g_auto(GStrv) values = NULL;
	gboolean string_ops_only;

	if (g_strcmp0 (td->type, "tasks") == 0 && g_strcmp0 (field, "ownerUsername") == 0) {
		g_string_append (sql->where, " AND owner IN (SELECT n FROM res WHERE type = 'users' "
					     "AND json_extract (attrs, '$.username') = ?)");
		g_ptr_array_add (sql->binds, g_strdup (q->value));
		return TRUE;
	}
	expr = field_expr (server, td, field, F_FILTER, &ordered, &list_attr);
	if (expr == NULL) {
		g_autofree gchar *detail = g_strdup_printf ("Filter \"%s\" is not supported.", q->key);
		error_param (msg, 400, "filter constraint", detail, param);
		return FALSE;
	}
	string_ops_only = !ordered;
	if (!g_str_equal (op, "eq") && !g_str_equal (op, "neq") && !g_str_equal (op, "exists") &&
	    !g_str_equal (op, "neq_or_null") &&
	    (string_ops_only || !(g_str_equal (op, "lt") || g_str_equal (op, "lte") ||
				  g_str_equal (op, "gt") || g_str_equal (op, "gte")))) {
		g_autofree gchar *detail =
		    g_strdup_printf ("The operator \"%s\" is not supported.", op);
		error_param (msg, 400, "filter constraint", detail, param);
		return FALSE;
	}
	if (g_str_equal (op, "exists") || g_str_equal (op, "neq_or_null")) {
		gboolean yes = g_str_equal (op, "neq_or_null") ||
			       g_strv_contains ((const gchar *const[]){"yes", "true", "1", NULL}, q->value);
		if (g_str_equal (op, "exists") &&
		    !g_strv_contains ((const gchar *const[]){"yes", "no", "true", "false", "1", "0", NULL},
				      q->value)) {
			g_autofree gchar *detail =
			    g_strdup_printf ("Expected boolean value. Given \"%s\".", q->value);
			error_param (msg, 400, "unexpected value exception", detail, param);
			return FALSE;
		}
		if (g_str_equal (op, "neq_or_null")) {
			g_string_append_printf (sql->where, " AND (%s IS NULL OR %s != ?)", expr, expr);
			g_ptr_array_add (sql->binds, g_strdup (q->value));
		} else if (list_attr) {
			g_string_append_printf (sql->where,
						" AND json_array_length (attrs, '$.%s') %s 0", field,
						yes ? ">" : "=");
		} else {
			g_string_append_printf (sql->where, " AND %s IS %s NULL", expr, yes ? "NOT" : "");
		}
		return TRUE;
	}
	/* a..b is an inclusive range, a,b a list of values */
	if (g_str_equal (op, "eq") && ordered && strstr (q->value, "..") != NULL) {
		g_auto(GStrv) range = g_strsplit (q->value, "..", 2);
		for (guint i = 0; i < 2; i++) {
			if (!normalize_filter_value (td, field, ordered, &range[i], msg, param))
				return FALSE;
		}
		g_string_append_printf (sql->where, " AND %s BETWEEN ? AND ?", expr);
		g_ptr_array_add (sql->binds, g_strdup (range[0]));
		g_ptr_array_add (sql->binds, g_strdup (range[1]));
		return TRUE;
	}
	values = g_strsplit (q->value, ",", -1);
	for (guint i = 0; values[i] != NULL; i++) {
		if (!normalize_filter_value (td, field, ordered, &values[i], msg, param))
			return FALSE;
	}
	if (list_attr) {
		g_string_append_printf (sql->where,
					" AND %s EXISTS (SELECT 1 FROM json_each (attrs, '$.%s') "
					"WHERE json_extract (value, '$.%s') IN (",
					g_str_equal (op, "neq") ? "NOT" : "", field, expr);
		for (guint i = 0; values[i] != NULL; i++) {
			g_string_append (sql->where, i > 0 ? ", ?" : "?");
			g_ptr_array_add (sql->binds, g_strdup (values[i]));
		}
		g_string_append (sql->where, "))");
		return TRUE;
	}
	if (g_str_equal (op, "eq") || g_str_equal (op, "neq")) {
		g_string_append_printf (sql->where, " AND %s %s IN (", expr,
					g_str_equal (op, "neq") ? "NOT" : "");
		for (guint i = 0; values[i] != NULL; i++) {
			g_string_append (sql->where, i > 0 ? ", ?" : "?");
			g_ptr_array_add (sql->binds, g_strdup (values[i]));
		}
		g_string_append (sql->where, ")");
		return TRUE;
	}
	g_string_append_printf (sql->where, " AND %s %s ?", expr,
				g_str_equal (op, "lt")	  ? "<"
				: g_str_equal (op, "lte") ? "<="
				: g_str_equal (op, "gt")  ? ">"
							  : ">=");
	g_ptr_array_add (sql->binds, g_strdup (values[0]));
	return TRUE;
}

static gboolean
build_filters (EmuServer *server, const TypeDef *td, GPtrArray *params, Sql *sql,
	       SoupServerMessage *msg, guint *n_filters)
{
	*n_filters = 0;
	for (guint i = 0; i < params->len; i++) {
		QParam *q = g_ptr_array_index (params, i);
		if (g_str_has_prefix (q->key, "filter[") && g_str_has_suffix (q->key, "]")) {
			if (!add_filter (server, td, q, sql, msg))
				return FALSE;
			(*n_filters)++;
		} else if (!g_str_equal (q->key, "sort") && !g_str_equal (q->key, "page[size]") &&
			   !g_str_equal (q->key, "page[number]") && !g_str_equal (q->key, "include") &&
			   !g_str_equal (q->key, "meta") && !g_str_has_prefix (q->key, "fields[")) {
			g_autofree gchar *detail =
			    g_strdup_printf ("Filter \"%s\" is not supported.", q->key);
			error_param (msg, 400, "filter constraint", detail, q->key);
			return FALSE;
		}
	}
	return TRUE;
}

static void
bind_all (sqlite3_stmt *st, const gchar *type, GPtrArray *binds)
{
	sqlite3_bind_text (st, 1, type, -1, SQLITE_TRANSIENT);
	for (guint i = 0; i < binds->len; i++)
		sqlite3_bind_text (st, (gint) i + 2, g_ptr_array_index (binds, i), -1, SQLITE_TRANSIENT);
}

static gchar *
page_link (RenderCtx *ctx, const gchar *path, const gchar *raw_query, gint64 number)
{
	g_auto(GStrv) parts = g_strsplit (raw_query != NULL ? raw_query : "", "&", -1);
	GString *s = g_string_new (NULL);

	for (guint i = 0; parts[i] != NULL; i++) {
		g_autofree gchar *decoded = g_uri_unescape_string (parts[i], NULL);
		if (parts[i][0] == '\0' || (decoded != NULL && g_str_has_prefix (decoded, "page[number]")))
			continue;
		g_string_append_printf (s, "%s%s", s->len > 0 ? "&" : "", parts[i]);
	}
	if (number > 1)
		g_string_append_printf (s, "%spage%%5Bnumber%%5D=%" G_GINT64_FORMAT,
					s->len > 0 ? "&" : "", number);
	{
		gchar *link = g_strdup_printf ("%s%s%s%s", ctx->origin, path, s->len > 0 ? "?" : "",
					       s->str);
		g_string_free (s, TRUE);
		return link;
	}
}

static gboolean
parse_fields (EmuServer *server, GPtrArray *params, RenderCtx *ctx)
{
	for (guint i = 0; i < params->len; i++) {
		QParam *q = g_ptr_array_index (params, i);
		g_autofree gchar *type = NULL;
		g_auto(GStrv) names = NULL;
		GHashTable *set;
		if (!g_str_has_prefix (q->key, "fields[") || !g_str_has_suffix (q->key, "]"))
			continue;
		type = g_strndup (q->key + 7, strlen (q->key + 7) - 1);
		if (ctx->fields == NULL)
			ctx->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
							     (GDestroyNotify) g_hash_table_unref);
		set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
		names = g_strsplit (q->value, ",", -1);
		for (guint j = 0; names[j] != NULL; j++)
			g_hash_table_add (set, g_strdup (g_strstrip (names[j])));
		g_hash_table_replace (ctx->fields, g_steal_pointer (&type), set);
	}
	return TRUE;
}

/* ,"included":[…] for @include (names of relationships), or FALSE after an
 * error answer for a name that cannot be included (before anything is written) */
static gboolean
append_included (RenderCtx *ctx, const TypeDef *td, GPtrArray *rows, const gchar *include,
		 GString *out, SoupServerMessage *msg)
{
	g_auto(GStrv) names = g_strsplit (include, ",", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	gboolean first = TRUE;

	for (guint i = 0; names[i] != NULL; i++) {
		const RelDef *r = lookup_rel (td, names[i]);
		if (r == NULL || r->target == NULL || lookup_type (r->target) == NULL) {
			g_autofree gchar *detail = g_strdup_printf (
			    "The relationship \"%s\" does not exist or cannot be included.", names[i]);
			error_param (msg, 400, "include constraint", detail, "include");
			return FALSE;
		}
	}
	g_string_append (out, ",\"included\":[");
	for (guint i = 0; names[i] != NULL; i++) {
		const RelDef *r = lookup_rel (td, names[i]);
		const TypeDef *target = r != NULL ? lookup_type (r->target) : NULL;
		if (target == NULL)
			continue; /* checked above */
		for (guint j = 0; j < rows->len; j++) {
			Row *row = g_ptr_array_index (rows, j);
			g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
			if (g_str_equal (r->name, "addresses")) {
				g_autoptr(sqlite3_stmt) st = emu_db_prepare (
				    ctx->server,
				    "SELECT id FROM res WHERE type = 'contactaddresses' AND parent = ? "
				    "ORDER BY n",
				    NULL);
				sqlite3_bind_text (st, 1, row->id, -1, SQLITE_TRANSIENT);
				while (sqlite3_step (st) == SQLITE_ROW)
					g_ptr_array_add (ids,
							 g_strdup ((const gchar *) sqlite3_column_text (st, 0)));
			} else if (r->many) {
				JsonNode *n = json_object_get_member (row->rels, r->name);
				JsonArray *a = n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
				for (guint k = 0; a != NULL && k < json_array_get_length (a); k++)
					g_ptr_array_add (ids, g_strdup (json_array_get_string_element (a, k)));
			} else if (rel_id (row->rels, r->name) != NULL) {
				g_ptr_array_add (ids, g_strdup (rel_id (row->rels, r->name)));
			}
			for (guint k = 0; k < ids->len; k++) {
				g_autofree gchar *key = g_strdup_printf ("%s/%s", target->type,
									 (gchar *) ids->pdata[k]);
				g_autoptr(Row) other = NULL;
				if (g_hash_table_contains (seen, key))
					continue;
				other = load_row (ctx->server, target->type, ids->pdata[k]);
				if (other == NULL)
					continue;
				g_hash_table_add (seen, g_steal_pointer (&key));
				if (!first)
					g_string_append_c (out, ',');
				first = FALSE;
				render_text (ctx, target, other, out);
			}
		}
	}
	g_string_append_c (out, ']');
	return TRUE;
}

static void
res_changed (gpointer data, int op, const char *db_name, const char *table, sqlite3_int64 rowid)
{
	EmuOro *oro = data;
	if (g_strcmp0 (table, "res") == 0)
		oro->res_changes++;
}

static gint64
data_version (EmuServer *server)
{
	g_autoptr(sqlite3_stmt) st = emu_db_prepare (server, "PRAGMA data_version", NULL);
	return st != NULL && sqlite3_step (st) == SQLITE_ROW ? sqlite3_column_int64 (st, 0) : -1;
}

/* the memo of a list query (its type, filters, binds, order and page size),
 * forgotten if res changed since */
static ListMemo *
list_memo (EmuServer *server, const TypeDef *td, Sql *sql, const gchar *order, gint64 size)
{
	EmuOro *oro = get_oro (server);
	GString *key = g_string_new (td->type);
	gint64 version = data_version (server);
	ListMemo *memo;

	g_string_append_printf (key, "\x1f%s\x1f%s\x1f%" G_GINT64_FORMAT, sql->where->str, order, size);
	for (guint i = 0; i < sql->binds->len; i++)
		g_string_append_printf (key, "\x1f%s", (gchar *) g_ptr_array_index (sql->binds, i));
	memo = g_hash_table_lookup (oro->lists, key->str);
	if (memo != NULL && (memo->res_changes != oro->res_changes || memo->data_version != version))
		memo = NULL;
	if (memo == NULL) {
		if (g_hash_table_size (oro->lists) >= LIST_MEMOS)
			g_hash_table_remove_all (oro->lists);
		memo = g_new0 (ListMemo, 1);
		memo->res_changes = oro->res_changes;
		memo->data_version = version;
		memo->count = -1;
		g_hash_table_replace (oro->lists, g_string_free (key, FALSE), memo);
	} else {
		g_string_free (key, TRUE);
	}
	return memo;
}

static void
handle_list (EmuServer *server, SoupServerMessage *msg, RenderCtx *ctx, const TypeDef *td,
	     const gchar *path, const gchar *raw_query, GPtrArray *params)
{
	Sql sql = {g_string_new (NULL), g_ptr_array_new_with_free_func (g_free)};
	g_autoptr(GString) order = g_string_new (NULL);
	g_autofree gchar *query = NULL;
	g_autoptr(sqlite3_stmt) st = NULL;
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
	const gchar *sort = qparam_get (params, "sort");
	const gchar *size_s = qparam_get (params, "page[size]");
	const gchar *number_s = qparam_get (params, "page[number]");
	const gchar *include = qparam_get (params, "include");
	const gchar *x_include = soup_message_headers_get_one (
	    soup_server_message_get_request_headers (msg), "X-Include");
	gint64 size = 10, number = 1;
	gboolean more = FALSE, by_n;
	ListMemo *memo;
	guint n_filters;
	GString *doc;

	if (!build_filters (server, td, params, &sql, msg, &n_filters))
		goto out;
	if (size_s != NULL &&
	    (!g_ascii_string_to_signed (size_s, 10, -1, G_MAXINT32, &size, NULL) || size == 0)) {
		g_autofree gchar *detail = g_strdup_printf ("Expected integer value. Given \"%s\".", size_s);
		error_param (msg, 400, "unexpected value exception", detail, "page[size]");
		goto out;
	}
	if (number_s != NULL && !g_ascii_string_to_signed (number_s, 10, 1, G_MAXINT32, &number, NULL)) {
		g_autofree gchar *detail =
		    g_strdup_printf ("Expected integer value. Given \"%s\".", number_s);
		error_param (msg, 400, "unexpected value exception", detail, "page[number]");
		goto out;
	}
	if (sort != NULL) {
		g_auto(GStrv) keys = g_strsplit (sort, ",", -1);
		for (guint i = 0; keys[i] != NULL; i++) {
			gboolean desc = keys[i][0] == '-';
			const gchar *name = desc ? keys[i] + 1 : keys[i];
			gboolean ordered, list_attr;
			g_autofree gchar *expr = field_expr (server, td, name, F_SORT, &ordered, &list_attr);
			if (expr == NULL || list_attr) {
				g_autofree gchar *detail =
				    g_strdup_printf ("Sorting by \"%s\" field is not supported.", name);
				if (list_attr && expr != NULL) {
					/* by the primary value, as Oro sorts emails/phones */
					g_free (expr);
					expr = g_strdup_printf ("json_extract (attrs, '$.primary%s')",
								g_str_equal (name, "emails") ? "Email" : "Phone");
				} else {
					error_param (msg, 400, "sort constraint", detail, "sort");
					goto out;
				}
			}
			g_string_append_printf (order, "%s%s%s", order->len > 0 ? ", " : "", expr,
						desc ? " DESC" : "");
		}
	}
	g_string_append_printf (order, "%s%s", order->len > 0 ? ", " : "", td->numeric ? "n" : "id");
	parse_fields (server, params, ctx);
	memo = list_memo (server, td, &sql, order->str, size);
	/* in id order, the page after the one seen last starts after its last row */
	by_n = size > 0 && td->numeric && (g_str_equal (order->str, "n") || g_str_equal (order->str, "n, n"));

	if (by_n && number > 1 && memo->next_number == number)
		query = g_strdup_printf ("SELECT " ROW_COLUMNS " FROM res WHERE type = ?1%s AND n > %" G_GINT64_FORMAT
					 " ORDER BY %s LIMIT %" G_GINT64_FORMAT,
					 sql.where->str, memo->last_n, order->str, size + 1);
	else if (size > 0)
		query = g_strdup_printf ("SELECT " ROW_COLUMNS " FROM res WHERE type = ?1%s ORDER BY %s "
					 "LIMIT %" G_GINT64_FORMAT " OFFSET %" G_GINT64_FORMAT,
					 sql.where->str, order->str, size + 1, (number - 1) * size);
	else
		query = g_strdup_printf ("SELECT " ROW_COLUMNS " FROM res WHERE type = ?1%s ORDER BY %s",
					 sql.where->str, order->str);
	st = emu_db_prepare (server, query, NULL);
	bind_all (st, td->type, sql.binds);
	while (sqlite3_step (st) == SQLITE_ROW) {
		if (size > 0 && (gint64) rows->len == size) {
			more = TRUE;
			break;
		}
		g_ptr_array_add (rows, row_from_stmt (st));
	}
	memo->next_number = 0;
	if (by_n && more) {
		/* only where n is the id itself: "007" and "7" would share an n */
		Row *last = g_ptr_array_index (rows, rows->len - 1);
		gint64 n = g_ascii_strtoll (last->id, NULL, 10);
		g_autofree gchar *canonical = g_strdup_printf ("%" G_GINT64_FORMAT, n);
		if (g_str_equal (canonical, last->id)) {
			memo->next_number = number + 1;
			memo->last_n = n;
		}
	}

	doc = g_string_sized_new (256 + rows->len * 1536);
	g_string_append (doc, "{\"data\":[");
	for (guint i = 0; i < rows->len; i++) {
		if (i > 0)
			g_string_append_c (doc, ',');
		render_text (ctx, td, g_ptr_array_index (rows, i), doc);
	}
	g_string_append_c (doc, ']');
	if (include != NULL && !append_included (ctx, td, rows, include, doc, msg)) {
		g_string_free (doc, TRUE);
		goto out;
	}
	if (ctx->links && (number > 1 || more)) {
		g_string_append (doc, ",\"links\":{");
		if (number > 1) {
			g_autofree gchar *first = page_link (ctx, path, raw_query, 1);
			g_autofree gchar *prev = page_link (ctx, path, raw_query, number - 1);
			g_string_append (doc, "\"first\":");
			cs_json_append_string (doc, first);
			g_string_append (doc, ",\"prev\":");
			cs_json_append_string (doc, prev);
		}
		if (more) {
			g_autofree gchar *next = page_link (ctx, path, raw_query, number + 1);
			g_string_append (doc, number > 1 ? ",\"next\":" : "\"next\":");
			cs_json_append_string (doc, next);
		}
		g_string_append_c (doc, '}');
	}
	g_string_append_c (doc, '}');
	if (x_include != NULL && strstr (x_include, "totalCount") != NULL) {
		g_autofree gchar *count = NULL;
		if (memo->count < 0) {
			g_autofree gchar *cq = g_strdup_printf (
			    "SELECT COUNT (*) FROM res WHERE type = ?1%s", sql.where->str);
			g_autoptr(sqlite3_stmt) cst = emu_db_prepare (server, cq, NULL);
			bind_all (cst, td->type, sql.binds);
			sqlite3_step (cst);
			memo->count = sqlite3_column_int64 (cst, 0);
		}
		count = g_strdup_printf ("%" G_GINT64_FORMAT, memo->count);
		soup_message_headers_replace (soup_server_message_get_response_headers (msg),
					      "X-Include-Total-Count", count);
	}
	reply_text (msg, 200, doc);
out:
	g_string_free (sql.where, TRUE);
	g_ptr_array_unref (sql.binds);
}

/* writing */

typedef struct {
	EmuServer *server;
	EmuOroUser *user;
	JsonArray *errors;
	gboolean seeding; /* createdAt/updatedAt and ids are taken as given */
} WriteCtx;

static gboolean
check_value (WriteCtx *w, const AttrDef *a, JsonNode *v, const gchar *ptr, JsonNode **out)
{
	GType vt = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;

	*out = NULL;
	if (JSON_NODE_HOLDS_NULL (v)) {
		*out = json_node_copy (v);
		return TRUE;
	}
	switch (a->type) {
	case T_STRING:
	case T_TEXT:
	case T_GENDER:
		if (vt != G_TYPE_STRING) {
			add_error (w->errors, 400, "form constraint", "This value should be of type string.",
				   "pointer", ptr);
			return FALSE;
		}
		if (a->type == T_STRING && g_utf8_strlen (json_node_get_string (v), -1) > 255) {
			add_error (w->errors, 400, "length constraint",
				   "This value is too long. It should have 255 characters or less.",
				   "pointer", ptr);
			return FALSE;
		}
		if (a->type == T_GENDER &&
		    !g_strv_contains ((const gchar *const[]){"male", "female", NULL},
				      json_node_get_string (v))) {
			add_error (w->errors, 400, "choice constraint",
				   "The value you selected is not a valid choice.", "pointer", ptr);
			return FALSE;
		}
		break;
	case T_DATE:
		if (vt != G_TYPE_STRING || !valid_date (json_node_get_string (v))) {
			add_error (w->errors, 400, "form constraint", "This value is not a valid date.",
				   "pointer", ptr);
			return FALSE;
		}
		break;
	case T_DATETIME: {
		g_autoptr(GDateTime) dt = vt == G_TYPE_STRING ? emu_oro_time_parse (json_node_get_string (v)) : NULL;
		g_autofree gchar *norm = NULL;
		if (dt == NULL) {
			add_error (w->errors, 400, "form constraint", "This value is not a valid datetime.",
				   "pointer", ptr);
			return FALSE;
		}
		norm = emu_oro_time_format (dt);
		*out = json_node_init_string (json_node_alloc (), norm);
		return TRUE;
	}
	case T_BOOL:
		if (vt != G_TYPE_BOOLEAN) {
			add_error (w->errors, 400, "form constraint", "This value should be of type boolean.",
				   "pointer", ptr);
			return FALSE;
		}
		break;
	case T_INT:
		if (vt != G_TYPE_INT64) {
			add_error (w->errors, 400, "form constraint", "This value should be of type integer.",
				   "pointer", ptr);
			return FALSE;
		}
		break;
	case T_LAST_UNSET:
		break;
	case T_EMAILS:
	case T_PHONES: {
		const gchar *member = a->type == T_EMAILS ? "email" : "phone";
		JsonArray *arr = JSON_NODE_HOLDS_ARRAY (v) ? json_node_get_array (v) : NULL;
		JsonArray *clean;
		if (arr == NULL) {
			add_error (w->errors, 400, "form constraint", "This value should be of type array.",
				   "pointer", ptr);
			return FALSE;
		}
		clean = json_array_new ();
		for (guint i = 0; i < json_array_get_length (arr); i++) {
			JsonObject *e = json_array_get_object_element (arr, i);
			const gchar *s = e != NULL ? json_object_get_string_member_with_default (e, member, NULL) : NULL;
			g_autofree gchar *eptr = g_strdup_printf ("%s/%u/%s", ptr, i, member);
			JsonObject *c;
			if (s == NULL || s[0] == '\0') {
				add_error (w->errors, 400, "not blank constraint",
					   "This value should not be blank.", "pointer", eptr);
				json_array_unref (clean);
				return FALSE;
			}
			if (a->type == T_EMAILS && (strchr (s, '@') == NULL || strchr (s, ' ') != NULL)) {
				add_error (w->errors, 400, "email constraint",
					   "This value is not a valid email address.", "pointer", eptr);
				json_array_unref (clean);
				return FALSE;
			}
			c = json_object_new ();
			json_object_set_string_member (c, member, s);
			json_array_add_object_element (clean, c);
		}
		*out = json_node_new (JSON_NODE_ARRAY);
		json_node_take_array (*out, clean);
		return TRUE;
	}
	}
	*out = json_node_copy (v);
	return TRUE;
}

static gboolean
target_exists (EmuServer *server, const gchar *type, const gchar *id)
{
	if (g_strcmp0 (type, "regions") == 0) {
		/* regions are not kept; an ISO 3166-2 code is accepted */
		return strlen (id) >= 4 && id[2] == '-';
	}
	return row_exists (server, type, id);
}

static gboolean
check_linkage (WriteCtx *w, const RelDef *r, JsonNode *v, const gchar *ptr, JsonNode **out)
{
	*out = NULL;
	if (r->many) {
		JsonArray *arr = JSON_NODE_HOLDS_ARRAY (v) ? json_node_get_array (v) : NULL;
		JsonArray *ids;
		if (arr == NULL) {
			add_error (w->errors, 400, "request data constraint",
				   "The \"data\" property of a to-many relationship should be an array.",
				   "pointer", ptr);
			return FALSE;
		}
		ids = json_array_new ();
		for (guint i = 0; i < json_array_get_length (arr); i++) {
			JsonObject *l = json_array_get_object_element (arr, i);
			const gchar *type = l != NULL ? json_object_get_string_member_with_default (l, "type", NULL) : NULL;
			const gchar *id = l != NULL ? json_object_get_string_member_with_default (l, "id", NULL) : NULL;
			g_autofree gchar *eptr = g_strdup_printf ("%s/%u", ptr, i);
			if (type == NULL || id == NULL ||
			    (r->target != NULL && g_strcmp0 (type, r->target) != 0) ||
			    !target_exists (w->server, type, id)) {
				add_error (w->errors, 400, "form constraint", "The entity does not exist.",
					   "pointer", eptr);
				json_array_unref (ids);
				return FALSE;
			}
			if (r->target == NULL)
				json_array_add_object_element (ids, json_object_ref (l));
			else
				json_array_add_string_element (ids, id);
		}
		*out = json_node_new (JSON_NODE_ARRAY);
		json_node_take_array (*out, ids);
		return TRUE;
	}
	if (JSON_NODE_HOLDS_NULL (v)) {
		*out = json_node_new (JSON_NODE_NULL);
		return TRUE;
	}
	if (JSON_NODE_HOLDS_OBJECT (v)) {
		JsonObject *l = json_node_get_object (v);
		const gchar *type = json_object_get_string_member_with_default (l, "type", NULL);
		const gchar *id = json_object_get_string_member_with_default (l, "id", NULL);
		if (type != NULL && id != NULL && g_strcmp0 (type, r->target) == 0 &&
		    target_exists (w->server, type, id)) {
			*out = json_node_init_string (json_node_alloc (), id);
			return TRUE;
		}
	}
	add_error (w->errors, 400, "form constraint", "The entity does not exist.", "pointer", ptr);
	return FALSE;
}

static gboolean
is_blank (JsonNode *n)
{
	if (n == NULL || JSON_NODE_HOLDS_NULL (n))
		return TRUE;
	if (JSON_NODE_HOLDS_ARRAY (n))
		return json_array_get_length (json_node_get_array (n)) == 0;
	if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING) {
		g_autofree gchar *s = g_strstrip (g_strdup (json_node_get_string (n)));
		return s[0] == '\0';
	}
	return FALSE;
}

static gboolean
list_contains (JsonObject *attrs, const gchar *list, const gchar *member, const gchar *value)
{
	JsonNode *n = json_object_get_member (attrs, list);
	JsonArray *a = n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
	for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
		JsonObject *e = json_array_get_object_element (a, i);
		if (g_strcmp0 (json_object_get_string_member_with_default (e, member, NULL), value) == 0)
			return TRUE;
	}
	return FALSE;
}

/* primaryEmail/primaryPhone name one entry of the list; Oro adds a primary
 * value that is not in the list unless the same request sent the list */
static void
fix_primary (WriteCtx *w, JsonObject *attrs, JsonObject *sent, const gchar *primary,
	     const gchar *list, const gchar *member, const gchar *ptr)
{
	const gchar *value = json_object_has_member (attrs, primary) &&
				     !JSON_NODE_HOLDS_NULL (json_object_get_member (attrs, primary))
				 ? json_object_get_string_member (attrs, primary)
				 : NULL;
	JsonNode *ln = json_object_get_member (attrs, list);
	JsonArray *a = ln != NULL && JSON_NODE_HOLDS_ARRAY (ln) ? json_node_get_array (ln) : NULL;

	if (value != NULL && !list_contains (attrs, list, member, value)) {
		if (sent != NULL && json_object_has_member (sent, list) && json_object_has_member (sent, primary)) {
			g_autofree gchar *p = g_strdup_printf ("%s/attributes/%s", ptr, primary);
			add_error (w->errors, 400, "primary item constraint",
				   "The primary value must be one of the list's values.", "pointer", p);
			return;
		}
		if (sent != NULL && json_object_has_member (sent, list)) {
			/* the list was replaced without the old primary value */
			if (a != NULL && json_array_get_length (a) > 0)
				json_object_set_string_member (
				    attrs, primary,
				    json_object_get_string_member (json_array_get_object_element (a, 0), member));
			else
				json_object_set_null_member (attrs, primary);
			return;
		}
		if (a == NULL) {
			a = json_array_new ();
			json_object_set_array_member (attrs, list, a);
		}
		{
			JsonObject *e = json_object_new ();
			json_object_set_string_member (e, member, value);
			json_array_add_object_element (a, e);
		}
	} else if (value == NULL && a != NULL && json_array_get_length (a) > 0) {
		json_object_set_string_member (
		    attrs, primary, json_object_get_string_member (json_array_get_object_element (a, 0), member));
	}
}

/**
 * apply_resource:
 * @row: the stored row to change, or a fresh row for a create
 *
 * Validates @data (a JSON:API resource object) against the type and merges
 * it into @row; problems go into w->errors with JSON pointers below @ptr.
 */
static gboolean
apply_resource (WriteCtx *w, const TypeDef *td, JsonObject *data, Row *row, gboolean create,
		const gchar *ptr)
{
	guint n_errors = json_array_get_length (w->errors);
	JsonObject *attrs = json_object_get_member (data, "attributes") != NULL &&
				    JSON_NODE_HOLDS_OBJECT (json_object_get_member (data, "attributes"))
				? json_object_get_object_member (data, "attributes")
				: NULL;
	JsonObject *rels = json_object_get_member (data, "relationships") != NULL &&
				   JSON_NODE_HOLDS_OBJECT (json_object_get_member (data, "relationships"))
			       ? json_object_get_object_member (data, "relationships")
			       : NULL;
	const gchar *type = json_object_get_string_member_with_default (data, "type", NULL);

	if (type == NULL) {
		g_autofree gchar *p = g_strdup_printf ("%s/type", ptr);
		add_error (w->errors, 400, "request data constraint", "The 'type' property is required",
			   "pointer", p);
		return FALSE;
	}
	if (g_strcmp0 (type, td->type) != 0) {
		g_autofree gchar *p = g_strdup_printf ("%s/type", ptr);
		add_error (w->errors, 409, "conflict constraint",
			   "The entity class must be the same as the entity class in the URL.",
			   "pointer", p);
		return FALSE;
	}
	if (attrs != NULL) {
		g_autoptr(GList) names = json_object_get_members (attrs);
		for (GList *l = names; l != NULL; l = l->next) {
			const AttrDef *a = lookup_attr (w->server, td, l->data);
			g_autofree gchar *p = g_strdup_printf ("%s/attributes/%s", ptr, (gchar *) l->data);
			JsonNode *out = NULL;
			if (a == NULL) {
				g_autofree gchar *detail = g_strdup_printf (
				    "This form should not contain extra fields: \"%s\".", (gchar *) l->data);
				add_error (w->errors, 400, "extra fields constraint", detail, "pointer", p);
				continue;
			}
			if (a->flags & F_RO) {
				if (w->seeding && g_str_equal (a->name, "createdAt"))
					row->created = g_strdup (json_object_get_string_member (attrs, a->name));
				else if (w->seeding && g_str_equal (a->name, "updatedAt"))
					row->updated = g_strdup (json_object_get_string_member (attrs, a->name));
				continue;
			}
			if (check_value (w, a, json_object_get_member (attrs, a->name), p, &out))
				json_object_set_member (row->attrs, a->name, out);
		}
	}
	if (rels != NULL) {
		g_autoptr(GList) names = json_object_get_members (rels);
		for (GList *l = names; l != NULL; l = l->next) {
			const RelDef *r = lookup_rel (td, l->data);
			JsonObject *rel = json_object_get_object_member (rels, l->data);
			g_autofree gchar *p = g_strdup_printf ("%s/relationships/%s/data", ptr, (gchar *) l->data);
			JsonNode *out = NULL;
			if (r == NULL || (r->flags & F_RO) ||
			    (!create && !w->seeding && g_str_equal (td->type, "contactaddresses") &&
			     g_str_equal (r->name, "owner"))) {
				g_autofree gchar *detail = g_strdup_printf (
				    "This form should not contain extra fields: \"%s\".", (gchar *) l->data);
				add_error (w->errors, 400, "extra fields constraint", detail, "pointer", p);
				continue;
			}
			if (rel == NULL || !json_object_has_member (rel, "data")) {
				add_error (w->errors, 400, "request data constraint",
					   "The 'data' property is required", "pointer", p);
				continue;
			}
			if (check_linkage (w, r, json_object_get_member (rel, "data"), p, &out))
				json_object_set_member (row->rels, r->name, out);
		}
	}
	if (json_array_get_length (w->errors) > n_errors)
		return FALSE;

	/* defaults: Oro's ownership */
	if (create && lookup_rel (td, "owner") != NULL && rel_id (row->rels, "owner") == NULL &&
	    g_strcmp0 (td->type, "contactaddresses") != 0) {
		g_autofree gchar *me = g_strdup_printf ("%" G_GINT64_FORMAT, w->user->id);
		json_object_set_string_member (row->rels, "owner", me);
	}
	if (create && lookup_rel (td, "organization") != NULL && rel_id (row->rels, "organization") == NULL)
		json_object_set_string_member (row->rels, "organization", "1");
	if (create && g_str_equal (td->type, "tasks") && rel_id (row->rels, "status") == NULL)
		json_object_set_string_member (row->rels, "status", "open");
	if (create && g_str_equal (td->type, "tasks") && rel_id (row->rels, "createdBy") == NULL) {
		g_autofree gchar *me = g_strdup_printf ("%" G_GINT64_FORMAT, w->user->id);
		json_object_set_string_member (row->rels, "createdBy", me);
	}

	/* required values */
	for (guint i = 0; td->attrs[i].name != NULL; i++) {
		const AttrDef *a = &td->attrs[i];
		JsonNode *v = json_object_get_member (row->attrs, a->name);
		if ((a->flags & F_REQ) && (create || (attrs != NULL && json_object_has_member (attrs, a->name))) &&
		    is_blank (v)) {
			g_autofree gchar *p = g_strdup_printf ("%s/attributes/%s", ptr, a->name);
			add_error (w->errors, 400, "not blank constraint", "This value should not be blank.",
				   "pointer", p);
		}
	}
	for (guint i = 0; td->rels[i].name != NULL; i++) {
		const RelDef *r = &td->rels[i];
		if ((r->flags & F_REQ) && create && rel_id (row->rels, r->name) == NULL) {
			g_autofree gchar *p = g_strdup_printf ("%s/relationships/%s/data", ptr, r->name);
			add_error (w->errors, 400, "not blank constraint", "This value should not be blank.",
				   "pointer", p);
		}
	}
	if (g_str_equal (td->type, "contacts")) {
		fix_primary (w, row->attrs, attrs, "primaryEmail", "emails", "email", ptr);
		fix_primary (w, row->attrs, attrs, "primaryPhone", "phones", "phone", ptr);
		if (is_blank (json_object_get_member (row->attrs, "firstName")) &&
		    is_blank (json_object_get_member (row->attrs, "lastName")) &&
		    is_blank (json_object_get_member (row->attrs, "emails")) &&
		    is_blank (json_object_get_member (row->attrs, "phones")))
			add_error (w->errors, 400, "has contact information constraint",
				   "At least one of the fields First name, Last name, Emails or Phones must be defined.",
				   "pointer", ptr);
	}
	return json_array_get_length (w->errors) == n_errors;
}

static gboolean
user_may_write (SoupServerMessage *msg, WriteCtx *w)
{
	if (!w->user->read_only)
		return TRUE;
	emu_oro_jsonapi_error (msg, 403, "access denied exception", "No access to the entity.");
	return FALSE;
}

/* create or update one resource; *row_out is the stored row */
static gboolean
save_resource (WriteCtx *w, const TypeDef *td, JsonObject *data, const gchar *update_id,
	       const gchar *ptr, Row **row_out)
{
	g_autoptr(Row) row = NULL;
	g_autofree gchar *before_a = NULL;
	g_autofree gchar *before_r = NULL;
	g_autofree gchar *after_a = NULL;
	g_autofree gchar *after_r = NULL;
	gboolean create = update_id == NULL;

	if (create) {
		row = g_new0 (Row, 1);
		row->attrs = json_object_new ();
		row->rels = json_object_new ();
		if (w->seeding && json_object_get_string_member_with_default (data, "id", NULL) != NULL)
			row->id = g_strdup (json_object_get_string_member (data, "id"));
		else
			row->id = g_strdup_printf ("%" G_GINT64_FORMAT, next_id (w->server, td->type));
	} else {
		row = load_row (w->server, td->type, update_id);
		if (row == NULL) {
			g_autofree gchar *p = g_strdup_printf ("%s/id", ptr);
			add_error (w->errors, 404, "not found http exception",
				   "An entity with the requested identifier does not exist.", "pointer", p);
			return FALSE;
		}
		before_a = object_to_string (row->attrs);
		before_r = object_to_string (row->rels);
	}
	if (!apply_resource (w, td, data, row, create, ptr))
		return FALSE;
	after_a = object_to_string (row->attrs);
	after_r = object_to_string (row->rels);
	/* like Doctrine, updatedAt moves only when something changed */
	if (create || g_strcmp0 (before_a, after_a) != 0 || g_strcmp0 (before_r, after_r) != 0 ||
	    w->seeding) {
		if (row->updated == NULL || !w->seeding) {
			g_free (row->updated);
			row->updated = now_string ();
		}
	}
	if (row->created == NULL)
		row->created = g_strdup (row->updated);
	if (!store_row (w->server, td->type, row, create)) {
		g_autofree gchar *detail = g_strdup_printf (
		    "cannot store: %s", sqlite3_errmsg (emu_server_get_db (w->server)));
		add_error (w->errors, create && w->seeding ? 409 : 500,
			   create && w->seeding ? "conflict constraint" : "internal server error",
			   detail, "pointer", ptr);
		return FALSE;
	}
	*row_out = g_steal_pointer (&row);
	return TRUE;
}

static JsonObject *
request_document (SoupServerMessage *msg, gboolean want_array)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = emu_request_json (msg, &error);
	JsonNode *data;

	if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
		emu_oro_jsonapi_error (msg, 400, "request data constraint",
				       root == NULL && error != NULL &&
					       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA)
					   ? "The request data should not be empty."
					   : "The request data should be a valid JSON object.");
		return NULL;
	}
	data = json_object_get_member (json_node_get_object (root), "data");
	if (data == NULL || (want_array ? !JSON_NODE_HOLDS_ARRAY (data) : !JSON_NODE_HOLDS_OBJECT (data))) {
		g_autoptr(JsonArray) errors = json_array_new ();
		add_error (errors, 400, "request data constraint",
			   want_array ? "The primary data object collection should exist and be an array"
				      : "The primary data object should exist",
			   "pointer", "/data");
		reply_errors (msg, errors);
		return NULL;
	}
	return json_object_ref (json_node_get_object (root));
}

static void
handle_create (EmuServer *server, SoupServerMessage *msg, RenderCtx *ctx, const TypeDef *td,
	       EmuOroUser *user)
{
	g_autoptr(JsonObject) doc = request_document (msg, FALSE);
	g_autoptr(JsonArray) errors = json_array_new ();
	WriteCtx w = {server, user, errors, FALSE};
	g_autoptr(Row) row = NULL;
	JsonObject *out;

	if (doc == NULL || !user_may_write (msg, &w))
		return;
	if (json_object_has_member (json_object_get_object_member (doc, "data"), "id")) {
		add_error (errors, 400, "entity identifier constraint",
			   "The identifier of an entity must not be set.", "pointer", "/data/id");
		reply_errors (msg, errors);
		return;
	}
	emu_db_exec (server, "BEGIN", NULL);
	if (!save_resource (&w, td, json_object_get_object_member (doc, "data"), NULL, "/data", &row)) {
		emu_db_exec (server, "ROLLBACK", NULL);
		reply_errors (msg, errors);
		return;
	}
	emu_db_exec (server, "COMMIT", NULL);
	out = json_object_new ();
	json_object_set_object_member (out, "data", render (ctx, td, row));
	reply_document (msg, 201, out);
	json_object_unref (out);
}

static void
handle_update (EmuServer *server, SoupServerMessage *msg, RenderCtx *ctx, const TypeDef *td,
	       const gchar *id, EmuOroUser *user)
{
	g_autoptr(JsonObject) doc = request_document (msg, FALSE);
	g_autoptr(JsonArray) errors = json_array_new ();
	WriteCtx w = {server, user, errors, FALSE};
	g_autoptr(Row) row = NULL;
	JsonObject *data, *out;
	const gchar *body_id;

	if (doc == NULL || !user_may_write (msg, &w))
		return;
	data = json_object_get_object_member (doc, "data");
	body_id = json_object_get_string_member_with_default (data, "id", NULL);
	if (body_id == NULL || g_strcmp0 (body_id, id) != 0) {
		add_error (errors, 409, "conflict constraint",
			   "The 'id' property of the primary data object should be equal to the 'id' path parameter.",
			   "pointer", "/data/id");
		reply_errors (msg, errors);
		return;
	}
	emu_db_exec (server, "BEGIN", NULL);
	if (!save_resource (&w, td, data, id, "/data", &row)) {
		emu_db_exec (server, "ROLLBACK", NULL);
		reply_errors (msg, errors);
		return;
	}
	emu_db_exec (server, "COMMIT", NULL);
	out = json_object_new ();
	json_object_set_object_member (out, "data", render (ctx, td, row));
	reply_document (msg, 200, out);
	json_object_unref (out);
}

static void
delete_row (EmuServer *server, const gchar *type, const gchar *id)
{
	g_autoptr(sqlite3_stmt) st =
	    emu_db_prepare (server, "DELETE FROM res WHERE type = ? AND id = ?", NULL);
	sqlite3_bind_text (st, 1, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_step (st);
	/* a contact's addresses go with it (orphan removal) */
	if (g_strcmp0 (type, "contacts") == 0) {
		g_autoptr(sqlite3_stmt) a = emu_db_prepare (
		    server, "DELETE FROM res WHERE type = 'contactaddresses' AND parent = ?", NULL);
		sqlite3_bind_text (a, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_step (a);
	}
}

static void
handle_delete_list (EmuServer *server, SoupServerMessage *msg, const TypeDef *td,
		    GPtrArray *params, EmuOroUser *user)
{
	Sql sql = {g_string_new (NULL), g_ptr_array_new_with_free_func (g_free)};
	guint n_filters = 0;
	WriteCtx w = {server, user, NULL, FALSE};

	if (!user_may_write (msg, &w))
		goto out;
	if (!build_filters (server, td, params, &sql, msg, &n_filters))
		goto out;
	if (n_filters == 0) {
		emu_oro_jsonapi_error (msg, 400, "filter constraint", "At least one filter must be provided.");
		goto out;
	}
	{
		g_autofree gchar *q = g_strdup_printf ("SELECT id FROM res WHERE type = ?1%s", sql.where->str);
		g_autoptr(sqlite3_stmt) st = emu_db_prepare (server, q, NULL);
		g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
		g_autofree gchar *count = NULL;
		bind_all (st, td->type, sql.binds);
		while (sqlite3_step (st) == SQLITE_ROW)
			g_ptr_array_add (ids, g_strdup ((const gchar *) sqlite3_column_text (st, 0)));
		emu_db_exec (server, "BEGIN", NULL);
		for (guint i = 0; i < ids->len; i++)
			delete_row (server, td->type, ids->pdata[i]);
		emu_db_exec (server, "COMMIT", NULL);
		count = g_strdup_printf ("%u", ids->len);
		soup_message_headers_replace (soup_server_message_get_response_headers (msg),
					      "X-Include-Deleted-Count", count);
		soup_server_message_set_status (msg, 204, NULL);
	}
out:
	g_string_free (sql.where, TRUE);
	g_ptr_array_unref (sql.binds);
}

/* the batch API: PATCH on a collection */

static void
handle_batch (EmuServer *server, SoupServerMessage *msg, RenderCtx *ctx, const TypeDef *td,
	      EmuOroUser *user)
{
	g_autoptr(JsonObject) doc = request_document (msg, TRUE);
	g_autoptr(JsonArray) errors = json_array_new ();
	WriteCtx w = {server, user, errors, FALSE};
	const gchar *mode = soup_message_headers_get_one (
	    soup_server_message_get_request_headers (msg), "X-Mode");
	gboolean sync = g_strcmp0 (mode, "sync") == 0;
	JsonArray *items;
	JsonArray *out_data = NULL;
	guint n_create = 0, n_update = 0, n_errors = 0;

	if (doc == NULL || !user_may_write (msg, &w))
		return;
	if (!td->batch) {
		soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET");
		emu_oro_jsonapi_error (msg, 405, "method not allowed http exception", "Method Not Allowed");
		return;
	}
	items = json_object_get_array_member (doc, "data");
	if (sync && json_array_get_length (items) > 100) {
		emu_oro_jsonapi_error (msg, 400, "request data constraint",
				       "The data limit for the synchronous operation exceeded. The maximum number of records that can be processed by the synchronous operation is 100.");
		return;
	}
	if (sync)
		emu_db_exec (server, "BEGIN", NULL);
	out_data = json_array_new ();
	for (guint i = 0; i < json_array_get_length (items); i++) {
		JsonObject *item = json_array_get_object_element (items, i);
		g_autofree gchar *ptr = g_strdup_printf ("/data/%u", i);
		JsonObject *meta = item != NULL && json_object_has_member (item, "meta")
				       ? json_object_get_object_member (item, "meta")
				       : NULL;
		gboolean update = meta != NULL && json_object_get_boolean_member_with_default (meta, "update", FALSE);
		const gchar *req_id = item != NULL ? json_object_get_string_member_with_default (item, "id", NULL) : NULL;
		g_autoptr(Row) row = NULL;
		guint before = json_array_get_length (errors);
		JsonObject *rendered;

		if (item == NULL) {
			add_error (errors, 400, "request data constraint",
				   "The primary data object should be an object", "pointer", ptr);
		} else if (update && req_id == NULL) {
			g_autofree gchar *p = g_strdup_printf ("%s/id", ptr);
			add_error (errors, 400, "request data constraint",
				   "The 'id' property is required", "pointer", p);
		} else {
			if (!sync)
				emu_db_exec (server, "SAVEPOINT item", NULL);
			if (save_resource (&w, td, item, update ? req_id : NULL, ptr, &row)) {
				if (update)
					n_update++;
				else
					n_create++;
			}
			if (!sync)
				emu_db_exec (server,
					     json_array_get_length (errors) > before
						 ? "ROLLBACK TO item; RELEASE item"
						 : "RELEASE item",
					     NULL);
		}
		if (json_array_get_length (errors) > before) {
			n_errors++;
			if (sync)
				break;
			continue;
		}
		rendered = render (ctx, td, row);
		if (req_id != NULL) {
			JsonObject *m = json_object_new ();
			json_object_set_string_member (m, "dataId", req_id);
			json_object_set_object_member (rendered, "meta", m);
		}
		json_array_add_object_element (out_data, rendered);
	}
	if (sync) {
		JsonObject *out;
		if (json_array_get_length (errors) > 0) {
			emu_db_exec (server, "ROLLBACK", NULL);
			json_array_unref (out_data);
			reply_errors (msg, errors);
			return;
		}
		emu_db_exec (server, "COMMIT", NULL);
		out = json_object_new ();
		json_object_set_array_member (out, "data", out_data);
		reply_document (msg, 200, out);
		json_object_unref (out);
		return;
	}
	json_array_unref (out_data);
	/* asynchronous: the work is done at once and kept as an asyncoperation */
	{
		g_autofree gchar *now = now_string ();
		JsonObject *op = json_object_new ();
		JsonObject *attrs = json_object_new ();
		JsonObject *summary = json_object_new ();
		JsonObject *links = json_object_new ();
		JsonObject *out = json_object_new ();
		g_autoptr(sqlite3_stmt) st = emu_db_prepare (
		    server, "INSERT INTO asyncops (doc, errors) VALUES ('{}', ?)", NULL);
		g_autofree gchar *errors_text = NULL;
		g_autofree gchar *id = NULL;
		g_autofree gchar *self = NULL;
		g_autoptr(JsonNode) en = json_node_new (JSON_NODE_ARRAY);
		json_node_set_array (en, errors);
		errors_text = json_to_string (en, FALSE);
		sqlite3_bind_text (st, 1, errors_text, -1, SQLITE_TRANSIENT);
		sqlite3_step (st);
		id = g_strdup_printf ("%" G_GINT64_FORMAT,
				      (gint64) sqlite3_last_insert_rowid (emu_server_get_db (server)));
		self = g_strdup_printf ("%s/api/asyncoperations/%s", ctx->origin, id);
		json_object_set_string_member (op, "type", "asyncoperations");
		json_object_set_string_member (op, "id", id);
		json_object_set_string_member (links, "self", self);
		json_object_set_object_member (op, "links", links);
		json_object_set_string_member (attrs, "status", n_errors > 0 ? "failed" : "success");
		json_object_set_double_member (attrs, "progress", 1.0);
		json_object_set_string_member (attrs, "createdAt", now);
		json_object_set_string_member (attrs, "updatedAt", now);
		json_object_set_int_member (attrs, "elapsedTime", 0);
		json_object_set_string_member (attrs, "entityType", td->type);
		json_object_set_int_member (summary, "aggregateTime", 0);
		json_object_set_int_member (summary, "readCount", json_array_get_length (items));
		json_object_set_int_member (summary, "writeCount", n_create + n_update);
		json_object_set_int_member (summary, "errorCount", n_errors);
		json_object_set_int_member (summary, "createCount", n_create);
		json_object_set_int_member (summary, "updateCount", n_update);
		json_object_set_object_member (attrs, "summary", summary);
		json_object_set_object_member (op, "attributes", attrs);
		json_object_set_object_member (out, "data", op);
		{
			g_autofree gchar *text = object_to_string (out);
			g_autoptr(sqlite3_stmt) up =
			    emu_db_prepare (server, "UPDATE asyncops SET doc = ? WHERE id = ?", NULL);
			sqlite3_bind_text (up, 1, text, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text (up, 2, id, -1, SQLITE_TRANSIENT);
			sqlite3_step (up);
		}
		reply_document (msg, 202, out);
		json_object_unref (out);
	}
}

static void
handle_asyncop (EmuServer *server, SoupServerMessage *msg, gchar **seg)
{
	g_autoptr(sqlite3_stmt) st =
	    emu_db_prepare (server, "SELECT doc, errors FROM asyncops WHERE id = ?", NULL);
	g_autoptr(JsonObject) doc = NULL;

	if (seg[1] == NULL) {
		soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "");
		emu_oro_jsonapi_error (msg, 405, "method not allowed http exception", "Method Not Allowed");
		return;
	}
	sqlite3_bind_text (st, 1, seg[1], -1, SQLITE_TRANSIENT);
	if (sqlite3_step (st) != SQLITE_ROW) {
		emu_oro_jsonapi_error (msg, 404, "not found http exception",
				       "An entity with the requested identifier does not exist.");
		return;
	}
	if (seg[2] != NULL && g_str_equal (seg[2], "errors")) {
		g_autoptr(JsonNode) errs = json_from_string ((const gchar *) sqlite3_column_text (st, 1), NULL);
		JsonArray *data = json_array_new ();
		JsonArray *in = errs != NULL && JSON_NODE_HOLDS_ARRAY (errs) ? json_node_get_array (errs) : NULL;
		JsonObject *out = json_object_new ();
		for (guint i = 0; in != NULL && i < json_array_get_length (in); i++) {
			JsonObject *e = json_array_get_object_element (in, i);
			JsonObject *r = json_object_new ();
			JsonObject *a = json_object_new ();
			g_autofree gchar *eid = g_strdup_printf ("%s-1-%u", seg[1], i + 1);
			json_object_set_string_member (r, "type", "asyncoperationerrors");
			json_object_set_string_member (r, "id", eid);
			json_object_set_int_member (a, "status",
						    g_ascii_strtoll (json_object_get_string_member (e, "status"), NULL, 10));
			json_object_set_string_member (a, "title", json_object_get_string_member (e, "title"));
			json_object_set_string_member (a, "detail", json_object_get_string_member (e, "detail"));
			if (json_object_has_member (e, "source"))
				json_object_set_object_member (a, "source",
							       json_object_ref (json_object_get_object_member (e, "source")));
			json_object_set_object_member (r, "attributes", a);
			json_array_add_object_element (data, r);
		}
		json_object_set_array_member (out, "data", data);
		reply_document (msg, 200, out);
		json_object_unref (out);
		return;
	}
	doc = parse_object ((const gchar *) sqlite3_column_text (st, 0));
	reply_document (msg, 200, doc);
}

/* media types (api-specs 1.3) */

static gboolean
media_is_jsonapi (const gchar *value, gboolean *has_params)
{
	g_autofree gchar *v = g_strstrip (g_strdup (value));
	gchar *semi = strchr (v, ';');
	*has_params = FALSE;
	if (semi != NULL) {
		g_auto(GStrv) params = g_strsplit (semi + 1, ";", -1);
		*semi = '\0';
		g_strstrip (v);
		for (guint i = 0; params[i] != NULL; i++) {
			g_strstrip (params[i]);
			if (params[i][0] != '\0' && !g_str_has_prefix (params[i], "q="))
				*has_params = TRUE;
		}
	}
	return g_ascii_strcasecmp (v, EMU_ORO_JSONAPI) == 0;
}

static gboolean
check_media_types (SoupServerMessage *msg, const gchar *method)
{
	SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
	const gchar *ct = soup_message_headers_get_one (req, "Content-Type");
	const gchar *accept = soup_message_headers_get_one (req, "Accept");
	gboolean ct_params = FALSE, ct_jsonapi = FALSE;
	gboolean accept_plain = FALSE, accept_params_only = FALSE, accept_any = FALSE;
	gboolean has_body = soup_server_message_get_request_body (msg)->length > 0;

	if (ct != NULL)
		ct_jsonapi = media_is_jsonapi (ct, &ct_params);
	if (accept != NULL) {
		g_auto(GStrv) ranges = g_strsplit (accept, ",", -1);
		for (guint i = 0; ranges[i] != NULL; i++) {
			gboolean params;
			g_autofree gchar *base = g_strstrip (g_strdup (ranges[i]));
			if (media_is_jsonapi (ranges[i], &params)) {
				if (params)
					accept_params_only = TRUE;
				else
					accept_plain = TRUE;
			} else if (g_str_has_prefix (base, "*/*") || g_str_has_prefix (base, "application/*")) {
				accept_any = TRUE;
			}
		}
		if (accept_plain)
			accept_params_only = FALSE;
	}
	if (ct_jsonapi && ct_params) {
		emu_oro_jsonapi_error (msg, 415, "unsupported media type http exception",
				       "The \"Content-Type\" request header should contain JSON:API media type without any parameters.");
		return FALSE;
	}
	if (accept_params_only) {
		emu_oro_jsonapi_error (msg, 406, "not acceptable http exception",
				       "The \"Accept\" request header should contain at least one instance of JSON:API media type without any parameters.");
		return FALSE;
	}
	if (ct_jsonapi && accept != NULL && !accept_plain && !accept_any) {
		emu_oro_jsonapi_error (msg, 406, "not acceptable http exception",
				       "The \"Accept\" request header does not accept JSON:API content type.");
		return FALSE;
	}
	/* a request in neither media type is Oro's "plain" API, which this
	 * emulator does not speak: say so rather than answer in another shape */
	if (has_body && !ct_jsonapi && g_strcmp0 (method, "GET") != 0) {
		emu_oro_jsonapi_error (msg, 415, "unsupported media type http exception",
				       "This emulator speaks the JSON:API flavour only: send Content-Type: application/vnd.api+json.");
		return FALSE;
	}
	if (!has_body && !accept_plain && !ct_jsonapi) {
		emu_oro_jsonapi_error (msg, 406, "not acceptable http exception",
				       "This emulator speaks the JSON:API flavour only: send Accept: application/vnd.api+json.");
		return FALSE;
	}
	return TRUE;
}

static void
ensure_main_user (EmuServer *server)
{
	EmuOro *oro = get_oro (server);
	g_autoptr(sqlite3_stmt) st = NULL;

	if (g_strcmp0 (oro->main_user, emu_server_get_user (server)) == 0)
		return;
	st = emu_db_prepare (server,
			     "UPDATE res SET attrs = json_set (attrs, '$.username', ?) "
			     "WHERE type = 'users' AND id = '1'",
			     NULL);
	sqlite3_bind_text (st, 1, emu_server_get_user (server), -1, SQLITE_TRANSIENT);
	sqlite3_step (st);
	g_free (oro->main_user);
	oro->main_user = g_strdup (emu_server_get_user (server));
}

static gchar *
request_origin (SoupServerMessage *msg)
{
	GUri *uri = soup_server_message_get_uri (msg);
	return g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (uri), g_uri_get_host (uri),
				g_uri_get_port (uri));
}

static void
api_handler (EmuServer *server, SoupServerMessage *msg, const gchar *path, GHashTable *query,
	     gpointer user_data)
{
	const gchar *method = soup_server_message_get_method (msg);
	const gchar *raw_query = g_uri_get_query (soup_server_message_get_uri (msg));
	const gchar *x_include = soup_message_headers_get_one (
	    soup_server_message_get_request_headers (msg), "X-Include");
	g_auto(GStrv) seg = NULL;
	g_autoptr(GPtrArray) params = NULL;
	RenderCtx ctx = {server, NULL, NULL, TRUE};
	EmuOroUser user;
	const TypeDef *td;
	gsize n_seg;

	ensure_main_user (server);
	if (g_str_has_prefix (path, "/api/rest/")) {
		emu_oro_rest_handle (server, msg, path);
		return;
	}
	if (!check_media_types (msg, method))
		return;
	if (!emu_oro_authenticate (server, msg, TRUE, &user))
		return;
	seg = g_strsplit (path + strlen ("/api/"), "/", -1);
	n_seg = g_strv_length (seg);
	if (n_seg == 0 || seg[0][0] == '\0') {
		emu_oro_jsonapi_error (msg, 404, "not found http exception", "No route found.");
		return;
	}
	ctx.origin = request_origin (msg);
	ctx.links = x_include == NULL || strstr (x_include, "noHateoas") == NULL;
	params = parse_query (raw_query);
	if (g_str_equal (seg[0], "asyncoperations")) {
		handle_asyncop (server, msg, seg);
		goto out;
	}
	td = lookup_type (seg[0]);
	if (td == NULL || n_seg > 2 || (n_seg == 2 && seg[1][0] == '\0')) {
		emu_oro_jsonapi_error (msg, 404, "not found http exception",
				       td == NULL ? "Unsupported resource type." : "No route found.");
		goto out;
	}
	if (!td->writable && !g_str_equal (method, "GET")) {
		soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET");
		emu_oro_jsonapi_error (msg, 405, "method not allowed http exception", "Method Not Allowed");
		goto out;
	}
	if (n_seg == 1) {
		if (g_str_equal (method, "GET")) {
			handle_list (server, msg, &ctx, td, path, raw_query, params);
		} else if (g_str_equal (method, "POST")) {
			handle_create (server, msg, &ctx, td, &user);
		} else if (g_str_equal (method, "PATCH")) {
			handle_batch (server, msg, &ctx, td, &user);
		} else if (g_str_equal (method, "DELETE")) {
			handle_delete_list (server, msg, td, params, &user);
		} else {
			soup_message_headers_replace (soup_server_message_get_response_headers (msg),
						      "Allow", "GET, POST, PATCH, DELETE");
			emu_oro_jsonapi_error (msg, 405, "method not allowed http exception",
					       "Method Not Allowed");
		}
		goto out;
	}
	if (g_str_equal (method, "GET")) {
		g_autoptr(Row) row = NULL;
		GString *doc;
		if (td->numeric && !g_ascii_string_to_signed (seg[1], 10, 1, G_MAXINT64, NULL, NULL)) {
			g_autofree gchar *detail =
			    g_strdup_printf ("Expected integer value. Given \"%s\".", seg[1]);
			error_param (msg, 400, "entity identifier constraint", detail, "id");
			goto out;
		}
		row = load_row (server, td->type, seg[1]);
		if (row == NULL) {
			emu_oro_jsonapi_error (msg, 404, "not found http exception",
					       "An entity with the requested identifier does not exist.");
			goto out;
		}
		parse_fields (server, params, &ctx);
		doc = g_string_new ("{\"data\":");
		render_text (&ctx, td, row, doc);
		if (qparam_get (params, "include") != NULL) {
			g_autoptr(GPtrArray) rows = g_ptr_array_new ();
			g_ptr_array_add (rows, row);
			if (!append_included (&ctx, td, rows, qparam_get (params, "include"), doc,
					      msg)) {
				g_string_free (doc, TRUE);
				goto out;
			}
		}
		g_string_append_c (doc, '}');
		reply_text (msg, 200, doc);
	} else if (g_str_equal (method, "PATCH")) {
		handle_update (server, msg, &ctx, td, seg[1], &user);
	} else if (g_str_equal (method, "DELETE")) {
		WriteCtx w = {server, &user, NULL, FALSE};
		if (!user_may_write (msg, &w))
			goto out;
		if (!row_exists (server, td->type, seg[1])) {
			emu_oro_jsonapi_error (msg, 404, "not found http exception",
					       "An entity with the requested identifier does not exist.");
			goto out;
		}
		emu_db_exec (server, "BEGIN", NULL);
		delete_row (server, td->type, seg[1]);
		emu_db_exec (server, "COMMIT", NULL);
		soup_server_message_set_status (msg, 204, NULL);
	} else {
		soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
					      "GET, PATCH, DELETE");
		emu_oro_jsonapi_error (msg, 405, "method not allowed http exception", "Method Not Allowed");
	}
out:
	g_free (ctx.origin);
	if (ctx.fields != NULL)
		g_hash_table_unref (ctx.fields);
}

/* setup, seed, generate */

static gboolean
insert_fixed (EmuServer *server, const gchar *type, const gchar *id, const gchar *attrs,
	      const gchar *rels, GError **error)
{
	g_autoptr(sqlite3_stmt) st = emu_db_prepare (
	    server,
	    /* OR IGNORE: a --db kept from an earlier run keeps its rows */
	    "INSERT OR IGNORE INTO res (type, id, n, attrs, rels, created, updated) "
	    "VALUES (?, ?, ?, ?, ?, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
	    error);
	gint64 n;
	if (st == NULL)
		return FALSE;
	sqlite3_bind_text (st, 1, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 2, id, -1, SQLITE_TRANSIENT);
	if (g_ascii_string_to_signed (id, 10, 0, G_MAXINT64, &n, NULL))
		sqlite3_bind_int64 (st, 3, n);
	sqlite3_bind_text (st, 4, attrs, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text (st, 5, rels != NULL ? rels : "{}", -1, SQLITE_TRANSIENT);
	if (sqlite3_step (st) != SQLITE_DONE) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
			     sqlite3_errmsg (emu_server_get_db (server)));
		return FALSE;
	}
	return TRUE;
}

static gboolean add_custom_field (EmuServer *server, const gchar *type, const gchar *name,
				  const gchar *kind, GError **error);

/* custom fields defined by an earlier run's --seed on the same --db */
static gboolean
load_custom_fields (EmuServer *server, GError **error)
{
	g_autoptr(sqlite3_stmt) st =
	    emu_db_prepare (server, "SELECT type, name, kind FROM custom_fields", error);
	if (st == NULL)
		return FALSE;
	while (sqlite3_step (st) == SQLITE_ROW) {
		if (!add_custom_field (server, (const gchar *) sqlite3_column_text (st, 0),
				       (const gchar *) sqlite3_column_text (st, 1),
				       (const gchar *) sqlite3_column_text (st, 2), error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
emu_orocrm_setup (EmuServer *server, GError **error)
{
	EmuOro *oro = g_new0 (EmuOro, 1);
	static const gchar *countries[][3] = {
	    {"DK", "Denmark", "DNK"}, {"DE", "Germany", "DEU"}, {"SE", "Sweden", "SWE"},
	    {"NO", "Norway", "NOR"},  {"GB", "United Kingdom", "GBR"}, {"US", "United States", "USA"},
	    {"FR", "France", "FRA"},  {"CH", "Switzerland", "CHE"},    {"AT", "Austria", "AUT"},
	    {"NL", "Netherlands", "NLD"}, {"PL", "Poland", "POL"},     {"FI", "Finland", "FIN"},
	};

	oro->custom = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify) g_ptr_array_unref);
	oro->lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	oro->db = emu_server_get_db (server);
	emu_server_set_api_data (server, oro, emu_oro_free);
	sqlite3_update_hook (oro->db, res_changed, oro);
	if (!emu_db_exec (server,
			  "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"
			  "CREATE TABLE IF NOT EXISTS res (type TEXT NOT NULL, id TEXT NOT NULL, n INTEGER,"
			  "  attrs TEXT NOT NULL DEFAULT '{}', rels TEXT NOT NULL DEFAULT '{}',"
			  "  owner INTEGER, parent TEXT, created TEXT, updated TEXT,"
			  "  PRIMARY KEY (type, id));"
			  "CREATE INDEX IF NOT EXISTS res_n ON res (type, n);"
			  "CREATE INDEX IF NOT EXISTS res_updated ON res (type, updated);"
			  "CREATE INDEX IF NOT EXISTS res_parent ON res (type, parent, n);"
			  "CREATE TABLE IF NOT EXISTS asyncops (id INTEGER PRIMARY KEY, doc TEXT,"
			  "  errors TEXT);"
			  "CREATE TABLE IF NOT EXISTS custom_fields (type TEXT NOT NULL, name TEXT NOT NULL,"
			  "  kind TEXT NOT NULL, PRIMARY KEY (type, name));",
			  error))
		return FALSE;
	if (!emu_oro_auth_setup (server, error) || !emu_oro_rest_setup (server, error))
		return FALSE;
	if (!insert_fixed (server, "organizations", "1", "{\"name\":\"Main\"}", NULL, error) ||
	    !insert_fixed (server, "users", "1",
			   "{\"username\":\"admin\",\"email\":\"admin@example.com\",\"firstName\":\"John\","
			   "\"lastName\":\"Doe\",\"enabled\":true}",
			   "{\"organization\":\"1\"}", error) ||
	    !insert_fixed (server, "taskpriorities", "low", "{\"label\":\"Low\",\"order\":1}", NULL, error) ||
	    !insert_fixed (server, "taskpriorities", "normal", "{\"label\":\"Normal\",\"order\":2}", NULL, error) ||
	    !insert_fixed (server, "taskpriorities", "high", "{\"label\":\"High\",\"order\":3}", NULL, error) ||
	    !insert_fixed (server, "taskstatuses", "open",
			   "{\"name\":\"Open\",\"priority\":1,\"default\":true}", NULL, error) ||
	    !insert_fixed (server, "taskstatuses", "in_progress",
			   "{\"name\":\"In Progress\",\"priority\":2,\"default\":false}", NULL, error) ||
	    !insert_fixed (server, "taskstatuses", "closed",
			   "{\"name\":\"Closed\",\"priority\":3,\"default\":false}", NULL, error) ||
	    !insert_fixed (server, "addresstypes", "billing", "{\"label\":\"Billing\",\"order\":1}", NULL, error) ||
	    !insert_fixed (server, "addresstypes", "shipping", "{\"label\":\"Shipping\",\"order\":2}", NULL, error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS (countries); i++) {
		g_autofree gchar *attrs = g_strdup_printf ("{\"name\":\"%s\",\"iso3Code\":\"%s\"}",
							   countries[i][1], countries[i][2]);
		if (!insert_fixed (server, "countries", countries[i][0], attrs, NULL, error))
			return FALSE;
	}
	if (!load_custom_fields (server, error))
		return FALSE;
	emu_server_add_handler (server, "/api", api_handler, NULL);
	emu_server_add_handler (server, "/oauth2-token", emu_oro_token_handler, NULL);
	return TRUE;
}

static gboolean
add_custom_field (EmuServer *server, const gchar *type, const gchar *name, const gchar *kind,
		  GError **error)
{
	EmuOro *oro = get_oro (server);
	static const struct {
		const gchar *name;
		AttrType type;
	} kinds[] = {{"string", T_STRING}, {"text", T_TEXT}, {"int", T_INT}, {"integer", T_INT},
		     {"bool", T_BOOL}, {"boolean", T_BOOL}, {"date", T_DATE}, {"datetime", T_DATETIME}};
	GPtrArray *list;
	AttrDef *a;
	const TypeDef *td = lookup_type (type);

	if (td == NULL || !td->writable) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			     "customFields: “%s” is not a writable resource", type);
		return FALSE;
	}
	a = g_new0 (AttrDef, 1);
	a->name = g_strdup (name);
	a->type = T_LAST_UNSET;
	for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
		if (g_strcmp0 (kinds[i].name, kind) == 0)
			a->type = kinds[i].type;
	}
	if (a->type == T_LAST_UNSET || lookup_attr (server, td, name) != NULL) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			     "customFields: %s.%s: unknown type “%s” or a field that exists", type,
			     name, kind);
		attr_def_free (a);
		return FALSE;
	}
	list = g_hash_table_lookup (oro->custom, type);
	if (list == NULL) {
		list = g_ptr_array_new_with_free_func (attr_def_free);
		g_hash_table_insert (oro->custom, g_strdup (type), list);
	}
	g_ptr_array_add (list, a);
	{
		g_autoptr(sqlite3_stmt) st = emu_db_prepare (
		    server, "INSERT OR IGNORE INTO custom_fields VALUES (?, ?, ?)", error);
		if (st == NULL)
			return FALSE;
		sqlite3_bind_text (st, 1, type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text (st, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text (st, 3, kind, -1, SQLITE_TRANSIENT);
		sqlite3_step (st);
	}
	return TRUE;
}

static gboolean
seed_resources (EmuServer *server, const TypeDef *td, JsonArray *items, GError **error)
{
	EmuOroUser admin = {1, FALSE};
	g_autoptr(JsonArray) errors = json_array_new ();
	WriteCtx w = {server, &admin, errors, TRUE};

	for (guint i = 0; i < json_array_get_length (items); i++) {
		JsonObject *item = json_array_get_object_element (items, i);
		g_autofree gchar *ptr = g_strdup_printf ("/%s/%u", td->type, i);
		g_autoptr(Row) row = NULL;
		if (item == NULL || !save_resource (&w, td, item, NULL, ptr, &row)) {
			JsonObject *e = json_array_get_length (errors) > 0
					    ? json_array_get_object_element (errors, 0)
					    : NULL;
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s (%s)", ptr,
				     e != NULL ? json_object_get_string_member (e, "detail") : "not an object",
				     e != NULL && json_object_has_member (e, "source")
					 ? json_object_get_string_member_with_default (
					       json_object_get_object_member (e, "source"), "pointer", "")
					 : "");
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * emu_orocrm_seed:
 *
 * `{"customFields": {"contacts": {"name": "string|text|int|bool|date|datetime"}},
 *   "users": [{"id", "username", "firstName", "lastName", "email", "apiKey", "readOnly"}],
 *   "contacts": [JSON:API resource objects], "contactaddresses": […], "tasks": […],
 *   "calendarevents": [old REST event objects]}`; ids, createdAt and
 * updatedAt are kept as given.
 */
static gboolean
emu_orocrm_seed (EmuServer *server, JsonNode *root, GError **error)
{
	JsonObject *o = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
	static const gchar *order[] = {"accounts", "contacts", "contactaddresses", "tasks"};

	if (o == NULL) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
		return FALSE;
	}
	if (json_object_has_member (o, "customFields")) {
		JsonObject *cf = json_object_get_object_member (o, "customFields");
		g_autoptr(GList) types_l = cf != NULL ? json_object_get_members (cf) : NULL;
		for (GList *l = types_l; l != NULL; l = l->next) {
			JsonObject *fields = json_object_get_object_member (cf, l->data);
			g_autoptr(GList) names = fields != NULL ? json_object_get_members (fields) : NULL;
			for (GList *n = names; n != NULL; n = n->next) {
				if (!add_custom_field (server, l->data, n->data,
						       json_object_get_string_member (fields, n->data), error))
					return FALSE;
			}
		}
	}
	emu_db_exec (server, "BEGIN", NULL);
	if (json_object_has_member (o, "users")) {
		JsonArray *users = json_object_get_array_member (o, "users");
		for (guint i = 0; users != NULL && i < json_array_get_length (users); i++) {
			JsonObject *u = json_array_get_object_element (users, i);
			const gchar *id = json_object_get_string_member_with_default (u, "id", NULL);
			g_autoptr(JsonObject) attrs = json_object_new ();
			g_autofree gchar *text = NULL;
			gint64 n;
			if (id == NULL || !g_ascii_string_to_signed (id, 10, 2, G_MAXINT32, &n, NULL) ||
			    json_object_get_string_member_with_default (u, "username", NULL) == NULL) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "users[%u]: needs an \"id\" (\"2\" or more; 1 is --user) and a \"username\"", i);
				emu_db_exec (server, "ROLLBACK", NULL);
				return FALSE;
			}
			for (guint k = 0; user_attrs[k].name != NULL; k++) {
				if (json_object_has_member (u, user_attrs[k].name))
					json_object_set_member (attrs, user_attrs[k].name,
								json_node_copy (json_object_get_member (u, user_attrs[k].name)));
			}
			if (!json_object_has_member (attrs, "enabled"))
				json_object_set_boolean_member (attrs, "enabled", TRUE);
			text = object_to_string (attrs);
			if (!insert_fixed (server, "users", id, text, "{\"organization\":\"1\"}", error) ||
			    (json_object_has_member (u, "apiKey") &&
			     !emu_oro_add_api_key (server, n, json_object_get_string_member (u, "apiKey"),
						   json_object_get_boolean_member_with_default (u, "readOnly", FALSE),
						   error))) {
				emu_db_exec (server, "ROLLBACK", NULL);
				return FALSE;
			}
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
		if (json_object_has_member (o, order[i]) &&
		    !seed_resources (server, lookup_type (order[i]),
				     json_object_get_array_member (o, order[i]), error)) {
			emu_db_exec (server, "ROLLBACK", NULL);
			return FALSE;
		}
	}
	if (json_object_has_member (o, "calendarevents") &&
	    !emu_oro_rest_seed (server, json_object_get_array_member (o, "calendarevents"), error)) {
		emu_db_exec (server, "ROLLBACK", NULL);
		return FALSE;
	}
	return emu_db_exec (server, "COMMIT", error);
}

static gchar *
ascii_fold (const gchar *s)
{
	g_autofree gchar *lower = g_utf8_strdown (s, -1);
	g_autofree gchar *ascii = g_str_to_ascii (lower, "C");
	GString *out = g_string_new (NULL);
	for (const gchar *p = ascii; *p != '\0'; p++) {
		if (g_ascii_isalnum (*p))
			g_string_append_c (out, *p);
	}
	return g_string_free (out, FALSE);
}

/**
 * emu_orocrm_generate:
 *
 * N contacts (a third with a billing address), N tasks and N calendar
 * events; one in five belongs to a second user, so "owned by me" matters.
 */
static gboolean
emu_orocrm_generate (EmuServer *server, guint n, GError **error)
{
	static const gchar *priorities[] = {"low", "normal", "high"};
	static const gchar *statuses[] = {"open", "in_progress", "closed"};
	static const gchar *jobs[] = {"Indkøbschef", "Geschäftsführer", "Sales Manager", "Projektleder", "CFO"};
	g_autoptr(sqlite3_stmt) st = NULL;
	g_autoptr(GDateTime) base = g_date_time_new_utc (2025, 1, 6, 8, 0, 0);

	if (!insert_fixed (server, "users", "2",
			   "{\"username\":\"mette.hansen\",\"email\":\"mette.hansen@example.com\","
			   "\"firstName\":\"Mette\",\"lastName\":\"Hansen\",\"enabled\":true}",
			   "{\"organization\":\"1\"}", error))
		return FALSE;
	st = emu_db_prepare (server,
			     "INSERT INTO res (type, id, n, attrs, rels, owner, parent, created, updated) "
			     "VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
			     error);
	if (st == NULL)
		return FALSE;
	emu_db_exec (server, "BEGIN", NULL);
	for (guint i = 0; i < n; i++) {
		g_autoptr(JsonBuilder) b = json_builder_new ();
		g_autoptr(JsonNode) node = NULL;
		g_autofree gchar *attrs = NULL;
		g_autofree gchar *rels = NULL;
		g_autofree gchar *email = NULL;
		g_autofree gchar *first = ascii_fold (emu_sample_first_name (i));
		g_autofree gchar *last = ascii_fold (emu_sample_last_name (i));
		g_autofree gchar *phone = g_strdup_printf ("+45 %02u %02u %02u %02u", 20 + i % 70,
							   (i / 7) % 100, (i / 13) % 100, i % 100);
		g_autoptr(GDateTime) when = g_date_time_add_minutes (base, (gint) i);
		g_autofree gchar *stamp = emu_oro_time_format (when);
		guint owner = i % 5 == 4 ? 2 : 1;

		email = g_strdup_printf ("%s.%s%u@example.com", first, last, i);
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "firstName");
		json_builder_add_string_value (b, emu_sample_first_name (i));
		json_builder_set_member_name (b, "lastName");
		json_builder_add_string_value (b, emu_sample_last_name (i));
		json_builder_set_member_name (b, "gender");
		json_builder_add_string_value (b, i % 2 == 0 ? "male" : "female");
		json_builder_set_member_name (b, "birthday");
		{
			g_autofree gchar *bd = g_strdup_printf ("%04u-%02u-%02u", 1950 + i % 50,
								1 + i % 12, 1 + i % 28);
			json_builder_add_string_value (b, bd);
		}
		json_builder_set_member_name (b, "jobTitle");
		json_builder_add_string_value (b, jobs[i % G_N_ELEMENTS (jobs)]);
		json_builder_set_member_name (b, "emails");
		json_builder_begin_array (b);
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "email");
		json_builder_add_string_value (b, email);
		json_builder_end_object (b);
		json_builder_end_array (b);
		json_builder_set_member_name (b, "primaryEmail");
		json_builder_add_string_value (b, email);
		json_builder_set_member_name (b, "phones");
		json_builder_begin_array (b);
		json_builder_begin_object (b);
		json_builder_set_member_name (b, "phone");
		json_builder_add_string_value (b, phone);
		json_builder_end_object (b);
		json_builder_end_array (b);
		json_builder_set_member_name (b, "primaryPhone");
		json_builder_add_string_value (b, phone);
		if (i % 10 == 3) {
			g_autofree gchar *note = emu_sample_note (i);
			json_builder_set_member_name (b, "description");
			json_builder_add_string_value (b, note);
		}
		json_builder_end_object (b);
		node = json_builder_get_root (b);
		attrs = emu_json_text (node);
		rels = g_strdup_printf ("{\"owner\":\"%u\",\"organization\":\"1\"}", owner);
		sqlite3_reset (st);
		sqlite3_bind_text (st, 1, "contacts", -1, SQLITE_STATIC);
		sqlite3_bind_int64 (st, 2, i + 1);
		sqlite3_bind_text (st, 3, attrs, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text (st, 4, rels, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int (st, 5, (gint) owner);
		sqlite3_bind_null (st, 6);
		sqlite3_bind_text (st, 7, stamp, -1, SQLITE_TRANSIENT);
		if (sqlite3_step (st) != SQLITE_DONE)
			goto fail;
		if (i % 3 == 0) {
			g_autofree gchar *a = g_strdup_printf (
			    "{\"primary\":true,\"label\":\"Kontor\",\"street\":\"Vestergade %u\","
			    "\"city\":\"%s\",\"postalCode\":\"%u\",\"organization\":\"%s\"}",
			    1 + i % 120, emu_sample_city (i), 1000 + i % 8999, emu_sample_company (i));
			g_autofree gchar *r = g_strdup_printf (
			    "{\"owner\":\"%u\",\"types\":[\"billing\"],\"country\":\"%s\"}", i + 1,
			    i % 2 == 0 ? "DK" : "DE");
			g_autofree gchar *parent = g_strdup_printf ("%u", i + 1);
			sqlite3_reset (st);
			sqlite3_bind_text (st, 1, "contactaddresses", -1, SQLITE_STATIC);
			sqlite3_bind_int64 (st, 2, i / 3 + 1);
			sqlite3_bind_text (st, 3, a, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text (st, 4, r, -1, SQLITE_TRANSIENT);
			sqlite3_bind_null (st, 5);
			sqlite3_bind_text (st, 6, parent, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text (st, 7, stamp, -1, SQLITE_TRANSIENT);
			if (sqlite3_step (st) != SQLITE_DONE)
				goto fail;
		}
		{
			g_autoptr(GDateTime) due = g_date_time_add_days (base, (gint) (i % 60));
			g_autofree gchar *due_s = emu_oro_time_format (due);
			g_autoptr(JsonBuilder) tb = json_builder_new ();
			g_autoptr(JsonNode) tn = NULL;
			g_autofree gchar *ta = NULL;
			g_autofree gchar *tr = NULL;
			g_autofree gchar *subject = g_strdup_printf ("Ring til %s %s om tilbud #%u",
								     emu_sample_first_name (i),
								     emu_sample_last_name (i), i + 1);
			json_builder_begin_object (tb);
			json_builder_set_member_name (tb, "subject");
			json_builder_add_string_value (tb, subject);
			json_builder_set_member_name (tb, "dueDate");
			json_builder_add_string_value (tb, due_s);
			if (i % 4 == 1) {
				g_autofree gchar *note = emu_sample_note (i);
				json_builder_set_member_name (tb, "description");
				json_builder_add_string_value (tb, note);
			}
			json_builder_end_object (tb);
			tn = json_builder_get_root (tb);
			ta = json_to_string (tn, FALSE);
			tr = g_strdup_printf ("{\"taskPriority\":\"%s\",\"status\":\"%s\",\"owner\":\"%u\","
					      "\"organization\":\"1\",\"createdBy\":\"%u\","
					      "\"activityTargets\":[{\"type\":\"contacts\",\"id\":\"%u\"}]}",
					      priorities[i % 3], statuses[(i / 3) % 3], owner, owner, i + 1);
			sqlite3_reset (st);
			sqlite3_bind_text (st, 1, "tasks", -1, SQLITE_STATIC);
			sqlite3_bind_int64 (st, 2, i + 1);
			sqlite3_bind_text (st, 3, ta, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text (st, 4, tr, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int (st, 5, (gint) owner);
			sqlite3_bind_null (st, 6);
			sqlite3_bind_text (st, 7, stamp, -1, SQLITE_TRANSIENT);
			if (sqlite3_step (st) != SQLITE_DONE)
				goto fail;
		}
	}
	if (!emu_oro_rest_generate (server, n, error)) {
		emu_db_exec (server, "ROLLBACK", NULL);
		return FALSE;
	}
	return emu_db_exec (server, "COMMIT", error);
fail:
	g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "generate: %s",
		     sqlite3_errmsg (emu_server_get_db (server)));
	emu_db_exec (server, "ROLLBACK", NULL);
	return FALSE;
}

const EmuApi emu_orocrm_api = {
    .name = "orocrm",
    .help = "Oro JSON:API under /api, calendar events under /api/rest/latest; WSSE with "
	    "--user and the API key --secret, or OAuth 2 at /oauth2-token with client id --user "
	    "and client secret --secret (the password grant: user --user, password --secret)",
    .default_user = "admin",
    .default_secret = "dd1c18d06773cc377c9df6166c54c6e5fefa50fa",
    .setup = emu_orocrm_setup,
    .seed = emu_orocrm_seed,
    .generate = emu_orocrm_generate,
};
