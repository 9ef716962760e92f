/* test-verify-certificate.c — certificate.pdf as evidence: present, the package's tokens, and its
 * printed digest, time, authority, checkpoints, gaps and marks compared with the package. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

#include "capture/pd-seal.h"
#include "evidence/pd-package.h"
#include "pd-core.h"
#include "pd-test-tokens.h"
#include "report/pd-certificate.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"
#include "test-common.h"

#define DAY         (24 * 3600)
#define YEAR        (365 * DAY)
#define CP_INTERVAL (256 * 1024)
#define N_CP        4
#define REC_SIZE    (N_CP * CP_INTERVAL + 54321)
#define GAP_CP      2 /* this checkpoint was not stamped */

static struct
{
  char     *dir;
  EVP_PKEY *ca_key, *tsa_key;
  X509     *ca, *tsa;
  char     *ca_pem, *chain_pem;
} pki;

typedef struct
{
  char   *dir;
  guint8 *rec;
  char   *rec_sha;
  gboolean awaiting;  /* sealed without a recording token ("awaiting-stamp") */
  gint64   t0;        /* when the recording started: checkpoint k is stamped at t0 + 10 k */
} Fixture;

static char *
path_in (Fixture *f, const char *rel)
{
  return g_build_filename (f->dir, rel, NULL);
}

static void
put (Fixture *f, const char *rel, const void *data, gsize len)
{
  g_autofree char *path = path_in (f, rel);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static GBytes *
get (Fixture *f, const char *rel)
{
  g_autofree char *path = path_in (f, rel);
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static void
add_file (JsonBuilder *b, Fixture *f, const char *rel)
{
  g_autoptr (GBytes) bytes = get (f, rel);
  g_autofree char *sha = pd_sha256_bytes (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, rel);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) g_bytes_get_size (bytes));
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sha);
  json_builder_end_object (b);
}

#define MEMBER_S(b, k, v) (json_builder_set_member_name (b, k), json_builder_add_string_value (b, v))
#define MEMBER_I(b, k, v) (json_builder_set_member_name (b, k), json_builder_add_int_value (b, v))

