/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "emu-server.h"

/*
 * webCRM REST API (api.webcrm.com), as in ../shared/specs/api-specs.md section 2.
 *
 * State: every entity is one JSON document in SQLite (`entity`), tokens in
 * `token`, and every request in `request_log` so that a test can prove the
 * rate a client kept. Unconfirmed facts of the spec are options, read from the
 * environment variable CRMSYNC_EMU_WEBCRM ("key=value,…"), see EmuWebcrmOptions.
 *
 * Test control (not part of the API, never rate-limited or faulted):
 *   POST /_emulator/expire-tokens   every access token expires now
 *   GET  /_emulator/log             the request log as JSON
 */

typedef struct {
	guint rate_limit;	    /* requests per window and application token (250) */
	guint rate_window;	    /* seconds (60) */
	gboolean count_rejected;    /* throttled requests use quota too (no) */
	guint token_lifetime;	    /* seconds (3600, confirmed) */
	guint login_error_status;   /* ⚠ wrong authCode: 400 with an IsError TokenResponseDto */
	gboolean put_merge;	    /* ⚠ PUT/PATCH keep omitted fields (no: replace) */
	guint default_size;	    /* ⚠ page size when Size is omitted (50) */
	gboolean allow_empty_required; /* ⚠ [Required] accepts "" (no, as .NET does) */
	gboolean rotate_refresh;    /* ⚠ ApiRefresh revokes the old refresh token (yes) */
	gboolean patch_inserted_only; /* ⚠ PATCH answers ids of inserted elements only (no) */
} EmuWebcrmOptions;

typedef struct {
	EmuWebcrmOptions opt;
	GHashTable *windows; /* app key → GQueue of gint64 (monotonic µs) of counted requests */
	guint64 next_meeting;
	gchar *main_user;    /* the --user last written into user 1 */
} EmuWebcrm;

/* ---------------------------------------------------------------------------------------- */
/* entity definitions */

typedef enum {
	F_STR,
	F_INT,
	F_BOOL,
	F_TIME,
	F_ENUM,
	F_INTLIST,
	F_ANY,
} FieldType;

typedef struct {
	const gchar *name;
	FieldType type;
	guint maxlen;		    /* 0 = no limit known */
	const gchar *const *choices; /* F_ENUM */
	gboolean server;	    /* set by the server only (ids, timestamps) */
} FieldDef;

static const gchar *const person_status[] = {"Active", "Resigned", "Other", "Guest", NULL};
static const gchar *const activity_status[] = {"Planned", "Active", "Completed", NULL};
static const gchar *const autocomplete_modes[] = {"None", "Complete", "Delete", NULL};
static const gchar *const event_location[] = {"Out", "Home", NULL};
static const gchar *const event_status[] = {"Confirmed", "Draft", "Cancelled", NULL};
static const gchar *const event_type[] = {"Meeting", "Private", "Private24", "PrivateDayOff",
					  "Holiday", NULL};
static const gchar *const last_item_type[] = {"Undefined", "Activity", "Opportunity", "Delivery",
					      "Meeting", "SupportCase", NULL};

static const FieldDef person_fields[] = {
    {"PersonId", F_INT, 0, NULL, TRUE},
    {"PersonOrganisationId", F_INT},
    {"PersonFirstName", F_STR},
    {"PersonMiddleName", F_STR},
    {"PersonLastName", F_STR},
    {"PersonName", F_STR},
    {"PersonTitle", F_STR},
    {"PersonSalutation", F_STR},
    {"PersonEmail", F_STR},
    {"PersonEmail2", F_STR},
    {"PersonDirectPhone", F_STR},
    {"PersonMobilePhone", F_STR},
    {"PersonSkype", F_STR},
    {"PersonBirthday", F_TIME},
    {"PersonComment", F_STR},
    {"PersonMemo", F_STR},
    {"PersonStatus", F_ENUM, 0, person_status},
    {"PersonBlockMassEmail", F_BOOL},
    {"PersonBlockMassEmail2", F_BOOL},
    {"PersonEmailBounces", F_INT},
    {"PersonEmail2Bounces", F_INT},
    {"PersonSortOrder", F_INT},
    {"PersonTelephoneSearch", F_STR, 0, NULL, TRUE},
    {"PersonCreatedAt", F_TIME, 0, NULL, TRUE},
    {"PersonCreatedBy", F_STR, 0, NULL, TRUE},
    {"PersonUpdatedAt", F_TIME, 0, NULL, TRUE},
    {"PersonUpdatedBy", F_STR, 0, NULL, TRUE},
    {NULL}};

static const FieldDef organisation_fields[] = {
    {"OrganisationId", F_INT, 0, NULL, TRUE},
    {"OrganisationName", F_STR, 200},
    {"OrganisationDivisionName", F_STR, 200},
    {"OrganisationAddress", F_STR, 250},
    {"OrganisationPostCode", F_STR},
    {"OrganisationCity", F_STR, 50},
    {"OrganisationState", F_STR},
    {"OrganisationCountry", F_STR, 50},
    {"OrganisationTelephone", F_STR, 50},
    {"OrganisationFax", F_STR, 50},
    {"OrganisationWww", F_STR, 50},
    {"OrganisationDomain", F_STR, 50},
    {"OrganisationIndustry", F_STR, 50},
    {"OrganisationType", F_STR},
    {"OrganisationStatus", F_STR},
    {"OrganisationOwner", F_INT},
    {"OrganisationOwner2", F_INT},
    {"OrganisationVatNumber", F_STR},
    {"OrganisationComment", F_STR},
    {"OrganisationMemo", F_STR},
    {"OrganisationAlert", F_STR, 50},
    {"OrganisationOutlookSync", F_INT},
    {"OrganisationLastItemType", F_ENUM, 0, last_item_type, TRUE},
    {"OrganisationLastItemUpdatedAt", F_TIME, 0, NULL, TRUE},
    {"OrganisationCreatedAt", F_TIME, 0, NULL, TRUE},
    {"OrganisationCreatedBy", F_STR, 0, NULL, TRUE},
    {"OrganisationUpdatedAt", F_TIME, 0, NULL, TRUE},
    {"OrganisationUpdatedBy", F_STR, 0, NULL, TRUE},
    {NULL}};

static const FieldDef activity_fields[] = {
    {"ActivityId", F_INT, 0, NULL, TRUE},
    {"ActivityOrganisationId", F_INT},
    {"ActivityPersonId", F_INT},
    {"ActivityOpportunityId", F_INT},
    {"ActivityEventId", F_INT},
    {"ActivityAssignedTo", F_INT},
    {"ActivityStatus", F_ENUM, 0, activity_status},
    {"ActivityAutoCompleteMode", F_ENUM, 0, autocomplete_modes},
    {"ActivityType", F_STR},
    {"ActivityDateTime", F_TIME},
    {"ActivityDescription", F_STR},
    {"ActivityComment", F_STR},
    {"ActivityNote", F_STR},
    {"ActivityAction", F_STR},
    {"ActivityMemo", F_STR},
    {"ActivityProduct", F_STR},
    {"ActivityClientName", F_STR},
    {"ActivityClientTelephone", F_STR},
    {"ActivityCampaignId", F_INT},
    {"ActivityOutlookSync", F_INT},
    {"ActivityCreatedAt", F_TIME, 0, NULL, TRUE},
    {"ActivityCreatedBy", F_STR, 0, NULL, TRUE},
    {"ActivityUpdatedAt", F_TIME, 0, NULL, TRUE},
    {"ActivityUpdatedBy", F_STR, 0, NULL, TRUE},
    {NULL}};

static const FieldDef event_fields[] = {
    {"EventId", F_INT, 0, NULL, TRUE},
    {"EventDateTime", F_TIME},
    {"EventDuration", F_STR},
    {"EventDescription", F_STR},
    {"EventComment", F_STR},
    {"EventMemo", F_STR},
    {"EventLocation", F_ENUM, 0, event_location},
    {"EventSite", F_STR},
    {"EventStatus", F_ENUM, 0, event_status},
    {"EventType", F_ENUM, 0, event_type},
    {"EventAssignedTo", F_INT},
    {"EventGroupId", F_INT},
    {"EventOrganisationId", F_INT},
    {"EventPersonId", F_INT},
    {"EventParticipantIds", F_INTLIST},
    {"EventOtherParticipates", F_STR},
    {"EventOutlookSync", F_INT},
    {"EventCreatedAt", F_TIME, 0, NULL, TRUE},
    {"EventCreatedBy", F_STR, 0, NULL, TRUE},
    {"EventUpdatedAt", F_TIME, 0, NULL, TRUE},
    {"EventUpdatedBy", F_STR, 0, NULL, TRUE},
    {NULL}};

/* user DTO field names are not in the spec; chosen in the DTOs' style */
static const FieldDef user_fields[] = {
    {"UserId", F_INT, 0, NULL, TRUE},
    {"UserName", F_STR},
    {"UserEmail", F_STR},
    {"UserInitials", F_STR},
    {"UserIsActive", F_BOOL},
    {NULL}};

typedef struct {
	const gchar *path;	/* first path segment */
	const gchar *table;	/* /Queries table name and FieldsMetadata entity */
	const FieldDef *fields;
	guint n_checkmarks;
	gboolean custom;	/* has Custom1..15 and Plus1..20 */
	gboolean post_has_body; /* POST answers the new id (Organisations/Events: no body) */
	gboolean writable;
	gboolean needs_organisation; /* B2B persons belong to an organisation */
} EntityDef;

static const EntityDef entities[] = {
    {"Persons", "Person", person_fields, 10, TRUE, TRUE, TRUE, TRUE},
    {"PersonsB2C", "Person", person_fields, 10, TRUE, TRUE, TRUE, FALSE},
    {"Organisations", "Organisation", organisation_fields, 0, TRUE, FALSE, TRUE, FALSE},
    {"Activities", "Activity", activity_fields, 0, TRUE, TRUE, TRUE, FALSE},
    {"Events", "Event", event_fields, 0, TRUE, FALSE, TRUE, FALSE},
    {"Users", "User", user_fields, 0, FALSE, FALSE, FALSE, FALSE},
};

#define ENTITY_PERSON (&entities[0])
#define ENTITY_ACTIVITY (&entities[3])

static const EntityDef *
entity_by_path (const gchar *seg)
{
	for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
		if (g_ascii_strcasecmp (entities[i].path, seg) == 0)
			return &entities[i];
	return NULL;
}

static const EntityDef *
entity_by_table (const gchar *table)
{
	for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
		if (g_ascii_strcasecmp (entities[i].table, table) == 0)
			return &entities[i];
	return NULL;
}

static gchar *
id_field (const EntityDef *def)
{
	return g_strconcat (def->table, "Id", NULL);
}

/* a FieldDef for any name of the entity, including CustomN, PlusN, CheckMarkN */
static gboolean
lookup_field (const EntityDef *def, const gchar *name, FieldDef *out)
{
	gsize plen = strlen (def->table);
	const gchar *rest;
	guint64 n;

	for (guint i = 0; def->fields[i].name != NULL; i++) {
		if (g_strcmp0 (def->fields[i].name, name) == 0) {
			*out = def->fields[i];
			return TRUE;
		}
	}
	if (strncmp (name, def->table, plen) != 0)
		return FALSE;
	rest = name + plen;
	memset (out, 0, sizeof (*out));
	out->name = name;
	if (def->custom && g_str_has_prefix (rest, "Custom") &&
	    g_ascii_string_to_unsigned (rest + 6, 10, 1, 15, &n, NULL)) {
		out->type = F_STR;
		return TRUE;
	}
	if (def->custom && g_str_has_prefix (rest, "Plus") &&
	    g_ascii_string_to_unsigned (rest + 4, 10, 1, 20, &n, NULL)) {
		out->type = F_STR;
		return TRUE;
	}
	if (def->n_checkmarks > 0 && g_str_has_prefix (rest, "CheckMark") &&
	    g_ascii_string_to_unsigned (rest + 9, 10, 1, def->n_checkmarks, &n, NULL)) {
		out->type = F_BOOL;
		return TRUE;
	}
	return FALSE;
}

/* ---------------------------------------------------------------------------------------- */
/* helpers */

static EmuWebcrm *
emu_webcrm (EmuServer *server)
{
	return emu_server_get_api_data (server);
}

static void
reply_error (SoupServerMessage *msg, guint status, const gchar *type, const gchar *fmt, ...)
    G_GNUC_PRINTF (4, 5);

/* ⚠ the error body shape is unconfirmed; the 429 body's shape is the one documented */
static void
reply_error (SoupServerMessage *msg, guint status, const gchar *type, const gchar *fmt, ...)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *text = NULL;
	va_list args;

	va_start (args, fmt);
	text = g_strdup_vprintf (fmt, args);
	va_end (args);
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "Message");
	json_builder_add_string_value (b, text);
	json_builder_set_member_name (b, "Type");
	json_builder_add_string_value (b, type);
	json_builder_end_object (b);
	node = json_builder_get_root (b);
	emu_reply_json (msg, status, "application/json; charset=utf-8", node);
}

