/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestIncomingCall"

#include "config.h"

#include <adwaita.h>

#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-call-banner.h"
#include "kith-fake-notifications.h"
#include "kith-fake-watcher.h"
#include "kith-message-row.h"
#include "kith-tray-item.h"
#include "kith-tray-menu.h"
#include "kith-window.h"
#include "kithd-test-helper.h"
#include "service-test-util.h"

/*
 * A call rings in the real application (in this process, signed in to a
 * real kithd), placed by a real `kith-cli call` with test sources and
 * loopback media: the banner, the notification (a fake notification
 * server on the test's session bus, on the real org.freedesktop.Notifications
 * interface, which also clicks its buttons as a server would), the tray (a
 * fake StatusNotifierWatcher; the item's Status and menu read over D-Bus),
 * the ring tone (to a fakesink) and Do Not Disturb (GNOME's show-banners,
 * in memory); then answered, declined, or given up by the caller, which
 * leaves a "Missed call" row in the chat. Call event rows and the banner
 * are saved as screenshots.
 */

#define WAIT_MS 30000

static KithdTestServer *server;
static KithdTestUser *me;
static KithApplication *app;
static KithFakeWatcher *watcher;
static int test_status;

static KithFakeNotifications *notifications;

/* ---- the tray, as a host reads it ---- */

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Calls the tray as its host would, waiting on the main loop (the tray
 * answers from this thread's main context). */
static GVariant *
call_item (const char         *path,
           const char         *interface,
           const char         *method,
           GVariant           *parameters,
           const GVariantType *reply_type)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GVariant *reply;

  g_assert_cmpuint (watcher->items->len, >=, 1);
  g_dbus_connection_call (watcher->connection, g_ptr_array_index (watcher->items, 0),
                          path, interface, method, parameters, reply_type,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_call_done, &result);
  KITH_WAIT_FOR (result != NULL);
  reply = g_dbus_connection_call_finish (watcher->connection, result, &error);
  g_assert_no_error (error);
  return reply;
}

static char *
tray_status (void)
{
  g_autoptr (GVariant) reply = call_item (KITH_TRAY_ITEM_PATH, "org.freedesktop.DBus.Properties", "Get",
                                          g_variant_new ("(ss)", "org.kde.StatusNotifierItem", "Status"),
                                          G_VARIANT_TYPE ("(v)"));
  g_autoptr (GVariant) value = NULL;

  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

static gboolean
tray_status_is (const char *status)
{
  g_autofree char *now = tray_status ();

  return g_str_equal (now, status);
}

/* The labels of the menu's top level, "|" between them, "-" a separator. */
static char *
tray_menu_labels (GVariant **layout_out)
{
  const char *no_names[] = { NULL };
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GVariant) children = NULL;
  g_autoptr (GString) labels = g_string_new (NULL);

  reply = call_item (KITH_TRAY_MENU_PATH, "com.canonical.dbusmenu", "GetLayout",
                     g_variant_new ("(ii^as)", 0, 1, no_names), G_VARIANT_TYPE ("(u(ia{sv}av))"));
  g_variant_get (reply, "(u@(ia{sv}av))", NULL, &layout);
  children = g_variant_get_child_value (layout, 2);
  for (gsize i = 0; i < g_variant_n_children (children); i++) {
    g_autoptr (GVariant) boxed = g_variant_get_child_value (children, i);
    g_autoptr (GVariant) child = g_variant_get_variant (boxed);
    g_autoptr (GVariant) props = g_variant_get_child_value (child, 1);
    const char *label = NULL, *type = NULL;

    if (labels->len > 0)
      g_string_append_c (labels, '|');
    if (g_variant_lookup (props, "type", "&s", &type))
      g_string_append (labels, "-");
    else if (g_variant_lookup (props, "label", "&s", &label))
      g_string_append (labels, label);
  }
  if (layout_out != NULL)
    *layout_out = g_steal_pointer (&layout);
  return g_string_free (g_steal_pointer (&labels), FALSE);
}

static gboolean
tray_menu_starts_with (const char *prefix)
{
  g_autofree char *labels = tray_menu_labels (NULL);

  return g_str_has_prefix (labels, prefix);
}

