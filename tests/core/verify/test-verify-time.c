/* test-verify-time.c — each rule of docs/verifier-contract.md §1–2 on its own: packages whose
 * tokens are minted at chosen times, and the check that must fire for each. */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pd-core.h"
#include "evidence/pd-manifest.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"
#include "pd-test-tokens.h"
#include "test-common.h"

#define DAY      (24 * 3600)
#define YEAR     (365 * DAY)
#define CP_BYTES (64 * 1024)
#define INTERVAL 10
#define MAX_CP   16

static struct
{
  char     *dir;
  EVP_PKEY *ca_key, *tsa_key;
  X509     *ca, *tsa;
  char     *ca_pem, *chain_pem;
} pki;

/* What to build: a capture of `n` checkpoints, one every INTERVAL seconds, each stamped on time
 * unless shifted; every field an adversary (or an honest outage) could change. */
typedef struct
{
  guint       n;
  double      interval;              /* < 0: leave the field out */
  gint64      gen_shift[MAX_CP + 1]; /* seconds added to checkpoint k's genTime */
  gint64      stream_ns[MAX_CP + 1]; /* 0: k × INTERVAL s */
  gboolean    unstamped[MAX_CP + 1]; /* the stamp failed: entry with stamp_error, no token */
  gboolean    drop[MAX_CP + 1];      /* gone from the manifest, journal and folder */
  gboolean    no_data_before[MAX_CP + 1];
  gboolean    unlisted_token[MAX_CP + 1]; /* token file not in files[] */
  gint64      rec_shift;             /* seconds added to the recording token's genTime */
  gint64      man_shift;             /* seconds between the recording's and the manifest's token */
  gint64      started_shift;         /* seconds added to the manifest's "started" */
  const char *state;                 /* NULL: "stamped" */
  gboolean    late_token;            /* sealed awaiting-stamp, token added beside afterwards */
  gboolean    rec_stamp_error;       /* recording.stamp_error recorded */
  gboolean    no_journal;
  gboolean    journal_no_stop;
  gboolean    journal_skip_checkpoint; /* the journal lacks checkpoint 1 */
  gboolean    journal_stamps_unstamped;
  gboolean    recovered;             /* state recovered + recovery record, no stop */
} Spec;

typedef struct
{
  char   *root;
  char   *dir;
  guint8 *rec;
  gsize   rec_len;
  gint64  t0;
} Pkg;

