/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestBody"

#include "config.h"

#include <string.h>

#include "kith-password-policy.h"
#include "kith-protocol.h"
#include "protocol-test-util.h"

static KithBody *
body_ok (KithBodyType  type,
         const char   *json)
{
  g_autoptr (GError) error = NULL;
  KithBody *body = kith_body_parse (type, json, strlen (json), &error);

  if (error != NULL)
    g_error ("parsing body %s failed: %s", json, error->message);

  return body;
}

static void
assert_body_error (KithBodyType  type,
                   const char   *json,
                   int           code,
                   const char   *mention)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithBody) body = kith_body_parse (type, json, strlen (json), &error);

  if (body != NULL)
    g_error ("body %s should fail with %s", json, kith_error_code_to_string (code));
  if (error->domain != KITH_ERROR || error->code != code)
    g_error ("body %s: expected %s, got %s (%s)", json, kith_error_code_to_string (code),
             kith_error_code_to_string (error->code), error->message);
  if (mention != NULL && strstr (error->message, mention) == NULL)
    g_error ("body %s: message “%s” does not name “%s”", json, error->message, mention);
}

static void
assert_body_round_trip (const KithBody *body)
{
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  g_autoptr (KithBody) parsed = NULL;
  g_autoptr (GError) error = NULL;
  gsize length = 0;

  json = kith_body_to_json (body, &length);
  g_assert_cmpuint (length, ==, strlen (json));
  parsed = kith_body_parse (body->type, json, length, &error);
  g_assert_no_error (error);
  again = kith_body_to_json (parsed, NULL);
  g_assert_cmpstr (again, ==, json);
}

static void
test_body_sign_up (void)
{
  g_autoptr (KithBody) body = NULL;

  body = body_ok (KITH_BODY_SIGN_UP, "{\"email\":\"ada@example.com\",\"password\":\"weak\","
                  "\"first_name\":\"  Ada \",\"last_name\":\"Lovelace\",\"extra\":1}");
  g_assert_cmpstr (body->email, ==, "ada@example.com");
  g_assert_cmpstr (body->password, ==, "weak");  /* the policy is not checked here */
  g_assert_cmpstr (body->first_name, ==, "Ada");
  g_assert_cmpstr (body->last_name, ==, "Lovelace");
  assert_body_round_trip (body);

  assert_body_error (KITH_BODY_SIGN_UP, "{\"password\":\"x\",\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“email”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“password”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\",\"first_name\":\" \",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\",\"first_name\":\"A\",\"last_name\":\"\"}",
                     KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"not-an-email\",\"password\":\"x\",\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_EMAIL, NULL);
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":5,\"password\":\"x\",\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“email”");
  assert_body_error (KITH_BODY_SIGN_UP, "[]", KITH_ERROR_INVALID_JSON, NULL);
  assert_body_error (KITH_BODY_SIGN_UP, "{email:1}", KITH_ERROR_INVALID_JSON, NULL);
}

static void
test_body_log_in (void)
{
  g_autoptr (KithBody) body = NULL;
  g_autoptr (KithBody) oidc = NULL;
  g_autoptr (KithBody) mobile = NULL;

  body = body_ok (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\",\"password\":\"Password3!\"}");
  g_assert_cmpstr (body->device_name, ==, "Kith");
  g_assert_cmpint (body->device_kind, ==, KITH_DEVICE_DESKTOP);
  g_assert_true (body->present & KITH_FIELD_EMAIL);
  g_assert_true (body->present & KITH_FIELD_PASSWORD);
  g_assert_false (body->present & KITH_FIELD_OIDC);
  assert_body_round_trip (body);

  mobile = body_ok (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\",\"password\":\"p\","
                    "\"device_name\":\"Ada's phone\",\"device_kind\":\"mobile\"}");
  g_assert_cmpstr (mobile->device_name, ==, "Ada's phone");
  g_assert_cmpint (mobile->device_kind, ==, KITH_DEVICE_MOBILE);
  assert_body_round_trip (mobile);

  oidc = body_ok (KITH_BODY_LOG_IN, "{\"oidc_code\":\"code\",\"oidc_verifier\":\"ver\","
                  "\"oidc_redirect_uri\":\"http://127.0.0.1:1234/cb\"}");
  g_assert_true (oidc->present & KITH_FIELD_OIDC);
  g_assert_cmpstr (oidc->oidc_code, ==, "code");
  g_assert_cmpstr (oidc->oidc_verifier, ==, "ver");
  g_assert_cmpstr (oidc->oidc_redirect_uri, ==, "http://127.0.0.1:1234/cb");
  g_assert_null (oidc->email);
  assert_body_round_trip (oidc);

  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\"}", KITH_ERROR_INVALID_FIELD, "“password”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"password\":\"x\"}", KITH_ERROR_INVALID_FIELD, "“email”");
  assert_body_error (KITH_BODY_LOG_IN, "{}", KITH_ERROR_INVALID_FIELD, NULL);
  assert_body_error (KITH_BODY_LOG_IN, "{\"oidc_code\":\"c\"}", KITH_ERROR_INVALID_FIELD, "“oidc_verifier”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"oidc_code\":\"c\",\"oidc_verifier\":\"v\",\"email\":\"a@b.co\",\"password\":\"p\"}",
                     KITH_ERROR_INVALID_FIELD, NULL);
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"a@b.co\",\"password\":\"p\",\"device_kind\":\"tablet\"}",
                     KITH_ERROR_INVALID_FIELD, "“device_kind”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"a@b.co\",\"password\":\"p\",\"device_name\":7}",
                     KITH_ERROR_INVALID_FIELD, "“device_name”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"a@@b.co\",\"password\":\"p\"}", KITH_ERROR_INVALID_EMAIL, NULL);
}

