/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdTestSmtp"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "kithd-test-helper.h"

/*
 * kithd's mail through a real SMTP server on loopback: Debian's aiosmtpd
 * (tests/server/smtp-server.py, run with /usr/bin/python3), which demands
 * STARTTLS (or speaks TLS from the start) and a login, with a certificate
 * of the test's own authority. What a person would check: the mail
 * arrives, to the right address, with the link; when it cannot go, it
 * stays queued, says why in kithd's log (nothing secret), is never sent
 * in clear, and goes once the cause is gone.
 */

#define WAIT_MS        30000
#define FROM_BARE      "noreply@kith.test"
#define SMTP_USER      "kithd@kith.test"
#define SMTP_PASSWORD  "Smtp#Pass-4711"
#define NEW_PASSWORD   "Reset#7890"
#define PYTHON         "/usr/bin/python3"

static KithdTestTls *tls;      /* the authority kithd trusts */
static KithdTestTls *rogue;    /* one it does not */

/* ---- the SMTP server ---- */

typedef struct {
  char         *dir;
  char         *mail_dir;
  char         *events;
  char         *port_file;
  char         *password_file;   /* what the server accepts, read at each login */
  const char   *mode;            /* starttls, smtps, plain */
  KithdTestTls *cert;
  guint16       port;            /* 0 before the first start */
  GSubprocess  *process;
} SmtpServer;

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
write_secret (const char *path,
              const char *text)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
}

/* The server goes when the test does, however it ends. */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts it (again: on the port it had). */
static void
smtp_server_start (SmtpServer *self)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *log = g_build_filename (self->dir, "server.log", NULL);

  g_assert_null (self->process);
  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s is missing: build-aux/deps.sh installs python3 and python3-aiosmtpd", PYTHON);
  g_unlink (self->port_file);

  g_ptr_array_add (argv, g_strdup (PYTHON));
  g_ptr_array_add (argv, g_build_filename (g_getenv ("KITH_SOURCE_ROOT"), "tests", "server",
                                           "smtp-server.py", NULL));
  g_ptr_array_add (argv, g_strdup_printf ("--mode=%s", self->mode));
  g_ptr_array_add (argv, g_strdup_printf ("--port=%u", self->port));
  g_ptr_array_add (argv, g_strdup_printf ("--port-file=%s", self->port_file));
  g_ptr_array_add (argv, g_strdup_printf ("--mail-dir=%s", self->mail_dir));
  g_ptr_array_add (argv, g_strdup_printf ("--events=%s", self->events));
  g_ptr_array_add (argv, g_strdup_printf ("--user=%s", SMTP_USER));
  g_ptr_array_add (argv, g_strdup_printf ("--password-file=%s", self->password_file));
  if (self->cert) {
    g_ptr_array_add (argv, g_strdup_printf ("--cert=%s", kithd_test_tls_get_certificate_file (self->cert)));
    g_ptr_array_add (argv, g_strdup_printf ("--key=%s", kithd_test_tls_get_key_file (self->cert)));
  }
  g_ptr_array_add (argv, NULL);

  /* its own output to a file: a pipe of the test's would keep meson waiting */
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  if (!kithd_test_wait_until (file_exists, self->port_file, WAIT_MS)) {
    g_autofree char *text = NULL;

    g_file_get_contents (log, &text, NULL, NULL);
    g_error ("the SMTP server did not start (is python3-aiosmtpd installed? build-aux/deps.sh)\n%s",
             text ? text : "");
  }

  g_file_get_contents (self->port_file, &contents, NULL, &error);
  g_assert_no_error (error);
  self->port = g_ascii_strtoull (contents, NULL, 10);
  g_assert_cmpuint (self->port, >, 0);
}

static void
smtp_server_stop (SmtpServer *self)
{
  g_autoptr (GError) error = NULL;

  if (!self->process)
    return;
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&self->process);
}

/* @cert: the server's certificate (NULL in plain mode). */
static SmtpServer *
smtp_server_new (const char   *mode,
                 KithdTestTls *cert)
{
  SmtpServer *self = g_new0 (SmtpServer, 1);
  g_autoptr (GError) error = NULL;

  self->dir = g_dir_make_tmp ("kithd-smtp-XXXXXX", &error);
  g_assert_no_error (error);
  self->mail_dir = g_build_filename (self->dir, "mail", NULL);
  g_assert_cmpint (g_mkdir (self->mail_dir, 0700), ==, 0);
  self->events = g_build_filename (self->dir, "events", NULL);
  self->port_file = g_build_filename (self->dir, "port", NULL);
  self->password_file = g_build_filename (self->dir, "accepted-password", NULL);
  write_secret (self->password_file, SMTP_PASSWORD);
  self->mode = mode;
  self->cert = cert;

  smtp_server_start (self);
  return self;
}

