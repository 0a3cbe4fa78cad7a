/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mapping JSON loader: bytes → CsMapping; a mapping that loads is written
 * back, loaded again, and used both ways on a record holding every field it names.
 */
#include <string.h>

#include "cs-mapping.h"
#include "fuzz-common.h"

static void
exercise (CsMapping *mapping, CsKind kind)
{
	GPtrArray *rows = cs_mapping_get_rows (mapping, kind);
	g_autoptr(CsRecord) outlook = cs_record_new (kind, "o1");
	g_autoptr(CsRecord) crm = cs_record_new (kind, "c1");
	g_autoptr(GHashTable) from_outlook = NULL;
	g_autoptr(GHashTable) from_crm = NULL;
	g_autoptr(CsRecord) out_crm = cs_record_new (kind, "c1");
	g_autoptr(CsRecord) out_outlook = cs_record_new (kind, "o1");
	g_autofree gchar *key = NULL;
	g_autofree gchar *why = NULL;
	g_autofree gchar *why2 = NULL;
	guint n = 0;

	for (guint i = 0; rows != NULL && i < rows->len; i++) {
		CsMappingRow *row = g_ptr_array_index (rows, i);
		g_autofree gchar *v = g_strdup_printf ("value %u; b; 2024-01-0%u", i, i % 9 + 1);
		if (row->crm != NULL)
			cs_record_set_string (crm, row->crm, (n++ % 3) == 0 ? "" : v);
		for (guint j = 0; row->outlook != NULL && row->outlook[j] != NULL; j++)
			cs_record_set_string (outlook, row->outlook[j], (n++ % 4) == 0 ? "" : v);
	}
	from_outlook = cs_mapping_extract (mapping, kind, CS_SIDE_OUTLOOK, outlook);
	from_crm = cs_mapping_extract (mapping, kind, CS_SIDE_CRM, crm);
	cs_mapping_apply (mapping, kind, CS_SIDE_CRM, from_outlook, NULL, crm, out_crm);
	cs_mapping_apply (mapping, kind, CS_SIDE_OUTLOOK, from_crm, NULL, NULL, out_outlook);
	key = cs_mapping_key_of (mapping, kind, cs_mapping_get_key (mapping, kind), from_crm);
	(void) cs_mapping_check_to_crm (mapping, kind, outlook, &why);
	(void) cs_mapping_allows_to_outlook (mapping, kind, crm, &why2);
	(void) cs_mapping_get_owner_field (mapping, kind);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(CsMapping) mapping = NULL;
	g_autoptr(CsMapping) again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = NULL;

	fuzz_init ();
	mapping = cs_mapping_new_from_json ((const gchar *) data, (gssize) size, &error);
	if (mapping == NULL) {
		g_assert (error != NULL && error->message != NULL);
		return 0;
	}
	(void) cs_mapping_get_name (mapping);
	(void) cs_mapping_get_schema_name (mapping, CS_SIDE_CRM);
	(void) cs_mapping_get_schema_name (mapping, CS_SIDE_OUTLOOK);
	for (CsKind k = 0; k < CS_KIND_LAST; k++) {
		if (cs_mapping_has_kind (mapping, k))
			exercise (mapping, k);
	}
	/* what we write we must read back */
	json = cs_mapping_to_json (mapping);
	again = cs_mapping_new_from_json (json, -1, &error);
	if (again == NULL)
		g_error ("a loaded mapping written back does not load: %s\n%s", error->message, json);
	return 0;
}
