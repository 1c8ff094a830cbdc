/* test-attachment-file.c: attachment names from the server cannot escape the cache folder
 * (outpost-attachment-file.h): hostile names, planted symbolic links, a hostile folder, the
 * Base64 decoder. Everything happens in a temporary folder. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outpost-attachment-file.h"

typedef struct {
  char *root;    /* temporary; plays $XDG_CACHE_HOME */
  char *dir;     /* the account's attachment folder */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->root = g_dir_make_tmp ("outpost-attach-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = outpost_attachment_cache_dir (f->root, "work", &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->root);
  g_free (f->root);
  g_free (f->dir);
}

/* ---- names ------------------------------------------------------------------------------ */

static void
assert_safe (const char *name)
{
  g_assert_nonnull (name);
  g_assert_cmpuint (strlen (name), >, 0);
  g_assert_cmpuint (strlen (name), <=, OUTPOST_ATTACHMENT_NAME_MAX);
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_null (strchr (name, '/'));
  g_assert_null (strchr (name, '\\'));
  g_assert_cmpint (name[0], !=, '.');
  g_assert_cmpstr (name, !=, "..");
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      g_assert_false (g_unichar_iscntrl (c));
      g_assert_cmpint (g_unichar_type (c), !=, G_UNICODE_FORMAT);
      g_assert_null (strchr ("<>:\"|?*", (int) (c < 0x80 ? c : 'a')));
    }
}

static void
test_safe_names (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "report.pdf", "report.pdf" },
    { "../../.bashrc", "bashrc" },
    { "../../escape.txt", "escape.txt" },
    { "/etc/passwd", "passwd" },
    { "..\\..\\Windows\\system32\\evil.dll", "evil.dll" },
    { "C:\\Users\\x\\notes.txt", "notes.txt" },
    { "a\nb", "a_b" },
    { "a\rb\tc\x1b[31m", "a_b_c_[31m" },
    { "a\x7f" "b", "a_b" },
    { "", "attachment" },
    { ".", "attachment" },
    { "..", "attachment" },
    { "...", "attachment" },
    { "/", "attachment" },
    { "dir/", "attachment" },
    { "  ", "attachment" },
    { ".hidden", "hidden" },
    { "trailing. . ", "trailing" },
    { "what?.txt", "what_.txt" },
    { "a<b>c:d\"e|f*g.txt", "a_b_c_d_e_f_g.txt" },
    { "CON", "_CON" },
    { "nul.txt", "_nul.txt" },
    { "com1.log", "_com1.log" },
    { "LPT9", "_LPT9" },
    { "console.txt", "console.txt" },
    { "R\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84.pdf", "R\xc3\xa9sum\xc3\xa9 \xf0\x9f\x93\x84.pdf" },
    { "\xe2\x80\xae" "fdp.exe", "_fdp.exe" },                 /* RIGHT-TO-LEFT OVERRIDE */
    { "a\xe2\x80\x8b" "b.txt", "a_b.txt" },                   /* ZERO WIDTH SPACE */
    { "a\xe2\x80\xa8" "b", "a_b" },                           /* LINE SEPARATOR */
    { "bad\xff\xfe.txt", "bad\xef\xbf\xbd\xef\xbf\xbd.txt" },  /* invalid UTF-8: U+FFFD */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *safe = outpost_attachment_safe_name (cases[i].in, -1);

      g_test_message ("%s -> %s", cases[i].in, safe);
      g_assert_cmpstr (safe, ==, cases[i].out);
      assert_safe (safe);
    }
}

static void
test_nul_and_null (void)
{
  static const char with_nul[] = "evil.desktop\0.txt";
  g_autofree char *a = outpost_attachment_safe_name (with_nul, sizeof with_nul - 1);
  g_autofree char *b = outpost_attachment_safe_name (NULL, -1);
  g_autofree char *c = outpost_attachment_safe_name (with_nul, -1);   /* up to the NUL: fine */

  g_assert_cmpstr (a, ==, "attachment");
  g_assert_cmpstr (b, ==, "attachment");
  g_assert_cmpstr (c, ==, "evil.desktop");
}

