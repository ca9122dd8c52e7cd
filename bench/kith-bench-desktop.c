/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithBenchDesktop"

/*
 * The headless desktop and the signed-in user's files that the benchmarks
 * running the real `kith` share (kith-bench-desktop.h).
 */

#include "config.h"

#include <errno.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#include "kith-credentials.h"
#include "kith-message-store.h"
#include "kith-bench-desktop.h"

static GPid xvfb_pid, bus_pid;
static char *keyring_dir;

void
kith_bench_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static char *
read_line_from_fd (int fd)
{
  GString *line = g_string_new (NULL);
  char c;
  ssize_t n;

  /* A signal (an Xvfb tried before and gone) may interrupt the read. */
  while ((n = read (fd, &c, 1)) == 1 || (n < 0 && errno == EINTR)) {
    if (n < 0)
      continue;
    if (c == '\n')
      break;
    g_string_append_c (line, c);
  }
  close (fd);

  return g_string_free (line, FALSE);
}

/* Starts @argv as our own child (G_SPAWN_DO_NOT_REAP_CHILD: without it
 * GLib forks it from a child that exits at once, and its PR_SET_PDEATHSIG
 * fired when that one went, before it printed: the bench aborted with an
 * empty bus address or no display now and then, and left Xvfbs behind);
 * returns the first line it prints on its stdout ("" if none). */
static char *
spawn_reading_line (const char *const *argv,
                    GPid              *pid)
{
  g_autoptr (GError) error = NULL;
  int out_fd;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                 kith_bench_child_setup, NULL, pid, NULL, &out_fd, NULL, &error))
    g_error ("Cannot start %s: %s", argv[0], error->message);
  return read_line_from_fd (out_fd);
}

void
kith_bench_desktop_start (void)
{
  g_autoptr (GError) error = NULL;

  /* Xvfb sometimes exits at once without a display (seen right after an
   * earlier run's Xvfb ended): try again a few times. */
  for (int attempt = 0; attempt < 5 && g_getenv ("DISPLAY") == NULL; attempt++) {
    const char *argv[] = { "Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24",
                           "-nolisten", "tcp", NULL };
    g_autofree char *number = NULL;
    g_autofree char *display = NULL;

    if (attempt > 0)
      g_usleep (200000);
    number = spawn_reading_line (argv, &xvfb_pid);
    if (*number == '\0') {
      waitpid (xvfb_pid, NULL, 0);
      xvfb_pid = 0;
      continue;
    }
    display = g_strdup_printf (":%s", number);
    g_setenv ("DISPLAY", display, TRUE);
  }
  if (g_getenv ("DISPLAY") == NULL)
    g_error ("Xvfb did not start: no display in 5 attempts");

  {
    const char *argv[] = { "dbus-daemon", "--session", "--nofork", "--print-address", NULL };
    g_autofree char *address = spawn_reading_line (argv, &bus_pid);

    if (*address == '\0')
      g_error ("dbus-daemon did not start: it gave no address");
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

gboolean
kith_bench_desktop_xvfb_running (void)
{
  return xvfb_pid != 0 && kill (xvfb_pid, 0) == 0;
}

void
kith_bench_desktop_stop (void)
{
  if (bus_pid != 0) {
    kill (bus_pid, SIGTERM);
    waitpid (bus_pid, NULL, 0);
    bus_pid = 0;
  }
  if (keyring_dir != NULL) {
    kithd_test_remove_tree (keyring_dir);
    g_clear_pointer (&keyring_dir, g_free);
  }
  if (xvfb_pid != 0) {
    kill (xvfb_pid, SIGTERM);
    waitpid (xvfb_pid, NULL, 0);
    xvfb_pid = 0;
  }
}

double
kith_bench_read_rollup_mb (GPid        pid,
                           const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps_rollup", (int) pid);
  g_autofree char *key = g_strdup_printf ("\n%s:", field);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  line = strstr (contents, key);
  if (line == NULL)
    return -1;

  return g_ascii_strtod (line + strlen (key), NULL) / 1024.0;
}

double
kith_bench_read_pss_mb (GPid pid)
{
  return kith_bench_read_rollup_mb (pid, "Pss");
}

gint64
kith_bench_read_cpu_us (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  unsigned long long utime, stime;
  const char *p;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  /* After "(comm)", which may hold spaces: fields 3… ; utime and stime
   * are the 14th and 15th. */
  p = strrchr (contents, ')');
  if (p == NULL ||
      sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;

  return (gint64) ((utime + stime) * G_USEC_PER_SEC / sysconf (_SC_CLK_TCK));
}

GPid
kith_bench_find_child (GPid        parent,
                       const char *comm)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autofree char *wanted = g_strdup_printf ("(%s)", comm);
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL) {
    g_autofree char *path = NULL;
    g_autofree char *contents = NULL;
    const char *p;
    int ppid;

    if (!g_ascii_isdigit (*name))
      continue;
    path = g_strdup_printf ("/proc/%s/stat", name);
    if (!g_file_get_contents (path, &contents, NULL, NULL))
      continue;
    /* "pid (comm) state ppid …" */
    p = strrchr (contents, ')');
    if (p == NULL || sscanf (p + 2, "%*c %d", &ppid) != 1 || ppid != parent)
      continue;
    if (strstr (contents, wanted) != NULL)
      return (GPid) g_ascii_strtoll (name, NULL, 10);
  }
  return 0;
}

void
kith_bench_write_file (const char *path,
                       const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

KithContactInfo *
kith_bench_contact_info (const KithdTestUser *peer,
                         const char          *first_name,
                         const char          *last_name)
{
  KithContactInfo *info = kith_contact_info_new ();

  info->user = kith_user_info_new ();
  info->user->id = peer->id;
  info->user->email = g_strdup (peer->email);
  info->user->first_name = g_strdup (first_name);
  info->user->last_name = g_strdup (last_name);
  info->state = KITH_CONTACT_ACCEPTED;
  info->presence = KITH_PRESENCE_OFFLINE;

  return info;
}

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

/* Where KithSession keeps the cache under a data dir: kith/HOST_PORT */
static char *
cache_folder (const char      *data_dir,
              KithdTestServer *server)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GUri) uri = g_uri_parse (kithd_test_server_get_url (server), G_URI_FLAGS_NONE, &error);
  g_autofree char *host = NULL;

  g_assert_no_error (error);
  host = g_strdup_printf ("%s_%d", g_uri_get_host (uri), g_uri_get_port (uri));

  return g_build_filename (data_dir, "kith", host, NULL);
}