static void
write_file (Pkg *p, const char *rel, const void *data, gsize len)
{
  g_autofree char *path = g_build_filename (p->dir, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static GBytes *
read_file (Pkg *p, const char *rel)
{
  g_autofree char *path = g_build_filename (p->dir, rel, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static GBytes *
mint (const void *data, gsize len, gint64 when)
{
  guint8 digest[32];

  pd_test_sha256 (data, len, digest);
  return pd_test_token_respond (digest, when, pki.tsa, pki.tsa_key, NULL, TRUE);
}

static gint64
stream_ns (const Spec *s, guint k)
{
  return s->stream_ns[k] ? s->stream_ns[k] : (gint64) k * INTERVAL * G_GINT64_CONSTANT (1000000000);
}

static double
duration (const Spec *s)
{
  return s->n * INTERVAL + 5.0;
}

static void
add_entry (JsonBuilder *b, const char *name, GBytes *bytes)
{
  g_autofree char *sha = pd_sha256_bytes (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) g_bytes_get_size (bytes));
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sha);
  json_builder_end_object (b);
}

static void
set_str (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
}

static void
write_journal (Pkg *p, const Spec *s)
{
  g_autoptr (GString) j = g_string_new ("{\"event\":\"start\",\"session\":\"s-1\"}\n");

  for (guint k = 1; k <= s->n; k++)
    {
      g_autofree char *sha = pd_sha256_bytes (p->rec, (gsize) k * CP_BYTES);

      if (s->drop[k] || (k == 1 && s->journal_skip_checkpoint))
        continue;
      g_string_append_printf (j, "{\"event\":\"checkpoint\",\"index\":%u,\"offset\":%u,\"sha256\":\"%s\"}\n", k,
                              k * CP_BYTES, sha);
      if (s->unstamped[k] && !s->journal_stamps_unstamped)
        g_string_append_printf (j, "{\"event\":\"stamp-failed\",\"index\":%u,\"error\":\"timeout\"}\n", k);
      else
        g_string_append_printf (j, "{\"event\":\"stamped\",\"index\":%u}\n", k);
    }
  if (!s->journal_no_stop && !s->recovered)
    g_string_append (j, "{\"event\":\"stop\"}\n");
  write_file (p, "journal.jsonl", j->str, j->len);
}

static void
add_checkpoints (JsonBuilder *b, Pkg *p, const Spec *s)
{
  json_builder_set_member_name (b, "checkpoints");
  json_builder_begin_array (b);
  for (guint k = 1; k <= s->n; k++)
    {
      g_autofree char *sha = pd_sha256_bytes (p->rec, (gsize) k * CP_BYTES);
      g_autofree char *token = g_strdup_printf ("checkpoints/%06u.tsr", k);

      if (s->drop[k])
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, k);
      json_builder_set_member_name (b, "offset");
      json_builder_add_int_value (b, (gint64) k * CP_BYTES);
      set_str (b, "sha256", sha);
      json_builder_set_member_name (b, "running_time_ns");
      json_builder_add_int_value (b, stream_ns (s, k));
      if (s->no_data_before[k])
        {
          json_builder_set_member_name (b, "no_data_before");
          json_builder_add_boolean_value (b, TRUE);
        }
      if (s->unstamped[k])
        set_str (b, "stamp_error", "The authority did not answer in time.");
      else
        set_str (b, "token", token);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_files (JsonBuilder *b, Pkg *p, const Spec *s)
{
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  {
    g_autoptr (GBytes) rec = g_bytes_new_static (p->rec, p->rec_len);
    add_entry (b, "recording.mp4", rec);
  }
  for (guint k = 1; k <= s->n; k++)
    {
      g_autofree char *name = g_strdup_printf ("checkpoints/%06u.tsr", k);
      g_autoptr (GBytes) t = NULL;

      if (s->drop[k] || s->unstamped[k] || s->unlisted_token[k])
        continue;
      t = read_file (p, name);
      add_entry (b, name, t);
    }
  if (!s->late_token)
    {
      g_autoptr (GBytes) t = read_file (p, "recording.mp4.tsr");
      add_entry (b, "recording.mp4.tsr", t);
    }
  if (!s->no_journal)
    {
      g_autoptr (GBytes) t = read_file (p, "journal.jsonl");
      add_entry (b, "journal.jsonl", t);
    }
  json_builder_end_array (b);
}

static void
add_session (JsonBuilder *b, Pkg *p, const Spec *s)
{
  g_autoptr (GDateTime) t0 = g_date_time_new_from_unix_utc (p->t0 + s->started_shift);
  g_autoptr (GDateTime) t1 = g_date_time_add_seconds (t0, duration (s));
  g_autofree char *started = pd_time_format_utc (t0);
  g_autofree char *stopped = pd_time_format_utc (t1);

  set_str (b, "format", "proofdesk-evidence-package");
  json_builder_set_member_name (b, "format_version");
  json_builder_add_int_value (b, 1);
  set_str (b, "session", "s-1");
  set_str (b, "state", s->recovered ? "recovered" : s->state ? s->state
                                                 : s->late_token ? "awaiting-stamp" : "stamped");
  if (s->recovered)
    {
      json_builder_set_member_name (b, "recovered");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_set_member_name (b, "recovery");
      json_builder_begin_object (b);
      set_str (b, "reason", "crash");
      json_builder_end_object (b);
    }
  set_str (b, "case", "Zhang v. Li");
  set_str (b, "started", started);
  set_str (b, "stopped", stopped);
  json_builder_set_member_name (b, "duration_seconds");
  json_builder_add_double_value (b, duration (s));
  if (s->interval >= 0)
    {
      json_builder_set_member_name (b, "checkpoint_interval_seconds");
      json_builder_add_double_value (b, s->interval);
    }
  json_builder_set_member_name (b, "timestamps");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "clock_skew_seconds");
  json_builder_add_double_value (b, 0.0);
  json_builder_end_object (b);
}

static void
write_manifest (Pkg *p, const Spec *s, gint64 rec_gen)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *rec_sha = pd_sha256_bytes (p->rec, p->rec_len);
  g_autofree char *text = NULL;
  g_autoptr (GBytes) tsr = NULL;
  gsize len = 0;

  json_builder_begin_object (b);
  add_session (b, p, s);
  json_builder_set_member_name (b, "recording");
  json_builder_begin_object (b);
  set_str (b, "name", "recording.mp4");
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) p->rec_len);
  set_str (b, "sha256", rec_sha);
  if (!s->late_token)
    set_str (b, "token", "recording.mp4.tsr");
  if (s->rec_stamp_error)
    set_str (b, "stamp_error", "Could not connect: Connection refused");
  json_builder_end_object (b);
  add_checkpoints (b, p, s);
  add_files (b, p, s);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  write_file (p, "manifest.json", text, len);
  tsr = mint (text, len, rec_gen + s->man_shift);
  write_file (p, "manifest.json.tsr", g_bytes_get_data (tsr, NULL), g_bytes_get_size (tsr));
}

