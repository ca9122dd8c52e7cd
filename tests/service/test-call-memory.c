/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCallMemory"

#include "config.h"

#include <malloc.h>
#include <string.h>
#include <sys/resource.h>

#include "kith-call-private.h"

/*
 * What Kith asks of glibc's allocator (kith_call_prepare_process (),
 * kith_call_set_media_running ()): outside calls, before the first and
 * after, a big block (the window's cairo frame, made and freed every
 * frame) comes from the heap and its pages stay for the next one; while a
 * call's media runs, such blocks are mmap'd and given back when freed
 * (docs/performance-calls.md, "The window's frames and the allocator").
 * Plain builds only: under AddressSanitizer glibc's malloc is not the one
 * in use.
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

int
main (int   argc,
      char *argv[])
{
  kith_call_prepare_process ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call-memory/frames-reuse-the-heap", test_frames_reuse_the_heap);
  g_test_add_func ("/call-memory/call-blocks-mmapped", test_call_blocks_mmapped);

  return g_test_run ();
}
