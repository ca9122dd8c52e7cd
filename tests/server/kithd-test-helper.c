/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdTest"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

struct _KithdTestServer
{
  GSubprocess  *process;
  GStrv         extra_args;
  char         *data_dir;
  char         *port_file;
  char         *clock_file;
  char         *url;
  guint16       port;
  guint         n_spawns;
  char         *log_file;
  char         *log_dir;    /* the logs, when the data dir is elsewhere */
  SoupSession  *session;
  guint         nofile;     /* RLIMIT_NOFILE for kithd; 0: inherited */
  char         *host;       /* the address kithd listens on */
  char         *tls_config; /* a config file with [tls], or NULL: plain HTTP */
  GTlsDatabase *tls_database;  /* what the helper's clients trust (HTTPS only) */
};

void
kithd_test_user_free (KithdTestUser *user)
{
  if (!user)
    return;
  g_free (user->email);
  g_free (user->password);
  g_free (user->token);
  g_free (user);
}

static gboolean
on_wake (gpointer data)
{
  return G_SOURCE_REMOVE;
}

gboolean
kithd_test_wait_until (gboolean (*cond) (gpointer data),
                       gpointer   data,
                       guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data)) {
    GSource *wake;

    if (g_get_monotonic_time () >= deadline)
      return FALSE;
    /* Re-check at least every 10 ms (for conditions outside the loop). */
    wake = g_timeout_source_new (10);
    g_source_set_callback (wake, on_wake, NULL, NULL);
    g_source_attach (wake, NULL);
    g_main_context_iteration (NULL, TRUE);
    g_source_destroy (wake);
    g_source_unref (wake);
  }
  return TRUE;
}

static gboolean
port_file_ready (gpointer data)
{
  KithdTestServer *self = data;

  /* The identifier is gone once the process has exited. */
  return g_file_test (self->port_file, G_FILE_TEST_EXISTS) ||
         g_subprocess_get_identifier (self->process) == NULL;
}

/* kithd must not outlive a test that aborted. */
static void
child_setup (gpointer data)
{
  KithdTestServer *self = data;

  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (self->nofile > 0) {
    struct rlimit rl = { self->nofile, self->nofile };

    setrlimit (RLIMIT_NOFILE, &rl);
  }
}

/* kithd's log goes to a file; shown (as TAP comments) when it failed. */
static void
dump_log (KithdTestServer *self)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  if (!self->log_file || !g_file_get_contents (self->log_file, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (*lines[i])
      g_test_message ("kithd: %s", lines[i]);
  }
}

static void
spawn (KithdTestServer *self)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *conf = NULL;
  const char *kithd = g_getenv ("KITHD");
  gboolean v6 = strchr (self->host, ':') != NULL;
  gboolean own_config;
  g_autofree char *listen = g_strdup_printf ("%s%s%s:0", v6 ? "[" : "", self->host, v6 ? "]" : "");

  g_assert_nonnull (kithd);
  g_unlink (self->port_file);

  g_ptr_array_add (argv, (char *) kithd);
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, listen);
  g_ptr_array_add (argv, "--port-file");
  g_ptr_array_add (argv, self->port_file);
  g_ptr_array_add (argv, "--test-clock-file");
  g_ptr_array_add (argv, self->clock_file);
  own_config = self->extra_args && g_strv_contains ((const char * const *) self->extra_args, "--config");
  /* A test's own kithd.conf wins (it must hold [tls] itself, then). */
  if (self->tls_config && own_config) {
    g_ptr_array_add (argv, "--config");
    g_ptr_array_add (argv, self->tls_config);
  }
  for (guint i = 0; self->extra_args && self->extra_args[i]; i++)
    g_ptr_array_add (argv, self->extra_args[i]);
  /* Tests sign up many accounts and send bursts from one address: without
   * a kithd.conf of their own, the limits on those are off. */
  if (!own_config) {
    g_autofree char *tls = NULL;
    g_autofree char *text = NULL;

    if (self->tls_config)
      g_file_get_contents (self->tls_config, &tls, NULL, NULL);
    text = g_strconcat (tls ? tls : "", "\n[limits]\nsign-ups-per-address=0\nresets-per-email=0\n"
                        "resets-per-address=0\nmessages-per-second=0\n", NULL);
    conf = g_build_filename (self->data_dir, "kithd-test.conf", NULL);
    g_file_set_contents (conf, text, -1, &error);
    g_assert_no_error (error);
    g_ptr_array_add (argv, "--config");
    g_ptr_array_add (argv, conf);
  }
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_setenv (launcher, "KITHD_ENABLE_TEST_HOOKS", "1", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, self, NULL);
  g_free (self->log_file);
  self->log_file = g_strdup_printf ("%s/kithd-%u.log", self->log_dir ? self->log_dir : self->data_dir,
                                    ++self->n_spawns);
  g_subprocess_launcher_set_stderr_file_path (launcher, self->log_file);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  if (!kithd_test_wait_until (port_file_ready, self, 20000)) {
    dump_log (self);
    g_error ("kithd did not start within 20 s");
  }
  if (!g_file_test (self->port_file, G_FILE_TEST_EXISTS)) {
    dump_log (self);
    g_error ("kithd exited before listening");
  }

  g_file_get_contents (self->port_file, &contents, NULL, &error);
  g_assert_no_error (error);
  self->port = g_ascii_strtoull (contents, NULL, 10);
  g_assert_cmpuint (self->port, >, 0);
  g_free (self->url);
  self->url = g_strdup_printf ("%s://%s%s%s:%u", self->tls_config ? "https" : "http",
                               v6 ? "[" : "", self->host, v6 ? "]" : "", self->port);
}

