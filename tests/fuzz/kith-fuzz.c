/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzz"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "kith-fuzz.h"

static GPtrArray *temp_dirs;

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  static gboolean verbose = -1;

  if (verbose == -1)
    verbose = g_getenv ("KITH_FUZZ_VERBOSE") != NULL;

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
    g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
    fprintf (stderr, "kith-fuzz: a GLib warning or critical is a crash here\n");
    abort ();
  }
  if (verbose)
    return g_log_writer_standard_streams (log_level, fields, n_fields, user_data);

  return G_LOG_WRITER_HANDLED;
}

void
kith_fuzz_init_logging (void)
{
  g_log_set_writer_func (log_writer, NULL, NULL);
}

/* Weak: the default for a target that needs no more than its logging set
 * up; a target that keeps a server or a directory defines its own (and
 * calls kith_fuzz_init_logging () there). */
__attribute__ ((weak)) int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  kith_fuzz_init_logging ();
  return 0;
}

void
kith_fuzz_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      kith_fuzz_remove_tree (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);

  if (temp_dirs) {
    guint index;

    if (g_ptr_array_find_with_equal_func (temp_dirs, path, g_str_equal, &index))
      g_free (g_ptr_array_steal_index_fast (temp_dirs, index));
  }
}

static void
remove_temp_dirs (void)
{
  while (temp_dirs && temp_dirs->len > 0) {
    g_autofree char *path = g_strdup (g_ptr_array_index (temp_dirs, 0));

    kith_fuzz_remove_tree (path);
  }
}

char *
kith_fuzz_make_temp_dir (const char *prefix)
{
  g_autofree char *template = g_strconcat (prefix, "-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  char *path = g_dir_make_tmp (template, &error);

  if (!path)
    kith_fuzz_fail ("cannot make a temporary directory: %s", error->message);

  if (!temp_dirs) {
    temp_dirs = g_ptr_array_new ();
    atexit (remove_temp_dirs);
  }
  g_ptr_array_add (temp_dirs, g_strdup (path));

  return path;
}

void
kith_fuzz_fail (const char *format,
                ...)
{
  va_list args;

  fprintf (stderr, "kith-fuzz: ");
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fprintf (stderr, "\n");
  abort ();
}

static gboolean
on_run_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
kith_fuzz_run_until (const gboolean *done,
                     guint           timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_run_timeout, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);

  return *done;
}
