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

/* Stamps a package whose manifest says "awaiting-stamp" and that has no recording token yet:
 * re-reads the recording to check it still matches the manifest, stamps its digest
 * (recording.mp4.tsr), stamps manifest.json as it is (manifest.json.tsr) and writes the
 * certificate. Nothing already in the package is rewritten. The token's genTime records when
 * it was stamped; the manifest keeps when it was captured. With a catalog, the session moves
 * to "stamped" (catalog errors are not failures of the stamp). */
gboolean  pd_seal_stamp_pending     (const char  *package_dir,
                                     PdTsaClient *tsa,
                                     PdCatalog   *catalog,
                                     GCancellable *cancellable,
                                     GError     **error);
/* Packages under an evidence root that wait for a timestamp. NULL-terminated; g_strfreev. */
char    **pd_seal_find_pending      (const char *evidence_root);

G_END_DECLS
