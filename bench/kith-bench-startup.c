/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithBenchStartup"

/*
 * build-aux/bench startup: how fast Kith starts, next to an empty
 * libadwaita window measured in the same run.
 *
 *   empty      a minimal AdwApplicationWindow (this program, --empty-window)
 *   login      `kith` on its login page
 *   signed-in  `kith` with "Stay signed in", 500 contacts and 10,000 cached
 *              messages: the session restored from the keyring, the list drawn
 *
 * Each run gets a fresh HOME (the signed-in cache copied in), GSK_RENDERER=cairo,
 * under Xvfb with a private session bus and gnome-keyring. Time runs from
 * exec to the first X Damage event on the mapped top-level window (the
 * first frame), and to the last one before 1 s of quiet ("settled"). For
 * signed-in, the contact list drawn is the time kith reports (run with
 * KITH_STARTUP_TRACE=1) from the after-paint of the first frame that has the
 * contact rows mapped and no page transition running, taken after an XSync,
 * so the pixels are in the X server. Pss is read from
 * /proc/PID/smaps_rollup 3 s after the first frame. Medians are printed.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib-unix.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xdamage.h>

#include "kith-bench-desktop.h"

#define PASSWORD "Corr3ct-Horse!"

static int     opt_runs = 5;
static int     opt_contacts = 500;
static int     opt_messages = 10000;
static gboolean opt_empty_window;

static const GOptionEntry entries[] = {
  { "runs", 'n', 0, G_OPTION_ARG_INT, &opt_runs, "Runs of each variant (default 5)", "N" },
  { "contacts", 0, 0, G_OPTION_ARG_INT, &opt_contacts, "Contacts of the signed-in user (default 500)", "N" },
  { "messages", 0, 0, G_OPTION_ARG_INT, &opt_messages, "Cached messages (default 10000)", "N" },
  { "empty-window", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &opt_empty_window, NULL, NULL },
  { NULL }
};

/* ---- the empty window (this program, run with --empty-window) ---- */

/* As kith does with KITH_STARTUP_TRACE=1: the first frame, once the X
 * server has its pixels. */
static void
on_empty_after_paint (GdkFrameClock *clock,
                      GtkWidget     *window)
{
  gdk_display_sync (gtk_widget_get_display (window));
  g_printerr ("kith-startup: first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_signal_handlers_disconnect_by_func (clock, on_empty_after_paint, window);
}

static void
on_empty_realize (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (on_empty_after_paint), window);
}

static void
on_empty_activate (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 640);
  g_signal_connect (window, "realize", G_CALLBACK (on_empty_realize), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

static int
run_empty_window (void)
{
  g_autoptr (AdwApplication) app = adw_application_new ("im.kith.BenchEmpty", G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (on_empty_activate), NULL);
  return g_application_run (G_APPLICATION (app), 0, NULL);
}

/* ---- the signed-in user's world ---- */

typedef struct {
  KithdTestServer *server;
  KithdTestUser   *user;
  char            *cache_dir;   /* a data dir to copy into each HOME */
} World;

static void
prepare_world (World *world)
{
  g_autoptr (GPtrArray) contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  gint64 start = g_get_monotonic_time ();
  gint64 now_ms = g_get_real_time () / 1000;
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_test_user_free);
  const char *first_names[] = { "Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Frances" };
  const char *last_names[] = { "Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen" };

  world->server = kithd_test_server_startv (NULL);
  world->user = kithd_test_server_sign_up (world->server, "me@bench.example", PASSWORD, "Mary", "Bench");

  for (int i = 0; i < opt_contacts; i++) {
    g_autofree char *email = g_strdup_printf ("contact%d@bench.example", i);
    const char *first = first_names[i % G_N_ELEMENTS (first_names)];
    const char *last = last_names[(i / 8) % G_N_ELEMENTS (last_names)];
    KithdTestUser *peer = kithd_test_server_sign_up (world->server, email, PASSWORD, first, last);

    kithd_test_server_make_contacts (world->server, world->user, peer);
    g_ptr_array_add (contacts, kith_bench_contact_info (peer, first, last));
    g_ptr_array_add (peers, peer);
  }

  for (int i = 0; i < opt_messages; i++) {
    KithdTestUser *peer = g_ptr_array_index (peers, i % peers->len);
    KithMessageInfo *m = kith_message_info_new ();
    gboolean outgoing = i % 3 == 0;

    m->seq = i + 1;
    m->id = g_strdup_printf ("bench-%d", i);
    m->from = outgoing ? world->user->id : peer->id;
    m->to = outgoing ? peer->id : world->user->id;
    m->body = g_strdup_printf ("Message %d: how about a call tomorrow at ten?", i);
    m->sent_at = now_ms - (gint64) (opt_messages - i) * 60 * 1000;
    g_ptr_array_add (messages, m);
  }
  g_ptr_array_unref (peers);

  world->cache_dir = kith_bench_write_cache (world->server, world->user, contacts, messages, 0);
  kith_bench_store_token (world->server, world->user, PASSWORD);

  g_print ("   prepared %d contacts and %d cached messages in %.1f s\n", opt_contacts, opt_messages,
           (g_get_monotonic_time () - start) / 1e6);
}

