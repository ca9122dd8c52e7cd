/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdDb"

#include "config.h"

#include "kith-error.h"
#include "kithd-db-private.h"

/*
 * How blocking work stays off the main loop
 * ==========================================
 *
 * kithd's main loop (HTTP, the WebSocket hub, timers) must never wait on
 * the disk. Everything that touches the KithdStore goes through KithdDb:
 *
 *  - kithd_db_run_async() (and the typed calls on top of it, through
 *    kithd_db_call_async()) wraps the job (a KithdDbFunc and its data) in a
 *    GTask created on the caller's thread-default main context and pushes
 *    it onto a GAsyncQueue. It returns at once.
 *  - One worker thread ("kithd-db") pops jobs in FIFO order and runs each
 *    against the store. One thread only: sqlite has one writer anyway, the
 *    connection needs no locking, and jobs finish in the order they were
 *    queued — so the acks of a client's messages leave in the order the
 *    messages came in.
 *  - The worker attaches an idle source to the task's context (the one
 *    current when the job was queued) and lets go of the job. The idle
 *    calls g_task_return_pointer() there, so the callback runs on the main
 *    loop, where kithd_db_run_finish() takes the result. The worker never
 *    touches a GTask's reference count, so no reference lingers on the
 *    worker after the callback ran.
 *  - kithd_db_flush() queues a marker job and waits (GCond) for the worker
 *    to reach it: every job queued before it has then run. It blocks, so it
 *    is for shutdown and tests only.
 *  - Dispose queues a quit marker and joins the thread; jobs already queued
 *    still run first. Each pending GTask holds a reference on the KithdDb
 *    (its source object), so a KithdDb cannot be disposed with jobs that
 *    have yet to report back, except by an explicit g_object_run_dispose().
 *
 * Password hashing (yescrypt, ~10–50 ms of CPU) runs on a separate pool
 * sized to the cores (kithd-crypto.c); mail delivery on a thread of its
 * own per delivery pass (kithd-mailer.c). Neither touches the store
 * except through this queue.
 */

typedef enum {
  JOB_RUN,
  JOB_FLUSH,
  JOB_QUIT,
} JobKind;

typedef struct {
  JobKind         kind;

  /* JOB_RUN */
  KithdDbFunc     func;
  GDestroyNotify  result_destroy;
  GTask          *task;
  gpointer        result;
  GError         *error;
  gboolean        cancelled;

  /* JOB_FLUSH */
  GMutex          mutex;
  GCond           cond;
  gboolean        done;
} Job;

struct _KithdDb
{
  GObject      parent_instance;

  KithdStore  *store;
  GAsyncQueue *queue;         /* Job */
  GThread     *thread;
};

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithdDb, kithd_db, G_TYPE_OBJECT)

/* On the queuing thread's context: hands the job's outcome to its task.
 * This idle owns the job and the only reference the job has on the task,
 * so once the callback ran, nothing on the worker still holds the task
 * (and through it the KithdDb): no race with the caller dropping its last
 * reference right after its callback. */
static gboolean
complete_job (gpointer data)
{
  Job *job = data;
  g_autoptr (GTask) task = g_steal_pointer (&job->task);

  if (job->cancelled)
    g_task_return_error_if_cancelled (task);
  else if (job->error != NULL)
    g_task_return_error (task, g_steal_pointer (&job->error));
  else
    g_task_return_pointer (task, g_steal_pointer (&job->result), job->result_destroy);

  g_free (job);

  return G_SOURCE_REMOVE;
}

static gpointer
worker_main (gpointer data)
{
  KithdDb *self = data;
  KithdStore *store = self->store;
  GAsyncQueue *queue = self->queue;

  /* self may go away once the quit job is seen; use only the locals. */
  for (;;) {
    Job *job = g_async_queue_pop (queue);
    GSource *source;

    if (job->kind == JOB_QUIT) {
      g_free (job);
      break;
    }

    if (job->kind == JOB_FLUSH) {
      g_mutex_lock (&job->mutex);
      job->done = TRUE;
      g_cond_signal (&job->cond);
      g_mutex_unlock (&job->mutex);
      /* the flushing thread owns and frees the job */
      continue;
    }

    if (g_cancellable_is_cancelled (g_task_get_cancellable (job->task))) {
      job->cancelled = TRUE;
    } else {
      job->result = job->func (store, g_task_get_task_data (job->task), &job->error);
      if (job->error != NULL && job->result != NULL) {
        if (job->result_destroy != NULL)
          job->result_destroy (job->result);
        job->result = NULL;
      }
    }

    /* from here on the job belongs to the queuing context */
    source = g_idle_source_new ();
    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_static_name (source, "[kithd-db] complete job");
    g_source_set_callback (source, complete_job, job, NULL);
    g_source_attach (source, g_task_get_context (job->task));
    g_source_unref (source);
  }

  g_object_unref (store);
  g_async_queue_unref (queue);

  return NULL;
}

