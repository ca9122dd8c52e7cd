/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithStatusMenu"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-shown-presence.h"
#include "kith-status-menu.h"

struct _KithStatusMenu
{
  GtkWidget          parent_instance;

  GtkWidget         *button;
  GtkWidget         *avatar;
  GtkWidget         *dot;
  GtkWidget         *popover;
  GtkWidget         *big_avatar;
  GtkWidget         *name_label;
  GtkWidget         *email_label;
  GtkWidget         *idle_check;
  GtkWidget         *mobile_check;
  GtkWidget         *online_check;
  GtkWidget         *busy_check;
  GtkWidget         *hidden_check;
  GtkWidget         *account_button;
  GtkWidget         *preferences_button;
  GtkWidget         *log_out_button;

  KithSession       *session;
  KithUser          *user;
  KithShownPresence  presence;
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithStatusMenu, kith_status_menu, GTK_TYPE_WIDGET)

static void
update_presence (KithStatusMenu *self)
{
  KithShownPresence presence = kith_shown_presence_for_session (self->session);
  g_autofree char *tooltip = NULL;

  gtk_widget_remove_css_class (self->dot, kith_shown_presence_get_name (self->presence));
  gtk_widget_add_css_class (self->dot, kith_shown_presence_get_name (presence));
  self->presence = presence;

  gtk_widget_set_visible (self->idle_check, presence == KITH_SHOWN_PRESENCE_IDLE);
  gtk_widget_set_visible (self->mobile_check, presence == KITH_SHOWN_PRESENCE_MOBILE);

  /* Translators: the tooltip of the avatar button, %s is a status such as "Busy" */
  tooltip = g_strdup_printf (_("Status and account (%s)"), kith_shown_presence_get_label (presence));
  gtk_widget_set_tooltip_text (self->button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
}

static void
update_user (KithStatusMenu *self)
{
  const char *name = "";
  const char *email = "";

  if (self->user != NULL) {
    name = kith_user_get_display_name (self->user);
    email = kith_user_get_email (self->user);
  }

  adw_avatar_set_text (ADW_AVATAR (self->avatar), name);
  adw_avatar_set_text (ADW_AVATAR (self->big_avatar), name);
  gtk_label_set_label (GTK_LABEL (self->name_label), name);
  gtk_label_set_label (GTK_LABEL (self->email_label), email);
  gtk_widget_set_visible (self->email_label, g_strcmp0 (name, email) != 0);
}

static void
on_user_notify (KithStatusMenu *self)
{
  update_user (self);
  update_presence (self);
}

static void
on_session_user_changed (KithStatusMenu *self)
{
  KithUser *user = kith_session_get_user (self->session);

  if (user != self->user) {
    if (self->user != NULL)
      g_signal_handlers_disconnect_by_data (self->user, self);
    g_set_object (&self->user, user);
    if (self->user != NULL)
      g_signal_connect_object (self->user, "notify", G_CALLBACK (on_user_notify),
                               self, G_CONNECT_SWAPPED);
  }

  update_user (self);
  update_presence (self);
}

static gboolean
popdown_idle (gpointer user_data)
{
  KithStatusMenu *self = user_data;

  gtk_popover_popdown (GTK_POPOVER (self->popover));
  return G_SOURCE_REMOVE;
}

static void
on_status_toggled (GtkCheckButton *check,
                   KithStatusMenu *self)
{
  /* A status was chosen: close the menu, as a menu would; once the key or
   * click that chose it is over, so that the window gets it back. */
  if (gtk_check_button_get_active (check) && gtk_widget_get_visible (self->popover))
    g_idle_add_full (G_PRIORITY_DEFAULT, popdown_idle, g_object_ref (self), g_object_unref);
}

static void
on_item_clicked (GtkButton      *button,
                 KithStatusMenu *self)
{
  gtk_popover_popdown (GTK_POPOVER (self->popover));
}

/* The menu closed (a status chosen, Escape, a click outside): if the focus
 * is still on one of its items, now hidden, give it back to the avatar
 * button, as a menu does. Else the window's focus stays on a hidden widget
 * and the next key the user types goes nowhere. */
static void
on_popover_closed (GtkPopover     *popover,
                   KithStatusMenu *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus != NULL && focus != GTK_WIDGET (popover) &&
      !gtk_widget_is_ancestor (focus, GTK_WIDGET (popover)))
    return;
  if (gtk_widget_is_drawable (self->button))
    gtk_widget_grab_focus (self->button);
  else if (root != NULL)
    gtk_root_set_focus (root, NULL);
}

/* Opened from the keyboard or not, the menu starts on the current status,
 * as a radio menu does: arrows move to the others, Enter chooses. */
static void
on_popover_show (GtkWidget      *popover,
                 KithStatusMenu *self)
{
  GtkWidget *checks[] = { self->online_check, self->busy_check, self->hidden_check };

  for (guint i = 0; i < G_N_ELEMENTS (checks); i++) {
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (checks[i]))) {
      gtk_widget_grab_focus (checks[i]);
      return;
    }
  }
  gtk_widget_grab_focus (self->online_check);
}

/* Up and Down move through the menu items (the statuses, My Account, Log
 * out), round, as in a menu. */
