/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdJobs"

#include "config.h"

#include "kith-error.h"
#include "kithd-jobs.h"

static void
job_clear (KithdJob *job)
{
  g_clear_error (&job->error);
  g_free (job->token_hash);
  g_free (job->email);
  g_free (job->password_hash);
  g_free (job->first_name);
  g_free (job->last_name);
  g_free (job->device_name);
  g_free (job->client_id);
  g_free (job->body);
  g_clear_pointer (&job->user, kithd_user_free);
  g_clear_pointer (&job->other, kithd_user_free);
  g_clear_pointer (&job->session, kithd_session_free);
  g_clear_pointer (&job->ids, g_array_unref);
  g_clear_pointer (&job->list, g_ptr_array_unref);
}

KithdJob *
kithd_job_new (KithdJobOp op)
{
  KithdJob *job = g_atomic_rc_box_new0 (KithdJob);

  job->op = op;
  job->notify = -1;
  return job;
}

KithdJob *
kithd_job_ref (KithdJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

void
kithd_job_unref (KithdJob *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) job_clear);
}

static gboolean
run (KithdStore *store,
     KithdJob   *job,
     GError    **error)
{
  switch (job->op) {
  case KITHD_JOB_AUTH:
  case KITHD_JOB_HELLO:
    job->session = kithd_store_session_lookup (store, job->token_hash, error);
    if (!job->session)
      return FALSE;
    job->user_id = job->session->user_id;
    job->user = kithd_store_user_get (store, job->user_id, error);
    if (!job->user)
      return FALSE;
    if (job->op == KITHD_JOB_HELLO) {
      g_autoptr (GError) local_error = NULL;

      job->seq = kithd_store_message_last_seq (store, job->user_id, &local_error);
      if (local_error) {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
      job->ids = kithd_store_contact_accepted_ids (store, job->user_id, error);
      if (!job->ids)
        return FALSE;
      return kithd_store_notice_clear (store, job->user_id, error);
    }
    return TRUE;

  case KITHD_JOB_SIGN_UP:
    job->user_id = kithd_store_user_create (store, job->email, job->password_hash,
                                            job->first_name, job->last_name, job->now, error);
    if (job->user_id <= 0)
      return FALSE;
    job->session_id = kithd_store_session_create (store, job->user_id, job->token_hash,
                                                  "Kith", KITH_DEVICE_DESKTOP, job->now, error);
    if (job->session_id <= 0)
      return FALSE;
    job->user = kithd_store_user_get (store, job->user_id, error);
    return job->user != NULL;

  case KITHD_JOB_USER_BY_EMAIL:
    job->user = kithd_store_user_get_by_email (store, job->email, error);
    return job->user != NULL;

  case KITHD_JOB_SESSION_CREATE:
    job->session_id = kithd_store_session_create (store, job->user_id, job->token_hash,
                                                  job->device_name, job->device_kind,
                                                  job->now, error);
    return job->session_id > 0;

  case KITHD_JOB_SESSION_DELETE:
    return kithd_store_session_delete (store, job->session_id, error);

  case KITHD_JOB_PROFILE_UPDATE:
    if (!kithd_store_user_update_profile (store, job->user_id, job->first_name,
                                          job->last_name, job->notify, error))
      return FALSE;
    job->user = kithd_store_user_get (store, job->user_id, error);
    if (!job->user)
      return FALSE;
    job->ids = kithd_store_contact_accepted_ids (store, job->user_id, error);
    return job->ids != NULL;

  case KITHD_JOB_PASSWORD_SET:
    if (!kithd_store_user_set_password (store, job->user_id, job->password_hash, error))
      return FALSE;
    job->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
    return kithd_store_session_delete_user (store, job->user_id, job->session_id, job->ids, error);

  case KITHD_JOB_RESET_REQUEST: {
    g_autoptr (GError) local_error = NULL;

    job->user = kithd_store_user_get_by_email (store, job->email, &local_error);
    if (!job->user) {
      if (g_error_matches (local_error, KITH_ERROR, KITH_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
    return kithd_store_reset_create (store, job->user->id, job->token_hash, job->expires_at, error);
  }

  case KITHD_JOB_RESET_CONFIRM:
    job->user_id = kithd_store_reset_consume (store, job->token_hash, job->now, error);
    if (job->user_id <= 0)
      return FALSE;
    if (!kithd_store_user_set_password (store, job->user_id, job->password_hash, error))
      return FALSE;
    job->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
    return kithd_store_session_delete_user (store, job->user_id, 0, job->ids, error);

  case KITHD_JOB_ACCOUNT_DELETE:
    job->list = kithd_store_contact_list (store, job->user_id, error);
    if (!job->list)
      return FALSE;
    return kithd_store_user_delete (store, job->user_id, error);

  case KITHD_JOB_CONTACT_LIST:
    job->list = kithd_store_contact_list (store, job->user_id, error);
    return job->list != NULL;

  case KITHD_JOB_CONTACT_ADD:
    job->other = kithd_store_user_get_by_email (store, job->email, error);
    if (!job->other)
      return FALSE;
    if (job->other->id == job->user_id) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           "You cannot add yourself as a contact");
      return FALSE;
    }
    job->other_id = job->other->id;
    if (!kithd_store_contact_request (store, job->user_id, job->other_id, job->now,
                                      &job->state, error))
      return FALSE;
    job->user = kithd_store_user_get (store, job->user_id, error);
    return job->user != NULL;

  case KITHD_JOB_CONTACT_ACCEPT:
    if (!kithd_store_contact_accept (store, job->user_id, job->other_id, job->now, error))
      return FALSE;
    job->other = kithd_store_user_get (store, job->other_id, error);
    if (!job->other)
      return FALSE;
    job->user = kithd_store_user_get (store, job->user_id, error);
    return job->user != NULL;

  case KITHD_JOB_CONTACT_REMOVE:
    return kithd_store_contact_remove (store, job->user_id, job->other_id, error);

  case KITHD_JOB_HISTORY: {
    g_autoptr (GError) local_error = NULL;
    gboolean accepted;

    accepted = kithd_store_contact_is_accepted (store, job->user_id, job->other_id, &local_error);
    if (local_error) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
    job->list = kithd_store_message_history (store, job->user_id, job->other_id,
                                             job->after, job->limit, error);
    if (!job->list)
      return FALSE;
    if (!accepted && job->list->len == 0) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_NOT_CONTACT,
                           "This person is not one of your contacts");
      return FALSE;
    }
    return TRUE;
  }

  case KITHD_JOB_REPLAY:
    job->list = kithd_store_message_list_after (store, job->user_id, job->after, job->limit, error);
    return job->list != NULL;

  case KITHD_JOB_MESSAGE_INSERT: {
    gboolean opened = FALSE;

    if (!kithd_store_message_insert (store, job->client_id, job->user_id, job->other_id,
                                     job->body, job->now, &job->seq, &job->sent_at,
                                     &job->duplicate, error))
      return FALSE;
    if (job->duplicate || !job->recipient_offline)
      return TRUE;

    /* The recipient has no connected device: an email batch may start. */
    job->other = kithd_store_user_get (store, job->other_id, error);
    if (!job->other)
      return FALSE;
    if (!job->other->offline_email_notification)
      return TRUE;
    if (!kithd_store_notice_touch (store, job->other_id, job->user_id, job->now, &opened, error))
      return FALSE;
    if (opened) {
      job->user = kithd_store_user_get (store, job->user_id, error);
      if (!job->user)
        return FALSE;
      job->mail_due = TRUE;
    }
    return TRUE;
  }

  case KITHD_JOB_NOTICE_CLEAR:
    return kithd_store_notice_clear (store, job->user_id, error);

  default:
    g_assert_not_reached ();
  }

  return FALSE;
}

