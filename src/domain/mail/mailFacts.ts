/** What the classifier is told about one mail: read from its headers and body by the app, nothing else. */
export interface MailFacts {
  /** The From address. */
  fromAddress: string;
  /** The From display name ("Amazon Web Services"): free text, never trusted, only a claim. */
  fromName?: string;
  subject?: string;
  /** All Authentication-Results header values, topmost (added last, by our own boundary) first. */
  authenticationResults: string[];
  /** Resent-From / Resent-Sender addresses: present when the copy was redirected on the way. */
  resentFrom: string[];
  /** List-Unsubscribe / List-Id values and Precedence: what marks mail sent to many (newsletters, marketing). */
  listUnsubscribe?: string;
  listId?: string;
  precedence?: string;
  /** Auto-Submitted (RFC 3834): `auto-generated` for machine-made mail. */
  autoSubmitted?: string;
  text: string;
  html: string;
  /** Domains that are ours (the mailbox's, the plus address's): a redirect by them is an internal hop. */
  internalDomains: string[];
}

/** Sent to many rather than to this one account: a mailing list, newsletter or marketing mail. */
export function isBulk(facts: Pick<MailFacts, 'listUnsubscribe' | 'listId' | 'precedence'>): boolean {
  return (
    !!facts.listUnsubscribe?.trim() ||
    !!facts.listId?.trim() ||
    /\b(bulk|list|junk)\b/i.test(facts.precedence ?? '')
  );
}
