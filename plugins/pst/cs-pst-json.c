/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-pst-json.h"

/* deeper than any record the reader writes; past it, commas may be wrong
 * but nothing is written out of bounds */
#define MAX_DEPTH 64

struct _CsPstJson {
	GString *out;
	guint depth;
	gboolean after_name; /* a member name was written: its value needs no comma */
	guint8 has_items[MAX_DEPTH + 1]; /* per open container: a value was written in it */
};

CsPstJson *
cs_pst_json_new (void)
{
	CsPstJson *self = g_new0 (CsPstJson, 1);
	self->out = g_string_sized_new (256);
	return self;
}

void
cs_pst_json_free (CsPstJson *self)
{
	if (self == NULL)
		return;
	g_string_free (self->out, TRUE);
	g_free (self);
}

/* the escapes json-glib 1.6 wrote, kept byte for byte so that the lines the
 * provider and the tests compare stay what they were: control characters
 * 0x01..0x1e and 0x7f escaped, 0x1f and bytes from 0x80 as they are. Bodies
 * make most of the output: a table keeps the loop to one test a byte */
static const gchar *const escapes[128] = {
	[0x01] = "\\u0001", [0x02] = "\\u0002", [0x03] = "\\u0003", [0x04] = "\\u0004",
	[0x05] = "\\u0005", [0x06] = "\\u0006", [0x07] = "\\u0007", [0x08] = "\\b",
	[0x09] = "\\t",     [0x0a] = "\\n",     [0x0b] = "\\u000b", [0x0c] = "\\f",
	[0x0d] = "\\r",     [0x0e] = "\\u000e", [0x0f] = "\\u000f", [0x10] = "\\u0010",
	[0x11] = "\\u0011", [0x12] = "\\u0012", [0x13] = "\\u0013", [0x14] = "\\u0014",
	[0x15] = "\\u0015", [0x16] = "\\u0016", [0x17] = "\\u0017", [0x18] = "\\u0018",
	[0x19] = "\\u0019", [0x1a] = "\\u001a", [0x1b] = "\\u001b", [0x1c] = "\\u001c",
	[0x1d] = "\\u001d", [0x1e] = "\\u001e", ['"'] = "\\\"",   ['\\'] = "\\\\",
	[0x7f] = "\\u007f",
};

static void
escape (GString *out, const gchar *str)
{
	const gchar *run = str;
	const gchar *p;

	for (p = str; *p != '\0'; p++) {
		guchar c = (guchar) *p;
		if (c >= 0x80 || escapes[c] == NULL)
			continue;
		g_string_append_len (out, run, p - run);
		g_string_append (out, escapes[c]);
		run = p + 1;
	}
	g_string_append_len (out, run, p - run);
}

static void
before_value (CsPstJson *self)
{
	if (self->after_name) {
		self->after_name = FALSE;
		return;
	}
	if (self->depth == 0)
		return;
	if (self->has_items[self->depth])
		g_string_append_c (self->out, ',');
	self->has_items[self->depth] = TRUE;
}

static void
container_open (CsPstJson *self, gchar c)
{
	before_value (self);
	g_string_append_c (self->out, c);
	if (self->depth < MAX_DEPTH)
		self->depth++;
	self->has_items[self->depth] = FALSE;
}

static void
container_close (CsPstJson *self, gchar c)
{
	g_string_append_c (self->out, c);
	if (self->depth > 0)
		self->depth--;
}

void
cs_pst_json_begin_object (CsPstJson *self)
{
	container_open (self, '{');
}

void
cs_pst_json_end_object (CsPstJson *self)
{
	container_close (self, '}');
}

void
cs_pst_json_begin_array (CsPstJson *self)
{
	container_open (self, '[');
}

void
cs_pst_json_end_array (CsPstJson *self)
{
	container_close (self, ']');
}

void
cs_pst_json_set_member_name (CsPstJson *self, const gchar *name)
{
	before_value (self);
	g_string_append_c (self->out, '"');
	escape (self->out, name);
	g_string_append (self->out, "\":");
	self->after_name = TRUE;
}

void
cs_pst_json_add_string_value (CsPstJson *self, const gchar *value)
{
	before_value (self);
	g_string_append_c (self->out, '"');
	escape (self->out, value);
	g_string_append_c (self->out, '"');
}

void
cs_pst_json_add_int_value (CsPstJson *self, gint64 value)
{
	before_value (self);
	g_string_append_printf (self->out, "%" G_GINT64_FORMAT, value);
}

void
cs_pst_json_add_boolean_value (CsPstJson *self, gboolean value)
{
	before_value (self);
	g_string_append (self->out, value ? "true" : "false");
}

void
cs_pst_json_add_json (CsPstJson *self, const CsPstJson *value)
{
	before_value (self);
	g_string_append_len (self->out, value->out->str, (gssize) value->out->len);
}

const gchar *
cs_pst_json_get_text (const CsPstJson *self, gsize *len)
{
	if (len != NULL)
		*len = self->out->len;
	return self->out->str;
}

gchar *
cs_pst_json_quote (const gchar *str)
{
	GString *out = g_string_sized_new (strlen (str) + 2);
	g_string_append_c (out, '"');
	escape (out, str);
	g_string_append_c (out, '"');
	return g_string_free (out, FALSE);
}
