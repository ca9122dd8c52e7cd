/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-account-calls.h"
#include "kith-call-manager.h"
#include "kith-contact.h"
#include "kith-contact-list.h"
#include "kith-conversations.h"
#include "kith-message.h"
#include "kith-service-types.h"
#include "kith-status-manager.h"
#include "kith-user.h"

G_BEGIN_DECLS

typedef enum {
  KITH_SESSION_SIGNED_OUT,
  KITH_SESSION_SIGNING_IN,
  KITH_SESSION_ONLINE,
  KITH_SESSION_RECONNECTING,
  KITH_SESSION_SIGNING_OUT,
} KithSessionState;

#define KITH_TYPE_SESSION (kith_session_get_type ())

G_DECLARE_FINAL_TYPE (KithSession, kith_session, KITH, SESSION, GObject)

/*
 * Kith without a window: the state machine, signing in and out, the socket.
 * What it holds is its collaborators' (KithContactList, KithConversations,
 * KithLocalAccount, KithAccountCalls, KithStatusManager, KithCallManager): a caller asks the
 * session for the collaborator and calls it (docs/service.md, "Its
 * collaborators"; docs/architecture.md, "A request").
 * Properties:
 *   server-url (string; settable while signed out),
 *   data-dir (string, construct; default g_get_user_data_dir()/kith),
 *   device-kind (KithDeviceKind, construct; default desktop),
 *   device-name (string, construct; default "Kith"),
 *   state (KithSessionState, read-only),
 *   user (KithUser, read-only; NULL while signed out),
 *   contacts (GListModel of KithContact, read-only; never NULL),
 *   status (KithStatusManager, read-only; never NULL),
 *   stay-signed-in (gboolean, read-only: how the current session was made).
 * Signals:
 *   state-changed (KithSessionState new, KithSessionState old)
 *   message-received (KithContact *from, KithMessage *message): a new
 *     incoming message (not replays of ones already seen)
 *   keyring-error (GError *error): the keyring could not store/clear the
 *     token (missing or locked): stay-signed-in does not work this time.
 *   signed-out-remotely (): the token was revoked elsewhere (close 4001).
 *   contact-request (KithContact *contact): someone asked to be a contact.
 * Property outbox-length (guint): messages not yet acknowledged by kithd.
 * Property from-cache (gboolean, read-only): see kith_session_get_from_cache().
 * Property ca-file (string, nullable): a PEM file of certificate authorities
 *   to trust instead of the system's (a self-hosted server's private CA);
 *   for REST and the socket alike. Set while signed in, it counts from the
 *   next sign-in.
 * Property allow-unencrypted (gboolean): send the password and the token
 *   over plain http:// to the current server although it is not loopback.
 *   It holds for the server-url it was set with: changing the server-url
 *   makes it FALSE. Without it such a server gives KITH_ERROR_UNENCRYPTED
 *   before anything is sent.
 */
KithSession     *kith_session_new                    (const char *server_url);
KithSessionState kith_session_get_state              (KithSession *self);
/* TRUE while restoring, once the last account's cached contacts are in the
 * contacts model (presence offline) and before the session is online. */
gboolean         kith_session_get_from_cache         (KithSession *self);
/* TRUE if the `last-account` record of this server exists (a stat, nothing
 * read): a restore will most likely show that account's cache. */
gboolean         kith_session_has_last_account       (KithSession *self);
const char      *kith_session_get_server_url         (KithSession *self);
void             kith_session_set_server_url         (KithSession *self,
                                                      const char  *server_url);
const char      *kith_session_get_ca_file            (KithSession *self);
void             kith_session_set_ca_file            (KithSession *self,
                                                      const char  *ca_file);
gboolean         kith_session_get_allow_unencrypted  (KithSession *self);
void             kith_session_set_allow_unencrypted  (KithSession *self,
                                                      gboolean     allow);
/* TRUE when the server-url is https:// or a loopback host: nothing to ask
 * before signing in. */
gboolean         kith_session_get_is_private         (KithSession *self);
KithUser        *kith_session_get_user               (KithSession *self);
GListModel      *kith_session_get_contacts           (KithSession *self);
/* The collaborators, for their calls: the contact list (add, accept,
 * remove), the conversations (send, load older, mark read, a conversation's
 * model) and the account calls (server info, password reset, profile,
 * password). The account calls get a REST client for the current server
 * here when there is none (signed out: the login page asks what the server
 * offers and for a reset link). */
KithContactList *kith_session_get_contact_list       (KithSession *self);
KithConversations *kith_session_get_conversations    (KithSession *self);
KithAccountCalls *kith_session_get_account_calls     (KithSession *self);
KithStatusManager *kith_session_get_status           (KithSession *self);
/* The calls: place one, the GListModel of those not ended, incoming-call. */
KithCallManager *kith_session_get_calls              (KithSession *self);
gboolean         kith_session_get_stay_signed_in     (KithSession *self);
KithContact     *kith_session_find_contact           (KithSession *self,
                                                      gint64       user_id);
KithContact     *kith_session_find_contact_by_email  (KithSession *self,
                                                      const char  *email);
/* Convenience for set_chosen on the status manager. */
void             kith_session_set_chosen_status      (KithSession      *self,
                                                      KithChosenStatus  chosen);

/* Sign in / sign up; finishes once online (state ONLINE) or with an error
 * (state back to SIGNED_OUT). With @stay_signed_in the token goes to the keyring. */
void             kith_session_sign_in_async          (KithSession         *self,
                                                      const char          *email,
                                                      const char          *password,
                                                      gboolean             stay_signed_in,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* Sign in with a code from an OpenID provider (KithOidcSignIn gets it): the
 * code, the PKCE verifier and the redirect URI it came to; then as above. */
void             kith_session_sign_in_oidc_async     (KithSession         *self,
                                                      const char          *code,
                                                      const char          *verifier,
                                                      const char          *redirect_uri,
                                                      gboolean             stay_signed_in,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
void             kith_session_sign_up_async          (KithSession         *self,
                                                      const char          *email,
                                                      const char          *password,
                                                      const char          *first_name,
                                                      const char          *last_name,
                                                      gboolean             stay_signed_in,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* Restores a stay-signed-in session from the keyring (@email may be NULL).
 * TRUE when online; FALSE with no error when nothing is stored or the stored
 * token is no longer valid (it is then removed). */
void             kith_session_restore_async          (KithSession         *self,
                                                      const char          *email,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* Log out: revoke the token on the server, remove it from the keyring. */
void             kith_session_log_out_async          (KithSession         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* Exit: close the socket at once (contacts see offline), revoke the token
 * unless stay-signed-in. */
void             kith_session_exit_async             (KithSession         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* Finish for sign_in, sign_in_oidc, sign_up, restore, log_out, exit, delete_account and
 * set_chosen_status. The collaborators' calls finish on the collaborator. */
gboolean         kith_session_finish                 (KithSession   *self,
                                                      GAsyncResult  *result,
                                                      GError       **error);

/* Deletes the account, then signs out (keyring entry removed). */
void             kith_session_delete_account_async   (KithSession         *self,
                                                      const char          *confirm_email,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* Sets the chosen status (and sends it when online). */
void             kith_session_set_chosen_status_async    (KithSession         *self,
                                                          KithChosenStatus     chosen,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);

/* Number of outbox entries not yet acknowledged (kith-cli waits for 0). */
guint            kith_session_get_outbox_length      (KithSession *self);

G_END_DECLS
