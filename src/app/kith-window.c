/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-account-page.h"
#include "kith-bench-trace.h"
#include "kith-call-banner.h"
#include "kith-call-view.h"
#include "kith-login-page.h"
#include "kith-main-page.h"
#include "kith-signing-in-page.h"
#include "kith-window.h"

/* How often the call bar reads the duration (as the call view does). */
#define CALL_BAR_TICK_MS 250
/* How long a hung-up call's view stays, saying "Call ended"; a call that
 * ended otherwise ("No answer", "No microphone found", …) stays until it
 * is closed, so that a person who looked away still learns why. */
#define CALL_ENDED_SHOWN_MS 2000

struct _KithWindow
{
  AdwApplicationWindow  parent_instance;

  GtkWidget            *toast_overlay;
  GtkWidget            *content_box;
  GtkWidget            *stack;
  GtkWidget            *login_box;
  GtkWidget            *account_box;
  GtkWidget            *call_bar;
  GtkWidget            *call_bar_button;
  GtkWidget            *call_bar_label;

  /* The pages but the first are made when first shown (HACKING.md). */
  GtkWidget            *login_page;
  GtkWidget            *signing_in_page;
  GtkWidget            *main_page;
  GtkWidget            *account_page;
  GtkWidget            *call_banner;        /* made when a call first rings */
  GtkWidget            *call_view;

  /* Calls (docs/desktop.md, "Calls"): the manager's current call, watched
   * for its answer; the call shown, until its view is left. */
  GSignalGroup         *current_call_signals;
  GSignalGroup         *shown_call_signals;
  KithCall             *shown_call;
  guint                 call_close_id;
  guint                 call_bar_tick_id;
  guint                 inhibit_cookie;

  KithSession          *session;
  GSettings            *settings;
  char                 *pending_message;
  gboolean              restoring;
  gboolean              restoring_cached;   /* a last-account record: main page at once */
  gulong                after_paint_id;
  guint                 build_idle_id;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithWindow, kith_window, ADW_TYPE_APPLICATION_WINDOW)

static KithMainPage *ensure_main_page (KithWindow *self);
static void ensure_account_page (KithWindow *self);
static GtkWidget *ensure_login_page (KithWindow *self);
static void ensure_signing_in_page (KithWindow *self);

static void
set_page (KithWindow *self,
          const char *name)
{
  const char *current = gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
  GtkStackTransitionType transition;

  if (g_str_equal (name, "login"))
    ensure_login_page (self);
  if (g_str_equal (name, "signing-in"))
    ensure_signing_in_page (self);
  if (g_str_equal (name, "main") || g_str_equal (name, "account"))
    ensure_main_page (self);
  if (g_str_equal (name, "account"))
    ensure_account_page (self);

  if (g_strcmp0 (current, name) == 0)
    return;

  /* Restoring: straight to the cached list, no crossfade to wait for. */
  if (self->restoring || g_strcmp0 (current, "signing-in") == 0)
    transition = GTK_STACK_TRANSITION_TYPE_NONE;
  else
    transition = gtk_stack_get_transition_type (GTK_STACK (self->stack));

  g_debug ("Page %s", name);
  gtk_stack_set_visible_child_full (GTK_STACK (self->stack), name, transition);
  if (self->signing_in_page != NULL)
    kith_signing_in_page_set_spinning (KITH_SIGNING_IN_PAGE (self->signing_in_page),
                                       g_str_equal (name, "signing-in"));
}

