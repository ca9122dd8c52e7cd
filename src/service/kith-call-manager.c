/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * KithCallManager: the calls of the signed-in user (docs/service.md,
 * "Calls"). It routes the call.* frames to their KithCall by call_id, makes
 * the calls (placed here, or an invite that rings here), keeps one call at
 * a time (busy, glare), and tells the rest of the session what a call
 * changes: the status manager's in-call, the socket's claim on hello.
 */
#define G_LOG_DOMAIN "KithCallManager"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-call-private.h"
#include "kith-service-enums.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 20000
#define DEFAULT_RING_TIMEOUT_MS    65000
#define DEFAULT_LOST_TIMEOUT_MS    10000

struct _KithCallManager
{
  GObject            parent_instance;

  KithContactList   *contacts;
  KithStatusManager *status;
  KithUser          *user;
  KithApiClient     *api;
  KithSignalling    *signalling;
  gboolean           link_up;          /* the socket has its welcome */

  GPtrArray         *calls;            /* KithCall, not ended: the model */

  guint              connect_timeout;  /* ms */
  guint              ring_timeout;
  guint              lost_timeout;
  gboolean           loopback;
  gboolean           drop_candidates;  /* tests */
};

enum {
  PROP_0,
  PROP_CONNECT_TIMEOUT,
  PROP_RING_TIMEOUT,
  PROP_LOST_TIMEOUT,
  PROP_LOOPBACK,
  PROP_CURRENT,
  N_PROPS
};

enum {
  INCOMING_CALL,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void kith_call_manager_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KithCallManager, kith_call_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      kith_call_manager_list_model_init))

static KithCall *
find_call (KithCallManager *self,
           const char      *call_id)
{
  for (guint i = 0; call_id != NULL && i < self->calls->len; i++) {
    KithCall *call = g_ptr_array_index (self->calls, i);

    if (g_strcmp0 (kith_call_get_id (call), call_id) == 0)
      return call;
  }
  return NULL;
}

static KithCall *
answered_call (KithCallManager *self)
{
  for (guint i = 0; i < self->calls->len; i++) {
    KithCall *call = g_ptr_array_index (self->calls, i);

    if (kith_call_get_answered (call))
      return call;
  }
  return NULL;
}

/* The socket's hello claims the answered call; the status shows Busy. */
static void
update_in_call (KithCallManager *self)
{
  KithCall *call = answered_call (self);

  kith_status_manager_set_in_call (self->status, call != NULL);
  if (self->signalling == NULL)
    return;
  if (call != NULL) {
    g_autoptr (KithCallClaim) claim = kith_call_claim_new ();

    claim->call_id = g_strdup (kith_call_get_id (call));
    claim->peer = kith_call_get_peer_id (call);
    claim->caller = kith_call_get_direction (call) == KITH_CALL_OUTGOING;
    claim->video = kith_call_get_video (call);
    claim->elapsed = (g_get_monotonic_time () - kith_call_get_answered_at (call)) / G_USEC_PER_SEC;
    kith_signalling_set_call_claim (self->signalling, claim);
  } else {
    kith_signalling_set_call_claim (self->signalling, NULL);
  }
}

static void
on_call_state_changed (KithCall        *call,
                       KithCallState    state,
                       KithCallState    old,
                       KithCallManager *self)
{
  guint position;

  if (state != KITH_CALL_ENDED || !g_ptr_array_find (self->calls, call, &position))
    return;

  g_signal_handlers_disconnect_by_data (call, self);
  kith_call_detach (call);
  g_ptr_array_remove_index (self->calls, position);
  update_in_call (self);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT]);
}

/* Takes @call (owned). */
static void
add_call (KithCallManager *self,
          KithCall        *call)
{
  g_ptr_array_add (self->calls, call);
  g_signal_connect (call, "state-changed", G_CALLBACK (on_call_state_changed), self);
  g_list_model_items_changed (G_LIST_MODEL (self), self->calls->len - 1, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT]);
}

static void
send_reject (KithCallManager *self,
             const KithFrame *invite,
             const char      *reason)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CALL_REJECT);

  frame->call_id = g_strdup (invite->call_id);
  frame->to = invite->from;
  frame->reason = g_strdup (reason);
  kith_call_manager_send (self, frame);
}

/* An invite. One call at a time: during a call it is busy, except glare
 * (docs/service.md, "Calls"): we ring the same peer that now calls us, both
 * invites crossing. The call with the lower call_id (strcmp) goes on, on
 * both sides: here, when theirs is lower, ours is hung up and theirs
 * answered at once (the user asked for this call); when ours is lower,
 * theirs is left alone (their side hangs it up, and answers ours). */
