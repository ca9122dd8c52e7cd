/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithWireEnums"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-wire-enums.h"

/* The wire names, written once. Each table is indexed by value and ends
 * with a zero row (g_enum_register_static() wants one). */

static const GEnumValue chosen_status_values[] = {
  { KITH_CHOSEN_ONLINE, "KITH_CHOSEN_ONLINE", "online" },
  { KITH_CHOSEN_BUSY,   "KITH_CHOSEN_BUSY",   "busy" },
  { KITH_CHOSEN_HIDDEN, "KITH_CHOSEN_HIDDEN", "hidden" },
  { 0, NULL, NULL }
};

static const GEnumValue presence_values[] = {
  { KITH_PRESENCE_OFFLINE, "KITH_PRESENCE_OFFLINE", "offline" },
  { KITH_PRESENCE_ONLINE,  "KITH_PRESENCE_ONLINE",  "online" },
  { KITH_PRESENCE_BUSY,    "KITH_PRESENCE_BUSY",    "busy" },
  { KITH_PRESENCE_IDLE,    "KITH_PRESENCE_IDLE",    "idle" },
  { KITH_PRESENCE_MOBILE,  "KITH_PRESENCE_MOBILE",  "mobile" },
  { 0, NULL, NULL }
};

static const GEnumValue device_kind_values[] = {
  { KITH_DEVICE_DESKTOP, "KITH_DEVICE_DESKTOP", "desktop" },
  { KITH_DEVICE_MOBILE,  "KITH_DEVICE_MOBILE",  "mobile" },
  { 0, NULL, NULL }
};

static const GEnumValue contact_state_values[] = {
  { KITH_CONTACT_ACCEPTED, "KITH_CONTACT_ACCEPTED", "accepted" },
  { KITH_CONTACT_INCOMING, "KITH_CONTACT_INCOMING", "incoming" },
  { KITH_CONTACT_OUTGOING, "KITH_CONTACT_OUTGOING", "outgoing" },
  { 0, NULL, NULL }
};

static const GEnumValue call_outcome_values[] = {
  { KITH_CALL_OUTCOME_MISSED,      "KITH_CALL_OUTCOME_MISSED",      "missed" },
  { KITH_CALL_OUTCOME_DECLINED,    "KITH_CALL_OUTCOME_DECLINED",    "declined" },
  { KITH_CALL_OUTCOME_BUSY,        "KITH_CALL_OUTCOME_BUSY",        "busy" },
  { KITH_CALL_OUTCOME_UNREACHABLE, "KITH_CALL_OUTCOME_UNREACHABLE", "unreachable" },
  { KITH_CALL_OUTCOME_ENDED,       "KITH_CALL_OUTCOME_ENDED",       "ended" },
  { 0, NULL, NULL }
};

static GType
register_once (const KithWireEnum *wire,
               gsize              *type_id)
{
  if (g_once_init_enter (type_id)) {
    GType type = g_enum_register_static (g_intern_static_string (wire->type_name), wire->values);

    g_once_init_leave (type_id, type);
  }

  return *type_id;
}

/* The descriptor, the GType and the two typed lookups of one enum. */
#define KITH_DEFINE_WIRE_ENUM(TypeName, type_name, values, expected_text)     \
  const KithWireEnum type_name##_wire = {                                   \
    #TypeName, values, G_N_ELEMENTS (values) - 1, expected_text             \
  };                                                                        \
                                                                            \
  GType                                                                     \
  type_name##_get_type (void)                                               \
  {                                                                         \
    static gsize type_id = 0;                                               \
                                                                            \
    return register_once (&type_name##_wire, &type_id);                     \
  }                                                                         \
                                                                            \
  const char *                                                              \
  type_name##_to_string (TypeName value)                                    \
  {                                                                         \
    return kith_wire_enum_to_string (&type_name##_wire, value);             \
  }                                                                         \
                                                                            \
  gboolean                                                                  \
  type_name##_from_string (const char *str,                                 \
                           TypeName   *value)                               \
  {                                                                         \
    int found = 0;                                                          \
    gboolean ok;                                                            \
                                                                            \
    g_return_val_if_fail (value != NULL, FALSE);                            \
                                                                            \
    ok = kith_wire_enum_from_string (&type_name##_wire, str, &found);       \
    *value = (TypeName) found;                                              \
    return ok;                                                              \
  }

KITH_DEFINE_WIRE_ENUM (KithChosenStatus, kith_chosen_status, chosen_status_values,
                       N_("one of “online”, “busy” or “hidden”"))
KITH_DEFINE_WIRE_ENUM (KithPresence, kith_presence, presence_values,
                       N_("one of “offline”, “online”, “busy”, “idle” or “mobile”"))
KITH_DEFINE_WIRE_ENUM (KithDeviceKind, kith_device_kind, device_kind_values,
                       N_("“desktop” or “mobile”"))
KITH_DEFINE_WIRE_ENUM (KithContactState, kith_contact_state, contact_state_values,
                       N_("one of “accepted”, “incoming” or “outgoing”"))
KITH_DEFINE_WIRE_ENUM (KithCallOutcome, kith_call_outcome, call_outcome_values,
                       N_("one of “missed”, “declined”, “busy”, “unreachable” or “ended”"))

const char *
kith_wire_enum_to_string (const KithWireEnum *wire,
                          int                 value)
{
  g_return_val_if_fail (wire != NULL, NULL);

  if (value < 0 || (guint) value >= wire->n_values)
    value = 0;

  return wire->values[value].value_nick;
}

gboolean
kith_wire_enum_from_string (const KithWireEnum *wire,
                            const char         *str,
                            int                *value)
{
  g_return_val_if_fail (wire != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (str != NULL) {
    for (guint i = 0; i < wire->n_values; i++) {
      if (g_str_equal (str, wire->values[i].value_nick)) {
        *value = wire->values[i].value;
        return TRUE;
      }
    }
  }

  *value = wire->values[0].value;
  return FALSE;
}
