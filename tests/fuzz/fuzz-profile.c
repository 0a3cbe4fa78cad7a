/* SPDX-License-Identifier: GPL-2.0-or-later */
/* the profile parser: a .ini file's bytes → CsProfile, then every getter */
#include <string.h>

#include "cs-profile.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autofree gchar *text = NULL;
	g_autoptr(CsProfile) profile = NULL;
	g_autoptr(GError) error = NULL;

	fuzz_init ();
	text = fuzz_string (data, size);
	profile = cs_profile_new_from_data (text, "/nonexistent/fuzz.ini", &error);
	if (profile == NULL) {
		g_assert (error != NULL && error->message != NULL);
		return 0;
	}
	(void) cs_profile_get_id (profile);
	(void) cs_profile_get_name (profile);
	(void) cs_profile_get_plugin (profile, CS_SIDE_OUTLOOK);
	(void) cs_profile_get_plugin (profile, CS_SIDE_CRM);
	(void) cs_profile_get_preset (profile);
	(void) cs_profile_get_mapping (profile);
	(void) cs_profile_get_conflict (profile);
	g_free (cs_profile_get_state_path (profile));
	(void) cs_profile_get_interval (profile, CS_SIDE_OUTLOOK);
	(void) cs_profile_get_interval (profile, CS_SIDE_CRM);
	(void) cs_profile_get_sync_on_start (profile);
	(void) cs_profile_get_sync_on_exit (profile);
	(void) cs_profile_get_enabled (profile);
	for (CsKind k = 0; k < CS_KIND_LAST; k++)
		(void) cs_profile_get_kind_config (profile, k);
	return 0;
}
