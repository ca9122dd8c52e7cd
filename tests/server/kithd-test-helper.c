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

struct _KithdTestTls
{
  char         *dir;
  char         *ca_file;
  char         *ca_key_file;
  char         *certificate_file;
  char         *key_file;
  GTlsDatabase *database;
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
kithd_test_server_stop (KithdTestServer *self)
{
  int status = -1;

  if (!self->process)
    return 0;
  g_subprocess_send_signal (self->process, SIGTERM);
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
  soup_session_abort (self->session);
  return status;
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

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir) {
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
kithd_test_server_free (KithdTestServer *self)
{
  if (!self)
    return;
  if (self->process) {
    int status = kithd_test_server_stop (self);

    /* A clean shutdown (also no leak report under ASan). */
    g_assert_cmpint (status, ==, 0);
  }
  remove_tree (self->data_dir);
  if (self->log_dir)
    remove_tree (self->log_dir);
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

/* ---- TLS: a certificate authority of the test's own ---- */

static void
run_openssl (const char *dir,
             const char *first_arg,
             ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  va_list ap;

  g_ptr_array_add (argv, "openssl");
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  /* The machine's openssl.cnf must not change what the test makes. */
  {
    g_auto (GStrv) envp = g_environ_setenv (g_get_environ (), "OPENSSL_CONF", "/dev/null", TRUE);

    if (!g_spawn_sync (dir, (char **) argv->pdata, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
                       &out, &err, &status, &error))
      g_error ("cannot run openssl (build-aux/deps.sh installs it): %s", error->message);
  }
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl %s failed: %s\n%s", first_arg, error->message, err);
}

/* A P-256 key at @path, 0600. */
static void
make_key (const char *dir,
          const char *path)
{
  run_openssl (dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-out", path, NULL);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
}

KithdTestTls *
kithd_test_tls_new (const char *extra_host)
{
  KithdTestTls *self = g_new0 (KithdTestTls, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) san = g_string_new ("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1");
  g_autofree char *ext = NULL;
  g_autofree char *ext_file = NULL;

  self->dir = g_dir_make_tmp ("kithd-tls-XXXXXX", &error);
  g_assert_no_error (error);
  self->ca_file = g_build_filename (self->dir, "ca.pem", NULL);
  self->ca_key_file = g_build_filename (self->dir, "ca-key.pem", NULL);
  self->certificate_file = g_build_filename (self->dir, "server.pem", NULL);
  self->key_file = g_build_filename (self->dir, "server-key.pem", NULL);

  /* The authority: self-signed, for two days. */
  make_key (self->dir, self->ca_key_file);
  run_openssl (self->dir, "req", "-new", "-x509", "-key", self->ca_key_file, "-out", self->ca_file,
               "-days", "2", "-subj", "/O=Kith tests/CN=Kith Test CA",
               "-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL);

  /* The server: 127.0.0.1, ::1 and localhost (and @extra_host), signed by it. */
  if (extra_host)
    g_string_append_printf (san, ",%s:%s", g_hostname_is_ip_address (extra_host) ? "IP" : "DNS", extra_host);
  ext = g_strdup_printf ("%s\nbasicConstraints=critical,CA:FALSE\n"
                         "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n", san->str);
  ext_file = g_build_filename (self->dir, "server.ext", NULL);
  g_file_set_contents (ext_file, ext, -1, &error);
  g_assert_no_error (error);
  make_key (self->dir, self->key_file);
  run_openssl (self->dir, "req", "-new", "-key", self->key_file, "-out", "server.csr",
               "-subj", "/O=Kith tests/CN=localhost", NULL);
  run_openssl (self->dir, "x509", "-req", "-in", "server.csr", "-CA", self->ca_file,
               "-CAkey", self->ca_key_file, "-CAcreateserial", "-days", "2",
               "-extfile", ext_file, "-out", self->certificate_file, NULL);

  self->database = g_tls_file_database_new (self->ca_file, &error);
  g_assert_no_error (error);
  return self;
}

const char *
kithd_test_tls_get_dir (KithdTestTls *self)
{
  return self->dir;
}

const char *
kithd_test_tls_get_ca_file (KithdTestTls *self)
{
  return self->ca_file;
}

const char *
kithd_test_tls_get_certificate_file (KithdTestTls *self)
{
  return self->certificate_file;
}

const char *
kithd_test_tls_get_key_file (KithdTestTls *self)
{
  return self->key_file;
}

GTlsDatabase *
kithd_test_tls_get_database (KithdTestTls *self)
{
  return self->database;
}

char *
kithd_test_tls_make_key (KithdTestTls *self,
                         const char   *name)
{
  char *path = g_build_filename (self->dir, name, NULL);

  make_key (self->dir, path);
  return path;
}

char *
kithd_test_tls_make_self_signed (KithdTestTls *self,
                                 const char   *name,
                                 const char   *key_file)
{
  char *path = g_build_filename (self->dir, name, NULL);

  run_openssl (self->dir, "req", "-new", "-x509", "-key", key_file, "-out", path, "-days", "2",
               "-subj", "/O=Kith tests/CN=localhost",
               "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", NULL);
  return path;
}

void
kithd_test_tls_free (KithdTestTls *self)
{
  if (!self)
    return;
  remove_tree (self->dir);
  g_clear_object (&self->database);
  g_free (self->dir);
  g_free (self->ca_file);
  g_free (self->ca_key_file);
  g_free (self->certificate_file);
  g_free (self->key_file);
  g_free (self);
}

static KithdTestServer *
new_tls (KithdTestTls       *tls,
         const char * const *extra_args)
{
  KithdTestServer *self = kithd_test_server_new (extra_args);
  g_autofree char *conf = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n",
                                           tls->certificate_file, tls->key_file);
  g_autoptr (GError) error = NULL;

  self->tls_config = g_build_filename (self->data_dir, "kithd-tls.conf", NULL);
  g_file_set_contents (self->tls_config, conf, -1, &error);
  g_assert_no_error (error);
  self->tls_database = g_object_ref (tls->database);
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

/* ---- socket client ---- */

struct _KithdTestSocket
{
  SoupSession              *session;
  SoupWebsocketConnection  *conn;
  GQueue                    frames;   /* JsonObject */
  JsonObject               *welcome;
  gboolean                  connect_done;
  gboolean                  closed;
  GError                   *error;
};

/* ---- a raw HTTP client ---- */

int
kithd_test_raw_open (KithdTestServer *self,
                     const char      *from)
{
  struct sockaddr_in sa = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  if (from) {
    struct sockaddr_in local = { 0 };

    local.sin_family = AF_INET;
    g_assert_cmpint (inet_pton (AF_INET, from, &local.sin_addr), ==, 1);
    g_assert_cmpint (bind (fd, (struct sockaddr *) &local, sizeof local), ==, 0);
  }
  sa.sin_family = AF_INET;
  sa.sin_port = g_htons (self->port);
  sa.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  return fd;
}

gboolean
kithd_test_raw_send (int         fd,
                     const void *data,
                     gsize       len)
{
  const char *p = data;

  while (len > 0) {
    ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    p += n;
    len -= n;
  }
  return TRUE;
}

gboolean
kithd_test_raw_send_str (int         fd,
                         const char *text)
{
  return kithd_test_raw_send (fd, text, strlen (text));
}

char *
kithd_test_raw_request (const char *method,
                        const char *path,
                        const char *token,
                        const char *body)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path);
  if (token)
    g_string_append_printf (text, "Authorization: Bearer %s\r\n", token);
  if (body)
    g_string_append_printf (text, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                            strlen (body));
  g_string_append (text, "\r\n");
  if (body)
    g_string_append (text, body);
  return g_string_free (text, FALSE);
}

/* Reads into @buf until @done says so, the peer closes or @timeout_ms
 * passes. Returns FALSE on timeout. */
static gboolean
raw_read_until (int          fd,
                GString     *buf,
                gboolean   (*done) (GString *buf),
                gboolean    *closed,
                guint        timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;

  *closed = FALSE;
  while (!done (buf)) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
    char chunk[4096];
    ssize_t n;

    if (left <= 0)
      return FALSE;
    if (poll (&pfd, 1, left) <= 0)
      continue;
    n = recv (fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      *closed = TRUE;
      return TRUE;
    }
    g_string_append_len (buf, chunk, n);
  }
  return TRUE;
}

static gboolean
response_complete (GString *buf)
{
  const char *end = strstr (buf->str, "\r\n\r\n");
  const char *cl;
  gsize body_len = 0;

  if (!end)
    return FALSE;
  cl = g_strstr_len (buf->str, end - buf->str, "\r\nContent-Length:");
  if (!cl)
    cl = g_strstr_len (buf->str, end - buf->str, "\r\ncontent-length:");
  if (cl)
    body_len = g_ascii_strtoull (cl + strlen ("\r\nContent-Length:"), NULL, 10);
  return buf->len >= (gsize) (end + 4 - buf->str) + body_len;
}

static gboolean
never_done (GString *buf)
{
  return FALSE;
}

guint
kithd_test_raw_read_response (int     fd,
                              guint   timeout_ms,
                              char  **body,
                              char  **headers)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  gboolean closed;
  const char *end;

  if (!raw_read_until (fd, buf, response_complete, &closed, timeout_ms) ||
      !g_str_has_prefix (buf->str, "HTTP/1.") || buf->len < 12 || !response_complete (buf))
    return 0;
  end = strstr (buf->str, "\r\n\r\n");
  if (body)
    *body = g_strdup (end + 4);
  if (headers)
    *headers = g_strndup (buf->str, end - buf->str);
  return g_ascii_strtoull (buf->str + 9, NULL, 10);
}

gboolean
kithd_test_raw_wait_closed (int   fd,
                            guint timeout_ms)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  gboolean closed;

