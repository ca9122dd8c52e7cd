/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCallView"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <adwaita.h>

#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-call-view.h"
#include "kith-chat-view.h"
#include "kith-fake-notifications.h"
#include "kith-fake-watcher.h"
#include "kith-tray.h"
#include "kith-window.h"
#include "kithd-test-helper.h"
#include "service-test-util.h"

/*
 * Calls in the real application window (docs/desktop.md, "Calls"): Ada
 * signs in to Kith and calls a real `kith-cli bot` (the callee, which
 * answers with a test tone and pattern) through a real kithd, from the
 * chat header's buttons; both ends run real pipelines with test sources
 * and fake sinks, media on loopback. The desktop's parts are fakes on the
 * test's bus: the tray's watcher (so that closing the window hides it) and
 * org.gnome.SessionManager (which GtkApplication asks to inhibit idle and
 * suspend), answering on a thread of its own: GTK's Inhibit call waits on
 * the main thread.
 */

/* Media waits: a busy 2-core machine sets calls up in seconds. */
#define WAIT_SECONDS 60

static KithdTestServer *server;
static KithApplication *app;
static KithdTestUser *ada;
static KithdTestUser *bot_user;
static KithdTestUser *olga;   /* a contact who is never online */
static KithdTestUser *echo_user;   /* "Echo Test": the bot sends back what it got, 2 s later */
static SvcCli *bot;

/* ---- a fake org.gnome.SessionManager on a thread ---- */

static const char session_manager_xml[] =
  "<node>"
  "  <interface name='org.gnome.SessionManager'>"
  "    <method name='Inhibit'>"
  "      <arg type='s' name='app_id' direction='in'/>"
  "      <arg type='u' name='toplevel_xid' direction='in'/>"
  "      <arg type='s' name='reason' direction='in'/>"
  "      <arg type='u' name='flags' direction='in'/>"
  "      <arg type='u' name='inhibit_cookie' direction='out'/>"
  "    </method>"
  "    <method name='Uninhibit'>"
  "      <arg type='u' name='inhibit_cookie' direction='in'/>"
  "    </method>"
  "    <method name='IsInhibited'>"
  "      <arg type='u' name='flags' direction='in'/>"
  "      <arg type='b' name='is_inhibited' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct {
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  KithFakeService  service;
  GMutex           lock;
  gboolean         ready;
  /* Under lock: */
  guint            next_cookie;
  GHashTable      *inhibitors;   /* cookie → flags, while inhibited */
  char            *last_reason;
} FakeSessionManager;

static FakeSessionManager sm;

static void
on_session_manager_call (GDBusConnection       *connection,
                         const char            *sender,
                         const char            *path,
                         const char            *interface,
                         const char            *method,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  FakeSessionManager *fake = user_data;
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  if (g_str_equal (method, "Inhibit")) {
    const char *app_id, *reason;
    guint xid, flags, cookie;

    g_variant_get (parameters, "(&su&su)", &app_id, &xid, &reason, &flags);
    cookie = ++fake->next_cookie;
    g_hash_table_insert (fake->inhibitors, GUINT_TO_POINTER (cookie), GUINT_TO_POINTER (flags));
    g_free (fake->last_reason);
    fake->last_reason = g_strdup (reason);
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", cookie));
  } else if (g_str_equal (method, "Uninhibit")) {
    guint cookie;

    g_variant_get (parameters, "(u)", &cookie);
    g_hash_table_remove (fake->inhibitors, GUINT_TO_POINTER (cookie));
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else {
    guint flags;
    gboolean inhibited = FALSE;
    GHashTableIter iter;
    gpointer value;

    g_variant_get (parameters, "(u)", &flags);
    g_hash_table_iter_init (&iter, fake->inhibitors);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      inhibited |= (GPOINTER_TO_UINT (value) & flags) != 0;
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", inhibited));
  }
}

static const GDBusInterfaceVTable session_manager_vtable = { on_session_manager_call, NULL, NULL };

static gpointer
session_manager_thread (gpointer data)
{
  FakeSessionManager *fake = data;
  g_autoptr (GDBusConnection) connection = NULL;

  g_main_context_push_thread_default (fake->context);
  connection = kith_test_new_bus_connection ();
  kith_fake_service_start (&fake->service, connection, session_manager_xml,
                           "/org/gnome/SessionManager", "org.gnome.SessionManager",
                           &session_manager_vtable, fake);
  while (!fake->service.owned)
    g_main_context_iteration (fake->context, TRUE);
  g_atomic_int_set (&fake->ready, TRUE);
  g_main_loop_run (fake->loop);
  kith_fake_service_stop (&fake->service);
  g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

static void
session_manager_start (void)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_mutex_init (&sm.lock);
  sm.inhibitors = g_hash_table_new (NULL, NULL);
  sm.context = g_main_context_new ();
  sm.loop = g_main_loop_new (sm.context, FALSE);
  sm.thread = g_thread_new ("fake-session-manager", session_manager_thread, &sm);
  /* Before the application starts, which looks for it then: polled. */
  while (!g_atomic_int_get (&sm.ready)) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (1000);
  }
}