static void
follow_session (KithWindow *self)
{
  KithSessionState state = kith_session_get_state (self->session);
  const char *page = gtk_stack_get_visible_child_name (GTK_STACK (self->stack));

  switch (state) {
  case KITH_SESSION_ONLINE:
  case KITH_SESSION_RECONNECTING:
    self->restoring = FALSE;
    if (g_strcmp0 (page, "main") != 0 && g_strcmp0 (page, "account") != 0 &&
        g_strcmp0 (page, "call") != 0)
      set_page (self, "main");
    break;

  case KITH_SESSION_SIGNING_IN:
    /* Restoring: the last account's contacts from the cache at once. */
    if (self->restoring && (self->restoring_cached || kith_session_get_from_cache (self->session)))
      set_page (self, "main");
    else if (self->restoring)
      set_page (self, "signing-in");
    break;

  case KITH_SESSION_SIGNED_OUT:
    if (self->main_page != NULL)
      kith_main_page_close_chat (KITH_MAIN_PAGE (self->main_page));
    if (g_strcmp0 (page, "login") != 0 || self->pending_message != NULL) {
      kith_login_page_reset (KITH_LOGIN_PAGE (ensure_login_page (self)));
      if (self->pending_message != NULL) {
        kith_login_page_show_message (KITH_LOGIN_PAGE (self->login_page), self->pending_message);
        g_clear_pointer (&self->pending_message, g_free);
      }
    }
    if (!self->restoring)
      set_page (self, "login");
    break;

  case KITH_SESSION_SIGNING_OUT:
  default:
    break;
  }
}

static void
on_state_changed (KithSession      *session,
                  KithSessionState  new_state,
                  KithSessionState  old_state,
                  KithWindow       *self)
{
  follow_session (self);
}

static void
on_show_account (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  kith_window_show_account (KITH_WINDOW (widget));
}

static void
on_hide_account (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  KithWindow *self = KITH_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "account") == 0)
    set_page (self, "main");
}

static void
on_account_done (GtkWidget  *page,
                 KithWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "account") == 0)
    set_page (self, "main");
}

static void
on_account_deleted (GtkWidget  *page,
                    KithWindow *self)
{
  const char *text = _("Your account has been deleted.");

  /* Its email is no use on the login page any more. */
  kith_login_page_forget_email (KITH_LOGIN_PAGE (ensure_login_page (self)));
  if (kith_session_get_state (self->session) == KITH_SESSION_SIGNED_OUT) {
    kith_login_page_show_message (KITH_LOGIN_PAGE (self->login_page), text);
    set_page (self, "login");
  } else {
    g_free (self->pending_message);
    self->pending_message = g_strdup (text);
  }
}

/* Built when first needed: a stay-signed-in start never shows it. */
static GtkWidget *
ensure_login_page (KithWindow *self)
{
  if (self->login_page == NULL) {
    self->login_page = kith_login_page_new (self->session, self->settings);
    gtk_widget_set_vexpand (self->login_page, TRUE);
    gtk_box_append (GTK_BOX (self->login_box), self->login_page);
  }
  return self->login_page;
}

/* "Signing in…", the first time it is shown. */
static void
ensure_signing_in_page (KithWindow *self)
{
  if (self->signing_in_page != NULL)
    return;

  self->signing_in_page = kith_signing_in_page_new ();
  gtk_stack_add_named (GTK_STACK (self->stack), self->signing_in_page, "signing-in");
}

/* The main page, the first time it is needed (HACKING.md, "Code style"). */
static KithMainPage *
ensure_main_page (KithWindow *self)
{
  if (self->main_page == NULL) {
    self->main_page = kith_main_page_new (self->session);
    /* The window list and task switcher say whose chat is open. */
    g_object_bind_property (self->main_page, "title", self, "title", G_BINDING_SYNC_CREATE);
    gtk_stack_add_named (GTK_STACK (self->stack), self->main_page, "main");
  }
  return KITH_MAIN_PAGE (self->main_page);
}

static void
ensure_account_page (KithWindow *self)
{
  if (self->account_page != NULL)
    return;

  self->account_page = GTK_WIDGET (kith_account_page_new (self->session));
  g_signal_connect_object (self->account_page, "done", G_CALLBACK (on_account_done), self, 0);
  g_signal_connect_object (self->account_page, "account-deleted",
                           G_CALLBACK (on_account_deleted), self, 0);
  gtk_widget_set_vexpand (self->account_page, TRUE);
  gtk_box_append (GTK_BOX (self->account_box), self->account_page);
}

