/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHttp"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "kithd-tls-files.h"

/* A PEM file is a few KiB (a chain of four certificates is about 8). */
#define PEM_MAX_BYTES (1024 * 1024)

/* Reads a TLS file; @what is "certificate" or "key". A key must not be
 * readable by anyone but kithd's user: refused otherwise. */
static gboolean
read_tls_file (const char  *path,
               const char  *what,
               gboolean     secret,
               char       **out,
               GError     **error)
{
  g_autoptr (GByteArray) data = NULL;
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot read the TLS %s %s: %s", what, path, g_strerror (saved));
    return FALSE;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                 "Cannot read the TLS %s %s: not a file", what, path);
    close (fd);
    return FALSE;
  }
  if (secret && (st.st_mode & (S_IRGRP | S_IROTH))) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 "The TLS key %s can be read by other users (mode %04o): "
                 "make it readable by kithd's user only (chmod 600 %s)",
                 path, (unsigned int) (st.st_mode & 07777), path);
    close (fd);
    return FALSE;
  }
  if (st.st_size > PEM_MAX_BYTES) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The TLS %s %s is too large to be a PEM file", what, path);
    close (fd);
    return FALSE;
  }

  data = g_byte_array_sized_new (st.st_size + 1);
  for (;;) {
    guint8 buf[4096];
    ssize_t n = read (fd, buf, sizeof buf);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot read the TLS %s %s: %s", what, path, g_strerror (saved));
      explicit_bzero (data->data, data->len);
      close (fd);
      return FALSE;
    }
    if (n == 0)
      break;
    if (data->len + n > PEM_MAX_BYTES) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The TLS %s %s is too large to be a PEM file", what, path);
      explicit_bzero (data->data, data->len);
      explicit_bzero (buf, sizeof buf);
      close (fd);
      return FALSE;
    }
    g_byte_array_append (data, buf, n);
    explicit_bzero (buf, n);
  }
  close (fd);

  g_byte_array_append (data, (const guint8 *) "", 1);
  *out = (char *) g_byte_array_free (g_steal_pointer (&data), FALSE);
  return TRUE;
}

static void
say_validity (const char *path,
              time_t      activation,
              time_t      expiration)
{
  time_t now = time (NULL);
  g_autoptr (GDateTime) when = NULL;
  g_autofree char *text = NULL;

  if (now > expiration)
    when = g_date_time_new_from_unix_utc (expiration);
  else if (now < activation)
    when = g_date_time_new_from_unix_utc (activation);
  if (!when)
    return;
  text = g_date_time_format_iso8601 (when);
  g_message ("The TLS certificate %s %s %s: clients will refuse to connect until it is replaced",
             path, now > expiration ? "expired on" : "is valid only from", text);
}

/* Checks what libmicrohttpd would only fail on without saying why: the
 * files are PEM, and the key is the certificate's. */
static gboolean
check_tls_files (const char  *cert_path,
                 const char  *cert,
                 const char  *key_path,
                 const char  *key,
                 GError     **error)
{
  gnutls_datum_t cert_datum = { (unsigned char *) cert, strlen (cert) };
  gnutls_datum_t key_datum = { (unsigned char *) key, strlen (key) };
  gnutls_x509_crt_t *list = NULL;
  unsigned int n_list = 0;
  gnutls_x509_privkey_t privkey = NULL;
  gnutls_certificate_credentials_t credentials = NULL;
  int ret;

  ret = gnutls_x509_crt_list_import2 (&list, &n_list, &cert_datum, GNUTLS_X509_FMT_PEM, 0);
  if (ret < 0 || n_list == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The TLS certificate %s is not a PEM certificate: %s", cert_path,
                 ret < 0 ? gnutls_strerror (ret) : "No certificate was found.");
    return FALSE;
  }
  say_validity (cert_path, gnutls_x509_crt_get_activation_time (list[0]),
                gnutls_x509_crt_get_expiration_time (list[0]));
  for (unsigned int i = 0; i < n_list; i++)
    gnutls_x509_crt_deinit (list[i]);
  gnutls_free (list);

  ret = gnutls_x509_privkey_init (&privkey);
  if (ret == 0)
    ret = gnutls_x509_privkey_import2 (privkey, &key_datum, GNUTLS_X509_FMT_PEM, NULL, 0);
  gnutls_x509_privkey_deinit (privkey);
  if (ret < 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The TLS key %s is not an unencrypted PEM private key: %s",
                 key_path, gnutls_strerror (ret));
    return FALSE;
  }

  ret = gnutls_certificate_allocate_credentials (&credentials);
  if (ret == 0)
    ret = gnutls_certificate_set_x509_key_mem2 (credentials, &cert_datum, &key_datum,
                                                GNUTLS_X509_FMT_PEM, NULL, 0);
  gnutls_certificate_free_credentials (credentials);
  if (ret == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The TLS key %s does not belong to the certificate %s", key_path, cert_path);
    return FALSE;
  }
  if (ret < 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The TLS certificate %s and key %s cannot be used: %s", cert_path, key_path,
                 gnutls_strerror (ret));
    return FALSE;
  }
  return TRUE;
}

void
kithd_secret_free (KithdSecret *secret)
{
  if (secret) {
    explicit_bzero (secret, strlen (secret));
    g_free (secret);
  }
}

gboolean
kithd_tls_files_read (const char   *cert_path,
                      const char   *key_path,
                      char        **cert,
                      KithdSecret **key,
                      GError      **error)
{
  g_autofree char *cert_pem = NULL;
  g_autoptr (KithdSecret) key_pem = NULL;

  if (!read_tls_file (cert_path, "certificate", FALSE, &cert_pem, error) ||
      !read_tls_file (key_path, "key", TRUE, &key_pem, error) ||
      !check_tls_files (cert_path, cert_pem, key_path, key_pem, error))
    return FALSE;
  *cert = g_steal_pointer (&cert_pem);
  *key = g_steal_pointer (&key_pem);
  return TRUE;
}