/* webCRM timestamps: UTC without a zone, as in the spec's Queries example (⚠ zone) */
static gchar *
now_stamp (void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
}

/* "2024-05-01T00:00:00Z", "…0000000Z", "2019-09-01T12:48:51", "2024-05-01" → the stamp form */
static gchar *
normalize_stamp (const gchar *text)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
	g_autoptr(GDateTime) dt = NULL;
	g_autoptr(GDateTime) in_utc = NULL;

	if (text == NULL)
		return NULL;
	if (strlen (text) == 10) {
		g_autofree gchar *full = g_strconcat (text, "T00:00:00", NULL);
		dt = g_date_time_new_from_iso8601 (full, utc);
	} else {
		dt = g_date_time_new_from_iso8601 (text, utc);
	}
	if (dt == NULL)
		return NULL;
	in_utc = g_date_time_to_utc (dt);
	return g_date_time_format (in_utc, "%Y-%m-%dT%H:%M:%S");
}

static const gchar *
query_get (GHashTable *query, const gchar *name)
{
	GHashTableIter iter;
	gpointer k, v;

	if (query == NULL)
		return NULL;
	g_hash_table_iter_init (&iter, query);
	while (g_hash_table_iter_next (&iter, &k, &v))
		if (g_ascii_strcasecmp (k, name) == 0)
			return v;
	return NULL;
}

static gboolean
parse_paging (EmuServer *server, SoupServerMessage *msg, GHashTable *query, guint *page,
	      guint *size)
{
	const gchar *p = query_get (query, "Page");
	const gchar *s = query_get (query, "Size");
	guint64 v;

	*page = 1;
	*size = emu_webcrm (server)->opt.default_size;
	if (p != NULL) {
		if (!g_ascii_string_to_unsigned (p, 10, 1, 1000000, &v, NULL)) {
			reply_error (msg, 400, "ValidationException",
				     "Page must be between 1 and 1000000");
			return FALSE;
		}
		*page = (guint) v;
	}
	if (s != NULL) {
		if (!g_ascii_string_to_unsigned (s, 10, 1, 1000, &v, NULL)) {
			reply_error (msg, 400, "ValidationException",
				     "Size must be between 1 and 1000");
			return FALSE;
		}
		*size = (guint) v;
	}
	return TRUE;
}

static JsonNode *
parse_json_text (const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	if (!json_parser_load_from_data (parser, text, -1, NULL))
		return NULL;
	return json_node_ref (json_parser_get_root (parser));
}

static gchar *
json_text (JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new ();
	json_generator_set_root (gen, node);
	return json_generator_to_data (gen, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* storage */

static JsonObject *
entity_load (EmuServer *server, const gchar *table, const gchar *id)
{
	g_autoptr(sqlite3_stmt) stmt =
	    emu_db_prepare (server, "SELECT doc FROM entity WHERE tbl = ?1 AND id = ?2", NULL);
	g_autoptr(JsonNode) node = NULL;
	sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return NULL;
	node = parse_json_text ((const gchar *) sqlite3_column_text (stmt, 0));
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
		return NULL;
	return json_object_ref (json_node_get_object (node));
}

static gboolean
entity_exists (EmuServer *server, const gchar *table, gint64 id)
{
	g_autofree gchar *sid = g_strdup_printf ("%" G_GINT64_FORMAT, id);
	g_autoptr(JsonObject) obj = entity_load (server, table, sid);
	return obj != NULL;
}

static void
entity_store (EmuServer *server, const gchar *table, const gchar *id, gint64 num, JsonObject *obj)
{
	g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), obj);
	g_autofree gchar *doc = json_text (node);
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server, "INSERT OR REPLACE INTO entity (tbl, id, num, doc) VALUES (?1, ?2, ?3, ?4)",
	    NULL);
	sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64 (stmt, 3, num);
	sqlite3_bind_text (stmt, 4, doc, -1, SQLITE_STATIC);
	if (sqlite3_step (stmt) != SQLITE_DONE)
		g_warning ("cannot store %s %s: %s", table, id,
			   sqlite3_errmsg (emu_server_get_db (server)));
}

static gint64
entity_next_id (EmuServer *server, const gchar *table)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server, "SELECT COALESCE(MAX(num), 1000) + 1 FROM entity WHERE tbl = ?1", NULL);
	sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
	sqlite3_step (stmt);
	return sqlite3_column_int64 (stmt, 0);
}

/* rows of a statement whose first column is a JSON document, as an array */
static JsonNode *
rows_to_array (sqlite3_stmt *stmt)
{
	JsonArray *arr = json_array_new ();
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		JsonNode *row = parse_json_text ((const gchar *) sqlite3_column_text (stmt, 0));
		if (row != NULL)
			json_array_add_element (arr, row);
	}
	return json_node_init_array (json_node_alloc (), arr);
}

/* ---------------------------------------------------------------------------------------- */
/* validation: what the real service rejects */

static const gchar *
pick_first (EmuServer *server, const gchar *table, const gchar *field)
{
	/* the values live in the metadata document; a static buffer per call is enough here */
	static gchar buf[256];
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "SELECT json_extract(doc, '$.FieldMetadataDropdownListData[0]') FROM entity "
	    "WHERE tbl = 'FieldMetadata' AND json_extract(doc, '$.FieldMetadataEntity') = ?1 "
	    "AND json_extract(doc, '$.FieldMetadataDbFieldName') = ?2",
	    NULL);
	sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, field, -1, SQLITE_STATIC);
	if (sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_type (stmt, 0) == SQLITE_NULL)
		return NULL;
	g_strlcpy (buf, (const gchar *) sqlite3_column_text (stmt, 0), sizeof (buf));
	return buf;
}

static gboolean
value_is_empty (JsonNode *node)
{
	if (node == NULL || JSON_NODE_HOLDS_NULL (node))
		return TRUE;
	return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
	       json_node_get_string (node)[0] == '\0';
}

/**
 * clean_dto:
 * @in: the DTO as sent
 * @old: (nullable): the stored document, for an update
 *
 * Unknown properties are dropped (ASP.NET ignores them), server fields are
 * kept from @old, a wrong type, an unknown enum value or a too long text is
 * an error, and a new record gets defaults for what was not sent.
 */
static JsonObject *
clean_dto (EmuServer *server, const EntityDef *def, JsonObject *in, JsonObject *old,
	   GError **error)
{
	EmuWebcrm *self = emu_webcrm (server);
	g_autoptr(JsonObject) out = json_object_new ();
	g_autoptr(GList) members = json_object_get_members (in);

	if (old != NULL && self->opt.put_merge) {
		g_autoptr(GList) keep = json_object_get_members (old);
		for (GList *l = keep; l != NULL; l = l->next)
			json_object_set_member (
				out, l->data,
				json_node_copy (json_object_get_member (old, l->data)));
	}
	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *name = l->data;
		JsonNode *v = json_object_get_member (in, name);
		FieldDef fd;

		if (!lookup_field (def, name, &fd) || fd.server)
			continue;
		if (JSON_NODE_HOLDS_NULL (v)) {
			if (!self->opt.put_merge)
				json_object_set_null_member (out, name);
			continue;
		}
		switch (fd.type) {
		case F_INT:
			if (!JSON_NODE_HOLDS_VALUE (v)
			    || json_node_get_value_type (v) != G_TYPE_INT64) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s must be an integer", name);
				return NULL;
			}
			break;
		case F_BOOL:
			if (!JSON_NODE_HOLDS_VALUE (v) ||
			    json_node_get_value_type (v) != G_TYPE_BOOLEAN) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s must be true or false", name);
				return NULL;
			}
			break;
		case F_TIME: {
			g_autofree gchar *norm = NULL;
			if (JSON_NODE_HOLDS_VALUE (v) &&
			    json_node_get_value_type (v) == G_TYPE_STRING)
				norm = normalize_stamp (json_node_get_string (v));
			if (norm == NULL) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s is not a date-time", name);
				return NULL;
			}
			json_object_set_string_member (out, name, norm);
			continue;
		}
		case F_ENUM:
			if (!JSON_NODE_HOLDS_VALUE (v) ||
			    json_node_get_value_type (v) != G_TYPE_STRING ||
			    !g_strv_contains (fd.choices, json_node_get_string (v))) {
				g_autofree gchar *allowed = g_strjoinv ("|", (gchar **) fd.choices);
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s must be one of %s", name, allowed);
				return NULL;
			}
			break;
		case F_INTLIST:
			if (!JSON_NODE_HOLDS_ARRAY (v)) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s must be a list of integers", name);
				return NULL;
			}
			break;
		case F_STR:
			if (!JSON_NODE_HOLDS_VALUE (v) ||
			    json_node_get_value_type (v) != G_TYPE_STRING) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s must be text", name);
				return NULL;
			}
			if (fd.maxlen > 0 &&
			    g_utf8_strlen (json_node_get_string (v), -1) > (glong) fd.maxlen) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s is longer than %u characters", name, fd.maxlen);
				return NULL;
			}
			break;
		case F_ANY:
		default:
			break;
		}
		json_object_set_member (out, name, json_node_copy (v));
	}
	if (old != NULL) {
		/* server-owned fields survive an update */
		for (guint i = 0; def->fields[i].name != NULL; i++) {
			const gchar *n = def->fields[i].name;
			if (def->fields[i].server && json_object_has_member (old, n))
				json_object_set_member (
					out, n, json_node_copy (json_object_get_member (old, n)));
		}
	}
	return g_steal_pointer (&out);
}

/* defaults a new record gets: first pick-list value, enum defaults */
static void
apply_defaults (EmuServer *server, const EntityDef *def, JsonObject *obj)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "SELECT json_extract(doc, '$.FieldMetadataDbFieldName') FROM entity WHERE tbl = "
	    "'FieldMetadata' AND json_extract(doc, '$.FieldMetadataEntity') = ?1 AND "
	    "json_array_length(doc, '$.FieldMetadataDropdownListData') > 0",
	    NULL);
	sqlite3_bind_text (stmt, 1, def->table, -1, SQLITE_STATIC);
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		const gchar *field = (const gchar *) sqlite3_column_text (stmt, 0);
		if (!value_is_empty (json_object_get_member (obj, field)))
			continue;
		json_object_set_string_member (obj, field, pick_first (server, def->table, field));
	}
	for (guint i = 0; def->fields[i].name != NULL; i++) {
		const FieldDef *fd = &def->fields[i];
		if (fd->type == F_ENUM && !fd->server &&
		    value_is_empty (json_object_get_member (obj, fd->name)))
			json_object_set_string_member (obj, fd->name, fd->choices[0]);
	}
}

static gboolean
check_references (EmuServer *server, const EntityDef *def, JsonObject *obj, GError **error)
{
	static const struct {
		const gchar *field;
		const gchar *table;
	} refs[] = {
	    {"PersonOrganisationId", "Organisation"}, {"ActivityOrganisationId", "Organisation"},
	    {"ActivityPersonId", "Person"},	      {"ActivityAssignedTo", "User"},
	    {"OrganisationOwner", "User"},	      {"OrganisationOwner2", "User"},
	    {"EventOrganisationId", "Organisation"},  {"EventPersonId", "Person"},
	    {"EventAssignedTo", "User"},
	};
	for (guint i = 0; i < G_N_ELEMENTS (refs); i++) {
		JsonNode *v = json_object_get_member (obj, refs[i].field);
		gint64 id;
		if (v == NULL || JSON_NODE_HOLDS_NULL (v))
			continue;
		id = json_node_get_int (v);
		if (id == 0)
			continue;
		if (!entity_exists (server, refs[i].table, id)) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
				     "%s %" G_GINT64_FORMAT " does not exist", refs[i].field, id);
			return FALSE;
		}
	}
	if (def->needs_organisation) {
		JsonNode *v = json_object_get_member (obj, "PersonOrganisationId");
		if (v == NULL || JSON_NODE_HOLDS_NULL (v) || json_node_get_int (v) == 0) {
			g_set_error_literal (
				error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				"PersonOrganisationId is required: a person belongs to "
				"an organisation");
			return FALSE;
		}
	}
	return TRUE;
}

static void
fill_computed (const EntityDef *def, JsonObject *obj)
{
	if (g_strcmp0 (def->table, "Person") == 0) {
		const gchar *parts[] = {"PersonFirstName", "PersonMiddleName", "PersonLastName"};
		g_autoptr(GString) name = g_string_new (NULL);
		for (guint i = 0; i < G_N_ELEMENTS (parts); i++) {
			const gchar *p
				= json_object_get_string_member_with_default (obj, parts[i], NULL);
			if (p == NULL || p[0] == '\0')
				continue;
			if (name->len > 0)
				g_string_append_c (name, ' ');
			g_string_append (name, p);
		}
		json_object_set_string_member (obj, "PersonName", name->str);
	}
}

/**
 * save_dto:
 * @id: 0 = insert
 *
 * Returns: the id, or 0 with @error set
 */
