/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithIdleMonitor"

#include "config.h"

#include "kith-idle-monitor.h"
#include "kith-service-enums.h"

#define MUTTER_NAME  "org.gnome.Mutter.IdleMonitor"
#define MUTTER_PATH  "/org/gnome/Mutter/IdleMonitor/Core"
#define MUTTER_IFACE "org.gnome.Mutter.IdleMonitor"
#define SAVER_NAME   "org.freedesktop.ScreenSaver"
#define SAVER_PATH   "/org/freedesktop/ScreenSaver"
#define SAVER_IFACE  "org.freedesktop.ScreenSaver"
#define SAVER_POLL_SECONDS 2
/* While idle, how often the source is asked whether input came back. */
#define SOURCE_IDLE_POLL_MS 1000

struct _KithIdleMonitor
{
  GObject          parent_instance;

  GDBusConnection *connection;
  GCancellable    *cancellable;
  KithIdleBackend  backend;
  gboolean         started;
  gboolean         raw_idle;
  gboolean         enabled;
  guint            idle_delay;
  KithIdleSource  *source;
  gint64           last_input;     /* app backend: monotonic µs of the last input */

  guint            fired_subscription;
  guint            idle_watch;
  guint            active_watch;
  guint            timer;          /* app timer or screensaver poll */
};

enum {
  PROP_0,
  PROP_IDLE,
  PROP_IDLE_DELAY,
  PROP_ENABLED,
  PROP_BACKEND,
  PROP_CONNECTION,
  PROP_SOURCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithIdleMonitor, kith_idle_monitor, G_TYPE_OBJECT)

static void try_screensaver (KithIdleMonitor *self);
static void try_source (KithIdleMonitor *self);
static void start_app_backend (KithIdleMonitor *self);

static void
set_raw_idle (KithIdleMonitor *self,
              gboolean         idle)
{
  gboolean before = self->enabled && self->raw_idle;

  self->raw_idle = idle;
  if (before != (self->enabled && self->raw_idle)) {
    g_debug ("idle: %d", !before);
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE]);
  }
}

static void
set_backend (KithIdleMonitor *self,
             KithIdleBackend  backend)
{
  if (self->backend == backend)
    return;
  self->backend = backend;
  g_debug ("backend %d", backend);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND]);
}

/* ---- Mutter ---- */

static void
on_active_watch_added (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr (KithIdleMonitor) self = user_data;
  g_autoptr (GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  if (reply != NULL && self->backend == KITH_IDLE_BACKEND_MUTTER)
    g_variant_get (reply, "(u)", &self->active_watch);
}

static void
on_idle_watch_added (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (KithIdleMonitor) self = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    g_debug ("AddIdleWatch failed: %s", error->message);
    return;
  }
  g_variant_get (reply, "(u)", &self->idle_watch);
}

static void
mutter_add_idle_watch (KithIdleMonitor *self)
{
  if (self->idle_watch != 0) {
    g_dbus_connection_call (self->connection, MUTTER_NAME, MUTTER_PATH, MUTTER_IFACE,
                            "RemoveWatch", g_variant_new ("(u)", self->idle_watch),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
    self->idle_watch = 0;
  }
  g_dbus_connection_call (self->connection, MUTTER_NAME, MUTTER_PATH, MUTTER_IFACE,
                          "AddIdleWatch",
                          g_variant_new ("(t)", (guint64) self->idle_delay * 1000),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, on_idle_watch_added, g_object_ref (self));
}

static void
on_watch_fired (GDBusConnection *connection,
                const char      *sender,
                const char      *path,
                const char      *iface,
                const char      *signal,
                GVariant        *parameters,
                gpointer         user_data)
{
  KithIdleMonitor *self = user_data;
  guint id = 0;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(u)")))
    return;
  g_variant_get (parameters, "(u)", &id);

  if (id != 0 && id == self->idle_watch) {
    set_raw_idle (self, TRUE);
    g_dbus_connection_call (self->connection, MUTTER_NAME, MUTTER_PATH, MUTTER_IFACE,
                            "AddUserActiveWatch", NULL, G_VARIANT_TYPE ("(u)"),
                            G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                            on_active_watch_added, g_object_ref (self));
  } else if (id != 0 && id == self->active_watch) {
    self->active_watch = 0;
    set_raw_idle (self, FALSE);
  }
}

static void
on_mutter_idletime (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (KithIdleMonitor) self = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    g_debug ("no Mutter idle monitor: %s", error->message);
    try_screensaver (self);
    return;
  }

  set_backend (self, KITH_IDLE_BACKEND_MUTTER);
  self->fired_subscription =
    g_dbus_connection_signal_subscribe (self->connection, MUTTER_NAME, MUTTER_IFACE,
                                        "WatchFired", MUTTER_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_watch_fired, self, NULL);
  mutter_add_idle_watch (self);
}