/* ---- calls ---- */

static gboolean
call_answered (KithCall *call)
{
  KithCallState state = call != NULL ? kith_call_get_state (call) : KITH_CALL_ENDED;

  return state == KITH_CALL_CONNECTING || state == KITH_CALL_ACTIVE || state == KITH_CALL_RECONNECTING;
}

/* The session stays awake while a call is answered. */
static void
update_inhibit (KithWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  gboolean answered = call_answered (self->shown_call);

  if (app == NULL)
    return;
  if (answered && self->inhibit_cookie == 0) {
    self->inhibit_cookie = gtk_application_inhibit (app, GTK_WINDOW (self),
                                                    GTK_APPLICATION_INHIBIT_IDLE |
                                                    GTK_APPLICATION_INHIBIT_SUSPEND,
                                                    _("In a call"));
    g_debug ("In a call: inhibited (%u)", self->inhibit_cookie);
  } else if (!answered && self->inhibit_cookie != 0) {
    gtk_application_uninhibit (app, self->inhibit_cookie);
    self->inhibit_cookie = 0;
  }
}

static void leave_call (KithWindow *self);

/* The shown call goes on while its view is out of sight (the user went
 * back to the chats): the bar over the main page says so, with the
 * duration, and leads back. */
static gboolean
call_out_of_sight (KithWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (GTK_STACK (self->stack));

  return self->shown_call != NULL && kith_call_get_state (self->shown_call) != KITH_CALL_ENDED &&
         (g_strcmp0 (page, "main") == 0 || g_strcmp0 (page, "account") == 0);
}

static const char *
shown_peer_name (KithWindow *self)
{
  KithContact *peer = kith_call_get_peer (self->shown_call);

  return peer != NULL ? kith_contact_get_display_name (peer) : _("Unknown contact");
}

static void
update_call_bar_text (KithWindow *self)
{
  const char *name = shown_peer_name (self);
  g_autofree char *state = kith_call_view_describe_state (self->shown_call);
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;

  if (kith_call_get_state (self->shown_call) == KITH_CALL_RINGING_OUT)
    text = g_strdup_printf (_("Calling %s…"), name);
  else
    text = g_strdup_printf (_("In a call with %s · %s"), name, state);
  if (g_strcmp0 (text, gtk_label_get_label (GTK_LABEL (self->call_bar_label))) == 0)
    return;
  gtk_label_set_label (GTK_LABEL (self->call_bar_label), text);
  label = g_strdup_printf (_("Return to the call with %s, %s"), name, state);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->call_bar_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static gboolean
on_call_bar_tick (gpointer user_data)
{
  update_call_bar_text (KITH_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

static void
update_call_bar (KithWindow *self)
{
  gboolean shows = call_out_of_sight (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.return-to-call", shows);
  if (shows)
    update_call_bar_text (self);
  /* Counting only while the window shows (not hidden in the tray). */
  if (shows && gtk_widget_get_mapped (GTK_WIDGET (self))) {
    if (self->call_bar_tick_id == 0)
      self->call_bar_tick_id = g_timeout_add (CALL_BAR_TICK_MS, on_call_bar_tick, self);
  } else {
    g_clear_handle_id (&self->call_bar_tick_id, g_source_remove);
  }
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->call_bar), shows);
}

/* The call view's back button: the chats, the call going on. */
static void
on_call_back (KithWindow *self)
{
  KithSessionState state = kith_session_get_state (self->session);

  if (state != KITH_SESSION_ONLINE && state != KITH_SESSION_RECONNECTING)
    return;
  set_page (self, "main");
  gtk_widget_grab_focus (self->call_bar_button);
}

static void
on_return_to_call (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  KithWindow *self = KITH_WINDOW (widget);

  if (call_out_of_sight (self))
    set_page (self, "call");
}

static KithCallView *
ensure_call_view (KithWindow *self)
{
  if (self->call_view == NULL) {
    self->call_view = kith_call_view_new ();
    g_signal_connect_object (self->call_view, "close", G_CALLBACK (leave_call), self,
                             G_CONNECT_SWAPPED);
    g_signal_connect_object (self->call_view, "back", G_CALLBACK (on_call_back), self,
                             G_CONNECT_SWAPPED);
    gtk_stack_add_named (GTK_STACK (self->stack), self->call_view, "call");
  }
  return KITH_CALL_VIEW (self->call_view);
}

/* The ended call's view is left: back to where the session is, with the
 * peer's chat open. */
static void
leave_call (KithWindow *self)
{
  g_autoptr (KithCall) call = g_steal_pointer (&self->shown_call);
  KithContact *peer = call != NULL ? kith_call_get_peer (call) : NULL;
  KithSessionState state;

  g_clear_handle_id (&self->call_close_id, g_source_remove);
  g_signal_group_set_target (self->shown_call_signals, NULL);
  if (self->call_view != NULL)
    kith_call_view_set_call (KITH_CALL_VIEW (self->call_view), NULL);
  update_inhibit (self);
  update_call_bar (self);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "call") != 0)
    return;

  state = kith_session_get_state (self->session);
  if (state == KITH_SESSION_ONLINE || state == KITH_SESSION_RECONNECTING)
    set_page (self, "main");
  else
    follow_session (self);
  if (peer != NULL && self->main_page != NULL &&
      g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "main") == 0 &&
      kith_session_find_contact (self->session, kith_contact_get_id (peer)) == peer)
    kith_main_page_open_chat (KITH_MAIN_PAGE (self->main_page), peer);
}