static gint64
save_dto (EmuServer *server, const EntityDef *def, JsonObject *in, gint64 id, GError **error)
{
	g_autofree gchar *idf = id_field (def);
	g_autofree gchar *sid = NULL;
	g_autofree gchar *stamp = now_stamp ();
	g_autoptr(JsonObject) old = NULL;
	g_autoptr(JsonObject) obj = NULL;
	g_autofree gchar *f_created = g_strconcat (def->table, "CreatedAt", NULL);
	g_autofree gchar *f_created_by = g_strconcat (def->table, "CreatedBy", NULL);
	g_autofree gchar *f_updated = g_strconcat (def->table, "UpdatedAt", NULL);
	g_autofree gchar *f_updated_by = g_strconcat (def->table, "UpdatedBy", NULL);

	if (id != 0) {
		sid = g_strdup_printf ("%" G_GINT64_FORMAT, id);
		old = entity_load (server, def->table, sid);
		if (old == NULL) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
				     "%s %" G_GINT64_FORMAT " not found", def->table, id);
			return 0;
		}
	}
	obj = clean_dto (server, def, in, old, error);
	if (obj == NULL)
		return 0;
	if (!check_references (server, def, obj, error))
		return 0;
	if (old == NULL) {
		id = entity_next_id (server, def->table);
		sid = g_strdup_printf ("%" G_GINT64_FORMAT, id);
		apply_defaults (server, def, obj);
		json_object_set_string_member (obj, f_created, stamp);
		json_object_set_string_member (obj, f_created_by, "API");
	}
	json_object_set_int_member (obj, idf, id);
	json_object_set_string_member (obj, f_updated, stamp);
	json_object_set_string_member (obj, f_updated_by, "API");
	fill_computed (def, obj);
	entity_store (server, def->table, sid, id, obj);
	return id;
}

/* ---------------------------------------------------------------------------------------- */
/* auth */

static gchar *
random_token (void)
{
	guint8 raw[24];
	for (guint i = 0; i < sizeof (raw); i++)
		raw[i] = (guint8) g_random_int_range (0, 256);
	return g_base64_encode (raw, sizeof (raw));
}

static GHashTable *
request_form (SoupServerMessage *msg)
{
	SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
	SoupMessageBody *body = soup_server_message_get_request_body (msg);
	g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
	const gchar *ct = soup_message_headers_get_content_type (h, NULL);

	if (ct != NULL && g_ascii_strcasecmp (ct, "multipart/form-data") == 0) {
		/* soup_form_decode_multipart() takes the multipart */
		SoupMultipart *mp = soup_multipart_new_from_message (h, bytes);
		if (mp == NULL)
			return NULL;
		return soup_form_decode_multipart (mp, NULL, NULL, NULL, NULL);
	}
	if (ct != NULL && g_ascii_strcasecmp (ct, "application/x-www-form-urlencoded") == 0) {
		g_autofree gchar *text = g_strndup (g_bytes_get_data (bytes, NULL),
						    g_bytes_get_size (bytes));
		return soup_form_decode (text);
	}
	return NULL;
}

/* the form field, else the header of the same name (both seen in the wild) */
static gchar *
form_or_header (SoupServerMessage *msg, const gchar *name)
{
	g_autoptr(GHashTable) form = request_form (msg);
	const gchar *v = form != NULL ? g_hash_table_lookup (form, name) : NULL;
	if (v == NULL)
		v = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
						  name);
	return g_strdup (v);
}

static void
reply_tokens (EmuServer *server, SoupServerMessage *msg, const gchar *app)
{
	EmuWebcrm *self = emu_webcrm (server);
	g_autofree gchar *access = random_token ();
	g_autofree gchar *refresh = random_token ();
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server, "INSERT INTO token (access, refresh, app, expires) VALUES (?1, ?2, ?3, ?4)",
	    NULL);

	sqlite3_bind_text (stmt, 1, access, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, refresh, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, app, -1, SQLITE_STATIC);
	sqlite3_bind_int64 (stmt, 4,
			    g_get_real_time () + (gint64)self->opt.token_lifetime * G_USEC_PER_SEC);
	sqlite3_step (stmt);

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "AccessToken");
	json_builder_add_string_value (b, access);
	json_builder_set_member_name (b, "RefreshToken");
	json_builder_add_string_value (b, refresh);
	json_builder_set_member_name (b, "Error");
	json_builder_add_null_value (b);
	json_builder_set_member_name (b, "ErrorDescription");
	json_builder_add_null_value (b);
	json_builder_set_member_name (b, "IsError");
	json_builder_add_boolean_value (b, FALSE);
	json_builder_set_member_name (b, "ExpiresIn");
	json_builder_add_int_value (b, self->opt.token_lifetime);
	json_builder_set_member_name (b, "TokenType");
	json_builder_add_string_value (b, "Bearer");
	json_builder_end_object (b);
	node = json_builder_get_root (b);
	emu_reply_json (msg, 200, "application/json; charset=utf-8", node);
}

static void
reply_token_error (EmuServer *server, SoupServerMessage *msg, const gchar *error,
		   const gchar *description)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) node = NULL;
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "AccessToken");
	json_builder_add_null_value (b);
	json_builder_set_member_name (b, "RefreshToken");
	json_builder_add_null_value (b);
	json_builder_set_member_name (b, "Error");
	json_builder_add_string_value (b, error);
	json_builder_set_member_name (b, "ErrorDescription");
	json_builder_add_string_value (b, description);
	json_builder_set_member_name (b, "IsError");
	json_builder_add_boolean_value (b, TRUE);
	json_builder_set_member_name (b, "ExpiresIn");
	json_builder_add_int_value (b, 0);
	json_builder_set_member_name (b, "TokenType");
	json_builder_add_null_value (b);
	json_builder_end_object (b);
	node = json_builder_get_root (b);
	emu_reply_json (msg, emu_webcrm (server)->opt.login_error_status,
			"application/json; charset=utf-8", node);
}

static void
handle_api_login (EmuServer *server, SoupServerMessage *msg)
{
	g_autofree gchar *code = form_or_header (msg, "authCode");
	if (code == NULL || code[0] == '\0') {
		reply_token_error (server, msg, "invalid_request", "authCode is missing");
		return;
	}
	if (g_strcmp0 (code, emu_server_get_secret (server)) != 0) {
		reply_token_error (server, msg, "invalid_grant", "The authCode is not valid");
		return;
	}
	reply_tokens (server, msg, code);
}

static void
handle_api_refresh (EmuServer *server, SoupServerMessage *msg)
{
	EmuWebcrm *self = emu_webcrm (server);
	g_autofree gchar *refresh = form_or_header (msg, "refreshToken");
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *app = NULL;

	if (refresh == NULL || refresh[0] == '\0') {
		reply_token_error (server, msg, "invalid_request", "refreshToken is missing");
		return;
	}
	stmt = emu_db_prepare (server, "SELECT app FROM token WHERE refresh = ?1 AND revoked = 0",
			       NULL);
	sqlite3_bind_text (stmt, 1, refresh, -1, SQLITE_STATIC);
	if (sqlite3_step (stmt) != SQLITE_ROW) {
		reply_token_error (server, msg, "invalid_grant", "The refresh token is not valid");
		return;
	}
	app = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
	if (self->opt.rotate_refresh) {
		g_autoptr (sqlite3_stmt) upd = emu_db_prepare (
			server, "UPDATE token SET revoked = 1 WHERE refresh = ?1", NULL);
		sqlite3_bind_text (upd, 1, refresh, -1, SQLITE_STATIC);
		sqlite3_step (upd);
	}
	reply_tokens (server, msg, app);
}

/* Returns: (transfer full) (nullable): the application key of a valid bearer token */
static gchar *
check_bearer (EmuServer *server, SoupServerMessage *msg)
{
	const gchar *auth = soup_message_headers_get_one (
	    soup_server_message_get_request_headers (msg), "Authorization");
	g_autoptr(sqlite3_stmt) stmt = NULL;

	if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
		return NULL;
	stmt = emu_db_prepare (server,
			       "SELECT app FROM token WHERE access = ?1 AND expires > ?2", NULL);
	sqlite3_bind_text (stmt, 1, auth + 7, -1, SQLITE_STATIC);
	sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return NULL;
	return g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
}

/* ---------------------------------------------------------------------------------------- */
/* rate limit: sliding window per application token */

/* Returns: 0 when the request may go on, else the seconds until it would */
static guint
rate_check (EmuServer *server, const gchar *app)
{
	EmuWebcrm *self = emu_webcrm (server);
	GQueue *q = g_hash_table_lookup (self->windows, app);
	gint64 now = g_get_monotonic_time ();
	gint64 window = (gint64) self->opt.rate_window * G_USEC_PER_SEC;

	if (self->opt.rate_limit == 0)
		return 0;
	if (q == NULL) {
		q = g_queue_new ();
		g_hash_table_insert (self->windows, g_strdup (app), q);
	}
	while (!g_queue_is_empty (q) && *(gint64 *) g_queue_peek_head (q) <= now - window)
		g_free (g_queue_pop_head (q));
	if (g_queue_get_length (q) >= self->opt.rate_limit) {
		gint64 oldest = *(gint64 *) g_queue_peek_head (q);
		gint64 wait = oldest + window - now;
		if (self->opt.count_rejected) {
			gint64 *t = g_new (gint64, 1);
			*t = now;
			g_queue_push_tail (q, t);
		}
		return (guint) MAX (1, (wait + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
	}
	{
		gint64 *t = g_new (gint64, 1);
		*t = now;
		g_queue_push_tail (q, t);
	}
	return 0;
}

static void
reply_throttled (EmuServer *server, SoupServerMessage *msg, guint retry_after)
{
	EmuWebcrm *self = emu_webcrm (server);
	g_autofree gchar *ra = g_strdup_printf ("%u", retry_after);
	g_autofree gchar *body = g_strdup_printf (
	    "{\"RetryAfterSeconds\":%u,\"Message\":\"The request was throttled. The limit of %u "
	    "requests per minute is reached\",\"Type\":\"TooManyRequestsException\"}",
	    retry_after, self->opt.rate_limit);
	soup_message_headers_replace (soup_server_message_get_response_headers (msg),
				      "Retry-After", ra);
	emu_reply_text (msg, 429, "application/json; charset=utf-8", body);
}

static void
log_request (EmuServer *server, SoupServerMessage *msg, const gchar *app)
{
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
	    server,
	    "INSERT INTO request_log (at, app, method, path, status) VALUES (?1, ?2, ?3, ?4, ?5)",
	    NULL);
	sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
	sqlite3_bind_text (stmt, 2, app, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 3, soup_server_message_get_method (msg), -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 4, g_uri_get_path (soup_server_message_get_uri (msg)), -1,
			   SQLITE_STATIC);
	sqlite3_bind_int (stmt, 5, (gint) soup_server_message_get_status (msg));
	sqlite3_step (stmt);
}

/* ---------------------------------------------------------------------------------------- */
/* /Queries: the SQL subset clients use (spec 2.7), run on the JSON documents */

typedef struct {
	const gchar *p;
} Lexer;

static void
lex_ws (Lexer *lx)
{
	while (g_ascii_isspace (*lx->p))
		lx->p++;
}

static gboolean
lex_keyword (Lexer *lx, const gchar *kw)
{
	gsize n = strlen (kw);
	lex_ws (lx);
	if (g_ascii_strncasecmp (lx->p, kw, n) == 0 && !g_ascii_isalnum (lx->p[n]) &&
	    lx->p[n] != '_') {
		lx->p += n;
		return TRUE;
	}
	return FALSE;
}

/* an identifier, optionally qualified (Person.PersonId → PersonId) */
static gchar *
lex_ident (Lexer *lx)
{
	const gchar *start;
	lex_ws (lx);
	start = lx->p;
	while (g_ascii_isalnum (*lx->p) || *lx->p == '_' || *lx->p == '.')
		lx->p++;
	if (lx->p == start)
		return NULL;
	{
		g_autofree gchar *full = g_strndup (start, (gsize) (lx->p - start));
		const gchar *dot = strrchr (full, '.');
		return g_strdup (dot != NULL ? dot + 1 : full);
	}
}

/* 'text' with '' for a quote, or a number; *is_text says which */
static gchar *
lex_literal (Lexer *lx, gboolean *is_text)
{
	lex_ws (lx);
	if (*lx->p == '\'') {
		GString *s = g_string_new (NULL);
		lx->p++;
		for (;;) {
			if (*lx->p == '\0') {
				g_string_free (s, TRUE);
				return NULL;
			}
			if (*lx->p == '\'' && lx->p[1] == '\'') {
				g_string_append_c (s, '\'');
				lx->p += 2;
			} else if (*lx->p == '\'') {
				lx->p++;
				break;
			} else {
				g_string_append_c (s, *lx->p++);
			}
		}
		*is_text = TRUE;
		return g_string_free (s, FALSE);
	} else {
		const gchar *start = lx->p;
		if (*lx->p == '-')
			lx->p++;
		while (g_ascii_isdigit (*lx->p) || *lx->p == '.')
			lx->p++;
		if (lx->p == start)
			return NULL;
		*is_text = FALSE;
		return g_strndup (start, (gsize) (lx->p - start));
	}
}

static const gchar *
lex_operator (Lexer *lx)
{
	static const gchar *ops[] = {"<>", "!=", ">=", "<=", "=", "<", ">"};
	lex_ws (lx);
	for (guint i = 0; i < G_N_ELEMENTS (ops); i++) {
		if (strncmp (lx->p, ops[i], strlen (ops[i])) == 0) {
			lx->p += strlen (ops[i]);
			return ops[i];
		}
	}
	if (lex_keyword (lx, "LIKE"))
		return "LIKE";
	return NULL;
}

typedef struct {
	GString *sql;
	GPtrArray *params; /* (element-type gchar*) text, or "#num" for numbers */
	const EntityDef *def;
	const EntityDef *join;
} QueryBuild;

static gboolean
column_known (QueryBuild *qb, const gchar *col, const EntityDef **owner)
{
	FieldDef fd;
	if (lookup_field (qb->def, col, &fd)) {
		*owner = qb->def;
		return TRUE;
	}
	if (qb->join != NULL && lookup_field (qb->join, col, &fd)) {
		*owner = qb->join;
		return TRUE;
	}
	return FALSE;
}

static gboolean
append_column (QueryBuild *qb, const gchar *col, GError **error)
{
	const EntityDef *owner = NULL;
	if (!column_known (qb, col, &owner)) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Invalid column name '%s'",
			     col);
		return FALSE;
	}
	g_string_append_printf (qb->sql, "json_extract(%s.doc, '$.%s')",
				owner == qb->def ? "a" : "b", col);
	return TRUE;
}

