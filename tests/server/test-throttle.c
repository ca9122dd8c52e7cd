/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestThrottle"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/*
 * The REST API under attack (docs/server.md, "Throttling"): failed
 * log-ins, guesses sent at once, sign-ups and reset requests are counted
 * when they come in, before any hashing; the limits are per address and
 * per account at an address, never per account alone; password hashes in
 * flight are bounded; X-Forwarded-For is believed from trusted proxies
 * only. Each test runs a kithd of its own (its limits, its clock).
 */

#define PASSWORD "Secret#123"

#define CALL(srv, m, p, t, b, s, c) g_free (kithd_test_server_call (srv, m, p, t, b, s, c))

static void
test_throttling (void)
{
  KithdTestServer *own = kithd_test_server_startv (NULL);
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (own, "ada@example.com", PASSWORD, "Ada", "Tester");
  g_autofree char *wrong = NULL;
  g_autofree char *right = NULL;
  g_autoptr (SoupMessageHeaders) headers = NULL;
  g_autofree char *response = NULL;
  const char *retry;

  wrong = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"Wrong#1234\"}", ada->email);
  right = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"" PASSWORD "\"}", ada->email);

  /* A success resets the account's count. */
  for (guint i = 0; i < 4; i++)
    CALL (own, "POST", "/api/v1/sessions", NULL, wrong, 401, "invalid_credentials");
  CALL (own, "POST", "/api/v1/sessions", NULL, right, 201, NULL);
  for (guint i = 0; i < 5; i++)
    CALL (own, "POST", "/api/v1/sessions", NULL, wrong, 401, "invalid_credentials");

  /* The 6th try is refused, even with the right password. */
  g_assert_cmpuint (kithd_test_server_request (own, "POST", "/api/v1/sessions", NULL, right, &response, &headers), ==, 429);
  retry = soup_message_headers_get_one (headers, "Retry-After");
  g_assert_nonnull (retry);
  g_assert_cmpint (g_ascii_strtoll (retry, NULL, 10), >, 0);
  g_assert_cmpint (g_ascii_strtoll (retry, NULL, 10), <=, 15 * 60);
  {
    g_autofree char *code = kithd_test_error_code (response);

    g_assert_cmpstr (code, ==, "rate_limited");
  }

  /* 15 minutes later the window has moved on. */
  kithd_test_server_set_clock_offset (own, 15 * 60 + 5);
  CALL (own, "POST", "/api/v1/sessions", NULL, right, 201, NULL);

  /* Per address: 20 failures (of any accounts) within the window. Ada's
   * earlier ones have left it. */
  for (guint i = 0; i < 20; i++) {
    g_autofree char *body = g_strdup_printf ("{\"email\": \"nobody%u@example.com\", \"password\": \"Wrong#1234\"}", i);

    CALL (own, "POST", "/api/v1/sessions", NULL, body, 401, "invalid_credentials");
  }
  CALL (own, "POST", "/api/v1/sessions", NULL, "{\"email\": \"someone@example.com\", \"password\": \"Wrong#1234\"}",
        429, "rate_limited");

  kithd_test_server_free (own);
}

/* ---- accounts under attack: counted before hashing, not lockable ---- */

/* A kithd with the given [limits] (the defaults for the rest). */
static KithdTestServer *
start_with_config (const char *limits)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-conf-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[limits]\n%s", limits);
  const char *args[] = { "--config", path, NULL };
  KithdTestServer *srv;

  g_assert_no_error (error);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  srv = kithd_test_server_startv (args);
  g_unlink (path);
  g_rmdir (dir);
  return srv;
}

typedef struct {
  guint ok;          /* 2xx */
  guint refused;     /* 401 */
  guint limited;     /* 429 with Retry-After */
  guint other;
} Tally;

/* The status of @request sent from @from on a connection of its own. */
static guint
raw_status (KithdTestServer *srv,
            const char      *from,
            const char      *request)
{
  int fd = kithd_test_raw_open (srv, from);
  guint status;

  g_assert_true (kithd_test_raw_send_str (fd, request));
  status = kithd_test_raw_read_response (fd, 20000, NULL, NULL);
  close (fd);
  return status;
}

