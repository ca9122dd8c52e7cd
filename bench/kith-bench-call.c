/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * build-aux/bench call: what a call costs (issue 13; docs/performance-calls.md).
 *
 * 1. Set-up: from placing a call (KithCallManager, which fetches the ICE
 *    servers, starts the media and sends call.invite) to the first decoded
 *    remote audio buffer at the caller, through a real kithd on loopback,
 *    the callee a `kith-cli bot` process that answers; against the floor,
 *    two KithCallMedia in this process wired directly with no signalling
 *    (tests/service/kith-call-media-pair.c), the two interleaved. Medians
 *    and the stages: offer made, (invite sent,) answer in, ICE connected,
 *    connected (ICE and DTLS), first audio.
 * 2. Latency: ticks of the caller's audio test source (one every second)
 *    found again at the callee's sink, both media in this process (the
 *    pair) on one clock; the time the tick reaches the sink, and the time
 *    the sink plays it (a fakesink that syncs, like a sound card's); where
 *    the time goes, following the packet that carried each tick (its RTP
 *    timestamp) from the payloader through webrtcbin's nicesink and nicesrc
 *    to the callee's jitter buffer, and the callee's latency by part. Again
 *    without echo cancellation, to show what that weighs (call-latency.c).
 *    Run first, in a child of this bench (--latency-only).
 * 3. CPU of each side of a 640×480 30 fps video call (a `kith-cli call`
 *    process calling the bot; each side with its call's media process,
 *    kith-call-media, which runs the pipeline), and the bot's Pss before
 *    its first call, during it (and its media process's), after it (2 s,
 *    11 s) and after ten more (each a `kith-cli call` of its own), with
 *    the GStreamer plugins the bot's own process loaded (none: a call's
 *    are its media process's).
 */
#define G_LOG_DOMAIN "KithBenchCall"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kith-bench-desktop.h"
#include "kith-call-media-pair.h"
#include "kith-call-media-private.h"
#include "kith-call-private.h"
#include "service-test-util.h"

#include "kith-bench-call.h"

/* The caller's test sources; the video moves, as a camera's picture does
 * (a still pattern costs VP8 next to nothing). */
#define AUDIO_SOURCE  "audiotestsrc is-live=true wave=sine freq=440 volume=0.3"
#define VIDEO_SOURCE  "videotestsrc is-live=true pattern=smpte horizontal-speed=4 ! " \
                      "capsfilter caps=\"video/x-raw,width=640,height=480,framerate=30/1\""
/* For the latency: ticks, and a sink that plays them on time. */
#define TICK_SOURCE   "audiotestsrc is-live=true wave=ticks freq=1000 volume=0.8 " \
                      "tick-interval=" G_STRINGIFY (TICK_INTERVAL_MS) "000000 sine-periods-per-tick=20 " \
                      "samplesperbuffer=480 ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! " \
                      "identity name=tick-out signal-handoffs=true"
/* A while after its last call the bot gives its GStreamer libraries'
 * pages back (10 s, kith-call-memory.c): read a second after that. */
#define RELEASE_WAIT_MS 11000
#define TICK_SINK     "audioconvert ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! " \
                      "fakesink name=tick-in sync=true signal-handoffs=true"

static int opt_calls = 10;
static int opt_cpu_seconds = 20;
int opt_ticks = 10;
static gboolean opt_latency_only = FALSE;
static int opt_hold_bot = 0;

static const GOptionEntry entries[] = {
  { "calls", 'n', 0, G_OPTION_ARG_INT, &opt_calls, "Calls of each kind for the set-up and the memory (default 10)", "N" },
  { "cpu-seconds", 0, 0, G_OPTION_ARG_INT, &opt_cpu_seconds, "Length of the video call measured for CPU (default 20)", "S" },
  { "ticks", 0, 0, G_OPTION_ARG_INT, &opt_ticks, "Ticks timed for the latency (default 10)", "N" },
  { "latency-only", 0, 0, G_OPTION_ARG_NONE, &opt_latency_only, "Only the latency (no kithd, no bot; ~30 s)", NULL },
  { "hold-bot", 0, 0, G_OPTION_ARG_INT, &opt_hold_bot, "After each memory reading, say so and wait S seconds (a look at the bot's heap: bench/heap/)", "S" },
  { NULL }
};

/* ---- one set-up, and its stages ---- */

typedef enum {
  STAGE_OFFER,
  STAGE_SENT,
  STAGE_ANSWER,
  STAGE_ICE,
  STAGE_CONNECTED,
  STAGE_FIRST_AUDIO,
  N_STAGES
} Stage;

static const char * const stage_names[N_STAGES] = {
  "offer made", "invite sent", "answer in", "ICE connected", "connected (DTLS)", "first audio",
};

typedef struct {
  gint64      start;              /* monotonic µs */
  gint64      at[N_STAGES];       /* monotonic µs, 0: not reached */
  GMutex      lock;
} Setup;

static void
setup_reach (Setup *setup,
             Stage  stage,
             gint64 when)
{
  g_mutex_lock (&setup->lock);
  if (setup->at[stage] == 0)
    setup->at[stage] = when;
  g_mutex_unlock (&setup->lock);
}

static void
on_floor_ice (KithCallMedia *media,
              gint64         at,
              Setup         *setup)
{
  setup_reach (setup, STAGE_ICE, at);
}

static double
setup_ms (const Setup *setup,
          Stage        stage)
{
  return setup->at[stage] > 0 ? (setup->at[stage] - setup->start) / 1000.0 : -1;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
median (GArray *values)
{
  if (values->len == 0)
    return -1;
  g_array_sort (values, compare_doubles);
  if (values->len % 2 == 1)
    return g_array_index (values, double, values->len / 2);
  return (g_array_index (values, double, values->len / 2 - 1) +
          g_array_index (values, double, values->len / 2)) / 2;
}

/* The median of each stage over @setups (those that reached first audio). */
static void
stage_medians (GArray *setups,
               double  out[N_STAGES],
               guint  *complete)
{
  *complete = 0;
  for (int stage = 0; stage < N_STAGES; stage++) {
    g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

    for (guint i = 0; i < setups->len; i++) {
      Setup *setup = &g_array_index (setups, Setup, i);
      double ms = setup_ms (setup, stage);

      if (setup_ms (setup, STAGE_FIRST_AUDIO) < 0)
        continue;
      if (stage == STAGE_FIRST_AUDIO)
        (*complete)++;
      if (ms >= 0)
        g_array_append_val (values, ms);
    }
    out[stage] = median (values);
  }
}

/* ---- the floor: two media wired directly ---- */

static void
on_floor_offer (KithCallMedia *media,
                const char    *type,
                const char    *sdp,
                Setup         *setup)
{
  gint64 now = g_get_monotonic_time ();

  setup_reach (setup, STAGE_OFFER, now);
  setup_reach (setup, STAGE_SENT, now);
}

static void
on_floor_answer (KithCallMedia *media,
                 const char    *type,
                 const char    *sdp,
                 Setup         *setup)
{
  setup_reach (setup, STAGE_ANSWER, g_get_monotonic_time ());
}

static void
on_floor_state (KithCallMedia      *media,
                KithCallMediaState  state,
                KithCallMediaState  old,
                Setup              *setup)
{
  if (state == KITH_CALL_MEDIA_CONNECTED)
    setup_reach (setup, STAGE_CONNECTED, g_get_monotonic_time ());
}

static void
on_floor_first_audio (KithCallMedia *media,
                      Setup         *setup)
{
  setup_reach (setup, STAGE_FIRST_AUDIO, g_get_monotonic_time ());
}

static gboolean
caller_heard (KithCallMediaPair *pair)
{
  return pair->first_audio[0] > 0 || pair->errors[0] > 0 || pair->errors[1] > 0;
}

static void
run_floor (Setup *setup)
{
  g_autoptr (KithCallMediaPair) pair = kith_call_media_pair_new (FALSE);
  g_autoptr (GError) error = NULL;

  g_signal_connect (pair->caller, "local-description", G_CALLBACK (on_floor_offer), setup);
  g_signal_connect (pair->callee, "local-description", G_CALLBACK (on_floor_answer), setup);
  g_signal_connect (pair->caller, "state-changed", G_CALLBACK (on_floor_state), setup);
  g_signal_connect (pair->caller, "first-audio", G_CALLBACK (on_floor_first_audio), setup);
  g_signal_connect (pair->caller, "ice-connected", G_CALLBACK (on_floor_ice), setup);

  setup->start = g_get_monotonic_time ();
  if (!kith_call_media_pair_connect (pair, &error)) {
    g_printerr ("floor: %s\n", error->message);
    return;
  }
  kith_call_media_pair_wait (pair, caller_heard, WAIT_MS);
  g_signal_handlers_disconnect_by_data (pair->caller, setup);
  g_signal_handlers_disconnect_by_data (pair->callee, setup);
}

/* ---- calls through kithd to the bot ---- */

typedef struct {
  KithdTestServer *server;
  KithSession     *session;
  KithContact     *bot;
  SvcCli          *bot_cli;
  guint            bot_calls;     /* calls the bot took so far */
} Bench;

typedef struct {
  KithCall *call;
  Setup    *setup;
  gboolean  heard;
} CallRun;

static void
on_call_first_audio (KithCall *call,
                     CallRun  *run)
{
  run->heard = TRUE;
}

static gboolean
call_heard_or_ended (gpointer data)
{
  CallRun *run = data;

  return run->heard || kith_call_get_state (run->call) == KITH_CALL_ENDED;
}

static gboolean
call_ended (gpointer data)
{
  return kith_call_get_state (((CallRun *) data)->call) == KITH_CALL_ENDED;
}

typedef struct {
  Bench *bench;
  guint  ended;
} BotWait;

static gboolean
bot_ended_calls (gpointer data)
{
  BotWait *w = data;

  return svc_cli_count_lines (w->bench->bot_cli, "call ended") >= w->ended;
}

/* Places an audio call to the bot, waits for its first audio, hangs up
 * and waits until the bot has ended it too; @setup gets its stages. */
static void
run_call (Bench *bench,
          Setup *setup)
{
  g_autoptr (GError) error = NULL;
  CallRun run = { NULL, setup, FALSE };
  BotWait bot = { bench, bench->bot_calls + 1 };
  gboolean heard;
  KithCallEndReason reason;

  run.call = kith_call_manager_place (kith_session_get_calls (bench->session), bench->bot, FALSE, &error);
  if (run.call == NULL) {
    g_printerr ("call: %s\n", error->message);
    return;
  }
  g_signal_connect (run.call, "first-audio", G_CALLBACK (on_call_first_audio), &run);
  kithd_test_wait_until (call_heard_or_ended, &run, WAIT_MS);
  heard = run.heard;

  setup->start = kith_call_get_stage_time (run.call, KITH_CALL_STAGE_STARTED);
  setup_reach (setup, STAGE_OFFER, kith_call_get_stage_time (run.call, KITH_CALL_STAGE_DESCRIPTION));
  setup_reach (setup, STAGE_SENT, kith_call_get_stage_time (run.call, KITH_CALL_STAGE_SENT));
  setup_reach (setup, STAGE_ANSWER, kith_call_get_stage_time (run.call, KITH_CALL_STAGE_REMOTE));
  setup_reach (setup, STAGE_ICE, kith_call_get_stage_time (run.call, KITH_CALL_STAGE_ICE));
  setup_reach (setup, STAGE_CONNECTED, kith_call_get_stage_time (run.call, KITH_CALL_STAGE_CONNECTED));
  setup_reach (setup, STAGE_FIRST_AUDIO, kith_call_get_stage_time (run.call, KITH_CALL_STAGE_FIRST_AUDIO));

  kith_call_hang_up (run.call);
  kithd_test_wait_until (call_ended, &run, WAIT_MS);
  reason = kith_call_get_end_reason (run.call);
  g_signal_handlers_disconnect_by_data (run.call, &run);
  g_clear_object (&run.call);
  if (!kithd_test_wait_until (bot_ended_calls, &bot, WAIT_MS))
    g_printerr ("call: the bot did not end the call:\n%s", svc_cli_get_errors (bench->bot_cli));
  bench->bot_calls = svc_cli_count_lines (bench->bot_cli, "call ended");
  if (!heard)
    g_printerr ("call: no audio came (%s)\n", kith_call_end_reason_to_string (reason));
}

static void
print_setups (const char *name,
              GArray     *setups,
              gboolean    has_sent)
{
  double medians[N_STAGES];
  guint complete;

  stage_medians (setups, medians, &complete);
  printf ("  %-6s first audio  median %7.1f ms  (%u of %u calls)    runs:", name,
          medians[STAGE_FIRST_AUDIO], complete, setups->len);
  for (guint i = 0; i < setups->len; i++)
    printf (" %.0f", setup_ms (&g_array_index (setups, Setup, i), STAGE_FIRST_AUDIO));
  printf ("\n");
  printf ("         stages (medians, ms from the start):");
  for (int stage = 0; stage < N_STAGES; stage++) {
    if (stage == STAGE_SENT && !has_sent)
      continue;
    printf ("  %s %.1f", stage_names[stage], medians[stage]);
  }
  printf ("\n");
}

static void
measure_setup (Bench *bench)
{
  g_autoptr (GArray) calls = g_array_new (FALSE, TRUE, sizeof (Setup));
  g_autoptr (GArray) floors = g_array_new (FALSE, TRUE, sizeof (Setup));
  double call_medians[N_STAGES], floor_medians[N_STAGES];
  guint complete;

  g_array_set_size (calls, opt_calls);
  g_array_set_size (floors, opt_calls);
  for (int i = 0; i < opt_calls; i++) {
    g_mutex_init (&g_array_index (calls, Setup, i).lock);
    g_mutex_init (&g_array_index (floors, Setup, i).lock);
    run_call (bench, &g_array_index (calls, Setup, i));
    run_floor (&g_array_index (floors, Setup, i));
    /* A second between calls, as between a person's: the spare media
     * processes started as the last call ended (the caller's here, the
     * bot's) are ready, as they would be (docs/performance-calls.md). */
    svc_test_run_for (1000);
  }

  printf ("call set-up (placing the call -> first decoded remote audio at the caller), %d of each, interleaved:\n",
          opt_calls);
  print_setups ("kithd", calls, TRUE);
  print_setups ("floor", floors, FALSE);
  stage_medians (calls, call_medians, &complete);
  stage_medians (floors, floor_medians, &complete);
  printf ("  (kithd: the caller's first call started its media process then; each later one took the\n"
          "  spare started after the call before, as the bot's calls all did)\n");
  printf ("  ratio                %.2fx the floor (target <= 1.2x)\n",
          call_medians[STAGE_FIRST_AUDIO] / floor_medians[STAGE_FIRST_AUDIO]);
  for (int i = 0; i < opt_calls; i++) {
    g_mutex_clear (&g_array_index (calls, Setup, i).lock);
    g_mutex_clear (&g_array_index (floors, Setup, i).lock);
  }
}

/* ---- CPU and memory ---- */

/* Pss_Anon and Pss_File of @pid in MB (heap against mapped libraries). */
static void
read_pss_split (GPid    pid,
                double *anon,
                double *file)
{
  *anon = kith_bench_read_rollup_mb (pid, "Pss_Anon");
  *file = kith_bench_read_rollup_mb (pid, "Pss_File");
}

/* Threads and open descriptors of @pid: a pipeline left behind keeps both. */
static void
read_threads_fds (GPid   pid,
                  guint *threads,
                  guint *fds)
{
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *fd_path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autofree char *status = NULL;
  g_autoptr (GDir) dir = g_dir_open (fd_path, 0, NULL);
  const char *line;

  *threads = *fds = 0;
  if (g_file_get_contents (status_path, &status, NULL, NULL) &&
      (line = strstr (status, "\nThreads:")) != NULL)
    *threads = (guint) g_ascii_strtoull (line + 9, NULL, 10);
  while (dir != NULL && g_dir_read_name (dir) != NULL)
    (*fds)++;
}

/* The GStreamer plugins @pid has loaded (their files, each once). */
static GPtrArray *
loaded_plugins (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/maps", (int) pid);
  g_autofree char *maps = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *plugins = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (path, &maps, NULL, NULL))
    return plugins;
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *file = strchr (lines[i], '/');

    if (file != NULL && strstr (file, "/gstreamer-1.0/libgst") != NULL && g_str_has_suffix (file, ".so") &&
        !g_ptr_array_find_with_equal_func (plugins, file, g_str_equal, NULL))
      g_ptr_array_add (plugins, g_strdup (file));
  }
  return plugins;
}

