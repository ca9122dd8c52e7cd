/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithContactRow"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-contact-row.h"
#include "kith-shown-presence.h"

struct _KithContactRow
{
  GtkWidget    parent_instance;

  KithContact *contact;
  GBinding    *name_binding;
  GBinding    *avatar_binding;

  GtkWidget   *box;
  GtkWidget   *avatar;
  GtkWidget   *name_label;
  GtkWidget   *presence_dot;
  GtkWidget   *presence_label;
  GtkWidget   *unread_badge;
  GtkWidget   *request_box;      /* with the two buttons: NULL until needed */
  GtkWidget   *accept_button;
  GtkWidget   *decline_button;

  gboolean     presence_known;   /* FALSE while the session is not online */
};

enum {
  PROP_0,
  PROP_CONTACT,
  PROP_PRESENCE_KNOWN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithContactRow, kith_contact_row, GTK_TYPE_WIDGET)

static GtkWidget *
request_button (const char *icon_name,
                const char *tooltip,
                const char *a11y_label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y_label,
                                  -1);
  gtk_widget_add_css_class (button, "circular");
  return button;
}

/* Accept and Decline, made for the first incoming request this row shows:
 * most rows never need them (and a tooltip costs a round trip to the X
 * server when it is set). */
static void
show_request_buttons (KithContactRow *self)
{
  g_autoptr (GVariant) target = NULL;

  if (self->request_box == NULL) {
    self->request_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    gtk_widget_set_valign (self->request_box, GTK_ALIGN_CENTER);
    self->decline_button = request_button ("window-close-symbolic", _("Decline"),
                                           _("Decline contact request"));
    self->accept_button = request_button ("object-select-symbolic", _("Accept"),
                                          _("Accept contact request"));
    gtk_widget_add_css_class (self->accept_button, "suggested-action");
    gtk_box_append (GTK_BOX (self->request_box), self->decline_button);
    gtk_box_append (GTK_BOX (self->request_box), self->accept_button);
    gtk_box_append (GTK_BOX (self->box), self->request_box);
  }

  /* The name after the target: an untargeted "x" action would warn. */
  target = g_variant_ref_sink (g_variant_new_int64 (kith_contact_get_id (self->contact)));
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->accept_button), target);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->decline_button), target);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->accept_button), "contacts.accept");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->decline_button), "contacts.decline");
  gtk_widget_set_visible (self->request_box, TRUE);
}

static void
update (KithContactRow *self)
{
  KithContactState state;
  KithPresence presence;
  guint unread;
  g_autofree char *a11y = NULL;
  g_autofree char *unread_text = NULL;
  const char *subtitle;

  if (self->contact == NULL)
    return;

  state = kith_contact_get_state (self->contact);
  presence = kith_contact_get_presence (self->contact);
  unread = kith_contact_get_unread_count (self->contact);

  for (KithPresence p = KITH_PRESENCE_OFFLINE; p <= KITH_PRESENCE_MOBILE; p++)
    gtk_widget_remove_css_class (self->presence_dot,
                                 kith_shown_presence_get_name (kith_shown_presence_from_presence (p)));
  gtk_widget_remove_css_class (self->presence_dot, KITH_SHOWN_PRESENCE_UNKNOWN_NAME);

  switch (state) {
  case KITH_CONTACT_INCOMING:
    /* Short: beside Accept and Decline there are about 125 px at the
     * sidebar's default width (a wrapping label costs every layout). */
    subtitle = _("Contact request");
    break;
  case KITH_CONTACT_OUTGOING:
    subtitle = _("Request sent");
    break;
  case KITH_CONTACT_ACCEPTED:
  default:
    if (self->presence_known) {
      KithShownPresence shown = kith_shown_presence_from_presence (presence);

      subtitle = kith_shown_presence_get_label (shown);
      gtk_widget_add_css_class (self->presence_dot, kith_shown_presence_get_name (shown));
    } else {
      subtitle = kith_shown_presence_get_unknown_label (presence);
      gtk_widget_add_css_class (self->presence_dot, KITH_SHOWN_PRESENCE_UNKNOWN_NAME);
    }
    break;
  }
  gtk_label_set_label (GTK_LABEL (self->presence_label), subtitle);
  gtk_widget_set_visible (self->presence_dot, state == KITH_CONTACT_ACCEPTED);
  if (state == KITH_CONTACT_INCOMING)
    show_request_buttons (self);
  else if (self->request_box != NULL)
    gtk_widget_set_visible (self->request_box, FALSE);

  if (unread > 0) {
    unread_text = unread > 99 ? g_strdup ("99+") : g_strdup_printf ("%u", unread);
    gtk_label_set_label (GTK_LABEL (self->unread_badge), unread_text);
  }
  gtk_widget_set_visible (self->unread_badge, unread > 0 && state == KITH_CONTACT_ACCEPTED);

  if (unread > 0)
    a11y = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %s, %u unread message",
                                         "%s, %s, %u unread messages", unread),
                            kith_contact_get_display_name (self->contact), subtitle, unread);
  else
    a11y = g_strdup_printf (C_("contact row: name, presence", "%s, %s"),
                            kith_contact_get_display_name (self->contact), subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
}

