/* test-export.c — export to a folder, an ISO image and a stdio: pseudo-drive, each read back against the manifests. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pd-core.h"
#include "report/pd-disc-label.h"
#include "util/pd-error.h"
#include "export/pd-export.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"
#include "test-common.h"

#define HOSTILE_CASE "<script>alert(1)</script> & \"张三\""

static char *tmp_root;
static char *packages[2]; /* [0] wechat-chat, hostile case; [1] no scenario */
static PdTrustStore *trust;

/* Runs argv; returns the exit status, stdout in `out` (may be NULL). */
static int
run (const char *const *argv, const char *cwd, char **out)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *stdout_buf = NULL, *stderr_buf = NULL;

  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &stdout_buf, &stderr_buf, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    g_test_message ("%s: %s", argv[0], stderr_buf);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_buf);
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

static char *
capture_package (const char *case_name, const char *scenario)
{
  const char *proofctl = g_getenv ("PROOFCTL");
  g_autofree char *out = NULL;
  g_autofree char *root = g_build_filename (tmp_root, "evidence", NULL);
  g_auto (GStrv) lines = NULL;
  GPtrArray *argv = g_ptr_array_new ();
  int status;

  g_assert_nonnull (proofctl);
  g_ptr_array_add (argv, (char *) proofctl);
  g_ptr_array_add (argv, "capture");
  g_ptr_array_add (argv, "--quiet");
  g_ptr_array_add (argv, "--source");
  g_ptr_array_add (argv, "test");
  g_ptr_array_add (argv, "--duration");
  g_ptr_array_add (argv, "2");
  g_ptr_array_add (argv, "--checkpoint-interval");
  g_ptr_array_add (argv, "1");
  g_ptr_array_add (argv, "--tsa");
  g_ptr_array_add (argv, "local");
  g_ptr_array_add (argv, "--out");
  g_ptr_array_add (argv, root);
  if (case_name)
    {
      g_ptr_array_add (argv, "--case");
      g_ptr_array_add (argv, (char *) case_name);
    }
  if (scenario)
    {
      g_ptr_array_add (argv, "--scenario");
      g_ptr_array_add (argv, (char *) scenario);
    }
  g_ptr_array_add (argv, NULL);
  status = run ((const char *const *) argv->pdata, NULL, &out);
  g_ptr_array_unref (argv);
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_nonnull (lines[0]);
  g_assert_true (g_file_test (lines[g_strv_length (lines) - 1], G_FILE_TEST_IS_DIR));
  return g_strdup (lines[g_strv_length (lines) - 1]);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_root, name, NULL);
}

static PdExportResult *
export_to (PdExportTargetKind kind, const char *target, const char *label, GError **error)
{
  g_autoptr (PdExport) export = pd_export_new (kind, target);

  for (guint i = 0; i < G_N_ELEMENTS (packages); i++)
    pd_export_add_package (export, packages[i]);
  pd_export_set_label (export, label);
  pd_export_set_trust_store (export, trust);
  return pd_export_run (export, NULL, error);
}

