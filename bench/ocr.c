/* ocr.c — text recognition speed on phone-sized frames, and what the live OCR worker costs a
 * recording.
 *
 * usage: ocr [--frames N] [--seconds S] [--rounds R] [--skip-capture] [--skip-engine]
 *
 * 1. Engine + detection: renders three 1080×2400 phone screens with pango (the WeChat chat with
 *    ¥50,000.00 and 2025年6月30日, the 实名认证 page, a page of poems; tests/pd-test-frames.c),
 *    then reads each N times (default 5) with pd_ocr_engine_recognize_sample() and runs
 *    pd_ocr_detect() against the wechat-chat template. Prints frames/s (wall) and CPU ms per
 *    frame (this thread's CPU, so other load on the machine does not count), the number of
 *    suggestions, and how many of 18 known strings were read exactly — so the engine's
 *    downscale and page-segmentation choices can be re-measured:
 *      PROOFDESK_OCR_MAX_WIDTH=1080|810|540  PROOFDESK_OCR_PSM=auto  build/bench/ocr --skip-capture
 * 2. Recording with OCR off vs on, in the same run: records the test source (1280×720, 30 fps,
 *    preview on as in the app, no TSA, no checkpoints) for S seconds (default 20), R rounds
 *    (default 1) of off-then-on, alternating which goes first from round 2. For each: frames
 *    the encoder wrote and that were due by the stop time, the process's CPU (user+sys), and with
 *    OCR on the CPU of the worker thread ("pd-ocr", from /proc/self/task/TID/stat) and the
 *    worker's counts. "Recording CPU" is the process's CPU minus the worker thread's.
 * Nothing here asserts a timing; exit 1 only if OCR is unavailable or a capture fails. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "capture/pd-capture.h"
#include "checklist/pd-checklist.h"
#include "pd-core.h"
#include "ocr/pd-ocr.h"
#include "evidence/pd-package.h"
#include "pd-test-frames.h"
#include "test-common.h"

static double
cpu_seconds (int who)
{
  struct rusage ru;

  getrusage (who, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds of this process's thread named `name` (utime + stime from /proc), -1 if none. */
static double
thread_cpu_seconds (const char *name)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  double ticks = sysconf (_SC_CLK_TCK);

  while (dir && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *comm = NULL;
      g_autofree char *stat = NULL;
      const char *p;
      unsigned long utime, stime;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) ||
          !g_str_equal (g_strstrip (comm), name) ||
          !g_file_get_contents (stat_path, &stat, NULL, NULL) ||
          (p = strrchr (stat, ')')) == NULL)
        continue;
      /* After "pid (comm)": state is field 3; utime and stime are fields 14 and 15. */
      if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) == 2)
        return (utime + stime) / ticks;
    }
  return -1;
}

/* ---------------------------------------------------------------- engine + detection */

static const char *const known[] = {
  "¥50,000.00", "2025年6月30日", "转账给李四", "能借我五万块钱", "好的，马上转给你", "5月7日13:58",
  "实名认证", "张三", "身份证号", "居民身份证", "138****5678", "已实名", "实名信息仅用于身份验证",
  "春眠不觉晓", "夜来风雨声", "床前明月光", "举头望明月", "今天晴",
};

