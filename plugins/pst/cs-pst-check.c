/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Verifying a PST/OST before libpst and libpff read it. Neither library
 * checks the CRCs the format carries, so a file with a few flipped bytes was
 * listed as if whole, its damaged names and addresses included (issue 14).
 * Layouts are MS-PST's: 2.2.2.6 (header), 2.2.2.7.7 (BTPAGE, PAGETRAILER),
 * 2.2.2.8 (blocks, BLOCKTRAILER, XBLOCK, SLBLOCK, SIBLOCK); ANSI files use the
 * 32-bit variants with the trailer fields in another order.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "cs-pst-check.h"

#define PAGE_SIZE    512
#define PTYPE_BBT    0x80
#define PTYPE_NBT    0x81
#define MAX_LEVELS   8 /* far above what a real file has: a loop ends here */
#define BID_INTERNAL 0x2

typedef struct {
	guint64 ib;
	guint16 cb;
} BlockRef;

typedef struct {
	guint64 data;
	guint64 sub;
} NodeRef;

struct _CsPstCheck {
	GMappedFile *map; /* (owned) */
	const guint8 *d;
	gsize size;
	gboolean unicode;
	GHashTable *blocks;   /* bid → BlockRef (owned) */
	GHashTable *nodes;    /* nid → NodeRef (owned) */
	GHashTable *verdicts; /* bid → GINT (1 good, 2 bad): shared blocks are checked once */
	GHashTable *pages;    /* offsets of the index pages walked: a tree names each once */
	guint n_blocks, n_bad;
};

static guint32 crc_table[256];

/* MS-PST's CRC (2.2.2.2, 5.3): CRC-32 with the reflected 0xEDB88320
 * polynomial, starting from 0, with no final inversion */
