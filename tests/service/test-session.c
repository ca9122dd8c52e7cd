/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestSession"

#include "config.h"

#include <string.h>

#include "kith-credentials.h"
#include "service-test-util.h"

static KithdTestServer *server;
static guint user_counter;

static char *
new_email (const char *name)
{
  return g_strdup_printf ("%s%u@example.com", name, ++user_counter);
}

static KithdTestUser *
sign_up (const char *name)
{
  g_autofree char *email = new_email (name);

  return kithd_test_server_sign_up (server, email, PASSWORD, name, "Tester");
}

static KithSession *
online_session (KithdTestUser  *user,
                KithDeviceKind  kind,
                gboolean        stay)
{
  g_autofree char *dir = svc_test_make_dir ("data");
  KithSession *session = svc_test_session_new (server, dir, kind);
  g_autoptr (GError) error = NULL;

  g_assert_true (svc_test_sign_in (session, user->email, PASSWORD, stay, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  return session;
}

static guint
get_status (const char *path,
            const char *token)
{
  return kithd_test_server_request (server, "GET", path, token, NULL, NULL, NULL);
}

/* ---- sign in ---- */

static void
on_state_changed (KithSession      *session,
                  KithSessionState  state,
                  KithSessionState  old,
                  GArray           *states)
{
  g_array_append_val (states, state);
}

static void
test_sign_in (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autofree char *dir = svc_test_make_dir ("data");
  g_autoptr (KithSession) session = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  g_autoptr (GArray) states = g_array_new (FALSE, FALSE, sizeof (KithSessionState));
  g_autoptr (GError) error = NULL;
  KithUser *user;

  g_signal_connect (session, "state-changed", G_CALLBACK (on_state_changed), states);
  g_assert_true (svc_test_sign_in (session, ada->email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (states->len, ==, 2);
  g_assert_cmpint (g_array_index (states, KithSessionState, 0), ==, KITH_SESSION_SIGNING_IN);
  g_assert_cmpint (g_array_index (states, KithSessionState, 1), ==, KITH_SESSION_ONLINE);

  user = kith_session_get_user (session);
  g_assert_cmpstr (kith_user_get_email (user), ==, ada->email);
  g_assert_cmpstr (kith_user_get_first_name (user), ==, "ada");
  g_assert_cmpstr (kith_user_get_initials (user), ==, "AT");
  g_assert_cmpint (kith_user_get_presence (user), ==, KITH_PRESENCE_ONLINE);
  g_assert_false (kith_session_get_stay_signed_in (session));

  svc_test_exit (session);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  g_assert_null (kith_session_get_user (session));
}

static void
test_wrong_password (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autofree char *dir = svc_test_make_dir ("data");
  g_autoptr (KithSession) session = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  g_autoptr (GError) error = NULL;

  g_assert_false (svc_test_sign_in (session, ada->email, "Wr0ng-password", FALSE, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_CREDENTIALS);
  g_assert_cmpstr (error->message, ==, "Wrong email or password.");
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
}

static void
test_unknown_server (void)
{
  g_autofree char *dir = svc_test_make_dir ("data");
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", svc_test_free_port ());
  g_autoptr (KithSession) session = g_object_new (KITH_TYPE_SESSION, "server-url", url,
                                                  "data-dir", dir, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_false (svc_test_sign_in (session, "ada@example.com", PASSWORD, FALSE, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NETWORK);
  g_assert_cmpstr (error->message, ==, "The server cannot be reached.");
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
}

static void
test_throttling (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autofree char *dir = svc_test_make_dir ("data");
  g_autoptr (KithSession) session = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  g_autoptr (GRegex) regex = g_regex_new ("^Too many attempts, try again in [0-9]+ s\\.$", 0, 0, NULL);

  for (guint i = 0; i < 5; i++) {
    g_autoptr (GError) error = NULL;

    g_assert_false (svc_test_sign_in (session, ada->email, "Wr0ng-password", FALSE, &error));
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_CREDENTIALS);
  }
  for (guint i = 0; i < 2; i++) {
    g_autoptr (GError) error = NULL;

    /* Even the right password waits now. */
    g_assert_false (svc_test_sign_in (session, ada->email, i ? PASSWORD : "Wr0ng-password",
                                      FALSE, &error));
    g_assert_error (error, KITH_ERROR, KITH_ERROR_RATE_LIMITED);
    g_assert_true (g_regex_match (regex, error->message, 0, NULL));
  }
}

/* ---- staying signed in, log out, exit ---- */

typedef struct {
  GAsyncResult *result;
} Slot;

static void
store_slot (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ((Slot *) user_data)->result = g_object_ref (result);
}

static gboolean
slot_set (gpointer data)
{
  return ((Slot *) data)->result != NULL;
}

static char *
lookup_token (const char *email)
{
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autoptr (GError) error = NULL;
  Slot slot = { NULL };
  char *token = NULL;

  kith_credentials_lookup_async (credentials, kithd_test_server_get_url (server), email, NULL,
                                 store_slot, &slot);
  g_assert_true (kithd_test_wait_until (slot_set, &slot, 10000));
  kith_credentials_lookup_finish (credentials, slot.result, NULL, &token, &error);
  g_assert_no_error (error);
  g_object_unref (slot.result);
  return token;
}

static void
test_stay_signed_in (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autofree char *dir = svc_test_make_dir ("data");
  g_autofree char *token = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *server_arg = g_strdup_printf ("--server=%s", kithd_test_server_get_url (server));
  g_autofree char *email_arg = g_strdup_printf ("--email=%s", ada->email);
  g_autofree char *dir_arg = g_strdup_printf ("--data-dir=%s", dir);
  g_autoptr (SvcCli) cli = NULL;
  KithSession *session;

  if (!svc_test_require_keyring ())
    return;

  session = online_session (ada, KITH_DEVICE_DESKTOP, TRUE);
  g_assert_true (kith_session_get_stay_signed_in (session));
  token = lookup_token (ada->email);
  g_assert_nonnull (token);
  /* Exit keeps a stay-signed-in token alive. */
  svc_test_exit (session);
  g_object_unref (session);
  g_assert_cmpuint (get_status ("/api/v1/me", token), ==, 200);

  /* A fresh object graph restores without a password. */
  session = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  g_assert_true (svc_test_restore (session, ada->email, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  g_assert_cmpstr (kith_user_get_email (kith_session_get_user (session)), ==, ada->email);
  svc_test_exit (session);
  g_object_unref (session);

  /* And so does a second process. */
  cli = svc_cli_spawn (NULL, server_arg, email_arg, dir_arg, "whoami", NULL);
  g_assert_cmpint (svc_cli_wait_exit (cli, 20000), ==, 0);
  g_assert_true (g_str_has_prefix (svc_cli_get_output (cli), ada->email));
  g_assert_cmpuint (get_status ("/api/v1/me", token), ==, 200);
}

static void
test_log_out_kills_token (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autoptr (KithSession) session = NULL;
  g_autofree char *token = NULL;
  g_autofree char *after = NULL;
  g_autofree char *dir = svc_test_make_dir ("data");
  g_autoptr (KithSession) again = NULL;
  g_autoptr (GError) error = NULL;

  if (!svc_test_require_keyring ())
    return;

  session = online_session (ada, KITH_DEVICE_DESKTOP, TRUE);
  token = lookup_token (ada->email);
  g_assert_nonnull (token);
  g_assert_cmpuint (get_status ("/api/v1/me", token), ==, 200);

  svc_test_log_out (session);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  g_assert_cmpuint (get_status ("/api/v1/me", token), ==, 401);
  after = lookup_token (ada->email);
  g_assert_null (after);

  /* The next start needs the password. */
  again = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  g_assert_false (svc_test_restore (again, ada->email, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_session_get_state (again), ==, KITH_SESSION_SIGNED_OUT);
}

static void
test_exit_shows_offline (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autoptr (KithdTestUser) bob = sign_up ("bob");
  g_autoptr (KithSession) a = NULL;
  g_autoptr (KithSession) b = NULL;
  KithContact *ada_seen_by_bob;
  gint64 start;

  kithd_test_server_make_contacts (server, ada, bob);
  a = online_session (ada, KITH_DEVICE_DESKTOP, FALSE);
  b = online_session (bob, KITH_DEVICE_DESKTOP, FALSE);
  ada_seen_by_bob = svc_test_wait_contact (b, ada->email);
  g_assert_true (svc_test_wait_presence (ada_seen_by_bob, KITH_PRESENCE_ONLINE, 5000));

  start = g_get_monotonic_time ();
  svc_test_exit (a);
  g_assert_true (svc_test_wait_presence (ada_seen_by_bob, KITH_PRESENCE_OFFLINE, 1000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  svc_test_exit (b);
}

static void
on_signed_out_remotely (KithSession *session,
                        gboolean    *flag)
{
  *flag = TRUE;
}

/* A password change elsewhere revokes this session: kithd closes with 4001
 * and the session signs out instead of reconnecting. */
static void
test_revoked_elsewhere (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autoptr (KithSession) session = online_session (ada, KITH_DEVICE_DESKTOP, FALSE);
  g_autofree char *other = kithd_test_server_log_in (server, ada->email, PASSWORD, "desktop");
  g_autofree char *body = g_strdup_printf ("{\"current_password\": \"%s\", "
                                           "\"new_password\": \"N3w-password!\"}", PASSWORD);
  gboolean remotely = FALSE;

  g_signal_connect (session, "signed-out-remotely", G_CALLBACK (on_signed_out_remotely), &remotely);
  g_assert_cmpuint (kithd_test_server_request (server, "PUT", "/api/v1/me/password", other, body,
                                               NULL, NULL), ==, 204);
  g_assert_true (svc_test_wait_state (session, KITH_SESSION_SIGNED_OUT, 5000));
  g_assert_true (remotely);
  g_assert_null (kith_session_get_user (session));
}

/* ---- presence ---- */

/* The fake Mutter goes on a bus of the test's own, in a subprocess. On the
 * session bus, which the test programs running alongside share, their
 * sessions and kith-cli processes would take it as the desktop's: add
 * watches to it (the newest of which this test would then fire, instead of
 * its own) and go idle from its WatchFired signals. */
static void
on_own_bus (void (*drill) (void))
{
  SvcPrivateBus *bus;

  if (!svc_test_in_subprocess ())
    return;
  bus = svc_private_bus_new (SVC_KEYRING_NONE);
  drill ();
  svc_private_bus_free (bus);
}

static void
presence_drill (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autoptr (KithdTestUser) bob = sign_up ("bob");
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (KithSession) a = NULL;
  g_autoptr (KithSession) b = NULL;
  SvcFakeMutter *mutter;
  KithContact *ada_seen;
  guint watch;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL) {
    g_test_skip ("no session bus for the fake Mutter idle monitor");
    return;
  }

  kithd_test_server_make_contacts (server, ada, bob);
  b = online_session (bob, KITH_DEVICE_DESKTOP, FALSE);
  mutter = svc_fake_mutter_new (bus);
  a = online_session (ada, KITH_DEVICE_DESKTOP, FALSE);
  ada_seen = svc_test_wait_contact (b, ada->email);
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_ONLINE, 5000));

  kith_session_set_chosen_status (a, KITH_CHOSEN_BUSY);
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_BUSY, 5000));
  g_assert_cmpint (kith_user_get_presence (kith_session_get_user (a)), ==, KITH_PRESENCE_BUSY);

  kith_session_set_chosen_status (a, KITH_CHOSEN_HIDDEN);
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_OFFLINE, 5000));

  kith_session_set_chosen_status (a, KITH_CHOSEN_ONLINE);
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_ONLINE, 5000));

  /* Idle from Mutter's idle watch, back on input. */
  watch = svc_fake_mutter_wait_idle_watch (mutter, 5000);
  g_assert_cmpuint (watch, !=, 0);
  g_assert_cmpuint (svc_fake_mutter_get_last_interval (mutter), ==, 300 * 1000);
  svc_fake_mutter_fire (mutter, watch);
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_IDLE, 5000));
  watch = svc_fake_mutter_wait_active_watch (mutter, 5000);
  g_assert_cmpuint (watch, !=, 0);
  svc_fake_mutter_fire (mutter, watch);
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_ONLINE, 5000));

  svc_test_exit (a);
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_OFFLINE, 5000));
  svc_test_exit (b);
  g_clear_object (&a);
  svc_fake_mutter_free (mutter);
}