  raw_read_until (fd, buf, never_done, &closed, timeout_ms);
  return closed;
}

GByteArray *
kithd_test_ws_text_frame (const char *text)
{
  gsize len = strlen (text);
  GByteArray *frame = g_byte_array_new ();
  guint8 hdr[4] = { 0x81, 0, 0, 0 };
  const guint8 mask[4] = { 0, 0, 0, 0 };

  g_assert_cmpuint (len, <, 65536);
  if (len < 126) {
    hdr[1] = 0x80 | len;
    g_byte_array_append (frame, hdr, 2);
  } else {
    hdr[1] = 0x80 | 126;
    hdr[2] = len >> 8;
    hdr[3] = len & 0xff;
    g_byte_array_append (frame, hdr, 4);
  }
  g_byte_array_append (frame, mask, 4);
  g_byte_array_append (frame, (const guint8 *) text, len);
  return frame;
}

gboolean
kithd_test_raw_ws_send (int         fd,
                        const char *text)
{
  g_autoptr (GByteArray) frame = kithd_test_ws_text_frame (text);

  return kithd_test_raw_send (fd, frame->data, frame->len);
}

static gboolean
upgrade_done (GString *buf)
{
  return strstr (buf->str, "\r\n\r\n") != NULL;
}

int
kithd_test_raw_ws_open (KithdTestServer *self,
                        const char      *token,
                        int              rcvbuf)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = { 0 };
  g_autoptr (GString) buf = g_string_new (NULL);
  g_autofree char *request = NULL;

  g_assert_cmpint (fd, >=, 0);
  if (rcvbuf > 0)
    g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), ==, 0);
  sa.sin_family = AF_INET;
  sa.sin_port = g_htons (self->port);
  sa.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);

  request = g_strdup_printf ("GET /api/v1/socket HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n", self->port);
  g_assert_true (kithd_test_raw_send_str (fd, request));
  /* Byte by byte: nothing past the answer is taken from the socket. */
  while (!upgrade_done (buf)) {
    char c;
    struct pollfd pfd = { fd, POLLIN, 0 };

    g_assert_cmpint (poll (&pfd, 1, 20000), ==, 1);
    g_assert_cmpint (recv (fd, &c, 1, 0), ==, 1);
    g_string_append_c (buf, c);
  }
  g_assert_true (g_str_has_prefix (buf->str, "HTTP/1.1 101"));

  if (token) {
    g_autofree char *hello = g_strdup_printf ("{\"type\": \"hello\", \"token\": \"%s\"}", token);

    g_assert_true (kithd_test_raw_ws_send (fd, hello));
  }
  return fd;
}