static void
session_manager_stop (void)
{
  g_main_loop_quit (sm.loop);
  g_thread_join (sm.thread);
  g_main_loop_unref (sm.loop);
  g_main_context_unref (sm.context);
  g_hash_table_unref (sm.inhibitors);
  g_free (sm.last_reason);
  g_mutex_clear (&sm.lock);
}

/* The flags of every inhibitor the session manager holds for us, or'ed. */
static guint
inhibited_flags (void)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&sm.lock);
  GHashTableIter iter;
  gpointer value;
  guint flags = 0;

  g_hash_table_iter_init (&iter, sm.inhibitors);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    flags |= GPOINTER_TO_UINT (value);
  return flags;
}

static char *
inhibit_reason (void)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&sm.lock);

  return g_strdup (sm.last_reason);
}

/* ---- the window ---- */

static KithWindow *
window (void)
{
  return kith_application_get_window (app);
}

static KithSession *
session (void)
{
  return kith_application_get_session (app);
}

static gboolean
page_is (const char *name)
{
  return g_strcmp0 (kith_window_get_page (window ()), name) == 0;
}

static GtkWidget *
find (const char *id)
{
  GtkWidget *widget = kith_test_find_by_id (GTK_WIDGET (window ()), id);

  g_assert_nonnull (widget);
  return widget;
}

static KithCallView *
call_view (void)
{
  GtkWidget *view = kith_window_get_call_view (window ());

  g_assert_nonnull (view);
  return KITH_CALL_VIEW (view);
}

static GtkWidget *
view_child (const char *id)
{
  GtkWidget *widget = kith_test_find_by_id (GTK_WIDGET (call_view ()), id);

  g_assert_nonnull (widget);
  return widget;
}

static gboolean
shown (GtkWidget *widget)
{
  return gtk_widget_is_visible (widget) && gtk_widget_get_mapped (widget);
}

