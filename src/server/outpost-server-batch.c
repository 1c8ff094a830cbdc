/* outpost-server-batch.c: $batch (placeholder until the multipart parser lands). */
#include "config.h"

#include "outpost-server-private.h"

void
os_batch_execute (OsRequest *req, OsResponse *resp)
{
  os_response_error (resp, 501, "0x80060888", "$batch is not implemented yet.");
}
