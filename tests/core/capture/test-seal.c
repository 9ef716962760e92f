/* test-seal.c — the last steps of sealing: the certificate with its tokens attached, finding
 * packages that wait for a timestamp, and stamping them late with the practice authority —
 * only when the recording still matches, never rewriting anything, the catalog told. Packages
 * are made with pd-package as a capture seals them without a TSA. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/pd-seal.h"
#include "catalog/pd-catalog.h"
#include "evidence/pd-package.h"
#include "pd-core.h"
#include "report/pd-certificate.h"
#include "test-common.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-error.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"

#define RECORDING_SIZE (300 * 1024)

typedef struct
{
  char        *root;
  PdTsaClient *tsa;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->root = g_dir_make_tmp ("pd-test-seal-XXXXXX", &error);
  g_assert_no_error (error);
  f->tsa = pd_tsa_client_new (PD_TSA_LOCAL, &error);
  g_assert_no_error (error);
  g_assert_true (pd_tsa_client_is_practice (f->tsa));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  pd_test_rm_rf (f->root);
  g_free (f->root);
  g_clear_object (&f->tsa);
}

/* ------------------------------------------------------------------------------------ helpers */

static char *
file_in (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static gboolean
has_file (const char *dir, const char *name)
{
  g_autofree char *path = file_in (dir, name);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static GBytes *
read_bytes (const char *dir, const char *name)
{
  g_autofree char *path = file_in (dir, name);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static PdTsaToken *
stamp_hex (Fixture *f, const char *hex)
{
  guint8 digest[PD_SHA256_LEN];
  g_autoptr (GError) error = NULL;
  PdTsaToken *token;

  g_assert_true (pd_hex_decode (hex, digest, sizeof digest));
  token = pd_tsa_client_stamp (f->tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  return token;
}

/* A package as a capture seals it: recording.mp4, notes, manifest.json in `state`. With
 * `rec_token` the recording is stamped and the manifest names its token (a process that died
 * before stamping the manifest); `session_out` gets the session UUID. */
static char *
make_package (Fixture *f, const char *case_name, const char *state, gboolean rec_token,
              char **session_out)
{
  static guint n;
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) started = g_date_time_new (utc, 2026, 11, 27, 10, 0, n++);
  g_autoptr (PdPackage) package = NULL;
  g_autoptr (GBytes) recording = NULL, notes = NULL, manifest = NULL;
  g_autofree guint8 *data = g_malloc (RECORDING_SIZE);
  g_autofree char *sha = NULL, *session = g_uuid_string_random (), *when = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *m, *rec;

  for (gsize i = 0; i < RECORDING_SIZE; i++)
    data[i] = (guint8) g_random_int ();
  recording = g_bytes_new_take (g_steal_pointer (&data), RECORDING_SIZE);
  sha = pd_sha256_bytes (g_bytes_get_data (recording, NULL), RECORDING_SIZE);
  package = pd_package_create (f->root, case_name, "late-stamp", started, &error);
  g_assert_no_error (error);

  /* The recording is hashed inline by a capture, so it is not in files[] through write_file. */
  {
    g_autofree char *rec_path = file_in (pd_package_get_path (package), PD_RECORDING_NAME);

    g_assert_true (pd_write_file_once (rec_path, g_bytes_get_data (recording, NULL),
                                       RECORDING_SIZE, &error));
    g_assert_no_error (error);
  }
  notes = g_bytes_new_static ("operator notes\n", 15);
  g_assert_true (pd_package_write_file (package, "notes.txt", notes, &error));
  g_assert_no_error (error);

  m = pd_package_get_manifest (package);
  when = pd_time_format_utc (started);
  json_object_set_string_member (m, "format", PD_MANIFEST_FORMAT);
  json_object_set_int_member (m, "format_version", PD_MANIFEST_FORMAT_VERSION);
  json_object_set_string_member (m, "session", session);
  json_object_set_string_member (m, "state", state);
  json_object_set_string_member (m, "case", case_name);
  json_object_set_string_member (m, "scenario", "late-stamp");
  json_object_set_string_member (m, "operator", "Test Operator");
  json_object_set_string_member (m, "started", when);
  rec = json_object_new ();
  json_object_set_string_member (rec, "name", PD_RECORDING_NAME);
  json_object_set_int_member (rec, "size", RECORDING_SIZE);
  json_object_set_string_member (rec, "sha256", sha);
  json_object_set_string_member (rec, "digest_source", "inline");
  if (rec_token)
    {
      g_autoptr (PdTsaToken) token = stamp_hex (f, sha);
      GBytes *der = pd_tsa_token_get_response_der (token);
      g_autofree char *token_path = file_in (pd_package_get_path (package),
                                             PD_RECORDING_TOKEN_NAME);

      g_assert_true (pd_write_file_once (token_path, g_bytes_get_data (der, NULL),
                                         g_bytes_get_size (der), &error));
      g_assert_no_error (error);
      json_object_set_string_member (rec, "token", PD_RECORDING_TOKEN_NAME);
    }
  json_object_set_object_member (m, "recording", rec);
  manifest = pd_package_write_manifest (package, &error);
  g_assert_no_error (error);

  if (session_out)
    *session_out = g_steal_pointer (&session);
  return g_strdup (pd_package_get_path (package));
}

/* Verified with the practice root of this test's data folder as the only anchor. */
static PdVerdict
verdict_of (const char *dir, const char *file, const char *token)
{
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autofree char *file_path = file_in (dir, file);
  g_autofree char *token_path = file_in (dir, token);
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (pd_trust_store_add_practice_root (trust, &error));
  g_assert_no_error (error);
  r = pd_verify_token_for_file (file_path, token_path, trust, NULL, &error);
  g_assert_no_error (error);
  if (pd_verify_result_get_verdict (r) != PD_VERDICT_VALID_PRACTICE)
    g_test_message ("%s with %s: %s", file, token, pd_verify_result_get_summary (r));
  return pd_verify_result_get_verdict (r);
}

static gboolean
strv_has (char **strv, const char *s)
{
  return strv != NULL && g_strv_contains ((const char *const *) strv, s);
}

/* ------------------------------------------------------------------------------------ find */

static void
test_find_pending (Fixture *f, gconstpointer data)
{
  g_autofree char *waiting = make_package (f, "A", "awaiting-stamp", FALSE, NULL);
  g_autofree char *recovered = make_package (f, "A", "recovered", FALSE, NULL);
  g_autofree char *failed = make_package (f, "B", "failed", FALSE, NULL);
  g_autofree char *half = make_package (f, "B", "stamped", TRUE, NULL);
  g_autofree char *deep_root = g_build_filename (f->root, "deeper", NULL);
  g_autofree char *link = g_build_filename (f->root, "link-to-A", NULL);
  g_autofree char *case_a = g_path_get_dirname (waiting);
  g_autofree char *empty = g_build_filename (f->root, "empty", NULL);
  g_autofree char *deep = NULL;
  g_auto (GStrv) found = NULL, none = NULL;

  /* Three levels below the root: further than an evidence root holds packages. */
  {
    Fixture deeper = { .root = deep_root, .tsa = f->tsa };

    g_assert_cmpint (g_mkdir (deep_root, 0700), ==, 0);
    deep = make_package (&deeper, "C", "awaiting-stamp", FALSE, NULL);
  }
  g_assert_cmpint (symlink (case_a, link), ==, 0);

  found = pd_seal_find_pending (f->root);
  g_assert_true (strv_has (found, waiting));
  g_assert_true (strv_has (found, recovered));
  /* Recording stamped, manifest token and certificate missing: also unfinished. */
  g_assert_true (strv_has (found, half));
  g_assert_false (strv_has (found, failed));
  g_assert_false (strv_has (found, deep));
  /* Each package once: the symlinked case folder is not followed. */
  g_assert_cmpuint (g_strv_length (found), ==, 3);

  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  none = pd_seal_find_pending (empty);
  g_assert_nonnull (none);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

/* ------------------------------------------------------------------------------------ stamp */

static void
test_stamp_pending (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = make_package (f, "Case", "awaiting-stamp", FALSE, NULL);
  g_autoptr (GBytes) manifest_before = read_bytes (dir, PD_MANIFEST_NAME);
  g_autoptr (GBytes) manifest_after = NULL, token_before = NULL, token_after = NULL;
  g_auto (GStrv) pending = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (pd_seal_stamp_pending (dir, f->tsa, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (has_file (dir, PD_RECORDING_TOKEN_NAME));
  g_assert_true (has_file (dir, PD_MANIFEST_TOKEN_NAME));
  g_assert_true (has_file (dir, PD_CERTIFICATE_NAME));

  /* The manifest is stamped as it is: it still says when it was captured and what waited. */
  manifest_after = read_bytes (dir, PD_MANIFEST_NAME);
  g_assert_true (g_bytes_equal (manifest_before, manifest_after));

  g_assert_cmpint (verdict_of (dir, PD_RECORDING_NAME, PD_RECORDING_TOKEN_NAME), ==,
                   PD_VERDICT_VALID_PRACTICE);
  g_assert_cmpint (verdict_of (dir, PD_MANIFEST_NAME, PD_MANIFEST_TOKEN_NAME), ==,
                   PD_VERDICT_VALID_PRACTICE);
  /* The certificate carries the recording's token. */
  g_assert_cmpint (verdict_of (dir, PD_RECORDING_NAME, PD_CERTIFICATE_NAME), ==,
                   PD_VERDICT_VALID_PRACTICE);

  pending = pd_seal_find_pending (f->root);
  g_assert_false (strv_has (pending, dir));

  /* Once: a second run refuses and leaves the token alone. */
  token_before = read_bytes (dir, PD_RECORDING_TOKEN_NAME);
  g_assert_false (pd_seal_stamp_pending (dir, f->tsa, NULL, NULL, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
  token_after = read_bytes (dir, PD_RECORDING_TOKEN_NAME);
  g_assert_true (g_bytes_equal (token_before, token_after));
}

static void
test_stamp_pending_catalog (Fixture *f, gconstpointer data)
{
  g_autofree char *session = NULL;
  g_autofree char *dir = make_package (f, "Catalogued", "awaiting-stamp", FALSE, &session);
  g_autofree char *db = g_build_filename (f->root, "catalog.db", NULL);
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (PdCatalogSession) s = NULL;
  g_autoptr (GDateTime) started = g_date_time_new_now_utc ();
  g_autofree char *orphan_dir = make_package (f, "Catalogued", "awaiting-stamp", FALSE, NULL);
  g_autoptr (GError) error = NULL;

  catalog = pd_catalog_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (pd_catalog_session_create (catalog, session, "Catalogued", "late-stamp", "test",
                                            dir, started, &error));
  g_assert_no_error (error);
  g_assert_true (pd_catalog_session_set_state (catalog, session, PD_SESSION_STATE_AWAITING_STAMP,
                                               "authority unreachable", &error));
  g_assert_no_error (error);

  g_assert_true (pd_seal_stamp_pending (dir, f->tsa, catalog, NULL, &error));
  g_assert_no_error (error);
  s = pd_catalog_get_session (catalog, session, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pd_catalog_session_get_state (s), ==, PD_SESSION_STATE_STAMPED);
  g_assert_true (g_str_has_prefix (pd_catalog_session_get_state_reason (s),
                                   "Stamped after the capture, at "));
  g_assert_nonnull (pd_catalog_session_get_recording_sha256 (s));

  /* A package the catalog does not know is still stamped: catalog errors are not failures. */
  g_assert_true (pd_seal_stamp_pending (orphan_dir, f->tsa, catalog, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (has_file (orphan_dir, PD_RECORDING_TOKEN_NAME));
}

/* A recording changed after sealing is never stamped: that would date the forgery. */
static void
test_stamp_pending_changed (Fixture *f, gconstpointer data)
{
  g_autofree char *flipped = make_package (f, "Changed", "awaiting-stamp", FALSE, NULL);
  g_autofree char *cut = make_package (f, "Changed", "awaiting-stamp", FALSE, NULL);
  g_autofree char *flipped_rec = file_in (flipped, PD_RECORDING_NAME);
  g_autofree char *cut_rec = file_in (cut, PD_RECORDING_NAME);
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (flipped_rec);
  g_autoptr (GFileIOStream) io = NULL;
  guint8 byte = 0;

  /* One byte flipped in the middle; the size stays. */
  g_assert_cmpint (g_chmod (flipped_rec, 0600), ==, 0);
  io = g_file_open_readwrite (file, NULL, &error);
  g_assert_no_error (error);
  g_seekable_seek (G_SEEKABLE (io), RECORDING_SIZE / 2, G_SEEK_SET, NULL, &error);
  g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (io)), &byte, 1, NULL, &error);
  byte ^= 0x01;
  g_seekable_seek (G_SEEKABLE (io), RECORDING_SIZE / 2, G_SEEK_SET, NULL, &error);
  g_output_stream_write (g_io_stream_get_output_stream (G_IO_STREAM (io)), &byte, 1, NULL, &error);
  g_io_stream_close (G_IO_STREAM (io), NULL, &error);
  g_assert_no_error (error);

  g_assert_false (pd_seal_stamp_pending (flipped, f->tsa, NULL, NULL, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST);
  g_assert_nonnull (strstr (error->message, "no longer matches its manifest"));
  g_clear_error (&error);
  g_assert_false (has_file (flipped, PD_RECORDING_TOKEN_NAME));
  g_assert_false (has_file (flipped, PD_MANIFEST_TOKEN_NAME));
  g_assert_false (has_file (flipped, PD_CERTIFICATE_NAME));

  /* Truncated. */
  g_assert_cmpint (truncate (cut_rec, RECORDING_SIZE - 1), ==, 0);
  g_assert_false (pd_seal_stamp_pending (cut, f->tsa, NULL, NULL, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST);
  g_assert_false (has_file (cut, PD_RECORDING_TOKEN_NAME));
}

static void
test_stamp_pending_not_waiting (Fixture *f, gconstpointer data)
{
  g_autofree char *failed = make_package (f, "Not", "failed", FALSE, NULL);
  g_autofree char *odd = make_package (f, "Not", "stamped", FALSE, NULL);
  g_autofree char *no_manifest = g_build_filename (f->root, "Not", "no-manifest", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_false (pd_seal_stamp_pending (failed, f->tsa, NULL, NULL, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "is not waiting for a timestamp"));
  g_clear_error (&error);
  g_assert_false (has_file (failed, PD_RECORDING_TOKEN_NAME));

  /* "stamped" without a token is not something to complete silently either. */
  g_assert_false (pd_seal_stamp_pending (odd, f->tsa, NULL, NULL, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (has_file (odd, PD_RECORDING_TOKEN_NAME));

  g_assert_cmpint (g_mkdir_with_parents (no_manifest, 0700), ==, 0);
  g_assert_false (pd_seal_stamp_pending (no_manifest, f->tsa, NULL, NULL, &error));
  g_assert_nonnull (error);
}

/* The authority is still down: nothing is written, the package keeps waiting. */
static void
test_stamp_pending_tsa_down (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = make_package (f, "Down", "awaiting-stamp", FALSE, NULL);
  g_autoptr (PdTsaClient) down = NULL;
  g_auto (GStrv) pending = NULL;
  g_autoptr (GError) error = NULL;

  down = pd_tsa_client_new ("http://127.0.0.1:9/", &error);
  g_assert_no_error (error);
  pd_tsa_client_set_timeout (down, 5);
  g_assert_false (pd_seal_stamp_pending (dir, down, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_false (has_file (dir, PD_RECORDING_TOKEN_NAME));
  g_assert_false (has_file (dir, PD_MANIFEST_TOKEN_NAME));
  g_assert_false (has_file (dir, PD_CERTIFICATE_NAME));
  pending = pd_seal_find_pending (f->root);
  g_assert_true (strv_has (pending, dir));
}

/* Died after stamping the recording, before the manifest token and certificate: finished with
 * the recording's token as it is. */
static void
test_finish_manifest_stamp (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = make_package (f, "Half", "stamped", TRUE, NULL);
  g_autoptr (GBytes) token_before = read_bytes (dir, PD_RECORDING_TOKEN_NAME);
  g_autoptr (GBytes) token_after = NULL;
  g_autofree char *cert = file_in (dir, PD_CERTIFICATE_NAME);
  g_autoptr (GPtrArray) attachments = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (pd_seal_stamp_pending (dir, f->tsa, NULL, NULL, &error));
  g_assert_no_error (error);
  token_after = read_bytes (dir, PD_RECORDING_TOKEN_NAME);
  g_assert_true (g_bytes_equal (token_before, token_after));
  g_assert_cmpint (verdict_of (dir, PD_MANIFEST_NAME, PD_MANIFEST_TOKEN_NAME), ==,
                   PD_VERDICT_VALID_PRACTICE);

  attachments = pd_certificate_read_attachments (cert, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attachments->len, ==, 2);
  for (guint i = 0; i < attachments->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (attachments, i);

      if (g_str_equal (a->name, PD_RECORDING_TOKEN_NAME))
        g_assert_true (g_bytes_equal (a->data, token_before));
      else
        g_assert_cmpstr (a->name, ==, PD_MANIFEST_TOKEN_NAME);
    }

  /* Now complete: refused. */
  g_assert_false (pd_seal_stamp_pending (dir, f->tsa, NULL, NULL, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
}

/* ------------------------------------------------------------------------------------ hostile */

static gint
cmp_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Every entry of `dir` (recursively) with its type and, for regular files, its SHA-256. */
static void
fingerprint_into (const char *dir, const char *rel, GString *out)
{
  g_autofree char *path = rel ? g_build_filename (dir, rel, NULL) : g_strdup (dir);
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, cmp_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child_rel = rel ? g_build_filename (rel, names->pdata[i], NULL)
                                       : g_strdup (names->pdata[i]);
      g_autofree char *child = g_build_filename (dir, child_rel, NULL);
      GStatBuf st;

      g_assert_cmpint (g_lstat (child, &st), ==, 0);
      if (S_ISDIR (st.st_mode))
        fingerprint_into (dir, child_rel, out);
      else if (S_ISREG (st.st_mode))
        {
          g_autofree char *sha = pd_sha256_file (child, NULL, NULL, NULL);
          g_string_append_printf (out, "%s %s\n", child_rel, sha);
        }
      else
        g_string_append_printf (out, "%s mode %o\n", child_rel, st.st_mode);
    }
}

static char *
fingerprint (const char *dir)
{
  GString *out = g_string_new (NULL);

  fingerprint_into (dir, NULL, out);
  return g_string_free (out, FALSE);
}

/* Replaces `name` in `dir` by a FIFO nobody writes to. */
static void
put_fifo (const char *dir, const char *name)
{
  g_autofree char *path = file_in (dir, name);

  g_unlink (path);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
}

/* stamp --pending on `dir` fails within a second with an error naming `name`, and changes
 * nothing in the package. */
static void
assert_refused_quickly (Fixture *f, const char *dir, const char *name, GQuark domain, int code)
{
  g_autofree char *before = fingerprint (dir);
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  g_assert_false (pd_seal_stamp_pending (dir, f->tsa, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s: %s", name, error->message);
  if (domain != 0)
    g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
  after = fingerprint (dir);
  g_assert_cmpstr (before, ==, after);
}

/* A FIFO in the place of a listed file, the manifest or a token: a clear error, never a hang. */
static void
test_stamp_pending_fifo (Fixture *f, gconstpointer data)
{
  g_autofree char *listed = make_package (f, "Fifo", "awaiting-stamp", FALSE, NULL);
  g_autofree char *manifest = make_package (f, "Fifo", "awaiting-stamp", FALSE, NULL);
  g_autofree char *rec = make_package (f, "Fifo", "awaiting-stamp", FALSE, NULL);
  g_autofree char *mtoken = make_package (f, "Fifo", "awaiting-stamp", FALSE, NULL);
  g_autofree char *half = make_package (f, "Fifo", "stamped", TRUE, NULL);
  g_autofree char *half_rec = make_package (f, "Fifo", "stamped", TRUE, NULL);
  g_autofree char *sealed = make_package (f, "Fifo", "awaiting-stamp", FALSE, NULL);

  put_fifo (listed, "notes.txt");
  assert_refused_quickly (f, listed, "notes.txt", PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST);
  put_fifo (manifest, PD_MANIFEST_NAME);
  assert_refused_quickly (f, manifest, PD_MANIFEST_NAME, 0, 0);
  put_fifo (rec, PD_RECORDING_NAME);
  assert_refused_quickly (f, rec, PD_RECORDING_NAME, PD_PACKAGE_ERROR,
                          PD_PACKAGE_ERROR_BAD_MANIFEST);
  put_fifo (mtoken, PD_MANIFEST_TOKEN_NAME);
  assert_refused_quickly (f, mtoken, PD_MANIFEST_TOKEN_NAME, PD_PACKAGE_ERROR,
                          PD_PACKAGE_ERROR_EXISTS);
  put_fifo (half, PD_MANIFEST_TOKEN_NAME);
  assert_refused_quickly (f, half, PD_MANIFEST_TOKEN_NAME, PD_PACKAGE_ERROR,
                          PD_PACKAGE_ERROR_BAD_NAME);
  put_fifo (half_rec, PD_RECORDING_TOKEN_NAME);
  assert_refused_quickly (f, half_rec, PD_RECORDING_TOKEN_NAME, PD_PACKAGE_ERROR,
                          PD_PACKAGE_ERROR_BAD_NAME);
  put_fifo (sealed, PD_SEALED_DIGEST_NAME);
  assert_refused_quickly (f, sealed, PD_SEALED_DIGEST_NAME, PD_PACKAGE_ERROR,
                          PD_PACKAGE_ERROR_BAD_NAME);
}

/* Rewrites the first `from` in `dir`/`name` to `to` (same length: only the digest changes). */
static void
edit_file (const char *dir, const char *name, const char *from, const char *to)
{
  g_autofree char *path = file_in (dir, name);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  char *at;

  g_assert_cmpuint (strlen (from), ==, strlen (to));
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  at = strstr (text, from);
  g_assert_nonnull (at);
  memcpy (at, to, strlen (to));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

/* A manifest edited after sealing (one byte of the case name) is never stamped, whether the
 * seal-time digest is in manifest.sha256 or only in the catalog; one with no digest kept
 * anywhere is refused as well, and so is a listed file changed after sealing. */
static void
test_stamp_pending_edited_manifest (Fixture *f, gconstpointer data)
{
  g_autofree char *session = NULL;
  g_autofree char *edited = make_package (f, "Genuine", "awaiting-stamp", FALSE, NULL);
  g_autofree char *catalogued = make_package (f, "Genuine", "awaiting-stamp", FALSE, &session);
  g_autofree char *unknown = make_package (f, "Genuine", "awaiting-stamp", FALSE, NULL);
  g_autofree char *notes = make_package (f, "Genuine", "awaiting-stamp", FALSE, NULL);
  g_autofree char *half = make_package (f, "Genuine", "stamped", TRUE, NULL);
  g_autofree char *db = g_build_filename (f->root, "catalog.db", NULL);
  g_autofree char *sidecar = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (PdPackage) package = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GError) error = NULL;

  edit_file (edited, PD_MANIFEST_NAME, "\"Genuine\"", "\"Genuinf\"");
  assert_refused_quickly (f, edited, "changed after it was sealed", PD_PACKAGE_ERROR,
                          PD_PACKAGE_ERROR_BAD_MANIFEST);
  g_assert_false (has_file (edited, PD_RECORDING_TOKEN_NAME));

  /* The same edit, the sidecar rewritten to match: the catalog still knows the sealed digest. */
  catalog = pd_catalog_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (pd_catalog_session_create (catalog, session, "Genuine", "late-stamp", "test",
                                            catalogued, now, &error));
  package = pd_package_open (catalogued, &error);
  g_assert_no_error (error);
  {
    g_autofree char *mpath = file_in (catalogued, PD_MANIFEST_NAME);
    g_autofree char *sha = pd_sha256_file (mpath, NULL, NULL, NULL);

    g_assert_true (pd_catalog_session_record_package (catalog, session,
                                                      pd_package_get_manifest (package), sha,
                                                      &error));
    g_assert_no_error (error);
  }
  edit_file (catalogued, PD_MANIFEST_NAME, "\"Genuine\"", "\"Genuinf\"");
  sidecar = file_in (catalogued, PD_SEALED_DIGEST_NAME);
  {
    g_autofree char *mpath = file_in (catalogued, PD_MANIFEST_NAME);
    g_autofree char *sha = pd_sha256_file (mpath, NULL, NULL, NULL);
    g_autofree char *line = g_strdup_printf ("%s  %s\n", sha, PD_MANIFEST_NAME);

    g_assert_cmpint (g_chmod (sidecar, 0600), ==, 0);
    g_assert_true (g_file_set_contents (sidecar, line, -1, &error));
  }
  g_assert_false (pd_seal_stamp_pending (catalogued, f->tsa, catalog, NULL, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST);
  g_assert_nonnull (strstr (error->message, "the catalog"));
  g_clear_error (&error);
  g_assert_false (has_file (catalogued, PD_RECORDING_TOKEN_NAME));

  /* No digest kept at all. */
  {
    g_autofree char *path = file_in (unknown, PD_SEALED_DIGEST_NAME);
    g_assert_cmpint (g_unlink (path), ==, 0);
  }
  assert_refused_quickly (f, unknown, PD_SEALED_DIGEST_NAME, PD_PACKAGE_ERROR,
                          PD_PACKAGE_ERROR_BAD_MANIFEST);

  /* A listed file edited (same size). */
  edit_file (notes, "notes.txt", "operator", "OPERATOR");
  assert_refused_quickly (f, notes, "notes.txt", PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST);

  /* The recording stamped, the manifest not yet: an edit is refused there too. */
  edit_file (half, PD_MANIFEST_NAME, "\"Genuine\"", "\"Genuinf\"");
  assert_refused_quickly (f, half, "changed after it was sealed", PD_PACKAGE_ERROR,
                          PD_PACKAGE_ERROR_BAD_MANIFEST);
  g_assert_false (has_file (half, PD_MANIFEST_TOKEN_NAME));
}

/* ------------------------------------------------------------------------------------ certificate */

static void
test_write_certificate (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = make_package (f, "Cert", "awaiting-stamp", FALSE, NULL);
  g_autoptr (PdPackage) package = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  g_autoptr (GPtrArray) attachments = NULL;
  g_autofree char *cert = file_in (dir, PD_CERTIFICATE_NAME);
  g_autoptr (GError) error = NULL;
  PdCertificateAttachment *a;
  GStatBuf st;

  package = pd_package_open (dir, &error);
  g_assert_no_error (error);
  token = stamp_hex (f, pd_json_string (pd_json_object (pd_package_get_manifest (package),
                                                        "recording"), "sha256"));

  /* Without a manifest token: the recording's token is the one attachment. */
  g_assert_true (pd_seal_write_certificate (package, token, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (cert, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  attachments = pd_certificate_read_attachments (cert, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attachments->len, ==, 1);
  a = g_ptr_array_index (attachments, 0);
  g_assert_cmpstr (a->name, ==, PD_RECORDING_TOKEN_NAME);
  g_assert_true (g_bytes_equal (a->data, pd_tsa_token_get_response_der (token)));

  /* Never overwritten. */
  g_assert_false (pd_seal_write_certificate (package, token, token, &error));
  g_assert_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_EXISTS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/core/capture/seal/find-pending", test_find_pending);
  ADD ("/core/capture/seal/stamp-pending", test_stamp_pending);
  ADD ("/core/capture/seal/stamp-pending-catalog", test_stamp_pending_catalog);
  ADD ("/core/capture/seal/stamp-pending-changed-recording", test_stamp_pending_changed);
  ADD ("/core/capture/seal/stamp-pending-not-waiting", test_stamp_pending_not_waiting);
  ADD ("/core/capture/seal/stamp-pending-tsa-down", test_stamp_pending_tsa_down);
  ADD ("/core/capture/seal/finish-manifest-stamp", test_finish_manifest_stamp);
  ADD ("/core/capture/seal/stamp-pending-fifo", test_stamp_pending_fifo);
  ADD ("/core/capture/seal/stamp-pending-edited-manifest", test_stamp_pending_edited_manifest);
  ADD ("/core/capture/seal/write-certificate", test_write_certificate);
#undef ADD

  return g_test_run ();
}
