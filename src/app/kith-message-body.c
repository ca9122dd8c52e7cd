/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithMessageBody"

#include "config.h"

#include "kith-message-body.h"

#include <string.h>

/* A bubble is at most this many characters wide (more wraps), and at
 * least this many, or the text's width if less, in a narrow window. */
#define MAX_WIDTH_CHARS 48
#define MIN_WIDTH_CHARS 6

/* The text laid out at a width (Pango units): its widest line and its
 * height. Laid out at any width from its widest line up to that width,
 * it breaks at the same places. */
typedef struct {
  int wrap_width;
  int width;
  int height;
} Shape;

struct _KithMessageBody
{
  GtkWidget    parent_instance;

  char        *text;
  PangoLayout *layout;    /* the text as measured and drawn here */
  guint        context_serial; /* of the Pango context when measured */
  Shape        widest;    /* at the widest a bubble may be */
  Shape        narrower;  /* the last narrower width asked; wrap_width 0: none */
  GtkWidget   *label;     /* draws the text once it may be selected (kith_message_body_make_selectable ()) */
};

G_DEFINE_FINAL_TYPE (KithMessageBody, kith_message_body, GTK_TYPE_WIDGET)

/* Widest of a character and a digit, as GtkLabel counts its
 * max-width-chars, for the font of the bubbles. The metrics lay out a
 * sample text: worked out once for all bubbles, again if the font
 * changes. */
static int
char_width (KithMessageBody *self)
{
  static PangoFontDescription *font;
  static int width;
  PangoContext *context = pango_layout_get_context (self->layout);
  const PangoFontDescription *desc = pango_context_get_font_description (context);

  if (font == NULL || !pango_font_description_equal (font, desc)) {
    PangoFontMetrics *metrics = pango_context_get_metrics (context, desc,
                                                           pango_context_get_language (context));

    width = MAX (pango_font_metrics_get_approximate_char_width (metrics),
                 pango_font_metrics_get_approximate_digit_width (metrics));
    pango_font_metrics_unref (metrics);
    g_clear_pointer (&font, pango_font_description_free);
    font = pango_font_description_copy (desc);
  }
  return width;
}

/* The layout, laid out at the widest a bubble may be: most texts are
 * measured and drawn with that one shaping. */
static void
ensure_layout (KithMessageBody *self)
{
  /* Its font or font options changed since (the context says so: it
   * follows the style and the settings). */
  if (self->layout != NULL &&
      pango_context_get_serial (pango_layout_get_context (self->layout)) != self->context_serial)
    g_clear_object (&self->layout);
  if (self->layout != NULL)
    return;
  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), self->text);
  pango_layout_set_wrap (self->layout, PANGO_WRAP_WORD_CHAR);
  self->context_serial = pango_context_get_serial (pango_layout_get_context (self->layout));
  self->widest.wrap_width = MAX_WIDTH_CHARS * char_width (self);
  pango_layout_set_width (self->layout, self->widest.wrap_width);
  pango_layout_get_size (self->layout, &self->widest.width, &self->widest.height);
  self->narrower.wrap_width = 0;
}

static void
forget_layout (KithMessageBody *self)
{
  g_clear_object (&self->layout);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* The text laid out at @width (Pango units): reused when it would break
 * at the same places. Given more room than a bubble may have (the list
 * asks the height of a row for the width of the pane), the text breaks
 * where it does in the widest bubble, and is drawn so. */
static const Shape *
shape_for (KithMessageBody *self,
           int              width)
{
  ensure_layout (self);
  if (width >= self->widest.width)
    return &self->widest;
  if (self->narrower.wrap_width > 0 && self->narrower.width <= width && width <= self->narrower.wrap_width)
    return &self->narrower;
  pango_layout_set_width (self->layout, MAX (width, 1));
  pango_layout_get_size (self->layout, &self->narrower.width, &self->narrower.height);
  self->narrower.wrap_width = width;
  return &self->narrower;
}

static int
natural_width (KithMessageBody *self)
{
  ensure_layout (self);
  /* Wrapped at the widest a bubble may be, as wide as its widest line. */
  return PANGO_PIXELS_CEIL (self->widest.width);
}

static void
kith_message_body_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  KithMessageBody *self = KITH_MESSAGE_BODY (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL) {
    *natural = natural_width (self);
    *minimum = MIN (*natural, PANGO_PIXELS_CEIL (MIN_WIDTH_CHARS * char_width (self)));
  } else {
    int width = for_size >= 0 ? for_size : natural_width (self);

    *minimum = *natural = PANGO_PIXELS_CEIL (shape_for (self, width * PANGO_SCALE)->height);
  }
}

