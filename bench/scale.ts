import { cpus, loadavg } from 'node:os';
import { person } from '../src/domain/permissions';
import { cardAction, personalConversationId, personalMessage } from '../test/support/activities';
import { addressUseCases, poolCsv } from '../test/support/addressFixtures';
import { AppCluster } from '../test/support/appCluster';
import { burstMails, mailIdOfCard, notifyBurst } from '../test/support/mailBurst';
import { POOL_ADDRESS, POOL_ADDRESS_RECORD, readFixture } from '../test/support/mailFixtures';
import { pollUntil } from '../test/support/pollUntil';
import { textOf } from '../test/support/testApp';
import { TestUser, users } from '../test/support/users';

/**
 * npm run bench:scale — one, then two instances of the built app, each its own process, deployed as on App
 * Service (managed identity, channel tokens, API tokens, WEBSITE_INSTANCE_ID) on the Cosmos-protocol server
 * (its own process; a fresh one for each phase: test/support/appCluster.ts), against a Bot Connector and a Graph that enforce Teams' and Outlook's published limits.
 * For each: allocations/s (API), approvals/s (chat: request, then the approvers' clicks until each address
 * reaches its requester), mails relayed/s (recorded-only mails: the pipeline without a Teams post), and a burst
 * of 90 verification codes into the on-call channel (time to the last card, 429s, early posts, Graph's 429
 * share, webhook answers). With two instances, a larger burst (BURST_LARGE, default 300): what the channel shows.
 */
const ALLOCATIONS = Number(process.env.ALLOCATIONS ?? 300);
const PAIRS = Number(process.env.PAIRS ?? 16);
const REQUESTS_PER_PAIR = Number(process.env.REQUESTS_PER_PAIR ?? 5);
const RECORDED_MAILS = Number(process.env.RECORDED_MAILS ?? 200);
const BURST = Number(process.env.BURST ?? 90);
const BURST_LARGE = Number(process.env.BURST_LARGE ?? 300);
const GRAPH_LATENCY_MS = Number(process.env.GRAPH_LATENCY_MS ?? 50);
const CONCURRENCY = 16;

interface Figures {
  instances: number;
  allocationsPerS: number;
  approvalsPerS: number;
  relayedPerS: number;
  burst: {
    lastCardS: number;
    teams429: number;
    early: number;
    graph429: number;
    graphReads: number;
    webhookMaxMs: number;
    summaries: number;
  };
}

async function main(): Promise<void> {
  console.log(
    `bench:scale on ${cpus().length} cores (load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}), Node ${process.version}`,
  );
  const results: Figures[] = [];
  for (const instances of [1, 2]) results.push(await phase(instances, instances === 2));
  const [one, two] = results;
  const row = (name: string, a: number, b: number, unit = '/s') =>
    `${name.padEnd(34)} ${a.toFixed(1).padStart(8)}${unit} ${b.toFixed(1).padStart(8)}${unit} ${(b / a).toFixed(2).padStart(8)}`;
  console.log(
    `\n${'figure'.padEnd(34)} ${'1 instance'.padStart(10)} ${'2 instances'.padStart(10)} ${'2/1'.padStart(8)}`,
  );
  console.log(row('allocations (API)', one.allocationsPerS, two.allocationsPerS));
  console.log(row('approvals (chat, click → address)', one.approvalsPerS, two.approvalsPerS));
  console.log(row('mails relayed (recorded only)', one.relayedPerS, two.relayedPerS));
  console.log(row(`${BURST}-card burst: last card after`, one.burst.lastCardS, two.burst.lastCardS, ' s'));
  for (const r of results)
    console.log(
      `  ${r.instances} instance(s): ${BURST} cards, the last ${r.burst.lastCardS.toFixed(1)} s after the first notification ` +
        `(goal ≤ 45 s); Teams 429s ${r.burst.teams429}, posts before a Retry-After had passed ${r.burst.early} (goal 0); ` +
        `Graph: ${r.burst.graph429} of ${r.burst.graphReads} mailbox reads throttled ` +
        `(${((100 * r.burst.graph429) / Math.max(1, r.burst.graphReads)).toFixed(1)} %, goal ≤ 5 %); ` +
        `webhook answered within ${r.burst.webhookMaxMs.toFixed(0)} ms (goal ≤ 3 s); summary cards ${r.burst.summaries}`,
    );
}

