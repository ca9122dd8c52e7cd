/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestRest"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

#define PASSWORD "Secret#123"

static KithdTestServer *server;
static guint user_counter;

static char *
new_email (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_strdup_printf ("%s%u@example.com", lower, ++user_counter);
}

static KithdTestUser *
new_user (const char *first)
{
  g_autofree char *email = new_email (first);

  return kithd_test_server_sign_up (server, email, PASSWORD, first, "Tester");
}

static char *
call (const char *method,
      const char *path,
      const char *token,
      const char *body,
      guint       expected_status,
      const char *expected_code)
{
  return kithd_test_server_call (server, method, path, token, body, expected_status, expected_code);
}

#define CALL(m, p, t, b, s, c) g_free (call (m, p, t, b, s, c))

static void
test_server_info (void)
{
  g_autofree char *body = call ("GET", "/api/v1/server", NULL, NULL, 200, NULL);
  g_autoptr (JsonObject) info = kithd_test_parse_object (body);
  JsonArray *flows = json_object_get_array_member (info, "login_flows");

  g_assert_cmpint (json_object_get_int_member (info, "protocol"), ==, 1);
  g_assert_cmpuint (json_array_get_length (flows), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (flows, 0), ==, "password");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (info, "password_policy"),
                                               "min_length"), ==, 8);

  CALL ("GET", "/api/v1/nothing", NULL, NULL, 404, "not_found");
  CALL ("GET", "/api/v1/contacts/abc", NULL, NULL, 404, "not_found");
  CALL ("PUT", "/api/v1/server", NULL, NULL, 405, "method_not_allowed");
  CALL ("GET", "/api/v1/accounts", NULL, NULL, 405, "method_not_allowed");
}

static void
test_sign_up (void)
{
  g_autofree char *email = new_email ("ada");
  g_autofree char *upper = g_ascii_strup (email, -1);
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\", "
                                           "\"first_name\": \"Ada\", \"last_name\": \"Lovelace\"}", email);
  g_autofree char *again = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\", "
                                            "\"first_name\": \"Ada\", \"last_name\": \"Lovelace\"}", upper);
  g_autofree char *response = call ("POST", "/api/v1/accounts", NULL, body, 201, NULL);
  g_autoptr (JsonObject) object = kithd_test_parse_object (response);
  JsonObject *user = json_object_get_object_member (object, "user");
  g_autofree char *long_name = g_strnfill (101, 'x');
  g_autofree char *too_long = g_strdup_printf ("{\"email\": \"x%u@example.com\", \"password\": \"" PASSWORD "\", "
                                               "\"first_name\": \"%s\", \"last_name\": \"L\"}", user_counter, long_name);
  g_autofree char *huge = NULL;
  gint64 users_before;

  g_assert_cmpuint (strlen (json_object_get_string_member (object, "token")), ==, 43);
  g_assert_cmpstr (json_object_get_string_member (user, "email"), ==, email);
  g_assert_cmpstr (json_object_get_string_member (user, "first_name"), ==, "Ada");
  g_assert_true (json_object_get_boolean_member (user, "offline_email_notification"));
  g_assert_cmpstr (json_object_get_string_member (user, "plan"), ==, "free");

  users_before = kithd_test_server_db_count (server, "users", NULL);

  /* The same email in another case is taken. */
  CALL ("POST", "/api/v1/accounts", NULL, again, 409, "email_taken");
  CALL ("POST", "/api/v1/accounts", NULL, "{\"email\": \"b@example.com\", \"password\": \"weakpass\", "
        "\"first_name\": \"B\", \"last_name\": \"C\"}", 400, "password_too_weak");
  CALL ("POST", "/api/v1/accounts", NULL, "{\"email\": ", 400, "invalid_json");
  CALL ("POST", "/api/v1/accounts", NULL, "[1, 2]", 400, "invalid_json");
  CALL ("POST", "/api/v1/accounts", NULL, "", 400, "invalid_json");
  CALL ("POST", "/api/v1/accounts", NULL, "{\"email\": 5, \"password\": \"" PASSWORD "\", "
        "\"first_name\": \"B\", \"last_name\": \"C\"}", 400, "invalid_field");
  CALL ("POST", "/api/v1/accounts", NULL, "{\"email\": \"c@example.com\", \"password\": \"" PASSWORD "\", "
        "\"first_name\": \"B\"}", 400, "invalid_field");
  CALL ("POST", "/api/v1/accounts", NULL, "{\"email\": \"not-an-email\", \"password\": \"" PASSWORD "\", "
        "\"first_name\": \"B\", \"last_name\": \"C\"}", 400, "invalid_email");
  CALL ("POST", "/api/v1/accounts", NULL, too_long, 400, "too_long");

  /* Over 64 KiB: refused before it is read. */
  huge = g_strnfill (70 * 1024, ' ');
  huge[0] = '{';
  huge[70 * 1024 - 1] = '}';
  CALL ("POST", "/api/v1/accounts", NULL, huge, 413, "payload_too_large");

  /* Nothing of the refused calls was stored. */
  g_assert_cmpint (kithd_test_server_db_count (server, "users", NULL), ==, users_before);
}

/* json-glib would cut a string at a \u0000: a password would then be its
 * prefix (and a log-in match on it). Refused in every body; nothing changes. */
