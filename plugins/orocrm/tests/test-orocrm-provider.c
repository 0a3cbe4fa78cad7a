/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "crmsync-plugin.h"
#include "cs-engine.h"
#include "cs-plugin-loader.h"
#include "cs-sync-plan.h"
#include "oro-test-util.h"

/*
 * The orocrm provider through its own interface against the emulator:
 * profile checks, delta reads (changes, address-only changes, deletions),
 * custom fields, batched writes with one bad record among good ones.
 */

static CsProvider *
make_provider (OroEmu *emu, const gchar *extra, GError **error)
{
	g_autoptr(CsPluginLoader) loader = cs_plugin_loader_new (g_getenv ("CRMSYNC_PLUGIN_DIR"));
	g_autoptr(CsProvider) p = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autofree gchar *key = emu != NULL ? oro_test_path (emu, "key") : g_strdup ("/nonexistent");
	g_autofree gchar *text = g_strdup_printf ("[crm]\nurl=%s\nuser=admin\nsecret-file=%s\n%s",
						  emu != NULL ? emu->url : "https://crm.example.com", key,
						  extra != NULL ? extra : "");

	if (emu != NULL) {
		g_file_set_contents (key, ORO_TEST_KEY, -1, NULL);
		g_chmod (key, 0600);
	}
	g_assert_true (cs_plugin_loader_load_all (loader, NULL));
	p = cs_plugin_loader_create (loader, "orocrm", error);
	g_assert_nonnull (p);
	g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL));
	if (!cs_provider_setup (p, kf, "crm", error))
		return NULL;
	return g_steal_pointer (&p);
}

static void
test_setup_errors (void)
{
	struct {
		const gchar *extra;
		const gchar *needle;
	} cases[] = {
	    {"auth=basic\n", "auth=basic is not known (allowed: wsse, oauth)"},
	    {"colour=blue\n", "colour=blue: unknown key (allowed:"},
	    {"tls-fingerprint=12:34\n", "not a SHA-256 fingerprint"},
	};
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CsProvider) p = make_provider (NULL, cases[i].extra, &error);
		g_assert_null (p);
		g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
		g_assert_nonnull (strstr (error->message, cases[i].needle));
		g_assert_null (strchr (error->message, '\n'));
	}
}

static GPtrArray *
read_kind (CsProvider *p, CsKind kind, const gchar *cursor, gchar **new_cursor, gboolean *complete)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsReadSink) sink = cs_read_sink_new (kind, cursor == NULL);
	GPtrArray *out;
	g_assert_true (cs_provider_read_changes (p, kind, cursor, sink, NULL, &error));
	g_assert_no_error (error);
	*new_cursor = g_strdup (cs_read_sink_get_cursor (sink));
	*complete = cs_read_sink_get_complete (sink);
	out = g_ptr_array_ref (cs_read_sink_get_records (sink));
	return out;
}

static CsRecord *
by_id (GPtrArray *records, const gchar *id)
{
	for (guint i = 0; i < records->len; i++) {
		if (g_strcmp0 (cs_record_get_id (records->pdata[i]), id) == 0)
			return records->pdata[i];
	}
	return NULL;
}