/* ---- one run ---- */

typedef enum { VARIANT_EMPTY, VARIANT_LOGIN, VARIANT_SIGNED_IN, N_VARIANTS } Variant;

static const char *variant_names[N_VARIANTS] = { "empty window", "login page", "signed in" };

typedef struct {
  double first_ms;      /* the first frame drawn (the program's own report) */
  double mapped_ms;     /* the first damage: the X server clearing the mapped window */
  double settled_ms;
  double shown_ms;      /* signed in: first frame with contact rows (may be fading in) */
  double drawn_ms;      /* signed in: the contact list fully drawn */
  double pss_mb;
} Sample;

/* With KITH_STARTUP_TRACE=1, kith prints on stderr, from the frame clock's
 * after-paint and after an XSync (the X server has the pixels):
 *   kith-startup: first-frame <µs>      the first frame drawn
 *   kith-startup: contacts-shown <µs>   first frame with contact rows mapped
 *   kith-startup: contacts-drawn <µs>   first such frame with the page's
 *                                       transition over (fully visible)
 * in g_get_monotonic_time (), the same clock as the bench's. The empty
 * window (this program) prints first-frame the same way. */
typedef struct {
  GString *buffer;
  gint64   first;
  gint64   shown;
  gint64   drawn;
} Trace;

static void
read_trace (int    fd,
            Trace *trace)
{
  char chunk[4096];
  ssize_t n;
  char *nl;

  while ((n = read (fd, chunk, sizeof chunk)) > 0)
    g_string_append_len (trace->buffer, chunk, n);

  while ((nl = strchr (trace->buffer->str, '\n')) != NULL) {
    g_autofree char *line = g_strndup (trace->buffer->str, nl - trace->buffer->str);
    gint64 value;

    g_string_erase (trace->buffer, 0, nl - trace->buffer->str + 1);
    if (sscanf (line, "kith-startup: first-frame %" G_GINT64_FORMAT, &value) == 1 && trace->first == 0)
      trace->first = value;
    else if (sscanf (line, "kith-startup: contacts-shown %" G_GINT64_FORMAT, &value) == 1 && trace->shown == 0)
      trace->shown = value;
    else if (sscanf (line, "kith-startup: contacts-drawn %" G_GINT64_FORMAT, &value) == 1 && trace->drawn == 0)
      trace->drawn = value;
  }
}

