/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdMailer"

#include "config.h"

#include <string.h>

#include "kith-protocol.h"
#include "kithd-db-mail.h"
#include "kithd-mailer-private.h"

/*
 * A delivery pass, all of it off the main loop:
 *
 *   1. db worker:      mail_pending (BATCH)          -> empty: pass done
 *   2. a thread of its own: write each mail to the outbox, or speak SMTP
 *   3. db worker:      mail_delivered for each one that left
 *   4. back to 1, unless something failed: then the pass ends and a
 *      timer starts the next one after retry_interval seconds.
 *
 * Only one pass runs at a time; a kick during a pass makes another pass
 * follow it. Every step holds a reference on the mailer, so it lives until
 * the pass is over.
 */

#define BATCH 32
/* Mail that could not even be queued (the database refused it, its disk
 * full, say) waits in memory for the next try; at most this much. */
#define MAX_UNQUEUED 1000

struct _KithdMailer
{
  GObject   parent_instance;

  KithdDb  *db;
  char     *outbox_dir;
  char     *smtp_url;
  char     *from_address;
  guint     retry_interval;
  GQueue    unqueued;         /* KithdMail the store refused, oldest first */

  gboolean  running;
  gboolean  again;
  gboolean  failed;           /* in the running pass */
  guint     retry_id;
  GList    *flush_current;    /* GTask: answered when the running pass ends */
  GList    *flush_next;       /* GTask: answered when the next pass ends */
};

enum {
  DELIVERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithdMailer, kithd_mailer, G_TYPE_OBJECT)

static void start_pass (KithdMailer *self);
static void requeue    (KithdMailer *self);
static void next_batch (KithdMailer *self);

/* ---- formatting ---- */

/* Text for one line of a mail, from an account (a name) or put in a
 * header: valid UTF-8 with every control character (kith_text_has_control():
 * C0 with CR, LF and tab, DEL, C1, U+2028, U+2029) turned into a space, so
 * it can neither end a header and start another (injection) nor break a
 * line of the body. kithd refuses such names, but rows stored before it did
 * may still have them. */
char *
kithd_mail_one_line (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value ? value : "", -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0';) {
    const char *next = g_utf8_next_char (p);
    char ch[8] = { 0 };

    memcpy (ch, p, next - p);
    if (kith_text_has_control (ch))
      g_string_append_c (out, ' ');
    else
      g_string_append (out, ch);
    p = next;
  }

  return g_string_free (out, FALSE);
}

static gboolean
needs_encoding (const char *value)
{
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++) {
    if (*p >= 0x80 || *p < 0x20)
      return TRUE;
  }

  return strstr (value, "=?") != NULL;
}

/* RFC 2047 "B" encoded words of at most 75 characters, split between
 * whole UTF-8 characters, folded onto continuation lines. */
static void
append_encoded_header (GString    *out,
                       const char *value)
{
  const char *p = value;
  gboolean first = TRUE;

  if (!g_utf8_validate (value, -1, NULL))
    value = p = "(invalid UTF-8)";

  if (!needs_encoding (value)) {
    g_string_append (out, value);
    return;
  }

  while (*p != '\0') {
    const char *end = p;
    g_autofree char *b64 = NULL;

    /* 45 bytes -> 60 base64 chars; + "=?UTF-8?B?" and "?=" = 72 */
    while (*end != '\0') {
      const char *next = g_utf8_next_char (end);

      if (next - p > 45)
        break;
      end = next;
    }

    b64 = g_base64_encode ((const guchar *) p, end - p);
    if (!first)
      g_string_append (out, "\r\n ");
    g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);

    first = FALSE;
    p = end;
  }
}

/* RFC 5322 date, English names whatever the locale. */
static char *
format_date (gint64 ms)
{
  static const char * const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);

  if (dt == NULL)
    dt = g_date_time_new_now_utc ();

  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d +0000",
                          days[g_date_time_get_day_of_week (dt) - 1],
                          g_date_time_get_day_of_month (dt),
                          months[g_date_time_get_month (dt) - 1],
                          g_date_time_get_year (dt),
                          g_date_time_get_hour (dt),
                          g_date_time_get_minute (dt),
                          g_date_time_get_second (dt));
}