static void
test_delta (void)
{
	static const gchar *gen[] = {"--generate=30", NULL};
	g_autoptr(OroEmu) emu = oro_emu_start (gen);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProvider) p = make_provider (emu, NULL, &error);
	g_autofree gchar *c1 = NULL;
	g_autofree gchar *c2 = NULL;
	g_autofree gchar *c3 = NULL;
	g_autofree gchar *c4 = NULL;
	g_autofree gchar *c5 = NULL;
	gboolean complete;
	guint status = 0;
	g_autoptr(GHashTable) versions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

	g_assert_no_error (error);
	g_assert_true (cs_provider_open (p, NULL, &error));
	g_assert_no_error (error);
	{
		g_autofree gchar *me = cs_provider_whoami (p, NULL, &error);
		g_assert_cmpstr (me, ==, "1");
	}
	{
		g_autoptr(GPtrArray) all = read_kind (p, CS_KIND_CONTACT, NULL, &c1, &complete);
		CsRecord *first = by_id (all, "1");
		g_assert_cmpuint (all->len, ==, 30);
		g_assert_true (complete);
		g_assert_nonnull (c1);
		/* generated contact 1 has a billing address in DK: flattened, country by name */
		g_assert_cmpstr (cs_record_get_string (first, "billingCountry"), ==, "Denmark");
		g_assert_nonnull (cs_record_get_string (first, "billingStreet"));
		g_assert_true (g_variant_is_of_type (cs_record_get_field (first, "emails"), G_VARIANT_TYPE_STRING_ARRAY));
		g_assert_cmpstr (cs_record_get_string (first, "owner"), ==, "1");
		g_assert_nonnull (cs_record_get_version (first));
		for (guint i = 0; i < all->len; i++)
			g_hash_table_insert (versions, g_strdup (cs_record_get_id (all->pdata[i])),
					     g_strdup (cs_record_get_version (all->pdata[i])));
	}
	{
		/* nothing changed: not a full listing; only the newest second is
		 * read again (a change within it must not be missed), unchanged */
		g_autoptr(GPtrArray) none = read_kind (p, CS_KIND_CONTACT, c1, &c2, &complete);
		g_assert_cmpuint (none->len, <=, 1);
		for (guint i = 0; i < none->len; i++)
			g_assert_cmpstr (cs_record_get_version (none->pdata[i]), ==,
					 g_hash_table_lookup (versions, cs_record_get_id (none->pdata[i])));
		g_assert_false (complete);
	}
	/* a change to a contact, and one to another contact's address only */
	g_autoptr(JsonNode) j1 = oro_emu_call (emu, "PATCH", "/api/contacts/5",
					       "{\"data\":{\"type\":\"contacts\",\"id\":\"5\",\"attributes\":{\"jobTitle\":\"Direktør\"}}}",
					       &status);
	g_assert_cmpuint (status, ==, 200);
	g_autoptr(JsonNode) j2 = oro_emu_call (emu, "PATCH", "/api/contactaddresses/3",
					       "{\"data\":{\"type\":\"contactaddresses\",\"id\":\"3\",\"attributes\":{\"city\":\"Skagen\"}}}",
					       &status);
	g_assert_cmpuint (status, ==, 200);
	{
		g_autoptr(GPtrArray) changed = read_kind (p, CS_KIND_CONTACT, c2, &c3, &complete);
		g_assert_false (complete);
		g_assert_nonnull (by_id (changed, "5"));
		g_assert_cmpstr (cs_record_get_string (by_id (changed, "5"), "jobTitle"), ==, "Direktør");
		/* address 3 belongs to contact 7 (every third contact has one) */
		g_assert_nonnull (by_id (changed, "7"));
		g_assert_cmpstr (cs_record_get_string (by_id (changed, "7"), "billingCity"), ==, "Skagen");
	}
	/* a deletion: Oro keeps no tombstone, so the read lists everything */
	g_autoptr(JsonNode) j3 = oro_emu_call (emu, "DELETE", "/api/contacts/9", NULL, &status);
	g_assert_cmpuint (status, ==, 204);
	{
		g_autoptr(GPtrArray) all = read_kind (p, CS_KIND_CONTACT, c3, &c4, &complete);
		g_assert_true (complete);
		g_assert_cmpuint (all->len, ==, 29);
		g_assert_null (by_id (all, "9"));
	}
	{
		g_autoptr(GPtrArray) again = read_kind (p, CS_KIND_CONTACT, c4, &c5, &complete);
		g_assert_false (complete);
		g_assert_null (by_id (again, "9"));
	}
	{
		/* events: no deltas in the REST API, always a full listing of my calendar */
		g_autofree gchar *ec = NULL;
		g_autoptr(GPtrArray) events = read_kind (p, CS_KIND_EVENT, NULL, &ec, &complete);
		g_assert_true (complete);
		g_assert_cmpuint (events->len, ==, 24);
		for (guint i = 0; i < events->len; i++) {
			CsRecord *e = events->pdata[i];
			if (cs_record_get_bool (e, "allDay", FALSE))
				g_assert_cmpuint (strlen (cs_record_get_string (e, "start")), ==, 10);
		}
	}
	cs_provider_close (p);
}

