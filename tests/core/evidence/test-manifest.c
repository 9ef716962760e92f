/* test-manifest.c — the one evidence reader: the raw-byte checks of pd-json.c (depth, duplicate
 * keys, NUL, size) and pd-manifest.c's typed fields, safe loading and the journal. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence/pd-manifest.h"
#include "evidence/pd-package.h"
#include "pd-core.h"
#include "util/pd-error.h"
#include "util/pd-json.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"
#include "test-common.h"

static char *
nested (guint depth, char open, char close)
{
  GString *s = g_string_sized_new (depth * 2);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, open);
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, close);
  return g_string_free (s, FALSE);
}

static void
assert_json (const char *text, gssize len, gint code)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = pd_json_check (text, len < 0 ? strlen (text) : (gsize) len, 0, &error);

  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      g_assert_false (ok);
      g_assert_error (error, PD_JSON_ERROR, code);
    }
}

static void
test_depth (void)
{
  g_autofree char *ok = nested (PD_JSON_MAX_DEPTH, '[', ']');
  g_autofree char *deep = nested (PD_JSON_MAX_DEPTH + 1, '[', ']');
  g_autofree char *bomb = nested (100000, '[', ']');
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  assert_json (ok, -1, -1);
  assert_json (deep, -1, PD_JSON_ERROR_TOO_DEEP);
  assert_json (bomb, -1, PD_JSON_ERROR_TOO_DEEP);
  /* Objects count the same as arrays; brackets inside strings do not count. */
  assert_json ("{\"a\":{\"b\":[{\"c\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}]}}",
               -1, -1);
  /* The parser never sees the 100 000 levels that would overflow json-glib's recursion. */
  node = pd_json_parse (bomb, strlen (bomb), 0, "the bomb", &error);
  g_assert_null (node);
  g_assert_error (error, PD_JSON_ERROR, PD_JSON_ERROR_TOO_DEEP);
  g_assert_nonnull (strstr (error->message, "the bomb"));
}

static void
test_duplicate_keys (void)
{
  assert_json ("{\"a\":1,\"a\":2}", -1, PD_JSON_ERROR_DUPLICATE_KEY);
  /* The same key after unescaping, also through a surrogate pair. */
  assert_json ("{\"a\":1,\"\\u0061\":2}", -1, PD_JSON_ERROR_DUPLICATE_KEY);
  assert_json ("{\"\\ud83d\\ude00\":1,\"😀\":2}", -1, PD_JSON_ERROR_DUPLICATE_KEY);
  assert_json ("{\"files\":[{\"sha256\":\"x\",\"name\":\"a\",\"sha256\":\"y\"}]}", -1,
               PD_JSON_ERROR_DUPLICATE_KEY);
  /* Not duplicates: other objects, values equal to keys, keys inside strings. */
  assert_json ("{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}", -1, -1);
  assert_json ("{\"a\":\"a\",\"b\":\"a\"}", -1, -1);
  assert_json ("{\"x\":\"{\\\"a\\\":1,\\\"a\\\":2}\"}", -1, -1);
  assert_json ("{\"a\":1,\"A\":2}", -1, -1);
}

