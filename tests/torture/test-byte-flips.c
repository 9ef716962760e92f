/* test-byte-flips.c — seeded single-byte flips across a real package: none may verify as valid,
 * and a flip in the recording must be located to the checkpoint span it is in. */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "pd-core.h"
#include "verify/pd-verify.h"
#include "../test-common.h"

typedef enum {
  KIND_RECORDING,
  KIND_TOKEN,
  KIND_MANIFEST,
  KIND_STILL,
  KIND_CERTIFICATE,
  N_KINDS
} Kind;

static const char *kind_names[N_KINDS] = { "recording.mp4", "*.tsr", "manifest.json", "stills",
                                           "certificate.pdf" };
/* Share of the flips each kind gets (percent); a kind with no file gives its share to the
 * recording. */
static const guint kind_weights[N_KINDS] = { 40, 20, 15, 5, 20 };

typedef struct
{
  char   *rel;
  char   *path;
  goffset size;
} Target;

typedef struct
{
  guint total, detected;
  guint valid_no_evidence;   /* certificate flips that left every embedded token intact */
  guint located, mislocated;
  guint missed;              /* judged valid although evidence changed: must stay 0 */
} Tally;

static void
target_free (gpointer p)
{
  Target *t = p;

  g_free (t->rel);
  g_free (t->path);
  g_free (t);
}

static void
add_target (GPtrArray *list, const char *pkg, const char *rel)
{
  Target *t = g_new0 (Target, 1);
  GStatBuf st;

  t->rel = g_strdup (rel);
  t->path = g_build_filename (pkg, rel, NULL);
  g_assert_cmpint (g_stat (t->path, &st), ==, 0);
  t->size = st.st_size;
  if (t->size > 0)
    g_ptr_array_add (list, t);
  else
    target_free (t);
}

static void
run_argv (const char * const *argv, char **out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_test_message ("%s failed: %s", argv[0], err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* The attachments of a certificate as name → data, or NULL if they cannot be read. */
static GHashTable *
read_attachments (const char *pdf)
{
  g_autoptr (GPtrArray) list = pd_certificate_read_attachments (pdf, NULL);
  GHashTable *map;

  if (list == NULL)
    return NULL;
  map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < list->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (list, i);
      g_hash_table_insert (map, g_strdup (a->name), g_bytes_ref (a->data));
    }
  return map;
}

static gboolean
same_attachments (GHashTable *a, GHashTable *b)
{
  GHashTableIter it;
  gpointer k, v;

  if (a == NULL || b == NULL || g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&it, a);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      GBytes *other = g_hash_table_lookup (b, k);
      if (other == NULL || !g_bytes_equal (v, other))
        return FALSE;
    }
  return TRUE;
}