static void
crc_init (void)
{
	static gsize done = 0;
	if (!g_once_init_enter (&done))
		return;
	for (guint32 i = 0; i < 256; i++) {
		guint32 c = i;
		for (guint k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	g_once_init_leave (&done, 1);
}

static guint32
crc (const guint8 *p, gsize n)
{
	guint32 c = 0;
	for (gsize i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c;
}

/* 2.2.2.2 ComputeSig: both values cut to 32 bits */
static guint16
sig (guint64 ib, guint64 bid)
{
	guint32 dw = (guint32)ib ^ (guint32)bid;
	return (guint16)((dw >> 16) ^ (dw & 0xffff));
}

static guint64
le (const guint8 *p, guint n)
{
	guint64 v = 0;
	for (guint i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* ---- index pages ------------------------------------------------------ */

static gboolean
walk_page (CsPstCheck *self, guint64 bid, guint64 ib, guint8 ptype, guint level, gint expect,
	   gchar **why)
{
	const guint8 *p;
	guint8 c_ent, cb_ent, c_level;
	guint32 want_crc, have_crc;
	guint64 trailer_bid;
	guint16 wsig;
	gsize entries = self->unicode ? 488 : 496;
	gsize trailer;
	guint key = self->unicode ? 8 : 4;

	if (level > MAX_LEVELS || ib < PAGE_SIZE || ib > self->size - PAGE_SIZE) {
		*why = g_strdup (_ ("its index points outside the file"));
		return FALSE;
	}
	/* a page named twice (a damaged or crafted tree) would make the walk
	 * grow without bound */
	if (!g_hash_table_add (self->pages, g_memdup2 (&ib, sizeof ib)))
		goto bad;
	p = self->d + ib;
	if (self->unicode) {
		wsig = (guint16)le (p + 498, 2);
		want_crc = (guint32)le (p + 500, 4);
		trailer_bid = le (p + 504, 8);
	} else {
		wsig = (guint16)le (p + 502, 2);
		trailer_bid = le (p + 504, 4);
		want_crc = (guint32)le (p + 508, 4);
	}
	have_crc = crc (p, self->unicode ? 496 : 500);
	trailer = PAGE_SIZE - (self->unicode ? 16 : 12);
	if (p[trailer] != ptype || p[trailer + 1] != ptype || want_crc != have_crc
	    || trailer_bid != bid || wsig != sig (ib, bid))
		goto bad;
	c_ent = p[entries];
	cb_ent = p[entries + 2];
	c_level = p[entries + 3];
	if ((expect >= 0 && c_level != (guint)expect) || cb_ent == 0
	    || (gsize)c_ent * cb_ent > entries)
		goto bad;
	for (guint i = 0; i < c_ent; i++) {
		const guint8 *e = p + (gsize)i * cb_ent;
		if (c_level > 0) {
			if (cb_ent < 3 * key)
				goto bad;
			if (!walk_page (self, le (e + key, key), le (e + 2 * key, key), ptype,
					level + 1, c_level - 1, why))
				return FALSE;
		} else if (ptype == PTYPE_BBT) {
			BlockRef *b;
			if (cb_ent < 2 * key + 4)
				goto bad;
			b = g_new (BlockRef, 1);
			b->ib = le (e + key, key);
			b->cb = (guint16)le (e + 2 * key, 2);
			g_hash_table_insert (self->blocks,
					     g_memdup2 (&(guint64){ le (e, key) & ~(guint64)1 },
							sizeof (guint64)),
					     b);
		} else {
			NodeRef *n;
			if (cb_ent < 3 * key + 4)
				goto bad;
			n = g_new (NodeRef, 1);
			n->data = le (e + key, key);
			n->sub = le (e + 2 * key, key);
			g_hash_table_insert (self->nodes,
					     g_memdup2 (&(guint64){ le (e, 4) }, sizeof (guint64)),
					     n);
		}
	}
	return TRUE;
bad:
	*why = g_strdup (_ ("a page of its index fails its check"));
	return FALSE;
}

/* ---- blocks ----------------------------------------------------------- */

static gboolean
check_tree (CsPstCheck *self, guint64 bid, gboolean subnodes, guint level);

/* one block's own checks; @data/@cb give its contents when they pass */
static gboolean
check_block (CsPstCheck *self, guint64 bid, const guint8 **data, guint16 *cb)
{
	guint64 key = bid & ~(guint64)1;
	BlockRef *b = g_hash_table_lookup (self->blocks, &key);
	gsize trailer = self->unicode ? 16 : 12;
	gsize total;
	const guint8 *t;
	guint16 t_cb, t_sig;
	guint32 t_crc;
	guint64 t_bid;

	if (b == NULL || b->ib < PAGE_SIZE)
		return FALSE;
	total = ((gsize)b->cb + trailer + 63) / 64 * 64;
	if (b->ib > self->size || total > self->size - b->ib)
		return FALSE;
	t = self->d + b->ib + total - trailer;
	t_cb = (guint16)le (t, 2);
	t_sig = (guint16)le (t + 2, 2);
	if (self->unicode) {
		t_crc = (guint32)le (t + 4, 4);
		t_bid = le (t + 8, 8);
	} else {
		t_bid = le (t + 4, 4);
		t_crc = (guint32)le (t + 8, 4);
	}
	if (t_cb != b->cb || t_sig != sig (b->ib, key) || (t_bid & ~(guint64)1) != key
	    || t_crc != crc (self->d + b->ib, b->cb))
		return FALSE;
	*data = self->d + b->ib;
	*cb = b->cb;
	return TRUE;
}

/* a block and, for the internal ones (XBLOCK, XXBLOCK, SLBLOCK, SIBLOCK),
 * every block they name */
static gboolean
check_tree (CsPstCheck *self, guint64 bid, gboolean subnodes, guint level)
{
	guint64 key = bid & ~(guint64)1;
	gpointer verdict = g_hash_table_lookup (self->verdicts, &key);
	const guint8 *d = NULL;
	guint16 cb = 0;
	gboolean ok;
	guint w = self->unicode ? 8 : 4;

	if (verdict != NULL)
		return GPOINTER_TO_INT (verdict) == 1;
	if (level > MAX_LEVELS)
		return FALSE;
	/* claimed as bad first: a block that names itself ends the walk */
	g_hash_table_insert (self->verdicts, g_memdup2 (&key, sizeof key), GINT_TO_POINTER (2));
	self->n_blocks++;
	ok = check_block (self, key, &d, &cb);
	if (ok && (bid & BID_INTERNAL) != 0) {
		guint btype = cb >= 4 ? d[0] : 0;
		guint c_level = cb >= 4 ? d[1] : 0;
		guint c_ent = cb >= 4 ? (guint)le (d + 2, 2) : 0;
		if (!subnodes && btype == 0x01 && (c_level == 1 || c_level == 2)
		    && 8 + (gsize)c_ent * w <= cb) {
			/* XBLOCK (data blocks) or XXBLOCK (XBLOCKs) */
			for (guint i = 0; ok && i < c_ent; i++)
				ok = check_tree (self, le (d + 8 + (gsize)i * w, w), FALSE,
						 level + 1);
		} else if (subnodes && btype == 0x02 && c_level == 0) {
			/* SLBLOCK: nid, data, sub-nodes */
			gsize head = self->unicode ? 8 : 4;
			if (head + (gsize)c_ent * 3 * w > cb)
				ok = FALSE;
			for (guint i = 0; ok && i < c_ent; i++) {
				const guint8 *e = d + head + (gsize)i * 3 * w;
				guint64 sub = le (e + 2 * w, w);
				ok = check_tree (self, le (e + w, w), FALSE, level + 1)
				     && (sub == 0 || check_tree (self, sub, TRUE, level + 1));
			}
		} else if (subnodes && btype == 0x02 && c_level == 1) {
			/* SIBLOCK: nid, SLBLOCK */
			gsize head = self->unicode ? 8 : 4;
			if (head + (gsize)c_ent * 2 * w > cb)
				ok = FALSE;
			for (guint i = 0; ok && i < c_ent; i++)
				ok = check_tree (self, le (d + head + (gsize)i * 2 * w + w, w),
						 TRUE, level + 1);
		} else {
			ok = FALSE;
		}
	} else if (ok && subnodes) {
		ok = FALSE; /* a sub-node tree is always made of internal blocks */
	}
	if (ok)
		g_hash_table_insert (self->verdicts, g_memdup2 (&key, sizeof key),
				     GINT_TO_POINTER (1));
	else
		self->n_bad++;
	return ok;
}

gboolean
cs_pst_check_node (CsPstCheck *self, guint64 nid, gchar **why)
{
	guint64 key = nid & 0xffffffffu;
	NodeRef *n = g_hash_table_lookup (self->nodes, &key);

	if (n == NULL) {
		*why = g_strdup (_ ("it is missing from the file's index"));
		return FALSE;
	}
	if (n->data != 0 && !check_tree (self, n->data, FALSE, 0)) {
		*why = g_strdup (_ ("its data fails the file's own check"));
		return FALSE;
	}
	if (n->sub != 0 && !check_tree (self, n->sub, TRUE, 0)) {
		*why = g_strdup (_ ("its attachments or recipients fail the file's own check"));
		return FALSE;
	}
	return TRUE;
}

gboolean
cs_pst_check_has_node (CsPstCheck *self, guint64 nid)
{
	guint64 key = nid & 0xffffffffu;
	return g_hash_table_contains (self->nodes, &key);
}

gboolean
cs_pst_check_get_node (CsPstCheck *self, guint64 nid, guint64 *data, guint64 *sub)
{
	guint64 key = nid & 0xffffffffu;
	NodeRef *n = g_hash_table_lookup (self->nodes, &key);

	if (n == NULL)
		return FALSE;
	*data = n->data;
	*sub = n->sub;
	return TRUE;
}

gboolean
cs_pst_check_is_unicode (CsPstCheck *self)
{
	return self->unicode;
}

void
cs_pst_check_get_counts (CsPstCheck *self, guint *n_blocks, guint *n_bad)
{
	*n_blocks = self->n_blocks;
	*n_bad = self->n_bad;
}

void
cs_pst_check_free (CsPstCheck *self)
{
	if (self == NULL)
		return;
	g_clear_pointer (&self->blocks, g_hash_table_unref);
	g_clear_pointer (&self->nodes, g_hash_table_unref);
	g_clear_pointer (&self->verdicts, g_hash_table_unref);
	g_clear_pointer (&self->pages, g_hash_table_unref);
	g_clear_pointer (&self->map, g_mapped_file_unref);
	g_free (self);
}

CsPstCheck *
cs_pst_check_new (const gchar *path, gchar **why)
{
	g_autoptr (CsPstCheck) self = g_new0 (CsPstCheck, 1);
	g_autoptr (GError) error = NULL;
	guint16 ver;
	guint64 nbt_bid, nbt_ib, bbt_bid, bbt_ib;

	crc_init ();
	self->map = g_mapped_file_new (path, FALSE, &error);
	if (self->map == NULL) {
		*why = g_strdup (error->message);
		return NULL;
	}
	self->d = (const guint8 *)g_mapped_file_get_contents (self->map);
	self->size = g_mapped_file_get_length (self->map);
	self->blocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
	self->nodes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
	self->verdicts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
	self->pages = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
	if (self->size < 0x234 || memcmp (self->d, "!BDN", 4) != 0) {
		*why = g_strdup (_ ("its header is cut short"));
		return NULL;
	}
	ver = (guint16)le (self->d + 10, 2);
	self->unicode = ver >= 23;
	/* dwCRCPartial covers the 471 bytes from wMagicClient (the roots of both
	 * indexes among them); Unicode's dwCRCFull the 516 bytes, the
	 * encryption method too */
	if ((guint32)le (self->d + 4, 4) != crc (self->d + 8, 471)
	    || (self->unicode && (guint32)le (self->d + 0x20C, 4) != crc (self->d + 8, 516))) {
		*why = g_strdup (_ ("its header fails its check"));
		return NULL;
	}
	if (self->unicode) {
		nbt_bid = le (self->d + 0xD8, 8);
		nbt_ib = le (self->d + 0xE0, 8);
		bbt_bid = le (self->d + 0xE8, 8);
		bbt_ib = le (self->d + 0xF0, 8);
	} else {
		nbt_bid = le (self->d + 0xB8, 4);
		nbt_ib = le (self->d + 0xBC, 4);
		bbt_bid = le (self->d + 0xC0, 4);
		bbt_ib = le (self->d + 0xC4, 4);
	}
	if (!walk_page (self, bbt_bid, bbt_ib, PTYPE_BBT, 0, -1, why)
	    || !walk_page (self, nbt_bid, nbt_ib, PTYPE_NBT, 0, -1, why))
		return NULL;
	return g_steal_pointer (&self);
}
