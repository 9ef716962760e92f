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
} PdCertificateCheckpoint;

typedef struct
{
  char *item;              /* checklist item, as shown to the user */
  char *stream_time;       /* "HH:MM:SS" */
  char *note;              /* may be NULL */
} PdCertificateMark;

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

/* The body of the proofdesk-pdf-reader helper: parses `pdf_path` with poppler and writes its
 * attachments (or the error) to `fd` for pd_certificate_read_attachments(). */
int                      pd_certificate_reader_main         (int fd, const char *pdf_path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdCertificateInfo, pd_certificate_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdCertificateAttachment, pd_certificate_attachment_free)

G_END_DECLS
