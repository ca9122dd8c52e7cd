/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzzBody"

#include "config.h"

#include <string.h>

#include "kith-fuzz.h"
#include "kith-protocol.h"

/*
 * REST request bodies: the input is one request body, parsed as each
 * KithBodyType in turn (kithd picks the type from the route).
 *
 * Checked:
 * - a refused body gives a KITH_ERROR with a message in valid UTF-8, and
 *   kithd's error answer (kith_response_error()) parses back on the client
 *   (kith_response_parse_error()) with the same code and message;
 * - an accepted body, written again (kith_body_to_json(), as the client
 *   sends it), parses again, and writing that gives the same text;
 * - what kithd reads is within the protocol's limits (names trimmed and
 *   without control characters, emails plausible).
 */

#define N_BODY_TYPES (KITH_BODY_CONTACT_ADD + 1)

static void
check_error_answer (const GError *error)
{
  g_autofree char *json = NULL;
  g_autofree char *message = NULL;
  KithErrorCode code = KITH_ERROR_INTERNAL;
  gsize len = 0;

  kith_fuzz_check (error->domain == KITH_ERROR, "a parse error outside KITH_ERROR: %s",
                   error->message);
  kith_fuzz_check (g_utf8_validate (error->message, -1, NULL), "an error message in bad UTF-8");

  json = kith_response_error (error->code, error->message, &len);
  kith_fuzz_check (kith_response_parse_error (json, len, &code, &message),
                   "kithd's error answer is not one for the client: %s", json);
  kith_fuzz_check ((int) code == error->code, "the error answer's code changed");
  kith_fuzz_check (g_strcmp0 (message, error->message) == 0, "the error answer's message changed");
}

static void
check_name (const char *name)
{
  if (!name)
    return;
  kith_fuzz_check (*name != '\0' && !g_ascii_isspace (*name) &&
                   !g_ascii_isspace (name[strlen (name) - 1]),
                   "a name accepted empty or untrimmed: “%s”", name);
  kith_fuzz_check (strlen (name) <= KITH_MAX_NAME_BYTES, "a name over its limit");
  kith_fuzz_check (!kith_text_has_control (name), "a name with a control character");
}

static void
check_body (const KithBody *body)
{
  check_name (body->first_name);
  check_name (body->last_name);
  check_name (body->device_name);
  if (body->email)
    kith_fuzz_check (kith_email_is_valid (body->email), "an implausible email accepted");
  if (body->type == KITH_BODY_SIGN_UP)
    kith_fuzz_check (body->email && body->password && body->first_name && body->last_name,
                     "a sign-up without one of its fields");
  if (body->type == KITH_BODY_LOG_IN)
    kith_fuzz_check ((body->email && body->password) || (body->oidc_code && body->oidc_verifier),
                     "a log-in without a complete flow");
}

static void
check_round_trip (const KithBody *body)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithBody) again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gsize len = 0;
  gsize len_again = 0;

  json = kith_body_to_json (body, &len);
  kith_fuzz_check (json != NULL && strlen (json) == len, "a body written with a wrong length");
  again = kith_body_parse (body->type, json, len, &error);
  kith_fuzz_check (again != NULL, "an accepted body, written again, is refused: %s\n%s",
                   error->message, json);

  json_again = kith_body_to_json (again, &len_again);
  kith_fuzz_check (len == len_again && memcmp (json, json_again, len) == 0,
                   "a body written twice differs:\n%s\n%s", json, json_again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *copy = g_memdup2 (data, size);

  for (int type = 0; type < N_BODY_TYPES; type++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (KithBody) body = kith_body_parse (type, copy, size, &error);

    if (body) {
      kith_fuzz_check (error == NULL && (int) body->type == type, "a parsed body with an error set");
      check_body (body);
      check_round_trip (body);
    } else {
      kith_fuzz_check (error != NULL, "a refused body without an error");
      check_error_answer (error);
    }
  }

  return 0;
}
