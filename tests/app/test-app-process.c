/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestAppProcess"

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <gio/gio.h>
#include <X11/Xlib.h>
#include <X11/Xatom.h>

#include "kith-app-test-util.h"
#include "kith-credentials.h"
#include "kith-fake-notifications.h"
#include "kith-fake-watcher.h"
#include "kithd-test-helper.h"

/*
 * The real `kith` binary as a user runs it: a child process on the test's
 * session bus (with its real gnome-keyring) and X server, against a real
 * kithd. A fake StatusNotifierWatcher stands in for the desktop's tray.
 * The user has "Stay signed in", so Kith opens signed in.
 */

#define PASSWORD      "Corr3ct-Horse!"
#define WATCHER_NAME  "org.kde.StatusNotifierWatcher"
#define ITEM_PATH     "/StatusNotifierItem"
#define ITEM_IFACE    "org.kde.StatusNotifierItem"
#define MENU_PATH     "/MenuBar"
#define MENU_IFACE    "com.canonical.dbusmenu"

/* ---- X11: the child's top-level windows ---- */

static Display *display;

static gboolean
window_has_pid (Window window,
                GPid   pid)
{
  Atom pid_atom = XInternAtom (display, "_NET_WM_PID", False);
  Atom type;
  int format;
  unsigned long n, after;
  unsigned char *data = NULL;
  gboolean match = FALSE;

  if (XGetWindowProperty (display, window, pid_atom, 0, 1, False, XA_CARDINAL,
                          &type, &format, &n, &after, &data) == Success && data != NULL) {
    if (type == XA_CARDINAL && format == 32 && n == 1)
      match = (GPid) *(unsigned long *) data == pid;
    XFree (data);
  }

  return match;
}

/* The child's mapped top-level window, or None. */
static Window
find_viewable_window (GPid pid)
{
  Window root_return, parent_return, *children = NULL;
  unsigned int n = 0;
  Window found = None;

  XSync (display, False);
  if (!XQueryTree (display, DefaultRootWindow (display), &root_return, &parent_return,
                   &children, &n))
    return None;

  for (unsigned int i = 0; i < n && found == None; i++) {
    XWindowAttributes attributes;

    if (!window_has_pid (children[i], pid))
      continue;
    if (XGetWindowAttributes (display, children[i], &attributes) &&
        attributes.map_state == IsViewable)
      found = children[i];
  }

  if (children != NULL)
    XFree (children);

  return found;
}

/* The window's title, as a window list or task switcher shows it. */
static char *
window_title (Window window)
{
  Atom name_atom = XInternAtom (display, "_NET_WM_NAME", False);
  Atom utf8 = XInternAtom (display, "UTF8_STRING", False);
  Atom type;
  int format;
  unsigned long n, after;
  unsigned char *data = NULL;
  char *title = NULL;

  if (XGetWindowProperty (display, window, name_atom, 0, 1024, False, utf8,
                          &type, &format, &n, &after, &data) == Success && data != NULL) {
    if (type == utf8 && format == 8)
      title = g_strndup ((const char *) data, n);
    XFree (data);
  }
  return title;
}

static gboolean
window_title_is (GPid        pid,
                 const char *expected)
{
  Window window = find_viewable_window (pid);
  g_autofree char *title = NULL;

  if (window == None)
    return FALSE;
  title = window_title (window);
  return g_strcmp0 (title, expected) == 0;
}

/* What a window manager sends when the user clicks the close button. */
static void
send_delete_window (Window window)
{
  XEvent event = { 0 };

  event.xclient.type = ClientMessage;
  event.xclient.window = window;
  event.xclient.message_type = XInternAtom (display, "WM_PROTOCOLS", False);
  event.xclient.format = 32;
  event.xclient.data.l[0] = XInternAtom (display, "WM_DELETE_WINDOW", False);
  event.xclient.data.l[1] = CurrentTime;
  XSendEvent (display, window, False, NoEventMask, &event);
  XFlush (display);
}

/* ---- the kith process ---- */

typedef struct {
  KithdTestServer *server;
  KithdTestUser   *user;
  KithdTestUser   *friend;
  KithdTestSocket *friend_socket;
  KithFakeWatcher *watcher;
  KithFakeNotifications *notifications;
  char            *home;
  char           **envp;
  GPid             pid;
  gboolean         exited;
  int              status;
} Fixture;

