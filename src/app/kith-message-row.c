/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithMessageRow"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-message-body.h"
#include "kith-message-row.h"

struct _KithMessageRow
{
  GtkWidget    parent_instance;

  KithMessage *message;
  char        *sender_name;
  /* The message the widgets show, kept after an unbind: GTK 4.8's signal
   * factory unbinds and binds again every row whose position moved (all
   * of them, when a page comes in or goes above), mostly to the same
   * message; then only what may have changed is set again. */
  KithMessage *shown;
  char        *a11y;           /* the label given to the accessible, last */

  GtkWidget   *day_label;      /* the day separator, hidden unless set */
  GtkWidget   *box;
  GtkWidget   *bubble;
  GtkWidget   *body;           /* KithMessageBody: the text, measured once per width */
  GtkWidget   *time_label;
  GtkWidget   *state_image;

  /* A call event: a centred line instead of the bubble, made the first
   * time the row shows one (call_event_*). */
  GtkWidget   *call_line;
  GtkWidget   *call_image;
  GtkWidget   *call_label;
  GtkWidget   *call_time_label;
};

G_DEFINE_FINAL_TYPE (KithMessageRow, kith_message_row, GTK_TYPE_WIDGET)

/* Takes @label. */
static void
set_a11y_label (KithMessageRow *self,
                char           *label)
{
  if (g_strcmp0 (label, self->a11y) == 0) {
    g_free (label);
    return;
  }
  g_free (self->a11y);
  self->a11y = label;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

/* Only when it changes: a label given its own text again lays it out
 * again. */
static void
set_label (GtkWidget  *label,
           const char *text)
{
  if (g_strcmp0 (gtk_label_get_label (GTK_LABEL (label)), text) != 0)
    gtk_label_set_label (GTK_LABEL (label), text);
}

static void
update (KithMessageRow *self)
{
  GDateTime *sent_at;
  gboolean outgoing;
  g_autofree char *time = NULL;
  g_autofree char *a11y = NULL;
  const char *state_text = NULL;

  if (self->message == NULL)
    return;

  sent_at = kith_message_get_sent_at (self->message);
  outgoing = kith_message_get_direction (self->message) == KITH_MESSAGE_OUTGOING;
  time = sent_at ? g_date_time_format (sent_at, "%H:%M") : g_strdup ("");
  set_label (self->time_label, time);

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
    if (g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (self->state_image)), icon) != 0) {
      gtk_image_set_from_icon_name (GTK_IMAGE (self->state_image), icon);
      gtk_widget_set_tooltip_text (self->state_image, state_text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_image),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, state_text,
                                      -1);
    }
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
  set_a11y_label (self, g_steal_pointer (&a11y));
}

/* ---- call events: their own line, not a bubble ---- */

