/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

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

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/pst/text/html", test_html);
	return g_test_run ();
}
