/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestWeb"

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "kithd-test-browser.h"

/*
 * kithd's web pages against a real kithd, through a browser of libsoup's
 * (kithd-test-browser.h):
 * every page and form, the reset link of the outbox's mail, sessions and
 * their cookies, the CSRF and Origin checks, escaping, the headers, and
 * German from Accept-Language.
 */

static KithdTestServer *server;

static Browser *
browser_new (void)
{
  return browser_new_for (server);
}

/* ---- what the store holds ---- */

static void
db_exec (KithdTestServer *on,
         const char      *sql)
{
  g_autofree char *path = g_build_filename (kithd_test_server_get_data_dir (on), "kithd.db", NULL);
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static JsonObject *
get_me (const char *token)
{
  g_autofree char *body = kithd_test_server_call (server, "GET", "/api/v1/me", token, NULL, 200, NULL);

  return kithd_test_parse_object (body);
}

/* ---- mail ---- */

/* The link after @marker in the newest mail of the outbox, once there are
 * @n mails. */
static char *
link_in_mail (KithdTestServer *on,
              guint            n,
              const char      *marker)
{
  g_autoptr (GPtrArray) files = NULL;
  g_autofree char *contents = NULL;
  const char *start;
  const char *end;

  g_assert_cmpuint (kithd_test_server_wait_outbox (on, n, KITHD_TEST_WAIT_MS), ==, n);
  files = kithd_test_server_outbox_files (on);
  g_assert_true (g_file_get_contents (g_ptr_array_index (files, n - 1), &contents, NULL, NULL));
  start = strstr (contents, marker);
  g_assert_nonnull (start);
  start += strlen (marker);
  while (g_ascii_isspace (*start))
    start++;
  end = start;
  while (*end && !g_ascii_isspace (*end))
    end++;
  while (end > start && (end[-1] == '.'))
    end--;
  return g_strndup (start, end - start);
}

static guint
outbox_count (KithdTestServer *on)
{
  g_autoptr (GPtrArray) files = kithd_test_server_outbox_files (on);

  return files->len;
}

/* Asks for a reset link for @email on @browser's form; the link of the
 * mail, and in @page (nullable) the page that answered. */
static char *
request_reset_link (Browser     *browser,
                    const char  *email,
                    char       **page)
{
  guint before = outbox_count (server);
  g_autoptr (Page) form = browser_get (browser, "/account/password-reset");
  g_autoptr (Page) sent = browser_post (browser, "/account/password-reset", "email", email, NULL);

  g_assert_cmpuint (sent->status, ==, 200);
  assert_has (sent, "id=\"reset-requested\"");
  if (page)
    *page = g_strdup (sent->body);
  return link_in_mail (server, before + 1, "open this link:");
}

/* The path (and query) of @url, one of kithd's own. */
static const char *
path_of (KithdTestServer *on,
         const char      *url)
{
  const char *base = kithd_test_server_get_url (on);

  g_assert_true (g_str_has_prefix (url, base));
  return url + strlen (base);
}

/* ---- the tests ---- */

static const char * const security_headers[][2] = {
  { "Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'" },
  { "X-Frame-Options", "DENY" },
  { "X-Content-Type-Options", "nosniff" },
  { "Referrer-Policy", "no-referrer" },
  { "Cache-Control", "no-store" },
};

static void
assert_security_headers (const Page *page)
{
  for (guint i = 0; i < G_N_ELEMENTS (security_headers); i++)
    g_assert_cmpstr (soup_message_headers_get_one (page->headers, security_headers[i][0]), ==,
                     security_headers[i][1]);
}

static void
test_landing (void)
{
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) page = browser_get (browser, "/");
  g_autoptr (Page) css = NULL;
  g_autoptr (Page) logo = NULL;

  g_assert_cmpuint (page->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (page->headers, NULL), ==, "text/html");
  assert_has (page, "<html lang=\"en\">");
  assert_has (page, "<h1>Welcome to Kith</h1>");
  assert_has (page, "href=\"/account/login\"");
  assert_has (page, "id=\"get-app\"");
  assert_has (page, kithd_test_server_get_url (server));
  assert_has (page, "href=\"/assets/kith.css\"");
  assert_security_headers (page);

  css = browser_get (browser, "/assets/kith.css");
  g_assert_cmpuint (css->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (css->headers, NULL), ==, "text/css");
  assert_has (css, "--accent");
  logo = browser_get (browser, "/assets/kith-logo.svg");
  g_assert_cmpuint (logo->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (logo->headers, NULL), ==, "image/svg+xml");
  assert_has (logo, "<svg");
}

static void
test_mail_links (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) socket = NULL;
  g_autoptr (Browser) browser = browser_new ();
  g_autofree char *link = NULL;
  g_autoptr (Page) page = NULL;
  guint before = outbox_count (server);

  /* Bob is signed out: Ada's message brings him a mail whose link opens
   * the landing page. */
  kithd_test_server_make_contacts (server, ada, bob);
  socket = kithd_test_socket_connect (server, ada->token, 0);
  kithd_test_socket_send_message_acked (socket, "web-1", bob->id, "Hello");
  link = link_in_mail (server, before + 1, "Open Kith to read it: ");
  g_assert_cmpstr (link, ==, kithd_test_server_get_url (server));
  page = browser_get (browser, "/");
  g_assert_cmpuint (page->status, ==, 200);
  assert_has (page, "id=\"log-in\"");
}

