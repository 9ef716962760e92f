/* pd-verify.c — the one strict verifier of RFC 3161 tokens, files and evidence packages. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "timestamp/pd-local-tsa.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"

/*
 * Why not TS_RESP_verify_response()?  It checks the signer's chain against the current time
 * (there is no way to pass genTime as the verification time), it stops at the first problem
 * and reports one error code, and it cannot tell "not trusted here" from "broken". A court
 * needs each check named and the chain judged as of genTime, so the same steps are done here
 * one by one with OpenSSL primitives: PKCS7_signatureVerify for the CMS signature,
 * OSSL_ESS_check_signing_certs for the ESS certificate id, and X509_verify_cert with
 * X509_STORE_CTX_set_time (genTime) and the time-stamping purpose for the chain.
 */

#define TOKEN_MAX_SIZE    (4 * 1024 * 1024)
#define PDF_MAX_SIZE      (256 * 1024 * 1024)
#define MANIFEST_MAX_SIZE (64 * 1024 * 1024)
#define CHAIN_MAX_SIZE    (1024 * 1024)
#define READ_CHUNK        (1 << 20)
#define WALK_MAX_DEPTH    16

#define TRUSTED_DIRNAME   "trusted-tsa"
#define CERTIFICATE_NAME  "certificate.pdf"
#define MANIFEST_TSR_NAME "manifest.json.tsr"
#define TSA_CHAIN_NAME    "tsa-chain.pem"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ESS_SIGNING_CERT, ESS_SIGNING_CERT_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free)

/* ------------------------------------------------------------------------------------------ */
/* Trust store                                                                                */

struct _PdTrustStore
{
  gatomicrefcount ref;
  X509_STORE     *store;
  STACK_OF (X509) *untrusted;
  STACK_OF (X509) *practice;  /* practice roots; also anchors in `store` */
};

G_DEFINE_BOXED_TYPE (PdTrustStore, pd_trust_store, pd_trust_store_ref, pd_trust_store_unref)

PdTrustStore *
pd_trust_store_new (void)
{
  PdTrustStore *self = g_new0 (PdTrustStore, 1);

  g_atomic_ref_count_init (&self->ref);
  self->store = X509_STORE_new ();
  self->untrusted = sk_X509_new_null ();
  self->practice = sk_X509_new_null ();
  return self;
}

PdTrustStore *
pd_trust_store_ref (PdTrustStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
pd_trust_store_unref (PdTrustStore *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  X509_STORE_free (self->store);
  sk_X509_pop_free (self->untrusted, X509_free);
  sk_X509_pop_free (self->practice, X509_free);
  g_free (self);
}

/* Drains OpenSSL's error queue of this thread into one line of text (or NULL). */
static char *
ossl_errors (void)
{
  g_autoptr (GString) out = NULL;
  unsigned long e;

  while ((e = ERR_get_error ()) != 0)
    {
      char buf[256];

      ERR_error_string_n (e, buf, sizeof buf);
      if (out == NULL)
        out = g_string_new (buf);
      else
        g_string_append_printf (out, "; %s", buf);
    }
  return out ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* Reads every certificate of a PEM (or single DER) file. */
static PdX509Stack *
load_certificates (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (PdX509Stack) certs = sk_X509_new_null ();
  g_autoptr (BIO) bio = NULL;
  X509 *cert;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  bio = BIO_new_mem_buf (contents, (int) MIN (len, (gsize) G_MAXINT));
  while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    sk_X509_push (certs, cert);
  ERR_clear_error ();
  if (sk_X509_num (certs) == 0)
    {
      const unsigned char *p = (const unsigned char *) contents;

      cert = d2i_X509 (NULL, &p, (long) len);
      ERR_clear_error ();
      if (cert != NULL)
        sk_X509_push (certs, cert);
    }
  if (sk_X509_num (certs) == 0)
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT,
                   _("“%s” contains no certificate."), path);
      return NULL;
    }
  return g_steal_pointer (&certs);
}

static gboolean
store_add_anchors (PdTrustStore *self, const char *path, gboolean practice, GError **error)
{
  g_autoptr (PdX509Stack) certs = load_certificates (path, error);

  if (certs == NULL)
    return FALSE;
  for (int i = 0; i < sk_X509_num (certs); i++)
    {
      X509 *cert = sk_X509_value (certs, i);

      /* A duplicate is not an error worth reporting. */
      X509_STORE_add_cert (self->store, cert);
      ERR_clear_error ();
      if (practice && X509_up_ref (cert))
        sk_X509_push (self->practice, cert);
    }
  return TRUE;
}

gboolean
pd_trust_store_add_system (PdTrustStore *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!X509_STORE_set_default_paths (self->store))
    {
      g_autofree char *why = ossl_errors ();
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO,
                   _("The system's certificate authorities cannot be loaded: %s"),
                   why ? why : "?");
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_trust_store_add_ca_file (PdTrustStore *self, const char *path, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return store_add_anchors (self, path, FALSE, error);
}

gboolean
pd_trust_store_add_practice_root_file (PdTrustStore *self, const char *path, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return store_add_anchors (self, path, TRUE, error);
}

gboolean
pd_trust_store_add_practice_root (PdTrustStore *self, GError **error)
{
  g_autofree char *data_dir = pd_data_dir ();
  /* The practice TSA names its root PD_LOCAL_TSA_CA_NAME; "ca.pem" is the older name. */
  const char *names[] = { PD_LOCAL_TSA_CA_NAME, "ca.pem" };

  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (data_dir, PD_LOCAL_TSA_DIRNAME, names[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return store_add_anchors (self, path, TRUE, error);
    }
  return TRUE;
}

gboolean
pd_trust_store_add_configured (PdTrustStore *self, GError **error)
{
  g_autofree char *data_dir = pd_data_dir ();
  g_autofree char *dir_path = g_build_filename (data_dir, TRUSTED_DIRNAME, NULL);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_return_val_if_fail (self != NULL, FALSE);

  dir = g_dir_open (dir_path, 0, NULL);
  if (dir == NULL)
    return TRUE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".pem"))
      g_ptr_array_add (names, g_build_filename (dir_path, name, NULL));
  for (guint i = 0; i < names->len; i++)
    if (!store_add_anchors (self, g_ptr_array_index (names, i), FALSE, error))
      return FALSE;
  return TRUE;
}

gboolean
pd_trust_store_add_untrusted_file (PdTrustStore *self, const char *path, GError **error)
{
  g_autoptr (PdX509Stack) certs = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  certs = load_certificates (path, error);
  if (certs == NULL)
    return FALSE;
  while (sk_X509_num (certs) > 0)
    sk_X509_push (self->untrusted, sk_X509_shift (certs));
  return TRUE;
}

PdTrustStore *
pd_trust_store_new_default (GError **error)
{
  g_autoptr (PdTrustStore) self = pd_trust_store_new ();

  if (!pd_trust_store_add_system (self, error) ||
      !pd_trust_store_add_configured (self, error) ||
      !pd_trust_store_add_practice_root (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static gboolean
trust_store_is_practice (PdTrustStore *self, X509 *anchor)
{
  for (int i = 0; i < sk_X509_num (self->practice); i++)
    if (X509_cmp (sk_X509_value (self->practice, i), anchor) == 0)
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Result                                                                                     */

struct _PdVerifyResult
{
  gatomicrefcount ref;
  PdVerdict       verdict;
  GPtrArray      *checks;     /* of PdVerifyCheck */
  char           *summary;
  GDateTime      *gen_time;
  gboolean        practice;   /* some token chains to the practice root */
  gboolean        has_tamper;
  guint64         intact_up_to;
  guint           tamper_checkpoint;
  char           *tamper_stream_time;
  char           *tamper_sentence;
};

G_DEFINE_BOXED_TYPE (PdVerifyResult, pd_verify_result, pd_verify_result_ref,
                     pd_verify_result_unref)

static void
pd_verify_check_free (PdVerifyCheck *check)
{
  g_free (check->id);
  g_free (check->subject);
  g_free (check->message);
  g_free (check->detail);
  g_free (check);
}

static PdVerifyResult *
pd_verify_result_new (void)
{
  PdVerifyResult *self = g_new0 (PdVerifyResult, 1);

  g_atomic_ref_count_init (&self->ref);
  self->verdict = PD_VERDICT_INVALID;
  self->checks = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_verify_check_free);
  return self;
}

PdVerifyResult *
pd_verify_result_ref (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
pd_verify_result_unref (PdVerifyResult *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  g_ptr_array_unref (self->checks);
  g_free (self->summary);
  g_clear_pointer (&self->gen_time, g_date_time_unref);
  g_free (self->tamper_stream_time);
  g_free (self->tamper_sentence);
  g_free (self);
}

PdVerdict
pd_verify_result_get_verdict (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, PD_VERDICT_ERROR);
  return self->verdict;
}

GPtrArray *
pd_verify_result_get_checks (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->checks;
}

const PdVerifyCheck *
pd_verify_result_find_check (PdVerifyResult *self, const char *id, const char *subject)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->checks->len; i++)
    {
      const PdVerifyCheck *check = g_ptr_array_index (self->checks, i);

      if (g_str_equal (check->id, id) && (subject == NULL || g_strcmp0 (subject, check->subject) == 0))
        return check;
    }
  return NULL;
}

guint
pd_verify_result_count_failed (PdVerifyResult *self)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (guint i = 0; i < self->checks->len; i++)
    if (((PdVerifyCheck *) g_ptr_array_index (self->checks, i))->status == PD_CHECK_FAILED)
      n++;
  return n;
}

const char *
pd_verify_result_get_summary (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->summary;
}

GDateTime *
pd_verify_result_get_gen_time (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->gen_time;
}

gboolean
pd_verify_result_get_tamper_location (PdVerifyResult *self, guint64 *intact_up_to,
                                      guint *checkpoint, const char **stream_time)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->has_tamper)
    return FALSE;
  if (intact_up_to)
    *intact_up_to = self->intact_up_to;
  if (checkpoint)
    *checkpoint = self->tamper_checkpoint;
  if (stream_time)
    *stream_time = self->tamper_stream_time;
  return TRUE;
}

const char *
pd_verdict_to_string (PdVerdict verdict)
{
  switch (verdict)
    {
    case PD_VERDICT_VALID:               return "valid";
    case PD_VERDICT_VALID_PRACTICE:      return "valid-practice";
    case PD_VERDICT_UNTRUSTED_AUTHORITY: return "untrusted-authority";
    case PD_VERDICT_INVALID:             return "invalid";
    case PD_VERDICT_ERROR:
    default:                             return "error";
    }
}

const char *
pd_verdict_describe (PdVerdict verdict)
{
  switch (verdict)
    {
    case PD_VERDICT_VALID:
      return _("valid");
    case PD_VERDICT_VALID_PRACTICE:
      return _("valid — practice authority, not for court");
    case PD_VERDICT_UNTRUSTED_AUTHORITY:
      return _("intact, but the timestamp authority is not trusted");
    case PD_VERDICT_INVALID:
      return _("invalid");
    case PD_VERDICT_ERROR:
    default:
      return _("could not be verified (error)");
    }
}

