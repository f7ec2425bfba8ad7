import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/logger';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import { MailboxPort, MessageGoneError, SubscriptionGoneError } from '../../ports/mailbox';
import type { OnCallAlerts } from '../alerts';
import type { BackgroundWork } from '../background';
import { writeIfUnchanged } from '../documentChanges';
import type { PeriodicJob } from '../jobs';
import { RenewedClaim } from '../leases';
import type { MailRelay } from './mailRelay';

/** Graph allows at most 10,080 minutes for message subscriptions; stay under it. */
export const SUBSCRIPTION_MINUTES = 10_000;
/** Renew once less than this is left: days of margin for outages, many job runs to try in. */
const RENEW_WHEN_LEFT_MS = 3 * 24 * 3_600_000;
/** The on-call alert raised while renewals fail (read by the operational status too). */
export const SUBSCRIPTION_ALERT = 'subscription-renewal';

interface SubscriptionDoc {
  subscriptionId?: string;
  expiresAt?: string;
  /** The instance renewing or creating right now; others leave it alone until `until`. */
  claim?: { by: string; until: string };
}

interface DeltaDoc {
  deltaLink: string;
}

export interface InboxSubscriptionDeps {
  store: DocumentStore;
  clock: Clock;
  logger: Logger;
  alerts: OnCallAlerts;
  background: BackgroundWork;
  mailbox: MailboxPort;
  relay: MailRelay;
  /** The central mailbox (for the alert text), PUBLIC_BASE_URL and GRAPH_CLIENT_STATE. */
  settings: { mailbox: string; publicBaseUrl?: string; clientState: string; secretTtlMinutes: number };
  /**
   * WORK_LEASE_SECONDS and WORK_POLL_SECONDS (ms): an instance's claim on creating or renewing the
   * subscription is renewed while it works, and every instance looks for a lapsed claim this often, so a
   * creation left by a dead instance is taken over within about a lease.
   */
  work: { leaseMs: number; pollMs: number };
}

export interface SubscriptionStatus {
  expiresAt?: string;
  renewalFailingSince?: string;
}

/**
 * Keeps one change-notification subscription on the central mailbox's inbox alive across instances
 * (claims via etags), and catches up with a delta query at start and after `missed`.
 */
export class InboxSubscription {
  private readonly instanceId = randomUUID();
  private readonly services: InboxSubscriptionDeps;
  private readonly mailbox: MailboxPort;

  constructor(deps: InboxSubscriptionDeps) {
    this.services = deps;
    this.mailbox = deps.mailbox;
  }

  /** When the subscription expires and whether its renewal is failing (for `status`). */
  async status(): Promise<SubscriptionStatus> {
    const [doc, failingSince] = await Promise.all([
      this.services.store.get<SubscriptionDoc>('subscriptions', 'inbox'),
      this.services.alerts.raisedSince(SUBSCRIPTION_ALERT),
    ]);
    return { expiresAt: doc?.expiresAt, renewalFailingSince: failingSince };
  }

  /** Creates the subscription when there is none, renews it when it nears expiry. */
  async maintain(): Promise<void> {
    const due = (doc: SubscriptionDoc | undefined) => {
      const left = doc?.expiresAt ? Date.parse(doc.expiresAt) - this.services.clock.now().getTime() : 0;
      return !(doc?.subscriptionId && left > RENEW_WHEN_LEFT_MS);
    };
    if (!due(await this.services.store.get<SubscriptionDoc>('subscriptions', 'inbox'))) return;
    // Asked again under the claim: another instance may have renewed it since the read above.
    await this.renew(due);
  }

  /** Renews now (reauthorizationRequired); recreates when Graph no longer knows it. */
  async renew(stillDue: (doc: SubscriptionDoc | undefined) => boolean = () => true): Promise<void> {
    await this.exclusively(stillDue, async (doc) => {
      if (!doc.subscriptionId) return this.create();
      try {
        const renewed = await this.mailbox.renewSubscription(doc.subscriptionId, this.expiry());
        this.services.logger.info({ subscriptionId: renewed.id }, 'inbox subscription renewed');
        return renewed;
      } catch (err) {
        if (!(err instanceof SubscriptionGoneError)) throw err;
        this.services.logger.warn(
          { subscriptionId: doc.subscriptionId },
          'inbox subscription gone; recreating',
        );
        return this.create();
      }
    });
  }

