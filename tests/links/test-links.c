/* test-links.c: outpost_link_uri_for_value() (outpost-links.h) against hostile values, and the
 * profile's "format" marks that choose which fields are links. */
#include "config.h"

#include <string.h>

#include "outpost-links.h"
#include "outpost-profile.h"

typedef struct {
  const char *value;
  const char *uri;    /* NULL: refused */
  gint        code;   /* the OutpostLinkError when refused */
} Case;

static void
check_cases (OutpostFieldFormat format, const Case *cases, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = outpost_link_uri_for_value (format, cases[i].value, &error);

      g_test_message ("%s -> %s (%s)", cases[i].value, uri, error ? error->message : "");
      if (cases[i].uri != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (uri, ==, cases[i].uri);
        }
      else
        {
          g_assert_null (uri);
          g_assert_error (error, OUTPOST_LINK_ERROR, cases[i].code);
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
        }
    }
}

#define INVALID OUTPOST_LINK_ERROR_INVALID
#define SCHEME OUTPOST_LINK_ERROR_SCHEME
#define CHARS OUTPOST_LINK_ERROR_CHARACTERS
#define USERINFO OUTPOST_LINK_ERROR_USERINFO
#define EMPTY OUTPOST_LINK_ERROR_EMPTY

static void
test_web_allowed (void)
{
  static const Case cases[] = {
    { "https://www.example.com", "https://www.example.com", 0 },
    { "http://example.com/a/b?x=1&y=2#top", "http://example.com/a/b?x=1&y=2#top", 0 },
    { "HTTPS://Example.COM/Path", "https://example.com/Path", 0 },
    { "www.example.com", "https://www.example.com", 0 },
    { "  www.example.com/x  ", "https://www.example.com/x", 0 },
    { "example.com:8080/app", "https://example.com:8080/app", 0 },
    { "localhost:3000", "https://localhost:3000", 0 },
    { "//cdn.example.com/x", "https://cdn.example.com/x", 0 },
    { "http://[::1]:8080/x", "http://[::1]:8080/x", 0 },
    { "https://192.0.2.1/", "https://192.0.2.1/", 0 },
    { "https://example.com/my page", "https://example.com/my%20page", 0 },
    { "https://example.com/a%2Fb", "https://example.com/a%2Fb", 0 },
    { "https://example.com/100%", "https://example.com/100%25", 0 },
    { "https://example.com/<script>", "https://example.com/%3Cscript%3E", 0 },
    { "https://example.com/\"q\"", "https://example.com/%22q%22", 0 },
    { "https://example.com/caf\xc3\xa9", "https://example.com/caf%C3%A9", 0 },
    /* an international host becomes punycode: the user sees which host it is */
    { "https://m\xc3\xbcnchen.de/", "https://xn--mnchen-3ya.de/", 0 },
    { "https://exa%6dple.com/", "https://example.com/", 0 },
  };

  check_cases (OUTPOST_FIELD_FORMAT_URL, cases, G_N_ELEMENTS (cases));
}

