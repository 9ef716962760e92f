/* hostile-corpus-files.c — corpus cases on the files themselves and the manifest's bytes:
 * FIFOs, devices, symbolic links, sparse giants, deep and long paths, names that leave the
 * package, terminal escapes, and JSON built to break a parser. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "evidence/pd-package.h"
#include "report/pd-certificate.h"
#include "util/pd-util.h"
#include "hostile-corpus.h"

#define TOKEN2 "checkpoints/000002.tsr"

/* ------------------------------------------------------------------------------------------ */
/* Special files                                                                              */

static void
remove_file (Case *c, const char *rel)
{
  g_autofree char *path = case_path (c, rel);

  g_assert_cmpint (g_unlink (path), ==, 0);
}

static gboolean
fifo_in_place (Case *c, const char *rel)
{
  g_autofree char *path = case_path (c, rel);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    remove_file (c, rel);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  return TRUE;
}

static gboolean fifo_token (Case *c) { return fifo_in_place (c, TOKEN2); }
static gboolean fifo_manifest_token (Case *c) { return fifo_in_place (c, PD_MANIFEST_TOKEN_NAME); }
static gboolean fifo_recording (Case *c) { return fifo_in_place (c, PD_RECORDING_NAME); }
static gboolean fifo_manifest (Case *c) { return fifo_in_place (c, PD_MANIFEST_NAME); }
static gboolean fifo_journal (Case *c) { return fifo_in_place (c, PD_JOURNAL_NAME); }
static gboolean fifo_certificate (Case *c) { return fifo_in_place (c, PD_CERTIFICATE_NAME); }
static gboolean fifo_unlisted (Case *c) { return fifo_in_place (c, "checkpoints/pipe"); }

/* A character device (as /dev/null is: 1, 3) where a file should be; needs CAP_MKNOD. */
static gboolean
device_in_place (Case *c, const char *rel, unsigned minor)
{
  g_autofree char *path = case_path (c, rel);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    remove_file (c, rel);
  if (mknod (path, S_IFCHR | 0600, makedev (1, minor)) != 0)
    {
      g_autofree char *why = g_strdup_printf ("mknod: %s (needs root with CAP_MKNOD)",
                                              g_strerror (errno));
      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
}

static gboolean device_token (Case *c) { return device_in_place (c, TOKEN2, 3); }
static gboolean device_recording (Case *c) { return device_in_place (c, PD_RECORDING_NAME, 5); }
static gboolean device_unlisted (Case *c) { return device_in_place (c, "zero", 5); }

/* The file moved out of the package and a symbolic link to it left in its place: the bytes are
 * the same, the file is not in the package. */
static gboolean
symlink_in_place (Case *c, const char *rel)
{
  g_autofree char *path = case_path (c, rel);
  g_autofree char *outside = g_strdup_printf ("%s-outside-%s", c->dir, strrchr (path, '/') + 1);

  g_assert_cmpint (g_rename (path, outside), ==, 0);
  g_assert_cmpint (symlink (outside, path), ==, 0);
  return TRUE;
}

static gboolean symlink_token (Case *c) { return symlink_in_place (c, TOKEN2); }
static gboolean symlink_recording (Case *c) { return symlink_in_place (c, PD_RECORDING_NAME); }
static gboolean symlink_manifest (Case *c) { return symlink_in_place (c, PD_MANIFEST_NAME); }
static gboolean symlink_certificate (Case *c) { return symlink_in_place (c, PD_CERTIFICATE_NAME); }
static gboolean symlink_journal (Case *c) { return symlink_in_place (c, PD_JOURNAL_NAME); }
static gboolean symlink_checkpoints (Case *c) { return symlink_in_place (c, "checkpoints"); }

static gboolean
symlink_unlisted (Case *c)
{
  g_autofree char *path = case_path (c, "passwd");

  g_assert_cmpint (symlink ("/etc/passwd", path), ==, 0);
  return TRUE;
}

/* A 1 TiB sparse file (no blocks on disk). */
static void
sparse (Case *c, const char *rel)
{
  g_autofree char *path = case_path (c, rel);
  int fd;

  g_unlink (path);
  fd = open (path, O_WRONLY | O_CREAT, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 1 << 40), ==, 0);
  close (fd);
}

