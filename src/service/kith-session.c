/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * KithSession over three files, one concern each (kith-session-private.h):
 * this one is the object: its properties and signals, the state, the
 * collaborators it owns, tearing down and the frames it routes;
 * kith-session-sign-in.c goes online and back (sign in, sign up, restore,
 * log out, exit, delete the account). The calls that are a collaborator's
 * are made on the collaborator (kith_session_get_account_calls () …).
 */
#define G_LOG_DOMAIN "KithSession"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-service-enums.h"
#include "kith-session-private.h"

/* Signing in, a socket that fails this many times in a row before its
 * first welcome ends the sign-in, with the last reason. */
#define SIGN_IN_SOCKET_ATTEMPTS 3

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_DATA_DIR,
  PROP_DEVICE_KIND,
  PROP_DEVICE_NAME,
  PROP_STATE,
  PROP_USER,
  PROP_CONTACTS,
  PROP_STATUS,
  PROP_STAY_SIGNED_IN,
  PROP_OUTBOX_LENGTH,
  PROP_FROM_CACHE,
  PROP_CA_FILE,
  PROP_ALLOW_UNENCRYPTED,
  N_PROPS
};

enum {
  STATE_CHANGED,
  MESSAGE_RECEIVED,
  KEYRING_ERROR,
  SIGNED_OUT_REMOTELY,
  CONTACT_REQUEST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithSession, kith_session, G_TYPE_OBJECT)

void
kith_session_set_state (KithSession      *self,
                        KithSessionState  state)
{
  KithSessionState old = self->state;

  if (old == state)
    return;
  self->state = state;
  g_debug ("state %d -> %d", old, state);

  if (self->user != NULL)
    kith_user_set_presence (self->user,
                            state == KITH_SESSION_ONLINE
                              ? kith_status_manager_get_presence (self->status)
                              : KITH_PRESENCE_OFFLINE);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[STATE_CHANGED], 0, state, old);
}

/* The collaborators work with the session's user, REST client and store. */
void
kith_session_attach_collaborators (KithSession *self)
{
  KithMessageStore *store = kith_local_account_get_store (self->local_account);

  kith_contact_list_attach (self->contact_list, self->user, self->api, store);
  kith_conversations_attach (self->conversations, self->user, self->api, store);
  kith_account_calls_attach (self->account_calls, self->user, self->api);
  if (self->calls != NULL)
    kith_call_manager_attach (self->calls, self->user, self->api);
}

/* Made on first use: creating a SoupSession loads GIO's proxy modules
 * (libproxy), which a window's first frame should not wait for. */
static SoupSession *
get_soup_session (KithSession *self)
{
  if (self->soup_session == NULL) {
    self->soup_session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 60, NULL);
    g_free (self->soup_ca_file);
    self->soup_ca_file = g_strdup (self->ca_file);
  }
  return self->soup_session;
}

static gboolean
allows_unencrypted (KithSession *self)
{
  return self->unencrypted_url != NULL && g_strcmp0 (self->unencrypted_url, self->server_url) == 0;
}

/* Replaces the REST client: a new one of the current server (its CA file
 * becomes the soup session's tls-database, which the socket shares), or
 * none. */
void
kith_session_reset_api (KithSession *self,
                        gboolean     make)
{
  g_clear_object (&self->api);
  if (make && self->server_url != NULL) {
    self->api = kith_api_client_new_full (self->server_url, get_soup_session (self), self->ca_file);
    kith_api_client_set_allow_unencrypted (self->api, allows_unencrypted (self));
  }
  kith_session_attach_collaborators (self);
}

/* The calls that need no sign-in make the REST client when there is none. */
void
kith_session_ensure_api (KithSession *self)
{
  if (self->api == NULL)
    kith_session_reset_api (self, TRUE);
}

/* Removing a dead token from the keyring: if the keyring is gone or
 * locked, the entry stays, and that is harmless (the server no longer
 * knows the token; the next restore finds it dead and tries again).
 * Nothing to tell the person. */
