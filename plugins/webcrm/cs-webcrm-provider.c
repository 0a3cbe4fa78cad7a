/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-webcrm-private.h"

/*
 * webCRM (api.webcrm.com) as the CRM side: persons (B2B with their
 * organisation, or B2C) ↔ contacts, activities ↔ tasks, meetings ↔ events,
 * and e-mails stored as completed activities of type "E-mail" (the public API
 * has no e-mail resource; see README.md).
 *
 * Records carry the DTO's own field names (PersonFirstName…) plus a few
 * computed ones: OrganisationNameDivision and OrganisationOwner on a person,
 * ActivityResponsibleName on an activity, MeetingOrganisationNameDivision on
 * a meeting. Writes batch through PATCH (array upsert) wherever the API has
 * it; lists page at 1000; "updated since" reads go through /Queries.
 */

#define EMAIL_TYPE "E-mail"
/* meetings are listed per user over less than a year (an API limit) */
#define MEETINGS_PAST_DAYS 60
#define MEETINGS_FUTURE_DAYS 300

struct _CsWebcrmProvider {
	CsProvider parent_instance;
	gchar *url;		/* (owned) */
	gchar *fingerprint;	/* (owned) (nullable) */
	gchar *user;		/* (owned) (nullable): the Outlook user's webCRM login e-mail */
	gboolean b2c;
	guint rate_limit;
	guint rate_window;
	guint batch_size;
	CsWebcrmClient *client; /* (owned) (nullable) until open() */
	gint64 me;		/* the user id for "owned" and new records; 0 = unknown */
	GHashTable *users;	/* (owned): UserId (gint64*) → JsonObject */
	GHashTable *orgs;	/* (owned): OrganisationId (gint64*) → JsonObject */
	GHashTable *org_index;	/* (owned) (nullable): folded "Name - Division" → lowest id */
	gboolean orgs_complete;
	GHashTable *dtos[CS_KIND_LAST]; /* (owned): id → JsonObject as last read */
	GHashTable *metadata;	/* (owned): DbFieldName → JsonObject (FieldsMetadata) */
};

G_DEFINE_TYPE (CsWebcrmProvider, cs_webcrm_provider, CS_TYPE_PROVIDER)

static const gchar *const setup_keys[] = {"url",	"tls-fingerprint", "edition",
					  "user",	"rate-limit",	   "rate-window",
					  "batch-size", NULL};

static void
object_unref0 (gpointer obj)
{
	if (obj != NULL)
		json_object_unref (obj);
}

static JsonArray *
array_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member (o, name);
	return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gint64 *
int_key (gint64 v)
{
	gint64 *k = g_new (gint64, 1);
	*k = v;
	return k;
}

static void
cs_webcrm_provider_finalize (GObject *object)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (object);
	g_free (self->url);
	g_free (self->fingerprint);
	g_free (self->user);
	g_clear_object (&self->client);
	g_hash_table_unref (self->users);
	g_hash_table_unref (self->orgs);
	g_clear_pointer (&self->org_index, g_hash_table_unref);
	g_hash_table_unref (self->metadata);
	for (guint i = 0; i < CS_KIND_LAST; i++)
		g_hash_table_unref (self->dtos[i]);
	G_OBJECT_CLASS (cs_webcrm_provider_parent_class)->finalize (object);
}

CsWebcrmClient *
cs_webcrm_provider_get_client (CsWebcrmProvider *self)
{
	return self->client;
}

/* ---------------------------------------------------------------------------------------- */
/* setup */

static gboolean
get_uint_key (GKeyFile *kf, const gchar *group, const gchar *key, guint min, guint max,
	      guint *out, GError **error)
{
	g_autofree gchar *v = g_key_file_get_string (kf, group, key, NULL);
	guint64 n;
	if (v == NULL)
		return TRUE;
	if (!g_ascii_string_to_unsigned (g_strstrip (v), 10, min, max, &n, NULL)) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] %s=%s: expected a number from %u to %u"), group, key, v, min,
			     max);
		return FALSE;
	}
	*out = (guint) n;
	return TRUE;
}

/* whether a kind syncs only the records the user owns: said in its group,
 * else by the webCRM presets (their kinds are condition=owned) */
static gboolean
needs_owner (GKeyFile *kf)
{
	static const gchar *groups[] = {"contact", "organisation", "task", "event", "email"};
	g_autofree gchar *preset = g_key_file_get_string (kf, "profile", "preset", NULL);
	gboolean preset_owned = preset != NULL && g_str_has_prefix (preset, "webcrm");
	for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
		g_autofree gchar *cond = g_key_file_get_string (kf, groups[i], "condition", NULL);
		g_autofree gchar *dir = g_key_file_get_string (kf, groups[i], "direction", NULL);
		if (g_strcmp0 (dir, "none") == 0)
			continue;
		if (cond != NULL ? g_strcmp0 (g_strstrip (cond), "owned") == 0 : preset_owned)
			return TRUE;
	}
	return FALSE;
}

static gboolean
cs_webcrm_provider_setup (CsProvider *provider, GKeyFile *kf, const gchar *group, GError **error)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	g_autofree gchar *edition = NULL;

	if (!cs_provider_check_keys (kf, group, setup_keys, error))
		return FALSE;
	g_free (self->url);
	self->url = g_key_file_get_string (kf, group, "url", NULL);
	if (self->url == NULL || self->url[0] == '\0') {
		g_free (self->url);
		self->url = g_strdup ("https://api.webcrm.com");
	}
	g_free (self->fingerprint);
	self->fingerprint = g_key_file_get_string (kf, group, "tls-fingerprint", NULL);
	g_free (self->user);
	self->user = g_key_file_get_string (kf, group, "user", NULL);
	if (self->user != NULL && g_strstrip (self->user)[0] == '\0')
		g_clear_pointer (&self->user, g_free);
	edition = g_key_file_get_string (kf, group, "edition", NULL);
	if (edition == NULL) {
		/* the engine gives plugins the profile as written: the preset names the edition */
		g_autofree gchar *preset = g_key_file_get_string (kf, "profile", "preset", NULL);
		if (g_strcmp0 (preset, "webcrm-b2c") == 0)
			edition = g_strdup ("b2c");
	}
	if (edition != NULL && g_strcmp0 (edition, "b2b") != 0 && g_strcmp0 (edition, "b2c") != 0) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] edition=%s: expected b2b or b2c"), group, edition);
		return FALSE;
	}
	self->b2c = g_strcmp0 (edition, "b2c") == 0;
	/* "owned by me" (the webCRM presets' condition) needs to know who "me" is:
	 * an API token belongs to no user. Said here, as the configuration error it
	 * is, not after connecting as a failed read */
	if (self->user == NULL && needs_owner (kf)) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("[%s] user= is missing: condition=owned needs the webCRM login e-mail "
			       "(or name) of the Outlook user (allowed: a webCRM user's login e-mail or name)"),
			     group);
		return FALSE;
	}
	/* webCRM's limit is per application token; keys to share it or test with */
	if (!get_uint_key (kf, group, "rate-limit", 0, 100000, &self->rate_limit, error) ||
	    !get_uint_key (kf, group, "rate-window", 1, 3600, &self->rate_window, error) ||
	    !get_uint_key (kf, group, "batch-size", 1, 1000, &self->batch_size, error))
		return FALSE;
	return TRUE;
}

static CsCaps
cs_webcrm_provider_get_caps (CsProvider *provider, CsKind kind)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	switch (kind) {
	case CS_KIND_CONTACT:
	case CS_KIND_TASK:
		/* no DELETE for persons or activities in the API */
		return CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELTA | CS_CAP_BATCH;
	case CS_KIND_ORGANISATION:
		return self->b2c ? 0 : CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELTA | CS_CAP_BATCH;
	case CS_KIND_EVENT:
		return CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELETE | CS_CAP_DELTA;
	case CS_KIND_EMAIL:
		return CS_CAP_READ | CS_CAP_WRITE | CS_CAP_DELTA | CS_CAP_BATCH;
	case CS_KIND_LAST:
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* schema: the built-in one plus the custom fields webCRM reports in use */

static const gchar *
kind_table (CsWebcrmProvider *self, CsKind kind)
{
	switch (kind) {
	case CS_KIND_CONTACT:
		return "Person";
	case CS_KIND_ORGANISATION:
		return "Organisation";
	case CS_KIND_TASK:
	case CS_KIND_EMAIL:
		return "Activity";
	case CS_KIND_EVENT:
		return "Meeting";
	case CS_KIND_LAST:
	default:
		return NULL;
	}
}

static gboolean
is_custom_name (const gchar *table, const gchar *name)
{
	gsize n = strlen (table);
	return strncmp (name, table, n) == 0 &&
	       (g_str_has_prefix (name + n, "Custom") || g_str_has_prefix (name + n, "Plus"));
}

static CsSchema *
cs_webcrm_provider_get_schema (CsProvider *provider, CsKind kind, GError **error)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	g_autoptr(CsSchema) schema = cs_schema_load_builtin ("webcrm", kind, error);
	const gchar *table = kind_table (self, kind);
	GHashTableIter iter;
	gpointer k, v;

	if (schema == NULL)
		return NULL;
	if (table == NULL || kind == CS_KIND_EMAIL)
		return g_steal_pointer (&schema);
	/* labels and pick-lists of the custom fields in use (FieldsMetadata, after open) */
	g_hash_table_iter_init (&iter, self->metadata);
	while (g_hash_table_iter_next (&iter, &k, &v)) {
		JsonObject *m = v;
		const gchar *name = k;
		JsonArray *dd = array_member (m, "FieldMetadataDropdownListData");
		g_autoptr(CsFieldSpec) spec = NULL;
		const CsFieldSpec *known = cs_schema_lookup (schema, name);
		if (strncmp (name, table, strlen (table)) != 0)
			continue;
		spec = known != NULL ? cs_field_spec_copy (known)
				     : cs_field_spec_new (name, NULL, CS_FIELD_STRING);
		g_free (spec->label);
		spec->label = g_strdup (
		    cs_json_get_string_or (m, "FieldMetadataLabel", name));
		spec->custom = is_custom_name (table, name);
		if (dd != NULL && json_array_get_length (dd) > 0) {
			g_strfreev (spec->choices);
			spec->choices = g_new0 (gchar *, json_array_get_length (dd) + 1);
			for (guint i = 0; i < json_array_get_length (dd); i++)
				spec->choices[i] = g_strdup (json_array_get_string_element (dd, i));
			spec->type = CS_FIELD_PICK;
		}
		cs_schema_add_field (schema, g_steal_pointer (&spec));
	}
	return g_steal_pointer (&schema);
}

/* ---------------------------------------------------------------------------------------- */
/* open, users, organisations */

static gboolean
users_page_cb (JsonArray *page, gpointer user_data, GError **error)
{
	CsWebcrmProvider *self = user_data;
	for (guint i = 0; i < json_array_get_length (page); i++) {
		JsonObject *u = cs_json_array_get_object (page, i);
		if (u == NULL || !json_object_has_member (u, "UserId"))
			continue;
		g_hash_table_replace (self->users, int_key (cs_json_get_int (u, "UserId", 0)),
				      json_object_ref (u));
	}
	return TRUE;
}

static gboolean
metadata_cb (CsWebcrmProvider *self, JsonNode *root)
{
	JsonArray *a;
	if (!JSON_NODE_HOLDS_ARRAY (root))
		return FALSE;
	a = json_node_get_array (root);
	for (guint i = 0; i < json_array_get_length (a); i++) {
		JsonObject *m = cs_json_array_get_object (a, i);
		const gchar *name =
		    m != NULL ? cs_json_get_string_or (
				    m, "FieldMetadataDbFieldName", NULL)
			      : NULL;
		if (name != NULL)
			g_hash_table_replace (self->metadata, g_strdup (name), json_object_ref (m));
	}
	return TRUE;
}

static gint64
find_user (CsWebcrmProvider *self, const gchar *name_or_email)
{
	GHashTableIter iter;
	gpointer k, v;
	if (name_or_email == NULL || name_or_email[0] == '\0')
		return 0;
	g_hash_table_iter_init (&iter, self->users);
	while (g_hash_table_iter_next (&iter, &k, &v)) {
		const gchar *email = cs_json_get_string_or (v, "UserEmail", "");
		const gchar *name = cs_json_get_string_or (v, "UserName", "");
		if (g_ascii_strcasecmp (email, name_or_email) == 0 ||
		    g_utf8_collate (name, name_or_email) == 0)
			return *(gint64 *) k;
	}
	return 0;
}

