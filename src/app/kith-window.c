/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-login-page.h"
#include "kith-status-menu.h"
#include "kith-window.h"
#ifdef HAVE_KITH_CONTACTS_VIEW
# include "kith-contacts-view.h"
#endif
#ifdef HAVE_KITH_CHAT_VIEW
# include "kith-chat-view.h"
#endif
#ifdef HAVE_KITH_ACCOUNT_PAGE
# include "kith-account-page.h"
#endif

struct _KithWindow
{
  AdwApplicationWindow  parent_instance;

  GtkWidget            *toast_overlay;
  GtkWidget            *stack;
  GtkWidget            *login_box;
  GtkWidget            *signing_in_spinner;
  GtkWidget            *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *sidebar_header;
  GtkWidget            *sidebar_title;
  GtkWidget            *sidebar_bin;
  GtkWidget            *content;
  GtkWidget            *content_header;
  GtkWidget            *chat_title;
  GtkWidget            *content_stack;
  GtkWidget            *empty_status;
  GtkWidget            *account_box;

  GtkWidget            *login_page;
  GtkWidget            *status_menu;
  GtkWidget            *contacts_view;
  GtkWidget            *chat_view;
  GtkWidget            *account_page;

  KithSession          *session;
  GSettings            *settings;
  KithContact          *chat_contact;
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

static void ensure_main_content (KithWindow *self);
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
    ensure_main_content (self);
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
  if (self->signing_in_spinner != NULL)
    gtk_spinner_set_spinning (GTK_SPINNER (self->signing_in_spinner),
                              g_str_equal (name, "signing-in"));
}

static void
update_chat_title (KithWindow *self)
{
  g_autofree char *window_title = NULL;

  if (self->chat_contact == NULL) {
    if (self->chat_title != NULL) {
      adw_window_title_set_title (ADW_WINDOW_TITLE (self->chat_title), "");
      adw_window_title_set_subtitle (ADW_WINDOW_TITLE (self->chat_title), "");
    }
    gtk_window_set_title (GTK_WINDOW (self), _("Kith"));
    return;
  }

  /* The window list and task switcher say whose chat is open. */
  /* Translators: the window title while a chat is open: "Contact Name – Kith" */
  window_title = g_strdup_printf (_("%s – Kith"), kith_contact_get_display_name (self->chat_contact));
  gtk_window_set_title (GTK_WINDOW (self), window_title);
  if (self->chat_title == NULL)
    return;

  adw_window_title_set_title (ADW_WINDOW_TITLE (self->chat_title),
                              kith_contact_get_display_name (self->chat_contact));
  if (kith_contact_get_is_request (self->chat_contact)) {
    adw_window_title_set_subtitle (ADW_WINDOW_TITLE (self->chat_title), _("Contact request"));
  } else {
    const char *name = kith_presence_to_string (kith_contact_get_presence (self->chat_contact));

    adw_window_title_set_subtitle (ADW_WINDOW_TITLE (self->chat_title),
                                   kith_presence_name_describe (name));
  }
}

static void
set_chat_contact (KithWindow  *self,
                  KithContact *contact)
{
  if (self->chat_contact == contact)
    return;

  if (self->chat_contact != NULL)
    g_signal_handlers_disconnect_by_func (self->chat_contact, update_chat_title, self);
  g_set_object (&self->chat_contact, contact);
  if (contact != NULL)
    g_signal_connect_object (contact, "notify", G_CALLBACK (update_chat_title),
                             self, G_CONNECT_SWAPPED);
  update_chat_title (self);
}

/* Shown from the cache (or offline for a moment): say so until online. */
static void
update_connecting (KithWindow *self)
{
  KithSessionState state = kith_session_get_state (self->session);
  gboolean connecting = state == KITH_SESSION_SIGNING_IN || state == KITH_SESSION_RECONNECTING;

  if (self->sidebar_title != NULL)
    adw_window_title_set_subtitle (ADW_WINDOW_TITLE (self->sidebar_title),
                                   connecting ? _("Connecting…") : "");
}

