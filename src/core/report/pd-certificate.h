/* pd-certificate.h — the evidence certificate PDF (cairo + pango) that carries its tokens as attachments. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define PD_CERTIFICATE_NAME "certificate.pdf"
/* Largest attachment written or read back; RFC 3161 tokens are a few KiB. */
#define PD_CERTIFICATE_MAX_ATTACHMENT (1024 * 1024)
/* Most attachments read back from one PDF (a hostile file may list thousands). */
#define PD_CERTIFICATE_MAX_ATTACHMENTS 256
/* Largest certificate file read back. */
#define PD_CERTIFICATE_MAX_FILE (64 * 1024 * 1024)

typedef struct
{
  guint      index;
  char      *stream_time;  /* "HH:MM:SS" into the recording */
  guint64    offset;       /* bytes of the file covered by this checkpoint */
  GDateTime *gen_time;     /* the token's genTime, or NULL if not stamped (yet) */
  gint64     running_time_ns; /* stream time in ns, -1 when unknown */
  gboolean   stamped;      /* the manifest names its token */
  char      *stamp_error;  /* why it was not stamped (manifest "stamp_error"), or NULL */
} PdCertificateCheckpoint;

/* A span of the recording not proven in real time, as the certificate prints it: a checkpoint
 * that was not stamped, from the stamped checkpoint before it (or the start) to the one after
 * it (or the end). The cells are language-free so the verifier can find them again. */
typedef struct
{
  guint  index;            /* the unstamped checkpoint */
  char  *stream_range;     /* "00:00:02–00:00:04" */
  char  *byte_range;       /* "1,403,820–4,169,851" */
  char  *reason;           /* the manifest's stamp_error */
} PdCertificateGap;

/* Rows per certificate table; more become "… and N more" (keeps the certificate short). */
#define PD_CERTIFICATE_TABLE_ROWS 20
/* A recording token taken more than this after the recording stopped is printed as late. */
#define PD_CERTIFICATE_LATE_STAMP_S 120

typedef struct
{
  char    *item;           /* checklist item, as shown to the operator (manifest "title") */
  char    *stream_time;    /* "HH:MM:SS" */
  char    *note;           /* may be NULL */
  guint    id;             /* the mark's number (its still is stills/NNNN-…), 0 when unknown */
  char    *item_title;     /* the template's English title of the item (a msgid), or NULL */
  gboolean undone;         /* the operator undid it while recording */
} PdCertificateMark;

/* A checklist item as the recording left it (manifest "checklist" → "items"). */
typedef struct
{
  char    *id;             /* the template's item id: for lookups, never printed */
  char    *title;          /* the template's English title (a msgid), may be NULL */
  char    *display_title;  /* as the operator saw it, may be NULL */
  gboolean required;
  char    *state;          /* pd_checklist_item_state_to_string(): "marked", "not-shown", … */
  char    *times;          /* stream times of its marks not undone ("00:00:03, 00:01:10"), or NULL */
} PdCertificateItem;

typedef struct
{
  char   *name;            /* one path component, e.g. "recording.mp4.tsr" */
  GBytes *data;
  char   *description;     /* may be NULL; not returned by the reader */
} PdCertificateAttachment;

/* What a certificate shows. Strings may be NULL (shown as a dash). Filled by the caller;
 * pd_certificate_info_new_from_manifest() fills what the manifest knows. */
typedef struct
{
  char      *title;         /* evidence name, e.g. the scenario */
  char      *case_name;
  char      *parties;       /* "张三 v. 李四", may be NULL */
  char      *dispute_type;  /* "private lending", may be NULL */
  char      *operator_name;
  char      *source;        /* source / device description */
  char      *file_name;     /* e.g. "recording.mp4" */
  guint64    file_size;
  char      *sha256;        /* lowercase hex */
  GDateTime *gen_time;      /* the TSA's genTime of the file's token */
  char      *tsa_name;
  char      *serial;
  char      *policy;        /* OID, dotted */
  char      *accuracy;      /* e.g. "±1 s" */
  gboolean   practice;      /* stamped by the built-in practice TSA */
  char      *language;      /* NULL: the locale's language; "en": force English */
  GPtrArray *checkpoints;   /* of PdCertificateCheckpoint */
  GPtrArray *marks;         /* of PdCertificateMark */
  JsonObject *environment;  /* the phone's environment report before recording, or NULL */
  GPtrArray *attachments;   /* of PdCertificateAttachment, embedded in the PDF */
  GDateTime *started;       /* the workstation's clock at start / stop (manifest), or NULL */
  GDateTime *stopped;
  gint64     duration_ns;   /* -1 when unknown */
  gint64     interval_ns;   /* checkpoint interval; -1 when unknown */
  /* The checklist (manifest "checklist"); all NULL when the recording had none. */
  char      *scenario_title;         /* the template's English title (a msgid) */
  char      *scenario_display_title; /* as the operator saw it */
  char      *decision;      /* PD_CHECKLIST_DECISION_*: why it was sealed as it is */
  char      *reason;        /* the operator's reason for sealing anyway, or NULL */
  GPtrArray *items;         /* of PdCertificateItem, in checklist order (never NULL) */
} PdCertificateInfo;

