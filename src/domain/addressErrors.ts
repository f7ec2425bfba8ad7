/**
 * What can go wrong with an address operation, as types the chat and HTTP edges translate: the message is
 * written for the person who can fix it, `status` is the HTTP status the API answers with.
 */
export class AddressError extends Error {
  readonly status: number = 400;
  readonly title: string = 'Bad Request';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that breaks a rule (address format, account name, account id, CSV lines). */
export class InvalidAddressInputError extends AddressError {}

export class UnknownAddressError extends AddressError {
  override readonly status = 404;
  override readonly title = 'Not Found';
}

/** The change contradicts the record's current state (retired twice, account id taken, name used). */
export class AddressConflictError extends AddressError {
  override readonly status = 409;
  override readonly title = 'Conflict';
}

/** Only the owner or an admin may change a record. */
export class NotAllowedError extends AddressError {
  override readonly status = 403;
  override readonly title = 'Forbidden';
}

/** No free alias is left in any mailbox; an admin has to import more (see `npm run pool:plan`). */
export class PoolExhaustedError extends AddressError {
  override readonly status = 503;
  override readonly title = 'Pool Exhausted';
  constructor(
    message = 'The address pool is exhausted: no free alias is left. An admin needs to import more aliases (npm run pool:plan, then pool:import).',
  ) {
    super(message);
  }
}

/**
 * One root address per account: the account name (or AWS account id) already has an assigned address. Says
 * which and whose, and the two ways to a new one (transfer or retire the old one).
 */
export class AccountHasAddressError extends AddressConflictError {
  constructor(
    readonly accountName: string,
    readonly existing: { address: string; ownerName?: string },
  ) {
    super(
      `${accountName} already has a root address: ${existing.address}` +
        (existing.ownerName ? `, owned by ${existing.ownerName}` : '') +
        `. One AWS account has one root address: transfer that one (transfer ${existing.address} <person>)` +
        ` or retire it (retire ${existing.address} <reason>) first.`,
    );
  }
}
