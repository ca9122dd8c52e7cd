/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The one test helper that runs a real kithd: the binary named by $KITHD,
 * on 127.0.0.1 with a port it picks (--listen 127.0.0.1:0 --port-file), in a
 * fresh temporary data directory, with test hooks on (clock offset file).
 */

typedef struct _KithdTestServer KithdTestServer;

/* The password of kithd_test_server_new_user()'s accounts. */
#define KITHD_TEST_PASSWORD "Secret#123"
/* ms: the bound of a wait for something that must come */
#define KITHD_TEST_WAIT_MS  10000

typedef struct {
  gint64  id;
  char   *email;
  char   *password;
  char   *token;
} KithdTestUser;

/* Removes @path and everything below it (symbolic links, not what they
 * point to). */
void              kithd_test_remove_tree        (const char *path);
void              kithd_test_user_free          (KithdTestUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdTestUser, kithd_test_user_free)

/* Extra kithd arguments, NULL-terminated. Aborts the test if kithd does not
 * come up within 20 s. */
KithdTestServer  *kithd_test_server_start       (const char *first_extra_arg,
                                                 ...) G_GNUC_NULL_TERMINATED;
KithdTestServer  *kithd_test_server_startv      (const char * const *extra_args);
/* Like startv, with kithd's descriptor limit (soft and hard) set to @nofile. */
KithdTestServer  *kithd_test_server_start_limited (guint               nofile,
                                                   const char * const *extra_args);
/* Like kithd_test_server_startv() without starting kithd: the test may
 * prepare the data directory (its mode, say), then start kithd with
 * kithd_test_server_restart(). */
KithdTestServer  *kithd_test_server_new         (const char * const *extra_args);
/* Like kithd_test_server_new() with the data directory made in @parent
 * (a small file system, say). */
KithdTestServer  *kithd_test_server_new_in      (const char          *parent,
                                                 const char * const *extra_args);
/* Starts (or starts again) a kithd made with kithd_test_server_new*(). */
void              kithd_test_server_spawn       (KithdTestServer *self);
/* "http://127.0.0.1:PORT" ("https://…" with TLS; the host set with
 * kithd_test_server_set_host()) */
const char       *kithd_test_server_get_url     (KithdTestServer *self);
/* "ws://127.0.0.1:PORT/api/v1/socket" ("wss://…" with TLS) */
char             *kithd_test_server_get_socket_url (KithdTestServer *self);
/* Listen on @host (an IP address) rather than 127.0.0.1: set before the
 * first start (kithd_test_server_new(), then kithd_test_server_restart()). */
void              kithd_test_server_set_host    (KithdTestServer *self,
                                                 const char      *host);
/* A new SoupSession that trusts what the helper's own clients trust (with
 * TLS: the test's authority only). */
SoupSession      *kithd_test_server_new_soup_session (KithdTestServer *self);
/* With TLS: the database of the test's authority; else NULL. */
GTlsDatabase     *kithd_test_server_get_tls_database (KithdTestServer *self);
const char       *kithd_test_server_get_data_dir (KithdTestServer *self);
guint16           kithd_test_server_get_port    (KithdTestServer *self);
GPid              kithd_test_server_get_pid     (KithdTestServer *self);
/* kithd's open descriptors (/proc/PID/fd) and resident memory (VmRSS). */
guint             kithd_test_server_count_fds   (KithdTestServer *self);
gsize             kithd_test_server_rss_kib     (KithdTestServer *self);
/* FALSE when kithd runs under AddressSanitizer, whose quarantine keeps
 * freed memory resident (hundreds of MB): bounds on RSS are then
 * meaningless, and are checked by the normal pass only. */
gboolean          kithd_test_rss_is_meaningful  (void);
/* What kithd has logged so far (stderr of the current process). */
char             *kithd_test_server_get_log     (KithdTestServer *self);
/* SIGTERM and wait; returns the exit status (-1 when killed by a signal). */
int               kithd_test_server_stop        (KithdTestServer *self);
/* Waits for kithd to exit (signalled by the test itself); its status. */
int               kithd_test_server_wait_exit   (KithdTestServer *self);
/* SIGKILL and wait. */
void              kithd_test_server_kill9       (KithdTestServer *self);
/* Starts kithd again on the same data directory (after stop/kill9, or
 * the first time after kithd_test_server_new()); the port may change. */
void              kithd_test_server_restart     (KithdTestServer *self);
/* Stops kithd if running, removes the data directory, frees @self. */
void              kithd_test_server_free        (KithdTestServer *self);
/* For main (), after g_test_init () and g_test_add*(): starts one kithd
 * (no extra arguments) into *@server, which the tests share (and may
 * replace), runs them, frees the server; g_test_run ()'s result. */
int               kithd_test_run_with_server    (KithdTestServer **server);
/* Moves kithd's clock by @seconds (read by kithd every time it takes the time). */
void              kithd_test_server_set_clock_offset (KithdTestServer *self,
                                                      gint64           seconds);

/* An IPv4 address of this machine that is not loopback (nor link-local),
 * for what clients do with a server on the network; NULL when there is none. */
char             *kithd_test_non_loopback_address (void);

