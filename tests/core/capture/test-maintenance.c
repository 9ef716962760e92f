/* test-maintenance.c — background recovery and late stamping with back-off, against real
 * proofctl captures (one killed with SIGKILL, one sealed while the TSA was down). */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include "catalog/pd-catalog.h"
#include "pd-core.h"
#include "capture/pd-maintenance.h"
#include "evidence/pd-package.h"
#include "test-common.h"

typedef struct
{
  char      *root;
  GPtrArray *recovered;
  GPtrArray *stamped;
  GPtrArray *failed;
  guint      last_delay;
} Fixture;

static void
run_proofctl (const char *const *argv, gboolean kill_after_seconds)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                   G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);

  g_assert_no_error (error);
  if (kill_after_seconds)
    {
      g_usleep (4 * G_USEC_PER_SEC);
      g_subprocess_send_signal (p, SIGKILL);
    }
  g_subprocess_wait (p, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *proofctl = g_getenv ("PROOFCTL");

  f->root = g_dir_make_tmp ("pd-maint-XXXXXX", &error);
  g_assert_no_error (error);
  f->recovered = g_ptr_array_new_with_free_func (g_free);
  f->stamped = g_ptr_array_new_with_free_func (g_free);
  f->failed = g_ptr_array_new_with_free_func (g_free);
  g_assert_nonnull (proofctl);
  {
    const char *killed[] = { proofctl, "capture", "--source", "test", "--out", f->root,
                             "--case", "killed", "--checkpoint-interval", "1", "--tsa", "local", NULL };
    const char *dead[] = { proofctl, "capture", "--source", "test", "--out", f->root, "--case", "dead",
                           "--duration", "1.5", "--tsa", "http://127.0.0.1:9/", NULL };

    run_proofctl (killed, TRUE);
    run_proofctl (dead, FALSE);
  }
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  pd_test_rm_rf (f->root);
  g_free (f->root);
  g_ptr_array_unref (f->recovered);
  g_ptr_array_unref (f->stamped);
  g_ptr_array_unref (f->failed);
}

static void
on_recovered (PdMaintenance *m, const char *path, Fixture *f)
{
  g_ptr_array_add (f->recovered, g_strdup (path));
}

static void
on_stamped (PdMaintenance *m, const char *path, Fixture *f)
{
  g_ptr_array_add (f->stamped, g_strdup (path));
}

static void
on_failed (PdMaintenance *m, const char *path, const char *message, guint delay, Fixture *f)
{
  g_ptr_array_add (f->failed, g_strdup (path));
  f->last_delay = delay;
}

static const char *
manifest_state (const char *dir)
{
  g_autoptr (PdPackage) p = pd_package_open (dir, NULL);
  static char state[64];

  if (p == NULL)
    return "none";
  g_strlcpy (state, json_object_get_string_member (pd_package_get_manifest (p), "state"), sizeof state);
  return state;
}

static PdMaintenance *
new_maintenance (Fixture *f, const char *tsa)
{
  PdMaintenance *m = pd_maintenance_new (f->root, tsa, NULL);

  g_signal_connect (m, "recovered", G_CALLBACK (on_recovered), f);
  g_signal_connect (m, "stamped", G_CALLBACK (on_stamped), f);
  g_signal_connect (m, "stamp-failed", G_CALLBACK (on_failed), f);
  return m;
}

static void
test_backoff_then_recover_and_stamp (Fixture *f, gconstpointer data)
{
  g_autoptr (PdMaintenance) down = new_maintenance (f, "http://127.0.0.1:9/");
  g_autoptr (PdMaintenance) up = NULL;
  gint64 deadline;

  /* The TSA is down: the crashed capture is still recovered (sealed, awaiting a stamp), the
   * waiting packages are retried with a doubling delay, and nothing is lost. */
  pd_maintenance_set_backoff (down, 1, 4);
  pd_maintenance_start (down);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (f->failed->len < 6 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  pd_maintenance_stop (down);
  g_assert_cmpuint (f->recovered->len, ==, 1);
  g_assert_cmpstr (manifest_state (g_ptr_array_index (f->recovered, 0)), ==, "recovered");
  g_assert_cmpuint (f->stamped->len, ==, 0);
  /* Two packages wait (the dead-TSA one and the one recovered without a stamp), three passes. */
  g_assert_cmpuint (f->failed->len, >=, 6);
  g_assert_cmpuint (f->last_delay, ==, 4);

  /* The TSA is back: every waiting package gets its timestamp. */
  up = new_maintenance (f, "local");
  pd_maintenance_start (up);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (f->stamped->len < 2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->stamped->len, ==, 2);
  for (guint i = 0; i < f->stamped->len; i++)
    {
      g_autofree char *tsr = g_build_filename (g_ptr_array_index (f->stamped, i), PD_RECORDING_TOKEN_NAME, NULL);
      g_autofree char *pdf = g_build_filename (g_ptr_array_index (f->stamped, i), "certificate.pdf", NULL);

      g_assert_true (g_file_test (tsr, G_FILE_TEST_IS_REGULAR));
      g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_cmpuint (pd_maintenance_get_next_retry (up), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pd_core_init (&argc, &argv);
  g_test_add ("/core/maintenance/backoff-then-recover-and-stamp", Fixture, NULL, fixture_setup,
              test_backoff_then_recover_and_stamp, fixture_teardown);
  return g_test_run ();
}