/* The child (--plugin-floor FILE…): a process prepared as Kith's are,
 * that starts GStreamer and loads the plugins a call loaded, and calls
 * nothing. Prints its Rss (anonymous, files; MB) at the start, after
 * gst_init (the registry) and with the plugins. */
static void
hold_bot (GPid        bot_pid,
          const char *when)
{
  if (opt_hold_bot <= 0)
    return;
  printf ("holding the bot (pid %d) %s for %d s\n", (int) bot_pid, when, opt_hold_bot);
  fflush (stdout);
  svc_test_run_for (opt_hold_bot * 1000);
}

static void
measure_cpu_and_memory (Bench         *bench,
                        KithdTestUser *video_caller,
                        const char    *bot_email)
{
  g_autofree char *duration = g_strdup_printf ("--duration=%d", opt_cpu_seconds);
  g_autoptr (SvcCli) caller = NULL;
  GPid bot_pid = svc_cli_get_pid (bench->bot_cli);
  GPid caller_pid;
  guint window_ms = MAX (opt_cpu_seconds - 2, 1) * 1000;
  double pss_before, pss_during, pss_caller, pss_after, pss_after_2s, pss_released, pss_after_n, pss_after_n_2s;
  g_autoptr (GPtrArray) plugins = NULL;
  guint threads[3], fds[3];
  double anon[3], file[3];
  gint64 bot_cpu, caller_cpu, bot_media_cpu, caller_media_cpu, wall;
  GPid bot_media, caller_media;
  double pss_bot_media, pss_spare;
  int status;
  int good = 0;
  BotWait bot = { bench, bench->bot_calls + 1 };

  pss_before = kith_bench_read_pss_mb (bot_pid);
  read_threads_fds (bot_pid, &threads[0], &fds[0]);
  read_pss_split (bot_pid, &anon[0], &file[0]);

  caller = svc_cli_spawn_as (bench->server, video_caller, "call", bot_email, "--video", duration, NULL);
  caller_pid = svc_cli_get_pid (caller);
  if (!svc_cli_wait_line (caller, "call active", WAIT_MS)) {
    g_printerr ("video call: not active:\n%s%s", svc_cli_get_output (caller), svc_cli_get_errors (caller));
    return;
  }
  /* A second in, the encoders running; measured until a second before the
   * caller hangs up. */
  svc_test_run_for (1000);
  /* Each side is its process and its call's media process
   * (kith-call-media), which runs the pipeline. */
  bot_media = kith_bench_find_child (bot_pid, "kith-call-media");
  caller_media = kith_bench_find_child (caller_pid, "kith-call-media");
  if (bot_media == 0 || caller_media == 0)
    g_printerr ("video call: no media process found (bot %d, caller %d)\n", (int) bot_media, (int) caller_media);
  bot_cpu = kith_bench_read_cpu_us (bot_pid);
  caller_cpu = kith_bench_read_cpu_us (caller_pid);
  bot_media_cpu = kith_bench_read_cpu_us (bot_media);
  caller_media_cpu = kith_bench_read_cpu_us (caller_media);
  wall = g_get_monotonic_time ();
  svc_test_run_for (window_ms / 2);
  pss_during = kith_bench_read_pss_mb (bot_pid);
  pss_bot_media = kith_bench_read_pss_mb (bot_media);
  pss_caller = kith_bench_read_pss_mb (caller_pid) + kith_bench_read_pss_mb (caller_media);
  svc_test_run_for (window_ms - window_ms / 2);
  bot_cpu = kith_bench_read_cpu_us (bot_pid) - bot_cpu;
  caller_cpu = kith_bench_read_cpu_us (caller_pid) - caller_cpu;
  bot_media_cpu = kith_bench_read_cpu_us (bot_media) - bot_media_cpu;
  caller_media_cpu = kith_bench_read_cpu_us (caller_media) - caller_media_cpu;
  wall = g_get_monotonic_time () - wall;

  status = svc_cli_wait_exit (caller, WAIT_MS + opt_cpu_seconds * 1000);
  kithd_test_wait_until (bot_ended_calls, &bot, WAIT_MS);
  bench->bot_calls = svc_cli_count_lines (bench->bot_cli, "call ended");
  pss_after = kith_bench_read_pss_mb (bot_pid);
  svc_test_run_for (2000);
  pss_after_2s = kith_bench_read_pss_mb (bot_pid);
  /* The call's plugins were its media process's. */
  plugins = loaded_plugins (bot_pid);
  /* The spare started for the next call, once it has warmed up. */
  bot_media = kith_bench_find_child (bot_pid, "kith-call-media");
  pss_spare = bot_media > 0 ? kith_bench_read_pss_mb (bot_media) : 0;
  /* The bot gives its GStreamer libraries' pages back 10 s after the
   * call (kith-call-memory.c); nothing else maps them by then. */
  svc_test_run_for (RELEASE_WAIT_MS - 2000);
  pss_released = kith_bench_read_pss_mb (bot_pid);
  hold_bot (bot_pid, "after one call");
  read_threads_fds (bot_pid, &threads[1], &fds[1]);
  read_pss_split (bot_pid, &anon[1], &file[1]);

  printf ("video call, 640x480 30 fps both ways (a moving test pattern), CPU over %.1f s of it:\n",
          wall / 1e6);
  printf ("  caller (kith-cli call)   %5.1f %% of a core (%.1f its media process)   Pss %.1f MB   (exit %d: %s)\n",
          100.0 * (caller_cpu + caller_media_cpu) / wall, 100.0 * caller_media_cpu / wall, pss_caller, status,
          status == 0 ? "media both ways" : "media did not flow both ways");
  printf ("  callee (kith-cli bot)    %5.1f %% of a core (%.1f its media process)\n",
          100.0 * (bot_cpu + bot_media_cpu) / wall, 100.0 * bot_media_cpu / wall);

  /* Back to back, each from a kith-cli call of its own (this process
   * maps no GStreamer plugin until the set-up's calls). */
  for (int i = 0; i < opt_calls; i++) {
    g_autoptr (SvcCli) next = svc_cli_spawn_as (bench->server, video_caller, "call", bot_email, "--video",
                                                "--duration=2", NULL);

    good += svc_cli_wait_exit (next, WAIT_MS + 2000) == 0;
  }
  bot.ended = bench->bot_calls + opt_calls;
  if (!kithd_test_wait_until (bot_ended_calls, &bot, WAIT_MS))
    g_printerr ("video calls: the bot did not end them all:\n%s", svc_cli_get_errors (bench->bot_cli));
  bench->bot_calls = svc_cli_count_lines (bench->bot_cli, "call ended");
  svc_test_run_for (2000);
  pss_after_n_2s = kith_bench_read_pss_mb (bot_pid);
  svc_test_run_for (RELEASE_WAIT_MS - 2000);
  pss_after_n = kith_bench_read_pss_mb (bot_pid);
  read_threads_fds (bot_pid, &threads[2], &fds[2]);
  read_pss_split (bot_pid, &anon[2], &file[2]);
  hold_bot (bot_pid, "after the calls that follow");

  printf ("memory of the callee (kith-cli bot, Pss):\n");
  printf ("  before its first call    %6.1f MB\n", pss_before);
  printf ("  during the video call    %6.1f MB   (its media process: %.1f MB, gone with the call)\n",
          pss_during, pss_bot_media);
  printf ("  at its hang-up           %6.1f MB   2 s later %.1f MB (%+.1f MB)\n",
          pss_after, pss_after_2s, pss_after_2s - pss_before);
  printf ("  11 s later               %6.1f MB   (%+.1f MB; libraries' pages given back; target <= +10 MB)\n",
          pss_released, pss_released - pss_before);
  printf ("  after %d more video calls %5.1f MB 2 s later, %.1f MB 11 s later   (%d with media both ways;\n"
          "                           %+.1f MB against one call)\n",
          opt_calls, pss_after_n_2s, pss_after_n, good, pss_after_n - pss_released);
  printf ("  of which heap / files      %.1f / %.1f MB before, %.1f / %.1f after one call, %.1f / %.1f after %d more\n",
          anon[0], file[0], anon[1], file[1], anon[2], file[2], opt_calls);
  /* The target, read on the process's own pages: its libraries' Pss moves
   * with the other processes that map them (the spare, the callers). */
  printf ("  its own memory (heap, stacks) after %d more calls: %+.2f MB against one call (target <= 0)\n",
          opt_calls, anon[2] - anon[1]);
  printf ("  threads / open files      %u / %u before, %u / %u after one call, %u / %u after %d more\n",
          threads[0], fds[0], threads[1], fds[1], threads[2], fds[2], opt_calls);
  printf ("  GStreamer plugins the callee's own process loaded: %u (a call's are its media process's)\n",
          plugins->len);
  printf ("  its spare media process, ready for the next call: Pss %.1f MB\n", pss_spare);
}