static void
test_nul_refused (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *email = new_email ("nul");
  g_autofree char *sign_up = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\\u0000tail\", "
                                              "\"first_name\": \"Nul\", \"last_name\": \"Tester\"}", email);
  g_autofree char *sign_up_name = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\", "
                                                   "\"first_name\": \"Nul\\u0000Evil\", \"last_name\": \"Tester\"}", email);
  g_autofree char *sign_up_email = g_strdup_printf ("{\"email\": \"%s\\u0000.evil\", \"password\": \"" PASSWORD "\", "
                                                    "\"first_name\": \"Nul\", \"last_name\": \"Tester\"}", email);
  g_autofree char *log_in = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\\u0000anything\"}",
                                             ada->email);
  g_autofree char *where = g_strdup_printf ("email = '%s'", email);
  g_autofree char *response = NULL;
  gint64 users_before = kithd_test_server_db_count (server, "users", NULL);
  gint64 sessions_before = kithd_test_server_db_count (server, "sessions", NULL);

  response = call ("POST", "/api/v1/accounts", NULL, sign_up, 400, "invalid_field");
  g_assert_nonnull (strstr (response, "password"));
  CALL ("POST", "/api/v1/accounts", NULL, sign_up_name, 400, "invalid_field");
  CALL ("POST", "/api/v1/accounts", NULL, sign_up_email, 400, "invalid_field");
  g_assert_cmpint (kithd_test_server_db_count (server, "users", where), ==, 0);
  g_assert_cmpint (kithd_test_server_db_count (server, "users", NULL), ==, users_before);

  /* The right password followed by \u0000 and more does not log in. */
  CALL ("POST", "/api/v1/sessions", NULL, log_in, 400, "invalid_field");
  g_assert_cmpint (kithd_test_server_db_count (server, "sessions", NULL), ==, sessions_before);

  CALL ("PUT", "/api/v1/me/password", ada->token,
        "{\"current_password\": \"" PASSWORD "\", \"new_password\": \"New#Secret9\\u0000\"}", 400, "invalid_field");
  CALL ("PATCH", "/api/v1/me", ada->token, "{\"first_name\": \"Ada\\u0000Evil\"}", 400, "invalid_field");
  g_clear_pointer (&response, g_free);
  response = call ("GET", "/api/v1/me", ada->token, NULL, 200, NULL);
  g_assert_nonnull (strstr (response, "\"first_name\":\"Ada\""));
  g_free (kithd_test_server_log_in (server, ada->email, PASSWORD, NULL));
}

static char *
sign_up_body (const char *email,
              const char *first,
              const char *last)
{
  return g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\", "
                          "\"first_name\": \"%s\", \"last_name\": \"%s\"}", email, first, last);
}

/* Names go into mails to other people (the offline notice names the
 * sender) and onto their screens: no line breaks or other control
 * characters, in names or in emails, wherever they come in. */
static void
test_control_characters (void)
{
  static const char * const bad_names[] = {
    "Eve\\r\\nBcc: evil@example.com",
    "Eve\\n",
    "Eve\\tTab",
    "Eve\\u007f",
    "Eve\\u0085",           /* C1: next line */
    "Eve\xc2\x9b",          /* C1, raw UTF-8 */
    "Eve\\u2028Bcc",        /* line separator */
    "Eve\xe2\x80\xa9",      /* paragraph separator, raw UTF-8 */
  };
  static const char * const bad_emails[] = {
    "eve@example.com\\u0085",
    "eve\\u2028@example.com",
    "eve@example.com\\r\\nBcc: evil@example.com",
  };
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (GSubprocess) admin = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *email = new_email ("eve");
  g_autofree char *where = g_strdup_printf ("email = '%s'", email);
  g_autofree char *response = NULL;
  gint64 users_before = kithd_test_server_db_count (server, "users", NULL);
  gint64 mails_before = kithd_test_server_db_count (server, "mail_queue", NULL);
  gint64 sessions_before = kithd_test_server_db_count (server, "sessions", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++) {
    g_autofree char *first = sign_up_body (email, bad_names[i], "Tester");
    g_autofree char *last = sign_up_body (email, "Eve", bad_names[i]);
    g_autofree char *patch = g_strdup_printf ("{\"first_name\": \"%s\"}", bad_names[i]);
    g_autofree char *patch_last = g_strdup_printf ("{\"last_name\": \"%s\"}", bad_names[i]);
    g_autofree char *log_in = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\", "
                                               "\"device_name\": \"%s\"}", ada->email, bad_names[i]);

    g_clear_pointer (&response, g_free);
    response = call ("POST", "/api/v1/accounts", NULL, first, 400, "invalid_field");
    g_assert_nonnull (strstr (response, "first_name"));
    g_assert_nonnull (strstr (response, "control characters"));
    CALL ("POST", "/api/v1/accounts", NULL, last, 400, "invalid_field");
    CALL ("PATCH", "/api/v1/me", ada->token, patch, 400, "invalid_field");
    CALL ("PATCH", "/api/v1/me", ada->token, patch_last, 400, "invalid_field");
    CALL ("POST", "/api/v1/sessions", NULL, log_in, 400, "invalid_field");
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad_emails); i++) {
    g_autofree char *body = sign_up_body (bad_emails[i], "Eve", "Tester");
    g_autofree char *just_email = g_strdup_printf ("{\"email\": \"%s\"}", bad_emails[i]);

    g_clear_pointer (&response, g_free);
    response = call ("POST", "/api/v1/accounts", NULL, body, 400, "invalid_email");
    g_assert_nonnull (strstr (response, "control characters"));
    CALL ("POST", "/api/v1/password-reset", NULL, just_email, 400, "invalid_email");
    CALL ("POST", "/api/v1/contacts", ada->token, just_email, 400, "invalid_email");
  }

  /* kithd admin create-user refuses them too. */
  admin = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, g_getenv ("KITHD"), "admin", "--data-dir",
                            kithd_test_server_get_data_dir (server), "create-user", email,
                            "Eve\r\nBcc: evil@example.com", "Tester", "--password", PASSWORD, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (admin, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (admin), ==, 1);

  /* Nothing changed. */
  g_assert_cmpint (kithd_test_server_db_count (server, "users", where), ==, 0);
  g_assert_cmpint (kithd_test_server_db_count (server, "users", NULL), ==, users_before);
  g_assert_cmpint (kithd_test_server_db_count (server, "mail_queue", NULL), ==, mails_before);
  g_assert_cmpint (kithd_test_server_db_count (server, "sessions", NULL), ==, sessions_before);
  g_clear_pointer (&response, g_free);
  response = call ("GET", "/api/v1/me", ada->token, NULL, 200, NULL);
  g_assert_nonnull (strstr (response, "\"first_name\":\"Ada\",\"last_name\":\"Tester\""));

  /* Names in any script, with inner spaces and punctuation, are fine. */
  {
    g_autofree char *fine = sign_up_body (email, "  Zoë Anne ", "O’Brien-Łukasiewicz 日本");

    g_clear_pointer (&response, g_free);
    response = call ("POST", "/api/v1/accounts", NULL, fine, 201, NULL);
    g_assert_nonnull (strstr (response, "\"first_name\":\"Zoë Anne\""));
  }
}

