/* SPDX-License-Identifier: GPL-2.0-or-later */
/* what the PST format lets a reader verify (MS-PST 2.2.2.7, 2.2.2.8): the
 * header's CRC, each index page's trailer and CRC, each block's trailer,
 * signature and CRC, and the bid back-references (helper process only) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CsPstCheck CsPstCheck;

/* maps @path and verifies its header and both index trees (every page);
 * %NULL with @why (a phrase, no file name) when one of them fails */
CsPstCheck *
cs_pst_check_new (const gchar *path, gchar **why);
void
cs_pst_check_free (CsPstCheck *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsPstCheck, cs_pst_check_free)

/* verifies every block the node @nid is made of: its data tree and its
 * sub-node tree (attachments, recipients) with theirs; %FALSE with @why */
gboolean
cs_pst_check_node (CsPstCheck *self, guint64 nid, gchar **why);

gboolean
cs_pst_check_has_node (CsPstCheck *self, guint64 nid);

/* the node's data and sub-node tree bids (0 when it has none) */
gboolean
cs_pst_check_get_node (CsPstCheck *self, guint64 nid, guint64 *data, guint64 *sub);

/* Unicode (64-bit) layouts, else ANSI (32-bit) */
gboolean
cs_pst_check_is_unicode (CsPstCheck *self);

/* the numbers of blocks verified and of blocks that failed so far */
void
cs_pst_check_get_counts (CsPstCheck *self, guint *n_blocks, guint *n_bad);

G_END_DECLS
