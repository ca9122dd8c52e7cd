/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithServiceTest"

#include "config.h"

#include <signal.h>
#include <glib/gstdio.h>

#include "service-test-util.h"

static char *test_root;

void
svc_test_init_env (void)
{
  g_setenv ("KITH_BACKOFF_MIN_MS", "50", TRUE);
  g_setenv ("KITH_BACKOFF_MAX_MS", "400", TRUE);
  g_setenv ("KITH_PING_INTERVAL_MS", "1000", TRUE);
  g_setenv ("KITH_DEAD_TIMEOUT_MS", "3000", TRUE);
}

void
svc_test_init_call_env (void)
{
  g_setenv ("KITH_AUDIOSRC", "audiotestsrc is-live=true", TRUE);
  g_setenv ("KITH_VIDEOSRC", "videotestsrc is-live=true", TRUE);
  g_setenv ("KITH_AUDIOSINK", "fakesink", TRUE);
  g_unsetenv ("KITH_VIDEOSINK");
  g_setenv ("KITH_CALL_ECHO_CANCEL", "0", TRUE);
  g_setenv ("KITH_CALL_LOOPBACK", "1", TRUE);
}

void
svc_test_init (int    *argc,
               char ***argv)
{
  g_test_init (argc, argv, NULL);
  svc_test_init_env ();
}

char *
svc_test_make_dir (const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmpl = NULL;
  char *dir;

  if (test_root == NULL) {
    test_root = g_dir_make_tmp ("kith-service-test-XXXXXX", &error);
    g_assert_no_error (error);
  }
  tmpl = g_build_filename (test_root, prefix, NULL);
  dir = g_strdup_printf ("%s-%u", tmpl, g_random_int ());
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir))) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  }
  g_rmdir (path);
}

void
svc_test_cleanup (void)
{
  if (test_root != NULL)
    remove_tree (test_root);
  g_clear_pointer (&test_root, g_free);
}

int
svc_test_run (KithdTestServer *server)
{
  int ret = g_test_run ();

  if (server != NULL)
    kithd_test_server_free (server);
  svc_test_cleanup ();
  return ret;
}

guint16
svc_test_free_port (void)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, addr, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

KithdTestServer *
svc_test_server_start (void)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", svc_test_free_port ());

  return kithd_test_server_start ("--listen", listen, NULL);
}

KithSession *
svc_test_session_new (KithdTestServer *server,
                      const char      *data_dir,
                      KithDeviceKind   kind)
{
  return g_object_new (KITH_TYPE_SESSION,
                       "server-url", kithd_test_server_get_url (server),
                       "data-dir", data_dir,
                       "device-kind", kind,
                       NULL);
}

