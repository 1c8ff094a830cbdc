/* outpost-dataverse-fuzz.h: the Dataverse connector's parsers without HTTP, for the fuzz
 * harnesses (tests/fuzz) and parser tests (tests/sync). Not for application code: the
 * connector calls these itself on every answer. Each takes a server's raw answer and returns
 * a result or a PROTOCOL error (OUTPOST_SYNC_ERROR) that names what was wrong; none of them
 * may crash, hang or log a critical on any input. */
#pragma once

#include "outpost-dataverse-connector.h"

G_BEGIN_DECLS

/* A page of rows (A3/A4) for @entity; @mode decides whether an empty answer is allowed
 * (DELTA only). Rows carry only the profile's fields. */
OutpostPage *outpost_dv_parse_page             (OutpostEntity       *entity,
                                                OutpostDownloadMode  mode,
                                                GBytes              *body,
                                                GError             **error);
/* A $batch answer (A9): @content_type is the response's Content-Type (with its boundary).
 * Returns the application/http parts in order, change sets unpacked (OutpostUploadResult*,
 * free with outpost_upload_result_free; a part's own error is in its result). */
GPtrArray   *outpost_dv_parse_batch_answer     (const char          *content_type,
                                                GBytes              *body,
                                                GError             **error);
/* EntityDefinitions (A10) applied to @profile (entity sets, change tracking). */
gboolean     outpost_dv_map_entity_definitions (OutpostDataverseConnector *self,
                                                OutpostProfile      *profile,
                                                GBytes              *body,
                                                GError             **error);
/* An Attributes answer (A10) applied to @entity: @options = TRUE for a Picklist/State/Status
 * cast with $expand=OptionSet; @drop_unknown drops profile fields the answer does not list. */
gboolean     outpost_dv_map_attributes         (OutpostEntity       *entity,
                                                GBytes              *body,
                                                gboolean             options,
                                                gboolean             drop_unknown,
                                                GError             **error);

G_END_DECLS
