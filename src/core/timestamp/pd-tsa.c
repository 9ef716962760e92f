/* pd-tsa.c — RFC 3161 client: builds TimeStampReqs, posts them with libsoup, checks the replies. */
#define G_LOG_DOMAIN "pd-tsa"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <string.h>

#include "util/pd-error.h"
#include "util/pd-private.h"
#include "timestamp/pd-tsa-private.h"
#include "util/pd-util.h"

/* ---- Reply checks ---- */

/* What one request asked for, to hold the reply against. */
typedef struct
{
  PdTsaDigest   digest_type;
  guint8        digest[EVP_MAX_MD_SIZE];
  gsize         digest_len;
  ASN1_INTEGER *nonce;
  ASN1_OBJECT  *policy;
  GBytes       *request;
  PdLocalTsa   *local;
  gint64        tolerance;
  gint64        sent;
  gint64        received;
  guint         timeout;
  char         *url;

  /* HTTP only */
  SoupMessage  *msg;
  GCancellable *cancellable;
  GCancellable *user_cancellable;
  gulong        cancel_id;
  GSource      *timeout_source;
  gboolean      timed_out;
  guint8       *body;
} StampData;

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
stamp_data_free (StampData *d)
{
  clear_source (&d->timeout_source);
  if (d->user_cancellable != NULL)
    g_cancellable_disconnect (d->user_cancellable, d->cancel_id);
  g_clear_object (&d->user_cancellable);
  g_clear_object (&d->cancellable);
  g_clear_object (&d->msg);
  g_clear_object (&d->local);
  g_clear_pointer (&d->nonce, ASN1_INTEGER_free);
  g_clear_pointer (&d->policy, ASN1_OBJECT_free);
  g_clear_pointer (&d->request, g_bytes_unref);
  g_free (d->body);
  g_free (d->url);
  g_free (d);
}

static gboolean
check_signer_certificate (X509 *signer, GError **error)
{
  int critical = -1;
  EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i (signer, NID_ext_key_usage, &critical, NULL);
  gboolean ok;

  /* RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, and the extension MUST be critical. */
  ok = eku != NULL && critical == 1 && sk_ASN1_OBJECT_num (eku) == 1 &&
       OBJ_obj2nid (sk_ASN1_OBJECT_value (eku, 0)) == NID_time_stamp;
  sk_ASN1_OBJECT_pop_free (eku, ASN1_OBJECT_free);
  if (!ok)
    g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_CERTIFICATE,
                 _("The timestamp authority's certificate is not for timestamping only (it needs a critical extended key usage of id-kp-timeStamping and nothing else)."));
  return ok;
}

static void *
signed_attribute (PKCS7_SIGNER_INFO *si, int nid, gboolean v2)
{
  ASN1_TYPE *attr = PKCS7_get_signed_attribute (si, nid);
  const guint8 *p;

  if (attr == NULL || attr->type != V_ASN1_SEQUENCE)
    return NULL;
  p = attr->value.sequence->data;
  if (v2)
    return d2i_ESS_SIGNING_CERT_V2 (NULL, &p, attr->value.sequence->length);
  return d2i_ESS_SIGNING_CERT (NULL, &p, attr->value.sequence->length);
}

/* The CMS signature over the TSTInfo, checked with the signer certificate embedded in the
 * token and nothing else. This is what TS_RESP_verify_signature() does minus its chain
 * building: whether the authority is trusted is the verifier's question (trust store,
 * practice CA), while here we only need to know the reply is intact and was signed by the
 * certificate it carries. So: exactly one SignerInfo, the signer found among the embedded
 * certificates, the ESS signing-certificate attribute (v1 or v2) naming that certificate,
 * a digest stronger than SHA-1, then PKCS7_signatureVerify() over the content. */