static PdVerifyCheck *
add_check (PdVerifyResult *r, const char *id, const char *subject, PdCheckStatus status,
           const char *detail, const char *format, ...) G_GNUC_PRINTF (6, 7);

static PdVerifyCheck *
add_check (PdVerifyResult *r, const char *id, const char *subject, PdCheckStatus status,
           const char *detail, const char *format, ...)
{
  PdVerifyCheck *check = g_new0 (PdVerifyCheck, 1);
  va_list args;

  check->id = g_strdup (id);
  check->subject = g_strdup (subject);
  check->status = status;
  check->detail = g_strdup (detail);
  va_start (args, format);
  check->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (r->checks, check);
  return check;
}

/* The verdict follows from the checks alone: VALID only when every check passed. */
static void
result_finish (PdVerifyResult *r)
{
  gboolean failed = FALSE, untrusted = FALSE, passed = FALSE;
  guint n_failed = 0;

  for (guint i = 0; i < r->checks->len; i++)
    {
      PdVerifyCheck *check = g_ptr_array_index (r->checks, i);

      if (check->status == PD_CHECK_PASSED)
        passed = TRUE;
      else if (check->status == PD_CHECK_FAILED)
        {
          n_failed++;
          if (check->trust_only)
            untrusted = TRUE;
          else
            failed = TRUE;
        }
    }

  /* Nothing checked is nothing proven. */
  if (failed || !passed)
    r->verdict = PD_VERDICT_INVALID;
  else if (untrusted)
    r->verdict = PD_VERDICT_UNTRUSTED_AUTHORITY;
  else if (r->practice)
    r->verdict = PD_VERDICT_VALID_PRACTICE;
  else
    r->verdict = PD_VERDICT_VALID;

  g_free (r->summary);
  switch (r->verdict)
    {
    case PD_VERDICT_VALID:
      r->summary = g_strdup (_("Every check passed: the data is unchanged since the time a trusted authority stamped it."));
      break;
    case PD_VERDICT_VALID_PRACTICE:
      r->summary = g_strdup (_("Every check passed, but the timestamps come from the built-in practice authority: valid for practice, not for court."));
      break;
    case PD_VERDICT_UNTRUSTED_AUTHORITY:
      r->summary = g_strdup (_("The data is intact and the signatures are correct, but the timestamp authority does not chain to a trusted certificate authority on this computer."));
      break;
    case PD_VERDICT_INVALID:
    case PD_VERDICT_ERROR:
    default:
      if (!passed && n_failed == 0)
        r->summary = g_strdup (_("Verification failed: nothing could be checked."));
      else if (r->tamper_sentence)
        r->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "Verification failed (%u check failed). %s",
                                                   "Verification failed (%u checks failed). %s",
                                                   n_failed),
                                      n_failed, r->tamper_sentence);
      else
        r->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "Verification failed: %u check failed.",
                                                   "Verification failed: %u checks failed.",
                                                   n_failed),
                                      n_failed);
      break;
    }
}

static const char *
check_status_to_string (PdCheckStatus status)
{
  switch (status)
    {
    case PD_CHECK_PASSED: return "passed";
    case PD_CHECK_FAILED: return "failed";
    case PD_CHECK_INFO:
    default:              return "info";
    }
}

JsonNode *
pd_verify_result_to_json (PdVerifyResult *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, pd_verdict_to_string (self->verdict));
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, self->summary);
  if (self->gen_time)
    {
      g_autofree char *t = pd_time_format_utc (self->gen_time);
      json_builder_set_member_name (b, "gen_time");
      json_builder_add_string_value (b, t);
    }
  if (self->has_tamper)
    {
      json_builder_set_member_name (b, "tamper");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "intact_up_to");
      json_builder_add_int_value (b, (gint64) self->intact_up_to);
      json_builder_set_member_name (b, "checkpoint");
      json_builder_add_int_value (b, self->tamper_checkpoint);
      if (self->tamper_stream_time)
        {
          json_builder_set_member_name (b, "stream_time");
          json_builder_add_string_value (b, self->tamper_stream_time);
        }
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, self->tamper_sentence);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->checks->len; i++)
    {
      PdVerifyCheck *check = g_ptr_array_index (self->checks, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, check->id);
      json_builder_set_member_name (b, "subject");
      json_builder_add_string_value (b, check->subject);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, check_status_to_string (check->status));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, check->message);
      if (check->detail)
        {
          json_builder_set_member_name (b, "detail");
          json_builder_add_string_value (b, check->detail);
        }
      if (check->status == PD_CHECK_FAILED && check->trust_only)
        {
          json_builder_set_member_name (b, "trust_only");
          json_builder_add_boolean_value (b, TRUE);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ------------------------------------------------------------------------------------------ */
/* Small OpenSSL helpers                                                                      */

static char *
bio_to_string (BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);

  return g_strndup (data, len > 0 ? (gsize) len : 0);
}

static char *
name_to_string (const X509_NAME *name)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());

  X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_to_string (bio);
}

static char *
asn1_integer_to_hex (const ASN1_INTEGER *value)
{
  g_autoptr (BIGNUM) bn = NULL;
  char *hex;
  char *out;

  if (value == NULL)
    return NULL;
  bn = ASN1_INTEGER_to_BN (value, NULL);
  if (bn == NULL)
    return NULL;
  hex = BN_bn2hex (bn);
  out = g_ascii_strdown (hex, -1);
  OPENSSL_free (hex);
  return out;
}

static gboolean
asn1_time_to_gdatetime (const ASN1_TIME *t, time_t *unix_out, GDateTime **dt_out)
{
  struct tm tm = { 0 };
  time_t unix_time;

  if (t == NULL || !ASN1_TIME_to_tm (t, &tm))
    return FALSE;
  unix_time = timegm (&tm);
  if (unix_out)
    *unix_out = unix_time;
  if (dt_out)
    *dt_out = g_date_time_new_from_unix_utc (unix_time);
  return TRUE;
}

static const char *
digest_display_name (int nid)
{
  switch (nid)
    {
    case NID_sha256: return "SHA-256";
    case NID_sha384: return "SHA-384";
    case NID_sha512: return "SHA-512";
    case NID_sha1:   return "SHA-1";
    case NID_md5:    return "MD5";
    default:         return nid != NID_undef ? OBJ_nid2sn (nid) : "?";
    }
}

/* ------------------------------------------------------------------------------------------ */
/* One token                                                                                  */

typedef struct
{
  TS_RESP     *resp;  /* NULL for a bare TimeStampToken */
  PKCS7       *p7;    /* borrowed from resp, or owned when bare */
  TS_TST_INFO *tst;   /* borrowed from resp, or owned when bare */
} ParsedToken;

static void
parsed_token_clear (ParsedToken *pt)
{
  if (pt->resp == NULL)
    {
      PKCS7_free (pt->p7);
      TS_TST_INFO_free (pt->tst);
    }
  TS_RESP_free (pt->resp);
  memset (pt, 0, sizeof *pt);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ParsedToken, parsed_token_clear)

typedef struct
{
  gboolean   ok;        /* no failure other than "authority not trusted" */
  gboolean   imprint_ok; /* the token parsed and its imprint equals the data's digest */
  gboolean   practice;
  GDateTime *gen_time;
} TokenOutcome;