/**
 * build_query:
 *
 * SELECT * FROM T [JOIN U ON (T.x = U.y)] [WHERE c op lit {AND|OR c op lit}]
 * [ORDER BY c [ASC|DESC]]: column names are checked against the DTOs,
 * literals are bound, so no text of the script reaches SQLite as SQL.
 */
static gboolean
build_query (const gchar *script, QueryBuild *qb, GError **error)
{
	Lexer lx = {script};
	g_autofree gchar *table = NULL;

	if (!lex_keyword (&lx, "SELECT") || !(lex_ws (&lx), *lx.p == '*')) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "only SELECT * queries are supported");
		return FALSE;
	}
	lx.p++;
	if (!lex_keyword (&lx, "FROM") || (table = lex_ident (&lx)) == NULL ||
	    (qb->def = entity_by_table (table)) == NULL) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Invalid object name '%s'",
			     table != NULL ? table : "");
		return FALSE;
	}
	g_string_append (qb->sql, "SELECT a.doc");
	if (lex_keyword (&lx, "JOIN")) {
		g_autofree gchar *jt = lex_ident (&lx);
		g_autofree gchar *l = NULL;
		g_autofree gchar *r = NULL;
		gboolean paren;
		if (jt == NULL || (qb->join = entity_by_table (jt)) == NULL) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "Invalid object name '%s'", jt != NULL ? jt : "");
			return FALSE;
		}
		g_string_append (qb->sql, ", b.doc");
		if (!lex_keyword (&lx, "ON"))
			goto syntax;
		lex_ws (&lx);
		paren = *lx.p == '(';
		if (paren)
			lx.p++;
		l = lex_ident (&lx);
		lex_ws (&lx);
		if (l == NULL || *lx.p != '=')
			goto syntax;
		lx.p++;
		r = lex_ident (&lx);
		lex_ws (&lx);
		if (r == NULL || (paren && *lx.p++ != ')'))
			goto syntax;
		g_string_append_printf (qb->sql,
					" FROM entity a JOIN entity b ON b.tbl = '%s' AND ",
					qb->join->table);
		if (!append_column (qb, l, error))
			return FALSE;
		g_string_append (qb->sql, " = ");
		if (!append_column (qb, r, error))
			return FALSE;
	} else {
		g_string_append (qb->sql, " FROM entity a");
	}
	g_string_append_printf (qb->sql, " WHERE a.tbl = '%s'", qb->def->table);
	if (lex_keyword (&lx, "WHERE")) {
		g_string_append (qb->sql, " AND (");
		do {
			g_autofree gchar *col = lex_ident (&lx);
			const gchar *op = col != NULL ? lex_operator (&lx) : NULL;
			gboolean is_text = FALSE;
			g_autofree gchar *lit = op != NULL ? lex_literal (&lx, &is_text) : NULL;
			gchar *norm = NULL;
			if (lit == NULL)
				goto syntax;
			if (is_text && strlen (lit) >= 19 && lit[4] == '-' && lit[10] == 'T')
				norm = normalize_stamp (lit);
			if (norm != NULL) {
				/* compare times as times whatever the literal's precision */
				g_string_append (qb->sql, "substr(");
				if (!append_column (qb, col, error))
					return FALSE;
				g_string_append (qb->sql, ", 1, 19)");
				g_ptr_array_add (qb->params, norm);
			} else {
				if (!append_column (qb, col, error))
					return FALSE;
				g_ptr_array_add (qb->params,
						 is_text ? g_strdup (lit)
							 : g_strconcat ("#", lit, NULL));
			}
			/* SQL Server's default collation compares text without case */
			g_string_append_printf (qb->sql, " %s ?%u%s", op, qb->params->len,
						is_text && norm == NULL ? " COLLATE NOCASE" : "");
			if (lex_keyword (&lx, "AND"))
				g_string_append (qb->sql, " AND ");
			else if (lex_keyword (&lx, "OR"))
				g_string_append (qb->sql, " OR ");
			else
				break;
		} while (TRUE);
		g_string_append (qb->sql, ")");
	}
	if (lex_keyword (&lx, "ORDER")) {
		g_autofree gchar *col = NULL;
		if (!lex_keyword (&lx, "BY") || (col = lex_ident (&lx)) == NULL)
			goto syntax;
		g_string_append (qb->sql, " ORDER BY ");
		if (!append_column (qb, col, error))
			return FALSE;
		if (lex_keyword (&lx, "DESC"))
			g_string_append (qb->sql, " DESC");
		else
			lex_keyword (&lx, "ASC");
		g_string_append (qb->sql, ", a.num");
	} else {
		g_string_append (qb->sql, " ORDER BY a.num");
	}
	lex_ws (&lx);
	if (*lx.p == ';')
		lx.p++;
	lex_ws (&lx);
	if (*lx.p != '\0')
		goto syntax;
	return TRUE;
syntax:
	g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Incorrect syntax near '%.20s'",
		     lx.p);
	return FALSE;
}

static void
handle_queries (EmuServer *server, SoupServerMessage *msg, GHashTable *query)
{
	const gchar *script = query_get (query, "script");
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) sql = g_string_new (NULL);
	g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
	QueryBuild qb = {sql, params, NULL, NULL};
	g_autoptr(sqlite3_stmt) stmt = NULL;
	JsonArray *arr;
	g_autoptr(JsonNode) root = NULL;
	guint page, size;

	if (script == NULL) {
		reply_error (msg, 400, "ValidationException", "script is required");
		return;
	}
	if (!parse_paging (server, msg, query, &page, &size))
		return;
	if (!build_query (script, &qb, &error)) {
		reply_error (msg, 400, "SqlException", "%s", error->message);
		return;
	}
	g_string_append_printf (sql, " LIMIT %u OFFSET %" G_GUINT64_FORMAT, size,
				(guint64) (page - 1) * size);
	stmt = emu_db_prepare (server, sql->str, &error);
	if (stmt == NULL) {
		reply_error (msg, 400, "SqlException", "%s", error->message);
		return;
	}
	for (guint i = 0; i < params->len; i++) {
		const gchar *p = g_ptr_array_index (params, i);
		if (p[0] == '#')
			sqlite3_bind_double (stmt, (gint) i + 1, g_ascii_strtod (p + 1, NULL));
		else
			sqlite3_bind_text (stmt, (gint) i + 1, p, -1, SQLITE_TRANSIENT);
	}
	/* a joined row is the union of both documents, as SQL Server's SELECT * gives */
	arr = json_array_new ();
	while (sqlite3_step (stmt) == SQLITE_ROW) {
		g_autoptr (JsonNode) a
			= parse_json_text ((const gchar *)sqlite3_column_text (stmt, 0));
		if (a == NULL)
			continue;
		if (qb.join != NULL) {
			g_autoptr(JsonNode) bn =
			    parse_json_text ((const gchar *) sqlite3_column_text (stmt, 1));
			g_autoptr (GList) members
				= json_object_get_members (json_node_get_object (bn));
			for (GList *l = members; l != NULL; l = l->next)
				json_object_set_member (
					json_node_get_object (a), l->data,
					json_node_copy (json_object_get_member (
						json_node_get_object (bn), l->data)));
		}
		json_array_add_element (arr, json_node_ref (a));
	}
	root = json_node_init_array (json_node_alloc (), arr);
	emu_reply_json (msg, 200, "application/json; charset=utf-8", root);
}

/* ---------------------------------------------------------------------------------------- */
/* generic entity endpoints */

static void
list_where (EmuServer *server, SoupServerMessage *msg, GHashTable *query, const EntityDef *def,
	    const gchar *field, const gchar *value)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(JsonNode) arr = NULL;
	guint page, size;

	if (!parse_paging (server, msg, query, &page, &size))
		return;
	if (field != NULL) {
		g_autofree gchar *sql = g_strdup_printf (
		    "SELECT doc FROM entity WHERE tbl = ?1 AND json_extract(doc, '$.%s') = ?4 "
		    "ORDER BY num LIMIT ?2 OFFSET ?3",
		    field);
		stmt = emu_db_prepare (server, sql, NULL);
		if (g_ascii_isdigit (value[0]))
			sqlite3_bind_int64 (stmt, 4, g_ascii_strtoll (value, NULL, 10));
		else
			sqlite3_bind_text (stmt, 4, value, -1, SQLITE_TRANSIENT);
	} else {
		stmt = emu_db_prepare (
		    server,
		    "SELECT doc FROM entity WHERE tbl = ?1 ORDER BY num LIMIT ?2 OFFSET ?3", NULL);
	}
	sqlite3_bind_text (stmt, 1, def->table, -1, SQLITE_STATIC);
	sqlite3_bind_int (stmt, 2, (gint) size);
	sqlite3_bind_int64 (stmt, 3, (gint64) (page - 1) * size);
	arr = rows_to_array (stmt);
	emu_reply_json (msg, 200, "application/json; charset=utf-8", arr);
}

static gboolean
parse_id (const gchar *seg, gint64 *id)
{
	guint64 v;
	if (!g_ascii_string_to_unsigned (seg, 10, 1, G_MAXINT32, &v, NULL))
		return FALSE;
	*id = (gint64) v;
	return TRUE;
}

static void
handle_post (EmuServer *server, SoupServerMessage *msg, const EntityDef *def)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) body = emu_request_json (msg, &error);
	gint64 id;

	if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body)) {
		reply_error (msg, 400, "ValidationException", "the body must be a %s object: %s",
			     def->table, error != NULL ? error->message : "not an object");
		return;
	}
	id = save_dto (server, def, json_node_get_object (body), 0, &error);
	if (id == 0) {
		reply_error (msg, 400, "ValidationException", "%s", error->message);
		return;
	}
	if (def->post_has_body) {
		g_autofree gchar *text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
		emu_reply_text (msg, 200, "application/json; charset=utf-8", text);
	} else {
		soup_server_message_set_status (msg, 200, NULL);
	}
}

static void
handle_put (EmuServer *server, SoupServerMessage *msg, const EntityDef *def, gint64 id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) body = emu_request_json (msg, &error);
	g_autofree gchar *idf = id_field (def);

	if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body)) {
		reply_error (msg, 400, "ValidationException", "the body must be a %s object: %s",
			     def->table, error != NULL ? error->message : "not an object");
		return;
	}
	if (json_object_has_member (json_node_get_object (body), idf) &&
	    json_object_get_int_member (json_node_get_object (body), idf) != id) {
		reply_error (msg, 400, "ValidationException", "%s in the body differs from the URL",
			     idf);
		return;
	}
	if (save_dto (server, def, json_node_get_object (body), id, &error) == 0) {
		reply_error (msg, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
					  !entity_exists (server, def->table, id)
				      ? 404
				      : 400,
			     "ValidationException", "%s", error->message);
		return;
	}
	soup_server_message_set_status (msg, 200, NULL);
}

