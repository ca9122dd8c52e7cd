/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "kith-console.h"
#include "kith-service-enums.h"
#include "kith-session.h"

/*
 * kith-cli: a thin command-line front end over the service layer.
 * Every line it prints is flushed at once (tests read them).
 *
 * Its standard output is a line protocol for scripts and tests ("state
 * online", "presence EMAIL busy", "sent 3", …) and stays in English; what it
 * says to a person on standard error, and --help, is translated.
 */

typedef struct {
  GMainLoop   *loop;
  KithSession *session;
  char       **args;         /* the command and its arguments */
  int          status;       /* exit status */
  gboolean     waiting_outbox;
  gboolean     bot;
  gboolean     leaving;
  guint        count;
  guint        queued;
  KithCall    *call;         /* call: the one placed; bot: the one answered */
  gboolean     call_active;  /* call: it reached active */
  guint        hang_up_source;
} Cli;

static char *opt_server;
static char *opt_device_kind;
static char *opt_email;
static char *opt_data_dir;
static char *opt_ca_file;
static gboolean opt_allow_unencrypted;
static gboolean opt_password_stdin;
static gboolean opt_stay_signed_in;
static int opt_count = 1;
static int opt_idle_delay;
static gboolean opt_video;
static int opt_duration = 5;
static gboolean opt_echo;

static GOptionEntry entries[] = {
  { "server", 0, 0, G_OPTION_ARG_STRING, &opt_server, N_("Server URL (default $KITH_SERVER or http://127.0.0.1:8480)"), N_("URL") },
  { "device-kind", 0, 0, G_OPTION_ARG_STRING, &opt_device_kind, N_("Device kind: desktop or mobile"), N_("KIND") },
  { "email", 0, 0, G_OPTION_ARG_STRING, &opt_email, N_("Account email address"), N_("EMAIL") },
  { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &opt_password_stdin, N_("Read the password from standard input"), NULL },
  { "stay-signed-in", 0, 0, G_OPTION_ARG_NONE, &opt_stay_signed_in, N_("Keep the session in the keyring"), NULL },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir, N_("Where the local message store lives"), N_("DIR") },
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file, N_("Trust the certificate authorities in FILE (PEM) instead of the system’s"), N_("FILE") },
  { "allow-unencrypted", 0, 0, G_OPTION_ARG_NONE, &opt_allow_unencrypted, N_("Send the password and token over plain http:// to a server that is not on this machine"), NULL },
  { "count", 0, 0, G_OPTION_ARG_INT, &opt_count, N_("send: send TEXT N times as “TEXT 1” … “TEXT N”"), N_("N") },
  { "idle-delay", 0, 0, G_OPTION_ARG_INT, &opt_idle_delay, N_("Become idle after SECONDS without input (without this option: never)"), N_("SECONDS") },
  { "video", 0, 0, G_OPTION_ARG_NONE, &opt_video, N_("call: a video call"), NULL },
  { "duration", 0, 0, G_OPTION_ARG_INT, &opt_duration, N_("call: hang up SECONDS after the call is up (default 5)"), N_("SECONDS") },
  { "echo", 0, 0, G_OPTION_ARG_NONE, &opt_echo, N_("bot: answer calls as an echo test (what it hears comes back 2 s later)"), NULL },
  { NULL }
};

static void
say (const char *format,
     ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static void
on_left (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_session_finish (KITH_SESSION (source), result, &error)) {
    g_printerr ("kith-cli: %s\n", error->message);
    cli->status = 1;
  }
  g_main_loop_quit (cli->loop);
}

/* Leaves the way the app's Exit does (revokes unless stay-signed-in). */
static void
finish (Cli *cli,
        int  status)
{
  if (cli->leaving)
    return;
  cli->leaving = TRUE;
  if (status != 0)
    cli->status = status;
  if (kith_session_get_state (cli->session) == KITH_SESSION_SIGNED_OUT)
    g_main_loop_quit (cli->loop);
  else
    kith_session_exit_async (cli->session, NULL, on_left, cli);
}

