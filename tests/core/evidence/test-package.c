/* test-package.c — the evidence package folder: created once, every file written once, names
 * that would leave the folder refused, the manifest written last and once, recovery opening,
 * discarding an empty capture, and VERIFY.txt. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "evidence/pd-package.h"
#include "test-common.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

typedef struct
{
  char      *root;
  GDateTime *started;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_local ();

  f->root = g_dir_make_tmp ("pd-test-package-XXXXXX", NULL);
  g_assert_nonnull (f->root);
  f->started = g_date_time_new (tz, 2026, 11, 27, 20, 42, 25);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  pd_test_rm_rf (f->root);
  g_free (f->root);
  g_date_time_unref (f->started);
}

static PdPackage *
create_package (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  PdPackage *package = pd_package_create (f->root, "Case 7", "wechat-chat", f->started, &error);

  g_assert_no_error (error);
  g_assert_nonnull (package);
  return package;
}

static guint
mode_of (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static GBytes *
bytes_of (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* ------------------------------------------------------------------------------------ create */

static void
test_create (Fixture *f, gconstpointer data)
{
  g_autoptr (PdPackage) first = create_package (f);
  g_autoptr (PdPackage) second = create_package (f);
  g_autoptr (PdPackage) odd = NULL;
  g_autofree char *want1 = g_build_filename (f->root, "Case-7", "20261127-204225-wechat-chat", NULL);
  g_autofree char *want2 = g_strconcat (want1, "-2", NULL);
  g_autofree char *case_dir = g_build_filename (f->root, "Case-7", NULL);
  g_autofree char *odd_path = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (pd_package_get_path (first), ==, want1);
  /* The same second again: a new folder, never the first one reused. */
  g_assert_cmpstr (pd_package_get_path (second), ==, want2);
  g_assert_cmpuint (mode_of (case_dir), ==, 0700);
  g_assert_cmpuint (mode_of (want1), ==, 0700);
  g_assert_cmpuint (mode_of (want2), ==, 0700);

  /* Names that would make a path: separators and leading dots are made harmless. */
  odd = pd_package_create (f->root, "../escape", "a/b", f->started, &error);
  g_assert_no_error (error);
  odd_path = g_build_filename (f->root, "_escape", "20261127-204225-a_b", NULL);
  g_assert_cmpstr (pd_package_get_path (odd), ==, odd_path);
  g_assert_true (g_file_test (odd_path, G_FILE_TEST_IS_DIR));
}

/* ------------------------------------------------------------------------------------ files */

