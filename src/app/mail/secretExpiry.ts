import { ConflictError } from '../../ports/documentStore';
import type { BackgroundJob } from '../jobs';
import type { AppServices } from '../services';
import { isSecretExpired, mailAlertCardFor } from './mailCard';
import type { MailRecord } from './mailRecords';

/**
 * Deletes secrets after SECRET_TTL_MINUTES and turns their cards to "expired". Reveal checks the expiry
 * itself, so a late run only delays the card update, never the refusal.
 */
export function secretExpiryJob(
  services: Pick<AppServices, 'store' | 'clock' | 'logger' | 'chat'>,
): BackgroundJob {
  return {
    name: 'mail-secret-expiry',
    intervalMs: 60_000,
    async run() {
      const { store, clock, logger, chat } = services;
      const live = await store.query<MailRecord>('mails', { secretState: 'live' });
      for (const mail of live) {
        const now = clock.now();
        if (!isSecretExpired(mail, now)) continue;
        await store.delete('secrets', mail.mailId);
        const expired: MailRecord = { ...mail, secretState: 'expired' };
        try {
          await store.replace('mails', mail.mailId, expired, mail._etag);
        } catch (err) {
          if (err instanceof ConflictError) continue; // changed meanwhile (a claim): next run decides again
          throw err;
        }
        if (mail.posted) {
          await chat
            .update(mail.posted, { card: mailAlertCardFor(expired, now) })
            .catch((err) => logger.warn({ err, mailId: mail.mailId }, 'could not mark the card expired'));
        }
        logger.info({ mailId: mail.mailId }, 'mail secret expired and deleted');
      }
    },
  };
}
