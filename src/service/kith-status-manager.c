/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithStatusManager"

#include "config.h"

#include "kith-status-manager.h"

struct _KithStatusManager
{
  GObject           parent_instance;

  KithIdleMonitor  *idle_monitor;
  KithDeviceKind    device_kind;
  KithChosenStatus  chosen;
  gboolean          idle;
  gboolean          in_call;
  KithPresence      presence;
};

enum {
  PROP_0,
  PROP_CHOSEN,
  PROP_IDLE,
  PROP_AUTO_IDLE,
  PROP_IDLE_DELAY,
  PROP_IN_CALL,
  PROP_PRESENCE,
  PROP_IDLE_MONITOR,
  N_PROPS
};

enum {
  SEND_FRAME,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithStatusManager, kith_status_manager, G_TYPE_OBJECT)

static void
update_presence (KithStatusManager *self)
{
  KithDeviceState device = { self->device_kind, self->idle };
  KithPresence presence = kith_presence_resolve (self->chosen, &device, 1, self->in_call);

  if (self->presence == presence)
    return;
  self->presence = presence;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE]);
}

static void
send_chosen (KithStatusManager *self)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_PRESENCE_SET);

  /* In a call the user shows as busy; the chosen status comes back after. */
  frame->chosen = self->in_call && self->chosen == KITH_CHOSEN_ONLINE ? KITH_CHOSEN_BUSY : self->chosen;
  g_signal_emit (self, signals[SEND_FRAME], 0, frame);
}

static void
send_activity (KithStatusManager *self)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_ACTIVITY);

  frame->idle = self->idle;
  g_signal_emit (self, signals[SEND_FRAME], 0, frame);
}

static void
on_idle_changed (KithStatusManager *self)
{
  gboolean idle = kith_idle_monitor_get_idle (self->idle_monitor);

  if (self->idle == idle)
    return;
  self->idle = idle;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE]);
  update_presence (self);
  send_activity (self);
}