/* Clicks the top-level menu item at @index. */
static void
click_tray_item (guint index)
{
  g_autoptr (GVariant) layout = NULL;
  g_autoptr (GVariant) children = NULL;
  g_autoptr (GVariant) boxed = NULL;
  g_autoptr (GVariant) child = NULL;
  g_autofree char *labels = tray_menu_labels (&layout);
  g_autoptr (GVariant) reply = NULL;
  gint32 id;

  children = g_variant_get_child_value (layout, 2);
  boxed = g_variant_get_child_value (children, index);
  child = g_variant_get_variant (boxed);
  g_variant_get_child (child, 0, "i", &id);
  reply = call_item (KITH_TRAY_MENU_PATH, "com.canonical.dbusmenu", "Event",
                     g_variant_new ("(isvu)", id, "clicked", g_variant_new_int32 (0), 0),
                     G_VARIANT_TYPE ("()"));
}

/* ---- the application ---- */

static KithWindow *
window (void)
{
  return kith_application_get_window (app);
}

static KithCallBanner *
banner (void)
{
  return KITH_CALL_BANNER (kith_test_find_by_type (GTK_WIDGET (window ()), KITH_TYPE_CALL_BANNER));
}

static gboolean
banner_shows (void)
{
  return banner () != NULL && kith_call_banner_get_revealed (banner ());
}

static KithCall *ringing_call;

static void
on_incoming_call (KithCallManager *calls,
                  KithCall        *call,
                  gpointer         user_data)
{
  g_set_object (&ringing_call, call);
}

typedef struct {
  KithdTestUser *user;
  SvcCli        *cli;
  char          *name;
} Caller;

/* A new account (@first Caller), a contact of the user, calling from
 * kith-cli; returns once the call rings here. */
static Caller *
caller_calls (const char *first,
              gboolean    video)
{
  static guint n;
  Caller *caller = g_new0 (Caller, 1);
  g_autofree char *email = g_strdup_printf ("%s%u@example.org", first, ++n);
  KithSession *session = kith_application_get_session (app);

  caller->user = kithd_test_server_sign_up (server, email, PASSWORD, first, "Caller");
  caller->name = g_strdup_printf ("%s Caller", first);
  kithd_test_server_make_contacts (server, me, caller->user);
  KITH_WAIT_FOR (kith_session_find_contact_by_email (session, email) != NULL);

  g_clear_object (&ringing_call);
  caller->cli = svc_cli_spawn_as (server, caller->user, "call", me->email, "--duration=4",
                                  video ? "--video" : NULL, NULL);
  KITH_WAIT_FOR_SECONDS (ringing_call != NULL &&
                         kith_call_get_state (ringing_call) == KITH_CALL_RINGING_IN, 60);
  return caller;
}

static void
caller_free (Caller *caller)
{
  svc_cli_free (caller->cli);
  kithd_test_user_free (caller->user);
  g_free (caller->name);
  g_free (caller);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Caller, caller_free)

static void
assert_cli_said (Caller     *caller,
                 const char *line)
{
  if (!svc_cli_wait_line (caller->cli, line, WAIT_MS))
    g_error ("kith-cli call did not say “%s”:\n%s%s", line, svc_cli_get_output (caller->cli),
             svc_cli_get_errors (caller->cli));
}

/* kith-cli call exits 0 only when the call was up and media flowed both ways. */
static void
assert_cli_succeeded (Caller *caller)
{
  int status = svc_cli_wait_exit (caller->cli, WAIT_MS);

  if (status != 0)
    g_error ("kith-cli call exited with %d:\n%s%s", status, svc_cli_get_output (caller->cli),
             svc_cli_get_errors (caller->cli));
}

static void
set_do_not_disturb (gboolean on)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = g_settings_schema_source_lookup (source, "org.gnome.desktop.notifications", TRUE);
  g_autoptr (GSettings) settings = NULL;

  g_assert_nonnull (schema);
  settings = g_settings_new_full (schema, NULL, NULL);
  g_settings_set_boolean (settings, "show-banners", !on);
}

