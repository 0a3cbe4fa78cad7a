/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-pst-text.h"

static void
test_html (void)
{
	static const struct {
		const gchar *html;
		const gchar *text;
	} cases[] = {
	    {"<html><head><title>x</title><style>p {color: red}</style></head>"
	     "<body><p>Dear  Client,</p><p>see&nbsp;you &amp; bye&#33;</p></body></html>",
	     "Dear Client,\n\nsee you & bye!"},
	    {"line one<br>line\r\ntwo<br/><br/><br/><br/>end", "line one\nline two\n\nend"},
	    {"<!-- <p>hidden</p> -->shown <script>alert(1)</script>text", "shown text"},
	    {"caf&#xE9; &euro;5 &unknown; a<b", "café €5 &unknown; a"},
	    {"", ""},
	};
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree gchar *text = cs_pst_html_to_text (cases[i].html);
		g_assert_cmpstr (text, ==, cases[i].text);
	}
}

static void
test_rtf (void)
{
	static const struct {
		const gchar *rtf;
		const gchar *text;
	} cases[] = {
	    {"{\\rtf1\\ansi\\ansicpg1252\\fromtext{\\fonttbl{\\f0 Arial;}}"
	     "{\\colortbl;\\red0\\green0\\blue0;}{\\*\\generator Exchange;}"
	     "\\pard\\f0 Caf\\'e9 costs \\u8364?5\\par second line\\tab x\\}}",
	     "Café costs €5\nsecond line\tx}"},
	    /* a picture's raw bytes, braces included, are no text */
	    {"{\\rtf1 a{\\pict\\bin4 }{{}}b}", "ab"},
	    {"{\\rtf1 a\\bin3 }{}b}", "ab"},
	    /* HTML wrapped in RTF: the tags make the lines, \\htmlrtf parts drop */
	    {"{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag19 <html>}{\\*\\htmltag2 \\par }"
	     "{\\*\\htmltag50 <body>}\\htmlrtf {\\htmlrtf0 Hello&nbsp;there"
	     "{\\*\\htmltag116 <br>}\\htmlrtf \\line \\htmlrtf0 next"
	     "{\\*\\htmltag58 </body>}}",
	     "Hello there\nnext"},
	    {"", ""},
	};
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree gchar *text = cs_pst_rtf_to_text (cases[i].rtf, strlen (cases[i].rtf));
		g_assert_cmpstr (text, ==, cases[i].text);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/pst/text/html", test_html);
	g_test_add_func ("/pst/text/rtf", test_rtf);
	return g_test_run ();
}
