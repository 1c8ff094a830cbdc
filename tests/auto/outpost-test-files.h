/* outpost-test-files.h: what the secret-leak checks of the sign-in tests share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when @needle is in a file under @dir (recursively; symbolic links to folders are not
 * followed), as bytes: a password or token written anywhere, in any format. */
gboolean outpost_test_found_in_files (const char *dir, const char *needle);

G_END_DECLS
