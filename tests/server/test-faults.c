/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestFaults"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/*
 * Drills: kithd meets a fault of the machine it runs on, and the test
 * checks what its users would: nothing acknowledged is lost, it recovers
 * by itself, and what it could not do then it does later.
 */

#define PASSWORD "Secret#123"
#define WAIT 20000

typedef struct {
  KithdTestServer  *srv;
  const char      **needles;
} LogWait;

typedef struct {
  KithdTestServer *srv;
  const char      *needle;
} MailWait;

/* A mail in the outbox that holds @needle. */
static gboolean
outbox_has (gpointer data)
{
  MailWait *w = data;
  g_autoptr (GPtrArray) files = kithd_test_server_outbox_files (w->srv);

  for (guint i = 0; i < files->len; i++) {
    g_autofree char *contents = NULL;

    if (g_file_get_contents (g_ptr_array_index (files, i), &contents, NULL, NULL) &&
        strstr (contents, w->needle))
      return TRUE;
  }
  return FALSE;
}

static gboolean
log_has_any (gpointer data)
{
  LogWait *w = data;
  g_autofree char *log = kithd_test_server_get_log (w->srv);

  for (guint i = 0; w->needles[i]; i++) {
    if (strstr (log, w->needles[i]))
      return TRUE;
  }
  return FALSE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
run (const char *command)
{
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (command, NULL, NULL, &status, &error))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

/* Writes zeros into @path until the file system says it is full. */
static void
fill (const char *path)
{
  static const char block[64 * 1024];
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  gsize small = 4096;

  g_assert_cmpint (fd, >=, 0);
  while (write (fd, block, sizeof block) > 0)
    ;
  /* Then the last crumbs. */
  while (small > 0) {
    if (write (fd, block, small) <= 0)
      small /= 2;
  }
  g_assert_cmpint (errno, ==, ENOSPC);
  close (fd);
}

/* The database's disk fills up during a burst: nothing acknowledged is
 * lost, what was refused is said so (and can be sent again), kithd keeps
 * serving, and once there is room again it stores, and mails the reset
 * link it could not queue. */
static void
test_disk_full (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *mnt = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *filler = NULL;
  g_autofree char *mount = NULL;
  g_autofree char *umount = NULL;
  g_autoptr (GHashTable) acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *body = g_strnfill (2000, 'm');
  g_autofree char *reset = NULL;
  const char *args[3] = { "--config", NULL, NULL };
  KithdTestServer *srv;
  g_autoptr (KithdTestUser) ada = NULL;
  g_autoptr (KithdTestUser) bob = NULL;
  g_autoptr (KithdTestSocket) a = NULL;
  const guint n = 400;
  gint64 deadline;
  MailWait reset_mail = { NULL, "/account/password-reset?token=" };

  if (geteuid () != 0) {
    g_test_skip ("mounting a small tmpfs needs root");
    return;
  }

  mnt = g_dir_make_tmp ("kith-disk-XXXXXX", &error);
  g_assert_no_error (error);
  mount = g_strdup_printf ("mount -t tmpfs -o size=8m,mode=0700 kith-test %s", mnt);
  umount = g_strdup_printf ("umount %s", mnt);
  g_assert_true (run (mount));
  conf = g_build_filename (g_get_tmp_dir (), "kith-disk-full.conf", NULL);
  g_file_set_contents (conf, "[mail]\nretry-interval=1\n[limits]\nmessages-per-second=0\n", -1, &error);
  g_assert_no_error (error);
  args[1] = conf;

  srv = kithd_test_server_new_in (mnt, args);
  kithd_test_server_spawn (srv);
  reset_mail.srv = srv;
  ada = kithd_test_server_sign_up (srv, "ada@example.com", PASSWORD, "Ada", "L");
  bob = kithd_test_server_sign_up (srv, "bob@example.com", PASSWORD, "Bob", "M");
  kithd_test_server_make_contacts (srv, ada, bob);
  a = kithd_test_socket_connect (srv, ada->token, 0);

  filler = g_build_filename (mnt, "filler", NULL);
  fill (filler);

  /* The burst: every message gets an ack or an error naming it. */
  for (guint i = 0; i < n; i++)
    kithd_test_socket_send_printf (a, "{\"type\": \"message.send\", \"id\": \"d-%u\", \"to\": %" G_GINT64_FORMAT
                                   ", \"body\": \"%s\"}", i, bob->id, body);
  deadline = g_get_monotonic_time () + WAIT * 1000LL;
  while (g_hash_table_size (acked) + refused->len < n) {
    g_autoptr (JsonObject) ack = kithd_test_socket_wait_frame (a, "message.ack", NULL, 0, 0);
    g_autoptr (JsonObject) err = ack ? NULL : kithd_test_socket_wait_frame (a, "error", NULL, 0, 100);

    if (ack)
      g_hash_table_add (acked, g_strdup (json_object_get_string_member (ack, "id")));
    else if (err)
      g_ptr_array_add (refused, g_strdup (json_object_get_string_member (err, "ref")));
    else if (g_get_monotonic_time () > deadline)
      g_error ("%u answers of %u after %u ms", g_hash_table_size (acked) + refused->len, n, WAIT);
  }
  g_test_message ("disk full: %u acked, %u refused", g_hash_table_size (acked), refused->len);
  g_assert_cmpuint (refused->len, >, 0);   /* the disk really was full */

  /* A reset link asked for now cannot be stored, queued or written (which
   * of them depends on what the database still finds room for): 202 all
   * the same, and kithd says it will try again. */
  reset = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  g_assert_cmpuint (kithd_test_server_request (srv, "POST", "/api/v1/password-reset", NULL, reset, NULL, NULL),
                    ==, 202);
  {
    const char *needles[] = { "could not be stored, trying again", "Cannot queue a mail, trying again",
                              "Cannot deliver mail", NULL };
    LogWait w = { srv, needles };

    g_assert_true (kithd_test_wait_until (log_has_any, &w, WAIT));
  }
  g_assert_false (outbox_has (&reset_mail));
  /* Still serving. */
  g_assert_cmpuint (kithd_test_server_request (srv, "GET", "/api/v1/server", NULL, NULL, NULL, NULL), ==, 200);

  /* Room again: what was refused goes through when sent again, same ids. */
  g_assert_cmpint (g_unlink (filler), ==, 0);
  for (guint i = 0; i < refused->len; i++)
    kithd_test_socket_send_printf (a, "{\"type\": \"message.send\", \"id\": \"%s\", \"to\": %" G_GINT64_FORMAT
                                   ", \"body\": \"%s\"}", (char *) g_ptr_array_index (refused, i), bob->id, body);
  for (guint i = 0; i < refused->len; i++) {
    g_autoptr (JsonObject) ack = kithd_test_socket_wait_frame (a, "message.ack", NULL, 0, WAIT);

    g_assert_nonnull (ack);
  }
  g_assert_cmpuint (kithd_test_socket_count (a, "error"), ==, 0);

  /* The reset mail was not lost. */
  g_assert_true (kithd_test_wait_until (outbox_has, &reset_mail, WAIT));

  /* Killed and started again: every message is there, once. */
  g_clear_pointer (&a, kithd_test_socket_free);
  kithd_test_server_kill9 (srv);
  kithd_test_server_spawn (srv);
  g_assert_cmpint (kithd_test_server_db_count (srv, "messages", NULL), ==, n);

  kithd_test_server_free (srv);
  g_unlink (conf);
  g_assert_true (run (umount));
  g_rmdir (mnt);
}

/* Slow readers: sockets that never read while their contact floods them.
 * Each is closed (1008) with its queue bounded, kithd's memory stays
 * within those bounds, and two others chat, undelayed, meanwhile. */
static void
test_slow_readers (void)
{
  KithdTestServer *srv = kithd_test_server_startv (NULL);
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (srv, "ada@example.com", PASSWORD, "Ada", "L");
  g_autoptr (KithdTestUser) bob = kithd_test_server_sign_up (srv, "bob@example.com", PASSWORD, "Bob", "M");
  g_autoptr (KithdTestUser) cyd = kithd_test_server_sign_up (srv, "cyd@example.com", PASSWORD, "Cyd", "N");
  g_autoptr (GPtrArray) slow = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_test_user_free);
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GArray) rtts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (KithdTestSocket) a = NULL;
  g_autoptr (KithdTestSocket) b = NULL;
  g_autoptr (KithdTestSocket) c = NULL;
  g_autofree char *body = g_strnfill (15000, 'z');
  const guint n_slow = 6, per_slow = 400;
  gsize rss_before, rss_max = 0;

  kithd_test_server_make_contacts (srv, bob, cyd);
  for (guint i = 0; i < n_slow; i++) {
    g_autofree char *email = g_strdup_printf ("slow%u@example.com", i);
    KithdTestUser *user = kithd_test_server_sign_up (srv, email, PASSWORD, "Slow", "S");

    kithd_test_server_make_contacts (srv, ada, user);
    g_ptr_array_add (slow, user);
  }
  a = kithd_test_socket_connect (srv, ada->token, 0);
  b = kithd_test_socket_connect (srv, bob->token, 0);
  c = kithd_test_socket_connect (srv, cyd->token, 0);
  for (guint i = 0; i < n_slow; i++) {
    KithdTestUser *user = g_ptr_array_index (slow, i);
    int fd = kithd_test_raw_ws_open (srv, user->token, 4096);

    g_array_append_val (fds, fd);
    g_assert_cmpstr (kithd_test_socket_wait_presence (a, user->id, WAIT), ==, "online");
  }
  rss_before = kithd_test_server_rss_kib (srv);

  /* Ada floods them (36 MB in all, past the kernel's buffers too), while Bob
   * and Cyd talk. */
  for (guint round = 0; round < per_slow; round++) {
    for (guint i = 0; i < n_slow; i++) {
      KithdTestUser *user = g_ptr_array_index (slow, i);

      kithd_test_socket_send_printf (a, "{\"type\": \"message.send\", \"id\": \"f-%u-%u\", \"to\": %"
                                     G_GINT64_FORMAT ", \"body\": \"%s\"}", round, i, user->id, body);
    }
    if (round % 10 == 0) {
      gint64 start = g_get_monotonic_time ();
      g_autoptr (JsonObject) got = NULL;
      gint64 rtt;

      kithd_test_socket_send_printf (b, "{\"type\": \"message.send\", \"id\": \"talk-%u\", \"to\": %"
                                     G_GINT64_FORMAT ", \"body\": \"hi\"}", round, cyd->id);
      got = kithd_test_socket_wait_frame (c, "message", NULL, 0, WAIT);
      g_assert_nonnull (got);
      rtt = g_get_monotonic_time () - start;
      g_array_append_val (rtts, rtt);
      rss_max = MAX (rss_max, kithd_test_server_rss_kib (srv));
    }
  }
  for (guint i = 0; i < n_slow * per_slow; i++) {
    g_autoptr (JsonObject) ack = kithd_test_socket_wait_frame (a, "message.ack", NULL, 0, WAIT);

    g_assert_nonnull (ack);
  }
  rss_max = MAX (rss_max, kithd_test_server_rss_kib (srv));

  /* Every slow reader was dropped. */
  for (guint i = 0; i < n_slow; i++) {
    KithdTestUser *user = g_ptr_array_index (slow, i);

    g_assert_cmpstr (kithd_test_socket_wait_presence (a, user->id, WAIT), ==, "offline");
  }

  g_array_sort (rtts, compare_gint64);
  g_test_message ("slow readers: kithd RSS %zu kB before, %zu kB at most (+%zu kB); "
                  "Bob to Cyd meanwhile: median %.1f ms, max %.1f ms",
                  rss_before, rss_max, rss_max - rss_before,
                  g_array_index (rtts, gint64, rtts->len / 2) / 1000.0,
                  g_array_index (rtts, gint64, rtts->len - 1) / 1000.0);
  /* Ten queues of at most 1 MiB, and room for the rest (a sanitizer build
   * included); unbounded, the 36 MB would be held. */
  if (kithd_test_rss_is_meaningful ())
    g_assert_cmpuint (rss_max - rss_before, <, n_slow * 1024 + 8 * 1024);
  /* Generous (a busy 2-core machine): a kithd stalled by the flood would
   * show seconds. */
  g_assert_cmpint (g_array_index (rtts, gint64, rtts->len / 2), <, 500 * 1000);

  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_clear_pointer (&a, kithd_test_socket_free);
  g_clear_pointer (&b, kithd_test_socket_free);
  g_clear_pointer (&c, kithd_test_socket_free);
  kithd_test_server_free (srv);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/faults/disk-full", test_disk_full);
  g_test_add_func ("/faults/slow-readers", test_slow_readers);

  return g_test_run ();
}