/* ---- the socket client ---- */

static void
on_socket_message (SoupWebsocketConnection *conn,
                   int                      type,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  KithdTestSocket *self = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_queue_push_tail (&self->frames, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
on_socket_closed (SoupWebsocketConnection *conn,
                  gpointer                 user_data)
{
  KithdTestSocket *self = user_data;

  self->closed = TRUE;
}

static void
on_socket_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  KithdTestSocket *self = user_data;

  self->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &self->error);
  self->connect_done = TRUE;
  if (self->conn) {
    /* Frames up to a whole 64 KiB message and then some, for the size tests. */
    soup_websocket_connection_set_max_incoming_payload_size (self->conn, 4 * 1024 * 1024);
    soup_websocket_connection_set_keepalive_interval (self->conn, 0);
    g_signal_connect (self->conn, "message", G_CALLBACK (on_socket_message), self);
    g_signal_connect (self->conn, "closed", G_CALLBACK (on_socket_closed), self);
  }
}

static gboolean
socket_connect_done (gpointer data)
{
  return ((KithdTestSocket *) data)->connect_done;
}

KithdTestSocket *
kithd_test_socket_connect (KithdTestServer *server,
                           const char      *token,
                           gint64           resume_after)
{
  KithdTestSocket *self = g_new0 (KithdTestSocket, 1);
  g_autofree char *url = kithd_test_server_get_socket_url (server);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

  g_queue_init (&self->frames);
  self->session = kithd_test_server_new_soup_session (server);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, on_socket_connected, self);
  g_assert_true (kithd_test_wait_until (socket_connect_done, self, 10000));
  g_assert_no_error (self->error);

  if (token) {
    kithd_test_socket_send_printf (self, "{\"type\": \"hello\", \"token\": \"%s\", \"resume_after\": %" G_GINT64_FORMAT "}",
                                   token, resume_after);
    self->welcome = kithd_test_socket_wait_frame (self, "welcome", NULL, 0, 10000);
    g_assert_nonnull (self->welcome);
  }
  return self;
}

