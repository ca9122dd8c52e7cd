/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallBanner"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-call-banner.h"

struct _KithCallBanner
{
  GtkWidget        parent_instance;

  KithCallManager *calls;
  KithCall        *call;        /* the call that rings, while it rings */

  GtkWidget       *revealer;
  GtkWidget       *box;
  GtkWidget       *avatar;
  GtkWidget       *title_label;
  GtkWidget       *kind_label;
  GtkWidget       *decline_button;
  GtkWidget       *answer_button;
};

enum {
  PROP_0,
  PROP_CALLS,
  PROP_CALL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithCallBanner, kith_call_banner, GTK_TYPE_WIDGET)

static void follow_current (KithCallBanner *self);

static void
show_call (KithCallBanner *self)
{
  KithContact *peer = kith_call_get_peer (self->call);
  const char *name = peer != NULL ? kith_contact_get_display_name (peer) : _("Someone");
  gboolean video = kith_call_get_video (self->call);
  g_autofree char *title = NULL;
  g_autofree char *a11y = NULL;

  /* Translators: the incoming call banner; %s is the caller's name */
  title = g_strdup_printf (_("%s is calling…"), name);
  gtk_label_set_label (GTK_LABEL (self->title_label), title);
  gtk_label_set_label (GTK_LABEL (self->kind_label), video ? _("Video call") : _("Audio call"));
  adw_avatar_set_text (ADW_AVATAR (self->avatar), name);

  /* Translators: what a screen reader says for the banner: the caller, then "Video call" */
  a11y = g_strdup_printf (_("Incoming call from %s, %s"), name,
                          video ? _("Video call") : _("Audio call"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
  g_free (a11y);
  /* Translators: the banner's Answer button, for a screen reader */
  a11y = g_strdup_printf (_("Answer the call from %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->answer_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
  g_free (a11y);
  /* Translators: the banner's Decline button, for a screen reader */
  a11y = g_strdup_printf (_("Decline the call from %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->decline_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
}

static void
set_call (KithCallBanner *self,
          KithCall       *call)
{
  if (self->call == call)
    return;

  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  g_set_object (&self->call, call);
  if (call != NULL) {
    g_signal_connect_object (call, "state-changed", G_CALLBACK (follow_current), self,
                             G_CONNECT_SWAPPED);
    show_call (self);
  }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call-banner.answer", call != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call-banner.decline", call != NULL);
  /* The revealer's content stays as it was while it slides out. */
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), call != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
}

/* Shown while the manager's current call rings in; gone the moment it
 * does not. */
static void
follow_current (KithCallBanner *self)
{
  KithCall *current = self->calls != NULL ? kith_call_manager_get_current (self->calls) : NULL;

  if (current != NULL &&
      kith_call_get_direction (current) == KITH_CALL_INCOMING &&
      kith_call_get_state (current) == KITH_CALL_RINGING_IN)
    set_call (self, current);
  else
    set_call (self, NULL);
}

/* The call's state-changed hides the banner, during the call below: a
 * reference keeps the call until it returns. */
static void
on_answer (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  KithCallBanner *self = KITH_CALL_BANNER (widget);
  g_autoptr (KithCall) call = self->call != NULL ? g_object_ref (self->call) : NULL;

  if (call != NULL)
    kith_call_answer (call);
}

static void
on_decline (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  KithCallBanner *self = KITH_CALL_BANNER (widget);
  g_autoptr (KithCall) call = self->call != NULL ? g_object_ref (self->call) : NULL;

  if (call != NULL)
    kith_call_decline (call);
}

static void
kith_call_banner_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KithCallBanner *self = KITH_CALL_BANNER (object);

  switch (prop_id) {
  case PROP_CALLS:
    g_value_set_object (value, self->calls);
    break;

  case PROP_CALL:
    g_value_set_object (value, self->call);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_banner_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KithCallBanner *self = KITH_CALL_BANNER (object);

  switch (prop_id) {
  case PROP_CALLS:
    self->calls = g_value_dup_object (value);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_banner_constructed (GObject *object)
{
  KithCallBanner *self = KITH_CALL_BANNER (object);

  G_OBJECT_CLASS (kith_call_banner_parent_class)->constructed (object);

  if (self->calls != NULL)
    g_signal_connect_object (self->calls, "notify::current", G_CALLBACK (follow_current), self,
                             G_CONNECT_SWAPPED);
  follow_current (self);
}

static void
kith_call_banner_dispose (GObject *object)
{
  KithCallBanner *self = KITH_CALL_BANNER (object);

  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  g_clear_object (&self->call);
  if (self->calls != NULL)
    g_signal_handlers_disconnect_by_data (self->calls, self);
  g_clear_object (&self->calls);
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_CALL_BANNER);

  G_OBJECT_CLASS (kith_call_banner_parent_class)->dispose (object);
}

static void
kith_call_banner_class_init (KithCallBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_call_banner_get_property;
  object_class->set_property = kith_call_banner_set_property;
  object_class->constructed = kith_call_banner_constructed;
  object_class->dispose = kith_call_banner_dispose;

  properties[PROP_CALLS] =
    g_param_spec_object ("calls", NULL, NULL, KITH_TYPE_CALL_MANAGER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CALL] =
    g_param_spec_object ("call", NULL, NULL, KITH_TYPE_CALL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-call-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, KithCallBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, KithCallBanner, box);
  gtk_widget_class_bind_template_child (widget_class, KithCallBanner, avatar);
  gtk_widget_class_bind_template_child (widget_class, KithCallBanner, title_label);
  gtk_widget_class_bind_template_child (widget_class, KithCallBanner, kind_label);
  gtk_widget_class_bind_template_child (widget_class, KithCallBanner, decline_button);
  gtk_widget_class_bind_template_child (widget_class, KithCallBanner, answer_button);

  gtk_widget_class_install_action (widget_class, "call-banner.answer", NULL, on_answer);
  gtk_widget_class_install_action (widget_class, "call-banner.decline", NULL, on_decline);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "kithcallbanner");
}

static void
kith_call_banner_init (KithCallBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call-banner.answer", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call-banner.decline", FALSE);
}

GtkWidget *
kith_call_banner_new (KithCallManager *calls)
{
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (calls), NULL);

  return g_object_new (KITH_TYPE_CALL_BANNER, "calls", calls, NULL);
}

KithCall *
kith_call_banner_get_call (KithCallBanner *self)
{
  g_return_val_if_fail (KITH_IS_CALL_BANNER (self), NULL);

  return self->call;
}

gboolean
kith_call_banner_get_revealed (KithCallBanner *self)
{
  g_return_val_if_fail (KITH_IS_CALL_BANNER (self), FALSE);

  return gtk_revealer_get_reveal_child (GTK_REVEALER (self->revealer));
}
