import { AddressPool } from '../../src/app/addresses/addressPool';
import { AddressRegistry } from '../../src/app/addresses/addressRegistry';
import { PoolBuckets } from '../../src/app/addresses/poolBuckets';
import { OnCallAlerts } from '../../src/app/alerts';
import { AuditLog } from '../../src/app/auditLog';
import { ConversationDirectory } from '../../src/app/conversations';
import { Leases } from '../../src/app/leases';
import type { AppConfig } from '../../src/config';
import { person } from '../../src/domain/permissions';
import { createLogger } from '../../src/log/logger';
import type { ChatPort } from '../../src/ports/chat';
import { ManualClock } from '../../src/ports/clock';
import type { DocumentStore } from '../../src/ports/documentStore';

export const admin = person('admin-1', 'Admin', true);

/** A pool file with `perMailbox` aliases on each of `mailboxes` mailboxes. */
export function poolCsv(mailboxes: number, perMailbox: number, prefix = 'aws'): string {
  const lines = ['mailbox,address'];
  for (let m = 1; m <= mailboxes; m++) {
    for (let a = 1; a <= perMailbox; a++) lines.push(`pool-${m}@contoso.com,${prefix}-${m}-${a}@contoso.com`);
  }
  return lines.join('\n');
}

/** The address use cases over a given store, wired the way createApp wires them (no chat needed). */
export function addressUseCases(
  store: DocumentStore,
  options: {
    settings?: Partial<AppConfig['addresses']>;
    clock?: ManualClock;
    random?: () => number;
    /** MAILBOX: the central mailbox, never a pool alias. */
    centralMailbox?: string;
  } = {},
) {
  const clock = options.clock ?? new ManualClock();
  const logger = createLogger('silent');
  const audit = new AuditLog(store, clock);
  const settings = { strategy: 'pool' as const, quarantineDays: 90, ...options.settings };
  const noChat = {} as ChatPort; // no on-call channel is set up in these tests, so the pool never posts
  const buckets = new PoolBuckets(store);
  const pool = new AddressPool({
    store,
    clock,
    audit,
    logger,
    alerts: new OnCallAlerts({
      store,
      clock,
      logger,
      chat: noChat,
      conversations: new ConversationDirectory(store, clock),
    }),
    leases: new Leases(store, clock),
    strategy: settings.strategy,
    plusAddress: settings.plusAddress,
    centralMailbox: options.centralMailbox,
    buckets,
  });
  const addresses = new AddressRegistry({
    store,
    clock,
    audit,
    logger,
    settings,
    buckets,
    afterAllocation: () => pool.noteAllocation(),
    random: options.random,
  });
  return { clock, audit, pool, addresses };
}

/** A small seeded generator, so a failing property run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