static void
test_custom_and_write (void)
{
	g_autofree gchar *dir = g_dir_make_tmp ("oro-seed-XXXXXX", NULL);
	g_autofree gchar *seed = g_build_filename (dir, "seed.json", NULL);
	g_autofree gchar *arg = g_strdup_printf ("--seed=%s", seed);
	const gchar *args[] = {arg, NULL};
	g_autoptr(OroEmu) emu = NULL;
	g_autoptr(CsProvider) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(CsSchema) schema = NULL;
	const CsFieldSpec *spec;

	g_file_set_contents (seed,
			     "{\"customFields\":{\"contacts\":{\"customerNumber\":\"string\"}},\"contacts\":[{\"type\":\"contacts\","
			     "\"attributes\":{\"firstName\":\"Bo\",\"lastName\":\"Bøgh\",\"customerNumber\":\"K-7\"}}]}",
			     -1, NULL);
	emu = oro_emu_start (args);
	oro_test_rm_rf (dir);
	p = make_provider (emu, "auth=oauth\n", &error);
	g_assert_true (cs_provider_open (p, NULL, &error));
	g_assert_no_error (error);

	/* the custom field comes from the API's own documents */
	schema = cs_provider_get_schema (p, CS_KIND_CONTACT, &error);
	spec = cs_schema_lookup (schema, "customerNumber");
	g_assert_nonnull (spec);
	g_assert_true (spec->custom);
	g_assert_nonnull (cs_schema_lookup (schema, "billingStreet"));

	/* 150 creates (two batches), one of them invalid, an update and a delete */
	for (guint i = 0; i < 150; i++) {
		g_autoptr(CsRecord) r = cs_record_new (CS_KIND_CONTACT, NULL);
		g_autofree gchar *last = g_strdup_printf ("Æbelø %u", i);
		g_autofree gchar *num = g_strdup_printf ("K-%u", 100 + i);
		if (i != 77) {
			cs_record_set_string (r, "lastName", last);
			cs_record_set_string (r, "customerNumber", num);
		} else {
			/* no name, e-mail or phone: Oro refuses it */
			cs_record_set_string (r, "jobTitle", "Nobody");
		}
		if (i == 3) {
			cs_record_set_string (r, "shippingStreet", "Strandvejen 1\nBaghuset");
			cs_record_set_string (r, "shippingCountry", "Sweden");
		}
		g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, r));
	}
	{
		g_autoptr(CsRecord) u = cs_record_new (CS_KIND_CONTACT, "1");
		g_autoptr(CsRecord) d = cs_record_new_tombstone (CS_KIND_CONTACT, "1");
		const gchar *emails[] = {"bo@example.dk", "bo.privat@example.dk", NULL};
		cs_record_set_field (u, "emails", g_variant_new_strv (emails, -1));
		g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_UPDATE, u));
		g_assert_true (cs_provider_write (p, CS_KIND_CONTACT, ops, NULL, &error));
		g_assert_no_error (error);
		for (guint i = 0; i < ops->len; i++) {
			CsWriteOp *op = ops->pdata[i];
			if (i == 77) {
				g_assert_error (op->error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_INVALID);
				g_assert_nonnull (strstr (op->error->message, "At least one of the fields"));
			} else {
				g_assert_no_error (op->error);
				g_assert_nonnull (op->id);
			}
		}
		{
			g_autoptr(GHashTable) all = oro_emu_list (emu, "contacts");
			JsonObject *one = g_hash_table_lookup (all, "1");
			JsonObject *fourth = g_hash_table_lookup (all, ((CsWriteOp *) ops->pdata[3])->id);
			g_assert_cmpuint (g_hash_table_size (all), ==, 150);
			g_assert_cmpstr (oro_attr (one, "primaryEmail"), ==, "bo@example.dk");
			g_assert_cmpstr (oro_attr (one, "customerNumber"), ==, "K-7");
			g_assert_cmpstr (oro_attr (fourth, "customerNumber"), ==, "K-103");
		}
		{
			g_autoptr(JsonNode) a = oro_emu_call (emu, "GET", "/api/contactaddresses", NULL, NULL);
			JsonArray *data = json_object_get_array_member (json_node_get_object (a), "data");
			JsonObject *addr = json_array_get_object_element (data, 0);
			JsonObject *rels = json_object_get_object_member (addr, "relationships");
			g_assert_cmpuint (json_array_get_length (data), ==, 1);
			g_assert_cmpstr (oro_attr (addr, "street"), ==, "Strandvejen 1");
			g_assert_cmpstr (oro_attr (addr, "street2"), ==, "Baghuset");
			g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
					     json_object_get_object_member (rels, "country"), "data"), "id"), ==, "SE");
		}
		{
			/* an update of the address alone: the address changes, the contact's
			 * other values stay */
			g_autofree gchar *cid = g_strdup (((CsWriteOp *) ops->pdata[3])->id);
			g_autoptr(CsRecord) a = cs_record_new (CS_KIND_CONTACT, cid);
			g_autoptr(CsRecord) cur = cs_record_new (CS_KIND_CONTACT, cid);
			g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
			CsWriteOp *op;
			g_autoptr(JsonNode) after = NULL;
			JsonObject *addr;
			cs_record_set_string (cur, "shippingStreet", "Strandvejen 1\nBaghuset");
			cs_record_set_string (cur, "shippingCountry", "Sweden");
			cs_record_set_string (a, "shippingCity", "Malmö");
			op = cs_write_op_new (CS_WRITE_UPDATE, a);
			op->current = cs_record_ref (cur);
			g_ptr_array_add (one, op);
			g_assert_true (cs_provider_write (p, CS_KIND_CONTACT, one, NULL, &error));
			g_assert_no_error (op->error);
			after = oro_emu_call (emu, "GET", "/api/contactaddresses", NULL, NULL);
			addr = json_array_get_object_element (json_object_get_array_member (json_node_get_object (after), "data"), 0);
			g_assert_cmpstr (oro_attr (addr, "city"), ==, "Malmö");
			g_assert_cmpstr (oro_attr (addr, "street"), ==, "Strandvejen 1");
		}
		g_ptr_array_set_size (ops, 0);
		g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_DELETE, d));
		g_assert_true (cs_provider_write (p, CS_KIND_CONTACT, ops, NULL, &error));
		g_assert_no_error (((CsWriteOp *) ops->pdata[0])->error);
	}
	{
		g_autoptr(GHashTable) all = oro_emu_list (emu, "contacts");
		g_assert_false (g_hash_table_contains (all, "1"));
	}
	cs_provider_close (p);
}

