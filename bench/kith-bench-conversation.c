/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithBenchConversation"

/*
 * build-aux/bench conversation: what long conversations cost the real
 * `kith` (issue 12), next to the same app with an empty conversation.
 *
 * A real kithd (no message rate limit) and a signed-in user with seven
 * contacts: three senders, two chats of --cached messages in the client's
 * cache, two empty chats. Each phase runs its own `kith` (release build,
 * fresh HOME with the cache copied in, "stay signed in", under the bench's
 * own Xvfb, session bus and gnome-keyring, GSK_RENDERER=cairo) with
 * KITH_BENCH_TRACE=1, whose stderr says when frames were drawn, which chat
 * they showed and which messages came (src/app/kith-bench-trace.h):
 *
 *   memory   Pss (/proc/PID/smaps_rollup, once the app is idle) after
 *            --messages/50, /5 and all of --messages received from a
 *            sender on a socket of the bench, into the open chat; then the
 *            same into a chat not open (no chat open: the unread count grows)
 *   cpu      utime+stime (/proc/PID/stat) while 5 messages a second arrive
 *            into the open chat, next to the same time idle
 *   switch   from the click (the app's `open-chat` action, activated over
 *            D-Bus as a notification does) to the first frame that shows the
 *            other chat with its messages, between two chats of --cached
 *            messages and between two empty chats; and the longest frame on
 *            the way (from the click or the frame before to the frame's end)
 *   scroll   the open chat of --cached messages from its newest to its
 *            oldest, a page a frame (the window action bench-scroll): each
 *            frame's work (its clock's first phase to after-paint) and the
 *            time between frames, p50/p99/max; the same for the first
 *            frame after each older page was read (the chat has more
 *            messages), with the time since the frame before (a page read
 *            between frames counts there)
 *
 * The signed-in start with 10,000 cached messages is build-aux/bench
 * startup's. The bench prints figures and asserts nothing.
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "kith-bench-desktop.h"

#define PASSWORD "Corr3ct-Horse!"
#define APP_BUS_NAME "im.kith.Kith"
#define APP_PATH "/im/kith/Kith"
/* Messages sent that the app has not yet said it received, at most. */
#define SEND_WINDOW 200
/* The bound of a wait for something that must come; for the scroll. */
#define WAIT_US (60 * G_USEC_PER_SEC)
#define SCROLL_WAIT_US (900 * G_USEC_PER_SEC)
/* Frames come every 16.7 ms (60 Hz): a gap longer than this between
 * two is a frame missed. */
#define MISSED_FRAME_MS 25.0

static int opt_messages = 50000;
static int opt_cached = 10000;
static int opt_switches = 6;
static int opt_cpu_seconds = 20;

static const GOptionEntry entries[] = {
  { "messages", 0, 0, G_OPTION_ARG_INT, &opt_messages,
    "Messages received for the memory figures, measured at 1/50, 1/5 and all (default 50000)", "N" },
  { "cached", 0, 0, G_OPTION_ARG_INT, &opt_cached,
    "Cached messages in each chat switched between and scrolled (default 10000)", "N" },
  { "switches", 0, 0, G_OPTION_ARG_INT, &opt_switches, "Switches measured of each kind (default 6)", "N" },
  { "cpu-seconds", 0, 0, G_OPTION_ARG_INT, &opt_cpu_seconds,
    "Seconds of receiving 5 messages/s for the CPU figure (default 20)", "S" },
  { NULL }
};

/* ---- the world: kithd, the user, the contacts, the cache ---- */

enum { OPEN_SENDER, CLOSED_SENDER, RATE_SENDER, LONG_A, LONG_B, EMPTY_A, EMPTY_B, N_PEERS };

static const char *peer_names[N_PEERS][2] = {
  { "Ada", "Open" }, { "Ben", "Closed" }, { "Cy", "Rate" },
  { "Dora", "Long" }, { "Eli", "Long" }, { "Fay", "Empty" }, { "Gus", "Empty" },
};

