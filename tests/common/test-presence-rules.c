/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestPresence"

#include "config.h"

#include "kith-presence-rules.h"

#define D(kind, idle) { KITH_DEVICE_##kind, idle }
#define MAX_DEVICES 4

typedef struct {
  const char       *what;
  KithChosenStatus  chosen;
  gboolean          in_call;
  gsize             n_devices;
  KithDeviceState   devices[MAX_DEVICES];
  KithPresence      expected;
} PresenceCase;

static const PresenceCase cases[] = {
  /* 1. offline: no connected device */
  { "no device, online",          KITH_CHOSEN_ONLINE, FALSE, 0, { { 0 } }, KITH_PRESENCE_OFFLINE },
  { "no device, busy",            KITH_CHOSEN_BUSY,   FALSE, 0, { { 0 } }, KITH_PRESENCE_OFFLINE },
  { "no device, hidden",          KITH_CHOSEN_HIDDEN, FALSE, 0, { { 0 } }, KITH_PRESENCE_OFFLINE },
  { "no device, in a call",       KITH_CHOSEN_ONLINE, TRUE,  0, { { 0 } }, KITH_PRESENCE_OFFLINE },

  /* 2. hidden: contacts see offline, whatever else holds */
  { "hidden desktop",             KITH_CHOSEN_HIDDEN, FALSE, 1, { D (DESKTOP, FALSE) }, KITH_PRESENCE_OFFLINE },
  { "hidden in a call",           KITH_CHOSEN_HIDDEN, TRUE,  1, { D (DESKTOP, FALSE) }, KITH_PRESENCE_OFFLINE },
  { "hidden on mobile",           KITH_CHOSEN_HIDDEN, FALSE, 1, { D (MOBILE, FALSE) },  KITH_PRESENCE_OFFLINE },
  { "hidden and idle",            KITH_CHOSEN_HIDDEN, FALSE, 1, { D (DESKTOP, TRUE) },  KITH_PRESENCE_OFFLINE },

  /* 3. busy: chosen, or in a call */
  { "busy chosen",                KITH_CHOSEN_BUSY,   FALSE, 1, { D (DESKTOP, FALSE) }, KITH_PRESENCE_BUSY },
  { "busy chosen, idle",          KITH_CHOSEN_BUSY,   FALSE, 1, { D (DESKTOP, TRUE) },  KITH_PRESENCE_BUSY },
  { "busy chosen, mobile only",   KITH_CHOSEN_BUSY,   FALSE, 1, { D (MOBILE, FALSE) },  KITH_PRESENCE_BUSY },
  { "online but in a call",       KITH_CHOSEN_ONLINE, TRUE,  1, { D (DESKTOP, FALSE) }, KITH_PRESENCE_BUSY },
  { "in a call on mobile",        KITH_CHOSEN_ONLINE, TRUE,  1, { D (MOBILE, FALSE) },  KITH_PRESENCE_BUSY },
  { "in a call while idle",       KITH_CHOSEN_ONLINE, TRUE,  2, { D (DESKTOP, TRUE), D (MOBILE, TRUE) }, KITH_PRESENCE_BUSY },
  { "busy and in a call",         KITH_CHOSEN_BUSY,   TRUE,  1, { D (DESKTOP, FALSE) }, KITH_PRESENCE_BUSY },

  /* 4. mobile: only when every connected device is mobile */
  { "one mobile",                 KITH_CHOSEN_ONLINE, FALSE, 1, { D (MOBILE, FALSE) }, KITH_PRESENCE_MOBILE },
  { "two mobiles",                KITH_CHOSEN_ONLINE, FALSE, 2, { D (MOBILE, FALSE), D (MOBILE, FALSE) }, KITH_PRESENCE_MOBILE },
  { "mobile, idle",               KITH_CHOSEN_ONLINE, FALSE, 1, { D (MOBILE, TRUE) },  KITH_PRESENCE_MOBILE },
  { "desktop + mobile",           KITH_CHOSEN_ONLINE, FALSE, 2, { D (DESKTOP, FALSE), D (MOBILE, FALSE) }, KITH_PRESENCE_ONLINE },
  { "mobile + desktop",           KITH_CHOSEN_ONLINE, FALSE, 2, { D (MOBILE, FALSE), D (DESKTOP, FALSE) }, KITH_PRESENCE_ONLINE },

  /* 5. idle: only when every connected device is idle */
  { "one idle desktop",           KITH_CHOSEN_ONLINE, FALSE, 1, { D (DESKTOP, TRUE) }, KITH_PRESENCE_IDLE },
  { "two idle desktops",          KITH_CHOSEN_ONLINE, FALSE, 2, { D (DESKTOP, TRUE), D (DESKTOP, TRUE) }, KITH_PRESENCE_IDLE },
  { "idle desktop + idle mobile", KITH_CHOSEN_ONLINE, FALSE, 2, { D (DESKTOP, TRUE), D (MOBILE, TRUE) }, KITH_PRESENCE_IDLE },
  { "one of two idle",            KITH_CHOSEN_ONLINE, FALSE, 2, { D (DESKTOP, TRUE), D (DESKTOP, FALSE) }, KITH_PRESENCE_ONLINE },
  { "idle desktop + active mobile", KITH_CHOSEN_ONLINE, FALSE, 2, { D (DESKTOP, TRUE), D (MOBILE, FALSE) }, KITH_PRESENCE_ONLINE },

  /* 6. online otherwise */
  { "one active desktop",         KITH_CHOSEN_ONLINE, FALSE, 1, { D (DESKTOP, FALSE) }, KITH_PRESENCE_ONLINE },
  { "three devices",              KITH_CHOSEN_ONLINE, FALSE, 3, { D (DESKTOP, FALSE), D (DESKTOP, TRUE), D (MOBILE, FALSE) }, KITH_PRESENCE_ONLINE },
};

