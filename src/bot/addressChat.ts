import type { AddressActor } from '../app/addressService';
import type { AppServices } from '../app/services';
import { AddressError } from '../domain/addressErrors';
import { UserFacingError } from './RootMailBot';
import type { Actor } from './types';

/** The chat edge of the address feature: who acts, and address errors turned into answers users can act on. */

export function addressActor(actor: Actor, services: AppServices): AddressActor {
  return { id: actor.id, name: actor.name, admin: services.isAdmin(actor.id) };
}

export async function answeringAddressErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AddressError) throw new UserFacingError(err.message);
    throw err;
  }
}

/** Splits `word rest of text` into its first argument and the rest. */
export function splitArgs(args: string): [string, string] {
  const match = /^(\S*)\s*(.*)$/s.exec(args.trim());
  return [match?.[1] ?? '', match?.[2]?.trim() ?? ''];
}
