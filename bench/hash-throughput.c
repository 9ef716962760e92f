/* hash-throughput.c — how fast proofhash hashes compared with bare OpenSSL EVP SHA-256.
 *
 * Pushes SIZE bytes (default 2 GiB) in 64 KiB buffers through `appsrc ! proofhash ! fakesink`,
 * then hashes the very same bytes, in the same 64 KiB pieces, with EVP_DigestUpdate. Prints both
 * rates and proofhash/EVP. Timings are printed, never asserted; the only failure is a digest
 * mismatch (exit 1) or a pipeline error (exit 2).
 *
 * Buffers are made once: a pool of GstBuffers wrapping slices of one random block, pushed again
 * and again (each push takes a new reference), so buffer creation is not part of the timing.
 *
 * Feeding modes:
 *   prequeued (default) — every buffer reference is queued in appsrc (max-bytes=0) before the
 *       pipeline starts, so the timed part is appsrc's streaming thread → proofhash → fakesink
 *       with no producer/consumer hand-off: the element's own cost.
 *   thread — the main thread pushes while the pipeline runs (block=true, bounded queue), as a
 *       live producer would; adds appsrc's per-buffer mutex/condvar wake-ups to the timing. */
#include "config.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>

#include "pd-core.h"

#define CHUNK       (64 * 1024)
#define BLOCK_BYTES (64 * 1024 * 1024)     /* bigger than any L3 cache: memory-bound like the real thing */
#define N_POOL      (BLOCK_BYTES / CHUNK)

static char *
hex (const guint8 *md, guint len)
{
  GString *s = g_string_sized_new (len * 2);

  for (guint i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", md[i]);
  return g_string_free (s, FALSE);
}

static gboolean
parse_size (const char *text, guint64 *out)
{
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);
  guint64 mult = 1;

  if (end == text || v <= 0)
    return FALSE;
  switch (g_ascii_toupper (*end))
    {
    case '\0': mult = 1; break;
    case 'K': mult = G_GUINT64_CONSTANT (1) << 10; end++; break;
    case 'M': mult = G_GUINT64_CONSTANT (1) << 20; end++; break;
    case 'G': mult = G_GUINT64_CONSTANT (1) << 30; end++; break;
    default: return FALSE;
    }
  if (*end == 'i' || *end == 'I')
    end++;
  if (*end == 'B' || *end == 'b')
    end++;
  if (*end != '\0')
    return FALSE;
  *out = (guint64) (v * (double) mult);
  return *out > 0;
}

static void
noop_free (gpointer data)
{
}

typedef struct
{
  guint8     *block;
  GstBuffer **pool;
  guint64     size, n_chunks, tail;
  gboolean    prequeued;
  guint64     checkpoint_ns;
} Bench;

