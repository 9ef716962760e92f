/* pd-drives.c — scans optical drives with libburn for the export wizard's disc target. */
#define G_LOG_DOMAIN "pd-drives"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libburn/libburn.h>

#include "export/pd-drives.h"
#include "util/pd-error.h"

/* Scans are serialised: libburn keeps one drive list per process. */
static GMutex scan_lock;

void
pd_drive_free (PdDrive *drive)
{
  if (drive == NULL)
    return;
  g_free (drive->address);
  g_free (drive->name);
  g_free (drive->profile);
  g_free (drive);
}

static gpointer
init_libburn (gpointer data)
{
  /* Returns 1 when pd-export.c initialised it already. */
  if (!burn_initialize ())
    return GINT_TO_POINTER (-1);
  burn_msgs_set_severities ((char *) "FAILURE", (char *) "NEVER", (char *) "libburn: ");
  return GINT_TO_POINTER (1);
}

static PdDrive *
describe_drive (struct burn_drive_info *info)
{
  PdDrive *d = g_new0 (PdDrive, 1);
  char adr[BURN_DRIVE_ADR_LEN] = "";
  char profile[80] = "";
  int profile_no = 0;
  enum burn_disc_status status = BURN_DISC_UNREADY;

  burn_drive_d_get_adr (info->drive, adr);
  d->address = g_strdup (adr);
  d->name = g_strstrip (g_strdup_printf ("%s %s", g_strstrip (info->vendor),
                                         g_strstrip (info->product)));
  d->media = PD_DRIVE_MEDIA_UNKNOWN;
  if (burn_drive_grab (info->drive, 1) == 1)
    {
      /* A freshly inserted disc may take a moment to become ready. */
      for (int i = 0; i < 50 && (status = burn_disc_get_status (info->drive)) == BURN_DISC_UNREADY; i++)
        g_usleep (100 * 1000);
      burn_disc_get_profile (info->drive, &profile_no, profile);
      switch (status)
        {
        case BURN_DISC_BLANK:
          d->media = PD_DRIVE_MEDIA_BLANK;
          break;
        case BURN_DISC_APPENDABLE:
          d->media = PD_DRIVE_MEDIA_APPENDABLE;
          break;
        case BURN_DISC_FULL:
          d->media = PD_DRIVE_MEDIA_CLOSED;
          break;
        case BURN_DISC_EMPTY:
          d->media = PD_DRIVE_MEDIA_NONE;
          break;
        case BURN_DISC_UNREADY:
        case BURN_DISC_UNSUITABLE:
        case BURN_DISC_UNGRABBED:
        default:
          d->media = PD_DRIVE_MEDIA_UNKNOWN;
          break;
        }
      if (d->media == PD_DRIVE_MEDIA_BLANK)
        {
          struct burn_write_opts *opts = burn_write_opts_new (info->drive);
          off_t space = burn_disc_available_space (info->drive, opts);

          burn_write_opts_free (opts);
          d->capacity = space > 0 ? (guint64) space : 0;
        }
      burn_drive_release (info->drive, 0);
    }
  d->profile = g_utf8_make_valid (profile, -1);
  d->can_write = info->write_cdr || info->write_cdrw || info->write_dvdr || info->write_dvdram;
  return d;
}

GPtrArray *
pd_drives_scan (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (GPtrArray) drives = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_drive_free);
  struct burn_drive_info *infos = NULL;
  unsigned int n = 0;
  int ret;

  if (GPOINTER_TO_INT (g_once (&once, init_libburn, NULL)) < 0)
    {
      g_set_error_literal (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                           _("Cannot initialise libburn."));
      return NULL;
    }
  locker = g_mutex_locker_new (&scan_lock);
  while ((ret = burn_drive_scan (&infos, &n)) == 0)
    g_usleep (100 * 1000);
  if (ret < 0)
    {
      g_set_error_literal (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                           _("Cannot look for optical drives."));
      return NULL;
    }
  for (unsigned int i = 0; i < n; i++)
    g_ptr_array_add (drives, describe_drive (&infos[i]));
  /* Frees the list and lets go of every drive the scan opened. */
  if (infos != NULL)
    burn_drive_info_free (infos);
  return g_steal_pointer (&drives);
}

static void
scan_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *drives = pd_drives_scan (&error);

  if (drives == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, drives, (GDestroyNotify) g_ptr_array_unref);
}

void
pd_drives_scan_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, pd_drives_scan_async);
  g_task_run_in_thread (task, scan_thread);
}

GPtrArray *
pd_drives_scan_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
