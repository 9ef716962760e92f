/* test-certificate.c — the certificate PDF: real RFC 3161 tokens attached, read back by us and by
 * poppler-utils, verified by stock openssl; text, page count, bad inputs, no overwriting. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "report/pd-certificate.h"
#include "pd-core.h"
#include "util/pd-error.h"
#include "util/pd-util.h"
#include "test-common.h"

#define CASE_ZH "张三诉李四"

/* Made once in main(): a throwaway CA and TSA, two data files and their tokens. */
static char   *pki_dir;
static GBytes *rec_token;
static GBytes *man_token;
static char   *rec_sha256;

typedef struct
{
  char *dir;
  char *pdf;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("pd-certificate-XXXXXX", &error);
  g_assert_no_error (error);
  f->pdf = g_build_filename (f->dir, PD_CERTIFICATE_NAME, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->pdf);
}

/* Runs argv (no shell) in `cwd`; returns whether it exited with 0. */
static gboolean
run_argv (const char *cwd, char **out, char **err, const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *o = NULL, *e = NULL;

  g_subprocess_launcher_set_cwd (launcher, cwd);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &o, &e, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (proc))
    g_test_message ("%s failed: %s", argv[0], e);
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&e);
  return g_subprocess_get_successful (proc);
}

#define RUN(cwd, out, err, ...) \
  run_argv (cwd, out, err, (const char *const[]) { __VA_ARGS__, NULL })

