/* pd-error.h — one GError domain per subsystem of libproofdesk, with typed codes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PD_CAPTURE_ERROR (pd_capture_error_quark ())
typedef enum {
  PD_CAPTURE_ERROR_BAD_SOURCE,     /* unknown source, bad region/window */
  PD_CAPTURE_ERROR_NO_DISPLAY,     /* X display cannot be opened */
  PD_CAPTURE_ERROR_MISSING_ELEMENT,/* encoder, muxer or source plugin not installed */
  PD_CAPTURE_ERROR_PIPELINE,       /* GStreamer reported an error while recording */
  PD_CAPTURE_ERROR_STATE,          /* start/stop called at the wrong time */
} PdCaptureError;

#define PD_PACKAGE_ERROR (pd_package_error_quark ())
typedef enum {
  PD_PACKAGE_ERROR_IO,             /* cannot create or write a file or folder */
  PD_PACKAGE_ERROR_EXISTS,         /* refusing to overwrite an evidence file */
  PD_PACKAGE_ERROR_BAD_MANIFEST,   /* manifest missing, unparsable or inconsistent */
  PD_PACKAGE_ERROR_BAD_NAME,       /* a file name that would leave the package */
  PD_PACKAGE_ERROR_TOO_LARGE,      /* a file larger than what it claims to be can be */
} PdPackageError;

#define PD_TSA_ERROR (pd_tsa_error_quark ())
typedef enum {
  PD_TSA_ERROR_NETWORK,            /* connection failed */
  PD_TSA_ERROR_TIMEOUT,
  PD_TSA_ERROR_HTTP,               /* HTTP status other than 200 */
  PD_TSA_ERROR_CONTENT_TYPE,       /* reply is not application/timestamp-reply */
  PD_TSA_ERROR_GARBAGE,            /* reply does not parse as a TimeStampResp */
  PD_TSA_ERROR_REJECTED,           /* PKIStatus rejection / waiting / revocation */
  PD_TSA_ERROR_NONCE,              /* nonce not echoed */
  PD_TSA_ERROR_IMPRINT,            /* message imprint differs from the request */
  PD_TSA_ERROR_SIGNATURE,          /* CMS signature or ESS cert id does not verify */
  PD_TSA_ERROR_CERTIFICATE,        /* signer certificate unusable (EKU, missing) */
  PD_TSA_ERROR_TIME,               /* genTime outside send/receive ± tolerance */
  PD_TSA_ERROR_LOCAL,              /* the built-in practice TSA could not be set up */
  PD_TSA_ERROR_POLICY,             /* token policy differs from the one requested */
} PdTsaError;

#define PD_VERIFY_ERROR (pd_verify_error_quark ())
typedef enum {
  PD_VERIFY_ERROR_IO,              /* input cannot be read */
  PD_VERIFY_ERROR_FORMAT,          /* input is not what it claims to be */
  PD_VERIFY_ERROR_BAD_NAME,        /* a name that would leave the package, or a symlink */
  PD_VERIFY_ERROR_UNSUPPORTED,     /* a kind of input this build cannot read */
} PdVerifyError;

#define PD_CERTIFICATE_ERROR (pd_certificate_error_quark ())
typedef enum {
  PD_CERTIFICATE_ERROR_IO,           /* cannot read or write the file */
  PD_CERTIFICATE_ERROR_EXISTS,       /* refusing to overwrite a certificate */
  PD_CERTIFICATE_ERROR_INVALID,      /* bad input: attachment name, size, duplicates */
  PD_CERTIFICATE_ERROR_RENDER,       /* cairo failed or wrote a PDF we cannot extend */
  PD_CERTIFICATE_ERROR_NOT_PDF,      /* empty, or does not start like a PDF */
  PD_CERTIFICATE_ERROR_DAMAGED,      /* a PDF that cannot be opened (corrupt, truncated) */
  PD_CERTIFICATE_ERROR_NO_ATTACHMENTS, /* a PDF without attached files */
  PD_CERTIFICATE_ERROR_TOO_LARGE,    /* file or attachment over the limits */
} PdCertificateError;