static void
smtp_server_free (SmtpServer *self)
{
  smtp_server_stop (self);
  kithd_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->mail_dir);
  g_free (self->events);
  g_free (self->port_file);
  g_free (self->password_file);
  g_free (self);
}

static char *
smtp_server_url (SmtpServer *self)
{
  return g_strdup_printf ("%s://127.0.0.1:%u", strcmp (self->mode, "smtps") == 0 ? "smtps" : "smtp",
                          self->port);
}

static guint
smtp_server_count_mails (SmtpServer *self)
{
  g_autoptr (GDir) dir = g_dir_open (self->mail_dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir && (name = g_dir_read_name (dir)))
    n += g_str_has_suffix (name, ".json");
  return n;
}

/* The @n-th mail it took (from 1). */
static JsonObject *
smtp_server_mail (SmtpServer *self,
                  guint       n)
{
  g_autofree char *name = g_strdup_printf ("%04u.json", n);
  g_autofree char *path = g_build_filename (self->mail_dir, name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return kithd_test_parse_object (contents);
}

/* How often @what happened (connect, starttls, auth-ok, auth-fail, mail). */
static guint
smtp_server_count_events (SmtpServer *self,
                          const char *what)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (self->events, &contents, NULL, NULL))
    return 0;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    n += strcmp (lines[i], what) == 0;
  return n;
}

typedef struct {
  SmtpServer *server;
  guint       n;
} MailWait;

static gboolean
has_mails (gpointer data)
{
  MailWait *w = data;

  return smtp_server_count_mails (w->server) >= w->n;
}

static void
wait_mails (SmtpServer *server,
            guint       n)
{
  MailWait w = { server, n };

  if (!kithd_test_wait_until (has_mails, &w, WAIT_MS))
    g_error ("%u mails arrived, %u expected", smtp_server_count_mails (server), n);
}

/* ---- kithd ---- */

typedef struct {
  KithdTestServer *kithd;
  const char      *needle;
  guint            count;
} LogWait;

