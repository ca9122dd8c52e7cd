/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kith-bench-presence: helpers, kithd and the floor server as child
 * processes, the server's address, the accounts over REST. */
#define G_LOG_DOMAIN "KithBench"
#define _GNU_SOURCE  /* memmem, nftw */

#include "config.h"

#include "kith-bench-presence.h"

/* ---- small helpers ---- */

double
ms (gint64 us)
{
  return us / 1000.0;
}

double
secs (gint64 us)
{
  return us / (double) G_USEC_PER_SEC;
}

gint64
read_rss_kb (int pid)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  const char *p;

  if (pid <= 0)
    return -1;
  path = g_strdup_printf ("/proc/%d/status", pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  p = strstr (contents, "VmRSS:");
  if (p == NULL)
    return -1;
  return g_ascii_strtoll (p + strlen ("VmRSS:"), NULL, 10);
}

/* utime + stime of @pid in µs (stime alone in *@sys_us), -1 if unknown */
gint64
read_cpu_us (int     pid,
             gint64 *sys_us)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const char *p;
  long ticks = sysconf (_SC_CLK_TCK);

  if (pid <= 0)
    return -1;
  path = g_strdup_printf ("/proc/%d/stat", pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  /* the command name may hold spaces: fields start after the last ')' */
  p = strrchr (contents, ')');
  if (p == NULL)
    return -1;
  fields = g_strsplit (p + 2, " ", -1);
  /* fields[0] is field 3 (state); utime is field 14, stime 15 */
  if (g_strv_length (fields) < 13)
    return -1;
  if (sys_us != NULL)
    *sys_us = g_ascii_strtoll (fields[12], NULL, 10) * G_USEC_PER_SEC / ticks;
  return (g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10))
         * G_USEC_PER_SEC / ticks;
}

gint64
self_cpu_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC
         + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

