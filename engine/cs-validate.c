/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-json.h"
#include "cs-validate.h"

/*
 * Bad data stays out (DESIGN.md, Trust): every value is checked against its
 * field's spec before it is written to any side, so a damaged source (a PST
 * with flipped bytes, a typo, an import gone wrong) is a skip the user can
 * read, never a value in the CRM. The checks are the ones a person would
 * make: text has no control characters and no U+FFFD (what a decoder leaves
 * for bytes it could not read), an e-mail address is one, a phone number has
 * no letters, a date is a real date within what calendars hold.
 */

/* a date before the Windows epoch or after Outlook's "no date" (4501-01-01)
 * is damage, not a birthday or a meeting */
#define MIN_YEAR 1601
#define MAX_YEAR 4500

static gboolean
bad_char (gunichar c, gboolean multiline)
{
	if (c == 0xFFFD)
		return TRUE;
	if (c == '\t' || (multiline && (c == '\n' || c == '\r')))
		return FALSE;
	/* C0, DEL and C1 controls */
	return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

static gchar *
check_text (const CsFieldSpec *spec, const gchar *text)
{
	gboolean multiline = spec->type == CS_FIELD_TEXT || spec->type == CS_FIELD_LIST
			     || spec->type == CS_FIELD_OBJECT;
	if (!g_utf8_validate (text, -1, NULL))
		return g_strdup (_ ("is not valid text"));
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
		gunichar c = g_utf8_get_char (p);
		if (c == 0xFFFD)
			return g_strdup (_ ("holds characters that could not be read (�)"));
		if (bad_char (c, multiline))
			return g_strdup_printf (_ ("holds a control character (U+%04X)"), c);
	}
	return NULL;
}

static gboolean
valid_email (const gchar *text)
{
	const gchar *at = strchr (text, '@');
	const gchar *domain;
	gboolean dot = FALSE;
	if (at == NULL || at == text || strchr (at + 1, '@') != NULL)
		return FALSE;
	for (const gchar *p = text; p < at; p = g_utf8_next_char (p)) {
		gunichar c = g_utf8_get_char (p);
		if (g_unichar_isspace (c) || strchr ("<>()[]\\,;:\"", (gint)c) != NULL)
			return FALSE;
	}
	domain = at + 1;
	if (*domain == '\0' || *domain == '.' || *domain == '-')
		return FALSE;
	for (const gchar *p = domain; *p != '\0'; p = g_utf8_next_char (p)) {
		gunichar c = g_utf8_get_char (p);
		if (c == '.') {
			/* no empty label, not at the end */
			if (p[1] == '\0' || p[1] == '.' || p[-1] == '.' || p[-1] == '-')
				return FALSE;
			dot = TRUE;
		} else if (c != '-' && !g_unichar_isalnum (c)) {
			return FALSE;
		}
	}
	return dot;
}

/* digits and what people write between them: + ( ) - . / space; letters
 * only as an extension at the end ("x 12", "ext. 12") */
static gboolean
valid_phone (const gchar *text)
{
	guint digits = 0;
	const gchar *p = text;
	for (; *p != '\0'; p = g_utf8_next_char (p)) {
		gunichar c = g_utf8_get_char (p);
		if (g_unichar_isdigit (c)) {
			if (c > 0x7F)
				return FALSE;
			digits++;
		} else if (c == 'x' || c == 'X' || c == 'e' || c == 'E') {
			break;
		} else if (!strchr ("+()-./ ", (gint)c) || c > 0x7F) {
			return FALSE;
		}
	}
	if (*p != '\0') {
		/* an extension: x12, x 12, ext 12, ext. 12 */
		if (g_ascii_strncasecmp (p, "ext", 3) == 0)
			p += 3;
		else if (*p == 'x' || *p == 'X')
			p += 1;
		else
			return FALSE;
		if (*p == '.')
			p++;
		while (*p == ' ')
			p++;
		if (!g_ascii_isdigit (*p))
			return FALSE;
		while (g_ascii_isdigit (*p))
			p++;
		if (*p != '\0')
			return FALSE;
	}
	return digits > 0;
}

