/* pd-export-job.h — one export as both front ends run it: the packages, target and label, checks before the run, and the bookkeeping after it. */
#pragma once

#include <gio/gio.h>

#include "catalog/pd-catalog.h"
#include "export/pd-export.h"

G_BEGIN_DECLS

/* The wizard and `proofctl export` both describe an export as a PdExportJob and run it through
 * here, so what happens around pd_export_run() exists once: the label given or composed, the
 * target checked before anything is verified, the export (or its refusal) recorded in the
 * catalog and its audit log, the outcome, the counts and the disc label PDF. */
#define PD_TYPE_EXPORT_JOB (pd_export_job_get_type ())
G_DECLARE_FINAL_TYPE (PdExportJob, pd_export_job, PD, EXPORT_JOB, GObject)

PdExportJob    *pd_export_job_new                (PdExportTargetKind kind, const char *target);
PdExportTargetKind pd_export_job_get_kind        (PdExportJob *self);
const char     *pd_export_job_get_target         (PdExportJob *self);
/* Adds a package folder; FALSE (and nothing added) when the same folder is already in. */
gboolean        pd_export_job_add_package        (PdExportJob *self, const char *package_dir);
/* The package folders, in the order given. */
GPtrArray      *pd_export_job_get_packages       (PdExportJob *self);
/* Stripped; NULL or only spaces: composed from the packages (pd_export_compose_label()). */
void            pd_export_job_set_label          (PdExportJob *self, const char *label);
/* The label as set (stripped), or NULL when the export composes it. */
const char     *pd_export_job_get_label          (PdExportJob *self);
void            pd_export_job_set_dispute_type   (PdExportJob *self, const char *dispute_type);
void            pd_export_job_set_trust_store    (PdExportJob *self, PdTrustStore *trust);
void            pd_export_job_set_simulate       (PdExportJob *self, gboolean simulate);
void            pd_export_job_set_capacity_limit (PdExportJob *self, guint64 bytes);
void            pd_export_job_set_progress_func  (PdExportJob *self, PdExportProgressFunc func,
                                                  gpointer user_data, GDestroyNotify destroy);
/* Where the export and refusals are recorded: NULL (the default) is the data folder's catalog;
 * `record` FALSE records nothing. */
void            pd_export_job_set_catalog        (PdExportJob *self, const char *catalog_path,
                                                  gboolean record);

/* ---- Before the run ---- */

/* A catalogued session the wizard may offer: its package folder is there and it is stamped,
 * waiting for a stamp, or recovered. */
gboolean        pd_export_session_is_exportable  (PdCatalogSession *session);
/* Packages were given, and the target is a new or empty folder, or a new image file name
 * (PD_EXPORT_ERROR_INVALID / _EXISTS). Checked again, exactly, by the run. */
gboolean        pd_export_job_check_target       (PdExportJob *self, GError **error);
/* Roughly what the export needs (the packages, block rounding, the root files, an image's
 * overhead) and the room the target has (free space, at most the capacity limit;
 * G_MAXUINT64 for a disc, whose media the caller knows). The run checks exactly. */
void            pd_export_job_estimate           (PdExportJob *self, guint64 *need,
                                                  guint64 *available);

/* ---- The run ---- */

/* Checks the target, runs the export, then records it: an export that went through (not a
 * simulation) goes into the catalog with its sessions, importing any the catalog does not
 * know; a refused one (pd_export_job_get_refused()) into the audit log as "export.refused".
 * A failure to record does not fail the run: see pd_export_job_get_record_error(). One run
 * per job; returns the result (also pd_export_job_get_result()) or NULL and the error. */
PdExportResult *pd_export_job_run                (PdExportJob *self, GCancellable *cancellable,
                                                  GError **error);
/* The same in a worker thread; progress and the bookkeeping in the caller's main context. */
void            pd_export_job_run_async          (PdExportJob *self, GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
PdExportResult *pd_export_job_run_finish         (PdExportJob *self, GAsyncResult *result,
                                                  GError **error);

/* ---- After the run ---- */

PdExportResult *pd_export_job_get_result         (PdExportJob *self);
const GError   *pd_export_job_get_error          (PdExportJob *self);
/* The run failed because a package was refused: it did not verify, holds something that is
 * not exported (PD_EXPORT_ERROR_BAD_PACKAGE) or changed while it was read. */
gboolean        pd_export_job_get_refused        (PdExportJob *self);
/* The package folders the refusal names (NULL-terminated, maybe empty). */
GStrv           pd_export_job_dup_refused_packages (PdExportJob *self);
/* Why the export or refusal could not be recorded in the catalog, or NULL. */
const GError   *pd_export_job_get_record_error   (PdExportJob *self);
/* The catalog's exports.result: "ok", or "read-back: N files differ". NULL before a result. */
const char     *pd_export_job_get_outcome        (PdExportJob *self);
/* Files read back equal. */
guint           pd_export_job_count_equal        (PdExportJob *self);
/* A disc label belongs to an export that was written and read back equal. */
gboolean        pd_export_job_can_write_label    (PdExportJob *self);
/* "x.iso" → "x-label.pdf"; a folder → "<folder>-label.pdf" beside it; a drive →
 * "<volume id>-label.pdf" here; "-label-2.pdf" and on when the name is taken. */
char           *pd_export_job_default_label_path (PdExportJob *self);
gboolean        pd_export_job_write_label        (PdExportJob *self, const char *path,
                                                  GError **error);

G_END_DECLS