static GBytes *
read_bytes (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static void
write_file (const char *path, const void *data, gssize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

static const char pki_config[] =
  "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = Proofdesk Test\n"
  "[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
  "subjectKeyIdentifier = hash\n"
  "[v3_tsa]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
  "extendedKeyUsage = critical,timeStamping\nsubjectKeyIdentifier = hash\n"
  "authorityKeyIdentifier = keyid\n"
  "[tsa]\ndefault_tsa = tsa_config\n"
  "[tsa_config]\nserial = ./tsaserial\ncrypto_device = builtin\nsigner_cert = ./tsa.pem\n"
  "certs = ./ca.pem\nsigner_key = ./tsa.key\nsigner_digest = sha256\n"
  "default_policy = 1.3.6.1.4.1.99999.1\nother_policies = 1.3.6.1.4.1.99999.2\n"
  "digests = sha256\naccuracy = secs:1\nordering = yes\ntsa_name = yes\n"
  "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n";

static void
stamp (const char *name)
{
  g_autofree char *tsq = g_strdup_printf ("%s.tsq", name);
  g_autofree char *tsr = g_strdup_printf ("%s.tsr", name);

  g_assert_true (RUN (pki_dir, NULL, NULL, "openssl", "ts", "-query", "-data", name, "-sha256",
                      "-cert", "-out", tsq));
  g_assert_true (RUN (pki_dir, NULL, NULL, "openssl", "ts", "-reply", "-config", "openssl.cnf",
                      "-queryfile", tsq, "-out", tsr));
}

static void
make_pki (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cnf = NULL, *rec = NULL, *path = NULL;
  guint8 random[100000];

  pki_dir = g_dir_make_tmp ("pd-certificate-pki-XXXXXX", &error);
  g_assert_no_error (error);
  cnf = g_build_filename (pki_dir, "openssl.cnf", NULL);
  write_file (cnf, pki_config, -1);
  g_assert_true (RUN (pki_dir, NULL, NULL, "openssl", "req", "-x509", "-new", "-newkey", "ec",
                      "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                      "-out", "ca.pem", "-days", "3650", "-subj", "/CN=Proofdesk Test CA",
                      "-config", "openssl.cnf", "-extensions", "v3_ca"));
  g_assert_true (RUN (pki_dir, NULL, NULL, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                      "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key", "-out",
                      "tsa.csr", "-subj", "/CN=Proofdesk Test TSA", "-config", "openssl.cnf"));
  g_assert_true (RUN (pki_dir, NULL, NULL, "openssl", "x509", "-req", "-in", "tsa.csr", "-CA",
                      "ca.pem", "-CAkey", "ca.key", "-set_serial", "2", "-days", "365", "-out",
                      "tsa.pem", "-extfile", "openssl.cnf", "-extensions", "v3_tsa"));
  path = g_build_filename (pki_dir, "tsaserial", NULL);
  write_file (path, "01\n", -1);

  for (gsize i = 0; i < sizeof random; i++)
    random[i] = (guint8) g_random_int ();
  rec = g_build_filename (pki_dir, "recording.mp4", NULL);
  write_file (rec, random, sizeof random);
  rec_sha256 = pd_sha256_bytes (random, sizeof random);
  g_free (path);
  path = g_build_filename (pki_dir, "manifest.json", NULL);
  write_file (path, "{\"format\": \"proofdesk-evidence-package\"}\n", -1);

  stamp ("recording.mp4");
  stamp ("manifest.json");
  g_free (path);
  path = g_build_filename (pki_dir, "recording.mp4.tsr", NULL);
  rec_token = read_bytes (path);
  g_free (path);
  path = g_build_filename (pki_dir, "manifest.json.tsr", NULL);
  man_token = read_bytes (path);
}

/* A filled-in certificate with both tokens attached. */
static PdCertificateInfo *
make_info (gboolean practice)
{
  PdCertificateInfo *info = pd_certificate_info_new ();

  info->title = g_strdup ("WeChat chat — loan agreement 微信聊天记录");
  info->case_name = g_strdup (CASE_ZH);
  info->operator_name = g_strdup ("Lawyer Wang 王律师");
  info->source = g_strdup ("Android phone via scrcpy — Xiaomi 13 (serial 8a7f3c21)");
  info->file_name = g_strdup ("recording.mp4");
  info->file_size = 100000;
  info->sha256 = g_strdup (rec_sha256);
  info->gen_time = g_date_time_new_utc (2026, 11, 27, 20, 42, 25.5);
  info->tsa_name = g_strdup (practice ? "Proofdesk practice TSA (this computer)"
                                      : "CN=Proofdesk Test TSA");
  info->serial = g_strdup ("0x01");
  info->policy = g_strdup ("1.3.6.1.4.1.99999.1");
  info->accuracy = g_strdup ("±1 s");
  info->practice = practice;
  for (guint i = 1; i <= 4; i++)
    {
      g_autoptr (GDateTime) t = g_date_time_add_seconds (info->gen_time, -60.0 * (5 - i));
      g_autofree char *st = pd_format_stream_time (i * 60 * G_GUINT64_CONSTANT (1000000000));

      pd_certificate_info_add_checkpoint (info, i, st, i * 25000, i == 4 ? NULL : t);
    }
  pd_certificate_info_add_mark (info, "party.identity — WeChat ID page of both parties",
                                "00:00:42", "Both ID pages shown");
  pd_certificate_info_add_mark (info, "loan.terms", "00:02:10", "借款 50,000 元，年利率 6%");
  pd_certificate_info_add_attachment (info, "recording.mp4.tsr", rec_token,
                                      "RFC 3161 token over SHA-256(recording.mp4)");
  pd_certificate_info_add_attachment (info, "manifest.json.tsr", man_token, NULL);
  return info;
}

static void
write_certificate (Fixture *f, gboolean practice)
{
  g_autoptr (PdCertificateInfo) info = make_info (practice);
  g_autoptr (GError) error = NULL;

  g_assert_true (pd_certificate_write (info, f->pdf, &error));
  g_assert_no_error (error);
}

static void
test_embedded_tokens (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) atts = NULL;
  g_autoptr (GBytes) pdf = NULL;
  GStatBuf st;

  write_certificate (f, TRUE);
  g_assert_cmpint (g_stat (f->pdf, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  atts = pd_certificate_read_attachments (f->pdf, &error);
  g_assert_no_error (error);
  g_assert_nonnull (atts);
  g_assert_cmpuint (atts->len, ==, 2);
  for (guint i = 0; i < atts->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (atts, i);

      if (g_str_equal (a->name, "recording.mp4.tsr"))
        g_assert_true (g_bytes_equal (a->data, rec_token));
      else if (g_str_equal (a->name, "manifest.json.tsr"))
        g_assert_true (g_bytes_equal (a->data, man_token));
      else
        g_assert_not_reached ();
    }
  /* The media type the brief asks for, and the classic structure of an incremental update. */
  pdf = read_bytes (f->pdf);
  g_assert_nonnull (memmem (g_bytes_get_data (pdf, NULL), g_bytes_get_size (pdf),
                            "/Subtype /application#2Ftimestamp-reply", 39));
  g_assert_nonnull (memmem (g_bytes_get_data (pdf, NULL), g_bytes_get_size (pdf), "/Prev ", 6));
}

static void
test_pdfdetach (Fixture *f, gconstpointer data)
{
  const char *names[] = { "recording.mp4", "manifest.json" };
  g_autofree char *list = NULL, *out_dir = g_build_filename (f->dir, "out", NULL);
  g_autofree char *ca = g_build_filename (pki_dir, "ca.pem", NULL);

  write_certificate (f, FALSE);
  g_assert_true (RUN (f->dir, &list, NULL, "pdfdetach", "-list", f->pdf));
  g_assert_nonnull (strstr (list, "2 embedded files"));
  g_assert_nonnull (strstr (list, "recording.mp4.tsr"));
  g_assert_nonnull (strstr (list, "manifest.json.tsr"));

  g_assert_cmpint (g_mkdir (out_dir, 0700), ==, 0);
  g_assert_true (RUN (f->dir, NULL, NULL, "pdfdetach", "-saveall", "-o", out_dir, f->pdf));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *token_name = g_strdup_printf ("%s.tsr", names[i]);
      g_autofree char *token = g_build_filename (out_dir, token_name, NULL);
      g_autofree char *data_file = g_build_filename (pki_dir, names[i], NULL);
      g_autofree char *other = g_build_filename (pki_dir, names[1 - i], NULL);
      g_autoptr (GBytes) extracted = read_bytes (token);
      g_autofree char *verdict = NULL;

      g_assert_true (g_bytes_equal (extracted, i == 0 ? rec_token : man_token));
      g_assert_true (RUN (f->dir, &verdict, NULL, "openssl", "ts", "-verify", "-data", data_file,
                          "-in", token, "-CAfile", ca));
      g_assert_nonnull (strstr (verdict, "Verification: OK"));
      /* The same token must not verify another file: the check above can fail. */
      g_assert_false (RUN (f->dir, NULL, NULL, "openssl", "ts", "-verify", "-data", other, "-in",
                           token, "-CAfile", ca));
    }
}

static char *
pdf_text (Fixture *f)
{
  char *text = NULL;

  g_assert_true (RUN (f->dir, &text, NULL, "pdftotext", "-enc", "UTF-8", f->pdf, "-"));
  return text;
}

static void
test_text (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL, *info = NULL, *err = NULL;
  g_autofree char *plain_text = NULL;
  int pages;
  const char *p;

  write_certificate (f, TRUE);
  text = pdf_text (f);
  g_assert_nonnull (strstr (text, rec_sha256));
  g_assert_nonnull (strstr (text, "Practice authority"));
  g_assert_nonnull (strstr (text, CASE_ZH));
  g_assert_nonnull (strstr (text, "2026-11-27 20:42:25 UTC"));
  g_assert_nonnull (strstr (text, "openssl ts -verify -data recording.mp4 -in recording.mp4.tsr"));

  g_assert_true (RUN (f->dir, &info, &err, "pdfinfo", f->pdf));
  g_assert_cmpstr (err, ==, "");
  p = strstr (info, "Pages:");
  g_assert_nonnull (p);
  pages = atoi (p + strlen ("Pages:"));
  g_assert_cmpint (pages, >=, 1);
  g_assert_cmpint (pages, <=, 3);

  /* Without the practice flag there is no warning. */
  g_unlink (f->pdf);
  write_certificate (f, FALSE);
  plain_text = pdf_text (f);
  g_assert_null (strstr (plain_text, "Practice authority"));
  g_assert_nonnull (strstr (plain_text, rec_sha256));
}

static void
test_long_tables (Fixture *f, gconstpointer data)
{
  g_autoptr (PdCertificateInfo) info = make_info (TRUE);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL, *pdfinfo = NULL;
  GString *long_note = g_string_new (NULL);

  for (guint i = 5; i <= 500; i++)
    pd_certificate_info_add_checkpoint (info, i, "01:00:00", i * G_GUINT64_CONSTANT (1000000),
                                        info->gen_time);
  for (guint i = 0; i < 300; i++)
    g_string_append (long_note, "很长的备注 long note ");
  for (guint i = 0; i < 60; i++)
    pd_certificate_info_add_mark (info, long_note->str, "00:10:00", long_note->str);
  g_free (info->case_name);
  info->case_name = g_string_free (long_note, FALSE);

  g_assert_true (pd_certificate_write (info, f->pdf, &error));
  g_assert_no_error (error);
  text = pdf_text (f);
  g_assert_nonnull (strstr (text, "and 480 more"));  /* 500 checkpoints, 20 shown */
  g_assert_nonnull (strstr (text, "and 42 more"));   /* 62 marks, 20 shown */
  g_assert_true (RUN (f->dir, &pdfinfo, NULL, "pdfinfo", f->pdf));
  g_assert_nonnull (strstr (pdfinfo, "Pages:"));
  g_assert_cmpint (atoi (strstr (pdfinfo, "Pages:") + 6), <=, 3);
}

static void
assert_read_fails (const char *path, int code, int alt_code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) atts = pd_certificate_read_attachments (path, &error);

  g_assert_null (atts);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", path, error->message);
  g_assert_true (error->domain == PD_CERTIFICATE_ERROR);
  if (error->code != alt_code)
    g_assert_cmpint (error->code, ==, code);
}

static void
test_bad_inputs (Fixture *f, gconstpointer data)
{
  g_autofree char *empty = g_build_filename (f->dir, "empty.pdf", NULL);
  g_autofree char *random = g_build_filename (f->dir, "random.pdf", NULL);
  g_autofree char *garbage = g_build_filename (f->dir, "garbage.pdf", NULL);
  g_autofree char *truncated = g_build_filename (f->dir, "truncated.pdf", NULL);
  g_autofree char *plain = g_build_filename (f->dir, "plain.pdf", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.pdf", NULL);
  g_autoptr (PdCertificateInfo) info = make_info (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) good = NULL;
  guint8 noise[4096];

  for (gsize i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_random_int ();
  noise[0] = 'x'; /* never a PDF header by chance */
  write_file (empty, "", 0);
  write_file (random, noise, sizeof noise);
  memcpy (noise, "%PDF-1.5\n", 9);
  write_file (garbage, noise, sizeof noise);

  write_certificate (f, FALSE);
  good = read_bytes (f->pdf);
  write_file (truncated, g_bytes_get_data (good, NULL), (gssize) g_bytes_get_size (good) / 2);

  /* A certificate with nothing attached is still a valid PDF, but not one we can use. */
  g_ptr_array_set_size (info->attachments, 0);
  g_assert_true (pd_certificate_write (info, plain, &error));
  g_assert_no_error (error);

  assert_read_fails (missing, PD_CERTIFICATE_ERROR_IO, -1);
  assert_read_fails (empty, PD_CERTIFICATE_ERROR_NOT_PDF, -1);
  assert_read_fails (random, PD_CERTIFICATE_ERROR_NOT_PDF, -1);
  assert_read_fails (garbage, PD_CERTIFICATE_ERROR_DAMAGED, PD_CERTIFICATE_ERROR_NO_ATTACHMENTS);
  /* Poppler may rebuild a truncated file's xref: then it has lost its attachments. */
  assert_read_fails (truncated, PD_CERTIFICATE_ERROR_DAMAGED, PD_CERTIFICATE_ERROR_NO_ATTACHMENTS);
  assert_read_fails (plain, PD_CERTIFICATE_ERROR_NO_ATTACHMENTS, -1);
}

/* A hand-made PDF whose one attachment inflates to 2 MiB from a few KiB: a decompression bomb. */
static void
test_attachment_bomb (Fixture *f, gconstpointer data)
{
  g_autoptr (GZlibCompressor) zlib = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr (GOutputStream) conv = g_converter_output_stream_new (mem, G_CONVERTER (zlib));
  g_autofree guint8 *zeros = g_malloc0 (2 * PD_CERTIFICATE_MAX_ATTACHMENT);
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) pdf = g_string_new ("%PDF-1.7\n");
  g_autoptr (GPtrArray) atts = NULL;
  const char *objects[] = {
    "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(bomb.tsr) 4 0 R] >> >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
    "<< /Type /Filespec /F (bomb.tsr) /EF << /F 5 0 R >> >>",
  };
  gsize offsets[5], xref, zlen;

  g_output_stream_write_all (conv, zeros, 2 * PD_CERTIFICATE_MAX_ATTACHMENT, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (conv, NULL, &error);
  g_assert_no_error (error);
  zlen = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem));
  g_assert_cmpuint (zlen, <, 16384);

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      offsets[i] = pdf->len;
      g_string_append_printf (pdf, "%u 0 obj\n%s\nendobj\n", i + 1, objects[i]);
    }
  offsets[4] = pdf->len;
  g_string_append_printf (pdf, "5 0 obj\n<< /Type /EmbeddedFile /Filter /FlateDecode /Length %"
                          G_GSIZE_FORMAT " /Params << /Size 10 >> >>\nstream\n", zlen);
  g_string_append_len (pdf, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)), zlen);
  g_string_append (pdf, "\nendstream\nendobj\n");
  xref = pdf->len;
  g_string_append (pdf, "xref\n0 6\n0000000000 65535 f \n");
  for (guint i = 0; i < 5; i++)
    g_string_append_printf (pdf, "%010" G_GSIZE_FORMAT " 00000 n \n", offsets[i]);
  g_string_append_printf (pdf, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%" G_GSIZE_FORMAT
                          "\n%%%%EOF\n", xref);
  write_file (f->pdf, pdf->str, (gssize) pdf->len);

  /* poppler itself sees the attachment (so the cap, not a parse failure, stops it) … */
  {
    g_autofree char *list = NULL;

    g_assert_true (RUN (f->dir, &list, NULL, "pdfdetach", "-list", f->pdf));
    g_assert_nonnull (strstr (list, "bomb.tsr"));
  }
  /* … and our reader refuses it. */
  atts = pd_certificate_read_attachments (f->pdf, &error);
  g_assert_null (atts);
  g_assert_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_TOO_LARGE);
}

