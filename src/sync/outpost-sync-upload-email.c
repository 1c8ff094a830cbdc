/* outpost-sync-upload-email.c: an email's To parties and its HTML body (see the header). */
#include "config.h"

#include <string.h>

#include "outpost-sync-upload-email.h"

/* ---- recipients ------------------------------------------------------------------------------ */

GStrv
outpost_email_split_addresses (const char *text)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = g_strsplit_set (text != NULL ? text : "", ";,", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *address = g_strstrip (parts[i]);
      if (*address != '\0')
        g_strv_builder_add (builder, address);
    }
  return g_strv_builder_end (builder);
}

/* The regarding record's email address when it is a contact or an account (the records a
 * compose window can be opened from), else NULL. */
static char *
regarding_address (OutpostStore *store, const char *entity, const char *id)
{
  g_autoptr(OutpostRecord) record = NULL;

  if (entity == NULL || id == NULL ||
      (!g_str_equal (entity, "contact") && !g_str_equal (entity, "account")))
    return NULL;
  record = outpost_store_get (store, entity, id, NULL);
  return record != NULL ? g_strdup (outpost_record_get_string (record, "emailaddress1")) : NULL;
}

JsonArray *
outpost_email_to_parties (OutpostStore *store, const char *to_text,
                          const char *regarding_entity, const char *regarding_id)
{
  JsonArray *parties = json_array_new ();
  g_auto(GStrv) addresses = outpost_email_split_addresses (to_text);
  g_autofree char *known = regarding_address (store, regarding_entity, regarding_id);

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      JsonObject *party = json_object_new ();

      json_object_set_int_member (party, "participationtypemask", 2);   /* To */
      if (known != NULL && g_ascii_strcasecmp (known, addresses[i]) == 0)
        {
          json_object_set_string_member (party, "partyid", regarding_id);
          json_object_set_string_member (party, "partyid@target", regarding_entity);
        }
      else
        json_object_set_string_member (party, "addressused", addresses[i]);
      json_array_add_object_element (parties, party);
    }
  return parties;
}

/* ---- text to HTML ------------------------------------------------------------------------------ */

/* One line, escaped; spaces that HTML would collapse (a run, or one at the line's start) and
 * tabs are written as references so the text comes back unchanged. */
static void
append_line (GString *out, const char *line)
{
  gboolean after_space = TRUE;   /* the line's start counts as a space */

  for (const char *p = line; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;"); break;
        case '\t': g_string_append (out, "&#9;"); break;
        case ' ': g_string_append (out, after_space ? "&nbsp;" : " "); break;
        default: g_string_append_c (out, *p); break;
        }
      after_space = *p == ' ' || *p == '\t';
    }
}

char *
outpost_email_text_to_html (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  g_auto(GStrv) crlf = g_strsplit (valid, "\r\n", -1);
  g_autofree char *unix_text = g_strjoinv ("\n", crlf);
  g_auto(GStrv) paragraphs = NULL;
  GString *out = g_string_new (NULL);

  if (*unix_text == '\0')
    return g_string_free (out, FALSE);
  paragraphs = g_strsplit (unix_text, "\n\n", -1);
  for (guint i = 0; paragraphs[i] != NULL; i++)
    {
      g_auto(GStrv) lines = g_strsplit (paragraphs[i], "\n", -1);

      g_string_append (out, "<p>");
      for (guint j = 0; lines[j] != NULL; j++)
        {
          if (j > 0)
            g_string_append (out, "<br>");
          append_line (out, lines[j]);
        }
      g_string_append (out, "</p>");
    }
  return g_string_free (out, FALSE);
}

/* ---- HTML to text ------------------------------------------------------------------------------ */

typedef struct {
  GString *out;
  guint    pending;   /* line breaks owed before the next text */
} Text;

static void
text_break (Text *t, guint n)
{
  t->pending = MAX (t->pending, n);
}

static void
text_flush (Text *t)
{
  if (t->out->len > 0)
    for (guint i = 0; i < t->pending; i++)
      g_string_append_c (t->out, '\n');
  t->pending = 0;
}

static gboolean
at_line_start (Text *t)
{
  return t->pending > 0 || t->out->len == 0 || t->out->str[t->out->len - 1] == '\n';
}