/* a recurring event's rule, Outlook shape → Oro → Outlook shape, unchanged */
static void
test_recurrence (void)
{
	static const gchar *gen[] = {"--generate=1", NULL};
	g_autoptr(OroEmu) emu = oro_emu_start (gen);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProvider) p = make_provider (emu, NULL, &error);
	g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(CsRecord) e = cs_record_new (CS_KIND_EVENT, NULL);
	g_autoptr(JsonNode) rec_json = json_from_string (
	    "{\"pattern\":{\"type\":\"relativeMonthly\",\"interval\":2,\"daysOfWeek\":[\"friday\"],\"index\":\"last\"},"
	    "\"range\":{\"type\":\"endDate\",\"startDate\":\"2025-01-31\",\"endDate\":\"2025-12-31\","
	    "\"recurrenceTimeZone\":\"Europe/Copenhagen\"}}", NULL);
	g_autoptr(GVariant) rec = cs_json_to_value (rec_json);
	g_autofree gchar *cursor = NULL;
	g_autoptr(GPtrArray) events = NULL;
	CsRecord *back = NULL;
	gboolean complete;

	g_assert_true (cs_provider_open (p, NULL, &error));
	g_assert_no_error (error);
	cs_record_set_string (e, "title", "Fredagsbar");
	cs_record_set_string (e, "start", "2025-01-31T15:00:00Z");
	cs_record_set_string (e, "end", "2025-01-31T17:00:00Z");
	cs_record_set_bool (e, "allDay", FALSE);
	cs_record_set_field (e, "recurrence", g_variant_ref (rec));
	g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, e));
	g_assert_true (cs_provider_write (p, CS_KIND_EVENT, ops, NULL, &error));
	g_assert_no_error (((CsWriteOp *) ops->pdata[0])->error);
	{
		g_autofree gchar *path = g_strdup_printf ("/api/rest/latest/calendarevents/%s",
							  ((CsWriteOp *) ops->pdata[0])->id);
		g_autoptr(JsonNode) got = oro_emu_call (emu, "GET", path, NULL, NULL);
		JsonObject *r = json_object_get_object_member (json_node_get_object (got), "recurrence");
		g_assert_cmpstr (json_object_get_string_member (r, "recurrenceType"), ==, "monthnth");
		g_assert_cmpint (json_object_get_int_member (r, "instance"), ==, 5);
		g_assert_cmpint (json_object_get_int_member (r, "interval"), ==, 2);
	}
	events = read_kind (p, CS_KIND_EVENT, NULL, &cursor, &complete);
	for (guint i = 0; i < events->len; i++) {
		if (g_strcmp0 (cs_record_get_string (events->pdata[i], "title"), "Fredagsbar") == 0)
			back = events->pdata[i];
	}
	g_assert_nonnull (back);
	g_assert_true (cs_value_equal (cs_record_get_field (back, "recurrence"), rec));
	cs_provider_close (p);
}