static gboolean
cs_webcrm_provider_open (CsProvider *provider, GCancellable *cancellable, GError **error)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	g_autofree gchar *code = NULL;
	g_autofree gchar *refresh = NULL;
	g_autoptr(JsonNode) meta = NULL;
	g_autoptr(GError) error_local = NULL;

	g_clear_object (&self->client);
	self->client = cs_webcrm_client_new (self->url, error);
	if (self->client == NULL)
		return FALSE;
	if (!cs_http_client_set_tls_fingerprint (cs_webcrm_client_get_http (self->client),
						 self->fingerprint, error))
		return FALSE;
	cs_webcrm_client_set_rate (self->client, self->rate_limit, self->rate_window);
	code = cs_provider_get_secret (provider, "secret", error);
	if (code == NULL) {
		g_prefix_error (error, _("webCRM API token: "));
		return FALSE;
	}
	g_strstrip (code);
	cs_webcrm_client_set_auth_code (self->client, code);
	/* a refresh token from an earlier run saves nothing but shows we were here; a
	 * fresh login is one request and proves the authCode still works */
	if (!cs_webcrm_client_login (self->client, cancellable, error))
		return FALSE;
	if (cs_webcrm_client_get_refresh_token (self->client) != NULL &&
	    !cs_provider_store_secret (provider, "refresh-token",
				       cs_webcrm_client_get_refresh_token (self->client),
				       &error_local))
		g_debug ("refresh token not kept: %s", error_local->message);
	g_hash_table_remove_all (self->users);
	if (!cs_webcrm_client_list (self->client, "/Users", users_page_cb, self, cancellable,
				    error)) {
		g_prefix_error (error, _("reading webCRM users: "));
		return FALSE;
	}
	if (self->user != NULL) {
		self->me = find_user (self, self->user);
		if (self->me == 0) {
			g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("[crm] user=%s: no webCRM user has that name or e-mail"),
				     self->user);
			return FALSE;
		}
	}
	meta = cs_webcrm_client_call (self->client, "GET", "/FieldsMetadata", NULL, cancellable,
				      error);
	if (meta == NULL) {
		g_prefix_error (error, _("reading webCRM field metadata: "));
		return FALSE;
	}
	metadata_cb (self, meta);
	return TRUE;
}

static void
cs_webcrm_provider_close (CsProvider *provider)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	g_clear_object (&self->client);
	g_hash_table_remove_all (self->orgs);
	g_clear_pointer (&self->org_index, g_hash_table_unref);
	self->orgs_complete = FALSE;
	for (guint i = 0; i < CS_KIND_LAST; i++)
		g_hash_table_remove_all (self->dtos[i]);
}

static gchar *
cs_webcrm_provider_whoami (CsProvider *provider, GCancellable *cancellable, GError **error)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	/* an API token belongs to no user: without user= "owned" would match nothing */
	if (self->me == 0) {
		g_set_error_literal (
			error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			_ ("condition=owned needs user= in [crm]: the webCRM login e-mail "
			   "of the Outlook user"));
		return NULL;
	}
	return g_strdup_printf ("%" G_GINT64_FORMAT, self->me);
}

static void
put_org (CsWebcrmProvider *self, gint64 id, JsonObject *org)
{
	g_hash_table_replace (self->orgs, int_key (id), org);
	g_clear_pointer (&self->org_index, g_hash_table_unref);
}

static gboolean
orgs_page_cb (JsonArray *page, gpointer user_data, GError **error)
{
	CsWebcrmProvider *self = user_data;
	for (guint i = 0; i < json_array_get_length (page); i++) {
		JsonObject *o = cs_json_array_get_object (page, i);
		if (o == NULL || !json_object_has_member (o, "OrganisationId"))
			continue;
		put_org (self, cs_json_get_int (o, "OrganisationId", 0), json_object_ref (o));
	}
	return TRUE;
}

static gboolean
ensure_orgs (CsWebcrmProvider *self, GCancellable *cancellable, GError **error)
{
	if (self->orgs_complete)
		return TRUE;
	if (!cs_webcrm_client_list (self->client, "/Organisations", orgs_page_cb, self,
				    cancellable, error)) {
		g_prefix_error (error, _("reading webCRM organisations: "));
		return FALSE;
	}
	self->orgs_complete = TRUE;
	return TRUE;
}

/* "Organisation: Name - Division", the reference's company value */
static gchar *
org_name_division (JsonObject *org)
{
	const gchar *name = cs_json_get_string_or (org, "OrganisationName", "");
	const gchar *div =
	    cs_json_get_string_or (org, "OrganisationDivisionName", "");
	if (name == NULL)
		name = "";
	if (div == NULL || div[0] == '\0')
		return g_strdup (name);
	return g_strdup_printf ("%s - %s", name, div);
}

static gchar *
fold (const gchar *text)
{
	g_autofree gchar *trimmed = g_strstrip (g_strdup (text != NULL ? text : ""));
	return g_utf8_casefold (trimmed, -1);
}

/* the organisation a company name means: its "Name - Division", without case */
static gint64
find_org (CsWebcrmProvider *self, const gchar *company)
{
	g_autofree gchar *want = fold (company);
	gpointer id;

	if (self->org_index == NULL) {
		GHashTableIter iter;
		gpointer k, v;
		self->org_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
		g_hash_table_iter_init (&iter, self->orgs);
		while (g_hash_table_iter_next (&iter, &k, &v)) {
			g_autofree gchar *full = org_name_division (v);
			gchar *key = fold (full);
			gint64 *old = g_hash_table_lookup (self->org_index, key);
			/* the lowest id wins when names repeat: stable across runs */
			if (old == NULL || *(gint64 *) k < *old)
				g_hash_table_replace (self->org_index, key, int_key (*(gint64 *)k));
			else
				g_free (key);
		}
	}
	id = g_hash_table_lookup (self->org_index, want);
	return id != NULL ? *(gint64 *) id : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* DTO → record */

static gboolean
is_stamp_field (const gchar *name)
{
	return g_str_has_suffix (name, "UpdatedAt") || g_str_has_suffix (name, "CreatedAt") ||
	       g_str_has_suffix (name, "UpdatedBy") || g_str_has_suffix (name, "CreatedBy") ||
	       g_str_equal (name, "MeetingUpdated") || g_str_equal (name, "MeetingCreated");
}

static void
normalize_time (CsRecord *rec, const gchar *name, gboolean date_only)
{
	const gchar *v = cs_record_get_string (rec, name);
	g_autofree gchar *norm = NULL;
	if (v == NULL || v[0] == '\0')
		return;
	/* webCRM's stamps carry no zone; they are UTC (see README) */
	norm = cs_time_normalize (v);
	if (norm == NULL)
		return;
	if (date_only && strlen (norm) > 10)
		norm[10] = '\0';
	cs_record_set_string (rec, name, norm);
}

static void
finish_record (CsRecord *rec, const gchar *updated_field)
{
	g_autoptr(GPtrArray) names = cs_record_get_field_names (rec);
	g_autoptr(GPtrArray) hashed = g_ptr_array_new ();
	g_autofree gchar *version = NULL;
	gint64 usec;

	for (guint i = 0; i < names->len; i++)
		if (!is_stamp_field (g_ptr_array_index (names, i)))
			g_ptr_array_add (hashed, g_ptr_array_index (names, i));
	g_ptr_array_add (hashed, NULL);
	/* a content hash: UpdatedAt has only seconds, two edits in one second would collide */
	version = cs_record_hash_fields (rec, (const gchar *const *) hashed->pdata);
	cs_record_set_version (rec, version);
	if (updated_field != NULL
	    && cs_time_parse (cs_record_get_string (rec, updated_field), &usec))
		cs_record_set_modified (rec, usec);
}

/* a joined /Queries row holds the organisation too: split it off into the cache */
static JsonObject *
split_person_row (CsWebcrmProvider *self, JsonObject *row)
{
	JsonObject *person = json_object_new ();
	g_autoptr(JsonObject) org = NULL;
	g_autoptr(GList) members = json_object_get_members (row);

	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *name = l->data;
		JsonNode *v = json_object_get_member (row, name);
		if (g_str_has_prefix (name, "Organisation")) {
			if (org == NULL)
				org = json_object_new ();
			json_object_set_member (org, name, json_node_copy (v));
		} else {
			json_object_set_member (person, name, json_node_copy (v));
		}
	}
	if (org != NULL && json_object_has_member (org, "OrganisationId")) {
		gint64 id = cs_json_get_int (org, "OrganisationId", 0);
		put_org (self, id, g_steal_pointer (&org));
	}
	return person;
}

static CsRecord *
person_record (CsWebcrmProvider *self, JsonObject *dto)
{
	g_autofree gchar *id =
	    g_strdup_printf ("%" G_GINT64_FORMAT, cs_json_get_int (dto, "PersonId", 0));
	CsRecord *rec = cs_record_new (CS_KIND_CONTACT, id);

	cs_json_to_fields (dto, rec);
	if (!self->b2c) {
		gint64 org_id = cs_json_get_int (dto, "PersonOrganisationId", 0);
		JsonObject *org = g_hash_table_lookup (self->orgs, &org_id);
		if (org != NULL) {
			g_autofree gchar *company = org_name_division (org);
			cs_record_set_string (rec, "OrganisationNameDivision", company);
			if (json_object_has_member (org, "OrganisationOwner") &&
			    !json_object_get_null_member (org, "OrganisationOwner"))
				cs_record_set_int (rec, "OrganisationOwner",
						   cs_json_get_int (org, "OrganisationOwner", 0));
		}
	}
	normalize_time (rec, "PersonBirthday", TRUE);
	g_hash_table_replace (self->dtos[CS_KIND_CONTACT], g_strdup (id), json_object_ref (dto));
	finish_record (rec, "PersonUpdatedAt");
	return rec;
}

static CsRecord *
org_record (CsWebcrmProvider *self, JsonObject *dto)
{
	g_autofree gchar *id = g_strdup_printf (
	    "%" G_GINT64_FORMAT, cs_json_get_int (dto, "OrganisationId", 0));
	g_autofree gchar *company = org_name_division (dto);
	CsRecord *rec = cs_record_new (CS_KIND_ORGANISATION, id);
	cs_json_to_fields (dto, rec);
	cs_record_set_string (rec, "OrganisationNameDivision", company);
	g_hash_table_replace (self->dtos[CS_KIND_ORGANISATION], g_strdup (id),
			      json_object_ref (dto));
	finish_record (rec, "OrganisationUpdatedAt");
	return rec;
}

static gboolean
is_email_activity (JsonObject *dto)
{
	return g_strcmp0 (cs_json_get_string_or (dto, "ActivityType", NULL),
			  EMAIL_TYPE) == 0;
}

static CsRecord *
activity_record (CsWebcrmProvider *self, JsonObject *dto)
{
	g_autofree gchar *id =
	    g_strdup_printf ("%" G_GINT64_FORMAT, cs_json_get_int (dto, "ActivityId", 0));
	CsRecord *rec = cs_record_new (CS_KIND_TASK, id);
	gint64 uid = cs_json_get_int (dto, "ActivityAssignedTo", 0);
	JsonObject *user = g_hash_table_lookup (self->users, &uid);

	cs_json_to_fields (dto, rec);
	if (user != NULL)
		cs_record_set_string (rec, "ActivityResponsibleName",
				      cs_json_get_string_or (user, "UserName",
										  ""));
	normalize_time (rec, "ActivityDateTime", FALSE);
	g_hash_table_replace (self->dtos[CS_KIND_TASK], g_strdup (id), json_object_ref (dto));
	finish_record (rec, "ActivityUpdatedAt");
	return rec;
}

/* an e-mail kept as an activity: the memo holds the header lines and the body */
static CsRecord *
email_record (CsWebcrmProvider *self, JsonObject *dto)
{
	g_autofree gchar *id =
	    g_strdup_printf ("%" G_GINT64_FORMAT, cs_json_get_int (dto, "ActivityId", 0));
	CsRecord *rec = cs_record_new (CS_KIND_EMAIL, id);
	const gchar *action = cs_json_get_string_or (dto, "ActivityAction", "");
	const gchar *memo = cs_json_get_string_or (dto, "ActivityMemo", "");
	const gchar *body = memo != NULL ? strstr (memo, "\n\n") : NULL;

	cs_record_set_string (rec, "EmailSubject",
			      cs_json_get_string_or (dto, "ActivityDescription",
									  ""));
	cs_record_set_string (rec, "EmailDirection",
			      g_strcmp0 (action, "Inbound e-mail") == 0 ? "Inbound" : "Outbound");
	cs_record_set_string (rec, "EmailDateTime",
			      cs_json_get_string_or (dto, "ActivityDateTime",
									  ""));
	cs_record_set_string (rec, "EmailBody", body != NULL ? body + 2 : "");
	if (memo != NULL) {
		g_auto(GStrv) lines = g_strsplit (memo, "\n", -1);
		for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
			if (g_str_has_prefix (lines[i], "From: "))
				cs_record_set_string (rec, "EmailFrom", lines[i] + 6);
			else if (g_str_has_prefix (lines[i], "To: "))
				cs_record_set_string (rec, "EmailTo", lines[i] + 4);
			else if (g_str_has_prefix (lines[i], "Message-ID: "))
				cs_record_set_string (rec, "EmailMessageId", lines[i] + 12);
		}
	}
	if (json_object_has_member (dto, "ActivityPersonId") &&
	    !json_object_get_null_member (dto, "ActivityPersonId"))
		cs_record_set_int (rec, "EmailPersonId",
				   cs_json_get_int (dto, "ActivityPersonId", 0));
	normalize_time (rec, "EmailDateTime", FALSE);
	g_hash_table_replace (self->dtos[CS_KIND_EMAIL], g_strdup (id), json_object_ref (dto));
	finish_record (rec, NULL);
	return rec;
}

