/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The text of a TLS key: zeroed when freed. */
typedef char KithdSecret;

void     kithd_secret_free    (KithdSecret  *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdSecret, kithd_secret_free)

/*
 * Reads the certificate and the key kithd serves HTTPS with (KithdHttp),
 * and checks what libmicrohttpd would only fail on without saying why:
 * both are PEM files of at most 1 MiB, the key is unencrypted and the
 * certificate's, and nobody but kithd's user can read the key. A
 * certificate outside its validity is logged, not refused.
 */
gboolean kithd_tls_files_read (const char   *cert_path,
                               const char   *key_path,
                               char        **cert,
                               KithdSecret **key,
                               GError      **error);

G_END_DECLS
