/* bench-ui-diag.c: what bench-ui uses to find what a late main loop waited on. The knobs:
 *   OUTPOST_BENCH_STALL_BT=MS       gdb's stack of the main thread when it is late by MS ms
 *   OUTPOST_BENCH_STALL_STATE=1     the main thread's scheduler state and kernel stack from /proc
 *   OUTPOST_BENCH_STALL_STATE=stack also its user-space stack, printed from a signal handler
 *   OUTPOST_BENCH_NICE_WORKERS=N    an experiment: the sync's threads at nice N
 * and the CPU time of the process's threads by name and of another process (the local server). */
#include "config.h"

#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench-ui-diag.h"

/* the last time the main loop ran the probe (0: not probing) */
static gint64 heartbeat;
static long main_tid;

void
diag_beat (gint64 now)
{
  heartbeat = now;
}

/* A /proc/.../stat file: the task's name, its state letter and its CPU time (user + system) in
 * clock ticks. The name may hold spaces and parentheses: it runs to the last ')'. */
static gboolean
read_stat (const char *path, char **name, char *state, unsigned long *ticks)
{
  g_autofree char *stat = NULL;
  const char *open_paren, *close_paren;
  unsigned long utime, stime;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (open_paren = strchr (stat, '(')) == NULL
      || (close_paren = strrchr (stat, ')')) == NULL || close_paren[1] == '\0'
      || sscanf (close_paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return FALSE;
  if (name != NULL)
    *name = g_strndup (open_paren + 1, close_paren - open_paren - 1);
  if (state != NULL)
    *state = close_paren[2];
  *ticks = utime + stime;
  return TRUE;
}

/* OUTPOST_BENCH_STALL_BT=MS (1: 200): a watchdog thread prints the main thread's stack (gdb) the
 * first times the main loop is late by more than MS ms, to find what blocks it. */

static gpointer
watchdog (gpointer data)
{
  guint dumps = 0;
  gint64 threshold = MAX (1, atoi (g_getenv ("OUTPOST_BENCH_STALL_BT")));

  threshold = threshold == 1 ? 200000 : threshold * 1000;
  while (dumps < 3)
    {
      gint64 beat = g_atomic_pointer_get ((gpointer *) &heartbeat) != NULL ? heartbeat : 0;

      g_usleep (10000);
      if (beat != 0 && beat == heartbeat && g_get_monotonic_time () - beat > threshold)
        {
          g_autofree char *cmd = g_strdup_printf ("gdb -batch -p %d -ex 'info threads' -ex 'thread 1' -ex 'bt 40'", getpid ());
          g_autofree char *out = NULL;

          g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL);
          g_printerr ("# main loop stalled; main thread:\n%s\n", out != NULL ? out : "");
          dumps++;
          g_usleep (1000000);
        }
    }
  return NULL;
}

/* OUTPOST_BENCH_STALL_STATE=1: every 5 ms, when the main loop is late by more than 60 ms, the
 * main thread's scheduler state, wait channel, system call and kernel stack from /proc (no
 * stop, unlike gdb): what it sleeps on. */

/* OUTPOST_BENCH_STALL_STATE=stack: also the main thread's user-space stack at that moment,
 * printed by the main thread itself from a signal handler (backtrace_symbols_fd writes without
 * allocating; exported symbols only): unlike gdb it does not stop the process, so it catches
 * the stall while it lasts. */
static void
print_own_stack (int sig)
{
  void *frames[40];
  int n = backtrace (frames, G_N_ELEMENTS (frames));

  backtrace_symbols_fd (frames, n, STDERR_FILENO);
}

static void
stack_on_signal (void)
{
  void *warm[2];

  backtrace (warm, 2); /* loads the unwinder now, outside the handler */
  signal (SIGUSR2, print_own_stack);
}

/* every thread's name, state (R: running or waiting for a CPU, S: asleep) and CPU time so far */
static void
print_thread_states (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  g_autoptr(GString) line = g_string_new ("# threads:");
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *name = NULL;
      unsigned long ticks;
      char state;

      if (read_stat (path, &name, &state, &ticks))
        g_string_append_printf (line, " %s=%c/%lu", name, state, ticks);
    }
  g_printerr ("%s\n", line->str);
}