/* a meeting's participants as Outlook's attendees are: their addresses, the
 * user who owns the meeting (its organizer) left out */
static void
set_attendee_emails (CsWebcrmProvider *self, CsRecord *rec, JsonArray *att)
{
	GVariantBuilder b;
	guint n = 0;
	g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
	for (guint i = 0; att != NULL && i < json_array_get_length (att); i++) {
		JsonObject *a = cs_json_array_get_object (att, i);
		const gchar *email = a != NULL ? cs_json_get_string_or (a, "Email", NULL) : NULL;
		if (email == NULL || email[0] == '\0' ||
		    g_strcmp0 (cs_json_get_string_or (a, "Status", NULL), "Organizer") == 0 ||
		    (self->me != 0 && cs_json_get_int (a, "UserId", 0) == self->me))
			continue;
		g_variant_builder_add (&b, "s", email);
		n++;
	}
	if (n > 0)
		cs_record_set_field (rec, "MeetingAttendeeEmails", g_variant_builder_end (&b));
	else
		g_variant_builder_clear (&b);
}

static GPtrArray *
cs_webcrm_provider_find (CsProvider *provider, CsKind kind, const gchar *field, GVariant *value,
			 GCancellable *cancellable, GError **error);

/*
 * The participants written: every address in MeetingAttendeeEmails; those of
 * a webCRM person also as that person (MeetingPersons, which the API wants
 * listed among the e-mails too), the others plain addresses. The GET shape
 * (MeetingAttendees) is not part of the create or update DTO.
 */
static gboolean
meeting_persons (CsWebcrmProvider *self, JsonObject *dto, GCancellable *cancellable,
		 GError **error)
{
	JsonArray *emails = array_member (dto, "MeetingAttendeeEmails");
	JsonArray *persons = json_array_new ();
	g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);

	json_object_remove_member (dto, "MeetingAttendees");
	for (guint i = 0; emails != NULL && i < json_array_get_length (emails); i++) {
		const gchar *email = json_array_get_string_element (emails, i);
		g_autoptr(GVariant) v = NULL;
		g_autoptr(GPtrArray) found = NULL;
		gint64 id;
		if (email == NULL)
			continue;
		v = g_variant_ref_sink (g_variant_new_string (email));
		found = cs_webcrm_provider_find (CS_PROVIDER (self), CS_KIND_CONTACT, "PersonEmail", v,
						 cancellable, error);
		if (found == NULL) {
			json_array_unref (persons);
			return FALSE;
		}
		if (found->len == 0)
			continue;
		id = g_ascii_strtoll (cs_record_get_id (g_ptr_array_index (found, 0)), NULL, 10);
		if (id <= 0 || g_hash_table_contains (seen, GSIZE_TO_POINTER (id)))
			continue;
		g_hash_table_add (seen, GSIZE_TO_POINTER (id));
		{
			JsonObject *p = json_object_new ();
			json_object_set_int_member (p, "Id", id);
			json_array_add_object_element (persons, p);
		}
	}
	json_object_set_array_member (dto, "MeetingPersons", persons);
	return TRUE;
}

static CsRecord *
meeting_record (CsWebcrmProvider *self, JsonObject *dto)
{
	const gchar *id = cs_json_get_string_or (dto, "MeetingId", NULL);
	CsRecord *rec;
	gboolean all_day =
	    cs_json_get_bool (dto, "MeetingIsAllDayMeeting", FALSE);
	JsonArray *orgs = array_member (dto, "MeetingOrganisations");
	const gchar *subject = cs_json_get_string_or (dto, "MeetingSubject", "");
	const gchar *desc =
	    cs_json_get_string_or (dto, "MeetingDescription", NULL);

	if (id == NULL || id[0] == '\0')
		return NULL; /* emit() reports it */
	if (cs_json_get_bool (dto, "MeetingIsCancelled", FALSE))
		return cs_record_new_tombstone (CS_KIND_EVENT, id);
	rec = cs_record_new (CS_KIND_EVENT, id);
	cs_json_to_fields (dto, rec);
	cs_record_remove_field (rec, "MeetingOrganisations");
	cs_record_remove_field (rec, "MeetingAttendees");
	set_attendee_emails (self, rec, array_member (dto, "MeetingAttendees"));
	cs_record_remove_field (rec, "MeetingActivities");
	cs_record_remove_field (rec, "MeetingOpportunities");
	/* the description is required on create; an empty one was sent as the subject */
	if (desc == NULL || g_strcmp0 (desc, subject) == 0)
		cs_record_set_string (rec, "MeetingDescription", "");
	if (orgs != NULL && json_array_get_length (orgs) > 0) {
		JsonObject *first = cs_json_array_get_object (orgs, 0);
		gint64 org_id = first != NULL ? cs_json_get_int (
						    first, "OrganisationId", 0)
					      : 0;
		JsonObject *org = g_hash_table_lookup (self->orgs, &org_id);
		if (org != NULL) {
			g_autofree gchar *company = org_name_division (org);
			cs_record_set_string (rec, "MeetingOrganisationNameDivision", company);
		}
	} else if (cs_json_get_bool (dto, "MeetingIsPrivate", FALSE)) {
		cs_record_set_string (rec, "MeetingOrganisationNameDivision", "*");
	}
	normalize_time (rec, "MeetingStart", all_day);
	normalize_time (rec, "MeetingEnd", all_day);
	g_hash_table_replace (self->dtos[CS_KIND_EVENT], g_strdup (id), json_object_ref (dto));
	finish_record (rec, "MeetingUpdated");
	return rec;
}

/* ---------------------------------------------------------------------------------------- */
/* read_changes */

typedef struct {
	CsWebcrmProvider *self;
	CsReadSink *sink;
	CsKind kind;
	gchar *max_stamp;	/* (owned) (nullable) the newest UpdatedAt seen */
	GHashTable *seen;	/* (owned) ids already given to the sink */
	guint count;
} ReadCtx;

static void
read_ctx_clear (ReadCtx *ctx)
{
	g_free (ctx->max_stamp);
	g_hash_table_unref (ctx->seen);
}

/*
 * An UpdatedAt that is not a time must not become the cursor: the next read
 * would ask for "UpdatedAt > 'garbage'", which webCRM answers with nothing or
 * an error from then on, and no change would be read again.
 */
static const gchar *
stamp_member (JsonObject *dto, const gchar *field)
{
	const gchar *s = cs_json_get_string_or (dto, field, NULL);
	gint64 usec;
	return s != NULL && cs_time_parse (s, &usec) ? s : NULL;
}

static void
note_stamp (ReadCtx *ctx, JsonObject *dto, const gchar *field)
{
	const gchar *s = stamp_member (dto, field);
	if (s != NULL && (ctx->max_stamp == NULL || g_strcmp0 (s, ctx->max_stamp) > 0)) {
		g_free (ctx->max_stamp);
		ctx->max_stamp = g_strdup (s);
	}
}

static void
emit (ReadCtx *ctx, CsRecord *rec)
{
	g_autoptr(CsRecord) owned = rec;
	if (rec == NULL) {
		cs_read_sink_skip (ctx->sink, NULL, _("a record without an id"));
		return;
	}
	if (!g_hash_table_add (ctx->seen, g_strdup (cs_record_get_id (rec))))
		return;
	cs_read_sink_add (ctx->sink, rec);
	ctx->count++;
}

static gboolean
rows_cb (JsonArray *page, gpointer user_data, GError **error)
{
	ReadCtx *ctx = user_data;
	for (guint i = 0; i < json_array_get_length (page); i++) {
		JsonObject *row = cs_json_array_get_object (page, i);
		if (row == NULL)
			continue;
		switch (ctx->kind) {
		case CS_KIND_CONTACT: {
			g_autoptr(JsonObject) person = split_person_row (ctx->self, row);
			if (cs_json_get_int (person, "PersonId", 0) <= 0) {
				cs_read_sink_skip (ctx->sink, NULL, _("a person without PersonId"));
				continue;
			}
			note_stamp (ctx, person, "PersonUpdatedAt");
			emit (ctx, person_record (ctx->self, person));
			break;
		}
		case CS_KIND_ORGANISATION:
			if (cs_json_get_int (row, "OrganisationId", 0) <= 0) {
				cs_read_sink_skip (ctx->sink, NULL, _("an organisation without OrganisationId"));
				continue;
			}
			note_stamp (ctx, row, "OrganisationUpdatedAt");
			put_org (ctx->self,
				 cs_json_get_int (row, "OrganisationId", 0),
				 json_object_ref (row));
			emit (ctx, org_record (ctx->self, row));
			break;
		case CS_KIND_TASK:
		case CS_KIND_EMAIL:
			if (cs_json_get_int (row, "ActivityId", 0) <= 0) {
				cs_read_sink_skip (ctx->sink, NULL, _("an activity without ActivityId"));
				continue;
			}
			note_stamp (ctx, row, "ActivityUpdatedAt");
			if (ctx->kind == CS_KIND_EMAIL && is_email_activity (row))
				emit (ctx, email_record (ctx->self, row));
			else if (ctx->kind == CS_KIND_TASK && !is_email_activity (row))
				emit (ctx, activity_record (ctx->self, row));
			break;
		case CS_KIND_EVENT:
		case CS_KIND_LAST:
		default:
			break;
		}
	}
	return TRUE;
}

void
cs_webcrm_provider_take_body (CsWebcrmProvider *self, CsWebcrmBody what, CsKind kind,
			      JsonNode *root, CsReadSink *sink)
{
	ReadCtx ctx = {self, sink, kind, NULL,
		       g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0};
	JsonArray *arr = JSON_NODE_HOLDS_ARRAY (root) ? json_node_get_array (root) : NULL;

	switch (what) {
	case CS_WEBCRM_BODY_ROWS:
		if (kind == CS_KIND_EVENT && JSON_NODE_HOLDS_OBJECT (root)) {
			/* a /Meetings page, or one meeting as GET /Meetings/{id} answers */
			JsonArray *list = array_member (json_node_get_object (root), "Meetings");
			for (guint i = 0; list != NULL && i < json_array_get_length (list); i++) {
				JsonObject *m = cs_json_array_get_object (list, i);
				if (m != NULL)
					note_stamp (&ctx, m, "MeetingUpdated");
			}
			if (list == NULL)
				emit (&ctx, meeting_record (self, json_node_get_object (root)));
		} else if (arr != NULL) {
			rows_cb (arr, &ctx, NULL);
		}
		break;
	case CS_WEBCRM_BODY_USERS:
		if (arr != NULL)
			users_page_cb (arr, self, NULL);
		break;
	case CS_WEBCRM_BODY_ORGS:
		if (arr != NULL)
			orgs_page_cb (arr, self, NULL);
		break;
	case CS_WEBCRM_BODY_METADATA:
		metadata_cb (self, root);
		break;
	default:
		break;
	}
	read_ctx_clear (&ctx);
}

static gchar *stamp_next (CsWebcrmProvider *self, const gchar *max_seen, const gchar *previous);
static gboolean org_stamp_cb (JsonArray *page, gpointer user_data, GError **error);

/**
 * cs_webcrm_provider_take_query:
 * @since: (nullable): the stamp read from, "S" or ">S"
 * @next: (out) (transfer full): the stamp to read from next time
 *
 * One page of a /Queries answer of @kind as an "updated since" read takes it.
 */
gboolean
cs_webcrm_provider_take_query (CsWebcrmProvider *self, CsKind kind, const gchar *since,
			       JsonNode *root, CsReadSink *sink, gchar **next, GError **error)
{
	ReadCtx ctx = {self, sink, kind, NULL,
		       g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0};
	JsonArray *page = cs_webcrm_client_take_page (root, "/Queries", error);

	if (page != NULL)
		rows_cb (page, &ctx, NULL);
	*next = page != NULL ? stamp_next (self, ctx.max_stamp, since) : NULL;
	read_ctx_clear (&ctx);
	return page != NULL;
}

/**
 * cs_webcrm_provider_take_org_stamps:
 * @ids: (element-type utf8): gets the ids of the organisations listed
 * @max: (inout): the newest OrganisationUpdatedAt
 *
 * One page of the query for organisations changed since a stamp, whose
 * persons are then read again.
 */
gboolean
cs_webcrm_provider_take_org_stamps (JsonNode *root, GPtrArray *ids, gchar **max, GError **error)
{
	JsonArray *page = cs_webcrm_client_take_page (root, "/Queries", error);
	gpointer data[] = {ids, max};
	return page != NULL && org_stamp_cb (page, data, error);
}

