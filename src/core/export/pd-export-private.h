/* pd-export-private.h — what the files of the export share: the object, one run's plan, and the helpers they call across files. */
#pragma once

#include <openssl/evp.h>

/* libburn first: libisofs.h then uses libburn's struct burn_source. */
#include <libburn/libburn.h>
#include <libisofs/libisofs.h>

#include "export/pd-export.h"

G_BEGIN_DECLS

#define COPY_BUFFER      (256 * 1024)
#define MAX_TOKEN        (1024 * 1024)
#define MAX_DEPTH        16
#define MAX_COMPONENT    60       /* characters of a case or folder name in the export */
#define PER_FILE_SLACK   (4096)   /* file system or ISO block rounding, per file */
#define ISO_BLOCK        2048
#define READ_TILE        32       /* blocks per read from a drive (64 KiB) */
#define PROGRESS_STEP    (4 * 1024 * 1024)

struct _PdExport
{
  GObject              parent_instance;

  PdExportTargetKind   kind;
  char                *target;
  GPtrArray           *package_dirs;
  char                *label;
  char                *dispute_type;
  PdTrustStore        *trust;
  gboolean             simulate;
  guint64              capacity_limit;
  PdExportProgressFunc progress;
  gpointer             progress_data;
  GDestroyNotify       progress_destroy;
  gboolean             started;
};

/* One file to write: a package file (read from `src`) or a generated one (`data`). */
typedef struct
{
  char            *rel;      /* path in the export */
  char            *src_root; /* package folder, NULL for generated files */
  char            *src_rel;  /* path inside the package */
  GBytes          *data;
  guint64          size;
  gint64           mtime;    /* seconds, for copies */
  char            *sha256;   /* expected */
  const char      *from;
  PdExportPackage *package;  /* borrowed from the result */
} PlanFile;

/* One run of a PdExport (not a PdExportJob: that is the front ends' bookkeeping). */
typedef struct
{
  PdExport       *self;
  PdExportResult *result;
  PdTrustStore   *trust;
  GPtrArray      *files;    /* of PlanFile* */
  GPtrArray      *dirs;     /* of char*, parents before children */
  GHashTable     *by_rel;   /* rel → PlanFile* */
  guint64         total;    /* payload bytes */
  GCancellable   *cancellable;
  PdExportProgressFunc progress;
  gpointer        progress_data;
  PdExportPhase   last_phase;
  guint64         last_done;
  gint64          last_time;
} Job;

typedef struct
{
  EVP_MD_CTX *sha;
  EVP_MD_CTX *md5;
  guint64     size;
} Digest;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsoImage, iso_image_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsoWriteOpts, iso_write_opts_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsoReadOpts, iso_read_opts_free)

/* pd-export.c: one run */
void                pd_export_progress           (Job *job, PdExportPhase phase, guint64 done,
                                                  guint64 total);
gboolean            pd_export_io_error           (GError **error, int code, int saved_errno,
                                                  const char *format, const char *path);

/* pd-export-io.c: the libraries, hashing, read-back bookkeeping, capacity */
gboolean            pd_export_ensure_libraries   (GError **error);
char               *pd_export_library_messages   (void);
gboolean            pd_export_iso_failed         (GError **error, int code, int ret,
                                                  const char *what);
void                pd_export_digest_init        (Digest *d, gboolean with_md5);
void                pd_export_digest_update      (Digest *d, const void *data, gsize len);
char               *pd_export_digest_finish      (Digest *d, guint8 *md5);
char               *pd_export_hash_fd            (Job *job, int fd, PdExportPhase phase,
                                                  guint64 *base, guint64 *size_out,
                                                  GError **error);
PdExportFile       *pd_export_record_file        (Job *job, PlanFile *pf);
void                pd_export_judge              (Job *job, PdExportFile *f, const char *actual,
                                                  guint64 size, const char *problem);
guint64             pd_export_free_space         (const char *path);
gboolean            pd_export_check_capacity     (Job *job, guint64 need, guint64 available,
                                                  GError **error);

/* pd-export-package.c: safe names, reading a package into the plan */
int                 pd_export_open_beneath       (const char *root, const char *rel,
                                                  GError **error);
gboolean            pd_export_read_package       (Job *job, const char *dir,
                                                  GHashTable *export_dirs, GError **error);

/* pd-export-index.c: INDEX.html, INDEX.txt, VERIFY.txt, SHA256SUMS */
void                pd_export_add_root_files     (Job *job);

/* pd-export-folder.c */
gboolean            pd_export_fsync_path         (const char *path);
gboolean            pd_export_write_all          (int fd, const guint8 *data, gsize len);
gboolean            pd_export_write_folder       (Job *job, GError **error);

/* pd-export-iso.c */
IsoImage           *pd_export_build_image        (Job *job, GError **error);
struct burn_source *pd_export_image_source       (IsoImage *image, GError **error);
gboolean            pd_export_read_back_image    (Job *job, IsoDataSource *source,
                                                  GError **error);
gboolean            pd_export_write_iso          (Job *job, GError **error);

/* pd-export-burn.c */
gboolean            pd_export_write_disc         (Job *job, GError **error);

G_END_DECLS
