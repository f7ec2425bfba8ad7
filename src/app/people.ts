import { InvalidAddressInputError } from '../domain/addressErrors';
import type { Owner } from '../domain/addressRecords';
import type { DirectoryPort, DirectoryUser } from '../ports/directory';

/**
 * A person by display name, UPN, mail or Entra object id, looked up in the directory so the record keeps a
 * name people recognise. A name that matches several people is refused naming them (the chat asks with a
 * card instead; an API caller says which).
 */
export async function resolveOwner(directory: DirectoryPort, text: string): Promise<Owner> {
  const wanted = text.trim();
  if (!wanted)
    throw new InvalidAddressInputError(
      'Say who: a name, a UPN like alice@contoso.com, a mail or an Entra object id.',
    );
  const people = await findPeople(directory, wanted);
  if (!people.length)
    throw new InvalidAddressInputError(
      `I can't find “${wanted.slice(0, 80)}” in the directory: give a display name, UPN, mail or Entra object id.`,
    );
  if (people.length > 1)
    throw new InvalidAddressInputError(
      `“${wanted.slice(0, 80)}” matches several people (${people.slice(0, 5).map(personLabel).join(', ')}): give the UPN or object id.`,
    );
  return ownerOf(people[0]);
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Everyone a person could mean by `text`: an object id, UPN or mail (the one person it names), else the
 * people whose display name, a word of it, UPN or mail starts with it — those whose whole display name it
 * is first, so "Megan Bowen" is one person even where "Megan Bowers" exists too.
 */
export async function findPeople(
  directory: DirectoryPort,
  text: string,
  limit = 10,
): Promise<DirectoryUser[]> {
  const wanted = text.trim().replace(/\s+/g, ' ').slice(0, 120);
  if (!wanted) return [];
  // One word may be an id, UPN or mail (the directory's own ids need not be GUID-shaped: the local one's).
  if (!/\s/.test(wanted)) {
    const one = await directory.getUser(wanted);
    if (one) return [one];
    if (OBJECT_ID.test(wanted)) return [];
  }
  const found = await directory.findUsers(wanted, limit);
  const exact = found.filter((u) => u.displayName?.toLowerCase() === wanted.toLowerCase());
  return exact.length ? exact : found;
}

/** A person as a picker or a confirmation names them: display name and UPN. */
export function personLabel(user: DirectoryUser): string {
  const name = user.displayName ?? user.userPrincipalName ?? user.id;
  return user.userPrincipalName && user.displayName ? `${name} (${user.userPrincipalName})` : name;
}

export function ownerOf(user: DirectoryUser): Owner {
  return { id: user.id, upn: user.userPrincipalName?.toLowerCase(), name: user.displayName };
}