static void
build_checkpoints (JsonBuilder *b, Fixture *f)
{
  json_builder_set_member_name (b, "checkpoints");
  json_builder_begin_array (b);
  for (guint k = 1; k <= N_CP; k++)
    {
      g_autofree char *sha = pd_sha256_bytes (f->rec, (gsize) k * CP_INTERVAL);
      g_autofree char *token = g_strdup_printf ("checkpoints/%06u.tsr", k);
      g_autofree char *stream_time = g_strdup_printf ("00:00:%02u", k * 10);

      json_builder_begin_object (b);
      MEMBER_I (b, "index", k);
      MEMBER_I (b, "offset", (gint64) k * CP_INTERVAL);
      MEMBER_S (b, "sha256", sha);
      MEMBER_I (b, "running_time_ns", (gint64) k * 10 * G_GINT64_CONSTANT (1000000000));
      MEMBER_S (b, "stream_time", stream_time);
      if (k == GAP_CP)
        MEMBER_S (b, "stamp_error", "TSA unreachable: connection refused");
      else
        MEMBER_S (b, "token", token);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
build_marks (JsonBuilder *b)
{
  json_builder_set_member_name (b, "marks");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  MEMBER_I (b, "id", 1);
  MEMBER_S (b, "item", "transfer-record");
  MEMBER_S (b, "stream_time", "00:00:12");
  MEMBER_S (b, "note", "转账 5000 元");
  json_builder_end_object (b);
  json_builder_begin_object (b);
  MEMBER_I (b, "id", 2);
  MEMBER_S (b, "item", "iou-photo");
  MEMBER_S (b, "stream_time", "00:00:31");
  json_builder_end_object (b);
  /* Taken back by the operator: printed as undone, never as shown. */
  json_builder_begin_object (b);
  MEMBER_I (b, "id", 3);
  MEMBER_S (b, "item", "loan.terms");
  MEMBER_S (b, "title", "Loan terms agreed");
  MEMBER_S (b, "stream_time", "00:00:35");
  json_builder_set_member_name (b, "undone");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  json_builder_end_array (b);
}

/* The checklist summary as the capture page writes it at the stop: one item shown, one marked
 * then undone, one never shown, one optional. */
static void
build_checklist (JsonBuilder *b)
{
  const struct { const char *id, *title, *state; gboolean required; } items[] = {
    { "transfer-record", "Transfers in their chat context", "marked", TRUE },
    { "loan.terms", "Loan terms agreed", "undone", TRUE },
    { "contact.id", "Both parties' WeChat ID pages", "not-shown", TRUE },
    { "iou-photo", "Photo of the IOU", "marked", FALSE },
  };

  json_builder_set_member_name (b, "checklist");
  json_builder_begin_object (b);
  MEMBER_S (b, "scenario", "wechat-transfer");
  MEMBER_S (b, "title", "WeChat Chat");
  MEMBER_S (b, "display_title", "WeChat Chat");
  MEMBER_S (b, "decision", "sealed-anyway");
  MEMBER_S (b, "reason", "The other party deleted the chat");
  json_builder_set_member_name (b, "items");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      json_builder_begin_object (b);
      MEMBER_S (b, "id", items[i].id);
      MEMBER_S (b, "title", items[i].title);
      MEMBER_S (b, "display_title", items[i].title);
      json_builder_set_member_name (b, "required");
      json_builder_add_boolean_value (b, items[i].required);
      MEMBER_S (b, "state", items[i].state);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* manifest.json as a capture writes it (one checkpoint not stamped), and its token. */
static void
write_manifest (Fixture *f)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GBytes) tsr = NULL;
  guint8 digest[32];
  const char *files[] = { "recording.mp4", "recording.mp4.tsr", "tsa-chain.pem", "journal.jsonl",
                          "checkpoints/000001.tsr", "checkpoints/000003.tsr", "checkpoints/000004.tsr" };

  json_builder_begin_object (b);
  MEMBER_S (b, "format", PD_MANIFEST_FORMAT);
  MEMBER_I (b, "format_version", PD_MANIFEST_FORMAT_VERSION);
  MEMBER_S (b, "state", f->awaiting ? "awaiting-stamp" : "stamped");
  MEMBER_S (b, "case", "Zhang v. Li");
  MEMBER_S (b, "parties", "张三 v. 李四");
  MEMBER_S (b, "operator", "Wang Wu");
  MEMBER_S (b, "scenario", "wechat-transfer");
  {
    g_autoptr (GDateTime) t0 = g_date_time_new_from_unix_utc (f->t0);
    g_autoptr (GDateTime) t1 = g_date_time_add_seconds (t0, 45);
    g_autofree char *started = pd_time_format_utc (t0);
    g_autofree char *stopped = pd_time_format_utc (t1);
    g_autoptr (GString) journal = g_string_new ("{\"event\":\"start\",\"session\":\"cert-1\"}\n");

    MEMBER_S (b, "session", "cert-1");
    MEMBER_S (b, "started", started);
    MEMBER_S (b, "stopped", stopped);
    /* The journal as the capture wrote it: each checkpoint, its stamp or its failure, the stop. */
    for (guint k = 1; k <= N_CP; k++)
      {
        g_autofree char *sha = pd_sha256_bytes (f->rec, (gsize) k * CP_INTERVAL);
        g_string_append_printf (journal, "{\"event\":\"checkpoint\",\"index\":%u,\"offset\":%u,\"sha256\":\"%s\"}\n",
                                k, k * CP_INTERVAL, sha);
        g_string_append_printf (journal, "{\"event\":\"%s\",\"index\":%u}\n",
                                k == GAP_CP ? "stamp-failed" : "stamped", k);
      }
    g_string_append (journal, "{\"event\":\"stop\"}\n");
    put (f, "journal.jsonl", journal->str, journal->len);
  }
  json_builder_set_member_name (b, "duration_seconds");
  json_builder_add_double_value (b, 45.0);
  json_builder_set_member_name (b, "checkpoint_interval_seconds");
  json_builder_add_double_value (b, 10.0);
  json_builder_set_member_name (b, "recording");
  json_builder_begin_object (b);
  MEMBER_S (b, "name", "recording.mp4");
  MEMBER_I (b, "size", REC_SIZE);
  MEMBER_S (b, "sha256", f->rec_sha);
  if (!f->awaiting)
    MEMBER_S (b, "token", "recording.mp4.tsr");
  json_builder_end_object (b);
  build_checkpoints (b, f);
  build_marks (b);
  build_checklist (b);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (!f->awaiting || !g_str_equal (files[i], "recording.mp4.tsr"))
      add_file (b, f, files[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  text = json_to_string (root, TRUE);
  put (f, "manifest.json", text, strlen (text));
  pd_test_sha256 (text, strlen (text), digest);
  tsr = pd_test_token_respond (digest, f->t0 + 46, pki.tsa, pki.tsa_key, NULL, TRUE);
  put (f, "manifest.json.tsr", g_bytes_get_data (tsr, NULL), g_bytes_get_size (tsr));
}

static PdTsaToken *
token_of (Fixture *f, const char *rel)
{
  g_autoptr (GBytes) der = get (f, rel);
  g_autoptr (GError) error = NULL;
  PdTsaToken *t = pd_tsa_token_new_from_der (der, &error);

  g_assert_no_error (error);
  return t;
}

/* The certificate as sealing writes it, from `package`'s manifest (which a test may change in
 * memory first to make a false certificate). */
static void
seal_certificate (Fixture *f, PdPackage *package)
{
  g_autoptr (PdTsaToken) rec = token_of (f, "recording.mp4.tsr");
  g_autoptr (PdTsaToken) man = token_of (f, "manifest.json.tsr");
  g_autofree char *pdf = path_in (f, PD_CERTIFICATE_NAME);
  g_autoptr (GError) error = NULL;

  g_unlink (pdf);
  g_assert_true (pd_seal_write_certificate (package, rec, man, &error));
  g_assert_no_error (error);
}

static PdPackage *
open_package (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  PdPackage *p = pd_package_open (f->dir, &error);

  g_assert_no_error (error);
  return p;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (16);
  g_autoptr (GBytes) tsr = NULL;
  g_autoptr (PdPackage) package = NULL;
  g_autofree char *chain = NULL;
  gsize chain_len = 0;
  guint8 digest[32];

  f->dir = g_dir_make_tmp ("pd-verify-cert-XXXXXX", &error);
  g_assert_no_error (error);
  f->rec = g_malloc (REC_SIZE);
  for (gsize i = 0; i < REC_SIZE; i++)
    f->rec[i] = (guint8) g_rand_int (rand);
  f->rec_sha = pd_sha256_bytes (f->rec, REC_SIZE);
  f->t0 = (gint64) time (NULL) - 100;
  put (f, "recording.mp4", f->rec, REC_SIZE);
  pd_test_sha256 (f->rec, REC_SIZE, digest);
  tsr = pd_test_token_respond (digest, f->t0 + 45, pki.tsa, pki.tsa_key, NULL, TRUE);
  put (f, "recording.mp4.tsr", g_bytes_get_data (tsr, NULL), g_bytes_get_size (tsr));
  for (guint k = 1; k <= N_CP; k++)
    {
      g_autofree char *name = g_strdup_printf ("checkpoints/%06u.tsr", k);
      g_autoptr (GBytes) cp = NULL;

      if (k == GAP_CP)
        continue;
      pd_test_sha256 (f->rec, (gsize) k * CP_INTERVAL, digest);
      cp = pd_test_token_respond (digest, f->t0 + k * 10, pki.tsa, pki.tsa_key, NULL, TRUE);
      put (f, name, g_bytes_get_data (cp, NULL), g_bytes_get_size (cp));
    }
  g_assert_true (g_file_get_contents (pki.chain_pem, &chain, &chain_len, NULL));
  put (f, "tsa-chain.pem", chain, chain_len);
  write_manifest (f);
  package = open_package (f);
  seal_certificate (f, package);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->rec);
  g_free (f->rec_sha);
}

static PdVerifyResult *
verify (Fixture *f)
{
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (GError) error = NULL;
  PdVerifyResult *r;

  g_assert_true (pd_trust_store_add_ca_file (trust, pki.ca_pem, &error));
  r = pd_verify_package (f->dir, trust, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
dump (PdVerifyResult *r)
{
  g_autoptr (JsonNode) node = pd_verify_result_to_json (r);
  g_autofree char *text = json_to_string (node, TRUE);

  g_test_message ("%s", text);
}

/* Every failed check is a certificate check; returns how many failed. */
static guint
assert_only_certificate_failed (PdVerifyResult *r)
{
  GPtrArray *checks = pd_verify_result_get_checks (r);
  guint n = 0;

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (checks, i);

      if (c->status != PD_CHECK_FAILED)
        continue;
      if (!g_str_has_prefix (c->id, "certificate."))
        {
          dump (r);
          g_error ("%s (%s) failed: %s", c->id, c->subject, c->message);
        }
      n++;
    }
  return n;
}

static const PdVerifyCheck *
assert_check (PdVerifyResult *r, const char *id, const char *subject, PdCheckStatus status)
{
  const PdVerifyCheck *c = pd_verify_result_find_check (r, id, subject);

  if (c == NULL || c->status != status)
    {
      dump (r);
      g_error ("check %s (%s): %s, expected status %d", id, subject ? subject : "any",
               c ? c->message : "missing", status);
    }
  return c;
}

/* ------------------------------------------------------------------------------------------ */

static void
test_genuine (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify (f);
  g_autofree char *text = NULL;
  g_autofree char *pdf = path_in (f, PD_CERTIFICATE_NAME);
  g_autoptr (GError) error = NULL;

  assert_check (r, "certificate.present", PD_CERTIFICATE_NAME, PD_CHECK_PASSED);
  assert_check (r, "certificate.tokens", "certificate.pdf: recording.mp4.tsr", PD_CHECK_PASSED);
  assert_check (r, "certificate.tokens", "certificate.pdf: manifest.json.tsr", PD_CHECK_PASSED);
  assert_check (r, "certificate.content", PD_CERTIFICATE_NAME, PD_CHECK_PASSED);
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 0);
  g_assert_cmpint (pd_verify_result_get_verdict (r), !=, PD_VERDICT_INVALID);

  /* The certificate names the gap and the tail covered by the final token only. */
  text = pd_certificate_read_text (pdf, PD_CERTIFICATE_MAX_TEXT_PAGES, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "TSA unreachable: connection refused"));
  g_assert_nonnull (strstr (text, "00:00:10–00:00:30"));
  g_assert_nonnull (strstr (text, "262,144–786,432"));
  g_assert_nonnull (strstr (text, "1,048,576–1,102,897"));
  /* poppler spaces words as it pleases: compare without spaces. */
  {
    g_auto (GStrv) words = g_strsplit_set (text, " \n", -1);
    g_autofree char *joined = g_strjoinv ("", words);

    g_assert_nonnull (strstr (joined, "3stampedof4"));
    g_assert_nonnull (strstr (joined, "5.0s"));
    /* The checklist by titles, never ids: the decision and its reason, every required item
     * with its state, the items not shown by name, the undone mark as undone. */
    g_assert_nonnull (strstr (joined, "Checklist:WeChatChat"));
    g_assert_nonnull (strstr (joined, "theoperatorwaswarnedandchosetosealanyway"));
    g_assert_nonnull (strstr (joined, "TheotherpartydeletedthechatRequireditem"));
    g_assert_nonnull (strstr (joined, "Transfersintheirchatcontext✓shownandmarked00:00:12"));
    g_assert_nonnull (strstr (joined, "Loantermsagreed✗marked,thenundone—"));
    g_assert_nonnull (strstr (joined, "Bothparties'WeChatIDpages✗notshown—"));
    g_assert_nonnull (strstr (joined, "Requireditemsnotshown(2of3)"));
    g_assert_nonnull (strstr (joined, "✗Loantermsagreed✗Bothparties'WeChatIDpages"));
    g_assert_nonnull (strstr (joined, "3Loantermsagreed00:00:35—✗undone"));
    g_assert_null (strstr (joined, "PhotooftheIOU✓"));  /* optional items are not listed as required */
    g_assert_null (strstr (joined, "contact.id"));
    g_assert_null (strstr (joined, "loan.terms"));
  }
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *pdf = path_in (f, PD_CERTIFICATE_NAME);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (PdVerifyResult) r2 = NULL;

  g_assert_cmpint (g_unlink (pdf), ==, 0);
  r = verify (f);
  assert_check (r, "certificate.present", PD_CERTIFICATE_NAME, PD_CHECK_FAILED);
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 1);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  /* The summary says which part is which. */
  g_assert_nonnull (strstr (pd_verify_result_get_summary (r), "certificate.pdf"));
  g_assert_nonnull (strstr (pd_verify_result_get_summary (r), "missing"));
  g_assert_nonnull (strstr (pd_verify_result_get_summary (r), "timestamps verify"));

  /* A directory in its place is no certificate either. */
  g_assert_cmpint (g_mkdir (pdf, 0700), ==, 0);
  r2 = verify (f);
  assert_check (r2, "certificate.present", PD_CERTIFICATE_NAME, PD_CHECK_FAILED);
}

