/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON lines written straight into text, for the reader process: json-glib
 * built a tree per line and brought GObject, GIO and five more libraries into
 * a process started once per file (issue 18) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CsPstJson CsPstJson;

CsPstJson *cs_pst_json_new (void);
void cs_pst_json_free (CsPstJson *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPstJson, cs_pst_json_free)

void cs_pst_json_begin_object (CsPstJson *self);
void cs_pst_json_end_object (CsPstJson *self);
void cs_pst_json_begin_array (CsPstJson *self);
void cs_pst_json_end_array (CsPstJson *self);
void cs_pst_json_set_member_name (CsPstJson *self, const gchar *name);
void cs_pst_json_add_string_value (CsPstJson *self, const gchar *value);
void cs_pst_json_add_int_value (CsPstJson *self, gint64 value);
void cs_pst_json_add_boolean_value (CsPstJson *self, gboolean value);
/* @value's complete text (one finished value) as the next value */
void cs_pst_json_add_json (CsPstJson *self, const CsPstJson *value);

/* the text so far; valid until the next call on @self */
const gchar *cs_pst_json_get_text (const CsPstJson *self, gsize *len);

/* @str as a JSON string, quotes included */
gchar *cs_pst_json_quote (const gchar *str);

G_END_DECLS