static void
test_web_hostile (void)
{
  static const Case cases[] = {
    { "javascript:alert(1)", NULL, SCHEME },
    { "JaVaScRiPt:alert(1)", NULL, SCHEME },
    { "  javascript:alert(1)", NULL, SCHEME },
    { "java\tscript:alert(1)", NULL, CHARS },
    { "java\nscript:alert(1)", NULL, CHARS },
    { "javascript://example.com/%0aalert(1)", NULL, SCHEME },
    { "vbscript:msgbox", NULL, SCHEME },
    { "file:///etc/passwd", NULL, SCHEME },
    { "FILE:///etc/passwd", NULL, SCHEME },
    { "data:text/html,<script>alert(1)</script>", NULL, SCHEME },
    { "smb://server/share", NULL, SCHEME },
    { "ms-settings:privacy", NULL, SCHEME },
    { "ms-msdt:/id PCWDiagnostic", NULL, SCHEME },
    { "search-ms:query=x", NULL, SCHEME },
    { "ftp://example.com/", NULL, SCHEME },
    { "mailto:a@example.com", NULL, SCHEME },
    { "tel:123", NULL, SCHEME },
    { "x-scheme-handler:foo", NULL, SCHEME },
    { "ssh://host", NULL, SCHEME },
    { "apt:bash", NULL, SCHEME },
    { "https://example.com\n", NULL, CHARS },
    { "https://example.com/\r\nX-Header: 1", NULL, CHARS },
    { "https://example.com/\x7f", NULL, CHARS },
    { "https://example.com/\xc2\x85", NULL, CHARS },                 /* NEL, a C1 control */
    { "https://\xe2\x80\xae" "moc.elpmaxe", NULL, CHARS },            /* RIGHT-TO-LEFT OVERRIDE */
    { "https://exa\xe2\x80\x8bmple.com", NULL, CHARS },               /* ZERO WIDTH SPACE */
    { "https://example.com\xc2\xa0/", NULL, CHARS },                  /* NO-BREAK SPACE */
    { "https://example.com/\xe2\x80\xa8", NULL, CHARS },              /* LINE SEPARATOR */
    { "https://example.com/\xff\xfe", NULL, CHARS },                  /* invalid UTF-8 */
    { "https://bank.example@evil.example/", NULL, USERINFO },
    { "https://user:password@example.com/", NULL, USERINFO },
    { "https://@example.com/", NULL, USERINFO },
    { "https://evil.example\\@bank.example", NULL, INVALID },
    { "https:\\\\evil.example", NULL, INVALID },
    { "\\\\server\\share\\x.exe", NULL, INVALID },
    { "https://", NULL, INVALID },
    { "https:///path", NULL, INVALID },
    { "http:example.com", NULL, INVALID },
    { "https://exa mple.com/", NULL, INVALID },
    { "https://exa%20mple.com/", NULL, INVALID },
    { "https://exa%00mple.com/", NULL, INVALID },
    { "https://-bad-.com/", NULL, INVALID },
    { "https://a..b/", NULL, INVALID },
    { "https://example.com:99999/", NULL, INVALID },
    { "https://example.com:0/", NULL, INVALID },
    { "https://[fe80::1%25eth0]/", NULL, INVALID },
    { "https://exa_mple.com/", NULL, INVALID },
    { "", NULL, EMPTY },
    { "    ", NULL, EMPTY },
  };

  check_cases (OUTPOST_FIELD_FORMAT_URL, cases, G_N_ELEMENTS (cases));
}

static void
test_web_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) long_url = g_string_new ("https://example.com/");
  g_autofree char *uri = NULL;
  g_autofree char *label = g_strnfill (64, 'a');
  g_autofree char *host = g_strdup_printf ("https://%s.com/", label);

  while (long_url->len <= OUTPOST_LINK_MAX_LENGTH)
    g_string_append (long_url, "aaaaaaaa");
  uri = outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_URL, long_url->str, &error);
  g_assert_null (uri);
  g_assert_error (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_INVALID);
  g_clear_error (&error);
  /* a DNS label is at most 63 characters */
  g_assert_null (outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_URL, host, &error));
  g_assert_error (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_URL, NULL, &error));
  g_assert_error (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_TEXT, "https://example.com", &error));
  g_assert_error (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_NOT_A_LINK);
  g_clear_error (&error);
  g_assert_null (outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_ATTACHMENT, "x", &error));
  g_assert_error (error, OUTPOST_LINK_ERROR, OUTPOST_LINK_ERROR_NOT_A_LINK);
}

static gboolean
authority_has_at (const char *uri)
{
  const char *authority = strstr (uri, "://") + 3;
  gsize len = strcspn (authority, "/?#");

  return memchr (authority, '@', len) != NULL;
}

/* Whatever the input, an accepted web address is plain printable ASCII starting http(s)://
 * with no userinfo: a sweep over every byte value in a few positions ('#' marks the spot). */