KithdTestServer *
kithd_test_server_new (const char * const *extra_args)
{
  return kithd_test_server_new_in (NULL, extra_args);
}

void
kithd_test_server_spawn (KithdTestServer *self)
{
  spawn (self);
}

KithdTestServer *
kithd_test_server_new_in (const char         *parent,
                          const char * const *extra_args)
{
  KithdTestServer *self = g_new0 (KithdTestServer, 1);
  g_autoptr (GError) error = NULL;

  if (parent) {
    /* The log stays readable when @parent is full. */
    self->data_dir = g_build_filename (parent, "kithd-test-XXXXXX", NULL);
    g_assert_nonnull (g_mkdtemp (self->data_dir));
    self->log_dir = g_dir_make_tmp ("kithd-log-XXXXXX", &error);
  } else {
    self->data_dir = g_dir_make_tmp ("kithd-test-XXXXXX", &error);
  }
  g_assert_no_error (error);
  self->port_file = g_build_filename (self->data_dir, "port", NULL);
  self->clock_file = g_build_filename (self->data_dir, "clock-offset", NULL);
  self->extra_args = g_strdupv ((char **) extra_args);
  self->session = soup_session_new ();
  self->host = g_strdup ("127.0.0.1");
  kithd_test_server_set_clock_offset (self, 0);

  return self;
}

KithdTestServer *
kithd_test_server_startv (const char * const *extra_args)
{
  KithdTestServer *self = kithd_test_server_new (extra_args);

  spawn (self);
  return self;
}

KithdTestServer *
kithd_test_server_start_limited (guint               nofile,
                                 const char * const *extra_args)
{
  KithdTestServer *self = kithd_test_server_new (extra_args);

  self->nofile = nofile;
  spawn (self);
  return self;
}

KithdTestServer *
kithd_test_server_start (const char *first_extra_arg,
                         ...)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) args = NULL;
  va_list ap;

  va_start (ap, first_extra_arg);
  for (const char *arg = first_extra_arg; arg; arg = va_arg (ap, const char *))
    g_strv_builder_add (builder, arg);
  va_end (ap);
  args = g_strv_builder_end (builder);

  return kithd_test_server_startv ((const char * const *) args);
}

const char *
kithd_test_server_get_url (KithdTestServer *self)
{
  return self->url;
}

char *
kithd_test_server_get_socket_url (KithdTestServer *self)
{
  const char *rest = strstr (self->url, "://");

  g_assert_nonnull (rest);
  return g_strdup_printf ("%s%s/api/v1/socket", self->tls_config ? "wss" : "ws", rest);
}

SoupSession *
kithd_test_server_new_soup_session (KithdTestServer *self)
{
  SoupSession *session = soup_session_new ();

  /* Never NULL: a session without a database trusts nothing. */
  if (self->tls_database)
    soup_session_set_tls_database (session, self->tls_database);
  return session;
}

void
kithd_test_server_set_host (KithdTestServer *self,
                            const char      *host)
{
  g_assert_null (self->process);
  g_free (self->host);
  self->host = g_strdup (host);
}

GTlsDatabase *
kithd_test_server_get_tls_database (KithdTestServer *self)
{
  return self->tls_database;
}

const char *
kithd_test_server_get_data_dir (KithdTestServer *self)
{
  return self->data_dir;
}

guint16
kithd_test_server_get_port (KithdTestServer *self)
{
  return self->port;
}