/* Sealed while the authority was unreachable: the certificate comes with the late stamp, so
 * its absence is no failure yet. */
static void
test_awaiting_stamp (Fixture *f, gconstpointer data)
{
  g_autofree char *pdf = path_in (f, PD_CERTIFICATE_NAME);
  g_autofree char *tsr = path_in (f, "recording.mp4.tsr");
  g_autofree char *mtsr = path_in (f, "manifest.json.tsr");
  g_autofree char *manifest = path_in (f, "manifest.json");
  g_autoptr (PdVerifyResult) r = NULL;

  g_assert_cmpint (g_unlink (pdf), ==, 0);
  g_assert_cmpint (g_unlink (tsr), ==, 0);
  g_assert_cmpint (g_unlink (mtsr), ==, 0);
  g_assert_cmpint (g_unlink (manifest), ==, 0);
  f->awaiting = TRUE;
  write_manifest (f);
  r = verify (f);
  assert_check (r, "certificate.present", PD_CERTIFICATE_NAME, PD_CHECK_INFO);
  g_assert_null (pd_verify_result_find_check (r, "certificate.tokens", NULL));
}

/* A certificate rendered from facts that are not the package's, carrying the package's own
 * tokens: only what it prints is false. */
static PdVerifyResult *
verify_false_certificate (Fixture *f, void (*change) (JsonObject *manifest))
{
  g_autoptr (PdPackage) package = open_package (f);

  change (pd_package_get_manifest (package));
  seal_certificate (f, package);
  return verify (f);
}