JsonObject *
kithd_test_socket_get_welcome (KithdTestSocket *self)
{
  return self->welcome;
}

void
kithd_test_socket_send (KithdTestSocket *self,
                        const char      *json)
{
  g_assert_nonnull (self->conn);
  soup_websocket_connection_send_text (self->conn, json);
}

void
kithd_test_socket_send_printf (KithdTestSocket *self,
                               const char      *format,
                               ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  kithd_test_socket_send (self, text);
}

void
kithd_test_socket_send_binary (KithdTestSocket *self,
                               const void      *data,
                               gsize            len)
{
  g_assert_nonnull (self->conn);
  soup_websocket_connection_send_binary (self->conn, data, len);
}

typedef struct {
  KithdTestSocket *self;
  const char      *type;
  const char      *member;
  gint64           value;
  GList           *found;
} FrameWait;

static gboolean
frame_matches (JsonObject *frame,
               FrameWait  *wait)
{
  if (g_strcmp0 (json_object_get_string_member_with_default (frame, "type", ""), wait->type) != 0)
    return FALSE;
  if (wait->member &&
      (!json_object_has_member (frame, wait->member) ||
       json_object_get_int_member (frame, wait->member) != wait->value))
    return FALSE;
  return TRUE;
}

static gboolean
frame_arrived (gpointer data)
{
  FrameWait *wait = data;

  for (GList *l = wait->self->frames.head; l; l = l->next) {
    if (frame_matches (l->data, wait)) {
      wait->found = l;
      return TRUE;
    }
  }
  return wait->self->closed;
}

