import type { AwsAccount } from '../../src/domain/awsAccounts';
import {
  countRootPostures,
  describeRootPosture,
  rootAccessOff,
  rootAuditTargets,
  rootFindings,
  RootCredentials,
  RootPosture,
} from '../../src/domain/rootPosture';

/** A root user as Organizations creates it: nothing to sign in with. */
const NO_ROOT_CREDENTIALS: RootCredentials = {
  password: false,
  accessKeys: [],
  mfaDevices: [],
  signingCertificates: [],
};

const NOW = new Date('2026-05-04T10:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const account = (id: string, fields: Partial<AwsAccount> = {}): AwsAccount => ({
  id,
  name: `acct-${id.slice(-2)}`,
  email: `aws-${id}@contoso.com`,
  state: 'ACTIVE',
  isManagementAccount: false,
  ...fields,
});
const posture = (id: string, fields: Partial<RootPosture> = {}): RootPosture => ({
  accountId: id,
  accountName: `acct-${id.slice(-2)}`,
  checkedAt: hoursAgo(1),
  credentials: NO_ROOT_CREDENTIALS,
  ...fields,
});

describe('which root users a run audits', () => {
  const accounts = [
    account('111111111111', { isManagementAccount: true }),
    account('222222222201'), // never audited
    account('222222222202'), // audited 30 hours ago
    account('222222222203'), // audited an hour ago
    account('222222222204', { state: 'SUSPENDED' }),
    account('222222222205'), // not linked in the registry
  ];
  const linked = new Set(['111111111111', '222222222201', '222222222202', '222222222203', '222222222204']);
  const postures = new Map([
    ['222222222202', posture('222222222202', { checkedAt: hoursAgo(30) })],
    ['222222222203', posture('222222222203', { checkedAt: hoursAgo(1) })],
  ]);

  it('hourly: linked ACTIVE member accounts not audited for about a day, the stalest first', () => {
    const due = rootAuditTargets({
      accounts,
      linkedAccountIds: linked,
      postures,
      now: NOW,
      everyAccount: false,
    });
    expect(due.map((a) => a.id)).toEqual(['222222222201', '222222222202']);
  });

  it('on demand: every linked ACTIVE member account, never the management account or an unlinked one', () => {
    const due = rootAuditTargets({
      accounts,
      linkedAccountIds: linked,
      postures,
      now: NOW,
      everyAccount: true,
    });
    expect(due.map((a) => a.id)).toEqual(['222222222201', '222222222202', '222222222203']);
  });
});

describe('root credentials that are drift', () => {
  const withKey = posture('222222222201', {
    credentials: {
      ...NO_ROOT_CREDENTIALS,
      password: true,
      passwordCreatedAt: '2021-06-01T08:00:00.000Z',
      accessKeys: [{ id: 'AKIAEXAMPLE1234WXYZ', active: true, lastUsedAt: '2026-04-30T10:00:00.000Z' }],
      mfaDevices: [{ serial: 'arn:aws:iam::222222222201:mfa/root-account-mfa-device' }],
    },
  });
  const mfaOnly = posture('222222222202', {
    credentials: { ...NO_ROOT_CREDENTIALS, mfaDevices: [{ serial: 'x' }] },
  });

  it('reports a root access key and a root password, in words, with the account name and id', () => {
    const [key, password] = rootFindings([withKey, mfaOnly]);
    expect(key).toMatchObject({ kind: 'root-access-key', subject: 'root-access-key:222222222201' });
    expect(key.summary).toBe(
      'The root user of AWS account 222222222201 (acct-01) has 1 access key (AKIA…WXYZ active, last used 2026-04-30). A root access key is full, long-lived control of the account that names no person: remove it.',
    );
    expect(password.summary).toMatch(
      /^The root user of AWS account 222222222201 \(acct-01\) has a password \(set 2021-06-01\), and no approved root-access session is open for it/,
    );
  });

  it('expects a password while an approved session is open, and changes a finding only when its facts change', () => {
    expect(rootFindings([withKey], new Set(['222222222201'])).map((f) => f.kind)).toEqual([
      'root-access-key',
    ]);
    const before = rootFindings([withKey])[0].fingerprint;
    const used = structuredClone(withKey);
    used.credentials!.accessKeys[0].lastUsedAt = '2026-05-04T09:00:00.000Z';
    expect(rootFindings([used])[0].fingerprint).toBe(before); // use alone is not news
    used.credentials!.accessKeys[0].active = false;
    expect(rootFindings([used])[0].fingerprint).not.toBe(before);
  });

  it('counts and describes postures, and says which features are off with the commands', () => {
    expect(
      countRootPostures([
        withKey,
        mfaOnly,
        posture('222222222203', {
          credentials: undefined,
          problem: { at: NOW.toISOString(), text: 'AWS refused' },
        }),
      ]),
    ).toEqual({
      checked: 2,
      withCredentials: 2,
      withAccessKeys: 1,
      withPassword: 1,
      failing: 1,
    });
    expect(describeRootPosture(posture('222222222203'))).toMatch(
      /^no root credentials \(checked 2026-05-04 09:00 UTC\)$/,
    );
    expect(rootAccessOff({ rootCredentialsManagement: true, rootSessions: true })).toBeUndefined();
    expect(rootAccessOff({ rootCredentialsManagement: true, rootSessions: false })).toMatch(
      /root sessions \(privileged root actions in member accounts\) not enabled.*aws iam enable-organizations-root-sessions/,
    );
  });
});
