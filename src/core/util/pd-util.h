/* pd-util.h — small helpers shared across libproofdesk: hex, hashing files, time, safe writes. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define PD_SHA256_LEN 32
#define PD_SHA256_HEX_LEN 64

char      *pd_hex_encode          (const guint8 *data, gsize len);
gboolean   pd_hex_decode          (const char *hex, guint8 *out, gsize out_len);

/* SHA-256 of a whole file (OpenSSL EVP, streamed), as lowercase hex. */
char      *pd_sha256_file         (const char *path, guint64 *size_out, GCancellable *cancellable,
                                   GError **error);
char      *pd_sha256_bytes        (const guint8 *data, gsize len);
/* One read pass: the SHA-256 of the whole file and of each prefix [0, offsets[i]) (offsets
 * ascending). prefix_out[i] is NULL for an offset past the end. Free with g_strfreev. */
char      *pd_sha256_file_prefixes (const char *path, const guint64 *offsets, guint n_offsets,
                                    char ***prefix_out, guint64 *size_out,
                                    GCancellable *cancellable, GError **error);

/* The same from an open descriptor (read from where it stands to its end); `name` is for
 * errors. pd_sha256_file{,_prefixes} open without blocking and refuse anything but a regular
 * file (G_IO_ERROR_NOT_REGULAR_FILE), so a FIFO in place of a file cannot hang them. */
char      *pd_sha256_fd           (int fd, const char *name, guint64 *size_out,
                                   GCancellable *cancellable, GError **error);
char      *pd_sha256_fd_prefixes  (int fd, const char *name, const guint64 *offsets,
                                   guint n_offsets, char ***prefix_out, guint64 *size_out,
                                   GCancellable *cancellable, GError **error);

/* RFC 3339 in UTC with a 'Z', e.g. 2026-11-27T20:42:25.123Z (milliseconds). */
char      *pd_time_format_utc     (GDateTime *dt);
GDateTime *pd_time_parse          (const char *rfc3339);
/* A UTC GDateTime from microseconds since the epoch (GLib 2.74 lacks _from_unix_utc_usec). */
GDateTime *pd_time_from_unix_usec (gint64 usec);
/* "HH:MM:SS" of a stream position in nanoseconds. */
char      *pd_format_stream_time  (guint64 ns);

/* A name safe as one path component: no separators, controls, leading dots; never empty. */
char      *pd_safe_component      (const char *name, const char *fallback);

/* Text from a package or the catalog (case names, file names, check messages…) made safe to
 * print on a terminal: controls (C0 with ESC, DEL, C1), line and paragraph separators and
 * bidirectional marks and overrides (U+061C, U+200E/F, U+202A–E, U+2066–9) are shown escaped
 * ("\x1b", "\u202e"), bytes that are not UTF-8 as "\xNN", a backslash as "\\" (so an escape
 * cannot be forged). NULL gives "". Never use it for JSON: json-glib escapes exactly. */
char      *pd_text_sanitize_terminal (const char *s);

/* Creates `path` and missing parents with mode 0700. */
gboolean   pd_mkdir_private       (const char *path, GError **error);
/* Writes a new file with mode 0600, refusing to replace an existing one, and fsyncs it. */
gboolean   pd_write_file_once     (const char *path, const void *data, gsize len, GError **error);

/* $XDG_DATA_HOME/proofdesk (or PROOFDESK_DATA_DIR when set, for tests). */
char      *pd_data_dir            (void);
char      *pd_default_evidence_root (void);

/* The configured timestamp authority: $PROOFDESK_TSA_URL, else the "tsa-url" setting when the
 * schema is installed, else "local" (the built-in practice authority). */
char      *pd_config_get_tsa_url  (void);
/* The configured evidence root: the "evidence-root" setting, else pd_default_evidence_root(). */
char      *pd_config_get_evidence_root (void);

/* Typed members of a JSON object that may hold anything (a hostile or older manifest):
 * NULL when `o` is NULL, the key is missing or the value has another type. */
const char *pd_json_string        (JsonObject *o, const char *key);
JsonObject *pd_json_object        (JsonObject *o, const char *key);
JsonArray  *pd_json_array         (JsonObject *o, const char *key);
/* Element `i` of `a` when it is an object, else NULL (never a json-glib critical). */
JsonObject *pd_json_array_object  (JsonArray *a, guint i);
/* "12,345,678": digit grouping that does not depend on the locale's printf. */
char       *pd_format_thousands   (guint64 n);

G_END_DECLS
