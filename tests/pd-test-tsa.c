/* pd-test-tsa.c — a switchable, misbehaving RFC 3161 authority on loopback, for the C tests. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <string.h>
#include <time.h>

#include "util/pd-private.h"
#include "pd-test-tsa.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CMS_ContentInfo, CMS_ContentInfo_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TS_STATUS_INFO, TS_STATUS_INFO_free)

struct _PdTestTsa
{
  char         *dir;
  char         *ca_path;
  char         *cert_path;
  char         *key_path;
  char         *bad_cert_path;
  char         *config_path;
  X509         *ca;
  X509         *cert;
  X509         *bad_cert;
  EVP_PKEY     *key;
  EVP_PKEY     *bad_key;

  GMutex        lock;          /* TS_RESP_CTX and the openssl serial file */
  TS_RESP_CTX  *ctx;
  guint         serial;
  guint         openssl_runs;

  int           mode;          /* atomic */
  guint         delay_ms;      /* atomic */
  guint         requests;      /* atomic */
  guint16       port;
  char         *url;

  /* Server thread */
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  GList        *pending;       /* GSources of delayed (SLOW) replies */
};

/* ---- certificates ---- */

static gboolean
add_ext (X509 *cert, X509V3_CTX *v3, int nid, const char *value)
{
  g_autoptr (X509_EXTENSION) ext = X509V3_EXT_nconf_nid (NULL, v3, nid, value);

  return ext != NULL && X509_add_ext (cert, ext, -1);
}