static void
test_not_found (void)
{
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) missing = browser_get (browser, "/nothing/here");
  g_autoptr (Page) put = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *url = g_strconcat (kithd_test_server_get_url (server), "/account/login", NULL);
  g_autofree char *api = NULL;

  g_assert_cmpuint (missing->status, ==, 404);
  assert_has (missing, "id=\"not-found\"");
  assert_security_headers (missing);

  msg = soup_message_new ("PUT", url);
  put = browser_send (browser, msg, TRUE);
  g_assert_cmpuint (put->status, ==, 405);
  g_assert_cmpstr (soup_message_headers_get_one (put->headers, "Allow"), ==, "GET, POST");
  assert_has (put, "This page cannot be used that way.");

  /* The API is still JSON. */
  api = kithd_test_server_call (server, "GET", "/api/v1/nothing", NULL, NULL, 404, "not_found");
}

static void
test_cookies (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) login = browser_get (browser, "/account/login");
  g_autoptr (Page) again = NULL;
  g_autoptr (Page) signed_in = NULL;
  g_autofree char *csrf = set_cookie (login, "kith_csrf");
  g_autofree char *session = NULL;

  assert_security_headers (login);
  g_assert_nonnull (csrf);
  g_assert_nonnull (strstr (csrf, "; Path=/; HttpOnly; SameSite=Strict"));
  g_assert_null (strstr (csrf, "Secure"));
  assert_has (login, "name=\"csrf\"");
  /* The cookie, once set, stays. */
  again = browser_get (browser, "/account/login");
  g_assert_null (set_cookie (again, "kith_csrf"));

  signed_in = browser_post (browser, "/account/login", "email", ada->email,
                            "password", KITHD_TEST_PASSWORD, NULL);
  g_assert_cmpstr (signed_in->path, ==, "/account/profile");
  session = browser_cookie (browser, "kith_session");
  g_assert_nonnull (session);
  g_assert_cmpuint (strlen (session), ==, 43);
  /* Stored as its hash only. */
  {
    g_autofree char *where = g_strdup_printf ("token_hash = '%s'", session);

    g_assert_cmpint (kithd_test_server_db_count (server, "web_sessions", where), ==, 0);
    g_free (where);
    where = g_strdup_printf ("user_id = %" G_GINT64_FORMAT, ada->id);
    g_assert_cmpint (kithd_test_server_db_count (server, "web_sessions", where), ==, 1);
    /* It is no API token. */
    g_free (kithd_test_server_call (server, "GET", "/api/v1/me", session, NULL, 401, "unauthorized"));
  }
}

/* Secure behind a trusted proxy that says the client used HTTPS. */
static void
test_secure_cookies (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kithd-web-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  KithdTestServer *proxied;
  const char *answers[][2] = {
    { "https", "; Secure" },
    { "http", NULL },
    { "http, https", "; Secure" },
    { "https, http", NULL },
  };

  g_assert_true (g_file_set_contents (conf, "[server]\ntrusted-proxies=127.0.0.1\n", -1, NULL));
  proxied = kithd_test_server_start ("--config", conf, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++) {
    g_autoptr (Browser) browser = browser_new_for (proxied);
    g_autofree char *url = g_strconcat (kithd_test_server_get_url (proxied), "/account/login", NULL);
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr (Page) page = NULL;
    g_autofree char *cookie = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Forwarded-Proto", answers[i][0]);
    page = browser_send (browser, msg, TRUE);
    cookie = set_cookie (page, "kith_csrf");
    g_assert_nonnull (cookie);
    if (answers[i][1])
      g_assert_true (g_str_has_suffix (cookie, answers[i][1]));
    else
      g_assert_null (strstr (cookie, "Secure"));
  }
  kithd_test_server_free (proxied);

  /* From anybody else, the header is not believed. */
  {
    g_autoptr (Browser) browser = browser_new ();
    g_autofree char *url = g_strconcat (kithd_test_server_get_url (server), "/account/login", NULL);
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr (Page) page = NULL;
    g_autofree char *cookie = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Forwarded-Proto", "https");
    page = browser_send (browser, msg, TRUE);
    cookie = set_cookie (page, "kith_csrf");
    g_assert_null (strstr (cookie, "Secure"));
  }
  kithd_test_remove_tree (dir);
}

