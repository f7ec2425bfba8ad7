import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../src/main/createApp';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log/logger';
import { channelMessage, TEAM_ID } from '../test/support/activities';
import { FakeBotConnector } from '../test/support/fakeBotConnector';
import { FakeGraph } from '../test/support/fakeGraph';
import { FakeGraphMailbox } from '../test/support/fakeGraphMailbox';
import { POOL_ADDRESS, readFixture } from '../test/support/mailFixtures';
import { users } from '../test/support/users';

/**
 * npm run bench:relay — 20 mails/s through Graph notification → fetch ($value) → classify → post, with
 * the real app and store and loopback fakes for Graph and the Bot Connector. Prints p50/p99 of the
 * in-process relay time (logged per mail as durationMs) and of notification-to-card time. Goal p99 ≤ 25 ms.
 * Then a burst: BURST mails at once (a mass account creation), notified in batches of BATCH ids as Graph
 * batches them; prints the time until the last card is posted (goal ≤ 15 s) and the peak RSS growth (goal
 * ≤ 150 MB).
 */
const RATE = Number(process.env.RATE ?? 20);
const SECONDS = Number(process.env.SECONDS ?? 15);
const BURST = Number(process.env.BURST ?? 500);
const BATCH = Number(process.env.BATCH ?? 50);
/** Round trip of Graph and the Bot Connector during the burst (0: loopback speed), e.g. LATENCY_MS=100. */
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 0);