/* `eku` NULL makes a CA; otherwise the extendedKeyUsage value, e.g. "critical,timeStamping". */
static X509 *
make_cert (EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, const char *eku,
           long serial)
{
  g_autoptr (X509) cert = X509_new ();
  g_autoptr (X509_NAME) name = X509_NAME_new ();
  X509V3_CTX v3;
  gboolean ok;

  ok = X509_set_version (cert, X509_VERSION_3) &&
       ASN1_INTEGER_set (X509_get_serialNumber (cert), serial) &&
       X509_gmtime_adj (X509_getm_notBefore (cert), -86400) &&
       X509_gmtime_adj (X509_getm_notAfter (cert), 30L * 86400) &&
       X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const guchar *) "Proofdesk tests", -1, -1, 0) &&
       X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const guchar *) cn, -1, -1, 0) &&
       X509_set_subject_name (cert, name) &&
       X509_set_issuer_name (cert, issuer ? X509_get_subject_name (issuer) : name) &&
       X509_set_pubkey (cert, key);
  if (!ok)
    return NULL;
  X509V3_set_ctx (&v3, issuer ? issuer : cert, cert, NULL, NULL, 0);
  if (eku == NULL)
    ok = add_ext (cert, &v3, NID_basic_constraints, "critical,CA:TRUE") &&
         add_ext (cert, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_ext (cert, &v3, NID_subject_key_identifier, "hash");
  else
    ok = add_ext (cert, &v3, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext (cert, &v3, NID_key_usage, "critical,digitalSignature") &&
         add_ext (cert, &v3, NID_ext_key_usage, eku) &&
         add_ext (cert, &v3, NID_subject_key_identifier, "hash") &&
         add_ext (cert, &v3, NID_authority_key_identifier, "keyid:always");
  if (!ok || !X509_sign (cert, issuer_key ? issuer_key : key, EVP_sha256 ()))
    return NULL;
  return g_steal_pointer (&cert);
}

static gboolean
write_pem (const char *path, X509 *cert, EVP_PKEY *key, GError **error)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  if ((cert && !PEM_write_bio_X509 (bio, cert)) ||
      (key && !PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write PEM");
      return FALSE;
    }
  len = BIO_get_mem_data (bio, &data);
  return g_file_set_contents (path, data, len, error);
}

static ASN1_INTEGER *
counter_serial_cb (TS_RESP_CTX *ctx, void *data)
{
  PdTestTsa *self = data;
  ASN1_INTEGER *serial = ASN1_INTEGER_new ();

  /* Called with self->lock held. */
  ASN1_INTEGER_set (serial, (long) ++self->serial);
  return serial;
}

static gboolean
setup_authority (PdTestTsa *self, GError **error)
{
  g_autoptr (EVP_PKEY) ca_key = EVP_EC_gen ("P-256");
  g_autoptr (ASN1_OBJECT) policy = OBJ_txt2obj (PD_TEST_TSA_POLICY_OID, 1);
  g_autoptr (PdX509Stack) certs = sk_X509_new_null ();
  g_autofree char *serial_path = g_build_filename (self->dir, "serial", NULL);
  g_autofree char *config = NULL;

  self->key = EVP_EC_gen ("P-256");
  self->bad_key = EVP_EC_gen ("P-256");
  self->ca = make_cert (ca_key, "Proofdesk Test CA", NULL, NULL, NULL, 1);
  self->cert = make_cert (self->key, "Proofdesk Test TSA", self->ca, ca_key, "critical,timeStamping", 2);
  /* TS_RESP_CTX refuses this one; only the CMS re-signing below can use it. */
  self->bad_cert = make_cert (self->bad_key, "Proofdesk Test TSA (EKU not critical)", self->ca, ca_key,
                              "timeStamping", 3);
  if (self->cert == NULL || self->bad_cert == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make test certificates");
      return FALSE;
    }
  self->ca_path = g_build_filename (self->dir, "ca.pem", NULL);
  self->cert_path = g_build_filename (self->dir, "tsa.pem", NULL);
  self->key_path = g_build_filename (self->dir, "tsa.key", NULL);
  self->bad_cert_path = g_build_filename (self->dir, "tsa-noncritical.pem", NULL);
  self->config_path = g_build_filename (self->dir, "tsa.cnf", NULL);
  config = g_strdup_printf ("[ tsa ]\n"
                            "default_tsa = tsa_config1\n"
                            "[ tsa_config1 ]\n"
                            "serial = %s\n"
                            "crypto_device = builtin\n"
                            "signer_cert = %s\n"
                            "certs = %s\n"
                            "signer_key = %s\n"
                            "signer_digest = sha256\n"
                            "default_policy = " PD_TEST_TSA_POLICY_OID "\n"
                            "digests = sha256, sha384, sha512\n"
                            "accuracy = secs:1, millisecs:500, microsecs:100\n"
                            "clock_precision_digits = 0\n"
                            "ordering = yes\n"
                            "tsa_name = yes\n"
                            "ess_cert_id_chain = no\n"
                            "ess_cert_id_alg = sha1\n",
                            serial_path, self->cert_path, self->ca_path, self->key_path);
  if (!write_pem (self->ca_path, self->ca, NULL, error) ||
      !write_pem (self->cert_path, self->cert, NULL, error) ||
      !write_pem (self->key_path, NULL, self->key, error) ||
      !write_pem (self->bad_cert_path, self->bad_cert, NULL, error) ||
      !g_file_set_contents (serial_path, "01\n", -1, error) ||
      !g_file_set_contents (self->config_path, config, -1, error))
    return FALSE;

  self->ctx = TS_RESP_CTX_new ();
  sk_X509_push (certs, X509_dup (self->ca));
  if (!TS_RESP_CTX_set_signer_cert (self->ctx, self->cert) ||
      !TS_RESP_CTX_set_signer_key (self->ctx, self->key) ||
      !TS_RESP_CTX_set_signer_digest (self->ctx, EVP_sha256 ()) ||
      !TS_RESP_CTX_set_ess_cert_id_digest (self->ctx, EVP_sha256 ()) ||
      !TS_RESP_CTX_set_def_policy (self->ctx, policy) ||
      !TS_RESP_CTX_set_certs (self->ctx, certs) ||
      !TS_RESP_CTX_add_md (self->ctx, EVP_sha256 ()) ||
      !TS_RESP_CTX_add_md (self->ctx, EVP_sha384 ()) ||
      !TS_RESP_CTX_add_md (self->ctx, EVP_sha512 ()) ||
      !TS_RESP_CTX_set_accuracy (self->ctx, 1, 0, 0) ||
      !TS_RESP_CTX_set_clock_precision_digits (self->ctx, 6))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot set up TS_RESP_CTX");
      return FALSE;
    }
  TS_RESP_CTX_add_flags (self->ctx, TS_TSA_NAME);
  TS_RESP_CTX_set_serial_cb (self->ctx, counter_serial_cb, self);
  return TRUE;
}