gint64
percentile (GArray *sorted,
            double  q)
{
  gsize i;

  if (sorted->len == 0)
    return 0;
  i = (gsize) ceil (q * sorted->len);
  if (i > 0)
    i--;
  if (i >= sorted->len)
    i = sorted->len - 1;
  return g_array_index (sorted, gint64, i);
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until @cond holds or @timeout_us passes. */
gboolean
wait_until (Bench     *b,
            BenchCond  cond,
            gint64     timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  guint tick = g_timeout_add (10, on_tick, NULL);
  gboolean ok = TRUE;

  while (!cond (b)) {
    if (interrupted || g_get_monotonic_time () >= deadline) {
      ok = FALSE;
      break;
    }
    g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (tick);
  return ok;
}

void
wait_for (gint64 us)
{
  gint64 deadline = g_get_monotonic_time () + us;
  guint tick = g_timeout_add (10, on_tick, NULL);

  while (!interrupted && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static int
rm_one (const char        *path,
        const struct stat *sb,
        int                flag,
        struct FTW        *ftw)
{
  remove (path);
  return 0;
}

/* ---- kithd ---- */

static const char *
rest_kind_name (RestKind kind)
{
  switch (kind) {
  case REST_SIGN_UP: return "sign-up";
  case REST_LOG_IN: return "log-in";
  case REST_ADD: return "contact request";
  case REST_ACCEPT: return "contact accept";
  default: return "?";
  }
}

/* After a failure: the end of the log of the kithd we started. */
void
kithd_print_log (Bench *b)
{
  g_autofree char *path = NULL;
  g_autofree char *log = NULL;
  gsize len = 0;

  if (b->data_dir == NULL)
    return;
  path = g_build_filename (b->data_dir, "kithd.log", NULL);
  if (!g_file_get_contents (path, &log, &len, NULL) || len == 0)
    return;
  g_printerr ("kithd %s; the end of its log:\n%s\n",
              b->kithd_exited ? "has exited" : "is running",
              len > 4000 ? log + len - 4000 : log);
}

/* The port a server wrote to @path once listening ("PORT\n"), 0: not yet. */
static int
read_port_file (const char *path)
{
  g_autofree char *contents = NULL;
  gint64 port;

  if (!g_file_get_contents (path, &contents, NULL, NULL) || strchr (contents, '\n') == NULL)
    return 0;
  port = g_ascii_strtoll (contents, NULL, 10);
  return port > 0 && port < 65536 ? (int) port : 0;
}

static gboolean
kithd_exited_cond (Bench *b)
{
  return b->kithd_exited;
}

static void
on_kithd_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Bench *b = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  b->kithd_exited = TRUE;
}

gboolean
kithd_start (Bench   *b,
             GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *port_file = NULL;
  g_autofree char *log_file = NULL;
  g_autofree char *conf_file = NULL;
  g_autofree char *listen = NULL;
  gint64 deadline;

  if (b->data_dir == NULL)
    b->data_dir = g_dir_make_tmp ("kith-bench-XXXXXX", error);
  if (b->data_dir == NULL)
    return FALSE;
  port_file = g_build_filename (b->data_dir, "port", NULL);
  g_unlink (port_file);
  b->kithd_exited = FALSE;
  g_clear_pointer (&b->url, g_free);
  log_file = g_build_filename (b->data_dir, "kithd.log", NULL);
  /* One address opens thousands of sockets, signs up thousands of users
   * and sends messages as fast as it can: kithd's limits on those (made
   * for the internet) are off for the load generator. */
  conf_file = g_build_filename (b->data_dir, "kithd-bench.conf", NULL);
  if (!g_file_set_contents (conf_file,
                            "[limits]\nconnections-per-address=0\nsign-ups-per-address=0\n"
                            "login-failures-per-address=0\nmessages-per-second=0\n"
                            "password-checks-per-address=0\npassword-checks=0\n", -1, error))
    return FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_file);
  b->kithd = g_subprocess_launcher_spawn (launcher, error,
                                          b->kithd_path,
                                          "--data-dir", b->data_dir,
                                          "--listen", "127.0.0.1:0",
                                          "--port-file", port_file,
                                          "--config", conf_file,
                                          NULL);
  if (b->kithd == NULL)
    return FALSE;
  b->pid = (int) g_ascii_strtoll (g_subprocess_get_identifier (b->kithd), NULL, 10);
  g_subprocess_wait_async (b->kithd, NULL, on_kithd_exited, b);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !interrupted) {
    int port = read_port_file (port_file);

    if (port > 0) {
      b->url = g_strdup_printf ("http://127.0.0.1:%d", port);
      return TRUE;
    }
    if (b->kithd_exited)
      break;
    wait_for (20 * 1000);
  }
  {
    g_autofree char *log = NULL;

    g_file_get_contents (log_file, &log, NULL, NULL);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "kithd (%s) did not write its port file within 20 s; its log:\n%s",
                 b->kithd_path, log ? log : "(empty)");
  }
  return FALSE;
}

void
kithd_terminate (Bench *b)
{
  if (b->kithd != NULL) {
    if (!b->kithd_exited)
      g_subprocess_send_signal (b->kithd, SIGTERM);
    if (!wait_until (b, kithd_exited_cond, 10 * G_USEC_PER_SEC)) {
      g_printerr ("kithd did not stop within 10 s of SIGTERM; killing it\n");
      g_subprocess_force_exit (b->kithd);
      wait_until (b, kithd_exited_cond, 5 * G_USEC_PER_SEC);
    }
    g_clear_object (&b->kithd);
  }
}

void
kithd_stop (Bench *b)
{
  kithd_terminate (b);
  if (b->data_dir != NULL) {
    nftw (b->data_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    g_clear_pointer (&b->data_dir, g_free);
  }
}

/* ---- the floor server ---- */

static gboolean
floor_exited_cond (Bench *b)
{
  return b->floor_exited;
}

static void
on_floor_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Bench *b = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  b->floor_exited = TRUE;
}

/* Starts this program as the floor server (--floor-server) on loopback,
 * reached through @ep; one at a time. */