static void
fail (Cli          *cli,
      const GError *error)
{
  g_printerr ("kith-cli: %s\n", error->message);
  if (g_error_matches (error, KITH_ERROR, KITH_ERROR_UNENCRYPTED))
    g_printerr ("kith-cli: %s\n", _("To connect without encryption anyway, add --allow-unencrypted."));
  finish (cli, 1);
}

static gboolean
on_unix_signal (gpointer user_data)
{
  finish (user_data, 0);
  return G_SOURCE_REMOVE;
}

static const char *
presence_name (KithPresence presence)
{
  return kith_presence_to_string (presence);
}

static void
on_presence_changed (KithContact *contact,
                     GParamSpec  *pspec,
                     Cli         *cli)
{
  say ("presence %s %s", kith_contact_get_email (contact),
       presence_name (kith_contact_get_presence (contact)));
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!kith_contact_list_finish (KITH_CONTACT_LIST (source), result, &error))
    g_printerr ("kith-cli: %s\n", error->message);
}

static void
on_contact_request (KithSession *session,
                    KithContact *contact,
                    Cli         *cli)
{
  say ("contact-request %s", kith_contact_get_email (contact));
  if (cli->bot)
    kith_contact_list_accept_async (kith_session_get_contact_list (session), contact, NULL,
                                    on_accepted, cli);
}

static void
on_contacts_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     Cli        *cli)
{
  for (guint i = position; i < position + added; i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (model, i);

    g_signal_connect (contact, "notify::presence", G_CALLBACK (on_presence_changed), cli);
    if (kith_contact_get_state (contact) == KITH_CONTACT_ACCEPTED)
      on_presence_changed (contact, NULL, cli);
    if (cli->bot && kith_contact_get_state (contact) == KITH_CONTACT_INCOMING)
      kith_contact_list_accept_async (kith_session_get_contact_list (cli->session), contact, NULL,
                                      on_accepted, cli);
  }
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithMessage) message = NULL;

  message = kith_conversations_send_finish (KITH_CONVERSATIONS (source), result, &error);
  if (message == NULL) {
    if (cli->waiting_outbox)
      fail (cli, error);
    return;
  }
  if (cli->waiting_outbox)
    say ("queued %u", ++cli->queued);
}

static void
on_message_received (KithSession *session,
                     KithContact *contact,
                     KithMessage *message,
                     Cli         *cli)
{
  const char *from = contact ? kith_contact_get_email (contact) : "?";

  if (kith_message_get_is_call (message)) {
    /* A call's event in the conversation ("Video call, 0:16"): nobody
     * wrote it, the bot does not answer it. */
    say ("call event %s: %s", from, kith_message_get_body (message));
    return;
  }
  say ("message %s: %s", from, kith_message_get_body (message));
  if (cli->bot && contact != NULL) {
    g_autofree char *reply = g_strdup_printf ("Echo: %s", kith_message_get_body (message));

    kith_conversations_send_async (kith_session_get_conversations (session), contact, reply, NULL,
                                   on_sent, cli);
    kith_conversations_mark_read (kith_session_get_conversations (session), contact);
  }
}

/* Signed in, but the session is not remembered: said, not fatal. */
static void
on_keyring_error (KithSession  *session,
                  const GError *error,
                  Cli          *cli)
{
  g_printerr ("kith-cli: %s\n", error->message);
}

static void
on_state_changed (KithSession      *session,
                  KithSessionState  state,
                  KithSessionState  old,
                  Cli              *cli)
{
  static const char *names[] = { "signed-out", "signing-in", "online", "reconnecting", "signing-out" };

  if (state < G_N_ELEMENTS (names))
    say ("state %s", names[state]);
}

static void
on_outbox_length (KithSession *session,
                  GParamSpec  *pspec,
                  Cli         *cli)
{
  if (cli->waiting_outbox && cli->queued == cli->count &&
      kith_session_get_outbox_length (session) == 0) {
    cli->waiting_outbox = FALSE;
    say ("sent %u", cli->count);
    finish (cli, 0);
  }
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_contact_list_finish (KITH_CONTACT_LIST (source), result, &error)) {
    fail (cli, error);
    return;
  }
  say ("ok");
  finish (cli, 0);
}

static KithContact *find_contact (Cli        *cli,
                                  const char *email);

/* ---- calls ---- */

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  return found ? found->value_nick : "?";
}

