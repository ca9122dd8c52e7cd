/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithApplication"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-application.h"
#include "kith-login-page.h"
#include "kith-preferences-window.h"
#include "kith-shown-presence.h"
#ifdef HAVE_KITH_X11_IDLE
# include "kith-x11-idle-source.h"
#endif

#include "kith-application-private.h"

G_DEFINE_FINAL_TYPE (KithApplication, kith_application, ADW_TYPE_APPLICATION)

static const GOptionEntry app_options[] = {
  { "exit", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Sign out and quit the running Kith"), NULL },
  { "hidden", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Start hidden in the system tray, as at log-in"), NULL },
  { NULL }
};

static gboolean
session_signed_in (KithApplication *self)
{
  KithSessionState state = kith_session_get_state (self->session);

  return state == KITH_SESSION_ONLINE || state == KITH_SESSION_RECONNECTING;
}

static void
toast (KithApplication *self,
       const char      *text)
{
  if (self->window != NULL)
    kith_window_add_toast (self->window, text);
}

/* ---- keeping the tray and app.set-status in step with the session ---- */

static guint
count_unread (KithApplication *self)
{
  guint unread = 0;

  for (guint i = 0; i < self->watched_contacts->len; i++)
    unread += kith_contact_get_unread_count (g_ptr_array_index (self->watched_contacts, i));

  return unread;
}

static void
sync_status (KithApplication *self)
{
  KithStatusManager *status = kith_session_get_status (self->session);
  const char *chosen = kith_chosen_status_to_string (kith_status_manager_get_chosen (status));
  GAction *action;

  action = g_action_map_lookup_action (G_ACTION_MAP (self), "set-status");
  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (chosen));

  if (self->tray == NULL)
    return;

  kith_tray_set_signed_in (self->tray, session_signed_in (self));
  kith_tray_set_presence (self->tray, kith_shown_presence_for_session (self->session));
  kith_tray_set_chosen_status (self->tray, chosen);
  kith_tray_set_unread (self->tray, session_signed_in (self) ? count_unread (self) : 0);
}

static void
unwatch_contacts (KithApplication *self)
{
  for (guint i = 0; i < self->watched_contacts->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->watched_contacts, i), self);
  g_ptr_array_set_size (self->watched_contacts, 0);
}

static void
on_contacts_changed (GListModel      *contacts,
                     guint            position,
                     guint            removed,
                     guint            added,
                     KithApplication *self)
{
  guint n = g_list_model_get_n_items (contacts);

  unwatch_contacts (self);
  for (guint i = 0; i < n; i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (contacts, i);

    g_signal_connect_swapped (contact, "notify::unread-count", G_CALLBACK (sync_status), self);
    g_ptr_array_add (self->watched_contacts, g_steal_pointer (&contact));
  }

  sync_status (self);
}

/* The tray names the caller of the call that rings (KithCallAlerts). */
static void
sync_caller (KithApplication *self)
{
  if (self->tray != NULL && self->call_alerts != NULL)
    kith_tray_set_caller (self->tray, kith_call_alerts_get_caller (self->call_alerts));
}

/* ---- notifications ---- */

static gboolean
window_in_view (KithApplication *self)
{
  return self->window != NULL &&
         gtk_widget_get_visible (GTK_WIDGET (self->window)) &&
         gtk_window_is_active (GTK_WINDOW (self->window));
}

static void
on_message_received (KithSession     *session,
                     KithContact     *contact,
                     KithMessage     *message,
                     KithApplication *self)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *id = NULL;

  if (g_strcmp0 (kith_message_get_kind (message), KITH_MESSAGE_KIND_CALL) == 0) {
    kith_call_alerts_handle_call_event (self->call_alerts, contact, message);
    return;
  }
  if (window_in_view (self))
    return;

  notification = g_notification_new (kith_contact_get_display_name (contact));
  g_notification_set_body (notification, kith_message_get_body (message));
  g_notification_set_category (notification, "im.received");
  g_notification_set_default_action_and_target_value (notification, "app.open-chat",
                                                      g_variant_new_int64 (kith_contact_get_id (contact)));
  id = g_strdup_printf ("chat-%" G_GINT64_FORMAT, kith_contact_get_id (contact));
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

