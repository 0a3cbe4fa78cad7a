/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-pst-pff.h"

struct _CsPff {
	libpff_file_t *file; /* (owned) */
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
cs_pff_open (const gchar *path, GError **error)
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

/**
 * cs_pff_get_item:
 * @nid: the descriptor id (libpst's d_id)
 * Returns: (transfer full) (nullable): free with cs_pff_item_free()
 */
libpff_item_t *
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
	return item;
}

/**
 * cs_pff_get_message_store:
 * Returns: (transfer full) (nullable)
 */
libpff_item_t *
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
	return item;
}

void
cs_pff_item_free (libpff_item_t *item)
{
	if (item != NULL)
		libpff_item_free (&item, NULL);
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

gboolean
cs_pff_has (libpff_item_t *item, gint set, guint32 psetid, guint32 id)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	return entry != NULL;
}

/**
 * cs_pff_get_string:
 * Returns: (transfer full) (nullable): UTF-8, %NULL when absent or empty
 */
gchar *
cs_pff_get_string (libpff_item_t *item, gint set, guint32 psetid, guint32 id)
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
GBytes *
cs_pff_get_bytes (libpff_item_t *item, gint set, guint32 psetid, guint32 id, guint32 *type)
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

gboolean
cs_pff_get_int (libpff_item_t *item, gint set, guint32 psetid, guint32 id, gint64 *out)
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

gboolean
cs_pff_get_bool (libpff_item_t *item, gint set, guint32 psetid, guint32 id, gboolean *out)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	guint8 v;
	if (entry == NULL || libpff_record_entry_get_data_as_boolean (entry, &v, NULL) != 1)
		return FALSE;
	*out = v != 0;
	return TRUE;
}

gboolean
cs_pff_get_double (libpff_item_t *item, gint set, guint32 psetid, guint32 id, gdouble *out)
{
	g_autoptr(libpff_record_entry_t) entry = lookup (item, set, psetid, id);
	double v;
	if (entry == NULL || libpff_record_entry_get_data_as_floating_point (entry, &v, NULL) != 1)
		return FALSE;
	*out = v;
	return TRUE;
}

gboolean
cs_pff_get_filetime (libpff_item_t *item, gint set, guint32 psetid, guint32 id, guint64 *out)
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
GBytes *
cs_pff_get_binary (libpff_item_t *item, gint set, guint32 psetid, guint32 id)
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

/**
 * cs_pff_get_recipients:
 * Returns: (transfer full) (nullable): one record set per recipient
 */
libpff_item_t *
cs_pff_get_recipients (libpff_item_t *message)
{
	libpff_item_t *recipients = NULL;
	libpff_error_t *pff_error = NULL;
	if (message == NULL)
		return NULL;
	if (libpff_message_get_recipients (message, &recipients, &pff_error) != 1) {
		libpff_error_free (&pff_error);
		return NULL;
	}
	return recipients;
}
