/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithPrivateFile"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kith-private-file.h"

void
kith_make_database_private (const char *path)
{
  static const char * const others[] = { "-wal", "-shm", "-journal" };
  struct stat st;
  int fd;

  g_return_if_fail (path != NULL);

  if (*path == '\0' || g_str_equal (path, ":memory:") || g_str_has_prefix (path, "file:"))
    return;

  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  if (fstat (fd, &st) == 0 && (st.st_mode & 0077) != 0 && fchmod (fd, 0600) != 0)
    g_warning ("Cannot make %s private: %s", path, g_strerror (errno));
  close (fd);

  for (guint i = 0; i < G_N_ELEMENTS (others); i++) {
    g_autofree char *other = g_strconcat (path, others[i], NULL);

    if (g_stat (other, &st) == 0 && (st.st_mode & 0077) != 0 && g_chmod (other, 0600) != 0)
      g_warning ("Cannot make %s private: %s", other, g_strerror (errno));
  }
}
