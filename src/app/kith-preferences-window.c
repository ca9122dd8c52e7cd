/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithPreferencesWindow"

#include "config.h"

#include "kith-autostart.h"
#include "kith-preferences-window.h"

/* Preferences (docs/desktop.md, "Preferences"): auto-idle and its delay,
 * close to tray, and start at log-in. Each switch is a GSettings key; the
 * log-in one asks KithAutostart first and shows the answer. */

struct _KithPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GtkWidget            *auto_idle_row;
  GtkWidget            *auto_idle_switch;
  GtkWidget            *idle_delay_row;
  GtkWidget            *idle_delay_spin;
  GtkAdjustment        *idle_delay_adjustment;
  GtkWidget            *close_to_tray_row;
  GtkWidget            *close_to_tray_switch;
  GtkWidget            *autostart_row;
  GtkWidget            *autostart_switch;

  GSettings            *settings;
  KithAutostart        *autostart;
  GCancellable         *cancellable;
  gboolean              autostart_reverting;
};

G_DEFINE_FINAL_TYPE (KithPreferencesWindow, kith_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
on_autostart_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (KithPreferencesWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean wanted = gtk_switch_get_active (GTK_SWITCH (self->autostart_switch));

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_widget_set_sensitive (self->autostart_switch, TRUE);

  if (kith_autostart_set_enabled_finish (KITH_AUTOSTART (source), result, &error)) {
    gtk_switch_set_state (GTK_SWITCH (self->autostart_switch), wanted);
    g_settings_set_boolean (self->settings, "autostart", wanted);
    return;
  }

  g_debug ("Autostart not changed: %s", error->message);
  self->autostart_reverting = TRUE;
  gtk_switch_set_active (GTK_SWITCH (self->autostart_switch), !wanted);
  gtk_switch_set_state (GTK_SWITCH (self->autostart_switch), !wanted);
  self->autostart_reverting = FALSE;
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
}

/* The switch shows the new state once the portal or the file has it. */
static gboolean
on_autostart_state_set (GtkSwitch             *sw,
                        gboolean               state,
                        KithPreferencesWindow *self)
{
  if (self->autostart_reverting)
    return FALSE;

  gtk_widget_set_sensitive (self->autostart_switch, FALSE);
  kith_autostart_set_enabled_async (self->autostart, state, self->cancellable,
                                    on_autostart_done, g_object_ref (self));
  return TRUE;
}

static void
kith_preferences_window_dispose (GObject *object)
{
  KithPreferencesWindow *self = KITH_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->autostart);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (kith_preferences_window_parent_class)->dispose (object);
}

static void
kith_preferences_window_class_init (KithPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kith_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, auto_idle_row);
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, auto_idle_switch);
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, idle_delay_row);
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, idle_delay_spin);
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, idle_delay_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, close_to_tray_row);
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, close_to_tray_switch);
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, autostart_row);
  gtk_widget_class_bind_template_child (widget_class, KithPreferencesWindow, autostart_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_autostart_state_set);
}

static void
kith_preferences_window_init (KithPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

KithPreferencesWindow *
kith_preferences_window_new (GSettings       *settings,
                             GDBusConnection *connection)
{
  KithPreferencesWindow *self;
  gboolean autostart;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (KITH_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  self->autostart = kith_autostart_new (connection);

  g_settings_bind (settings, "auto-idle", self->auto_idle_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "auto-idle", self->idle_delay_row, "sensitive", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "idle-delay-minutes", self->idle_delay_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "close-to-tray", self->close_to_tray_switch, "active", G_SETTINGS_BIND_DEFAULT);

  /* Not bound: the key follows the portal's or the file's answer. */
  autostart = g_settings_get_boolean (settings, "autostart");
  self->autostart_reverting = TRUE;
  gtk_switch_set_active (GTK_SWITCH (self->autostart_switch), autostart);
  gtk_switch_set_state (GTK_SWITCH (self->autostart_switch), autostart);
  self->autostart_reverting = FALSE;

  return self;
}