static Sample
run_once (Display    *display,
          int         damage_event,
          Variant     variant,
          World      *world,
          const char *self_exe)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) envp = g_get_environ ();
  g_autofree char *home = kith_bench_make_home (world->server,
                                                variant == VARIANT_SIGNED_IN ? world->user : NULL,
                                                world->cache_dir, KITH_BENCH_SCHEMA_DIR, &envp);
  const char *argv[3] = { NULL, NULL, NULL };
  Sample sample = { -1, -1, -1, -1, -1, -1 };
  Window top = None;
  gint64 t0, t_mapped = 0, t_last = 0;
  g_autoptr (GString) buffer = g_string_new (NULL);
  Trace trace = { buffer, 0, 0, 0 };
  int err_fd = -1;
  GPid pid;
  int status;

  envp = g_environ_setenv (envp, "KITH_STARTUP_TRACE", "1", TRUE);

  if (variant == VARIANT_EMPTY) {
    argv[0] = self_exe;
    argv[1] = "--empty-window";
  } else {
    /* KITH_BENCH_KITH: another program in its place, such as a script that
     * runs kith under perf (docs/performance.md). */
    argv[0] = g_getenv ("KITH_BENCH_KITH") != NULL ? g_getenv ("KITH_BENCH_KITH") : KITH_BENCH_KITH;
  }

  XSelectInput (display, DefaultRootWindow (display), SubstructureNotifyMask);
  XSync (display, True);

  t0 = g_get_monotonic_time ();
  if (!g_spawn_async_with_pipes (NULL, (char **) argv, envp, G_SPAWN_DO_NOT_REAP_CHILD,
                                 kith_bench_child_setup, NULL, &pid, NULL, NULL, &err_fd, &error))
    g_error ("%s", error->message);
  g_unix_set_fd_nonblocking (err_fd, TRUE, NULL);

  /* Until 1 s without damage after the first frame (and, signed in, the
   * list drawn; at most 20 s). The window's first damage is the X server
   * clearing it as it is mapped ("mapped"); "first frame" is the program's
   * own report of its first frame, synced with the X server. */
  for (;;) {
    struct pollfd pfd[2] = { { ConnectionNumber (display), POLLIN, 0 }, { err_fd, POLLIN, 0 } };
    gint64 now = g_get_monotonic_time ();
    gint64 deadline = t_mapped != 0 && trace.first != 0 ? t_last + G_USEC_PER_SEC
                                                         : t0 + 20 * G_USEC_PER_SEC;

    if (variant == VARIANT_SIGNED_IN && trace.drawn == 0)
      deadline = t0 + 20 * G_USEC_PER_SEC;
    if (now >= deadline || now - t0 > 20 * G_USEC_PER_SEC)
      break;

    read_trace (err_fd, &trace);
    if (XPending (display) == 0) {
      poll (pfd, 2, (int) MAX (1, (deadline - now) / 1000));
      continue;
    }

    while (XPending (display) > 0) {
      XEvent event;

      XNextEvent (display, &event);
      now = g_get_monotonic_time ();
      if (event.type == CreateNotify && event.xcreatewindow.parent == DefaultRootWindow (display)) {
        XDamageCreate (display, event.xcreatewindow.window, XDamageReportRawRectangles);
      } else if (event.type == MapNotify && event.xmap.event == DefaultRootWindow (display)) {
        top = event.xmap.window;
      } else if (event.type == damage_event + XDamageNotify) {
        XDamageNotifyEvent *damage = (XDamageNotifyEvent *) &event;

        if (top != None && damage->drawable == top) {
          if (t_mapped == 0)
            t_mapped = now;
          t_last = now;
        }
      }
    }
  }

  if (t_mapped != 0 && trace.first != 0) {
    gint64 pss_at = trace.first + 3 * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < pss_at) {
      read_trace (err_fd, &trace);
      g_usleep (10000);
    }
    sample.first_ms = (trace.first - t0) / 1000.0;
    sample.mapped_ms = (t_mapped - t0) / 1000.0;
    sample.settled_ms = (t_last - t0) / 1000.0;
    if (trace.shown != 0)
      sample.shown_ms = (trace.shown - t0) / 1000.0;
    if (trace.drawn != 0)
      sample.drawn_ms = (trace.drawn - t0) / 1000.0;
    sample.pss_mb = kith_bench_read_pss_mb (pid);
  }

  kill (pid, SIGTERM);
  waitpid (pid, &status, 0);
  close (err_fd);
  g_spawn_close_pid (pid);
  XSelectInput (display, DefaultRootWindow (display), NoEventMask);
  XSync (display, True);

  kithd_test_remove_tree (home);

  return sample;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        int     n)
{
  qsort (values, n, sizeof (double), (GCompareFunc) compare_double);

  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GOptionContext) context = g_option_context_new ("— Kith's start-up against an empty libadwaita window");
  g_autoptr (GError) error = NULL;
  g_autofree char *self_exe = NULL;
  World world = { 0 };
  Display *display;
  int damage_event, damage_error;
  double first[N_VARIANTS], settled[N_VARIANTS], pss[N_VARIANTS];
  double shown = -1, drawn = -1;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }

  if (opt_empty_window)
    return run_empty_window ();

  opt_runs = CLAMP (opt_runs, 1, 100);
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_setenv ("KITHD", KITH_BENCH_KITHD, FALSE);

  kith_bench_desktop_start ();
  /* Xvfb can refuse the very first connection for a moment after -displayfd. */
  for (int i = 0; i < 250 && (display = XOpenDisplay (NULL)) == NULL; i++)
    g_usleep (20000);
  if (display == NULL || !XDamageQueryExtension (display, &damage_event, &damage_error))
    g_error ("No X server with the DAMAGE extension at %s (Xvfb %s)", g_getenv ("DISPLAY"),
             kith_bench_desktop_xvfb_running () ? "running" : "not running");

  g_print ("== startup: %d runs each, GSK_RENDERER=cairo, Xvfb %s\n", opt_runs, g_getenv ("DISPLAY"));
  prepare_world (&world);

  {
    /* Interleaved (empty, login, signed in, empty, …), so that a machine
     * getting busier or quieter during the bench moves all three alike. */
    double f[N_VARIANTS][100], m[N_VARIANTS][100], s[N_VARIANTS][100], p[N_VARIANTS][100];
    double sh[100], dr[100];
    int n[N_VARIANTS] = { 0 }, n_drawn = 0;

    /* One warm-up run of each (page cache), not counted. */
    for (int v = 0; v < N_VARIANTS; v++)
      run_once (display, damage_event, v, &world, self_exe);
    for (int i = 0; i < opt_runs; i++) {
      for (int v = 0; v < N_VARIANTS; v++) {
        Sample sample = run_once (display, damage_event, v, &world, self_exe);

        if (sample.first_ms < 0) {
          g_printerr ("   %s: no frame within 20 s\n", variant_names[v]);
          continue;
        }
        f[v][n[v]] = sample.first_ms;
        m[v][n[v]] = sample.mapped_ms;
        s[v][n[v]] = sample.settled_ms;
        p[v][n[v]] = sample.pss_mb;
        n[v]++;
        if (v == VARIANT_SIGNED_IN) {
          if (sample.drawn_ms < 0 || sample.shown_ms < 0) {
            g_printerr ("   signed in: no contact list drawn within 20 s\n");
            continue;
          }
          sh[n_drawn] = sample.shown_ms;
          dr[n_drawn] = sample.drawn_ms;
          n_drawn++;
        }
      }
    }

    for (int v = 0; v < N_VARIANTS; v++) {
      if (n[v] == 0)
        return 1;
      first[v] = median (f[v], n[v]);
      settled[v] = median (s[v], n[v]);
      pss[v] = median (p[v], n[v]);
      g_print ("   %-13s mapped %7.1f ms   first frame %7.1f ms   settled %7.1f ms   Pss %6.1f MB\n",
               variant_names[v], median (m[v], n[v]), first[v], settled[v], pss[v]);
    }
    if (n_drawn > 0) {
      shown = median (sh, n_drawn);
      drawn = median (dr, n_drawn);
      g_print ("   %-13s contact rows first on screen %7.1f ms   contact list drawn %7.1f ms\n",
               "", shown, drawn);
    }
  }

  g_print ("   login page:  first frame %.2f× the empty window (target ≤ 1.15×), Pss %.2f× (target ≤ 1.1×)\n",
           first[VARIANT_LOGIN] / first[VARIANT_EMPTY], pss[VARIANT_LOGIN] / pss[VARIANT_EMPTY]);
  if (drawn > 0)
    g_print ("   signed in:   contact list drawn %.2f× the empty window's first frame (target ≤ 1.5×); "
             "rows first on screen %.2f×\n",
             drawn / first[VARIANT_EMPTY], shown / first[VARIANT_EMPTY]);
  else
    g_print ("   signed in:   the contact list was never drawn\n");

  XCloseDisplay (display);
  kithd_test_server_free (world.server);
  kithd_test_user_free (world.user);
  kithd_test_remove_tree (world.cache_dir);
  g_free (world.cache_dir);
  kith_bench_desktop_stop ();

  return 0;
}