static Pkg *
pkg_new (const Spec *s)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (4998);
  Pkg *p = g_new0 (Pkg, 1);
  gint64 rec_gen;

  p->root = g_dir_make_tmp ("pd-verify-time-XXXXXX", &error);
  g_assert_no_error (error);
  p->dir = g_build_filename (p->root, "pkg", NULL);
  g_assert_cmpint (g_mkdir (p->dir, 0700), ==, 0);
  p->rec_len = (gsize) (s->n + 1) * CP_BYTES - 1000;
  p->rec = g_malloc (p->rec_len);
  for (gsize i = 0; i < p->rec_len; i++)
    p->rec[i] = (guint8) g_rand_int (rand);
  /* Recorded four days ago: every token, however shifted, lies in the past. */
  p->t0 = (gint64) time (NULL) - (gint64) duration (s) - 4 * DAY;
  write_file (p, "recording.mp4", p->rec, p->rec_len);
  for (guint k = 1; k <= s->n; k++)
    {
      g_autofree char *name = g_strdup_printf ("checkpoints/%06u.tsr", k);
      g_autoptr (GBytes) t = NULL;

      if (s->drop[k] || s->unstamped[k])
        continue;
      t = mint (p->rec, (gsize) k * CP_BYTES, p->t0 + stream_ns (s, k) / G_GINT64_CONSTANT (1000000000) + s->gen_shift[k]);
      write_file (p, name, g_bytes_get_data (t, NULL), g_bytes_get_size (t));
    }
  rec_gen = p->t0 + (gint64) duration (s) + s->rec_shift;
  {
    g_autoptr (GBytes) t = mint (p->rec, p->rec_len, rec_gen);
    write_file (p, "recording.mp4.tsr", g_bytes_get_data (t, NULL), g_bytes_get_size (t));
  }
  if (!s->no_journal)
    write_journal (p, s);
  write_manifest (p, s, rec_gen);
  return p;
}

