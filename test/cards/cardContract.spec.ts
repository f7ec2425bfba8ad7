import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import {
  mailAlertCardFor,
  mailBurstCardFor,
  mailDigestCardFor,
  mailSecretCardFor,
  ownerMailCardFor,
} from '../../src/app/mail/mailCard';
import type { MailRecord } from '../../src/app/mail/mailRecords';
import { cardActionHandlers } from '../../src/bot/actions';
import { commandHandlers } from '../../src/bot/commands';
import {
  addressListCard,
  addressRecordCard,
  personPickCard,
  retireConfirmCard,
  transferConfirmCard,
  auditTrailCard,
  poolStatusCard,
} from '../../src/cards/addressCards';
import { helpCard, welcomeCard } from '../../src/cards/cardTemplates';
import {
  approvalCard,
  requestFormCard,
  requestResultCard,
  requestStatusCard,
} from '../../src/cards/requestCards';
import { statusCard } from '../../src/cards/statusCard';
import {
  awsAdoptionCard,
  awsFindingCard,
  driftDigestCard,
  reconcileSummaryCard,
} from '../../src/cards/awsCards';
import type { Adoption } from '../../src/domain/adoptions';
import type { DriftFinding } from '../../src/domain/reconciliation';
import type { ReconcileRun } from '../../src/domain/reconcileRuns';
import { VERBS } from '../../src/cards/verbs';
import { rootAccessCard, RootAccessView } from '../../src/cards/rootAccessCards';
import { newRootAccess, RootAccess } from '../../src/domain/rootAccess';
import type { AddressRecord } from '../../src/domain/addressRecords';
import type { AddressRequest } from '../../src/domain/addressRequests';
import { adaptiveCardProblems } from '../support/adaptiveCardProblems';

/**
 * The card contract: every template in src/cards is a sound Adaptive Card, every verb a template uses has
 * exactly one handler and every handler's verb is used; and no user- or mail-supplied text can become a
 * link, emphasis or a list on any card.
 */
const CARDS_DIR = path.join(__dirname, '..', '..', 'src', 'cards');
const templates = readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json'));
const NOW = new Date('2026-06-01T10:00:00Z');

