/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-config.h"
#include "kithd-db.h"
#include "kithd-http.h"
#include "kithd-hub.h"
#include "kithd-mailer.h"
#include "kithd-oidc.h"
#include "kithd-throttle.h"

G_BEGIN_DECLS

/*
 * The REST API of docs/protocol.md and the socket upgrade. The routes see
 * kithd through this context only: the db worker for every store call,
 * the hub for what sockets must learn, the mailer, the throttle, the
 * settings and the OIDC relying party. The server owns all of them, fills the context before it
 * listens and sets @hub to NULL when the hub is gone (shutdown).
 */
typedef struct {
  KithdDb           *db;
  KithdHub          *hub;
  KithdMailer       *mailer;
  KithdThrottle     *throttle;
  const KithdConfig *config;
  KithdOidc         *oidc;      /* sign in with a provider; none configured: it has none */
} KithdRouteContext;

/* A KithdHttpHandler, with the KithdRouteContext as @user_data. */
void kithd_routes_handle (KithdRequest *request,
                          gpointer      user_data);

G_END_DECLS