/* "T=stamp;U=stamp": one stamp per table the kind depends on */
static gchar *
cursor_get (const gchar *cursor, const gchar *key)
{
	g_auto(GStrv) parts = g_strsplit (cursor != NULL ? cursor : "", ";", -1);
	for (guint i = 0; parts[i] != NULL; i++)
		if (g_str_has_prefix (parts[i], key) && parts[i][strlen (key)] == '=')
			return g_strdup (parts[i] + strlen (key) + 1);
	return NULL;
}

/*
 * A stamp in a cursor is "S" (read what changed at S or later) or ">S" (later
 * only). Stamps have whole seconds: only once the server's clock has left S
 * can nothing more be stamped S, so only then is the boundary second not read
 * again (which would bring the same records on every run).
 */
static gchar *
stamp_condition (const gchar *column, const gchar *stamp)
{
	gboolean strict = stamp[0] == '>';
	g_autofree gchar *lit = cs_webcrm_quote (strict ? stamp + 1 : stamp);
	return g_strdup_printf ("%s %s %s", column, strict ? ">" : ">=", lit);
}

static gchar *
stamp_next (CsWebcrmProvider *self, const gchar *max_seen, const gchar *previous)
{
	const gchar *server =
	    self->client != NULL ? cs_webcrm_client_get_server_time (self->client) : NULL;
	const gchar *bare = max_seen;
	if (bare == NULL && previous != NULL)
		bare = previous[0] == '>' ? previous + 1 : previous;
	if (bare == NULL)
		bare = "2000-01-01T00:00:00";
	if (server != NULL && g_strcmp0 (server, bare) > 0)
		return g_strconcat (">", bare, NULL);
	return g_strdup (bare);
}

static gboolean
org_stamp_cb (JsonArray *page, gpointer user_data, GError **error)
{
	GPtrArray *ids = ((gpointer *) user_data)[0];
	gchar **max = ((gpointer *) user_data)[1];
	for (guint i = 0; i < json_array_get_length (page); i++) {
		JsonObject *o = cs_json_array_get_object (page, i);
		const gchar *s;
		if (o == NULL)
			continue;
		s = stamp_member (o, "OrganisationUpdatedAt");
		if (s != NULL && (*max == NULL || g_strcmp0 (s, *max) > 0)) {
			g_free (*max);
			*max = g_strdup (s);
		}
		/* without an id there are no persons to read again; "= 0" would read
		 * those without an organisation */
		if (cs_json_get_int (o, "OrganisationId", 0) > 0)
			g_ptr_array_add (ids, g_strdup_printf ("%" G_GINT64_FORMAT,
							       cs_json_get_int (o, "OrganisationId",
										0)));
	}
	return TRUE;
}

#define PERSON_JOIN                                                                                \
	"SELECT * FROM Person JOIN Organisation ON (Person.PersonOrganisationId = "                \
	"Organisation.OrganisationId)"

static gboolean
read_contacts (CsWebcrmProvider *self, ReadCtx *ctx, const gchar *cursor,
	       GCancellable *cancellable, GError **error)
{
	g_autofree gchar *p_since = cursor_get (cursor, "P");
	g_autofree gchar *o_since = cursor_get (cursor, "O");
	g_autofree gchar *o_max = NULL;
	g_autofree gchar *next = NULL;

	if (p_since == NULL) {
		/* a full listing: organisations first, for the company names */
		if (!self->b2c && !ensure_orgs (self, cancellable, error))
			return FALSE;
		if (!cs_webcrm_client_list (self->client, self->b2c ? "/PersonsB2C" : "/Persons",
					    rows_cb, ctx, cancellable, error))
			return FALSE;
		cs_read_sink_set_complete (ctx->sink, TRUE);
		if (!self->b2c) {
			GHashTableIter iter;
			gpointer v;
			g_hash_table_iter_init (&iter, self->orgs);
			while (g_hash_table_iter_next (&iter, NULL, &v)) {
				const gchar *s = stamp_member (v, "OrganisationUpdatedAt");
				if (s != NULL && (o_max == NULL || g_strcmp0 (s, o_max) > 0)) {
					g_free (o_max);
					o_max = g_strdup (s);
				}
			}
		}
	} else {
		g_autofree gchar *cond = stamp_condition ("PersonUpdatedAt", p_since);
		g_autofree gchar *script = g_strdup_printf (
		    "%s WHERE %s ORDER BY PersonUpdatedAt ASC",
		    self->b2c ? "SELECT * FROM Person" : PERSON_JOIN, cond);
		if (!cs_webcrm_client_query (self->client, script, rows_cb, ctx, cancellable,
					     error))
			return FALSE;
		if (!self->b2c && o_since != NULL) {
			/* a renamed organisation changes its persons' company */
			g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
			g_autofree gchar *ocond
				= stamp_condition ("OrganisationUpdatedAt", o_since);
			g_autofree gchar *oscript =
			    g_strdup_printf ("SELECT * FROM Organisation WHERE %s", ocond);
			gpointer data[] = {ids, &o_max};
			if (!cs_webcrm_client_query (self->client, oscript, org_stamp_cb, data,
						     cancellable, error))
				return FALSE;
			for (guint i = 0; i < ids->len; i += 40) {
				g_autoptr(GString) s = g_string_new (PERSON_JOIN " WHERE ");
				for (guint j = i; j < MIN (ids->len, i + 40); j++)
					g_string_append_printf (
						s, "%sPersonOrganisationId = %s",
						j > i ? " OR " : "",
						(gchar *)g_ptr_array_index (ids, j));
				if (!cs_webcrm_client_query (self->client, s->str, rows_cb, ctx,
							     cancellable, error))
					return FALSE;
			}
		}
	}
	{
		g_autofree gchar *p_next = stamp_next (self, ctx->max_stamp, p_since);
		g_autofree gchar *o_next = stamp_next (self, o_max, o_since);
		next = g_strdup_printf ("P=%s;O=%s", p_next, o_next);
	}
	cs_read_sink_set_cursor (ctx->sink, next);
	return TRUE;
}

static gboolean
read_table (CsWebcrmProvider *self, ReadCtx *ctx, const gchar *cursor, const gchar *path,
	    const gchar *table, const gchar *extra_where, GCancellable *cancellable, GError **error)
{
	g_autofree gchar *since = cursor_get (cursor, "T");
	g_autofree gchar *next = NULL;

	if (since == NULL && extra_where == NULL) {
		if (!cs_webcrm_client_list (self->client, path, rows_cb, ctx, cancellable, error))
			return FALSE;
		cs_read_sink_set_complete (ctx->sink, TRUE);
	} else {
		g_autofree gchar *column = g_strconcat (table, "UpdatedAt", NULL);
		g_autofree gchar *cond =
		    stamp_condition (column, since != NULL ? since : "2000-01-01T00:00:00");
		g_autofree gchar *script = g_strdup_printf (
		    "SELECT * FROM %s WHERE %s%s%s ORDER BY %s ASC", table,
		    extra_where != NULL ? extra_where : "", extra_where != NULL ? " AND " : "",
		    cond, column);
		if (!cs_webcrm_client_query (self->client, script, rows_cb, ctx, cancellable,
					     error))
			return FALSE;
		if (since == NULL)
			cs_read_sink_set_complete (ctx->sink, TRUE);
	}
	{
		g_autofree gchar *t_next = stamp_next (self, ctx->max_stamp, since);
		next = g_strdup_printf ("T=%s", t_next);
	}
	cs_read_sink_set_cursor (ctx->sink, next);
	return TRUE;
}

static gboolean
meetings_page (CsWebcrmProvider *self, const gchar *path, GPtrArray *out,
	       GCancellable *cancellable, GError **error)
{
	/* /Meetings answers {"Meetings": [...]}, paged like the lists */
	for (guint page = 1;; page++) {
		g_autofree gchar *url = g_strdup_printf ("%s&Page=%u&Size=1000", path, page);
		g_autoptr(JsonNode) root =
		    cs_webcrm_client_call (self->client, "GET", url, NULL, cancellable, error);
		JsonArray *arr;
		if (root == NULL)
			return FALSE;
		arr = JSON_NODE_HOLDS_OBJECT (root)
			  ? array_member (json_node_get_object (root), "Meetings")
			  : NULL;
		if (arr == NULL) {
			g_set_error_literal (
				error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				_ ("webCRM answered /Meetings without a Meetings list"));
			return FALSE;
		}
		if (json_array_get_length (arr) == 0)
			return TRUE;
		for (guint i = 0; i < json_array_get_length (arr); i++) {
			JsonObject *m = cs_json_array_get_object (arr, i);
			if (m != NULL)
				g_ptr_array_add (out, json_object_ref (m));
		}
	}
}

/*
 * Meetings have no "updated since" query and their list leaves out the
 * description, which costs one request per meeting. The cursor keeps the newest
 * MeetingUpdated and the ids listed last time: only new or changed meetings are
 * fetched whole, and an id that left the list is asked for once (gone → a
 * tombstone, merely out of the date window → left alone).
 */
/* a meeting's own path: its id as it came from the server, escaped, so an
 * odd id cannot change which resource a call reaches */
static gchar *
meeting_path (const gchar *id, const gchar *query)
{
	g_autofree gchar *esc = g_uri_escape_string (id, NULL, TRUE);
	return g_strdup_printf ("/Meetings/%s%s", esc, query != NULL ? query : "");
}

static gboolean
read_meetings (CsWebcrmProvider *self, ReadCtx *ctx, const gchar *cursor,
	       GCancellable *cancellable, GError **error)
{
	g_autofree gchar *since = cursor_get (cursor, "M");
	g_autofree gchar *known_s = cursor_get (cursor, "ids");
	g_auto(GStrv) known = g_strsplit (known_s != NULL ? known_s : "", ",", -1);
	g_autoptr (GPtrArray) list
		= g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	g_autoptr(GDateTime) from = g_date_time_add_days (now, -MEETINGS_PAST_DAYS);
	g_autoptr(GDateTime) to = g_date_time_add_days (now, MEETINGS_FUTURE_DAYS);
	g_autofree gchar *from_s = g_date_time_format (from, "%Y-%m-%dT00:00:00Z");
	g_autofree gchar *to_s = g_date_time_format (to, "%Y-%m-%dT00:00:00Z");
	g_autofree gchar *path = NULL;
	g_autoptr(GString) ids = g_string_new (NULL);
	g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
	g_autofree gchar *next = NULL;

	if (self->me == 0) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("webCRM meetings are read per user: set user= in [crm] to "
				       "the webCRM user's e-mail"));
		return FALSE;
	}
	if (!ensure_orgs (self, cancellable, error))
		return FALSE;
	path = g_strdup_printf ("/Meetings?from=%s&to=%s&userId=%" G_GINT64_FORMAT, from_s, to_s,
				self->me);
	if (!meetings_page (self, path, list, cancellable, error))
		return FALSE;
	for (guint i = 0; i < list->len; i++) {
		JsonObject *m = g_ptr_array_index (list, i);
		const gchar *id = cs_json_get_string_or (m, "MeetingId", NULL);
		const gchar *upd = cs_json_get_string_or (m, "MeetingUpdated", "");
		g_autofree gchar *get = NULL;
		g_autoptr(JsonNode) full = NULL;
		if (id == NULL)
			continue;
		g_hash_table_add (listed, (gpointer) id);
		g_string_append_printf (ids, "%s%s", ids->len > 0 ? "," : "", id);
		note_stamp (ctx, m, "MeetingUpdated");
		if (since != NULL && g_strv_contains ((const gchar *const *)known, id)
		    && (since[0] == '>' ? g_strcmp0 (upd, since + 1) <= 0
					: g_strcmp0 (upd, since) < 0))
			continue;
		get = meeting_path (id, NULL);
		full = cs_webcrm_client_call (self->client, "GET", get, NULL, cancellable, error);
		if (full == NULL)
			return FALSE;
		if (!JSON_NODE_HOLDS_OBJECT (full)) {
			cs_read_sink_skip (ctx->sink, id,
					   _ ("webCRM sent a meeting we cannot read"));
			continue;
		}
		emit (ctx, meeting_record (self, json_node_get_object (full)));
	}
	for (guint i = 0; since != NULL && known[i] != NULL; i++) {
		g_autofree gchar *get = NULL;
		g_autoptr(JsonNode) gone = NULL;
		g_autoptr(GError) error_local = NULL;
		if (known[i][0] == '\0' || g_hash_table_contains (listed, known[i]))
			continue;
		get = meeting_path (known[i], NULL);
		gone = cs_webcrm_client_call (self->client, "GET", get, NULL, cancellable,
					      &error_local);
		if (gone == NULL &&
		    g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NOT_FOUND))
			emit (ctx, cs_record_new_tombstone (CS_KIND_EVENT, known[i]));
		else if (gone == NULL) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
	}
	/* never a complete listing: a meeting that left the date window still exists, and
	 * deletions are the tombstones above */
	cs_read_sink_set_complete (ctx->sink, FALSE);
	{
		g_autofree gchar *m_next = stamp_next (self, ctx->max_stamp, since);
		next = g_strdup_printf ("M=%s;ids=%s", m_next, ids->str);
	}
	cs_read_sink_set_cursor (ctx->sink, next);
	return TRUE;
}

