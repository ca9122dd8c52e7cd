/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KITH_PASSWORD_MIN_LENGTH 8     /* characters */
#define KITH_PASSWORD_MAX_BYTES  256   /* over this: KITH_ERROR_TOO_LONG */

/* Each rule of the help article's password policy, as a flag. */
typedef enum {
  KITH_PASSWORD_RULE_NONE   = 0,
  KITH_PASSWORD_RULE_LENGTH = 1 << 0, /* at least 8 characters */
  KITH_PASSWORD_RULE_UPPER  = 1 << 1, /* an English upper-case letter A-Z */
  KITH_PASSWORD_RULE_LOWER  = 1 << 2, /* an English lower-case letter a-z */
  KITH_PASSWORD_RULE_DIGIT  = 1 << 3, /* a base-10 digit 0-9 */
  KITH_PASSWORD_RULE_SYMBOL = 1 << 4, /* a non-alphanumeric character (!, @, #, $, &, …) */
} KithPasswordRules;

#define KITH_PASSWORD_RULE_ALL (KITH_PASSWORD_RULE_LENGTH | KITH_PASSWORD_RULE_UPPER | \
                                KITH_PASSWORD_RULE_LOWER | KITH_PASSWORD_RULE_DIGIT | \
                                KITH_PASSWORD_RULE_SYMBOL)

/* Returns the rules @password fails (KITH_PASSWORD_RULE_NONE when it is
 * acceptable). @password must be valid UTF-8; length counts characters. */
KithPasswordRules  kith_password_policy_check     (const char        *password);
/* TRUE when acceptable; else sets KITH_ERROR_PASSWORD_TOO_WEAK (or TOO_LONG)
 * with a message naming what is missing. */
gboolean           kith_password_policy_validate  (const char        *password,
                                                   GError           **error);
/* A short English sentence for one rule, e.g. "At least one digit (0-9)". */
const char        *kith_password_rule_describe    (KithPasswordRules  rule);

G_END_DECLS
