#include "config.h"

#include <glib/gi18n.h>

#include "outpost-tls-trust.h"

char *
outpost_tls_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);
  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  out = g_string_new ("SHA256");
  for (guint i = 0; hex[i] != '\0'; i += 2)
    g_string_append_printf (out, ":%c%c", g_ascii_toupper (hex[i]), g_ascii_toupper (hex[i + 1]));
  return g_string_free (out, FALSE);
}

gboolean
outpost_tls_pin_matches (const char *pinned, GTlsCertificate *certificate)
{
  g_autofree char *fingerprint = NULL;

  if (pinned == NULL || *pinned == '\0' || certificate == NULL)
    return FALSE;
  fingerprint = outpost_tls_fingerprint (certificate);
  return fingerprint != NULL && g_ascii_strcasecmp (fingerprint, pinned) == 0;
}

char *
outpost_tls_describe_errors (GTlsCertificateFlags errors)
{
  static const struct { GTlsCertificateFlags flag; const char *text; } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, N_("it is not signed by an authority this computer trusts") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, N_("it was issued for another address") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_("it is not valid yet") },
    { G_TLS_CERTIFICATE_EXPIRED, N_("it has expired") },
    { G_TLS_CERTIFICATE_REVOKED, N_("it was revoked") },
    { G_TLS_CERTIFICATE_INSECURE, N_("it uses an insecure algorithm") },
  };
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (errors & reasons[i].flag)
      g_string_append_printf (text, "%s%s", text->len ? "; " : "", _(reasons[i].text));
  if (text->len == 0 && errors != 0)
    g_string_append (text, _("it could not be verified"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

typedef struct {
  GTlsCertificate      *certificate;
  GTlsCertificateFlags  errors;
} ProbeResult;

/* Accept for the probe only: it reads the certificate and sends nothing. */
static gboolean
on_probe_accept (GTlsConnection *connection, GTlsCertificate *certificate,
                 GTlsCertificateFlags errors, ProbeResult *result)
{
  g_set_object (&result->certificate, certificate);
  result->errors = errors;
  return TRUE;
}

static void
on_client_event (GSocketClient *client, GSocketClientEvent event, GSocketConnectable *connectable,
                 GIOStream *connection, ProbeResult *result)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (on_probe_accept), result);
}

GTlsCertificate *
outpost_tls_probe (const char *url, GTlsCertificateFlags *errors, GCancellable *cancellable,
                   GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  ProbeResult result = { NULL, 0 };

  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_timeout (client, 30);
  g_signal_connect (client, "event", G_CALLBACK (on_client_event), &result);
  connection = g_socket_client_connect_to_uri (client, url, 443, cancellable, error);
  if (connection == NULL)
    {
      g_clear_object (&result.certificate);
      return NULL;
    }
  if (result.certificate == NULL)
    {
      /* The system trusted it, so accept-certificate never ran: read the peer's. */
      GIOStream *base = g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (connection));
      if (G_IS_TLS_CONNECTION (base) && g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (base)))
        result.certificate = g_object_ref (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (base)));
    }
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  if (result.certificate == NULL)
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_HANDSHAKE, _("The server presented no certificate"));
      return NULL;
    }
  if (errors != NULL)
    *errors = result.errors;
  return result.certificate;
}