/* the meetings this run created are in the list of ids the next read checks
 * (else one deleted in webCRM before that read would never be seen gone), and
 * those it deleted are out of it */
static gchar *
cs_webcrm_provider_cursor_after_write (CsProvider *provider, CsKind kind, const gchar *cursor,
				       GPtrArray *ops)
{
	g_autofree gchar *since = NULL;
	g_autofree gchar *known_s = NULL;
	g_auto(GStrv) known = NULL;
	g_autoptr(GString) ids = g_string_new (NULL);
	g_autoptr(GHashTable) gone = g_hash_table_new (g_str_hash, g_str_equal);

	if (kind != CS_KIND_EVENT)
		return NULL;
	since = cursor_get (cursor, "M");
	known_s = cursor_get (cursor, "ids");
	if (since == NULL)
		return NULL;
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		if (op->error == NULL && op->action == CS_WRITE_DELETE && op->id != NULL)
			g_hash_table_add (gone, op->id);
	}
	known = g_strsplit (known_s != NULL ? known_s : "", ",", -1);
	for (guint i = 0; known[i] != NULL; i++) {
		if (known[i][0] != '\0' && !g_hash_table_contains (gone, known[i]))
			g_string_append_printf (ids, "%s%s", ids->len > 0 ? "," : "", known[i]);
	}
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		if (op->error == NULL && op->action == CS_WRITE_CREATE && op->id != NULL &&
		    !g_strv_contains ((const gchar *const *) known, op->id))
			g_string_append_printf (ids, "%s%s", ids->len > 0 ? "," : "", op->id);
	}
	return g_strdup_printf ("M=%s;ids=%s", since, ids->str);
}

/* the guide: "When Activities are synchronised into Outlook any notes from
 * the activity are also copied into the body of the task". Notes are their
 * own resource, one request per activity read: only for those that can go to
 * Outlook (completed ones stay in the CRM). Oldest first, one line each */
static gboolean
read_activity_notes (CsWebcrmProvider *self, CsReadSink *sink, GCancellable *cancellable,
		     GError **error)
{
	GPtrArray *recs = cs_read_sink_get_records (sink);

	for (guint i = 0; i < recs->len; i++) {
		CsRecord *rec = g_ptr_array_index (recs, i);
		g_autofree gchar *path = NULL;
		g_autoptr(JsonNode) notes = NULL;
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GString) text = g_string_new (NULL);
		g_autofree gchar *esc = NULL;
		JsonArray *a;

		if (cs_record_is_deleted (rec) || cs_record_get_id (rec) == NULL ||
		    g_strcmp0 (cs_record_get_string (rec, "ActivityStatus"), "Completed") == 0)
			continue;
		esc = g_uri_escape_string (cs_record_get_id (rec), NULL, TRUE);
		path = g_strdup_printf ("/Activities/%s/Notes", esc);
		notes = cs_webcrm_client_call (self->client, "GET", path, NULL, cancellable, &error_local);
		if (notes == NULL) {
			/* gone since it was listed: the next listing says so */
			if (g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NOT_FOUND))
				continue;
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		a = JSON_NODE_HOLDS_ARRAY (notes) ? json_node_get_array (notes) : NULL;
		for (guint j = 0; a != NULL && j < json_array_get_length (a); j++) {
			JsonObject *n = cs_json_array_get_object (a, j);
			const gchar *comment = n != NULL ? cs_json_get_string (n, "Comment") : NULL;
			const gchar *when = n != NULL ? cs_json_get_string (n, "DateTime") : NULL;
			const gchar *who = n != NULL ? cs_json_get_string (n, "CreatedBy") : NULL;
			g_autofree gchar *line = NULL;
			g_autofree gchar *trimmed = comment != NULL ? g_strstrip (g_strdup (comment)) : NULL;
			if (trimmed == NULL || trimmed[0] == '\0')
				continue;
			if (when == NULL && n != NULL)
				when = cs_json_get_string (n, "CreatedAt");
			if (who == NULL && n != NULL)
				who = cs_json_get_string (n, "PersonName");
			line = g_strdup_printf ("%s%.10s%s%s%s%s", text->len > 0 ? "\n" : "",
						when != NULL ? when : "", when != NULL ? " " : "",
						who != NULL ? who : "", who != NULL ? ": " : "", trimmed);
			g_string_append (text, line);
		}
		if (text->len > 0)
			cs_record_set_string (rec, "ActivityNotes", text->str);
	}
	return TRUE;
}

static gboolean
cs_webcrm_provider_read_changes (CsProvider *provider, CsKind kind, const gchar *cursor,
				 CsReadSink *sink, GCancellable *cancellable, GError **error)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	ReadCtx ctx = {self, sink, kind, NULL,
		       g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0};
	gboolean ok = FALSE;
	g_autoptr(GError) error_local = NULL;

	if (self->client == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
				     "webcrm: read_changes() before open()");
		read_ctx_clear (&ctx);
		return FALSE;
	}
	switch (kind) {
	case CS_KIND_CONTACT:
		ok = read_contacts (self, &ctx, cursor, cancellable, &error_local);
		break;
	case CS_KIND_ORGANISATION:
		ok = read_table (self, &ctx, cursor, "/Organisations", "Organisation", NULL,
				 cancellable, &error_local);
		if (ok && cursor == NULL)
			self->orgs_complete = TRUE;
		break;
	case CS_KIND_TASK:
		ok = read_table (self, &ctx, cursor, "/Activities", "Activity", NULL, cancellable,
				 &error_local) &&
		     read_activity_notes (self, sink, cancellable, &error_local);
		break;
	case CS_KIND_EMAIL:
		ok = read_table (self, &ctx, cursor, "/Activities", "Activity",
				 "ActivityType = '" EMAIL_TYPE "'", cancellable, &error_local);
		break;
	case CS_KIND_EVENT:
		ok = read_meetings (self, &ctx, cursor, cancellable, &error_local);
		break;
	case CS_KIND_LAST:
	default:
		g_set_error_literal (&error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     "webcrm: unknown kind");
		break;
	}
	if (!ok) {
		if (g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_THROTTLED))
			cs_provider_set_retry_after (
			    provider, cs_http_client_get_retry_after (
					  cs_webcrm_client_get_http (self->client)));
		g_propagate_prefixed_error (error, g_steal_pointer (&error_local),
					    _("reading webCRM %s: "), cs_kind_to_string (kind));
	}
	read_ctx_clear (&ctx);
	return ok;
}

/* ---------------------------------------------------------------------------------------- */
/* get: records by id */

/* @ids in /Queries scripts of 40 (the size the organisation read uses):
 * "@base WHERE @column = 1 OR @column = 2 …"; an id that is not a number
 * cannot be webCRM's and is left out */
static gboolean
query_ids (CsWebcrmProvider *self, ReadCtx *ctx, const gchar *base, const gchar *column,
	   GPtrArray *ids, GCancellable *cancellable, GError **error)
{
	g_autoptr(GPtrArray) numbers = g_ptr_array_new ();

	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index (ids, i);
		if (g_ascii_string_to_signed (id, 10, 1, G_MAXINT64, NULL, NULL))
			g_ptr_array_add (numbers, (gpointer) id);
	}
	for (guint i = 0; i < numbers->len; i += 40) {
		g_autoptr(GString) script = g_string_new (base);
		g_string_append (script, " WHERE ");
		for (guint j = i; j < MIN (numbers->len, i + 40); j++)
			g_string_append_printf (script, "%s%s = %s", j > i ? " OR " : "", column,
						(const gchar *) g_ptr_array_index (numbers, j));
		if (!cs_webcrm_client_query (self->client, script->str, rows_cb, ctx, cancellable,
					     error))
			return FALSE;
	}
	return TRUE;
}

/* each meeting by GET /Meetings/{id}; one webCRM no longer has is left out */
static gboolean
get_meetings (CsWebcrmProvider *self, ReadCtx *ctx, GPtrArray *ids, GCancellable *cancellable,
	      GError **error)
{
	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index (ids, i);
		g_autofree gchar *url = NULL;
		g_autoptr(JsonNode) root = NULL;
		g_autoptr(GError) error_local = NULL;
		CsRecord *rec;

		if (!g_ascii_string_to_signed (id, 10, 1, G_MAXINT64, NULL, NULL))
			continue;
		url = g_strdup_printf ("/Meetings/%s", id);
		root = cs_webcrm_client_call (self->client, "GET", url, NULL, cancellable,
					      &error_local);
		if (root == NULL) {
			if (g_error_matches (error_local, CS_PROVIDER_ERROR,
					     CS_PROVIDER_ERROR_NOT_FOUND))
				continue;
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		if (!JSON_NODE_HOLDS_OBJECT (root))
			continue;
		rec = meeting_record (self, json_node_get_object (root));
		/* a meeting that is gone answers as one (meeting_record's tombstone) */
		if (rec != NULL && cs_record_is_deleted (rec)) {
			cs_record_unref (rec);
			continue;
		}
		emit (ctx, rec);
	}
	return TRUE;
}

/*
 * Records by id, as a read gives them: what the engine asks for when a read
 * "changed since" leaves out a record it must look at (a resolved conflict,
 * a record an earlier run held back). Persons, organisations and activities
 * through /Queries by their ids (the read's own shape, with the persons'
 * company), meetings one by one. Ids webCRM no longer has are left out.
 */
static GPtrArray *
cs_webcrm_provider_get (CsProvider *provider, CsKind kind, GPtrArray *ids,
			GCancellable *cancellable, GError **error)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
	ReadCtx ctx = {self, sink, kind, NULL,
		       g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0};
	g_autoptr(GError) error_local = NULL;
	GPtrArray *recs;
	GPtrArray *out;
	gboolean ok = FALSE;

	if (self->client == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
				     "webcrm: get() before open()");
		read_ctx_clear (&ctx);
		return NULL;
	}
	switch (kind) {
	case CS_KIND_CONTACT:
		ok = query_ids (self, &ctx, self->b2c ? "SELECT * FROM Person" : PERSON_JOIN,
				"PersonId", ids, cancellable, &error_local);
		break;
	case CS_KIND_ORGANISATION:
		ok = query_ids (self, &ctx, "SELECT * FROM Organisation", "OrganisationId", ids,
				cancellable, &error_local);
		break;
	case CS_KIND_TASK:
		ok = query_ids (self, &ctx, "SELECT * FROM Activity", "ActivityId", ids,
				cancellable, &error_local) &&
		     read_activity_notes (self, sink, cancellable, &error_local);
		break;
	case CS_KIND_EMAIL:
		ok = query_ids (self, &ctx, "SELECT * FROM Activity", "ActivityId", ids,
				cancellable, &error_local);
		break;
	case CS_KIND_EVENT:
		ok = (self->b2c || ensure_orgs (self, cancellable, &error_local)) &&
		     get_meetings (self, &ctx, ids, cancellable, &error_local);
		break;
	case CS_KIND_LAST:
	default:
		g_set_error_literal (&error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     "webcrm: unknown kind");
		break;
	}
	read_ctx_clear (&ctx);
	if (!ok) {
		if (g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_THROTTLED))
			cs_provider_set_retry_after (
			    provider, cs_http_client_get_retry_after (
					  cs_webcrm_client_get_http (self->client)));
		g_propagate_prefixed_error (error, g_steal_pointer (&error_local),
					    _("reading webCRM %s: "), cs_kind_to_string (kind));
		return NULL;
	}
	recs = cs_read_sink_get_records (sink);
	out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	for (guint i = 0; i < recs->len; i++)
		g_ptr_array_add (out, cs_record_ref (g_ptr_array_index (recs, i)));
	return out;
}

/* ---------------------------------------------------------------------------------------- */
/* write */

/* record fields that are not the DTO's to write */
static gboolean
is_writable_field (const gchar *table, const gchar *name)
{
	g_autofree gchar *idf = g_strconcat (table, "Id", NULL);
	if (!g_str_has_prefix (name, table) || g_str_equal (name, idf) || is_stamp_field (name))
		return FALSE;
	return !g_str_equal (name, "PersonName") && !g_str_equal (name, "PersonTelephoneSearch") &&
	       !g_str_equal (name, "OrganisationNameDivision") &&
	       !g_str_equal (name, "ActivityResponsibleName") &&
	       !g_str_equal (name, "MeetingOrganisationNameDivision") &&
	       !g_str_equal (name, "OrganisationLastItemType") &&
	       !g_str_equal (name, "OrganisationLastItemUpdatedAt");
}

