/* pd-package.h — one evidence package folder on disk and the manifest.json describing it.
 *
 * manifest.json, format_version 1 (keys added by later versions are ignored by readers):
 *   format            "proofdesk-evidence-package"
 *   format_version    1
 *   session           UUID of the capture session
 *   state             "stamped" | "awaiting-stamp" (no recording token yet) | "failed" |
 *                     "recovered" (sealed after a crash; see "recovery")
 *   failure           why a failed capture stopped (absent when sealed)
 *   case, scenario, operator, host
 *   parties, dispute_type  the case's parties and kind of dispute (absent when not given)
 *   app               { name, version }
 *   source            { kind, description, … kind-specific keys }
 *   started, stopped  RFC 3339 UTC;   duration_seconds
 *   encoder           { element, settings{}, muxer, fragment_duration_ms, width, height, framerate }
 *   recording         { name, size, sha256, digest_source ("inline" | "read-back"), token? }
 *   files[]           { name, size, sha256 } — every file of the package except manifest.json
 *                     and manifest.json.tsr (which cannot list themselves)
 *   checkpoints[]     { index, offset, sha256, running_time_ns, stream_time, wall_time, token? }
 *   timestamps        { authority … }  (issue 3)
 *   ocr_suggestions[] (only when there were any) what the operator did with each OCR suggestion:
 *                     { item, kind, text, value, line, box: [x, y, w, h], confidence,
 *                       stream_time_ns, decision ("confirmed" | "dismissed"), mark (the mark
 *                       id it became, null when dismissed), decided_at (RFC 3339 UTC) }.
 *                     The recognised text is a hint, never evidence by itself.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "util/pd-types.h"

G_BEGIN_DECLS

#define PD_MANIFEST_FORMAT         "proofdesk-evidence-package"
#define PD_MANIFEST_FORMAT_VERSION 1
#define PD_MANIFEST_NAME           "manifest.json"
#define PD_RECORDING_NAME          "recording.mp4"
#define PD_RECORDING_TOKEN_NAME    "recording.mp4.tsr"
#define PD_MANIFEST_TOKEN_NAME     "manifest.json.tsr"
#define PD_CHECKPOINT_TOKEN_FORMAT "checkpoints/%06u.tsr"
#define PD_TSA_CHAIN_NAME          "tsa-chain.pem"
#define PD_VERIFY_TEXT_NAME        "VERIFY.txt"
#define PD_JOURNAL_NAME            "journal.jsonl"
/* The most recording time (seconds) between two checkpoints, or the start and the first, that
 * a capture taking one every `interval` s with fragments of `fragment` s produces. Beyond it the
 * capture records `no_data_before` (the source sent nothing); a verifier that finds a larger
 * spacing without that record knows checkpoints were removed. */
#define PD_CHECKPOINT_MAX_SPACING(interval, fragment) \
  MAX ((interval) * 1.5, (interval) + 2.0 * (fragment))
#define PD_FRAGMENT_DURATION_MS    1000
/* certificate.pdf: PD_CERTIFICATE_NAME in pd-certificate.h */

#define PD_TYPE_PACKAGE (pd_package_get_type ())
G_DECLARE_FINAL_TYPE (PdPackage, pd_package, PD, PACKAGE, GObject)

/* Creates <root>/<case>/<YYYYMMDD-HHMMSS>-<scenario>[-N]/ (folders 0700). */
PdPackage  *pd_package_create          (const char *evidence_root, const char *case_name,
                                        const char *scenario, GDateTime *started, GError **error);
/* Opens an existing package folder (reads and parses manifest.json if present). */
PdPackage  *pd_package_open            (const char *path, GError **error);

/* Opens a package folder that has no manifest yet (a capture that crashed), for recovery.
 * Fails if the folder already has a manifest: a sealed package is never rewritten. */
PdPackage  *pd_package_open_unsealed   (const char *path, GError **error);

const char *pd_package_get_path        (PdPackage *self);
/* Path of a file inside the package; NULL (and an error) if `relname` would leave it. */
char       *pd_package_file_path       (PdPackage *self, const char *relname, GError **error);
/* Writes a new file once (0600, never replaced) and records it in files[]. */
gboolean    pd_package_write_file      (PdPackage *self, const char *relname, GBytes *contents,
                                        GError **error);
/* Records an already written file in files[] (e.g. the recording, hashed inline). */
void        pd_package_add_file_entry  (PdPackage *self, const char *relname, guint64 size,
                                        const char *sha256);
/* The manifest object being built (owned by the package); callers set members on it. */
JsonObject *pd_package_get_manifest    (PdPackage *self);
/* Serialises the manifest (files[] from the recorded entries) and writes it once. Returns the
 * bytes written so they can be stamped without reading them back. */
GBytes     *pd_package_write_manifest  (PdPackage *self, GError **error);
/* VERIFY.txt for a manifest: exact commands to check the package with sha256sum and openssl. */
char       *pd_package_build_verify_text (JsonObject *manifest);
/* Removes the folder if it holds nothing but empty subfolders (a capture that recorded nothing). */
gboolean    pd_package_discard_if_empty (PdPackage *self);

G_END_DECLS
