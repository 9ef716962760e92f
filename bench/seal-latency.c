/* seal-latency.c — time from "stop" to a sealed package with certificate.pdf, practice TSA.
 *
 * usage: seal-latency [--long] [--duration S]… [--keep]
 *
 * Records the test source with PdCapture (preview off, practice TSA "local", checkpoint every
 * 10 s, defaults otherwise, as `proofctl capture --source test --tsa local`) for S seconds (default:
 * 10; --long adds 600), then calls pd_capture_stop_async() and measures monotonic time from that
 * call to its callback, when the package is sealed and certificate.pdf is written (checked: exit 1
 * if it is missing or the seal reported a warning/error — a correctness failure, not a timing).
 *
 * Breakdown, from what the seal leaves on disk (wall clock, so µs–ms precision):
 *   drain      stop → journal.jsonl "stop" event (EOS through encoder/mux/proofhash, pipeline → NULL)
 *   rec-stamp  → recording.mp4.tsr mtime (fsync of the recording, hash of the journal, waiting
 *              for checkpoint stamps still in flight, stamping the recording, writing the token)
 *   manifest   → manifest.json mtime (tsa-chain.pem, VERIFY.txt, manifest: each written + fsynced)
 *   man-stamp  → manifest.json.tsr mtime
 *   cert       → certificate.pdf mtime (render + embed tokens + write)
 *   tail       → callback
 * File mtimes come from the kernel's coarse clock (one tick, ~4 ms) and the journal's time has
 * millisecond resolution, so each segment is good to about ±4 ms; the total is exact.
 * Then, separately on the produced package: pd_certificate_write() of its manifest (5 renders),
 * and pd_tsa_client_stamp() with the practice TSA (5 stamps).
 * PROOFDESK_DATA_DIR is honoured (practice TSA key); unset, a temporary one is used. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/pd-capture.h"
#include "report/pd-certificate.h"
#include "pd-core.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

typedef struct
{
  GMainLoop *loop;
  PdCapture *capture;
  PdPackage *package;
  GError    *error;
  gint64     stop_mono, stop_real, done_mono;
  guint      checkpoints, stamped;
} Run;

static void
on_checkpoint (PdCapture *c, guint index, guint64 offset, const char *sha, guint64 rt, gpointer data)
{
  ((Run *) data)->checkpoints++;
}

static void
on_stamped (PdCapture *c, guint index, GError *error, gpointer data)
{
  if (error == NULL)
    ((Run *) data)->stamped++;
}

static void
on_stopped (GObject *source, GAsyncResult *result, gpointer data)
{
  Run *run = data;

  run->done_mono = g_get_monotonic_time ();
  run->package = pd_capture_stop_finish (PD_CAPTURE (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

static gboolean
on_timer (gpointer data)
{
  Run *run = data;

  run->stop_real = g_get_real_time ();
  run->stop_mono = g_get_monotonic_time ();
  pd_capture_stop_async (run->capture, NULL, on_stopped, run);
  return G_SOURCE_REMOVE;
}

static gint64
dt_usec (GDateTime *dt)
{
  return dt ? g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt) : 0;
}

static gint64
mtime_usec (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  struct stat st;

  if (stat (path, &st) != 0)
    return 0;
  return (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
}

/* Wall time of the journal's "stop" event: begin_seal() closes the journal first. */
static gint64
journal_stop_usec (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, PD_JOURNAL_NAME, NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *o;

      if (!*lines[i] || !json_parser_load_from_data (p, lines[i], -1, NULL) ||
          !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
        continue;
      o = json_node_get_object (json_parser_get_root (p));
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "event", ""), "stop") == 0)
        {
          g_autoptr (GDateTime) t = pd_time_parse (json_object_get_string_member_with_default (o, "time", ""));
          return dt_usec (t);
        }
    }
  return 0;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Renders the package's certificate again (to a temporary path), as write_certificate() does
 * minus the token fields; returns the median of `n` renders in seconds. */