static void
click (GtkWidget *button)
{
  g_assert_true (shown (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static KithContact *
contact (KithdTestUser *user)
{
  KithContact *found = NULL;

  KITH_WAIT_FOR ((found = kith_session_find_contact_by_email (session (), user->email)) != NULL);
  return found;
}

static KithCall *
current_call (void)
{
  return kith_call_manager_get_current (kith_session_get_calls (session ()));
}

static void
sign_in (void)
{
  g_autoptr (GError) error = NULL;

  if (kith_session_get_state (session ()) == KITH_SESSION_ONLINE)
    return;
  g_assert_true (svc_test_sign_in (session (), ada->email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  KITH_WAIT_FOR (page_is ("main"));
}

static void
open_chat (KithdTestUser *user)
{
  kith_window_open_chat (window (), contact (user));
  KITH_WAIT_FOR (kith_window_get_chat_contact (window ()) == contact (user) &&
                 shown (find ("audio_call_button")));
}

static const char *
tooltip (const char *id)
{
  return gtk_widget_get_tooltip_text (find (id));
}

/* The texture the picture shows now (NULL: none yet). */
static GdkPaintable *
paintable (GtkWidget *picture)
{
  return gtk_picture_get_paintable (GTK_PICTURE (picture));
}

/* How many calls the bot has seen end as @how. */
static guint
bot_calls_ended (const char *how)
{
  g_autofree char *line = g_strdup_printf ("call ended %s\n", how);
  const char *at = svc_cli_get_output (bot);
  guint n = 0;

  while ((at = strstr (at, line)) != NULL) {
    n++;
    at += strlen (line);
  }
  return n;
}

/* Waits for the bot to have seen @n calls end as @how; on a timeout, says
 * what the bot printed and whether it is still running. */
static void
wait_bot_calls_ended (const char *how,
                      guint       n)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (20, kith_test_tick, NULL);

  while (bot_calls_ended (how) != n) {
    if (g_get_monotonic_time () > deadline)
      g_error ("Timed out waiting for the bot to see %u calls end as %s; the bot (%s) printed:\n%s\n"
               "and on stderr:\n%s", n, how, svc_cli_get_pid (bot) != 0 ? "running" : "exited",
               svc_cli_get_output (bot), svc_cli_get_errors (bot));
    g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (tick);
}

static gboolean
status_is_duration (guint *seconds)
{
  const char *text = kith_call_view_get_status_text (call_view ());
  guint minutes = 0, secs = 0;
  char end;

  if (sscanf (text, "%u:%u%c", &minutes, &secs, &end) != 2)
    return FALSE;
  *seconds = minutes * 60 + secs;
  return TRUE;
}

/* A video call to @user placed with the chat header's button: the call
 * page shows it. */
static KithCall *
place_video_call (KithdTestUser *user)
{
  open_chat (user);
  KITH_WAIT_FOR (gtk_widget_is_sensitive (find ("video_call_button")));
  click (find ("video_call_button"));
  KITH_WAIT_FOR (page_is ("call"));
  return g_object_ref (kith_call_view_get_call (call_view ()));
}

/* ---- the tests ---- */

/* Offline or not a contact: the buttons are there, insensitive, and say
 * why; online: they start calls. */
static void
test_buttons (void)
{
  g_autofree char *offline = NULL;

  sign_in ();

  open_chat (olga);
  offline = g_strdup_printf ("%s is offline", kith_contact_get_display_name (contact (olga)));
  g_assert_false (gtk_widget_is_sensitive (find ("audio_call_button")));
  g_assert_false (gtk_widget_is_sensitive (find ("video_call_button")));
  g_assert_cmpstr (tooltip ("audio_call_button"), ==, offline);
  g_assert_cmpstr (tooltip ("video_call_button"), ==, offline);

  open_chat (bot_user);
  KITH_WAIT_FOR (gtk_widget_is_sensitive (find ("video_call_button")));
  g_assert_true (gtk_widget_is_sensitive (find ("audio_call_button")));
  g_assert_cmpstr (tooltip ("audio_call_button"), ==, "Start Audio Call");
  g_assert_cmpstr (tooltip ("video_call_button"), ==, "Start Video Call");
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (find ("audio_call_button"))), ==, "call-start-symbolic");
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (find ("video_call_button"))), ==, "camera-video-symbolic");
}

/* A video call from the chat header to the bot: the call page with the
 * bot's video, the duration ticking, mute and camera reaching the call,
 * the session inhibited; hang-up shows the end, then the chat again. */
static void
test_video_call (void)
{
  g_autoptr (KithCall) call = NULL;
  g_autofree char *reason = NULL;
  GdkPaintable *first = NULL;
  GtkWidget *picture, *self_picture;
  guint started = 0, seconds = 0;

  sign_in ();
  call = place_video_call (bot_user);
  g_assert_true (call == current_call ());
  g_assert_true (kith_call_get_video (call));
  g_assert_true (kith_call_get_peer (call) == contact (bot_user));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (view_child ("name_label"))), ==,
                   kith_contact_get_display_name (contact (bot_user)));
  /* Placing: "Calling…" (or already "Connecting…", the bot is quick). */
  g_assert_true (kith_call_get_state (call) == KITH_CALL_RINGING_OUT ?
                 g_str_equal (kith_call_view_get_status_text (call_view ()), "Calling…") :
                 g_str_equal (kith_call_view_get_status_text (call_view ()), "Connecting…") ||
                 kith_call_get_state (call) == KITH_CALL_ACTIVE);
  /* A call at a time: the chat's buttons say so. */
  g_assert_false (gtk_widget_is_sensitive (find ("video_call_button")));
  g_assert_cmpstr (tooltip ("audio_call_button"), ==, "You are already in a call");

  KITH_WAIT_FOR_SECONDS (kith_call_get_state (call) == KITH_CALL_ACTIVE, WAIT_SECONDS);
  g_assert_true (status_is_duration (&started));

  /* The bot's pattern fills the view, frame after frame. */
  picture = GTK_WIDGET (kith_call_view_get_picture (call_view ()));
  KITH_WAIT_FOR_SECONDS ((first = paintable (picture)) != NULL, WAIT_SECONDS);
  g_assert_true (GDK_IS_TEXTURE (first));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (first), >, 0);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (first), >, 0);
  KITH_WAIT_FOR (shown (picture));
  g_object_ref (first);
  KITH_WAIT_FOR (paintable (picture) != NULL && paintable (picture) != first);
  g_object_unref (first);
  g_assert_false (gtk_widget_get_visible (view_child ("avatar")));

  /* Our camera in the corner. */
  self_picture = GTK_WIDGET (kith_call_view_get_self_picture (call_view ()));
  KITH_WAIT_FOR (shown (self_picture) && paintable (self_picture) != NULL);

  /* The duration counts up. */
  KITH_WAIT_FOR_SECONDS (status_is_duration (&seconds) && seconds >= started + 2, WAIT_SECONDS);
  g_assert_cmpuint (seconds, <=, kith_call_get_duration (call));

  /* The session does not idle or suspend during the call. */
  KITH_WAIT_FOR (inhibited_flags () == (GTK_APPLICATION_INHIBIT_IDLE | GTK_APPLICATION_INHIBIT_SUSPEND));
  reason = inhibit_reason ();
  g_assert_cmpstr (reason, ==, "In a call");

  kith_test_settle (GTK_WIDGET (window ()));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "call-view-video.png"));

  /* Mute, by the button and by the key's action. */
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (view_child ("mute_button"))), ==,
                   "audio-input-microphone-symbolic");
  click (view_child ("mute_button"));
  g_assert_true (kith_call_get_muted (call));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (view_child ("mute_button"))), ==,
                   "microphone-disabled-symbolic");
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (view_child ("mute_button"))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (call_view ()), "call.toggle-mute", NULL));
  g_assert_false (kith_call_get_muted (call));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (view_child ("mute_button"))));

  /* The camera off: the preview goes; on again, it comes back. */
  click (view_child ("camera_button"));
  g_assert_false (kith_call_get_camera (call));
  g_assert_false (gtk_widget_get_visible (self_picture));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (view_child ("camera_button"))), ==,
                   "camera-disabled-symbolic");
  kith_test_settle (GTK_WIDGET (window ()));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "call-view-video-muted.png"));
  click (view_child ("camera_button"));
  g_assert_true (kith_call_get_camera (call));
  KITH_WAIT_FOR (shown (self_picture) && paintable (self_picture) != NULL);

  /* Escape is the window's "back"; it never ends a call. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.hide-account", NULL);
  g_assert_true (page_is ("call"));
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_ACTIVE);

  /* Hang up: the end is said, then back to the chat, uninhibited. */
  click (view_child ("hang_up_button"));
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_ENDED);
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_HUNG_UP);
  g_assert_true (page_is ("call"));
  g_assert_cmpstr (kith_call_view_get_status_text (call_view ()), ==, "Call ended");
  g_assert_true (shown (view_child ("close_button")));
  g_assert_false (gtk_widget_get_visible (view_child ("hang_up_button")));
  KITH_WAIT_FOR (page_is ("main"));
  g_assert_true (kith_window_get_chat_contact (window ()) == contact (bot_user));
  KITH_WAIT_FOR (inhibited_flags () == 0);
  wait_bot_calls_ended ("hung-up", 1);
  KITH_WAIT_FOR (gtk_widget_is_sensitive (find ("video_call_button")));
}

