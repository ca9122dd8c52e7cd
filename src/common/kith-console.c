/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithConsole"

#include "config.h"

#include <stdio.h>

#include "kith-console.h"

static void
write_text (FILE       *stream,
            const char *string)
{
  g_autofree char *text = kith_console_text (string);

  fputs (text, stream);
  fflush (stream);
}

static void
on_print (const char *string)
{
  write_text (stdout, string);
}

static void
on_printerr (const char *string)
{
  write_text (stderr, string);
}

char *
kith_console_text (const char *string)
{
  const char *charset;
  g_autofree char *to = NULL;
  char *text;

  g_return_val_if_fail (string != NULL, NULL);

  if (g_get_console_charset (&charset) || !g_utf8_validate (string, -1, NULL))
    return g_strdup (string);

  to = g_strconcat (charset, "//TRANSLIT", NULL);
  text = g_convert_with_fallback (string, -1, to, "UTF-8", "?", NULL, NULL, NULL);
  if (text == NULL)
    text = g_convert_with_fallback (string, -1, charset, "UTF-8", "?", NULL, NULL, NULL);

  return text != NULL ? text : g_strdup (string);
}

void
kith_console_init (void)
{
  g_set_print_handler (on_print);
  g_set_printerr_handler (on_printerr);
}
