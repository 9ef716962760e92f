/* pd-seal.h — the last steps of sealing that also run later: the certificate, and stamping a
 * package that was sealed while the timestamp authority was unreachable. */
#pragma once

#include <gio/gio.h>

#include "util/pd-types.h"

G_BEGIN_DECLS

/* Writes certificate.pdf for a sealed package from its manifest (already on disk or in
 * memory) and its tokens; the tokens are embedded as attachments. */
gboolean  pd_seal_write_certificate (PdPackage  *package,
                                     PdTsaToken *recording_token,
                                     PdTsaToken *manifest_token,
                                     GError    **error);

/* Stamps a package whose manifest says "awaiting-stamp" and that has no recording token yet.
 * Every file is read through the evidence reader (no links, FIFOs or devices; sizes compared
 * before hashing) and the manifest once. Before any timestamp is asked for, the manifest's
 * SHA-256 must equal the digest fixed at seal time (PD_SEALED_DIGEST_NAME and, when the catalog
 * knows the session, the catalog's) and the recording and every file in files[] must still
 * have their sealed size and SHA-256; otherwise PD_PACKAGE_ERROR_BAD_MANIFEST naming what
 * changed, and nothing is written. Then the recording's digest is stamped (recording.mp4.tsr),
 * the manifest bytes just checked (manifest.json.tsr), and the certificate written. Nothing
 * already in the package is rewritten. The token's genTime records when it was stamped; the
 * manifest keeps when it was captured. With a catalog, the session moves to "stamped" (catalog
 * errors are not failures of the stamp). A package whose recording was stamped but not its
 * manifest (a crash) is finished the same way. */
gboolean  pd_seal_stamp_pending     (const char  *package_dir,
                                     PdTsaClient *tsa,
                                     PdCatalog   *catalog,
                                     GCancellable *cancellable,
                                     GError     **error);
/* Packages under an evidence root that wait for a timestamp. NULL-terminated; g_strfreev. */
char    **pd_seal_find_pending      (const char *evidence_root);

G_END_DECLS