/* ⚠ string[] format: one entry per element, in order: the id, or "Error: message" */
static void
handle_patch (EmuServer *server, SoupServerMessage *msg, const EntityDef *def)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) body = emu_request_json (msg, &error);
	g_autofree gchar *idf = id_field (def);
	JsonArray *in, *out;
	g_autoptr(JsonNode) root = NULL;

	if (body == NULL || !JSON_NODE_HOLDS_ARRAY (body)) {
		reply_error (msg, 400, "ValidationException", "the body must be an array of %s",
			     def->table);
		return;
	}
	in = json_node_get_array (body);
	out = json_array_new ();
	emu_db_exec (server, "BEGIN", NULL);
	for (guint i = 0; i < json_array_get_length (in); i++) {
		JsonNode *el = json_array_get_element (in, i);
		g_autoptr(GError) err = NULL;
		gint64 id = 0, done;
		if (!JSON_NODE_HOLDS_OBJECT (el)) {
			json_array_add_string_element (out, "Error: not an object");
			continue;
		}
		id = json_object_get_int_member_with_default (json_node_get_object (el), idf, 0);
		done = save_dto (server, def, json_node_get_object (el), id, &err);
		if (done == 0) {
			g_autofree gchar *m = g_strdup_printf ("Error: %s", err->message);
			json_array_add_string_element (out, m);
		} else if (id == 0 || !emu_webcrm (server)->opt.patch_inserted_only) {
			g_autofree gchar *s = g_strdup_printf ("%" G_GINT64_FORMAT, done);
			json_array_add_string_element (out, s);
		}
	}
	emu_db_exec (server, "COMMIT", NULL);
	root = json_node_init_array (json_node_alloc (), out);
	emu_reply_json (msg, 200, "application/json; charset=utf-8", root);
}

static void
handle_notes (EmuServer *server, SoupServerMessage *msg, gint64 activity, gboolean newest)
{
	const gchar *method = soup_server_message_get_method (msg);
	g_autofree gchar *sid = g_strdup_printf ("%" G_GINT64_FORMAT, activity);
	g_autoptr(JsonObject) act = entity_load (server, "Activity", sid);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	if (act == NULL) {
		reply_error (msg, 404, "NotFoundException", "Activity %s not found", sid);
		return;
	}
	if (newest) {
		if (g_strcmp0 (method, "DELETE") != 0) {
			reply_error (msg, 405, "MethodNotAllowed", "only DELETE");
			return;
		}
		stmt = emu_db_prepare (server,
				       "DELETE FROM entity WHERE tbl = 'ActivityNote' AND num = "
				       "(SELECT MAX(num) FROM entity WHERE tbl = 'ActivityNote' "
				       "AND json_extract(doc, '$.ActivityId') = ?1)",
				       NULL);
		sqlite3_bind_int64 (stmt, 1, activity);
		sqlite3_step (stmt);
		soup_server_message_set_status (msg, 204, NULL);
		return;
	}
	if (g_strcmp0 (method, "GET") == 0) {
		g_autoptr(JsonNode) arr = NULL;
		JsonArray *a;
		stmt = emu_db_prepare (server,
				       "SELECT doc FROM entity WHERE tbl = 'ActivityNote' AND "
				       "json_extract(doc, '$.ActivityId') = ?1 ORDER BY num",
				       NULL);
		sqlite3_bind_int64 (stmt, 1, activity);
		arr = rows_to_array (stmt);
		/* the note DTO has no ActivityId: it is ours, for the lookup */
		a = json_node_get_array (arr);
		for (guint i = 0; i < json_array_get_length (a); i++)
			json_object_remove_member (json_array_get_object_element (a, i),
						   "ActivityId");
		emu_reply_json (msg, 200, "application/json; charset=utf-8", arr);
		return;
	}
	if (g_strcmp0 (method, "POST") == 0) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) body = emu_request_json (msg, &error);
		g_autoptr(JsonObject) note = json_object_new ();
		g_autofree gchar *stamp = now_stamp ();
		gint64 id = entity_next_id (server, "ActivityNote");
		g_autofree gchar *nid = g_strdup_printf ("%" G_GINT64_FORMAT, id);
		const gchar *comment;
		if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body) ||
		    (comment = json_object_get_string_member_with_default (
			 json_node_get_object (body), "Comment", NULL)) == NULL) {
			reply_error (msg, 400, "ValidationException", "Comment is required");
			return;
		}
		json_object_set_int_member (note, "ActivityId", activity);
		json_object_set_string_member (note, "Comment", comment);
		json_object_set_string_member (note, "CreatedAt", stamp);
		json_object_set_string_member (note, "CreatedBy", "API");
		json_object_set_string_member (
		    note, "DateTime", stamp);
		json_object_set_string_member (
		    note, "Action",
		    json_object_get_string_member_with_default (act, "ActivityAction", ""));
		json_object_set_string_member (
		    note, "StatusText",
		    json_object_get_string_member_with_default (act, "ActivityStatus", ""));
		json_object_set_string_member (note, "PersonName", "");
		entity_store (server, "ActivityNote", nid, id, note);
		soup_server_message_set_status (msg, 200, NULL);
		return;
	}
	reply_error (msg, 405, "MethodNotAllowed", "%s is not allowed here", method);
}

static void
handle_entity (EmuServer *server, SoupServerMessage *msg, GHashTable *query, const EntityDef *def,
	       gchar **seg, guint n)
{
	const gchar *method = soup_server_message_get_method (msg);
	gint64 id;

	if (n == 1) {
		if (g_strcmp0 (method, "GET") == 0)
			list_where (server, msg, query, def, NULL, NULL);
		else if (g_strcmp0 (method, "POST") == 0 && def->writable)
			handle_post (server, msg, def);
		else if (g_strcmp0 (method, "PATCH") == 0 && def->writable)
			handle_patch (server, msg, def);
		else
			reply_error (msg, 405, "MethodNotAllowed",
				     "The requested resource does not support http method '%s'.",
				     method);
		return;
	}
	if (g_strcmp0 (def->table, "User") == 0 && n == 2 &&
	    g_ascii_strcasecmp (seg[1], "AllActive") == 0) {
		list_where (server, msg, query, def, "UserIsActive", "1");
		return;
	}
	if (g_strcmp0 (def->table, "Activity") == 0 && n == 3) {
		if (g_ascii_strcasecmp (seg[1], "ByResponsible") == 0) {
			list_where (server, msg, query, def, "ActivityAssignedTo", seg[2]);
			return;
		}
		if (g_ascii_strcasecmp (seg[1], "ByOrganisation") == 0) {
			list_where (server, msg, query, def, "ActivityOrganisationId", seg[2]);
			return;
		}
		if (g_ascii_strcasecmp (seg[1], "ByStatus") == 0) {
			if (!g_strv_contains (activity_status, seg[2])) {
				reply_error (msg, 400, "ValidationException",
					     "status must be Planned, Active or Completed");
				return;
			}
			list_where (server, msg, query, def, "ActivityStatus", seg[2]);
			return;
		}
	}
	if (g_strcmp0 (def->table, "Organisation") == 0 && n == 4 &&
	    g_ascii_strcasecmp (seg[1], "FindByUpdateDates") == 0) {
		g_autofree gchar *from = normalize_stamp (seg[2]);
		g_autofree gchar *to = normalize_stamp (seg[3]);
		g_autoptr(sqlite3_stmt) stmt = NULL;
		g_autoptr(JsonNode) arr = NULL;
		guint page, size;
		if (from == NULL || to == NULL) {
			reply_error (msg, 400, "ValidationException", "dates must be ISO 8601");
			return;
		}
		if (!parse_paging (server, msg, query, &page, &size))
			return;
		stmt = emu_db_prepare (server,
				       "SELECT doc FROM entity WHERE tbl = 'Organisation' AND "
				       "json_extract(doc, '$.OrganisationUpdatedAt') >= ?1 AND "
				       "json_extract(doc, '$.OrganisationUpdatedAt') < ?2 ORDER BY "
				       "num LIMIT ?3 OFFSET ?4",
				       NULL);
		sqlite3_bind_text (stmt, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text (stmt, 2, to, -1, SQLITE_STATIC);
		sqlite3_bind_int (stmt, 3, (gint) size);
		sqlite3_bind_int64 (stmt, 4, (gint64) (page - 1) * size);
		arr = rows_to_array (stmt);
		emu_reply_json (msg, 200, "application/json; charset=utf-8", arr);
		return;
	}
	if (!parse_id (seg[1], &id)) {
		reply_error (msg, 404, "NotFoundException", "No resource matches %s", seg[1]);
		return;
	}
	if (n == 3 && g_strcmp0 (def->table, "Organisation") == 0 &&
	    g_ascii_strcasecmp (seg[2], "Persons") == 0) {
		if (!entity_exists (server, "Organisation", id)) {
			reply_error (msg, 404, "NotFoundException", "Organisation not found");
			return;
		}
		list_where (server, msg, query, ENTITY_PERSON, "PersonOrganisationId",
			    seg[1]);
		return;
	}
	if (n == 3 && g_strcmp0 (def->table, "Activity") == 0 &&
	    (g_ascii_strcasecmp (seg[2], "Notes") == 0 ||
	     g_ascii_strcasecmp (seg[2], "NewestNote") == 0)) {
		handle_notes (server, msg, id, g_ascii_strcasecmp (seg[2], "NewestNote") == 0);
		return;
	}
	if (n == 3 && g_strcmp0 (def->table, "User") == 0 &&
	    g_ascii_strcasecmp (seg[2], "Activities") == 0) {
		list_where (server, msg, query, ENTITY_ACTIVITY, "ActivityAssignedTo",
			    seg[1]);
		return;
	}
	if (n != 2) {
		reply_error (msg, 404, "NotFoundException", "No resource matches the path");
		return;
	}
	if (g_strcmp0 (method, "GET") == 0) {
		g_autoptr(JsonObject) obj = entity_load (server, def->table, seg[1]);
		g_autoptr(JsonNode) node = NULL;
		if (obj == NULL) {
			reply_error (msg, 404, "NotFoundException", "%s %s not found", def->table,
				     seg[1]);
			return;
		}
		node = json_node_init_object (json_node_alloc (), obj);
		emu_reply_json (msg, 200, "application/json; charset=utf-8", node);
	} else if (g_strcmp0 (method, "PUT") == 0 && def->writable) {
		handle_put (server, msg, def, id);
	} else {
		/* no DELETE for persons, organisations, activities or events */
		reply_error (msg, 405, "MethodNotAllowed",
			     "The requested resource does not support http method '%s'.", method);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Meetings (the 2019 calendar) */

static const gchar *const meeting_fields[] = {
    "MeetingSubject", "MeetingDescription", "MeetingStart",	     "MeetingEnd",
    "MeetingIsAllDayMeeting", "MeetingIsPrivate", "MeetingLocation", "MeetingIsRecurring",
    "MeetingIsCancelled",    "MeetingTimeZone",	 "MeetingUserId",    "MeetingOrganisations",
    "MeetingAttendees",      "MeetingActivities", "MeetingOpportunities", NULL};

static gboolean
meeting_field_known (const gchar *name)
{
	guint64 n;
	if (g_strv_contains (meeting_fields, name))
		return TRUE;
	return g_str_has_prefix (name, "MeetingPlus") &&
	       g_ascii_string_to_unsigned (name + 11, 10, 1, 20, &n, NULL);
}

static gboolean
required_text (EmuServer *server, JsonObject *in, const gchar *name, GError **error)
{
	JsonNode *v = json_object_get_member (in, name);
	g_autofree gchar *text = NULL;
	if (v != NULL && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
		text = g_strstrip (g_strdup (json_node_get_string (v)));
	if (v == NULL || JSON_NODE_HOLDS_NULL (v) ||
	    (text != NULL && !emu_webcrm (server)->opt.allow_empty_required && text[0] == '\0')) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			     "The %s field is required.", name);
		return FALSE;
	}
	return TRUE;
}

/* the person or user with this address (first by id), or NULL */
static JsonObject *
person_by_email (EmuServer *server, const gchar *table, const gchar *field, const gchar *email)
{
	g_autofree gchar *sql = g_strdup_printf ("SELECT doc FROM entity WHERE tbl = ?1 AND "
						 "lower(json_extract(doc, '$.%s')) = lower(?2) "
						 "ORDER BY num LIMIT 1",
						 field);
	g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (server, sql, NULL);
	g_autoptr(JsonNode) node = NULL;
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text (stmt, 2, email, -1, SQLITE_TRANSIENT);
	if (sqlite3_step (stmt) != SQLITE_ROW)
		return NULL;
	node = parse_json_text ((const gchar *) sqlite3_column_text (stmt, 0));
	return node != NULL && JSON_NODE_HOLDS_OBJECT (node)
		       ? json_object_ref (json_node_get_object (node))
		       : NULL;
}

/*
 * MeetingInfoCreateDto / UpdateDto's attendees (spec: MeetingAttendeeEmails,
 * string[] — persons and users must also be listed there; MeetingPersons and
 * MeetingUsers [{Id}]) become the GET shape MeetingAttendees [{Email, Status,
 * Required, UserId, UserName, PersonId, PersonName, OrganizationId,
 * OrganizationName}]: an address of a person (or a user) is that person, any
 * other a plain address. A listed person or user whose address is not among
 * the e-mails, or an e-mail that is none, is refused.
 */
static gboolean
meeting_attendees (EmuServer *server, JsonObject *in, JsonObject *out, GError **error)
{
	JsonNode *emails = json_object_get_member (in, "MeetingAttendeeEmails");
	g_autoptr (JsonArray) att = NULL;
	g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	static const struct {
		const gchar *member, *table, *email;
	} refs[] = {{"MeetingPersons", "Person", "PersonEmail"}, {"MeetingUsers", "User", "UserEmail"}};

	if (emails == NULL || JSON_NODE_HOLDS_NULL (emails))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY (emails)) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "MeetingAttendeeEmails must be an array of e-mail addresses");
		return FALSE;
	}
	att = json_array_new ();
	for (guint i = 0; i < json_array_get_length (json_node_get_array (emails)); i++) {
		JsonNode *e = json_array_get_element (json_node_get_array (emails), i);
		const gchar *email = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING
					     ? json_node_get_string (e)
					     : NULL;
		const gchar *at = email != NULL ? strchr (email, '@') : NULL;
		g_autoptr(JsonObject) person = NULL;
		g_autoptr(JsonObject) user = NULL;
		JsonObject *a;
		if (at == NULL || at == email || at[1] == '\0' || strchr (email, ' ') != NULL) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "MeetingAttendeeEmails[%u] is not a valid e-mail address", i);
			return FALSE;
		}
		g_hash_table_add (listed, g_ascii_strdown (email, -1));
		a = json_object_new ();
		json_object_set_string_member (a, "Email", email);
		json_object_set_string_member (a, "Status", "NoResponseReceived");
		json_object_set_boolean_member (a, "Required", TRUE);
		person = person_by_email (server, "Person", "PersonEmail", email);
		user = person == NULL ? person_by_email (server, "User", "UserEmail", email) : NULL;
		if (person != NULL) {
			gint64 org = json_object_get_int_member_with_default (
				person, "PersonOrganisationId", 0);
			g_autofree gchar *sorg = g_strdup_printf ("%" G_GINT64_FORMAT, org);
			g_autoptr (JsonObject) o
				= org > 0 ? entity_load (server, "Organisation", sorg) : NULL;
			g_autofree gchar *name = g_strstrip (g_strdup_printf (
				"%s %s",
				json_object_get_string_member_with_default (person,
									    "PersonFirstName", ""),
				json_object_get_string_member_with_default (person,
									    "PersonLastName", "")));
			json_object_set_int_member (a, "PersonId",
						    json_object_get_int_member_with_default (person, "PersonId", 0));
			json_object_set_string_member (a, "PersonName", name);
			if (o != NULL) {
				json_object_set_int_member (a, "OrganizationId", org);
				json_object_set_string_member (
					a, "OrganizationName",
					json_object_get_string_member_with_default (
						o, "OrganisationName", ""));
			}
		} else if (user != NULL) {
			json_object_set_member (
				a, "UserId",
				json_node_copy (json_object_get_member (user, "UserId")));
			json_object_set_member (a, "UserName",
						json_node_copy (json_object_get_member (user, "UserName")));
		}
		json_array_add_object_element (att, a);
	}
	for (guint r = 0; r < G_N_ELEMENTS (refs); r++) {
		JsonNode *n = json_object_get_member (in, refs[r].member);
		JsonArray *ids = n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
		for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++) {
			JsonNode *en = json_array_get_element (ids, i);
			JsonObject *ref = JSON_NODE_HOLDS_OBJECT (en) ? json_node_get_object (en) : NULL;
			JsonNode *idn = ref != NULL ? json_object_get_member (ref, "Id") : NULL;
			g_autofree gchar *sid = idn == NULL ? NULL
						: json_node_get_value_type (idn) == G_TYPE_STRING
							? g_strdup (json_node_get_string (idn))
							: g_strdup_printf ("%" G_GINT64_FORMAT,
									   json_node_get_int (idn));
			g_autoptr(JsonObject) who = sid != NULL ? entity_load (server, refs[r].table, sid) : NULL;
			const gchar *email = who != NULL
						     ? json_object_get_string_member_with_default (
							     who, refs[r].email, NULL)
						     : NULL;
			g_autofree gchar *folded = email != NULL ? g_ascii_strdown (email, -1) : NULL;
			if (who == NULL || folded == NULL
			    || !g_hash_table_contains (listed, folded)) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s[%u]: the %s must exist and be listed in MeetingAttendeeEmails",
					     refs[r].member, i, refs[r].table);
				return FALSE;
			}
		}
	}
	json_object_set_array_member (out, "MeetingAttendees", g_steal_pointer (&att));
	return TRUE;
}

