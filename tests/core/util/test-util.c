/* test-util.c — the small helpers: hex, SHA-256 of bytes and files (NIST vectors and GLib's own
 * SHA-256), prefix digests, time formats, safe path components, write-once files, JSON accessors. */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-common.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* FIPS 180-2 / NIST CSHA256 vectors. */
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA256_ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_448   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define SHA256_MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("pd-test-util-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  pd_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* A file of `len` bytes that are not all alike (so an offset error changes the digest). */
static char *
write_pattern_file (Fixture *f, const char *name, gsize len, GBytes **bytes_out)
{
  g_autofree guint8 *data = g_malloc (len ? len : 1);
  char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) ((i * 31 + i / 4093) & 0xff);
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, &error));
  g_assert_no_error (error);
  if (bytes_out)
    *bytes_out = g_bytes_new (data, len);
  return path;
}

/* GLib's SHA-256 (not OpenSSL's): an independent reference. */
static char *
glib_sha256 (const guint8 *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

/* ------------------------------------------------------------------------------------ hex */

static void
test_hex (void)
{
  static const guint8 bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
  guint8 out[6] = { 0 };
  guint8 small[2] = { 0 };
  g_autofree char *hex = pd_hex_encode (bytes, sizeof bytes);
  g_autofree char *empty = pd_hex_encode (bytes, 0);

  g_assert_cmpstr (hex, ==, "00017f80abff");
  g_assert_cmpstr (empty, ==, "");
  g_assert_true (pd_hex_decode (hex, out, sizeof out));
  g_assert_cmpmem (out, sizeof out, bytes, sizeof bytes);
  /* Upper case is read too; the length must be exact; anything but hex digits is refused. */
  g_assert_true (pd_hex_decode ("ABFF", small, 2));
  g_assert_cmpuint (small[0], ==, 0xab);
  g_assert_cmpuint (small[1], ==, 0xff);
  g_assert_false (pd_hex_decode ("abf", small, 2));
  g_assert_false (pd_hex_decode ("abffab", small, 2));
  g_assert_false (pd_hex_decode ("abgf", small, 2));
  g_assert_false (pd_hex_decode ("ab f", small, 2));
  g_assert_false (pd_hex_decode (NULL, small, 2));
}

/* ------------------------------------------------------------------------------------ sha256 */

static void
test_sha256_vectors (void)
{
  const char *msg448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  g_autofree char *empty = pd_sha256_bytes ((const guint8 *) "", 0);
  g_autofree char *abc = pd_sha256_bytes ((const guint8 *) "abc", 3);
  g_autofree char *v448 = pd_sha256_bytes ((const guint8 *) msg448, strlen (msg448));

  g_assert_cmpstr (empty, ==, SHA256_EMPTY);
  g_assert_cmpstr (abc, ==, SHA256_ABC);
  g_assert_cmpstr (v448, ==, SHA256_448);
  g_assert_cmpuint (strlen (abc), ==, PD_SHA256_HEX_LEN);
}

/* A million 'a' (the NIST long vector) and a file across several 1 MiB read buffers. */
static void
test_sha256_file (Fixture *f, gconstpointer data)
{
  g_autofree char *million = g_strnfill (1000000, 'a');
  g_autofree char *path_a = g_build_filename (f->dir, "million-a", NULL);
  g_autofree char *path_empty = g_build_filename (f->dir, "empty", NULL);
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *path_big = write_pattern_file (f, "big", (3 << 20) + 12345, &bytes);
  g_autofree char *digest_a = NULL, *digest_empty = NULL, *digest_big = NULL, *want = NULL;
  g_autoptr (GError) error = NULL;
  guint64 size = 0;

  g_assert_true (g_file_set_contents (path_a, million, 1000000, NULL));
  digest_a = pd_sha256_file (path_a, &size, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (digest_a, ==, SHA256_MILLION_A);
  g_assert_cmpuint (size, ==, 1000000);

  g_assert_true (g_file_set_contents (path_empty, "", 0, NULL));
  digest_empty = pd_sha256_file (path_empty, &size, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (digest_empty, ==, SHA256_EMPTY);
  g_assert_cmpuint (size, ==, 0);

  digest_big = pd_sha256_file (path_big, &size, NULL, &error);
  g_assert_no_error (error);
  want = glib_sha256 (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_assert_cmpstr (digest_big, ==, want);
  g_assert_cmpuint (size, ==, g_bytes_get_size (bytes));
}

/* The digest of each prefix equals the digest of that many bytes; past the end: NULL. */
static void
test_sha256_prefixes (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) bytes = NULL;
  gsize len = (2 << 20) + 777;
  g_autofree char *path = write_pattern_file (f, "prefixes", len, &bytes);
  const guint8 *raw = g_bytes_get_data (bytes, NULL);
  const guint64 offsets[] = { 0, 1, 4096, 1 << 20, (1 << 20) + 1, len, len + 1 };
  g_auto (GStrv) prefixes = NULL;
  g_autofree char *whole = NULL, *want_whole = NULL;
  g_autoptr (GError) error = NULL;
  guint64 size = 0;

  whole = pd_sha256_file_prefixes (path, offsets, G_N_ELEMENTS (offsets), &prefixes, &size, NULL,
                                   &error);
  g_assert_no_error (error);
  want_whole = glib_sha256 (raw, len);
  g_assert_cmpstr (whole, ==, want_whole);
  g_assert_cmpuint (size, ==, len);
  g_assert_nonnull (prefixes);
  for (guint i = 0; i + 1 < G_N_ELEMENTS (offsets); i++)
    {
      g_autofree char *want = glib_sha256 (raw, (gsize) offsets[i]);
      g_assert_cmpstr (prefixes[i], ==, want);
    }
  g_assert_null (prefixes[G_N_ELEMENTS (offsets) - 1]);
}

static void
test_sha256_file_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->dir, "missing", NULL);
  g_autofree char *path = write_pattern_file (f, "some", 100000, NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *digest = NULL;
  guint64 size = 42;

  digest = pd_sha256_file (missing, &size, NULL, &error);
  g_assert_null (digest);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_cmpuint (size, ==, 42);
  g_clear_error (&error);

  /* A folder opens but cannot be read. */
  digest = pd_sha256_file (f->dir, NULL, NULL, &error);
  g_assert_null (digest);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  g_clear_error (&error);

  /* A FIFO (nobody writing) is refused at once instead of blocking the open. */
  {
    g_autofree char *fifo = g_build_filename (f->dir, "fifo", NULL);
    gint64 t0 = g_get_monotonic_time ();

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    digest = pd_sha256_file (fifo, &size, NULL, &error);
    g_assert_null (digest);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
    g_assert_nonnull (strstr (error->message, fifo));
    g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
    g_clear_error (&error);
  }

  g_cancellable_cancel (cancellable);
  digest = pd_sha256_file (path, &size, cancellable, &error);
  g_assert_null (digest);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (size, ==, 42);
}

/* ------------------------------------------------------------------------------------ time */

static void
test_time (void)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_offset (8 * 3600);
  g_autoptr (GDateTime) local = g_date_time_new (tz, 2026, 11, 28, 4, 42, 25.1234);
  g_autofree char *text = pd_time_format_utc (local);
  g_autoptr (GDateTime) parsed = pd_time_parse (text);
  g_autoptr (GDateTime) from_usec = pd_time_from_unix_usec (G_GINT64_CONSTANT (1700000000123456));
  g_autofree char *usec_text = NULL;
  g_autofree char *t0 = pd_format_stream_time (0);
  g_autofree char *t1 = pd_format_stream_time (G_GUINT64_CONSTANT (3723999999999));
  g_autofree char *t2 = pd_format_stream_time (G_GUINT64_CONSTANT (100) * 3600 * 1000000000);

  /* Written in UTC with milliseconds, whatever the zone of the input. */
  g_assert_cmpstr (text, ==, "2026-11-27T20:42:25.123Z");
  g_assert_nonnull (parsed);
  g_assert_cmpint (g_date_time_to_unix (parsed), ==, g_date_time_to_unix (local));
  g_assert_cmpint (g_date_time_get_microsecond (parsed), ==, 123000);
  g_assert_null (pd_time_parse (NULL));
  g_assert_null (pd_time_parse ("yesterday"));

  g_assert_cmpint (g_date_time_to_unix (from_usec), ==, 1700000000);
  g_assert_cmpint (g_date_time_get_microsecond (from_usec), ==, 123456);
  g_assert_cmpint (g_date_time_get_utc_offset (from_usec), ==, 0);
  usec_text = pd_time_format_utc (from_usec);
  g_assert_cmpstr (usec_text, ==, "2023-11-14T22:13:20.123Z");

  g_assert_cmpstr (t0, ==, "00:00:00");
  g_assert_cmpstr (t1, ==, "01:02:03");
  g_assert_cmpstr (t2, ==, "100:00:00");
}

/* ------------------------------------------------------------------------------------ names */

static void
test_safe_component (void)
{
  static const struct
  {
    const char *in, *want;
  } cases[] = {
    { "Case 12", "Case-12" },
    { "a/b\\c:d", "a_b_c_d" },
    { "../../etc", "_.._etc" },
    { "...hidden", "hidden" },
    { "tab\there", "tab_here" },
    { "evil\xe2\x80\xaegnp.exe", "evil_gnp.exe" }, /* U+202E RIGHT-TO-LEFT OVERRIDE */
    { "zero\xe2\x80\x8bwidth", "zero_width" },     /* U+200B, a format character */
    { "合同纠纷", "合同纠纷" },
    { "", "fallback" },
    { "...", "fallback" },
    { "bad\xff utf8", "fallback" },
    { NULL, "fallback" },
  };
  g_autofree char *long_name = g_strnfill (500, 'x');
  g_autofree char *cut = pd_safe_component (long_name, "fallback");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = pd_safe_component (cases[i].in, "fallback");
      g_assert_cmpstr (out, ==, cases[i].want);
    }
  g_assert_cmpuint (strlen (cut), ==, 120);
}

