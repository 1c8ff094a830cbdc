/* outpost-attachment-file.h: a note's attachment (a Base64 body and a file name, both from
 * the server, so untrusted) written to the account's cache folder to be opened:
 * $XDG_CACHE_HOME/outpost/<account>/attachments/ (mode 0700). The file name is made safe
 * (no folder parts, no hidden or reserved names, no control characters, bounded length) and
 * the file is created new (O_EXCL | O_NOFOLLOW, mode 0600): it can never escape the folder,
 * follow a planted symbolic link or overwrite an existing file. Blocking: call it from a
 * worker thread (the body may be megabytes). No GTK. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OUTPOST_ATTACHMENT_ERROR (outpost_attachment_error_quark ())
GQuark outpost_attachment_error_quark (void);

typedef enum {
  OUTPOST_ATTACHMENT_ERROR_EMPTY,       /* the record has no attachment body */
  OUTPOST_ATTACHMENT_ERROR_INVALID,     /* the body is not Base64 */
  OUTPOST_ATTACHMENT_ERROR_TOO_LARGE,
  OUTPOST_ATTACHMENT_ERROR_UNSAFE,      /* the cache folder is a link, not ours, or the account name is bad */
  OUTPOST_ATTACHMENT_ERROR_FAILED,      /* the file system refused (message says why) */
} OutpostAttachmentError;

/* Longest file name produced, in bytes (NAME_MAX is 255; room is left for " (999)"). */
#define OUTPOST_ATTACHMENT_NAME_MAX 200
/* Largest Base64 body accepted (Dataverse's own limit is far lower: 5 MB by default). */
#define OUTPOST_ATTACHMENT_BODY_MAX (128 * 1024 * 1024)

/* A file name that is safe to create inside a folder: the last path component only, control,
 * invisible and Windows-reserved characters replaced by "_", no leading or trailing dots or
 * spaces, reserved device names (CON, NUL, COM1, ...) prefixed, cut to
 * OUTPOST_ATTACHMENT_NAME_MAX bytes keeping the extension. A name with a NUL byte within
 * @length (-1: NUL-terminated), an empty name, "." or ".." give "attachment". Never NULL. */
char   *outpost_attachment_safe_name  (const char  *name,
                                       gssize       length);
/* The decoded body; whitespace is ignored, any other non-Base64 character is an error. */
GBytes *outpost_attachment_decode     (const char  *base64,
                                       GError     **error);
/* <cache_base>/outpost/<account>/attachments, created 0700 where missing; fails when a part
 * of it is a symbolic link or not a folder of this user. @cache_base NULL: the user's cache
 * folder ($XDG_CACHE_HOME). */
char   *outpost_attachment_cache_dir  (const char  *cache_base,
                                       const char  *account,
                                       GError     **error);
/* Writes @data as a new file named after @name (made safe) in @dir; when the name is taken,
 * "name (2).ext", "name (3).ext", ... Returns the file's path. */
char   *outpost_attachment_write_new  (const char  *dir,
                                       const char  *name,
                                       GBytes      *data,
                                       GError     **error);
/* All of it: decode @base64, make the account's cache folder, write the file. */
char   *outpost_attachment_save_to_cache (const char  *cache_base,
                                          const char  *account,
                                          const char  *name,
                                          const char  *base64,
                                          GError     **error);

G_END_DECLS