/* "Kith <noreply@example.com>" -> "noreply@example.com" */
char *
kithd_mail_bare_address (const char *address)
{
  const char *lt = strchr (address, '<');
  const char *gt;

  if (lt != NULL && (gt = strchr (lt, '>')) != NULL)
    return g_strndup (lt + 1, gt - lt - 1);

  return g_strstrip (g_strdup (address));
}

/* An address is not text to put on one line: a recipient ("ada@example.com"
 * or "Ada <ada@example.com>") with a control character, or whose address is
 * not a plausible one (an old row with a line break, say), gets no mail. */
static gboolean
recipient_is_valid (const char *to_address)
{
  g_autofree char *bare = NULL;

  if (to_address == NULL || !g_utf8_validate (to_address, -1, NULL) ||
      kith_text_has_control (to_address))
    return FALSE;

  bare = kithd_mail_bare_address (to_address);

  return kith_email_is_valid (bare);
}

char *
kithd_mailer_format_message (const char      *from_address,
                             const KithdMail *mail)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *date = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *from_bare = NULL;
  const char *domain;
  const char *body;

  g_return_val_if_fail (from_address != NULL, NULL);
  g_return_val_if_fail (mail != NULL, NULL);

  if (!recipient_is_valid (mail->to_address))
    return NULL;

  date = format_date (mail->created_at);
  from = kithd_mail_one_line (from_address);
  to = kithd_mail_one_line (mail->to_address);
  subject = kithd_mail_one_line (mail->subject);
  from_bare = kithd_mail_bare_address (from);
  domain = strchr (from_bare, '@');
  domain = domain && domain[1] ? domain + 1 : "kithd.invalid";

  g_string_append_printf (out, "Date: %s\r\n", date);
  g_string_append_printf (out, "From: %s\r\n", from);
  g_string_append_printf (out, "To: %s\r\n", to);
  g_string_append (out, "Subject: ");
  append_encoded_header (out, subject);
  g_string_append (out, "\r\n");
  g_string_append_printf (out, "Message-ID: <kithd.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%08x@%s>\r\n",
                          mail->id, mail->created_at, g_random_int (), domain);
  g_string_append (out, "MIME-Version: 1.0\r\n");
  g_string_append (out, "Content-Type: text/plain; charset=utf-8\r\n");
  g_string_append (out, "Content-Transfer-Encoding: 8bit\r\n");
  g_string_append (out, "\r\n");

  /* body: every line end becomes CRLF, and the body ends with one */
  body = mail->body ? mail->body : "";
  for (const char *p = body; *p != '\0'; p++) {
    if (*p == '\r') {
      g_string_append (out, "\r\n");
      if (p[1] == '\n')
        p++;
    } else if (*p == '\n') {
      g_string_append (out, "\r\n");
    } else {
      g_string_append_c (out, *p);
    }
  }
  if (out->len < 2 || strcmp (out->str + out->len - 2, "\r\n") != 0)
    g_string_append (out, "\r\n");

  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  KithdMailer    *self;
  GMainContext   *context;
  Delivery       *delivery;
  DeliveryResult *result;
} DeliveryRun;

static void on_delivered (KithdMailer    *self,
                          DeliveryResult *result);

/* Back on the mailer's context; owns the run and its mailer reference. */
static gboolean
delivery_complete (gpointer data)
{
  DeliveryRun *run = data;
  g_autoptr (KithdMailer) self = run->self;

  on_delivered (self, run->result);

  kithd_mail_delivery_free (run->delivery);
  g_main_context_unref (run->context);
  g_free (run);

  return G_SOURCE_REMOVE;
}

/* A thread of its own per batch (rare, and possibly blocked for the SMTP
 * timeout), handing everything back through an idle: once the pass is
 * over, no reference to the mailer is left on another thread. */
