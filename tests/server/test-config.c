/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdTestConfig"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kithd-config.h"

/* kithd_config_load_file() on the operator's file: every refusal is an
 * error naming what is wrong, in UTF-8, and leaves the settings as they
 * were. (The file is fuzzed too: tests/fuzz/fuzz-config.c.) */

static char *
write_conf (const char *text,
            gssize      len)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-test-config-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, "kithd.conf", NULL);
  g_file_set_contents (path, text, len, &error);
  g_assert_no_error (error);
  return path;
}

static void
remove_conf (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

/* Loads @text over the defaults; FALSE with the error's message in @message. */
static gboolean
load (const char   *text,
      gssize        len,
      KithdConfig **config,
      char        **message)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = write_conf (text, len);
  gboolean ok;

  *config = kithd_config_new ();
  ok = kithd_config_load_file (*config, path, &error);
  remove_conf (path);
  if (ok) {
    g_assert_no_error (error);
    return TRUE;
  }
  g_assert_nonnull (error);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  *message = g_strdup (error->message);
  return FALSE;
}

static void
test_example (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdConfig) config = kithd_config_new ();
  g_autofree char *path = g_build_filename (g_getenv ("KITH_SOURCE_ROOT"), "data",
                                            "kithd.conf.example", NULL);

  g_assert_true (kithd_config_load_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->data_dir, ==, "/var/lib/kithd");
  g_assert_cmpuint (config->listen_port, ==, 8480);
}

/* A key that needs a value, given none, was cleared: kithd then failed
 * with "Cannot create the data directory (null)", or ran nameless. */
static void
test_empty_value (void)
{
  const char *keys[] = { "[server]\ndata-dir=", "[server]\nname=  ", "[mail]\nfrom=" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
    g_autoptr (KithdConfig) config = NULL;
    g_autofree char *message = NULL;

    g_assert_false (load (keys[i], -1, &config, &message));
    g_assert_nonnull (strstr (message, "is empty"));
    g_assert_nonnull (config->data_dir);
    g_assert_nonnull (config->name);
    g_assert_nonnull (config->mail_from);
  }
}

/* Keys whose empty value means "not set". */
static void
test_unset (void)
{
  g_autoptr (KithdConfig) config = NULL;
  g_autofree char *message = NULL;

  g_assert_true (load ("[server]\nlisten=\npublic-url=\n[mail]\nsmtp-url=\n[oidc]\ngoogle-client-id=\n"
                       "[tls]\ncertificate=\nkey=\n", -1, &config, &message));
  g_assert_null (config->public_url);
  g_assert_null (config->smtp_url);
  g_assert_null (config->oidc_google_client_id);
  g_assert_cmpstr (config->listen_host, ==, "127.0.0.1");
}

/* Bytes that are not UTF-8: a value was dropped without a word; a bad
 * line was quoted as it was, without the file's name. */
static void
test_not_utf8 (void)
{
  g_autoptr (KithdConfig) config = NULL;
  g_autoptr (KithdConfig) config2 = NULL;
  g_autofree char *message = NULL;
  g_autofree char *message2 = NULL;

  g_assert_false (load ("[server]\nname=Ki\xfftch\n", -1, &config, &message));
  g_assert_nonnull (strstr (message, "[server] name"));
  g_assert_cmpstr (config->name, ==, "Kith");

  g_assert_false (load ("[server]\n[tc/t\x8b" "ek/=iy\n", -1, &config2, &message2));
  g_assert_nonnull (strstr (message2, "kithd.conf: "));
}

/* [mail]'s SMTP server: STARTTLS required unless the host is this
 * machine, and every setting the file gets wrong refused with what to do,
 * never with the password in it. */
