/* outpost-auth.h: how a connector authenticates its requests.
 *
 * An OutpostAuthProvider hands out the value of the Authorization header and can refresh it
 * once after a 401. Providers are called from the sync worker's downloader threads, so an
 * implementation must be thread-safe. The device-code flow (issue 6) implements this
 * interface; the stock providers here cover none, basic and a bearer token whose refresh is a
 * callback. Secrets live only in memory: never in files, logs or the database. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OUTPOST_TYPE_AUTH_PROVIDER (outpost_auth_provider_get_type ())
G_DECLARE_INTERFACE (OutpostAuthProvider, outpost_auth_provider, OUTPOST, AUTH_PROVIDER, GObject)

struct _OutpostAuthProviderInterface
{
  GTypeInterface parent_iface;

  /* The Authorization header value ("Bearer ...", "Basic ..."), or NULL to send none. */
  char     *(*get_authorization) (OutpostAuthProvider *self,
                                  GCancellable        *cancellable,
                                  GError             **error);
  /* Called once after a 401: get a fresh credential. FALSE (with an error) when it cannot. */
  gboolean  (*refresh)           (OutpostAuthProvider *self,
                                  GCancellable        *cancellable,
                                  GError             **error);
};

char     *outpost_auth_provider_get_authorization (OutpostAuthProvider *self,
                                                   GCancellable        *cancellable,
                                                   GError             **error);
gboolean  outpost_auth_provider_refresh           (OutpostAuthProvider *self,
                                                   GCancellable        *cancellable,
                                                   GError             **error);

/* Stock providers. */
OutpostAuthProvider *outpost_auth_none_new  (void);
OutpostAuthProvider *outpost_auth_basic_new (const char *user,
                                             const char *password);

/* Errors of the providers (the connector reports a refused credential as
 * OUTPOST_SYNC_ERROR_AUTH; these say what the provider itself found). */
#define OUTPOST_AUTH_ERROR (outpost_auth_error_quark ())
typedef enum {
  OUTPOST_AUTH_ERROR_NEEDS_PASSWORD,  /* none in memory and none saved: ask the user */
  OUTPOST_AUTH_ERROR_REFUSED,         /* the server answered 401/403 to these credentials */
  OUTPOST_AUTH_ERROR_FAILED,          /* the check could not be made (network, server) */
} OutpostAuthError;
GQuark outpost_auth_error_quark (void);

/* Basic authentication for @account: the password given with
 * outpost_auth_basic_set_password (held in memory only, e.g. asked for at this sync), else
 * the one saved in the Secret Service (outpost-secrets.h), read on first use on the calling
 * worker thread, never on the main thread. Neither: OUTPOST_AUTH_ERROR_NEEDS_PASSWORD. */
OutpostAuthProvider *outpost_auth_basic_saved_new (const char *account,
                                                   const char *user);
/* The password for the next requests (copied; wiped when replaced). NULL forgets it: the next
 * request reads the saved one again. Call it between syncs, from any thread. FALSE when
 * @provider is not a basic provider made by outpost_auth_basic_saved_new. */
gboolean             outpost_auth_basic_set_password (OutpostAuthProvider *provider,
                                                      const char          *password);
/* Whether @provider is such a basic provider and holds a password in memory now (given, or
 * read from the keyring by an earlier request). */
gboolean             outpost_auth_basic_has_password (OutpostAuthProvider *provider);

/* Signs in the way a sync would, before anything is saved: an authenticated GET of
 * {url}/api/data/{api_version}/WhoAmI with Basic @user:@password. TRUE when the server
 * answers 2xx; OUTPOST_AUTH_ERROR_REFUSED on 401/403 (the message says the user name or
 * password was not accepted); OUTPOST_AUTH_ERROR_FAILED otherwise. @trusted_certificate: a
 * pinned fingerprint (outpost-tls-trust.h) or NULL. Blocks: call it from a worker thread. */
gboolean             outpost_auth_check_basic (const char    *url,
                                               const char    *api_version,
                                               const char    *user,
                                               const char    *password,
                                               const char    *trusted_certificate,
                                               GCancellable  *cancellable,
                                               GError       **error);

/* Returns a new access token (caller frees) or NULL with @error. Called from a worker thread. */
typedef char *(*OutpostTokenRefreshFunc) (gpointer      user_data,
                                          GCancellable *cancellable,
                                          GError      **error);

/* A bearer token; @refresh (may be NULL: a 401 is then final) gets a new one. */
OutpostAuthProvider *outpost_auth_bearer_new (const char              *access_token,
                                              OutpostTokenRefreshFunc  refresh,
                                              gpointer                 user_data,
                                              GDestroyNotify           destroy);

G_END_DECLS
