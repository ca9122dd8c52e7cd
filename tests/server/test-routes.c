/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestRoutes"

#include "config.h"

#include <string.h>

#include "kithd-routes-private.h"

/* The route table on its own: its rows, and how a path and a method find
 * one (test-rest runs every route against a real kithd). */

static void
test_table (void)
{
  guint n = 0;
  const KithdRoute *routes = kithd_routes_get_table (&n);

  g_assert_cmpuint (n, ==, 19);
  for (guint i = 0; i < n; i++) {
    const KithdRoute *route = &routes[i];

    g_assert_nonnull (route->handler);
    g_assert_true (route->pattern[0] == '/');
    g_assert_true (strcmp (route->method, "GET") == 0 || strcmp (route->method, "POST") == 0 ||
                   strcmp (route->method, "PUT") == 0 || strcmp (route->method, "PATCH") == 0 ||
                   strcmp (route->method, "DELETE") == 0);
    /* A GET reads no body. */
    if (strcmp (route->method, "GET") == 0)
      g_assert_false (route->has_body);
    /* Each method on a path once. */
    for (guint j = i + 1; j < n; j++)
      g_assert_false (strcmp (route->pattern, routes[j].pattern) == 0 &&
                      strcmp (route->method, routes[j].method) == 0);
  }
}

static const KithdRoute *
match (const char  *path,
       const char  *method,
       gint64      *id,
       char       **allow)
{
  g_free (*allow);
  *allow = NULL;
  return kithd_routes_match (path, method, id, allow);
}

static void
test_match (void)
{
  g_autofree char *allow = NULL;
  const KithdRoute *route;
  gint64 id = -1;

  route = match ("/api/v1/server", "GET", &id, &allow);
  g_assert_nonnull (route);
  g_assert_true (route->handler == kithd_route_server_info);
  g_assert_true (route->auth == KITHD_ROUTE_PUBLIC);
  g_assert_cmpint (id, ==, 0);
  g_assert_null (allow);

  route = match ("/api/v1/me", "PATCH", &id, &allow);
  g_assert_true (route->handler == kithd_route_profile_update);
  g_assert_true (route->auth == KITHD_ROUTE_SIGNED_IN);
  g_assert_true (route->has_body);
  g_assert_cmpint (route->body, ==, KITH_BODY_PROFILE_UPDATE);

  route = match ("/api/v1/contacts/42/accept", "POST", &id, &allow);
  g_assert_true (route->handler == kithd_route_contact_accept);
  g_assert_cmpint (id, ==, 42);
  route = match ("/api/v1/contacts/7", "DELETE", &id, &allow);
  g_assert_true (route->handler == kithd_route_contact_remove);
  g_assert_cmpint (id, ==, 7);
  route = match ("/api/v1/conversations/999999999999999999/messages", "GET", &id, &allow);
  g_assert_true (route->handler == kithd_route_history);
  g_assert_cmpint (id, ==, G_GINT64_CONSTANT (999999999999999999));
  route = match ("/api/v1/socket", "GET", &id, &allow);
  g_assert_true (route->handler == kithd_route_socket);
  g_assert_true (route->auth == KITHD_ROUTE_PUBLIC);
  /* {name}: any one segment (the handler tells a provider it does not know). */
  route = match ("/api/v1/oidc/google/start", "GET", &id, &allow);
  g_assert_true (route->handler == kithd_route_oidc_start);
  g_assert_true (route->auth == KITHD_ROUTE_PUBLIC);
  route = match ("/api/v1/oidc/Anything/callback", "GET", &id, &allow);
  g_assert_true (route->handler == kithd_route_oidc_callback);
  g_assert_null (match ("/api/v1/oidc//start", "GET", &id, &allow));
  g_assert_null (match ("/api/v1/oidc/google/start/more", "GET", &id, &allow));

  /* Unknown paths: 404, no Allow. */
  for (guint i = 0; i < 10; i++) {
    const char *paths[] = {
      "/api/v1/servers", "/api/v1/server/", "/api/v2/server", "/server", "/api/v1",
      "/api/v1/contacts/0", "/api/v1/contacts/-1", "/api/v1/contacts/1x/accept",
      "/api/v1/contacts/1234567890123456789", "/api/v1/conversations/3/messages/4",
    };

    g_assert_null (match (paths[i], "GET", &id, &allow));
    g_assert_null (allow);
  }

  /* Known paths, other methods: 405 with the methods the path takes, in
   * the table's order. */
  g_assert_null (match ("/api/v1/me", "PUT", &id, &allow));
  g_assert_cmpstr (allow, ==, "GET, PATCH, DELETE");
  g_assert_null (match ("/api/v1/contacts", "DELETE", &id, &allow));
  g_assert_cmpstr (allow, ==, "GET, POST");
  g_assert_null (match ("/api/v1/server", "HEAD", &id, &allow));
  g_assert_cmpstr (allow, ==, "GET");
  g_assert_null (match ("/api/v1/contacts/5", "GET", &id, &allow));
  g_assert_cmpstr (allow, ==, "DELETE");
  g_assert_null (match ("/api/v1/sessions/current", "get", &id, &allow));
  g_assert_cmpstr (allow, ==, "DELETE");
}

static void
test_parse_id (void)
{
  gint64 id = 0;

  g_assert_true (kithd_routes_parse_id ("0", &id));
  g_assert_cmpint (id, ==, 0);
  g_assert_true (kithd_routes_parse_id ("000123", &id));
  g_assert_cmpint (id, ==, 123);
  g_assert_true (kithd_routes_parse_id ("999999999999999999", &id));
  g_assert_false (kithd_routes_parse_id ("1000000000000000000", &id));
  g_assert_false (kithd_routes_parse_id ("", &id));
  g_assert_false (kithd_routes_parse_id (NULL, &id));
  g_assert_false (kithd_routes_parse_id ("+1", &id));
  g_assert_false (kithd_routes_parse_id ("1 ", &id));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/routes/table", test_table);
  g_test_add_func ("/routes/match", test_match);
  g_test_add_func ("/routes/parse-id", test_parse_id);

  return g_test_run ();
}
