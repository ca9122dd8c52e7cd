/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestKeyring"

#include "config.h"

#include <string.h>

#include "kith-credentials.h"
#include "service-test-util.h"

/*
 * The keyring missing or locked: signing in with "stay signed in" still
 * signs in and says why the session is not remembered; a restore falls back
 * to the login page with a sentence; Log out neither hangs nor complains.
 *
 * Each test runs in a subprocess on a private session bus (GTestDBus):
 * nothing on it at all, or a gnome-keyring-daemon of its own whose login
 * collection is locked, with no system prompter (the prompt cannot be
 * shown) or with one that never answers (a prompt nobody is there to type
 * into).
 */

typedef struct {
  SvcPrivateBus   *bus;
  KithdTestServer *server;
  KithdTestUser   *ada;
  char            *dir;
  GPtrArray       *keyring_errors;   /* GError, from keyring-error */
} Drill;

static void
on_keyring_error (KithSession *session,
                  GError      *error,
                  Drill       *drill)
{
  g_ptr_array_add (drill->keyring_errors, g_error_copy (error));
}

static void
drill_setup (Drill          *drill,
             SvcKeyringKind  kind)
{
  svc_test_init_env ();
  /* A prompt nobody answers: the keyring is given up on after 1 s. */
  g_setenv ("KITH_KEYRING_TIMEOUT_MS", "1000", TRUE);
  drill->bus = svc_private_bus_new (kind);
  drill->server = svc_test_server_start ();
  drill->ada = kithd_test_server_sign_up (drill->server, "ada@example.com", PASSWORD, "Ada", "Tester");
  drill->dir = svc_test_make_dir ("data");
  drill->keyring_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

static void
drill_teardown (Drill *drill)
{
  g_clear_pointer (&drill->ada, kithd_test_user_free);
  g_clear_pointer (&drill->server, kithd_test_server_free);
  g_clear_pointer (&drill->bus, svc_private_bus_free);
  g_clear_pointer (&drill->keyring_errors, g_ptr_array_unref);
  g_clear_pointer (&drill->dir, g_free);
  svc_test_cleanup ();
}

static KithSession *
drill_session (Drill *drill)
{
  KithSession *session = svc_test_session_new (drill->server, drill->dir, KITH_DEVICE_DESKTOP);

  g_signal_connect (session, "keyring-error", G_CALLBACK (on_keyring_error), drill);
  return session;
}

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

/* Ada's token in the keyring, as a stay-signed-in session left it. */
static void
store_token (Drill *drill)
{
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autofree char *token = kithd_test_server_log_in (drill->server, drill->ada->email, PASSWORD,
                                                     "desktop");
  g_autoptr (GError) error = NULL;
  Slot slot = { NULL };

  kith_credentials_store_async (credentials, kithd_test_server_get_url (drill->server),
                                drill->ada->email, token, NULL, store_slot, &slot);
  g_assert_true (kithd_test_wait_until (slot_set, &slot, 10000));
  g_assert_true (kith_credentials_store_finish (credentials, slot.result, &error));
  g_assert_no_error (error);
  g_object_unref (slot.result);
}

static gboolean
says (const char *message,
      const char *why)
{
  if (message != NULL && strstr (message, why) != NULL)
    return TRUE;
  g_printerr ("expected “%s” in “%s”\n", why, message ? message : "(null)");
  return FALSE;
}

/* Signs in with "stay signed in", then logs out, then tries a restore. */
static void
run_drill (Drill      *drill,
           const char *why)
{
  g_autoptr (KithSession) session = drill_session (drill);
  g_autoptr (KithSession) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *last = NULL;
  g_autoptr (GUri) uri = NULL;
  const GError *keyring_error;

  /* Signing in still works, for this run; the session says why it is not
   * remembered, once. */
  g_assert_true (svc_test_sign_in (session, drill->ada->email, PASSWORD, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  g_assert_false (kith_session_get_stay_signed_in (session));
  g_assert_cmpuint (drill->keyring_errors->len, ==, 1);
  keyring_error = g_ptr_array_index (drill->keyring_errors, 0);
  g_assert_error (keyring_error, KITH_ERROR, KITH_ERROR_KEYRING);
  g_assert_true (says (keyring_error->message, why));
  g_assert_true (says (keyring_error->message, "cannot keep you signed in"));

  /* Not remembered anywhere else either. */
  uri = g_uri_parse (kithd_test_server_get_url (drill->server), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  last = g_strdup_printf ("%s/%s_%d/last-account", drill->dir, g_uri_get_host (uri),
                          g_uri_get_port (uri));
  g_assert_false (g_file_test (last, G_FILE_TEST_EXISTS));

  /* Log out finishes (no hang) and says nothing more about the keyring. */
  svc_test_log_out (session);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_SIGNED_OUT);
  g_assert_cmpuint (drill->keyring_errors->len, ==, 1);

  /* At the next start, the restore falls back to the login page with the
   * reason, as its error. */
  again = drill_session (drill);
  g_assert_false (svc_test_restore (again, drill->ada->email, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_KEYRING);
  g_assert_true (says (error->message, why));
  g_assert_cmpint (kith_session_get_state (again), ==, KITH_SESSION_SIGNED_OUT);
  g_assert_cmpuint (drill->keyring_errors->len, ==, 1);
}

/* kith-cli says the same in a sentence: login signs in and warns; whoami
 * (a restore) fails with the reason. */
static void
run_cli_drill (Drill      *drill,
               const char *why)
{
  g_autofree char *server_arg = g_strdup_printf ("--server=%s", kithd_test_server_get_url (drill->server));
  g_autofree char *email_arg = g_strdup_printf ("--email=%s", drill->ada->email);
  g_autofree char *dir_arg = g_strdup_printf ("--data-dir=%s", drill->dir);
  g_autoptr (SvcCli) login = NULL;
  g_autoptr (SvcCli) whoami = NULL;

  login = svc_cli_spawn (PASSWORD "\n", server_arg, email_arg, dir_arg, "--password-stdin",
                         "--stay-signed-in", "login", NULL);
  g_assert_cmpint (svc_cli_wait_exit (login, 30000), ==, 0);
  g_assert_true (says (svc_cli_get_output (login), "signed in as "));
  g_assert_true (says (svc_cli_get_errors (login), why));

  whoami = svc_cli_spawn (NULL, server_arg, email_arg, dir_arg, "whoami", NULL);
  g_assert_cmpint (svc_cli_wait_exit (whoami, 30000), ==, 1);
  g_assert_cmpstr (svc_cli_get_output (whoami), ==, "");
  g_assert_true (says (svc_cli_get_errors (whoami), why));
  g_assert_true (g_str_has_suffix (svc_cli_get_errors (whoami), ".\n"));
}

#define NO_KEYRING "No keyring is running"
#define LOCKED "The keyring is locked"
#define NO_ANSWER "The keyring did not answer"

/* (a) No Secret Service on the session bus at all. */
static void
test_absent (void)
{
  Drill drill = { NULL };

  if (!svc_test_in_subprocess ())
    return;
  drill_setup (&drill, SVC_KEYRING_NONE);
  run_drill (&drill, NO_KEYRING);
  run_cli_drill (&drill, NO_KEYRING);
  drill_teardown (&drill);
}

/* (b) gnome-keyring running, its login collection locked, and no prompter
 * to ask for its password: the unlock fails at once. */
static void
test_locked (void)
{
  Drill drill = { NULL };

  if (!svc_test_in_subprocess ())
    return;
  drill_setup (&drill, SVC_KEYRING_GNOME);
  store_token (&drill);
  svc_private_bus_lock_keyring (drill.bus);
  run_drill (&drill, LOCKED);
  run_cli_drill (&drill, LOCKED);
  drill_teardown (&drill);
}

/* (b) again, with a prompter that shows the unlock prompt and never gets
 * an answer: nothing waits for it for ever. */
static void
test_locked_prompt_unanswered (void)
{
  Drill drill = { NULL };

  if (!svc_test_in_subprocess ())
    return;
  drill_setup (&drill, SVC_KEYRING_GNOME_STUCK);
  store_token (&drill);
  svc_private_bus_lock_keyring (drill.bus);
  run_drill (&drill, LOCKED);
  g_assert_cmpuint (svc_private_bus_get_prompts (drill.bus), >, 0);
  run_cli_drill (&drill, LOCKED);
  drill_teardown (&drill);
}

/* A keyring that takes calls and never answers them (a hung daemon):
 * nothing waits for it for ever either. */
static void
test_silent (void)
{
  Drill drill = { NULL };

  if (!svc_test_in_subprocess ())
    return;
  drill_setup (&drill, SVC_KEYRING_SILENT);
  run_drill (&drill, NO_ANSWER);
  run_cli_drill (&drill, NO_ANSWER);
  drill_teardown (&drill);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/keyring/absent", test_absent);
  g_test_add_func ("/keyring/locked", test_locked);
  g_test_add_func ("/keyring/locked-prompt-unanswered", test_locked_prompt_unanswered);
  g_test_add_func ("/keyring/silent", test_silent);

  return g_test_run ();
}