/* the desktop case: the API key in the keyring, no secret-file= */
static void
test_keyring (void)
{
	static const gchar *gen[] = {"--generate=3", NULL};
	g_autoptr(CsSecrets) secrets = NULL;
	g_autoptr(OroEmu) emu = NULL;
	g_autoptr(CsPluginLoader) loader = cs_plugin_loader_new (g_getenv ("CRMSYNC_PLUGIN_DIR"));
	g_autoptr(CsProvider) p = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *profile_id = g_strdup_printf ("oro-keyring-test-%d", (gint) getpid ());

	g_unsetenv ("CRMSYNC_SECRETS");
	secrets = cs_secrets_new ();
	if (!cs_secrets_uses_keyring (secrets)) {
		g_test_skip ("no keyring on this session bus");
		return;
	}
	emu = oro_emu_start (gen);
	g_assert_true (cs_plugin_loader_load_all (loader, NULL));
	p = cs_plugin_loader_create (loader, "orocrm", &error);
	g_assert_no_error (error);
	text = g_strdup_printf ("[crm]\nurl=%s\nuser=admin\n", emu->url);
	g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL));
	g_assert_true (cs_provider_setup (p, kf, "crm", &error));
	cs_provider_set_secrets (p, secrets, profile_id, CS_SIDE_CRM);
	/* nothing stored yet: a clear AUTH error, not a crash or a request */
	g_assert_false (cs_provider_open (p, NULL, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_AUTH);
	g_clear_error (&error);
	g_assert_true (cs_secrets_store (secrets, profile_id, CS_SIDE_CRM, "secret", ORO_TEST_KEY, &error));
	g_assert_no_error (error);
	g_assert_true (cs_provider_open (p, NULL, &error));
	g_assert_no_error (error);
	cs_provider_close (p);
	cs_secrets_clear (secrets, profile_id, CS_SIDE_CRM, "secret", NULL);
}

static guint
files_in (const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
	guint n = 0;
	while (d != NULL && g_dir_read_name (d) != NULL)
		n++;
	return n;
}

/* a Sync all whose preview the user unticked one create in: the run moves
 * OroCRM's change cursor past that contact, yet the next plain run still
 * creates it (read again by id), since unticking means "not now" */
