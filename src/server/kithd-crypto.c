/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdCrypto"

#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "kith-base64url.h"
#include "kith-error.h"
#include "kithd-crypto.h"

/*
 * Passwords: yescrypt through libxcrypt, with libxcrypt's default cost.
 * A stored hash is its own setting ("$y$<params>$<salt>$<hash>"), so
 * verifying recomputes crypt(password, stored) and compares in constant
 * time.
 *
 * Tokens (sessions, reset links): 32 bytes from getrandom(), base64url
 * without padding. The store keeps only their SHA-256, so a leaked
 * database does not leak usable tokens.
 *
 * The _async variants run on one GThreadPool sized to the processors,
 * shared by every caller, so a burst of logins cannot starve the main loop
 * nor spawn a thread per request.
 */

#define TOKEN_BYTES 32

/* Overwrites @str before freeing it. */
static void
secret_free (char *str)
{
  if (str == NULL)
    return;

  explicit_bzero (str, strlen (str));
  g_free (str);
}

static char *
crypt_with_setting (const char  *password,
                    const char  *setting)
{
  struct crypt_data *data = g_new0 (struct crypt_data, 1);
  char *result;
  char *copy = NULL;

  result = crypt_rn (password, setting, data, sizeof *data);
  /* failures give NULL or a string starting with '*' */
  if (result != NULL && result[0] != '*')
    copy = g_strdup (result);

  explicit_bzero (data, sizeof *data);
  g_free (data);

  return copy;
}

char *
kithd_crypto_hash_password (const char  *password,
                            GError     **error)
{
  g_autofree char *setting = NULL;
  char *hash;

  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  errno = 0;
  setting = crypt_gensalt_ra ("$y$", 0, NULL, 0);
  if (setting == NULL) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
                 "Cannot make a password salt: %s", g_strerror (errno));
    return NULL;
  }

  hash = crypt_with_setting (password, setting);
  if (hash == NULL) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL, "Cannot hash the password");
    return NULL;
  }

  return hash;
}

/* A hash of a random password with the default cost, made once: what
 * unknown accounts are checked against so that they take as long as known
 * ones. */
static const char *
dummy_hash (void)
{
  static char *hash = NULL;

  if (g_once_init_enter (&hash)) {
    g_autofree char *token = kithd_crypto_new_token ();
    char *made = kithd_crypto_hash_password (token, NULL);

    g_assert (made != NULL);
    g_once_init_leave (&hash, made);
  }

  return hash;
}

gboolean
kithd_crypto_verify_password (const char *password,
                              const char *hash)
{
  g_autofree char *computed = NULL;
  gboolean ok;

  g_return_val_if_fail (password != NULL, FALSE);

  if (hash == NULL || hash[0] == '\0') {
    /* same work, certain failure */
    computed = crypt_with_setting (password, dummy_hash ());
    return FALSE;
  }

  computed = crypt_with_setting (password, hash);
  if (computed == NULL)
    return FALSE;

  ok = kithd_crypto_equal (computed, hash);
  explicit_bzero (computed, strlen (computed));

  return ok;
}

static void
fill_random (guint8 *buffer,
             gsize   length)
{
  gsize done = 0;

  while (done < length) {
    ssize_t n = getrandom (buffer + done, length - done, 0);

    if (n < 0) {
      int fd;

      if (errno == EINTR)
        continue;

      /* no getrandom() (old kernel, seccomp): the device */
      fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        g_error ("Cannot read random bytes: %s", g_strerror (errno));

      while (done < length) {
        n = read (fd, buffer + done, length - done);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          g_error ("Cannot read /dev/urandom: %s", g_strerror (errno));
        done += n;
      }
      close (fd);
      break;
    }

    done += n;
  }
}

char *
kithd_crypto_new_token (void)
{
  guint8 bytes[TOKEN_BYTES];
  char *token;

  fill_random (bytes, sizeof bytes);
  token = kith_base64url_encode (bytes, sizeof bytes);
  explicit_bzero (bytes, sizeof bytes);
  return token;
}

char *
kithd_crypto_token_hash (const char *token)
{
  g_return_val_if_fail (token != NULL, NULL);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

gboolean
kithd_crypto_equal (const char *a,
                    const char *b)
{
  gsize len_a, len_b, len;
  guint8 diff;

  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  len_a = strlen (a);
  len_b = strlen (b);
  len = MAX (len_a, len_b);
  diff = len_a != len_b;

  /* no early exit: the time depends on the lengths only */
  for (gsize i = 0; i < len; i++) {
    guint8 ca = i < len_a ? (guint8) a[i] : 0;
    guint8 cb = i < len_b ? (guint8) b[i] : 0;

    diff |= ca ^ cb;
  }

  return diff == 0;
}

/* ---- async, on a pool sized to the cores ---- */

typedef enum {
  OP_HASH,
  OP_VERIFY,
} Op;

typedef struct {
  Op    op;
  char *password;
  char *hash;
} CryptoJob;

static void
crypto_job_free (CryptoJob *job)
{
  secret_free (job->password);
  g_free (job->hash);
  g_free (job);
}

static void
pool_func (gpointer data,
           gpointer user_data)
{
  g_autoptr (GTask) task = data;
  CryptoJob *job = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (job->op == OP_HASH) {
    GError *error = NULL;
    char *hash = kithd_crypto_hash_password (job->password, &error);

    if (hash == NULL)
      g_task_return_error (task, error);
    else
      g_task_return_pointer (task, hash, g_free);
  } else {
    g_task_return_boolean (task, kithd_crypto_verify_password (job->password, job->hash));
  }
}

static GThreadPool *
get_pool (void)
{
  static GThreadPool *pool = NULL;

  if (g_once_init_enter (&pool)) {
    GThreadPool *made = g_thread_pool_new (pool_func, NULL,
                                           MAX (1, (int) g_get_num_processors ()),
                                           FALSE, NULL);

    g_once_init_leave (&pool, made);
  }

  return pool;
}

/* Queues @op on @password (and @hash, to verify) on the pool, in a task
 * tagged @source_tag: the one place both async calls start. */
static void
push_job (Op                   op,
          const char          *password,
          const char          *hash,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  CryptoJob *job = g_new0 (CryptoJob, 1);

  job->op = op;
  job->password = g_strdup (password);
  job->hash = g_strdup (hash);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) crypto_job_free);
  g_thread_pool_push (get_pool (), task, NULL);
}

void
kithd_crypto_hash_password_async (const char          *password,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (password != NULL);

  push_job (OP_HASH, password, NULL, kithd_crypto_hash_password_async, cancellable, callback, user_data);
}

char *
kithd_crypto_hash_password_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == kithd_crypto_hash_password_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kithd_crypto_verify_password_async (const char          *password,
                                    const char          *hash,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (password != NULL);

  push_job (OP_VERIFY, password, hash, kithd_crypto_verify_password_async, cancellable, callback, user_data);
}

gboolean
kithd_crypto_verify_password_finish (GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == kithd_crypto_verify_password_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), NULL);
}
