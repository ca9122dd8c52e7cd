/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestMessaging"

#include "config.h"

#include "service-test-util.h"

/* No message lost, none twice, none out of order: kithd killed or down,
 * the sender killed, messages typed offline, history after a restart. */

static KithdTestServer *server;

typedef struct {
  KithdTestUser *ada;
  KithdTestUser *bob;
  KithSession   *a;
  KithSession   *b;
  KithContact   *bob_for_ada;   /* borrowed */
  KithContact   *ada_for_bob;   /* borrowed */
  SvcInbox      *inbox;         /* what bob receives */
  char          *a_dir;
  char          *b_dir;
} Pair;

static void
pair_setup (Pair *p)
{
  p->ada = svc_test_sign_up (server, "ada");
  p->bob = svc_test_sign_up (server, "bob");
  kithd_test_server_make_contacts (server, p->ada, p->bob);
  p->a_dir = svc_test_make_dir ("ada");
  p->b_dir = svc_test_make_dir ("bob");
  p->a = svc_test_session_signed_in (server, p->ada, p->a_dir);
  p->b = svc_test_session_signed_in (server, p->bob, p->b_dir);
  p->inbox = svc_inbox_new (p->b);
  p->bob_for_ada = svc_test_wait_contact (p->a, p->bob->email);
  p->ada_for_bob = svc_test_wait_contact (p->b, p->ada->email);
}

static void
pair_teardown (Pair *p)
{
  if (p->a != NULL && kith_session_get_state (p->a) != KITH_SESSION_SIGNED_OUT)
    svc_test_exit (p->a);
  if (p->b != NULL && kith_session_get_state (p->b) != KITH_SESSION_SIGNED_OUT)
    svc_test_exit (p->b);
  if (p->b != NULL)
    g_signal_handlers_disconnect_by_data (p->b, p->inbox);
  g_clear_object (&p->a);
  g_clear_object (&p->b);
  g_clear_pointer (&p->inbox, svc_inbox_free);
  g_clear_pointer (&p->ada, kithd_test_user_free);
  g_clear_pointer (&p->bob, kithd_test_user_free);
  g_clear_pointer (&p->a_dir, g_free);
  g_clear_pointer (&p->b_dir, g_free);
}

static void
send_text (KithSession *session,
           KithContact *contact,
           const char  *text)
{
  kith_conversations_send_async (kith_session_get_conversations (session), contact, text, NULL,
                                 NULL, NULL);
}

static gboolean
outbox_empty (gpointer data)
{
  return kith_session_get_outbox_length (data) == 0;
}

/* Every "PREFIX i" for i in 1..n exactly once and in order, from @start. */
static void
assert_sequence (GPtrArray  *bodies,
                 guint       start,
                 const char *prefix,
                 guint       n)
{
  g_assert_cmpuint (bodies->len, >=, start + n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *expected = g_strdup_printf ("%s %u", prefix, i + 1);

    g_assert_cmpstr (g_ptr_array_index (bodies, start + i), ==, expected);
  }
}

static void
test_kithd_killed_mid_burst (void)
{
  Pair p = { 0 };

  pair_setup (&p);

  for (guint i = 1; i <= 1000; i++) {
    g_autofree char *text = g_strdup_printf ("burst %u", i);

    send_text (p.a, p.bob_for_ada, text);
  }
  g_assert_true (svc_inbox_wait (p.inbox, 100, 30000));
  kithd_test_server_kill9 (server);
  g_assert_cmpuint (p.inbox->bodies->len, <, 1000);
  kithd_test_server_restart (server);

  g_assert_true (svc_inbox_wait (p.inbox, 1000, 60000));
  g_assert_true (kithd_test_wait_until (outbox_empty, p.a, 10000));
  /* Nothing more comes (no duplicates late). */
  svc_test_run_for (300);
  g_assert_cmpuint (p.inbox->bodies->len, ==, 1000);
  assert_sequence (p.inbox->bodies, 0, "burst", 1000);

  pair_teardown (&p);
}

static void
test_sender_killed_mid_burst (void)
{
  Pair p = { 0 };
  g_autofree char *server_arg = g_strdup_printf ("--server=%s", kithd_test_server_get_url (server));
  g_autofree char *email_arg = NULL;
  g_autofree char *dir_arg = NULL;
  g_autoptr (SvcCli) first = NULL;
  g_autoptr (SvcCli) second = NULL;
  guint n;

  pair_setup (&p);
  /* Ada sends from kith-cli, with her own message store. */
  svc_test_exit (p.a);
  email_arg = g_strdup_printf ("--email=%s", p.ada->email);
  dir_arg = g_strdup_printf ("--data-dir=%s", p.a_dir);

  first = svc_cli_spawn (PASSWORD "\n", server_arg, email_arg, dir_arg, "--password-stdin",
                         "--count=400", "send", p.bob->email, "burst", NULL);
  g_assert_true (svc_cli_wait_line (first, "queued 150", 30000));
  svc_cli_kill9 (first);

  /* Started again, it sends what its outbox kept, then the new message. */
  second = svc_cli_spawn (PASSWORD "\n", server_arg, email_arg, dir_arg, "--password-stdin",
                          "send", p.bob->email, "after the crash", NULL);
  g_assert_cmpint (svc_cli_wait_exit (second, 60000), ==, 0);
  g_assert_true (strstr (svc_cli_get_output (second), "sent 1") != NULL);

  /* Bob got burst 1..n (n >= 150: all that was queued), then the new one. */
  g_assert_true (svc_inbox_wait (p.inbox, 151, 30000));
  svc_test_run_for (300);
  n = p.inbox->bodies->len - 1;
  g_assert_cmpuint (n, >=, 150);
  assert_sequence (p.inbox->bodies, 0, "burst", n);
  g_assert_cmpstr (g_ptr_array_index (p.inbox->bodies, n), ==, "after the crash");

  pair_teardown (&p);
}

