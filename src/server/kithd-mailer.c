/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdMailer"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "kithd-db-mail.h"
#include "kithd-mailer-private.h"

/*
 * A delivery pass, all of it off the main loop:
 *
 *   1. db worker:      mail_pending (BATCH)          -> empty: pass done
 *   2. a thread of its own: write each mail to the outbox, or speak SMTP
 *   3. db worker:      mail_delivered for each one that left
 *   4. back to 1, unless something failed: then the pass ends and a
 *      timer starts the next one after retry_interval seconds, doubled
 *      for each further failed pass of SMTP (kithd_mail_backoff()).
 *
 * Only one pass runs at a time; a kick during a pass makes another pass
 * follow it. New mail after a failed pass waits for the retry, but no
 * longer than retry_interval after that pass. Every step holds a
 * reference on the mailer, so it lives until the pass is over.
 *
 * Here: the queue, its passes and their back-off, and reading kithd.conf's
 * SMTP server; the text of the mails is in kithd-mail-text.c.
 */

#define BATCH 32
/* Mail that could not even be queued (the database refused it, its disk
 * full, say) waits in memory for the next try; at most this much. */
#define MAX_UNQUEUED 1000
/* An SMTP password is one line of a few dozen bytes. */
#define PASSWORD_MAX_BYTES 1024

struct _KithdMailer
{
  GObject   parent_instance;

  KithdDb  *db;
  char     *outbox_dir;
  SmtpSettings *smtp;         /* NULL: the outbox */
  char     *from_address;
  guint     retry_interval;
  GQueue    unqueued;         /* KithdMail the store refused, oldest first */

