/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzzFrame"

#include "config.h"

#include <string.h>

#include "kith-fuzz.h"
#include "kith-protocol.h"

/*
 * Socket frames: the input is one WebSocket text message as kithd
 * (KITH_ORIGIN_CLIENT) or the client (KITH_ORIGIN_SERVER) would get it.
 *
 * Checked:
 * - a refused frame gives a KITH_ERROR with a message in valid UTF-8, and
 *   the error frame kithd answers it with (kith_frame_error_json() with the
 *   ref of kith_frame_peek_ref()) is one the client can parse, with the
 *   same code and message;
 * - kith_frame_peek_ref() gives NULL or a usable id;
 * - an accepted frame, written again, parses to the same frame: writing it
 *   twice gives the same text.
 */

static void
check_error_frame (const GError *error,
                   const char   *ref)
{
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (KithFrame) answer = NULL;
  g_autofree char *json = NULL;
  gsize len = 0;

  kith_fuzz_check (error->domain == KITH_ERROR, "a parse error outside KITH_ERROR: %s",
                   error->message);
  kith_fuzz_check (g_utf8_validate (error->message, -1, NULL), "an error message in bad UTF-8");

  json = kith_frame_error_json (error->code, error->message, ref, &len);
  answer = kith_frame_parse (json, len, KITH_ORIGIN_SERVER, &parse_error);
  kith_fuzz_check (answer != NULL, "kithd's error frame %s is refused by the client: %s",
                   json, parse_error->message);
  kith_fuzz_check (answer->type == KITH_FRAME_ERROR && (int) answer->code == error->code,
                   "the error frame's code changed");
  kith_fuzz_check (g_strcmp0 (answer->message, error->message) == 0,
                   "the error frame's message changed");
  kith_fuzz_check (g_strcmp0 (answer->ref, ref) == 0, "the error frame's ref changed");
}

static void
check_round_trip (const KithFrame *frame,
                  KithOrigin       origin)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithFrame) again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gsize len = 0;
  gsize len_again = 0;

  kith_fuzz_check (kith_frame_type_allowed (frame->type, origin),
                   "a frame type its origin may not send was accepted");

  json = kith_frame_to_json (frame, origin, &len);
  kith_fuzz_check (json != NULL && strlen (json) == len, "a frame written with a wrong length");
  again = kith_frame_parse (json, len, origin, &error);
  kith_fuzz_check (again != NULL, "an accepted frame, written again, is refused: %s\n%s",
                   error->message, json);
  kith_fuzz_check (again->type == frame->type, "the frame's type changed");

  json_again = kith_frame_to_json (again, origin, &len_again);
  kith_fuzz_check (len == len_again && memcmp (json, json_again, len) == 0,
                   "a frame written twice differs:\n%s\n%s", json, json_again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* Not NUL-terminated, as a WebSocket message is not. */
  g_autofree char *copy = g_memdup2 (data, size);
  g_autofree char *ref = kith_frame_peek_ref (copy, size);

  if (ref) {
    kith_fuzz_check (*ref != '\0' && strlen (ref) <= KITH_MAX_ID_BYTES &&
                     g_utf8_validate (ref, -1, NULL), "kith_frame_peek_ref() gave an unusable id");
  }

  for (KithOrigin origin = KITH_ORIGIN_CLIENT; origin <= KITH_ORIGIN_SERVER; origin++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (KithFrame) frame = kith_frame_parse (copy, size, origin, &error);

    if (frame) {
      kith_fuzz_check (error == NULL, "a parsed frame with an error set");
      check_round_trip (frame, origin);
    } else {
      kith_fuzz_check (error != NULL, "a refused frame without an error");
      /* kithd answers what a client sent; the client only drops a frame. */
      if (origin == KITH_ORIGIN_CLIENT)
        check_error_frame (error, ref);
    }
  }

  return 0;
}
