/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdAdmin"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kith-password-policy.h"
#include "kith-protocol.h"
#include "kithd-admin.h"
#include "kithd-config.h"
#include "kithd-crypto.h"
#include "kithd-store-sqlite.h"

static const char usage[] =
  "Commands:\n"
  "  create-user EMAIL FIRST LAST [--password P]   (without --password: read from stdin)\n"
  "  set-plan EMAIL free|paid\n"
  "  list-users\n";

static char *
read_password_stdin (void)
{
  char buf[KITH_PASSWORD_MAX_BYTES + 2];
  gsize len;

  if (isatty (STDIN_FILENO))
    g_printerr ("Password: ");
  if (!fgets (buf, sizeof buf, stdin))
    return NULL;
  len = strlen (buf);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    buf[--len] = '\0';
  return g_strdup (buf);
}

static int
create_user (KithdStore *store,
             char      **args,
             const char *password_arg)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *email = NULL;
  gint64 id;

  if (g_strv_length (args) != 3) {
    g_printerr ("create-user needs EMAIL FIRST LAST\n%s", usage);
    return 2;
  }
  if (!kith_email_check (args[0], &error) ||
      !kith_name_check ("FIRST", args[1], &error) ||
      !kith_name_check ("LAST", args[2], &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  if (!*args[1] || strlen (args[1]) > KITH_MAX_NAME_BYTES ||
      !*args[2] || strlen (args[2]) > KITH_MAX_NAME_BYTES) {
    g_printerr ("Names must have 1 to %d bytes\n", KITH_MAX_NAME_BYTES);
    return 1;
  }

  password = password_arg ? g_strdup (password_arg) : read_password_stdin ();
  if (!password || !kith_password_policy_validate (password, &error)) {
    g_printerr ("%s\n", error ? error->message : "No password given");
    return 1;
  }
  hash = kithd_crypto_hash_password (password, &error);
  if (!hash) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  email = g_ascii_strdown (args[0], -1);
  id = kithd_store_user_create (store, email, hash, args[1], args[2],
                                kithd_clock_now_ms (), &error);
  if (id <= 0) {
    g_printerr ("%s\n", error ? error->message : "Could not create the user");
    return 1;
  }
  g_print ("%" G_GINT64_FORMAT "\t%s\n", id, email);
  return 0;
}

static int
set_plan (KithdStore  *store,
          char       **args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;

  if (g_strv_length (args) != 2 ||
      (strcmp (args[1], KITH_PLAN_FREE) != 0 && strcmp (args[1], KITH_PLAN_PAID) != 0)) {
    g_printerr ("set-plan needs EMAIL free|paid\n%s", usage);
    return 2;
  }
  user = kithd_store_user_get_by_email (store, args[0], &error);
  if (!user) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  if (!kithd_store_user_set_plan (store, user->id, args[1], &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  return 0;
}

static int
list_users (KithdStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) users = kithd_store_user_list (store, &error);

  if (!users) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  for (guint i = 0; i < users->len; i++) {
    KithdUser *user = g_ptr_array_index (users, i);

    g_print ("%" G_GINT64_FORMAT "\t%s\t%s %s\t%s\n", user->id, user->email,
             user->first_name, user->last_name, user->plan);
  }
  return 0;
}

int
kithd_admin_run (int    argc,
                 char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *password = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdConfig) config = kithd_config_new ();
  g_autoptr (KithdStore) store = NULL;
  GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "The server's data directory", "DIR" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "Read the data directory from FILE", "FILE" },
    { "password", 'p', 0, G_OPTION_ARG_STRING, &password, "create-user: the password (else read from stdin)", "P" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("COMMAND [ARGS…] - kithd operator commands");
  const char *command;

  g_option_context_set_description (context, usage);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  if (argc < 2) {
    g_printerr ("kithd admin: no command given\n%s", usage);
    return 2;
  }
  command = argv[1];

  if (config_file && !kithd_config_load_file (config, config_file, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  if (data_dir) {
    g_free (config->data_dir);
    config->data_dir = g_strdup (data_dir);
  }
  if (g_mkdir_with_parents (config->data_dir, 0700) != 0) {
    g_printerr ("Cannot create %s\n", config->data_dir);
    return 1;
  }

  db_path = g_build_filename (config->data_dir, "kithd.db", NULL);
  store = KITHD_STORE (kithd_store_sqlite_new (db_path, &error));
  if (!store) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  if (strcmp (command, "create-user") == 0)
    return create_user (store, argv + 2, password);
  if (strcmp (command, "set-plan") == 0)
    return set_plan (store, argv + 2);
  if (strcmp (command, "list-users") == 0 && argc == 2)
    return list_users (store);

  g_printerr ("kithd admin: unknown command “%s”\n%s", command, usage);
  return 2;
}
