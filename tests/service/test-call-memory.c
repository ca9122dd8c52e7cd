/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCallMemory"

#include "config.h"

#include <malloc.h>
#include <string.h>
#include <sys/resource.h>

#include "kith-call-manager.h"
#include "kith-call-private.h"
#include "service-test-util.h"

#define WAIT_MS 30000

/*
 * What Kith asks of glibc's allocator (kith_call_prepare_process (),
 * kith_call_set_media_running ()): outside calls, before the first and
 * after, a big block (the window's cairo frame, made and freed every
 * frame) comes from the heap and its pages stay for the next one; while a
 * call's media runs, such blocks are mmap'd and given back when freed
 * (docs/performance-calls.md, "The window's frames and the allocator").
 * And what the process keeps after a call: within 10 MB of what it was
 * before its first, GStreamer's libraries' pages given back a while after
 * it (kith-call-memory.c).
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

static gboolean
media_flowed (gpointer data)
{
  KithCall *call = data;

  return kith_call_get_state (call) == KITH_CALL_ENDED ||
         (kith_call_get_audio_buffers (call) > 0 && kith_call_get_video_frames (call) > 0);
}

static gboolean
call_ended (gpointer data)
{
  return kith_call_get_state (KITH_CALL (data)) == KITH_CALL_ENDED;
}

/* A video call from this process (a user's session, as the app's) to
 * kith-cli bot, held until media flowed both ways, hung up; the bot then
 * quits (a library's page that another process maps stays where it is). */
static void
call_bot (KithdTestServer *server,
          KithSession     *session,
          KithdTestUser   *bot)
{
  g_autoptr (SvcCli) bot_cli = svc_cli_spawn_as (server, bot, "bot", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KithCall) call = NULL;
  KithContact *contact = svc_test_wait_contact (session, bot->email);

  g_assert_true (svc_cli_wait_line (bot_cli, "ready", WAIT_MS));
  g_assert_true (svc_test_wait_presence (contact, KITH_PRESENCE_ONLINE, WAIT_MS));
  call = kith_call_manager_place (kith_session_get_calls (session), contact, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (kithd_test_wait_until (media_flowed, call, WAIT_MS));
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_ACTIVE);
  kith_call_hang_up (call);
  g_assert_true (kithd_test_wait_until (call_ended, call, WAIT_MS));
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_HUNG_UP);
  g_assert_true (svc_cli_wait_line (bot_cli, "call ended", WAIT_MS));
  svc_cli_terminate (bot_cli);
  g_assert_cmpint (svc_cli_wait_exit (bot_cli, WAIT_MS), ==, 0);
}

static void
test_memory_after_calls (void)
{
  KithdTestServer *server = svc_test_server_start ();
  g_autoptr (KithdTestUser) ada = svc_test_sign_up (server, "ada");
  g_autoptr (KithdTestUser) bot = svc_test_sign_up (server, "bot");
  g_autofree char *dir = svc_test_make_dir ("ada");
  g_autoptr (KithSession) session = NULL;
  guint64 before, after_one, after_two, files_at_end, files_released;

  kithd_test_server_make_contacts (server, ada, bot);
  session = svc_test_session_signed_in (server, ada, dir);
  svc_test_wait_contact (session, bot->email);
  /* Given back once the bot has gone (here a page it maps stays). */
  kith_call_set_release_delay (G_MAXUINT);
  before = rollup_kb ("Pss");

  call_bot (server, session, bot);
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

  /* The next call finds GStreamer's libraries where they were (read again
   * from their files as the call runs), and leaves the process as the
   * first did. */
  kith_call_set_release_delay (G_MAXUINT);
  call_bot (server, session, bot);
  kith_call_set_release_delay (200);
  svc_test_run_for (1000);
  after_two = rollup_kb ("Pss");
  g_test_message ("Pss %+" G_GINT64_FORMAT " kB after the second call", (gint64) (after_two - before));
  g_assert_cmpuint (after_two, <=, before + 10 * 1024);

  svc_test_exit (session);
  kithd_test_server_free (server);
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
  g_test_add_func ("/call-memory/after-calls", test_memory_after_calls);

  return svc_test_run (NULL);
}
