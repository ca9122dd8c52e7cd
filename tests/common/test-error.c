/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestError"

#include "config.h"

#include <string.h>

#include "kith-error.h"

static void
test_error_quark (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (g_quark_to_string (KITH_ERROR), ==, "kith-error-quark");

  g_set_error_literal (&error, KITH_ERROR, KITH_ERROR_NOT_CONTACT, "x");
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_CONTACT);
}

static void
test_error_unique_strings (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (int code = 0; code <= KITH_ERROR_LAST; code++) {
    const char *str = kith_error_code_to_string (code);

    g_assert_nonnull (str);
    g_assert_cmpuint (strlen (str), >, 0);
    /* snake_case: lower-case letters and underscores only */
    for (const char *p = str; *p != '\0'; p++)
      g_assert_true (g_ascii_islower (*p) || *p == '_');
    g_assert_false (g_hash_table_contains (seen, str));
    g_hash_table_add (seen, (gpointer) str);
  }

  g_assert_cmpuint (g_hash_table_size (seen), ==, KITH_ERROR_LAST + 1);
}

static void
test_error_round_trip (void)
{
  for (int code = 0; code <= KITH_ERROR_LAST; code++) {
    KithErrorCode parsed = -1;

    g_assert_true (kith_error_code_from_string (kith_error_code_to_string (code), &parsed));
    g_assert_cmpint (parsed, ==, code);
  }
}

static void
test_error_unknown_string (void)
{
  const char *unknown[] = { "", "nope", "Invalid_JSON", "invalid_json ", NULL };
  KithErrorCode code = KITH_ERROR_NOT_FOUND;

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++) {
    code = KITH_ERROR_NOT_FOUND;
    g_assert_false (kith_error_code_from_string (unknown[i], &code));
    g_assert_cmpint (code, ==, KITH_ERROR_INTERNAL);
  }
}

static void
test_error_http_status (void)
{
  static const struct {
    KithErrorCode code;
    const char   *str;
    guint         status;
  } table[] = {
    { KITH_ERROR_INTERNAL,              "internal",              500 },
    { KITH_ERROR_INVALID_JSON,          "invalid_json",          400 },
    { KITH_ERROR_INVALID_FIELD,         "invalid_field",         400 },
    { KITH_ERROR_TOO_LONG,              "too_long",              400 },
    { KITH_ERROR_PAYLOAD_TOO_LARGE,     "payload_too_large",     413 },
    { KITH_ERROR_UNKNOWN_TYPE,          "unknown_type",          400 },
    { KITH_ERROR_INVALID_EMAIL,         "invalid_email",         400 },
    { KITH_ERROR_PASSWORD_TOO_WEAK,     "password_too_weak",     400 },
    { KITH_ERROR_EMAIL_TAKEN,           "email_taken",           409 },
    { KITH_ERROR_EMAIL_READ_ONLY,       "email_read_only",       400 },
    { KITH_ERROR_INVALID_CREDENTIALS,   "invalid_credentials",   401 },
    { KITH_ERROR_UNAUTHORIZED,          "unauthorized",          401 },
    { KITH_ERROR_FORBIDDEN,             "forbidden",             403 },
    { KITH_ERROR_NOT_FOUND,             "not_found",             404 },
    { KITH_ERROR_METHOD_NOT_ALLOWED,    "method_not_allowed",    405 },
    { KITH_ERROR_RATE_LIMITED,          "rate_limited",          429 },
    { KITH_ERROR_CONFIRMATION_MISMATCH, "confirmation_mismatch", 400 },
    { KITH_ERROR_CONTACT_SUPPORT,       "contact_support",       403 },
    { KITH_ERROR_INVALID_RESET_TOKEN,   "invalid_reset_token",   400 },
    { KITH_ERROR_NOT_CONTACT,           "not_contact",           403 },
    { KITH_ERROR_ALREADY_CONTACT,       "already_contact",       409 },
    { KITH_ERROR_NOT_SIGNED_IN,         "not_signed_in",         400 },
    { KITH_ERROR_UNSUPPORTED_FLOW,      "unsupported_flow",      400 },
    { KITH_ERROR_NETWORK,               "network",               500 },
    { KITH_ERROR_CANCELLED,             "cancelled",             500 },
    { KITH_ERROR_KEYRING,               "keyring",               500 },
    { KITH_ERROR_STORAGE,               "storage",               500 },
    { KITH_ERROR_PROTOCOL,              "protocol",              500 },
    { KITH_ERROR_CERTIFICATE,           "certificate",           500 },
    { KITH_ERROR_UNENCRYPTED,           "unencrypted",           500 },
    { KITH_ERROR_MEDIA,                 "media",                 500 },
    { KITH_ERROR_INVALID_OIDC_CODE,     "invalid_oidc_code",     400 },
  };

  g_assert_cmpuint (G_N_ELEMENTS (table), ==, KITH_ERROR_LAST + 1);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++) {
    g_assert_cmpstr (kith_error_code_to_string (table[i].code), ==, table[i].str);
    g_assert_cmpuint (kith_error_code_http_status (table[i].code), ==, table[i].status);
  }

  /* Out of range codes do not crash. */
  g_assert_cmpstr (kith_error_code_to_string (KITH_ERROR_LAST + 1), ==, "internal");
  g_assert_cmpuint (kith_error_code_http_status (KITH_ERROR_LAST + 1), ==, 500);
}

static void
test_error_describe (void)
{
  static const struct {
    KithErrorCode code;
    const char   *text;
  } expected[] = {
    /* The sentences the app and the service tests show and assert. */
    { KITH_ERROR_EMAIL_TAKEN,           "An account with this email address already exists." },
    { KITH_ERROR_PASSWORD_TOO_WEAK,     "The password is too weak." },
    { KITH_ERROR_CONFIRMATION_MISMATCH, "The email address you typed does not match your account." },
    { KITH_ERROR_CONTACT_SUPPORT,       "Accounts on a paid plan are closed by our support team. Please contact support." },
    { KITH_ERROR_INVALID_CREDENTIALS,   "Wrong email or password." },
    { KITH_ERROR_NETWORK,               "The server cannot be reached." },
    { KITH_ERROR_INVALID_EMAIL,         "This is not a valid email address." },
    { KITH_ERROR_ALREADY_CONTACT,       "This person is already one of your contacts." },
    { KITH_ERROR_UNAUTHORIZED,          "Your session has ended. Please sign in again." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (kith_error_code_describe (expected[i].code), ==, expected[i].text);

  /* Every code has a whole sentence for a person, not a wire name. */
  for (int code = 0; code <= KITH_ERROR_LAST; code++) {
    const char *text = kith_error_code_describe (code);

    g_assert_nonnull (text);
    g_assert_true (g_ascii_isupper (text[0]));
    g_assert_true (g_str_has_suffix (text, "."));
    g_assert_null (strchr (text, '_'));
  }

  /* Out of range codes get the generic sentence. */
  g_assert_cmpstr (kith_error_code_describe (KITH_ERROR_LAST + 1), ==,
                   kith_error_code_describe (KITH_ERROR_INTERNAL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/error/quark", test_error_quark);
  g_test_add_func ("/error/unique-strings", test_error_unique_strings);
  g_test_add_func ("/error/round-trip", test_error_round_trip);
  g_test_add_func ("/error/unknown-string", test_error_unknown_string);
  g_test_add_func ("/error/http-status", test_error_http_status);
  g_test_add_func ("/error/describe", test_error_describe);

  return g_test_run ();
}
