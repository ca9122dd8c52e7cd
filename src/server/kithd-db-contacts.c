/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdDb"

#include "config.h"

#include "kithd-db-contacts.h"
#include "kithd-db-private.h"

/* Each call: a struct of its inputs and outputs, the function that runs
 * it on the worker, and its _async/_finish pair (kithd-db-private.h). */

typedef struct {
  gint64            user_id;
  gint64            other_id;
  char             *email;        /* add: whom */
  gint64            now;
  KithdUser        *user;
  KithdUser        *other;
  KithContactState  state;
  GPtrArray        *contacts;     /* list */
} ContactCall;

static void
contact_call_free (ContactCall *call)
{
  g_free (call->email);
  g_clear_pointer (&call->user, kithd_user_free);
  g_clear_pointer (&call->other, kithd_user_free);
  g_clear_pointer (&call->contacts, g_ptr_array_unref);
  g_free (call);
}

static ContactCall *
contact_call_new (gint64 user_id,
                  gint64 other_id,
                  gint64 now)
{
  ContactCall *call = g_new0 (ContactCall, 1);

  call->user_id = user_id;
  call->other_id = other_id;
  call->now = now;
  return call;
}

/* ---- list ---- */

static gpointer
list_run (KithdStore  *store,
          gpointer     data,
          GError     **error)
{
  ContactCall *call = data;

  call->contacts = kithd_store_contact_list (store, call->user_id, error);
  return kithd_db_call_return (call->contacts != NULL, call, error);
}

void
kithd_db_list_contacts_async (KithdDb             *self,
                              gint64               user_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  kithd_db_call_async (self, list_run, contact_call_new (user_id, 0, 0),
                       (GDestroyNotify) contact_call_free,
                       kithd_db_list_contacts_async, cancellable, callback, user_data);
}

GPtrArray *
kithd_db_list_contacts_finish (KithdDb       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  ContactCall *call = kithd_db_call_finish (self, result, kithd_db_list_contacts_async, error);

  return call ? g_steal_pointer (&call->contacts) : NULL;
}

/* ---- add ---- */

static gpointer
add_run (KithdStore  *store,
         gpointer     data,
         GError     **error)
{
  ContactCall *call = data;

  call->other = kithd_store_user_get_by_email (store, call->email, error);
  if (!call->other)
    return kithd_db_call_return (FALSE, call, error);
  if (call->other->id == call->user_id) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                         "You cannot add yourself as a contact");
    return NULL;
  }
  call->other_id = call->other->id;
  if (kithd_store_contact_request (store, call->user_id, call->other_id, call->now,
                                   &call->state, error))
    call->user = kithd_store_user_get (store, call->user_id, error);
  return kithd_db_call_return (call->user != NULL, call, error);
}

void
kithd_db_add_contact_async (KithdDb             *self,
                            gint64               user_id,
                            const char          *email,
                            gint64               now,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  ContactCall *call = contact_call_new (user_id, 0, now);

  call->email = g_strdup (email);
  kithd_db_call_async (self, add_run, call, (GDestroyNotify) contact_call_free,
                       kithd_db_add_contact_async, cancellable, callback, user_data);
}

KithdUser *
kithd_db_add_contact_finish (KithdDb           *self,
                             GAsyncResult      *result,
                             KithdUser        **user,
                             KithContactState  *state,
                             GError           **error)
{
  ContactCall *call = kithd_db_call_finish (self, result, kithd_db_add_contact_async, error);

  if (!call)
    return NULL;
  if (user)
    *user = g_steal_pointer (&call->user);
  if (state)
    *state = call->state;
  return g_steal_pointer (&call->other);
}

/* ---- accept ---- */

static gpointer
accept_run (KithdStore  *store,
            gpointer     data,
            GError     **error)
{
  ContactCall *call = data;

  if (kithd_store_contact_accept (store, call->user_id, call->other_id, call->now, error) &&
      (call->other = kithd_store_user_get (store, call->other_id, error)))
    call->user = kithd_store_user_get (store, call->user_id, error);
  return kithd_db_call_return (call->user != NULL, call, error);
}

void
kithd_db_accept_contact_async (KithdDb             *self,
                               gint64               user_id,
                               gint64               requester_id,
                               gint64               now,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  kithd_db_call_async (self, accept_run, contact_call_new (user_id, requester_id, now),
                       (GDestroyNotify) contact_call_free,
                       kithd_db_accept_contact_async, cancellable, callback, user_data);
}

KithdUser *
kithd_db_accept_contact_finish (KithdDb       *self,
                                GAsyncResult  *result,
                                KithdUser    **user,
                                GError       **error)
{
  ContactCall *call = kithd_db_call_finish (self, result, kithd_db_accept_contact_async, error);

  if (!call)
    return NULL;
  if (user)
    *user = g_steal_pointer (&call->user);
  return g_steal_pointer (&call->other);
}

/* ---- remove ---- */

static gpointer
remove_run (KithdStore  *store,
            gpointer     data,
            GError     **error)
{
  ContactCall *call = data;

  return kithd_db_call_return (kithd_store_contact_remove (store, call->user_id, call->other_id, error),
                               call, error);
}

void
kithd_db_remove_contact_async (KithdDb             *self,
                               gint64               user_id,
                               gint64               other_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  kithd_db_call_async (self, remove_run, contact_call_new (user_id, other_id, 0),
                       (GDestroyNotify) contact_call_free,
                       kithd_db_remove_contact_async, cancellable, callback, user_data);
}

gboolean
kithd_db_remove_contact_finish (KithdDb       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return kithd_db_call_finish (self, result, kithd_db_remove_contact_async, error) != NULL;
}
