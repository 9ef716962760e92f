/* pd-verify-result.c — a verification result: named checks, the verdict they add up to, JSON. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "timestamp/pd-local-tsa.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "util/pd-util.h"
#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "verify/pd-verify.h"
#include "verify/pd-verify-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Result                                                                                     */


G_DEFINE_BOXED_TYPE (PdVerifyResult, pd_verify_result, pd_verify_result_ref,
                     pd_verify_result_unref)

static void
pd_verify_check_free (PdVerifyCheck *check)
{
  g_free (check->id);
  g_free (check->subject);
  g_free (check->message);
  g_free (check->detail);
  g_free (check);
}

static void
pd_verify_span_free (PdVerifySpan *span)
{
  g_free (span->kind);
  g_free (span->message);
  g_free (span);
}

PdVerifyResult *
pd_verify_result_new (void)
{
  PdVerifyResult *self = g_new0 (PdVerifyResult, 1);

  g_atomic_ref_count_init (&self->ref);
  self->verdict = PD_VERDICT_INVALID;
  self->checks = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_verify_check_free);
  self->spans = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_verify_span_free);
  return self;
}

PdVerifyResult *
pd_verify_result_ref (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
pd_verify_result_unref (PdVerifyResult *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  g_ptr_array_unref (self->checks);
  g_ptr_array_unref (self->spans);
  g_free (self->summary);
  g_clear_pointer (&self->gen_time, g_date_time_unref);
  g_free (self->tamper_stream_time);
  g_free (self->tamper_sentence);
  g_free (self);
}

PdVerdict
pd_verify_result_get_verdict (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, PD_VERDICT_ERROR);
  return self->verdict;
}

GPtrArray *
pd_verify_result_get_checks (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->checks;
}

const PdVerifyCheck *
pd_verify_result_find_check (PdVerifyResult *self, const char *id, const char *subject)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->checks->len; i++)
    {
      const PdVerifyCheck *check = g_ptr_array_index (self->checks, i);

      if (g_str_equal (check->id, id) && (subject == NULL || g_strcmp0 (subject, check->subject) == 0))
        return check;
    }
  return NULL;
}

guint
pd_verify_result_count_failed (PdVerifyResult *self)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (guint i = 0; i < self->checks->len; i++)
    if (((PdVerifyCheck *) g_ptr_array_index (self->checks, i))->status == PD_CHECK_FAILED)
      n++;
  return n;
}

gboolean
pd_verify_result_get_recorded (PdVerifyResult *self, GDateTime **from, GDateTime **to)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (from)
    *from = self->recorded_from_usec ? pd_time_from_unix_usec (self->recorded_from_usec) : NULL;
  if (to)
    *to = self->recorded_to_usec ? pd_time_from_unix_usec (self->recorded_to_usec) : NULL;
  return self->recorded_from_usec != 0;
}

GPtrArray *
pd_verify_result_get_spans (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->spans;
}

const char *
pd_verify_result_get_summary (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->summary;
}

GDateTime *
pd_verify_result_get_gen_time (PdVerifyResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->gen_time;
}

gboolean
pd_verify_result_get_tamper_location (PdVerifyResult *self, guint64 *intact_up_to,
                                      guint *checkpoint, const char **stream_time)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->has_tamper)
    return FALSE;
  if (intact_up_to)
    *intact_up_to = self->intact_up_to;
  if (checkpoint)
    *checkpoint = self->tamper_checkpoint;
  if (stream_time)
    *stream_time = self->tamper_stream_time;
  return TRUE;
}

const char *
pd_verdict_to_string (PdVerdict verdict)
{
  switch (verdict)
    {
    case PD_VERDICT_VALID:               return "valid";
    case PD_VERDICT_VALID_PRACTICE:      return "valid-practice";
    case PD_VERDICT_VALID_WITH_GAPS:     return "valid-with-gaps";
    case PD_VERDICT_UNTRUSTED_AUTHORITY: return "untrusted-authority";
    case PD_VERDICT_INVALID:             return "invalid";
    case PD_VERDICT_ERROR:
    default:                             return "error";
    }
}