static void
test_web_every_byte (void)
{
  static const char *const templates[] = { "#example.com", "https://ex#ample.com/", "https://example.com/#",
                                           "https:#//example.com", "http#://example.com", "https://#@x.com/" };
  guint accepted = 0;

  for (guint t = 0; t < G_N_ELEMENTS (templates); t++)
    for (guint b = 1; b < 256; b++)
      {
        g_autofree char *value = g_strdup (templates[t]);
        g_autofree char *uri = NULL;

        *strchr (value, '#') = (char) b;
        uri = outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_URL, value, NULL);
        if (uri == NULL)
          continue;
        accepted++;
        g_assert_true (g_str_has_prefix (uri, "https://") || g_str_has_prefix (uri, "http://"));
        for (const char *p = uri; *p; p++)
          g_assert_true (*p > 0x20 && *p < 0x7f && *p != '\\' && *p != '"' && *p != '<' && *p != '>');
        g_assert_false (authority_has_at (uri));
      }
  g_assert_cmpuint (accepted, >, 100);   /* the sweep did look at accepted addresses */
}

static void
test_email (void)
{
  static const Case cases[] = {
    { "anna@example.com", "mailto:anna@example.com", 0 },
    { "Anna.Berg+crm@Example.COM", "mailto:Anna.Berg+crm@example.com", 0 },
    { "mailto:anna@example.com", "mailto:anna@example.com", 0 },
    { "MAILTO:anna@example.com", "mailto:anna@example.com", 0 },
    { " anna@example.com ", "mailto:anna@example.com", 0 },
    { "o'brien@example.ie", "mailto:o'brien@example.ie", 0 },
    { "j\xc3\xbcrgen@m\xc3\xbcnchen.de", "mailto:j%C3%BCrgen@xn--mnchen-3ya.de", 0 },
    { "a@b.c?subject=<x>", NULL, INVALID },
    { "anna@example.com?attach=/etc/passwd", NULL, INVALID },
    { "anna@example.com?attach=file:///home/u/.ssh/id_rsa", NULL, INVALID },
    { "mailto:anna@example.com?body=hi", NULL, INVALID },
    { "anna@example.com&cc=evil@example.org", NULL, INVALID },
    { "anna@example.com,evil@example.org", NULL, INVALID },
    { "anna@example.com;evil@example.org", NULL, INVALID },
    { "anna@example.com evil@example.org", NULL, INVALID },
    { "Anna <anna@example.com>", NULL, INVALID },
    { "\"a@b\"@example.com", NULL, INVALID },
    { "anna%40evil.org@example.com", NULL, INVALID },
    { "anna#x@example.com", NULL, INVALID },
    { "anna/x@example.com", NULL, INVALID },
    { "anna@example.com#frag", NULL, INVALID },
    { "anna@", NULL, INVALID },
    { "@example.com", NULL, INVALID },
    { "anna@localhost", NULL, INVALID },
    { "anna@[192.0.2.1]", NULL, INVALID },
    { "anna@@example.com", NULL, INVALID },
    { "an..na@example.com", NULL, INVALID },
    { ".anna@example.com", NULL, INVALID },
    { "anna.@example.com", NULL, INVALID },
    { "anna@-example.com", NULL, INVALID },
    { "anna@example..com", NULL, INVALID },
    { "anna@example.com.", NULL, INVALID },
    { "javascript:alert(1)//@example.com", NULL, INVALID },
    { "x@y.z\xe2\x80\xae", NULL, CHARS },
    { "anna@example.com\n", NULL, CHARS },
    { "anna@example.com\r\nBcc: evil@example.org", NULL, CHARS },
    { "", NULL, EMPTY },
  };

  check_cases (OUTPOST_FIELD_FORMAT_EMAIL, cases, G_N_ELEMENTS (cases));
}