/* "4:12", "1:02:03" */
static char *
format_duration (gint64 seconds)
{
  seconds = MAX (seconds, 0);
  if (seconds >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (seconds / 3600), (int) (seconds / 60 % 60),
                            (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

/* What the line says for @message and its icon; *@missed when it is a
 * call the user did not take (shown in the error colour). */
static char *
call_event_text (KithMessage  *message,
                 const char  **icon,
                 gboolean     *missed)
{
  gboolean outgoing = kith_message_get_direction (message) == KITH_MESSAGE_OUTGOING;
  gboolean video = kith_message_get_call_video (message);
  g_autofree char *duration = NULL;

  *missed = FALSE;
  switch (kith_message_get_call_outcome (message)) {
  case KITH_CALL_OUTCOME_ENDED:
    *icon = video ? "camera-video-symbolic" : outgoing ? "call-outgoing-symbolic" : "call-incoming-symbolic";
    duration = format_duration (kith_message_get_call_duration (message));
    /* Translators: a call event in the chat; %s is its duration, "4:12" */
    return g_strdup_printf (video ? _("Video call, %s") : _("Audio call, %s"), duration);

  case KITH_CALL_OUTCOME_DECLINED:
    *icon = "call-stop-symbolic";
    return g_strdup (outgoing ? _("Call declined") : _("Declined call"));

  case KITH_CALL_OUTCOME_BUSY:
    *icon = outgoing ? "call-stop-symbolic" : "call-missed-symbolic";
    *missed = !outgoing;
    return g_strdup (outgoing ? _("Busy") : _("Missed call (busy)"));

  case KITH_CALL_OUTCOME_UNREACHABLE:
    *icon = outgoing ? "call-stop-symbolic" : "call-missed-symbolic";
    *missed = !outgoing;
    return g_strdup (outgoing ? _("Not reachable") : _("Missed call (offline)"));

  case KITH_CALL_OUTCOME_MISSED:
  default:
    *icon = "call-missed-symbolic";
    *missed = !outgoing;
    if (outgoing)
      return g_strdup (_("No answer"));
    return g_strdup (video ? _("Missed video call") : _("Missed call"));
  }
}

static void
call_event_ensure (KithMessageRow *self)
{
  if (self->call_line != NULL)
    return;

  self->call_line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (self->call_line, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->call_line, "kith-call-event");
  gtk_widget_set_parent (self->call_line, GTK_WIDGET (self));

  self->call_image = gtk_image_new ();
  gtk_image_set_pixel_size (GTK_IMAGE (self->call_image), 16);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->call_image),
                               GTK_ACCESSIBLE_STATE_HIDDEN, TRUE,
                               -1);
  gtk_box_append (GTK_BOX (self->call_line), self->call_image);
  self->call_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->call_label, "kith-call-event-text");
  gtk_box_append (GTK_BOX (self->call_line), self->call_label);
  self->call_time_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->call_time_label, "caption");
  gtk_widget_add_css_class (self->call_time_label, "dim-label");
  gtk_box_append (GTK_BOX (self->call_line), self->call_time_label);
}

/* Shows @self's message, a call event, as its line; or hides the line. */
static void
call_event_update (KithMessageRow *self,
                   gboolean        is_call)
{
  GDateTime *sent_at;
  g_autofree char *text = NULL;
  g_autofree char *time = NULL;
  g_autofree char *a11y = NULL;
  const char *icon = NULL;
  gboolean missed;

  gtk_widget_set_visible (self->box, !is_call);
  if (!is_call) {
    if (self->call_line != NULL)
      gtk_widget_set_visible (self->call_line, FALSE);
    return;
  }

  call_event_ensure (self);
  gtk_widget_set_visible (self->call_line, TRUE);
  text = call_event_text (self->message, &icon, &missed);
  sent_at = kith_message_get_sent_at (self->message);
  time = sent_at ? g_date_time_format (sent_at, "%H:%M") : g_strdup ("");
  gtk_image_set_from_icon_name (GTK_IMAGE (self->call_image), icon);
  set_label (self->call_label, text);
  set_label (self->call_time_label, time);
  if (missed)
    gtk_widget_add_css_class (self->call_line, "missed");
  else
    gtk_widget_remove_css_class (self->call_line, "missed");

  /* Translators: what a screen reader says for a call event: "Missed call, 14:05" */
  a11y = g_strdup_printf (C_("call event row: what, time", "%s, %s"), text, time);
  set_a11y_label (self, g_steal_pointer (&a11y));
}

static void
kith_message_row_dispose (GObject *object)
{
  KithMessageRow *self = KITH_MESSAGE_ROW (object);
  GtkWidget *child;

  kith_message_row_set_message (self, NULL, NULL);
  g_clear_object (&self->shown);
  g_clear_pointer (&self->a11y, g_free);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (kith_message_row_parent_class)->dispose (object);
}