/* Sends every request on its own connection from @from before reading any
 * answer: they reach kithd together, as a script's would. */
static Tally
send_together (KithdTestServer *srv,
               const char      *from,
               GPtrArray       *requests)
{
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  GPid pid = kithd_test_server_get_pid (srv);
  guint fds_before = kithd_test_server_count_fds (srv);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  Tally tally = { 0 };

  /* "At once" for kithd: every connection accepted first, then every
   * request written while kithd is stopped, so that one wake-up finds them
   * all readable, and no hash can end (and free its place) before the last
   * request is seen, however slow the machine. */
  for (guint i = 0; i < requests->len; i++) {
    int fd = kithd_test_raw_open (srv, from);

    g_array_append_val (fds, fd);
  }
  while (kithd_test_server_count_fds (srv) < fds_before + requests->len) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (10000);
  }
  g_assert_no_errno (kill (pid, SIGSTOP));
  for (guint i = 0; i < fds->len; i++)
    g_assert_true (kithd_test_raw_send_str (g_array_index (fds, int, i), g_ptr_array_index (requests, i)));
  g_assert_no_errno (kill (pid, SIGCONT));
  for (guint i = 0; i < fds->len; i++) {
    int fd = g_array_index (fds, int, i);
    g_autofree char *headers = NULL;
    guint status = kithd_test_raw_read_response (fd, 60000, NULL, &headers);

    if (status >= 200 && status < 300)
      tally.ok++;
    else if (status == 401)
      tally.refused++;
    else if (status == 429 && strstr (headers, "\r\nRetry-After: "))
      tally.limited++;
    else
      tally.other++;
    close (fd);
  }
  return tally;
}

static char *
log_in_request (const char *email,
                const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}", email, password);

  return kithd_test_raw_request ("POST", "/api/v1/sessions", NULL, body);
}

/* 100 guesses sent at once, the right password last: the limit holds as it
 * would for guesses in a row, and the right one does not get in. */
static void
test_parallel_guesses (void)
{
  KithdTestServer *own = start_with_config ("");
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (own, "ada@example.com", PASSWORD, "Ada", "L");
  g_autoptr (GPtrArray) requests = g_ptr_array_new_with_free_func (g_free);
  Tally tally;

  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (requests, log_in_request (ada->email, "Wrong#1234"));
  g_ptr_array_add (requests, log_in_request (ada->email, PASSWORD));

  tally = send_together (own, "127.0.0.2", requests);
  g_test_message ("101 at once: %u in, %u wrong, %u limited, %u other",
                  tally.ok, tally.refused, tally.limited, tally.other);
  g_assert_cmpuint (tally.ok, ==, 0);
  g_assert_cmpuint (tally.refused, <=, 5);
  g_assert_cmpuint (tally.other, ==, 0);
  g_assert_cmpuint (tally.refused + tally.limited, ==, 101);

  kithd_test_server_free (own);
}

/* Guesses from one address cannot lock the account for its owner, who
 * signs in from elsewhere. */
static void
test_throttle_not_lockable (void)
{
  KithdTestServer *own = start_with_config ("");
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (own, "ada@example.com", PASSWORD, "Ada", "L");
  g_autofree char *wrong = log_in_request (ada->email, "Wrong#1234");
  g_autofree char *right = log_in_request (ada->email, PASSWORD);

  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (raw_status (own, "127.0.0.2", wrong), ==, 401);
  /* The attacker's address is held off, even with the right password… */
  g_assert_cmpuint (raw_status (own, "127.0.0.2", right), ==, 429);
  /* …Ada, from her own, is not. */
  g_assert_cmpuint (raw_status (own, "127.0.0.3", right), ==, 201);

  kithd_test_server_free (own);
}

/* Password checks waiting or running are bounded per address and in all:
 * a flood of log-ins costs kithd a bounded number of hashes, and an honest
 * log-in from elsewhere is answered right after. */
