/* outpost-dataverse-connector.h: the Dataverse / Dynamics 365 Web API connector.
 *
 * Works with any org URL: online (https://ORG.crm4.dynamics.com/) and on-premises
 * (https://host/ORG/); requests go to <url>/api/data/<version>/. libsoup's synchronous API,
 * one SoupSession per concurrent caller (a small pool), TLS verification always on.
 * 401 -> one refresh through the auth provider; 429 -> waits Retry-After; 5xx, timeouts and
 * dropped connections -> capped exponential backoff, then an error that says why. */
#pragma once

#include "outpost-auth.h"
#include "outpost-connector.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_DATAVERSE_CONNECTOR (outpost_dataverse_connector_get_type ())
G_DECLARE_FINAL_TYPE (OutpostDataverseConnector, outpost_dataverse_connector,
                      OUTPOST, DATAVERSE_CONNECTOR, GObject)

/* @api_version: "v9.2" when NULL. */
OutpostDataverseConnector *outpost_dataverse_connector_new (const char          *org_url,
                                                            const char          *api_version,
                                                            OutpostAuthProvider *auth);
/* The Web API root, ".../api/data/v9.2/". */
const char *outpost_dataverse_connector_get_api_root (OutpostDataverseConnector *self);

/* Retry budget for 5xx / network failures (default 5) and the backoff cap in ms (default
 * 8000; the first wait is 250 ms). Tests shorten them. */
void        outpost_dataverse_connector_set_retry   (OutpostDataverseConnector *self,
                                                     guint                      max_retries,
                                                     guint                      max_backoff_ms);
/* Per-request timeout in seconds (default 60): how long the server may stay silent. */
/* Accept a certificate the system does not trust only when its SHA-256 fingerprint is
 * @fingerprint: the one the user explicitly trusted (outpost-tls-trust.h). Set before use. */
void        outpost_dataverse_connector_set_trusted_certificate (OutpostDataverseConnector *self,
                                                                  const char *fingerprint);
void        outpost_dataverse_connector_set_timeout (OutpostDataverseConnector *self,
                                                     guint                      seconds);
/* Limits on one answer, so a server that never stops sending is cut off with a clear error
 * (not retried): the size of a page of rows (default 256 MiB), of any other answer (metadata,
 * $batch, actions; default 16 MiB) and the total time to receive one answer (default 600 s).
 * 0 keeps a limit as it is. */
void        outpost_dataverse_connector_set_limits  (OutpostDataverseConnector *self,
                                                     gsize                      max_page_bytes,
                                                     gsize                      max_answer_bytes,
                                                     guint                      max_request_seconds);

G_END_DECLS