static gboolean
on_call_close_timeout (gpointer user_data)
{
  KithWindow *self = user_data;

  self->call_close_id = 0;
  leave_call (self);
  return G_SOURCE_REMOVE;
}

static void
on_shown_call_state_changed (KithWindow    *self,
                             KithCallState  state)
{
  const char *page = gtk_stack_get_visible_child_name (GTK_STACK (self->stack));

  /* Ended out of sight: a toast says why, and the chats stay. */
  if (state == KITH_CALL_ENDED && g_strcmp0 (page, "call") != 0) {
    g_autofree char *why = kith_call_view_describe_state (self->shown_call);
    g_autofree char *text = g_strdup_printf (_("Call with %s: %s"), shown_peer_name (self), why);

    kith_window_add_toast (self, text);
    leave_call (self);
    return;
  }
  if (state == KITH_CALL_ENDED && self->call_close_id == 0 &&
      kith_call_get_end_reason (self->shown_call) == KITH_CALL_END_HUNG_UP)
    self->call_close_id = g_timeout_add (CALL_ENDED_SHOWN_MS, on_call_close_timeout, self);
  update_inhibit (self);
  update_call_bar (self);
}

/* The call page shows the current call from when it is placed or
 * answered (a call still ringing here is not shown: it rings elsewhere),
 * and an ended one until its Close (a hung-up one CALL_ENDED_SHOWN_MS at
 * most). */
static void
follow_calls (KithWindow *self)
{
  KithCall *current = kith_call_manager_get_current (kith_session_get_calls (self->session));
  gboolean shows = current != NULL &&
                   (kith_call_get_state (current) == KITH_CALL_RINGING_OUT || call_answered (current));

  g_signal_group_set_target (self->current_call_signals, current);

  if (shows && current != self->shown_call) {
    g_clear_handle_id (&self->call_close_id, g_source_remove);
    g_set_object (&self->shown_call, current);
    g_signal_group_set_target (self->shown_call_signals, current);
    kith_call_view_set_call (ensure_call_view (self), current);
    set_page (self, "call");
    update_inhibit (self);
    update_call_bar (self);
  }
}

/* The contact list is on screen (the main page shown). */
static gboolean
contacts_mapped (KithWindow *self)
{
  return self->main_page != NULL &&
         gtk_widget_get_mapped (kith_main_page_get_contacts_view (KITH_MAIN_PAGE (self->main_page)));
}

