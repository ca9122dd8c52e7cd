/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* yescrypt via libxcrypt. Slow by design: call from a worker
 * (kithd_crypto_*_async run on a pool sized to the cores). */
char     *kithd_crypto_hash_password          (const char  *password,
                                               GError     **error);
gboolean  kithd_crypto_verify_password        (const char  *password,
                                               const char  *hash);
/* A fresh 256-bit random token, base64url without padding (43 chars). */
char     *kithd_crypto_new_token              (void);
/* SHA-256 of @token, lower-case hex: what the store keeps. */
char     *kithd_crypto_token_hash             (const char  *token);
/* Constant-time comparison of two NUL-terminated strings. */
gboolean  kithd_crypto_equal                  (const char  *a,
                                               const char  *b);

void      kithd_crypto_hash_password_async    (const char          *password,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
char     *kithd_crypto_hash_password_finish   (GAsyncResult        *result,
                                               GError             **error);
/* @hash may be NULL: the check then runs against a dummy hash so that
 * unknown accounts take as long as known ones, and fails. */
void      kithd_crypto_verify_password_async  (const char          *password,
                                               const char          *hash,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean  kithd_crypto_verify_password_finish (GAsyncResult        *result);

G_END_DECLS
