import { createHash } from 'node:crypto';
import type { AddressObject } from 'mailparser';
import type * as MailParser from 'mailparser';
import type { MailFacts } from '../../domain/mailClassification';

/** A raw mail read into what the relay needs. */
export interface ReadMail {
  /** sha-256 of the Internet Message-ID (of the raw bytes when there is none): the exactly-once key. */
  mailId: string;
  fromAddress: string;
  /** To, Cc, Delivered-To, X-Original-To, lower case, without duplicates. */
  recipients: string[];
  receivedAt?: Date;
  facts: Omit<MailFacts, 'internalDomains'>;
}

export async function readMail(raw: Buffer | string): Promise<ReadMail> {
  // Skipping mailparser's html-to-text and link detection: readContent reads the html itself, faster.
  // Loaded on the first mail, not at start (~0.2 s a start does not need).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { simpleParser } = require('mailparser') as typeof MailParser;
  const parsed = await simpleParser(raw, {
    skipImageLinks: true,
    skipTextToHtml: true,
    skipHtmlToText: true,
    skipTextLinks: true,
  });
  const lines = parsed.headerLines ?? [];
  const valuesOf = (key: string) =>
    lines.filter((l) => l.key === key).map((l) => unfold(l.line.slice(l.line.indexOf(':') + 1)));
  const recipients = new Set<string>();
  for (const field of [parsed.to, parsed.cc]) addressesOf(field).forEach((a) => recipients.add(a));
  for (const key of ['delivered-to', 'x-original-to']) {
    for (const value of valuesOf(key)) addressList(value).forEach((a) => recipients.add(a));
  }
  const first = (key: string) => valuesOf(key)[0];
  const messageId = parsed.messageId?.trim();
  const mailId = createHash('sha256')
    .update(messageId ? `mid:${messageId.toLowerCase()}` : Buffer.from(raw))
    .digest('hex');
  return {
    mailId,
    fromAddress: (parsed.from?.value[0]?.address ?? '').toLowerCase(),
    recipients: [...recipients],
    receivedAt: parsed.date,
    facts: {
      fromAddress: (parsed.from?.value[0]?.address ?? '').toLowerCase(),
      fromName: parsed.from?.value[0]?.name || undefined,
      subject: parsed.subject ?? '',
      authenticationResults: valuesOf('authentication-results'),
      resentFrom: [...valuesOf('resent-from'), ...valuesOf('resent-sender')].flatMap(addressList),
      listUnsubscribe: first('list-unsubscribe'),
      listId: first('list-id'),
      precedence: first('precedence'),
      autoSubmitted: first('auto-submitted'),
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
    },
  };
}

function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]+/g, ' ').trim();
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = Array.isArray(field) ? field : field ? [field] : [];
  const out: string[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const e of entries) {
      if (e.address) out.push(e.address.toLowerCase());
      if (e.group) walk(e.group);
    }
  };
  objects.forEach((o) => walk(o.value));
  return out;
}

function addressList(value: string): string[] {
  return (value.match(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? []).map((a) => a.toLowerCase());
}