static void
follow_session (KithWindow *self)
{
  KithSessionState state = kith_session_get_state (self->session);
  const char *page = gtk_stack_get_visible_child_name (GTK_STACK (self->stack));

  update_connecting (self);

  switch (state) {
  case KITH_SESSION_ONLINE:
  case KITH_SESSION_RECONNECTING:
    self->restoring = FALSE;
    if (g_strcmp0 (page, "main") != 0 && g_strcmp0 (page, "account") != 0)
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
    set_chat_contact (self, NULL);
#ifdef HAVE_KITH_CHAT_VIEW
    if (self->chat_view != NULL)
      kith_chat_view_set_contact (KITH_CHAT_VIEW (self->chat_view), NULL);
#else
    if (self->content_stack != NULL)
      gtk_stack_set_visible_child_name (GTK_STACK (self->content_stack), "empty");
#endif
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
on_back (GtkWidget  *widget,
         const char *action_name,
         GVariant   *parameter)
{
  KithWindow *self = KITH_WINDOW (widget);

  if (self->leaflet != NULL)
    adw_leaflet_navigate (ADW_LEAFLET (self->leaflet), ADW_NAVIGATION_DIRECTION_BACK);
}

#ifdef HAVE_KITH_CONTACTS_VIEW
static void
on_contact_activated (GtkWidget   *view,
                      KithContact *contact,
                      KithWindow  *self)
{
  kith_window_open_chat (self, contact);
}
#endif

#ifdef HAVE_KITH_ACCOUNT_PAGE
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
#endif

#ifdef HAVE_KITH_CHAT_VIEW
/* The chat pane closed its chat by itself (the contact was removed). */
static void
on_chat_view_contact (KithWindow *self)
{
  if (kith_chat_view_get_contact (KITH_CHAT_VIEW (self->chat_view)) == NULL)
    set_chat_contact (self, NULL);
}
#endif

#if !defined (HAVE_KITH_CONTACTS_VIEW) || !defined (HAVE_KITH_CHAT_VIEW) || !defined (HAVE_KITH_ACCOUNT_PAGE)
static GtkWidget *
placeholder (const char *icon_name,
             const char *title,
             const char *description)
{
  return g_object_new (ADW_TYPE_STATUS_PAGE,
                       "icon-name", icon_name,
                       "title", title,
                       "description", description,
                       "vexpand", TRUE,
                       NULL);
}
#endif

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

/* One of the window's own UI files, built: failing is a bug. */
static GtkBuilder *
build_ui (const char *resource)
{
  g_autoptr (GError) error = NULL;
  GtkBuilder *builder = gtk_builder_new ();

  gtk_builder_set_translation_domain (builder, GETTEXT_PACKAGE);
  if (!gtk_builder_add_from_resource (builder, resource, &error))
    g_error ("%s: %s", resource, error->message);
  return builder;
}

/* "Signing in…", from its own UI file the first time it is shown. */
static void
ensure_signing_in_page (KithWindow *self)
{
  g_autoptr (GtkBuilder) builder = NULL;

  if (self->signing_in_spinner != NULL)
    return;

  builder = build_ui ("/im/kith/Kith/kith-window-signing-in.ui");
  self->signing_in_spinner = GTK_WIDGET (gtk_builder_get_object (builder, "signing_in_spinner"));
  gtk_stack_add_named (GTK_STACK (self->stack),
                       GTK_WIDGET (gtk_builder_get_object (builder, "signing_in_page")), "signing-in");
}

/* The main page's frame: header bars, the sidebar and the chat pane's
 * place, from its own UI file the first time it is needed. */
static void
ensure_main_page (KithWindow *self)
{
  g_autoptr (GtkBuilder) builder = NULL;

  if (self->leaflet != NULL)
    return;

  builder = build_ui ("/im/kith/Kith/kith-window-main.ui");
#define MAIN_WIDGET(name) self->name = GTK_WIDGET (gtk_builder_get_object (builder, #name))
  MAIN_WIDGET (leaflet);
  MAIN_WIDGET (sidebar);
  MAIN_WIDGET (sidebar_header);
  MAIN_WIDGET (sidebar_title);
  MAIN_WIDGET (sidebar_bin);
  MAIN_WIDGET (content);
  MAIN_WIDGET (content_header);
  MAIN_WIDGET (chat_title);
  MAIN_WIDGET (content_stack);
  MAIN_WIDGET (empty_status);
#undef MAIN_WIDGET
  /* Folded, the content's header has the window buttons and a back button.
   * (GBindings rather than the UI file's expression bindings: those warn
   * when the window is destroyed, GTK 4.8 unwatching a finalized leaflet.) */
  g_object_bind_property (self->leaflet, "folded", self->sidebar_header, "show-end-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->content_header, "show-start-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", gtk_builder_get_object (builder, "back_button"),
                          "visible", G_BINDING_SYNC_CREATE);
  gtk_stack_add_named (GTK_STACK (self->stack), self->leaflet, "main");

  update_connecting (self);
  update_chat_title (self);
}

/* The status menu's avatar is an SVG icon (librsvg): built with the main page. */
static void
ensure_status_menu (KithWindow *self)
{
  if (self->status_menu != NULL)
    return;

  self->status_menu = kith_status_menu_new (self->session);
  adw_header_bar_pack_start (ADW_HEADER_BAR (self->sidebar_header), self->status_menu);
}

static void
ensure_chat_view (KithWindow *self)
{
  if (self->chat_view != NULL)
    return;

  ensure_main_page (self);
#ifdef HAVE_KITH_CHAT_VIEW
  /* The chat view has its own header bar and empty state. */
  self->chat_view = GTK_WIDGET (kith_chat_view_new (self->session));
  g_signal_connect_object (self->chat_view, "notify::contact", G_CALLBACK (on_chat_view_contact),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_set_visible (self->content_header, FALSE);
#else
  self->chat_view = placeholder ("user-available-symbolic", "", _("Chats come in a later version"));
#endif
  gtk_stack_add_named (GTK_STACK (self->content_stack), self->chat_view, "chat");
#ifdef HAVE_KITH_CHAT_VIEW
  gtk_stack_set_visible_child (GTK_STACK (self->content_stack), self->chat_view);
#endif
}

/* The contacts first, so that a restore shows the list at once: the chat
 * pane and My Account come after the list is drawn (or when first needed). */
static void
ensure_main_content (KithWindow *self)
{
  if (self->contacts_view != NULL)
    return;

  ensure_main_page (self);
  ensure_status_menu (self);
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_status), "im.kith.Kith-symbolic");

#ifdef HAVE_KITH_CONTACTS_VIEW
  self->contacts_view = kith_contacts_view_new (self->session);
  g_signal_connect_object (self->contacts_view, "contact-activated",
                           G_CALLBACK (on_contact_activated), self, 0);
#else
  self->contacts_view = placeholder ("system-users-symbolic", _("Contacts"),
                                     _("Your contacts will be listed here"));
#endif
  gtk_widget_set_vexpand (self->contacts_view, TRUE);
  gtk_box_append (GTK_BOX (self->sidebar_bin), self->contacts_view);
}

static void
ensure_account_page (KithWindow *self)
{
  if (self->account_page != NULL)
    return;

#ifdef HAVE_KITH_ACCOUNT_PAGE
  self->account_page = GTK_WIDGET (kith_account_page_new (self->session));
  g_signal_connect_object (self->account_page, "done", G_CALLBACK (on_account_done), self, 0);
  g_signal_connect_object (self->account_page, "account-deleted",
                           G_CALLBACK (on_account_deleted), self, 0);
#else
  {
    GtkWidget *header = adw_header_bar_new ();
    GtkWidget *back = gtk_button_new_from_icon_name ("go-previous-symbolic");

    gtk_actionable_set_action_name (GTK_ACTIONABLE (back), "win.hide-account");
    gtk_widget_set_tooltip_text (back, _("Back"));
    adw_header_bar_pack_start (ADW_HEADER_BAR (header), back);
    adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                     adw_window_title_new (_("My Account"), ""));
    gtk_box_append (GTK_BOX (self->account_box), header);
    self->account_page = placeholder ("avatar-default-symbolic", _("My Account"),
                                      _("Your profile will be shown here"));
  }
#endif
  gtk_widget_set_vexpand (self->account_page, TRUE);
  gtk_box_append (GTK_BOX (self->account_box), self->account_page);
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
  follow_session (self);
}

