/* pd-verify-package-private.h — what the files that check one package share: its entries as
 * read from the manifest, the walk's state, and the rules that judge the tokens together. */
#pragma once

#include "verify/pd-verify-private.h"

/* The verifier's time contract (docs/verifier-contract.md). */
#define PD_TIME_SLACK_S        10.0   /* TSA round trip, queueing, genTime granularity */
#define PD_TIME_DRIFT          1e-3   /* desk clock vs TSA clock, per second of recording */
#define PD_TIME_SEAL_S         (20.0 + 5.0 + 60.0) /* seal waits for late checkpoint stamps
                                                    * (PD_TSA_DEFAULT_TIMEOUT + 5 s), then
                                                    * writes the package: at most this long
                                                    * between stop and the final token */
#define PD_TIME_UNKNOWN_SKEW_S (15.0 * 60.0) /* desk clock vs TSA when never measured */

typedef struct
{
  char    *name;
  gint64   size;
  char    *sha256;
} FileEntry;

typedef struct
{
  gint64       index;
  gint64       offset;
  char        *sha256;
  char        *stream_time;
  gint64       running_ns;   /* -1 when the manifest does not say */
  char        *token;        /* relative name, or NULL when the stamp failed */
  char        *token_sha256; /* the manifest's digest of the token file, or NULL */
  char        *stamp_error;
  gboolean     no_data_before; /* the capture recorded that no bytes came before it */
  char        *label;        /* "checkpoint 3" */
  PrefixMark   mark;
  gboolean     usable;       /* a well-formed entry, part of the read pass */
  gboolean     token_ok;     /* its token verified (authority trust aside) */
  GDateTime   *gen_time;     /* its token's verified genTime, or NULL */
  gint64       gen_usec;     /* the same with its fraction, 0 when none */
  gint64       accuracy_us;
} Checkpoint;

/* What the steps of one package check share. Borrowed pointers; the strings point into the
 * manifest. */
typedef struct
{
  PdVerifyResult  *r;
  PdTrustStore    *trust;
  Progress        *progress;
  GCancellable    *cancellable;
  const char      *dir;
  int              dirfd;
  STACK_OF (X509) *extra;       /* tsa-chain.pem, or NULL */
  JsonObject      *manifest;
  GPtrArray       *files;       /* FileEntry, listed in files[] */
  GPtrArray       *checkpoints; /* Checkpoint, in manifest order */
  GPtrArray       *sorted;      /* the usable ones, by offset */
  GHashTable      *known;       /* every name the package may hold */
  const char      *state;
  const char      *rec_name;
  const char      *rec_token;
  const char      *rec_sha;
  gint64           rec_size;
  gboolean         rec_token_late; /* the token lies beside the manifest (stamped afterwards) */
  FileEntry       *rec_entry;
  guint8           rec_digest[EVP_MAX_MD_SIZE];
  guint            rec_digest_len;
  guint64          rec_actual;
  gboolean         rec_read;
  gboolean         rec_changed;
  TokenOutcome     manifest_outcome;
  TokenOutcome     recording_outcome;
  gboolean         recovered;       /* the manifest says the capture was recovered after a crash */
  gboolean         outage_recorded; /* the capture recorded that the TSA could not be reached */
} PackageWalk;

/* pd-verify-media.c: one complete fragment of a fragmented MP4. */
typedef struct
{
  guint64 end_offset; /* where its mdat ends */
  double  media_time; /* seconds of video from the first fragment's start to its end */
} PdMediaFragment;

gboolean pd_verify_media_fragments (int fd, guint64 file_size, GArray *out);

/* pd-verify-time.c: the tokens judged together — order, pace, start and stop, gaps and the
 * tail covered by the final token only; completeness of the checkpoint list; the state and
 * the journal against what the files show. Runs after every token was verified. */
void pd_verify_package_time_rules (PackageWalk *w);
void pd_verify_package_state_rules (PackageWalk *w);