GPid
kithd_test_server_get_pid (KithdTestServer *self)
{
  const char *id = self->process ? g_subprocess_get_identifier (self->process) : NULL;

  g_assert_nonnull (id);
  return (GPid) g_ascii_strtoll (id, NULL, 10);
}

guint
kithd_test_server_count_fds (KithdTestServer *self)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", (int) kithd_test_server_get_pid (self));
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  return n;
}

gsize
kithd_test_server_rss_kib (KithdTestServer *self)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) kithd_test_server_get_pid (self));
  g_autofree char *contents = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  line = strstr (contents, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

gboolean
kithd_test_rss_is_meaningful (void)
{
  return g_getenv ("ASAN_OPTIONS") == NULL;
}

char *
kithd_test_server_get_log (KithdTestServer *self)
{
  char *contents = NULL;

  if (!self->log_file || !g_file_get_contents (self->log_file, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static void
wait_process (KithdTestServer *self)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
}

int
kithd_test_server_wait_exit (KithdTestServer *self)
{
  int status = -1;

  if (!self->process)
    return 0;
  wait_process (self);
  if (g_subprocess_get_if_exited (self->process))
    status = g_subprocess_get_exit_status (self->process);
  if (status != 0)
    dump_log (self);
  g_clear_object (&self->process);
  /* Connections to the old process are gone. */
  soup_session_abort (self->session);
  return status;
}

int
kithd_test_server_stop (KithdTestServer *self)
{
  if (self->process)
    g_subprocess_send_signal (self->process, SIGTERM);
  return kithd_test_server_wait_exit (self);
}

void
kithd_test_server_kill9 (KithdTestServer *self)
{
  if (!self->process)
    return;
  g_subprocess_send_signal (self->process, SIGKILL);
  wait_process (self);
  g_clear_object (&self->process);
  soup_session_abort (self->session);
}

void
kithd_test_server_restart (KithdTestServer *self)
{
  if (self->process)
    kithd_test_server_stop (self);
  spawn (self);
}

void
kithd_test_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir) {
    while ((name = g_dir_read_name (dir))) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        kithd_test_remove_tree (child);
      else
        g_unlink (child);
    }
  }
  g_rmdir (path);
}

void
kithd_test_server_free (KithdTestServer *self)
{
  if (!self)
    return;
  if (self->process) {
    int status = kithd_test_server_stop (self);

    /* A clean shutdown (also no leak report under ASan). */
    g_assert_cmpint (status, ==, 0);
  }
  kithd_test_remove_tree (self->data_dir);
  if (self->log_dir)
    kithd_test_remove_tree (self->log_dir);
  g_free (self->log_dir);
  g_clear_object (&self->session);
  g_clear_object (&self->tls_database);
  g_free (self->host);
  g_free (self->tls_config);
  g_strfreev (self->extra_args);
  g_free (self->data_dir);
  g_free (self->port_file);
  g_free (self->clock_file);
  g_free (self->log_file);
  g_free (self->url);
  g_free (self);
}

int
kithd_test_run_with_server (KithdTestServer **server)
{
  int ret;

  *server = kithd_test_server_startv (NULL);
  ret = g_test_run ();
  g_clear_pointer (server, kithd_test_server_free);
  return ret;
}

void
kithd_test_server_set_clock_offset (KithdTestServer *self,
                                    gint64           seconds)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", seconds);
  g_autofree char *tmp = g_strconcat (self->clock_file, ".tmp", NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (tmp, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_rename (tmp, self->clock_file), ==, 0);
}

guint
kithd_test_server_request (KithdTestServer     *self,
                           const char          *method,
                           const char          *path,
                           const char          *token,
                           const char          *body,
                           char               **response,
                           SoupMessageHeaders **response_headers)
{
  g_autofree char *uri = g_strconcat (self->url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (msg);
  if (token) {
    g_autofree char *value = g_strconcat ("Bearer ", token, NULL);

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
  }
  if (body) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }

  reply = soup_session_send_and_read (self->session, msg, NULL, &error);
  g_assert_no_error (error);

  if (response) {
    gsize len;
    const char *data = g_bytes_get_data (reply, &len);

    *response = g_strndup (data ? data : "", len);
  }
  if (response_headers)
    *response_headers = soup_message_headers_ref (soup_message_get_response_headers (msg));

  return soup_message_get_status (msg);
}

