import { InvalidAddressInputError } from '../domain/addressErrors';
import type { Owner } from '../domain/addressRecords';
import type { DirectoryPort } from '../ports/directory';

/** A UPN or Entra object id, looked up in the directory so the record keeps a name people recognise. */
export async function resolveOwner(directory: DirectoryPort, text: string): Promise<Owner> {
  const wanted = text.trim();
  if (!wanted)
    throw new InvalidAddressInputError('Say who: a UPN like alice@contoso.com or an Entra object id.');
  const user = await directory.getUser(wanted);
  if (!user)
    throw new InvalidAddressInputError(
      `I can't find \`${wanted.slice(0, 80)}\` in the directory: check the UPN or object id.`,
    );
  return { id: user.id, upn: user.userPrincipalName?.toLowerCase(), name: user.displayName };
}