static gpointer
deliver_thread (gpointer data)
{
  DeliveryRun *run = data;
  Delivery *delivery = run->delivery;
  GSource *source;

  run->result = kithd_mail_deliver (delivery);

  source = g_idle_source_new ();
  g_source_set_static_name (source, "[kithd-mailer] delivery done");
  g_source_set_callback (source, delivery_complete, run, NULL);
  g_source_attach (source, run->context);
  g_source_unref (source);

  return NULL;
}

/* ---- the pass (main loop side) ---- */

static void
answer_flushes (GList    **list,
                gboolean   failed)
{
  GList *tasks = g_steal_pointer (list);

  for (GList *l = tasks; l != NULL; l = l->next) {
    g_autoptr (GTask) task = l->data;

    if (failed)
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "Some mail could not be delivered yet; it will be tried again");
    else
      g_task_return_boolean (task, TRUE);
  }

  g_list_free (tasks);
}

static gboolean
on_retry (gpointer user_data)
{
  KithdMailer *self = user_data;

  self->retry_id = 0;
  requeue (self);
  start_pass (self);

  return G_SOURCE_REMOVE;
}

static void
end_pass (KithdMailer *self)
{
  gboolean failed = self->failed;

  self->running = FALSE;
  answer_flushes (&self->flush_current, failed);

  if (failed && self->retry_id == 0 && self->retry_interval > 0)
    self->retry_id = g_timeout_add_seconds (self->retry_interval, on_retry, self);

  /* someone waits for a pass after this one, or mail came in (not
   * worth an immediate new try if this pass just failed) */
  if (self->flush_next != NULL || (self->again && !failed))
    start_pass (self);
}

typedef struct {
  KithdMailer *self;
  GArray      *delivered;
} MarkData;

static void
on_marked (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  MarkData *mark = user_data;
  g_autoptr (KithdMailer) self = mark->self;
  g_autoptr (GArray) delivered = mark->delivered;
  g_autoptr (GError) error = NULL;

  g_free (mark);

  if (!kithd_db_mail_delivered_finish (KITHD_DB (object), result, &error)) {
    g_message ("Cannot update the mail queue: %s", error->message);
    self->failed = TRUE;
  }

  for (guint i = 0; i < delivered->len; i++)
    g_signal_emit (self, signals[DELIVERED], 0, g_array_index (delivered, gint64, i));

  if (self->failed)
    end_pass (self);
  else
    next_batch (self);
}

static void
on_delivered (KithdMailer    *self,
              DeliveryResult *delivery_result)
{
  MarkData *mark;

  if (delivery_result->failed)
    self->failed = TRUE;

  mark = g_new0 (MarkData, 1);
  mark->self = g_object_ref (self);
  mark->delivered = g_steal_pointer (&delivery_result->delivered);

  kithd_db_mail_delivered_async (self->db, delivery_result->done, NULL, on_marked, mark);

  kithd_mail_delivery_result_free (delivery_result);
}

static void
on_pending (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KithdMailer) self = user_data;
  g_autoptr (GPtrArray) mails = NULL;
  g_autoptr (GError) error = NULL;
  DeliveryRun *run;
  Delivery *delivery;

  mails = kithd_db_pending_mail_finish (KITHD_DB (object), result, &error);
  if (mails == NULL) {
    g_message ("Cannot read the mail queue: %s", error->message);
    self->failed = TRUE;
    end_pass (self);
    return;
  }

  if (mails->len == 0) {
    end_pass (self);
    return;
  }

  delivery = g_new0 (Delivery, 1);
  delivery->outbox_dir = g_strdup (self->outbox_dir);
  delivery->smtp_url = g_strdup (self->smtp_url);
  delivery->from_address = g_strdup (self->from_address);
  delivery->mails = g_steal_pointer (&mails);

  run = g_new0 (DeliveryRun, 1);
  run->self = g_object_ref (self);
  run->context = g_main_context_ref_thread_default ();
  run->delivery = delivery;

  g_thread_unref (g_thread_new ("kithd-mailer", deliver_thread, run));
}