static void
on_child_exit (GPid     pid,
               int      status,
               gpointer user_data)
{
  Fixture *f = user_data;

  f->exited = TRUE;
  f->status = status;
  g_spawn_close_pid (pid);
}

static void
on_stored (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (kith_credentials_store_finish (KITH_CREDENTIALS (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* A kith left behind by a failed test ends with the test. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GPid
spawn_kith (Fixture    *f,
            const char *extra_arg)
{
  g_autoptr (GError) error = NULL;
  const char *argv[] = { g_getenv ("KITH_BIN"), extra_arg, NULL };
  GPid pid;

  g_assert_nonnull (argv[0]);
  g_spawn_async (NULL, (char **) argv, f->envp, G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
                 &pid, &error);
  g_assert_no_error (error);

  return pid;
}

static void
on_other_exit (GPid     pid,
               int      status,
               gpointer user_data)
{
  int *out = user_data;

  *out = status;
  g_spawn_close_pid (pid);
}

static int
run_kith (Fixture    *f,
          const char *extra_arg)
{
  int status = -1;
  GPid pid = spawn_kith (f, extra_arg);

  g_child_watch_add (pid, on_other_exit, &status);
  KITH_WAIT_FOR (status != -1);

  return status;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autofree char *email = NULL;
  g_autofree char *friend_email = NULL;
  g_autofree char *token = NULL;
  g_autofree char *settings_dir = NULL;
  g_autofree char *keyfile = NULL;
  g_autofree char *contents = NULL;
  static guint n;
  gboolean stored = FALSE;

  f->server = kithd_test_server_startv (NULL);
  email = g_strdup_printf ("ada.%u.%d@example.org", ++n, (int) getpid ());
  friend_email = g_strdup_printf ("charles.%u.%d@example.org", n, (int) getpid ());
  f->user = kithd_test_server_sign_up (f->server, email, PASSWORD, "Ada", "Lovelace");
  f->friend = kithd_test_server_sign_up (f->server, friend_email, PASSWORD, "Charles", "Babbage");
  kithd_test_server_make_contacts (f->server, f->user, f->friend);
  f->friend_socket = kithd_test_socket_connect (f->server, f->friend->token, 0);

  /* "Stay signed in": a session token in the keyring, as a sign-in with the
   * box ticked leaves it, and the settings that say so. */
  token = kithd_test_server_log_in (f->server, f->user->email, PASSWORD, "desktop");
  kith_credentials_store_async (credentials, kithd_test_server_get_url (f->server),
                                f->user->email, token, NULL, on_stored, &stored);
  KITH_WAIT_FOR (stored);

  f->home = g_dir_make_tmp ("kith-app-process-XXXXXX", &error);
  g_assert_no_error (error);
  settings_dir = g_build_filename (f->home, "config", "glib-2.0", "settings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (settings_dir, 0700), ==, 0);
  keyfile = g_build_filename (settings_dir, "keyfile", NULL);
  contents = g_strdup_printf ("[im/kith/Kith]\nstay-signed-in=true\nlast-email='%s'\n", f->user->email);
  g_file_set_contents (keyfile, contents, -1, &error);
  g_assert_no_error (error);

  f->envp = g_get_environ ();
  f->envp = g_environ_setenv (f->envp, "KITH_SERVER_URL", kithd_test_server_get_url (f->server), TRUE);
  f->envp = g_environ_setenv (f->envp, "GSETTINGS_BACKEND", "keyfile", TRUE);
  {
    g_autofree char *config = g_build_filename (f->home, "config", NULL);
    g_autofree char *data_home = g_build_filename (f->home, "data", NULL);

    f->envp = g_environ_setenv (f->envp, "XDG_CONFIG_HOME", config, TRUE);
    f->envp = g_environ_setenv (f->envp, "XDG_DATA_HOME", data_home, TRUE);
  }
  /* The child's own debug output would only be noise. */
  if (g_getenv ("KITH_TEST_CHILD_DEBUG") == NULL)
    f->envp = g_environ_unsetenv (f->envp, "G_MESSAGES_DEBUG");

  f->watcher = kith_fake_watcher_new (TRUE);
  f->notifications = kith_fake_notifications_new (f->watcher->connection);
  KITH_WAIT_FOR (f->notifications->service.owned);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->pid != 0 && !f->exited) {
    kill (f->pid, SIGTERM);
    KITH_WAIT_FOR (f->exited);
  }
  kith_fake_notifications_free (f->notifications);
  g_clear_pointer (&f->watcher, kith_fake_watcher_free);
  g_clear_pointer (&f->friend_socket, kithd_test_socket_free);
  g_clear_pointer (&f->user, kithd_test_user_free);
  g_clear_pointer (&f->friend, kithd_test_user_free);
  g_clear_pointer (&f->server, kithd_test_server_free);
  g_strfreev (f->envp);
  if (f->home != NULL) {
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->home);

    g_assert_cmpint (system (command), ==, 0);
  }
  g_free (f->home);
}

static const char *child_item (Fixture *f);

/* The friend hears that Ada is @presence (other updates may come first),
 * each within @timeout_ms. */
static void
assert_friend_sees (Fixture    *f,
                    const char *presence,
                    guint       timeout_ms)
{
  const char *status;

  do {
    status = kithd_test_socket_wait_presence (f->friend_socket, f->user->id, timeout_ms);
  } while (status != NULL && g_strcmp0 (status, presence) != 0);
  g_assert_cmpstr (status, ==, presence);
}

/* The kith child exits, with status 0. */
static void
assert_clean_exit (Fixture *f)
{
  KITH_WAIT_FOR (f->exited);
  g_assert_true (WIFEXITED (f->status));
  g_assert_cmpint (WEXITSTATUS (f->status), ==, 0);
}

static void
start_kith (Fixture *f)
{
  f->pid = spawn_kith (f, NULL);
  g_child_watch_add (f->pid, on_child_exit, f);

  /* The tray item registers, the window is up, and the stored session
   * signs in without asking: the friend sees Ada online. */
  KITH_WAIT_FOR (child_item (f) != NULL || f->exited);
  g_assert_false (f->exited);
  KITH_WAIT_FOR (find_viewable_window (f->pid) != None);
  assert_friend_sees (f, "online", 20000);
}

/* The item that the kith child registered (other Kith processes of the
 * test session may register theirs too). */
static const char *
child_item (Fixture *f)
{
  for (guint i = 0; i < f->watcher->items->len; i++) {
    const char *name = g_ptr_array_index (f->watcher->items, i);
    g_autoptr (GVariant) reply = NULL;
    guint32 pid = 0;

    reply = g_dbus_connection_call_sync (f->watcher->connection, "org.freedesktop.DBus",
                                         "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                         "GetConnectionUnixProcessID", g_variant_new ("(s)", name),
                                         G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                         NULL, NULL);
    if (reply != NULL)
      g_variant_get (reply, "(u)", &pid);
    if ((GPid) pid == f->pid)
      return name;
  }

  return NULL;
}

static GVariant *
call_item (Fixture    *f,
           const char *path,
           const char *iface,
           const char *method,
           GVariant   *parameters)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply;

  g_assert_nonnull (child_item (f));
  reply = g_dbus_connection_call_sync (f->watcher->connection, child_item (f),
                                       path, iface, method, parameters, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);

  return reply;
}

static int
find_menu_item (GVariant   *layout,
                const char *label)
{
  g_autoptr (GVariant) properties = NULL;
  g_autoptr (GVariant) children = NULL;
  const char *item_label = NULL;
  int id;

  g_variant_get (layout, "(i@a{sv}@av)", &id, &properties, &children);
  if (g_variant_lookup (properties, "label", "&s", &item_label) &&
      g_str_equal (item_label, label))
    return id;

  for (gsize i = 0; i < g_variant_n_children (children); i++) {
    g_autoptr (GVariant) boxed = g_variant_get_child_value (children, i);
    g_autoptr (GVariant) child = g_variant_get_variant (boxed);
    int found = find_menu_item (child, label);

    if (found >= 0)
      return found;
  }

  return -1;
}

static void
test_close_activate_second_launch (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr (GVariant) reply = NULL;
  Window window;

  start_kith (f);

  /* Closing the window while a tray shows Kith only hides it. */
  window = find_viewable_window (f->pid);
  send_delete_window (window);
  KITH_WAIT_FOR (find_viewable_window (f->pid) == None);
  g_assert_false (f->exited);
  /* …once saying so. */
  KITH_WAIT_FOR (kith_fake_notifications_find (f->notifications, "Kith is still running", TRUE) != NULL);
  /* Ada stays online for her contacts. */
  kithd_test_socket_sync (f->friend_socket);
  for (const char *status = kithd_test_socket_wait_presence (f->friend_socket, f->user->id, 200);
       status != NULL;
       status = kithd_test_socket_wait_presence (f->friend_socket, f->user->id, 200))
    g_assert_cmpstr (status, !=, "offline");

  /* A click on the tray icon brings it back. */
  reply = call_item (f, ITEM_PATH, ITEM_IFACE, "Activate", g_variant_new ("(ii)", 0, 0));
  KITH_WAIT_FOR (find_viewable_window (f->pid) != None);

  /* Hidden again, a second launch presents the first window and exits. */
  send_delete_window (find_viewable_window (f->pid));
  KITH_WAIT_FOR (find_viewable_window (f->pid) == None);
  g_assert_cmpuint (f->notifications->notes->len, ==, 1);
  g_assert_cmpint (run_kith (f, NULL), ==, 0);
  KITH_WAIT_FOR (find_viewable_window (f->pid) != None);
  g_assert_false (f->exited);
}

static void
test_tray_exit (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GVariant) root = NULL;
  g_autoptr (GVariant) reply = NULL;
  const char *no_properties[] = { NULL };
  guint revision;
  int exit_id;

  start_kith (f);

  layout = call_item (f, MENU_PATH, MENU_IFACE, "GetLayout",
                      g_variant_new ("(ii^as)", 0, -1, no_properties));
  g_variant_get (layout, "(u@(ia{sv}av))", &revision, &root);
  exit_id = find_menu_item (root, "Exit");
  g_assert_cmpint (exit_id, >, 0);

  /* Right-click on the icon, Exit: signed out and closed. */
  reply = call_item (f, MENU_PATH, MENU_IFACE, "Event",
                     g_variant_new ("(isvu)", exit_id, "clicked", g_variant_new_int32 (0), 0));
  assert_clean_exit (f);

  assert_friend_sees (f, "offline", 10000);
}

static void
test_command_line_exit (Fixture       *f,
                        gconstpointer  data)
{
  start_kith (f);

  /* The desktop file's Exit action: `kith --exit`. */
  g_assert_cmpint (run_kith (f, "--exit"), ==, 0);
  assert_clean_exit (f);
  assert_friend_sees (f, "offline", 10000);

  /* With nothing running, `kith --exit` does nothing and succeeds. */
  g_assert_cmpint (run_kith (f, "--exit"), ==, 0);
}

/* A message while the window is hidden: a notification with the sender's
 * name; clicking it shows the window with that chat open. */
static void
test_message_notification (Fixture       *f,
                           gconstpointer  data)
{
  KithFakeNote *note;

  start_kith (f);
  g_assert_true (window_title_is (f->pid, "Kith"));

  send_delete_window (find_viewable_window (f->pid));
  KITH_WAIT_FOR (find_viewable_window (f->pid) == None);

  kithd_test_socket_send_printf (f->friend_socket,
                                 "{\"type\": \"message.send\", \"id\": \"n1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"body\": \"Are you there?\"}", f->user->id);
  KITH_WAIT_FOR (kith_fake_notifications_find (f->notifications, "Charles Babbage", TRUE) != NULL);
  note = kith_fake_notifications_find (f->notifications, "Charles Babbage", TRUE);
  g_assert_false (f->exited);
  g_assert_true (find_viewable_window (f->pid) == None);

  /* The notification server says the user clicked it. */
  kith_fake_notifications_click (f->notifications, note, "default");
  KITH_WAIT_FOR (window_title_is (f->pid, "Charles Babbage – Kith"));
}

/* The window closed in the moment after start-up when the tray is still
 * asking whether a host shows it: Kith hides and waits for the answer
 * instead of taking "no answer yet" for "no tray" and quitting. */
static void
test_close_before_tray_answers (Fixture       *f,
                                gconstpointer  data)
{
  kith_fake_watcher_hold_host_answers (f->watcher, TRUE);
  start_kith (f);

  send_delete_window (find_viewable_window (f->pid));
  KITH_WAIT_FOR (find_viewable_window (f->pid) == None || f->exited);
  g_assert_false (f->exited);

  /* The tray answers: a host shows Kith, so it keeps running there. */
  kith_fake_watcher_hold_host_answers (f->watcher, FALSE);
  KITH_WAIT_FOR (kith_fake_notifications_find (f->notifications, "Kith is still running", TRUE) != NULL || f->exited);
  g_assert_false (f->exited);
  g_assert_true (find_viewable_window (f->pid) == None);
}

static gboolean
name_has_owner (GDBusConnection *connection,
                const char      *name)
{
  g_autoptr (GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* No tray on this desktop: closing the window cannot hide Kith anywhere, so
 * it signs out and quits, and contacts see it at once. */
static void
test_close_without_tray (Fixture       *f,
                         gconstpointer  data)
{
  kith_fake_watcher_release_name (f->watcher);
  KITH_WAIT_FOR (!name_has_owner (f->watcher->connection, WATCHER_NAME));

  f->pid = spawn_kith (f, NULL);
  g_child_watch_add (f->pid, on_child_exit, f);
  KITH_WAIT_FOR (find_viewable_window (f->pid) != None || f->exited);
  g_assert_false (f->exited);
  assert_friend_sees (f, "online", 20000);
  /* Other tests' apps may share the bus; this one found no tray to join. */
  g_assert_null (child_item (f));

  send_delete_window (find_viewable_window (f->pid));
  assert_clean_exit (f);

  assert_friend_sees (f, "offline", 10000);
}

/* `kith --hidden` (the autostart command) with a tray: signed in, the
 * icon there, no window until the icon is clicked. */
static void
test_hidden_with_tray (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr (GVariant) reply = NULL;
  f->pid = spawn_kith (f, "--hidden");
  g_child_watch_add (f->pid, on_child_exit, f);
  KITH_WAIT_FOR (child_item (f) != NULL || f->exited);
  g_assert_false (f->exited);
  assert_friend_sees (f, "online", 20000);

  /* The tray said a host shows Kith; a round trip on the same connection
   * after that answer, and the window has not come. */
  KITH_WAIT_FOR (f->watcher->host_queries > 0);
  reply = call_item (f, ITEM_PATH, "org.freedesktop.DBus.Properties", "Get",
                     g_variant_new ("(ss)", ITEM_IFACE, "Status"));
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_true (find_viewable_window (f->pid) == None);
  g_assert_false (f->exited);

  /* A click on the icon shows it. */
  reply = call_item (f, ITEM_PATH, ITEM_IFACE, "Activate", g_variant_new ("(ii)", 0, 0));
  KITH_WAIT_FOR (find_viewable_window (f->pid) != None);
}

/* `kith --hidden` without a tray: nothing would lead to a hidden window,
 * so it shows. */
static void
test_hidden_without_tray (Fixture       *f,
                          gconstpointer  data)
{
  kith_fake_watcher_release_name (f->watcher);
  KITH_WAIT_FOR (!name_has_owner (f->watcher->connection, WATCHER_NAME));

  f->pid = spawn_kith (f, "--hidden");
  g_child_watch_add (f->pid, on_child_exit, f);
  KITH_WAIT_FOR (find_viewable_window (f->pid) != None || f->exited);
  g_assert_false (f->exited);
  g_assert_null (child_item (f));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  display = XOpenDisplay (NULL);
  if (display == NULL) {
    g_test_skip ("No X server (run under xvfb-run, as build-aux/test does)");
    return 77;
  }
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL) {
    XCloseDisplay (display);
    return 77;
  }

  g_test_add ("/app-process/close-activate-second-launch", Fixture, NULL,
              fixture_setup, test_close_activate_second_launch, fixture_teardown);
  g_test_add ("/app-process/close-before-tray-answers", Fixture, NULL,
              fixture_setup, test_close_before_tray_answers, fixture_teardown);
  g_test_add ("/app-process/message-notification", Fixture, NULL,
              fixture_setup, test_message_notification, fixture_teardown);
  g_test_add ("/app-process/tray-exit", Fixture, NULL,
              fixture_setup, test_tray_exit, fixture_teardown);
  g_test_add ("/app-process/close-without-tray", Fixture, NULL,
              fixture_setup, test_close_without_tray, fixture_teardown);
  g_test_add ("/app-process/command-line-exit", Fixture, NULL,
              fixture_setup, test_command_line_exit, fixture_teardown);
  g_test_add ("/app-process/hidden-with-tray", Fixture, NULL,
              fixture_setup, test_hidden_with_tray, fixture_teardown);
  g_test_add ("/app-process/hidden-without-tray", Fixture, NULL,
              fixture_setup, test_hidden_without_tray, fixture_teardown);

  ret = g_test_run ();
  XCloseDisplay (display);

  return ret;
}