static gboolean
on_popover_key_pressed (GtkEventControllerKey *controller,
                        guint                  keyval,
                        guint                  keycode,
                        GdkModifierType        state,
                        KithStatusMenu        *self)
{
  GtkWidget *items[] = {
    self->online_check, self->busy_check, self->hidden_check,
    self->account_button, self->preferences_button, self->log_out_button,
  };
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (self)));
  guint n = G_N_ELEMENTS (items);
  guint current = 0;
  int step;

  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    step = 1;
  else if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    step = -1;
  else
    return FALSE;

  for (guint i = 0; i < n; i++) {
    if (focus != NULL && (focus == items[i] || gtk_widget_is_ancestor (focus, items[i]))) {
      current = i;
      break;
    }
    if (i == n - 1)   /* nothing focused yet: Down to the first, Up to the last */
      current = step > 0 ? n - 1 : 0;
  }

  for (guint tries = 0; tries < n; tries++) {
    current = (current + n + step) % n;
    if (gtk_widget_is_drawable (items[current]) && gtk_widget_is_sensitive (items[current])) {
      gtk_widget_grab_focus (items[current]);
      break;
    }
  }
  return TRUE;
}

/* F10, the primary menu key of GNOME, opens the menu while it is shown. */
static gboolean
on_menu_shortcut (GtkWidget *widget,
                  GVariant  *args,
                  gpointer   user_data)
{
  KithStatusMenu *self = KITH_STATUS_MENU (widget);

  if (!gtk_widget_is_drawable (self->button) || !gtk_widget_is_sensitive (self->button))
    return FALSE;
  gtk_menu_button_popup (GTK_MENU_BUTTON (self->button));
  return TRUE;
}

static void
kith_status_menu_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KithStatusMenu *self = KITH_STATUS_MENU (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_status_menu_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KithStatusMenu *self = KITH_STATUS_MENU (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_status_menu_constructed (GObject *object)
{
  KithStatusMenu *self = KITH_STATUS_MENU (object);
  KithStatusManager *status;

  G_OBJECT_CLASS (kith_status_menu_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));

  status = kith_session_get_status (self->session);
  g_signal_connect_object (self->session, "notify::user", G_CALLBACK (on_session_user_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (update_presence),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (status, "notify::presence", G_CALLBACK (update_presence),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (status, "notify::chosen", G_CALLBACK (update_presence),
                           self, G_CONNECT_SWAPPED);

  on_session_user_changed (self);
}

static void
kith_status_menu_dispose (GObject *object)
{
  KithStatusMenu *self = KITH_STATUS_MENU (object);

  if (self->user != NULL)
    g_signal_handlers_disconnect_by_data (self->user, self);
  g_clear_object (&self->user);
  g_clear_object (&self->session);

  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_STATUS_MENU);

  G_OBJECT_CLASS (kith_status_menu_parent_class)->dispose (object);
}

static void
kith_status_menu_class_init (KithStatusMenuClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_status_menu_get_property;
  object_class->set_property = kith_status_menu_set_property;
  object_class->constructed = kith_status_menu_constructed;
  object_class->dispose = kith_status_menu_dispose;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-status-menu.ui");
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, button);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, avatar);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, dot);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, popover);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, big_avatar);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, name_label);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, email_label);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, idle_check);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, mobile_check);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, online_check);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, busy_check);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, hidden_check);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, account_button);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, preferences_button);
  gtk_widget_class_bind_template_child (widget_class, KithStatusMenu, log_out_button);
  gtk_widget_class_bind_template_callback (widget_class, on_status_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_item_clicked);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "statusmenu");
}

static void
kith_status_menu_init (KithStatusMenu *self)
{
  GtkEventController *shortcuts;

  self->presence = KITH_SHOWN_PRESENCE_OFFLINE;
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_after (self->popover, "show", G_CALLBACK (on_popover_show), self);
  g_signal_connect (self->popover, "closed", G_CALLBACK (on_popover_closed), self);
  shortcuts = gtk_event_controller_key_new ();
  g_signal_connect (shortcuts, "key-pressed", G_CALLBACK (on_popover_key_pressed), self);
  gtk_widget_add_controller (self->popover, shortcuts);

  /* Global: F10 works wherever the focus is in the window. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F10, 0),
                                                          gtk_callback_action_new (on_menu_shortcut,
                                                                                   NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
}

GtkWidget *
kith_status_menu_new (KithSession *session)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);

  return g_object_new (KITH_TYPE_STATUS_MENU, "session", session, NULL);
}

void
kith_status_menu_popup (KithStatusMenu *self)
{
  g_return_if_fail (KITH_IS_STATUS_MENU (self));

  gtk_menu_button_popup (GTK_MENU_BUTTON (self->button));
}

void
kith_status_menu_popdown (KithStatusMenu *self)
{
  g_return_if_fail (KITH_IS_STATUS_MENU (self));

  gtk_menu_button_popdown (GTK_MENU_BUTTON (self->button));
}

const char *
kith_status_menu_get_presence_name (KithStatusMenu *self)
{
  g_return_val_if_fail (KITH_IS_STATUS_MENU (self), NULL);

  return kith_shown_presence_get_name (self->presence);
}
