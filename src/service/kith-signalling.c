/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithSignalling"

#include "config.h"

#include "kith-api-client.h"
#include "kith-backoff.h"
#include "kith-service-enums.h"
#include "kith-signalling.h"

/* How long stop_async waits for the server to answer the close. */
#define STOP_CLOSE_WAIT_MS 3000

struct _KithSignalling
{
  GObject                  parent_instance;

  SoupSession             *soup_session;
  char                    *url;
  char                    *token;
  gint64                   resume_after;
  KithCallClaim           *claim;          /* the answered call the hello carries */
  gint64                   claim_set_at;   /* monotonic µs */

  KithSignallingState      state;
  SoupWebsocketConnection *conn;
  GList                   *closing;        /* connections finishing their close handshake */
  GCancellable            *connect_cancellable;
  SoupMessage             *connect_msg;    /* the upgrade request under way */
  GError                  *violation;      /* what the server did wrong on this connection */
  guint                    violation_source;
  gint64                   welcome_at;     /* monotonic µs; 0: no welcome on this connection */
  guint                    backoff_source;
  guint                    tick_source;
  guint                    attempt;
  gint64                   last_rx;        /* monotonic µs */
  gint64                   last_ping;
  gint64                   connect_started;
  gboolean                 running;
  gulong                   network_handler;

  guint                    ping_interval;  /* ms */
  guint                    dead_timeout;
  guint                    backoff_min;
  guint                    backoff_max;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_URL,
  PROP_TOKEN,
  PROP_PING_INTERVAL,
  PROP_DEAD_TIMEOUT,
  PROP_BACKOFF_MIN,
  PROP_BACKOFF_MAX,
  N_PROPS
};

enum {
  STATE_CHANGED,
  FRAME,
  REVOKED,
  FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithSignalling, kith_signalling, G_TYPE_OBJECT)

static void connect_now (KithSignalling *self);

static guint
env_ms (const char *name,
        guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 ms;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &ms, NULL))
    return fallback;
  return (guint) ms;
}

static void
set_state (KithSignalling      *self,
           KithSignallingState  state)
{
  KithSignallingState old = self->state;

  if (old == state)
    return;
  self->state = state;
  g_debug ("state %d -> %d", old, state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[STATE_CHANGED], 0, state, old);
}

static void
on_closing_closed (SoupWebsocketConnection *conn,
                   gpointer                 user_data)
{
  KithSignalling *self = user_data;

  g_signal_handlers_disconnect_by_data (conn, self);
  self->closing = g_list_remove (self->closing, conn);
  g_object_unref (conn);
}

/* Graceful: send a close frame and let the handshake finish in the
 * background. Otherwise the connection is dropped at once (dispose closes
 * the stream). */
static void
drop_connection (KithSignalling *self,
                 gboolean        graceful)
{
  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  g_clear_object (&self->connect_msg);
  g_clear_handle_id (&self->violation_source, g_source_remove);
  g_clear_error (&self->violation);
  self->welcome_at = 0;

  if (self->conn != NULL) {
    g_signal_handlers_disconnect_by_data (self->conn, self);
    if (graceful &&
        soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_signal_connect (self->conn, "closed", G_CALLBACK (on_closing_closed), self);
      self->closing = g_list_prepend (self->closing, g_steal_pointer (&self->conn));
    }
    g_clear_object (&self->conn);
  }
}

