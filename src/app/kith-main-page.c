/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithMainPage"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-contacts-view.h"
#include "kith-main-page.h"
#include "kith-status-menu.h"

struct _KithMainPage
{
  GtkWidget     parent_instance;

  KithSession  *session;
  char         *title;
  GSignalGroup *contact_signals;   /* the open chat's contact: its name */

  GtkWidget    *leaflet;
  GtkWidget    *sidebar_header;
  GtkWidget    *sidebar_title;
  GtkWidget    *sidebar_bin;
  GtkWidget    *content;
  GtkWidget    *content_header;
  GtkWidget    *back_button;
  GtkWidget    *content_stack;

  GtkWidget    *status_menu;
  GtkWidget    *contacts_view;
  GtkWidget    *chat_view;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithMainPage, kith_main_page, GTK_TYPE_WIDGET)

/* Shown from the cache (or offline for a moment): say so until online. */
static void
update_connecting (KithMainPage *self)
{
  KithSessionState state = kith_session_get_state (self->session);
  gboolean connecting = state == KITH_SESSION_SIGNING_IN || state == KITH_SESSION_RECONNECTING;

  adw_window_title_set_subtitle (ADW_WINDOW_TITLE (self->sidebar_title),
                                 connecting ? _("Connecting…") : "");
}