static void
test_hash_queue_bounded (void)
{
  KithdTestServer *own = start_with_config ("login-failures-per-address=0\n");
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (own, "ada@example.com", PASSWORD, "Ada", "L");
  g_autofree char *right = log_in_request (ada->email, PASSWORD);
  g_autoptr (GPtrArray) requests = g_ptr_array_new_with_free_func (g_free);
  Tally tally;

  /* 100 accounts, so that only the bound on hashing holds them. */
  for (guint i = 0; i < 100; i++) {
    g_autofree char *email = g_strdup_printf ("nobody%u@example.com", i);

    g_ptr_array_add (requests, log_in_request (email, "Wrong#1234"));
  }
  tally = send_together (own, "127.0.0.2", requests);
  g_test_message ("100 at once from one address: %u checked, %u turned away", tally.refused, tally.limited);
  g_assert_cmpuint (tally.other, ==, 0);
  g_assert_cmpuint (tally.refused, <=, 8);
  g_assert_cmpuint (tally.refused + tally.limited, ==, 100);

  g_assert_cmpuint (raw_status (own, "127.0.0.3", right), ==, 201);

  kithd_test_server_free (own);
}

/* Guessing the current password with someone's token is limited too. */
static void
test_password_change_guesses (void)
{
  KithdTestServer *own = start_with_config ("");
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (own, "ada@example.com", PASSWORD, "Ada", "L");
  g_autofree char *right = g_strdup_printf ("{\"current_password\": \"%s\", \"new_password\": \"Other#5678\"}",
                                            PASSWORD);
  const char *wrong = "{\"current_password\": \"Wrong#1234\", \"new_password\": \"Other#5678\"}";
  g_autoptr (SoupMessageHeaders) headers = NULL;
  g_autofree char *response = NULL;

  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (kithd_test_server_request (own, "PUT", "/api/v1/me/password", ada->token, wrong,
                                                 NULL, NULL), ==, 401);
  g_assert_cmpuint (kithd_test_server_request (own, "PUT", "/api/v1/me/password", ada->token, right,
                                               &response, &headers), ==, 429);
  g_assert_nonnull (soup_message_headers_get_one (headers, "Retry-After"));
  {
    g_autofree char *code = kithd_test_error_code (response);

    g_assert_cmpstr (code, ==, "rate_limited");
  }
  /* The window moves on. */
  kithd_test_server_set_clock_offset (own, 15 * 60 + 5);
  g_assert_cmpuint (kithd_test_server_request (own, "PUT", "/api/v1/me/password", ada->token, right,
                                               NULL, NULL), ==, 204);

  kithd_test_server_free (own);
}

static void
test_sign_up_limit (void)
{
  KithdTestServer *own = start_with_config ("sign-ups-per-address=3\n");
  g_autoptr (GPtrArray) requests = g_ptr_array_new_with_free_func (g_free);
  Tally tally;

  for (guint i = 0; i < 10; i++) {
    g_autofree char *body = g_strdup_printf ("{\"email\": \"new%u@example.com\", \"password\": \"" PASSWORD "\", "
                                             "\"first_name\": \"N\", \"last_name\": \"N\"}", i);

    g_ptr_array_add (requests, kithd_test_raw_request ("POST", "/api/v1/accounts", NULL, body));
  }
  tally = send_together (own, "127.0.0.2", requests);
  g_assert_cmpuint (tally.ok, ==, 3);
  g_assert_cmpuint (tally.limited, ==, 7);
  g_assert_cmpint (kithd_test_server_db_count (own, "users", NULL), ==, 3);

  /* Another address is not held by it. */
  g_assert_cmpuint (raw_status (own, "127.0.0.3", g_ptr_array_index (requests, 9)), ==, 201);

  kithd_test_server_free (own);
}