static void
test_refuse_overwrite (Fixture *f, gconstpointer data)
{
  g_autoptr (PdCertificateInfo) info = make_info (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL, after = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;
  guint n = 0;

  write_certificate (f, TRUE);
  before = read_bytes (f->pdf);
  g_assert_false (pd_certificate_write (info, f->pdf, &error));
  g_assert_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_EXISTS);
  after = read_bytes (f->pdf);
  g_assert_true (g_bytes_equal (before, after));
  /* No temporary file was left beside it. */
  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    n++;
  g_assert_cmpuint (n, ==, 1);
}

static void
test_bad_attachments (Fixture *f, gconstpointer data)
{
  g_autoptr (PdCertificateInfo) info = make_info (FALSE);
  g_autoptr (GBytes) huge = g_bytes_new_take (g_malloc0 (PD_CERTIFICATE_MAX_ATTACHMENT + 1),
                                              PD_CERTIFICATE_MAX_ATTACHMENT + 1);
  g_autoptr (GError) error = NULL;

  pd_certificate_info_add_attachment (info, "../escape.tsr", rec_token, NULL);
  g_assert_false (pd_certificate_write (info, f->pdf, &error));
  g_assert_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_INVALID);
  g_clear_error (&error);
  g_ptr_array_remove_index (info->attachments, info->attachments->len - 1);

  pd_certificate_info_add_attachment (info, "recording.mp4.tsr", rec_token, NULL);
  g_assert_false (pd_certificate_write (info, f->pdf, &error));
  g_assert_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_INVALID);
  g_clear_error (&error);
  g_ptr_array_remove_index (info->attachments, info->attachments->len - 1);

  pd_certificate_info_add_attachment (info, "huge.bin", huge, NULL);
  g_assert_false (pd_certificate_write (info, f->pdf, &error));
  g_assert_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_TOO_LARGE);
  g_assert_false (g_file_test (f->pdf, G_FILE_TEST_EXISTS));
}