static void
pkg_free (Pkg *p)
{
  pd_test_rm_rf (p->root);
  g_free (p->root);
  g_free (p->dir);
  g_free (p->rec);
  g_free (p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pkg, pkg_free)

static PdVerifyResult *
verify (Pkg *p)
{
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (GError) error = NULL;
  PdVerifyResult *r;

  g_assert_true (pd_trust_store_add_ca_file (trust, pki.ca_pem, &error));
  r = pd_verify_package (p->dir, trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
dump (PdVerifyResult *r)
{
  GPtrArray *checks = pd_verify_result_get_checks (r);

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (checks, i);
      if (c->status == PD_CHECK_FAILED || c->status == PD_CHECK_GAP)
        g_test_message ("%s %s [%s] %s", c->status == PD_CHECK_GAP ? "gap" : "FAILED", c->id,
                        c->subject ? c->subject : "", c->detail ? c->detail : "");
    }
}

/* The verdict, and the one check that must fire with that status. */
static void
expect (const Spec *s, PdVerdict verdict, const char *id, const char *subject, PdCheckStatus status)
{
  g_autoptr (Pkg) p = pkg_new (s);
  g_autoptr (PdVerifyResult) r = verify (p);
  const PdVerifyCheck *check;

  dump (r);
  g_assert_cmpstr (pd_verdict_to_string (pd_verify_result_get_verdict (r)), ==, pd_verdict_to_string (verdict));
  if (id == NULL)
    return;
  check = NULL;
  for (guint i = 0; i < pd_verify_result_get_checks (r)->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (pd_verify_result_get_checks (r), i);
      if (g_str_equal (c->id, id) && c->status == status && (subject == NULL || g_strcmp0 (c->subject, subject) == 0))
        check = c;
    }
  if (check == NULL)
    g_error ("no check %s (%s) with status %d", id, subject ? subject : "*", status);
  g_assert_nonnull (check->message);
}

static Spec
base (void)
{
  Spec s = { .n = 6, .interval = INTERVAL };
  return s;
}

/* ------------------------------------------------------------------------------------------ */
/* Genuine                                                                                    */

static void
test_genuine (void)
{
  Spec s = base ();
  g_autoptr (Pkg) p = pkg_new (&s);
  g_autoptr (PdVerifyResult) r = verify (p);
  g_autoptr (GDateTime) from = NULL;
  g_autoptr (GDateTime) to = NULL;
  GPtrArray *spans;
  const char *passed[] = { "time.order", "time.pace", "time.start", "time.final-token", "time.manifest-token",
                           "checkpoint.missing", "package.state", "journal.consistency" };

  dump (r);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_VALID);
  for (guint i = 0; i < G_N_ELEMENTS (passed); i++)
    {
      const PdVerifyCheck *c = pd_verify_result_find_check (r, passed[i], NULL);
      g_assert_nonnull (c);
      g_assert_cmpint (c->status, ==, PD_CHECK_PASSED);
    }
  /* The tail is said, and is not a gap. */
  spans = pd_verify_result_get_spans (r);
  g_assert_cmpuint (spans->len, ==, 1);
  g_assert_cmpstr (((PdVerifySpan *) g_ptr_array_index (spans, 0))->kind, ==, "final-token-only");
  g_assert_false (((PdVerifySpan *) g_ptr_array_index (spans, 0))->degrades);
  g_assert_cmpuint (((PdVerifySpan *) g_ptr_array_index (spans, 0))->from_offset, ==, 6 * CP_BYTES);
  /* Times from the tokens: the start they imply is the first checkpoint's genTime − 10 s. */
  g_assert_true (pd_verify_result_get_recorded (r, &from, &to));
  g_assert_cmpint (g_date_time_to_unix (from), ==, p->t0);
  g_assert_cmpint (g_date_time_to_unix (to), ==, p->t0 + (gint64) duration (&s));
}

/* ------------------------------------------------------------------------------------------ */
/* Time                                                                                       */

static void
test_splice (void)
{
  Spec s = base ();

  /* Two sessions joined: checkpoints 4–6 stamped an hour later than the first three. */
  for (guint k = 4; k <= 6; k++)
    s.gen_shift[k] = 3600;
  s.rec_shift = 3600;
  expect (&s, PD_VERDICT_INVALID, "time.pace", "checkpoint 4", PD_CHECK_FAILED);
}

static void
test_reversed (void)
{
  Spec s = base ();

  s.gen_shift[3] = -25; /* stamped before checkpoint 2 */
  expect (&s, PD_VERDICT_INVALID, "time.order", "checkpoint 3", PD_CHECK_FAILED);
}

static void
test_far_apart (void)
{
  Spec s = base ();

  s.gen_shift[3] = 90;
  expect (&s, PD_VERDICT_INVALID, "time.pace", "checkpoint 3", PD_CHECK_FAILED);
}

static void
test_within_slack (void)
{
  Spec s = base ();

  /* A slow authority: 6 s late on one checkpoint is within the slack. */
  s.gen_shift[3] = 6;
  expect (&s, PD_VERDICT_VALID, "time.pace", NULL, PD_CHECK_PASSED);
}

static void
test_stream_not_increasing (void)
{
  Spec s = base ();

  s.stream_ns[4] = 25 * G_GINT64_CONSTANT (1000000000); /* before checkpoint 3's 30 s */
  expect (&s, PD_VERDICT_INVALID, "time.order", "checkpoint 4", PD_CHECK_FAILED);
}

static void
test_tail_restamped (void)
{
  Spec s = base ();

  /* Bytes after the last checkpoint changed; only the final token (and manifest) re-stamped. */
  s.rec_shift = 3600;
  expect (&s, PD_VERDICT_INVALID, "time.final-token", NULL, PD_CHECK_FAILED);
}

static void
test_final_before_stop (void)
{
  Spec s = base ();

  s.rec_shift = -40; /* before the last checkpoint's own stamp */
  expect (&s, PD_VERDICT_INVALID, "time.final-token", NULL, PD_CHECK_FAILED);
}

static void
test_redated (void)
{
  Spec s = base ();

  s.started_shift = -YEAR;
  expect (&s, PD_VERDICT_INVALID, "time.start", NULL, PD_CHECK_FAILED);
}

static void
test_manifest_before_recording (void)
{
  Spec s = base ();

  s.man_shift = -120;
  expect (&s, PD_VERDICT_INVALID, "time.manifest-token", NULL, PD_CHECK_FAILED);
}

static void
test_manifest_long_after (void)
{
  Spec s = base ();

  s.man_shift = 2 * DAY;
  expect (&s, PD_VERDICT_INVALID, "time.manifest-token", NULL, PD_CHECK_FAILED);
}

/* ------------------------------------------------------------------------------------------ */
/* Gaps and late stamps                                                                       */

static void
test_unstamped_gap (void)
{
  Spec s = base ();
  g_autoptr (Pkg) p = NULL;
  g_autoptr (PdVerifyResult) r = NULL;
  PdVerifySpan *gap = NULL;

  s.unstamped[3] = TRUE;
  expect (&s, PD_VERDICT_VALID_WITH_GAPS, "checkpoint.unstamped", NULL, PD_CHECK_GAP);
  p = pkg_new (&s);
  r = verify (p);
  for (guint i = 0; i < pd_verify_result_get_spans (r)->len; i++)
    if (((PdVerifySpan *) g_ptr_array_index (pd_verify_result_get_spans (r), i))->degrades)
      gap = g_ptr_array_index (pd_verify_result_get_spans (r), i);
  g_assert_nonnull (gap);
  g_assert_cmpstr (gap->kind, ==, "unstamped-checkpoint");
  g_assert_cmpuint (gap->from_offset, ==, 2 * CP_BYTES);
  g_assert_cmpuint (gap->to_offset, ==, 3 * CP_BYTES);
  g_assert_cmpint (gap->to_stream_ns, ==, 30 * G_GINT64_CONSTANT (1000000000));
  /* The JSON names it too. */
  {
    g_autoptr (JsonNode) node = pd_verify_result_to_json (r);
    JsonArray *spans = json_object_get_array_member (json_node_get_object (node), "spans");
    gboolean found = FALSE;

    for (guint i = 0; i < json_array_get_length (spans); i++)
      found |= g_str_equal (json_object_get_string_member (json_array_get_object_element (spans, i), "kind"),
                            "unstamped-checkpoint");
    g_assert_true (found);
  }
}

static void
test_late_with_outage (void)
{
  Spec s = base ();

  s.late_token = TRUE;
  s.rec_stamp_error = TRUE;
  s.rec_shift = 3600; /* stamp --pending an hour later */
  expect (&s, PD_VERDICT_VALID_WITH_GAPS, "time.late-stamp", NULL, PD_CHECK_GAP);
}

static void
test_late_without_reason (void)
{
  Spec s = base ();

  s.late_token = TRUE;
  s.rec_shift = 3600;
  expect (&s, PD_VERDICT_INVALID, "time.final-token", NULL, PD_CHECK_FAILED);
}

static void
test_recovered_late (void)
{
  Spec s = base ();

  s.recovered = TRUE;
  s.rec_shift = 7200; /* recovered two hours after the crash */
  expect (&s, PD_VERDICT_VALID_WITH_GAPS, "time.late-stamp", NULL, PD_CHECK_GAP);
}

static void
test_no_data (void)
{
  Spec s = base ();

  /* A still phone screen: nothing between 30 s and 60 s; the capture said so. */
  s.drop[4] = s.drop[5] = TRUE;
  s.no_data_before[6] = TRUE;
  expect (&s, PD_VERDICT_VALID_WITH_GAPS, "time.no-data", NULL, PD_CHECK_GAP);
}

static void
test_interval_unknown (void)
{
  Spec s = base ();

  s.interval = -1;
  expect (&s, PD_VERDICT_VALID_WITH_GAPS, "checkpoint.interval", NULL, PD_CHECK_GAP);
}

static void
test_no_checkpoints (void)
{
  Spec s = base ();

  s.n = 0;
  s.interval = 0;
  s.rec_shift = 0;
  /* 5 s of recording: nothing to say. */
  expect (&s, PD_VERDICT_VALID, NULL, NULL, PD_CHECK_PASSED);
}

/* ------------------------------------------------------------------------------------------ */
/* Completeness, state, journal                                                               */

static void
test_deleted_checkpoint (void)
{
  Spec s = base ();

  s.drop[3] = TRUE; /* token, manifest entry and journal line gone, manifest re-stamped */
  expect (&s, PD_VERDICT_INVALID, "checkpoint.missing", "checkpoint 4", PD_CHECK_FAILED);
}

static void
test_deleted_tail_checkpoints (void)
{
  Spec s = base ();

  s.drop[5] = s.drop[6] = TRUE;
  expect (&s, PD_VERDICT_INVALID, "checkpoint.missing", NULL, PD_CHECK_FAILED);
}

static void
test_unlisted_token (void)
{
  Spec s = base ();

  s.unlisted_token[2] = TRUE;
  expect (&s, PD_VERDICT_INVALID, "checkpoint.listed", "checkpoints/000002.tsr", PD_CHECK_FAILED);
}

static void
test_state_unknown (void)
{
  Spec s = base ();

  s.state = "sealing";
  expect (&s, PD_VERDICT_INVALID, "package.state", NULL, PD_CHECK_FAILED);
}

static void
test_state_stamped_but_late (void)
{
  Spec s = base ();

  s.late_token = TRUE;
  s.rec_stamp_error = TRUE;
  s.state = "stamped";
  expect (&s, PD_VERDICT_INVALID, "package.state", NULL, PD_CHECK_FAILED);
}

static void
test_recovered_relabelled (void)
{
  Spec s = base ();

  /* A crash (no stop in the journal), sealed as if it had ended normally. */
  s.journal_no_stop = TRUE;
  expect (&s, PD_VERDICT_INVALID, "journal.consistency", NULL, PD_CHECK_FAILED);
}

static void
test_journal_mismatch (void)
{
  Spec s = base ();

  s.journal_skip_checkpoint = TRUE;
  expect (&s, PD_VERDICT_INVALID, "journal.consistency", NULL, PD_CHECK_FAILED);
}

static void
test_journal_stamped_unstamped (void)
{
  Spec s = base ();

  /* The manifest claims an outage for checkpoint 3; the journal saw its token arrive. */
  s.unstamped[3] = TRUE;
  s.journal_stamps_unstamped = TRUE;
  expect (&s, PD_VERDICT_INVALID, "journal.consistency", NULL, PD_CHECK_FAILED);
}

static void
test_no_journal (void)
{
  Spec s = base ();

  s.no_journal = TRUE;
  expect (&s, PD_VERDICT_INVALID, "journal.consistency", NULL, PD_CHECK_FAILED);
}

/* ------------------------------------------------------------------------------------------ */
/* Hostile files                                                                              */

static void
test_sparse_listed_small (void)
{
  Spec s = base ();
  g_autoptr (Pkg) p = pkg_new (&s);
  g_autofree char *path = g_build_filename (p->dir, "journal.jsonl", NULL);
  g_autoptr (PdVerifyResult) r = NULL;
  gint64 t;
  int fd;

  /* The journal becomes a 1 TiB sparse file: told apart by its size, never read. */
  fd = open (path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 1 << 40), ==, 0);
  close (fd);
  t = g_get_monotonic_time ();
  r = verify (p);
  g_test_message ("verified in %.3f s", (g_get_monotonic_time () - t) / 1e6);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  g_assert_cmpint (pd_verify_result_find_check (r, "file.content", "journal.jsonl")->status, ==, PD_CHECK_FAILED);
  g_assert_nonnull (strstr (pd_verify_result_find_check (r, "file.content", "journal.jsonl")->detail, "not hashed"));
}

