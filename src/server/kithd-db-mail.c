/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdDb"

#include "config.h"

#include "kithd-db-mail.h"
#include "kithd-db-private.h"

/* Each call: a struct of its inputs and outputs, the function that runs
 * it on the worker, and its _async/_finish pair (kithd-db-private.h). */

/* ---- queue ---- */

/* The call is the mail: its id is what the store gives it. */
static gpointer
queue_mail_run (KithdStore  *store,
                gpointer     data,
                GError     **error)
{
  KithdMail *mail = data;

  mail->id = kithd_store_mail_enqueue (store, mail->to_user_id, mail->to_address,
                                       mail->subject, mail->body, mail->created_at, error);
  return kithd_db_call_return (mail->id != 0, mail, error);
}

void
kithd_db_queue_mail_async (KithdDb             *self,
                           const KithdMail     *mail,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  KithdMail *call = kithd_mail_copy (mail);

  call->id = 0;
  kithd_db_call_async (self, queue_mail_run, call, (GDestroyNotify) kithd_mail_free,
                       kithd_db_queue_mail_async, cancellable, callback, user_data);
}

gint64
kithd_db_queue_mail_finish (KithdDb       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  KithdMail *mail = kithd_db_call_finish (self, result, kithd_db_queue_mail_async, error);

  return mail ? mail->id : 0;
}

/* ---- pending ---- */

typedef struct {
  guint      limit;
  GPtrArray *mails;
} PendingMail;

static void
pending_mail_free (PendingMail *call)
{
  g_clear_pointer (&call->mails, g_ptr_array_unref);
  g_free (call);
}

static gpointer
pending_mail_run (KithdStore  *store,
                  gpointer     data,
                  GError     **error)
{
  PendingMail *call = data;

  call->mails = kithd_store_mail_pending (store, call->limit, error);
  return kithd_db_call_return (call->mails != NULL, call, error);
}

void
kithd_db_pending_mail_async (KithdDb             *self,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  PendingMail *call = g_new0 (PendingMail, 1);

  call->limit = limit;
  kithd_db_call_async (self, pending_mail_run, call, (GDestroyNotify) pending_mail_free,
                       kithd_db_pending_mail_async, cancellable, callback, user_data);
}

GPtrArray *
kithd_db_pending_mail_finish (KithdDb       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  PendingMail *call = kithd_db_call_finish (self, result, kithd_db_pending_mail_async, error);

  return call ? g_steal_pointer (&call->mails) : NULL;
}

/* ---- delivered ---- */

static gpointer
mail_delivered_run (KithdStore  *store,
                    gpointer     data,
                    GError     **error)
{
  GArray *ids = data;

  for (guint i = 0; i < ids->len; i++) {
    g_autoptr (GError) local_error = NULL;

    /* gone already (the account was deleted meanwhile) is fine */
    if (!kithd_store_mail_delivered (store, g_array_index (ids, gint64, i), &local_error) &&
        !g_error_matches (local_error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return kithd_db_call_return (FALSE, ids, error);
    }
  }
  return ids;
}

void
kithd_db_mail_delivered_async (KithdDb             *self,
                               GArray              *mail_ids,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  kithd_db_call_async (self, mail_delivered_run, g_array_ref (mail_ids), (GDestroyNotify) g_array_unref,
                       kithd_db_mail_delivered_async, cancellable, callback, user_data);
}

gboolean
kithd_db_mail_delivered_finish (KithdDb       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return kithd_db_call_finish (self, result, kithd_db_mail_delivered_async, error) != NULL;
}
