/* pd-disc-label.h — an export's label (platform + dispute type + capture date), its ISO volume id, and the printable disc label / sleeve insert PDF. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The dispute type when nothing else is known. Court-facing text: written on the disc in the
 * court's language whatever the interface language is, so deliberately not translated. */
#define PD_DISC_LABEL_DEFAULT_DISPUTE "民间借贷"
/* ISO 9660 limits the primary volume identifier to 32 d-characters (A–Z, 0–9, _). */
#define PD_ISO_VOLUME_ID_MAX 32

/* "WeChat" for the wechat-* scenarios, "Alipay", "Mini-Program"; NULL when unknown. */
const char *pd_disc_label_platform_for_scenario (const char *scenario);

/* "WeChat 民间借贷 2026-11-27": the distinct platforms (NULL-terminated, may be empty) joined
 * with "+", the dispute type (NULL: the default) and the local capture date of `first`, or a
 * range "2026-11-27–2026-11-29" when `last` falls on a later day. `first` may be NULL. */
char       *pd_disc_label_compose               (const char *const *platforms,
                                                 const char        *dispute_type,
                                                 GDateTime         *first,
                                                 GDateTime         *last);

/* A valid ISO 9660 volume id for `label`: upper-cased ASCII letters and digits, every other run
 * of characters one '_', at most 32 characters. A label with no ASCII letters or digits (all
 * Chinese, say) gives "PROOFDESK_YYYYMMDD" from `date` (now when NULL). */
char       *pd_disc_label_volume_id             (const char *label, GDateTime *date);

/* One session (package) on the label. */
typedef struct
{
  char      *name;             /* the package folder as exported, "<case>/<folder>" */
  char      *case_name;
  char      *scenario;
  char      *recording_sha256; /* lowercase hex, or NULL */
  guint64    recording_size;
  GDateTime *started;          /* capture start, or NULL */
  GDateTime *gen_time;         /* TSA genTime of the recording's token, or NULL */
  char      *tsa_name;
  gboolean   practice;         /* stamped by the practice authority: not for court */
} PdDiscLabelSession;

typedef struct
{
  char      *label;
  char      *volume_id;
  char      *target;           /* where it was written: a folder, an image file, a drive */
  GDateTime *written;          /* when the export finished */
  GPtrArray *sessions;         /* of PdDiscLabelSession */
} PdDiscLabelInfo;

PdDiscLabelInfo    *pd_disc_label_info_new         (void);
void                pd_disc_label_info_free        (PdDiscLabelInfo *info);
/* Appends an empty session owned by `info`, for the caller to fill. */
PdDiscLabelSession *pd_disc_label_info_add_session (PdDiscLabelInfo *info);

/* Writes an A4 PDF (0600, refusing to replace `path`): page 1 a 120 mm sleeve insert with the
 * label, case, volume id and every session's recording SHA-256 and TSA time, then the same in
 * full; page 2 a CD-sized (120 mm) disc label with cutting guides. Errors: PD_EXPORT_ERROR. */
gboolean            pd_disc_label_write_pdf        (const PdDiscLabelInfo *info,
                                                    const char            *path,
                                                    GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdDiscLabelInfo, pd_disc_label_info_free)

G_END_DECLS
