/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "cs-record.h"

typedef struct {
	const gchar *name; /* interned */
	GVariant *value;   /* (owned) non-floating */
} CsField;

/* A run holds every record it read (100,000 contacts and more), so a record
 * is kept small: its fields in one array sorted by name, the names interned
 * (a kind's field names are a small fixed set), not a hash table each. */
struct _CsRecord {
	gint ref_count;
	CsKind kind;
	gchar *id;		/* (owned) (nullable): NULL until the provider assigns one */
	gchar *version;		/* (owned) (nullable) */
	gchar *folder;		/* (owned) (nullable) */
	gint64 modified;
	gboolean deleted;
	gboolean stripped; /* the fields were let go (cs_record_strip()) */
	guint n_fields;
	guint n_alloc;
	CsField *fields; /* (owned) (array length=n_fields) sorted by name */
};

/* where @name is, or where it would go (*found FALSE) */
static guint
field_find (const CsRecord *self, const gchar *name, gboolean *found)
{
	guint lo = 0, hi = self->n_fields;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		gint c = self->fields[mid].name == name ? 0 : strcmp (self->fields[mid].name, name);
		if (c == 0) {
			*found = TRUE;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = FALSE;
	return lo;
}

/* @value: (transfer full) non-floating */
static void
field_put (CsRecord *self, const gchar *name, GVariant *value)
{
	gboolean found;
	guint at = field_find (self, name, &found);
	if (found) {
		g_variant_unref (self->fields[at].value);
		self->fields[at].value = value;
		return;
	}
	if (self->n_fields == self->n_alloc) {
		self->n_alloc = self->n_alloc == 0 ? 8 : self->n_alloc * 2;
		self->fields = g_renew (CsField, self->fields, self->n_alloc);
	}
	memmove (&self->fields[at + 1], &self->fields[at],
		 (self->n_fields - at) * sizeof (CsField));
	self->fields[at].name = g_intern_string (name);
	self->fields[at].value = value;
	self->n_fields++;
}

static void
field_remove (CsRecord *self, const gchar *name)
{
	gboolean found;
	guint at = field_find (self, name, &found);
	if (!found)
		return;
	g_variant_unref (self->fields[at].value);
	memmove (&self->fields[at], &self->fields[at + 1],
		 (self->n_fields - at - 1) * sizeof (CsField));
	self->n_fields--;
}

G_DEFINE_BOXED_TYPE (CsRecord, cs_record, cs_record_ref, cs_record_unref)

static const gchar *kind_names[] = {"contact", "organisation", "task", "event", "email"};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == CS_KIND_LAST);

const gchar *
cs_kind_to_string (CsKind kind)
{
	g_return_val_if_fail (kind < CS_KIND_LAST, NULL);
	return kind_names[kind];
}

/**
 * cs_kind_get_label:
 *
 * Returns: what a person calls records of @kind, translated and plural
 *   ("Appointments" for events, as Outlook names them)
 */
const gchar *
cs_kind_get_label (CsKind kind)
{
	switch (kind) {
	case CS_KIND_CONTACT:
		return _("Contacts");
	case CS_KIND_ORGANISATION:
		return _("Organisations");
	case CS_KIND_TASK:
		return _("Tasks");
	case CS_KIND_EVENT:
		return _("Appointments");
	case CS_KIND_EMAIL:
	case CS_KIND_LAST:
	default:
		return _("E-mails");
	}
}

gboolean
cs_kind_from_string (const gchar *str, CsKind *kind)
{
	for (guint i = 0; str != NULL && i < CS_KIND_LAST; i++) {
		if (g_strcmp0 (str, kind_names[i]) == 0) {
			if (kind != NULL)
				*kind = (CsKind) i;
			return TRUE;
		}
	}
	return FALSE;
}

const gchar *
cs_side_to_string (CsSide side)
{
	return side == CS_SIDE_CRM ? "crm" : "outlook";
}

CsSide
cs_side_other (CsSide side)
{
	return side == CS_SIDE_CRM ? CS_SIDE_OUTLOOK : CS_SIDE_CRM;
}

CsRecord *
cs_record_new (CsKind kind, const gchar *id)
{
	CsRecord *self = g_new0 (CsRecord, 1);
	self->ref_count = 1;
	self->kind = kind;
	self->id = g_strdup (id);
	return self;
}

CsRecord *
cs_record_new_tombstone (CsKind kind, const gchar *id)
{
	CsRecord *self = cs_record_new (kind, id);
	self->deleted = TRUE;
	return self;
}