static void
test_from_manifest (Fixture *f, gconstpointer data)
{
  const char *json =
    "{\"format\":\"proofdesk-evidence-package\",\"format_version\":1,\"case\":\"" CASE_ZH "\","
    "\"scenario\":\"wechat-chat\",\"operator\":\"王律师\","
    "\"source\":{\"kind\":\"test\",\"description\":\"Test pattern\"},"
    "\"recording\":{\"name\":\"recording.mp4\",\"size\":123456,\"sha256\":\"abcd\"},"
    "\"checkpoints\":[{\"index\":1,\"offset\":1000,\"running_time_ns\":61000000000},"
    "{\"index\":2,\"offset\":2000,\"stream_time\":\"00:02:00\"}, 7],"
    "\"marks\":[{\"item\":\"loan.terms\",\"stream_time\":\"00:01:05\",\"note\":\"ok\"}]}";
  const char *hostile =
    "{\"case\":5,\"recording\":[1,2],\"source\":\"x\",\"checkpoints\":{\"a\":1},"
    "\"marks\":[null,{\"item\":[]}],\"operator\":{\"name\":\"x\"}}";
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PdCertificateInfo) info = NULL;
  g_autoptr (PdCertificateInfo) bad = NULL;
  PdCertificateCheckpoint *cp;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  info = pd_certificate_info_new_from_manifest (json_node_get_object (json_parser_get_root (parser)));
  g_assert_cmpstr (info->case_name, ==, CASE_ZH);
  g_assert_cmpstr (info->title, ==, "WeChat Chat"); /* the template's title, never the id */
  g_assert_cmpstr (info->operator_name, ==, "王律师");
  g_assert_cmpstr (info->source, ==, "Test pattern");
  g_assert_cmpstr (info->file_name, ==, "recording.mp4");
  g_assert_cmpuint (info->file_size, ==, 123456);
  g_assert_cmpstr (info->sha256, ==, "abcd");
  g_assert_cmpuint (info->checkpoints->len, ==, 2);
  cp = g_ptr_array_index (info->checkpoints, 0);
  g_assert_cmpstr (cp->stream_time, ==, "00:01:01");
  g_assert_cmpuint (cp->offset, ==, 1000);
  g_assert_cmpuint (info->marks->len, ==, 1);

  /* Wrong types everywhere: ignored, no warnings (G_DEBUG=fatal-warnings), still writable. */
  json_parser_load_from_data (parser, hostile, -1, &error);
  g_assert_no_error (error);
  bad = pd_certificate_info_new_from_manifest (json_node_get_object (json_parser_get_root (parser)));
  g_assert_null (bad->case_name);
  g_assert_null (bad->file_name);
  g_assert_null (bad->operator_name);
  g_assert_cmpuint (bad->checkpoints->len, ==, 0);
  g_assert_cmpuint (bad->marks->len, ==, 1);
  g_assert_true (pd_certificate_write (bad, f->pdf, &error));
  g_assert_no_error (error);
}