/* The bar over the chats: revealed, and its label ("In a call with
 * NAME · 1:23") with the duration in @seconds. */
static gboolean
call_bar_says_duration (guint *seconds)
{
  GtkWidget *bar = find ("call_bar");
  g_autofree char *prefix = g_strdup_printf ("In a call with %s · ",
                                             kith_contact_get_display_name (contact (bot_user)));
  const char *text = gtk_label_get_label (GTK_LABEL (find ("call_bar_label")));
  guint minutes = 0, secs = 0;
  char end;

  if (!gtk_revealer_get_reveal_child (GTK_REVEALER (bar)) || !shown (find ("call_bar_button")) ||
      !g_str_has_prefix (text, prefix) ||
      sscanf (text + strlen (prefix), "%u:%u%c", &minutes, &secs, &end) != 2)
    return FALSE;
  *seconds = minutes * 60 + secs;
  return TRUE;
}

static gboolean
call_bar_hidden (void)
{
  return !gtk_revealer_get_reveal_child (GTK_REVEALER (find ("call_bar"))) &&
         !gtk_widget_get_mapped (find ("call_bar_button"));
}

/* Back to the chats during a call (the view's back button): the main page
 * with a bar that says the call goes on, counting; a message sent in a
 * chat meanwhile; the bar leads back to the same call view, its video
 * still coming. A chat opened from a message notification during the call
 * shows the chats with the bar; the call ended out of sight takes the bar
 * away and leaves the chats as they are. */