static void
test_write_file_once (Fixture *f, gconstpointer data)
{
  g_autoptr (PdPackage) package = create_package (f);
  g_autoptr (GBytes) first = bytes_of ("first notes\n");
  g_autoptr (GBytes) second = bytes_of ("forged notes\n");
  g_autofree char *path = g_build_filename (pd_package_get_path (package), "notes", "a.txt", NULL);
  g_autofree char *sub = g_path_get_dirname (path);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (pd_package_write_file (package, "notes/a.txt", first, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (path), ==, 0600);
  g_assert_cmpuint (mode_of (sub), ==, 0700);

  g_assert_false (pd_package_write_file (package, "notes/a.txt", second, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "first notes\n");

  /* An escaping name writes nothing anywhere. */
  g_assert_false (pd_package_write_file (package, "../outside.txt", first, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME);
  g_clear_error (&error);
  g_clear_pointer (&path, g_free);
  path = g_build_filename (f->root, "Case-7", "outside.txt", NULL);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_file_path (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = {
    "", "/etc/passwd", "../outside", "..", ".", "./a", "a/../../b", "a/..", "a//b", "a/",
    "a\\..\\b", "checkpoints/../../../etc/passwd", "bad\xff", NULL
  };
  g_autoptr (PdPackage) package = create_package (f);
  g_autofree char *good = NULL, *want = NULL;
  g_autoptr (GError) error = NULL;

  good = pd_package_file_path (package, "checkpoints/000001.tsr", &error);
  g_assert_no_error (error);
  want = g_build_filename (pd_package_get_path (package), "checkpoints", "000001.tsr", NULL);
  g_assert_cmpstr (good, ==, want);

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autofree char *path = pd_package_file_path (package, bad[i], &error);

      if (path != NULL)
        g_error ("“%s” was accepted as %s", bad[i], path);
      g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME);
      g_clear_error (&error);
    }
  g_assert_null (pd_package_file_path (package, NULL, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME);
}

/* ------------------------------------------------------------------------------------ manifest */

static void
test_write_manifest (Fixture *f, gconstpointer data)
{
  g_autoptr (PdPackage) package = create_package (f);
  g_autoptr (PdPackage) reopened = NULL;
  g_autoptr (GBytes) note = bytes_of ("hello");
  g_autoptr (GBytes) written = NULL, again = NULL;
  g_autofree char *manifest_path = NULL, *on_disk = NULL, *note_sha = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *m = pd_package_get_manifest (package);
  JsonArray *files;
  JsonObject *entry;
  gsize len = 0;

  json_object_set_string_member (m, "format", PD_MANIFEST_FORMAT);
  json_object_set_string_member (m, "state", "stamped");
  g_assert_true (pd_package_write_file (package, "note.txt", note, &error));
  g_assert_no_error (error);
  pd_package_add_file_entry (package, PD_RECORDING_NAME, 1234,
                             "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

  written = pd_package_write_manifest (package, &error);
  g_assert_no_error (error);
  g_assert_nonnull (written);
  manifest_path = g_build_filename (pd_package_get_path (package), PD_MANIFEST_NAME, NULL);
  g_assert_true (g_file_get_contents (manifest_path, &on_disk, &len, NULL));
  /* The returned bytes are exactly what was written (they are what gets stamped). */
  g_assert_cmpmem (on_disk, len, g_bytes_get_data (written, NULL), g_bytes_get_size (written));
  g_assert_cmpint (on_disk[len - 1], ==, '\n');
  g_assert_cmpuint (mode_of (manifest_path), ==, 0600);

  /* Once only. */
  again = pd_package_write_manifest (package, &error);
  g_assert_null (again);
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
  g_clear_error (&error);

  reopened = pd_package_open (pd_package_get_path (package), &error);
  g_assert_no_error (error);
  m = pd_package_get_manifest (reopened);
  g_assert_cmpstr (pd_json_string (m, "format"), ==, PD_MANIFEST_FORMAT);
  g_assert_cmpstr (pd_json_string (m, "state"), ==, "stamped");
  files = pd_json_array (m, "files");
  g_assert_nonnull (files);
  g_assert_cmpuint (json_array_get_length (files), ==, 2);
  entry = json_array_get_object_element (files, 0);
  note_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) "hello", 5);
  g_assert_cmpstr (pd_json_string (entry, "name"), ==, "note.txt");
  g_assert_cmpint (json_object_get_int_member (entry, "size"), ==, 5);
  g_assert_cmpstr (pd_json_string (entry, "sha256"), ==, note_sha);
  entry = json_array_get_object_element (files, 1);
  g_assert_cmpstr (pd_json_string (entry, "name"), ==, PD_RECORDING_NAME);
  g_assert_cmpint (json_object_get_int_member (entry, "size"), ==, 1234);
}

static void
test_open_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (PdPackage) package = create_package (f);
  g_autofree char *file = g_build_filename (f->root, "plain-file", NULL);
  g_autofree char *manifest = g_build_filename (pd_package_get_path (package), PD_MANIFEST_NAME,
                                                NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_null (pd_package_open (file, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO);
  g_clear_error (&error);

  /* No manifest yet: not a package to open (open_unsealed is for that). */
  g_assert_null (pd_package_open (pd_package_get_path (package), &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, pd_package_get_path (package)));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (manifest, "[1, 2]", -1, NULL));
  g_assert_null (pd_package_open (pd_package_get_path (package), &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST);
}

static void
test_open_unsealed (Fixture *f, gconstpointer data)
{
  g_autoptr (PdPackage) package = create_package (f);
  g_autoptr (PdPackage) unsealed = NULL;
  g_autoptr (GBytes) manifest = NULL;
  g_autofree char *link = g_build_filename (f->root, "link", NULL);
  g_autofree char *file = g_build_filename (f->root, "plain-file", NULL);
  g_autoptr (GError) error = NULL;

  /* A crashed capture: no manifest, so it may be recovered. */
  unsealed = pd_package_open_unsealed (pd_package_get_path (package), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_package_get_path (unsealed), ==, pd_package_get_path (package));
  g_clear_object (&unsealed);

  g_assert_cmpint (symlink (pd_package_get_path (package), link), ==, 0);
  g_assert_null (pd_package_open_unsealed (link, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_null (pd_package_open_unsealed (file, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO);
  g_clear_error (&error);

  /* Sealed: never reopened for writing. */
  manifest = pd_package_write_manifest (package, &error);
  g_assert_no_error (error);
  g_assert_null (pd_package_open_unsealed (pd_package_get_path (package), &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
}

static void
test_discard_if_empty (Fixture *f, gconstpointer data)
{
  g_autoptr (PdPackage) empty = create_package (f);
  g_autoptr (PdPackage) full = create_package (f);
  g_autoptr (GBytes) note = bytes_of ("kept");
  g_autofree char *sub = g_build_filename (pd_package_get_path (empty), "checkpoints", "deep",
                                           NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  g_assert_true (pd_package_discard_if_empty (empty));
  g_assert_false (g_file_test (pd_package_get_path (empty), G_FILE_TEST_EXISTS));

  g_assert_true (pd_package_write_file (full, "checkpoints/000001.tsr", note, &error));
  g_assert_no_error (error);
  g_assert_false (pd_package_discard_if_empty (full));
  g_assert_true (g_file_test (pd_package_get_path (full), G_FILE_TEST_IS_DIR));
  g_clear_pointer (&sub, g_free);
  sub = g_build_filename (pd_package_get_path (full), "checkpoints", "000001.tsr", NULL);
  g_assert_true (g_file_test (sub, G_FILE_TEST_IS_REGULAR));
}

/* ------------------------------------------------------------------------------------ verify text */

static JsonObject *
parse_object (const char *json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_verify_text (void)
{
  g_autoptr (JsonObject) stamped = parse_object (
    "{ \"recording\": { \"sha256\": \"abc123\" },"
    "  \"timestamps\": { \"authority\": { \"practice\": true,"
    "                                     \"root_sha256_fingerprint\": \"AA:BB\" } },"
    "  \"checkpoints\": [ { \"offset\": 4096, \"token\": \"checkpoints/000001.tsr\","
    "                       \"stream_time\": \"00:00:10\" },"
    "                     { \"offset\": 8192 } ] }");
  g_autoptr (JsonObject) unstamped = parse_object ("{ \"recording\": { \"sha256\": \"def456\" } }");
  g_autofree char *text = pd_package_build_verify_text (stamped);
  g_autofree char *plain = pd_package_build_verify_text (unstamped);

  g_assert_nonnull (strstr (text, "echo \"abc123  recording.mp4\" | sha256sum -c -"));
  g_assert_nonnull (strstr (text, "WARNING: these timestamps come from the practice authority"));
  g_assert_nonnull (strstr (text, "head -c 4096 recording.mp4 | openssl ts -verify -data "
                                  "/dev/stdin -in checkpoints/000001.tsr -CAfile tsa-chain.pem"));
  /* The checkpoint without a token gets no command. */
  g_assert_null (strstr (text, "head -c 8192"));
  g_assert_nonnull (strstr (text, "openssl ts -verify -data manifest.json -in manifest.json.tsr"));
  g_assert_nonnull (strstr (text, "AA:BB"));

  g_assert_nonnull (strstr (plain, "def456  recording.mp4"));
  g_assert_nonnull (strstr (plain, "sealed without a timestamp authority"));
  g_assert_null (strstr (plain, "openssl ts"));
  g_assert_null (strstr (plain, "WARNING"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/core/evidence/package/create", test_create);
  ADD ("/core/evidence/package/write-file-once", test_write_file_once);
  ADD ("/core/evidence/package/file-path", test_file_path);
  ADD ("/core/evidence/package/write-manifest", test_write_manifest);
  ADD ("/core/evidence/package/open-errors", test_open_errors);
  ADD ("/core/evidence/package/open-unsealed", test_open_unsealed);
  ADD ("/core/evidence/package/discard-if-empty", test_discard_if_empty);
#undef ADD
  g_test_add_func ("/core/evidence/package/verify-text", test_verify_text);

  return g_test_run ();
}
