/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdTest"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/* TLS: a certificate authority of the test's own, made with openssl, that
 * only the test's clients trust (kithd-test-helper.h, KithdTestTls). */

struct _KithdTestTls
{
  char         *dir;
  char         *ca_file;
  char         *ca_key_file;
  char         *certificate_file;
  char         *key_file;
  GTlsDatabase *database;
};

static void
run_openssl (const char *dir,
             const char *first_arg,
             ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  va_list ap;

  g_ptr_array_add (argv, "openssl");
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  /* The machine's openssl.cnf must not change what the test makes. */
  {
    g_auto (GStrv) envp = g_environ_setenv (g_get_environ (), "OPENSSL_CONF", "/dev/null", TRUE);

    if (!g_spawn_sync (dir, (char **) argv->pdata, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
                       &out, &err, &status, &error))
      g_error ("cannot run openssl (build-aux/deps.sh installs it): %s", error->message);
  }
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl %s failed: %s\n%s", first_arg, error->message, err);
}

/* A P-256 key at @path, 0600. */
static void
make_key (const char *dir,
          const char *path)
{
  run_openssl (dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-out", path, NULL);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
}

KithdTestTls *
kithd_test_tls_new (const char *extra_host)
{
  KithdTestTls *self = g_new0 (KithdTestTls, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) san = g_string_new ("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1");
  g_autofree char *ext = NULL;
  g_autofree char *ext_file = NULL;

  self->dir = g_dir_make_tmp ("kithd-tls-XXXXXX", &error);
  g_assert_no_error (error);
  self->ca_file = g_build_filename (self->dir, "ca.pem", NULL);
  self->ca_key_file = g_build_filename (self->dir, "ca-key.pem", NULL);
  self->certificate_file = g_build_filename (self->dir, "server.pem", NULL);
  self->key_file = g_build_filename (self->dir, "server-key.pem", NULL);

  /* The authority: self-signed, for two days. */
  make_key (self->dir, self->ca_key_file);
  run_openssl (self->dir, "req", "-new", "-x509", "-key", self->ca_key_file, "-out", self->ca_file,
               "-days", "2", "-subj", "/O=Kith tests/CN=Kith Test CA",
               "-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL);

  /* The server: 127.0.0.1, ::1 and localhost (and @extra_host), signed by it. */
  if (extra_host)
    g_string_append_printf (san, ",%s:%s", g_hostname_is_ip_address (extra_host) ? "IP" : "DNS", extra_host);
  ext = g_strdup_printf ("%s\nbasicConstraints=critical,CA:FALSE\n"
                         "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n", san->str);
  ext_file = g_build_filename (self->dir, "server.ext", NULL);
  g_file_set_contents (ext_file, ext, -1, &error);
  g_assert_no_error (error);
  make_key (self->dir, self->key_file);
  run_openssl (self->dir, "req", "-new", "-key", self->key_file, "-out", "server.csr",
               "-subj", "/O=Kith tests/CN=localhost", NULL);
  run_openssl (self->dir, "x509", "-req", "-in", "server.csr", "-CA", self->ca_file,
               "-CAkey", self->ca_key_file, "-CAcreateserial", "-days", "2",
               "-extfile", ext_file, "-out", self->certificate_file, NULL);

  self->database = g_tls_file_database_new (self->ca_file, &error);
  g_assert_no_error (error);
  return self;
}

const char *
kithd_test_tls_get_dir (KithdTestTls *self)
{
  return self->dir;
}

const char *
kithd_test_tls_get_ca_file (KithdTestTls *self)
{
  return self->ca_file;
}

const char *
kithd_test_tls_get_certificate_file (KithdTestTls *self)
{
  return self->certificate_file;
}

const char *
kithd_test_tls_get_key_file (KithdTestTls *self)
{
  return self->key_file;
}

GTlsDatabase *
kithd_test_tls_get_database (KithdTestTls *self)
{
  return self->database;
}

char *
kithd_test_tls_make_key (KithdTestTls *self,
                         const char   *name)
{
  char *path = g_build_filename (self->dir, name, NULL);

  make_key (self->dir, path);
  return path;
}

char *
kithd_test_tls_make_self_signed (KithdTestTls *self,
                                 const char   *name,
                                 const char   *key_file)
{
  char *path = g_build_filename (self->dir, name, NULL);

  run_openssl (self->dir, "req", "-new", "-x509", "-key", key_file, "-out", path, "-days", "2",
               "-subj", "/O=Kith tests/CN=localhost",
               "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", NULL);
  return path;
}

void
kithd_test_tls_free (KithdTestTls *self)
{
  if (!self)
    return;
  kithd_test_remove_tree (self->dir);
  g_clear_object (&self->database);
  g_free (self->dir);
  g_free (self->ca_file);
  g_free (self->ca_key_file);
  g_free (self->certificate_file);
  g_free (self->key_file);
  g_free (self);
}
