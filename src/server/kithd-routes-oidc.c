/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kithd-html.h"
#include "kithd-oidc.h"
#include "kithd-routes-private.h"
#include "kithd-web.h"

/*
 * Sign in with a provider (OIDC), the two routes a browser opens:
 * /oidc/{provider}/start (302 to the provider) and /oidc/{provider}/callback
 * (302 back to the client's redirect_uri). What cannot go back to the
 * client is a page of the web pages' (kithd_web_respond_sign_in_problem())
 * with a sentence a person can act on, in their language.
 * The flow itself is KithdOidc's (kithd-oidc.c).
 */

/* The {provider} of /api/v1/oidc/{provider}/…: borrowed from the path. */
static char *
provider_of (KithdRouteCall *call)
{
  g_auto (GStrv) parts = g_strsplit (kithd_request_get_path (call->http), "/", -1);

  /* "", "api", "v1", "oidc", PROVIDER, ACTION */
  return g_strv_length (parts) == 6 ? g_strdup (parts[4]) : NULL;
}

/* The codes travel in URLs: the pages' headers keep them out of caches and
 * referrers (kithd_web_set_security_headers()), kithd_html_add() escapes. */
static void
respond_page (KithdRouteCall *call,
              guint           status,
              KithdHtml      *html)
{
  gsize len;
  char *body = kithd_html_steal (html, &len);

  kithd_web_set_security_headers (call->http);
  kithd_request_respond (call->http, status, "text/html; charset=utf-8", body, len);
  kithd_route_call_free (call);
}

static void
respond_redirect (KithdRouteCall *call,
                  const char     *location)
{
  KithdHtml *html = kithd_html_new ();

  kithd_html_add (html,
                  "<!DOCTYPE html>\n"
                  "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signing in</title></head>\n"
                  "<body><p><a href=\"%s\">Continue</a></p></body></html>\n", location);
  kithd_request_set_header (call->http, "Location", location);
  respond_page (call, 302, html);
}

/* A KITHD_OIDC_ERROR as a page in the browser's language (the error's own
 * message, English and for the log, says more). */
static void
respond_oidc_error (KithdRouteCall *call,
                    const GError   *error)
{
  guint status = 500;
  const char *problem = N_("Something went wrong on the server. Please try again.");
  const char *arg = NULL;
  g_autofree char *provider = provider_of (call);

  if (error->domain == KITHD_OIDC_ERROR) {
    switch ((KithdOidcError) error->code) {
    case KITHD_OIDC_ERROR_UNKNOWN_PROVIDER:
      status = 404;
      problem = N_("This server does not sign in with this provider.");
      break;
    case KITHD_OIDC_ERROR_BAD_REQUEST:
      status = 400;
      /* For whoever writes a client: the message says which parameter. */
      problem = N_("The sign-in request is not one this server can use: %s");
      arg = error->message;
      break;
    case KITHD_OIDC_ERROR_EXPIRED:
      status = 400;
      problem = N_("This sign-in has expired or was already used. Start again from Kith.");
      break;
    case KITHD_OIDC_ERROR_BUSY:
      status = 503;
      problem = N_("Too many sign-ins are in progress. Please try again in a few minutes.");
      kithd_request_set_header (call->http, "Retry-After", "60");
      break;
    case KITHD_OIDC_ERROR_UNREACHABLE:
      status = 502;
      problem = N_("%s cannot be reached right now. Please try again in a few minutes.");
      arg = kithd_oidc_get_provider_name (call->ctx->oidc, provider);
      if (arg == NULL)
        arg = provider;
      break;
    default:
      break;
    }
  }
  g_debug ("A sign-in was refused (%u): %s", status, error->message);
  kithd_web_respond_sign_in_problem (call->http, call->ctx, status, problem, arg);
  kithd_route_call_free (call);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *location = kithd_oidc_start_finish (KITHD_OIDC (source), result, &error);

  if (!location) {
    respond_oidc_error (call, error);
    return;
  }
  respond_redirect (call, location);
}

void
kithd_route_oidc_start (KithdRouteCall *call)
{
  KithdRequest *http = call->http;
  g_autofree char *provider = provider_of (call);

  kithd_oidc_start_async (call->ctx->oidc, provider, call->address_key,
                          kithd_request_get_query (http, "redirect_uri"),
                          kithd_request_get_query (http, "code_challenge"),
                          kithd_request_get_query (http, "code_challenge_method"),
                          kithd_request_get_query (http, "state"),
                          NULL, on_started, call);
}

static void
on_called_back (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *location = kithd_oidc_callback_finish (KITHD_OIDC (source), result, &error);

  if (!location) {
    respond_oidc_error (call, error);
    return;
  }
  respond_redirect (call, location);
}

void
kithd_route_oidc_callback (KithdRouteCall *call)
{
  KithdRequest *http = call->http;
  g_autofree char *provider = provider_of (call);

  kithd_oidc_callback_async (call->ctx->oidc, provider,
                             kithd_request_get_query (http, "code"),
                             kithd_request_get_query (http, "error"),
                             kithd_request_get_query (http, "state"),
                             NULL, on_called_back, call);
}