static void
on_keyring_cleared (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!kith_credentials_clear_finish (KITH_CREDENTIALS (source), result, &error))
    g_debug ("the token stays in the keyring: %s", error->message);
}

void
kith_session_forget_keyring_token (KithSession *self,
                                   const char  *email)
{
  if (email != NULL)
    kith_credentials_clear_async (self->credentials, self->server_url, email,
                                  NULL, on_keyring_cleared, NULL);
}

/* ---- tear down ---- */

/* A sign-in that fails after kithd gave it a token: the token goes too
 * (fire and forget), so no half-made device stays signed in on the server.
 * Before kith_session_teardown(), which forgets the token. */
void
kith_session_abandon_fresh_token (KithSession *self)
{
  if (self->fresh_token && self->api != NULL && kith_api_client_get_token (self->api) != NULL)
    kith_api_client_log_out_async (self->api, NULL, NULL, NULL);
  self->fresh_token = FALSE;
}

void
kith_session_teardown (KithSession *self,
                       GError      *pending_error)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->signalling != NULL) {
    g_signal_handlers_disconnect_by_data (self->signalling, self);
    kith_signalling_stop (self->signalling);
    g_clear_object (&self->signalling);
  }
  kith_conversations_set_signalling (self->conversations, NULL);
  /* The socket is gone: the calls end here (leave () said goodbye first). */
  kith_call_manager_set_signalling (self->calls, NULL);
  kith_call_manager_hang_up_all (self->calls);

  if (self->pending_task != NULL) {
    GTask *task = g_steal_pointer (&self->pending_task);

    if (pending_error != NULL)
      g_task_return_error (task, g_error_copy (pending_error));
    else
      g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_CANCELLED, _("Signed out."));
    g_object_unref (task);
  }

  /* What was received but not yet written goes to the store before it closes. */
  kith_conversations_clear (self->conversations);
  kith_local_account_close (self->local_account);
  kith_contact_list_clear (self->contact_list);
  self->welcomes = 0;
  self->socket_failures = 0;
  self->fresh_token = FALSE;
  self->stay_signed_in = FALSE;
  g_clear_pointer (&self->keyring_email, g_free);
  if (self->api != NULL)
    kith_api_client_set_token (self->api, NULL);

  if (self->user != NULL) {
    kith_user_set_presence (self->user, KITH_PRESENCE_OFFLINE);
    g_clear_object (&self->user);
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
  }
  kith_session_attach_collaborators (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
  kith_session_set_state (self, KITH_SESSION_SIGNED_OUT);
}

/* Signed in over REST as @info: the user, and how the session was made. */
void
kith_session_set_user (KithSession        *self,
                       const KithUserInfo *info,
                       gboolean            stay_signed_in)
{
  self->user = kith_user_new (info);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
  self->stay_signed_in = stay_signed_in;
  g_free (self->keyring_email);
  self->keyring_email = g_strdup (info->email);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
  kith_session_attach_collaborators (self);
}

/* The keyring did not take the token: signing in still works; staying
 * signed in does not. */
void
kith_session_keyring_failed (KithSession  *self,
                             const GError *error)
{
  self->stay_signed_in = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
  g_signal_emit (self, signals[KEYRING_ERROR], 0, error);
}

/* ---- incoming frames ---- */

static void
complete_pending (KithSession *self)
{
  GTask *task = g_steal_pointer (&self->pending_task);

  self->fresh_token = FALSE;
  if (task != NULL) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
  }
}

static void
on_contacts_refreshed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr (KithSession) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_contact_list_finish (KITH_CONTACT_LIST (source), result, &error)) {
    g_debug ("cannot list contacts: %s", error->message);
    /* Signing in, the contact list is part of it: a sign-in without one
     * fails, saying why (not an empty list that says nothing). Online
     * already, the list shown stays; the next welcome asks again. */
    if (self->pending_task != NULL && !g_error_matches (error, KITH_ERROR, KITH_ERROR_CANCELLED)) {
      kith_session_abandon_fresh_token (self);
      kith_session_teardown (self, error);
    }
    return;
  }
  kith_conversations_announce_waiting (self->conversations);
  complete_pending (self);
}