/* ---- session state ---- */

static void
on_state_changed (KithSession      *session,
                  KithSessionState  new_state,
                  KithSessionState  old_state,
                  KithApplication  *self)
{
  g_debug ("Session state %d -> %d", old_state, new_state);

  if (new_state == KITH_SESSION_SIGNED_OUT)
    g_application_withdraw_notification (G_APPLICATION (self), "tray-hint");

  sync_status (self);
}

static void
on_keyring_error (KithSession     *session,
                  GError          *error,
                  KithApplication *self)
{
  /* Signed in all the same: the sentence says why the session will not be
   * remembered ("The keyring is locked, so Kith cannot keep you signed in."). */
  toast (self, error->message);
}

static void
on_signed_out_remotely (KithSession     *session,
                        KithApplication *self)
{
  toast (self, _("You were signed out: your session ended, for example after a password change"));
}

/* What the user accepted once per server (the login page asks). */
static void
sync_unencrypted (KithApplication *self)
{
  g_auto (GStrv) servers = g_settings_get_strv (self->settings, "unencrypted-servers");
  const char *url = kith_session_get_server_url (self->session);

  kith_session_set_allow_unencrypted (self->session,
                                      url != NULL && g_strv_contains ((const char * const *) servers, url));
}

static void
on_server_setting_changed (GSettings       *settings,
                           const char      *key,
                           KithApplication *self)
{
  g_autofree char *server = g_settings_get_string (settings, "server");

  if (kith_session_get_state (self->session) == KITH_SESSION_SIGNED_OUT &&
      g_strcmp0 (server, kith_session_get_server_url (self->session)) != 0)
    kith_session_set_server_url (self->session, server);
}

/* ---- restoring a stay-signed-in session ---- */

static void
on_restored (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KithApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean restored;

  restored = kith_session_finish (KITH_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_debug ("Session %s", restored ? "restored" : "not restored");

  if (self->window != NULL)
    kith_window_set_restoring (self->window, FALSE);

  if (error != NULL) {
    g_debug ("Restoring the session failed: %s", error->message);
    kith_application_show_sign_in_error (self, error->message);
  }
}

/* Started in startup, before the window is built: it waits for nothing (the
 * keyring, the network and the cache are all asked asynchronously; the
 * cache is read on the store's worker thread). */
static void
start_restore (KithApplication *self)
{
  g_autofree char *email = NULL;

  if (self->restore_started)
    return;
  self->restore_started = TRUE;

  email = g_settings_get_string (self->settings, "last-email");
  kith_session_restore_async (self->session, *email != '\0' ? email : NULL, self->cancellable,
                              on_restored, g_object_ref (self));
}

/* ---- actions ---- */

static void
present_window (KithApplication *self)
{
  g_application_activate (G_APPLICATION (self));
}

static void
on_quit (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  kith_application_exit (KITH_APPLICATION (user_data));
}

static void
on_logged_out (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (KithApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_session_finish (KITH_SESSION (object), result, &error)) {
    g_debug ("Log out: %s", error->message);
    toast (self, error->message);
  }
}

static void
on_log_out (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  KithApplication *self = KITH_APPLICATION (user_data);

  if (kith_session_get_state (self->session) == KITH_SESSION_SIGNED_OUT)
    return;

  kith_session_log_out_async (self->session, NULL, on_logged_out, g_object_ref (self));
}

static void
on_show (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  present_window (KITH_APPLICATION (user_data));
}

static void
on_set_status (GSimpleAction *action,
               GVariant      *value,
               gpointer       user_data)
{
  KithApplication *self = KITH_APPLICATION (user_data);
  KithChosenStatus chosen;

  if (!kith_chosen_status_from_string (g_variant_get_string (value, NULL), &chosen))
    return;

  g_simple_action_set_state (action, value);
  kith_session_set_chosen_status (self->session, chosen);
  sync_status (self);
}

static void
on_open_chat (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  KithApplication *self = KITH_APPLICATION (user_data);
  KithContact *contact;

  present_window (self);

  contact = kith_session_find_contact (self->session, g_variant_get_int64 (parameter));
  if (contact != NULL && self->window != NULL)
    kith_window_open_chat (self->window, contact);
}

/* A notification's Answer (the call's id): Kith comes up and answers; the
 * window shows the call once it connects. Too late (it stopped ringing):
 * the window all the same. */
static void
on_answer_call (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  KithApplication *self = KITH_APPLICATION (user_data);
  KithCall *ringing = kith_call_alerts_find_ringing (self->call_alerts,
                                                     g_variant_get_string (parameter, NULL));
  g_autoptr (KithCall) call = ringing != NULL ? g_object_ref (ringing) : NULL;

  present_window (self);
  if (call != NULL)
    kith_call_answer (call);
}

static void
on_decline_call (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  KithApplication *self = KITH_APPLICATION (user_data);
  KithCall *ringing = kith_call_alerts_find_ringing (self->call_alerts,
                                                     g_variant_get_string (parameter, NULL));
  g_autoptr (KithCall) call = ringing != NULL ? g_object_ref (ringing) : NULL;

  if (call != NULL)
    kith_call_decline (call);
}

static void
on_preferences (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  KithApplication *self = KITH_APPLICATION (user_data);

  if (self->preferences == NULL) {
    GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (self));

    self->preferences = GTK_WINDOW (kith_preferences_window_new (self->settings, connection));
    g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
    gtk_window_set_application (self->preferences, GTK_APPLICATION (self));
  }
  if (self->window != NULL && gtk_widget_get_visible (GTK_WIDGET (self->window)))
    gtk_window_set_transient_for (self->preferences, GTK_WINDOW (self->window));
  gtk_window_present (self->preferences);
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = on_quit },
  { .name = "exit", .activate = on_quit },
  { .name = "log-out", .activate = on_log_out },
  { .name = "show", .activate = on_show },
  { .name = "preferences", .activate = on_preferences },
  { .name = "set-status", .parameter_type = "s", .state = "'online'", .change_state = on_set_status },
  { .name = "open-chat", .activate = on_open_chat, .parameter_type = "x" },
  { .name = "answer-call", .activate = on_answer_call, .parameter_type = "s" },
  { .name = "decline-call", .activate = on_decline_call, .parameter_type = "s" },
};

