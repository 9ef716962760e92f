/* proofdesk-pdf-reader.c — parses one certificate PDF in its own process, so a hostile file
 * that crashes poppler cannot take Proofdesk down; see pd_certificate_read_attachments(). */
#include "config.h"

#include <locale.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "pd-core.h"

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc == 4 && g_str_equal (argv[1], "--text"))
    {
      guint64 pages = g_ascii_strtoull (argv[2], NULL, 10);

      pd_core_init_minimal ();
      return pd_certificate_text_reader_main (STDOUT_FILENO, argv[3], (guint) CLAMP (pages, 1, 10000));
    }
  if (argc != 2)
    return 2;
  pd_core_init_minimal ();
  return pd_certificate_reader_main (STDOUT_FILENO, argv[1]);
}
