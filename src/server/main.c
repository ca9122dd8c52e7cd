/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "Kithd"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <sys/resource.h>

#include <glib-unix.h>

#include "kith-console.h"
#include "kithd-admin.h"
#include "kithd-config.h"
#include "kithd-server.h"

static gboolean
on_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

/* 10,000 sockets need more than the usual 1024 descriptors. */
static void
raise_fd_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
      g_debug ("could not raise the descriptor limit");
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdServer) server = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  KithdConfig *config;
  gboolean show_version = FALSE;
  guint sigint_id, sigterm_id;

  /* The terminal's charset only (kithd speaks English and formats no
   * numbers for people): help and messages in a UTF-8 terminal as written,
   * in ASCII elsewhere. */
  setlocale (LC_CTYPE, "");
  /* The web pages choose their language per request (kithd-web-i18n.c);
   * LANGUAGE would override that choice in glibc's gettext. Unset while
   * kithd has one thread. */
  g_unsetenv ("LANGUAGE");
  kith_console_init ();

  if (argc > 1 && strcmp (argv[1], "admin") == 0)
    return kithd_admin_run (argc - 1, argv + 1);

  config = kithd_config_new ();
  if (!kithd_config_parse_args (config, &argc, &argv, &show_version, &error)) {
    g_printerr ("kithd: %s\n", error->message);
    kithd_config_free (config);
    return 2;
  }
  if (show_version) {
    g_print ("kithd %s\n", PACKAGE_VERSION);
    kithd_config_free (config);
    return 0;
  }

  raise_fd_limit ();

  server = kithd_server_new (config, &error);
  if (!server) {
    g_printerr ("kithd: %s\n", error->message);
    return 1;
  }
  /* The signals are ours before anyone can know the port: a SIGTERM right
   * after start is a clean shutdown too. */
  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, loop);
  if (!kithd_server_listen (server, &error)) {
    g_printerr ("kithd: %s\n", error->message);
    g_source_remove (sigint_id);
    g_source_remove (sigterm_id);
    return 1;
  }

  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  g_message ("shutting down");
  kithd_server_shutdown (server);

  return 0;
}
