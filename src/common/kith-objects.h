/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "kith-limits.h"
#include "kith-wire-enums.h"

G_BEGIN_DECLS

/*
 * The objects of protocol v1 (docs/protocol.md, "Objects"): users,
 * contacts, messages and the server's description, as REST bodies and
 * frames carry them.
 */

/* A user's plan, "plan" in the own record. */
#define KITH_PLAN_FREE               "free"
#define KITH_PLAN_PAID               "paid"

/* The login flows a server offers, "login_flows" of GET /server. */
#define KITH_LOGIN_FLOW_PASSWORD     "password"
#define KITH_LOGIN_FLOW_OIDC_GOOGLE  "oidc:google"
#define KITH_LOGIN_FLOW_OIDC_PREFIX  "oidc:"        /* + a provider's id (GET /server's oidc_providers) */

typedef struct {
  gint64    id;
  char     *email;
  char     *first_name;
  char     *last_name;
  /* Only in the signed-in user's own record (GET /me, welcome, session): */
  gboolean  has_settings;
  gboolean  offline_email_notification;
  char     *plan;                   /* KITH_PLAN_FREE | KITH_PLAN_PAID */
} KithUserInfo;

KithUserInfo *kith_user_info_new        (void);
KithUserInfo *kith_user_info_copy       (const KithUserInfo *info);
void          kith_user_info_free       (KithUserInfo       *info);
JsonNode     *kith_user_info_to_node    (const KithUserInfo *info);
KithUserInfo *kith_user_info_from_node  (JsonNode           *node,
                                         GError            **error);

typedef struct {
  KithUserInfo     *user;
  KithContactState  state;
  KithPresence      presence;       /* offline unless accepted */
} KithContactInfo;

KithContactInfo *kith_contact_info_new  (void);
void             kith_contact_info_free (KithContactInfo *info);

/* A message's "kind" (docs/protocol.md, "Objects"): absent for what a
 * person wrote; "call" for a call event, which has "call" too. */
#define KITH_MESSAGE_KIND_CALL       "call"

/* A call event's "call": how the call went. "outcome" stays a string on
 * the wire so that an outcome a client does not know yet still parses
 * (kith_call_outcome_from_string() tells); the client shows the body then. */
typedef struct {
  gboolean  video;
  char     *outcome;                /* KithCallOutcome's wire name */
  gint64    duration;               /* seconds; "ended" only, else 0 */
} KithCallInfo;

KithCallInfo    *kith_call_info_new     (void);
KithCallInfo    *kith_call_info_copy    (const KithCallInfo *info);
void             kith_call_info_free    (KithCallInfo       *info);

typedef struct {
  gint64  seq;                      /* server's order; 0 while unacknowledged */
  char   *id;                       /* the sender's client id (idempotency) */
  gint64  from;
  gint64  to;
  char   *body;
  gint64  sent_at;                  /* ms since epoch, set by kithd */
  char   *kind;                     /* NULL: text; KITH_MESSAGE_KIND_CALL: a call event */
  KithCallInfo *call;               /* a call event's; else NULL */
} KithMessageInfo;

KithMessageInfo *kith_message_info_new  (void);
KithMessageInfo *kith_message_info_copy (const KithMessageInfo *info);
void             kith_message_info_free (KithMessageInfo       *info);

/* One entry of "ice_servers" (GET /server, GET /ice-servers): STUN or
 * TURN URIs, and for TURN, from GET /ice-servers only, the time-limited
 * username and credential. */
typedef struct {
  char  **urls;
  char   *username;                 /* NULL: none */
  char   *credential;               /* NULL: none */
} KithIceServer;

KithIceServer   *kith_ice_server_new    (void);
KithIceServer   *kith_ice_server_copy   (const KithIceServer *server);
void             kith_ice_server_free   (KithIceServer       *server);

/* One entry of "oidc_providers" (GET /server): a provider kithd signs
 * in with, its flow being "oidc:" @id. */
typedef struct {
  char  *id;                        /* [a-z0-9-]{1,32} */
  char  *name;                      /* shown on its button: "Google" */
} KithOidcProviderInfo;

KithOidcProviderInfo *kith_oidc_provider_info_new  (const char           *id,
                                                    const char           *name);
void                  kith_oidc_provider_info_free (KithOidcProviderInfo *info);

typedef struct {
  char   *name;
  char   *version;
  gint64  protocol;                 /* KITH_PROTOCOL_VERSION */
  char  **login_flows;              /* KITH_LOGIN_FLOW_PASSWORD, KITH_LOGIN_FLOW_OIDC_GOOGLE */
  gint64  password_min_length;
  GPtrArray *ice_servers;           /* KithIceServer, URIs only; empty when none */
  GPtrArray *oidc_providers;        /* KithOidcProviderInfo; empty when none */
} KithServerInfo;

KithServerInfo *kith_server_info_new  (void);
void            kith_server_info_free (KithServerInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithUserInfo, kith_user_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithContactInfo, kith_contact_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithMessageInfo, kith_message_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithServerInfo, kith_server_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithCallInfo, kith_call_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithIceServer, kith_ice_server_free)

G_END_DECLS