static void
on_invite (KithCallManager *self,
           const KithFrame *frame)
{
  KithCall *current = self->calls->len > 0 ? g_ptr_array_index (self->calls, 0) : NULL;
  KithCall *call;
  gboolean glare = FALSE;

  if (find_call (self, frame->call_id) != NULL)
    return;

  if (current != NULL) {
    if (kith_call_get_state (current) != KITH_CALL_RINGING_OUT ||
        kith_call_get_peer_id (current) != frame->from) {
      g_debug ("invite %s while in a call: busy", frame->call_id);
      send_reject (self, frame, KITH_CALL_REASON_BUSY);
      return;
    }
    if (strcmp (frame->call_id, kith_call_get_id (current)) > 0) {
      g_debug ("glare: our %s goes on, their %s is theirs to drop",
               kith_call_get_id (current), frame->call_id);
      return;
    }
    g_debug ("glare: their %s goes on, our %s is dropped",
             frame->call_id, kith_call_get_id (current));
    kith_call_end (current, KITH_CALL_END_HUNG_UP, NULL, TRUE);
    glare = TRUE;
  }

  call = kith_call_new (self, frame->call_id, KITH_CALL_INCOMING, frame->from,
                        kith_contact_list_find (self->contacts, frame->from), frame->video);
  kith_call_set_offer (call, frame->sdp);
  add_call (self, call);
  {
    g_autoptr (KithFrame) ringing = kith_frame_new (KITH_FRAME_CALL_RINGING);

    ringing->call_id = g_strdup (frame->call_id);
    ringing->to = frame->from;
    kith_call_manager_send (self, ringing);
  }
  if (glare)
    kith_call_answer (call);
  else
    g_signal_emit (self, signals[INCOMING_CALL], 0, call);
}

/* An error frame about one of our calls (its ref is the call_id): kithd
 * does not follow the call (not_found), or refused a frame of it. */
static void
on_call_error (KithCallManager *self,
               const KithFrame *frame)
{
  KithCall *call = find_call (self, frame->ref);

  if (call == NULL)
    return;
  g_debug ("call %s: kithd says %s", frame->ref, kith_error_code_to_string (frame->code));
  if (frame->code == KITH_ERROR_NOT_FOUND)
    kith_call_end (call, kith_call_get_answered (call) ? KITH_CALL_END_CONNECTION_LOST
                                                       : KITH_CALL_END_FAILED,
                   NULL, FALSE);
  else
    kith_call_end (call, KITH_CALL_END_FAILED, kith_error_code_describe (frame->code), FALSE);
}

static void
on_signalling_state_changed (KithSignalling      *signalling,
                             KithSignallingState  state,
                             KithSignallingState  old,
                             KithCallManager     *self)
{
  g_autoptr (GPtrArray) calls = NULL;
  gboolean up = state == KITH_SIGNALLING_CONNECTED;

  if (up == self->link_up)
    return;
  self->link_up = up;
  calls = g_ptr_array_copy (self->calls, (GCopyFunc) g_object_ref, NULL);
  g_ptr_array_set_free_func (calls, g_object_unref);
  for (guint i = 0; i < calls->len; i++)
    kith_call_set_link_up (g_ptr_array_index (calls, i), up);
}

/* "stun:host:port" → "stun://host:port"; TURN with its credentials in the
 * URI (escaped: the username holds ':', the credential '/', '+', '=').
 * Anything else: NULL (KithCallMedia takes STUN and TURN only). */
static char *
media_uri (const KithIceServer *server,
           const char          *url)
{
  const char *schemes[] = { "stun", "turn", "turns" };

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++) {
    gsize len = strlen (schemes[i]);
    const char *rest;

    if (strncmp (url, schemes[i], len) != 0 || url[len] != ':')
      continue;
    rest = url + len + 1;
    while (*rest == '/')
      rest++;
    if (i > 0 && server->username != NULL && server->credential != NULL) {
      g_autofree char *user = g_uri_escape_string (server->username, NULL, FALSE);
      g_autofree char *pass = g_uri_escape_string (server->credential, NULL, FALSE);

      return g_strdup_printf ("%s://%s:%s@%s", schemes[i], user, pass, rest);
    }
    return g_strdup_printf ("%s://%s", schemes[i], rest);
  }
  return NULL;
}

