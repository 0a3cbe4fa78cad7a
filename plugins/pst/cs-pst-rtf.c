/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-pst-text.h"

/* destinations whose text is never shown */
static const gchar *skipped_destinations[] = {
    "fonttbl",	     "colortbl",     "stylesheet",	  "info",	"pict",
    "object",	     "header",	     "footer",		  "headerl",
    "headerr",
    "footerl",	     "footerr",	     "themedata",	  "colorschememapping",
    "datastore",     "latentstyles", "listtable",	  "listoverridetable",
    "rsidtbl",	     "generator",    "xmlnstbl",	  "mmathPr",	"filetbl",
    "revtbl",	     "pgdsctbl",     "fldinst",		  "objdata",	"shppict",
    "nonshppict",    "shpinst",	     "blipuid",		  NULL,
};

static gboolean
tag_follows (const gchar *p, gsize len, const gchar *tag)
{
	gsize n = strlen (tag);
	return len >= n && strncmp (p, tag, n) == 0;
}

typedef struct {
	gboolean skip;	/* inside a destination that is not text */
	guint uc;	/* characters that stand in for a \uN */
} Group;

static void
append_byte (GString *out, guint8 byte)
{
	/* \'hh: a byte of the document's ANSI code page; Windows-1252 is what
	 * Outlook writes for the Latin scripts */
	g_autofree gchar *utf8 = NULL;
	if (byte < 0x80) {
		g_string_append_c (out, (gchar) byte);
		return;
	}
	utf8 = g_convert ((const gchar *) &byte, 1, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	if (utf8 != NULL)
		g_string_append (out, utf8);
}

/**
 * cs_pst_rtf_to_text:
 * Returns: (transfer full): the text of an RTF body (PR_RTF_COMPRESSED,
 *   decompressed), including the plain text of encapsulated HTML
 */
gchar *
cs_pst_rtf_to_text (const gchar *rtf, gsize len)
{
	g_autoptr(GString) out = g_string_new (NULL);
	g_autoptr(GArray) stack = g_array_new (FALSE, TRUE, sizeof (Group));
	Group cur = {FALSE, 1};
	gboolean suppress = FALSE; /* \htmlrtf: RTF-only rendering of encapsulated HTML */
	gboolean html = FALSE;	   /* \fromhtml: the body is HTML wrapped in RTF */
	guint pending_skip = 0;	   /* fallback characters after a \uN */
	gsize i = 0;

	while (i < len) {
		gchar c = rtf[i];

		if (c == '{') {
			if (stack->len > 1000)
				break; /* nonsense nesting: stop, keep what we have */
			g_array_append_val (stack, cur);
			i++;
			/* {\*\dest …}: a destination a reader may ignore, except
			 * the tags of encapsulated HTML */
			if (i + 1 < len && rtf[i] == '\\' && rtf[i + 1] == '*' &&
			    !(html && (tag_follows (rtf + i, len - i, "\\*\\htmltag") ||
				       tag_follows (rtf + i, len - i, "\\*\\mhtmltag"))))
				cur.skip = TRUE;
			continue;
		}
		if (c == '}') {
			if (stack->len > 0) {
				cur = g_array_index (stack, Group, stack->len - 1);
				g_array_set_size (stack, stack->len - 1);
			}
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < len) {
			gchar n = rtf[i + 1];
			if (g_ascii_isalpha (n)) {
				gsize start = i + 1, wlen;
				gboolean has_param = FALSE;
				gint64 param = 0;
				gboolean neg = FALSE;
				gchar word[32];

				i = start;
				while (i < len && g_ascii_isalpha (rtf[i]))
					i++;
				wlen = MIN (i - start, sizeof word - 1);
				memcpy (word, rtf + start, wlen);
				word[wlen] = '\0';
				if (i < len && rtf[i] == '-') {
					neg = TRUE;
					i++;
				}
				while (i < len && g_ascii_isdigit (rtf[i])) {
					has_param = TRUE;
					if (param < 1000000000)
						param = param * 10 + (rtf[i] - '0');
					i++;
				}
				if (neg)
					param = -param;
				if (i < len && rtf[i] == ' ')
					i++;

				if (strcmp (word, "bin") == 0 && has_param && param > 0) {
					/* raw bytes (pictures): not text, and may hold braces */
					i += MIN ((gsize) param, len - i);
				} else if (strcmp (word, "fromhtml") == 0) {
					html = TRUE;
				} else if (g_strv_contains (skipped_destinations, word)) {
					cur.skip = TRUE;
				} else if (strcmp (word, "htmlrtf") == 0) {
					suppress = !has_param || param != 0;
				} else if (strcmp (word, "uc") == 0) {
					cur.uc = (guint) CLAMP (param, 0, 10);
				} else if (cur.skip || suppress) {
					/* nothing of it is shown */
				} else if (strcmp (word, "par") == 0 ||
					   strcmp (word, "line") == 0 ||
					   strcmp (word, "row") == 0) {
					g_string_append_c (out, '\n');
				} else if (strcmp (word, "tab") == 0 ||
					   strcmp (word, "cell") == 0) {
					g_string_append_c (out, '\t');
				} else if (strcmp (word, "u") == 0 && has_param) {
					gunichar u = (gunichar) (param < 0 ? param + 65536 : param);
					if (g_unichar_validate (u))
						g_string_append_unichar (out, u);
					pending_skip = cur.uc;
				} else if (strcmp (word, "emdash") == 0) {
					g_string_append (out, "—");
				} else if (strcmp (word, "endash") == 0) {
					g_string_append (out, "–");
				} else if (strcmp (word, "bullet") == 0) {
					g_string_append (out, "•");
				} else if (strcmp (word, "lquote") == 0 ||
					   strcmp (word, "rquote") == 0) {
					g_string_append_c (out, '\'');
				} else if (strcmp (word, "ldblquote") == 0 ||
					   strcmp (word, "rdblquote") == 0) {
					g_string_append_c (out, '"');
				}
				continue;
			}
			i += 2;
			if (n == '\'' && i + 1 < len && g_ascii_isxdigit (rtf[i]) &&
			    g_ascii_isxdigit (rtf[i + 1])) {
				guint8 byte = (guint8) (g_ascii_xdigit_value (rtf[i]) * 16 +
							g_ascii_xdigit_value (rtf[i + 1]));
				i += 2;
				if (pending_skip > 0)
					pending_skip--;
				else if (!cur.skip && !suppress)
					append_byte (out, byte);
				continue;
			}
			if (cur.skip || suppress)
				continue;
			if (n == '\\' || n == '{' || n == '}')
				g_string_append_c (out, n);
			else if (n == '~')
				g_string_append_c (out, ' ');
			else if (n == '\n' || n == '\r')
				g_string_append_c (out, '\n');
			continue;
		}
		i++;
		if (c == '\r' || c == '\n')
			continue;
		if (pending_skip > 0) {
			pending_skip--;
			continue;
		}
		if (!cur.skip && !suppress)
			g_string_append_c (out, c);
	}
	if (html) {
		g_autofree gchar *valid = g_utf8_make_valid (out->str, -1);
		return cs_pst_html_to_text (valid);
	}
	g_strstrip (out->str);
	if (!g_utf8_validate (out->str, -1, NULL))
		return g_utf8_make_valid (out->str, -1);
	return g_strdup (out->str);
}