/* A body without Content-Length (chunked): 411, over a raw connection. */
static void
test_length_required (void)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  const char *request = "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                        "2\r\n{}\r\n0\r\n\r\n";
  char buf[512] = "";
  gsize n = 0;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", kithd_test_server_get_port (server), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request, strlen (request),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, sizeof buf - 1, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 411"));
}

static void
test_log_in (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *token = kithd_test_server_log_in (server, ada->email, PASSWORD, "mobile");
  g_autofree char *wrong = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"Wrong#1234\"}", ada->email);
  g_autofree char *me = NULL;

  g_assert_cmpstr (token, !=, ada->token);
  me = call ("GET", "/api/v1/me", token, NULL, 200, NULL);

  CALL ("POST", "/api/v1/sessions", NULL, wrong, 401, "invalid_credentials");
  CALL ("POST", "/api/v1/sessions", NULL, "{\"email\": \"nobody@example.com\", \"password\": \"Wrong#1234\"}",
        401, "invalid_credentials");
  CALL ("POST", "/api/v1/sessions", NULL, "{\"email\": \"x@example.com\"}", 400, NULL);
  CALL ("POST", "/api/v1/sessions", NULL, "{\"email\": \"x@example.com\", \"password\": \"Secret#123\", "
        "\"device_kind\": \"toaster\"}", 400, "invalid_field");
  CALL ("POST", "/api/v1/sessions", NULL, "{\"oidc_code\": \"x\", \"oidc_verifier\": \"y\", "
        "\"oidc_redirect_uri\": \"http://127.0.0.1/cb\"}", 400, NULL);
}

static void
test_authorization_header (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *bad = g_strconcat (ada->token, "x", NULL);
  g_autofree char *path = g_strdup_printf ("%s/api/v1/me", kithd_test_server_get_url (server));
  const char *headers[] = { NULL, "Basic YWRhOnB3", "Bearer", "Bearer ", "Bearer a b", "Bearer !!!!" };

  CALL ("GET", "/api/v1/me", NULL, NULL, 401, "unauthorized");
  CALL ("GET", "/api/v1/me", bad, NULL, 401, "unauthorized");
  /* No token: 401 whatever the body. */
  CALL ("PATCH", "/api/v1/me", NULL, "not json", 401, "unauthorized");
  CALL ("GET", "/api/v1/contacts", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, 401, "unauthorized");

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++) {
    g_autoptr (SoupSession) session = soup_session_new ();
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", path);
    g_autoptr (GBytes) reply = NULL;

    if (headers[i])
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", headers[i]);
    reply = soup_session_send_and_read (session, msg, NULL, NULL);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 401);
  }
}

static void
test_log_out (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *other = kithd_test_server_log_in (server, ada->email, PASSWORD, NULL);

  CALL ("DELETE", "/api/v1/sessions/current", ada->token, NULL, 204, NULL);
  CALL ("GET", "/api/v1/me", ada->token, NULL, 401, "unauthorized");
  CALL ("DELETE", "/api/v1/sessions/current", ada->token, NULL, 401, "unauthorized");
  /* The other session is untouched. */
  CALL ("GET", "/api/v1/me", other, NULL, 200, NULL);
}

