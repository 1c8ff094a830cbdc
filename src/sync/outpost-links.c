/* outpost-links.c: safe http(s)/mailto/tel addresses from untrusted field values.
 *
 * The rule is an allow-list: a value is rebuilt from the parts that were checked, never passed
 * through. Anything the desktop could act on beyond "show this web page", "write to this one
 * address" or "call this number" is refused: other schemes (javascript:, file:, data:, smb:,
 * ms-settings:, ...), mailto headers (?attach= makes some mail programs attach a local file),
 * several recipients, user names before a host (https://bank.example@evil.example shows a
 * bank and opens something else), control/bidi/invisible characters that make the address
 * look like another one. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-links.h"

G_DEFINE_QUARK (outpost-link-error-quark, outpost_link_error)

#define SCHEME_SHOWN_MAX 24   /* a refused scheme is quoted in the message, cut to this */
#define EMAIL_MAX_LENGTH 254
#define EMAIL_LOCAL_MAX 64
#define PHONE_MAX_LENGTH 64
#define PHONE_MIN_DIGITS 3
#define PHONE_MAX_DIGITS 32

/* ---- characters ------------------------------------------------------------------------- */

/* Characters that are invisible, reorder text or end a line: an address holding one may show
 * as another address (U+202E turns "moc.evil" around) or split a command line. */
static gboolean
is_hidden_char (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT || type == G_UNICODE_LINE_SEPARATOR ||
         type == G_UNICODE_PARAGRAPH_SEPARATOR || type == G_UNICODE_UNASSIGNED ||
         type == G_UNICODE_PRIVATE_USE || type == G_UNICODE_SURROGATE ||
         (type == G_UNICODE_SPACE_SEPARATOR && c != ' ');
}

static gboolean
check_characters (const char *value, GError **error)
{
  if (!g_utf8_validate (value, -1, NULL))
    goto bad;
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    if (is_hidden_char (g_utf8_get_char (p)))
      goto bad;
  return TRUE;
bad:
  g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_CHARACTERS,
                       _("The address contains control, invisible or direction-changing characters"));
  return FALSE;
}

/* The value without the spaces around it (pasted values often have them). */
static char *
trimmed (const char *value)
{
  gsize start = 0, end = strlen (value);

  while (value[start] == ' ')
    start++;
  while (end > start && value[end - 1] == ' ')
    end--;
  return g_strndup (value + start, end - start);
}

static gboolean
has_prefix_nocase (const char *text, const char *prefix)
{
  return g_ascii_strncasecmp (text, prefix, strlen (prefix)) == 0;
}

/* ---- host names ------------------------------------------------------------------------- */

static gboolean
is_dns_label (const char *label, gsize len)
{
  if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (label[i]) && label[i] != '-')
      return FALSE;
  return TRUE;
}

/* An ASCII DNS name of at least @min_labels labels (a trailing dot is allowed). */
static gboolean
is_dns_name (const char *host, guint min_labels)
{
  gsize len = strlen (host);
  guint labels = 0;
  const char *p = host;

  if (len > 0 && host[len - 1] == '.')
    len--;
  if (len == 0 || len > 253)
    return FALSE;
  while (p < host + len)
    {
      const char *dot = memchr (p, '.', (gsize) (host + len - p));
      gsize n = dot != NULL ? (gsize) (dot - p) : (gsize) (host + len - p);

      if (!is_dns_label (p, n))
        return FALSE;
      labels++;
      p += n + (dot != NULL ? 1 : 0);
      if (dot != NULL && p == host + len)
        return FALSE;   /* "a..b" ends here with an empty label */
    }
  return labels >= min_labels;
}

/* ---- web addresses ---------------------------------------------------------------------- */

/* Length of a leading "scheme:" (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), or 0. */
static gsize
scheme_length (const char *text)
{
  gsize i = 0;

  if (!g_ascii_isalpha (text[0]))
    return 0;
  while (g_ascii_isalnum (text[i]) || text[i] == '+' || text[i] == '-' || text[i] == '.')
    i++;
  return text[i] == ':' ? i : 0;
}

/* "www.example.com:8080/x" and "localhost:3000" parse as a scheme but are a host and port. */
static gboolean
is_host_and_port (const char *text, gsize scheme_len)
{
  const char *p = text + scheme_len + 1;
  gsize digits = 0;

  if (memchr (text, '.', scheme_len) == NULL && !(scheme_len == 9 && has_prefix_nocase (text, "localhost")))
    return FALSE;
  while (g_ascii_isdigit (p[digits]))
    digits++;
  return digits >= 1 && digits <= 5 && (p[digits] == '\0' || strchr ("/?#", p[digits]) != NULL);
}