typedef struct {
  KithdTestServer *server;
  KithdTestUser   *user;
  KithdTestUser   *peers[N_PEERS];
  char            *cache_dir;
  gint64           last_seq;    /* the newest seq kithd gave a message to the user */
  guint            sent;        /* messages sent by the senders so far (their ids) */
} World;

static void
prepare_world (World *world)
{
  g_autoptr (GPtrArray) contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *conf_dir = g_dir_make_tmp ("kith-bench-conf-XXXXXX", &error);
  g_autofree char *conf = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 now_ms = g_get_real_time () / 1000;

  /* The senders send as fast as the app takes them: no rate limit. */
  g_assert_no_error (error);
  conf = g_build_filename (conf_dir, "kithd.conf", NULL);
  kith_bench_write_file (conf, "[limits]\nmessages-per-second=0\n");
  {
    const char *args[] = { "--config", conf, NULL };

    world->server = kithd_test_server_startv (args);
  }
  world->user = kithd_test_server_sign_up (world->server, "me@bench.example", PASSWORD, "Mary", "Bench");
  for (int i = 0; i < N_PEERS; i++) {
    g_autofree char *email = g_strdup_printf ("%s@bench.example", peer_names[i][0]);

    world->peers[i] = kithd_test_server_sign_up (world->server, email, PASSWORD,
                                                 peer_names[i][0], peer_names[i][1]);
    kithd_test_server_make_contacts (world->server, world->user, world->peers[i]);
    g_ptr_array_add (contacts, kith_bench_contact_info (world->peers[i], peer_names[i][0],
                                                        peer_names[i][1]));
  }

  /* Two long chats in the cache only (kithd has none of them: scrolled
   * past the cache, the app finds nothing older on the server), a
   * message a minute, one in three ours, seqs below anything kithd gives. */
  for (int i = 0; i < 2 * opt_cached; i++) {
    KithdTestUser *peer = world->peers[i % 2 ? LONG_B : LONG_A];
    KithMessageInfo *m = kith_message_info_new ();
    gboolean outgoing = (i / 2) % 3 == 0;

    m->seq = i + 1;
    m->id = g_strdup_printf ("cached-%d", i);
    m->from = outgoing ? world->user->id : peer->id;
    m->to = outgoing ? peer->id : world->user->id;
    m->body = g_strdup_printf ("Message %d: shall we move the call to tomorrow at ten, or is "
                               "Thursday better for you?", i / 2);
    m->sent_at = now_ms - (gint64) (opt_cached - i / 2) * 60 * 1000;
    g_ptr_array_add (messages, m);
  }
  world->cache_dir = kith_bench_write_cache (world->server, world->user, contacts, messages, 0);
  kith_bench_store_token (world->server, world->user, PASSWORD);
  kithd_test_remove_tree (conf_dir);

  g_print ("   prepared %d contacts and 2 chats of %d cached messages in %.1f s\n", N_PEERS,
           opt_cached, (g_get_monotonic_time () - start) / 1e6);
}

static void
free_world (World *world)
{
  kithd_test_server_free (world->server);
  kithd_test_user_free (world->user);
  for (int i = 0; i < N_PEERS; i++)
    kithd_test_user_free (world->peers[i]);
  kithd_test_remove_tree (world->cache_dir);
  g_free (world->cache_dir);
}

/* ---- the app and its trace ---- */

typedef struct {
  gint64 start;
  gint64 end;
  guint  n;       /* the open chat's messages while scrolling, else 0 */
} Frame;

typedef struct {
  GPid     pid;
  int      err_fd;
  guint    err_source;
  char    *home;
  GString *buffer;
  GArray  *frames;        /* Frame, since the last app_clear_frames () */
  guint    received;
  gint64   max_seq;
  gint64   shown_id, shown_at;       /* the last chat-shown */
  gint64   filled_id, filled_at;     /* the last chat-filled */
  gint64   scroll_done_at;
  guint    scroll_n;
  gboolean exited;
} App;

