/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCallMemory"

#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/gst.h>

#include "kith-call-manager.h"
#include "kith-call-media-private.h"
#include "kith-call-private.h"
#include "service-test-calls.h"

/*
 * What the process keeps after a call: a call's media runs in a process
 * of its own (kith-call-media), which exits with the call; here the call
 * leaves its event in the conversation and the ring-back tone's
 * GStreamer, whose libraries' pages go a while after it
 * (kith-call-memory.c). Within 10 MB of what it was before its first
 * call, and ten calls after it leave it where one did. GLib's slices
 * are taken from malloc (kith-slice-preinit.c).
 * Plain builds only: under AddressSanitizer glibc's malloc is not the one
 * in use (and ASan's shadow memory would be counted).
 */

/* A field of /proc/self/smaps_rollup, in kB. */
static guint64
rollup_kb (const char *field)
{
  g_autofree char *text = NULL;
  g_autofree char *key = g_strdup_printf ("\n%s:", field);
  const char *at;

  g_assert_true (g_file_get_contents ("/proc/self/smaps_rollup", &text, NULL, NULL));
  at = strstr (text, key);
  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (key), NULL, 10);
}

/* What malloc has handed out and not had back, in kB. */
static guint64
in_use_kb (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return (info.uordblks + info.hblkhd) / 1024;
}

static gboolean
process_gone (gpointer data)
{
  return kill (GPOINTER_TO_INT (data), 0) != 0 && errno == ESRCH;
}

/* A video call from this process (a user's session, as the app's) to
 * kith-cli bot, held until media flowed both ways, hung up; the bot then
 * quits. */
static void
call_bot (KithSession   *session,
          KithdTestUser *bot)
{
  g_autoptr (SvcCli) bot_cli = svc_cli_spawn_as (server, bot, "bot", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KithCall) call = NULL;
  KithContact *contact = svc_test_wait_contact (session, bot->email);
  GPid helper, spare = kith_call_media_get_spare_pid ();

  g_assert_true (svc_cli_wait_line (bot_cli, "ready", WAIT_MS));
  g_assert_true (svc_test_wait_presence (contact, KITH_PRESENCE_ONLINE, WAIT_MS));
  call = kith_call_manager_place (kith_session_get_calls (session), contact, TRUE, &error);
  g_assert_no_error (error);
  wait_received (call, 1, 1);
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_ACTIVE);
  helper = kith_call_media_get_helper_pid (kith_call_get_media (call));
  g_assert_cmpint (helper, >, 0);
  /* A call after the first takes the spare started after the one before. */
  if (spare > 0)
    g_assert_cmpint (helper, ==, spare);
  kith_call_hang_up (call);
  wait_state (call, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_HUNG_UP);
  /* The media's process is gone with the call (and reaped). */
  g_assert_true (kithd_test_wait_until (process_gone, GINT_TO_POINTER (helper), WAIT_MS));
  g_assert_true (svc_cli_wait_line (bot_cli, "call ended", WAIT_MS));
  svc_cli_terminate (bot_cli);
  g_assert_cmpint (svc_cli_wait_exit (bot_cli, WAIT_MS), ==, 0);
}

/* GLib 2.74's slices as malloc's blocks (kith-slice-preinit.c, linked
 * into this test as into kith and kith-cli): each a block of its own,
 * as big as asked, not a piece of a slab (whose size malloc does not
 * know). */
static void
test_slices_from_malloc (void)
{
#if GLIB_CHECK_VERSION (2, 76, 0)
  g_test_skip ("GLib 2.76 and later: slices are malloc's blocks, nothing set");
#else
  gpointer slices[16];

  for (guint i = 0; i < G_N_ELEMENTS (slices); i++) {
    slices[i] = g_slice_alloc (40);
    g_assert_cmpuint (malloc_usable_size (slices[i]), >=, 40);
    g_assert_cmpuint (malloc_usable_size (slices[i]), <=, 64);
  }
  for (guint i = 0; i < G_N_ELEMENTS (slices); i++)
    g_slice_free1 (40, slices[i]);
#endif
}

