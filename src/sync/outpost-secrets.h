/* outpost-secrets.h: passwords and tokens in the Secret Service (libsecret; the Secret portal
 * inside the Flatpak). They are never written to files, settings, logs or the database.
 * These calls block on D-Bus: use them from a worker thread or the command line. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a secret is for; one of each per account. */
#define OUTPOST_SECRET_PASSWORD      "password"
#define OUTPOST_SECRET_REFRESH_TOKEN "refresh-token"

gboolean  outpost_secrets_store  (const char    *account,
                                  const char    *kind,
                                  const char    *secret,
                                  GCancellable  *cancellable,
                                  GError       **error);
/* The same in a worker thread, for the window: @source_object becomes the GTask's source
 * (g_task_get_cancellable works on the result). The secret is copied and wiped afterwards. */
void      outpost_secrets_store_async  (gpointer             source_object,
                                        const char          *account,
                                        const char          *kind,
                                        const char          *secret,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean  outpost_secrets_store_finish (GAsyncResult        *result,
                                        GError             **error);
/* NULL with no error when there is none. Free with outpost_secrets_free. */
char     *outpost_secrets_lookup (const char    *account,
                                  const char    *kind,
                                  GCancellable  *cancellable,
                                  GError       **error);
/* Removes every secret of @account (signing out). */
gboolean  outpost_secrets_clear  (const char    *account,
                                  GCancellable  *cancellable,
                                  GError       **error);
/* Wipes the memory before freeing it. */
void      outpost_secrets_free   (char          *secret);

G_END_DECLS