/* ---- main ---- */

/* This bench again with --latency-only, its output ours. */
static gboolean
run_latency_child (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *ticks = g_strdup_printf ("--ticks=%d", opt_ticks);
  char *argv[] = { self, (char *) "--latency-only", ticks, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  fflush (stdout);
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_CHILD_INHERITS_STDOUT, NULL, NULL, NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error)) {
    g_printerr ("latency: %s\n", error->message);
    return FALSE;
  }
  return TRUE;
}

static double
load_average (void)
{
  double load = -1;
  FILE *f = fopen ("/proc/loadavg", "r");

  if (f != NULL) {
    if (fscanf (f, "%lf", &load) != 1)
      load = -1;
    fclose (f);
  }
  return load;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- what a call costs");
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdTestUser) caller = NULL;
  g_autoptr (KithdTestUser) video_caller = NULL;
  g_autoptr (KithdTestUser) bot_user = NULL;
  g_autoptr (KithSession) session = NULL;
  g_autofree char *dir = NULL;
  Bench bench = { NULL };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  opt_calls = MAX (opt_calls, 1);
  opt_ticks = MAX (opt_ticks, 1);

  g_setenv ("KITHD", KITH_BENCH_KITHD, FALSE);
  g_setenv ("KITH_BUILD_ROOT", KITH_BENCH_BUILD_ROOT, FALSE);
  g_setenv ("KITH_CALL_MEDIA_HELPER", KITH_BENCH_CALL_MEDIA, FALSE);
  g_setenv ("KITH_CALL_LOOPBACK", "1", TRUE);

  /* Ticks first, alone in a process of their own: the sources are read
   * at start, and this one is to load no GStreamer plugin before the
   * bot's memory is read (Pss splits a page among the processes that map it). */
  if (opt_latency_only) {
    printf ("load average %.2f at the start (%u cores)\n", load_average (), g_get_num_processors ());
    g_setenv ("KITH_AUDIOSRC", TICK_SOURCE, TRUE);
    g_setenv ("KITH_AUDIOSINK", TICK_SINK, TRUE);
    measure_latency (TRUE);
    measure_latency (FALSE);
    return 0;
  }
  if (!run_latency_child ())
    return 1;

  g_setenv ("KITH_AUDIOSRC", AUDIO_SOURCE, TRUE);
  g_setenv ("KITH_VIDEOSRC", VIDEO_SOURCE, TRUE);
  g_setenv ("KITH_AUDIOSINK", "fakesink", TRUE);

  bench.server = kithd_test_server_startv (NULL);
  caller = kithd_test_server_sign_up (bench.server, "caller@bench.example", PASSWORD, "Carl", "Caller");
  video_caller = kithd_test_server_sign_up (bench.server, "video@bench.example", PASSWORD, "Vera", "Video");
  bot_user = kithd_test_server_sign_up (bench.server, "bot@bench.example", PASSWORD, "Kith", "Bot");
  kithd_test_server_make_contacts (bench.server, caller, bot_user);
  kithd_test_server_make_contacts (bench.server, video_caller, bot_user);

  bench.bot_cli = svc_cli_spawn_as (bench.server, bot_user, "bot", NULL);
  if (!svc_cli_wait_line (bench.bot_cli, "ready", WAIT_MS)) {
    g_printerr ("the bot did not start:\n%s", svc_cli_get_errors (bench.bot_cli));
    return 1;
  }
  dir = svc_test_make_dir ("caller");
  session = svc_test_session_signed_in (bench.server, caller, dir);
  bench.session = session;
  bench.bot = svc_test_wait_contact (session, bot_user->email);
  if (!svc_test_wait_presence (bench.bot, KITH_PRESENCE_ONLINE, WAIT_MS))
    g_printerr ("the bot does not show online\n");

  measure_cpu_and_memory (&bench, video_caller, bot_user->email);
  measure_setup (&bench);
  printf ("load average %.2f at the end\n", load_average ());

  svc_test_exit (session);
  svc_cli_terminate (bench.bot_cli);
  svc_cli_free (bench.bot_cli);
  kithd_test_server_free (bench.server);
  svc_test_cleanup ();
  return 0;
}