static void
test_profile (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *response = NULL;
  g_autoptr (JsonObject) me = NULL;
  g_autofree char *long_name = g_strnfill (101, 'x');
  g_autofree char *too_long = g_strdup_printf ("{\"last_name\": \"%s\"}", long_name);

  response = call ("PATCH", "/api/v1/me", ada->token,
                   "{\"first_name\": \"Augusta\", \"offline_email_notification\": false}", 200, NULL);
  me = kithd_test_parse_object (response);
  g_assert_cmpstr (json_object_get_string_member (me, "first_name"), ==, "Augusta");
  g_assert_cmpstr (json_object_get_string_member (me, "last_name"), ==, "Tester");
  g_assert_false (json_object_get_boolean_member (me, "offline_email_notification"));
  g_clear_pointer (&me, json_object_unref);
  g_clear_pointer (&response, g_free);

  response = call ("GET", "/api/v1/me", ada->token, NULL, 200, NULL);
  me = kithd_test_parse_object (response);
  g_assert_cmpstr (json_object_get_string_member (me, "first_name"), ==, "Augusta");
  g_assert_false (json_object_get_boolean_member (me, "offline_email_notification"));
  g_assert_cmpstr (json_object_get_string_member (me, "email"), ==, ada->email);

  /* The email cannot change. */
  CALL ("PATCH", "/api/v1/me", ada->token, "{\"email\": \"new@example.com\"}", 400, "email_read_only");
  CALL ("PATCH", "/api/v1/me", ada->token, "{\"first_name\": 7}", 400, "invalid_field");
  CALL ("PATCH", "/api/v1/me", ada->token, "{\"offline_email_notification\": \"yes\"}", 400, "invalid_field");
  CALL ("PATCH", "/api/v1/me", ada->token, too_long, 400, "too_long");
  CALL ("PATCH", "/api/v1/me", ada->token, "nope", 400, "invalid_json");
  CALL ("PATCH", "/api/v1/me", NULL, "{\"first_name\": \"X\"}", 401, "unauthorized");

  g_clear_pointer (&response, g_free);
  response = call ("GET", "/api/v1/me", ada->token, NULL, 200, NULL);
  g_assert_nonnull (strstr (response, ada->email));
  g_assert_nonnull (strstr (response, "Augusta"));
}

static void
test_password_change (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *other = kithd_test_server_log_in (server, ada->email, PASSWORD, NULL);
  g_autofree char *relog = NULL;
  g_autofree char *old_login = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\"}", ada->email);

  CALL ("PUT", "/api/v1/me/password", ada->token,
        "{\"current_password\": \"Wrong#1234\", \"new_password\": \"Better#456\"}", 401, "invalid_credentials");
  CALL ("PUT", "/api/v1/me/password", ada->token,
        "{\"current_password\": \"" PASSWORD "\", \"new_password\": \"short\"}", 400, "password_too_weak");
  CALL ("PUT", "/api/v1/me/password", ada->token,
        "{\"current_password\": \"" PASSWORD "\"}", 400, "invalid_field");
  /* Nothing changed so far. */
  CALL ("GET", "/api/v1/me", other, NULL, 200, NULL);

  CALL ("PUT", "/api/v1/me/password", ada->token,
        "{\"current_password\": \"" PASSWORD "\", \"new_password\": \"Better#456\"}", 204, NULL);
  /* This session goes on, every other one is revoked. */
  CALL ("GET", "/api/v1/me", ada->token, NULL, 200, NULL);
  CALL ("GET", "/api/v1/me", other, NULL, 401, "unauthorized");
  relog = kithd_test_server_log_in (server, ada->email, "Better#456", NULL);
  CALL ("POST", "/api/v1/sessions", NULL, old_login, 401, "invalid_credentials");
}

static char *
reset_token_from_mail (const char *path)
{
  g_autofree char *contents = NULL;
  const char *start;
  const char *end;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "24 hours"));
  g_assert_nonnull (strstr (contents, "ignore"));
  start = strstr (contents, "/account/password-reset?token=");
  g_assert_nonnull (start);
  start += strlen ("/account/password-reset?token=");
  end = start;
  while (g_ascii_isalnum (*end) || *end == '-' || *end == '_')
    end++;
  return g_strndup (start, end - start);
}

/* How many mails kithd's outbox holds now. */
static guint
outbox_count (void)
{
  g_autoptr (GPtrArray) files = kithd_test_server_outbox_files (server);

  return files->len;
}

/* Waits until the outbox holds @n mails (asserted), then the reset token
 * in the mail at @index. */
static char *
wait_reset_token (guint n,
                  guint index)
{
  g_autoptr (GPtrArray) files = NULL;

  g_assert_cmpuint (kithd_test_server_wait_outbox (server, n, 10000), ==, n);
  files = kithd_test_server_outbox_files (server);
  return reset_token_from_mail (g_ptr_array_index (files, index));
}

