/* outpost-attachment-file.c: see the header.
 *
 * The name is the attack surface ("../../.bashrc", "/etc/passwd", "a\nb", U+202E that shows
 * "evil.exe" as "exe.live"): only its last component survives, cleaned. The folder is the
 * other one: a symbolic link planted where a file or the folder should be is never followed
 * (O_NOFOLLOW on the folder, O_EXCL | O_NOFOLLOW on the file). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outpost-account.h"
#include "outpost-attachment-file.h"

G_DEFINE_QUARK (outpost-attachment-error-quark, outpost_attachment_error)

#define FALLBACK_NAME "attachment"
#define EXTENSION_MAX 16      /* bytes of an extension kept when a long name is cut */
#define UNIQUE_TRIES 999

/* ---- the safe name ---------------------------------------------------------------------- */

static gboolean
is_unsafe_char (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  if (c < 0x80 && strchr ("<>:\"|?*\\/", (char) c) != NULL)   /* reserved on Windows and in paths */
    return TRUE;
  return type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT || type == G_UNICODE_LINE_SEPARATOR ||
         type == G_UNICODE_PARAGRAPH_SEPARATOR || type == G_UNICODE_UNASSIGNED ||
         type == G_UNICODE_PRIVATE_USE || type == G_UNICODE_SURROGATE ||
         (type == G_UNICODE_SPACE_SEPARATOR && c != ' ');
}

/* The last component of a path written with "/" or "\". */
static const char *
last_component (const char *name)
{
  const char *slash = strrchr (name, '/');
  const char *backslash = strrchr (name, '\\');
  const char *last = MAX (slash, backslash);

  return last != NULL ? last + 1 : name;
}

static GString *
replace_unsafe (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_unsafe_char (c))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  return out;
}

/* Leading dots hide a file (".bashrc"); trailing dots and spaces vanish on Windows. */
static void
strip_ends (GString *name)
{
  gsize start = 0;

  while (start < name->len && (name->str[start] == '.' || name->str[start] == ' '))
    start++;
  g_string_erase (name, 0, (gssize) start);
  while (name->len > 0 && (name->str[name->len - 1] == '.' || name->str[name->len - 1] == ' '))
    g_string_truncate (name, name->len - 1);
}

static gboolean
is_device_name (const char *name)
{
  static const char *const devices[] = { "CON", "PRN", "AUX", "NUL", NULL };
  gsize stem = strcspn (name, ".");

  for (guint i = 0; devices[i] != NULL; i++)
    if (stem == 3 && g_ascii_strncasecmp (name, devices[i], 3) == 0)
      return TRUE;
  return stem == 4 && (g_ascii_strncasecmp (name, "COM", 3) == 0 || g_ascii_strncasecmp (name, "LPT", 3) == 0) &&
         name[3] >= '1' && name[3] <= '9';
}

/* Cuts @name to @max bytes on a character boundary, keeping a short extension. */
static void
cut_to_length (GString *name, gsize max)
{
  const char *dot = strrchr (name->str, '.');
  gsize ext_len = dot != NULL && dot != name->str ? strlen (dot) : 0;
  g_autofree char *ext = NULL;
  const char *end;

  if (name->len <= max)
    return;
  if (ext_len > EXTENSION_MAX)
    ext_len = 0;
  ext = g_strdup (name->str + name->len - ext_len);
  end = g_utf8_find_prev_char (name->str, name->str + (max - ext_len) + 1);
  g_string_truncate (name, end != NULL ? (gsize) (end - name->str) : 0);
  g_string_append (name, ext);
}

char *
outpost_attachment_safe_name (const char *name, gssize length)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) out = NULL;

  if (name == NULL)
    return g_strdup (FALLBACK_NAME);
  if (length < 0)
    length = (gssize) strlen (name);
  if (memchr (name, '\0', (gsize) length) != NULL)   /* "evil.desktop\0.txt" */
    return g_strdup (FALLBACK_NAME);
  valid = g_utf8_make_valid (name, length);
  out = replace_unsafe (last_component (valid));
  strip_ends (out);
  if (is_device_name (out->str))
    g_string_prepend_c (out, '_');
  cut_to_length (out, OUTPOST_ATTACHMENT_NAME_MAX);
  strip_ends (out);   /* the cut may leave a dot or space at the end */
  if (out->len == 0)
    return g_strdup (FALLBACK_NAME);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- the body --------------------------------------------------------------------------- */

static gboolean
is_base64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

GBytes *
outpost_attachment_decode (const char *base64, GError **error)
{
  g_autoptr(GString) clean = g_string_new (NULL);
  guint padding = 0;
  gsize out_len = 0;
  guchar *data;

  for (const char *p = base64 != NULL ? base64 : ""; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        continue;
      if (*p == '=' && padding < 2)
        padding++;
      else if (!is_base64_char (*p) || padding > 0)
        return g_set_error_literal (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_INVALID,
                                    _("The attachment is damaged (its content is not Base64)")), NULL;
      g_string_append_c (clean, *p);
      if (clean->len > OUTPOST_ATTACHMENT_BODY_MAX)
        return g_set_error_literal (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_TOO_LARGE,
                                    _("The attachment is too large")), NULL;
    }
  if (clean->len == 0)
    return g_set_error_literal (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_EMPTY,
                                _("This record has no attachment")), NULL;
  if (clean->len % 4 == 1 || (padding > 0 && clean->len % 4 != 0))
    return g_set_error_literal (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_INVALID,
                                _("The attachment is damaged (its content is not Base64)")), NULL;
  data = g_base64_decode (clean->str, &out_len);
  return g_bytes_new_take (data, out_len);
}

