/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithAccountCalls"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-account-calls.h"

struct _KithAccountCalls
{
  GObject        parent_instance;

  KithUser      *user;
  KithApiClient *api;
};

G_DEFINE_FINAL_TYPE (KithAccountCalls, kith_account_calls, G_TYPE_OBJECT)

/* A task for a call, or NULL when it cannot be made (the task has
 * returned the reason). */
static GTask *
new_call (KithAccountCalls    *self,
          gboolean             signed_in,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (signed_in && self->user == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_UNAUTHORIZED, _("You are not signed in."));
    g_clear_object (&task);
  } else if (self->api == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_NETWORK, _("No server address is set."));
    g_clear_object (&task);
  }
  return task;
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!kith_api_client_call_finish (KITH_API_CLIENT (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_server_info (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  KithServerInfo *info;

  info = kith_api_client_server_info_finish (KITH_API_CLIENT (source), result, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) kith_server_info_free);
}

static void
on_profile_updated (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithAccountCalls *self = g_task_get_source_object (task);
  g_autoptr (KithUserInfo) info = NULL;
  GError *error = NULL;

  info = kith_api_client_user_finish (KITH_API_CLIENT (source), result, &error);
  if (info == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->user != NULL)
    kith_user_update (self->user, info);
  g_task_return_boolean (task, TRUE);
}

static void
kith_account_calls_dispose (GObject *object)
{
  KithAccountCalls *self = KITH_ACCOUNT_CALLS (object);

  g_clear_object (&self->user);
  g_clear_object (&self->api);

  G_OBJECT_CLASS (kith_account_calls_parent_class)->dispose (object);
}

static void
kith_account_calls_class_init (KithAccountCallsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kith_account_calls_dispose;
}

static void
kith_account_calls_init (KithAccountCalls *self)
{
}

KithAccountCalls *
kith_account_calls_new (void)
{
  return g_object_new (KITH_TYPE_ACCOUNT_CALLS, NULL);
}

void
kith_account_calls_attach (KithAccountCalls *self,
                           KithUser         *user,
                           KithApiClient    *api)
{
  g_return_if_fail (KITH_IS_ACCOUNT_CALLS (self));

  g_set_object (&self->user, user);
  g_set_object (&self->api, api);
}

void
kith_account_calls_server_info_async (KithAccountCalls    *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_ACCOUNT_CALLS (self));

  task = new_call (self, FALSE, kith_account_calls_server_info_async,
                   cancellable, callback, user_data);
  if (task != NULL)
    kith_api_client_server_info_async (self->api, cancellable, on_server_info,
                                       g_steal_pointer (&task));
}

KithServerInfo *
kith_account_calls_server_info_finish (KithAccountCalls  *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kith_account_calls_request_password_reset_async (KithAccountCalls    *self,
                                                 const char          *email,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_ACCOUNT_CALLS (self));
  g_return_if_fail (email != NULL);

  task = new_call (self, FALSE, kith_account_calls_request_password_reset_async,
                   cancellable, callback, user_data);
  if (task != NULL)
    kith_api_client_request_password_reset_async (self->api, email, cancellable,
                                                  on_call_done, g_steal_pointer (&task));
}

void
kith_account_calls_update_profile_async (KithAccountCalls    *self,
                                         const char          *first_name,
                                         const char          *last_name,
                                         int                  offline_email_notification,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_ACCOUNT_CALLS (self));

  task = new_call (self, TRUE, kith_account_calls_update_profile_async,
                   cancellable, callback, user_data);
  if (task != NULL)
    kith_api_client_update_me_async (self->api, first_name, last_name, offline_email_notification,
                                     cancellable, on_profile_updated, g_steal_pointer (&task));
}

void
kith_account_calls_change_password_async (KithAccountCalls    *self,
                                          const char          *current_password,
                                          const char          *new_password,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_ACCOUNT_CALLS (self));
  g_return_if_fail (current_password != NULL && new_password != NULL);

  task = new_call (self, TRUE, kith_account_calls_change_password_async,
                   cancellable, callback, user_data);
  if (task != NULL)
    kith_api_client_change_password_async (self->api, current_password, new_password,
                                           cancellable, on_call_done, g_steal_pointer (&task));
}

void
kith_account_calls_delete_account_async (KithAccountCalls    *self,
                                         const char          *confirm_email,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_ACCOUNT_CALLS (self));
  g_return_if_fail (confirm_email != NULL);

  task = new_call (self, TRUE, kith_account_calls_delete_account_async,
                   cancellable, callback, user_data);
  if (task != NULL)
    kith_api_client_delete_account_async (self->api, confirm_email, cancellable,
                                          on_call_done, g_steal_pointer (&task));
}

gboolean
kith_account_calls_finish (KithAccountCalls  *self,
                           GAsyncResult      *result,
                           GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
