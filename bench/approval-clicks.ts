/**
 * `npm run bench:approvals [embedded|cosmos]`: how fast the approval path is over real HTTP (fake Bot
 * Connector + fake Graph on loopback):
 *  - request → approve → address, one after another (requests per second, p50/p95 per round trip);
 *  - N concurrent conflicting Approve/Reject clicks on one request (time until all are answered);
 *  - with SLOW dependencies (Bot Connector and Graph taking BENCH_DEPENDENCY_MS, default 800 ms, per call,
 *    as Teams and Graph can): the click → invoke answer p50/p99 (goal p99 ≤ 300 ms: Teams gives an invoke a
 *    few seconds) next to the time until the address reaches the requester.
 */
import { askFor, click, startDirectory } from '../test/support/requestFlow';
import { TEAMS_LIMITS } from '../src/app/pacing/teamsSendBudget';
import { startTestApp, TestApp, textOf } from '../test/support/testApp';
import { personalConversationId } from '../test/support/activities';
import { users } from '../test/support/users';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

async function fastRounds(t: TestApp, store: string): Promise<void> {
  const rounds = 60;
  const durations: number[] = [];
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const begin = performance.now();
    const id = await askFor(t, users.alice, `request bench-${i}`);
    await click(t, users.bob, 'request.approve', id);
    durations.push(performance.now() - begin);
    t.connector.clear();
  }
  const total = (performance.now() - started) / 1000;
  durations.sort((a, b) => a - b);
  console.log(
    `[${store}] request → approve → address, sequential: ${rounds} in ${total.toFixed(2)} s = ` +
      `${(rounds / total).toFixed(1)}/s; p50 ${percentile(durations, 0.5).toFixed(1)} ms, p95 ${percentile(durations, 0.95).toFixed(1)} ms`,
  );
  for (const clicks of [10, 100]) {
    const id = await askFor(t, users.dave, `request race-${clicks}`);
    const begin = performance.now();
    const answers = await Promise.all(
      Array.from({ length: clicks }, (_, i) =>
        click(t, i % 2 ? users.frank : users.carol, i % 3 ? 'request.approve' : 'request.reject', id),
      ),
    );
    const ms = performance.now() - begin;
    const already = answers.filter((a) => /Already decided/.test(JSON.stringify(a.body))).length;
    console.log(
      `[${store}] ${clicks} concurrent conflicting clicks: all answered in ${ms.toFixed(0)} ms ` +
        `(${(ms / clicks).toFixed(1)} ms per click), ${clicks - already} decision, ${already} "already decided"`,
    );
    t.connector.clear();
  }
}

async function slowRounds(t: TestApp, store: string, dependencyMs: number): Promise<void> {
  const rounds = 20;
  const answered: number[] = [];
  const delivered: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const id = await askFor(t, users.alice, `request slow-${i}`); // waits until the approval card went out
    const before = t.connector.calls.length;
    const begin = performance.now();
    const res = await click(t, users.bob, 'request.approve', id, undefined, { settle: false });
    answered.push(performance.now() - begin);
    if (res.status !== 200) throw new Error(`the click was answered ${res.status}`);
    // Until the result card with the address is in Alice's chat (watched on the fake connector).
    await t.connector.waitFor(
      (calls) =>
        calls
          .slice(before)
          .some(
            (c) =>
              c.conversationId === personalConversationId(users.alice) && /is ready/.test(textOf(c.body)),
          ),
      60_000,
    );
    delivered.push(performance.now() - begin);
    await t.app.idle();
    t.connector.clear();
  }
  answered.sort((a, b) => a - b);
  delivered.sort((a, b) => a - b);
  console.log(
    `[${store}] dependencies at ${dependencyMs} ms per call, ${rounds} approvals: click → invoke answer ` +
      `p50 ${fmt(percentile(answered, 0.5))}, p99 ${fmt(percentile(answered, 0.99))} (goal p99 ≤ 300 ms); ` +
      `click → address in the requester's chat p50 ${fmt(percentile(delivered, 0.5))}, p99 ${fmt(percentile(delivered, 0.99))}`,
  );
}

async function main(): Promise<void> {
  const store = (process.argv[2] as 'embedded' | 'cosmos') ?? 'embedded';
  const dependencyMs = Number(process.env.BENCH_DEPENDENCY_MS ?? 800);
  const graph = await startDirectory();
  const t = await startTestApp({
    store,
    overrides: { teamsLimits: TEAMS_LIMITS }, // what a person waits for includes Teams' pace
    env: {
      GRAPH_BASE_URL: graph.baseUrl,
      APPROVER_IDS: `${users.frank.aadObjectId},${users.carol.aadObjectId}`,
      ADDRESS_STRATEGY: 'plus',
      PLUS_ADDRESS: 'aws@contoso.com',
      LOG_LEVEL: 'warn',
    },
  });
  try {
    await fastRounds(t, store);
    graph.latencyMs = dependencyMs;
    t.connector.latencyMs = dependencyMs;
    await slowRounds(t, store, dependencyMs);
  } finally {
    await t.close();
    await graph.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
