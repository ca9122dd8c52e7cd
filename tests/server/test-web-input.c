/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestWebInput"

#include "config.h"

#include <string.h>

#include "kith-error.h"
#include "kithd-html.h"
#include "kithd-web-input.h"

/*
 * What kithd's web pages read from a browser (kithd-web-input.h) and their
 * one escaping helper (kithd-html.h), without a kithd.
 */

static const char * const fields[] = { "csrf", "email", "first_name", NULL };

static void
test_form (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) form = NULL;
  g_autoptr (GHashTable) empty = NULL;
  const char *body = "email=ada%40example.com&first_name=Ada+Lovelace%20%C3%A9%2B&csrf=";

  form = kithd_web_parse_form (body, strlen (body), fields, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (form), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (form, "email"), ==, "ada@example.com");
  g_assert_cmpstr (g_hash_table_lookup (form, "first_name"), ==, "Ada Lovelace é+");
  g_assert_cmpstr (g_hash_table_lookup (form, "csrf"), ==, "");

  empty = kithd_web_parse_form ("", 0, fields, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (empty), ==, 0);
}

static void
test_form_refused (void)
{
  const char *bodies[] = {
    "email=a&email=b",              /* twice */
    "email=a&admin=1",              /* not this form's */
    "email=%ZZ",                    /* a bad escape */
    "email=%4",
    "email=%FF%FE",                 /* not UTF-8 */
    "email=a%00b",                  /* a NUL */
    "email=a&&csrf=b",              /* an empty pair */
    "&email=a",
    "email=a&",
    "email",                        /* no '=' */
    "=a",                           /* no name */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GHashTable) form = kithd_web_parse_form (bodies[i], strlen (bodies[i]), fields, &error);

    g_test_message ("%s", bodies[i]);
    g_assert_null (form);
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  }

  /* A NUL byte in the body itself, and too many fields. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GHashTable) form = kithd_web_parse_form ("email=a\0b", 9, fields, &error);

    g_assert_null (form);
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  }
  {
    g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (GString) body = g_string_new (NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (GHashTable) form = NULL;

    for (guint i = 0; i <= KITHD_WEB_MAX_FIELDS; i++) {
      g_ptr_array_add (names, g_strdup_printf ("f%u", i));
      g_string_append_printf (body, "%sf%u=x", i ? "&" : "", i);
    }
    g_ptr_array_add (names, NULL);
    form = kithd_web_parse_form (body->str, body->len, (const char * const *) names->pdata, &error);
    g_assert_null (form);
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  }
}

static void
test_cookie (void)
{
  struct {
    const char *header;
    const char *value;
  } cases[] = {
    { "kith_session=abc_DEF-123", "abc_DEF-123" },
    { "a=1; kith_session=abc; b=2", "abc" },
    { "a=1;kith_session=abc", "abc" },
    { "kith_sessionx=abc", NULL },
    { "xkith_session=abc", NULL },
    { "kith_session=", NULL },
    { "kith_session=a\"b", NULL },
    { "kith_session=a b", NULL },
    { "kith_session=<script>; kith_session=good", "good" },
    { "", NULL },
    { NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *value = kithd_web_parse_cookie (cases[i].header, "kith_session");

    g_assert_cmpstr (value, ==, cases[i].value);
  }
  {
    g_autofree char *long_value = g_strnfill (129, 'a');
    g_autofree char *header = g_strconcat ("kith_session=", long_value, NULL);
    g_autofree char *value = kithd_web_parse_cookie (header, "kith_session");

    g_assert_null (value);
  }
}

static void
test_accept_language (void)
{
  struct {
    const char *header;
    const char *ranges;
  } cases[] = {
    { "de", "de" },
    { "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr-ch fr en de *" },
    { "en;q=0.5, de", "de en" },
    { "de;q=0, en", "en" },
    { "de;q=1.0, en;q=1", "de en" },
    { "de;q=1.5, en;q=0.x, fr;q=.5, it;q=0.1234, es;q=0.123", "es" },
    { "de;x=1, en", "en" },
    { "d3, toolonglanguage, de-", "" },
    { "DE-at", "de-at" },
    { ",scriptf", "scriptf" },
    { "de,, ,en", "de en" },
    { "", "" },
    { NULL, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_auto (GStrv) ranges = kithd_web_parse_accept_language (cases[i].header);
    g_autofree char *joined = g_strjoinv (" ", ranges);

    g_assert_cmpstr (joined, ==, cases[i].ranges);
  }
}

static void
test_escape (void)
{
  g_autofree char *script = kithd_html_escape ("<script>alert(\"x\")</script>");
  g_autofree char *quotes = kithd_html_escape ("O'Brien & \"Co\"");
  g_autofree char *controls = kithd_html_escape ("a\x01" "b\tc\nd\x7f" "e\xc2\x85" "f\xe2\x80\xa8g");
  g_autofree char *invalid = kithd_html_escape ("a\xff" "b");
  g_autofree char *plain = kithd_html_escape ("Zoë Ünal");
  g_autofree char *none = kithd_html_escape (NULL);

  g_assert_cmpstr (script, ==, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  g_assert_cmpstr (quotes, ==, "O&#39;Brien &amp; &quot;Co&quot;");
  g_assert_cmpstr (controls, ==, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d\xef\xbf\xbd"
                                 "e\xef\xbf\xbd" "f\xef\xbf\xbd" "g");
  g_assert_cmpstr (invalid, ==, "a\xef\xbf\xbd" "b");
  g_assert_cmpstr (plain, ==, "Zoë Ünal");
  g_assert_cmpstr (none, ==, "");
}

static void
test_html_add (void)
{
  g_autoptr (KithdHtml) html = kithd_html_new ();
  g_autoptr (KithdHtml) inner = kithd_html_new ();
  g_autofree char *text = NULL;
  gsize len = 0;

  kithd_html_add (inner, "<b>%s</b>", "&");
  kithd_html_add (html, "<p title=\"%s\">%d %u 100%%</p>", "\"><img>", -3, 7u);
  kithd_html_text (html, "<i>");
  kithd_html_add (html, "%s", (const char *) NULL);
  kithd_html_append (html, inner);
  text = kithd_html_steal (g_steal_pointer (&html), &len);
  g_assert_cmpstr (text, ==, "<p title=\"&quot;&gt;&lt;img&gt;\">-3 7 100%</p>&lt;i&gt;<b>&amp;</b>");
  g_assert_cmpuint (len, ==, strlen (text));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/web-input/form", test_form);
  g_test_add_func ("/web-input/form-refused", test_form_refused);
  g_test_add_func ("/web-input/cookie", test_cookie);
  g_test_add_func ("/web-input/accept-language", test_accept_language);
  g_test_add_func ("/web-input/escape", test_escape);
  g_test_add_func ("/web-input/html-add", test_html_add);

  return g_test_run ();
}