/* a value as the DTO types it: mappings and folder sides may hand over text */
static JsonNode *
typed_value (CsSchema *schema, const gchar *name, GVariant *v)
{
	const CsFieldSpec *spec = schema != NULL ? cs_schema_lookup (schema, name) : NULL;
	const gchar *s;
	guint64 n;

	if (spec == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return cs_json_from_value (v);
	s = g_variant_get_string (v, NULL);
	if (spec->type == CS_FIELD_BOOL && (g_str_equal (s, "true") || g_str_equal (s, "false"))) {
		JsonNode *b = json_node_new (JSON_NODE_VALUE);
		json_node_set_boolean (b, g_str_equal (s, "true"));
		return b;
	}
	if (spec->type == CS_FIELD_INT
	    && g_ascii_string_to_unsigned (s, 10, 0, G_MAXINT64, &n, NULL)) {
		JsonNode *i = json_node_new (JSON_NODE_VALUE);
		json_node_set_int (i, (gint64) n);
		return i;
	}
	return cs_json_from_value (v);
}

/* the fields of @rec over @base (a copy of the DTO as read, or empty for a create) */
static void
apply_fields (JsonObject *dto, CsRecord *rec, const gchar *table)
{
	g_autoptr(GPtrArray) names = cs_record_get_field_names (rec);
	g_autoptr (CsSchema) schema
		= cs_schema_load_builtin ("webcrm", cs_record_get_kind (rec), NULL);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index (names, i);
		GVariant *v = cs_record_get_field (rec, name);
		if (!is_writable_field (table, name))
			continue;
		/* PUT and PATCH replace the record: leaving a field out clears it */
		if (cs_value_is_null (v))
			json_object_remove_member (dto, name);
		else
			json_object_set_member (dto, name, typed_value (schema, name, v));
	}
}

static JsonObject *
copy_object (JsonObject *o)
{
	g_autoptr(JsonNode) n = json_node_init_object (json_node_alloc (), o);
	g_autoptr(JsonNode) c = json_node_copy (n);
	return json_object_ref (json_node_get_object (c));
}

/* the DTO as webCRM has it now: from the last read, else asked for */
static JsonObject *
current_dto (CsWebcrmProvider *self, CsKind kind, const gchar *path, const gchar *id,
	     GCancellable *cancellable, GError **error)
{
	JsonObject *cached = g_hash_table_lookup (self->dtos[kind], id);
	g_autofree gchar *url = NULL;
	g_autoptr(JsonNode) root = NULL;

	if (cached != NULL)
		return copy_object (cached);
	url = g_strdup_printf ("%s/%s", path, id);
	root = cs_webcrm_client_call (self->client, "GET", url, NULL, cancellable, error);
	if (root == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT (root)) {
		g_set_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			     _("webCRM answered %s with something that is not a record"), url);
		return NULL;
	}
	return json_object_ref (json_node_get_object (root));
}

static gboolean
is_fatal (const GError *error)
{
	return error->domain == CS_PROVIDER_ERROR &&
	       (error->code == CS_PROVIDER_ERROR_AUTH || error->code == CS_PROVIDER_ERROR_NETWORK ||
		error->code == CS_PROVIDER_ERROR_THROTTLED) ;
}

/* a failure of the whole request: each op of it gets the error */
static void
fail_ops (GPtrArray *ops, guint from, guint to, const GError *error)
{
	for (guint i = from; i < to; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		if (op->error == NULL && op->id == NULL)
			cs_write_op_take_error (op, g_error_copy (error));
	}
}

/* the answer for one element: the id, or an error for that element */
static void
settle_op (CsWriteOp *op, const gchar *answer)
{
	guint64 id;
	const gchar *why;

	if (answer != NULL && g_ascii_string_to_unsigned (answer, 10, 1, G_MAXINT64, &id, NULL)) {
		/* an update keeps its id whatever is echoed */
		cs_write_op_set_done (op, op->action == CS_WRITE_CREATE
					      ? answer
					      : cs_record_get_id (op->record),
				      NULL);
		return;
	}
	why = answer != NULL ? answer : _("no answer for this record");
	if (g_str_has_prefix (why, "Error: "))
		why += 7;
	cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
			       _("webCRM did not save it: %s"), why);
}

/*
 * One PATCH of creates only or updates only. ⚠ The answer's format is not
 * documented beyond "ids for inserted … and error messages": one string per
 * element is matched in order; any other length cannot be matched, so an
 * update batch without errors counts as done and anything else fails whole
 * (the engine's journal then reconciles creates by key).
 */
/* one element of a PATCH answer as text: an id may come as a number, like
 * POST's bare id; anything else (an object, a list) has no text */
static gchar *
answer_element (JsonArray *res, guint j)
{
	JsonNode *n = json_array_get_element (res, j);
	if (!JSON_NODE_HOLDS_VALUE (n))
		return NULL;
	if (json_node_get_value_type (n) == G_TYPE_STRING)
		return g_strdup (json_node_get_string (n));
	if (json_node_get_value_type (n) == G_TYPE_INT64)
		return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
	return NULL;
}

static void
settle_batch (GPtrArray *batch_ops, JsonArray *res, gboolean creates)
{
	guint n = res != NULL ? json_array_get_length (res) : 0;
	g_autofree gchar *first_error = NULL;

	if (n == batch_ops->len) {
		for (guint j = 0; j < n; j++) {
			g_autofree gchar *s = answer_element (res, j);
			settle_op (g_ptr_array_index (batch_ops, j), s);
		}
		return;
	}
	for (guint j = 0; j < n && first_error == NULL; j++) {
		g_autofree gchar *s = answer_element (res, j);
		if (s == NULL || !g_ascii_isdigit (s[0]))
			first_error = s != NULL ? g_steal_pointer (&s) : g_strdup ("?");
	}
	for (guint j = 0; j < batch_ops->len; j++) {
		CsWriteOp *op = g_ptr_array_index (batch_ops, j);
		if (!creates && first_error == NULL)
			cs_write_op_set_done (op, cs_record_get_id (op->record), NULL);
		else
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					       _("webCRM answered %u results for %u records%s%s"), n,
					       batch_ops->len, first_error != NULL ? ": " : "",
					       first_error != NULL ? first_error : "");
	}
}

/**
 * cs_webcrm_settle_patch:
 * @ops: the ops of one PATCH, in the order of its elements
 * @answer: the PATCH's answer
 *
 * Every op of the PATCH gets its result: done with its id, or an error.
 */
void
cs_webcrm_settle_patch (GPtrArray *ops, JsonNode *answer, gboolean creates)
{
	settle_batch (ops, JSON_NODE_HOLDS_ARRAY (answer) ? json_node_get_array (answer) : NULL,
		      creates);
}

/**
 * patch_batches:
 * @ops: ops whose DTO is in @dtos at the same index; a %NULL DTO is skipped
 *
 * PATCH /X with up to batch-size DTOs per request, creates and updates apart.
 *
 * Returns: %FALSE when a request failed for a reason that stops the run
 */
static gboolean
patch_batches (CsWebcrmProvider *self, const gchar *path, GPtrArray *ops, GPtrArray *dtos,
	       GCancellable *cancellable, GError **error)
{
	for (guint pass = 0; pass < 2; pass++) {
		gboolean creates = pass == 0;
		g_autoptr(GPtrArray) pending = g_ptr_array_new ();	  /* CsWriteOp */
		g_autoptr(GPtrArray) pending_dtos = g_ptr_array_new (); /* JsonObject */

		for (guint i = 0; i < ops->len; i++) {
			CsWriteOp *op = g_ptr_array_index (ops, i);
			if (g_ptr_array_index (dtos, i) == NULL ||
			    (op->action == CS_WRITE_CREATE) != creates)
				continue;
			g_ptr_array_add (pending, op);
			g_ptr_array_add (pending_dtos, g_ptr_array_index (dtos, i));
		}
		for (guint start = 0; start < pending->len; start += self->batch_size) {
			guint end = MIN (pending->len, start + self->batch_size);
			JsonArray *arr = json_array_new ();
			g_autoptr(JsonNode) body = NULL;
			g_autoptr(JsonNode) answer = NULL;
			g_autoptr(GError) error_local = NULL;
			g_autoptr(GPtrArray) batch_ops = g_ptr_array_new ();

			for (guint j = start; j < end; j++) {
				json_array_add_object_element (
				    arr, json_object_ref (g_ptr_array_index (pending_dtos, j)));
				g_ptr_array_add (batch_ops, g_ptr_array_index (pending, j));
			}
			body = json_node_init_array (json_node_alloc (), arr);
			answer = cs_webcrm_client_call (self->client, "PATCH", path, body,
							cancellable, &error_local);
			if (answer == NULL) {
				gboolean fatal = is_fatal (error_local);
				/* a fatal error stops this kind: every op not yet done is told */
				fail_ops (fatal ? ops : batch_ops, 0,
					  fatal ? ops->len : batch_ops->len, error_local);
				if (fatal) {
					g_propagate_error (error, g_steal_pointer (&error_local));
					return FALSE;
				}
				continue;
			}
			cs_webcrm_settle_patch (batch_ops, answer, creates);
		}
	}
	return TRUE;
}

static const gchar *
string_field (CsRecord *rec, const gchar *name)
{
	GVariant *v = cs_record_get_field (rec, name);
	if (v == NULL || cs_value_is_null (v) || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return NULL;
	return g_variant_get_string (v, NULL);
}

static gboolean
has_text (const gchar *s)
{
	g_autofree gchar *t = g_strstrip (g_strdup (s != NULL ? s : ""));
	return t[0] != '\0';
}

/*
 * The company rule: a contact whose company is an existing organisation
 * (Name - Division) joins it; otherwise the organisation is created first,
 * one per distinct name, all in PATCH batches.
 */
static gboolean
resolve_companies (CsWebcrmProvider *self, GPtrArray *ops, GPtrArray *dtos,
		   GCancellable *cancellable, GError **error)
{
	g_autoptr(GPtrArray) new_names = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) new_ops
		= g_ptr_array_new_with_free_func ((GDestroyNotify)cs_write_op_free);
	g_autoptr(GPtrArray) new_dtos =
	    g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
	g_autoptr (GHashTable) wanted
		= g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

	if (!ensure_orgs (self, cancellable, error))
		return FALSE;
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		const gchar *company = string_field (op->record, "OrganisationNameDivision");
		g_autofree gchar *key = NULL;
		if (g_ptr_array_index (dtos, i) == NULL || !has_text (company) ||
		    find_org (self, company) != 0)
			continue;
		key = fold (company);
		if (g_hash_table_add (wanted, g_steal_pointer (&key))) {
			JsonObject *o = json_object_new ();
			g_autoptr(CsRecord) rec = cs_record_new (CS_KIND_ORGANISATION, NULL);
			g_autofree gchar *name = g_strstrip (g_strdup (company));
			json_object_set_int_member (o, "OrganisationId", 0);
			json_object_set_string_member (o, "OrganisationName", name);
			/* the new organisation is the Outlook user's, as the contact was */
			if (self->me != 0)
				json_object_set_int_member (o, "OrganisationOwner", self->me);
			g_ptr_array_add (new_dtos, o);
			g_ptr_array_add (new_ops, cs_write_op_new (CS_WRITE_CREATE, rec));
			g_ptr_array_add (new_names, g_steal_pointer (&name));
		}
	}
	if (new_ops->len > 0 &&
	    !patch_batches (self, "/Organisations", new_ops, new_dtos, cancellable, error))
		return FALSE;
	for (guint i = 0; i < new_ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (new_ops, i);
		JsonObject *o = g_ptr_array_index (new_dtos, i);
		if (op->id == NULL)
			continue;
		json_object_set_int_member (o, "OrganisationId",
					    g_ascii_strtoll (op->id, NULL, 10));
		json_object_set_string_member (o, "OrganisationDivisionName", "");
		put_org (self, g_ascii_strtoll (op->id, NULL, 10), json_object_ref (o));
	}
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		JsonObject *dto = g_ptr_array_index (dtos, i);
		const gchar *company = string_field (op->record, "OrganisationNameDivision");
		gint64 org;
		if (dto == NULL || !has_text (company))
			continue;
		org = find_org (self, company);
		if (org == 0) {
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					       _("the organisation “%s” could not be created"),
					       company);
			g_ptr_array_index (dtos, i) = NULL;
			object_unref0 (dto);
			continue;
		}
		json_object_set_int_member (dto, "PersonOrganisationId", org);
	}
	return TRUE;
}

/* what we sent is what webCRM has now, apart from its own fields: the next
 * update starts from it without asking */
static void
remember_sent (CsWebcrmProvider *self, CsKind kind, const gchar *id_member, GPtrArray *ops,
	       GPtrArray *dtos)
{
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		JsonObject *dto = g_ptr_array_index (dtos, i);
		if (op->id != NULL && dto != NULL) {
			json_object_set_int_member (dto, id_member, g_ascii_strtoll (op->id, NULL, 10));
			g_hash_table_replace (self->dtos[kind], g_strdup (op->id),
					      json_object_ref (dto));
		}
	}
}

