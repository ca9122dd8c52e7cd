/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithApiClient"

#include "config.h"

#include "kith-api-client-private.h"

/*
 * The API client's calls for the contact list, a conversation's history and
 * the ICE servers of calls (docs/protocol.md), over the request helpers of
 * kith-api-client.c.
 */

/* A ParseFunc for an answer that is a single CONTACT: it goes through the
 * list codec. */
static KithContactInfo *
parse_one_contact (const char  *data,
                   gsize        size,
                   GError     **error)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GString) wrapped = g_string_new ("{\"contacts\": [");

  g_string_append_len (wrapped, data, size);
  g_string_append (wrapped, "]}");
  list = kith_response_parse_contacts (wrapped->str, wrapped->len, error);
  if (list == NULL || list->len != 1)
    return NULL;
  return g_ptr_array_steal_index (list, 0);
}

void
kith_api_client_remove_contact_async (KithApiClient       *self,
                                      gint64               user_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT, user_id);

  g_return_if_fail (KITH_IS_API_CLIENT (self));
  kith_api_client_request (self, "DELETE", path, NULL,
                           kith_api_client_remove_contact_async, cancellable, callback, user_data);
}

gboolean
kith_api_client_call_finish (KithApiClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_autoptr (GBytes) bytes = kith_api_client_request_finish (self, result, error);

  return bytes != NULL;
}

void
kith_api_client_list_contacts_async (KithApiClient       *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (KITH_IS_API_CLIENT (self));
  kith_api_client_request (self, "GET", "/api/v1/contacts", NULL,
                           kith_api_client_list_contacts_async, cancellable, callback, user_data);
}

GPtrArray *
kith_api_client_list_contacts_finish (KithApiClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return kith_api_client_request_parse (self, result, (ParseFunc) kith_response_parse_contacts, NULL, error);
}

void
kith_api_client_add_contact_async (KithApiClient       *self,
                                   const char          *email,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr (KithBody) body = kith_body_new (KITH_BODY_CONTACT_ADD);

  g_return_if_fail (KITH_IS_API_CLIENT (self));

  body->email = g_strdup (email);
  kith_api_client_request (self, "POST", "/api/v1/contacts", kith_body_to_json (body, NULL),
                           kith_api_client_add_contact_async, cancellable, callback, user_data);
}

void
kith_api_client_accept_contact_async (KithApiClient       *self,
                                      gint64               user_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/contacts/%" G_GINT64_FORMAT "/accept", user_id);

  g_return_if_fail (KITH_IS_API_CLIENT (self));
  kith_api_client_request (self, "POST", path, NULL,
                           kith_api_client_accept_contact_async, cancellable, callback, user_data);
}

KithContactInfo *
kith_api_client_contact_finish (KithApiClient  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return kith_api_client_request_parse (self, result, (ParseFunc) parse_one_contact, NULL, error);
}

void
kith_api_client_history_async (KithApiClient       *self,
                               gint64               peer_id,
                               gint64               before,
                               guint                limit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GString) path = g_string_new (NULL);

  g_return_if_fail (KITH_IS_API_CLIENT (self));

  g_string_printf (path, "/api/v1/conversations/%" G_GINT64_FORMAT "/messages?limit=%u",
                   peer_id, MIN (limit ? limit : 50, KITH_MAX_HISTORY_LIMIT));
  if (before > 0)
    g_string_append_printf (path, "&before=%" G_GINT64_FORMAT, before);
  kith_api_client_request (self, "GET", path->str, NULL,
                           kith_api_client_history_async, cancellable, callback, user_data);
}

GPtrArray *
kith_api_client_history_finish (KithApiClient  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return kith_api_client_request_parse (self, result, (ParseFunc) kith_response_parse_messages, NULL, error);
}

static GPtrArray *
parse_ice_servers (const char  *data,
                   gsize        size,
                   GError     **error)
{
  return kith_response_parse_ice_servers (data, size, NULL, error);
}

void
kith_api_client_ice_servers_async (KithApiClient       *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (KITH_IS_API_CLIENT (self));
  kith_api_client_request (self, "GET", "/api/v1/ice-servers", NULL,
                           kith_api_client_ice_servers_async, cancellable, callback, user_data);
}

GPtrArray *
kith_api_client_ice_servers_finish (KithApiClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return kith_api_client_request_parse (self, result, (ParseFunc) parse_ice_servers, NULL, error);
}