static JsonObject *
load_manifest (const char *dir, JsonParser *parser)
{
  g_autofree char *path = g_build_filename (dir, "manifest.json", NULL);
  g_autoptr (GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* Every files[] entry and the recording of every package under `root` (a copy) has the SHA-256
 * its manifest states. Checked here with pd_sha256_file, independently of the export code. */
static guint
assert_copies_match_manifests (const char *root, PdExportResult *result)
{
  guint n = 0;

  for (guint i = 0; i < result->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (result->packages, i);
      g_autofree char *dir = g_build_filename (root, p->export_dir, NULL);
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *manifest = load_manifest (dir, parser);
      JsonArray *files = json_object_get_array_member (manifest, "files");
      JsonObject *rec = json_object_get_object_member (manifest, "recording");
      g_autofree char *rec_path = g_build_filename (dir, json_object_get_string_member (rec, "name"), NULL);
      g_autofree char *rec_sha = pd_sha256_file (rec_path, NULL, NULL, NULL);

      g_assert_cmpstr (rec_sha, ==, json_object_get_string_member (rec, "sha256"));
      for (guint j = 0; j < json_array_get_length (files); j++)
        {
          JsonObject *f = json_array_get_object_element (files, j);
          g_autofree char *path = g_build_filename (dir, json_object_get_string_member (f, "name"), NULL);
          g_autoptr (GError) error = NULL;
          g_autofree char *sha = pd_sha256_file (path, NULL, NULL, &error);

          g_assert_no_error (error);
          g_assert_cmpstr (sha, ==, json_object_get_string_member (f, "sha256"));
          n++;
        }
    }
  return n;
}

static void
assert_all_read_back (PdExportResult *result)
{
  g_assert_cmpuint (result->n_bad, ==, 0);
  g_assert_true (pd_export_result_get_ok (result));
  g_assert_cmpuint (result->files->len, >=, 10);
  for (guint i = 0; i < result->files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (result->files, i);

      g_assert_cmpint (f->status, ==, PD_EXPORT_FILE_OK);
      g_assert_cmpstr (f->actual_sha256, ==, f->expected_sha256);
    }
}

static char *
read_text (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&text);
}

/* ---- label and volume id ---- */

static void
test_label_compose (void)
{
  g_autoptr (GDateTime) day = g_date_time_new_local (2026, 11, 27, 12, 0, 0);
  g_autoptr (GDateTime) later = g_date_time_new_local (2026, 11, 29, 12, 0, 0);
  const char *wechat[] = { "WeChat", "WeChat", NULL };
  const char *both[] = { "WeChat", "Alipay", NULL };
  g_autofree char *a = pd_disc_label_compose (wechat, NULL, day, day);
  g_autofree char *b = pd_disc_label_compose (both, "借贷纠纷", day, later);

  g_assert_cmpstr (pd_disc_label_platform_for_scenario ("wechat-chat"), ==, "WeChat");
  g_assert_cmpstr (pd_disc_label_platform_for_scenario ("alipay"), ==, "Alipay");
  g_assert_null (pd_disc_label_platform_for_scenario ("test"));
  g_assert_cmpstr (a, ==, "WeChat 民间借贷 2026-11-27");
  g_assert_cmpstr (b, ==, "WeChat+Alipay 借贷纠纷 2026-11-27–2026-11-29");
}

static gboolean
is_d_chars (const char *s)
{
  for (; *s; s++)
    if (!(g_ascii_isupper (*s) || g_ascii_isdigit (*s) || *s == '_'))
      return FALSE;
  return TRUE;
}

static void
test_volume_id (void)
{
  g_autoptr (GDateTime) day = g_date_time_new_local (2026, 11, 27, 12, 0, 0);
  g_autoptr (GString) chinese = g_string_new (NULL);
  g_autofree char *a = pd_disc_label_volume_id ("WeChat 民间借贷 2026-11-27", day);
  g_autofree char *b = NULL, *c = NULL;

  for (int i = 0; i < 100; i++)
    g_string_append (chinese, "借");
  b = pd_disc_label_volume_id (chinese->str, day);
  c = pd_disc_label_volume_id ("a very long label that is much longer than thirty-two characters", day);

  g_assert_cmpstr (a, ==, "WECHAT_2026_11_27");
  g_assert_cmpstr (b, ==, "PROOFDESK_20261127");
  g_assert_cmpuint (strlen (c), <=, PD_ISO_VOLUME_ID_MAX);
  g_assert_cmpuint (strlen (c), >, 20);
  g_assert_true (is_d_chars (a) && is_d_chars (b) && is_d_chars (c));
}

/* ---- folder ---- */

static void
test_folder (void)
{
  g_autofree char *dir = tmp_path ("usb");
  g_autoptr (GError) error = NULL;
  g_autoptr (PdExportResult) result = export_to (PD_EXPORT_TARGET_FOLDER, dir, NULL, &error);
  g_autofree char *index_path = g_build_filename (dir, PD_EXPORT_INDEX_HTML_NAME, NULL);
  g_autofree char *index_html = NULL, *index_txt = NULL, *txt_path = NULL;
  const char *sums[] = { "sha256sum", "--quiet", "-c", PD_EXPORT_SUMS_NAME, NULL };
  g_autoptr (PdExportResult) again = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (result);
  assert_all_read_back (result);
  g_assert_nonnull (pd_export_result_find_file (result, PD_EXPORT_INDEX_TEXT_NAME));
  g_assert_nonnull (pd_export_result_find_file (result, PD_EXPORT_VERIFY_NAME));
  g_assert_true (g_str_has_prefix (result->label, "WeChat 民间借贷 "));
  g_assert_cmpuint (assert_copies_match_manifests (dir, result), >=, 10);
  for (guint i = 0; i < result->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (result->packages, i);

      g_assert_true (p->reverified);
      g_assert_cmpint (p->reverify_verdict, ==, PD_VERDICT_VALID_PRACTICE);
      g_assert_nonnull (p->gen_time);
      g_assert_nonnull (p->tsa_name);
    }

  /* Stock tools agree. */
  g_assert_cmpint (run (sums, dir, NULL), ==, 0);

  /* Hostile names are escaped, never markup. */
  index_html = read_text (index_path);
  g_assert_null (strstr (index_html, "<script>"));
  g_assert_nonnull (strstr (index_html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;张三&quot;"));
  txt_path = g_build_filename (dir, PD_EXPORT_INDEX_TEXT_NAME, NULL);
  index_txt = read_text (txt_path);
  g_assert_nonnull (strstr (index_txt, ((PdExportPackage *) g_ptr_array_index (result->packages, 0))->recording_sha256));
  g_assert_nonnull (strstr (index_txt, "TSA time"));

  /* A folder that is not empty is refused before anything is written. */
  again = export_to (PD_EXPORT_TARGET_FOLDER, dir, NULL, &error);
  g_assert_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_EXISTS);
  g_assert_null (again);
}

static char *
copy_package (const char *src, const char *name)
{
  g_autofree char *parent = tmp_path (name);
  g_autofree char *base = g_path_get_basename (src);
  char *dst = g_build_filename (parent, base, NULL);
  const char *cp[] = { "cp", "-a", src, parent, NULL };

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_cmpint (run (cp, NULL, NULL), ==, 0);
  return dst;
}

static void
test_tampered_refused (void)
{
  g_autofree char *copy = copy_package (packages[1], "tampered");
  g_autofree char *rec = g_build_filename (copy, "recording.mp4", NULL);
  g_autofree char *target = tmp_path ("tampered-out");
  g_autoptr (PdExport) export = pd_export_new (PD_EXPORT_TARGET_FOLDER, target);
  g_autoptr (PdExportResult) result = NULL;
  g_autoptr (GError) error = NULL;
  FILE *f = fopen (rec, "r+b");
  int c;

  /* Flip one byte in the middle of the recording. */
  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, 100000, SEEK_SET), ==, 0);
  c = fgetc (f);
  g_assert_cmpint (c, !=, EOF);
  g_assert_cmpint (fseek (f, 100000, SEEK_SET), ==, 0);
  g_assert_cmpint (fputc (c ^ 0x5a, f), !=, EOF);
  g_assert_cmpint (fclose (f), ==, 0);

  pd_export_add_package (export, packages[0]);
  pd_export_add_package (export, copy);
  pd_export_set_trust_store (export, trust);
  result = pd_export_run (export, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, copy));
  g_assert_nonnull (strstr (error->message, "check"));
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