/* Listed in files[] with 16 bytes, 1 TiB on disk: the size must be compared before hashing. */
static gboolean
sparse_listed (Case *c)
{
  JsonObject *e = json_object_new ();
  g_autofree char *hex = pd_sha256_bytes ((const guint8 *) "0123456789abcdef", 16);

  json_object_set_string_member (e, "name", "padding.bin");
  json_object_set_int_member (e, "size", 16);
  json_object_set_string_member (e, "sha256", hex);
  json_array_add_object_element (pd_json_array (c->manifest, "files"), e);
  sparse (c, "padding.bin");
  case_seal (c, 0);
  return TRUE;
}

static gboolean sparse_recording (Case *c) { sparse (c, PD_RECORDING_NAME); return TRUE; }
static gboolean sparse_token (Case *c) { sparse (c, TOKEN2); return TRUE; }
static gboolean sparse_journal (Case *c) { sparse (c, PD_JOURNAL_NAME); return TRUE; }
static gboolean sparse_certificate (Case *c) { sparse (c, PD_CERTIFICATE_NAME); return TRUE; }
static gboolean sparse_unlisted (Case *c) { sparse (c, "big.bin"); return TRUE; }

/* An unlisted file `levels` folders down, each folder name `width` bytes long, made with
 * mkdirat/openat so that the whole path may exceed PATH_MAX. */
static void
deep_file (Case *c, guint levels, guint width)
{
  g_autofree char *name = g_strnfill (width, 'd');
  int fd = open (c->dir, O_RDONLY | O_DIRECTORY);

  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < levels; i++)
    {
      int next;

      g_assert_cmpint (mkdirat (fd, name, 0700), ==, 0);
      next = openat (fd, name, O_RDONLY | O_DIRECTORY);
      g_assert_cmpint (next, >=, 0);
      close (fd);
      fd = next;
    }
  {
    int f = openat (fd, "hidden.txt", O_WRONLY | O_CREAT, 0600);
    g_assert_cmpint (f, >=, 0);
    g_assert_cmpint (write (f, "x", 1), ==, 1);
    close (f);
  }
  close (fd);
}

static gboolean deep_40 (Case *c) { deep_file (c, 40, 1); return TRUE; }
static gboolean deep_17 (Case *c) { deep_file (c, 17, 8); return TRUE; }
static gboolean long_path (Case *c) { deep_file (c, 22, 200); return TRUE; }

/* ------------------------------------------------------------------------------------------ */
/* Names                                                                                      */

static gboolean
listed_name (Case *c, const char *name)
{
  JsonObject *e = json_object_new ();

  json_object_set_string_member (e, "name", name);
  json_object_set_int_member (e, "size", 4);
  json_object_set_string_member (e, "sha256",
                                 "4444444444444444444444444444444444444444444444444444444444444444");
  json_array_add_object_element (pd_json_array (c->manifest, "files"), e);
  case_seal (c, 0);
  return TRUE;
}

static gboolean name_dotdot (Case *c) { return listed_name (c, "../outside.txt"); }
static gboolean name_absolute (Case *c) { return listed_name (c, "/etc/passwd"); }
static gboolean name_inner_dotdot (Case *c) { return listed_name (c, "checkpoints/../../x"); }
static gboolean name_control (Case *c) { return listed_name (c, "a\001b"); }
static gboolean name_backslash (Case *c) { return listed_name (c, "..\\..\\x"); }
static gboolean name_empty (Case *c) { return listed_name (c, ""); }
static gboolean name_escape (Case *c) { return listed_name (c, "\033]0;owned\007\033[2J.txt"); }
static gboolean name_twice (Case *c) { return listed_name (c, PD_JOURNAL_NAME); }

static gboolean
checkpoint_token_dotdot (Case *c)
{
  json_object_set_string_member (case_checkpoint (c, 2), "token", "../../000002.tsr");
  case_seal (c, 0);
  return TRUE;
}