static void
test_password_reset (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *request = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  g_autofree char *token = NULL;
  g_autofree char *confirm = NULL;
  g_autofree char *token2 = NULL;
  g_autofree char *confirm2 = NULL;
  guint before = outbox_count ();

  /* No hint whether an account exists: 202 either way, no mail for nobody. */
  CALL ("POST", "/api/v1/password-reset", NULL, "{\"email\": \"nobody@example.com\"}", 202, NULL);
  CALL ("POST", "/api/v1/password-reset", NULL, "{\"email\": 1}", 400, "invalid_field");
  CALL ("POST", "/api/v1/password-reset", NULL, request, 202, NULL);
  token = wait_reset_token (before + 1, before);
  g_assert_cmpuint (strlen (token), >=, 43);
  /* Stored hashed: the token itself is nowhere in the database. */
  {
    g_autofree char *where = g_strdup_printf ("token_hash = '%s'", token);

    g_assert_cmpint (kithd_test_server_db_count (server, "password_resets", where), ==, 0);
  }

  confirm = g_strdup_printf ("{\"token\": \"%s\", \"password\": \"Reset#7890\"}", token);
  CALL ("POST", "/api/v1/password-reset/confirm", NULL,
        "{\"token\": \"nonsense\", \"password\": \"Reset#7890\"}", 400, "invalid_reset_token");
  {
    g_autofree char *weak = g_strdup_printf ("{\"token\": \"%s\", \"password\": \"weak\"}", token);

    CALL ("POST", "/api/v1/password-reset/confirm", NULL, weak, 400, "password_too_weak");
  }
  CALL ("POST", "/api/v1/password-reset/confirm", NULL, confirm, 204, NULL);
  /* Every session is revoked, the new password works. */
  CALL ("GET", "/api/v1/me", ada->token, NULL, 401, "unauthorized");
  g_free (kithd_test_server_log_in (server, ada->email, "Reset#7890", NULL));
  /* Once only. */
  CALL ("POST", "/api/v1/password-reset/confirm", NULL, confirm, 400, "invalid_reset_token");

  /* A link older than 24 hours is dead. */
  CALL ("POST", "/api/v1/password-reset", NULL, request, 202, NULL);
  token2 = wait_reset_token (before + 2, before + 1);
  g_assert_cmpstr (token2, !=, token);
  confirm2 = g_strdup_printf ("{\"token\": \"%s\", \"password\": \"Later#7890\"}", token2);
  kithd_test_server_set_clock_offset (server, 24 * 3600 + 60);
  CALL ("POST", "/api/v1/password-reset/confirm", NULL, confirm2, 400, "invalid_reset_token");
  kithd_test_server_set_clock_offset (server, 0);
  g_free (kithd_test_server_log_in (server, ada->email, "Reset#7890", NULL));
}

static void
assert_private (const char *dir,
                const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    g_error ("%s: %s", path, g_strerror (errno));
  if ((st.st_mode & 0777) != 0600)
    g_error ("%s has mode %03o, expected 600", name, (guint) (st.st_mode & 0777));
}

/* kithd's database (hashes, messages, queued reset links) and its mail are
 * 0600 even in a data folder open to others and with a umask of 022. */
static void
test_private_files (void)
{
  KithdTestServer *saved = server;
  g_autoptr (KithdTestUser) ada = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autofree char *request = NULL;
  g_autofree char *mail_name = NULL;
  const char *dir;
  mode_t old_mask;

  server = kithd_test_server_new (NULL);
  dir = kithd_test_server_get_data_dir (server);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  old_mask = umask (022);
  kithd_test_server_restart (server);
  umask (old_mask);

  ada = new_user ("Ada");
  request = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  CALL ("POST", "/api/v1/password-reset", NULL, request, 202, NULL);
  g_assert_cmpuint (kithd_test_server_wait_outbox (server, 1, 10000), ==, 1);
  files = kithd_test_server_outbox_files (server);
  mail_name = g_path_get_basename (g_ptr_array_index (files, 0));

  /* While kithd runs: the database in WAL mode has all three. */
  assert_private (dir, "kithd.db");
  assert_private (dir, "kithd.db-wal");
  assert_private (dir, "kithd.db-shm");
  {
    g_autofree char *new_dir = g_build_filename (dir, "outbox", "new", NULL);

    assert_private (new_dir, mail_name);
  }

  kithd_test_server_free (server);
  server = saved;
}
/* A newer link ends older ones, and so does a password change. */
static void
test_reset_hygiene (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *request = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *body = NULL;
  guint before = outbox_count ();

  CALL ("POST", "/api/v1/password-reset", NULL, request, 202, NULL);
  first = wait_reset_token (before + 1, before);
  CALL ("POST", "/api/v1/password-reset", NULL, request, 202, NULL);
  second = wait_reset_token (before + 2, before + 1);

  body = g_strdup_printf ("{\"token\": \"%s\", \"password\": \"Reset#7890\"}", first);
  CALL ("POST", "/api/v1/password-reset/confirm", NULL, body, 400, "invalid_reset_token");
  g_free (body);
  body = g_strdup_printf ("{\"token\": \"%s\", \"password\": \"Reset#7890\"}", second);
  CALL ("POST", "/api/v1/password-reset/confirm", NULL, body, 204, NULL);

  /* A link asked for, then the password changed in the app: the link is dead. */
  g_free (ada->token);
  ada->token = kithd_test_server_log_in (server, ada->email, "Reset#7890", NULL);
  CALL ("POST", "/api/v1/password-reset", NULL, request, 202, NULL);
  third = wait_reset_token (before + 3, before + 2);
  CALL ("PUT", "/api/v1/me/password", ada->token,
        "{\"current_password\": \"Reset#7890\", \"new_password\": \"Changed#7890\"}", 204, NULL);
  g_free (body);
  body = g_strdup_printf ("{\"token\": \"%s\", \"password\": \"Again#7890\"}", third);
  CALL ("POST", "/api/v1/password-reset/confirm", NULL, body, 400, "invalid_reset_token");
  g_free (kithd_test_server_log_in (server, ada->email, "Changed#7890", NULL));
}