/* user+sys CPU time of the whole process, µs */
static gint64
cpu_now (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
         ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* EVP over exactly the bytes proofhash sees, in the same 64 KiB updates. Returns µs or -1. */
static gint64
run_evp (Bench *b, char **digest, gint64 *cpu)
{
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  guint8 out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  gboolean ok;
  gint64 t0, t, c0 = cpu_now ();

  t0 = g_get_monotonic_time ();
  ok = md != NULL && EVP_DigestInit_ex (md, EVP_sha256 (), NULL);
  for (guint64 i = 0; ok && i < b->n_chunks; i++)
    ok = EVP_DigestUpdate (md, b->block + (i % N_POOL) * CHUNK, CHUNK);
  if (ok && b->tail)
    ok = EVP_DigestUpdate (md, b->block + (b->n_chunks % N_POOL) * CHUNK, b->tail);
  ok = ok && EVP_DigestFinal_ex (md, out, &len);
  t = g_get_monotonic_time () - t0;
  *cpu = cpu_now () - c0;
  EVP_MD_CTX_free (md);
  if (!ok)
    return -1;
  *digest = hex (out, len);
  return t;
}

static void
push_all (Bench *b, GstAppSrc *src)
{
  for (guint64 i = 0; i < b->n_chunks; i++)
    if (gst_app_src_push_buffer (src, gst_buffer_ref (b->pool[i % N_POOL])) != GST_FLOW_OK)
      break;
  if (b->tail)
    gst_app_src_push_buffer (src, gst_buffer_copy_region (b->pool[b->n_chunks % N_POOL],
                                                          GST_BUFFER_COPY_MEMORY, 0, b->tail));
  gst_app_src_end_of_stream (src);
}

/* appsrc ! proofhash ! fakesink. Returns µs, or -1 on a pipeline error. */
static gint64
run_proofhash (Bench *b, char **digest, guint64 *bytes, gint64 *cpu)
{
  GstElement *pipeline = gst_pipeline_new ("bench");
  GstElement *src = gst_element_factory_make ("appsrc", "src");
  GstElement *hasher = gst_element_factory_make ("proofhash", "hash");
  GstElement *sink = gst_element_factory_make ("fakesink", "sink");
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  gint64 t0, t, c0 = 0;

  if (!pipeline || !src || !hasher || !sink)
    {
      g_printerr ("hash-throughput: missing element (appsrc, proofhash or fakesink)\n");
      return -1;
    }
  gst_bin_add_many (GST_BIN (pipeline), src, hasher, sink, NULL);
  if (!gst_element_link_many (src, hasher, sink, NULL))
    {
      g_printerr ("hash-throughput: could not link the pipeline\n");
      return -1;
    }
  g_object_set (src, "format", GST_FORMAT_BYTES, "stream-type", 0 /* stream */, "is-live", FALSE,
                "block", !b->prequeued,
                "max-bytes", (guint64) (b->prequeued ? 0 /* unlimited */ : 4 * 1024 * 1024), NULL);
  g_object_set (hasher, "checkpoint-interval", b->checkpoint_ns, NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, "silent", TRUE, NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));

  if (b->prequeued)
    {
      push_all (b, GST_APP_SRC (src));
      c0 = cpu_now ();
      t0 = g_get_monotonic_time ();
      gst_element_set_state (pipeline, GST_STATE_PLAYING);
    }
  else
    {
      c0 = cpu_now ();
      gst_element_set_state (pipeline, GST_STATE_PLAYING);
      t0 = g_get_monotonic_time ();
      push_all (b, GST_APP_SRC (src));
    }

  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t = g_get_monotonic_time () - t0;
  *cpu = cpu_now () - c0;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) gerr = NULL;
      g_autofree char *dbg = NULL;

      gst_message_parse_error (msg, &gerr, &dbg);
      g_printerr ("hash-throughput: pipeline error: %s (%s)\n", gerr->message, dbg ? dbg : "");
      t = -1;
    }
  else
    g_object_get (hasher, "digest", digest, "bytes", bytes, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return t;
}

static double
mbps (guint64 bytes, gint64 us)
{
  return (double) bytes / (double) us; /* bytes/µs = MB/s */
}