static void
test_log_in_out (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) anonymous = browser_get (browser, "/account/profile");
  g_autoptr (Page) wrong = NULL;
  g_autoptr (Page) bad_email = NULL;
  g_autoptr (Page) profile = NULL;
  g_autoptr (Page) back = NULL;
  g_autoptr (Page) out = NULL;
  g_autoptr (Page) after = NULL;

  /* Signed out: the profile sends to the log-in page. */
  g_assert_cmpstr (anonymous->path, ==, "/account/login");
  assert_has (anonymous, "<label for=\"email\">Kith ID (email address)</label>");
  assert_has (anonymous, "<label for=\"password\">Password</label>");

  wrong = browser_post (browser, "/account/login", "email", ada->email, "password", "Wrong#123", NULL);
  g_assert_cmpuint (wrong->status, ==, 401);
  assert_has (wrong, "id=\"error\"");
  assert_has (wrong, "Wrong email or password.");
  /* The email stays, the password does not. */
  assert_has (wrong, ada->email);
  assert_lacks (wrong, "Wrong#123");

  bad_email = browser_post (browser, "/account/login", "email", "not an email", "password", "x", NULL);
  g_assert_cmpuint (bad_email->status, ==, 400);
  assert_has (bad_email, "This is not a valid email address.");

  profile = browser_post (browser, "/account/login", "email", ada->email,
                          "password", KITHD_TEST_PASSWORD, NULL);
  g_assert_cmpuint (profile->status, ==, 200);
  g_assert_cmpstr (profile->path, ==, "/account/profile");
  assert_has (profile, "<h1>Account Profile</h1>");
  /* Signed in, the log-in page sends to the profile. */
  back = browser_get (browser, "/account/login");
  g_assert_cmpstr (back->path, ==, "/account/profile");

  out = browser_post (browser, "/account/logout", NULL);
  g_assert_cmpuint (out->status, ==, 200);
  g_assert_cmpstr (out->path, ==, "/account/login?notice=signed-out");
  assert_has (out, "You are logged out.");
  g_assert_null (browser_cookie (browser, "kith_session"));
  after = browser_get (browser, "/account/profile");
  g_assert_cmpstr (after->path, ==, "/account/login");
  {
    g_autofree char *where = g_strdup_printf ("user_id = %" G_GINT64_FORMAT, ada->id);

    g_assert_cmpint (kithd_test_server_db_count (server, "web_sessions", where), ==, 0);
  }
}

static void
test_profile (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) bob_socket = NULL;
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) profile = NULL;
  g_autoptr (Page) saved = NULL;
  g_autoptr (Page) empty = NULL;
  g_autoptr (Page) control = NULL;
  g_autoptr (Page) notify_on = NULL;
  g_autoptr (JsonObject) me = NULL;
  g_autoptr (JsonObject) frame = NULL;

  kithd_test_server_make_contacts (server, ada, bob);
  bob_socket = kithd_test_socket_connect (server, bob->token, 0);
  browser_log_in (browser, ada->email, KITHD_TEST_PASSWORD);
  profile = browser_get (browser, "/account/profile");
  /* The email is shown and cannot be changed. */
  assert_has (profile, "id=\"email\" value=\"");
  assert_has (profile, "readonly");
  assert_has (profile, "The email address of an account cannot be changed.");
  assert_has (profile, "name=\"first_name\"");
  assert_has (profile, "id=\"offline-email-notification\" name=\"offline_email_notification\" value=\"on\" "
                       "aria-describedby=\"offline-note\" checked>");
  assert_has (profile, "href=\"/account/delete\"");

  /* Names (the contact hears of them, as after PATCH /me) and the
   * checkbox off. */
  saved = browser_post (browser, "/account/profile", "first_name", "  Augusta ", "last_name", "King", NULL);
  g_assert_cmpuint (saved->status, ==, 200);
  g_assert_cmpstr (saved->path, ==, "/account/profile?notice=saved");
  assert_has (saved, "Your profile is saved.");
  assert_has (saved, "value=\"Augusta\"");
  assert_has (saved, "value=\"King\"");
  assert_lacks (saved, " checked>");
  me = get_me (ada->token);
  g_assert_cmpstr (json_object_get_string_member (me, "first_name"), ==, "Augusta");
  g_assert_cmpstr (json_object_get_string_member (me, "last_name"), ==, "King");
  g_assert_false (json_object_get_boolean_member (me, "offline_email_notification"));
  frame = kithd_test_socket_wait_frame (bob_socket, "profile", NULL, 0, KITHD_TEST_WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (frame, "user"), "first_name"),
                   ==, "Augusta");

  /* Refused: an empty first name, a control character; nothing changes. */
  empty = browser_post (browser, "/account/profile", "first_name", " ", "last_name", "X",
                        "offline_email_notification", "on", NULL);
  g_assert_cmpuint (empty->status, ==, 400);
  assert_has (empty, "The first name cannot be empty");
  control = browser_post (browser, "/account/profile", "first_name", "A\x01" "b", "last_name", "X", NULL);
  g_assert_cmpuint (control->status, ==, 400);
  assert_has (control, "id=\"error\"");
  g_clear_pointer (&me, json_object_unref);
  me = get_me (ada->token);
  g_assert_cmpstr (json_object_get_string_member (me, "last_name"), ==, "King");
  g_assert_false (json_object_get_boolean_member (me, "offline_email_notification"));

  /* The checkbox on again. */
  notify_on = browser_post (browser, "/account/profile", "first_name", "Augusta", "last_name", "King",
                            "offline_email_notification", "on", NULL);
  g_assert_cmpuint (notify_on->status, ==, 200);
  assert_has (notify_on, " checked>");
  g_clear_pointer (&me, json_object_unref);
  me = get_me (ada->token);
  g_assert_true (json_object_get_boolean_member (me, "offline_email_notification"));
}

