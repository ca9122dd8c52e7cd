/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestTextRules"

#include "config.h"

#include <string.h>

#include "kith-protocol.h"

static void
test_email_valid (void)
{
  static const struct {
    const char *email;
    gboolean    valid;
  } table[] = {
    { "ada@example.com", TRUE },
    { "a.b+tag@sub.example.co.uk", TRUE },
    { "ünï@exämple.de", TRUE },
    { "x@y.z", TRUE },
    { "", FALSE },
    { "ada", FALSE },
    { "@example.com", FALSE },
    { "ada@", FALSE },
    { "ada@localhost", FALSE },
    { "ada@@example.com", FALSE },
    { "ada@exa@mple.com", FALSE },
    { "ada lovelace@example.com", FALSE },
    { "ada@example.com ", FALSE },
    { "ada@example .com", FALSE },
    { "ada\t@example.com", FALSE },
    { "ada@.com", FALSE },
    { "ada@example.", FALSE },
    { "ada@example..com", FALSE },
    { "ada@ex\xffmple.com", FALSE },
    { "ada@example.com\r\nBcc: evil@example.com", FALSE },
    { "ada\xc2\x85@example.com", FALSE },       /* C1 */
    { "ada@example.com\xe2\x80\xa8", FALSE },   /* U+2028 */
    { "ada\x7f@example.com", FALSE },
  };
  g_autoptr (GString) long_email = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++) {
    if (kith_email_is_valid (table[i].email) != table[i].valid)
      g_error ("“%s” should be %s", table[i].email, table[i].valid ? "valid" : "invalid");
  }
  g_assert_false (kith_email_is_valid (NULL));

  while (long_email->len < KITH_MAX_EMAIL_BYTES - strlen ("@example.com"))
    g_string_append_c (long_email, 'a');
  g_string_append (long_email, "@example.com");
  g_assert_cmpuint (long_email->len, ==, KITH_MAX_EMAIL_BYTES);
  g_assert_true (kith_email_is_valid (long_email->str));
  g_string_prepend_c (long_email, 'a');
  g_assert_false (kith_email_is_valid (long_email->str));
}

/* Names and emails go into mails and onto other people's screens: no
 * line breaks or other control characters. */
static void
test_control_characters (void)
{
  static const struct {
    const char *text;
    gboolean    control;
  } table[] = {
    { "Ada Lovelace", FALSE },
    { "Zoë O’Brien-Łukasiewicz 日本 😀", FALSE },
    { "\xc2\xa0non-breaking space, \xc2\xa9 and \xe2\x80\xa7 are not controls", FALSE },
    { "", FALSE },
    { "line\nfeed", TRUE },
    { "carriage\rreturn", TRUE },
    { "tab\t", TRUE },
    { "\x01", TRUE },
    { "\x1f", TRUE },
    { "del\x7f", TRUE },
    { "c1 \xc2\x80", TRUE },
    { "c1 \xc2\x85", TRUE },
    { "c1 \xc2\x9f", TRUE },
    { "line separator \xe2\x80\xa8", TRUE },
    { "paragraph separator \xe2\x80\xa9", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++) {
    g_autoptr (GError) error = NULL;

    if (kith_text_has_control (table[i].text) != table[i].control)
      g_error ("“%s”: expected %s", table[i].text, table[i].control ? "a control" : "none");
    g_assert_true (kith_name_check ("first_name", table[i].text, &error) == !table[i].control);
    if (table[i].control) {
      g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
      g_assert_nonnull (strstr (error->message, "“first_name”"));
      g_assert_nonnull (strstr (error->message, "control characters"));
    }
  }
}

/* The one email rule: kith_email_check() agrees with
 * kith_email_is_valid(), and says why it refuses. Before it was the only
 * check, the login page accepted a domain without a dot, a trailing dot,
 * a tab and any length, and Add Contact a second '@' as well; kithd then
 * refused them (invalid_email). */
static void
test_email_one_rule (void)
{
  static const struct {
    const char *email;
    gboolean    valid;
    const char *why;          /* in the message of kith_email_check() */
  } table[] = {
    { "ada@example.com",           TRUE,  NULL },
    { "ADA@Example.COM",           TRUE,  NULL },
    { "a.b+tag@sub.example.co.uk", TRUE,  NULL },
    /* the login page and Add Contact took these */
    { "ada@localhost",             FALSE, "does not look like" },
    { "ada@example.",              FALSE, "does not look like" },
    { "ada@.example.com",          FALSE, "does not look like" },
    { "ada@example..com",          FALSE, "does not look like" },
    { "ada\t@example.com",         FALSE, "control characters" },
    { "ada@example.com\n",         FALSE, "control characters" },
    /* Add Contact alone took these */
    { "ada@b@example.com",         FALSE, "does not look like" },
    { "a@b@c",                     FALSE, "does not look like" },
    /* both refused these, and still do */
    { "",                          FALSE, "does not look like" },
    { "ada",                       FALSE, "does not look like" },
    { "@example.com",              FALSE, "does not look like" },
    { "ada@",                      FALSE, "does not look like" },
    { "ada lovelace@example.com",  FALSE, "does not look like" },
    /* callers trim first: white space around is not part of an address */
    { " ada@example.com",          FALSE, "does not look like" },
    { "ada@example.com ",          FALSE, "does not look like" },
  };
  g_autoptr (GString) long_email = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (table); i++) {
    g_autoptr (GError) check_error = NULL;
    gboolean checked = kith_email_check (table[i].email, &check_error);

    if (kith_email_is_valid (table[i].email) != table[i].valid || checked != table[i].valid)
      g_error ("“%s” should be %s", table[i].email, table[i].valid ? "valid" : "invalid");
    if (table[i].valid) {
      g_assert_no_error (check_error);
    } else {
      g_assert_error (check_error, KITH_ERROR, KITH_ERROR_INVALID_EMAIL);
      if (strstr (check_error->message, table[i].why) == NULL)
        g_error ("“%s”: “%s” does not say “%s”", table[i].email, check_error->message, table[i].why);
    }
  }

  g_assert_false (kith_email_check (NULL, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_EMAIL);
  g_clear_error (&error);

  /* at most KITH_MAX_EMAIL_BYTES, whoever checks */
  g_string_append (long_email, "ada@");
  while (long_email->len < KITH_MAX_EMAIL_BYTES - strlen (".com"))
    g_string_append_c (long_email, 'x');
  g_string_append (long_email, ".com");
  g_assert_true (kith_email_check (long_email->str, &error));
  g_assert_no_error (error);
  g_string_insert_c (long_email, 0, 'a');
  g_assert_false (kith_email_check (long_email->str, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_EMAIL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/text-rules/email", test_email_valid);
  g_test_add_func ("/text-rules/email-one-rule", test_email_one_rule);
  g_test_add_func ("/text-rules/control-characters", test_control_characters);

  return g_test_run ();
}
