/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzzWebInput"

#include "config.h"

#include <string.h>

#include "kith-error.h"
#include "kith-fuzz.h"
#include "kith-text-rules.h"
#include "kithd-html.h"
#include "kithd-web-input.h"

/*
 * What kithd's web pages read from a browser (kithd-web-input.h), and
 * their escaping helper: the input is a form body, and also (up to its
 * first NUL) a Cookie header, an Accept-Language header and a text to
 * escape.
 *
 * Checked:
 * - a refused form gives INVALID_FIELD with a message in UTF-8; an
 *   accepted one only the allowed names, at most KITHD_WEB_MAX_FIELDS,
 *   names and values UTF-8 without NUL, and encoded again it parses to the
 *   same fields;
 * - a cookie's value is 1-128 characters of base64url;
 * - the language ranges are at most KITHD_WEB_MAX_LANGUAGES, lower case,
 *   "*" or letters, digits and inner dashes;
 * - escaped text is UTF-8 without < > " ' or a control character, and
 *   each & starts one of the five references the helper writes.
 */

static const char * const allowed[] = { "csrf", "email", "password", "first_name", "last_name",
                                        "offline_email_notification", NULL };

static void
check_form (const char *data,
            gsize       size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) form = kithd_web_parse_form (data, size, allowed, &error);
  g_autoptr (GString) again = g_string_new (NULL);
  g_autoptr (GHashTable) reparsed = NULL;
  GHashTableIter iter;
  gpointer name, value;

  if (!form) {
    kith_fuzz_check (g_error_matches (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD),
                     "a form refused without INVALID_FIELD");
    kith_fuzz_check (g_utf8_validate (error->message, -1, NULL), "an error message in bad UTF-8");
    return;
  }
  kith_fuzz_check (g_hash_table_size (form) <= KITHD_WEB_MAX_FIELDS, "too many fields accepted");
  g_hash_table_iter_init (&iter, form);
  while (g_hash_table_iter_next (&iter, &name, &value)) {
    g_autofree char *n = g_uri_escape_string (name, NULL, FALSE);
    g_autofree char *v = g_uri_escape_string (value, NULL, FALSE);

    kith_fuzz_check (g_strv_contains (allowed, name), "a field not allowed: %s", (char *) name);
    kith_fuzz_check (g_utf8_validate (value, -1, NULL), "a value in bad UTF-8");
    g_string_append_printf (again, "%s%s=%s", again->len ? "&" : "", n, v);
  }
  reparsed = kithd_web_parse_form (again->str, again->len, allowed, &error);
  kith_fuzz_check (reparsed != NULL, "a form encoded again is refused: %s", again->str);
  kith_fuzz_check (g_hash_table_size (reparsed) == g_hash_table_size (form), "a form changed");
  g_hash_table_iter_init (&iter, form);
  while (g_hash_table_iter_next (&iter, &name, &value))
    kith_fuzz_check (g_strcmp0 (g_hash_table_lookup (reparsed, name), value) == 0, "a field changed");
}

static void
check_cookie (const char *header)
{
  g_autofree char *value = kithd_web_parse_cookie (header, "kith_session");
  gsize len = value ? strlen (value) : 0;

  if (!value)
    return;
  kith_fuzz_check (len >= 1 && len <= 128, "a cookie of %zu characters", len);
  for (gsize i = 0; i < len; i++)
    kith_fuzz_check (g_ascii_isalnum (value[i]) || value[i] == '-' || value[i] == '_',
                     "a cookie with the byte 0x%02x", (guchar) value[i]);
}

static void
check_languages (const char *header)
{
  g_auto (GStrv) ranges = kithd_web_parse_accept_language (header);

  kith_fuzz_check (g_strv_length (ranges) <= KITHD_WEB_MAX_LANGUAGES, "too many languages");
  for (guint i = 0; ranges[i]; i++) {
    const char *range = ranges[i];
    gsize len = strlen (range);

    if (strcmp (range, "*") == 0)
      continue;
    kith_fuzz_check (len > 0 && range[0] != '-' && range[len - 1] != '-' && !strstr (range, "--"),
                     "a malformed range: %s", range);
    for (gsize j = 0; j < len; j++)
      kith_fuzz_check (g_ascii_islower (range[j]) || g_ascii_isdigit (range[j]) || range[j] == '-',
                       "a range with the byte 0x%02x", (guchar) range[j]);
  }
}

static void
check_escape (const char *text)
{
  static const char * const references[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
  g_autofree char *escaped = kithd_html_escape (text);

  kith_fuzz_check (g_utf8_validate (escaped, -1, NULL), "escaped text in bad UTF-8");
  kith_fuzz_check (!strpbrk (escaped, "<>\"'"), "a markup character escaped nothing");
  kith_fuzz_check (!kith_text_has_control (escaped), "a control character kept");
  for (const char *p = strchr (escaped, '&'); p; p = strchr (p + 1, '&')) {
    gboolean known = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (references); i++)
      known = known || g_str_has_prefix (p, references[i]);
    kith_fuzz_check (known, "a bare &: %s", escaped);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);

  check_form ((const char *) data, size);
  check_cookie (text);
  check_languages (text);
  check_escape (text);
  return 0;
}