static int
bench_engine (int rounds)
{
  static const struct { PdTestFrameKind kind; const char *name; } frames[] = {
    { PD_TEST_FRAME_CHAT, "chat" },
    { PD_TEST_FRAME_REAL_NAME, "real-name" },
    { PD_TEST_FRAME_UNRELATED, "poems" },
  };
  g_autofree char *dir = g_build_filename (PD_SOURCE_DATADIR, "checklists", NULL);
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (PdOcrEngine) engine = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) all_text = g_string_new (NULL);
  double total_wall = 0, total_cpu = 0, t0, c0;
  guint hits = 0, n = 0;

  checklist = pd_checklist_load (dir, "wechat-chat", &error);
  if (checklist == NULL)
    {
      fprintf (stderr, "ocr: %s\n", error->message);
      return 1;
    }
  t0 = g_get_monotonic_time () / 1e6;
  engine = pd_ocr_engine_new (NULL, &error);
  if (engine == NULL)
    {
      fprintf (stderr, "ocr: %s\n", error->message);
      return 1;
    }
  printf ("engine: chi_sim+eng loaded in %.0f ms; max width %s, page segmentation %s\n",
          (g_get_monotonic_time () / 1e6 - t0) * 1e3,
          g_getenv ("PROOFDESK_OCR_MAX_WIDTH") ? g_getenv ("PROOFDESK_OCR_MAX_WIDTH") : "default",
          g_getenv ("PROOFDESK_OCR_PSM") ? g_getenv ("PROOFDESK_OCR_PSM") : "default");
  printf ("%-10s %8s %10s %10s %6s %11s\n", "frame", "reads", "wall ms", "CPU ms", "lines", "suggestions");
  for (guint f = 0; f < G_N_ELEMENTS (frames); f++)
    {
      cairo_surface_t *surface = pd_test_frame_render (frames[f].kind, 1080, 2400, NULL);
      g_autoptr (GstSample) sample = pd_test_frame_to_sample (surface);
      double wall = 0, cpu = 0;
      guint n_lines = 0, n_suggestions = 0;

      cairo_surface_destroy (surface);
      for (int r = 0; r < rounds; r++)
        {
          g_autoptr (GPtrArray) lines = NULL;
          g_autoptr (GPtrArray) suggestions = NULL;

          t0 = g_get_monotonic_time () / 1e6;
          c0 = cpu_seconds (RUSAGE_THREAD);
          lines = pd_ocr_engine_recognize_sample (engine, sample, &error);
          if (lines == NULL)
            {
              fprintf (stderr, "ocr: %s\n", error->message);
              return 1;
            }
          suggestions = pd_ocr_detect (checklist, lines, 0, sample);
          wall += g_get_monotonic_time () / 1e6 - t0;
          cpu += cpu_seconds (RUSAGE_THREAD) - c0;
          n_lines = lines->len;
          n_suggestions = suggestions->len;
          if (r == 0)
            for (guint i = 0; i < lines->len; i++)
              g_string_append (all_text, ((PdOcrLine *) g_ptr_array_index (lines, i))->text);
        }
      printf ("%-10s %8d %10.0f %10.0f %6u %11u\n", frames[f].name, rounds, wall / rounds * 1e3,
              cpu / rounds * 1e3, n_lines, n_suggestions);
      total_wall += wall;
      total_cpu += cpu;
      n += rounds;
    }
  {
    /* Tesseract puts spaces between CJK glyphs: compare without them. */
    g_autoptr (GString) flat = g_string_new (NULL);

    for (const char *p = all_text->str; *p; p++)
      if (*p != ' ')
        g_string_append_c (flat, *p);
    printf ("not read exactly:");
    for (guint i = 0; i < G_N_ELEMENTS (known); i++)
      {
        if (strstr (flat->str, known[i]) != NULL)
          hits++;
        else
          printf (" %s", known[i]);
      }
    printf ("\n");
  }
  printf ("engine+detection: %.2f frames/s (wall), %.0f CPU ms/frame, %u of %u known strings read\n\n",
          n / total_wall, total_cpu / n * 1e3, hits, (guint) G_N_ELEMENTS (known));
  return 0;
}

/* ---------------------------------------------------------------- recording, OCR off vs on */

typedef struct
{
  GMainLoop *loop;
  PdCapture *capture;
  PdOcrWorker *worker;
  PdPackage *package;
  GError    *error;
  guint64    until;
  guint64    stopped_at;
  double     ocr_cpu;
} Run;

