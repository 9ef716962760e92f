/* pd-json.h — the one way libproofdesk parses JSON: limits checked on the raw bytes first. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deepest nesting of arrays and objects accepted anywhere. json-glib's parser recurses once
 * per level, so a document of 100 000 '[' would overflow the stack inside it; a manifest
 * nests 4 levels, a checklist template 5. */
#define PD_JSON_MAX_DEPTH 64

#define PD_JSON_ERROR (pd_json_error_quark ())
typedef enum {
  PD_JSON_ERROR_TOO_LARGE,       /* more bytes than the caller's limit */
  PD_JSON_ERROR_TOO_DEEP,        /* nested deeper than the limit */
  PD_JSON_ERROR_DUPLICATE_KEY,   /* one object holds the same key twice */
  PD_JSON_ERROR_SYNTAX,          /* not JSON, or a NUL byte, or an unterminated string */
  PD_JSON_ERROR_NOT_OBJECT,      /* the document is not one JSON object */
} PdJsonError;
GQuark     pd_json_error_quark (void);

/* Scans the raw bytes without building anything: nesting at most `max_depth` (0 =
 * PD_JSON_MAX_DEPTH), no key twice in one object (compared after unescaping, so "a" and
 * "\u0061" are the same key), no NUL byte, every string terminated. Linear time, memory
 * bounded by the keys of the open objects. */
gboolean   pd_json_check       (const char *data, gsize len, guint max_depth, GError **error);

/* pd_json_check, then json-glib: the root, which must be an object. `what` names the
 * document in errors ("the manifest", "journal line 12"). `max_size` 0 = no size limit. */
JsonObject *pd_json_parse_object (const char *data, gsize len, gsize max_size, const char *what,
                                  GError **error);
/* The same for any root value (arrays, strings…). */
JsonNode   *pd_json_parse       (const char *data, gsize len, gsize max_size, const char *what,
                                 GError **error);

G_END_DECLS