static void
parse_line (App        *app,
            const char *line)
{
  gint64 a, b;
  guint n;
  guint n_messages = 0;

  if (!g_str_has_prefix (line, "kith-bench: ")) {
    if (*line != '\0')
      g_printerr ("   kith: %s\n", line);
    return;
  }
  line += strlen ("kith-bench: ");
  if (sscanf (line, "frame %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %u", &a, &b, &n_messages) >= 2) {
    Frame frame = { a, b, n_messages };

    g_array_append_val (app->frames, frame);
  } else if (sscanf (line, "received %" G_GINT64_FORMAT, &a) == 1) {
    app->received++;
    app->max_seq = MAX (app->max_seq, a);
  } else if (sscanf (line, "chat-shown %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &a, &b) == 2) {
    app->shown_id = a;
    app->shown_at = b;
  } else if (sscanf (line, "chat-filled %" G_GINT64_FORMAT " %u %" G_GINT64_FORMAT, &a, &n, &b) == 3) {
    app->filled_id = a;
    app->filled_at = b;
  } else if (sscanf (line, "scroll-done %" G_GINT64_FORMAT " %u", &a, &n) == 2) {
    app->scroll_done_at = a;
    app->scroll_n = n;
  }
}

static gboolean
on_app_stderr (int          fd,
               GIOCondition condition,
               gpointer     user_data)
{
  App *app = user_data;
  char chunk[16384];
  ssize_t n;
  char *nl;

  while ((n = read (fd, chunk, sizeof chunk)) > 0)
    g_string_append_len (app->buffer, chunk, n);
  while ((nl = strchr (app->buffer->str, '\n')) != NULL) {
    *nl = '\0';
    parse_line (app, app->buffer->str);
    g_string_erase (app->buffer, 0, nl - app->buffer->str + 1);
  }
  if (n == 0) {
    app->exited = TRUE;
    app->err_source = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until @cond or @timeout_us; FALSE on time out. */
static gboolean
wait_until_for (gboolean (*cond) (gpointer data),
                gpointer  data,
                gint64    timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  while (!cond (data)) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
  return TRUE;
}

static gboolean
wait_until (gboolean (*cond) (gpointer data),
            gpointer  data)
{
  return wait_until_for (cond, data, WAIT_US);
}

static void
run_for (gint64 us)
{
  gint64 until = g_get_monotonic_time () + us;

  while (g_get_monotonic_time () < until) {
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

/* Until the app used under 1 % of a core for 2 × 300 ms (at most 30 s). */
static void
wait_quiet (App *app)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  int quiet = 0;

  while (quiet < 2 && g_get_monotonic_time () < deadline) {
    gint64 before = kith_bench_read_cpu_us (app->pid);

    run_for (300000);
    if (kith_bench_read_cpu_us (app->pid) - before < 3000)
      quiet++;
    else
      quiet = 0;
  }
}

static App *
app_start (World *world)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) envp = g_get_environ ();
  const char *argv[] = { KITH_BENCH_KITH, NULL };
  App *app = g_new0 (App, 1);

  app->home = kith_bench_make_home (world->server, world->user, world->cache_dir,
                                    KITH_BENCH_SCHEMA_DIR, &envp);
  /* Its socket resumes after what earlier phases sent. */
  if (world->last_seq > 0) {
    g_autofree char *data = g_build_filename (app->home, ".local", "share", NULL);

    kith_bench_set_last_seq (data, world->server, world->user, world->last_seq);
  }
  envp = g_environ_setenv (envp, "KITH_BENCH_TRACE", "1", TRUE);
  if (g_getenv ("KITH_BENCH_KITH") != NULL)
    argv[0] = g_getenv ("KITH_BENCH_KITH");

  app->buffer = g_string_new (NULL);
  app->frames = g_array_new (FALSE, FALSE, sizeof (Frame));
  app->shown_id = app->filled_id = -1;
  if (!g_spawn_async_with_pipes (NULL, (char **) argv, envp,
                                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                 kith_bench_child_setup, NULL, &app->pid, NULL, NULL,
                                 &app->err_fd, &error))
    g_error ("%s", error->message);
  g_unix_set_fd_nonblocking (app->err_fd, TRUE, NULL);
  app->err_source = g_unix_fd_add (app->err_fd, G_IO_IN | G_IO_HUP, on_app_stderr, app);

  return app;
}

static void
app_stop (App   *app,
          World *world)
{
  world->last_seq = MAX (world->last_seq, app->max_seq);
  kill (app->pid, SIGTERM);
  waitpid (app->pid, NULL, 0);
  g_spawn_close_pid (app->pid);
  g_clear_handle_id (&app->err_source, g_source_remove);
  close (app->err_fd);
  kithd_test_remove_tree (app->home);
  g_free (app->home);
  g_string_free (app->buffer, TRUE);
  g_array_unref (app->frames);
  g_free (app);
}

/* Activates one of the app's actions over D-Bus, as a notification or
 * another instance would (org.gtk.Actions on the app's bus name). */
static void
activate_action (const char *path,
                 const char *name,
                 GVariant   *parameter)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr (GVariant) reply = NULL;
  GVariantBuilder params;

  g_assert_no_error (error);
  g_variant_builder_init (&params, G_VARIANT_TYPE ("av"));
  if (parameter != NULL)
    g_variant_builder_add (&params, "v", parameter);
  reply = g_dbus_connection_call_sync (bus, APP_BUS_NAME, path, "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", name, &params, NULL),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (error != NULL)
    g_printerr ("   activating %s: %s\n", name, error->message);
}

typedef struct {
  App   *app;
  gint64 id;
  gint64 after;
} ChatWait;

static gboolean
chat_filled (gpointer data)
{
  ChatWait *w = data;

  return w->app->filled_id == w->id && w->app->filled_at > w->after;
}

static gboolean
chat_shown (gpointer data)
{
  ChatWait *w = data;

  return w->app->shown_id == w->id && w->app->shown_at > w->after;
}

/* Opens @peer's chat; the time from the click to the first frame showing
 * it (with messages when @filled), or -1; *@longest: the longest frame on
 * the way (from the click or the end of the frame before). */
static double
open_chat (App           *app,
           KithdTestUser *peer,
           gboolean       filled,
           double        *longest)
{
  ChatWait w = { app, peer->id, 0 };
  gint64 click, shown, prev;
  double worst = 0;

  g_array_set_size (app->frames, 0);
  click = w.after = g_get_monotonic_time ();
  activate_action (APP_PATH, "open-chat", g_variant_new_int64 (peer->id));
  if (!wait_until (filled ? chat_filled : chat_shown, &w)) {
    g_printerr ("   %s's chat was not shown within %d s\n", peer->email, (int) (WAIT_US / G_USEC_PER_SEC));
    return -1;
  }
  shown = filled ? app->filled_at : app->shown_at;
  prev = click;
  for (guint i = 0; i < app->frames->len; i++) {
    Frame *f = &g_array_index (app->frames, Frame, i);

    if (f->end <= click || f->end > shown)
      continue;
    worst = MAX (worst, (f->end - prev) / 1000.0);
    prev = f->end;
  }
  if (longest != NULL)
    *longest = worst;

  return (shown - click) / 1000.0;
}

static gboolean
app_online (gpointer data)
{
  KithdTestSocket *sender = ((gpointer *) data)[0];
  KithdTestUser *user = ((gpointer *) data)[1];
  const char *status = kithd_test_socket_wait_presence (sender, user->id, 0);

  return status != NULL && !g_str_equal (status, "offline");
}

/* A sender's socket, and the app online (the sender sees its presence). */
static KithdTestSocket *
connect_sender (World         *world,
                KithdTestUser *peer)
{
  KithdTestSocket *sender = kithd_test_socket_connect (world->server, peer->token, 0);
  gpointer data[2] = { sender, world->user };

  if (!wait_until (app_online, data))
    g_printerr ("   the app did not come online within %d s\n", (int) (WAIT_US / G_USEC_PER_SEC));
  return sender;
}

static void
send_one (World           *world,
          KithdTestSocket *sender,
          KithdTestUser   *peer)
{
  g_autofree char *id = g_strdup_printf ("bench-%u", world->sent++);
  g_autofree char *body = g_strdup_printf ("%s here: message %u. Did you see the new figures? "
                                           "Call me when you can.", peer->email, world->sent);

  kithd_test_socket_send_message (sender, id, world->user->id, body);
}

static gboolean
all_received (gpointer data)
{
  App *app = ((gpointer *) data)[0];
  guint *n = ((gpointer *) data)[1];

  return app->received >= *n;
}

/* ---- phases ---- */

/* Pss with no message, then after 1/50, 1/5 and all of --messages from
 * @peer, the chat open or not; pss[4]. */
static void
memory_phase (World    *world,
              int       sender_index,
              gboolean  open,
              double   *pss,
              double   *rate)
{
  KithdTestUser *peer = world->peers[sender_index];
  App *app = app_start (world);
  KithdTestSocket *sender = connect_sender (world, peer);
  guint marks[3] = { MAX (1, opt_messages / 50), MAX (1, opt_messages / 5), opt_messages };
  guint sent = 0;
  gint64 start;

  if (open)
    open_chat (app, peer, FALSE, NULL);
  wait_quiet (app);
  pss[0] = kith_bench_read_pss_mb (app->pid);

  start = g_get_monotonic_time ();
  for (int m = 0; m < 3; m++) {
    gpointer data[2] = { app, &marks[m] };

    while (sent < marks[m] && !app->exited) {
      if (sent - app->received < SEND_WINDOW) {
        send_one (world, sender, peer);
        sent++;
        if (sent % 1000 == 0)
          kithd_test_socket_clear (sender);
        if (sent % 50 == 0)
          g_main_context_iteration (NULL, FALSE);
      } else {
        g_main_context_iteration (NULL, TRUE);
      }
    }
    if (!wait_until (all_received, data))
      g_printerr ("   the app received %u of %u messages\n", app->received, marks[m]);
    if (m == 2)
      *rate = app->received / ((g_get_monotonic_time () - start) / 1e6);
    wait_quiet (app);
    pss[m + 1] = kith_bench_read_pss_mb (app->pid);
  }

  kithd_test_socket_free (sender);
  app_stop (app, world);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  if (values->len == 0)
    return -1;
  g_array_sort (values, compare_double);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

/* @rate messages a second for @seconds from @peer, its chat open: CPU as
 * % of a core; *@idle: the same time before, nothing arriving. */
static double
cpu_phase (World *world,
           App   *app,
           double *idle)
{
  KithdTestUser *peer = world->peers[RATE_SENDER];
  KithdTestSocket *sender = connect_sender (world, peer);
  gint64 start, cpu, end;
  guint due = 0, sent = 0;
  gpointer data[2] = { app, &sent };
  double busy;

  open_chat (app, peer, FALSE, NULL);
  wait_quiet (app);

  cpu = kith_bench_read_cpu_us (app->pid);
  start = g_get_monotonic_time ();
  run_for (opt_cpu_seconds * G_USEC_PER_SEC / 2);
  *idle = 100.0 * (kith_bench_read_cpu_us (app->pid) - cpu) / (g_get_monotonic_time () - start);

  cpu = kith_bench_read_cpu_us (app->pid);
  start = g_get_monotonic_time ();
  end = start + opt_cpu_seconds * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    due = (g_get_monotonic_time () - start) * 5 / G_USEC_PER_SEC + 1;
    while (sent < due) {
      send_one (world, sender, peer);
      sent++;
    }
    g_main_context_iteration (NULL, FALSE);
    g_usleep (2000);
  }
  busy = 100.0 * (kith_bench_read_cpu_us (app->pid) - cpu) / (g_get_monotonic_time () - start);
  if (!wait_until (all_received, data))
    g_printerr ("   the app received %u of %u messages\n", app->received, sent);

  kithd_test_socket_free (sender);
  return busy;
}

/* Median switch time between @a and @b (opt_switches of them, after one
 * of each not counted), the longest frame on the way. */
static double
switch_phase (App           *app,
              KithdTestUser *a,
              KithdTestUser *b,
              gboolean       filled,
              double        *longest)
{
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  double worst = 0;

  open_chat (app, a, filled, NULL);
  wait_quiet (app);
  open_chat (app, b, filled, NULL);
  wait_quiet (app);
  for (int i = 0; i < opt_switches; i++) {
    double frame = 0;
    double t = open_chat (app, i % 2 ? b : a, filled, &frame);

    if (t >= 0)
      g_array_append_val (times, t);
    worst = MAX (worst, frame);
    wait_quiet (app);
  }
  *longest = worst;

  return percentile (times, 0.5);
}

static gboolean
scroll_finished (gpointer data)
{
  return ((App *) data)->scroll_done_at != 0;
}

static void
scroll_phase (App *app)
{
  g_autoptr (GArray) work = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) between = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *window_path = g_strdup_printf ("%s/window/1", APP_PATH);
  g_autoptr (GArray) taking = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) taking_gap = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 start, prev = 0;
  guint prev_n = 0;
  guint over = 0, missed = 0, taking_missed = 0, taking_over = 0;

  g_array_set_size (app->frames, 0);
  start = g_get_monotonic_time ();
  activate_action (window_path, "bench-scroll", NULL);
  if (!wait_until_for (scroll_finished, app, SCROLL_WAIT_US)) {
    g_print ("   scroll: not at the oldest message within %d s\n", (int) (SCROLL_WAIT_US / G_USEC_PER_SEC));
    return;
  }
  for (guint i = 0; i < app->frames->len; i++) {
    Frame *f = &g_array_index (app->frames, Frame, i);
    double w = (f->end - f->start) / 1000.0;

    if (f->end <= start || f->end > app->scroll_done_at)
      continue;
    g_array_append_val (work, w);
    if (prev != 0) {
      double d = (f->end - prev) / 1000.0;

      g_array_append_val (between, d);
      missed += d > MISSED_FRAME_MS;
      /* The first frame after an older page was read (the chat has more
       * messages): its work, and the time since the frame before, which
       * counts the page's reading when it is done between frames. */
      if (prev_n > 0 && f->n > prev_n) {
        g_array_append_val (taking, w);
        taking_over += w > 16;
        g_array_append_val (taking_gap, d);
        taking_missed += d > MISSED_FRAME_MS;
      }
    }
    prev = f->end;
    prev_n = f->n;
  }

  g_print ("   scroll, newest to oldest (a page a frame): %.1f s (2 s of it waiting at the top), "
           "%u frames, %u messages in the chat at the top\n",
           (app->scroll_done_at - start) / 1e6, work->len, app->scroll_n);
  for (guint i = 0; i < work->len; i++)
    over += g_array_index (work, double, i) > 16;
  g_print ("      frame work      p50 %6.1f   p99 %6.1f   max %7.1f ms   (target p99 ≤ 16 ms; "
           "%u frames over 16 ms)\n",
           percentile (work, 0.5), percentile (work, 0.99), percentile (work, 1), over);
  g_print ("      between frames  p50 %6.1f   p99 %6.1f   max %7.1f ms   (%u over %.0f ms: a frame missed)\n",
           percentile (between, 0.5), percentile (between, 0.99), percentile (between, 1),
           missed, MISSED_FRAME_MS);
  if (taking->len > 0)
    g_print ("      %u older pages read: the frame after each, work p99 %.1f max %.1f ms (%u over 16 ms); "
             "since the frame before p99 %.1f max %.1f ms (%u over %.0f ms)\n",
             taking->len, percentile (taking, 0.99), percentile (taking, 1), taking_over,
             percentile (taking_gap, 0.99), percentile (taking_gap, 1), taking_missed, MISSED_FRAME_MS);
}