/* A phone recording's certificate shows the environment report the expert asks about first,
 * and flags a failed check; hostile types in the report are skipped, not drawn or crashed on. */
static void
test_environment (Fixture *f, gconstpointer data)
{
  const char *json =
    "{\"case\":\"" CASE_ZH "\",\"recording\":{\"name\":\"recording.mp4\",\"size\":1,\"sha256\":\"ab\"},"
    "\"environment\":{\"before\":{"
    " \"device\":{\"manufacturer\":\"Xiaomi\",\"model\":\"2201123C\",\"android_version\":\"13\","
    "  \"sdk\":\"33\",\"security_patch\":\"2024-05-01\",\"serial\":\"FAKE0001\",\"fingerprint\":[1]},"
    " \"root\":{\"rooted\":true,\"su\":\"/system/xbin/su\",\"verified_boot_state\":\"orange\"},"
    " \"network\":{\"wifi_on\":true,\"mobile_data\":false,\"vpn\":null,\"http_proxy\":\"10.0.0.2:8888\"},"
    " \"storage\":{\"data_free_bytes\":1200000000},"
    " \"clock\":{\"skew_seconds\":-4,\"timezone\":\"Asia/Shanghai\"},"
    " \"app\":{\"package\":\"com.tencent.mm\",\"version_name\":\"8.0.49\",\"version_code\":\"2600\","
    "  \"installer\":\"com.android.shell\",\"signing_sha256\":\"00ff\"},"
    " \"checks\":[{\"id\":\"env.network\",\"result\":\"failed\",\"message\":\"Wi-Fi is on\"},"
    "  {\"id\":\"env.clock\",\"result\":\"passed\",\"message\":\"4 s\"}, 9, {\"id\":[]}]}}}";
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PdCertificateInfo) info = NULL;
  g_autofree char *text = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  info = pd_certificate_info_new_from_manifest (json_node_get_object (json_parser_get_root (parser)));
  g_assert_nonnull (info->environment);
  info->language = g_strdup ("en");
  g_assert_true (pd_certificate_write (info, f->pdf, &error));
  g_assert_no_error (error);
  text = pdf_text (f);
  for (const char *const *want = (const char *const[]) { "Phone environment before recording",
         "Xiaomi 2201123C", "FAKE0001", "su: /system/xbin/su", "orange", "10.0.0.2:8888",
         "com.tencent.mm 8.0.49", "com.android.shell", "Asia/Shanghai", "Network settings", "FAILED",
         "Wi-Fi is on", "passed", NULL }; *want; want++)
    if (strstr (text, *want) == NULL)
      g_error ("certificate text lacks “%s”:\n%s", *want, text);
  /* Checks by what they look at, never by their ids. */
  g_assert_null (strstr (text, "env.network"));
}