static void
token_outcome_clear (TokenOutcome *o)
{
  g_clear_pointer (&o->gen_time, g_date_time_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TokenOutcome, token_outcome_clear)

static const char *
pki_status_name (long status)
{
  switch (status)
    {
    case 0:  return "granted";
    case 1:  return "grantedWithMods";
    case 2:  return "rejection";
    case 3:  return "waiting";
    case 4:  return "revocationWarning";
    case 5:  return "revocationNotification";
    default: return "unknown";
    }
}

/* Parses a DER TimeStampResp, or a bare TimeStampToken (ContentInfo), and checks PKIStatus.
 * Emits token.format and token.status; FALSE when there is no usable token. */
static gboolean
token_parse (PdVerifyResult *r, const char *subject, GBytes *tsr, ParsedToken *pt)
{
  gsize len = 0;
  const guint8 *data = tsr ? g_bytes_get_data (tsr, &len) : NULL;
  const unsigned char *p;
  TS_STATUS_INFO *si;
  long status;

  if (len == 0)
    {
      add_check (r, "token.format", subject, PD_CHECK_FAILED, NULL,
                 _("The timestamp token is empty."));
      return FALSE;
    }
  if (len > G_MAXLONG)
    len = G_MAXLONG;

  ERR_clear_error ();
  p = data;
  pt->resp = d2i_TS_RESP (NULL, &p, (long) len);
  if (pt->resp != NULL && p != data + len)
    g_clear_pointer (&pt->resp, TS_RESP_free);
  if (pt->resp == NULL)
    {
      PKCS7 *p7;

      ERR_clear_error ();
      p = data;
      p7 = d2i_PKCS7 (NULL, &p, (long) len);
      if (p7 != NULL && p == data + len)
        {
          pt->tst = PKCS7_to_TS_TST_INFO (p7);
          if (pt->tst != NULL)
            pt->p7 = p7;
          else
            PKCS7_free (p7);
        }
      else
        PKCS7_free (p7);
      if (pt->p7 == NULL)
        {
          g_autofree char *why = ossl_errors ();
          add_check (r, "token.format", subject, PD_CHECK_FAILED, why,
                     _("This is not an RFC 3161 timestamp token."));
          return FALSE;
        }
      add_check (r, "token.format", subject, PD_CHECK_PASSED, "TimeStampToken (no TimeStampResp wrapper)",
                 _("The timestamp token is well formed."));
      add_check (r, "token.status", subject, PD_CHECK_INFO, NULL,
                 _("The token carries no response status (a bare token)."));
      goto version;
    }

  si = TS_RESP_get_status_info (pt->resp);
  status = ASN1_INTEGER_get (TS_STATUS_INFO_get0_status (si));
  if (status != 0 && status != 1)
    {
      const STACK_OF (ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text (si);
      g_autoptr (GString) detail = g_string_new (NULL);

      g_string_printf (detail, "PKIStatus %ld (%s)", status, pki_status_name (status));
      for (int i = 0; i < sk_ASN1_UTF8STRING_num (text); i++)
        {
          ASN1_UTF8STRING *s = sk_ASN1_UTF8STRING_value (text, i);
          g_string_append_printf (detail, "; %.*s", ASN1_STRING_length (s),
                                  (const char *) ASN1_STRING_get0_data (s));
        }
      add_check (r, "token.format", subject, PD_CHECK_PASSED, NULL,
                 _("The timestamp response is well formed."));
      add_check (r, "token.status", subject, PD_CHECK_FAILED, detail->str,
                 _("The authority did not grant this timestamp."));
      return FALSE;
    }
  pt->p7 = TS_RESP_get_token (pt->resp);
  pt->tst = TS_RESP_get_tst_info (pt->resp);
  if (pt->p7 == NULL || pt->tst == NULL)
    {
      add_check (r, "token.format", subject, PD_CHECK_FAILED, NULL,
                 _("The timestamp response holds no token."));
      return FALSE;
    }
  add_check (r, "token.format", subject, PD_CHECK_PASSED, "TimeStampResp",
             _("The timestamp response is well formed."));
  add_check (r, "token.status", subject, PD_CHECK_PASSED,
             status == 0 ? "PKIStatus 0 (granted)" : "PKIStatus 1 (grantedWithMods)",
             _("The authority granted the timestamp."));

version:
  if (TS_TST_INFO_get_version (pt->tst) != 1)
    {
      g_autofree char *detail = g_strdup_printf ("TSTInfo version %ld",
                                                 TS_TST_INFO_get_version (pt->tst));
      add_check (r, "token.version", subject, PD_CHECK_FAILED, detail,
                 _("The token's TSTInfo has an unknown version."));
      return FALSE;
    }
  return TRUE;
}

/* The imprint algorithm of a parsed token; NID_undef if it carries parameters we do not allow. */
static int
token_imprint_nid (ParsedToken *pt, gboolean *has_params)
{
  X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo (TS_TST_INFO_get_msg_imprint (pt->tst));
  const ASN1_OBJECT *obj = NULL;
  int ptype = V_ASN1_UNDEF;

  X509_ALGOR_get0 (&obj, &ptype, NULL, alg);
  if (has_params)
    *has_params = ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL;
  return OBJ_obj2nid (obj);
}

typedef struct
{
  int   error;
  int   depth;
  char *subject;
} ChainError;

static void
chain_error_clear (ChainError *e)
{
  g_free (e->subject);
}

static int
chain_verify_cb (int ok, X509_STORE_CTX *ctx)
{
  GArray *errors = X509_STORE_CTX_get_app_data (ctx);
  ChainError e = { 0 };
  X509 *cert;

  if (ok)
    return ok;
  e.error = X509_STORE_CTX_get_error (ctx);
  e.depth = X509_STORE_CTX_get_error_depth (ctx);
  /* The signer's EKU/KU is its own check (token.signer-eku); do not report it twice. */
  if (e.error == X509_V_ERR_INVALID_PURPOSE && e.depth == 0)
    return 1;
  cert = X509_STORE_CTX_get_current_cert (ctx);
  e.subject = cert ? name_to_string (X509_get_subject_name (cert)) : g_strdup ("?");
  g_array_append_val (errors, e);
  /* Go on, so that every problem is recorded; any recorded error fails a check. */
  return 1;
}

static gboolean
chain_error_is_trust (int error)
{
  switch (error)
    {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
chain_error_is_time (int error)
{
  return error == X509_V_ERR_CERT_NOT_YET_VALID || error == X509_V_ERR_CERT_HAS_EXPIRED;
}

static X509 *
find_signer (PKCS7_SIGNER_INFO *si, STACK_OF (X509) *const *stacks, guint n_stacks)
{
  PKCS7_ISSUER_AND_SERIAL *ias = si->issuer_and_serial;

  if (ias == NULL)
    return NULL;
  for (guint i = 0; i < n_stacks; i++)
    {
      X509 *cert;

      if (stacks[i] == NULL)
        continue;
      cert = X509_find_by_issuer_and_serial (stacks[i], ias->issuer, ias->serial);
      if (cert != NULL)
        return cert;
    }
  return NULL;
}

static void
token_report_info (PdVerifyResult *r, const char *subject, ParsedToken *pt, GDateTime *gen_time)
{
  TS_TST_INFO *tst = pt->tst;
  const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time (tst);
  ASN1_OBJECT *policy = TS_TST_INFO_get_policy_id (tst);
  TS_ACCURACY *acc = TS_TST_INFO_get_accuracy (tst);
  GENERAL_NAME *tsa = TS_TST_INFO_get_tsa (tst);
  g_autofree char *serial = asn1_integer_to_hex (TS_TST_INFO_get_serial (tst));
  g_autofree char *nonce = asn1_integer_to_hex (TS_TST_INFO_get_nonce (tst));
  char oid[128] = "";

  if (gen_time)
    {
      g_autofree char *utc = g_date_time_format (gen_time, "%Y-%m-%d %H:%M:%S UTC");
      g_autofree char *raw = g_strndup ((const char *) ASN1_STRING_get0_data (t),
                                        ASN1_STRING_length (t));
      add_check (r, "token.gen-time", subject, PD_CHECK_INFO, raw,
                 _("Stamped at %s."), utc);
    }

  if (policy)
    OBJ_obj2txt (oid, sizeof oid, policy, 1);
  if (g_str_equal (oid, PD_LOCAL_TSA_POLICY_OID))
    add_check (r, "token.policy", subject, PD_CHECK_INFO, oid,
               _("Policy: the Proofdesk practice policy (no legal value)."));
  else
    add_check (r, "token.policy", subject, PD_CHECK_INFO, oid, _("Policy %s."), oid);

  if (acc)
    {
      const ASN1_INTEGER *s = TS_ACCURACY_get_seconds (acc);
      const ASN1_INTEGER *ms = TS_ACCURACY_get_millis (acc);
      const ASN1_INTEGER *us = TS_ACCURACY_get_micros (acc);
      g_autoptr (GString) text_str = g_string_new ("±");
      g_autofree char *text = NULL;

      if (s)
        g_string_append_printf (text_str, " %ld s", ASN1_INTEGER_get (s));
      if (ms)
        g_string_append_printf (text_str, " %ld ms", ASN1_INTEGER_get (ms));
      if (us)
        g_string_append_printf (text_str, " %ld µs", ASN1_INTEGER_get (us));
      text = g_string_free (g_steal_pointer (&text_str), FALSE);
      add_check (r, "token.accuracy", subject, PD_CHECK_INFO, text, _("Accuracy %s."), text);
    }
  else
    add_check (r, "token.accuracy", subject, PD_CHECK_INFO, NULL,
               _("The authority states no accuracy."));

  if (tsa)
    {
      g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
      g_autofree char *text = NULL;

      if (tsa->type == GEN_DIRNAME)
        text = name_to_string (tsa->d.directoryName);
      else
        {
          GENERAL_NAME_print (bio, tsa);
          text = bio_to_string (bio);
        }
      add_check (r, "token.tsa-name", subject, PD_CHECK_INFO, text,
                 _("The authority names itself %s."), text);
    }
  else
    add_check (r, "token.tsa-name", subject, PD_CHECK_INFO, NULL,
               _("The token does not name the authority."));

  add_check (r, "token.serial", subject, PD_CHECK_INFO, serial, _("Serial number %s."),
             serial ? serial : "?");
  if (nonce)
    add_check (r, "token.nonce", subject, PD_CHECK_INFO, nonce, _("Nonce %s."), nonce);
  else
    add_check (r, "token.nonce", subject, PD_CHECK_INFO, NULL, _("The token carries no nonce."));
}

/* Every check of one token against a digest (`data_nid` names the digest's algorithm).
 * `extra` is a stack of untrusted certificates (tsa-chain.pem), or NULL. */
static void
token_check (PdVerifyResult *r, const char *subject, ParsedToken *pt, int data_nid,
             const guint8 *digest, gsize digest_len, PdTrustStore *trust,
             STACK_OF (X509) *extra, TokenOutcome *out)
{
  guint first = r->checks->len;
  TS_MSG_IMPRINT *imprint = TS_TST_INFO_get_msg_imprint (pt->tst);
  ASN1_OCTET_STRING *imprint_digest = TS_MSG_IMPRINT_get_msg (imprint);
  gboolean has_params = FALSE;
  int nid = token_imprint_nid (pt, &has_params);
  STACK_OF (PKCS7_SIGNER_INFO) *signers = NULL;
  STACK_OF (X509) *embedded = NULL;
  PKCS7_SIGNER_INFO *si;
  X509 *signer;
  time_t gen_unix = 0;
  g_autoptr (GDateTime) gen_time = NULL;
  g_autofree char *signer_name = NULL;
  g_autoptr (PdX509Stack) untrusted = sk_X509_new_null ();
  g_autoptr (PdX509Stack) chain = NULL;
  g_autoptr (X509_STORE_CTX) store_ctx = NULL;
  g_autoptr (GArray) chain_errors = NULL;
  gboolean chain_ok;

  ERR_clear_error ();

  /* Imprint algorithm: SHA-2 only. SHA-1 is broken for collisions, so a SHA-1 imprint proves
   * nothing about *which* content existed. */
  {
    g_autofree char *detail = g_strdup_printf ("%s%s", digest_display_name (nid),
                                               has_params ? " (with parameters)" : "");
    if ((nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512) && !has_params)
      add_check (r, "token.imprint-algorithm", subject, PD_CHECK_PASSED, detail,
                 _("The token uses an accepted digest algorithm (%s)."), digest_display_name (nid));
    else
      add_check (r, "token.imprint-algorithm", subject, PD_CHECK_FAILED, detail,
                 _("The token uses a digest algorithm that is not accepted (%s); only SHA-256, SHA-384 and SHA-512 are."),
                 digest_display_name (nid));
  }

  /* Imprint equals the data's digest. */
  if (digest == NULL || data_nid != nid)
    {
      g_autofree char *detail = g_strdup_printf ("token %s, data %s", digest_display_name (nid),
                                                 digest_display_name (data_nid));
      add_check (r, "token.imprint", subject, PD_CHECK_FAILED, detail,
                 _("The token's digest cannot be compared with the data (different algorithm)."));
    }
  else
    {
      g_autofree char *want = pd_hex_encode (digest, digest_len);
      g_autofree char *got = pd_hex_encode (ASN1_STRING_get0_data (imprint_digest),
                                            ASN1_STRING_length (imprint_digest));
      g_autofree char *detail = g_strdup_printf ("token %s, data %s", got, want);

      if ((gsize) ASN1_STRING_length (imprint_digest) == digest_len &&
          memcmp (ASN1_STRING_get0_data (imprint_digest), digest, digest_len) == 0)
        {
          add_check (r, "token.imprint", subject, PD_CHECK_PASSED, want,
                     _("The token was issued for exactly this data."));
          out->imprint_ok = TRUE;
        }
      else
        add_check (r, "token.imprint", subject, PD_CHECK_FAILED, detail,
                   _("The token was issued for different data: the digests differ."));
    }

  /* genTime: the instant every certificate is judged at. */
  if (!asn1_time_to_gdatetime (TS_TST_INFO_get_time (pt->tst), &gen_unix, &gen_time))
    {
      add_check (r, "token.gen-time", subject, PD_CHECK_FAILED, NULL,
                 _("The token's time cannot be read."));
      goto out;
    }

  /* Exactly one signer: a second SignerInfo could carry a different, unverified claim. */
  signers = PKCS7_get_signer_info (pt->p7);
  if (sk_PKCS7_SIGNER_INFO_num (signers) != 1)
    {
      g_autofree char *detail = g_strdup_printf ("%d SignerInfos",
                                                 sk_PKCS7_SIGNER_INFO_num (signers));
      add_check (r, "token.signer-count", subject, PD_CHECK_FAILED, detail,
                 _("The token must have exactly one signer; it has %d."),
                 sk_PKCS7_SIGNER_INFO_num (signers));
      if (sk_PKCS7_SIGNER_INFO_num (signers) == 0)
        goto info;
    }
  else
    add_check (r, "token.signer-count", subject, PD_CHECK_PASSED, NULL,
               _("The token has exactly one signer."));
  si = sk_PKCS7_SIGNER_INFO_value (signers, 0);

  /* The signer's certificate: in the token, or in a supplied (untrusted) chain. */
  embedded = pt->p7->d.sign->cert;
  {
    STACK_OF (X509) *stacks[] = { embedded, extra, trust->untrusted };
    signer = find_signer (si, stacks, G_N_ELEMENTS (stacks));
  }
  if (signer == NULL)
    {
      g_autofree char *issuer = si->issuer_and_serial
                                  ? name_to_string (si->issuer_and_serial->issuer) : NULL;
      g_autofree char *serial = si->issuer_and_serial
                                  ? asn1_integer_to_hex (si->issuer_and_serial->serial) : NULL;
      g_autofree char *detail = g_strdup_printf ("issuer %s, serial %s", issuer ? issuer : "?",
                                                 serial ? serial : "?");
      add_check (r, "token.signer-certificate", subject, PD_CHECK_FAILED, detail,
                 _("The signer's certificate is neither in the token nor in a supplied chain, so the signature cannot be checked."));
      goto info;
    }
  signer_name = name_to_string (X509_get_subject_name (signer));
  add_check (r, "token.signer-certificate", subject, PD_CHECK_PASSED, signer_name,
             _("The signer's certificate is present."));

  for (int i = 0; i < sk_X509_num (embedded); i++)
    if (X509_up_ref (sk_X509_value (embedded, i)))
      sk_X509_push (untrusted, sk_X509_value (embedded, i));
  for (int i = 0; extra && i < sk_X509_num (extra); i++)
    if (X509_up_ref (sk_X509_value (extra, i)))
      sk_X509_push (untrusted, sk_X509_value (extra, i));
  for (int i = 0; i < sk_X509_num (trust->untrusted); i++)
    if (X509_up_ref (sk_X509_value (trust->untrusted, i)))
      sk_X509_push (untrusted, sk_X509_value (trust->untrusted, i));

  /* CMS signature over the signed attributes, whose message-digest covers the TSTInfo. */
  {
    g_autoptr (BIO) p7bio = PKCS7_dataInit (pt->p7, NULL);
    ASN1_TYPE *ctype = PKCS7_get_signed_attribute (si, NID_pkcs9_contentType);
    char buf[4096];
    int ok = 0;

    if (p7bio != NULL)
      {
        while (BIO_read (p7bio, buf, sizeof buf) > 0)
          ;
        ok = PKCS7_signatureVerify (p7bio, pt->p7, si, signer) > 0;
      }
    if (ok && (ctype == NULL || ctype->type != V_ASN1_OBJECT ||
               OBJ_obj2nid (ctype->value.object) != NID_id_smime_ct_TSTInfo))
      {
        add_check (r, "token.signature", subject, PD_CHECK_FAILED,
                   "content-type attribute is not id-ct-TSTInfo",
                   _("The signature does not cover a timestamp (wrong content type)."));
      }
    else if (ok)
      add_check (r, "token.signature", subject, PD_CHECK_PASSED,
                 OBJ_nid2sn (OBJ_obj2nid (si->digest_alg->algorithm)),
                 _("The authority's signature over the token is valid."));
    else
      {
        g_autofree char *why = ossl_errors ();
        add_check (r, "token.signature", subject, PD_CHECK_FAILED, why,
                   _("The authority's signature does not match the token: it was altered or forged."));
      }
  }

  /* Chain as of genTime. Done before the ESS check, which may need the built chain. */
  chain_errors = g_array_new (FALSE, TRUE, sizeof (ChainError));
  g_array_set_clear_func (chain_errors, (GDestroyNotify) chain_error_clear);
  store_ctx = X509_STORE_CTX_new ();
  chain_ok = store_ctx != NULL &&
             X509_STORE_CTX_init (store_ctx, trust->store, signer, untrusted) == 1;
  if (chain_ok)
    {
      X509_STORE_CTX_set_time (store_ctx, 0, gen_unix);
      X509_STORE_CTX_set_purpose (store_ctx, X509_PURPOSE_TIMESTAMP_SIGN);
      X509_STORE_CTX_set_app_data (store_ctx, chain_errors);
      X509_STORE_CTX_set_verify_cb (store_ctx, chain_verify_cb);
      chain_ok = X509_verify_cert (store_ctx) == 1;
      chain = X509_STORE_CTX_get1_chain (store_ctx);
    }

  /* ESS signing-certificate (v1 or v2): binds the signature to this very certificate, so a
   * certificate with the same key but other attributes cannot be substituted. */
  {
    ASN1_TYPE *a1 = PKCS7_get_signed_attribute (si, NID_id_smime_aa_signingCertificate);
    ASN1_TYPE *a2 = PKCS7_get_signed_attribute (si, NID_id_smime_aa_signingCertificateV2);
    g_autoptr (ESS_SIGNING_CERT) ss = NULL;
    g_autoptr (ESS_SIGNING_CERT_V2) ss2 = NULL;
    g_autoptr (PdX509Stack) ess_chain = sk_X509_new_null ();
    int rc;

    if (a1 && a1->type == V_ASN1_SEQUENCE)
      {
        const unsigned char *p = a1->value.sequence->data;
        ss = d2i_ESS_SIGNING_CERT (NULL, &p, a1->value.sequence->length);
      }
    if (a2 && a2->type == V_ASN1_SEQUENCE)
      {
        const unsigned char *p = a2->value.sequence->data;
        ss2 = d2i_ESS_SIGNING_CERT_V2 (NULL, &p, a2->value.sequence->length);
      }
    /* Signer first, then every other certificate that might be listed after it. */
    X509_up_ref (signer);
    sk_X509_push (ess_chain, signer);
    for (int i = 1; chain && i < sk_X509_num (chain); i++)
      if (X509_up_ref (sk_X509_value (chain, i)))
        sk_X509_push (ess_chain, sk_X509_value (chain, i));
    for (int i = 0; i < sk_X509_num (untrusted); i++)
      if (X509_cmp (sk_X509_value (untrusted, i), signer) != 0 &&
          X509_up_ref (sk_X509_value (untrusted, i)))
        sk_X509_push (ess_chain, sk_X509_value (untrusted, i));

    ERR_clear_error ();
    if (ss == NULL && ss2 == NULL)
      add_check (r, "token.ess-cert-id", subject, PD_CHECK_FAILED,
                 (a1 || a2) ? "unparsable signing-certificate attribute"
                            : "no signing-certificate attribute",
                 _("The signature does not name the signer's certificate (ESS signing certificate missing)."));
    else if ((rc = OSSL_ESS_check_signing_certs (ss, ss2, ess_chain, 1)) == 1)
      add_check (r, "token.ess-cert-id", subject, PD_CHECK_PASSED, ss2 ? "ESS v2" : "ESS v1",
                 _("The signature names exactly this signer certificate."));
    else
      {
        g_autofree char *why = ossl_errors ();
        add_check (r, "token.ess-cert-id", subject, PD_CHECK_FAILED, why,
                   _("The signature names a different certificate than the one presented (ESS certificate id mismatch)."));
      }
  }

  /* Signer usage: RFC 3161 §2.3 — the EKU extension MUST be critical and carry id-kp-timeStamping
   * only; a key usage, if present, may only allow signatures. */
  {
    int crit = -1;
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i (signer, NID_ext_key_usage, &crit, NULL);
    guint32 ku = X509_get_key_usage (signer);
    const char *problem = NULL;

    if (eku == NULL)
      problem = crit == -2 ? "EKU extension repeated" : "no extendedKeyUsage";
    else if (crit != 1)
      problem = "extendedKeyUsage is not critical";
    else if (sk_ASN1_OBJECT_num (eku) != 1 ||
             OBJ_obj2nid (sk_ASN1_OBJECT_value (eku, 0)) != NID_time_stamp)
      problem = "extendedKeyUsage is not exactly id-kp-timeStamping";
    else if (ku != UINT32_MAX &&
             ((ku & ~(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0 ||
              (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0))
      problem = "keyUsage allows more than signing";
    sk_ASN1_OBJECT_pop_free (eku, ASN1_OBJECT_free);
    if (problem == NULL)
      add_check (r, "token.signer-eku", subject, PD_CHECK_PASSED,
                 "critical extendedKeyUsage = timeStamping",
                 _("The signer's certificate is for time-stamping only, as required."));
    else
      add_check (r, "token.signer-eku", subject, PD_CHECK_FAILED, problem,
                 _("The signer's certificate is not a time-stamping certificate (it needs a critical extended key usage of time-stamping only)."));
  }

  /* Report the chain: validity at genTime, then trust, then any other chain defect. */
  {
    g_autoptr (GString) time_detail = g_string_new (NULL);
    g_autoptr (GString) trust_detail = g_string_new (NULL);
    g_autoptr (GString) other_detail = g_string_new (NULL);
    g_autofree char *gen_str = g_date_time_format (gen_time, "%Y-%m-%dT%H:%M:%SZ");
    X509 *anchor = chain && sk_X509_num (chain) > 0 ? sk_X509_value (chain, sk_X509_num (chain) - 1)
                                                     : NULL;
    g_autofree char *anchor_name = anchor ? name_to_string (X509_get_subject_name (anchor)) : NULL;

    for (guint i = 0; i < chain_errors->len; i++)
      {
        ChainError *e = &g_array_index (chain_errors, ChainError, i);
        GString *to = chain_error_is_time (e->error) ? time_detail
                      : chain_error_is_trust (e->error) ? trust_detail : other_detail;

        if (to->len)
          g_string_append (to, "; ");
        g_string_append_printf (to, "depth %d %s: %s", e->depth, e->subject,
                                X509_verify_cert_error_string (e->error));
      }
    if (!chain_ok && chain_errors->len == 0)
      {
        g_autofree char *why = ossl_errors ();
        g_string_append (other_detail, why ? why : "chain verification failed");
      }

    if (time_detail->len == 0)
      add_check (r, "token.certificate-time", subject, PD_CHECK_PASSED, gen_str,
                 _("Every certificate in the chain was valid at the time of stamping."));
    else
      {
        g_string_prepend (time_detail, "at genTime: ");
        g_string_prepend (time_detail, gen_str);
        add_check (r, "token.certificate-time", subject, PD_CHECK_FAILED, time_detail->str,
                   _("A certificate in the chain was not valid at the time of stamping (expired or not yet valid)."));
      }

    if (other_detail->len > 0)
      add_check (r, "token.chain", subject, PD_CHECK_FAILED, other_detail->str,
                 _("The signer's certificate chain is broken."));
    else if (trust_detail->len > 0)
      {
        PdVerifyCheck *check = add_check (r, "token.chain", subject, PD_CHECK_FAILED,
                                          trust_detail->str,
                                          _("The authority's certificate does not chain to a trusted certificate authority."));
        check->trust_only = TRUE;
      }
    else
      {
        out->practice = anchor != NULL && trust_store_is_practice (trust, anchor);
        if (out->practice)
          add_check (r, "token.chain", subject, PD_CHECK_PASSED, anchor_name,
                     _("The authority chains to the built-in practice root (for practice, not for court)."));
        else
          add_check (r, "token.chain", subject, PD_CHECK_PASSED, anchor_name,
                     _("The authority chains to a trusted certificate authority (%s)."),
                     anchor_name ? anchor_name : "?");
      }
  }
  ERR_clear_error ();

info:
  token_report_info (r, subject, pt, gen_time);
  if (signer_name)
    add_check (r, "token.signer", subject, PD_CHECK_INFO, signer_name,
               _("Signed by %s."), signer_name);

out:
  out->ok = TRUE;
  for (guint i = first; i < r->checks->len; i++)
    {
      PdVerifyCheck *check = g_ptr_array_index (r->checks, i);
      if (check->status == PD_CHECK_FAILED && !check->trust_only)
        out->ok = FALSE;
    }
  if (!out->ok)
    out->practice = FALSE;
  out->gen_time = g_steal_pointer (&gen_time);
  if (out->practice)
    r->practice = TRUE;
}

/* Parse + check, for a token whose data digest is already known. */
static void
token_verify (PdVerifyResult *r, const char *subject, GBytes *tsr, int data_nid,
              const guint8 *digest, gsize digest_len, PdTrustStore *trust,
              STACK_OF (X509) *extra, TokenOutcome *out)
{
  g_auto (ParsedToken) pt = { 0 };

  memset (out, 0, sizeof *out);
  if (!token_parse (r, subject, tsr, &pt))
    return;
  token_check (r, subject, &pt, data_nid, digest, digest_len, trust, extra, out);
}

PdVerifyResult *
pd_verify_token_bytes (GBytes *tsr, const char *digest_alg, const guint8 *digest,
                       gsize digest_len, PdTrustStore *trust, GError **error)
{
  g_autoptr (PdVerifyResult) r = NULL;
  g_auto (TokenOutcome) outcome = { 0 };
  const EVP_MD *md;

  g_return_val_if_fail (tsr != NULL, NULL);
  g_return_val_if_fail (digest_alg != NULL, NULL);
  g_return_val_if_fail (digest != NULL, NULL);
  g_return_val_if_fail (trust != NULL, NULL);

  md = EVP_get_digestbyname (digest_alg);
  if (md == NULL || (gsize) EVP_MD_get_size (md) != digest_len)
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT,
                   _("Unknown digest algorithm “%s” or wrong digest length."), digest_alg);
      return NULL;
    }
  r = pd_verify_result_new ();
  token_verify (r, "token", tsr, EVP_MD_get_type (md), digest, digest_len, trust, NULL, &outcome);
  r->gen_time = g_steal_pointer (&outcome.gen_time);
  result_finish (r);
  return g_steal_pointer (&r);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading files                                                                              */

typedef struct
{
  PdVerifyProgressFunc func;
  gpointer             data;
  guint64              done;
  guint64              total;
} Progress;

static void
progress_add (Progress *progress, guint64 n)
{
  if (progress == NULL)
    return;
  progress->done += n;
  if (progress->func)
    progress->func (progress->done, MAX (progress->total, progress->done), progress->data);
}

/* A digest of the prefix bytes [0, offset), taken on the way. */
typedef struct
{
  guint64  offset;
  gpointer owner;
  gboolean reached;
  guint    len;
  guint8   digest[EVP_MAX_MD_SIZE];
} PrefixMark;

/* Reads `fd` once, front to back. At each mark's offset (ascending) the running context is
 * copied and the copy finalised: the prefix digest, without reading anything twice. */
static gboolean
digest_fd (int fd, const EVP_MD *md, PrefixMark *marks, guint n_marks, Progress *progress,
           GCancellable *cancellable, guint8 *digest_out, guint *digest_len, guint64 *size_out,
           const char *name, GError **error)
{
  g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  g_autofree guint8 *buf = g_malloc (READ_CHUNK);
  guint64 pos = 0;
  guint m = 0;

  if (ctx == NULL || !EVP_DigestInit_ex (ctx, md, NULL))
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO, _("The digest is not available."));
      return FALSE;
    }
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  for (;;)
    {
      ssize_t n = read (fd, buf, READ_CHUNK);
      const guint8 *p = buf;
      gsize remaining;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot read “%s”: %s"), name, g_strerror (saved));
          return FALSE;
        }
      remaining = (gsize) n;
      /* With n == 0 this only finalises marks sitting exactly at the end of the file. */
      while (m < n_marks && marks[m].offset <= pos + remaining)
        {
          gsize take = (gsize) (marks[m].offset - pos);
          g_autoptr (EVP_MD_CTX) copy = EVP_MD_CTX_new ();

          EVP_DigestUpdate (ctx, p, take);
          p += take;
          remaining -= take;
          pos += take;
          if (copy == NULL || !EVP_MD_CTX_copy_ex (copy, ctx) ||
              !EVP_DigestFinal_ex (copy, marks[m].digest, &marks[m].len))
            {
              g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO,
                           _("The digest is not available."));
              return FALSE;
            }
          marks[m].reached = TRUE;
          m++;
        }
      if (n == 0)
        break;
      EVP_DigestUpdate (ctx, p, remaining);
      pos += remaining;
      progress_add (progress, (guint64) n);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
    }
  if (!EVP_DigestFinal_ex (ctx, digest_out, digest_len))
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO, _("The digest is not available."));
      return FALSE;
    }
  *size_out = pos;
  return TRUE;
}

