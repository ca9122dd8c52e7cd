/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "kith-service-types.h"

G_BEGIN_DECLS

#define KITH_TYPE_API_CLIENT (kith_api_client_get_type ())

G_DECLARE_FINAL_TYPE (KithApiClient, kith_api_client, KITH, API_CLIENT, GObject)

/*
 * Every REST call of docs/protocol.md. Errors are in KITH_ERROR with a
 * message a person can act on:
 *   KITH_ERROR_INVALID_CREDENTIALS "Wrong email or password."
 *   KITH_ERROR_RATE_LIMITED        "Too many attempts, try again in 40 s."
 *   KITH_ERROR_NETWORK             "The server cannot be reached.", or "The connection
 *                                  to the server broke off. Please try again." when it
 *                                  closed in the middle of an answer (or sent less than
 *                                  its Content-Length)
 *   KITH_ERROR_PROTOCOL            "The server sent an answer Kith does not understand."
 *                                  (not JSON, or not the shape of the answer)
 *   KITH_ERROR_INTERNAL            "The server had a problem. Please try again later."
 *                                  (5xx, with a Kith error body or an HTML page)
 *   KITH_ERROR_UNAUTHORIZED        "Your session has ended. Please sign in again."
 *   KITH_ERROR_CERTIFICATE         "The server’s certificate is not valid for HOST: it has expired."
 *   KITH_ERROR_UNENCRYPTED         a password or token would go over plain HTTP
 * Properties: server-url (construct-only, e.g. "http://127.0.0.1:8080"),
 * token (gchar*, set once signed in), soup-session (construct-only, may be
 * NULL: a new one is made), ca-file (construct-only: a PEM file of the
 * certificate authorities to trust instead of the system's; it becomes the
 * soup session's tls-database), allow-unencrypted (gboolean: send passwords
 * and the token over plain http:// to a host that is not loopback).
 *
 * Certificates are always verified. A request that carries a password or
 * the token to an http:// server other than localhost, 127.0.0.0/8 or ::1
 * fails with KITH_ERROR_UNENCRYPTED before anything is sent, unless
 * allow-unencrypted is set.
 */
KithApiClient  *kith_api_client_new                      (const char     *server_url,
                                                          SoupSession    *soup_session);
KithApiClient  *kith_api_client_new_full                 (const char     *server_url,
                                                          SoupSession    *soup_session,
                                                          const char     *ca_file);
const char     *kith_api_client_get_ca_file              (KithApiClient  *self);
gboolean        kith_api_client_get_allow_unencrypted    (KithApiClient  *self);
void            kith_api_client_set_allow_unencrypted    (KithApiClient  *self,
                                                          gboolean        allow);
/* TRUE when secrets may go to the server without asking: https://, or a
 * loopback host. */
gboolean        kith_api_client_get_is_private           (KithApiClient  *self);
/* The same for a server URL (FALSE when it is not a valid one). */
gboolean        kith_server_url_is_private               (const char     *server_url);
/* KITH_ERROR_UNENCRYPTED, saying which host @server_url names: what a
 * request that carries a secret to a server that is not private fails with. */
GError         *kith_server_url_unencrypted_error        (const char     *server_url);
/* A failure of the connection itself (from GIO or libsoup) as the sentence
 * above; G_IO_ERROR_CANCELLED becomes KITH_ERROR_CANCELLED. Also used for
 * the socket. */
GError         *kith_api_client_network_error            (const GError   *error);
GError         *kith_api_client_broken_off_error         (void);
const char     *kith_api_client_get_server_url           (KithApiClient  *self);
SoupSession    *kith_api_client_get_soup_session         (KithApiClient  *self);
const char     *kith_api_client_get_token                (KithApiClient  *self);
void            kith_api_client_set_token                (KithApiClient  *self,
                                                          const char     *token);
/* ws:// or wss:// URL of GET /api/v1/socket */
char           *kith_api_client_dup_socket_url           (KithApiClient  *self);