static void
test_delete_account (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestUser) cyd = new_user ("Cyd");
  g_autofree char *upper = g_ascii_strup (ada->email, -1);
  g_autofree char *confirm = g_strdup_printf ("{\"confirm_email\": \"%s\"}", upper);
  g_autofree char *reset = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  g_autofree char *other = kithd_test_server_log_in (server, ada->email, PASSWORD, "mobile");
  g_autofree char *response = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  {
    g_autofree char *ask = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);

    CALL ("POST", "/api/v1/contacts", cyd->token, ask, 201, NULL);
  }
  {
    /* Messages both ways, and a pending reset. */
    g_autoptr (KithdTestSocket) a = kithd_test_socket_connect (server, ada->token, 0);
    g_autoptr (KithdTestSocket) b = kithd_test_socket_connect (server, bob->token, 0);
    g_autoptr (JsonObject) ack1 = NULL;
    g_autoptr (JsonObject) ack2 = NULL;

    kithd_test_socket_send_printf (a, "{\"type\": \"message.send\", \"id\": \"m1\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"hi\"}", bob->id);
    kithd_test_socket_send_printf (b, "{\"type\": \"message.send\", \"id\": \"m2\", \"to\": %" G_GINT64_FORMAT ", \"body\": \"hello\"}", ada->id);
    ack1 = kithd_test_socket_wait_frame (a, "message.ack", NULL, 0, 10000);
    ack2 = kithd_test_socket_wait_frame (b, "message.ack", NULL, 0, 10000);
    g_assert_nonnull (ack1);
    g_assert_nonnull (ack2);
  }
  CALL ("POST", "/api/v1/password-reset", NULL, reset, 202, NULL);
  g_assert_cmpint (kithd_test_server_db_count_user_rows (server, ada->id), >, 5);

  CALL ("DELETE", "/api/v1/me", ada->token, "{\"confirm_email\": \"someone@example.com\"}", 400, "confirmation_mismatch");
  CALL ("DELETE", "/api/v1/me", ada->token, "{}", 400, "invalid_field");
  CALL ("DELETE", "/api/v1/me", NULL, confirm, 401, "unauthorized");
  CALL ("GET", "/api/v1/me", ada->token, NULL, 200, NULL);

  CALL ("DELETE", "/api/v1/me", ada->token, confirm, 204, NULL);

  /* Nothing of Ada is left, and her tokens are dead. */
  g_assert_cmpint (kithd_test_server_db_count_user_rows (server, ada->id), ==, 0);
  CALL ("GET", "/api/v1/me", ada->token, NULL, 401, "unauthorized");
  CALL ("GET", "/api/v1/me", other, NULL, 401, "unauthorized");
  CALL ("POST", "/api/v1/sessions", NULL, confirm, 400, NULL);
  response = call ("GET", "/api/v1/contacts", bob->token, NULL, 200, NULL);
  g_assert_null (strstr (response, ada->email));
  g_clear_pointer (&response, g_free);
  response = call ("GET", "/api/v1/contacts", cyd->token, NULL, 200, NULL);
  g_assert_null (strstr (response, ada->email));
  /* Bob's own data is untouched. */
  CALL ("GET", "/api/v1/me", bob->token, NULL, 200, NULL);
}

static void
test_delete_paid_account (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autofree char *confirm = g_strdup_printf ("{\"confirm_email\": \"%s\"}", ada->email);
  g_autoptr (GSubprocess) admin = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *response = NULL;
  g_autoptr (JsonObject) object = NULL;

  admin = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("KITHD"), "admin", "--data-dir",
                            kithd_test_server_get_data_dir (server), "set-plan", ada->email, "paid", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (admin, NULL, &error));
  g_assert_no_error (error);

  response = call ("DELETE", "/api/v1/me", ada->token, confirm, 403, "contact_support");
  object = kithd_test_parse_object (response);
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (object, "error"), "message"),
                            "contact support"));
  g_assert_cmpint (kithd_test_server_db_count_user_rows (server, ada->id), >, 0);
  CALL ("GET", "/api/v1/me", ada->token, NULL, 200, NULL);
}

static JsonObject *
find_contact (const char *response,
              gint64      id)
{
  g_autoptr (JsonObject) object = kithd_test_parse_object (response);
  JsonArray *contacts = json_object_get_array_member (object, "contacts");

  for (guint i = 0; i < json_array_get_length (contacts); i++) {
    JsonObject *contact = json_array_get_object_element (contacts, i);

    if (json_object_get_int_member (json_object_get_object_member (contact, "user"), "id") == id)
      return json_object_ref (contact);
  }
  return NULL;
}

