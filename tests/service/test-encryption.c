/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestEncryption"

#include "config.h"

#include <string.h>

#include "kith-credentials.h"
#include "service-test-util.h"

/*
 * What the client does about encryption: a password or token never goes
 * over plain http:// to a host that is not loopback unless the user
 * accepted it for that server; https:// with a certificate authority given
 * to the session works, REST and socket; a certificate the client cannot
 * trust fails with a sentence, not GIO's.
 *
 * "Not loopback" is a real address of this machine (kithd_test_non_loopback_address()):
 * the connections go through its network stack as they would from another
 * machine. Without one, those cases are skipped.
 */

static KithdTestTls *tls;
static guint user_counter;

static char *
new_email (const char *name)
{
  return g_strdup_printf ("%s%u@example.com", name, ++user_counter);
}

static KithSession *
session_for (const char *url)
{
  g_autofree char *dir = svc_test_make_dir ("data");

  return g_object_new (KITH_TYPE_SESSION, "server-url", url, "data-dir", dir, NULL);
}

/* ---- a listener that only counts who connects ---- */

typedef struct {
  GSocketService *service;
  guint16         port;
  guint           n_connections;
} Listener;

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             Listener          *listener)
{
  listener->n_connections++;
  return FALSE;
}

static Listener *
listener_new (const char *host)
{
  Listener *listener = g_new0 (Listener, 1);
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (host);
  g_autoptr (GSocketAddress) socket_address = g_inet_socket_address_new (address, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  listener->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (listener->service), socket_address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  listener->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (listener->service, "incoming", G_CALLBACK (on_incoming), listener);
  g_socket_service_start (listener->service);
  return listener;
}

static void
listener_free (Listener *listener)
{
  g_socket_service_stop (listener->service);
  g_socket_listener_close (G_SOCKET_LISTENER (listener->service));
  g_clear_object (&listener->service);
  g_free (listener);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static gboolean
cli_done (gpointer data)
{
  return *(gboolean *) data;
}

/* ---- plain HTTP to a host that is not loopback ---- */

static void
test_unencrypted_refused (void)
{
  g_autofree char *host = kithd_test_non_loopback_address ();
  g_autofree char *url = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autoptr (KithCredentials) credentials = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  Listener *listener;

  if (host == NULL) {
    g_test_skip ("this machine has no address but loopback");
    return;
  }
  listener = listener_new (host);
  url = g_strdup_printf ("http://%s:%u", host, listener->port);
  session = session_for (url);
  g_assert_false (kith_session_get_is_private (session));

  /* Sign in: refused before anything is sent. */
  g_assert_false (svc_test_sign_in (session, "ada@example.com", PASSWORD, FALSE, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNENCRYPTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, host));
  g_assert_nonnull (strstr (error->message, "password would cross the network unencrypted"));
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  g_clear_error (&error);

  /* Sign up: the same. */
  kith_session_sign_up_async (session, "ada@example.com", PASSWORD, "Ada", "Lovelace", FALSE, NULL,
                              on_done, &result);
  g_assert_true (kithd_test_wait_until (result_set, &result, 10000));
  g_assert_false (kith_session_finish (session, result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNENCRYPTED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* A token from the keyring: not sent either. */
  if (svc_test_require_keyring ()) {
    credentials = kith_credentials_new ();
    kith_credentials_store_async (credentials, url, "ada@example.com", "a-token-that-must-stay-home",
                                  NULL, on_done, &result);
    g_assert_true (kithd_test_wait_until (result_set, &result, 10000));
    g_assert_true (kith_credentials_store_finish (credentials, result, &error));
    g_clear_object (&result);
    g_assert_false (svc_test_restore (session, "ada@example.com", &error));
    g_assert_error (error, KITH_ERROR, KITH_ERROR_UNENCRYPTED);
    g_clear_error (&error);
    kith_credentials_clear_async (credentials, url, "ada@example.com", NULL, on_done, &result);
    g_assert_true (kithd_test_wait_until (result_set, &result, 10000));
    g_clear_object (&result);
  }

  /* Not one connection came. */
  svc_test_run_for (100);
  g_assert_cmpuint (listener->n_connections, ==, 0);

  /* What carries no secret goes (the server's name and login flows). */
  kith_account_calls_server_info_async (kith_session_get_account_calls (session), NULL, on_done,
                                        &result);
  g_assert_true (kithd_test_wait_until (result_set, &result, 30000));
  g_assert_cmpuint (listener->n_connections, ==, 1);

  listener_free (listener);
}

static void
test_unencrypted_accepted (void)
{
  g_autofree char *host = kithd_test_non_loopback_address ();
  g_autofree char *email = new_email ("plain");
  g_autoptr (KithSession) session = NULL;
  g_autoptr (GError) error = NULL;
  KithdTestServer *server;
  const char *url;

  if (host == NULL) {
    g_test_skip ("this machine has no address but loopback");
    return;
  }
  server = kithd_test_server_new (NULL);
  kithd_test_server_set_host (server, host);
  kithd_test_server_restart (server);
  url = kithd_test_server_get_url (server);
  g_assert_true (g_str_has_prefix (url, "http://"));
  kithd_test_user_free (kithd_test_server_sign_up (server, email, PASSWORD, "Plain", "Text"));

  session = session_for (url);
  g_assert_false (svc_test_sign_in (session, email, PASSWORD, FALSE, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNENCRYPTED);
  g_clear_error (&error);
  g_assert_cmpint (kithd_test_server_db_count (server, "sessions", NULL), ==, 1);

  /* Accepted for this server: signed in, and online over ws://. */
  kith_session_set_allow_unencrypted (session, TRUE);
  g_assert_true (kith_session_get_allow_unencrypted (session));
  g_assert_true (svc_test_sign_in (session, email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  g_assert_cmpint (kithd_test_server_db_count (server, "sessions", NULL), ==, 2);
  svc_test_log_out (session);

  /* The acceptance is for that server: another address, and it is gone,
   * also when the first comes back. */
  kith_session_set_server_url (session, "http://192.0.2.77:8480");
  g_assert_false (kith_session_get_allow_unencrypted (session));
  kith_session_set_server_url (session, url);
  g_assert_false (kith_session_get_allow_unencrypted (session));
  g_assert_false (svc_test_sign_in (session, email, PASSWORD, FALSE, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNENCRYPTED);

  kithd_test_server_free (server);
}

/* Loopback is never asked about: 127.0.0.0/8, ::1 and localhost. */
static void
test_loopback_not_asked (void)
{
  const char *urls[] = {
    "http://127.0.0.1:8480", "http://127.1.2.3", "http://[::1]:8480", "http://localhost:8480",
    "http://LOCALHOST", "https://kith.example.org",
  };
  const char *asked[] = {
    "http://kith.example.org", "http://192.0.2.1:8480", "http://[fd00::1]", "http://localhost.example.org",
    "http://[::ffff:127.0.0.1]", "http://127.0.0.1.example.org",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++) {
    g_autoptr (KithSession) session = session_for (urls[i]);

    g_test_message ("%s", urls[i]);
    g_assert_true (kith_session_get_is_private (session));
  }
  for (guint i = 0; i < G_N_ELEMENTS (asked); i++) {
    g_autoptr (KithSession) session = session_for (asked[i]);

    g_test_message ("%s", asked[i]);
    g_assert_false (kith_session_get_is_private (session));
  }

  /* And a loopback kithd signs in without being asked (localhost). */
  {
    KithdTestServer *server = kithd_test_server_startv (NULL);
    g_autofree char *email = new_email ("local");
    g_autofree char *url = g_strdup_printf ("http://localhost:%u", kithd_test_server_get_port (server));
    g_autoptr (KithSession) session = session_for (url);
    g_autoptr (GError) error = NULL;

    kithd_test_user_free (kithd_test_server_sign_up (server, email, PASSWORD, "Local", "Host"));
    g_assert_true (svc_test_sign_in (session, email, PASSWORD, FALSE, &error));
    g_assert_no_error (error);
    svc_test_log_out (session);
    kithd_test_server_free (server);
  }
}

/* ---- HTTPS ---- */

static void
test_https_with_ca_file (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  g_autofree char *email = new_email ("tls");
  g_autofree char *friend_email = new_email ("friend");
  g_autoptr (KithdTestUser) user = kithd_test_server_sign_up (server, email, PASSWORD, "Grace", "Hopper");
  g_autoptr (KithdTestUser) friend = kithd_test_server_sign_up (server, friend_email, PASSWORD, "Alan", "Turing");
  g_autoptr (KithdTestSocket) friend_socket = NULL;
  g_autoptr (KithSession) session = session_for (kithd_test_server_get_url (server));
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (JsonObject) frame = NULL;
  g_autoptr (GError) error = NULL;
  KithContact *contact;

  kithd_test_server_make_contacts (server, user, friend);
  friend_socket = kithd_test_socket_connect (server, friend->token, 0);

  g_assert_true (kith_session_get_is_private (session));
  kith_session_set_ca_file (session, kithd_test_tls_get_ca_file (tls));
  g_assert_cmpstr (kith_session_get_ca_file (session), ==, kithd_test_tls_get_ca_file (tls));

  /* REST over HTTPS, then online over WSS: the socket trusts the same CA. */
  g_assert_true (svc_test_sign_in (session, email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  g_assert_cmpstr (kithd_test_socket_wait_presence (friend_socket, user->id, 10000), ==, "online");

  contact = svc_test_wait_contact (session, friend_email);
  kith_conversations_send_async (kith_session_get_conversations (session), contact, "Sent over WSS",
                                 NULL, on_done, &result);
  g_assert_true (kithd_test_wait_until (result_set, &result, 10000));
  g_clear_object (&result);
  frame = kithd_test_socket_wait_frame (friend_socket, "message", NULL, 0, 10000);
  g_assert_nonnull (frame);
  g_assert_cmpstr (json_object_get_string_member (frame, "body"), ==, "Sent over WSS");

  svc_test_log_out (session);
  kithd_test_server_free (server);
}

static void
test_untrusted_certificate (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  g_autofree char *email = new_email ("untrusted");
  g_autoptr (KithdTestUser) user = kithd_test_server_sign_up (server, email, PASSWORD, "Ada", "Lovelace");
  g_autofree char *missing = g_build_filename (kithd_test_tls_get_dir (tls), "no-such-ca.pem", NULL);
  g_autofree char *expected = NULL;
  g_autoptr (KithSession) session = session_for (kithd_test_server_get_url (server));
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;

  /* The system's authorities do not know the test's. */
  g_assert_false (svc_test_sign_in (session, email, PASSWORD, FALSE, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_CERTIFICATE);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==,
                   "The server’s certificate is not valid for 127.0.0.1: "
                   "it is not signed by a certificate authority Kith trusts.");
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  g_clear_error (&error);

  /* A CA file that cannot be read. */
  kith_session_set_ca_file (session, missing);
  g_assert_false (svc_test_sign_in (session, email, PASSWORD, FALSE, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_CERTIFICATE);
  g_test_message ("%s", error->message);
  expected = g_strdup_printf ("Kith cannot use the certificate authority file %s: there is no such file.", missing);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* The right CA, the right name: in. */
  kith_session_set_ca_file (session, kithd_test_tls_get_ca_file (tls));
  g_assert_true (svc_test_sign_in (session, email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  svc_test_log_out (session);
  kithd_test_server_free (server);

  /* The right CA, but the certificate is not for the address used. */
  host = kithd_test_non_loopback_address ();
  if (host != NULL) {
    g_autoptr (KithSession) other = NULL;

    server = kithd_test_server_new_tls (tls, NULL);
    kithd_test_server_set_host (server, host);
    kithd_test_server_restart (server);
    other = session_for (kithd_test_server_get_url (server));
    kith_session_set_ca_file (other, kithd_test_tls_get_ca_file (tls));
    g_assert_false (svc_test_sign_in (other, email, PASSWORD, FALSE, &error));
    g_assert_error (error, KITH_ERROR, KITH_ERROR_CERTIFICATE);
    g_test_message ("%s", error->message);
    g_clear_pointer (&expected, g_free);
    expected = g_strdup_printf ("The server’s certificate is not valid for %s: it was made for another address.", host);
    g_assert_cmpstr (error->message, ==, expected);
    kithd_test_server_free (server);
  }
  (void) user;
}

/* ---- kith-cli ---- */

typedef struct {
  gboolean  done;
  char     *out;
  char     *err;
  int       status;
} CliRun;

static void
on_cli_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CliRun *run = user_data;
  g_autoptr (GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (G_SUBPROCESS (source)) ? g_subprocess_get_exit_status (G_SUBPROCESS (source)) : -1;
  run->done = TRUE;
}

/* kith-cli ARGS… with the password on stdin; its output and status. */
static CliRun *
run_cli (const char * const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  CliRun *run = g_new0 (CliRun, 1);

  g_ptr_array_add (argv, g_build_filename (g_getenv ("KITH_BUILD_ROOT"), "src", "cli", "kith-cli", NULL));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, PASSWORD "\n", NULL, on_cli_done, run);
  g_assert_true (kithd_test_wait_until (cli_done, &run->done, 30000));
  g_test_message ("kith-cli: %d\n%s%s", run->status, run->out, run->err);
  return run;
}

static void
cli_run_free (CliRun *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

static void
test_cli (void)
{
  KithdTestServer *server = kithd_test_server_start_tls (tls, NULL);
  g_autofree char *email = new_email ("cli");
  g_autoptr (KithdTestUser) user = kithd_test_server_sign_up (server, email, PASSWORD, "Kith", "Cli");
  g_autofree char *server_arg = g_strdup_printf ("--server=%s", kithd_test_server_get_url (server));
  g_autofree char *ca_arg = g_strdup_printf ("--ca-file=%s", kithd_test_tls_get_ca_file (tls));
  g_autofree char *dir = svc_test_make_dir ("cli");
  g_autofree char *dir_arg = g_strdup_printf ("--data-dir=%s", dir);
  g_autofree char *host = kithd_test_non_loopback_address ();
  CliRun *run;

  {
    /* Without the CA: the sentence, exit 1. */
    const char *args[] = { server_arg, dir_arg, "--email", email, "--password-stdin", "login", NULL };

    run = run_cli (args);
    g_assert_cmpint (run->status, ==, 1);
    g_assert_nonnull (strstr (run->err, "kith-cli: The server’s certificate is not valid for 127.0.0.1: "
                                        "it is not signed by a certificate authority Kith trusts."));
    cli_run_free (run);
  }
  {
    const char *args[] = { server_arg, ca_arg, dir_arg, "--email", email, "--password-stdin", "login", NULL };

    run = run_cli (args);
    g_assert_cmpint (run->status, ==, 0);
    g_assert_nonnull (strstr (run->out, "signed in as "));
    cli_run_free (run);
  }
  kithd_test_server_free (server);

  if (host != NULL) {
    g_autofree char *plain_arg = NULL;

    server = kithd_test_server_new (NULL);
    kithd_test_server_set_host (server, host);
    kithd_test_server_restart (server);
    kithd_test_user_free (kithd_test_server_sign_up (server, email, PASSWORD, "Kith", "Cli"));
    plain_arg = g_strdup_printf ("--server=%s", kithd_test_server_get_url (server));
    {
      const char *args[] = { plain_arg, dir_arg, "--email", email, "--password-stdin", "login", NULL };

      run = run_cli (args);
      g_assert_cmpint (run->status, ==, 1);
      g_assert_nonnull (strstr (run->err, "password would cross the network unencrypted"));
      g_assert_nonnull (strstr (run->err, "--allow-unencrypted"));
      g_assert_cmpint (kithd_test_server_db_count (server, "sessions", NULL), ==, 1);
      cli_run_free (run);
    }
    {
      const char *args[] = { plain_arg, dir_arg, "--allow-unencrypted", "--email", email,
                             "--password-stdin", "login", NULL };

      run = run_cli (args);
      g_assert_cmpint (run->status, ==, 0);
      g_assert_nonnull (strstr (run->out, "signed in as "));
      cli_run_free (run);
    }
    kithd_test_server_free (server);
  }
  (void) user;
}

int
main (int   argc,
      char *argv[])
{
  int status;

  svc_test_init (&argc, &argv);
  tls = kithd_test_tls_new (NULL);

  g_test_add_func ("/encryption/unencrypted-refused", test_unencrypted_refused);
  g_test_add_func ("/encryption/unencrypted-accepted", test_unencrypted_accepted);
  g_test_add_func ("/encryption/loopback-not-asked", test_loopback_not_asked);
  g_test_add_func ("/encryption/https-with-ca-file", test_https_with_ca_file);
  g_test_add_func ("/encryption/untrusted-certificate", test_untrusted_certificate);
  g_test_add_func ("/encryption/cli", test_cli);

  status = g_test_run ();
  kithd_test_tls_free (tls);
  svc_test_cleanup ();
  return status;
}
