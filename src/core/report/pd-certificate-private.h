/* pd-certificate-private.h — what the certificate's files share: typed manifest accessors
 * (pd-certificate.c), the renderer (pd-certificate-render.c) and the attacher
 * (pd-certificate-attach.c). */
#pragma once

#include "report/pd-certificate.h"

G_BEGIN_DECLS

/* Typed accessors: a hostile or older manifest may hold anything under any key. The member, or
 * NULL when `o` is NULL or lacks it. */
JsonNode *pd_certificate_member             (JsonObject *o, const char *key);
/* A non-negative integer member into `out`; FALSE (and `out` untouched) otherwise. */
gboolean  pd_certificate_member_uint        (JsonObject *o, const char *key, guint64 *out);

/* Renders `info` into `out`, "Page N of `n_pages`" in the footers (0: the page number only);
 * `out` NULL only counts pages (on a recording surface, which skips building and compressing a
 * PDF that would be thrown away; measured in bench/seal-latency). Returns the number of pages,
 * or -1 and PD_CERTIFICATE_ERROR_RENDER. */
int       pd_certificate_render_pdf         (const PdCertificateInfo *info, const char *generated,
                                             int n_pages, GByteArray *out, GError **error);
/* Appends `attachments` to cairo's complete PDF in `pdf` as an incremental update (attached
 * files, a new catalog, xref and trailer). FALSE and PD_CERTIFICATE_ERROR_RENDER when the PDF is
 * not what cairo writes. */
gboolean  pd_certificate_append_attachments (GByteArray *pdf, GPtrArray *attachments,
                                             GError **error);

G_END_DECLS