static gboolean
meeting_save (EmuServer *server, JsonObject *in, JsonObject *old, const gchar *id, GError **error)
{
	const gchar *required_create[] = {"MeetingUserId", "MeetingDescription", "MeetingSubject",
					  "MeetingStart", "MeetingEnd"};
	const gchar *required_update[] = {"MeetingSubject", "MeetingStart", "MeetingEnd"};
	g_autoptr(JsonObject) out = json_object_new ();
	g_autoptr(GList) members = NULL;
	g_autofree gchar *stamp = now_stamp ();
	g_autofree gchar *start = NULL;
	g_autofree gchar *end = NULL;

	for (guint i = 0; i < (old == NULL ? 5u : 3u); i++) {
		const gchar *f = old == NULL ? required_create[i] : required_update[i];
		if (!required_text (server, in, f, error))
			return FALSE;
	}
	if (old != NULL && !emu_webcrm (server)->opt.put_merge) {
		/* the owner and who made it are not part of the update DTO */
		json_object_set_member (
			out, "MeetingUserId",
			json_node_copy (json_object_get_member (old, "MeetingUserId")));
	} else if (old != NULL) {
		g_autoptr(GList) keep = json_object_get_members (old);
		for (GList *l = keep; l != NULL; l = l->next)
			json_object_set_member (
				out, l->data,
				json_node_copy (json_object_get_member (old, l->data)));
	}
	members = json_object_get_members (in);
	for (GList *l = members; l != NULL; l = l->next) {
		JsonNode *v = json_object_get_member (in, l->data);
		if (!meeting_field_known (l->data) ||
		    (old != NULL && g_strcmp0 (l->data, "MeetingUserId") == 0))
			continue;
		json_object_set_member (out, l->data, json_node_copy (v));
	}
	if (!meeting_attendees (server, in, out, error))
		return FALSE;
	start = normalize_stamp (
		json_object_get_string_member_with_default (out, "MeetingStart", NULL));
	end = normalize_stamp (
		json_object_get_string_member_with_default (out, "MeetingEnd", NULL));
	if (start == NULL || end == NULL || g_strcmp0 (start, end) > 0) {
		g_set_error_literal (
			error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			"MeetingStart and MeetingEnd must be date-times, start <= end");
		return FALSE;
	}
	/* UTC with the zone marker, as the API returns DateTimeOffset values (⚠) */
	{
		g_autofree gchar *zs = g_strconcat (start, "Z", NULL);
		g_autofree gchar *ze = g_strconcat (end, "Z", NULL);
		json_object_set_string_member (out, "MeetingStart", zs);
		json_object_set_string_member (out, "MeetingEnd", ze);
	}
	{
		const gchar *uid
			= json_object_get_string_member_with_default (out, "MeetingUserId", "");
		if (!entity_exists (server, "User", g_ascii_strtoll (uid, NULL, 10))) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "MeetingUserId %s is not a user", uid);
			return FALSE;
		}
	}
	json_object_set_string_member (out, "MeetingId", id);
	json_object_set_string_member (out, "MeetingSource", "WebCRM");
	if (old != NULL) {
		json_object_set_member (
			out, "MeetingCreated",
			json_node_copy (json_object_get_member (old, "MeetingCreated")));
		json_object_set_member (
			out, "MeetingCreatedBy",
			json_node_copy (json_object_get_member (old, "MeetingCreatedBy")));
	} else {
		json_object_set_string_member (out, "MeetingCreated", stamp);
		json_object_set_string_member (out, "MeetingCreatedBy", "API");
	}
	json_object_set_string_member (out, "MeetingUpdated", stamp);
	json_object_set_string_member (out, "MeetingUpdatedBy", "API");
	if (!json_object_has_member (out, "MeetingIsCancelled"))
		json_object_set_boolean_member (out, "MeetingIsCancelled", FALSE);
	entity_store (server, "Meeting", id, g_ascii_strtoll (id, NULL, 10), out);
	return TRUE;
}

static void
handle_meetings (EmuServer *server, SoupServerMessage *msg, GHashTable *query, gchar **seg,
		 guint n)
{
	const gchar *method = soup_server_message_get_method (msg);
	g_autoptr(GError) error = NULL;

	if (n == 1 && g_strcmp0 (method, "GET") == 0) {
		g_autofree gchar *from = normalize_stamp (query_get (query, "from"));
		g_autofree gchar *to = normalize_stamp (query_get (query, "to"));
		const gchar *user = query_get (query, "userId");
		g_autoptr(GDateTime) f = NULL;
		g_autoptr(GDateTime) t = NULL;
		g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
		g_autoptr(sqlite3_stmt) stmt = NULL;
		g_autoptr(JsonNode) arr = NULL;
		g_autoptr(JsonObject) wrap = json_object_new ();
		g_autoptr(JsonNode) root = NULL;
		JsonArray *a;
		guint page, size;

		if (from == NULL || to == NULL || user == NULL) {
			reply_error (msg, 400, "ValidationException",
				     "from, to and userId are required");
			return;
		}
		f = g_date_time_new_from_iso8601 (from, utc);
		t = g_date_time_new_from_iso8601 (to, utc);
		if (g_date_time_difference (t, f) < 0 ||
		    g_date_time_difference (t, f) >= 365 * G_TIME_SPAN_DAY) {
			reply_error (msg, 400, "ValidationException",
				     "the range from..to must be less than one year");
			return;
		}
		if (!parse_paging (server, msg, query, &page, &size))
			return;
		stmt = emu_db_prepare (
		    server,
		    "SELECT doc FROM entity WHERE tbl = 'Meeting' AND "
		    "json_extract(doc, '$.MeetingUserId') = ?1 AND "
		    "substr(json_extract(doc, '$.MeetingEnd'), 1, 19) >= ?2 AND "
		    "substr(json_extract(doc, '$.MeetingStart'), 1, 19) < ?3 "
		    "ORDER BY json_extract(doc, '$.MeetingStart'), num LIMIT ?4 OFFSET ?5",
		    NULL);
		sqlite3_bind_text (stmt, 1, user, -1, SQLITE_STATIC);
		sqlite3_bind_text (stmt, 2, from, -1, SQLITE_STATIC);
		sqlite3_bind_text (stmt, 3, to, -1, SQLITE_STATIC);
		sqlite3_bind_int (stmt, 4, (gint) size);
		sqlite3_bind_int64 (stmt, 5, (gint64) (page - 1) * size);
		arr = rows_to_array (stmt);
		/* the list DTO has no description: MeetingInfoGetAllDto */
		a = json_node_get_array (arr);
		for (guint i = 0; i < json_array_get_length (a); i++)
			json_object_remove_member (json_array_get_object_element (a, i),
						   "MeetingDescription");
		json_object_set_member (wrap, "Meetings", json_node_ref (arr));
		root = json_node_init_object (json_node_alloc (), wrap);
		emu_reply_json (msg, 200, "application/json; charset=utf-8", root);
		return;
	}
	if (n == 1 && g_strcmp0 (method, "POST") == 0) {
		g_autoptr(JsonNode) body = emu_request_json (msg, &error);
		EmuWebcrm *self = emu_webcrm (server);
		g_autofree gchar *id = NULL;
		if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body)) {
			reply_error (msg, 400, "ValidationException", "the body must be a meeting");
			return;
		}
		if (self->next_meeting == 0)
			self->next_meeting = (guint64) entity_next_id (server, "Meeting");
		id = g_strdup_printf ("%" G_GUINT64_FORMAT, self->next_meeting);
		if (!meeting_save (server, json_node_get_object (body), NULL, id, &error)) {
			reply_error (msg, 400, "ValidationException", "%s", error->message);
			return;
		}
		self->next_meeting++;
		/* ⚠ the POST answer is unconfirmed: the new MeetingId as a JSON string */
		{
			g_autofree gchar *text = g_strdup_printf ("\"%s\"", id);
			emu_reply_text (msg, 200, "application/json; charset=utf-8", text);
		}
		return;
	}
	if (n == 2) {
		g_autoptr(JsonObject) old = entity_load (server, "Meeting", seg[1]);
		if (old == NULL) {
			reply_error (msg, 404, "NotFoundException", "Meeting %s not found", seg[1]);
			return;
		}
		if (g_strcmp0 (method, "GET") == 0) {
			g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), old);
			emu_reply_json (msg, 200, "application/json; charset=utf-8", node);
		} else if (g_strcmp0 (method, "PUT") == 0) {
			g_autoptr(JsonNode) body = emu_request_json (msg, &error);
			if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body)) {
				reply_error (msg, 400, "ValidationException",
					     "the body must be a meeting");
				return;
			}
			if (!meeting_save (server, json_node_get_object (body), old, seg[1],
					   &error)) {
				reply_error (msg, 400, "ValidationException", "%s", error->message);
				return;
			}
			soup_server_message_set_status (msg, 200, NULL);
		} else if (g_strcmp0 (method, "DELETE") == 0) {
			g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
			    server, "DELETE FROM entity WHERE tbl = 'Meeting' AND id = ?1", NULL);
			sqlite3_bind_text (stmt, 1, seg[1], -1, SQLITE_STATIC);
			sqlite3_step (stmt);
			soup_server_message_set_status (msg, 204, NULL);
		} else {
			reply_error (msg, 405, "MethodNotAllowed",
				     "The requested resource does not support http method '%s'.",
				     method);
		}
		return;
	}
	reply_error (msg, n == 1 ? 405 : 404, "NotFoundException", "No resource matches the path");
}

