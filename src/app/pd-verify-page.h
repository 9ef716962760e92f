/* pd-verify-page.h — the Verify view: drop a recording and its certificate (or a package), see the verdict. */
#pragma once

#include <adwaita.h>

#include "verify/pd-verify.h"

G_BEGIN_DECLS

typedef enum {
  PD_VERIFY_PAGE_EMPTY,     /* nothing dropped yet (maybe a message about a refused drop) */
  PD_VERIFY_PAGE_WAITING,   /* one half dropped, waiting for the other */
  PD_VERIFY_PAGE_VERIFYING, /* a worker is reading */
  PD_VERIFY_PAGE_RESULT,    /* a verdict (or "cannot verify") is shown */
} PdVerifyPageState;

#define PD_TYPE_VERIFY_PAGE_STATE (pd_verify_page_state_get_type ())
GType pd_verify_page_state_get_type (void) G_GNUC_CONST;

#define PD_TYPE_VERIFY_PAGE (pd_verify_page_get_type ())
G_DECLARE_FINAL_TYPE (PdVerifyPage, pd_verify_page, PD, VERIFY_PAGE, AdwBin)

PdVerifyPage      *pd_verify_page_new          (void);

/* The drop handler: pairs what was dropped (file + .tsr, file + certificate.pdf, a package
 * folder, a manifest.json) with what is waiting, and starts verifying when a pair is complete.
 * `files` is a list of GFile (borrowed). FALSE when the drop was refused (the message says
 * why) or a verification is running. */
gboolean           pd_verify_page_add_files    (PdVerifyPage *self,
                                                GSList       *files);
/* Cancels a running verification, if any. */
void               pd_verify_page_cancel       (PdVerifyPage *self);
/* "Verify Another": forgets the result and anything waiting. */
void               pd_verify_page_reset        (PdVerifyPage *self);
/* Writes the result shown as a PDF report (pd_verify_report_write_pdf). */
gboolean           pd_verify_page_save_report  (PdVerifyPage *self,
                                                const char   *path,
                                                GError      **error);

/* Shows `result` as the outcome of verifying `inputs` (a result made elsewhere, e.g. by the
 * catalog, or by a test). Ignored while a verification is running. */
void               pd_verify_page_show_result  (PdVerifyPage   *self,
                                                PdVerifyResult *result,
                                                const char     *inputs);

PdVerifyPageState  pd_verify_page_get_state    (PdVerifyPage *self);
/* The result shown, or NULL (nothing yet, or the input could not be read). */
PdVerifyResult    *pd_verify_page_get_result   (PdVerifyPage *self);
/* The result's verdict; PD_VERDICT_ERROR when the input could not be read. */
PdVerdict          pd_verify_page_get_verdict  (PdVerifyPage *self);
/* The headline shown on the result, e.g. "Changed". */
const char        *pd_verify_page_get_headline (PdVerifyPage *self);
/* What the page says right now besides the verdict: why a drop was refused, what is waiting,
 * or why verification could not run. NULL when there is nothing to say. */
const char        *pd_verify_page_get_message  (PdVerifyPage *self);

G_END_DECLS
