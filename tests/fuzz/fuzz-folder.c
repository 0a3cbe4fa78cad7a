/* SPDX-License-Identifier: GPL-2.0-or-later */
/* the folder provider's record reader: one <id>.json file's bytes → CsRecord */
#include <string.h>

#include "../../plugins/folder/cs-folder-private.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRecord) rec = NULL;
	CsKind kind = size > 0 ? (CsKind) (data[0] % CS_KIND_LAST) : CS_KIND_CONTACT;

	fuzz_init ();
	rec = cs_folder_record_from_data (kind, "fuzz", (const gchar *) data, size, &error);
	if (rec == NULL) {
		g_assert (error != NULL && error->message != NULL);
		return 0;
	}
	g_assert (cs_record_get_version (rec) != NULL);
	{
		/* the folder writes records back as cs_json_to_data() makes them: what it
		 * reads back must be the same fields, or the write is refused (a number
		 * JSON has no form for) */
		g_autoptr(JsonNode) node = cs_json_from_fields (rec);
		g_autofree gchar *text = cs_json_to_data (node, TRUE, &error);
		g_autoptr(CsRecord) back = NULL;
		g_autofree gchar *h1 = cs_record_hash_fields (rec, NULL);
		g_autofree gchar *h2 = NULL;
		if (text == NULL) {
			g_assert (error != NULL && error->message != NULL);
			return 0;
		}
		back = cs_folder_record_from_data (kind, "fuzz", text, strlen (text), &error);
		if (back == NULL)
			g_error ("a record written back does not read: %s\n%s", error->message, text);
		h2 = cs_record_hash_fields (back, NULL);
		if (g_strcmp0 (h1, h2) != 0)
			g_error ("a record written back reads differently:\n%s", text);
	}
	return 0;
}