static GBytes *
read_fd_limited (int fd, gsize limit, const char *name, GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buf[65536];

  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot read “%s”: %s"), name, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      if (data->len + (gsize) n > limit)
        {
          g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT,
                       _("“%s” is too large to be what it claims to be."), name);
          return NULL;
        }
      g_byte_array_append (data, buf, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static int
open_regular (const char *path, GError **error)
{
  struct stat st;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open “%s”: %s"), path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO, _("“%s” is not a regular file."),
                   path);
      return -1;
    }
  return fd;
}

/* A relative name made only of ordinary components: never absolute, never "..", never empty. */
static gboolean
name_is_safe (const char *relname)
{
  g_auto (GStrv) parts = NULL;

  if (relname == NULL || *relname == '\0' || strlen (relname) > 1024 ||
      g_path_is_absolute (relname) || !g_utf8_validate (relname, -1, NULL))
    return FALSE;
  for (const char *c = relname; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f || *c == '\\')
      return FALSE;
  parts = g_strsplit (relname, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return FALSE;
  return TRUE;
}

/* Opens `relname` below `dirfd` one component at a time with O_NOFOLLOW, so that neither a
 * crafted name nor a symbolic link anywhere on the way can make us read outside the package. */
static int
package_open (int dirfd, const char *relname, GError **error)
{
  g_auto (GStrv) parts = NULL;
  int cur = dirfd;
  int fd = -1;
  struct stat st;

  if (!name_is_safe (relname))
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_BAD_NAME,
                   _("“%s” is not a file name inside the package."), relname ? relname : "");
      return -1;
    }
  parts = g_strsplit (relname, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      gboolean last = parts[i + 1] == NULL;
      int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NONBLOCK : O_DIRECTORY);

      fd = openat (cur, parts[i], flags);
      if (cur != dirfd)
        close (cur);
      if (fd < 0)
        {
          int saved = errno;

          if (saved == ELOOP || (saved == ENOTDIR && !last))
            g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_BAD_NAME,
                         _("“%s” is, or passes through, a symbolic link; refusing to follow it."),
                         relname);
          else
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                         _("Cannot open “%s”: %s"), relname, g_strerror (saved));
          return -1;
        }
      cur = fd;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_BAD_NAME,
                   _("“%s” is not a regular file."), relname);
      return -1;
    }
  return fd;
}