gboolean
floor_start (Bench     *b,
             Endpoint  *ep,
             GError   **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *self = NULL;
  g_autofree char *port_file = NULL;
  gint64 deadline;

  self = g_file_read_link ("/proc/self/exe", error);
  if (self == NULL)
    return FALSE;
  b->floor_dir = g_dir_make_tmp ("kith-bench-floor-XXXXXX", error);
  if (b->floor_dir == NULL)
    return FALSE;
  port_file = g_build_filename (b->floor_dir, "port", NULL);

  g_ptr_array_add (argv, g_strdup (self));
  g_ptr_array_add (argv, g_strdup ("--floor-server"));
  g_ptr_array_add (argv, g_strdup_printf ("--users=%d", b->n_users));
  g_ptr_array_add (argv, g_strdup_printf ("--contacts=%d", b->n_contacts));
  g_ptr_array_add (argv, g_strdup_printf ("--port-file=%s", port_file));
  if (ep == &b->split_ep)
    g_ptr_array_add (argv, g_strdup ("--floor-split-writes"));
  g_ptr_array_add (argv, NULL);

  b->floor_exited = FALSE;
  b->floor = g_subprocess_newv ((const char * const *) argv->pdata,
                                G_SUBPROCESS_FLAGS_STDIN_INHERIT, error);
  if (b->floor == NULL)
    return FALSE;
  ep->pid = (int) g_ascii_strtoll (g_subprocess_get_identifier (b->floor), NULL, 10);
  g_subprocess_wait_async (b->floor, NULL, on_floor_exited, b);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !interrupted && !b->floor_exited) {
    int port = read_port_file (port_file);

    if (port > 0) {
      memset (&ep->addr, 0, sizeof ep->addr);
      ep->addr.sin_family = AF_INET;
      ep->addr.sin_port = htons (port);
      ep->addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      g_free (ep->host);
      ep->host = g_strdup_printf ("127.0.0.1:%d", port);
      return TRUE;
    }
    wait_for (20 * 1000);
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "the floor server (%s --floor-server) did not write its port file within 20 s",
               self);
  return FALSE;
}

void
floor_stop (Bench *b)
{
  if (b->floor != NULL) {
    if (!b->floor_exited)
      g_subprocess_send_signal (b->floor, SIGTERM);
    if (!wait_until (b, floor_exited_cond, 10 * G_USEC_PER_SEC)) {
      g_subprocess_force_exit (b->floor);
      wait_until (b, floor_exited_cond, 5 * G_USEC_PER_SEC);
    }
    g_clear_object (&b->floor);
  }
  if (b->floor_dir != NULL) {
    nftw (b->floor_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    g_clear_pointer (&b->floor_dir, g_free);
  }
}

/* ---- the server's address: loopback only ---- */

gboolean
parse_url (Bench   *b,
           GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *host;
  int port;

  uri = g_uri_parse (b->url, G_URI_FLAGS_NONE, error);
  if (uri == NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "--url must be http://127.0.0.1:PORT");
    return FALSE;
  }
  host = g_uri_get_host (uri);
  if (g_strcmp0 (host, "localhost") == 0)
    host = "127.0.0.1";
  port = g_uri_get_port (uri);
  if (port <= 0)
    port = 80;
  memset (&b->kithd_ep.addr, 0, sizeof b->kithd_ep.addr);
  b->kithd_ep.addr.sin_family = AF_INET;
  b->kithd_ep.addr.sin_port = htons (port);
  if (host == NULL || inet_pton (AF_INET, host, &b->kithd_ep.addr.sin_addr) != 1
      || (ntohl (b->kithd_ep.addr.sin_addr.s_addr) >> 24) != 127) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "the benchmark talks to loopback only (127.0.0.0/8), not “%s”",
                 host ? host : "");
    return FALSE;
  }
  g_free (b->kithd_ep.host);
  b->kithd_ep.host = g_strdup_printf ("%s:%d", host, port);
  b->kithd_ep.pid = b->pid;
  g_free (b->url);
  b->url = g_strdup_printf ("http://%s:%d", host, port);
  return TRUE;
}