static gboolean
check_signature (PKCS7 *token, X509 **signer_out, GError **error)
{
  STACK_OF (PKCS7_SIGNER_INFO) *infos = NULL;
  PKCS7_SIGNER_INFO *si;
  g_autoptr (X509) signer = NULL;
  g_autoptr (PdX509Stack) chain = NULL;
  g_autoptr (BIO) p7bio = NULL;
  ESS_SIGNING_CERT *ss;
  ESS_SIGNING_CERT_V2 *ssv2;
  const ASN1_OBJECT *md_obj = NULL;
  char buf[4096];
  int md_nid, ess;

  if (!PKCS7_type_is_signed (token) || PKCS7_get_detached (token) ||
      (infos = PKCS7_get_signer_info (token)) == NULL || sk_PKCS7_SIGNER_INFO_num (infos) != 1)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_SIGNATURE,
                   _("The timestamp token is not signed by exactly one signer."));
      return FALSE;
    }
  si = sk_PKCS7_SIGNER_INFO_value (infos, 0);

  signer = pd_tsa_token_signer (token);
  if (signer == NULL)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_CERTIFICATE,
                   _("The timestamp authority did not include its certificate in the reply."));
      return FALSE;
    }

  X509_ALGOR_get0 (&md_obj, NULL, NULL, si->digest_alg);
  md_nid = OBJ_obj2nid (md_obj);
  if (md_nid == NID_sha1 || md_nid == NID_md5 || md_nid == NID_undef)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_SIGNATURE,
                   _("The timestamp token is signed with the weak or unknown digest %s."),
                   md_nid == NID_undef ? "?" : OBJ_nid2sn (md_nid));
      return FALSE;
    }

  chain = sk_X509_new_null ();
  X509_up_ref (signer);
  sk_X509_push (chain, signer);
  ss = signed_attribute (si, NID_id_smime_aa_signingCertificate, FALSE);
  ssv2 = signed_attribute (si, NID_id_smime_aa_signingCertificateV2, TRUE);
  ess = OSSL_ESS_check_signing_certs (ss, ssv2, chain, 1);
  ESS_SIGNING_CERT_free (ss);
  ESS_SIGNING_CERT_V2_free (ssv2);
  if (ess <= 0)
    {
      ERR_clear_error ();
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_SIGNATURE,
                   _("The timestamp token's signing-certificate attribute does not match its signer's certificate."));
      return FALSE;
    }

  p7bio = PKCS7_dataInit (token, NULL);
  if (p7bio != NULL)
    while (BIO_read (p7bio, buf, sizeof buf) > 0)
      ;
  if (p7bio == NULL || PKCS7_signatureVerify (p7bio, token, si, signer) <= 0)
    {
      ERR_clear_error ();
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_SIGNATURE,
                   _("The timestamp token's signature is not valid: the reply was altered or forged."));
      return FALSE;
    }
  *signer_out = g_steal_pointer (&signer);
  return TRUE;
}

