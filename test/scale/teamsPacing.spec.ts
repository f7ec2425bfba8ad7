import type { FakeBotConnector } from '../support/fakeBotConnector';
import type { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import { burstMailId, burstMails, mailIdOfCard, notifyBurst, onCallCards } from '../support/mailBurst';
import { OnCallInstances, startOnCallInstances } from '../support/onCallInstances';
import { pollUntil } from '../support/pollUntil';
import type { TestApp } from '../support/testApp';
import { textOf } from '../support/testApp';

/**
 * A burst of mails into the on-call channel against a Bot Connector that enforces Teams' published limits
 * (7/1 s, 8/2 s, 60/30 s per conversation): the cards are paced so that Teams never has to throttle, nothing
 * is sent before a Retry-After has passed, every mail gets its card once, in order — with one instance and
 * with two instances sharing one Cosmos DB.
 */
describe('Teams pacing of a mail burst into the on-call channel', () => {
  let mailbox: FakeGraphMailbox;
  let connector: FakeBotConnector;
  let started: OnCallInstances | undefined;

  async function instances(count: number): Promise<TestApp[]> {
    started = await startOnCallInstances(count);
    ({ mailbox, connector } = started);
    connector.enforceLimits();
    return started.apps;
  }

  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });

  it.each([1, 2])(
    'posts 30 cards with %i instance(s) without a single 429, nothing early, each mail once',
    async (count) => {
      const running = await instances(count);
      const mails = burstMails(30);
      const { statuses } = await notifyBurst(
        mailbox,
        mails,
        running.map((t) => t.url),
        5,
      );
      expect(statuses.every((s) => s === 202)).toBe(true);
      await pollUntil(
        () => onCallCards(connector).length >= 30,
        () => `30 cards (${onCallCards(connector).length}, ${connector.throttled.length} throttled)`,
        60_000,
      );
      await Promise.all(running.map((t) => t.app.idle()));

      expect(connector.earlyPosts).toEqual([]);
      expect(connector.throttled).toEqual([]);
      const posted = onCallCards(connector).map(mailIdOfCard);
      const expected = mails.map((_, n) => burstMailId(n));
      expect([...posted].sort()).toEqual([...expected].sort());
    },
    90_000,
  );

  it('waits out a Retry-After on every instance: after a 429, nothing goes into the channel until it has passed', async () => {
    const running = await instances(2);
    const mails = burstMails(20);
    const isChannelPost = (c: { method: string; path: string; body: any }) =>
      c.method === 'POST' && c.path === '/v3/conversations' && !!c.body?.activity;
    await notifyBurst(
      mailbox,
      mails,
      running.map((t) => t.url),
      2,
    );
    await pollUntil(() => onCallCards(connector).length >= 6, 'the first cards', 30_000);
    connector.fail(isChannelPost, 429, { retryAfterSeconds: 3 });
    await pollUntil(
      () => onCallCards(connector).length >= 20,
      () => `20 cards (${onCallCards(connector).length})`,
      60_000,
    );
    await Promise.all(running.map((t) => t.app.idle()));

    const [throttle] = connector.throttled;
    expect(throttle).toMatchObject({ limit: 'injected 429', retryAfterMs: 3000 });
    expect(connector.earlyPosts).toEqual([]);
    expect(connector.throttled).toHaveLength(1);
    const after = connector.sendTimes(throttle.key).filter((t) => t > throttle.at);
    expect(after.length).toBeGreaterThan(0);
    expect(Math.min(...after) - throttle.at).toBeGreaterThanOrEqual(3000);
    const posted = onCallCards(connector).map(mailIdOfCard);
    expect([...posted].sort()).toEqual(mails.map((_, n) => burstMailId(n)).sort());
  }, 90_000);

  it('shows one summary card at once when more mails wait than Teams takes in 30 s, and closes it when all are posted', async () => {
    const running = await instances(1);
    const mails = burstMails(75);
    await notifyBurst(
      mailbox,
      mails,
      running.map((t) => t.url),
      25,
    );
    await pollUntil(
      () => onCallCards(connector).length >= 76,
      () => `75 cards and the summary (${onCallCards(connector).length})`,
      90_000,
    );
    await running[0].app.idle();

    const cards = onCallCards(connector);
    const summaries = cards.filter((c) => /AWS mails are on their way/.test(textOf(c.body)));
    expect(summaries).toHaveLength(1);
    const [summary] = summaries;
    // At the top of the burst: before most of the mails' own cards.
    expect(cards.indexOf(summary)).toBeLessThan(20);
    expect(textOf(summary.body)).toMatch(/(\d+) AWS mails are on their way to this channel/);
    expect(textOf(summary.body)).toMatch(/Codes for: payments-sandbox/);
    // Updated in place, the last time to say that every mail has its card.
    const updates = connector.of('update').filter((u) => u.targetActivityId === summary.activityId);
    expect(textOf(updates.at(-1)!.body)).toMatch(/burst of AWS mails is over: every mail has its card/);
    expect(connector.earlyPosts).toEqual([]);
    expect(connector.throttled).toEqual([]);
    expect(cards.map(mailIdOfCard).filter(Boolean).sort()).toEqual(
      mails.map((_, n) => burstMailId(n)).sort(),
    );
  }, 120_000);
});
