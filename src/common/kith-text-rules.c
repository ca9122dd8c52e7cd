/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTextRules"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-error.h"
#include "kith-limits.h"
#include "kith-text-rules.h"

gboolean
kith_email_is_valid (const char *email)
{
  const char *at;
  const char *domain;
  const char *dot;
  gsize len;

  if (email == NULL)
    return FALSE;

  len = strlen (email);
  if (len == 0 || len > KITH_MAX_EMAIL_BYTES || !g_utf8_validate (email, len, NULL) ||
      strchr (email, ' ') != NULL || kith_text_has_control (email))
    return FALSE;

  at = strchr (email, '@');
  if (at == NULL || at == email || strchr (at + 1, '@') != NULL)
    return FALSE;

  domain = at + 1;
  dot = strchr (domain, '.');
  if (dot == NULL || dot == domain || domain[strlen (domain) - 1] == '.' ||
      strstr (domain, "..") != NULL)
    return FALSE;

  return TRUE;
}

gboolean
kith_email_check (const char  *email,
                  GError     **error)
{
  if (email != NULL && g_utf8_validate (email, -1, NULL) && kith_text_has_control (email)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_EMAIL,
                         _("An email address must not contain line breaks, tabs or other control characters."));
    return FALSE;
  }

  if (!kith_email_is_valid (email)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_EMAIL,
                         _("This does not look like an email address."));
    return FALSE;
  }

  return TRUE;
}

gboolean
kith_text_has_control (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++) {
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
    /* C1: U+0080–U+009F is C2 80 – C2 9F */
    if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
      return TRUE;
    /* U+2028, U+2029: E2 80 A8, E2 80 A9 */
    if (*p == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
      return TRUE;
  }

  return FALSE;
}

gboolean
kith_name_check (const char  *field,
                 const char  *name,
                 GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (kith_text_has_control (name)) {
    /* Translators: %s is a field name, e.g. first_name */
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 _("The field “%s” must not contain line breaks, tabs or other control characters."),
                 field);
    return FALSE;
  }

  return TRUE;
}
