/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * KithSession going online and back (see kith-session.c): sign in (with a
 * password or a code from an OpenID provider), sign up and restore up to the
 * first welcome (REST, keyring, store, conversations,
 * cached contacts, socket), log out, exit, and deleting the account.
 */
#define G_LOG_DOMAIN "KithSession"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-session-private.h"

/* ---- going online ---- */

typedef struct {
  char         *token;
  KithUserInfo *user;
  gboolean      stay_signed_in;
  gboolean      store_in_keyring;
} OnlineData;

static void
online_data_free (gpointer data)
{
  OnlineData *d = data;

  g_free (d->token);
  g_clear_pointer (&d->user, kith_user_info_free);
  g_free (d);
}

/* The _finish () of a step's call: a collaborator's, on its @source. */
typedef gboolean (*StepFinish) (gpointer      source,
                                GAsyncResult *result,
                                GError      **error);

/* Ends a step of going online with @finish: TRUE if the next step may
 * start; FALSE if the sign-in was cancelled or has ended with the step's
 * error. */
static gboolean
online_step_done (KithSession  *self,
                  GTask        *task,
                  StepFinish    finish,
                  GObject      *source,
                  GAsyncResult *result)
{
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return FALSE;
  if (!finish (source, result, &error)) {
    kith_session_abandon_fresh_token (self);
    kith_session_teardown (self, NULL);
    g_task_return_error (task, error);
    return FALSE;
  }
  return TRUE;
}

static void
on_cached_contacts (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);

  if (g_task_return_error_if_cancelled (task))
    return;
  /* No cached contacts: GET /contacts after welcome fills the list. */
  kith_contact_list_finish (KITH_CONTACT_LIST (source), result, NULL);
  kith_session_start_signalling (self, task);
}

static void
on_conversations_loaded (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);

  if (!online_step_done (self, task, (StepFinish) kith_conversations_load_finish, source, result))
    return;
  kith_contact_list_load_async (self->contact_list,
                                kith_local_account_get_store (self->local_account),
                                g_task_get_cancellable (task), on_cached_contacts,
                                g_object_ref (task));
}

static void
on_store_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);

  if (!online_step_done (self, task, (StepFinish) kith_local_account_open_finish, source, result))
    return;
  kith_conversations_load_async (self->conversations, g_task_get_cancellable (task),
                                 on_conversations_loaded, g_object_ref (task));
}

static void open_store (KithSession *self, GTask *task);

static void
on_keyring_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!kith_credentials_store_finish (KITH_CREDENTIALS (source), result, &error))
    kith_session_keyring_failed (self, error);
  open_store (self, task);
}

/* Signed in over REST: remember the token, open the store, connect. */
static void
go_online (KithSession *self,
           GTask       *task)
{
  OnlineData *d = g_task_get_task_data (task);

  kith_api_client_set_token (self->api, d->token);
  self->fresh_token = !g_async_result_is_tagged (G_ASYNC_RESULT (task), kith_session_restore_async);
  kith_session_set_user (self, d->user, d->stay_signed_in);
  open_store (self, task);
}

static void
open_store (KithSession *self,
            GTask       *task)
{
  OnlineData *d = g_task_get_task_data (task);
  gint64 cache_user_id;

  if (d->store_in_keyring && d->stay_signed_in) {
    /* Stored before going on, so that a process that quits right after
     * signing in (kith-cli login) has its token in the keyring. */
    d->store_in_keyring = FALSE;
    kith_credentials_store_async (self->credentials, self->server_url, d->user->email,
                                  d->token, NULL, on_keyring_stored, g_object_ref (task));
    return;
  }
  if (!d->stay_signed_in && d->store_in_keyring)
    kith_credentials_clear_async (self->credentials, self->server_url, d->user->email,
                                  NULL, NULL, NULL);

  /* Another account's cache was shown while restoring: the local account
   * drops it with its contacts, and its conversations go too. */
  cache_user_id = kith_local_account_get_cache_user_id (self->local_account);
  if (cache_user_id != 0 && cache_user_id != d->user->id)
    kith_conversations_clear (self->conversations);
  kith_local_account_open_async (self->local_account, d->user->id, g_task_get_cancellable (task),
                                 on_store_opened, g_object_ref (task));
  kith_session_attach_collaborators (self);
}

