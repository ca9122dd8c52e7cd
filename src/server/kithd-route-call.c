/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include "kithd-routes-private.h"

/*
 * KithdRouteCall: one request on its way through a route, from the table's
 * match to its answer. Whatever a route holds for the request (its body,
 * the caller, a hash slot of the throttle) goes with it when it is answered.
 */

KithdRouteCall *
kithd_route_call_new (const KithdRouteContext *ctx,
                      KithdRequest            *http)
{
  KithdRouteCall *call = g_new0 (KithdRouteCall, 1);

  call->ctx = ctx;
  call->http = kithd_request_ref (http);
  call->method = kithd_request_get_method (http);
  call->address = kithd_request_get_address (http);
  call->address_key = kithd_throttle_address_key (call->address);
  return call;
}

void
kithd_route_call_free (KithdRouteCall *call)
{
  kithd_route_call_end_hash (call);
  g_free (call->address_key);
  g_free (call->account_key);
  g_clear_pointer (&call->http, kithd_request_unref);
  g_clear_pointer (&call->body, kith_body_free);
  g_clear_pointer (&call->session, kithd_session_free);
  g_clear_pointer (&call->user, kithd_user_free);
  g_free (call->token);
  g_free (call);
}

/* The hash slot goes back as soon as the hashing is over. */
void
kithd_route_call_end_hash (KithdRouteCall *call)
{
  if (call->hashing) {
    kithd_throttle_end_hash (call->ctx->throttle, call->address_key);
    call->hashing = FALSE;
  }
}

gboolean
kithd_route_call_begin_hash (KithdRouteCall *call)
{
  /* The address, or kithd, has as many hashes in flight as it may. */
  if (!kithd_throttle_begin_hash (call->ctx->throttle, call->address_key)) {
    kithd_route_call_rate_limited (call, 1, "The server is busy checking passwords: please try again in a moment");
    return FALSE;
  }
  call->hashing = TRUE;
  return TRUE;
}

void
kithd_route_call_respond (KithdRouteCall *call,
                          guint           status,
                          char           *json,   /* transfer full, nullable */
                          gsize           len)
{
  if (call->answer) {
    call->answer (call, status, json, len, call->answer_data);
    g_free (json);
  } else {
    kithd_request_respond (call->http, status, json ? "application/json" : NULL, json, len);
  }
  kithd_route_call_free (call);
}

void
kithd_route_call_error (KithdRouteCall *call,
                        KithErrorCode   code,
                        const char     *message)
{
  gsize len = 0;
  char *json = kith_response_error (code, message, &len);

  if (code == KITH_ERROR_UNAUTHORIZED)
    kithd_request_set_header (call->http, "WWW-Authenticate", "Bearer");
  kithd_route_call_respond (call, kith_error_code_http_status (code), json, len);
}

void
kithd_route_call_rate_limited (KithdRouteCall *call,
                               guint           retry,
                               const char     *message)
{
  g_autofree char *value = g_strdup_printf ("%u", MAX (retry, 1));

  kithd_request_set_header (call->http, "Retry-After", value);
  kithd_route_call_error (call, KITH_ERROR_RATE_LIMITED, message);
}

void
kithd_route_call_error_from (KithdRouteCall *call,
                             const GError   *error)
{
  if (error->domain == KITH_ERROR && error->code != KITH_ERROR_INTERNAL) {
    kithd_route_call_error (call, error->code, error->message);
    return;
  }
  g_message ("%s %s failed: %s", call->method, kithd_request_get_path (call->http), error->message);
  kithd_route_call_error (call, KITH_ERROR_INTERNAL, "Something went wrong on the server; please try again");
}

void
kithd_route_call_respond_user (KithdRouteCall  *call,
                               guint            status,
                               const KithdUser *user)
{
  g_autoptr (KithUserInfo) info = kithd_user_to_info (user, TRUE);
  gsize len = 0;
  char *json = kith_response_user (info, &len);

  kithd_route_call_respond (call, status, json, len);
}

void
kithd_route_call_respond_session (KithdRouteCall  *call,
                                  const KithdUser *user)
{
  g_autoptr (KithUserInfo) info = kithd_user_to_info (user, TRUE);
  gsize len = 0;
  char *json = kith_response_session (call->token, info, &len);

  kithd_route_call_respond (call, 201, json, len);
}

void
kithd_route_call_respond_contact (KithdRouteCall   *call,
                                  guint             status,
                                  const KithdUser  *other,
                                  KithContactState  state)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  KithContactInfo *info = kith_contact_info_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  char *json;
  g_autofree char *whole = NULL;
  gsize len = 0;
  JsonNode *first;
  JsonArray *array;

  info->user = kithd_user_to_info (other, FALSE);
  info->state = state;
  info->presence = state == KITH_CONTACT_ACCEPTED
                   ? kithd_hub_get_presence (call->ctx->hub, other->id)
                   : KITH_PRESENCE_OFFLINE;
  g_ptr_array_add (list, info);

  /* One CONTACT object: the codec writes lists, take its only element. */
  whole = kith_response_contacts (list, &len);
  if (!json_parser_load_from_data (parser, whole, len, NULL)) {
    kithd_route_call_error (call, KITH_ERROR_INTERNAL, "Could not write the answer");
    return;
  }
  array = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "contacts");
  first = json_array_get_element (array, 0);
  json_generator_set_root (gen, first);
  /* Not in one call: the order in which arguments are evaluated is unspecified. */
  json = json_generator_to_data (gen, &len);
  kithd_route_call_respond (call, status, json, len);
}
