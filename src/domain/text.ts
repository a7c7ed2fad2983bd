/**
 * Free text that people type and other people read — names, memos,
 * descriptions, reasons — is one line of printable characters (docs/reference/http-api.md).
 * Refused:
 *
 * - C0 and C1 control characters (Unicode Cc: U+0000–U+001F, U+007F–U+009F).
 *   PostgreSQL cannot store NUL at all; ESC and CSI sequences drive the
 *   terminal of whoever prints the text; tabs and line breaks forge log lines
 *   and CSV rows.
 * - U+2028 and U+2029, line and paragraph separators: line breaks by another name.
 * - Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 *   U+2066–U+2069): they make text display in another order than it is stored.
 * - Lone UTF-16 surrogates (only a `\ud800`-style JSON escape makes one):
 *   a text column would store U+FFFD instead, a jsonb column refuses them.
 *
 * Everything else is allowed, including zero-width joiners (emoji sequences,
 * Indic scripts) and the LRM/RLM marks right-to-left text needs.
 *
 * The pattern means the same with and without the regular-expression `u`
 * flag (a surrogate pair is matched as a pair either way), so the published
 * OpenAPI pattern holds for every client's validator.
 */

/** The refused characters as the inside of a regular-expression class (escapes, no raw control characters). */
export const REFUSED_IN_TEXT = '\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069';

export const SINGLE_LINE_TEXT_PATTERN = `^(?:[^${REFUSED_IN_TEXT}\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$`;

const singleLine = new RegExp(SINGLE_LINE_TEXT_PATTERN, 'u');

export const isSingleLineText = (s: string): boolean => singleLine.test(s);

export const SINGLE_LINE_TEXT_RULE =
  'must be one line of printable text (no control characters, line separators or bidirectional overrides)';

/** What PostgreSQL cannot store in text or jsonb at all: NUL and lone surrogates. */
export const isStorableText = (s: string): boolean => !s.includes('\u0000') && !/\p{Cs}/u.test(s);

/** Whether every key and string of a JSON value can be stored in jsonb. */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every(isStorableJson);
  if (value && typeof value === 'object')
    return Object.entries(value).every(([k, v]) => isStorableText(k) && isStorableJson(v));
  return true;
}