  /**
   * subscriptionRemoved: make a new one (and catch up on what arrived meanwhile). A notification about a
   * subscription that was already replaced changes nothing, so a storm of them leaves one live subscription.
   */
  async recreate(removedId?: string): Promise<void> {
    let recreated = false;
    await this.exclusively(
      () => true,
      async (doc) => {
        if (removedId && doc.subscriptionId && doc.subscriptionId !== removedId && doc.expiresAt)
          return { id: doc.subscriptionId, expirationDateTime: doc.expiresAt };
        recreated = true;
        return this.create();
      },
    );
    if (recreated) await this.catchUp();
  }

  /** Relays what arrived since the last delta link; the first run only looks back SECRET_TTL_MINUTES. */
  async catchUp(): Promise<void> {
    const { store, clock, logger, settings } = this.services;
    const saved = await store.get<DeltaDoc>('subscriptions', 'inbox-delta');
    const delta = await this.mailbox.delta(saved?.deltaLink);
    const since = clock.now().getTime() - settings.secretTtlMinutes * 60_000;
    const fresh = saved
      ? delta.messages
      : delta.messages.filter((m) => !m.receivedAt || Date.parse(m.receivedAt) >= since);
    await Promise.all(fresh.map((message) => this.relayMessage(message.id)));
    // Another instance may have caught up at the same time; its link is as good as ours.
    await writeIfUnchanged(store, 'subscriptions', 'inbox-delta', saved, { deltaLink: delta.deltaLink });
    logger.info({ messages: fresh.length }, 'inbox caught up with a delta query');
  }

  /**
   * Fetches and relays messages as tracked background work (the webhook has already answered), each message on
   * its own: a batch of 100 is fetched four at a time and relayed as the relay has room, not one after another.
   */
  relayInBackground(messageIds: string[]): void {
    const handedOver = process.hrtime.bigint();
    for (const id of messageIds)
      this.services.background.run('mail relay', () => this.relayMessage(id, handedOver));
  }

  /** A lifecycle notification, handled as tracked background work (the webhook has already answered). */
  onLifecycle(event: string, subscriptionId: string | undefined): void {
    const handle =
      event === 'reauthorizationRequired'
        ? () => this.renew()
        : event === 'subscriptionRemoved'
          ? () => this.recreate(subscriptionId)
          : event === 'missed'
            ? () => this.catchUp()
            : undefined;
    if (handle) this.services.background.run(`graph lifecycle ${event}`, handle);
  }

  jobs(): PeriodicJob[] {
    let caughtUp = false;
    return [
      {
        name: 'mail-inbox-subscription',
        intervalMs: 15 * 60_000,
        run: async () => {
          await this.maintainWithAlert();
          if (!caughtUp) {
            await this.catchUp(); // once per process start: mails that came while we were down
            caughtUp = true;
          }
        },
      },
      {
        // A creation or renewal whose instance died (its claim lapsed, never released) is taken over within
        // a poll, not at the next 15-minute run. A point read when there is none; failures keep their pace.
        name: 'mail-inbox-subscription-takeover',
        intervalMs: this.services.work.pollMs,
        run: async () => {
          const doc = await this.services.store.get<SubscriptionDoc>('subscriptions', 'inbox');
          if (doc?.claim && Date.parse(doc.claim.until) <= this.services.clock.now().getTime())
            await this.maintainWithAlert(() => this.renew()); // what the dead instance was doing
        },
      },
    ];
  }

  /** A renewal that fails is told to on-call once, and cleared when a later run succeeds. */
  private async maintainWithAlert(work = () => this.maintain()): Promise<void> {
    const { alerts, settings } = this.services;
    try {
      await work();
    } catch (err) {
      await alerts.raise(
        SUBSCRIPTION_ALERT,
        `Renewing the Microsoft Graph subscription on ${settings.mailbox} failed; AWS mails may stop ` +
          `arriving here when it expires. Check the app's Graph permissions and the logs, then see ` +
          `docs/runbook.md ("Renew the mail subscription by hand"). I keep retrying every 15 minutes.`,
      );
      throw err;
    }
    await alerts.clear(SUBSCRIPTION_ALERT);
  }