static void
test_sparse_recording (void)
{
  Spec s = base ();
  g_autoptr (Pkg) p = pkg_new (&s);
  g_autofree char *path = g_build_filename (p->dir, "recording.mp4", NULL);
  g_autoptr (PdVerifyResult) r = NULL;
  guint64 intact = 0;
  guint cp = 0;
  int fd;

  /* Grown to 1 TiB: read only as far as the manifest accounts for, the change still located. */
  fd = open (path, O_WRONLY);
  g_assert_cmpint (ftruncate (fd, (off_t) 1 << 40), ==, 0);
  close (fd);
  r = verify (p);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  g_assert_cmpint (pd_verify_result_find_check (r, "recording.size", NULL)->status, ==, PD_CHECK_FAILED);
  g_assert_true (pd_verify_result_get_tamper_location (r, &intact, &cp, NULL));
  g_assert_cmpuint (cp, ==, 6);
}

static void
test_deep_unlisted (void)
{
  Spec s = base ();
  g_autoptr (Pkg) p = pkg_new (&s);
  g_autoptr (GString) rel = g_string_new ("checkpoints");
  g_autoptr (PdVerifyResult) r = NULL;

  /* 40 folders deep below a listed folder, and a path longer than PATH_MAX: nothing hides. */
  for (guint i = 0; i < 40; i++)
    g_string_append (rel, "/deep");
  g_string_append (rel, "/x.tsr");
  write_file (p, rel->str, "x", 1);
  {
    g_autofree char *base_dir = g_build_filename (p->dir, "long", NULL);
    char name[201];
    int fd;

    /* One level at a time, relative to the last: the whole path exceeds PATH_MAX. */
    memset (name, 'a', 200);
    name[200] = '\0';
    g_assert_cmpint (g_mkdir (base_dir, 0700), ==, 0);
    fd = open (base_dir, O_RDONLY | O_DIRECTORY);
    for (guint i = 0; i < 30 && fd >= 0; i++)
      {
        int next;
        g_assert_cmpint (mkdirat (fd, name, 0700), ==, 0);
        next = openat (fd, name, O_RDONLY | O_DIRECTORY);
        close (fd);
        fd = next;
      }
    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (close (openat (fd, "x.tsr", O_WRONLY | O_CREAT, 0600)), ==, 0);
    close (fd);
  }
  r = verify (p);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  g_assert_cmpint (pd_verify_result_find_check (r, "package.extra-file", "checkpoints/deep")->status, ==,
                   PD_CHECK_FAILED);
  g_assert_cmpint (pd_verify_result_find_check (r, "package.extra-file", "long")->status, ==, PD_CHECK_FAILED);
}