/* ---- ScreenSaver ---- */

static gboolean poll_screensaver (gpointer user_data);

static void
on_saver_idletime (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (KithIdleMonitor) self = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  guint32 seconds = 0;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    if (self->backend == KITH_IDLE_BACKEND_NONE) {
      g_debug ("no ScreenSaver either: %s", error->message);
      try_source (self);
    }
    return;
  }

  if (self->backend == KITH_IDLE_BACKEND_NONE) {
    set_backend (self, KITH_IDLE_BACKEND_SCREENSAVER);
    self->timer = g_timeout_add_seconds (SAVER_POLL_SECONDS, poll_screensaver, self);
  }
  g_variant_get (reply, "(u)", &seconds);
  set_raw_idle (self, seconds >= self->idle_delay);
}

static gboolean
poll_screensaver (gpointer user_data)
{
  KithIdleMonitor *self = user_data;

  g_dbus_connection_call (self->connection, SAVER_NAME, SAVER_PATH, SAVER_IFACE,
                          "GetSessionIdleTime", NULL, G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                          on_saver_idletime, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

static void
try_screensaver (KithIdleMonitor *self)
{
  poll_screensaver (self);
}

/* ---- the app's source (X11) ---- */

static gboolean on_timer (gpointer user_data);

/* Asks the source, then asks again when idle-delay could have passed at the
 * earliest (or, while idle, every second, to see input come back). */
static void
poll_source (KithIdleMonitor *self)
{
  guint64 idle_ms = 0;
  guint64 delay_ms = (guint64) self->idle_delay * 1000;
  guint64 next_ms;

  g_clear_handle_id (&self->timer, g_source_remove);
  if (!kith_idle_source_get_idle_time (self->source, &idle_ms)) {
    g_debug ("the idle source stopped answering");
    start_app_backend (self);
    return;
  }

  set_raw_idle (self, idle_ms >= delay_ms);
  next_ms = self->raw_idle ? SOURCE_IDLE_POLL_MS : delay_ms - idle_ms;
  self->timer = g_timeout_add ((guint) MIN (next_ms, G_MAXUINT32), on_timer, self);
}

static void
try_source (KithIdleMonitor *self)
{
  guint64 idle_ms = 0;

  if (self->source == NULL || !kith_idle_source_get_idle_time (self->source, &idle_ms)) {
    start_app_backend (self);
    return;
  }
  set_backend (self, KITH_IDLE_BACKEND_SOURCE);
  poll_source (self);
}

/* ---- the app ---- */

/* Idle once idle-delay has passed since the last input the app reported;
 * until then a timer waits for that moment. Input only moves last_input,
 * so that a burst of pointer motion costs no timer churn. */
static void
check_app_input (KithIdleMonitor *self)
{
  gint64 delay_us = (gint64) self->idle_delay * G_USEC_PER_SEC;
  gint64 quiet_us = g_get_monotonic_time () - self->last_input;

  g_clear_handle_id (&self->timer, g_source_remove);
  set_raw_idle (self, quiet_us >= delay_us);
  if (!self->raw_idle)
    self->timer = g_timeout_add ((guint) ((delay_us - quiet_us) / 1000 + 1), on_timer, self);
}


static void
start_app_backend (KithIdleMonitor *self)
{
  g_clear_handle_id (&self->timer, g_source_remove);
  set_backend (self, KITH_IDLE_BACKEND_APP);
  self->last_input = g_get_monotonic_time ();
  check_app_input (self);
}

/* Looks again with the backend in use: after a new idle-delay, and when the
 * timer of the source's or the app's backend is up. */
static void
check_again (KithIdleMonitor *self)
{
  if (self->backend == KITH_IDLE_BACKEND_MUTTER)
    mutter_add_idle_watch (self);
  else if (self->backend == KITH_IDLE_BACKEND_SOURCE)
    poll_source (self);
  else if (self->backend == KITH_IDLE_BACKEND_APP)
    check_app_input (self);
}

/* The timer that poll_source () and check_app_input () set: one at a time,
 * cleared whenever the backend changes. */
static gboolean
on_timer (gpointer user_data)
{
  KithIdleMonitor *self = user_data;

  self->timer = 0;
  check_again (self);
  return G_SOURCE_REMOVE;
}

static void
on_bus (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr (KithIdleMonitor) self = user_data;
  g_autoptr (GError) error = NULL;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      try_source (self);
    return;
  }
  g_dbus_connection_call (self->connection, MUTTER_NAME, MUTTER_PATH, MUTTER_IFACE,
                          "GetIdletime", NULL, G_VARIANT_TYPE ("(t)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                          on_mutter_idletime, g_object_ref (self));
}

/* ---- GObject ---- */

static void
kith_idle_monitor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KithIdleMonitor *self = KITH_IDLE_MONITOR (object);

  switch (prop_id) {
  case PROP_IDLE:
    g_value_set_boolean (value, kith_idle_monitor_get_idle (self));
    break;
  case PROP_IDLE_DELAY:
    g_value_set_uint (value, self->idle_delay);
    break;
  case PROP_ENABLED:
    g_value_set_boolean (value, self->enabled);
    break;
  case PROP_BACKEND:
    g_value_set_enum (value, self->backend);
    break;
  case PROP_CONNECTION:
    g_value_set_object (value, self->connection);
    break;
  case PROP_SOURCE:
    g_value_set_object (value, self->source);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_idle_monitor_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  KithIdleMonitor *self = KITH_IDLE_MONITOR (object);

  switch (prop_id) {
  case PROP_IDLE_DELAY:
    kith_idle_monitor_set_idle_delay (self, g_value_get_uint (value));
    break;
  case PROP_ENABLED:
    kith_idle_monitor_set_enabled (self, g_value_get_boolean (value));
    break;
  case PROP_CONNECTION:
    self->connection = g_value_dup_object (value);
    break;
  case PROP_SOURCE:
    kith_idle_monitor_set_source (self, g_value_get_object (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_idle_monitor_dispose (GObject *object)
{
  KithIdleMonitor *self = KITH_IDLE_MONITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->connection != NULL && self->fired_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->fired_subscription);
  self->fired_subscription = 0;
  if (self->connection != NULL && self->idle_watch != 0)
    g_dbus_connection_call (self->connection, MUTTER_NAME, MUTTER_PATH, MUTTER_IFACE,
                            "RemoveWatch", g_variant_new ("(u)", self->idle_watch),
                            NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
  self->idle_watch = 0;
  g_clear_object (&self->connection);
  g_clear_object (&self->source);

  G_OBJECT_CLASS (kith_idle_monitor_parent_class)->dispose (object);
}

static void
kith_idle_monitor_class_init (KithIdleMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_idle_monitor_get_property;
  object_class->set_property = kith_idle_monitor_set_property;
  object_class->dispose = kith_idle_monitor_dispose;

  properties[PROP_IDLE] =
    g_param_spec_boolean ("idle", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDLE_DELAY] =
    g_param_spec_uint ("idle-delay", NULL, NULL, 1, G_MAXUINT32 / 1000, 300,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BACKEND] =
    g_param_spec_enum ("backend", NULL, NULL, KITH_TYPE_IDLE_BACKEND, KITH_IDLE_BACKEND_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL, KITH_TYPE_IDLE_SOURCE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_idle_monitor_init (KithIdleMonitor *self)
{
  self->enabled = TRUE;
  self->idle_delay = 300;
  self->cancellable = g_cancellable_new ();
}

KithIdleMonitor *
kith_idle_monitor_new (GDBusConnection *connection)
{
  return g_object_new (KITH_TYPE_IDLE_MONITOR, "connection", connection, NULL);
}

gboolean
kith_idle_monitor_get_idle (KithIdleMonitor *self)
{
  g_return_val_if_fail (KITH_IS_IDLE_MONITOR (self), FALSE);
  return self->enabled && self->raw_idle;
}

KithIdleBackend
kith_idle_monitor_get_backend (KithIdleMonitor *self)
{
  g_return_val_if_fail (KITH_IS_IDLE_MONITOR (self), KITH_IDLE_BACKEND_NONE);
  return self->backend;
}

guint
kith_idle_monitor_get_idle_delay (KithIdleMonitor *self)
{
  g_return_val_if_fail (KITH_IS_IDLE_MONITOR (self), 0);
  return self->idle_delay;
}

void
kith_idle_monitor_set_idle_delay (KithIdleMonitor *self,
                                  guint            seconds)
{
  g_return_if_fail (KITH_IS_IDLE_MONITOR (self));

  seconds = MAX (seconds, 1);
  if (self->idle_delay == seconds)
    return;
  self->idle_delay = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_DELAY]);
  check_again (self);
}

gboolean
kith_idle_monitor_get_enabled (KithIdleMonitor *self)
{
  g_return_val_if_fail (KITH_IS_IDLE_MONITOR (self), FALSE);
  return self->enabled;
}

void
kith_idle_monitor_set_enabled (KithIdleMonitor *self,
                               gboolean         enabled)
{
  gboolean before;

  g_return_if_fail (KITH_IS_IDLE_MONITOR (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  before = kith_idle_monitor_get_idle (self);
  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
  if (before != kith_idle_monitor_get_idle (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE]);
}

KithIdleSource *
kith_idle_monitor_get_source (KithIdleMonitor *self)
{
  g_return_val_if_fail (KITH_IS_IDLE_MONITOR (self), NULL);
  return self->source;
}

void
kith_idle_monitor_set_source (KithIdleMonitor *self,
                              KithIdleSource  *source)
{
  g_return_if_fail (KITH_IS_IDLE_MONITOR (self));
  g_return_if_fail (source == NULL || KITH_IS_IDLE_SOURCE (source));

  if (!g_set_object (&self->source, source))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);

  /* Mutter and the ScreenSaver interface stay first; a source given while
   * the app's input decides takes over, and its removal hands back. */
  if (self->backend == KITH_IDLE_BACKEND_APP && source != NULL)
    try_source (self);
  else if (self->backend == KITH_IDLE_BACKEND_SOURCE && source == NULL)
    start_app_backend (self);
}

void
kith_idle_monitor_start (KithIdleMonitor *self)
{
  g_return_if_fail (KITH_IS_IDLE_MONITOR (self));

  if (self->started)
    return;
  self->started = TRUE;

  if (self->connection == NULL)
    g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, on_bus, g_object_ref (self));
  else
    g_dbus_connection_call (self->connection, MUTTER_NAME, MUTTER_PATH, MUTTER_IFACE,
                            "GetIdletime", NULL, G_VARIANT_TYPE ("(t)"),
                            G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                            on_mutter_idletime, g_object_ref (self));
}

void
kith_idle_monitor_report_input (KithIdleMonitor *self)
{
  g_return_if_fail (KITH_IS_IDLE_MONITOR (self));

  self->last_input = g_get_monotonic_time ();
  if (self->backend != KITH_IDLE_BACKEND_APP || !self->raw_idle)
    return;
  check_app_input (self);
}
