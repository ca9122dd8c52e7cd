/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithPasswordPolicy"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-error.h"
#include "kith-password-policy.h"

/* The rules in the order they are named to the user. */
static const KithPasswordRules rule_order[] = {
  KITH_PASSWORD_RULE_LENGTH,
  KITH_PASSWORD_RULE_UPPER,
  KITH_PASSWORD_RULE_LOWER,
  KITH_PASSWORD_RULE_DIGIT,
  KITH_PASSWORD_RULE_SYMBOL,
};

/* What is missing, as the object of "The password needs …". */
static const char *
rule_missing_phrase (KithPasswordRules rule)
{
  switch (rule) {
  case KITH_PASSWORD_RULE_LENGTH:
    return _("at least 8 characters");
  case KITH_PASSWORD_RULE_UPPER:
    return _("an upper-case letter (A–Z)");
  case KITH_PASSWORD_RULE_LOWER:
    return _("a lower-case letter (a–z)");
  case KITH_PASSWORD_RULE_DIGIT:
    return _("a digit (0–9)");
  case KITH_PASSWORD_RULE_SYMBOL:
    return _("a symbol such as !, @, #, $ or &");
  case KITH_PASSWORD_RULE_NONE:
  default:
    return "";
  }
}

KithPasswordRules
kith_password_policy_check (const char *password)
{
  KithPasswordRules missing = KITH_PASSWORD_RULE_ALL;
  gsize n_chars = 0;
  gboolean valid;

  if (password == NULL)
    return KITH_PASSWORD_RULE_ALL;

  valid = g_utf8_validate (password, -1, NULL);

  for (const char *p = password; *p != '\0'; p++) {
    guchar c = (guchar) *p;

    /* Count characters: every byte that does not continue a sequence
     * (with invalid UTF-8, each byte counts on its own). */
    if (!valid || (c & 0xC0) != 0x80)
      n_chars++;

    if (c >= 'A' && c <= 'Z')
      missing &= ~KITH_PASSWORD_RULE_UPPER;
    else if (c >= 'a' && c <= 'z')
      missing &= ~KITH_PASSWORD_RULE_LOWER;
    else if (c >= '0' && c <= '9')
      missing &= ~KITH_PASSWORD_RULE_DIGIT;
    else
      missing &= ~KITH_PASSWORD_RULE_SYMBOL;
  }

  if (n_chars >= KITH_PASSWORD_MIN_LENGTH)
    missing &= ~KITH_PASSWORD_RULE_LENGTH;

  return missing;
}

gboolean
kith_password_policy_validate (const char  *password,
                               GError     **error)
{
  g_autoptr (GPtrArray) phrases = NULL;
  g_autoptr (GString) list = NULL;
  KithPasswordRules missing;

  if (password == NULL || !g_utf8_validate (password, -1, NULL)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                         _("The password is not valid text."));
    return FALSE;
  }

  if (strlen (password) > KITH_PASSWORD_MAX_BYTES) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_TOO_LONG,
                 _("The password is too long: at most %d bytes are allowed."),
                 KITH_PASSWORD_MAX_BYTES);
    return FALSE;
  }

  missing = kith_password_policy_check (password);
  if (missing == KITH_PASSWORD_RULE_NONE)
    return TRUE;

  phrases = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (rule_order); i++) {
    if (missing & rule_order[i])
      g_ptr_array_add (phrases, (gpointer) rule_missing_phrase (rule_order[i]));
  }

  list = g_string_new (NULL);
  for (guint i = 0; i < phrases->len; i++) {
    if (i > 0 && i == phrases->len - 1)
      g_string_append (list, _(" and "));
    else if (i > 0)
      g_string_append (list, _(", "));
    g_string_append (list, g_ptr_array_index (phrases, i));
  }

  /* Translators: %s is a list such as "at least 8 characters and a digit (0–9)" */
  g_set_error (error, KITH_ERROR, KITH_ERROR_PASSWORD_TOO_WEAK,
               _("The password needs %s."), list->str);

  return FALSE;
}

const char *
kith_password_rule_describe (KithPasswordRules rule)
{
  switch (rule) {
  case KITH_PASSWORD_RULE_LENGTH:
    return _("At least 8 characters");
  case KITH_PASSWORD_RULE_UPPER:
    return _("An upper-case letter (A–Z)");
  case KITH_PASSWORD_RULE_LOWER:
    return _("A lower-case letter (a–z)");
  case KITH_PASSWORD_RULE_DIGIT:
    return _("A digit (0–9)");
  case KITH_PASSWORD_RULE_SYMBOL:
    return _("A symbol such as !, @, #, $ or &");
  case KITH_PASSWORD_RULE_NONE:
  default:
    return NULL;
  }
}