static void
kith_message_body_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  KithMessageBody *self = KITH_MESSAGE_BODY (widget);

  if (self->label != NULL)
    gtk_widget_allocate (self->label, width, height, baseline, NULL);
}

/* The text as a label would draw it at the width given. The layout is
 * drawn at the width it was last measured at when that breaks the text
 * at the same places (as it does when the allocation follows the
 * measuring): drawing shapes no text again. */
static void
kith_message_body_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  KithMessageBody *self = KITH_MESSAGE_BODY (widget);
  const Shape *shape;
  int current;
  PangoRectangle logical;
  GdkRGBA color;

  if (self->label != NULL) {
    gtk_widget_snapshot_child (widget, self->label, snapshot);
    return;
  }
  shape = shape_for (self, gtk_widget_get_width (widget) * PANGO_SCALE);
  current = pango_layout_get_width (self->layout);
  if (current != shape->wrap_width)
    pango_layout_set_width (self->layout, shape->wrap_width);
  /* At the left (or the right, for a right-to-left paragraph in a
   * layout wider than the body), as a label aligned at the start. */
  pango_layout_get_extents (self->layout, NULL, &logical);
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-PANGO_PIXELS (logical.x), 0));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
  gtk_snapshot_restore (snapshot);
}

static GtkSizeRequestMode
kith_message_body_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
kith_message_body_system_setting_changed (GtkWidget        *widget,
                                          GtkSystemSetting  setting)
{
  GTK_WIDGET_CLASS (kith_message_body_parent_class)->system_setting_changed (widget, setting);
  forget_layout (KITH_MESSAGE_BODY (widget));
}

static void
kith_message_body_dispose (GObject *object)
{
  KithMessageBody *self = KITH_MESSAGE_BODY (object);

  g_clear_pointer (&self->label, gtk_widget_unparent);
  g_clear_object (&self->layout);

  G_OBJECT_CLASS (kith_message_body_parent_class)->dispose (object);
}

static void
kith_message_body_finalize (GObject *object)
{
  KithMessageBody *self = KITH_MESSAGE_BODY (object);

  g_free (self->text);

  G_OBJECT_CLASS (kith_message_body_parent_class)->finalize (object);
}

static void
kith_message_body_class_init (KithMessageBodyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kith_message_body_dispose;
  object_class->finalize = kith_message_body_finalize;
  widget_class->measure = kith_message_body_measure;
  widget_class->size_allocate = kith_message_body_size_allocate;
  widget_class->snapshot = kith_message_body_snapshot;
  widget_class->get_request_mode = kith_message_body_get_request_mode;
  widget_class->system_setting_changed = kith_message_body_system_setting_changed;
  gtk_widget_class_set_css_name (widget_class, "kithmessagebody");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
kith_message_body_init (KithMessageBody *self)
{
  self->text = g_strdup ("");
}

GtkWidget *
kith_message_body_new (void)
{
  return g_object_new (KITH_TYPE_MESSAGE_BODY, NULL);
}

const char *
kith_message_body_get_text (KithMessageBody *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE_BODY (self), NULL);

  return self->text;
}

void
kith_message_body_set_text (KithMessageBody *self,
                            const char      *text)
{
  g_return_if_fail (KITH_IS_MESSAGE_BODY (self));

  if (text == NULL)
    text = "";
  if (strcmp (text, self->text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  /* Another message (a row is reused for others as the chat scrolls):
   * a selection in the one before goes with it. */
  g_clear_pointer (&self->label, gtk_widget_unparent);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  forget_layout (self);
}

/* A label lays its text out again to draw it, which scrolling a chat
 * would pay for every row that comes into view: made only when the
 * pointer comes near. */
void
kith_message_body_make_selectable (KithMessageBody *self)
{
  g_return_if_fail (KITH_IS_MESSAGE_BODY (self));

  if (self->label != NULL)
    return;
  self->label = gtk_label_new (self->text);
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (self->label), TRUE);
  /* Not focused: Tab goes by. */
  gtk_widget_set_focusable (self->label, FALSE);
  gtk_widget_add_css_class (self->label, "kith-bubble-body");
  /* For screen readers the body says the text already (a label). */
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->label), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_widget_set_parent (self->label, GTK_WIDGET (self));
}

GtkLabel *
kith_message_body_get_label (KithMessageBody *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE_BODY (self), NULL);

  return self->label != NULL ? GTK_LABEL (self->label) : NULL;
}
