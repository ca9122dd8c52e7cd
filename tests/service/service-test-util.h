/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-api-client.h"
#include "kith-message-store.h"
#include "kith-session.h"
#include "kithd-test-helper.h"

G_BEGIN_DECLS

#define PASSWORD "Corr3ct-Horse!"

/* Short reconnect timings for every session (and kith-cli) of the test. */
void          svc_test_init_env          (void);
/* Calls in this process and its kith-cli ones: test sources, fake sinks,
 * no echo cancelling, media on 127.0.0.1. */
void          svc_test_init_call_env     (void);
/* g_test_init () and svc_test_init_env (): how a test's main () begins. */
void          svc_test_init              (int    *argc,
                                          char ***argv);
/* g_test_run (); then @server (NULL: none) freed and svc_test_cleanup ():
 * how a test's main () ends. Returns g_test_run ()'s result. */
int           svc_test_run               (KithdTestServer *server);
/* A fresh directory under the test's temporary root (removed at exit). */
char         *svc_test_make_dir          (const char *prefix);
void          svc_test_cleanup           (void);
/* A loopback port nobody listens on right now. */
guint16       svc_test_free_port         (void);
/* kithd on a fixed port, so that restart keeps the clients' URL. */
KithdTestServer *svc_test_server_start   (void);

KithSession  *svc_test_session_new       (KithdTestServer *server,
                                          const char      *data_dir,
                                          KithDeviceKind   kind);
gboolean      svc_test_sign_in           (KithSession  *session,
                                          const char   *email,
                                          const char   *password,
                                          gboolean      stay_signed_in,
                                          GError      **error);
/* A new account on @server, "@name<N>@example.com" (N counts up in the
 * process), password PASSWORD, named @name Tester. */
KithdTestUser *svc_test_sign_up          (KithdTestServer *server,
                                          const char      *name);
/* A desktop session of @user on @server with its data in @dir, signed in
 * (asserting it signed in). */
KithSession  *svc_test_session_signed_in (KithdTestServer *server,
                                          KithdTestUser   *user,
                                          const char      *dir);
gboolean      svc_test_restore           (KithSession  *session,
                                          const char   *email,
                                          GError      **error);
void          svc_test_exit              (KithSession  *session);
void          svc_test_log_out           (KithSession  *session);
/* Waits until @session has @email as a contact and returns it (borrowed). */
KithContact  *svc_test_wait_contact      (KithSession  *session,
                                          const char   *email);
/* Waits until the contact shows @presence; FALSE on timeout. */
gboolean      svc_test_wait_presence     (KithContact  *contact,
                                          KithPresence  presence,
                                          guint         timeout_ms);
gboolean      svc_test_wait_state        (KithSession      *session,
                                          KithSessionState  state,
                                          guint             timeout_ms);
/* A GAsyncReadyCallback that keeps the result in *(GAsyncResult **) @user_data
 * (a reference), and waiting (30 s at most) until it is there. */
void          svc_test_store_result      (GObject      *source,
                                          GAsyncResult *result,
                                          gpointer      user_data);
GAsyncResult *svc_test_wait_result       (GAsyncResult **slot);
/* A REST client of @server with @token (NULL: none). */
KithApiClient *svc_test_api_new          (KithdTestServer *server,
                                          const char      *token);
/* A message store at @path, opened (asserting it opened); its close, awaited. */
KithMessageStore *svc_test_store_open    (const char       *path);
void          svc_test_store_close       (KithMessageStore *store);
/* Runs the main context for @ms (only to let time pass in a scenario). */
void          svc_test_run_for           (guint ms);

/* Collects every message-received body of a session, in order. */
typedef struct {
  GPtrArray *bodies;
} SvcInbox;

SvcInbox     *svc_inbox_new              (KithSession *session);
void          svc_inbox_free             (SvcInbox    *inbox);
gboolean      svc_inbox_wait             (SvcInbox    *inbox,
                                          guint        n,
                                          guint        timeout_ms);

/* A kith-cli subprocess with its stdout read line by line. */
typedef struct _SvcCli SvcCli;