static void
test_email_lengths (void)
{
  g_autofree char *local64 = g_strnfill (64, 'a');
  g_autofree char *local65 = g_strnfill (65, 'a');
  g_autofree char *ok = g_strdup_printf ("%s@example.com", local64);
  g_autofree char *too_long = g_strdup_printf ("%s@example.com", local65);
  g_autofree char *uri = outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_EMAIL, ok, NULL);

  g_assert_nonnull (uri);
  g_assert_null (outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_EMAIL, too_long, NULL));
}

static void
test_phone (void)
{
  static const Case cases[] = {
    { "+49 30 1234567", "tel:+49301234567", 0 },
    { "(555) 123-4567", "tel:5551234567", 0 },
    { "+1 (555) 123-4567", "tel:+15551234567", 0 },
    { "01.23.45.67.89", "tel:0123456789", 0 },
    { "tel:+4930123", "tel:+4930123", 0 },
    { "TEL:555-0100", "tel:5550100", 0 },
    { " 555 0100 ", "tel:5550100", 0 },
    { "tel:123;ext=<1>", NULL, INVALID },
    { "123;phone-context=example.com", NULL, INVALID },
    { "555-0100 x12", NULL, INVALID },
    { "%08x%08x", NULL, INVALID },
    { "555-0100?call", NULL, INVALID },
    { "555-0100#", NULL, INVALID },
    { "*31#555-0100", NULL, INVALID },
    { "555+0100", NULL, INVALID },
    { "++49 30 1234", NULL, INVALID },
    { "+", NULL, INVALID },
    { "12", NULL, INVALID },
    { "()-- ..", NULL, INVALID },
    { "javascript:alert(1)", NULL, INVALID },
    { "sip:anna@example.com", NULL, INVALID },
    { "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4", NULL, INVALID },          /* Arabic-Indic digits */
    { "\xef\xbc\x95\xef\xbc\x95\xef\xbc\x95", NULL, INVALID },      /* full-width digits */
    { "555\n0100", NULL, CHARS },
    { "555\xe2\x80\xae" "0100", NULL, CHARS },
    { "", NULL, EMPTY },
  };

  check_cases (OUTPOST_FIELD_FORMAT_PHONE, cases, G_N_ELEMENTS (cases));
}

static void
test_phone_lengths (void)
{
  g_autofree char *digits32 = g_strnfill (32, '5');
  g_autofree char *digits33 = g_strnfill (33, '5');
  g_autofree char *uri = outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_PHONE, digits32, NULL);

  g_assert_nonnull (uri);
  g_assert_null (outpost_link_uri_for_value (OUTPOST_FIELD_FORMAT_PHONE, digits33, NULL));
}

/* ---- the profile's "format" ----------------------------------------------------------------- */

#define PROFILE_HEAD "{\"version\":1,\"entities\":[{\"logical_name\":\"account\",\"entity_set\":\"accounts\"," \
                     "\"primary_id\":\"accountid\",\"primary_name\":\"name\",\"fields\":[" \
                     "{\"name\":\"name\",\"type\":\"string\"},"
#define PROFILE_TAIL "]}]}"

static OutpostProfile *
profile_with (const char *field, GError **error)
{
  g_autofree char *json = g_strconcat (PROFILE_HEAD, field, PROFILE_TAIL, NULL);

  return outpost_profile_new_from_data (json, -1, error);
}

static void
test_profile_format (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) profile = profile_with ("{\"name\":\"websiteurl\",\"type\":\"string\",\"format\":\"url\"}", &error);
  g_autoptr(OutpostProfile) again = NULL;
  g_autofree char *json = NULL;
  OutpostEntity *account;

  g_assert_no_error (error);
  account = outpost_profile_lookup_entity (profile, "account");
  g_assert_cmpint (outpost_entity_lookup_field (account, "websiteurl")->format, ==, OUTPOST_FIELD_FORMAT_URL);
  g_assert_cmpint (outpost_entity_lookup_field (account, "name")->format, ==, OUTPOST_FIELD_FORMAT_TEXT);
  /* it survives the round trip through the stored / refined profile */
  json = outpost_profile_to_json (profile);
  again = outpost_profile_new_from_data (json, -1, &error);
  g_assert_no_error (error);
  account = outpost_profile_lookup_entity (again, "account");
  g_assert_cmpint (outpost_entity_lookup_field (account, "websiteurl")->format, ==, OUTPOST_FIELD_FORMAT_URL);
}