static gboolean
on_backoff_done (gpointer user_data)
{
  KithSignalling *self = user_data;

  self->backoff_source = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (KithSignalling *self)
{
  guint delay;
  guint shift;

  /* The back-off starts again only after a connection that worked for a
   * while: one that breaks right after its welcome (closed, garbage) is
   * retried later and later, not every backoff-min for ever. */
  if (self->welcome_at != 0 &&
      g_get_monotonic_time () - self->welcome_at >= (gint64) self->backoff_max * 1000)
    self->attempt = 0;
  shift = MIN (self->attempt, 16);

  drop_connection (self, FALSE);
  if (!self->running)
    return;

  delay = kith_backoff_delay_ms (shift, self->backoff_min, self->backoff_max, g_random_int ());
  self->attempt++;
  g_debug ("reconnecting in %u ms (attempt %u)", delay, self->attempt);

  g_clear_handle_id (&self->backoff_source, g_source_remove);
  self->backoff_source = g_timeout_add (delay, on_backoff_done, self);
  set_state (self, KITH_SIGNALLING_WAITING);
}

/* The connection (or the attempt to make one) failed: says why through
 * "failed", then reconnects with back-off (unless the owner stopped it
 * meanwhile). Takes @error. */
static void
fail_connection (KithSignalling *self,
                 GError         *error)
{
  g_debug ("connection failed: %s", error->message);
  g_object_ref (self);
  g_signal_emit (self, signals[FAILED], 0, error);
  g_error_free (error);
  schedule_reconnect (self);
  g_object_unref (self);
}

static GError *
protocol_error_new (void)
{
  return g_error_new_literal (KITH_ERROR, KITH_ERROR_PROTOCOL,
                              kith_error_code_describe (KITH_ERROR_PROTOCOL));
}

static gboolean
on_violation (gpointer user_data)
{
  KithSignalling *self = user_data;

  self->violation_source = 0;
  fail_connection (self, g_steal_pointer (&self->violation));
  return G_SOURCE_REMOVE;
}

/* The server broke the protocol on this connection: it is dropped (from
 * an idle: libsoup is still reading it) and nothing more is read from it. */
static void
protocol_violation (KithSignalling *self,
                    const char     *what)
{
  g_debug ("the server broke the protocol: %s", what);
  if (self->violation == NULL)
    self->violation = protocol_error_new ();
  if (self->conn != NULL)
    g_signal_handlers_disconnect_by_data (self->conn, self);
  if (self->violation_source == 0)
    self->violation_source = g_idle_add (on_violation, self);
}

static gboolean
send_raw (KithSignalling  *self,
          const KithFrame *frame)
{
  g_autofree char *json = NULL;
  gsize len = 0;

  if (self->conn == NULL ||
      soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;

  json = kith_frame_to_json (frame, KITH_ORIGIN_CLIENT, &len);
  if (json == NULL)
    return FALSE;
  soup_websocket_connection_send_text (self->conn, json);
  return TRUE;
}

static gboolean
on_tick (gpointer user_data)
{
  KithSignalling *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (self->violation_source != 0)
    return G_SOURCE_CONTINUE;
  if (self->state == KITH_SIGNALLING_CONNECTING &&
      now - self->connect_started > (gint64) self->dead_timeout * 1000) {
    g_debug ("connecting took too long");
    fail_connection (self, g_error_new_literal (KITH_ERROR, KITH_ERROR_NETWORK,
                                                kith_error_code_describe (KITH_ERROR_NETWORK)));
  } else if (self->state == KITH_SIGNALLING_CONNECTED) {
    if (now - self->last_rx > (gint64) self->dead_timeout * 1000) {
      g_debug ("dead link: nothing heard for %u ms", self->dead_timeout);
      fail_connection (self, kith_api_client_broken_off_error ());
    } else if (now - self->last_ping >= (gint64) self->ping_interval * 1000) {
      g_autoptr (KithFrame) ping = kith_frame_new (KITH_FRAME_PING);

      self->last_ping = now;
      send_raw (self, ping);
    }
  }

  return G_SOURCE_CONTINUE;
}

static void
on_ws_message (SoupWebsocketConnection *conn,
               SoupWebsocketDataType    type,
               GBytes                  *message,
               gpointer                 user_data)
{
  KithSignalling *self = user_data;
  g_autoptr (KithFrame) frame = NULL;
  g_autoptr (GError) error = NULL;
  const char *data;
  gsize size;

  self->last_rx = g_get_monotonic_time ();

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    protocol_violation (self, "a binary frame");
    return;
  }

  data = g_bytes_get_data (message, &size);
  frame = kith_frame_parse (data, size, KITH_ORIGIN_SERVER, &error);
  if (frame == NULL) {
    /* A type from a newer server is passed over; anything else (not JSON,
     * a known frame with a field missing or wrong) is the server talking
     * nonsense: a message could be lost in it, so the connection goes and
     * the replay on the next one brings what it held. */
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_UNKNOWN_TYPE))
      g_debug ("ignoring a frame: %s", error->message);
    else
      protocol_violation (self, error->message);
    return;
  }
  if (frame->type != KITH_FRAME_WELCOME && self->state != KITH_SIGNALLING_CONNECTED) {
    protocol_violation (self, "a frame before welcome");
    return;
  }

  if (frame->type == KITH_FRAME_WELCOME) {
    self->welcome_at = g_get_monotonic_time ();
    set_state (self, KITH_SIGNALLING_CONNECTED);
  }

  g_object_ref (self);
  g_signal_emit (self, signals[FRAME], 0, frame);
  g_object_unref (self);
}

