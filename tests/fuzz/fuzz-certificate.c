/* fuzz-certificate.c — libFuzzer target: a hostile certificate.pdf, its token attachments read
 * with pd_certificate_read_attachments (poppler underneath). */
#include <string.h>

#include "fuzz-common.h"
#include "report/pd-certificate.h"

static char *pdf_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  pdf_path = g_build_filename (fuzz_tmp, "certificate.pdf", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (pdf_path, (const char *) data, (gssize) size, NULL))
    abort ();
  list = pd_certificate_read_attachments (pdf_path, &error);
  if (list == NULL && error == NULL)
    abort ();
  for (guint i = 0; list && i < list->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (list, i);
      /* Names come from the PDF: they must be one safe path component. */
      if (a->name == NULL || strchr (a->name, '/') != NULL || g_str_equal (a->name, "..") ||
          a->data == NULL || g_bytes_get_size (a->data) > PD_CERTIFICATE_MAX_ATTACHMENT)
        {
          g_printerr ("fuzz-certificate: unsafe attachment “%s”\n", a->name ? a->name : "(null)");
          abort ();
        }
    }
  if (list && list->len > PD_CERTIFICATE_MAX_ATTACHMENTS)
    abort ();
  return 0;
}
