/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdDb"

#include "config.h"

#include "kithd-db-accounts.h"
#include "kithd-db-private.h"

/*
 * Each call: a struct of its inputs and outputs, the function that runs it
 * on the worker, and its _async/_finish pair (kithd-db-private.h).
 */

/* ---- authenticate ---- */

typedef struct {
  char         *token_hash;
  KithdSession *session;
  KithdUser    *user;
} Authenticate;

static void
authenticate_free (Authenticate *call)
{
  g_free (call->token_hash);
  g_clear_pointer (&call->session, kithd_session_free);
  g_clear_pointer (&call->user, kithd_user_free);
  g_free (call);
}

static gpointer
authenticate_run (KithdStore  *store,
                  gpointer     data,
                  GError     **error)
{
  Authenticate *call = data;

  call->session = kithd_store_session_lookup (store, call->token_hash, error);
  if (call->session)
    call->user = kithd_store_user_get (store, call->session->user_id, error);
  return kithd_db_call_return (call->user != NULL, call, error);
}

void
kithd_db_authenticate_async (KithdDb             *self,
                             const char          *token_hash,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Authenticate *call = g_new0 (Authenticate, 1);

  call->token_hash = g_strdup (token_hash);
  kithd_db_call_async (self, authenticate_run, call, (GDestroyNotify) authenticate_free,
                       kithd_db_authenticate_async, cancellable, callback, user_data);
}

KithdSession *
kithd_db_authenticate_finish (KithdDb       *self,
                              GAsyncResult  *result,
                              KithdUser    **user,
                              GError       **error)
{
  Authenticate *call = kithd_db_call_finish (self, result, kithd_db_authenticate_async, error);

  if (!call)
    return NULL;
  if (user)
    *user = g_steal_pointer (&call->user);
  return g_steal_pointer (&call->session);
}

/* ---- sign up ---- */

typedef struct {
  char      *email;
  char      *password_hash;
  char      *first_name;
  char      *last_name;
  char      *token_hash;
  gint64     now;
  KithdUser *user;
} SignUp;

static void
sign_up_free (SignUp *call)
{
  g_free (call->email);
  g_free (call->password_hash);
  g_free (call->first_name);
  g_free (call->last_name);
  g_free (call->token_hash);
  g_clear_pointer (&call->user, kithd_user_free);
  g_free (call);
}

static gpointer
sign_up_run (KithdStore  *store,
             gpointer     data,
             GError     **error)
{
  SignUp *call = data;
  gint64 user_id;

  user_id = kithd_store_user_create (store, call->email, call->password_hash,
                                     call->first_name, call->last_name, call->now, error);
  if (user_id > 0 &&
      kithd_store_session_create (store, user_id, call->token_hash, "Kith", KITH_DEVICE_DESKTOP,
                                  call->now, error) > 0)
    call->user = kithd_store_user_get (store, user_id, error);
  return kithd_db_call_return (call->user != NULL, call, error);
}

void
kithd_db_sign_up_async (KithdDb             *self,
                        const char          *email,
                        const char          *password_hash,
                        const char          *first_name,
                        const char          *last_name,
                        const char          *token_hash,
                        gint64               now,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  SignUp *call = g_new0 (SignUp, 1);

  call->email = g_strdup (email);
  call->password_hash = g_strdup (password_hash);
  call->first_name = g_strdup (first_name);
  call->last_name = g_strdup (last_name);
  call->token_hash = g_strdup (token_hash);
  call->now = now;
  kithd_db_call_async (self, sign_up_run, call, (GDestroyNotify) sign_up_free,
                       kithd_db_sign_up_async, cancellable, callback, user_data);
}

KithdUser *
kithd_db_sign_up_finish (KithdDb       *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  SignUp *call = kithd_db_call_finish (self, result, kithd_db_sign_up_async, error);

  return call ? g_steal_pointer (&call->user) : NULL;
}

/* ---- find a user by email ---- */

typedef struct {
  char      *email;
  KithdUser *user;
} FindUser;

static void
find_user_free (FindUser *call)
{
  g_free (call->email);
  g_clear_pointer (&call->user, kithd_user_free);
  g_free (call);
}

static gpointer
find_user_run (KithdStore  *store,
               gpointer     data,
               GError     **error)
{
  FindUser *call = data;

  call->user = kithd_store_user_get_by_email (store, call->email, error);
  return kithd_db_call_return (call->user != NULL, call, error);
}

void
kithd_db_find_user_async (KithdDb             *self,
                          const char          *email,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  FindUser *call = g_new0 (FindUser, 1);

  call->email = g_strdup (email);
  kithd_db_call_async (self, find_user_run, call, (GDestroyNotify) find_user_free,
                       kithd_db_find_user_async, cancellable, callback, user_data);
}

