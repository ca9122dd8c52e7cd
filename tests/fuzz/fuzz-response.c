/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzzResponse"

#include "config.h"

#include <string.h>

#include "kith-fuzz.h"
#include "kith-protocol.h"

/*
 * REST answers as the client reads them (kith-api-client.c): the input is
 * one response body, given to every kith_response_parse_*().
 *
 * Checked: a refusal is a KITH_ERROR with a message in valid UTF-8; what
 * is accepted, written again by kithd's writer for it, parses again and
 * writes the same text (so what kithd can send, the client reads).
 */

static void
check_refusal (const GError *error)
{
  kith_fuzz_check (error != NULL, "a refused answer without an error");
  kith_fuzz_check (error->domain == KITH_ERROR, "a parse error outside KITH_ERROR: %s",
                   error->message);
  kith_fuzz_check (g_utf8_validate (error->message, -1, NULL), "an error message in bad UTF-8");
}

static void
check_same (const char *what,
            const char *a,
            gsize       a_len,
            const char *b,
            gsize       b_len)
{
  kith_fuzz_check (a_len == b_len && memcmp (a, b, a_len) == 0,
                   "%s written twice differs:\n%s\n%s", what, a, b);
}

static void
fuzz_error (const char *data,
            gsize       size)
{
  g_autofree char *message = NULL;
  g_autofree char *json = NULL;
  g_autofree char *message_again = NULL;
  KithErrorCode code;
  KithErrorCode code_again;
  gsize len;

  if (!kith_response_parse_error (data, size, &code, &message))
    return;
  kith_fuzz_check (g_utf8_validate (message, -1, NULL), "an error message in bad UTF-8");
  json = kith_response_error (code, message, &len);
  kith_fuzz_check (kith_response_parse_error (json, len, &code_again, &message_again) &&
                   code == code_again && g_strcmp0 (message, message_again) == 0,
                   "an error answer written again reads differently: %s", json);
}

static void
fuzz_session (const char *data,
              gsize       size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithUserInfo) user = NULL;
  g_autoptr (KithUserInfo) user_again = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gsize len, len_again;

  if (!kith_response_parse_session (data, size, &token, &user, &error)) {
    check_refusal (error);
    return;
  }
  json = kith_response_session (token, user, &len);
  kith_fuzz_check (kith_response_parse_session (json, len, &token_again, &user_again, &error),
                   "a session answer written again is refused: %s\n%s",
                   error ? error->message : "", json);
  json_again = kith_response_session (token_again, user_again, &len_again);
  check_same ("a session answer", json, len, json_again, len_again);
}

static void
fuzz_user (const char *data,
           gsize       size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithUserInfo) user = kith_response_parse_user (data, size, &error);
  g_autoptr (KithUserInfo) user_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gsize len, len_again;

  if (!user) {
    check_refusal (error);
    return;
  }
  json = kith_response_user (user, &len);
  user_again = kith_response_parse_user (json, len, &error);
  kith_fuzz_check (user_again != NULL, "a user written again is refused: %s\n%s",
                   error ? error->message : "", json);
  json_again = kith_response_user (user_again, &len_again);
  check_same ("a user", json, len, json_again, len_again);
}

static void
fuzz_contacts (const char *data,
               gsize       size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = kith_response_parse_contacts (data, size, &error);
  g_autoptr (GPtrArray) list_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gsize len, len_again;

  if (!list) {
    check_refusal (error);
    return;
  }
  json = kith_response_contacts (list, &len);
  list_again = kith_response_parse_contacts (json, len, &error);
  kith_fuzz_check (list_again != NULL, "a contact list written again is refused: %s\n%s",
                   error ? error->message : "", json);
  json_again = kith_response_contacts (list_again, &len_again);
  check_same ("a contact list", json, len, json_again, len_again);
}

static void
fuzz_messages (const char *data,
               gsize       size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = kith_response_parse_messages (data, size, &error);
  g_autoptr (GPtrArray) list_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gsize len, len_again;

  if (!list) {
    check_refusal (error);
    return;
  }
  json = kith_response_messages (list, &len);
  list_again = kith_response_parse_messages (json, len, &error);
  kith_fuzz_check (list_again != NULL, "a message list written again is refused: %s\n%s",
                   error ? error->message : "", json);
  json_again = kith_response_messages (list_again, &len_again);
  check_same ("a message list", json, len, json_again, len_again);
}

static void
fuzz_server_info (const char *data,
                  gsize       size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithServerInfo) info = kith_response_parse_server_info (data, size, &error);
  g_autoptr (KithServerInfo) info_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gsize len, len_again;

  if (!info) {
    check_refusal (error);
    return;
  }
  json = kith_response_server_info (info, &len);
  info_again = kith_response_parse_server_info (json, len, &error);
  kith_fuzz_check (info_again != NULL, "a server answer written again is refused: %s\n%s",
                   error ? error->message : "", json);
  json_again = kith_response_server_info (info_again, &len_again);
  check_same ("a server answer", json, len, json_again, len_again);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  kith_fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *copy = g_memdup2 (data, size);

  fuzz_error (copy, size);
  fuzz_session (copy, size);
  fuzz_user (copy, size);
  fuzz_contacts (copy, size);
  fuzz_messages (copy, size);
  fuzz_server_info (copy, size);

  return 0;
}
