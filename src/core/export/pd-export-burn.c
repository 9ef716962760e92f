/* pd-export-burn.c — exports to a blank disc with libburn: checks the media, burns and closes it, reads it back. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "util/pd-error.h"
#include "export/pd-export-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Disc (libburn)                                                                             */
/* ------------------------------------------------------------------------------------------ */

static GMutex burn_lock; /* libburn drives: one burn at a time in this process */

/* An IsoDataSource over a grabbed drive: libisofs reads the disc back through libburn. */
typedef struct
{
  struct burn_drive *drive;
  guint8             cache[READ_TILE * ISO_BLOCK];
  guint32            cache_lba;
  guint32            cache_blocks;
} DriveReader;

static int
drive_src_open (IsoDataSource *src)
{
  return ISO_SUCCESS;
}

static int
drive_src_close (IsoDataSource *src)
{
  return ISO_SUCCESS;
}

static int
drive_src_read_block (IsoDataSource *src, uint32_t lba, uint8_t *buffer)
{
  DriveReader *r = src->data;
  guint32 tile = lba - lba % READ_TILE;
  off_t count = 0;

  if (r->cache_blocks > 0 && lba >= r->cache_lba && lba < r->cache_lba + r->cache_blocks)
    {
      memcpy (buffer, r->cache + (gsize) (lba - r->cache_lba) * ISO_BLOCK, ISO_BLOCK);
      return ISO_SUCCESS;
    }
  /* Whole tiles are much faster on a real drive; near the end of the track they may fail,
   * and then single blocks are read. Flags: no messages (bit1), no slow retries (bit2). */
  r->cache_blocks = 0;
  if (burn_read_data (r->drive, (off_t) tile * ISO_BLOCK, (char *) r->cache, sizeof r->cache,
                      &count, 2 | 4) > 0 ||
      count >= (off_t) (lba - tile + 1) * ISO_BLOCK)
    {
      r->cache_lba = tile;
      r->cache_blocks = count > 0 ? (guint32) (count / ISO_BLOCK) : READ_TILE;
      if (lba < r->cache_lba + r->cache_blocks)
        {
          memcpy (buffer, r->cache + (gsize) (lba - tile) * ISO_BLOCK, ISO_BLOCK);
          return ISO_SUCCESS;
        }
      r->cache_blocks = 0;
    }
  if (burn_read_data (r->drive, (off_t) lba * ISO_BLOCK, (char *) buffer, ISO_BLOCK, &count, 2) > 0)
    return ISO_SUCCESS;
  return ISO_DATA_SOURCE_FAILURE;
}

static void
drive_src_free (IsoDataSource *src)
{
  g_free (src->data);
}

static IsoDataSource *
drive_source_new (struct burn_drive *drive)
{
  IsoDataSource *src = g_new0 (IsoDataSource, 1);
  DriveReader *r = g_new0 (DriveReader, 1);

  r->drive = drive;
  src->version = 0;
  src->refcount = 1;
  src->open = drive_src_open;
  src->close = drive_src_close;
  src->read_block = drive_src_read_block;
  src->free_data = drive_src_free;
  src->data = r;
  return src;
}

static void
drive_source_unref (IsoDataSource *src)
{
  /* libisofs frees a source it owns with free(); ours came from g_new0 (the same allocator). */
  iso_data_source_unref (src);
}

typedef struct
{
  struct burn_drive_info *infos;
  struct burn_drive      *drive;
} Grab;

static gboolean
grab_drive (const char *address, Grab *grab, GError **error)
{
  g_autofree char *adr = g_strdup (address);

  memset (grab, 0, sizeof *grab);
  if (strlen (adr) >= BURN_DRIVE_ADR_LEN)
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("The drive address “%s” is too long."), address);
      return FALSE;
    }
  if (burn_drive_scan_and_grab (&grab->infos, adr, 1) != 1 || grab->infos == NULL)
    {
      g_autofree char *more = pd_export_library_messages ();

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("Cannot open the drive “%s” (is it there, and may you use it?)%s%s"),
                   address, *more ? ": " : "", more);
      return FALSE;
    }
  grab->drive = grab->infos[0].drive;
  return TRUE;
}

static void
release_drive (Grab *grab)
{
  if (grab->drive != NULL)
    burn_drive_release (grab->drive, 0);
  if (grab->infos != NULL)
    burn_drive_info_free (grab->infos);
  memset (grab, 0, sizeof *grab);
}

static enum burn_disc_status
disc_status (struct burn_drive *drive)
{
  enum burn_disc_status status;

  /* libburn may need a moment to make up its mind (spinning up, reading the TOC). */
  for (int i = 0; i < 600 && (status = burn_disc_get_status (drive)) == BURN_DISC_UNREADY; i++)
    g_usleep (G_USEC_PER_SEC / 20);
  return status;
}

