/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCalls"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kith-test-sources.h"
#include "service-test-calls.h"

KithdTestServer *server;

static void
on_incoming_call (KithCallManager *calls,
                  KithCall        *call,
                  Side            *side)
{
  g_set_object (&side->incoming, call);
  side->incoming_count++;
}

Side *
side_new_for (KithdTestUser *user)
{
  Side *side = g_new0 (Side, 1);

  side->user = user;
  side->dir = svc_test_make_dir ("data");
  side->session = svc_test_session_signed_in (server, user, side->dir);
  side->calls = kith_session_get_calls (side->session);
  kith_call_manager_set_loopback (side->calls, TRUE);
  g_signal_connect (side->calls, "incoming-call", G_CALLBACK (on_incoming_call), side);
  return side;
}

Side *
side_new (const char *name)
{
  Side *side = side_new_for (svc_test_sign_up (server, name));

  side->owns_user = TRUE;
  return side;
}

void
side_exit (Side *side)
{
  if (side->session == NULL)
    return;
  g_signal_handlers_disconnect_by_data (side->calls, side);
  side->calls = NULL;
  svc_test_exit (side->session);
  g_clear_object (&side->session);
}

void
side_free (Side *side)
{
  g_clear_object (&side->incoming);
  side_exit (side);
  g_free (side->dir);
  if (side->owns_user)
    kithd_test_user_free (side->user);
  g_free (side);
}

void
befriend (Side *a,
          Side *b)
{
  kithd_test_server_make_contacts (server, a->user, b->user);
  svc_test_wait_contact (a->session, b->user->email);
  svc_test_wait_contact (b->session, a->user->email);
}

KithContact *
contact_of (Side *side,
            Side *other)
{
  return kith_session_find_contact_by_email (side->session, other->user->email);
}

KithCall *
place (Side     *from,
       Side     *to,
       gboolean  video)
{
  g_autoptr (GError) error = NULL;
  KithCall *call = kith_call_manager_place (from->calls, contact_of (from, to), video, &error);

  g_assert_no_error (error);
  g_assert_nonnull (call);
  g_assert_cmpint (kith_call_get_state (call), ==, KITH_CALL_RINGING_OUT);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (from->calls)), ==, 1);
  return call;
}

static gboolean
has_incoming (gpointer data)
{
  Side *side = data;

  return side->incoming != NULL && kith_call_get_state (side->incoming) == KITH_CALL_RINGING_IN;
}

KithCall *
wait_incoming (Side *side)
{
  g_assert_true (kithd_test_wait_until (has_incoming, side, WAIT_MS));
  return g_object_ref (side->incoming);
}

typedef struct {
  KithCall      *call;
  KithCallState  state;
} WaitState;

static gboolean
in_state (gpointer data)
{
  WaitState *w = data;

  return kith_call_get_state (w->call) == w->state;
}

void
wait_state (KithCall      *call,
            KithCallState  state)
{
  WaitState w = { call, state };

  if (!kithd_test_wait_until (in_state, &w, WAIT_MS))
    g_error ("call %s: state %d, not %d", kith_call_get_id (call), kith_call_get_state (call), state);
}

typedef struct {
  KithCall *call;
  guint64   audio;
  guint64   video;
} WaitMedia;

static gboolean
received (gpointer data)
{
  WaitMedia *w = data;

  return kith_call_get_audio_buffers (w->call) >= w->audio &&
         kith_call_get_video_frames (w->call) >= w->video;
}

void
wait_received (KithCall *call,
               guint64   audio,
               guint64   video)
{
  WaitMedia w = { call, audio, video };

  g_assert_true (kithd_test_wait_until (received, &w, WAIT_MS));
}

/* Placed by @a, answered by @b, both active. */
void
connect_call (Side      *a,
              Side      *b,
              gboolean   video,
              KithCall **out_a,
              KithCall **out_b)
{
  g_autoptr (KithCall) caller = place (a, b, video);
  g_autoptr (KithCall) callee = wait_incoming (b);

  g_assert_cmpstr (kith_call_get_id (callee), ==, kith_call_get_id (caller));
  g_assert_true (kith_call_get_video (callee) == video);
  g_assert_true (kith_call_get_peer (callee) == contact_of (b, a));
  kith_call_answer (callee);
  wait_state (callee, KITH_CALL_ACTIVE);
  wait_state (caller, KITH_CALL_ACTIVE);
  *out_a = g_steal_pointer (&caller);
  *out_b = g_steal_pointer (&callee);
}

/* Under AddressSanitizer: this process and its kith-cli ones, which run
 * calls, unwind every allocation fully. GStreamer makes GLib's quark table
 * outgrow its first block, which GLib leaves behind (it keeps old blocks
 * for lock-free readers): a leak from GLib's constructor, which
 * build-aux/lsan.supp suppresses (_dl_init), but fast unwinding stops
 * inside GLib and never sees that. */
static void
unwind_fully_under_asan (char **argv)
{
  const char *options = g_getenv ("ASAN_OPTIONS");
  g_autofree char *more = NULL;

  if (options == NULL || strstr (options, "fast_unwind_on_malloc=0") != NULL)
    return;
  more = g_strconcat (options, ":fast_unwind_on_malloc=0", NULL);
  g_setenv ("ASAN_OPTIONS", more, TRUE);
  execv ("/proc/self/exe", argv);
  g_error ("cannot run again with %s: %s", more, g_strerror (errno));
}

void
calls_test_init (int    *argc,
                 char ***argv)
{
  unwind_fully_under_asan (*argv);
  svc_test_init (argc, argv);
  svc_test_init_call_env ();
  gst_init (argc, argv);
  kith_test_unplug_src_register ();

  server = svc_test_server_start ();
}