static void
test_password_change (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Browser) other = browser_new ();
  g_autoptr (Page) wrong = NULL;
  g_autoptr (Page) weak = NULL;
  g_autoptr (Page) mismatch = NULL;
  g_autoptr (Page) changed = NULL;
  g_autoptr (Page) elsewhere = NULL;
  g_autofree char *old_session = NULL;
  g_autofree char *new_session = NULL;
  g_autofree char *token = NULL;

  browser_log_in (browser, ada->email, KITHD_TEST_PASSWORD);
  browser_log_in (other, ada->email, KITHD_TEST_PASSWORD);

  wrong = browser_post (browser, "/account/password", "current_password", "Nope#1234",
                        "new_password", "Better#456", "new_password_repeat", "Better#456", NULL);
  g_assert_cmpuint (wrong->status, ==, 401);
  assert_has (wrong, "The current password is not correct.");
  /* At the password's form, not at the top of the page. */
  g_assert_true (strstr (wrong->body, "id=\"error\"") > strstr (wrong->body, "id=\"password-form\""));

  /* The policy as a checklist, each rule met or not. */
  weak = browser_post (browser, "/account/password", "current_password", KITHD_TEST_PASSWORD,
                       "new_password", "weakpass", "new_password_repeat", "weakpass", NULL);
  g_assert_cmpuint (weak->status, ==, 400);
  assert_has (weak, "The password is too weak.");
  assert_has (weak, "<li id=\"rule-length\" class=\"met\">");
  assert_has (weak, "<li id=\"rule-lower\" class=\"met\">");
  assert_has (weak, "<li id=\"rule-upper\" class=\"missing\">");
  assert_has (weak, "<li id=\"rule-digit\" class=\"missing\">");
  assert_has (weak, "<li id=\"rule-symbol\" class=\"missing\">");
  assert_lacks (weak, "weakpass");

  mismatch = browser_post (browser, "/account/password", "current_password", KITHD_TEST_PASSWORD,
                           "new_password", "Better#456", "new_password_repeat", "Better#457", NULL);
  g_assert_cmpuint (mismatch->status, ==, 400);
  assert_has (mismatch, "The new passwords do not match.");
  g_free (kithd_test_server_call (server, "GET", "/api/v1/me", ada->token, NULL, 200, NULL));

  old_session = browser_cookie (browser, "kith_session");
  changed = browser_post (browser, "/account/password", "current_password", KITHD_TEST_PASSWORD,
                          "new_password", "Better#456", "new_password_repeat", "Better#456", NULL);
  g_assert_cmpuint (changed->status, ==, 200);
  g_assert_cmpstr (changed->path, ==, "/account/profile?notice=password-changed");
  assert_has (changed, "Your password is changed.");
  /* This browser goes on with a new session; the API's sessions and the
   * other browser's ended. */
  new_session = browser_cookie (browser, "kith_session");
  g_assert_cmpstr (new_session, !=, old_session);
  g_free (kithd_test_server_call (server, "GET", "/api/v1/me", ada->token, NULL, 401, "unauthorized"));
  elsewhere = browser_get (other, "/account/profile");
  g_assert_cmpstr (elsewhere->path, ==, "/account/login?notice=session-ended");
  assert_has (elsewhere, "Your session has ended. Please sign in again.");
  token = kithd_test_server_log_in (server, ada->email, "Better#456", NULL);
}