const char *
pd_verdict_describe (PdVerdict verdict)
{
  switch (verdict)
    {
    case PD_VERDICT_VALID:
      return _("valid");
    case PD_VERDICT_VALID_PRACTICE:
      return _("valid — practice authority, not for court");
    case PD_VERDICT_VALID_WITH_GAPS:
      return _("valid, with gaps in the real-time proof");
    case PD_VERDICT_UNTRUSTED_AUTHORITY:
      return _("intact, but the timestamp authority is not trusted");
    case PD_VERDICT_INVALID:
      return _("invalid");
    case PD_VERDICT_ERROR:
    default:
      return _("could not be verified (error)");
    }
}

PdVerifyCheck *
pd_verify_add_check (PdVerifyResult *r, const char *id, const char *subject, PdCheckStatus status,
                     const char *detail, const char *format, ...)
{
  PdVerifyCheck *check = g_new0 (PdVerifyCheck, 1);
  va_list args;

  check->id = g_strdup (id);
  check->subject = g_strdup (subject);
  check->status = status;
  check->detail = g_strdup (detail);
  va_start (args, format);
  check->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (r->checks, check);
  return check;
}

PdVerifySpan *
pd_verify_add_span (PdVerifyResult *r, const char *id, const char *kind, gboolean degrades,
                    guint64 from_offset, guint64 to_offset, gint64 from_stream_ns, gint64 to_stream_ns,
                    const char *detail, const char *format, ...)
{
  PdVerifySpan *span = g_new0 (PdVerifySpan, 1);
  va_list args;

  span->kind = g_strdup (kind);
  span->degrades = degrades;
  span->from_offset = from_offset;
  span->to_offset = to_offset;
  span->from_stream_ns = from_stream_ns;
  span->to_stream_ns = to_stream_ns;
  va_start (args, format);
  span->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (r->spans, span);
  pd_verify_add_check (r, id, PD_RECORDING_NAME, degrades ? PD_CHECK_GAP : PD_CHECK_INFO, detail, "%s",
                       span->message);
  return span;
}

/* The verdict follows from the checks alone: VALID only when every check passed. */
void
pd_verify_result_finish (PdVerifyResult *r)
{
  gboolean failed = FALSE, untrusted = FALSE, passed = FALSE, gaps = FALSE;
  guint n_failed = 0;

  for (guint i = 0; i < r->checks->len; i++)
    {
      PdVerifyCheck *check = g_ptr_array_index (r->checks, i);

      if (check->status == PD_CHECK_PASSED)
        passed = TRUE;
      else if (check->status == PD_CHECK_GAP)
        gaps = TRUE;
      else if (check->status == PD_CHECK_FAILED)
        {
          n_failed++;
          if (check->trust_only)
            untrusted = TRUE;
          else
            failed = TRUE;
        }
    }

  /* Nothing checked is nothing proven. */
  if (failed || !passed)
    r->verdict = PD_VERDICT_INVALID;
  else if (untrusted)
    r->verdict = PD_VERDICT_UNTRUSTED_AUTHORITY;
  else if (r->practice)
    r->verdict = PD_VERDICT_VALID_PRACTICE;
  else if (gaps)
    r->verdict = PD_VERDICT_VALID_WITH_GAPS;
  else
    r->verdict = PD_VERDICT_VALID;

  g_free (r->summary);
  switch (r->verdict)
    {
    case PD_VERDICT_VALID:
      r->summary = g_strdup (_("Every check passed: the data is unchanged since the time a trusted authority stamped it."));
      break;
    case PD_VERDICT_VALID_PRACTICE:
      if (gaps)
        r->summary = g_strdup (_("Nothing failed, but the timestamps come from the built-in practice authority (valid for practice, not for court), and part of the recording is not proven to have been recorded in real time; the gaps are named below."));
      else
        r->summary = g_strdup (_("Every check passed, but the timestamps come from the built-in practice authority: valid for practice, not for court."));
      break;
    case PD_VERDICT_VALID_WITH_GAPS:
      r->summary = g_strdup (_("Nothing was changed and the authority is trusted, but part of the recording is not proven to have been recorded in real time; the gaps are named below."));
      break;
    case PD_VERDICT_UNTRUSTED_AUTHORITY:
      r->summary = g_strdup (_("The data is intact and the signatures are correct, but the timestamp authority does not chain to a trusted certificate authority on this computer."));
      break;
    case PD_VERDICT_INVALID:
    case PD_VERDICT_ERROR:
    default:
      if (!passed && n_failed == 0)
        r->summary = g_strdup (_("Verification failed: nothing could be checked."));
      else if (r->tamper_sentence)
        r->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "Verification failed (%u check failed). %s",
                                                   "Verification failed (%u checks failed). %s",
                                                   n_failed),
                                      n_failed, r->tamper_sentence);
      else
        r->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "Verification failed: %u check failed.",
                                                   "Verification failed: %u checks failed.",
                                                   n_failed),
                                      n_failed);
      break;
    }
}