static void
test_presence_mobile (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autoptr (KithdTestUser) bob = sign_up ("bob");
  g_autoptr (KithSession) b = NULL;
  g_autofree char *dir = svc_test_make_dir ("cli");
  g_autofree char *server_arg = g_strdup_printf ("--server=%s", kithd_test_server_get_url (server));
  g_autofree char *email_arg = g_strdup_printf ("--email=%s", ada->email);
  g_autofree char *dir_arg = g_strdup_printf ("--data-dir=%s", dir);
  g_autoptr (SvcCli) cli = NULL;
  KithContact *ada_seen;

  kithd_test_server_make_contacts (server, ada, bob);
  b = online_session (bob, KITH_DEVICE_DESKTOP, FALSE);
  ada_seen = svc_test_wait_contact (b, ada->email);

  cli = svc_cli_spawn (PASSWORD "\n", server_arg, email_arg, dir_arg, "--device-kind=mobile",
                       "--password-stdin", "listen", NULL);
  g_assert_true (svc_cli_wait_line (cli, "ready", 20000));
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_MOBILE, 5000));

  svc_cli_terminate (cli);
  g_assert_true (svc_test_wait_presence (ada_seen, KITH_PRESENCE_OFFLINE, 5000));
  svc_test_exit (b);
}

static gboolean
backend_known (gpointer data)
{
  return kith_idle_monitor_get_backend (data) != KITH_IDLE_BACKEND_NONE;
}