static void
kith_status_manager_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  KithStatusManager *self = KITH_STATUS_MANAGER (object);

  switch (prop_id) {
  case PROP_CHOSEN:
    g_value_set_enum (value, self->chosen);
    break;
  case PROP_IDLE:
    g_value_set_boolean (value, self->idle);
    break;
  case PROP_AUTO_IDLE:
    g_value_set_boolean (value, kith_status_manager_get_auto_idle (self));
    break;
  case PROP_IDLE_DELAY:
    g_value_set_uint (value, kith_status_manager_get_idle_delay (self));
    break;
  case PROP_IN_CALL:
    g_value_set_boolean (value, self->in_call);
    break;
  case PROP_PRESENCE:
    g_value_set_enum (value, self->presence);
    break;
  case PROP_IDLE_MONITOR:
    g_value_set_object (value, self->idle_monitor);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_status_manager_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  KithStatusManager *self = KITH_STATUS_MANAGER (object);

  switch (prop_id) {
  case PROP_CHOSEN:
    kith_status_manager_set_chosen (self, g_value_get_enum (value));
    break;
  case PROP_AUTO_IDLE:
    kith_status_manager_set_auto_idle (self, g_value_get_boolean (value));
    break;
  case PROP_IDLE_DELAY:
    kith_status_manager_set_idle_delay (self, g_value_get_uint (value));
    break;
  case PROP_IN_CALL:
    kith_status_manager_set_in_call (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_status_manager_dispose (GObject *object)
{
  KithStatusManager *self = KITH_STATUS_MANAGER (object);

  if (self->idle_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->idle_monitor, self);
  g_clear_object (&self->idle_monitor);

  G_OBJECT_CLASS (kith_status_manager_parent_class)->dispose (object);
}

static void
kith_status_manager_class_init (KithStatusManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_status_manager_get_property;
  object_class->set_property = kith_status_manager_set_property;
  object_class->dispose = kith_status_manager_dispose;

  properties[PROP_CHOSEN] =
    g_param_spec_enum ("chosen", NULL, NULL, KITH_TYPE_CHOSEN_STATUS, KITH_CHOSEN_ONLINE, rw);
  properties[PROP_IDLE] = g_param_spec_boolean ("idle", NULL, NULL, FALSE, ro);
  properties[PROP_AUTO_IDLE] = g_param_spec_boolean ("auto-idle", NULL, NULL, TRUE, rw);
  properties[PROP_IDLE_DELAY] =
    g_param_spec_uint ("idle-delay", NULL, NULL, 1, G_MAXUINT32 / 1000, 300, rw);
  properties[PROP_IN_CALL] = g_param_spec_boolean ("in-call", NULL, NULL, FALSE, rw);
  properties[PROP_PRESENCE] =
    g_param_spec_enum ("presence", NULL, NULL, KITH_TYPE_PRESENCE, KITH_PRESENCE_ONLINE, ro);
  properties[PROP_IDLE_MONITOR] =
    g_param_spec_object ("idle-monitor", NULL, NULL, KITH_TYPE_IDLE_MONITOR, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SEND_FRAME] =
    g_signal_new ("send-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
kith_status_manager_init (KithStatusManager *self)
{
  self->chosen = KITH_CHOSEN_ONLINE;
  self->presence = KITH_PRESENCE_ONLINE;
}

KithStatusManager *
kith_status_manager_new (KithIdleMonitor *idle_monitor,
                         KithDeviceKind   device_kind)
{
  KithStatusManager *self;

  g_return_val_if_fail (KITH_IS_IDLE_MONITOR (idle_monitor), NULL);

  self = g_object_new (KITH_TYPE_STATUS_MANAGER, NULL);
  self->idle_monitor = g_object_ref (idle_monitor);
  self->device_kind = device_kind;
  g_signal_connect_swapped (idle_monitor, "notify::idle", G_CALLBACK (on_idle_changed), self);
  self->idle = kith_idle_monitor_get_idle (idle_monitor);
  update_presence (self);

  return self;
}

KithChosenStatus
kith_status_manager_get_chosen (KithStatusManager *self)
{
  g_return_val_if_fail (KITH_IS_STATUS_MANAGER (self), KITH_CHOSEN_ONLINE);
  return self->chosen;
}

void
kith_status_manager_set_chosen (KithStatusManager *self,
                                KithChosenStatus   chosen)
{
  g_return_if_fail (KITH_IS_STATUS_MANAGER (self));

  if (self->chosen == chosen)
    return;
  self->chosen = chosen;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOSEN]);
  update_presence (self);
  send_chosen (self);
}

gboolean
kith_status_manager_get_idle (KithStatusManager *self)
{
  g_return_val_if_fail (KITH_IS_STATUS_MANAGER (self), FALSE);
  return self->idle;
}

gboolean
kith_status_manager_get_auto_idle (KithStatusManager *self)
{
  g_return_val_if_fail (KITH_IS_STATUS_MANAGER (self), FALSE);
  return kith_idle_monitor_get_enabled (self->idle_monitor);
}

void
kith_status_manager_set_auto_idle (KithStatusManager *self,
                                   gboolean           auto_idle)
{
  g_return_if_fail (KITH_IS_STATUS_MANAGER (self));

  if (kith_status_manager_get_auto_idle (self) == !!auto_idle)
    return;
  kith_idle_monitor_set_enabled (self->idle_monitor, auto_idle);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_IDLE]);
}

guint
kith_status_manager_get_idle_delay (KithStatusManager *self)
{
  g_return_val_if_fail (KITH_IS_STATUS_MANAGER (self), 0);
  return kith_idle_monitor_get_idle_delay (self->idle_monitor);
}

void
kith_status_manager_set_idle_delay (KithStatusManager *self,
                                    guint              seconds)
{
  g_return_if_fail (KITH_IS_STATUS_MANAGER (self));

  if (kith_status_manager_get_idle_delay (self) == seconds)
    return;
  kith_idle_monitor_set_idle_delay (self->idle_monitor, seconds);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_DELAY]);
}

gboolean
kith_status_manager_get_in_call (KithStatusManager *self)
{
  g_return_val_if_fail (KITH_IS_STATUS_MANAGER (self), FALSE);
  return self->in_call;
}

void
kith_status_manager_set_in_call (KithStatusManager *self,
                                 gboolean           in_call)
{
  g_return_if_fail (KITH_IS_STATUS_MANAGER (self));

  in_call = !!in_call;
  if (self->in_call == in_call)
    return;
  self->in_call = in_call;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IN_CALL]);
  update_presence (self);
  send_chosen (self);
}

KithPresence
kith_status_manager_get_presence (KithStatusManager *self)
{
  g_return_val_if_fail (KITH_IS_STATUS_MANAGER (self), KITH_PRESENCE_OFFLINE);
  return self->presence;
}

KithIdleMonitor *
kith_status_manager_get_idle_monitor (KithStatusManager *self)
{
  g_return_val_if_fail (KITH_IS_STATUS_MANAGER (self), NULL);
  return self->idle_monitor;
}

void
kith_status_manager_resync (KithStatusManager *self)
{
  g_return_if_fail (KITH_IS_STATUS_MANAGER (self));

  send_chosen (self);
  send_activity (self);
}
