/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestDb"

#include "config.h"

#include "kithd-db.h"
#include "kithd-store-sqlite.h"
#include "kithd-test-dir.h"

#define N_JOBS 200

typedef struct {
  char       *dir;
  KithdStore *store;
  KithdDb    *db;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = g_dir_make_tmp ("kithd-db-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "kithd.db", NULL);
  fixture->store = KITHD_STORE (kithd_store_sqlite_new (path, &error));
  g_assert_no_error (error);
  fixture->db = kithd_db_new (fixture->store);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_assert_finalize_object (fixture->db);
  g_assert_finalize_object (fixture->store);
  kithd_test_remove_dir (fixture->dir);
  g_free (fixture->dir);
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until *@counter reaches @target; bounded. */
static void
spin_until (guint *counter,
            guint  target)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (100, on_tick, NULL);

  while (*counter < target) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, TRUE);
  }

  g_source_remove (tick);
}

/* ---- FIFO and main-context delivery ---- */

typedef struct {
  GThread *main_thread;
  GArray  *ran;               /* guint: order the worker ran jobs in */
  GArray  *answered;          /* guint: order callbacks came in */
  guint    n_answered;
  GMutex   mutex;
} Order;

typedef struct {
  Order *order;
  guint  index;
} OrderJob;

static gpointer
order_job (KithdStore  *store,
           gpointer     data,
           GError     **error)
{
  OrderJob *job = data;

  g_assert_true (KITHD_IS_STORE (store));
  /* never on the main thread */
  g_assert_true (g_thread_self () != job->order->main_thread);

  g_mutex_lock (&job->order->mutex);
  g_array_append_val (job->order->ran, job->index);
  g_mutex_unlock (&job->order->mutex);

  return g_memdup2 (&job->index, sizeof job->index);
}

static void
on_order_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Order *order = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree guint *index = NULL;

  /* results come back on the thread and context that queued the job */
  g_assert_true (g_thread_self () == order->main_thread);
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));

  index = kithd_db_run_finish (KITHD_DB (object), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (index);

  g_array_append_val (order->answered, *index);
  order->n_answered++;
}

static void
test_fifo (Fixture       *fixture,
           gconstpointer  data)
{
  Order order = { 0 };

  order.main_thread = g_thread_self ();
  order.ran = g_array_new (FALSE, FALSE, sizeof (guint));
  order.answered = g_array_new (FALSE, FALSE, sizeof (guint));
  g_mutex_init (&order.mutex);

  for (guint i = 0; i < N_JOBS; i++) {
    OrderJob *job = g_new0 (OrderJob, 1);

    job->order = &order;
    job->index = i;
    kithd_db_run_async (fixture->db, order_job, job, g_free, g_free, NULL, on_order_done, &order);
  }

  spin_until (&order.n_answered, N_JOBS);

  g_assert_cmpuint (order.ran->len, ==, N_JOBS);
  for (guint i = 0; i < N_JOBS; i++) {
    g_assert_cmpuint (g_array_index (order.ran, guint, i), ==, i);
    g_assert_cmpuint (g_array_index (order.answered, guint, i), ==, i);
  }

  g_array_unref (order.ran);
  g_array_unref (order.answered);
  g_mutex_clear (&order.mutex);
}

/* ---- a thread-default context of another thread ---- */

typedef struct {
  KithdDb      *db;
  GMainContext *context;
  GThread      *thread;
  guint         done;
} ThreadCall;

static gpointer
user_create_job (KithdStore  *store,
                 gpointer     data,
                 GError     **error)
{
  gint64 id = kithd_store_user_create (store, data, NULL, "A", "B", 1, error);

  return id > 0 ? g_memdup2 (&id, sizeof id) : NULL;
}

