/* fuzz-common.h — shared set-up for the libFuzzer targets and their corpus replay: a private data
 * folder, the seed package's practice CA as the only trust anchor, criticals fatal. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "pd-core.h"
#include "verify/pd-verify.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *fuzz_tmp;

static void
fuzz_quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  /* Hostile input may warn; only criticals and errors matter (they are fatal). */
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    g_log_default_handler (domain, level, message, user_data);
}

static void
fuzz_rm_rf (const char *path)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      fuzz_rm_rf (child);
    }
  g_rmdir (path);
}

static void
fuzz_cleanup (void)
{
  if (fuzz_tmp != NULL)
    fuzz_rm_rf (fuzz_tmp);
}

static void
fuzz_common_init (void)
{
  g_autofree char *data = NULL;

  if (fuzz_tmp != NULL)
    return;
  fuzz_tmp = g_dir_make_tmp ("pd-fuzz-XXXXXX", NULL);
  g_assert (fuzz_tmp != NULL);
  atexit (fuzz_cleanup);
  data = g_build_filename (fuzz_tmp, "data", NULL);
  g_setenv ("PROOFDESK_DATA_DIR", data, TRUE);
  g_unsetenv ("PROOFDESK_TSA_URL");
  g_unsetenv ("G_DEBUG");
  pd_core_init (NULL, NULL);
  /* A g_return_if_fail tripped by input is a bug the target should report. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  g_log_set_default_handler (fuzz_quiet_log, NULL);
}

/* The folder with the seed package's small files: $PD_FUZZ_DATA_DIR, else the source tree's. */
G_GNUC_UNUSED static const char *
fuzz_data_dir (void)
{
  const char *env = g_getenv ("PD_FUZZ_DATA_DIR");

  return env ? env : PD_FUZZ_SOURCE_DIR "/data";
}

G_GNUC_UNUSED static PdTrustStore *
fuzz_trust_store (void)
{
  static PdTrustStore *trust;

  if (trust == NULL)
    {
      g_autofree char *ca = g_build_filename (fuzz_data_dir (), "practice-ca.pem", NULL);

      trust = pd_trust_store_new ();
      if (!pd_trust_store_add_practice_root_file (trust, ca, NULL))
        g_printerr ("fuzz: no practice CA at %s, chains will not verify\n", ca);
    }
  return trust;
}