KithdUser *
kithd_db_find_user_finish (KithdDb       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  FindUser *call = kithd_db_call_finish (self, result, kithd_db_find_user_async, error);

  return call ? g_steal_pointer (&call->user) : NULL;
}

/* ---- sessions ---- */

typedef struct {
  gint64          user_id;
  char           *token_hash;
  char           *device_name;
  KithDeviceKind  device_kind;
  gint64          now;
  gint64          session_id;
  KithdUser      *user;         /* open_session: the session's user */
} CreateSession;

static void
create_session_free (CreateSession *call)
{
  g_free (call->token_hash);
  g_free (call->device_name);
  g_clear_pointer (&call->user, kithd_user_free);
  g_free (call);
}

/* For create_session and open_session. */
static CreateSession *
create_session_new (gint64          user_id,
                    const char     *token_hash,
                    const char     *device_name,
                    KithDeviceKind  device_kind,
                    gint64          now)
{
  CreateSession *call = g_new0 (CreateSession, 1);

  call->user_id = user_id;
  call->token_hash = g_strdup (token_hash);
  call->device_name = g_strdup (device_name);
  call->device_kind = device_kind;
  call->now = now;
  return call;
}

static gpointer
create_session_run (KithdStore  *store,
                    gpointer     data,
                    GError     **error)
{
  CreateSession *call = data;

  call->session_id = kithd_store_session_create (store, call->user_id, call->token_hash,
                                                 call->device_name, call->device_kind,
                                                 call->now, error);
  return kithd_db_call_return (call->session_id > 0, call, error);
}

void
kithd_db_create_session_async (KithdDb             *self,
                               gint64               user_id,
                               const char          *token_hash,
                               const char          *device_name,
                               KithDeviceKind       device_kind,
                               gint64               now,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  CreateSession *call = create_session_new (user_id, token_hash, device_name, device_kind, now);

  kithd_db_call_async (self, create_session_run, call, (GDestroyNotify) create_session_free,
                       kithd_db_create_session_async, cancellable, callback, user_data);
}

gint64
kithd_db_create_session_finish (KithdDb       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  CreateSession *call = kithd_db_call_finish (self, result, kithd_db_create_session_async, error);

  return call ? call->session_id : 0;
}

typedef struct {
  gint64 session_id;
} DeleteSession;

static gpointer
delete_session_run (KithdStore  *store,
                    gpointer     data,
                    GError     **error)
{
  DeleteSession *call = data;

  return kithd_db_call_return (kithd_store_session_delete (store, call->session_id, error),
                               call, error);
}

void
kithd_db_delete_session_async (KithdDb             *self,
                               gint64               session_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  DeleteSession *call = g_new0 (DeleteSession, 1);

  call->session_id = session_id;
  kithd_db_call_async (self, delete_session_run, call, g_free,
                       kithd_db_delete_session_async, cancellable, callback, user_data);
}

gboolean
kithd_db_delete_session_finish (KithdDb       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return kithd_db_call_finish (self, result, kithd_db_delete_session_async, error) != NULL;
}

/* ---- profile ---- */

typedef struct {
  gint64     user_id;
  char      *first_name;
  char      *last_name;
  int        offline_email_notification;
  KithdUser *user;
  GArray    *contact_ids;
} UpdateProfile;

static void
update_profile_free (UpdateProfile *call)
{
  g_free (call->first_name);
  g_free (call->last_name);
  g_clear_pointer (&call->user, kithd_user_free);
  g_clear_pointer (&call->contact_ids, g_array_unref);
  g_free (call);
}

static gpointer
update_profile_run (KithdStore  *store,
                    gpointer     data,
                    GError     **error)
{
  UpdateProfile *call = data;

  if (kithd_store_user_update_profile (store, call->user_id, call->first_name, call->last_name,
                                       call->offline_email_notification, error) &&
      (call->user = kithd_store_user_get (store, call->user_id, error)))
    call->contact_ids = kithd_store_contact_accepted_ids (store, call->user_id, error);
  return kithd_db_call_return (call->contact_ids != NULL, call, error);
}

void
kithd_db_update_profile_async (KithdDb             *self,
                               gint64               user_id,
                               const char          *first_name,
                               const char          *last_name,
                               int                  offline_email_notification,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  UpdateProfile *call = g_new0 (UpdateProfile, 1);

  call->user_id = user_id;
  call->first_name = g_strdup (first_name);
  call->last_name = g_strdup (last_name);
  call->offline_email_notification = offline_email_notification;
  kithd_db_call_async (self, update_profile_run, call, (GDestroyNotify) update_profile_free,
                       kithd_db_update_profile_async, cancellable, callback, user_data);
}