/* No mail bombing through the reset form: per email, per address. */
static void
test_reset_limits (void)
{
  KithdTestServer *own = start_with_config ("");
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (own, "ada@example.com", PASSWORD, "Ada", "L");
  g_autofree char *mine = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  g_autoptr (GPtrArray) requests = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) files = NULL;
  Tally tally;

  for (guint i = 0; i < 6; i++)
    g_ptr_array_add (requests, kithd_test_raw_request ("POST", "/api/v1/password-reset", NULL, mine));
  tally = send_together (own, "127.0.0.2", requests);
  g_assert_cmpuint (tally.ok, ==, 3);
  g_assert_cmpuint (tally.limited, ==, 3);
  g_assert_cmpuint (kithd_test_server_wait_outbox (own, 3, 10000), ==, 3);

  /* From one address, across emails: 10 in an hour (3 used above). */
  g_ptr_array_set_size (requests, 0);
  for (guint i = 0; i < 10; i++) {
    g_autofree char *body = g_strdup_printf ("{\"email\": \"someone%u@example.com\"}", i);

    g_ptr_array_add (requests, kithd_test_raw_request ("POST", "/api/v1/password-reset", NULL, body));
  }
  tally = send_together (own, "127.0.0.2", requests);
  g_assert_cmpuint (tally.ok, ==, 7);
  g_assert_cmpuint (tally.limited, ==, 3);

  /* An hour later, Ada can ask again. */
  kithd_test_server_set_clock_offset (own, 3600 + 5);
  g_assert_cmpuint (kithd_test_server_request (own, "POST", "/api/v1/password-reset", NULL, mine,
                                               NULL, NULL), ==, 202);
  g_assert_cmpuint (kithd_test_server_wait_outbox (own, 4, 10000), ==, 4);
  files = kithd_test_server_outbox_files (own);
  g_assert_cmpuint (files->len, ==, 4);

  kithd_test_server_free (own);
}

/* Behind a reverse proxy the limits hold each client apart: the proxy's
 * X-Forwarded-For names the client. Anybody else's is not believed. */
static void
test_trusted_proxy (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-conf-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "kithd.conf", NULL);
  const char *args[] = { "--config", path, NULL };
  KithdTestServer *own;
  g_autoptr (KithdTestUser) ada = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *right = NULL;

  g_file_set_contents (path, "[server]\ntrusted-proxies=127.0.0.5\n", -1, &error);
  g_assert_no_error (error);
  own = kithd_test_server_startv (args);
  ada = kithd_test_server_sign_up (own, "ada@example.com", PASSWORD, "Ada", "L");
  wrong = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"Wrong#1234\"}", ada->email);
  right = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\"}", ada->email, PASSWORD);

  for (guint round = 0; round < 2; round++) {
    const char *from = round == 0 ? "127.0.0.5" : "127.0.0.6";

    /* Five failures from one client… */
    for (guint i = 0; i < 5; i++) {
      g_autofree char *xff = g_strdup_printf ("198.51.100.%u", round == 0 ? 1 : 10 + i);
      g_autofree char *req = g_strdup_printf ("POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "X-Forwarded-For: 203.0.113.9, %s\r\n"
                                              "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                                              xff, strlen (wrong), wrong);

      g_assert_cmpuint (raw_status (own, from, req), ==, 401);
    }
    /* …and the next with the right password, naming another client. */
    {
      g_autofree char *req = g_strdup_printf ("POST /api/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "X-Forwarded-For: 198.51.100.99\r\n"
                                              "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                                              strlen (right), right);

      /* Through the proxy it is another client, and signs in; from
       * anywhere else the header changes nothing: the same address. */
      g_assert_cmpuint (raw_status (own, from, req), ==, round == 0 ? 201 : 429);
    }
  }

  kithd_test_server_free (own);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rest/throttling", test_throttling);
  g_test_add_func ("/rest/parallel-guesses", test_parallel_guesses);
  g_test_add_func ("/rest/throttle-not-lockable", test_throttle_not_lockable);
  g_test_add_func ("/rest/hash-queue-bounded", test_hash_queue_bounded);
  g_test_add_func ("/rest/password-change-guesses", test_password_change_guesses);
  g_test_add_func ("/rest/sign-up-limit", test_sign_up_limit);
  g_test_add_func ("/rest/reset-limits", test_reset_limits);
  g_test_add_func ("/rest/trusted-proxy", test_trusted_proxy);

  return g_test_run ();
}
