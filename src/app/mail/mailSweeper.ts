import type { Logger } from '../../log/logger';
import type { PeriodicJob } from '../jobs';
import type { Leases } from '../leases';
import type { MailRecords } from './mailRecords';
import type { MailRelay } from './mailRelay';

/**
 * Finishes mails whose relay did not: the process died mid-way, or Teams refused the post and the mail's
 * wait (backoff) is over. Any instance may run it; the `mail-sweeper` lease keeps two from sweeping at once,
 * and each mail is retaken by etag (MailRelay.resume), so a mail is finished by one of them. A relay renews
 * its claim while it works, so what is found here lapsed: its process died, or its retry is due.
 */
export function mailSweeperJob(deps: {
  records: MailRecords;
  relay: Pick<MailRelay, 'resume'>;
  leases: Leases;
  logger: Logger;
  /** MAIL_RELAY_LEASE_SECONDS in ms: the sweep runs a few times per lease. */
  leaseMs: number;
  /** Whether an on-call channel is set up: then mails kept for want of one are posted now. */
  onCallReady: () => Promise<boolean>;
}): PeriodicJob {
  const intervalMs = Math.max(1000, Math.min(30_000, Math.floor(deps.leaseMs / 2)));
  return {
    name: 'mail-sweeper',
    intervalMs,
    async run() {
      const { records, relay, leases, logger } = deps;
      // One sweeper at a time; its lease is renewed while it sweeps and given back after.
      await leases.hold('mail-sweeper', async () => {
        const onCallReady = await deps.onCallReady();
        for (const mail of await records.stuck(200, { onCallReady })) {
          const outcome = await relay
            .resume(mail)
            .catch((err) => logger.error({ err, mailId: mail.mailId }, 'could not finish a stuck mail'));
          if (outcome) logger.info({ mailId: mail.mailId, outcome: outcome.outcome }, 'stuck mail retaken');
        }
      });
    },
  };
}
