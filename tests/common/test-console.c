/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestConsole"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "kith-console.h"

/* In the C locale, GLib's own conversion would print "?kithd admin --help?". */
static void
test_text_c_locale (void)
{
  g_autofree char *text = NULL;
  g_autofree char *kept = NULL;

  g_assert_nonnull (setlocale (LC_ALL, "C"));
  text = kith_console_text ("Runs the server. “kithd admin --help” lists the "
                            "system’s commands: A–Z, [OPTION…]");
  g_assert_cmpstr (text, ==, "Runs the server. \"kithd admin --help\" lists the "
                             "system's commands: A-Z, [OPTION...]");
  kept = kith_console_text ("plain ASCII stays as it is");
  g_assert_cmpstr (kept, ==, "plain ASCII stays as it is");
  g_assert_nonnull (setlocale (LC_ALL, ""));
}

static void
test_text_utf8_locale (void)
{
  g_autofree char *text = NULL;

  if (setlocale (LC_ALL, "C.UTF-8") == NULL) {
    g_test_skip ("no C.UTF-8 locale");
    return;
  }
  text = kith_console_text ("“kithd admin --help” … A–Z");
  g_assert_cmpstr (text, ==, "“kithd admin --help” … A–Z");
  g_assert_nonnull (setlocale (LC_ALL, ""));
}

/* What kithd and kith-cli print to a terminal in the C locale is ASCII,
 * with no '?' where a character could not be shown. */
static void
check_ascii_output (const char * const *argv,
                    int                 expected_status)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *command = g_strjoinv (" ", (char **) argv);
  g_auto (GStrv) envp = g_get_environ ();
  int status = 0;

  envp = g_environ_setenv (envp, "LC_ALL", "C", TRUE);
  envp = g_environ_unsetenv (envp, "LANGUAGE");
  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("%s: status %d", command, status);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, expected_status);
  g_assert_cmpuint (strlen (out) + strlen (err), >, 0);

  for (guint i = 0; i < 2; i++) {
    const char *text = i == 0 ? out : err;

    for (const char *p = text; *p; p++) {
      if ((guchar) *p >= 0x80 || *p == '?')
        g_error ("%s printed %s at byte %" G_GSIZE_FORMAT " of:\n%s", command,
                 *p == '?' ? "'?'" : "a non-ASCII byte", (gsize) (p - text), text);
    }
  }
}

static void
test_kithd_c_locale (void)
{
  const char *kithd = g_getenv ("KITHD");
  g_autofree char *dir = g_dir_make_tmp ("kith-test-console-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "kithd.db", NULL);
  const char * const help[] = { kithd, "--help", NULL };
  const char * const admin_help[] = { kithd, "admin", "--help", NULL };
  const char * const admin_unknown[] = { kithd, "admin", "--data-dir", dir, "frobnicate", NULL };
  const char * const bad_listen[] = { kithd, "--listen", "nowhere", NULL };

  g_assert_nonnull (kithd);
  g_assert_nonnull (dir);
  check_ascii_output (help, 0);
  check_ascii_output (admin_help, 0);
  check_ascii_output (admin_unknown, 2);
  check_ascii_output (bad_listen, 2);

  for (const char * const *suffix = (const char * const[]) { "", "-wal", "-shm", NULL }; *suffix; suffix++) {
    g_autofree char *path = g_strconcat (db, *suffix, NULL);

    g_unlink (path);
  }
  g_rmdir (dir);
}

static void
test_cli_c_locale (void)
{
  g_autofree char *cli = g_build_filename (g_getenv ("KITH_BUILD_ROOT"), "src", "cli",
                                           "kith-cli", NULL);
  const char * const help[] = { cli, "--help", NULL };
  const char * const no_command[] = { cli, NULL };

  check_ascii_output (help, 0);
  check_ascii_output (no_command, 2);
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/console/text/c-locale", test_text_c_locale);
  g_test_add_func ("/console/text/utf8-locale", test_text_utf8_locale);
  g_test_add_func ("/console/kithd/c-locale", test_kithd_c_locale);
  g_test_add_func ("/console/cli/c-locale", test_cli_c_locale);

  return g_test_run ();
}
