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

/* The example's [oidc:google], uncommented, is a provider. */
static void
test_example_oidc (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("KITH_SOURCE_ROOT"), "data",
                                            "kithd.conf.example", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (KithdConfig) config = NULL;
  g_autofree char *message = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean in_group = FALSE;
  const KithdOidcProviderConfig *provider;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (g_str_equal (lines[i], "#[oidc:google]"))
      in_group = TRUE;
    else if (!*lines[i])
      in_group = FALSE;
    if (in_group && g_str_has_prefix (lines[i], "#") && !g_str_has_prefix (lines[i], "# "))
      g_string_append (text, lines[i] + 1);
    else
      g_string_append (text, lines[i]);
    g_string_append_c (text, '\n');
  }
  g_assert_true (load (text->str, -1, &config, &message));
  g_assert_cmpuint (config->oidc_providers->len, ==, 1);
  provider = config->oidc_providers->pdata[0];
  g_assert_cmpstr (provider->id, ==, "google");
  g_assert_cmpstr (provider->name, ==, "Google");
  g_assert_cmpstr (provider->issuer, ==, "https://accounts.google.com");
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

  g_assert_true (load ("[server]\nlisten=\npublic-url=\n[mail]\nsmtp-url=\n"
                       "[tls]\ncertificate=\nkey=\n", -1, &config, &message));
  g_assert_null (config->public_url);
  g_assert_null (config->smtp_url);
  g_assert_cmpuint (config->oidc_providers->len, ==, 0);
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

/* [oidc:ID]: a provider per group; each mistake one line naming it, and
 * no provider taken from a file that has one. */
static void
test_oidc (void)
{
  static const struct {
    const char *text;
    const char *message;
  } bad[] = {
    { "[oidc]\ngoogle-client-id=abc\n", "[oidc:google] with name, issuer, client-id and client-secret" },
    { "[oidc:Google]\nissuer=https://accounts.google.com\nclient-id=a\nclient-secret=b\n",
      "[oidc:Google]: a provider's id (after “oidc:”) is 1 to 32 of a-z, 0-9 and -" },
    { "[oidc:]\nissuer=https://accounts.google.com\nclient-id=a\nclient-secret=b\n", "[oidc:]: a provider's id" },
    { "[oidc:google]\nissuer=https://accounts.google.com\nclient-id=a\n",
      "[oidc:google] needs issuer, client-id and client-secret" },
    { "[oidc:google]\nissuer=https://accounts.google.com\nclient-id=a\nclient-secret=\n",
      "[oidc:google] client-secret is empty" },
    { "[oidc:google]\nissuer=http://accounts.google.com\nclient-id=a\nclient-secret=b\n",
      "[oidc:google] issuer: “http://accounts.google.com” is not an https:// URL (http:// only on this machine: localhost or a loopback address)" },
    { "[oidc:google]\nissuer=https://accounts.google.com/?x=1\nclient-id=a\nclient-secret=b\n",
      "[oidc:google] issuer: “https://accounts.google.com/?x=1” is not an https:// URL" },
    { "[oidc:google]\nissuer=accounts.google.com\nclient-id=a\nclient-secret=b\n",
      "is not an https:// URL" },
  };
  g_autoptr (KithdConfig) config = NULL;
  g_autofree char *message = NULL;
  const KithdOidcProviderConfig *provider;

  g_assert_true (load ("[oidc:google]\nname=Google\nissuer=https://accounts.google.com/\n"
                       "client-id=1234.apps.googleusercontent.com\nclient-secret=s3cret\n"
                       "[oidc:test-idp]\nissuer=http://[::1]:9000\nclient-id=x\nclient-secret=y\n",
                       -1, &config, &message));
  g_assert_cmpuint (config->oidc_providers->len, ==, 2);
  provider = config->oidc_providers->pdata[0];
  g_assert_cmpstr (provider->id, ==, "google");
  g_assert_cmpstr (provider->name, ==, "Google");
  g_assert_cmpstr (provider->issuer, ==, "https://accounts.google.com");
  g_assert_cmpstr (provider->client_id, ==, "1234.apps.googleusercontent.com");
  g_assert_cmpstr (provider->client_secret, ==, "s3cret");
  provider = config->oidc_providers->pdata[1];
  g_assert_cmpstr (provider->id, ==, "test-idp");
  g_assert_cmpstr (provider->name, ==, "test-idp");
  g_assert_cmpstr (provider->issuer, ==, "http://[::1]:9000");
  g_clear_pointer (&config, kithd_config_free);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_false (load (bad[i].text, -1, &config, &message));
    g_test_message ("%s", message);
    g_assert_nonnull (strstr (message, bad[i].message));
    g_assert_null (strchr (message, '\n'));
    g_assert_cmpuint (config->oidc_providers->len, ==, 0);
    g_clear_pointer (&config, kithd_config_free);
    g_clear_pointer (&message, g_free);
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
  g_test_add_func ("/config/oidc", test_oidc);
  g_test_add_func ("/config/example-oidc", test_example_oidc);

  return g_test_run ();
}