static void
on_ice_servers_fetched (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) servers = NULL;
  g_autoptr (GStrvBuilder) uris = g_strv_builder_new ();

  servers = kith_api_client_ice_servers_finish (KITH_API_CLIENT (source), result, &error);
  if (servers == NULL)
    g_debug ("no ICE servers: %s", error->message);
  for (guint i = 0; servers != NULL && i < servers->len; i++) {
    const KithIceServer *server = g_ptr_array_index (servers, i);

    for (guint j = 0; server->urls != NULL && server->urls[j] != NULL; j++) {
      g_autofree char *uri = media_uri (server, server->urls[j]);

      if (uri != NULL)
        g_strv_builder_add (uris, uri);
    }
  }
  g_task_return_pointer (task, g_strv_builder_end (uris), (GDestroyNotify) g_strfreev);
}

/* ---- GListModel ---- */

static GType
kith_call_manager_get_item_type (GListModel *model)
{
  return KITH_TYPE_CALL;
}

static guint
kith_call_manager_get_n_items (GListModel *model)
{
  return KITH_CALL_MANAGER (model)->calls->len;
}

static gpointer
kith_call_manager_get_item (GListModel *model,
                            guint       position)
{
  KithCallManager *self = KITH_CALL_MANAGER (model);

  if (position >= self->calls->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->calls, position));
}

static void
kith_call_manager_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = kith_call_manager_get_item_type;
  iface->get_n_items = kith_call_manager_get_n_items;
  iface->get_item = kith_call_manager_get_item;
}

/* ---- GObject ---- */