static void
on_ws_closed (SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  KithSignalling *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (conn);

  g_debug ("socket closed (%u)", code);

  if (code == KITH_CLOSE_UNAUTHORIZED) {
    self->running = FALSE;
    drop_connection (self, FALSE);
    set_state (self, KITH_SIGNALLING_DISCONNECTED);
    g_signal_emit (self, signals[REVOKED], 0);
    return;
  }

  if (self->violation != NULL ||
      code == SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR || code == SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA ||
      code == SOUP_WEBSOCKET_CLOSE_BAD_DATA || code == SOUP_WEBSOCKET_CLOSE_TOO_BIG)
    fail_connection (self, protocol_error_new ());
  else
    fail_connection (self, kith_api_client_broken_off_error ());
}

/* libsoup found a frame that breaks RFC 6455 (and closes with 1002). */
static void
on_ws_error (SoupWebsocketConnection *conn,
             GError                  *error,
             gpointer                 user_data)
{
  KithSignalling *self = user_data;

  g_debug ("socket error: %s", error->message);
  if (error->domain == SOUP_WEBSOCKET_ERROR && self->violation == NULL)
    self->violation = protocol_error_new ();
}

static void
on_ws_connected (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KithSignalling *self = user_data;
  g_autoptr (SoupWebsocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithFrame) hello = NULL;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (conn == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      guint status = self->connect_msg ? soup_message_get_status (self->connect_msg) : 0;

      g_debug ("cannot connect: %s (HTTP %u)", error->message, status);
      /* Answered, but not with an upgrade: a proxy's error page (5xx), or
       * not kithd at all. */
      if (status >= 500)
        fail_connection (self, g_error_new_literal (KITH_ERROR, KITH_ERROR_INTERNAL,
                                                    kith_error_code_describe (KITH_ERROR_INTERNAL)));
      else if (status >= 100)
        fail_connection (self, protocol_error_new ());
      else
        fail_connection (self, kith_api_client_network_error (error));
    }
    g_object_unref (self);
    return;
  }

  g_clear_object (&self->connect_cancellable);
  g_clear_object (&self->connect_msg);
  self->conn = g_steal_pointer (&conn);
  soup_websocket_connection_set_max_incoming_payload_size (self->conn, KITH_MAX_FRAME_BYTES + 1024);
  soup_websocket_connection_set_keepalive_interval (self->conn, 0);
  g_signal_connect (self->conn, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (self->conn, "closed", G_CALLBACK (on_ws_closed), self);
  g_signal_connect (self->conn, "error", G_CALLBACK (on_ws_error), self);

  self->last_rx = self->last_ping = g_get_monotonic_time ();

  hello = kith_frame_new (KITH_FRAME_HELLO);
  hello->token = g_strdup (self->token);
  hello->resume_after = self->resume_after;
  if (self->claim != NULL) {
    hello->claim = kith_call_claim_new ();
    hello->claim->call_id = g_strdup (self->claim->call_id);
    hello->claim->peer = self->claim->peer;
    hello->claim->caller = self->claim->caller;
    hello->claim->video = self->claim->video;
    hello->claim->elapsed = self->claim->elapsed +
                            (g_get_monotonic_time () - self->claim_set_at) / G_USEC_PER_SEC;
    g_debug ("hello claims call %s", self->claim->call_id);
  }
  g_debug ("hello, resume after %" G_GINT64_FORMAT, self->resume_after);
  send_raw (self, hello);

  g_object_unref (self);
}

static void
connect_now (KithSignalling *self)
{
  g_autoptr (SoupMessage) msg = NULL;

  g_clear_handle_id (&self->backoff_source, g_source_remove);
  drop_connection (self, FALSE);

  msg = soup_message_new ("GET", self->url);
  if (msg == NULL) {
    schedule_reconnect (self);
    return;
  }

  self->connect_cancellable = g_cancellable_new ();
  self->connect_msg = g_object_ref (msg);
  self->connect_started = g_get_monotonic_time ();
  set_state (self, KITH_SIGNALLING_CONNECTING);
  soup_session_websocket_connect_async (self->soup_session, msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, self->connect_cancellable,
                                        on_ws_connected, g_object_ref (self));
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  KithSignalling *self = user_data;

  if (available && self->running && self->state == KITH_SIGNALLING_WAITING) {
    g_debug ("network is back: retrying now");
    self->attempt = 0;
    connect_now (self);
  }
}