static PdTsaToken *
check_reply (StampData *d, GBytes *reply, GError **error)
{
  g_autoptr (TS_RESP) resp = pd_tsa_parse_resp (reply, error);
  g_autoptr (X509) signer = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  TS_TST_INFO *tst;
  TS_MSG_IMPRINT *imprint;
  const ASN1_OBJECT *alg_obj = NULL;
  const ASN1_OCTET_STRING *msg;
  const ASN1_INTEGER *nonce;
  gint64 gen, midpoint;

  if (resp == NULL || !pd_tsa_check_status (resp, error))
    return NULL;
  tst = TS_RESP_get_tst_info (resp);
  if (TS_RESP_get_token (resp) == NULL || tst == NULL)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_GARBAGE,
                   _("The timestamp response says “granted” but carries no token."));
      return NULL;
    }
  /* Signature first: nothing inside a token is worth reading before it is known intact. */
  if (!check_signature (TS_RESP_get_token (resp), &signer, error) ||
      !check_signer_certificate (signer, error))
    return NULL;

  nonce = TS_TST_INFO_get_nonce (tst);
  if (nonce == NULL || ASN1_INTEGER_cmp (nonce, d->nonce) != 0)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_NONCE,
                   _("The timestamp token does not echo our nonce: it may be a replayed or misdirected reply."));
      return NULL;
    }

  imprint = TS_TST_INFO_get_msg_imprint (tst);
  X509_ALGOR_get0 (&alg_obj, NULL, NULL, TS_MSG_IMPRINT_get_algo (imprint));
  msg = TS_MSG_IMPRINT_get_msg (imprint);
  if (OBJ_obj2nid (alg_obj) != EVP_MD_get_type (pd_tsa_digest_md (d->digest_type)) ||
      (gsize) ASN1_STRING_length (msg) != d->digest_len ||
      memcmp (ASN1_STRING_get0_data (msg), d->digest, d->digest_len) != 0)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_IMPRINT,
                   _("The timestamp token covers a different digest than the one sent."));
      return NULL;
    }

  if (d->policy != NULL && OBJ_cmp (d->policy, TS_TST_INFO_get_policy_id (tst)) != 0)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_POLICY,
                   _("The timestamp token was issued under a different policy than the one requested."));
      return NULL;
    }

  token = pd_tsa_token_new_from_resp (resp, reply, d->local, error);
  if (token == NULL)
    return NULL;
  gen = g_date_time_to_unix (token->gen_time) * G_USEC_PER_SEC +
        g_date_time_get_microsecond (token->gen_time);
  if (gen < d->sent - d->tolerance || gen > d->received + d->tolerance)
    {
      g_autofree char *when = pd_time_format_utc (token->gen_time);

      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_TIME,
                   _("The timestamp authority's time (%s) is more than %d seconds away from this computer's clock."),
                   when, (int) (d->tolerance / G_USEC_PER_SEC));
      return NULL;
    }
  midpoint = d->sent + (d->received - d->sent) / 2;
  token->clock_skew = gen - midpoint;
  return g_steal_pointer (&token);
}

/* ---- PdTsaClient ---- */

struct _PdTsaClient
{
  GObject      parent_instance;

  char        *url;
  GUri        *uri;
  SoupSession *session;
  PdLocalTsa  *local;
  char        *policy;
  guint        timeout;
  guint        tolerance;

  GMutex       lock;
  char        *last_chain_pem;
};

G_DEFINE_FINAL_TYPE (PdTsaClient, pd_tsa_client, G_TYPE_OBJECT)

static void
pd_tsa_client_finalize (GObject *object)
{
  PdTsaClient *self = PD_TSA_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_object (&self->local);
  g_clear_pointer (&self->uri, g_uri_unref);
  g_free (self->url);
  g_free (self->policy);
  g_free (self->last_chain_pem);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pd_tsa_client_parent_class)->finalize (object);
}

static void
pd_tsa_client_class_init (PdTsaClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_tsa_client_finalize;
}

static void
pd_tsa_client_init (PdTsaClient *self)
{
  g_mutex_init (&self->lock);
  self->timeout = PD_TSA_DEFAULT_TIMEOUT;
  self->tolerance = PD_TSA_DEFAULT_TOLERANCE;
}

static SoupSession *
make_session (PdTsaClient *self)
{
  return soup_session_new_with_options ("timeout", self->timeout,
                                        "user-agent", "proofdesk/" PACKAGE_VERSION " ",
                                        NULL);
}

PdTsaClient *
pd_tsa_client_new (const char *url, GError **error)
{
  g_autoptr (PdTsaClient) self = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (PD_TYPE_TSA_CLIENT, NULL);
  self->url = g_strdup (url);
  if (g_str_equal (url, PD_TSA_LOCAL))
    {
      self->local = pd_local_tsa_new (NULL, error);
      if (self->local == NULL)
        return NULL;
      return g_steal_pointer (&self);
    }

  self->uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (self->uri == NULL || g_uri_get_host (self->uri) == NULL || *g_uri_get_host (self->uri) == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (self->uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (self->uri), "https") != 0))
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_NETWORK,
                   _("“%s” is not a timestamp authority address (use http://…, https://… or “local”)."),
                   url);
      return NULL;
    }
  self->session = make_session (self);
  return g_steal_pointer (&self);
}

const char *
pd_tsa_client_get_url (PdTsaClient *self)
{
  g_return_val_if_fail (PD_IS_TSA_CLIENT (self), NULL);
  return self->url;
}

