/* hostile-corpus.h — the adversary's toolkit and the case table of the hostile-package corpus. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/pd-private.h"
#include "verify/pd-verify.h"

G_BEGIN_DECLS


/* What every case starts from: one genuine package made by `proofctl capture` through the
 * in-process test TSA, the TSA's own signing key (the adversary runs that TSA), and a second
 * CA of the corpus (trusted too) that can issue any certificate a case needs. */
typedef struct
{
  char      *tmp;              /* scratch root, removed at the end */
  char      *pkg;              /* the genuine package */
  char      *recovered;        /* a capture killed and recovered, or NULL */
  char      *other_cert;       /* certificate.pdf of another package */
  char      *proofctl;
  char      *trust_paths;      /* ':'-separated CA files the verifier trusts */
  X509      *tsa_cert;         /* the test TSA's signer and key */
  EVP_PKEY  *tsa_key;
  X509      *ca;               /* the corpus CA (trusted) and its key */
  EVP_PKEY  *ca_key;
  X509      *foreign_ca;       /* a CA nobody trusts, its TSA and key */
  X509      *foreign_tsa;
  EVP_PKEY  *foreign_key;
  char      *foreign_chain;    /* PEM file: foreign TSA + CA */
  void      *tsa;              /* PdTestTsa, for its offline responder */
  guint      n_cases;
} Base;

/* One case's copy of a package, with its manifest parsed for editing. Times are unix seconds. */
typedef struct
{
  const Base *base;
  char       *dir;
  JsonObject *manifest;
  GPtrArray  *journal;         /* JsonObject per line, loaded on first use */
  double      manifest_time;   /* genTime of the package's manifest token */
  double      recording_time;  /* genTime of its recording token */
} Case;

typedef gboolean (*CaseBuild) (Case *c);

typedef struct
{
  const char  *name;
  const char  *family;
  CaseBuild    build;
  PdVerdict    verdict;
  const char  *check_id;       /* must be in the result with `status` */
  PdCheckStatus status;
  const char  *subject;        /* when set, the check's subject must be this */
  const char  *error_text;     /* ERROR cases: the GError's message must contain this */
  const char  *pending_id;     /* the rule this row waits for (g_test_incomplete unless strict) */
  gboolean     cli;            /* also run `proofctl verify`: its output has no raw ESC/CSI */
  const char  *alt_id;         /* another check that satisfies the row */
  gboolean     from_recovered; /* start from the recovered package */
  gboolean     or_gaps;        /* valid-with-gaps is as good as the verdict */
} CorpusRow;

#define ROW(fam, nm, fn, v, id, st, ...)                                                      \
  { .family = fam, .name = nm, .build = fn, .verdict = PD_VERDICT_##v, .check_id = id,        \
    .status = PD_CHECK_##st, __VA_ARGS__ }

/* The tables, one per file of cases. */
extern const CorpusRow corpus_time_rows[];      /* genuine, time, completeness, gaps */
extern const guint     corpus_time_n_rows;
extern const CorpusRow corpus_crypto_rows[];    /* crypto, certificate, token bytes */
extern const guint     corpus_crypto_n_rows;
extern const CorpusRow corpus_files_rows[];     /* hostile files, json */
extern const guint     corpus_files_n_rows;

/* ---- the toolkit (hostile-corpus-tools.c) ---- */
Case       *case_new               (const Base *base, const char *src, const char *dir);
void        case_free              (Case *c);
char       *case_path              (Case *c, const char *rel);
guint       case_n_checkpoints     (Case *c);
JsonObject *case_checkpoint        (Case *c, guint index);
JsonObject *case_file_entry        (Case *c, const char *name);
void        case_write             (Case *c, const char *rel, const void *data, gsize len);
void        case_write_bytes       (Case *c, const char *rel, GBytes *bytes);
/* files[] entry of `rel` from the file as it is now (size, SHA-256). */
void        case_refresh_entry     (Case *c, const char *rel);
void        case_drop_entry        (Case *c, const char *rel);
void        case_drop_checkpoint   (Case *c, guint index, gboolean delete_token);
/* A token of the test TSA (its own key) over `sha256` at `when`. */
GBytes     *case_mint              (Case *c, const guint8 *sha256, double when);
double      case_checkpoint_time   (Case *c, guint index);
/* Re-stamps checkpoint `index` at `when`: token file, files[] entry, manifest gen_time. */
void        case_restamp_checkpoint (Case *c, guint index, double when);
void        case_put_checkpoint_token (Case *c, guint index, GBytes *tsr);
void        case_restamp_recording (Case *c, double when);
/* Adds `delta` seconds to every time the manifest and journal state. */
void        case_shift_claims      (Case *c, double delta);
/* Every token re-stamped `delta` seconds later, every claim moved with it: a genuine package
 * made `delta` earlier, as far as anyone can tell. */
void        case_shift_all         (Case *c, double delta);
GPtrArray  *case_journal           (Case *c);
void        case_journal_save      (Case *c);
/* Writes manifest.json from the edited object, re-stamps it at `when` (0: its old time) and
 * writes a new certificate.pdf carrying the new tokens, as sealing would. */
void        case_seal              (Case *c, double when);
/* Writes these exact bytes as manifest.json, stamps them, and rewrites the certificate if the
 * manifest still parses. */
void        case_seal_raw          (Case *c, const void *data, gsize len, double when);
char       *case_manifest_json     (Case *c);
/* Moves the ISO time in o[key] (if any) by `delta` seconds. */
void        json_move_time         (JsonObject *o, const char *key, double delta);
char       *time_iso               (double unix_s);
double      time_parse             (const char *iso);

G_END_DECLS
