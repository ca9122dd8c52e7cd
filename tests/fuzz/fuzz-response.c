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
fuzz_ice_servers (const char *data,
                  gsize       size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) servers = NULL;
  g_autoptr (GPtrArray) servers_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gint64 ttl = 0, ttl_again = 0;
  gsize len, len_again;

  servers = kith_response_parse_ice_servers (data, size, &ttl, &error);
  if (!servers) {
    check_refusal (error);
    return;
  }
  json = kith_response_ice_servers (servers, ttl, &len);
  servers_again = kith_response_parse_ice_servers (json, len, &ttl_again, &error);
  kith_fuzz_check (servers_again != NULL, "an ICE servers answer written again is refused: %s\n%s",
                   error ? error->message : "", json);
  json_again = kith_response_ice_servers (servers_again, ttl_again, &len_again);
  check_same ("an ICE servers answer", json, len, json_again, len_again);
}

typedef gpointer (*AnswerParse) (const char *data, gsize size, GError **error);
typedef char *(*AnswerWrite) (gconstpointer value, gsize *len);

/* An answer that is one record or one list: its parser, its writer and
 * its free function, called through untyped pointers (as GLib calls a
 * GDestroyNotify) so that one round trip checks them all. */
typedef struct {
  const char     *what;
  AnswerParse     parse;
  AnswerWrite     write;
  GDestroyNotify  free;
} Answer;

static const Answer answers[] = {
  { "a user", (AnswerParse) kith_response_parse_user, (AnswerWrite) kith_response_user,
    (GDestroyNotify) kith_user_info_free },
  { "a contact list", (AnswerParse) kith_response_parse_contacts, (AnswerWrite) kith_response_contacts,
    (GDestroyNotify) g_ptr_array_unref },
  { "a message list", (AnswerParse) kith_response_parse_messages, (AnswerWrite) kith_response_messages,
    (GDestroyNotify) g_ptr_array_unref },
  { "a server answer", (AnswerParse) kith_response_parse_server_info, (AnswerWrite) kith_response_server_info,
    (GDestroyNotify) kith_server_info_free },
};

static void
fuzz_answer (const Answer *answer,
             const char   *data,
             gsize         size)
{
  g_autoptr (GError) error = NULL;
  gpointer value = answer->parse (data, size, &error);
  gpointer value_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  gsize len, len_again;

  if (!value) {
    check_refusal (error);
    return;
  }
  json = answer->write (value, &len);
  value_again = answer->parse (json, len, &error);
  kith_fuzz_check (value_again != NULL, "%s written again is refused: %s\n%s",
                   answer->what, error ? error->message : "", json);
  json_again = answer->write (value_again, &len_again);
  check_same (answer->what, json, len, json_again, len_again);

  answer->free (value);
  answer->free (value_again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *copy = g_memdup2 (data, size);

  fuzz_error (copy, size);
  fuzz_session (copy, size);
  fuzz_ice_servers (copy, size);
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    fuzz_answer (&answers[i], copy, size);

  return 0;
}
