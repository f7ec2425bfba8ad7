import { AddressRange, isInRanges, isLoopbackBinding, parseRange } from '../../src/domain/networkRanges';

const ranges = (...texts: string[]): AddressRange[] =>
  texts.map((t) => {
    const parsed = parseRange(t);
    if ('problem' in parsed) throw new Error(parsed.problem);
    return parsed;
  });

describe('client address ranges (SMTP_ALLOWED_CLIENTS)', () => {
  it('matches IPv4 ranges, single addresses and the IPv4 clients of a dual-stack socket', () => {
    const allowed = ranges('10.0.0.0/8', '192.168.1.7');
    expect(isInRanges('10.200.3.4', allowed)).toBe(true);
    expect(isInRanges('192.168.1.7', allowed)).toBe(true);
    expect(isInRanges('::ffff:10.1.1.1', allowed)).toBe(true);
    expect(isInRanges('192.168.1.8', allowed)).toBe(false);
    expect(isInRanges('11.0.0.1', allowed)).toBe(false);
    expect(isInRanges('::ffff:11.0.0.1', allowed)).toBe(false);
  });

  it('matches IPv6 ranges, compressed or not, with a zone or not', () => {
    const allowed = ranges('2001:db8::/32', 'fe80::1/128');
    expect(isInRanges('2001:db8:1234::5', allowed)).toBe(true);
    expect(isInRanges('2001:0db8:0000:0000:0000:0000:0000:0001', allowed)).toBe(true);
    expect(isInRanges('fe80::1%eth0', allowed)).toBe(true);
    expect(isInRanges('2001:db9::1', allowed)).toBe(false);
    expect(isInRanges('10.0.0.1', allowed)).toBe(false); // another family
  });

  it('lets 0.0.0.0/0 and ::/0 mean everyone of their family', () => {
    expect(isInRanges('203.0.113.9', ranges('0.0.0.0/0'))).toBe(true);
    expect(isInRanges('2001:db8::1', ranges('0.0.0.0/0'))).toBe(false);
    expect(isInRanges('2001:db8::1', ranges('::/0'))).toBe(true);
  });

  it('says what is wrong with an entry that is not a range', () => {
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0/8',
      '300.1.1.1',
      'mx.contoso.com',
      '2001:db8::/129',
      '1::2::3',
      '10.0.0.0/8/1',
      '',
    ]) {
      expect(parseRange(bad)).toEqual({ problem: expect.stringContaining(bad) });
    }
  });

  it('knows a loopback binding from one reachable by others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      expect(isLoopbackBinding(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'mail.contoso.com'])
      expect(isLoopbackBinding(host)).toBe(false);
  });

  it('matches nothing for what is not an address', () => {
    expect(isInRanges('', ranges('0.0.0.0/0', '::/0'))).toBe(false);
    expect(isInRanges('not an address', ranges('0.0.0.0/0', '::/0'))).toBe(false);
  });
});
