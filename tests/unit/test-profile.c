/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-profile.h"

static CsProfile *
parse (const gchar *text, GError **error)
{
	return cs_profile_new_from_data (text, "/tmp/sales.ini", error);
}

static void
test_defaults (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) p = parse ("[profile]\ncrm=orocrm   # the CRM plugin\noutlook=pst\n", &error);
	const CsKindConfig *kc;
	g_assert_no_error (error);
	g_assert_cmpstr (cs_profile_get_plugin (p, CS_SIDE_CRM), ==, "orocrm");
	g_assert_cmpuint (cs_profile_get_interval (p, CS_SIDE_CRM), ==, 120);
	g_assert_cmpuint (cs_profile_get_interval (p, CS_SIDE_OUTLOOK), ==, 30);
	g_assert_cmpint (cs_profile_get_conflict (p), ==, CS_CONFLICT_CRM_WINS);
	g_assert_true (cs_profile_get_sync_on_start (p));
	kc = cs_profile_get_kind_config (p, CS_KIND_CONTACT);
	g_assert_cmpint (kc->direction, ==, CS_DIRECTION_BOTH);
	/* both ways: a CRM deletion reaches Outlook, an Outlook deletion is restored */
	g_assert_cmpint (kc->on_crm_delete, ==, CS_DELETE_PROPAGATE);
	g_assert_cmpint (kc->on_outlook_delete, ==, CS_DELETE_RESTORE);
	g_assert_cmpint (cs_profile_get_kind_config (p, CS_KIND_EMAIL)->direction, ==,
			 CS_DIRECTION_OUTLOOK_TO_CRM);
}

static void
test_delete_defaults_follow_direction (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) p = parse ("[profile]\ncrm=folder\noutlook=folder\n"
					"[task]\ndirection=crm-to-outlook\n"
					"[event]\ndirection=outlook-to-crm\n",
					&error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_profile_get_kind_config (p, CS_KIND_TASK)->on_crm_delete, ==, CS_DELETE_IGNORE);
	g_assert_cmpint (cs_profile_get_kind_config (p, CS_KIND_TASK)->on_outlook_delete, ==, CS_DELETE_RESTORE);
	g_assert_cmpint (cs_profile_get_kind_config (p, CS_KIND_EVENT)->on_outlook_delete, ==, CS_DELETE_IGNORE);
	g_assert_cmpint (cs_profile_get_kind_config (p, CS_KIND_EVENT)->on_crm_delete, ==, CS_DELETE_PROPAGATE);
}

static void
test_wrong_value (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) p = parse ("[profile]\ncrm=folder\noutlook=folder\n\n[contact]\n"
					"direction=sideways\n",
					&error);
	g_assert_null (p);
	g_assert_error (error, CS_PROFILE_ERROR, CS_PROFILE_ERROR_INVALID);
	/* one line: file, line, key, value and what is allowed */
	g_assert_null (strchr (error->message, '\n'));
	g_assert_nonnull (strstr (error->message, "/tmp/sales.ini:6"));
	g_assert_nonnull (strstr (error->message, "direction=sideways"));
	g_assert_nonnull (strstr (error->message, "crm-to-outlook"));
}

static void
test_wrong_interval (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) p =
	    parse ("[profile]\ncrm=folder\noutlook=folder\ncrm-interval=86400\n", &error);
	g_assert_null (p);
	g_assert_nonnull (strstr (error->message, "1 to 86399"));
	g_assert_nonnull (strstr (error->message, ":4"));
}

static void
test_unknown_key_and_group (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) p = parse ("[profile]\ncrm=folder\noutlook=folder\nconflicts=manual\n", &error);
	g_assert_null (p);
	g_assert_nonnull (strstr (error->message, "conflicts"));
	g_clear_error (&error);
	p = parse ("[profile]\ncrm=folder\noutlook=folder\n[contacts]\n", &error);
	g_assert_null (p);
	g_assert_nonnull (strstr (error->message, "[contacts]"));
	g_clear_error (&error);
	p = parse ("[profile]\ncrm=salesforce\noutlook=folder\n", &error);
	g_assert_null (p);
	g_assert_nonnull (strstr (error->message, "orocrm, webcrm, folder"));
	g_clear_error (&error);
	p = parse ("[profile]\ncrm=folder\noutlook=folder\n[email]\ndirection=both\n", &error);
	g_assert_null (p);
	g_assert_nonnull (strstr (error->message, "outlook-to-crm"));
}

static void
test_reminder_and_since (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) p = parse ("[profile]\ncrm=folder\noutlook=folder\n[event]\nreminder=3:00\n"
					"[email]\nsince=2026-01-01\nattachments=true\n",
					&error);
	g_assert_no_error (error);
	g_assert_cmpint (cs_profile_get_kind_config (p, CS_KIND_EVENT)->reminder_minutes, ==, 180);
	g_assert_cmpstr (cs_profile_get_kind_config (p, CS_KIND_EMAIL)->since, ==, "2026-01-01");
	g_assert_true (cs_profile_get_kind_config (p, CS_KIND_EMAIL)->attachments);
	g_clear_object (&p);
	p = parse ("[profile]\ncrm=folder\noutlook=folder\n[task]\nreminder=10\n", &error);
	g_assert_null (p);
	g_assert_nonnull (strstr (error->message, "H:MM"));
	g_clear_error (&error);
	p = parse ("[profile]\ncrm=folder\noutlook=folder\n[email]\nsince=2026-13-01\n", &error);
	g_assert_null (p);
	g_assert_nonnull (strstr (error->message, "YYYY-MM-DD"));
}

static void
test_unknown_preset (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) p = parse ("[profile]\ncrm=folder\noutlook=folder\npreset=nope\n", &error);
	g_assert_null (p);
	g_assert_nonnull (strstr (error->message, "preset=nope"));
}

static void
test_state_path (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsProfile) a = cs_profile_new_from_data ("[profile]\ncrm=folder\noutlook=folder\n", "/a/sales.ini", &error);
	g_autoptr(CsProfile) b = cs_profile_new_from_data ("[profile]\ncrm=folder\noutlook=folder\n", "/b/sales.ini", &error);
	g_autofree gchar *pa = cs_profile_get_state_path (a);
	g_autofree gchar *pb = cs_profile_get_state_path (b);
	/* two profiles of the same name never share a state file */
	g_assert_cmpstr (pa, !=, pb);
	g_assert_true (g_str_has_prefix (pa, g_get_user_data_dir ()));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func ("/engine/profile/defaults", test_defaults);
	g_test_add_func ("/engine/profile/delete-defaults", test_delete_defaults_follow_direction);
	g_test_add_func ("/engine/profile/wrong-value", test_wrong_value);
	g_test_add_func ("/engine/profile/wrong-interval", test_wrong_interval);
	g_test_add_func ("/engine/profile/unknown-key-group", test_unknown_key_and_group);
	g_test_add_func ("/engine/profile/reminder-since", test_reminder_and_since);
	g_test_add_func ("/engine/profile/unknown-preset", test_unknown_preset);
	g_test_add_func ("/engine/profile/state-path", test_state_path);
	return g_test_run ();
}
