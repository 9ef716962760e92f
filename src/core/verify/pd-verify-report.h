/* pd-verify-report.h — what a verification result means to a person, and its PDF report (cairo + pango). */
#pragma once

#include <gio/gio.h>

#include "verify/pd-verify.h"

G_BEGIN_DECLS

/* The headline a person reads. Finer than PdVerdict: an INVALID verdict is "changed" when the
 * data no longer matches what was stamped, "cannot verify" when the token or manifest could not
 * be read at all, and "not valid" otherwise (a broken signature, an unusable certificate). */
typedef enum {
  PD_VERIFY_OUTCOME_VALID,
  PD_VERIFY_OUTCOME_VALID_PRACTICE,
  PD_VERIFY_OUTCOME_UNTRUSTED,
  PD_VERIFY_OUTCOME_CHANGED,
  PD_VERIFY_OUTCOME_NOT_VALID,
  PD_VERIFY_OUTCOME_CANNOT_VERIFY,
  PD_VERIFY_OUTCOME_VALID_WITH_GAPS,
} PdVerifyOutcome;

/* The facts of the main token (the recording's, or the single token checked). */
typedef struct
{
  char      *subject;          /* the token's name, e.g. "recording.mp4.tsr" */
  GDateTime *gen_time;         /* UTC, or NULL */
  char      *tsa_name;
  char      *serial;
  char      *policy;           /* dotted OID */
  char      *accuracy;         /* e.g. "± 1 s" */
  char      *digest;           /* the stamped digest, hex, when it matched the data */
  char      *digest_algorithm; /* e.g. "SHA-256" */
} PdVerifyTokenFacts;

/* `result` may be NULL (the input could not be read): PD_VERIFY_OUTCOME_CANNOT_VERIFY. */
PdVerifyOutcome     pd_verify_outcome_from_result (PdVerifyResult *result);
/* A short translated headline, e.g. "Intact, but authority not trusted". */
const char         *pd_verify_outcome_get_title   (PdVerifyOutcome outcome);

/* NULL when no token could be parsed. */
PdVerifyTokenFacts *pd_verify_token_facts_new     (PdVerifyResult *result);
void                pd_verify_token_facts_free    (PdVerifyTokenFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdVerifyTokenFacts, pd_verify_token_facts_free)

/* Writes an A4 report of `result` (headline, summary, tamper location, token facts and every
 * check) to `path`, atomically, replacing a file already there (the caller asked the user).
 * Text is in the current locale's language. */
gboolean            pd_verify_report_write_pdf    (PdVerifyResult *result,
                                                   const char     *path,
                                                   GError        **error);

G_END_DECLS