/**
 * cs_record_new_from_variant:
 * @fields: an `a{sv}`; floating references are sunk
 */
CsRecord *
cs_record_new_from_variant (CsKind kind, const gchar *id, GVariant *fields)
{
	CsRecord *self = cs_record_new (kind, id);
	GVariantIter iter;
	const gchar *name;
	GVariant *value;

	g_variant_ref_sink (fields);
	g_variant_iter_init (&iter, fields);
	while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
		field_put (self, name, value);
	g_variant_unref (fields);
	return self;
}

CsRecord *
cs_record_copy (const CsRecord *self)
{
	CsRecord *copy = cs_record_new (self->kind, self->id);

	copy->version = g_strdup (self->version);
	copy->folder = g_strdup (self->folder);
	copy->modified = self->modified;
	copy->deleted = self->deleted;
	copy->n_fields = copy->n_alloc = self->n_fields;
	copy->fields = g_new (CsField, MAX (self->n_fields, 1));
	for (guint i = 0; i < self->n_fields; i++) {
		copy->fields[i].name = self->fields[i].name;
		copy->fields[i].value = g_variant_ref (self->fields[i].value);
	}
	return copy;
}

/**
 * cs_record_new_stub:
 *
 * Returns: (transfer full): a record that says which one @self is and how
 *   new (id, version, folder, dates), without its fields (stripped)
 */
CsRecord *
cs_record_new_stub (const CsRecord *self)
{
	CsRecord *stub = cs_record_new (self->kind, self->id);
	stub->version = g_strdup (self->version);
	stub->folder = g_strdup (self->folder);
	stub->modified = self->modified;
	stub->deleted = self->deleted;
	stub->stripped = TRUE;
	return stub;
}

CsRecord *
cs_record_ref (CsRecord *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	g_atomic_int_inc (&self->ref_count);
	return self;
}

void
cs_record_unref (CsRecord *self)
{
	if (self == NULL)
		return;
	if (!g_atomic_int_dec_and_test (&self->ref_count))
		return;
	g_free (self->id);
	g_free (self->version);
	g_free (self->folder);
	for (guint i = 0; i < self->n_fields; i++)
		g_variant_unref (self->fields[i].value);
	g_free (self->fields);
	g_free (self);
}

CsKind
cs_record_get_kind (const CsRecord *self)
{
	return self->kind;
}

const gchar *
cs_record_get_id (const CsRecord *self)
{
	return self->id;
}

void
cs_record_set_id (CsRecord *self, const gchar *id)
{
	if (self->id == id)
		return;
	g_free (self->id);
	self->id = g_strdup (id);
}

const gchar *
cs_record_get_version (const CsRecord *self)
{
	return self->version;
}

void
cs_record_set_version (CsRecord *self, const gchar *version)
{
	if (self->version == version)
		return;
	g_free (self->version);
	self->version = g_strdup (version);
}

gint64
cs_record_get_modified (const CsRecord *self)
{
	return self->modified;
}

void
cs_record_set_modified (CsRecord *self, gint64 modified_usec)
{
	self->modified = modified_usec;
}

gboolean
cs_record_is_deleted (const CsRecord *self)
{
	return self->deleted;
}

/**
 * cs_record_strip:
 *
 * Lets go of the fields, keeping what says which record it is and how new
 * (id, version, folder, modified, deleted): for a record whose content is
 * of no use any more (written and committed), so that a run of 100,000
 * records does not hold them all to its end.
 */
void
cs_record_strip (CsRecord *self)
{
	for (guint i = 0; i < self->n_fields; i++)
		g_variant_unref (self->fields[i].value);
	g_clear_pointer (&self->fields, g_free);
	self->n_fields = self->n_alloc = 0;
	self->stripped = TRUE;
}

/* whether the fields are gone: such a record is no current content */
gboolean
cs_record_is_stripped (const CsRecord *self)
{
	return self->stripped;
}

const gchar *
cs_record_get_folder (const CsRecord *self)
{
	return self->folder;
}

void
cs_record_set_folder (CsRecord *self, const gchar *folder)
{
	if (self->folder == folder)
		return;
	g_free (self->folder);
	self->folder = g_strdup (folder);
}

/**
 * cs_record_set_field:
 * @value: (nullable): floating references are sunk; %NULL removes the field
 */
void
cs_record_set_field (CsRecord *self, const gchar *name, GVariant *value)
{
	if (value == NULL) {
		field_remove (self, name);
		return;
	}
	field_put (self, name, g_variant_ref_sink (value));
}

