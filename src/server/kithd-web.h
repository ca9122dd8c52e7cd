/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-routes.h"

G_BEGIN_DECLS

/*
 * kithd's web pages (docs/server.md, "Web pages"): every path outside
 * /api/, small server-rendered HTML pages for the account (log in, the
 * profile, the password and its reset, deleting the account) and the
 * landing page that mails link to. kithd_routes_handle() hands them such
 * requests with its context.
 */
void kithd_web_handle (KithdRequest            *request,
                       const KithdRouteContext *ctx);
/* The headers every page of kithd carries (CSP, framing, no referrer, no
 * cache): the web pages' and the OIDC routes'. */
void kithd_web_set_security_headers (KithdRequest *request);
/* "Signing in did not work" and @problem (a msgid marked for
 * translation, with one %s for @arg when @arg is not NULL) as a page of
 * the web pages, in the request's language (Accept-Language), with
 * @status: for the OIDC routes' refusals. */
void kithd_web_respond_sign_in_problem (KithdRequest            *request,
                                        const KithdRouteContext *ctx,
                                        guint                    status,
                                        const char              *problem,
                                        const char              *arg);

G_END_DECLS
