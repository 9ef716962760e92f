/* pd-test-tsa.h — a misbehaving RFC 3161 authority on 127.0.0.1 for tests, with its own test CA. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The policy OID every test-TSA token carries (unless made by a mode that changes it). */
#define PD_TEST_TSA_POLICY_OID "1.3.6.1.4.1.99999.3161.1"

typedef enum {
  PD_TEST_TSA_OK,                /* a correct reply (TS_RESP_CTX, ESS v2, SHA-256) */
  PD_TEST_TSA_DOWN,              /* not listening: connection refused */
  PD_TEST_TSA_SLOW,              /* a correct reply after pd_test_tsa_set_delay() ms */
  PD_TEST_TSA_HTTP_500,          /* HTTP 500 Internal Server Error */
  PD_TEST_TSA_GARBAGE,           /* 200 application/timestamp-reply, body is not DER */
  PD_TEST_TSA_CONTENT_TYPE,      /* a correct reply labelled text/html */
  PD_TEST_TSA_REJECT,            /* PKIStatus rejection, failure info unacceptedPolicy */
  PD_TEST_TSA_GRANTED_WITH_MODS, /* status grantedWithMods with a status text */
  PD_TEST_TSA_WRONG_NONCE,       /* validly signed, nonce + 1 */
  PD_TEST_TSA_WRONG_IMPRINT,     /* validly signed, one imprint byte changed */
  PD_TEST_TSA_BAD_SIGNATURE,     /* a correct reply with one signature byte flipped */
  PD_TEST_TSA_NONCRITICAL_EKU,   /* signed with a certificate whose timeStamping EKU is not critical */
  PD_TEST_TSA_SHA1,              /* signed with SHA-1 as the signer digest (ESS v1) */
  PD_TEST_TSA_NO_CERT,           /* certReq ignored: no certificate in the token */
  PD_TEST_TSA_WRONG_ESS,         /* ESS signing-certificate v2 names the CA, not the signer */
  PD_TEST_TSA_OLD_TIME,          /* validly signed, genTime one hour in the past */
  PD_TEST_TSA_OPENSSL,           /* reply made by stock `openssl ts -reply` (ESS v1, accuracy) */
} PdTestTsaMode;

typedef struct _PdTestTsa PdTestTsa;

/* Makes a test CA and TSA certificates in a new temporary folder and starts a SoupServer on
 * 127.0.0.1 (a free port) in its own thread, so a slow reply never blocks the test's loop. */
PdTestTsa  *pd_test_tsa_new               (GError **error);
/* Stops the server and removes the temporary folder. */
void        pd_test_tsa_free              (PdTestTsa *self);

/* Takes effect from the next request. DOWN stops listening; any other mode listens again on
 * the same port. */
void        pd_test_tsa_set_mode          (PdTestTsa *self, PdTestTsaMode mode);
void        pd_test_tsa_set_delay         (PdTestTsa *self, guint milliseconds);
const char *pd_test_tsa_get_url           (PdTestTsa *self);
guint       pd_test_tsa_get_request_count (PdTestTsa *self);

const char *pd_test_tsa_get_dir           (PdTestTsa *self);
/* PEM files: the test CA, the good TSA certificate and key, the non-critical-EKU certificate. */
const char *pd_test_tsa_get_ca_path       (PdTestTsa *self);
const char *pd_test_tsa_get_cert_path     (PdTestTsa *self);
const char *pd_test_tsa_get_key_path      (PdTestTsa *self);
const char *pd_test_tsa_get_bad_cert_path (PdTestTsa *self);

/* Offline token factory: the DER TimeStampResp the server would send for `request` in `mode`
 * (modes that describe HTTP behaviour — DOWN, SLOW, HTTP_500, CONTENT_TYPE — give an OK reply;
 * GARBAGE gives garbage). */
GBytes     *pd_test_tsa_respond           (PdTestTsa    *self,
                                           GBytes       *request,
                                           PdTestTsaMode mode,
                                           GError      **error);
/* A DER TimeStampReq over a SHA-256 digest (nonce 0 = none), for the factory above. */
GBytes     *pd_test_tsa_make_request      (const guint8 *sha256,
                                           guint64       nonce,
                                           gboolean      cert_req);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdTestTsa, pd_test_tsa_free)

G_END_DECLS