/* The reset of a password from the mail's link to the new password. */
static void
test_reset (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Browser) signed_in = browser_new ();
  g_autoptr (Page) form = browser_get (browser, "/account/password-reset");
  g_autoptr (Page) unknown = NULL;
  g_autoptr (Page) opened = NULL;
  g_autoptr (Page) choose = NULL;
  g_autoptr (Page) weak = NULL;
  g_autoptr (Page) mismatch = NULL;
  g_autoptr (Page) done = NULL;
  g_autoptr (Page) used = NULL;
  g_autoptr (Page) ended = NULL;
  g_autofree char *link = NULL;
  g_autofree char *reset_cookie = NULL;
  g_autofree char *token = NULL;
  g_autofree char *sent_text = NULL;

  browser_log_in (signed_in, ada->email, KITHD_TEST_PASSWORD);

  /* Without a link: the request form. */
  g_assert_cmpuint (form->status, ==, 200);
  assert_has (form, "id=\"reset-request-form\"");
  link = request_reset_link (browser, ada->email, &sent_text);
  /* The same answer for an address without an account. */
  unknown = browser_post (browser, "/account/password-reset", "email", "nobody@example.com", NULL);
  g_assert_cmpuint (unknown->status, ==, 200);
  {
    g_autoptr (GString) a = g_string_new (sent_text);
    g_autoptr (GString) b = g_string_new (unknown->body);

    g_string_replace (a, ada->email, "EMAIL", 0);
    g_string_replace (b, "nobody@example.com", "EMAIL", 0);
    g_assert_cmpstr (a->str, ==, b->str);
  }

  /* The mail's link: a page that holds the token in a cookie and moves on
   * to the same path without it. */
  g_assert_true (g_str_has_prefix (path_of (server, link), "/account/password-reset?token="));
  opened = browser_get_full (browser, path_of (server, link), FALSE);
  g_assert_cmpuint (opened->status, ==, 200);
  assert_security_headers (opened);
  assert_has (opened, "<meta http-equiv=\"refresh\" content=\"0; url=/account/password-reset\">");
  assert_has (opened, "href=\"/account/password-reset\" id=\"continue\"");
  reset_cookie = set_cookie (opened, "kith_reset");
  g_assert_nonnull (reset_cookie);
  g_assert_nonnull (strstr (reset_cookie, "; Path=/; HttpOnly; SameSite=Strict; Max-Age=1800"));

  choose = browser_get (browser, "/account/password-reset");
  g_assert_cmpstr (choose->path, ==, "/account/password-reset");
  assert_has (choose, "id=\"reset-form\"");
  assert_has (choose, "<li id=\"rule-symbol\"><span class=\"mark\" aria-hidden=\"true\">•</span> ");
  token = browser_cookie (browser, "kith_reset");
  assert_lacks (choose, token);

  weak = browser_post (browser, "/account/password-reset/new", "password", "Weakling1",
                       "password_repeat", "Weakling1", NULL);
  g_assert_cmpuint (weak->status, ==, 400);
  assert_has (weak, "<li id=\"rule-symbol\" class=\"missing\">");
  assert_has (weak, "<li id=\"rule-digit\" class=\"met\">");
  mismatch = browser_post (browser, "/account/password-reset/new", "password", "Reset#7890",
                           "password_repeat", "Reset#7891", NULL);
  g_assert_cmpuint (mismatch->status, ==, 400);
  assert_has (mismatch, "The new passwords do not match.");
  /* The API's session still works: nothing was spent. */
  g_free (kithd_test_server_call (server, "GET", "/api/v1/me", ada->token, NULL, 200, NULL));

  done = browser_post (browser, "/account/password-reset/new", "password", "Reset#7890",
                       "password_repeat", "Reset#7890", NULL);
  g_assert_cmpuint (done->status, ==, 200);
  assert_has (done, "id=\"password-reset\"");
  assert_has (done, "You were logged out everywhere");
  g_assert_null (browser_cookie (browser, "kith_reset"));
  /* Every session ended, the web's too; the new password works. */
  g_free (kithd_test_server_call (server, "GET", "/api/v1/me", ada->token, NULL, 401, "unauthorized"));
  ended = browser_get (signed_in, "/account/profile");
  g_assert_cmpstr (ended->path, ==, "/account/login?notice=session-ended");
  g_free (kithd_test_server_log_in (server, ada->email, "Reset#7890", NULL));

  /* The link again: used. */
  used = browser_get (browser, path_of (server, link));
  g_assert_cmpuint (used->status, ==, 400);
  assert_has (used, "id=\"link-expired\"");
  assert_has (used, "This password reset link is no longer valid. Please ask for a new one.");
  g_assert_null (browser_cookie (browser, "kith_reset"));
}

static void
test_reset_expired (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Browser) slow = browser_new ();
  g_autoptr (Page) expired = NULL;
  g_autoptr (Page) opened = NULL;
  g_autoptr (Page) late = NULL;
  g_autoptr (Page) nonsense = NULL;
  g_autofree char *link = request_reset_link (browser, ada->email, NULL);

  /* One browser opens the link in time, then both wait past 24 hours. */
  page_free (browser_get (slow, path_of (server, link)));
  opened = browser_get (slow, "/account/password-reset");
  assert_has (opened, "id=\"reset-form\"");
  kithd_test_server_set_clock_offset (server, 25 * 60 * 60);
  expired = browser_get (browser, path_of (server, link));
  late = browser_post (slow, "/account/password-reset/new", "password", "Reset#7890",
                       "password_repeat", "Reset#7890", NULL);
  kithd_test_server_set_clock_offset (server, 0);

  g_assert_cmpuint (expired->status, ==, 400);
  assert_has (expired, "<h1>This link has expired</h1>");
  assert_has (expired, "href=\"/account/password-reset\" id=\"new-link\"");
  g_assert_cmpuint (late->status, ==, 400);
  assert_has (late, "id=\"link-expired\"");
  g_free (kithd_test_server_call (server, "GET", "/api/v1/me", ada->token, NULL, 200, NULL));

  nonsense = browser_get (browser, "/account/password-reset?token=%3Cscript%3E");
  g_assert_cmpuint (nonsense->status, ==, 400);
  assert_has (nonsense, "id=\"link-expired\"");
}

