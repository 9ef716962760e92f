/* test-drives.c — the optical drive scan (libburn): on a machine without a drive it returns an
 * empty list and no error, again and again, in a thread, and cancelled. A real drive, where
 * there is one, must be described fully. (The stdio: pseudo-drive is not something a scan
 * lists; test-export.c burns to one.) */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "export/pd-drives.h"
#include "util/pd-error.h"

/* Whether this machine has an optical drive libburn could list. */
static gboolean
machine_has_drive (void)
{
  g_autoptr (GDir) dev = g_dir_open ("/dev", 0, NULL);
  const char *name;

  while (dev && (name = g_dir_read_name (dev)) != NULL)
    if (g_str_has_prefix (name, "sr") && g_ascii_isdigit (name[2]))
      return TRUE;
  return FALSE;
}

static void
assert_drives (GPtrArray *drives)
{
  g_assert_nonnull (drives);
  if (!machine_has_drive ())
    {
      g_assert_cmpuint (drives->len, ==, 0);
      return;
    }
  for (guint i = 0; i < drives->len; i++)
    {
      PdDrive *d = g_ptr_array_index (drives, i);

      g_assert_true (g_str_has_prefix (d->address, "/dev/"));
      g_assert_nonnull (d->name);
      g_assert_nonnull (d->profile);
      g_assert_true (g_utf8_validate (d->profile, -1, NULL));
      g_assert_cmpint (d->media, >=, PD_DRIVE_MEDIA_NONE);
      g_assert_cmpint (d->media, <=, PD_DRIVE_MEDIA_UNKNOWN);
      /* Only a blank disc has room to burn. */
      if (d->media != PD_DRIVE_MEDIA_BLANK)
        g_assert_cmpuint (d->capacity, ==, 0);
    }
}

/* ------------------------------------------------------------------------------------ sync */

static void
test_scan (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) drives = pd_drives_scan (&error);

  g_assert_no_error (error);
  assert_drives (drives);
  if (!machine_has_drive ())
    g_test_message ("no optical drive on this machine: the scan must find none");
}

/* libburn is initialised once and keeps one list per process: a second and third scan start
 * afresh and find the same. */
static void
test_scan_again (void)
{
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) drives = pd_drives_scan (&error);

      g_assert_no_error (error);
      assert_drives (drives);
    }
}

/* ------------------------------------------------------------------------------------ async */

typedef struct
{
  GMainLoop *loop;
  GThread   *main_thread;
  guint      pending;
  guint      finished;
  GPtrArray *drives[2];
  GError    *errors[2];
} Scan;

static void
on_scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Scan *scan = user_data;
  guint i = scan->finished++;

  /* The callback runs in the caller's main context, not in the worker. */
  g_assert_true (g_thread_self () == scan->main_thread);
  g_assert_null (source);
  g_assert_true (g_task_is_valid (result, NULL));
  g_assert_true (g_task_get_source_tag (G_TASK (result)) == pd_drives_scan_async);
  scan->drives[i] = pd_drives_scan_finish (result, &scan->errors[i]);
  if (--scan->pending == 0)
    g_main_loop_quit (scan->loop);
}

static gboolean
on_timeout (gpointer data)
{
  g_error ("the drive scan did not finish within 60 s");
  return G_SOURCE_REMOVE;
}

static void
run_scans (Scan *scan, guint n, GCancellable *cancellable)
{
  guint timeout;

  scan->loop = g_main_loop_new (NULL, FALSE);
  scan->main_thread = g_thread_self ();
  scan->pending = n;
  for (guint i = 0; i < n; i++)
    pd_drives_scan_async (cancellable, on_scanned, scan);
  timeout = g_timeout_add_seconds (60, on_timeout, NULL);
  g_main_loop_run (scan->loop);
  g_source_remove (timeout);
  g_main_loop_unref (scan->loop);
  g_assert_cmpuint (scan->finished, ==, n);
}

static void
scan_clear (Scan *scan)
{
  for (guint i = 0; i < G_N_ELEMENTS (scan->drives); i++)
    {
      g_clear_pointer (&scan->drives[i], g_ptr_array_unref);
      g_clear_error (&scan->errors[i]);
    }
}

static void
test_scan_async (void)
{
  Scan scan = { 0 };

  run_scans (&scan, 1, NULL);
  g_assert_no_error (scan.errors[0]);
  assert_drives (scan.drives[0]);
  scan_clear (&scan);
}

/* Two scans at once (the wizard opened twice): serialised inside, both answer. */
static void
test_scan_async_concurrent (void)
{
  Scan scan = { 0 };

  run_scans (&scan, 2, NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_no_error (scan.errors[i]);
      assert_drives (scan.drives[i]);
    }
  scan_clear (&scan);
}

/* A wizard closed before the scan answered: the result is "cancelled", not a drive list. */
static void
test_scan_async_cancelled (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Scan scan = { 0 };

  g_cancellable_cancel (cancellable);
  run_scans (&scan, 1, cancellable);
  g_assert_null (scan.drives[0]);
  g_assert_error (scan.errors[0], G_IO_ERROR, G_IO_ERROR_CANCELLED);
  scan_clear (&scan);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/export/drives/scan", test_scan);
  g_test_add_func ("/core/export/drives/scan-again", test_scan_again);
  g_test_add_func ("/core/export/drives/scan-async", test_scan_async);
  g_test_add_func ("/core/export/drives/scan-async-concurrent", test_scan_async_concurrent);
  g_test_add_func ("/core/export/drives/scan-async-cancelled", test_scan_async_cancelled);

  return g_test_run ();
}