/* The start that sign in, sign up and restore share: their task, or NULL
 * when the session cannot start signing in (the task has returned why). */
static GTask *
begin_signing_in (KithSession         *self,
                  gpointer             source_tag,
                  gboolean             stay_signed_in,
                  gboolean             store_in_keyring,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  OnlineData *d = g_new0 (OnlineData, 1);

  g_task_set_source_tag (task, source_tag);
  d->stay_signed_in = stay_signed_in;
  d->store_in_keyring = store_in_keyring;
  g_task_set_task_data (task, d, online_data_free);

  if (self->state != KITH_SESSION_SIGNED_OUT) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_INVALID_FIELD, _("Already signed in."));
    return NULL;
  }
  if (self->server_url == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_NETWORK,
                             _("No server address is set."));
    return NULL;
  }

  /* A CA file set while signed in counts from now: a new soup session. */
  if (g_strcmp0 (self->soup_ca_file, self->ca_file) != 0) {
    g_clear_object (&self->api);
    g_clear_object (&self->soup_session);
  }
  kith_session_reset_api (self, TRUE);
  self->cancellable = g_cancellable_new ();
  kith_session_set_state (self, KITH_SESSION_SIGNING_IN);
  return g_steal_pointer (&task);
}

static void
fail_signing_in (KithSession *self,
                 GTask       *task,
                 GError      *error)
{
  kith_session_teardown (self, NULL);
  g_task_return_error (task, error);
}

static void
on_session_created (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  OnlineData *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!kith_api_client_session_finish (KITH_API_CLIENT (source), result,
                                       &d->token, &d->user, &error)) {
    fail_signing_in (self, task, error);
    return;
  }
  go_online (self, task);
}

static void
on_me_for_restore (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  OnlineData *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->user = kith_api_client_user_finish (KITH_API_CLIENT (source), result, &error);
  if (d->user == NULL) {
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_UNAUTHORIZED)) {
      /* The stored token is dead: forget it and sign in normally. */
      g_autofree char *email = g_strdup (self->keyring_email);

      g_clear_error (&error);
      if (kith_local_account_get_cache_user_id (self->local_account) != 0)
        kith_local_account_forget (self->local_account);
      kith_session_forget_keyring_token (self, email);
      kith_session_teardown (self, NULL);
      g_task_return_boolean (task, FALSE);
      return;
    }
    fail_signing_in (self, task, error);
    return;
  }
  go_online (self, task);
}

static void
on_restore_lookup (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  OnlineData *d = g_task_get_task_data (task);
  g_autofree char *email = NULL;
  GError *error = NULL;

  if (!kith_credentials_lookup_finish (KITH_CREDENTIALS (source), result,
                                       &email, &d->token, &error)) {
    if (error != NULL) {
      /* The keyring is missing, locked or silent: back to the login page,
       * which says why (the last-account record stays: the keyring may be
       * back next time). */
      kith_session_teardown (self, NULL);
      g_task_return_error (task, error);
      return;
    }
    /* Its token is gone: the last account cannot be restored. */
    if (kith_local_account_get_cache_user_id (self->local_account) != 0)
      kith_local_account_forget (self->local_account);
    kith_session_teardown (self, NULL);
    g_task_return_boolean (task, FALSE);
    return;
  }

  self->keyring_email = g_steal_pointer (&email);
  kith_api_client_set_token (self->api, d->token);
  kith_api_client_get_me_async (self->api, self->cancellable, on_me_for_restore,
                                g_steal_pointer (&task));
}


/* ---- leaving ---- */

static void
on_store_closed_for_leave (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;

  g_task_return_boolean (task, TRUE);
}

static void
finish_leaving (KithSession *self,
                GTask       *task)
{
  KithMessageStore *open = kith_local_account_get_store (self->local_account);
  g_autoptr (KithMessageStore) store = open != NULL ? g_object_ref (open) : NULL;

  /* kith_session_teardown() queues the last received messages and the close on the
   * store's worker; leaving finishes once they are on disk, so that the
   * next sign-in (even in this process) resumes from the right seq. */
  kith_session_teardown (self, NULL);
  if (store == NULL) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  kith_message_store_close_async (store, NULL, on_store_closed_for_leave, g_object_ref (task));
}

