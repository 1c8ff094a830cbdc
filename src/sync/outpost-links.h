/* outpost-links.h: turns a web site, e-mail address or phone number from a record (text that
 * came from the server or another user, so untrusted) into an address that is safe to hand to
 * the desktop's URI handlers: only http(s):, mailto: with one plain address and tel: with a
 * plain number. Everything else (javascript:, file:, data:, smb:, ms-*:, mailto with headers
 * or attachments, user names before a host, control and invisible characters) is refused
 * with a message that tells the user why. Pure string work: no GTK, no I/O. */
#pragma once

#include <glib.h>

#include "outpost-profile.h"

G_BEGIN_DECLS

#define OUTPOST_LINK_ERROR (outpost_link_error_quark ())
GQuark outpost_link_error_quark (void);

typedef enum {
  OUTPOST_LINK_ERROR_EMPTY,        /* nothing to open */
  OUTPOST_LINK_ERROR_CHARACTERS,   /* control, invisible or bidi characters, invalid UTF-8 */
  OUTPOST_LINK_ERROR_SCHEME,       /* a scheme other than the allowed one(s) */
  OUTPOST_LINK_ERROR_USERINFO,     /* "https://bank.example@evil.example" */
  OUTPOST_LINK_ERROR_INVALID,      /* not a web address / e-mail address / phone number */
  OUTPOST_LINK_ERROR_NOT_A_LINK,   /* the field's format is not url, email or phone */
} OutpostLinkError;

/* Longest value considered (browsers accept more; a CRM field holds at most a few hundred). */
#define OUTPOST_LINK_MAX_LENGTH 2048

/* The URI to open for @value of a field with @format (url, email or phone), or NULL with
 * @error set (its message is meant for the user: a tooltip saying why nothing opens).
 * A bare "www.example.com" becomes "https://www.example.com"; "mailto:" and "tel:" prefixes
 * in the value are accepted; international host names are returned as punycode so the
 * address shows which host it really is. */
char *outpost_link_uri_for_value (OutpostFieldFormat   format,
                                  const char          *value,
                                  GError             **error);

G_END_DECLS