PdCertificateInfo       *pd_certificate_info_new            (void);
void                     pd_certificate_info_free           (PdCertificateInfo *info);
/* Fills case, operator, source, recording name/size/SHA-256, checkpoints and marks (if any)
 * from a manifest.json object (see pd-package.h). Token details are left to the caller.
 * Members of the wrong type are ignored. */
PdCertificateInfo       *pd_certificate_info_new_from_manifest (JsonObject *manifest);
void                     pd_certificate_info_add_checkpoint (PdCertificateInfo *info,
                                                             guint              index,
                                                             const char        *stream_time,
                                                             guint64            offset,
                                                             GDateTime         *gen_time);
/* The gaps of `info` (PdCertificateGap, in checkpoint order). */
GPtrArray               *pd_certificate_info_get_gaps       (const PdCertificateInfo *info);
/* What the final token alone covers: the bytes after the last checkpoint ("2,807,540–4,169,851")
 * and their duration ("1.4 s"); FALSE when the recording ends at its last checkpoint or the
 * size is unknown. Without checkpoints that is the whole recording. */
gboolean                 pd_certificate_info_final_only     (const PdCertificateInfo *info,
                                                             char                   **byte_range,
                                                             char                   **duration);
/* A checklist title in the certificate's language: the English msgid translated (untranslated
 * when `english`), else the title the operator saw; NULL when both are NULL. */
const char              *pd_certificate_item_text           (const char *title,
                                                             const char *display_title,
                                                             gboolean    english);
/* "✓" for an item or mark that counts as shown ("marked", "passed"), "✗" for every other state:
 * language-free, so the verifier finds it in a certificate of any language. */
const char              *pd_certificate_state_symbol        (const char *state);
/* "1,234,567": grouping without the locale's printf. */
char                    *pd_certificate_format_thousands    (guint64 n);
void                     pd_certificate_gap_free            (PdCertificateGap *gap);
void                     pd_certificate_info_add_mark       (PdCertificateInfo *info,
                                                             const char        *item,
                                                             const char        *stream_time,
                                                             const char        *note);
void                     pd_certificate_info_add_attachment (PdCertificateInfo *info,
                                                             const char        *name,
                                                             GBytes            *data,
                                                             const char        *description);

PdCertificateAttachment *pd_certificate_attachment_new      (const char *name,
                                                             GBytes     *data,
                                                             const char *description);
void                     pd_certificate_attachment_free     (PdCertificateAttachment *attachment);

/* Writes a new certificate at `path` (0600, atomically; refuses if `path` exists) with the
 * attachments embedded as PDF attached files. */
gboolean                 pd_certificate_write               (const PdCertificateInfo *info,
                                                             const char              *path,
                                                             GError                 **error);
/* The attached files of a certificate (read with poppler), as a GPtrArray of
 * PdCertificateAttachment. NULL and a PD_CERTIFICATE_ERROR on any problem, including a PDF
 * without attachments. */
GPtrArray               *pd_certificate_read_attachments    (const char *pdf_path,
                                                             GError    **error);

/* Most pages and text read back from one certificate (a hostile file may have millions). */
#define PD_CERTIFICATE_MAX_TEXT_PAGES 200
#define PD_CERTIFICATE_MAX_TEXT (8 * 1024 * 1024)
/* The text a person reads on the certificate (read with poppler in the helper process), as
 * physical lines: characters on one baseline joined left to right, a space between words and
 * table cells, '\n' after each line and '\f' between pages. NULL and a PD_CERTIFICATE_ERROR
 * on a damaged PDF, or one with more than `max_pages` pages or PD_CERTIFICATE_MAX_TEXT bytes. */
char                    *pd_certificate_read_text           (const char *pdf_path,
                                                             guint       max_pages,
                                                             GError    **error);

/* The body of the proofdesk-pdf-reader helper: parses `pdf_path` with poppler and writes its
 * attachments (or the error) to `fd` for pd_certificate_read_attachments(). */
int                      pd_certificate_reader_main         (int fd, const char *pdf_path);
/* `proofdesk-pdf-reader --text MAX_PAGES PDF`: the text for pd_certificate_read_text(). */
int                      pd_certificate_text_reader_main    (int fd, const char *pdf_path,
                                                             guint max_pages);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdCertificateInfo, pd_certificate_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdCertificateAttachment, pd_certificate_attachment_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdCertificateGap, pd_certificate_gap_free)

G_END_DECLS