static void
change_digest (JsonObject *m)
{
  json_object_set_string_member (pd_json_object (m, "recording"), "sha256",
                                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

static void
test_digest_edited (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_false_certificate (f, change_digest);
  const PdVerifyCheck *c;

  assert_check (r, "certificate.tokens", "certificate.pdf: recording.mp4.tsr", PD_CHECK_PASSED);
  c = assert_check (r, "certificate.content", "certificate.pdf: sha256", PD_CHECK_FAILED);
  g_assert_nonnull (strstr (c->message, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  g_assert_nonnull (strstr (c->message, f->rec_sha));
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 1);
  g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
  g_assert_nonnull (strstr (pd_verify_result_get_summary (r), "does not match"));
}

static void
change_amount (JsonObject *m)
{
  JsonObject *mark = json_array_get_object_element (pd_json_array (m, "marks"), 0);

  json_object_set_string_member (mark, "note", "转账 9000 元");
}

static void
test_amount_edited (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_false_certificate (f, change_amount);
  const PdVerifyCheck *c = assert_check (r, "certificate.content", "certificate.pdf: mark 1", PD_CHECK_FAILED);

  g_assert_nonnull (strstr (c->message, "5000"));
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 1);
}

static void
change_case (JsonObject *m)
{
  json_object_set_string_member (m, "case", "Zhang v. Zhao");
}

static void
test_case_edited (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_false_certificate (f, change_case);

  assert_check (r, "certificate.content", "certificate.pdf: case", PD_CHECK_FAILED);
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 1);
}

static JsonObject *
summary_item (JsonObject *m, guint i)
{
  return json_array_get_object_element (pd_json_array (pd_json_object (m, "checklist"), "items"), i);
}

/* A certificate that claims the never-shown item was shown. */
static void
change_not_shown (JsonObject *m)
{
  json_object_set_string_member (summary_item (m, 2), "state", "marked");
}

static void
test_not_shown_hidden (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_false_certificate (f, change_not_shown);
  const PdVerifyCheck *c = assert_check (r, "certificate.content", "certificate.pdf: checklist item 3", PD_CHECK_FAILED);

  g_assert_nonnull (strstr (c->message, "WeChat ID pages"));
  g_assert_nonnull (strstr (c->message, "not-shown"));
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 1);
}