/* Page 1 as a PNG in the build directory, for a person to look at. */
static void
test_render_png (Fixture *f, gconstpointer data)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *prefix = NULL, *png = NULL;

  write_certificate (f, TRUE);
  prefix = g_build_filename (builddir ? builddir : f->dir, "certificate-page", NULL);
  png = g_strdup_printf ("%s-1.png", prefix);
  g_unlink (png);
  g_assert_true (RUN (f->dir, NULL, NULL, "pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",
                      f->pdf, prefix));
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);
  make_pki ();

  g_test_add ("/core/certificate/embedded-tokens", Fixture, NULL, fixture_setup, test_embedded_tokens, fixture_teardown);
  g_test_add ("/core/certificate/pdfdetach-openssl", Fixture, NULL, fixture_setup, test_pdfdetach, fixture_teardown);
  g_test_add ("/core/certificate/text", Fixture, NULL, fixture_setup, test_text, fixture_teardown);
  g_test_add ("/core/certificate/long-tables", Fixture, NULL, fixture_setup, test_long_tables, fixture_teardown);
  g_test_add ("/core/certificate/bad-inputs", Fixture, NULL, fixture_setup, test_bad_inputs, fixture_teardown);
  g_test_add ("/core/certificate/attachment-bomb", Fixture, NULL, fixture_setup, test_attachment_bomb, fixture_teardown);
  g_test_add ("/core/certificate/refuse-overwrite", Fixture, NULL, fixture_setup, test_refuse_overwrite, fixture_teardown);
  g_test_add ("/core/certificate/bad-attachments", Fixture, NULL, fixture_setup, test_bad_attachments, fixture_teardown);
  g_test_add ("/core/certificate/from-manifest", Fixture, NULL, fixture_setup, test_from_manifest, fixture_teardown);
  g_test_add ("/core/certificate/environment", Fixture, NULL, fixture_setup, test_environment, fixture_teardown);
  g_test_add ("/core/certificate/render-png", Fixture, NULL, fixture_setup, test_render_png, fixture_teardown);

  ret = g_test_run ();
  pd_test_rm_rf (pki_dir);
  g_free (pki_dir);
  g_free (rec_sha256);
  g_bytes_unref (rec_token);
  g_bytes_unref (man_token);
  return ret;
}