static const struct { const char *name; const char *text; } named[] = {
  { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
  { "nbsp", " " }, { "copy", "\xc2\xa9" }, { "reg", "\xc2\xae" }, { "hellip", "\xe2\x80\xa6" },
  { "ndash", "\xe2\x80\x93" }, { "mdash", "\xe2\x80\x94" }, { "euro", "\xe2\x82\xac" },
};

/* A character reference at @p ("&...;"): appends its text and returns the bytes it took, or 0
 * when it is none (the '&' is then text). A numeric one that is no character (NUL, a
 * surrogate, a control other than tab and line feed, beyond U+10FFFF) is dropped. */
static gsize
decode_reference (Text *t, const char *p)
{
  const char *semi = strchr (p, ';');
  g_autofree char *name = NULL;

  if (semi == NULL || semi - p > 12 || semi == p + 1)
    return 0;
  name = g_strndup (p + 1, semi - p - 1);
  if (name[0] == '#')
    {
      gboolean hex = name[1] == 'x' || name[1] == 'X';
      char *end = NULL;
      guint64 c = g_ascii_strtoull (name + (hex ? 2 : 1), &end, hex ? 16 : 10);

      if (end == NULL || *end != '\0' || end == name + (hex ? 2 : 1))
        return 0;
      if (c <= G_MAXUINT32 && g_unichar_validate ((gunichar) c) && c != 0 &&
          (c >= 0x20 || c == '\t' || c == '\n') && !(c >= 0x7f && c < 0xa0))
        {
          text_flush (t);
          g_string_append_unichar (t->out, (gunichar) c);
        }
      return semi - p + 1;
    }
  for (guint i = 0; i < G_N_ELEMENTS (named); i++)
    if (g_str_equal (name, named[i].name))
      {
        text_flush (t);
        g_string_append (t->out, named[i].text);
        return semi - p + 1;
      }
  return 0;
}

/* The end of the tag starting at @p ('<'): just past its '>' (quoted values may hold '>'). */
static const char *
tag_end (const char *p)
{
  char quote = 0;

  for (p++; *p != '\0'; p++)
    {
      if (quote != 0)
        quote = *p == quote ? 0 : quote;
      else if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '>')
        return p + 1;
    }
  return p;
}

/* The tag's name in lower case, with a leading '/' for an end tag ("br", "/p"). */
static char *
tag_name (const char *p, const char *end)
{
  const char *start = p + 1, *q;

  while (start < end && g_ascii_isspace (*start))
    start++;
  q = start;
  if (q < end && *q == '/')
    q++;
  while (q < end && (g_ascii_isalnum (*q) || *q == '-'))
    q++;
  return g_ascii_strdown (start, q - start);
}

/* Skips a script or style element's content: returns just past its end tag. */
static const char *
skip_raw_text (const char *p, const char *name)
{
  g_autofree char *close = g_strconcat ("</", name, NULL);
  gsize n = strlen (close);

  for (; *p != '\0'; p++)
    if (g_ascii_strncasecmp (p, close, n) == 0)
      return tag_end (p);
  return p;
}

static void
apply_tag (Text *t, const char *name)
{
  static const char *const blocks[] = { "/div", "div", "/li", "/tr", "/h1", "/h2", "/h3", "/h4",
                                        "/h5", "/h6", "/blockquote", "/ul", "/ol", "/table", NULL };

  if (g_str_equal (name, "br"))
    {
      text_flush (t);
      g_string_append_c (t->out, '\n');
    }
  else if (g_str_equal (name, "/p") || g_str_equal (name, "p"))
    text_break (t, 2);
  else if (g_strv_contains (blocks, name))
    text_break (t, 1);
}

char *
outpost_email_html_to_text (const char *html)
{
  g_autofree char *valid = g_utf8_make_valid (html != NULL ? html : "", -1);
  Text t;
  const char *p = valid;
  gsize taken;

  if (strchr (valid, '<') == NULL && strchr (valid, '&') == NULL)
    return g_steal_pointer (&valid);   /* plain text, not HTML */
  t.out = g_string_new (NULL);
  t.pending = 0;
  while (*p != '\0')
    {
      if (*p == '<' && g_str_has_prefix (p, "<!--"))
        {
          const char *end = strstr (p + 4, "-->");
          p = end != NULL ? end + 3 : p + strlen (p);
        }
      else if (*p == '<' && (g_ascii_isalpha (p[1]) || p[1] == '/' || p[1] == '!'))
        {
          const char *end = tag_end (p);
          g_autofree char *name = tag_name (p, end);

          apply_tag (&t, name);
          p = g_str_equal (name, "script") || g_str_equal (name, "style") ? skip_raw_text (end, name) : end;
        }
      else if (*p == '&' && (taken = decode_reference (&t, p)) > 0)
        p += taken;
      else if (g_ascii_isspace (*p))
        {
          while (g_ascii_isspace (*p))
            p++;
          if (!at_line_start (&t))
            g_string_append_c (t.out, ' ');
        }
      else
        {
          text_flush (&t);
          g_string_append_c (t.out, *p++);
        }
    }
  return g_string_free (t.out, FALSE);
}