/* Everything says a call rings from @caller; @ring: with the ring tone. */
static KithFakeNote *
assert_ringing (Caller   *caller,
                gboolean  ring)
{
  KithRinger *ringer = kith_application_get_ringer (app);
  g_autofree char *title = g_strdup_printf ("%s is calling", caller->name);
  g_autofree char *banner_title = g_strdup_printf ("%s is calling…", caller->name);
  g_autofree char *menu = g_strdup_printf ("Answer call from %s|Decline call|-|Open Kith", caller->name);
  KithFakeNote *note;

  /* The banner, with the caller's name and both buttons. */
  KITH_WAIT_FOR (banner_shows ());
  g_assert_nonnull (kith_test_find (GTK_WIDGET (banner ()), kith_test_match_visible_label, banner_title));
  g_assert_nonnull (kith_test_find (GTK_WIDGET (banner ()), kith_test_match_action, "call-banner.answer"));
  g_assert_nonnull (kith_test_find (GTK_WIDGET (banner ()), kith_test_match_action, "call-banner.decline"));

  /* The notification, with its buttons; urgent unless Do Not Disturb. */
  KITH_WAIT_FOR ((note = kith_fake_notifications_find (notifications, title, FALSE)) != NULL);
  g_assert_nonnull (kith_fake_note_action (note, "Answer"));
  g_assert_nonnull (kith_fake_note_action (note, "Decline"));
  g_assert_true (g_str_has_prefix (kith_fake_note_action (note, "Answer"), "app.answer-call"));
  g_assert_cmpuint (note->urgency, ==, ring ? 2 : 1);

  /* The tray needs attention, and offers to answer. */
  KITH_WAIT_FOR (tray_status_is ("NeedsAttention"));
  KITH_WAIT_FOR (tray_menu_starts_with (menu));

  /* The ring tone plays, or (Do Not Disturb) does not. */
  if (ring) {
    KITH_WAIT_FOR (kith_ringer_get_playing (ringer) && kith_ringer_get_buffers (ringer) > 10);
  } else {
    g_assert_false (kith_ringer_get_playing (ringer));
  }
  return note;
}

/* Nothing rings any more, anywhere. */
static void
assert_not_ringing (KithFakeNote *note)
{
  KITH_WAIT_FOR (!banner_shows ());
  KITH_WAIT_FOR (note->closed);
  KITH_WAIT_FOR (tray_status_is ("Active"));
  KITH_WAIT_FOR (tray_menu_starts_with ("Open Kith|"));
  g_assert_false (kith_ringer_get_playing (kith_application_get_ringer (app)));
}

/* ---- the tests ---- */

/* The notification's Answer, as a notification server sends it: the call
 * connects (the caller's kith-cli sees it active and media flowing both
 * ways), and nothing rings any more. */
static void
test_answer_from_notification (void)
{
  g_autoptr (Caller) caller = caller_calls ("Ada", FALSE);
  KithFakeNote *note = assert_ringing (caller, TRUE);

  kith_test_settle (GTK_WIDGET (window ()));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "incoming-call-banner.png"));

  kith_fake_notifications_click (notifications, note, "Answer");
  assert_cli_said (caller, "call active");
  assert_not_ringing (note);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window ())));
  /* kith-cli hangs up after four seconds, and succeeds only if media
   * flowed both ways. */
  assert_cli_succeeded (caller);
}

/* The tray's "Answer call from NAME" answers too. */
static void
test_answer_from_tray (void)
{
  g_autoptr (Caller) caller = caller_calls ("Cy", FALSE);
  KithFakeNote *note = assert_ringing (caller, TRUE);

  click_tray_item (0);
  assert_cli_said (caller, "call active");
  assert_not_ringing (note);
  assert_cli_succeeded (caller);
}

/* The banner's Decline: the call ends declined here and at the caller. */
static void
test_decline_from_banner (void)
{
  g_autoptr (Caller) caller = caller_calls ("Bo", TRUE);
  g_autoptr (KithCall) call = NULL;
  KithFakeNote *note = assert_ringing (caller, TRUE);
  GtkWidget *button;

  g_assert_nonnull (kith_test_find (GTK_WIDGET (banner ()), kith_test_match_visible_label, "Video call"));
  call = g_object_ref (ringing_call);
  button = kith_test_find (GTK_WIDGET (banner ()), kith_test_match_action, "call-banner.decline");
  g_assert_true (gtk_widget_get_focusable (button));
  g_signal_emit_by_name (button, "clicked");

  KITH_WAIT_FOR (kith_call_get_state (call) == KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_DECLINED);
  assert_cli_said (caller, "call ended declined");
  assert_not_ringing (note);
  g_assert_cmpint (svc_cli_wait_exit (caller->cli, WAIT_MS), !=, 0);
}