static void
test_delete (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (server, "Bob");
  g_autoptr (KithdTestSocket) bob_socket = NULL;
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) confirm = NULL;
  g_autoptr (Page) wrong = NULL;
  g_autoptr (Page) deleted = NULL;
  g_autoptr (Page) after = NULL;
  g_autofree char *upper = g_ascii_strup (ada->email, -1);

  kithd_test_server_make_contacts (server, ada, bob);
  bob_socket = kithd_test_socket_connect (server, bob->token, 0);
  browser_log_in (browser, ada->email, KITHD_TEST_PASSWORD);

  confirm = browser_get (browser, "/account/delete");
  g_assert_cmpuint (confirm->status, ==, 200);
  assert_has (confirm, "Deleting your account cannot be undone. All data associated will be permanently "
                       "deleted. To confirm deletion, please type your email.");
  assert_has (confirm, "id=\"delete-my-account\">DELETE MY ACCOUNT</button>");

  wrong = browser_post (browser, "/account/delete", "confirm_email", bob->email, NULL);
  g_assert_cmpuint (wrong->status, ==, 400);
  assert_has (wrong, "The email address you typed does not match your account.");
  g_free (kithd_test_server_call (server, "GET", "/api/v1/me", ada->token, NULL, 200, NULL));

  deleted = browser_post (browser, "/account/delete", "confirm_email", upper, NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  assert_has (deleted, "Your account has been deleted. Thank you for using our service!");
  assert_has (deleted, "href=\"/account/login\" id=\"go-to-login\"");
  g_assert_null (browser_cookie (browser, "kith_session"));
  g_free (kithd_test_server_call (server, "GET", "/api/v1/me", ada->token, NULL, 401, "unauthorized"));
  g_assert_cmpint (kithd_test_server_db_count_user_rows (server, ada->id), ==, 0);
  g_assert_true (kithd_test_socket_await (bob_socket, "contact.removed", "user_id", ada->id, KITHD_TEST_WAIT_MS));
  after = browser_get (browser, "/account/profile");
  g_assert_cmpstr (after->path, ==, "/account/login");
}

static void
test_delete_paid (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) confirm = NULL;
  g_autoptr (Page) refused = NULL;
  g_autofree char *sql = g_strdup_printf ("UPDATE users SET plan = 'paid' WHERE id = %" G_GINT64_FORMAT, ada->id);

  db_exec (server, sql);
  browser_log_in (browser, ada->email, KITHD_TEST_PASSWORD);
  confirm = browser_get (browser, "/account/delete");
  assert_has (confirm, "id=\"contact-support\"");
  assert_has (confirm, "Please contact support.");
  assert_lacks (confirm, "id=\"delete-form\"");

  /* A form from before still meets the API's refusal. */
  refused = browser_post (browser, "/account/delete", "confirm_email", ada->email, NULL);
  g_assert_cmpuint (refused->status, ==, 403);
  assert_has (refused, "Please contact support.");
  g_free (kithd_test_server_call (server, "GET", "/api/v1/me", ada->token, NULL, 200, NULL));
}

/* A page of another site posting to kithd, and forms without their token:
 * refused, and nothing changes. */
static void
test_forged (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (JsonObject) me = NULL;
  g_autofree char *good = NULL;
  struct {
    const char *origin;
    const char *referer;
    const char *fetch_site;
    gboolean    with_csrf;
    guint       status;
  } cases[] = {
    { "https://evil.example", NULL, NULL, TRUE, 403 },
    { "http://127.0.0.1:1", NULL, NULL, TRUE, 403 },
    { NULL, NULL, NULL, TRUE, 403 },
    { "null", NULL, "cross-site", TRUE, 403 },
    { NULL, "https://evil.example/page", NULL, TRUE, 403 },
    { "SELF", NULL, NULL, FALSE, 403 },
    /* From kithd's own page with Referrer-Policy: no-referrer, a browser
     * sends Origin: null and says where the form came from. */
    { "null", NULL, "same-origin", TRUE, 200 },
    { NULL, "SELF/account/profile", NULL, TRUE, 200 },
  };

  browser_log_in (browser, ada->email, KITHD_TEST_PASSWORD);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *url = g_strconcat (kithd_test_server_get_url (server), "/account/profile", NULL);
    g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
    g_autofree char *body = NULL;
    g_autofree char *name = g_strdup_printf ("Changed%u", i);
    g_autoptr (GBytes) bytes = NULL;
    g_autoptr (Page) page = NULL;
    SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

    body = g_strdup_printf ("%s%s%sfirst_name=%s&last_name=Tester", cases[i].with_csrf ? "csrf=" : "",
                            cases[i].with_csrf ? browser->csrf : "", cases[i].with_csrf ? "&" : "", name);
    bytes = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", bytes);
    if (cases[i].origin) {
      g_autoptr (GString) origin = g_string_new (cases[i].origin);

      g_string_replace (origin, "SELF", kithd_test_server_get_url (server), 0);
      soup_message_headers_replace (headers, "Origin", origin->str);
    }
    if (cases[i].referer) {
      g_autoptr (GString) referer = g_string_new (cases[i].referer);

      g_string_replace (referer, "SELF", kithd_test_server_get_url (server), 0);
      soup_message_headers_replace (headers, "Referer", referer->str);
    }
    if (cases[i].fetch_site)
      soup_message_headers_replace (headers, "Sec-Fetch-Site", cases[i].fetch_site);
    page = browser_send (browser, msg, TRUE);
    g_test_message ("case %u: %u", i, page->status);
    g_assert_cmpuint (page->status, ==, cases[i].status);
    g_clear_pointer (&me, json_object_unref);
    me = get_me (ada->token);
    if (cases[i].status == 403) {
      assert_has (page, "The form was refused");
      g_assert_cmpstr (json_object_get_string_member (me, "first_name"), !=, name);
    } else {
      g_assert_cmpstr (json_object_get_string_member (me, "first_name"), ==, name);
    }
  }

  /* A token that is not this browser's. */
  {
    g_autoptr (Browser) stranger = browser_new ();
    g_autoptr (Page) theirs = browser_get (stranger, "/account/login");
    g_autoptr (Page) page = NULL;

    g_free (browser->csrf);
    browser->csrf = g_strdup (stranger->csrf);
    page = browser_post (browser, "/account/profile", "first_name", "Stranger", "last_name", "X", NULL);
    g_assert_cmpuint (page->status, ==, 403);
  }

  /* Malformed forms: 400, nothing changes. */
  {
    g_autoptr (Page) fresh = browser_get (browser, "/account/profile");
    const char *bodies[] = {
      "first_name=A&first_name=B&last_name=C",
      "first_name=A&last_name=C&admin=1",
      "first_name=%ZZ&last_name=C",
      "first_name=%FF&last_name=C",
      "first_name=A%00B&last_name=C",
      "first_name=A&&last_name=C",
      "first_name&last_name=C",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bodies); i++) {
      g_autofree char *body = g_strdup_printf ("csrf=%s&%s", browser->csrf, bodies[i]);
      g_autoptr (Page) page = browser_post_raw (browser, "/account/profile",
                                                kithd_test_server_get_url (server), body);

      g_assert_cmpuint (page->status, ==, 400);
    }
    g_clear_pointer (&me, json_object_unref);
    me = get_me (ada->token);
    g_assert_cmpstr (json_object_get_string_member (me, "first_name"), ==, "Changed7");
  }
}

