/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-pst-pff.h"

struct _CsPff {
	libpff_file_t *file; /* (owned) */
	CsPstPcFile *pc;     /* (unowned) (nullable) */
};

struct _CsPffItem {
	libpff_item_t *item; /* (owned) */
	CsPff *pff;	     /* (unowned) */
	guint32 nid;
	CsPstPc *pc; /* (owned) (nullable): read at the first lookup */
	gboolean pc_tried;
};

static gchar *
pff_error_text (libpff_error_t *error)
{
	gchar buf[512] = "";
	if (error == NULL)
		return g_strdup ("unknown error");
	libpff_error_sprint (error, buf, sizeof buf);
	/* libpff stacks one line per call frame; the last one is the cause */
	g_strstrip (buf);
	if (strrchr (buf, '\n') != NULL)
		return g_strdup (strrchr (buf, '\n') + 1);
	return g_strdup (buf);
}

CsPff *
cs_pff_open (const gchar *path, CsPstPcFile *pc, GError **error)
{
	g_autoptr(CsPff) self = g_new0 (CsPff, 1);
	libpff_error_t *pff_error = NULL;

	if (libpff_file_initialize (&self->file, &pff_error) != 1 ||
	    libpff_file_open (self->file, path, LIBPFF_OPEN_READ, &pff_error) != 1) {
		g_autofree gchar *text = pff_error_text (pff_error);
		libpff_error_free (&pff_error);
		g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "libpff: %s", text);
		return NULL;
	}
	self->pc = pc;
	return g_steal_pointer (&self);
}

void
cs_pff_free (CsPff *self)
{
	if (self == NULL)
		return;
	if (self->file != NULL) {
		libpff_file_close (self->file, NULL);
		libpff_file_free (&self->file, NULL);
	}
	g_free (self);
}

static CsPffItem *
item_new (CsPff *self, libpff_item_t *item, guint32 nid)
{
	CsPffItem *pi = g_new0 (CsPffItem, 1);
	pi->item = item;
	pi->pff = self;
	pi->nid = nid;
	return pi;
}

/**
 * cs_pff_get_item:
 * @nid: the descriptor id (libpst's d_id)
 * Returns: (transfer full) (nullable): free with cs_pff_item_free()
 */
CsPffItem *
cs_pff_get_item (CsPff *self, guint32 nid)
{
	libpff_item_t *item = NULL;
	libpff_error_t *pff_error = NULL;
	if (self == NULL)
		return NULL;
	if (libpff_file_get_item_by_identifier (self->file, nid, &item, &pff_error) != 1) {
		libpff_error_free (&pff_error);
		return NULL;
	}
	return item_new (self, item, nid);
}

/**
 * cs_pff_get_message_store:
 * Returns: (transfer full) (nullable)
 */
CsPffItem *
cs_pff_get_message_store (CsPff *self)
{
	libpff_item_t *item = NULL;
	libpff_error_t *pff_error = NULL;
	if (self == NULL)
		return NULL;
	if (libpff_file_get_message_store (self->file, &item, &pff_error) != 1) {
		libpff_error_free (&pff_error);
		return NULL;
	}
	return item_new (self, item, 0x21);
}

void
cs_pff_item_free (CsPffItem *item)
{
	if (item == NULL)
		return;
	libpff_item_free (&item->item, NULL);
	cs_pst_pc_free (item->pc);
	g_free (item);
}

void
cs_pff_sub_item_free (libpff_item_t *item)
{
	if (item != NULL)
		libpff_item_free (&item, NULL);
}

libpff_item_t *
cs_pff_item_get_libpff (CsPffItem *item)
{
	return item != NULL ? item->item : NULL;
}

/* a named property's id is file-local; libpff resolves it through the
 * name-to-id map, and we check the property set so that an 0x8101 of
 * another set is not taken for the task status */
