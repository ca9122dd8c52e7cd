/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What GStreamer costs the process, and giving it back (docs/service.md,
 * "Calls", Memory): a call's media runs in a process of its own
 * (kith-call-media), but the ring tones play here; the pages of the
 * libraries GStreamer loaded for them leave the process a while after
 * the last.
 */
#define G_LOG_DOMAIN "KithCall"

#include "config.h"

#include <string.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "kith-call-private.h"

/* How long GStreamer stays idle before its libraries' pages go: a call
 * placed again soon (a dropped call, a second try) finds them still
 * there. */
#define RELEASE_DELAY_MS (10 * 1000)

static int gstreamer_busy;
static guint release_delay_ms = RELEASE_DELAY_MS;
static GSource *release_source;
/* The shared objects mapped before GStreamer first loaded anything for a
 * call or a ring (device:inode): the window's, GLib's, … stay put. */
static GHashTable *mapped_before;

void
kith_call_prepare_process (void)
{
#ifdef __GLIBC__
  /* Streaming threads (a ring tone's here; a call's media, in its own
   * process, did the same there) malloc in arenas of their own (glibc
   * makes up to 8 per core), each keeping what they freed: with the media
   * here, the process grew by ~17 MB with every video call. Two arenas,
   * set before any thread but the main one exists, keep it flat
   * (docs/performance-calls.md). */
  mallopt (M_ARENA_MAX, 2);
#endif
}

/* A mapping of a file, from /proc/self/maps or smaps. */
typedef struct {
  guint64  start;
  guint64  end;
  gboolean writable;
  guint64  anonymous_kb;  /* its pages the process wrote (copies of its own) */
  char    *key;           /* "dev:inode" */
  char    *path;
} Mapping;

/* A mapping's first line ("start-end perms offset dev inode path"), of a
 * file or not; FALSE for the lines of its fields. */
static gboolean
parse_mapping (char    *line,
               Mapping *mapping)
{
  char perms[5], dev[16];
  guint64 inode;
  int path_at = -1;

  mapping->key = NULL;
  mapping->path = NULL;
  mapping->anonymous_kb = 0;
  if (sscanf (line, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %4s %*x %15s %" G_GUINT64_FORMAT " %n",
              &mapping->start, &mapping->end, perms, dev, &inode, &path_at) != 5)
    return FALSE;
  mapping->writable = perms[1] == 'w';
  if (path_at >= 0 && inode != 0 && line[path_at] == '/') {
    mapping->path = g_strchomp (line + path_at);
    mapping->key = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, dev, inode);
  }
  return TRUE;
}

/* A shared object ("libx.so", "libx.so.1.2"), by its path. */
static gboolean
is_shared_object (const char *path)
{
  const char *so = path != NULL ? strstr (path, ".so") : NULL;

  return so != NULL && (so[3] == '\0' || so[3] == '.');
}

typedef void (*MappingFunc) (const Mapping *mapping, gpointer data);

static void
finish_mapping (Mapping     *mapping,
                MappingFunc  func,
                gpointer     data)
{
  if (is_shared_object (mapping->path))
    func (mapping, data);
  g_clear_pointer (&mapping->key, g_free);
  mapping->path = NULL;
}

/* Calls @func on every mapping of a shared object in this process, as
 * @file tells them: /proc/self/maps, or smaps, which also counts each
 * one's pages (the kernel walks them all: only where that is needed). */
static void
foreach_mapping (const char  *file,
                 MappingFunc  func,
                 gpointer     data)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  Mapping mapping = { 0 };

  if (!g_file_get_contents (file, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    Mapping next;

    if (g_str_has_prefix (lines[i], "Anonymous:")) {
      mapping.anonymous_kb = g_ascii_strtoull (lines[i] + strlen ("Anonymous:"), NULL, 10);
    } else if (parse_mapping (lines[i], &next)) {
      finish_mapping (&mapping, func, data);
      mapping = next;
    }
  }
  finish_mapping (&mapping, func, data);
}

static void
remember_mapping (const Mapping *mapping,
                  gpointer       data)
{
  g_hash_table_add (mapped_before, g_strdup (mapping->key));
}

static void
release_mapping (const Mapping *mapping,
                 gpointer       data)
{
  guint64 *released = data;
  const char *name = strrchr (mapping->path, '/') + 1;

  /* Only read-only mappings with nothing of the process's own in them:
   * their pages are the file's (code, constants), which the next use
   * finds again in the page cache or reads from the file. A read-only
   * mapping can hold pages the process wrote (relocations the dynamic
   * linker made before it protected them): those would be lost.
   * GStreamer's own libraries (and ORC, which compiles its pipelines'
   * code) are linked in from the start, but only calls and ring tones
   * use them. */
  if (mapping->writable || mapping->anonymous_kb > 0)
    return;
  if (g_hash_table_contains (mapped_before, mapping->key) &&
      !g_str_has_prefix (name, "libgst") && !g_str_has_prefix (name, "liborc-"))
    return;
  /* Not MADV_PAGEOUT: the kernel pages a file's pages out only for a
   * process that may write the file (root, in the tests), never for a
   * user and the system's libraries. MADV_DONTNEED takes them out of the
   * process; they stay in the page cache, the kernel's to drop. */
  if (madvise (GSIZE_TO_POINTER (mapping->start), mapping->end - mapping->start, MADV_DONTNEED) == 0)
    *released += mapping->end - mapping->start;
}

guint64
kith_call_release_pages (void)
{
  guint64 released = 0;

  g_clear_pointer (&release_source, g_source_destroy);
  if (mapped_before == NULL || gstreamer_busy > 0)
    return 0;
#ifdef __GLIBC__
  /* What was freed after the media's end trimmed the heap (a start's
   * worker torn down when it returned, GStreamer's idle threads leaving)
   * sits in the arenas' free space, the main one's top keeping up to
   * glibc's trim threshold. */
  malloc_trim (0);
#endif
  foreach_mapping ("/proc/self/smaps", release_mapping, &released);
  g_debug ("GStreamer idle: the pages of %" G_GUINT64_FORMAT " kB of its libraries' mappings given back",
           released / 1024);
  return released;
}

static gboolean
on_release (gpointer user_data)
{
  release_source = NULL;
  kith_call_release_pages ();
  return G_SOURCE_REMOVE;
}

static void
schedule_release (void)
{
  g_clear_pointer (&release_source, g_source_destroy);
  release_source = g_timeout_source_new (release_delay_ms);
  g_source_set_callback (release_source, on_release, NULL, NULL);
  g_source_set_static_name (release_source, "[kith] GStreamer's pages");
  g_source_attach (release_source, g_main_context_get_thread_default ());
  g_source_unref (release_source);
}

void
kith_call_set_gstreamer_busy (gboolean busy)
{
  gstreamer_busy += busy ? 1 : -1;
  g_assert (gstreamer_busy >= 0);
  if (busy && mapped_before == NULL) {
    mapped_before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    foreach_mapping ("/proc/self/maps", remember_mapping, NULL);
  }
  if (busy)
    g_clear_pointer (&release_source, g_source_destroy);
  else if (gstreamer_busy == 0)
    schedule_release ();
}

void
kith_call_set_release_delay (guint ms)
{
  release_delay_ms = ms;
  if (release_source != NULL)
    schedule_release ();
}