static void
next_batch (KithdMailer *self)
{
  kithd_db_pending_mail_async (self->db, BATCH, NULL, on_pending, g_object_ref (self));
}

static void
start_pass (KithdMailer *self)
{
  if (self->running) {
    self->again = TRUE;
    return;
  }

  g_clear_handle_id (&self->retry_id, g_source_remove);

  self->running = TRUE;
  self->again = FALSE;
  self->failed = FALSE;
  self->flush_current = g_list_concat (self->flush_current, g_steal_pointer (&self->flush_next));

  next_batch (self);
}

/* ---- queueing ---- */

typedef struct {
  KithdMailer *self;
  KithdMail   *data;
} Enqueue;

static void
on_enqueued (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Enqueue *enqueue = user_data;
  g_autoptr (KithdMailer) self = enqueue->self;
  g_autoptr (GError) error = NULL;
  gint64 id;

  id = kithd_db_queue_mail_finish (KITHD_DB (object), result, &error);
  if (id == 0) {
    /* Not lost: kept for the next try. */
    if (self->unqueued.length < MAX_UNQUEUED) {
      g_message ("Cannot queue a mail, trying again in %u s: %s", self->retry_interval,
                 error ? error->message : "unknown error");
      g_queue_push_tail (&self->unqueued, g_steal_pointer (&enqueue->data));
      if (self->retry_id == 0 && self->retry_interval > 0)
        self->retry_id = g_timeout_add_seconds (self->retry_interval, on_retry, self);
    } else {
      g_message ("Cannot queue a mail, and %u wait already: it is dropped: %s", MAX_UNQUEUED,
                 error ? error->message : "unknown error");
    }
  } else {
    g_debug ("Mail %" G_GINT64_FORMAT " queued", id);
    start_pass (self);
  }
  g_clear_pointer (&enqueue->data, kithd_mail_free);
  g_free (enqueue);
}

static void
enqueue (KithdMailer *self,
         KithdMail   *data)
{
  Enqueue *ctx = g_new0 (Enqueue, 1);

  ctx->self = g_object_ref (self);
  ctx->data = data;
  kithd_db_queue_mail_async (self->db, data, NULL, on_enqueued, ctx);
}

/* What the store refused before goes to it again, in order. */
static void
requeue (KithdMailer *self)
{
  KithdMail *data;

  while ((data = g_queue_pop_head (&self->unqueued)))
    enqueue (self, data);
}

/* ---- GObject ---- */