static void
on_welcome (KithSession     *self,
            const KithFrame *frame)
{
  self->welcomes++;
  if (frame->user != NULL)
    kith_user_update (self->user, frame->user);
  kith_local_account_online (self->local_account);
  kith_session_set_state (self, KITH_SESSION_ONLINE);
  if (self->welcomes == 1 && self->stay_signed_in && self->keyring_email != NULL)
    kith_local_account_remember (self->local_account, kith_user_get_id (self->user),
                                 self->keyring_email);
  kith_status_manager_resync (self->status);
  kith_conversations_connected (self->conversations, frame->seq);
  /* Sign-in finishes once the contacts are known too. */
  kith_contact_list_refresh_async (self->contact_list, self->cancellable,
                                   on_contacts_refreshed, g_object_ref (self));
}

/* Every frame from kithd goes to the one it is for. */
static void
on_frame (KithSignalling *signalling,
          KithFrame      *frame,
          gpointer        user_data)
{
  KithSession *self = user_data;

  switch (frame->type) {
  case KITH_FRAME_WELCOME:
    on_welcome (self, frame);
    break;

  case KITH_FRAME_PROFILE:
    if (frame->user != NULL && frame->user->id == kith_user_get_id (self->user))
      kith_user_update (self->user, frame->user);
    else
      kith_contact_list_handle_profile (self->contact_list, frame);
    break;

  case KITH_FRAME_PRESENCE:
    kith_contact_list_handle_presence (self->contact_list, frame);
    break;

  case KITH_FRAME_CONTACT_REQUEST:
  case KITH_FRAME_CONTACT_ACCEPTED:
  case KITH_FRAME_CONTACT_REMOVED:
    kith_contact_list_handle_change (self->contact_list, frame);
    break;

  case KITH_FRAME_MESSAGE:
    kith_conversations_handle_message (self->conversations, frame);
    break;

  case KITH_FRAME_MESSAGE_ACK:
    kith_conversations_handle_ack (self->conversations, frame);
    break;

  case KITH_FRAME_MESSAGE_READ:
    kith_conversations_handle_read (self->conversations, frame);
    break;

  case KITH_FRAME_ERROR:
    g_debug ("kithd says: %s (%s)", kith_error_code_to_string (frame->code),
             frame->ref ? frame->ref : "-");
    kith_conversations_handle_error (self->conversations, frame);
    kith_call_manager_handle_frame (self->calls, frame);
    break;

  case KITH_FRAME_CALL_INVITE:
  case KITH_FRAME_CALL_RINGING:
  case KITH_FRAME_CALL_ANSWER:
  case KITH_FRAME_CALL_CANDIDATE:
  case KITH_FRAME_CALL_HANGUP:
  case KITH_FRAME_CALL_REJECT:
    kith_call_manager_handle_frame (self->calls, frame);
    break;

  case KITH_FRAME_PONG:
  case KITH_FRAME_HELLO:
  case KITH_FRAME_PRESENCE_SET:
  case KITH_FRAME_ACTIVITY:
  case KITH_FRAME_MESSAGE_SEND:
  case KITH_FRAME_PING:
  default:
    break;
  }
}

static void
on_signalling_state_changed (KithSignalling      *signalling,
                             KithSignallingState  state,
                             KithSignallingState  old,
                             gpointer             user_data)
{
  KithSession *self = user_data;

  if (self->state == KITH_SESSION_ONLINE &&
      (state == KITH_SIGNALLING_WAITING || state == KITH_SIGNALLING_CONNECTING))
    kith_session_set_state (self, KITH_SESSION_RECONNECTING);
}