/* A certificate that leaves the never-shown item out altogether. */
static void
change_item_omitted (JsonObject *m)
{
  json_array_remove_element (pd_json_array (pd_json_object (m, "checklist"), "items"), 2);
}

static void
test_item_omitted (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_false_certificate (f, change_item_omitted);

  assert_check (r, "certificate.content", "certificate.pdf: checklist item 3", PD_CHECK_FAILED);
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 1);
}

/* A certificate that prints an undone mark as made. */
static void
change_undone (JsonObject *m)
{
  JsonObject *mark = json_array_get_object_element (pd_json_array (m, "marks"), 2);

  json_object_set_boolean_member (mark, "undone", FALSE);
  json_object_set_string_member (summary_item (m, 1), "state", "marked");
}

static void
test_undone_hidden (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_false_certificate (f, change_undone);

  assert_check (r, "certificate.content", "certificate.pdf: mark 3", PD_CHECK_FAILED);
  assert_check (r, "certificate.content", "certificate.pdf: checklist item 2", PD_CHECK_FAILED);
}

/* A certificate that hides the gap: as if checkpoint 2 had been stamped. */
static void
change_gap (JsonObject *m)
{
  JsonObject *cp = json_array_get_object_element (pd_json_array (m, "checkpoints"), GAP_CP - 1);

  json_object_remove_member (cp, "stamp_error");
  json_object_set_string_member (cp, "token", "checkpoints/000002.tsr");
}

