/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KITH_TYPE_CREDENTIALS (kith_credentials_get_type ())

G_DECLARE_FINAL_TYPE (KithCredentials, kith_credentials, KITH, CREDENTIALS, GObject)

/*
 * The stay-signed-in session token in the Secret Service (libsecret), schema
 * "im.kith.Kith.Session" with attributes "server" and "email". Never the
 * password, never a file.
 *
 * A missing or locked keyring gives KITH_ERROR_KEYRING with a sentence that
 * says which ("No keyring is running…", "The keyring is locked…"). A locked
 * collection is unlocked first (the desktop asks for its password); a
 * dismissed or impossible prompt is "locked". Every call gives up after
 * "timeout" ms (60 s; $KITH_KEYRING_TIMEOUT_MS overrides), a prompt nobody
 * answers included: "The keyring did not answer…". Clearing never prompts:
 * a locked entry stays, and the call says "locked".
 */
KithCredentials *kith_credentials_new           (void);

void             kith_credentials_store_async   (KithCredentials     *self,
                                                 const char          *server,
                                                 const char          *email,
                                                 const char          *token,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean         kith_credentials_store_finish  (KithCredentials  *self,
                                                 GAsyncResult     *result,
                                                 GError          **error);

/* @email may be NULL: any stored account of @server. Returns FALSE with no
 * error when nothing is stored. */
void             kith_credentials_lookup_async  (KithCredentials     *self,
                                                 const char          *server,
                                                 const char          *email,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean         kith_credentials_lookup_finish (KithCredentials  *self,
                                                 GAsyncResult     *result,
                                                 char            **email,
                                                 char            **token,
                                                 GError          **error);

void             kith_credentials_clear_async   (KithCredentials     *self,
                                                 const char          *server,
                                                 const char          *email,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean         kith_credentials_clear_finish  (KithCredentials  *self,
                                                 GAsyncResult     *result,
                                                 GError          **error);

G_END_DECLS
