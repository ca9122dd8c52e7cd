/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-api-client.h"
#include "kith-user.h"

G_BEGIN_DECLS

#define KITH_TYPE_ACCOUNT_CALLS (kith_account_calls_get_type ())

G_DECLARE_FINAL_TYPE (KithAccountCalls, kith_account_calls, KITH, ACCOUNT_CALLS, GObject)

/*
 * The REST calls about the account that are not signing in, owned by
 * KithSession: what the server offers, a password-reset link, the profile,
 * the password, deleting the account. Without a REST client a call fails
 * with KITH_ERROR_NETWORK ("No server address is set."); one that needs
 * the user signed in fails with KITH_ERROR_UNAUTHORIZED while nobody is.
 */
KithAccountCalls *kith_account_calls_new                          (void);
/* The REST client of the current server (NULL: none) and the signed-in
 * user (NULL: signed out), whom a profile update changes. */
void              kith_account_calls_attach                       (KithAccountCalls *self,
                                                                   KithUser         *user,
                                                                   KithApiClient    *api);

/* GET /server (login flows: "oidc:google" -> show "Sign in with Google"). */
void              kith_account_calls_server_info_async            (KithAccountCalls    *self,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
KithServerInfo   *kith_account_calls_server_info_finish           (KithAccountCalls  *self,
                                                                   GAsyncResult      *result,
                                                                   GError           **error);
void              kith_account_calls_request_password_reset_async (KithAccountCalls    *self,
                                                                   const char          *email,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
/* NULL / negative = unchanged; the user's properties follow the answer. */
void              kith_account_calls_update_profile_async         (KithAccountCalls    *self,
                                                                   const char          *first_name,
                                                                   const char          *last_name,
                                                                   int                  offline_email_notification,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
void              kith_account_calls_change_password_async        (KithAccountCalls    *self,
                                                                   const char          *current_password,
                                                                   const char          *new_password,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
/* DELETE /me only: signing out after it is the session's. */
void              kith_account_calls_delete_account_async         (KithAccountCalls    *self,
                                                                   const char          *confirm_email,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
/* Finish for every call above but server_info. */
gboolean          kith_account_calls_finish                       (KithAccountCalls  *self,
                                                                   GAsyncResult      *result,
                                                                   GError           **error);

G_END_DECLS