static void
test_gap_hidden (Fixture *f, gconstpointer data)
{
  g_autoptr (PdVerifyResult) r = verify_false_certificate (f, change_gap);
  const PdVerifyCheck *c = assert_check (r, "certificate.content", "certificate.pdf: gap", PD_CHECK_FAILED);

  g_assert_nonnull (strstr (c->message, "checkpoint 2"));
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 1);
}

/* The stamp time printed one day off, everything else as sealed. */
static void
test_time_edited (Fixture *f, gconstpointer data)
{
  g_autoptr (PdPackage) package = open_package (f);
  g_autoptr (PdCertificateInfo) info = pd_certificate_info_new_from_manifest (pd_package_get_manifest (package));
  g_autoptr (PdTsaToken) rec = token_of (f, "recording.mp4.tsr");
  g_autoptr (PdVerifyResult) r = NULL;
  g_autofree char *pdf = path_in (f, PD_CERTIFICATE_NAME);
  g_autoptr (GError) error = NULL;
  const char *names[] = { "recording.mp4.tsr", "manifest.json.tsr" };
  const PdVerifyCheck *c;

  info->gen_time = g_date_time_add_days (pd_tsa_token_get_gen_time (rec), -1);
  info->tsa_name = g_strdup (pd_tsa_token_get_tsa_name (rec));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) bytes = get (f, names[i]);

      pd_certificate_info_add_attachment (info, names[i], bytes, NULL);
    }
  g_assert_cmpint (g_unlink (pdf), ==, 0);
  g_assert_true (pd_certificate_write (info, pdf, &error));
  g_assert_no_error (error);

  r = verify (f);
  c = assert_check (r, "certificate.content", "certificate.pdf: time", PD_CHECK_FAILED);
  g_assert_nonnull (strstr (c->message, "UTC"));
  g_assert_null (pd_verify_result_find_check (r, "certificate.content", "certificate.pdf: authority"));
  g_assert_cmpuint (assert_only_certificate_failed (r), ==, 1);

  /* Now the authority too. */
  {
    g_autoptr (PdVerifyResult) r2 = NULL;

    g_free (info->tsa_name);
    info->tsa_name = g_strdup ("CN=Some Other TSA");
    g_assert_cmpint (g_unlink (pdf), ==, 0);
    g_assert_true (pd_certificate_write (info, pdf, &error));
    r2 = verify (f);
    assert_check (r2, "certificate.content", "certificate.pdf: authority", PD_CHECK_FAILED);
  }
}