gboolean
pd_tsa_client_is_practice (PdTsaClient *self)
{
  g_return_val_if_fail (PD_IS_TSA_CLIENT (self), FALSE);
  return self->local != NULL;
}

PdLocalTsa *
pd_tsa_client_get_local_tsa (PdTsaClient *self)
{
  g_return_val_if_fail (PD_IS_TSA_CLIENT (self), NULL);
  return self->local;
}

void
pd_tsa_client_set_timeout (PdTsaClient *self, guint seconds)
{
  g_return_if_fail (PD_IS_TSA_CLIENT (self));
  g_return_if_fail (seconds > 0);

  self->timeout = seconds;
  if (self->session != NULL)
    g_object_set (self->session, "timeout", seconds, NULL);
}

gboolean
pd_tsa_client_set_policy (PdTsaClient *self, const char *oid, GError **error)
{
  g_return_val_if_fail (PD_IS_TSA_CLIENT (self), FALSE);

  if (oid != NULL)
    {
      g_autoptr (ASN1_OBJECT) obj = OBJ_txt2obj (oid, 1);

      ERR_clear_error ();
      if (obj == NULL)
        {
          g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_POLICY,
                       _("“%s” is not a policy OID (expected dotted numbers such as 1.2.3.4)."), oid);
          return FALSE;
        }
    }
  g_free (self->policy);
  self->policy = g_strdup (oid);
  return TRUE;
}

void
pd_tsa_client_set_tolerance (PdTsaClient *self, guint seconds)
{
  g_return_if_fail (PD_IS_TSA_CLIENT (self));
  self->tolerance = seconds;
}

char *
pd_tsa_client_get_chain_pem (PdTsaClient *self)
{
  char *pem;

  g_return_val_if_fail (PD_IS_TSA_CLIENT (self), NULL);

  if (self->local != NULL)
    return pd_local_tsa_get_chain_pem (self->local);
  g_mutex_lock (&self->lock);
  pem = g_strdup (self->last_chain_pem);
  g_mutex_unlock (&self->lock);
  return pem;
}

/* Builds the DER TimeStampReq: imprint, 64-bit random nonce, certReq, optional policy. */
static gboolean
build_request (StampData *d, GError **error)
{
  g_autoptr (TS_REQ) req = TS_REQ_new ();
  g_autoptr (TS_MSG_IMPRINT) imprint = TS_MSG_IMPRINT_new ();
  g_autoptr (BIGNUM) bn = NULL;
  X509_ALGOR *alg = X509_ALGOR_new ();
  guint8 nonce[8];
  guint8 *der = NULL;
  gboolean ok;
  int len;

  /* Parameters NULL, as `openssl ts -query` and most TSAs expect. */
  ok = req != NULL && imprint != NULL && alg != NULL &&
       X509_ALGOR_set0 (alg, OBJ_nid2obj (EVP_MD_get_type (pd_tsa_digest_md (d->digest_type))),
                        V_ASN1_NULL, NULL) &&
       TS_MSG_IMPRINT_set_algo (imprint, alg) &&
       TS_MSG_IMPRINT_set_msg (imprint, d->digest, (int) d->digest_len) &&
       TS_REQ_set_version (req, 1) && TS_REQ_set_msg_imprint (req, imprint) &&
       RAND_bytes (nonce, sizeof nonce) == 1 &&
       (bn = BN_bin2bn (nonce, sizeof nonce, NULL)) != NULL &&
       (d->nonce = BN_to_ASN1_INTEGER (bn, NULL)) != NULL &&
       TS_REQ_set_nonce (req, d->nonce) &&
       TS_REQ_set_cert_req (req, 1) &&
       (d->policy == NULL || TS_REQ_set_policy_id (req, d->policy)) &&
       (len = i2d_TS_REQ (req, &der)) > 0;
  X509_ALGOR_free (alg);
  ERR_clear_error ();
  if (!ok)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_LOCAL,
                   _("Cannot build the timestamp request."));
      return FALSE;
    }
  d->request = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return TRUE;
}