static gboolean
write_contacts (CsWebcrmProvider *self, GPtrArray *ops, GCancellable *cancellable,
		GError **error)
{
	const gchar *path = self->b2c ? "/PersonsB2C" : "/Persons";
	g_autoptr(GPtrArray) dtos = g_ptr_array_new_full (ops->len, object_unref0);
	gboolean need_orgs = FALSE;

	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_autoptr(JsonObject) dto = NULL;
		g_autoptr(GError) error_local = NULL;
		const gchar *company = string_field (op->record, "OrganisationNameDivision");

		g_ptr_array_add (dtos, NULL);
		if (op->action == CS_WRITE_DELETE) {
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_READ_ONLY,
					       _("webCRM's API cannot delete persons"));
			continue;
		}
		if (op->action == CS_WRITE_CREATE) {
			const gchar *email = string_field (op->record, "PersonEmail");
			if (!has_text (string_field (op->record, "PersonFirstName")) &&
			    !has_text (string_field (op->record, "PersonLastName"))) {
				cs_write_op_set_error (op, CS_PROVIDER_ERROR,
						       CS_PROVIDER_ERROR_INVALID,
						       _("a contact needs a name to reach webCRM"));
				continue;
			}
			if (!self->b2c && !has_text (company)) {
				cs_write_op_set_error (
					op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					_ ("a contact needs a company to reach webCRM "
					   "(B2B)"));
				continue;
			}
			if (self->b2c && !has_text (email)) {
				cs_write_op_set_error (
					op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					_ ("a contact needs an e-mail address to reach "
					   "webCRM (B2C)"));
				continue;
			}
			dto = json_object_new ();
			json_object_set_int_member (dto, "PersonId", 0);
		} else {
			dto = current_dto (self, CS_KIND_CONTACT, path,
					   cs_record_get_id (op->record), cancellable,
					   &error_local);
			if (dto == NULL) {
				if (is_fatal (error_local)) {
					fail_ops (ops, 0, ops->len, error_local);
					g_propagate_error (error, g_steal_pointer (&error_local));
					return FALSE;
				}
				cs_write_op_take_error (op, g_steal_pointer (&error_local));
				continue;
			}
		}
		apply_fields (dto, op->record, "Person");
		if (op->action == CS_WRITE_UPDATE)
			json_object_set_int_member (dto, "PersonId",
						    g_ascii_strtoll (cs_record_get_id (op->record),
								     NULL, 10));
		if (!self->b2c && has_text (company))
			need_orgs = TRUE;
		g_ptr_array_index (dtos, i) = g_steal_pointer (&dto);
	}
	if (need_orgs && !resolve_companies (self, ops, dtos, cancellable, error)) {
		fail_ops (ops, 0, ops->len, *error);
		return FALSE;
	}
	if (!patch_batches (self, path, ops, dtos, cancellable, error))
		return FALSE;
	remember_sent (self, CS_KIND_CONTACT, "PersonId", ops, dtos);
	return TRUE;
}

/* what a kind adds to the DTO an op starts from; FALSE when the op cannot be
 * written (its error set) */
typedef gboolean (*FillDto) (CsWebcrmProvider *self, CsKind kind, CsWriteOp *op, JsonObject *dto,
			     GCancellable *cancellable);

/*
 * The write path of the kinds sent in batches: a create starts from a new
 * DTO (its id 0), an update from the record as webCRM has it (webCRM replaces
 * what it is sent), the kind fills in the rest, and the DTOs go out in
 * batches. @dtos receives them, NULL for an op that failed. Deletions are
 * refused with @no_delete: webCRM's API has none for these kinds.
 */
static gboolean
write_dtos (CsWebcrmProvider *self, CsKind kind, const gchar *path, const gchar *id_member,
	    const gchar *no_delete, FillDto fill, GPtrArray *ops, GPtrArray *dtos,
	    GCancellable *cancellable, GError **error)
{
	for (guint i = 0; i < ops->len; i++) {
		CsWriteOp *op = g_ptr_array_index (ops, i);
		g_autoptr(JsonObject) dto = NULL;
		g_autoptr(GError) error_local = NULL;

		g_ptr_array_add (dtos, NULL);
		if (op->action == CS_WRITE_DELETE) {
			cs_write_op_set_error (op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_READ_ONLY,
					       "%s", no_delete);
			continue;
		}
		if (op->action == CS_WRITE_CREATE) {
			dto = json_object_new ();
			json_object_set_int_member (dto, id_member, 0);
		} else {
			dto = current_dto (self, kind, path, cs_record_get_id (op->record),
					   cancellable, &error_local);
			if (dto == NULL) {
				if (is_fatal (error_local)) {
					fail_ops (ops, 0, ops->len, error_local);
					g_propagate_error (error, g_steal_pointer (&error_local));
					return FALSE;
				}
				cs_write_op_take_error (op, g_steal_pointer (&error_local));
				continue;
			}
			json_object_set_int_member (dto, id_member,
						    g_ascii_strtoll (cs_record_get_id (op->record),
								     NULL, 10));
		}
		if (!fill (self, kind, op, dto, cancellable))
			continue;
		g_ptr_array_index (dtos, i) = g_steal_pointer (&dto);
	}
	return patch_batches (self, path, ops, dtos, cancellable, error);
}

static gboolean
fill_activity (CsWebcrmProvider *self, CsKind kind, CsWriteOp *op, JsonObject *dto,
	       GCancellable *cancellable)
{
	g_autoptr(GError) error_local = NULL;

	/* "only where the Outlook user is responsible": new ones are theirs */
	if (op->action == CS_WRITE_CREATE && self->me != 0)
		json_object_set_int_member (dto, "ActivityAssignedTo", self->me);
	if (kind == CS_KIND_TASK) {
		const gchar *resp = string_field (op->record, "ActivityResponsibleName");
		apply_fields (dto, op->record, "Activity");
		if (has_text (resp) && find_user (self, resp) != 0)
			json_object_set_int_member (dto, "ActivityAssignedTo", find_user (self, resp));
		return TRUE;
	}
	{
		/* an e-mail: a completed activity linked to the person */
		GVariant *pid = cs_record_get_field (op->record, "EmailPersonId");
		const gchar *dir = string_field (op->record, "EmailDirection");
		g_autoptr(GString) memo = g_string_new (NULL);
		gint64 person = 0;
		if (pid != NULL && g_variant_is_of_type (pid, G_VARIANT_TYPE_INT64))
			person = g_variant_get_int64 (pid);
		else if (pid != NULL && g_variant_is_of_type (pid, G_VARIANT_TYPE_STRING))
			person = g_ascii_strtoll (g_variant_get_string (pid, NULL), NULL,
						  10);
		if (person == 0) {
			cs_write_op_set_error (
				op, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				_ ("no webCRM person has this e-mail's address"));
			return FALSE;
		}
		json_object_set_string_member (dto, "ActivityType", EMAIL_TYPE);
		json_object_set_string_member (dto, "ActivityStatus", "Completed");
		json_object_set_string_member (dto, "ActivityAction",
					       g_strcmp0 (dir, "Inbound") == 0
						   ? "Inbound e-mail"
						   : "Outbound e-mail");
		json_object_set_int_member (dto, "ActivityPersonId", person);
		if (!self->b2c) {
			g_autofree gchar *sid
				= g_strdup_printf ("%" G_GINT64_FORMAT, person);
			g_autoptr(JsonObject) p = current_dto (self, CS_KIND_CONTACT,
							       "/Persons", sid, cancellable,
							       &error_local);
			if (p == NULL) {
				cs_write_op_take_error (op, g_steal_pointer (&error_local));
				return FALSE;
			}
			if (json_object_has_member (p, "PersonOrganisationId"))
				json_object_set_member (
				    dto, "ActivityOrganisationId",
				    json_node_copy (json_object_get_member (
					p, "PersonOrganisationId")));
		}
		json_object_set_string_member (
		    dto, "ActivityDescription",
		    string_field (op->record, "EmailSubject") != NULL
			? string_field (op->record, "EmailSubject")
			: "");
		if (string_field (op->record, "EmailDateTime") != NULL)
			json_object_set_string_member (
				dto, "ActivityDateTime",
				string_field (op->record, "EmailDateTime"));
		if (string_field (op->record, "EmailFrom") != NULL)
			g_string_append_printf (memo, "From: %s\n",
						string_field (op->record, "EmailFrom"));
		if (string_field (op->record, "EmailTo") != NULL)
			g_string_append_printf (memo, "To: %s\n",
						string_field (op->record, "EmailTo"));
		if (string_field (op->record, "EmailMessageId") != NULL)
			g_string_append_printf (
				memo, "Message-ID: %s\n",
				string_field (op->record, "EmailMessageId"));
		g_string_append_printf (memo, "\n%s",
					string_field (op->record, "EmailBody") != NULL
					    ? string_field (op->record, "EmailBody")
					    : "");
		json_object_set_string_member (dto, "ActivityMemo", memo->str);
		if (self->me != 0)
			json_object_set_int_member (dto, "ActivityAssignedTo", self->me);
	}
	return TRUE;
}

static gboolean
write_activities (CsWebcrmProvider *self, CsKind kind, GPtrArray *ops, GCancellable *cancellable,
		  GError **error)
{
	g_autoptr(GPtrArray) dtos = g_ptr_array_new_full (ops->len, object_unref0);

	if (!write_dtos (self, kind, "/Activities", "ActivityId",
			 _("webCRM's API cannot delete activities"), fill_activity, ops, dtos,
			 cancellable, error))
		return FALSE;
	remember_sent (self, kind, "ActivityId", ops, dtos);
	return TRUE;
}

static gboolean
fill_organisation (CsWebcrmProvider *self, CsKind kind, CsWriteOp *op, JsonObject *dto,
		   GCancellable *cancellable)
{
	apply_fields (dto, op->record, "Organisation");
	return TRUE;
}

static gboolean
write_organisations (CsWebcrmProvider *self, GPtrArray *ops, GCancellable *cancellable,
		     GError **error)
{
	g_autoptr(GPtrArray) dtos = g_ptr_array_new_full (ops->len, object_unref0);

	if (!write_dtos (self, CS_KIND_ORGANISATION, "/Organisations", "OrganisationId",
			 _("webCRM's API cannot delete organisations"), fill_organisation, ops,
			 dtos, cancellable, error))
		return FALSE;
	/* names may have changed: the cache is rebuilt on the next need */
	self->orgs_complete = FALSE;
	return TRUE;
}

/**
 * cs_webcrm_settle_post:
 * @answer: what POST /Meetings answered: the new id, bare
 *
 * Returns: %FALSE with @error when the answer holds no id (@op is left alone)
 */
gboolean
cs_webcrm_settle_post (CsWriteOp *op, JsonNode *answer, GError **error)
{
	GType type = JSON_NODE_HOLDS_VALUE (answer) ? json_node_get_value_type (answer) : G_TYPE_NONE;
	g_autofree gchar *text = type == G_TYPE_STRING
				     ? g_strstrip (g_strdup (json_node_get_string (answer)))
				     : NULL;

	/* a blank id or one below 1 names no meeting: the create is not done */
	if (text != NULL && text[0] != '\0') {
		cs_write_op_set_done (op, text, NULL);
	} else if (type == G_TYPE_INT64 && json_node_get_int (answer) > 0) {
		g_autofree gchar *s = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (answer));
		cs_write_op_set_done (op, s, NULL);
	} else {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
				     _("webCRM created the meeting but did not say its id"));
		return FALSE;
	}
	return TRUE;
}