/* A PDF that is not a certificate at all (its text cannot be read). */
static void
test_not_a_pdf (Fixture *f, gconstpointer data)
{
  g_autofree char *pdf = path_in (f, PD_CERTIFICATE_NAME);
  g_autoptr (PdVerifyResult) r = NULL;

  g_assert_cmpint (g_unlink (pdf), ==, 0);
  put (f, PD_CERTIFICATE_NAME, "%PDF-1.5\n%\xe2\xe3\n1 0 obj <<", 21);
  r = verify (f);
  assert_check (r, "certificate.tokens", PD_CERTIFICATE_NAME, PD_CHECK_FAILED);
  assert_check (r, "certificate.content", PD_CERTIFICATE_NAME, PD_CHECK_FAILED);
  assert_only_certificate_failed (r);
}

/* ------------------------------------------------------------------------------------------ */

static void
pki_setup (void)
{
  g_autoptr (GError) error = NULL;

  pki.dir = g_dir_make_tmp ("pd-verify-cert-pki-XXXXXX", &error);
  g_assert_no_error (error);
  pki.ca_key = pd_test_key_new ();
  pki.tsa_key = pd_test_key_new ();
  pki.ca = pd_test_cert_new ("Test Root CA", pki.ca_key, NULL, NULL, -10 * YEAR, 10 * YEAR, PD_TEST_CERT_CA);
  pki.tsa = pd_test_cert_new ("Test TSA", pki.tsa_key, pki.ca, pki.ca_key, -DAY, YEAR, PD_TEST_CERT_TSA);
  pki.ca_pem = g_build_filename (pki.dir, "ca.pem", NULL);
  pki.chain_pem = g_build_filename (pki.dir, "chain.pem", NULL);
  pd_test_write_cert (pki.ca_pem, pki.ca, NULL);
  pd_test_write_cert (pki.chain_pem, pki.tsa, pki.ca);
}

static void
pki_teardown (void)
{
  pd_test_rm_rf (pki.dir);
  g_free (pki.dir);
  g_free (pki.ca_pem);
  g_free (pki.chain_pem);
  X509_free (pki.ca);
  X509_free (pki.tsa);
  EVP_PKEY_free (pki.ca_key);
  EVP_PKEY_free (pki.tsa_key);
}

int
main (int argc, char **argv)
{
  int status;

  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "en", TRUE);
  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);
  pki_setup ();

#define ADD(path, fn) g_test_add ("/core/verify/certificate/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("genuine", test_genuine);
  ADD ("missing", test_missing);
  ADD ("awaiting-stamp", test_awaiting_stamp);
  ADD ("digest-edited", test_digest_edited);
  ADD ("amount-edited", test_amount_edited);
  ADD ("case-edited", test_case_edited);
  ADD ("gap-hidden", test_gap_hidden);
  ADD ("not-shown-hidden", test_not_shown_hidden);
  ADD ("item-omitted", test_item_omitted);
  ADD ("undone-hidden", test_undone_hidden);
  ADD ("time-edited", test_time_edited);
  ADD ("not-a-pdf", test_not_a_pdf);
#undef ADD

  status = g_test_run ();
  pki_teardown ();
  return status;
}
