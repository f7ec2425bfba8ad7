import type { AuditEvent } from '../../src/domain/audit';
import { describeEvent, historyLines, knownTimeZone, timeForReader } from '../../src/domain/auditWording';

const AT = '2026-12-06T18:14:34.429Z';
const event = (e: Partial<AuditEvent>): AuditEvent => ({
  subject: 'aws-demo-01@example.net',
  action: 'x',
  actorId: 'a',
  actorName: 'Alex Wilber',
  at: AT,
  ...e,
});

describe('history in words (issue 20.6)', () => {
  it('says what happened as a sentence, with the reason and where a mail went', () => {
    expect(
      describeEvent(
        event({
          action: 'address.retired',
          detail: 'account closed in test',
          after: { state: 'quarantined', quarantineUntil: '2027-03-06T18:14:34.429Z' },
        }),
      ),
    ).toBe('Retired by Alex Wilber: account closed in test; in quarantine until 2027-03-06');
    expect(describeEvent(event({ action: 'address.retired' }))).toBe(
      'Retired by Alex Wilber (no reason given)',
    );
    expect(
      describeEvent(
        event({
          action: 'mail.relayed',
          actorName: 'RootMail relay',
          detail: 'Sign-up code (class secret, trusted), rule oncall-secret: posted to on-call',
        }),
      ),
    ).toBe('Sign-up code relayed: posted to on-call');
    expect(
      describeEvent(event({ action: 'mail.reveal', detail: 'sign-up code for aws-demo-01@example.net' })),
    ).toBe('Sign-up code revealed by Alex Wilber');
    expect(
      describeEvent(
        event({
          action: 'address.transferred',
          before: { owner: { id: '1', name: 'Alex Wilber' } },
          after: { owner: { id: '2', name: 'Megan Bowen' } },
        }),
      ),
    ).toBe('Transferred from Alex Wilber to Megan Bowen by Alex Wilber');
    expect(describeEvent(event({ action: 'request.rejected', detail: 'use the shared one' }))).toBe(
      'Rejected by Alex Wilber: “use the shared one”',
    );
    expect(describeEvent(event({ action: 'adoption.code-requested' }))).toBe('Code requested by Alex Wilber');
    for (const line of historyLines([
      event({ action: 'address.linked', after: { awsAccountId: '111122223333' } }),
    ]))
      expect(line.what).not.toMatch(/address\.linked|T\d\d:\d\d:\d\d/);
  });

  it("shows times in the reader's zone with the zone named, UTC only where none is known", () => {
    expect(timeForReader(AT, 'Europe/Berlin')).toBe('2026-12-06 19:14 Europe/Berlin');
    expect(timeForReader(AT, 'America/New_York')).toBe('2026-12-06 13:14 America/New_York');
    expect(timeForReader(AT)).toBe('2026-12-06 18:14 UTC');
    expect(timeForReader(AT, 'Not/AZone')).toBe('2026-12-06 18:14 UTC');
    expect(knownTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(knownTimeZone('x'.repeat(100))).toBeUndefined();
  });
});

describe('root access in words (issue 22)', () => {
  const facts = {
    accessId: 'ra-0a1b2c3d',
    kind: 'session',
    accountId: '123456789012',
    accountName: 'payments-sandbox',
    requester: 'Alex Wilber',
    reason: 'restore the bucket policy',
  };
  const root = (action: string, fields: Partial<AuditEvent> = {}) =>
    describeEvent(event({ action, after: facts, ...fields }));
  const about = ' — root access ra-0a1b2c3d to payments-sandbox for Alex Wilber: “restore the bucket policy”';

  it('tells each step of a session with what it belongs to and its reason, never a link', () => {
    expect(root('root-access.asked', { detail: 'restore the bucket policy' })).toBe(
      'Alex Wilber asked for root access to payments-sandbox: “restore the bucket policy” (ra-0a1b2c3d)',
    );
    expect(root('root-access.approved', { actorName: 'Megan Bowen', detail: 'INC-4711' })).toBe(
      `Approved by Megan Bowen: “INC-4711”${about}`,
    );
    expect(root('root-access.decision-refused', { detail: 'tried to decide their own root access' })).toBe(
      `Decision refused to Alex Wilber (tried to decide their own root access)${about}`,
    );
    expect(root('root-access.started', { detail: 'ends at 2026-12-06 19:14 UTC' })).toBe(
      `Started by Alex Wilber; ends at 2026-12-06 19:14 UTC${about}`,
    );
    expect(
      root('root-access.mail-handed', { actorName: 'RootMail relay', detail: 'Password reset (mail 3f2a…)' }),
    ).toBe(`Password reset (mail 3f2a…) handed to Alex Wilber alone${about}`);
    expect(root('root-access.timed-out', { actorName: 'RootMail' })).toBe(
      `Ended by the timer: its minutes were over${about}`,
    );
    expect(root('root-access.credentials-removed', { actorName: 'RootMail', detail: 'the password' })).toBe(
      `Removed the password${about}`,
    );
    expect(root('root-access.refused-by-aws', { actorName: 'AWS', detail: 'AccessDenied' })).toBe(
      `AWS refused: AccessDenied${about}`,
    );
  });

  it('tells a removal of root credentials as one', () => {
    const removal = { ...facts, kind: 'removal', requester: 'Carol Admin', reason: 'a root access key' };
    expect(
      describeEvent(event({ action: 'root-credentials.asked', actorName: 'Carol Admin', after: removal })),
    ).toBe(
      'Carol Admin asked to remove the root credentials of payments-sandbox: “a root access key” (ra-0a1b2c3d)',
    );
    expect(describeEvent(event({ action: 'root-access.approved', actorName: 'Frank', after: removal }))).toBe(
      'Approved by Frank — removal ra-0a1b2c3d of the root credentials of payments-sandbox: “a root access key”',
    );
  });
});