/* Ends a step of leaving with @finish, then takes the next with @task (whose
 * reference it takes): a failure is only logged, as @what. */
static void
leave_step_done (GTask         *task,
                 StepFinish     finish,
                 GObject       *source,
                 GAsyncResult  *result,
                 const char    *what,
                 void         (*next) (KithSession *self, GTask *task))
{
  g_autoptr (GTask) owned = task;
  g_autoptr (GError) error = NULL;

  if (!finish (source, result, &error))
    g_debug ("%s: %s", what, error->message);
  next (g_task_get_source_object (owned), owned);
}

static void
on_cleared_for_leave (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  /* The token is revoked already: an entry left in a locked keyring is
   * dead, and the next restore removes it. */
  leave_step_done (user_data, (StepFinish) kith_credentials_clear_finish, source, result,
                   "the token stays in the keyring", finish_leaving);
}

/* What leaving does, decided when it begins. */
typedef struct {
  char     *email;      /* log out: the keyring entry to remove; else NULL */
  gboolean  revoke;     /* log out, or exit without stay-signed-in */
} Leaving;

static void
leaving_free (gpointer data)
{
  Leaving *leaving = data;

  g_free (leaving->email);
  g_free (leaving);
}

/* Log out also removes the token from the keyring, before finishing. */
static void
clear_keyring_and_finish (KithSession *self,
                          GTask       *task)
{
  Leaving *leaving = g_task_get_task_data (task);
  const char *email = leaving->email;

  if (email != NULL && self->stay_signed_in)
    kith_local_account_forget (self->local_account);
  if (email != NULL)
    kith_credentials_clear_async (self->credentials, self->server_url, email, NULL,
                                  on_cleared_for_leave, g_object_ref (task));
  else
    finish_leaving (self, task);
}

static void
on_revoked_for_leave (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  leave_step_done (user_data, (StepFinish) kith_api_client_call_finish, source, result,
                   "revoking the token failed", clear_keyring_and_finish);
}

/* The token goes (log out, or exit without stay-signed-in), then the
 * keyring entry, then the rest. */
static void
revoke_and_finish (KithSession *self,
                   GTask       *task)
{
  Leaving *leaving = g_task_get_task_data (task);

  if (leaving->revoke && self->api != NULL && kith_api_client_get_token (self->api) != NULL) {
    kith_api_client_log_out_async (self->api, NULL, on_revoked_for_leave, g_object_ref (task));
    return;
  }
  clear_keyring_and_finish (self, task);
}

static void
on_socket_closed_for_leave (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  leave_step_done (user_data, (StepFinish) kith_signalling_stop_finish, source, result,
                   "closing the socket", revoke_and_finish);
}

static void
leave (KithSession         *self,
       gboolean             exiting,
       gpointer             source_tag,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Leaving *leaving;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (self->state == KITH_SESSION_SIGNED_OUT || self->state == KITH_SESSION_SIGNING_OUT) {
    g_task_return_boolean (task, TRUE);
    return;
  }

  leaving = g_new0 (Leaving, 1);
  leaving->revoke = !exiting || !self->stay_signed_in;
  leaving->email = !exiting ? g_strdup (self->keyring_email) : NULL;
  g_task_set_task_data (task, leaving, leaving_free);

  /* The calls are hung up while the socket can still say so; then the
   * socket closes, so contacts see us offline at once. The token is
   * revoked only once kithd has answered the close: it has then read the
   * hang-ups (a revoked session's socket is closed by kithd, which would
   * end its calls as disconnected, and kithd may read the two
   * connections in either order). */
  kith_call_manager_hang_up_all (self->calls);
  /* Told before the socket closes: what the application still has to say
   * (the read marker a chat holds back, docs/desktop.md) goes before the
   * close. */
  kith_session_set_state (self, KITH_SESSION_SIGNING_OUT);
  if (self->signalling != NULL) {
    g_signal_handlers_disconnect_by_data (self->signalling, self);
    kith_signalling_stop_async (self->signalling, NULL, on_socket_closed_for_leave,
                                g_object_ref (task));
    return;
  }
  revoke_and_finish (self, task);
}

