/* pd-tsa-private.h — what the token reader (pd-tsa-token.c) and the client (pd-tsa.c) share:
 * the token's fields and the parsing steps the client's reply checks reuse. */
#pragma once

#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "timestamp/pd-local-tsa.h"
#include "timestamp/pd-tsa.h"

G_BEGIN_DECLS

/* A TimeStampResp is a few kilobytes; refuse to buffer a hostile server's gigabytes. */
#define PD_TSA_MAX_REPLY_SIZE (256 * 1024)

struct _PdTsaToken
{
  GObject    parent_instance;

  GBytes    *der;
  GDateTime *gen_time;
  char      *serial;
  char      *policy;
  char      *tsa_name;
  char      *status_text;
  char      *digest_name;
  char      *imprint_hex;
  char      *nonce_hex;
  char      *certs_pem;
  gint64     accuracy;
  gint64     clock_skew;
  gboolean   granted_with_mods;
  gboolean   is_practice;
};

const EVP_MD *pd_tsa_digest_md           (PdTsaDigest digest);
/* The TimeStampResp in `der` (whole, no trailing bytes), or NULL and PD_TSA_ERROR_GARBAGE. */
TS_RESP      *pd_tsa_parse_resp          (GBytes *der, GError **error);
/* Fails with PD_TSA_ERROR_REJECTED unless the status is granted or grantedWithMods. */
gboolean      pd_tsa_check_status        (TS_RESP *resp, GError **error);
/* The one signer certificate embedded in `token` (a new reference), or NULL. */
X509         *pd_tsa_token_signer        (PKCS7 *token);
/* Reads every field of a granted response. `local`: the practice TSA to compare against. */
PdTsaToken   *pd_tsa_token_new_from_resp (TS_RESP *resp, GBytes *der, PdLocalTsa *local,
                                          GError **error);

G_END_DECLS