static void
on_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;

  run->package = pd_capture_stop_finish (PD_CAPTURE (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

static gboolean
stop_when_due (gpointer user_data)
{
  Run *run = user_data;

  run->stopped_at = pd_capture_get_running_time (run->capture);
  if (run->stopped_at < run->until)
    return G_SOURCE_CONTINUE;
  /* The worker thread's CPU, read while it still exists. */
  if (run->worker)
    run->ocr_cpu = thread_cpu_seconds ("pd-ocr");
  pd_capture_stop_async (run->capture, NULL, on_stopped, run);
  return G_SOURCE_REMOVE;
}

static int
record_once (const char *root, PdChecklist *checklist, gboolean ocr, double seconds)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("test", NULL);
  g_autoptr (GError) error = NULL;
  Run run = { 0 };
  double c0, cpu;
  int due;
  gint64 frames;
  guint64 offered = 0, read = 0, unchanged = 0, dropped = 0;

  run.loop = g_main_loop_new (NULL, FALSE);
  run.capture = pd_capture_new (spec);
  pd_capture_set_evidence_root (run.capture, root);
  pd_capture_set_scenario (run.capture, "wechat-chat");
  pd_capture_set_checkpoint_interval (run.capture, 0);
  c0 = cpu_seconds (RUSAGE_SELF);
  if (ocr)
    {
      run.worker = pd_ocr_worker_new (checklist, &error);
      if (run.worker == NULL)
        {
          fprintf (stderr, "ocr: %s\n", error->message);
          return 1;
        }
      pd_capture_set_ocr (run.capture, run.worker);
    }
  if (!pd_capture_start (run.capture, &error))
    {
      fprintf (stderr, "ocr: %s\n", error->message);
      return 1;
    }
  run.until = (guint64) (seconds * GST_SECOND);
  g_timeout_add (5, stop_when_due, &run);
  g_main_loop_run (run.loop);
  if (run.error != NULL)
    {
      fprintf (stderr, "ocr: %s\n", run.error->message);
      return 1;
    }
  if (run.worker)
    {
      pd_ocr_worker_get_stats (run.worker, &offered, &read, &unchanged, &dropped);
      pd_capture_set_ocr (run.capture, NULL);
      g_clear_object (&run.worker);
    }
  cpu = cpu_seconds (RUSAGE_SELF) - c0;
  frames = json_object_get_int_member (json_object_get_object_member (
             pd_package_get_manifest (run.package), "encoder"), "frames");
  due = (int) ((run.stopped_at * 30 + GST_SECOND - 1) / GST_SECOND);
  if (ocr)
    printf ("%-4s %7" G_GINT64_FORMAT " %5d %10.2f %10.2f %13.2f   offered %" G_GUINT64_FORMAT
            ", read %" G_GUINT64_FORMAT ", unchanged %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT "\n",
            "on", frames, due, cpu, run.ocr_cpu, cpu - MAX (run.ocr_cpu, 0), offered, read,
            unchanged, dropped);
  else
    printf ("%-4s %7" G_GINT64_FORMAT " %5d %10.2f %10s %13.2f\n", "off", frames, due, cpu, "-", cpu);
  fflush (stdout);
  g_clear_object (&run.package);
  g_clear_object (&run.capture);
  g_main_loop_unref (run.loop);
  return 0;
}

static int
bench_capture (double seconds, int rounds)
{
  g_autofree char *dir = g_build_filename (PD_SOURCE_DATADIR, "checklists", NULL);
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("pd-bench-ocr-XXXXXX", &error);
  int status = 0;

  if (root == NULL || !(checklist = pd_checklist_load (dir, "wechat-chat", &error)))
    {
      fprintf (stderr, "ocr: %s\n", error->message);
      return 1;
    }
  printf ("recording: test source 1280x720 at 30 fps, preview on, %.0f s per capture\n", seconds);
  printf ("%-4s %7s %5s %10s %10s %13s\n", "OCR", "frames", "due", "CPU s", "OCR CPU s", "recording CPU");
  for (int r = 0; r < rounds && status == 0; r++)
    {
      gboolean first = (r % 2) == 1;  /* round 1: off, on; round 2: on, off; … */

      status = record_once (root, checklist, first, seconds);
      if (status == 0)
        status = record_once (root, checklist, !first, seconds);
    }
  pd_test_rm_rf (root);
  return status;
}

int
main (int argc, char **argv)
{
  int frames = 5, rounds = 1;
  double seconds = 20;
  gboolean skip_capture = FALSE, skip_engine = FALSE;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "frames", 0, 0, G_OPTION_ARG_INT, &frames, "Reads of each rendered frame (5)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Length of each capture (20)", "S" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Off/on capture pairs (1)", "R" },
    { "skip-capture", 0, 0, G_OPTION_ARG_NONE, &skip_capture, "Only the engine", NULL },
    { "skip-engine", 0, 0, G_OPTION_ARG_NONE, &skip_engine, "Only the captures", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— OCR speed and its cost to a recording");
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "ocr: %s\n", error->message);
      return 2;
    }
  pd_core_init (&argc, &argv);
  if (!pd_ocr_is_available (&error))
    {
      fprintf (stderr, "ocr: %s\n", error->message);
      return 1;
    }
  if (!skip_engine)
    status = bench_engine (MAX (frames, 1));
  if (status == 0 && !skip_capture)
    status = bench_capture (MAX (seconds, 1), MAX (rounds, 1));
  return status;
}