static void
kith_signalling_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KithSignalling *self = KITH_SIGNALLING (object);

  switch (prop_id) {
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_URL:
    g_value_set_string (value, self->url);
    break;
  case PROP_TOKEN:
    g_value_set_string (value, self->token);
    break;
  case PROP_PING_INTERVAL:
    g_value_set_uint (value, self->ping_interval);
    break;
  case PROP_DEAD_TIMEOUT:
    g_value_set_uint (value, self->dead_timeout);
    break;
  case PROP_BACKOFF_MIN:
    g_value_set_uint (value, self->backoff_min);
    break;
  case PROP_BACKOFF_MAX:
    g_value_set_uint (value, self->backoff_max);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_signalling_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KithSignalling *self = KITH_SIGNALLING (object);

  switch (prop_id) {
  case PROP_URL:
    g_free (self->url);
    self->url = g_value_dup_string (value);
    break;
  case PROP_TOKEN:
    g_free (self->token);
    self->token = g_value_dup_string (value);
    break;
  case PROP_PING_INTERVAL:
    self->ping_interval = g_value_get_uint (value);
    break;
  case PROP_DEAD_TIMEOUT:
    self->dead_timeout = g_value_get_uint (value);
    break;
  case PROP_BACKOFF_MIN:
    self->backoff_min = g_value_get_uint (value);
    break;
  case PROP_BACKOFF_MAX:
    self->backoff_max = g_value_get_uint (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_signalling_dispose (GObject *object)
{
  KithSignalling *self = KITH_SIGNALLING (object);

  self->running = FALSE;
  drop_connection (self, FALSE);
  while (self->closing != NULL) {
    SoupWebsocketConnection *conn = self->closing->data;

    self->closing = g_list_delete_link (self->closing, self->closing);
    g_signal_handlers_disconnect_by_data (conn, self);
    g_object_unref (conn);
  }
  g_clear_handle_id (&self->backoff_source, g_source_remove);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_signal_handler (&self->network_handler, g_network_monitor_get_default ());
  g_clear_object (&self->soup_session);

  G_OBJECT_CLASS (kith_signalling_parent_class)->dispose (object);
}

static void
kith_signalling_finalize (GObject *object)
{
  KithSignalling *self = KITH_SIGNALLING (object);

  g_free (self->url);
  g_free (self->token);
  g_clear_pointer (&self->claim, kith_call_claim_free);

  G_OBJECT_CLASS (kith_signalling_parent_class)->finalize (object);
}

static void
kith_signalling_class_init (KithSignallingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_signalling_get_property;
  object_class->set_property = kith_signalling_set_property;
  object_class->dispose = kith_signalling_dispose;
  object_class->finalize = kith_signalling_finalize;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KITH_TYPE_SIGNALLING_STATE,
                       KITH_SIGNALLING_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, rw);
  properties[PROP_TOKEN] = g_param_spec_string ("token", NULL, NULL, NULL, rw);
  properties[PROP_PING_INTERVAL] =
    g_param_spec_uint ("ping-interval", NULL, NULL, 10, G_MAXUINT, 10000, rw);
  properties[PROP_DEAD_TIMEOUT] =
    g_param_spec_uint ("dead-timeout", NULL, NULL, 10, G_MAXUINT, 25000, rw);
  properties[PROP_BACKOFF_MIN] =
    g_param_spec_uint ("backoff-min", NULL, NULL, 1, G_MAXUINT, KITH_BACKOFF_MIN_MS_DEFAULT, rw);
  properties[PROP_BACKOFF_MAX] =
    g_param_spec_uint ("backoff-max", NULL, NULL, 1, G_MAXUINT, KITH_BACKOFF_MAX_MS_DEFAULT, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  KITH_TYPE_SIGNALLING_STATE, KITH_TYPE_SIGNALLING_STATE);
  signals[FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[REVOKED] =
    g_signal_new ("revoked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
kith_signalling_init (KithSignalling *self)
{
  self->ping_interval = env_ms ("KITH_PING_INTERVAL_MS", 10000);
  self->dead_timeout = env_ms ("KITH_DEAD_TIMEOUT_MS", 25000);
  self->backoff_min = env_ms ("KITH_BACKOFF_MIN_MS", KITH_BACKOFF_MIN_MS_DEFAULT);
  self->backoff_max = env_ms ("KITH_BACKOFF_MAX_MS", KITH_BACKOFF_MAX_MS_DEFAULT);
}

KithSignalling *
kith_signalling_new (SoupSession *soup_session,
                     const char  *url,
                     const char  *token)
{
  KithSignalling *self;

  g_return_val_if_fail (SOUP_IS_SESSION (soup_session), NULL);

  self = g_object_new (KITH_TYPE_SIGNALLING, "url", url, "token", token, NULL);
  self->soup_session = g_object_ref (soup_session);
  return self;
}

KithSignallingState
kith_signalling_get_state (KithSignalling *self)
{
  g_return_val_if_fail (KITH_IS_SIGNALLING (self), KITH_SIGNALLING_DISCONNECTED);
  return self->state;
}

void
kith_signalling_set_resume_after (KithSignalling *self,
                                  gint64          seq)
{
  g_return_if_fail (KITH_IS_SIGNALLING (self));
  self->resume_after = seq;
}

void
kith_signalling_set_call_claim (KithSignalling      *self,
                                const KithCallClaim *claim)
{
  g_return_if_fail (KITH_IS_SIGNALLING (self));

  g_clear_pointer (&self->claim, kith_call_claim_free);
  if (claim == NULL)
    return;
  self->claim = kith_call_claim_new ();
  self->claim->call_id = g_strdup (claim->call_id);
  self->claim->peer = claim->peer;
  self->claim->caller = claim->caller;
  self->claim->video = claim->video;
  self->claim->elapsed = claim->elapsed;
  self->claim_set_at = g_get_monotonic_time ();
}

void
kith_signalling_start (KithSignalling *self)
{
  guint tick;

  g_return_if_fail (KITH_IS_SIGNALLING (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->attempt = 0;

  tick = CLAMP (MIN (self->ping_interval, self->dead_timeout) / 4, 10, 1000);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  self->tick_source = g_timeout_add (tick, on_tick, self);
  if (self->network_handler == 0)
    self->network_handler = g_signal_connect (g_network_monitor_get_default (),
                                              "network-changed",
                                              G_CALLBACK (on_network_changed), self);
  connect_now (self);
}

void
kith_signalling_stop (KithSignalling *self)
{
  g_return_if_fail (KITH_IS_SIGNALLING (self));

  self->running = FALSE;
  g_clear_handle_id (&self->backoff_source, g_source_remove);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  drop_connection (self, TRUE);
  set_state (self, KITH_SIGNALLING_DISCONNECTED);
}

typedef struct {
  SoupWebsocketConnection *conn;
  gulong                   closed_handler;
  guint                    timeout_source;
} Closing;

/* The handler and the timeout each hold the task: both are gone
 * (stop_done) before it is freed. */
static void
closing_free (gpointer data)
{
  Closing *closing = data;

  g_clear_object (&closing->conn);
  g_free (closing);
}

/* The server answered the close, or did not in time: either returns the
 * task and removes the other. */
static void
stop_done (GTask *task)
{
  Closing *closing = g_task_get_task_data (task);

  g_clear_signal_handler (&closing->closed_handler, closing->conn);
  g_clear_handle_id (&closing->timeout_source, g_source_remove);
  g_task_return_boolean (task, TRUE);
}

static void
on_stop_closed (SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  stop_done (user_data);
}

static gboolean
on_stop_timeout (gpointer user_data)
{
  Closing *closing = g_task_get_task_data (user_data);

  g_debug ("the server did not answer the close in time");
  closing->timeout_source = 0;
  stop_done (user_data);
  return G_SOURCE_REMOVE;
}

void
kith_signalling_stop_async (KithSignalling      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Closing *closing;

  g_return_if_fail (KITH_IS_SIGNALLING (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_signalling_stop_async);

  if (self->conn == NULL ||
      soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN) {
    kith_signalling_stop (self);
    g_task_return_boolean (task, TRUE);
    return;
  }

  closing = g_new0 (Closing, 1);
  closing->conn = g_object_ref (self->conn);
  g_task_set_task_data (task, closing, closing_free);
  kith_signalling_stop (self);
  closing->closed_handler = g_signal_connect_data (closing->conn, "closed", G_CALLBACK (on_stop_closed),
                                                   g_object_ref (task), (GClosureNotify) g_object_unref, 0);
  closing->timeout_source = g_timeout_add_full (G_PRIORITY_DEFAULT, STOP_CLOSE_WAIT_MS, on_stop_timeout,
                                                g_object_ref (task), g_object_unref);
}

gboolean
kith_signalling_stop_finish (KithSignalling  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
kith_signalling_reconnect_now (KithSignalling *self)
{
  g_return_if_fail (KITH_IS_SIGNALLING (self));

  if (!self->running)
    return;
  self->attempt = 0;
  connect_now (self);
}

gboolean
kith_signalling_send (KithSignalling  *self,
                      const KithFrame *frame)
{
  g_return_val_if_fail (KITH_IS_SIGNALLING (self), FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);

  if (self->state != KITH_SIGNALLING_CONNECTED)
    return FALSE;
  return send_raw (self, frame);
}
