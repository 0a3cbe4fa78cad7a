/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Property contexts read in the reader process (MS-PST 2.3.1 heap-on-node,
 * 2.3.2 BTH, 2.3.3 PC; 2.2.2.8 data and sub-node trees; 2.4.7 name-to-id
 * map). Blocks come decrypted from libpst (pst_ff_getIDblock_dec); the reader
 * has verified each of them (cs-pst-check.c) before an item is read.
 *
 * The answers must be libpff's, byte for byte, for the cases they are given
 * here: the record order, which entry a named id finds, the value sizes of
 * the fixed types and the empty values. Anything else is CS_PST_PC_UNSURE.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cs-pst-pc.h"

#define MAX_TREE_DEPTH 4 /* XXBLOCK, XBLOCK, data: deeper is damage */
#define MAX_BTH_LEVELS 8
#define N_NAMED	       0x8000 /* named ids are 0x8000..0xFFFF */

typedef struct {
	gboolean known;	   /* the map has an entry for this id */
	gboolean unsure;   /* an entry libpff reads otherwise (a string cut short) */
	gboolean numeric;  /* else a string name */
	guint32 lid;	   /* the numeric name */
	guint32 set;	   /* the property set GUID's first 32 bits, as libpff keeps them */
	const guint8 *name; /* the string name, UTF-16LE unless @name_ascii */
	gsize name_size;
	gboolean name_ascii;
} Name;

struct _CsPstPcFile {
	pst_file *pf;
	CsPstCheck *check;
	gboolean unicode;
	Name *names;	  /* (array N_NAMED) */
	gboolean names_unsure;
	CsPstPc *map;	  /* (owned) (nullable): the map's own node, which the names point into */
};

typedef struct {
	guint16 id;
	guint16 type;
	guint8 raw[4]; /* dwValueHnid as stored: the value of the small fixed types */
} Prop;

struct _CsPstPc {
	CsPstPcFile *file; /* (unowned) */
	GPtrArray *pages;  /* (element-type GBytes): the heap's blocks, in order */
	GArray *props;	   /* (element-type Prop), in the BTH's order */
	guint64 sub;	   /* the sub-node tree (values kept in their own nodes) */
	gboolean unreadable; /* libpff reads none of it: every lookup finds nothing */
	GPtrArray *values; /* (element-type GBytes): sub-node values read so far */
	GArray *subs;	   /* (element-type SubEntry) (nullable): the sub-node tree, read once */
	gboolean subs_tried;
};

typedef struct {
	guint32 nid;
	guint64 data; /* its data tree */
	guint64 sub;  /* its own sub-node tree */
} SubEntry;

typedef struct {
	guint16 id;
	guint16 type;
	const guint8 *data; /* (nullable): into the table's heap, row blocks or values */
	gsize size;
} Cell;

struct _CsPstTc {
	CsPstPc *heap;	   /* (owned): the table's heap, sub-node tree and values */
	GPtrArray *blocks; /* (element-type GBytes) (nullable): the row matrix's blocks */
	guint n_rows;
	guint n_cols;
	Cell *cells; /* n_rows × n_cols; a row's columns in iBit order, as libpff keeps them */
};