static void
test_contacts (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (KithdTestUser) cyd = new_user ("Cyd");
  g_autofree char *ask_bob = g_strdup_printf ("{\"email\": \"%s\"}", bob->email);
  g_autofree char *ask_ada = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  g_autofree char *ask_self = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  g_autofree char *accept_ada = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT "/accept", ada->id);
  g_autofree char *accept_bob = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT "/accept", bob->id);
  g_autofree char *remove_bob = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT, bob->id);
  g_autofree char *remove_ada = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT, ada->id);
  g_autofree char *history_bob = g_strdup_printf ("/api/v1/conversations/%" G_GINT64_FORMAT "/messages", bob->id);
  g_autofree char *response = NULL;
  g_autoptr (JsonObject) contact = NULL;

  CALL ("POST", "/api/v1/contacts", ada->token, "{\"email\": \"nobody@example.com\"}", 404, "not_found");
  CALL ("POST", "/api/v1/contacts", ada->token, ask_self, 400, "invalid_field");
  CALL ("POST", "/api/v1/contacts", ada->token, "{\"email\": \"bad\"}", 400, "invalid_email");
  CALL ("POST", "/api/v1/contacts", NULL, ask_bob, 401, "unauthorized");
  CALL ("GET", history_bob, ada->token, NULL, 403, "not_contact");

  response = call ("POST", "/api/v1/contacts", ada->token, ask_bob, 201, NULL);
  contact = kithd_test_parse_object (response);
  g_assert_cmpstr (json_object_get_string_member (contact, "state"), ==, "outgoing");
  g_assert_cmpstr (json_object_get_string_member (contact, "presence"), ==, "offline");
  g_clear_pointer (&contact, json_object_unref);
  g_clear_pointer (&response, g_free);
  CALL ("POST", "/api/v1/contacts", ada->token, ask_bob, 409, "already_contact");

  response = call ("GET", "/api/v1/contacts", bob->token, NULL, 200, NULL);
  contact = find_contact (response, ada->id);
  g_assert_nonnull (contact);
  g_assert_cmpstr (json_object_get_string_member (contact, "state"), ==, "incoming");
  g_clear_pointer (&contact, json_object_unref);
  g_clear_pointer (&response, g_free);

  /* Only the one asked can accept; others find nothing to accept. */
  CALL ("POST", accept_bob, ada->token, NULL, 404, "not_found");
  CALL ("POST", accept_ada, cyd->token, NULL, 404, "not_found");
  CALL ("DELETE", remove_ada, cyd->token, NULL, 404, "not_found");
  CALL ("GET", "/api/v1/contacts/1/accept", bob->token, NULL, 405, "method_not_allowed");

  response = call ("POST", accept_ada, bob->token, NULL, 200, NULL);
  contact = kithd_test_parse_object (response);
  g_assert_cmpstr (json_object_get_string_member (contact, "state"), ==, "accepted");
  g_clear_pointer (&contact, json_object_unref);
  g_clear_pointer (&response, g_free);

  response = call ("GET", "/api/v1/contacts", ada->token, NULL, 200, NULL);
  contact = find_contact (response, bob->id);
  g_assert_cmpstr (json_object_get_string_member (contact, "state"), ==, "accepted");
  g_clear_pointer (&contact, json_object_unref);
  g_clear_pointer (&response, g_free);
  CALL ("POST", "/api/v1/contacts", bob->token, ask_ada, 409, "already_contact");

  /* History: between contacts; bad parameters refused; others get 403. */
  response = call ("GET", history_bob, ada->token, NULL, 200, NULL);
  g_assert_nonnull (strstr (response, "\"messages\""));
  g_clear_pointer (&response, g_free);
  {
    g_autofree char *bad1 = g_strconcat (history_bob, "?limit=0", NULL);
    g_autofree char *bad2 = g_strconcat (history_bob, "?limit=201", NULL);
    g_autofree char *bad3 = g_strconcat (history_bob, "?before=abc", NULL);
    g_autofree char *good = g_strconcat (history_bob, "?before=10&limit=200", NULL);
    g_autofree char *cyd_history = g_strdup_printf ("/api/v1/conversations/%" G_GINT64_FORMAT "/messages", ada->id);

    CALL ("GET", bad1, ada->token, NULL, 400, "invalid_field");
    CALL ("GET", bad2, ada->token, NULL, 400, "invalid_field");
    CALL ("GET", bad3, ada->token, NULL, 400, "invalid_field");
    CALL ("GET", good, ada->token, NULL, 200, NULL);
    CALL ("GET", cyd_history, cyd->token, NULL, 403, "not_contact");
  }

  /* Removing: both sides lose it. */
  CALL ("DELETE", remove_bob, ada->token, NULL, 204, NULL);
  CALL ("DELETE", remove_bob, ada->token, NULL, 404, "not_found");
  response = call ("GET", "/api/v1/contacts", bob->token, NULL, 200, NULL);
  g_assert_null (find_contact (response, ada->id));
  g_clear_pointer (&response, g_free);

  /* Asking someone who had asked us accepts at once. */
  {
    g_autofree char *ask_cyd = g_strdup_printf ("{\"email\": \"%s\"}", cyd->email);

    CALL ("POST", "/api/v1/contacts", cyd->token, ask_bob, 201, NULL);
    response = call ("POST", "/api/v1/contacts", bob->token, ask_cyd, 201, NULL);
    contact = kithd_test_parse_object (response);
    g_assert_cmpstr (json_object_get_string_member (contact, "state"), ==, "accepted");
  }
}

