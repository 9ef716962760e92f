/* replay.c — runs saved inputs (seed corpus, crash regressions) through one fuzz target's
 * LLVMFuzzerTestOneInput in a normal build, so a fixed crash stays fixed. TAP output.
 *   fuzz-replay-TARGET FILE|DIR…
 * A g_critical during an input fails it; an input whose name ends in ".todo" is a known,
 * not yet fixed bug: reported as TODO (rename it when the fix lands). */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint n;
static guint criticals;

static void
replay_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    {
      criticals++;
      printf ("# %s-CRITICAL: %s\n", domain ? domain : "", message);
    }
}

static void
replay (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        replay (g_ptr_array_index (names, i));
      return;
    }
  if (!g_file_get_contents (path, &contents, &len, NULL))
    {
      printf ("not ok %u - cannot read %s\n", ++n, path);
      return;
    }
  criticals = 0;
  if (g_str_has_suffix (path, ".todo"))
    {
      /* A known bug may crash: run it in a child so the rest of the inputs still run. */
      int status = 0;
      pid_t pid;

      fflush (stdout);
      pid = fork ();
      if (pid == 0)
        {
          LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
          fflush (stdout);
          _exit (criticals > 0 ? 1 : 0);
        }
      waitpid (pid, &status, 0);
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        printf ("ok %u - %s (known bug no longer reproduces: drop the .todo suffix)\n", ++n, path);
      else
        printf ("not ok %u - %s: %s # TODO known bug, not fixed yet\n", ++n, path,
                WIFSIGNALED (status) ? g_strsignal (WTERMSIG (status)) : "criticals");
      return;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
  if (criticals == 0)
    printf ("ok %u - %s (%" G_GSIZE_FORMAT " bytes)\n", ++n, path, len);
  else
    printf ("not ok %u - %s: %u criticals\n", ++n, path, criticals);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  LLVMFuzzerInitialize (&argc, &argv);
  /* Count criticals per input instead of aborting on the first (G_DEBUG=fatal-warnings). */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR);
  g_log_set_default_handler (replay_log, NULL);
  g_log_set_handler ("Json", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL, replay_log, NULL);
  g_log_set_handler ("GLib", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL, replay_log, NULL);
  g_log_set_handler ("GLib-GObject", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL, replay_log, NULL);
  g_log_set_handler ("proofdesk", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL, replay_log, NULL);
  for (int i = 1; i < argc; i++)
    if (g_file_test (argv[i], G_FILE_TEST_EXISTS))
      replay (argv[i]);
  printf ("1..%u\n", n);
  return 0;
}