/* Media that can be written once per area: closing them makes them read-only. */
static gboolean
profile_is_write_once (int profile)
{
  switch (profile)
    {
    case 0x09: /* CD-R */
    case 0x0a: /* CD-RW (closed until blanked) */
    case 0x11: /* DVD-R sequential */
    case 0x14: /* DVD-RW sequential */
    case 0x15: /* DVD-R DL sequential */
    case 0x16: /* DVD-R DL jump */
    case 0x1b: /* DVD+R */
    case 0x2b: /* DVD+R DL */
    case 0x41: /* BD-R sequential */
      return TRUE;
    default:
      return FALSE;
    }
}

/* Refuses anything but media that is blank and safe to write. */
static gboolean
check_media (Job *job, Grab *grab, int *profile_out, GError **error)
{
  const char *address = job->self->target;
  enum burn_disc_status status = disc_status (grab->drive);
  int role = burn_drive_get_drive_role (grab->drive);
  char name[80] = "";
  int profile = 0;

  burn_disc_get_profile (grab->drive, &profile, name);
  *profile_out = profile;
  g_free (job->result->media);
  job->result->media = g_strdup (*name ? name : "?");

  if (role != 1 && role != 2)
    {
      /* 0 null drive, 3/5 write-only (cannot be read back), 4 read-only. */
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("“%s” cannot be written and read back (libburn drive role %d)."), address, role);
      return FALSE;
    }
  switch (status)
    {
    case BURN_DISC_BLANK:
      break;
    case BURN_DISC_EMPTY:
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("There is no disc in “%s”."), address);
      return FALSE;
    case BURN_DISC_APPENDABLE:
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("The disc in “%s” already holds sessions; an evidence disc must hold this "
                     "export alone. Use a blank disc."), address);
      return FALSE;
    case BURN_DISC_FULL:
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("The disc in “%s” is closed or full; nothing can be added. Use a blank disc."),
                   address);
      return FALSE;
    default:
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("The disc in “%s” cannot be used (%s)."), address, job->result->media);
      return FALSE;
    }

  /* Overwritable media (DVD+RW, BD-RE, stdio files) count as "blank" even when full of data.
   * Proofdesk never writes over anything: a volume there, or a non-empty file, is refused. */
  if (!profile_is_write_once (profile))
    {
      guint8 block[ISO_BLOCK];
      off_t count = 0;

      if (role == 2 && g_str_has_prefix (address, "stdio:"))
        {
          GStatBuf st;

          if (g_stat (address + 6, &st) == 0 && (!S_ISREG (st.st_mode) || st.st_size > 0))
            {
              g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                           _("“%s” is not empty; Proofdesk never writes over existing data."),
                           address + 6);
              return FALSE;
            }
        }
      else if (burn_read_data (grab->drive, 16 * ISO_BLOCK, (char *) block, ISO_BLOCK, &count, 2) > 0 &&
               memcmp (block + 1, "CD001", 5) == 0)
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                       _("The disc in “%s” already holds a file system; Proofdesk never writes "
                         "over existing data. Blank it first, or use a new disc."), address);
          return FALSE;
        }
    }
  return TRUE;
}

/* The drive simulates where asked, the image fits, libburn takes it as the track and knows a
 * way to write it. Returns the image's size, or -1 with `error` set; `*src` is the source
 * (cancelled on failure), for the caller to free. */
static off_t
prepare_track (Job *job, Grab *grab, IsoImage *image, struct burn_write_opts *opts,
               struct burn_disc *disc, struct burn_track *track, struct burn_source **src,
               GError **error)
{
  struct burn_multi_caps *caps = NULL;
  char reasons[BURN_REASONS_LEN];
  gboolean can_simulate;
  off_t available, size;

  if (job->self->simulate)
    {
      can_simulate = burn_disc_get_multi_caps (grab->drive, BURN_WRITE_NONE, &caps, 0) > 0 &&
                     caps != NULL && caps->might_simulate;
      if (caps != NULL)
        burn_disc_free_multi_caps (&caps);
      if (!can_simulate)
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                       _("This drive and disc cannot simulate a burn."));
          return -1;
        }
    }

  *src = pd_export_image_source (image, error);
  if (*src == NULL)
    return -1;
  /* Capacity, before a single byte goes to the disc. */
  size = (*src)->get_size (*src);
  available = burn_disc_available_space (grab->drive, opts);
  if (!pd_export_check_capacity (job, (guint64) size + PD_EXPORT_DISC_PADDING, (guint64) MAX (available, 0),
                       error))
    {
      (*src)->cancel (*src);
      return -1;
    }
  if (burn_track_set_source (track, *src) != BURN_SOURCE_OK)
    {
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BURN,
                   _("libburn does not accept the image as a track."));
      (*src)->cancel (*src);
      return -1;
    }
  if (burn_write_opts_auto_write_type (opts, disc, reasons, 0) == BURN_WRITE_NONE)
    {
      g_autofree char *why = g_utf8_make_valid (reasons, -1);

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_MEDIA,
                   _("No way to write this disc: %s"), why);
      (*src)->cancel (*src);
      return -1;
    }
  return size;
}

