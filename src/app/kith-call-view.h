/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "kith-call.h"

G_BEGIN_DECLS

#define KITH_TYPE_CALL_VIEW (kith_call_view_get_type ())

G_DECLARE_FINAL_TYPE (KithCallView, kith_call_view, KITH, CALL_VIEW, GtkWidget)

/*
 * One call on screen (docs/desktop.md, "Calls"): the peer's video filling
 * the view (a GtkPicture showing a GdkMemoryTexture of the newest
 * KithCall::video-frame), the camera preview in a corner, or, for an audio
 * call and until the first frame, the peer's avatar; the peer's name, the
 * state ("Calling…", "Connecting…", the duration, "Reconnecting…", the end
 * reason); mute, camera and hang-up, then Close once the call has ended.
 * Keys: Ctrl+D and M mute, Ctrl+E turns the camera off; Escape closes the
 * view of an ended call (and never ends one).
 *
 * Property: call (KithCall, nullable).
 * Signals: close (): the user closed the view of an ended call; back (): the
 * user went back to the chats from a call that goes on (the header's back
 * button).
 * Actions: call.toggle-mute, call.toggle-camera, call.hang-up, call.close,
 * call.back.
 * Children for tests (kith_test_find_by_id): "picture", "self_picture",
 * "avatar", "name_label", "status_label", "mute_button", "camera_button",
 * "hang_up_button", "close_button", "back_button".
 */
GtkWidget  *kith_call_view_new              (void);
KithCall   *kith_call_view_get_call         (KithCallView *self);
void        kith_call_view_set_call         (KithCallView *self,
                                             KithCall     *call);
/* The remote video's picture and the camera preview's. */
GtkPicture *kith_call_view_get_picture      (KithCallView *self);
GtkPicture *kith_call_view_get_self_picture (KithCallView *self);
/* What the state line says now ("Calling…", "4:12", "Call ended", …). */
const char *kith_call_view_get_status_text  (KithCallView *self);

/* "4:12", or "1:02:03" from an hour on. */
char       *kith_call_view_format_duration  (guint         seconds);
/* What the state line says for @call ("Calling…", "4:12", "Call ended",
 * the error's sentence for a failure): the view's and the window's bar's. */
char       *kith_call_view_describe_state   (KithCall     *call);

G_END_DECLS
