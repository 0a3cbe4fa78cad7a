/* SPDX-License-Identifier: GPL-2.0-or-later */
/* property records through libpff, for what libpst drops (helper process only) */
#pragma once

#include <glib.h>
#include <libpff.h>

G_BEGIN_DECLS

/* MAPI property sets of the named properties we read */
#define CS_PSETID_TASK	      0x00062003
#define CS_PSETID_APPOINTMENT 0x00062002
#define CS_PSETID_COMMON      0x00062008
#define CS_PSETID_ADDRESS     0x00062004

typedef struct _CsPff CsPff;

CsPff *cs_pff_open (const gchar *path, GError **error);
void cs_pff_free (CsPff *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPff, cs_pff_free)

libpff_item_t *cs_pff_get_item (CsPff *self, guint32 nid);
libpff_item_t *cs_pff_get_message_store (CsPff *self);
void cs_pff_item_free (libpff_item_t *item);

/* one record set of an item (set 0 for messages and folders; a recipient each
 * for the recipients table); @psetid is 0 for tagged properties */
gboolean cs_pff_has (libpff_item_t *item, gint set, guint32 psetid, guint32 id);
gchar *cs_pff_get_string (libpff_item_t *item, gint set, guint32 psetid, guint32 id);
GBytes *cs_pff_get_bytes (libpff_item_t *item, gint set, guint32 psetid, guint32 id,
			  guint32 *type);
gboolean cs_pff_get_int (libpff_item_t *item, gint set, guint32 psetid, guint32 id, gint64 *out);
gboolean cs_pff_get_bool (libpff_item_t *item, gint set, guint32 psetid, guint32 id,
			  gboolean *out);
gboolean cs_pff_get_double (libpff_item_t *item, gint set, guint32 psetid, guint32 id,
			    gdouble *out);
gboolean cs_pff_get_filetime (libpff_item_t *item, gint set, guint32 psetid, guint32 id,
			      guint64 *out);
GBytes *cs_pff_get_binary (libpff_item_t *item, gint set, guint32 psetid, guint32 id);

gint cs_pff_get_n_sets (libpff_item_t *item);
libpff_item_t *cs_pff_get_recipients (libpff_item_t *message);

G_END_DECLS
