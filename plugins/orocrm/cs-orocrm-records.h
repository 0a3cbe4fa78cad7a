/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "crmsync-plugin.h"

G_BEGIN_DECLS

/*
 * Oro resources ↔ CsRecord. Field names are Oro's own; a contact's addresses
 * are flattened by type: billing*, shipping* and other* (no type), each with
 * Street, City, PostalCode, Region, Country (the country's name).
 */

#define CS_OROCRM_ADDRESS_PREFIXES ((const gchar *const[]){"billing", "shipping", "other", NULL})
#define CS_OROCRM_ADDRESS_PARTS \
	((const gchar *const[]){"Street", "City", "PostalCode", "Region", "Country", NULL})

typedef struct {
	GHashTable *country_names; /* ISO2 → name */
	GHashTable *country_codes; /* lower-case name and ISO2 → ISO2 */
	GPtrArray *custom[CS_KIND_LAST]; /* custom attribute names per kind */
	gchar *owner;		   /* the signed-in user's id, for events */
	GHashTable *account_names; /* (nullable) account id → name, read with the contacts */
} CsOrocrmContext;

/* the id of the account a contact is to be linked to ("" for none), set by the
 * provider from accountName before the contact is written */
#define CS_OROCRM_ACCOUNT_ID_FIELD "crmsync:account-id"

CsRecord *cs_orocrm_contact_from_json (CsOrocrmContext *ctx, const CsJsonVal *resource,
				       GHashTable *addresses);
CsRecord *cs_orocrm_task_from_json (CsOrocrmContext *ctx, const CsJsonVal *resource);
CsRecord *cs_orocrm_event_from_json (CsOrocrmContext *ctx, JsonObject *event);

JsonObject *cs_orocrm_contact_to_json (CsOrocrmContext *ctx, const CsRecord *record);
JsonObject *cs_orocrm_task_to_json (CsOrocrmContext *ctx, const CsRecord *record, gboolean create);
JsonObject *cs_orocrm_event_to_json (const CsRecord *record);
const gchar *cs_orocrm_country_id (CsOrocrmContext *ctx, const gchar *text);
const gchar *cs_orocrm_unknown_country (CsOrocrmContext *ctx, const CsRecord *record,
					const gchar **prefix);
JsonObject *cs_orocrm_address_to_json (CsOrocrmContext *ctx, const gchar *prefix,
				       const CsRecord *merged);
gboolean cs_orocrm_record_touches_address (const CsRecord *record, const gchar *prefix);
void cs_orocrm_address_flatten (CsOrocrmContext *ctx, CsRecord *record, const gchar *prefix,
				const CsJsonVal *address);
gboolean cs_orocrm_is_builtin_attribute (CsKind kind, const gchar *name);
gchar *cs_orocrm_error_text (JsonNode *doc);

G_END_DECLS