static void
on_contact_notify (KithContactRow *self)
{
  update (self);
}

static void
kith_contact_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KithContactRow *self = KITH_CONTACT_ROW (object);

  switch (prop_id) {
  case PROP_CONTACT:
    g_value_set_object (value, self->contact);
    break;
  case PROP_PRESENCE_KNOWN:
    g_value_set_boolean (value, self->presence_known);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_contact_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KithContactRow *self = KITH_CONTACT_ROW (object);

  switch (prop_id) {
  case PROP_CONTACT:
    kith_contact_row_set_contact (self, g_value_get_object (value));
    break;
  case PROP_PRESENCE_KNOWN:
    kith_contact_row_set_presence_known (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_contact_row_dispose (GObject *object)
{
  KithContactRow *self = KITH_CONTACT_ROW (object);
  GtkWidget *child;

  kith_contact_row_set_contact (self, NULL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (kith_contact_row_parent_class)->dispose (object);
}

static void
kith_contact_row_class_init (KithContactRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_contact_row_get_property;
  object_class->set_property = kith_contact_row_set_property;
  object_class->dispose = kith_contact_row_dispose;

  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL, KITH_TYPE_CONTACT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRESENCE_KNOWN] =
    g_param_spec_boolean ("presence-known", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "kithcontactrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static GtkWidget *
label_new (const char *first_class,
           const char *second_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, first_class);
  if (second_class != NULL)
    gtk_widget_add_css_class (label, second_class);
  return label;
}

/* Built in code rather than from a template: the list makes a row for
 * each of up to 200 contacts at once, and GtkBuilder parses a template's
 * XML again for every instance. */
static void
kith_contact_row_init (KithContactRow *self)
{
  GtkWidget *text;
  GtkWidget *presence;

  self->presence_known = TRUE;
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_start (self->box, 12);
  gtk_widget_set_margin_end (self->box, 12);
  gtk_widget_set_margin_top (self->box, 8);
  gtk_widget_set_margin_bottom (self->box, 8);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->avatar = adw_avatar_new (40, NULL, TRUE);
  gtk_widget_set_valign (self->avatar, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->box), self->avatar);

  text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->box), text);

  self->name_label = label_new ("heading", NULL);
  gtk_box_append (GTK_BOX (text), self->name_label);

  presence = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (text), presence);
  self->presence_dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_valign (self->presence_dot, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->presence_dot, "kith-presence-dot");
  gtk_box_append (GTK_BOX (presence), self->presence_dot);
  self->presence_label = label_new ("caption", "dim-label");
  gtk_box_append (GTK_BOX (presence), self->presence_label);

  self->unread_badge = gtk_label_new (NULL);
  gtk_widget_set_visible (self->unread_badge, FALSE);
  gtk_widget_set_valign (self->unread_badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->unread_badge, "kith-unread-badge");
  gtk_box_append (GTK_BOX (self->box), self->unread_badge);
}

GtkWidget *
kith_contact_row_new (void)
{
  return g_object_new (KITH_TYPE_CONTACT_ROW, NULL);
}

KithContact *
kith_contact_row_get_contact (KithContactRow *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT_ROW (self), NULL);

  return self->contact;
}

void
kith_contact_row_set_contact (KithContactRow *self,
                              KithContact    *contact)
{
  g_return_if_fail (KITH_IS_CONTACT_ROW (self));
  g_return_if_fail (contact == NULL || KITH_IS_CONTACT (contact));

  if (self->contact == contact)
    return;

  if (self->contact != NULL) {
    g_signal_handlers_disconnect_by_func (self->contact, on_contact_notify, self);
    g_clear_pointer (&self->name_binding, g_binding_unbind);
    g_clear_pointer (&self->avatar_binding, g_binding_unbind);
  }
  g_set_object (&self->contact, contact);

  if (contact != NULL) {
    self->name_binding = g_object_bind_property (contact, "display-name",
                                                 self->name_label, "label",
                                                 G_BINDING_SYNC_CREATE);
    self->avatar_binding = g_object_bind_property (contact, "display-name",
                                                   self->avatar, "text",
                                                   G_BINDING_SYNC_CREATE);
    g_signal_connect_swapped (contact, "notify::presence", G_CALLBACK (on_contact_notify), self);
    g_signal_connect_swapped (contact, "notify::state", G_CALLBACK (on_contact_notify), self);
    g_signal_connect_swapped (contact, "notify::unread-count", G_CALLBACK (on_contact_notify), self);
    g_signal_connect_swapped (contact, "notify::display-name", G_CALLBACK (on_contact_notify), self);
    update (self);
  }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
}

gboolean
kith_contact_row_get_presence_known (KithContactRow *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT_ROW (self), FALSE);

  return self->presence_known;
}

void
kith_contact_row_set_presence_known (KithContactRow *self,
                                     gboolean        presence_known)
{
  g_return_if_fail (KITH_IS_CONTACT_ROW (self));

  presence_known = !!presence_known;
  if (self->presence_known == presence_known)
    return;

  self->presence_known = presence_known;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE_KNOWN]);
}
