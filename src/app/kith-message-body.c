/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithMessageBody"

#include "config.h"

#include "kith-message-body.h"

/* A bubble is at most this many characters wide (more wraps), and at
 * least this many, or the text's width if less, in a narrow window. */
#define MAX_WIDTH_CHARS 48
#define MIN_WIDTH_CHARS 6

/* The text laid out at a width (Pango units; -1: on one line): its
 * widest line and its height. Laid out at any width from its widest
 * line up to that width, it breaks at the same places. */
typedef struct {
  int wrap_width;
  int width;
  int height;
} Shape;

struct _KithMessageBody
{
  GtkWidget    parent_instance;

  GtkWidget   *label;
  PangoLayout *layout;    /* the text as measured here (the label has its own to draw) */
  guint        context_serial; /* of the label's Pango context when measured */
  Shape        one_line;
  Shape        wrapped;   /* the last width asked for that wraps; wrap_width 0: none */
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

/* The layout, with the text on one line measured. */
static void
ensure_layout (KithMessageBody *self)
{
  /* Its font or font options changed since (the context of the label
   * says so: it follows the label's style and the settings). */
  if (self->layout != NULL &&
      pango_context_get_serial (pango_layout_get_context (self->layout)) != self->context_serial)
    g_clear_object (&self->layout);
  if (self->layout != NULL)
    return;
  /* The label's Pango context: its font, as the label draws it. */
  self->layout = gtk_widget_create_pango_layout (self->label, gtk_label_get_text (GTK_LABEL (self->label)));
  pango_layout_set_wrap (self->layout, gtk_label_get_wrap_mode (GTK_LABEL (self->label)));
  self->context_serial = pango_context_get_serial (pango_layout_get_context (self->layout));
  pango_layout_get_size (self->layout, &self->one_line.width, &self->one_line.height);
  self->one_line.wrap_width = -1;
  self->wrapped.wrap_width = 0;
}

static void
forget_layout (KithMessageBody *self)
{
  g_clear_object (&self->layout);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* The text laid out at @width (Pango units): reused when it would break
 * at the same places. */
static const Shape *
shape_for (KithMessageBody *self,
           int              width)
{
  ensure_layout (self);
  if (width >= self->one_line.width)
    return &self->one_line;
  if (self->wrapped.wrap_width > 0 && self->wrapped.width <= width && width <= self->wrapped.wrap_width)
    return &self->wrapped;
  pango_layout_set_width (self->layout, MAX (width, 1));
  pango_layout_get_size (self->layout, &self->wrapped.width, &self->wrapped.height);
  self->wrapped.wrap_width = width;
  return &self->wrapped;
}

static int
natural_width (KithMessageBody *self)
{
  int max;

  ensure_layout (self);
  max = MAX_WIDTH_CHARS * char_width (self);
  /* Wrapped at the widest a bubble may be, as wide as its widest line. */
  return PANGO_PIXELS_CEIL (shape_for (self, max)->width);
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

  gtk_widget_allocate (self->label, width, height, baseline, NULL);
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
kith_message_body_class_init (KithMessageBodyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kith_message_body_dispose;
  widget_class->measure = kith_message_body_measure;
  widget_class->size_allocate = kith_message_body_size_allocate;
  widget_class->get_request_mode = kith_message_body_get_request_mode;
  widget_class->system_setting_changed = kith_message_body_system_setting_changed;
  gtk_widget_class_set_css_name (widget_class, "kithmessagebody");
}

static void
kith_message_body_init (KithMessageBody *self)
{
  /* The text can be selected and copied (not focused: Tab goes by). */
  self->label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (self->label), TRUE);
  gtk_widget_set_focusable (self->label, FALSE);
  gtk_widget_add_css_class (self->label, "kith-bubble-body");
  gtk_widget_set_parent (self->label, GTK_WIDGET (self));
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

  return gtk_label_get_text (GTK_LABEL (self->label));
}

void
kith_message_body_set_text (KithMessageBody *self,
                            const char      *text)
{
  g_return_if_fail (KITH_IS_MESSAGE_BODY (self));

  if (g_strcmp0 (text, gtk_label_get_text (GTK_LABEL (self->label))) == 0)
    return;
  gtk_label_set_text (GTK_LABEL (self->label), text);
  forget_layout (self);
}

GtkLabel *
kith_message_body_get_label (KithMessageBody *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE_BODY (self), NULL);

  return GTK_LABEL (self->label);
}
