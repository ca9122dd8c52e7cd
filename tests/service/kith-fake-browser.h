/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The system's web browser, as g_app_info_launch_default_for_uri () finds
 * it: a desktop file for x-scheme-handler/http and https, made the default
 * by a mimeapps.list, in a temporary directory put first on XDG_DATA_DIRS
 * (and XDG_CONFIG_DIRS). Its Exec is a small shell script that writes down
 * every URL it is given and, while following, fetches it with curl through
 * every redirect, as a browser does, keeping the last page and its status.
 *
 * Make it first thing in main (): GLib reads XDG_DATA_DIRS once, and GTK
 * reads it at start-up.
 */

typedef struct _KithFakeBrowser KithFakeBrowser;

typedef struct {
  char  *url;         /* what the browser was opened on */
  /* Once followed (kith_fake_browser_wait_followed ()): */
  guint  status;      /* the last page's HTTP status; 0: curl failed */
  char  *final_url;   /* where the redirects ended */
  char  *page;        /* the last page */
} KithFakeBrowserVisit;

KithFakeBrowser      *kith_fake_browser_new           (void);
/* Following (TRUE): each URL is fetched through its redirects. Not
 * following: the URL is only written down (a person who has not acted yet;
 * the test then plays the redirect itself). */
void                  kith_fake_browser_set_follow    (KithFakeBrowser *self,
                                                       gboolean         follow);
/* How many times the browser was opened so far. */
guint                 kith_fake_browser_count_visits  (KithFakeBrowser *self);
/* Waits (iterating the default main context, at most @timeout_ms) until the
 * browser was opened @n times; the @n-th visit (1-based; borrowed), or NULL. */
KithFakeBrowserVisit *kith_fake_browser_wait_visit    (KithFakeBrowser *self,
                                                       guint            n,
                                                       guint            timeout_ms);
/* Waits the same until the @n-th visit was followed to its end. */
KithFakeBrowserVisit *kith_fake_browser_wait_followed (KithFakeBrowser *self,
                                                       guint            n,
                                                       guint            timeout_ms);
/* Removes the directory. */
void                  kith_fake_browser_free          (KithFakeBrowser *self);

/* GET @url as a browser would, in this process (iterating the default main
 * context meanwhile, at most 30 s): its HTTP status (0: nobody answered)
 * and, if @page is not NULL, the page. */
guint                 kith_fake_browser_fetch         (const char      *url,
                                                       char           **page);
/* What the provider's redirect brings the app: a GET of @start_url's
 * redirect_uri with its state and then @rest (e.g. "code=…" or
 * "error=access_denied"). Its status, and the page. */
guint                 kith_fake_browser_redirect      (const char      *start_url,
                                                       const char      *rest,
                                                       char           **page);
/* The value of @name in @url's query (decoded), or NULL. */
char                 *kith_fake_browser_query_param   (const char      *url,
                                                       const char      *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithFakeBrowser, kith_fake_browser_free)

G_END_DECLS