static char *
refuse_scheme (const char *text, gsize scheme_len, GError **error)
{
  g_autofree char *scheme = g_ascii_strdown (text, (gssize) MIN (scheme_len, SCHEME_SHOWN_MAX));

  g_set_error (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_SCHEME,
               _("Only web addresses (http or https) are opened, not “%s:” addresses"), scheme);
  return NULL;
}

/* The value with a scheme in front: http(s) kept, a bare host given https. */
static char *
web_candidate (const char *text, GError **error)
{
  gsize n = scheme_length (text);

  if (n > 0 && ((n == 4 && has_prefix_nocase (text, "http")) || (n == 5 && has_prefix_nocase (text, "https"))))
    return g_strdup (text);
  if (n > 0 && !is_host_and_port (text, n))
    return refuse_scheme (text, n, error);
  if (g_str_has_prefix (text, "//"))
    return g_strconcat ("https:", text, NULL);
  return g_strconcat ("https://", text, NULL);
}

static gboolean
is_uri_char (char c)
{
  return g_ascii_isalnum (c) || strchr ("-._~!$&'()*+,;=:@/?", c) != NULL;
}

/* Appends a path, query or fragment as it was written (GUri keeps it encoded), with
 * everything outside the URI character set percent-encoded: the result is plain ASCII. */
static void
append_encoded (GString *out, const char *part, gboolean keep_hash)
{
  for (const char *p = part; *p != '\0'; p++)
    {
      if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        g_string_append_c (out, '%');
      else if (is_uri_char (*p) || (keep_hash && *p == '#'))
        g_string_append_c (out, *p);
      else
        g_string_append_printf (out, "%%%02X", (guint) (guchar) *p);
    }
}

/* GUri refuses a stray "%" or a space in a path ("/100%"): encode what follows the host
 * first, and leave the host raw so GUri can turn an international name into punycode. */
static char *
encode_after_host (const char *candidate)
{
  const char *slashes = strstr (candidate, "://");
  const char *tail;
  GString *out;

  if (slashes == NULL)
    return g_strdup (candidate);
  tail = slashes + 3 + strcspn (slashes + 3, "/?#");
  out = g_string_new_len (candidate, tail - candidate);
  append_encoded (out, tail, TRUE);
  return g_string_free (out, FALSE);
}

static gboolean
is_web_host (const char *host)
{
  if (host == NULL || *host == '\0')
    return FALSE;
  if (strchr (host, ':') != NULL)   /* an IPv6 literal (GUri dropped the brackets) */
    return strchr (host, '%') == NULL && g_hostname_is_ip_address (host);
  return is_dns_name (host, 1);
}

static gboolean
check_web_uri (GUri *uri, GError **error)
{
  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_autofree char *user = g_utf8_make_valid (g_uri_get_userinfo (uri), MIN (strlen (g_uri_get_userinfo (uri)), 40));

      g_set_error (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_USERINFO,
                   _("The address puts “%s@” before the real host name, a trick to disguise "
                     "which site it opens"), user);
      return FALSE;
    }
  if (!is_web_host (g_uri_get_host (uri)) || g_uri_get_port (uri) == 0)
    {
      g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_INVALID,
                           _("This is not a valid web address"));
      return FALSE;
    }
  return TRUE;
}

static char *
web_uri_string (GUri *uri)
{
  GString *out = g_string_new (NULL);
  const char *host = g_uri_get_host (uri);

  g_string_append (out, g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 ? "http://" : "https://");
  if (strchr (host, ':') != NULL)
    g_string_append_printf (out, "[%s]", host);
  else
    {
      g_autofree char *lower = g_ascii_strdown (host, -1);
      g_string_append (out, lower);
    }
  if (g_uri_get_port (uri) > 0)
    g_string_append_printf (out, ":%d", g_uri_get_port (uri));
  append_encoded (out, g_uri_get_path (uri), FALSE);
  if (g_uri_get_query (uri) != NULL)
    g_string_append_c (out, '?'), append_encoded (out, g_uri_get_query (uri), FALSE);
  if (g_uri_get_fragment (uri) != NULL)
    g_string_append_c (out, '#'), append_encoded (out, g_uri_get_fragment (uri), FALSE);
  return g_string_free (out, FALSE);
}

static char *
web_uri (const char *text, GError **error)
{
  g_autofree char *candidate = NULL, *encoded = NULL;
  g_autoptr(GUri) uri = NULL;

  if (strchr (text, '\\') != NULL)   /* browsers read "\" as "/": "evil.example\@bank.example" */
    {
      g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_INVALID,
                           _("A web address cannot contain a backslash"));
      return NULL;
    }
  candidate = web_candidate (text, error);
  if (candidate == NULL)
    return NULL;
  /* the host is decoded (and an international name turned into punycode); the rest stays as
   * written so "%2F" keeps meaning what the site means by it */
  encoded = encode_after_host (candidate);
  uri = g_uri_parse (encoded, G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY |
                     G_URI_FLAGS_ENCODED_FRAGMENT, NULL);
  if (uri == NULL)
    {
      g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_INVALID,
                           _("This is not a valid web address"));
      return NULL;
    }
  if (!check_web_uri (uri, error))
    return NULL;
  return web_uri_string (uri);
}