static void
test_back_to_chats (void)
{
  g_autoptr (KithCall) call = NULL;
  g_autofree char *text = NULL;
  GtkWidget *view, *picture, *composer;
  GdkPaintable *frame;
  guint seconds = 0, later = 0;

  sign_in ();
  call = place_video_call (bot_user);
  view = GTK_WIDGET (call_view ());
  picture = GTK_WIDGET (kith_call_view_get_picture (call_view ()));
  KITH_WAIT_FOR_SECONDS (kith_call_get_state (call) == KITH_CALL_ACTIVE && paintable (picture) != NULL,
                         WAIT_SECONDS);
  g_assert_true (call_bar_hidden ());

  /* Back: the chats, the bar counting the call's time, the focus on it. */
  g_assert_cmpstr (gtk_widget_get_tooltip_text (view_child ("back_button")), ==, "Back to Chats");
  click (view_child ("back_button"));
  g_assert_true (page_is ("main"));
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_ACTIVE);
  g_assert_true (kith_window_get_chat_contact (window ()) == contact (bot_user));
  KITH_WAIT_FOR (call_bar_says_duration (&seconds));
  g_assert_true (gtk_widget_has_css_class (find ("call_bar_button"), "kith-call-bar"));
  g_assert_true (gtk_widget_has_focus (find ("call_bar_button")));
  KITH_WAIT_FOR_SECONDS (call_bar_says_duration (&later) && later >= seconds + 2, WAIT_SECONDS);
  KITH_WAIT_FOR (inhibited_flags () != 0);

  /* Hidden a while (as in the tray), shown again: the bar counts on. */
  gtk_widget_set_visible (GTK_WIDGET (window ()), FALSE);
  seconds = kith_call_get_duration (call);
  KITH_WAIT_FOR_SECONDS (kith_call_get_duration (call) >= seconds + 2, WAIT_SECONDS);
  gtk_window_present (GTK_WINDOW (window ()));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window ())));
  g_assert_true (call_bar_says_duration (&later));
  g_assert_cmpuint (later, >=, seconds + 2);
  KITH_WAIT_FOR (gtk_window_is_active (GTK_WINDOW (window ())));

  /* A message to Olga meanwhile, typed and sent as ever. */
  open_chat (olga);
  composer = find ("composer");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (composer)), "Back in a minute", -1);
  click (find ("send_button"));
  KITH_WAIT_FOR (kith_test_find (GTK_WIDGET (window ()), kith_test_match_visible_label,
                                 "Back in a minute") != NULL);
  g_assert_true (call_bar_says_duration (&seconds));
  kith_test_settle (GTK_WIDGET (window ()));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "call-bar.png"));

  /* The bar (a button: Tab reaches it, Enter presses it) leads back to the
   * same view of the same call, the bot's video still coming. */
  frame = g_object_ref (paintable (picture));
  click (find ("call_bar_button"));
  g_assert_true (page_is ("call"));
  g_assert_true (kith_window_get_call_view (window ()) == view);
  /* Its duration current at once, not where it was left. */
  g_assert_true (status_is_duration (&later));
  g_assert_cmpuint (later, >=, seconds);
  g_assert_true (kith_call_view_get_call (call_view ()) == call);
  KITH_WAIT_FOR (call_bar_hidden ());
  KITH_WAIT_FOR (shown (picture) && paintable (picture) != frame);
  g_object_unref (frame);

  /* A message notification's chat during the call: the chats, with the bar. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-chat",
                                  g_variant_new_int64 (kith_contact_get_id (contact (bot_user))));
  KITH_WAIT_FOR (page_is ("main") && kith_window_get_chat_contact (window ()) == contact (bot_user));
  KITH_WAIT_FOR (call_bar_says_duration (&seconds));

  /* Ended out of sight: the bar goes, the chat stays, nothing inhibited. */
  kith_call_hang_up (call);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (find ("call_bar"))));
  KITH_WAIT_FOR (call_bar_hidden ());
  g_assert_true (page_is ("main"));
  g_assert_true (kith_window_get_chat_contact (window ()) == contact (bot_user));
  g_assert_null (kith_call_view_get_call (call_view ()));
  KITH_WAIT_FOR (inhibited_flags () == 0);
  KITH_WAIT_FOR (gtk_widget_is_sensitive (find ("video_call_button")));
  /* A toast says so. */
  text = g_strdup_printf ("Call with %s: Call ended", kith_contact_get_display_name (contact (bot_user)));
  KITH_WAIT_FOR (kith_test_find (GTK_WIDGET (window ()), kith_test_match_visible_label, text) != NULL);
  wait_bot_calls_ended ("hung-up", 2);
}

/* A kith-cli of @user on the test's kithd, with a data directory of its
 * own (another device of the user). */
static SvcCli *
spawn_cli (KithdTestUser *user,
           const char    *command,
           const char    *arg1,
           const char    *arg2)
{
  return svc_cli_spawn_as (server, user, command, arg1, arg2, NULL);
}

/* Every pixel of the texture is dark: what a camera that is off sends. */
static gboolean
texture_is_black (GdkPaintable *paintable)
{
  GdkTexture *texture = GDK_TEXTURE (paintable);
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint8 *data = g_malloc ((gsize) width * height * 4);

  gdk_texture_download (texture, data, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height * 4; i++) {
    /* Cairo's BGRA; the alpha byte is 255 everywhere. */
    if (i % 4 != 3 && data[i] > 40)
      return FALSE;
  }
  return TRUE;
}

static gboolean
peer_video_shown (GtkWidget *picture)
{
  return shown (picture) && !gtk_widget_get_visible (view_child ("avatar"));
}

