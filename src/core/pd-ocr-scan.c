/* pd-ocr-scan.c — see pd-ocr.h. */
#include "config.h"

#include "pd-ocr.h"
