/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestBadServer"

#include "config.h"

#include <string.h>

#include "fake-kithd.h"
#include "kith-credentials.h"
#include "service-test-util.h"

/*
 * A server that answers garbage or closes mid-answer (tests/service's
 * fake-kithd: the real kithd cannot be made to): REST answers that are not
 * JSON, of the wrong shape, cut short, an HTML error page, a connection
 * closed mid-response; a WebSocket that sends garbage text, an invalid
 * frame, closes mid-frame, or sends a frame the codec refuses. The session
 * says what went wrong in a sentence, leaves nothing half signed in, does
 * not spin, and reconnects with back-off where it reconnects at all.
 */

#define NOT_UNDERSTOOD "The server sent an answer Kith does not understand."
#define SERVER_PROBLEM "The server had a problem. Please try again later."
#define BROKE_OFF "The connection to the server broke off. Please try again."

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

typedef struct {
  FakeKithd  *fake;
  const char *what;
  guint       n;
} WaitFake;

static gboolean
has_count (gpointer data)
{
  WaitFake *w = data;

  return fake_kithd_count (w->fake, w->what) >= w->n;
}

/* Waits until @fake had @n requests to @path. */
static gboolean
wait_count (FakeKithd  *fake,
            const char *path,
            guint       n)
{
  WaitFake w = { fake, path, n };

  return kithd_test_wait_until (has_count, &w, 20000);
}

static guint
count_frames (FakeKithd  *fake,
              const char *part)
{
  GPtrArray *frames = fake_kithd_get_frames (fake);
  guint n = 0;

  for (guint i = 0; i < frames->len; i++) {
    if (strstr (g_ptr_array_index (frames, i), part) != NULL)
      n++;
  }
  return n;
}

static gboolean
has_frames (gpointer data)
{
  WaitFake *w = data;

  return count_frames (w->fake, w->what) >= w->n;
}

static KithSession *
fake_session (FakeKithd *fake)
{
  g_autofree char *dir = svc_test_make_dir ("data");

  return g_object_new (KITH_TYPE_SESSION, "server-url", fake_kithd_get_url (fake),
                       "data-dir", dir, NULL);
}

static void
assert_signed_out (KithSession *session)
{
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  g_assert_null (kith_session_get_user (session));
  g_assert_cmpuint (g_list_model_get_n_items (kith_session_get_contacts (session)), ==, 0);
}

/* Signing in against @fake fails with @code and @message, leaving the
 * session signed out and usable: the same object signs in once the server
 * answers properly. */
