/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithError"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-error.h"

G_DEFINE_QUARK (kith-error-quark, kith_error)

typedef struct {
  const char *name;
  guint       http_status;
} KithErrorInfo;

/* Indexed by KithErrorCode. Client-only codes have no HTTP status of their
 * own and answer 500 should they ever reach a REST reply. */
static const KithErrorInfo error_table[] = {
  [KITH_ERROR_INTERNAL]              = { "internal",              500 },
  [KITH_ERROR_INVALID_JSON]          = { "invalid_json",          400 },
  [KITH_ERROR_INVALID_FIELD]         = { "invalid_field",         400 },
  [KITH_ERROR_TOO_LONG]              = { "too_long",              400 },
  [KITH_ERROR_PAYLOAD_TOO_LARGE]     = { "payload_too_large",     413 },
  [KITH_ERROR_UNKNOWN_TYPE]          = { "unknown_type",          400 },
  [KITH_ERROR_INVALID_EMAIL]         = { "invalid_email",         400 },
  [KITH_ERROR_PASSWORD_TOO_WEAK]     = { "password_too_weak",     400 },
  [KITH_ERROR_EMAIL_TAKEN]           = { "email_taken",           409 },
  [KITH_ERROR_EMAIL_READ_ONLY]       = { "email_read_only",       400 },
  [KITH_ERROR_INVALID_CREDENTIALS]   = { "invalid_credentials",   401 },
  [KITH_ERROR_UNAUTHORIZED]          = { "unauthorized",          401 },
  [KITH_ERROR_FORBIDDEN]             = { "forbidden",             403 },
  [KITH_ERROR_NOT_FOUND]             = { "not_found",             404 },
  [KITH_ERROR_METHOD_NOT_ALLOWED]    = { "method_not_allowed",    405 },
  [KITH_ERROR_RATE_LIMITED]          = { "rate_limited",          429 },
  [KITH_ERROR_CONFIRMATION_MISMATCH] = { "confirmation_mismatch", 400 },
  [KITH_ERROR_CONTACT_SUPPORT]       = { "contact_support",       403 },
  [KITH_ERROR_INVALID_RESET_TOKEN]   = { "invalid_reset_token",   400 },
  [KITH_ERROR_NOT_CONTACT]           = { "not_contact",           403 },
  [KITH_ERROR_ALREADY_CONTACT]       = { "already_contact",       409 },
  [KITH_ERROR_NOT_SIGNED_IN]         = { "not_signed_in",         400 },
  [KITH_ERROR_UNSUPPORTED_FLOW]      = { "unsupported_flow",      400 },
  [KITH_ERROR_NETWORK]               = { "network",               500 },
  [KITH_ERROR_CANCELLED]             = { "cancelled",             500 },
  [KITH_ERROR_KEYRING]               = { "keyring",               500 },
  [KITH_ERROR_STORAGE]               = { "storage",               500 },
  [KITH_ERROR_PROTOCOL]              = { "protocol",              500 },
  [KITH_ERROR_CERTIFICATE]           = { "certificate",           500 },
  [KITH_ERROR_UNENCRYPTED]           = { "unencrypted",           500 },
  [KITH_ERROR_MEDIA]                 = { "media",                 500 },
  [KITH_ERROR_INVALID_OIDC_CODE]     = { "invalid_oidc_code",     400 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_table) == KITH_ERROR_LAST + 1);

const char *
kith_error_code_to_string (KithErrorCode code)
{
  if ((guint) code > KITH_ERROR_LAST)
    return error_table[KITH_ERROR_INTERNAL].name;

  return error_table[code].name;
}

gboolean
kith_error_code_from_string (const char    *str,
                             KithErrorCode *code)
{
  g_return_val_if_fail (code != NULL, FALSE);

  if (str != NULL) {
    for (guint i = 0; i < G_N_ELEMENTS (error_table); i++) {
      if (g_str_equal (str, error_table[i].name)) {
        *code = (KithErrorCode) i;
        return TRUE;
      }
    }
  }

  *code = KITH_ERROR_INTERNAL;
  return FALSE;
}