/** Every card, built by its own function, with `text` wherever a person or a mail supplies text. */
function everyCard(text: string): Record<string, object[]> {
  const owner = { id: 'owner-id', upn: 'owner@contoso.com', name: text };
  const record: AddressRecord = {
    address: 'aws_3f9a2c71@contoso.com',
    mailbox: 'pool-1@contoso.com',
    strategy: 'pool',
    state: 'assigned',
    accountName: 'payments-prod',
    awsAccountId: '123456789012',
    owner,
    purpose: text,
    history: [],
  };
  const request: AddressRequest = {
    requestId: 'req-0a1b2c3d',
    accountName: 'payments-prod',
    environment: 'prod',
    purpose: text,
    costCentre: 'CC-42',
    requester: { id: 'alice', name: text },
    origin: 'chat',
    approvers: [{ id: 'bob', name: text }],
    approverSource: 'manager',
    state: 'pending',
    createdAt: NOW.toISOString(),
    remindAt: NOW.toISOString(),
    expiresAt: NOW.toISOString(),
    cardCopies: [],
    steps: [],
    workPending: false,
    stepClaims: {},
  };
  const decided: AddressRequest = {
    ...request,
    state: 'fulfilled',
    address: record.address,
    decision: { outcome: 'approved', by: { id: 'bob', name: text }, at: NOW.toISOString(), comment: text },
  };
  const mail: MailRecord = {
    mailId: 'a'.repeat(64),
    state: 'posted',
    startedAt: NOW.toISOString(),
    source: 'graph',
    mailClass: 'verification',
    authenticity: 'suspicious',
    reasons: [text],
    from: text,
    recipients: [text],
    secretType: 'code',
    secretState: 'live',
    expiresAt: new Date(NOW.getTime() + 60_000).toISOString(),
    claimedBy: { id: 'dave', name: text, at: NOW.toISOString() },
  };
  const trusted: MailRecord = {
    ...mail,
    authenticity: 'trusted',
    reasons: [],
    address: record.address,
    owner,
    claimedBy: undefined,
  };
  // Records as the relay writes them since issue 11: one per way a mail reaches the on-call channel or an owner.
  const routed: MailRecord = {
    mailId: 'b'.repeat(64),
    state: 'posted',
    startedAt: NOW.toISOString(),
    source: 'graph',
    class: 'secret',
    kind: 'signup-code',
    routing: 'oncall-secret',
    destination: 'oncall-secret',
    trust: 'trusted',
    reasons: [],
    subject: text,
    from: text,
    address: record.address,
    recipients: [text],
    accountName: text,
    awsAccountId: '123456789012',
    owner,
    secretType: 'code',
    secretState: 'live',
    expiresAt: new Date(NOW.getTime() + 60_000).toISOString(),
  };
  const asRouted = (change: Partial<MailRecord>): MailRecord => ({
    ...routed,
    secretType: undefined,
    secretState: 'none',
    expiresAt: undefined,
    ...change,
  });
  const newStyle: MailRecord[] = [
    routed,
    { ...routed, claimedBy: { id: 'dave', name: text, at: NOW.toISOString() } },
    asRouted({
      class: 'security',
      kind: 'abuse-report',
      routing: 'oncall-urgent',
      destination: 'oncall-urgent',
    }),
    asRouted({
      class: 'security',
      kind: 'compromised-credentials',
      routing: 'oncall-urgent',
      destination: 'oncall-urgent',
      address: undefined,
      owner: undefined,
    }),
    ...(['unknown', 'left', 'unreachable'] as const).map((ownerStatus) =>
      asRouted({
        class: 'account-billing',
        kind: 'payment-failed',
        routing: 'owner-else-oncall',
        destination: 'oncall-if-no-owner',
        ownerStatus,
      }),
    ),
    asRouted({
      class: 'aws-other',
      kind: 'aws-other',
      routing: 'oncall-aws-mail',
      destination: 'oncall-aws-mail',
    }),
    ...(['code', 'link', undefined] as const).map((withheld) =>
      asRouted({
        class: 'suspicious',
        kind: 'signup-code',
        routing: 'oncall-warning',
        destination: 'oncall-warning',
        trust: 'suspicious',
        reasons: [text, text],
        withheld,
      }),
    ),
  ];
  const notice = asRouted({
    state: 'digest-pending',
    class: 'service-notice',
    kind: 'health-event',
    routing: 'owner-else-digest',
    destination: 'digest',
  });
  const pool = {
    strategy: 'pool' as const,
    mailboxes: [
      {
        mailbox: 'pool-1@contoso.com',
        displayName: text,
        capacity: 300,
        free: 1,
        assigned: 298,
        quarantined: 1,
      },
    ],
    totals: { capacity: 300, free: 1, assigned: 298, quarantined: 1 },
    low: true,
  };
  const base = { fingerprint: 'f', summary: text };
  const findings: DriftFinding[] = [
    {
      ...base,
      kind: 'ended-account-still-assigned',
      subject: 's1',
      suggestion: 'retire',
      address: record.address,
      owner,
      accountId: '123456789012',
      accountName: text,
      accountState: 'CLOSED',
    },
    {
      ...base,
      kind: 'assigned-address-unused',
      subject: 's2',
      suggestion: 'review',
      address: record.address,
      owner,
      assignedAt: NOW.toISOString(),
      daysAssigned: 20,
    },
    {
      ...base,
      kind: 'account-not-in-registry',
      subject: 's3',
      suggestion: 'adopt',
      accountId: '123456789012',
      accountName: text,
      accountEmail: text,
      accountState: 'ACTIVE',
      isManagementAccount: false,
    },
    {
      ...base,
      kind: 'account-id-mismatch',
      subject: 's4',
      suggestion: 'review',
      address: record.address,
      registryAccountId: '123456789012',
      organizationsAccountId: '210987654321',
      organizationsEmail: text,
    },
    {
      ...base,
      kind: 'unassigned-address-in-use',
      subject: 's5',
      suggestion: 'link',
      address: record.address,
      recordState: 'available',
      accountId: '123456789012',
      accountName: text,
      accountState: 'ACTIVE',
    },
    {
      ...base,
      kind: 'linked-account-not-in-organization',
      subject: 's6',
      suggestion: 'review',
      address: record.address,
      owner,
      registryAccountId: '123456789012',
    },
  ];
  const adoption: Adoption = {
    adoptionId: 'adp-0a1b2c3d',
    accountId: '210987654321',
    accountName: text,
    previousEmail: text,
    requester: { id: 'carol', name: text },
    state: 'awaiting-code',
    requestId: 'req-0a1b2c3d',
    address: record.address,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    codeRequestedAt: NOW.toISOString(),
    codeDeadline: NOW.toISOString(),
    codeRequests: 1,
    cardCopies: [],
    steps: [],
    workPending: false,
    stepClaims: {},
  };
  const run: ReconcileRun = {
    runId: 'rec-1',
    trigger: 'chat',
    by: { id: 'carol', name: text },
    startedAt: NOW.toISOString(),
    state: 'done',
    accounts: 2500,
    records: 3000,
    known: 2400,
    autoLinked: 3,
    autoLinkFailed: 1,
    findings: 6,
    byKind: { 'account-not-in-registry': 5, 'ended-account-still-assigned': 1 },
    reported: 6,
    resolved: 0,
    unchanged: 0,
    unposted: 2,
  };
  const asked = newRootAccess({
    id: 'ra-0a1b2c3d',
    kind: 'session',
    account: {
      id: '123456789012',
      name: 'payments-prod',
      awsName: text,
      rootEmail: record.address,
      owner: { id: 'o', name: text },
    },
    reason: text,
    requester: { id: 'alice', name: text },
    origin: 'chat',
    approvers: [{ id: 'bob', name: text }],
    approverSource: 'manager',
    postureWhenAsked: text,
    now: NOW,
    expiryHours: 72,
  });
  const decision = {
    outcome: 'approved' as const,
    by: { id: 'bob', name: text },
    at: NOW.toISOString(),
    comment: text,
  };
  const at = NOW.toISOString();
  const clean = { password: false, accessKeys: [], mfaDevices: [], signingCertificates: [] };
  const accesses: [RootAccess, RootAccessView][] = [
    [asked, 'approver'],
    [asked, 'status'],
    [asked, 'requester'],
    [{ ...asked, state: 'approved', decision, startBy: at }, 'requester'],
    [{ ...asked, state: 'open', decision, startedAt: at, endsAt: at, before: clean }, 'requester'],
    [
      {
        ...asked,
        state: 'open',
        decision,
        startedAt: at,
        endsAt: at,
        handedMails: [{ mailId: 'm', kind: 'password-reset', at }],
      },
      'oncall',
    ],
    [
      {
        ...asked,
        state: 'closing',
        decision,
        ended: { how: 'done', by: { id: 'alice', name: text }, at },
        toRemove: {
          password: true,
          accessKeyIds: ['AKIA0000EXAMPLE1'],
          signingCertificateIds: [],
          mfaSerialNumbers: ['m'],
        },
      },
      'status',
    ],
    [
      {
        ...asked,
        state: 'closed',
        decision,
        closed: { outcome: 'done', at },
        toRemove: { password: true, accessKeyIds: [], signingCertificateIds: [], mfaSerialNumbers: [] },
        after: clean,
      },
      'requester',
    ],
    [{ ...asked, state: 'closed', closed: { outcome: 'refused-by-aws', at, problem: text } }, 'oncall'],
    [
      {
        ...asked,
        kind: 'removal',
        removal: { mfa: true },
        state: 'closed',
        decision,
        closed: { outcome: 'rejected', at },
      },
      'status',
    ],
  ];
  const settings = { minutes: 60, startHours: 4 };
  return {
    'rootAccess.json': accesses.map(([access, view]) => rootAccessCard(access, view, settings, text)),
    'awsFinding.json': [
      ...findings.map((f) => awsFindingCard(f, 'open', text)),
      awsFindingCard(findings[0], 'done', text),
    ],
    'awsAdoption.json': [
      awsAdoptionCard(adoption, text),
      awsAdoptionCard({
        ...adoption,
        state: 'ended',
        ended: { reason: 'code-rejected', at: NOW.toISOString(), problem: text },
      }),
    ],
    'awsReconcile.json': [
      reconcileSummaryCard(run, text),
      reconcileSummaryCard({ ...run, state: 'failed', error: text }),
      driftDigestCard(findings, 3),
    ],
    'addressList.json': [addressListCard(text, [record], text)],
    'addressRecord.json': [addressRecordCard(text, record)],
    'addressRetireConfirm.json': [
      retireConfirmCard(record, text, text),
      retireConfirmCard(record, undefined, text),
    ],
    'addressTransferConfirm.json': [transferConfirmCard(record, { id: text, label: text })],
    'personPick.json': [
      personPickCard(record.address, text, [
        { id: text, label: text },
        { id: 'b', label: text },
      ]),
    ],
    'auditTrail.json': [
      auditTrailCard(text, [
        { subject: text, action: 'x', actorId: 'a', actorName: text, at: NOW.toISOString(), detail: text },
      ]),
    ],
    // The help card shows our own commands only: nobody supplies its text.
    'help.json': [helpCard({ commands: commandHandlers.map(({ usage, summary }) => ({ usage, summary })) })],
    'mailAlert.json': [
      mailAlertCardFor(mail, NOW),
      mailAlertCardFor(trusted, NOW),
      ...newStyle.map((m) => mailAlertCardFor(m, NOW)),
      ownerMailCardFor(asRouted({ class: 'account-billing', kind: 'invoice', destination: 'owner' })),
      ownerMailCardFor(notice),
    ],
    'mailDigest.json': [
      mailDigestCardFor('2026-06-01', [notice]),
      mailDigestCardFor(
        '2026-06-01',
        Array.from({ length: 40 }, () => notice),
      ),
    ],
    // Account names in the burst summary are supplied text (the registry's).
    'mailBurst.json': [
      mailBurstCardFor({
        state: 'open',
        waiting: [trusted, { ...trusted, accountName: text }, mail],
        more: true,
        since: NOW.toISOString(),
        doneBy: NOW.toISOString(),
      }),
      mailBurstCardFor({ state: 'over', since: NOW.toISOString(), peak: 300, at: NOW.toISOString() }),
    ],
    'mailSecret.json': [
      mailSecretCardFor(trusted, {
        mailId: mail.mailId,
        type: 'code',
        value: '482913',
        expiresAt: NOW.toISOString(),
        ttl: 60,
      }),
    ],
    'poolStatus.json': [poolStatusCard(pool)],
    'requestApproval.json': [approvalCard(request, text)],
    'requestForm.json': [
      requestFormCard({ accountName: text, purpose: text, errors: { accountName: text }, problem: text }),
    ],
    'requestResult.json': [requestResultCard(decided)],
    'requestStatus.json': [
      requestStatusCard(request, text),
      requestStatusCard(request, text, { decide: false }),
      requestStatusCard(decided, text),
    ],
    // A person's display name is supplied text (Teams, the directory).
    'welcome.json': [welcomeCard({ name: text, admin: true }), welcomeCard({ name: text, admin: false })],
    'status.json': [
      statusCard({
        store: { kind: 'embedded', reachable: true },
        subscription: { configured: false },
        pool: { strategy: 'pool', mailboxes: [], free: 1, low: true },
        pendingApprovals: 1,
        aws: {
          configured: true,
          lastRun: run,
          openFindings: 6,
          findingsByKind: run.byKind,
          openAdoptions: 1,
        },
        lastRelayedMail: { at: NOW.toISOString(), mailClass: 'secret', kind: text, accountName: text },
        mails: {
          since: '2026-05-26',
          days: 7,
          classes: [
            {
              class: 'secret',
              rule: 'oncall-secret',
              arrived: 3,
              went: { 'oncall-secret': 2, 'handed-to-adoption': 1 },
            },
            { class: 'noise', rule: 'recorded', arrived: 0, went: {} },
          ],
        },
        warnings: [text],
      }),
    ],
  };
}

