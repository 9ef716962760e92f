/* pd-verify-time.c — what the tokens of one package say together: one recording, made in one
 * piece in real time from its start to its stop, with every checkpoint accounted for.
 *
 * Each verified token fixes an instant (its genTime). A checkpoint token over the prefix that
 * ends `stream` seconds into the recording, stamped at `gen`, implies that the recording began
 * at about gen − stream. For a recording made in one piece every token implies the same start,
 * within a slack for the round trip to the authority; a recording spliced from two sessions, or
 * one whose later checkpoints were stamped again afterwards, cannot. The rules, and why, are in
 * docs/verifier-contract.md. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "util/pd-util.h"
#include "verify/pd-verify-package-private.h"

#define MAX_REPORTED 5 /* per rule: a person reads the first few, the count says the rest */

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */

static gboolean
json_double (JsonObject *o, const char *key, double *out)
{
  JsonNode *node = o ? json_object_get_member (o, key) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else
    return FALSE;
  return isfinite (*out);
}

static gboolean
json_true (JsonObject *o, const char *key)
{
  JsonNode *node = o ? json_object_get_member (o, key) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

static char *
format_usec (gint64 usec)
{
  g_autoptr (GDateTime) dt = pd_time_from_unix_usec (usec);

  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("?");
}

static char *
format_stream (gint64 ns)
{
  return ns >= 0 ? pd_format_stream_time ((guint64) ns) : g_strdup ("?");
}

static gint64
dt_usec (GDateTime *dt)
{
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static double
acc_s (gint64 accuracy_us)
{
  return accuracy_us / 1e6;
}

/* What the time rules work from, read once from the manifest and the verified tokens. */
typedef struct
{
  PackageWalk *w;
  double       interval;     /* seconds; 0 = no checkpoints; < 0 = not recorded */
  double       duration;     /* seconds; < 0 = not recorded */
  gint64       started_usec; /* the desk's clock; 0 = not recorded */
  double       skew;         /* TSA − desk, seconds */
  gboolean     skew_known;
  GPtrArray   *stamped;      /* Checkpoint whose token verified, by offset */
  Checkpoint  *first;        /* the anchor, or NULL */
  double       start;        /* unix seconds (TSA clock) the tokens imply the recording began */
  gboolean     start_known;
  JsonArray   *source_gaps;  /* source.gaps: screenrecord restarts, or NULL */
  double       fragment;     /* seconds per MP4 fragment */
} TimeModel;

static double
stream_s (const Checkpoint *c)
{
  return c->running_ns / 1e9;
}

static double
gen_s (const Checkpoint *c)
{
  return c->gen_usec / 1e6;
}

static void
model_init (TimeModel *m, PackageWalk *w)
{
  JsonObject *ts = pd_json_object (w->manifest, "timestamps");
  const char *started = pd_json_string (w->manifest, "started");
  g_autoptr (GDateTime) started_dt = started ? pd_time_parse (started) : NULL;

  memset (m, 0, sizeof *m);
  m->w = w;
  if (!json_double (w->manifest, "checkpoint_interval_seconds", &m->interval) || m->interval < 0)
    m->interval = -1;
  if (!json_double (w->manifest, "duration_seconds", &m->duration) || m->duration < 0)
    m->duration = -1;
  if (started_dt)
    m->started_usec = dt_usec (started_dt);
  m->skew_known = json_double (ts, "clock_skew_seconds", &m->skew) && fabs (m->skew) < 1e9;
  if (!m->skew_known)
    m->skew = 0;
  m->source_gaps = pd_json_array (pd_json_object (w->manifest, "source"), "gaps");
  if (json_double (pd_json_object (w->manifest, "encoder"), "fragment_duration_ms", &m->fragment))
    m->fragment = CLAMP (m->fragment / 1000.0, 0.1, 60.0);
  else
    m->fragment = PD_FRAGMENT_DURATION_MS / 1000.0;
  m->stamped = g_ptr_array_new ();
  for (guint i = 0; i < w->sorted->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (w->sorted, i);

      if (c->token_ok && c->gen_usec != 0 && c->running_ns >= 0)
        g_ptr_array_add (m->stamped, c);
    }
  if (m->stamped->len > 0)
    {
      m->first = g_ptr_array_index (m->stamped, 0);
      m->start = gen_s (m->first) - stream_s (m->first);
      m->start_known = TRUE;
    }
  else if (w->recording_outcome.ok && w->recording_outcome.gen_usec != 0 && m->duration >= 0 &&
           !w->rec_token_late && !w->recovered)
    {
      m->start = w->recording_outcome.gen_usec / 1e6 - m->duration;
      m->start_known = TRUE;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Order and pace                                                                             */

/* Offsets and stream times strictly increase; genTimes never go backwards. */
static void
rule_order (TimeModel *m)
{
  PackageWalk *w = m->w;
  guint problems = 0;
  Checkpoint *prev = NULL;

  for (guint i = 0; i < w->sorted->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (w->sorted, i);

      if (prev && c->running_ns >= 0 && prev->running_ns >= 0 && c->running_ns <= prev->running_ns &&
          problems++ < MAX_REPORTED)
        {
          g_autofree char *detail = g_strdup_printf ("%s at %" G_GINT64_FORMAT " ns, %s at %" G_GINT64_FORMAT " ns",
                                                     prev->label, prev->running_ns, c->label, c->running_ns);
          pd_verify_add_check (w->r, "time.order", c->label, PD_CHECK_FAILED, detail,
                               _("This checkpoint lies later in the file than the one before it, but not later in the recording's time."));
        }
      if (c->running_ns >= 0)
        prev = c;
    }
  for (guint i = 1; i < m->stamped->len; i++)
    {
      Checkpoint *a = g_ptr_array_index (m->stamped, i - 1);
      Checkpoint *b = g_ptr_array_index (m->stamped, i);
      double back = gen_s (a) - gen_s (b);

      if (back > 1.0 + acc_s (a->accuracy_us) + acc_s (b->accuracy_us) && problems++ < MAX_REPORTED)
        {
          g_autofree char *ta = format_usec (a->gen_usec);
          g_autofree char *tb = format_usec (b->gen_usec);
          g_autofree char *detail = g_strdup_printf ("%s stamped %s, %s stamped %s", a->label, ta, b->label, tb);
          pd_verify_add_check (w->r, "time.order", b->label, PD_CHECK_FAILED, detail,
                               _("This checkpoint was stamped before the one that precedes it in the recording: its timestamps run backwards."));
        }
    }
  if (problems == 0 && w->sorted->len > 1)
    pd_verify_add_check (w->r, "time.order", PD_MANIFEST_NAME, PD_CHECK_PASSED, NULL,
                         _("The checkpoints follow each other in the file, in the recording's time and in their timestamps."));
}

/* Every stamped checkpoint implies the same start as the first, within the slack: the
 * recording was made in one piece, in real time. */
static void
rule_pace (TimeModel *m)
{
  PackageWalk *w = m->w;
  guint problems = 0;

  for (guint i = 1; i < m->stamped->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (m->stamped, i);
      double off = gen_s (c) - stream_s (c) - m->start;
      double tol = PD_TIME_SLACK_S + acc_s (m->first->accuracy_us) + acc_s (c->accuracy_us) +
                   PD_TIME_DRIFT * stream_s (c);

      if (fabs (off) <= tol)
        continue;
      if (problems++ < MAX_REPORTED)
        {
          g_autofree char *detail = g_strdup_printf ("%s: %.1f s after %s in the recording, stamped %.1f s after it (off by %.1f s, slack %.1f s)",
                                                     c->label, stream_s (c) - stream_s (m->first), m->first->label,
                                                     gen_s (c) - gen_s (m->first), off, tol);
          pd_verify_add_check (w->r, "time.pace", c->label, PD_CHECK_FAILED, detail,
                               _("This checkpoint was not stamped when the recording reached it: the time between its timestamp and the first checkpoint's does not match the recording time between them. The recording was spliced, or this part was timestamped again afterwards."));
        }
    }
  if (problems > MAX_REPORTED)
    {
      g_autofree char *detail = g_strdup_printf ("%u checkpoints off pace", problems);
      pd_verify_add_check (w->r, "time.pace", PD_MANIFEST_NAME, PD_CHECK_FAILED, detail,
                           _("More checkpoints do not keep the recording's pace (%u in all)."), problems);
    }
  if (problems == 0 && m->stamped->len > 1)
    {
      g_autofree char *detail = g_strdup_printf ("%u checkpoints within %.0f s", m->stamped->len, PD_TIME_SLACK_S);
      pd_verify_add_check (w->r, "time.pace", PD_MANIFEST_NAME, PD_CHECK_PASSED, detail,
                           _("Every checkpoint was stamped as the recording reached it: it was made in one piece, in real time."));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Start, stop and the manifest                                                               */

/* The start the manifest claims (the desk's clock, corrected by the skew measured against the
 * authority) is the start the tokens imply. */
static void
rule_start (TimeModel *m)
{
  PackageWalk *w = m->w;
  double claimed, diff, tol;
  g_autofree char *claimed_s = NULL;
  g_autofree char *implied_s = NULL;
  g_autofree char *detail = NULL;

  if (!m->start_known)
    return;
  if (m->started_usec == 0)
    {
      pd_verify_add_check (w->r, "time.start", PD_MANIFEST_NAME, PD_CHECK_FAILED, NULL,
                           _("The manifest does not say when the recording started."));
      return;
    }
  claimed = m->started_usec / 1e6 + m->skew;
  diff = m->start - claimed;
  tol = PD_TIME_SLACK_S + (m->first ? acc_s (m->first->accuracy_us) : acc_s (w->recording_outcome.accuracy_us)) +
        (m->skew_known ? 0 : PD_TIME_UNKNOWN_SKEW_S);
  claimed_s = format_usec ((gint64) (claimed * 1e6));
  implied_s = format_usec ((gint64) (m->start * 1e6));
  detail = g_strdup_printf ("manifest %s (skew %+.3f s%s), tokens %s, difference %.1f s, slack %.1f s", claimed_s,
                            m->skew, m->skew_known ? "" : " unknown", implied_s, diff, tol);
  if (fabs (diff) <= tol)
    pd_verify_add_check (w->r, "time.start", PD_MANIFEST_NAME, PD_CHECK_PASSED, detail,
                         _("The recording's start in the manifest agrees with its timestamps."));
  else
    pd_verify_add_check (w->r, "time.start", PD_MANIFEST_NAME, PD_CHECK_FAILED, detail,
                         _("The manifest says the recording started at %s, but its timestamps show it started at about %s: the manifest's times are not the recording's."),
                         claimed_s, implied_s);
}

/* The recording's own token was taken when it stopped; a late one only where the capture
 * recorded why (the authority unreachable, a crash), and then the late span is named. */
static void
rule_final_token (TimeModel *m)
{
  PackageWalk *w = m->w;
  TokenOutcome *o = &w->recording_outcome;
  double end, lateness, tol_early;
  g_autofree char *detail = NULL;
  g_autofree char *gen_str = NULL;
  Checkpoint *last = m->stamped->len ? g_ptr_array_index (m->stamped, m->stamped->len - 1) : NULL;

  if (!o->ok || o->gen_usec == 0 || !m->start_known || m->duration < 0 || !m->first)
    return;
  end = m->start + m->duration;
  lateness = o->gen_usec / 1e6 - end;
  tol_early = PD_TIME_SLACK_S + acc_s (o->accuracy_us) + acc_s (m->first->accuracy_us) +
              PD_TIME_DRIFT * m->duration;
  gen_str = format_usec (o->gen_usec);
  detail = g_strdup_printf ("stamped %s, %.1f s after the stop the checkpoints imply (allowed %.0f s)", gen_str,
                            lateness, tol_early + PD_TIME_SEAL_S);
  if (lateness < -tol_early)
    pd_verify_add_check (w->r, "time.final-token", w->rec_token, PD_CHECK_FAILED, detail,
                         _("The recording's token was stamped before the recording ended, by its own checkpoints: it is not the token of this recording."));
  else if (lateness <= tol_early + PD_TIME_SEAL_S)
    pd_verify_add_check (w->r, "time.final-token", w->rec_token, PD_CHECK_PASSED, detail,
                         _("The recording's token was stamped when the recording stopped."));
  else if ((w->rec_token_late && w->outage_recorded) || w->recovered)
    {
      guint64 from = last ? (guint64) last->offset : 0;
      gint64 from_ns = last ? last->running_ns : 0;

      pd_verify_add_span (w->r, "time.late-stamp", "late-stamp", TRUE, from, w->rec_actual, from_ns,
                          (gint64) (m->duration * 1e9), detail,
                          w->recovered
                            ? _("The capture was recovered after a crash and stamped at %s; the bytes after the last checkpoint are proven to exist only from then, not from when they were recorded.")
                            : _("The authority could not be reached when the recording stopped (the capture recorded it), so it was stamped at %s; the bytes after the last checkpoint are proven to exist only from then."),
                          gen_str);
    }
  else
    pd_verify_add_check (w->r, "time.final-token", w->rec_token, PD_CHECK_FAILED, detail,
                         _("The recording's token was stamped long after the recording stopped, and the capture recorded no reason: the end of the recording may have been changed and stamped again."));
}

/* The manifest is sealed right after the recording's token. */
static void
rule_manifest_token (TimeModel *m)
{
  PackageWalk *w = m->w;
  TokenOutcome *rec = &w->recording_outcome, *man = &w->manifest_outcome;
  double d;
  g_autofree char *detail = NULL;

  if (!rec->ok || !man->ok || rec->gen_usec == 0 || man->gen_usec == 0)
    return;
  d = (man->gen_usec - rec->gen_usec) / 1e6;
  detail = g_strdup_printf ("manifest token %.1f s after the recording's", d);
  if (d < -(1.0 + acc_s (rec->accuracy_us) + acc_s (man->accuracy_us)))
    pd_verify_add_check (w->r, "time.manifest-token", MANIFEST_TSR_NAME, PD_CHECK_FAILED, detail,
                         _("The manifest was stamped before the recording it describes was stamped: it is not this package's manifest."));
  else if (d > PD_TIME_SEAL_S + PD_TIME_SLACK_S)
    pd_verify_add_check (w->r, "time.manifest-token", MANIFEST_TSR_NAME, PD_CHECK_FAILED, detail,
                         _("The manifest was stamped long after the recording: it was written or changed afterwards."));
  else
    pd_verify_add_check (w->r, "time.manifest-token", MANIFEST_TSR_NAME, PD_CHECK_PASSED, detail,
                         _("The manifest was stamped right after the recording."));
}

/* ------------------------------------------------------------------------------------------ */
/* Completeness                                                                               */

/* A source gap (screenrecord restarted) recorded between two stream times. */
static gboolean
source_gap_between (TimeModel *m, gint64 from_ns, gint64 to_ns)
{
  for (guint i = 0; m->source_gaps && i < json_array_get_length (m->source_gaps); i++)
    {
      JsonObject *g = pd_json_array_object (m->source_gaps, i);
      double before = -1, after = -1;

      if (json_double (g, "before_running_time_ns", &before) && json_double (g, "after_running_time_ns", &after) &&
          after >= from_ns && before <= to_ns)
        return TRUE;
    }
  return FALSE;
}

/* Between the start, each checkpoint and the stop at most one interval (+ slack), unless the
 * capture recorded why not. */
static void
rule_spacing (TimeModel *m)
{
  PackageWalk *w = m->w;
  double limit = PD_CHECKPOINT_MAX_SPACING (m->interval, m->fragment);
  gint64 prev_ns = 0;
  guint64 prev_off = 0;
  guint problems = 0;

  for (guint i = 0; i < w->sorted->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (w->sorted, i);
      g_autofree char *a = NULL, *b = NULL, *detail = NULL;

      if (c->running_ns < 0)
        continue;
      if ((c->running_ns - prev_ns) / 1e9 > limit)
        {
          a = format_stream (prev_ns);
          b = format_stream (c->running_ns);
          detail = g_strdup_printf ("%s–%s, interval %.1f s", a, b, m->interval);
          if (c->no_data_before || source_gap_between (m, prev_ns, c->running_ns))
            pd_verify_add_span (w->r, "time.no-data", "no-data", TRUE, prev_off, (guint64) c->offset, prev_ns,
                                c->running_ns, detail,
                                _("From %s to %s the source sent nothing (the capture recorded it), so there is no checkpoint in between."),
                                a, b);
          else if (problems++ < MAX_REPORTED)
            pd_verify_add_check (w->r, "checkpoint.missing", c->label, PD_CHECK_FAILED, detail,
                                 _("There is no checkpoint between %s and %s, although one is taken every %.0f s and nothing was recorded to explain it: checkpoints were removed."),
                                 a, b, m->interval);
        }
      prev_ns = c->running_ns;
      prev_off = (guint64) c->offset;
    }
  if (m->duration >= 0 && m->duration - prev_ns / 1e9 > limit && !w->recovered)
    {
      g_autofree char *a = format_stream (prev_ns);
      g_autofree char *b = format_stream ((gint64) (m->duration * 1e9));
      g_autofree char *detail = g_strdup_printf ("%s–%s, interval %.1f s", a, b, m->interval);

      problems++;
      pd_verify_add_check (w->r, "checkpoint.missing", PD_MANIFEST_NAME, PD_CHECK_FAILED, detail,
                           _("There is no checkpoint between %s and the end at %s, although one is taken every %.0f s: checkpoints were removed."),
                           a, b, m->interval);
    }
  if (problems == 0)
    {
      g_autofree char *detail = g_strdup_printf ("%u checkpoints, interval %.1f s", w->sorted->len, m->interval);
      pd_verify_add_check (w->r, "checkpoint.missing", PD_MANIFEST_NAME, PD_CHECK_PASSED, detail,
                           _("A checkpoint was taken at every interval: none is missing."));
    }
}

/* Interval, spacing, unstamped checkpoints. */
static void
rule_completeness (TimeModel *m)
{
  PackageWalk *w = m->w;
  guint64 prev_off = 0;
  gint64 prev_ns = 0;

  if (m->interval < 0)
    pd_verify_add_span (w->r, "checkpoint.interval", "interval-unknown", TRUE, 0, w->rec_actual, 0,
                        m->duration >= 0 ? (gint64) (m->duration * 1e9) : -1, NULL, "%s",
                        _("The manifest does not say how often checkpoints were taken, so it cannot be shown that none is missing."));
  else if (m->interval == 0 && m->duration > PD_TIME_SLACK_S)
    pd_verify_add_span (w->r, "time.no-checkpoints", "no-checkpoints", TRUE, 0, w->rec_actual, 0,
                        (gint64) (m->duration * 1e9), NULL, "%s",
                        _("Checkpoints were turned off: only the final token covers the recording, so it is not proven to have been recorded in real time."));
  else if (m->interval > 0)
    rule_spacing (m);

  for (guint i = 0; i < w->sorted->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (w->sorted, i);

      if (c->token == NULL)
        {
          g_autofree char *a = format_stream (prev_ns);
          g_autofree char *b = format_stream (c->running_ns);

          if (c->stamp_error != NULL)
            pd_verify_add_span (w->r, "checkpoint.unstamped", "unstamped-checkpoint", TRUE, prev_off,
                                (guint64) c->offset, prev_ns, c->running_ns, c->stamp_error,
                                _("%s was not stamped (%s): the recording from %s to %s is proven only by a later token."),
                                c->label, c->stamp_error, a, b);
          else
            pd_verify_add_check (w->r, "checkpoint.missing", c->label, PD_CHECK_FAILED, NULL,
                                 _("This checkpoint has neither a token nor a recorded reason why it was not stamped."));
          continue;
        }
      if (c->token_ok)
        {
          prev_off = (guint64) c->offset;
          prev_ns = c->running_ns >= 0 ? c->running_ns : prev_ns;
        }
    }
}

/* Every checkpoint token is listed in files[] (size and SHA-256), and the checkpoint entry's own
 * token digest, where the manifest gives one, is that file's. */
static void
rule_listed (TimeModel *m)
{
  PackageWalk *w = m->w;

  for (guint i = 0; i < w->checkpoints->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (w->checkpoints, i);
      FileEntry *listed = NULL;

      if (c->token == NULL)
        continue;
      for (guint k = 0; k < w->files->len && listed == NULL; k++)
        if (g_str_equal (((FileEntry *) g_ptr_array_index (w->files, k))->name, c->token))
          listed = g_ptr_array_index (w->files, k);
      if (listed == NULL)
        pd_verify_add_check (w->r, "checkpoint.listed", c->token, PD_CHECK_FAILED, c->label,
                             _("This checkpoint's token is not listed with its SHA-256 among the manifest's files."));
      else if (c->token_sha256 && !g_str_equal (c->token_sha256, listed->sha256))
        pd_verify_add_check (w->r, "checkpoint.listed", c->token, PD_CHECK_FAILED, c->token_sha256,
                             _("The checkpoint names a token digest other than the one its file is listed with."));
    }
}

/* The stamp times the manifest records (and the certificate prints) are its tokens' own. */
static void
rule_claimed_times (TimeModel *m)
{
  PackageWalk *w = m->w;
  JsonArray *array = pd_json_array (w->manifest, "checkpoints");
  const char *rec_claim = pd_json_string (pd_json_object (pd_json_object (w->manifest, "recording"), "timestamp"),
                                          "gen_time");
  guint problems = 0;

  for (guint i = 0; array && i < json_array_get_length (array) && i < w->checkpoints->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (w->checkpoints, i);
      const char *claim = pd_json_string (pd_json_array_object (array, i), "gen_time");
      g_autoptr (GDateTime) dt = claim ? pd_time_parse (claim) : NULL;

      if (claim == NULL || !c->token_ok || c->gen_usec == 0)
        continue;
      if (dt == NULL || llabs (dt_usec (dt) - c->gen_usec) > G_USEC_PER_SEC)
        {
          g_autofree char *token_time = format_usec (c->gen_usec);
          g_autofree char *detail = g_strdup_printf ("manifest %s, token %s", claim, token_time);

          problems++;
          pd_verify_add_check (w->r, "checkpoint.gen-time", c->label, PD_CHECK_FAILED, detail,
                               _("The manifest records another stamp time for this checkpoint than its token states."));
        }
    }
  if (rec_claim && w->recording_outcome.ok && w->recording_outcome.gen_usec)
    {
      g_autoptr (GDateTime) dt = pd_time_parse (rec_claim);

      if (dt == NULL || llabs (dt_usec (dt) - w->recording_outcome.gen_usec) > G_USEC_PER_SEC)
        {
          problems++;
          pd_verify_add_check (w->r, "checkpoint.gen-time", w->rec_token, PD_CHECK_FAILED, rec_claim,
                               _("The manifest records another stamp time for the recording than its token states."));
        }
    }
  if (problems == 0 && m->stamped->len > 0)
    pd_verify_add_check (w->r, "checkpoint.gen-time", PD_MANIFEST_NAME, PD_CHECK_PASSED, NULL,
                         _("The stamp times the manifest records are its tokens' own."));
}

/* The tail after the last stamped checkpoint is covered by the final token only: said, with
 * its size and duration. */
static void
report_tail (TimeModel *m)
{
  PackageWalk *w = m->w;
  Checkpoint *last = m->stamped->len ? g_ptr_array_index (m->stamped, m->stamped->len - 1) : NULL;
  guint64 from = last ? (guint64) last->offset : 0;
  gint64 from_ns = last ? last->running_ns : 0;
  gint64 to_ns = m->duration >= 0 ? (gint64) (m->duration * 1e9) : -1;
  g_autofree char *a = format_stream (from_ns);
  g_autofree char *b = format_stream (to_ns);
  g_autofree char *detail = NULL;
  g_autofree char *bytes = NULL;

  if (!w->recording_outcome.ok || !w->rec_read || from >= w->rec_actual)
    return;
  detail = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT ", %s–%s", from, w->rec_actual, a, b);
  bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, w->rec_actual - from);
  pd_verify_add_span (w->r, "time.final-only", "final-token-only", FALSE, from, w->rec_actual, from_ns, to_ns, detail,
                      _("The last part of the recording (%s to %s, %s bytes) is covered by the final token only."),
                      a, b, bytes);
}

/* The stream time the manifest gives each checkpoint is the media time inside the file up to
 * its offset: an adversary who re-stamps a spliced recording and rewrites the stream times to
 * fit the new genTimes moves them away from the recording's own timestamps. */
static void
rule_media_time (TimeModel *m)
{
  PackageWalk *w = m->w;
  g_autoptr (GArray) frags = g_array_new (FALSE, FALSE, sizeof (PdMediaFragment));
  double frag_s = m->fragment, tol, first_media = -1, first_stream = 0;
  guint problems = 0, compared = 0;
  int fd = pd_evidence_open_at (w->dirfd, w->rec_name, NULL);
  gboolean parsed;

  if (fd < 0)
    return;
  if (m->source_gaps && json_array_get_length (m->source_gaps) > 0)
    {
      /* A restarted phone recorder may start its timestamps again. */
      close (fd);
      pd_verify_add_check (w->r, "recording.media-time", w->rec_name, PD_CHECK_INFO, NULL,
                           _("The source restarted during the recording, so its media times were not compared with the checkpoints."));
      return;
    }
  parsed = pd_verify_media_fragments (fd, w->rec_actual, frags);
  close (fd);
  if (!parsed)
    {
      pd_verify_add_check (w->r, "recording.media-time", w->rec_name, PD_CHECK_INFO, NULL,
                           _("The recording is not a fragmented MP4 this verifier reads, so its media times were not compared with the checkpoints."));
      return;
    }
  tol = 3.0 + 2 * frag_s;
  for (guint i = 0; i < w->sorted->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (w->sorted, i);
      double media = -1;

      if (c->running_ns < 0)
        continue;
      for (guint k = 0; k < frags->len && g_array_index (frags, PdMediaFragment, k).end_offset <= (guint64) c->offset; k++)
        media = g_array_index (frags, PdMediaFragment, k).media_time;
      if (media < 0)
        continue;
      if (first_media < 0)
        {
          first_media = media;
          first_stream = stream_s (c);
          continue;
        }
      compared++;
      if (fabs ((media - first_media) - (stream_s (c) - first_stream)) > tol + PD_TIME_DRIFT * stream_s (c) &&
          problems++ < MAX_REPORTED)
        {
          g_autofree char *detail = g_strdup_printf ("%s: manifest says %.1f s after the first checkpoint, the file's video %.1f s (tolerance %.1f s)",
                                                     c->label, stream_s (c) - first_stream, media - first_media, tol);
          pd_verify_add_check (w->r, "recording.media-time", c->label, PD_CHECK_FAILED, detail,
                               _("The stream time the manifest gives this checkpoint is not the time of the video in the file up to it: the manifest's times were rewritten."));
        }
    }
  if (problems == 0 && compared > 0)
    {
      g_autofree char *detail = g_strdup_printf ("%u fragments, %u checkpoints compared", frags->len, compared);
      pd_verify_add_check (w->r, "recording.media-time", w->rec_name, PD_CHECK_PASSED, detail,
                           _("The checkpoints' stream times are the video's own timestamps in the file."));
    }
}

void
pd_verify_package_time_rules (PackageWalk *w)
{
  TimeModel m;

  if (!w->rec_read)
    return;
  model_init (&m, w);
  rule_order (&m);
  rule_media_time (&m);
  rule_pace (&m);
  rule_start (&m);
  rule_final_token (&m);
  rule_manifest_token (&m);
  rule_listed (&m);
  rule_claimed_times (&m);
  if (w->rec_token != NULL)
    rule_completeness (&m);
  report_tail (&m);
  if (m.start_known)
    {
      w->r->recorded_from_usec = (gint64) (m.start * 1e6);
      if (w->recording_outcome.ok && w->recording_outcome.gen_usec)
        w->r->recorded_to_usec = w->recording_outcome.gen_usec;
    }
  g_ptr_array_unref (m.stamped);
}

/* ------------------------------------------------------------------------------------------ */
/* State and journal                                                                          */

static const char *const known_states[] = { "stamped", "awaiting-stamp", "recovered", "failed", NULL };

static void
check_state (PackageWalk *w)
{
  gboolean has_recovery = pd_json_object (w->manifest, "recovery") != NULL;

  w->recovered = g_strcmp0 (w->state, "recovered") == 0;
  if (w->state == NULL || !g_strv_contains (known_states, w->state))
    pd_verify_add_check (w->r, "package.state", PD_MANIFEST_NAME, PD_CHECK_FAILED, w->state,
                         _("The package's state is not one a sealed package can have (stamped, awaiting-stamp, recovered or failed)."));
  else if (w->recovered != (has_recovery && json_true (w->manifest, "recovered")))
    pd_verify_add_check (w->r, "package.state", PD_MANIFEST_NAME, PD_CHECK_FAILED, w->state,
                         _("The package's state and its recovery record disagree."));
  else if (g_str_equal (w->state, "stamped") && w->rec_token_late)
    pd_verify_add_check (w->r, "package.state", PD_MANIFEST_NAME, PD_CHECK_FAILED, w->state,
                         _("The manifest says the recording was stamped when it was sealed, yet its token was added afterwards."));
  else if (g_str_equal (w->state, "awaiting-stamp") && w->rec_token && !w->rec_token_late)
    pd_verify_add_check (w->r, "package.state", PD_MANIFEST_NAME, PD_CHECK_FAILED, w->state,
                         _("The manifest says the recording waited for a timestamp, yet it names the recording's token."));
  else
    pd_verify_add_check (w->r, "package.state", PD_MANIFEST_NAME, PD_CHECK_PASSED, w->state,
                         _("The package's state (%s) agrees with its files."), w->state);
  if (pd_json_string (pd_json_object (w->manifest, "recording"), "stamp_error"))
    w->outage_recorded = TRUE;
  for (guint i = 0; i < w->checkpoints->len; i++)
    if (((Checkpoint *) g_ptr_array_index (w->checkpoints, i))->stamp_error)
      w->outage_recorded = TRUE;
}

/* The checkpoint lines of the journal are the manifest's checkpoints, one for one. */
static gboolean
journal_checkpoints_match (PackageWalk *w, GPtrArray *events, char **why)
{
  guint k = 0;

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *e = g_ptr_array_index (events, i);
      Checkpoint *c;
      gint64 index = -1, offset = -1;
      const char *sha = pd_json_string (e, "sha256");

      if (g_strcmp0 (pd_json_string (e, "event"), "checkpoint") != 0)
        continue;
      if (k >= w->checkpoints->len)
        {
          *why = g_strdup_printf ("the journal has more checkpoints than the manifest (%u)", w->checkpoints->len);
          return FALSE;
        }
      c = g_ptr_array_index (w->checkpoints, k++);
      index = json_object_get_int_member_with_default (e, "index", -1);
      offset = json_object_get_int_member_with_default (e, "offset", -1);
      if (index != c->index || offset != c->offset || sha == NULL || c->sha256 == NULL ||
          g_ascii_strcasecmp (sha, c->sha256) != 0)
        {
          *why = g_strdup_printf ("journal checkpoint %" G_GINT64_FORMAT " at %" G_GINT64_FORMAT
                                  " is not the manifest's %s at %" G_GINT64_FORMAT,
                                  index, offset, c->label, c->offset);
          return FALSE;
        }
    }
  if (k != w->checkpoints->len)
    {
      *why = g_strdup_printf ("the journal has %u checkpoints, the manifest %u", k, w->checkpoints->len);
      return FALSE;
    }
  return TRUE;
}

/* What the journal says happened, against the manifest. */
static char *
journal_disagreement (PackageWalk *w, GPtrArray *events, guint skipped)
{
  JsonObject *first = events->len ? g_ptr_array_index (events, 0) : NULL;
  gboolean stopped = FALSE;
  char *why = NULL;

  if (first == NULL || g_strcmp0 (pd_json_string (first, "event"), "start") != 0)
    return g_strdup ("the journal does not begin with the start of the capture");
  if (g_strcmp0 (pd_json_string (first, "session"), pd_json_string (w->manifest, "session")) != 0)
    return g_strdup ("the journal is another session's");
  if (!journal_checkpoints_match (w, events, &why))
    return why;
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *e = g_ptr_array_index (events, i);
      const char *ev = pd_json_string (e, "event");
      gint64 index = json_object_get_int_member_with_default (e, "index", -1);

      if (g_strcmp0 (ev, "stop") == 0)
        stopped = TRUE;
      else if (g_strcmp0 (ev, "stamp-failed") == 0)
        w->outage_recorded = TRUE;
      else if (g_strcmp0 (ev, "stamped") == 0 && !w->recovered)
        for (guint k = 0; k < w->checkpoints->len; k++)
          {
            Checkpoint *c = g_ptr_array_index (w->checkpoints, k);
            if (c->index == index && c->token == NULL)
              return g_strdup_printf ("the journal records a token for %s, which the manifest says was not stamped",
                                      c->label);
          }
    }
  if (!w->recovered && !stopped)
    return g_strdup ("the journal has no stop: the capture did not end normally, yet the package is not marked recovered");
  if (!w->recovered && skipped > 0)
    return g_strdup_printf ("%u journal lines do not parse", skipped);
  return NULL;
}

static void
check_journal (PackageWalk *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autofree char *why = NULL;
  guint skipped = 0;
  gboolean listed = FALSE;

  for (guint i = 0; i < w->files->len && !listed; i++)
    listed = g_str_equal (((FileEntry *) g_ptr_array_index (w->files, i))->name, PD_JOURNAL_NAME);
  if (!listed)
    {
      pd_verify_add_check (w->r, "journal.consistency", PD_JOURNAL_NAME, PD_CHECK_FAILED, NULL,
                           _("The manifest lists no capture journal, so how the capture went cannot be checked."));
      return;
    }
  bytes = pd_evidence_read_at (w->dirfd, PD_JOURNAL_NAME, PD_JOURNAL_MAX_SIZE, &error);
  if (bytes == NULL)
    return; /* file.missing / file.content say why */
  events = pd_journal_parse (bytes, &skipped);
  why = journal_disagreement (w, events, skipped);
  if (why)
    pd_verify_add_check (w->r, "journal.consistency", PD_JOURNAL_NAME, PD_CHECK_FAILED, why,
                         _("The capture journal does not tell the same story as the manifest."));
  else
    pd_verify_add_check (w->r, "journal.consistency", PD_JOURNAL_NAME, PD_CHECK_PASSED, NULL,
                         _("The capture journal agrees with the manifest: the same checkpoints, stamps and ending."));
}

/* manifest.sha256, where sealing wrote one, names the manifest as it was sealed. */
static void
check_sealed_digest (PackageWalk *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = pd_evidence_read_at (w->dirfd, PD_SEALED_DIGEST_NAME, 4096, &error);
  g_autofree char *hex = NULL;
  gsize len = 0;
  const char *data;

  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        pd_verify_add_check (w->r, "manifest.sealed-digest", PD_SEALED_DIGEST_NAME, PD_CHECK_FAILED, error->message,
                             _("The manifest's sealed digest cannot be read safely."));
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  hex = g_ascii_strdown (data, MIN (len, 64));
  if (len < 64 || w->r->manifest_sha256 == NULL || !g_str_equal (hex, w->r->manifest_sha256))
    pd_verify_add_check (w->r, "manifest.sealed-digest", PD_SEALED_DIGEST_NAME, PD_CHECK_FAILED, hex,
                         _("The digest written when the package was sealed is not the manifest's: the manifest was changed after sealing."));
  else
    pd_verify_add_check (w->r, "manifest.sealed-digest", PD_SEALED_DIGEST_NAME, PD_CHECK_PASSED, hex,
                         _("The manifest is the one sealed (its digest was written at sealing)."));
}

void
pd_verify_package_state_rules (PackageWalk *w)
{
  check_state (w);
  check_journal (w);
  check_sealed_digest (w);
}