static void
test_mail (void)
{
  static const struct {
    const char *url;
    const char *extra;
    gboolean    starttls;
  } good[] = {
    { "smtp://smtp.example.org:587", "", TRUE },
    { "smtp://smtp.example.org", "smtp-starttls=required\n", TRUE },
    { "smtp://127.0.0.1:25", "", FALSE },
    { "smtp://localhost:25/", "", FALSE },
    { "smtp://[::1]:25", "", FALSE },
    { "smtp://127.0.0.1:587", "smtp-starttls=required\n", TRUE },
    { "smtp://relay.lan:25", "smtp-starttls=no\n", FALSE },
    { "smtps://smtp.example.org:465", "smtp-username=kithd\nsmtp-password-file=/etc/kithd/smtp\n", TRUE },
    { "smtp://127.0.0.1:25", "smtp-starttls=no\nsmtp-username=kithd\nsmtp-password=Pass#1\n", FALSE },
  };
  static const struct {
    const char *text;
    const char *expected;
  } bad[] = {
    { "smtp-url=http://smtp.example.org\n", "“http://smtp.example.org” is not an SMTP server's URL" },
    { "smtp-url=smtp://\n", "is not an SMTP server's URL" },
    { "smtp-url=smtp://smtp.example.org/x\n", "is not an SMTP server's URL" },
    { "smtp-url=smtp://smtp.example.org:587?x=1\n", "is not an SMTP server's URL" },
    { "smtp-url=smtp://kithd:Pass#1@smtp.example.org:587\n", "holds a user name or password" },
    { "smtp-url=http://kithd:Pass#1@smtp.example.org\n", "holds a user name or password" },
    { "smtp-url=smtp://smtp.example.org\nsmtp-starttls=maybe\n",
      "[mail] smtp-starttls must be “required” or “no”, not “maybe”" },
    { "smtp-url=smtps://smtp.example.org\nsmtp-starttls=no\n", "smtps is TLS from the start" },
    { "smtp-url=smtp://smtp.example.org\nsmtp-username=kithd\n",
      "[mail] smtp-username needs smtp-password-file (or smtp-password)" },
    { "smtp-url=smtp://smtp.example.org\nsmtp-password=Pass#1\n", "[mail] an SMTP password needs smtp-username" },
    { "smtp-url=smtp://smtp.example.org\nsmtp-username=kithd\nsmtp-password=Pass#1\n"
      "smtp-password-file=/etc/kithd/smtp\n", "has both smtp-password and smtp-password-file" },
    { "smtp-url=smtp://smtp.example.org\nsmtp-starttls=no\nsmtp-username=kithd\nsmtp-password=Pass#1\n",
      "smtp-starttls=no would send the SMTP password unencrypted to smtp.example.org" },
    { "smtp-timeout=0\n", "[mail] smtp-timeout must be a number from 1 to 600" },
    { "smtp-timeout=601\n", "[mail] smtp-timeout must be a number from 1 to 600" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autofree char *text = g_strdup_printf ("[mail]\nsmtp-url=%s\n%s", good[i].url, good[i].extra);
    g_autoptr (KithdConfig) config = NULL;
    g_autofree char *message = NULL;

    g_test_message ("%s", text);
    g_assert_true (load (text, -1, &config, &message));
    g_assert_cmpstr (config->smtp_url, ==, good[i].url);
    g_assert_cmpint (config->smtp_starttls, ==, good[i].starttls);
    g_assert_cmpuint (config->smtp_timeout, ==, 30);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *text = g_strconcat ("[mail]\n", bad[i].text, NULL);
    g_autoptr (KithdConfig) config = NULL;
    g_autofree char *message = NULL;

    g_assert_false (load (text, -1, &config, &message));
    g_test_message ("%s", message);
    g_assert_nonnull (strstr (message, bad[i].expected));
    g_assert_null (strstr (message, "Pass#1"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/example", test_example);
  g_test_add_func ("/config/empty-value", test_empty_value);
  g_test_add_func ("/config/unset", test_unset);
  g_test_add_func ("/config/not-utf8", test_not_utf8);
  g_test_add_func ("/config/mail", test_mail);

  return g_test_run ();
}
