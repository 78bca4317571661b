import { describe, expect, it } from 'vitest';
import { formatMailUrl, parseMailUrl, parseRoute, routeForUpstream } from '../../src/core/mail-url.js';

describe('mail URLs', () => {
  it.each([
    ['smtp://mail.example.com', 'smtp', 'starttls', 25],
    ['submission://mail.example.com', 'smtp', 'starttls', 587],
    ['smtps://mail.example.com', 'smtp', 'implicit', 465],
    ['pop3://h', 'pop3', 'starttls', 110],
    ['pop3s://h', 'pop3', 'implicit', 995],
    ['imap://h', 'imap', 'starttls', 143],
    ['imaps://h:10993', 'imap', 'implicit', 10993],
    ['IMAPS://[::1]:993/', 'imap', 'implicit', 993],
  ])('%s', (url, protocol, tls, port) => {
    expect(parseMailUrl(url)).toMatchObject({ protocol, tls, port });
  });

  it.each(['http://x', 'smtp:/x', 'smtp://', 'smtp://x:99999', 'x', 'smtp://[nothex]:1'])('rejects %s with a usage error', (url) => {
    expect(() => parseMailUrl(url)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('positional upstreams listen on the default local port of their scheme', () => {
    const cases: Record<string, number> = { smtp: 2525, submission: 2587, smtps: 2465, pop3: 2110, pop3s: 2995, imap: 2143, imaps: 2993 };
    for (const [scheme, port] of Object.entries(cases)) {
      const r = routeForUpstream(`${scheme}://mail.example.com`);
      expect(r.listen).toMatchObject({ host: '127.0.0.1', port, scheme });
    }
  });

  it('routes keep each leg its own TLS mode and refuse mixed protocols', () => {
    const r = parseRoute('smtp://127.0.0.1:3025=smtps://mail.example.com');
    expect(r.listen).toMatchObject({ tls: 'starttls', port: 3025 });
    expect(r.upstream).toMatchObject({ tls: 'implicit', port: 465 });
    expect(() => parseRoute('smtp://127.0.0.1:1=imaps://x')).toThrow(/smtp.*imap/);
    expect(() => parseRoute('smtp://127.0.0.1:1')).toThrow(/LISTEN=UPSTREAM/);
  });

  it('formats IPv6 hosts with brackets', () => {
    expect(formatMailUrl({ scheme: 'imaps', host: '::1', port: 993 })).toBe('imaps://[::1]:993');
  });
});