static void
test_syntax (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = NULL;

  assert_json ("{\"a\":\"b\0c\"}", 11, PD_JSON_ERROR_SYNTAX);
  assert_json ("{\"a\":\"unterminated}", -1, PD_JSON_ERROR_SYNTAX);
  assert_json ("{\"a\":\"bad \\x escape\"}", -1, PD_JSON_ERROR_SYNTAX);
  assert_json ("[1,2]]", -1, PD_JSON_ERROR_SYNTAX);
  assert_json ("[1,2}", -1, PD_JSON_ERROR_SYNTAX);
  assert_json ("{\"a\":[1,2]", -1, PD_JSON_ERROR_SYNTAX);

  o = pd_json_parse_object ("[1]", 3, 0, "the list", &error);
  g_assert_null (o);
  g_assert_error (error, PD_JSON_ERROR, PD_JSON_ERROR_NOT_OBJECT);
  g_clear_error (&error);
  o = pd_json_parse_object ("{\"a\": 1}", 8, 7, "the small one", &error);
  g_assert_null (o);
  g_assert_error (error, PD_JSON_ERROR, PD_JSON_ERROR_TOO_LARGE);
  g_clear_error (&error);
  o = pd_json_parse_object ("", 0, 0, "nothing", &error);
  g_assert_null (o);
  g_assert_error (error, PD_JSON_ERROR, PD_JSON_ERROR_SYNTAX);
  g_clear_error (&error);
  o = pd_json_parse_object ("{\"a\": tru}", 10, 0, "broken", &error);
  g_assert_null (o);
  g_assert_error (error, PD_JSON_ERROR, PD_JSON_ERROR_SYNTAX);
  g_clear_error (&error);
  o = pd_json_parse_object ("{\"案件\": \"张三诉李四\"}", strlen ("{\"案件\": \"张三诉李四\"}"), 0,
                            "ok", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_json_string (o, "案件"), ==, "张三诉李四");
}

/* Key shown escaped: a duplicate key carrying a terminal escape does not reach the terminal raw. */
static void
test_duplicate_key_message (void)
{
  g_autoptr (GError) error = NULL;
  const char *text = "{\"\\u001b[2J\":1,\"\\u001b[2J\":2}";

  g_assert_false (pd_json_check (text, strlen (text), 0, &error));
  g_assert_error (error, PD_JSON_ERROR, PD_JSON_ERROR_DUPLICATE_KEY);
  g_assert_null (strchr (error->message, '\033'));
}

static const char *sample =
  "{\"format\":\"proofdesk-evidence-package\",\"format_version\":1,"
  "\"session\":\"6f1c2f9e-3a55-4a8e-9d0b-0c3f6f2b9a11\",\"state\":\"stamped\",\"case\":\"张三诉李四\","
  "\"timestamps\":{\"authority\":{\"name\":\"Practice\",\"url\":\"local\"}},"
  "\"recording\":{\"name\":\"recording.mp4\",\"size\":1234,\"sha256\":\"ab\",\"token\":\"recording.mp4.tsr\"},"
  "\"files\":[{\"name\":\"recording.mp4\",\"size\":1234,\"sha256\":\"ab\"},7,"
  "{\"name\":\"stills/0001-id.png\",\"size\":\"big\",\"sha256\":\"cd\"}],"
  "\"checkpoints\":[{\"index\":1,\"offset\":100,\"sha256\":\"ef\",\"token\":\"checkpoints/000001.tsr\","
  "\"running_time_ns\":10000000000,\"stream_time\":\"00:00:10\",\"wall_time\":\"2026-12-03T10:00:10Z\"},"
  "{\"index\":2.5}],"
  "\"marks\":[{\"id\":1,\"item\":\"id-page\",\"title\":\"ID\",\"undone\":true}],"
  "\"checklist\":{\"required\":5,\"required_marked\":3}}";

