/* bench-ui-diag.h: bench-ui's tools for finding what a late main loop waited on (/proc readings
 * and watcher threads), apart from the figures themselves */
#pragma once

#include <glib.h>

void    diag_beat               (gint64 now);
void    diag_start_watchers     (void);
void    diag_threads_cpu        (GHashTable *table, gdouble sign);
void    diag_print_threads_cpu  (GHashTable *table);
gdouble diag_process_cpu_ms     (const char *pid);
void    diag_nice_workers       (void);
