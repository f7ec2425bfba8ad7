import { inspect } from 'node:util';

/**
 * The one redaction point. Everything the logger writes passes through `redact`; values that are
 * secrets by nature travel wrapped in `Secret`, which never prints its content.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The only way to read the value; call it where the secret is used, never where it is logged. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [inspect.custom](): string {
    return '[secret]';
  }
}

const SECRET_KEY =
  /pass(word)?|secret|token|authorization|cookie|^key$|apikey|clientstate|code$|^code|link|otp|signature|credential/i;

const URL_WITH_QUERY = /\bhttps?:\/\/[^\s"'<>]+\?[^\s"'<>]*/gi;
// Any link on an AWS host: the whole .aws top-level domain, amazon.com, amazonaws.com, aws.com.
const AWS_LINK =
  /\bhttps?:\/\/[^\s"'<>/]*(?:\.aws|amazon\.com|amazonaws\.com|aws\.com)(?=[/?#:"'<>\s]|$)[^\s"'<>]*/gi;
const BEARER = /\bBearer\s+[A-Za-z0-9\-_.~+/=]+/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const ACCOUNT_KEY = /\bAccountKey=[^;\s]+/gi;
/** Words that announce a one-time code in a mail: "verification code", "passcode", "OTP", "one-time password". */
const CODE_PHRASE = /\b(?:code|passcode|OTP|one[- ]time\s+password)\b/gi;
/** How far after its phrase a code may stand, markup included (<td>…</td><td style="…">K7Q2X9). */
const CODE_WINDOW = 300;
/** A standalone 6-character token with a digit, or 6 capitals (AWS codes are [a-zA-Z0-9]{6}). */
const CODE_TOKEN =
  /(?<![A-Za-z0-9_\-/.#+@=&%])(?:(?=[A-Za-z]*\d)[A-Za-z0-9]{6}|[A-Z]{6})(?![A-Za-z0-9_\-/#+@=&%]|[.,][A-Za-z0-9])/g;

/**
 * Masks every code-like token shortly after a code phrase. Deliberately wider than the classifier's extraction
 * (a promo code or an all-capital word may be masked too): in a log, masking too much costs nothing.
 */
function maskCodes(text: string): string {
  const masked: [number, number][] = [];
  for (const phrase of text.matchAll(CODE_PHRASE)) {
    const from = phrase.index! + phrase[0].length;
    for (const token of text.slice(from, from + CODE_WINDOW).matchAll(CODE_TOKEN)) {
      const at = from + token.index!;
      if (at > 0 && /[A-Za-z0-9]/.test(text[at - 1])) continue;
      masked.push([at, at + token[0].length]);
    }
  }
  if (masked.length === 0) return text;
  let out = '';
  let last = 0;
  for (const [start, end] of masked.sort((a, b) => a[0] - b[0])) {
    if (start < last) continue;
    out += `${text.slice(last, start)}[redacted]`;
    last = end;
  }
  return out + text.slice(last);
}

/** Masks secrets inside free text: links with queries, AWS links, bearer tokens, JWTs, keys, codes after "code". */
export function redactText(text: string): string {
  return maskCodes(
    text
      .replace(AWS_LINK, '[link redacted]')
      .replace(URL_WITH_QUERY, (url) => `${url.split('?')[0]}?[redacted]`)
      .replace(BEARER, 'Bearer [redacted]')
      .replace(JWT, '[jwt redacted]')
      .replace(ACCOUNT_KEY, 'AccountKey=[redacted]'),
  );
}

/** Deep copy with secret-named fields masked and free text scrubbed. */
export function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Secret) return '[secret]';
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[deep]';
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactText(value.message),
      stack: value.stack ? redactText(value.stack) : undefined,
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] =
      SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' && typeof v !== 'number'
        ? '[redacted]'
        : redact(v, depth + 1);
  }
  return out;
}
