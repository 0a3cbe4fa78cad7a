/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the readable text of an HTML body, for messages without a plain-text one */
gchar *cs_pst_html_to_text (const gchar *html);

G_END_DECLS