static gboolean
on_hang_up_time (gpointer user_data)
{
  Cli *cli = user_data;

  cli->hang_up_source = 0;
  kith_call_hang_up (cli->call);
  return G_SOURCE_REMOVE;
}

/* One line per state; at the end what came in. `call` succeeds when the
 * call was up (active: the media connected both ways, ICE and DTLS) and
 * audio (and video, for a video call) arrived here: this end can count
 * only what it received, and active says the other end's path works too. */
static void
on_call_state_changed (KithCall      *call,
                       KithCallState  state,
                       KithCallState  old,
                       Cli           *cli)
{
  guint64 audio = kith_call_get_audio_buffers (call);
  guint64 video = kith_call_get_video_frames (call);
  gboolean flowed;

  if (state != KITH_CALL_ENDED) {
    say ("call %s", enum_nick (KITH_TYPE_CALL_STATE, state));
    if (state == KITH_CALL_ACTIVE && !cli->call_active && !cli->bot) {
      cli->call_active = TRUE;
      cli->hang_up_source = g_timeout_add_seconds (MAX (opt_duration, 1), on_hang_up_time, cli);
    }
    return;
  }

  say ("call ended %s", enum_nick (KITH_TYPE_CALL_END_REASON, kith_call_get_end_reason (call)));
  if (kith_call_get_error_message (call) != NULL)
    g_printerr ("kith-cli: %s\n", kith_call_get_error_message (call));
  say ("media audio-buffers %" G_GUINT64_FORMAT " video-frames %" G_GUINT64_FORMAT, audio, video);
  g_signal_handlers_disconnect_by_data (call, cli);
  g_clear_handle_id (&cli->hang_up_source, g_source_remove);
  g_clear_object (&cli->call);
  if (cli->bot)
    return;
  flowed = cli->call_active && audio > 0 && (!kith_call_get_video (call) || video > 0);
  finish (cli, flowed ? 0 : 1);
}

/* The bot answers every call: a test tone and pattern, or the echo test. */
static void
on_incoming_call (KithCallManager *calls,
                  KithCall        *call,
                  Cli             *cli)
{
  KithContact *peer = kith_call_get_peer (call);
  /* The echo test: asked for, or the bot's account is named for it. */
  gboolean echo = cli->bot &&
                  (opt_echo ||
                   g_strcmp0 (kith_user_get_display_name (kith_session_get_user (cli->session)),
                              "Echo Test") == 0);

  say ("call from %s%s%s", peer ? kith_contact_get_email (peer) : "?",
       kith_call_get_video (call) ? " video" : "", echo ? " echo" : "");
  if (!cli->bot)
    return;
  if (cli->call != NULL) {
    g_signal_handlers_disconnect_by_data (cli->call, cli);
    g_clear_object (&cli->call);
  }
  cli->call = g_object_ref (call);
  g_signal_connect (call, "state-changed", G_CALLBACK (on_call_state_changed), cli);
  if (echo)
    kith_call_set_echo (call, 2000);
  kith_call_answer (call);
}

static void
place_call (Cli        *cli,
            const char *email)
{
  KithContact *contact = find_contact (cli, email);
  g_autoptr (GError) error = NULL;

  if (contact == NULL)
    return;
  cli->call = kith_call_manager_place (kith_session_get_calls (cli->session), contact,
                                       opt_video, &error);
  if (cli->call == NULL) {
    fail (cli, error);
    return;
  }
  g_signal_connect (cli->call, "state-changed", G_CALLBACK (on_call_state_changed), cli);
  say ("call %s", enum_nick (KITH_TYPE_CALL_STATE, kith_call_get_state (cli->call)));
}

static void
on_logged_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr (GError) error = NULL;

  cli->leaving = TRUE;
  if (!kith_session_finish (KITH_SESSION (source), result, &error)) {
    g_printerr ("kith-cli: %s\n", error->message);
    cli->status = 1;
  } else {
    say ("logged out");
  }
  g_main_loop_quit (cli->loop);
}

