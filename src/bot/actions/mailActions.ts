import { isOnCall } from '../../app/mail/onCall';
import { isSecretExpired, mailAlertCardFor, mailSecretCardFor } from '../../app/mail/mailCard';
import type { MailRecord, SecretRecord } from '../../app/mail/mailRecords';
import { ConflictError, Stored } from '../../ports/documentStore';
import { UserFacingError } from '../RootMailBot';
import type { CardActionContext, CardActionHandler } from '../types';

const NOT_ON_CALL = 'Only on-call (members of the on-call team) can do this. Your attempt was recorded.';

async function mailOf(ctx: CardActionContext): Promise<Stored<MailRecord>> {
  const mailId = typeof ctx.data.mailId === 'string' ? ctx.data.mailId : '';
  const mail = /^[0-9a-f]{64}$/.test(mailId)
    ? await ctx.services.store.get<MailRecord>('mails', mailId)
    : undefined;
  if (!mail) throw new UserFacingError('I have no record of that mail any more.');
  return mail;
}

async function refuse(ctx: CardActionContext, mailId: string, action: string, detail: string) {
  await ctx.services.audit.record({
    subject: `mail:${mailId}`,
    action,
    actorId: ctx.actor.id,
    actorName: ctx.actor.name,
    detail,
  });
}

/** Reveal: shows the code or link to one on-call engineer only; the channel card stays masked. */
export const revealMailAction: CardActionHandler = {
  verb: 'mail.reveal',
  async handle(ctx) {
    const { services, actor } = ctx;
    const mail = await mailOf(ctx);
    if (!(await isOnCall(services, actor.id))) {
      await refuse(ctx, mail.mailId, 'mail.reveal.refused', 'not on call');
      return { message: NOT_ON_CALL };
    }
    const secret =
      mail.authenticity === 'trusted' && !isSecretExpired(mail, services.clock.now())
        ? await services.store.get<SecretRecord>('secrets', mail.mailId)
        : undefined;
    if (!secret) {
      await refuse(ctx, mail.mailId, 'mail.reveal.refused', 'expired or withheld');
      return { message: 'This code or link has expired (or was withheld); it can no longer be revealed.' };
    }
    await services.audit.record({
      subject: `mail:${mail.mailId}`,
      action: 'mail.reveal',
      actorId: actor.id,
      actorName: actor.name,
      detail: `${mail.mailClass} for ${mail.address ?? 'an unrouted address'}`,
    });
    const card = mailSecretCardFor(mail, secret);
    if (!ctx.viaSubmit) return { card };
    // Action.Submit cannot answer one user alone: the secret goes to the clicker's personal chat instead.
    const personal = await services.conversations.personalChatOf(actor.id);
    const serviceUrl = ctx.turn.activity.serviceUrl;
    if (personal) await services.chat.post(personal.reference, { card });
    else if (actor.tenantId)
      await services.chat.postToUser(
        { aadObjectId: actor.id, tenantId: actor.tenantId, serviceUrl },
        { card },
      );
    return { message: `${actor.name}: I sent it to you in a personal chat.` };
  },
};

/** Hide: back from the revealed view to the channel card (for that user only). */
export const hideMailAction: CardActionHandler = {
  verb: 'mail.hide',
  async handle(ctx) {
    const mail = await mailOf(ctx);
    return { card: mailAlertCardFor(mail, ctx.services.clock.now()) };
  },
};

/** Claim ("I'm on it"): the channel card shows, for everyone, who took the task and when. */
export const claimMailAction: CardActionHandler = {
  verb: 'mail.claim',
  async handle(ctx) {
    const { services, actor } = ctx;
    let mail = await mailOf(ctx);
    if (!(await isOnCall(services, actor.id))) {
      await refuse(ctx, mail.mailId, 'mail.claim.refused', 'not on call');
      return { message: NOT_ON_CALL };
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      if (mail.claimedBy) {
        return { message: `${mail.claimedBy.name} already claimed this at ${mail.claimedBy.at}.` };
      }
      const claimed: MailRecord = {
        ...mail,
        claimedBy: { id: actor.id, name: actor.name, at: services.clock.now().toISOString() },
      };
      try {
        await services.store.replace('mails', mail.mailId, claimed, mail._etag);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        mail = await mailOf(ctx); // someone else changed it first: read again and decide again
        continue;
      }
      const card = mailAlertCardFor(claimed, services.clock.now());
      if (mail.posted) await services.chat.update(mail.posted, { card });
      await services.audit.record({
        subject: `mail:${mail.mailId}`,
        action: 'mail.claim',
        actorId: actor.id,
        actorName: actor.name,
      });
      return { card };
    }
    throw new UserFacingError('The card changed while you clicked; please try again.');
  },
};
