/* outpost-fake-clock.c: deterministic time for the scheduler tests. */
#include "outpost-fake-clock.h"

#define START_MONOTONIC G_GINT64_CONSTANT (1000000000)      /* not 0: 0 means "none" */
#define START_REAL      G_GINT64_CONSTANT (1767225600000000) /* 2026-01-01T00:00:00Z */

typedef struct {
  guint            id;
  gint64           due;
  OutpostClockFunc func;
  gpointer         user_data;
  GDestroyNotify   notify;
} FakeTimeout;

struct _OutpostFakeClock
{
  GObject  parent_instance;
  gint64   now;        /* µs since START_MONOTONIC */
  guint    next_id;
  GList   *timeouts;   /* FakeTimeout*, sorted by due, then id */
};

static void outpost_fake_clock_iface_init (OutpostClockInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostFakeClock, outpost_fake_clock, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OUTPOST_TYPE_CLOCK,
                                                      outpost_fake_clock_iface_init))

static void
fake_timeout_free (FakeTimeout *timeout)
{
  if (timeout->notify != NULL)
    timeout->notify (timeout->user_data);
  g_free (timeout);
}

static int
compare_timeouts (gconstpointer a,
                  gconstpointer b)
{
  const FakeTimeout *ta = a, *tb = b;

  if (ta->due != tb->due)
    return ta->due < tb->due ? -1 : 1;
  return ta->id < tb->id ? -1 : ta->id > tb->id;
}

static gint64
fake_get_monotonic (OutpostClock *clock)
{
  return START_MONOTONIC + OUTPOST_FAKE_CLOCK (clock)->now;
}

static gint64
fake_get_real (OutpostClock *clock)
{
  return START_REAL + OUTPOST_FAKE_CLOCK (clock)->now;
}

static guint
fake_add_timeout (OutpostClock    *clock,
                  guint            seconds,
                  OutpostClockFunc func,
                  gpointer         user_data,
                  GDestroyNotify   notify)
{
  OutpostFakeClock *self = OUTPOST_FAKE_CLOCK (clock);
  FakeTimeout *timeout = g_new0 (FakeTimeout, 1);

  timeout->id = ++self->next_id;
  timeout->due = self->now + (gint64) seconds * G_USEC_PER_SEC;
  timeout->func = func;
  timeout->user_data = user_data;
  timeout->notify = notify;
  self->timeouts = g_list_insert_sorted (self->timeouts, timeout, compare_timeouts);
  return timeout->id;
}

static void
fake_remove_timeout (OutpostClock *clock,
                     guint         id)
{
  OutpostFakeClock *self = OUTPOST_FAKE_CLOCK (clock);

  for (GList *l = self->timeouts; l != NULL; l = l->next)
    {
      FakeTimeout *timeout = l->data;

      if (timeout->id == id)
        {
          self->timeouts = g_list_delete_link (self->timeouts, l);
          fake_timeout_free (timeout);
          return;
        }
    }
}

static void
outpost_fake_clock_iface_init (OutpostClockInterface *iface)
{
  iface->get_monotonic = fake_get_monotonic;
  iface->get_real = fake_get_real;
  iface->add_timeout = fake_add_timeout;
  iface->remove_timeout = fake_remove_timeout;
}

static void
outpost_fake_clock_finalize (GObject *object)
{
  OutpostFakeClock *self = OUTPOST_FAKE_CLOCK (object);

  g_list_free_full (self->timeouts, (GDestroyNotify) fake_timeout_free);
  G_OBJECT_CLASS (outpost_fake_clock_parent_class)->finalize (object);
}

static void
outpost_fake_clock_class_init (OutpostFakeClockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_fake_clock_finalize;
}

static void
outpost_fake_clock_init (OutpostFakeClock *self)
{
}

OutpostFakeClock *
outpost_fake_clock_new (void)
{
  return g_object_new (OUTPOST_TYPE_FAKE_CLOCK, NULL);
}

void
outpost_fake_clock_advance (OutpostFakeClock *self,
                            guint             seconds)
{
  gint64 target = self->now + (gint64) seconds * G_USEC_PER_SEC;

  while (self->timeouts != NULL && ((FakeTimeout *) self->timeouts->data)->due <= target)
    {
      FakeTimeout *timeout = self->timeouts->data;

      self->timeouts = g_list_delete_link (self->timeouts, self->timeouts);
      self->now = MAX (self->now, timeout->due);
      timeout->func (timeout->user_data);
      fake_timeout_free (timeout);
    }
  self->now = target;
}

gint64
outpost_fake_clock_elapsed (OutpostFakeClock *self)
{
  return self->now / G_USEC_PER_SEC;
}

guint
outpost_fake_clock_pending (OutpostFakeClock *self)
{
  return g_list_length (self->timeouts);
}
