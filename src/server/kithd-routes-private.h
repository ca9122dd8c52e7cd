/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-protocol.h"
#include "kithd-routes.h"
#include "kithd-store.h"

G_BEGIN_DECLS

/*
 * Between the route table (kithd-routes.c), the request a route works on
 * (KithdRouteCall, kithd-route-call.c) and the handlers, one file per
 * domain: kithd-routes-accounts.c, -sessions.c, -contacts.c,
 * -conversations.c, -socket.c, -calls.c.
 */

typedef struct _KithdRouteCall KithdRouteCall;

/* Runs the route: answers @call (and so frees it), at once or later. */
typedef void (*KithdRouteHandler) (KithdRouteCall *call);

/* Hears a call's answer instead of its request (kithd's web pages, which
 * run the API's handlers for their forms): the status and the JSON body
 * (NULL for none). @call is freed after it returns. */
typedef void (*KithdRouteAnswerFunc) (KithdRouteCall *call,
                                      guint           status,
                                      const char     *json,
                                      gsize           len,
                                      gpointer        user_data);

typedef enum {
  KITHD_ROUTE_PUBLIC,
  KITHD_ROUTE_SIGNED_IN,      /* Authorization: Bearer TOKEN of a session */
} KithdRouteAuth;

/* One row of the table: a method on a path. */
typedef struct {
  const char        *method;
  const char        *pattern;    /* below /api/v1; "{id}" matches a positive id, "{name}"
                                  * any segment (the handler reads it from the path) */
  KithdRouteAuth     auth;
  gboolean           has_body;
  KithBodyType       body;       /* the codec of the body, when has_body */
  KithdRouteHandler  handler;
} KithdRoute;

/* The table, in the order of the API's documentation. */
const KithdRoute *kithd_routes_get_table (guint      *n_routes);
/* The route of @method on @path (the whole path, /api/v1/…) and in
 * @path_id the id it names (0: none). NULL when there is none: then @allow
 * is NULL for an unknown path (404), else the methods the path takes
 * ("GET, POST"; 405). */
const KithdRoute *kithd_routes_match     (const char *path,
                                          const char *method,
                                          gint64     *path_id,
                                          char      **allow);
/* A seq or id of the API: 1 to 18 digits. */
gboolean          kithd_routes_parse_id  (const char *str,
                                          gint64     *out);

/* ---- a request on its way through a route ---- */

struct _KithdRouteCall
{
  const KithdRouteContext *ctx;
  KithdRequest            *http;
  const KithdRoute        *route;
  const char              *method;
  const char              *address;
  char                    *address_key;  /* what the address is throttled by */
  gint64                   path_id;
  KithBody                *body;         /* when the route reads one */
  KithdSession            *session;      /* the caller, on signed-in routes */
  KithdUser               *user;
  char                    *token;        /* a new token to hand out */
  char                    *account_key;  /* log-in: account at address */
  gint64                   counted_at;   /* when an attempt was counted against a limit */
  gboolean                 hashing;      /* holds one of the throttle's hash slots */
  KithdRouteHandler        next;         /* after kithd_route_check_password() */
  KithdRouteAnswerFunc     answer;       /* NULL: the request gets the answer */
  gpointer                 answer_data;
};

KithdRouteCall *kithd_route_call_new             (const KithdRouteContext *ctx,
                                                  KithdRequest            *http);
void            kithd_route_call_free            (KithdRouteCall          *call);

/* Each of these answers, and frees @call. */
void            kithd_route_call_respond         (KithdRouteCall          *call,
                                                  guint                    status,
                                                  char                    *json,
                                                  gsize                    len);
void            kithd_route_call_error           (KithdRouteCall          *call,
                                                  KithErrorCode            code,
                                                  const char              *message);
/* A KITH_ERROR as it is; anything else logged and answered INTERNAL. */
void            kithd_route_call_error_from      (KithdRouteCall          *call,
                                                  const GError            *error);
/* 429 with Retry-After: @retry seconds. */
void            kithd_route_call_rate_limited    (KithdRouteCall          *call,
                                                  guint                    retry,
                                                  const char              *message);
/* @user as its owner sees it. */
void            kithd_route_call_respond_user    (KithdRouteCall          *call,
                                                  guint                    status,
                                                  const KithdUser         *user);
/* 201 with the new session's token (call->token) and @user. */
void            kithd_route_call_respond_session (KithdRouteCall          *call,
                                                  const KithdUser         *user);
/* One CONTACT object: @other as @state, with the presence the caller sees. */
void            kithd_route_call_respond_contact (KithdRouteCall          *call,
                                                  guint                    status,
                                                  const KithdUser         *other,
                                                  KithContactState         state);

/* A slot of the throttle's password hashes for the call's address; FALSE
 * (and answered 429) when there is none. It goes back with
 * kithd_route_call_end_hash(), at the latest when @call is freed. */
gboolean        kithd_route_call_begin_hash      (KithdRouteCall          *call);
void            kithd_route_call_end_hash        (KithdRouteCall          *call);

/* ---- the handlers ---- */

/* kithd-routes-accounts.c */
void kithd_route_server_info     (KithdRouteCall *call);
void kithd_route_sign_up         (KithdRouteCall *call);
void kithd_route_me              (KithdRouteCall *call);
void kithd_route_profile_update  (KithdRouteCall *call);
void kithd_route_delete_account  (KithdRouteCall *call);
void kithd_route_password_change (KithdRouteCall *call);
void kithd_route_reset_request   (KithdRouteCall *call);
void kithd_route_reset_confirm   (KithdRouteCall *call);

/* kithd-routes-sessions.c */
void kithd_route_log_in          (KithdRouteCall *call);
void kithd_route_log_out         (KithdRouteCall *call);
/* The log-in's check of the body's email and password, counted by the
 * throttle as a log-in (docs/server.md, "Throttling"): @then runs with
 * call->user when they are right; else @call is answered. */
void kithd_route_check_password  (KithdRouteCall    *call,
                                  KithdRouteHandler  then);

/* kithd-routes-contacts.c */
void kithd_route_contact_list    (KithdRouteCall *call);
void kithd_route_contact_add     (KithdRouteCall *call);
void kithd_route_contact_remove  (KithdRouteCall *call);
void kithd_route_contact_accept  (KithdRouteCall *call);

/* kithd-routes-conversations.c */
void kithd_route_history         (KithdRouteCall *call);

/* kithd-routes-socket.c */
void kithd_route_socket          (KithdRouteCall *call);

/* kithd-routes-calls.c */
void kithd_route_ice_servers     (KithdRouteCall *call);

/* kithd-routes-oidc.c: HTML pages and redirects for a browser, not JSON */
void kithd_route_oidc_start      (KithdRouteCall *call);
void kithd_route_oidc_callback   (KithdRouteCall *call);
/* kithd.conf's STUN and TURN servers (KithIceServer); with @user_id > 0,
 * TURN credentials for that user. */
GPtrArray *kithd_routes_ice_servers (const KithdConfig *config,
                                     gint64             user_id);

G_END_DECLS
