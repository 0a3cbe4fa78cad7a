/* SPDX-License-Identifier: GPL-2.0-or-later */
/* property records through libpff, for what libpst drops (helper process only) */
#pragma once

#include <glib.h>
#include <libpff.h>

#include "cs-pst-pc.h"

G_BEGIN_DECLS

/* MAPI property sets of the named properties we read */
#define CS_PSETID_TASK	      0x00062003
#define CS_PSETID_APPOINTMENT 0x00062002
#define CS_PSETID_COMMON      0x00062008
#define CS_PSETID_ADDRESS     0x00062004

typedef struct _CsPff CsPff;
/* a folder, a message or the store, as libpff finds it; its own properties
 * are read by cs-pst-pc.c where it can answer as libpff would */
typedef struct _CsPffItem CsPffItem;

/* @pc: (nullable) (unowned): reads items' own properties without libpff */
CsPff *cs_pff_open (const gchar *path, CsPstPcFile *pc, GError **error);
void cs_pff_free (CsPff *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPff, cs_pff_free)

CsPffItem *cs_pff_get_item (CsPff *self, guint32 nid);
CsPffItem *cs_pff_get_message_store (CsPff *self);
void cs_pff_item_free (CsPffItem *item);
libpff_item_t *cs_pff_item_get_libpff (CsPffItem *item);

/* the item's own properties; @psetid is 0 for tagged properties */
gboolean cs_pff_has (CsPffItem *item, guint32 psetid, guint32 id);
gchar *cs_pff_get_string (CsPffItem *item, guint32 psetid, guint32 id);
GBytes *cs_pff_get_bytes (CsPffItem *item, guint32 psetid, guint32 id, guint32 *type);
gboolean cs_pff_get_int (CsPffItem *item, guint32 psetid, guint32 id, gint64 *out);
gboolean cs_pff_get_bool (CsPffItem *item, guint32 psetid, guint32 id, gboolean *out);
gboolean cs_pff_get_double (CsPffItem *item, guint32 psetid, guint32 id, gdouble *out);
gboolean cs_pff_get_filetime (CsPffItem *item, guint32 psetid, guint32 id, guint64 *out);
GBytes *cs_pff_get_binary (CsPffItem *item, guint32 psetid, guint32 id);
/* a property named by a string (any property set), with its type */
GBytes *cs_pff_get_named_bytes (CsPffItem *item, const gchar *name, guint32 *type);

/* the message's recipient table, one row per recipient: read by
 * cs-pst-pc.c where it gives libpff's record sets, else libpff's */
typedef struct _CsPffTable CsPffTable;
CsPffTable *cs_pff_get_recipients (CsPffItem *message);
void cs_pff_table_free (CsPffTable *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPffTable, cs_pff_table_free)
gint cs_pff_table_get_n_rows (CsPffTable *self);
gchar *cs_pff_table_get_string (CsPffTable *self, gint row, guint32 id);
gboolean cs_pff_table_get_int (CsPffTable *self, gint row, guint32 id, gint64 *out);

/* TRUE when libpff would list no attachments (the message has no
 * attachment table); FALSE also when unsure */
gboolean cs_pff_has_no_attachments (CsPffItem *message);

/* libpff's sub-items (recipients, attachments): record set @set (one per
 * recipient in the recipients table), tagged properties */
gint cs_pff_get_n_sets (libpff_item_t *item);
gchar *cs_pff_set_get_string (libpff_item_t *item, gint set, guint32 id);
gboolean cs_pff_set_get_int (libpff_item_t *item, gint set, guint32 id, gint64 *out);
void cs_pff_sub_item_free (libpff_item_t *item);

G_END_DECLS
