/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cs-sync-plan.h"

struct _CsSyncPlan {
	GObject parent_instance;
	GPtrArray *items; /* (element-type CsPlanItem) */
};

G_DEFINE_TYPE (CsSyncPlan, cs_sync_plan, G_TYPE_OBJECT)

const gchar *
cs_plan_action_to_string (CsPlanAction action)
{
	static const gchar *names[] = {"create", "update",  "delete", "restore",  "link",
				       "forget", "refresh", "skip",   "conflict", "review"};
	return names[action];
}

CsPlanItem *
cs_plan_item_new (CsKind kind, CsPlanAction action)
{
	CsPlanItem *item = g_new0 (CsPlanItem, 1);
	item->kind = kind;
	item->action = action;
	item->selected = TRUE;
	return item;
}

void
cs_plan_item_free (CsPlanItem *item)
{
	if (item == NULL)
		return;
	g_clear_pointer (&item->crm, cs_record_unref);
	g_clear_pointer (&item->outlook, cs_record_unref);
	g_clear_pointer (&item->link, cs_link_free);
	g_clear_pointer (&item->values, g_hash_table_unref);
	for (guint s = 0; s < CS_SIDE_LAST; s++) {
		g_strfreev (item->rows[s]);
		g_free (item->blocked[s]);
	}
	g_clear_pointer (&item->conflicts, g_ptr_array_unref);
	g_free (item->reason);
	g_free (item->label);
	g_free (item);
}

/* the record's id on @side: as read, else as linked */
const gchar *
cs_plan_item_get_id (const CsPlanItem *item, CsSide side)
{
	const CsRecord *r = side == CS_SIDE_CRM ? item->crm : item->outlook;
	if (r != NULL && cs_record_get_id (r) != NULL)
		return cs_record_get_id (r);
	if (item->link != NULL)
		return cs_link_get_id (item->link, side);
	return NULL;
}

static void
cs_sync_plan_finalize (GObject *object)
{
	CsSyncPlan *self = CS_SYNC_PLAN (object);
	g_ptr_array_unref (self->items);
	G_OBJECT_CLASS (cs_sync_plan_parent_class)->finalize (object);
}

static void
cs_sync_plan_class_init (CsSyncPlanClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_sync_plan_finalize;
}

static void
cs_sync_plan_init (CsSyncPlan *self)
{
	self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) cs_plan_item_free);
}

CsSyncPlan *
cs_sync_plan_new (void)
{
	return g_object_new (CS_TYPE_SYNC_PLAN, NULL);
}

/**
 * cs_sync_plan_add:
 * @item: (transfer full)
 */
void
cs_sync_plan_add (CsSyncPlan *self, CsPlanItem *item)
{
	g_ptr_array_add (self->items, item);
}

/**
 * cs_sync_plan_get_items:
 * Returns: (transfer none) (element-type CsPlanItem)
 */
GPtrArray *
cs_sync_plan_get_items (CsSyncPlan *self)
{
	return self->items;
}

/* how many items would write @action to @side (skips count by the skipped side) */
guint
cs_sync_plan_count (CsSyncPlan *self, CsKind kind, CsSide side, CsPlanAction action)
{
	guint n = 0;
	for (guint i = 0; i < self->items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (self->items, i);
		if (it->kind != kind)
			continue;
		switch (action) {
		case CS_PLAN_CREATE:
		case CS_PLAN_RESTORE:
			n += it->action == action && it->create[side] ? 1 : 0;
			break;
		case CS_PLAN_DELETE:
			n += it->delete[side] ? 1 : 0;
			break;
		case CS_PLAN_UPDATE:
			n += !it->create[side] && it->rows[side] != NULL && it->rows[side][0] != NULL ? 1 : 0;
			break;
		case CS_PLAN_SKIP:
			n += it->action == CS_PLAN_SKIP && it->skip_side == side ? 1 : 0;
			break;
		default:
			n += it->action == action ? 1 : 0;
		}
	}
	return n;
}

guint
cs_sync_plan_count_writes (CsSyncPlan *self)
{
	guint n = 0;
	for (guint i = 0; i < self->items->len; i++) {
		CsPlanItem *it = g_ptr_array_index (self->items, i);
		for (guint s = 0; s < CS_SIDE_LAST; s++) {
			if (it->create[s] || it->delete[s] ||
			    (it->rows[s] != NULL && it->rows[s][0] != NULL))
				n++;
		}
	}
	return n;
}