/*
 * The row lays its children out itself, one under the other: the day
 * separator, then the bubble (at its natural width, at the start for a
 * message received, at the end for one sent) or a call event, each as
 * high as it asks for the width it gets. A child aligned by GTK (halign
 * START or END) is asked its width for its height when it is allocated,
 * and for a box of wrapping text that is a search: the text laid out at
 * one width after another, ten times a row (docs/desktop.md, "The text of
 * a row"). Here the bubble is only asked its width, then its height for it.
 */
static int
child_width (KithMessageRow *self,
             GtkWidget      *child,
             int             width)
{
  int minimum, natural;

  if (child != self->box)
    return width;
  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
  return MAX (minimum, MIN (natural, width));
}

static void
kith_message_row_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  KithMessageRow *self = KITH_MESSAGE_ROW (widget);

  *minimum = *natural = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    int child_minimum, child_natural;

    if (!gtk_widget_should_layout (child))
      continue;
    if (orientation == GTK_ORIENTATION_HORIZONTAL) {
      gtk_widget_measure (child, orientation, -1, &child_minimum, &child_natural, NULL, NULL);
      *minimum = MAX (*minimum, child_minimum);
      *natural = MAX (*natural, child_natural);
    } else {
      gtk_widget_measure (child, orientation, for_size < 0 ? -1 : child_width (self, child, for_size),
                          &child_minimum, &child_natural, NULL, NULL);
      *minimum += child_minimum;
      *natural += child_natural;
    }
  }
}

static void
kith_message_row_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  KithMessageRow *self = KITH_MESSAGE_ROW (widget);
  gboolean outgoing = self->shown != NULL && kith_message_get_direction (self->shown) == KITH_MESSAGE_OUTGOING;
  gboolean at_end = outgoing != (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL);
  int y = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    int child_height;
    int child_w;

    if (!gtk_widget_should_layout (child))
      continue;
    child_w = child_width (self, child, width);
    gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, child_w, NULL, &child_height, NULL, NULL);
    gtk_widget_allocate (child, child_w, child_height, -1,
                         gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (child == self->box && at_end ? width - child_w : 0, y)));
    y += child_height;
  }
}

static GtkSizeRequestMode
kith_message_row_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
kith_message_row_class_init (KithMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kith_message_row_dispose;

  widget_class->measure = kith_message_row_measure;
  widget_class->size_allocate = kith_message_row_size_allocate;
  widget_class->get_request_mode = kith_message_row_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "kithmessagerow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

/* Built in code rather than from a template: rows are made as a chat
 * scrolls (GtkBuilder would parse the XML for each). */
/* The pointer on the row, anywhere: the text becomes selectable before
 * the pointer is on it (GTK gives a press to the widget under the pointer
 * at its last motion: a label made on the text's own first motion would
 * miss a click made there without moving). */
static void
on_pointer (GtkEventControllerMotion *motion,
            double                    x,
            double                    y,
            KithMessageRow           *self)
{
  if (gtk_widget_get_mapped (self->body))
    kith_message_body_make_selectable (KITH_MESSAGE_BODY (self->body));
}

static void
kith_message_row_init (KithMessageRow *self)
{
  GtkWidget *meta;
  GtkEventController *motion;

  self->day_label = gtk_label_new (NULL);
  gtk_widget_set_visible (self->day_label, FALSE);
  gtk_widget_add_css_class (self->day_label, "kith-day-separator");
  gtk_widget_add_css_class (self->day_label, "caption-heading");
  gtk_widget_add_css_class (self->day_label, "dim-label");
  gtk_widget_set_parent (self->day_label, GTK_WIDGET (self));

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_margin_start (self->box, 12);
  gtk_widget_set_margin_end (self->box, 12);
  gtk_widget_set_margin_top (self->box, 2);
  gtk_widget_set_margin_bottom (self->box, 2);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->bubble = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_add_css_class (self->bubble, "kith-bubble");
  gtk_box_append (GTK_BOX (self->box), self->bubble);

  /* The text: selectable, wrapping at 48 characters. */
  self->body = kith_message_body_new ();
  gtk_box_append (GTK_BOX (self->bubble), self->body);
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_pointer), self);
  /* Also moving on it: a row can move under a still pointer as the chat
   * scrolls, or be given another message there. */
  g_signal_connect (motion, "motion", G_CALLBACK (on_pointer), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  meta = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_set_halign (meta, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (self->bubble), meta);
  self->time_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->time_label, "caption");
  gtk_widget_add_css_class (self->time_label, "kith-bubble-meta");
  gtk_box_append (GTK_BOX (meta), self->time_label);
  self->state_image = gtk_image_new ();
  gtk_widget_set_visible (self->state_image, FALSE);
  gtk_image_set_pixel_size (GTK_IMAGE (self->state_image), 12);
  gtk_widget_add_css_class (self->state_image, "kith-bubble-meta");
  gtk_box_append (GTK_BOX (meta), self->state_image);
}