static GBytes *
package_read (int dirfd, const char *relname, gsize limit, GError **error)
{
  int fd = package_open (dirfd, relname, error);
  GBytes *bytes;

  if (fd < 0)
    return NULL;
  bytes = read_fd_limited (fd, limit, relname, error);
  close (fd);
  return bytes;
}

/* ------------------------------------------------------------------------------------------ */
/* (file, token) and (file, certificate.pdf)                                                  */

typedef struct
{
  char  *name;
  GBytes *data;
} NamedToken;

static void
named_token_free (NamedToken *t)
{
  g_free (t->name);
  g_bytes_unref (t->data);
  g_free (t);
}

/* The tokens a certificate PDF carries (its attached files), as NamedToken. */
static GPtrArray *
pdf_tokens (const char *path, GError **error)
{
  g_autoptr (GPtrArray) attachments = pd_certificate_read_attachments (path, error);
  GPtrArray *tokens;

  if (attachments == NULL)
    return NULL;
  tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) named_token_free);
  for (guint i = 0; i < attachments->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (attachments, i);
      NamedToken *t;

      /* Only token attachments; a certificate may carry other files later. */
      if (a->name == NULL || a->data == NULL || !g_str_has_suffix (a->name, ".tsr"))
        continue;
      t = g_new0 (NamedToken, 1);
      t->name = g_strdup (a->name);
      t->data = g_bytes_ref (a->data);
      g_ptr_array_add (tokens, t);
    }
  return tokens;
}

static gboolean
looks_like_pdf (GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return len >= 5 && memcmp (data, "%PDF-", 5) == 0;
}

PdVerifyResult *
pd_verify_token_for_file (const char *file, const char *token_path, PdTrustStore *trust,
                          GCancellable *cancellable, GError **error)
{
  g_autoptr (PdVerifyResult) r = NULL;
  g_autoptr (GBytes) token_bytes = NULL;
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) named_token_free);
  g_autofree char *file_base = NULL;
  g_autofree char *token_base = NULL;
  int fd = -1;
  int token_fd;

  g_return_val_if_fail (file != NULL, NULL);
  g_return_val_if_fail (token_path != NULL, NULL);
  g_return_val_if_fail (trust != NULL, NULL);

  token_fd = open_regular (token_path, error);
  if (token_fd < 0)
    return NULL;
  token_bytes = read_fd_limited (token_fd, PDF_MAX_SIZE, token_path, error);
  close (token_fd);
  if (token_bytes == NULL)
    return NULL;

  fd = open_regular (file, error);
  if (fd < 0)
    return NULL;

  file_base = g_path_get_basename (file);
  token_base = g_path_get_basename (token_path);
  r = pd_verify_result_new ();

  if (looks_like_pdf (token_bytes))
    {
      g_autoptr (GPtrArray) attachments = pdf_tokens (token_path, error);

      if (attachments == NULL)
        {
          close (fd);
          return NULL;
        }
      /* The manifest's token cannot be checked against a lone file; the others can. */
      for (guint i = 0; i < attachments->len; i++)
        {
          NamedToken *t = g_ptr_array_index (attachments, i);

          if (g_str_equal (t->name, MANIFEST_TSR_NAME) || strchr (t->name, '/') != NULL)
            {
              g_autofree char *subject = g_strdup_printf ("%s: %s", token_base, t->name);
              add_check (r, "certificate.manifest-token", subject, PD_CHECK_INFO, NULL,
                         _("The certificate also carries a token over another part of the package; verify the whole package folder to check it."));
              continue;
            }
          g_ptr_array_add (tokens, g_ptr_array_steal_index (attachments, i--));
        }
      if (tokens->len == 0)
        {
          add_check (r, "certificate.tokens", token_base, PD_CHECK_FAILED, NULL,
                     _("The certificate carries no timestamp token for a file."));
          close (fd);
          result_finish (r);
          return g_steal_pointer (&r);
        }
    }
  else
    {
      NamedToken *t = g_new0 (NamedToken, 1);

      t->name = g_strdup (token_base);
      t->data = g_bytes_ref (token_bytes);
      g_ptr_array_add (tokens, t);
    }

  for (guint i = 0; i < tokens->len; i++)
    {
      NamedToken *t = g_ptr_array_index (tokens, i);
      g_auto (ParsedToken) pt = { 0 };
      g_auto (TokenOutcome) outcome = { 0 };
      guint8 digest[EVP_MAX_MD_SIZE];
      guint digest_len = 0;
      guint64 size = 0;
      const EVP_MD *md;
      int nid;

      if (!token_parse (r, t->name, t->data, &pt))
        continue;
      nid = token_imprint_nid (&pt, NULL);
      md = EVP_get_digestbynid (nid);
      if (md == NULL)
        {
          token_check (r, t->name, &pt, NID_undef, NULL, 0, trust, NULL, &outcome);
          continue;
        }
      /* Hash with the token's own algorithm, so the imprint check is independent of the
       * algorithm check (a SHA-1 token fails only the latter). */
      if (lseek (fd, 0, SEEK_SET) != 0 ||
          !digest_fd (fd, md, NULL, 0, NULL, cancellable, digest, &digest_len, &size, file,
                      error))
        {
          close (fd);
          return NULL;
        }
      token_check (r, t->name, &pt, nid, digest, digest_len, trust, NULL, &outcome);
      if (r->gen_time == NULL)
        r->gen_time = g_steal_pointer (&outcome.gen_time);
    }
  close (fd);
  add_check (r, "file.name", file_base, PD_CHECK_INFO, file, _("Checked file: %s."), file_base);
  result_finish (r);
  return g_steal_pointer (&r);
}

