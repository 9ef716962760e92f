/* pd-local-tsa.c — the built-in practice TSA: a CA and TSA key made on first use, RFC 3161 signing. */
#define G_LOG_DOMAIN "pd-local-tsa"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>

#include "util/pd-error.h"
#include "timestamp/pd-local-tsa.h"
#include "util/pd-private.h"
#include "util/pd-util.h"

#define CA_KEY_NAME   "practice-ca.key"
#define TSA_CERT_NAME "practice-tsa.pem"
#define TSA_KEY_NAME  "practice-tsa.key"

#define PRACTICE_ORG     PD_LOCAL_TSA_ORG
#define PRACTICE_CA_CN   "Proofdesk Practice Root CA — NOT FOR COURT"
#define PRACTICE_TSA_CN  "Proofdesk Practice TSA — NOT FOR COURT"
#define VALIDITY_DAYS    3650
/* A TimeStampReq is a few hundred bytes; anything this large is not one. */
#define MAX_REQUEST_SIZE (64 * 1024)

struct _PdLocalTsa
{
  GObject      parent_instance;

  /* Owned references */
  char        *dir;
  char        *ca_path;
  X509        *ca_cert;
  X509        *tsa_cert;
  EVP_PKEY    *tsa_key;
  SoupServer  *server;

  /* TS_RESP_CTX keeps per-request state, so one request at a time goes through it. */
  GMutex       lock;
  TS_RESP_CTX *resp_ctx;
};

G_DEFINE_FINAL_TYPE (PdLocalTsa, pd_local_tsa, G_TYPE_OBJECT)

static void
pd_local_tsa_finalize (GObject *object)
{
  PdLocalTsa *self = PD_LOCAL_TSA (object);

  pd_local_tsa_stop_serving (self);
  g_clear_pointer (&self->resp_ctx, TS_RESP_CTX_free);
  g_clear_pointer (&self->ca_cert, X509_free);
  g_clear_pointer (&self->tsa_cert, X509_free);
  g_clear_pointer (&self->tsa_key, EVP_PKEY_free);
  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->ca_path, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pd_local_tsa_parent_class)->finalize (object);
}

static void
pd_local_tsa_class_init (PdLocalTsaClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_local_tsa_finalize;
}

static void
pd_local_tsa_init (PdLocalTsa *self)
{
  g_mutex_init (&self->lock);
}

static gboolean
set_openssl_error (GError **error, const char *what)
{
  unsigned long code = ERR_get_error ();
  char buf[256] = "";

  if (code != 0)
    ERR_error_string_n (code, buf, sizeof buf);
  ERR_clear_error ();
  g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_LOCAL, _("The practice timestamp authority failed: %s (%s)."),
               what, buf[0] ? buf : "no detail");
  return FALSE;
}

static gboolean
add_ext (X509 *cert, X509V3_CTX *v3, int nid, const char *value)
{
  g_autoptr (X509_EXTENSION) ext = X509V3_EXT_nconf_nid (NULL, v3, nid, value);

  return ext != NULL && X509_add_ext (cert, ext, -1);
}

static gboolean
set_random_serial (X509 *cert)
{
  g_autoptr (BIGNUM) bn = BN_new ();

  return bn != NULL && BN_rand (bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
         BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (cert)) != NULL;
}

/* A certificate for `key` named `cn`, signed by issuer (self-signed when issuer is NULL). */
static X509 *
make_certificate (EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
  g_autoptr (X509) cert = X509_new ();
  g_autoptr (X509_NAME) name = X509_NAME_new ();
  X509V3_CTX v3;
  gboolean ok;

  if (cert == NULL || name == NULL)
    return NULL;
  ok = X509_set_version (cert, X509_VERSION_3) && set_random_serial (cert) &&
       /* An hour of slack so a workstation clock a little behind does not reject it. */
       X509_gmtime_adj (X509_getm_notBefore (cert), -3600) &&
       X509_time_adj_ex (X509_getm_notAfter (cert), VALIDITY_DAYS, 0, NULL) &&
       X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const guchar *) PRACTICE_ORG, -1, -1, 0) &&
       X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const guchar *) cn, -1, -1, 0) &&
       X509_set_subject_name (cert, name) &&
       X509_set_issuer_name (cert, issuer ? X509_get_subject_name (issuer) : name) &&
       X509_set_pubkey (cert, key);
  if (!ok)
    return NULL;

  X509V3_set_ctx (&v3, issuer ? issuer : cert, cert, NULL, NULL, 0);
  if (issuer == NULL)
    ok = add_ext (cert, &v3, NID_basic_constraints, "critical,CA:TRUE") &&
         add_ext (cert, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_ext (cert, &v3, NID_subject_key_identifier, "hash");
  else
    ok = add_ext (cert, &v3, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext (cert, &v3, NID_key_usage, "critical,digitalSignature") &&
         add_ext (cert, &v3, NID_ext_key_usage, "critical,timeStamping") &&
         add_ext (cert, &v3, NID_subject_key_identifier, "hash") &&
         add_ext (cert, &v3, NID_authority_key_identifier, "keyid:always");
  if (!ok || !X509_sign (cert, issuer_key ? issuer_key : key, EVP_sha256 ()))
    return NULL;
  return g_steal_pointer (&cert);
}

static GBytes *
bio_to_bytes (BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);

  return g_bytes_new (data, len > 0 ? (gsize) len : 0);
}