static guint
log_count (KithdTestServer *kithd,
           const char      *needle)
{
  g_autofree char *log = kithd_test_server_get_log (kithd);
  guint n = 0;

  for (const char *p = strstr (log, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

static gboolean
log_has (gpointer data)
{
  LogWait *w = data;

  return log_count (w->kithd, w->needle) >= w->count;
}

/* Waits for kithd to log @needle @count times in all; returns the log. */
static char *
wait_log (KithdTestServer *kithd,
          const char      *needle,
          guint            count)
{
  LogWait w = { kithd, needle, count };

  if (!kithd_test_wait_until (log_has, &w, WAIT_MS)) {
    g_autofree char *log = kithd_test_server_get_log (kithd);

    g_error ("kithd did not log “%s” %u times:\n%s", needle, count, log);
  }
  return kithd_test_server_get_log (kithd);
}

/* kithd.conf's [mail] for @url with @extra lines; kithd logs in with
 * the password in @password_file (made here, 0600, with SMTP_PASSWORD). */
static char *
write_kithd_conf (const char *dir,
                  const char *url,
                  const char *extra)
{
  g_autofree char *password_file = g_build_filename (dir, "smtp-password", NULL);
  g_autofree char *text = NULL;
  char *path = g_build_filename (dir, "kithd.conf", NULL);
  g_autoptr (GError) error = NULL;

  write_secret (password_file, SMTP_PASSWORD);
  text = g_strdup_printf ("[mail]\n"
                          "from=Kith <" FROM_BARE ">\n"
                          "smtp-url=%s\n"
                          "smtp-username=" SMTP_USER "\n"
                          "smtp-password-file=%s\n"
                          "smtp-ca-file=%s\n"
                          "retry-interval=1\n"
                          "%s"
                          "[limits]\nsign-ups-per-address=0\nresets-per-email=0\nresets-per-address=0\n",
                          url, password_file, kithd_test_tls_get_ca_file (tls), extra ? extra : "");
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

typedef struct {
  char            *dir;
  char            *conf;
  KithdTestServer *kithd;
} Kithd;

static Kithd *
kithd_start (const char *url,
             const char *extra)
{
  Kithd *self = g_new0 (Kithd, 1);
  g_autoptr (GError) error = NULL;
  const char *args[3] = { "--config", NULL, NULL };

  self->dir = g_dir_make_tmp ("kithd-smtp-conf-XXXXXX", &error);
  g_assert_no_error (error);
  self->conf = write_kithd_conf (self->dir, url, extra);
  args[1] = self->conf;
  self->kithd = kithd_test_server_startv (args);
  return self;
}

static void
kithd_free (Kithd *self)
{
  kithd_test_server_free (self->kithd);
  kithd_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->conf);
  g_free (self);
}

static gint64
queued (Kithd *self)
{
  return kithd_test_server_db_count (self->kithd, "mail_queue", NULL);
}

static gboolean
queue_empty (gpointer data)
{
  return queued (data) == 0;
}

/* The server has the mail before kithd hears its 250: wait for that. */
static void
wait_queue_empty (Kithd *self)
{
  if (!kithd_test_wait_until (queue_empty, self, WAIT_MS))
    g_error ("%" G_GINT64_FORMAT " mails still queued", queued (self));
}

static void
ask_reset (Kithd               *self,
           const KithdTestUser *user)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\"}", user->email);

  g_free (kithd_test_server_call (self->kithd, "POST", "/api/v1/password-reset", NULL, body, 202, NULL));
}

/* What kithd logged never holds the SMTP password (nor its base64 in an
 * AUTH line), a reset link, nor a message. */
static void
assert_log_clean (Kithd *self)
{
  g_autofree char *log = kithd_test_server_get_log (self->kithd);
  g_autofree char *plain = g_strdup_printf ("%c%s%c%s", 0, SMTP_USER, 0, SMTP_PASSWORD);
  g_autofree char *plain64 = g_base64_encode ((const guchar *) plain, strlen (SMTP_USER) + strlen (SMTP_PASSWORD) + 2);
  g_autofree char *pass64 = g_base64_encode ((const guchar *) SMTP_PASSWORD, strlen (SMTP_PASSWORD));

  g_test_message ("kithd's log:\n%s", log);
  g_assert_null (strstr (log, SMTP_PASSWORD));
  g_assert_null (strstr (log, plain64));
  g_assert_null (strstr (log, pass64));
  g_assert_null (strstr (log, "token="));
  g_assert_null (strstr (log, "secret body"));
}

/* The reset link of a mail's text, checked against kithd's URL. */
static char *
reset_token (Kithd      *self,
             const char *data)
{
  g_autofree char *prefix = g_strdup_printf ("%s/account/password-reset?token=",
                                             kithd_test_server_get_url (self->kithd));
  const char *start = strstr (data, prefix);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (prefix);
  for (end = start; g_ascii_isalnum (*end) || *end == '-' || *end == '_'; end++)
    ;
  g_assert_cmpuint (end - start, >=, 43);
  return g_strndup (start, end - start);
}

/* A mail as aiosmtpd took it: envelope, login, TLS, and its headers. */
static void
assert_mail (JsonObject *mail,
             const char *to,
             const char *subject)
{
  const char *data = json_object_get_string_member (mail, "data");
  JsonArray *rcpt = json_object_get_array_member (mail, "rcpt_tos");
  g_autofree char *to_header = g_strdup_printf ("\r\nTo: %s\r\n", to);
  g_autofree char *subject_header = g_strdup_printf ("\r\nSubject: %s\r\n", subject);

  g_assert_cmpstr (json_object_get_string_member (mail, "mail_from"), ==, FROM_BARE);
  g_assert_cmpuint (json_array_get_length (rcpt), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (rcpt, 0), ==, to);
  g_assert_true (json_object_get_boolean_member (mail, "tls"));
  g_assert_cmpstr (json_object_get_string_member (mail, "login"), ==, SMTP_USER);
  g_assert_nonnull (strstr (data, to_header));
  g_assert_nonnull (strstr (data, subject_header));
}

#define RESET_SUBJECT "Reset your Kith password (link valid for 24 hours)"

/* @user's reset mail arrives as the server's @n-th, and leaves the queue. */
static JsonObject *
assert_reset_arrives (SmtpServer          *smtp,
                      Kithd               *k,
                      const KithdTestUser *user,
                      guint                n)
{
  JsonObject *mail;

  wait_mails (smtp, n);
  mail = smtp_server_mail (smtp, n);
  assert_mail (mail, user->email, RESET_SUBJECT);
  wait_queue_empty (k);
  return mail;
}

/* The mail stays queued, and the server saw no login and no mail. */
static void
assert_kept_unsent (SmtpServer *smtp,
                    Kithd      *k)
{
  g_assert_cmpuint (smtp_server_count_events (smtp, "connect"), >=, 2);
  g_assert_cmpuint (smtp_server_count_events (smtp, "auth-ok") + smtp_server_count_events (smtp, "auth-fail"), ==, 0);
  g_assert_cmpuint (smtp_server_count_mails (smtp), ==, 0);
  g_assert_cmpint (queued (k), ==, 1);
}

/* ---- the cases ---- */

/* An SMTP server, a kithd that mails through it, and Ada. */
typedef struct {
  SmtpServer    *smtp;
  Kithd         *k;
  KithdTestUser *ada;
} Case;

static Case *
case_new (const char   *mode,
          KithdTestTls *cert,
          const char   *extra)
{
  Case *c = g_new0 (Case, 1);
  g_autofree char *url = NULL;

  c->smtp = smtp_server_new (mode, cert);
  url = smtp_server_url (c->smtp);
  c->k = kithd_start (url, extra);
  c->ada = kithd_test_server_new_user (c->k->kithd, "Ada");
  return c;
}

static void
case_free (Case *c)
{
  kithd_test_user_free (c->ada);
  kithd_free (c->k);
  smtp_server_free (c->smtp);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Case, case_free)

/* The usual provider: STARTTLS, then AUTH. A reset mail arrives and its
 * link works; so does an offline notice. */
static void
test_starttls (void)
{
  g_autoptr (Case) c = case_new ("starttls", tls, "smtp-starttls=required\n");
  g_autoptr (KithdTestUser) bob = kithd_test_server_new_user (c->k->kithd, "Bob");
  g_autoptr (KithdTestSocket) socket = NULL;
  g_autoptr (JsonObject) reset = NULL;
  g_autoptr (JsonObject) notice = NULL;
  g_autofree char *token = NULL;
  g_autofree char *confirm = NULL;
  g_autofree char *ada_token = NULL;

  kithd_test_server_make_contacts (c->k->kithd, c->ada, bob);
  ask_reset (c->k, c->ada);
  reset = assert_reset_arrives (c->smtp, c->k, c->ada, 1);
  g_assert_cmpuint (smtp_server_count_events (c->smtp, "starttls"), >=, 1);
  g_assert_cmpuint (smtp_server_count_events (c->smtp, "auth-fail"), ==, 0);

  /* the link in the mail sets a new password */
  token = reset_token (c->k, json_object_get_string_member (reset, "data"));
  confirm = g_strdup_printf ("{\"token\": \"%s\", \"password\": \"" NEW_PASSWORD "\"}", token);
  g_free (kithd_test_server_call (c->k->kithd, "POST", "/api/v1/password-reset/confirm", NULL, confirm, 204, NULL));
  ada_token = kithd_test_server_log_in (c->k->kithd, c->ada->email, NEW_PASSWORD, NULL);

  /* Bob is signed out: Ada's message makes a notice, without the message */
  socket = kithd_test_socket_connect (c->k->kithd, ada_token, 0);
  kithd_test_socket_send_message_acked (socket, "smtp-1", bob->id, "secret body");
  wait_mails (c->smtp, 2);
  notice = smtp_server_mail (c->smtp, 2);
  assert_mail (notice, bob->email, "New message on Kith from Ada Tester");
  g_assert_null (strstr (json_object_get_string_member (notice, "data"), "secret body"));

  wait_queue_empty (c->k);
  assert_log_clean (c->k);

  g_clear_pointer (&socket, kithd_test_socket_free);
}

/* smtps://: TLS from the first byte (port 465 at a provider). */
static void
test_smtps (void)
{
  g_autoptr (Case) c = case_new ("smtps", tls, NULL);
  g_autoptr (JsonObject) mail = NULL;
  g_autofree char *token = NULL;

  ask_reset (c->k, c->ada);
  mail = assert_reset_arrives (c->smtp, c->k, c->ada, 1);
  token = reset_token (c->k, json_object_get_string_member (mail, "data"));
  assert_log_clean (c->k);
}

/* A wrong password: the server refuses the login, the mail waits in the
 * queue; the operator fixes the password file and restarts kithd, and
 * the mail goes. */
static void
test_wrong_password (void)
{
  g_autoptr (Case) c = case_new ("starttls", tls, "smtp-starttls=required\n");
  g_autofree char *password_file = g_build_filename (c->k->dir, "smtp-password", NULL);
  g_autoptr (JsonObject) mail = NULL;
  g_autofree char *log = NULL;

  write_secret (c->smtp->password_file, "Another#Pass-0815");
  ask_reset (c->k, c->ada);
  log = wait_log (c->k->kithd, "the server refused the user name or password", 1);
  g_assert_nonnull (strstr (log, "trying again in 1 s"));
  g_assert_null (strstr (log, "Another#Pass-0815"));
  g_assert_cmpuint (smtp_server_count_events (c->smtp, "auth-fail"), >=, 1);
  g_assert_cmpuint (smtp_server_count_mails (c->smtp), ==, 0);
  g_assert_cmpint (queued (c->k), ==, 1);
  assert_log_clean (c->k);

  /* fixed, and kithd restarted: the mail was kept, and goes */
  write_secret (password_file, "Another#Pass-0815");
  kithd_test_server_restart (c->k->kithd);
  mail = assert_reset_arrives (c->smtp, c->k, c->ada, 1);
}

/* A certificate kithd does not trust (a man in the middle, say): no
 * login, no mail, the wait doubles; once the server has a good
 * certificate, the next retry delivers. */
static void
test_untrusted_certificate (void)
{
  g_autoptr (Case) c = case_new ("starttls", rogue, "smtp-starttls=required\n");
  g_autoptr (JsonObject) mail = NULL;
  g_autofree char *log = NULL;

  ask_reset (c->k, c->ada);
  log = wait_log (c->k->kithd, "the server's certificate is not trusted", 2);
  g_assert_nonnull (strstr (log, "trying again in 1 s"));
  g_assert_nonnull (strstr (log, "trying again in 2 s"));
  assert_kept_unsent (c->smtp, c->k);

  smtp_server_stop (c->smtp);
  c->smtp->cert = tls;
  smtp_server_start (c->smtp);
  mail = assert_reset_arrives (c->smtp, c->k, c->ada, 1);
  assert_log_clean (c->k);
}

/* A server that offers no STARTTLS (one that would take the login and the
 * mail in clear, or a man in the middle that strips it): nothing is sent. */
static void
test_no_starttls (void)
{
  g_autoptr (Case) c = case_new ("plain", NULL, "smtp-starttls=required\n");

  ask_reset (c->k, c->ada);
  g_free (wait_log (c->k->kithd, "the server offers no STARTTLS", 2));
  assert_kept_unsent (c->smtp, c->k);
  assert_log_clean (c->k);
}

/* A server that takes the connection and never says a word: kithd gives
 * up after smtp-timeout, and meanwhile its REST API answers as usual. */
static void
test_silent_server (void)
{
  g_autoptr (GSocket) listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                               G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr (KithdTestUser) ada = NULL;
  Kithd *k;
  char byte;

  g_assert_nonnull (listener);
  g_socket_bind (listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("smtp://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  k = kithd_start (url, "smtp-starttls=required\nsmtp-timeout=8\n");
  ada = kithd_test_server_new_user (k->kithd, "Ada");
  ask_reset (k, ada);

  /* kithd's mailer connects and waits for a greeting that never comes */
  g_socket_set_timeout (listener, WAIT_MS / 1000);
  connection = g_socket_accept (listener, NULL, &error);
  g_assert_no_error (error);

  /* meanwhile kithd answers: sign-ups, log-ins, reads */
  for (guint i = 0; i < 3; i++) {
    g_autoptr (KithdTestUser) user = kithd_test_server_new_user (k->kithd, "Busy");

    g_free (kithd_test_server_call (k->kithd, "GET", "/api/v1/me", user->token, NULL, 200, NULL));
  }
  /* ... while the mailer still waits: the connection is open, no timeout logged */
  g_assert_cmpint (g_socket_receive_with_blocking (connection, &byte, 1, FALSE, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_cmpuint (log_count (k->kithd, "no answer in time"), ==, 0);

  g_free (wait_log (k->kithd, "no answer in time (smtp-timeout=8)", 1));
  g_assert_cmpint (queued (k), ==, 1);
  assert_log_clean (k);

  kithd_free (k);
}

/* ---- refusing to start ---- */

/* kithd with @conf must exit @status at once (within 20 s: timeout(1)
 * ends it otherwise, status 124), saying @expected on one line, and
 * nothing of the password. */
static void
assert_refuses (const char *conf,
                int         status,
                const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) exit_error = NULL;
  g_autofree char *data = g_build_filename (g_get_tmp_dir (), "kithd-smtp-refused-XXXXXX", NULL);
  const char *argv[] = { "timeout", "20", g_getenv ("KITHD"), "--config", conf, "--data-dir", data,
                         "--listen", "127.0.0.1:0", NULL };
  g_autofree char *err = NULL;
  int wait_status = 0;

  g_assert_nonnull (g_mkdtemp (data));
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &wait_status, &error);
  g_assert_no_error (error);
  g_test_message ("%s", err);
  g_assert_false (g_spawn_check_wait_status (wait_status, &exit_error));
  g_assert_error (exit_error, G_SPAWN_EXIT_ERROR, status);
  g_assert_true (g_str_has_prefix (err, "kithd: "));
  g_assert_nonnull (strstr (err, expected));
  g_assert_null (strstr (err, SMTP_PASSWORD));
  kithd_test_remove_tree (data);
}

static void
test_refuses_to_start (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kithd-smtp-conf-XXXXXX", &error);
  g_autofree char *conf = write_kithd_conf (dir, "smtp://127.0.0.1:1", NULL);
  g_autofree char *password_file = g_build_filename (dir, "smtp-password", NULL);
  g_autofree char *not_pem = g_build_filename (dir, "not.pem", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *text = NULL;

  /* the password file readable by others, missing, or not one line */
  g_assert_cmpint (g_chmod (password_file, 0644), ==, 0);
  expected = g_strdup_printf ("The SMTP password file %s can be read by other users (mode 0644): "
                              "make it readable by kithd's user only (chmod 600 %s)",
                              password_file, password_file);
  assert_refuses (conf, 1, expected);
  g_assert_cmpint (g_unlink (password_file), ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("Cannot read the SMTP password file %s: No such file or directory", password_file);
  assert_refuses (conf, 1, expected);
  write_secret (password_file, SMTP_PASSWORD "\nsecond line\n");
  assert_refuses (conf, 1, "must hold the password on one line");
  write_secret (password_file, "");
  assert_refuses (conf, 1, "must hold the password on one line");

  /* authorities that are not PEM */
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&conf, g_free);
  g_file_set_contents (not_pem, "not a certificate\n", -1, &error);
  g_assert_no_error (error);
  text = g_strdup_printf ("[mail]\nsmtp-url=smtp://127.0.0.1:1\nsmtp-ca-file=%s\n", not_pem);
  conf = g_build_filename (dir, "kithd.conf", NULL);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("The SMTP CA file %s holds no PEM certificate", not_pem);
  assert_refuses (conf, 1, expected);

  /* the password in a kithd.conf others can read */
  g_clear_pointer (&text, g_free);
  text = g_strdup ("[mail]\nsmtp-url=smtps://127.0.0.1:1\nsmtp-username=" SMTP_USER "\n"
                   "smtp-password=" SMTP_PASSWORD "\n");
  g_file_set_contents_full (conf, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (conf, 0644), ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("[mail] smtp-password is in %s, which other users can read (mode 0644)", conf);
  assert_refuses (conf, 1, expected);

  /* a setting the file gets wrong: as every bad setting, status 2 */
  g_file_set_contents (conf, "[mail]\nsmtp-url=smtp://127.0.0.1:1\nsmtp-starttls=maybe\n", -1, &error);
  g_assert_no_error (error);
  assert_refuses (conf, 2, "[mail] smtp-starttls must be “required” or “no”, not “maybe”");

  kithd_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  tls = kithd_test_tls_new (NULL);
  rogue = kithd_test_tls_new (NULL);

  g_test_add_func ("/smtp/starttls", test_starttls);
  g_test_add_func ("/smtp/smtps", test_smtps);
  g_test_add_func ("/smtp/wrong-password", test_wrong_password);
  g_test_add_func ("/smtp/untrusted-certificate", test_untrusted_certificate);
  g_test_add_func ("/smtp/no-starttls", test_no_starttls);
  g_test_add_func ("/smtp/silent-server", test_silent_server);
  g_test_add_func ("/smtp/refuses-to-start", test_refuses_to_start);

  ret = g_test_run ();

  kithd_test_tls_free (tls);
  kithd_test_tls_free (rogue);
  return ret;
}
