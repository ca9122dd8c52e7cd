/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The calls of KithSession that are its collaborators' (see kith-session.c):
 * each gets a task of the session's, so that the caller's callback has the
 * session as its source, and the collaborator's result becomes its result.
 */
#define G_LOG_DOMAIN "KithSession"

#include "config.h"

#include "kith-session-private.h"

/* ---- calls a collaborator makes for the session ---- */

/* The session's task for a call a collaborator makes: the caller's
 * callback gets the session as the source, as the API says. */
static GTask *
forward_task (KithSession         *self,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* A call of the contact list's or of the account calls' that has no result. */
static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  gboolean done;

  if (KITH_IS_CONTACT_LIST (source))
    done = kith_contact_list_finish (KITH_CONTACT_LIST (source), result, &error);
  else
    done = kith_account_calls_finish (KITH_ACCOUNT_CALLS (source), result, &error);
  if (done)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_server_info_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  KithServerInfo *info;

  info = kith_account_calls_server_info_finish (KITH_ACCOUNT_CALLS (source), result, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) kith_server_info_free);
}

static void
on_message_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  KithMessage *message;

  message = kith_conversations_send_finish (KITH_CONVERSATIONS (source), result, &error);
  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_object_unref);
}

static void
on_older_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  int added;

  added = kith_conversations_load_older_finish (KITH_CONVERSATIONS (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, added);
}

/* ---- the account (KithAccountCalls) ---- */

void
kith_session_server_info_async (KithSession         *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));

  kith_session_ensure_api (self);
  kith_account_calls_server_info_async (self->account_calls, cancellable, on_server_info_done,
                                        forward_task (self, kith_session_server_info_async,
                                                      cancellable, callback, user_data));
}

KithServerInfo *
kith_session_server_info_finish (KithSession   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kith_session_request_password_reset_async (KithSession         *self,
                                           const char          *email,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (email != NULL);

  kith_session_ensure_api (self);
  kith_account_calls_request_password_reset_async (self->account_calls, email, cancellable,
                                                   on_call_done,
                                                   forward_task (self,
                                                                 kith_session_request_password_reset_async,
                                                                 cancellable, callback, user_data));
}

void
kith_session_update_profile_async (KithSession         *self,
                                   const char          *first_name,
                                   const char          *last_name,
                                   int                  offline_email_notification,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));

  kith_account_calls_update_profile_async (self->account_calls, first_name, last_name,
                                           offline_email_notification, cancellable,
                                           on_call_done,
                                           forward_task (self, kith_session_update_profile_async,
                                                         cancellable, callback, user_data));
}

void
kith_session_change_password_async (KithSession         *self,
                                    const char          *current_password,
                                    const char          *new_password,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (current_password != NULL && new_password != NULL);

  kith_account_calls_change_password_async (self->account_calls, current_password, new_password,
                                            cancellable, on_call_done,
                                            forward_task (self, kith_session_change_password_async,
                                                          cancellable, callback, user_data));
}

/* ---- contacts (KithContactList) ---- */

void
kith_session_add_contact_async (KithSession         *self,
                                const char          *email,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (email != NULL);

  kith_contact_list_add_async (self->contact_list, email, cancellable, on_call_done,
                               forward_task (self, kith_session_add_contact_async,
                                             cancellable, callback, user_data));
}

void
kith_session_accept_contact_async (KithSession         *self,
                                   KithContact         *contact,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  kith_contact_list_accept_async (self->contact_list, contact, cancellable, on_call_done,
                                  forward_task (self, kith_session_accept_contact_async,
                                                cancellable, callback, user_data));
}

void
kith_session_remove_contact_async (KithSession         *self,
                                   KithContact         *contact,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  kith_contact_list_remove_async (self->contact_list, contact, cancellable, on_call_done,
                                  forward_task (self, kith_session_remove_contact_async,
                                                cancellable, callback, user_data));
}

/* ---- messages (KithConversations) ---- */

void
kith_session_send_message_async (KithSession         *self,
                                 KithContact         *contact,
                                 const char          *body,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));
  g_return_if_fail (body != NULL);

  kith_conversations_send_async (self->conversations, contact, body, cancellable, on_message_sent,
                                 forward_task (self, kith_session_send_message_async,
                                               cancellable, callback, user_data));
}

KithMessage *
kith_session_send_message_finish (KithSession   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

GListModel *
kith_session_get_conversation (KithSession *self,
                               KithContact *contact)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return kith_conversations_get (self->conversations, contact);
}

void
kith_session_load_older_messages_async (KithSession         *self,
                                        KithContact         *contact,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  kith_conversations_load_older_async (self->conversations, contact, cancellable, on_older_loaded,
                                       forward_task (self, kith_session_load_older_messages_async,
                                                     cancellable, callback, user_data));
}

int
kith_session_load_older_messages_finish (KithSession   *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

void
kith_session_mark_read (KithSession *self,
                        KithContact *contact)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  kith_conversations_mark_read (self->conversations, contact);
}

/* ---- status (KithStatusManager) ---- */

void
kith_session_set_chosen_status (KithSession      *self,
                                KithChosenStatus  chosen)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  kith_status_manager_set_chosen (self->status, chosen);
}

void
kith_session_set_chosen_status_async (KithSession         *self,
                                      KithChosenStatus     chosen,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));

  task = forward_task (self, kith_session_set_chosen_status_async, cancellable, callback, user_data);
  kith_status_manager_set_chosen (self->status, chosen);
  g_task_return_boolean (task, TRUE);
}