/* ---- replies ---- */

static GBytes *
resp_to_bytes (TS_RESP *resp)
{
  guint8 *der = NULL;
  int len = i2d_TS_RESP (resp, &der);
  GBytes *bytes;

  if (len <= 0)
    return NULL;
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

static GBytes *
tweak_request (GBytes *request, PdTestTsaMode mode)
{
  const guint8 *p = g_bytes_get_data (request, NULL);
  g_autoptr (TS_REQ) req = d2i_TS_REQ (NULL, &p, (long) g_bytes_get_size (request));
  guint8 *der = NULL;
  GBytes *out;
  int len;

  if (req == NULL)
    return g_bytes_ref (request);
  if (mode == PD_TEST_TSA_WRONG_NONCE)
    {
      const ASN1_INTEGER *nonce = TS_REQ_get_nonce (req);
      g_autoptr (BIGNUM) bn = nonce ? ASN1_INTEGER_to_BN (nonce, NULL) : BN_new ();
      g_autoptr (ASN1_INTEGER) other = NULL;

      BN_add_word (bn, 1);
      other = BN_to_ASN1_INTEGER (bn, NULL);
      TS_REQ_set_nonce (req, other);
    }
  else if (mode == PD_TEST_TSA_WRONG_IMPRINT)
    {
      ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg (TS_REQ_get_msg_imprint (req));
      g_autofree guint8 *copy = g_memdup2 (ASN1_STRING_get0_data (msg), (gsize) ASN1_STRING_length (msg));

      copy[0] ^= 0x01;
      ASN1_OCTET_STRING_set (msg, copy, ASN1_STRING_length (msg));
    }
  else if (mode == PD_TEST_TSA_REJECT)
    {
      g_autoptr (ASN1_OBJECT) policy = OBJ_txt2obj ("1.2.3.4.5.6.7", 1);
      TS_REQ_set_policy_id (req, policy);
    }
  len = i2d_TS_REQ (req, &der);
  out = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return out;
}

typedef enum {
  RESIGN_NO_CERTS = 1 << 0,
  RESIGN_ESS_V1 = 1 << 1,
  RESIGN_ESS_NAMES_CA = 1 << 2,
  RESIGN_OLD_TIME = 1 << 3,
} ResignFlags;

/* Signs the TSTInfo of a good reply again, by hand with CMS, with any certificate and digest:
 * TS_RESP_CTX would refuse a broken signer certificate. */
static GBytes *
resign (PdTestTsa *self, TS_RESP *good, X509 *cert, EVP_PKEY *key, const EVP_MD *md,
        ResignFlags flags, GError **error)
{
  g_autoptr (TS_TST_INFO) tst = TS_TST_INFO_dup (TS_RESP_get_tst_info (good));
  g_autoptr (CMS_ContentInfo) cms = NULL;
  g_autoptr (BIO) content = NULL;
  g_autoptr (TS_RESP) resp = NULL;
  g_autoptr (TS_STATUS_INFO) status = NULL;
  g_autoptr (PKCS7) p7 = NULL;
  CMS_SignerInfo *si;
  X509 *ess_cert = (flags & RESIGN_ESS_NAMES_CA) ? self->ca : cert;
  guint8 *der = NULL, *ess = NULL;
  const guint8 *p;
  int len, ess_len;

  if (flags & RESIGN_OLD_TIME)
    {
      ASN1_GENERALIZEDTIME *t = ASN1_GENERALIZEDTIME_adj (NULL, time (NULL), 0, -3600);
      TS_TST_INFO_set_time (tst, t);
      ASN1_GENERALIZEDTIME_free (t);
    }
  len = i2d_TS_TST_INFO (tst, &der);
  content = BIO_new_mem_buf (der, len);

  cms = CMS_sign (NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_BINARY);
  CMS_set1_eContentType (cms, OBJ_nid2obj (NID_id_smime_ct_TSTInfo));
  si = CMS_add1_signer (cms, cert, key, md, CMS_NOSMIMECAP | ((flags & RESIGN_NO_CERTS) ? CMS_NOCERTS : 0));
  if (!(flags & RESIGN_NO_CERTS))
    CMS_add1_cert (cms, self->ca);
  if (flags & RESIGN_ESS_V1)
    {
      ESS_SIGNING_CERT *sc = OSSL_ESS_signing_cert_new_init (ess_cert, NULL, 0);
      ess_len = i2d_ESS_SIGNING_CERT (sc, &ess);
      ESS_SIGNING_CERT_free (sc);
      CMS_signed_add1_attr_by_NID (si, NID_id_smime_aa_signingCertificate, V_ASN1_SEQUENCE, ess, ess_len);
    }
  else
    {
      ESS_SIGNING_CERT_V2 *sc = OSSL_ESS_signing_cert_v2_new_init (EVP_sha256 (), ess_cert, NULL, 0);
      ess_len = i2d_ESS_SIGNING_CERT_V2 (sc, &ess);
      ESS_SIGNING_CERT_V2_free (sc);
      CMS_signed_add1_attr_by_NID (si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE, ess, ess_len);
    }
  OPENSSL_free (ess);
  if (si == NULL || !CMS_final (cms, content, NULL, CMS_BINARY))
    {
      OPENSSL_free (der);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "CMS signing failed");
      return NULL;
    }
  OPENSSL_free (der);
  der = NULL;
  len = i2d_CMS_ContentInfo (cms, &der);
  p = der;
  p7 = d2i_PKCS7 (NULL, &p, len);
  OPENSSL_free (der);

  resp = TS_RESP_new ();
  status = TS_STATUS_INFO_new ();
  TS_STATUS_INFO_set_status (status, TS_STATUS_GRANTED);
  TS_RESP_set_status_info (resp, status);
  TS_RESP_set_tst_info (resp, g_steal_pointer (&p7), g_steal_pointer (&tst));
  return resp_to_bytes (resp);
}

