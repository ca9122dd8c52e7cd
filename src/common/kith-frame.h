/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "kith-error.h"
#include "kith-limits.h"
#include "kith-objects.h"
#include "kith-wire-enums.h"

G_BEGIN_DECLS

/*
 * The socket's frames (docs/protocol.md, "The socket"): one JSON object a
 * WebSocket text frame, with a "type". One table in kith-frame.c says, for
 * each type, its name and which fields it has when the client or kithd
 * sends it; the parser and the writer both read it.
 */

/* The socket's own close codes (RFC 6455 leaves 4000–4999 to the
 * application); kithd also closes with the standard ones (1000–1009). */
typedef enum {
  KITH_CLOSE_NO_HELLO     = 4000,   /* no hello within the time allowed */
  KITH_CLOSE_UNAUTHORIZED = 4001,   /* the token is unknown or was revoked */
  KITH_CLOSE_DEAD_PEER    = 4002,   /* no frame or pong for too long */
} KithCloseCode;

/* The "reason" of a call.hangup or call.reject that kithd sends, or that
 * clients send and kithd reads (docs/protocol.md, "Calls"). Clients may
 * send other reasons; kithd relays them as they are. */
#define KITH_CALL_REASON_BUSY               "busy"               /* C: reject, in another call */
#define KITH_CALL_REASON_DECLINED           "declined"           /* C: reject */
#define KITH_CALL_REASON_DISCONNECTED       "disconnected"       /* S: the peer's device went away */
#define KITH_CALL_REASON_ANSWERED_ELSEWHERE "answered-elsewhere" /* S: another device of the callee answered */
#define KITH_CALL_REASON_DECLINED_ELSEWHERE "declined-elsewhere" /* S: another device of the callee declined */
#define KITH_CALL_REASON_UNREACHABLE        "unreachable"        /* S: the callee has no device connected */
#define KITH_CALL_REASON_MISSED             "missed"             /* S: not answered in time */
#define KITH_CALL_REASON_FAILED             "failed"             /* C: hangup, the media never connected */

/* hello's "call": the answered call this device is in, when it connects
 * again (kithd restarted, or the socket dropped). */
typedef struct {
  char     *call_id;
  gint64    peer;                   /* the other party's user id */
  gboolean  caller;                 /* this user placed the call */
  gboolean  video;
  gint64    elapsed;                /* seconds since the call was answered */
} KithCallClaim;

KithCallClaim *kith_call_claim_new  (void);
void           kith_call_claim_free (KithCallClaim *claim);

typedef enum {
  KITH_ORIGIN_CLIENT,               /* client -> kithd */
  KITH_ORIGIN_SERVER,               /* kithd -> client */
} KithOrigin;

typedef enum {
  KITH_FRAME_HELLO,                 /* "hello"          C: token, resume_after?, call? */
  KITH_FRAME_WELCOME,               /* "welcome"        S: user, seq */
  KITH_FRAME_PRESENCE_SET,          /* "presence.set"   C: status (chosen) */
  KITH_FRAME_PRESENCE,              /* "presence"       S: user_id, status (presence) */
  KITH_FRAME_ACTIVITY,              /* "activity"       C: idle */
  KITH_FRAME_MESSAGE_SEND,          /* "message.send"   C: id, to, body */
  KITH_FRAME_MESSAGE,               /* "message"        S: seq, id, from, to, body, sent_at, kind?, call? */
  KITH_FRAME_MESSAGE_ACK,           /* "message.ack"    S: id, seq, sent_at */
  KITH_FRAME_MESSAGE_READ,          /* "message.read"   C: to, up_to   S: from, to, up_to */
  KITH_FRAME_PROFILE,               /* "profile"        S: user */
  KITH_FRAME_CONTACT_REQUEST,       /* "contact.request"  S: user (someone asks us) */
  KITH_FRAME_CONTACT_ACCEPTED,      /* "contact.accepted" S: user */
  KITH_FRAME_CONTACT_REMOVED,       /* "contact.removed"  S: user_id */
  KITH_FRAME_CALL_INVITE,           /* "call.invite"    C: call_id, to, video, sdp   S: from instead of to */
  KITH_FRAME_CALL_RINGING,          /* "call.ringing"   C: call_id, to */
  KITH_FRAME_CALL_ANSWER,           /* "call.answer"    C: call_id, to, sdp */
  KITH_FRAME_CALL_CANDIDATE,        /* "call.candidate" C: call_id, to, candidate, sdp_mline_index */
  KITH_FRAME_CALL_HANGUP,           /* "call.hangup"    C: call_id, to, reason? */
  KITH_FRAME_CALL_REJECT,           /* "call.reject"    C: call_id, to, reason? */
  KITH_FRAME_PING,                  /* "ping"           C */
  KITH_FRAME_PONG,                  /* "pong"           S */
  KITH_FRAME_ERROR,                 /* "error"          S: code, message, ref?, retry_after_ms? */
} KithFrameType;