static void
kithd_db_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  KithdDb *self = KITHD_DB (object);

  switch (prop_id) {
  case PROP_STORE:
    g_value_set_object (value, self->store);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kithd_db_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  KithdDb *self = KITHD_DB (object);

  switch (prop_id) {
  case PROP_STORE:
    self->store = g_value_dup_object (value);
    break;

  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kithd_db_constructed (GObject *object)
{
  KithdDb *self = KITHD_DB (object);

  G_OBJECT_CLASS (kithd_db_parent_class)->constructed (object);

  g_assert (KITHD_IS_STORE (self->store));

  /* the worker holds its own references to the store and the queue */
  g_object_ref (self->store);
  g_async_queue_ref (self->queue);
  self->thread = g_thread_new ("kithd-db", worker_main, self);
}

static void
kithd_db_stop (KithdDb *self)
{
  Job *job;

  if (self->thread == NULL)
    return;

  job = g_new0 (Job, 1);
  job->kind = JOB_QUIT;
  g_async_queue_push (self->queue, job);

  if (g_thread_self () == self->thread) {
    /* Last reference dropped by a job on the worker itself: it cannot join
     * itself; it ends after this job, on the quit marker. */
    g_thread_unref (g_steal_pointer (&self->thread));
  } else {
    g_thread_join (g_steal_pointer (&self->thread));
  }
}

static void
kithd_db_dispose (GObject *object)
{
  KithdDb *self = KITHD_DB (object);

  kithd_db_stop (self);

  G_OBJECT_CLASS (kithd_db_parent_class)->dispose (object);
}

static void
kithd_db_finalize (GObject *object)
{
  KithdDb *self = KITHD_DB (object);

  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (kithd_db_parent_class)->finalize (object);
}

static void
kithd_db_class_init (KithdDbClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kithd_db_get_property;
  object_class->set_property = kithd_db_set_property;
  object_class->constructed = kithd_db_constructed;
  object_class->dispose = kithd_db_dispose;
  object_class->finalize = kithd_db_finalize;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         KITHD_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kithd_db_init (KithdDb *self)
{
  self->queue = g_async_queue_new ();
}

KithdDb *
kithd_db_new (KithdStore *store)
{
  g_return_val_if_fail (KITHD_IS_STORE (store), NULL);

  return g_object_new (KITHD_TYPE_DB,
                       "store", store,
                       NULL);
}

KithdStore *
kithd_db_get_store (KithdDb *self)
{
  g_return_val_if_fail (KITHD_IS_DB (self), NULL);

  return self->store;
}

static void
queue_job (KithdDb             *self,
           KithdDbFunc          func,
           gpointer             data,
           GDestroyNotify       data_destroy,
           GDestroyNotify       result_destroy,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  Job *job;

  g_return_if_fail (KITHD_IS_DB (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (self->thread != NULL);

  job = g_new0 (Job, 1);
  job->kind = JOB_RUN;
  job->func = func;
  job->result_destroy = result_destroy;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  g_task_set_name (job->task, "kithd-db job");
  /* freed with the task, on the queuing context, after the job ran */
  g_task_set_task_data (job->task, data, data_destroy);

  g_async_queue_push (self->queue, job);
}

void
kithd_db_run_async (KithdDb             *self,
                    KithdDbFunc          func,
                    gpointer             data,
                    GDestroyNotify       data_destroy,
                    GDestroyNotify       result_destroy,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  queue_job (self, func, data, data_destroy, result_destroy, kithd_db_run_async,
             cancellable, callback, user_data);
}

gpointer
kithd_db_run_finish (KithdDb       *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  return kithd_db_call_finish (self, result, kithd_db_run_async, error);
}

void
kithd_db_call_async (KithdDb             *self,
                     KithdDbFunc          func,
                     gpointer             call,
                     GDestroyNotify       call_free,
                     gpointer             source_tag,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  /* The result is @call itself, which the task owns: nothing to free. */
  queue_job (self, func, call, call_free, NULL, source_tag, cancellable, callback, user_data);
}

gpointer
kithd_db_call_finish (KithdDb       *self,
                      GAsyncResult  *result,
                      gpointer       source_tag,
                      GError       **error)
{
  g_return_val_if_fail (KITHD_IS_DB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gpointer
kithd_db_call_return (gboolean   ok,
                      gpointer   call,
                      GError   **error)
{
  if (ok)
    return call;
  if (error && !*error)
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INTERNAL, "The database failed");
  return NULL;
}

void
kithd_db_flush (KithdDb *self)
{
  Job *job;

  g_return_if_fail (KITHD_IS_DB (self));
  g_return_if_fail (self->thread != NULL);
  g_return_if_fail (g_thread_self () != self->thread);

  job = g_new0 (Job, 1);
  job->kind = JOB_FLUSH;
  g_mutex_init (&job->mutex);
  g_cond_init (&job->cond);

  g_mutex_lock (&job->mutex);
  g_async_queue_push (self->queue, job);
  while (!job->done)
    g_cond_wait (&job->cond, &job->mutex);
  g_mutex_unlock (&job->mutex);

  g_mutex_clear (&job->mutex);
  g_cond_clear (&job->cond);
  g_free (job);
}