  gboolean  running;
  gboolean  again;
  gboolean  failed;           /* in the running pass */
  char     *failure;          /* why, for the log; in the running pass */
  guint     failures;         /* passes failed in a row */
  gint64    last_failure;     /* monotonic µs: when the last one ended */
  guint     retry_id;
  gint64    retry_due;        /* monotonic µs: when retry_id fires */
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
static void wake       (KithdMailer *self);
static void requeue    (KithdMailer *self);
static void next_batch (KithdMailer *self);

/* ---- the delivery thread ---- */

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

guint
kithd_mail_backoff (guint interval,
                    guint failures)
{
  guint64 cap = MAX (interval, KITHD_MAIL_MAX_BACKOFF);
  guint64 delay = interval;

  for (guint i = 1; i < failures && delay < cap; i++)
    delay *= 2;

  return MIN (delay, cap);
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

/* The next pass at @due (monotonic µs). */
static void
retry_at (KithdMailer *self,
          gint64       due)
{
  gint64 now = g_get_monotonic_time ();
  GSource *source = g_timeout_source_new (due > now ? (due - now + 999) / 1000 : 0);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_source_set_static_name (source, "[kithd-mailer] retry");
  g_source_set_callback (source, on_retry, self, NULL);
  self->retry_id = g_source_attach (source, NULL);
  self->retry_due = due;
  g_source_unref (source);
}

/* Mail came in: a pass now, or after a failed one, once retry_interval
 * has passed since it (when the back-off would wait longer). */
static void
wake (KithdMailer *self)
{
  gint64 due;

  if (self->running) {
    self->again = TRUE;
    return;
  }
  if (self->failures == 0 || self->retry_id == 0) {
    start_pass (self);
    return;
  }

  due = self->last_failure + (gint64) self->retry_interval * G_USEC_PER_SEC;
  if (due < self->retry_due)
    retry_at (self, due);
}

static void
end_pass (KithdMailer *self)
{
  gboolean failed = self->failed;
  g_autofree char *failure = g_steal_pointer (&self->failure);

  self->running = FALSE;
  answer_flushes (&self->flush_current, failed);

  if (failed) {
    guint delay;

    /* the outbox is this machine's disk: no need to spare it */
    self->failures++;
    delay = self->smtp ? kithd_mail_backoff (self->retry_interval, self->failures)
                       : self->retry_interval;
    self->last_failure = g_get_monotonic_time ();
    if (delay > 0) {
      gint64 due = self->last_failure + (gint64) delay * G_USEC_PER_SEC;

      if (failure)
        g_message ("%s; trying again in %u s", failure, delay);
      /* an earlier retry (for mail the database refused) stays */
      if (self->retry_id == 0 || due < self->retry_due)
        retry_at (self, due);
    } else if (failure) {
      g_message ("%s", failure);
    }
  } else {
    self->failures = 0;
  }

  /* someone waits for a pass after this one, or mail came in */
  if (self->flush_next != NULL) {
    start_pass (self);
  } else if (self->again) {
    self->again = FALSE;
    wake (self);
  }
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
  if (delivery_result->error && !self->failure)
    self->failure = g_steal_pointer (&delivery_result->error);

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
  delivery->smtp = self->smtp ? kithd_smtp_settings_ref (self->smtp) : NULL;
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
        retry_at (self, g_get_monotonic_time () + (gint64) self->retry_interval * G_USEC_PER_SEC);
    } else {
      g_message ("Cannot queue a mail, and %u wait already: it is dropped: %s", MAX_UNQUEUED,
                 error ? error->message : "unknown error");
    }
  } else {
    g_debug ("Mail %" G_GINT64_FORMAT " queued", id);
    wake (self);
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

/* ---- kithd.conf's SMTP server: what is read at start ---- */

/* The password in [mail] smtp-password-file: a regular file nobody but
 * kithd's user can read (as the TLS key, kithd-tls-files.c), one line. */
static gboolean
read_password_file (const char   *path,
                    KithdSecret **out,
                    GError      **error)
{
  char buf[PASSWORD_MAX_BYTES + 2];
  struct stat st;
  ssize_t n;
  gsize len;
  int saved;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0) {
    saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot read the SMTP password file %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                 "Cannot read the SMTP password file %s: not a file", path);
    close (fd);
    return FALSE;
  }
  if (st.st_mode & (S_IRGRP | S_IROTH)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 "The SMTP password file %s can be read by other users (mode %04o): "
                 "make it readable by kithd's user only (chmod 600 %s)",
                 path, (unsigned int) (st.st_mode & 07777), path);
    close (fd);
    return FALSE;
  }
  do
    n = read (fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  saved = errno;
  close (fd);
  if (n < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot read the SMTP password file %s: %s", path, g_strerror (saved));
    return FALSE;
  }

  len = n;
  buf[len] = '\0';
  if (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  if (len > 0 && buf[len - 1] == '\r')
    buf[--len] = '\0';
  if (len == 0 || len > PASSWORD_MAX_BYTES || strlen (buf) != len || strpbrk (buf, "\r\n")) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The SMTP password file %s must hold the password on one line (at most %d bytes)",
                 path, PASSWORD_MAX_BYTES);
    explicit_bzero (buf, sizeof buf);
    return FALSE;
  }

  *out = g_strdup (buf);
  explicit_bzero (buf, sizeof buf);
  return TRUE;
}

/* [mail] smtp-password in kithd.conf: then the file is as secret as a
 * password file. */
static gboolean
check_config_file_mode (const char  *path,
                        GError     **error)
{
  struct stat st;

  if (path && stat (path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH))) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 "[mail] smtp-password is in %s, which other users can read (mode %04o): "
                 "make it readable by kithd's user only (chmod 600 %s), or use smtp-password-file",
                 path, (unsigned int) (st.st_mode & 07777), path);
    return FALSE;
  }
  return TRUE;
}