static void
test_kithd_down_10s (void)
{
  Pair p = { 0 };

  pair_setup (&p);
  send_text (p.a, p.bob_for_ada, "before 1");
  g_assert_true (svc_inbox_wait (p.inbox, 1, 10000));

  kithd_test_server_stop (server);
  g_assert_true (svc_test_wait_state (p.a, KITH_SESSION_RECONNECTING, 5000));
  g_assert_true (svc_test_wait_state (p.b, KITH_SESSION_RECONNECTING, 5000));
  svc_test_run_for (10000);
  g_assert_cmpint (kith_session_get_state (p.a), ==, KITH_SESSION_RECONNECTING);
  kithd_test_server_restart (server);

  /* Both come back by themselves, quickly (the back-off is short here). */
  g_assert_true (svc_test_wait_state (p.a, KITH_SESSION_ONLINE, 5000));
  g_assert_true (svc_test_wait_state (p.b, KITH_SESSION_ONLINE, 5000));
  g_assert_true (svc_test_wait_presence (p.ada_for_bob, KITH_PRESENCE_ONLINE, 5000));

  send_text (p.a, p.bob_for_ada, "after 1");
  g_assert_true (svc_inbox_wait (p.inbox, 2, 10000));
  g_assert_cmpstr (g_ptr_array_index (p.inbox->bodies, 1), ==, "after 1");

  pair_teardown (&p);
}

