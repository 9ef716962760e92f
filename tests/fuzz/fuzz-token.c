/* fuzz-token.c — libFuzzer target: a .tsr from disk, parsed (pd_tsa_token_new_from_der) and
 * verified (pd_verify_token_bytes) against the digest it claims and against a fixed one. */
#include <string.h>

#include "fuzz-common.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  fuzz_trust_store ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) der = g_bytes_new (data, size);
  g_autoptr (PdTsaToken) token = NULL;
  g_autoptr (PdVerifyResult) r1 = NULL;
  g_autoptr (PdVerifyResult) r2 = NULL;
  g_autoptr (JsonNode) json = NULL;
  g_autoptr (GError) error = NULL;
  static const guint8 fixed[32] = { 0x42 };
  guint8 claimed[64];
  gsize claimed_len = 0;

  token = pd_tsa_token_new_from_der (der, &error);
  if (token != NULL)
    {
      const char *hex = pd_tsa_token_get_imprint_hex (token);

      (void) pd_tsa_token_get_gen_time (token);
      (void) pd_tsa_token_get_serial (token);
      (void) pd_tsa_token_get_policy (token);
      (void) pd_tsa_token_get_tsa_name (token);
      (void) pd_tsa_token_get_accuracy (token);
      (void) pd_tsa_token_get_status_text (token);
      (void) pd_tsa_token_get_nonce_hex (token);
      (void) pd_tsa_token_get_certificates_pem (token);
      (void) pd_tsa_token_is_practice (token);
      (void) pd_tsa_token_get_digest_name (token);
      /* Verify against the digest the token names, so the signature and chain code runs. */
      if (hex != NULL && strlen (hex) / 2 <= sizeof claimed && strlen (hex) % 2 == 0 &&
          pd_hex_decode (hex, claimed, strlen (hex) / 2))
        claimed_len = strlen (hex) / 2;
    }
  g_clear_error (&error);

  r1 = pd_verify_token_bytes (der, "SHA256", fixed, sizeof fixed, fuzz_trust_store (), &error);
  g_clear_error (&error);
  if (r1 != NULL)
    {
      json = pd_verify_result_to_json (r1);
      (void) pd_verify_result_get_summary (r1);
    }
  if (claimed_len > 0)
    {
      const char *alg = pd_tsa_token_get_digest_name (token);
      r2 = pd_verify_token_bytes (der, alg ? alg : "SHA256", claimed, claimed_len,
                                  fuzz_trust_store (), &error);
      if (r2 != NULL)
        (void) pd_verify_result_get_summary (r2);
    }
  return 0;
}
