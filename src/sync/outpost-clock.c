/* outpost-clock.c: the clock interface and the system clock on the GLib main loop. */
#include "config.h"

#include "outpost-clock.h"

G_DEFINE_INTERFACE (OutpostClock, outpost_clock, G_TYPE_OBJECT)

static void
outpost_clock_default_init (OutpostClockInterface *iface)
{
}

gint64
outpost_clock_get_monotonic (OutpostClock *self)
{
  g_return_val_if_fail (OUTPOST_IS_CLOCK (self), 0);
  return OUTPOST_CLOCK_GET_IFACE (self)->get_monotonic (self);
}

gint64
outpost_clock_get_real (OutpostClock *self)
{
  g_return_val_if_fail (OUTPOST_IS_CLOCK (self), 0);
  return OUTPOST_CLOCK_GET_IFACE (self)->get_real (self);
}

guint
outpost_clock_add_timeout (OutpostClock    *self,
                           guint            seconds,
                           OutpostClockFunc func,
                           gpointer         user_data,
                           GDestroyNotify   notify)
{
  g_return_val_if_fail (OUTPOST_IS_CLOCK (self), 0);
  g_return_val_if_fail (func != NULL, 0);
  return OUTPOST_CLOCK_GET_IFACE (self)->add_timeout (self, seconds, func, user_data, notify);
}

void
outpost_clock_remove_timeout (OutpostClock *self,
                              guint         id)
{
  g_return_if_fail (OUTPOST_IS_CLOCK (self));
  OUTPOST_CLOCK_GET_IFACE (self)->remove_timeout (self, id);
}

void
outpost_clock_clear_timeout (OutpostClock *self,
                             guint        *id)
{
  guint old = *id;

  *id = 0;
  if (old != 0)
    outpost_clock_remove_timeout (self, old);
}

/* ---- the system clock ------------------------------------------------------------------ */

#define OUTPOST_TYPE_SYSTEM_CLOCK (outpost_system_clock_get_type ())
G_DECLARE_FINAL_TYPE (OutpostSystemClock, outpost_system_clock, OUTPOST, SYSTEM_CLOCK, GObject)

struct _OutpostSystemClock
{
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *sources;   /* id -> GSource*, so a fired id can be removed without a warning */
};

static void outpost_system_clock_iface_init (OutpostClockInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostSystemClock, outpost_system_clock, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OUTPOST_TYPE_CLOCK,
                                                      outpost_system_clock_iface_init))

typedef struct {
  OutpostSystemClock *clock;   /* not a reference: the shared clock lives for the process */
  guint               id;
  OutpostClockFunc    func;
  gpointer            user_data;
  GDestroyNotify      notify;
} SystemTimeout;

static void
system_timeout_free (gpointer data)
{
  SystemTimeout *timeout = data;

  if (timeout->notify != NULL)
    timeout->notify (timeout->user_data);
  g_free (timeout);
}

static gboolean
system_timeout_fire (gpointer data)
{
  SystemTimeout *timeout = data;

  g_mutex_lock (&timeout->clock->lock);
  g_hash_table_remove (timeout->clock->sources, GUINT_TO_POINTER (timeout->id));
  g_mutex_unlock (&timeout->clock->lock);
  timeout->func (timeout->user_data);
  return G_SOURCE_REMOVE;
}

static gint64
system_get_monotonic (OutpostClock *clock)
{
  return g_get_monotonic_time ();
}

static gint64
system_get_real (OutpostClock *clock)
{
  return g_get_real_time ();
}

static guint
system_add_timeout (OutpostClock    *clock,
                    guint            seconds,
                    OutpostClockFunc func,
                    gpointer         user_data,
                    GDestroyNotify   notify)
{
  OutpostSystemClock *self = OUTPOST_SYSTEM_CLOCK (clock);
  SystemTimeout *timeout = g_new0 (SystemTimeout, 1);
  GSource *source;

  timeout->clock = self;
  timeout->func = func;
  timeout->user_data = user_data;
  timeout->notify = notify;
  /* Millisecond timeouts, not g_timeout_source_new_seconds: its coalescing may fire up to a
   * second late, and the sign-in poller's interval is a protocol rule. */
  source = g_timeout_source_new ((guint) MIN ((guint64) seconds * 1000, G_MAXUINT));
  g_source_set_callback (source, system_timeout_fire, timeout, system_timeout_free);
  g_source_set_static_name (source, "[outpost] clock timeout");
  g_mutex_lock (&self->lock);
  timeout->id = g_source_attach (source, g_main_context_get_thread_default ());
  g_hash_table_insert (self->sources, GUINT_TO_POINTER (timeout->id), source);
  g_mutex_unlock (&self->lock);
  return timeout->id;
}

static void
system_remove_timeout (OutpostClock *clock,
                       guint         id)
{
  OutpostSystemClock *self = OUTPOST_SYSTEM_CLOCK (clock);
  GSource *source = NULL;

  g_mutex_lock (&self->lock);
  if (g_hash_table_steal_extended (self->sources, GUINT_TO_POINTER (id), NULL,
                                   (gpointer *) &source))
    g_source_destroy (source);
  g_mutex_unlock (&self->lock);
  if (source != NULL)
    g_source_unref (source);
}

static void
outpost_system_clock_iface_init (OutpostClockInterface *iface)
{
  iface->get_monotonic = system_get_monotonic;
  iface->get_real = system_get_real;
  iface->add_timeout = system_add_timeout;
  iface->remove_timeout = system_remove_timeout;
}

static void
outpost_system_clock_class_init (OutpostSystemClockClass *klass)
{
}

static void
outpost_system_clock_init (OutpostSystemClock *self)
{
  g_mutex_init (&self->lock);
  self->sources = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_source_unref);
}

OutpostClock *
outpost_clock_get_system (void)
{
  static gsize system_clock;

  if (g_once_init_enter (&system_clock))
    g_once_init_leave (&system_clock, (gsize) g_object_new (OUTPOST_TYPE_SYSTEM_CLOCK, NULL));
  return g_object_ref ((OutpostClock *) system_clock);
}
