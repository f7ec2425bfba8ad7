import { cpus, loadavg } from 'node:os';
import { AppCluster } from '../test/support/appCluster';
import {
  approve,
  askForAddresses,
  meetAliceAndBob,
  storedRequests,
  whatAliceSaw,
} from '../test/support/clusterApprovals';
import { pollUntil } from '../test/support/pollUntil';

/**
 * npm run bench:takeover: the compiled app on the Cosmos-protocol server (its own process), as deployed, with
 * the production lease settings (WORK_LEASE_SECONDS 30, WORK_POLL_SECONDS 10) unless BENCH_ENV says otherwise.
 * 8 requests are approved on one instance while Teams answers slowly (1.5 s a call), then that instance is
 * killed with SIGKILL:
 *  - two instances: how long until the other has shown every requester their address, and finished all work;
 *  - one instance, restarted at once on the same data: how long the restart takes to resume the work.
 * Goal (issue 21): every address exactly once within 2 minutes.
 */
const REQUESTS = 8;
const GOAL_S = 120;

async function round(instances: 1 | 2, label: string): Promise<void> {
  const env = process.env.BENCH_ENV ? Object.fromEntries(new URLSearchParams(process.env.BENCH_ENV)) : {};
  const cluster = await AppCluster.start({ instances, poolAliases: REQUESTS * 2, env });
  try {
    await meetAliceAndBob(cluster);
    const cards = await askForAddresses(
      cluster,
      Array.from({ length: REQUESTS }, (_, i) => `bench-${i}`),
    );
    const ids = [...cards.keys()];
    cluster.connector.latencyMs = 1_500;
    await Promise.all(ids.map((id) => approve(cluster, 0, id, cards.get(id)!)));
    await cluster.kill(0);
    const killedAt = Date.now();
    let restartS: number | undefined;
    if (instances === 1) {
      await cluster.restart(0);
      restartS = (Date.now() - killedAt) / 1000;
    }
    const secondsSinceKill = () => (Date.now() - killedAt) / 1000;
    await pollUntil(
      () => whatAliceSaw(cluster, ids).shown.size === ids.length,
      'every address shown',
      GOAL_S * 2_000,
    );
    const shown = secondsSinceKill();
    await pollUntil(
      async () => (await storedRequests(cluster, ids)).every((r) => !r.workPending),
      'all work done',
      GOAL_S * 2_000,
    );
    const done = secondsSinceKill();
    const seen = whatAliceSaw(cluster, ids);
    const requests = await storedRequests(cluster, ids);
    const distinct = new Set(requests.map((r) => r.address)).size;
    console.log(
      `${label}: every address shown ${shown.toFixed(1)} s after the kill, all work done after ${done.toFixed(1)} s` +
        (restartS !== undefined
          ? ` (the restart listened ${restartS.toFixed(1)} s after the kill: resumed ${(done - restartS).toFixed(1)} s after it started)`
          : '') +
        `; ${seen.shown.size}/${REQUESTS} shown, ${seen.twice.length} twice, ${distinct} distinct addresses` +
        ` — goal ≤ ${GOAL_S} s: ${shown <= GOAL_S && seen.twice.length === 0 && distinct === REQUESTS ? 'met' : 'NOT met'}`,
    );
  } finally {
    await cluster.stop();
  }
}

async function main() {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores; ${REQUESTS} approvals, Teams answering in 1.5 s` +
      (process.env.BENCH_ENV ? `; settings ${process.env.BENCH_ENV}` : '; production lease settings'),
  );
  for (let r = 1; r <= rounds; r++) {
    await round(2, `two instances, kill -9 of one (round ${r})`);
    await round(1, `one instance, kill -9 and restart (round ${r})`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
