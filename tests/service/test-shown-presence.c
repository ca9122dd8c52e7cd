/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestShownPresence"

#include "config.h"

#include "kith-service-enums.h"
#include "kith-shown-presence.h"
#include "service-test-util.h"

/*
 * The presence-label helper: names, labels and icons of each shown
 * presence, and the user's own presence from a real session.
 */

static void
test_names (void)
{
  static const struct {
    KithShownPresence  presence;
    const char        *name;
    const char        *label;
    const char        *icon_name;
  } cases[] = {
    { KITH_SHOWN_PRESENCE_OFFLINE, "offline", "Offline", "im.kith.Kith-offline-symbolic" },
    { KITH_SHOWN_PRESENCE_ONLINE, "online", "Online", "im.kith.Kith-online-symbolic" },
    { KITH_SHOWN_PRESENCE_BUSY, "busy", "Busy", "im.kith.Kith-busy-symbolic" },
    { KITH_SHOWN_PRESENCE_IDLE, "idle", "Idle", "im.kith.Kith-idle-symbolic" },
    { KITH_SHOWN_PRESENCE_MOBILE, "mobile", "Mobile", "im.kith.Kith-mobile-symbolic" },
    { KITH_SHOWN_PRESENCE_HIDDEN, "hidden", "Hidden", "im.kith.Kith-hidden-symbolic" },
    /* Anything else shows offline. */
    { (KithShownPresence) 42, "offline", "Offline", "im.kith.Kith-offline-symbolic" },
  };
  g_autoptr (GEnumClass) enum_class = g_type_class_ref (KITH_TYPE_SHOWN_PRESENCE);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GEnumValue *value = g_enum_get_value (enum_class, cases[i].presence);

    g_assert_cmpstr (kith_shown_presence_get_name (cases[i].presence), ==, cases[i].name);
    g_assert_cmpstr (kith_shown_presence_get_label (cases[i].presence), ==, cases[i].label);
    g_assert_cmpstr (kith_shown_presence_get_icon_name (cases[i].presence), ==, cases[i].icon_name);
    /* The GType's nick is the name. */
    if (value != NULL)
      g_assert_cmpstr (value->value_nick, ==, cases[i].name);
  }
}

static void
test_from_presence (void)
{
  g_assert_cmpint (kith_shown_presence_from_presence (KITH_PRESENCE_OFFLINE), ==, KITH_SHOWN_PRESENCE_OFFLINE);
  g_assert_cmpint (kith_shown_presence_from_presence (KITH_PRESENCE_ONLINE), ==, KITH_SHOWN_PRESENCE_ONLINE);
  g_assert_cmpint (kith_shown_presence_from_presence (KITH_PRESENCE_BUSY), ==, KITH_SHOWN_PRESENCE_BUSY);
  g_assert_cmpint (kith_shown_presence_from_presence (KITH_PRESENCE_IDLE), ==, KITH_SHOWN_PRESENCE_IDLE);
  g_assert_cmpint (kith_shown_presence_from_presence (KITH_PRESENCE_MOBILE), ==, KITH_SHOWN_PRESENCE_MOBILE);
  /* A contact is never shown hidden. */
  g_assert_cmpint (kith_shown_presence_from_presence ((KithPresence) KITH_SHOWN_PRESENCE_HIDDEN), ==,
                   KITH_SHOWN_PRESENCE_OFFLINE);

  g_assert_cmpstr (kith_shown_presence_get_unknown_label (KITH_PRESENCE_OFFLINE), ==, "Offline");
  for (KithPresence p = KITH_PRESENCE_ONLINE; p <= KITH_PRESENCE_MOBILE; p++)
    g_assert_cmpstr (kith_shown_presence_get_unknown_label (p), ==, "Last seen online");
}

static void
test_for_session (void)
{
  KithdTestServer *server;
  g_autoptr (KithdTestUser) ada = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = svc_test_make_dir ("data");
  KithStatusManager *status;

  server = kithd_test_server_start (NULL, NULL);
  ada = kithd_test_server_sign_up (server, "ada@example.com", PASSWORD, "Ada", "Lovelace");
  session = svc_test_session_new (server, dir, KITH_DEVICE_DESKTOP);
  status = kith_session_get_status (session);

  g_assert_cmpint (kith_shown_presence_for_session (session), ==, KITH_SHOWN_PRESENCE_OFFLINE);
  kith_status_manager_set_chosen (status, KITH_CHOSEN_HIDDEN);
  g_assert_cmpint (kith_shown_presence_for_session (session), ==, KITH_SHOWN_PRESENCE_OFFLINE);
  kith_status_manager_set_chosen (status, KITH_CHOSEN_ONLINE);

  g_assert_true (svc_test_sign_in (session, ada->email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_shown_presence_for_session (session), ==, KITH_SHOWN_PRESENCE_ONLINE);
  kith_status_manager_set_chosen (status, KITH_CHOSEN_BUSY);
  g_assert_cmpint (kith_shown_presence_for_session (session), ==, KITH_SHOWN_PRESENCE_BUSY);
  kith_status_manager_set_chosen (status, KITH_CHOSEN_HIDDEN);
  g_assert_cmpint (kith_shown_presence_for_session (session), ==, KITH_SHOWN_PRESENCE_HIDDEN);

  svc_test_log_out (session);
  g_assert_cmpint (kith_shown_presence_for_session (session), ==, KITH_SHOWN_PRESENCE_OFFLINE);

  g_clear_object (&session);
  kithd_test_server_free (server);
}

int
main (int   argc,
      char *argv[])
{
  svc_test_init (&argc, &argv);

  g_test_add_func ("/shown-presence/names", test_names);
  g_test_add_func ("/shown-presence/from-presence", test_from_presence);
  g_test_add_func ("/shown-presence/for-session", test_for_session);

  return svc_test_run (NULL);
}
