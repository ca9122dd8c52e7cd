/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "kith-error.h"
#include "kith-objects.h"

G_BEGIN_DECLS

/*
 * The REST responses (docs/protocol.md, "REST calls" and "Errors"): each
 * has a writer (kithd) and a strict parser (the client).
 */

/* {"error": {"code": "...", "message": "..."}} */
char         *kith_response_error          (KithErrorCode   code,
                                            const char     *message,
                                            gsize          *length);
/* Fills @code and @message from an error body; FALSE if it is not one. */
gboolean      kith_response_parse_error    (const char     *data,
                                            gsize           length,
                                            KithErrorCode  *code,
                                            char          **message);

/* {"token": "...", "user": {...}} (POST /sessions, POST /accounts) */
char         *kith_response_session        (const char          *token,
                                            const KithUserInfo  *user,
                                            gsize               *length);
gboolean      kith_response_parse_session  (const char     *data,
                                            gsize           length,
                                            char          **token,
                                            KithUserInfo  **user,
                                            GError        **error);

/* A bare user object (GET/PATCH /me) */
char         *kith_response_user           (const KithUserInfo *user,
                                            gsize              *length);
KithUserInfo *kith_response_parse_user     (const char     *data,
                                            gsize           length,
                                            GError        **error);

/* {"contacts": [{"user": {...}, "state": "...", "presence": "..."}]} */
char         *kith_response_contacts       (GPtrArray      *contacts, /* KithContactInfo */
                                            gsize          *length);
GPtrArray    *kith_response_parse_contacts (const char     *data,
                                            gsize           length,
                                            GError        **error);

/* {"messages": [{"seq", "id", "from", "to", "body", "sent_at"}]} oldest first */
char         *kith_response_messages       (GPtrArray      *messages, /* KithMessageInfo */
                                            gsize          *length);
GPtrArray    *kith_response_parse_messages (const char     *data,
                                            gsize           length,
                                            GError        **error);

/* GET /server: {"name", "version", "protocol", "login_flows": [...],
 *               "password_policy": {"min_length": 8, "rules": ["length","upper","lower","digit","symbol"]},
 *               "ice_servers": [{"urls": [...]}]} (URIs only) */
char           *kith_response_server_info       (const KithServerInfo *info,
                                                 gsize                *length);
KithServerInfo *kith_response_parse_server_info (const char     *data,
                                                 gsize           length,
                                                 GError        **error);

/* GET /ice-servers: {"ice_servers": [{"urls": [...], "username"?, "credential"?}],
 * "ttl": seconds the credentials are good for}. At most
 * KITH_MAX_ICE_SERVERS entries of at most KITH_MAX_ICE_URLS URIs each. */
char         *kith_response_ice_servers       (GPtrArray      *servers, /* KithIceServer */
                                               gint64          ttl,
                                               gsize          *length);
GPtrArray    *kith_response_parse_ice_servers (const char     *data,
                                               gsize           length,
                                               gint64         *ttl,
                                               GError        **error);

G_END_DECLS