async function phase(count: number, largeBurst: boolean): Promise<Figures> {
  const started = performance.now();
  const cluster = await AppCluster.start({
    instances: count,
    mailbox: true,
    env: { ADMIN_IDS: users.carol.aadObjectId },
  });
  try {
    console.log(`\n${count} instance(s) started in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await cluster.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
    const { pool } = addressUseCases(cluster.store);
    await pool.importCsv(poolCsv(4, 300), person('bench', 'bench', true));
    cluster.connector.enforceLimits();
    cluster.graph.enforceMailboxLimits();
    cluster.graph.latencyMs = GRAPH_LATENCY_MS;
    await cluster.setUpOnCall(users.carol, [users.dave]);
    await pollUntil(() => !!cluster.mailbox!.current(), 'the inbox subscription', 30_000);

    const allocationsPerS = await allocations(cluster);
    const approvalsPerS = await approvals(cluster);
    const relayedPerS = await recordedMails(cluster);
    const burst = await onCallBurst(cluster, BURST, 0);
    if (largeBurst) await onCallBurst(cluster, BURST_LARGE, 1000, true);
    return { instances: count, allocationsPerS, approvalsPerS, relayedPerS, burst };
  } finally {
    await cluster.stop();
  }
}

/** Runs `work` for each item with at most CONCURRENCY at once, spread round-robin over the instances. */
async function spread<T>(items: T[], work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

async function allocations(cluster: AppCluster): Promise<number> {
  const { instances } = cluster;
  const auth = await cluster.api.bearer({ oid: 'account-factory', roles: ['Addresses.Allocate'] });
  const names = Array.from({ length: ALLOCATIONS }, (_, i) => `scale-${instances.length}-${i}`);
  let failed = 0;
  const started = performance.now();
  await spread(names, async (accountName, i) => {
    const res = await fetch(`${instances[i % instances.length].url}/api/v1/addresses`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ accountName, owner: { id: `owner-${i % 40}` }, purpose: 'bench' }),
    });
    await res.arrayBuffer();
    if (res.status !== 201) failed++;
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  allocations: ${ALLOCATIONS} over the API, ${CONCURRENCY} callers, in ${seconds.toFixed(1)} s = ` +
      `${(ALLOCATIONS / seconds).toFixed(1)}/s (${failed} failed)`,
  );
  return ALLOCATIONS / seconds;
}

/** Requester i reports to approver i (the fake directory): PAIRS personal chats each side. */
function pairs(cluster: AppCluster): { requester: TestUser; approver: TestUser }[] {
  return Array.from({ length: PAIRS }, (_, i) => {
    const id = (n: number) => `00000000-0000-0000-00${n}-${String(i).padStart(12, '0')}`;
    const requester = { aadObjectId: id(10), name: `Requester ${i}`, upn: `requester${i}@contoso.com` };
    const approver = { aadObjectId: id(20), name: `Approver ${i}`, upn: `approver${i}@contoso.com` };
    cluster.graph.addUser({
      id: approver.aadObjectId,
      displayName: approver.name,
      userPrincipalName: approver.upn,
    });
    cluster.graph.addUser({
      id: requester.aadObjectId,
      displayName: requester.name,
      userPrincipalName: requester.upn,
      managerId: approver.aadObjectId,
    });
    return { requester, approver };
  });
}

async function approvals(cluster: AppCluster): Promise<number> {
  const { connector, instances } = cluster;
  const people = pairs(cluster);
  const asks = people.flatMap((p, i) =>
    Array.from({ length: REQUESTS_PER_PAIR }, (_, n) => ({
      ...p,
      name: `appr-${instances.length}-${i}-${n}`,
    })),
  );
  // Asked (not timed): each request's approval card reaches its approver.
  await spread(asks, async (ask, i) => {
    await cluster.send(
      i % instances.length,
      personalMessage(connector.url, ask.requester, `request ${ask.name} sandbox`),
    );
  });
  const requestIdOf = new Map<string, string>();
  await pollUntil(
    () => {
      for (const call of connector.calls) {
        const text = JSON.stringify(call.body ?? '');
        const id = /req-[0-9a-f]{8}/.exec(text)?.[0];
        const name = /appr-\d+-\d+-\d+/.exec(text)?.[0];
        if (id && name && /asks for a root e-mail address/.test(text)) requestIdOf.set(name, id);
      }
      return requestIdOf.size >= asks.length;
    },
    () => `every approval card (${requestIdOf.size} of ${asks.length})`,
    120_000,
  );
  // Timed: every approver clicks Approve; done when each address is in its requester's chat.
  const before = connector.calls.length;
  const throttledBefore = connector.throttled.length;
  const started = performance.now();
  await spread(asks, async (ask, i) => {
    const requestId = requestIdOf.get(ask.name)!;
    await cluster.send(
      i % instances.length,
      cardAction(
        connector.url,
        ask.approver,
        'request.approve',
        { verb: 'request.approve', requestId },
        {
          id: personalConversationId(ask.approver),
        },
      ),
    );
  });
  const ready = new Set<string>();
  let seen = before;
  await pollUntil(
    () => {
      for (; seen < connector.calls.length; seen++) {
        const text = textOf(connector.calls[seen].body);
        const name = /appr-\d+-\d+-\d+/.exec(text)?.[0];
        if (name && /is ready/.test(text)) ready.add(name);
      }
      return ready.size >= asks.length;
    },
    () => `every address at its requester (${ready.size} of ${asks.length})`,
    180_000,
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  approvals: ${asks.length} (${PAIRS} requester/approver pairs, each in their own chat) clicked and ` +
      `delivered in ${seconds.toFixed(1)} s = ${(asks.length / seconds).toFixed(1)}/s; Teams 429s ` +
      `${connector.throttled.length - throttledBefore}, early posts ${connector.earlyPosts.length}`,
  );
  return asks.length / seconds;
}

/** Mails the relay records only (an account is ready: noise): Graph fetch → parse → classify → claim → record. */
async function recordedMails(cluster: AppCluster): Promise<number> {
  const { instances, store } = cluster;
  const template = readFixture('account-ready.eml').toString();
  const offset = instances.length * 100_000;
  const mails = Array.from({ length: RECORDED_MAILS }, (_, i) =>
    Buffer.from(
      template.replace(/^Message-ID: <[^>]+>/m, `Message-ID: <ready${offset + i}-bench@email.amazonses.com>`),
    ),
  );
  const recorded = async () => store.count('mails', { state: 'recorded' });
  const before = await recorded();
  const started = performance.now();
  await notifyBurst(
    cluster.mailbox!,
    mails,
    instances.map((i) => i.url),
    10,
  );
  await pollUntil(async () => (await recorded()) - before >= RECORDED_MAILS, 'every mail recorded', 180_000);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  mails relayed (recorded only): ${RECORDED_MAILS} in ${seconds.toFixed(1)} s = ${(RECORDED_MAILS / seconds).toFixed(1)}/s ` +
      `(Graph answering in ${GRAPH_LATENCY_MS} ms, 4 reads at once per mailbox for the app)`,
  );
  return RECORDED_MAILS / seconds;
}

async function onCallBurst(
  cluster: AppCluster,
  size: number,
  first: number,
  watchSummary = false,
): Promise<Figures['burst']> {
  const { connector, graph, instances } = cluster;
  const throttledBefore = connector.throttled.length;
  const earlyBefore = connector.earlyPosts.length;
  const graphThrottledBefore = graph.throttled.length;
  const readsBefore = graph.mailboxRequests;
  const mails = burstMails(size, first + instances.length * 10_000);
  const started = performance.now();
  const since = (ms: number) => ms - started;
  // What reached the channel, read once per call as calls arrive: the fake connector shares this event loop,
  // and scanning every call on every look would delay its arrival times (and so its 429s).
  let seen = connector.calls.length;
  let mailCards = 0;
  const summary = { card: undefined as string | undefined, at: 0, peak: 0, peakAt: 0, closedAt: 0 };
  const look = () => {
    for (; seen < connector.calls.length; seen++) {
      const call = connector.calls[seen];
      if (call.kind === 'createConversation' && call.body?.activity) {
        if (mailIdOfCard(call)) mailCards++;
        else if (/AWS mails are on their way/.test(textOf(call.body))) {
          summary.card = call.activityId;
          summary.at = since(performance.now());
        }
      }
      if (!summary.card || !(call.activityId === summary.card || call.targetActivityId === summary.card))
        continue;
      const text = textOf(call.body);
      const shown = Number(/(\d+)( or more)? AWS mails are on their way/.exec(text)?.[1] ?? 0);
      if (shown > summary.peak) Object.assign(summary, { peak: shown, peakAt: since(performance.now()) });
      if (/burst of AWS mails is over/.test(text)) summary.closedAt ||= since(performance.now());
    }
  };
  const { answeredMs } = await notifyBurst(
    cluster.mailbox!,
    mails,
    instances.map((i) => i.url),
    10,
  );
  await pollUntil(
    () => (look(), mailCards >= size),
    () => `${size} cards (${mailCards})`,
    30 * 60_000,
  );
  const lastCardS = (performance.now() - started) / 1000;
  // The summary closes a few seconds after the last card (its next look): wait for it, so bursts stay apart.
  if (summary.card)
    await pollUntil(() => (look(), summary.closedAt > 0), 'the summary closed', 60_000).catch(
      () => undefined,
    );
  const figures = {
    lastCardS,
    teams429: connector.throttled.length - throttledBefore,
    early: connector.earlyPosts.length - earlyBefore,
    graph429: graph.throttled.length - graphThrottledBefore,
    graphReads: graph.mailboxRequests - readsBefore,
    webhookMaxMs: Math.max(...answeredMs),
    summaries: summary.card ? 1 : 0,
  };
  const startedAt = Date.now() - (performance.now() - started);
  for (const t of connector.throttled.slice(throttledBefore))
    console.log(
      `    429 from Teams: ${t.limit} on ${t.method} ${t.key.slice(0, 60)} at +${((t.at - startedAt) / 1000).toFixed(1)} s`,
    );
  const s = (ms: number) => (ms ? `${(ms / 1000).toFixed(1)} s` : 'never');
  const shown = summary.card
    ? `the summary card after ${s(summary.at)}, counting up to ${summary.peak} waiting mails (after ${s(summary.peakAt)}), ` +
      `closed after ${s(summary.closedAt)}`
    : 'no summary card';
  console.log(
    `  ${watchSummary ? 'larger burst' : 'burst'}: ${size} codes into the on-call channel, ${shown}; the last mail's card ` +
      `after ${lastCardS.toFixed(1)} s; Teams 429s ${figures.teams429}, early ${figures.early}; Graph ` +
      `${figures.graph429}/${figures.graphReads} reads throttled; webhook answered within ${figures.webhookMaxMs.toFixed(0)} ms`,
  );
  return figures;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
