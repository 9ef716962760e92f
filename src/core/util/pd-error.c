/* pd-error.c — the error domains declared in pd-error.h. */
#include "util/pd-error.h"

G_DEFINE_QUARK (pd-capture-error-quark, pd_capture_error)
G_DEFINE_QUARK (pd-catalog-error-quark, pd_catalog_error)
G_DEFINE_QUARK (pd-certificate-error-quark, pd_certificate_error)
G_DEFINE_QUARK (pd-device-error-quark, pd_device_error)
G_DEFINE_QUARK (pd-export-error-quark, pd_export_error)
G_DEFINE_QUARK (pd-package-error-quark, pd_package_error)
G_DEFINE_QUARK (pd-tsa-error-quark, pd_tsa_error)
G_DEFINE_QUARK (pd-verify-error-quark, pd_verify_error)
