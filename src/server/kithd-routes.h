/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "kithd-server.h"

G_BEGIN_DECLS

/* Adds the REST API of docs/protocol.md, the body-limit early handler and
 * the socket upgrade to @soup. @server must outlive @soup's handlers. */
void kithd_routes_register (KithdServer *server,
                            SoupServer  *soup);

G_END_DECLS