static double
time_certificate (const char *dir, const char *tmp, int n)
{
  g_autoptr (PdPackage) pkg = pd_package_open (dir, NULL);
  double t[16];

  if (pkg == NULL)
    return -1;
  for (int i = 0; i < n; i++)
    {
      g_autoptr (PdCertificateInfo) info = pd_certificate_info_new_from_manifest (pd_package_get_manifest (pkg));
      g_autofree char *path = g_strdup_printf ("%s/cert-%d.pdf", tmp, i);
      g_autoptr (GError) error = NULL;
      const char *names[] = { PD_RECORDING_TOKEN_NAME, PD_MANIFEST_TOKEN_NAME };
      gint64 t0;

      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        {
          g_autofree char *p = g_build_filename (dir, names[k], NULL);
          g_autofree char *data = NULL;
          gsize len = 0;

          if (g_file_get_contents (p, &data, &len, NULL))
            {
              g_autoptr (GBytes) b = g_bytes_new_take (g_steal_pointer (&data), len);
              pd_certificate_info_add_attachment (info, names[k], b, NULL);
            }
        }
      t0 = g_get_monotonic_time ();
      if (!pd_certificate_write (info, path, &error))
        {
          fprintf (stderr, "seal-latency: certificate: %s\n", error->message);
          return -1;
        }
      t[i] = (g_get_monotonic_time () - t0) / 1e6;
      g_unlink (path);
    }
  qsort (t, n, sizeof t[0], cmp_double);
  return t[n / 2];
}

static double
time_stamps (PdTsaClient *tsa, int n)
{
  double t[16];
  guint8 digest[PD_SHA256_LEN];

  for (int i = 0; i < n; i++)
    {
      g_autoptr (PdTsaToken) tok = NULL;
      gint64 t0;

      memset (digest, i + 1, sizeof digest);
      t0 = g_get_monotonic_time ();
      tok = pd_tsa_client_stamp (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL, NULL);
      t[i] = tok ? (g_get_monotonic_time () - t0) / 1e6 : -1;
    }
  qsort (t, n, sizeof t[0], cmp_double);
  return t[n / 2];
}

static int
run_one (double seconds, PdTsaClient *tsa, const char *root, const char *tmp, gboolean keep)
{
  g_autoptr (PdSourceSpec) spec = pd_source_spec_parse ("test", NULL);
  g_autoptr (PdCapture) capture = pd_capture_new (spec);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *cert = NULL;
  const char *dir;
  Run run = { 0 };
  gint64 j, rt, mj, mt, ct, total;
  int status = 0;

  pd_capture_set_evidence_root (capture, root);
  pd_capture_set_case (capture, "bench");
  pd_capture_set_scenario (capture, "seal-latency");
  pd_capture_set_operator (capture, "bench");
  pd_capture_set_preview_enabled (capture, FALSE);
  pd_capture_set_tsa (capture, tsa);
  pd_capture_set_checkpoint_interval (capture, G_GUINT64_CONSTANT (10) * 1000000000);
  g_signal_connect (capture, "checkpoint", G_CALLBACK (on_checkpoint), &run);
  g_signal_connect (capture, "checkpoint-stamped", G_CALLBACK (on_stamped), &run);
  run.loop = loop;
  run.capture = capture;
  if (!pd_capture_start (capture, &error))
    {
      fprintf (stderr, "seal-latency: %s\n", error->message);
      return 2;
    }
  g_timeout_add ((guint) (seconds * 1000), on_timer, &run);
  g_main_loop_run (loop);

  if (run.package == NULL)
    {
      fprintf (stderr, "seal-latency: seal failed: %s\n", run.error ? run.error->message : "?");
      g_clear_error (&run.error);
      return 1;
    }
  dir = pd_package_get_path (run.package);
  cert = g_build_filename (dir, PD_CERTIFICATE_NAME, NULL);
  if (!g_file_test (cert, G_FILE_TEST_IS_REGULAR))
    {
      fprintf (stderr, "seal-latency: no certificate.pdf in %s\n", dir);
      status = 1;
    }
  for (const char * const *w = pd_capture_get_warnings (capture); *w; w++)
    {
      fprintf (stderr, "seal-latency: warning: %s\n", *w);
      status = 1;
    }

  total = run.done_mono - run.stop_mono;
  j = journal_stop_usec (dir);
  rt = mtime_usec (dir, PD_RECORDING_TOKEN_NAME);
  mj = mtime_usec (dir, PD_MANIFEST_NAME);
  mt = mtime_usec (dir, PD_MANIFEST_TOKEN_NAME);
  ct = mtime_usec (dir, PD_CERTIFICATE_NAME);
  {
    g_autofree char *rec = g_build_filename (dir, PD_RECORDING_NAME, NULL);
    GStatBuf st = { 0 };
    g_autofree char *sz = NULL;

    g_stat (rec, &st);
    sz = g_format_size ((guint64) st.st_size);
    printf ("%.0f s recording: %s, %" G_GUINT64_FORMAT " frames, %u checkpoints (%u stamped while recording)\n",
            seconds, sz, pd_capture_get_frames (capture), run.checkpoints, run.stamped);
  }
  printf ("  stop → certificate.pdf written: %.3f s   (target ≤ 0.3 s); breakdown ±4 ms:\n", total / 1e6);
#define SEG(label, a, b) printf ("    %-10s %8.1f ms\n", label, ((a) && (b)) ? ((b) - (a)) / 1e3 : -1.0)
  SEG ("drain", run.stop_real, j);
  SEG ("rec-stamp", j, rt);
  SEG ("manifest", rt, mj);
  SEG ("man-stamp", mj, mt);
  SEG ("cert", mt, ct);
  SEG ("tail", ct, run.stop_real + total);
#undef SEG
  printf ("  pd_certificate_write() alone, median of 5: %.1f ms\n", time_certificate (dir, tmp, 5) * 1e3);
  if (keep)
    printf ("  package kept: %s\n", dir);
  g_clear_object (&run.package);
  return status;
}

