/* pd-ocr.c — see pd-ocr.h. */
#include "config.h"

#include "pd-ocr.h"