#define PD_CATALOG_ERROR (pd_catalog_error_quark ())
typedef enum {
  PD_CATALOG_ERROR_IO,             /* cannot create, open or write the database file */
  PD_CATALOG_ERROR_SQL,            /* any other SQLite failure */
  PD_CATALOG_ERROR_BUSY,           /* another process held the lock past the busy timeout */
  PD_CATALOG_ERROR_CORRUPT,        /* not a database, or a damaged one */
  PD_CATALOG_ERROR_VERSION,        /* written by a newer schema than this build knows */
  PD_CATALOG_ERROR_NOT_FOUND,      /* no such session */
  PD_CATALOG_ERROR_AMBIGUOUS,      /* a UUID prefix matching several sessions */
  PD_CATALOG_ERROR_EXISTS,         /* the session (or another unique thing) is already there */
  PD_CATALOG_ERROR_CONSTRAINT,     /* refused by a CHECK, foreign key or append-only trigger */
  PD_CATALOG_ERROR_INVALID,        /* bad argument: unknown state, bad JSON, unusable manifest */
} PdCatalogError;

#define PD_EXPORT_ERROR (pd_export_error_quark ())
typedef enum {
  PD_EXPORT_ERROR_INVALID,         /* bad request: no packages, two packages with one name */
  PD_EXPORT_ERROR_REFUSED,         /* a package did not verify (invalid or unreadable) */
  PD_EXPORT_ERROR_BAD_PACKAGE,     /* a symlink, special file or escaping name in a package */
  PD_EXPORT_ERROR_CHANGED,         /* a package file changed between verifying and writing */
  PD_EXPORT_ERROR_IO,              /* cannot read, write or sync a file */
  PD_EXPORT_ERROR_EXISTS,          /* the target folder is not empty, or the file exists */
  PD_EXPORT_ERROR_NO_SPACE,        /* the export does not fit the target (checked before writing) */
  PD_EXPORT_ERROR_MEDIA,           /* no drive or disc, or a disc that is not blank */
  PD_EXPORT_ERROR_ISO,             /* libisofs failed to build or read the image */
  PD_EXPORT_ERROR_BURN,            /* libburn failed to write or close the disc */
} PdExportError;

#define PD_DEVICE_ERROR (pd_device_error_quark ())
typedef enum {
  PD_DEVICE_ERROR_ADB_MISSING,     /* adb is not installed (or $PROOFDESK_ADB is wrong) */
  PD_DEVICE_ERROR_ADB_FAILED,      /* adb ran but failed, hung or said something unexpected */
  PD_DEVICE_ERROR_NOT_FOUND,       /* no phone with that serial is connected */
  PD_DEVICE_ERROR_UNAUTHORIZED,    /* USB debugging not yet allowed on the phone */
  PD_DEVICE_ERROR_OFFLINE,         /* the phone is connected but adb cannot talk to it */
  PD_DEVICE_ERROR_SCRCPY_MISSING,  /* scrcpy is not installed */
  PD_DEVICE_ERROR_NO_LOOPBACK,     /* v4l2loopback is not loaded, or has no device */
  PD_DEVICE_ERROR_NO_VIDEO_DEVICE, /* the /dev/videoN given does not exist or is not a device */
  PD_DEVICE_ERROR_NO_PORTAL,       /* the ScreenCast portal is missing, refused or did not answer */
} PdDeviceError;

GQuark pd_capture_error_quark (void);
GQuark pd_device_error_quark (void);
GQuark pd_catalog_error_quark (void);
GQuark pd_certificate_error_quark (void);
GQuark pd_export_error_quark (void);
GQuark pd_package_error_quark (void);
GQuark pd_tsa_error_quark (void);
GQuark pd_verify_error_quark (void);

G_END_DECLS