/**
 * cs_record_get_field:
 * Returns: (transfer none) (nullable)
 */
GVariant *
cs_record_get_field (const CsRecord *self, const gchar *name)
{
	gboolean found;
	guint at;
	if (name == NULL)
		return NULL;
	at = field_find (self, name, &found);
	return found ? self->fields[at].value : NULL;
}

gboolean
cs_record_has_field (const CsRecord *self, const gchar *name)
{
	return cs_record_get_field (self, name) != NULL;
}

void
cs_record_remove_field (CsRecord *self, const gchar *name)
{
	field_remove (self, name);
}

guint
cs_record_get_n_fields (const CsRecord *self)
{
	return self->n_fields;
}

gint
cs_str_ptr_cmp (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/**
 * cs_record_get_field_names:
 * Returns: (transfer container) (element-type utf8): sorted names, borrowed strings
 */
GPtrArray *
cs_record_get_field_names (const CsRecord *self)
{
	GPtrArray *names = g_ptr_array_sized_new (self->n_fields + 1);

	/* kept sorted already */
	for (guint i = 0; i < self->n_fields; i++)
		g_ptr_array_add (names, (gpointer)self->fields[i].name);
	return names;
}

void
cs_record_set_string (CsRecord *self, const gchar *name, const gchar *value)
{
	/* a backend's broken text keeps what can be read, never aborts or vanishes */
	if (value != NULL && !g_utf8_validate (value, -1, NULL)) {
		g_autofree gchar *valid = g_utf8_make_valid (value, -1);
		cs_record_set_field (self, name, g_variant_new_string (valid));
		return;
	}
	cs_record_set_field (self, name, value != NULL ? g_variant_new_string (value) : NULL);
}

const gchar *
cs_record_get_string (const CsRecord *self, const gchar *name)
{
	GVariant *v = cs_record_get_field (self, name);
	if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
		return NULL;
	return g_variant_get_string (v, NULL);
}

void
cs_record_set_int (CsRecord *self, const gchar *name, gint64 value)
{
	cs_record_set_field (self, name, g_variant_new_int64 (value));
}

gint64
cs_record_get_int (const CsRecord *self, const gchar *name, gint64 fallback)
{
	GVariant *v = cs_record_get_field (self, name);
	if (v == NULL)
		return fallback;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
		return g_variant_get_int64 (v);
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
		return g_variant_get_int32 (v);
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
		return (gint64) g_variant_get_double (v);
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
		gint64 out;
		if (g_ascii_string_to_signed (g_variant_get_string (v, NULL), 10, G_MININT64,
					      G_MAXINT64, &out, NULL))
			return out;
	}
	return fallback;
}

void
cs_record_set_bool (CsRecord *self, const gchar *name, gboolean value)
{
	cs_record_set_field (self, name, g_variant_new_boolean (value));
}

gboolean
cs_record_get_bool (const CsRecord *self, const gchar *name, gboolean fallback)
{
	GVariant *v = cs_record_get_field (self, name);
	if (v == NULL)
		return fallback;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
		return g_variant_get_boolean (v);
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
		return g_variant_get_int64 (v) != 0;
	if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)) {
		const gchar *s = g_variant_get_string (v, NULL);
		return g_ascii_strcasecmp (s, "true") == 0 || g_strcmp0 (s, "1") == 0;
	}
	return fallback;
}

/**
 * cs_record_dup_fields:
 * Returns: (transfer full): the fields as an `a{sv}`, keys sorted
 */
GVariant *
cs_record_dup_fields (const CsRecord *self)
{
	g_autoptr(GPtrArray) names = cs_record_get_field_names (self);
	GVariantBuilder b;

	g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index (names, i);
		g_variant_builder_add (&b, "{sv}", name, cs_record_get_field (self, name));
	}
	return g_variant_ref_sink (g_variant_builder_end (&b));
}

/**
 * cs_record_hash_fields:
 * @names: (nullable): the fields to hash, %NULL for all
 *
 * A content hash of the normalised field values; equal content gives an equal
 * hash whatever the field order, so it serves as a version for providers
 * without one and for echo detection.
 */
/* a string g_variant_print() shows as it is, in single quotes: printable
 * characters without a quote or backslash (most names, e-mails, numbers) */
