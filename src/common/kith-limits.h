/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Protocol v1's version and size limits (docs/protocol.md), shared by the
 * codec (kith-frame, kith-body, kith-response, kith-objects), kithd and
 * the client.
 */

#define KITH_PROTOCOL_VERSION        1

#define KITH_MAX_FRAME_BYTES         (64 * 1024)  /* one socket frame, whole */
#define KITH_MAX_BODY_BYTES          (64 * 1024)  /* one REST request body */
#define KITH_MAX_MESSAGE_BODY_BYTES  (16 * 1024)  /* a chat message's text */
#define KITH_MAX_SDP_BYTES           (48 * 1024)
#define KITH_MAX_CANDIDATE_BYTES     1024
#define KITH_MAX_NAME_BYTES          100          /* first_name, last_name, device_name */
#define KITH_MAX_EMAIL_BYTES         254
#define KITH_MAX_ID_BYTES            64           /* client message ids, call ids */
#define KITH_MAX_TOKEN_BYTES         128
#define KITH_MAX_REASON_BYTES        64
#define KITH_MAX_KIND_BYTES          32           /* a message's "kind", a call event's "outcome" */
#define KITH_MAX_HISTORY_LIMIT       200          /* ?limit= of the history call */
#define KITH_MAX_ICE_SERVERS         8            /* entries of "ice_servers" */
#define KITH_MAX_OIDC_PROVIDERS      16           /* entries of "oidc_providers" (GET /server) */
#define KITH_MAX_ICE_URLS            8            /* URIs of one entry */
#define KITH_MAX_ICE_URL_BYTES       512
#define KITH_MAX_ICE_SECRET_BYTES    256          /* a TURN username or credential */