/* ---------------------------------------------------------------------------------------- */
/* FieldsMetadata */

static void
handle_metadata (EmuServer *server, SoupServerMessage *msg, gchar **seg, guint n)
{
	static const gchar *const kinds[] = {"Activity", "Delivery", "Event",	  "Opportunity",
					     "Organisation", "Person", "Product", "SupportCase",
					     "User", "All", NULL};
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(JsonNode) arr = NULL;
	JsonArray *a;
	const gchar *kind = n >= 2 ? seg[1] : "All";

	if (n > 2 || !g_strv_contains (kinds, kind)) {
		reply_error (msg, 404, "NotFoundException", "unknown metadata entity %s", kind);
		return;
	}
	stmt = emu_db_prepare (server,
			       "SELECT doc FROM entity WHERE tbl = 'FieldMetadata' AND "
			       "(?1 = 'All' OR json_extract(doc, '$.FieldMetadataEntity') = ?1) "
			       "ORDER BY json_extract(doc, '$.FieldMetadataEntity'), "
			       "json_extract(doc, '$.FieldMetadataSortOrder'), num",
			       NULL);
	sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
	arr = rows_to_array (stmt);
	a = json_node_get_array (arr);
	for (guint i = 0; i < json_array_get_length (a); i++)
		json_object_remove_member (json_array_get_object_element (a, i),
					   "FieldMetadataEntity");
	emu_reply_json (msg, 200, "application/json; charset=utf-8", arr);
}

static void
add_metadata (EmuServer *server, const gchar *entity, const gchar *field, const gchar *label,
	      const gchar *display, guint maxlen, const gchar *const *dropdown)
{
	g_autoptr(JsonObject) o = json_object_new ();
	JsonArray *dd = json_array_new ();
	gint64 id = entity_next_id (server, "FieldMetadata");
	g_autofree gchar *sid = g_strdup_printf ("%" G_GINT64_FORMAT, id);

	for (guint i = 0; dropdown != NULL && dropdown[i] != NULL; i++)
		json_array_add_string_element (dd, dropdown[i]);
	json_object_set_int_member (o, "FieldMetadataId", id);
	json_object_set_string_member (o, "FieldMetadataEntity", entity);
	json_object_set_string_member (o, "FieldMetadataDbFieldName", field);
	json_object_set_string_member (o, "FieldMetadataFriendlyFieldName", field);
	json_object_set_string_member (o, "FieldMetadataLabel", label);
	json_object_set_int_member (o, "FieldMetadataSortOrder", id);
	json_object_set_string_member (o, "FieldMetadataDisplayType", display);
	json_object_set_int_member (o, "FieldMetadataTextFieldMaxLength", maxlen);
	json_object_set_array_member (o, "FieldMetadataDropdownListData", dd);
	entity_store (server, "FieldMetadata", sid, id, o);
}

/* the custom fields of the reference's mapping example, and a few of our own */
static void
default_metadata (EmuServer *server)
{
	static const gchar *const types[] = {"Follow-up", "Call", "Visit", "E-mail", NULL};
	static const gchar *const grades[] = {"C", "B", "A", NULL};
	static const gchar *const yesno[] = {"No", "Yes", NULL};
	static const gchar *const segments[] = {"Prospect", "Customer", "Partner", NULL};
	static const gchar *const regions[] = {"Nordics", "DACH", "Rest of Europe", NULL};

	add_metadata (server, "Activity", "ActivityType", "Activity Type", "Dropdown", 0, types);
	add_metadata (server, "Activity", "ActivityCustom1", "Seminar date attended", "Text", 50,
		      NULL);
	add_metadata (server, "Activity", "ActivityCustom2", "No of Users", "Text", 50, NULL);
	add_metadata (server, "Activity", "ActivityCustom3", "Order Date", "Text", 50, NULL);
	add_metadata (server, "Activity", "ActivityCustom4", "Lead Grade", "Dropdown", 0, grades);
	add_metadata (server, "Activity", "ActivityCustom5", "Could be interested", "Dropdown", 0,
		      yesno);
	add_metadata (server, "Activity", "ActivityCustom6", "Email Marketing Only", "Dropdown", 0,
		      yesno);
	add_metadata (server, "Person", "PersonCustom1", "Segment", "Dropdown", 0, segments);
	add_metadata (server, "Person", "PersonCustom2", "LinkedIn", "Text", 100, NULL);
	add_metadata (server, "Organisation", "OrganisationCustom1", "Region", "Dropdown", 0,
		      regions);
}

/* ---------------------------------------------------------------------------------------- */
/* dispatch */

/*
 * --user is the webCRM login of user 1 (its e-mail, or its name when it has
 * no @), so that a profile's user= finds the user the emulator was started
 * for; written on the first request, after the API's setup and a --db kept
 * from an earlier run.
 */
static void
ensure_main_user (EmuServer *server)
{
	EmuWebcrm *self = emu_webcrm (server);
	const gchar *user = emu_server_get_user (server);
	g_autoptr(sqlite3_stmt) st = NULL;

	if (user == NULL || g_strcmp0 (self->main_user, user) == 0)
		return;
	st = emu_db_prepare (server,
			     strchr (user, '@') != NULL
				 ? "UPDATE entity SET doc = json_set (doc, '$.UserEmail', ?1) "
				   "WHERE tbl = 'User' AND num = 1"
				 : "UPDATE entity SET doc = json_set (doc, '$.UserName', ?1) "
				   "WHERE tbl = 'User' AND num = 1",
			     NULL);
	sqlite3_bind_text (st, 1, user, -1, SQLITE_TRANSIENT);
	sqlite3_step (st);
	g_free (self->main_user);
	self->main_user = g_strdup (user);
}

static void
handle_any (EmuServer *server, SoupServerMessage *msg, const gchar *path, GHashTable *query,
	    gpointer user_data)
{
	g_auto(GStrv) parts = g_strsplit (path + 1, "/", -1);
	g_autoptr(GPtrArray) seg = g_ptr_array_new ();
	g_autofree gchar *app = NULL;
	const gchar *method = soup_server_message_get_method (msg);
	const EntityDef *def;
	guint retry;

	ensure_main_user (server);
	for (guint i = 0; parts[i] != NULL; i++)
		if (parts[i][0] != '\0')
			g_ptr_array_add (seg, parts[i]);
	g_ptr_array_add (seg, NULL);
	if (seg->len == 1) {
		emu_reply_text (msg, 200, "text/plain",
				"webCRM REST API (crmsync emulator). 250 requests per minute.");
		return;
	}
	if (g_ascii_strcasecmp (seg->pdata[0], "Auth") == 0) {
		if (g_strcmp0 (method, "POST") != 0) {
			reply_error (msg, 405, "MethodNotAllowed", "use POST");
		} else if (seg->len == 3 && g_ascii_strcasecmp (seg->pdata[1], "ApiLogin") == 0) {
			handle_api_login (server, msg);
		} else if (seg->len == 3 && g_ascii_strcasecmp (seg->pdata[1], "ApiRefresh") == 0) {
			handle_api_refresh (server, msg);
		} else {
			reply_error (msg, 404, "NotFoundException", "No resource matches the path");
		}
		log_request (server, msg, "");
		return;
	}
	app = check_bearer (server, msg);
	if (app == NULL) {
		soup_message_headers_replace (soup_server_message_get_response_headers (msg),
					      "WWW-Authenticate", "Bearer");
		reply_error (msg, 401, "UnauthorizedException",
			     "Authorization has been denied for this request.");
		log_request (server, msg, "");
		return;
	}
	retry = rate_check (server, app);
	if (retry > 0) {
		reply_throttled (server, msg, retry);
		log_request (server, msg, app);
		return;
	}
	if (g_ascii_strcasecmp (seg->pdata[0], "Queries") == 0 && seg->len == 2 &&
	    g_strcmp0 (method, "GET") == 0)
		handle_queries (server, msg, query);
	else if (g_ascii_strcasecmp (seg->pdata[0], "Meetings") == 0)
		handle_meetings (server, msg, query, (gchar **) seg->pdata, seg->len - 1);
	else if (g_ascii_strcasecmp (seg->pdata[0], "FieldsMetadata") == 0 &&
		 g_strcmp0 (method, "GET") == 0)
		handle_metadata (server, msg, (gchar **) seg->pdata, seg->len - 1);
	else if ((def = entity_by_path (seg->pdata[0])) != NULL)
		handle_entity (server, msg, query, def, (gchar **) seg->pdata, seg->len - 1);
	else
		reply_error (msg, 404, "NotFoundException", "No resource matches the path");
	log_request (server, msg, app);
}

static void
handle_control (EmuServer *server, SoupServerMessage *msg, const gchar *path, GHashTable *query,
		gpointer user_data)
{
	if (g_str_equal (path, "/_emulator/expire-tokens")) {
		emu_db_exec (server, "UPDATE token SET expires = 0", NULL);
		soup_server_message_set_status (msg, 204, NULL);
	} else if (g_str_equal (path, "/_emulator/log")) {
		g_autoptr(sqlite3_stmt) stmt = emu_db_prepare (
		    server,
		    "SELECT json_object('at', at, 'app', app, 'method', method, 'path', path, "
		    "'status', status) FROM request_log ORDER BY id",
		    NULL);
		g_autoptr(JsonNode) arr = rows_to_array (stmt);
		emu_reply_json (msg, 200, "application/json", arr);
	} else {
		emu_reply_text (msg, 404, "text/plain", "unknown control path");
	}
}

/* ---------------------------------------------------------------------------------------- */
/* setup, seed, generate */

static void
emu_webcrm_free (gpointer data)
{
	EmuWebcrm *self = data;
	g_hash_table_unref (self->windows);
	g_free (self->main_user);
	g_free (self);
}

static void
queue_free (gpointer q)
{
	g_queue_free_full (q, g_free);
}

static gboolean
parse_options (EmuWebcrmOptions *opt, const gchar *spec, GError **error)
{
	g_auto(GStrv) parts = g_strsplit (spec != NULL ? spec : "", ",", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit (g_strstrip (parts[i]), "=", 2);
		guint64 v = 0;
		gboolean is_bool, b;
		if (kv[0] == NULL || kv[0][0] == '\0')
			continue;
		if (kv[1] == NULL) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "CRMSYNC_EMU_WEBCRM: “%s” needs =VALUE", kv[0]);
			return FALSE;
		}
		is_bool = g_str_equal (kv[1], "true") || g_str_equal (kv[1], "false");
		b = g_str_equal (kv[1], "true");
		if (!is_bool && !g_ascii_string_to_unsigned (kv[1], 10, 0, G_MAXUINT32, &v, NULL) &&
		    !g_str_equal (kv[0], "put")) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "CRMSYNC_EMU_WEBCRM: “%s” is not a number or true/false",
				     kv[1]);
			return FALSE;
		}
		if (g_str_equal (kv[0], "rate-limit"))
			opt->rate_limit = (guint) v;
		else if (g_str_equal (kv[0], "rate-window") && v > 0)
			opt->rate_window = (guint) v;
		else if (g_str_equal (kv[0], "count-rejected") && is_bool)
			opt->count_rejected = b;
		else if (g_str_equal (kv[0], "token-lifetime") && v > 0)
			opt->token_lifetime = (guint) v;
		else if (g_str_equal (kv[0], "login-error-status") && v >= 200 && v < 600)
			opt->login_error_status = (guint) v;
		else if (g_str_equal (kv[0], "put") &&
			 (g_str_equal (kv[1], "replace") || g_str_equal (kv[1], "merge")))
			opt->put_merge = g_str_equal (kv[1], "merge");
		else if (g_str_equal (kv[0], "default-size") && v >= 1 && v <= 1000)
			opt->default_size = (guint) v;
		else if (g_str_equal (kv[0], "allow-empty-required") && is_bool)
			opt->allow_empty_required = b;
		else if (g_str_equal (kv[0], "rotate-refresh") && is_bool)
			opt->rotate_refresh = b;
		else if (g_str_equal (kv[0], "patch-inserted-only") && is_bool)
			opt->patch_inserted_only = b;
		else {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "CRMSYNC_EMU_WEBCRM: bad option “%s=%s” (rate-limit, "
				     "rate-window, count-rejected, token-lifetime, "
				     "login-error-status, put=replace|merge, default-size, "
				     "allow-empty-required, rotate-refresh, patch-inserted-only)",
				     kv[0], kv[1]);
			return FALSE;
		}
	}
	return TRUE;
}

