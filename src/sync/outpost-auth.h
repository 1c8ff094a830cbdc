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

/* Basic authentication with the password saved in the Secret Service for @account
 * (outpost-secrets.h): read on first use, on the calling worker thread, never on the main
 * thread. No saved password, or a refused one, is an error naming the account. */
OutpostAuthProvider *outpost_auth_basic_saved_new (const char *account,
                                                   const char *user);

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