JsonObject *
kithd_test_parse_object (const char *json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

char *
kithd_test_error_code (const char *json)
{
  g_autoptr (JsonObject) object = NULL;
  JsonObject *error;

  if (!json || !*json)
    return NULL;
  object = kithd_test_parse_object (json);
  if (!json_object_has_member (object, "error"))
    return NULL;
  error = json_object_get_object_member (object, "error");
  return g_strdup (json_object_get_string_member (error, "code"));
}

char *
kithd_test_server_call (KithdTestServer *self,
                        const char      *method,
                        const char      *path,
                        const char      *token,
                        const char      *body,
                        guint            expected_status,
                        const char      *expected_code)
{
  char *response = NULL;
  guint status = kithd_test_server_request (self, method, path, token, body, &response, NULL);

  if (status != expected_status)
    g_error ("%s %s: expected %u, got %u: %s", method, path, expected_status, status, response);
  if (expected_code) {
    g_autofree char *code = kithd_test_error_code (response);

    g_assert_cmpstr (code, ==, expected_code);
  }
  return response;
}

KithdTestUser *
kithd_test_server_new_user (KithdTestServer *self,
                            const char      *first)
{
  static guint counter;
  g_autofree char *lower = g_ascii_strdown (first, -1);
  g_autofree char *email = g_strdup_printf ("%s%u@example.com", lower, ++counter);

  return kithd_test_server_sign_up (self, email, KITHD_TEST_PASSWORD, first, "Tester");
}

KithdTestUser *
kithd_test_server_sign_up (KithdTestServer *self,
                           const char      *email,
                           const char      *password,
                           const char      *first_name,
                           const char      *last_name)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *body = NULL;
  g_autofree char *response = NULL;
  g_autoptr (JsonObject) object = NULL;
  KithdTestUser *user;
  guint status;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, email);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_set_member_name (builder, "first_name");
  json_builder_add_string_value (builder, first_name);
  json_builder_set_member_name (builder, "last_name");
  json_builder_add_string_value (builder, last_name);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  body = json_to_string (node, FALSE);

  status = kithd_test_server_request (self, "POST", "/api/v1/accounts", NULL, body, &response, NULL);
  if (status != 201)
    g_error ("sign-up of %s failed: %u %s", email, status, response);

  object = kithd_test_parse_object (response);
  user = g_new0 (KithdTestUser, 1);
  user->token = g_strdup (json_object_get_string_member (object, "token"));
  user->id = json_object_get_int_member (json_object_get_object_member (object, "user"), "id");
  user->email = g_strdup (email);
  user->password = g_strdup (password);
  g_assert_cmpint (user->id, >, 0);
  g_assert_nonnull (user->token);
  return user;
}

char *
kithd_test_server_log_in (KithdTestServer *self,
                          const char      *email,
                          const char      *password,
                          const char      *device_kind)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *body = NULL;
  g_autofree char *response = NULL;
  g_autoptr (JsonObject) object = NULL;
  guint status;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, email);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_set_member_name (builder, "device_name");
  json_builder_add_string_value (builder, "test device");
  json_builder_set_member_name (builder, "device_kind");
  json_builder_add_string_value (builder, device_kind ? device_kind : "desktop");
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  body = json_to_string (node, FALSE);

  status = kithd_test_server_request (self, "POST", "/api/v1/sessions", NULL, body, &response, NULL);
  if (status != 201)
    g_error ("log-in of %s failed: %u %s", email, status, response);
  object = kithd_test_parse_object (response);
  return g_strdup (json_object_get_string_member (object, "token"));
}

void
kithd_test_server_make_contacts (KithdTestServer     *self,
                                 const KithdTestUser *a,
                                 const KithdTestUser *b)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\"}", b->email);
  g_autofree char *path = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT "/accept", a->id);
  g_autofree char *response = NULL;
  guint status;

  status = kithd_test_server_request (self, "POST", "/api/v1/contacts", a->token, body, &response, NULL);
  if (status != 201)
    g_error ("contact request failed: %u %s", status, response);
  g_clear_pointer (&response, g_free);
  status = kithd_test_server_request (self, "POST", path, b->token, NULL, &response, NULL);
  if (status != 200)
    g_error ("contact accept failed: %u %s", status, response);
}