SvcCli       *svc_cli_spawn              (const char  *stdin_text,
                                          const char  *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;
/* kith-cli as @user on @server, signed in with PASSWORD on stdin, with a
 * data folder of its own and the socket's usual dead timeout (25 s, not
 * svc_test_init_env ()'s 3 s), then the arguments given up to the first
 * NULL (so an optional last one can be NULL). */
SvcCli       *svc_cli_spawn_as           (KithdTestServer *server,
                                          KithdTestUser   *user,
                                          const char      *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;
/* Waits for a line starting with @prefix; TRUE when it came. */
gboolean      svc_cli_wait_line          (SvcCli      *cli,
                                          const char  *prefix,
                                          guint        timeout_ms);
/* Waits for the exit; the exit status (-1 on signal). */
int           svc_cli_wait_exit          (SvcCli      *cli,
                                          guint        timeout_ms);
/* Lines starting with @prefix so far (no waiting). */
guint         svc_cli_count_lines        (SvcCli      *cli,
                                          const char  *prefix);
/* Its process id (0 once it exited). */
GPid          svc_cli_get_pid            (SvcCli      *cli);
const char   *svc_cli_get_output         (SvcCli      *cli);
/* What it wrote to standard error so far (read like stdout). */
const char   *svc_cli_get_errors         (SvcCli      *cli);
void          svc_cli_kill9              (SvcCli      *cli);
void          svc_cli_terminate          (SvcCli      *cli);
void          svc_cli_free               (SvcCli      *cli);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvcCli, svc_cli_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SvcInbox, svc_inbox_free)

G_END_DECLS

G_BEGIN_DECLS

/* A fake org.gnome.Mutter.IdleMonitor on @connection, on the real interface
 * (GetIdletime, AddIdleWatch, AddUserActiveWatch, RemoveWatch, WatchFired). */
typedef struct _SvcFakeMutter SvcFakeMutter;

SvcFakeMutter *svc_fake_mutter_new            (GDBusConnection *connection);
/* Waits for the newest AddIdleWatch / AddUserActiveWatch and returns its id (0: none came). */
guint          svc_fake_mutter_wait_idle_watch   (SvcFakeMutter *fake,
                                                  guint          timeout_ms);
guint          svc_fake_mutter_wait_active_watch (SvcFakeMutter *fake,
                                                  guint          timeout_ms);
guint64        svc_fake_mutter_get_last_interval (SvcFakeMutter *fake);
/* Emits WatchFired (@id): the user went idle, or came back. */
void           svc_fake_mutter_fire              (SvcFakeMutter *fake,
                                                  guint          id);
void           svc_fake_mutter_free              (SvcFakeMutter *fake);

G_END_DECLS

G_BEGIN_DECLS
/* TRUE when a Secret Service answers on the session bus; otherwise the test
 * is skipped (g_test_skip) and FALSE returned. */
gboolean       svc_test_require_keyring          (void);
G_END_DECLS

G_BEGIN_DECLS

/*
 * A private session bus (GTestDBus) for one test process, for the keyring
 * drills: the process must not have used the session bus before, since
 * libsecret keeps its connection for good. Run such a test in a subprocess
 * (svc_test_in_subprocess).
 */
typedef enum {
  SVC_KEYRING_NONE,          /* no Secret Service on the bus at all */
  SVC_KEYRING_GNOME,         /* a gnome-keyring-daemon of its own, login collection unlocked */
  SVC_KEYRING_GNOME_STUCK,   /* the same, and a system prompter that never answers */
  SVC_KEYRING_SILENT,        /* a Secret Service that takes every call and never answers */
} SvcKeyringKind;

typedef struct _SvcPrivateBus SvcPrivateBus;

SvcPrivateBus *svc_private_bus_new               (SvcKeyringKind  kind);
/* Locks the login collection (as the desktop's "Lock" does): unlocking it
 * again needs a prompt. */
void           svc_private_bus_lock_keyring      (SvcPrivateBus  *bus);
/* How many prompts the never-answering prompter was asked to show. */
guint          svc_private_bus_get_prompts       (SvcPrivateBus  *bus);
void           svc_private_bus_free              (SvcPrivateBus  *bus);

/* TRUE in the subprocess, which runs the test; in the parent, runs the
 * current test in a subprocess, asserts it passed and returns FALSE. */
gboolean       svc_test_in_subprocess            (void);

G_END_DECLS