/* ---- the tray ---- */

static void
on_tray_activate (KithTray        *tray,
                  KithApplication *self)
{
  present_window (self);
}

static void
on_tray_status_selected (KithTray        *tray,
                         const char      *status,
                         KithApplication *self)
{
  g_action_group_change_action_state (G_ACTION_GROUP (self), "set-status",
                                      g_variant_new_string (status));
}

static void
on_tray_log_out (KithTray        *tray,
                 KithApplication *self)
{
  g_action_group_activate_action (G_ACTION_GROUP (self), "log-out", NULL);
}

static void
on_tray_exit (KithTray        *tray,
              KithApplication *self)
{
  kith_application_exit (self);
}

/* "Answer call from NAME" / "Decline call": the call that rings. */
static void
tray_call_action (KithApplication *self,
                  const char      *action)
{
  KithCall *ringing = kith_call_alerts_get_ringing (self->call_alerts);

  if (ringing != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (self), action,
                                    g_variant_new_string (kith_call_get_id (ringing)));
}

static void
on_tray_answer_call (KithTray        *tray,
                     KithApplication *self)
{
  tray_call_action (self, "answer-call");
}

static void
on_tray_decline_call (KithTray        *tray,
                      KithApplication *self)
{
  tray_call_action (self, "decline-call");
}

static void
setup_tray (KithApplication *self)
{
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (self));
  g_autoptr (GError) error = NULL;

  if (connection == NULL)
    return;

  self->tray = kith_tray_new (connection);
  if (!kith_tray_export (self->tray, &error)) {
    g_debug ("No tray icon: %s", error->message);
    g_clear_object (&self->tray);
    return;
  }

  g_signal_connect_object (self->tray, "activate", G_CALLBACK (on_tray_activate), self, 0);
  g_signal_connect_object (self->tray, "status-selected", G_CALLBACK (on_tray_status_selected), self, 0);
  g_signal_connect_object (self->tray, "log-out", G_CALLBACK (on_tray_log_out), self, 0);
  g_signal_connect_object (self->tray, "exit", G_CALLBACK (on_tray_exit), self, 0);
  g_signal_connect_object (self->tray, "answer-call", G_CALLBACK (on_tray_answer_call), self, 0);
  g_signal_connect_object (self->tray, "decline-call", G_CALLBACK (on_tray_decline_call), self, 0);
  kith_application_hidden_wait_watch_tray (self);
}

