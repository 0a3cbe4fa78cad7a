/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CRM link of Outlook-made tasks and appointments (issue 17). webCRM
 * creates an activity or a meeting only for an organisation (or, B2C, a
 * person's e-mail) that exists and is unique: "If the Organisation name or
 * email address is not unique, nothing is created". Outlook holds no such
 * reference, so it is derived from what Outlook does hold — a meeting's
 * attendees' addresses, a task's companies, a category naming the
 * organisation — and the record is skipped with the guide's reason when
 * that gives none or more than one.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cs-crm-link.h"
#include "cs-planner.h"

/* a record field as text: strings as they are, integers in decimal */
static gchar *
field_text (CsRecord *r, const gchar *field)
{
	GVariant *v;
	if (field == NULL)
		return g_strdup (cs_record_get_id (r));
	v = cs_record_get_field (r, field);
	if (v == NULL || cs_value_is_null (v))
		return NULL;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return g_strdup (g_variant_get_string (v, NULL));
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
		return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (v));
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
		return g_strdup_printf ("%d", g_variant_get_int32 (v));
	return NULL;
}

/* the texts of a string or string-list field */
static void
collect_texts (CsRecord *r, const gchar *field, GPtrArray *out)
{
	GVariant *v = cs_record_get_field (r, field);
	if (v == NULL)
		return;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
		g_ptr_array_add (out, g_strdup (g_variant_get_string (v, NULL)));
	} else if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY)) {
		for (gsize i = 0; i < g_variant_n_children (v); i++) {
			const gchar *s;
			g_variant_get_child (v, i, "&s", &s);
			g_ptr_array_add (out, g_strdup (s));
		}
	}
}

static gboolean
is_private (const CsMappingCrmLink *link, CsRecord *r)
{
	const gchar *v
		= link->unless_field != NULL ? cs_record_get_string (r, link->unless_field) : NULL;
	return v != NULL && g_strv_contains ((const gchar *const *)link->unless_values, v);
}

/* looks @text up once per run: @hits gets the candidates it gives (value →
 * label), or %NULL for a blank text */
static gboolean
look_up (CsProvider *crm, GHashTable *cache, CsKind kind, const gchar *find_field,
	 const gchar *value_field, const gchar *label_field, const gchar *text, GHashTable **out,
	 GCancellable *cancellable, GError **error)
{
	g_autofree gchar *trimmed = g_strstrip (g_strdup (text));
	g_autofree gchar *key = NULL;
	g_autoptr (GVariant) v = NULL;
	g_autoptr (GPtrArray) found = NULL;
	GHashTable *hits;

	*out = NULL;
	if (trimmed[0] == '\0')
		return TRUE;
	key = g_strdup_printf ("%d:%s", kind, trimmed);
	*out = g_hash_table_lookup (cache, key);
	if (*out != NULL)
		return TRUE;
	v = g_variant_ref_sink (g_variant_new_string (trimmed));
	found = cs_provider_find (crm, kind, find_field, v, cancellable, error);
	if (found == NULL)
		return FALSE;
	hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < found->len; i++) {
		CsRecord *r = g_ptr_array_index (found, i);
		g_autofree gchar *val = field_text (r, value_field);
		g_autofree gchar *label = label_field != NULL ? field_text (r, label_field) : NULL;
		if (val == NULL || val[0] == '\0' || g_str_equal (val, "0"))
			continue;
		if (label == NULL)
			label = g_strdup (val);
		g_hash_table_replace (hits, g_steal_pointer (&val), g_steal_pointer (&label));
	}
	g_hash_table_insert (cache, g_steal_pointer (&key), hits);
	*out = hits;
	return TRUE;
}

/**
 * cs_crm_link_resolve:
 * @records: the Outlook side's @kind records of this run
 *
 * Marks each new Outlook record (no link yet) with the CRM value @link
 * derives for it (CS_PLANNER_LINK_FIELD), or with a skip reason when there
 * is none or more than one. Records the planner links by key to an existing
 * CRM record never meet the mark: it matters only to a create.
 */
gboolean
cs_crm_link_resolve (CsProvider *crm, CsState *state, const CsMappingCrmLink *link, CsKind kind,
		     GPtrArray *records, GCancellable *cancellable, GError **error)
{
	g_autoptr (GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
							      (GDestroyNotify)g_hash_table_unref);
	const gchar *crm_name = cs_provider_get_display_name (crm);

	for (guint i = 0; i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		g_autoptr (CsLink) known = NULL;
		g_autoptr (GHashTable) cands
			= g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
		g_autoptr (GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
		g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
		GHashTableIter iter;
		gpointer k, v;

		if (cs_record_is_deleted (r) || is_private (link, r))
			continue;
		known = cs_state_get_link (state, kind, CS_SIDE_OUTLOOK, cs_record_get_id (r),
					   NULL);
		if (known != NULL)
			continue;
		for (guint f = 0; link->addresses[f] != NULL; f++)
			collect_texts (r, link->addresses[f], addrs);
		for (guint f = 0; link->names[f] != NULL; f++)
			collect_texts (r, link->names[f], names);
		for (guint a = 0; a < addrs->len + names->len; a++) {
			gboolean is_addr = a < addrs->len;
			const gchar *text = is_addr ? g_ptr_array_index (addrs, a)
						    : g_ptr_array_index (names, a - addrs->len);
			GHashTable *hits;
			if (is_addr && link->person_find == NULL)
				continue;
			if (!is_addr && link->org_find == NULL)
				continue;
			if (!look_up (crm, cache, is_addr ? CS_KIND_CONTACT : CS_KIND_ORGANISATION,
				      is_addr ? link->person_find : link->org_find,
				      is_addr ? link->person_value : link->org_value,
				      link->label_field, text, &hits, cancellable, error))
				return FALSE;
			if (hits == NULL)
				continue;
			g_hash_table_iter_init (&iter, hits);
			while (g_hash_table_iter_next (&iter, &k, &v))
				g_hash_table_replace (cands, g_strdup (k), g_strdup (v));
		}
		if (g_hash_table_size (cands) == 1) {
			g_hash_table_iter_init (&iter, cands);
			g_hash_table_iter_next (&iter, &k, NULL);
			cs_record_set_string (r, CS_PLANNER_LINK_FIELD, k);
		} else if (g_hash_table_size (cands) == 0) {
			g_autofree gchar *reason = g_strdup_printf (
				/* TRANSLATORS: %s is the CRM's name (webCRM); from its Outlook
				   guide */
				_ ("Outlook has no reference to the organisation or person this "
				   "must be "
				   "associated with in %s: invite a person of that organisation, "
				   "or give it "
				   "a company or a category naming the organisation"),
				crm_name);
			cs_record_set_string (r, CS_PLANNER_SKIP_FIELD, reason);
		} else {
			g_autoptr (GPtrArray) labels = g_ptr_array_new ();
			g_autofree gchar *list = NULL;
			g_autofree gchar *reason = NULL;
			g_hash_table_iter_init (&iter, cands);
			while (g_hash_table_iter_next (&iter, NULL, &v))
				g_ptr_array_add (labels, v);
			g_ptr_array_sort (labels, cs_str_ptr_cmp);
			g_ptr_array_add (labels, NULL);
			list = g_strjoinv (", ", (gchar **)labels->pdata);
			reason = g_strdup_printf (
				/* TRANSLATORS: the candidates found, then the CRM's name */
				_ ("the organisation or e-mail address is not unique (%s), so "
				   "nothing is "
				   "created in %s"),
				list, crm_name);
			cs_record_set_string (r, CS_PLANNER_SKIP_FIELD, reason);
		}
	}
	return TRUE;
}