static gboolean
prints_plain (const gchar *s)
{
	while (*s != '\0') {
		guchar b = (guchar) *s;
		if (b >= 0x80) {
			if (!g_unichar_isprint (g_utf8_get_char (s)))
				return FALSE;
			s = g_utf8_next_char (s);
			continue;
		}
		if (b < 0x20 || b > 0x7e || b == '\'' || b == '\\')
			return FALSE;
		s++;
	}
	return TRUE;
}

/* what g_variant_print (@value, TRUE) writes, onto @out; the common shapes
 * (a plain string, a list of them) without making the text, which was a
 * tenth of a first sync's work */
static void
append_printed (GString *out, GVariant *value)
{
	g_autofree gchar *text = NULL;

	if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
		const gchar *str = g_variant_get_string (value, NULL);
		if (prints_plain (str)) {
			g_string_append_c (out, '\'');
			g_string_append (out, str);
			g_string_append_c (out, '\'');
			return;
		}
	} else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY) &&
		   g_variant_n_children (value) > 0) {
		g_autofree const gchar **strv = g_variant_get_strv (value, NULL);
		gboolean plain = TRUE;
		for (guint i = 0; plain && strv[i] != NULL; i++)
			plain = prints_plain (strv[i]);
		if (plain) {
			for (guint i = 0; strv[i] != NULL; i++) {
				g_string_append (out, i == 0 ? "['" : ", '");
				g_string_append (out, strv[i]);
				g_string_append_c (out, '\'');
			}
			g_string_append_c (out, ']');
			return;
		}
	}
	text = g_variant_print (value, TRUE);
	g_string_append (out, text);
}

gchar *
cs_record_hash_fields (const CsRecord *self, const gchar *const *names)
{
	g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
	g_autoptr(GPtrArray) all = NULL;
	/* the text hashed, whole: one update instead of four per field */
	g_autoptr(GString) text = g_string_sized_new (512);

	if (names == NULL) {
		all = cs_record_get_field_names (self);
		g_ptr_array_add (all, NULL);
		names = (const gchar *const *) all->pdata;
	}
	for (guint i = 0; names[i] != NULL; i++) {
		g_autoptr(GVariant) norm = cs_value_normalize (cs_record_get_field (self, names[i]));
		if (norm == NULL)
			continue;
		g_string_append (text, names[i]);
		g_string_append_c (text, '\x1f');
		append_printed (text, norm);
		g_string_append_c (text, '\x1e');
	}
	g_checksum_update (sum, (const guchar *) text->str, (gssize) text->len);
	return g_strndup (g_checksum_get_string (sum), 16);
}

/**
 * cs_value_null:
 *
 * The value that clears a field in a write (an empty maybe).
 * Returns: (transfer floating)
 */
GVariant *
cs_value_null (void)
{
	return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
}

gboolean
cs_value_is_null (GVariant *value)
{
	return value == NULL || (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE) &&
				 g_variant_n_children (value) == 0);
}

static gboolean
is_blank_string (const gchar *s)
{
	for (; *s != '\0'; s++) {
		if (!g_ascii_isspace (*s))
			return FALSE;
	}
	return TRUE;
}

static gboolean
is_normal_string (const gchar *s)
{
	gsize len = strlen (s);
	return len > 0 && !g_ascii_isspace (s[0]) && !g_ascii_isspace (s[len - 1])
	       && strchr (s, '\r') == NULL;
}

/* a list with no blank entry and nothing to trim */
static gboolean
is_normal_strv (GVariant *value)
{
	gsize n = g_variant_n_children (value);
	if (n == 0)
		return FALSE;
	for (gsize i = 0; i < n; i++) {
		const gchar *s;
		g_variant_get_child (value, i, "&s", &s);
		if (!is_normal_string (s))
			return FALSE;
	}
	return TRUE;
}

/**
 * cs_value_normalize:
 * @value: (nullable): not floating
 *
 * Strings are trimmed, CRLF becomes LF; blank strings, empty lists and
 * empty dictionaries count as no value, so "" on one side equals a missing
 * field on the other.
 *
 * Returns: (transfer full) (nullable)
 */