static libpff_record_entry_t *
lookup (libpff_item_t *item, gint set, guint32 psetid, guint32 id)
{
	libpff_record_set_t *rs = NULL;
	libpff_record_entry_t *entry = NULL;
	libpff_error_t *pff_error = NULL;
	int rc;

	if (item == NULL)
		return NULL;
	if (libpff_item_get_record_set_by_index (item, set, &rs, &pff_error) != 1) {
		libpff_error_free (&pff_error);
		return NULL;
	}
	rc = libpff_record_set_get_entry_by_type (
	    rs, id, 0, &entry,
	    LIBPFF_ENTRY_VALUE_FLAG_MATCH_ANY_VALUE_TYPE |
		(psetid == 0 ? LIBPFF_ENTRY_VALUE_FLAG_IGNORE_NAME_TO_ID_MAP : 0),
	    &pff_error);
	libpff_record_set_free (&rs, NULL);
	if (rc != 1) {
		libpff_error_free (&pff_error);
		return NULL;
	}
	if (psetid != 0) {
		libpff_name_to_id_map_entry_t *map = NULL;
		guint8 guid[16];
		guint32 first;
		if (libpff_record_entry_get_name_to_id_map_entry (entry, &map, NULL) != 1 ||
		    libpff_name_to_id_map_entry_get_guid (map, guid, sizeof guid, NULL) != 1) {
			libpff_record_entry_free (&entry, NULL);
			return NULL;
		}
		first = guid[0] | (guint32) guid[1] << 8 | (guint32) guid[2] << 16 |
			(guint32) guid[3] << 24;
		if (first != psetid) {
			libpff_record_entry_free (&entry, NULL);
			return NULL;
		}
	}
	return entry;
}

static void
entry_free (libpff_record_entry_t *entry)
{
	libpff_record_entry_free (&entry, NULL);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (libpff_record_entry_t, entry_free)

static gboolean
lp_has (libpff_item_t *item, gint set, guint32 psetid, guint32 id)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	return entry != NULL;
}

/**
 * cs_pff_get_string:
 * Returns: (transfer full) (nullable): UTF-8, %NULL when absent or empty
 */
static gchar *
lp_get_string (libpff_item_t *item, gint set, guint32 psetid, guint32 id)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	g_autofree gchar *text = NULL;
	size_t size = 0;

	if (entry == NULL ||
	    libpff_record_entry_get_data_as_utf8_string_size (entry, &size, NULL) != 1 ||
	    size <= 1 || size > 64 * 1024 * 1024)
		return NULL;
	text = g_malloc0 (size + 1);
	if (libpff_record_entry_get_data_as_utf8_string (entry, (guint8 *) text, size, NULL) != 1)
		return NULL;
	if (!g_utf8_validate (text, -1, NULL))
		return g_utf8_make_valid (text, -1);
	return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

/**
 * cs_pff_get_bytes:
 * @type: (out) (optional): the value's type (PT_MV_UNICODE 0x101f …)
 *
 * A value's raw data, for the multi-valued strings libpff's own reader
 * returns nothing for.
 *
 * Returns: (transfer full) (nullable): %NULL when absent, empty or over 1 MiB
 */
static GBytes *
lp_get_bytes (libpff_item_t *item, gint set, guint32 psetid, guint32 id, guint32 *type)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	size_t size = 0;
	uint32_t t = 0;
	guint8 *data;

	if (entry == NULL || libpff_record_entry_get_value_type (entry, &t, NULL) != 1 ||
	    libpff_record_entry_get_data_size (entry, &size, NULL) != 1 || size == 0 ||
	    size > 1024 * 1024)
		return NULL;
	data = g_malloc (size);
	if (libpff_record_entry_get_data (entry, data, size, NULL) != 1) {
		g_free (data);
		return NULL;
	}
	if (type != NULL)
		*type = t;
	return g_bytes_new_take (data, size);
}

static gboolean
lp_get_int (libpff_item_t *item, gint set, guint32 psetid, guint32 id, gint64 *out)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	size_t size = 0;

	if (entry == NULL || libpff_record_entry_get_data_size (entry, &size, NULL) != 1)
		return FALSE;
	if (size == 2) {
		guint16 v16;
		if (libpff_record_entry_get_data_as_16bit_integer (entry, &v16, NULL) != 1)
			return FALSE;
		*out = (gint16) v16;
		return TRUE;
	}
	if (size == 4) {
		guint32 v32;
		if (libpff_record_entry_get_data_as_32bit_integer (entry, &v32, NULL) != 1)
			return FALSE;
		*out = (gint32) v32;
		return TRUE;
	}
	return FALSE;
}

static gboolean
lp_get_bool (libpff_item_t *item, gint set, guint32 psetid, guint32 id, gboolean *out)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	guint8 v;
	if (entry == NULL || libpff_record_entry_get_data_as_boolean (entry, &v, NULL) != 1)
		return FALSE;
	*out = v != 0;
	return TRUE;
}

static gboolean
lp_get_double (libpff_item_t *item, gint set, guint32 psetid, guint32 id, gdouble *out)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	double v;
	if (entry == NULL || libpff_record_entry_get_data_as_floating_point (entry, &v, NULL) != 1)
		return FALSE;
	*out = v;
	return TRUE;
}

