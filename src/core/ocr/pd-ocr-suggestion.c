/* pd-ocr-suggestion.c — PdOcrSuggestion, the boxed suggestion of a checklist mark, and its JSON
 * form for the manifest. */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <math.h>

#include "ocr/pd-ocr-detect-private.h"

/* ---- Suggestions ---- */

PdOcrSuggestion *
pd_ocr_suggestion_copy (const PdOcrSuggestion *suggestion)
{
  PdOcrSuggestion *copy;

  if (suggestion == NULL)
    return NULL;
  copy = g_new0 (PdOcrSuggestion, 1);
  *copy = *suggestion;
  copy->item_id = g_strdup (suggestion->item_id);
  copy->item_title = g_strdup (suggestion->item_title);
  copy->text = g_strdup (suggestion->text);
  copy->value = g_strdup (suggestion->value);
  copy->line = g_strdup (suggestion->line);
  copy->frame = suggestion->frame != NULL ? gst_sample_ref (suggestion->frame) : NULL;
  return copy;
}

void
pd_ocr_suggestion_free (PdOcrSuggestion *suggestion)
{
  if (suggestion == NULL)
    return;
  g_free (suggestion->item_id);
  g_free (suggestion->item_title);
  g_free (suggestion->text);
  g_free (suggestion->value);
  g_free (suggestion->line);
  if (suggestion->frame != NULL)
    gst_sample_unref (suggestion->frame);
  g_free (suggestion);
}

G_DEFINE_BOXED_TYPE (PdOcrSuggestion, pd_ocr_suggestion, pd_ocr_suggestion_copy,
                     pd_ocr_suggestion_free)

const char *
pd_ocr_match_kind_to_string (PdOcrMatchKind kind)
{
  switch (kind)
    {
    case PD_OCR_MATCH_KEYWORD:
      return "keyword";
    case PD_OCR_MATCH_AMOUNT:
      return "amount";
    case PD_OCR_MATCH_DATE:
      return "date";
    case PD_OCR_MATCH_RATE:
      return "rate";
    case PD_OCR_MATCH_PHONE:
      return "phone";
    case PD_OCR_MATCH_ID_NUMBER:
      return "id-number";
    case PD_OCR_MATCH_ACCOUNT:
      return "account";
    default:
      return "unknown";
    }
}

static void
set_string_or_null (JsonObject *object, const char *member, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

JsonObject *
pd_ocr_suggestion_to_json (const PdOcrSuggestion *suggestion)
{
  JsonObject *object;
  JsonArray  *box;

  g_return_val_if_fail (suggestion != NULL, NULL);

  object = json_object_new ();
  set_string_or_null (object, "item", suggestion->item_id);
  json_object_set_string_member (object, "kind", pd_ocr_match_kind_to_string (suggestion->kind));
  set_string_or_null (object, "text", suggestion->text);
  set_string_or_null (object, "value", suggestion->value);
  set_string_or_null (object, "line", suggestion->line);
  box = json_array_sized_new (4);
  json_array_add_int_element (box, suggestion->x);
  json_array_add_int_element (box, suggestion->y);
  json_array_add_int_element (box, suggestion->width);
  json_array_add_int_element (box, suggestion->height);
  json_object_set_array_member (object, "box", box);
  /* Two decimals are all a confidence means; more only makes manifests differ. */
  json_object_set_double_member (object, "confidence",
                                 round (CLAMP (suggestion->confidence, 0.0, 1.0) * 100.0) / 100.0);
  json_object_set_int_member (object, "stream_time_ns", (gint64) suggestion->stream_time);
  return object;
}

/* Badge text: spaces next to a CJK character are OCR noise ("2025 年 5 月"), others stay
 * single ("6222 **** 1234", "2025-05-07 13:58"). */
char *
pd_ocr_tidy_text (const char *text)
{
  GString *out = g_string_new (NULL);
  gunichar prev = 0;
  gboolean pending = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          pending = out->len > 0;
          continue;
        }
      if (pending && prev < 0x80 && c < 0x80)
        g_string_append_c (out, ' ');
      pending = FALSE;
      g_string_append_unichar (out, c);
      prev = c;
    }
  return g_string_free (out, FALSE);
}
