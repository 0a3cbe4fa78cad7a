/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-pst-text.h"

/* elements whose content is never shown */
static const gchar *hidden_elements[] = {"head", "style", "script", "title", NULL};
/* elements that end a line */
static const gchar *block_elements[] = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4",
					"h5", "h6", "table", "blockquote", "hr", NULL};

static gboolean
tag_is (const gchar *tag, gsize len, const gchar *const *names)
{
	for (guint i = 0; names[i] != NULL; i++)
		if (strlen (names[i]) == len && g_ascii_strncasecmp (tag, names[i], len) == 0)
			return TRUE;
	return FALSE;
}

static void
append_entity (GString *out, const gchar **p)
{
	static const struct {
		const gchar *name;
		gunichar c;
	} named[] = {{"nbsp", ' '},  {"amp", '&'},   {"lt", '<'},      {"gt", '>'},
		     {"quot", '"'},  {"apos", '\''}, {"euro", 0x20AC}, {"copy", 0xA9},
		     {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}};
	const gchar *s = *p + 1;
	const gchar *end = strchr (s, ';');

	if (end == NULL || end - s > 10) {
		g_string_append_c (out, '&');
		*p += 1;
		return;
	}
	if (*s == '#') {
		gchar *tail = NULL;
		guint64 v = s[1] == 'x' || s[1] == 'X' ? g_ascii_strtoull (s + 2, &tail, 16)
						       : g_ascii_strtoull (s + 1, &tail, 10);
		if (tail == end && v > 0 && v < 0x110000 && g_unichar_validate ((gunichar) v)) {
			g_string_append_unichar (out, v == 0xA0 ? ' ' : (gunichar) v);
			*p = end + 1;
			return;
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS (named); i++) {
		if ((gsize) (end - s) == strlen (named[i].name) &&
		    strncmp (s, named[i].name, (gsize) (end - s)) == 0) {
			g_string_append_unichar (out, named[i].c);
			*p = end + 1;
			return;
		}
	}
	g_string_append_c (out, '&');
	*p += 1;
}

gchar *
cs_pst_html_to_text (const gchar *html)
{
	g_autoptr(GString) out = g_string_new (NULL);
	g_autoptr(GString) clean = g_string_new (NULL);
	const gchar *p = html;
	gboolean space = FALSE;
	guint newlines = 0;

	while (p != NULL && *p != '\0') {
		if (*p == '<') {
			const gchar *name = p + 1;
			const gchar *close = strchr (p, '>');
			gsize len;
			gboolean closing = *name == '/';

			if (g_str_has_prefix (p, "<!--")) {
				const gchar *e = strstr (p, "-->");
				p = e != NULL ? e + 3 : p + strlen (p);
				continue;
			}
			if (close == NULL)
				break;
			if (closing)
				name++;
			len = strcspn (name, " \t\r\n/>");
			if (!closing && tag_is (name, len, hidden_elements)) {
				/* skip to the matching end tag */
				g_autofree gchar *end_tag =
				    g_strdup_printf ("</%.*s", (int) len, name);
				const gchar *e = close;
				while ((e = strchr (e, '<')) != NULL &&
				       g_ascii_strncasecmp (e, end_tag, strlen (end_tag)) != 0)
					e++;
				p = e != NULL ? strchr (e, '>') : NULL;
				p = p != NULL ? p + 1 : html + strlen (html);
				continue;
			}
			if (tag_is (name, len, block_elements))
				g_string_append_c (out, '\n');
			p = close + 1;
			continue;
		}
		if (*p == '&') {
			append_entity (out, &p);
			continue;
		}
		g_string_append_c (out, *p == '\r' || *p == '\n' || *p == '\t' ? ' ' : *p);
		p++;
	}

	/* collapse runs of blanks, keep at most one empty line */
	for (const gchar *c = out->str; *c != '\0'; c++) {
		if (*c == '\n') {
			while (clean->len > 0 && clean->str[clean->len - 1] == ' ')
				g_string_truncate (clean, clean->len - 1);
			if (clean->len > 0 && newlines < 2)
				g_string_append_c (clean, '\n');
			newlines++;
			space = FALSE;
		} else if (*c == ' ') {
			space = clean->len > 0 && newlines == 0;
		} else {
			if (space)
				g_string_append_c (clean, ' ');
			g_string_append_c (clean, *c);
			space = FALSE;
			newlines = 0;
		}
	}
	while (clean->len > 0 && g_ascii_isspace (clean->str[clean->len - 1]))
		g_string_truncate (clean, clean->len - 1);
	if (!g_utf8_validate (clean->str, -1, NULL))
		return g_utf8_make_valid (clean->str, -1);
	return g_strdup (clean->str);
}
