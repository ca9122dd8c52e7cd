/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * The db worker's calls of the mailer's queue (kithd-mailer.c; kithd-db-
 * accounts.h tells how these calls go).
 */

/* Queues a copy of @mail (to_user_id 0: not for an account; its id is
 * not used): the id it is queued under, 0 on error. */
void        kithd_db_queue_mail_async          (KithdDb              *self,
                                                const KithdMail      *mail,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gint64      kithd_db_queue_mail_finish         (KithdDb              *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* The oldest @limit mails of the queue (KithdMail; 0: all). */
void        kithd_db_pending_mail_async        (KithdDb              *self,
                                                guint                 limit,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GPtrArray  *kithd_db_pending_mail_finish       (KithdDb              *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Takes the mails of @mail_ids (gint64; a reference is taken) off the
 * queue; one that is gone already (its account deleted meanwhile) is no
 * error. */
void        kithd_db_mail_delivered_async      (KithdDb              *self,
                                                GArray               *mail_ids,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean    kithd_db_mail_delivered_finish     (KithdDb              *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
