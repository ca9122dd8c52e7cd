/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWeb"

#include "config.h"

#include <string.h>

#include "kith-error.h"
#include "kithd-web-input.h"

/* The strict parsers of what a browser sends (kithd-web-input.h). */

static gboolean
refuse (GError     **error,
        const char  *reason)
{
  g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD, "The form is malformed: %s", reason);
  return FALSE;
}

/* One name or value: '+' a space, then %-escapes; UTF-8 without NUL. */
static char *
form_decode (const char  *text,
             gsize        len,
             GError     **error)
{
  g_autofree char *plus = g_strndup (text, len);
  g_autoptr (GBytes) bytes = NULL;
  gconstpointer data;
  gsize size;

  for (char *p = plus; *p; p++) {
    if (*p == '+')
      *p = ' ';
  }
  bytes = g_uri_unescape_bytes (plus, -1, NULL, NULL);
  if (!bytes) {
    refuse (error, "a bad %-escape");
    return NULL;
  }
  data = g_bytes_get_data (bytes, &size);
  if (size > 0 && !g_utf8_validate_len (data, size, NULL)) {
    refuse (error, "a field that is not UTF-8 or holds a NUL");
    return NULL;
  }
  return g_strndup (data, size);
}

GHashTable *
kithd_web_parse_form (const char          *data,
                      gsize                len,
                      const char * const  *allowed,
                      GError             **error)
{
  g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *end = data + len;
  const char *p = data;

  if (len == 0)
    return g_steal_pointer (&fields);
  if (memchr (data, '\0', len)) {
    refuse (error, "a NUL byte");
    return NULL;
  }

  while (p <= end) {
    const char *amp = memchr (p, '&', end - p);
    const char *pair_end = amp ? amp : end;
    const char *eq = memchr (p, '=', pair_end - p);
    g_autofree char *name = NULL;
    g_autofree char *value = NULL;

    if (pair_end == p) {
      refuse (error, "an empty field");
      return NULL;
    }
    if (!eq) {
      refuse (error, "a field without “=”");
      return NULL;
    }
    name = form_decode (p, eq - p, error);
    if (!name)
      return NULL;
    value = form_decode (eq + 1, pair_end - eq - 1, error);
    if (!value)
      return NULL;
    if (!g_strv_contains (allowed, name)) {
      refuse (error, "a field this form does not have");
      return NULL;
    }
    if (g_hash_table_contains (fields, name)) {
      refuse (error, "a field given twice");
      return NULL;
    }
    if (g_hash_table_size (fields) >= KITHD_WEB_MAX_FIELDS) {
      refuse (error, "too many fields");
      return NULL;
    }
    g_hash_table_insert (fields, g_steal_pointer (&name), g_steal_pointer (&value));
    if (!amp)
      break;
    p = amp + 1;
  }
  return g_steal_pointer (&fields);
}

static gboolean
is_token_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

char *
kithd_web_parse_cookie (const char *header,
                        const char *name)
{
  g_auto (GStrv) pairs = NULL;

  if (!header)
    return NULL;
  pairs = g_strsplit (header, ";", 64);
  for (guint i = 0; pairs[i]; i++) {
    char *pair = g_strstrip (pairs[i]);
    char *eq = strchr (pair, '=');
    const char *value;
    gsize len;
    gboolean ok = TRUE;

    if (!eq)
      continue;
    *eq = '\0';
    if (strcmp (g_strstrip (pair), name) != 0)
      continue;
    value = eq + 1;
    len = strlen (value);
    if (len == 0 || len > 128)
      continue;
    for (gsize j = 0; j < len && ok; j++)
      ok = is_token_char (value[j]);
    if (ok)
      return g_strdup (value);
  }
  return NULL;
}

typedef struct {
  char  *range;
  guint  q;       /* thousandths */
  guint  order;
} Wanted;

static int
compare_wanted (gconstpointer a,
                gconstpointer b)
{
  const Wanted *x = a;
  const Wanted *y = b;

  if (x->q != y->q)
    return x->q > y->q ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* RFC 4647's language-range: "*" or 1*8ALPHA *("-" 1*8alphanum). */
static gboolean
is_language_range (const char *range)
{
  guint run = 0;
  gboolean first = TRUE;

  if (strcmp (range, "*") == 0)
    return TRUE;
  if (!*range)
    return FALSE;
  for (const char *p = range; ; p++) {
    if (*p == '-' || *p == '\0') {
      if (run == 0)
        return FALSE;
      if (*p == '\0')
        return TRUE;
      run = 0;
      first = FALSE;
    } else if ((first ? g_ascii_isalpha (*p) : g_ascii_isalnum (*p)) && run < 8) {
      run++;
    } else {
      return FALSE;
    }
  }
}

/* RFC 9110's qvalue: "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ]; in
 * thousandths, or G_MAXUINT when malformed. */
static guint
parse_qvalue (const char *text)
{
  guint q;
  guint scale = 100;

  if ((text[0] != '0' && text[0] != '1') || (text[1] != '\0' && text[1] != '.'))
    return G_MAXUINT;
  q = text[0] == '1' ? 1000 : 0;
  if (text[1] == '\0')
    return q;
  for (const char *p = text + 2; *p; p++) {
    if (!g_ascii_isdigit (*p) || scale == 0)
      return G_MAXUINT;
    q += (*p - '0') * scale;
    scale /= 10;
  }
  return q <= 1000 ? q : G_MAXUINT;
}

GStrv
kithd_web_parse_accept_language (const char *header)
{
  g_autoptr (GArray) wanted = g_array_new (FALSE, FALSE, sizeof (Wanted));
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) items = NULL;

  if (!header)
    return g_strv_builder_end (builder);
  items = g_strsplit (header, ",", 64);
  for (guint i = 0; items[i] && wanted->len < KITHD_WEB_MAX_LANGUAGES; i++) {
    g_auto (GStrv) parts = g_strsplit (items[i], ";", 3);
    char *range = parts[0] ? g_strstrip (parts[0]) : NULL;
    Wanted item = { NULL, 1000, i };

    /* An empty item (",de") splits into no parts at all. */
    if (!range || !is_language_range (range))
      continue;
    if (parts[1]) {
      char *param = g_strstrip (parts[1]);

      if (parts[2] || (strncmp (param, "q=", 2) != 0 && strncmp (param, "Q=", 2) != 0))
        continue;
      item.q = parse_qvalue (param + 2);
      if (item.q == G_MAXUINT || item.q == 0)
        continue;
    }
    item.range = g_ascii_strdown (range, -1);
    g_array_append_val (wanted, item);
  }
  g_array_sort (wanted, compare_wanted);
  for (guint i = 0; i < wanted->len; i++) {
    Wanted *item = &g_array_index (wanted, Wanted, i);

    g_strv_builder_add (builder, item->range);
    g_free (item->range);
  }
  return g_strv_builder_end (builder);
}