/* Under Do Not Disturb it still rings (banner, tray, a notification
 * without a banner of its own), silently. The caller gives up: nothing
 * rings, a "Missed call from NAME" notification says so, and the chat
 * has a "Missed call" line. */
static void
test_caller_gives_up (void)
{
  g_autoptr (Caller) caller = NULL;
  g_autofree char *missed_title = NULL;
  KithContact *contact;
  KithFakeNote *note, *missed;
  GtkWidget *row, *line;

  set_do_not_disturb (TRUE);
  caller = caller_calls ("Di", FALSE);
  note = assert_ringing (caller, FALSE);

  svc_cli_terminate (caller->cli);
  assert_not_ringing (note);
  set_do_not_disturb (FALSE);

  missed_title = g_strdup_printf ("Missed call from %s", caller->name);
  KITH_WAIT_FOR ((missed = kith_fake_notifications_find (notifications, missed_title, FALSE)) != NULL);
  g_assert_cmpstr (missed->body, ==, "Audio call");
  g_assert_cmpuint (g_strv_length (missed->actions), ==, 2);   /* the default action only */

  contact = kith_session_find_contact_by_email (kith_application_get_session (app), caller->user->email);
  kith_window_open_chat (window (), contact);
  KITH_WAIT_FOR ((row = kith_test_find (GTK_WIDGET (window ()), kith_test_match_visible_label, "Missed call")) != NULL);
  line = gtk_widget_get_ancestor (row, GTK_TYPE_BOX);
  g_assert_true (gtk_widget_has_css_class (line, "kith-call-event"));
  g_assert_true (gtk_widget_has_css_class (line, "missed"));
}

/* ---- call event rows ---- */

static KithMessage *
call_event (KithMessageDirection  direction,
            const char           *outcome,
            gboolean              video,
            gint64                duration)
{
  static guint n;
  g_autofree char *id = g_strdup_printf ("call:%u", ++n);
  g_autoptr (KithCallInfo) info = kith_call_info_new ();
  g_autoptr (GDateTime) at = g_date_time_new_local (2026, 3, 2, 14, 5, 0);
  KithMessage *message;

  info->video = video;
  info->outcome = g_strdup (outcome);
  info->duration = duration;
  message = kith_message_new (id, direction, 7, "(the English body)", g_date_time_to_unix (at) * 1000,
                              n, KITH_MESSAGE_SENT);
  kith_message_set_kind (message, KITH_MESSAGE_KIND_CALL, info);
  return message;
}

/* Each outcome and direction as a person reads it, in a line of its own
 * (not a bubble), with the time, and a screen reader's label. */
