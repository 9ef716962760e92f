/* pd-proofhash.h — inline SHA-256 of a byte stream, with checkpoints of its prefixes. */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define PD_TYPE_PROOFHASH (pd_proofhash_get_type ())
G_DECLARE_FINAL_TYPE (PdProofhash, pd_proofhash, PD, PROOFHASH, GstBaseTransform)

/* Names of the element messages posted on the bus. */
#define PD_PROOFHASH_MESSAGE_CHECKPOINT "proofhash-checkpoint"
#define PD_PROOFHASH_MESSAGE_FINAL      "proofhash-final"

/* Registers "proofhash" (and any future elements) as the static plugin "proofdesk". Safe to
 * call more than once; gst_init() must have run. */
gboolean pd_gst_register_static (void);

G_END_DECLS