static void
flip_signature_byte (GBytes **reply, TS_RESP *resp)
{
  PKCS7 *token = TS_RESP_get_token (resp);
  PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value (PKCS7_get_signer_info (token), 0);
  gsize len = 0;
  g_autofree guint8 *der = g_bytes_unref_to_data (*reply, &len);
  guint8 *at = memmem (der, len, si->enc_digest->data, (size_t) si->enc_digest->length);

  g_assert_nonnull (at);
  at[si->enc_digest->length / 2] ^= 0x5a;
  *reply = g_bytes_new (der, len);
}

static GBytes *
with_mods_status (TS_RESP *resp)
{
  /* PKIStatusInfo { status grantedWithMods, statusString { "accuracy widened" } } */
  static const guint8 info_der[] = {
    0x30, 0x17, 0x02, 0x01, 0x01, 0x30, 0x12, 0x0c, 0x10,
    'a', 'c', 'c', 'u', 'r', 'a', 'c', 'y', ' ', 'w', 'i', 'd', 'e', 'n', 'e', 'd',
  };
  const guint8 *p = info_der;
  g_autoptr (TS_STATUS_INFO) info = d2i_TS_STATUS_INFO (NULL, &p, sizeof info_der);

  g_assert_nonnull (info);
  TS_RESP_set_status_info (resp, info);
  return resp_to_bytes (resp);
}

