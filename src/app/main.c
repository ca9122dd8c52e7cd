/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "Kith"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "kith-application.h"
#include "kith-call.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KithApplication) app = NULL;

  kith_call_prepare_process ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Kith"));

  app = kith_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
