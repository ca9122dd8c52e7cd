/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by kith-session.c and kith-session-sign-in.c
 * only: KithSession's fields and the steps one file takes for another. */

#include <libsoup/soup.h>

#include "kith-account-calls.h"
#include "kith-api-client.h"
#include "kith-call-manager.h"
#include "kith-contact-list.h"
#include "kith-conversations.h"
#include "kith-credentials.h"
#include "kith-idle-monitor.h"
#include "kith-local-account.h"
#include "kith-session.h"
#include "kith-signalling.h"

G_BEGIN_DECLS

struct _KithSession
{
  GObject            parent_instance;

  char              *server_url;
  char              *ca_file;
  char              *soup_ca_file;    /* what soup_session was made for */
  char              *unencrypted_url; /* the server-url allow-unencrypted was given for */
  char              *data_dir;
  char              *device_name;
  KithDeviceKind     device_kind;
  KithSessionState   state;

  SoupSession       *soup_session;
  KithApiClient     *api;
  KithSignalling    *signalling;
  KithCredentials   *credentials;
  KithIdleMonitor   *idle_monitor;
  GCancellable      *cancellable;     /* everything of the signed-in session */

  /* The collaborators (docs/service.md, "KithSession"). */
  KithStatusManager *status;
  KithContactList   *contact_list;
  KithConversations *conversations;
  KithLocalAccount  *local_account;
  KithAccountCalls  *account_calls;
  KithCallManager   *calls;

  KithUser          *user;
  guint              welcomes;        /* on this sign-in */
  gboolean           stay_signed_in;
  char              *keyring_email;
  GTask             *pending_task;    /* sign in / restore waiting for welcome */
  guint              socket_failures; /* before the first welcome */
  gboolean           fresh_token;     /* made by this sign-in, which has not finished */
  gboolean           deleting_account; /* DELETE /me sent: kithd ends our sessions (4001) */
};

void kith_session_set_state               (KithSession        *self,
                                          KithSessionState    state);
void kith_session_attach_collaborators   (KithSession        *self);
/* A new REST client of the current server (@make), or none. */
void kith_session_reset_api              (KithSession        *self,
                                          gboolean            make);
/* The calls that need no sign-in make the REST client when there is none. */
void kith_session_ensure_api             (KithSession        *self);
void kith_session_forget_keyring_token   (KithSession        *self,
                                          const char         *email);
void kith_session_abandon_fresh_token    (KithSession        *self);
void kith_session_teardown               (KithSession        *self,
                                          GError             *pending_error);
void kith_session_set_user               (KithSession        *self,
                                          const KithUserInfo *info,
                                          gboolean            stay_signed_in);
void kith_session_keyring_failed         (KithSession        *self,
                                          const GError       *error);
/* The socket; @task (sign in, restore) finishes once online. */
void kith_session_start_signalling       (KithSession        *self,
                                          GTask              *task);

G_END_DECLS