static gboolean
recording_absolute (Case *c)
{
  json_object_set_string_member (pd_json_object (c->manifest, "recording"), "name", "/dev/zero");
  case_seal (c, 0);
  return TRUE;
}

static gboolean
recording_token_dotdot (Case *c)
{
  json_object_set_string_member (pd_json_object (c->manifest, "recording"), "token",
                                 "../recording.mp4.tsr");
  case_seal (c, 0);
  return TRUE;
}

/* Terminal escapes in strings a front end prints: data, not a reason to fail, and never sent
 * to the terminal raw. */
static gboolean
escapes (Case *c, JsonObject *o, const char *key)
{
  json_object_set_string_member (o, key, "\033[2J\033[31mFORGED\033[0m \033]0;title\007 \302\233" "1m");
  case_seal (c, 0);
  return TRUE;
}

static gboolean escapes_case (Case *c) { return escapes (c, c->manifest, "case"); }
static gboolean escapes_operator (Case *c) { return escapes (c, c->manifest, "operator"); }
static gboolean escapes_scenario (Case *c) { return escapes (c, c->manifest, "scenario"); }
static gboolean escapes_host (Case *c) { return escapes (c, c->manifest, "host"); }
static gboolean
escapes_authority (Case *c)
{
  return escapes (c, pd_json_object (pd_json_object (c->manifest, "timestamps"), "authority"), "name");
}

static gboolean
escapes_unlisted (Case *c)
{
  case_write (c, "\033[2Jx\033]0;t\007", "x", 1);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON                                                                                       */

static gboolean
raw (Case *c, GString *s)
{
  case_seal_raw (c, s->str, s->len, 0);
  g_string_free (s, TRUE);
  return TRUE;
}

static GString *
nested (guint depth, const char *open, const char *middle, const char *close)
{
  GString *s = g_string_sized_new (depth * (strlen (open) + strlen (close)));

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, middle);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, close);
  return s;
}

/* The genuine manifest with `member` (raw JSON text) added as its first member. */
static GString *
with_member (Case *c, const char *member)
{
  g_autofree char *json = case_manifest_json (c);
  GString *s = g_string_new ("{ ");

  g_string_append (s, member);
  g_string_append (s, ", ");
  g_string_append (s, strchr (json, '{') + 1);
  return s;
}

/* The genuine manifest with its first `needle` replaced by `with`. */
static GString *
replaced (Case *c, const char *needle, const char *with)
{
  g_autofree char *json = case_manifest_json (c);
  char *at = strstr (json, needle);
  GString *s = g_string_new (NULL);

  g_assert_nonnull (at);
  g_string_append_len (s, json, at - json);
  g_string_append (s, with);
  g_string_append (s, at + strlen (needle));
  return s;
}