static void
test_typed_fields (void)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (sample, strlen (sample));
  g_autoptr (GError) error = NULL;
  g_autoptr (PdManifest) m = pd_manifest_new_from_bytes (bytes, &error);
  g_autofree char *sha = pd_sha256_bytes ((const guint8 *) sample, strlen (sample));
  const PdManifestFile *files, *rec;
  const PdManifestCheckpoint *cps;
  const PdManifestMark *marks;
  guint n = 0, skipped = 0;
  gint64 required = 0, marked = 0;

  g_assert_no_error (error);
  g_assert_true (pd_manifest_is_known_format (m));
  g_assert_cmpstr (pd_manifest_get_sha256 (m), ==, sha);
  g_assert_true (pd_manifest_get_bytes (m) == bytes);
  g_assert_cmpstr (pd_manifest_get_state (m), ==, "stamped");
  g_assert_cmpstr (pd_manifest_get_string (m, "case"), ==, "张三诉李四");
  g_assert_null (pd_manifest_get_string (m, "format_version"));
  g_assert_cmpstr (pd_manifest_get_authority_name (m), ==, "Practice");
  rec = pd_manifest_get_recording (m);
  g_assert_nonnull (rec);
  g_assert_cmpint (rec->size, ==, 1234);
  g_assert_cmpstr (rec->token, ==, "recording.mp4.tsr");
  files = pd_manifest_get_files (m, &n, &skipped);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (skipped, ==, 1);
  g_assert_cmpstr (files[1].name, ==, "stills/0001-id.png");
  g_assert_cmpint (files[1].size, ==, -1);   /* "big" is not a size */
  g_assert_null (files[0].token);
  cps = pd_manifest_get_checkpoints (m, &n, NULL);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (cps[0].offset, ==, 100);
  g_assert_cmpint (cps[0].running_time_ns, ==, G_GINT64_CONSTANT (10000000000));
  g_assert_cmpint (cps[1].index, ==, -1);    /* 2.5 is not an index */
  marks = pd_manifest_get_marks (m, &n, NULL);
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (marks[0].undone);
  g_assert_cmpstr (marks[0].item, ==, "id-page");
  g_assert_true (pd_manifest_get_checklist_counts (m, &required, &marked));
  g_assert_cmpint (required, ==, 5);
  g_assert_cmpint (marked, ==, 3);
}

static void
test_unknown_format (void)
{
  g_autoptr (GBytes) other = g_bytes_new_static ("{\"format\":\"x\"}", 14);
  g_autoptr (GBytes) newer = g_bytes_new_static (
    "{\"format\":\"proofdesk-evidence-package\",\"format_version\":2}", 58);
  g_autoptr (GBytes) dup = g_bytes_new_static ("{\"state\":\"failed\",\"state\":\"stamped\"}", 36);
  g_autoptr (PdManifest) a = pd_manifest_new_from_bytes (other, NULL);
  g_autoptr (PdManifest) b = pd_manifest_new_from_bytes (newer, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdManifest) c = pd_manifest_new_from_bytes (dup, &error);

  g_assert_false (pd_manifest_is_proofdesk (a));
  g_assert_true (pd_manifest_is_proofdesk (b));
  g_assert_false (pd_manifest_is_known_format (b));
  g_assert_null (pd_manifest_get_recording (a));
  g_assert_null (c);
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST);
}

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("pd-manifest-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
test_load_refuses (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, PD_MANIFEST_NAME, NULL);
  g_autofree char *real = g_build_filename (f->dir, "elsewhere.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdManifest) m = NULL;
  gint64 start;
  int fd;

  /* Missing: NOT_FOUND, so callers can say "not a package". */
  m = pd_manifest_load (f->dir, &error);
  g_assert_null (m);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A symbolic link is not followed. */
  g_assert_true (g_file_set_contents (real, sample, -1, NULL));
  g_assert_cmpint (symlink (real, path), ==, 0);
  m = pd_manifest_load (f->dir, &error);
  g_assert_null (m);
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME);
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (path), ==, 0);

  /* A FIFO is refused at once instead of hanging the reader. */
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  start = g_get_monotonic_time ();
  m = pd_manifest_load (f->dir, &error);
  g_assert_null (m);
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (path), ==, 0);

  /* Over the limit: refused while reading, long before json-glib (a sparse file). */
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, PD_MANIFEST_MAX_SIZE + 1), ==, 0);
  close (fd);
  m = pd_manifest_load (f->dir, &error);
  g_assert_null (m);
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (path), ==, 0);

  /* And a good one loads. */
  g_assert_true (g_file_set_contents (path, sample, -1, NULL));
  m = pd_manifest_load (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_manifest_get_session (m), ==, "6f1c2f9e-3a55-4a8e-9d0b-0c3f6f2b9a11");
}