/* The peer's camera off: black frames come (the echo bot sends back ours,
 * and ours turn black with the camera off); after a second of them the
 * peer's avatar shows instead of the black picture, and the video comes
 * back with the camera. */
static void
test_peer_camera_off (void)
{
  g_autoptr (SvcCli) echo_bot = spawn_cli (echo_user, "bot", NULL, NULL);
  g_autoptr (KithCall) call = NULL;
  GtkWidget *picture;
  gint64 off_at;

  g_assert_true (svc_cli_wait_line (echo_bot, "ready", WAIT_SECONDS * 1000));
  sign_in ();
  KITH_WAIT_FOR (kith_contact_get_presence (contact (echo_user)) == KITH_PRESENCE_ONLINE);
  call = place_video_call (echo_user);
  picture = GTK_WIDGET (kith_call_view_get_picture (call_view ()));
  /* Our own test pattern, back from the bot. */
  KITH_WAIT_FOR_SECONDS (peer_video_shown (picture) && !texture_is_black (paintable (picture)), WAIT_SECONDS);

  /* Our camera off: black comes back 2 s later, then the avatar after 1 s
   * of it. The picture showed black, not a frozen frame. */
  click (view_child ("camera_button"));
  off_at = g_get_monotonic_time ();
  KITH_WAIT_FOR_SECONDS (shown (view_child ("avatar")), WAIT_SECONDS);
  g_assert_cmpint (g_get_monotonic_time () - off_at, >=, G_USEC_PER_SEC);
  g_assert_false (gtk_widget_get_visible (picture));
  g_assert_true (texture_is_black (paintable (picture)));
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_ACTIVE);
  kith_test_settle (GTK_WIDGET (window ()));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "call-view-peer-camera-off.png"));

  /* The camera on: the picture again at its first frame that is not black. */
  click (view_child ("camera_button"));
  KITH_WAIT_FOR_SECONDS (peer_video_shown (picture), WAIT_SECONDS);
  g_assert_false (texture_is_black (paintable (picture)));

  click (view_child ("hang_up_button"));
  KITH_WAIT_FOR (page_is ("main"));
  svc_cli_terminate (echo_bot);
  svc_cli_wait_exit (echo_bot, WAIT_SECONDS * 1000);
}

/* Olga calls: while it rings here the window stays on the chat (the
 * incoming call's banner asks); answered, the call page shows; the caller
 * hangs up: the end, then Olga's chat. */
static void
test_incoming_answered (void)
{
  g_autoptr (SvcCli) caller = NULL;
  g_autoptr (KithCall) call = NULL;

  sign_in ();
  open_chat (bot_user);
  caller = spawn_cli (olga, "call", ada->email, "--duration=3");
  KITH_WAIT_FOR_SECONDS (current_call () != NULL, WAIT_SECONDS);
  call = g_object_ref (current_call ());
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_RINGING_IN);
  g_assert_true (page_is ("main"));

  kith_call_answer (call);
  KITH_WAIT_FOR (page_is ("call"));
  g_assert_true (kith_call_view_get_call (call_view ()) == call);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (view_child ("name_label"))), ==, "Olga Offline");
  KITH_WAIT_FOR_SECONDS (kith_call_get_state (call) == KITH_CALL_ACTIVE, WAIT_SECONDS);
  KITH_WAIT_FOR (inhibited_flags () != 0);

  KITH_WAIT_FOR_SECONDS (kith_call_get_state (call) == KITH_CALL_ENDED, WAIT_SECONDS);
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_HUNG_UP);
  KITH_WAIT_FOR (page_is ("main"));
  g_assert_true (kith_window_get_chat_contact (window ()) == contact (olga));
  KITH_WAIT_FOR (inhibited_flags () == 0);
  /* Media flowed both ways, as the caller judged. */
  g_assert_cmpint (svc_cli_wait_exit (caller, WAIT_SECONDS * 1000), ==, 0);
}

/* The action the view's key @keyval (no modifier) is bound to, or NULL. */
static const char *
key_action (GtkWidget *widget,
            guint      keyval)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autoptr (GtkShortcutTrigger) key = gtk_keyval_trigger_new (keyval, 0);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++) {
    g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

    if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
      continue;
    for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++) {
      g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
      GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

      if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), key) &&
          GTK_IS_NAMED_ACTION (action))
        return gtk_named_action_get_action_name (GTK_NAMED_ACTION (action));
    }
  }
  return NULL;
}

/* A call that fails (no microphone: its source an element that does not
 * exist) says why, and keeps saying it, well past the moment a hung-up
 * call's view goes by itself, until the person closes it: Close (focused,
 * so Enter does it) or Escape, which are the only ways out. Then the chat. */
