/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kith-bench-presence: a load generator for kithd's presence fan-out.
 *
 * It signs up N users, arranges them in a ring where each has K accepted
 * contacts, connects one socket per user, then sends R presence changes per
 * second for D seconds and measures, on every receiving socket, the time from
 * the change to its `presence` frame. It measures the message round trip
 * between two clients, then the capacity at saturation (as many changes as
 * kithd takes), of kithd and of a floor server that does the least a server
 * can for the same load (presence-floor.c), with CPU per delivery. Or, with
 * --hold, how many idle sockets kithd holds and what each costs.
 *
 * The REST calls go through libsoup. The sockets use a minimal WebSocket
 * client of our own on non-blocking sockets behind one epoll source, so that
 * 10,000 connections cost the generator little; frames are parsed with
 * src/common's codec (kith_frame_parse).
 *
 * Loopback only; every wait is bounded; exits non-zero when setup fails.
 */
#define G_LOG_DOMAIN "KithBench"
#define _GNU_SOURCE  /* memmem, nftw */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kith-protocol.h"
#include "kithd-ws.h"
#include "presence-floor.h"

#define BENCH_PASSWORD       "Bench-pass-1!"
#define WS_GUID              "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define READ_CHUNK           (64 * 1024)
#define MAX_IN_FRAME         (1024 * 1024)
#define KEEPALIVE_US         (20 * G_USEC_PER_SEC)
#define REST_TIMEOUT_US      (300 * G_USEC_PER_SEC)
#define DRAIN_TIMEOUT_US     (10 * G_USEC_PER_SEC)
#define MAX_REPORTED_ERRORS  5

typedef struct _Bench Bench;

/* Where a socket connects: kithd or the floor server. */
typedef struct {
  const char         *name;    /* "kithd", "floor" */
  struct sockaddr_in  addr;
  char               *host;    /* the Host header */
  int                 pid;     /* for its CPU; 0: unknown */
} Endpoint;

typedef enum {
  CONN_IDLE,
  CONN_CONNECTING,
  CONN_HANDSHAKE,
  CONN_HELLO,
  CONN_OPEN,
  CONN_CLOSED,
} ConnState;

typedef struct {
  Bench      *bench;
  Endpoint   *ep;
  char       *token;         /* for the hello */
  int         fd;
  guint       user;          /* index into bench->users */
  gboolean    primary;       /* the user's measured socket */
  ConnState   state;
  GByteArray *in;
  GByteArray *out;
  GByteArray *frag;          /* a fragmented text message being assembled */
  guint32     events;        /* epoll interest */
  char       *ws_accept;     /* the Sec-WebSocket-Accept we expect */
  gint64      last_send;
  guint       pongs;
  int         close_code;
} Conn;

typedef struct {
  gint64        id;
  char         *email;
  char         *token;
  Conn         *conn;
  Conn         *floor_conn;   /* to the floor server */
  gint64        change_sent;  /* monotonic µs of the latest change, 0: none */
  guint         pending;      /* deliveries of the latest change still due */
  guint         n_changes[2]; /* sent to kithd, to the floor: their parity picks the status */
  KithPresence  expected;     /* status of the latest change */
} User;

typedef enum {
  REST_SIGN_UP,
  REST_LOG_IN,
  REST_ADD,
  REST_ACCEPT,
} RestKind;

/* The figures of one presence run. */
typedef struct {
  guint64      received;
  guint64      lost;
  double       rate;          /* deliveries/s */
  gint64       p50, p99;      /* µs */
  double       server_share;  /* of one core; < 0: unknown */
  double       server_us;     /* server CPU per delivery; < 0: unknown */
  double       generator_us;
} RunResult;

typedef struct {
  Bench       *bench;
  SoupMessage *msg;
  RestKind     kind;
  guint        index;
  guint        attempt;
} RestJob;

struct _Bench {
  /* options */
  char        *url;
  char        *kithd_path;
  int          pid;
  int          n_users;
  int          n_contacts;
  int          rate;
  int          duration;
  gboolean     saturate;
  int          window;
  int          saturate_seconds;  /* 0: D with --saturate, else 10 */
  int          rounds;
  gboolean     random_order;
  GRand       *rand;
  gboolean     no_floor;
  gboolean     floor_split;
  char        *round_hook;
  int          hold;
  int          hold_seconds;
  int          n_messages;
  int          rest_concurrency;
  int          connect_concurrency;

  /* kithd we started */
  GSubprocess *kithd;
  char        *data_dir;
  gboolean     kithd_exited;

  /* server address */
  Endpoint     kithd_ep;

  /* the floor server (presence-floor.c), a child process */
  GSubprocess *floor;
  char        *floor_dir;
  gboolean     floor_exited;
  Endpoint     floor_ep;      /* one send() per frame */
  Endpoint     split_ep;      /* --floor-split-writes: two, as kithd */

  User        *users;
  GHashTable  *user_by_id;   /* gint64 id -> index + 1 */
  char        *run_tag;

  /* REST */
  SoupSession *session;
  RestKind     rest_kind;
  guint        rest_total;
  guint        rest_next;
  guint        rest_done;
  guint        rest_in_flight;
  gboolean     rest_failed;
  gboolean     keep_alive;     /* reuse HTTP connections (else one per call) */

  /* sockets */
  int          epfd;
  guint        epoll_source;
  guint        keepalive_source;
  GPtrArray   *conns;
  GQueue       connect_queue; /* Conn* waiting to start */
  guint        handshaking;
  gboolean     pumping;
  guint        n_open;
  guint        n_failed;
  guint        n_closed_open; /* closed after welcome */
  guint        n_errors;      /* error frames and unparsable frames */
  char        *ping_json;
  gsize        ping_len;
  char        *set_json[2];   /* presence.set online, busy */
  gsize        set_len[2];

  /* presence run */
  gboolean     measuring;
  guint        half;          /* K / 2 */
  guint        rr_next;       /* round-robin cursor */
  guint64      changes_sent;
  guint64      expected;
  guint64      received;
  guint64      superseded;    /* deliveries of a change overtaken by its next one */
  guint64      stale;         /* a status other than the latest change's */
  guint64      duplicates;
  guint64      leaked;        /* seen by a user who is not a contact */
  guint64      unknown;       /* presence of a user we do not know */
  guint64      presence_frames;
  guint        in_flight;     /* changes with deliveries outstanding (saturate) */
  Endpoint    *measured;      /* the server of the run */
  gboolean     saturating;    /* this run keeps `window` changes in flight */
  int          run_seconds;   /* of changes, paced */
  gboolean     sending;
  gint64       run_start;
  gint64       run_end;
  gint64       last_delivery;
  GArray      *latencies;     /* gint64 µs */

  /* message round trip */
  guint        msg_index;
  gint64       msg_sent;
  gboolean     msg_got_message;
  gboolean     msg_got_ack;
  guint        msg_done;
  char        *msg_id;
  GArray      *msg_latencies;
  GArray      *ack_latencies;
};

static volatile sig_atomic_t interrupted;

static void conn_close (Conn *conn, int code);
static void connect_pump (Bench *b);
static void saturate_fill (Bench *b);

/* ---- small helpers ---- */

static double
ms (gint64 us)
{
  return us / 1000.0;
}

static double
secs (gint64 us)
{
  return us / (double) G_USEC_PER_SEC;
}

static gint64
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
static gint64
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

static gint64
self_cpu_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC
         + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static gint64
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