static void
test_presence_rules (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const PresenceCase *c = &cases[i];
    KithPresence got;

    got = kith_presence_resolve (c->chosen, c->n_devices ? c->devices : NULL,
                                 c->n_devices, c->in_call);
    if (got != c->expected)
      g_error ("case “%s”: got %s, expected %s", c->what,
               kith_presence_to_string (got), kith_presence_to_string (c->expected));
  }
}

static void
test_presence_after_call (void)
{
  KithDeviceState desktop = { KITH_DEVICE_DESKTOP, FALSE };

  /* busy is set by the call and the chosen status comes back after it */
  g_assert_cmpint (kith_presence_resolve (KITH_CHOSEN_ONLINE, &desktop, 1, TRUE), ==, KITH_PRESENCE_BUSY);
  g_assert_cmpint (kith_presence_resolve (KITH_CHOSEN_ONLINE, &desktop, 1, FALSE), ==, KITH_PRESENCE_ONLINE);

  /* idle, then input again: back to the chosen status */
  desktop.idle = TRUE;
  g_assert_cmpint (kith_presence_resolve (KITH_CHOSEN_ONLINE, &desktop, 1, FALSE), ==, KITH_PRESENCE_IDLE);
  desktop.idle = FALSE;
  g_assert_cmpint (kith_presence_resolve (KITH_CHOSEN_ONLINE, &desktop, 1, FALSE), ==, KITH_PRESENCE_ONLINE);
}

static void
test_presence_strings (void)
{
  static const char * const presences[] = { "offline", "online", "busy", "idle", "mobile" };
  static const char * const chosen[] = { "online", "busy", "hidden" };
  static const char * const kinds[] = { "desktop", "mobile" };
  KithPresence p = KITH_PRESENCE_BUSY;
  KithChosenStatus c = KITH_CHOSEN_BUSY;
  KithDeviceKind k = KITH_DEVICE_MOBILE;

  for (guint i = 0; i < G_N_ELEMENTS (presences); i++) {
    g_assert_cmpstr (kith_presence_to_string (i), ==, presences[i]);
    g_assert_true (kith_presence_from_string (presences[i], &p));
    g_assert_cmpint (p, ==, i);
  }
  for (guint i = 0; i < G_N_ELEMENTS (chosen); i++) {
    g_assert_cmpstr (kith_chosen_status_to_string (i), ==, chosen[i]);
    g_assert_true (kith_chosen_status_from_string (chosen[i], &c));
    g_assert_cmpint (c, ==, i);
  }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    g_assert_cmpstr (kith_device_kind_to_string (i), ==, kinds[i]);
    g_assert_true (kith_device_kind_from_string (kinds[i], &k));
    g_assert_cmpint (k, ==, i);
  }

  g_assert_false (kith_presence_from_string ("hidden", &p));
  g_assert_false (kith_presence_from_string ("Online", &p));
  g_assert_false (kith_presence_from_string (NULL, &p));
  g_assert_false (kith_chosen_status_from_string ("offline", &c));
  g_assert_false (kith_chosen_status_from_string ("idle", &c));
  g_assert_false (kith_device_kind_from_string ("tablet", &k));
  g_assert_false (kith_device_kind_from_string ("", &k));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/presence/rules", test_presence_rules);
  g_test_add_func ("/presence/after-call", test_presence_after_call);
  g_test_add_func ("/presence/strings", test_presence_strings);

  return g_test_run ();
}