static gboolean
lp_get_filetime (libpff_item_t *item, gint set, guint32 psetid, guint32 id, guint64 *out)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	guint64 v;
	if (entry == NULL || libpff_record_entry_get_data_as_filetime (entry, &v, NULL) != 1)
		return FALSE;
	*out = v;
	return TRUE;
}

/**
 * cs_pff_get_binary:
 * Returns: (transfer full) (nullable)
 */
static GBytes *
lp_get_binary (libpff_item_t *item, gint set, guint32 psetid, guint32 id)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	g_autofree guint8 *data = NULL;
	size_t size = 0;

	if (entry == NULL || libpff_record_entry_get_data_size (entry, &size, NULL) != 1 ||
	    size == 0 || size > 16 * 1024 * 1024)
		return NULL;
	data = g_malloc (size);
	if (libpff_record_entry_get_data (entry, data, size, NULL) != 1)
		return NULL;
	return g_bytes_new_take (g_steal_pointer (&data), size);
}

gint
cs_pff_get_n_sets (libpff_item_t *item)
{
	int n = 0;
	if (item == NULL || libpff_item_get_number_of_record_sets (item, &n, NULL) != 1)
		return 0;
	return n;
}

/* libpff's recipients: one record set per recipient */
static libpff_item_t *
lp_get_recipients (libpff_item_t *message)
{
	libpff_item_t *recipients = NULL;
	libpff_error_t *pff_error = NULL;
	if (libpff_message_get_recipients (message, &recipients, &pff_error) != 1) {
		libpff_error_free (&pff_error);
		return NULL;
	}
	return recipients;
}

gchar *
cs_pff_set_get_string (libpff_item_t *item, gint set, guint32 id)
{
	return lp_get_string (item, set, 0, id);
}

gboolean
cs_pff_set_get_int (libpff_item_t *item, gint set, guint32 id, gint64 *out)
{
	return lp_get_int (item, set, 0, id, out);
}

/* ---- the item's own properties, read by cs-pst-pc.c -------------------
 * Each conversion below gives what libpff's record entry functions give for
 * the same type and data; what it cannot tell returns FALSE (ask libpff). */

/* the item's property context, read at the first need */
static CsPstPc *
item_pc (CsPffItem *item)
{
	if (!item->pc_tried && item->pff->pc != NULL) {
		item->pc_tried = TRUE;
		item->pc = cs_pst_pc_read (item->pff->pc, item->nid);
	}
	return item->pc;
}

static CsPstPcResult
pc_find (CsPffItem *item, guint32 psetid, guint32 id, guint16 *type, const guint8 **data,
	 gsize *size)
{
	if (item == NULL)
		return CS_PST_PC_ABSENT;
	if (item_pc (item) == NULL)
		return CS_PST_PC_UNSURE;
	return cs_pst_pc_find (item->pc, psetid, id, type, data, size);
}

/* Windows-1252's 0x80..0x9F (libpff's default code page for 8-bit strings;
 * the five unassigned bytes become U+FFFD, 0xA0.. are Latin-1) */
static const gunichar cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

/* the text up to the first NUL; FALSE when libpff must decide (a byte-order
 * mark, surrogates) */
static gboolean
pc_text (guint16 type, const guint8 *data, gsize size, gchar **out)
{
	GString *s;

	*out = NULL;
	if (type != 0x001F && type != 0x001E)
		return TRUE;
	if (data == NULL || size == 0)
		return TRUE;
	s = g_string_sized_new (size);
	if (type == 0x001F) {
		if (size % 2 != 0) {
			g_string_free (s, TRUE);
			return TRUE;
		}
		if ((data[0] == 0xFF && data[1] == 0xFE) || (data[0] == 0xFE && data[1] == 0xFF)) {
			g_string_free (s, TRUE);
			return FALSE;
		}
		for (gsize i = 0; i + 1 < size; i += 2) {
			gunichar c = data[i] | (gunichar) data[i + 1] << 8;
			if (c == 0)
				break;
			if (c >= 0xD800 && c <= 0xDFFF) {
				g_string_free (s, TRUE);
				return FALSE;
			}
			g_string_append_unichar (s, c);
		}
	} else {
		for (gsize i = 0; i < size && data[i] != 0; i++) {
			guchar c = data[i];
			if (c < 0x80)
				g_string_append_c (s, (gchar) c);
			else
				g_string_append_unichar (s, c < 0xA0 ? cp1252_high[c - 0x80] : c);
		}
	}
	/* libpff's size counts the terminator: one byte is an empty text */
	if (s->len == 0 || s->len + 1 > 64 * 1024 * 1024) {
		g_string_free (s, TRUE);
		return TRUE;
	}
	*out = g_string_free (s, FALSE);
	return TRUE;
}