static void
kith_window_dispose (GObject *object)
{
  KithWindow *self = KITH_WINDOW (object);

  g_clear_handle_id (&self->build_idle_id, g_source_remove);
  if (self->chat_contact != NULL)
    g_signal_handlers_disconnect_by_func (self->chat_contact, update_chat_title, self);
  g_clear_object (&self->chat_contact);

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
kith_window_class_init (KithWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_window_get_property;
  object_class->set_property = kith_window_set_property;
  object_class->constructed = kith_window_constructed;
  object_class->dispose = kith_window_dispose;
  object_class->finalize = kith_window_finalize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KithWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, login_box);
  gtk_widget_class_bind_template_child (widget_class, KithWindow, account_box);

  gtk_widget_class_install_action (widget_class, "win.show-account", NULL, on_show_account);
  gtk_widget_class_install_action (widget_class, "win.hide-account", NULL, on_hide_account);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, on_back);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.show-account", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "win.hide-account", NULL);
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
  if (self->contacts_view == NULL || !gtk_widget_get_mapped (self->contacts_view) ||
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

  if (self->chat_view == NULL) {
    ensure_chat_view (self);
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
  if (self->chat_view != NULL && self->account_page != NULL) {
    g_clear_signal_handler (&self->after_paint_id, clock);
    return;
  }

  if (self->contacts_view == NULL || !gtk_widget_get_mapped (self->contacts_view))
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
  if ((self->chat_view == NULL || self->account_page == NULL) && self->after_paint_id == 0)
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

static void
kith_window_init (KithWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self, "realize", G_CALLBACK (on_realize), NULL);
  g_signal_connect (self, "unrealize", G_CALLBACK (on_unrealize), NULL);
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

  set_page (self, "account");
}

void
kith_window_open_chat (KithWindow  *self,
                       KithContact *contact)
{
  g_return_if_fail (KITH_IS_WINDOW (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  ensure_main_content (self);
  ensure_chat_view (self);
  set_chat_contact (self, contact);
#ifdef HAVE_KITH_CHAT_VIEW
  kith_chat_view_set_contact (KITH_CHAT_VIEW (self->chat_view), contact);
#else
  adw_status_page_set_title (ADW_STATUS_PAGE (self->chat_view),
                             kith_contact_get_display_name (contact));
#endif
  gtk_stack_set_visible_child_name (GTK_STACK (self->content_stack), "chat");
  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (self->stack)), "account") == 0)
    set_page (self, "main");
  adw_leaflet_set_visible_child (ADW_LEAFLET (self->leaflet), self->content);
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

  ensure_status_menu (self);
  return self->status_menu;
}

KithContact *
kith_window_get_chat_contact (KithWindow *self)
{
  g_return_val_if_fail (KITH_IS_WINDOW (self), NULL);

  return self->chat_contact;
}
