/* outpost-tls-trust.h: a server certificate the system does not trust (self-signed, private
 * CA) is refused, unless the user explicitly trusted exactly that certificate: its SHA-256
 * fingerprint is then pinned in the account, and only a certificate with that fingerprint is
 * accepted. TLS verification itself is never switched off. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* "SHA256:AB:CD:…" over the certificate's DER bytes. */
char            *outpost_tls_fingerprint      (GTlsCertificate       *certificate);
/* TRUE when @pinned (a fingerprint, may be NULL) names @certificate. */
gboolean         outpost_tls_pin_matches      (const char            *pinned,
                                               GTlsCertificate       *certificate);
/* What is wrong with a certificate, in words a user can read. */
char            *outpost_tls_describe_errors  (GTlsCertificateFlags   errors);
/* Connects to the host of @url (https) and returns the certificate it presents; @errors gets
 * why the system does not trust it (0 when it does). Blocking: use a worker thread. */
GTlsCertificate *outpost_tls_probe            (const char            *url,
                                               GTlsCertificateFlags  *errors,
                                               GCancellable          *cancellable,
                                               GError               **error);

G_END_DECLS
