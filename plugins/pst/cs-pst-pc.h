/* SPDX-License-Identifier: GPL-2.0-or-later */
/* an item's own properties (MS-PST 2.3: heap-on-node, BTH, property context)
 * read in the reader process, and the file's name-to-id map (2.4.7).
 * libpff resolves every property of every table it reads against its
 * name-to-id map, a list walk per property: half the time of an OST went
 * there (issue 18). What this reader cannot answer the way libpff would is
 * reported as such, and the caller asks libpff */
#pragma once

#include <glib.h>
#include <libpst/libpst.h>

#include "cs-pst-check.h"

G_BEGIN_DECLS

typedef struct _CsPstPcFile CsPstPcFile;
typedef struct _CsPstPc CsPstPc;

typedef enum {
	CS_PST_PC_ABSENT,
	CS_PST_PC_FOUND,
	CS_PST_PC_UNSURE, /* ask libpff */
} CsPstPcResult;

/* @pf and @check must outlive the result; the name-to-id map is read here */
CsPstPcFile *cs_pst_pc_file_new (pst_file *pf, CsPstCheck *check);
void cs_pst_pc_file_free (CsPstPcFile *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPstPcFile, cs_pst_pc_file_free)

/* %NULL when the node is not a property context this reader knows */
CsPstPc *cs_pst_pc_read (CsPstPcFile *file, guint32 nid);
void cs_pst_pc_free (CsPstPc *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPstPc, cs_pst_pc_free)

/* the property as libpff's record_set_get_entry_by_type() finds it: @psetid
 * 0 for a tagged property (its id as stored), else the first entry whose
 * named id is @id, which counts only if its property set is @psetid. @data
 * (NULL when empty) stays valid while @self lives */
CsPstPcResult cs_pst_pc_find (CsPstPc *self, guint32 psetid, guint32 id, guint16 *type,
			      const guint8 **data, gsize *size);

/* the first property named by the string @name (any property set) */
CsPstPcResult cs_pst_pc_find_by_name (CsPstPc *self, const gchar *name, guint16 *type,
				      const guint8 **data, gsize *size);

/* whether the node has sub-node @nid (0x692 recipients, 0x671 attachments)
 * as libpff's search finds it: ABSENT only when the sub-node tree is sound */
CsPstPcResult cs_pst_pc_has_sub (CsPstPc *self, guint32 nid);

/* a table context (2.3.4) in the node's sub-node @nid, as libpff reads it
 * into record sets: one a row in its row index's order, a row's cells in
 * their columns' iBit order, absent cells as the row stores them. ABSENT:
 * no such sub-node; UNSURE: anything libpff might read otherwise */
typedef struct _CsPstTc CsPstTc;
CsPstPcResult cs_pst_pc_read_table (CsPstPc *self, guint32 nid, CsPstTc **out);
void cs_pst_tc_free (CsPstTc *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPstTc, cs_pst_tc_free)
guint cs_pst_tc_get_n_rows (CsPstTc *self);
/* the first cell of row @row whose property id is @id (tagged ids only);
 * @data (NULL when empty) stays valid while @self lives */
CsPstPcResult cs_pst_tc_find (CsPstTc *self, guint row, guint32 id, guint16 *type,
			      const guint8 **data, gsize *size);

G_END_DECLS