static gpointer
job_func (KithdStore *store,
          gpointer    data,
          GError    **error)
{
  KithdJob *job = data;

  if (!run (store, job, &job->error) && !job->error)
    g_set_error_literal (&job->error, KITH_ERROR, KITH_ERROR_INTERNAL, "The database failed");

  return kithd_job_ref (job);
}

void
kithd_job_run_sync (KithdStore *store,
                    KithdJob   *job)
{
  kithd_job_unref (job_func (store, job, NULL));
}

typedef struct {
  KithdDb      *db;
  KithdJob     *job;
  KithdJobDone  done;
  gpointer      user_data;
} Pending;

static void
on_job_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr (GError) error = NULL;
  KithdJob *ret;

  ret = kithd_db_run_finish (pending->db, result, &error);
  if (ret)
    kithd_job_unref (ret);
  else if (!pending->job->error)
    pending->job->error = error ? g_steal_pointer (&error)
                                : g_error_new_literal (KITH_ERROR, KITH_ERROR_INTERNAL, "The database failed");

  pending->done (pending->job, pending->user_data);
  kithd_job_unref (pending->job);
  g_object_unref (pending->db);
  g_free (pending);
}

void
kithd_job_submit (KithdDb      *db,
                  KithdJob     *job,
                  KithdJobDone  done,
                  gpointer      user_data)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->db = g_object_ref (db);
  pending->job = kithd_job_ref (job);
  pending->done = done;
  pending->user_data = user_data;

  kithd_db_run_async (db, job_func, job, (GDestroyNotify) kithd_job_unref,
                      (GDestroyNotify) kithd_job_unref, NULL, on_job_done, pending);
}
