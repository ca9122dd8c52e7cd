/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * For the typed calls of the db worker (kithd-db-accounts.c,
 * kithd-db-contacts.c, kithd-db-messages.c, kithd-db-mail.c). Each call is
 * a struct of what goes in and what comes out; @func runs on the worker,
 * fills the outputs and returns the struct itself (kithd_db_call_return()),
 * or NULL with @error set. The struct belongs to the task: it is freed
 * with @call_free once the caller's callback has run, so a _finish
 * function steals the outputs it hands over.
 */
void     kithd_db_call_async  (KithdDb             *self,
                               KithdDbFunc          func,
                               gpointer             call,
                               GDestroyNotify       call_free,
                               gpointer             source_tag,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
/* The call struct, or NULL with @error set; @source_tag is the _async
 * function's. */
gpointer kithd_db_call_finish (KithdDb             *self,
                               GAsyncResult        *result,
                               gpointer             source_tag,
                               GError             **error);
/* What a worker function returns: @call when @ok; else NULL, with @error
 * set to INTERNAL ("The database failed") when the store set none. */
gpointer kithd_db_call_return (gboolean             ok,
                               gpointer             call,
                               GError             **error);

G_END_DECLS
