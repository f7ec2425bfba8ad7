import type { AddressRecord } from '../../src/domain/addressRecords';
import type { AwsAccount } from '../../src/domain/awsAccounts';
import {
  adoptionStart,
  DriftFinding,
  findingsToReport,
  reconcile,
  ReconciliationInput,
} from '../../src/domain/reconciliation';

const NOW = new Date('2026-11-30T09:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const alice = { id: 'a11ce000-0000-4000-8000-000000000001', name: 'Alice' };

function account(id: string, email: string, overrides: Partial<AwsAccount> = {}): AwsAccount {
  return {
    id,
    name: `acct-${id.slice(-4)}`,
    email,
    state: 'ACTIVE',
    isManagementAccount: false,
    ...overrides,
  };
}

function record(address: string, overrides: Partial<AddressRecord> = {}): AddressRecord {
  return {
    address,
    mailbox: 'pool-1@contoso.com',
    strategy: 'pool',
    state: 'assigned',
    owner: alice,
    assignedAt: daysAgo(2),
    history: [],
    ...overrides,
  };
}

function run(accounts: AwsAccount[], records: AddressRecord[], extra: Partial<ReconciliationInput> = {}) {
  return reconcile({ accounts, records, now: NOW, unusedDays: 14, ...extra });
}

const kinds = (findings: DriftFinding[]) => findings.map((f) => f.kind);

describe('reconciling the registry with AWS Organizations', () => {
  it('finds nothing when every account is linked to its assigned address', () => {
    const result = run(
      [account('111111111111', 'aws-1@contoso.com'), account('222222222222', 'aws-2@contoso.com')],
      [
        record('aws-1@contoso.com', { awsAccountId: '111111111111' }),
        record('aws-2@contoso.com', { awsAccountId: '222222222222' }),
        record('aws-3@contoso.com', { state: 'available', owner: undefined, assignedAt: undefined }),
      ],
    );
    expect(result).toEqual({ autoLinks: [], findings: [], counts: { accounts: 2, records: 3, known: 2 } });
  });

  describe('auto-links', () => {
    it('links an assigned record without an id to the account whose root e-mail it is, ignoring case', () => {
      const result = run(
        [account('111111111111', 'AWS-Payments@Contoso.com', { name: 'payments-prod' })],
        [record('aws-payments@contoso.com')],
      );
      expect(result.autoLinks).toEqual([
        {
          address: 'aws-payments@contoso.com',
          accountId: '111111111111',
          accountName: 'payments-prod',
          accountState: 'ACTIVE',
        },
      ]);
      expect(result.findings).toEqual([]);
      expect(result.counts.known).toBe(1);
    });

    it('links a closed account too (for the history), and still says the address should be retired', () => {
      const result = run(
        [account('111111111111', 'aws-1@contoso.com', { state: 'CLOSED' })],
        [record('aws-1@contoso.com')],
      );
      expect(result.autoLinks.map((l) => l.accountId)).toEqual(['111111111111']);
      expect(kinds(result.findings)).toEqual(['ended-account-still-assigned']);
    });

    it('does not link when the account is already linked to another assigned address', () => {
      const result = run(
        [account('111111111111', 'aws-new@contoso.com')],
        [record('aws-new@contoso.com'), record('aws-old@contoso.com', { awsAccountId: '111111111111' })],
      );
      expect(result.autoLinks).toEqual([]);
      expect(result.findings).toEqual([
        expect.objectContaining({
          kind: 'account-id-mismatch',
          address: 'aws-new@contoso.com',
          registryAccountId: undefined,
          organizationsAccountId: '111111111111',
          suggestion: 'review',
        }),
      ]);
    });
  });

  describe('drift', () => {
    it.each(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'] as const)(
      'reports a %s account whose address is still assigned, suggesting Retire',
      (state) => {
        const result = run(
          [account('111111111111', 'aws-1@contoso.com', { state, name: 'sandbox-7' })],
          [record('aws-1@contoso.com', { awsAccountId: '111111111111' })],
        );
        expect(result.findings).toEqual([
          expect.objectContaining({
            kind: 'ended-account-still-assigned',
            subject: 'ended-account-still-assigned:111111111111',
            suggestion: 'retire',
            address: 'aws-1@contoso.com',
            owner: alice,
            accountState: state,
            summary: `Account 111111111111 (sandbox-7) is ${state}, but its address aws-1@contoso.com is still assigned (owner Alice): retire the address.`,
          }),
        ]);
      },
    );

    it('reports an address assigned longer than the unused days with no account, and not before', () => {
      const records = [
        record('aws-old@contoso.com', { assignedAt: daysAgo(15) }),
        record('aws-fresh@contoso.com', { assignedAt: daysAgo(13) }),
        record('aws-undated@contoso.com', { assignedAt: undefined }),
      ];
      const result = run([], records);
      expect(result.findings).toEqual([
        expect.objectContaining({
          kind: 'assigned-address-unused',
          subject: 'assigned-address-unused:aws-old@contoso.com',
          address: 'aws-old@contoso.com',
          daysAssigned: 15,
          suggestion: 'review',
        }),
      ]);
      expect(kinds(run([], records, { unusedDays: 30 }).findings)).toEqual([]);
      expect(kinds(run([], records, { unusedDays: 1 }).findings)).toHaveLength(2);
    });

    it('reports an active account whose root e-mail is not in the registry, suggesting Adopt', () => {
      const result = run(
        [
          account('333333333333', 'Jane.Doe@Contoso.com', { name: 'legacy-data' }),
          account('444444444444', 'gone@contoso.com', { state: 'CLOSED' }),
          account('555555555555', 'billing@contoso.com', { isManagementAccount: true, name: 'management' }),
          account('666666666666', 'new-one@contoso.com', { state: 'PENDING_ACTIVATION' }),
        ],
        [],
      );
      expect(result.findings).toEqual([
        expect.objectContaining({
          kind: 'account-not-in-registry',
          accountId: '333333333333',
          accountEmail: 'Jane.Doe@Contoso.com',
          suggestion: 'adopt',
        }),
        expect.objectContaining({
          accountId: '555555555555',
          suggestion: 'review',
          isManagementAccount: true,
        }),
        expect.objectContaining({ accountId: '666666666666', suggestion: 'review' }),
      ]);
      expect(result.findings[1].summary).toMatch(/does not change it through the API/);
    });

    it('reports the registry and Organizations disagreeing on the account of an address', () => {
      const result = run(
        [account('222222222222', 'aws-1@contoso.com')],
        [record('aws-1@contoso.com', { awsAccountId: '111111111111' })],
      );
      expect(result.findings).toEqual([
        expect.objectContaining({
          kind: 'account-id-mismatch',
          subject: 'account-id-mismatch:aws-1@contoso.com:222222222222',
          registryAccountId: '111111111111',
          organizationsAccountId: '222222222222',
          summary:
            'The registry links aws-1@contoso.com to account 111111111111, but in AWS Organizations it is the root e-mail of account 222222222222 (acct-2222): correct the link.',
        }),
      ]);
    });

    it('reports a linked account whose root e-mail has moved away from its address', () => {
      const result = run(
        [account('111111111111', 'someone@gmail.com')],
        [record('aws-1@contoso.com', { awsAccountId: '111111111111' })],
      );
      expect(result.findings).toEqual([
        expect.objectContaining({
          kind: 'account-id-mismatch',
          address: 'aws-1@contoso.com',
          registryAccountId: '111111111111',
          organizationsEmail: 'someone@gmail.com',
        }),
      ]);
      expect(result.findings[0].summary).toMatch(/root e-mail is now someone@gmail.com/);
    });

    it('reports a free, quarantined or retired address that an account still uses', () => {
      const result = run(
        [
          account('111111111111', 'aws-free@contoso.com'),
          account('222222222222', 'aws-retired@contoso.com'),
          account('333333333333', 'aws-quarantined@contoso.com', { state: 'CLOSED' }),
          account('444444444444', 'aws-free-closed@contoso.com', { state: 'CLOSED' }),
        ],
        [
          record('aws-free@contoso.com', { state: 'available', owner: undefined }),
          record('aws-retired@contoso.com', { state: 'retired', awsAccountId: '222222222222' }),
          record('aws-quarantined@contoso.com', { state: 'quarantined', awsAccountId: '333333333333' }),
          record('aws-free-closed@contoso.com', { state: 'available', owner: undefined }),
        ],
      );
      expect(result.findings.map((f) => [f.kind, f.subject, f.suggestion])).toEqual([
        ['unassigned-address-in-use', 'unassigned-address-in-use:aws-free-closed@contoso.com', 'retire'],
        ['unassigned-address-in-use', 'unassigned-address-in-use:aws-free@contoso.com', 'link'],
        ['unassigned-address-in-use', 'unassigned-address-in-use:aws-retired@contoso.com', 'link'],
      ]); // a quarantined address of a closed account is exactly as it should be
      expect(result.autoLinks).toEqual([]);
    });

    it('reports an assigned address linked to an account the organisation does not have', () => {
      const result = run([], [record('aws-1@contoso.com', { awsAccountId: '999999999999' })]);
      expect(result.findings).toEqual([
        expect.objectContaining({
          kind: 'linked-account-not-in-organization',
          registryAccountId: '999999999999',
          suggestion: 'review',
        }),
      ]);
    });
  });

  describe('fingerprints: each finding is reported once until it changes', () => {
    const accounts = [
      account('111111111111', 'aws-1@contoso.com', { state: 'SUSPENDED' }),
      account('222222222222', 'legacy@contoso.com'),
    ];
    const records = [
      record('aws-1@contoso.com', { awsAccountId: '111111111111' }),
      record('aws-2@contoso.com', { assignedAt: daysAgo(20) }),
    ];

    it('gives the same subjects and fingerprints for the same facts, in any order and on any later day', () => {
      const first = run(accounts, records).findings;
      const again = run([...accounts].reverse(), [...records].reverse(), {
        now: new Date(NOW.getTime() + 3 * 86_400_000),
      }).findings;
      expect(again.map((f) => [f.subject, f.fingerprint])).toEqual(
        first.map((f) => [f.subject, f.fingerprint]),
      );
      expect(first.every((f) => /^[0-9a-f]{16}$/.test(f.fingerprint))).toBe(true);
      expect(new Set(first.map((f) => f.subject)).size).toBe(first.length);
    });

    it('reports new and changed findings, keeps quiet about unchanged ones, and names the resolved', () => {
      const first = run(accounts, records).findings;
      const firstRound = findingsToReport(new Map(), first);
      expect(firstRound.report).toEqual(first);
      const reported = new Map(first.map((f) => [f.subject, f.fingerprint]));

      expect(findingsToReport(reported, run(accounts, records).findings)).toEqual({
        report: [],
        unchanged: first,
        resolved: [],
      });

      // SUSPENDED → CLOSED changes the facts of one finding; the legacy account got adopted (resolved).
      const later = run(
        [
          { ...accounts[0], state: 'CLOSED' },
          { ...accounts[1], email: 'aws-2@contoso.com' },
        ],
        records,
      );
      const next = findingsToReport(reported, later.findings);
      expect(next.report.map((f) => [f.kind, (f as { accountState?: string }).accountState])).toEqual([
        ['ended-account-still-assigned', 'CLOSED'],
      ]);
      expect(next.resolved.sort()).toEqual([
        'account-not-in-registry:222222222222',
        'assigned-address-unused:aws-2@contoso.com',
      ]);
      expect(later.autoLinks.map((l) => l.address)).toEqual(['aws-2@contoso.com']);
    });
  });

  it('reconciles 5,000 accounts against 33,000 records in well under a second of CPU', () => {
    const accounts: AwsAccount[] = [];
    const records: AddressRecord[] = [];
    for (let i = 0; i < 33_000; i++) {
      const linked = i < 4_000;
      records.push(
        record(`aws-${i}@contoso.com`, {
          state: i < 4_500 ? 'assigned' : i % 10 === 0 ? 'retired' : 'available',
          awsAccountId: linked ? String(100_000_000_000 + i) : undefined,
          assignedAt: daysAgo(i % 30),
        }),
      );
    }
    for (let i = 0; i < 5_000; i++) {
      const email = i < 4_300 ? `AWS-${i}@Contoso.com` : `person-${i}@contoso.com`;
      accounts.push(
        account(String(100_000_000_000 + i), email, {
          state: i % 250 === 0 && i < 4_300 ? 'CLOSED' : 'ACTIVE',
        }),
      );
    }
    const cpu = process.cpuUsage();
    const result = run(accounts, records);
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;

    expect(result.counts).toEqual({ accounts: 5_000, records: 33_000, known: 4_300 });
    expect(result.autoLinks).toHaveLength(300);
    expect(kinds(result.findings).filter((k) => k === 'account-not-in-registry')).toHaveLength(700);
    expect(ms).toBeLessThan(1_000);
  });
});

describe('where an adoption starts', () => {
  const member = account('111111111111', 'jane.doe@contoso.com');

  it('changes the root e-mail of an account the registry does not know', () => {
    expect(adoptionStart(member, undefined, undefined)).toEqual({ kind: 'change-root-email' });
  });

  it('simply links an account whose root e-mail is already one of our assigned, unlinked addresses', () => {
    const ours = record('Jane.Doe@contoso.com');
    expect(adoptionStart(member, ours, undefined)).toEqual({ kind: 'link', address: 'Jane.Doe@contoso.com' });
    expect(adoptionStart(member, { ...ours, awsAccountId: '111111111111' }, undefined)).toMatchObject({
      kind: 'already-linked',
    });
  });

  it('refuses what it cannot do, saying why', () => {
    const reason = (start: ReturnType<typeof adoptionStart>) =>
      start.kind === 'refused' ? start.reason : start.kind;
    expect(reason(adoptionStart({ ...member, isManagementAccount: true }, undefined, undefined))).toMatch(
      /management account/,
    );
    expect(reason(adoptionStart({ ...member, state: 'SUSPENDED' }, undefined, undefined))).toMatch(
      /is SUSPENDED: only an ACTIVE account/,
    );
    expect(
      reason(adoptionStart(member, undefined, record('aws-9@contoso.com', { awsAccountId: '111111111111' }))),
    ).toMatch(/already linked to aws-9@contoso.com/);
    expect(
      reason(adoptionStart(member, record('jane.doe@contoso.com', { state: 'retired' }), undefined)),
    ).toMatch(/has as retired: link it instead/);
    expect(
      reason(
        adoptionStart(member, record('jane.doe@contoso.com', { awsAccountId: '222222222222' }), undefined),
      ),
    ).toMatch(/disagree/);
  });
});