static gboolean
chat_view_made (KithWindow *self)
{
  return self->main_page != NULL &&
         kith_main_page_get_chat_view (KITH_MAIN_PAGE (self->main_page)) != NULL;
}

/* KITH_STARTUP_TRACE=1 (build-aux/bench startup): say on stderr when the
 * first frame is drawn and when the contact list is first on screen.
 * Checked after each frame is painted, and timed after an XSync, so that
 * the X server has the frame's pixels. */
static void
on_trace_after_paint (GdkFrameClock *clock,
                      KithWindow    *self)
{
  static gboolean first, shown;

  if (!first) {
    first = TRUE;
    gdk_display_sync (gtk_widget_get_display (GTK_WIDGET (self)));
    g_printerr ("kith-startup: first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  }
  if (!contacts_mapped (self) ||
      g_list_model_get_n_items (kith_session_get_contacts (self->session)) == 0)
    return;

  gdk_display_sync (gtk_widget_get_display (GTK_WIDGET (self)));
  if (!shown) {
    shown = TRUE;
    g_printerr ("kith-startup: contacts-shown %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  }
  if (gtk_stack_get_transition_running (GTK_STACK (self->stack))) {
    /* The transition ends in the next frame's update: make sure there is one. */
    gtk_widget_queue_draw (self->stack);
    return;
  }

  g_printerr ("kith-startup: contacts-drawn %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_signal_handlers_disconnect_by_func (clock, on_trace_after_paint, self);
}

static void
on_trace_realize (KithWindow *self)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                           G_CALLBACK (on_trace_after_paint), self, 0);
}

/* One at a time, so that each is a short block of the main loop. */
static gboolean
build_rest_idle (gpointer user_data)
{
  KithWindow *self = user_data;

  if (!chat_view_made (self)) {
    kith_main_page_ensure_chat_view (ensure_main_page (self));
    return G_SOURCE_CONTINUE;
  }
  ensure_account_page (self);

  self->build_idle_id = 0;
  return G_SOURCE_REMOVE;
}

/* The chat pane and My Account are built once the contact list has been
 * drawn (or the session is online with an empty list), after that frame;
 * or before, when first needed. */
static void
on_after_paint (GdkFrameClock *clock,
                KithWindow    *self)
{
  if (chat_view_made (self) && self->account_page != NULL) {
    g_clear_signal_handler (&self->after_paint_id, clock);
    return;
  }

  if (!contacts_mapped (self))
    return;
  if (g_list_model_get_n_items (kith_session_get_contacts (self->session)) == 0 &&
      kith_session_get_state (self->session) != KITH_SESSION_ONLINE)
    return;

  g_clear_signal_handler (&self->after_paint_id, clock);
  if (self->build_idle_id == 0)
    self->build_idle_id = g_idle_add_full (G_PRIORITY_LOW, build_rest_idle, self, NULL);
}

static void
on_realize (KithWindow *self)
{
  if ((!chat_view_made (self) || self->account_page == NULL) && self->after_paint_id == 0)
    self->after_paint_id = g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)),
                                                    "after-paint", G_CALLBACK (on_after_paint),
                                                    self, 0);
}

static void
on_unrealize (KithWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (clock != NULL)
    g_clear_signal_handler (&self->after_paint_id, clock);
  self->after_paint_id = 0;
}

/* The incoming-call banner, above every page; it follows the calls itself. */
static void
ensure_call_banner (KithWindow *self)
{
  KithCall *current = kith_call_manager_get_current (kith_session_get_calls (self->session));

  if (self->call_banner != NULL || current == NULL ||
      kith_call_get_state (current) != KITH_CALL_RINGING_IN)
    return;
  self->call_banner = kith_call_banner_new (kith_session_get_calls (self->session));
  gtk_box_prepend (GTK_BOX (self->content_box), self->call_banner);
}