GtkWidget *
kith_message_row_new (void)
{
  return g_object_new (KITH_TYPE_MESSAGE_ROW, NULL);
}

KithMessage *
kith_message_row_get_message (KithMessageRow *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

void
kith_message_row_set_message (KithMessageRow *self,
                              KithMessage    *message,
                              const char     *sender_name)
{
  gboolean outgoing;

  g_return_if_fail (KITH_IS_MESSAGE_ROW (self));
  g_return_if_fail (message == NULL || KITH_IS_MESSAGE (message));

  if (self->message != NULL)
    g_signal_handlers_disconnect_by_func (self->message, update, self);
  g_set_object (&self->message, message);
  g_free (self->sender_name);
  self->sender_name = g_strdup (sender_name);
  if (message == NULL)
    return;

  /* Bound again to the message it shows: its text, direction and kind do
   * not change; its state and time may have. */
  if (message == self->shown) {
    if (kith_message_get_is_call (message)) {
      call_event_update (self, TRUE);
      return;
    }
    g_signal_connect_swapped (message, "notify::state", G_CALLBACK (update), self);
    g_signal_connect_swapped (message, "notify::sent-at", G_CALLBACK (update), self);
    update (self);
    return;
  }
  g_set_object (&self->shown, message);

  call_event_update (self, kith_message_get_is_call (message));
  if (kith_message_get_is_call (message))
    return;

  outgoing = kith_message_get_direction (message) == KITH_MESSAGE_OUTGOING;
  kith_message_body_set_text (KITH_MESSAGE_BODY (self->body), kith_message_get_body (message));
  /* The bubble's side follows the message shown (size_allocate ()). */
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  gtk_widget_remove_css_class (self->bubble, outgoing ? "incoming" : "outgoing");
  gtk_widget_add_css_class (self->bubble, outgoing ? "outgoing" : "incoming");
  gtk_widget_remove_css_class (GTK_WIDGET (self), outgoing ? "incoming" : "outgoing");
  gtk_widget_add_css_class (GTK_WIDGET (self), outgoing ? "outgoing" : "incoming");

  g_signal_connect_swapped (message, "notify::state", G_CALLBACK (update), self);
  g_signal_connect_swapped (message, "notify::sent-at", G_CALLBACK (update), self);
  update (self);
}

const char *
kith_message_row_get_day (KithMessageRow *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE_ROW (self), NULL);

  if (!gtk_widget_get_visible (self->day_label))
    return NULL;
  return gtk_label_get_label (GTK_LABEL (self->day_label));
}

void
kith_message_row_set_day (KithMessageRow *self,
                          const char     *day)
{
  g_return_if_fail (KITH_IS_MESSAGE_ROW (self));

  if (day != NULL && g_strcmp0 (gtk_label_get_label (GTK_LABEL (self->day_label)), day) != 0)
    gtk_label_set_label (GTK_LABEL (self->day_label), day);
  gtk_widget_set_visible (self->day_label, day != NULL);
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