static gboolean
setup_tray_idle (gpointer user_data)
{
  KithApplication *self = user_data;

  if (self->tray == NULL && !self->exiting && self->session != NULL &&
      g_application_get_is_registered (G_APPLICATION (self))) {
    setup_tray (self);
    sync_status (self);
    sync_caller (self);
  }

  return G_SOURCE_REMOVE;
}

/* ---- idle: the desktop's input, else the input of every window ---- */

static gboolean
on_window_input (GtkEventControllerLegacy *controller,
                 GdkEvent                 *event,
                 KithApplication          *self)
{
  switch ((int) gdk_event_get_event_type (event)) {
  case GDK_KEY_PRESS:
  case GDK_BUTTON_PRESS:
  case GDK_MOTION_NOTIFY:
  case GDK_SCROLL:
  case GDK_TOUCH_BEGIN:
  case GDK_TOUCH_UPDATE:
  case GDK_TOUCHPAD_SWIPE:
  case GDK_TOUCHPAD_PINCH:
  case GDK_TOUCHPAD_HOLD:
    if (self->session != NULL)
      kith_idle_monitor_report_input (
        kith_status_manager_get_idle_monitor (kith_session_get_status (self->session)));
    break;
  default:
    break;
  }

  return GDK_EVENT_PROPAGATE;
}

/* Windows come and go (dialogs, the main window made again): each one
 * reports its input, once, for as long as it lives. */
static void
on_toplevels_changed (GListModel      *toplevels,
                      guint            position,
                      guint            removed,
                      guint            added,
                      KithApplication *self)
{
  for (guint i = position; i < position + added; i++) {
    g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);
    GtkEventController *controller;

    if (g_object_get_data (G_OBJECT (window), "kith-idle-input") != NULL)
      continue;
    controller = gtk_event_controller_legacy_new ();
    gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
    g_signal_connect_object (controller, "event", G_CALLBACK (on_window_input), self, 0);
    gtk_widget_add_controller (window, controller);
    g_object_set_data (G_OBJECT (window), "kith-idle-input", controller);
  }
}

static gboolean
minutes_to_seconds (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_uint (value, g_variant_get_uint32 (variant) * 60);
  return TRUE;
}

/* Auto-idle and its delay follow the settings live. Idle comes from Mutter,
 * else the ScreenSaver interface (both in the service), else the X server's
 * idle time, else the input Kith's own windows see (docs/desktop.md). */
static void
setup_idle (KithApplication *self)
{
  KithStatusManager *status = kith_session_get_status (self->session);
#ifdef HAVE_KITH_X11_IDLE
  g_autoptr (KithIdleSource) source = kith_x11_idle_source_new (gdk_display_get_default ());

  kith_idle_monitor_set_source (kith_status_manager_get_idle_monitor (status), source);
#endif

  g_settings_bind (self->settings, "auto-idle", status, "auto-idle", G_SETTINGS_BIND_GET);
  g_settings_bind_with_mapping (self->settings, "idle-delay-minutes", status, "idle-delay",
                                G_SETTINGS_BIND_GET, minutes_to_seconds, NULL, NULL, NULL);

  self->toplevels = g_object_ref (gtk_window_get_toplevels ());
  g_signal_connect_object (self->toplevels, "items-changed",
                           G_CALLBACK (on_toplevels_changed), self, 0);
  on_toplevels_changed (self->toplevels, 0, 0, g_list_model_get_n_items (self->toplevels), self);
}

/* Incoming calls ring, notify and show in the tray. */
static void
setup_calls (KithApplication *self)
{
  self->call_alerts = kith_call_alerts_new (G_APPLICATION (self), kith_session_get_calls (self->session));
  g_signal_connect_object (self->call_alerts, "notify::caller", G_CALLBACK (sync_caller), self,
                           G_CONNECT_SWAPPED);
}

/* ---- GApplication ---- */

