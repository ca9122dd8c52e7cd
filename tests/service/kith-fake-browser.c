/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFakeBrowser"

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "kith-fake-browser.h"
#include "kithd-test-helper.h"

#define DESKTOP_ID "kith-fake-browser.desktop"

/* Each launch: url-PID; once followed, page-PID and done-PID ("STATUS URL"),
 * each written under another name and then renamed, so that what the test
 * reads is whole. curl ignores any proxy: every address here is loopback. */
static const char script[] =
  "#!/bin/sh\n"
  "# Kith's fake web browser (tests/service/kith-fake-browser.c)\n"
  "d=\"$(dirname \"$0\")\"\n"
  "id=$$\n"
  "printf '%%s' \"$1\" > \"$d/.url-$id\" && mv \"$d/.url-$id\" \"$d/url-$id\"\n"
  "[ -e \"$d/follow\" ] || exit 0\n"
  "%s --noproxy '*' -s -L --max-redirs 10 --max-time 60 -o \"$d/.page-$id\" \\\n"
  "  -w '%%{http_code} %%{url_effective}' \"$1\" > \"$d/.done-$id\"\n"
  "touch \"$d/.page-$id\"\n"
  "mv \"$d/.page-$id\" \"$d/page-$id\" && mv \"$d/.done-$id\" \"$d/done-$id\"\n";

struct _KithFakeBrowser
{
  char      *dir;
  GPtrArray *visits;     /* KithFakeBrowserVisit, in the order they came */
  GPtrArray *ids;        /* their file suffixes */
};

static void
visit_free (gpointer data)
{
  KithFakeBrowserVisit *visit = data;

  g_free (visit->url);
  g_free (visit->final_url);
  g_free (visit->page);
  g_free (visit);
}

static void
write_file (const char *path,
            const char *text,
            int         mode)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           mode, &error));
  g_assert_no_error (error);
}

/* @name prepended to the list in environment variable @var (or @fallback). */
static void
prepend_dir (const char *var,
             const char *dir,
             const char *fallback)
{
  const char *old = g_getenv (var);
  g_autofree char *value = g_strdup_printf ("%s:%s", dir, old != NULL && *old != '\0' ? old : fallback);

  g_setenv (var, value, TRUE);
}

KithFakeBrowser *
kith_fake_browser_new (void)
{
  KithFakeBrowser *self = g_new0 (KithFakeBrowser, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *apps = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *curl = g_find_program_in_path ("curl");
  const char *mimeapps =
    "[Default Applications]\n"
    "x-scheme-handler/http=" DESKTOP_ID "\n"
    "x-scheme-handler/https=" DESKTOP_ID "\n";

  g_assert_nonnull (curl);
  self->dir = g_dir_make_tmp ("kith-browser-XXXXXX", &error);
  g_assert_no_error (error);
  self->visits = g_ptr_array_new_with_free_func (visit_free);
  self->ids = g_ptr_array_new_with_free_func (g_free);

  path = g_build_filename (self->dir, "browser", NULL);
  text = g_strdup_printf (script, curl);
  write_file (path, text, 0700);

  apps = g_build_filename (self->dir, "applications", NULL);
  g_assert_cmpint (g_mkdir (apps, 0700), ==, 0);
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Fake Browser\n"
                          "Exec=%s %%u\n"
                          "MimeType=x-scheme-handler/http;x-scheme-handler/https;\n"
                          "NoDisplay=true\n", path);
  g_clear_pointer (&path, g_free);
  path = g_build_filename (apps, DESKTOP_ID, NULL);
  write_file (path, text, 0600);
  /* Read from the data directories' applications/ and from the config
   * directories: ours come first in both. */
  g_clear_pointer (&path, g_free);
  path = g_build_filename (apps, "mimeapps.list", NULL);
  write_file (path, mimeapps, 0600);
  g_clear_pointer (&path, g_free);
  path = g_build_filename (self->dir, "mimeapps.list", NULL);
  write_file (path, mimeapps, 0600);

  prepend_dir ("XDG_DATA_DIRS", self->dir, "/usr/local/share:/usr/share");
  prepend_dir ("XDG_CONFIG_DIRS", self->dir, "/etc/xdg");

  return self;
}

void
kith_fake_browser_set_follow (KithFakeBrowser *self,
                              gboolean         follow)
{
  g_autofree char *path = g_build_filename (self->dir, "follow", NULL);

  if (follow)
    write_file (path, "", 0600);
  else
    g_unlink (path);
}