static void
on_message_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KithMessage **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = kith_conversations_send_finish (KITH_CONVERSATIONS (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static gboolean
message_sent (gpointer data)
{
  return kith_message_get_state (data) == KITH_MESSAGE_SENT;
}

static void
test_offline_message (void)
{
  Pair p = { 0 };
  KithMessage *message = NULL;
  GListModel *conversation;

  pair_setup (&p);
  conversation = kith_conversations_get (kith_session_get_conversations (p.a), p.bob_for_ada);

  kithd_test_server_stop (server);
  g_assert_true (svc_test_wait_state (p.a, KITH_SESSION_RECONNECTING, 5000));

  kith_conversations_send_async (kith_session_get_conversations (p.a), p.bob_for_ada,
                                 "typed while offline", NULL, on_message_sent, &message);
  g_assert_true (kithd_test_wait_until (is_set, &message, 5000));
  g_assert_cmpint (kith_message_get_state (message), ==, KITH_MESSAGE_PENDING);
  g_assert_cmpuint (kith_session_get_outbox_length (p.a), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (conversation), ==, 1);
  svc_test_run_for (500);
  g_assert_cmpint (kith_message_get_state (message), ==, KITH_MESSAGE_PENDING);

  kithd_test_server_restart (server);
  g_assert_true (svc_inbox_wait (p.inbox, 1, 10000));
  g_assert_cmpstr (g_ptr_array_index (p.inbox->bodies, 0), ==, "typed while offline");
  g_assert_true (kithd_test_wait_until (message_sent, message, 5000));
  g_assert_cmpint (kith_message_get_seq (message), >, 0);
  g_assert_cmpuint (kith_session_get_outbox_length (p.a), ==, 0);

  g_object_unref (message);
  pair_teardown (&p);
}

typedef struct {
  GListModel *model;
  guint       n;
} WaitItems;

static gboolean
has_items (gpointer data)
{
  WaitItems *w = data;

  return g_list_model_get_n_items (w->model) >= w->n;
}

static void
test_history_survives_restart (void)
{
  Pair p = { 0 };
  GListModel *conversation;
  KithContact *ada;
  WaitItems w;

  pair_setup (&p);
  send_text (p.a, p.bob_for_ada, "one");
  send_text (p.a, p.bob_for_ada, "two");
  g_assert_true (svc_inbox_wait (p.inbox, 2, 10000));
  send_text (p.b, p.ada_for_bob, "three");
  conversation = kith_conversations_get (kith_session_get_conversations (p.a), p.bob_for_ada);
  w = (WaitItems) { conversation, 3 };
  g_assert_true (kithd_test_wait_until (has_items, &w, 10000));

  /* Bob's app quits, kithd restarts, Bob starts again from scratch. */
  svc_test_exit (p.b);
  g_signal_handlers_disconnect_by_data (p.b, p.inbox);
  g_clear_object (&p.b);
  kithd_test_server_stop (server);
  kithd_test_server_restart (server);

  p.b = svc_test_session_signed_in (server, p.bob, p.b_dir);
  ada = svc_test_wait_contact (p.b, p.ada->email);
  conversation = kith_conversations_get (kith_session_get_conversations (p.b), ada);
  w = (WaitItems) { conversation, 3 };
  g_assert_true (kithd_test_wait_until (has_items, &w, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (conversation), ==, 3);
  {
    g_autoptr (KithMessage) first = g_list_model_get_item (conversation, 0);
    g_autoptr (KithMessage) last = g_list_model_get_item (conversation, 2);

    g_assert_cmpstr (kith_message_get_body (first), ==, "one");
    g_assert_cmpint (kith_message_get_direction (first), ==, KITH_MESSAGE_INCOMING);
    g_assert_cmpstr (kith_message_get_body (last), ==, "three");
    g_assert_cmpint (kith_message_get_direction (last), ==, KITH_MESSAGE_OUTGOING);
    g_assert_nonnull (kith_message_get_sent_at (last));
  }

  pair_teardown (&p);
}

/* kithd refuses messages past a socket's rate, with when to try again:
 * the outbox holds them and sends them again, in order, none twice. */
static void
test_rate_limited_burst (void)
{
  KithdTestServer *saved = server;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = svc_test_make_dir ("conf");
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  const char *args[] = { "--config", conf, NULL };
  Pair p = { 0 };

  g_file_set_contents (conf, "[limits]\nmessages-per-second=20\nmessage-burst=30\n", -1, &error);
  g_assert_no_error (error);
  server = kithd_test_server_startv (args);
  pair_setup (&p);

  for (guint i = 1; i <= 100; i++) {
    g_autofree char *text = g_strdup_printf ("fast %u", i);

    send_text (p.a, p.bob_for_ada, text);
  }
  g_assert_true (svc_inbox_wait (p.inbox, 100, 60000));
  g_assert_true (kithd_test_wait_until (outbox_empty, p.a, 30000));
  assert_sequence (p.inbox->bodies, 0, "fast", 100);
  g_assert_cmpuint (p.inbox->bodies->len, ==, 100);
  g_assert_cmpint (kithd_test_server_db_count (server, "messages", NULL), ==, 100);

  pair_teardown (&p);
  kithd_test_server_free (server);
  server = saved;
}

/* kith-cli bot accepts a contact request and answers. */
static void
test_bot (void)
{
  g_autoptr (KithdTestUser) ada = svc_test_sign_up (server, "ada");
  g_autoptr (KithdTestUser) bot = svc_test_sign_up (server, "bot");
  g_autofree char *dir = svc_test_make_dir ("ada");
  g_autofree char *bot_dir = svc_test_make_dir ("bot");
  g_autofree char *server_arg = g_strdup_printf ("--server=%s", kithd_test_server_get_url (server));
  g_autofree char *email_arg = g_strdup_printf ("--email=%s", bot->email);
  g_autofree char *dir_arg = g_strdup_printf ("--data-dir=%s", bot_dir);
  g_autoptr (SvcCli) cli = NULL;
  g_autoptr (KithSession) a = NULL;
  g_autoptr (SvcInbox) inbox = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  KithContact *contact;

  cli = svc_cli_spawn (PASSWORD "\n", server_arg, email_arg, dir_arg, "--password-stdin",
                       "bot", NULL);
  g_assert_true (svc_cli_wait_line (cli, "ready", 20000));

  a = svc_test_session_signed_in (server, ada, dir);
  inbox = svc_inbox_new (a);
  kith_contact_list_add_async (kith_session_get_contact_list (a), bot->email, NULL, NULL, NULL);
  contact = svc_test_wait_contact (a, bot->email);
  g_assert_true (svc_test_wait_presence (contact, KITH_PRESENCE_ONLINE, 10000));
  g_assert_cmpint (kith_contact_get_state (contact), ==, KITH_CONTACT_ACCEPTED);

  send_text (a, contact, "hello bot");
  g_assert_true (svc_inbox_wait (inbox, 1, 10000));
  g_assert_cmpstr (g_ptr_array_index (inbox->bodies, 0), ==, "Echo: hello bot");
  g_assert_true (svc_cli_wait_line (cli, "message", 5000));

  svc_test_exit (a);
  g_signal_handlers_disconnect_by_data (a, inbox);
  svc_cli_terminate (cli);
}

int
main (int   argc,
      char *argv[])
{
  svc_test_init (&argc, &argv);
  server = svc_test_server_start ();

  g_test_add_func ("/messaging/kithd-killed-mid-burst", test_kithd_killed_mid_burst);
  g_test_add_func ("/messaging/sender-killed-mid-burst", test_sender_killed_mid_burst);
  g_test_add_func ("/messaging/kithd-down-10s", test_kithd_down_10s);
  g_test_add_func ("/messaging/offline-message", test_offline_message);
  g_test_add_func ("/messaging/history-survives-restart", test_history_survives_restart);
  g_test_add_func ("/messaging/bot", test_bot);
  g_test_add_func ("/messaging/rate-limited-burst", test_rate_limited_burst);

  return svc_test_run (server);
}