/* ---- TLS: a certificate authority made by the test, trusted by it only ---- */

typedef struct _KithdTestTls KithdTestTls;

/* A new authority (self-signed, P-256, two days) and a server certificate it
 * signed for localhost, 127.0.0.1 and ::1 (and @extra_host, nullable: an IP
 * address or a name), made with openssl in a temporary folder; keys 0600. */
KithdTestTls     *kithd_test_tls_new            (const char   *extra_host);
const char       *kithd_test_tls_get_dir        (KithdTestTls *self);
const char       *kithd_test_tls_get_ca_file    (KithdTestTls *self);
const char       *kithd_test_tls_get_certificate_file (KithdTestTls *self);
const char       *kithd_test_tls_get_key_file   (KithdTestTls *self);
/* Trusts this authority only. */
GTlsDatabase     *kithd_test_tls_get_database   (KithdTestTls *self);
/* Another key (0600) and a self-signed certificate, in the folder; the paths. */
char             *kithd_test_tls_make_key       (KithdTestTls *self,
                                                 const char   *name);
char             *kithd_test_tls_make_self_signed (KithdTestTls *self,
                                                   const char   *name,
                                                   const char   *key_file);
void              kithd_test_tls_free           (KithdTestTls *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdTestTls, kithd_test_tls_free)

/* kithd with @tls's server certificate and key ([tls] in a config file of
 * its data directory): HTTPS and WSS. The helper's requests and sockets
 * trust @tls's authority only. */
KithdTestServer  *kithd_test_server_start_tls   (KithdTestTls       *tls,
                                                 const char * const *extra_args);
KithdTestServer  *kithd_test_server_start_tls_limited (KithdTestTls       *tls,
                                                       guint               nofile,
                                                       const char * const *extra_args);
/* Like kithd_test_server_new(), with TLS. */
KithdTestServer  *kithd_test_server_new_tls     (KithdTestTls       *tls,
                                                 const char * const *extra_args);

/* Synchronous REST call. @body may be NULL (no body). Returns the HTTP
 * status; @response (nullable) gets the body as a string. */
guint             kithd_test_server_request     (KithdTestServer     *self,
                                                 const char          *method,
                                                 const char          *path,
                                                 const char          *token,
                                                 const char          *body,
                                                 char               **response,
                                                 SoupMessageHeaders **response_headers);
/* A REST call that must answer @expected_status and, for an error,
 * @expected_code (NULL: any); aborts the test otherwise. Returns the body. */
char             *kithd_test_server_call        (KithdTestServer     *self,
                                                 const char          *method,
                                                 const char          *path,
                                                 const char          *token,
                                                 const char          *body,
                                                 guint                expected_status,
                                                 const char          *expected_code);
/* The JSON of a response, parsed (asserts it is an object). */
JsonObject       *kithd_test_parse_object       (const char *json);
/* The error code of an error body, or NULL. */
char             *kithd_test_error_code         (const char *json);

/* A new account: "first<N>@example.com" (N counting in the process),
 * KITHD_TEST_PASSWORD, last name "Tester"; signed up as below. */
KithdTestUser    *kithd_test_server_new_user    (KithdTestServer *self,
                                                 const char      *first);
/* Signs up (asserting 201) and returns the user with their token. */
KithdTestUser    *kithd_test_server_sign_up     (KithdTestServer *self,
                                                 const char      *email,
                                                 const char      *password,
                                                 const char      *first_name,
                                                 const char      *last_name);
/* Logs in (asserting 201) and returns the token. */
char             *kithd_test_server_log_in      (KithdTestServer *self,
                                                 const char      *email,
                                                 const char      *password,
                                                 const char      *device_kind);
/* @a asks @b and @b accepts (asserting success). */
void              kithd_test_server_make_contacts (KithdTestServer     *self,
                                                   const KithdTestUser *a,
                                                   const KithdTestUser *b);

/* SELECT COUNT(*) FROM @table [WHERE @where] on kithd.db. */
gint64            kithd_test_server_db_count    (KithdTestServer *self,
                                                 const char      *table,
                                                 const char      *where);
/* Rows anywhere in kithd.db that refer to user @id (users.id and every
 * column with a foreign key to users). */
gint64            kithd_test_server_db_count_user_rows (KithdTestServer *self,
                                                        gint64           id);
/* The mail files written so far (DATA/outbox/new), sorted by name. */
GPtrArray        *kithd_test_server_outbox_files (KithdTestServer *self);
/* Waits (bounded, running the main context) until @n mails are in the
 * outbox; returns the count. */
guint             kithd_test_server_wait_outbox (KithdTestServer *self,
                                                 guint            n,
                                                 guint            timeout_ms);

/* Runs the default main context until @cond (data) or @timeout_ms. */
gboolean          kithd_test_wait_until         (gboolean (*cond) (gpointer data),
                                                 gpointer         data,
                                                 guint            timeout_ms);

/* ---- a raw HTTP client on plain blocking sockets, for what libsoup's
 * client would not do: a chosen source address, requests in parallel,
 * requests cut short, trickled or oversized ---- */