static GBytes *
openssl_reply (PdTestTsa *self, GBytes *request, GError **error)
{
  g_autofree char *query = NULL;
  g_autofree char *reply = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  char *data = NULL;
  gsize len = 0;
  guint n;

  g_mutex_lock (&self->lock);
  n = ++self->openssl_runs;
  query = g_strdup_printf ("%s/query-%u.tsq", self->dir, n);
  reply = g_strdup_printf ("%s/reply-%u.tsr", self->dir, n);
  if (g_file_set_contents (query, g_bytes_get_data (request, NULL), g_bytes_get_size (request), error))
    proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                             error, "openssl", "ts", "-reply", "-config", self->config_path,
                             "-queryfile", query, "-out", reply, NULL);
  if (proc != NULL && g_subprocess_wait_check (proc, NULL, error))
    g_file_get_contents (reply, &data, &len, error);
  g_mutex_unlock (&self->lock);
  return data ? g_bytes_new_take (data, len) : NULL;
}

GBytes *
pd_test_tsa_respond (PdTestTsa *self, GBytes *request, PdTestTsaMode mode, GError **error)
{
  g_autoptr (GBytes) tweaked = NULL;
  g_autoptr (BIO) in = NULL;
  g_autoptr (TS_RESP) resp = NULL;
  GBytes *reply;

  if (mode == PD_TEST_TSA_GARBAGE)
    return g_bytes_new_static ("this is not a TimeStampResp\n", 28);
  if (mode == PD_TEST_TSA_OPENSSL)
    return openssl_reply (self, request, error);

  tweaked = tweak_request (request, mode);
  in = BIO_new_mem_buf (g_bytes_get_data (tweaked, NULL), (int) g_bytes_get_size (tweaked));
  g_mutex_lock (&self->lock);
  resp = TS_RESP_create_response (self->ctx, in);
  g_mutex_unlock (&self->lock);
  if (resp == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "TS_RESP_create_response failed");
      return NULL;
    }
  if (TS_RESP_get_tst_info (resp) == NULL)
    return resp_to_bytes (resp);   /* a rejection, whatever the mode */

  switch (mode)
    {
    case PD_TEST_TSA_GRANTED_WITH_MODS:
      return with_mods_status (resp);
    case PD_TEST_TSA_BAD_SIGNATURE:
      reply = resp_to_bytes (resp);
      flip_signature_byte (&reply, resp);
      return reply;
    case PD_TEST_TSA_NONCRITICAL_EKU:
      return resign (self, resp, self->bad_cert, self->bad_key, EVP_sha256 (), 0, error);
    case PD_TEST_TSA_SHA1:
      return resign (self, resp, self->cert, self->key, EVP_sha1 (), RESIGN_ESS_V1, error);
    case PD_TEST_TSA_NO_CERT:
      return resign (self, resp, self->cert, self->key, EVP_sha256 (), RESIGN_NO_CERTS, error);
    case PD_TEST_TSA_WRONG_ESS:
      return resign (self, resp, self->cert, self->key, EVP_sha256 (), RESIGN_ESS_NAMES_CA, error);
    case PD_TEST_TSA_OLD_TIME:
      return resign (self, resp, self->cert, self->key, EVP_sha256 (), RESIGN_OLD_TIME, error);
    default:
      return resp_to_bytes (resp);
    }
}

GBytes *
pd_test_tsa_make_request (const guint8 *sha256, guint64 nonce, gboolean cert_req)
{
  g_autoptr (TS_REQ) req = TS_REQ_new ();
  g_autoptr (TS_MSG_IMPRINT) imprint = TS_MSG_IMPRINT_new ();
  X509_ALGOR *alg = X509_ALGOR_new ();
  guint8 *der = NULL;
  GBytes *out;
  int len;

  X509_ALGOR_set0 (alg, OBJ_nid2obj (NID_sha256), V_ASN1_NULL, NULL);
  TS_MSG_IMPRINT_set_algo (imprint, alg);
  X509_ALGOR_free (alg);
  TS_MSG_IMPRINT_set_msg (imprint, (guint8 *) sha256, 32);
  TS_REQ_set_version (req, 1);
  TS_REQ_set_msg_imprint (req, imprint);
  if (nonce != 0)
    {
      g_autoptr (ASN1_INTEGER) n = ASN1_INTEGER_new ();
      ASN1_INTEGER_set_uint64 (n, nonce);
      TS_REQ_set_nonce (req, n);
    }
  TS_REQ_set_cert_req (req, cert_req);
  len = i2d_TS_REQ (req, &der);
  out = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return out;
}