static KithMessageStore *
open_store (const char      *data_dir,
            KithdTestServer *server,
            KithdTestUser   *user)
{
  g_autofree char *folder = cache_folder (data_dir, server);
  g_autofree char *file = g_strdup_printf ("%" G_GINT64_FORMAT ".db", user->id);
  g_autofree char *db = g_build_filename (folder, file, NULL);
  KithMessageStore *store = kith_message_store_new (db);
  gboolean done = FALSE;

  kith_message_store_open_async (store, NULL, on_done, &done);
  wait_done (&done);

  return store;
}

static void
close_store (KithMessageStore *store)
{
  gboolean done = FALSE;

  kith_message_store_close_async (store, NULL, on_done, &done);
  wait_done (&done);
  g_object_unref (store);
}

char *
kith_bench_write_cache (KithdTestServer *server,
                        KithdTestUser   *user,
                        GPtrArray       *contacts,
                        GPtrArray       *messages,
                        gint64           last_seq)
{
  g_autoptr (GError) error = NULL;
  char *cache_dir = g_dir_make_tmp ("kith-bench-cache-XXXXXX", &error);
  KithMessageStore *store;
  gboolean done = FALSE;

  g_assert_no_error (error);
  store = open_store (cache_dir, server, user);
  kith_message_store_save_contacts_async (store, contacts, NULL, on_done, &done);
  wait_done (&done);
  kith_message_store_save_messages_async (store, messages, last_seq, NULL, on_done, &done);
  wait_done (&done);
  close_store (store);

  /* The record a stay-signed-in session writes when it first comes online:
   * with it, the next start shows this account's cached contacts at once. */
  {
    g_autofree char *folder = cache_folder (cache_dir, server);
    g_autofree char *record = g_build_filename (folder, "last-account", NULL);
    g_autofree char *contents = g_strdup_printf ("[account]\nid=%" G_GINT64_FORMAT "\nemail=%s\n",
                                                 user->id, user->email);

    kith_bench_write_file (record, contents);
  }

  return cache_dir;
}

void
kith_bench_set_last_seq (const char      *data_dir,
                         KithdTestServer *server,
                         KithdTestUser   *user,
                         gint64           last_seq)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  KithMessageStore *store = open_store (data_dir, server, user);
  gboolean done = FALSE;

  kith_message_store_save_messages_async (store, none, last_seq, NULL, on_done, &done);
  wait_done (&done);
  close_store (store);
}

void
kith_bench_store_token (KithdTestServer *server,
                        KithdTestUser   *user,
                        const char      *password)
{
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autofree char *token = kithd_test_server_log_in (server, user->email, password, "desktop");
  gboolean done = FALSE;

  kith_credentials_store_async (credentials, kithd_test_server_get_url (server),
                                user->email, token, NULL, on_done, &done);
  wait_done (&done);
}

char *
kith_bench_make_home (KithdTestServer *server,
                      KithdTestUser   *signed_in_user,
                      const char      *cache_dir,
                      const char      *schema_dir,
                      char          ***envp)
{
  g_autoptr (GError) error = NULL;
  char *home = g_dir_make_tmp ("kith-bench-home-XXXXXX", &error);
  g_autofree char *config = g_build_filename (home, ".config", NULL);
  g_autofree char *data = g_build_filename (home, ".local", "share", NULL);
  g_autofree char *cache = g_build_filename (home, ".cache", NULL);
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  path = g_build_filename (config, "gtk-4.0", "settings.ini", NULL);
  kith_bench_write_file (path, "[Settings]\ngtk-cursor-blink=false\n");
  g_clear_pointer (&path, g_free);
  g_mkdir_with_parents (data, 0700);

  if (signed_in_user != NULL) {
    g_autofree char *contents = g_strdup_printf ("[im/kith/Kith]\nstay-signed-in=true\nlast-email='%s'\n",
                                                 signed_in_user->email);
    g_autofree char *from = g_build_filename (cache_dir, "kith", NULL);
    const char *cp[] = { "cp", "-a", from, data, NULL };

    path = g_build_filename (config, "glib-2.0", "settings", "keyfile", NULL);
    kith_bench_write_file (path, contents);
    g_spawn_sync (NULL, (char **) cp, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
  }

  *envp = g_environ_setenv (*envp, "HOME", home, TRUE);
  *envp = g_environ_setenv (*envp, "XDG_CONFIG_HOME", config, TRUE);
  *envp = g_environ_setenv (*envp, "XDG_DATA_HOME", data, TRUE);
  *envp = g_environ_setenv (*envp, "XDG_CACHE_HOME", cache, TRUE);
  *envp = g_environ_setenv (*envp, "KITH_SERVER_URL", kithd_test_server_get_url (server), TRUE);
  /* This build's schema, not one that an earlier install left in
   * XDG_DATA_DIRS (an older one aborts Kith at its first new key). */
  *envp = g_environ_setenv (*envp, "GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);

  return home;
}