/* A memo holding HTML (an email's body) is shown as text; the mark survives the round trip. */
static void
test_profile_format_html (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) profile = profile_with ("{\"name\":\"body\",\"type\":\"memo\",\"format\":\"html\"}", &error);
  g_autoptr(OutpostProfile) again = NULL;
  g_autofree char *json = NULL;

  g_assert_no_error (error);
  json = outpost_profile_to_json (profile);
  again = outpost_profile_new_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (outpost_entity_lookup_field (outpost_profile_lookup_entity (again, "account"), "body")->format,
                   ==, OUTPOST_FIELD_FORMAT_HTML);
}

static void
test_profile_format_errors (void)
{
  static const char *const bad[] = {
    "{\"name\":\"x\",\"type\":\"string\",\"format\":\"uri\"}",
    "{\"name\":\"x\",\"type\":\"string\",\"format\":\"attachment\"}",
    "{\"name\":\"x\",\"type\":\"memo\",\"format\":\"url\"}",
    "{\"name\":\"x\",\"type\":\"integer\",\"format\":\"phone\"}",
    "{\"name\":\"x\",\"type\":\"string\",\"format\":7}",
    "{\"name\":\"x\",\"type\":\"string\",\"format\":\"html\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OutpostProfile) profile = profile_with (bad[i], &error);

      g_assert_null (profile);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "format"));
    }
}

/* The shipped profile marks the fields the issue names. */
static void
test_default_profile_marks (void)
{
  static const struct { const char *entity, *field; OutpostFieldFormat format; } marks[] = {
    { "account", "websiteurl", OUTPOST_FIELD_FORMAT_URL },
    { "account", "emailaddress1", OUTPOST_FIELD_FORMAT_EMAIL },
    { "account", "telephone1", OUTPOST_FIELD_FORMAT_PHONE },
    { "account", "telephone2", OUTPOST_FIELD_FORMAT_PHONE },
    { "account", "fax", OUTPOST_FIELD_FORMAT_TEXT },
    { "account", "name", OUTPOST_FIELD_FORMAT_TEXT },
    { "contact", "emailaddress1", OUTPOST_FIELD_FORMAT_EMAIL },
    { "contact", "mobilephone", OUTPOST_FIELD_FORMAT_PHONE },
    { "annotation", "documentbody", OUTPOST_FIELD_FORMAT_ATTACHMENT },
    { "annotation", "filename", OUTPOST_FIELD_FORMAT_TEXT },
    { "email", "description", OUTPOST_FIELD_FORMAT_HTML },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostProfile) profile = outpost_profile_new_default (&error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    {
      OutpostEntity *entity = outpost_profile_lookup_entity (profile, marks[i].entity);
      OutpostField *field = entity != NULL ? outpost_entity_lookup_field (entity, marks[i].field) : NULL;

      g_assert_nonnull (field);
      g_assert_cmpint (field->format, ==, marks[i].format);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/links/web/allowed", test_web_allowed);
  g_test_add_func ("/links/web/hostile", test_web_hostile);
  g_test_add_func ("/links/web/limits", test_web_limits);
  g_test_add_func ("/links/web/every-byte", test_web_every_byte);
  g_test_add_func ("/links/email", test_email);
  g_test_add_func ("/links/email/lengths", test_email_lengths);
  g_test_add_func ("/links/phone", test_phone);
  g_test_add_func ("/links/phone/lengths", test_phone_lengths);
  g_test_add_func ("/links/profile/format", test_profile_format);
  g_test_add_func ("/links/profile/format-html", test_profile_format_html);
  g_test_add_func ("/links/profile/format-errors", test_profile_format_errors);
  g_test_add_func ("/links/profile/default-marks", test_default_profile_marks);
  return g_test_run ();
}
