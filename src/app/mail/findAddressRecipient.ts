import type { AddressRecord } from '../../domain/addressRecords';
import type { DocumentStore } from '../../ports/documentStore';

/**
 * Which of our addresses a mail was sent to. Reads the address records straight from the store by id
 * (document id = lower-case address). Full address first; then, for plus addresses, the tag re-attached to
 * the configured PLUS_ADDRESS base (a mail may name the base under another alias or case).
 */
export async function findAddressRecipient(
  store: DocumentStore,
  recipients: readonly string[],
  plusAddress: string | undefined,
): Promise<AddressRecord | undefined> {
  for (const address of recipients) {
    const record = await store.get<AddressRecord>('addresses', address.toLowerCase());
    if (record) return record;
  }
  if (!plusAddress) return undefined;
  const [baseLocal, baseDomain] = plusAddress.toLowerCase().split('@');
  for (const address of recipients) {
    const match = /^[^+@]+\+([^@]+)@(.+)$/.exec(address.toLowerCase());
    if (!match || match[2] !== baseDomain) continue;
    const candidate = `${baseLocal}+${match[1]}@${baseDomain}`;
    if (candidate === address.toLowerCase()) continue;
    const record = await store.get<AddressRecord>('addresses', candidate);
    if (record) return record;
  }
  return undefined;
}
