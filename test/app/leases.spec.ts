import { Leases } from '../../src/app/leases';
import { ManualClock, systemClock } from '../../src/ports/clock';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { pollUntil } from '../support/pollUntil';

/**
 * Jobs that one instance at a time may run (the mail sweeper, the digest, a reconciliation) hold a short
 * lease while they run: renewed as long as the work goes on, given back after, lapsed soon after a crash.
 */
describe('a job held under a renewed lease', () => {
  let store: SqliteDocumentStore;
  beforeEach(async () => {
    store = new SqliteDocumentStore(':memory:');
    await store.init();
  });
  afterEach(async () => store.close());

  it('is held for as long as it runs, even past its lease, and is free again the moment it ends', async () => {
    const one = new Leases(store, systemClock, 300);
    const other = new Leases(store, systemClock, 300);
    let release!: () => void;
    const running = one.hold(
      'sweep',
      () => new Promise<string>((resolve) => (release = () => resolve('swept'))),
    );
    // Each time another instance tries, it is refused; the job outlives its first lease and three renewals.
    const leasesSeen = new Set<string>();
    let firstUntil = Infinity;
    await pollUntil(async () => {
      expect(await other.hold('sweep', async () => 'twice')).toEqual({ ran: false });
      const lease = await store.get<{ until: string }>('leases', 'sweep');
      if (lease) {
        leasesSeen.add(lease.until);
        firstUntil = Math.min(firstUntil, Date.parse(lease.until));
      }
      return leasesSeen.size >= 4 && Date.now() > firstUntil;
    }, 'three renewals of the lease, past its first end');
    release();
    expect(await running).toEqual({ ran: true, value: 'swept' });
    expect(await other.hold('sweep', async () => 'next')).toEqual({ ran: true, value: 'next' });
  });

  it('left by a process that died, it lapses after one lease', async () => {
    const clock = new ManualClock();
    const leases = new Leases(store, clock, 30_000);
    expect(await leases.take('sweep', 30_000)).toBeDefined(); // taken, then the process is gone
    expect(await leases.hold('sweep', async () => 'too early')).toEqual({ ran: false });
    clock.advance(30_000);
    expect(await leases.hold('sweep', async () => 'taken over')).toEqual({ ran: true, value: 'taken over' });
  });
});