/* A TCP connection to kithd, from @from (a loopback address such as
 * "127.0.0.2"; NULL: any). */
int               kithd_test_raw_open           (KithdTestServer *self,
                                                 const char      *from);
/* FALSE when the peer is gone (EPIPE, ECONNRESET). */
gboolean          kithd_test_raw_send           (int              fd,
                                                 const void      *data,
                                                 gsize            len);
gboolean          kithd_test_raw_send_str       (int              fd,
                                                 const char      *text);
/* An HTTP/1.1 request's text, with Host and, for a body, Content-Length. */
char             *kithd_test_raw_request        (const char      *method,
                                                 const char      *path,
                                                 const char      *token,
                                                 const char      *body);
/* One response: its status (0 when none came in time), the body and the
 * header block (each nullable). */
guint             kithd_test_raw_read_response  (int              fd,
                                                 guint            timeout_ms,
                                                 char           **body,
                                                 char           **headers);
/* TRUE when the peer closed within @timeout_ms (whatever it sent first). */
gboolean          kithd_test_raw_wait_closed    (int              fd,
                                                 guint            timeout_ms);

/* A raw WebSocket: upgraded, @token's hello sent (NULL: none), and then
 * read only by the caller (a slow reader, say). @rcvbuf: the socket's
 * receive buffer (0: the default). Returns the socket. */
int               kithd_test_raw_ws_open        (KithdTestServer *self,
                                                 const char      *token,
                                                 int              rcvbuf);
/* A client's text frame for @text (masked with a zero key, under 64 KiB). */
GByteArray       *kithd_test_ws_text_frame      (const char      *text);
/* Writes one such frame. */
gboolean          kithd_test_raw_ws_send        (int              fd,
                                                 const char      *text);

/* ---- a socket client on libsoup's client WebSocket ---- */

typedef struct _KithdTestSocket KithdTestSocket;

/* Connects and, with a @token, sends hello and waits for welcome
 * (asserting it came). @token NULL: connect only. */
KithdTestSocket  *kithd_test_socket_connect     (KithdTestServer *server,
                                                 const char      *token,
                                                 gint64           resume_after);
/* The welcome frame (NULL before it came). */
JsonObject       *kithd_test_socket_get_welcome (KithdTestSocket *self);
void              kithd_test_socket_send        (KithdTestSocket *self,
                                                 const char      *json);
void              kithd_test_socket_send_printf (KithdTestSocket *self,
                                                 const char      *format,
                                                 ...) G_GNUC_PRINTF (2, 3);
void              kithd_test_socket_send_binary (KithdTestSocket *self,
                                                 const void      *data,
                                                 gsize            len);
/* Takes the first received frame of @type (waiting up to @timeout_ms);
 * NULL if none came. With @member, only a frame whose integer @member is
 * @value matches. Other frames stay queued. */
JsonObject       *kithd_test_socket_wait_frame  (KithdTestSocket *self,
                                                 const char      *type,
                                                 const char      *member,
                                                 gint64           value,
                                                 guint            timeout_ms);
/* The same, for a frame only waited for: TRUE when it came (and is gone). */
gboolean          kithd_test_socket_await       (KithdTestSocket *self,
                                                 const char      *type,
                                                 const char      *member,
                                                 gint64           value,
                                                 guint            timeout_ms);
/* Like wait_frame for a presence frame of @user_id, returning its status
 * (a static string) or NULL. */
const char       *kithd_test_socket_wait_presence (KithdTestSocket *self,
                                                   gint64           user_id,
                                                   guint            timeout_ms);
/* The presence of @user_id comes within KITHD_TEST_WAIT_MS and is @expected. */
void              kithd_test_socket_assert_presence    (KithdTestSocket *self,
                                                        gint64           user_id,
                                                        const char      *expected);
/* After a round trip, no presence frame of @user_id is queued. */
void              kithd_test_socket_assert_no_presence (KithdTestSocket *self,
                                                        gint64           user_id);
/* message.send with @id, @to and @body (put in JSON as it is). */
void              kithd_test_socket_send_message       (KithdTestSocket *self,
                                                        const char      *id,
                                                        gint64           to,
                                                        const char      *body);
/* As above, and waits for its message.ack: its seq. */
gint64            kithd_test_socket_send_message_acked (KithdTestSocket *self,
                                                        const char      *id,
                                                        gint64           to,
                                                        const char      *body);
/* Frames queued now of @type (no waiting). */
guint             kithd_test_socket_count       (KithdTestSocket *self,
                                                 const char      *type);
/* A ping/pong round trip: every frame kithd sent before the pong is then
 * queued. */
void              kithd_test_socket_sync        (KithdTestSocket *self);
void              kithd_test_socket_clear       (KithdTestSocket *self);
/* Waits until kithd closed the socket; returns the close code (0: still open). */
guint             kithd_test_socket_wait_closed (KithdTestSocket *self,
                                                 guint            timeout_ms);
gboolean          kithd_test_socket_is_open     (KithdTestSocket *self);
/* Closes (1000) and frees. */
void              kithd_test_socket_free        (KithdTestSocket *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdTestSocket, kithd_test_socket_free)

G_END_DECLS
