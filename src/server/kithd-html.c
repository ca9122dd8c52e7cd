/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHtml"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "kithd-html.h"

/* The HTML of the web pages and its one escaping helper (kithd-html.h). */

struct _KithdHtml
{
  GString *out;
};

/* kith_text_has_control ()'s characters. */
static gboolean
is_control (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return;
  valid = g_utf8_make_valid (text, -1);
  for (const char *p = valid; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    switch (c) {
    case '&':
      g_string_append (out, "&amp;");
      break;
    case '<':
      g_string_append (out, "&lt;");
      break;
    case '>':
      g_string_append (out, "&gt;");
      break;
    case '"':
      g_string_append (out, "&quot;");
      break;
    case '\'':
      g_string_append (out, "&#39;");
      break;
    default:
      if (is_control (c))
        g_string_append_unichar (out, 0xfffd);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      break;
    }
  }
}

char *
kithd_html_escape (const char *text)
{
  GString *out = g_string_new (NULL);

  append_escaped (out, text);
  return g_string_free (out, FALSE);
}

KithdHtml *
kithd_html_new (void)
{
  KithdHtml *self = g_new0 (KithdHtml, 1);

  self->out = g_string_sized_new (4096);
  return self;
}

void
kithd_html_free (KithdHtml *self)
{
  if (self == NULL)
    return;
  g_string_free (self->out, TRUE);
  g_free (self);
}

void
kithd_html_add (KithdHtml  *self,
                const char *markup,
                ...)
{
  va_list args;
  const char *p = markup;

  va_start (args, markup);
  while (*p) {
    const char *percent = strchr (p, '%');

    if (!percent) {
      g_string_append (self->out, p);
      break;
    }
    g_string_append_len (self->out, p, percent - p);
    switch (percent[1]) {
    case 's':
      append_escaped (self->out, va_arg (args, const char *));
      break;
    case 'd':
      g_string_append_printf (self->out, "%d", va_arg (args, int));
      break;
    case 'u':
      g_string_append_printf (self->out, "%u", va_arg (args, guint));
      break;
    case '%':
      g_string_append_c (self->out, '%');
      break;
    default:
      g_critical ("kithd_html_add: unsupported conversion in “%s”", markup);
      va_end (args);
      return;
    }
    p = percent + 2;
  }
  va_end (args);
}

void
kithd_html_text (KithdHtml  *self,
                 const char *text)
{
  append_escaped (self->out, text);
}

void
kithd_html_append (KithdHtml *self,
                   KithdHtml *other)
{
  g_string_append_len (self->out, other->out->str, other->out->len);
}

char *
kithd_html_steal (KithdHtml *self,
                  gsize     *len)
{
  GString *out = self->out;

  g_free (self);
  *len = out->len;
  return g_string_free (out, FALSE);
}
