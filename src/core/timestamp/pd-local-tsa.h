/* pd-local-tsa.h — the built-in practice time-stamping authority: signs in-process, can serve HTTP. */
#pragma once

#include <gio/gio.h>

#include "util/pd-types.h"

G_BEGIN_DECLS

/* The policy OID of every practice token. It is a UUID-based OID (ITU-T X.667, arc 2.25), which
 * anyone may mint without registration, so it cannot collide with a real TSA's policy. It is a
 * placeholder meaning "Proofdesk practice, no legal value", not a registered policy. */
#define PD_LOCAL_TSA_POLICY_OID "2.25.302580958201058107508496810271087817775"

/* The organisation name in the practice CA's and TSA's subjects; the verifier treats any
 * certificate so named as practice (copying the name only makes a token count for less). */
#define PD_LOCAL_TSA_ORG "Proofdesk (practice)"

/* Folder below pd_data_dir() that holds the practice CA and TSA key pair. */
#define PD_LOCAL_TSA_DIRNAME "local-tsa"
#define PD_LOCAL_TSA_CA_NAME "practice-ca.pem"

#define PD_TYPE_LOCAL_TSA (pd_local_tsa_get_type ())
G_DECLARE_FINAL_TYPE (PdLocalTsa, pd_local_tsa, PD, LOCAL_TSA, GObject)

/* Opens the practice TSA stored in `dir` (NULL: pd_data_dir()/local-tsa), creating its CA and
 * TSA keys and certificates on first use (folder 0700, keys 0600). Safe against a second
 * process creating it at the same time. */
PdLocalTsa *pd_local_tsa_new             (const char *dir, GError **error);

/* Answers one DER TimeStampReq with a DER TimeStampResp. A malformed or unacceptable request
 * gets a rejection response, not an error; errors are for internal failures only.
 * Thread-safe: may be called from several threads at once. */
GBytes     *pd_local_tsa_respond         (PdLocalTsa *self, GBytes *request, GError **error);

const char *pd_local_tsa_get_dir         (PdLocalTsa *self);
/* The practice root CA certificate (PEM), for VERIFY.txt and `openssl ts -verify -CAfile`. */
const char *pd_local_tsa_get_ca_path     (PdLocalTsa *self);
char       *pd_local_tsa_get_ca_pem      (PdLocalTsa *self);
/* TSA certificate followed by the CA certificate (PEM), for tsa-chain.pem. */
char       *pd_local_tsa_get_chain_pem   (PdLocalTsa *self);
/* TRUE if the DER certificate is this practice TSA's certificate or was issued by its CA. */
gboolean    pd_local_tsa_owns_certificate (PdLocalTsa *self, const guint8 *der, gsize len);
/* The same test against the practice authority of pd_data_dir(), if one exists (nothing is
 * created). Used to mark tokens read back or received over HTTP from `proofctl tsa serve`. */
gboolean    pd_local_tsa_certificate_is_practice (const guint8 *der, gsize len);

/* Serves RFC 3161 over HTTP on 127.0.0.1:port (0 = any free port) from the thread-default main
 * context. POST application/timestamp-query only; anything else gets a 4xx. */
gboolean    pd_local_tsa_serve           (PdLocalTsa *self, guint16 port, GError **error);
/* The URL being served (http://127.0.0.1:PORT/) or NULL. */
char       *pd_local_tsa_get_url         (PdLocalTsa *self);
void        pd_local_tsa_stop_serving    (PdLocalTsa *self);

G_END_DECLS