static void
on_signalling_failed (KithSignalling *signalling,
                      GError         *error,
                      gpointer        user_data)
{
  KithSession *self = user_data;

  /* Online before: it reconnects with back-off (state reconnecting). */
  if (self->pending_task == NULL || self->welcomes > 0)
    return;
  /* Signing in: a few attempts, then the sign-in ends with the reason. */
  if (++self->socket_failures < SIGN_IN_SOCKET_ATTEMPTS)
    return;
  g_debug ("the socket failed %u times before welcome", self->socket_failures);
  g_object_ref (self);
  kith_session_abandon_fresh_token (self);
  kith_session_teardown (self, error);
  g_object_unref (self);
}

static void
on_revoked (KithSignalling *signalling,
            gpointer        user_data)
{
  KithSession *self = user_data;
  g_autoptr (GError) error = NULL;

  g_debug ("token revoked");
  if (self->stay_signed_in)
    kith_local_account_forget (self->local_account);
  kith_session_forget_keyring_token (self, self->keyring_email);
  error = g_error_new_literal (KITH_ERROR, KITH_ERROR_UNAUTHORIZED,
                               kith_error_code_describe (KITH_ERROR_UNAUTHORIZED));
  g_object_ref (self);
  kith_session_teardown (self, error);
  /* Deleting the account ends its sessions before kithd answers the
   * DELETE: that is the deletion, not a sign-out from elsewhere. */
  if (!self->deleting_account)
    g_signal_emit (self, signals[SIGNED_OUT_REMOTELY], 0);
  g_object_unref (self);
}

static void
on_status_send_frame (KithStatusManager *status,
                      KithFrame         *frame,
                      gpointer           user_data)
{
  KithSession *self = user_data;

  if (self->signalling != NULL)
    kith_signalling_send (self->signalling, frame);
}

static void
on_status_presence (KithSession *self)
{
  if (self->user != NULL && self->state == KITH_SESSION_ONLINE)
    kith_user_set_presence (self->user, kith_status_manager_get_presence (self->status));
}

static void
on_contact_request (KithSession *self,
                    KithContact *contact)
{
  g_signal_emit (self, signals[CONTACT_REQUEST], 0, contact);
}

static void
on_message_received (KithSession *self,
                     KithContact *contact,
                     KithMessage *message)
{
  g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, contact, message);
}

static void
on_outbox_length (KithSession *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOX_LENGTH]);
}

static void
on_from_cache (KithSession *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROM_CACHE]);
}


void
kith_session_start_signalling (KithSession *self,
                               GTask       *task)
{
  g_autofree char *url = kith_api_client_dup_socket_url (self->api);

  self->signalling = kith_signalling_new (get_soup_session (self), url,
                                          kith_api_client_get_token (self->api));
  /* Its hello resumes after the conversations' last seq. */
  kith_conversations_set_signalling (self->conversations, self->signalling);
  /* Its hello claims the answered call, if one outlived a sign-in. */
  kith_call_manager_set_signalling (self->calls, self->signalling);
  g_signal_connect (self->signalling, "frame", G_CALLBACK (on_frame), self);
  g_signal_connect (self->signalling, "state-changed",
                    G_CALLBACK (on_signalling_state_changed), self);
  g_signal_connect (self->signalling, "revoked", G_CALLBACK (on_revoked), self);
  g_signal_connect (self->signalling, "failed", G_CALLBACK (on_signalling_failed), self);

  self->pending_task = g_object_ref (task);
  kith_idle_monitor_start (self->idle_monitor);
  kith_signalling_start (self->signalling);
}


/* ---- GObject ---- */