static void
kith_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  KithWindow *self = KITH_WINDOW (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  case PROP_SETTINGS:
    g_value_set_object (value, self->settings);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  KithWindow *self = KITH_WINDOW (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  case PROP_SETTINGS:
    self->settings = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_window_constructed (GObject *object)
{
  KithWindow *self = KITH_WINDOW (object);

  G_OBJECT_CLASS (kith_window_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));
  g_assert (G_IS_SETTINGS (self->settings));

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (self->session, "state-changed", G_CALLBACK (on_state_changed), self, 0);
  g_signal_connect_object (self->session, "notify::from-cache", G_CALLBACK (follow_session),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (kith_session_get_calls (self->session), "incoming-call",
                           G_CALLBACK (ensure_call_banner), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (kith_session_get_calls (self->session), "notify::current",
                           G_CALLBACK (follow_calls), self, G_CONNECT_SWAPPED);
  if (g_strcmp0 (g_getenv ("KITH_BENCH_TRACE"), "1") == 0)
    kith_bench_trace_attach (self, self->session);
  follow_session (self);
  follow_calls (self);
  ensure_call_banner (self);
}

static void
kith_window_dispose (GObject *object)
{
  KithWindow *self = KITH_WINDOW (object);

  g_clear_handle_id (&self->build_idle_id, g_source_remove);
  g_clear_handle_id (&self->call_close_id, g_source_remove);
  if (self->inhibit_cookie != 0 && gtk_window_get_application (GTK_WINDOW (self)) != NULL)
    gtk_application_uninhibit (gtk_window_get_application (GTK_WINDOW (self)), self->inhibit_cookie);
  self->inhibit_cookie = 0;
  if (self->current_call_signals != NULL)
    g_signal_group_set_target (self->current_call_signals, NULL);
  if (self->shown_call_signals != NULL)
    g_signal_group_set_target (self->shown_call_signals, NULL);
  g_clear_object (&self->current_call_signals);
  g_clear_object (&self->shown_call_signals);
  g_clear_object (&self->shown_call);

  G_OBJECT_CLASS (kith_window_parent_class)->dispose (object);
}

static void
kith_window_finalize (GObject *object)
{
  KithWindow *self = KITH_WINDOW (object);

  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pending_message, g_free);

  G_OBJECT_CLASS (kith_window_parent_class)->finalize (object);
}

static void
kith_window_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kith_window_parent_class)->map (widget);

  update_call_bar (KITH_WINDOW (widget));
}

static void
kith_window_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kith_window_parent_class)->unmap (widget);

  update_call_bar (KITH_WINDOW (widget));
}

static void
kith_window_class_init (KithWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_window_get_property;
  object_class->set_property = kith_window_set_property;
  object_class->constructed = kith_window_constructed;
  object_class->dispose = kith_window_dispose;
  object_class->finalize = kith_window_finalize;
  widget_class->map = kith_window_map;
  widget_class->unmap = kith_window_unmap;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KithWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, login_box);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, account_box);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, call_bar);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, call_bar_button);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, call_bar_label);

  gtk_widget_class_install_action (widget_class, "win.show-account", NULL, on_show_account);
  gtk_widget_class_install_action (widget_class, "win.hide-account", NULL, on_hide_account);
  gtk_widget_class_install_action (widget_class, "win.return-to-call", NULL, on_return_to_call);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.show-account", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "win.hide-account", NULL);
}

static void
kith_window_init (KithWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self, "realize", G_CALLBACK (on_realize), NULL);
  g_signal_connect (self, "unrealize", G_CALLBACK (on_unrealize), NULL);
  g_signal_connect_object (self->stack, "notify::visible-child-name",
                           G_CALLBACK (update_call_bar), self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.return-to-call", FALSE);

  /* The current call, for its answer; the call shown, for its end. */
  self->current_call_signals = g_signal_group_new (KITH_TYPE_CALL);
  g_signal_group_connect_swapped (self->current_call_signals, "state-changed",
                                  G_CALLBACK (follow_calls), self);
  self->shown_call_signals = g_signal_group_new (KITH_TYPE_CALL);
  g_signal_group_connect_swapped (self->shown_call_signals, "state-changed",
                                  G_CALLBACK (on_shown_call_state_changed), self);
  if (g_strcmp0 (g_getenv ("KITH_STARTUP_TRACE"), "1") == 0)
    g_signal_connect (self, "realize", G_CALLBACK (on_trace_realize), NULL);
}