static const char *
check_status_to_string (PdCheckStatus status)
{
  switch (status)
    {
    case PD_CHECK_PASSED: return "passed";
    case PD_CHECK_FAILED: return "failed";
    case PD_CHECK_GAP:    return "gap";
    case PD_CHECK_INFO:
    default:              return "info";
    }
}

/* When the tokens say the recording was made, and the spans covered only by a later token. */
static void
add_time_and_spans (JsonBuilder *b, PdVerifyResult *self)
{
  if (self->recorded_from_usec)
    {
      g_autoptr (GDateTime) from = pd_time_from_unix_usec (self->recorded_from_usec);
      g_autofree char *t = pd_time_format_utc (from);

      json_builder_set_member_name (b, "recorded_from");
      json_builder_add_string_value (b, t);
    }
  if (self->recorded_to_usec)
    {
      g_autoptr (GDateTime) to = pd_time_from_unix_usec (self->recorded_to_usec);
      g_autofree char *t = pd_time_format_utc (to);

      json_builder_set_member_name (b, "recorded_to");
      json_builder_add_string_value (b, t);
    }
  json_builder_set_member_name (b, "spans");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->spans->len; i++)
    {
      PdVerifySpan *span = g_ptr_array_index (self->spans, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, span->kind);
      json_builder_set_member_name (b, "gap");
      json_builder_add_boolean_value (b, span->degrades);
      json_builder_set_member_name (b, "from_offset");
      json_builder_add_int_value (b, (gint64) span->from_offset);
      json_builder_set_member_name (b, "to_offset");
      json_builder_add_int_value (b, (gint64) span->to_offset);
      json_builder_set_member_name (b, "from_stream_ns");
      json_builder_add_int_value (b, span->from_stream_ns);
      json_builder_set_member_name (b, "to_stream_ns");
      json_builder_add_int_value (b, span->to_stream_ns);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, span->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

JsonNode *
pd_verify_result_to_json (PdVerifyResult *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, pd_verdict_to_string (self->verdict));
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, self->summary);
  if (self->gen_time)
    {
      g_autofree char *t = pd_time_format_utc (self->gen_time);
      json_builder_set_member_name (b, "gen_time");
      json_builder_add_string_value (b, t);
    }
  if (self->has_tamper)
    {
      json_builder_set_member_name (b, "tamper");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "intact_up_to");
      json_builder_add_int_value (b, (gint64) self->intact_up_to);
      json_builder_set_member_name (b, "checkpoint");
      json_builder_add_int_value (b, self->tamper_checkpoint);
      if (self->tamper_stream_time)
        {
          json_builder_set_member_name (b, "stream_time");
          json_builder_add_string_value (b, self->tamper_stream_time);
        }
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, self->tamper_sentence);
      json_builder_end_object (b);
    }
  add_time_and_spans (b, self);
  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->checks->len; i++)
    {
      PdVerifyCheck *check = g_ptr_array_index (self->checks, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, check->id);
      json_builder_set_member_name (b, "subject");
      json_builder_add_string_value (b, check->subject);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, check_status_to_string (check->status));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, check->message);
      if (check->detail)
        {
          json_builder_set_member_name (b, "detail");
          json_builder_add_string_value (b, check->detail);
        }
      if (check->status == PD_CHECK_FAILED && check->trust_only)
        {
          json_builder_set_member_name (b, "trust_only");
          json_builder_add_boolean_value (b, TRUE);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
