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
const AWS_LINK = /\bhttps?:\/\/[^\s"'<>]*(signin\.aws|amazon\.com|amazonaws\.com|aws\.amazon)[^\s"'<>]*/gi;
const BEARER = /\bBearer\s+[A-Za-z0-9\-_.~+/=]+/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const ACCOUNT_KEY = /\bAccountKey=[^;\s]+/gi;
// "code" then the 6-character code, also with HTML markup in between (mail bodies: <b>code</b><p><b>123456).
const CODE_PHRASE =
  /\b((?:verification|security|one-time|reset)?\s*code\s*(?:is|:)?\s*(?:<[^<>]{0,200}>\s*){0,8})([A-Za-z0-9]{6})\b/gi;

/** Masks secrets inside free text: links with queries, AWS links, bearer tokens, JWTs, keys, "code: XXXXXX". */
export function redactText(text: string): string {
  return text
    .replace(AWS_LINK, '[link redacted]')
    .replace(URL_WITH_QUERY, (url) => `${url.split('?')[0]}?[redacted]`)
    .replace(BEARER, 'Bearer [redacted]')
    .replace(JWT, '[jwt redacted]')
    .replace(ACCOUNT_KEY, 'AccountKey=[redacted]')
    .replace(CODE_PHRASE, (_m, lead: string) => `${lead}[redacted]`);
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