static void
remember_chain (PdTsaClient *self, PdTsaToken *token)
{
  if (token->certs_pem == NULL)
    return;
  g_mutex_lock (&self->lock);
  g_free (self->last_chain_pem);
  self->last_chain_pem = g_strdup (token->certs_pem);
  g_mutex_unlock (&self->lock);
}

static void
stamp_local_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  StampData *d = task_data;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  PdTsaToken *token;

  /* One local stamp at a time: each takes about a millisecond, and OpenSSL 3.0's decoders
   * have proved fragile when several threads create them at once. */
  static GMutex local_lock;

  g_mutex_lock (&local_lock);
  reply = pd_local_tsa_respond (d->local, d->request, &error);
  d->received = g_get_real_time ();
  token = reply ? check_reply (d, reply, &error) : NULL;
  g_mutex_unlock (&local_lock);
  if (token == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, token, g_object_unref);
}

static void
return_io_error (GTask *task, StampData *d, GError *error)
{
  if (d->timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_task_return_new_error (task, PD_TSA_ERROR, PD_TSA_ERROR_TIMEOUT,
                             g_dngettext (GETTEXT_PACKAGE,
                                          "The timestamp authority at %s did not answer within %u second.",
                                          "The timestamp authority at %s did not answer within %u seconds.",
                                          d->timeout),
                             d->url, d->timeout);
  else if (g_cancellable_is_cancelled (d->user_cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Timestamping was cancelled."));
  else
    g_task_return_new_error (task, PD_TSA_ERROR, PD_TSA_ERROR_NETWORK,
                             _("Cannot reach the timestamp authority at %s: %s"), d->url,
                             error->message);
  g_error_free (error);
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  StampData *d = g_task_get_task_data (task);
  g_autoptr (GBytes) reply = NULL;
  GError *error = NULL;
  PdTsaToken *token;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, &error))
    {
      return_io_error (task, d, error);
      return;
    }
  d->received = g_get_real_time ();
  clear_source (&d->timeout_source);
  if (n > PD_TSA_MAX_REPLY_SIZE)
    {
      g_task_return_new_error (task, PD_TSA_ERROR, PD_TSA_ERROR_GARBAGE,
                               _("The timestamp authority's reply is far too large to be a timestamp."));
      return;
    }
  reply = g_bytes_new (d->body, n);
  token = check_reply (d, reply, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  remember_chain (g_task_get_source_object (task), token);
  g_task_return_pointer (task, token, g_object_unref);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  StampData *d = g_task_get_task_data (task);
  g_autoptr (GInputStream) stream = NULL;
  GError *error = NULL;
  const char *content_type;
  guint status;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (stream == NULL)
    {
      return_io_error (task, d, error);
      return;
    }
  status = soup_message_get_status (d->msg);
  if (status != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, PD_TSA_ERROR, PD_TSA_ERROR_HTTP,
                               _("The timestamp authority answered HTTP %u (%s)."), status,
                               soup_message_get_reason_phrase (d->msg));
      return;
    }
  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (d->msg), NULL);
  /* "application/timestamp-response" is what some older servers still send. */
  if (content_type == NULL ||
      (g_ascii_strcasecmp (content_type, "application/timestamp-reply") != 0 &&
       g_ascii_strcasecmp (content_type, "application/timestamp-response") != 0))
    {
      g_task_return_new_error (task, PD_TSA_ERROR, PD_TSA_ERROR_CONTENT_TYPE,
                               _("The timestamp authority answered with “%s” instead of a timestamp reply."),
                               content_type ? content_type : "?");
      return;
    }
  /* One byte more than allowed tells an oversized reply from one that just fits. */
  d->body = g_malloc (PD_TSA_MAX_REPLY_SIZE + 1);
  g_input_stream_read_all_async (stream, d->body, PD_TSA_MAX_REPLY_SIZE + 1, G_PRIORITY_DEFAULT,
                                 d->cancellable, on_read, g_steal_pointer (&task));
}