typedef gboolean (*BenchCond) (Bench *b);

/* Iterates the main context until @cond holds or @timeout_us passes. */
static gboolean
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

static void
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
static void
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

static gboolean
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

static void
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

static void
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
static gboolean
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

static void
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

static gboolean
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

static gboolean
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

/* ---- WebSocket client ---- */

static void
conn_set_events (Conn    *conn,
                 guint32  events)
{
  struct epoll_event ev = { 0 };

  if (conn->fd < 0 || conn->events == events)
    return;
  ev.events = events;
  ev.data.ptr = conn;
  epoll_ctl (conn->bench->epfd, EPOLL_CTL_MOD, conn->fd, &ev);
  conn->events = events;
}

static gboolean
conn_flush (Conn *conn)
{
  while (conn->out->len > 0) {
    ssize_t n = send (conn->fd, conn->out->data, conn->out->len, MSG_NOSIGNAL);

    if (n > 0) {
      g_byte_array_remove_range (conn->out, 0, n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      conn_set_events (conn, EPOLLIN | EPOLLOUT);
      return TRUE;
    } else {
      conn_close (conn, -1);
      return FALSE;
    }
  }
  if (conn->state != CONN_CONNECTING)
    conn_set_events (conn, EPOLLIN);
  return TRUE;
}

static void
conn_send_raw (Conn         *conn,
               guint8        opcode,
               const guint8 *payload,
               gsize         len)
{
  guint8 header[14];
  gsize hlen = 0;
  guint32 key = g_random_int ();
  guint8 mask[4] = { key >> 24, key >> 16, key >> 8, key };
  gboolean was_empty = conn->out->len == 0;
  guint8 *p;
  gsize start;

  if (conn->state == CONN_CLOSED)
    return;

  header[hlen++] = 0x80 | opcode;
  if (len < 126) {
    header[hlen++] = 0x80 | len;
  } else if (len < 65536) {
    header[hlen++] = 0x80 | 126;
    header[hlen++] = len >> 8;
    header[hlen++] = len & 0xff;
  } else {
    header[hlen++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      header[hlen++] = ((guint64) len >> (8 * i)) & 0xff;
  }
  memcpy (header + hlen, mask, 4);
  hlen += 4;

  g_byte_array_append (conn->out, header, hlen);
  start = conn->out->len;
  g_byte_array_set_size (conn->out, start + len);
  p = conn->out->data + start;
  for (gsize i = 0; i < len; i++)
    p[i] = payload[i] ^ mask[i & 3];

  conn->last_send = g_get_monotonic_time ();
  if (was_empty)
    conn_flush (conn);
}

static void
conn_send_text (Conn       *conn,
                const char *json,
                gsize       len)
{
  conn_send_raw (conn, 0x1, (const guint8 *) json, len);
}

static void
conn_close (Conn *conn,
            int   code)
{
  Bench *b = conn->bench;

  if (conn->state == CONN_CLOSED)
    return;
  if (conn->state == CONN_OPEN) {
    b->n_open--;
    b->n_closed_open++;
  } else {
    b->n_failed++;
    b->handshaking--;
    if (b->n_failed <= MAX_REPORTED_ERRORS)
      g_printerr ("a socket failed before its welcome (state %d, code %d)\n",
                  conn->state, code);
  }
  conn->close_code = code;
  conn->state = CONN_CLOSED;
  if (conn->fd >= 0) {
    epoll_ctl (b->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
    close (conn->fd);
    conn->fd = -1;
  }
  g_byte_array_set_size (conn->out, 0);
  connect_pump (b);
}

static void
conn_free (Conn *conn)
{
  if (conn->fd >= 0)
    close (conn->fd);
  g_byte_array_unref (conn->in);
  g_byte_array_unref (conn->out);
  g_clear_pointer (&conn->frag, g_byte_array_unref);
  g_free (conn->ws_accept);
  g_free (conn->token);
  g_free (conn);
}

/* Closes @conn at the benchmark's will (not counted as closed by a server). */
static void
conn_drop (Conn *conn)
{
  Bench *b = conn->bench;

  if (conn->state == CONN_CLOSED)
    return;
  if (conn->state == CONN_OPEN)
    b->n_open--;
  else if (conn->state != CONN_IDLE)
    b->handshaking--;
  conn->state = CONN_CLOSED;
  if (conn->fd >= 0) {
    epoll_ctl (b->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
    close (conn->fd);
    conn->fd = -1;
  }
  g_byte_array_set_size (conn->out, 0);
}

static Conn *
conn_new (Bench      *b,
          Endpoint   *ep,
          const char *token,
          guint       user,
          gboolean    primary)
{
  Conn *conn = g_new0 (Conn, 1);

  conn->bench = b;
  conn->ep = ep;
  conn->token = g_strdup (token);
  conn->fd = -1;
  conn->user = user;
  conn->primary = primary;
  conn->state = CONN_IDLE;
  conn->in = g_byte_array_sized_new (READ_CHUNK);
  conn->out = g_byte_array_new ();
  g_ptr_array_add (b->conns, conn);
  return conn;
}

static void
conn_start (Conn *conn)
{
  Bench *b = conn->bench;
  struct epoll_event ev = { 0 };
  int one = 1;
  int fd;

  conn->state = CONN_CONNECTING;
  b->handshaking++;
  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (b->n_failed == 0)
      g_printerr ("socket(): %s\n", g_strerror (errno));
    conn_close (conn, -1);
    return;
  }
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  conn->fd = fd;
  if (connect (fd, (struct sockaddr *) &conn->ep->addr, sizeof conn->ep->addr) < 0
      && errno != EINPROGRESS) {
    if (b->n_failed == 0)
      g_printerr ("connect(): %s\n", g_strerror (errno));
    conn_close (conn, -1);
    return;
  }
  ev.events = EPOLLOUT;
  ev.data.ptr = conn;
  conn->events = EPOLLOUT;
  epoll_ctl (b->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
conn_connected (Conn *conn)
{
  Bench *b = conn->bench;
  guint8 nonce[16];
  g_autofree char *key = NULL;
  g_autofree char *request = NULL;
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  int err = 0;
  socklen_t err_len = sizeof err;

  if (getsockopt (conn->fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0 || err != 0) {
    if (b->n_failed == 0)
      g_printerr ("connect: %s\n", g_strerror (err ? err : errno));
    conn_close (conn, -1);
    return;
  }

  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = g_random_int_range (0, 256);
  key = g_base64_encode (nonce, sizeof nonce);
  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) WS_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  conn->ws_accept = g_base64_encode (digest, digest_len);

  request = g_strdup_printf ("GET /api/v1/socket HTTP/1.1\r\n"
                             "Host: %s\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: %s\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "\r\n",
                             conn->ep->host, key);
  conn->state = CONN_HANDSHAKE;
  g_byte_array_append (conn->out, (const guint8 *) request, strlen (request));
  conn_flush (conn);
}

static void
report_error_frame (Bench     *b,
                    KithFrame *frame)
{
  b->n_errors++;
  if (b->n_errors <= MAX_REPORTED_ERRORS)
    g_printerr ("kithd sent an error frame: %s: %s\n",
                kith_error_code_to_string (frame->code),
                frame->message ? frame->message : "");
}

static void
on_presence (Conn      *conn,
             KithFrame *frame,
             gint64     now)
{
  Bench *b = conn->bench;
  gpointer value;
  guint x, r, d;
  gint64 latency;
  User *u;

  b->presence_frames++;
  if (!b->measuring || !conn->primary || conn->ep != b->measured)
    return;
  value = g_hash_table_lookup (b->user_by_id, GSIZE_TO_POINTER ((gsize) frame->user_id));
  if (value == NULL) {
    b->unknown++;
    return;
  }
  x = GPOINTER_TO_UINT (value) - 1;
  r = conn->user;
  if (x == r)
    return;         /* our own presence, if kithd echoes it */
  d = (r + b->n_users - x) % b->n_users;
  if (d > b->half && d < b->n_users - b->half) {
    b->leaked++;
    return;
  }
  u = &b->users[x];
  if (u->change_sent == 0)
    return;         /* not one of ours (e.g. a late sign-in frame) */
  if (frame->presence != u->expected) {
    b->stale++;
    return;
  }
  if (u->pending == 0) {
    b->duplicates++;
    return;
  }
  u->pending--;
  b->received++;
  b->last_delivery = now;
  latency = now - u->change_sent;
  g_array_append_val (b->latencies, latency);
  if (u->pending == 0 && b->in_flight > 0)
    b->in_flight--;
}

static void
on_message_frame (Conn      *conn,
                  KithFrame *frame,
                  gint64     now)
{
  Bench *b = conn->bench;
  gint64 latency = now - b->msg_sent;

  if (b->msg_id == NULL || g_strcmp0 (frame->id, b->msg_id) != 0)
    return;
  if (frame->type == KITH_FRAME_MESSAGE && conn->user == 1 && !b->msg_got_message) {
    b->msg_got_message = TRUE;
    g_array_append_val (b->msg_latencies, latency);
  } else if (frame->type == KITH_FRAME_MESSAGE_ACK && conn->user == 0 && !b->msg_got_ack) {
    b->msg_got_ack = TRUE;
    g_array_append_val (b->ack_latencies, latency);
  }
  if (b->msg_got_message && b->msg_got_ack)
    b->msg_done++;
}

static void
conn_handle_text (Conn         *conn,
                  const guint8 *data,
                  gsize         len)
{
  Bench *b = conn->bench;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KithFrame) frame = NULL;

  frame = kith_frame_parse ((const char *) data, len, KITH_ORIGIN_SERVER, &error);
  if (frame == NULL) {
    b->n_errors++;
    if (b->n_errors <= MAX_REPORTED_ERRORS)
      g_printerr ("unparsable frame from kithd: %s\n", error->message);
    return;
  }

  switch (frame->type) {
  case KITH_FRAME_PRESENCE:
    on_presence (conn, frame, now);
    break;

  case KITH_FRAME_WELCOME:
    if (conn->state == CONN_HELLO) {
      conn->state = CONN_OPEN;
      b->handshaking--;
      b->n_open++;
      connect_pump (b);
    }
    break;

  case KITH_FRAME_MESSAGE:
  case KITH_FRAME_MESSAGE_ACK:
    on_message_frame (conn, frame, now);
    break;

  case KITH_FRAME_PONG:
    conn->pongs++;
    break;

  case KITH_FRAME_ERROR:
    report_error_frame (b, frame);
    break;

  case KITH_FRAME_HELLO:
  case KITH_FRAME_PRESENCE_SET:
  case KITH_FRAME_ACTIVITY:
  case KITH_FRAME_MESSAGE_SEND:
  case KITH_FRAME_MESSAGE_READ:
  case KITH_FRAME_PROFILE:
  case KITH_FRAME_CONTACT_REQUEST:
  case KITH_FRAME_CONTACT_ACCEPTED:
  case KITH_FRAME_CONTACT_REMOVED:
  case KITH_FRAME_CALL_INVITE:
  case KITH_FRAME_CALL_RINGING:
  case KITH_FRAME_CALL_ANSWER:
  case KITH_FRAME_CALL_CANDIDATE:
  case KITH_FRAME_CALL_HANGUP:
  case KITH_FRAME_CALL_REJECT:
  case KITH_FRAME_PING:
  default:
    break;
  }
}

static void
conn_handle_frame (Conn         *conn,
                   gboolean      fin,
                   guint         opcode,
                   const guint8 *payload,
                   gsize         len)
{
  switch (opcode) {
  case 0x0:       /* continuation */
    if (conn->frag == NULL)
      break;
    g_byte_array_append (conn->frag, payload, len);
    if (conn->frag->len > MAX_IN_FRAME) {
      conn_close (conn, 1009);
    } else if (fin) {
      g_autoptr (GByteArray) whole = g_steal_pointer (&conn->frag);

      conn_handle_text (conn, whole->data, whole->len);
    }
    break;

  case 0x1:       /* text */
    if (fin) {
      conn_handle_text (conn, payload, len);
    } else {
      g_clear_pointer (&conn->frag, g_byte_array_unref);
      conn->frag = g_byte_array_new ();
      g_byte_array_append (conn->frag, payload, len);
    }
    break;

  case 0x8:       /* close */
    {
      int code = len >= 2 ? (payload[0] << 8) | payload[1] : 1005;
      guint8 reply[2] = { code >> 8, code & 0xff };

      if (conn->state == CONN_OPEN && conn->bench->n_closed_open < MAX_REPORTED_ERRORS)
        g_printerr ("kithd closed a socket: code %d\n", code);
      conn_send_raw (conn, 0x8, reply, len >= 2 ? 2 : 0);
      conn_close (conn, code);
    }
    break;

  case 0x9:       /* ping */
    conn_send_raw (conn, 0xA, payload, len);
    break;

  case 0xA:       /* pong */
    break;

  default:        /* binary or reserved: not from kithd */
    conn->bench->n_errors++;
    break;
  }
}

static void
conn_process_frames (Conn *conn)
{
  gsize off = 0;

  while (conn->state != CONN_CLOSED) {
    guint8 *p = conn->in->data + off;
    gsize avail = conn->in->len - off;
    guint64 plen;
    gsize hlen;
    gboolean masked;

    if (!kithd_ws_frame_length (p, avail, &plen, &hlen))
      break;
    masked = (p[1] & 0x80) != 0;
    if (masked)
      hlen += 4;
    if (plen > MAX_IN_FRAME) {
      conn_close (conn, 1009);
      break;
    }
    if (avail < hlen + plen)
      break;
    if (masked) {
      guint8 *mask = p + hlen - 4;

      for (gsize i = 0; i < plen; i++)
        p[hlen + i] ^= mask[i & 3];
    }
    off += hlen + plen;
    conn_handle_frame (conn, (p[0] & 0x80) != 0, p[0] & 0x0f, p + hlen, plen);
  }
  if (conn->state != CONN_CLOSED && off > 0)
    g_byte_array_remove_range (conn->in, 0, off);
}

static void
conn_handle_handshake (Conn *conn)
{
  Bench *b = conn->bench;
  const guint8 *end;
  gsize header_len;
  g_autofree char *header = NULL;
  g_autoptr (KithFrame) hello = NULL;
  g_autofree char *json = NULL;
  gsize len;

  end = memmem (conn->in->data, conn->in->len, "\r\n\r\n", 4);
  if (end == NULL) {
    if (conn->in->len > 16 * 1024)
      conn_close (conn, -1);
    return;
  }
  header_len = end + 4 - conn->in->data;
  header = g_strndup ((const char *) conn->in->data, header_len);
  if (!g_str_has_prefix (header, "HTTP/1.1 101") || strstr (header, conn->ws_accept) == NULL) {
    if (b->n_failed < MAX_REPORTED_ERRORS)
      g_printerr ("socket upgrade refused: %.*s\n",
                  (int) (strcspn (header, "\r\n")), header);
    conn_close (conn, -1);
    return;
  }
  g_byte_array_remove_range (conn->in, 0, header_len);

  conn->state = CONN_HELLO;
  hello = kith_frame_new (KITH_FRAME_HELLO);
  hello->token = g_strdup (conn->token);
  hello->resume_after = 0;
  json = kith_frame_to_json (hello, KITH_ORIGIN_CLIENT, &len);
  conn_send_text (conn, json, len);
  conn_process_frames (conn);
}

static void
conn_readable (Conn *conn)
{
  gsize old = conn->in->len;
  ssize_t n;

  g_byte_array_set_size (conn->in, old + READ_CHUNK);
  n = recv (conn->fd, conn->in->data + old, READ_CHUNK, 0);
  if (n > 0) {
    g_byte_array_set_size (conn->in, old + n);
  } else {
    g_byte_array_set_size (conn->in, old);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    if (conn->state == CONN_OPEN && conn->bench->n_closed_open < MAX_REPORTED_ERRORS)
      g_printerr ("kithd dropped a socket without a close frame\n");
    conn_close (conn, -1);
    return;
  }

  if (conn->state == CONN_HANDSHAKE)
    conn_handle_handshake (conn);
  else
    conn_process_frames (conn);
}

static gboolean
on_epoll (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  Bench *b = user_data;
  struct epoll_event events[256];
  int n;

  n = epoll_wait (b->epfd, events, G_N_ELEMENTS (events), 0);
  for (int i = 0; i < n; i++) {
    Conn *conn = events[i].data.ptr;

    if (conn->state == CONN_CLOSED)
      continue;
    if (conn->state == CONN_CONNECTING) {
      if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
        conn_connected (conn);
      continue;
    }
    if (events[i].events & EPOLLOUT)
      conn_flush (conn);
    if (conn->state != CONN_CLOSED && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
      conn_readable (conn);
  }
  if (b->saturating && b->sending)
    saturate_fill (b);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_keepalive (gpointer user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < b->conns->len; i++) {
    Conn *conn = g_ptr_array_index (b->conns, i);

    if (conn->state == CONN_OPEN && now - conn->last_send > KEEPALIVE_US)
      conn_send_text (conn, b->ping_json, b->ping_len);
  }
  return G_SOURCE_CONTINUE;
}

static void
connect_pump (Bench *b)
{
  if (b->pumping)
    return;
  b->pumping = TRUE;
  while (b->handshaking < (guint) b->connect_concurrency
         && !g_queue_is_empty (&b->connect_queue))
    conn_start (g_queue_pop_head (&b->connect_queue));
  b->pumping = FALSE;
}

static gboolean
connect_finished_cond (Bench *b)
{
  return b->handshaking == 0 && g_queue_is_empty (&b->connect_queue);
}

/* Connects @conns (queued), returns whether all got their welcome. */
static gboolean
connect_phase (Bench     *b,
               GPtrArray *conns,
               gint64     timeout_us)
{
  guint open_before = b->n_open;

  for (guint i = 0; i < conns->len; i++)
    g_queue_push_tail (&b->connect_queue, g_ptr_array_index (conns, i));
  connect_pump (b);
  if (!wait_until (b, connect_finished_cond, timeout_us)) {
    g_printerr ("setup failed: sockets not all welcomed within %d s (%u of %u)\n",
                (int) (timeout_us / G_USEC_PER_SEC), b->n_open - open_before, conns->len);
    return FALSE;
  }
  if (b->n_open - open_before != conns->len) {
    g_printerr ("setup failed: %u of %u sockets were not welcomed\n",
                conns->len - (b->n_open - open_before), conns->len);
    return FALSE;
  }
  return TRUE;
}

/* ---- presence run ---- */

static void
send_change (Bench *b,
             User  *u,
             gint64 now)
{
  guint *n_changes = &u->n_changes[b->measured != &b->kithd_ep];
  int busy = (*n_changes % 2) == 0;

  if (u->pending > 0)
    b->superseded += u->pending;
  else
    b->in_flight++;
  u->expected = busy ? KITH_PRESENCE_BUSY : KITH_PRESENCE_ONLINE;
  u->pending = b->n_contacts;
  (*n_changes)++;
  b->expected += b->n_contacts;
  b->changes_sent++;
  u->change_sent = now;
  conn_send_text (b->measured == &b->kithd_ep ? u->conn : u->floor_conn,
                  b->set_json[busy], b->set_len[busy]);
}

static gboolean
on_paced_tick (gpointer user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 elapsed = now - b->run_start;
  guint64 due;

  if (elapsed >= (gint64) b->run_seconds * G_USEC_PER_SEC) {
    b->sending = FALSE;
    return G_SOURCE_REMOVE;
  }
  due = (guint64) elapsed * b->rate / G_USEC_PER_SEC + 1;
  while (b->changes_sent < due) {
    User *u = &b->users[b->rr_next];

    b->rr_next = (b->rr_next + 1) % b->n_users;
    send_change (b, u, g_get_monotonic_time ());
  }
  return G_SOURCE_CONTINUE;
}

/* Saturation: keep `window` changes in flight, one per user at most;
 * topped up after each batch of socket events. The next user is the next
 * in the ring (neighbours' contacts overlap: a socket gets frames of many
 * changes at once), or with --random-order any user. */
static void
saturate_fill (Bench *b)
{
  gint64 now = g_get_monotonic_time ();

  for (guint scanned = 0;
       b->in_flight < (guint) b->window && scanned < (guint) b->n_users;
       scanned++) {
    User *u;

    if (b->random_order) {
      u = &b->users[g_rand_int_range (b->rand, 0, b->n_users)];
    } else {
      u = &b->users[b->rr_next];
      b->rr_next = (b->rr_next + 1) % b->n_users;
    }
    if (u->pending == 0)
      send_change (b, u, now);
  }
}

static gboolean
on_saturate_end (gpointer user_data)
{
  Bench *b = user_data;

  b->sending = FALSE;
  return G_SOURCE_REMOVE;
}

static gboolean
quiet_cond (Bench *b)
{
  return FALSE;
}

static gboolean
drained_cond (Bench *b)
{
  return !b->sending && b->received + b->superseded >= b->expected;
}

static gboolean
sending_done_cond (Bench *b)
{
  return !b->sending;
}

/* Waits until presence frames stop arriving for @quiet_us (at most @max_us). */
static void
wait_quiet (Bench  *b,
            gint64  quiet_us,
            gint64  max_us)
{
  gint64 deadline = g_get_monotonic_time () + max_us;
  guint64 seen = b->presence_frames;
  gint64 since = g_get_monotonic_time ();

  while (g_get_monotonic_time () < deadline && !interrupted) {
    wait_until (b, quiet_cond, 50 * 1000);
    if (b->presence_frames != seen) {
      seen = b->presence_frames;
      since = g_get_monotonic_time ();
    } else if (g_get_monotonic_time () - since >= quiet_us) {
      break;
    }
  }
}

static void
print_latency (const char *label,
               GArray     *values)
{
  g_array_sort (values, compare_gint64);
  g_print ("  %-22s p50 %.2f  p95 %.2f  p99 %.2f  max %.2f ms  (%u samples)\n", label,
           ms (percentile (values, 0.50)), ms (percentile (values, 0.95)),
           ms (percentile (values, 0.99)),
           ms (values->len ? g_array_index (values, gint64, values->len - 1) : 0),
           values->len);
}

/* --round-hook: runs CMD with sh before ("start") and after ("end") each
 * measured run, e.g. to pin the server to a core or count its system calls. */
static void
run_hook (Bench      *b,
          const char *phase,
          int         round)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) env = NULL;
  const char *argv[] = { "/bin/sh", "-c", b->round_hook, NULL };
  g_autofree char *round_str = g_strdup_printf ("%d", round);
  g_autofree char *pid_str = g_strdup_printf ("%d", b->measured->pid);
  g_autofree char *self_str = g_strdup_printf ("%d", (int) getpid ());
  int status = 0;

  if (b->round_hook == NULL)
    return;
  env = g_get_environ ();
  env = g_environ_setenv (env, "KITH_BENCH_PHASE", phase, TRUE);
  env = g_environ_setenv (env, "KITH_BENCH_ROUND", round_str, TRUE);
  env = g_environ_setenv (env, "KITH_BENCH_SERVER", b->measured->name, TRUE);
  env = g_environ_setenv (env, "KITH_BENCH_SERVER_PID", pid_str, TRUE);
  env = g_environ_setenv (env, "KITH_BENCH_GENERATOR_PID", self_str, TRUE);
  env = g_environ_setenv (env, "KITH_BENCH_MODE", b->saturating ? "saturate" : "paced", TRUE);
  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                     NULL, NULL, &status, &error))
    g_printerr ("--round-hook: %s\n", error->message);
  else if (!g_spawn_check_wait_status (status, &error))
    g_printerr ("--round-hook (%s, round %d): %s\n", phase, round, error->message);
}

/* One measured run against @ep: paced (R changes/s) or at saturation
 * (`window` changes in flight), @seconds of changes, then a drain. */
static void
presence_run (Bench     *b,
              Endpoint  *ep,
              gboolean   saturate,
              int        seconds,
              int        round,
              RunResult *res)
{
  g_autofree char *cpu_label = g_strdup_printf ("%s CPU", ep->name);
  gint64 cpu0, cpu1, sys0 = 0, sys1 = 0, self0, self1, wall;
  guint64 lost;
  double rate;

  /* the sign-in fan-out (or the previous run) must be over before we count */
  wait_quiet (b, 500 * 1000, 30 * G_USEC_PER_SEC);

  b->measured = ep;
  b->saturating = saturate;
  b->changes_sent = b->expected = b->received = 0;
  b->superseded = b->stale = b->duplicates = b->leaked = b->unknown = 0;
  b->in_flight = 0;
  b->last_delivery = 0;
  g_array_set_size (b->latencies, 0);
  for (int i = 0; i < b->n_users; i++) {
    b->users[i].pending = 0;
    b->users[i].change_sent = 0;
  }

  run_hook (b, "start", round);
  b->measuring = TRUE;
  b->sending = TRUE;
  cpu0 = read_cpu_us (ep->pid, &sys0);
  self0 = self_cpu_us ();
  b->run_start = g_get_monotonic_time ();
  if (saturate) {
    g_timeout_add_full (G_PRIORITY_HIGH, seconds * 1000, on_saturate_end, b, NULL);
    saturate_fill (b);
  } else {
    b->run_seconds = seconds;
    g_timeout_add_full (G_PRIORITY_HIGH, 1, on_paced_tick, b, NULL);
  }

  wait_until (b, sending_done_cond, ((gint64) seconds + 5) * G_USEC_PER_SEC);
  b->sending = FALSE;
  wait_until (b, drained_cond, DRAIN_TIMEOUT_US);
  b->run_end = g_get_monotonic_time ();
  cpu1 = read_cpu_us (ep->pid, &sys1);
  self1 = self_cpu_us ();
  b->measuring = FALSE;
  run_hook (b, "end", round);

  wall = b->run_end - b->run_start;
  lost = b->expected - MIN (b->expected, b->received);
  rate = b->last_delivery > b->run_start
         ? b->received / secs (b->last_delivery - b->run_start) : 0;

  g_array_sort (b->latencies, compare_gint64);
  res->received = b->received;
  res->lost = lost;
  res->rate = rate;
  res->p50 = percentile (b->latencies, 0.50);
  res->p99 = percentile (b->latencies, 0.99);
  res->server_share = cpu0 >= 0 && cpu1 >= 0 ? (double) (cpu1 - cpu0) / wall : -1;
  res->server_us = cpu0 >= 0 && cpu1 >= 0 && b->received > 0
                   ? (double) (cpu1 - cpu0) / b->received : -1;
  res->generator_us = b->received > 0 ? (double) (self1 - self0) / b->received : -1;

  if (saturate)
    g_print ("presence fan-out at saturation, %s (up to %d changes in flight%s, %d s):\n",
             ep->name, b->window, b->random_order ? ", random order" : "", seconds);
  else
    g_print ("presence fan-out, %s (%d changes/s for %d s):\n", ep->name, b->rate, seconds);
  g_print ("  changes sent           %" G_GUINT64_FORMAT " (%.1f/s)\n",
           b->changes_sent, b->changes_sent / (double) seconds);
  g_print ("  deliveries             %" G_GUINT64_FORMAT " expected, %" G_GUINT64_FORMAT
           " received, %" G_GUINT64_FORMAT " lost\n", b->expected, b->received, lost);
  if (b->leaked || b->stale || b->duplicates || b->unknown || b->superseded)
    g_print ("  anomalies              %" G_GUINT64_FORMAT " to non-contacts, %" G_GUINT64_FORMAT
             " stale, %" G_GUINT64_FORMAT " duplicate, %" G_GUINT64_FORMAT " unknown user, %"
             G_GUINT64_FORMAT " overtaken by the user's next change\n",
             b->leaked, b->stale, b->duplicates, b->unknown, b->superseded);
  print_latency ("latency", b->latencies);
  g_print ("  deliveries/s           %.0f\n", rate);
  if (res->server_share >= 0)
    g_print ("  %-22s %.1f %% of one core, %.0f %% of it in the kernel (generator %.1f %%)"
             " over %.1f s\n", cpu_label, 100.0 * res->server_share,
             cpu1 > cpu0 ? 100.0 * (sys1 - sys0) / (cpu1 - cpu0) : 0.0,
             100.0 * (self1 - self0) / wall, secs (wall));
  else
    g_print ("  %-22s unknown (pass --pid with --url)\n", cpu_label);
  if (res->server_us >= 0)
    g_print ("  CPU per delivery       %s %.2f us, generator %.2f us\n",
             ep->name, res->server_us, res->generator_us);
  g_print ("  socket errors          %u error frames/unparsable, %u sockets closed by the servers\n",
           b->n_errors, b->n_closed_open);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The median of @field over @n results. */
static double
median_of (const RunResult *res,
           int              n,
           gsize            field)
{
  g_autofree double *v = g_new (double, n);

  for (int i = 0; i < n; i++)
    v[i] = *(const double *) ((const char *) &res[i] + field);
  qsort (v, n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
print_capacity_line (const char      *label,
                     const RunResult *res,
                     int              rounds,
                     const RunResult *ref)
{
  double rate = median_of (res, rounds, G_STRUCT_OFFSET (RunResult, rate));
  double us = median_of (res, rounds, G_STRUCT_OFFSET (RunResult, server_us));
  double share = median_of (res, rounds, G_STRUCT_OFFSET (RunResult, server_share));
  double gen = median_of (res, rounds, G_STRUCT_OFFSET (RunResult, generator_us));

  if (us >= 0)
    g_print ("  %-22s %7.0f deliveries/s  %5.2f us server CPU per delivery (%3.0f %% of a core),"
             " generator %.2f us\n", label, rate, us, 100 * share, gen);
  else
    g_print ("  %-22s %7.0f deliveries/s  (server CPU unknown: pass --pid with --url)\n",
             label, rate);
  if (ref != NULL) {
    double ref_rate = median_of (ref, rounds, G_STRUCT_OFFSET (RunResult, rate));
    double ref_us = median_of (ref, rounds, G_STRUCT_OFFSET (RunResult, server_us));

    if (ref_rate > 0 && ref_us > 0 && us >= 0)
      g_print ("  %-22s %.2f of the floor's deliveries/s, %.2fx its server CPU per delivery\n",
               "", rate / ref_rate, us / ref_us);
    else if (ref_rate > 0)
      g_print ("  %-22s %.2f of the floor's deliveries/s\n", "", rate / ref_rate);
  }
}

/* Connects every user to the floor server behind @ep, runs, disconnects. */
static gboolean
floor_run (Bench     *b,
           Endpoint  *ep,
           int        seconds,
           int        round,
           RunResult *res)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) conns = g_ptr_array_new ();
  gint64 start;
  gboolean ok;

  if (!floor_start (b, ep, &error)) {
    g_printerr ("setup failed: %s\n", error->message);
    return FALSE;
  }
  for (int i = 0; i < b->n_users; i++) {
    g_autofree char *token = g_strdup_printf ("floor-%d-%" G_GINT64_FORMAT, i, b->users[i].id);

    b->users[i].floor_conn = conn_new (b, ep, token, i, TRUE);
    g_ptr_array_add (conns, b->users[i].floor_conn);
  }
  start = g_get_monotonic_time ();
  ok = connect_phase (b, conns, 60 * G_USEC_PER_SEC);
  if (ok && round == 1)
    g_print ("%s server: %d sockets connected in %.2f s\n", ep->name, b->n_users,
             secs (g_get_monotonic_time () - start));
  if (ok)
    presence_run (b, ep, TRUE, seconds, round, res);
  for (guint i = 0; i < conns->len; i++)
    conn_drop (g_ptr_array_index (conns, i));
  for (int i = 0; i < b->n_users; i++)
    b->users[i].floor_conn = NULL;
  floor_stop (b);
  return ok;
}

/* The saturation rounds: kithd, the floor server (and the floor with split
 * writes) interleaved, each floor run in a fresh floor server. */
static gboolean
saturation_runs (Bench *b)
{
  g_autofree RunResult *k = g_new0 (RunResult, b->rounds);
  g_autofree RunResult *f = g_new0 (RunResult, b->rounds);
  g_autofree RunResult *fs = g_new0 (RunResult, b->rounds);
  int seconds = b->saturate_seconds > 0 ? b->saturate_seconds
                : b->saturate ? b->duration : 10;
  int done = 0;

  for (int r = 0; r < b->rounds && !interrupted; r++) {
    if (b->rounds > 1)
      g_print ("-- round %d of %d\n", r + 1, b->rounds);
    presence_run (b, &b->kithd_ep, TRUE, seconds, r + 1, &k[r]);
    if (!b->no_floor && !interrupted && !floor_run (b, &b->floor_ep, seconds, r + 1, &f[r]))
      return FALSE;
    if (b->floor_split && !interrupted && !floor_run (b, &b->split_ep, seconds, r + 1, &fs[r]))
      return FALSE;
    if (!interrupted)
      done++;
  }
  if (done == 0)
    return TRUE;
  g_print ("saturation capacity (up to %d changes in flight%s, %d s, %s of %d round%s):\n",
           b->window, b->random_order ? ", random order" : "", seconds, done > 1 ? "medians" : "figures", done, done > 1 ? "s" : "");
  print_capacity_line ("kithd", k, done, b->no_floor ? NULL : f);
  if (!b->no_floor)
    print_capacity_line ("floor", f, done, NULL);
  if (b->floor_split)
    print_capacity_line ("floor, split writes", fs, done, b->no_floor ? NULL : f);
  return TRUE;
}

/* ---- message round trip ---- */

static gboolean
message_done_cond (Bench *b)
{
  return b->msg_done > b->msg_index;
}

static void
message_run (Bench *b)
{
  User *from = &b->users[0];
  User *to = &b->users[1];
  guint timeouts = 0;

  b->msg_latencies = g_array_sized_new (FALSE, FALSE, sizeof (gint64), b->n_messages);
  b->ack_latencies = g_array_sized_new (FALSE, FALSE, sizeof (gint64), b->n_messages);
  for (b->msg_index = 0; b->msg_index < (guint) b->n_messages && !interrupted; b->msg_index++) {
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_MESSAGE_SEND);
    g_autofree char *json = NULL;
    gsize len;

    if (from->conn->state != CONN_OPEN || to->conn->state != CONN_OPEN)
      break;
    g_free (b->msg_id);
    b->msg_id = g_strdup_printf ("bench-%s-%u", b->run_tag, b->msg_index);
    frame->id = g_strdup (b->msg_id);
    frame->to = to->id;
    frame->body = g_strdup_printf ("round trip %u", b->msg_index);
    json = kith_frame_to_json (frame, KITH_ORIGIN_CLIENT, &len);
    b->msg_got_message = FALSE;
    b->msg_got_ack = FALSE;
    b->msg_sent = g_get_monotonic_time ();
    conn_send_text (from->conn, json, len);
    if (!wait_until (b, message_done_cond, 5 * G_USEC_PER_SEC)) {
      b->msg_done = b->msg_index + 1;
      if (++timeouts > 5)
        break;
    }
  }
  g_print ("message round trip (%u messages, one at a time):\n", b->msg_index);
  print_latency ("send -> message", b->msg_latencies);
  print_latency ("send -> message.ack", b->ack_latencies);
  if (timeouts > 0)
    g_print ("  %u messages timed out (5 s)\n", timeouts);
}

/* ---- idle sockets ---- */

static gboolean
hold_pongs_cond (Bench *b)
{
  for (guint i = 0; i < b->conns->len; i++) {
    Conn *conn = g_ptr_array_index (b->conns, i);

    if (conn->state == CONN_OPEN && conn->pongs == 0)
      return FALSE;
  }
  return TRUE;
}

static int
hold_run (Bench *b)
{
  g_autoptr (GPtrArray) conns = g_ptr_array_new ();
  gint64 rss0, rss1, rss2, start, elapsed;
  guint open, answered = 0;
  gboolean all;

  /* nothing else is connected: every socket here is one of the idle ones */
  wait_quiet (b, 500 * 1000, 10 * G_USEC_PER_SEC);
  rss0 = read_rss_kb (b->pid);
  for (int i = 0; i < b->hold; i++)
    g_ptr_array_add (conns, conn_new (b, &b->kithd_ep, b->users[i % b->n_users].token,
                                      i % b->n_users, FALSE));
  start = g_get_monotonic_time ();
  all = connect_phase (b, conns, 300 * G_USEC_PER_SEC);
  elapsed = g_get_monotonic_time () - start;
  wait_quiet (b, 500 * 1000, 30 * G_USEC_PER_SEC);
  rss1 = read_rss_kb (b->pid);
  open = b->n_open;

  g_print ("idle sockets (--hold %d over %d users' tokens):\n", b->hold, b->n_users);
  g_print ("  connected              %u of %d in %.2f s%s\n", open, b->hold, secs (elapsed),
           all ? "" : " (some failed)");

  wait_for ((gint64) b->hold_seconds * G_USEC_PER_SEC);
  rss2 = read_rss_kb (b->pid);
  for (guint i = 0; i < b->conns->len; i++) {
    Conn *conn = g_ptr_array_index (b->conns, i);

    conn->pongs = 0;
    if (conn->state == CONN_OPEN)
      conn_send_text (conn, b->ping_json, b->ping_len);
  }
  wait_until (b, hold_pongs_cond, 60 * G_USEC_PER_SEC);
  for (guint i = 0; i < b->conns->len; i++) {
    Conn *conn = g_ptr_array_index (b->conns, i);

    if (conn->state == CONN_OPEN && conn->pongs > 0)
      answered++;
  }
  g_print ("  held %d s               %s: %u open, %u closed by kithd, %u answered a ping after\n",
           b->hold_seconds, (answered == (guint) b->hold) ? "yes" : "NO",
           b->n_open, b->n_closed_open, answered);
  if (rss0 >= 0)
    g_print ("  kithd RSS              %.1f MB before, %.1f MB with all open, %.1f MB after %d s:"
             " %.1f kB per idle connection\n",
             rss0 / 1024.0, rss1 / 1024.0, rss2 / 1024.0, b->hold_seconds,
             (rss1 - rss0) / (double) b->hold);
  else
    g_print ("  kithd RSS              unknown (pass --pid with --url)\n");
  return answered == (guint) b->hold ? 0 : 3;
}

/* ---- main ---- */

static void
on_signal (int sig)
{
  interrupted = 1;
}

static void
raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit (RLIMIT_NOFILE, &rl);
  }
}