KithWindow *
kith_window_new (GtkApplication *application,
                 KithSession    *session,
                 GSettings      *settings)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (KITH_TYPE_WINDOW,
                       "application", application,
                       "session", session,
                       "settings", settings,
                       NULL);
}

void
kith_window_add_toast (KithWindow *self,
                       const char *title)
{
  g_return_if_fail (KITH_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (self->toast_overlay), adw_toast_new (title));
}

void
kith_window_show_account (KithWindow *self)
{
  KithSessionState state;

  g_return_if_fail (KITH_IS_WINDOW (self));

  state = kith_session_get_state (self->session);
  if (state != KITH_SESSION_ONLINE && state != KITH_SESSION_RECONNECTING)
    return;
  /* The call stays in view while it runs. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "call") == 0)
    return;

  set_page (self, "account");
}

void
kith_window_open_chat (KithWindow  *self,
                       KithContact *contact)
{
  const char *page;

  g_return_if_fail (KITH_IS_WINDOW (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  page = gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
  /* During a call: the chats, the bar leading back to it; an ended
   * call's view is left. */
  if (g_strcmp0 (page, "call") == 0 && self->shown_call != NULL &&
      kith_call_get_state (self->shown_call) != KITH_CALL_ENDED)
    set_page (self, "main");
  else if (g_strcmp0 (page, "call") == 0)
    leave_call (self);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "account") == 0)
    set_page (self, "main");
  kith_main_page_open_chat (ensure_main_page (self), contact);
}

void
kith_window_set_restoring (KithWindow *self,
                           gboolean    restoring)
{
  g_return_if_fail (KITH_IS_WINDOW (self));

  self->restoring = restoring;
  /* The last account's cache will be shown: the main page (empty, then
   * the cached list, "Connecting…") rather than "Signing in…". */
  self->restoring_cached = restoring && kith_session_has_last_account (self->session);
  if (self->restoring_cached && kith_session_get_state (self->session) != KITH_SESSION_ONLINE) {
    set_page (self, "main");
  } else if (restoring) {
    KithSessionState state = kith_session_get_state (self->session);

    if (state == KITH_SESSION_SIGNED_OUT ||
        (state == KITH_SESSION_SIGNING_IN && !kith_session_get_from_cache (self->session)))
      set_page (self, "signing-in");
  }
  follow_session (self);
}

const char *
kith_window_get_page (KithWindow *self)
{
  g_return_val_if_fail (KITH_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
}

GtkWidget *
kith_window_get_login_page (KithWindow *self)
{
  g_return_val_if_fail (KITH_IS_WINDOW (self), NULL);

  return ensure_login_page (self);
}

GtkWidget *
kith_window_get_status_menu (KithWindow *self)
{
  g_return_val_if_fail (KITH_IS_WINDOW (self), NULL);

  return kith_main_page_get_status_menu (ensure_main_page (self));
}

KithContact *
kith_window_get_chat_contact (KithWindow *self)
{
  KithChatView *chat;

  g_return_val_if_fail (KITH_IS_WINDOW (self), NULL);

  if (self->main_page == NULL)
    return NULL;
  chat = kith_main_page_get_chat_view (KITH_MAIN_PAGE (self->main_page));
  return chat != NULL ? kith_chat_view_get_contact (chat) : NULL;
}

GtkWidget *
kith_window_get_call_view (KithWindow *self)
{
  g_return_val_if_fail (KITH_IS_WINDOW (self), NULL);

  return self->call_view;
}