static void
test_long_names (void)
{
  g_autofree char *stem = g_strnfill (1000, 'x');
  g_autofree char *long_pdf = g_strconcat (stem, ".pdf", NULL);
  g_autofree char *safe = outpost_attachment_safe_name (long_pdf, -1);
  g_autoptr(GString) accents = g_string_new (NULL);
  g_autofree char *safe_accents = NULL;
  g_autofree char *long_ext = g_strconcat ("a.", stem, NULL);
  g_autofree char *safe_ext = outpost_attachment_safe_name (long_ext, -1);

  assert_safe (safe);
  g_assert_true (g_str_has_suffix (safe, ".pdf"));   /* the extension survives the cut */
  g_assert_cmpuint (strlen (safe), ==, OUTPOST_ATTACHMENT_NAME_MAX);
  /* two-byte characters are never cut in half */
  for (guint i = 0; i < 300; i++)
    g_string_append (accents, "\xc3\xa9");
  g_string_append (accents, ".txt");
  safe_accents = outpost_attachment_safe_name (accents->str, -1);
  assert_safe (safe_accents);
  g_assert_true (g_str_has_suffix (safe_accents, ".txt"));
  assert_safe (safe_ext);
}

/* ---- the body --------------------------------------------------------------------------- */

static void
test_decode (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) hello = outpost_attachment_decode ("aGVs\r\nbG8=\n", &error);
  static const char *const bad[] = { "aGVsbG8=x", "aGVs bG8*", "a", "aGVsbG8===", "=aGVs", "aGVsbG8\x01" };
  static const char *const empty[] = { "", "  \n", NULL };

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (hello, NULL), g_bytes_get_size (hello), "hello", 5);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GBytes) data = outpost_attachment_decode (bad[i], &error);

      g_assert_null (data);
      g_assert_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_INVALID);
      g_clear_error (&error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (empty); i++)
    {
      g_autoptr(GBytes) data = outpost_attachment_decode (empty[i], &error);

      g_assert_null (data);
      g_assert_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_EMPTY);
      g_clear_error (&error);
    }
}

/* ---- the folder and the file ------------------------------------------------------------- */