static void
test_body_profile_update (void)
{
  g_autoptr (KithBody) empty = NULL;
  g_autoptr (KithBody) names = NULL;
  g_autoptr (KithBody) notify = NULL;

  empty = body_ok (KITH_BODY_PROFILE_UPDATE, "{}");
  g_assert_cmpint (empty->present, ==, 0);
  assert_body_round_trip (empty);

  names = body_ok (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\" Augusta \",\"last_name\":\"King\"}");
  g_assert_cmpint (names->present, ==, KITH_FIELD_FIRST_NAME | KITH_FIELD_LAST_NAME);
  g_assert_cmpstr (names->first_name, ==, "Augusta");
  assert_body_round_trip (names);

  notify = body_ok (KITH_BODY_PROFILE_UPDATE, "{\"offline_email_notification\":false}");
  g_assert_cmpint (notify->present, ==, KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION);
  g_assert_false (notify->offline_email_notification);
  assert_body_round_trip (notify);
  {
    g_autofree char *json = kith_body_to_json (notify, NULL);
    g_assert_cmpstr (json, ==, "{\"offline_email_notification\":false}");
  }

  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"email\":\"new@example.com\"}",
                     KITH_ERROR_EMAIL_READ_ONLY, "cannot be changed");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\"A\",\"email\":null}",
                     KITH_ERROR_EMAIL_READ_ONLY, NULL);
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\"   \"}", KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"last_name\":\"\"}", KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"last_name\":null}", KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"offline_email_notification\":\"yes\"}",
                     KITH_ERROR_INVALID_FIELD, "“offline_email_notification”");
  {
    g_autofree char *long_name = frame_with_string ("{\"first_name\":\"", KITH_MAX_NAME_BYTES + 1, "\"}");
    assert_body_error (KITH_BODY_PROFILE_UPDATE, long_name, KITH_ERROR_TOO_LONG, "“first_name”");
  }
}

static void
test_body_others (void)
{
  g_autoptr (KithBody) change = NULL;
  g_autoptr (KithBody) reset = NULL;
  g_autoptr (KithBody) confirm = NULL;
  g_autoptr (KithBody) del = NULL;
  g_autoptr (KithBody) add = NULL;

  change = body_ok (KITH_BODY_PASSWORD_CHANGE, "{\"current_password\":\"old\",\"new_password\":\"New1!pass\"}");
  g_assert_cmpstr (change->current_password, ==, "old");
  g_assert_cmpstr (change->new_password, ==, "New1!pass");
  assert_body_round_trip (change);
  assert_body_error (KITH_BODY_PASSWORD_CHANGE, "{\"current_password\":\"old\"}", KITH_ERROR_INVALID_FIELD, "“new_password”");
  {
    g_autofree char *long_pw = frame_with_string ("{\"current_password\":\"x\",\"new_password\":\"",
                                                  KITH_PASSWORD_MAX_BYTES + 1, "\"}");
    assert_body_error (KITH_BODY_PASSWORD_CHANGE, long_pw, KITH_ERROR_TOO_LONG, "“new_password”");
  }

  reset = body_ok (KITH_BODY_RESET_REQUEST, "{\"email\":\"ada@example.com\"}");
  g_assert_cmpstr (reset->email, ==, "ada@example.com");
  assert_body_round_trip (reset);
  assert_body_error (KITH_BODY_RESET_REQUEST, "{\"email\":\"ada@localhost\"}", KITH_ERROR_INVALID_EMAIL, NULL);

  confirm = body_ok (KITH_BODY_RESET_CONFIRM, "{\"token\":\"t0k\",\"password\":\"Abcdef1!\"}");
  g_assert_cmpstr (confirm->token, ==, "t0k");
  assert_body_round_trip (confirm);
  assert_body_error (KITH_BODY_RESET_CONFIRM, "{\"token\":\"\",\"password\":\"x\"}", KITH_ERROR_INVALID_FIELD, "“token”");

  del = body_ok (KITH_BODY_DELETE_ACCOUNT, "{\"confirm_email\":\"whatever typed\"}");
  g_assert_cmpstr (del->confirm_email, ==, "whatever typed");
  assert_body_round_trip (del);
  assert_body_error (KITH_BODY_DELETE_ACCOUNT, "{}", KITH_ERROR_INVALID_FIELD, "“confirm_email”");

  add = body_ok (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob@example.org\"}");
  g_assert_cmpstr (add->email, ==, "bob@example.org");
  assert_body_round_trip (add);
  assert_body_error (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob\"}", KITH_ERROR_INVALID_EMAIL, NULL);
}