guint
kith_error_code_http_status (KithErrorCode code)
{
  if ((guint) code > KITH_ERROR_LAST)
    return 500;

  return error_table[code].http_status;
}

const char *
kith_error_code_describe (KithErrorCode code)
{
  switch (code) {
  case KITH_ERROR_INVALID_JSON:
  case KITH_ERROR_UNKNOWN_TYPE:
  case KITH_ERROR_METHOD_NOT_ALLOWED:
    return _("The server does not understand this version of Kith. Please update Kith.");
  case KITH_ERROR_INVALID_FIELD:
    return _("Some of the information is missing or not valid.");
  case KITH_ERROR_TOO_LONG:
    return _("A text you entered is too long.");
  case KITH_ERROR_PAYLOAD_TOO_LARGE:
    return _("This is too large to send.");
  case KITH_ERROR_INVALID_EMAIL:
    return _("This is not a valid email address.");
  case KITH_ERROR_PASSWORD_TOO_WEAK:
    return _("The password is too weak.");
  case KITH_ERROR_EMAIL_TAKEN:
    return _("An account with this email address already exists.");
  case KITH_ERROR_EMAIL_READ_ONLY:
    return _("The email address of an account cannot be changed.");
  case KITH_ERROR_INVALID_CREDENTIALS:
    return _("Wrong email or password.");
  case KITH_ERROR_UNAUTHORIZED:
    return _("Your session has ended. Please sign in again.");
  case KITH_ERROR_FORBIDDEN:
    return _("You are not allowed to do this.");
  case KITH_ERROR_NOT_FOUND:
    return _("This does not exist, or no longer exists.");
  case KITH_ERROR_RATE_LIMITED:
    return _("Too many attempts, try again later.");
  case KITH_ERROR_CONFIRMATION_MISMATCH:
    return _("The email address you typed does not match your account.");
  case KITH_ERROR_CONTACT_SUPPORT:
    return _("Accounts on a paid plan are closed by our support team. Please contact support.");
  case KITH_ERROR_INVALID_RESET_TOKEN:
    return _("This password reset link is no longer valid. Please ask for a new one.");
  case KITH_ERROR_NOT_CONTACT:
    return _("This person is not one of your contacts.");
  case KITH_ERROR_ALREADY_CONTACT:
    return _("This person is already one of your contacts.");
  case KITH_ERROR_NOT_SIGNED_IN:
    return _("You are not signed in.");
  case KITH_ERROR_UNSUPPORTED_FLOW:
    return _("This server does not offer this way of signing in.");
  case KITH_ERROR_NETWORK:
    return _("The server cannot be reached.");
  case KITH_ERROR_CANCELLED:
    return _("Cancelled.");
  case KITH_ERROR_KEYRING:
    return _("The keyring is missing or locked, so Kith cannot keep you signed in: "
             "you will need to sign in each time.");
  case KITH_ERROR_STORAGE:
    return _("Kith cannot use its local message store.");
  case KITH_ERROR_PROTOCOL:
    return _("The server sent an answer Kith does not understand.");
  case KITH_ERROR_CERTIFICATE:
    return _("The server’s certificate is not valid, so Kith cannot know it is talking to the real server.");
  case KITH_ERROR_UNENCRYPTED:
    return _("The connection to this server is not encrypted: your password would cross the network unencrypted, readable by anyone on the way.");
  case KITH_ERROR_MEDIA:
    return _("The call’s sound or video could not be set up.");
  case KITH_ERROR_INVALID_OIDC_CODE:
    return _("This sign-in has expired. Please sign in again.");
  case KITH_ERROR_INTERNAL:
  default:
    return _("The server had a problem. Please try again later.");
  }
}
