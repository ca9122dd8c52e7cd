/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-protocol.h"

G_BEGIN_DECLS

/* The GTypes of src/common's wire enums (KITH_TYPE_PRESENCE, …) are in
 * kith-wire-enums.h. */

#define KITH_TYPE_SERVER_INFO   (kith_server_info_get_type ())
GType kith_server_info_get_type   (void) G_GNUC_CONST;

G_END_DECLS
