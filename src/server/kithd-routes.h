/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-http.h"
#include "kithd-server.h"

G_BEGIN_DECLS

/* The REST API of docs/protocol.md and the socket upgrade: a
 * KithdHttpHandler, with the KithdServer as @user_data. */
void kithd_routes_handle (KithdRequest *request,
                          gpointer      user_data);

G_END_DECLS