static gboolean
write_pem (const char *dir, const char *name, X509 *cert, EVP_PKEY *key, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local_error = NULL;

  if (bio == NULL || (cert && !PEM_write_bio_X509 (bio, cert)) ||
      (key && !PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL)))
    return set_openssl_error (error, "PEM");
  bytes = bio_to_bytes (bio);
  /* Created 0600 with O_EXCL, so a key is never readable by others, not even briefly. */
  if (!pd_write_file_once (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                           &local_error))
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_LOCAL, "%s", local_error->message);
      return FALSE;
    }
  if (key == NULL && g_chmod (path, 0644) != 0)
    {
      int saved = errno;
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_LOCAL, _("Cannot change the mode of “%s”: %s"),
                   path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static void
remove_dir (const char *dir)
{
  const char *names[] = { PD_LOCAL_TSA_CA_NAME, CA_KEY_NAME, TSA_CERT_NAME, TSA_KEY_NAME };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* Makes the CA and TSA in a private temporary folder and renames it into place, so another
 * process never sees a half-made authority; if one beat us to it, theirs is kept. */
static gboolean
create_authority (const char *dir, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *tmp = NULL;
  g_autoptr (EVP_PKEY) ca_key = NULL;
  g_autoptr (EVP_PKEY) tsa_key = NULL;
  g_autoptr (X509) ca = NULL;
  g_autoptr (X509) tsa = NULL;

  if (!pd_mkdir_private (parent, error))
    return FALSE;
  tmp = g_build_filename (parent, ".local-tsa-XXXXXX", NULL);
  if (g_mkdtemp_full (tmp, 0700) == NULL)
    {
      int saved = errno;
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_LOCAL, _("Cannot create the folder “%s”: %s"),
                   tmp, g_strerror (saved));
      return FALSE;
    }

  ca_key = EVP_EC_gen ("P-256");
  tsa_key = EVP_EC_gen ("P-256");
  if (ca_key == NULL || tsa_key == NULL)
    {
      remove_dir (tmp);
      return set_openssl_error (error, "key generation");
    }
  ca = make_certificate (ca_key, PRACTICE_CA_CN, NULL, NULL);
  tsa = ca ? make_certificate (tsa_key, PRACTICE_TSA_CN, ca, ca_key) : NULL;
  if (tsa == NULL)
    {
      remove_dir (tmp);
      return set_openssl_error (error, "certificate");
    }
  /* The CA key is kept only so a future version can renew the TSA certificate. */
  if (!write_pem (tmp, CA_KEY_NAME, NULL, ca_key, error) ||
      !write_pem (tmp, TSA_KEY_NAME, NULL, tsa_key, error) ||
      !write_pem (tmp, PD_LOCAL_TSA_CA_NAME, ca, NULL, error) ||
      !write_pem (tmp, TSA_CERT_NAME, tsa, NULL, error))
    {
      remove_dir (tmp);
      return FALSE;
    }
  if (g_rename (tmp, dir) != 0)
    {
      int saved = errno;

      remove_dir (tmp);
      if (saved != EEXIST && saved != ENOTEMPTY)
        {
          g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_LOCAL, _("Cannot create the folder “%s”: %s"),
                       dir, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_pem (const char *dir, const char *name, X509 **cert, EVP_PKEY **key, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = NULL;
  g_autoptr (BIO) bio = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, error))
    {
      g_prefix_error (error, "%s ", _("The practice timestamp authority is damaged:"));
      return FALSE;
    }
  bio = BIO_new_mem_buf (data, (int) len);
  if (cert)
    *cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  else
    *key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  if ((cert && *cert == NULL) || (key && *key == NULL))
    return set_openssl_error (error, path);
  return TRUE;
}

static ASN1_INTEGER *
random_serial_cb (TS_RESP_CTX *ctx, void *data)
{
  g_autoptr (BIGNUM) bn = BN_new ();
  ASN1_INTEGER *serial = NULL;

  /* 128 random bits: unique without a counter file that two processes would have to share. */
  if (bn != NULL && BN_rand (bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
    serial = BN_to_ASN1_INTEGER (bn, NULL);
  if (serial == NULL)
    {
      TS_RESP_CTX_set_status_info (ctx, TS_STATUS_REJECTION, "Error during serial number generation.");
      TS_RESP_CTX_add_failure_info (ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
    }
  return serial;
}

static gboolean
setup_resp_ctx (PdLocalTsa *self, GError **error)
{
  g_autoptr (ASN1_OBJECT) policy = OBJ_txt2obj (PD_LOCAL_TSA_POLICY_OID, 1);
  g_autoptr (PdX509Stack) certs = sk_X509_new_null ();
  TS_RESP_CTX *ctx = TS_RESP_CTX_new ();

  self->resp_ctx = ctx;
  if (ctx == NULL || policy == NULL || certs == NULL || !sk_X509_push (certs, X509_dup (self->ca_cert)))
    return set_openssl_error (error, "setup");
  if (!TS_RESP_CTX_set_signer_cert (ctx, self->tsa_cert) ||
      !TS_RESP_CTX_set_signer_key (ctx, self->tsa_key) ||
      !TS_RESP_CTX_set_signer_digest (ctx, EVP_sha256 ()) ||
      /* Non-SHA-1 digest: ESS signing-certificate v2 (RFC 5816). */
      !TS_RESP_CTX_set_ess_cert_id_digest (ctx, EVP_sha256 ()) ||
      !TS_RESP_CTX_set_def_policy (ctx, policy) ||
      !TS_RESP_CTX_set_certs (ctx, certs) ||
      !TS_RESP_CTX_add_md (ctx, EVP_sha256 ()) ||
      !TS_RESP_CTX_add_md (ctx, EVP_sha384 ()) ||
      !TS_RESP_CTX_add_md (ctx, EVP_sha512 ()) ||
      !TS_RESP_CTX_set_accuracy (ctx, 1, 0, 0) ||
      !TS_RESP_CTX_set_clock_precision_digits (ctx, 3))
    return set_openssl_error (error, "setup");
  TS_RESP_CTX_add_flags (ctx, TS_TSA_NAME);
  TS_RESP_CTX_set_serial_cb (ctx, random_serial_cb, NULL);
  return TRUE;
}

PdLocalTsa *
pd_local_tsa_new (const char *dir, GError **error)
{
  g_autoptr (PdLocalTsa) self = g_object_new (PD_TYPE_LOCAL_TSA, NULL);
  g_autofree char *ca_key_path = NULL;

  if (dir != NULL)
    self->dir = g_strdup (dir);
  else
    {
      g_autofree char *data = pd_data_dir ();
      self->dir = g_build_filename (data, PD_LOCAL_TSA_DIRNAME, NULL);
    }
  self->ca_path = g_build_filename (self->dir, PD_LOCAL_TSA_CA_NAME, NULL);

  if (!g_file_test (self->dir, G_FILE_TEST_IS_DIR) && !create_authority (self->dir, error))
    return NULL;
  if (!read_pem (self->dir, PD_LOCAL_TSA_CA_NAME, &self->ca_cert, NULL, error) ||
      !read_pem (self->dir, TSA_CERT_NAME, &self->tsa_cert, NULL, error) ||
      !read_pem (self->dir, TSA_KEY_NAME, NULL, &self->tsa_key, error) ||
      !setup_resp_ctx (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

GBytes *
pd_local_tsa_respond (PdLocalTsa *self, GBytes *request, GError **error)
{
  g_autoptr (BIO) in = NULL;
  g_autoptr (TS_RESP) resp = NULL;
  GBytes *bytes;
  guint8 *der = NULL;
  int len;

  g_return_val_if_fail (PD_IS_LOCAL_TSA (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);

  in = BIO_new_mem_buf (g_bytes_get_data (request, NULL), (int) g_bytes_get_size (request));
  g_mutex_lock (&self->lock);
  resp = in ? TS_RESP_create_response (self->resp_ctx, in) : NULL;
  g_mutex_unlock (&self->lock);
  if (resp == NULL || (len = i2d_TS_RESP (resp, &der)) <= 0)
    {
      set_openssl_error (error, "signing");
      return NULL;
    }
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

const char *
pd_local_tsa_get_dir (PdLocalTsa *self)
{
  g_return_val_if_fail (PD_IS_LOCAL_TSA (self), NULL);
  return self->dir;
}

const char *
pd_local_tsa_get_ca_path (PdLocalTsa *self)
{
  g_return_val_if_fail (PD_IS_LOCAL_TSA (self), NULL);
  return self->ca_path;
}

static char *
certs_to_pem (X509 *first, X509 *second)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  if (bio == NULL || !PEM_write_bio_X509 (bio, first) || (second && !PEM_write_bio_X509 (bio, second)))
    return NULL;
  len = BIO_get_mem_data (bio, &data);
  return g_strndup (data, (gsize) len);
}

char *
pd_local_tsa_get_ca_pem (PdLocalTsa *self)
{
  g_return_val_if_fail (PD_IS_LOCAL_TSA (self), NULL);
  return certs_to_pem (self->ca_cert, NULL);
}

char *
pd_local_tsa_get_chain_pem (PdLocalTsa *self)
{
  g_return_val_if_fail (PD_IS_LOCAL_TSA (self), NULL);
  return certs_to_pem (self->tsa_cert, self->ca_cert);
}

static gboolean
certificate_matches (X509 *ca, X509 *tsa, const guint8 *der, gsize len)
{
  const guint8 *p = der;
  g_autoptr (X509) cert = NULL;

  if (der == NULL || len == 0 || len > G_MAXLONG)
    return FALSE;
  cert = d2i_X509 (NULL, &p, (long) len);
  if (cert == NULL)
    return FALSE;
  if ((tsa != NULL && X509_cmp (cert, tsa) == 0) || X509_cmp (cert, ca) == 0)
    return TRUE;
  /* Issued by our CA: a name can be copied, the CA's signature cannot. */
  return X509_check_issued (ca, cert) == X509_V_OK && X509_verify (cert, X509_get0_pubkey (ca)) == 1;
}

gboolean
pd_local_tsa_owns_certificate (PdLocalTsa *self, const guint8 *der, gsize len)
{
  g_return_val_if_fail (PD_IS_LOCAL_TSA (self), FALSE);

  return certificate_matches (self->ca_cert, self->tsa_cert, der, len);
}

gboolean
pd_local_tsa_certificate_is_practice (const guint8 *der, gsize len)
{
  g_autofree char *data = pd_data_dir ();
  g_autofree char *dir = g_build_filename (data, PD_LOCAL_TSA_DIRNAME, NULL);
  g_autoptr (X509) ca = NULL;
  g_autoptr (X509) tsa = NULL;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) ||
      !read_pem (dir, PD_LOCAL_TSA_CA_NAME, &ca, NULL, NULL))
    return FALSE;
  read_pem (dir, TSA_CERT_NAME, &tsa, NULL, NULL);
  return certificate_matches (ca, tsa, der, len);
}

/* HTTP front end. */

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PdLocalTsa *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr (GBytes) request = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  if (content_type == NULL || g_ascii_strcasecmp (content_type, "application/timestamp-query") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, NULL);
      return;
    }
  request = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (request) > MAX_REQUEST_SIZE)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
      return;
    }
  reply = pd_local_tsa_respond (self, request, &error);
  if (reply == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/timestamp-reply", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
}

gboolean
pd_local_tsa_serve (PdLocalTsa *self, guint16 port, GError **error)
{
  g_autoptr (SoupServer) server = NULL;

  g_return_val_if_fail (PD_IS_LOCAL_TSA (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  server = soup_server_new ("server-header", "proofdesk-practice-tsa ", NULL);
  soup_server_add_handler (server, NULL, on_request, self, NULL);
  /* Loopback only: a practice authority has no business on the network. */
  if (!soup_server_listen_local (server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return FALSE;
  self->server = g_steal_pointer (&server);
  return TRUE;
}

char *
pd_local_tsa_get_url (PdLocalTsa *self)
{
  GSList *uris;
  char *url = NULL;

  g_return_val_if_fail (PD_IS_LOCAL_TSA (self), NULL);

  if (self->server == NULL)
    return NULL;
  uris = soup_server_get_uris (self->server);
  if (uris != NULL)
    url = g_strdup_printf ("http://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

void
pd_local_tsa_stop_serving (PdLocalTsa *self)
{
  g_return_if_fail (PD_IS_LOCAL_TSA (self));

  if (self->server == NULL)
    return;
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
}
