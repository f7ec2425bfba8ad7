import type { Logger } from '../../log/logger';
import type { ChatPort } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { PeriodicJob } from '../jobs';
import { isSecretExpired, mailAlertCardFor } from './mailCard';
import type { MailRecords } from './mailRecords';

/**
 * Deletes secrets after SECRET_TTL_MINUTES and turns their cards to "expired". Reveal checks the expiry
 * itself, so a late run only delays the card update, never the refusal. Then every secret past its expiry
 * is deleted whatever its mail's state (a relay cut off, a mail taken over): the embedded store has no TTL.
 */
export function secretExpiryJob(deps: {
  records: MailRecords;
  clock: Clock;
  logger: Logger;
  chat: ChatPort;
}): PeriodicJob {
  return {
    name: 'mail-secret-expiry',
    intervalMs: 60_000,
    async run() {
      const { records, clock, logger, chat } = deps;
      for (const mail of await records.withLiveSecrets()) {
        const now = clock.now();
        if (!isSecretExpired(mail, now)) continue;
        await records.deleteSecret(mail.mailId);
        // A mail still being relayed keeps its record as it is (its relay holds that version); its card shows
        // the expiry by the time, and the purge below has its secret.
        if (mail.state === 'processing') continue;
        const expired = await records.save(mail, { ...mail, secretState: 'expired' });
        if (!expired) continue; // changed meanwhile (a claim): the next run decides again
        if (mail.posted) {
          await chat
            .update(mail.posted, { card: mailAlertCardFor(expired, now) })
            .catch((err) => logger.warn({ err, mailId: mail.mailId }, 'could not mark the card expired'));
        }
        logger.info({ mailId: mail.mailId }, 'mail secret expired and deleted');
      }
      for (const secret of await records.expiredSecrets()) {
        await records.deleteSecret(secret.mailId);
        logger.info({ mailId: secret.mailId }, 'expired secret purged');
      }
    },
  };
}
