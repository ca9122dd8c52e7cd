/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithMessageRow"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-message-row.h"

struct _KithMessageRow
{
  GtkListBoxRow  parent_instance;

  KithMessage   *message;
  char          *sender_name;

  GtkWidget     *bubble;
  GtkWidget     *body_label;
  GtkWidget     *time_label;
  GtkWidget     *state_image;
};

G_DEFINE_FINAL_TYPE (KithMessageRow, kith_message_row, GTK_TYPE_LIST_BOX_ROW)

static void
update (KithMessageRow *self)
{
  GDateTime *sent_at = kith_message_get_sent_at (self->message);
  gboolean outgoing = kith_message_get_direction (self->message) == KITH_MESSAGE_OUTGOING;
  g_autofree char *time = NULL;
  g_autofree char *a11y = NULL;
  const char *state_text = NULL;

  time = sent_at ? g_date_time_format (sent_at, "%H:%M") : g_strdup ("");
  gtk_label_set_label (GTK_LABEL (self->time_label), time);

  if (outgoing) {
    const char *icon;

    switch (kith_message_get_state (self->message)) {
    case KITH_MESSAGE_PENDING:
      icon = "preferences-system-time-symbolic";
      state_text = _("Sending");
      break;
    case KITH_MESSAGE_READ:
      icon = "emblem-ok-symbolic";
      state_text = _("Read");
      break;
    case KITH_MESSAGE_SENT:
    default:
      icon = "object-select-symbolic";
      state_text = _("Sent");
      break;
    }
    gtk_image_set_from_icon_name (GTK_IMAGE (self->state_image), icon);
    gtk_widget_set_tooltip_text (self->state_image, state_text);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_image),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, state_text,
                                    -1);
    if (kith_message_get_state (self->message) == KITH_MESSAGE_READ)
      gtk_widget_add_css_class (self->state_image, "read");
    else
      gtk_widget_remove_css_class (self->state_image, "read");
  }
  gtk_widget_set_visible (self->state_image, outgoing);

  /* What a screen reader says for the row. */
  if (outgoing)
    a11y = g_strdup_printf (C_("message row: time, state, body", "You, %s, %s: %s"),
                            time, state_text, kith_message_get_body (self->message));
  else
    a11y = g_strdup_printf (C_("message row: sender, time, body", "%s, %s: %s"),
                            self->sender_name ? self->sender_name : "", time,
                            kith_message_get_body (self->message));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
}

static void
kith_message_row_dispose (GObject *object)
{
  KithMessageRow *self = KITH_MESSAGE_ROW (object);

  if (self->message != NULL)
    g_signal_handlers_disconnect_by_func (self->message, update, self);
  g_clear_object (&self->message);
  g_clear_pointer (&self->sender_name, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (kith_message_row_parent_class)->dispose (object);
}

static void
kith_message_row_class_init (KithMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kith_message_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, KithMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, KithMessageRow, body_label);
  gtk_widget_class_bind_template_child (widget_class, KithMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, KithMessageRow, state_image);
}

static void
kith_message_row_init (KithMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
kith_message_row_new (KithMessage *message,
                      const char  *sender_name)
{
  KithMessageRow *self;
  gboolean outgoing;

  g_return_val_if_fail (KITH_IS_MESSAGE (message), NULL);

  self = g_object_new (KITH_TYPE_MESSAGE_ROW, NULL);
  self->message = g_object_ref (message);
  self->sender_name = g_strdup (sender_name);
  outgoing = kith_message_get_direction (message) == KITH_MESSAGE_OUTGOING;

  gtk_label_set_label (GTK_LABEL (self->body_label), kith_message_get_body (message));
  /* The box is the row's child (not bound: GtkListBoxRow disposes it). */
  gtk_widget_set_halign (gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (self)),
                         outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_widget_add_css_class (self->bubble, outgoing ? "outgoing" : "incoming");
  gtk_widget_add_css_class (GTK_WIDGET (self), outgoing ? "outgoing" : "incoming");

  g_signal_connect_swapped (message, "notify::state", G_CALLBACK (update), self);
  g_signal_connect_swapped (message, "notify::sent-at", G_CALLBACK (update), self);
  update (self);

  return GTK_WIDGET (self);
}

KithMessage *
kith_message_row_get_message (KithMessageRow *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

char *
kith_message_row_format_day (GDateTime *day,
                             GDateTime *now)
{
  g_autoptr (GDateTime) local_now = NULL;
  g_autoptr (GDate) d = NULL;
  g_autoptr (GDate) today = NULL;
  int diff;

  g_return_val_if_fail (day != NULL, NULL);

  if (now == NULL)
    now = local_now = g_date_time_new_now_local ();

  d = g_date_new_dmy (g_date_time_get_day_of_month (day),
                      g_date_time_get_month (day),
                      g_date_time_get_year (day));
  today = g_date_new_dmy (g_date_time_get_day_of_month (now),
                          g_date_time_get_month (now),
                          g_date_time_get_year (now));
  diff = g_date_days_between (d, today);

  if (diff == 0)
    return g_strdup (_("Today"));
  if (diff == 1)
    return g_strdup (_("Yesterday"));
  if (diff > 1 && diff < 7)
    /* Translators: a day separator in a chat within the last week, see strftime */
    return g_date_time_format (day, _("%A"));
  if (g_date_time_get_year (day) == g_date_time_get_year (now))
    /* Translators: a day separator in a chat this year, see strftime */
    return g_date_time_format (day, _("%A, %B %-e"));
  /* Translators: a day separator in a chat of an earlier year, see strftime */
  return g_date_time_format (day, _("%B %-e, %Y"));
}