/* The window list and task switcher say whose chat is open. */
static void
update_title (KithMainPage *self)
{
  KithContact *contact = NULL;
  g_autofree char *title = NULL;

  if (self->chat_view != NULL)
    contact = kith_chat_view_get_contact (KITH_CHAT_VIEW (self->chat_view));

  if (contact != NULL)
    /* Translators: the window title while a chat is open: "Contact Name – Kith" */
    title = g_strdup_printf (_("%s – Kith"), kith_contact_get_display_name (contact));
  else
    title = g_strdup (_("Kith"));

  if (g_strcmp0 (self->title, title) == 0)
    return;

  g_free (self->title);
  self->title = g_steal_pointer (&title);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/* The chat view opened a chat, or closed it (by itself when the contact
 * was removed). */
static void
on_chat_contact (KithMainPage *self)
{
  g_signal_group_set_target (self->contact_signals,
                             kith_chat_view_get_contact (KITH_CHAT_VIEW (self->chat_view)));
  update_title (self);
}

static void
on_contact_activated (KithMainPage *self,
                      KithContact  *contact)
{
  kith_main_page_open_chat (self, contact);
}

static void
on_back (GtkWidget  *widget,
         const char *action_name,
         GVariant   *parameter)
{
  KithMainPage *self = KITH_MAIN_PAGE (widget);

  adw_leaflet_navigate (ADW_LEAFLET (self->leaflet), ADW_NAVIGATION_DIRECTION_BACK);
}

static void
kith_main_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KithMainPage *self = KITH_MAIN_PAGE (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  case PROP_TITLE:
    g_value_set_string (value, self->title);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_main_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KithMainPage *self = KITH_MAIN_PAGE (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

/* The status menu (its avatar is an SVG icon, librsvg) and the contacts
 * come with the page; the chat pane after the list is drawn. */
static void
kith_main_page_constructed (GObject *object)
{
  KithMainPage *self = KITH_MAIN_PAGE (object);

  G_OBJECT_CLASS (kith_main_page_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));

  self->status_menu = kith_status_menu_new (self->session);
  adw_header_bar_pack_start (ADW_HEADER_BAR (self->sidebar_header), self->status_menu);

  self->contacts_view = kith_contacts_view_new (self->session);
  g_signal_connect_object (self->contacts_view, "contact-activated",
                           G_CALLBACK (on_contact_activated), self, G_CONNECT_SWAPPED);
  gtk_widget_set_vexpand (self->contacts_view, TRUE);
  gtk_box_append (GTK_BOX (self->sidebar_bin), self->contacts_view);

  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (update_connecting),
                           self, G_CONNECT_SWAPPED);
  update_connecting (self);
}

static void
kith_main_page_dispose (GObject *object)
{
  KithMainPage *self = KITH_MAIN_PAGE (object);
  GtkWidget *child;

  if (self->contact_signals != NULL)
    g_signal_group_set_target (self->contact_signals, NULL);
  g_clear_object (&self->contact_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_MAIN_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->status_menu = NULL;
  self->contacts_view = NULL;
  self->chat_view = NULL;
  g_clear_object (&self->session);

  G_OBJECT_CLASS (kith_main_page_parent_class)->dispose (object);
}

static void
kith_main_page_finalize (GObject *object)
{
  KithMainPage *self = KITH_MAIN_PAGE (object);

  g_free (self->title);

  G_OBJECT_CLASS (kith_main_page_parent_class)->finalize (object);
}

static void
kith_main_page_class_init (KithMainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_main_page_get_property;
  object_class->set_property = kith_main_page_set_property;
  object_class->constructed = kith_main_page_constructed;
  object_class->dispose = kith_main_page_dispose;
  object_class->finalize = kith_main_page_finalize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-main-page.ui");
  gtk_widget_class_bind_template_child (widget_class, KithMainPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, KithMainPage, sidebar_header);
  gtk_widget_class_bind_template_child (widget_class, KithMainPage, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, KithMainPage, sidebar_bin);
  gtk_widget_class_bind_template_child (widget_class, KithMainPage, content);
  gtk_widget_class_bind_template_child (widget_class, KithMainPage, content_header);
  gtk_widget_class_bind_template_child (widget_class, KithMainPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, KithMainPage, content_stack);

  gtk_widget_class_install_action (widget_class, "main.back", NULL, on_back);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
kith_main_page_init (KithMainPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->title = g_strdup (_("Kith"));
  self->contact_signals = g_signal_group_new (KITH_TYPE_CONTACT);
  g_signal_group_connect_swapped (self->contact_signals, "notify::display-name",
                                  G_CALLBACK (update_title), self);

  /* Folded, the content's header has the window buttons and a back button.
   * (GBindings rather than the UI file's expression bindings: those warn
   * when the page is destroyed, GTK 4.8 unwatching a finalized leaflet.) */
  g_object_bind_property (self->leaflet, "folded", self->sidebar_header, "show-end-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->content_header, "show-start-title-buttons",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", self->back_button, "visible",
                          G_BINDING_SYNC_CREATE);
}

GtkWidget *
kith_main_page_new (KithSession *session)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);

  return g_object_new (KITH_TYPE_MAIN_PAGE, "session", session, NULL);
}

const char *
kith_main_page_get_title (KithMainPage *self)
{
  g_return_val_if_fail (KITH_IS_MAIN_PAGE (self), NULL);

  return self->title;
}

GtkWidget *
kith_main_page_get_status_menu (KithMainPage *self)
{
  g_return_val_if_fail (KITH_IS_MAIN_PAGE (self), NULL);

  return self->status_menu;
}

GtkWidget *
kith_main_page_get_contacts_view (KithMainPage *self)
{
  g_return_val_if_fail (KITH_IS_MAIN_PAGE (self), NULL);

  return self->contacts_view;
}

KithChatView *
kith_main_page_get_chat_view (KithMainPage *self)
{
  g_return_val_if_fail (KITH_IS_MAIN_PAGE (self), NULL);

  return self->chat_view != NULL ? KITH_CHAT_VIEW (self->chat_view) : NULL;
}

KithChatView *
kith_main_page_ensure_chat_view (KithMainPage *self)
{
  g_return_val_if_fail (KITH_IS_MAIN_PAGE (self), NULL);

  if (self->chat_view != NULL)
    return KITH_CHAT_VIEW (self->chat_view);

  /* The chat view has its own header bar and empty state. */
  self->chat_view = kith_chat_view_new (self->session);
  g_signal_connect_object (self->chat_view, "notify::contact", G_CALLBACK (on_chat_contact),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_set_visible (self->content_header, FALSE);
  gtk_stack_add_named (GTK_STACK (self->content_stack), self->chat_view, "chat");
  gtk_stack_set_visible_child (GTK_STACK (self->content_stack), self->chat_view);

  return KITH_CHAT_VIEW (self->chat_view);
}

void
kith_main_page_open_chat (KithMainPage *self,
                          KithContact  *contact)
{
  g_return_if_fail (KITH_IS_MAIN_PAGE (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  kith_chat_view_set_contact (kith_main_page_ensure_chat_view (self), contact);
  gtk_stack_set_visible_child_name (GTK_STACK (self->content_stack), "chat");
  adw_leaflet_set_visible_child (ADW_LEAFLET (self->leaflet), self->content);
}

void
kith_main_page_close_chat (KithMainPage *self)
{
  g_return_if_fail (KITH_IS_MAIN_PAGE (self));

  if (self->chat_view != NULL)
    kith_chat_view_set_contact (KITH_CHAT_VIEW (self->chat_view), NULL);
}
