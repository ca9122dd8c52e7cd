/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KITH_ERROR (kith_error_quark ())

/*
 * The error codes of protocol v1, shared by kithd and the client.
 * On the wire each is the snake_case string of kith_error_code_to_string();
 * REST answers carry it with the HTTP status of kith_error_code_http_status().
 */
typedef enum {
  KITH_ERROR_INTERNAL,              /* internal              500 */
  KITH_ERROR_INVALID_JSON,          /* invalid_json          400 */
  KITH_ERROR_INVALID_FIELD,         /* invalid_field         400 missing field or wrong type */
  KITH_ERROR_TOO_LONG,              /* too_long              400 a string over its limit */
  KITH_ERROR_PAYLOAD_TOO_LARGE,     /* payload_too_large     413 body or frame over its limit */
  KITH_ERROR_UNKNOWN_TYPE,          /* unknown_type          400 unknown frame type */
  KITH_ERROR_INVALID_EMAIL,         /* invalid_email         400 */
  KITH_ERROR_PASSWORD_TOO_WEAK,     /* password_too_weak     400 */
  KITH_ERROR_EMAIL_TAKEN,           /* email_taken           409 */
  KITH_ERROR_EMAIL_READ_ONLY,       /* email_read_only       400 */
  KITH_ERROR_INVALID_CREDENTIALS,   /* invalid_credentials   401 wrong email or password */
  KITH_ERROR_UNAUTHORIZED,          /* unauthorized          401 missing, bad or revoked token */
  KITH_ERROR_FORBIDDEN,             /* forbidden             403 */
  KITH_ERROR_NOT_FOUND,             /* not_found             404 */
  KITH_ERROR_METHOD_NOT_ALLOWED,    /* method_not_allowed    405 */
  KITH_ERROR_RATE_LIMITED,          /* rate_limited          429 (Retry-After) */
  KITH_ERROR_CONFIRMATION_MISMATCH, /* confirmation_mismatch 400 confirm_email differs */
  KITH_ERROR_CONTACT_SUPPORT,       /* contact_support       403 paid plan: cannot self-delete */
  KITH_ERROR_INVALID_RESET_TOKEN,   /* invalid_reset_token   400 unknown, used or expired link */
  KITH_ERROR_NOT_CONTACT,           /* not_contact           403 peer is not an accepted contact */
  KITH_ERROR_ALREADY_CONTACT,       /* already_contact       409 */
  KITH_ERROR_NOT_SIGNED_IN,         /* not_signed_in         socket frame before hello */
  KITH_ERROR_UNSUPPORTED_FLOW,      /* unsupported_flow      400 e.g. oidc:google not configured */
  KITH_ERROR_NETWORK,               /* network               (client only) server unreachable */
  KITH_ERROR_CANCELLED,             /* cancelled             (client only) */
  KITH_ERROR_KEYRING,               /* keyring               (client only) keyring missing/locked */
  KITH_ERROR_STORAGE,               /* storage               (client only) local database */
  KITH_ERROR_PROTOCOL,              /* protocol              server broke the protocol */
  KITH_ERROR_CERTIFICATE,           /* certificate           (client only) TLS certificate not valid */
  KITH_ERROR_UNENCRYPTED,           /* unencrypted           (client only) would send a secret over plain HTTP */
  KITH_ERROR_MEDIA,                 /* media                 (client only) a call's microphone, camera or media failed */
  KITH_ERROR_INVALID_OIDC_CODE,     /* invalid_oidc_code     400 unknown, used or expired sign-in code, or wrong verifier */
} KithErrorCode;

#define KITH_ERROR_LAST KITH_ERROR_INVALID_OIDC_CODE

GQuark        kith_error_quark             (void);
const char   *kith_error_code_to_string    (KithErrorCode  code);
/* Unknown strings map to KITH_ERROR_INTERNAL and return FALSE. */
gboolean      kith_error_code_from_string  (const char    *str,
                                            KithErrorCode *code);
guint         kith_error_code_http_status  (KithErrorCode  code);
/* A translated sentence a person can act on, for showing @code to them.
 * Clients show this, never the server's English `message`. */
const char   *kith_error_code_describe     (KithErrorCode  code);

G_END_DECLS