static char *
task_file (const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%ld/%s", main_tid, name);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("?");
  return g_strstrip (text);
}

static gpointer
state_watch (gpointer data)
{
  guint dumps = 0;
  gint64 last_dumped = 0;

  while (dumps < 40)
    {
      gint64 beat = heartbeat;

      g_usleep (5000);
      if (beat != 0 && beat == heartbeat && beat != last_dumped
          && g_get_monotonic_time () - beat > 60000)
        {
          g_autofree char *stat = task_file ("stat");
          g_autofree char *wchan = task_file ("wchan");
          g_autofree char *sys = task_file ("syscall");
          g_autofree char *stack = task_file ("stack");
          const char *state = strrchr (stat, ')');

          g_printerr ("# late %.0f ms: state %.2s wchan %s syscall %s\n%s\n",
                      (g_get_monotonic_time () - beat) / 1000.0, state != NULL ? state + 2 : "?",
                      wchan, sys, stack);
          if (g_strcmp0 (g_getenv ("OUTPOST_BENCH_STALL_STATE"), "stack") == 0)
            {
              print_thread_states ();
              syscall (SYS_tgkill, getpid (), main_tid, SIGUSR2);
            }
          last_dumped = beat;
          dumps++;
        }
    }
  return NULL;
}

/* the watchers the knobs ask for, on the calling (main) thread */
void
diag_start_watchers (void)
{
  main_tid = (long) syscall (SYS_gettid);
  if (g_getenv ("OUTPOST_BENCH_STALL_BT") != NULL)
    g_thread_unref (g_thread_new ("watchdog", watchdog, NULL));
  if (g_strcmp0 (g_getenv ("OUTPOST_BENCH_STALL_STATE"), "stack") == 0)
    stack_on_signal ();
  if (g_getenv ("OUTPOST_BENCH_STALL_STATE") != NULL)
    g_thread_unref (g_thread_new ("state-watch", state_watch, NULL));
}

/* CPU time (ms) of this process's threads by name (llvmpipe-N: Mesa's rasterizer threads,
 * pool: GTask workers, outpost-store: the store clients' workers), added into TABLE */
void
diag_threads_cpu (GHashTable *table, gdouble sign)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  long per_s = sysconf (_SC_CLK_TCK);

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *name = NULL;
      unsigned long ticks;
      gdouble *ms;

      if (!read_stat (path, &name, NULL, &ticks))
        continue;
      if ((ms = g_hash_table_lookup (table, name)) == NULL)
        g_hash_table_insert (table, g_strdup (name), ms = g_new0 (gdouble, 1));
      *ms += sign * ticks * 1000.0 / per_s;
    }
}

/* CPU time (ms) of another process (the local outpost-server: on a user's machine the server
 * is elsewhere, here it takes the same two cores) */
gdouble
diag_process_cpu_ms (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  unsigned long ticks;

  if (pid == NULL || !read_stat (path, NULL, NULL, &ticks))
    return 0;
  return ticks * 1000.0 / sysconf (_SC_CLK_TCK);
}

/* OUTPOST_BENCH_NICE_WORKERS=N (an experiment, not the application): the sync's threads (GTask
 * and GThreadPool "pool" workers: its job, writes and the connector's parsers; outpost-download,
 * -read-ahead, -reaper, -upload; not outpost-store, the list's queries) at nice N, to see whether the
 * renderer's threads waiting behind them for a CPU are what makes frames long */
void
diag_nice_workers (void)
{
  const char *nice = g_getenv ("OUTPOST_BENCH_NICE_WORKERS");
  g_autoptr(GDir) dir = nice != NULL ? g_dir_open ("/proc/self/task", 0, NULL) : NULL;
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL)
          && (g_str_has_prefix (comm, "pool")
              || (g_str_has_prefix (comm, "outpost-") && !g_str_has_prefix (comm, "outpost-store"))))
        setpriority (PRIO_PROCESS, (id_t) atoi (tid), atoi (nice));
    }
}

void
diag_print_threads_cpu (GHashTable *table)
{
  GHashTableIter iter;
  gpointer name, ms;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &name, &ms))
    if (*(gdouble *) ms >= 10)
      g_print ("# CPU during the sync, threads named %s: %.0f ms\n", (char *) name, *(gdouble *) ms);
}