/** Verbs of Action.Execute (verb) and Action.Submit (data.verb) anywhere in a JSON tree. */
function verbsIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => verbsIn(n, found));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'Action.Execute' && typeof o.verb === 'string') found.add(o.verb);
    if (o.type === 'Action.Execute' || o.type === 'Action.Submit') {
      const verb = (o.data as { verb?: unknown } | undefined)?.verb;
      if (typeof verb === 'string') found.add(verb);
    }
    Object.values(o).forEach((v) => verbsIn(v, found));
  }
  return found;
}

/** Every text a client renders as markdown: TextBlock text, FactSet titles and values. */
function markdownTexts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => markdownTexts(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
    if (o.type === 'FactSet' && Array.isArray(o.facts))
      for (const f of o.facts as { title?: string; value?: string }[]) out.push(f.title ?? '', f.value ?? '');
    Object.values(o).forEach((v) => markdownTexts(v, out));
  }
  return out;
}

describe('the card contract', () => {
  const cards = everyCard('Jane Doe');

  it('builds every template in src/cards, and every card parses without a problem', () => {
    expect(Object.keys(cards).sort()).toEqual(templates.sort());
    for (const [template, built] of Object.entries(cards)) {
      for (const card of built)
        expect({ template, problems: adaptiveCardProblems(card) }).toEqual({ template, problems: [] });
    }
  });

  it('has a handler for every verb a template uses, and a template for every handler', () => {
    const used = new Set<string>();
    for (const file of templates) verbsIn(JSON.parse(readFileSync(path.join(CARDS_DIR, file), 'utf8')), used);
    const handled = cardActionHandlers.map((h) => h.verb);
    expect(new Set(handled).size).toBe(handled.length); // one handler per verb
    expect([...used].sort()).toEqual([...handled].sort());
    expect([...handled].sort()).toEqual(Object.values(VERBS).sort());
  });

  it('has one command per trigger word', () => {
    const words = [
      'help',
      'request',
      'whois',
      'list',
      'link',
      'transfer',
      'retire',
      'pool',
      'status',
      'audit',
      'cancel',
      'reconcile',
      'adopt',
      'root-access',
      'root-credentials',
      'setup',
    ];
    for (const word of words)
      expect({ word, handlers: commandHandlers.filter((c) => c.trigger.test(word)).length }).toEqual({
        word,
        handlers: 1,
      });
  });
});