static void
assert_inside (const char *path, const char *dir)
{
  g_autofree char *parent = g_path_get_dirname (path);
  GStatBuf st;

  g_assert_cmpstr (parent, ==, dir);
  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_cache_dir (Fixture *f, gconstpointer data)
{
  g_autofree char *expected = g_build_filename (f->root, "outpost", "work", "attachments", NULL);
  g_autofree char *again = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_cmpstr (f->dir, ==, expected);
  g_assert_cmpint (g_lstat (f->dir, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  /* a folder someone loosened is made private again */
  g_chmod (f->dir, 0755);
  again = outpost_attachment_cache_dir (f->root, "work", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_lstat (f->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
}

static void
test_bad_accounts (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = { "", ".", "..", "../x", "a/b", ".hidden", "a b", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = outpost_attachment_cache_dir (f->root, bad[i], &error);

      g_assert_null (dir);
      g_assert_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_UNSAFE);
    }
}

static void
test_hostile_names_stay_inside (Fixture *f, gconstpointer data)
{
  static const char *const names[] = { "../../.bashrc", "/etc/passwd", "a\nb", "", ".", "..",
                                       "../../escape.txt", "..\\..\\x.txt", "~/.profile", "$(id).sh" };
  g_autoptr(GBytes) body = g_bytes_new_static ("payload", 7);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = outpost_attachment_write_new (f->dir, names[i], body, &error);
      g_autofree char *contents = NULL;

      g_assert_no_error (error);
      g_test_message ("%s -> %s", names[i], path);
      assert_inside (path, f->dir);
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "payload");
    }
  /* nothing appeared next to the folder or above it */
  {
    g_autofree char *escape = g_build_filename (f->root, "outpost", "escape.txt", NULL);
    g_autofree char *bashrc = g_build_filename (f->root, "outpost", ".bashrc", NULL);
    g_assert_false (g_file_test (escape, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (bashrc, G_FILE_TEST_EXISTS));
  }
}

static void
test_unique_names (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) one = g_bytes_new_static ("1", 1);
  g_autoptr(GBytes) two = g_bytes_new_static ("2", 1);
  g_autofree char *a = outpost_attachment_write_new (f->dir, "notes.txt", one, NULL);
  g_autofree char *b = outpost_attachment_write_new (f->dir, "notes.txt", two, NULL);
  g_autofree char *c = outpost_attachment_write_new (f->dir, "README", two, NULL);
  g_autofree char *d = outpost_attachment_write_new (f->dir, "README", two, NULL);
  g_autofree char *first = NULL;

  g_assert_true (g_str_has_suffix (a, "/notes.txt"));
  g_assert_true (g_str_has_suffix (b, "/notes (2).txt"));
  g_assert_true (g_str_has_suffix (d, "/README (2)"));
  /* the first file was not overwritten */
  g_assert_true (g_file_get_contents (a, &first, NULL, NULL));
  g_assert_cmpstr (first, ==, "1");
  assert_inside (c, f->dir);
}

/* A symbolic link planted where the file would go is never followed: the file gets another
 * name and the link's target is untouched. */
static void
test_planted_symlink (Fixture *f, gconstpointer data)
{
  g_autofree char *target = g_build_filename (f->root, "victim", NULL);
  g_autofree char *link = g_build_filename (f->dir, "escape.txt", NULL);
  g_autofree char *dangling = g_build_filename (f->dir, "new.txt", NULL);
  g_autofree char *dangling_target = g_build_filename (f->root, "created-by-link", NULL);
  g_autoptr(GBytes) body = g_bytes_new_static ("evil", 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *path2 = NULL, *victim = NULL;

  g_assert_true (g_file_set_contents (target, "precious", -1, NULL));
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_assert_cmpint (symlink (dangling_target, dangling), ==, 0);
  path = outpost_attachment_write_new (f->dir, "../../escape.txt", body, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, "/escape (2).txt"));
  assert_inside (path, f->dir);
  g_assert_true (g_file_get_contents (target, &victim, NULL, NULL));
  g_assert_cmpstr (victim, ==, "precious");
  path2 = outpost_attachment_write_new (f->dir, "new.txt", body, &error);
  g_assert_no_error (error);
  assert_inside (path2, f->dir);
  g_assert_false (g_file_test (dangling_target, G_FILE_TEST_EXISTS));
}

/* The attachment folder (or a folder above it) replaced by a link is refused. */
static void
test_planted_folder_link (Fixture *f, gconstpointer data)
{
  g_autofree char *elsewhere = g_build_filename (f->root, "elsewhere", NULL);
  g_autofree char *account = g_build_filename (f->root, "outpost", "other", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static ("x", 1);

  g_assert_cmpint (g_mkdir (elsewhere, 0700), ==, 0);
  g_assert_cmpint (symlink (elsewhere, account), ==, 0);
  dir = outpost_attachment_cache_dir (f->root, "other", &error);
  g_assert_null (dir);
  g_assert_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_UNSAFE);
  g_clear_error (&error);
  /* writing into a folder path that is a link fails too (O_NOFOLLOW on the folder) */
  remove_tree (f->dir);
  g_assert_cmpint (symlink (elsewhere, f->dir), ==, 0);
  path = outpost_attachment_write_new (f->dir, "x.txt", body, &error);
  g_assert_null (path);
  g_assert_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_FAILED);
  g_assert_cmpint (g_unlink (f->dir), ==, 0);
}

static void
test_save_to_cache (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *b64 = g_base64_encode ((const guchar *) "report body\n", 12);
  g_autofree char *path = outpost_attachment_save_to_cache (f->root, "work", "../../escape.txt", b64, &error);
  g_autofree char *contents = NULL;

  g_assert_no_error (error);
  assert_inside (path, f->dir);
  g_assert_true (g_str_has_suffix (path, "/escape.txt"));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "report body\n");
  g_assert_null (outpost_attachment_save_to_cache (f->root, "work", "x", "not base64!", &error) );
  g_assert_error (error, OUTPOST_ATTACHMENT_ERROR, OUTPOST_ATTACHMENT_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attachment/safe-names", test_safe_names);
  g_test_add_func ("/attachment/nul-and-null", test_nul_and_null);
  g_test_add_func ("/attachment/long-names", test_long_names);
  g_test_add_func ("/attachment/decode", test_decode);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/attachment/cache-dir", test_cache_dir);
  ADD ("/attachment/bad-accounts", test_bad_accounts);
  ADD ("/attachment/hostile-names-stay-inside", test_hostile_names_stay_inside);
  ADD ("/attachment/unique-names", test_unique_names);
  ADD ("/attachment/planted-symlink", test_planted_symlink);
  ADD ("/attachment/planted-folder-link", test_planted_folder_link);
  ADD ("/attachment/save-to-cache", test_save_to_cache);
#undef ADD
  return g_test_run ();
}
