/**
 * Reading the body of a mail as a person would: HTML to lines of text, the links in it, and the verification code
 * next to its phrase. Pure and fast: regular expressions over one mail, no parser.
 */

const INLINE_TAGS =
  'a|abbr|b|bdi|bdo|big|code|em|font|i|kbd|mark|q|s|samp|small|span|strike|strong|sub|sup|tt|u|wbr';
const BLOCK_BREAK = new RegExp(
  '<br\\s*/?>|</?(?:p|div|tr|td|th|table|tbody|thead|li|ul|ol|h[1-6]|center|blockquote|pre|section|article|header|footer)\\b[^>]*>',
  'gi',
);
const INLINE_TAG = new RegExp(`</?(?:${INLINE_TAGS})\\b[^>]*>`, 'gi');

const NAMED_ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  ndash: '–',
  mdash: '—',
  rsquo: '’',
  lsquo: '‘',
  copy: '©',
  zwnj: '',
  zwj: '',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * Enough of HTML to text for pattern matching. Block elements and table cells become line breaks, so a code in
 * its own cell stands on its own line; inline elements vanish without a space, so a code styled digit by digit
 * (`<span>48</span><span>2913</span>`) stays whole.
 */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(BLOCK_BREAK, '\n')
      .replace(INLINE_TAG, '')
      .replace(/<[^>]+>/g, ' '),
  )
    .replace(/\u00a0/g, ' ')
    .replace(/\u200b|\u200c|\u200d|\ufeff/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n');
}

/** The text of a mail: the plain part, and the HTML part read as text (senders put different things in each). */
export function bodyText(text: string, html: string): string {
  const plain = text.replace(/\r\n?/g, '\n');
  return html.trim() ? `${plain}\n\n${htmlToText(html)}` : plain;
}

const URL_IN_TEXT = /https?:\/\/[^\s"'<>)\]]+/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;

/** Every http(s) link of the mail, in order, without duplicates; `&amp;` decoded, trailing punctuation off. */
export function linksOf(text: string, html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(HREF)) found.push(decodeEntities((m[1] ?? m[2] ?? '').trim()));
  found.push(...(text.match(URL_IN_TEXT) ?? []), ...(html.match(URL_IN_TEXT) ?? []).map(decodeEntities));
  return [...new Set(found.filter((l) => /^https?:\/\//i.test(l)).map((l) => l.replace(/[.,;:!]+$/, '')))];
}

export function hostOf(link: string): string {
  try {
    return new URL(link).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/**
 * Phrases that announce a verification code. Only qualified ones: "verification code", "security code", "OTP",
 * "one-time password", "your code is"; never a bare "code", which is also a promo, ZIP, postal, error or tax code.
 */
const CODE_PHRASE =
  /\b(?:(?:verification|security|one[- ]time|confirmation|sign[- ]?in|authentication|access)\s+(?:pass)?code|one[- ]time\s+pass(?:word|code)|passcode|OTP|your\s+code\s*(?:is|:)|enter\s+(?:this|the)\s+code)\b/gi;

/** The same phrases, to ask whether a text announces a code at all. */
export const ANNOUNCES_CODE = new RegExp(CODE_PHRASE.source, 'i');

/** How far after its phrase a code may stand (AWS puts it on the next line or in the next table cell). */
const CODE_WINDOW = 200;

/**
 * A six-character token standing alone: not part of an invoice number (`EUINDE26-123456`), an account id
 * (`1234-5678-9012`, `123456789012`), an instance id, a URL, an amount or a decimal number. AWS codes are six
 * letters and digits (AcceptPrimaryEmailUpdate: `[a-zA-Z0-9]{6}`).
 */
const CODE_TOKEN =
  /(?<![A-Za-z0-9_\-/.#+@=&%$€£,])([A-Za-z0-9]{6})(?![A-Za-z0-9_\-/#+@=&%]|[.,][A-Za-z0-9])/g;

/** A line around a candidate that says it is something else: a phone, postal code, amount, order… */
const NOT_A_CODE_LINE =
  /\b(?:call|phone|tel|fax|zip|postal|post\s*code|pin\s*code|promo|promotional|coupon|discount|voucher|invoice|order|reference|ref|case|amount|total|price|usd|eur|gbp|inr|jpy)\b|[$€£]/i;

/** Upper-case words that may stand alone on a line near a code phrase in a real mail. */
const NOT_CODES = new Set([
  'AMAZON',
  'SIGNIN',
  'VERIFY',
  'UPDATE',
  'NOTICE',
  'CHANGE',
  'SECURE',
  'ACTION',
  'ACCESS',
]);

function lineAround(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end < 0 ? undefined : end).trim();
}

function isCode(token: string, line: string): boolean {
  if (/\d/.test(token)) return !NOT_A_CODE_LINE.test(line.replace(token, ' '));
  // Letters only: a code only when it stands alone on its line in capitals, as in its own table cell.
  return token === token.toUpperCase() && line === token && !NOT_CODES.has(token);
}

/**
 * The verification code of a mail: the first six-character token that stands alone within a short distance after
 * a code phrase. Undefined when there is none, so a mail full of numbers (ZIP codes, years, account ids, invoice
 * numbers, phone numbers, promo codes) yields no code.
 */
export function findCode(text: string): string | undefined {
  for (const phrase of text.matchAll(CODE_PHRASE)) {
    const from = phrase.index! + phrase[0].length;
    const window = text.slice(from, from + CODE_WINDOW);
    for (const candidate of window.matchAll(CODE_TOKEN)) {
      const at = from + candidate.index!;
      if (at > 0 && /[A-Za-z0-9]/.test(text[at - 1])) continue; // glued to the phrase: "OTP12345"
      if (isCode(candidate[1], lineAround(text, at))) return candidate[1];
    }
  }
  return undefined;
}