/* Closes every socket, the sources that reach them first: the main context
 * runs on while kithd stops (kithd_terminate), and the keep-alive timer used
 * to walk the freed array there (a SIGSEGV after the results, whenever the
 * timer's 5 s period ended while kithd was stopping). */
static void
sockets_close (Bench *b)
{
  g_clear_handle_id (&b->keepalive_source, g_source_remove);
  g_clear_handle_id (&b->epoll_source, g_source_remove);
  g_clear_pointer (&b->conns, g_ptr_array_unref);
}

static void
bench_free (Bench *b)
{
  sockets_close (b);
  g_queue_clear (&b->connect_queue);
  if (b->epfd >= 0)
    close (b->epfd);
  if (b->users != NULL) {
    for (int i = 0; i < b->n_users; i++) {
      g_free (b->users[i].email);
      g_free (b->users[i].token);
    }
    g_free (b->users);
  }
  g_clear_pointer (&b->user_by_id, g_hash_table_unref);
  g_clear_object (&b->session);
  g_clear_pointer (&b->latencies, g_array_unref);
  g_clear_pointer (&b->msg_latencies, g_array_unref);
  g_clear_pointer (&b->ack_latencies, g_array_unref);
  g_free (b->msg_id);
  g_free (b->ping_json);
  g_free (b->set_json[0]);
  g_free (b->set_json[1]);
  g_free (b->run_tag);
  g_free (b->kithd_ep.host);
  g_free (b->floor_ep.host);
  g_free (b->split_ep.host);
  g_free (b->round_hook);
  g_clear_pointer (&b->rand, g_rand_free);
  g_free (b->url);
  g_free (b->kithd_path);
}