static void
test_symlink_refused (void)
{
  g_autofree char *copy = copy_package (packages[1], "symlinked");
  g_autofree char *link = g_build_filename (copy, "checkpoints", "passwd", NULL);
  g_autofree char *target = tmp_path ("symlink-out.iso");
  g_autoptr (PdExport) export = pd_export_new (PD_EXPORT_TARGET_ISO, target);
  g_autoptr (PdExportResult) result = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (symlink ("/etc/passwd", link), ==, 0);
  pd_export_add_package (export, copy);
  pd_export_set_trust_store (export, trust);
  result = pd_export_run (export, NULL, &error);
  g_assert_null (result);
  g_assert_true (g_error_matches (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE) ||
                 g_error_matches (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED));
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

/* ---- ISO ---- */

/* The Joliet supplementary volume descriptor's application id (UCS-2 BE → UTF-8), or NULL. */
static char *
joliet_application_id (const char *iso, char **pvd_volume_id)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  char *found = NULL;

  g_assert_true (g_file_get_contents (iso, &data, &len, NULL));
  *pvd_volume_id = g_strstrip (g_strndup (data + 16 * 2048 + 40, 32));
  for (guint lba = 17; lba < 32 && (lba + 1) * 2048 <= len; lba++)
    {
      const guchar *d = (const guchar *) data + lba * 2048;

      if (d[0] == 255)
        break;
      if (d[0] == 2 && memcmp (d + 1, "CD001", 5) == 0 && memcmp (d + 88, "%/E", 3) == 0)
        {
          g_autofree char *utf8 = g_convert ((const char *) d + 574, 128, "UTF-8", "UTF-16BE",
                                             NULL, NULL, NULL);

          found = g_strdup (g_strchomp (utf8));
        }
    }
  return found;
}