/* ---- e-mail addresses ------------------------------------------------------------------- */

static gboolean
is_local_char (gunichar c)
{
  return c > 0x7f ? g_unichar_isalnum (c)
                  : g_ascii_isalnum ((char) c) || strchr (".!$'*+=^_`{|}~-", (char) c) != NULL;
}

/* The part before "@": RFC 5322 atext without the characters that mean something in a
 * mailto: URI ("?", "&", "%", "/", "#") and without quoted forms. */
static gboolean
is_local_part (const char *local, gsize len)
{
  if (len == 0 || len > EMAIL_LOCAL_MAX || local[0] == '.' || local[len - 1] == '.')
    return FALSE;
  for (const char *p = local; p < local + len; p = g_utf8_next_char (p))
    if (!is_local_char (g_utf8_get_char (p)) || (p[0] == '.' && p[1] == '.'))
      return FALSE;
  return TRUE;
}

static char *
email_uri (const char *text, GError **error)
{
  const char *address = has_prefix_nocase (text, "mailto:") ? text + 7 : text;
  const char *at = strchr (address, '@');
  g_autofree char *local = NULL, *domain = NULL, *escaped = NULL, *lower = NULL;

  if (at == NULL || strchr (at + 1, '@') != NULL || strlen (address) > EMAIL_MAX_LENGTH ||
      !is_local_part (address, (gsize) (at - address)))
    goto invalid;
  local = g_strndup (address, (gsize) (at - address));
  domain = g_hostname_to_ascii (at + 1);   /* NULL when it cannot be a host name */
  if (domain == NULL || !is_dns_name (domain, 2) || domain[strlen (domain) - 1] == '.')
    goto invalid;
  escaped = g_uri_escape_string (local, "!$'*+=", FALSE);
  lower = g_ascii_strdown (domain, -1);
  return g_strdup_printf ("mailto:%s@%s", escaped, lower);
invalid:
  g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_INVALID,
                       _("This is not one plain e-mail address (extra recipients, a subject or "
                         "attachments are not allowed)"));
  return NULL;
}

/* ---- phone numbers ---------------------------------------------------------------------- */

/* Digits with visual separators; a "+" only in front. The URI keeps the digits and the "+". */
static char *
phone_uri (const char *text, GError **error)
{
  const char *number = has_prefix_nocase (text, "tel:") ? text + 4 : text;
  g_autoptr(GString) out = g_string_new ("tel:");
  guint digits = 0;

  for (const char *p = number; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++, g_string_append_c (out, *p);
      else if (*p == '+' && out->len == 4)
        g_string_append_c (out, '+');
      else if (strchr (" -.()", *p) == NULL)
        goto invalid;
    }
  if (digits >= PHONE_MIN_DIGITS && digits <= PHONE_MAX_DIGITS && strlen (number) <= PHONE_MAX_LENGTH)
    return g_string_free (g_steal_pointer (&out), FALSE);
invalid:
  g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_INVALID,
                       _("A phone number can only have digits, spaces, “+”, “-”, “.” and "
                         "parentheses"));
  return NULL;
}

/* ---- entry point ------------------------------------------------------------------------ */

static gboolean
is_link_format (OutpostFieldFormat format)
{
  return format == OUTPOST_FIELD_FORMAT_URL || format == OUTPOST_FIELD_FORMAT_EMAIL ||
         format == OUTPOST_FIELD_FORMAT_PHONE;
}

char *
outpost_link_uri_for_value (OutpostFieldFormat format, const char *value, GError **error)
{
  g_autofree char *text = NULL;

  if (!is_link_format (format))
    {
      g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_NOT_A_LINK,
                           _("This field holds no address"));
      return NULL;
    }
  if (value != NULL && strlen (value) > OUTPOST_LINK_MAX_LENGTH)
    {
      g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_INVALID,
                           _("The address is too long"));
      return NULL;
    }
  if (value != NULL && !check_characters (value, error))
    return NULL;
  text = trimmed (value != NULL ? value : "");
  if (*text == '\0')
    {
      g_set_error_literal (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_EMPTY, _("Nothing to open"));
      return NULL;
    }
  if (format == OUTPOST_FIELD_FORMAT_URL)
    return web_uri (text, error);
  return format == OUTPOST_FIELD_FORMAT_EMAIL ? email_uri (text, error) : phone_uri (text, error);
}
