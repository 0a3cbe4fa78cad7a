/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cs-label.h"

const gchar *const cs_label_name_pairs[][2] = {
	{ "givenName", "surname" },
	{ "firstName", "lastName" },
	{ "PersonFirstName", "PersonLastName" },
};
const guint cs_label_n_name_pairs = G_N_ELEMENTS (cs_label_name_pairs);

const gchar *const cs_label_fields[]
	= { "displayName",	   "subject", "title", "name", "Subject", "MeetingSubject",
	    "ActivityDescription",
	    /* a contact with no name at all: its company, before any id */
	    "companyName",	   "OrganisationName", NULL };

static const gchar *
string_member (JsonObject *o, const gchar *name)
{
	JsonNode *n = json_object_get_member (o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
	    || json_node_get_value_type (n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string (n);
}

/**
 * cs_label_from_snapshot:
 * @snapshot: (nullable): a link's last agreed values, as the state keeps them (JSON)
 *
 * Returns: (transfer full) (nullable): the name a user knows the record by ("Ada Lovelace",
 * a subject), or %NULL when the values hold none
 */
gchar *
cs_label_from_snapshot (const gchar *snapshot)
{
	g_autoptr (JsonParser) parser = json_parser_new ();
	JsonObject *o;
	if (snapshot == NULL || !json_parser_load_from_data (parser, snapshot, -1, NULL)
	    || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
		return NULL;
	o = json_node_get_object (json_parser_get_root (parser));
	for (guint i = 0; i < cs_label_n_name_pairs; i++) {
		const gchar *a = string_member (o, cs_label_name_pairs[i][0]);
		const gchar *b = string_member (o, cs_label_name_pairs[i][1]);
		if (a != NULL || b != NULL)
			return g_strstrip (
				g_strdup_printf ("%s %s", a != NULL ? a : "", b != NULL ? b : ""));
	}
	for (guint i = 0; cs_label_fields[i] != NULL; i++) {
		const gchar *s = string_member (o, cs_label_fields[i]);
		if (s != NULL && s[0] != '\0')
			return g_strdup (s);
	}
	return NULL;
}

/* "Custom 7" → ("Custom %u", 7); FALSE for any other text */
static gboolean
numbered (const gchar *text, gchar **pattern, guint64 *n)
{
	static const gchar *const stems[] = { "Custom ", "Plus ", "Check mark ", NULL };
	for (guint i = 0; stems[i] != NULL; i++) {
		if (g_str_has_prefix (text, stems[i])
		    && g_ascii_string_to_unsigned (text + strlen (stems[i]), 10, 0, G_MAXUINT, n,
						   NULL)) {
			*pattern = g_strconcat (stems[i], "%u", NULL);
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
is_word (const gchar *text)
{
	for (guint i = 0; cs_label_schema_words[i] != NULL; i++)
		if (g_str_equal (cs_label_schema_words[i], text))
			return TRUE;
	return FALSE;
}

static gchar *
translate_part (const gchar *part)
{
	g_autofree gchar *pattern = NULL;
	guint64 n = 0;
	if (numbered (part, &pattern, &n)) {
		const gchar *t = g_dpgettext2 (GETTEXT_PACKAGE, "field", pattern);
		const gchar *at = strstr (t, "%u");
		g_autofree gchar *number = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
		/* the number goes where the translation has its one %u */
		if (at == NULL)
			return g_strdup (part);
		return g_strdup_printf ("%.*s%s%s", (gint)(at - t), t, number, at + 2);
	}
	return g_strdup (g_dpgettext2 (GETTEXT_PACKAGE, "field", part));
}

/**
 * cs_label_translate_field:
 * @label: a schema field's label, in English
 *
 * Returns: (transfer full): the label in the user's language ("Person: Vorname")
 */
gchar *
cs_label_translate_field (const gchar *label)
{
	const gchar *colon;
	g_autofree gchar *prefix = NULL;
	g_autofree gchar *rest = NULL;
	if (label == NULL)
		return NULL;
	colon = strstr (label, ": ");
	if (colon == NULL)
		return translate_part (label);
	{
		g_autofree gchar *head = g_strndup (label, (gsize)(colon - label));
		prefix = translate_part (head);
	}
	rest = translate_part (colon + 2);
	/* TRANSLATORS: a field label made of a record type and a field, "Person: First name" */
	return g_strdup_printf (g_dpgettext2 (GETTEXT_PACKAGE, "field", "%s: %s"), prefix, rest);
}

/**
 * cs_label_field_known:
 *
 * Returns: whether every word of @label is in the translators' list
 */
gboolean
cs_label_field_known (const gchar *label)
{
	const gchar *colon = strstr (label, ": ");
	const gchar *rest = colon != NULL ? colon + 2 : label;
	g_autofree gchar *pattern = NULL;
	guint64 n;
	if (colon != NULL) {
		g_autofree gchar *head = g_strndup (label, (gsize)(colon - label));
		if (!is_word (head))
			return FALSE;
	}
	if (numbered (rest, &pattern, &n))
		return is_word (pattern);
	return is_word (rest);
}
