/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallAlerts"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "kith-call-alerts.h"

#define CALL_NOTIFICATION "call"

struct _KithCallAlerts
{
  GObject          parent_instance;

  GApplication    *application;     /* weak: the application owns us */
  KithCallManager *calls;
  KithRinger      *ringer;
  KithCall        *ringing;         /* the call that rings here, while it rings */
  GSettings       *desktop_notifications;  /* GNOME's, for Do Not Disturb; NULL: none */
  GHashTable      *missed_notified; /* call ids whose missed call was notified */
};

enum {
  PROP_0,
  PROP_CALLER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithCallAlerts, kith_call_alerts, G_TYPE_OBJECT)

/* GNOME's Do Not Disturb: notification banners off. No such schema (not
 * GNOME, or gsettings-desktop-schemas missing): not on. */
static gboolean
do_not_disturb (KithCallAlerts *self)
{
  return self->desktop_notifications != NULL &&
         !g_settings_get_boolean (self->desktop_notifications, "show-banners");
}

static const char *
caller_name (KithCall *call)
{
  KithContact *peer = kith_call_get_peer (call);

  return peer != NULL ? kith_contact_get_display_name (peer) : _("Someone");
}

/* The ring tone follows the ringing call and the desktop's Do Not
 * Disturb, which may change while it rings. */
static void
sync_ringer (KithCallAlerts *self)
{
  if (self->ringing != NULL && !do_not_disturb (self))
    kith_ringer_start (self->ringer);
  else
    kith_ringer_stop (self->ringer);
}

static void
set_ringing (KithCallAlerts *self,
             KithCall       *call)
{
  if (self->ringing != NULL)
    g_signal_handlers_disconnect_by_data (self->ringing, self);
  g_set_object (&self->ringing, call);
  sync_ringer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALLER]);
}

/* Under Do Not Disturb the notification goes out at high rather than
 * urgent priority: GNOME Shell then lists it without a banner or a sound,
 * where an urgent one would break through. */
static void
send_call_notification (KithCallAlerts *self,
                        KithCall       *call)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *title = NULL;
  GVariant *id = g_variant_new_string (kith_call_get_id (call));

  /* Translators: an incoming call's notification; %s is the caller */
  title = g_strdup_printf (_("%s is calling"), caller_name (call));
  notification = g_notification_new (title);
  g_notification_set_body (notification, kith_call_get_video (call) ? _("Video call") : _("Audio call"));
  g_notification_set_priority (notification, do_not_disturb (self) ? G_NOTIFICATION_PRIORITY_HIGH
                                                                   : G_NOTIFICATION_PRIORITY_URGENT);
  g_notification_set_default_action (notification, "app.show");
  g_notification_add_button_with_target_value (notification, _("Decline"), "app.decline-call", id);
  g_notification_add_button_with_target_value (notification, _("Answer"), "app.answer-call", id);
  g_application_send_notification (self->application, CALL_NOTIFICATION, notification);
}

/* Once per call: from the call that rang here, or from its call event
 * when this device was not connected while it rang. */
static void
send_missed_notification (KithCallAlerts *self,
                          const char     *call_id,
                          KithContact    *peer,
                          gboolean        video)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;

  if (!g_hash_table_add (self->missed_notified, g_strdup (call_id)))
    return;

  /* Translators: a missed call's notification; %s is the caller */
  title = g_strdup_printf (_("Missed call from %s"),
                           peer != NULL ? kith_contact_get_display_name (peer) : _("someone"));
  notification = g_notification_new (title);
  g_notification_set_body (notification, video ? _("Video call") : _("Audio call"));
  g_notification_set_category (notification, "im.received");
  if (peer != NULL) {
    g_notification_set_default_action_and_target_value (notification, "app.open-chat",
                                                        g_variant_new_int64 (kith_contact_get_id (peer)));
    id = g_strdup_printf ("missed-call-%" G_GINT64_FORMAT, kith_contact_get_id (peer));
  } else {
    g_notification_set_default_action (notification, "app.show");
    id = g_strdup ("missed-call");
  }
  g_application_send_notification (self->application, id, notification);
}

static void
on_ringing_call_state_changed (KithCall       *call,
                               KithCallState   state,
                               KithCallState   old_state,
                               KithCallAlerts *self)
{
  g_autoptr (KithCall) hold = g_object_ref (call);

  if (state == KITH_CALL_RINGING_IN)
    return;

  /* Answered (here or elsewhere), declined, given up, missed: it rings no
   * more, anywhere here. */
  set_ringing (self, NULL);
  g_application_withdraw_notification (self->application, CALL_NOTIFICATION);

  if (state == KITH_CALL_ENDED && kith_call_get_end_reason (call) == KITH_CALL_END_MISSED)
    send_missed_notification (self, kith_call_get_id (call), kith_call_get_peer (call),
                              kith_call_get_video (call));
}