gboolean
cs_pff_has (CsPffItem *item, guint32 psetid, guint32 id)
{
	guint16 type;
	const guint8 *data;
	gsize size;

	switch (pc_find (item, psetid, id, &type, &data, &size)) {
	case CS_PST_PC_ABSENT:
		return FALSE;
	case CS_PST_PC_FOUND:
		return TRUE;
	case CS_PST_PC_UNSURE:
	default:
		return lp_has (item->item, 0, psetid, id);
	}
}

gchar *
cs_pff_get_string (CsPffItem *item, guint32 psetid, guint32 id)
{
	guint16 type;
	const guint8 *data;
	gsize size;
	gchar *text = NULL;

	switch (pc_find (item, psetid, id, &type, &data, &size)) {
	case CS_PST_PC_ABSENT:
		return NULL;
	case CS_PST_PC_FOUND:
		if (pc_text (type, data, size, &text))
			return text;
		break;
	case CS_PST_PC_UNSURE:
	default:
		break;
	}
	return lp_get_string (item->item, 0, psetid, id);
}

GBytes *
cs_pff_get_bytes (CsPffItem *item, guint32 psetid, guint32 id, guint32 *type)
{
	guint16 t;
	const guint8 *data;
	gsize size;

	switch (pc_find (item, psetid, id, &t, &data, &size)) {
	case CS_PST_PC_ABSENT:
		return NULL;
	case CS_PST_PC_FOUND:
		if (data == NULL || size == 0 || size > 1024 * 1024)
			return NULL;
		if (type != NULL)
			*type = t;
		return g_bytes_new (data, size);
	case CS_PST_PC_UNSURE:
	default:
		return lp_get_bytes (item->item, 0, psetid, id, type);
	}
}

/* an integer as lp_get_int() reads it */
static gboolean
pc_int (guint16 type, const guint8 *data, gsize size, gint64 *out)
{
	if (data == NULL)
		return FALSE;
	if (size == 2 && type == 0x0002) {
		*out = (gint16) (data[0] | data[1] << 8);
		return TRUE;
	}
	if (size == 4 && type == 0x0003) {
		*out = (gint32) (data[0] | (guint32) data[1] << 8 | (guint32) data[2] << 16 |
				 (guint32) data[3] << 24);
		return TRUE;
	}
	return FALSE;
}

gboolean
cs_pff_get_int (CsPffItem *item, guint32 psetid, guint32 id, gint64 *out)
{
	guint16 type;
	const guint8 *data;
	gsize size;

	switch (pc_find (item, psetid, id, &type, &data, &size)) {
	case CS_PST_PC_ABSENT:
		return FALSE;
	case CS_PST_PC_FOUND:
		return pc_int (type, data, size, out);
	case CS_PST_PC_UNSURE:
	default:
		return lp_get_int (item->item, 0, psetid, id, out);
	}
}

gboolean
cs_pff_get_bool (CsPffItem *item, guint32 psetid, guint32 id, gboolean *out)
{
	guint16 type;
	const guint8 *data;
	gsize size;

	switch (pc_find (item, psetid, id, &type, &data, &size)) {
	case CS_PST_PC_ABSENT:
		return FALSE;
	case CS_PST_PC_FOUND:
		if (type != 0x000B || data == NULL || size != 1)
			return FALSE;
		*out = data[0] != 0;
		return TRUE;
	case CS_PST_PC_UNSURE:
	default:
		return lp_get_bool (item->item, 0, psetid, id, out);
	}
}

static guint64
le64 (const guint8 *d)
{
	guint64 v = 0;
	for (guint i = 8; i > 0; i--)
		v = v << 8 | d[i - 1];
	return v;
}

