/* pd-ocr-detect.c — see pd-ocr.h. */
#include "config.h"

#include "pd-ocr.h"
