/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>

#include "cs-engine-jobs.h"

/*
 * The two halves of a run as jobs for a UI: prepare a plan (read both sides, plan, write
 * nothing) and apply a plan the user has looked at, each in a worker thread, finishing on the
 * caller's main context. The engine's "progress" signal reports both (in the worker thread;
 * a UI relays it). An applied plan is recorded in the history like any run.
 */

static void
prepare_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	GError *error = NULL;
	CsSyncPlan *plan = cs_engine_prepare (CS_ENGINE (source), GPOINTER_TO_UINT (task_data),
					      cancellable, &error);
	if (plan == NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, plan, g_object_unref);
}

/**
 * cs_engine_prepare_async:
 *
 * Reads both sides and plans, writing nothing (the preview of Sync all, of a first run).
 */
void
cs_engine_prepare_async (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
			 GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
	g_task_set_source_tag (task, cs_engine_prepare_async);
	g_task_set_task_data (task, GUINT_TO_POINTER (flags), NULL);
	g_task_run_in_thread (task, prepare_thread);
}

/**
 * cs_engine_prepare_finish:
 *
 * Returns: (transfer full): the plan, or %NULL with @error
 */
CsSyncPlan *
cs_engine_prepare_finish (CsEngine *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail (g_task_is_valid (result, self), NULL);
	return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
	CsSyncPlan *plan;
	CsRunFlags flags;
	gchar *trigger;
} ApplyData;

static void
apply_data_free (ApplyData *ad)
{
	g_object_unref (ad->plan);
	g_free (ad->trigger);
	g_free (ad);
}

static void
apply_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	CsEngine *engine = CS_ENGINE (source);
	ApplyData *ad = task_data;
	GError *error = NULL;
	/* a run like any other (cs_engine_apply_run): in the history, with what it
	 * changed kept for undo */
	g_autoptr (CsRunReport) report
		= cs_engine_apply_run (engine, ad->plan, ad->flags, cancellable, &error);
	if (report == NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, g_steal_pointer (&report), g_object_unref);
}

/**
 * cs_engine_apply_async:
 * @plan: a plan from cs_engine_prepare_async(), with the items the user left out unticked
 * @trigger: what the history says started it ("sync-all")
 *
 * Writes the plan on both sides and records the run in the history.
 */
void
cs_engine_apply_async (CsEngine *self, CsSyncPlan *plan, CsRunFlags flags, const gchar *trigger,
		       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
	ApplyData *ad = g_new0 (ApplyData, 1);
	ad->plan = g_object_ref (plan);
	ad->flags = flags;
	ad->trigger = g_strdup (trigger);
	g_task_set_source_tag (task, cs_engine_apply_async);
	g_task_set_task_data (task, ad, (GDestroyNotify)apply_data_free);
	g_task_run_in_thread (task, apply_thread);
}

/**
 * cs_engine_apply_finish:
 *
 * Returns: (transfer full): the run's report, or %NULL with @error
 */
CsRunReport *
cs_engine_apply_finish (CsEngine *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail (g_task_is_valid (result, self), NULL);
	return g_task_propagate_pointer (G_TASK (result), error);
}

static void
undo_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	GError *error = NULL;
	CsRunReport *report = cs_engine_undo (CS_ENGINE (source), GPOINTER_TO_UINT (task_data),
					      cancellable, &error);
	if (report == NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, report, g_object_unref);
}

/**
 * cs_engine_undo_async:
 * @flags: %CS_RUN_FLAG_DRY_RUN for the preview (the report carries the undo plan),
 *   %CS_RUN_FLAG_FORCE_DELETE when the user confirmed what a guard stopped
 *
 * Takes back the newest run not yet undone (cs_engine_undo()) in a worker thread.
 */
void
cs_engine_undo_async (CsEngine *self, CsRunFlags flags, GCancellable *cancellable,
		      GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
	g_task_set_source_tag (task, cs_engine_undo_async);
	g_task_set_task_data (task, GUINT_TO_POINTER (flags), NULL);
	g_task_run_in_thread (task, undo_thread);
}

/**
 * cs_engine_undo_finish:
 *
 * Returns: (transfer full): the undo run's report, or %NULL with @error
 */
CsRunReport *
cs_engine_undo_finish (CsEngine *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail (g_task_is_valid (result, self), NULL);
	return g_task_propagate_pointer (G_TASK (result), error);
}

static void
duplicates_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	GError *error = NULL;
	JsonNode *groups = cs_engine_find_duplicates (CS_ENGINE (source), cancellable, &error);
	if (groups == NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, groups, (GDestroyNotify)json_node_unref);
}

/**
 * cs_engine_find_duplicates_async:
 *
 * Lists the probable duplicates (cs_engine_find_duplicates()) in a worker
 * thread: it reads both sides, which can take a while on a service.
 */
void
cs_engine_find_duplicates_async (CsEngine *self, GCancellable *cancellable,
				 GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
	g_task_set_source_tag (task, cs_engine_find_duplicates_async);
	g_task_run_in_thread (task, duplicates_thread);
}