static void
test_event_rows (void)
{
  static const struct {
    KithMessageDirection  direction;
    const char           *outcome;
    gboolean              video;
    gint64                duration;
    const char           *text;
  } cases[] = {
    { KITH_MESSAGE_INCOMING, "missed", FALSE, 0, "Missed call" },
    { KITH_MESSAGE_INCOMING, "missed", TRUE, 0, "Missed video call" },
    { KITH_MESSAGE_OUTGOING, "missed", FALSE, 0, "No answer" },
    { KITH_MESSAGE_OUTGOING, "ended", TRUE, 252, "Video call, 4:12" },
    { KITH_MESSAGE_INCOMING, "ended", FALSE, 42, "Audio call, 0:42" },
    { KITH_MESSAGE_OUTGOING, "ended", FALSE, 3723, "Audio call, 1:02:03" },
    { KITH_MESSAGE_INCOMING, "declined", FALSE, 0, "Declined call" },
    { KITH_MESSAGE_OUTGOING, "declined", FALSE, 0, "Call declined" },
    { KITH_MESSAGE_OUTGOING, "busy", FALSE, 0, "Busy" },
    { KITH_MESSAGE_INCOMING, "unreachable", FALSE, 0, "Missed call (offline)" },
    { KITH_MESSAGE_INCOMING, "something-new", FALSE, 0, "Missed call" },
  };
  GtkWidget *shown = adw_window_new ();
  GtkWidget *list = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_autoptr (KithMessage) text = kith_message_new ("t1", KITH_MESSAGE_INCOMING, 7, "A text between them",
                                                   1700000000000, 99, KITH_MESSAGE_SENT);
  GtkWidget *text_row = kith_message_row_new ();
  GtkWidget *rows[G_N_ELEMENTS (cases)];

  gtk_window_set_default_size (GTK_WINDOW (shown), 420, -1);
  adw_window_set_content (ADW_WINDOW (shown), list);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (KithMessage) message = call_event (cases[i].direction, cases[i].outcome,
                                                  cases[i].video, cases[i].duration);
    GtkWidget *row = rows[i] = kith_message_row_new ();

    /* A row that showed a text before, as the list view recycles them. */
    kith_message_row_set_message (KITH_MESSAGE_ROW (row), text, "Ada Lovelace");
    kith_message_row_set_message (KITH_MESSAGE_ROW (row), message, "Ada Lovelace");
    gtk_box_append (GTK_BOX (list), row);
    if (i == 3) {
      kith_message_row_set_message (KITH_MESSAGE_ROW (text_row), message, "Ada Lovelace");
      gtk_box_append (GTK_BOX (list), text_row);
    }
  }
  /* A row that showed a call event shows a text again. */
  kith_message_row_set_message (KITH_MESSAGE_ROW (text_row), text, "Ada Lovelace");

  gtk_window_present (GTK_WINDOW (shown));
  KITH_WAIT_FOR (gtk_widget_get_mapped (shown));
  kith_test_settle (shown);
  g_free (kith_test_save_screenshot (shown, "call-event-rows.png"));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_assert_nonnull (kith_test_find (rows[i], kith_test_match_visible_label, cases[i].text));
    g_assert_nonnull (kith_test_find (rows[i], kith_test_match_visible_label, "14:05"));
    /* No bubble: neither the body (English, for old clients) nor the
     * text the row showed before. */
    g_assert_null (kith_test_find (rows[i], kith_test_match_visible_label, "(the English body)"));
    g_assert_null (kith_test_find (rows[i], kith_test_match_visible_label, "A text between them"));
  }
  g_assert_nonnull (kith_test_find (text_row, kith_test_match_visible_label, "A text between them"));
  g_assert_null (kith_test_find (text_row, kith_test_match_visible_label, "14:05"));
  gtk_window_destroy (GTK_WINDOW (shown));
}

/* ---- main ---- */

static void
on_ready (void)
{
  KithSession *session = kith_application_get_session (app);
  g_autoptr (GError) error = NULL;

  g_signal_connect (kith_session_get_calls (session), "incoming-call", G_CALLBACK (on_incoming_call), NULL);
  g_assert_true (svc_test_sign_in (session, me->email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  KITH_WAIT_FOR (g_strcmp0 (kith_window_get_page (window ()), "main") == 0);
  KITH_WAIT_FOR (kith_application_get_tray (app) != NULL && watcher->items->len == 1);
  KITH_WAIT_FOR (tray_status_is ("Active"));
}

static void
test_setup (void)
{
  KITH_WAIT_FOR (notifications->service.owned);
  on_ready ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GDBusConnection) notifications_bus = NULL;

  kith_test_init (&argc, &argv);
  svc_test_init_call_env ();
  g_setenv ("KITH_RINGSINK", "fakesink sync=true", TRUE);

  server = kithd_test_server_startv (NULL);
  g_setenv ("KITH_SERVER_URL", kithd_test_server_get_url (server), TRUE);
  me = kithd_test_server_sign_up (server, "me@example.org", PASSWORD, "Grace", "Hopper");

  watcher = kith_fake_watcher_new (TRUE);
  notifications_bus = kith_test_new_bus_connection ();
  notifications = kith_fake_notifications_new (notifications_bus);

  g_test_add_func ("/incoming-call/setup", test_setup);
  g_test_add_func ("/incoming-call/event-rows", test_event_rows);
  g_test_add_func ("/incoming-call/answer-from-notification", test_answer_from_notification);
  g_test_add_func ("/incoming-call/answer-from-tray", test_answer_from_tray);
  g_test_add_func ("/incoming-call/decline-from-banner", test_decline_from_banner);
  g_test_add_func ("/incoming-call/caller-gives-up", test_caller_gives_up);

  test_status = kith_test_run_in_new_application (&app, "test-incoming-call");

  g_clear_object (&ringing_call);
  kith_fake_notifications_free (notifications);
  kith_fake_watcher_free (watcher);
  kithd_test_user_free (me);
  kithd_test_server_free (server);
  svc_test_cleanup ();
  return test_status;
}
