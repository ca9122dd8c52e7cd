/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdOidc"

#include "config.h"

#include "kithd-oidc-private.h"

/*
 * One fetch from a provider (discovery, JWKS, token endpoint): libsoup on
 * the main loop, bounded in its whole time (a timer cancels it) and in the
 * size of its body (read in chunks, refused past the bound, whatever
 * Content-Length says).
 */

#define CHUNK_BYTES 16384

typedef struct {
  SoupMessage  *msg;
  GInputStream *stream;
  GByteArray   *body;
  GCancellable *cancellable;    /* ours: the caller's and the timer's */
  gulong        caller_handler;
  GCancellable *caller;
  guint         timeout_id;
  gboolean      timed_out;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_handle_id (&fetch->timeout_id, g_source_remove);
  if (fetch->caller)
    g_cancellable_disconnect (fetch->caller, fetch->caller_handler);
  g_clear_object (&fetch->caller);
  g_clear_object (&fetch->cancellable);
  g_clear_object (&fetch->stream);
  g_clear_object (&fetch->msg);
  g_clear_pointer (&fetch->body, g_byte_array_unref);
  g_free (fetch);
}

static gboolean
on_timeout (gpointer data)
{
  Fetch *fetch = data;

  fetch->timeout_id = 0;
  fetch->timed_out = TRUE;
  g_cancellable_cancel (fetch->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      data)
{
  g_cancellable_cancel (data);
}

/* The error a failed step ends with: a timeout says so. */
static void
fetch_fail (GTask  *task,
            GError *error)
{
  Fetch *fetch = g_task_get_task_data (task);

  if (fetch->timed_out) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             "No complete answer within %d s", KITHD_OIDC_FETCH_TIMEOUT_MS / 1000);
    g_error_free (error);
    return;
  }
  g_task_return_error (task, error);
}

static void read_next (GTask *task);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (!chunk) {
    fetch_fail (task, error);
    return;
  }
  if (g_bytes_get_size (chunk) == 0) {
    g_input_stream_close (fetch->stream, NULL, NULL);
    g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&fetch->body)),
                           (GDestroyNotify) g_bytes_unref);
    return;
  }
  if (fetch->body->len + g_bytes_get_size (chunk) > KITHD_OIDC_FETCH_MAX_BYTES) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                             "The answer is larger than %d KiB", KITHD_OIDC_FETCH_MAX_BYTES / 1024);
    return;
  }
  g_byte_array_append (fetch->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_next (g_steal_pointer (&task));
}

static void
read_next (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (fetch->stream, CHUNK_BYTES, G_PRIORITY_DEFAULT,
                                   fetch->cancellable, on_read, task);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;
  goffset length;

  fetch->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (!fetch->stream) {
    fetch_fail (task, error);
    return;
  }
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (fetch->msg));
  if (length > KITHD_OIDC_FETCH_MAX_BYTES) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                             "The answer is larger than %d KiB", KITHD_OIDC_FETCH_MAX_BYTES / 1024);
    return;
  }
  read_next (g_steal_pointer (&task));
}

void
kithd_oidc_fetch_async (SoupSession         *session,
                        SoupMessage         *msg,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);
  Fetch *fetch = g_new0 (Fetch, 1);

  g_task_set_source_tag (task, kithd_oidc_fetch_async);
  fetch->msg = g_object_ref (msg);
  fetch->body = g_byte_array_new ();
  fetch->cancellable = g_cancellable_new ();
  if (cancellable) {
    fetch->caller = g_object_ref (cancellable);
    fetch->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                   fetch->cancellable, NULL);
  }
  fetch->timeout_id = g_timeout_add (KITHD_OIDC_FETCH_TIMEOUT_MS, on_timeout, fetch);
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, fetch->cancellable, on_sent, task);
}

GBytes *
kithd_oidc_fetch_finish (GAsyncResult  *result,
                         guint         *status,
                         GError       **error)
{
  GTask *task = G_TASK (result);
  Fetch *fetch = g_task_get_task_data (task);

  g_return_val_if_fail (g_task_get_source_tag (task) == kithd_oidc_fetch_async, NULL);

  if (status)
    *status = soup_message_get_status (fetch->msg);
  return g_task_propagate_pointer (task, error);
}
