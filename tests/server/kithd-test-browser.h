/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-test-helper.h"

G_BEGIN_DECLS

/*
 * A browser for tests of kithd's web pages (test-web.c, test-web-oidc.c):
 * libsoup's SoupSession with a SoupCookieJar, each request a top-level
 * navigation of kithd's own site (as a person clicking through the pages
 * makes it) unless the test says it comes from another site, which is
 * what decides whether SameSite=Strict cookies go along. It remembers the
 * CSRF token of the last page with a form. Short names: test code only.
 */

typedef struct {
  KithdTestServer *server;
  SoupSession     *session;
  SoupCookieJar   *jar;
  char            *language;   /* Accept-Language; NULL: none */
  char            *csrf;       /* of the last page that had a form */
} Browser;

typedef struct {
  guint               status;
  char               *body;
  SoupMessageHeaders *headers;
  char               *path;    /* where it ended, after redirects */
} Page;

void     page_free        (Page            *page);
Browser *browser_new_for  (KithdTestServer *on);
void     browser_free     (Browser         *browser);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Page, page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Browser, browser_free)

/* Sends @msg as a navigation of kithd's site (following redirects when
 * @follow); a page's CSRF field is remembered. */
Page    *browser_send     (Browser         *browser,
                           SoupMessage     *msg,
                           gboolean         follow);
/* GET @url (absolute, any host) without following a redirect, as a
 * navigation that began on @site (a URL; NULL: kithd's own). */
Page    *browser_open     (Browser         *browser,
                           const char      *url,
                           const char      *site);
/* GET @path of kithd's. */
Page    *browser_get_full (Browser         *browser,
                           const char      *path,
                           gboolean         follow);
Page    *browser_get      (Browser         *browser,
                           const char      *path);
/* POSTs @body as a form with @origin (NULL: no Origin header). */
Page    *browser_post_raw (Browser         *browser,
                           const char      *path,
                           const char      *origin,
                           const char      *body);
/* POSTs the fields (name, value, …, NULL) with the CSRF token of the last
 * page and kithd's own Origin, as the browser sends a form of its page. */
Page    *browser_post     (Browser         *browser,
                           const char      *path,
                           const char      *first,
                           ...);
/* The browser's cookie @name, or NULL. */
char    *browser_cookie   (Browser         *browser,
                           const char      *name);
/* Logs in on /account/login; asserts it lands on the profile. */
void     browser_log_in   (Browser         *browser,
                           const char      *email,
                           const char      *password);

void     assert_has       (const Page      *page,
                           const char      *needle);
void     assert_lacks     (const Page      *page,
                           const char      *needle);
/* The Set-Cookie header of @name in @page, or NULL. */
char    *set_cookie       (const Page      *page,
                           const char      *name);

G_END_DECLS