static KithContact *
find_contact (Cli        *cli,
              const char *email)
{
  KithContact *contact = kith_session_find_contact_by_email (cli->session, email);

  if (contact == NULL) {
    g_autofree char *text = g_strdup_printf (_("%s is not among your contacts."), email);

    g_printerr ("kith-cli: %s\n", text);
    finish (cli, 1);
  }
  return contact;
}

static void
run_command (Cli *cli)
{
  const char *command = cli->args[0];
  guint argc = g_strv_length (cli->args);
  KithUser *user = kith_session_get_user (cli->session);

  if (g_str_equal (command, "login")) {
    say ("signed in as %s", kith_user_get_email (user));
    finish (cli, 0);
  } else if (g_str_equal (command, "logout")) {
    kith_session_log_out_async (cli->session, NULL, on_logged_out, cli);
  } else if (g_str_equal (command, "whoami")) {
    say ("%s %s", kith_user_get_email (user), kith_user_get_display_name (user));
    finish (cli, 0);
  } else if (g_str_equal (command, "contacts")) {
    GListModel *contacts = kith_session_get_contacts (cli->session);

    for (guint i = 0; i < g_list_model_get_n_items (contacts); i++) {
      g_autoptr (KithContact) contact = g_list_model_get_item (contacts, i);

      say ("%s %s %s", kith_contact_get_email (contact),
           kith_contact_state_to_string (kith_contact_get_state (contact)),
           presence_name (kith_contact_get_presence (contact)));
    }
    finish (cli, 0);
  } else if (g_str_equal (command, "add") && argc == 2) {
    kith_contact_list_add_async (kith_session_get_contact_list (cli->session), cli->args[1], NULL,
                                 on_done, cli);
  } else if (g_str_equal (command, "accept") && argc == 2) {
    KithContact *contact = find_contact (cli, cli->args[1]);

    if (contact != NULL)
      kith_contact_list_accept_async (kith_session_get_contact_list (cli->session), contact, NULL,
                                      on_done, cli);
  } else if (g_str_equal (command, "send") && argc == 3) {
    KithContact *contact = find_contact (cli, cli->args[1]);

    if (contact == NULL)
      return;
    cli->waiting_outbox = TRUE;
    cli->count = MAX (opt_count, 1);
    for (guint i = 1; i <= cli->count; i++) {
      g_autofree char *body = opt_count > 1 ? g_strdup_printf ("%s %u", cli->args[2], i)
                                            : g_strdup (cli->args[2]);

      kith_conversations_send_async (kith_session_get_conversations (cli->session), contact, body,
                                     NULL, on_sent, cli);
    }
  } else if (g_str_equal (command, "call") && argc == 2) {
    place_call (cli, cli->args[1]);
  } else if ((g_str_equal (command, "listen") || g_str_equal (command, "bot")) && argc == 1) {
    say ("ready");
  } else if (g_str_equal (command, "status") && argc == 2) {
    KithChosenStatus chosen;

    if (!kith_chosen_status_from_string (cli->args[1], &chosen)) {
      g_printerr ("kith-cli: %s\n", _("The status is online, busy or hidden."));
      finish (cli, 2);
      return;
    }
    kith_session_set_chosen_status (cli->session, chosen);
    say ("status %s", cli->args[1]);
    say ("ready");
  } else {
    g_printerr ("kith-cli: %s\n", _("Unknown command or wrong arguments (see --help)."));
    finish (cli, 2);
  }
}

static void
on_online (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_session_finish (KITH_SESSION (source), result, &error)) {
    if (error != NULL) {
      fail (cli, error);
    } else {
      g_printerr ("kith-cli: %s\n",
                  _("Not signed in (use --password-stdin, or login --stay-signed-in first)."));
      finish (cli, 1);
    }
    return;
  }
  run_command (cli);
}