static void
test_memory_after_calls (void)
{
  g_autoptr (KithdTestUser) ada = svc_test_sign_up (server, "ada");
  g_autoptr (KithdTestUser) bot = svc_test_sign_up (server, "bot");
  g_autofree char *dir = svc_test_make_dir ("ada");
  g_autoptr (KithSession) session = NULL;
  guint64 before, after_one, in_use_one, in_use_n = 0, files_before;
  guint64 own_one, own_n = 0, files_one, files_n = 0;
  GPid spare;

  kithd_test_server_make_contacts (server, ada, bot);
  session = svc_test_session_signed_in (server, ada, dir);
  before = rollup_kb ("Pss");
  files_before = rollup_kb ("Rss") - rollup_kb ("Anonymous");

  call_bot (session, bot);
  svc_test_run_for (1000);
  after_one = rollup_kb ("Pss");
  g_test_message ("Pss %" G_GUINT64_FORMAT " kB before the first call, %+" G_GINT64_FORMAT
                  " kB after it (libraries' pages %+" G_GINT64_FORMAT " kB)",
                  before, (gint64) (after_one - before),
                  (gint64) (rollup_kb ("Rss") - rollup_kb ("Anonymous")) - (gint64) files_before);
  g_assert_cmpuint (after_one, <=, before + 10 * 1024);
  /* The call's libraries (libnice, libvpx, the plugins: ~16 MB) were its
   * media process's, not this one's. */
  g_assert_cmpuint (rollup_kb ("Rss") - rollup_kb ("Anonymous"), <=, files_before + 2 * 1024);

  /* Ten more calls leave the process where the first did: what a call
   * allocated is its media process's, gone with it. Measured apart: the
   * process's own memory (its anonymous pages: the heap and stacks) and
   * its libraries' pages (Rss of mapped files; not Pss, which splits each
   * page with every process that maps it, and so moves by ±1 MB as other
   * tests using GStreamer start and end beside this one). What stays of
   * a call in use is its event in the conversation (~2 kB; a conversation
   * nobody shows keeps its newest 50), the bound's room here: with the
   * media in this process, the heap's pages ended +0.0 to +0.7 MB over
   * one after ten (docs/performance-calls.md); +0 kB now. */
  own_one = rollup_kb ("Anonymous");
  files_one = rollup_kb ("Rss") - own_one;
  in_use_one = in_use_kb ();
  for (int i = 0; i < 10; i++) {
    call_bot (session, bot);
    svc_test_run_for (1000);
    own_n = rollup_kb ("Anonymous");
    files_n = rollup_kb ("Rss") - own_n;
    in_use_n = in_use_kb ();
    g_test_message ("after %d calls since the first, against one: own memory %+" G_GINT64_FORMAT
                    " kB, libraries' pages %+" G_GINT64_FORMAT " kB, malloc's blocks in use %+"
                    G_GINT64_FORMAT " kB (Pss %" G_GUINT64_FORMAT " kB)", i + 1,
                    (gint64) own_n - (gint64) own_one, (gint64) files_n - (gint64) files_one,
                    (gint64) in_use_n - (gint64) in_use_one, rollup_kb ("Pss"));
    g_assert_cmpuint (rollup_kb ("Pss"), <=, before + 10 * 1024);
  }
  g_assert_cmpuint (in_use_n, <=, in_use_one + 128);
  g_assert_cmpuint (own_n, <=, own_one + 128);
  g_assert_cmpuint (files_n, <=, files_one + 128);

  /* A spare helper is ready for the next call; signing out lets it go. */
  spare = kith_call_media_get_spare_pid ();
  g_assert_cmpint (spare, >, 0);

  svc_test_exit (session);
  g_assert_true (kithd_test_wait_until (process_gone, GINT_TO_POINTER (spare), WAIT_MS));
}

/* Rss of the read-only mappings of @path in this process, in kB (as
 * /proc said before @touch read each of their pages). */
static guint64
read_only_rss_kb (const char *path,
                  gboolean    touch)
{
  g_autofree char *smaps = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean in_file = FALSE;
  guint64 rss = 0;

  g_assert_true (g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL));
  lines = g_strsplit (smaps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    guint64 start, end;
    char perms[5];

    if (sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %4s", &start, &end, perms) == 3 &&
        strchr (lines[i], ' ') != NULL) {
      in_file = g_str_has_suffix (lines[i], path) && perms[1] != 'w';
      for (guint64 at = start; in_file && touch && at < end; at += 4096)
        (void) *(volatile const char *) GSIZE_TO_POINTER (at);
    } else if (in_file && g_str_has_prefix (lines[i], "Rss:")) {
      rss += g_ascii_strtoull (lines[i] + strlen ("Rss:"), NULL, 10);
    }
  }
  return rss;
}

/* The release for a user: one who may not write the libraries (root may;
 * and the kernel's MADV_PAGEOUT pages a file's pages out only for such
 * a process: a release built on it did nothing but in the tests). A
 * plugin loaded as a call loads it, then a child of this test as user
 * nobody reads its pages and releases them. */
static void
test_release_as_user (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPlugin) plugin = NULL;
  const char *path;
  int status = 0;
  pid_t pid;

  if (getuid () != 0) {
    g_test_skip ("becoming another user needs root");
    return;
  }
  kith_call_set_gstreamer_busy (TRUE);
  g_assert_true (gst_init_check (NULL, NULL, &error));
  plugin = gst_plugin_load_by_name ("coreelements");
  g_assert_nonnull (plugin);
  kith_call_set_gstreamer_busy (FALSE);
  path = gst_plugin_get_filename (plugin);
  /* This process's own pages of it go first: the child's are its own
   * reading. */
  g_assert_cmpuint (kith_call_release_pages (), >, 0);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0) {
    guint64 before, after;

    if (setgid (65534) != 0 || setuid (65534) != 0 || prctl (PR_SET_DUMPABLE, 1) != 0)
      _exit (3);
    read_only_rss_kb (path, TRUE);
    before = read_only_rss_kb (path, FALSE);
    kith_call_release_pages ();
    after = read_only_rss_kb (path, FALSE);
    g_printerr ("as nobody: %" G_GUINT64_FORMAT " kB of %s, %" G_GUINT64_FORMAT " kB after the release\n",
                before, path, after);
    _exit (before >= 16 && after <= before / 10 ? 0 : 1);
  }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  kith_call_prepare_process ();
  svc_test_init (&argc, &argv);
  svc_test_init_call_env ();

  g_test_add_func ("/call-memory/slices-from-malloc", test_slices_from_malloc);
  g_test_add_func ("/call-memory/after-calls", test_memory_after_calls);
  g_test_add_func ("/call-memory/release-as-user", test_release_as_user);

  /* The kithd of service-test-calls.c's helpers; GStreamer is not started
   * here (calls_test_init () would): the first call is to start it. */
  server = svc_test_server_start ();
  return svc_test_run (server);
}
