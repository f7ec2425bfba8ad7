import { addressListCard, addressRecordCard } from '../../cards/addressCards';
import type { AppServices } from '../../app/services';
import type { AddressRecord } from '../../domain/addressRecords';
import type { DirectoryUser } from '../../ports/directory';
import type { CommandHandler, Reply } from '../types';

const SHOWN = 20;
const PEOPLE = 5;

/**
 * `whois <text>`: an AWS account id or an address by point read; otherwise the start of an account name,
 * address, UPN, owner name or account id (AddressRegistry.search), and the people the directory finds by
 * name or UPN with what they own. Free pool aliases are left out unless asked for by their exact address.
 */
export const whoisCommand: CommandHandler = {
  name: 'whois',
  trigger: /^(whois|lookup|find|search)$/i,
  aliases: ['lookup', 'find', 'search'],
  usage: 'whois <account name | aws-account-id | address | person>',
  summary: 'Find an address by account name, AWS account id, address, or its owner (name or UPN)',
  async handle({ args, services }) {
    const text = args.trim().replace(/\s+/g, ' ').slice(0, 80);
    const first = text.split(' ')[0];
    if (!text)
      return {
        text: 'Say what to look up: `whois payments-prod`, `whois 123456789012`, `whois aws-k3x9@contoso.com`, `whois alice@contoso.com` or `whois Alice`.',
      };
    if (/^\d{12}$/.test(first)) {
      const record = await services.addresses.byAwsAccountId(first);
      return record
        ? recordReply(services, record)
        : { text: `No address is linked to AWS account ${first}.` };
    }
    if (first.includes('@')) {
      const record = await services.addresses.get(first).catch(() => undefined);
      if (record) return recordReply(services, record);
    }

    const found = new Map<string, AddressRecord>();
    for (const record of await services.addresses.search(text, { limit: SHOWN }))
      if (record.state !== 'available') found.set(record.address, record);
    // People by name or UPN (a directory that cannot be asked just now leaves the records' own matches).
    const people: DirectoryUser[] = await services.directory.findUsers(text, PEOPLE).catch((err) => {
      services.logger.warn({ err }, 'whois: the directory could not be searched; records only');
      return [];
    });
    for (const person of people)
      for (const record of await services.addresses.byOwner(person.id)) found.set(record.address, record);

    const records = [...found.values()].sort((a, b) => a.address.localeCompare(b.address));
    if (records.length === 1) return recordReply(services, records[0]);
    if (records.length > 1) {
      const shown = records.slice(0, SHOWN);
      const note =
        records.length > SHOWN ? `Showing ${SHOWN} of ${records.length}; say more to narrow it.` : '';
      return { card: addressListCard(`Found for “${text}”`, shown, note) };
    }
    if (people.length)
      return {
        text: `${people.map(describePerson).join(', ')} ${people.length === 1 ? 'owns' : 'own'} no address.`,
      };
    return { text: `I found no address, account or person matching \`${text}\`.` };
  },
};

/** One record, with its AWS account's root user as last audited (when AWS is configured and it was). */
async function recordReply(services: AppServices, record: AddressRecord): Promise<Reply> {
  const rootUser = await services.aws?.postures.get(record.awsAccountId);
  return { card: addressRecordCard('Address record', record, rootUser) };
}

function describePerson(user: DirectoryUser): string {
  const name = user.displayName ?? user.userPrincipalName ?? user.id;
  return user.userPrincipalName && user.displayName ? `${name} (${user.userPrincipalName})` : name;
}