static gboolean
watch_of_one_second (gpointer data)
{
  return svc_fake_mutter_get_last_interval (data) == 1000;
}

/* kith-cli (the demo bot) is headless: never Idle, even where the desktop
 * says it is, unless --idle-delay asks for it. */
static void
cli_never_idle_drill (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autoptr (KithdTestUser) bot = sign_up ("bot");
  g_autoptr (KithSession) a = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (SvcInbox) inbox = NULL;
  g_autofree char *dir = svc_test_make_dir ("cli");
  g_autofree char *server_arg = g_strdup_printf ("--server=%s", kithd_test_server_get_url (server));
  g_autofree char *email_arg = g_strdup_printf ("--email=%s", bot->email);
  g_autofree char *dir_arg = g_strdup_printf ("--data-dir=%s", dir);
  g_autoptr (SvcCli) cli = NULL;
  SvcFakeMutter *mutter;
  KithContact *bot_seen;
  guint watch;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL) {
    g_test_skip ("no session bus for the fake Mutter idle monitor");
    return;
  }

  /* Ada's own monitor settles before Mutter appears: the watches are the bot's. */
  kithd_test_server_make_contacts (server, ada, bot);
  a = online_session (ada, KITH_DEVICE_DESKTOP, FALSE);
  g_assert_true (kithd_test_wait_until (backend_known,
                                        kith_status_manager_get_idle_monitor (kith_session_get_status (a)),
                                        5000));
  inbox = svc_inbox_new (a);
  bot_seen = svc_test_wait_contact (a, bot->email);
  mutter = svc_fake_mutter_new (bus);

  cli = svc_cli_spawn (PASSWORD "\n", server_arg, email_arg, dir_arg, "--password-stdin",
                       "bot", NULL);
  g_assert_true (svc_cli_wait_line (cli, "ready", 20000));
  g_assert_true (svc_test_wait_presence (bot_seen, KITH_PRESENCE_ONLINE, 10000));

  /* The desktop says idle; the bot takes the user-active watch after it. */
  watch = svc_fake_mutter_wait_idle_watch (mutter, 10000);
  g_assert_cmpuint (watch, !=, 0);
  svc_fake_mutter_fire (mutter, watch);
  g_assert_cmpuint (svc_fake_mutter_wait_active_watch (mutter, 10000), !=, 0);

  /* Whatever the bot said about idle went out before its answer to this. */
  kith_conversations_send_async (kith_session_get_conversations (a), bot_seen, "still there?", NULL,
                                 NULL, NULL);
  g_assert_true (svc_inbox_wait (inbox, 1, 10000));
  g_assert_cmpint (kith_contact_get_presence (bot_seen), ==, KITH_PRESENCE_ONLINE);
  svc_cli_terminate (cli);
  g_clear_pointer (&cli, svc_cli_free);
  g_assert_true (svc_test_wait_presence (bot_seen, KITH_PRESENCE_OFFLINE, 5000));

  /* Asked for: --idle-delay. */
  cli = svc_cli_spawn (PASSWORD "\n", server_arg, email_arg, dir_arg, "--password-stdin",
                       "--idle-delay=1", "bot", NULL);
  g_assert_true (svc_cli_wait_line (cli, "ready", 20000));
  g_assert_true (kithd_test_wait_until (watch_of_one_second, mutter, 10000));
  svc_fake_mutter_fire (mutter, svc_fake_mutter_wait_idle_watch (mutter, 10000));
  g_assert_true (svc_test_wait_presence (bot_seen, KITH_PRESENCE_IDLE, 10000));

  svc_cli_terminate (cli);
  svc_test_exit (a);
  g_signal_handlers_disconnect_by_data (a, inbox);
  svc_fake_mutter_free (mutter);
}

