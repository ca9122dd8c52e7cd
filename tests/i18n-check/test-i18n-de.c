/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestI18n"

#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "kith-error.h"
#include "kith-password-policy.h"

/*
 * Proves the translation pipeline end to end: the German catalogue that
 * the build made from po/de.po is found in the build's locale folder and
 * the libraries' strings come out in German.
 *
 * Run with LANGUAGE=de, LC_ALL=C.UTF-8 and KITH_LOCALE_DIR=<build>/po (see
 * po/meson.build). glibc (2.35 and later) honours LANGUAGE in C.UTF-8, so
 * no German locale needs to be installed.
 */

static char *english[KITH_ERROR_LAST + 1];

static void
test_catalogue_built (void)
{
  const char *dir = g_getenv ("KITH_LOCALE_DIR");
  g_autofree char *mo = NULL;

  g_assert_nonnull (dir);
  mo = g_build_filename (dir, "de", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));
}

static void
test_error_codes_german (void)
{
  g_assert_cmpstr (kith_error_code_describe (KITH_ERROR_EMAIL_TAKEN), ==,
                   "Es gibt bereits ein Konto mit dieser E-Mail-Adresse.");
  g_assert_cmpstr (kith_error_code_describe (KITH_ERROR_INVALID_CREDENTIALS), ==,
                   "E-Mail-Adresse oder Passwort ist falsch.");
  g_assert_cmpstr (kith_error_code_describe (KITH_ERROR_NETWORK), ==,
                   "Der Server ist nicht erreichbar.");

  /* Every code says something German, not the English sentence. */
  for (int code = 0; code <= KITH_ERROR_LAST; code++) {
    const char *german = kith_error_code_describe (code);

    g_test_message ("%s: %s", kith_error_code_to_string (code), german);
    g_assert_cmpstr (german, !=, english[code]);
    g_assert_true (g_utf8_validate (german, -1, NULL));
  }
}

static void
test_password_policy_german (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (kith_password_rule_describe (KITH_PASSWORD_RULE_DIGIT), ==, "Eine Ziffer (0–9)");

  g_assert_false (kith_password_policy_validate ("Corr-Horse!", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_PASSWORD_TOO_WEAK);
  g_assert_cmpstr (error->message, ==, "Das Passwort braucht eine Ziffer (0–9).");
}

static void
test_plural_german (void)
{
  const char *msgid = "Too many attempts, try again in %u s.";

  g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, msgid, msgid, 1), ==,
                   "Zu viele Versuche. Versuchen Sie es in %u Sekunde erneut.");
  g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, msgid, msgid, 30), ==,
                   "Zu viele Versuche. Versuchen Sie es in %u Sekunden erneut.");
}

int
main (int   argc,
      char *argv[])
{
  const char *dir = g_getenv ("KITH_LOCALE_DIR");
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The English sentences first, without the German catalogue. */
  g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, "");
  for (int code = 0; code <= KITH_ERROR_LAST; code++)
    english[code] = g_strdup (kith_error_code_describe (code));

  /* meson test sets these too; set here so the binary also runs alone. */
  g_setenv ("LANGUAGE", "de", TRUE);
  setlocale (LC_ALL, "");
  if (dir != NULL)
    bindtextdomain (GETTEXT_PACKAGE, dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_add_func ("/i18n/de/catalogue-built", test_catalogue_built);
  g_test_add_func ("/i18n/de/error-codes", test_error_codes_german);
  g_test_add_func ("/i18n/de/password-policy", test_password_policy_german);
  g_test_add_func ("/i18n/de/plural", test_plural_german);

  status = g_test_run ();

  for (int code = 0; code <= KITH_ERROR_LAST; code++)
    g_free (english[code]);

  return status;
}
