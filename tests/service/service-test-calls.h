/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-call-private.h"
#include "service-test-util.h"

G_BEGIN_DECLS

/*
 * Calls through the service layer for test-calls-service.c and
 * test-calls-interrupted.c: a kithd shared by the tests, sides (a user's
 * session and its KithCallManager, calls on loopback), calls placed,
 * answered and waited for. Short names: test code only.
 */

#define WAIT_MS 30000

/* The kithd every test shares (calls_test_init () starts it). */
extern KithdTestServer *server;

typedef struct {
  KithdTestUser   *user;
  gboolean         owns_user;
  KithSession     *session;
  KithCallManager *calls;
  char            *dir;          /* its data-dir */
  KithCall        *incoming;     /* the last incoming-call */
  guint            incoming_count;
} Side;

/* A session of @user signed in on server, its calls on loopback. */
Side        *side_new_for    (KithdTestUser *user);
/* A new account "@name<N>@example.com" and its side. */
Side        *side_new        (const char    *name);
/* Signs the side's session out and drops it. */
void         side_exit       (Side          *side);
void         side_free       (Side          *side);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Side, side_free)

void         befriend        (Side          *a,
                              Side          *b);
KithContact *contact_of      (Side          *side,
                              Side          *other);
/* A call from @from to @to, ringing out (asserted). */
KithCall    *place           (Side          *from,
                              Side          *to,
                              gboolean       video);
/* The side's incoming call once it rings (a new reference). */
KithCall    *wait_incoming   (Side          *side);
void         wait_state      (KithCall      *call,
                              KithCallState  state);
/* Until @call has received @audio buffers and @video frames. */
void         wait_received   (KithCall      *call,
                              guint64        audio,
                              guint64        video);
/* Placed by @a, answered by @b, both active. */
void         connect_call    (Side          *a,
                              Side          *b,
                              gboolean       video,
                              KithCall     **out_a,
                              KithCall     **out_b);

/* How a calls test's main () begins: run again with full unwinding under
 * AddressSanitizer, svc_test_init (), the call environment, GStreamer, the
 * test's unpluggable source; then server started. */
void         calls_test_init (int           *argc,
                              char        ***argv);

G_END_DECLS
