/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the readable text of an HTML body, for messages without a plain-text one */
gchar *cs_pst_html_to_text (const gchar *html);

/* the readable text of a (decompressed) RTF body, encapsulated HTML included */
gchar *cs_pst_rtf_to_text (const gchar *rtf, gsize len);

G_END_DECLS