static gboolean
write_one_meeting (CsWebcrmProvider *self, CsWriteOp *op, GCancellable *cancellable,
		   GError **error)
{
	g_autoptr(JsonObject) dto = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(JsonNode) answer = NULL;
	const gchar *company;
	g_autofree gchar *path = NULL;
	const gchar *id = cs_record_get_id (op->record);

	if (op->action == CS_WRITE_DELETE) {
		path = meeting_path (id, "?sendCancellations=false");
		answer = cs_webcrm_client_call (self->client, "DELETE", path, NULL, cancellable,
						error);
		if (answer == NULL)
			return FALSE;
		cs_write_op_set_done (op, id, NULL);
		return TRUE;
	}
	if (op->action == CS_WRITE_CREATE) {
		dto = json_object_new ();
		if (self->me == 0) {
			g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID,
					     _("set user= in [crm] to create webCRM meetings"));
			return FALSE;
		}
		{
			g_autofree gchar *uid = g_strdup_printf ("%" G_GINT64_FORMAT, self->me);
			json_object_set_string_member (dto, "MeetingUserId", uid);
		}
		/* creating never sends invitations (DESIGN.md) */
		json_object_set_boolean_member (dto, "MeetingSendInvitations", FALSE);
	} else {
		dto = current_dto (self, CS_KIND_EVENT, "/Meetings", id, cancellable, error);
		if (dto == NULL)
			return FALSE;
		json_object_remove_member (dto, "MeetingUserId");
		json_object_set_string_member (dto, "MeetingSendUpdates", "None");
	}
	apply_fields (dto, op->record, "Meeting");
	/* all-day values are dates; webCRM keeps them as midnight UTC */
	for (guint i = 0; i < 2; i++) {
		const gchar *f = i == 0 ? "MeetingStart" : "MeetingEnd";
		const gchar *v = cs_json_get_string_or (dto, f, NULL);
		if (v != NULL && strlen (v) == 10) {
			g_autofree gchar *full = g_strconcat (v, "T00:00:00Z", NULL);
			json_object_set_string_member (dto, f, full);
		}
	}
	if (cs_record_has_field (op->record, "MeetingAttendeeEmails") &&
	    !meeting_persons (self, dto, cancellable, error))
		return FALSE;
	company = string_field (op->record, "MeetingOrganisationNameDivision");
	if (g_strcmp0 (company, "*") == 0) {
		/* the reference's marker of a private appointment */
		json_object_set_boolean_member (dto, "MeetingIsPrivate", TRUE);
		json_object_set_array_member (dto, "MeetingOrganisations", json_array_new ());
	} else if (has_text (company)) {
		gint64 org;
		if (!ensure_orgs (self, cancellable, error))
			return FALSE;
		org = find_org (self, company);
		if (org != 0) {
			JsonArray *a = json_array_new ();
			JsonObject *o = json_object_new ();
			json_object_set_int_member (o, "OrganisationId", org);
			json_array_add_object_element (a, o);
			json_object_set_array_member (dto, "MeetingOrganisations", a);
		}
	}
	if (!has_text (cs_json_get_string_or (dto, "MeetingDescription", NULL)))
		json_object_set_string_member (
		    dto, "MeetingDescription",
		    cs_json_get_string_or (dto, "MeetingSubject", ""));
	node = json_node_init_object (json_node_alloc (), dto);
	if (op->action == CS_WRITE_CREATE) {
		answer = cs_webcrm_client_call (self->client, "POST", "/Meetings", node,
						cancellable, error);
		if (answer == NULL || !cs_webcrm_settle_post (op, answer, error))
			return FALSE;
	} else {
		path = meeting_path (id, NULL);
		answer = cs_webcrm_client_call (self->client, "PUT", path, node, cancellable,
						error);
		if (answer == NULL)
			return FALSE;
		cs_write_op_set_done (op, id, NULL);
	}
	json_object_set_string_member (dto, "MeetingId", op->id);
	g_hash_table_replace (self->dtos[CS_KIND_EVENT], g_strdup (op->id), json_object_ref (dto));
	return TRUE;
}

static gboolean
cs_webcrm_provider_write (CsProvider *provider, CsKind kind, GPtrArray *ops,
			  GCancellable *cancellable, GError **error)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	g_autoptr(GError) error_local = NULL;
	gboolean ok = TRUE;

	if (self->client == NULL) {
		g_set_error_literal (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_FAILED,
				     "webcrm: write() before open()");
		return FALSE;
	}
	switch (kind) {
	case CS_KIND_CONTACT:
		ok = write_contacts (self, ops, cancellable, &error_local);
		break;
	case CS_KIND_ORGANISATION:
		ok = write_organisations (self, ops, cancellable, &error_local);
		break;
	case CS_KIND_TASK:
	case CS_KIND_EMAIL:
		ok = write_activities (self, kind, ops, cancellable, &error_local);
		break;
	case CS_KIND_EVENT:
		for (guint i = 0; i < ops->len; i++) {
			CsWriteOp *op = g_ptr_array_index (ops, i);
			g_autoptr(GError) err = NULL;
			if (write_one_meeting (self, op, cancellable, &err))
				continue;
			if (is_fatal (err)) {
				fail_ops (ops, i, ops->len, err);
				ok = FALSE;
				error_local = g_steal_pointer (&err);
				break;
			}
			cs_write_op_take_error (op, g_steal_pointer (&err));
		}
		break;
	case CS_KIND_LAST:
	default:
		break;
	}
	if (!ok) {
		if (g_error_matches (error_local, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_THROTTLED))
			cs_provider_set_retry_after (
			    provider, cs_http_client_get_retry_after (
					  cs_webcrm_client_get_http (self->client)));
		g_propagate_prefixed_error (error, g_steal_pointer (&error_local),
					    _("writing webCRM %s: "), cs_kind_to_string (kind));
	}
	return ok;
}

/* ---------------------------------------------------------------------------------------- */
/* find: e-mail → person, key matching */

static gchar *
day_start (GDateTime *dt, gint days)
{
	g_autoptr(GDateTime) d = g_date_time_add_days (dt, days);
	return g_date_time_format (d, "%Y-%m-%dT00:00:00Z");
}

/* the meetings listing is a date window (MEETINGS_PAST_DAYS back, MEETINGS_FUTURE_DAYS
 * ahead): an Outlook appointment outside it may be in webCRM already, unlisted */
static void
cs_webcrm_provider_get_horizon (CsProvider *provider, CsKind kind, CsHorizon *horizon)
{
	g_autoptr(GDateTime) now = NULL;
	g_autofree gchar *from = NULL;
	g_autofree gchar *to = NULL;
	if (kind != CS_KIND_EVENT)
		return;
	now = g_date_time_new_now_utc ();
	from = day_start (now, -MEETINGS_PAST_DAYS);
	to = day_start (now, MEETINGS_FUTURE_DAYS);
	horizon->partial = TRUE;
	horizon->range_field = "MeetingStart";
	cs_time_parse (from, &horizon->from);
	cs_time_parse (to, &horizon->to);
	horizon->find_field = "MeetingStart";
}

/* the user's meetings around a start time, whole (the list leaves out the
 * description), for an appointment that may be outside the listed window */
static GPtrArray *
find_meetings (CsWebcrmProvider *self, GVariant *value, GCancellable *cancellable, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
	g_autoptr(GDateTime) at = NULL;
	g_autofree gchar *from = NULL;
	g_autofree gchar *to = NULL;
	g_autofree gchar *path = NULL;
	gint64 t;

	if (self->me == 0 || value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
	    !cs_time_parse (g_variant_get_string (value, NULL), &t))
		return g_steal_pointer (&out);
	if (!ensure_orgs (self, cancellable, error))
		return NULL;
	at = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);
	from = day_start (at, -1);
	to = day_start (at, 2);
	path = g_strdup_printf ("/Meetings?from=%s&to=%s&userId=%" G_GINT64_FORMAT, from, to, self->me);
	if (!meetings_page (self, path, list, cancellable, error))
		return NULL;
	for (guint i = 0; i < list->len; i++) {
		const gchar *id = cs_json_get_string_or (g_ptr_array_index (list, i), "MeetingId", NULL);
		g_autofree gchar *get = NULL;
		g_autoptr(JsonNode) full = NULL;
		CsRecord *r;
		if (id == NULL)
			continue;
		get = meeting_path (id, NULL);
		full = cs_webcrm_client_call (self->client, "GET", get, NULL, cancellable, error);
		if (full == NULL)
			return NULL;
		if (!JSON_NODE_HOLDS_OBJECT (full))
			continue;
		r = meeting_record (self, json_node_get_object (full));
		if (r != NULL && !cs_record_is_deleted (r))
			g_ptr_array_add (out, r);
		else if (r != NULL)
			cs_record_unref (r);
	}
	return g_steal_pointer (&out);
}

static GPtrArray *
cs_webcrm_provider_find (CsProvider *provider, CsKind kind, const gchar *field, GVariant *value,
			 GCancellable *cancellable, GError **error)
{
	CsWebcrmProvider *self = CS_WEBCRM_PROVIDER (provider);
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, FALSE);
	ReadCtx ctx = {self, sink, kind, NULL,
		       g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0};
	const gchar *table = kind_table (self, kind);
	g_autofree gchar *lit = NULL;
	g_autofree gchar *script = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_record_unref);
	GPtrArray *records;
	gboolean ok;

	if (kind == CS_KIND_EVENT && g_strcmp0 (field, "MeetingStart") == 0) {
		read_ctx_clear (&ctx);
		g_ptr_array_unref (out);
		return find_meetings (self, value, cancellable, error);
	}
	if (table == NULL || kind == CS_KIND_EVENT || !g_str_has_prefix (field, table) ||
	    strspn (field, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") !=
		strlen (field)) {
		read_ctx_clear (&ctx);
		return out;
	}
	if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
		g_autofree gchar *trimmed
			= g_strstrip (g_strdup (g_variant_get_string (value, NULL)));
		lit = cs_webcrm_quote (trimmed);
	} else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64)) {
		lit = g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (value));
	} else {
		read_ctx_clear (&ctx);
		return out;
	}
	/* an address may be a person's first or second e-mail; the lowest id comes first */
	if (g_str_equal (field, "PersonEmail"))
		script = g_strdup_printf ("%s WHERE PersonEmail = %s OR PersonEmail2 = %s ORDER BY "
					  "PersonId ASC",
					  self->b2c ? "SELECT * FROM Person" : PERSON_JOIN, lit,
					  lit);
	else
		script = g_strdup_printf ("SELECT * FROM %s WHERE %s = %s ORDER BY %sId ASC",
					  kind == CS_KIND_CONTACT && !self->b2c ? "Person" : table,
					  field, lit, table);
	if (kind == CS_KIND_CONTACT && !self->b2c && !g_str_equal (field, "PersonEmail"))
		ensure_orgs (self, cancellable, NULL);
	ok = cs_webcrm_client_query (self->client, script, rows_cb, &ctx, cancellable, error);
	read_ctx_clear (&ctx);
	if (!ok) {
		g_ptr_array_unref (out);
		return NULL;
	}
	records = cs_read_sink_get_records (sink);
	for (guint i = 0; i < records->len; i++)
		g_ptr_array_add (out, cs_record_ref (g_ptr_array_index (records, i)));
	return out;
}

/* ---------------------------------------------------------------------------------------- */

/* what the assistant and the settings dialog ask for (the authCode goes to the keyring) */
static const CsSetting webcrm_settings[] = {
    {"url", N_("Address"), CS_SETTING_URL, NULL, "https://api.webcrm.com", FALSE, FALSE},
    {"secret", N_("API key (authCode)"), CS_SETTING_SECRET, NULL, NULL, TRUE, FALSE},
    /* "owned by me" needs the user's login */
    {"user", N_("Login e-mail"), CS_SETTING_TEXT, NULL, NULL, FALSE, FALSE},
    {"tls-fingerprint", N_("Trusted certificate (SHA-256)"), CS_SETTING_TEXT, NULL, NULL, FALSE, TRUE},
    {NULL}};

/* the rules of the webCRM Outlook synchronisation guide, for either edition */
static const CsPreset webcrm_presets[] = {
    {"webcrm-b2b", N_("Companies and their people (B2B)")},
    {"webcrm-b2c", N_("People (B2C)")},
    {NULL}};

static void
cs_webcrm_provider_class_init (CsWebcrmProviderClass *klass)
{
	CsProviderClass *pclass = CS_PROVIDER_CLASS (klass);
	G_OBJECT_CLASS (klass)->finalize = cs_webcrm_provider_finalize;
	pclass->name = "webcrm";
	pclass->description = "webCRM (api.webcrm.com)";
	pclass->display_name = N_("webCRM");
	pclass->presets = webcrm_presets;
	pclass->settings = webcrm_settings;
	pclass->sides = CS_PROVIDER_SIDE_CRM;
	pclass->setup = cs_webcrm_provider_setup;
	pclass->get_caps = cs_webcrm_provider_get_caps;
	pclass->get_schema = cs_webcrm_provider_get_schema;
	pclass->open = cs_webcrm_provider_open;
	pclass->close = cs_webcrm_provider_close;
	pclass->whoami = cs_webcrm_provider_whoami;
	pclass->read_changes = cs_webcrm_provider_read_changes;
	pclass->get = cs_webcrm_provider_get;
	pclass->write = cs_webcrm_provider_write;
	pclass->find = cs_webcrm_provider_find;
	pclass->cursor_after_write = cs_webcrm_provider_cursor_after_write;
	pclass->get_horizon = cs_webcrm_provider_get_horizon;
}

static void
cs_webcrm_provider_init (CsWebcrmProvider *self)
{
	self->rate_limit = 250;
	self->rate_window = 60;
	self->batch_size = 100;
	self->url = g_strdup ("https://api.webcrm.com");
	self->users = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
					     (GDestroyNotify) json_object_unref);
	self->orgs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
					    (GDestroyNotify) json_object_unref);
	self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
						(GDestroyNotify) json_object_unref);
	for (guint i = 0; i < CS_KIND_LAST; i++)
		self->dtos[i] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
						       (GDestroyNotify) json_object_unref);
}

G_MODULE_EXPORT GType cs_provider_query_type (void);

G_MODULE_EXPORT GType
cs_provider_query_type (void)
{
	return CS_TYPE_WEBCRM_PROVIDER;
}