static void
test_failed_stays (void)
{
  g_autoptr (KithCall) call = NULL;
  GtkWidget *close_button;

  sign_in ();
  open_chat (bot_user);
  KITH_WAIT_FOR (gtk_widget_is_sensitive (find ("audio_call_button")));
  g_setenv ("KITH_AUDIOSRC", "no-such-element", TRUE);
  click (find ("audio_call_button"));
  KITH_WAIT_FOR (page_is ("call"));
  call = g_object_ref (kith_call_view_get_call (call_view ()));
  KITH_WAIT_FOR_SECONDS (kith_call_get_state (call) == KITH_CALL_ENDED, WAIT_SECONDS);
  g_setenv ("KITH_AUDIOSRC", "audiotestsrc is-live=true", TRUE);
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_FAILED);
  g_assert_cmpstr (kith_call_view_get_status_text (call_view ()), ==, "No microphone found");
  close_button = view_child ("close_button");
  g_assert_true (shown (close_button));
  g_assert_true (gtk_widget_has_focus (close_button));
  g_assert_false (gtk_widget_get_visible (view_child ("hang_up_button")));

  /* Twice as long as a hung-up call's end shows: still there. */
  svc_test_run_for (4000);
  g_assert_true (page_is ("call"));
  g_assert_true (kith_call_view_get_call (call_view ()) == call);
  g_assert_true (shown (view_child ("status_label")));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (view_child ("status_label"))), ==, "No microphone found");
  g_assert_true (shown (close_button));
  kith_test_settle (GTK_WIDGET (window ()));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "call-view-failed.png"));

  /* Escape closes it, as Close does. */
  g_assert_cmpstr (key_action (GTK_WIDGET (call_view ()), GDK_KEY_Escape), ==, "call.close");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (call_view ()), "call.close", NULL));
  g_assert_true (page_is ("main"));
  g_assert_true (kith_window_get_chat_contact (window ()) == contact (bot_user));
  g_assert_null (kith_call_view_get_call (call_view ()));

  /* Again, closed with the button this time. */
  g_setenv ("KITH_AUDIOSRC", "no-such-element", TRUE);
  click (find ("audio_call_button"));
  KITH_WAIT_FOR (page_is ("call"));
  g_clear_object (&call);
  call = g_object_ref (kith_call_view_get_call (call_view ()));
  KITH_WAIT_FOR_SECONDS (kith_call_get_state (call) == KITH_CALL_ENDED, WAIT_SECONDS);
  g_setenv ("KITH_AUDIOSRC", "audiotestsrc is-live=true", TRUE);
  svc_test_run_for (4000);
  g_assert_true (page_is ("call"));
  click (view_child ("close_button"));
  g_assert_true (page_is ("main"));
  g_assert_true (kith_window_get_chat_contact (window ()) == contact (bot_user));
  KITH_WAIT_FOR (gtk_widget_is_sensitive (find ("audio_call_button")));
}

/* An audio call: the avatar, no camera; the window closed to the tray
 * does not end it, and shows it again when opened; Close leaves the
 * ended call's view at once. */
static void
test_audio_call_closed_window (void)
{
  g_autoptr (KithCall) call = NULL;
  KithTray *tray;
  guint64 heard;

  sign_in ();
  open_chat (bot_user);
  KITH_WAIT_FOR (gtk_widget_is_sensitive (find ("audio_call_button")));
  click (find ("audio_call_button"));
  KITH_WAIT_FOR (page_is ("call"));
  call = g_object_ref (kith_call_view_get_call (call_view ()));
  g_assert_false (kith_call_get_video (call));
  KITH_WAIT_FOR_SECONDS (kith_call_get_state (call) == KITH_CALL_ACTIVE, WAIT_SECONDS);

  g_assert_true (shown (view_child ("avatar")));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (kith_call_view_get_picture (call_view ()))));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (kith_call_view_get_self_picture (call_view ()))));
  g_assert_false (gtk_widget_get_visible (view_child ("camera_button")));
  g_assert_true (shown (view_child ("mute_button")));
  g_assert_true (shown (view_child ("hang_up_button")));
  KITH_WAIT_FOR (inhibited_flags () != 0);
  kith_test_settle (GTK_WIDGET (window ()));
  g_free (kith_test_save_screenshot (GTK_WIDGET (window ()), "call-view-audio.png"));

  /* Closed while a tray shows Kith: hidden, and the call goes on. */
  KITH_WAIT_FOR ((tray = kith_application_get_tray (app)) != NULL && kith_tray_get_host_available (tray));
  /* Not the first close: no "Kith is still running" notification (there
   * is no notification server here; test-app-process has one). */
  g_settings_set_boolean (kith_application_get_settings (app), "tray-hint-shown", TRUE);
  gtk_window_close (GTK_WINDOW (window ()));
  KITH_WAIT_FOR (!gtk_widget_get_visible (GTK_WIDGET (window ())));
  heard = kith_call_get_audio_buffers (call);
  /* A second of the bot's tone (20 ms buffers) arrives meanwhile. */
  KITH_WAIT_FOR_SECONDS (kith_call_get_audio_buffers (call) > heard + 50, WAIT_SECONDS);
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_ACTIVE);
  g_assert_true (current_call () == call);
  g_assert_cmpuint (inhibited_flags (), !=, 0);

  /* Opened again (the tray icon, the launcher): the call is there. */
  g_application_activate (G_APPLICATION (app));
  KITH_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (call_view ())));
  g_assert_true (page_is ("call"));
  g_assert_true (kith_call_view_get_call (call_view ()) == call);

  /* Hung up with the key binding's action; Close leaves at once. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (call_view ()), "call.hang-up", NULL));
  g_assert_cmpint (kith_call_get_end_reason (call), ==, KITH_CALL_END_HUNG_UP);
  click (view_child ("close_button"));
  g_assert_true (page_is ("main"));
  g_assert_true (kith_window_get_chat_contact (window ()) == contact (bot_user));
  KITH_WAIT_FOR (inhibited_flags () == 0);
  /* The bot's third call (after /call-view/video-call's and
   * back-to-chats'; the failed ones never reached it). Waiting for two
   * passed only while the bot was slower to say so than this test. */
  wait_bot_calls_ended ("hung-up", 3);

  svc_test_log_out (session ());
  KITH_WAIT_FOR (page_is ("login"));
}