static gboolean deep_arrays (Case *c) { return raw (c, nested (100000, "[", "", "]")); }
static gboolean deep_objects (Case *c) { return raw (c, nested (100000, "{\"a\":", "0", "}")); }
static gboolean
deep_inside (Case *c)
{
  GString *deep = nested (100000, "[", "", "]");
  GString *s;

  g_string_prepend (deep, "\"deep\": ");
  s = with_member (c, deep->str);
  g_string_free (deep, TRUE);
  return raw (c, s);
}
static gboolean
depth_65 (Case *c)
{
  GString *deep = nested (65, "[", "", "]");
  GString *s;

  g_string_prepend (deep, "\"deep\": ");
  s = with_member (c, deep->str);
  g_string_free (deep, TRUE);
  return raw (c, s);
}
static gboolean dup_state (Case *c) { return raw (c, with_member (c, "\"state\": \"stamped\"")); }
static gboolean dup_escaped (Case *c) { return raw (c, with_member (c, "\"\\u0073tate\": \"stamped\"")); }
static gboolean
dup_recording_sha (Case *c)
{
  return raw (c, replaced (c, "\"sha256\"", "\"sha256\" : \"5555555555555555555555555555555555555555555555555555555555555555\",\n    \"sha256\""));
}
static gboolean nul_in_string (Case *c) { GString *s = with_member (c, "\"note\": \"a_b\""); *strchr (s->str, '_') = '\0'; return raw (c, s); }
static gboolean invalid_utf8 (Case *c) { return raw (c, replaced (c, "\"operator\" : \"", "\"operator\" : \"\xff\xfe\xc0\xaf")); }
static gboolean lone_surrogate (Case *c) { return raw (c, replaced (c, "\"operator\" : \"", "\"operator\" : \"\\ud800")); }
static gboolean truncated (Case *c) { GString *s = replaced (c, "{", "{"); g_string_truncate (s, s->len / 2); return raw (c, s); }
static gboolean empty (Case *c) { return raw (c, g_string_new ("")); }
static gboolean root_array (Case *c) { GString *s = replaced (c, "{", "[{"); g_string_append (s, "]"); return raw (c, s); }
static gboolean trailing (Case *c) { GString *s = replaced (c, "{", "{"); g_string_append (s, "\n{}"); return raw (c, s); }
static gboolean bom (Case *c) { GString *s = replaced (c, "{", "{"); g_string_prepend (s, "\xef\xbb\xbf"); return raw (c, s); }

