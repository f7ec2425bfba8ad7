import { createHash } from 'node:crypto';
import { ONCALL_CHANNEL_ID } from './activities';
import type { ConnectorCall, FakeBotConnector } from './fakeBotConnector';
import type { FakeGraphMailbox } from './fakeGraphMailbox';
import { readFixture } from './mailFixtures';

/**
 * A burst of AWS verification mails (a mass account creation): `count` distinct mails, each with its own
 * Message-ID and code, for the pool address of test/support/mailFixtures (POOL_ADDRESS). For the scale tests
 * and benches, in process or against real processes alike.
 */
export function burstMails(count: number, first = 0): Buffer[] {
  const template = readFixture('verification-code.eml').toString();
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    return Buffer.from(
      template
        .replace('0100019356a1b2c3-7d1e4f0a', `burst${String(n).padStart(6, '0')}-7d1e4f0a`)
        .replace(/482913/g, String(100000 + n)),
    );
  });
}

/** The code a burst mail carries (the n-th of burstMails). */
export const burstCode = (n: number) => String(100000 + n);

/**
 * Delivers the mails into the fake mailbox and notifies them as Graph does: in batches of `batch` ids, the
 * batches spread round-robin over the instances' URLs (App Service's load balancer), all at once. Answers
 * the Graph ids in delivery order and how long each notification took to be answered (ms).
 */
export async function notifyBurst(
  mailbox: FakeGraphMailbox,
  mails: Buffer[],
  urls: string[],
  batch = 10,
): Promise<{ ids: string[]; answeredMs: number[]; statuses: number[]; urlOf: Map<string, string> }> {
  const ids = mails.map((raw) => mailbox.deliver(raw));
  const answeredMs: number[] = [];
  const statuses: number[] = [];
  const urlOf = new Map<string, string>();
  const sends: Promise<void>[] = [];
  for (let i = 0, n = 0; i < ids.length; i += batch, n++) {
    const url = urls[n % urls.length];
    const slice = ids.slice(i, i + batch);
    slice.forEach((id) => urlOf.set(id, url));
    const started = performance.now();
    sends.push(
      fetch(`${url}/api/graph/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(mailbox.notification(slice)),
      }).then(async (res) => {
        await res.arrayBuffer();
        answeredMs.push(performance.now() - started);
        statuses.push(res.status);
      }),
    );
  }
  await Promise.all(sends);
  return { ids, answeredMs, statuses, urlOf };
}

/** The cards the relay posted into the on-call channel (new threads), in the order Teams took them. */
export function onCallCards(connector: FakeBotConnector): ConnectorCall[] {
  return connector
    .of('createConversation')
    .filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID && c.body.activity);
}

/** The mail id the relay gives the n-th burst mail (the sha-256 of its Message-ID, as src/app/mail/readMail.ts). */
export function burstMailId(n: number): string {
  const messageId = `<burst${String(n).padStart(6, '0')}-7d1e4f0a-1c2b-4d3e-9f8a-2b3c4d5e6f70-000000@email.amazonses.com>`;
  return createHash('sha256').update(`mid:${messageId.toLowerCase()}`).digest('hex');
}

/** The mail a posted card is about (its mail id), or undefined for a card about no single mail. */
export function mailIdOfCard(card: ConnectorCall): string | undefined {
  return /"mailId":"([0-9a-f]{64})"/.exec(JSON.stringify(card.body))?.[1];
}