static void
print_memory (const char *what,
              double     *pss,
              double      rate)
{
  g_print ("   %-24s %7.1f MB", what, pss[0]);
  for (int m = 1; m < 4; m++)
    g_print ("   %+7.1f MB", pss[m] - pss[0]);
  g_print ("   (%.0f messages/s taken)\n", rate);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GOptionContext) context = g_option_context_new ("— long conversations in the real app, "
                                                             "next to an empty one");
  g_autoptr (GError) error = NULL;
  World world = { 0 };
  double open_pss[4], closed_pss[4], open_rate = 0, closed_rate = 0;
  double cpu, idle, empty_switch, long_switch, empty_frame, long_frame;
  App *app;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  opt_messages = MAX (opt_messages, 50);
  opt_cached = MAX (opt_cached, 1);
  opt_switches = CLAMP (opt_switches, 1, 100);
  opt_cpu_seconds = MAX (opt_cpu_seconds, 2);
  g_setenv ("KITHD", KITH_BENCH_KITHD, FALSE);

  kith_bench_desktop_start ();
  g_print ("== conversation: GSK_RENDERER=cairo, Xvfb %s, %d messages received, "
           "chats of %d cached messages\n", g_getenv ("DISPLAY"), opt_messages, opt_cached);
  prepare_world (&world);

  memory_phase (&world, OPEN_SENDER, TRUE, open_pss, &open_rate);
  memory_phase (&world, CLOSED_SENDER, FALSE, closed_pss, &closed_rate);
  g_print ("   Pss, messages received:  empty start   %+8d   %+8d   %+8d\n",
           MAX (1, opt_messages / 50), MAX (1, opt_messages / 5), opt_messages);
  print_memory ("into the open chat", open_pss, open_rate);
  print_memory ("into a closed chat", closed_pss, closed_rate);
  g_print ("   (target: ≤ 15 MB above the empty start at 10,000 and flat after)\n");

  app = app_start (&world);
  cpu = cpu_phase (&world, app, &idle);
  g_print ("   CPU receiving 5 messages/s into the open chat: %.1f %% of a core over %d s "
           "(idle before: %.1f %%; target < 5 %%)\n", cpu, opt_cpu_seconds, idle);

  empty_switch = switch_phase (app, world.peers[EMPTY_A], world.peers[EMPTY_B], FALSE, &empty_frame);
  long_switch = switch_phase (app, world.peers[LONG_A], world.peers[LONG_B], TRUE, &long_frame);
  g_print ("   switch, click to the other chat drawn (median of %d):\n", opt_switches);
  g_print ("      two empty chats                %8.1f ms   longest frame %7.1f ms\n",
           empty_switch, empty_frame);
  g_print ("      two chats of %6d messages    %8.1f ms   longest frame %7.1f ms\n",
           opt_cached, long_switch, long_frame);
  g_print ("      ratio %.2f× (target ≤ 1.5×, no frame over 50 ms)\n", long_switch / empty_switch);

  scroll_phase (app);
  app_stop (app, &world);

  g_print ("   start-up signed in with 10,000 cached messages against the empty window: "
           "build-aux/bench startup\n");

  free_world (&world);
  kith_bench_desktop_stop ();

  return 0;
}