/* One keep-alive connection carries many calls, the async ones (paused on
 * the db worker) included: none of them stalls. */
typedef struct {
  GBytes   *body;
  GError   *error;
  gboolean  done;
} KeepAliveCall;

static void
on_keep_alive_sent (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  KeepAliveCall *kc = user_data;

  kc->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &kc->error);
  kc->done = TRUE;
}

static gboolean
keep_alive_call_done (gpointer data)
{
  return ((KeepAliveCall *) data)->done;
}

static guint64
keep_alive_call (SoupSession *session,
                 const char  *method,
                 const char  *path,
                 const char  *token,
                 const char  *body,
                 guint        expected_status,
                 guint        i)
{
  g_autofree char *url = g_strconcat (kithd_test_server_get_url (server), path, NULL);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  KeepAliveCall kc = { NULL, NULL, FALSE };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  /* Else libsoup's client opens a new connection for every POST. */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  if (body) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_keep_alive_sent, &kc);
  if (!kithd_test_wait_until (keep_alive_call_done, &kc, 10000))
    g_error ("call %u (%s %s) over a kept-alive connection stalled for 10 s", i, method, path);
  if (kc.error)
    g_error ("call %u (%s %s) failed: %s", i, method, path, kc.error->message);
  if (soup_message_get_status (msg) != expected_status)
    g_error ("call %u (%s %s): expected %u, got %u", i, method, path, expected_status,
             soup_message_get_status (msg));
  g_bytes_unref (kc.body);

  return soup_message_get_connection_id (msg);
}

static void
test_keep_alive (void)
{
  g_autoptr (KithdTestUser) ada = new_user ("Ada");
  g_autoptr (KithdTestUser) bob = new_user ("Bob");
  g_autoptr (SoupSession) session = soup_session_new_with_options ("max-conns", 1,
                                                                   "max-conns-per-host", 1,
                                                                   "timeout", 20,
                                                                   NULL);
  g_autofree char *ask_bob = g_strdup_printf ("{\"email\": \"%s\"}", bob->email);
  g_autofree char *accept = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT "/accept", ada->id);
  g_autofree char *remove = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT, bob->id);
  guint rounds = 750;
  guint calls = 0;
  guint64 conn_id;

  conn_id = keep_alive_call (session, "GET", "/api/v1/server", ada->token, NULL, 200, calls++);
  for (guint i = 0; i < rounds; i++) {
    guint64 ids[4];

    ids[0] = keep_alive_call (session, "POST", "/api/v1/contacts", ada->token, ask_bob, 201, calls++);
    ids[1] = keep_alive_call (session, "POST", accept, bob->token, NULL, 200, calls++);
    ids[2] = keep_alive_call (session, "DELETE", remove, ada->token, NULL, 204, calls++);
    ids[3] = keep_alive_call (session, "GET", "/api/v1/me", bob->token, NULL, 200, calls++);
    /* libsoup's client does not reuse a connection after a 204 (it takes
     * the answer as ended by EOF): each round's DELETE ends a connection,
     * the three calls before it share one. */
    for (guint k = 1; k < G_N_ELEMENTS (ids); k++) {
      if (k < 3 && ids[k] != ids[0])
        g_error ("call %u went over a new connection (%" G_GUINT64_FORMAT ", was %" G_GUINT64_FORMAT ")",
                 calls - 4 + k, ids[k], ids[0]);
    }
    if (ids[0] != conn_id)
      g_error ("call %u went over a new connection", calls - 4);
    conn_id = ids[3];
  }
  g_assert_cmpuint (calls, ==, 1 + 4 * rounds);
  if (g_getenv ("KITH_PRINT_FIGURES"))
    g_printerr ("keep-alive: %u calls over connection %" G_GUINT64_FORMAT "\n", calls, conn_id);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rest/server-info", test_server_info);
  g_test_add_func ("/rest/sign-up", test_sign_up);
  g_test_add_func ("/rest/nul-refused", test_nul_refused);
  g_test_add_func ("/rest/control-characters", test_control_characters);
  g_test_add_func ("/rest/length-required", test_length_required);
  g_test_add_func ("/rest/log-in", test_log_in);
  g_test_add_func ("/rest/authorization-header", test_authorization_header);
  g_test_add_func ("/rest/log-out", test_log_out);
  g_test_add_func ("/rest/profile", test_profile);
  g_test_add_func ("/rest/password-change", test_password_change);
  g_test_add_func ("/rest/password-reset", test_password_reset);
  g_test_add_func ("/rest/private-files", test_private_files);
  g_test_add_func ("/rest/reset-hygiene", test_reset_hygiene);
  g_test_add_func ("/rest/contacts", test_contacts);
  g_test_add_func ("/rest/delete-account", test_delete_account);
  g_test_add_func ("/rest/delete-paid-account", test_delete_paid_account);
  g_test_add_func ("/rest/keep-alive", test_keep_alive);

  return kithd_test_run_with_server (&server);
}

