/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithWebEnv"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "kith-fake-oidc.h"
#include "kithd-test-helper.h"

/*
 * kith-web-env: what the browser tests (account-pages.mjs) drive Chromium
 * against. A real kithd on loopback (kithd-test-helper.h: a fresh data
 * directory, mail to its outbox, the public URL its own address), the fake
 * OpenID provider as [oidc:google], and two accounts made through the REST
 * API. It prints one line of JSON on stdout:
 *
 *   {"base": "http://127.0.0.1:PORT", "outbox": "DATA/outbox/new",
 *    "email": …, "password": …, "other_email": …,
 *    "provider": "http://127.0.0.1:PORT"}
 *
 * and runs until its stdin closes (or SIGTERM, SIGINT); then it stops
 * kithd, which must exit cleanly, and removes everything it made. kithd's
 * log goes to stderr when it did not.
 */

#define CLIENT_ID     "kith-browser-tests"
#define CLIENT_SECRET "browser-tests-secret"

static gboolean
on_stdin (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  GMainLoop *loop = user_data;
  char buffer[256];
  gssize n = read (fd, buffer, sizeof buffer);

  if (n > 0)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static char *
describe (KithdTestServer *server,
          KithFakeOidc    *fake,
          KithdTestUser   *user,
          KithdTestUser   *other)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *outbox = g_build_filename (kithd_test_server_get_data_dir (server), "outbox", "new", NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "base");
  json_builder_add_string_value (builder, kithd_test_server_get_url (server));
  json_builder_set_member_name (builder, "outbox");
  json_builder_add_string_value (builder, outbox);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, user->email);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, user->password);
  json_builder_set_member_name (builder, "other_email");
  json_builder_add_string_value (builder, other->email);
  json_builder_set_member_name (builder, "provider");
  json_builder_add_string_value (builder, kith_fake_oidc_get_issuer (fake));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

int
main (int    argc,
      char **argv)
{
  const char *build_root = g_getenv ("KITH_BUILD_ROOT");
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (KithFakeOidc) fake = NULL;
  g_autoptr (KithdTestUser) user = NULL;
  g_autoptr (KithdTestUser) other = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *conf_dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  KithdTestServer *server;
  int status;

  if (argc != 1) {
    g_printerr ("Usage: %s\nStarts kithd for the browser tests; stops it when stdin closes.\n", argv[0]);
    return 2;
  }
  if (!g_getenv ("KITHD")) {
    g_printerr ("kith-web-env: KITHD must name the kithd to run (meson test sets it)\n");
    return 2;
  }
  /* The pages' German from this build's catalogue, as test-web has it. */
  if (build_root) {
    g_autofree char *locale_dir = g_build_filename (build_root, "po", NULL);

    g_setenv ("KITH_LOCALE_DIR", locale_dir, TRUE);
  }

  fake = kith_fake_oidc_new (CLIENT_ID, CLIENT_SECRET);
  /* The provider is another site than kithd's pages (127.0.0.1), as
   * Google's is: the browser keeps kithd's SameSite=Strict cookies back on
   * the redirects that come from it. */
  kith_fake_oidc_set_issuer_host (fake, "localhost");
  /* A consent page that the person clicks, as Google's: the way back to
   * kithd is then a navigation that the provider's site began. */
  kith_fake_oidc_set_consent_page (fake, TRUE);
  conf_dir = g_dir_make_tmp ("kith-web-env-XXXXXX", &error);
  g_assert_no_error (error);
  conf = g_build_filename (conf_dir, "kithd.conf", NULL);
  /* No public-url: kithd's own address is its public URL, the one the
   * pages and the mails' links name. */
  text = kith_fake_oidc_write_config (fake, NULL);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  server = kithd_test_server_start ("--config", conf, NULL);

  user = kithd_test_server_sign_up (server, "grace@example.com", KITHD_TEST_PASSWORD, "Grace", "Hopper");
  other = kithd_test_server_sign_up (server, "alan@example.com", KITHD_TEST_PASSWORD, "Alan", "Turing");
  kithd_test_server_make_contacts (server, user, other);

  line = describe (server, fake, user, other);
  printf ("%s\n", line);
  fflush (stdout);

  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_main_loop_run (loop);

  status = kithd_test_server_stop (server);
  if (status != 0) {
    g_autofree char *log = kithd_test_server_get_log (server);

    g_printerr ("kith-web-env: kithd exited with status %d; its log:\n%s\n", status, log);
  }
  kithd_test_server_free (server);
  g_unlink (conf);
  g_rmdir (conf_dir);
  return status == 0 ? 0 : 1;
}