static void
check_sign_in_fails (FakeKithd   *fake,
                     const char  *path,
                     int          code,
                     const char  *message)
{
  g_autoptr (KithSession) session = fake_session (fake);
  g_autoptr (GError) error = NULL;

  g_assert_false (svc_test_sign_in (session, "ada@example.com", PASSWORD, FALSE, &error));
  g_assert_error (error, KITH_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
  assert_signed_out (session);
  g_clear_error (&error);
  /* A token kithd gave this sign-in is revoked with it. */
  if (g_str_equal (path, "/api/v1/sessions"))
    g_assert_cmpuint (fake_kithd_count (fake, "/api/v1/sessions/current"), ==, 0);
  else
    g_assert_true (wait_count (fake, "/api/v1/sessions/current", 1));

  fake_kithd_set_rest (fake, path, FAKE_REST_OK);
  fake_kithd_set_socket (fake, FAKE_SOCKET_OK);
  g_assert_true (svc_test_sign_in (session, "ada@example.com", PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  svc_test_exit (session);
}

/* ---- REST ---- */

static void
check_rest (const char *path,
            FakeRest    how,
            int         code,
            const char *message)
{
  g_autoptr (FakeKithd) fake = fake_kithd_new ();

  fake_kithd_set_rest (fake, path, how);
  check_sign_in_fails (fake, path, code, message);
}

static void
test_log_in_not_json (void)
{
  check_rest ("/api/v1/sessions", FAKE_REST_NOT_JSON, KITH_ERROR_PROTOCOL, NOT_UNDERSTOOD);
}

static void
test_log_in_wrong_shape (void)
{
  check_rest ("/api/v1/sessions", FAKE_REST_WRONG_SHAPE, KITH_ERROR_PROTOCOL, NOT_UNDERSTOOD);
}

static void
test_log_in_truncated (void)
{
  check_rest ("/api/v1/sessions", FAKE_REST_TRUNCATED, KITH_ERROR_NETWORK, BROKE_OFF);
}

static void
test_log_in_html_error (void)
{
  check_rest ("/api/v1/sessions", FAKE_REST_HTML_ERROR, KITH_ERROR_INTERNAL, SERVER_PROBLEM);
}

/* Half a status line is not an HTTP answer. */
static void
test_log_in_closed (void)
{
  check_rest ("/api/v1/sessions", FAKE_REST_CLOSED, KITH_ERROR_PROTOCOL, NOT_UNDERSTOOD);
}

static void
test_log_in_closed_at_once (void)
{
  check_rest ("/api/v1/sessions", FAKE_REST_CLOSED_AT_ONCE, KITH_ERROR_NETWORK, BROKE_OFF);
}

/* The contact list is part of signing in: a garbage answer fails it, in a
 * sentence, instead of an empty list that says nothing. */
static void
test_contacts_not_json (void)
{
  check_rest ("/api/v1/contacts", FAKE_REST_NOT_JSON, KITH_ERROR_PROTOCOL, NOT_UNDERSTOOD);
}

static void
test_contacts_wrong_shape (void)
{
  check_rest ("/api/v1/contacts", FAKE_REST_WRONG_SHAPE, KITH_ERROR_PROTOCOL, NOT_UNDERSTOOD);
}

static void
test_contacts_html_error (void)
{
  check_rest ("/api/v1/contacts", FAKE_REST_HTML_ERROR, KITH_ERROR_INTERNAL, SERVER_PROBLEM);
}

/* A stay-signed-in restore checks its token with GET /me: a garbage
 * answer ends the restore with the sentence (the app shows it on the
 * login page). */
static void
test_restore_me_garbage (void)
{
  const FakeRest modes[] = { FAKE_REST_NOT_JSON, FAKE_REST_WRONG_SHAPE, FAKE_REST_TRUNCATED,
                             FAKE_REST_HTML_ERROR, FAKE_REST_CLOSED, FAKE_REST_CLOSED_AT_ONCE };
  const char *messages[] = { NOT_UNDERSTOOD, NOT_UNDERSTOOD, BROKE_OFF, SERVER_PROBLEM,
                             NOT_UNDERSTOOD, BROKE_OFF };
  g_autoptr (FakeKithd) fake = fake_kithd_new ();
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();

  if (!svc_test_require_keyring ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    g_autoptr (KithSession) session = fake_session (fake);
    g_autoptr (GError) error = NULL;
    g_autoptr (GAsyncResult) result = NULL;

    /* A token stays in the keyring whatever the answer (it was not said to be dead). */
    kith_credentials_store_async (credentials, fake_kithd_get_url (fake), "ada@example.com",
                                  "kt_fake", NULL, store_result, &result);
    g_assert_true (kithd_test_wait_until (is_set, &result, 20000));
    g_assert_true (kith_credentials_store_finish (credentials, result, &error));
    g_assert_no_error (error);

    fake_kithd_set_rest (fake, "/api/v1/me", modes[i]);
    g_assert_false (svc_test_restore (session, "ada@example.com", &error));
    g_assert_nonnull (error);
    g_assert_cmpstr (error->message, ==, messages[i]);
    assert_signed_out (session);
  }
}

/* A conversation whose history comes back as garbage: the cache is what
 * there is; nothing breaks, and the session stays online. */
static void
test_history_garbage (void)
{
  g_autoptr (FakeKithd) fake = fake_kithd_new ();
  g_autoptr (KithSession) session = fake_session (fake);
  g_autoptr (GError) error = NULL;
  KithContact *bob;
  GListModel *conversation;

  g_assert_true (svc_test_sign_in (session, "ada@example.com", PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  bob = svc_test_wait_contact (session, "bob@example.com");
  fake_kithd_set_rest (fake, "/api/v1/conversations/9/messages", FAKE_REST_NOT_JSON);
  conversation = kith_conversations_get (kith_session_get_conversations (session), bob);
  g_assert_true (wait_count (fake, "/api/v1/conversations/9/messages", 1));
  g_assert_cmpuint (g_list_model_get_n_items (conversation), ==, 0);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  svc_test_exit (session);
}

/* ---- the socket ---- */

/* Before the first welcome, a socket that keeps failing ends the sign-in
 * after a few attempts, with the reason of the last one. */
static void
check_socket (FakeSocket  how,
              int         code,
              const char *message)
{
  g_autoptr (FakeKithd) fake = fake_kithd_new ();

  fake_kithd_set_socket (fake, how);
  check_sign_in_fails (fake, "/api/v1/socket", code, message);
  /* A few attempts, with back-off, then no more. */
  g_assert_cmpuint (fake_kithd_count (fake, "/api/v1/socket"), >=, 2 + 1);
}

static void
test_socket_no_upgrade (void)
{
  check_socket (FAKE_SOCKET_NO_UPGRADE, KITH_ERROR_INTERNAL, SERVER_PROBLEM);
}

static void
test_socket_garbage (void)
{
  check_socket (FAKE_SOCKET_GARBAGE, KITH_ERROR_PROTOCOL, NOT_UNDERSTOOD);
}

static void
test_socket_invalid_frame (void)
{
  check_socket (FAKE_SOCKET_INVALID_FRAME, KITH_ERROR_PROTOCOL, NOT_UNDERSTOOD);
}

static void
test_socket_closed_mid_frame (void)
{
  check_socket (FAKE_SOCKET_CLOSED_MID_FRAME, KITH_ERROR_NETWORK, BROKE_OFF);
}

static void
test_socket_refused_frame (void)
{
  check_socket (FAKE_SOCKET_REFUSED_FRAME, KITH_ERROR_PROTOCOL, NOT_UNDERSTOOD);
}

/* Once online, a socket that breaks right after each welcome (closed, or
 * garbage) is reconnected with a growing back-off: not every 50 ms for
 * ever. The gaps are lower bounds the client's own timer sets (a quarter
 * of the back-off window, which doubles from 50 ms to 400 ms here;
 * kith_backoff_delay_ms ()), so a slow machine cannot break them. */
static void
check_reconnects_back_off (FakeSocket how)
{
  g_autoptr (FakeKithd) fake = fake_kithd_new ();
  g_autoptr (KithSession) session = fake_session (fake);
  g_autoptr (GError) error = NULL;
  GArray *times;

  g_assert_true (svc_test_sign_in (session, "ada@example.com", PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  fake_kithd_set_socket (fake, how);
  /* The first connection breaks too. */
  fake_kithd_close_sockets (fake);
  g_assert_true (wait_count (fake, "/api/v1/socket", 7));

  times = fake_kithd_get_upgrade_times (fake);
  for (guint i = 1; i + 1 < times->len; i++) {
    gint64 gap = g_array_index (times, gint64, i + 1) - g_array_index (times, gint64, i);
    /* The wait after the i-th broken connection: at least a quarter of
     * 50 ms << i, at most 400 ms. */
    gint64 least = MIN ((gint64) 50 << i, 400) * 1000 / 4;

    g_test_message ("gap %u: %" G_GINT64_FORMAT " µs (at least %" G_GINT64_FORMAT ")", i, gap, least);
    g_assert_cmpint (gap, >=, least);
  }
  g_assert_cmpint (kith_session_get_state (session), !=, KITH_SESSION_SIGNED_OUT);
  svc_test_exit (session);
}

static void
test_welcome_then_close (void)
{
  check_reconnects_back_off (FAKE_SOCKET_WELCOME_CLOSE);
}

static void
test_welcome_then_garbage (void)
{
  check_reconnects_back_off (FAKE_SOCKET_WELCOME_GARBAGE);
}

/* A frame of a type this client does not know (a newer server) is passed
 * over: the session stays online on the same connection. */
static void
test_unknown_frame_type (void)
{
  g_autoptr (FakeKithd) fake = fake_kithd_new ();
  g_autoptr (KithSession) session = fake_session (fake);
  g_autoptr (GError) error = NULL;
  guint pings;

  fake_kithd_set_socket (fake, FAKE_SOCKET_WELCOME_UNKNOWN);
  g_assert_true (svc_test_sign_in (session, "ada@example.com", PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  /* Two more pings (1 s apart) answered on the same connection. */
  pings = count_frames (fake, "\"ping\"");
  {
    WaitFake w = { fake, "\"ping\"", pings + 2 };

    g_assert_true (kithd_test_wait_until (has_frames, &w, 10000));
  }
  g_assert_cmpuint (fake_kithd_count (fake, "/api/v1/socket"), ==, 1);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  svc_test_exit (session);
}

/* ---- kith-cli ---- */

/* kith-cli prints a sentence and exits 1, for a REST answer and for a
 * socket that never welcomes. */
static void
test_cli (void)
{
  g_autoptr (FakeKithd) fake = fake_kithd_new ();
  g_autofree char *server_arg = g_strdup_printf ("--server=%s", fake_kithd_get_url (fake));
  g_autofree char *dir = svc_test_make_dir ("cli");
  g_autofree char *dir_arg = g_strdup_printf ("--data-dir=%s", dir);
  g_autoptr (SvcCli) html = NULL;
  g_autoptr (SvcCli) garbage = NULL;

  fake_kithd_set_rest (fake, "/api/v1/sessions", FAKE_REST_HTML_ERROR);
  html = svc_cli_spawn (PASSWORD "\n", server_arg, dir_arg, "--email=ada@example.com",
                        "--password-stdin", "login", NULL);
  g_assert_cmpint (svc_cli_wait_exit (html, 30000), ==, 1);
  g_assert_cmpstr (svc_cli_get_errors (html), ==, "kith-cli: " SERVER_PROBLEM "\n");

  fake_kithd_set_rest (fake, "/api/v1/sessions", FAKE_REST_OK);
  fake_kithd_set_socket (fake, FAKE_SOCKET_GARBAGE);
  garbage = svc_cli_spawn (PASSWORD "\n", server_arg, dir_arg, "--email=ada@example.com",
                           "--password-stdin", "listen", NULL);
  g_assert_cmpint (svc_cli_wait_exit (garbage, 30000), ==, 1);
  g_assert_cmpstr (svc_cli_get_errors (garbage), ==, "kith-cli: " NOT_UNDERSTOOD "\n");
}

int
main (int   argc,
      char *argv[])
{
  svc_test_init (&argc, &argv);

  g_test_add_func ("/bad-server/log-in/not-json", test_log_in_not_json);
  g_test_add_func ("/bad-server/log-in/wrong-shape", test_log_in_wrong_shape);
  g_test_add_func ("/bad-server/log-in/truncated", test_log_in_truncated);
  g_test_add_func ("/bad-server/log-in/html-error", test_log_in_html_error);
  g_test_add_func ("/bad-server/log-in/closed", test_log_in_closed);
  g_test_add_func ("/bad-server/log-in/closed-at-once", test_log_in_closed_at_once);
  g_test_add_func ("/bad-server/contacts/not-json", test_contacts_not_json);
  g_test_add_func ("/bad-server/contacts/wrong-shape", test_contacts_wrong_shape);
  g_test_add_func ("/bad-server/contacts/html-error", test_contacts_html_error);
  g_test_add_func ("/bad-server/restore/me-garbage", test_restore_me_garbage);
  g_test_add_func ("/bad-server/history/garbage", test_history_garbage);
  g_test_add_func ("/bad-server/socket/no-upgrade", test_socket_no_upgrade);
  g_test_add_func ("/bad-server/socket/garbage", test_socket_garbage);
  g_test_add_func ("/bad-server/socket/invalid-frame", test_socket_invalid_frame);
  g_test_add_func ("/bad-server/socket/closed-mid-frame", test_socket_closed_mid_frame);
  g_test_add_func ("/bad-server/socket/refused-frame", test_socket_refused_frame);
  g_test_add_func ("/bad-server/socket/welcome-then-close", test_welcome_then_close);
  g_test_add_func ("/bad-server/socket/welcome-then-garbage", test_welcome_then_garbage);
  g_test_add_func ("/bad-server/socket/unknown-frame-type", test_unknown_frame_type);
  g_test_add_func ("/bad-server/cli", test_cli);

  return svc_test_run (NULL);
}