static void
kithd_mailer_dispose (GObject *object)
{
  KithdMailer *self = KITHD_MAILER (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_queue_clear_full (&self->unqueued, (GDestroyNotify) kithd_mail_free);
  /* flush tasks hold a reference: none can be left here */
  g_assert (self->flush_current == NULL && self->flush_next == NULL);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (kithd_mailer_parent_class)->dispose (object);
}

static void
kithd_mailer_finalize (GObject *object)
{
  KithdMailer *self = KITHD_MAILER (object);

  g_free (self->outbox_dir);
  g_free (self->smtp_url);
  g_free (self->from_address);

  G_OBJECT_CLASS (kithd_mailer_parent_class)->finalize (object);
}

static void
kithd_mailer_class_init (KithdMailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kithd_mailer_dispose;
  object_class->finalize = kithd_mailer_finalize;

  /**
   * KithdMailer::delivered:
   * @mail_id: the queue id of the mail
   *
   * A mail was written to the outbox or accepted by the SMTP server.
   */
  signals[DELIVERED] =
    g_signal_new ("delivered",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
kithd_mailer_init (KithdMailer *self)
{
  self->retry_interval = 60;
}

KithdMailer *
kithd_mailer_new (KithdDb    *db,
                  const char *outbox_dir,
                  const char *smtp_url,
                  const char *from_address)
{
  KithdMailer *self;

  g_return_val_if_fail (KITHD_IS_DB (db), NULL);
  g_return_val_if_fail (outbox_dir != NULL || smtp_url != NULL, NULL);
  g_return_val_if_fail (from_address != NULL, NULL);

  self = g_object_new (KITHD_TYPE_MAILER, NULL);
  self->db = g_object_ref (db);
  self->outbox_dir = g_strdup (outbox_dir);
  self->smtp_url = g_strdup (smtp_url);
  self->from_address = g_strdup (from_address);

  /* whatever an earlier run left in the queue */
  start_pass (self);

  return self;
}

void
kithd_mailer_send (KithdMailer *self,
                   gint64       to_user_id,
                   const char  *to_address,
                   const char  *subject,
                   const char  *body)
{
  KithdMail *data;

  g_return_if_fail (KITHD_IS_MAILER (self));
  g_return_if_fail (to_address != NULL);
  g_return_if_fail (subject != NULL);
  g_return_if_fail (body != NULL);

  data = g_new0 (KithdMail, 1);
  data->to_user_id = to_user_id;
  data->to_address = g_strdup (to_address);
  data->subject = g_strdup (subject);
  data->body = g_strdup (body);
  data->created_at = g_get_real_time () / 1000;

  enqueue (self, data);
}

void
kithd_mailer_send_password_reset (KithdMailer     *self,
                                  const KithdUser *user,
                                  const char      *link)
{
  g_autofree char *first_name = NULL;
  g_autofree char *body = NULL;

  g_return_if_fail (KITHD_IS_MAILER (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (link != NULL);

  first_name = kithd_mail_one_line (user->first_name);
  body = g_strdup_printf ("Hello %s,\n\n"
                          "Someone asked to reset the password of your Kith account. "
                          "To choose a new password, open this link:\n\n"
                          "%s\n\n"
                          "The link is valid for 24 hours and works once.\n\n"
                          "If you did not ask for this, ignore this mail: your password "
                          "stays as it is.\n",
                          first_name, link);
  kithd_mailer_send (self, user->id, user->email,
                     "Reset your Kith password (link valid for 24 hours)", body);
}

void
kithd_mailer_send_offline_notice (KithdMailer     *self,
                                  const KithdUser *recipient,
                                  const KithdUser *sender,
                                  const char      *public_url)
{
  g_autofree char *first_name = NULL;
  g_autofree char *name = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;

  g_return_if_fail (KITHD_IS_MAILER (self));
  g_return_if_fail (recipient != NULL);
  g_return_if_fail (sender != NULL);

  /* names from the accounts: each on one line (kithd_mail_one_line()) */
  first_name = kithd_mail_one_line (recipient->first_name);
  {
    g_autofree char *full = g_strdup_printf ("%s %s", sender->first_name, sender->last_name);

    name = kithd_mail_one_line (full);
  }
  subject = g_strdup_printf ("New message on Kith from %s", name);
  body = g_strdup_printf ("Hello %s,\n\n"
                          "%s sent you a message on Kith while you were signed out.\n"
                          "Open Kith to read it%s%s.\n\n"
                          "You get this mail because offline email notification is on in "
                          "your Kith profile. You can turn it off there at any time.\n",
                          first_name, name,
                          public_url ? ": " : "",
                          public_url ? public_url : "");
  kithd_mailer_send (self, recipient->id, recipient->email, subject, body);
}

void
kithd_mailer_kick (KithdMailer *self)
{
  g_return_if_fail (KITHD_IS_MAILER (self));

  start_pass (self);
}

void
kithd_mailer_set_retry_interval (KithdMailer *self,
                                 guint        seconds)
{
  g_return_if_fail (KITHD_IS_MAILER (self));

  self->retry_interval = seconds;
}

void
kithd_mailer_flush_async (KithdMailer         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (KITHD_IS_MAILER (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kithd_mailer_flush_async);

  self->flush_next = g_list_append (self->flush_next, task);
  start_pass (self);
}

gboolean
kithd_mailer_flush_finish (KithdMailer   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (KITHD_IS_MAILER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