/* ------------------------------------------------------------------------------------------ */
/* Packages                                                                                   */

typedef struct
{
  char    *name;
  gint64   size;
  char    *sha256;
} FileEntry;

typedef struct
{
  gint64       index;
  gint64       offset;
  char        *sha256;
  char        *stream_time;
  char        *token;        /* relative name, or NULL when the stamp failed */
  char        *stamp_error;
  char        *label;        /* "checkpoint 3" */
  PrefixMark   mark;
  gboolean     usable;       /* a well-formed entry, part of the read pass */
  gboolean     token_ok;     /* its token verified (authority trust aside) */
} Checkpoint;

static void
file_entry_free (FileEntry *e)
{
  g_free (e->name);
  g_free (e->sha256);
  g_free (e);
}

static void
checkpoint_free (Checkpoint *c)
{
  g_free (c->sha256);
  g_free (c->stream_time);
  g_free (c->token);
  g_free (c->stamp_error);
  g_free (c->label);
  g_free (c);
}

static gboolean
json_get_int (JsonObject *obj, const char *key, gint64 *out)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
sha256_hex_ok (const char *hex)
{
  guint8 buf[PD_SHA256_LEN];

  return pd_hex_decode (hex, buf, sizeof buf);
}

static int
compare_marks (gconstpointer a, gconstpointer b)
{
  const Checkpoint *ca = *(Checkpoint *const *) a;
  const Checkpoint *cb = *(Checkpoint *const *) b;

  return ca->offset < cb->offset ? -1 : ca->offset > cb->offset;
}

/* Reads a token file of the package and verifies it against `digest` (SHA-256). Emits
 * token.present when the file cannot be had. */
static gboolean
package_verify_token (PdVerifyResult *r, int dirfd, const char *token_name,
                      const guint8 *digest, PdTrustStore *trust, STACK_OF (X509) *extra,
                      TokenOutcome *out)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) tsr = package_read (dirfd, token_name, TOKEN_MAX_SIZE, &local_error);

  memset (out, 0, sizeof *out);
  if (tsr == NULL)
    {
      add_check (r, "token.present", token_name, PD_CHECK_FAILED, local_error->message,
                 _("The timestamp token cannot be read."));
      return FALSE;
    }
  token_verify (r, token_name, tsr, NID_sha256, digest, PD_SHA256_LEN, trust, extra, out);
  return out->ok;
}