static void
test_presence (void)
{
  on_own_bus (presence_drill);
}

static void
test_cli_never_idle (void)
{
  on_own_bus (cli_never_idle_drill);
}

/* ---- start-up from the cache ---- */

typedef struct {
  KithSession *session;
  guint        shown;       /* contacts in the model when from-cache went TRUE */
  gboolean     was_signing_in;
  gboolean     offline;
} CacheSeen;

static void
on_from_cache (KithSession *session,
               GParamSpec  *pspec,
               CacheSeen   *seen)
{
  GListModel *contacts = kith_session_get_contacts (session);

  if (!kith_session_get_from_cache (session))
    return;
  seen->shown = g_list_model_get_n_items (contacts);
  seen->was_signing_in = kith_session_get_state (session) == KITH_SESSION_SIGNING_IN;
  seen->offline = TRUE;
  for (guint i = 0; i < seen->shown; i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (contacts, i);

    if (kith_contact_get_presence (contact) != KITH_PRESENCE_OFFLINE)
      seen->offline = FALSE;
  }
}

static gboolean
cache_shown (gpointer data)
{
  return ((CacheSeen *) data)->shown > 0;
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
copy_dir (const char *from,
          const char *to)
{
  g_autofree char *command = g_strdup_printf ("cp -r '%s' '%s'", from, to);

  g_assert_cmpint (system (command), ==, 0);
}

static void
store_token (const char *url,
             const char *email,
             const char *token)
{
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autoptr (GError) error = NULL;
  Slot slot = { NULL };

  kith_credentials_store_async (credentials, url, email, token, NULL, store_slot, &slot);
  g_assert_true (kithd_test_wait_until (slot_set, &slot, 10000));
  g_assert_true (kith_credentials_store_finish (credentials, slot.result, &error));
  g_assert_no_error (error);
  g_object_unref (slot.result);
}

/* Restoring, the last account's contacts come from its cache before the
 * session is online (here: a server that never answers); when the restore
 * fails they are gone again. Another account never sees them. */
static void
test_restore_shows_cache (void)
{
  g_autoptr (KithdTestUser) ada = sign_up ("ada");
  g_autoptr (KithdTestUser) bob = sign_up ("bob");
  g_autofree char *dir = svc_test_make_dir ("data");
  g_autofree char *token = NULL;
  g_autofree char *silent_url = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *last = NULL;
  g_autoptr (GSocket) listener = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GInetAddress) loopback = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  Slot result = { NULL };
  CacheSeen seen = { NULL };
  KithSession *session;
  guint16 port;

  if (!svc_test_require_keyring ())
    return;

  kithd_test_server_make_contacts (server, ada, bob);

  /* Ada signs in with "stay signed in": her cache knows Bob. */
  session = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  g_assert_true (svc_test_sign_in (session, ada->email, PASSWORD, TRUE, &error));
  g_assert_no_error (error);
  g_assert_nonnull (svc_test_wait_contact (session, bob->email));
  uri = g_uri_parse (kithd_test_server_get_url (server), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  from = g_strdup_printf ("%s/%s_%d", dir, g_uri_get_host (uri), g_uri_get_port (uri));
  last = g_build_filename (from, "last-account", NULL);
  g_assert_true (kithd_test_wait_until (file_exists, last, 10000));
  svc_test_exit (session);
  g_object_unref (session);
  g_assert_true (g_file_test (last, G_FILE_TEST_EXISTS));
  {
    /* The store is closed (its write-ahead log merged) before copying. */
    g_autofree char *wal = g_strdup_printf ("%s/%" G_GINT64_FORMAT ".db-wal", from, ada->id);

    g_assert_true (kithd_test_wait_until (file_gone, wal, 10000));
  }

  /* The same account on a server that accepts connections and never
   * answers: Ada's cache copied there, her token in the keyring. */
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (listener, address, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  silent_url = g_strdup_printf ("http://127.0.0.1:%u", port);
  to = g_strdup_printf ("%s/127.0.0.1_%u", dir, port);
  copy_dir (from, to);
  token = kithd_test_server_log_in (server, ada->email, PASSWORD, "desktop");
  store_token (silent_url, ada->email, token);

  session = g_object_new (KITH_TYPE_SESSION, "server-url", silent_url, "data-dir", dir, NULL);
  g_signal_connect (session, "notify::from-cache", G_CALLBACK (on_from_cache), &seen);
  kith_session_restore_async (session, ada->email, NULL, store_slot, &result);
  g_assert_true (kithd_test_wait_until (cache_shown, &seen, 20000));
  g_assert_true (seen.was_signing_in);
  g_assert_true (seen.offline);
  g_assert_cmpuint (seen.shown, ==, 1);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNING_IN);
  g_assert_nonnull (kith_session_find_contact (session, bob->id));

  /* The server goes away: the restore fails and nothing stays shown. */
  g_socket_close (listener, &error);
  g_assert_no_error (error);
  g_assert_true (kithd_test_wait_until (slot_set, &result, 20000));
  g_assert_false (kith_session_finish (session, result.result, NULL));
  g_clear_object (&result.result);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  g_assert_false (kith_session_get_from_cache (session));
  g_assert_cmpuint (g_list_model_get_n_items (kith_session_get_contacts (session)), ==, 0);
  g_object_unref (session);

  /* Bob on the same machine: Ada's cache is not his. */
  memset (&seen, 0, sizeof seen);
  session = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  g_signal_connect (session, "notify::from-cache", G_CALLBACK (on_from_cache), &seen);
  g_assert_false (svc_test_restore (session, bob->email, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.shown, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (kith_session_get_contacts (session)), ==, 0);
  g_object_unref (session);
  /* …and Ada's start-up record is still there. */
  g_assert_true (g_file_test (last, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  svc_test_init (&argc, &argv);
  server = svc_test_server_start ();

  g_test_add_func ("/session/sign-in", test_sign_in);
  g_test_add_func ("/session/wrong-password", test_wrong_password);
  g_test_add_func ("/session/unknown-server", test_unknown_server);
  g_test_add_func ("/session/throttling", test_throttling);
  g_test_add_func ("/session/stay-signed-in", test_stay_signed_in);
  g_test_add_func ("/session/log-out-kills-token", test_log_out_kills_token);
  g_test_add_func ("/session/exit-shows-offline", test_exit_shows_offline);
  g_test_add_func ("/session/revoked-elsewhere", test_revoked_elsewhere);
  g_test_add_func ("/session/restore-shows-cache", test_restore_shows_cache);
  g_test_add_func ("/session/presence", test_presence);
  g_test_add_func ("/session/presence-mobile", test_presence_mobile);
  g_test_add_func ("/session/cli-never-idle", test_cli_never_idle);

  return svc_test_run (server);
}
