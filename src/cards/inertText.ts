/**
 * The one way user- and mail-supplied text gets onto a card. Adaptive Card text is markdown (links,
 * emphasis, lists) and Teams clients differ in whether they honour backslash escapes, so the characters
 * that open a construct are swapped for look-alikes that render as plain text: a purpose like
 * `[Approve here first](https://evil.example)` shows as text, not as a link. Bidi overrides and control
 * characters (which can reorder what a reader sees) are dropped, whitespace is collapsed, and the length is
 * capped.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0]/g;

const LOOK_ALIKES: Record<string, string> = {
  '[': '［',
  ']': '］',
  '*': '∗',
  _: '＿',
  '`': 'ˋ',
  '~': '∼',
  '<': '‹',
  '>': '›',
  '|': '│',
  '#': '＃',
  '\\': '⧵',
};

export function inertText(value: unknown, maxLength = 200): string {
  const text = String(value ?? '')
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(/\s+/g, ' ')
    .trim();
  const capped = text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
  return (
    capped
      .replace(/[[\]*`~<>|#\\]/g, (c) => LOOK_ALIKES[c])
      // An underscore inside a word (aws_3f9a@…) cannot open emphasis; at a word's edge it could.
      .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, LOOK_ALIKES._)
      .replace(/:\/\//g, ':∕∕') // no scheme, no bare link
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}․`)
      .replace(/^([-+]|\d+[.)]) /, (_m, marker: string) => `${marker.replace(/^[-+]/, '–')}\u00a0`) // no list item
      .replace(/&(?=#?[a-z0-9]+;)/gi, '＆')
  ); // no HTML entities
}
