/* proofctl.h — the subcommands of proofctl, each in its own file. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Exit codes shared by every subcommand. */
enum {
  PCTL_EXIT_OK = 0,          /* ok / valid (practice authority included, and said) */
  PCTL_EXIT_INVALID = 1,     /* verification failed */
  PCTL_EXIT_ERROR = 2,       /* usage or I/O error */
  PCTL_EXIT_UNTRUSTED = 3,   /* intact, but the authority is not trusted */
  PCTL_EXIT_GAPS = 4,        /* valid, but with named gaps in the real-time proof */
};

int pctl_audit (int argc, char **argv);
int pctl_capture (int argc, char **argv);
int pctl_devices (int argc, char **argv);
int pctl_env (int argc, char **argv);
int pctl_export (int argc, char **argv);
int pctl_import (int argc, char **argv);
int pctl_list (int argc, char **argv);
int pctl_ocr (int argc, char **argv);
int pctl_show (int argc, char **argv);
int pctl_recover (int argc, char **argv);
int pctl_stamp (int argc, char **argv);
int pctl_tsa (int argc, char **argv);
int pctl_verify (int argc, char **argv);

/* Opens the catalog (NULL path = the default) for a command that records into it. A catalog
 * that cannot be opened is reported and NULL returned: recording goes on without it. */
struct _PdCatalog *pctl_open_catalog_for_recording (const char *path);

/* Prints a JSON document (pretty) on stdout: every --json output. */
void pctl_print_json (JsonNode *node);

/* Prints "proofctl: MESSAGE" on stderr and returns PCTL_EXIT_ERROR. */
int pctl_fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