JsonObject *
kithd_test_socket_wait_frame (KithdTestSocket *self,
                              const char      *type,
                              const char      *member,
                              gint64           value,
                              guint            timeout_ms)
{
  FrameWait wait = { self, type, member, value, NULL };
  JsonObject *frame;

  kithd_test_wait_until (frame_arrived, &wait, timeout_ms);
  if (!wait.found)
    return NULL;
  frame = wait.found->data;
  g_queue_delete_link (&self->frames, wait.found);
  return frame;
}

gboolean
kithd_test_socket_await (KithdTestSocket *self,
                         const char      *type,
                         const char      *member,
                         gint64           value,
                         guint            timeout_ms)
{
  g_autoptr (JsonObject) frame = kithd_test_socket_wait_frame (self, type, member, value, timeout_ms);

  return frame != NULL;
}

const char *
kithd_test_socket_wait_presence (KithdTestSocket *self,
                                 gint64           user_id,
                                 guint            timeout_ms)
{
  g_autoptr (JsonObject) frame = kithd_test_socket_wait_frame (self, "presence", "user_id", user_id, timeout_ms);
  static const char *statuses[] = { "offline", "online", "busy", "idle", "mobile" };
  const char *status;

  if (!frame)
    return NULL;
  status = json_object_get_string_member (frame, "status");
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++) {
    if (g_strcmp0 (status, statuses[i]) == 0)
      return statuses[i];
  }
  g_error ("unknown presence %s", status);
  return NULL;
}

guint
kithd_test_socket_count (KithdTestSocket *self,
                         const char      *type)
{
  guint n = 0;

  for (GList *l = self->frames.head; l; l = l->next) {
    if (g_strcmp0 (json_object_get_string_member_with_default (l->data, "type", ""), type) == 0)
      n++;
  }
  return n;
}

void
kithd_test_socket_sync (KithdTestSocket *self)
{
  g_autoptr (JsonObject) pong = NULL;

  kithd_test_socket_send (self, "{\"type\": \"ping\"}");
  pong = kithd_test_socket_wait_frame (self, "pong", NULL, 0, 10000);
  g_assert_nonnull (pong);
}

void
kithd_test_socket_clear (KithdTestSocket *self)
{
  g_queue_clear_full (&self->frames, (GDestroyNotify) json_object_unref);
}

static gboolean
socket_closed (gpointer data)
{
  return ((KithdTestSocket *) data)->closed;
}

guint
kithd_test_socket_wait_closed (KithdTestSocket *self,
                               guint            timeout_ms)
{
  if (!kithd_test_wait_until (socket_closed, self, timeout_ms))
    return 0;
  return soup_websocket_connection_get_close_code (self->conn);
}

gboolean
kithd_test_socket_is_open (KithdTestSocket *self)
{
  return !self->closed;
}

void
kithd_test_socket_free (KithdTestSocket *self)
{
  if (!self)
    return;
  if (self->conn) {
    g_signal_handlers_disconnect_by_data (self->conn, self);
    if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_clear_object (&self->conn);
  }
  g_clear_pointer (&self->welcome, json_object_unref);
  kithd_test_socket_clear (self);
  g_clear_error (&self->error);
  g_clear_object (&self->session);
  g_free (self);
}