static void
test_format_duration (void)
{
  struct { guint seconds; const char *text; } cases[] = {
    { 0, "0:00" }, { 9, "0:09" }, { 252, "4:12" }, { 3599, "59:59" }, { 3723, "1:02:03" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *text = kith_call_view_format_duration (cases[i].seconds);

    g_assert_cmpstr (text, ==, cases[i].text);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KithFakeWatcher) watcher = NULL;
  g_autoptr (GDBusConnection) notifications_bus = NULL;
  KithFakeNotifications *notifications;
  int status;

  if (!kith_test_init_x11 (&argc, &argv))
    return 77;

  /* Both ends: test sources, fake sinks, media on 127.0.0.1. */
  svc_test_init_call_env ();

  server = kithd_test_server_startv (NULL);
  g_setenv ("KITH_SERVER_URL", kithd_test_server_get_url (server), TRUE);
  ada = kithd_test_server_sign_up (server, "ada@example.com", PASSWORD, "Ada", "Lovelace");
  bot_user = kithd_test_server_sign_up (server, "grace@example.com", PASSWORD, "Grace", "Hopper");
  olga = kithd_test_server_sign_up (server, "olga@example.com", PASSWORD, "Olga", "Offline");
  kithd_test_server_make_contacts (server, ada, bot_user);
  kithd_test_server_make_contacts (server, ada, olga);
  echo_user = kithd_test_server_sign_up (server, "echo@example.com", PASSWORD, "Echo", "Test");
  kithd_test_server_make_contacts (server, ada, echo_user);

  bot = spawn_cli (bot_user, "bot", NULL, NULL);
  g_assert_true (svc_cli_wait_line (bot, "ready", WAIT_SECONDS * 1000));

  watcher = kith_fake_watcher_new (TRUE);
  /* An incoming call notifies (test-incoming-call checks what). */
  notifications_bus = kith_test_new_bus_connection ();
  notifications = kith_fake_notifications_new (notifications_bus);
  session_manager_start ();

  g_test_add_func ("/call-view/format-duration", test_format_duration);
  g_test_add_func ("/call-view/buttons", test_buttons);
  g_test_add_func ("/call-view/video-call", test_video_call);
  g_test_add_func ("/call-view/back-to-chats", test_back_to_chats);
  g_test_add_func ("/call-view/peer-camera-off", test_peer_camera_off);
  g_test_add_func ("/call-view/incoming-answered", test_incoming_answered);
  g_test_add_func ("/call-view/failed-stays", test_failed_stays);
  g_test_add_func ("/call-view/audio-call-closed-window", test_audio_call_closed_window);

  status = kith_test_run_in_new_application (&app, "test-call-view");

  svc_cli_terminate (bot);
  svc_cli_wait_exit (bot, WAIT_SECONDS * 1000);
  g_clear_pointer (&bot, svc_cli_free);
  session_manager_stop ();
  kith_fake_notifications_free (notifications);
  g_clear_pointer (&ada, kithd_test_user_free);
  g_clear_pointer (&bot_user, kithd_test_user_free);
  g_clear_pointer (&olga, kithd_test_user_free);
  g_clear_pointer (&echo_user, kithd_test_user_free);
  kithd_test_server_free (server);
  svc_test_cleanup ();
  return status;
}
