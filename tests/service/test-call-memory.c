/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCallMemory"

#include "config.h"

#include <malloc.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/gst.h>

#include "kith-call-manager.h"
#include "service-test-calls.h"

/*
 * What Kith asks of glibc's allocator (kith_call_prepare_process (),
 * kith_call_set_media_running ()): outside calls, before the first and
 * after, a big block (the window's cairo frame, made and freed every
 * frame) comes from the heap and its pages stay for the next one; while a
 * call's media runs, such blocks are mmap'd and given back when freed
 * (docs/performance-calls.md, "The window's frames and the allocator").
 * And what the process keeps after a call: within 10 MB of what it was
 * before its first, GStreamer's libraries' pages given back a while after
 * it (kith-call-memory.c), and ten calls after it leave it where one did,
 * GLib's slices taken from malloc (kith-slice-preinit.c).
 * Plain builds only: under AddressSanitizer glibc's malloc is not the one
 * in use (and ASan's shadow memory would be counted).
 */

/* A frame of a 1,000 × 700 window, as cairo makes it. */
#define FRAME_BYTES (1000 * 700 * 4)
/* A VP8 frame at 640 × 480, RGBA. */
#define VIDEO_BYTES (640 * 480 * 4)

static void *
touched_block (size_t size)
{
  void *block = malloc (size);

  g_assert_nonnull (block);
  memset (block, 1, size);
  return block;
}

static long
page_faults (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return usage.ru_minflt;
}

static void
test_frames_reuse_the_heap (void)
{
  struct mallinfo2 before, held, freed;
  void *frame;

  /* Before any call glibc adjusts itself to the blocks freed: the first
   * frames of a window may be mmap'd. */
  for (int i = 0; i < 2; i++)
    free (touched_block (FRAME_BYTES));
  before = mallinfo2 ();
  frame = touched_block (FRAME_BYTES);

  held = mallinfo2 ();
  /* Not mmap'd: its pages were the heap's… */
  g_assert_cmpuint (held.hblks, ==, before.hblks);
  free (frame);
  freed = mallinfo2 ();
  /* …and stay there for the next frame. */
  g_assert_cmpuint (freed.arena, ==, held.arena);
  g_assert_cmpuint (freed.hblks, ==, before.hblks);

  /* The next frame: no page to fault in again (684 of them, mmap'd). */
  for (int i = 0; i < 3; i++) {
    long faults = page_faults ();

    frame = touched_block (FRAME_BYTES);
    free (frame);
    g_assert_cmpint (page_faults () - faults, <, 10);
  }
}

static void
test_call_blocks_mmapped (void)
{
  struct mallinfo2 before, held, after;
  void *video, *frame;

  /* The heap with no room left at its top (the previous test's frame
   * is free there): a call's blocks that fit in the heap come from it. */
  malloc_trim (0);
  kith_call_set_media_running (TRUE);
  before = mallinfo2 ();
  video = touched_block (VIDEO_BYTES);
  held = mallinfo2 ();
  g_assert_cmpuint (held.hblks, ==, before.hblks + 1);
  g_assert_cmpuint (held.hblkhd, >=, before.hblkhd + VIDEO_BYTES);
  free (video);
  g_assert_cmpuint (mallinfo2 ().hblks, ==, before.hblks);

  /* A second media (the benchmark's floor runs two in one process): the
   * first one going leaves the blocks mmap'd. */
  kith_call_set_media_running (TRUE);
  kith_call_set_media_running (FALSE);
  video = touched_block (VIDEO_BYTES);
  g_assert_cmpuint (mallinfo2 ().hblks, ==, before.hblks + 1);
  free (video);

  /* The last one gone: from the heap again, its pages kept. */
  kith_call_set_media_running (FALSE);
  frame = touched_block (FRAME_BYTES);
  after = mallinfo2 ();
  g_assert_cmpuint (after.hblks, ==, before.hblks);
  free (frame);
  g_assert_cmpuint (mallinfo2 ().arena, ==, after.arena);
  for (int i = 0; i < 3; i++) {
    long faults = page_faults ();

    free (touched_block (FRAME_BYTES));
    g_assert_cmpint (page_faults () - faults, <, 10);
  }
}

/* A streaming thread's churn: blocks below the call's mmap threshold,
 * touched, freed in the reverse order (each joins the arena's top). */
#define CHURN_BLOCKS 64
#define CHURN_BYTES (96 * 1024)

static gpointer
churn (gpointer data)
{
  void *blocks[CHURN_BLOCKS];

  for (int i = 0; i < CHURN_BLOCKS; i++)
    blocks[i] = touched_block (CHURN_BYTES);
  for (int i = CHURN_BLOCKS - 1; i >= 0; i--)
    free (blocks[i]);
  return NULL;
}

/* What a call's threads free at the top of their arena goes back as they
 * free it, in every call, not only the first: malloc_trim () gives back
 * the main arena's top, but only the free pages inside the others. */
