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
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib-unix.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xdamage.h>

#include "kith-credentials.h"
#include "kith-message-store.h"
#include "kithd-test-helper.h"

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

/* ---- the headless desktop: Xvfb, a session bus, gnome-keyring ---- */

static GPid xvfb_pid, bus_pid;
static char *keyring_dir;

static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static char *
read_line_from_fd (int fd)
{
  GString *line = g_string_new (NULL);
  char c;

  while (read (fd, &c, 1) == 1 && c != '\n')
    g_string_append_c (line, c);
  close (fd);

  return g_string_free (line, FALSE);
}

static void
start_desktop (void)
{
  g_autoptr (GError) error = NULL;
  int fds[2];

  /* Xvfb sometimes exits at once without a display (seen right after an
   * earlier run's Xvfb ended): try again a few times. */
  for (int attempt = 0; attempt < 5 && g_getenv ("DISPLAY") == NULL; attempt++) {
    g_autofree char *fd_arg = NULL;
    g_autofree char *number = NULL;
    g_autofree char *display = NULL;

    if (attempt > 0)
      g_usleep (200000);
    g_assert (pipe (fds) == 0);
    fd_arg = g_strdup_printf ("%d", fds[1]);
    {
      const char *argv[] = { "Xvfb", "-displayfd", fd_arg, "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp", NULL };

      if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                             G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                             G_SPAWN_STDERR_TO_DEV_NULL,
                                             child_setup, NULL, -1, -1, -1, &fds[1], &fds[1], 1,
                                             &xvfb_pid, NULL, NULL, NULL, &error))
        g_error ("Cannot start Xvfb: %s", error->message);
    }
    close (fds[1]);
    number = read_line_from_fd (fds[0]);
    if (*number == '\0') {
      waitpid (xvfb_pid, NULL, 0);
      xvfb_pid = 0;
      continue;
    }
    display = g_strdup_printf (":%s", number);
    g_setenv ("DISPLAY", display, TRUE);
  }

  g_assert (pipe (fds) == 0);
  {
    g_autofree char *fd_arg = g_strdup_printf ("--print-address=%d", fds[1]);
    const char *argv[] = { "dbus-daemon", "--session", "--nofork", fd_arg, NULL };
    g_autofree char *address = NULL;

    if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                           G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                           G_SPAWN_STDERR_TO_DEV_NULL,
                                           child_setup, NULL, -1, -1, -1, &fds[1], &fds[1], 1,
                                           &bus_pid, NULL, NULL, NULL, &error))
      g_error ("Cannot start dbus-daemon: %s", error->message);
    close (fds[1]);
    address = read_line_from_fd (fds[0]);
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  }

  /* A keyring of its own: with the user's (or another test session's)
   * login.keyring, unlocking with our password would fail. */
  keyring_dir = g_dir_make_tmp ("kith-bench-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *command = g_strdup_printf ("printf bench | HOME=%s XDG_DATA_HOME=%s/data "
                                                "XDG_RUNTIME_DIR=%s gnome-keyring-daemon --unlock "
                                                "--components=secrets >/dev/null 2>&1",
                                                keyring_dir, keyring_dir, keyring_dir);
    const char *argv[] = { "sh", "-c", command, NULL };
    int status = 0;

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
  }
  /* The daemon forks: its name may reach the bus after the command ends. */
  {
    g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    gboolean owned = FALSE;

    g_assert_no_error (error);
    while (!owned && g_get_monotonic_time () < deadline) {
      g_autoptr (GVariant) reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus",
                                                                "/org/freedesktop/DBus",
                                                                "org.freedesktop.DBus",
                                                                "NameHasOwner",
                                                                g_variant_new ("(s)", "org.freedesktop.secrets"),
                                                                G_VARIANT_TYPE ("(b)"),
                                                                G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

      g_assert_no_error (error);
      g_variant_get (reply, "(b)", &owned);
      if (!owned)
        g_usleep (20000);
    }
    if (!owned)
      g_error ("gnome-keyring-daemon did not appear on the session bus within 10 s");
  }

  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_unsetenv ("G_MESSAGES_DEBUG");
}

/* ---- the signed-in user's world ---- */