/* ---- REST ---- */

static void rest_pump (Bench *b);

static void
rest_job_free (RestJob *job)
{
  g_clear_object (&job->msg);
  g_free (job);
}

static SoupMessage *
rest_message (Bench      *b,
              const char *method,
              const char *path,
              const char *token,
              char       *json,   /* taken */
              gsize       len)
{
  g_autofree char *url = g_strconcat (b->url, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);

  if (!b->keep_alive)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Connection", "close");
  if (token != NULL) {
    g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "Authorization", auth);
  }
  if (json != NULL) {
    g_autoptr (GBytes) bytes = g_bytes_new_take (json, len);

    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  } else if (g_strcmp0 (method, "POST") == 0) {
    g_autoptr (GBytes) bytes = g_bytes_new_static ("", 0);

    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }
  return msg;
}

static void
ring_pair (Bench *b,
           guint  index,
           guint *asker,
           guint *asked)
{
  guint i = index / b->half;
  guint d = index % b->half + 1;

  *asker = i;
  *asked = (i + d) % b->n_users;
}

static void on_rest_done (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
rest_send (RestJob *job)
{
  Bench *b = job->bench;
  g_autoptr (KithBody) body = NULL;
  char *json = NULL;
  gsize len = 0;
  guint asker, asked;
  User *u;

  g_clear_object (&job->msg);
  switch (job->kind) {
  case REST_SIGN_UP:
    u = &b->users[job->index];
    body = kith_body_new (KITH_BODY_SIGN_UP);
    body->email = g_strdup (u->email);
    body->password = g_strdup (BENCH_PASSWORD);
    body->first_name = g_strdup_printf ("Bench%u", job->index);
    body->last_name = g_strdup ("User");
    json = kith_body_to_json (body, &len);
    job->msg = rest_message (b, "POST", "/api/v1/accounts", NULL, json, len);
    break;

  case REST_LOG_IN:
    u = &b->users[job->index];
    body = kith_body_new (KITH_BODY_LOG_IN);
    body->present = KITH_FIELD_EMAIL | KITH_FIELD_PASSWORD;
    body->email = g_strdup (u->email);
    body->password = g_strdup (BENCH_PASSWORD);
    body->device_name = g_strdup ("bench");
    body->device_kind = KITH_DEVICE_DESKTOP;
    json = kith_body_to_json (body, &len);
    job->msg = rest_message (b, "POST", "/api/v1/sessions", NULL, json, len);
    break;

  case REST_ADD:
    ring_pair (b, job->index, &asker, &asked);
    body = kith_body_new (KITH_BODY_CONTACT_ADD);
    body->email = g_strdup (b->users[asked].email);
    json = kith_body_to_json (body, &len);
    job->msg = rest_message (b, "POST", "/api/v1/contacts",
                             b->users[asker].token, json, len);
    break;

  case REST_ACCEPT:
    {
      g_autofree char *path = NULL;

      ring_pair (b, job->index, &asker, &asked);
      path = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT "/accept",
                              b->users[asker].id);
      job->msg = rest_message (b, "POST", path, b->users[asked].token, NULL, 0);
    }
    break;

  default:
    g_assert_not_reached ();
  }

  soup_session_send_and_read_async (b->session, job->msg, G_PRIORITY_DEFAULT,
                                    NULL, on_rest_done, job);
}

static gboolean
on_rest_retry (gpointer user_data)
{
  rest_send (user_data);
  return G_SOURCE_REMOVE;
}

static void
rest_fail (Bench      *b,
           RestJob    *job,
           guint       status,
           GBytes     *bytes,
           const char *what)
{
  if (!b->rest_failed) {
    g_autofree char *message = NULL;
    KithErrorCode code;
    gsize len = 0;
    const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

    if (data != NULL && kith_response_parse_error (data, len, &code, &message))
      g_printerr ("setup failed: %s (request %u): HTTP %u %s: %s\n", what, job->index,
                  status, kith_error_code_to_string (code), message);
    else
      g_printerr ("setup failed: %s (request %u): HTTP %u\n", what, job->index, status);
  }
  b->rest_failed = TRUE;
}