static void
kith_session_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KithSession *self = KITH_SESSION (object);

  switch (prop_id) {
  case PROP_SERVER_URL:
    g_value_set_string (value, self->server_url);
    break;
  case PROP_DATA_DIR:
    g_value_set_string (value, self->data_dir);
    break;
  case PROP_DEVICE_KIND:
    g_value_set_enum (value, self->device_kind);
    break;
  case PROP_DEVICE_NAME:
    g_value_set_string (value, self->device_name);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_USER:
    g_value_set_object (value, self->user);
    break;
  case PROP_CONTACTS:
    g_value_set_object (value, kith_contact_list_get_model (self->contact_list));
    break;
  case PROP_STATUS:
    g_value_set_object (value, self->status);
    break;
  case PROP_FROM_CACHE:
    g_value_set_boolean (value, kith_session_get_from_cache (self));
    break;
  case PROP_STAY_SIGNED_IN:
    g_value_set_boolean (value, self->stay_signed_in);
    break;
  case PROP_OUTBOX_LENGTH:
    g_value_set_uint (value, kith_conversations_get_outbox_length (self->conversations));
    break;
  case PROP_CA_FILE:
    g_value_set_string (value, self->ca_file);
    break;
  case PROP_ALLOW_UNENCRYPTED:
    g_value_set_boolean (value, allows_unencrypted (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_session_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  KithSession *self = KITH_SESSION (object);

  switch (prop_id) {
  case PROP_SERVER_URL:
    kith_session_set_server_url (self, g_value_get_string (value));
    break;
  case PROP_CA_FILE:
    kith_session_set_ca_file (self, g_value_get_string (value));
    break;
  case PROP_ALLOW_UNENCRYPTED:
    kith_session_set_allow_unencrypted (self, g_value_get_boolean (value));
    break;
  case PROP_DATA_DIR:
    g_free (self->data_dir);
    self->data_dir = g_value_dup_string (value);
    break;
  case PROP_DEVICE_KIND:
    self->device_kind = g_value_get_enum (value);
    break;
  case PROP_DEVICE_NAME:
    g_free (self->device_name);
    self->device_name = g_value_dup_string (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_session_constructed (GObject *object)
{
  KithSession *self = KITH_SESSION (object);

  G_OBJECT_CLASS (kith_session_parent_class)->constructed (object);

  if (self->data_dir == NULL)
    self->data_dir = g_build_filename (g_get_user_data_dir (), "kith", NULL);
  if (self->device_name == NULL)
    self->device_name = g_strdup ("Kith");

  self->idle_monitor = kith_idle_monitor_new (NULL);
  self->status = kith_status_manager_new (self->idle_monitor, self->device_kind);
  g_signal_connect (self->status, "send-frame", G_CALLBACK (on_status_send_frame), self);
  g_signal_connect_swapped (self->status, "notify::presence",
                            G_CALLBACK (on_status_presence), self);
  self->calls = kith_call_manager_new (self->contact_list, self->status);

  self->local_account = kith_local_account_new (self->data_dir, self->contact_list);
  kith_local_account_set_server_url (self->local_account, self->server_url);
  g_signal_connect_swapped (self->local_account, "notify::from-cache",
                            G_CALLBACK (on_from_cache), self);
}

static void
kith_session_dispose (GObject *object)
{
  KithSession *self = KITH_SESSION (object);

  if (self->local_account != NULL &&
      (self->state != KITH_SESSION_SIGNED_OUT ||
       kith_local_account_get_store (self->local_account) != NULL))
    kith_session_teardown (self, NULL);
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  if (self->local_account != NULL)
    g_signal_handlers_disconnect_by_data (self->local_account, self);
  if (self->contact_list != NULL)
    g_signal_handlers_disconnect_by_data (self->contact_list, self);
  if (self->conversations != NULL)
    g_signal_handlers_disconnect_by_data (self->conversations, self);
  g_clear_object (&self->calls);
  g_clear_object (&self->status);
  g_clear_object (&self->idle_monitor);
  g_clear_object (&self->conversations);
  g_clear_object (&self->local_account);
  g_clear_object (&self->account_calls);
  g_clear_object (&self->contact_list);
  g_clear_object (&self->api);
  g_clear_object (&self->credentials);
  g_clear_object (&self->soup_session);

  G_OBJECT_CLASS (kith_session_parent_class)->dispose (object);
}

static void
kith_session_finalize (GObject *object)
{
  KithSession *self = KITH_SESSION (object);

  g_free (self->server_url);
  g_free (self->ca_file);
  g_free (self->soup_ca_file);
  g_free (self->unencrypted_url);
  g_free (self->data_dir);
  g_free (self->device_name);
  g_free (self->keyring_email);

  G_OBJECT_CLASS (kith_session_parent_class)->finalize (object);
}

static void
kith_session_class_init (KithSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_session_get_property;
  object_class->set_property = kith_session_set_property;
  object_class->constructed = kith_session_constructed;
  object_class->dispose = kith_session_dispose;
  object_class->finalize = kith_session_finalize;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL, construct);
  properties[PROP_DEVICE_KIND] =
    g_param_spec_enum ("device-kind", NULL, NULL, KITH_TYPE_DEVICE_KIND, KITH_DEVICE_DESKTOP,
                       construct);
  properties[PROP_DEVICE_NAME] = g_param_spec_string ("device-name", NULL, NULL, NULL, construct);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KITH_TYPE_SESSION_STATE, KITH_SESSION_SIGNED_OUT, ro);
  properties[PROP_USER] = g_param_spec_object ("user", NULL, NULL, KITH_TYPE_USER, ro);
  properties[PROP_CONTACTS] = g_param_spec_object ("contacts", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_STATUS] =
    g_param_spec_object ("status", NULL, NULL, KITH_TYPE_STATUS_MANAGER, ro);
  properties[PROP_STAY_SIGNED_IN] =
    g_param_spec_boolean ("stay-signed-in", NULL, NULL, FALSE, ro);
  properties[PROP_OUTBOX_LENGTH] =
    g_param_spec_uint ("outbox-length", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_FROM_CACHE] =
    g_param_spec_boolean ("from-cache", NULL, NULL, FALSE, ro);
  properties[PROP_CA_FILE] =
    g_param_spec_string ("ca-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALLOW_UNENCRYPTED] =
    g_param_spec_boolean ("allow-unencrypted", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  KITH_TYPE_SESSION_STATE, KITH_TYPE_SESSION_STATE);
  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, KITH_TYPE_CONTACT, KITH_TYPE_MESSAGE);
  signals[KEYRING_ERROR] =
    g_signal_new ("keyring-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNED_OUT_REMOTELY] =
    g_signal_new ("signed-out-remotely", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CONTACT_REQUEST] =
    g_signal_new ("contact-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KITH_TYPE_CONTACT);
}

static void
kith_session_init (KithSession *self)
{
  self->credentials = kith_credentials_new ();
  self->account_calls = kith_account_calls_new ();
  self->contact_list = kith_contact_list_new ();
  g_signal_connect_swapped (self->contact_list, "contact-request",
                            G_CALLBACK (on_contact_request), self);
  self->conversations = kith_conversations_new (self->contact_list);
  g_signal_connect_swapped (self->conversations, "message-received",
                            G_CALLBACK (on_message_received), self);
  g_signal_connect_swapped (self->conversations, "notify::outbox-length",
                            G_CALLBACK (on_outbox_length), self);
}

KithSession *
kith_session_new (const char *server_url)
{
  return g_object_new (KITH_TYPE_SESSION, "server-url", server_url, NULL);
}

/* ---- simple accessors ---- */

KithSessionState
kith_session_get_state (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), KITH_SESSION_SIGNED_OUT);
  return self->state;
}

const char *
kith_session_get_server_url (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->server_url;
}

void
kith_session_set_server_url (KithSession *self,
                             const char  *server_url)
{
  g_autofree char *trimmed = NULL;
  gboolean had_acceptance;

  g_return_if_fail (KITH_IS_SESSION (self));
  g_return_if_fail (self->state == KITH_SESSION_SIGNED_OUT);

  trimmed = g_strdup (server_url);
  if (trimmed != NULL) {
    g_strstrip (trimmed);
    while (g_str_has_suffix (trimmed, "/"))
      trimmed[strlen (trimmed) - 1] = '\0';
  }
  if (g_strcmp0 (self->server_url, trimmed) == 0)
    return;
  g_free (self->server_url);
  self->server_url = g_steal_pointer (&trimmed);
  if (self->local_account != NULL)
    kith_local_account_set_server_url (self->local_account, self->server_url);
  kith_session_reset_api (self, FALSE);
  /* An acceptance is for the server it was given for, and only while it is
   * the server (dropped before the notification: a handler may accept the
   * new one). */
  had_acceptance = self->unencrypted_url != NULL;
  g_clear_pointer (&self->unencrypted_url, g_free);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
  if (had_acceptance)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_UNENCRYPTED]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
kith_session_get_ca_file (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->ca_file;
}

void
kith_session_set_ca_file (KithSession *self,
                          const char  *ca_file)
{
  g_return_if_fail (KITH_IS_SESSION (self));

  if (ca_file != NULL && *ca_file == '\0')
    ca_file = NULL;
  if (g_strcmp0 (self->ca_file, ca_file) == 0)
    return;
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
  /* Signed in, the connections go on as they are until the next sign-in. */
  if (self->state == KITH_SESSION_SIGNED_OUT) {
    kith_session_reset_api (self, FALSE);
    g_clear_object (&self->soup_session);
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CA_FILE]);
}

gboolean
kith_session_get_allow_unencrypted (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return allows_unencrypted (self);
}

void
kith_session_set_allow_unencrypted (KithSession *self,
                                    gboolean     allow)
{
  g_return_if_fail (KITH_IS_SESSION (self));

  if (!!allow == allows_unencrypted (self))
    return;
  g_free (self->unencrypted_url);
  self->unencrypted_url = allow ? g_strdup (self->server_url) : NULL;
  if (self->api != NULL)
    kith_api_client_set_allow_unencrypted (self->api, allows_unencrypted (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_UNENCRYPTED]);
}

gboolean
kith_session_get_is_private (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return kith_server_url_is_private (self->server_url);
}

KithUser *
kith_session_get_user (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->user;
}

GListModel *
kith_session_get_contacts (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return kith_contact_list_get_model (self->contact_list);
}

KithContactList *
kith_session_get_contact_list (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->contact_list;
}

KithConversations *
kith_session_get_conversations (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->conversations;
}

KithAccountCalls *
kith_session_get_account_calls (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  /* Signed out there is no REST client yet: these calls need no sign-in. */
  kith_session_ensure_api (self);
  return self->account_calls;
}

void
kith_session_set_chosen_status (KithSession      *self,
                                KithChosenStatus  chosen)
{
  g_return_if_fail (KITH_IS_SESSION (self));
  kith_status_manager_set_chosen (self->status, chosen);
}

void
kith_session_set_chosen_status_async (KithSession         *self,
                                      KithChosenStatus     chosen,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_session_set_chosen_status_async);
  kith_status_manager_set_chosen (self->status, chosen);
  g_task_return_boolean (task, TRUE);
}

KithCallManager *
kith_session_get_calls (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->calls;
}

KithStatusManager *
kith_session_get_status (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return self->status;
}

gboolean
kith_session_get_stay_signed_in (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return self->stay_signed_in;
}

guint
kith_session_get_outbox_length (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), 0);
  return kith_conversations_get_outbox_length (self->conversations);
}

KithContact *
kith_session_find_contact (KithSession *self,
                           gint64       user_id)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return kith_contact_list_find (self->contact_list, user_id);
}

KithContact *
kith_session_find_contact_by_email (KithSession *self,
                                    const char  *email)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), NULL);
  return kith_contact_list_find_by_email (self->contact_list, email);
}

gboolean
kith_session_finish (KithSession   *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
kith_session_get_from_cache (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return kith_local_account_get_from_cache (self->local_account);
}

gboolean
kith_session_has_last_account (KithSession *self)
{
  g_return_val_if_fail (KITH_IS_SESSION (self), FALSE);
  return kith_local_account_has_record (self->local_account);
}
