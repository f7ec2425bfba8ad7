import type { AddressRecord, Owner } from '../../domain/addressRecords';
import { restoredNote, retiredNote, transferNotes } from '../../domain/addressWording';
import type { Logger } from '../../log/logger';
import type { ChatPort } from '../../ports/chat';
import type { ConversationDirectory } from '../conversations';
import { Reach, sendToUser } from '../personalChats';

/**
 * Tells the people an address change concerns, in their personal chat with the bot: the owner when
 * someone else retired or restored it, the new (and the previous) owner of a transfer. Nobody is told
 * what they did themselves. A person the bot cannot reach is logged, never a reason to undo the change.
 */
export class AddressNotices {
  constructor(
    private readonly deps: { chat: ChatPort; conversations: ConversationDirectory; logger: Logger },
  ) {}

  async retired(
    record: AddressRecord,
    by: { id: string; name: string },
    reason: string | undefined,
    reach: Reach,
  ) {
    await this.tell(record.owner, by, retiredNote(record, by.name, reason), reach, record);
  }

  async transferred(
    record: AddressRecord,
    previous: Owner | undefined,
    by: { id: string; name: string },
    reach: Reach,
  ) {
    const notes = transferNotes(record, previous, by);
    await this.tell(record.owner, by, notes.newOwner, reach, record);
    if (previous?.id !== record.owner?.id) await this.tell(previous, by, notes.previousOwner, reach, record);
  }

  async restored(record: AddressRecord, by: { id: string; name: string }, reach: Reach) {
    await this.tell(record.owner, by, restoredNote(record, by.name), reach, record);
  }

  private async tell(
    person: Owner | undefined,
    by: { id: string },
    text: string,
    reach: Reach,
    record: AddressRecord,
  ): Promise<void> {
    if (!person?.id || person.id === by.id) return;
    await sendToUser(this.deps, person.id, reach, { text }).catch((err) => {
      this.deps.logger.warn(
        { err, userId: person.id, address: record.address },
        'could not tell a person about a change to their address',
      );
    });
  }
}
