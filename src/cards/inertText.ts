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
      // No list item: the marker becomes a look-alike (a no-break space after it is not enough for every client).
      .replace(/^([-+]|\d+[.)]) /, (_m, marker: string) => `${listLookAlike(marker)} `)
      .replace(/&(?=#?[a-z0-9]+;)/gi, '＆')
  ); // no HTML entities
}

function listLookAlike(marker: string): string {
  if (marker === '-' || marker === '+') return '–';
  return marker.replace(/\.$/, '․').replace(/\)$/, '﹚');
}

/** Text of our own that a card shows as it is (an input's value, a vetted AWS link, the help card). */
export class TrustedText {
  constructor(readonly value: string) {}
}
export const trusted = (value: string): TrustedText => new TrustedText(value);

/** Most a single piece of supplied text may take on a card (Teams caps a message at ~100 KB). */
const MAX_FIELD_LENGTH = 800;

/**
 * The data a template is expanded with, every string made inert (and capped) unless marked trusted: what
 * reaches a card is safe by construction, whichever field it lands in.
 */
export function inertData<T>(data: T): T {
  if (data instanceof TrustedText) return data.value as T;
  if (typeof data === 'string') return inertText(data, MAX_FIELD_LENGTH) as T;
  if (Array.isArray(data)) return data.map((item) => inertData(item)) as T;
  if (data && typeof data === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data)) out[key] = inertData(value);
    return out as T;
  }
  return data;
}

/** Most a plain message may carry (Teams caps a message at ~100 KB; ours are short sentences and lists). */
const MAX_MESSAGE_LENGTH = 8000;
const MAX_LINE_LENGTH = 1200;

/**
 * A plain chat message made inert, whoever wrote its parts. A message without `textFormat` is markdown in
 * Teams, so the same rule as on cards applies to every line; the one construct kept is a code span
 * (`help`), whose content markdown shows literally anyway — and that content is made inert too, so a
 * value that breaks out of its backticks lands in inert text. Line breaks are kept (lists of requests);
 * a line can no longer start a list, heading or quote.
 */
export function inertMessage(text: string): string {
  const lines = String(text ?? '')
    .slice(0, MAX_MESSAGE_LENGTH)
    .split(/\r?\n/);
  return lines.map(inertLine).join('\n');
}

function inertLine(line: string): string {
  // Pairs of backticks delimit code spans; a lone backtick left over is made inert with the text around it.
  const parts = line.split('`');
  const spans = parts.length % 2 === 1 ? parts : [...parts.slice(0, -2), parts.slice(-2).join('ˋ')];
  return spans
    .map((part, i) => {
      const inert = inertText(part, MAX_LINE_LENGTH);
      // Inside a span the edge spaces matter (`cancel req-1` reads well); outside, the words around it.
      const spaced =
        (part.startsWith(' ') && i > 0 ? ' ' : '') +
        inert +
        (part.endsWith(' ') && i < spans.length - 1 ? ' ' : '');
      return i % 2 === 1 ? `\`${inert}\`` : spaced;
    })
    .join('');
}