static guint64
le (const guint8 *p, guint n)
{
	guint64 v = 0;
	for (guint i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static GBytes *
read_block (CsPstPcFile *file, guint64 bid)
{
	char *buf = NULL;
	size_t n = pst_ff_getIDblock_dec (file->pf, bid, &buf);
	if (buf == NULL)
		return NULL;
	if (n == 0) {
		free (buf);
		return NULL;
	}
	return g_bytes_new_with_free_func (buf, n, free, buf);
}

/* the data blocks of a data tree, XBLOCKs and XXBLOCKs followed */
static gboolean
read_tree (CsPstPcFile *file, guint64 bid, GPtrArray *out, guint depth)
{
	g_autoptr(GBytes) block = NULL;
	const guint8 *d;
	gsize size;
	guint w = file->unicode ? 8 : 4;
	guint n;

	if (depth > MAX_TREE_DEPTH || bid == 0)
		return FALSE;
	block = read_block (file, bid);
	if (block == NULL)
		return FALSE;
	if ((bid & 0x2) == 0) {
		g_ptr_array_add (out, g_steal_pointer (&block));
		return TRUE;
	}
	d = g_bytes_get_data (block, &size);
	if (size < 8 || d[0] != 0x01 || (d[1] != 1 && d[1] != 2))
		return FALSE;
	n = (guint) le (d + 2, 2);
	if (8 + (gsize) n * w > size)
		return FALSE;
	for (guint i = 0; i < n; i++)
		if (!read_tree (file, le (d + 8 + (gsize) i * w, w), out, depth + 1))
			return FALSE;
	return TRUE;
}

/* a heap item by its HID (2.3.1.1): block index, then 1-based item index */
static gboolean
heap_item (CsPstPc *self, guint32 hid, const guint8 **data, gsize *size)
{
	guint block = hid >> 16;
	guint index = (hid >> 5) & 0x7ff;
	const guint8 *page;
	gsize page_size, map;
	guint n_alloc, start, end;

	if ((hid & 0x1f) != 0 || index == 0 || block >= self->pages->len)
		return FALSE;
	page = g_bytes_get_data (g_ptr_array_index (self->pages, block), &page_size);
	if (page_size < 4)
		return FALSE;
	map = le (page, 2);
	if (map + 4 > page_size)
		return FALSE;
	n_alloc = (guint) le (page + map, 2);
	if (index > n_alloc || map + 4 + ((gsize) n_alloc + 1) * 2 > page_size)
		return FALSE;
	start = (guint) le (page + map + 4 + (gsize) (index - 1) * 2, 2);
	end = (guint) le (page + map + 4 + (gsize) index * 2, 2);
	if (start > end || end > map)
		return FALSE;
	*data = page + start;
	*size = end - start;
	return TRUE;
}

static gboolean
walk_bth (CsPstPc *self, guint32 hid, guint levels, guint depth)
{
	const guint8 *d;
	gsize size;

	if (depth > MAX_BTH_LEVELS || !heap_item (self, hid, &d, &size))
		return FALSE;
	if (levels > 0) {
		if (size % 6 != 0)
			return FALSE;
		for (gsize i = 0; i < size; i += 6)
			if (!walk_bth (self, (guint32) le (d + i + 2, 4), levels - 1, depth + 1))
				return FALSE;
		return TRUE;
	}
	if (size % 8 != 0)
		return FALSE;
	for (gsize i = 0; i < size; i += 8) {
		Prop p;
		p.id = (guint16) le (d + i, 2);
		p.type = (guint16) le (d + i + 2, 2);
		memcpy (p.raw, d + i + 4, 4);
		g_array_append_val (self->props, p);
	}
	return TRUE;
}

static gboolean is_reference_type (guint16 type);

/* libpff refuses a whole table for one value of a type it does not read
 * (PtypUnspecified in some writers' contacts): the item then has no
 * properties at all for its callers */
static gboolean
libpff_reads_type (guint16 type)
{
	switch (type) {
	case 0x000B:
	case 0x0002:
	case 0x0003:
	case 0x0004:
	case 0x000A:
		return TRUE;
	default:
		return is_reference_type (type);
	}
}

void
cs_pst_pc_free (CsPstPc *self)
{
	if (self == NULL)
		return;
	g_clear_pointer (&self->pages, g_ptr_array_unref);
	g_clear_pointer (&self->props, g_array_unref);
	g_clear_pointer (&self->values, g_ptr_array_unref);
	g_clear_pointer (&self->subs, g_array_unref);
	g_free (self);
}

/* a heap-on-node (2.3.1) whose client is @client (0xBC property context,
 * 0x7C table context); @sub: the node's sub-node tree */
static CsPstPc *
heap_open (CsPstPcFile *file, guint64 data, guint64 sub, guint8 client)
{
	g_autoptr(CsPstPc) self = g_new0 (CsPstPc, 1);
	const guint8 *head;
	gsize head_size;

	self->file = file;
	self->sub = sub;
	self->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
	self->props = g_array_new (FALSE, FALSE, sizeof (Prop));
	self->values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
	if (!read_tree (file, data, self->pages, 0) || self->pages->len == 0)
		return NULL;
	/* HNHDR: a heap (0xEC) and its client's signature */
	head = g_bytes_get_data (g_ptr_array_index (self->pages, 0), &head_size);
	if (head_size < 12 || head[2] != 0xEC || head[3] != client)
		return NULL;
	return g_steal_pointer (&self);
}

/* the heap's user root (HNHDR hidUserRoot) */
static guint32
heap_root (CsPstPc *self)
{
	const guint8 *head = g_bytes_get_data (g_ptr_array_index (self->pages, 0), NULL);
	return (guint32) le (head + 4, 4);
}

CsPstPc *
cs_pst_pc_read (CsPstPcFile *file, guint32 nid)
{
	g_autoptr(CsPstPc) self = NULL;
	guint64 data = 0, sub = 0;
	const guint8 *bth;
	gsize bth_size;
	guint32 root;

	if (!cs_pst_check_get_node (file->check, nid, &data, &sub))
		return NULL;
	self = heap_open (file, data, sub, 0xBC);
	if (self == NULL)
		return NULL;
	/* BTHHEADER: 2-byte keys (property ids), 6-byte records (type, value) */
	if (!heap_item (self, heap_root (self), &bth, &bth_size) || bth_size < 8 ||
	    bth[0] != 0xB5 || bth[1] != 2 || bth[2] != 6)
		return NULL;
	root = (guint32) le (bth + 4, 4);
	if (root != 0 && !walk_bth (self, root, bth[3], 0))
		return NULL;
	for (guint i = 0; i < self->props->len; i++)
		if (!libpff_reads_type (g_array_index (self->props, Prop, i).type))
			self->unreadable = TRUE;
	return g_steal_pointer (&self);
}

/* the data of sub-node @nid (values too large for the heap) */
static GBytes *
sub_value (CsPstPc *self, guint32 nid)
{
	CsPstPcFile *file = self->file;
	guint w = file->unicode ? 8 : 4;
	guint64 bid = self->sub;

	for (guint depth = 0; depth < MAX_TREE_DEPTH && bid != 0; depth++) {
		g_autoptr(GBytes) block = read_block (file, bid);
		g_autoptr(GPtrArray) parts = NULL;
		const guint8 *d;
		gsize size, head = file->unicode ? 8 : 4;
		guint n;
		guint64 next = 0;
		GByteArray *all;

		if (block == NULL)
			return NULL;
		d = g_bytes_get_data (block, &size);
		if (size < head || d[0] != 0x02)
			return NULL;
		n = (guint) le (d + 2, 2);
		if (d[1] == 1) {
			/* SIBLOCK: the SLBLOCK whose first nid is at most @nid */
			if (head + (gsize) n * 2 * w > size)
				return NULL;
			for (guint i = 0; i < n; i++)
				if ((guint32) le (d + head + (gsize) i * 2 * w, 4) <= nid)
					next = le (d + head + (gsize) i * 2 * w + w, w);
			bid = next;
			continue;
		}
		if (d[1] != 0 || head + (gsize) n * 3 * w > size)
			return NULL;
		for (guint i = 0; i < n; i++) {
			const guint8 *e = d + head + (gsize) i * 3 * w;
			if ((guint32) le (e, 4) == nid) {
				next = le (e + w, w);
				break;
			}
		}
		parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
		if (next == 0 || !read_tree (file, next, parts, 0))
			return NULL;
		if (parts->len == 1)
			return g_bytes_ref (g_ptr_array_index (parts, 0));
		all = g_byte_array_new ();
		for (guint i = 0; i < parts->len; i++) {
			gsize len;
			const guint8 *p = g_bytes_get_data (g_ptr_array_index (parts, i), &len);
			g_byte_array_append (all, p, (guint) len);
		}
		return g_byte_array_free_to_bytes (all);
	}
	return NULL;
}

static gboolean
is_reference_type (guint16 type)
{
	switch (type) {
	case 0x0005: case 0x0006: case 0x0007: case 0x000D: case 0x0014: case 0x001E:
	case 0x001F: case 0x0040: case 0x0048: case 0x00FB: case 0x00FD: case 0x00FE:
	case 0x0102: case 0x1002: case 0x1003: case 0x1004: case 0x1005: case 0x1006:
	case 0x1007: case 0x1014: case 0x101E: case 0x101F: case 0x1040: case 0x1048:
	case 0x1102:
		return TRUE;
	default:
		return FALSE;
	}
}

/* a value as libpff sizes it in a property context: booleans 1 byte, 16-bit
 * integers 2, the other small types 4, the rest by reference */
static CsPstPcResult
value_of (CsPstPc *self, const Prop *p, guint16 *type, const guint8 **data, gsize *size)
{
	guint32 hnid = (guint32) le (p->raw, 4);

	*type = p->type;
	switch (p->type) {
	case 0x000B:
		*data = p->raw;
		*size = 1;
		return CS_PST_PC_FOUND;
	case 0x0002:
		*data = p->raw;
		*size = 2;
		return CS_PST_PC_FOUND;
	case 0x0003:
	case 0x0004:
	case 0x000A:
		*data = p->raw;
		*size = 4;
		return CS_PST_PC_FOUND;
	default:
		break;
	}
	if (!is_reference_type (p->type))
		return CS_PST_PC_UNSURE;
	if (hnid == 0) {
		*data = NULL;
		*size = 0;
		return CS_PST_PC_FOUND;
	}
	if ((hnid & 0x1f) != 0) {
		GBytes *v = sub_value (self, hnid);
		if (v == NULL)
			return CS_PST_PC_UNSURE;
		g_ptr_array_add (self->values, v);
		*data = g_bytes_get_data (v, size);
		if (*size == 0)
			*data = NULL;
		return CS_PST_PC_FOUND;
	}
	if (!heap_item (self, hnid, data, size))
		return CS_PST_PC_UNSURE;
	if (*size == 0)
		*data = NULL;
	return CS_PST_PC_FOUND;
}

static const Name *
name_of (CsPstPcFile *file, guint16 id)
{
	if (id < 0x8000 || file->names == NULL)
		return NULL;
	return file->names[id - 0x8000].known ? &file->names[id - 0x8000] : NULL;
}

CsPstPcResult
cs_pst_pc_find (CsPstPc *self, guint32 psetid, guint32 id, guint16 *type, const guint8 **data,
		gsize *size)
{
	CsPstPcFile *file = self->file;

	if (self->unreadable)
		return CS_PST_PC_ABSENT;
	for (guint i = 0; i < self->props->len; i++) {
		const Prop *p = &g_array_index (self->props, Prop, i);
		const Name *name;

		if (psetid == 0) {
			if (p->id != id)
				continue;
			return value_of (self, p, type, data, size);
		}
		/* libpff gives a mapped property only its name, an unmapped
		 * one its id as stored */
		if (p->id >= 0x8000 && file->names_unsure)
			return CS_PST_PC_UNSURE;
		name = name_of (file, p->id);
		if (name != NULL && name->unsure)
			return CS_PST_PC_UNSURE;
		if (name != NULL ? !(name->numeric && name->lid == id) : p->id != id)
			continue;
		if (name == NULL || name->set != psetid)
			return CS_PST_PC_ABSENT;
		return value_of (self, p, type, data, size);
	}
	return CS_PST_PC_ABSENT;
}

/* a stored name against @want: UTF-16LE (or 8-bit when it holds no zero
 * byte), trailing terminators ignored */
static gboolean
name_equals (const Name *name, const gchar *want)
{
	gsize n = strlen (want);
	gsize size = name->name_size;

	if (name->name_ascii) {
		while (size > 0 && name->name[size - 1] == 0)
			size--;
		return size == n && memcmp (name->name, want, n) == 0;
	}
	while (size >= 2 && name->name[size - 1] == 0 && name->name[size - 2] == 0)
		size -= 2;
	if (size != 2 * n)
		return FALSE;
	for (gsize i = 0; i < n; i++)
		if (name->name[2 * i] != (guchar) want[i] || name->name[2 * i + 1] != 0)
			return FALSE;
	return TRUE;
}

CsPstPcResult
cs_pst_pc_find_by_name (CsPstPc *self, const gchar *want, guint16 *type, const guint8 **data,
			gsize *size)
{
	CsPstPcFile *file = self->file;

	if (self->unreadable)
		return CS_PST_PC_ABSENT;
	for (guint i = 0; i < self->props->len; i++) {
		const Prop *p = &g_array_index (self->props, Prop, i);
		const Name *name;

		if (p->id >= 0x8000 && file->names_unsure)
			return CS_PST_PC_UNSURE;
		name = name_of (file, p->id);
		if (name == NULL || name->numeric)
			continue;
		if (name->unsure)
			return CS_PST_PC_UNSURE;
		if (name_equals (name, want))
			return value_of (self, p, type, data, size);
	}
	return CS_PST_PC_ABSENT;
}

/* the binary property @id of the map's own node */
static gboolean
map_stream (CsPstPc *map, guint32 id, const guint8 **data, gsize *size)
{
	guint16 type;
	return cs_pst_pc_find (map, 0, id, &type, data, size) == CS_PST_PC_FOUND &&
	       type == 0x0102 && *data != NULL;
}

/* the name-to-id map as libpff builds it: entry k names id 0x8000 + its
 * wPropIdx (the first entry for an id wins); the set of PS_MAPI and of
 * numeric PS_PUBLIC_STRINGS names is left zero, string names of
 * PS_PUBLIC_STRINGS get its GUID, the others the GUID stream's */
static gboolean
read_names (CsPstPcFile *self)
{
	const guint8 *entries, *guids, *strings;
	gsize n_entries, n_guids, n_strings;

	if (!map_stream (self->map, 0x0003, &entries, &n_entries) || n_entries % 8 != 0 ||
	    !map_stream (self->map, 0x0002, &guids, &n_guids) || n_guids < 16 ||
	    !map_stream (self->map, 0x0004, &strings, &n_strings))
		return FALSE;
	self->names = g_new0 (Name, N_NAMED);
	for (gsize k = 0; k < n_entries; k += 8) {
		guint32 value = (guint32) le (entries + k, 4);
		guint16 kind = (guint16) le (entries + k + 4, 2);
		guint16 number = (guint16) le (entries + k + 6, 2);
		Name *name;

		if (number >= N_NAMED)
			continue; /* an id no 16-bit property can have */
		name = &self->names[number];
		if (name->known)
			continue;
		name->known = TRUE;
		if (kind > 5) {
			gsize at = (gsize) (kind / 2 - 3) * 16;
			if (at > n_guids - 16)
				return FALSE;
			name->set = (guint32) le (guids + at, 4);
		} else if (kind == 5) {
			name->set = 0x00020329; /* PS_PUBLIC_STRINGS */
		}
		if ((kind & 1) == 0) {
			name->numeric = TRUE;
			name->lid = value;
			continue;
		}
		if (n_strings < 4 || value >= n_strings - 4)
			return FALSE;
		name->name_size = (gsize) le (strings + value, 4);
		if (name->name_size > n_strings - (value + 4)) {
			name->unsure = TRUE;
			continue;
		}
		name->name = strings + value + 4;
		name->name_ascii = memchr (name->name, 0, name->name_size) == NULL;
	}
	return TRUE;
}

CsPstPcFile *
cs_pst_pc_file_new (pst_file *pf, CsPstCheck *check)
{
	CsPstPcFile *self = g_new0 (CsPstPcFile, 1);

	self->pf = pf;
	self->check = check;
	self->unicode = cs_pst_check_is_unicode (check);
	/* no map at all: libpff maps nothing either */
	if (!cs_pst_check_has_node (check, 0x61))
		return self;
	self->map = cs_pst_pc_read (self, 0x61);
	if (self->map == NULL || !read_names (self)) {
		g_clear_pointer (&self->names, g_free);
		self->names_unsure = TRUE;
	}
	return self;
}

void
cs_pst_pc_file_free (CsPstPcFile *self)
{
	if (self == NULL)
		return;
	g_free (self->names);
	cs_pst_pc_free (self->map);
	g_free (self);
}

/* ---- sub-nodes and table contexts (2.2.2.8.3.3, 2.3.4) ------------------
 * libpff finds a message's recipients (sub-node 0x692) and attachments
 * (0x671) through its sub-node tree, and reads the recipient table into one
 * record set per row. It takes no notice of the cell existence bitmap: an
 * absent cell is read from the bytes the row holds there. */

/* every SLENTRY below @bid, in order; FALSE unless the tree is sorted and
 * each SIBLOCK key is its child's first nid, so that libpff's keyed search
 * and this scan find the same entries. Only a nid's low 32 bits count: some
 * OSTs leave junk in the high ones of the 64-bit field, which libpff masks */
static gboolean
scan_subs (CsPstPcFile *file, guint64 bid, GArray *out, guint depth, guint32 *first)
{
	g_autoptr(GBytes) block = NULL;
	guint w = file->unicode ? 8 : 4;
	gsize size, head = file->unicode ? 8 : 4;
	const guint8 *d;
	guint n;

	if (depth > 1 || bid == 0)
		return FALSE;
	block = read_block (file, bid);
	if (block == NULL)
		return FALSE;
	d = g_bytes_get_data (block, &size);
	if (size < head || d[0] != 0x02)
		return FALSE;
	n = (guint) le (d + 2, 2);
	if (n == 0)
		return depth == 0; /* an empty child is damage */
	if (d[1] == 1) {
		if (head + (gsize) n * 2 * w > size)
			return FALSE;
		for (guint i = 0; i < n; i++) {
			const guint8 *e = d + head + (gsize) i * 2 * w;
			guint32 child_first = 0;
			if (!scan_subs (file, le (e + w, w), out, depth + 1, &child_first) ||
			    child_first != (guint32) le (e, 4))
				return FALSE;
			if (i == 0)
				*first = child_first;
		}
		return TRUE;
	}
	if (d[1] != 0 || head + (gsize) n * 3 * w > size)
		return FALSE;
	for (guint i = 0; i < n; i++) {
		const guint8 *e = d + head + (gsize) i * 3 * w;
		SubEntry s;

		s.nid = (guint32) le (e, 4);
		s.data = le (e + w, w);
		s.sub = le (e + 2 * w, w);
		if (out->len > 0 && g_array_index (out, SubEntry, out->len - 1).nid >= s.nid)
			return FALSE;
		if (i == 0)
			*first = s.nid;
		g_array_append_val (out, s);
	}
	return TRUE;
}

/* sub-node @nid of @self's node: ABSENT only when its tree is sound */
static CsPstPcResult
sub_node (CsPstPc *self, guint32 nid, const SubEntry **out)
{
	if (!self->subs_tried) {
		guint32 first = 0;
		self->subs_tried = TRUE;
		self->subs = g_array_new (FALSE, FALSE, sizeof (SubEntry));
		if (self->sub != 0 && !scan_subs (self->file, self->sub, self->subs, 0, &first))
			g_clear_pointer (&self->subs, g_array_unref);
	}
	if (self->subs == NULL)
		return CS_PST_PC_UNSURE;
	for (guint i = 0; i < self->subs->len; i++) {
		if (g_array_index (self->subs, SubEntry, i).nid == nid) {
			*out = &g_array_index (self->subs, SubEntry, i);
			return CS_PST_PC_FOUND;
		}
	}
	return CS_PST_PC_ABSENT;
}

CsPstPcResult
cs_pst_pc_has_sub (CsPstPc *self, guint32 nid)
{
	const SubEntry *e;
	return sub_node (self, nid, &e);
}

void
cs_pst_tc_free (CsPstTc *self)
{
	if (self == NULL)
		return;
	cs_pst_pc_free (self->heap);
	g_clear_pointer (&self->blocks, g_ptr_array_unref);
	g_free (self->cells);
	g_free (self);
}

typedef struct {
	guint32 id;    /* dwRowID */
	guint32 index; /* dwRowIndex: the row in the matrix */
	guint32 limit; /* the record sets libpff has made by then */
} RowRef;

/* the row index (a BTH of dwRowID → dwRowIndex) in libpff's order */
static gboolean
walk_rows (CsPstPc *heap, guint32 hid, guint levels, guint value_size, GArray *out, guint depth)
{
	const guint8 *d;
	gsize size, entry = levels > 0 ? 8 : 4 + value_size;
	guint start = out->len;

	if (depth > MAX_BTH_LEVELS || !heap_item (heap, hid, &d, &size) || size == 0 ||
	    size % entry != 0)
		return FALSE;
	for (gsize i = 0; i < size; i += entry) {
		RowRef r = {0};
		if (levels > 0) {
			if (!walk_rows (heap, (guint32) le (d + i + 4, 4), levels - 1, value_size,
					out, depth + 1))
				return FALSE;
			continue;
		}
		r.id = (guint32) le (d + i, 4);
		r.index = (guint32) le (d + i + 4, value_size);
		g_array_append_val (out, r);
	}
	/* libpff makes the record sets of a whole leaf at once */
	if (levels == 0)
		for (guint k = start; k < out->len; k++)
			g_array_index (out, RowRef, k).limit = out->len;
	return TRUE;
}

/* a cell as libpff sizes it in a table: booleans 1 byte, 16-bit integers 2,
 * the 8-byte types in the row, the rest by reference; FALSE where libpff
 * would refuse the table or mark the value missing */
static gboolean
cell_value (CsPstPc *heap, guint16 type, const guint8 *cell, guint cb, const guint8 **data,
	    gsize *size)
{
	guint32 hnid;

	*data = cell;
	switch (type) {
	case 0x000B:
		*size = 1;
		return cb == 1 || cb == 4;
	case 0x0002:
		*size = 2;
		return cb == 2 || cb == 4;
	case 0x0003:
	case 0x0004:
	case 0x000A:
		*size = 4;
		return cb == 4;
	case 0x0005:
	case 0x0006:
	case 0x0007:
	case 0x0014:
	case 0x0040:
		if (cb == 8) {
			*size = 8;
			return TRUE;
		}
		break;
	default:
		break;
	}
	if (!is_reference_type (type) || cb != 4)
		return FALSE;
	hnid = (guint32) le (cell, 4);
	*data = NULL;
	*size = 0;
	if (hnid == 0)
		return TRUE;
	if ((hnid & 0x1f) != 0) {
		GBytes *v = sub_value (heap, hnid);
		if (v == NULL)
			return FALSE;
		g_ptr_array_add (heap->values, v);
		*data = g_bytes_get_data (v, size);
	} else if (!heap_item (heap, hnid, data, size)) {
		return FALSE;
	}
	if (*size == 0)
		*data = NULL;
	return TRUE;
}

CsPstPcResult
cs_pst_pc_read_table (CsPstPc *item, guint32 nid, CsPstTc **out)
{
	CsPstPcFile *file = item->file;
	g_autoptr(CsPstTc) self = NULL;
	g_autofree const guint8 **cols = NULL;
	g_autoptr(GArray) rows = NULL;
	const SubEntry *node;
	const guint8 *t, *bth, *matrix = NULL;
	gsize t_size, bth_size, matrix_size = 0, per_block = 0;
	guint n_cols, row_size;
	guint32 root, hnid_rows;
	CsPstPcResult r;

	*out = NULL;
	r = sub_node (item, nid, &node);
	if (r != CS_PST_PC_FOUND)
		return r;
	self = g_new0 (CsPstTc, 1);
	self->heap = heap_open (file, node->data, node->sub, 0x7C);
	if (self->heap == NULL)
		return CS_PST_PC_UNSURE;
	/* TCINFO: 22 bytes, then cCols TCOLDESCs of 8 */
	if (!heap_item (self->heap, heap_root (self->heap), &t, &t_size) || t_size < 22 ||
	    t[0] != 0x7C)
		return CS_PST_PC_UNSURE;
	n_cols = t[1];
	row_size = (guint) le (t + 8, 2); /* rgib[TCI_bm]: the row's end */
	if (n_cols == 0 || t_size != 22 + (gsize) n_cols * 8)
		return CS_PST_PC_UNSURE;
	/* libpff files each column under its iBit: anything but a permutation
	 * (or a first column other than the 4-byte row id) it refuses */
	cols = g_new0 (const guint8 *, n_cols);
	for (guint i = 0; i < n_cols; i++) {
		const guint8 *c = t + 22 + (gsize) i * 8;
		if (c[7] >= n_cols || cols[c[7]] != NULL || le (c + 4, 2) + c[6] > row_size)
			return CS_PST_PC_UNSURE;
		cols[c[7]] = c;
	}
	if (le (cols[0] + 4, 2) != 0 || cols[0][6] != 4)
		return CS_PST_PC_UNSURE;
	/* the row index: 4-byte keys, 2- or 4-byte row numbers */
	if (!heap_item (self->heap, (guint32) le (t + 10, 4), &bth, &bth_size) || bth_size < 8 ||
	    bth[0] != 0xB5 || bth[1] != 4 || (bth[2] != 2 && bth[2] != 4))
		return CS_PST_PC_UNSURE;
	rows = g_array_new (FALSE, FALSE, sizeof (RowRef));
	root = (guint32) le (bth + 4, 4);
	if (root != 0 && !walk_rows (self->heap, root, bth[3], bth[2], rows, 0))
		return CS_PST_PC_UNSURE;
	hnid_rows = (guint32) le (t + 14, 4);
	if ((rows->len == 0) != (hnid_rows == 0))
		return CS_PST_PC_UNSURE;
	if (hnid_rows != 0 && (hnid_rows & 0x1f) == 0) {
		if (!heap_item (self->heap, hnid_rows, &matrix, &matrix_size))
			return CS_PST_PC_UNSURE;
	} else if (hnid_rows != 0) {
		/* in a sub-node: as many rows to a block as the first one holds */
		const SubEntry *m;
		gsize first;
		if (sub_node (self->heap, hnid_rows, &m) != CS_PST_PC_FOUND)
			return CS_PST_PC_UNSURE;
		self->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
		if (!read_tree (file, m->data, self->blocks, 0) || self->blocks->len == 0)
			return CS_PST_PC_UNSURE;
		g_bytes_get_data (g_ptr_array_index (self->blocks, 0), &first);
		per_block = first / row_size;
		if (per_block == 0)
			return CS_PST_PC_UNSURE;
	}
	self->n_rows = rows->len;
	self->n_cols = n_cols;
	self->cells = g_new0 (Cell, (gsize) rows->len * n_cols);
	for (guint k = 0; k < rows->len; k++) {
		const RowRef *ref = &g_array_index (rows, RowRef, k);
		const guint8 *row;
		gsize at;

		if (ref->index >= ref->limit)
			return CS_PST_PC_UNSURE; /* libpff adds empty record sets */
		if (matrix != NULL) {
			at = (gsize) ref->index * row_size;
			if (at >= matrix_size || row_size > matrix_size - at)
				return CS_PST_PC_UNSURE;
			row = matrix + at;
		} else {
			const guint8 *block;
			gsize block_size;
			if (ref->index / per_block >= self->blocks->len)
				return CS_PST_PC_UNSURE;
			block = g_bytes_get_data (
			    g_ptr_array_index (self->blocks, ref->index / per_block), &block_size);
			at = (ref->index % per_block) * row_size;
			if (at >= block_size || row_size > block_size - at)
				return CS_PST_PC_UNSURE;
			row = block + at;
		}
		if ((guint32) le (row, 4) != ref->id)
			return CS_PST_PC_UNSURE;
		for (guint c = 0; c < n_cols; c++) {
			Cell *cell = &self->cells[(gsize) k * n_cols + c];
			cell->type = (guint16) le (cols[c], 2);
			cell->id = (guint16) le (cols[c] + 2, 2);
			if (!cell_value (self->heap, cell->type, row + le (cols[c] + 4, 2), cols[c][6],
					 &cell->data, &cell->size))
				return CS_PST_PC_UNSURE;
		}
	}
	*out = g_steal_pointer (&self);
	return CS_PST_PC_FOUND;
}

guint
cs_pst_tc_get_n_rows (CsPstTc *self)
{
	return self->n_rows;
}

CsPstPcResult
cs_pst_tc_find (CsPstTc *self, guint row, guint32 id, guint16 *type, const guint8 **data,
		gsize *size)
{
	if (row >= self->n_rows)
		return CS_PST_PC_ABSENT;
	for (guint c = 0; c < self->n_cols; c++) {
		const Cell *cell = &self->cells[(gsize) row * self->n_cols + c];
		if (cell->id != id)
			continue;
		*type = cell->type;
		*data = cell->data;
		*size = cell->size;
		return CS_PST_PC_FOUND;
	}
	return CS_PST_PC_ABSENT;
}