static sqlite3 *
open_db (KithdTestServer *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, "kithd.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
query_count (sqlite3    *db,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 count;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("bad query %s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return count;
}

gint64
kithd_test_server_db_count (KithdTestServer *self,
                            const char      *table,
                            const char      *where)
{
  sqlite3 *db = open_db (self);
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM \"%s\"%s%s", table,
                                          where ? " WHERE " : "", where ? where : "");
  gint64 count = query_count (db, sql);

  sqlite3_close (db);
  return count;
}

gint64
kithd_test_server_db_count_user_rows (KithdTestServer *self,
                                      gint64           id)
{
  sqlite3 *db = open_db (self);
  g_autoptr (GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  gint64 total = 0;
  guint n_references = 0;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%'", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);

  for (guint i = 0; i < tables->len; i++) {
    const char *table = g_ptr_array_index (tables, i);
    g_autofree char *pragma = g_strdup_printf ("PRAGMA foreign_key_list(\"%s\")", table);

    if (strcmp (table, "users") == 0) {
      g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM users WHERE id = %" G_GINT64_FORMAT, id);

      total += query_count (db, sql);
      continue;
    }

    g_assert_cmpint (sqlite3_prepare_v2 (db, pragma, -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW) {
      const char *ref_table = (const char *) sqlite3_column_text (stmt, 2);
      const char *column = (const char *) sqlite3_column_text (stmt, 3);

      if (g_strcmp0 (ref_table, "users") == 0) {
        g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM \"%s\" WHERE \"%s\" = %" G_GINT64_FORMAT,
                                                table, column, id);

        total += query_count (db, sql);
        n_references++;
      }
    }
    sqlite3_finalize (stmt);
  }

  /* The schema has user references: otherwise this check means nothing. */
  g_assert_cmpuint (n_references, >, 3);
  sqlite3_close (db);
  return total;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
kithd_test_server_outbox_files (KithdTestServer *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, "outbox", "new", NULL);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    g_ptr_array_add (files, g_build_filename (path, name, NULL));
  g_ptr_array_sort (files, compare_strings);
  return files;
}

typedef struct {
  KithdTestServer *self;
  guint            n;
} OutboxWait;

static gboolean
outbox_has (gpointer data)
{
  OutboxWait *wait = data;
  g_autoptr (GPtrArray) files = kithd_test_server_outbox_files (wait->self);

  return files->len >= wait->n;
}

guint
kithd_test_server_wait_outbox (KithdTestServer *self,
                               guint            n,
                               guint            timeout_ms)
{
  OutboxWait wait = { self, n };
  g_autoptr (GPtrArray) files = NULL;

  kithd_test_wait_until (outbox_has, &wait, timeout_ms);
  files = kithd_test_server_outbox_files (self);
  return files->len;
}

char *
kithd_test_non_loopback_address (void)
{
  struct ifaddrs *list = NULL;
  char *found = NULL;

  if (getifaddrs (&list) != 0)
    return NULL;
  for (struct ifaddrs *ifa = list; ifa && !found; ifa = ifa->ifa_next) {
    g_autoptr (GInetAddress) address = NULL;

    if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET ||
        !(ifa->ifa_flags & IFF_UP) || (ifa->ifa_flags & IFF_LOOPBACK))
      continue;
    address = g_inet_address_new_from_bytes ((const guint8 *) &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr,
                                             G_SOCKET_FAMILY_IPV4);
    if (!g_inet_address_get_is_loopback (address) && !g_inet_address_get_is_link_local (address))
      found = g_inet_address_to_string (address);
  }
  freeifaddrs (list);
  return found;
}

static KithdTestServer *
new_tls (KithdTestTls       *tls,
         const char * const *extra_args)
{
  KithdTestServer *self = kithd_test_server_new (extra_args);
  g_autofree char *conf = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n",
                                           kithd_test_tls_get_certificate_file (tls),
                                           kithd_test_tls_get_key_file (tls));
  g_autoptr (GError) error = NULL;

  self->tls_config = g_build_filename (self->data_dir, "kithd-tls.conf", NULL);
  g_file_set_contents (self->tls_config, conf, -1, &error);
  g_assert_no_error (error);
  self->tls_database = g_object_ref (kithd_test_tls_get_database (tls));
  soup_session_set_tls_database (self->session, self->tls_database);
  return self;
}

KithdTestServer *
kithd_test_server_new_tls (KithdTestTls       *tls,
                           const char * const *extra_args)
{
  return new_tls (tls, extra_args);
}

KithdTestServer *
kithd_test_server_start_tls (KithdTestTls       *tls,
                             const char * const *extra_args)
{
  KithdTestServer *self = new_tls (tls, extra_args);

  spawn (self);
  return self;
}

KithdTestServer *
kithd_test_server_start_tls_limited (KithdTestTls       *tls,
                                     guint               nofile,
                                     const char * const *extra_args)
{
  KithdTestServer *self = new_tls (tls, extra_args);

  self->nofile = nofile;
  spawn (self);
  return self;
}
