/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The webCRM presets, mappings and schema as compiled into libcrmsync: they load, they
 * carry the guide's rules, and every field they name exists in its schema.
 */
#include "config.h"

#include <string.h>

#include "crmsync-plugin.h"
#include "cs-mapping.h"
#include "cs-profile.h"

static CsProfile *
profile_for (const gchar *preset)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = g_strdup_printf (
	    "[profile]\nname=T\ncrm=webcrm\noutlook=folder\npreset=%s\n[crm]\n[outlook]\n", preset);
	CsProfile *p = cs_profile_new_from_data (text, NULL, &error);
	g_assert_no_error (error);
	return p;
}

static void
test_presets (void)
{
	const gchar *presets[] = {"webcrm-b2b", "webcrm-b2c"};
	for (guint i = 0; i < G_N_ELEMENTS (presets); i++) {
		g_autoptr(CsProfile) p = profile_for (presets[i]);
		const CsKindConfig *contact = cs_profile_get_kind_config (p, CS_KIND_CONTACT);
		const CsKindConfig *task = cs_profile_get_kind_config (p, CS_KIND_TASK);
		const CsKindConfig *event = cs_profile_get_kind_config (p, CS_KIND_EVENT);
		const CsKindConfig *email = cs_profile_get_kind_config (p, CS_KIND_EMAIL);

		g_assert_cmpstr (cs_profile_get_mapping (p), ==, presets[i]);
		g_assert_cmpint (contact->direction, ==, CS_DIRECTION_BOTH);
		g_assert_cmpint (task->direction, ==, CS_DIRECTION_BOTH);
		g_assert_cmpint (event->direction, ==, CS_DIRECTION_BOTH);
		/* "when the Outlook user is assigned as responsible" */
		g_assert_cmpint (task->condition, ==, CS_CONDITION_OWNED);
		g_assert_cmpint (event->condition, ==, CS_CONDITION_OWNED);
		g_assert_cmpint (contact->condition, ==,
				 i == 0 ? CS_CONDITION_OWNED : CS_CONDITION_ALL);
		/* reminders 0:10 and 3:00 */
		g_assert_cmpint (task->reminder_minutes, ==, 10);
		g_assert_cmpint (event->reminder_minutes, ==, 180);
		/* e-mails only to the CRM, never attachments */
		g_assert_cmpint (email->direction, ==, CS_DIRECTION_OUTLOOK_TO_CRM);
		g_assert_false (email->attachments);
		/* deletions never propagate, either way */
		for (CsKind k = CS_KIND_CONTACT; k <= CS_KIND_EVENT; k++) {
			const CsKindConfig *c = cs_profile_get_kind_config (p, k);
			if (c->direction == CS_DIRECTION_NONE)
				continue;
			g_assert_cmpint (c->on_crm_delete, ==, CS_DELETE_IGNORE);
			g_assert_cmpint (c->on_outlook_delete, ==, CS_DELETE_IGNORE);
		}
	}
}

/* every field a mapping names is in the webcrm or the outlook schema */
static void
test_mapping_fields_exist (void)
{
	const gchar *names[] = {"webcrm-b2b", "webcrm-b2c"};
	for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CsMapping) m = cs_mapping_load (names[i], NULL, &error);
		g_assert_no_error (error);
		g_assert_cmpstr (cs_mapping_get_schema_name (m, CS_SIDE_CRM), ==, "webcrm");
		for (CsKind k = 0; k < CS_KIND_LAST; k++) {
			g_autoptr(CsSchema) crm = NULL;
			g_autoptr(CsSchema) outlook = NULL;
			const gchar *const *key;
			const gchar *owner;
			if (!cs_mapping_has_kind (m, k))
				continue;
			crm = cs_schema_load_builtin ("webcrm", k, &error);
			g_assert_no_error (error);
			outlook = cs_schema_load_builtin ("outlook", k, &error);
			g_assert_no_error (error);
			key = cs_mapping_get_key (m, k);
			for (guint j = 0; key != NULL && key[j] != NULL; j++)
				g_assert_nonnull (cs_schema_lookup (crm, key[j]));
			owner = cs_mapping_get_owner_field (m, k);
			if (owner != NULL)
				g_assert_nonnull (cs_schema_lookup (crm, owner));
		}
		{
			/* the rows, through the JSON the mapping window edits */
			g_autofree gchar *json = cs_mapping_to_json (m);
			g_autoptr(JsonParser) parser = json_parser_new ();
			JsonObject *kinds;
			g_autoptr(GList) kl = NULL;
			g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
			kinds = json_object_get_object_member (
			    json_node_get_object (json_parser_get_root (parser)), "kinds");
			kl = json_object_get_members (kinds);
			for (GList *l = kl; l != NULL; l = l->next) {
				CsKind k;
				JsonArray *rows;
				g_autoptr(CsSchema) crm = NULL;
				g_autoptr(CsSchema) outlook = NULL;
				g_assert_true (cs_kind_from_string (l->data, &k));
				crm = cs_schema_load_builtin ("webcrm", k, NULL);
				outlook = cs_schema_load_builtin ("outlook", k, NULL);
				rows = json_object_get_array_member (
				    json_object_get_object_member (kinds, l->data), "rows");
				for (guint r = 0; rows != NULL && r < json_array_get_length (rows);
				     r++) {
					JsonObject *row = json_array_get_object_element (rows, r);
					const gchar *c
						= json_object_get_string_member_with_default (
							row, "crm", NULL);
					JsonNode *o = json_object_get_member (row, "outlook");
					if (c != NULL && cs_schema_lookup (crm, c) == NULL)
						g_error ("%s: %s row %s: not a webcrm field",
							 names[i], (gchar *)l->data, c);
					if (o != NULL && JSON_NODE_HOLDS_VALUE (o)
					    && cs_schema_lookup (outlook, json_node_get_string (o))
						       == NULL)
						g_error ("%s: %s row %s: not an outlook field",
							 names[i], (gchar *)l->data,
							 json_node_get_string (o));
				}
			}
		}
	}
}