/* GET /api/v1/server -> KithServerInfo (free with kith_server_info_free) */
void            kith_api_client_server_info_async        (KithApiClient       *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
KithServerInfo *kith_api_client_server_info_finish       (KithApiClient  *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);

/* POST /api/v1/sessions and POST /api/v1/accounts -> token + own user */
void            kith_api_client_log_in_async             (KithApiClient       *self,
                                                          const char          *email,
                                                          const char          *password,
                                                          const char          *device_name,
                                                          KithDeviceKind       device_kind,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
void            kith_api_client_sign_up_async            (KithApiClient       *self,
                                                          const char          *email,
                                                          const char          *password,
                                                          const char          *first_name,
                                                          const char          *last_name,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* POST /api/v1/sessions with a code from a sign-in at an OpenID provider
 * (docs/protocol.md, "Sign in with Google"): its PKCE verifier and the
 * redirect URI it was sent to. Finish with kith_api_client_session_finish(). */
void            kith_api_client_log_in_oidc_async        (KithApiClient       *self,
                                                          const char          *code,
                                                          const char          *verifier,
                                                          const char          *redirect_uri,
                                                          const char          *device_name,
                                                          KithDeviceKind       device_kind,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* For all three: @token and @user are out parameters (may be NULL). */
gboolean        kith_api_client_session_finish           (KithApiClient  *self,
                                                          GAsyncResult   *result,
                                                          char          **token,
                                                          KithUserInfo  **user,
                                                          GError        **error);

/* DELETE /api/v1/sessions/current */
void            kith_api_client_log_out_async            (KithApiClient       *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* GET /api/v1/me, PATCH /api/v1/me -> own user */
void            kith_api_client_get_me_async             (KithApiClient       *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* NULL strings and a negative @offline_email_notification leave a field as it is. */
void            kith_api_client_update_me_async          (KithApiClient       *self,
                                                          const char          *first_name,
                                                          const char          *last_name,
                                                          int                  offline_email_notification,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
KithUserInfo   *kith_api_client_user_finish              (KithApiClient  *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);

/* PUT /api/v1/me/password */
void            kith_api_client_change_password_async    (KithApiClient       *self,
                                                          const char          *current_password,
                                                          const char          *new_password,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* POST /api/v1/password-reset */
void            kith_api_client_request_password_reset_async (KithApiClient       *self,
                                                              const char          *email,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
/* DELETE /api/v1/me */
void            kith_api_client_delete_account_async     (KithApiClient       *self,
                                                          const char          *confirm_email,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* DELETE /api/v1/contacts/{id} */
void            kith_api_client_remove_contact_async     (KithApiClient       *self,
                                                          gint64               user_id,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* Finish for calls without a result body (log out, password, reset, delete, remove). */
gboolean        kith_api_client_call_finish              (KithApiClient  *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);

/* GET /api/v1/contacts -> GPtrArray of KithContactInfo */
void            kith_api_client_list_contacts_async      (KithApiClient       *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GPtrArray      *kith_api_client_list_contacts_finish     (KithApiClient  *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);

/* POST /api/v1/contacts, POST /api/v1/contacts/{id}/accept -> KithContactInfo */
void            kith_api_client_add_contact_async        (KithApiClient       *self,
                                                          const char          *email,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
void            kith_api_client_accept_contact_async     (KithApiClient       *self,
                                                          gint64               user_id,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
KithContactInfo *kith_api_client_contact_finish          (KithApiClient  *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);

/* GET /api/v1/conversations/{id}/messages?before=&limit= -> GPtrArray of
 * KithMessageInfo, oldest first. @before <= 0: the newest. */
void            kith_api_client_history_async            (KithApiClient       *self,
                                                          gint64               peer_id,
                                                          gint64               before,
                                                          guint                limit,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GPtrArray      *kith_api_client_history_finish           (KithApiClient  *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);

/* GET /api/v1/ice-servers -> GPtrArray of KithIceServer (a call's STUN and
 * TURN servers; empty when kithd names none) */
void            kith_api_client_ice_servers_async        (KithApiClient       *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GPtrArray      *kith_api_client_ice_servers_finish       (KithApiClient  *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);

G_END_DECLS
