/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-protocol.h"

G_BEGIN_DECLS

/* GTypes for the plain enums of src/common, so that the service objects can
 * carry them as GObject properties (KithContact:presence, :state, …). */

#define KITH_TYPE_PRESENCE      (kith_presence_get_type ())
#define KITH_TYPE_CHOSEN_STATUS (kith_chosen_status_get_type ())
#define KITH_TYPE_DEVICE_KIND   (kith_device_kind_get_type ())
#define KITH_TYPE_CONTACT_STATE (kith_contact_state_get_type ())

GType kith_presence_get_type      (void) G_GNUC_CONST;
GType kith_chosen_status_get_type (void) G_GNUC_CONST;
GType kith_device_kind_get_type   (void) G_GNUC_CONST;
GType kith_contact_state_get_type (void) G_GNUC_CONST;

#define KITH_TYPE_SERVER_INFO   (kith_server_info_get_type ())
GType kith_server_info_get_type   (void) G_GNUC_CONST;

G_END_DECLS