/* ------------------------------------------------------------------------------------ files */

static void
test_write_once (Fixture *f, gconstpointer data)
{
  g_autofree char *sub = g_build_filename (f->dir, "a", "b", "c", NULL);
  g_autofree char *path = g_build_filename (sub, "evidence.bin", NULL);
  g_autofree char *link = g_build_filename (sub, "link", NULL);
  g_autofree char *target = g_build_filename (f->dir, "target", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  GStatBuf st;
  gsize len = 0;

  g_assert_true (pd_mkdir_private (sub, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (sub, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  g_assert_true (pd_write_file_once (path, "first", 5, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Never replaced: the second write fails and the first contents stay. */
  g_assert_false (pd_write_file_once (path, "second", 6, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, "first", 5);

  /* A symlink planted at the name is not followed. */
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_assert_false (pd_write_file_once (link, "x", 1, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));

  /* A folder that does not exist is an I/O error, not "exists". */
  g_clear_pointer (&path, g_free);
  path = g_build_filename (f->dir, "nowhere", "file", NULL);
  g_assert_false (pd_write_file_once (path, "x", 1, &error));
  g_assert_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO);
}

static void
test_data_dir (Fixture *f, gconstpointer data)
{
  g_autofree char *saved_data = g_strdup (g_getenv ("PROOFDESK_DATA_DIR"));
  g_autofree char *saved_tsa = g_strdup (g_getenv ("PROOFDESK_TSA_URL"));
  g_autofree char *dir = NULL, *root = NULL, *want_root = NULL, *tsa = NULL;

  g_setenv ("PROOFDESK_DATA_DIR", f->dir, TRUE);
  dir = pd_data_dir ();
  root = pd_default_evidence_root ();
  want_root = g_build_filename (f->dir, "evidence", NULL);
  g_assert_cmpstr (dir, ==, f->dir);
  g_assert_cmpstr (root, ==, want_root);

  g_setenv ("PROOFDESK_TSA_URL", "http://127.0.0.1:1/tsa", TRUE);
  tsa = pd_config_get_tsa_url ();
  g_assert_cmpstr (tsa, ==, "http://127.0.0.1:1/tsa");

  if (saved_data)
    g_setenv ("PROOFDESK_DATA_DIR", saved_data, TRUE);
  else
    g_unsetenv ("PROOFDESK_DATA_DIR");
  if (saved_tsa)
    g_setenv ("PROOFDESK_TSA_URL", saved_tsa, TRUE);
  else
    g_unsetenv ("PROOFDESK_TSA_URL");
}

/* ------------------------------------------------------------------------------------ json */

static void
test_json_accessors (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *o;

  json_parser_load_from_data (parser,
                              "{ \"s\": \"text\", \"n\": 5, \"o\": { \"k\": \"v\" }, "
                              "\"a\": [1, 2], \"z\": null }", -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));

  g_assert_cmpstr (pd_json_string (o, "s"), ==, "text");
  g_assert_null (pd_json_string (o, "n"));
  g_assert_null (pd_json_string (o, "o"));
  g_assert_null (pd_json_string (o, "z"));
  g_assert_null (pd_json_string (o, "missing"));
  g_assert_null (pd_json_string (NULL, "s"));

  g_assert_nonnull (pd_json_object (o, "o"));
  g_assert_cmpstr (pd_json_string (pd_json_object (o, "o"), "k"), ==, "v");
  g_assert_null (pd_json_object (o, "a"));
  g_assert_null (pd_json_object (o, "s"));
  g_assert_null (pd_json_object (NULL, "o"));

  g_assert_nonnull (pd_json_array (o, "a"));
  g_assert_cmpuint (json_array_get_length (pd_json_array (o, "a")), ==, 2);
  g_assert_null (pd_json_array (o, "o"));
  g_assert_null (pd_json_array (o, "z"));
}

/* ---------------------------------------------------------------------- terminal text */

static void
test_sanitize_terminal (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "plain café 案件", "plain café 案件" },
    { "\033[2J\033[31mX", "\\x1b[2J\\x1b[31mX" },
    { "a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd" },
    { "del\177", "del\\x7f" },
    { "c1 \302\233[0m", "c1 \\u009b[0m" },               /* U+009B, the 8-bit CSI */
    { "rtl \342\200\256txt.exe", "rtl \\u202etxt.exe" },   /* U+202E */
    { "iso \342\201\246x\342\201\251", "iso \\u2066x\\u2069" },
    { "bad \377\233 end", "bad \\xff\\x9b end" },       /* not UTF-8: raw CSI byte */
    { "cut \344\270", "cut \\xe4\\xb8" },               /* a character cut short */
    { "back\\x1b", "back\\\\x1b" },                      /* an escape cannot be forged */
    { "", "" },
  };
  g_autofree char *null_text = pd_text_sanitize_terminal (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = pd_text_sanitize_terminal (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
      g_assert_true (g_utf8_validate (out, -1, NULL));
      for (const char *p = out; *p; p++)
        g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);
    }
  g_assert_cmpstr (null_text, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/util/hex", test_hex);
  g_test_add_func ("/core/util/sha256-vectors", test_sha256_vectors);
  g_test_add ("/core/util/sha256-file", Fixture, NULL, fixture_set_up, test_sha256_file,
              fixture_tear_down);
  g_test_add ("/core/util/sha256-prefixes", Fixture, NULL, fixture_set_up, test_sha256_prefixes,
              fixture_tear_down);
  g_test_add ("/core/util/sha256-file-errors", Fixture, NULL, fixture_set_up,
              test_sha256_file_errors, fixture_tear_down);
  g_test_add_func ("/core/util/time", test_time);
  g_test_add_func ("/core/util/safe-component", test_safe_component);
  g_test_add ("/core/util/write-once", Fixture, NULL, fixture_set_up, test_write_once,
              fixture_tear_down);
  g_test_add ("/core/util/data-dir", Fixture, NULL, fixture_set_up, test_data_dir,
              fixture_tear_down);
  g_test_add_func ("/core/util/json-accessors", test_json_accessors);
  g_test_add_func ("/core/util/sanitize-terminal", test_sanitize_terminal);

  return g_test_run ();
}
