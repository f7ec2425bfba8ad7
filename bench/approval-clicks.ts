/**
 * How fast the approval path is over real HTTP (fake Bot Connector + fake Graph on loopback):
 *  - request → approve → address, one after another (requests per second, p50/p95 per round trip)
 *  - N concurrent conflicting Approve/Reject clicks on one request (time until all are answered)
 * Run: node -r ts-node/register/transpile-only bench/approval-clicks.ts [embedded|cosmos]
 */
import { askFor, click, startDirectory } from '../test/support/requestFlow';
import { startTestApp } from '../test/support/testApp';
import { users } from '../test/support/users';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function main(): Promise<void> {
  const store = (process.argv[2] as 'embedded' | 'cosmos') ?? 'embedded';
  const graph = await startDirectory();
  const t = await startTestApp({
    store,
    env: {
      GRAPH_BASE_URL: graph.baseUrl,
      APPROVER_IDS: `${users.frank.aadObjectId},${users.carol.aadObjectId}`,
      ADDRESS_STRATEGY: 'plus',
      PLUS_ADDRESS: 'aws@contoso.com',
      LOG_LEVEL: 'warn',
    },
  });
  try {
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
  } finally {
    await t.close();
    await graph.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