/* ---- HTTP, in the server thread ---- */

static void
send_reply (PdTestTsa *self, SoupServerMessage *msg, GBytes *request, PdTestTsaMode mode)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = pd_test_tsa_respond (self, request, mode, &error);

  if (reply == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg,
                                    mode == PD_TEST_TSA_CONTENT_TYPE ? "text/html" : "application/timestamp-reply",
                                    SOUP_MEMORY_COPY, g_bytes_get_data (reply, NULL),
                                    g_bytes_get_size (reply));
}

typedef struct
{
  PdTestTsa         *self;
  SoupServerMessage *msg;
  GBytes            *request;
  GSource           *source;
} Delayed;

static void
delayed_free (Delayed *d)
{
  g_object_unref (d->msg);
  g_bytes_unref (d->request);
  g_free (d);
}

static gboolean
on_delay_over (gpointer user_data)
{
  Delayed *d = user_data;

  d->self->pending = g_list_remove (d->self->pending, d->source);
  g_source_unref (d->source);
  send_reply (d->self, d->msg, d->request, PD_TEST_TSA_OK);
  soup_server_message_unpause (d->msg);
  return G_SOURCE_REMOVE;
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PdTestTsa *self = user_data;
  PdTestTsaMode mode = g_atomic_int_get (&self->mode);
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  g_autoptr (GBytes) request = NULL;

  g_atomic_int_inc (&self->requests);
  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0 ||
      g_strcmp0 (type, "application/timestamp-query") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }
  if (mode == PD_TEST_TSA_HTTP_500)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }
  request = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (mode == PD_TEST_TSA_SLOW)
    {
      Delayed *d = g_new0 (Delayed, 1);

      d->self = self;
      d->msg = g_object_ref (msg);
      d->request = g_bytes_ref (request);
      d->source = g_timeout_source_new (g_atomic_int_get (&self->delay_ms));
      g_source_set_callback (d->source, on_delay_over, d, (GDestroyNotify) delayed_free);
      g_source_attach (d->source, self->context);
      self->pending = g_list_prepend (self->pending, d->source);
      soup_server_message_pause (msg);
      return;
    }
  send_reply (self, msg, request, mode);
}