int
main (int argc, char **argv)
{
  gboolean long_run = FALSE, keep = FALSE;
  g_auto (GStrv) durations = NULL;
  GOptionEntry entries[] = {
    { "long", 0, 0, G_OPTION_ARG_NONE, &long_run, "Also a 600 s recording", NULL },
    { "duration", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &durations, "Recording length in seconds (repeatable; default 10)", "S" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the packages", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) secs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *root = NULL;
  int status = 0;

  pd_core_init (&argc, &argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "seal-latency: %s\n", error->message);
      return 2;
    }
  for (guint i = 0; durations && durations[i]; i++)
    {
      double d = g_ascii_strtod (durations[i], NULL);
      if (d > 0)
        g_array_append_val (secs, d);
    }
  if (secs->len == 0)
    {
      double d = 10;
      g_array_append_val (secs, d);
    }
  if (long_run)
    {
      double d = 600;
      g_array_append_val (secs, d);
    }

  tmp = g_dir_make_tmp ("seal-latency.XXXXXX", &error);
  if (tmp == NULL)
    return 2;
  if (g_getenv ("PROOFDESK_DATA_DIR") == NULL)
    {
      g_autofree char *data = g_build_filename (tmp, "data", NULL);
      g_setenv ("PROOFDESK_DATA_DIR", data, TRUE);
    }
  root = g_build_filename (tmp, "evidence", NULL);
  tsa = pd_tsa_client_new (PD_TSA_LOCAL, &error);
  if (tsa == NULL)
    {
      fprintf (stderr, "seal-latency: practice TSA: %s\n", error->message);
      return 2;
    }
  printf ("practice TSA, pd_tsa_client_stamp() alone, median of 5: %.1f ms\n", time_stamps (tsa, 5) * 1e3);

  for (guint i = 0; i < secs->len; i++)
    {
      int s = run_one (g_array_index (secs, double, i), tsa, root, tmp, keep);
      status = MAX (status, s);
    }
  if (!keep)
    {
      g_autofree char *cmd_arg = g_strdup (tmp);
      const char *argv_rm[] = { "rm", "-rf", "--", cmd_arg, NULL };
      g_spawn_sync (NULL, (char **) argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
  return status;
}
