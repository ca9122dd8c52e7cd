/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* kith-bench-presence's own header: the types every part shares, and what
 * each file gives the others. kith-bench-presence.c: the runs and main ();
 * kith-bench-presence-setup.c: helpers, kithd and the floor server as child
 * processes, the accounts over REST; kith-bench-presence-ws.c: the
 * WebSocket client behind one epoll source. */

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

typedef gboolean (*BenchCond) (Bench *b);

/* Set by SIGINT/SIGTERM: every wait ends. */
extern volatile sig_atomic_t interrupted;

/* kith-bench-presence-setup.c */
double ms (gint64 us);
double secs (gint64 us);
gint64 read_rss_kb (int pid);
gint64 read_cpu_us (int     pid,
                    gint64 *sys_us);
gint64 self_cpu_us (void);
int compare_gint64 (gconstpointer a,
                    gconstpointer b);
gint64 percentile (GArray *sorted,
                   double  q);
gboolean wait_until (Bench     *b,
                     BenchCond  cond,
                     gint64     timeout_us);
void wait_for (gint64 us);
void kithd_print_log (Bench *b);
gboolean kithd_start (Bench   *b,
                      GError **error);
void kithd_terminate (Bench *b);
void kithd_stop (Bench *b);
gboolean floor_start (Bench     *b,
                      Endpoint  *ep,
                      GError   **error);
void floor_stop (Bench *b);
gboolean parse_url (Bench   *b,
                    GError **error);
gboolean rest_phase (Bench    *b,
                     RestKind  kind,
                     guint     total,
                     gint64   *elapsed);

/* kith-bench-presence-ws.c */
void conn_send_text (Conn       *conn,
                     const char *json,
                     gsize       len);
void conn_free (Conn *conn);
void conn_drop (Conn *conn);
Conn *conn_new (Bench      *b,
                Endpoint   *ep,
                const char *token,
                guint       user,
                gboolean    primary);
gboolean on_epoll (int          fd,
                   GIOCondition condition,
                   gpointer     user_data);
gboolean on_keepalive (gpointer user_data);
gboolean connect_phase (Bench     *b,
                        GPtrArray *conns,
                        gint64     timeout_us);

/* kith-bench-presence.c */
void saturate_fill (Bench *b);
