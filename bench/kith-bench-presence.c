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

#include "kith-bench-presence.h"

volatile sig_atomic_t interrupted;

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
void
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