static void
test_escaping (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) profile = NULL;
  g_autoptr (Page) login = NULL;
  g_autofree char *sql = NULL;

  /* Straight into the store: the API would refuse the control characters. */
  sql = g_strdup_printf ("UPDATE users SET first_name = '<script>alert(\"x\")</script>', "
                         "last_name = 'O''Brien & \"Co\" ' || char (1) || char (27) || char (10) || 'end' "
                         "WHERE id = %" G_GINT64_FORMAT, ada->id);
  db_exec (server, sql);
  browser_log_in (browser, ada->email, KITHD_TEST_PASSWORD);
  profile = browser_get (browser, "/account/profile");
  assert_lacks (profile, "<script");
  assert_lacks (profile, "\x01");
  assert_lacks (profile, "\x1b");
  assert_has (profile, "value=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\"");
  assert_has (profile, "value=\"O&#39;Brien &amp; &quot;Co&quot; \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "end\"");
  assert_has (profile, "Signed in as &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien");

  /* What a form sent comes back escaped too. */
  login = browser_post (browser, "/account/logout", NULL);
  g_clear_pointer (&login, page_free);
  login = browser_post (browser, "/account/login", "email", "\"><script>x</script>", "password", "x", NULL);
  g_assert_cmpuint (login->status, ==, 400);
  assert_lacks (login, "<script>");
  assert_has (login, "value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"");
}

static void
test_german (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) browser = browser_new ();
  g_autoptr (Page) login = NULL;
  g_autoptr (Page) wrong = NULL;
  g_autoptr (Page) profile = NULL;
  g_autoptr (Page) english = NULL;
  g_autoptr (Page) landing = NULL;

  browser->language = g_strdup ("fr-CH, fr;q=0.9, de;q=0.7, en;q=0.5");
  login = browser_get (browser, "/account/login");
  assert_has (login, "<html lang=\"de\">");
  g_assert_cmpstr (soup_message_headers_get_one (login->headers, "Content-Language"), ==, "de");
  assert_has (login, "<h1>Bei Kith anmelden</h1>");
  assert_has (login, "Kith-ID (E-Mail-Adresse)");
  wrong = browser_post (browser, "/account/login", "email", ada->email, "password", "Falsch#123", NULL);
  assert_has (wrong, "E-Mail-Adresse oder Passwort ist falsch.");
  profile = browser_post (browser, "/account/login", "email", ada->email, "password", KITHD_TEST_PASSWORD, NULL);
  assert_has (profile, "<h1>Kontoprofil</h1>");
  assert_has (profile, "Anforderungen an das Passwort");
  assert_has (profile, "Mindestens 8 Zeichen");

  g_free (browser->language);
  browser->language = g_strdup ("de-AT");
  landing = browser_get (browser, "/");
  assert_has (landing, "<html lang=\"de\">");

  /* A language without a catalogue, and none: English. */
  g_free (browser->language);
  browser->language = g_strdup ("fr");
  english = browser_get (browser, "/account/profile");
  assert_has (english, "<html lang=\"en\">");
  assert_has (english, "<h1>Account Profile</h1>");
}

