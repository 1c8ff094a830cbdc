/* outpost-fake-clock.h: a clock for tests whose time moves only in outpost_fake_clock_advance. */
#pragma once

#include "outpost-clock.h"

G_BEGIN_DECLS

#define OUTPOST_TYPE_FAKE_CLOCK (outpost_fake_clock_get_type ())
G_DECLARE_FINAL_TYPE (OutpostFakeClock, outpost_fake_clock, OUTPOST, FAKE_CLOCK, GObject)

OutpostFakeClock *outpost_fake_clock_new     (void);
/* Moves time forward, firing every timeout that comes due, in order of due time (then of
 * creation); timeouts added by a callback fire too when they come due within @seconds. */
void              outpost_fake_clock_advance (OutpostFakeClock *self,
                                              guint             seconds);
/* Seconds since the clock was created. */
gint64            outpost_fake_clock_elapsed (OutpostFakeClock *self);
guint             outpost_fake_clock_pending (OutpostFakeClock *self);

G_END_DECLS
