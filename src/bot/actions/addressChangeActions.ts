import { ownerOf, personLabel } from '../../app/people';
import { addressRecordCard, transferConfirmCard } from '../../cards/addressCards';
import { describeOwner } from '../../domain/addressChanges';
import { InvalidAddressInputError } from '../../domain/addressErrors';
import { VERBS } from '../../cards/verbs';
import { reachOf } from '../requestSubmission';
import type { CardActionContext, CardActionHandler } from '../types';

/** The confirmation cards of `retire` and `transfer`: each button acts as the person who clicked it. */

const field = (ctx: CardActionContext, name: string, max = 200) =>
  typeof ctx.data[name] === 'string' ? (ctx.data[name] as string).trim().slice(0, max) : '';

/** The person a button names, as the directory knows them now. */
async function personFrom(ctx: CardActionContext) {
  const id = field(ctx, 'ownerId', 80);
  const person = id ? await ctx.services.directory.getUser(id) : undefined;
  if (!person)
    throw new InvalidAddressInputError('That person is no longer in the directory; nothing was changed.');
  return person;
}

export const addressRetireAction: CardActionHandler = {
  verb: VERBS.addressRetire,
  async handle(ctx) {
    const { actor, services } = ctx;
    const reason = field(ctx, 'reason') || undefined;
    const record = await services.addresses.retire(field(ctx, 'address'), reason, actor);
    const heading =
      record.state === 'quarantined'
        ? `Retired${reason ? ` (${reason})` : ''}: in quarantine until ${record.quarantineUntil?.slice(0, 10)}, then back in the pool`
        : `Retired for good${reason ? ` (${reason})` : ''}: a plus address is never handed out again`;
    return {
      card: addressRecordCard(heading, record),
      followUp: () => services.addressNotices.retired(record, actor, reason, reachOf(ctx)),
    };
  },
};

export const addressTransferChooseAction: CardActionHandler = {
  verb: VERBS.addressTransferChoose,
  async handle(ctx) {
    const record = await ctx.services.addresses.changeable(field(ctx, 'address'), ctx.actor);
    const person = await personFrom(ctx);
    return { card: transferConfirmCard(record, { id: person.id, label: personLabel(person) }) };
  },
};

export const addressTransferAction: CardActionHandler = {
  verb: VERBS.addressTransfer,
  async handle(ctx) {
    const { actor, services } = ctx;
    const before = await services.addresses.changeable(field(ctx, 'address'), actor);
    const person = await personFrom(ctx);
    const record = await services.addresses.transfer(before.address, ownerOf(person), actor);
    return {
      card: addressRecordCard(`Transferred to ${describeOwner(record.owner)}`, record),
      followUp: () => services.addressNotices.transferred(record, before.owner, actor, reachOf(ctx)),
    };
  },
};

export const addressKeepAction: CardActionHandler = {
  verb: VERBS.addressKeep,
  async handle(ctx) {
    const record = await ctx.services.addresses.get(field(ctx, 'address')).catch(() => undefined);
    return record ? { card: addressRecordCard('Nothing changed', record) } : { text: 'Nothing changed.' };
  },
};