static int
kith_application_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  g_autoptr (GError) error = NULL;

  if (g_variant_dict_contains (options, "hidden")) {
    /* `kith --hidden` (log-in): a Kith already running stays as it is. */
    if (!g_application_register (app, NULL, &error)) {
      g_printerr ("%s\n", error->message);
      return 1;
    }
    if (g_application_get_is_remote (app))
      return 0;
    KITH_APPLICATION (app)->start_hidden = TRUE;
  }

  if (!g_variant_dict_contains (options, "exit"))
    return -1;
  KITH_APPLICATION (app)->exit_only = TRUE;

  /* `kith --exit` (the desktop file's Exit): the running instance, if any,
   * signs out and quits. */
  if (!g_application_register (app, NULL, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  if (g_application_get_is_remote (app))
    g_action_group_activate_action (G_ACTION_GROUP (app), "exit", NULL);

  return 0;
}

static void
kith_application_startup (GApplication *app)
{
  KithApplication *self = KITH_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  g_autofree char *server = NULL;
  const char *env_server = g_getenv ("KITH_SERVER_URL");
  KithStatusManager *status;
  GListModel *contacts;

  /* The session before GTK and libadwaita start: a stay-signed-in restore
   * reads the cache on the store's thread meanwhile, in time for the
   * window's first frame. Nothing here waits (docs/performance.md). */
  self->settings = g_settings_new (APP_ID);
  server = g_settings_get_string (self->settings, "server");
  self->session = kith_session_new (env_server != NULL && *env_server != '\0' ? env_server : server);
  g_settings_bind (self->settings, "ca-file", self->session, "ca-file", G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->settings, "changed::unencrypted-servers",
                           G_CALLBACK (sync_unencrypted), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::server-url",
                           G_CALLBACK (sync_unencrypted), self, G_CONNECT_SWAPPED);
  sync_unencrypted (self);
  if (!self->exit_only && g_settings_get_boolean (self->settings, "stay-signed-in"))
    start_restore (self);

  G_APPLICATION_CLASS (kith_application_parent_class)->startup (app);

  status = kith_session_get_status (self->session);
  setup_idle (self);
  if (env_server == NULL || *env_server == '\0')
    g_signal_connect_object (self->settings, "changed::server",
                             G_CALLBACK (on_server_setting_changed), self, 0);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);

  g_signal_connect_object (self->session, "state-changed", G_CALLBACK (on_state_changed), self, 0);
  g_signal_connect_object (self->session, "message-received", G_CALLBACK (on_message_received), self, 0);
  g_signal_connect_object (self->session, "keyring-error", G_CALLBACK (on_keyring_error), self, 0);
  g_signal_connect_object (self->session, "signed-out-remotely",
                           G_CALLBACK (on_signed_out_remotely), self, 0);
  g_signal_connect_object (status, "notify::chosen", G_CALLBACK (sync_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (status, "notify::presence", G_CALLBACK (sync_status), self, G_CONNECT_SWAPPED);
  contacts = kith_session_get_contacts (self->session);
  g_signal_connect_object (contacts, "items-changed", G_CALLBACK (on_contacts_changed), self, 0);
  setup_calls (self);

  /* The tray icon comes right after the window's first frame. */
  g_idle_add_full (G_PRIORITY_LOW, setup_tray_idle, g_object_ref (self), g_object_unref);
  sync_status (self);
}

static void
kith_application_activate (GApplication *app)
{
  KithApplication *self = KITH_APPLICATION (app);
  if (self->exiting)
    return;

  if (self->window == NULL) {
    self->window = kith_window_new (GTK_APPLICATION (self), self->session, self->settings);
    g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
    g_signal_connect_object (self->window, "close-request", G_CALLBACK (kith_application_close_request), self, 0);
    /* The restore started in startup, and is still on its way. */
    if (self->restore_started && kith_session_get_state (self->session) == KITH_SESSION_SIGNING_IN)
      kith_window_set_restoring (self->window, TRUE);
    /* Or it failed already (a D-Bus activated service has no window at first). */
    if (self->sign_in_error != NULL) {
      g_autofree char *message = g_steal_pointer (&self->sign_in_error);

      kith_application_show_sign_in_error (self, message);
    }
  }

  /* `kith --hidden`: the window is made, and shown only without a tray. */
  if (self->start_hidden) {
    self->start_hidden = FALSE;
    self->hidden_wait_id = g_timeout_add (TRAY_ANSWER_WAIT_MS, kith_application_hidden_wait_timeout, self);
    kith_application_hidden_wait_watch_tray (self);
    return;
  }
  /* Opened while a hidden start still waits for the tray. */
  kith_application_hidden_wait_end (self);

  gtk_window_present (GTK_WINDOW (self->window));
}

static void
kith_application_shutdown (GApplication *app)
{
  KithApplication *self = KITH_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->restore_timeout_id, g_source_remove);
  kith_application_close_wait_end (self);
  kith_application_hidden_wait_end (self);
  if (self->tray != NULL) {
    kith_tray_unexport (self->tray);
    g_clear_object (&self->tray);
  }
  unwatch_contacts (self);
  if (self->toplevels != NULL)
    g_signal_handlers_disconnect_by_data (self->toplevels, self);
  g_clear_object (&self->toplevels);
  if (self->call_alerts != NULL)
    kith_call_alerts_stop (self->call_alerts);

  G_APPLICATION_CLASS (kith_application_parent_class)->shutdown (app);
}

static void
kith_application_dispose (GObject *object)
{
  KithApplication *self = KITH_APPLICATION (object);

  g_clear_handle_id (&self->restore_timeout_id, g_source_remove);
  kith_application_close_wait_end (self);
  g_clear_object (&self->tray);
  if (self->toplevels != NULL)
    g_signal_handlers_disconnect_by_data (self->toplevels, self);
  g_clear_object (&self->toplevels);
  if (self->watched_contacts != NULL)
    unwatch_contacts (self);
  g_clear_object (&self->call_alerts);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->sign_in_error, g_free);

  G_OBJECT_CLASS (kith_application_parent_class)->dispose (object);
}