static void
test_body_oversize (void)
{
  g_autoptr (GString) json = g_string_new ("{\"email\":\"a@b.co\"");
  g_autoptr (GError) error = NULL;
  g_autoptr (KithBody) body = NULL;

  while (json->len < KITH_MAX_BODY_BYTES - 1)
    g_string_append_c (json, ' ');
  g_string_append_c (json, '}');
  body = kith_body_parse (KITH_BODY_CONTACT_ADD, json->str, json->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (body);
  g_clear_pointer (&body, kith_body_free);

  g_string_append_c (json, ' ');
  body = kith_body_parse (KITH_BODY_CONTACT_ADD, json->str, json->len, &error);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_PAYLOAD_TOO_LARGE);
  g_assert_null (body);
}

static void
test_body_nul (void)
{
  /* a password cut at the NUL would match on its prefix */
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"ada@example.com\",\"password\":\"Secret#123\\u0000tail\","
                     "\"first_name\":\"Ada\",\"last_name\":\"L\"}", KITH_ERROR_INVALID_FIELD, "“password”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\",\"password\":\"Secret#123\\u0000\"}",
                     KITH_ERROR_INVALID_FIELD, "“password”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\\u0000.evil\",\"password\":\"p\"}",
                     KITH_ERROR_INVALID_FIELD, "“email”");
  assert_body_error (KITH_BODY_PASSWORD_CHANGE, "{\"current_password\":\"a\\u0000\",\"new_password\":\"b\"}",
                     KITH_ERROR_INVALID_FIELD, "“current_password”");
  assert_body_error (KITH_BODY_RESET_CONFIRM, "{\"token\":\"t\\u0000\",\"password\":\"p\"}",
                     KITH_ERROR_INVALID_FIELD, "“token”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\"Ada\\u0000Evil\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_DELETE_ACCOUNT, "{\"confirm_email\":\"a@b.co\\u0000\"}",
                     KITH_ERROR_INVALID_FIELD, "“confirm_email”");
  assert_body_error (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob@example.org\",\"note\":\"\\u0000\"}",
                     KITH_ERROR_INVALID_FIELD, "“note”");
}

/* Names and emails go into mails and onto other people's screens: every
 * body with a name or an email checks it (test-text-rules has the rule). */
static void
test_body_control_characters (void)
{
  /* every body with a name checks it, before trimming */
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\","
                     "\"first_name\":\"Eve\\r\\nBcc: evil@example.com\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\","
                     "\"first_name\":\"Eve\",\"last_name\":\"B\\n\"}",
                     KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\","
                     "\"first_name\":\"Eve\\u2028\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "control characters");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\"Eve\\u0085\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"last_name\":\"\\tEve\"}",
                     KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"a@b.co\",\"password\":\"p\",\"device_name\":\"Phone\\u007f\"}",
                     KITH_ERROR_INVALID_FIELD, "“device_name”");
  /* emails: invalid_email, saying why */
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\\u0085\",\"password\":\"x\","
                     "\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_EMAIL, "control characters");
  assert_body_error (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob@example.org\\r\\nBcc: evil@example.com\"}",
                     KITH_ERROR_INVALID_EMAIL, "control characters");
  assert_body_error (KITH_BODY_RESET_REQUEST, "{\"email\":\"bob@exa\\u2029mple.org\"}",
                     KITH_ERROR_INVALID_EMAIL, "control characters");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"bob@example.org\\t\",\"password\":\"p\"}",
                     KITH_ERROR_INVALID_EMAIL, "control characters");
  assert_body_error (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob\"}", KITH_ERROR_INVALID_EMAIL, "does not look like");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/body/sign-up", test_body_sign_up);
  g_test_add_func ("/body/log-in", test_body_log_in);
  g_test_add_func ("/body/profile-update", test_body_profile_update);
  g_test_add_func ("/body/others", test_body_others);
  g_test_add_func ("/body/oversize", test_body_oversize);
  g_test_add_func ("/body/nul", test_body_nul);
  g_test_add_func ("/body/control-characters", test_body_control_characters);

  return g_test_run ();
}
