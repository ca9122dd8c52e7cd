/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestWireEnums"

#include "config.h"

#include <string.h>

#include "kith-protocol.h"

static void
test_contact_state_strings (void)
{
  static const char * const names[] = { "accepted", "incoming", "outgoing" };
  KithContactState state;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_assert_cmpstr (kith_contact_state_to_string (i), ==, names[i]);
    g_assert_true (kith_contact_state_from_string (names[i], &state));
    g_assert_cmpint (state, ==, i);
  }
  g_assert_false (kith_contact_state_from_string ("pending", &state));
  g_assert_false (kith_contact_state_from_string (NULL, &state));
}

/* Each wire enum: the names of docs/protocol.md, in value order, both
 * ways; what is out of range or unknown reads as the first value. */
static void
test_wire_enum_tables (void)
{
  static const struct {
    const KithWireEnum *wire;
    const char         *type_name;
    const char         *names[6];
  } table[] = {
    { &kith_chosen_status_wire, "KithChosenStatus", { "online", "busy", "hidden" } },
    { &kith_presence_wire,      "KithPresence",     { "offline", "online", "busy", "idle", "mobile" } },
    { &kith_device_kind_wire,   "KithDeviceKind",   { "desktop", "mobile" } },
    { &kith_contact_state_wire, "KithContactState", { "accepted", "incoming", "outgoing" } },
  };

  for (guint t = 0; t < G_N_ELEMENTS (table); t++) {
    const KithWireEnum *wire = table[t].wire;
    guint n = 0;
    int value = -1;

    g_assert_cmpstr (wire->type_name, ==, table[t].type_name);
    while (table[t].names[n] != NULL)
      n++;
    g_assert_cmpuint (wire->n_values, ==, n);

    for (guint i = 0; i < n; i++) {
      g_assert_cmpint (wire->values[i].value, ==, i);
      g_assert_cmpstr (kith_wire_enum_to_string (wire, i), ==, table[t].names[i]);
      g_assert_true (kith_wire_enum_from_string (wire, table[t].names[i], &value));
      g_assert_cmpint (value, ==, i);
      /* an error message names every value */
      g_assert_nonnull (strstr (wire->expected, table[t].names[i]));
    }

    g_assert_cmpstr (kith_wire_enum_to_string (wire, n), ==, table[t].names[0]);
    g_assert_cmpstr (kith_wire_enum_to_string (wire, -1), ==, table[t].names[0]);
    g_assert_false (kith_wire_enum_from_string (wire, "Online", &value));
    g_assert_cmpint (value, ==, 0);
    g_assert_false (kith_wire_enum_from_string (wire, NULL, &value));
    g_assert_cmpint (value, ==, 0);
  }
}

static void
test_typed_lookups (void)
{
  KithPresence presence = KITH_PRESENCE_BUSY;
  KithChosenStatus chosen = KITH_CHOSEN_BUSY;
  KithDeviceKind kind = KITH_DEVICE_MOBILE;

  g_assert_cmpstr (kith_presence_to_string (KITH_PRESENCE_IDLE), ==, "idle");
  g_assert_true (kith_presence_from_string ("mobile", &presence));
  g_assert_cmpint (presence, ==, KITH_PRESENCE_MOBILE);
  g_assert_false (kith_presence_from_string ("hidden", &presence));
  g_assert_cmpint (presence, ==, KITH_PRESENCE_OFFLINE);

  g_assert_cmpstr (kith_chosen_status_to_string (KITH_CHOSEN_HIDDEN), ==, "hidden");
  g_assert_true (kith_chosen_status_from_string ("busy", &chosen));
  g_assert_cmpint (chosen, ==, KITH_CHOSEN_BUSY);
  g_assert_false (kith_chosen_status_from_string ("idle", &chosen));
  g_assert_cmpint (chosen, ==, KITH_CHOSEN_ONLINE);

  g_assert_cmpstr (kith_device_kind_to_string (KITH_DEVICE_MOBILE), ==, "mobile");
  g_assert_true (kith_device_kind_from_string ("desktop", &kind));
  g_assert_cmpint (kind, ==, KITH_DEVICE_DESKTOP);
  g_assert_false (kith_device_kind_from_string ("tablet", &kind));
  g_assert_cmpint (kind, ==, KITH_DEVICE_DESKTOP);
}

/* The GTypes the service's objects carry read the same table: their
 * nicks are the wire names. */
static void
test_gtypes (void)
{
  static const struct {
    GType               (*get_type) (void);
    const KithWireEnum *wire;
  } table[] = {
    { kith_chosen_status_get_type, &kith_chosen_status_wire },
    { kith_presence_get_type,      &kith_presence_wire },
    { kith_device_kind_get_type,   &kith_device_kind_wire },
    { kith_contact_state_get_type, &kith_contact_state_wire },
  };

  for (guint t = 0; t < G_N_ELEMENTS (table); t++) {
    GType type = table[t].get_type ();
    g_autoptr (GEnumClass) klass = NULL;

    g_assert_true (G_TYPE_IS_ENUM (type));
    g_assert_cmpstr (g_type_name (type), ==, table[t].wire->type_name);
    g_assert_cmpuint (table[t].get_type (), ==, type);
    klass = g_type_class_ref (type);
    g_assert_cmpuint (klass->n_values, ==, table[t].wire->n_values);
    for (guint i = 0; i < klass->n_values; i++) {
      GEnumValue *value = g_enum_get_value (klass, i);

      g_assert_nonnull (value);
      g_assert_cmpstr (value->value_nick, ==, kith_wire_enum_to_string (table[t].wire, i));
    }
  }

  g_assert_cmpuint (KITH_TYPE_PRESENCE, ==, kith_presence_get_type ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wire-enums/contact-state", test_contact_state_strings);
  g_test_add_func ("/wire-enums/tables", test_wire_enum_tables);
  g_test_add_func ("/wire-enums/typed-lookups", test_typed_lookups);
  g_test_add_func ("/wire-enums/gtypes", test_gtypes);

  return g_test_run ();
}