static void
on_thread_call_done (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ThreadCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gint64 *id = NULL;

  g_assert_true (g_thread_self () == call->thread);
  g_assert_true (g_main_context_is_owner (call->context));

  id = kithd_db_run_finish (call->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (*id, >, 0);
  call->done++;
}

static gpointer
thread_main (gpointer data)
{
  ThreadCall *call = data;

  call->thread = g_thread_self ();
  g_main_context_push_thread_default (call->context);

  kithd_db_run_async (call->db, user_create_job, g_strdup ("thread@example.com"), g_free,
                      g_free, NULL, on_thread_call_done, call);
  while (call->done == 0)
    g_main_context_iteration (call->context, TRUE);

  g_main_context_pop_thread_default (call->context);
  return NULL;
}

static void
test_other_context (Fixture       *fixture,
                    gconstpointer  data)
{
  ThreadCall call = { 0 };
  GThread *thread;

  call.db = fixture->db;
  call.context = g_main_context_new ();

  thread = g_thread_new ("caller", thread_main, &call);
  g_thread_join (thread);

  g_assert_cmpuint (call.done, ==, 1);
  g_main_context_unref (call.context);
}

/* ---- errors, NULL results, cancellation ---- */

static gpointer
failing_job (KithdStore  *store,
             gpointer     data,
             GError     **error)
{
  /* a store error: NOT_FOUND */
  return kithd_store_user_get (store, 4242, error);
}

static gpointer
null_job (KithdStore  *store,
          gpointer     data,
          GError     **error)
{
  guint *ran = data;

  (*ran)++;
  return NULL;
}

typedef struct {
  guint   done;
  GError *error;
  gpointer result;
} Outcome;

static void
on_outcome (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = kithd_db_run_finish (KITHD_DB (object), result, &outcome->error);
  outcome->done++;
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  Outcome failed = { 0 }, empty = { 0 }, cancelled = { 0 };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  guint ran = 0, cancelled_ran = 0;

  kithd_db_run_async (fixture->db, failing_job, NULL, NULL,
                      (GDestroyNotify) kithd_user_free, NULL, on_outcome, &failed);
  kithd_db_run_async (fixture->db, null_job, &ran, NULL, NULL, NULL, on_outcome, &empty);

  g_cancellable_cancel (cancellable);
  kithd_db_run_async (fixture->db, null_job, &cancelled_ran, NULL, NULL, cancellable,
                      on_outcome, &cancelled);

  spin_until (&failed.done, 1);
  spin_until (&empty.done, 1);
  spin_until (&cancelled.done, 1);

  g_assert_error (failed.error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_assert_null (failed.result);

  /* NULL without an error is a result */
  g_assert_no_error (empty.error);
  g_assert_null (empty.result);
  g_assert_cmpuint (ran, ==, 1);

  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (cancelled_ran, ==, 0);

  g_clear_error (&failed.error);
  g_clear_error (&cancelled.error);
}

/* ---- untaken results and data are freed ---- */

static guint n_destroyed;

static void
count_destroy (gpointer data)
{
  n_destroyed++;
  g_free (data);
}

static gpointer
dup_job (KithdStore  *store,
         gpointer     data,
         GError     **error)
{
  return g_strdup (data);
}

static void
on_ignore_result (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  guint *done = user_data;

  (*done)++;
}

static void
test_destroy (Fixture       *fixture,
              gconstpointer  data)
{
  guint done = 0;

  n_destroyed = 0;
  for (guint i = 0; i < 10; i++)
    kithd_db_run_async (fixture->db, dup_job, g_strdup ("data"), count_destroy,
                        count_destroy, NULL, on_ignore_result, &done);

  spin_until (&done, 10);
  /* the tasks are gone once their callbacks returned: data and result */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (n_destroyed, ==, 20);
}

/* ---- flush ---- */

static gpointer
slow_job (KithdStore  *store,
          gpointer     data,
          GError     **error)
{
  guint *count = data;

  g_usleep (2000);  /* work that takes time, not synchronisation */
  g_atomic_int_inc (count);
  return NULL;
}

static void
test_flush (Fixture       *fixture,
            gconstpointer  data)
{
  guint count = 0, done = 0;

  for (guint i = 0; i < 25; i++)
    kithd_db_run_async (fixture->db, slow_job, &count, NULL, NULL, NULL, on_ignore_result, &done);

  /* blocks, without the main loop, until the worker has run all of them */
  kithd_db_flush (fixture->db);
  g_assert_cmpuint (g_atomic_int_get (&count), ==, 25);

  /* an empty queue flushes at once */
  kithd_db_flush (fixture->db);

  spin_until (&done, 25);
}

/* ---- dispose joins the worker ---- */

static void
test_lifecycle (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdStoreSqlite) store = kithd_store_sqlite_new (":memory:", &error);

  g_assert_no_error (error);

  for (guint i = 0; i < 20; i++) {
    KithdDb *db = kithd_db_new (KITHD_STORE (store));
    guint done = 0;

    g_assert_true (kithd_db_get_store (db) == KITHD_STORE (store));
    kithd_db_run_async (db, null_job, &done, NULL, NULL, NULL, NULL, NULL);
    kithd_db_flush (db);
    g_assert_cmpuint (done, ==, 1);
    /* the job's task holds the db until its (NULL) callback ran */
    while (g_main_context_iteration (NULL, FALSE));
    g_assert_finalize_object (db);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/db/fifo", Fixture, NULL, fixture_setup, test_fifo, fixture_teardown);
  g_test_add ("/db/other-context", Fixture, NULL, fixture_setup, test_other_context, fixture_teardown);
  g_test_add ("/db/errors", Fixture, NULL, fixture_setup, test_errors, fixture_teardown);
  g_test_add ("/db/destroy", Fixture, NULL, fixture_setup, test_destroy, fixture_teardown);
  g_test_add ("/db/flush", Fixture, NULL, fixture_setup, test_flush, fixture_teardown);
  g_test_add_func ("/db/lifecycle", test_lifecycle);

  return g_test_run ();
}