int
main (int argc, char **argv)
{
  g_autofree char *mode = NULL;
  gint64 checkpoint_ms = 10000;
  gint rounds = 3;
  GOptionEntry entries[] = {
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode, "prequeued (default) or thread", "MODE" },
    { "checkpoint-ms", 'c', 0, G_OPTION_ARG_INT64, &checkpoint_ms,
      "proofhash checkpoint-interval in ms, 0 = off (default 10000, as proofctl capture)", "MS" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds,
      "Timed rounds of each, alternating which goes first (default 3); best of each is compared", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[SIZE] — e.g. 2G (default), 1GiB, 512M, 1073741824");
  g_autoptr (GError) error = NULL;
  Bench b = { 0 };
  gint64 best_ph = G_MAXINT64, best_evp = G_MAXINT64;
  gint64 cbest_ph = G_MAXINT64, cbest_evp = G_MAXINT64;
  gboolean mismatch = FALSE;

  b.size = G_GUINT64_CONSTANT (2) << 30;
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx, "Throughput of appsrc ! proofhash ! fakesink vs OpenSSL EVP SHA-256 over the same bytes.\n"
                                     "Prints figures; exits 1 only if the digests differ, 2 on usage or pipeline errors.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("hash-throughput: %s\n", error->message);
      return 2;
    }
  if (argc > 2 || (argc == 2 && !parse_size (argv[1], &b.size)))
    {
      g_printerr ("hash-throughput: bad SIZE; use e.g. 2G, 1GiB, 512M or a byte count\n");
      return 2;
    }
  if (mode == NULL || g_str_equal (mode, "prequeued"))
    b.prequeued = TRUE;
  else if (g_str_equal (mode, "thread"))
    b.prequeued = FALSE;
  else
    {
      g_printerr ("hash-throughput: --mode must be prequeued or thread\n");
      return 2;
    }
  if (checkpoint_ms < 0 || rounds < 1 || rounds > 100)
    {
      g_printerr ("hash-throughput: --checkpoint-ms must be >= 0 and --rounds 1..100\n");
      return 2;
    }
  b.checkpoint_ns = (guint64) checkpoint_ms * GST_MSECOND;
  if (b.size < (G_GUINT64_CONSTANT (1) << 30))
    g_printerr ("hash-throughput: note: %" G_GUINT64_FORMAT " bytes is under 1 GiB; figures will be noisy\n", b.size);

  pd_core_init (&argc, &argv);

  /* One random block; the pool's buffers are read-only views of it. */
  b.block = g_malloc (BLOCK_BYTES);
  if (RAND_bytes (b.block, BLOCK_BYTES) != 1)
    {
      g_printerr ("hash-throughput: RAND_bytes failed\n");
      return 2;
    }
  b.pool = g_new (GstBuffer *, N_POOL);
  for (guint i = 0; i < N_POOL; i++)
    b.pool[i] = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, b.block, BLOCK_BYTES,
                                             (gsize) i * CHUNK, CHUNK, NULL, noop_free);
  b.n_chunks = b.size / CHUNK;
  b.tail = b.size % CHUNK;

  /* Warm-up: the block is faulted in and the CPU is at speed before either is timed. */
  {
    Bench w = b;
    g_autofree char *d = NULL;
    gint64 c;

    w.n_chunks = N_POOL;
    w.tail = 0;
    run_evp (&w, &d, &c);
  }

  g_print ("bytes          %" G_GUINT64_FORMAT " (%.2f GiB) in %u-byte buffers, mode %s, "
           "checkpoint-interval %" G_GINT64_FORMAT " ms, %d rounds\n",
           b.size, (double) b.size / (1 << 30), CHUNK, b.prequeued ? "prequeued" : "thread",
           checkpoint_ms, rounds);

  for (int r = 0; r < rounds; r++)
    {
      g_autofree char *ph_digest = NULL;
      g_autofree char *evp_digest = NULL;
      guint64 ph_bytes = 0;
      gint64 t_ph, t_evp, c_ph = 0, c_evp = 0;

      /* Alternate the order so neither side always gets the warmer (or throttled) CPU. */
      if (r % 2 == 0)
        {
          t_ph = run_proofhash (&b, &ph_digest, &ph_bytes, &c_ph);
          t_evp = run_evp (&b, &evp_digest, &c_evp);
        }
      else
        {
          t_evp = run_evp (&b, &evp_digest, &c_evp);
          t_ph = run_proofhash (&b, &ph_digest, &ph_bytes, &c_ph);
        }
      if (t_ph < 0 || t_evp < 0)
        return 2;
      g_print ("round %d        proofhash %7.1f MB/s  EVP %7.1f MB/s  ratio %.3f  "
               "(per CPU-second: %7.1f / %7.1f MB, ratio %.3f)\n", r + 1,
               mbps (b.size, t_ph), mbps (b.size, t_evp), (double) t_evp / (double) t_ph,
               mbps (b.size, c_ph), mbps (b.size, c_evp), (double) c_evp / (double) c_ph);
      if (ph_digest == NULL || ph_bytes != b.size || g_strcmp0 (ph_digest, evp_digest) != 0)
        {
          g_printerr ("hash-throughput: DIGEST MISMATCH in round %d: proofhash %s over %" G_GUINT64_FORMAT
                      " bytes, EVP %s over %" G_GUINT64_FORMAT " bytes\n", r + 1,
                      ph_digest ? ph_digest : "(none)", ph_bytes, evp_digest, b.size);
          mismatch = TRUE;
        }
      if (r == rounds - 1)
        g_print ("sha256         %s\n", ph_digest ? ph_digest : "(none)");
      best_ph = MIN (best_ph, t_ph);
      best_evp = MIN (best_evp, t_evp);
      cbest_ph = MIN (cbest_ph, c_ph);
      cbest_evp = MIN (cbest_evp, c_evp);
    }

  g_print ("proofhash      %8.1f MB/s  (best, %.3f s)\n", mbps (b.size, best_ph), best_ph / 1e6);
  g_print ("EVP SHA-256    %8.1f MB/s  (best, %.3f s)\n", mbps (b.size, best_evp), best_evp / 1e6);
  g_print ("ratio          %.3f  (proofhash/EVP, best of each; target >= 0.95)\n",
           (double) best_evp / (double) best_ph);
  g_print ("cpu ratio      %.3f  (user+sys CPU per byte, EVP/proofhash, best of each)\n",
           (double) cbest_evp / (double) cbest_ph);
  g_print ("digests        %s\n", mismatch ? "DIFFER" : "equal");

  for (guint i = 0; i < N_POOL; i++)
    gst_buffer_unref (b.pool[i]);
  g_free (b.pool);
  g_free (b.block);
  return mismatch ? 1 : 0;
}