async function main(): Promise<void> {
  const durations: number[] = [];
  const phases: Record<string, number>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        const m = /"durationMs":([\d.]+),"phasesMs":(\{[^}]*\})/.exec(line);
        if (m) {
          durations.push(Number(m[1]));
          phases.push(JSON.parse(m[2]));
        }
      }
      cb();
    },
  });
  const graph = new FakeGraph();
  await graph.start();
  const mailbox = new FakeGraphMailbox(graph, 'rootmail@contoso.com');
  const connector = new FakeBotConnector();
  await connector.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-bench-'));
  const config = loadConfig(
    {
      DATA_DIR: dataDir,
      GRAPH_BASE_URL: graph.baseUrl,
      MAILBOX: 'rootmail@contoso.com',
      PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
      GRAPH_CLIENT_STATE: 'bench-client-state',
      ADMIN_IDS: users.carol.aadObjectId,
      LOG_LEVEL: 'info',
    },
    { guardAnonymousBot: false },
  ); // anonymous on loopback with every fake on loopback, like the tests
  const app = await createApp(config, { logger: createLogger('info', sink), startTimers: false });
  const url = await app.listen(0, '127.0.0.1');
  await app.store.create('addresses', POOL_ADDRESS, {
    address: POOL_ADDRESS,
    mailbox: 'aws-pool-01@contoso.com',
    strategy: 'pool',
    state: 'assigned',
    accountName: 'bench-account',
    awsAccountId: '123456789012',
    history: [],
  });
  await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(channelMessage(connector.url, users.carol, 'setup oncall')),
  });
  connector.addMembers(TEAM_ID, users.dave.aadObjectId);
  await app.runJobs();

  const template = readFixture('verification-code.eml').toString();
  // Counted as they come (the fake records every call; filtering all of them on every poll costs more than a relay).
  let counted = 0;
  let postCount = 0;
  const posts = () => {
    const calls = connector.calls;
    for (; counted < calls.length; counted++)
      if (calls[counted].kind === 'createConversation' && calls[counted].body.activity) postCount++;
    return postCount;
  };
  const ackMs: number[] = [];
  let counter = 0;
  /** A new mail (its own Message-ID and code) in the fake mailbox; its Graph id. */
  const deliverOne = () => {
    const n = counter++;
    const raw = template
      .replace('0100019356a1b2c3-7d1e4f0a', `bench${String(n).padStart(6, '0')}-7d1e4f0a`)
      .replace(/482913/g, String(100000 + n));
    return mailbox.deliver(raw);
  };
  /** Sends `count` mails at RATE per second; resolves when all are posted. */
  const feed = async (count: number) => {
    const target = posts() + count;
    const start = Date.now();
    const acks: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / RATE;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const id = deliverOne();
      const t0 = performance.now();
      acks.push(
        fetch(`${url}/api/graph/notifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(mailbox.notification([id])),
        }).then(async (res) => {
          await res.text();
          ackMs.push(performance.now() - t0);
        }),
      );
    }
    await Promise.all(acks);
    const deadline = Date.now() + 30_000;
    while (posts() < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await app.idle();
    return (Date.now() - start) / 1000;
  };

  await feed(RATE); // warm-up: first use of the parser, templating, store statements; not counted
  durations.length = 0;
  phases.length = 0;
  ackMs.length = 0;
  const before = posts();
  const total = RATE * SECONDS;
  const steadyCpu = process.cpuUsage();
  const elapsed = await feed(total);
  const steady = process.cpuUsage(steadyCpu);

  const pct = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  };
  const f = (n: number) => n.toFixed(1);
  console.log(
    `relay bench: ${total} mails at ${RATE}/s over ${elapsed.toFixed(1)} s (after a ${RATE}-mail warm-up), ` +
      `${posts() - before} posted, store ${app.store.kind}; CPU ${f((steady.user + steady.system) / 1000 / total)} ms a mail ` +
      `(app and the loopback fakes together; on a shared machine the times below include waiting for a core)`,
  );
  console.log(
    `in-process time from notification to posted card (fetch $value → parse → exactly-once guard → route → classify → keep secret → post): ` +
      `p50 ${f(pct(durations, 50))} ms, p99 ${f(pct(durations, 99))} ms, max ${f(pct(durations, 100))} ms ` +
      `(goal p99 ≤ 25 ms: ${pct(durations, 99) <= 25 ? 'met' : 'NOT met'})`,
  );
  const phase = (name: string) =>
    `${name} p50 ${f(
      pct(
        phases.map((p) => p[name]),
        50,
      ),
    )} / p99 ${f(
      pct(
        phases.map((p) => p[name]),
        99,
      ),
    )} ms`;
  console.log(`  where it goes: ${['fetch', 'parse', 'decide', 'post'].map(phase).join(', ')}`);
  console.log(
    `notification answered (202, before any work): p50 ${f(pct(ackMs, 50))} ms, p99 ${f(pct(ackMs, 99))} ms; ` +
      `Graph $value fetches: ${graph.of('GET', /\$value$/).length}`,
  );

  // The burst: every mail in the inbox at once, Graph notifying them in batches.
  graph.latencyMs = LATENCY_MS;
  connector.latencyMs = LATENCY_MS;
  const ids = Array.from({ length: BURST }, deliverOne);
  const target = posts() + BURST;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 20);
  const burstStart = performance.now();
  const cpuBefore = process.cpuUsage();
  const batches: Promise<unknown>[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    batches.push(
      fetch(`${url}/api/graph/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(mailbox.notification(ids.slice(i, i + BATCH))),
      }).then((res) => res.text()),
    );
  }
  await Promise.all(batches);
  const answeredMs = performance.now() - burstStart;
  const burstDeadline = Date.now() + 120_000;
  while (posts() < target && Date.now() < burstDeadline) await new Promise((r) => setTimeout(r, 5));
  const lastCardMs = performance.now() - burstStart;
  const cpu = process.cpuUsage(cpuBefore);
  await app.idle();
  clearInterval(sampler);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  console.log(
    `burst: ${BURST} mails at once, notified in ${batches.length} batches of ≤ ${BATCH}` +
      `${LATENCY_MS ? `, Graph and Bot Connector answering in ${LATENCY_MS} ms` : ''}, answered in ${f(answeredMs)} ms; ` +
      `${posts() - (target - BURST)} posted, the last ${(lastCardMs / 1000).toFixed(2)} s after the first ` +
      `notification (goal ≤ 15 s: ${lastCardMs <= 15_000 && posts() >= target ? 'met' : 'NOT met'})`,
  );
  console.log(
    `  RSS ${mb(rssBefore)} MB before, peak ${mb(rssPeak)} MB: growth ${mb(rssPeak - rssBefore)} MB ` +
      `(goal ≤ 150 MB: ${rssPeak - rssBefore <= 150 * 1024 * 1024 ? 'met' : 'NOT met'}); ` +
      `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (app and the loopback fakes together); ` +
      `Graph $value fetches: ${graph.of('GET', /\$value$/).length}`,
  );

  await app.close();
  await connector.stop();
  await graph.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

void main();