/* the validity rules with their reasons, as users see them in the report */
static void
test_require_to_crm (void)
{
	g_autoptr(CsMapping) b2b = cs_mapping_load ("webcrm-b2b", NULL, NULL);
	g_autoptr(CsMapping) b2c = cs_mapping_load ("webcrm-b2c", NULL, NULL);
	g_autoptr(CsRecord) no_company = cs_record_new (CS_KIND_CONTACT, "o1");
	g_autoptr(CsRecord) no_mail = cs_record_new (CS_KIND_CONTACT, "o2");
	g_autoptr(CsRecord) done = cs_record_new (CS_KIND_TASK, "1");
	g_autofree gchar *r1 = NULL;
	g_autofree gchar *r2 = NULL;
	g_autofree gchar *r3 = NULL;

	cs_record_set_string (no_company, "givenName", "Ann");
	cs_record_set_string (no_company, "email1", "ann@example.org");
	g_assert_false (cs_mapping_check_to_crm (b2b, CS_KIND_CONTACT, no_company, &r1));
	g_assert_nonnull (strstr (r1, "company"));
	g_assert_true (cs_mapping_check_to_crm (b2c, CS_KIND_CONTACT, no_company, NULL));

	cs_record_set_string (no_mail, "givenName", "Bo");
	cs_record_set_string (no_mail, "companyName", "Grøn Energi A/S");
	g_assert_true (cs_mapping_check_to_crm (b2b, CS_KIND_CONTACT, no_mail, NULL));
	g_assert_false (cs_mapping_check_to_crm (b2c, CS_KIND_CONTACT, no_mail, &r2));
	g_assert_nonnull (strstr (r2, "e-mail"));

	cs_record_set_string (done, "ActivityStatus", "Completed");
	g_assert_false (cs_mapping_allows_to_outlook (b2b, CS_KIND_TASK, done, &r3));
	g_assert_nonnull (strstr (r3, "completed"));
	cs_record_set_string (done, "ActivityStatus", "Active");
	g_assert_true (cs_mapping_allows_to_outlook (b2b, CS_KIND_TASK, done, NULL));
}

/* Outlook task statuses both ways, as the guide's status row */
static void
test_task_status (void)
{
	g_autoptr(CsMapping) m = cs_mapping_load ("webcrm-b2b", NULL, NULL);
	const gchar *outlook[] = {"notStarted", "inProgress", "completed", "waitingOnOthers",
				  "deferred"};
	const gchar *crm[] = {"Planned", "Active", "Completed", "Active", "Active"};

	for (guint i = 0; i < G_N_ELEMENTS (outlook); i++) {
		g_autoptr(CsRecord) o = cs_record_new (CS_KIND_TASK, "o");
		g_autoptr(CsRecord) c = cs_record_new (CS_KIND_TASK, NULL);
		g_autoptr(GHashTable) values = NULL;
		cs_record_set_string (o, "status", outlook[i]);
		values = cs_mapping_extract (m, CS_KIND_TASK, CS_SIDE_OUTLOOK, o);
		cs_mapping_apply (m, CS_KIND_TASK, CS_SIDE_CRM, values, NULL, NULL, c);
		g_assert_cmpstr (cs_record_get_string (c, "ActivityStatus"), ==, crm[i]);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/webcrm/data/presets", test_presets);
	g_test_add_func ("/webcrm/data/mapping-fields-exist", test_mapping_fields_exist);
	g_test_add_func ("/webcrm/data/require-to-crm", test_require_to_crm);
	g_test_add_func ("/webcrm/data/task-status", test_task_status);
	return g_test_run ();
}