static void
test_unticked_read_again (void)
{
	const gchar *seed =
	    "{\"contacts\":["
	    "{\"type\":\"contacts\",\"id\":\"1\",\"attributes\":{\"firstName\":\"Ada\","
	    "\"lastName\":\"Lovelace\",\"updatedAt\":\"2025-01-01T00:00:00Z\"}},"
	    "{\"type\":\"contacts\",\"id\":\"2\",\"attributes\":{\"firstName\":\"Karen\","
	    "\"lastName\":\"Blixen\",\"updatedAt\":\"2025-01-01T00:00:00Z\"}},"
	    "{\"type\":\"contacts\",\"id\":\"3\",\"attributes\":{\"firstName\":\"Søren\","
	    "\"lastName\":\"Kierkegaard\",\"updatedAt\":\"2025-06-01T00:00:00Z\"}}]}";
	g_autofree gchar *tmp = g_dir_make_tmp ("oro-untick-XXXXXX", NULL);
	g_autofree gchar *seed_file = g_build_filename (tmp, "seed.json", NULL);
	g_autofree gchar *seed_arg = g_strdup_printf ("--seed=%s", seed_file);
	const gchar *args[] = {seed_arg, NULL};
	OroEmu *emu;
	g_autofree gchar *key = NULL;
	g_autofree gchar *outlook = NULL;
	g_autofree gchar *contacts = NULL;
	g_autofree gchar *profile_path = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(CsSecrets) secrets = NULL;
	g_autoptr(CsEngine) engine = NULL;
	g_autoptr(CsSyncPlan) plan = NULL;
	g_autoptr(CsRunReport) r1 = NULL;
	g_autoptr(CsRunReport) r2 = NULL;
	g_autoptr(CsRunReport) r3 = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *items;
	guint creates = 0;

	g_assert_true (g_file_set_contents (seed_file, seed, -1, NULL));
	emu = oro_emu_start (args);
	oro_test_rm_rf (tmp);
	key = oro_test_path (emu, "key");
	g_file_set_contents (key, ORO_TEST_KEY, -1, NULL);
	g_chmod (key, 0600);
	outlook = oro_test_path (emu, "outlook");
	contacts = g_build_filename (outlook, "contact", NULL);
	profile_path = oro_test_path (emu, "profile.ini");
	text = g_strdup_printf ("[profile]\nname=Untick\ncrm=orocrm\noutlook=folder\npreset=orocrm\n"
				"state=state.db\n[crm]\nurl=%s\nuser=admin\nsecret-file=key\n"
				"[outlook]\npath=outlook\nschema=outlook\n[contact]\ndirection=both\n"
				"[task]\ndirection=none\n[event]\ndirection=none\n",
				emu->url);
	g_assert_true (g_file_set_contents (profile_path, text, -1, NULL));
	profile = cs_profile_load (profile_path, &error);
	g_assert_no_error (error);
	secrets = cs_secrets_new_for_dir (emu->dir);
	engine = cs_engine_new (profile, secrets, &error);
	g_assert_no_error (error);

	plan = cs_engine_prepare (engine, CS_RUN_FLAG_ALL, NULL, &error);
	g_assert_no_error (error);
	items = cs_sync_plan_get_items (plan);
	for (guint i = 0; i < items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (items, i);
		if (it->kind != CS_KIND_CONTACT || !it->create[CS_SIDE_OUTLOOK])
			continue;
		creates++;
		if (g_strcmp0 (cs_record_get_string (it->crm, "lastName"), "Blixen") == 0)
			it->selected = FALSE;
	}
	g_assert_cmpuint (creates, ==, 3);
	r1 = cs_engine_apply_run (engine, plan, CS_RUN_FLAG_ALL, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (files_in (contacts), ==, 2);
	/* a plain run reads OroCRM's changes since the newest it saw (Søren
	 * Kierkegaard's): Karen Blixen, older and unchanged, is not among them */
	r2 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (files_in (contacts), ==, 3);
	/* settled */
	r3 = cs_engine_run (engine, CS_RUN_FLAG_NONE, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (files_in (contacts), ==, 3);
	g_clear_object (&engine);
	oro_emu_stop (emu);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/orocrm/provider/setup-errors", test_setup_errors);
	g_test_add_func ("/orocrm/provider/delta", test_delta);
	g_test_add_func ("/orocrm/provider/custom-fields-and-batch-write", test_custom_and_write);
	g_test_add_func ("/orocrm/provider/recurrence", test_recurrence);
	g_test_add_func ("/orocrm/provider/keyring", test_keyring);
	g_test_add_func ("/orocrm/engine/unticked-read-again", test_unticked_read_again);
	return g_test_run ();
}