  private async relayMessage(id: string, since = process.hrtime.bigint()): Promise<void> {
    try {
      // The mailbox port keeps Outlook's four concurrent requests for all instances (MailboxPermits).
      const raw = await this.mailbox.fetchRawMessage(id);
      await this.services.relay.relay(raw, 'graph', since);
    } catch (err) {
      // Deleted or moved before we got to it (or a made-up id): nothing to relay, nothing broken.
      if (err instanceof MessageGoneError)
        return this.services.logger.warn(
          { graphMessageId: id },
          'a notified message is no longer in the mailbox',
        );
      this.services.logger.error({ err, graphMessageId: id }, 'could not relay a mailbox message');
    }
  }

  private async create() {
    const { publicBaseUrl, clientState } = this.services.settings;
    if (!publicBaseUrl || !clientState) throw new Error('PUBLIC_BASE_URL and GRAPH_CLIENT_STATE are needed');
    const created = await this.mailbox.createSubscription({
      notificationUrl: `${publicBaseUrl}/api/graph/notifications`,
      lifecycleNotificationUrl: `${publicBaseUrl}/api/graph/lifecycle`,
      clientState,
      expiration: this.expiry(),
    });
    this.services.logger.info({ subscriptionId: created.id }, 'inbox subscription created');
    return created;
  }

  private expiry(): Date {
    return new Date(this.services.clock.now().getTime() + SUBSCRIPTION_MINUTES * 60_000);
  }

  /**
   * Runs `work` only if this instance wins the claim on the subscription document; the claim is renewed
   * while Graph answers (a dead instance's claim lapses within a lease).
   */
  private async exclusively(
    stillDue: (doc: SubscriptionDoc | undefined) => boolean,
    work: (doc: SubscriptionDoc) => Promise<{ id: string; expirationDateTime: string }>,
  ): Promise<void> {
    const { store, clock, logger } = this.services;
    const { leaseMs } = this.services.work;
    const claimUntil = () => ({
      by: this.instanceId,
      until: new Date(clock.now().getTime() + leaseMs).toISOString(),
    });
    const current = await store.get<SubscriptionDoc>('subscriptions', 'inbox');
    if (current?.claim && Date.parse(current.claim.until) > clock.now().getTime()) return; // someone is on it
    if (!stillDue(current)) return; // done by another instance since the caller looked
    const claimed = await writeIfUnchanged<SubscriptionDoc>(store, 'subscriptions', 'inbox', current, {
      subscriptionId: current?.subscriptionId,
      expiresAt: current?.expiresAt,
      claim: claimUntil(),
    });
    if (!claimed) return; // lost the race
    let held = claimed;
    const renewal = new RenewedClaim(
      async () => {
        const renewed = await writeIfUnchanged<SubscriptionDoc>(store, 'subscriptions', 'inbox', held, {
          subscriptionId: held.subscriptionId,
          expiresAt: held.expiresAt,
          claim: claimUntil(),
        });
        if (renewed) held = renewed;
        return !!renewed;
      },
      leaseMs,
      (err) => logger.warn({ err }, 'could not renew the claim on the inbox subscription'),
    );
    let result: { id: string; expirationDateTime: string };
    try {
      result = await work(claimed);
    } catch (err) {
      await renewal.stop();
      // Release the claim so the next run retries at once instead of after the lease.
      const released: SubscriptionDoc = { subscriptionId: held.subscriptionId, expiresAt: held.expiresAt };
      await writeIfUnchanged(store, 'subscriptions', 'inbox', held, released);
      throw err;
    }
    await renewal.stop();
    await store.replace<SubscriptionDoc>(
      'subscriptions',
      'inbox',
      { subscriptionId: result.id, expiresAt: result.expirationDateTime },
      held._etag,
    );
  }
}