static gboolean
huge (Case *c)
{
  GString *pad = g_string_new ("\"padding\": \"");
  GString *s;

  for (guint i = 0; i < 20 * 1024 * 1024 / 64; i++)
    g_string_append (pad, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  g_string_append_c (pad, '"');
  s = with_member (c, pad->str);
  g_string_free (pad, TRUE);
  return raw (c, s);
}

/* `count` copies of `item` as the array `member`, replacing the manifest's own. */
static gboolean
many (Case *c, const char *member, const char *item, guint count)
{
  GString *s = g_string_new (NULL);

  json_object_remove_member (c->manifest, member);
  g_string_append_printf (s, "\"%s\": [", member);
  for (guint i = 0; i < count; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "", item);
  g_string_append_c (s, ']');
  {
    GString *all = with_member (c, s->str);
    g_string_free (s, TRUE);
    return raw (c, all);
  }
}

static gboolean
number_in (Case *c, const char *member)
{
  json_array_add_int_element (pd_json_array (c->manifest, member), 0);
  case_seal (c, 0);
  return TRUE;
}

static gboolean number_in_files (Case *c) { return number_in (c, "files"); }
static gboolean number_in_checkpoints (Case *c) { return number_in (c, "checkpoints"); }
static gboolean files_million (Case *c) { return many (c, "files", "{}", 1000000); }
static gboolean checkpoints_million (Case *c) { return many (c, "checkpoints", "0", 1000000); }

static gboolean
typed (Case *c, JsonObject *o, const char *key, const char *json_value)
{
  g_autoptr (JsonNode) node = json_from_string (json_value, NULL);

  g_assert_nonnull (node);
  json_object_set_member (o, key, g_steal_pointer (&node));
  case_seal (c, 0);
  return TRUE;
}

static JsonObject *
first_file (Case *c)
{
  return json_array_get_object_element (pd_json_array (c->manifest, "files"), 0);
}

static gboolean number_format (Case *c) { return typed (c, c->manifest, "format", "1"); }
static gboolean number_version (Case *c) { return typed (c, c->manifest, "format_version", "\"1\""); }
static gboolean number_recording_name (Case *c) { return typed (c, pd_json_object (c->manifest, "recording"), "name", "7"); }
static gboolean number_file_name (Case *c) { return typed (c, first_file (c), "name", "3"); }
static gboolean number_checkpoint_sha (Case *c) { return typed (c, case_checkpoint (c, 2), "sha256", "12"); }
static gboolean string_files (Case *c) { return typed (c, c->manifest, "files", "\"all of them\""); }
static gboolean float_size (Case *c) { return typed (c, first_file (c), "size", "1728.5"); }
static gboolean negative_size (Case *c) { return typed (c, first_file (c), "size", "-1"); }
static gboolean huge_size (Case *c) { return typed (c, first_file (c), "size", "99999999999999999999999"); }
static gboolean recording_array (Case *c) { return typed (c, c->manifest, "recording", "[]"); }

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                  */

#define HOSTILE(nm, fn, id, subj, ...) ROW ("hostile", nm, fn, INVALID, id, FAILED, .subject = subj, __VA_ARGS__)
#define JSON(nm, fn, id, ...) ROW ("json", nm, fn, INVALID, id, FAILED, __VA_ARGS__)

const CorpusRow corpus_files_rows[] = {
  HOSTILE ("fifo-checkpoint-token", fifo_token, "token.present", TOKEN2),
  HOSTILE ("fifo-manifest-token", fifo_manifest_token, "token.present", PD_MANIFEST_TOKEN_NAME),
  HOSTILE ("fifo-recording", fifo_recording, "recording.present", PD_RECORDING_NAME),
  ROW ("hostile", "fifo-manifest", fifo_manifest, ERROR, NULL, FAILED, .error_text = "regular file"),
  HOSTILE ("fifo-journal", fifo_journal, "file.name", PD_JOURNAL_NAME, .alt_id = "journal.consistency"),
  HOSTILE ("fifo-certificate", fifo_certificate, "certificate.tokens", PD_CERTIFICATE_NAME,
           .alt_id = "certificate.present"),
  HOSTILE ("fifo-unlisted", fifo_unlisted, "package.extra-file", "checkpoints/pipe"),
  HOSTILE ("device-checkpoint-token", device_token, "token.present", TOKEN2),
  HOSTILE ("device-recording", device_recording, "recording.present", PD_RECORDING_NAME),
  HOSTILE ("device-unlisted", device_unlisted, "package.extra-file", "zero"),
  HOSTILE ("symlink-checkpoint-token", symlink_token, "package.symlink", TOKEN2),
  HOSTILE ("symlink-recording", symlink_recording, "package.symlink", PD_RECORDING_NAME),
  ROW ("hostile", "symlink-manifest", symlink_manifest, ERROR, NULL, FAILED, .error_text = "manifest.json"),
  HOSTILE ("symlink-certificate", symlink_certificate, "package.symlink", PD_CERTIFICATE_NAME),
  HOSTILE ("symlink-journal", symlink_journal, "package.symlink", PD_JOURNAL_NAME),
  HOSTILE ("symlink-checkpoints-folder", symlink_checkpoints, "package.symlink", "checkpoints"),
  HOSTILE ("symlink-unlisted", symlink_unlisted, "package.symlink", "passwd"),
  HOSTILE ("sparse-1tib-listed-small", sparse_listed, "file.content", "padding.bin"),
  HOSTILE ("sparse-1tib-recording", sparse_recording, "recording.size", PD_RECORDING_NAME,
           .alt_id = "file.content"),
  HOSTILE ("sparse-1tib-checkpoint-token", sparse_token, "file.content", TOKEN2, .alt_id = "token.present"),
  HOSTILE ("sparse-1tib-journal", sparse_journal, "file.content", PD_JOURNAL_NAME),
  HOSTILE ("sparse-1tib-certificate", sparse_certificate, "certificate.present", PD_CERTIFICATE_NAME),
  HOSTILE ("sparse-1tib-unlisted", sparse_unlisted, "package.extra-file", "big.bin"),
  HOSTILE ("unlisted-40-deep", deep_40, "package.extra-file", NULL),
  HOSTILE ("unlisted-17-deep", deep_17, "package.extra-file", NULL),
  HOSTILE ("unlisted-path-over-4096", long_path, "package.extra-file", NULL),
  HOSTILE ("name-dotdot", name_dotdot, "file.name", "../outside.txt"),
  HOSTILE ("name-absolute", name_absolute, "file.name", "/etc/passwd"),
  HOSTILE ("name-inner-dotdot", name_inner_dotdot, "file.name", "checkpoints/../../x"),
  HOSTILE ("name-control-char", name_control, "file.name", NULL),
  HOSTILE ("name-backslash", name_backslash, "file.name", NULL),
  HOSTILE ("name-empty", name_empty, "file.name", NULL, .alt_id = "manifest.file-entry"),
  HOSTILE ("name-listed-twice", name_twice, "file.name", PD_JOURNAL_NAME),
  HOSTILE ("name-escapes", name_escape, "file.name", NULL, .cli = TRUE),
  HOSTILE ("checkpoint-token-dotdot", checkpoint_token_dotdot, "file.name", "../../000002.tsr"),
  HOSTILE ("recording-absolute", recording_absolute, "file.name", "/dev/zero"),
  HOSTILE ("recording-token-dotdot", recording_token_dotdot, "file.name", "../recording.mp4.tsr"),
  ROW ("hostile", "escapes-case", escapes_case, VALID, "manifest.format", PASSED, .cli = TRUE),
  ROW ("hostile", "escapes-operator", escapes_operator, VALID, "manifest.format", PASSED, .cli = TRUE),
  ROW ("hostile", "escapes-scenario", escapes_scenario, VALID, "manifest.format", PASSED, .cli = TRUE),
  ROW ("hostile", "escapes-host", escapes_host, VALID, "manifest.format", PASSED, .cli = TRUE),
  ROW ("hostile", "escapes-authority-name", escapes_authority, VALID, "package.authority", INFO, .cli = TRUE),
  HOSTILE ("escapes-unlisted-name", escapes_unlisted, "package.extra-file", NULL, .cli = TRUE),

  JSON ("deep-arrays-100k", deep_arrays, "manifest.parse"),
  JSON ("deep-objects-100k", deep_objects, "manifest.parse"),
  JSON ("deep-member-100k", deep_inside, "manifest.parse"),
  JSON ("depth-65", depth_65, "manifest.parse"),
  JSON ("duplicate-state", dup_state, "manifest.parse"),
  JSON ("duplicate-escaped-key", dup_escaped, "manifest.parse"),
  JSON ("duplicate-sha256", dup_recording_sha, "manifest.parse"),
  JSON ("nul-in-string", nul_in_string, "manifest.parse"),
  JSON ("invalid-utf8", invalid_utf8, "manifest.parse"),
  JSON ("lone-surrogate", lone_surrogate, "manifest.parse"),
  JSON ("truncated", truncated, "manifest.parse"),
  JSON ("empty", empty, "manifest.parse"),
  JSON ("root-array", root_array, "manifest.parse"),
  JSON ("trailing-document", trailing, "manifest.parse"),
  /* RFC 8259 lets a parser ignore a byte-order mark; the stamped bytes mean the same. */
  ROW ("json", "byte-order-mark", bom, VALID, "manifest.format", PASSED),
  ROW ("json", "manifest-20mib", huge, ERROR, NULL, FAILED, .error_text = "manifest.json"),
  JSON ("files-1e6-entries", files_million, "manifest.files"),
  JSON ("checkpoints-1e6-entries", checkpoints_million, "checkpoint.entry"),
  JSON ("number-in-files", number_in_files, "manifest.file-entry"),
  JSON ("number-in-checkpoints", number_in_checkpoints, "checkpoint.entry"),
  JSON ("number-as-format", number_format, "manifest.format"),
  JSON ("string-as-version", number_version, "manifest.format"),
  JSON ("number-as-recording-name", number_recording_name, "manifest.recording"),
  JSON ("array-as-recording", recording_array, "manifest.recording"),
  JSON ("number-as-file-name", number_file_name, "manifest.file-entry"),
  JSON ("number-as-checkpoint-sha256", number_checkpoint_sha, "checkpoint.entry"),
  JSON ("string-as-files", string_files, "manifest.files"),
  JSON ("fractional-size", float_size, "manifest.file-entry"),
  JSON ("negative-size", negative_size, "manifest.file-entry"),
  JSON ("size-beyond-int64", huge_size, "manifest.file-entry"),
};
const guint corpus_files_n_rows = G_N_ELEMENTS (corpus_files_rows);