GVariant *
cs_value_normalize (GVariant *value)
{
	/* the type looked at once: this runs for every field of every record
	 * read, and a subtype test per shape was a twentieth of a first sync */
	const gchar *type = value != NULL ? g_variant_get_type_string (value) : "m";

	if (type[0] == 'm' && (value == NULL || g_variant_n_children (value) == 0))
		return NULL;
	if (g_str_equal (type, "v")) {
		g_autoptr(GVariant) inner = g_variant_get_variant (value);
		return cs_value_normalize (inner);
	}
	if (g_str_equal (type, "s")) {
		const gchar *s = g_variant_get_string (value, NULL);
		g_autofree gchar *copy = NULL;
		GString *out;
		if (is_blank_string (s))
			return NULL;
		/* most values are normal already: shared, not copied (every planned
		 * item holds its values, a copy each doubled what a run keeps) */
		if (is_normal_string (s))
			return g_variant_ref (value);
		copy = g_strstrip (g_strdup (s));
		out = g_string_new (copy);
		g_string_replace (out, "\r\n", "\n", 0);
		/* a string of its own size: GString's buffer may be twice as big */
		{
			GVariant *v = g_variant_ref_sink (g_variant_new_string (out->str));
			g_string_free (out, TRUE);
			return v;
		}
	}
	if (g_str_equal (type, "i"))
		return g_variant_ref_sink (g_variant_new_int64 (g_variant_get_int32 (value)));
	if (g_str_equal (type, "a{sv}")) {
		GVariantBuilder b;
		GVariantIter iter;
		const gchar *k;
		GVariant *v;
		g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
		g_autoptr(GHashTable) vals = g_hash_table_new_full (
		    g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_variant_unref);
		g_variant_iter_init (&iter, value);
		while (g_variant_iter_loop (&iter, "{&sv}", &k, &v)) {
			GVariant *n = cs_value_normalize (v);
			if (n == NULL)
				continue;
			g_ptr_array_add (keys, g_strdup (k));
			g_hash_table_insert (vals, keys->pdata[keys->len - 1], n);
		}
		if (keys->len == 0)
			return NULL;
		g_ptr_array_sort (keys, cs_str_ptr_cmp);
		g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
		for (guint i = 0; i < keys->len; i++)
			g_variant_builder_add (&b, "{sv}", (const gchar *) keys->pdata[i],
					       g_hash_table_lookup (vals, keys->pdata[i]));
		return g_variant_ref_sink (g_variant_builder_end (&b));
	}
	if (g_str_equal (type, "as")) {
		GVariantBuilder b;
		GVariantIter iter;
		const gchar *s;
		guint n = 0;
		if (is_normal_strv (value))
			return g_variant_ref (value);
		g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
		g_variant_iter_init (&iter, value);
		while (g_variant_iter_next (&iter, "&s", &s)) {
			g_autofree gchar *t = NULL;
			if (is_blank_string (s))
				continue;
			t = g_strstrip (g_strdup (s));
			g_variant_builder_add (&b, "s", t);
			n++;
		}
		if (n == 0) {
			g_variant_builder_clear (&b);
			return NULL;
		}
		return g_variant_ref_sink (g_variant_builder_end (&b));
	}
	if (g_str_equal (type, "av")) {
		GVariantBuilder b;
		GVariantIter iter;
		GVariant *v;
		guint n = 0;
		g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
		g_variant_iter_init (&iter, value);
		while (g_variant_iter_loop (&iter, "v", &v)) {
			g_autoptr(GVariant) nv = cs_value_normalize (v);
			if (nv == NULL)
				continue;
			g_variant_builder_add (&b, "v", nv);
			n++;
		}
		if (n == 0) {
			g_variant_builder_clear (&b);
			return NULL;
		}
		return g_variant_ref_sink (g_variant_builder_end (&b));
	}
	return g_variant_ref (value);
}

gboolean
cs_value_equal (GVariant *a, GVariant *b)
{
	g_autoptr(GVariant) na = cs_value_normalize (a);
	g_autoptr(GVariant) nb = cs_value_normalize (b);

	if (na == NULL || nb == NULL)
		return na == nb;
	if (g_variant_is_of_type (na, G_VARIANT_TYPE_DOUBLE) &&
	    g_variant_is_of_type (nb, G_VARIANT_TYPE_INT64))
		return g_variant_get_double (na) == (gdouble) g_variant_get_int64 (nb);
	if (g_variant_is_of_type (na, G_VARIANT_TYPE_INT64) &&
	    g_variant_is_of_type (nb, G_VARIANT_TYPE_DOUBLE))
		return g_variant_get_double (nb) == (gdouble) g_variant_get_int64 (na);
	return g_variant_equal (na, nb);
}

gchar *
cs_value_hash (GVariant *value)
{
	g_autoptr(GVariant) n = cs_value_normalize (value);
	g_autofree gchar *text = n != NULL ? g_variant_print (n, TRUE) : g_strdup ("");
	return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}