static void
test_byte_flips (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("pd-flips-XXXXXX", NULL);
  g_autofree char *ev = g_build_filename (tmp, "ev", NULL);
  g_autofree char *catalog = g_build_filename (tmp, "catalog.db", NULL);
  g_autofree char *work = g_build_filename (tmp, "work", NULL);
  g_autofree char *out = NULL;
  g_autofree char *manifest_path = NULL;
  g_autofree char *cert_path = NULL;
  g_autofree char *seed_env = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *kinds[N_KINDS] = { NULL };
  g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (PdVerifyResult) base = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rng = NULL;
  g_autoptr (GHashTable) original_tokens = NULL;
  const char *proofctl = g_getenv ("PROOFCTL");
  const char *env_flips = g_getenv ("TORTURE_FLIPS");
  guint n_flips = env_flips ? (guint) g_ascii_strtoull (env_flips, NULL, 10) : 1000;
  guint32 seed;
  Tally tally[N_KINDS] = { { 0 } };
  JsonArray *cps;
  gint64 t0, t1;
  guint weight_sum = 0;

  g_assert_nonnull (proofctl);
  seed_env = g_strdup (g_getenv ("TORTURE_SEED"));
  seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : (guint32) g_random_int ();
  rng = g_rand_new_with_seed (seed);
  g_test_message ("byte-flips: %u flips, seed %u (rerun with TORTURE_SEED=%u)", n_flips, seed, seed);

  /* A real package: 3 s, a checkpoint each second, practice TSA. */
  t0 = g_get_monotonic_time ();
  {
    const char *argv[] = { proofctl, "capture", "--source", "test", "--duration", "3",
                           "--checkpoint-interval", "1", "--tsa", "local", "--out", ev,
                           "--catalog", catalog, "--case", "flips", "--scenario", "torture",
                           "-q", NULL };
    run_argv (argv, &out);
  }
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_nonnull (lines[0]);
  {
    const char *cp[] = { "cp", "-r", lines[g_strv_length (lines) - 1], work, NULL };
    const char *chmod[] = { "chmod", "-R", "u+w", work, NULL };
    run_argv (cp, NULL);
    run_argv (chmod, NULL);
  }

  pd_trust_store_add_practice_root (trust, &error);
  g_assert_no_error (error);
  base = pd_verify_package (work, trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_verify_result_get_verdict (base), ==, PD_VERDICT_VALID_PRACTICE);

  /* The files to flip, by kind, and the checkpoint offsets. */
  for (guint k = 0; k < N_KINDS; k++)
    kinds[k] = g_ptr_array_new_with_free_func (target_free);
  add_target (kinds[KIND_RECORDING], work, "recording.mp4");
  add_target (kinds[KIND_MANIFEST], work, "manifest.json");
  add_target (kinds[KIND_CERTIFICATE], work, "certificate.pdf");
  add_target (kinds[KIND_TOKEN], work, "recording.mp4.tsr");
  add_target (kinds[KIND_TOKEN], work, "manifest.json.tsr");
  for (const char *sub = "checkpoints"; sub; sub = g_str_equal (sub, "checkpoints") ? "stills" : NULL)
    {
      g_autofree char *d = g_build_filename (work, sub, NULL);
      g_autoptr (GDir) dir = g_dir_open (d, 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *rel = g_build_filename (sub, name, NULL);
          add_target (kinds[g_str_equal (sub, "stills") ? KIND_STILL : KIND_TOKEN], work, rel);
        }
    }
  manifest_path = g_build_filename (work, "manifest.json", NULL);
  json_parser_load_from_file (parser, manifest_path, &error);
  g_assert_no_error (error);
  cps = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                      "checkpoints");
  for (guint i = 0; cps && i < json_array_get_length (cps); i++)
    {
      guint64 off = (guint64) json_object_get_int_member (json_array_get_object_element (cps, i),
                                                          "offset");
      g_array_append_val (offsets, off);
    }
  g_test_message ("package: %" G_GOFFSET_FORMAT " bytes of recording, %u checkpoints, %u token "
                  "files, %u stills, made in %.1f s",
                  ((Target *) g_ptr_array_index (kinds[KIND_RECORDING], 0))->size, offsets->len,
                  kinds[KIND_TOKEN]->len, kinds[KIND_STILL]->len,
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpuint (offsets->len, >=, 2);
  cert_path = g_build_filename (work, "certificate.pdf", NULL);
  original_tokens = read_attachments (cert_path);
  g_assert_nonnull (original_tokens);

  for (guint k = 0; k < N_KINDS; k++)
    if (kinds[k]->len > 0)
      weight_sum += kind_weights[k];

  t1 = g_get_monotonic_time ();
  for (guint i = 0; i < n_flips; i++)
    {
      guint pick = g_rand_int_range (rng, 0, (gint32) weight_sum);
      Kind kind = KIND_RECORDING;
      Target *t;
      goffset off;
      guint8 byte, mask = (guint8) g_rand_int_range (rng, 1, 256);
      g_autoptr (PdVerifyResult) r = NULL;
      g_autoptr (GError) verror = NULL;
      PdVerdict verdict;
      gboolean valid;
      int fd;

      for (guint k = 0; k < N_KINDS; k++)
        {
          if (kinds[k]->len == 0)
            continue;
          if (pick < kind_weights[k])
            {
              kind = k;
              break;
            }
          pick -= kind_weights[k];
        }
      t = g_ptr_array_index (kinds[kind], g_rand_int_range (rng, 0, (gint32) kinds[kind]->len));
      off = (goffset) (g_rand_double (rng) * (double) t->size);

      /* Flip, verify, flip back: one copy, no copying per flip. */
      fd = open (t->path, O_RDWR);
      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (pread (fd, &byte, 1, off), ==, 1);
      byte ^= mask;
      g_assert_cmpint (pwrite (fd, &byte, 1, off), ==, 1);
      close (fd);

      r = pd_verify_package (work, trust, NULL, NULL, NULL, &verror);
      verdict = r ? pd_verify_result_get_verdict (r) : PD_VERDICT_ERROR;
      valid = verdict == PD_VERDICT_VALID || verdict == PD_VERDICT_VALID_PRACTICE;
      tally[kind].total++;

      if (!valid)
        tally[kind].detected++;
      else if (kind == KIND_CERTIFICATE)
        {
          /* A flip in the PDF's pages or layout carries no evidence; one that changed an
           * embedded token and still passed would be a miss. */
          g_autoptr (GHashTable) now = read_attachments (t->path);
          if (same_attachments (now, original_tokens))
            tally[kind].valid_no_evidence++;
          else
            {
              tally[kind].missed++;
              g_test_message ("MISSED: certificate.pdf offset %" G_GOFFSET_FORMAT
                              " changed a token, verdict %s", off, pd_verdict_to_string (verdict));
            }
        }
      else
        {
          tally[kind].missed++;
          g_test_message ("MISSED: %s offset %" G_GOFFSET_FORMAT " ^0x%02x → %s", t->rel, off,
                          mask, pd_verdict_to_string (verdict));
        }

      if (kind == KIND_RECORDING && r != NULL)
        {
          guint64 intact = 0, next = (guint64) t->size;
          guint cp = 0;

          if (pd_verify_result_get_tamper_location (r, &intact, &cp, NULL))
            {
              for (guint j = 0; j < offsets->len; j++)
                if (g_array_index (offsets, guint64, j) > intact)
                  {
                    next = g_array_index (offsets, guint64, j);
                    break;
                  }
              if (intact <= (guint64) off && (guint64) off < next)
                tally[kind].located++;
              else
                {
                  tally[kind].mislocated++;
                  g_test_message ("MISLOCATED: recording offset %" G_GOFFSET_FORMAT
                                  ": intact up to %" G_GUINT64_FORMAT " (checkpoint %u), next "
                                  "checkpoint at %" G_GUINT64_FORMAT, off, intact, cp, next);
                }
            }
          else
            {
              tally[kind].mislocated++;
              g_test_message ("MISLOCATED: recording offset %" G_GOFFSET_FORMAT
                              ": no tamper location given", off);
            }
        }

      fd = open (t->path, O_RDWR);
      byte ^= mask;
      g_assert_cmpint (pwrite (fd, &byte, 1, off), ==, 1);
      close (fd);
    }

  {
    guint total = 0, detected = 0, no_evidence = 0, missed = 0;
    double secs = (g_get_monotonic_time () - t1) / 1e6;

    for (guint k = 0; k < N_KINDS; k++)
      {
        g_test_message ("%-16s %4u flips, %4u detected, %3u valid without evidence change, %u missed",
                        kind_names[k], tally[k].total, tally[k].detected,
                        tally[k].valid_no_evidence, tally[k].missed);
        total += tally[k].total;
        detected += tally[k].detected;
        no_evidence += tally[k].valid_no_evidence;
        missed += tally[k].missed;
      }
    g_test_message ("%u/%u detected, %u/%u recording flips located correctly, %u certificate "
                    "flips left the evidence intact (valid), %u missed; %.1f s (%.1f ms/verify)",
                    detected, total, tally[KIND_RECORDING].located, tally[KIND_RECORDING].total,
                    no_evidence, missed, secs, secs * 1000 / MAX (total, 1));
    g_assert_cmpuint (missed, ==, 0);
    g_assert_cmpuint (tally[KIND_RECORDING].mislocated, ==, 0);
    g_assert_cmpuint (tally[KIND_RECORDING].located, ==, tally[KIND_RECORDING].total);
  }

  /* The copy, flipped back, verifies again. */
  {
    g_autoptr (PdVerifyResult) again = pd_verify_package (work, trust, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (pd_verify_result_get_verdict (again), ==, PD_VERDICT_VALID_PRACTICE);
  }
  for (guint k = 0; k < N_KINDS; k++)
    g_ptr_array_unref (kinds[k]);
  pd_test_rm_rf (tmp);
}

static void
drop_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

int
main (int argc, char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("pd-flips-data-XXXXXX", NULL);

  /* A data folder of our own: the practice authority is made there on first use. */
  data = g_build_filename (tmp, "data", NULL);
  g_setenv ("PROOFDESK_DATA_DIR", data, TRUE);
  g_unsetenv ("PROOFDESK_TSA_URL");
  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);
  /* Poppler narrates every syntax error in a flipped PDF; the tally says what matters. */
  g_log_set_handler ("Poppler", G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_MESSAGE,
                     drop_log, NULL);
  g_test_add_func ("/torture/byte-flips", test_byte_flips);
  {
    int rc = g_test_run ();
    pd_test_rm_rf (tmp);
    return rc;
  }
}
