/* outpost-test-files.h: what the secret-leak checks of the sign-in tests share: files and logs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when @needle is in a file under @dir (recursively; symbolic links to folders are not
 * followed), as bytes: a password or token written anywhere, in any format. */
gboolean outpost_test_found_in_files (const char *dir, const char *needle);

/* Keeps every log message of the test process from now on (debug included, still printed as
 * usual), so a test can search them for a password or token. */
void        outpost_test_capture_logs  (void);
/* What was logged since outpost_test_capture_logs, one message per line. */
const char *outpost_test_captured_logs (void);

G_END_DECLS