typedef struct {
  KithdTestServer *server;
  KithdTestUser   *user;
  char            *cache_dir;   /* a data dir to copy into each HOME */
} World;

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;

  if (KITH_IS_MESSAGE_STORE (object))
    kith_message_store_finish (KITH_MESSAGE_STORE (object), result, &error);
  else
    kith_credentials_store_finish (KITH_CREDENTIALS (object), result, &error);
  if (error != NULL)
    g_error ("Preparing the cache: %s", error->message);
  *done = TRUE;
}

static void
wait_done (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
  *done = FALSE;
}

static void
prepare_world (World *world)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  g_autoptr (KithMessageStore) store = NULL;
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autoptr (GUri) uri = NULL;
  g_autofree char *token = NULL;
  g_autofree char *host = NULL;
  g_autofree char *db = NULL;
  g_autofree char *file = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 now_ms = g_get_real_time () / 1000;
  gboolean done = FALSE;
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_test_user_free);
  const char *first_names[] = { "Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Frances" };
  const char *last_names[] = { "Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen" };

  world->server = kithd_test_server_startv (NULL);
  world->user = kithd_test_server_sign_up (world->server, "me@bench.example", PASSWORD, "Mary", "Bench");

  for (int i = 0; i < opt_contacts; i++) {
    g_autofree char *email = g_strdup_printf ("contact%d@bench.example", i);
    KithdTestUser *peer = kithd_test_server_sign_up (world->server, email, PASSWORD,
                                                     first_names[i % G_N_ELEMENTS (first_names)],
                                                     last_names[(i / 8) % G_N_ELEMENTS (last_names)]);
    KithContactInfo *info = kith_contact_info_new ();

    kithd_test_server_make_contacts (world->server, world->user, peer);
    info->user = kith_user_info_new ();
    info->user->id = peer->id;
    info->user->email = g_strdup (peer->email);
    info->user->first_name = g_strdup (first_names[i % G_N_ELEMENTS (first_names)]);
    info->user->last_name = g_strdup (last_names[(i / 8) % G_N_ELEMENTS (last_names)]);
    info->state = KITH_CONTACT_ACCEPTED;
    info->presence = KITH_PRESENCE_OFFLINE;
    g_ptr_array_add (contacts, info);
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

  /* The client's cache, where KithSession keeps it: DATA/kith/HOST_PORT/ID.db */
  world->cache_dir = g_dir_make_tmp ("kith-bench-cache-XXXXXX", &error);
  g_assert_no_error (error);
  uri = g_uri_parse (kithd_test_server_get_url (world->server), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  host = g_strdup_printf ("%s_%d", g_uri_get_host (uri), g_uri_get_port (uri));
  file = g_strdup_printf ("%" G_GINT64_FORMAT ".db", world->user->id);
  db = g_build_filename (world->cache_dir, "kith", host, file, NULL);
  store = kith_message_store_new (db);
  kith_message_store_open_async (store, NULL, on_done, &done);
  wait_done (&done);
  kith_message_store_save_contacts_async (store, contacts, NULL, on_done, &done);
  wait_done (&done);
  kith_message_store_save_messages_async (store, messages, 0, NULL, on_done, &done);
  wait_done (&done);
  kith_message_store_close_async (store, NULL, on_done, &done);
  wait_done (&done);

  /* The record a stay-signed-in session writes when it first comes online:
   * with it, the next start shows this account's cached contacts at once. */
  {
    g_autofree char *record = g_build_filename (world->cache_dir, "kith", host, "last-account", NULL);
    g_autofree char *contents = g_strdup_printf ("[account]\nid=%" G_GINT64_FORMAT "\nemail=%s\n",
                                                 world->user->id, world->user->email);

    g_file_set_contents (record, contents, -1, &error);
    g_assert_no_error (error);
  }

  /* "Stay signed in": the token in the keyring. */
  token = kithd_test_server_log_in (world->server, world->user->email, PASSWORD, "desktop");
  kith_credentials_store_async (credentials, kithd_test_server_get_url (world->server),
                                world->user->email, token, NULL, on_done, &done);
  wait_done (&done);

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

static double
read_pss_mb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps_rollup", (int) pid);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  line = strstr (contents, "\nPss:");
  if (line == NULL)
    return -1;

  return g_ascii_strtod (line + 5, NULL) / 1024.0;
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static Sample
run_once (Display    *display,
          int         damage_event,
          Variant     variant,
          World      *world,
          const char *self_exe)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("kith-bench-home-XXXXXX", &error);
  g_autofree char *config = g_build_filename (home, ".config", NULL);
  g_autofree char *data = g_build_filename (home, ".local", "share", NULL);
  g_autofree char *cache = g_build_filename (home, ".cache", NULL);
  g_autofree char *path = NULL;
  g_auto (GStrv) envp = g_get_environ ();
  const char *argv[3] = { NULL, NULL, NULL };
  Sample sample = { -1, -1, -1, -1, -1, -1 };
  Window top = None;
  gint64 t0, t_mapped = 0, t_last = 0;
  g_autoptr (GString) buffer = g_string_new (NULL);
  Trace trace = { buffer, 0, 0, 0 };
  int err_fd = -1;
  GPid pid;
  int status;

  path = g_build_filename (config, "gtk-4.0", "settings.ini", NULL);
  write_file (path, "[Settings]\ngtk-cursor-blink=false\n");
  g_clear_pointer (&path, g_free);
  g_mkdir_with_parents (data, 0700);

  if (variant == VARIANT_SIGNED_IN) {
    g_autofree char *contents = g_strdup_printf ("[im/kith/Kith]\nstay-signed-in=true\nlast-email='%s'\n",
                                                 world->user->email);
    g_autofree char *from = g_build_filename (world->cache_dir, "kith", NULL);
    const char *cp[] = { "cp", "-a", from, data, NULL };

    path = g_build_filename (config, "glib-2.0", "settings", "keyfile", NULL);
    write_file (path, contents);
    g_spawn_sync (NULL, (char **) cp, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
  }

  envp = g_environ_setenv (envp, "HOME", home, TRUE);
  envp = g_environ_setenv (envp, "XDG_CONFIG_HOME", config, TRUE);
  envp = g_environ_setenv (envp, "XDG_DATA_HOME", data, TRUE);
  envp = g_environ_setenv (envp, "XDG_CACHE_HOME", cache, TRUE);
  envp = g_environ_setenv (envp, "KITH_SERVER_URL", kithd_test_server_get_url (world->server), TRUE);
  envp = g_environ_setenv (envp, "KITH_STARTUP_TRACE", "1", TRUE);
  /* This build's schema, not one that an earlier install left in
   * XDG_DATA_DIRS (an older one aborts Kith at its first new key). */
  envp = g_environ_setenv (envp, "GSETTINGS_SCHEMA_DIR", KITH_BENCH_SCHEMA_DIR, TRUE);

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
  if (!g_spawn_async_with_pipes (NULL, (char **) argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, child_setup,
                                 NULL, &pid, NULL, NULL, &err_fd, &error))
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
    sample.pss_mb = read_pss_mb (pid);
  }

  kill (pid, SIGTERM);
  waitpid (pid, &status, 0);
  close (err_fd);
  g_spawn_close_pid (pid);
  XSelectInput (display, DefaultRootWindow (display), NoEventMask);
  XSync (display, True);

  {
    const char *rm[] = { "rm", "-rf", home, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }

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

  start_desktop ();
  /* Xvfb can refuse the very first connection for a moment after -displayfd. */
  for (int i = 0; i < 250 && (display = XOpenDisplay (NULL)) == NULL; i++)
    g_usleep (20000);
  if (display == NULL || !XDamageQueryExtension (display, &damage_event, &damage_error))
    g_error ("No X server with the DAMAGE extension at %s (Xvfb %s)", g_getenv ("DISPLAY"),
             xvfb_pid != 0 && kill (xvfb_pid, 0) == 0 ? "running" : "not running");

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
  {
    const char *rm[] = { "rm", "-rf", world.cache_dir, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  g_free (world.cache_dir);
  if (bus_pid != 0)
    kill (bus_pid, SIGTERM);
  if (keyring_dir != NULL) {
    const char *rm[] = { "rm", "-rf", keyring_dir, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    g_free (keyring_dir);
  }
  if (xvfb_pid != 0) {
    kill (xvfb_pid, SIGTERM);
    waitpid (xvfb_pid, NULL, 0);
  }

  return 0;
}