static void
kith_application_finalize (GObject *object)
{
  KithApplication *self = KITH_APPLICATION (object);

  g_clear_pointer (&self->watched_contacts, g_ptr_array_unref);

  G_OBJECT_CLASS (kith_application_parent_class)->finalize (object);
}

static void
kith_application_class_init (KithApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = kith_application_dispose;
  object_class->finalize = kith_application_finalize;

  app_class->handle_local_options = kith_application_handle_local_options;
  app_class->startup = kith_application_startup;
  app_class->activate = kith_application_activate;
  app_class->shutdown = kith_application_shutdown;
}

static void
kith_application_init (KithApplication *self)
{
  self->watched_contacts = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), app_options);
}

KithApplication *
kith_application_new (void)
{
  return g_object_new (KITH_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/im/kith/Kith",
                       NULL);
}

KithSession *
kith_application_get_session (KithApplication *self)
{
  g_return_val_if_fail (KITH_IS_APPLICATION (self), NULL);

  return self->session;
}

GSettings *
kith_application_get_settings (KithApplication *self)
{
  g_return_val_if_fail (KITH_IS_APPLICATION (self), NULL);

  return self->settings;
}

KithTray *
kith_application_get_tray (KithApplication *self)
{
  g_return_val_if_fail (KITH_IS_APPLICATION (self), NULL);

  return self->tray;
}

KithWindow *
kith_application_get_window (KithApplication *self)
{
  g_return_val_if_fail (KITH_IS_APPLICATION (self), NULL);

  return self->window;
}

KithRinger *
kith_application_get_ringer (KithApplication *self)
{
  g_return_val_if_fail (KITH_IS_APPLICATION (self), NULL);

  return self->call_alerts != NULL ? kith_call_alerts_get_ringer (self->call_alerts) : NULL;
}

void
kith_application_show_sign_in_error (KithApplication *self,
                                     const char      *message)
{
  g_return_if_fail (KITH_IS_APPLICATION (self));
  g_return_if_fail (message != NULL);

  if (self->window == NULL) {
    g_free (self->sign_in_error);
    self->sign_in_error = g_strdup (message);
    return;
  }
  kith_login_page_show_error (KITH_LOGIN_PAGE (kith_window_get_login_page (self->window)), message);
}