static gboolean
year_in_range (const gchar *text)
{
	guint64 y;
	g_autofree gchar *year = g_strndup (text, 4);
	return strlen (text) >= 4
	       && g_ascii_string_to_unsigned (year, 10, MIN_YEAR, MAX_YEAR, &y, NULL);
}

static gchar *
check_string (const CsFieldSpec *spec, const gchar *text)
{
	g_autofree gchar *why = check_text (spec, text);
	if (why != NULL)
		return g_steal_pointer (&why);
	if (text[0] == '\0')
		return NULL; /* a cleared value is always allowed */
	if (g_strcmp0 (spec->format, "email") == 0 && !valid_email (text))
		return g_strdup_printf (_ ("“%s” is not an e-mail address"), text);
	if (g_strcmp0 (spec->format, "phone") == 0 && !valid_phone (text))
		return g_strdup_printf (_ ("“%s” is not a phone number"), text);
	if (spec->type == CS_FIELD_DATE || spec->type == CS_FIELD_DATETIME) {
		gint64 usec;
		g_autofree gchar *norm = NULL;
		if (strlen (text) >= 5 && g_ascii_isdigit (text[0]) && text[4] == '-'
		    && !year_in_range (text))
			return g_strdup_printf (_ ("the date %s is out of range (years %d to %d)"),
						text, MIN_YEAR, MAX_YEAR);
		norm = cs_time_normalize (text);
		if (norm == NULL || !cs_time_parse (text, &usec)
		    || (spec->type == CS_FIELD_DATE && strlen (text) != 10))
			return g_strdup_printf (_ ("“%s” is not a date"), text);
	}
	return NULL;
}

/**
 * cs_validate_value:
 * @spec: the field the value is written to
 *
 * Returns: (transfer full) (nullable): why @value cannot be written to
 *   @spec's field, for a person to read; %NULL if it can
 */
gchar *
cs_validate_value (const CsFieldSpec *spec, GVariant *value)
{
	if (value == NULL || cs_value_is_null (value))
		return NULL;
	if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
		return check_string (spec, g_variant_get_string (value, NULL));
	if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
		g_autofree const gchar **items = g_variant_get_strv (value, NULL);
		for (guint i = 0; items[i] != NULL; i++) {
			gchar *why = check_string (spec, items[i]);
			if (why != NULL)
				return why;
		}
		return NULL;
	}
	if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT)) {
		/* structured values (addresses): their text parts */
		GVariantIter iter;
		const gchar *key;
		GVariant *child;
		CsFieldSpec part = *spec;
		part.format = NULL;
		part.type = CS_FIELD_OBJECT;
		g_variant_iter_init (&iter, value);
		while (g_variant_iter_next (&iter, "{&sv}", &key, &child)) {
			g_autoptr (GVariant) owned = child;
			gchar *why
				= g_variant_is_of_type (child, G_VARIANT_TYPE_STRING)
					  ? check_text (&part, g_variant_get_string (child, NULL))
					  : NULL;
			if (why != NULL)
				return why;
		}
	}
	return NULL;
}

/**
 * cs_validate_record:
 * @schema: (nullable): the target's schema; %NULL: text checks only
 *
 * Returns: (transfer full) (nullable): the first field of @record that
 *   cannot be written, named by its label, and why
 */
gchar *
cs_validate_record (CsSchema *schema, const CsRecord *record)
{
	g_autoptr (GPtrArray) names = cs_record_get_field_names (record);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index (names, i);
		const CsFieldSpec *spec = schema != NULL ? cs_schema_lookup (schema, name) : NULL;
		CsFieldSpec any = { (gchar *)name, NULL, CS_FIELD_TEXT, FALSE, FALSE, NULL, NULL };
		g_autofree gchar *why = NULL;
		if (g_str_has_prefix (name, "crmsync:"))
			continue; /* the engine's own notes, never written */
		why = cs_validate_value (spec != NULL ? spec : &any,
					 cs_record_get_field (record, name));
		if (why != NULL)
			/* TRANSLATORS: a field's name, then why its value cannot be written */
			return g_strdup_printf (
				_ ("%s: %s"),
				spec != NULL && spec->label != NULL ? spec->label : name, why);
	}
	return NULL;
}
