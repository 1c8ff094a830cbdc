/* outpost-clock.h: the time source of the automatic sync scheduler.
 *
 * An interface so tests can inject a fake clock whose time only moves when the test says so
 * (tests/auto/outpost-fake-clock.h). Timeouts are one-shot: the callback runs once, after
 * which the id is no longer valid (removing it then is a harmless no-op). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef void (*OutpostClockFunc) (gpointer user_data);

#define OUTPOST_TYPE_CLOCK (outpost_clock_get_type ())
G_DECLARE_INTERFACE (OutpostClock, outpost_clock, OUTPOST, CLOCK, GObject)

struct _OutpostClockInterface
{
  GTypeInterface parent_iface;

  gint64 (*get_monotonic)  (OutpostClock *self);   /* µs, only differences mean anything */
  gint64 (*get_real)       (OutpostClock *self);   /* µs since the Unix epoch */
  /* Calls @func once after @seconds on the thread-default main context; returns an id > 0. */
  guint  (*add_timeout)    (OutpostClock    *self,
                            guint            seconds,
                            OutpostClockFunc func,
                            gpointer         user_data,
                            GDestroyNotify   notify);
  void   (*remove_timeout) (OutpostClock *self,
                            guint         id);
};

gint64        outpost_clock_get_monotonic  (OutpostClock    *self);
gint64        outpost_clock_get_real       (OutpostClock    *self);
guint         outpost_clock_add_timeout    (OutpostClock    *self,
                                            guint            seconds,
                                            OutpostClockFunc func,
                                            gpointer         user_data,
                                            GDestroyNotify   notify);
void          outpost_clock_remove_timeout (OutpostClock    *self,
                                            guint            id);
/* Removes *@id when it is not 0 and sets it to 0. */
void          outpost_clock_clear_timeout  (OutpostClock    *self,
                                            guint           *id);

/* The real clock: g_get_monotonic_time, g_get_real_time and GLib timeouts. A new reference
 * to one shared instance. */
OutpostClock *outpost_clock_get_system     (void);

G_END_DECLS
