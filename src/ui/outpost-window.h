/* outpost-window.h: the main window: entities in the sidebar, the paged record list, the
 * record form; the first-run page until an account exists. */
#pragma once

#include <adwaita.h>

#include "outpost-application.h"
#include "outpost-context.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_WINDOW (outpost_window_get_type ())
G_DECLARE_FINAL_TYPE (OutpostWindow, outpost_window, OUTPOST, WINDOW, AdwApplicationWindow)

OutpostWindow  *outpost_window_new          (OutpostApplication *application,
                                             OutpostContext     *context);
OutpostContext *outpost_window_get_context  (OutpostWindow *self);
/* NULL shows the first-run page. */
void            outpost_window_set_context  (OutpostWindow *self,
                                             OutpostContext *context);
/* A page with a spinner and @message (plain text), e.g. while the demo server starts. */
void            outpost_window_show_busy    (OutpostWindow *self,
                                             const char    *title,
                                             const char    *message);
void            outpost_window_show_welcome (OutpostWindow *self,
                                             const char    *error);
/* The account's store could not be opened (newer format, damaged file, ...): a page that says
 * so with @message (plain text) and offers Try Again (app.retry-open), another account (the
 * main menu) or signing in to a new one. The file is never touched here. @title: NULL for
 * "This Account's Data Cannot Be Opened". */
void            outpost_window_show_open_error (OutpostWindow *self,
                                                const char    *title,
                                                const char    *message);
/* Plain text (escaped here: toast titles are markup). */
void            outpost_window_toast        (OutpostWindow *self,
                                             const char    *message);
/* A sync's result: it replaces the previous result's toast if that is still shown or queued. */
void            outpost_window_toast_result (OutpostWindow *self,
                                             const char    *message);
/* Starts a synchronization (foreground or background as the settings say). @entities:
 * NULL = incremental, else a forced full sync of those. */
void            outpost_window_sync         (OutpostWindow *self,
                                             const char * const *entities);
/* The same; @foreground TRUE shows the modal progress dialog whatever the settings say (the
 * first synchronization of an account: there is nothing to work on until it ends). */
void            outpost_window_sync_full    (OutpostWindow      *self,
                                             const char * const *entities,
                                             gboolean            foreground);
/* The same with an explicit kind (the scheduler's requests: INCREMENTAL or EMAIL_ONLY). */
void            outpost_window_sync_kind    (OutpostWindow      *self,
                                             OutpostSyncKind     kind,
                                             const char * const *entities,
                                             gboolean            foreground);

G_END_DECLS
