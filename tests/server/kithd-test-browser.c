/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestWeb"

#include "config.h"

#include <string.h>

#include "kithd-test-browser.h"

void
page_free (Page *page)
{
  g_free (page->body);
  g_clear_pointer (&page->headers, soup_message_headers_unref);
  g_free (page->path);
  g_free (page);
}

Browser *
browser_new_for (KithdTestServer *on)
{
  Browser *browser = g_new0 (Browser, 1);

  browser->server = on;
  browser->session = kithd_test_server_new_soup_session (on);
  browser->jar = soup_cookie_jar_new ();
  soup_session_add_feature (browser->session, SOUP_SESSION_FEATURE (browser->jar));
  return browser;
}

void
browser_free (Browser *browser)
{
  g_object_unref (browser->jar);
  g_object_unref (browser->session);
  g_free (browser->language);
  g_free (browser->csrf);
  g_free (browser);
}

/* The value="…" of the input named @name in @html, or NULL. */
static char *
input_value (const char *html,
             const char *name)
{
  g_autofree char *needle = g_strdup_printf ("name=\"%s\" value=\"", name);
  const char *start = html ? strstr (html, needle) : NULL;
  const char *end;

  if (!start)
    return NULL;
  start += strlen (needle);
  end = strchr (start, '"');
  return g_strndup (start, end - start);
}

/* @msg as a navigation that began on @site_url. */
static Page *
send_from (Browser     *browser,
           SoupMessage *msg,
           gboolean     follow,
           const char  *site_url)
{
  g_autoptr (GUri) site = g_uri_parse (site_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  Page *page = g_new0 (Page, 1);
  g_autofree char *csrf = NULL;

  soup_message_set_site_for_cookies (msg, site);
  soup_message_set_first_party (msg, site);
  soup_message_set_is_top_level_navigation (msg, TRUE);
  if (browser->language)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept-Language",
                                  browser->language);
  if (!follow)
    soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  bytes = soup_session_send_and_read (browser->session, msg, NULL, &error);
  g_assert_no_error (error);
  page->status = soup_message_get_status (msg);
  page->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  page->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  page->path = g_uri_join (G_URI_FLAGS_NONE, NULL, NULL, NULL, -1,
                           g_uri_get_path (soup_message_get_uri (msg)),
                           g_uri_get_query (soup_message_get_uri (msg)), NULL);
  csrf = input_value (page->body, "csrf");
  if (csrf) {
    g_free (browser->csrf);
    browser->csrf = g_steal_pointer (&csrf);
  }
  return page;
}

Page *
browser_send (Browser     *browser,
              SoupMessage *msg,
              gboolean     follow)
{
  return send_from (browser, msg, follow, kithd_test_server_get_url (browser->server));
}

Page *
browser_open (Browser    *browser,
              const char *url,
              const char *site)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

  g_assert_nonnull (msg);
  return send_from (browser, msg, FALSE, site ? site : kithd_test_server_get_url (browser->server));
}

Page *
browser_get_full (Browser    *browser,
                  const char *path,
                  gboolean    follow)
{
  g_autofree char *url = g_strconcat (kithd_test_server_get_url (browser->server), path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

  return browser_send (browser, msg, follow);
}

Page *
browser_get (Browser    *browser,
             const char *path)
{
  return browser_get_full (browser, path, TRUE);
}

/* A form of name, value pairs (NULL-terminated), URL-encoded. */
static char *
encode_form (const char *first,
             va_list     args)
{
  GString *form = g_string_new (NULL);

  for (const char *name = first; name; name = va_arg (args, const char *)) {
    const char *value = va_arg (args, const char *);
    g_autofree char *n = g_uri_escape_string (name, NULL, FALSE);
    g_autofree char *v = g_uri_escape_string (value, NULL, FALSE);

    g_string_append_printf (form, "%s%s=%s", form->len ? "&" : "", n, v);
  }
  return g_string_free (form, FALSE);
}

/* POSTs @body as a form with @origin (NULL: no Origin header). */
Page *
browser_post_raw (Browser    *browser,
                  const char *path,
                  const char *origin,
                  const char *body)
{
  g_autofree char *url = g_strconcat (kithd_test_server_get_url (browser->server), path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", bytes);
  if (origin)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Origin", origin);
  return browser_send (browser, msg, TRUE);
}

/* POSTs the fields (name, value, …, NULL) with the CSRF token of the last
 * page and kithd's own Origin, as the browser sends a form of its page. */
Page *
browser_post (Browser    *browser,
              const char *path,
              const char *first,
              ...)
{
  g_autofree char *fields = NULL;
  g_autofree char *body = NULL;
  va_list args;

  g_assert_nonnull (browser->csrf);
  va_start (args, first);
  fields = encode_form (first, args);
  va_end (args);
  body = g_strdup_printf ("csrf=%s%s%s", browser->csrf, *fields ? "&" : "", fields);
  return browser_post_raw (browser, path, kithd_test_server_get_url (browser->server), body);
}

void
assert_has (const Page *page,
            const char *needle)
{
  if (!strstr (page->body, needle))
    g_error ("“%s” is not on the page %s (%u):\n%s", needle, page->path, page->status, page->body);
}

void
assert_lacks (const Page *page,
              const char *needle)
{
  if (strstr (page->body, needle))
    g_error ("“%s” is on the page %s (%u):\n%s", needle, page->path, page->status, page->body);
}

/* The Set-Cookie header of @name in @page, or NULL. */
char *
set_cookie (const Page *page,
            const char *name)
{
  SoupMessageHeadersIter iter;
  const char *header;
  const char *value;
  g_autofree char *prefix = g_strconcat (name, "=", NULL);

  soup_message_headers_iter_init (&iter, page->headers);
  while (soup_message_headers_iter_next (&iter, &header, &value)) {
    if (g_ascii_strcasecmp (header, "Set-Cookie") == 0 && g_str_has_prefix (value, prefix))
      return g_strdup (value);
  }
  return NULL;
}

/* The browser's cookie @name, or NULL. */
char *
browser_cookie (Browser    *browser,
                const char *name)
{
  GSList *cookies = soup_cookie_jar_all_cookies (browser->jar);
  char *value = NULL;

  for (GSList *l = cookies; l; l = l->next) {
    if (!value && strcmp (soup_cookie_get_name (l->data), name) == 0)
      value = g_strdup (soup_cookie_get_value (l->data));
  }
  g_slist_free_full (cookies, (GDestroyNotify) soup_cookie_free);
  return value;
}

void
browser_log_in (Browser    *browser,
                const char *email,
                const char *password)
{
  g_autoptr (Page) form = browser_get (browser, "/account/login");
  g_autoptr (Page) profile = browser_post (browser, "/account/login", "email", email,
                                           "password", password, NULL);

  g_assert_cmpuint (profile->status, ==, 200);
  g_assert_cmpstr (profile->path, ==, "/account/profile");
  assert_has (profile, email);
}
