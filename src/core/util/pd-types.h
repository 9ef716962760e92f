/* pd-types.h — forward declarations of libproofdesk's types, so headers need not include each other. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PdCapture     PdCapture;
typedef struct _PdSourceSpec  PdSourceSpec;
typedef struct _PdPackage     PdPackage;
typedef struct _PdTsaClient   PdTsaClient;
typedef struct _PdTsaToken    PdTsaToken;
typedef struct _PdLocalTsa    PdLocalTsa;
typedef struct _PdVerifyResult PdVerifyResult;
typedef struct _PdTrustStore  PdTrustStore;
typedef struct _PdCatalog     PdCatalog;

G_END_DECLS