static void
add_user (EmuServer *server, gint64 id, const gchar *name, const gchar *email,
	  const gchar *initials)
{
	g_autoptr(JsonObject) u = json_object_new ();
	g_autofree gchar *sid = g_strdup_printf ("%" G_GINT64_FORMAT, id);
	json_object_set_int_member (u, "UserId", id);
	json_object_set_string_member (u, "UserName", name);
	json_object_set_string_member (u, "UserEmail", email);
	json_object_set_string_member (u, "UserInitials", initials);
	json_object_set_boolean_member (u, "UserIsActive", TRUE);
	entity_store (server, "User", sid, id, u);
}

static gboolean
emu_webcrm_setup (EmuServer *server, GError **error)
{
	EmuWebcrm *self = g_new0 (EmuWebcrm, 1);

	self->opt.rate_limit = 250;
	self->opt.rate_window = 60;
	self->opt.token_lifetime = 3600;
	self->opt.login_error_status = 400;
	self->opt.default_size = 50;
	self->opt.rotate_refresh = TRUE;
	self->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, queue_free);
	emu_server_set_api_data (server, self, emu_webcrm_free);
	if (!parse_options (&self->opt, g_getenv ("CRMSYNC_EMU_WEBCRM"), error))
		return FALSE;
	if (!emu_db_exec (
		    server,
		    "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
		    "CREATE TABLE IF NOT EXISTS entity (tbl TEXT NOT NULL, id TEXT NOT NULL, "
		    "  num INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (tbl, id));"
		    "CREATE INDEX IF NOT EXISTS entity_num ON entity (tbl, num);"
		    "CREATE TABLE IF NOT EXISTS token (access TEXT PRIMARY KEY, refresh TEXT, "
		    "  app TEXT, expires INTEGER, revoked INTEGER NOT NULL DEFAULT 0);"
		    "CREATE TABLE IF NOT EXISTS request_log (id INTEGER PRIMARY KEY, "
		    "  at INTEGER NOT NULL, app TEXT, method TEXT, path TEXT, status INTEGER);",
		    error))
		return FALSE;
	/* a state file kept from an earlier run keeps its users and metadata */
	if (!entity_exists (server, "User", 1)) {
		add_user (server, 1, "Ada Admin", "ada@example.org", "AA");
		add_user (server, 2, "Bo Sales", "bo@example.org", "BS");
		add_user (server, 3, "Cai Support", "cai@example.org", "CS");
		default_metadata (server);
	}
	emu_server_add_handler_no_faults (server, "/_emulator", handle_control, NULL);
	emu_server_add_handler (server, "/", handle_any, NULL);
	return TRUE;
}

/* --seed FILE: {"Users": [...], "Organisations": [...], "Persons": [...], "Activities": [...],
 * "Events": [...], "Meetings": [...], "FieldsMetadata": [...]} in the API's DTO shapes, ids kept */
static gboolean
emu_webcrm_seed (EmuServer *server, JsonNode *root, GError **error)
{
	static const gchar *const order[] = {"Users", "Organisations", "Persons", "Activities",
					     "Events"};
	JsonObject *obj;

	if (!JSON_NODE_HOLDS_OBJECT (root)) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				     "the seed must be an object of DTO arrays");
		return FALSE;
	}
	obj = json_node_get_object (root);
	emu_db_exec (server, "BEGIN", NULL);
	if (json_object_has_member (obj, "FieldsMetadata")) {
		JsonArray *a = json_object_get_array_member (obj, "FieldsMetadata");
		emu_db_exec (server, "DELETE FROM entity WHERE tbl = 'FieldMetadata'", NULL);
		for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
			JsonObject *m = json_array_get_object_element (a, i);
			g_autofree gchar *sid = g_strdup_printf ("%u", i + 1);
			entity_store (server, "FieldMetadata", sid, i + 1, m);
		}
	}
	for (guint k = 0; k < G_N_ELEMENTS (order); k++) {
		const EntityDef *def = entity_by_path (order[k]);
		g_autofree gchar *idf = NULL;
		JsonArray *a;
		if (def == NULL || !json_object_has_member (obj, order[k]))
			continue;
		idf = id_field (def);
		a = json_object_get_array_member (obj, order[k]);
		for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
			JsonObject *in = json_array_get_object_element (a, i);
			g_autoptr(JsonObject) copy = NULL;
			g_autofree gchar *sid = NULL;
			g_autofree gchar *stamp = now_stamp ();
			g_autofree gchar *f_upd = g_strconcat (def->table, "UpdatedAt", NULL);
			gint64 id = in != NULL
					    ? json_object_get_int_member_with_default (in, idf, 0)
					    : 0;
			if (id <= 0) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "%s[%u] has no %s", order[k], i, idf);
				emu_db_exec (server, "ROLLBACK", NULL);
				return FALSE;
			}
			copy = json_object_ref (in);
			if (!json_object_has_member (copy, f_upd))
				json_object_set_string_member (copy, f_upd, stamp);
			fill_computed (def, copy);
			sid = g_strdup_printf ("%" G_GINT64_FORMAT, id);
			entity_store (server, def->table, sid, id, copy);
		}
	}
	if (json_object_has_member (obj, "Meetings")) {
		JsonArray *a = json_object_get_array_member (obj, "Meetings");
		for (guint i = 0; a != NULL && i < json_array_get_length (a); i++) {
			JsonObject *m = json_array_get_object_element (a, i);
			const gchar *id
				= json_object_get_string_member_with_default (m, "MeetingId", NULL);
			if (id == NULL) {
				g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					     "Meetings[%u] has no MeetingId", i);
				emu_db_exec (server, "ROLLBACK", NULL);
				return FALSE;
			}
			entity_store (server, "Meeting", id, g_ascii_strtoll (id, NULL, 10), m);
		}
	}
	return emu_db_exec (server, "COMMIT", error);
}

static gboolean
emu_webcrm_generate (EmuServer *server, guint n, GError **error)
{
	g_autofree gchar *stamp = now_stamp ();
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	guint n_orgs = MAX (1, n);

	emu_db_exec (server, "BEGIN", NULL);
	for (guint i = 0; i < n_orgs; i++) {
		g_autoptr(JsonObject) o = json_object_new ();
		g_autofree gchar *sid = g_strdup_printf ("%u", 1001 + i);
		g_autofree gchar *div = g_strdup_printf ("Afd. %u", i / 8 + 1);
		json_object_set_int_member (o, "OrganisationId", 1001 + i);
		json_object_set_string_member (o, "OrganisationName", emu_sample_company (i));
		/* company names repeat: the division keeps them apart, as in webCRM */
		json_object_set_string_member (o, "OrganisationDivisionName", i < 8 ? "" : div);
		json_object_set_string_member (o, "OrganisationCity", emu_sample_city (i));
		json_object_set_int_member (o, "OrganisationOwner", 1 + i % 3);
		json_object_set_string_member (o, "OrganisationCustom1", "Nordics");
		json_object_set_string_member (o, "OrganisationUpdatedAt", stamp);
		json_object_set_string_member (o, "OrganisationCreatedAt", stamp);
		entity_store (server, "Organisation", sid, 1001 + i, o);
	}
	for (guint i = 0; i < n; i++) {
		g_autoptr(JsonObject) p = json_object_new ();
		g_autofree gchar *sid = g_strdup_printf ("%u", 1001 + i);
		g_autofree gchar *mail = g_strdup_printf ("person%u@example.org", 1001 + i);
		g_autofree gchar *phone = g_strdup_printf ("+45 %08u", 20000000 + i);
		g_autofree gchar *note = emu_sample_note (i);
		json_object_set_int_member (p, "PersonId", 1001 + i);
		json_object_set_int_member (p, "PersonOrganisationId", 1001 + i % n_orgs);
		json_object_set_string_member (p, "PersonFirstName", emu_sample_first_name (i));
		json_object_set_string_member (p, "PersonLastName", emu_sample_last_name (i));
		json_object_set_string_member (p, "PersonEmail", mail);
		json_object_set_string_member (p, "PersonDirectPhone", phone);
		json_object_set_string_member (p, "PersonTitle",
					       i % 2 ? "Indkøber" : "Geschäftsführer");
		json_object_set_string_member (p, "PersonComment", note);
		json_object_set_string_member (p, "PersonStatus", "Active");
		json_object_set_string_member (p, "PersonCustom1", "Prospect");
		json_object_set_string_member (p, "PersonUpdatedAt", stamp);
		json_object_set_string_member (p, "PersonCreatedAt", stamp);
		fill_computed (ENTITY_PERSON, p);
		entity_store (server, "Person", sid, 1001 + i, p);
	}
	for (guint i = 0; i < n; i++) {
		g_autoptr(JsonObject) a = json_object_new ();
		g_autofree gchar *sid = g_strdup_printf ("%u", 1001 + i);
		g_autofree gchar *desc = g_strdup_printf ("Ring til %s", emu_sample_first_name (i));
		g_autoptr(GDateTime) due = g_date_time_add_days (now, (gint) (i % 30));
		g_autofree gchar *due_s = g_date_time_format (due, "%Y-%m-%dT09:00:00");
		json_object_set_int_member (a, "ActivityId", 1001 + i);
		json_object_set_int_member (a, "ActivityOrganisationId", 1001 + i % n_orgs);
		json_object_set_int_member (a, "ActivityPersonId", 1001 + i);
		json_object_set_int_member (a, "ActivityAssignedTo", 1 + i % 3);
		json_object_set_string_member (a, "ActivityStatus", activity_status[i % 3]);
		json_object_set_string_member (a, "ActivityType", "Follow-up");
		json_object_set_string_member (a, "ActivityDescription", desc);
		json_object_set_string_member (a, "ActivityComment", "Tilbud sendt – følg op.");
		json_object_set_string_member (a, "ActivityDateTime", due_s);
		json_object_set_string_member (a, "ActivityUpdatedAt", stamp);
		json_object_set_string_member (a, "ActivityCreatedAt", stamp);
		entity_store (server, "Activity", sid, 1001 + i, a);
	}
	for (guint i = 0; i < n; i++) {
		g_autoptr(JsonObject) m = json_object_new ();
		g_autofree gchar *sid = g_strdup_printf ("%u", 1001 + i);
		g_autofree gchar *uid = g_strdup_printf ("%u", 1 + i % 3);
		g_autofree gchar *subject = g_strdup_printf ("Møde med %s", emu_sample_company (i));
		g_autoptr (GDateTime) start
			= g_date_time_add_hours (now, (gint)(24 * (i % 60) + 2));
		g_autoptr(GDateTime) end = g_date_time_add_hours (start, 1);
		g_autofree gchar *s = g_date_time_format (start, "%Y-%m-%dT%H:00:00Z");
		g_autofree gchar *e = g_date_time_format (end, "%Y-%m-%dT%H:00:00Z");
		JsonArray *orgs = json_array_new ();
		JsonObject *org = json_object_new ();
		json_object_set_int_member (org, "OrganisationId", 1001 + i % n_orgs);
		json_array_add_object_element (orgs, org);
		json_object_set_string_member (m, "MeetingId", sid);
		json_object_set_string_member (m, "MeetingUserId", uid);
		json_object_set_string_member (m, "MeetingSource", "WebCRM");
		json_object_set_string_member (m, "MeetingSubject", subject);
		json_object_set_string_member (m, "MeetingDescription",
					       "Dagsorden: tilbud, levering.");
		json_object_set_string_member (m, "MeetingStart", s);
		json_object_set_string_member (m, "MeetingEnd", e);
		json_object_set_boolean_member (m, "MeetingIsAllDayMeeting", FALSE);
		json_object_set_boolean_member (m, "MeetingIsPrivate", FALSE);
		json_object_set_boolean_member (m, "MeetingIsCancelled", FALSE);
		json_object_set_string_member (m, "MeetingLocation", emu_sample_city (i));
		json_object_set_array_member (m, "MeetingOrganisations", orgs);
		json_object_set_string_member (m, "MeetingUpdated", stamp);
		json_object_set_string_member (m, "MeetingCreated", stamp);
		entity_store (server, "Meeting", sid, 1001 + i, m);
	}
	return emu_db_exec (server, "COMMIT", error);
}

const EmuApi emu_webcrm_api = {
    .name = "webcrm",
    .help = "--secret is the application token (authCode) for POST /Auth/ApiLogin; --user the "
	    "login (e-mail) of user 1; users 1..3 exist (ada@, bo@, cai@example.org). Options of unconfirmed behaviour in "
	    "CRMSYNC_EMU_WEBCRM=rate-limit=250,rate-window=60,token-lifetime=3600,"
	    "login-error-status=400,put=replace,default-size=50,allow-empty-required=false,"
	    "rotate-refresh=true,count-rejected=false,patch-inserted-only=false",
    .default_user = "ada@example.org",
    .default_secret = "0f9c1e2a-7b4d-4c1e-9a53-5e2f8d6b7a10",
    .setup = emu_webcrm_setup,
    .seed = emu_webcrm_seed,
    .generate = emu_webcrm_generate,
};
