/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzzConfig"

#include "config.h"

#include <string.h>

#include "kith-fuzz.h"
#include "kithd-config.h"

/*
 * kithd's configuration file (kithd --config FILE): the input is the
 * file, read by kithd_config_load_file() over a default configuration; its
 * first line, when it is UTF-8, is also given to kithd_config_parse_listen()
 * as --listen.
 *
 * Checked: a refused file gives an error with a message in valid UTF-8
 * (it is shown to the operator, and kithd stops); an accepted one gives
 * settings within their documented ranges (data/kithd.conf.example), none
 * of those that need a value cleared, TLS files both or neither.
 */

static char *path;

static void
check_config (const KithdConfig *config)
{
  kith_fuzz_check (config->listen_host != NULL, "no listen host");
  kith_fuzz_check (config->data_dir != NULL && config->name != NULL && config->mail_from != NULL,
                   "a setting that may not be empty was cleared");
  kith_fuzz_check (config->max_connections >= 1 && config->max_connections <= 1000000,
                   "max-connections out of range: %u", config->max_connections);
  kith_fuzz_check (config->connections_per_address <= 1000000, "connections-per-address out of range");
  kith_fuzz_check (config->request_timeout_ms >= 1000 && config->request_timeout_ms <= 3600 * 1000,
                   "request-timeout out of range");
  kith_fuzz_check (config->idle_timeout_ms >= 1000 && config->idle_timeout_ms <= 3600 * 1000,
                   "idle-timeout out of range");
  kith_fuzz_check (config->max_send_queue >= 64 * 1024 && config->max_send_queue <= (gsize) 1024 * 1024 * 1024,
                   "max-send-queue-kib out of range");
  kith_fuzz_check (config->hello_timeout_ms >= 1000 && config->ping_interval_ms >= 1000 &&
                   config->dead_after_ms >= 2000, "a socket timer out of range");
  kith_fuzz_check (!config->tls_certificate == !config->tls_key, "a TLS certificate without a key");
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autofree char *dir = NULL;

  kith_fuzz_init_logging ();
  dir = kith_fuzz_make_temp_dir ("kith-fuzz-config");
  path = g_build_filename (dir, "kithd.conf", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (KithdConfig) config = kithd_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_strndup ((const char *) data, size);
  g_autofree char *host = g_strdup ("127.0.0.1");
  guint16 port = 8480;

  if (!g_file_set_contents (path, (const char *) data, size, &error))
    kith_fuzz_fail ("cannot write %s: %s", path, error->message);

  if (kithd_config_load_file (config, path, &error)) {
    kith_fuzz_check (error == NULL, "a loaded file with an error set");
    check_config (config);
  } else {
    /* kithd stops there: what was set before the error does not matter. */
    kith_fuzz_check (error != NULL, "a refused file without an error");
    kith_fuzz_check (g_utf8_validate (error->message, -1, NULL),
                     "an error message in bad UTF-8: %s", error->message);
    g_clear_error (&error);
  }

  /* --listen comes as UTF-8 (GOption), as every value GKeyFile gives. */
  line[strcspn (line, "\n")] = '\0';
  if (!g_utf8_validate (line, -1, NULL))
    return 0;
  if (kithd_config_parse_listen (line, &host, &port, &error)) {
    kith_fuzz_check (host != NULL && *host != '\0', "a listen address without a host");
  } else {
    kith_fuzz_check (error != NULL && g_utf8_validate (error->message, -1, NULL),
                     "a refused listen address without a readable error");
    kith_fuzz_check (g_strcmp0 (host, "127.0.0.1") == 0 && port == 8480,
                     "a refused listen address changed the setting");
  }

  return 0;
}