/**
 * cs_engine_find_duplicates_finish:
 *
 * Returns: (transfer full): the groups as `crmsync-cli duplicates --json` prints
 *   them, or %NULL with @error
 */
JsonNode *
cs_engine_find_duplicates_finish (CsEngine *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail (g_task_is_valid (result, self), NULL);
	return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
	CsKind kind;
	gchar *crm_id;	   /* (nullable) */
	gchar *outlook_id; /* (nullable) */
} PairJob;

static void
pair_job_free (PairJob *job)
{
	g_free (job->crm_id);
	g_free (job->outlook_id);
	g_free (job);
}

static void
pair_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	PairJob *job = task_data;
	GError *error = NULL;
	gboolean ok = TRUE;

	if (g_task_get_source_tag (task) == cs_engine_link_async) {
		ok = cs_engine_link (CS_ENGINE (source), job->kind, job->crm_id, job->outlook_id,
				     cancellable, &error);
	} else {
		/* both records of the pair are left alone, whichever is linked */
		if (job->crm_id != NULL)
			ok = cs_engine_unlink (CS_ENGINE (source), job->kind, CS_SIDE_CRM,
					       job->crm_id, cancellable, &error);
		if (ok && job->outlook_id != NULL)
			ok = cs_engine_unlink (CS_ENGINE (source), job->kind, CS_SIDE_OUTLOOK,
					       job->outlook_id, cancellable, &error);
	}
	if (!ok)
		g_task_return_error (task, error);
	else
		g_task_return_boolean (task, TRUE);
}

static void
pair_job_run (CsEngine *self, gpointer tag, CsKind kind, const gchar *crm_id,
	      const gchar *outlook_id, GCancellable *cancellable, GAsyncReadyCallback callback,
	      gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
	PairJob *job = g_new0 (PairJob, 1);
	job->kind = kind;
	job->crm_id = g_strdup (crm_id);
	job->outlook_id = g_strdup (outlook_id);
	g_task_set_source_tag (task, tag);
	g_task_set_task_data (task, job, (GDestroyNotify)pair_job_free);
	g_task_run_in_thread (task, pair_thread);
}

/**
 * cs_engine_link_async:
 *
 * Joins a CRM and an Outlook record (cs_engine_link()) in a worker thread: it
 * reads both records to check they exist.
 */
void
cs_engine_link_async (CsEngine *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
		      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	pair_job_run (self, cs_engine_link_async, kind, crm_id, outlook_id, cancellable, callback,
		      user_data);
}

/**
 * cs_engine_unlink_async:
 * @crm_id: (nullable): the CRM record to leave alone
 * @outlook_id: (nullable): the Outlook record to leave alone
 *
 * Leaves the given records alone from then on (cs_engine_unlink() for each) in
 * a worker thread: a record in no pair is read to check it exists.
 */
void
cs_engine_unlink_async (CsEngine *self, CsKind kind, const gchar *crm_id, const gchar *outlook_id,
			GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	pair_job_run (self, cs_engine_unlink_async, kind, crm_id, outlook_id, cancellable,
		      callback, user_data);
}

/**
 * cs_engine_pair_finish:
 *
 * Finishes cs_engine_link_async() or cs_engine_unlink_async().
 */
gboolean
cs_engine_pair_finish (CsEngine *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
	return g_task_propagate_boolean (G_TASK (result), error);
}

static void
link_preview_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	PairJob *job = task_data;
	GError *error = NULL;
	CsPlanItem *item = cs_engine_link_preview (CS_ENGINE (source), job->kind, job->crm_id,
						   job->outlook_id, cancellable, &error);
	if (item == NULL)
		g_task_return_error (task, error);
	else
		g_task_return_pointer (task, item, (GDestroyNotify)cs_plan_item_free);
}

/**
 * cs_engine_link_preview_async:
 *
 * What linking two records would write (cs_engine_link_preview()), in a
 * worker thread: it reads both records.
 */
void
cs_engine_link_preview_async (CsEngine *self, CsKind kind, const gchar *crm_id,
			      const gchar *outlook_id, GCancellable *cancellable,
			      GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
	PairJob *job = g_new0 (PairJob, 1);
	job->kind = kind;
	job->crm_id = g_strdup (crm_id);
	job->outlook_id = g_strdup (outlook_id);
	g_task_set_source_tag (task, cs_engine_link_preview_async);
	g_task_set_task_data (task, job, (GDestroyNotify)pair_job_free);
	g_task_run_in_thread (task, link_preview_thread);
}

/**
 * cs_engine_link_preview_finish:
 *
 * Returns: (transfer full): the pair's plan item, or %NULL with @error
 */
CsPlanItem *
cs_engine_link_preview_finish (CsEngine *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail (g_task_is_valid (result, self), NULL);
	return g_task_propagate_pointer (G_TASK (result), error);
}