static void
kith_call_manager_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KithCallManager *self = KITH_CALL_MANAGER (object);

  switch (prop_id) {
  case PROP_CONNECT_TIMEOUT:
    g_value_set_uint (value, self->connect_timeout);
    break;
  case PROP_RING_TIMEOUT:
    g_value_set_uint (value, self->ring_timeout);
    break;
  case PROP_LOST_TIMEOUT:
    g_value_set_uint (value, self->lost_timeout);
    break;
  case PROP_LOOPBACK:
    g_value_set_boolean (value, self->loopback);
    break;
  case PROP_CURRENT:
    g_value_set_object (value, kith_call_manager_get_current (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_manager_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  KithCallManager *self = KITH_CALL_MANAGER (object);

  switch (prop_id) {
  case PROP_CONNECT_TIMEOUT:
    kith_call_manager_set_connect_timeout (self, g_value_get_uint (value));
    break;
  case PROP_RING_TIMEOUT:
    kith_call_manager_set_ring_timeout (self, g_value_get_uint (value));
    break;
  case PROP_LOST_TIMEOUT:
    kith_call_manager_set_lost_timeout (self, g_value_get_uint (value));
    break;
  case PROP_LOOPBACK:
    kith_call_manager_set_loopback (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_manager_dispose (GObject *object)
{
  KithCallManager *self = KITH_CALL_MANAGER (object);

  /* Ended here with nothing said: the socket is the session's, gone or
   * going (kith_call_manager_hang_up_all () is for saying goodbye). */
  kith_call_manager_set_signalling (self, NULL);
  while (self->calls->len > 0) {
    g_autoptr (KithCall) call = g_object_ref (g_ptr_array_index (self->calls, 0));

    kith_call_end (call, KITH_CALL_END_HUNG_UP, NULL, FALSE);
    if (self->calls->len > 0 && g_ptr_array_index (self->calls, 0) == call) {
      g_signal_handlers_disconnect_by_data (call, self);
      kith_call_detach (call);
      g_ptr_array_remove_index (self->calls, 0);
    }
  }
  /* Signed out, or leaving: no next call to make ready for. */
  kith_call_media_drop_spare ();
  g_clear_object (&self->user);
  g_clear_object (&self->api);
  g_clear_object (&self->status);
  g_clear_object (&self->contacts);

  G_OBJECT_CLASS (kith_call_manager_parent_class)->dispose (object);
}

static void
kith_call_manager_finalize (GObject *object)
{
  KithCallManager *self = KITH_CALL_MANAGER (object);

  g_ptr_array_unref (self->calls);

  G_OBJECT_CLASS (kith_call_manager_parent_class)->finalize (object);
}

static void
kith_call_manager_class_init (KithCallManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_call_manager_get_property;
  object_class->set_property = kith_call_manager_set_property;
  object_class->dispose = kith_call_manager_dispose;
  object_class->finalize = kith_call_manager_finalize;

  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_CONNECT_TIMEOUT_MS, rw);
  properties[PROP_RING_TIMEOUT] =
    g_param_spec_uint ("ring-timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_RING_TIMEOUT_MS, rw);
  properties[PROP_LOST_TIMEOUT] =
    g_param_spec_uint ("lost-timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_LOST_TIMEOUT_MS, rw);
  properties[PROP_LOOPBACK] = g_param_spec_boolean ("loopback", NULL, NULL, FALSE, rw);
  properties[PROP_CURRENT] =
    g_param_spec_object ("current", NULL, NULL, KITH_TYPE_CALL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[INCOMING_CALL] =
    g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KITH_TYPE_CALL);
}

static void
kith_call_manager_init (KithCallManager *self)
{
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
  self->connect_timeout = DEFAULT_CONNECT_TIMEOUT_MS;
  self->ring_timeout = DEFAULT_RING_TIMEOUT_MS;
  self->lost_timeout = DEFAULT_LOST_TIMEOUT_MS;
  self->loopback = g_strcmp0 (g_getenv ("KITH_CALL_LOOPBACK"), "1") == 0;
}

KithCallManager *
kith_call_manager_new (KithContactList   *contacts,
                       KithStatusManager *status)
{
  KithCallManager *self;

  g_return_val_if_fail (KITH_IS_CONTACT_LIST (contacts), NULL);
  g_return_val_if_fail (KITH_IS_STATUS_MANAGER (status), NULL);

  self = g_object_new (KITH_TYPE_CALL_MANAGER, NULL);
  self->contacts = g_object_ref (contacts);
  self->status = g_object_ref (status);
  return self;
}

/* ---- for the calls (kith-call-private.h) ---- */

gboolean
kith_call_manager_send (KithCallManager *self,
                        KithFrame       *frame)
{
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (self), FALSE);

  if (self->signalling == NULL)
    return FALSE;
  if (self->drop_candidates && frame->type == KITH_FRAME_CALL_CANDIDATE)
    return TRUE;
  return kith_signalling_send (self->signalling, frame);
}

void
kith_call_manager_ice_servers_async (KithCallManager     *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_CALL_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_call_manager_ice_servers_async);
  if (self->api == NULL) {
    g_task_return_pointer (task, g_new0 (char *, 1), (GDestroyNotify) g_strfreev);
    return;
  }
  kith_api_client_ice_servers_async (self->api, cancellable, on_ice_servers_fetched,
                                     g_steal_pointer (&task));
}

char **
kith_call_manager_ice_servers_finish (KithCallManager *self,
                                      GAsyncResult    *result)
{
  char **servers;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  servers = g_task_propagate_pointer (G_TASK (result), NULL);
  return servers ? servers : g_new0 (char *, 1);
}

gboolean
kith_call_manager_get_link_up (KithCallManager *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (self), FALSE);
  return self->link_up;
}

void
kith_call_manager_call_answered (KithCallManager *self,
                                 KithCall        *call)
{
  g_return_if_fail (KITH_IS_CALL_MANAGER (self));
  update_in_call (self);
}

/* ---- for the session ---- */

void
kith_call_manager_attach (KithCallManager *self,
                          KithUser        *user,
                          KithApiClient   *api)
{
  g_return_if_fail (KITH_IS_CALL_MANAGER (self));

  g_set_object (&self->user, user);
  g_set_object (&self->api, api);
}

void
kith_call_manager_set_signalling (KithCallManager *self,
                                  KithSignalling  *signalling)
{
  g_return_if_fail (KITH_IS_CALL_MANAGER (self));

  if (self->signalling == signalling)
    return;
  if (self->signalling != NULL)
    g_signal_handlers_disconnect_by_data (self->signalling, self);
  g_set_object (&self->signalling, signalling);
  if (signalling != NULL) {
    g_signal_connect (signalling, "state-changed",
                      G_CALLBACK (on_signalling_state_changed), self);
    update_in_call (self);
  }
  on_signalling_state_changed (signalling, signalling ? kith_signalling_get_state (signalling)
                                                      : KITH_SIGNALLING_DISCONNECTED,
                               KITH_SIGNALLING_DISCONNECTED, self);
}

void
kith_call_manager_handle_frame (KithCallManager *self,
                                const KithFrame *frame)
{
  KithCall *call;

  g_return_if_fail (KITH_IS_CALL_MANAGER (self));
  g_return_if_fail (frame != NULL);

  switch (frame->type) {
  case KITH_FRAME_CALL_INVITE:
    on_invite (self, frame);
    break;

  case KITH_FRAME_CALL_RINGING:
  case KITH_FRAME_CALL_ANSWER:
  case KITH_FRAME_CALL_CANDIDATE:
  case KITH_FRAME_CALL_HANGUP:
  case KITH_FRAME_CALL_REJECT:
    call = find_call (self, frame->call_id);
    if (call == NULL || kith_call_get_peer_id (call) != frame->from) {
      g_debug ("a frame of no call of ours (%s) passed over", frame->call_id);
      break;
    }
    kith_call_handle_frame (call, frame);
    break;

  case KITH_FRAME_ERROR:
    on_call_error (self, frame);
    break;

  default:
    break;
  }
}

void
kith_call_manager_hang_up_all (KithCallManager *self)
{
  g_autoptr (GPtrArray) calls = NULL;

  g_return_if_fail (KITH_IS_CALL_MANAGER (self));

  calls = g_ptr_array_copy (self->calls, (GCopyFunc) g_object_ref, NULL);
  g_ptr_array_set_free_func (calls, g_object_unref);
  for (guint i = 0; i < calls->len; i++) {
    KithCall *call = g_ptr_array_index (calls, i);

    /* Ringing here: this device goes away, the others may still answer. */
    if (kith_call_get_state (call) == KITH_CALL_RINGING_IN)
      kith_call_end (call, KITH_CALL_END_HUNG_UP, NULL, FALSE);
    else
      kith_call_hang_up (call);
  }
  /* Signing out, or leaving: no next call to make ready for. */
  kith_call_media_drop_spare ();
}

/* ---- public API ---- */

KithCall *
kith_call_manager_place (KithCallManager  *self,
                         KithContact      *contact,
                         gboolean          video,
                         GError          **error)
{
  g_autofree char *call_id = NULL;
  KithCall *call;

  g_return_val_if_fail (KITH_IS_CALL_MANAGER (self), NULL);
  g_return_val_if_fail (KITH_IS_CONTACT (contact), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->user == NULL) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_NOT_SIGNED_IN, _("You are not signed in."));
    return NULL;
  }
  if (!self->link_up) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_NETWORK,
                         _("Kith is not connected to the server."));
    return NULL;
  }
  if (self->calls->len > 0) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_FORBIDDEN, _("You are already in a call."));
    return NULL;
  }
  if (kith_contact_get_state (contact) != KITH_CONTACT_ACCEPTED) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_NOT_CONTACT,
                         kith_error_code_describe (KITH_ERROR_NOT_CONTACT));
    return NULL;
  }

  call_id = g_uuid_string_random ();
  call = kith_call_new (self, call_id, KITH_CALL_OUTGOING, kith_person_get_id (KITH_PERSON (contact)),
                        contact, video);
  add_call (self, call);
  kith_call_place (call);
  return g_object_ref (call);
}