gboolean
cs_pff_get_double (CsPffItem *item, guint32 psetid, guint32 id, gdouble *out)
{
	guint16 type;
	const guint8 *data;
	gsize size;

	switch (pc_find (item, psetid, id, &type, &data, &size)) {
	case CS_PST_PC_ABSENT:
		return FALSE;
	case CS_PST_PC_FOUND:
		if ((type != 0x0004 && type != 0x0005) || data == NULL || (size != 4 && size != 8))
			return FALSE;
		if (size == 8) {
			guint64 bits = le64 (data);
			memcpy (out, &bits, sizeof *out);
			return TRUE;
		}
		break; /* a 32-bit float: as libpff widens it */
	case CS_PST_PC_UNSURE:
	default:
		break;
	}
	return lp_get_double (item->item, 0, psetid, id, out);
}

gboolean
cs_pff_get_filetime (CsPffItem *item, guint32 psetid, guint32 id, guint64 *out)
{
	guint16 type;
	const guint8 *data;
	gsize size;

	switch (pc_find (item, psetid, id, &type, &data, &size)) {
	case CS_PST_PC_ABSENT:
		return FALSE;
	case CS_PST_PC_FOUND:
		if (type != 0x0040 || data == NULL || size != 8)
			return FALSE;
		*out = le64 (data);
		return TRUE;
	case CS_PST_PC_UNSURE:
	default:
		return lp_get_filetime (item->item, 0, psetid, id, out);
	}
}

GBytes *
cs_pff_get_binary (CsPffItem *item, guint32 psetid, guint32 id)
{
	guint16 type;
	const guint8 *data;
	gsize size;

	switch (pc_find (item, psetid, id, &type, &data, &size)) {
	case CS_PST_PC_ABSENT:
		return NULL;
	case CS_PST_PC_FOUND:
		if (data == NULL || size == 0 || size > 16 * 1024 * 1024)
			return NULL;
		return g_bytes_new (data, size);
	case CS_PST_PC_UNSURE:
	default:
		return lp_get_binary (item->item, 0, psetid, id);
	}
}

/* libpff only finds string-named properties by name, whatever their set */
static GBytes *
lp_get_named_bytes (libpff_item_t *item, const gchar *name, guint32 *type)
{
	libpff_record_set_t *rs = NULL;
	libpff_record_entry_t *entry = NULL;
	GBytes *raw = NULL;
	uint32_t t = 0;
	size_t size = 0;

	if (item == NULL || libpff_item_get_record_set_by_index (item, 0, &rs, NULL) != 1)
		return NULL;
	if (libpff_record_set_get_entry_by_utf8_name (
		rs, (const guint8 *) name, strlen (name), 0x101f, &entry,
		LIBPFF_ENTRY_VALUE_FLAG_MATCH_ANY_VALUE_TYPE, NULL) != 1) {
		libpff_record_set_free (&rs, NULL);
		return NULL;
	}
	if (libpff_record_entry_get_value_type (entry, &t, NULL) == 1 &&
	    libpff_record_entry_get_data_size (entry, &size, NULL) == 1 && size > 0 &&
	    size <= 1024 * 1024) {
		guint8 *data = g_malloc (size);
		if (libpff_record_entry_get_data (entry, data, size, NULL) == 1)
			raw = g_bytes_new_take (data, size);
		else
			g_free (data);
	}
	libpff_record_entry_free (&entry, NULL);
	libpff_record_set_free (&rs, NULL);
	if (raw != NULL)
		*type = t;
	return raw;
}

/**
 * cs_pff_get_named_bytes:
 * Returns: (transfer full) (nullable): %NULL when absent, empty or over 1 MiB
 */
GBytes *
cs_pff_get_named_bytes (CsPffItem *item, const gchar *name, guint32 *type)
{
	guint16 t;
	const guint8 *data;
	gsize size;

	if (item == NULL)
		return NULL;
	if (!item->pc_tried && item->pff->pc != NULL) {
		item->pc_tried = TRUE;
		item->pc = cs_pst_pc_read (item->pff->pc, item->nid);
	}
	switch (item->pc != NULL ? cs_pst_pc_find_by_name (item->pc, name, &t, &data, &size)
				 : CS_PST_PC_UNSURE) {
	case CS_PST_PC_ABSENT:
		return NULL;
	case CS_PST_PC_FOUND:
		if (data == NULL || size == 0 || size > 1024 * 1024)
			return NULL;
		*type = t;
		return g_bytes_new (data, size);
	case CS_PST_PC_UNSURE:
	default:
		return lp_get_named_bytes (item->item, name, type);
	}
}

/* ---- the recipient table, read by cs-pst-pc.c -------------------------- */

struct _CsPffTable {
	CsPffItem *message;   /* (unowned): outlives the table */
	CsPstTc *tc;	      /* (owned) (nullable): our reading */
	libpff_item_t *item;  /* (owned) (nullable): libpff's, for what @tc cannot say */
	gboolean item_tried;
};