/* The launches that came since the last look. */
static void
scan (KithFakeBrowser *self)
{
  g_autoptr (GDir) dir = g_dir_open (self->dir, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = NULL;
    KithFakeBrowserVisit *visit;
    gboolean known = FALSE;

    if (!g_str_has_prefix (name, "url-"))
      continue;
    for (guint i = 0; i < self->ids->len && !known; i++)
      known = g_str_equal (self->ids->pdata[i], name + 4);
    if (known)
      continue;
    visit = g_new0 (KithFakeBrowserVisit, 1);
    path = g_build_filename (self->dir, name, NULL);
    g_assert_true (g_file_get_contents (path, &visit->url, NULL, NULL));
    g_ptr_array_add (self->visits, visit);
    g_ptr_array_add (self->ids, g_strdup (name + 4));
  }
}

guint
kith_fake_browser_count_visits (KithFakeBrowser *self)
{
  scan (self);
  return self->visits->len;
}

static gboolean
on_wake (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until @done (@self, @n) or @timeout_ms. */
static gboolean
wait_for (KithFakeBrowser *self,
          guint            n,
          gboolean       (*done) (KithFakeBrowser *self, guint n),
          guint            timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (20, on_wake, NULL);
  gboolean ok;

  while (!(ok = done (self, n)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return ok;
}

static gboolean
has_visit (KithFakeBrowser *self,
           guint            n)
{
  return kith_fake_browser_count_visits (self) >= n;
}

static gboolean
has_followed (KithFakeBrowser *self,
              guint            n)
{
  KithFakeBrowserVisit *visit;
  g_autofree char *done_path = NULL;
  g_autofree char *page_path = NULL;
  g_autofree char *done = NULL;
  char *space;

  if (!has_visit (self, n))
    return FALSE;
  visit = self->visits->pdata[n - 1];
  if (visit->final_url != NULL)
    return TRUE;
  done_path = g_strdup_printf ("%s/done-%s", self->dir, (char *) self->ids->pdata[n - 1]);
  if (!g_file_get_contents (done_path, &done, NULL, NULL))
    return FALSE;
  page_path = g_strdup_printf ("%s/page-%s", self->dir, (char *) self->ids->pdata[n - 1]);
  g_assert_true (g_file_get_contents (page_path, &visit->page, NULL, NULL));
  visit->status = (guint) g_ascii_strtoull (done, &space, 10);
  visit->final_url = g_strdup (*space == ' ' ? space + 1 : "");
  return TRUE;
}

KithFakeBrowserVisit *
kith_fake_browser_wait_visit (KithFakeBrowser *self,
                              guint            n,
                              guint            timeout_ms)
{
  g_assert_cmpuint (n, >, 0);
  if (!wait_for (self, n, has_visit, timeout_ms))
    return NULL;
  return self->visits->pdata[n - 1];
}

KithFakeBrowserVisit *
kith_fake_browser_wait_followed (KithFakeBrowser *self,
                                 guint            n,
                                 guint            timeout_ms)
{
  g_assert_cmpuint (n, >, 0);
  if (!wait_for (self, n, has_followed, timeout_ms))
    return NULL;
  return self->visits->pdata[n - 1];
}

void
kith_fake_browser_free (KithFakeBrowser *self)
{
  kithd_test_remove_tree (self->dir);
  g_free (self->dir);
  g_ptr_array_unref (self->visits);
  g_ptr_array_unref (self->ids);
  g_free (self);
}

char *
kith_fake_browser_query_param (const char *url,
                               const char *name)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr (GHashTable) params = NULL;
  const char *query = uri != NULL ? g_uri_get_query (uri) : NULL;

  if (query == NULL)
    return NULL;
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  return params != NULL ? g_strdup (g_hash_table_lookup (params, name)) : NULL;
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

guint
kith_fake_browser_fetch (const char  *url,
                         char       **page)
{
  g_autoptr (SoupSession) soup = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_assert_nonnull (msg);
  soup_session_send_and_read_async (soup, msg, G_PRIORITY_DEFAULT, NULL, on_fetched, &result);
  g_assert_true (kithd_test_wait_until (is_set, &result, 30000));
  bytes = soup_session_send_and_read_finish (soup, result, NULL);
  if (bytes == NULL)
    return 0;
  if (page != NULL)
    *page = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return soup_message_get_status (msg);
}

guint
kith_fake_browser_redirect (const char  *start_url,
                            const char  *rest,
                            char       **page)
{
  g_autofree char *redirect_uri = kith_fake_browser_query_param (start_url, "redirect_uri");
  g_autofree char *state = kith_fake_browser_query_param (start_url, "state");
  g_autofree char *escaped = NULL;
  g_autofree char *url = NULL;

  g_assert_nonnull (redirect_uri);
  g_assert_nonnull (state);
  escaped = g_uri_escape_string (state, NULL, FALSE);
  url = g_strdup_printf ("%s?state=%s%s%s", redirect_uri, escaped,
                         rest != NULL ? "&" : "", rest != NULL ? rest : "");
  return kith_fake_browser_fetch (url, page);
}