/* ---- the folder ------------------------------------------------------------------------- */

static gboolean
unsafe_folder (GError **error, const char *path, const char *why)
{
  g_set_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_UNSAFE,
               _("The attachment folder %s is not safe to use: %s"), path, why);
  return FALSE;
}

/* Makes @path (0700) when missing; it must be a real folder of this user, not a link. */
static gboolean
ensure_private_dir (const char *path, GError **error)
{
  GStatBuf st;

  if (g_mkdir (path, 0700) != 0 && errno != EEXIST)
    {
      int saved = errno;
      g_set_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_FAILED,
                   _("Could not create the folder %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (g_lstat (path, &st) != 0)
    return unsafe_folder (error, path, g_strerror (errno));
  if (S_ISLNK (st.st_mode))
    return unsafe_folder (error, path, _("it is a symbolic link"));
  if (!S_ISDIR (st.st_mode))
    return unsafe_folder (error, path, _("it is not a folder"));
  if (st.st_uid != getuid ())
    return unsafe_folder (error, path, _("it belongs to another user"));
  if ((st.st_mode & 077) != 0 && g_chmod (path, 0700) != 0)
    return unsafe_folder (error, path, g_strerror (errno));
  return TRUE;
}

char *
outpost_attachment_cache_dir (const char *cache_base, const char *account, GError **error)
{
  g_autofree char *outpost = NULL, *folder = NULL, *dir = NULL;
  const char *base = cache_base != NULL ? cache_base : g_get_user_cache_dir ();

  if (!outpost_account_name_is_valid (account))   /* no "/", no leading "." */
    return unsafe_folder (error, account != NULL ? account : "(null)", _("invalid account name")), NULL;
  if (g_mkdir_with_parents (base, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_FAILED,
                   _("Could not create the folder %s: %s"), base, g_strerror (saved));
      return NULL;
    }
  outpost = g_build_filename (base, "outpost", NULL);
  folder = g_build_filename (outpost, account, NULL);
  dir = g_build_filename (folder, "attachments", NULL);
  if (!ensure_private_dir (outpost, error) || !ensure_private_dir (folder, error) ||
      !ensure_private_dir (dir, error))
    return NULL;
  return g_steal_pointer (&dir);
}

/* ---- writing ---------------------------------------------------------------------------- */

/* "name.ext" -> "name (n).ext" */
static char *
numbered_name (const char *name, guint n)
{
  const char *dot = strrchr (name, '.');

  if (n == 1)
    return g_strdup (name);
  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s (%u)", name, n);
  return g_strdup_printf ("%.*s (%u)%s", (int) (dot - name), name, n, dot);
}

static gboolean
write_all (int fd, GBytes *data)
{
  gsize len = 0;
  const guchar *p = g_bytes_get_data (data, &len);

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Creates the first free name; -1 with errno set when none could be made. */
static int
create_unique (int dirfd, const char *safe, char **created)
{
  for (guint n = 1; n <= UNIQUE_TRIES; n++)
    {
      g_autofree char *candidate = numbered_name (safe, n);
      int fd = openat (dirfd, candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

      if (fd >= 0)
        {
          *created = g_steal_pointer (&candidate);
          return fd;
        }
      if (errno != EEXIST)   /* a planted symlink, a file or a folder all say EEXIST */
        return -1;
    }
  errno = EEXIST;
  return -1;
}

static char *
write_failed (GError **error, const char *dir, int saved)
{
  g_set_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_FAILED,
               _("Could not write the attachment in %s: %s"), dir, g_strerror (saved));
  return NULL;
}

char *
outpost_attachment_write_new (const char *dir, const char *name, GBytes *data, GError **error)
{
  g_autofree char *safe = outpost_attachment_safe_name (name, -1);
  g_autofree char *created = NULL;
  int dirfd, fd, saved;
  gboolean ok;

  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0)
    return write_failed (error, dir, errno);
  fd = create_unique (dirfd, safe, &created);
  if (fd < 0)
    {
      saved = errno;
      close (dirfd);
      return write_failed (error, dir, saved);
    }
  ok = write_all (fd, data);
  saved = errno;
  ok = close (fd) == 0 && ok;
  if (!ok)
    unlinkat (dirfd, created, 0);   /* no half file left to be opened later */
  close (dirfd);
  if (!ok)
    return write_failed (error, dir, saved != 0 ? saved : EIO);
  return g_build_filename (dir, created, NULL);
}

char *
outpost_attachment_save_to_cache (const char *cache_base, const char *account, const char *name,
                                  const char *base64, GError **error)
{
  g_autoptr(GBytes) data = outpost_attachment_decode (base64, error);
  g_autofree char *dir = NULL;

  if (data == NULL)
    return NULL;
  dir = outpost_attachment_cache_dir (cache_base, account, error);
  if (dir == NULL)
    return NULL;
  return outpost_attachment_write_new (dir, name, data, error);
}
