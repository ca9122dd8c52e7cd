/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWeb"

#include "config.h"

#include <libintl.h>
#include <locale.h>
#include <string.h>

#include "kithd-web-input.h"
#include "kithd-web-private.h"

/*
 * The web pages' languages: the app's gettext catalogue (GETTEXT_PACKAGE,
 * po/), chosen per request from Accept-Language.
 *
 * kithd answers every request on its main thread, one after another, so a
 * page is written with that thread's locale set to the page's language
 * (uselocale(), kithd_web_call_page()) and set back right after: glibc's
 * gettext reads the calling thread's LC_MESSAGES, and the db worker, the
 * mailer and the hash pool never see it. Each language has one locale_t,
 * made once: "C" for English, and xx_XX.UTF-8 for a catalogue xx
 * (xx_YY.UTF-8 for xx_YY), which must be installed (Debian: locales-all,
 * or that locale generated); a language without its locale is logged once
 * and not offered. LANGUAGE, which would override the choice, is unset at
 * start (main.c). The catalogues are looked for in $KITH_LOCALE_DIR when
 * set (the build tree's po/, as the tests run it), else in LOCALEDIR
 * where meson installs them.
 */

static GPtrArray *languages;   /* KithdWebLanguage, English first */

static KithdWebLanguage *
language_new (const char *tag,
              locale_t    locale)
{
  KithdWebLanguage *language = g_new0 (KithdWebLanguage, 1);

  language->tag = g_strdup (tag);
  language->html_tag = g_strdelimit (g_strdup (tag), "_", '-');
  language->locale = locale;
  return language;
}

/* The locale of catalogue @tag ("de", "pt_BR"), or 0. */
static locale_t
catalogue_locale (const char *tag)
{
  g_autofree char *name = NULL;
  locale_t base = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
  locale_t locale;

  if (strchr (tag, '_')) {
    name = g_strconcat (tag, ".UTF-8", NULL);
  } else {
    g_autofree char *upper = g_ascii_strup (tag, -1);

    name = g_strdup_printf ("%s_%s.UTF-8", tag, upper);
  }
  if (base == (locale_t) 0)
    return (locale_t) 0;
  locale = newlocale (LC_MESSAGES_MASK | LC_CTYPE_MASK, name, base);
  if (locale == (locale_t) 0) {
    freelocale (base);
    g_message ("Web pages: no locale %s is installed, so pages are not offered in “%s” "
               "(Debian: install locales-all)", name, tag);
  }
  return locale;
}

static gpointer
load_languages (gpointer data)
{
  const char *dir = g_getenv ("KITH_LOCALE_DIR");
  g_autoptr (GDir) folder = NULL;
  g_autoptr (GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) offered = g_string_new ("en");
  GPtrArray *list = g_ptr_array_new ();
  locale_t english;
  const char *name;

  if (!dir || !*dir)
    dir = LOCALEDIR;
  bindtextdomain (GETTEXT_PACKAGE, dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  english = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
  english = newlocale (LC_MESSAGES_MASK, "C", english);
  g_assert (english != (locale_t) 0);
  g_ptr_array_add (list, language_new ("en", english));

  folder = g_dir_open (dir, 0, NULL);
  while (folder && (name = g_dir_read_name (folder))) {
    g_autofree char *mo = g_build_filename (dir, name, "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);

    if (g_str_has_prefix (name, "en") || !g_file_test (mo, G_FILE_TEST_IS_REGULAR))
      continue;
    g_ptr_array_add (tags, g_strdup (name));
  }
  g_ptr_array_sort (tags, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < tags->len; i++) {
    const char *tag = g_ptr_array_index (tags, i);
    locale_t locale = catalogue_locale (tag);

    if (locale == (locale_t) 0)
      continue;
    g_ptr_array_add (list, language_new (tag, locale));
    g_string_append_printf (offered, ", %s", tag);
  }
  g_message ("Web pages in: %s (catalogues in %s)", offered->str, dir);
  return list;
}

static const KithdWebLanguage *
find_language (const char *range)
{
  g_autofree char *underscored = g_strdelimit (g_strdup (range), "-", '_');
  g_autofree char *primary = g_strdup (range);
  char *dash = strchr (primary, '-');

  if (dash)
    *dash = '\0';
  /* "de-at" finds "de"; "pt-br" finds "pt_BR", then "pt". */
  for (guint i = 0; i < languages->len; i++) {
    const KithdWebLanguage *language = g_ptr_array_index (languages, i);

    if (g_ascii_strcasecmp (language->tag, underscored) == 0)
      return language;
  }
  for (guint i = 0; i < languages->len; i++) {
    const KithdWebLanguage *language = g_ptr_array_index (languages, i);

    if (g_ascii_strcasecmp (language->tag, primary) == 0)
      return language;
  }
  return NULL;
}

const KithdWebLanguage *
kithd_web_language_choose (const char *accept_language)
{
  static GOnce once = G_ONCE_INIT;
  g_auto (GStrv) ranges = kithd_web_parse_accept_language (accept_language);

  languages = g_once (&once, load_languages, NULL);
  for (guint i = 0; ranges[i]; i++) {
    const KithdWebLanguage *language;

    if (strcmp (ranges[i], "*") == 0)
      break;
    language = find_language (ranges[i]);
    if (language)
      return language;
  }
  return g_ptr_array_index (languages, 0);
}