void
svc_test_store_result (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

GAsyncResult *
svc_test_wait_result (GAsyncResult **slot)
{
  g_assert_true (kithd_test_wait_until (is_set, slot, 30000));
  return *slot;
}

KithMessageStore *
svc_test_store_open (const char *path)
{
  g_autoptr (KithMessageStore) store = kith_message_store_new (path);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_message_store_open_async (store, NULL, svc_test_store_result, &result);
  g_assert_true (kith_message_store_finish (store, svc_test_wait_result (&result), &error));
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

void
svc_test_store_close (KithMessageStore *store)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_message_store_close_async (store, NULL, svc_test_store_result, &result);
  g_assert_true (kith_message_store_finish (store, svc_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

KithApiClient *
svc_test_api_new (KithdTestServer *server,
                  const char      *token)
{
  g_autoptr (SoupSession) soup = soup_session_new ();
  KithApiClient *api = kith_api_client_new (kithd_test_server_get_url (server), soup);

  kith_api_client_set_token (api, token);
  return api;
}

gboolean
svc_test_sign_in (KithSession  *session,
                  const char   *email,
                  const char   *password,
                  gboolean      stay_signed_in,
                  GError      **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  kith_session_sign_in_async (session, email, password, stay_signed_in, NULL,
                              svc_test_store_result, &result);
  return kith_session_finish (session, svc_test_wait_result (&result), error);
}

KithdTestUser *
svc_test_sign_up (KithdTestServer *server,
                  const char      *name)
{
  static guint user_counter;
  g_autofree char *email = g_strdup_printf ("%s%u@example.com", name, ++user_counter);

  return kithd_test_server_sign_up (server, email, PASSWORD, name, "Tester");
}

KithSession *
svc_test_session_signed_in (KithdTestServer *server,
                            KithdTestUser   *user,
                            const char      *dir)
{
  KithSession *session = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  g_autoptr (GError) error = NULL;

  g_assert_true (svc_test_sign_in (session, user->email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  return session;
}

gboolean
svc_test_restore (KithSession  *session,
                  const char   *email,
                  GError      **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  kith_session_restore_async (session, email, NULL, svc_test_store_result, &result);
  return kith_session_finish (session, svc_test_wait_result (&result), error);
}

void
svc_test_exit (KithSession *session)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_session_exit_async (session, NULL, svc_test_store_result, &result);
  g_assert_true (kith_session_finish (session, svc_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

void
svc_test_log_out (KithSession *session)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_session_log_out_async (session, NULL, svc_test_store_result, &result);
  g_assert_true (kith_session_finish (session, svc_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

typedef struct {
  KithSession *session;
  const char  *email;
} FindContact;

static gboolean
has_contact (gpointer data)
{
  FindContact *f = data;

  return kith_session_find_contact_by_email (f->session, f->email) != NULL;
}

KithContact *
svc_test_wait_contact (KithSession *session,
                       const char  *email)
{
  FindContact f = { session, email };

  g_assert_true (kithd_test_wait_until (has_contact, &f, 10000));
  return kith_session_find_contact_by_email (session, email);
}

typedef struct {
  KithContact  *contact;
  KithPresence  presence;
} WaitPresence;

static gboolean
has_presence (gpointer data)
{
  WaitPresence *w = data;

  return kith_contact_get_presence (w->contact) == w->presence;
}

gboolean
svc_test_wait_presence (KithContact  *contact,
                        KithPresence  presence,
                        guint         timeout_ms)
{
  WaitPresence w = { contact, presence };

  return kithd_test_wait_until (has_presence, &w, timeout_ms);
}

typedef struct {
  KithSession      *session;
  KithSessionState  state;
} WaitState;

static gboolean
has_state (gpointer data)
{
  WaitState *w = data;

  return kith_session_get_state (w->session) == w->state;
}

gboolean
svc_test_wait_state (KithSession      *session,
                     KithSessionState  state,
                     guint             timeout_ms)
{
  WaitState w = { session, state };

  return kithd_test_wait_until (has_state, &w, timeout_ms);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
svc_test_run_for (guint ms)
{
  kithd_test_wait_until (never, NULL, ms);
}

/* ---- inbox ---- */

static void
on_inbox_message (KithSession *session,
                  KithContact *contact,
                  KithMessage *message,
                  SvcInbox    *inbox)
{
  g_ptr_array_add (inbox->bodies, g_strdup (kith_message_get_body (message)));
}

SvcInbox *
svc_inbox_new (KithSession *session)
{
  SvcInbox *inbox = g_new0 (SvcInbox, 1);

  inbox->bodies = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (session, "message-received", G_CALLBACK (on_inbox_message), inbox);
  return inbox;
}

void
svc_inbox_free (SvcInbox *inbox)
{
  g_ptr_array_unref (inbox->bodies);
  g_free (inbox);
}

typedef struct {
  SvcInbox *inbox;
  guint     n;
} WaitInbox;

static gboolean
inbox_has (gpointer data)
{
  WaitInbox *w = data;

  return w->inbox->bodies->len >= w->n;
}

gboolean
svc_inbox_wait (SvcInbox *inbox,
                guint     n,
                guint     timeout_ms)
{
  WaitInbox w = { inbox, n };

  return kithd_test_wait_until (inbox_has, &w, timeout_ms);
}

/* ---- kith-cli ---- */

struct _SvcCli {
  GSubprocess      *process;
  GDataInputStream *out;
  GString          *output;
  GInputStream     *err;
  GString          *errors;
  char              err_buffer[256];
  gboolean          err_eof;
  GPtrArray        *lines;
  GCancellable     *cancellable;
  gboolean          eof;
  gboolean          exited;
};

static void read_next_line (SvcCli *cli);

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  ((SvcCli *) user_data)->exited = TRUE;
}

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SvcCli *cli = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL) {
    cli->eof = TRUE;
    return;
  }
  g_string_append_printf (cli->output, "%s\n", line);
  g_ptr_array_add (cli->lines, g_steal_pointer (&line));
  read_next_line (cli);
}

static void
read_next_line (SvcCli *cli)
{
  g_data_input_stream_read_line_async (cli->out, G_PRIORITY_DEFAULT, cli->cancellable,
                                       on_line, cli);
}

static void read_errors (SvcCli *cli);

static void
on_errors (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SvcCli *cli = user_data;
  g_autoptr (GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (n <= 0) {
    cli->err_eof = TRUE;
    return;
  }
  g_string_append_len (cli->errors, cli->err_buffer, n);
  read_errors (cli);
}

static void
read_errors (SvcCli *cli)
{
  g_input_stream_read_async (cli->err, cli->err_buffer, sizeof cli->err_buffer,
                             G_PRIORITY_DEFAULT, cli->cancellable, on_errors, cli);
}

/* @args: the arguments after kith-cli's path (taken). @usual_dead_timeout:
 * the child without the tests' KITH_DEAD_TIMEOUT_MS. */
static SvcCli *
cli_spawnv (const char *stdin_text,
            GPtrArray  *args,
            gboolean    usual_dead_timeout)
{
  g_autoptr (GPtrArray) argv = args;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  const char *root = g_getenv ("KITH_BUILD_ROOT");
  SvcCli *cli = g_new0 (SvcCli, 1);

  g_assert_nonnull (root);
  g_ptr_array_insert (argv, 0, g_build_filename (root, "src", "cli", "kith-cli", NULL));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (usual_dead_timeout)
    g_subprocess_launcher_unsetenv (launcher, "KITH_DEAD_TIMEOUT_MS");
  cli->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  if (stdin_text != NULL) {
    GOutputStream *in = g_subprocess_get_stdin_pipe (cli->process);

    g_output_stream_write_all (in, stdin_text, strlen (stdin_text), NULL, NULL, &error);
    g_assert_no_error (error);
  }
  g_output_stream_close (g_subprocess_get_stdin_pipe (cli->process), NULL, NULL);

  cli->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (cli->process));
  cli->output = g_string_new (NULL);
  cli->lines = g_ptr_array_new_with_free_func (g_free);
  cli->err = g_object_ref (g_subprocess_get_stderr_pipe (cli->process));
  cli->errors = g_string_new (NULL);
  cli->cancellable = g_cancellable_new ();
  g_subprocess_wait_async (cli->process, cli->cancellable, on_waited, cli);
  read_next_line (cli);
  read_errors (cli);
  return cli;
}

SvcCli *
svc_cli_spawn (const char *stdin_text,
               const char *first_arg,
               ...)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  return cli_spawnv (stdin_text, argv, FALSE);
}

SvcCli *
svc_cli_spawn_as (KithdTestServer *server,
                  KithdTestUser   *user,
                  const char      *first_arg,
                  ...)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = svc_test_make_dir ("cli");
  va_list ap;

  g_ptr_array_add (argv, g_strdup_printf ("--server=%s", kithd_test_server_get_url (server)));
  g_ptr_array_add (argv, g_strdup_printf ("--email=%s", user->email));
  g_ptr_array_add (argv, g_strdup_printf ("--data-dir=%s", dir));
  g_ptr_array_add (argv, g_strdup ("--password-stdin"));
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  /* The link's usual dead timeout, not the tests' 3 s: under ASan a
   * caller's media set-up held kith-cli's main loop longer than that, and
   * its socket was dropped while the call rang (CI, three times). */
  return cli_spawnv (PASSWORD "\n", argv, TRUE);
}

typedef struct {
  SvcCli     *cli;
  const char *prefix;
} WaitLine;

static gboolean
has_line (gpointer data)
{
  WaitLine *w = data;

  for (guint i = 0; i < w->cli->lines->len; i++) {
    if (g_str_has_prefix (g_ptr_array_index (w->cli->lines, i), w->prefix))
      return TRUE;
  }
  return w->cli->eof;
}

gboolean
svc_cli_wait_line (SvcCli     *cli,
                   const char *prefix,
                   guint       timeout_ms)
{
  WaitLine w = { cli, prefix };

  kithd_test_wait_until (has_line, &w, timeout_ms);
  for (guint i = 0; i < cli->lines->len; i++) {
    if (g_str_has_prefix (g_ptr_array_index (cli->lines, i), prefix))
      return TRUE;
  }
  return FALSE;
}

guint
svc_cli_count_lines (SvcCli     *cli,
                     const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < cli->lines->len; i++) {
    if (g_str_has_prefix (g_ptr_array_index (cli->lines, i), prefix))
      n++;
  }
  return n;
}

GPid
svc_cli_get_pid (SvcCli *cli)
{
  const char *id = g_subprocess_get_identifier (cli->process);

  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

static gboolean
has_exited (gpointer data)
{
  SvcCli *cli = data;

  return cli->eof && cli->err_eof && cli->exited;
}

int
svc_cli_wait_exit (SvcCli *cli,
                   guint   timeout_ms)
{
  g_assert_true (kithd_test_wait_until (has_exited, cli, timeout_ms));
  if (g_subprocess_get_if_exited (cli->process))
    return g_subprocess_get_exit_status (cli->process);
  return -1;
}

const char *
svc_cli_get_output (SvcCli *cli)
{
  return cli->output->str;
}

const char *
svc_cli_get_errors (SvcCli *cli)
{
  return cli->errors->str;
}

void
svc_cli_kill9 (SvcCli *cli)
{
  g_subprocess_send_signal (cli->process, SIGKILL);
  svc_cli_wait_exit (cli, 10000);
}

void
svc_cli_terminate (SvcCli *cli)
{
  g_subprocess_send_signal (cli->process, SIGTERM);
  svc_cli_wait_exit (cli, 10000);
}

void
svc_cli_free (SvcCli *cli)
{
  if (cli == NULL)
    return;
  g_cancellable_cancel (cli->cancellable);
  if (!cli->exited) {
    g_subprocess_force_exit (cli->process);
    g_subprocess_wait (cli->process, NULL, NULL);
  }
  g_clear_object (&cli->cancellable);
  g_clear_object (&cli->out);
  g_clear_object (&cli->err);
  g_clear_object (&cli->process);
  g_string_free (cli->output, TRUE);
  g_string_free (cli->errors, TRUE);
  g_ptr_array_unref (cli->lines);
  g_free (cli);
}