/* ------------------------------------------------------------------------------------------ */
/* A real recording: stream times against the MP4's own fragment times                       */

static void
test_media_time (void)
{
  const char *proofctl = g_getenv ("PROOFCTL");
  g_autoptr (GError) error = NULL;
  g_autofree char *root = NULL, *out = NULL, *manifest_path = NULL, *tsr_path = NULL, *text = NULL;
  g_autoptr (PdManifest) pm = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (PdVerifyResult) r = NULL;
  g_auto (GStrv) lines = NULL;
  JsonArray *cps;
  const char *pkg;
  guint8 digest[32];
  gsize len = 0;
  int status = 0;

  if (proofctl == NULL)
    {
      g_test_skip ("PROOFCTL is not set (run through meson test)");
      return;
    }
  root = g_dir_make_tmp ("pd-verify-media-XXXXXX", &error);
  g_assert_no_error (error);
  {
    const char *argv[] = { proofctl, "capture", "--source", "test", "--duration", "5", "--checkpoint-interval", "1",
                           "--tsa", "local", "--out", root, "-q", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                                 &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  pkg = lines[g_strv_length (lines) - 1];
  trust = pd_trust_store_new_default (&error);
  g_assert_no_error (error);
  r = pd_verify_package (pkg, trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_verify_result_find_check (r, "recording.media-time", NULL)->status, ==, PD_CHECK_PASSED);
  g_clear_pointer (&r, pd_verify_result_unref);

  /* The adversary moves the stream times of the last checkpoints 20 s on, re-stamps the manifest. */
  pm = pd_manifest_load (pkg, &error);
  g_assert_no_error (error);
  node = json_node_init_object (json_node_alloc (), pd_manifest_get_object (pm));
  cps = json_object_get_array_member (pd_manifest_get_object (pm), "checkpoints");
  g_assert_cmpuint (json_array_get_length (cps), >=, 3);
  for (guint i = 2; i < json_array_get_length (cps); i++)
    {
      JsonObject *c = json_array_get_object_element (cps, i);
      json_object_set_int_member (c, "running_time_ns",
                                  json_object_get_int_member (c, "running_time_ns") + 20 * G_GINT64_CONSTANT (1000000000));
    }
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  manifest_path = g_build_filename (pkg, "manifest.json", NULL);
  tsr_path = g_build_filename (pkg, "manifest.json.tsr", NULL);
  g_assert_true (g_file_set_contents (manifest_path, text, (gssize) len, NULL));
  pd_test_sha256 (text, len, digest);
  tsa = pd_tsa_client_new ("local", &error);
  g_assert_no_error (error);
  token = pd_tsa_client_stamp (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL, &error);
  g_assert_no_error (error);
  {
    GBytes *der = pd_tsa_token_get_response_der (token);
    g_assert_true (g_file_set_contents (tsr_path, g_bytes_get_data (der, NULL), (gssize) g_bytes_get_size (der), NULL));
  }
  r = pd_verify_package (pkg, trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (r);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  g_assert_cmpint (pd_verify_result_find_check (r, "token.imprint", "manifest.json.tsr")->status, ==, PD_CHECK_PASSED);
  g_assert_cmpint (pd_verify_result_find_check (r, "recording.media-time", "checkpoint 3")->status, ==, PD_CHECK_FAILED);
  pd_test_rm_rf (root);
}

/* ------------------------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (NULL, NULL);
  pki.dir = g_dir_make_tmp ("pd-verify-time-pki-XXXXXX", &error);
  g_assert_no_error (error);
  pki.ca_key = pd_test_key_new ();
  pki.tsa_key = pd_test_key_new ();
  pki.ca = pd_test_cert_new ("Time Test Root CA", pki.ca_key, NULL, NULL, -10 * YEAR, 10 * YEAR, PD_TEST_CERT_CA);
  pki.tsa = pd_test_cert_new ("Time Test TSA", pki.tsa_key, pki.ca, pki.ca_key, -2 * YEAR, YEAR, PD_TEST_CERT_TSA);
  pki.ca_pem = g_build_filename (pki.dir, "ca.pem", NULL);
  pd_test_write_cert (pki.ca_pem, pki.ca, NULL);

  g_test_add_func ("/core/verify/time/genuine", test_genuine);
  g_test_add_func ("/core/verify/time/splice", test_splice);
  g_test_add_func ("/core/verify/time/reversed", test_reversed);
  g_test_add_func ("/core/verify/time/far-apart", test_far_apart);
  g_test_add_func ("/core/verify/time/within-slack", test_within_slack);
  g_test_add_func ("/core/verify/time/stream-not-increasing", test_stream_not_increasing);
  g_test_add_func ("/core/verify/time/tail-restamped", test_tail_restamped);
  g_test_add_func ("/core/verify/time/final-before-stop", test_final_before_stop);
  g_test_add_func ("/core/verify/time/redated", test_redated);
  g_test_add_func ("/core/verify/time/manifest-before-recording", test_manifest_before_recording);
  g_test_add_func ("/core/verify/time/manifest-long-after", test_manifest_long_after);
  g_test_add_func ("/core/verify/gaps/unstamped", test_unstamped_gap);
  g_test_add_func ("/core/verify/gaps/late-with-outage", test_late_with_outage);
  g_test_add_func ("/core/verify/gaps/late-without-reason", test_late_without_reason);
  g_test_add_func ("/core/verify/gaps/recovered-late", test_recovered_late);
  g_test_add_func ("/core/verify/gaps/no-data", test_no_data);
  g_test_add_func ("/core/verify/gaps/interval-unknown", test_interval_unknown);
  g_test_add_func ("/core/verify/gaps/short-no-checkpoints", test_no_checkpoints);
  g_test_add_func ("/core/verify/complete/deleted-checkpoint", test_deleted_checkpoint);
  g_test_add_func ("/core/verify/complete/deleted-tail", test_deleted_tail_checkpoints);
  g_test_add_func ("/core/verify/complete/unlisted-token", test_unlisted_token);
  g_test_add_func ("/core/verify/state/unknown", test_state_unknown);
  g_test_add_func ("/core/verify/state/stamped-but-late", test_state_stamped_but_late);
  g_test_add_func ("/core/verify/state/recovered-relabelled", test_recovered_relabelled);
  g_test_add_func ("/core/verify/journal/mismatch", test_journal_mismatch);
  g_test_add_func ("/core/verify/journal/stamped-unstamped", test_journal_stamped_unstamped);
  g_test_add_func ("/core/verify/journal/missing", test_no_journal);
  g_test_add_func ("/core/verify/hostile/sparse-listed-small", test_sparse_listed_small);
  g_test_add_func ("/core/verify/hostile/sparse-recording", test_sparse_recording);
  g_test_add_func ("/core/verify/hostile/deep-unlisted", test_deep_unlisted);
  g_test_add_func ("/core/verify/media/stream-times-rewritten", test_media_time);
  ret = g_test_run ();
  pd_test_rm_rf (pki.dir);
  return ret;
}