static void
test_iso (void)
{
  g_autofree char *iso = tmp_path ("export.iso");
  g_autofree char *extract = tmp_path ("iso-extract");
  g_autofree char *list = NULL, *toc = NULL, *pvd = NULL, *joliet = NULL, *expected_id = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdExportResult) result = export_to (PD_EXPORT_TARGET_ISO, iso, NULL, &error);
  const char *check[] = { "xorriso", "-md5", "on", "-indev", iso, "-check_md5", "FAILURE", "--", NULL };
  const char *find[] = { "xorriso", "-indev", iso, "-find", "/", "-type", "f", NULL };
  const char *toc_argv[] = { "xorriso", "-indev", iso, "-toc", NULL };
  const char *extract_argv[] = { "xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", extract, NULL };

  g_assert_no_error (error);
  assert_all_read_back (result);
  g_assert_true (result->has_rock_ridge);
  g_assert_true (result->has_joliet);
  /* libisofs' per-file MD5s were compared with what came back, for every file. */
  g_assert_cmpuint (result->n_md5_checked, ==, result->files->len);
  expected_id = pd_disc_label_volume_id (result->label, NULL);
  g_assert_cmpstr (result->volume_id, ==, expected_id);

  /* xorriso: the session and every file match the MD5s recorded in the image. */
  g_assert_cmpint (run (check, NULL, NULL), ==, 0);
  /* …lists every file… */
  g_assert_cmpint (run (find, NULL, &list), ==, 0);
  for (guint i = 0; i < result->files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (result->files, i);
      g_autofree char *needle = g_strdup_printf ("'/%s'", f->path);

      g_assert_nonnull (strstr (list, needle));
    }
  /* …sees Rock Ridge and Joliet… */
  g_assert_cmpint (run (toc_argv, NULL, &toc), ==, 0);
  g_assert_nonnull (strstr (toc, "Rock_Ridge"));
  g_assert_nonnull (strstr (toc, "Joliet"));
  /* …and what it extracts equals the manifests, hostile names and all. */
  g_assert_cmpint (run (extract_argv, NULL, NULL), ==, 0);
  g_assert_cmpuint (assert_copies_match_manifests (extract, result), >=, 10);

  joliet = joliet_application_id (iso, &pvd);
  g_assert_cmpstr (pvd, ==, result->volume_id);
  g_assert_cmpstr (joliet, ==, result->label);
}

static void
test_iso_volume_id_limits (void)
{
  g_autofree char *iso = tmp_path ("long-label.iso");
  g_autoptr (GString) label = g_string_new (NULL);
  g_autofree char *pvd = NULL, *joliet = NULL, *first64 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdExportResult) result = NULL;

  for (int i = 0; i < 100; i++)
    g_string_append_unichar (label, 0x501f + (i % 7)); /* 借… */
  result = export_to (PD_EXPORT_TARGET_ISO, iso, label->str, &error);
  g_assert_no_error (error);
  assert_all_read_back (result);
  g_assert_cmpstr (result->label, ==, label->str);

  joliet = joliet_application_id (iso, &pvd);
  g_assert_cmpuint (strlen (pvd), >, 0);
  g_assert_cmpuint (strlen (pvd), <=, PD_ISO_VOLUME_ID_MAX);
  g_assert_true (is_d_chars (pvd));
  /* Joliet's application id holds 64 UCS-2 characters: the label, as far as it goes. */
  first64 = g_utf8_substring (label->str, 0, 64);
  g_assert_cmpstr (joliet, ==, first64);
}