static void
walk_extra (PdVerifyResult *r, int dirfd, const char *prefix, GHashTable *known, guint depth)
{
  DIR *dir;
  struct dirent *de;
  int fd;

  if (depth > WALK_MAX_DEPTH)
    return;
  fd = openat (dirfd, prefix ? prefix : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return;
    }
  while ((de = readdir (dir)) != NULL)
    {
      g_autofree char *rel = NULL;
      struct stat st;

      if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;
      rel = prefix ? g_build_filename (prefix, de->d_name, NULL) : g_strdup (de->d_name);
      if (fstatat (dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        walk_extra (r, dirfd, rel, known, depth + 1);
      else if (S_ISLNK (st.st_mode))
        add_check (r, "package.symlink", rel, PD_CHECK_FAILED, NULL,
                   _("The package contains a symbolic link; evidence files must be real files."));
      else if (!g_hash_table_contains (known, rel))
        add_check (r, "package.extra-file", rel, PD_CHECK_FAILED, NULL,
                   _("This file is in the folder but not in the manifest."));
    }
  closedir (dir);
}

static void
locate_tamper (PdVerifyResult *r, GPtrArray *sorted, guint64 size)
{
  Checkpoint *last = NULL;
  g_autofree char *offset_str = NULL;

  for (guint i = 0; i < sorted->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (sorted, i);
      g_autofree char *hex = NULL;

      if (!c->mark.reached || !c->token_ok)
        continue;
      hex = pd_hex_encode (c->mark.digest, c->mark.len);
      if (g_ascii_strcasecmp (hex, c->sha256) == 0)
        last = c;
      else
        break;
    }
  r->has_tamper = TRUE;
  if (last == NULL)
    {
      r->intact_up_to = 0;
      r->tamper_checkpoint = 0;
      r->tamper_sentence = g_strdup (_("The recording was changed before its first verified checkpoint; no part of it is provably intact."));
    }
  else
    {
      r->intact_up_to = (guint64) last->offset;
      r->tamper_checkpoint = (guint) last->index;
      r->tamper_stream_time = g_strdup (last->stream_time ? last->stream_time : "?");
      offset_str = g_strdup_printf ("%" G_GUINT64_FORMAT, r->intact_up_to);
      r->tamper_sentence = g_strdup_printf (_("The recording is intact up to offset %s (checkpoint %u, %s into the recording); it was changed after that."),
                                            offset_str, r->tamper_checkpoint,
                                            r->tamper_stream_time);
    }
  add_check (r, "recording.tamper-location", PD_RECORDING_NAME, PD_CHECK_INFO, NULL, "%s",
             r->tamper_sentence);
}

static PdVerifyResult *
verify_package (const char *path, PdTrustStore *trust, Progress *progress,
                GCancellable *cancellable, GError **error)
{
  g_autoptr (PdVerifyResult) r = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GBytes) manifest_bytes = NULL;
  g_autoptr (GBytes) chain_bytes = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (PdX509Stack) extra = NULL;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) file_entry_free);
  g_autoptr (GPtrArray) checkpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) checkpoint_free);
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  g_autoptr (GHashTable) known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GArray) marks = NULL;
  g_auto (TokenOutcome) manifest_outcome = { 0 };
  g_auto (TokenOutcome) recording_outcome = { 0 };
  JsonNode *root;
  JsonObject *manifest;
  JsonObject *recording;
  JsonArray *array;
  const char *rec_name;
  const char *rec_token;
  const char *rec_sha;
  const char *state;
  gint64 rec_size = -1;
  FileEntry *rec_entry = NULL;
  guint8 rec_digest[EVP_MAX_MD_SIZE];
  guint rec_digest_len = 0;
  guint64 rec_actual = 0;
  gboolean rec_read = FALSE;
  gboolean rec_changed = FALSE;
  int dirfd = -1;
  int fd;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    dir = g_strdup (path);
  else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    dir = g_path_get_dirname (path);
  else
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO,
                   _("“%s” is neither a package folder nor its manifest."), path);
      return NULL;
    }
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open “%s”: %s"), dir, g_strerror (saved));
      return NULL;
    }

  manifest_bytes = package_read (dirfd, PD_MANIFEST_NAME, MANIFEST_MAX_SIZE, &local_error);
  if (manifest_bytes == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT,
                     _("“%s” has no manifest.json, so it is not an evidence package."), dir);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      close (dirfd);
      return NULL;
    }

  r = pd_verify_result_new ();

  /* TSA chain: untrusted intermediates for offline verification. */
  chain_bytes = package_read (dirfd, TSA_CHAIN_NAME, CHAIN_MAX_SIZE, &local_error);
  if (chain_bytes)
    {
      g_autoptr (BIO) bio = BIO_new_mem_buf (g_bytes_get_data (chain_bytes, NULL),
                                             (int) g_bytes_get_size (chain_bytes));
      X509 *cert;

      extra = sk_X509_new_null ();
      while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
        sk_X509_push (extra, cert);
      ERR_clear_error ();
      if (sk_X509_num (extra) == 0)
        add_check (r, "package.tsa-chain", TSA_CHAIN_NAME, PD_CHECK_FAILED, NULL,
                   _("The authority's certificate chain file holds no certificate."));
    }
  g_clear_error (&local_error);

  /* The manifest's own token covers its exact bytes: check it before trusting anything in it. */
  {
    guint8 digest[PD_SHA256_LEN];
    unsigned int len = 0;

    EVP_Digest (g_bytes_get_data (manifest_bytes, NULL), g_bytes_get_size (manifest_bytes),
                digest, &len, EVP_sha256 (), NULL);
    package_verify_token (r, dirfd, MANIFEST_TSR_NAME, digest, trust, extra, &manifest_outcome);
  }

  parser = json_parser_new ();
  /* An empty file gives NULL data, which json-glib refuses with a critical: say it plainly. */
  if (g_bytes_get_size (manifest_bytes) == 0)
    g_set_error_literal (&local_error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT, _("The manifest is empty."));
  if (local_error != NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (manifest_bytes, NULL),
                                   (gssize) g_bytes_get_size (manifest_bytes), &local_error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      add_check (r, "manifest.parse", PD_MANIFEST_NAME, PD_CHECK_FAILED,
                 local_error ? local_error->message : "not a JSON object",
                 _("The manifest cannot be read."));
      goto done;
    }
  manifest = json_node_get_object (root);
  {
    gint64 version = 0;
    const char *format = pd_json_string (manifest, "format");

    if (g_strcmp0 (format, PD_MANIFEST_FORMAT) == 0 &&
        json_get_int (manifest, "format_version", &version) &&
        version == PD_MANIFEST_FORMAT_VERSION)
      add_check (r, "manifest.format", PD_MANIFEST_NAME, PD_CHECK_PASSED, format,
                 _("The manifest is a Proofdesk evidence manifest."));
    else
      {
        add_check (r, "manifest.format", PD_MANIFEST_NAME, PD_CHECK_FAILED, format,
                   _("The manifest is not a Proofdesk evidence manifest of a known version."));
        goto done;
      }
  }
  state = pd_json_string (manifest, "state");
  add_check (r, "package.state", PD_MANIFEST_NAME, PD_CHECK_INFO, state,
             _("Package state: %s."), state ? state : "?");
  {
    JsonObject *ts = pd_json_object (manifest, "timestamps");
    JsonObject *authority = pd_json_object (ts, "authority");
    const char *name = pd_json_string (authority, "name");
    const char *url = pd_json_string (authority, "url");

    if (authority)
      add_check (r, "package.authority", PD_MANIFEST_NAME, PD_CHECK_INFO, url,
                 _("The manifest names the timestamp authority “%s”."),
                 name ? name : (url ? url : "?"));
  }

  /* files[] */
  array = pd_json_array (manifest, "files");
  if (array == NULL)
    add_check (r, "manifest.files", PD_MANIFEST_NAME, PD_CHECK_FAILED, NULL,
               _("The manifest lists no files."));
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      const char *name = pd_json_string (o, "name");
      const char *sha = pd_json_string (o, "sha256");
      gint64 size = -1;
      g_autofree char *label = g_strdup_printf ("files[%u]", i);
      FileEntry *e;

      if (o == NULL || name == NULL || sha == NULL || !sha256_hex_ok (sha) ||
          !json_get_int (o, "size", &size) || size < 0)
        {
          add_check (r, "manifest.file-entry", name ? name : label, PD_CHECK_FAILED, label,
                     _("A file entry of the manifest is malformed."));
          continue;
        }
      if (!name_is_safe (name))
        {
          add_check (r, "file.name", name, PD_CHECK_FAILED, NULL,
                     _("The manifest names a file outside the package; it was not read."));
          continue;
        }
      if (g_hash_table_contains (known, name))
        {
          add_check (r, "file.name", name, PD_CHECK_FAILED, NULL,
                     _("The manifest lists this file twice."));
          continue;
        }
      e = g_new0 (FileEntry, 1);
      e->name = g_strdup (name);
      e->size = size;
      e->sha256 = g_ascii_strdown (sha, -1);
      g_ptr_array_add (files, e);
      g_hash_table_add (known, g_strdup (name));
    }
  g_hash_table_add (known, g_strdup (PD_MANIFEST_NAME));
  g_hash_table_add (known, g_strdup (MANIFEST_TSR_NAME));
  g_hash_table_add (known, g_strdup (CERTIFICATE_NAME));

  /* recording */
  recording = pd_json_object (manifest, "recording");
  rec_name = pd_json_string (recording, "name");
  rec_token = pd_json_string (recording, "token");
  rec_sha = pd_json_string (recording, "sha256");
  if (recording == NULL || rec_name == NULL || rec_sha == NULL || !sha256_hex_ok (rec_sha) ||
      !json_get_int (recording, "size", &rec_size) || rec_size < 0)
    {
      add_check (r, "manifest.recording", PD_MANIFEST_NAME, PD_CHECK_FAILED, NULL,
                 _("The manifest does not describe the recording (name, size and SHA-256)."));
      rec_name = NULL;
    }
  else if (!name_is_safe (rec_name))
    {
      add_check (r, "file.name", rec_name, PD_CHECK_FAILED, NULL,
                 _("The manifest names a file outside the package; it was not read."));
      rec_name = NULL;
    }
  if (rec_token && !name_is_safe (rec_token))
    {
      add_check (r, "file.name", rec_token, PD_CHECK_FAILED, NULL,
                 _("The manifest names a file outside the package; it was not read."));
      rec_token = NULL;
    }
  if (rec_name)
    g_hash_table_add (known, g_strdup (rec_name));
  if (rec_token == NULL && rec_name != NULL)
    {
      /* Sealed while the TSA was unreachable ("awaiting-stamp"), then stamped later: the token
       * was added beside the manifest, which is never rewritten. It is checked like any other;
       * its genTime is later than the capture, and the result says so. */
      struct stat st;
      g_autofree char *late = g_strconcat (rec_name, ".tsr", NULL);

      if (name_is_safe (late) && fstatat (dirfd, late, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG (st.st_mode))
        {
          rec_token = g_intern_string (late);
          add_check (r, "recording.late-stamp", late, PD_CHECK_INFO,
                     pd_json_string (manifest, "stopped"),
                     _("The recording was sealed while the timestamp authority was unreachable and stamped afterwards."));
        }
    }
  if (rec_token)
    g_hash_table_add (known, g_strdup (rec_token));
  for (guint i = 0; rec_name && i < files->len; i++)
    if (g_str_equal (((FileEntry *) g_ptr_array_index (files, i))->name, rec_name))
      rec_entry = g_ptr_array_index (files, i);

  /* checkpoints[] */
  array = pd_json_array (manifest, "checkpoints");
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      Checkpoint *c = g_new0 (Checkpoint, 1);
      const char *sha = pd_json_string (o, "sha256");
      const char *token = pd_json_string (o, "token");
      const char *stream_time = pd_json_string (o, "stream_time");
      gint64 running = -1;

      g_ptr_array_add (checkpoints, c);
      if (!json_get_int (o, "index", &c->index))
        c->index = i + 1;
      c->label = g_strdup_printf ("checkpoint %" G_GINT64_FORMAT, c->index);
      c->stamp_error = g_strdup (pd_json_string (o, "stamp_error"));
      if (stream_time)
        c->stream_time = g_strdup (stream_time);
      else if (json_get_int (o, "running_time_ns", &running) && running >= 0)
        c->stream_time = pd_format_stream_time ((guint64) running);
      if (o == NULL || sha == NULL || !sha256_hex_ok (sha) ||
          !json_get_int (o, "offset", &c->offset) || c->offset < 0)
        {
          add_check (r, "checkpoint.entry", c->label, PD_CHECK_FAILED, NULL,
                     _("A checkpoint of the manifest is malformed."));
          continue;
        }
      c->sha256 = g_ascii_strdown (sha, -1);
      if (token && !name_is_safe (token))
        {
          add_check (r, "file.name", token, PD_CHECK_FAILED, NULL,
                     _("The manifest names a file outside the package; it was not read."));
          continue;
        }
      c->token = g_strdup (token);
      if (token)
        g_hash_table_add (known, g_strdup (token));
      c->usable = TRUE;
      c->mark.offset = (guint64) c->offset;
      c->mark.owner = c;
      g_ptr_array_add (sorted, c);
    }
  g_ptr_array_sort (sorted, compare_marks);
  {
    /* Manifest order must be file order: checkpoints are taken while writing. */
    gint64 prev = -1;
    gboolean ordered = TRUE;

    for (guint i = 0; i < checkpoints->len; i++)
      {
        Checkpoint *c = g_ptr_array_index (checkpoints, i);
        if (!c->usable)
          continue;
        if (c->offset <= prev)
          ordered = FALSE;
        prev = c->offset;
      }
    if (!ordered)
      add_check (r, "checkpoint.order", PD_MANIFEST_NAME, PD_CHECK_FAILED, NULL,
                 _("The manifest's checkpoints are not in increasing file order."));
  }

  /* Progress total: every regular file we are going to read. */
  if (progress)
    {
      progress->total = 0;
      if (rec_name && (fd = package_open (dirfd, rec_name, NULL)) >= 0)
        {
          struct stat st;
          if (fstat (fd, &st) == 0)
            progress->total += (guint64) st.st_size;
          close (fd);
        }
      for (guint i = 0; i < files->len; i++)
        {
          FileEntry *e = g_ptr_array_index (files, i);
          struct stat st;

          if (e == rec_entry || (fd = package_open (dirfd, e->name, NULL)) < 0)
            continue;
          if (fstat (fd, &st) == 0)
            progress->total += (guint64) st.st_size;
          close (fd);
        }
    }

  /* The one sequential pass over the recording: its digest and every checkpoint's. */
  marks = g_array_sized_new (FALSE, TRUE, sizeof (PrefixMark), sorted->len);
  for (guint i = 0; i < sorted->len; i++)
    g_array_append_val (marks, ((Checkpoint *) g_ptr_array_index (sorted, i))->mark);
  if (rec_name)
    {
      fd = package_open (dirfd, rec_name, &local_error);
      if (fd < 0)
        {
          add_check (r, "recording.present", rec_name, PD_CHECK_FAILED, local_error->message,
                     _("The recording cannot be read."));
          g_clear_error (&local_error);
        }
      else
        {
          gboolean ok = digest_fd (fd, EVP_sha256 (), (PrefixMark *) marks->data, marks->len,
                                   progress, cancellable, rec_digest, &rec_digest_len,
                                   &rec_actual, rec_name, error);
          close (fd);
          if (!ok)
            {
              close (dirfd);
              return NULL;
            }
          rec_read = TRUE;
          for (guint i = 0; i < sorted->len; i++)
            ((Checkpoint *) g_ptr_array_index (sorted, i))->mark =
              g_array_index (marks, PrefixMark, i);
        }
    }

  if (rec_read)
    {
      g_autofree char *hex = pd_hex_encode (rec_digest, rec_digest_len);
      g_autofree char *size_detail = g_strdup_printf ("manifest %" G_GINT64_FORMAT ", file %" G_GUINT64_FORMAT,
                                                      rec_size, rec_actual);
      g_autofree char *sha_detail = g_strdup_printf ("manifest %s, file %s", rec_sha, hex);

      if (rec_actual == 0)
        add_check (r, "recording.empty", rec_name, PD_CHECK_FAILED, NULL,
                   _("The recording is empty: there is nothing to prove."));
      if ((guint64) rec_size == rec_actual)
        add_check (r, "recording.size", rec_name, PD_CHECK_PASSED, size_detail,
                   _("The recording has the size the manifest states."));
      else
        {
          rec_changed = TRUE;
          add_check (r, "recording.size", rec_name, PD_CHECK_FAILED, size_detail,
                     _("The recording's size differs from the manifest."));
        }
      if (g_ascii_strcasecmp (hex, rec_sha) == 0)
        add_check (r, "recording.digest", rec_name, PD_CHECK_PASSED, hex,
                   _("The recording's SHA-256 matches the manifest."));
      else
        {
          rec_changed = TRUE;
          add_check (r, "recording.digest", rec_name, PD_CHECK_FAILED, sha_detail,
                     _("The recording's SHA-256 differs from the manifest: the recording was changed."));
        }
      if (rec_entry)
        {
          if ((guint64) rec_entry->size == rec_actual && g_str_equal (rec_entry->sha256, hex))
            add_check (r, "file.content", rec_name, PD_CHECK_PASSED, hex,
                       _("Size and SHA-256 match the manifest."));
          else
            add_check (r, "file.content", rec_name, PD_CHECK_FAILED, sha_detail,
                       _("This file differs from the manifest."));
        }

      if (rec_token)
        {
          /* The token's imprint is the stamped digest: if it differs from the file, the file
           * changed even when the manifest was rewritten to match. */
          package_verify_token (r, dirfd, rec_token, rec_digest, trust, extra, &recording_outcome);
          if (pd_verify_result_find_check (r, "token.imprint", rec_token) &&
              !recording_outcome.imprint_ok)
            rec_changed = TRUE;
        }
      else
        add_check (r, "recording.token", rec_name, PD_CHECK_FAILED, NULL,
                   _("The recording has no timestamp token."));
    }
  if (recording_outcome.gen_time)
    r->gen_time = g_date_time_ref (recording_outcome.gen_time);
  else if (manifest_outcome.gen_time)
    r->gen_time = g_date_time_ref (manifest_outcome.gen_time);

  /* Each checkpoint: prefix digest vs manifest, and its token against the prefix as read. */
  for (guint i = 0; i < checkpoints->len && rec_read; i++)
    {
      Checkpoint *c = g_ptr_array_index (checkpoints, i);
      g_autofree char *hex = NULL;
      g_autofree char *detail = NULL;
      g_auto (TokenOutcome) outcome = { 0 };

      if (!c->usable)
        continue;
      if (!c->mark.reached)
        {
          detail = g_strdup_printf ("offset %" G_GINT64_FORMAT ", file size %" G_GUINT64_FORMAT,
                                    c->offset, rec_actual);
          add_check (r, "checkpoint.digest", c->label, PD_CHECK_FAILED, detail,
                     _("This checkpoint lies beyond the end of the recording: the recording was shortened."));
          continue;
        }
      hex = pd_hex_encode (c->mark.digest, c->mark.len);
      detail = g_strdup_printf ("offset %" G_GINT64_FORMAT ", %s: manifest %s, file %s", c->offset,
                                c->stream_time ? c->stream_time : "?", c->sha256, hex);
      if (g_str_equal (hex, c->sha256))
        add_check (r, "checkpoint.digest", c->label, PD_CHECK_PASSED, detail,
                   _("The recording up to this checkpoint matches the manifest."));
      else
        add_check (r, "checkpoint.digest", c->label, PD_CHECK_FAILED, detail,
                   _("The recording up to this checkpoint differs from the manifest."));
      if (c->token)
        c->token_ok = package_verify_token (r, dirfd, c->token, c->mark.digest, trust, extra,
                                            &outcome);
      else
        add_check (r, "checkpoint.token", c->label, PD_CHECK_INFO, c->stamp_error,
                   _("This checkpoint was not stamped; the manifest's token still covers its digest."));
    }
  if (rec_read && rec_changed)
    locate_tamper (r, sorted, rec_actual);

  /* Every other file of files[]. */
  for (guint i = 0; i < files->len; i++)
    {
      FileEntry *e = g_ptr_array_index (files, i);
      guint8 digest[EVP_MAX_MD_SIZE];
      guint len = 0;
      guint64 size = 0;
      g_autofree char *hex = NULL;
      g_autofree char *detail = NULL;
      gboolean ok;

      if (e == rec_entry)
        continue;
      fd = package_open (dirfd, e->name, &local_error);
      if (fd < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            add_check (r, "file.missing", e->name, PD_CHECK_FAILED, local_error->message,
                       _("This file is listed in the manifest but missing."));
          else
            add_check (r, "file.name", e->name, PD_CHECK_FAILED, local_error->message,
                       _("This file cannot be read safely."));
          g_clear_error (&local_error);
          continue;
        }
      ok = digest_fd (fd, EVP_sha256 (), NULL, 0, progress, cancellable, digest, &len, &size,
                      e->name, error);
      close (fd);
      if (!ok)
        {
          close (dirfd);
          return NULL;
        }
      hex = pd_hex_encode (digest, len);
      detail = g_strdup_printf ("manifest %" G_GINT64_FORMAT " bytes %s, file %" G_GUINT64_FORMAT " bytes %s",
                                e->size, e->sha256, size, hex);
      if ((guint64) e->size == size && g_str_equal (hex, e->sha256))
        add_check (r, "file.content", e->name, PD_CHECK_PASSED, hex,
                   _("Size and SHA-256 match the manifest."));
      else
        add_check (r, "file.content", e->name, PD_CHECK_FAILED, detail,
                   _("This file differs from the manifest."));
    }

  /* The certificate a court receives must carry the very tokens of this package. */
  fd = package_open (dirfd, CERTIFICATE_NAME, &local_error);
  if (fd >= 0)
    {
      g_autofree char *pdf_path = g_build_filename (dir, CERTIFICATE_NAME, NULL);
      g_autoptr (GPtrArray) attachments = NULL;

      close (fd);
      attachments = pdf_tokens (pdf_path, &local_error);
      if (attachments == NULL)
        add_check (r, "certificate.tokens", CERTIFICATE_NAME, PD_CHECK_FAILED,
                   local_error->message, _("The certificate's attached tokens cannot be read."));
      for (guint i = 0; attachments && i < attachments->len; i++)
        {
          NamedToken *t = g_ptr_array_index (attachments, i);
          g_autofree char *subject = g_strdup_printf ("%s: %s", CERTIFICATE_NAME, t->name);
          g_autoptr (GBytes) ours = name_is_safe (t->name)
                                      ? package_read (dirfd, t->name, TOKEN_MAX_SIZE, NULL) : NULL;

          if (ours && g_bytes_equal (ours, t->data))
            add_check (r, "certificate.tokens", subject, PD_CHECK_PASSED, NULL,
                       _("The certificate carries the same token as the package."));
          else
            add_check (r, "certificate.tokens", subject, PD_CHECK_FAILED, NULL,
                       _("The certificate carries a token that is not the package's."));
        }
      /* And it must carry them all: a certificate that lost the recording's or the manifest's
       * token (e.g. a damaged attachment list) is not the certificate of this package. */
      for (guint k = 0; attachments && k < 2; k++)
        {
          const char *want = k == 0 ? rec_token : MANIFEST_TSR_NAME;
          struct stat st;
          gboolean carried = FALSE;

          if (want == NULL || fstatat (dirfd, want, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
          for (guint i = 0; i < attachments->len; i++)
            carried |= g_str_equal (((NamedToken *) g_ptr_array_index (attachments, i))->name, want);
          if (!carried)
            add_check (r, "certificate.tokens", want, PD_CHECK_FAILED, NULL,
                       _("The certificate does not carry this token of the package."));
        }
    }
  else if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    add_check (r, "certificate.tokens", CERTIFICATE_NAME, PD_CHECK_FAILED, local_error->message,
               _("The certificate cannot be read safely."));
  g_clear_error (&local_error);

  /* Anything in the folder that nobody listed. */
  walk_extra (r, dirfd, NULL, known, 0);

done:
  close (dirfd);
  result_finish (r);
  return g_steal_pointer (&r);
}

PdVerifyResult *
pd_verify_package (const char *dir, PdTrustStore *trust, PdVerifyProgressFunc progress,
                   gpointer progress_data, GCancellable *cancellable, GError **error)
{
  Progress p = { progress, progress_data, 0, 0 };

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (trust != NULL, NULL);

  return verify_package (dir, trust, &p, cancellable, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Async                                                                                      */

typedef struct
{
  char                 *dir;
  char                 *file;
  char                 *token;
  PdTrustStore         *trust;
  PdVerifyProgressFunc  progress;
  gpointer              progress_data;
  GDestroyNotify        progress_destroy;
  GMainContext         *context;
  GMutex                lock;
  guint64               done;
  guint64               total;
  gboolean              pending;   /* a report is queued in `context` */
} VerifyTaskData;

static void
verify_task_data_free (VerifyTaskData *d)
{
  g_free (d->dir);
  g_free (d->file);
  g_free (d->token);
  g_clear_pointer (&d->trust, pd_trust_store_unref);
  if (d->progress_destroy)
    d->progress_destroy (d->progress_data);
  g_clear_pointer (&d->context, g_main_context_unref);
  g_mutex_clear (&d->lock);
  g_free (d);
}

static gboolean
relay_progress (gpointer user_data)
{
  VerifyTaskData *d = g_task_get_task_data (G_TASK (user_data));
  guint64 done, total;

  g_mutex_lock (&d->lock);
  done = d->done;
  total = d->total;
  d->pending = FALSE;
  g_mutex_unlock (&d->lock);
  d->progress (done, total, d->progress_data);
  return G_SOURCE_REMOVE;
}

/* Worker side: coalesces reports so the main context gets at most one queued at a time. */
typedef struct
{
  GTask          *task;
  VerifyTaskData *data;
} WorkerProgress;

static void
worker_progress (guint64 done, guint64 total, gpointer user_data)
{
  WorkerProgress *wp = user_data;
  VerifyTaskData *d = wp->data;
  gboolean queue;

  g_mutex_lock (&d->lock);
  d->done = done;
  d->total = total;
  queue = !d->pending;
  d->pending = TRUE;
  g_mutex_unlock (&d->lock);
  if (queue)
    g_main_context_invoke_full (d->context, G_PRIORITY_DEFAULT, relay_progress,
                                g_object_ref (wp->task), g_object_unref);
}

static void
verify_package_thread (GTask *task, gpointer source, gpointer task_data,
                       GCancellable *cancellable)
{
  VerifyTaskData *d = task_data;
  WorkerProgress wp = { task, d };
  GError *error = NULL;
  PdVerifyResult *r;

  r = pd_verify_package (d->dir, d->trust, d->progress ? worker_progress : NULL, &wp,
                         cancellable, &error);
  if (r == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, r, (GDestroyNotify) pd_verify_result_unref);
}

void
pd_verify_package_async (const char *dir, PdTrustStore *trust, PdVerifyProgressFunc progress,
                         gpointer progress_data, GDestroyNotify progress_destroy,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  VerifyTaskData *d;

  g_return_if_fail (dir != NULL);
  g_return_if_fail (trust != NULL);

  d = g_new0 (VerifyTaskData, 1);
  d->dir = g_strdup (dir);
  d->trust = pd_trust_store_ref (trust);
  d->progress = progress;
  d->progress_data = progress_data;
  d->progress_destroy = progress_destroy;
  d->context = g_main_context_ref_thread_default ();
  g_mutex_init (&d->lock);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_verify_package_async);
  g_task_set_task_data (task, d, (GDestroyNotify) verify_task_data_free);
  g_task_run_in_thread (task, verify_package_thread);
}

PdVerifyResult *
pd_verify_package_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pd_verify_package_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
verify_file_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VerifyTaskData *d = task_data;
  GError *error = NULL;
  PdVerifyResult *r;

  r = pd_verify_token_for_file (d->file, d->token, d->trust, cancellable, &error);
  if (r == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, r, (GDestroyNotify) pd_verify_result_unref);
}

void
pd_verify_token_for_file_async (const char *file, const char *token_path, PdTrustStore *trust,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  VerifyTaskData *d;

  g_return_if_fail (file != NULL);
  g_return_if_fail (token_path != NULL);
  g_return_if_fail (trust != NULL);

  d = g_new0 (VerifyTaskData, 1);
  d->file = g_strdup (file);
  d->token = g_strdup (token_path);
  d->trust = pd_trust_store_ref (trust);
  d->context = g_main_context_ref_thread_default ();
  g_mutex_init (&d->lock);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_verify_token_for_file_async);
  g_task_set_task_data (task, d, (GDestroyNotify) verify_task_data_free);
  g_task_run_in_thread (task, verify_file_thread);
}

PdVerifyResult *
pd_verify_token_for_file_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pd_verify_token_for_file_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