static gboolean
setup_frames (Bench *b)
{
  g_autoptr (KithFrame) ping = kith_frame_new (KITH_FRAME_PING);

  for (int busy = 0; busy < 2; busy++) {
    g_autoptr (KithFrame) set = kith_frame_new (KITH_FRAME_PRESENCE_SET);

    set->chosen = busy ? KITH_CHOSEN_BUSY : KITH_CHOSEN_ONLINE;
    b->set_json[busy] = kith_frame_to_json (set, KITH_ORIGIN_CLIENT, &b->set_len[busy]);
  }
  b->ping_json = kith_frame_to_json (ping, KITH_ORIGIN_CLIENT, &b->ping_len);
  return b->set_json[0] != NULL && b->set_json[1] != NULL && b->ping_json != NULL;
}

static int
run (Bench *b)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) primary = g_ptr_array_new ();
  gint64 t_signup, t_login, t_ring = 0, t_sockets, start, rss0, rss1;

  if (b->kithd_path != NULL && b->url == NULL) {
    if (!kithd_start (b, &error)) {
      g_printerr ("setup failed: %s\n", error->message);
      return 1;
    }
  }
  if (!parse_url (b, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  b->session = g_object_new (SOUP_TYPE_SESSION,
                             "max-conns", b->rest_concurrency * 2,
                             "max-conns-per-host", b->rest_concurrency * 2,
                             "timeout", 60,
                             NULL);
  b->epfd = epoll_create1 (EPOLL_CLOEXEC);
  b->epoll_source = g_unix_fd_add (b->epfd, G_IO_IN, on_epoll, b);
  b->keepalive_source = g_timeout_add_seconds (5, on_keepalive, b);
  b->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  b->user_by_id = g_hash_table_new (NULL, NULL);
  b->latencies = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 1 << 16);
  b->run_tag = g_strdup_printf ("%" G_GINT64_MODIFIER "x%x", g_get_real_time (), getpid ());
  b->users = g_new0 (User, b->n_users);
  b->rand = g_rand_new_with_seed (1);
  for (int i = 0; i < b->n_users; i++)
    b->users[i].email = g_strdup_printf ("b%s-%d@bench.example", b->run_tag, i);
  if (!setup_frames (b)) {
    g_printerr ("setup failed: could not serialise frames\n");
    return 1;
  }

  g_print ("kith-bench-presence: %s, kithd pid %d, N=%d users, K=%d contacts each\n",
           b->url, b->pid, b->n_users, b->n_contacts);

  if (!rest_phase (b, REST_SIGN_UP, b->n_users, &t_signup))
    return 1;
  if (!rest_phase (b, REST_LOG_IN, b->n_users, &t_login))
    return 1;
  if (b->half > 0) {
    gint64 t_add, t_accept;

    if (!rest_phase (b, REST_ADD, b->n_users * b->half, &t_add)
        || !rest_phase (b, REST_ACCEPT, b->n_users * b->half, &t_accept))
      return 1;
    t_ring = t_add + t_accept;
  }

  g_print ("sign-in (REST %d in flight, sockets %d handshaking at a time):\n",
           b->rest_concurrency, b->connect_concurrency);
  g_print ("  sign-up                %d users in %.2f s (%.0f/s)\n",
           b->n_users, secs (t_signup), b->n_users / secs (t_signup));
  g_print ("  log-in                 %d users in %.2f s (%.0f/s)\n",
           b->n_users, secs (t_login), b->n_users / secs (t_login));
  if (b->half > 0)
    g_print ("  contact ring           %u requests + %u accepts in %.2f s (%.0f calls/s)\n",
             b->n_users * b->half, b->n_users * b->half, secs (t_ring),
             2.0 * b->n_users * b->half / secs (t_ring));

  /* Idle sockets are measured alone, in a fresh kithd when it is ours: the
   * setup calls leave freed heap behind that new sockets would reuse. */
  if (b->hold > 0) {
    if (b->kithd != NULL) {
      kithd_terminate (b);
      if (!kithd_start (b, &error) || !parse_url (b, &error)) {
        g_printerr ("setup failed: restarting kithd: %s\n", error->message);
        return 1;
      }
      g_print ("  (kithd restarted on the same data: pid %d, %s)\n", b->pid, b->url);
    }
    return hold_run (b);
  }

  rss0 = read_rss_kb (b->pid);
  for (int i = 0; i < b->n_users; i++) {
    b->users[i].conn = conn_new (b, &b->kithd_ep, b->users[i].token, i, TRUE);
    g_ptr_array_add (primary, b->users[i].conn);
  }
  start = g_get_monotonic_time ();
  if (!connect_phase (b, primary, 300 * G_USEC_PER_SEC))
    return 1;
  t_sockets = g_get_monotonic_time () - start;
  wait_quiet (b, 500 * 1000, 30 * G_USEC_PER_SEC);
  rss1 = read_rss_kb (b->pid);

  g_print ("  sockets                %d connected (upgrade, hello -> welcome) in %.2f s\n",
           b->n_users, secs (t_sockets));
  if (rss0 >= 0 && rss1 >= 0)
    g_print ("  kithd RSS              %.1f MB before the sockets, %.1f MB after:"
             " %.1f kB per connection\n",
             rss0 / 1024.0, rss1 / 1024.0, (rss1 - rss0) / (double) b->n_users);

  if (!b->saturate) {
    RunResult paced;

    presence_run (b, &b->kithd_ep, FALSE, b->duration, 1, &paced);
  }
  if (b->n_messages > 0 && b->n_contacts >= 2)
    message_run (b);
  /* at saturation, kithd's capacity, with the floor server's for scale */
  if (!saturation_runs (b))
    return 1;
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  Bench b = {
    .pid = 0,
    .kithd_ep = { .name = "kithd" },
    .floor_ep = { .name = "floor" },
    .split_ep = { .name = "floor-split" },
    .n_users = 2000,
    .n_contacts = 50,
    .rate = 200,
    .duration = 20,
    .window = 64,
    .rounds = 1,
    .hold = 0,
    .hold_seconds = 10,
    .n_messages = 1000,
    .rest_concurrency = 16,
    .connect_concurrency = 32,
    .epfd = -1,
  };
  char *url = NULL, *kithd_path = NULL;
  g_autofree char *port_file = NULL;
  gboolean floor_server = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "An already-running kithd (loopback)", "URL" },
    { "pid", 0, 0, G_OPTION_ARG_INT, &b.pid, "Its process id, for CPU and RSS (with --url)", "PID" },
    { "kithd", 0, 0, G_OPTION_ARG_FILENAME, &kithd_path,
      "Start this kithd in a temporary data directory (default: the build's)", "PATH" },
    { "users", 'n', 0, G_OPTION_ARG_INT, &b.n_users, "Users (default 2000)", "N" },
    { "contacts", 'k', 0, G_OPTION_ARG_INT, &b.n_contacts,
      "Accepted contacts per user, even (default 50)", "K" },
    { "rate", 'r', 0, G_OPTION_ARG_INT, &b.rate, "Presence changes per second (default 200)", "R" },
    { "duration", 'd', 0, G_OPTION_ARG_INT, &b.duration, "Seconds of changes (default 20)", "D" },
    { "saturate", 0, 0, G_OPTION_ARG_NONE, &b.saturate,
      "Only the saturation runs (lasting D s), not the paced one", NULL },
    { "window", 0, 0, G_OPTION_ARG_INT, &b.window,
      "Changes in flight at saturation (default 64)", "W" },
    { "saturate-seconds", 0, 0, G_OPTION_ARG_INT, &b.saturate_seconds,
      "Seconds of each saturation run (default 10; D with --saturate)", "S" },
    { "random-order", 0, 0, G_OPTION_ARG_NONE, &b.random_order,
      "At saturation, change users in random order, not round the ring", NULL },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &b.rounds,
      "Saturation rounds, kithd and the floor interleaved (default 1)", "N" },
    { "no-floor", 0, 0, G_OPTION_ARG_NONE, &b.no_floor,
      "No floor server: kithd's saturation runs alone", NULL },
    { "floor-split-writes", 0, 0, G_OPTION_ARG_NONE, &b.floor_split,
      "Also a floor server that writes each frame's header and payload apart, as kithd does", NULL },
    { "round-hook", 0, 0, G_OPTION_ARG_STRING, &b.round_hook,
      "Run CMD (sh -c) before and after each measured run (docs/performance.md)", "CMD" },
    { "hold", 0, 0, G_OPTION_ARG_INT, &b.hold,
      "Instead: open this many idle sockets and hold them", "COUNT" },
    { "hold-seconds", 0, 0, G_OPTION_ARG_INT, &b.hold_seconds, "How long (default 10)", "S" },
    { "messages", 'm', 0, G_OPTION_ARG_INT, &b.n_messages,
      "Messages for the round trip (default 1000, 0: none)", "M" },
    { "rest-concurrency", 0, 0, G_OPTION_ARG_INT, &b.rest_concurrency,
      "REST calls in flight during setup (default 16)", "C" },
    { "keep-alive", 0, 0, G_OPTION_ARG_NONE, &b.keep_alive,
      "Reuse HTTP connections for the setup calls (see docs/performance.md)", NULL },
    { "connect-concurrency", 0, 0, G_OPTION_ARG_INT, &b.connect_concurrency,
      "Socket handshakes in flight (default 32)", "C" },
    { "floor-server", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &floor_server,
      "Be the floor server (started by the benchmark itself)", NULL },
    { "port-file", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &port_file,
      "With --floor-server: write the port here", "FILE" },
    { NULL }
  };
  int status;

  context = g_option_context_new ("- measure kithd's presence fan-out");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  if (b.n_users < 2 || b.n_contacts < 0 || b.n_contacts % 2 != 0 || b.n_contacts >= b.n_users
      || b.rate < 1 || b.duration < 1 || b.window < 1 || b.hold < 0 || b.hold_seconds < 0
      || b.n_messages < 0 || b.rest_concurrency < 1 || b.connect_concurrency < 1
      || b.saturate_seconds < 0 || b.rounds < 1) {
    g_printerr ("bad options: need N ≥ 2, 0 ≤ K < N with K even, R, D, W, rounds ≥ 1\n");
    return 2;
  }
  if (floor_server) {
    if (port_file == NULL) {
      g_printerr ("--floor-server needs --port-file\n");
      return 2;
    }
    g_free (url);
    g_free (kithd_path);
    return presence_floor_main (b.n_users, b.n_contacts, port_file, b.floor_split);
  }
  b.half = b.n_contacts / 2;
  b.url = url;
  if (url == NULL)
    b.kithd_path = kithd_path ? kithd_path : g_strdup (KITH_BENCH_KITHD);
  else
    g_free (kithd_path);

  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGPIPE, SIG_IGN);
  raise_nofile ();

  status = run (&b);
  if (status == 1)
    kithd_print_log (&b);
  /* close our sockets before the servers go, so their shutdown is clean */
  sockets_close (&b);
  floor_stop (&b);
  kithd_stop (&b);
  bench_free (&b);
  if (interrupted && status == 0)
    status = 130;
  return status;
}