static void
test_iso_too_small (void)
{
  g_autofree char *iso = tmp_path ("small.iso");
  g_autoptr (PdExport) export = pd_export_new (PD_EXPORT_TARGET_ISO, iso);
  g_autoptr (PdExportResult) result = NULL;
  g_autoptr (GError) error = NULL;

  pd_export_add_package (export, packages[0]);
  pd_export_set_trust_store (export, trust);
  pd_export_set_capacity_limit (export, 700 * 1024);
  result = pd_export_run (export, NULL, &error);
  g_assert_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_NO_SPACE);
  g_assert_null (result);
  g_assert_false (g_file_test (iso, G_FILE_TEST_EXISTS));
}

/* ---- disc: libburn's stdio: pseudo-drive ---- */

static void
test_burn (void)
{
  g_autofree char *img = tmp_path ("disc.img");
  g_autofree char *drive = g_strconcat ("stdio:", img, NULL);
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdExportResult) result = export_to (PD_EXPORT_TARGET_DISC, drive, NULL, &error);
  g_autoptr (PdExportResult) second = NULL;
  const char *check[] = { "xorriso", "-md5", "on", "-indev", img, "-check_md5", "FAILURE", "--", NULL };
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_false (result->simulated);
  g_assert_cmpstr (result->media, ==, "stdio file");
  assert_all_read_back (result);
  g_assert_cmpuint (result->n_md5_checked, ==, result->files->len);
  g_assert_cmpint (g_stat (img, &st), ==, 0);
  /* The image plus the read-ahead padding went onto the "disc". */
  g_assert_cmpuint (st.st_size, >=, result->bytes_written + PD_EXPORT_DISC_PADDING);
  g_assert_cmpint (run (check, NULL, NULL), ==, 0);

  /* Nothing can be added afterwards: a second burn onto it is refused, the data untouched. */
  before = pd_sha256_file (img, NULL, NULL, NULL);
  second = export_to (PD_EXPORT_TARGET_DISC, drive, NULL, &error);
  g_assert_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA);
  g_assert_null (second);
  after = pd_sha256_file (img, NULL, NULL, NULL);
  g_assert_cmpstr (before, ==, after);
}

static void
test_burn_simulate (void)
{
  g_autofree char *img = tmp_path ("simulated.img");
  g_autofree char *drive = g_strconcat ("stdio:", img, NULL);
  g_autoptr (PdExport) export = pd_export_new (PD_EXPORT_TARGET_DISC, drive);
  g_autoptr (PdExportResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  pd_export_add_package (export, packages[0]);
  pd_export_set_trust_store (export, trust);
  pd_export_set_simulate (export, TRUE);
  result = pd_export_run (export, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (result->simulated);
  g_assert_cmpuint (result->bytes_written, ==, 0);
  for (guint i = 0; i < result->files->len; i++)
    g_assert_cmpint (((PdExportFile *) g_ptr_array_index (result->files, i))->status, ==,
                     PD_EXPORT_FILE_NOT_CHECKED);
  /* libburn may create the file, but writes nothing into it. */
  g_assert_true (g_stat (img, &st) != 0 || st.st_size == 0);
}

static void
test_burn_too_small (void)
{
  g_autofree char *img = tmp_path ("small.img");
  g_autofree char *drive = g_strconcat ("stdio:", img, NULL);
  g_autoptr (PdExport) export = pd_export_new (PD_EXPORT_TARGET_DISC, drive);
  g_autoptr (PdExportResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  pd_export_add_package (export, packages[0]);
  pd_export_set_trust_store (export, trust);
  /* A stdio: drive reports its file system's free space; the limit stands in for a full CD. */
  pd_export_set_capacity_limit (export, 1024 * 1024);
  result = pd_export_run (export, NULL, &error);
  g_assert_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_NO_SPACE);
  g_assert_null (result);
  g_assert_true (g_stat (img, &st) != 0 || st.st_size == 0);
}

/* ---- label PDF ---- */

static void
test_label_pdf (void)
{
  g_autofree char *iso = tmp_path ("labelled.iso");
  g_autofree char *pdf = tmp_path ("labelled-label.pdf");
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdExportResult) result = export_to (PD_EXPORT_TARGET_ISO, iso, NULL, &error);
  const char *totext[] = { "pdftotext", "-layout", pdf, "-", NULL };

  g_assert_no_error (error);
  g_assert_true (pd_export_result_write_label_pdf (result, pdf, &error));
  g_assert_no_error (error);
  g_assert_cmpint (run (totext, NULL, &text), ==, 0);
  /* pdftotext may break the label where the font changes (Latin → CJK): compare words. */
  {
    g_autoptr (GRegex) space = g_regex_new ("\\s+", 0, 0, NULL);
    g_autofree char *flat = g_regex_replace_literal (space, text, -1, 0, " ", 0, NULL);

    g_assert_nonnull (strstr (flat, result->label));
  }
  for (guint i = 0; i < result->packages->len; i++)
    g_assert_nonnull (strstr (text, ((PdExportPackage *) g_ptr_array_index (result->packages, i))->recording_sha256));
  g_assert_nonnull (strstr (text, "UTC"));

  /* Never over an existing file. */
  g_assert_false (pd_export_result_write_label_pdf (result, pdf, &error));
  g_assert_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_EXISTS);
}