static gboolean
start_listening (PdTestTsa *self, GError **error)
{
  g_autoptr (SoupServer) server = soup_server_new (NULL, NULL);
  GSList *uris;

  soup_server_add_handler (server, NULL, on_request, self, NULL);
  if (!soup_server_listen_local (server, self->port, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return FALSE;
  uris = soup_server_get_uris (server);
  self->port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->server = g_steal_pointer (&server);
  return TRUE;
}

static gboolean
stop_listening (PdTestTsa *self, GError **error)
{
  for (GList *l = self->pending; l != NULL; l = l->next)
    {
      g_source_destroy (l->data);
      g_source_unref (l->data);
    }
  g_clear_pointer (&self->pending, g_list_free);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  return TRUE;
}

typedef struct
{
  PdTestTsa *self;
  gboolean (*func) (PdTestTsa *self, GError **error);
  GError    *error;
  gboolean   ok;
  gboolean   done;
  GMutex     mutex;
  GCond      cond;
} Call;

static gboolean
call_in_server (gpointer user_data)
{
  Call *call = user_data;
  gboolean ok = call->func (call->self, &call->error);

  g_mutex_lock (&call->mutex);
  call->ok = ok;
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->mutex);
  return G_SOURCE_REMOVE;
}

/* Runs func in the server thread and waits for it. */
static gboolean
run_in_server (PdTestTsa *self, gboolean (*func) (PdTestTsa *, GError **), GError **error)
{
  Call call = { self, func, NULL, FALSE, FALSE };

  g_mutex_init (&call.mutex);
  g_cond_init (&call.cond);
  g_main_context_invoke (self->context, call_in_server, &call);
  g_mutex_lock (&call.mutex);
  while (!call.done)
    g_cond_wait (&call.cond, &call.mutex);
  g_mutex_unlock (&call.mutex);
  g_mutex_clear (&call.mutex);
  g_cond_clear (&call.cond);
  if (call.error != NULL)
    g_propagate_error (error, call.error);
  return call.ok;
}

static gpointer
server_thread (gpointer user_data)
{
  PdTestTsa *self = user_data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  stop_listening (self, NULL);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

PdTestTsa *
pd_test_tsa_new (GError **error)
{
  g_autoptr (PdTestTsa) self = g_new0 (PdTestTsa, 1);

  g_mutex_init (&self->lock);
  self->delay_ms = 3000;
  self->dir = g_dir_make_tmp ("pd-test-tsa-XXXXXX", error);
  if (self->dir == NULL || !setup_authority (self, error))
    return NULL;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("pd-test-tsa", server_thread, self);
  if (!run_in_server (self, start_listening, error))
    return NULL;
  self->url = g_strdup_printf ("http://127.0.0.1:%u/", self->port);
  return g_steal_pointer (&self);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_unlink (child);
    }
  g_rmdir (path);
}

void
pd_test_tsa_free (PdTestTsa *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_main_loop_quit (self->loop);
      g_thread_join (self->thread);
    }
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->ctx, TS_RESP_CTX_free);
  g_clear_pointer (&self->ca, X509_free);
  g_clear_pointer (&self->cert, X509_free);
  g_clear_pointer (&self->bad_cert, X509_free);
  g_clear_pointer (&self->key, EVP_PKEY_free);
  g_clear_pointer (&self->bad_key, EVP_PKEY_free);
  if (self->dir != NULL)
    remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->ca_path);
  g_free (self->cert_path);
  g_free (self->key_path);
  g_free (self->bad_cert_path);
  g_free (self->config_path);
  g_free (self->url);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
pd_test_tsa_set_mode (PdTestTsa *self, PdTestTsaMode mode)
{
  PdTestTsaMode old = g_atomic_int_get (&self->mode);
  g_autoptr (GError) error = NULL;

  g_atomic_int_set (&self->mode, mode);
  if (mode == PD_TEST_TSA_DOWN && old != PD_TEST_TSA_DOWN)
    run_in_server (self, stop_listening, NULL);
  else if (mode != PD_TEST_TSA_DOWN && old == PD_TEST_TSA_DOWN)
    {
      run_in_server (self, start_listening, &error);
      g_assert_no_error (error);
    }
}

void
pd_test_tsa_set_delay (PdTestTsa *self, guint milliseconds)
{
  g_atomic_int_set (&self->delay_ms, milliseconds);
}

const char *
pd_test_tsa_get_url (PdTestTsa *self)
{
  return self->url;
}

guint
pd_test_tsa_get_request_count (PdTestTsa *self)
{
  return (guint) g_atomic_int_get (&self->requests);
}

const char *
pd_test_tsa_get_dir (PdTestTsa *self)
{
  return self->dir;
}

const char *
pd_test_tsa_get_ca_path (PdTestTsa *self)
{
  return self->ca_path;
}

const char *
pd_test_tsa_get_cert_path (PdTestTsa *self)
{
  return self->cert_path;
}

const char *
pd_test_tsa_get_key_path (PdTestTsa *self)
{
  return self->key_path;
}

const char *
pd_test_tsa_get_bad_cert_path (PdTestTsa *self)
{
  return self->bad_cert_path;
}
