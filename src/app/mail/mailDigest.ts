import type { Logger } from '../../log/logger';
import type { ChatPort } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { ConversationDirectory } from '../conversations';
import type { PeriodicJob } from '../jobs';
import type { Leases } from '../leases';
import { mailDigestCardFor } from './mailCard';
import { dayOf, HeldMail, MailRecords } from './mailRecords';

const LEASE = 'mail-digest';

/**
 * The daily digest: service notices that had no owner to go to wait (`digest-pending`) until their UTC day is over;
 * then one instance, holding the lease, posts one card per day listing them in the on-call channel. A day without
 * such notices posts nothing.
 */
export function mailDigestJob(deps: {
  records: MailRecords;
  leases: Leases;
  conversations: ConversationDirectory;
  chat: ChatPort;
  clock: Clock;
  logger: Logger;
}): PeriodicJob {
  const { records, leases, conversations, chat, clock, logger } = deps;

  /** The days that are over, each with the notices still waiting for it. */
  const dueDays = async (): Promise<[string, HeldMail[]][]> => {
    const today = dayOf(clock.now());
    const days = new Map<string, HeldMail[]>();
    for (const mail of await records.waitingForDigest()) {
      const day = mail.digestDay ?? dayOf(new Date(mail.startedAt));
      if (day >= today) continue;
      days.set(day, [...(days.get(day) ?? []), mail]);
    }
    return [...days].sort(([a], [b]) => a.localeCompare(b));
  };

  return {
    name: 'mail-digest',
    intervalMs: 15 * 60_000,
    async run() {
      if (!(await dueDays()).length) return; // the common case: one query, no lease
      // One instance posts it; its lease is renewed while it posts and given back after.
      await leases.hold(LEASE, async () => {
        const channel = await conversations.channelFor('oncall');
        if (!channel) {
          logger.error('no on-call channel is set up; the digest of service notices waits for one');
          return;
        }
        // Read again under the lease: what another instance posted before we took it is no longer waiting.
        for (const [day, mails] of await dueDays()) {
          const posted = await chat.postToChannel(channel.reference, { card: mailDigestCardFor(day, mails) });
          for (const mail of mails) {
            await records.change(mail.mailId, (current) =>
              current.state === 'digest-pending' ? { ...current, state: 'digested', posted } : undefined,
            );
          }
          logger.info({ day, notices: mails.length }, 'daily digest of service notices posted');
        }
      });
    },
  };
}