/* ---- async ---- */

typedef struct
{
  GMainLoop      *loop;
  PdExportResult *result;
  GError         *error;
  guint           phases;   /* bit per phase seen */
  gboolean        off_main;  /* a progress call came from another thread */
  GThread        *main_thread;
} AsyncRun;

static void
on_async_progress (PdExportPhase phase, guint64 done, guint64 total, gpointer user_data)
{
  AsyncRun *run_data = user_data;

  run_data->phases |= 1u << phase;
  if (g_thread_self () != run_data->main_thread)
    run_data->off_main = TRUE;
}

static void
on_async_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AsyncRun *run_data = user_data;

  run_data->result = pd_export_run_finish (PD_EXPORT (source), res, &run_data->error);
  g_main_loop_quit (run_data->loop);
}

static void
test_async_progress (void)
{
  g_autofree char *dir = tmp_path ("async");
  g_autoptr (PdExport) export = pd_export_new (PD_EXPORT_TARGET_FOLDER, dir);
  AsyncRun r = { 0 };

  r.loop = g_main_loop_new (NULL, FALSE);
  r.main_thread = g_thread_self ();
  pd_export_add_package (export, packages[1]);
  pd_export_set_trust_store (export, trust);
  pd_export_set_progress_func (export, on_async_progress, &r, NULL);
  pd_export_run_async (export, NULL, on_async_done, &r);
  g_main_loop_run (r.loop);
  g_assert_no_error (r.error);
  assert_all_read_back (r.result);
  g_assert_true (r.phases & (1u << PD_EXPORT_PHASE_VERIFY));
  g_assert_true (r.phases & (1u << PD_EXPORT_PHASE_WRITE));
  g_assert_true (r.phases & (1u << PD_EXPORT_PHASE_READ_BACK));
  g_assert_false (r.off_main);
  pd_export_result_unref (r.result);
  g_main_loop_unref (r.loop);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);

  tmp_root = g_dir_make_tmp ("pd-test-export-XXXXXX", &error);
  g_assert_no_error (error);
  packages[0] = capture_package (HOSTILE_CASE, "wechat-chat");
  packages[1] = capture_package (NULL, NULL);
  trust = pd_trust_store_new ();
  g_assert_true (pd_trust_store_add_practice_root (trust, &error));
  g_assert_no_error (error);

  g_test_add_func ("/core/export/label/compose", test_label_compose);
  g_test_add_func ("/core/export/label/volume-id", test_volume_id);
  g_test_add_func ("/core/export/folder", test_folder);
  g_test_add_func ("/core/export/refused/tampered", test_tampered_refused);
  g_test_add_func ("/core/export/refused/symlink", test_symlink_refused);
  g_test_add_func ("/core/export/iso", test_iso);
  g_test_add_func ("/core/export/iso/volume-id-limits", test_iso_volume_id_limits);
  g_test_add_func ("/core/export/iso/too-small", test_iso_too_small);
  g_test_add_func ("/core/export/burn", test_burn);
  g_test_add_func ("/core/export/burn/simulate", test_burn_simulate);
  g_test_add_func ("/core/export/burn/too-small", test_burn_too_small);
  g_test_add_func ("/core/export/label/pdf", test_label_pdf);
  g_test_add_func ("/core/export/async-progress", test_async_progress);
  ret = g_test_run ();

  pd_test_rm_rf (tmp_root);
  pd_trust_store_unref (trust);
  g_free (tmp_root);
  for (guint i = 0; i < G_N_ELEMENTS (packages); i++)
    g_free (packages[i]);
  return ret;
}
