import { showBytes } from './check-failure';
import { formatReport, reportSchema, type Report } from './report';

const report: Report = {
  server: { host: '127.0.0.1', port: 1061, service: 'task' },
  passed: 1,
  failed: 1,
  checks: [
    { id: 'transcript', title: "the lecture's transcript", passed: true },
    {
      id: 'utf8-bytes',
      title: 'UTF-8 text: counted in bytes',
      passed: false,
      sent: '"héllo\\n"',
      expected: '"Your data was 6 bytes"',
      got: '"Your data was 5 bytes"',
    },
  ],
};

describe('formatReport', () => {
  it('gives a line per check and, under a failure, what was sent, expected and got', () => {
    expect(formatReport(report)).toBe(
      [
        'server-check: the task service over TCP at 127.0.0.1:1061',
        '',
        "PASS  transcript  the lecture's transcript",
        'FAIL  utf8-bytes  UTF-8 text: counted in bytes',
        '                  sent:     "héllo\\n"',
        '                  expected: "Your data was 6 bytes"',
        '                  got:      "Your data was 5 bytes"',
        '',
        '1 of 2 checks passed, 1 failed.',
        '',
      ].join('\n'),
    );
  });

  it('puts an IPv6 address in brackets and names UDP', () => {
    const udp = { ...report, server: { host: '::1', port: 12000, service: 'udp' as const } };
    expect(formatReport(udp).split('\n')[0]).toBe(
      'server-check: the uppercase service over UDP at [::1]:12000',
    );
  });
});

describe('reportSchema', () => {
  it('accepts a report and refuses one without its counts or with an unknown service', () => {
    expect(reportSchema.parse(report)).toEqual(report);
    expect(reportSchema.safeParse({ ...report, passed: undefined }).success).toBe(false);
    expect(
      reportSchema.safeParse({ ...report, server: { ...report.server, service: 'ftp' } }).success,
    ).toBe(false);
  });
});

describe('showBytes', () => {
  it('quotes text with its escapes', () => {
    expect(showBytes('Hi\n')).toBe('"Hi\\n"');
  });

  it('shows bytes that are not UTF-8 as \\xNN, which U+FFFD would hide', () => {
    expect(showBytes(Buffer.from([0x68, 0x69, 0xc3, 0x28, 0xff, 0x0a]))).toBe('"hi\\xc3(\\xff\\n"');
  });

  it('cuts long text after 60 characters and says the full length', () => {
    expect(showBytes('a'.repeat(3001))).toBe(`"${'a'.repeat(60)}…" (3001 bytes)`);
  });
});