KithdUser *
kithd_db_update_profile_finish (KithdDb       *self,
                                GAsyncResult  *result,
                                GArray       **contact_ids,
                                GError       **error)
{
  UpdateProfile *call = kithd_db_call_finish (self, result, kithd_db_update_profile_async, error);

  if (!call)
    return NULL;
  if (contact_ids)
    *contact_ids = g_steal_pointer (&call->contact_ids);
  return g_steal_pointer (&call->user);
}

/* ---- passwords ---- */

typedef struct {
  gint64  user_id;
  char   *password_hash;
  gint64  keep_session_id;
  GArray *ended;
} SetPassword;

static void
set_password_free (SetPassword *call)
{
  g_free (call->password_hash);
  g_clear_pointer (&call->ended, g_array_unref);
  g_free (call);
}

static gpointer
set_password_run (KithdStore  *store,
                  gpointer     data,
                  GError     **error)
{
  SetPassword *call = data;
  gboolean ok;

  ok = kithd_store_user_set_password (store, call->user_id, call->password_hash, error);
  if (ok) {
    call->ended = g_array_new (FALSE, FALSE, sizeof (gint64));
    ok = kithd_store_session_delete_user (store, call->user_id, call->keep_session_id,
                                          call->ended, error);
  }
  return kithd_db_call_return (ok, call, error);
}

void
kithd_db_set_password_async (KithdDb             *self,
                             gint64               user_id,
                             const char          *password_hash,
                             gint64               keep_session_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  SetPassword *call = g_new0 (SetPassword, 1);

  call->user_id = user_id;
  call->password_hash = g_strdup (password_hash);
  call->keep_session_id = keep_session_id;
  kithd_db_call_async (self, set_password_run, call, (GDestroyNotify) set_password_free,
                       kithd_db_set_password_async, cancellable, callback, user_data);
}

GArray *
kithd_db_set_password_finish (KithdDb       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  SetPassword *call = kithd_db_call_finish (self, result, kithd_db_set_password_async, error);

  return call ? g_steal_pointer (&call->ended) : NULL;
}

/* ---- password reset ---- */

typedef struct {
  char      *email;
  char      *token_hash;
  gint64     expires_at;
  KithdUser *user;
} RequestReset;

static void
request_reset_free (RequestReset *call)
{
  g_free (call->email);
  g_free (call->token_hash);
  g_clear_pointer (&call->user, kithd_user_free);
  g_free (call);
}

static gpointer
request_reset_run (KithdStore  *store,
                   gpointer     data,
                   GError     **error)
{
  RequestReset *call = data;
  g_autoptr (GError) local_error = NULL;

  call->user = kithd_store_user_get_by_email (store, call->email, &local_error);
  if (!call->user) {
    /* No account: nothing to store, and nothing to tell either. */
    if (g_error_matches (local_error, KITH_ERROR, KITH_ERROR_NOT_FOUND))
      return call;
    g_propagate_error (error, g_steal_pointer (&local_error));
    return kithd_db_call_return (FALSE, call, error);
  }
  return kithd_db_call_return (kithd_store_reset_create (store, call->user->id, call->token_hash,
                                                         call->expires_at, error),
                               call, error);
}

void
kithd_db_request_reset_async (KithdDb             *self,
                              const char          *email,
                              const char          *token_hash,
                              gint64               expires_at,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  RequestReset *call = g_new0 (RequestReset, 1);

  call->email = g_strdup (email);
  call->token_hash = g_strdup (token_hash);
  call->expires_at = expires_at;
  kithd_db_call_async (self, request_reset_run, call, (GDestroyNotify) request_reset_free,
                       kithd_db_request_reset_async, cancellable, callback, user_data);
}

gboolean
kithd_db_request_reset_finish (KithdDb       *self,
                               GAsyncResult  *result,
                               KithdUser    **user,
                               GError       **error)
{
  RequestReset *call = kithd_db_call_finish (self, result, kithd_db_request_reset_async, error);

  if (!call)
    return FALSE;
  if (user)
    *user = g_steal_pointer (&call->user);
  return TRUE;
}

typedef struct {
  char   *token_hash;
  char   *password_hash;
  gint64  now;
  gint64  user_id;
} ConfirmReset;

static void
confirm_reset_free (ConfirmReset *call)
{
  g_free (call->token_hash);
  g_free (call->password_hash);
  g_free (call);
}

static gpointer
confirm_reset_run (KithdStore  *store,
                   gpointer     data,
                   GError     **error)
{
  ConfirmReset *call = data;
  gboolean ok;

  call->user_id = kithd_store_reset_consume (store, call->token_hash, call->now, error);
  ok = call->user_id > 0 &&
       kithd_store_user_set_password (store, call->user_id, call->password_hash, error) &&
       kithd_store_session_delete_user (store, call->user_id, 0, NULL, error);
  return kithd_db_call_return (ok, call, error);
}

