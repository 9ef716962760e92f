/* pd-tsa.h — RFC 3161 timestamp client (HTTP via libsoup, or the built-in practice TSA) and tokens. */
#pragma once

#include <gio/gio.h>

#include "util/pd-types.h"

G_BEGIN_DECLS

/* The literal TSA "URL" that selects the built-in practice authority, in-process. */
#define PD_TSA_LOCAL "local"

#define PD_TSA_DEFAULT_TIMEOUT   20   /* seconds for the whole exchange */
#define PD_TSA_DEFAULT_TOLERANCE 300  /* seconds genTime may lie outside send…receive */

typedef enum {
  PD_TSA_DIGEST_SHA256,
  PD_TSA_DIGEST_SHA384,
  PD_TSA_DIGEST_SHA512,
} PdTsaDigest;

/* Digest length in bytes (32, 48, 64). */
gsize pd_tsa_digest_get_length (PdTsaDigest digest);

/* ---- Tokens ---- */

#define PD_TYPE_TSA_TOKEN (pd_tsa_token_get_type ())
G_DECLARE_FINAL_TYPE (PdTsaToken, pd_tsa_token, PD, TSA_TOKEN, GObject)

/* Parses a TimeStampResp (.tsr) read back from disk. Checks structure and status only:
 * the signature, chain and imprint are the verifier's job. Fails with PD_TSA_ERROR_GARBAGE or
 * PD_TSA_ERROR_REJECTED. */
PdTsaToken *pd_tsa_token_new_from_der        (GBytes *der, GError **error);

/* The whole TimeStampResp, byte for byte as received: this is what a .tsr file holds. */
GBytes     *pd_tsa_token_get_response_der    (PdTsaToken *self);
/* genTime in UTC, with the fractional seconds the TSA gave. */
GDateTime  *pd_tsa_token_get_gen_time        (PdTsaToken *self);
const char *pd_tsa_token_get_serial          (PdTsaToken *self);   /* lowercase hex */
const char *pd_tsa_token_get_policy          (PdTsaToken *self);   /* dotted OID */
/* The TSA name from the token, else the signer certificate's subject (RFC 2253). */
const char *pd_tsa_token_get_tsa_name        (PdTsaToken *self);
/* Accuracy in microseconds, or -1 when the token states none. */
gint64      pd_tsa_token_get_accuracy        (PdTsaToken *self);
gboolean    pd_tsa_token_get_granted_with_mods (PdTsaToken *self);
/* The status text of a grantedWithMods reply, or NULL. */
const char *pd_tsa_token_get_status_text     (PdTsaToken *self);
/* genTime − midpoint of send and receive, µs; 0 for a token read from disk. */
gint64      pd_tsa_token_get_clock_skew      (PdTsaToken *self);
/* TRUE when signed by this workstation's practice authority (certificate match or the
 * practice policy OID). Such a token proves nothing in court. */
gboolean    pd_tsa_token_is_practice         (PdTsaToken *self);
const char *pd_tsa_token_get_digest_name     (PdTsaToken *self);   /* "SHA256", … */
const char *pd_tsa_token_get_imprint_hex     (PdTsaToken *self);
/* Nonce in hex, or NULL. */
const char *pd_tsa_token_get_nonce_hex       (PdTsaToken *self);
/* The certificates embedded in the token, signer first, PEM; NULL if none. */
const char *pd_tsa_token_get_certificates_pem (PdTsaToken *self);

/* ---- Client ---- */

#define PD_TYPE_TSA_CLIENT (pd_tsa_client_get_type ())
G_DECLARE_FINAL_TYPE (PdTsaClient, pd_tsa_client, PD, TSA_CLIENT, GObject)

/* `url` is http(s)://… or PD_TSA_LOCAL. With "local" the practice authority is opened (and
 * created on first use) at once, so its errors show here. */
PdTsaClient *pd_tsa_client_new            (const char *url, GError **error);
const char  *pd_tsa_client_get_url        (PdTsaClient *self);
gboolean     pd_tsa_client_is_practice    (PdTsaClient *self);
void         pd_tsa_client_set_timeout    (PdTsaClient *self, guint seconds);
/* NULL for the TSA's default policy; fails on a malformed OID. */
gboolean     pd_tsa_client_set_policy     (PdTsaClient *self, const char *oid, GError **error);
void         pd_tsa_client_set_tolerance  (PdTsaClient *self, guint seconds);
/* The TSA certificate chain as PEM: the practice TSA's chain for "local", the certificates
 * embedded in the last reply for a remote TSA (NULL before the first reply). */
char        *pd_tsa_client_get_chain_pem  (PdTsaClient *self);
/* The practice authority behind a "local" client, or NULL. */
PdLocalTsa  *pd_tsa_client_get_local_tsa  (PdTsaClient *self);

/* Stamps a digest. Call from the thread that created the client (normally the main thread);
 * several stamps may be in flight at once and none blocks the main loop. The reply is checked
 * (status, nonce, imprint, signature + ESS certificate id, signer EKU, genTime) and each
 * failure has its own PD_TSA_ERROR code. Cancelling gives G_IO_ERROR_CANCELLED. */
void         pd_tsa_client_stamp_async    (PdTsaClient        *self,
                                           PdTsaDigest         digest_type,
                                           const guint8       *digest,
                                           gsize               digest_len,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
PdTsaToken  *pd_tsa_client_stamp_finish   (PdTsaClient  *self,
                                           GAsyncResult *result,
                                           GError      **error);
/* Blocking version, for the CLI and worker threads (runs its own main context). */
PdTsaToken  *pd_tsa_client_stamp          (PdTsaClient  *self,
                                           PdTsaDigest   digest_type,
                                           const guint8 *digest,
                                           gsize         digest_len,
                                           GCancellable *cancellable,
                                           GError      **error);

G_END_DECLS
