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
 */
const RATE = Number(process.env.RATE ?? 20);
const SECONDS = Number(process.env.SECONDS ?? 15);

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
  const posts = () => connector.of('createConversation').filter((c) => c.body.activity).length;
  const ackMs: number[] = [];
  let counter = 0;
  /** Sends `count` mails at RATE per second; resolves when all are posted. */
  const feed = async (count: number) => {
    const target = posts() + count;
    const start = Date.now();
    const acks: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / RATE;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const n = counter++;
      const raw = template
        .replace('0100019356a1b2c3-7d1e4f0a', `bench${String(n).padStart(6, '0')}-7d1e4f0a`)
        .replace(/482913/g, String(100000 + n));
      const id = mailbox.deliver(raw);
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
  const elapsed = await feed(total);

  const pct = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  };
  const f = (n: number) => n.toFixed(1);
  console.log(
    `relay bench: ${total} mails at ${RATE}/s over ${elapsed.toFixed(1)} s (after a ${RATE}-mail warm-up), ` +
      `${posts() - before} posted, store ${app.store.kind}`,
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

  await app.close();
  await connector.stop();
  await graph.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

void main();