static void
test_call_arena_top_given_back (void)
{
  size_t before, after;

  /* A call has been: the thresholds are the window's (16 MB of top kept). */
  kith_call_set_media_running (TRUE);
  kith_call_set_media_running (FALSE);

  kith_call_set_media_running (TRUE);
  before = mallinfo2 ().arena;
  g_thread_join (g_thread_new ("streaming", churn, NULL));
  after = mallinfo2 ().arena;
  kith_call_set_media_running (FALSE);
  g_test_message ("the arenas %+" G_GINT64_FORMAT " kB after a thread's %d kB came and went",
                  ((gint64) after - (gint64) before) / 1024, CHURN_BLOCKS * CHURN_BYTES / 1024);
  g_assert_cmpuint (after, <=, before + 512 * 1024);
}

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

  g_assert_true (svc_cli_wait_line (bot_cli, "ready", WAIT_MS));
  g_assert_true (svc_test_wait_presence (contact, KITH_PRESENCE_ONLINE, WAIT_MS));
  call = kith_call_manager_place (kith_session_get_calls (session), contact, TRUE, &error);
  g_assert_no_error (error);
  wait_received (call, 1, 1);
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_ACTIVE);
  kith_call_hang_up (call);
  wait_state (call, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_HUNG_UP);
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
  guint64 before, after_one, in_use_one, in_use_n = 0, files_at_end, files_released;
  guint64 own_one, own_n = 0, files_one, files_n = 0;

  kithd_test_server_make_contacts (server, ada, bot);
  session = svc_test_session_signed_in (server, ada, dir);
  /* The release held back until the files' pages at the call's end are
   * read. */
  kith_call_set_release_delay (G_MAXUINT);
  before = rollup_kb ("Pss");

  call_bot (session, bot);
  files_at_end = rollup_kb ("Rss") - rollup_kb ("Anonymous");
  kith_call_set_release_delay (200);
  svc_test_run_for (1000);
  after_one = rollup_kb ("Pss");
  files_released = files_at_end - MIN (files_at_end, rollup_kb ("Rss") - rollup_kb ("Anonymous"));
  g_test_message ("Pss %" G_GUINT64_FORMAT " kB before the first call, %+" G_GINT64_FORMAT
                  " kB after it (%" G_GUINT64_FORMAT " kB of libraries' pages given back)",
                  before, (gint64) (after_one - before), files_released);
  g_assert_cmpuint (after_one, <=, before + 10 * 1024);
  /* What a call loads (libnice, libvpx, the plugins, …) is several MB. */
  g_assert_cmpuint (files_released, >=, 2 * 1024);

  /* The next calls find GStreamer's libraries where they were (read again
   * from their files as each call runs), and leave the process as the
   * first did: ten of them, each given its release as the app gives it
   * a while after a call (200 ms here). What stays of a call in use is
   * ~17 kB (its event in the conversation, the message store's cache); a
   * call's media left behind would be MBs.
   * Measured apart: the process's own memory (its anonymous pages, the
   * heap and stacks), which moves by the heap's spread, pages that a few
   * blocks keep (+0.0 to +0.7 MB after ten here, alone or beside a busy
   * suite run; docs/performance-calls.md): its bound leaves room for that
   * spread; what a call leaves in use is held to its own, tighter bound
   * (malloc's blocks in use: +0.1 MB after ten);
   * and its libraries' pages, read as Rss of mapped files (−0.4 MB after
   * ten, every run), not as Pss: Pss splits each page with every process
   * that maps it, so it moves by ±1 MB as other tests using GStreamer
   * start and end beside this one (Pss as a whole ended +1.0 and +2.2 MB
   * over one in two busy suite runs). Libraries not given back after a
   * call would be ~16 MB. */
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
  g_assert_cmpuint (in_use_n, <=, in_use_one + 512);
  g_assert_cmpuint (own_n, <=, own_one + 1536);
  g_assert_cmpuint (files_n, <=, files_one + 4 * 1024);

  svc_test_exit (session);
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

  g_test_add_func ("/call-memory/frames-reuse-the-heap", test_frames_reuse_the_heap);
  g_test_add_func ("/call-memory/call-blocks-mmapped", test_call_blocks_mmapped);
  g_test_add_func ("/call-memory/call-arena-top-given-back", test_call_arena_top_given_back);
  g_test_add_func ("/call-memory/slices-from-malloc", test_slices_from_malloc);
  g_test_add_func ("/call-memory/after-calls", test_memory_after_calls);
  g_test_add_func ("/call-memory/release-as-user", test_release_as_user);

  /* The kithd of service-test-calls.c's helpers; GStreamer is not started
   * here (calls_test_init () would): the first call is to start it. */
  server = svc_test_server_start ();
  return svc_test_run (server);
}