/* libpff hands recipients out only after typing the message by its
 * PR_MESSAGE_CLASS (a table it cannot read, or no class, and it gives
 * none): ours must be a plain ASCII class, which libpff reads as we do */
static gboolean
pc_class_plain (CsPffItem *message)
{
	guint16 type;
	const guint8 *data;
	gsize size;

	if (pc_find (message, 0, 0x001A, &type, &data, &size) != CS_PST_PC_FOUND || data == NULL)
		return FALSE;
	if (type == 0x001E) {
		for (gsize i = 0; i < size && data[i] != 0; i++)
			if (data[i] >= 0x80)
				return FALSE;
		return data[0] != 0;
	}
	if (type != 0x001F || size % 2 != 0)
		return FALSE;
	for (gsize i = 0; i + 1 < size && (data[i] != 0 || data[i + 1] != 0); i += 2)
		if (data[i] >= 0x80 || data[i + 1] != 0)
			return FALSE;
	return data[0] != 0 || data[1] != 0;
}

void
cs_pff_table_free (CsPffTable *self)
{
	if (self == NULL)
		return;
	cs_pst_tc_free (self->tc);
	cs_pff_sub_item_free (self->item);
	g_free (self);
}

/**
 * cs_pff_get_recipients:
 * Returns: (transfer full) (nullable): %NULL where libpff gives none
 */
CsPffTable *
cs_pff_get_recipients (CsPffItem *message)
{
	g_autoptr(CsPffTable) self = NULL;

	if (message == NULL)
		return NULL;
	self = g_new0 (CsPffTable, 1);
	self->message = message;
	if (item_pc (message) != NULL) {
		switch (cs_pst_pc_read_table (message->pc, 0x692, &self->tc)) {
		case CS_PST_PC_ABSENT:
			/* libpff: "not available", or an error typing the
			 * message; none either way */
			return NULL;
		case CS_PST_PC_FOUND:
			if (pc_class_plain (message))
				return g_steal_pointer (&self);
			g_clear_pointer (&self->tc, cs_pst_tc_free);
			break;
		case CS_PST_PC_UNSURE:
		default:
			break;
		}
	}
	self->item_tried = TRUE;
	self->item = lp_get_recipients (message->item);
	if (self->item == NULL)
		return NULL;
	return g_steal_pointer (&self);
}

gint
cs_pff_table_get_n_rows (CsPffTable *self)
{
	if (self->tc != NULL)
		return (gint) MIN (cs_pst_tc_get_n_rows (self->tc), (guint) G_MAXINT);
	return cs_pff_get_n_sets (self->item);
}

/* libpff's table, for a value our conversions leave to it */
static libpff_item_t *
table_lp (CsPffTable *self)
{
	if (!self->item_tried) {
		self->item_tried = TRUE;
		self->item = lp_get_recipients (self->message->item);
	}
	return self->item;
}

gchar *
cs_pff_table_get_string (CsPffTable *self, gint row, guint32 id)
{
	guint16 type;
	const guint8 *data;
	gsize size;
	gchar *text = NULL;

	if (self->tc != NULL) {
		switch (cs_pst_tc_find (self->tc, (guint) row, id, &type, &data, &size)) {
		case CS_PST_PC_ABSENT:
			return NULL;
		case CS_PST_PC_FOUND:
			if (pc_text (type, data, size, &text))
				return text;
			break;
		case CS_PST_PC_UNSURE:
		default:
			break;
		}
	}
	return lp_get_string (table_lp (self), row, 0, id);
}

gboolean
cs_pff_table_get_int (CsPffTable *self, gint row, guint32 id, gint64 *out)
{
	guint16 type;
	const guint8 *data;
	gsize size;

	if (self->tc != NULL) {
		switch (cs_pst_tc_find (self->tc, (guint) row, id, &type, &data, &size)) {
		case CS_PST_PC_ABSENT:
			return FALSE;
		case CS_PST_PC_FOUND:
			return pc_int (type, data, size, out);
		case CS_PST_PC_UNSURE:
		default:
			break;
		}
	}
	return lp_get_int (table_lp (self), row, 0, id, out);
}

gboolean
cs_pff_has_no_attachments (CsPffItem *message)
{
	if (message == NULL || item_pc (message) == NULL)
		return FALSE;
	return cs_pst_pc_has_sub (message->pc, 0x671) == CS_PST_PC_ABSENT;
}