static char *
read_password (void)
{
  g_autoptr (GString) str = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (str, (char) c);
  return g_string_free (g_steal_pointer (&str), FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autofree char *server = NULL;
  KithDeviceKind kind = KITH_DEVICE_DESKTOP;
  Cli cli = { 0 };

  kith_call_prepare_process ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  kith_console_init ();

  context = g_option_context_new ("login | logout | whoami | status online|busy|hidden | "
                                  "contacts | add EMAIL | accept EMAIL | send EMAIL TEXT | "
                                  "listen | bot | call EMAIL");
  g_option_context_set_summary (context, _("Use a Kith account from the command line."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("kith-cli: %s\n", error->message);
    return 2;
  }
  if (argc < 2) {
    g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
    g_printerr ("%s", help);
    return 2;
  }
  if (opt_device_kind != NULL && !kith_device_kind_from_string (opt_device_kind, &kind)) {
    g_printerr ("kith-cli: %s\n", _("--device-kind is desktop or mobile."));
    return 2;
  }

  server = g_strdup (opt_server ? opt_server
                     : g_getenv ("KITH_SERVER") ? g_getenv ("KITH_SERVER")
                     : "http://127.0.0.1:8480");
  loop = g_main_loop_new (NULL, FALSE);
  session = g_object_new (KITH_TYPE_SESSION,
                          "server-url", server,
                          "ca-file", opt_ca_file,
                          "data-dir", opt_data_dir,
                          "device-kind", kind,
                          "device-name", "kith-cli",
                          NULL);
  kith_session_set_allow_unencrypted (session, opt_allow_unencrypted);
  cli.loop = loop;
  cli.session = session;
  cli.args = argv + 1;
  cli.bot = g_str_equal (argv[1], "bot");
  /* The bot's call: a test tone and a test pattern, heard nowhere (unless
   * the environment says otherwise: docs/service.md, "Call media"). */
  if (cli.bot) {
    g_setenv ("KITH_AUDIOSRC", "audiotestsrc is-live=true wave=sine freq=440 volume=0.3", FALSE);
    g_setenv ("KITH_VIDEOSRC", "videotestsrc is-live=true pattern=smpte", FALSE);
    g_setenv ("KITH_AUDIOSINK", "fakesink", FALSE);
  }

  /* Headless: nobody's input to watch, so never Idle unless asked. */
  kith_status_manager_set_auto_idle (kith_session_get_status (session), opt_idle_delay > 0);
  if (opt_idle_delay > 0)
    kith_status_manager_set_idle_delay (kith_session_get_status (session), opt_idle_delay);

  g_signal_connect (session, "message-received", G_CALLBACK (on_message_received), &cli);
  g_signal_connect (session, "contact-request", G_CALLBACK (on_contact_request), &cli);
  g_signal_connect (session, "notify::outbox-length", G_CALLBACK (on_outbox_length), &cli);
  g_signal_connect (session, "keyring-error", G_CALLBACK (on_keyring_error), &cli);
  g_signal_connect (kith_session_get_calls (session), "incoming-call",
                    G_CALLBACK (on_incoming_call), &cli);
  if (g_str_equal (argv[1], "listen") || g_str_equal (argv[1], "bot") ||
      g_str_equal (argv[1], "status")) {
    g_signal_connect (session, "state-changed", G_CALLBACK (on_state_changed), &cli);
    g_signal_connect (kith_session_get_contacts (session), "items-changed",
                      G_CALLBACK (on_contacts_changed), &cli);
  }

  g_unix_signal_add (SIGINT, on_unix_signal, &cli);
  g_unix_signal_add (SIGTERM, on_unix_signal, &cli);

  if (opt_password_stdin) {
    g_autofree char *password = NULL;

    if (opt_email == NULL) {
      g_printerr ("kith-cli: %s\n", _("--password-stdin needs --email."));
      return 2;
    }
    password = read_password ();
    kith_session_sign_in_async (session, opt_email, password, opt_stay_signed_in,
                                NULL, on_online, &cli);
  } else if (g_str_equal (argv[1], "login")) {
    g_printerr ("kith-cli: %s\n", _("login needs --email and --password-stdin."));
    return 2;
  } else {
    kith_session_restore_async (session, opt_email, NULL, on_online, &cli);
  }

  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (session, &cli);
  g_signal_handlers_disconnect_by_data (kith_session_get_contacts (session), &cli);
  g_signal_handlers_disconnect_by_data (kith_session_get_calls (session), &cli);
  if (cli.call != NULL)
    g_signal_handlers_disconnect_by_data (cli.call, &cli);
  g_clear_handle_id (&cli.hang_up_source, g_source_remove);
  g_clear_object (&cli.call);
  return cli.status;
}