/* pd_package_open reads through the same reader: a deep manifest is an error, not a crash. */
static void
test_package_open (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, PD_MANIFEST_NAME, NULL);
  g_autofree char *bomb = nested (200000, '[', ']');
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPackage) pkg = NULL;

  g_assert_true (g_file_set_contents (path, bomb, -1, NULL));
  pkg = pd_package_open (f->dir, &error);
  g_assert_null (pkg);
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, sample, -1, NULL));
  pkg = pd_package_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_json_string (pd_package_get_manifest (pkg), "state"), ==, "stamped");
}

/* The verifier reads the manifest through it too: duplicate keys and deep nesting are a failed
 * "manifest.parse" check, and the verdict is invalid. */
static void
test_verifier_uses_reader (Fixture *f, gconstpointer data)
{
  const char *bad[] = { "{\"format\":\"proofdesk-evidence-package\",\"format_version\":1,\"state\":\"failed\",\"state\":\"stamped\"}",
                        NULL };
  g_autofree char *path = g_build_filename (f->dir, PD_MANIFEST_NAME, NULL);
  g_autofree char *bomb = nested (100000, '{', '}');
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();

  bad[1] = bomb;
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PdVerifyResult) r = NULL;
      const PdVerifyCheck *check;

      g_assert_true (g_file_set_contents (path, bad[i], -1, NULL));
      r = pd_verify_package (f->dir, trust, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (pd_verify_result_get_verdict (r), ==, PD_VERDICT_INVALID);
      check = pd_verify_result_find_check (r, "manifest.parse", PD_MANIFEST_NAME);
      g_assert_nonnull (check);
      g_assert_cmpint (check->status, ==, PD_CHECK_FAILED);
    }
}

static void
test_journal (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, PD_JOURNAL_NAME, NULL);
  g_autofree char *deep = nested (1000, '[', ']');
  g_autofree char *text = g_strdup_printf ("{\"event\":\"start\"}\n\n{\"event\":\"mark\",\"id\":1}\n"
                                           "{\"event\":\"x\",\"event\":\"y\"}\n{\"deep\":%s}\n"
                                           "{\"event\":\"checkpoint\",\"ind", deep);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = NULL;
  guint skipped = 0;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  events = pd_journal_load (path, &skipped, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpuint (skipped, ==, 3);   /* duplicate key, too deep, cut short */
  g_assert_cmpstr (pd_json_string (g_ptr_array_index (events, 1), "event"), ==, "mark");
  g_clear_pointer (&events, g_ptr_array_unref);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  events = pd_journal_load (path, NULL, &error);
  g_assert_null (events);
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pd_core_init_minimal ();

  g_test_add_func ("/core/evidence/json/depth", test_depth);
  g_test_add_func ("/core/evidence/json/duplicate-keys", test_duplicate_keys);
  g_test_add_func ("/core/evidence/json/syntax", test_syntax);
  g_test_add_func ("/core/evidence/json/duplicate-key-message", test_duplicate_key_message);
  g_test_add_func ("/core/evidence/manifest/typed-fields", test_typed_fields);
  g_test_add_func ("/core/evidence/manifest/unknown-format", test_unknown_format);
  g_test_add ("/core/evidence/manifest/load-refuses", Fixture, NULL, fixture_set_up,
              test_load_refuses, fixture_tear_down);
  g_test_add ("/core/evidence/manifest/package-open", Fixture, NULL, fixture_set_up,
              test_package_open, fixture_tear_down);
  g_test_add ("/core/evidence/manifest/verifier-uses-reader", Fixture, NULL, fixture_set_up,
              test_verifier_uses_reader, fixture_tear_down);
  g_test_add ("/core/evidence/journal/load", Fixture, NULL, fixture_set_up, test_journal,
              fixture_tear_down);
  return g_test_run ();
}