static void
on_rest_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RestJob *job = user_data;
  Bench *b = job->bench;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL) {
    if (!b->rest_failed)
      g_printerr ("setup failed: %s %u: %s\n", rest_kind_name (job->kind), job->index,
                  error->message);
    b->rest_failed = TRUE;
    goto done;
  }
  status = soup_message_get_status (job->msg);

  if (status == 429 && job->attempt < 20) {
    const char *after = soup_message_headers_get_one (soup_message_get_response_headers (job->msg),
                                                      "Retry-After");
    guint delay = after ? (guint) g_ascii_strtoull (after, NULL, 10) : 1;

    job->attempt++;
    g_timeout_add_seconds (MAX (delay, 1), on_rest_retry, job);
    return;
  }

  switch (job->kind) {
  case REST_SIGN_UP:
  case REST_LOG_IN:
    if (status != SOUP_STATUS_CREATED) {
      rest_fail (b, job, status, bytes, job->kind == REST_SIGN_UP ? "sign-up" : "log-in");
    } else {
      g_autofree char *token = NULL;
      g_autoptr (KithUserInfo) info = NULL;
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);
      User *u = &b->users[job->index];

      if (!kith_response_parse_session (data, len, &token, &info, &error)) {
        g_printerr ("setup failed: session response: %s\n", error->message);
        b->rest_failed = TRUE;
        break;
      }
      g_free (u->token);
      u->token = g_steal_pointer (&token);
      u->id = info->id;
      g_hash_table_insert (b->user_by_id, GSIZE_TO_POINTER ((gsize) u->id),
                           GUINT_TO_POINTER (job->index + 1));
    }
    break;

  case REST_ADD:
    if (status != SOUP_STATUS_CREATED)
      rest_fail (b, job, status, bytes, "contact request");
    break;

  case REST_ACCEPT:
    if (status != SOUP_STATUS_OK)
      rest_fail (b, job, status, bytes, "contact accept");
    break;

  default:
    g_assert_not_reached ();
  }

done:
  b->rest_in_flight--;
  b->rest_done++;
  rest_job_free (job);
  rest_pump (b);
}

static void
rest_pump (Bench *b)
{
  while (!b->rest_failed
         && b->rest_in_flight < (guint) b->rest_concurrency
         && b->rest_next < b->rest_total) {
    RestJob *job = g_new0 (RestJob, 1);

    job->bench = b;
    job->kind = b->rest_kind;
    job->index = b->rest_next++;
    b->rest_in_flight++;
    rest_send (job);
  }
}

static gboolean
rest_finished_cond (Bench *b)
{
  return b->rest_in_flight == 0 && (b->rest_failed || b->rest_done == b->rest_total);
}

gboolean
rest_phase (Bench    *b,
            RestKind  kind,
            guint     total,
            gint64   *elapsed)
{
  gint64 start = g_get_monotonic_time ();

  b->rest_kind = kind;
  b->rest_total = total;
  b->rest_next = 0;
  b->rest_done = 0;
  b->rest_in_flight = 0;
  rest_pump (b);
  if (!wait_until (b, rest_finished_cond, REST_TIMEOUT_US)) {
    if (!b->rest_failed)
      g_printerr ("setup failed: REST phase did not finish within %d s (%u of %u done)\n",
                  (int) (REST_TIMEOUT_US / G_USEC_PER_SEC), b->rest_done, total);
    b->rest_failed = TRUE;
    /* let the calls in flight end so that their jobs are freed */
    soup_session_abort (b->session);
    wait_for (100 * 1000);
  }
  *elapsed = g_get_monotonic_time () - start;
  return !b->rest_failed;
}
