/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdDb"

#include "config.h"

#include "kithd-db-private.h"
#include "kithd-db-web.h"

/*
 * The web pages' calls (kithd-db-web.h), each a struct of its inputs and
 * outputs, as in kithd-db-accounts.c.
 */

/* ---- authenticate a browser ---- */

typedef struct {
  char      *token_hash;
  gint64     now;
  gint64     idle_cutoff;
  gint64     created_cutoff;
  gint64     session_id;
  KithdUser *user;
} WebAuthenticate;

static void
web_authenticate_free (WebAuthenticate *call)
{
  g_free (call->token_hash);
  g_clear_pointer (&call->user, kithd_user_free);
  g_free (call);
}

static gpointer
web_authenticate_run (KithdStore  *store,
                      gpointer     data,
                      GError     **error)
{
  WebAuthenticate *call = data;
  gint64 user_id = 0;

  call->session_id = kithd_store_web_session_touch (store, call->token_hash, call->now,
                                                    call->idle_cutoff, call->created_cutoff,
                                                    &user_id, error);
  if (call->session_id > 0)
    call->user = kithd_store_user_get (store, user_id, error);
  return kithd_db_call_return (call->user != NULL, call, error);
}

void
kithd_db_web_authenticate_async (KithdDb             *self,
                                 const char          *token_hash,
                                 gint64               now,
                                 gint64               idle_cutoff,
                                 gint64               created_cutoff,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  WebAuthenticate *call = g_new0 (WebAuthenticate, 1);

  call->token_hash = g_strdup (token_hash);
  call->now = now;
  call->idle_cutoff = idle_cutoff;
  call->created_cutoff = created_cutoff;
  kithd_db_call_async (self, web_authenticate_run, call, (GDestroyNotify) web_authenticate_free,
                       kithd_db_web_authenticate_async, cancellable, callback, user_data);
}

KithdUser *
kithd_db_web_authenticate_finish (KithdDb       *self,
                                  GAsyncResult  *result,
                                  gint64        *session_id,
                                  GError       **error)
{
  WebAuthenticate *call = kithd_db_call_finish (self, result, kithd_db_web_authenticate_async, error);

  if (!call)
    return NULL;
  if (session_id)
    *session_id = call->session_id;
  return g_steal_pointer (&call->user);
}

/* ---- a new web session ---- */

typedef struct {
  gint64  user_id;
  char   *token_hash;
  gint64  now;
  gint64  idle_cutoff;
  gint64  created_cutoff;
  gint64  session_id;
} WebSignIn;

static void
web_sign_in_free (WebSignIn *call)
{
  g_free (call->token_hash);
  g_free (call);
}

static gpointer
web_sign_in_run (KithdStore  *store,
                 gpointer     data,
                 GError     **error)
{
  WebSignIn *call = data;

  if (kithd_store_web_session_sweep (store, call->idle_cutoff, call->created_cutoff, error))
    call->session_id = kithd_store_web_session_create (store, call->user_id, call->token_hash,
                                                       call->now, error);
  return kithd_db_call_return (call->session_id > 0, call, error);
}

void
kithd_db_web_sign_in_async (KithdDb             *self,
                            gint64               user_id,
                            const char          *token_hash,
                            gint64               now,
                            gint64               idle_cutoff,
                            gint64               created_cutoff,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  WebSignIn *call = g_new0 (WebSignIn, 1);

  call->user_id = user_id;
  call->token_hash = g_strdup (token_hash);
  call->now = now;
  call->idle_cutoff = idle_cutoff;
  call->created_cutoff = created_cutoff;
  kithd_db_call_async (self, web_sign_in_run, call, (GDestroyNotify) web_sign_in_free,
                       kithd_db_web_sign_in_async, cancellable, callback, user_data);
}

gint64
kithd_db_web_sign_in_finish (KithdDb       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  WebSignIn *call = kithd_db_call_finish (self, result, kithd_db_web_sign_in_async, error);

  return call ? call->session_id : 0;
}

/* ---- sign out ---- */

typedef struct {
  gint64 session_id;
} WebSignOut;

static gpointer
web_sign_out_run (KithdStore  *store,
                  gpointer     data,
                  GError     **error)
{
  WebSignOut *call = data;

  return kithd_db_call_return (kithd_store_web_session_delete (store, call->session_id, error),
                               call, error);
}

void
kithd_db_web_sign_out_async (KithdDb             *self,
                             gint64               session_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  WebSignOut *call = g_new0 (WebSignOut, 1);

  call->session_id = session_id;
  kithd_db_call_async (self, web_sign_out_run, call, g_free,
                       kithd_db_web_sign_out_async, cancellable, callback, user_data);
}

gboolean
kithd_db_web_sign_out_finish (KithdDb       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return kithd_db_call_finish (self, result, kithd_db_web_sign_out_async, error) != NULL;
}

/* ---- a reset link, looked at ---- */

typedef struct {
  char   *token_hash;
  gint64  now;
} CheckReset;

static void
check_reset_free (CheckReset *call)
{
  g_free (call->token_hash);
  g_free (call);
}

static gpointer
check_reset_run (KithdStore  *store,
                 gpointer     data,
                 GError     **error)
{
  CheckReset *call = data;

  return kithd_db_call_return (kithd_store_reset_check (store, call->token_hash, call->now, error),
                               call, error);
}

void
kithd_db_check_reset_async (KithdDb             *self,
                            const char          *token_hash,
                            gint64               now,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  CheckReset *call = g_new0 (CheckReset, 1);

  call->token_hash = g_strdup (token_hash);
  call->now = now;
  kithd_db_call_async (self, check_reset_run, call, (GDestroyNotify) check_reset_free,
                       kithd_db_check_reset_async, cancellable, callback, user_data);
}

gboolean
kithd_db_check_reset_finish (KithdDb       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return kithd_db_call_finish (self, result, kithd_db_check_reset_async, error) != NULL;
}