static gboolean
on_timeout (gpointer user_data)
{
  StampData *d = user_data;

  d->timed_out = TRUE;
  g_cancellable_cancel (d->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_user_cancelled (GCancellable *user_cancellable, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
stamp_start (PdTsaClient        *self,
             SoupSession        *session,
             PdTsaDigest         digest_type,
             const guint8       *digest,
             gsize               digest_len,
             GCancellable       *cancellable,
             GAsyncReadyCallback callback,
             gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  StampData *d = g_new0 (StampData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, pd_tsa_client_stamp_async);
  g_task_set_task_data (task, d, (GDestroyNotify) stamp_data_free);
  d->digest_type = digest_type;
  d->url = g_strdup (self->url);
  d->timeout = self->timeout;
  d->tolerance = (gint64) self->tolerance * G_USEC_PER_SEC;
  d->local = self->local ? g_object_ref (self->local) : NULL;
  if (pd_tsa_digest_md (digest_type) == NULL || digest_len != pd_tsa_digest_get_length (digest_type))
    {
      g_task_return_new_error (task, PD_TSA_ERROR, PD_TSA_ERROR_IMPRINT,
                               _("The digest to timestamp has the wrong length."));
      return;
    }
  memcpy (d->digest, digest, digest_len);
  d->digest_len = digest_len;
  if (self->policy != NULL)
    d->policy = OBJ_txt2obj (self->policy, 1);
  if (!build_request (d, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  d->sent = g_get_real_time ();
  if (self->local != NULL)
    {
      /* Signing is quick but still CPU work: keep it off the main loop. */
      g_task_run_in_thread (task, stamp_local_thread);
      return;
    }

  d->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      d->user_cancellable = g_object_ref (cancellable);
      d->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_user_cancelled),
                                            d->cancellable, NULL);
    }
  /* Our own deadline for the whole exchange; the session's timeout only covers idle I/O. */
  d->timeout_source = g_timeout_source_new_seconds (self->timeout);
  g_source_set_callback (d->timeout_source, on_timeout, d, NULL);
  g_source_attach (d->timeout_source, g_main_context_get_thread_default ());

  d->msg = soup_message_new_from_uri (SOUP_METHOD_POST, self->uri);
  soup_message_set_request_body_from_bytes (d->msg, "application/timestamp-query", d->request);
  soup_message_headers_replace (soup_message_get_request_headers (d->msg), "Accept",
                                "application/timestamp-reply");
  soup_session_send_async (session, d->msg, G_PRIORITY_DEFAULT, d->cancellable, on_sent,
                           g_steal_pointer (&task));
}

void
pd_tsa_client_stamp_async (PdTsaClient        *self,
                           PdTsaDigest         digest_type,
                           const guint8       *digest,
                           gsize               digest_len,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_return_if_fail (PD_IS_TSA_CLIENT (self));
  g_return_if_fail (digest != NULL);

  stamp_start (self, self->session, digest_type, digest, digest_len, cancellable, callback,
               user_data);
}

PdTsaToken *
pd_tsa_client_stamp_finish (PdTsaClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (PD_IS_TSA_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

PdTsaToken *
pd_tsa_client_stamp (PdTsaClient  *self,
                     PdTsaDigest   digest_type,
                     const guint8 *digest,
                     gsize         digest_len,
                     GCancellable *cancellable,
                     GError      **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (SoupSession) session = NULL;
  PdTsaToken *token;

  g_return_val_if_fail (PD_IS_TSA_CLIENT (self), NULL);
  g_return_val_if_fail (digest != NULL, NULL);

  /* A private context and session: callable from any thread, and the caller's main loop
   * does not run (or get re-entered) while we wait. */
  g_main_context_push_thread_default (context);
  if (self->local == NULL)
    session = make_session (self);
  stamp_start (self, session, digest_type, digest, digest_len, cancellable, on_sync_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  token = pd_tsa_client_stamp_finish (self, result, error);
  g_clear_object (&result);
  if (session != NULL)
    soup_session_abort (session);
  g_clear_object (&session);
  while (g_main_context_pending (context))
    g_main_context_iteration (context, FALSE);
  g_main_context_pop_thread_default (context);
  return token;
}
