import { rootEmailProblem } from '../../src/domain/addressRules';
import { parsePoolCsv } from '../../src/domain/poolCsv';
import { planPool } from '../../src/domain/poolPlan';

const counter = () => {
  let n = 0;
  return () => `t${String(n++).padStart(6, '0')}`;
};
const base = { domain: 'Contoso.com', generatedAt: '2026-01-01T09:00:00Z' };

describe('pool plan', () => {
  it('writes shared mailboxes forwarding to the central mailbox and aliases in batches, with the matching CSV', () => {
    const plan = planPool({
      ...base,
      mailboxes: 2,
      perMailbox: 120,
      central: 'root@contoso.com',
      randomToken: counter(),
    });
    expect(plan.mailboxes.map((m) => m.address)).toEqual([
      'aws-pool-01@contoso.com',
      'aws-pool-02@contoso.com',
    ]);
    const ps = plan.powershell;
    expect(ps).toContain("New-Mailbox -Shared -Name 'aws-pool-01'");
    expect(ps).toContain(
      `Set-Mailbox -Identity 'aws-pool-02@contoso.com' -ForwardingAddress $central -DeliverToMailboxAndForward $true`,
    );
    expect(ps).toContain("$central = 'root@contoso.com'");
    const addLines = ps.split('\r\n').filter((l) => l.includes('-EmailAddresses @{Add='));
    expect(addLines).toHaveLength(6); // 120 aliases in batches of 50, per mailbox
    expect(addLines[0]).toContain("'smtp:aws-t000000@contoso.com'");

    const { rows, problems } = parsePoolCsv(plan.csv);
    expect(problems).toEqual([]);
    expect(rows).toHaveLength(240);
    expect(rows.every((r) => rootEmailProblem(r.address) === undefined)).toBe(true);
    expect(new Set(rows.map((r) => r.address)).size).toBe(240);
  });

  it('skips a repeated random token so every alias is unique', () => {
    const tokens = ['aaaa', 'aaaa', 'bbbb'];
    const plan = planPool({ ...base, mailboxes: 1, perMailbox: 2, randomToken: () => tokens.shift()! });
    expect(plan.mailboxes[0].aliases).toEqual(['aws-aaaa@contoso.com', 'aws-bbbb@contoso.com']);
    expect(plan.powershell).toContain('No --central given');
  });

  it('refuses more than 331 aliases per mailbox and says why', () => {
    expect(() => planPool({ ...base, mailboxes: 1, perMailbox: 332, randomToken: counter() })).toThrow(
      /--per-mailbox must be a whole number from 1 to 331 \(Exchange stops at 333 addresses per mailbox, and the mailbox's own 2 count\)/,
    );
    expect(() =>
      planPool({ ...base, domain: 'localhost', mailboxes: 0, perMailbox: 1, randomToken: counter() }),
    ).toThrow(/--mailboxes must be a whole number from 1 to 500\n--domain must be a domain like contoso.com/);
  });
});
