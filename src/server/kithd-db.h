/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kithd-store.h"

G_BEGIN_DECLS

/*
 * KithdDb: the one worker thread that owns the KithdStore. Jobs run in the
 * order they were queued (so acks go out in the order messages came in) and
 * their results come back on the main context that queued them.
 *
 * kithd reaches the store through the typed calls, one _async/_finish pair
 * per operation (kithd-db-accounts.h, -contacts.h, -messages.h, -mail.h);
 * kithd_db_run_async() below is the queue they stand on.
 */

typedef gpointer (*KithdDbFunc) (KithdStore *store,
                                 gpointer    data,
                                 GError    **error);

#define KITHD_TYPE_DB (kithd_db_get_type ())
G_DECLARE_FINAL_TYPE (KithdDb, kithd_db, KITHD, DB, GObject)

KithdDb    *kithd_db_new           (KithdStore          *store);
KithdStore *kithd_db_get_store     (KithdDb             *self);
/* Runs @func (store, @data) on the worker. @data is freed with
 * @data_destroy once the job has run; a result the caller never takes is
 * freed with @result_destroy. A NULL result with no error is a valid
 * result (use GINT_TO_POINTER for booleans). */
void        kithd_db_run_async     (KithdDb             *self,
                                    KithdDbFunc          func,
                                    gpointer             data,
                                    GDestroyNotify       data_destroy,
                                    GDestroyNotify       result_destroy,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gpointer    kithd_db_run_finish    (KithdDb             *self,
                                    GAsyncResult        *result,
                                    GError             **error);
/* Blocks until every queued job has run (for shutdown and tests). */
void        kithd_db_flush         (KithdDb             *self);

G_END_DECLS
