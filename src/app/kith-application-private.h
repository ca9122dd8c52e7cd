/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-application.h"
#include "kith-call-alerts.h"

G_BEGIN_DECLS

#define EXIT_TIMEOUT_MS 5000

/* How long a closed window waits for the tray to learn whether a host
 * shows it (it asks right after start-up) before Kith quits. */
#define TRAY_ANSWER_WAIT_MS 5000

struct _KithApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  KithSession    *session;
  KithTray       *tray;
  KithWindow     *window;
  GPtrArray      *watched_contacts;
  GCancellable   *cancellable;
  guint           restore_timeout_id;
  gboolean        restore_started;
  char           *sign_in_error;    /* for the login page, until there is a window */
  gboolean        exit_only;        /* `kith --exit`: no restore, no window */
  gboolean        start_hidden;     /* `kith --hidden`: in the tray, if one shows Kith */
  guint           hidden_wait_id;
  gulong          hidden_wait_handler;
  GtkWindow      *preferences;
  gboolean        exiting;
  guint           close_wait_id;    /* the window closed before the tray knew of a host */
  gulong          close_wait_handler;
  GListModel     *toplevels;        /* every window, for the idle monitor's app input */
  KithCallAlerts *call_alerts;      /* incoming calls: notification, ring tone */
};

/* kith-application-close.c: closing the window, exiting, and `kith --hidden`. */
void     kith_application_exit                   (KithApplication *self);
void     kith_application_close_wait_end         (KithApplication *self);
gboolean kith_application_close_request          (GtkWindow       *window,
                                                  KithApplication *self);
void     kith_application_hidden_wait_end        (KithApplication *self);
gboolean kith_application_hidden_wait_timeout    (gpointer         user_data);
void     kith_application_hidden_wait_watch_tray (KithApplication *self);

G_END_DECLS
