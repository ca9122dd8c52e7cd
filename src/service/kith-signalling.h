/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "kith-service-types.h"

G_BEGIN_DECLS

typedef enum {
  KITH_SIGNALLING_DISCONNECTED,   /* not started, or stopped */
  KITH_SIGNALLING_CONNECTING,     /* socket opening, hello sent, waiting for welcome */
  KITH_SIGNALLING_CONNECTED,      /* welcome received */
  KITH_SIGNALLING_WAITING,        /* link lost, back-off timer running */
} KithSignallingState;

#define KITH_TYPE_SIGNALLING (kith_signalling_get_type ())

G_DECLARE_FINAL_TYPE (KithSignalling, kith_signalling, KITH, SIGNALLING, GObject)

/*
 * The WebSocket to kithd: hello {token, resume_after}, an app-level ping
 * every ping-interval ms, dead link when no frame came for dead-timeout ms,
 * reconnection with exponential back-off (backoff-min doubling to
 * backoff-max, with jitter), and an immediate retry when GNetworkMonitor
 * says the network is back.
 *
 * Properties: state (KithSignallingState), url, token,
 *   ping-interval (ms, default 10000), dead-timeout (ms, default 25000),
 *   backoff-min (ms, default 2000), backoff-max (ms, default 30000); the wait
 *   is kith_backoff_delay_ms () (src/common/kith-backoff.h).
 *   The environment variables KITH_PING_INTERVAL_MS, KITH_DEAD_TIMEOUT_MS,
 *   KITH_BACKOFF_MIN_MS and KITH_BACKOFF_MAX_MS override the defaults.
 * Signals:
 *   state-changed (new, old)
 *   frame (KithFrame *frame): every frame from kithd, welcome included
 *   revoked (): kithd closed with 4001; no reconnection follows
 *   failed (GError *error): a connection, or an attempt at one, failed;
 *     reconnection with back-off follows. KITH_ERROR_NETWORK (not reached,
 *     or "The connection to the server broke off…"), KITH_ERROR_PROTOCOL
 *     (an invalid WebSocket frame, a text frame that is not a frame of
 *     docs/protocol.md, a binary frame, a frame before welcome: the
 *     connection is dropped; a frame of an unknown type is only passed
 *     over), KITH_ERROR_INTERNAL (the upgrade answered with a 5xx page).
 * The back-off starts again from backoff-min only after a connection that
 * lasted backoff-max past its welcome.
 * The owner keeps resume-after (the last seq it stored) up to date with
 * kith_signalling_set_resume_after(); each hello carries it.
 */
KithSignalling      *kith_signalling_new       (SoupSession    *soup_session,
                                                const char     *url,
                                                const char     *token);
KithSignallingState  kith_signalling_get_state (KithSignalling *self);
void                 kith_signalling_start     (KithSignalling *self);
/* Closes at once (normal closure) and stops reconnecting. */
void                 kith_signalling_stop      (KithSignalling *self);
/* Stops as above, then completes once the server has answered the close
 * (so it has read every frame sent before), or after a few seconds, or at
 * once when the socket was not open. */
void                 kith_signalling_stop_async  (KithSignalling      *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean             kith_signalling_stop_finish (KithSignalling      *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
/* Drop the current link and reconnect now (used on network-back). */
void                 kith_signalling_reconnect_now (KithSignalling *self);
void                 kith_signalling_set_resume_after (KithSignalling *self,
                                                       gint64          seq);
/* The answered call this device is in (NULL: none): every hello carries it
 * (docs/protocol.md, "Reconnecting in a call"), its elapsed grown by the
 * time since it was set. */
void                 kith_signalling_set_call_claim (KithSignalling      *self,
                                                     const KithCallClaim *claim);
/* FALSE when not connected (nothing is queued: callers keep an outbox). */
gboolean             kith_signalling_send      (KithSignalling  *self,
                                                const KithFrame *frame);

G_END_DECLS
