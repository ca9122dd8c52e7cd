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

G_END_DECLS