void
kithd_db_confirm_reset_async (KithdDb             *self,
                              const char          *token_hash,
                              const char          *password_hash,
                              gint64               now,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  ConfirmReset *call = g_new0 (ConfirmReset, 1);

  call->token_hash = g_strdup (token_hash);
  call->password_hash = g_strdup (password_hash);
  call->now = now;
  kithd_db_call_async (self, confirm_reset_run, call, (GDestroyNotify) confirm_reset_free,
                       kithd_db_confirm_reset_async, cancellable, callback, user_data);
}

gint64
kithd_db_confirm_reset_finish (KithdDb       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  ConfirmReset *call = kithd_db_call_finish (self, result, kithd_db_confirm_reset_async, error);

  return call ? call->user_id : 0;
}

/* ---- account deletion ---- */

typedef struct {
  gint64     user_id;
  GPtrArray *contacts;
} DeleteAccount;

static void
delete_account_free (DeleteAccount *call)
{
  g_clear_pointer (&call->contacts, g_ptr_array_unref);
  g_free (call);
}

static gpointer
delete_account_run (KithdStore  *store,
                    gpointer     data,
                    GError     **error)
{
  DeleteAccount *call = data;

  call->contacts = kithd_store_contact_list (store, call->user_id, error);
  return kithd_db_call_return (call->contacts &&
                               kithd_store_user_delete (store, call->user_id, error),
                               call, error);
}

void
kithd_db_delete_account_async (KithdDb             *self,
                               gint64               user_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  DeleteAccount *call = g_new0 (DeleteAccount, 1);

  call->user_id = user_id;
  kithd_db_call_async (self, delete_account_run, call, (GDestroyNotify) delete_account_free,
                       kithd_db_delete_account_async, cancellable, callback, user_data);
}

GPtrArray *
kithd_db_delete_account_finish (KithdDb       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  DeleteAccount *call = kithd_db_call_finish (self, result, kithd_db_delete_account_async, error);

  return call ? g_steal_pointer (&call->contacts) : NULL;
}

/* ---- an account signed in by its provider (OIDC) ---- */

static gpointer
oidc_account_run (KithdStore  *store,
                  gpointer     data,
                  GError     **error)
{
  SignUp *call = data;
  g_autoptr (GError) local_error = NULL;
  gint64 user_id;

  call->user = kithd_store_user_get_by_email (store, call->email, &local_error);
  if (!call->user && g_error_matches (local_error, KITH_ERROR, KITH_ERROR_NOT_FOUND)) {
    /* No password: a password log-in fails as for a wrong one; a reset
     * mail gives it one. */
    user_id = kithd_store_user_create (store, call->email, NULL, call->first_name,
                                       call->last_name, call->now, error);
    if (user_id > 0)
      call->user = kithd_store_user_get (store, user_id, error);
  } else if (!call->user) {
    g_propagate_error (error, g_steal_pointer (&local_error));
  }
  return kithd_db_call_return (call->user != NULL, call, error);
}

void
kithd_db_oidc_account_async (KithdDb             *self,
                             const char          *email,
                             const char          *first_name,
                             const char          *last_name,
                             gint64               now,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  SignUp *call = g_new0 (SignUp, 1);

  call->email = g_strdup (email);
  call->first_name = g_strdup (first_name);
  call->last_name = g_strdup (last_name);
  call->now = now;
  kithd_db_call_async (self, oidc_account_run, call, (GDestroyNotify) sign_up_free,
                       kithd_db_oidc_account_async, cancellable, callback, user_data);
}

KithdUser *
kithd_db_oidc_account_finish (KithdDb       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  SignUp *call = kithd_db_call_finish (self, result, kithd_db_oidc_account_async, error);

  return call ? g_steal_pointer (&call->user) : NULL;
}

/* ---- a session for a user known by id ---- */

static gpointer
open_session_run (KithdStore  *store,
                  gpointer     data,
                  GError     **error)
{
  CreateSession *call = data;

  call->user = kithd_store_user_get (store, call->user_id, error);
  if (call->user)
    call->session_id = kithd_store_session_create (store, call->user_id, call->token_hash,
                                                   call->device_name, call->device_kind,
                                                   call->now, error);
  return kithd_db_call_return (call->session_id > 0, call, error);
}

void
kithd_db_open_session_async (KithdDb             *self,
                             gint64               user_id,
                             const char          *token_hash,
                             const char          *device_name,
                             KithDeviceKind       device_kind,
                             gint64               now,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  CreateSession *call = create_session_new (user_id, token_hash, device_name, device_kind, now);

  kithd_db_call_async (self, open_session_run, call, (GDestroyNotify) create_session_free,
                       kithd_db_open_session_async, cancellable, callback, user_data);
}

KithdUser *
kithd_db_open_session_finish (KithdDb       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  CreateSession *call = kithd_db_call_finish (self, result, kithd_db_open_session_async, error);

  return call ? g_steal_pointer (&call->user) : NULL;
}