/* [mail] smtp-ca-file: PEM certificates, at least one. */
static gboolean
check_ca_file (const char  *path,
               GError     **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *pem = NULL;
  gsize length = 0;
  gnutls_x509_crt_t *list = NULL;
  unsigned int n_list = 0;
  gnutls_datum_t datum;
  int ret;

  if (!g_file_get_contents (path, &pem, &length, &local_error)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "Cannot read the SMTP CA file: %s", local_error->message);
    return FALSE;
  }

  datum.data = (unsigned char *) pem;
  datum.size = length;
  ret = gnutls_x509_crt_list_import2 (&list, &n_list, &datum, GNUTLS_X509_FMT_PEM, 0);
  for (unsigned int i = 0; ret >= 0 && i < n_list; i++)
    gnutls_x509_crt_deinit (list[i]);
  gnutls_free (list);
  if (ret < 0 || n_list == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The SMTP CA file %s holds no PEM certificate: %s", path,
                 ret < 0 ? gnutls_strerror (ret) : "No certificate was found.");
    return FALSE;
  }
  return TRUE;
}

static gboolean
libcurl_can_smtp (GError **error)
{
  const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

  for (guint i = 0; info->protocols[i]; i++) {
    if (strcmp (info->protocols[i], "smtps") == 0 && (info->features & CURL_VERSION_SSL))
      return TRUE;
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               "libcurl %s cannot send mail over TLS (no smtps): [mail] smtp-url cannot be used",
               info->version);
  return FALSE;
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
  g_clear_pointer (&self->smtp, kithd_smtp_settings_unref);
  g_free (self->from_address);
  g_free (self->failure);

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
kithd_mailer_new (KithdDb                *db,
                  const char             *outbox_dir,
                  const KithdSmtpOptions *smtp,
                  const char             *from_address)
{
  KithdMailer *self;

  g_return_val_if_fail (KITHD_IS_DB (db), NULL);
  g_return_val_if_fail (outbox_dir != NULL || smtp != NULL, NULL);
  g_return_val_if_fail (smtp == NULL || smtp->url != NULL, NULL);
  g_return_val_if_fail (from_address != NULL, NULL);

  kithd_mail_delivery_init ();

  self = g_object_new (KITHD_TYPE_MAILER, NULL);
  self->db = g_object_ref (db);
  self->outbox_dir = g_strdup (outbox_dir);
  self->smtp = smtp ? kithd_smtp_settings_new (smtp) : NULL;
  self->from_address = g_strdup (from_address);

  /* whatever an earlier run left in the queue */
  start_pass (self);

  return self;
}

KithdMailer *
kithd_mailer_new_for_config (KithdDb            *db,
                             const KithdConfig  *config,
                             GError            **error)
{
  g_autofree char *outbox = NULL;
  g_autoptr (KithdSecret) password = NULL;
  KithdSmtpOptions smtp = { 0 };
  KithdMailer *self;

  g_return_val_if_fail (KITHD_IS_DB (db), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  if (config->smtp_url) {
    if (!libcurl_can_smtp (error))
      return NULL;
    if (config->smtp_password_file) {
      if (!read_password_file (config->smtp_password_file, &password, error))
        return NULL;
    } else if (config->smtp_password) {
      if (!check_config_file_mode (config->config_file, error))
        return NULL;
      password = g_strdup (config->smtp_password);
    }
    if (config->smtp_ca_file && !check_ca_file (config->smtp_ca_file, error))
      return NULL;

    smtp.url = config->smtp_url;
    smtp.username = config->smtp_username;
    smtp.password = password;
    smtp.starttls = config->smtp_starttls;
    smtp.ca_file = config->smtp_ca_file;
    smtp.timeout = config->smtp_timeout;
    g_message ("Mail goes through %s (%s%s%s)", config->smtp_url,
               g_str_has_prefix (config->smtp_url, "smtps:") ? "TLS" :
               config->smtp_starttls ? "STARTTLS required" : "unencrypted",
               config->smtp_username ? ", as " : ", without logging in",
               config->smtp_username ? config->smtp_username : "");
  }

  outbox = g_build_filename (config->data_dir, "outbox", NULL);
  self = kithd_mailer_new (db, outbox, config->smtp_url ? &smtp : NULL, config->mail_from);
  kithd_mailer_set_retry_interval (self, config->mail_retry_interval);

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
kithd_mailer_kick (KithdMailer *self)
{
  g_return_if_fail (KITHD_IS_MAILER (self));

  wake (self);
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