describe('hostile text on cards', () => {
  const markdown = new MarkdownIt({ linkify: true, html: true });
  // Each carries the marker ZQX, so the check looks at the texts it landed in (not at our own wording,
  // such as the result card's numbered next steps).
  const hostile = [
    '[Approve ZQX here first](https://evil.example/phish)',
    'ZQX Visit https://evil.example/login or www.evil.example now',
    '**URGENT ZQX** _act now_ ~~old~~ `code`',
    '- ZQX first\n- second',
    '1. ZQX one\n2. two',
    '# ZQX Heading',
    '<a href="https://evil.example">ZQX click</a>',
    '&lt;b&gt;ZQX bold&lt;/b&gt;',
    'ZQX Mallory \u202Egnp.exe\u202C \u200Bzero-width',
    '![ZQX img](https://evil.example/x.png)',
    '> ZQX quoted',
  ];

  it.each(hostile)('no link, emphasis, list, heading, code or image survives: %s', (text) => {
    let seen = 0;
    for (const [template, built] of Object.entries(everyCard(text))) {
      for (const card of built) {
        for (const shown of markdownTexts(card).filter((t) => t.includes('ZQX'))) {
          const html = markdown.render(shown);
          expect({ template, shown, html }).toEqual({
            template,
            shown,
            // Only e-mail addresses may be linked (clients autolink them; they are not from the hostile text).
            html: expect.not.stringMatching(
              /<(em|strong|s|del|ul|ol|li|h\d|code|img|blockquote)\b|<a href="(?!mailto:)|href="[^"]*evil/,
            ),
          });
          expect(shown).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B]/);
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThan(20); // the text reached the cards it was meant to
  });

  it('caps the length of supplied text', () => {
    const long = 'x'.repeat(5000);
    for (const built of Object.values(everyCard(long)))
      for (const card of built) expect(JSON.stringify(card).length).toBeLessThan(10_000);
  });

  it('keeps an alias with an underscore copyable', () => {
    const [card] = everyCard('Jane')['addressRecord.json'];
    expect(JSON.stringify(card)).toContain('aws_3f9a2c71@contoso.com');
  });

  it('never shows the secret on the channel card', () => {
    const mail = everyCard('x')['mailAlert.json'];
    expect(JSON.stringify(mail)).not.toContain('482913');
  });
});