KithCall *
kith_call_manager_get_current (KithCallManager *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (self), NULL);
  return self->calls->len > 0 ? g_ptr_array_index (self->calls, 0) : NULL;
}

guint
kith_call_manager_get_connect_timeout (KithCallManager *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (self), 0);
  return self->connect_timeout;
}

void
kith_call_manager_set_connect_timeout (KithCallManager *self,
                                       guint            ms)
{
  g_return_if_fail (KITH_IS_CALL_MANAGER (self));

  if (self->connect_timeout == ms)
    return;
  self->connect_timeout = ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_TIMEOUT]);
}

guint
kith_call_manager_get_ring_timeout (KithCallManager *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (self), 0);
  return self->ring_timeout;
}

void
kith_call_manager_set_ring_timeout (KithCallManager *self,
                                    guint            ms)
{
  g_return_if_fail (KITH_IS_CALL_MANAGER (self));

  if (self->ring_timeout == ms)
    return;
  self->ring_timeout = ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RING_TIMEOUT]);
}

guint
kith_call_manager_get_lost_timeout (KithCallManager *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (self), 0);
  return self->lost_timeout;
}

void
kith_call_manager_set_lost_timeout (KithCallManager *self,
                                    guint            ms)
{
  g_return_if_fail (KITH_IS_CALL_MANAGER (self));

  if (self->lost_timeout == ms)
    return;
  self->lost_timeout = ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOST_TIMEOUT]);
}

gboolean
kith_call_manager_get_loopback (KithCallManager *self)
{
  g_return_val_if_fail (KITH_IS_CALL_MANAGER (self), FALSE);
  return self->loopback;
}

void
kith_call_manager_set_loopback (KithCallManager *self,
                                gboolean         loopback)
{
  g_return_if_fail (KITH_IS_CALL_MANAGER (self));

  loopback = !!loopback;
  if (self->loopback == loopback)
    return;
  self->loopback = loopback;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOOPBACK]);
}

void
kith_call_manager_set_drop_candidates (KithCallManager *self,
                                       gboolean         drop)
{
  g_return_if_fail (KITH_IS_CALL_MANAGER (self));
  self->drop_candidates = drop;
}
