/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "kith-service-types.h"
#include "kithd-test-helper.h"

G_BEGIN_DECLS

/*
 * What the benchmarks that run the real `kith` share (bench startup,
 * bench conversation): a headless desktop of their own, a signed-in user's
 * client cache and keyring entry, a fresh HOME for each run of the app,
 * and a process's Pss.
 */

/* For g_spawn_*: the child gets SIGTERM when the bench ends. */
void    kith_bench_child_setup       (gpointer user_data);

/* Xvfb (1280×800, -displayfd), a private session bus and gnome-keyring's
 * secrets unlocked, unless DISPLAY is set (then only the bus and the
 * keyring); sets DISPLAY, DBUS_SESSION_BUS_ADDRESS and the environment
 * kith runs in (GDK_BACKEND=x11, GSK_RENDERER=cairo, GTK_A11Y=none,
 * GSETTINGS_BACKEND=keyfile). Aborts when one cannot start. */
void    kith_bench_desktop_start     (void);
/* The bench's Xvfb still running (for an error message). */
gboolean kith_bench_desktop_xvfb_running (void);
void    kith_bench_desktop_stop      (void);

/* Pss of @pid in MB from /proc/PID/smaps_rollup, -1 if gone. */
double  kith_bench_read_pss_mb       (GPid pid);
/* Any of its fields ("Pss_Anon", …) in MB, -1 if gone. */
double  kith_bench_read_rollup_mb    (GPid        pid,
                                      const char *field);
/* utime + stime of @pid in µs from /proc/PID/stat, -1 if gone. */
gint64  kith_bench_read_cpu_us       (GPid pid);
/* A child of @parent whose command is @comm (the first found), else 0. */
GPid    kith_bench_find_child        (GPid        parent,
                                      const char *comm);
/* Writes @contents, making the folders above. */
void    kith_bench_write_file        (const char *path,
                                      const char *contents);

/* A contact of @user's cache: @peer, accepted, offline. */
KithContactInfo *kith_bench_contact_info (const KithdTestUser *peer,
                                          const char          *first_name,
                                          const char          *last_name);
/* A new folder holding the client's cache for @user as KithSession keeps
 * it (kith/HOST_PORT/ID.db with @contacts, @messages and, if > 0,
 * @last_seq; the `last-account` record), to copy into each HOME. */
char   *kith_bench_write_cache       (KithdTestServer *server,
                                      KithdTestUser   *user,
                                      GPtrArray       *contacts,
                                      GPtrArray       *messages,
                                      gint64           last_seq);
/* Sets the last seq seen in the cache under @data_dir (a HOME's
 * XDG_DATA_HOME, with the cache copied in), so that the app's socket
 * resumes there and is not given again what was sent before. */
void    kith_bench_set_last_seq      (const char      *data_dir,
                                      KithdTestServer *server,
                                      KithdTestUser   *user,
                                      gint64           last_seq);
/* "Stay signed in": a token for @user in the keyring. */
void    kith_bench_store_token       (KithdTestServer *server,
                                      KithdTestUser   *user,
                                      const char      *password);

/* A fresh HOME (returned; remove it with kithd_test_remove_tree ()) with
 * gtk-cursor-blink=false and, with a @signed_in_user, "stay signed in" as
 * them and @cache_dir's cache copied in; *@envp gets the environment to
 * run kith in (HOME, XDG_*, KITH_SERVER_URL, this build's schemas). */
char   *kith_bench_make_home         (KithdTestServer *server,
                                      KithdTestUser   *signed_in_user,
                                      const char      *cache_dir,
                                      const char      *schema_dir,
                                      char          ***envp);

G_END_DECLS