static void
on_incoming_call (KithCallManager *calls,
                  KithCall        *call,
                  KithCallAlerts  *self)
{
  g_debug ("A call rings%s", do_not_disturb (self) ? " (Do Not Disturb: no ring tone)" : "");
  set_ringing (self, call);
  g_signal_connect_object (call, "state-changed", G_CALLBACK (on_ringing_call_state_changed), self, 0);
  send_call_notification (self, call);
}

static void
kith_call_alerts_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KithCallAlerts *self = KITH_CALL_ALERTS (object);

  switch (prop_id) {
  case PROP_CALLER:
    g_value_set_string (value, kith_call_alerts_get_caller (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_alerts_dispose (GObject *object)
{
  KithCallAlerts *self = KITH_CALL_ALERTS (object);

  if (self->ringing != NULL)
    g_signal_handlers_disconnect_by_data (self->ringing, self);
  g_clear_object (&self->ringing);
  if (self->calls != NULL)
    g_signal_handlers_disconnect_by_data (self->calls, self);
  g_clear_object (&self->calls);
  g_clear_object (&self->ringer);
  g_clear_object (&self->desktop_notifications);
  self->application = NULL;

  G_OBJECT_CLASS (kith_call_alerts_parent_class)->dispose (object);
}

static void
kith_call_alerts_finalize (GObject *object)
{
  KithCallAlerts *self = KITH_CALL_ALERTS (object);

  g_hash_table_unref (self->missed_notified);

  G_OBJECT_CLASS (kith_call_alerts_parent_class)->finalize (object);
}

static void
kith_call_alerts_class_init (KithCallAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_call_alerts_get_property;
  object_class->dispose = kith_call_alerts_dispose;
  object_class->finalize = kith_call_alerts_finalize;

  properties[PROP_CALLER] =
    g_param_spec_string ("caller", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_call_alerts_init (KithCallAlerts *self)
{
  self->missed_notified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ringer = kith_ringer_new ();
}

KithCallAlerts *
kith_call_alerts_new (GApplication    *application,
                      KithCallManager *calls)
{
  KithCallAlerts *self;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (calls), NULL);

  self = g_object_new (KITH_TYPE_CALL_ALERTS, NULL);
  self->application = application;
  self->calls = g_object_ref (calls);

  /* Do Not Disturb is read from GNOME's settings when they are installed. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "org.gnome.desktop.notifications", TRUE);
  if (schema != NULL && g_settings_schema_has_key (schema, "show-banners")) {
    self->desktop_notifications = g_settings_new_full (schema, NULL, NULL);
    g_signal_connect_object (self->desktop_notifications, "changed::show-banners",
                             G_CALLBACK (sync_ringer), self, G_CONNECT_SWAPPED);
  }
  g_signal_connect_object (calls, "incoming-call", G_CALLBACK (on_incoming_call), self, 0);
  return self;
}

KithCall *
kith_call_alerts_get_ringing (KithCallAlerts *self)
{
  g_return_val_if_fail (KITH_IS_CALL_ALERTS (self), NULL);

  return self->ringing;
}

const char *
kith_call_alerts_get_caller (KithCallAlerts *self)
{
  g_return_val_if_fail (KITH_IS_CALL_ALERTS (self), NULL);

  return self->ringing != NULL ? caller_name (self->ringing) : NULL;
}

KithCall *
kith_call_alerts_find_ringing (KithCallAlerts *self,
                               const char     *call_id)
{
  g_return_val_if_fail (KITH_IS_CALL_ALERTS (self), NULL);

  if (self->ringing == NULL || kith_call_get_state (self->ringing) != KITH_CALL_RINGING_IN ||
      g_strcmp0 (kith_call_get_id (self->ringing), call_id) != 0)
    return NULL;
  return self->ringing;
}

KithRinger *
kith_call_alerts_get_ringer (KithCallAlerts *self)
{
  g_return_val_if_fail (KITH_IS_CALL_ALERTS (self), NULL);

  return self->ringer;
}

void
kith_call_alerts_handle_call_event (KithCallAlerts *self,
                                    KithContact    *contact,
                                    KithMessage    *message)
{
  const char *id;

  g_return_if_fail (KITH_IS_CALL_ALERTS (self));
  g_return_if_fail (KITH_IS_MESSAGE (message));

  if (kith_message_get_direction (message) != KITH_MESSAGE_INCOMING ||
      !kith_message_get_is_call (message) ||
      kith_message_get_call_outcome (message) != KITH_CALL_OUTCOME_MISSED)
    return;
  /* kithd's id for a call event is "call:" and the call's id. */
  id = kith_message_get_id (message);
  if (g_str_has_prefix (id, "call:"))
    id += strlen ("call:");
  send_missed_notification (self, id, contact, kith_message_get_call_video (message));
}

void
kith_call_alerts_stop (KithCallAlerts *self)
{
  g_return_if_fail (KITH_IS_CALL_ALERTS (self));

  set_ringing (self, NULL);
}