/* 12 hours unused, or 7 days in all, and a web session ends. */
static void
test_session_expiry (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_new_user (server, "Ada");
  g_autoptr (Browser) idle = browser_new ();
  g_autoptr (Browser) busy = browser_new ();
  g_autoptr (Page) idle_page = NULL;
  g_autoptr (Page) late = NULL;
  gint64 offset = 0;

  browser_log_in (idle, ada->email, KITHD_TEST_PASSWORD);
  browser_log_in (busy, ada->email, KITHD_TEST_PASSWORD);

  /* Used every 11 hours: alive for 7 days, not longer. */
  for (guint i = 0; i < 15; i++) {
    g_autoptr (Page) page = NULL;

    offset += 11 * 60 * 60;
    kithd_test_server_set_clock_offset (server, offset);
    page = browser_get (busy, "/account/profile");
    g_assert_cmpstr (page->path, ==, "/account/profile");
    if (i == 1) {
      idle_page = browser_get (idle, "/account/profile");
      g_assert_cmpstr (idle_page->path, ==, "/account/login?notice=session-ended");
    }
  }
  offset += 11 * 60 * 60;
  kithd_test_server_set_clock_offset (server, offset);
  late = browser_get (busy, "/account/profile");
  kithd_test_server_set_clock_offset (server, 0);
  g_assert_cmpstr (late->path, ==, "/account/login?notice=session-ended");
}

/* Log-ins and reset requests of the web pages count with the API's. */
static void
test_throttled (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kithd-web-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  KithdTestServer *strict;
  g_autoptr (KithdTestUser) ada = NULL;
  g_autoptr (Browser) browser = NULL;
  g_autoptr (Page) login_page = NULL;
  g_autofree char *login = NULL;
  g_autofree char *request = NULL;
  guint status;

  g_assert_true (g_file_set_contents (conf,
                                      "[limits]\nsign-ups-per-address=0\nlogin-failures-per-account-address=3\n"
                                      "resets-per-email=2\nresets-per-address=0\n", -1, NULL));
  strict = kithd_test_server_start ("--config", conf, NULL);
  ada = kithd_test_server_new_user (strict, "Ada");
  browser = browser_new_for (strict);

  login_page = browser_get (browser, "/account/login");
  for (guint i = 0; i < 2; i++) {
    g_autoptr (Page) wrong = browser_post (browser, "/account/login", "email", ada->email,
                                           "password", "Wrong#123", NULL);

    g_assert_cmpuint (wrong->status, ==, 401);
  }
  /* The API's third failure fills the window... */
  login = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"Wrong#123\"}", ada->email);
  status = kithd_test_server_request (strict, "POST", "/api/v1/sessions", NULL, login, NULL, NULL);
  g_assert_cmpuint (status, ==, 401);
  /* ...for the web page too, the right password included. */
  {
    g_autoptr (Page) limited = browser_post (browser, "/account/login", "email", ada->email,
                                             "password", KITHD_TEST_PASSWORD, NULL);

    g_assert_cmpuint (limited->status, ==, 429);
    g_assert_nonnull (soup_message_headers_get_one (limited->headers, "Retry-After"));
    assert_has (limited, "Too many attempts, try again later.");
    g_assert_null (browser_cookie (browser, "kith_session"));
  }

  /* Reset requests: two by the web, then the API is refused, and so is
   * the web. */
  {
    g_autoptr (Page) form = browser_get (browser, "/account/password-reset");

    for (guint i = 0; i < 2; i++) {
      g_autoptr (Page) sent = browser_post (browser, "/account/password-reset", "email", ada->email, NULL);

      g_assert_cmpuint (sent->status, ==, 200);
    }
  }
  request = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  status = kithd_test_server_request (strict, "POST", "/api/v1/password-reset", NULL, request, NULL, NULL);
  g_assert_cmpuint (status, ==, 429);
  {
    g_autoptr (Page) limited = browser_post (browser, "/account/password-reset", "email", ada->email, NULL);

    g_assert_cmpuint (limited->status, ==, 429);
    assert_has (limited, "id=\"reset-request-form\"");
  }

  g_clear_pointer (&browser, browser_free);
  kithd_test_server_free (strict);
  kithd_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  const char *build_root = g_getenv ("KITH_BUILD_ROOT");

  g_test_init (&argc, &argv, NULL);
  /* kithd finds this build's catalogues (po/) as i18n-de does. */
  if (build_root) {
    g_autofree char *locale_dir = g_build_filename (build_root, "po", NULL);

    g_setenv ("KITH_LOCALE_DIR", locale_dir, TRUE);
  }

  g_test_add_func ("/web/landing", test_landing);
  g_test_add_func ("/web/mail-links", test_mail_links);
  g_test_add_func ("/web/not-found", test_not_found);
  g_test_add_func ("/web/cookies", test_cookies);
  g_test_add_func ("/web/secure-cookies", test_secure_cookies);
  g_test_add_func ("/web/log-in-out", test_log_in_out);
  g_test_add_func ("/web/profile", test_profile);
  g_test_add_func ("/web/password-change", test_password_change);
  g_test_add_func ("/web/reset", test_reset);
  g_test_add_func ("/web/reset-expired", test_reset_expired);
  g_test_add_func ("/web/delete", test_delete);
  g_test_add_func ("/web/delete-paid", test_delete_paid);
  g_test_add_func ("/web/forged", test_forged);
  g_test_add_func ("/web/escaping", test_escaping);
  g_test_add_func ("/web/german", test_german);
  g_test_add_func ("/web/session-expiry", test_session_expiry);
  g_test_add_func ("/web/throttled", test_throttled);

  return kithd_test_run_with_server (&server);
}