#define KITH_FRAME_LAST KITH_FRAME_ERROR

/*
 * One struct for every frame; only the fields of its type (and origin) are
 * read by kith_frame_to_json() and set by kith_frame_parse(). Call frames
 * sent by kithd carry `from` (the peer) where the client sent `to`.
 */
typedef struct {
  KithFrameType     type;

  char             *token;          /* hello */
  gint64            resume_after;   /* hello (optional, default 0) */
  KithCallClaim    *claim;          /* hello (optional): "call" */
  KithUserInfo     *user;           /* welcome, profile, contact.request, contact.accepted */
  gint64            seq;            /* welcome (last seq of the user's stream), message, message.ack */

  KithChosenStatus  chosen;         /* presence.set: "status" */
  KithPresence      presence;       /* presence: "status" */
  gint64            user_id;        /* presence, contact.removed */
  gboolean          idle;           /* activity */

  char             *id;             /* message.send, message, message.ack */
  gint64            from;           /* message, message.read (S), call.* (S) */
  gint64            to;             /* message.send, message, message.read, call.* (C) */
  char             *body;           /* message.send, message */
  gint64            sent_at;        /* message, message.ack */
  gint64            up_to;          /* message.read */
  char             *kind;           /* message (optional): KITH_MESSAGE_KIND_CALL */
  KithCallInfo     *call;           /* message (optional): a call event's */

  char             *call_id;        /* call.* */
  gboolean          video;          /* call.invite */
  char             *sdp;            /* call.invite, call.answer */
  char             *candidate;      /* call.candidate */
  gint64            sdp_mline_index;/* call.candidate */
  char             *reason;         /* call.hangup, call.reject (optional) */

  KithErrorCode     code;           /* error: "code" as its string */
  char             *message;        /* error */
  char             *ref;            /* error (optional): the id of the frame it answers */
  gint64            retry_after_ms; /* error (optional; 0: not sent): rate_limited, try again after */
} KithFrame;

KithFrame    *kith_frame_new               (KithFrameType  type);
void          kith_frame_free              (KithFrame     *frame);
const char   *kith_frame_type_to_string    (KithFrameType  type);
gboolean      kith_frame_type_from_string  (const char    *str,
                                            KithFrameType *type);
/* Whether @type may be sent by @origin. */
gboolean      kith_frame_type_allowed      (KithFrameType  type,
                                            KithOrigin     origin);

/* Parses a frame sent by @origin. Frames over KITH_MAX_FRAME_BYTES give
 * PAYLOAD_TOO_LARGE; a type @origin may not send gives UNKNOWN_TYPE. */
KithFrame    *kith_frame_parse             (const char    *data,
                                            gsize          length,
                                            KithOrigin     origin,
                                            GError       **error);
/* Serialises the fields of frame->type as sent by @origin; NUL-terminated. */
char         *kith_frame_to_json           (const KithFrame *frame,
                                            KithOrigin       origin,
                                            gsize           *length);

/* For an error reply to a frame kith_frame_parse() refused: its "id" (or
 * else "call_id") when the data is a JSON object that has a usable one
 * (a non-empty string of at most KITH_MAX_ID_BYTES, without \u0000),
 * else NULL. */
char         *kith_frame_peek_ref          (const char    *data,
                                            gsize          length);

/* Convenience for kithd: a serialised error frame. */
char         *kith_frame_error_json        (KithErrorCode  code,
                                            const char    *message,
                                            const char    *ref,
                                            gsize         *length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithFrame, kith_frame_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithCallClaim, kith_call_claim_free)

G_END_DECLS
