/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "kith-limits.h"
#include "kith-wire-enums.h"

G_BEGIN_DECLS

/*
 * The REST request bodies (docs/protocol.md, "REST calls"): one KithBody
 * for all, and one table a type in kith-body.c that the parser (kithd)
 * and the writer (the client) both read.
 */

typedef enum {
  KITH_BODY_SIGN_UP,                /* POST /accounts: email, password, first_name, last_name */
  KITH_BODY_LOG_IN,                 /* POST /sessions: (email, password) | (oidc_code, oidc_verifier, oidc_redirect_uri),
                                       device_name, device_kind */
  KITH_BODY_PROFILE_UPDATE,         /* PATCH /me: first_name?, last_name?, offline_email_notification?;
                                       an "email" member gives EMAIL_READ_ONLY */
  KITH_BODY_PASSWORD_CHANGE,        /* PUT /me/password: current_password, new_password */
  KITH_BODY_RESET_REQUEST,          /* POST /password-reset: email */
  KITH_BODY_RESET_CONFIRM,          /* POST /password-reset/confirm: token, password */
  KITH_BODY_DELETE_ACCOUNT,         /* DELETE /me: confirm_email */
  KITH_BODY_CONTACT_ADD,            /* POST /contacts: email */
} KithBodyType;

typedef enum {
  KITH_FIELD_FIRST_NAME                 = 1 << 0,
  KITH_FIELD_LAST_NAME                  = 1 << 1,
  KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION = 1 << 2,
  KITH_FIELD_EMAIL                      = 1 << 3,
  KITH_FIELD_PASSWORD                   = 1 << 4,
  KITH_FIELD_OIDC                       = 1 << 5,
} KithBodyField;

typedef struct {
  KithBodyType    type;
  KithBodyField   present;          /* which optional members were given */

  char           *email;
  char           *password;
  char           *first_name;
  char           *last_name;
  char           *device_name;      /* log in (default "Kith") */
  KithDeviceKind  device_kind;      /* log in (default desktop) */
  char           *oidc_code;
  char           *oidc_verifier;
  char           *oidc_redirect_uri;
  char           *current_password;
  char           *new_password;
  char           *token;            /* reset confirm */
  char           *confirm_email;
  gboolean        offline_email_notification;
} KithBody;

KithBody     *kith_body_new                (KithBodyType    type);
void          kith_body_free               (KithBody       *body);
/* Strict parse; emails are checked with kith_email_check() (INVALID_EMAIL)
 * but passwords are not checked against the policy here. */
KithBody     *kith_body_parse              (KithBodyType    type,
                                            const char     *data,
                                            gsize           length,
                                            GError        **error);
char         *kith_body_to_json            (const KithBody *body,
                                            gsize          *length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithBody, kith_body_free)

G_END_DECLS