/* Starts the burn and follows it to the end, passing a cancellation on to the drive. */
static void
run_burn (Job *job, Grab *grab, struct burn_write_opts *opts, struct burn_disc *disc, off_t size)
{
  struct burn_progress progress;
  enum burn_drive_status state;
  gboolean cancelled = FALSE;

  pd_export_progress (job, PD_EXPORT_PHASE_WRITE, 0, size);
  burn_disc_write (opts, disc);
  while (burn_drive_get_status (grab->drive, NULL) == BURN_DRIVE_SPAWNING)
    g_usleep (1000);
  while ((state = burn_drive_get_status (grab->drive, &progress)) != BURN_DRIVE_IDLE)
    {
      if (!cancelled && g_cancellable_is_cancelled (job->cancellable))
        {
          burn_drive_cancel (grab->drive);
          cancelled = TRUE;
        }
      if (state == BURN_DRIVE_WRITING && progress.sectors > 0)
        pd_export_progress (job, PD_EXPORT_PHASE_WRITE,
                      MIN ((guint64) progress.sector * ISO_BLOCK, (guint64) size), size);
      else if (state == BURN_DRIVE_CLOSING_TRACK || state == BURN_DRIVE_CLOSING_SESSION ||
               state == BURN_DRIVE_WRITING_LEADOUT || state == BURN_DRIVE_WRITING_SYNC)
        pd_export_progress (job, PD_EXPORT_PHASE_FINALISE, 0, 1);
      g_usleep (G_USEC_PER_SEC / 10);
    }
}

static gboolean
burn_image (Job *job, Grab *grab, IsoImage *image, GError **error)
{
  struct burn_write_opts *opts = burn_write_opts_new (grab->drive);
  struct burn_disc *disc = burn_disc_create ();
  struct burn_session *session = burn_session_create ();
  struct burn_track *track = burn_track_create ();
  struct burn_source *src = NULL;
  gboolean ok = FALSE;
  off_t size;

  burn_disc_add_session (disc, session, BURN_POS_END);
  burn_track_define_data (track, 0, PD_EXPORT_DISC_PADDING, 1, BURN_MODE1);
  burn_session_add_track (session, track, BURN_POS_END);

  /* Closed: nothing can be appended to an evidence disc afterwards. */
  burn_write_opts_set_multi (opts, 0);
  burn_write_opts_set_perform_opc (opts, 0);
  burn_write_opts_set_underrun_proof (opts, 1);
  burn_write_opts_set_simulate (opts, job->self->simulate);
  burn_drive_set_speed (grab->drive, 0, 0);

  size = prepare_track (job, grab, image, opts, disc, track, &src, error);
  if (size < 0)
    goto out;
  run_burn (job, grab, opts, disc, size);
  if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
    goto out;
  if (!burn_drive_wrote_well (grab->drive))
    {
      g_autofree char *more = pd_export_library_messages ();

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BURN, _("The burn failed%s%s"),
                   *more ? ": " : ".", more);
      goto out;
    }
  job->result->bytes_written = job->self->simulate ? 0 : (guint64) size;
  pd_export_progress (job, PD_EXPORT_PHASE_FINALISE, 1, 1);
  ok = TRUE;

out:
  if (src != NULL)
    burn_source_free (src);
  burn_track_free (track);
  burn_session_free (session);
  burn_disc_free (disc);
  burn_write_opts_free (opts);
  return ok;
}

gboolean
pd_export_write_disc (Job *job, GError **error)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&burn_lock);
  g_autoptr (IsoImage) image = NULL;
  IsoDataSource *source;
  Grab grab;
  int profile = 0;
  gboolean ok;

  image = pd_export_build_image (job, error);
  if (image == NULL)
    return FALSE;
  g_free (pd_export_library_messages ()); /* start with an empty queue */
  if (!grab_drive (job->self->target, &grab, error))
    return FALSE;
  ok = check_media (job, &grab, &profile, error) && burn_image (job, &grab, image, error);
  release_drive (&grab);
  if (!ok)
    return FALSE;

  if (job->self->simulate)
    {
      job->result->simulated = TRUE;
      for (guint i = 0; i < job->files->len; i++)
        pd_export_record_file (job, g_ptr_array_index (job->files, i));
      return TRUE;
    }

  /* Grab the drive again so it reports the disc as it now is, then read it all back. */
  if (!grab_drive (job->self->target, &grab, error))
    return FALSE;
  if (profile_is_write_once (profile))
    {
      enum burn_disc_status status = disc_status (grab.drive);

      if (status != BURN_DISC_FULL)
        {
          release_drive (&grab);
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BURN,
                       _("The disc was written but not closed; it could still be appended to."));
          return FALSE;
        }
      job->result->closed = TRUE;
    }
  source = drive_source_new (grab.drive);
  ok = pd_export_read_back_image (job, source, error);
  drive_source_unref (source);
  release_drive (&grab);
  return ok;
}

