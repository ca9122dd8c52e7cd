/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestPassword"

#include "config.h"

#include <string.h>

#include "kith-error.h"
#include "kith-password-policy.h"

typedef struct {
  const char        *password;
  KithPasswordRules  missing;
} PasswordCase;

#define L KITH_PASSWORD_RULE_LENGTH
#define U KITH_PASSWORD_RULE_UPPER
#define W KITH_PASSWORD_RULE_LOWER
#define D KITH_PASSWORD_RULE_DIGIT
#define S KITH_PASSWORD_RULE_SYMBOL

static const PasswordCase cases[] = {
  /* acceptable */
  { "Abcdef1!",               0 },
  { "Password3!",             0 },
  { "Tr0ub4dor&3",            0 },
  { "Zz9@zzzzzzzz",           0 },
  { "My pass 1",              0 },     /* a space is non-alphanumeric */
  { "Café123x",               0 },     /* é is non-alphanumeric */

  /* each rule failing alone */
  { "Abcde1!",                L },     /* 7 characters */
  { "abcdef1!",               U },
  { "ABCDEF1!",               W },
  { "Abcdefg!",               D },
  { "Abcdefg1",               S },

  /* the help article's login example has no symbol */
  { "Password3",              S },

  /* combinations */
  { "",                       L | U | W | D | S },
  { "a",                      L | U | D | S },
  { "password",               U | D | S },
  { "PASSWORD",               W | D | S },
  { "12345678",               U | W | S },
  { "!!!!!!!!",               U | W | D },
  { "Ab1!",                   L },
  { "abc",                    L | U | D | S },

  /* non-English letters are not upper or lower case letters in the rules */
  { "ÄÖÜäöü12",               U | W },  /* counts as symbols */
  { "éééééééé",               U | W | D },
  { "１２３４Abc!",             D },      /* full-width digits are not 0-9 */

  /* length counts characters, not bytes: 7 characters, 10 bytes */
  { "Ab1!ééé",                L },
  /* 8 characters, one of them 4 bytes */
  { "Ab1!abc😀",               0 },
};

static void
test_password_check (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    KithPasswordRules got = kith_password_policy_check (cases[i].password);

    if (got != cases[i].missing)
      g_error ("“%s”: missing 0x%x, expected 0x%x", cases[i].password, got, cases[i].missing);
  }
}

static void
test_password_validate (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    gboolean ok = kith_password_policy_validate (cases[i].password, &error);

    if (cases[i].missing == 0) {
      g_assert_no_error (error);
      g_assert_true (ok);
    } else {
      g_assert_error (error, KITH_ERROR, KITH_ERROR_PASSWORD_TOO_WEAK);
      g_assert_false (ok);
      g_assert_true (g_str_has_prefix (error->message, "The password needs "));
      g_assert_true (g_str_has_suffix (error->message, "."));
    }
  }
}

static void
test_password_messages (void)
{
  static const struct {
    const char *password;
    const char *message;
  } table[] = {
    { "Abc1!",     "The password needs at least 8 characters." },
    { "abcdefg1",  "The password needs an upper-case letter (A–Z) and a symbol such as !, @, #, $ or &." },
    { "Abcdefg!",  "The password needs a digit (0–9)." },
    { "ABCDEFG1!", "The password needs a lower-case letter (a–z)." },
    { "abc",       "The password needs at least 8 characters, an upper-case letter (A–Z), a digit (0–9) and a symbol such as !, @, #, $ or &." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++) {
    g_autoptr (GError) error = NULL;

    g_assert_false (kith_password_policy_validate (table[i].password, &error));
    g_assert_error (error, KITH_ERROR, KITH_ERROR_PASSWORD_TOO_WEAK);
    g_assert_cmpstr (error->message, ==, table[i].message);
  }
}

static void
test_password_too_long (void)
{
  g_autoptr (GString) password = g_string_new ("Aa1!");
  g_autoptr (GError) error = NULL;

  while (password->len < KITH_PASSWORD_MAX_BYTES)
    g_string_append_c (password, 'x');
  g_assert_cmpuint (password->len, ==, KITH_PASSWORD_MAX_BYTES);
  g_assert_true (kith_password_policy_validate (password->str, &error));
  g_assert_no_error (error);

  g_string_append_c (password, 'x');
  g_assert_false (kith_password_policy_validate (password->str, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_TOO_LONG);
  g_clear_error (&error);

  /* bytes, not characters: 100 × "é" is 200 bytes, 130 × is 260 */
  g_string_assign (password, "Aa1!");
  for (guint i = 0; i < 130; i++)
    g_string_append (password, "é");
  g_assert_false (kith_password_policy_validate (password->str, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_TOO_LONG);
}

static void
test_password_invalid_utf8 (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (kith_password_policy_validate ("Abcdef1!\xff", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  g_clear_error (&error);

  g_assert_false (kith_password_policy_validate ("Abc\xc3", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);

  /* check() does not crash on it either */
  g_assert_cmpint (kith_password_policy_check ("Abc\xc3"), !=, 0);
}

static void
test_password_describe (void)
{
  static const KithPasswordRules rules[] = { L, U, W, D, S };
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++) {
    const char *text = kith_password_rule_describe (rules[i]);

    g_assert_nonnull (text);
    g_assert_true (g_ascii_isupper (text[0]));
    g_assert_false (g_hash_table_contains (seen, text));
    g_hash_table_add (seen, (gpointer) text);
  }

  g_assert_cmpstr (kith_password_rule_describe (L), ==, "At least 8 characters");
  g_assert_nonnull (strstr (kith_password_rule_describe (U), "A–Z"));
  g_assert_nonnull (strstr (kith_password_rule_describe (W), "a–z"));
  g_assert_nonnull (strstr (kith_password_rule_describe (D), "0–9"));
  g_assert_nonnull (strstr (kith_password_rule_describe (S), "!"));
  g_assert_null (kith_password_rule_describe (KITH_PASSWORD_RULE_NONE));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/password/check", test_password_check);
  g_test_add_func ("/password/validate", test_password_validate);
  g_test_add_func ("/password/messages", test_password_messages);
  g_test_add_func ("/password/too-long", test_password_too_long);
  g_test_add_func ("/password/invalid-utf8", test_password_invalid_utf8);
  g_test_add_func ("/password/describe", test_password_describe);

  return g_test_run ();
}