/* ---- deleting the account ---- */

static void
on_account_deleted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithSession *self = g_task_get_source_object (task);
  /* The store's path from when the DELETE was sent: kithd's 4001 on the
   * socket may have torn the session down (and closed the store) first. */
  const char *path = g_task_get_task_data (task);
  GError *error = NULL;

  self->deleting_account = FALSE;
  if (!kith_account_calls_finish (KITH_ACCOUNT_CALLS (source), result, &error)) {
    g_task_return_error (task, error);
    return;
  }
  kith_session_forget_keyring_token (self, self->keyring_email);
  kith_session_teardown (self, NULL);
  /* Everything of the account goes, the local copy too. */
  if (path != NULL)
    kith_local_account_delete_files (self->local_account, path);
  g_task_return_boolean (task, TRUE);
}

/* ---- sign in, sign up, restore ---- */

void
kith_session_sign_in_async (KithSession         *self,
                            const char          *email,
                            const char          *password,
                            gboolean             stay_signed_in,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (email != NULL && password != NULL);

  task = begin_signing_in (self, kith_session_sign_in_async, stay_signed_in, TRUE,
                           cancellable, callback, user_data);
  if (task == NULL)
    return;
  kith_api_client_log_in_async (self->api, email, password, self->device_name,
                                self->device_kind, cancellable,
                                on_session_created, g_steal_pointer (&task));
}

void
kith_session_sign_in_oidc_async (KithSession         *self,
                                 const char          *code,
                                 const char          *verifier,
                                 const char          *redirect_uri,
                                 gboolean             stay_signed_in,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (code != NULL && verifier != NULL && redirect_uri != NULL);

  task = begin_signing_in (self, kith_session_sign_in_oidc_async, stay_signed_in, TRUE,
                           cancellable, callback, user_data);
  if (task == NULL)
    return;
  kith_api_client_log_in_oidc_async (self->api, code, verifier, redirect_uri, self->device_name,
                                     self->device_kind, cancellable,
                                     on_session_created, g_steal_pointer (&task));
}

void
kith_session_sign_up_async (KithSession         *self,
                            const char          *email,
                            const char          *password,
                            const char          *first_name,
                            const char          *last_name,
                            gboolean             stay_signed_in,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (email != NULL && password != NULL);

  task = begin_signing_in (self, kith_session_sign_up_async, stay_signed_in, TRUE,
                           cancellable, callback, user_data);
  if (task == NULL)
    return;
  kith_api_client_sign_up_async (self->api, email, password, first_name, last_name,
                                 cancellable, on_session_created, g_steal_pointer (&task));
}

void
kith_session_restore_async (KithSession         *self,
                            const char          *email,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));

  task = begin_signing_in (self, kith_session_restore_async, TRUE, FALSE,
                           cancellable, callback, user_data);
  if (task == NULL)
    return;
  kith_credentials_lookup_async (self->credentials, self->server_url, email, cancellable,
                                 on_restore_lookup, g_steal_pointer (&task));
  /* Meanwhile the last account's contacts come from its cache. */
  if (kith_local_account_show_cache (self->local_account, email))
    kith_session_attach_collaborators (self);
}

void
kith_session_log_out_async (KithSession         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  leave (self, FALSE, kith_session_log_out_async, cancellable, callback, user_data);
}

void
kith_session_exit_async (KithSession         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  leave (self, TRUE, kith_session_exit_async, cancellable, callback, user_data);
}

void
kith_session_delete_account_async (KithSession         *self,
                                   const char          *confirm_email,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  KithMessageStore *store;
  GTask *task;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (confirm_email != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_delete_account_async);
  store = kith_local_account_get_store (self->local_account);
  if (store != NULL)
    g_task_set_task_data (task, g_strdup (kith_message_store_get_path (store)), g_free);
  self->deleting_account = self->user != NULL;
  kith_account_calls_delete_account_async (self->account_calls, confirm_email, cancellable,
                                           on_account_deleted, task);
}
